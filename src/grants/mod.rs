//! What the principal holds, from wherever its policies come: the *grants* side of the
//! question. Every source serves the same [`Aws`](source::Aws) trait ([`source`]), so the
//! pipeline does not know which one it talks to: the AWS SDK adapter ([`sdk`], the only module
//! that talks to AWS), policy files and authorization-details exports ([`offline`]), saved runs
//! ([`snapshot`]: record and replay) and the call-rate ceiling ([`rate`]) around any of them.
//! What they return is plain, serializable data ([`model`]). [`iac`] reads CloudFormation/SAM
//! templates and Terraform plans into a model of the grants they will create (not yet behind
//! the trait).
//!
//! May import: [`engine`](crate::engine), [`iam`](crate::iam), [`needs`](crate::needs).
//! Must not decide verdicts.

pub mod account;
pub mod auth_details;
pub mod iac;
pub mod model;
pub mod offline;
pub mod org;
pub mod rate;
pub mod sdk;
pub mod snapshot;
pub mod source;
