//! The report: its model ([`model`]: rows with a verdict and a stable reason code, summaries,
//! the exit code; [`findings`]: least-privilege findings) and every way it is shown, one
//! module per format or view, each writing to any `io::Write`: [`table`], [`json`],
//! [`junit`] and [`markdown`] (with [`ci`], what the two share), [`html`] (a self-contained
//! page, with a services × features matrix for fleets), [`sarif`] (code scanning), [`fleet`]
//! (many services), [`resources`] (short resource names and context tags for people),
//! and the views of the other commands: [`features`], [`simulate`], [`why`]. A new output
//! format is a new module here.
//!
//! May import: every layer below [`verdict`](crate::verdict) (engine, iam, needs, grants,
//! simulate). Renderers must not decide verdicts or exit codes, nor look at the environment
//! (colour and width are passed in).

pub mod accounts;
pub mod ci;
pub mod features;
pub mod findings;
pub mod fleet;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod model;
pub mod resources;
pub mod sarif;
pub mod simulate;
pub mod table;
pub mod upgrade;
pub mod why;
