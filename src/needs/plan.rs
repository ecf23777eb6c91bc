//! The validated plan of a `check` run, built from command-line input without any I/O, and
//! its expansion into concrete checks (feature, action, resource ARN, context) once the
//! principal's account and the region are known. Must not call AWS.

use std::collections::{BTreeMap, BTreeSet};

use semver::Version;
use serde::Serialize;

use crate::iam::arn::{
    KeyInput, PrincipalKind, PrincipalRef, parse_key_input, principal_from_arn,
    principal_from_input,
};
use crate::needs::catalogue::{Catalogue, ContextEntry, ContextType, parse_version};

/// Whose permissions are checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PrincipalSelector {
    /// The identity the tool runs as (a post-deploy job running as the service's role).
    Caller,
    Named(PrincipalRef),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IndexSelection {
    None,
    Named(Vec<String>),
    /// `table/T/index/*`: every index of the table.
    All,
}

/// Resources as the user named them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResourceInputs {
    pub tables: Vec<String>,
    pub indexes: IndexSelection,
    pub kms_key: Option<KeyInput>,
    pub bucket: Option<String>,
    /// The S3 key prefix as pydynox stores it ([`pydynox_prefix`]): `docs` is `docs/`.
    pub prefix: String,
    pub assume_role_arn: Option<String>,
    /// The table `pydynox.lock` keeps its locks in (`--lock-table`), a name or table ARN.
    pub lock_table: Option<String>,
}

/// The resource kinds [`expand`] fills; the catalogue may use no other.
pub use crate::needs::catalogue::RESOURCE_KINDS;

/// Whether a table's resource-based policy governs requests on this resource kind: the table
/// itself, its indexes, and a lock table (a table like any other). DynamoDB: "Using
/// resource-based policies for DynamoDB" (a table's policy also covers its indexes).
pub fn governed_by_table_policy(kind: &str) -> bool {
    matches!(kind, "table" | "index" | "lock-table")
}

impl ResourceInputs {
    /// Whether the input supplies a resource kind of the catalogue.
    pub fn declares(&self, kind: &str) -> bool {
        match kind {
            "table" => !self.tables.is_empty(),
            "index" => !self.tables.is_empty() && self.indexes != IndexSelection::None,
            "lock-table" => self.lock_table.is_some(),
            "kms-key" => self.kms_key.is_some(),
            "s3-object" => self.bucket.is_some(),
            "role" => self.assume_role_arn.is_some(),
            "any" => true,
            _ => false,
        }
    }
}

/// A validated plan; serialized into a saved run, so a replay can be compared with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckPlan {
    pub principal: PrincipalSelector,
    pub features: Vec<String>,
    #[serde(serialize_with = "version_text")]
    pub version: Version,
    pub resources: ResourceInputs,
    pub extra_context: Vec<ContextEntry>,
    /// What the plan itself wants the report to say: features `all` left out and why, a
    /// prefix pydynox stores differently from how it was written, a lock table that is also a
    /// data table.
    pub notes: Vec<String>,
    /// What the service's code needs (`--app`): exact checks beside the features', and rows
    /// that cannot pass until the code says more ([`crate::needs::app`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app: Option<crate::needs::app::AppNeeds>,
}

/// The error of a plan with nothing to check.
pub const NO_FEATURE: &str =
    "no feature to check: name at least one with --features (see `pydynox-iam features`)";

fn version_text<S: serde::Serializer>(v: &Version, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&v.to_string())
}

/// Whether DynamoDB tables' resource policies are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TablePolicies {
    /// Read each table's policy (`dynamodb:GetResourcePolicy`) and evaluate it; one that
    /// cannot be read makes that table's rows inconclusive.
    #[default]
    Read,
    /// `--no-table-policy`: the user states the tables have none. Nothing is read, and every
    /// report says so.
    AssumeNone,
}

/// The key prefix pydynox writes S3 objects under for `S3Attribute(prefix=...)`: pydynox's
/// `S3Attribute.__init__` (python/pydynox/attributes/s3.py) does
/// `self.prefix = prefix.rstrip("/") + "/" if prefix else ""`, and builds keys as
/// `{self.prefix}{pk}/{sk}/{name}`. So `docs` and `docs//` store under `docs/`, and `""` at
/// the bucket's root. The same line is in every release that has S3Attribute (0.12.0, where
/// it was added, through 1.8.0: read in the 0.2x source with `hash_key` and in the published
/// 1.8.0 wheel); a release that changes it gets its own arm here, keyed by `version`.
pub fn pydynox_prefix(_version: &Version, prefix: &str) -> String {
    if prefix.is_empty() {
        String::new()
    } else {
        format!("{}/", prefix.trim_end_matches('/'))
    }
}

/// Why an index name given for `flag` cannot be a DynamoDB index: index names follow the table
/// naming rule, 3 to 255 of `a-z A-Z 0-9 _ - .` (DynamoDB developer guide, "Supported data
/// types and naming rules"); no `*` or `?`, which DynamoDB names cannot hold and IAM would read
/// as wildcards, and no ARN (the index's table is --table). `TABLE/INDEX` names the index of
/// one table (whether TABLE is a --table is checked with the other resources); each part
/// follows the naming rule.
pub fn index_input_error(flag: &str, input: &str) -> Option<String> {
    let name_ok = crate::iam::names::is_dynamodb_name;
    let valid = match input.split_once('/') {
        Some((table, index)) => name_ok(table) && name_ok(index),
        None => name_ok(input),
    };
    (!valid).then(|| {
        format!(
            "{flag} `{input}` is not a DynamoDB index name, or TABLE/INDEX (3 to 255 letters, digits, `_`, `-` or `.` each; no wildcards, no ARN: the table is --table)"
        )
    })
}

/// Why a table name or ARN given for `flag` cannot be a DynamoDB table, if it cannot: a name
/// is up to 255 of `a-z A-Z 0-9 _ - .` (DynamoDB developer guide, "Supported data types and
/// naming rules", which also sets a minimum of 3; a shorter name is not refused here: it can
/// only be a table that does not exist, which fails to read, never passes); an ARN must be a table ARN (`arn:PARTITION:dynamodb:REGION:ACCOUNT:table/NAME`),
/// not an index's, a wildcard or another service's.
pub fn table_input_error(flag: &str, input: &str) -> Option<String> {
    let valid_name = |n: &str| {
        (1..=255).contains(&n.len())
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    };
    if input.starts_with("arn:") {
        let table = crate::iam::arn::table_arn_of(input);
        let ok = table == Some(input)
            && crate::iam::arn::table_name_of(input).is_some_and(valid_name)
            && crate::iam::arn::Arn::parse(input)
                .is_some_and(|a| !a.region.is_empty() && !a.account.is_empty());
        (!ok).then(|| {
            format!(
                "{flag} `{input}` is not a DynamoDB table ARN (arn:aws:dynamodb:REGION:ACCOUNT:table/NAME, no wildcards, no index)"
            )
        })
    } else {
        (!valid_name(input)).then(|| {
            format!(
                "{flag} `{input}` is not a DynamoDB table name (up to 255 letters, digits, `_`, `-` or `.`) nor a table ARN"
            )
        })
    }
}

/// Type words that are not context types (a mistake for `boolean`, `numeric`, `date`, ...).
const LOOKS_LIKE_A_TYPE: &[&str] = &[
    "bool",
    "int",
    "integer",
    "number",
    "num",
    "float",
    "str",
    "datetime",
    "timestamp",
    "list",
    "bytes",
    "ipaddress",
    "cidr",
];

/// Parses `--context KEY=TYPE:VALUE[,VALUE]` (TYPE optional, default string).
pub fn parse_context_arg(s: &str) -> Result<ContextEntry, String> {
    let (key, rest) = s.split_once('=').ok_or_else(|| {
        format!("`{s}` is not KEY=TYPE:VALUE[,VALUE] (for example aws:SourceIp=ip:10.0.0.1)")
    })?;
    let key = key.trim();
    if key.is_empty() || !key.contains(':') {
        return Err(format!(
            "`{key}` is not a condition key (expected service:Name, e.g. aws:SourceIp)"
        ));
    }
    let (kind, values) = match rest.split_once(':') {
        Some((t, v)) if ContextType::parse(t).is_some() => {
            (ContextType::parse(t).expect("checked"), v)
        }
        // A type word this tool does not take (`bool:maybe`) is a mistake, not a string value.
        Some((t, _)) if LOOKS_LIKE_A_TYPE.contains(&t.to_ascii_lowercase().as_str()) => {
            return Err(format!(
                "`{t}` in `{s}` is not a context type; use one of string, numeric, boolean, date, ip, binary (or their List forms, e.g. stringList)"
            ));
        }
        _ => (ContextType::String, rest),
    };
    let values: Vec<String> = values.split(',').map(|v| v.trim().to_string()).collect();
    if values.iter().any(|v| v.is_empty()) {
        return Err(format!("`{s}` has an empty value"));
    }
    // Each value must be one of its type, read as AWS reads condition values
    // (reference_policies_elements_condition_operators): a value that is not one would make
    // every condition on the key fail to match, silently.
    for v in &values {
        use crate::engine::values;
        let ok = match kind.as_str().trim_end_matches("List") {
            "numeric" => values::Decimal::parse(v).is_some(),
            "boolean" => values::parse_bool(v).is_some(),
            "date" => values::parse_date(v).is_some(),
            "ip" => values::parse_ip(v).is_some() || values::Cidr::parse(v).is_some(),
            "binary" => values::base64_decode(v).is_some(),
            _ => true,
        };
        if !ok {
            return Err(format!(
                "`{v}` in `{s}` is not a {} value{}",
                kind.as_str().trim_end_matches("List"),
                match kind.as_str().trim_end_matches("List") {
                    "boolean" => " (true or false)",
                    "date" =>
                        " (an ISO 8601 date-time such as 2027-01-31T12:00:00Z, or epoch seconds)",
                    "numeric" => " (a number such as 42 or 1.5)",
                    "ip" => " (an IPv4 or IPv6 address or CIDR block)",
                    "binary" => " (base64)",
                    _ => "",
                }
            ));
        }
    }
    Ok(ContextEntry {
        key: key.to_string(),
        kind,
        values,
    })
}

/// The resource kinds a feature needs in `version` that `res` does not declare (a check
/// that only applies with another kind declared, such as PartiQL on an index, needs nothing).
fn missing_kinds<'c>(
    cat: &'c Catalogue,
    feature: &'c crate::needs::catalogue::Feature,
    version: &Version,
    res: &ResourceInputs,
) -> BTreeSet<&'c str> {
    let mut missing = BTreeSet::new();
    for c in cat.checks_for(feature, version) {
        if let Some(w) = &c.only_with
            && !res.declares(w)
        {
            continue;
        }
        if !res.declares(&c.resource) {
            missing.insert(c.resource.as_str());
        }
    }
    missing
}

/// The flag that supplies a resource kind, as messages name it.
fn flag_of<'c>(cat: &'c Catalogue, kind: &'c str, res: &ResourceInputs) -> String {
    let flag = cat
        .resources
        .get(kind)
        .map(|k| k.flag.as_str())
        .unwrap_or(kind);
    if kind == "index" && res.tables.is_empty() {
        format!("{flag} (and --table)")
    } else {
        flag.to_string()
    }
}

/// Checks that every declared feature has the resources it needs; every problem is
/// reported at once, each naming the flag that supplies the missing resource.
pub fn validate_resources(
    cat: &Catalogue,
    features: &[String],
    version: &Version,
    res: &ResourceInputs,
) -> Result<(), Vec<String>> {
    let mut errors = Vec::new();
    for name in features {
        let Some(f) = cat.feature(name) else { continue };
        for kind in missing_kinds(cat, f, version, res) {
            errors.push(format!(
                "feature `{name}` needs {}",
                flag_of(cat, kind, res)
            ));
        }
    }
    if res.indexes != IndexSelection::None && res.tables.is_empty() {
        errors.push("--index/--all-indexes need --table".to_string());
    }
    if let IndexSelection::Named(names) = &res.indexes {
        for i in names {
            if let Some((owner, _)) = i.split_once('/')
                && !res.tables.is_empty()
                && !res
                    .tables
                    .iter()
                    .any(|t| crate::iam::arn::table_name_of(t).unwrap_or(t) == owner)
            {
                errors.push(format!(
                    "--index `{i}` names table `{owner}`, which is not a --table"
                ));
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// What to check, as flags or a config file's service entry give it, before validation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanInput {
    pub role: Option<String>,
    pub user: Option<String>,
    pub principal: Option<String>,
    pub features: Vec<String>,
    pub tables: Vec<String>,
    pub indexes: Vec<String>,
    pub all_indexes: bool,
    pub kms_key: Option<String>,
    pub bucket: Option<String>,
    pub prefix: String,
    pub assume_role_arn: Option<String>,
    pub lock_table: Option<String>,
    pub pydynox_version: Option<String>,
    /// `KEY=TYPE:VALUE[,VALUE]` entries.
    pub context: Vec<String>,
}

/// The features a selection names, in catalogue order, every one present in `version`.
///
/// `all` means every feature of that release whose resources were given: a feature `all`
/// would include but whose resource flag is missing (`locks` without `--lock-table`,
/// `s3-attribute` without `--bucket`) is left out and named in the returned notes, with the
/// flag that would include it, as are features the release does not have yet. A feature
/// named on its own must exist in the release and have its resources (else an error names
/// the release that introduced it, or the flag). So `all` never adds a vacuous check and
/// never hides that it left something out.
fn select_features(
    cat: &Catalogue,
    names: &[String],
    version: &Version,
    res: &ResourceInputs,
    errors: &mut Vec<String>,
) -> Option<(Vec<String>, Vec<String>)> {
    let is_all = |n: &String| n.trim().eq_ignore_ascii_case("all");
    let explicit: Vec<&String> = names.iter().filter(|n| !is_all(n)).collect();
    let named = match cat.resolve_features_at(&explicit, version) {
        Ok(n) => n,
        Err(errs) => {
            errors.extend(errs.into_iter().map(|e| e.to_string()));
            return None;
        }
    };
    let mut notes = Vec::new();
    let mut wanted: BTreeSet<String> = named.into_iter().collect();
    if names.iter().any(is_all) {
        let mut left_out = Vec::new();
        let mut not_yet = Vec::new();
        for f in &cat.features {
            if wanted.contains(&f.name) {
                continue;
            }
            if !cat.has_feature(f, version) {
                not_yet.push(format!(
                    "{} (from {})",
                    f.name,
                    f.since.as_deref().unwrap_or("?")
                ));
                continue;
            }
            let missing = missing_kinds(cat, f, version, res);
            if missing.is_empty() {
                wanted.insert(f.name.clone());
            } else {
                let flags: Vec<String> = missing.iter().map(|k| flag_of(cat, k, res)).collect();
                left_out.push(format!("{} (needs {})", f.name, flags.join(", ")));
            }
        }
        if !left_out.is_empty() {
            notes.push(format!(
                "`all` left out the features whose resources were not given: {}",
                left_out.join("; ")
            ));
        }
        if !not_yet.is_empty() {
            notes.push(format!(
                "`all` means the features pydynox {version} has; not in it yet: {}",
                not_yet.join(", ")
            ));
        }
    }
    let features = cat
        .features
        .iter()
        .filter(|f| wanted.contains(&f.name))
        .map(|f| f.name.clone())
        .collect();
    Some((features, notes))
}

/// Validates input into a plan without I/O, reporting every problem at once. Messages name
/// the command-line flag (a config file's keys have the same names, with `_` for `-`).
pub fn build_plan(cat: &Catalogue, a: &PlanInput) -> Result<CheckPlan, Vec<String>> {
    let mut errors = Vec::new();
    let principal = if let Some(r) = &a.role {
        principal_from_input(PrincipalKind::Role, r)
            .map(PrincipalSelector::Named)
            .map_err(|e| e.to_string())
    } else if let Some(u) = &a.user {
        principal_from_input(PrincipalKind::User, u)
            .map(PrincipalSelector::Named)
            .map_err(|e| e.to_string())
    } else if let Some(p) = &a.principal {
        principal_from_arn(p)
            .map(PrincipalSelector::Named)
            .map_err(|e| e.to_string())
    } else {
        Ok(PrincipalSelector::Caller)
    };
    let principal = principal.map_err(|e| errors.push(e)).ok();
    let version = match &a.pydynox_version {
        Some(v) => parse_version(v)
            .map_err(|e| errors.push(e.to_string()))
            .ok(),
        None => Some(cat.newest()),
    };
    let kms_key = match &a.kms_key {
        Some(k) => match parse_key_input(k) {
            Some(k) => Some(k),
            None => {
                errors.push(format!(
                    "--kms-key `{k}` is not a KMS key ARN, key id or alias"
                ));
                None
            }
        },
        None => None,
    };
    if let Some(r) = &a.assume_role_arn
        && principal_from_arn(r)
            .map(|p| p.kind != PrincipalKind::Role || p.session.is_some())
            .unwrap_or(true)
    {
        errors.push(format!(
            "--assume-role-arn `{r}` is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)"
        ));
    }
    if let Some(b) = &a.bucket
        && (b.is_empty()
            || b.starts_with("arn:")
            || !b
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')))
    {
        errors.push(format!(
            "--bucket `{b}` must be a bucket name (put the key prefix in --prefix)"
        ));
    }
    for t in &a.tables {
        errors.extend(table_input_error("--table", t));
    }
    if let Some(t) = &a.lock_table {
        errors.extend(table_input_error("--lock-table", t));
    }
    let mut extra_context = Vec::new();
    for c in &a.context {
        match parse_context_arg(c) {
            Ok(e) => extra_context.push(e),
            Err(e) => errors.push(format!("--context: {e}")),
        }
    }
    let prefix = version
        .as_ref()
        .map(|v| pydynox_prefix(v, &a.prefix))
        .unwrap_or_else(|| a.prefix.clone());
    let resources = ResourceInputs {
        tables: a.tables.clone(),
        indexes: if a.all_indexes {
            IndexSelection::All
        } else if a.indexes.is_empty() {
            IndexSelection::None
        } else {
            for i in &a.indexes {
                if let Some(e) = index_input_error("--index", i) {
                    errors.push(e);
                }
            }
            IndexSelection::Named(a.indexes.clone())
        },
        kms_key,
        bucket: a.bucket.clone(),
        prefix,
        assume_role_arn: a.assume_role_arn.clone(),
        lock_table: a.lock_table.clone(),
    };
    let selected = version
        .as_ref()
        .and_then(|v| select_features(cat, &a.features, v, &resources, &mut errors));
    let (features, mut notes) = match selected {
        Some((f, n)) => (Some(f), n),
        None => (None, Vec::new()),
    };
    if let (Some(f), Some(v)) = (&features, &version)
        && let Err(errs) = validate_resources(cat, f, v, &resources)
    {
        errors.extend(errs);
    }
    if let Some(f) = &features
        && f.is_empty()
        && errors.is_empty()
    {
        errors.push(NO_FEATURE.into());
    }
    notes.extend(resource_notes(
        a,
        &resources,
        features.as_deref().unwrap_or(&[]),
    ));
    match (principal, features, version) {
        (Some(principal), Some(features), Some(version)) if errors.is_empty() => Ok(CheckPlan {
            principal,
            features,
            version,
            resources,
            extra_context,
            notes,
            app: None,
        }),
        _ => Err(errors),
    }
}

/// Notes on resources as the plan reads them: a prefix pydynox stores differently from how it
/// was written, and a lock table that is also a data table.
fn resource_notes(a: &PlanInput, res: &ResourceInputs, features: &[String]) -> Vec<String> {
    let mut notes = Vec::new();
    if res.bucket.is_some() && res.prefix != a.prefix {
        notes.push(format!(
            "pydynox stores `S3Attribute(prefix=\"{}\")` under `{}`, so the S3 rows check `{}`",
            a.prefix, res.prefix, res.prefix
        ));
    }
    if let Some(lock) = &res.lock_table {
        let name = |t: &str| crate::iam::arn::table_name_of(t).unwrap_or(t).to_string();
        let uses_lock = features.iter().any(|f| f.starts_with("locks"));
        if uses_lock && res.tables.iter().any(|t| name(t) == name(lock)) {
            notes.push(format!(
                "the lock table `{}` is also a data table: it is checked for the lock features and for the data features, each with the request context pydynox sends for it",
                name(lock)
            ));
        }
    }
    notes
}

/// What the plan's templates are filled with once AWS has answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Env {
    pub partition: String,
    pub region: String,
    pub account: String,
    /// The KMS key ARN (an alias already resolved).
    pub key_arn: Option<String>,
}

/// One concrete question: may the principal perform `action` on `resource` in `context`?
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub feature: String,
    pub action: String,
    pub resource: String,
    pub resource_kind: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub context: Vec<ContextEntry>,
}

/// The object key used for S3 checks: a representative object under the prefix.
pub const S3_PROBE_OBJECT: &str = "pydynox-iam-check";

fn table_arn(env: &Env, table: &str) -> String {
    if table.starts_with("arn:") {
        table.to_string()
    } else {
        format!(
            "arn:{}:dynamodb:{}:{}:table/{}",
            env.partition, env.region, env.account, table
        )
    }
}

/// Whether text still has a `{placeholder}` of a resource template.
pub fn has_placeholder(text: &str) -> bool {
    crate::needs::catalogue::TEMPLATE_PLACEHOLDERS
        .iter()
        .any(|p| text.contains(&format!("{{{p}}}")))
}

/// Fills a template's `{placeholders}` in one pass: a value is never scanned again, so a
/// user's bucket or prefix that happens to contain `{region}` stays as written.
fn fill(template: &str, vars: &BTreeMap<&str, String>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) if vars.contains_key(&after[..close]) => {
                out.push_str(&vars[&after[..close]]);
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Expands the plan into concrete checks, in feature order, then catalogue order, then
/// resource order. Table and index ARNs given by the user are used as is.
pub fn expand(cat: &Catalogue, plan: &CheckPlan, env: &Env) -> Vec<Check> {
    let res = &plan.resources;
    let mut out = Vec::new();
    for name in &plan.features {
        let Some(f) = cat.feature(name) else { continue };
        for c in cat.checks_for(f, &plan.version) {
            if let Some(w) = &c.only_with
                && !res.declares(w)
            {
                continue;
            }
            let Some(kind) = cat.resources.get(&c.resource) else {
                continue;
            };
            let mut base: BTreeMap<&str, String> = BTreeMap::new();
            base.insert("partition", env.partition.clone());
            base.insert("region", env.region.clone());
            base.insert("account", env.account.clone());
            let mut arns = Vec::new();
            match c.resource.as_str() {
                "table" => arns.extend(res.tables.iter().map(|t| table_arn(env, t))),
                "index" => {
                    let names: Vec<String> = match &res.indexes {
                        IndexSelection::None => vec![],
                        IndexSelection::All => vec!["*".into()],
                        IndexSelection::Named(n) => n.clone(),
                    };
                    for t in &res.tables {
                        let table = crate::iam::arn::table_name_of(t).unwrap_or(t);
                        for i in &names {
                            // `TABLE/INDEX` is that table's index only; a bare name, every
                            // table's.
                            let index = match i.split_once('/') {
                                Some((owner, index)) if owner == table => index,
                                Some(_) => continue,
                                None => i.as_str(),
                            };
                            arns.push(format!("{}/index/{}", table_arn(env, t), index));
                        }
                    }
                }
                "lock-table" => arns.extend(res.lock_table.iter().map(|t| table_arn(env, t))),
                "kms-key" => arns.extend(env.key_arn.clone()),
                "s3-object" => {
                    if let Some(b) = &res.bucket {
                        let mut v = base.clone();
                        v.insert("bucket", b.clone());
                        // Normalised again: a plan built by hand gets pydynox's prefix too.
                        v.insert("prefix", pydynox_prefix(&plan.version, &res.prefix));
                        v.insert("object", S3_PROBE_OBJECT.into());
                        arns.push(fill(&kind.template, &v));
                    }
                }
                "role" => arns.extend(res.assume_role_arn.clone()),
                // Only `any` is left (RESOURCE_KINDS; the catalogue may use no other kind),
                // whose template has the run's own placeholders at most.
                _ => arns.push(fill(&kind.template, &base)),
            }

            for arn in arns {
                out.push(Check {
                    feature: f.name.clone(),
                    action: c.action.clone(),
                    resource: arn,
                    resource_kind: c.resource.clone(),
                    context: merge_context(&c.context, &plan.extra_context),
                });
            }
        }
    }
    if let Some(app) = &plan.app {
        expand_app(cat, plan, app, env, &mut out);
    }
    out
}

/// The code's exact needs (`--app`): each action on its resource, with the catalogue's
/// context for that action in the release; a check the features already make is not repeated.
fn expand_app(
    cat: &Catalogue,
    plan: &CheckPlan,
    app: &crate::needs::app::AppNeeds,
    env: &Env,
    out: &mut Vec<Check>,
) {
    use crate::needs::app::AppResource;
    for need in &app.checks {
        let Some(f) = cat.feature(&need.feature) else {
            continue;
        };
        let kind = need.resource.kind();
        let arn = match &need.resource {
            AppResource::Table { table } | AppResource::LockTable { table } => {
                Some(table_arn(env, table))
            }
            AppResource::Index { table, index } => {
                Some(format!("{}/index/{index}", table_arn(env, table)))
            }
            AppResource::KmsKey => env.key_arn.clone(),
            AppResource::S3Prefix { prefix } => plan.resources.bucket.as_ref().and_then(|b| {
                let template = &cat.resources.get("s3-object")?.template;
                let mut v: BTreeMap<&str, String> = BTreeMap::new();
                v.insert("partition", env.partition.clone());
                v.insert("region", env.region.clone());
                v.insert("account", env.account.clone());
                v.insert("bucket", b.clone());
                v.insert("prefix", pydynox_prefix(&plan.version, prefix));
                v.insert("object", S3_PROBE_OBJECT.into());
                Some(fill(template, &v))
            }),
            AppResource::Role { arn } => Some(arn.clone()),
            AppResource::Any => cat.resources.get("any").map(|k| {
                let mut v: BTreeMap<&str, String> = BTreeMap::new();
                v.insert("partition", env.partition.clone());
                v.insert("region", env.region.clone());
                v.insert("account", env.account.clone());
                fill(&k.template, &v)
            }),
        };
        // `needs::app` put the key and bucket in the plan, so both are known here.
        let Some(arn) = arn else { continue };
        for c in cat.checks_for(f, &plan.version) {
            if c.action != need.action || c.resource != kind {
                continue;
            }
            let check = Check {
                feature: f.name.clone(),
                action: c.action.clone(),
                resource: arn.clone(),
                resource_kind: c.resource.clone(),
                context: merge_context(&c.context, &plan.extra_context),
            };
            if !out.contains(&check) {
                out.push(check);
            }
        }
    }
}

/// Catalogue context plus the user's `--context`; the user's value wins for the same key.
fn merge_context(catalogue: &[ContextEntry], extra: &[ContextEntry]) -> Vec<ContextEntry> {
    let mut by_key: BTreeMap<String, ContextEntry> = BTreeMap::new();
    for e in catalogue.iter().chain(extra) {
        by_key.insert(e.key.to_ascii_lowercase(), e.clone());
    }
    by_key.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iam::arn::KeyInput;

    fn inputs() -> ResourceInputs {
        ResourceInputs {
            tables: vec!["users".into()],
            indexes: IndexSelection::None,
            kms_key: None,
            bucket: None,
            prefix: String::new(),
            assume_role_arn: None,
            lock_table: None,
        }
    }

    fn env() -> Env {
        Env {
            partition: "aws".into(),
            region: "eu-west-1".into(),
            account: "111122223333".into(),
            key_arn: None,
        }
    }

    #[test]
    fn context_args() {
        let e = parse_context_arg("aws:SourceIp=ip:10.0.0.1").unwrap();
        assert_eq!(
            (e.key.as_str(), e.kind, e.values.clone()),
            (
                "aws:SourceIp",
                ContextType::Ip,
                vec!["10.0.0.1".to_string()]
            )
        );
        let e = parse_context_arg("aws:PrincipalTag/team=a,b").unwrap();
        assert_eq!((e.kind, e.values.len()), (ContextType::String, 2));
        // An IPv6 value without a type is one string, not a type prefix.
        let e = parse_context_arg("aws:SourceIp=2001:db8::1").unwrap();
        assert_eq!(e.values, vec!["2001:db8::1".to_string()]);
        assert!(parse_context_arg("novalue").is_err());
        assert!(parse_context_arg("k=v").is_err());
        assert!(parse_context_arg("aws:x=string:").is_err());
    }

    #[test]
    fn missing_resources_name_their_flags_all_at_once() {
        let cat = Catalogue::embedded();
        let features = cat
            .resolve_features(&["indexes", "encryption", "s3-attribute", "ping"])
            .unwrap();
        let mut res = inputs();
        res.tables.clear();
        let errs = validate_resources(&cat, &features, &cat.newest(), &res).unwrap_err();
        let all = errs.join("\n");
        assert!(
            all.contains("feature `indexes` needs --index or --all-indexes (and --table)"),
            "{all}"
        );
        assert!(
            all.contains("feature `encryption-readwrite` needs --kms-key"),
            "{all}"
        );
        assert!(
            all.contains("feature `s3-attribute` needs --bucket"),
            "{all}"
        );
        assert!(!all.contains("ping"), "{all}");
    }

    #[test]
    fn expands_tables_indexes_and_keys() {
        let cat = Catalogue::embedded();
        let mut res = inputs();
        res.tables
            .push("arn:aws:dynamodb:us-east-1:444455556666:table/orders".into());
        res.indexes = IndexSelection::Named(vec!["by-email".into()]);
        res.kms_key = Some(KeyInput::KeyArn(
            "arn:aws:kms:eu-west-1:111122223333:key/k".into(),
        ));
        let plan = CheckPlan {
            principal: PrincipalSelector::Caller,
            features: cat
                .resolve_features(&["indexes", "kms-readonly", "ping", "partiql"])
                .unwrap(),
            version: cat.newest(),
            resources: res,
            extra_context: vec![],
            notes: vec![],
            app: None,
        };
        let mut e = env();
        e.key_arn = Some("arn:aws:kms:eu-west-1:111122223333:key/k".into());
        let checks = expand(&cat, &plan, &e);
        let pairs: Vec<(String, String)> = checks
            .iter()
            .map(|c| (c.action.clone(), c.resource.clone()))
            .collect();
        assert!(pairs.contains(&(
            "dynamodb:Query".into(),
            "arn:aws:dynamodb:eu-west-1:111122223333:table/users/index/by-email".into()
        )));
        assert!(pairs.contains(&(
            "dynamodb:Scan".into(),
            "arn:aws:dynamodb:us-east-1:444455556666:table/orders/index/by-email".into()
        )));
        assert!(pairs.contains(&("dynamodb:ListTables".into(), "*".into())));
        assert!(pairs.contains(&(
            "kms:Decrypt".into(),
            "arn:aws:kms:eu-west-1:111122223333:key/k".into()
        )));
        // PartiQL on the index is checked because an index was declared.
        assert!(pairs.contains(&(
            "dynamodb:PartiQLSelect".into(),
            "arn:aws:dynamodb:eu-west-1:111122223333:table/users/index/by-email".into()
        )));
    }

    #[test]
    fn user_context_overrides_catalogue_context() {
        let cat = Catalogue::embedded();
        let plan = CheckPlan {
            principal: PrincipalSelector::Caller,
            features: vec!["crud".into()],
            version: cat.newest(),
            resources: inputs(),
            extra_context: vec![parse_context_arg("dynamodb:ReturnConsumedCapacity=NONE").unwrap()],
            notes: vec![],
            app: None,
        };
        let checks = expand(&cat, &plan, &env());
        assert_eq!(checks.len(), 4);
        assert!(
            checks
                .iter()
                .all(|c| c.context.len() == 1 && c.context[0].values == vec!["NONE".to_string()])
        );
    }

    fn input(features: &[&str]) -> PlanInput {
        PlanInput {
            features: features.iter().map(|s| s.to_string()).collect(),
            tables: vec!["orders".into()],
            ..Default::default()
        }
    }

    #[test]
    fn a_feature_the_release_lacks_is_refused_naming_the_release() {
        let cat = Catalogue::embedded();
        for (feature, since) in [
            ("locks", "1.6.0"),
            ("vector-search", "1.4.0"),
            ("s3-attribute", "0.12.0"),
        ] {
            let mut a = input(&[feature]);
            a.pydynox_version = Some("0.11.0".into());
            a.lock_table = Some("locks".into());
            a.indexes = vec!["v".into()];
            a.bucket = Some("media".into());
            let errs = build_plan(&cat, &a).unwrap_err().join("\n");
            assert!(
                errs.contains(&format!(
                    "feature `{feature}` needs pydynox {since} or later"
                )) && errs.contains("0.11.0"),
                "{errs}"
            );
        }
        let mut a = input(&["locks"]);
        a.pydynox_version = Some("1.5.0".into());
        a.lock_table = Some("locks".into());
        let errs = build_plan(&cat, &a).unwrap_err().join("\n");
        assert!(errs.contains("needs pydynox 1.6.0 or later"), "{errs}");
    }

    #[test]
    fn all_takes_the_features_whose_resources_were_given_and_says_which_it_left_out() {
        let cat = Catalogue::embedded();
        let plan = build_plan(&cat, &input(&["all"])).unwrap();
        for f in ["crud", "query", "transactions", "ping", "table-management"] {
            assert!(
                plan.features.iter().any(|x| x == f),
                "{f}: {:?}",
                plan.features
            );
        }
        for f in [
            "locks",
            "locks-in-transactions",
            "indexes",
            "s3-attribute",
            "encryption-readwrite",
        ] {
            assert!(
                !plan.features.iter().any(|x| x == f),
                "{f}: {:?}",
                plan.features
            );
        }
        let notes = plan.notes.join("\n");
        assert!(notes.contains("locks (needs --lock-table)"), "{notes}");
        assert!(notes.contains("s3-attribute (needs --bucket)"), "{notes}");
        // With the lock table given, `all` includes the lock features.
        let mut a = input(&["all"]);
        a.lock_table = Some("locks".into());
        let plan = build_plan(&cat, &a).unwrap();
        assert!(plan.features.iter().any(|x| x == "locks"));
        assert!(plan.features.iter().any(|x| x == "locks-in-transactions"));
        // At an old release `all` is what that release has, and says what it does not.
        let mut a = input(&["all"]);
        a.pydynox_version = Some("0.13.0".into());
        a.lock_table = Some("locks".into());
        let plan = build_plan(&cat, &a).unwrap();
        assert!(!plan.features.iter().any(|x| x == "locks"));
        assert!(
            plan.notes.join(" ").contains("locks (from 1.6.0)"),
            "{:?}",
            plan.notes
        );
        // A feature named beside `all` still needs its resources.
        let errs = build_plan(&cat, &input(&["all", "locks"])).unwrap_err();
        assert!(
            errs.join(" ")
                .contains("feature `locks` needs --lock-table"),
            "{errs:?}"
        );
    }

    #[test]
    fn no_feature_is_never_a_plan() {
        let cat = Catalogue::embedded();
        let errs = build_plan(&cat, &input(&[])).unwrap_err();
        assert!(errs.join(" ").contains("no feature to check"), "{errs:?}");
    }

    #[test]
    fn the_prefix_is_the_one_pydynox_stores_under() {
        let cat = Catalogue::embedded();
        for (given, stored) in [
            ("docs", "docs/"),
            ("docs/", "docs/"),
            ("docs//", "docs/"),
            ("", ""),
            ("a/b", "a/b/"),
            ("/", "/"),
        ] {
            let mut a = input(&["s3-attribute"]);
            a.bucket = Some("media".into());
            a.prefix = given.into();
            let plan = build_plan(&cat, &a).unwrap();
            assert_eq!(plan.resources.prefix, stored, "{given}");
            let checks = expand(&cat, &plan, &env());
            assert!(
                checks
                    .iter()
                    .all(|c| c.resource == format!("arn:aws:s3:::media/{stored}{S3_PROBE_OBJECT}")),
                "{given}: {checks:?}"
            );
            assert_eq!(
                plan.notes.iter().any(|n| n.contains("pydynox stores")),
                given != stored,
                "{given}"
            );
        }
        // A plan built by hand is normalised by expand too.
        let mut res = inputs();
        res.bucket = Some("media".into());
        res.prefix = "docs".into();
        let plan = CheckPlan {
            principal: PrincipalSelector::Caller,
            features: vec!["s3-attribute".into()],
            version: cat.newest(),
            resources: res,
            extra_context: vec![],
            notes: vec![],
            app: None,
        };
        assert!(
            expand(&cat, &plan, &env())
                .iter()
                .all(|c| c.resource.contains("media/docs/pydynox"))
        );
    }

    #[test]
    fn placeholders_in_user_values_are_not_filled_again() {
        let mut res = inputs();
        res.bucket = Some("media".into());
        res.prefix = "x{region}/".into();
        let cat = Catalogue::embedded();
        let plan = CheckPlan {
            principal: PrincipalSelector::Caller,
            features: vec!["s3-attribute".into()],
            version: cat.newest(),
            resources: res,
            extra_context: vec![],
            notes: vec![],
            app: None,
        };
        let checks = expand(&cat, &plan, &env());
        assert_eq!(
            checks[0].resource,
            format!("arn:aws:s3:::media/x{{region}}/{S3_PROBE_OBJECT}")
        );
    }

    /// Every feature of every release, with every resource declared: no expanded resource
    /// keeps a template placeholder, and every feature the release has gets checks.
    #[test]
    fn expand_never_leaves_a_placeholder_for_any_feature_or_release() {
        let cat = Catalogue::embedded();
        let res = ResourceInputs {
            tables: vec!["orders".into()],
            indexes: IndexSelection::Named(vec!["by-date".into()]),
            kms_key: Some(KeyInput::KeyArn(
                "arn:aws:kms:eu-west-1:111122223333:key/k".into(),
            )),
            bucket: Some("media".into()),
            prefix: "docs/".into(),
            assume_role_arn: Some("arn:aws:iam::111122223333:role/target".into()),
            lock_table: Some("locks".into()),
        };
        let mut e = env();
        e.key_arn = Some("arn:aws:kms:eu-west-1:111122223333:key/k".into());
        for kind in cat.resources.keys() {
            assert!(RESOURCE_KINDS.contains(&kind.as_str()), "{kind}");
        }
        let mut n = 0;
        for version in cat.known_releases() {
            for f in &cat.features {
                if !cat.has_feature(f, &version) {
                    continue;
                }
                let plan = CheckPlan {
                    principal: PrincipalSelector::Caller,
                    features: vec![f.name.clone()],
                    version: version.clone(),
                    resources: res.clone(),
                    extra_context: vec![],
                    notes: vec![],
                    app: None,
                };
                let checks = expand(&cat, &plan, &e);
                assert!(!checks.is_empty(), "{} at {version}", f.name);
                for c in &checks {
                    n += 1;
                    assert!(
                        !has_placeholder(&c.resource) && !c.resource.contains('{'),
                        "{} at {version}: {}",
                        f.name,
                        c.resource
                    );
                }
            }
        }
        assert!(n > 500, "{n}");
        let plan = CheckPlan {
            principal: PrincipalSelector::Caller,
            features: vec!["locks".into()],
            version: cat.newest(),
            resources: res,
            extra_context: vec![],
            notes: vec![],
            app: None,
        };
        let checks = expand(&cat, &plan, &e);
        assert!(
            checks
                .iter()
                .all(|c| c.resource == "arn:aws:dynamodb:eu-west-1:111122223333:table/locks")
        );
    }

    #[test]
    fn tables_and_lock_tables_are_validated() {
        for ok in [
            "orders",
            "a.b-c_d",
            "arn:aws:dynamodb:eu-west-1:111122223333:table/orders",
        ] {
            assert_eq!(table_input_error("--table", ok), None, "{ok}");
        }
        for bad in [
            "",
            "orders*",
            "{lock_table}",
            "arn:aws:dynamodb:*:*:table/*",
            "arn:aws:dynamodb:eu-west-1:111122223333:table/orders/index/x",
            "arn:aws:s3:::media",
            "arn:aws:dynamodb:eu-west-1:111122223333:table/",
        ] {
            assert!(
                table_input_error("--lock-table", bad).is_some_and(|e| e.contains("--lock-table")),
                "{bad}"
            );
        }
        let cat = Catalogue::embedded();
        let mut a = input(&["locks"]);
        a.lock_table = Some("arn:aws:s3:::media".into());
        assert!(
            build_plan(&cat, &a)
                .unwrap_err()
                .join(" ")
                .contains("--lock-table `arn:aws:s3:::media`")
        );
    }

    #[test]
    fn a_lock_table_that_is_a_data_table_is_checked_for_both_and_said_so() {
        let cat = Catalogue::embedded();
        let mut a = input(&["crud", "locks"]);
        a.lock_table = Some("orders".into());
        let plan = build_plan(&cat, &a).unwrap();
        assert!(
            plan.notes
                .iter()
                .any(|n| n.contains("lock table `orders` is also a data table"))
        );
        let checks = expand(&cat, &plan, &env());
        let puts: Vec<_> = checks
            .iter()
            .filter(|c| c.action == "dynamodb:PutItem")
            .collect();
        assert_eq!(puts.len(), 2, "{puts:?}");
        assert_eq!(puts[0].resource, puts[1].resource);
        assert_ne!(puts[0].context, puts[1].context);
        assert_eq!(
            (
                puts[0].resource_kind.as_str(),
                puts[1].resource_kind.as_str()
            ),
            ("table", "lock-table")
        );
    }
}
