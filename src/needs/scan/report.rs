//! The scan's result model: what the code needs (feature, action, resource, evidence), what
//! the scan could not resolve, what it skipped and why, and the pydynox version it found.
//! Plain serializable data (schema `pydynox-iam/scan/v1`); owns no parsing and no output.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// The JSON schema name written by [`super::render::write_json`].
pub const SCHEMA: &str = "pydynox-iam/scan/v1";

/// Everything one scan found.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScanReport {
    pub schema: String,
    /// The paths given to the scan, as given.
    pub roots: Vec<String>,
    pub files: FileStats,
    /// The pydynox version declared by the project, if any file declares one.
    pub pydynox_version: Option<VersionFinding>,
    /// What the code needs, one entry per feature, action and resource, sorted.
    pub needs: Vec<Need>,
    /// Calls the scan saw but could not resolve (receiver, table, index, statement...): a
    /// `check --app` must treat each as INCONCLUSIVE, never as a narrower need.
    pub unresolved: Vec<Unresolved>,
    /// Calls and files deliberately left out, each with its reason.
    pub skipped: Vec<Skipped>,
    /// Syntax errors; the rest of each file was still scanned.
    pub parse_errors: Vec<ParseIssue>,
}

/// How many files the scan saw and how many it parsed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileStats {
    /// Python files found after `.gitignore` rules and skipped folders.
    pub python_files: usize,
    /// Files parsed: those that can reach pydynox (they name it, or import an in-tree module
    /// that does); the others cannot make a pydynox call and are only read.
    pub parsed: usize,
    /// Files that import pydynox themselves.
    pub importing_pydynox: usize,
    /// Bytes of Python read.
    pub bytes: u64,
    /// Folders not entered (virtualenvs, site-packages, node_modules...), with the reason.
    pub skipped_dirs: Vec<SkippedDir>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedDir {
    pub path: String,
    pub reason: String,
}

/// One thing the code needs: a catalogue feature, one IAM action of it that the code's calls
/// really make, and the resource it is made on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Need {
    pub feature: String,
    pub action: String,
    pub resource: Resource,
    /// Every call (and the definition it resolved through) that makes this need, sorted.
    pub evidence: Vec<Evidence>,
}

/// The resource of a need. Names are [`Name`]s: literal, or symbolic (environment
/// variables), never guessed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Resource {
    Table {
        table: Name,
    },
    Index {
        table: Name,
        index: Name,
    },
    /// The table of a `pydynox.lock` distributed lock (`--lock-table`).
    LockTable {
        table: Name,
    },
    /// `key_id` as written: a key id, a key ARN or `alias/...`.
    KmsKey {
        key_id: Name,
        region: Option<Name>,
    },
    /// Objects under `prefix` (normalised as pydynox does: `prefix.rstrip("/") + "/"`,
    /// empty stays empty).
    S3Prefix {
        bucket: Name,
        prefix: Name,
    },
    Role {
        arn: Name,
    },
    /// Actions with no resource type (`dynamodb:ListTables`): `*`.
    Any,
}

impl Resource {
    /// The `pydynox-iam` flag that supplies this resource to `check`.
    pub fn flag(&self) -> &'static str {
        match self {
            Resource::Table { .. } => "--table",
            Resource::Index { .. } => "--index",
            Resource::LockTable { .. } => "--lock-table",
            Resource::KmsKey { .. } => "--kms-key",
            Resource::S3Prefix { .. } => "--bucket",
            Resource::Role { .. } => "--assume-role-arn",
            Resource::Any => "",
        }
    }

    /// Every name in this resource.
    pub fn names(&self) -> Vec<&Name> {
        match self {
            Resource::Table { table } | Resource::LockTable { table } => vec![table],
            Resource::Index { table, index } => vec![table, index],
            Resource::KmsKey { key_id, region } => {
                let mut v = vec![key_id];
                v.extend(region.iter());
                v
            }
            Resource::S3Prefix { bucket, prefix } => vec![bucket, prefix],
            Resource::Role { arn } => vec![arn],
            Resource::Any => vec![],
        }
    }

    fn names_mut(&mut self) -> Vec<&mut Name> {
        match self {
            Resource::Table { table } | Resource::LockTable { table } => vec![table],
            Resource::Index { table, index } => vec![table, index],
            Resource::KmsKey { key_id, region } => {
                let mut v = vec![key_id];
                v.extend(region.iter_mut());
                v
            }
            Resource::S3Prefix { bucket, prefix } => vec![bucket, prefix],
            Resource::Role { arn } => vec![arn],
            Resource::Any => vec![],
        }
    }
}

impl std::fmt::Display for Resource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Resource::Table { table } => write!(f, "table {table}"),
            Resource::Index { table, index } => write!(f, "index {index} of table {table}"),
            Resource::LockTable { table } => write!(f, "lock table {table}"),
            Resource::KmsKey {
                key_id,
                region: None,
            } => write!(f, "kms key {key_id}"),
            Resource::KmsKey {
                key_id,
                region: Some(r),
            } => {
                write!(f, "kms key {key_id} in region {r}")
            }
            Resource::S3Prefix { bucket, prefix } => {
                write!(f, "s3 bucket {bucket}, prefix {prefix}")
            }
            Resource::Role { arn } => write!(f, "role {arn}"),
            Resource::Any => write!(f, "*"),
        }
    }
}

/// A resource name as the code builds it: literal text and environment variables, resolved
/// where the caller gave a value (`NAME=VALUE`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Name {
    pub parts: Vec<NamePart>,
    /// The literal name when every part is known (literal, or an environment variable the
    /// caller gave a value); `None` while a part is still symbolic.
    pub value: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum NamePart {
    Literal {
        text: String,
    },
    /// `os.environ["VAR"]`, `os.environ.get("VAR", default)`, `os.getenv("VAR", default)`.
    /// The default is kept for information: it is not the deployed name unless the
    /// environment says so, so it never resolves a name by itself.
    Env {
        var: String,
        default: Option<String>,
        /// The value the caller supplied for `var`, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        supplied: Option<String>,
    },
}

impl Name {
    pub fn literal(text: impl Into<String>) -> Name {
        let text = text.into();
        Name {
            value: Some(text.clone()),
            parts: vec![NamePart::Literal { text }],
        }
    }

    pub fn env(var: impl Into<String>, default: Option<String>) -> Name {
        Name {
            parts: vec![NamePart::Env {
                var: var.into(),
                default,
                supplied: None,
            }],
            value: None,
        }
    }

    /// Joins names (f-strings, `+`): adjacent literals merge.
    pub fn concat(names: &[Name]) -> Name {
        let mut parts: Vec<NamePart> = Vec::new();
        for n in names {
            for p in &n.parts {
                match (parts.last_mut(), p) {
                    (Some(NamePart::Literal { text: a }), NamePart::Literal { text: b }) => {
                        a.push_str(b)
                    }
                    _ => parts.push(p.clone()),
                }
            }
        }
        let mut n = Name { parts, value: None };
        n.refresh();
        n
    }

    /// True when every part is a literal.
    pub fn is_literal(&self) -> bool {
        self.parts
            .iter()
            .all(|p| matches!(p, NamePart::Literal { .. }))
    }

    /// Environment variables this name reads.
    pub fn env_vars(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            NamePart::Env { var, .. } => Some(var.as_str()),
            NamePart::Literal { .. } => None,
        })
    }

    /// Applies caller-supplied environment values; parts without one stay symbolic.
    pub fn apply_env(&mut self, env: &BTreeMap<String, String>) {
        for p in &mut self.parts {
            if let NamePart::Env { var, supplied, .. } = p {
                *supplied = env.get(var.as_str()).cloned();
            }
        }
        self.refresh();
    }

    fn refresh(&mut self) {
        let mut out = String::new();
        for p in &self.parts {
            match p {
                NamePart::Literal { text } => out.push_str(text),
                NamePart::Env {
                    supplied: Some(v), ..
                } => out.push_str(v),
                NamePart::Env { supplied: None, .. } => {
                    self.value = None;
                    return;
                }
            }
        }
        self.value = Some(out);
    }
}

impl std::fmt::Display for Name {
    /// `orders`, or `{env ORDERS_TABLE, default "orders"}` / `{env STAGE}-orders` while
    /// symbolic.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(v) = &self.value {
            return f.write_str(v);
        }
        for p in &self.parts {
            match p {
                NamePart::Literal { text } => f.write_str(text)?,
                NamePart::Env {
                    var,
                    default: Some(d),
                    ..
                } => write!(f, "{{env {var}, default \"{d}\"}}")?,
                NamePart::Env {
                    var, default: None, ..
                } => write!(f, "{{env {var}}}")?,
            }
        }
        Ok(())
    }
}

/// Where a need comes from: the call, and the definition its resource was read from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Evidence {
    pub location: Location,
    /// The call as written (first line, whitespace collapsed, at most 120 characters).
    pub code: String,
    /// How the call was read, e.g. `User.sync_get → GetItem`.
    pub note: String,
    /// Where the resource name came from (`ModelConfig(table=...)`, an index definition...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub defined_at: Option<Definition>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Definition {
    pub location: Location,
    pub code: String,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Location {
    /// Path relative to the scanned root, with `/` separators.
    pub file: String,
    /// 1-based.
    pub line: u32,
    /// 1-based, in characters.
    pub column: u32,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// A call that may reach AWS through pydynox but whose receiver, table, index or statement
/// the scan could not resolve.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Unresolved {
    pub location: Location,
    pub code: String,
    /// What could not be resolved: `receiver`, `table`, `index`, `statement`, `key`,
    /// `bucket`, `role` or `call`.
    pub what: String,
    /// Why, in words (e.g. "parameter `item` of `handle` has no annotation").
    pub reason: String,
    /// What would resolve it (an annotation, a literal, `--env NAME=VALUE`, a flag).
    pub hint: String,
    /// The features and actions the call may need once resolved.
    pub features: Vec<String>,
    pub actions: Vec<String>,
}

/// Something deliberately not counted as a need.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Skipped {
    pub location: Location,
    pub code: String,
    /// A stable code: `type-checking`, `boto3`, `memory-backend`, `test-file`.
    pub kind: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ParseIssue {
    pub location: Location,
    pub message: String,
}

/// The pydynox version the project declares and the one chosen from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionFinding {
    /// The version to use as `--pydynox-version`: a lock file's exact version, an exact pin,
    /// or the newest known release that satisfies every range declared.
    pub chosen: Option<String>,
    /// How it was chosen, or why none could be.
    pub reason: String,
    pub sources: Vec<VersionSource>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionSource {
    pub location: Location,
    /// `requirements`, `pep621`, `poetry`, `uv-lock` or `poetry-lock`.
    pub kind: String,
    /// The requirement as written (`pydynox>=1.2,<2`, `^1.3`, `1.3.0`).
    pub spec: String,
    /// Exact version when the source pins one (lock files, `==`).
    pub exact: Option<String>,
}

impl ScanReport {
    /// The features needed, de-duplicated, sorted.
    pub fn features(&self) -> Vec<String> {
        let set: BTreeSet<&str> = self.needs.iter().map(|n| n.feature.as_str()).collect();
        set.into_iter().map(str::to_string).collect()
    }

    /// Distinct resources of the needs, sorted.
    pub fn resources(&self) -> Vec<Resource> {
        let set: BTreeSet<&Resource> = self.needs.iter().map(|n| &n.resource).collect();
        set.into_iter().cloned().collect()
    }

    /// Environment variables the needs' names read that the caller has not supplied.
    pub fn unset_env_vars(&self) -> Vec<String> {
        let mut set = BTreeSet::new();
        for n in &self.needs {
            for name in n.resource.names() {
                for p in &name.parts {
                    if let NamePart::Env {
                        var,
                        supplied: None,
                        ..
                    } = p
                    {
                        set.insert(var.clone());
                    }
                }
            }
        }
        set.into_iter().collect()
    }

    /// Re-resolves every name with caller-supplied environment values (`NAME=VALUE`), and
    /// merges needs that become identical.
    pub fn apply_env(&mut self, env: &BTreeMap<String, String>) {
        for n in &mut self.needs {
            for name in n.resource.names_mut() {
                name.apply_env(env);
            }
        }
        let needs = std::mem::take(&mut self.needs);
        self.needs = merge_needs(needs);
    }
}

/// Merges needs with the same feature, action and resource; sorts needs and evidence.
pub fn merge_needs(needs: Vec<Need>) -> Vec<Need> {
    let mut map: BTreeMap<(String, String, Resource), BTreeSet<Evidence>> = BTreeMap::new();
    for n in needs {
        map.entry((n.feature, n.action, n.resource))
            .or_default()
            .extend(n.evidence);
    }
    map.into_iter()
        .map(|((feature, action, resource), ev)| Need {
            feature,
            action,
            resource,
            evidence: ev.into_iter().collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_render_symbolically_until_the_environment_resolves_them() {
        let mut n = Name::concat(&[
            Name::env("STAGE", Some("dev".into())),
            Name::literal("-"),
            Name::literal("orders"),
        ]);
        assert_eq!(n.to_string(), "{env STAGE, default \"dev\"}-orders");
        assert_eq!(n.value, None);
        assert_eq!(n.parts.len(), 2, "adjacent literals merge: {:?}", n.parts);
        n.apply_env(&BTreeMap::from([("STAGE".into(), "prod".into())]));
        assert_eq!(n.value.as_deref(), Some("prod-orders"));
        assert_eq!(n.to_string(), "prod-orders");
        n.apply_env(&BTreeMap::new());
        assert_eq!(n.value, None, "a default never resolves a name by itself");
    }
}
