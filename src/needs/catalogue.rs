//! The pydynox catalogue: which IAM actions each pydynox feature needs, on which resource
//! kind, with which request context, per pydynox release. Owns loading and validating the
//! embedded data file and selecting checks for a version; must not know about AWS or output.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use semver::Version;
use serde::{Deserialize, Serialize};

/// The data file, embedded at build time.
pub const CATALOGUE_TOML: &str = include_str!("catalogue.toml");

/// Errors in the catalogue data itself (a build-time bug, caught by tests) or in a
/// user's feature or version selection.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CatalogueError {
    #[error("the embedded catalogue is invalid: {0}")]
    Invalid(String),
    #[error("unknown feature `{name}`; known features: {known}")]
    UnknownFeature { name: String, known: String },
    #[error(
        "`{given}` is not a pydynox version (expected a published release such as {newest}); known releases: {known}"
    )]
    BadVersion {
        given: String,
        newest: String,
        known: String,
    },
    /// A well-formed version that was never published (`1.3.5`, `1.8.0-rc.1`, `1.8.0+local`).
    #[error(
        "pydynox `{given}` is not a published release; known releases: {known} (the newest is {newest})"
    )]
    UnknownRelease {
        given: String,
        newest: String,
        known: String,
    },
    /// A version newer than the newest release this catalogue describes: its AWS calls are
    /// unknown, so it is never read as an older release.
    #[error(
        "pydynox `{given}` is newer than the newest release pydynox-iam knows ({newest}), so what it calls is unknown; use a pydynox-iam release whose catalogue knows it (known releases: {known})"
    )]
    NewerThanKnown {
        given: String,
        newest: String,
        known: String,
    },
    /// A feature that the chosen release does not have.
    #[error(
        "feature `{name}` needs pydynox {since} or later, but the pydynox version is {version}"
    )]
    FeatureNotInRelease {
        name: String,
        since: String,
        version: String,
    },
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ResourceKind {
    pub template: String,
    pub flag: String,
}

/// A condition key and the value(s) AWS evaluates with the request.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(deny_unknown_fields)]
pub struct ContextEntry {
    pub key: String,
    #[serde(rename = "type")]
    pub kind: ContextType,
    pub values: Vec<String>,
}

/// The value types IAM's simulator accepts for context entries.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "camelCase")]
pub enum ContextType {
    String,
    StringList,
    Numeric,
    NumericList,
    Boolean,
    BooleanList,
    Ip,
    IpList,
    Binary,
    BinaryList,
    Date,
    DateList,
}

impl ContextType {
    pub fn parse(s: &str) -> Option<ContextType> {
        serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
    }
    pub fn as_str(self) -> &'static str {
        match self {
            ContextType::String => "string",
            ContextType::StringList => "stringList",
            ContextType::Numeric => "numeric",
            ContextType::NumericList => "numericList",
            ContextType::Boolean => "boolean",
            ContextType::BooleanList => "booleanList",
            ContextType::Ip => "ip",
            ContextType::IpList => "ipList",
            ContextType::Binary => "binary",
            ContextType::BinaryList => "binaryList",
            ContextType::Date => "date",
            ContextType::DateList => "dateList",
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CheckSpec {
    pub action: String,
    /// A key of `[resources]`.
    pub resource: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub context: Vec<ContextEntry>,
    /// First pydynox release that makes this call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// First pydynox release that no longer makes this call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    /// Only checked when this resource kind was declared (e.g. PartiQL on an index).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub only_with: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Feature {
    pub name: String,
    /// First pydynox release that has the feature; none of its checks apply before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    pub summary: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docs_note: Option<String>,
    pub checks: Vec<CheckSpec>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    pub newest_release: String,
    /// Every published pydynox release, oldest first; `newest_release` is the last.
    pub releases: Vec<String>,
    pub resources: BTreeMap<String, ResourceKind>,
    pub aliases: BTreeMap<String, Vec<String>>,
    pub features: Vec<Feature>,
}

impl Catalogue {
    /// The catalogue compiled into this binary.
    pub fn embedded() -> Catalogue {
        Catalogue::embedded_ref().clone()
    }

    /// The catalogue compiled into this binary, parsed once.
    pub fn embedded_ref() -> &'static Catalogue {
        static CAT: OnceLock<Catalogue> = OnceLock::new();
        // The data is validated by a unit test; failing here is a build bug, not user input.
        CAT.get_or_init(|| {
            Catalogue::parse(CATALOGUE_TOML)
                .expect("embedded catalogue is valid (see catalogue tests)")
        })
    }

    pub fn parse(text: &str) -> Result<Catalogue, CatalogueError> {
        let cat: Catalogue =
            toml::from_str(text).map_err(|e| CatalogueError::Invalid(e.to_string()))?;
        cat.validate()?;
        Ok(cat)
    }

    fn validate(&self) -> Result<(), CatalogueError> {
        let mut errors = Vec::new();
        let releases = self.validate_releases(&mut errors);
        // A `since`/`before` must name a published release: a typo such as `1.3.5` or a
        // release the list does not have yet would otherwise move a check silently.
        let known = |v: &str, what: &str, errors: &mut Vec<String>| -> Option<Version> {
            match Version::parse(v) {
                Ok(parsed) if releases.contains(&parsed) => Some(parsed),
                Ok(_) => {
                    errors.push(format!("{what}: `{v}` is not in `releases`"));
                    None
                }
                Err(_) => {
                    errors.push(format!("{what}: `{v}` is not a version"));
                    None
                }
            }
        };
        for (name, kind) in &self.resources {
            if !RESOURCE_KINDS.contains(&name.as_str()) {
                errors.push(format!(
                    "resource kind `{name}` is not one the plan can fill ({})",
                    RESOURCE_KINDS.join(", ")
                ));
            }
            for p in placeholders(&kind.template) {
                if !TEMPLATE_PLACEHOLDERS.contains(&p) {
                    errors.push(format!(
                        "resource kind `{name}`: unknown placeholder `{{{p}}}` in its template"
                    ));
                }
            }
            if kind.flag.is_empty() != (kind.template == "*") {
                errors.push(format!(
                    "resource kind `{name}`: only the kind whose template is `*` has no flag"
                ));
            }
        }
        let mut names = BTreeSet::new();
        for f in &self.features {
            if !names.insert(f.name.as_str()) {
                errors.push(format!("feature `{}` is defined twice", f.name));
            }
            let feature_since = f
                .since
                .as_deref()
                .and_then(|v| known(v, &format!("feature `{}`", f.name), &mut errors));
            if f.checks.is_empty() {
                errors.push(format!("feature `{}` has no checks", f.name));
            }
            for c in &f.checks {
                if !self.resources.contains_key(&c.resource) {
                    errors.push(format!(
                        "feature `{}`: unknown resource kind `{}`",
                        f.name, c.resource
                    ));
                }
                if let Some(w) = &c.only_with
                    && !self.resources.contains_key(w)
                {
                    errors.push(format!(
                        "feature `{}`: unknown only_with kind `{w}`",
                        f.name
                    ));
                }
                if !c.action.contains(':') {
                    errors.push(format!(
                        "feature `{}`: action `{}` has no service prefix",
                        f.name, c.action
                    ));
                }
                let what = format!("feature `{}` action `{}`", f.name, c.action);
                let since = c
                    .since
                    .as_deref()
                    .and_then(|v| known(v, &what, &mut errors));
                let before = c
                    .before
                    .as_deref()
                    .and_then(|v| known(v, &what, &mut errors));
                if let (Some(s), Some(b)) = (&since, &before)
                    && s >= b
                {
                    errors.push(format!("{what}: since {s} is not before {b}"));
                }
                if let (Some(fs), Some(b)) = (&feature_since, &before)
                    && b <= fs
                {
                    errors.push(format!(
                        "{what}: before {b} is not after the feature's since {fs}, so it never applies"
                    ));
                }
                if let (Some(fs), Some(s)) = (&feature_since, &since)
                    && s <= fs
                {
                    errors.push(format!(
                        "{what}: since {s} is not after the feature's since {fs}; drop it"
                    ));
                }
            }
        }
        for (alias, targets) in &self.aliases {
            if names.contains(alias.as_str()) {
                errors.push(format!("alias `{alias}` shadows a feature"));
            }
            for t in targets {
                if !names.contains(t.as_str()) {
                    errors.push(format!("alias `{alias}` points to unknown feature `{t}`"));
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(CatalogueError::Invalid(errors.join("; ")))
        }
    }

    /// Checks `releases` and `newest_release`; returns the releases that parse.
    fn validate_releases(&self, errors: &mut Vec<String>) -> Vec<Version> {
        let mut parsed: Vec<Version> = Vec::new();
        for r in &self.releases {
            match Version::parse(r) {
                Ok(v) if v.pre.is_empty() && v.build.is_empty() => {
                    if parsed.last().is_some_and(|last| *last >= v) {
                        errors.push(format!(
                            "releases: `{r}` is not after the release before it (the list is oldest first, without repeats)"
                        ));
                    }
                    parsed.push(v);
                }
                Ok(_) => errors.push(format!(
                    "releases: `{r}` is a pre-release or has build metadata"
                )),
                Err(_) => errors.push(format!("releases: `{r}` is not a version")),
            }
        }
        match Version::parse(&self.newest_release) {
            Err(_) => errors.push(format!(
                "newest_release `{}` is not a version",
                self.newest_release
            )),
            Ok(v) if parsed.last() != Some(&v) => errors.push(format!(
                "newest_release `{}` must be the last entry of `releases`",
                self.newest_release
            )),
            Ok(_) => {}
        }
        parsed
    }

    pub fn feature(&self, name: &str) -> Option<&Feature> {
        self.features.iter().find(|f| f.name == name)
    }

    /// Resolves names and aliases (case-insensitive, `_` as `-`) to canonical feature names,
    /// de-duplicated, in catalogue order.
    pub fn resolve_features<S: AsRef<str>>(
        &self,
        names: &[S],
    ) -> Result<Vec<String>, CatalogueError> {
        let mut wanted = BTreeSet::new();
        for raw in names {
            let name = raw.as_ref().trim().to_ascii_lowercase().replace('_', "-");
            if name == "all" {
                wanted.extend(self.features.iter().map(|f| f.name.clone()));
            } else if self.feature(&name).is_some() {
                wanted.insert(name);
            } else if let Some(targets) = self.aliases.get(&name) {
                wanted.extend(targets.iter().cloned());
            } else {
                return Err(CatalogueError::UnknownFeature {
                    name: raw.as_ref().to_string(),
                    known: self
                        .features
                        .iter()
                        .map(|f| f.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            }
        }
        Ok(self
            .features
            .iter()
            .filter(|f| wanted.contains(&f.name))
            .map(|f| f.name.clone())
            .collect())
    }

    /// Like [`Catalogue::resolve_features`], and every feature must exist in `version`:
    /// declaring `locks` for pydynox 1.5.0 is an error, not an empty list of checks.
    pub fn resolve_features_at<S: AsRef<str>>(
        &self,
        names: &[S],
        version: &Version,
    ) -> Result<Vec<String>, Vec<CatalogueError>> {
        let resolved = self.resolve_features(names).map_err(|e| vec![e])?;
        let errors: Vec<CatalogueError> = resolved
            .iter()
            .filter_map(|n| self.feature(n))
            .filter(|f| !self.has_feature(f, version))
            .map(|f| CatalogueError::FeatureNotInRelease {
                name: f.name.clone(),
                since: f.since.clone().unwrap_or_default(),
                version: version.to_string(),
            })
            .collect();
        if errors.is_empty() {
            Ok(resolved)
        } else {
            Err(errors)
        }
    }

    /// Whether pydynox `version` has the feature at all.
    pub fn has_feature(&self, feature: &Feature, version: &Version) -> bool {
        feature
            .since
            .as_deref()
            .is_none_or(|s| Version::parse(s).is_ok_and(|s| *version >= s))
    }

    /// The checks a feature makes in the given pydynox release (none before the feature's
    /// `since`).
    pub fn checks_for<'a>(
        &'a self,
        feature: &'a Feature,
        version: &Version,
    ) -> impl Iterator<Item = &'a CheckSpec> + 'a {
        let version = version.clone();
        let present = self.has_feature(feature, &version);
        feature
            .checks
            .iter()
            .filter(move |c| present && applies(c, &version))
    }

    pub fn newest(&self) -> Version {
        Version::parse(&self.newest_release).expect("validated")
    }

    /// The published releases this catalogue knows, oldest first.
    pub fn known_releases(&self) -> Vec<Version> {
        self.releases
            .iter()
            .map(|r| Version::parse(r).expect("validated"))
            .collect()
    }

    /// Reads a user-supplied pydynox version and accepts it only if it is a release this
    /// catalogue knows. `1.3` is read as `1.3.0` and a leading `v` is accepted; anything
    /// else that is not exactly a published release is refused, and a version newer than
    /// the newest known one is never read as an older one.
    pub fn release(&self, s: &str) -> Result<Version, CatalogueError> {
        let known = || self.releases.join(", ");
        let given = s.to_string();
        let newest = self.newest_release.clone();
        let Some(v) = parse_version_syntax(s) else {
            return Err(CatalogueError::BadVersion {
                given,
                newest,
                known: known(),
            });
        };
        if v.pre.is_empty() && v.build.is_empty() && v > self.newest() {
            return Err(CatalogueError::NewerThanKnown {
                given,
                newest,
                known: known(),
            });
        }
        if !self.known_releases().contains(&v) {
            return Err(CatalogueError::UnknownRelease {
                given,
                newest,
                known: known(),
            });
        }
        Ok(v)
    }

    /// Aliases that point to a feature, for `features` output.
    pub fn aliases_of(&self, feature: &str) -> Vec<String> {
        self.aliases
            .iter()
            .filter(|(_, t)| t.iter().any(|x| x == feature))
            .map(|(a, _)| a.clone())
            .collect()
    }
}

fn applies(c: &CheckSpec, v: &Version) -> bool {
    let since_ok = c
        .since
        .as_deref()
        .is_none_or(|s| Version::parse(s).map(|s| *v >= s).unwrap_or(false));
    let before_ok = c
        .before
        .as_deref()
        .is_none_or(|b| Version::parse(b).map(|b| *v < b).unwrap_or(false));
    since_ok && before_ok
}

/// The resource kinds `[resources]` may define: the ones the plan knows how to fill from
/// flags (`needs::plan::expand`), so no check is ever left with a `{placeholder}` in its ARN.
pub const RESOURCE_KINDS: [&str; 7] = [
    "table",
    "index",
    "lock-table",
    "kms-key",
    "s3-object",
    "role",
    "any",
];

/// Placeholders a resource template may use: `{partition}` `{region}` `{account}` come from
/// the principal and the region, the others from the resource flags.
pub const TEMPLATE_PLACEHOLDERS: [&str; 11] = [
    "partition",
    "region",
    "account",
    "table",
    "index",
    "lock_table",
    "key_arn",
    "bucket",
    "prefix",
    "object",
    "assume_role_arn",
];

fn placeholders(template: &str) -> impl Iterator<Item = &str> {
    template
        .split('{')
        .skip(1)
        .map(|rest| rest.split('}').next().unwrap_or(rest))
}

/// Parses a user-supplied pydynox version and accepts only a release the embedded catalogue
/// knows (see [`Catalogue::release`]): a newer or unpublished version is an error naming the
/// known releases and the newest one.
pub fn parse_version(s: &str) -> Result<Version, CatalogueError> {
    Catalogue::embedded_ref().release(s)
}

/// The version syntax alone: `MAJOR[.MINOR[.PATCH]]` with an optional leading `v`, padded with
/// zeros. Leading zeros (`01.8.0`) and PEP 440 pre-release spellings (`1.8.0rc1`) do not parse.
fn parse_version_syntax(s: &str) -> Option<Version> {
    let t = s.trim();
    let t = t.strip_prefix('v').unwrap_or(t);
    let padded = match t.matches('.').count() {
        0 => format!("{t}.0.0"),
        1 => format!("{t}.0"),
        _ => t.to_string(),
    };
    Version::parse(&padded).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_catalogue_is_valid() {
        let c = Catalogue::parse(CATALOGUE_TOML).unwrap();
        assert!(c.features.len() >= 15);
    }

    #[test]
    fn aliases_from_the_docs_page_resolve() {
        let c = Catalogue::embedded();
        assert_eq!(
            c.resolve_features(&["basic-crud"]).unwrap(),
            vec!["crud", "query", "scan"]
        );
        assert_eq!(
            c.resolve_features(&["KMS_ReadWrite"]).unwrap(),
            vec!["encryption-readwrite"]
        );
        assert_eq!(
            c.resolve_features(&["batch-operations", "batch"]).unwrap(),
            vec!["batch"]
        );
    }

    #[test]
    fn unknown_feature_names_the_known_ones() {
        let c = Catalogue::embedded();
        let err = c.resolve_features(&["transact"]).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("`transact`") && msg.contains("transactions"),
            "{msg}"
        );
    }

    #[test]
    fn kms_actions_depend_on_the_pydynox_version() {
        let c = Catalogue::embedded();
        let f = c.feature("encryption-readwrite").unwrap();
        let acts = |v: &str| -> Vec<String> {
            c.checks_for(f, &parse_version(v).unwrap())
                .map(|c| c.action.clone())
                .collect()
        };
        assert_eq!(acts("0.13.0"), vec!["kms:Encrypt", "kms:Decrypt"]);
        assert_eq!(acts("0.14.0"), vec!["kms:GenerateDataKey", "kms:Decrypt"]);
        assert_eq!(acts("1.3"), vec!["kms:GenerateDataKey", "kms:Decrypt"]);
    }

    #[test]
    fn transactions_use_real_actions_with_enclosing_operation() {
        let c = Catalogue::embedded();
        let f = c.feature("transactions").unwrap();
        assert!(f.checks.iter().all(|c| !c.action.contains("Transact")));
        assert!(f.checks.iter().all(|c| {
            c.context
                .iter()
                .any(|e| e.key == "dynamodb:EnclosingOperation")
        }));
        assert!(
            f.checks
                .iter()
                .any(|c| c.action == "dynamodb:ConditionCheckItem")
        );
    }

    #[test]
    fn invalid_catalogue_reports_every_error() {
        let text = r#"
newest_release = "x"
releases = ["1.0.0"]
[resources.table]
template = "t/{tabel}"
flag = "--table"
[aliases]
a = ["nope"]
[[features]]
name = "f"
summary = "s"
checks = [{ action = "GetItem", resource = "tabel" }]
"#;
        let msg = Catalogue::parse(text).unwrap_err().to_string();
        for part in [
            "newest_release",
            "`tabel`",
            "service prefix",
            "nope",
            "placeholder `{tabel}`",
        ] {
            assert!(msg.contains(part), "missing {part} in {msg}");
        }
    }

    /// A minimal valid catalogue with the given release list, feature `since` and check
    /// attributes, for the validation tests below.
    fn tiny(releases: &str, newest: &str, feature_since: &str, check_attrs: &str) -> String {
        format!(
            r#"
newest_release = "{newest}"
releases = [{releases}]
[resources.table]
template = "arn:{{partition}}:dynamodb:{{region}}:{{account}}:table/{{table}}"
flag = "--table"
[aliases]
[[features]]
name = "f"
{feature_since}
summary = "s"
checks = [{{ action = "dynamodb:GetItem", resource = "table" {check_attrs} }}]
"#
        )
    }

    #[test]
    fn tiny_catalogue_is_valid() {
        let ok = tiny(r#""1.0.0", "1.1.0""#, "1.1.0", "", r#", since = "1.1.0""#);
        Catalogue::parse(&ok).unwrap();
    }

    #[test]
    fn releases_and_versions_in_the_data_are_validated() {
        let cases = [
            // A feature on a release the catalogue does not list (a typo, or one not added yet).
            (
                tiny(r#""1.0.0", "1.1.0""#, "1.1.0", r#"since = "1.2.0""#, ""),
                "`1.2.0` is not in `releases`",
            ),
            (
                tiny(r#""1.0.0", "1.1.0""#, "1.1.0", "", r#", before = "1.0.5""#),
                "`1.0.5` is not in `releases`",
            ),
            // newest_release that is not the last release.
            (
                tiny(r#""1.0.0", "1.1.0""#, "1.0.0", "", ""),
                "must be the last entry",
            ),
            // Out of order, repeated, pre-release, not a version.
            (
                tiny(r#""1.1.0", "1.0.0""#, "1.0.0", "", ""),
                "`1.0.0` is not after",
            ),
            (
                tiny(r#""1.0.0", "1.0.0""#, "1.0.0", "", ""),
                "`1.0.0` is not after",
            ),
            (
                tiny(r#""1.0.0", "1.1.0-rc.1""#, "1.0.0", "", ""),
                "pre-release",
            ),
            (tiny(r#""1.0""#, "1.0", "", ""), "`1.0` is not a version"),
            // since not before before; a check outside its feature's life.
            (
                tiny(
                    r#""1.0.0", "1.1.0""#,
                    "1.1.0",
                    "",
                    r#", since = "1.1.0", before = "1.1.0""#,
                ),
                "since 1.1.0 is not before 1.1.0",
            ),
            (
                tiny(
                    r#""1.0.0", "1.1.0""#,
                    "1.1.0",
                    r#"since = "1.1.0""#,
                    r#", before = "1.1.0""#,
                ),
                "never applies",
            ),
        ];
        for (text, want) in cases {
            let msg = Catalogue::parse(&text).unwrap_err().to_string();
            assert!(msg.contains(want), "want `{want}` in: {msg}\n{text}");
        }
    }

    #[test]
    fn the_lock_table_is_a_resource_kind_with_its_own_flag() {
        let c = Catalogue::embedded();
        let k = &c.resources["lock-table"];
        assert_eq!(k.flag, "--lock-table");
        assert_eq!(
            k.template,
            "arn:{partition}:dynamodb:{region}:{account}:table/{lock_table}"
        );
        // Every lock check is on the lock table, never on the data table: a lock table that
        // is also the data table gets both sets of rows, each with its own context.
        for name in ["locks", "locks-in-transactions"] {
            let f = c.feature(name).unwrap();
            assert!(
                f.checks.iter().all(|c| c.resource == "lock-table"),
                "{name}"
            );
        }
        let crud_put = c
            .checks_for(c.feature("crud").unwrap(), &c.newest())
            .find(|c| c.action == "dynamodb:PutItem")
            .unwrap()
            .clone();
        let lock_put = c
            .checks_for(c.feature("locks").unwrap(), &c.newest())
            .find(|c| c.action == "dynamodb:PutItem")
            .unwrap()
            .clone();
        assert_ne!(crud_put.context, lock_put.context);
    }

    #[test]
    fn versions_are_known_releases_only() {
        let c = Catalogue::embedded();
        assert_eq!(parse_version("v0.14").unwrap(), Version::new(0, 14, 0));
        assert_eq!(parse_version("1.8").unwrap(), Version::new(1, 8, 0));
        assert_eq!(parse_version(" 1.3.1 ").unwrap(), Version::new(1, 3, 1));
        assert_eq!(parse_version("1").unwrap(), Version::new(1, 0, 0));
        let newer = |s: &str| matches!(c.release(s), Err(CatalogueError::NewerThanKnown { .. }));
        let unknown = |s: &str| matches!(c.release(s), Err(CatalogueError::UnknownRelease { .. }));
        let bad = |s: &str| matches!(c.release(s), Err(CatalogueError::BadVersion { .. }));
        // Newer than the newest known: 1.10.0 compares as a number, not as text.
        for s in ["1.9.0", "1.10.0", "1.8.1", "2.0.0", "1.9", "99.0.0"] {
            assert!(newer(s), "{s}: {:?}", c.release(s));
        }
        // Well-formed but never published; pre-releases and local builds of a known one.
        for s in [
            "1.3.5",
            "0.13.2",
            "1.8.0-rc.1",
            "1.8.0-rc1",
            "1.8.0+local",
            "1.9.0-rc.1",
        ] {
            assert!(unknown(s), "{s}: {:?}", c.release(s));
        }
        // Not the version syntax at all (PEP 440 pre-release spelling, leading zeros).
        for s in [
            "1.8.0rc1", "01.8.0", "1.08.0", "latest", "", "1.8.0.0", "==1.8.0",
        ] {
            assert!(bad(s), "{s}: {:?}", c.release(s));
        }
        let msg = c.release("1.9.0").unwrap_err().to_string();
        assert!(msg.contains("`1.9.0`") && msg.contains("(1.8.0)"), "{msg}");
        assert!(
            msg.contains("0.1.0, 0.1.1") && msg.ends_with("1.8.0)"),
            "{msg}"
        );
        assert!(!msg.ends_with('.'), "{msg}");
        let msg = c.release("1.8.0rc1").unwrap_err().to_string();
        assert!(
            msg.contains("`1.8.0rc1`") && msg.contains("such as 1.8.0"),
            "{msg}"
        );
    }

    #[test]
    fn the_catalogue_knows_every_release_through_its_newest() {
        let c = Catalogue::embedded();
        assert_eq!(c.newest_release, "1.8.0");
        for r in [
            "1.3.0", "1.3.1", "1.4.0", "1.5.0", "1.6.0", "1.7.0", "1.8.0",
        ] {
            assert!(c.release(r).is_ok(), "{r}");
        }
        assert_eq!(c.known_releases().last(), Some(&c.newest()));
    }

    /// Actions per feature in a release, for the version tests below.
    fn actions(c: &Catalogue, feature: &str, version: &str) -> Vec<(String, String, Vec<String>)> {
        let f = c.feature(feature).unwrap();
        c.checks_for(f, &parse_version(version).unwrap())
            .map(|k| {
                (
                    k.action.clone(),
                    k.resource.clone(),
                    k.context
                        .iter()
                        .map(|e| format!("{}={}", e.key, e.values.join("|")))
                        .collect(),
                )
            })
            .collect()
    }

    #[test]
    fn features_added_after_1_3_exist_only_from_their_release() {
        let c = Catalogue::embedded();
        for (feature, since, before) in [
            ("vector-search", "1.4.0", "1.3.1"),
            ("vector-indexes", "1.4.0", "1.3.1"),
            ("locks", "1.6.0", "1.5.0"),
            ("locks-in-transactions", "1.6.0", "1.5.0"),
        ] {
            assert!(
                actions(&c, feature, before).is_empty(),
                "{feature} at {before}"
            );
            assert!(
                !actions(&c, feature, since).is_empty(),
                "{feature} at {since}"
            );
            assert_eq!(
                actions(&c, feature, since),
                actions(&c, feature, "1.8.0"),
                "{feature}"
            );
            let err = c
                .resolve_features_at(&[feature], &parse_version(before).unwrap())
                .unwrap_err();
            let msg = err[0].to_string();
            assert!(
                msg.contains(&format!("`{feature}` needs pydynox {since} or later"))
                    && msg.contains(before),
                "{msg}"
            );
            assert!(
                c.resolve_features_at(&[feature], &parse_version(since).unwrap())
                    .is_ok()
            );
        }
        assert_eq!(
            actions(&c, "vector-search", "1.8.0"),
            vec![("dynamodb:SearchVectors".into(), "index".into(), vec![])]
        );
        let names = |v: Vec<(String, String, Vec<String>)>| -> Vec<String> {
            v.into_iter()
                .map(|(a, r, _)| format!("{a} on {r}"))
                .collect()
        };
        assert_eq!(
            names(actions(&c, "vector-indexes", "1.4.0")),
            vec![
                "dynamodb:UpdateTable on table",
                "dynamodb:DescribeTable on table"
            ]
        );
        assert_eq!(
            names(actions(&c, "locks", "1.6.0")),
            vec![
                "dynamodb:GetItem on lock-table",
                "dynamodb:PutItem on lock-table",
                "dynamodb:UpdateItem on lock-table",
                "dynamodb:DeleteItem on lock-table"
            ]
        );
        assert_eq!(
            actions(&c, "locks-in-transactions", "1.6.0"),
            vec![(
                "dynamodb:ConditionCheckItem".into(),
                "lock-table".into(),
                vec!["dynamodb:EnclosingOperation=TransactWriteItems".into()]
            )]
        );
        // The docs page's section name covers both lock features.
        assert_eq!(
            c.resolve_features(&["distributed-locks"]).unwrap(),
            vec!["locks", "locks-in-transactions"]
        );
    }

    #[test]
    fn writes_send_return_consumed_capacity_indexes_from_1_4() {
        let c = Catalogue::embedded();
        let rcc = |version: &str, action: &str| -> Vec<String> {
            actions(&c, "crud", version)
                .into_iter()
                .filter(|(a, _, _)| a == action)
                .flat_map(|(_, _, ctx)| ctx)
                .collect()
        };
        for v in ["1.3.0", "1.3.1"] {
            for a in [
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
                "dynamodb:DeleteItem",
            ] {
                assert_eq!(
                    rcc(v, a),
                    vec!["dynamodb:ReturnConsumedCapacity=TOTAL"],
                    "{a} {v}"
                );
            }
        }
        for v in ["1.4.0", "1.8.0"] {
            for a in [
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
                "dynamodb:DeleteItem",
            ] {
                assert_eq!(
                    rcc(v, a),
                    vec!["dynamodb:ReturnConsumedCapacity=INDEXES"],
                    "{a} {v}"
                );
            }
            assert_eq!(
                rcc(v, "dynamodb:GetItem"),
                vec!["dynamodb:ReturnConsumedCapacity=TOTAL"]
            );
        }
        // One row per action in every release: the before/since pairs never overlap or gap.
        for v in c.known_releases() {
            let n = c.checks_for(c.feature("crud").unwrap(), &v).count();
            assert_eq!(n, 4, "crud at {v}");
        }
    }
}
