//! Roles that describe their own needs with tags (`pydynox:features`, `pydynox:tables`, ...),
//! for `check --all-roles`: which tags say what, and the [`PlanInput`] they make, validated by
//! the same [`build_plan`] as the flags and the config file. Owns the tag vocabulary; must not
//! read AWS or decide anything.
//!
//! IAM tag values may hold letters, digits, spaces and `_ . : / = + - @` (IAM User Guide,
//! "Tagging IAM resources", tag rules): no comma. Lists are therefore separated by spaces (a
//! comma is accepted too, for tags written by tools that allow it).

use std::collections::BTreeMap;

use crate::needs::catalogue::Catalogue;
use crate::needs::plan::{CheckPlan, PlanInput, build_plan};

/// The prefix of every tag key this tool reads.
pub const PREFIX: &str = "pydynox:";

/// Each tag key (after the prefix), the flag it stands for, and whether it holds a list.
pub const KEYS: &[(&str, &str, bool)] = &[
    ("features", "--features", true),
    ("tables", "--table", true),
    ("indexes", "--index", true),
    ("all-indexes", "--all-indexes", false),
    ("kms-key", "--kms-key", false),
    ("bucket", "--bucket", false),
    ("prefix", "--prefix", false),
    ("lock-table", "--lock-table", false),
    ("assume-role-arn", "--assume-role-arn", false),
    ("version", "--pydynox-version", false),
];

/// Whether the tags say anything to this tool (a key with the prefix, any case).
pub fn is_described(tags: &BTreeMap<String, String>) -> bool {
    tags.keys().any(|k| has_prefix(k))
}

/// Whether a tag key starts with `pydynox:` in any case. By `get`, not by slicing: IAM tag keys
/// may hold any Unicode letter, and a byte index inside one must not panic.
fn has_prefix(key: &str) -> bool {
    key.get(..PREFIX.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(PREFIX))
}

fn list(v: &str) -> Vec<String> {
    v.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The check a role's tags describe, for the role `role_arn`. Every problem at once, each
/// naming the tag: an unknown `pydynox:` key, a value the flag it stands for would refuse.
pub fn plan_from_tags(
    cat: &Catalogue,
    role_arn: &str,
    tags: &BTreeMap<String, String>,
) -> Result<CheckPlan, Vec<String>> {
    let mut input = PlanInput {
        role: Some(role_arn.to_string()),
        ..PlanInput::default()
    };
    let mut errors = Vec::new();
    for (key, value) in tags {
        if !has_prefix(key) {
            continue;
        }
        let name = &key[PREFIX.len()..];
        let Some((_, _, is_list)) = KEYS.iter().find(|(k, _, _)| *k == name) else {
            errors.push(format!(
                "tag `{key}` is not a pydynox-iam tag; use one of {}",
                KEYS.iter()
                    .map(|(k, _, _)| format!("`{PREFIX}{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            continue;
        };
        let one = value.trim().to_string();
        if !is_list && one.is_empty() {
            errors.push(format!(
                "tag `{key}` is empty; give its value or remove the tag"
            ));
            continue;
        }
        match name {
            "features" => input.features = list(value),
            "tables" => input.tables = list(value),
            "indexes" => input.indexes = list(value),
            "all-indexes" => match one.as_str() {
                "true" => input.all_indexes = true,
                "false" => {}
                other => errors.push(format!(
                    "tag `{key}` is `{other}`; it takes `true` or `false`"
                )),
            },
            "kms-key" => input.kms_key = Some(one),
            "bucket" => input.bucket = Some(one),
            "prefix" => input.prefix = one,
            "lock-table" => input.lock_table = Some(one),
            "assume-role-arn" => input.assume_role_arn = Some(one),
            "version" => input.pydynox_version = Some(one),
            _ => unreachable!("every key of KEYS is matched"),
        }
        if *is_list && list(value).is_empty() {
            errors.push(format!(
                "tag `{key}` is empty; give its value or remove the tag"
            ));
        }
    }
    if input.features.is_empty() && errors.is_empty() {
        errors.push(format!(
            "tag `{PREFIX}features` is missing; the role's pydynox tags must name its features (e.g. `{PREFIX}features` = `crud query`)"
        ));
    }
    if input.all_indexes && !input.indexes.is_empty() {
        errors.push(format!(
            "tags `{PREFIX}indexes` and `{PREFIX}all-indexes` cannot both be given (as --index and --all-indexes)"
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    // The plan's messages name flags; each flag is the tag of the same name (README, "Roles
    // that describe themselves").
    build_plan(cat, &input).map_err(|errs| {
        errs.into_iter()
            .map(|e| format!("{} (from the role's {PREFIX}* tags)", as_tags(&e)))
            .collect()
    })
}

/// A plan message with each flag named as its tag (`--table` → `tag pydynox:tables`); a longer
/// flag that starts with a shorter one (`--all-indexes`, `--index`) is matched whole.
fn as_tags(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    'scan: while !rest.is_empty() {
        if rest.starts_with("--") {
            let mut best: Option<(&str, &str)> = None;
            for (k, f, _) in KEYS {
                let whole = rest.strip_prefix(f).is_some_and(|after| {
                    !after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '-')
                });
                if whole && best.is_none_or(|(bf, _)| f.len() > bf.len()) {
                    best = Some((f, k));
                }
            }
            if let Some((f, k)) = best {
                out.push_str(&format!("tag {PREFIX}{k}"));
                rest = &rest[f.len()..];
                continue 'scan;
            }
        }
        let c = rest.chars().next().expect("not empty");
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// A `--tag KEY[=VALUE]` filter: the role must have the key, with that value when given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagFilter {
    pub key: String,
    pub value: Option<String>,
}

impl TagFilter {
    pub fn parse(s: &str) -> Result<TagFilter, String> {
        let (k, v) = match s.split_once('=') {
            Some((k, v)) => (k, Some(v.to_string())),
            None => (s, None),
        };
        if k.is_empty() {
            return Err(format!("--tag `{s}` has no key; give KEY or KEY=VALUE"));
        }
        Ok(TagFilter {
            key: k.to_string(),
            value: v,
        })
    }
    /// IAM tag keys are case-insensitive for uniqueness but compared as written in conditions;
    /// a filter matches the key in any case (as IAM refuses two keys differing only in case)
    /// and the value exactly.
    pub fn matches(&self, tags: &BTreeMap<String, String>) -> bool {
        tags.iter().any(|(k, v)| {
            k.eq_ignore_ascii_case(&self.key) && self.value.as_ref().is_none_or(|want| want == v)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    const ARN: &str = "arn:aws:iam::111122223333:role/app";

    #[test]
    fn tags_make_the_plan_the_flags_would() {
        let cat = Catalogue::embedded();
        let plan = plan_from_tags(
            &cat,
            ARN,
            &tags(&[
                ("pydynox:features", "crud query"),
                ("pydynox:tables", "orders,users"),
                ("team", "payments"),
            ]),
        )
        .unwrap();
        let input = PlanInput {
            role: Some(ARN.into()),
            features: vec!["crud".into(), "query".into()],
            tables: vec!["orders".into(), "users".into()],
            ..PlanInput::default()
        };
        assert_eq!(plan, build_plan(&cat, &input).unwrap());
    }

    #[test]
    fn bad_tags_are_errors_naming_the_tag() {
        let cat = Catalogue::embedded();
        let cases: &[(&[(&str, &str)], &str)] = &[
            (
                &[("pydynox:featurs", "crud")],
                "tag `pydynox:featurs` is not a pydynox-iam tag",
            ),
            (
                &[("pydynox:tables", "orders")],
                "tag `pydynox:features` is missing",
            ),
            (
                &[
                    ("pydynox:features", "crud"),
                    ("pydynox:tables", "orders"),
                    ("pydynox:all-indexes", "yes"),
                ],
                "takes `true` or `false`",
            ),
            (
                &[
                    ("pydynox:features", "crud"),
                    ("pydynox:tables", "orders"),
                    ("pydynox:version", "9.9.9"),
                ],
                "9.9.9",
            ),
            (
                &[
                    ("pydynox:features", "teleport"),
                    ("pydynox:tables", "orders"),
                ],
                "teleport",
            ),
            (&[("pydynox:features", "crud")], "pydynox:tables"),
            (
                &[
                    ("pydynox:features", "crud"),
                    ("pydynox:tables", "orders"),
                    ("pydynox:bucket", " "),
                ],
                "tag `pydynox:bucket` is empty",
            ),
        ];
        for (t, want) in cases {
            let err = plan_from_tags(&cat, ARN, &tags(t)).unwrap_err().join("; ");
            assert!(err.contains(want), "{t:?}: {err}");
        }
    }

    #[test]
    fn plan_messages_name_the_tags() {
        assert_eq!(
            as_tags("feature `crud` needs --table; --all-indexes and --index, not --tables-x"),
            "feature `crud` needs tag pydynox:tables; tag pydynox:all-indexes and tag pydynox:indexes, not --tables-x"
        );
    }

    #[test]
    fn filters_match_key_in_any_case_and_value_exactly() {
        let t = tags(&[("Team", "payments")]);
        assert!(TagFilter::parse("team").unwrap().matches(&t));
        assert!(TagFilter::parse("team=payments").unwrap().matches(&t));
        assert!(!TagFilter::parse("team=Payments").unwrap().matches(&t));
        assert!(!TagFilter::parse("env").unwrap().matches(&t));
        assert!(TagFilter::parse("=x").is_err());
        assert!(is_described(&tags(&[("Pydynox:features", "crud")])));
        assert!(!is_described(&t));
    }

    #[test]
    fn a_non_ascii_tag_key_is_not_ours_and_does_not_panic() {
        // "projectÄ": the prefix's length falls inside `Ä`; IAM allows Unicode letters in keys.
        let t = tags(&[("projectÄ", "x"), ("ÄÄÄÄÄ", "y")]);
        assert!(!is_described(&t));
        // Reading them must not panic (it sliced by bytes before); what it concludes about a
        // role without pydynox tags is tested above.
        let _ = plan_from_tags(&Catalogue::embedded(), ARN, &t);
    }
}
