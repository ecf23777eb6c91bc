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
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalSelector {
    /// The identity the tool runs as (a post-deploy job running as the service's role).
    Caller,
    Named(PrincipalRef),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexSelection {
    None,
    Named(Vec<String>),
    /// `table/T/index/*`: every index of the table.
    All,
}

/// Resources as the user named them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceInputs {
    pub tables: Vec<String>,
    pub indexes: IndexSelection,
    pub kms_key: Option<KeyInput>,
    pub bucket: Option<String>,
    pub prefix: String,
    pub assume_role_arn: Option<String>,
}

impl ResourceInputs {
    /// Whether the input supplies a resource kind of the catalogue.
    pub fn declares(&self, kind: &str) -> bool {
        match kind {
            "table" => !self.tables.is_empty(),
            "index" => !self.tables.is_empty() && self.indexes != IndexSelection::None,
            "kms-key" => self.kms_key.is_some(),
            "s3-object" => self.bucket.is_some(),
            "role" => self.assume_role_arn.is_some(),
            "any" => true,
            _ => false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckPlan {
    pub principal: PrincipalSelector,
    pub features: Vec<String>,
    pub version: Version,
    pub resources: ResourceInputs,
    pub extra_context: Vec<ContextEntry>,
}

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
        _ => (ContextType::String, rest),
    };
    let values: Vec<String> = values.split(',').map(|v| v.trim().to_string()).collect();
    if values.iter().any(|v| v.is_empty()) {
        return Err(format!("`{s}` has an empty value"));
    }
    Ok(ContextEntry {
        key: key.to_string(),
        kind,
        values,
    })
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
        let mut missing: BTreeSet<&str> = BTreeSet::new();
        for c in cat.checks_for(f, version) {
            if let Some(w) = &c.only_with
                && !res.declares(w)
            {
                continue;
            }
            if !res.declares(&c.resource) {
                missing.insert(c.resource.as_str());
            }
        }
        for kind in missing {
            let flag = cat
                .resources
                .get(kind)
                .map(|k| k.flag.as_str())
                .unwrap_or(kind);
            let extra = if kind == "index" && res.tables.is_empty() {
                " (and --table)"
            } else {
                ""
            };
            errors.push(format!("feature `{name}` needs {flag}{extra}"));
        }
    }
    if res.indexes != IndexSelection::None && res.tables.is_empty() {
        errors.push("--index/--all-indexes need --table".to_string());
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
    pub pydynox_version: Option<String>,
    /// `KEY=TYPE:VALUE[,VALUE]` entries.
    pub context: Vec<String>,
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
    let features = cat
        .resolve_features(&a.features)
        .map_err(|e| errors.push(e.to_string()))
        .ok();
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
        && (b.is_empty() || b.contains('/') || b.starts_with("arn:"))
    {
        errors.push(format!(
            "--bucket `{b}` must be a bucket name (put the key prefix in --prefix)"
        ));
    }
    let mut extra_context = Vec::new();
    for c in &a.context {
        match parse_context_arg(c) {
            Ok(e) => extra_context.push(e),
            Err(e) => errors.push(format!("--context: {e}")),
        }
    }
    let resources = ResourceInputs {
        tables: a.tables.clone(),
        indexes: if a.all_indexes {
            IndexSelection::All
        } else if a.indexes.is_empty() {
            IndexSelection::None
        } else {
            IndexSelection::Named(a.indexes.clone())
        },
        kms_key,
        bucket: a.bucket.clone(),
        prefix: a.prefix.clone(),
        assume_role_arn: a.assume_role_arn.clone(),
    };
    if let (Some(f), Some(v)) = (&features, &version)
        && let Err(errs) = validate_resources(cat, f, v, &resources)
    {
        errors.extend(errs);
    }
    match (principal, features, version) {
        (Some(principal), Some(features), Some(version)) if errors.is_empty() => Ok(CheckPlan {
            principal,
            features,
            version,
            resources,
            extra_context,
        }),
        _ => Err(errors),
    }
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

fn fill(template: &str, vars: &BTreeMap<&str, String>) -> String {
    let mut out = template.to_string();
    for (k, v) in vars {
        out = out.replace(&format!("{{{k}}}"), v);
    }
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
                        for i in &names {
                            arns.push(format!("{}/index/{}", table_arn(env, t), i));
                        }
                    }
                }
                "kms-key" => arns.extend(env.key_arn.clone()),
                "s3-object" => {
                    if let Some(b) = &res.bucket {
                        let mut v = base.clone();
                        v.insert("bucket", b.clone());
                        v.insert("prefix", res.prefix.clone());
                        v.insert("object", S3_PROBE_OBJECT.into());
                        arns.push(fill(&kind.template, &v));
                    }
                }
                "role" => arns.extend(res.assume_role_arn.clone()),
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
    out
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
        };
        let checks = expand(&cat, &plan, &env());
        assert_eq!(checks.len(), 4);
        assert!(
            checks
                .iter()
                .all(|c| c.context.len() == 1 && c.context[0].values == vec!["NONE".to_string()])
        );
    }
}
