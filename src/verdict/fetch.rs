//! What a check reads through the [`Aws`] trait about a resolved principal: every identity
//! policy that applies to it (inline, managed, its groups', the permissions boundary), with
//! managed policies shared by a fleet fetched once, and the resource policies its checks
//! depend on (tables, bucket, key, trust). What cannot be read is recorded, never guessed.

use std::collections::HashMap;

use crate::grants::model::{
    FetchedPolicy, FetchedResourcePolicy, PolicySource, Principal, PrincipalPolicies,
    ResourcePolicyKind, ResourcePolicyState,
};
use crate::grants::source::{Aws, AwsError, Owner};
use crate::iam::arn::{Arn, PrincipalKind, principal_from_arn};
use crate::needs::plan::Check;

/// Managed policies fetched during a run, shared by every principal of a fleet so a policy
/// attached to many roles is fetched once, even when they are checked concurrently.
/// One managed policy's (default version id, document), fetched at most once.
type PolicyCell = std::sync::Arc<tokio::sync::OnceCell<(String, String)>>;

#[derive(Default)]
pub struct ManagedCache {
    cells: std::sync::Mutex<HashMap<String, PolicyCell>>,
}

impl ManagedCache {
    async fn get<A: Aws>(&self, aws: &A, arn: &str) -> Result<(String, String), AwsError> {
        let cell = {
            let mut cells = self.cells.lock().unwrap_or_else(|e| e.into_inner());
            cells.entry(arn.to_string()).or_default().clone()
        };
        cell.get_or_try_init(|| aws.get_managed_policy(arn))
            .await
            .cloned()
    }
}

/// Fetches every policy that applies to the principal: inline and attached managed
/// policies (default versions), the permissions boundary, and for a user its groups'
/// inline and managed policies. Managed policies shared by several owners are fetched once.
pub async fn fetch_policies<A: Aws>(
    aws: &A,
    principal: &Principal,
) -> Result<PrincipalPolicies, AwsError> {
    fetch_policies_cached(aws, principal, &ManagedCache::default()).await
}

/// [`fetch_policies`] with a cache shared across principals.
pub async fn fetch_policies_cached<A: Aws>(
    aws: &A,
    principal: &Principal,
    cache: &ManagedCache,
) -> Result<PrincipalPolicies, AwsError> {
    let mut owners = vec![match principal.kind {
        PrincipalKind::Role => Owner::Role(principal.name.clone()),
        PrincipalKind::User => Owner::User(principal.name.clone()),
    }];
    let mut groups = Vec::new();
    if principal.kind == PrincipalKind::User {
        groups = aws.list_groups_for_user(&principal.name).await?;
        owners.extend(groups.iter().cloned().map(Owner::Group));
    }
    let mut policies = Vec::new();
    for owner in &owners {
        for name in aws.list_inline_policies(owner).await? {
            let text = aws.get_inline_policy(owner, &name).await?;
            policies.push(FetchedPolicy {
                id: name.clone(),
                name,
                source: PolicySource::Inline {
                    owner_kind: owner.kind().into(),
                    owner: owner.name().into(),
                },
                text,
            });
        }
        for arn in aws.list_attached_policies(owner).await? {
            let (version, text) = cache.get(aws, &arn).await?;
            let via_group = match owner {
                Owner::Group(g) => Some(g.clone()),
                _ => None,
            };
            policies.push(FetchedPolicy {
                id: arn.clone(),
                name: policy_name_from_arn(&arn),
                source: PolicySource::Managed {
                    aws_managed: is_aws_managed(&arn),
                    arn: arn.clone(),
                    version,
                    via_group,
                },
                text,
            });
        }
    }
    let boundary = match &principal.boundary_arn {
        Some(arn) => {
            let (version, text) = cache.get(aws, arn).await?;
            Some(FetchedPolicy {
                id: arn.clone(),
                name: policy_name_from_arn(arn),
                source: PolicySource::Boundary {
                    arn: arn.clone(),
                    version,
                },
                text,
            })
        }
        None => None,
    };
    Ok(PrincipalPolicies {
        principal: principal.clone(),
        policies,
        boundary,
        groups,
    })
}

fn policy_name_from_arn(arn: &str) -> String {
    arn.rsplit('/').next().unwrap_or(arn).to_string()
}

fn is_aws_managed(arn: &str) -> bool {
    Arn::parse(arn).is_some_and(|a| a.account == "aws")
}

/// Whether DynamoDB tables' resource policies are read (decided by the plan).
pub use crate::needs::plan::TablePolicies;

/// What a refused bucket read may also mean: S3's expected-owner check refuses (403) a bucket
/// owned by another account than the one expected.
pub fn owner_hint(expected_owner: &str) -> String {
    format!(
        "it was read with ExpectedBucketOwner {expected_owner}, which S3 refuses if another account owns the bucket: if one does, say which with --bucket-owner ACCOUNT"
    )
}

/// Errors that stop the run even while fetching optional inputs: without a connection or
/// credentials nothing else would work either.
pub fn is_fatal(e: &AwsError) -> bool {
    matches!(
        e,
        AwsError::Network { .. }
            | AwsError::NoCredentials { .. }
            | AwsError::BadCredentials { .. }
            | AwsError::Throttled { .. }
    )
}

/// Fetches the resource policies the checks depend on: the tables' resource policies, the
/// bucket policy, and for the local engine also the KMS key policy and the trust policy of a
/// role to be assumed (IAM's simulator answers those rows as inconclusive on its own): `local`
/// says the local engine takes part. One that cannot be read is recorded as unreadable (its
/// rows become inconclusive), not guessed. The bucket policy is read with S3's expected-owner
/// check for `bucket_owner`: an answer confirms that account owns the bucket (recorded as the
/// policy's `owner` where the source can check it).
pub async fn fetch_resource_policies<A: Aws>(
    aws: &A,
    principal: &Principal,
    checks: &[Check],
    bucket: Option<&str>,
    local: bool,
    tables: TablePolicies,
    bucket_owner: &str,
) -> Result<Vec<FetchedResourcePolicy>, AwsError> {
    let mut out: Vec<FetchedResourcePolicy> = Vec::new();
    let mut wanted: Vec<(ResourcePolicyKind, String)> = Vec::new();
    for c in checks {
        let item = match c.resource_kind.as_str() {
            "kms-key" if local => (ResourcePolicyKind::KmsKey, c.resource.clone()),
            "s3-object" => match bucket {
                Some(b) => (ResourcePolicyKind::S3Bucket, b.to_string()),
                None => continue,
            },
            "role" if local => (ResourcePolicyKind::RoleTrust, c.resource.clone()),
            kind if crate::needs::plan::governed_by_table_policy(kind)
                && tables == TablePolicies::Read =>
            {
                match crate::iam::arn::table_arn_of(&c.resource) {
                    Some(t) => (ResourcePolicyKind::DynamoDbTable, t.to_string()),
                    None => continue,
                }
            }
            _ => continue,
        };
        if !wanted.contains(&item) {
            wanted.push(item);
        }
    }
    let unreadable = |e: AwsError| -> Result<ResourcePolicyState, AwsError> {
        if is_fatal(&e) {
            Err(e)
        } else {
            Ok(ResourcePolicyState::Unreadable {
                reason: e.to_string(),
            })
        }
    };
    for (kind, resource) in wanted {
        let mut owner = None;
        let state = match kind {
            ResourcePolicyKind::KmsKey => match aws.get_key_policy(&resource).await {
                Ok(text) => ResourcePolicyState::Document { text },
                Err(e) => unreadable(e)?,
            },
            ResourcePolicyKind::S3Bucket => {
                let read = aws.get_bucket_policy(&resource, Some(bucket_owner)).await;
                if read.is_ok() && aws.verifies_bucket_owner() {
                    owner = Some(bucket_owner.to_string());
                }
                match read {
                    Ok(Some(text)) => ResourcePolicyState::Document { text },
                    Ok(None) => ResourcePolicyState::Absent,
                    Err(e @ AwsError::AccessDenied { .. }) if aws.verifies_bucket_owner() => {
                        ResourcePolicyState::Unreadable {
                            reason: format!("{e}; {}", owner_hint(bucket_owner)),
                        }
                    }
                    Err(e) => unreadable(e)?,
                }
            }
            // A table that is not found is unreadable too: a wrong name or region should not
            // pass quietly (before a table is created, --no-table-policy says it has none).
            ResourcePolicyKind::DynamoDbTable => match aws.get_table_policy(&resource).await {
                Ok(Some(text)) => ResourcePolicyState::Document { text },
                Ok(None) => ResourcePolicyState::Absent,
                Err(e) => unreadable(e)?,
            },
            ResourcePolicyKind::RoleTrust => match principal_from_arn(&resource) {
                Ok(target) if target.account.as_deref() == Some(principal.account.as_str()) => {
                    match aws.get_role_trust_policy(&target.name).await {
                        Ok(text) => ResourcePolicyState::Document { text },
                        Err(e) => unreadable(e)?,
                    }
                }
                _ => ResourcePolicyState::Unreadable {
                    reason: "the role is in another account, whose trust policy these credentials cannot read".into(),
                },
            },
        };
        out.push(FetchedResourcePolicy {
            kind,
            resource,
            state,
            owner,
        });
    }
    Ok(out)
}
