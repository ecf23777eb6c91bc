//! Where the principal's policies come from, as the rest of the tool sees it: the [`Aws`]
//! trait that every source implements (the SDK adapter, offline files, a snapshot replay, the
//! recorder and the rate ceiling around any of them), the identities it describes
//! ([`Owner`], [`Entity`]) and its errors ([`AwsError`]), each naming the IAM action that was
//! attempted. Tests implement the trait with fakes.

use crate::grants::model::{BucketEncryption, SimRequest, SimResult};

/// An identity whose policies can be listed: the audited role or user, or a user's group.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Owner {
    Role(String),
    User(String),
    Group(String),
}

impl Owner {
    pub fn kind(&self) -> &'static str {
        match self {
            Owner::Role(_) => "role",
            Owner::User(_) => "user",
            Owner::Group(_) => "group",
        }
    }
    pub fn name(&self) -> &str {
        match self {
            Owner::Role(n) | Owner::User(n) | Owner::Group(n) => n,
        }
    }
}

/// A role or user as GetRole/GetUser describe it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Entity {
    pub arn: String,
    pub name: String,
    pub boundary_arn: Option<String>,
    /// The tags GetRole/GetUser return (`aws:PrincipalTag/*`); `None` when the source does not
    /// say (unknown, not "untagged").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<std::collections::BTreeMap<String, String>>,
}

/// Errors from AWS, each with the IAM action that was being attempted, so a message can
/// say exactly which permission the auditor lacks or which call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AwsError {
    #[error(
        "no AWS credentials found ({detail}); use --profile, run `aws sso login`, or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
    )]
    NoCredentials { detail: String },
    #[error(
        "AWS rejected the credentials on `{action}` ({code}: {message}); refresh them (e.g. `aws sso login`) and retry"
    )]
    BadCredentials {
        action: &'static str,
        code: String,
        message: String,
    },
    #[error("{what} not found (`{action}` answered {code}: {message})")]
    NotFound {
        action: &'static str,
        what: String,
        code: String,
        message: String,
    },
    #[error(
        "the auditing identity is not allowed to call `{action}` ({message}); grant it `{action}` (README: \"Permissions the auditor needs\")"
    )]
    AccessDenied {
        action: &'static str,
        message: String,
    },
    #[error("AWS kept throttling `{action}` after retries ({message}); retry later")]
    Throttled {
        action: &'static str,
        message: String,
    },
    #[error(
        "could not reach AWS for `{action}` ({message}); check the network, the region and --endpoint-url"
    )]
    Network {
        action: &'static str,
        message: String,
    },
    #[error("`{action}` failed: {code}: {message}")]
    Service {
        action: &'static str,
        code: String,
        message: String,
    },
    #[error("`{action}` returned a response this tool cannot read: {message}")]
    BadResponse {
        action: &'static str,
        message: String,
    },
    /// Offline input (policy files, authorization details) lacks what was asked for.
    #[error("{message}")]
    Offline { message: String },
}

/// What the tool needs from AWS. Implemented over the SDK by
/// [`SdkAws`](crate::grants::sdk::SdkAws); tests use fakes.
#[allow(async_fn_in_trait)]
pub trait Aws {
    /// The caller's ARN (`sts:GetCallerIdentity`).
    async fn caller_arn(&self) -> Result<String, AwsError>;
    async fn get_role(&self, name: &str) -> Result<Entity, AwsError>;
    async fn get_user(&self, name: &str) -> Result<Entity, AwsError>;
    async fn list_groups_for_user(&self, user: &str) -> Result<Vec<String>, AwsError>;
    /// Names of the owner's inline policies, every page.
    async fn list_inline_policies(&self, owner: &Owner) -> Result<Vec<String>, AwsError>;
    /// An inline policy's document, URL-decoded.
    async fn get_inline_policy(&self, owner: &Owner, name: &str) -> Result<String, AwsError>;
    /// ARNs of the owner's attached managed policies, every page.
    async fn list_attached_policies(&self, owner: &Owner) -> Result<Vec<String>, AwsError>;
    /// A managed policy's default version id and document, URL-decoded.
    async fn get_managed_policy(&self, arn: &str) -> Result<(String, String), AwsError>;
    /// SimulatePrincipalPolicy, every page, in both response shapes.
    async fn simulate(&self, req: &SimRequest) -> Result<Vec<SimResult>, AwsError>;
    /// Resolves a KMS alias (name or ARN) to its key ARN (`kms:DescribeKey`).
    async fn resolve_key(&self, key: &str) -> Result<String, AwsError>;
    /// The key policy of a KMS key (`kms:GetKeyPolicy`, policy name `default`).
    async fn get_key_policy(&self, key_arn: &str) -> Result<String, AwsError>;
    /// A bucket's policy, `None` when it has none (`s3:GetBucketPolicy`). With
    /// `expected_owner`, S3 refuses (AccessDenied) unless that account owns the bucket, so an
    /// answer also confirms the owner (where [`Aws::verifies_bucket_owner`]).
    async fn get_bucket_policy(
        &self,
        bucket: &str,
        expected_owner: Option<&str>,
    ) -> Result<Option<String>, AwsError>;
    /// A bucket's default encryption (`s3:GetEncryptionConfiguration`), with the same
    /// `expected_owner` check.
    async fn get_bucket_encryption(
        &self,
        bucket: &str,
        expected_owner: Option<&str>,
    ) -> Result<BucketEncryption, AwsError>;
    /// A DynamoDB table's resource-based policy, `None` when it has none
    /// (`dynamodb:GetResourcePolicy`); [`AwsError::NotFound`] when the table does not exist.
    async fn get_table_policy(&self, table_arn: &str) -> Result<Option<String>, AwsError>;
    /// A role's trust policy, URL-decoded (`iam:GetRole`).
    async fn get_role_trust_policy(&self, role_name: &str) -> Result<String, AwsError>;
    /// The whole account in one paged read (`iam:GetAccountAuthorizationDetails`, every page,
    /// roles, users, groups and managed policies with their versions), as the JSON of
    /// `aws iam get-account-authorization-details`: the same text an export file holds, so the
    /// one reader ([`crate::grants::auth_details`]) reads both. Sources that cannot read an
    /// account (offline files, test fakes) say so.
    async fn get_account_authorization_details(&self) -> Result<String, AwsError> {
        Err(AwsError::Offline {
            message: "this source cannot read a whole account (iam:GetAccountAuthorizationDetails)"
                .into(),
        })
    }
    /// One AWS Organizations call (DescribeOrganization, ListRoots, ListParents,
    /// ListPoliciesForTarget, DescribePolicy; every page), made with the credentials of the
    /// management account or of a delegated administrator ([`crate::grants::org`]). Sources
    /// that cannot reach Organizations (offline files, test fakes) say so.
    async fn organizations(
        &self,
        call: &crate::grants::org::OrgCall,
    ) -> Result<crate::grants::org::OrgAnswer, AwsError> {
        Err(AwsError::Offline {
            message: format!(
                "this source cannot call AWS Organizations (`{}`)",
                call.action()
            ),
        })
    }
    /// Whether IAM's policy simulator is available (false offline).
    fn can_simulate(&self) -> bool {
        true
    }
    /// Whether a bucket read with an expected owner that succeeds proves the owner (S3 checks
    /// it; offline inputs cannot). AWS-backed sources (and their replays) can simulate too.
    fn verifies_bucket_owner(&self) -> bool {
        self.can_simulate()
    }
}

/// An account of an AWS Organization as `organizations:ListAccounts` lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OrgAccount {
    pub id: String,
    pub name: String,
    /// `State` (ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED, PENDING_ACTIVATION), or the older
    /// `Status` when the answer has no `State`; only ACTIVE accounts are audited.
    pub state: String,
}

/// Entering other accounts: the organization's account list and an `sts:AssumeRole` into an
/// account's audit role, whose answer is an [`Aws`] source that makes every call of that
/// account with the assumed credentials. A trait of its own beside [`Aws`] (not methods of it):
/// what it returns is itself a source, which the wrappers of [`Aws`] (rate ceiling, recorder,
/// account read) have no way to build. Implemented by [`SdkAws`](crate::grants::sdk::SdkAws);
/// tests use fakes.
#[allow(async_fn_in_trait)]
pub trait Accounts {
    type Account: Aws;
    /// Every account of the organization, every page (`organizations:ListAccounts`).
    async fn list_accounts(&self) -> Result<Vec<OrgAccount>, AwsError>;
    /// `sts:AssumeRole` of `role_arn` (with `external_id` when given), as a source over the
    /// assumed credentials.
    async fn assume_role(
        &self,
        role_arn: &str,
        session_name: &str,
        external_id: Option<&str>,
    ) -> Result<Self::Account, AwsError>;
    /// The caller's own credentials as a source of the same kind (the caller's account is
    /// audited without assuming a role).
    fn as_caller(&self) -> Self::Account;
}
