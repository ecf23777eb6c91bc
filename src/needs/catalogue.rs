//! The pydynox catalogue: which IAM actions each pydynox feature needs, on which resource
//! kind, with which request context, per pydynox release. Owns loading and validating the
//! embedded data file and selecting checks for a version; must not know about AWS or output.

use std::collections::{BTreeMap, BTreeSet};

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
    #[error("`{0}` is not a pydynox version (expected MAJOR.MINOR.PATCH, e.g. 1.3.0)")]
    BadVersion(String),
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
    pub summary: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docs_note: Option<String>,
    pub checks: Vec<CheckSpec>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    pub newest_release: String,
    pub resources: BTreeMap<String, ResourceKind>,
    pub aliases: BTreeMap<String, Vec<String>>,
    pub features: Vec<Feature>,
}

impl Catalogue {
    /// The catalogue compiled into this binary.
    pub fn embedded() -> Catalogue {
        // The data is validated by a unit test; failing here is a build bug, not user input.
        Catalogue::parse(CATALOGUE_TOML).expect("embedded catalogue is valid (see catalogue tests)")
    }

    pub fn parse(text: &str) -> Result<Catalogue, CatalogueError> {
        let cat: Catalogue =
            toml::from_str(text).map_err(|e| CatalogueError::Invalid(e.to_string()))?;
        cat.validate()?;
        Ok(cat)
    }

    fn validate(&self) -> Result<(), CatalogueError> {
        let mut errors = Vec::new();
        if Version::parse(&self.newest_release).is_err() {
            errors.push(format!(
                "newest_release `{}` is not a version",
                self.newest_release
            ));
        }
        let mut names = BTreeSet::new();
        for f in &self.features {
            if !names.insert(f.name.as_str()) {
                errors.push(format!("feature `{}` is defined twice", f.name));
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
                for v in c.since.iter().chain(c.before.iter()) {
                    if Version::parse(v).is_err() {
                        errors.push(format!("feature `{}`: `{v}` is not a version", f.name));
                    }
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

    /// The checks a feature makes in the given pydynox release.
    pub fn checks_for<'a>(
        &'a self,
        feature: &'a Feature,
        version: &Version,
    ) -> impl Iterator<Item = &'a CheckSpec> + 'a {
        let version = version.clone();
        feature.checks.iter().filter(move |c| applies(c, &version))
    }

    pub fn newest(&self) -> Version {
        Version::parse(&self.newest_release).expect("validated")
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

/// Parses a user-supplied pydynox version; `0.14` is read as `0.14.0`, and a leading `v` is accepted.
pub fn parse_version(s: &str) -> Result<Version, CatalogueError> {
    let t = s.trim().trim_start_matches('v');
    let padded = match t.matches('.').count() {
        0 => format!("{t}.0.0"),
        1 => format!("{t}.0"),
        _ => t.to_string(),
    };
    Version::parse(&padded).map_err(|_| CatalogueError::BadVersion(s.to_string()))
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
        assert_eq!(acts("0.13.2"), vec!["kms:Encrypt", "kms:Decrypt"]);
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
[resources.table]
template = "t"
flag = "--table"
[aliases]
a = ["nope"]
[[features]]
name = "f"
summary = "s"
checks = [{ action = "GetItem", resource = "tabel" }]
"#;
        let msg = Catalogue::parse(text).unwrap_err().to_string();
        for part in ["newest_release", "tabel", "service prefix", "nope"] {
            assert!(msg.contains(part), "missing {part} in {msg}");
        }
    }

    #[test]
    fn versions_parse_leniently_but_reject_garbage() {
        assert_eq!(parse_version("v0.14").unwrap(), Version::new(0, 14, 0));
        assert!(parse_version("latest").is_err());
    }
}
