//! Offline input: an in-memory account built from policy files or from the JSON of
//! `aws iam get-account-authorization-details`, served through the same [`Aws`] trait as the
//! SDK adapter so a check runs the same pipeline without AWS. Owns parsing those inputs;
//! must not read files itself (the command passes their text) or evaluate anything.

use std::collections::HashMap;

use serde_json::Value;

use crate::grants::model::{BucketEncryption, SimRequest, SimResult};
use crate::grants::sdk::decode_policy_document;
use crate::grants::source::{Aws, AwsError, Entity, Owner};
use crate::iam::arn::{PrincipalKind, PrincipalRef};

#[derive(Debug, Clone, Default, PartialEq)]
struct OfflineEntity {
    arn: String,
    inline: Vec<(String, String)>,
    attached: Vec<String>,
    boundary: Option<String>,
    groups: Vec<String>,
    trust: Option<String>,
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
}

fn offline(message: String) -> AwsError {
    AwsError::Offline { message }
}

/// A policy document given as JSON text, a JSON object, or a URL-encoded string (the raw
/// API returns them encoded; the AWS CLI decodes them).
fn document_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(decode_policy_document(s)),
        Value::Object(_) => serde_json::to_string(v).ok(),
        _ => None,
    }
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
        };
        match principal.kind {
            PrincipalKind::Role => account.roles.insert(principal.name.clone(), entity),
            PrincipalKind::User => account.users.insert(principal.name.clone(), entity),
        };
        account
    }

    /// Reads the JSON of `aws iam get-account-authorization-details` (all pages merged, or
    /// one page). Every problem is reported at once.
    pub fn from_authorization_details(text: &str) -> Result<OfflineAccount, Vec<String>> {
        let v: Value = serde_json::from_str(text).map_err(|e| vec![format!("not JSON: {e}")])?;
        let mut errors = Vec::new();
        let mut account = OfflineAccount {
            roles: HashMap::new(),
            users: HashMap::new(),
            groups: HashMap::new(),
            managed: HashMap::new(),
            key_policy: None,
            key_policies: HashMap::new(),
            bucket_policy: BucketPolicyInput::Unknown,
            bucket_policies: HashMap::new(),
            table_policies: HashMap::new(),
            source: "the authorization details".into(),
        };
        if !v.is_object()
            || [
                "UserDetailList",
                "RoleDetailList",
                "GroupDetailList",
                "Policies",
            ]
            .iter()
            .all(|k| v.get(k).is_none())
        {
            return Err(vec!["expected the output of `aws iam get-account-authorization-details` (an object with RoleDetailList, UserDetailList, GroupDetailList, Policies)".into()]);
        }
        let list = |key: &str| {
            v.get(key)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        };
        let inline = |item: &Value,
                      key: &str,
                      errors: &mut Vec<String>,
                      owner: &str|
         -> Vec<(String, String)> {
            let mut out = Vec::new();
            for p in item
                .get(key)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
            {
                let name = p
                    .get("PolicyName")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                match p.get("PolicyDocument").and_then(document_text) {
                    Some(doc) if !name.is_empty() => out.push((name, doc)),
                    _ => errors.push(format!(
                        "{owner}: {key} entry `{name}` has no PolicyName or PolicyDocument"
                    )),
                }
            }
            out
        };
        let attached = |item: &Value| -> Vec<String> {
            item.get("AttachedManagedPolicies")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|p| p.get("PolicyArn").and_then(Value::as_str))
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default()
        };
        let boundary = |item: &Value| -> Option<String> {
            item.get("PermissionsBoundary")
                .and_then(|b| b.get("PermissionsBoundaryArn"))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        for (key, name_key, policy_key) in [
            ("RoleDetailList", "RoleName", "RolePolicyList"),
            ("UserDetailList", "UserName", "UserPolicyList"),
            ("GroupDetailList", "GroupName", "GroupPolicyList"),
        ] {
            for item in list(key) {
                let Some(name) = item
                    .get(name_key)
                    .and_then(Value::as_str)
                    .map(str::to_string)
                else {
                    errors.push(format!("{key}: an entry has no {name_key}"));
                    continue;
                };
                let Some(arn) = item.get("Arn").and_then(Value::as_str).map(str::to_string) else {
                    errors.push(format!("{key}: `{name}` has no Arn"));
                    continue;
                };
                let entity = OfflineEntity {
                    arn,
                    inline: inline(&item, policy_key, &mut errors, &name),
                    attached: attached(&item),
                    boundary: boundary(&item),
                    groups: item
                        .get("GroupList")
                        .and_then(Value::as_array)
                        .map(|g| {
                            g.iter()
                                .filter_map(Value::as_str)
                                .map(str::to_string)
                                .collect()
                        })
                        .unwrap_or_default(),
                    trust: item.get("AssumeRolePolicyDocument").and_then(document_text),
                };
                let map = match key {
                    "RoleDetailList" => &mut account.roles,
                    "UserDetailList" => &mut account.users,
                    _ => &mut account.groups,
                };
                map.insert(name, entity);
            }
        }
        for p in list("Policies") {
            let Some(arn) = p.get("Arn").and_then(Value::as_str) else {
                errors.push("Policies: an entry has no Arn".into());
                continue;
            };
            let default = p.get("DefaultVersionId").and_then(Value::as_str);
            let versions = p
                .get("PolicyVersionList")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let chosen = versions.iter().find(|ver| {
                ver.get("IsDefaultVersion").and_then(Value::as_bool) == Some(true)
                    || (default.is_some()
                        && ver.get("VersionId").and_then(Value::as_str) == default)
            });
            match chosen.and_then(|ver| {
                Some((
                    ver.get("VersionId")?.as_str()?.to_string(),
                    document_text(ver.get("Document")?)?,
                ))
            }) {
                Some(v) => {
                    account.managed.insert(arn.to_string(), v);
                }
                None => errors.push(format!(
                    "Policies: `{arn}` has no default version with a document"
                )),
            }
        }
        if errors.is_empty() {
            Ok(account)
        } else {
            Err(errors)
        }
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
        let (map, kind) = match owner {
            Owner::Role(_) => (&self.roles, "role"),
            Owner::User(_) => (&self.users, "user"),
            Owner::Group(_) => (&self.groups, "group"),
        };
        map.get(owner.name()).ok_or_else(|| {
            offline(format!(
                "{kind} `{}` is not in {}",
                owner.name(),
                self.source
            ))
        })
    }
}

impl Aws for OfflineAccount {
    async fn caller_arn(&self) -> Result<String, AwsError> {
        Err(offline("offline checks cannot use the caller's identity; name the principal with --role or --user".into()))
    }

    async fn get_role(&self, name: &str) -> Result<Entity, AwsError> {
        let e = self.entity(&Owner::Role(name.to_string()))?;
        Ok(Entity {
            arn: e.arn.clone(),
            name: name.to_string(),
            boundary_arn: e.boundary.clone(),
            tags: None,
        })
    }

    async fn get_user(&self, name: &str) -> Result<Entity, AwsError> {
        let e = self.entity(&Owner::User(name.to_string()))?;
        Ok(Entity {
            arn: e.arn.clone(),
            name: name.to_string(),
            boundary_arn: e.boundary.clone(),
            tags: None,
        })
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
