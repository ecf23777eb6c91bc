//! pydynox-iam: checks that an IAM role or user has every permission pydynox needs for the
//! features a service uses, and explains what is missing and why.
//!
//! It answers one question by joining two sides: what pydynox will call ([`needs`]) and what
//! the principal holds ([`grants`]), joined by evaluation (the pure [`engine`], IAM's
//! simulator) into fail-safe verdicts ([`verdict`]), then a [`report`] in the chosen format.
//! Data flows one way: flags or a config file → validated plan (no I/O) → fetched policies
//! (serializable, so a run can be saved and replayed) → evaluation → rows with stable reason
//! codes → renderer writing to any `io::Write` → exit code.
//!
//! The modules, lowest first; each imports only itself and those before it (checked by
//! `tests/architecture.rs`): [`engine`], [`iam`], [`needs`], [`grants`], [`simulate`],
//! [`report`], [`verdict`], [`commands`], [`cli`].

pub mod cli;
pub mod commands;
pub mod engine;
pub mod grants;
pub mod iam;
pub mod needs;
pub mod report;
pub mod simulate;
pub mod verdict;
