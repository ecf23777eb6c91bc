//! What pydynox will call, for which features, on which resources: the *needs* side of the
//! question. The catalogue ([`catalogue`], data in `catalogue.toml`, by pydynox release), the
//! validated plan built from flags ([`plan`]) or from a `pydynox-iam.toml` ([`config`]), and
//! what an AccessDenied message says was needed ([`accessdenied`]). No AWS calls, no file
//! reading: callers pass text. Next here: `scan/`, reading the service's Python code.
//!
//! May import: [`engine`](crate::engine), [`iam`](crate::iam).

pub mod accessdenied;
pub mod catalogue;
pub mod config;
pub mod plan;
