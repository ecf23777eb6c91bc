//! What pydynox will call, for which features, on which resources: the *needs* side of the
//! question. The catalogue ([`catalogue`], data in `catalogue.toml`, by pydynox release); the
//! validated plan built from flags ([`plan`]) or from a `pydynox-iam.toml` ([`config`]); the
//! request context AWS builds for each call ([`request_context`], data in
//! `request_context.toml`); what an AccessDenied message says was needed ([`accessdenied`]);
//! and what the service's own Python code will call ([`scan`]), turned into a plan's needs
//! ([`app`]). No AWS calls; only [`scan`] (and [`app`], which runs it) read files (the service's source tree, which it walks itself); everything else takes text
//! from its caller.
//!
//! May import: [`engine`](crate::engine), [`iam`](crate::iam).

pub mod accessdenied;
pub mod app;
pub mod catalogue;
pub mod config;
pub mod plan;
pub mod request_context;
pub mod scan;
pub mod tags;
