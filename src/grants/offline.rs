//! Offline input: an in-memory account built from policy files or from the JSON of
//! `aws iam get-account-authorization-details`, served through the same [`Aws`] trait as the
//! SDK adapter so a check runs the same pipeline without AWS. Owns parsing those inputs;
//! must not read files itself (the command passes their text) or evaluate anything.

use std::collections::{BTreeMap, HashMap};

use crate::grants::auth_details::{AuthDetails, EntityDetail, ListKind, Wanted};
use crate::grants::model::{BucketEncryption, SimRequest, SimResult};
use crate::grants::source::{Aws, AwsError, Entity, Owner};
use crate::iam::arn::{PrincipalKind, PrincipalRef};

#[derive(Debug, Clone, Default, PartialEq)]
struct OfflineEntity {
    arn: String,
    /// The name as the input spells it.
    name: String,
    inline: Vec<(String, String)>,
    attached: Vec<String>,
    boundary: Option<String>,
    groups: Vec<String>,
    trust: Option<String>,
    /// `None`: the input does not say (policy files, or an export entry without `Tags`).
    tags: Option<BTreeMap<String, String>>,
    /// Where the entry is in the export (`RoleDetailList[17]`), for messages.
    position: Option<String>,
}

impl OfflineEntity {
    fn from_detail(d: EntityDetail) -> OfflineEntity {
        OfflineEntity {
            arn: d.arn,
            name: d.name,
            inline: d.inline,
            attached: d.attached,
            boundary: d.boundary,
            groups: d.groups,
            trust: d.trust,
            tags: d.tags,
            position: Some(d.position),
        }
    }
}

/// What the offline source knows about a bucket's policy.
#[derive(Debug, Clone, PartialEq)]
pub enum BucketPolicyInput {
    /// Not given: the bucket's policy is unknown, so S3 rows are inconclusive.
    Unknown,
    /// The bucket has no policy (`--no-bucket-policy`).
    None,
    Document(String),
}

/// An account's identities and policies, as far as the offline input describes them.
///
/// Resource policies are keyed by the resource they belong to, so in a fleet each applies to
/// its own resource and never to every service's: key policies by key ARN, bucket policies by
/// bucket name, table policies by table ARN or by table name (a name means the table of that
/// name in the input's own account, as `--table NAME` does). An unkeyed key or bucket policy
/// applies to the one key or bucket of a single check.
#[derive(Debug, Clone, PartialEq)]
pub struct OfflineAccount {
    /// Roles, users and groups by lower-cased name (IAM names are unique regardless of case).
    roles: HashMap<String, OfflineEntity>,
    users: HashMap<String, OfflineEntity>,
    groups: HashMap<String, OfflineEntity>,
    managed: HashMap<String, (String, String)>,
    /// `--key-policy-file FILE`: the key policy of whatever key the check uses.
    key_policy: Option<String>,
    /// `--key-policy-file KEY_ARN=FILE`, by key ARN.
    key_policies: HashMap<String, String>,
    /// `--bucket-policy-file FILE` or `--no-bucket-policy`: any bucket without its own file.
    bucket_policy: BucketPolicyInput,
    /// `--bucket-policy-file BUCKET=FILE`, by bucket name.
    bucket_policies: HashMap<String, String>,
    /// Table resource policies by table ARN or name (`--table-policy-file TABLE=FILE`). A table
    /// not here has an unknown policy, so its rows are inconclusive (unless `--no-table-policy`,
    /// which skips reading table policies altogether).
    table_policies: HashMap<String, String>,
    /// Where the input came from, for messages.
    source: String,
    /// The export, when the input is one: what it holds beyond what was kept.
    export: Option<AuthDetails>,
}

fn offline(message: String) -> AwsError {
    AwsError::Offline { message }
}

impl OfflineAccount {
    /// An account holding one principal with the given identity policies (name, text) and
    /// optional boundary, as `--policy-file`/`--boundary-file` describe it.
    pub fn from_policy_files(
        principal_arn: &str,
        principal: &PrincipalRef,
        policies: Vec<(String, String)>,
        boundary: Option<(String, String)>,
    ) -> OfflineAccount {
        let mut managed = HashMap::new();
        let boundary_arn = boundary.map(|(name, text)| {
            let account = principal.account.clone().unwrap_or_default();
            let arn = format!("arn:aws:iam::{account}:policy/{name}");
            managed.insert(arn.clone(), ("file".to_string(), text));
            arn
        });
        let entity = OfflineEntity {
            arn: principal_arn.to_string(),
            name: principal.name.clone(),
            inline: policies,
            boundary: boundary_arn,
            ..Default::default()
        };
        let mut account = OfflineAccount {
            roles: HashMap::new(),
            users: HashMap::new(),
            groups: HashMap::new(),
            managed,
            key_policy: None,
            key_policies: HashMap::new(),
            bucket_policy: BucketPolicyInput::Unknown,
            bucket_policies: HashMap::new(),
            table_policies: HashMap::new(),
            source: "the policy files".into(),
            export: None,
        };
        let key = principal.name.to_lowercase();
        match principal.kind {
            PrincipalKind::Role => account.roles.insert(key, entity),
            PrincipalKind::User => account.users.insert(key, entity),
        };
        account
    }

    /// Reads the JSON of `aws iam get-account-authorization-details` (all pages merged, or
    /// one page), keeping every entry. Every problem is reported at once.
    pub fn from_authorization_details(text: &str) -> Result<OfflineAccount, Vec<String>> {
        Self::from_authorization_details_reader(&mut || Ok(text.as_bytes()), &Wanted::everything())
    }

    /// Reads the export as a stream from `open` (called once per pass, see
    /// [`auth_details`](crate::grants::auth_details)), keeping only what `wanted` needs.
    pub fn from_authorization_details_reader<R: std::io::Read>(
        open: &mut dyn FnMut() -> std::io::Result<R>,
        wanted: &Wanted,
    ) -> Result<OfflineAccount, Vec<String>> {
        crate::grants::auth_details::read(open, wanted).map(Self::from_details)
    }

    /// Reads only what `wanted` needs, at the places an earlier read with
    /// [`Wanted::index`](crate::grants::auth_details::Wanted) found it
    /// ([`read_at`](crate::grants::auth_details::read_at)).
    pub fn from_authorization_details_at<R: std::io::Read + std::io::Seek>(
        open: &mut dyn FnMut() -> std::io::Result<R>,
        index: &crate::grants::auth_details::Index,
        wanted: &Wanted,
    ) -> Result<OfflineAccount, Vec<String>> {
        crate::grants::auth_details::read_at(open, index, wanted).map(Self::from_details)
    }

    /// Where the export read with [`Wanted::index`](crate::grants::auth_details::Wanted) holds
    /// each entry.
    pub fn export_index(&self) -> Option<std::sync::Arc<crate::grants::auth_details::Index>> {
        self.export.as_ref().and_then(|e| e.index.clone())
    }

    fn from_details(mut details: AuthDetails) -> OfflineAccount {
        let take = |m: &mut HashMap<String, EntityDetail>| -> HashMap<String, OfflineEntity> {
            m.drain()
                .map(|(k, d)| (k, OfflineEntity::from_detail(d)))
                .collect()
        };
        OfflineAccount {
            roles: take(&mut details.roles),
            users: take(&mut details.users),
            groups: take(&mut details.groups),
            managed: details
                .managed
                .drain()
                .map(|(arn, m)| (arn, (m.version, m.document)))
                .collect(),
            key_policy: None,
            key_policies: HashMap::new(),
            bucket_policy: BucketPolicyInput::Unknown,
            bucket_policies: HashMap::new(),
            table_policies: HashMap::new(),
            source: "the authorization details".into(),
            export: Some(details),
        }
    }

    /// Names where the input came from, for messages (e.g. an account read online).
    pub fn with_source(mut self, source: &str) -> Self {
        self.source = source.to_string();
        self
    }

    /// Whether the input holds this role, user or group.
    pub fn holds(&self, owner: &Owner) -> bool {
        self.entity(owner).is_ok()
    }

    /// Every role the input holds: (name, ARN, tags; `None` when the input does not say).
    pub fn roles(&self) -> impl Iterator<Item = (&str, &str, Option<&BTreeMap<String, String>>)> {
        self.roles
            .values()
            .map(|e| (e.name.as_str(), e.arn.as_str(), e.tags.as_ref()))
    }

    /// Every role of an export read with [`Wanted::role_list`](crate::grants::auth_details::Wanted):
    /// (name, ARN, tags), its policies not read.
    pub fn role_list(
        &self,
    ) -> impl Iterator<Item = (&str, &str, Option<&BTreeMap<String, String>>)> {
        self.export
            .iter()
            .flat_map(|e| &e.role_list)
            .map(|r| (r.name.as_str(), r.arn.as_str(), r.tags.as_ref()))
    }

    /// Sets the key policy of the one key a single check uses (`--key-policy-file FILE`).
    pub fn with_key_policy(mut self, text: Option<String>) -> Self {
        self.key_policy = text;
        self
    }

    /// Sets key policies by key ARN (`--key-policy-file KEY_ARN=FILE`).
    pub fn with_key_policies(mut self, policies: HashMap<String, String>) -> Self {
        self.key_policies = policies;
        self
    }

    /// What a bucket without a policy of its own has (`--bucket-policy-file FILE`,
    /// `--no-bucket-policy`, or unknown).
    pub fn with_bucket_policy(mut self, b: BucketPolicyInput) -> Self {
        self.bucket_policy = b;
        self
    }

    /// Sets bucket policies by bucket name (`--bucket-policy-file BUCKET=FILE`).
    pub fn with_bucket_policies(mut self, policies: HashMap<String, String>) -> Self {
        self.bucket_policies = policies;
        self
    }

    /// Sets table resource policies by table ARN or name (`--table-policy-file TABLE=FILE`).
    pub fn with_table_policies(mut self, policies: HashMap<String, String>) -> Self {
        self.table_policies = policies;
        self
    }

    /// The account the input describes (of its principals), which a table named without an
    /// ARN belongs to.
    fn home_account(&self) -> Option<&str> {
        self.roles
            .values()
            .chain(self.users.values())
            .filter_map(|e| crate::iam::arn::Arn::parse(&e.arn))
            .map(|a| a.account)
            .next()
    }

    fn entity(&self, owner: &Owner) -> Result<&OfflineEntity, AwsError> {
        let (map, kind, list) = match owner {
            Owner::Role(_) => (&self.roles, "role", ListKind::Roles),
            Owner::User(_) => (&self.users, "user", ListKind::Users),
            Owner::Group(_) => (&self.groups, "group", ListKind::Groups),
        };
        map.get(&owner.name().to_lowercase()).ok_or_else(|| {
            if self
                .export
                .as_ref()
                .is_some_and(|e| e.contains(list, owner.name()))
            {
                // The reader keeps what the run's principals need; anything else is a bug here.
                offline(format!(
                    "{kind} `{}` is in {} but was not loaded (a bug in pydynox-iam: please report it)",
                    owner.name(),
                    self.source
                ))
            } else {
                offline(format!(
                    "{kind} `{}` is not in {}",
                    owner.name(),
                    self.source
                ))
            }
        })
    }

    /// Everything an audited role or user refers to must be in the input: its managed policies
    /// and boundary, a user's groups and theirs. A missing one is named, never skipped (an
    /// export made with `--filter` can lack them).
    fn check_references(&self, owner: &Owner) -> Result<(), AwsError> {
        let e = self.entity(owner)?;
        let at = |owner: &Owner, e: &OfflineEntity| {
            format!(
                "{} `{}`{}",
                owner.kind(),
                e.name,
                e.position
                    .as_ref()
                    .map(|p| format!(" ({p})"))
                    .unwrap_or_default()
            )
        };
        let mut problems = Vec::new();
        let policies = |owner: &Owner, e: &OfflineEntity, problems: &mut Vec<String>| {
            for arn in &e.attached {
                if !self.managed.contains_key(arn) {
                    problems.push(format!(
                        "{} attaches managed policy `{arn}`, which is not in {}",
                        at(owner, e),
                        self.source
                    ));
                }
            }
            if let Some(arn) = &e.boundary
                && !self.managed.contains_key(arn)
            {
                problems.push(format!(
                    "{} has permissions boundary `{arn}`, which is not in {}",
                    at(owner, e),
                    self.source
                ));
            }
        };
        policies(owner, e, &mut problems);
        for g in &e.groups {
            let group = Owner::Group(g.clone());
            match self.groups.get(&g.to_lowercase()) {
                Some(ge) => policies(&group, ge, &mut problems),
                None => problems.push(format!(
                    "{} is in group `{g}`, which is not in {}",
                    at(owner, e),
                    self.source
                )),
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(offline(format!(
                "{}; export again with every entity and policy (`aws iam get-account-authorization-details` without --filter)",
                problems.join("; ")
            )))
        }
    }

    fn entity_of(&self, owner: Owner) -> Result<Entity, AwsError> {
        self.check_references(&owner)?;
        let e = self.entity(&owner)?;
        Ok(Entity {
            arn: e.arn.clone(),
            name: e.name.clone(),
            boundary_arn: e.boundary.clone(),
            tags: e.tags.clone(),
        })
    }
}

impl Aws for OfflineAccount {
    async fn caller_arn(&self) -> Result<String, AwsError> {
        Err(offline("offline checks cannot use the caller's identity; name the principal with --role or --user".into()))
    }

    async fn get_role(&self, name: &str) -> Result<Entity, AwsError> {
        self.entity_of(Owner::Role(name.to_string()))
    }

    async fn get_user(&self, name: &str) -> Result<Entity, AwsError> {
        self.entity_of(Owner::User(name.to_string()))
    }

    async fn list_groups_for_user(&self, user: &str) -> Result<Vec<String>, AwsError> {
        Ok(self.entity(&Owner::User(user.to_string()))?.groups.clone())
    }

    async fn list_inline_policies(&self, owner: &Owner) -> Result<Vec<String>, AwsError> {
        Ok(self
            .entity(owner)?
            .inline
            .iter()
            .map(|(n, _)| n.clone())
            .collect())
    }

    async fn get_inline_policy(&self, owner: &Owner, name: &str) -> Result<String, AwsError> {
        self.entity(owner)?
            .inline
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, d)| d.clone())
            .ok_or_else(|| offline(format!("inline policy `{name}` is not in {}", self.source)))
    }

    async fn list_attached_policies(&self, owner: &Owner) -> Result<Vec<String>, AwsError> {
        Ok(self.entity(owner)?.attached.clone())
    }

    async fn get_managed_policy(&self, arn: &str) -> Result<(String, String), AwsError> {
        self.managed.get(arn).cloned().ok_or_else(|| {
            offline(format!(
                "managed policy `{arn}` is attached but not in {}; export them with AWS-managed policies included (`aws iam get-account-authorization-details` without --filter)",
                self.source
            ))
        })
    }

    async fn simulate(&self, _req: &SimRequest) -> Result<Vec<SimResult>, AwsError> {
        Err(offline("IAM's simulator is not available offline".into()))
    }

    async fn resolve_key(&self, key: &str) -> Result<String, AwsError> {
        Err(offline(format!(
            "KMS alias `{key}` cannot be resolved offline; pass the key ARN with --kms-key"
        )))
    }

    async fn get_key_policy(&self, key_arn: &str) -> Result<String, AwsError> {
        if let Some(text) = self.key_policies.get(key_arn) {
            return Ok(text.clone());
        }
        self.key_policy.clone().ok_or_else(|| {
            offline(
                "no key policy was given for it; pass it with --key-policy-file KEY_ARN=FILE"
                    .into(),
            )
        })
    }

    /// Offline, the owner cannot be checked ([`Aws::verifies_bucket_owner`] is false): the
    /// answer is the given file's, whoever owns the bucket.
    async fn get_bucket_policy(
        &self,
        bucket: &str,
        _expected_owner: Option<&str>,
    ) -> Result<Option<String>, AwsError> {
        if let Some(text) = self.bucket_policies.get(bucket) {
            return Ok(Some(text.clone()));
        }
        match &self.bucket_policy {
            BucketPolicyInput::Document(t) => Ok(Some(t.clone())),
            BucketPolicyInput::None => Ok(None),
            BucketPolicyInput::Unknown => Err(offline(format!(
                "no bucket policy was given; pass --bucket-policy-file {bucket}=FILE, or --no-bucket-policy if it has none"
            ))),
        }
    }

    async fn get_bucket_encryption(
        &self,
        bucket: &str,
        _expected_owner: Option<&str>,
    ) -> Result<BucketEncryption, AwsError> {
        Err(offline(format!(
            "the default encryption of bucket `{bucket}` is not known offline"
        )))
    }

    async fn get_table_policy(&self, table_arn: &str) -> Result<Option<String>, AwsError> {
        let name = crate::iam::arn::table_name_of(table_arn).unwrap_or(table_arn);
        // By ARN first; a name only stands for the table of the input's own account.
        let in_home_account = match (crate::iam::arn::Arn::parse(table_arn), self.home_account()) {
            (Some(arn), Some(home)) => arn.account == home,
            _ => true,
        };
        let by_name = in_home_account
            .then(|| self.table_policies.get(name))
            .flatten();
        self.table_policies
            .get(table_arn)
            .or(by_name)
            .cloned()
            .map(Some)
            .ok_or_else(|| {
                offline(format!(
                    "no resource policy was given for it; pass --table-policy-file {}=FILE, or --no-table-policy if its tables have none",
                    if in_home_account { name } else { table_arn }
                ))
            })
    }

    async fn get_role_trust_policy(&self, role_name: &str) -> Result<String, AwsError> {
        let e = self.entity(&Owner::Role(role_name.to_string()))?;
        e.trust.clone().ok_or_else(|| {
            offline(format!(
                "the trust policy of `{role_name}` is not in {}",
                self.source
            ))
        })
    }

    fn can_simulate(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DETAILS: &str = r#"{
      "RoleDetailList": [{
        "RoleName": "app", "Arn": "arn:aws:iam::111122223333:role/svc/app", "Path": "/svc/",
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []},
        "RolePolicyList": [{"PolicyName": "inline", "PolicyDocument": "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D"}],
        "AttachedManagedPolicies": [{"PolicyName": "shared", "PolicyArn": "arn:aws:iam::111122223333:policy/shared"}],
        "PermissionsBoundary": {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": "arn:aws:iam::111122223333:policy/boundary"}
      }],
      "UserDetailList": [{"UserName": "alice", "Arn": "arn:aws:iam::111122223333:user/alice", "GroupList": ["devs"]}],
      "GroupDetailList": [{"GroupName": "devs", "Arn": "arn:aws:iam::111122223333:group/devs",
        "AttachedManagedPolicies": [{"PolicyArn": "arn:aws:iam::111122223333:policy/shared"}]}],
      "Policies": [
        {"Arn": "arn:aws:iam::111122223333:policy/shared", "DefaultVersionId": "v2", "PolicyVersionList": [
          {"VersionId": "v1", "IsDefaultVersion": false, "Document": {"Version": "2012-10-17", "Statement": [{"Sid": "old"}]}},
          {"VersionId": "v2", "IsDefaultVersion": true, "Document": {"Version": "2012-10-17", "Statement": []}}]},
        {"Arn": "arn:aws:iam::111122223333:policy/boundary", "DefaultVersionId": "v1", "PolicyVersionList": [
          {"VersionId": "v1", "IsDefaultVersion": true, "Document": {"Version": "2012-10-17", "Statement": []}}]}
      ]
    }"#;

    #[tokio::test]
    async fn authorization_details_serve_roles_users_groups_and_default_versions() {
        let a = OfflineAccount::from_authorization_details(DETAILS).unwrap();
        let role = a.get_role("app").await.unwrap();
        assert_eq!(role.arn, "arn:aws:iam::111122223333:role/svc/app");
        assert_eq!(
            role.boundary_arn.as_deref(),
            Some("arn:aws:iam::111122223333:policy/boundary")
        );
        let inline = a
            .get_inline_policy(&Owner::Role("app".into()), "inline")
            .await
            .unwrap();
        assert_eq!(
            inline, r#"{"Version":"2012-10-17","Statement":[]}"#,
            "URL-encoded documents are decoded"
        );
        let (v, doc) = a
            .get_managed_policy("arn:aws:iam::111122223333:policy/shared")
            .await
            .unwrap();
        assert_eq!(v, "v2");
        assert!(!doc.contains("old"));
        assert_eq!(a.list_groups_for_user("alice").await.unwrap(), vec!["devs"]);
        assert!(a.get_role_trust_policy("app").await.is_ok());
        let err = a.get_role("nope").await.unwrap_err();
        assert!(
            err.to_string()
                .contains("role `nope` is not in the authorization details"),
            "{err}"
        );
        assert!(!a.can_simulate());
    }

    #[test]
    fn malformed_details_report_every_problem() {
        let errs = OfflineAccount::from_authorization_details(
            r#"{"RoleDetailList": [{"RoleName": "a"}, {"Arn": "x"}], "Policies": [{"Arn": "p", "PolicyVersionList": []}]}"#,
        )
        .unwrap_err();
        assert_eq!(errs.len(), 3, "{errs:?}");
        assert!(OfflineAccount::from_authorization_details("[]").is_err());
        assert!(OfflineAccount::from_authorization_details("{").is_err());
    }

    #[tokio::test]
    async fn resource_policies_apply_to_the_resource_they_name() {
        let key_a = "arn:aws:kms:eu-west-1:111122223333:key/a";
        let key_b = "arn:aws:kms:eu-west-1:111122223333:key/b";
        let a = OfflineAccount::from_authorization_details(DETAILS)
            .unwrap()
            .with_key_policies(HashMap::from([(key_a.to_string(), "A".to_string())]))
            .with_bucket_policies(HashMap::from([("media".to_string(), "M".to_string())]))
            .with_bucket_policy(BucketPolicyInput::None)
            .with_table_policies(HashMap::from([
                ("orders".to_string(), "O".to_string()),
                (
                    "arn:aws:dynamodb:eu-west-1:444455556666:table/shared".to_string(),
                    "S".to_string(),
                ),
            ]));
        assert_eq!(a.get_key_policy(key_a).await.unwrap(), "A");
        let err = a.get_key_policy(key_b).await.unwrap_err().to_string();
        assert!(err.contains("--key-policy-file KEY_ARN=FILE"), "{err}");
        assert_eq!(
            a.get_bucket_policy("media", None).await.unwrap().as_deref(),
            Some("M")
        );
        assert_eq!(a.get_bucket_policy("other", None).await.unwrap(), None);
        let own = "arn:aws:dynamodb:eu-west-1:111122223333:table/orders";
        let foreign = "arn:aws:dynamodb:eu-west-1:444455556666:table/orders";
        assert_eq!(a.get_table_policy(own).await.unwrap().as_deref(), Some("O"));
        assert_eq!(
            a.get_table_policy(&format!("{own}/index/i"))
                .await
                .unwrap()
                .as_deref(),
            Some("O")
        );
        // A name is the input's own account's table, never another account's of that name.
        let err = a.get_table_policy(foreign).await.unwrap_err().to_string();
        assert!(
            err.contains(&format!("--table-policy-file {foreign}=FILE")),
            "{err}"
        );
        assert_eq!(
            a.get_table_policy("arn:aws:dynamodb:eu-west-1:444455556666:table/shared")
                .await
                .unwrap()
                .as_deref(),
            Some("S")
        );
    }
}
