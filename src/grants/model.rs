//! The data that flows between stages: what was fetched from AWS about a principal, what
//! is asked of the simulator and what it answered. Plain, serializable values (a run can be
//! saved and replayed); no AWS SDK types and no I/O here.

use serde::{Deserialize, Serialize};

use crate::iam::arn::PrincipalKind;
use crate::needs::catalogue::ContextEntry;

/// The audited principal as AWS knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    pub kind: PrincipalKind,
    pub name: String,
    /// The entity ARN with its path, as GetRole/GetUser return it.
    pub arn: String,
    pub account: String,
    pub partition: String,
    /// The session ARN the user gave (or the caller is), if the principal came from one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boundary_arn: Option<String>,
    /// The role's or user's tags (for `aws:PrincipalTag/*`): `Some` when the source lists them
    /// (an authorization-details entry with `Tags`; `Some` of an empty map when it has none),
    /// `None` when it does not say, which is unknown, never "untagged".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<std::collections::BTreeMap<String, String>>,
}

/// Where a policy document came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum PolicySource {
    /// An inline policy embedded in the role, user or group.
    Inline { owner_kind: String, owner: String },
    /// A managed policy (customer- or AWS-managed), default version.
    Managed {
        arn: String,
        version: String,
        aws_managed: bool,
        via_group: Option<String>,
    },
    /// The permissions boundary (always a managed policy).
    Boundary { arn: String, version: String },
}

/// One fetched policy document, URL-decoded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FetchedPolicy {
    /// The id IAM's simulator uses for it in `MatchedStatements` (policy name for inline
    /// policies, ARN for managed ones).
    pub id: String,
    pub name: String,
    pub source: PolicySource,
    /// The decoded document text exactly as stored, so simulator line/column positions
    /// can be mapped back to statements.
    pub text: String,
}

impl FetchedPolicy {
    pub fn document(&self) -> Option<serde_json::Value> {
        serde_json::from_str(&self.text).ok()
    }
}

/// Everything fetched about a principal's permissions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrincipalPolicies {
    pub principal: Principal,
    /// Identity policies: inline and attached managed, and for a user those of its groups.
    pub policies: Vec<FetchedPolicy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boundary: Option<FetchedPolicy>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
}

impl PrincipalPolicies {
    pub fn all(&self) -> impl Iterator<Item = &FetchedPolicy> {
        self.policies.iter().chain(self.boundary.iter())
    }
}

/// One SimulatePrincipalPolicy question: every action on every resource, with one context.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimRequest {
    pub policy_source_arn: String,
    pub actions: Vec<String>,
    pub resources: Vec<String>,
    pub context: Vec<ContextEntry>,
    /// `ResourceOwner`: the account that owns resources whose ARN names none (S3), when it is
    /// not the principal's (without it the simulator assumes the caller's account).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_owner: Option<String>,
}

/// The simulator's decision, kept as IAM spells it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SimDecision {
    Allowed,
    ExplicitDeny,
    ImplicitDeny,
    /// A value this tool does not know; never read as allowed.
    Other(String),
}

impl SimDecision {
    pub fn parse(s: &str) -> SimDecision {
        match s {
            "allowed" => SimDecision::Allowed,
            "explicitDeny" => SimDecision::ExplicitDeny,
            "implicitDeny" => SimDecision::ImplicitDeny,
            other => SimDecision::Other(other.to_string()),
        }
    }
    pub fn as_str(&self) -> &str {
        match self {
            SimDecision::Allowed => "allowed",
            SimDecision::ExplicitDeny => "explicitDeny",
            SimDecision::ImplicitDeny => "implicitDeny",
            SimDecision::Other(s) => s,
        }
    }
}

/// A statement the simulator says decided a result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimStatement {
    pub source_policy_id: Option<String>,
    pub source_policy_type: Option<String>,
    /// 1-based line and column of the statement's start in the document.
    pub start: Option<(i32, i32)>,
}

/// The simulator's answer for one action on one resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimResult {
    pub action: String,
    pub resource: String,
    pub decision: SimDecision,
    pub matched: Vec<SimStatement>,
    pub missing_context: Vec<String>,
    pub allowed_by_boundary: Option<bool>,
    pub allowed_by_organizations: Option<bool>,
    /// The answer came as per-resource results whose action-level `EvalDecision` is more
    /// restrictive than every per-resource decision: AWS documents the action level as the
    /// most restrictive of them, so something none of them shows decided it (this value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unexplained_top_decision: Option<SimDecision>,
}

impl SimDecision {
    /// How restrictive a decision is: allowed < implicitDeny < explicitDeny; a decision this
    /// tool does not know counts as the most restrictive.
    pub fn restrictiveness(&self) -> u8 {
        match self {
            SimDecision::Allowed => 0,
            SimDecision::ImplicitDeny => 1,
            SimDecision::ExplicitDeny => 2,
            SimDecision::Other(_) => 3,
        }
    }
}

/// A bucket's default encryption, as `s3:GetEncryptionConfiguration` (GetBucketEncryption)
/// reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum BucketEncryption {
    /// SSE-S3 (AES256), or no default encryption: S3 calls no KMS key for the caller.
    S3Managed,
    /// SSE-KMS or DSSE-KMS: S3 asks KMS, as the caller, to make and open data keys. `key` is
    /// the `KMSMasterKeyID` as configured (key id, key ARN, alias name or alias ARN), `None`
    /// for the AWS managed key `aws/s3`; `bucket_key`: an S3 Bucket Key is enabled (the
    /// encryption context is then the bucket's ARN, not the object's).
    Kms {
        key: Option<String>,
        #[serde(default)]
        bucket_key: bool,
    },
}

/// Which resource a resource-based policy belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResourcePolicyKind {
    /// A KMS key policy: it must allow, directly or by delegating to the account's IAM policies.
    KmsKey,
    /// An S3 bucket policy.
    S3Bucket,
    /// The trust policy of a role to be assumed: it must allow, like a key policy.
    RoleTrust,
    /// A DynamoDB table's resource-based policy; it also governs the table's indexes.
    #[serde(rename = "dynamodb-table")]
    DynamoDbTable,
}

impl ResourcePolicyKind {
    /// How reports name it: "key policy", "table policy", ...
    pub fn label(self) -> &'static str {
        match self {
            ResourcePolicyKind::KmsKey => "key policy",
            ResourcePolicyKind::S3Bucket => "bucket policy",
            ResourcePolicyKind::RoleTrust => "trust policy",
            ResourcePolicyKind::DynamoDbTable => "table policy",
        }
    }
}

/// What fetching a resource policy found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum ResourcePolicyState {
    Document {
        text: String,
    },
    /// The resource has no policy (e.g. a bucket without a bucket policy).
    Absent,
    /// It could not be read; rows that depend on it are inconclusive.
    Unreadable {
        reason: String,
    },
}

impl ResourcePolicyState {
    /// Whether the resource's policy can change a decision: there is one, or it is unknown.
    pub fn may_decide(&self) -> bool {
        matches!(
            self,
            ResourcePolicyState::Document { .. } | ResourcePolicyState::Unreadable { .. }
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchedResourcePolicy {
    pub kind: ResourcePolicyKind,
    /// The key ARN, bucket name, role ARN or table ARN.
    pub resource: String,
    #[serde(flatten)]
    pub state: ResourcePolicyState,
    /// The account AWS confirmed owns the resource when the policy was read (S3's
    /// `ExpectedBucketOwner` check); absent when nothing confirmed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
}
