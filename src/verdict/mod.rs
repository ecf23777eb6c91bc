//! Needs and grants joined by evaluation into fail-safe verdicts: the check pipeline
//! ([`pipeline`]: resolve the principal, fetch its policies, ask IAM's simulator and/or the
//! local engine, combine), the bridge from fetched policies to the engine ([`local`]), the
//! minimal policy and fixes ([`generate`]), least-privilege analysis ([`least_privilege`]) and
//! expected exceptions ([`expected`]). Never PASS where AWS would deny: what cannot be decided
//! is INCONCLUSIVE, with its reason.
//!
//! May import: every layer below it (engine, iam, needs, grants, simulate, report). Talks to
//! AWS only through the [`Aws`](crate::grants::source::Aws) trait; prints nothing.

pub mod expected;
pub mod generate;
pub mod least_privilege;
pub mod local;
pub mod pipeline;
