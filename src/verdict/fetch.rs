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

/// One managed policy's (default version id, document), fetched at most once.
type PolicyCell = std::sync::Arc<tokio::sync::OnceCell<(String, String)>>;

/// How many AWS requests one run keeps in flight at once when its principals run one at a
/// time (a run of `--jobs N` principals keeps `max(N, IN_FLIGHT)`: see
/// [`ManagedCache::with_in_flight`]).
///
/// Why 8: IAM publishes no per-API request quota, and it throttles bursts (a tool issuing a few
/// hundred reads back to back meets `Throttling`); the SDK's adaptive retry then slows every
/// request of the client down. A full audit's widest round (the inline policies, the managed
/// policies' GetPolicy then GetPolicyVersion, the boundary, one SimulatePrincipalPolicy per
/// context: about 20 requests on the benchmark's role) goes out in two or three waves of 8, so
/// the audit costs its chain's depth plus a wave or two (5 to 6 round trips measured, against
/// 29 calls one after another), while no burst is larger than 8; and a fleet keeps the `--jobs`
/// it asked for when that is larger, never `--jobs` times 8. Every request still passes
/// `--max-rps` (the ceiling wraps the source, so it counts requests however many are in flight).
pub const IN_FLIGHT: usize = 8;

/// What the principals of one run share: the managed policies fetched so far, so a policy
/// attached to many roles is fetched once even when they are checked concurrently, and the
/// bound on AWS requests in flight at once across all of them.
pub struct ManagedCache {
    cells: std::sync::Mutex<HashMap<String, PolicyCell>>,
    in_flight: tokio::sync::Semaphore,
    /// Each account's organization policies, read at most once per run (`--org-policies`),
    /// whatever the number of its principals; the policies themselves once across accounts.
    orgs: std::sync::Mutex<HashMap<String, OrgCell>>,
    org_policies: crate::grants::org::PolicyCache,
}

impl Default for ManagedCache {
    fn default() -> Self {
        ManagedCache::with_in_flight(IN_FLIGHT)
    }
}

type OrgCell = std::sync::Arc<
    tokio::sync::OnceCell<Result<crate::grants::org::OrgPolicies, crate::grants::org::OrgError>>,
>;

impl ManagedCache {
    /// A cache whose run keeps at most `n` AWS requests in flight (at least 1).
    pub fn with_in_flight(n: usize) -> Self {
        ManagedCache {
            cells: std::sync::Mutex::default(),
            in_flight: tokio::sync::Semaphore::new(n.max(1)),
            orgs: std::sync::Mutex::default(),
            org_policies: crate::grants::org::PolicyCache::default(),
        }
    }

    /// Runs one AWS request (or one sequential chain of them) under the run's in-flight
    /// bound. Only leaf requests take a permit, never a step that waits for others, so permits
    /// cannot deadlock.
    pub async fn limit<T>(&self, request: impl std::future::Future<Output = T>) -> T {
        // The semaphore is never closed, so acquiring cannot fail; if it ever did, the request
        // would go out unbounded rather than not at all.
        let _permit = self.in_flight.acquire().await.ok();
        request.await
    }

    async fn get<A: Aws>(&self, aws: &A, arn: &str) -> Result<(String, String), AwsError> {
        let cell = {
            let mut cells = self.cells.lock().unwrap_or_else(|e| e.into_inner());
            cells.entry(arn.to_string()).or_default().clone()
        };
        cell.get_or_try_init(|| self.limit(aws.get_managed_policy(arn)))
            .await
            .cloned()
    }

    /// The organization policies that apply to `account` (read once per run).
    pub async fn org_policies<A: Aws>(
        &self,
        aws: &A,
        account: &str,
    ) -> Result<crate::grants::org::OrgPolicies, crate::grants::org::OrgError> {
        let cell = {
            let mut cells = self.orgs.lock().unwrap_or_else(|e| e.into_inner());
            cells.entry(account.to_string()).or_default().clone()
        };
        cell.get_or_init(|| {
            self.limit(crate::grants::org::read_org_policies_cached(
                aws,
                account,
                &self.org_policies,
            ))
        })
        .await
        .clone()
    }
}

/// The first error in the order the results are given (the order a sequential read would have
/// met them), whatever order the requests completed in; else every value, in order.
pub fn first_error_in_order<T>(results: Vec<Result<T, AwsError>>) -> Result<Vec<T>, AwsError> {
    results.into_iter().collect()
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
///
/// The reads are issued as soon as what they depend on is known, not one after another: the
/// boundary, the principal's two lists (and a user's groups) at once; each document as soon as
/// the list naming it has come back. So a role costs two round trips, a user three, whatever
/// its number of policies. The result does not depend on the order answers arrive in: the
/// policies are put in the order a sequential read gives (per owner, the principal then its
/// groups in the order IAM lists them: inline policies in list order, then attached ones), and
/// an error is the first one in that order; the other reads are still awaited, never left
/// running.
pub async fn fetch_policies_cached<A: Aws>(
    aws: &A,
    principal: &Principal,
    cache: &ManagedCache,
) -> Result<PrincipalPolicies, AwsError> {
    let own = match principal.kind {
        PrincipalKind::Role => Owner::Role(principal.name.clone()),
        PrincipalKind::User => Owner::User(principal.name.clone()),
    };
    let groups_and_theirs = async {
        if principal.kind != PrincipalKind::User {
            return Ok((Vec::new(), Vec::new()));
        }
        let groups = cache
            .limit(aws.list_groups_for_user(&principal.name))
            .await?;
        let per_group = futures::future::join_all(
            groups
                .iter()
                .map(|g| owner_policies(aws, Owner::Group(g.clone()), cache)),
        )
        .await;
        Ok::<_, AwsError>((groups, per_group))
    };
    let boundary = async {
        match &principal.boundary_arn {
            Some(arn) => {
                let (version, text) = cache.get(aws, arn).await?;
                Ok(Some(FetchedPolicy {
                    id: arn.clone(),
                    name: policy_name_from_arn(arn),
                    source: PolicySource::Boundary {
                        arn: arn.clone(),
                        version,
                    },
                    text,
                }))
            }
            None => Ok::<_, AwsError>(None),
        }
    };
    let (own_policies, groups_and_theirs, boundary) =
        futures::join!(owner_policies(aws, own, cache), groups_and_theirs, boundary);
    // The sequential order of reads: the principal's lists (and, for a user, its groups
    // first), then each group's, then the boundary.
    let (groups, per_group) = match (principal.kind, groups_and_theirs) {
        (PrincipalKind::User, Err(e)) => return Err(e),
        (_, r) => r?,
    };
    let mut policies = own_policies?;
    for g in per_group {
        policies.extend(g?);
    }
    let boundary = boundary?;
    Ok(PrincipalPolicies {
        principal: principal.clone(),
        policies,
        boundary,
        groups,
    })
}

/// One owner's inline policies (in list order), then its attached managed policies (in list
/// order): the two lists at once, and each document as soon as its list is known.
async fn owner_policies<A: Aws>(
    aws: &A,
    owner: Owner,
    cache: &ManagedCache,
) -> Result<Vec<FetchedPolicy>, AwsError> {
    let inline = async {
        let names = cache.limit(aws.list_inline_policies(&owner)).await?;
        let texts = futures::future::join_all(
            names
                .iter()
                .map(|name| cache.limit(aws.get_inline_policy(&owner, name))),
        )
        .await;
        Ok::<_, AwsError>((names, texts))
    };
    let attached = async {
        let arns = cache.limit(aws.list_attached_policies(&owner)).await?;
        let docs = futures::future::join_all(arns.iter().map(|arn| cache.get(aws, arn))).await;
        Ok::<_, AwsError>((arns, docs))
    };
    let (inline, attached) = futures::join!(inline, attached);
    // A sequential read lists the inline policies, reads each, then lists the attached ones:
    // the first error in that order is the one reported.
    let (names, texts) = inline?;
    let texts = first_error_in_order(texts)?;
    let (arns, docs) = attached?;
    let docs = first_error_in_order(docs)?;
    let mut policies = Vec::with_capacity(names.len() + arns.len());
    for (name, text) in names.into_iter().zip(texts) {
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
    let via_group = match &owner {
        Owner::Group(g) => Some(g.clone()),
        _ => None,
    };
    for (arn, (version, text)) in arns.into_iter().zip(docs) {
        policies.push(FetchedPolicy {
            id: arn.clone(),
            name: policy_name_from_arn(&arn),
            source: PolicySource::Managed {
                aws_managed: is_aws_managed(&arn),
                arn: arn.clone(),
                version,
                via_group: via_group.clone(),
            },
            text,
        });
    }
    Ok(policies)
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

/// The resource policies the checks depend on, each once, in the order of the first check
/// that needs it: the tables' resource policies, the bucket policy, and for the local engine
/// also the KMS key policy and the trust policy of a role to be assumed (IAM's simulator
/// answers those rows as inconclusive on its own): `local` says the local engine takes part.
pub fn wanted_resource_policies(
    checks: &[Check],
    bucket: Option<&str>,
    local: bool,
    tables: TablePolicies,
) -> Vec<(ResourcePolicyKind, String)> {
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
    wanted
}

/// Fetches the resource policies the checks depend on ([`wanted_resource_policies`]). One
/// that cannot be read is recorded as unreadable (its rows become inconclusive), not guessed.
/// The bucket policy is read with S3's expected-owner check for `bucket_owner`: an answer
/// confirms that account owns the bucket (recorded as the policy's `owner` where the source can
/// check it).
pub async fn fetch_resource_policies<A: Aws>(
    aws: &A,
    principal: &Principal,
    checks: &[Check],
    bucket: Option<&str>,
    local: bool,
    tables: TablePolicies,
    bucket_owner: &str,
) -> Result<Vec<FetchedResourcePolicy>, AwsError> {
    let wanted = wanted_resource_policies(checks, bucket, local, tables);
    fetch_wanted(
        aws,
        principal,
        wanted,
        bucket_owner,
        &ManagedCache::default(),
    )
    .await
}

/// Reads the given resource policies, all at once (under the run's in-flight bound), and
/// returns them in the order given. Each that cannot be read is unreadable, as one read alone
/// would be; a fatal error (see [`is_fatal`]) stops the run, and the one reported is the first
/// in the order given, whatever order the answers came in (the one a sequential read would have
/// met first). Every read is awaited, none left running.
pub async fn fetch_wanted<A: Aws>(
    aws: &A,
    principal: &Principal,
    wanted: Vec<(ResourcePolicyKind, String)>,
    bucket_owner: &str,
    cache: &ManagedCache,
) -> Result<Vec<FetchedResourcePolicy>, AwsError> {
    let reads = futures::future::join_all(
        wanted
            .into_iter()
            .map(|(kind, resource)| read_one(aws, principal, kind, resource, bucket_owner, cache)),
    )
    .await;
    first_error_in_order(reads)
}

/// One resource policy, as [`fetch_wanted`] reads it.
async fn read_one<A: Aws>(
    aws: &A,
    principal: &Principal,
    kind: ResourcePolicyKind,
    resource: String,
    bucket_owner: &str,
    cache: &ManagedCache,
) -> Result<FetchedResourcePolicy, AwsError> {
    let unreadable = |e: AwsError| -> Result<ResourcePolicyState, AwsError> {
        if is_fatal(&e) {
            Err(e)
        } else {
            Ok(ResourcePolicyState::Unreadable {
                reason: e.to_string(),
            })
        }
    };
    let mut owner = None;
    let state = match kind {
        ResourcePolicyKind::KmsKey => match cache.limit(aws.get_key_policy(&resource)).await {
            Ok(text) => ResourcePolicyState::Document { text },
            Err(e) => unreadable(e)?,
        },
        ResourcePolicyKind::S3Bucket => {
            let read = cache
                .limit(aws.get_bucket_policy(&resource, Some(bucket_owner)))
                .await;
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
        ResourcePolicyKind::DynamoDbTable => {
            match cache.limit(aws.get_table_policy(&resource)).await {
                Ok(Some(text)) => ResourcePolicyState::Document { text },
                Ok(None) => ResourcePolicyState::Absent,
                Err(e) => unreadable(e)?,
            }
        }
        ResourcePolicyKind::RoleTrust => match principal_from_arn(&resource) {
            Ok(target) if target.account.as_deref() == Some(principal.account.as_str()) => {
                match cache.limit(aws.get_role_trust_policy(&target.name)).await {
                    Ok(text) => ResourcePolicyState::Document { text },
                    Err(e) => unreadable(e)?,
                }
            }
            _ => ResourcePolicyState::Unreadable {
                reason: "the role is in another account, whose trust policy these credentials cannot read".into(),
            },
        },
    };
    Ok(FetchedResourcePolicy {
        kind,
        resource,
        state,
        owner,
    })
}
