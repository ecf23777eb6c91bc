//! IAM's own vocabulary, shared by every layer above: ARNs and principals as IAM writes them
//! ([`arn`]), and the actions AWS defines for dynamodb, kms, s3 and sts with their access
//! levels and resource types ([`actions`], from the snapshot in `data/`, refreshed by
//! `data/refresh-aws-actions.sh`).
//!
//! May import: the [`engine`](crate::engine) (its wildcard matcher). Nothing that knows
//! pydynox, a principal's policies or a report.

pub mod actions;
pub mod arn;
pub mod names;
pub mod region;
