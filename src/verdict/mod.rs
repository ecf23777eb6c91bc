//! Needs and grants joined by evaluation into fail-safe verdicts. The check [`pipeline`]
//! resolves the principal, [`fetch`]es what it holds, asks IAM's [`simulator`] and/or the
//! local engine ([`local`], the bridge from fetched policies to the engine), combines them
//! by one rule ([`combine`]),
//! and adds each failing feature's [`fix`] (statements from [`generate`], which also writes
//! `policy`'s minimal policies). After a run: [`least_privilege`] analysis and [`expected`]
//! exceptions. Never PASS where AWS would deny: what cannot be decided is INCONCLUSIVE, with
//! its reason.
//!
//! May import: every layer below it (engine, iam, needs, grants, simulate, report). Talks to
//! AWS only through the [`Aws`](crate::grants::source::Aws) trait; prints nothing.

pub mod combine;
pub mod drift;
pub mod expected;
pub mod fetch;
pub mod fix;
pub mod generate;
pub mod iac;
pub mod least_privilege;
pub mod local;
pub mod pipeline;
pub mod request;
pub mod simulator;
pub mod upgrade;
