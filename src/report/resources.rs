//! How reports for people name a row's resource and its request context: a short name
//! (`table/orders`, `index/by-email`, `key/1234abcd…`, `s3://media/avatars/`) with the full
//! ARN given once in a legend, a short tag for the request context (`tx-write`, another
//! region or account), and rows grouped by resource, worst verdict first. Shared by the
//! terminal table and the HTML report; pure (no I/O), and decides nothing about verdicts.

use std::collections::BTreeMap;

use crate::iam::arn::Arn;
use crate::needs::plan::S3_PROBE_OBJECT;
use crate::report::model::{Report, Row, Verdict};

/// Characters of a KMS key id kept in its short name.
const KEY_ID_CHARS: usize = 8;

/// The short name of one resource, without looking at the others (see [`ShortNames`] for
/// names that stay unique within a report).
pub fn short_resource(resource: &str) -> String {
    let Some(arn) = Arn::parse(resource) else {
        return resource.to_string();
    };
    match arn.service {
        "dynamodb" => match arn.resource.split_once("/index/") {
            Some((_, index)) => format!("index/{index}"),
            None => arn.resource.to_string(),
        },
        "kms" => match arn.resource.strip_prefix("key/") {
            Some(id) if id.chars().count() > KEY_ID_CHARS => {
                format!("key/{}…", id.chars().take(KEY_ID_CHARS).collect::<String>())
            }
            _ => arn.resource.to_string(),
        },
        // The object `check` probes stands for every object under its prefix.
        "s3" => match arn.resource.strip_suffix(S3_PROBE_OBJECT) {
            Some(prefix) => format!("s3://{prefix}"),
            None => format!("s3://{}", arn.resource),
        },
        "iam" | "sts" => arn.resource.to_string(),
        _ => resource.to_string(),
    }
}

/// Short names for every resource of a report, unique within it: where two resources would
/// share one (an index name on two tables, a table of the same name in two regions), the
/// longer `table/T/index/I` is tried, then the full ARN.
#[derive(Debug, Clone, Default)]
pub struct ShortNames {
    by_resource: BTreeMap<String, String>,
}

impl ShortNames {
    pub fn new<'a>(resources: impl IntoIterator<Item = &'a str>) -> ShortNames {
        let mut all: Vec<&str> = resources.into_iter().collect();
        all.sort_unstable();
        all.dedup();
        let candidates: [fn(&str) -> String; 3] = [
            short_resource,
            |r| match Arn::parse(r) {
                Some(a) if a.service == "dynamodb" => a.resource.to_string(),
                _ => r.to_string(),
            },
            |r| r.to_string(),
        ];
        let mut by_resource = BTreeMap::new();
        let mut pending = all;
        for candidate in candidates {
            let mut counts: BTreeMap<String, usize> = BTreeMap::new();
            let taken: Vec<String> = by_resource.values().cloned().collect();
            for r in &pending {
                *counts.entry(candidate(r)).or_default() += 1;
            }
            let mut still = Vec::new();
            for r in pending {
                let name = candidate(r);
                if counts[&name] == 1 && !taken.contains(&name) {
                    by_resource.insert(r.to_string(), name);
                } else {
                    still.push(r);
                }
            }
            pending = still;
        }
        for r in pending {
            by_resource.insert(r.to_string(), r.to_string());
        }
        ShortNames { by_resource }
    }

    /// Short names for the rows of a report.
    pub fn of_report(report: &Report) -> ShortNames {
        ShortNames::new(report.rows.iter().map(|r| r.resource.as_str()))
    }

    pub fn get<'a>(&'a self, resource: &'a str) -> &'a str {
        self.by_resource
            .get(resource)
            .map(String::as_str)
            .unwrap_or(resource)
    }

    /// The resources whose short name differs from the full one, as (short, full), by short
    /// name: the legend.
    pub fn legend(&self) -> Vec<(&str, &str)> {
        let mut v: Vec<(&str, &str)> = self
            .by_resource
            .iter()
            .filter(|(full, short)| full != short)
            .map(|(full, short)| (short.as_str(), full.as_str()))
            .collect();
        v.sort_unstable();
        v
    }

    /// `text` with every full resource name replaced by its short name (longest first, so a
    /// table's ARN does not eat into its index's).
    pub fn shorten_text(&self, text: &str) -> String {
        let mut pairs: Vec<(&String, &String)> = self
            .by_resource
            .iter()
            .filter(|(full, short)| full != short)
            .collect();
        pairs.sort_by_key(|(full, _)| std::cmp::Reverse(full.len()));
        let mut out = text.to_string();
        for (full, short) in pairs {
            out = out.replace(full.as_str(), short);
        }
        out
    }
}

/// The request context of a row as a short tag: `tx-write` / `tx-get` for a transaction's
/// element, the resource's region or account where they differ from the run's, other keys
/// as `key=value` without their service prefix. Empty when there is nothing to say.
pub fn context_tag(row: &Row, report: &Report) -> String {
    let mut tags: Vec<String> = Vec::new();
    for c in &row.context {
        match (c.key.as_str(), c.values.as_slice()) {
            ("dynamodb:EnclosingOperation", [v]) if v == "TransactWriteItems" => {
                tags.push("tx-write".into())
            }
            ("dynamodb:EnclosingOperation", [v]) if v == "TransactGetItems" => {
                tags.push("tx-get".into())
            }
            // Sent with every call pydynox makes of these actions; a tag on each row would
            // say nothing (the JSON and `--wide` keep it).
            ("dynamodb:ReturnConsumedCapacity", _) | ("aws:SecureTransport", _) => {}
            (key, values) => {
                let key = key.split_once(':').map(|(_, k)| k).unwrap_or(key);
                tags.push(format!("{key}={}", values.join(",")))
            }
        }
    }
    if let Some(arn) = Arn::parse(&row.resource) {
        if !arn.region.is_empty() && arn.region != report.region {
            tags.push(arn.region.to_string());
        }
        if !arn.account.is_empty() && arn.account != report.principal.account {
            tags.push(format!("account {}", arn.account));
        }
    }
    tags.join(" ")
}

/// The rows of one resource, in report order.
#[derive(Debug)]
pub struct ResourceGroup<'a> {
    pub resource: &'a str,
    /// The worst verdict among the rows (a waived row counts with its own verdict).
    pub worst: Verdict,
    /// Indexes into `report.rows`.
    pub rows: Vec<usize>,
}

/// The report's rows grouped by resource: groups with a FAIL first, then INCONCLUSIVE, then
/// PASS, each in the order its first row appears.
pub fn groups(report: &Report) -> Vec<ResourceGroup<'_>> {
    let mut groups: Vec<ResourceGroup> = Vec::new();
    for (i, r) in report.rows.iter().enumerate() {
        match groups.iter_mut().find(|g| g.resource == r.resource) {
            Some(g) => {
                g.rows.push(i);
                g.worst = g.worst.max(r.verdict);
            }
            None => groups.push(ResourceGroup {
                resource: &r.resource,
                worst: r.verdict,
                rows: vec![i],
            }),
        }
    }
    groups.sort_by_key(|g| std::cmp::Reverse(g.worst));
    groups
}

/// One statement to add, for people: `allow dynamodb:Query, dynamodb:Scan on index/by-email`.
pub fn statement_summary(statement: &serde_json::Value, names: &ShortNames) -> String {
    let list = |v: Option<&serde_json::Value>| -> Vec<String> {
        match v {
            Some(serde_json::Value::String(s)) => vec![s.clone()],
            Some(serde_json::Value::Array(a)) => a
                .iter()
                .map(|x| {
                    x.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| x.to_string())
                })
                .collect(),
            Some(other) => vec![other.to_string()],
            None => Vec::new(),
        }
    };
    let effect = statement
        .get("Effect")
        .and_then(|e| e.as_str())
        .unwrap_or("Allow")
        .to_lowercase();
    let actions = list(statement.get("Action")).join(", ");
    let resources: Vec<String> = list(statement.get("Resource"))
        .iter()
        .map(|r| names.get(r).to_string())
        .collect();
    let mut s = format!("{effect} {actions} on {}", resources.join(", "));
    if statement.get("Condition").is_some() {
        s.push_str(" (with a condition)");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_of_each_kind() {
        let cases = [
            (
                "arn:aws:dynamodb:us-east-1:111122223333:table/orders",
                "table/orders",
            ),
            (
                "arn:aws:dynamodb:us-east-1:111122223333:table/orders/index/by-email",
                "index/by-email",
            ),
            (
                "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                "key/1234abcd…",
            ),
            (
                "arn:aws:s3:::media/avatars/pydynox-iam-check",
                "s3://media/avatars/",
            ),
            ("arn:aws:s3:::media", "s3://media"),
            ("arn:aws:iam::111122223333:role/writer", "role/writer"),
            ("*", "*"),
            (
                "unresolved table at app.py:3:1",
                "unresolved table at app.py:3:1",
            ),
        ];
        for (full, short) in cases {
            assert_eq!(short_resource(full), short, "{full}");
        }
    }

    #[test]
    fn colliding_short_names_fall_back_to_longer_ones() {
        let a = "arn:aws:dynamodb:us-east-1:1:table/a/index/by-email";
        let b = "arn:aws:dynamodb:us-east-1:1:table/b/index/by-email";
        let t1 = "arn:aws:dynamodb:us-east-1:1:table/t";
        let t2 = "arn:aws:dynamodb:eu-west-1:1:table/t";
        let n = ShortNames::new([a, b, t1, t2]);
        assert_eq!(n.get(a), "table/a/index/by-email");
        assert_eq!(n.get(b), "table/b/index/by-email");
        assert_eq!(n.get(t1), t1);
        assert_eq!(n.get(t2), t2);
    }

    #[test]
    fn shortening_text_replaces_the_longest_arn_first() {
        let t = "arn:aws:dynamodb:us-east-1:1:table/t";
        let i = "arn:aws:dynamodb:us-east-1:1:table/t/index/i";
        let n = ShortNames::new([t, i]);
        assert_eq!(
            n.shorten_text(&format!("Query on {i}; GetItem on {t}")),
            "Query on index/i; GetItem on table/t"
        );
    }
}
