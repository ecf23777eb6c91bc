//! One read per account: [`AccountRead`] answers every principal question (roles, users, groups,
//! their inline, attached and boundary policies, managed policy versions, trust policies) from
//! one `iam:GetAccountAuthorizationDetails` read, parsed by the same reader as an export file
//! ([`crate::grants::auth_details`]), and passes resource questions (key, bucket and table
//! policies, the simulator) to the source it wraps, each resource read once however many
//! principals use it. Must not decide verdicts or print anything.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

use crate::grants::auth_details::Wanted;
use crate::grants::model::{BucketEncryption, SimRequest, SimResult};
use crate::grants::offline::OfflineAccount;
use crate::grants::source::{Aws, AwsError, Entity, Owner};

/// The IAM action of the one read, named in messages and in every row's evidence.
pub const ACTION: &str = "iam:GetAccountAuthorizationDetails";

/// What the report says of where the principal's policies came from.
pub const SOURCE: &str =
    "the account's authorization details (one iam:GetAccountAuthorizationDetails read)";

/// One answer per key, shared by every principal that asks, computed once even when several
/// ask at the same time.
struct Once<K, V> {
    cells: Mutex<HashMap<K, Cell<V>>>,
}

/// One key's answer, filled by the first reader.
type Cell<V> = Arc<OnceCell<Result<V, AwsError>>>;

impl<K: Eq + Hash, V: Clone> Once<K, V> {
    fn new() -> Self {
        Once {
            cells: Mutex::new(HashMap::new()),
        }
    }
    async fn get<F: Future<Output = Result<V, AwsError>>>(
        &self,
        key: K,
        read: impl FnOnce() -> F,
    ) -> Result<V, AwsError> {
        let cell = self
            .cells
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key)
            .or_default()
            .clone();
        cell.get_or_init(read).await.clone()
    }
}

/// An account read once, over the source that read it.
pub struct AccountRead<'a, A> {
    inner: &'a A,
    account: OfflineAccount,
    caller: Once<(), String>,
    keys: Once<String, String>,
    key_policies: Once<String, String>,
    bucket_policies: Once<(String, Option<String>), Option<String>>,
    bucket_encryption: Once<(String, Option<String>), BucketEncryption>,
    table_policies: Once<String, Option<String>>,
}

/// Reads the account through `inner` and keeps what `wanted` needs. An answer the reader
/// refuses (a contradiction, a missing default version) is an error naming the call and every
/// problem: nothing of a half-understood account is evaluated.
pub async fn read<A: Aws>(inner: &A, wanted: &Wanted) -> Result<OfflineAccount, AwsError> {
    let text = inner.get_account_authorization_details().await?;
    OfflineAccount::from_authorization_details_reader(&mut || Ok(text.as_bytes()), wanted)
        .map(|a| a.with_source(SOURCE))
        .map_err(|errors| AwsError::BadResponse {
            action: ACTION,
            message: errors.join("; "),
        })
}

impl<'a, A: Aws> AccountRead<'a, A> {
    pub fn new(inner: &'a A, account: OfflineAccount) -> Self {
        AccountRead {
            inner,
            account,
            caller: Once::new(),
            keys: Once::new(),
            key_policies: Once::new(),
            bucket_policies: Once::new(),
            bucket_encryption: Once::new(),
            table_policies: Once::new(),
        }
    }

    pub fn account(&self) -> &OfflineAccount {
        &self.account
    }
}

impl<A> AccountRead<'_, A> {
    /// A principal the read does not hold was deleted before the read, or never existed: said
    /// as IAM's own NoSuchEntity would, naming the read. Any other gap (a managed policy, a
    /// group or a trust policy the read lacks) is an error of the read's answer naming what is
    /// missing, never a guess.
    fn about<T>(&self, owner: &Owner, r: Result<T, AwsError>) -> Result<T, AwsError> {
        if !self.account.holds(owner) {
            return Err(AwsError::NotFound {
                action: ACTION,
                what: format!("{} `{}`", owner.kind(), owner.name()),
                code: "NoSuchEntity".into(),
                message: "not in the account when it was read".into(),
            });
        }
        r.map_err(gap)
    }
}

fn gap(e: AwsError) -> AwsError {
    match e {
        AwsError::Offline { message } => AwsError::BadResponse {
            action: ACTION,
            message,
        },
        other => other,
    }
}

impl<A: Aws> Aws for AccountRead<'_, A> {
    async fn caller_arn(&self) -> Result<String, AwsError> {
        self.caller.get((), || self.inner.caller_arn()).await
    }
    async fn get_role(&self, name: &str) -> Result<Entity, AwsError> {
        let owner = Owner::Role(name.to_string());
        self.about(&owner, self.account.get_role(name).await)
    }
    async fn get_user(&self, name: &str) -> Result<Entity, AwsError> {
        let owner = Owner::User(name.to_string());
        self.about(&owner, self.account.get_user(name).await)
    }
    async fn list_groups_for_user(&self, user: &str) -> Result<Vec<String>, AwsError> {
        let owner = Owner::User(user.to_string());
        self.about(&owner, self.account.list_groups_for_user(user).await)
    }
    async fn list_inline_policies(&self, owner: &Owner) -> Result<Vec<String>, AwsError> {
        self.about(owner, self.account.list_inline_policies(owner).await)
    }
    async fn get_inline_policy(&self, owner: &Owner, name: &str) -> Result<String, AwsError> {
        self.about(owner, self.account.get_inline_policy(owner, name).await)
    }
    async fn list_attached_policies(&self, owner: &Owner) -> Result<Vec<String>, AwsError> {
        self.about(owner, self.account.list_attached_policies(owner).await)
    }
    async fn get_managed_policy(&self, arn: &str) -> Result<(String, String), AwsError> {
        self.account.get_managed_policy(arn).await.map_err(gap)
    }
    /// Simulations are per principal by nature: IAM's simulator reads the principal itself.
    async fn simulate(&self, req: &SimRequest) -> Result<Vec<SimResult>, AwsError> {
        self.inner.simulate(req).await
    }
    async fn resolve_key(&self, key: &str) -> Result<String, AwsError> {
        self.keys
            .get(key.to_string(), || self.inner.resolve_key(key))
            .await
    }
    async fn get_key_policy(&self, key_arn: &str) -> Result<String, AwsError> {
        self.key_policies
            .get(key_arn.to_string(), || self.inner.get_key_policy(key_arn))
            .await
    }
    async fn get_bucket_policy(
        &self,
        bucket: &str,
        expected_owner: Option<&str>,
    ) -> Result<Option<String>, AwsError> {
        self.bucket_policies
            .get(
                (bucket.to_string(), expected_owner.map(str::to_string)),
                || self.inner.get_bucket_policy(bucket, expected_owner),
            )
            .await
    }
    async fn get_bucket_encryption(
        &self,
        bucket: &str,
        expected_owner: Option<&str>,
    ) -> Result<BucketEncryption, AwsError> {
        self.bucket_encryption
            .get(
                (bucket.to_string(), expected_owner.map(str::to_string)),
                || self.inner.get_bucket_encryption(bucket, expected_owner),
            )
            .await
    }
    async fn get_table_policy(&self, table_arn: &str) -> Result<Option<String>, AwsError> {
        self.table_policies
            .get(table_arn.to_string(), || {
                self.inner.get_table_policy(table_arn)
            })
            .await
    }
    /// From the read: it holds every role's `AssumeRolePolicyDocument`.
    async fn get_role_trust_policy(&self, role_name: &str) -> Result<String, AwsError> {
        let owner = Owner::Role(role_name.to_string());
        self.about(&owner, self.account.get_role_trust_policy(role_name).await)
    }
    async fn get_account_authorization_details(&self) -> Result<String, AwsError> {
        self.inner.get_account_authorization_details().await
    }
    async fn organizations(
        &self,
        call: &crate::grants::org::OrgCall,
    ) -> Result<crate::grants::org::OrgAnswer, AwsError> {
        self.inner.organizations(call).await
    }
    fn can_simulate(&self) -> bool {
        self.inner.can_simulate()
    }
    fn verifies_bucket_owner(&self) -> bool {
        self.inner.verifies_bucket_owner()
    }
}
