//! Generates the least-privilege IAM policy pydynox needs from the expanded checks, and renders
//! it as JSON, Terraform or CloudFormation. Pure: no AWS, no files, no printing.
//!
//! # Rules of `policy`
//! - Statements are merged per resource and per action set: every action the features need on
//!   one resource goes in one statement, and resources of one kind that need the same actions
//!   share it (all tables of a service need the same actions, so they take one statement; their
//!   indexes another). Sids name the kind and, when short, the resources (`PydynoxTableUsers`,
//!   `PydynoxTablesOrdersUsers`, `PydynoxIndexesUsers`, `PydynoxKey`, `PydynoxObjects`,
//!   `PydynoxAssumeRoleTarget`, `PydynoxListTables`), unique within a policy.
//! - Actions are sorted and de-duplicated. Resources are the concrete ARNs the checks use; `*`
//!   appears only for actions without a resource type (`dynamodb:ListTables`), because IAM
//!   matches nothing else for them (Service Authorization Reference, DynamoDB).
//! - S3 statements grant the whole prefix, `arn:aws:s3:::BUCKET/PREFIX*`, not the
//!   representative object `check` probes ([`S3_PROBE_OBJECT`]): pydynox writes
//!   `{prefix}{pk}/{sk}/{filename}`. `*`, `?` and `$` in the prefix (and in a role's path) are
//!   written as IAM's escapes `${*}`, `${?}`, `${$}`, so they match themselves, not as wildcards
//!   or variables ([`iam_escape`]).
//! - No `Condition`: the request context the catalogue records (`dynamodb:EnclosingOperation`,
//!   `dynamodb:ReturnConsumedCapacity`, `aws:SecureTransport`) describes what pydynox sends, and
//!   an unconditioned Allow grants it in every context.
//! - Size: IAM caps a managed policy at 6,144 characters and the inline policies of a role, user
//!   or group at 10,240, 2,048 and 5,120 in all, counted without whitespace (IAM User Guide, "IAM
//!   and AWS STS quotas", IAM and STS character quotas). [`fit`] splits a policy over the managed
//!   quota into several managed policies, each within it; the inline quotas are on the sum of an
//!   entity's inline policies, so splitting cannot help there and [`Quota::fits`] only measures.
//! - `--split read-write` ([`split_read_write`], [`half`]): the reader holds what pydynox's read
//!   operations call, the writer what its write operations call, each complete for its own
//!   operations, so either can be attached alone to a service that only reads or only writes. A
//!   call that both kinds of operation make is in both (`DescribeTable`, which `table_exists`
//!   and `create_table(wait=True)` poll; `ListTables` for `ping`; `sts:AssumeRole`, which
//!   `role_arn=` makes before any call). A service that reads and writes attaches both. A half
//!   with no call of its own kind is not printed (IAM rejects `"Statement": []`).
//!
//! # Rules of fixes ([`fix_statement`])
//! One `Allow` statement per (feature, resource), so a feature's fix reads on its own
//! (`PydynoxCrudTableUsers`, `PydynoxEncryptionKey`, `PydynoxPing`).

use std::collections::{BTreeSet, HashSet};

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::{Value, json};

use crate::iam::arn::Arn;
use crate::iam::names::iam_escape;
use crate::needs::plan::{Check, S3_PROBE_OBJECT};

/// The policy language version every generated document uses.
pub const POLICY_VERSION: &str = "2012-10-17";

/// Output formats for [`render`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// The policy document, pretty-printed, keys in the conventional order.
    Json,
    /// A `data "aws_iam_policy_document"` block.
    Terraform,
    /// An `AWS::IAM::ManagedPolicy` resource for a template's `Resources` section (YAML).
    Cloudformation,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Format, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "json" => Ok(Format::Json),
            "terraform" | "tf" | "hcl" => Ok(Format::Terraform),
            "cloudformation" | "cfn" | "yaml" => Ok(Format::Cloudformation),
            _ => Err(format!(
                "`{s}` is not a policy format (expected json, terraform or cloudformation)"
            )),
        }
    }
}

/// Whether an action only reads. Reads: `Get*` (`dynamodb:GetItem`, also inside
/// `TransactGetItems`), `BatchGetItem`, `Query`, `Scan`, `PartiQLSelect`, `DescribeTable`,
/// `ListTables`, `kms:Decrypt`, `kms:DescribeKey` and `s3:GetObject`. Everything else writes
/// or changes state: item writes, `ConditionCheckItem` (only ever sent inside a write
/// transaction, so it belongs with the writes), `BatchWriteItem`, PartiQL
/// insert/update/delete, table creation and deletion, `kms:GenerateDataKey`/`kms:Encrypt`
/// (encrypting on write), `kms:CreateGrant`, S3 put/abort/delete and `sts:AssumeRole`.
pub fn is_read_action(action: &str) -> bool {
    let Some((service, name)) = action.split_once(':') else {
        return false;
    };
    match service.to_ascii_lowercase().as_str() {
        "dynamodb" => {
            name.starts_with("Get")
                || matches!(
                    name,
                    "BatchGetItem"
                        | "Query"
                        | "Scan"
                        | "PartiQLSelect"
                        | "DescribeTable"
                        | "ListTables"
                )
        }
        "kms" => matches!(name, "Decrypt" | "DescribeKey"),
        "s3" => name == "GetObject",
        _ => false,
    }
}

/// The least-privilege policy document for these checks (`Version` 2012-10-17, only `Allow`),
/// statements merged per resource and action set.
pub fn minimal_policy(checks: &[Check]) -> Value {
    document(merged_statements(checks.iter(), ""))
}

/// Which half of `--split read-write` a call belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Half {
    Read,
    Write,
    /// Read and write operations both make it.
    Both,
}

/// Where a feature's call goes in the split (see the module's rules). Calls not listed follow
/// [`is_read_action`]; these are the ones a read-only or write-only service needs otherwise:
/// - `table-management` and `vector-indexes`: `DescribeTable` is `table_exists`/`describe` (a
///   read) and also what `create_table(wait=True)`, `delete_table(wait=True)` and the vector
///   index waits poll (writes).
/// - `table-cmk`: DynamoDB calls `kms:DescribeKey` and `kms:CreateGrant` with the caller's
///   permissions while `create_table` creates a table under the customer managed key: both
///   belong to that write. pydynox itself never calls `kms:DescribeKey`
///   (docs/pydynox-actions: nothing calls it), so no other feature puts it anywhere.
/// - `locks`: acquiring a lock reads it (consistent `GetItem`) before writing it: all writes.
/// - `ping` (`ListTables`) and `assume-role` (`sts:AssumeRole`, made before any call by a
///   client with `role_arn=`): both halves.
pub fn half(feature: &str, action: &str) -> Half {
    match (feature, action) {
        ("table-management" | "vector-indexes", "dynamodb:DescribeTable") => Half::Both,
        ("table-cmk", _) => Half::Write,
        ("locks" | "locks-in-transactions", _) => Half::Write,
        ("ping", _) | ("assume-role", _) => Half::Both,
        _ if is_read_action(action) => Half::Read,
        _ => Half::Write,
    }
}

/// A reader policy and a writer policy (see the module's rules). A half is `None` when the
/// features make no call of its kind: it would hold nothing of its own, and IAM rejects an
/// empty `Statement`.
pub fn split_read_write(checks: &[Check]) -> (Option<Value>, Option<Value>) {
    let side = |want: Half| {
        let own = checks.iter().any(|c| half(&c.feature, &c.action) == want);
        let mine = checks.iter().filter(move |c| {
            let h = half(&c.feature, &c.action);
            h == want || h == Half::Both
        });
        let suffix = if want == Half::Read { "Read" } else { "Write" };
        own.then(|| document(merged_statements(mine, suffix)))
    };
    (side(Half::Read), side(Half::Write))
}

/// IAM's size quotas for identity policies, counted without whitespace (IAM User Guide, "IAM and
/// AWS STS quotas", IAM and STS character quotas).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quota {
    /// A customer managed policy: 6,144 characters each.
    Managed,
    /// All inline policies of a role together: 10,240.
    InlineRole,
    /// All inline policies of a user together: 2,048.
    InlineUser,
    /// All inline policies of a group together: 5,120.
    InlineGroup,
}

impl Quota {
    pub fn limit(self) -> usize {
        match self {
            Quota::Managed => 6_144,
            Quota::InlineRole => 10_240,
            Quota::InlineUser => 2_048,
            Quota::InlineGroup => 5_120,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Quota::Managed => "a managed policy",
            Quota::InlineRole => "a role's inline policies together",
            Quota::InlineUser => "a user's inline policies together",
            Quota::InlineGroup => "a group's inline policies together",
        }
    }
    /// Whether these documents fit: each one for managed policies, their sum for inline ones.
    pub fn fits(self, docs: &[Value]) -> bool {
        match self {
            Quota::Managed => docs.iter().all(|d| policy_size(d) <= self.limit()),
            _ => docs.iter().map(policy_size).sum::<usize>() <= self.limit(),
        }
    }
}

impl std::str::FromStr for Quota {
    type Err = String;
    fn from_str(s: &str) -> Result<Quota, String> {
        match s {
            "managed" => Ok(Quota::Managed),
            "inline-role" => Ok(Quota::InlineRole),
            "inline-user" => Ok(Quota::InlineUser),
            "inline-group" => Ok(Quota::InlineGroup),
            _ => Err(format!(
                "`{s}` is not a policy kind (expected managed, inline-role, inline-user or inline-group)"
            )),
        }
    }
}

/// A policy's size as IAM counts it for its quotas: characters, whitespace not counted. The
/// compact JSON has whitespace only inside strings, which is counted here: an overestimate by
/// at most those, so a policy said to fit does.
pub fn policy_size(policy: &Value) -> usize {
    serde_json::to_string(policy)
        .expect("a JSON value always serializes")
        .chars()
        .count()
}

/// Splits a policy over `limit` characters into several, each within it: statements are packed
/// in order, and a statement too big on its own is cut into several over parts of its
/// `Resource` list (Sids `…Part2`, `…Part3`). A policy within the limit comes back whole.
pub fn fit(policy: &Value, limit: usize) -> Vec<Value> {
    if policy_size(policy) <= limit {
        return vec![policy.clone()];
    }
    let empty = policy_size(&document(vec![]));
    // Room for statements in one document: its frame, and a comma between statements.
    let room = limit.saturating_sub(empty);
    let mut pieces: Vec<Value> = Vec::new();
    for st in statements_of(policy) {
        let size = policy_size(st);
        let resources = strings(st.get("Resource"));
        if size <= room || resources.len() < 2 {
            pieces.push(st.clone());
            continue;
        }
        // Cut the resource list so each part fits.
        let mut base = st.clone();
        base["Resource"] = Value::Array(vec![]);
        let base_size = policy_size(&base) + "Part99".len();
        let mut parts: Vec<Vec<String>> = vec![vec![]];
        let mut used = base_size;
        for r in resources {
            let add = r.chars().count() + 3;
            if used + add > room && !parts.last().expect("one part").is_empty() {
                parts.push(vec![]);
                used = base_size;
            }
            used += add;
            parts.last_mut().expect("one part").push(r);
        }
        let sid = strings(st.get("Sid"))
            .into_iter()
            .next()
            .unwrap_or_default();
        for (i, part) in parts.into_iter().enumerate() {
            let mut p = base.clone();
            p["Resource"] = json!(part);
            if i > 0 && !sid.is_empty() {
                p["Sid"] = json!(format!("{sid}Part{}", i + 1));
            }
            pieces.push(p);
        }
    }
    let mut docs: Vec<Vec<Value>> = vec![vec![]];
    let mut used = 0;
    for st in pieces {
        let add = policy_size(&st) + 1;
        if used + add > room && !docs.last().expect("one document").is_empty() {
            docs.push(vec![]);
            used = 0;
        }
        used += add;
        docs.last_mut().expect("one document").push(st);
    }
    docs.into_iter().map(document).collect()
}

/// What a generated policy does not grant by itself: a KMS key's key policy must also allow the
/// principal (directly, or by delegating to the account's IAM policies; always so for a key in
/// another account), and a role to be assumed must trust it in its trust policy (AWS KMS
/// Developer Guide, "Allowing users in other accounts to use a KMS key"; IAM User Guide,
/// "Cross account resource access in IAM"). `home` is the account the service runs in, when
/// known.
pub fn notes(checks: &[Check], home: Option<&str>) -> Vec<String> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for c in checks {
        if !seen.insert((c.resource_kind.clone(), c.resource.clone())) {
            continue;
        }
        let account = Arn::parse(&c.resource).map(|a| a.account.to_string());
        let other = match (&account, home) {
            (Some(a), Some(h)) if a != h => Some(a.clone()),
            _ => None,
        };
        match c.resource_kind.as_str() {
            "kms-key" => out.push(match other {
                Some(a) => format!(
                    "the KMS key `{}` is in account {a}, another account: its key policy there must allow this principal the key's actions too; this policy alone is not enough",
                    c.resource
                ),
                None => format!(
                    "the KMS key `{}` must also allow this principal in its key policy (the default key policy does, by delegating to the account's IAM policies)",
                    c.resource
                ),
            }),
            "role" => out.push(match other {
                Some(a) => format!(
                    "the role `{}` is in account {a}, another account: its trust policy must trust this principal (sts:AssumeRole), or the call is denied whatever this policy says",
                    c.resource
                ),
                None => format!(
                    "the role `{}` must also trust this principal in its trust policy (sts:AssumeRole)",
                    c.resource
                ),
            }),
            _ => {}
        }
    }
    out
}

/// The statements that would grant these failing checks, as a JSON list to add to an existing
/// policy's `Statement`. They only help when nothing allows the action; an explicit deny, a
/// permissions boundary or a resource policy that does not delegate must be fixed where it is.
pub fn fix_statement(failing: &[&Check]) -> Value {
    Value::Array(statements(failing.iter().copied(), ""))
}

fn document(statements: Vec<Value>) -> Value {
    json!({ "Version": POLICY_VERSION, "Statement": statements })
}

/// One future statement: which features need it, what it is on, and what it grants.
struct Group {
    /// (resource kind, table) the statement is about; the label alone can collide.
    key: (String, String),
    features: Vec<String>,
    /// The resource part of the Sid, e.g. `TableUsers`.
    label: String,
    actions: BTreeSet<String>,
    resources: BTreeSet<String>,
}

fn statements<'a>(checks: impl Iterator<Item = &'a Check>, sid_suffix: &str) -> Vec<Value> {
    // Groups in the order their first check appears (feature order, then catalogue order).
    let mut groups: Vec<Group> = Vec::new();
    for c in checks {
        let label = resource_label(c);
        let resource = policy_resource(c);
        let scope = match c.resource_kind.as_str() {
            "table" | "index" | "lock-table" => table_name(&c.resource).to_string(),
            _ => String::new(),
        };
        let key = (c.resource_kind.clone(), scope);
        match groups
            .iter_mut()
            .find(|g| g.features[0] == c.feature && g.key == key)
        {
            Some(g) => {
                g.actions.insert(c.action.clone());
                g.resources.insert(resource);
            }
            None => groups.push(Group {
                key,
                features: vec![c.feature.clone()],
                label,
                actions: BTreeSet::from([c.action.clone()]),
                resources: BTreeSet::from([resource]),
            }),
        }
    }
    // Merge groups that grant the same actions on the same resources.
    let mut merged: Vec<Group> = Vec::new();
    for g in groups {
        match merged
            .iter_mut()
            .find(|m| m.actions == g.actions && m.resources == g.resources)
        {
            Some(m) => {
                for f in g.features {
                    if !m.features.contains(&f) {
                        m.features.push(f);
                    }
                }
            }
            None => merged.push(g),
        }
    }
    let mut used = HashSet::new();
    merged
        .into_iter()
        .map(|g| {
            let base = format!(
                "Pydynox{}{}{sid_suffix}",
                g.features
                    .iter()
                    .map(|f| feature_words(f))
                    .collect::<String>(),
                g.label
            );
            let mut sid = base.clone();
            let mut n = 2;
            while !used.insert(sid.clone()) {
                sid = format!("{base}{n}");
                n += 1;
            }
            json!({
                "Sid": sid,
                "Effect": "Allow",
                "Action": g.actions.into_iter().collect::<Vec<_>>(),
                "Resource": g.resources.into_iter().collect::<Vec<_>>(),
            })
        })
        .collect()
}

/// Statements merged per resource, then per action set (see the module's rules).
fn merged_statements<'a>(checks: impl Iterator<Item = &'a Check>, sid_suffix: &str) -> Vec<Value> {
    // Resources in the order their first check appears, with every action needed on each.
    let mut resources: Vec<(String, String, BTreeSet<String>)> = Vec::new();
    for c in checks {
        let kind = c.resource_kind.clone();
        let resource = policy_resource(c);
        match resources
            .iter_mut()
            .find(|(k, r, _)| *k == kind && *r == resource)
        {
            Some((_, _, actions)) => {
                actions.insert(c.action.clone());
            }
            None => resources.push((kind, resource, BTreeSet::from([c.action.clone()]))),
        }
    }
    // Resources of one kind that need the same actions share a statement.
    let mut groups: Vec<(String, BTreeSet<String>, Vec<String>)> = Vec::new();
    for (kind, resource, actions) in resources {
        match groups
            .iter_mut()
            .find(|(k, a, _)| *k == kind && *a == actions)
        {
            Some((_, _, rs)) => rs.push(resource),
            None => groups.push((kind, actions, vec![resource])),
        }
    }
    let mut used = HashSet::new();
    groups
        .into_iter()
        .map(|(kind, actions, mut resources)| {
            let base = format!("Pydynox{}{sid_suffix}", merged_label(&kind, &resources));
            let mut sid = base.clone();
            let mut n = 2;
            while !used.insert(sid.clone()) {
                sid = format!("{base}{n}");
                n += 1;
            }
            resources.sort();
            json!({
                "Sid": sid,
                "Effect": "Allow",
                "Action": actions.into_iter().collect::<Vec<_>>(),
                "Resource": resources,
            })
        })
        .collect()
}

/// The Sid words for a merged statement: its kind, and its resources' names while short.
fn merged_label(kind: &str, resources: &[String]) -> String {
    let tables = || -> Vec<String> {
        let mut names: Vec<String> = resources.iter().map(|r| pascal(table_name(r))).collect();
        names.dedup();
        names
    };
    let named = |singular: &str, plural: &str, names: Vec<String>| {
        let joined: String = names.concat();
        match resources.len() {
            1 => format!("{singular}{joined}"),
            _ if joined.len() <= 40 => format!("{plural}{joined}"),
            _ => plural.to_string(),
        }
    };
    match kind {
        "table" => named("Table", "Tables", tables()),
        "lock-table" => named("LockTable", "LockTables", tables()),
        "index" => named("Indexes", "Indexes", tables()),
        "kms-key" => "Key".into(),
        "s3-object" => "Objects".into(),
        "role" => {
            let names = resources
                .iter()
                .map(|r| pascal(r.rsplit('/').next().unwrap_or("")))
                .collect();
            named("AssumeRole", "AssumeRoles", names)
        }
        "any" => "ListTables".into(),
        other => pascal(other),
    }
}

/// The ARN a statement grants for a check: the check's own, except S3, where the whole prefix.
fn policy_resource(c: &Check) -> String {
    match c.resource_kind.as_str() {
        // `arn:P:s3:::BUCKET/PREFIX` + the probe object: the bucket part cannot hold IAM's
        // special characters, the prefix can.
        "s3-object" => {
            let without = c
                .resource
                .strip_suffix(S3_PROBE_OBJECT)
                .unwrap_or(&c.resource);
            match without.split_once(":::") {
                Some((head, path)) => match path.split_once('/') {
                    Some((bucket, prefix)) => format!("{head}:::{bucket}/{}*", iam_escape(prefix)),
                    None => format!("{without}*"),
                },
                None => format!("{without}*"),
            }
        }
        // A role's path may hold `*`, `?` or `$` (IAM allows U+0021 to U+007E in paths).
        "role" => match c.resource.split_once(":role/") {
            Some((head, path)) => format!("{head}:role/{}", iam_escape(path)),
            None => c.resource.clone(),
        },
        _ => c.resource.clone(),
    }
}

/// `users` from `arn:aws:dynamodb:R:A:table/users[/index/I]`, or the input when it is a name.
fn table_name(resource: &str) -> &str {
    let path = Arn::parse(resource).map_or(resource, |a| a.resource);
    let path = path.strip_prefix("table/").unwrap_or(path);
    path.split('/').next().unwrap_or(path)
}

fn resource_label(c: &Check) -> String {
    match c.resource_kind.as_str() {
        "table" => format!("Table{}", pascal(table_name(&c.resource))),
        "index" => format!("{}Indexes", pascal(table_name(&c.resource))),
        "lock-table" => format!("LockTable{}", pascal(table_name(&c.resource))),
        "kms-key" => "Key".to_string(),
        "s3-object" => "Objects".to_string(),
        "role" => {
            let name = Arn::parse(&c.resource)
                .and_then(|a| a.resource.rsplit('/').next())
                .unwrap_or("");
            pascal(name)
        }
        "any" => String::new(),
        other => pascal(other),
    }
}

/// A feature name as Sid words: `table-cmk` → `TableCmk`, `partiql-write` → `PartiQLWrite`.
/// ReadWrite is pydynox's default encryption mode (the docs' plain "encryption"), so
/// `encryption-readwrite` reads `Encryption`.
fn feature_words(feature: &str) -> String {
    let f = feature.strip_suffix("-readwrite").unwrap_or(feature);
    pascal(f)
}

/// PascalCase over runs of ASCII letters and digits (IAM Sids allow only `[A-Za-z0-9]`).
fn pascal(s: &str) -> String {
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| match w.to_ascii_lowercase().as_str() {
            "partiql" => "PartiQL".to_string(),
            "readwrite" => "ReadWrite".to_string(),
            "readonly" => "ReadOnly".to_string(),
            "writeonly" => "WriteOnly".to_string(),
            _ => {
                let mut cs = w.chars();
                let first = cs.next().expect("non-empty").to_ascii_uppercase();
                std::iter::once(first).chain(cs).collect()
            }
        })
        .collect()
}

/// Renders a policy document. `name` is the Terraform data source name or the CloudFormation
/// logical id (made valid for each: `pydynox-reader` → `pydynox-reader` / `PydynoxReaderPolicy`).
pub fn render(policy: &Value, name: &str, format: Format) -> String {
    match format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&Ordered(policy))
                .expect("a JSON value always serializes");
            s.push('\n');
            s
        }
        Format::Terraform => terraform(policy, name),
        Format::Cloudformation => cloudformation(policy, name),
    }
}

/// Policy keys in the order AWS documents them; other keys follow, sorted.
const KEY_ORDER: [&str; 12] = [
    "Version",
    "Id",
    "Statement",
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];

fn ordered_entries(map: &serde_json::Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut entries: Vec<(&String, &Value)> = map.iter().collect();
    entries.sort_by_key(|(k, _)| {
        (
            KEY_ORDER
                .iter()
                .position(|o| o == k)
                .unwrap_or(KEY_ORDER.len()),
            k.to_string(),
        )
    });
    entries
}

/// Serializes a JSON value with policy keys in [`KEY_ORDER`], whatever map type serde_json uses.
struct Ordered<'a>(&'a Value);

impl Serialize for Ordered<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Object(map) => {
                let mut m = s.serialize_map(Some(map.len()))?;
                for (k, v) in ordered_entries(map) {
                    m.serialize_entry(k, &Ordered(v))?;
                }
                m.end()
            }
            Value::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for v in items {
                    seq.serialize_element(&Ordered(v))?;
                }
                seq.end()
            }
            other => other.serialize(s),
        }
    }
}

fn statements_of(policy: &Value) -> Vec<&Value> {
    match policy.get("Statement") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(obj @ Value::Object(_)) => vec![obj],
        _ => Vec::new(),
    }
}

/// A string or list of strings as a list (numbers and booleans as their JSON text).
fn strings(v: Option<&Value>) -> Vec<String> {
    let one = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match v {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.iter().map(one).collect(),
        Some(other) => vec![one(other)],
    }
}

/// An HCL string literal: quotes and backslashes escaped, and `${`/`%{` doubled so Terraform
/// passes IAM policy variables through instead of interpolating them.
fn hcl(s: &str) -> String {
    let escaped = s
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
        .replace("${", "$${")
        .replace("%{", "%%{");
    format!("\"{escaped}\"")
}

fn hcl_list(out: &mut String, indent: &str, key: &str, items: &[String]) {
    out.push_str(&format!("\n{indent}{key} = [\n"));
    for i in items {
        out.push_str(&format!("{indent}  {},\n", hcl(i)));
    }
    out.push_str(&format!("{indent}]\n"));
}

/// A Terraform identifier: letters, digits, `_` and `-`, starting with a letter or `_`.
fn terraform_name(name: &str) -> String {
    let mut n: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !n.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        n.insert(0, '_');
    }
    n
}

fn terraform(policy: &Value, name: &str) -> String {
    let mut out = format!(
        "data \"aws_iam_policy_document\" {} {{\n",
        hcl(&terraform_name(name))
    );
    if let Some(Value::String(id)) = policy.get("Id") {
        out.push_str(&format!("  policy_id = {}\n", hcl(id)));
    }
    for (i, st) in statements_of(policy).into_iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str("  statement {\n");
        let sid = strings(st.get("Sid"));
        let effect = strings(st.get("Effect"));
        // `terraform fmt` aligns the `=` of adjacent one-line attributes.
        match (sid.first(), effect.first()) {
            (Some(sid), Some(effect)) => out.push_str(&format!(
                "    sid    = {}\n    effect = {}\n",
                hcl(sid),
                hcl(effect)
            )),
            (Some(sid), None) => out.push_str(&format!("    sid = {}\n", hcl(sid))),
            (None, Some(effect)) => out.push_str(&format!("    effect = {}\n", hcl(effect))),
            (None, None) => {}
        }
        for (key, attr) in [
            ("Action", "actions"),
            ("NotAction", "not_actions"),
            ("Resource", "resources"),
            ("NotResource", "not_resources"),
        ] {
            if st.get(key).is_some() {
                hcl_list(&mut out, "    ", attr, &strings(st.get(key)));
            }
        }
        if let Some(Value::Object(ops)) = st.get("Condition") {
            for (op, keys) in ops {
                let Value::Object(keys) = keys else { continue };
                for (key, values) in keys {
                    out.push_str(&format!(
                        "\n    condition {{\n      test     = {}\n      variable = {}\n      values   = [{}]\n    }}\n",
                        hcl(op),
                        hcl(key),
                        strings(Some(values))
                            .iter()
                            .map(|v| hcl(v))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
            }
        }
        out.push_str("  }\n");
    }
    out.push_str("}\n");
    out
}

/// A CloudFormation logical id: alphanumeric PascalCase ending in `Policy`.
fn logical_id(name: &str) -> String {
    let mut id = pascal(name);
    if !id.starts_with(|c: char| c.is_ascii_alphabetic()) {
        id.insert_str(0, "Pydynox");
    }
    if !id.ends_with("Policy") {
        id.push_str("Policy");
    }
    id
}

/// CloudFormation: the document is written as plain YAML strings, never through `!Sub`, so
/// `${...}` (IAM's policy variables and escapes such as `${*}`) reaches IAM unchanged and needs no
/// CloudFormation escaping (`!Sub` would read `${x}` as a substitution; its escape is `${!x}`).
fn cloudformation(policy: &Value, name: &str) -> String {
    let mut out = format!(
        "{}:\n  Type: AWS::IAM::ManagedPolicy\n  Properties:\n    Description: {}\n    PolicyDocument:\n",
        logical_id(name),
        yaml_scalar(&Value::String(
            "Permissions pydynox needs (generated by pydynox-iam)".into()
        ))
    );
    match policy {
        Value::Object(map) => yaml_mapping(&mut out, map, 6),
        other => out.push_str(&format!("      {}\n", yaml_scalar(other))),
    }
    out.push_str("    # Attach it with Roles: [...], Users: [...] or Groups: [...]\n");
    out
}

/// A YAML scalar. Strings are double-quoted: a JSON string is a valid YAML double-quoted
/// scalar, and quoting keeps `*`, `2012-10-17` and `arn:...` from being read as anything else.
fn yaml_scalar(v: &Value) -> String {
    match v {
        Value::Object(m) if m.is_empty() => "{}".to_string(),
        Value::Array(a) if a.is_empty() => "[]".to_string(),
        // Nested collections inside a sequence: JSON flow style is valid YAML.
        other => serde_json::to_string(other).expect("a JSON value always serializes"),
    }
}

fn yaml_key(k: &str) -> String {
    if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        k.to_string()
    } else {
        serde_json::to_string(k).expect("a string always serializes")
    }
}

fn yaml_mapping(out: &mut String, map: &serde_json::Map<String, Value>, indent: usize) {
    let pad = " ".repeat(indent);
    for (k, v) in ordered_entries(map) {
        let key = yaml_key(k);
        match v {
            Value::Object(m) if !m.is_empty() => {
                out.push_str(&format!("{pad}{key}:\n"));
                yaml_mapping(out, m, indent + 2);
            }
            Value::Array(items) if !items.is_empty() => {
                out.push_str(&format!("{pad}{key}:\n"));
                yaml_sequence(out, items, indent + 2);
            }
            scalar => out.push_str(&format!("{pad}{key}: {}\n", yaml_scalar(scalar))),
        }
    }
}

fn yaml_sequence(out: &mut String, items: &[Value], indent: usize) {
    let pad = " ".repeat(indent);
    for item in items {
        match item {
            Value::Object(m) if !m.is_empty() => {
                // Render the mapping two deeper, then put the dash in place of the first indent.
                let mut block = String::new();
                yaml_mapping(&mut block, m, indent + 2);
                let first = block.split_off(indent + 2);
                out.push_str(&format!("{pad}- {first}"));
            }
            // Scalars, and nested lists in JSON flow style.
            scalar => out.push_str(&format!("{pad}- {}\n", yaml_scalar(scalar))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{PolicyDocument, PolicyKind};
    use crate::needs::catalogue::{ContextEntry, ContextType};

    const TABLE: &str = "arn:aws:dynamodb:eu-west-1:111122223333:table/users";

    fn check(feature: &str, action: &str, kind: &str, resource: &str) -> Check {
        Check {
            feature: feature.into(),
            action: action.into(),
            resource: resource.into(),
            resource_kind: kind.into(),
            context: vec![ContextEntry {
                key: "dynamodb:ReturnConsumedCapacity".into(),
                kind: ContextType::String,
                values: vec!["TOTAL".into()],
            }],
        }
    }

    fn sample() -> Vec<Check> {
        vec![
            check("crud", "dynamodb:PutItem", "table", TABLE),
            check("crud", "dynamodb:GetItem", "table", TABLE),
            check("crud", "dynamodb:GetItem", "table", TABLE),
            check(
                "indexes",
                "dynamodb:Query",
                "index",
                &format!("{TABLE}/index/*"),
            ),
            check("ping", "dynamodb:ListTables", "any", "*"),
            check(
                "encryption-readwrite",
                "kms:Decrypt",
                "kms-key",
                "arn:aws:kms:eu-west-1:111122223333:key/k-1",
            ),
            check(
                "s3-attribute",
                "s3:PutObject",
                "s3-object",
                &format!("arn:aws:s3:::blobs/uploads/{S3_PROBE_OBJECT}"),
            ),
            check(
                "assume-role",
                "sts:AssumeRole",
                "role",
                "arn:aws:iam::111122223333:role/ops/target",
            ),
        ]
    }

    fn sids(policy: &Value) -> Vec<String> {
        statements_of(policy)
            .iter()
            .map(|s| s["Sid"].as_str().unwrap().to_string())
            .collect()
    }

    #[test]
    fn statements_merge_per_resource_and_action_set() {
        let p = minimal_policy(&sample());
        assert_eq!(p["Version"], "2012-10-17");
        assert_eq!(
            sids(&p),
            [
                "PydynoxTableUsers",
                "PydynoxIndexesUsers",
                "PydynoxListTables",
                "PydynoxKey",
                "PydynoxObjects",
                "PydynoxAssumeRoleTarget",
            ]
        );
        let table = &p["Statement"][0];
        assert_eq!(
            table["Action"],
            json!(["dynamodb:GetItem", "dynamodb:PutItem"])
        );
        assert_eq!(table["Resource"], json!([TABLE]));
        assert!(
            statements_of(&p)
                .iter()
                .all(|s| s.get("Condition").is_none())
        );
        // Tables that need the same actions share a statement, whatever the features.
        let orders = "arn:aws:dynamodb:eu-west-1:111122223333:table/orders";
        let checks = [
            check("crud", "dynamodb:GetItem", "table", TABLE),
            check("crud", "dynamodb:GetItem", "table", orders),
            check("query", "dynamodb:Query", "table", TABLE),
            check("query", "dynamodb:Query", "table", orders),
        ];
        let p = minimal_policy(&checks);
        assert_eq!(sids(&p), ["PydynoxTablesUsersOrders"]);
        assert_eq!(p["Statement"][0]["Resource"], json!([orders, TABLE]));
    }

    #[test]
    fn s3_grants_the_prefix_not_the_probe_object() {
        let p = minimal_policy(&sample());
        assert_eq!(
            p["Statement"][4]["Resource"],
            json!(["arn:aws:s3:::blobs/uploads/*"])
        );
        let no_prefix = [check(
            "s3-attribute",
            "s3:GetObject",
            "s3-object",
            &format!("arn:aws:s3:::blobs/{S3_PROBE_OBJECT}"),
        )];
        assert_eq!(
            minimal_policy(&no_prefix)["Statement"][0]["Resource"],
            json!(["arn:aws:s3:::blobs/*"])
        );
    }

    #[test]
    fn special_characters_in_prefixes_and_role_paths_are_escaped() {
        let checks = [
            check(
                "s3-attribute",
                "s3:GetObject",
                "s3-object",
                &format!("arn:aws:s3:::blobs/a*b?c${{aws:username}}/{S3_PROBE_OBJECT}"),
            ),
            check(
                "assume-role",
                "sts:AssumeRole",
                "role",
                "arn:aws:iam::111122223333:role/ops*/target",
            ),
        ];
        let p = minimal_policy(&checks);
        assert_eq!(
            p["Statement"][0]["Resource"],
            json!(["arn:aws:s3:::blobs/a${*}b${?}c${$}{aws:username}/*"])
        );
        assert_eq!(
            p["Statement"][1]["Resource"],
            json!(["arn:aws:iam::111122223333:role/ops${*}/target"])
        );
        // Fixes escape the same way.
        let refs: Vec<&Check> = checks.iter().collect();
        assert_eq!(
            fix_statement(&refs)[0]["Resource"],
            p["Statement"][0]["Resource"]
        );
    }

    #[test]
    fn star_only_for_list_tables() {
        let p = minimal_policy(&sample());
        for st in statements_of(&p) {
            if strings(st.get("Resource")).iter().any(|r| r == "*") {
                assert_eq!(st["Action"], json!(["dynamodb:ListTables"]));
            }
        }
    }

    #[test]
    fn fix_groups_stay_per_feature_and_sids_stay_unique() {
        let checks = [
            check("query", "dynamodb:Query", "table", TABLE),
            check("scan", "dynamodb:Query", "table", TABLE),
            // Two tables whose names both read `MyTable`.
            check(
                "crud",
                "dynamodb:GetItem",
                "table",
                "arn:aws:dynamodb:r:1:table/my-table",
            ),
            check(
                "crud",
                "dynamodb:GetItem",
                "table",
                "arn:aws:dynamodb:r:1:table/my_table",
            ),
        ];
        let refs: Vec<&Check> = checks.iter().collect();
        let fix = fix_statement(&refs);
        let fix_sids: Vec<&str> = fix
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["Sid"].as_str().unwrap())
            .collect();
        assert_eq!(
            fix_sids,
            [
                "PydynoxQueryScanTableUsers",
                "PydynoxCrudTableMyTable",
                "PydynoxCrudTableMyTable2"
            ]
        );
        // The policy merges them: users' Query, and both MyTables' GetItem.
        assert_eq!(
            sids(&minimal_policy(&checks)),
            ["PydynoxTableUsers", "PydynoxTablesMyTable"]
        );
    }

    #[test]
    fn reads_and_writes() {
        for a in [
            "dynamodb:GetItem",
            "dynamodb:BatchGetItem",
            "dynamodb:Query",
            "dynamodb:Scan",
            "dynamodb:PartiQLSelect",
            "dynamodb:DescribeTable",
            "dynamodb:ListTables",
            "kms:Decrypt",
            "kms:DescribeKey",
            "s3:GetObject",
        ] {
            assert!(is_read_action(a), "{a}");
        }
        for a in [
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
            "dynamodb:ConditionCheckItem",
            "dynamodb:BatchWriteItem",
            "dynamodb:PartiQLInsert",
            "dynamodb:CreateTable",
            "dynamodb:DeleteTable",
            "kms:GenerateDataKey",
            "kms:Encrypt",
            "kms:CreateGrant",
            "s3:PutObject",
            "s3:AbortMultipartUpload",
            "s3:DeleteObject",
            "sts:AssumeRole",
            "nonsense",
        ] {
            assert!(!is_read_action(a), "{a}");
        }
    }

    #[test]
    fn split_halves_each_hold_their_operations() {
        let (reader, writer) = split_read_write(&sample());
        let (reader, writer) = (reader.unwrap(), writer.unwrap());
        let actions = |p: &Value| -> BTreeSet<String> {
            statements_of(p)
                .iter()
                .flat_map(|s| strings(s.get("Action")))
                .collect()
        };
        let (r, w) = (actions(&reader), actions(&writer));
        assert!(r.contains("dynamodb:GetItem") && !r.contains("dynamodb:PutItem"));
        assert!(w.contains("dynamodb:PutItem") && !w.contains("dynamodb:GetItem"));
        // Both kinds of operation ping and assume the role.
        for both in ["dynamodb:ListTables", "sts:AssumeRole"] {
            assert!(r.contains(both) && w.contains(both), "{both}");
        }
        assert_eq!(sids(&reader)[0], "PydynoxTableUsersRead");
        assert_eq!(sids(&writer)[0], "PydynoxTableUsersWrite");
        // Reads only: no writer, rather than an empty Statement.
        let reads = [check("crud", "dynamodb:GetItem", "table", TABLE)];
        let (reader, writer) = split_read_write(&reads);
        assert!(reader.is_some() && writer.is_none());
        // A writer of ping alone would hold nothing of its own either.
        let reads = [
            check("query", "dynamodb:Query", "table", TABLE),
            check("ping", "dynamodb:ListTables", "any", "*"),
        ];
        assert!(split_read_write(&reads).1.is_none());
    }

    #[test]
    fn the_writer_can_create_tables_and_wait() {
        assert_eq!(
            half("table-management", "dynamodb:DescribeTable"),
            Half::Both
        );
        assert_eq!(
            half("table-management", "dynamodb:CreateTable"),
            Half::Write
        );
        assert_eq!(half("table-cmk", "kms:DescribeKey"), Half::Write);
        assert_eq!(half("table-cmk", "kms:CreateGrant"), Half::Write);
        assert_eq!(half("locks", "dynamodb:GetItem"), Half::Write);
        assert_eq!(half("transactions", "dynamodb:GetItem"), Half::Read);
        assert_eq!(half("encryption-readwrite", "kms:Decrypt"), Half::Read);
        assert_eq!(
            half("encryption-readwrite", "kms:GenerateDataKey"),
            Half::Write
        );
    }

    #[test]
    fn big_policies_are_cut_to_fit() {
        let tables: Vec<String> = (0..200)
            .map(|i| format!("arn:aws:dynamodb:eu-west-1:111122223333:table/service-table-{i:03}"))
            .collect();
        let mut checks: Vec<Check> = Vec::new();
        for t in &tables {
            checks.push(check("crud", "dynamodb:GetItem", "table", t));
            checks.push(check("crud", "dynamodb:PutItem", "table", t));
        }
        checks.push(check("ping", "dynamodb:ListTables", "any", "*"));
        let p = minimal_policy(&checks);
        assert!(policy_size(&p) > 6_144);
        let parts = fit(&p, 6_144);
        assert!(parts.len() >= 2, "{}", parts.len());
        let mut resources = BTreeSet::new();
        for part in &parts {
            assert!(policy_size(part) <= 6_144, "{}", policy_size(part));
            assert!(!statements_of(part).is_empty());
            for st in statements_of(part) {
                resources.extend(strings(st.get("Resource")));
            }
        }
        assert_eq!(resources.len(), tables.len() + 1, "nothing lost");
        let all_sids: Vec<String> = parts.iter().flat_map(sids).collect();
        let unique: BTreeSet<&String> = all_sids.iter().collect();
        assert_eq!(unique.len(), all_sids.len(), "{all_sids:?}");
        // Small policies come back whole.
        assert_eq!(fit(&minimal_policy(&sample()), 6_144).len(), 1);
        assert!(Quota::Managed.fits(&parts));
        assert!(!Quota::InlineRole.fits(&parts));
    }

    #[test]
    fn notes_for_keys_and_roles_say_their_policies_must_allow_too() {
        let n = notes(&sample(), Some("111122223333"));
        assert_eq!(n.len(), 2, "{n:?}");
        assert!(n[0].contains("key policy") && !n[0].contains("another account"));
        assert!(n[1].contains("trust policy"));
        let n = notes(&sample(), Some("444455556666"));
        assert!(n.iter().all(|x| x.contains("another account")), "{n:?}");
    }

    #[test]
    fn fix_statement_lists_statements_for_the_failing_checks() {
        let all = sample();
        let failing: Vec<&Check> = all.iter().filter(|c| c.feature == "ping").collect();
        assert_eq!(
            fix_statement(&failing),
            json!([{"Sid": "PydynoxPing", "Effect": "Allow", "Action": ["dynamodb:ListTables"], "Resource": ["*"]}])
        );
        assert_eq!(fix_statement(&[]), json!([]));
    }

    #[test]
    fn generated_policies_parse_as_identity_policies() {
        let (reader, writer) = split_read_write(&sample());
        for p in [
            minimal_policy(&sample()),
            reader.unwrap(),
            writer.unwrap(),
            minimal_policy(&[]),
        ] {
            let doc = PolicyDocument::parse(&render(&p, "x", Format::Json)).unwrap();
            doc.validate_for(PolicyKind::Identity).unwrap();
        }
    }

    #[test]
    fn json_keeps_the_conventional_key_order() {
        let out = render(&minimal_policy(&sample()[..1]), "pydynox", Format::Json);
        assert_eq!(
            out,
            r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "PydynoxTableUsers",
      "Effect": "Allow",
      "Action": [
        "dynamodb:PutItem"
      ],
      "Resource": [
        "arn:aws:dynamodb:eu-west-1:111122223333:table/users"
      ]
    }
  ]
}
"#
        );
    }

    #[test]
    fn terraform_data_source() {
        let mut checks = sample();
        checks.truncate(2);
        checks.push(check("ping", "dynamodb:ListTables", "any", "*"));
        let out = render(&minimal_policy(&checks), "pydynox app", Format::Terraform);
        assert_eq!(
            out,
            r#"data "aws_iam_policy_document" "pydynox_app" {
  statement {
    sid    = "PydynoxTableUsers"
    effect = "Allow"

    actions = [
      "dynamodb:GetItem",
      "dynamodb:PutItem",
    ]

    resources = [
      "arn:aws:dynamodb:eu-west-1:111122223333:table/users",
    ]
  }

  statement {
    sid    = "PydynoxListTables"
    effect = "Allow"

    actions = [
      "dynamodb:ListTables",
    ]

    resources = [
      "*",
    ]
  }
}
"#
        );
    }

    #[test]
    fn terraform_escapes_policy_variables_and_renders_conditions() {
        let p = json!({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/${aws:username}/*",
            "Condition": {"Bool": {"aws:SecureTransport": true}}}]});
        let out = render(&p, "1st", Format::Terraform);
        assert!(
            out.starts_with("data \"aws_iam_policy_document\" \"_1st\" {"),
            "{out}"
        );
        assert!(
            out.contains("\"arn:aws:s3:::b/$${aws:username}/*\""),
            "{out}"
        );
        assert!(out.contains("    effect = \"Allow\"\n"), "{out}");
        assert!(
            out.contains("test     = \"Bool\"\n      variable = \"aws:SecureTransport\"\n      values   = [\"true\"]"),
            "{out}"
        );
    }

    #[test]
    fn cloudformation_managed_policy() {
        let mut checks = sample();
        checks.truncate(1);
        checks.push(check("ping", "dynamodb:ListTables", "any", "*"));
        let out = render(
            &minimal_policy(&checks),
            "pydynox-reader",
            Format::Cloudformation,
        );
        assert_eq!(
            out,
            r#"PydynoxReaderPolicy:
  Type: AWS::IAM::ManagedPolicy
  Properties:
    Description: "Permissions pydynox needs (generated by pydynox-iam)"
    PolicyDocument:
      Version: "2012-10-17"
      Statement:
        - Sid: "PydynoxTableUsers"
          Effect: "Allow"
          Action:
            - "dynamodb:PutItem"
          Resource:
            - "arn:aws:dynamodb:eu-west-1:111122223333:table/users"
        - Sid: "PydynoxListTables"
          Effect: "Allow"
          Action:
            - "dynamodb:ListTables"
          Resource:
            - "*"
    # Attach it with Roles: [...], Users: [...] or Groups: [...]
"#
        );
    }

    #[test]
    fn cloudformation_quotes_condition_keys_and_empty_statements() {
        let p = json!({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceVpc": ["vpc-1", "vpc-2"]}}}]});
        let out = render(&p, "p", Format::Cloudformation);
        assert!(
            out.contains("          Condition:\n            StringEquals:\n              \"aws:SourceVpc\":\n                - \"vpc-1\"\n"),
            "{out}"
        );
        let empty = render(&minimal_policy(&[]), "p", Format::Cloudformation);
        assert!(empty.contains("      Statement: []\n"), "{empty}");
    }

    #[test]
    fn formats_parse_from_flags() {
        assert_eq!("TF".parse::<Format>(), Ok(Format::Terraform));
        assert_eq!(
            "cloudformation".parse::<Format>(),
            Ok(Format::Cloudformation)
        );
        let err = "xml".parse::<Format>().unwrap_err();
        assert!(err.contains("`xml`") && err.contains("terraform"), "{err}");
    }
}
