//! Grants from infrastructure code, before deploy: CloudFormation and SAM templates (YAML or
//! JSON; `cdk synth` output is CloudFormation) and Terraform plans (`terraform show -json`), read
//! into one [`IacModel`]: principals with their identity policies, boundaries and trust
//! policies, resource policies, tables with their indexes, keys, buckets, functions with their
//! environment variables, and every value that cannot be known before deploy, named with its
//! resource and property. Pure: no AWS calls and no file reads (callers pass the text); managed
//! policies the input only references are marked as needing their document.
//!
//! - [`value`]: text with known, symbolic and unknown parts; JSON-like values of it.
//! - [`syntax`]: YAML/JSON → located tree (short-form tags, duplicate keys).
//! - [`cfn`] and [`sam`]: templates; [`terraform`]: plans.
//! - [`model`]: the output; [`error`]: located errors.

// A located error (file, line, column, key path, kind) is ~150 bytes; it is returned only for
// bad input, once per run, so boxing it would cost clarity at every construction for nothing.
#![allow(clippy::result_large_err)]

pub mod cfn;
pub mod error;
pub mod held;
pub mod model;
pub mod sam;
pub mod syntax;
pub mod terraform;
pub mod value;

pub use cfn::{TemplateOptions, read_template};
pub use error::{IacError, IacErrorKind, IacErrors, Location};
pub use model::*;
pub use terraform::{PlanOptions, read_plan};
pub use value::{Part, Symbol, Text, Unknown, UnknownCode, Value};
