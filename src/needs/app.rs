//! `needs::app`: turns a scan of the service's code (`needs::scan`) into the needs of a
//! check plan (`check --app`, `policy --app`): the exact feature, action and resource of each
//! call the code makes, the resources the flags' features are checked on, and every call the
//! scan could not resolve, kept as a row that cannot pass. Owns that translation; must not
//! call AWS, print, or decide verdicts.
//!
//! Rules, each chosen so the check never comes out narrower than the code:
//! - A need whose names are all known (literal, or given with `--env`) is checked exactly:
//!   its action, on its resource, with the catalogue's context for that action in the
//!   release (a service that never deletes is not checked for `DeleteItem`).
//! - A need whose name still reads an environment variable, a call the scan could not
//!   resolve, and a need the catalogue has no check for in the release each become an
//!   INCONCLUSIVE row (`unresolved-in-code`) naming the file and line and what resolves it.
//!   A default in the code (`os.environ.get("T", "orders")`) never stands for the deployed
//!   name: the deploy usually overrides it.
//! - Flags add: `--features` are checked as usual, on the flags' resources and the code's. A
//!   resource flag naming what the code does not name is reported in the notes.
//! - The release: `--pydynox-version`, else the one the project's files declare, else the
//!   newest known (said in the notes); files that disagree are a usage error naming the flag.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use semver::Version;
use serde::Serialize;

use crate::needs::catalogue::Catalogue;
use crate::needs::plan::{CheckPlan, NO_FEATURE, PlanInput, build_plan};
use crate::needs::scan::report::Location;
use crate::needs::scan::{self, Name, Resource, ScanOptions, ScanReport};

/// What the code needs, as a plan carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct AppNeeds {
    /// The scanned paths, as given.
    pub roots: Vec<String>,
    /// Needs checked exactly as the code shows them.
    pub checks: Vec<AppCheck>,
    /// Needs the code shows but the scan could not pin down: each is an INCONCLUSIVE row.
    pub unresolved: Vec<AppUnresolved>,
}

/// One action the code makes on one resource.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct AppCheck {
    pub feature: String,
    pub action: String,
    pub resource: AppResource,
    /// Where the code makes it (`file:line`), the first call.
    pub evidence: String,
    /// The same place, structured (for the SARIF report's locations).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

/// The resource of an [`AppCheck`], names known.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum AppResource {
    Table {
        table: String,
    },
    Index {
        table: String,
        index: String,
    },
    LockTable {
        table: String,
    },
    /// The plan's one KMS key (`resources.kms_key`), resolved as `--kms-key` is.
    KmsKey,
    /// Objects under `prefix` of the plan's one bucket.
    S3Prefix {
        prefix: String,
    },
    Role {
        arn: String,
    },
    Any,
}

impl AppResource {
    /// Whether a report row's resource (an ARN, or `*`) is this resource: for placing the
    /// row at the code that needs it. Display only; no verdict depends on it.
    pub fn names_row_resource(&self, resource: &str) -> bool {
        let arn = crate::iam::arn::Arn::parse(resource);
        match (self, arn) {
            (AppResource::Table { table } | AppResource::LockTable { table }, Some(a)) => {
                a.service == "dynamodb"
                    && (a.resource.strip_prefix("table/") == Some(table.as_str())
                        || resource == table)
            }
            (AppResource::Table { table } | AppResource::LockTable { table }, None) => {
                resource == table
            }
            (AppResource::Index { table, index }, Some(a)) => {
                a.service == "dynamodb" && a.resource == format!("table/{table}/index/{index}")
            }
            (AppResource::KmsKey, Some(a)) => a.service == "kms",
            (AppResource::S3Prefix { prefix }, Some(a)) => {
                a.service == "s3" && a.resource.contains(prefix.trim_matches('/'))
            }
            (AppResource::Role { arn }, _) => resource == arn,
            (AppResource::Any, _) => resource == "*",
            _ => false,
        }
    }

    /// The catalogue's resource kind.
    pub fn kind(&self) -> &'static str {
        match self {
            AppResource::Table { .. } => "table",
            AppResource::Index { .. } => "index",
            AppResource::LockTable { .. } => "lock-table",
            AppResource::KmsKey => "kms-key",
            AppResource::S3Prefix { .. } => "s3-object",
            AppResource::Role { .. } => "role",
            AppResource::Any => "any",
        }
    }
}

/// A row that cannot pass until the code (or `--env`) says more.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct AppUnresolved {
    pub feature: String,
    pub action: String,
    /// What the row is about, for the report's resource column.
    pub resource: String,
    /// Where, what and how to resolve it.
    pub reason: String,
    /// Where the code makes the call (for the SARIF report's locations).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

/// Parses `--env NAME=VALUE` entries; every bad one is named.
pub fn parse_env(items: &[String]) -> Result<BTreeMap<String, String>, Vec<String>> {
    let mut out = BTreeMap::new();
    let mut errors = Vec::new();
    for e in items {
        match e.split_once('=') {
            Some((k, v))
                if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
            {
                out.insert(k.to_string(), v.to_string());
            }
            _ => errors.push(format!(
                "--env `{e}` is not NAME=VALUE (for example --env ORDERS_TABLE=orders-prod)"
            )),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Scan options from `--env`, `--pydynox-version` and `--include-tests`, validated.
pub fn scan_options(
    cat: &Catalogue,
    env: &[String],
    version: Option<&str>,
    include_tests: bool,
) -> Result<ScanOptions, Vec<String>> {
    let mut errors = Vec::new();
    let env = parse_env(env).unwrap_or_else(|e| {
        errors.extend(e);
        BTreeMap::new()
    });
    let version = version.and_then(|v| {
        crate::needs::catalogue::parse_version(v)
            .map_err(|e| errors.push(e.to_string()))
            .ok()
    });
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ScanOptions {
        env,
        known_releases: cat.known_releases(),
        include_tests,
        version,
        ..ScanOptions::default()
    })
}

/// Scans `paths` and builds the plan of `input` (the flags, or a config file's service) plus
/// what the code needs. `env` are `--env NAME=VALUE` entries.
pub fn plan_from_paths(
    cat: &Catalogue,
    input: &PlanInput,
    paths: &[PathBuf],
    env: &[String],
    include_tests: bool,
) -> Result<CheckPlan, Vec<String>> {
    let opts = scan_options(cat, env, input.pydynox_version.as_deref(), include_tests)?;
    let report = scan::scan(paths, &opts).map_err(|e| vec![format!("--app: {e}")])?;
    plan_from_scan(cat, input, &report)
}

fn name_of(n: &Name) -> Option<String> {
    n.value.clone()
}

/// The plan of `input` plus the needs of a scan report.
pub fn plan_from_scan(
    cat: &Catalogue,
    input: &PlanInput,
    report: &ScanReport,
) -> Result<CheckPlan, Vec<String>> {
    let mut errors = Vec::new();
    let mut notes = Vec::new();
    // The release.
    let version_text = match (&input.pydynox_version, &report.pydynox_version) {
        (Some(v), _) => Some(v.clone()),
        (None, Some(f)) => match &f.chosen {
            Some(v) => {
                notes.push(format!(
                    "pydynox {v}, as the project declares it ({})",
                    f.reason
                ));
                Some(v.clone())
            }
            None => {
                errors.push(format!(
                    "--app: cannot tell which pydynox release the project uses ({}); give it with --pydynox-version",
                    f.reason
                ));
                None
            }
        },
        (None, None) => {
            notes.push(format!(
                "the project declares no pydynox version (requirements*.txt, pyproject.toml, uv.lock, poetry.lock): checked as the newest known, {}; give --pydynox-version to check another",
                cat.newest()
            ));
            None
        }
    };
    let version: Version = match &version_text {
        Some(v) => match crate::needs::catalogue::parse_version(v) {
            Ok(v) => v,
            Err(e) => {
                errors.push(e.to_string());
                cat.newest()
            }
        },
        None => cat.newest(),
    };

    // The code's resources, literal names only.
    let mut tables = BTreeSet::new();
    let mut indexes = BTreeSet::new();
    let mut keys = BTreeSet::new();
    let mut buckets = BTreeSet::new();
    let mut checks = BTreeMap::<(String, String, AppResource), (String, Option<Location>)>::new();
    let mut unresolved = BTreeSet::new();
    for need in &report.needs {
        let evidence = need
            .evidence
            .first()
            .map(|e| format!("{}  {}", e.location, e.code))
            .unwrap_or_default();
        let location = need.evidence.first().map(|e| e.location.clone());
        let symbolic: Vec<&Name> = need
            .resource
            .names()
            .into_iter()
            .filter(|n| n.value.is_none())
            .collect();
        if !symbolic.is_empty() {
            let vars: BTreeSet<&str> = symbolic.iter().flat_map(|n| n.env_vars()).collect();
            let flags: Vec<String> = vars.iter().map(|v| format!("--env {v}=VALUE")).collect();
            unresolved.insert(AppUnresolved {
                feature: need.feature.clone(),
                action: need.action.clone(),
                resource: need.resource.to_string(),
                reason: format!(
                    "the code names this resource from the environment at {evidence}; a default in the code is not the deployed value: give it with {}",
                    flags.join(" ")
                ),
                location: location.clone(),
            });
            continue;
        }
        let resource = match &need.resource {
            Resource::Table { table } => {
                let t = name_of(table).unwrap_or_default();
                tables.insert(t.clone());
                AppResource::Table { table: t }
            }
            Resource::Index { table, index } => {
                let (t, i) = (
                    name_of(table).unwrap_or_default(),
                    name_of(index).unwrap_or_default(),
                );
                tables.insert(t.clone());
                indexes.insert(i.clone());
                AppResource::Index { table: t, index: i }
            }
            Resource::LockTable { table } => AppResource::LockTable {
                table: name_of(table).unwrap_or_default(),
            },
            Resource::KmsKey { key_id, .. } => {
                keys.insert(name_of(key_id).unwrap_or_default());
                AppResource::KmsKey
            }
            Resource::S3Prefix { bucket, prefix } => {
                buckets.insert(name_of(bucket).unwrap_or_default());
                AppResource::S3Prefix {
                    prefix: name_of(prefix).unwrap_or_default(),
                }
            }
            Resource::Role { arn } => AppResource::Role {
                arn: name_of(arn).unwrap_or_default(),
            },
            Resource::Any => AppResource::Any,
        };
        // The catalogue must have the action for the feature in this release, on this kind:
        // a need it cannot check is a row that cannot pass, never dropped.
        let known = cat.feature(&need.feature).is_some_and(|f| {
            cat.checks_for(f, &version)
                .any(|c| c.action == need.action && c.resource == resource.kind())
        });
        if !known {
            unresolved.insert(AppUnresolved {
                feature: need.feature.clone(),
                action: need.action.clone(),
                resource: need.resource.to_string(),
                reason: format!(
                    "the code makes this call at {evidence}, and pydynox-iam's catalogue has no check of `{}` for feature `{}` in pydynox {version}; check the release (--pydynox-version)",
                    need.action, need.feature
                ),
                location: location.clone(),
            });
            continue;
        }
        checks
            .entry((need.feature.clone(), need.action.clone(), resource))
            .or_insert((evidence, location));
    }
    for u in &report.unresolved {
        let feature = u
            .features
            .first()
            .cloned()
            .unwrap_or_else(|| "unresolved".into());
        let actions = if u.actions.is_empty() {
            vec!["*".to_string()]
        } else {
            u.actions.clone()
        };
        for action in actions {
            let feature = u
                .features
                .iter()
                .find(|f| {
                    cat.feature(f)
                        .is_some_and(|f| cat.checks_for(f, &version).any(|c| c.action == action))
                })
                .cloned()
                .unwrap_or_else(|| feature.clone());
            unresolved.insert(AppUnresolved {
                feature,
                action,
                resource: format!("unresolved {} at {}", u.what, u.location),
                reason: format!(
                    "the code at {} (`{}`) may make this call, and the scan cannot tell on what: {}; to resolve: {}",
                    u.location, u.code, u.reason, u.hint
                ),
                location: Some(u.location.clone()),
            });
        }
    }

    // One KMS key and one bucket per plan, as for the flags.
    let mut merged = input.clone();
    merged.pydynox_version = Some(version.to_string());
    merge_single(
        "--kms-key",
        "KMS keys",
        &mut merged.kms_key,
        &keys,
        &mut errors,
        &mut notes,
    );
    merge_single(
        "--bucket",
        "S3 buckets",
        &mut merged.bucket,
        &buckets,
        &mut errors,
        &mut notes,
    );
    for t in &input.tables {
        if !tables.is_empty() && !tables.contains(t) {
            notes.push(format!(
                "--table `{t}` is not a table the code names ({}): checked in addition",
                tables.iter().cloned().collect::<Vec<_>>().join(", ")
            ));
        }
    }
    for i in &input.indexes {
        if !indexes.is_empty() && !indexes.contains(i) {
            notes.push(format!(
                "--index `{i}` is not an index the code names ({}): checked in addition",
                indexes.iter().cloned().collect::<Vec<_>>().join(", ")
            ));
        }
    }
    for t in &tables {
        if !merged.tables.contains(t) {
            merged.tables.push(t.clone());
        }
    }
    if !input.features.is_empty() && !input.all_indexes {
        for i in &indexes {
            if !merged.indexes.contains(i) {
                merged.indexes.push(i.clone());
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut plan = match build_plan(cat, &merged) {
        Ok(p) => p,
        Err(errs) => {
            let errs: Vec<String> = errs.into_iter().filter(|e| e != NO_FEATURE).collect();
            if !errs.is_empty() {
                return Err(errs);
            }
            // No flag feature: build without one, the code's needs are the plan.
            let mut with_one = merged.clone();
            with_one.features = vec!["ping".into()];
            let mut p = build_plan(cat, &with_one)?;
            p.features.clear();
            p
        }
    };
    let checks: Vec<AppCheck> = checks
        .into_iter()
        .map(
            |((feature, action, resource), (evidence, location))| AppCheck {
                feature,
                action,
                resource,
                evidence,
                location,
            },
        )
        .collect();
    if checks.is_empty() && unresolved.is_empty() && plan.features.is_empty() {
        return Err(vec![format!(
            "--app: the code at `{}` makes no pydynox call that needs a permission; check the path, or name features with --features",
            report.roots.join("`, `")
        )]);
    }
    notes.push(format!(
        "needs read from the code at `{}`: {} exact checks{}",
        report.roots.join("`, `"),
        checks.len(),
        if unresolved.is_empty() {
            String::new()
        } else {
            format!(
                ", {} unresolved (INCONCLUSIVE until resolved)",
                unresolved.len()
            )
        }
    ));
    // As `scan` says it: the test files not read (scan's `test-file` skips), and how to read them.
    let tests: Vec<&str> = report
        .skipped
        .iter()
        .filter(|s| s.kind == "test-file")
        .map(|s| s.location.file.as_str())
        .collect();
    if !tests.is_empty() {
        notes.push(format!(
            "skipped {} test files (test code, not the service's; --include-tests reads them): {}",
            tests.len(),
            tests.join(", ")
        ));
    }
    plan.notes.splice(0..0, notes);
    plan.app = Some(AppNeeds {
        roots: report.roots.clone(),
        checks,
        unresolved: unresolved.into_iter().collect(),
    });
    Ok(plan)
}

/// A resource the plan takes once (a KMS key, a bucket): the flag's, else the code's one; a
/// flag that differs from the code's is reported, several in the code are a usage error.
fn merge_single(
    flag: &str,
    what: &str,
    slot: &mut Option<String>,
    code: &BTreeSet<String>,
    errors: &mut Vec<String>,
    notes: &mut Vec<String>,
) {
    let _ = notes;
    if code.len() > 1 {
        // Every need on one of them would be checked on the plan's one: never.
        errors.push(format!(
            "--app: the code uses {} {what} (`{}`) and a check takes one; split the service's code and check each part",
            code.len(),
            code.iter().cloned().collect::<Vec<_>>().join("`, `")
        ));
        return;
    }
    match (slot.as_deref(), code.iter().next()) {
        (Some(given), Some(c)) if given != c => errors.push(format!(
            "{flag} `{given}` contradicts the code, which uses `{c}`; drop {flag} (the code's is checked) or fix the code"
        )),
        (None, Some(c)) => *slot = Some(c.clone()),
        _ => {}
    }
}
