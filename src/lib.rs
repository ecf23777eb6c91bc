//! pydynox-iam: checks that an IAM role or user has every permission pydynox needs for the
//! features a service uses, and explains what is missing and why.
//!
//! Data flows one way: command-line input → validated [`plan`] (no I/O) → fetched
//! policies ([`model`], through the [`aws`] adapter) → simulation → [`report`] rows with
//! stable reason codes → [`render`]ers writing to any `io::Write` → exit code.

pub mod accessdenied;
pub mod actions;
pub mod arn;
pub mod aws;
pub mod catalogue;
pub mod check;
pub mod cli;
pub mod cmd_check;
pub mod cmd_policy;
pub mod cmd_why;
pub mod config;
pub mod engine;
pub mod generate;
pub mod least_privilege;
pub mod local;
pub mod model;
pub mod offline;
pub mod plan;
pub mod render;
pub mod render_ci;
pub mod report;
// Temporary: `src/needs/` is being created by the module move; this declaration moves into
// `needs/mod.rs` (as `pub mod request_context;`) when that lands.
#[path = "needs/request_context.rs"]
pub mod request_context;
pub mod simulate_cmd;
pub mod snapshot;
