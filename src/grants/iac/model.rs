//! What a template or a plan says will exist after deploy, as far as permissions go: the
//! principals and their policies, the resource policies, the tables, keys, buckets and functions,
//! and everything that could not be resolved (resource, property, why). One model for
//! CloudFormation/SAM and Terraform. Plain, serializable data; no parsing and no evaluation here.

use serde::{Deserialize, Serialize};

use super::value::{Text, Unknown, Value};

/// Which reader produced the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    CloudFormation,
    /// A template with `Transform: AWS::Serverless-2016-10-31`.
    Sam,
    TerraformPlan,
}

/// The environment the input deploys into, as far as it (and the flags) say: pseudo parameters
/// for a template, the provider's settings for a plan. Unknown parts are symbols
/// (`AWS::AccountId.Ref`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Environment {
    pub partition: Text,
    pub region: Text,
    pub account: Text,
    /// The stack name (templates only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack_name: Option<Text>,
}

impl Environment {
    /// The key policy AWS gives a KMS key created without one (the "default key policy" of the
    /// KMS developer guide): the account's root, that is the account's IAM policies, may use it.
    pub fn default_key_policy(&self) -> Value {
        let root = Text::concat([
            Text::known("arn:"),
            self.partition.clone(),
            Text::known(":iam::"),
            self.account.clone(),
            Text::known(":root"),
        ]);
        Value::Map(vec![
            ("Version".into(), Value::known("2012-10-17")),
            ("Id".into(), Value::known("key-default-1")),
            (
                "Statement".into(),
                Value::List(vec![Value::Map(vec![
                    ("Sid".into(), Value::known("Enable IAM User Permissions")),
                    ("Effect".into(), Value::known("Allow")),
                    (
                        "Principal".into(),
                        Value::Map(vec![("AWS".into(), Value::Text(root))]),
                    ),
                    ("Action".into(), Value::known("kms:*")),
                    ("Resource".into(), Value::known("*")),
                ])]),
            ),
        ])
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PrincipalKind {
    Role,
    User,
    Group,
}

impl PrincipalKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalKind::Role => "role",
            PrincipalKind::User => "user",
            PrincipalKind::Group => "group",
        }
    }
}

/// Whether the input describes every policy the principal will hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum Completeness {
    /// The input creates the principal: it holds exactly the policies listed.
    Exact,
    /// The principal exists outside the input (named but not created by a template, or already
    /// in Terraform's state): policies attached elsewhere are not listed. Read them from IAM.
    MayHaveMore { reason: String },
}

/// A role, user or group, with what the input gives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Principal {
    /// How the user names it: a logical id (`OrdersFunctionRole`), a Terraform address
    /// (`module.app.aws_iam_role.orders`), or for a principal only named by the input, its name.
    pub id: String,
    pub kind: PrincipalKind,
    /// Whether the input creates it (as opposed to attaching policies to an existing one).
    pub created: bool,
    pub name: Text,
    pub arn: Text,
    pub path: Text,
    pub policies: Vec<IdentityPolicy>,
    /// The permissions boundary's ARN and, when the input defines it, its document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boundary: Option<ManagedPolicyRef>,
    /// The trust policy (roles).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust: Option<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<(String, Value)>,
    /// Groups of a user, by their id in this model (or name, for groups outside it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    pub completeness: Completeness,
    /// The resource that defines it ("AWS::Serverless::Function OrdersFunction" for SAM's
    /// implicit role).
    pub defined_by: String,
}

/// An identity policy of a principal and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdentityPolicy {
    /// The policy name IAM will show (inline), or the managed policy's ARN text.
    pub name: Text,
    /// The resource and property that attach it: `OrdersRole.Policies[0]`,
    /// `aws_iam_role_policy_attachment.orders`.
    pub origin: String,
    pub body: PolicyBody,
    /// Whether the principal certainly holds it.
    #[serde(default, skip_serializing_if = "Attachment::is_certain")]
    pub attachment: Attachment,
}

/// Whether a policy is certainly attached to a principal.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum Attachment {
    #[default]
    Certain,
    /// It may or may not be attached (the `Roles` it names are unknown before deploy, or two
    /// inline policies share a name and only one survives): its Deny statements may apply, its
    /// Allow statements cannot be relied on.
    Possible { why: Unknown },
}

impl Attachment {
    pub fn is_certain(&self) -> bool {
        matches!(self, Attachment::Certain)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum PolicyBody {
    /// An inline policy (or a SAM policy template, expanded).
    Inline { document: Value },
    /// An attached managed policy.
    Managed(ManagedPolicyRef),
    /// The input attaches something that cannot be resolved before deploy (an `Fn::If` on an
    /// undecided condition, a policy list known only after apply).
    Unknown { unknown: Unknown },
}

/// A managed policy named by ARN (or, for a SAM managed policy name not in SAM's bundled list,
/// by name).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManagedPolicyRef {
    pub arn: ManagedPolicyArn,
    pub document: ManagedDocument,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ManagedPolicyArn {
    Arn(Text),
    /// A name SAM would look up in IAM at transform time.
    Name(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum ManagedDocument {
    /// Defined in the input (`AWS::IAM::ManagedPolicy`, `aws_iam_policy`): its id and document.
    InInput { id: String, document: Value },
    /// Only referenced (AWS managed, or customer managed outside the input): the document must
    /// come from IAM or `--managed-policy-file`.
    Referenced,
}

/// A customer managed policy the input defines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManagedPolicy {
    pub id: String,
    pub name: Text,
    pub arn: Text,
    pub document: Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResourceKind {
    KmsKey,
    S3Bucket,
    DynamoDbTable,
}

/// A resource-based policy and the resource it governs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourcePolicy {
    pub kind: ResourceKind,
    /// The governed resource's id in this model, when the input defines it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
    /// The key ARN, bucket name or table ARN.
    pub resource: Text,
    pub document: Value,
    /// The resource and property that define it.
    pub origin: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyElement {
    pub attribute: Text,
    /// `HASH` or `RANGE`.
    pub key_type: Text,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Index {
    pub name: Text,
    pub key_schema: Vec<KeyElement>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    pub id: String,
    pub name: Text,
    pub arn: Text,
    pub key_schema: Vec<KeyElement>,
    pub global_indexes: Vec<Index>,
    pub local_indexes: Vec<Index>,
    /// The customer managed KMS key of the table's encryption at rest, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sse_kms_key: Option<Text>,
    /// Whether the input creates the table (otherwise it only refers to or changes it).
    pub created: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KmsKey {
    pub id: String,
    /// The key id (a UUID AWS assigns: symbolic before deploy).
    pub key_id: Text,
    pub arn: Text,
    /// Aliases (`alias/...`) the input points at the key.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<Text>,
    /// True when the input gives no key policy and AWS attaches its default one (which the
    /// model lists among the resource policies).
    pub default_policy: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bucket {
    pub id: String,
    pub name: Text,
    pub arn: Text,
    /// Default encryption: the algorithm (`aws:kms`, `AES256`) and the KMS key, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_algorithm: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_key: Option<Text>,
}

/// Which role a function runs as.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum FunctionRole {
    /// A principal of this model (SAM's implicit role, or a role the template defines).
    Principal { id: String },
    /// A role outside the input, by ARN.
    External { arn: Text },
    /// Not known before deploy.
    Unknown { unknown: Unknown },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Function {
    pub id: String,
    pub name: Text,
    pub role: FunctionRole,
    /// `Environment.Variables`, after SAM's `Globals` (the code scan resolves table names
    /// through these: `TABLE_NAME: !Ref UrlsTable` names the template's table).
    pub environment: Vec<(String, Value)>,
}

/// Something the input leaves unresolved: the rows that depend on it are inconclusive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unresolved {
    /// The resource (logical id or address); for a policy, where it is attached
    /// (`OrdersRole.Policies[0]`, `Maybe.Roles[0]`, as [`IdentityPolicy::origin`]);
    /// `Transform`/`Parameters` for the whole input.
    pub resource: String,
    /// The property path inside it (`Properties.Policies[0].PolicyDocument.Statement[0].Resource`).
    pub property: String,
    pub unknown: Unknown,
}

/// Everything one template or plan gives and names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IacModel {
    pub source: SourceKind,
    /// The file, as given.
    pub file: String,
    pub environment: Environment,
    pub principals: Vec<Principal>,
    pub managed_policies: Vec<ManagedPolicy>,
    pub resource_policies: Vec<ResourcePolicy>,
    pub tables: Vec<Table>,
    pub keys: Vec<KmsKey>,
    pub buckets: Vec<Bucket>,
    pub functions: Vec<Function>,
    pub unresolved: Vec<Unresolved>,
    /// What the reader saw and reports in words: what it does not model where that can only add
    /// Allow statements (SAM event-source policies, connectors), and settings whose effect is
    /// listed in `unresolved` too (an exclusive `aws_iam_policy_attachment`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl IacModel {
    /// The principal named by `query`: its id (logical id or address) first, then a role/user
    /// name the input gives as known text.
    pub fn principal(&self, kind: PrincipalKind, query: &str) -> Option<&Principal> {
        let of_kind = || self.principals.iter().filter(move |p| p.kind == kind);
        of_kind()
            .find(|p| p.id == query)
            .or_else(|| of_kind().find(|p| p.name.as_known() == Some(query)))
    }
    /// Like [`IacModel::principal`], as a located error listing what the file has.
    pub fn find_principal(
        &self,
        kind: PrincipalKind,
        query: &str,
    ) -> Result<&Principal, super::error::IacError> {
        self.principal(kind, query).ok_or_else(|| {
            let available: Vec<String> = self
                .principals
                .iter()
                .filter(|p| p.kind == kind)
                .map(|p| match p.name.as_known() {
                    Some(n) if n != p.id => format!("`{}` (name `{n}`)", p.id),
                    _ => format!("`{}`", p.id),
                })
                .collect();
            super::error::IacError {
                file: self.file.clone(),
                location: Default::default(),
                kind: super::error::IacErrorKind::PrincipalNotFound {
                    kind: kind.as_str(),
                    wanted: query.to_string(),
                    available: if available.is_empty() {
                        format!("no {}s", kind.as_str())
                    } else {
                        available.join(", ")
                    },
                },
            }
        })
    }
    pub fn function(&self, id: &str) -> Option<&Function> {
        self.functions
            .iter()
            .find(|f| f.id == id || f.name.as_known() == Some(id))
    }
    pub fn table(&self, id: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.id == id)
    }
    /// Every unresolved entry about one resource.
    pub fn unresolved_for<'a>(&'a self, resource: &'a str) -> impl Iterator<Item = &'a Unresolved> {
        self.unresolved
            .iter()
            .filter(move |u| u.resource == resource)
    }
}
