//! pydynox-iam: checks that an IAM role or user has every permission pydynox needs for the
//! features a service uses, and explains what is missing and why.
//!
//! Data flows one way: command-line input → validated [`needs::plan`] (no I/O) → fetched
//! policies ([`grants::model`], through the [`grants::sdk`] adapter) → simulation →
//! [`report::model`] rows with stable reason codes → renderers writing to any `io::Write` →
//! exit code.

pub mod cli;
pub mod commands;
pub mod engine;
pub mod grants;
pub mod iam;
pub mod needs;
pub mod report;
pub mod simulate;
pub mod verdict;
