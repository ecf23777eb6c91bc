//! The catalogue against the real library: the newest pydynox release the catalogue knows
//! (pinned in tools/pydynox-probe/requirements.txt, installed by localstack/start.sh) runs
//! every feature against moto's server through a recording endpoint
//! (tools/pydynox-probe/probe.py, record_proxy.py). Each recorded AWS request is turned into
//! the IAM requests AWS authorizes it by (action, resource, the condition keys it carries)
//! and must be covered by the catalogue's checks for the declared features, on the same
//! resource kind with the same context.
//!
//! Not covered by recording, and why: moto does not serve vector search, so SearchVectors
//! and the vector index UpdateTable are recorded as sent but their answers are errors (no
//! paging or wait loop after them is seen); `table-cmk`'s kms:DescribeKey/kms:CreateGrant are
//! made by DynamoDB on the caller's behalf, not by the client; s3:AbortMultipartUpload only
//! happens when a part upload fails; global keys (aws:SecureTransport, aws:SourceIp) are not
//! request fields.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use pydynox_iam::iam::actions;
use pydynox_iam::needs::catalogue::{Catalogue, parse_version};
use semver::Version;
use serde_json::Value;

use crate::common;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The operation → IAM actions mapping shared with the catalogue-diff tool.
pub fn operation_actions() -> BTreeMap<String, Vec<String>> {
    let text = std::fs::read_to_string(root().join("tools/catalogue-diff/operation-actions.json"))
        .unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    serde_json::from_value(v["operations"].clone()).unwrap()
}

/// One IAM authorization a recorded request needs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Needed {
    action: String,
    resource: String,
    kind: String,
    /// Service condition keys the request carries, for keys SAR lists on the action.
    context: BTreeMap<String, String>,
}

struct Probe {
    result: Value,
}

impl Probe {
    fn lock_table(&self) -> &str {
        self.result["lock_table"].as_str().unwrap()
    }
    fn key_arn(&self) -> &str {
        self.result["key_arn"].as_str().unwrap()
    }
    fn scenarios(&self) -> &Vec<Value> {
        self.result["scenarios"].as_array().unwrap()
    }
}

/// Runs the probe once for the whole test binary.
fn probe() -> &'static Probe {
    static PROBE: std::sync::OnceLock<Probe> = std::sync::OnceLock::new();
    PROBE.get_or_init(|| {
        let python = std::env::var("PYDYNOX_IAM_PYDYNOX_PYTHON").unwrap_or_else(|_| {
            panic!("PYDYNOX_IAM_PYDYNOX_PYTHON is not set; run the tests with `make test`")
        });
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("probe.json");
        let run = Command::new(&python)
            .arg(root().join("tools/pydynox-probe/probe.py"))
            .arg("--upstream")
            .arg(common::moto_endpoint())
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap_or_else(|e| panic!("run {python}: {e}"));
        assert!(
            run.status.success(),
            "probe failed ({}):\n{}",
            run.status,
            String::from_utf8_lossy(&run.stderr)
        );
        let result = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        Probe { result }
    })
}

fn table_arn(table: &str) -> String {
    format!(
        "arn:aws:dynamodb:{}:{}:table/{table}",
        common::REGION,
        common::ACCOUNT
    )
}

/// The table (and index) a PartiQL statement names, and its IAM action.
fn partiql(statement: &str) -> (String, String, Option<String>) {
    let words: Vec<&str> = statement.split_whitespace().collect();
    let verb = words[0].to_ascii_uppercase();
    let (action, after) = match verb.as_str() {
        "SELECT" => ("dynamodb:PartiQLSelect", "FROM"),
        "INSERT" => ("dynamodb:PartiQLInsert", "INTO"),
        "UPDATE" => ("dynamodb:PartiQLUpdate", "UPDATE"),
        "DELETE" => ("dynamodb:PartiQLDelete", "FROM"),
        other => panic!("unknown PartiQL verb `{other}` in {statement}"),
    };
    let pos = words
        .iter()
        .position(|w| w.eq_ignore_ascii_case(after))
        .unwrap();
    let target = words[pos + 1];
    let mut parts = target.split('.').map(|p| p.trim_matches('"').to_string());
    let table = parts.next().unwrap();
    (action.to_string(), table, parts.next())
}

/// What AWS authorizes for one recorded call.
fn needed(call: &Value, probe: &Probe) -> Vec<Needed> {
    let service = call["service"].as_str().unwrap();
    let op = call["operation"].as_str().unwrap();
    let d = &call["details"];
    let mapped = operation_actions()
        .get(&format!("{service}:{op}"))
        .cloned()
        .unwrap_or_else(|| panic!("`{service}:{op}` is not in operation-actions.json"));
    let kind_of_table = |t: &str| {
        if t == probe.lock_table() {
            "lock-table"
        } else {
            "table"
        }
    };
    let mut out = Vec::new();
    let mut push = |action: &str, resource: String, kind: &str, ctx: Vec<(&str, String)>| {
        assert!(
            mapped.iter().any(|a| a == action),
            "{service}:{op} authorized as {action}, which operation-actions.json does not list"
        );
        // Only the condition keys SAR lists for the action reach its evaluation, and
        // dynamodb:EnclosingOperation on every transaction element: AWS's page "Using IAM
        // with DynamoDB transactions" conditions ConditionCheckItem on it, though SAR does
        // not list it for that action.
        let keys = actions::lookup(action)
            .map(|i| i.condition_keys.clone())
            .unwrap_or_default();
        let context = ctx
            .into_iter()
            .filter(|(k, _)| {
                *k == "dynamodb:EnclosingOperation"
                    || keys.iter().any(|x| x.eq_ignore_ascii_case(k))
            })
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        out.push(Needed {
            action: action.into(),
            resource,
            kind: kind.into(),
            context,
        });
    };
    let rcc = || -> Vec<(&'static str, String)> {
        d["ReturnConsumedCapacity"]
            .as_str()
            .map(|v| vec![("dynamodb:ReturnConsumedCapacity", v.to_string())])
            .unwrap_or_default()
    };
    match (service, op) {
        ("dynamodb", "ListTables") => push("dynamodb:ListTables", "*".into(), "any", vec![]),
        ("dynamodb", "BatchGetItem" | "BatchWriteItem") => {
            for t in d["RequestTables"].as_array().unwrap() {
                let t = t.as_str().unwrap();
                push(
                    &format!("dynamodb:{op}"),
                    table_arn(t),
                    kind_of_table(t),
                    rcc(),
                );
            }
        }
        ("dynamodb", "TransactWriteItems" | "TransactGetItems") => {
            for e in d["TransactItems"].as_array().unwrap() {
                let t = e["TableName"].as_str().unwrap();
                let action = match e["Kind"].as_str().unwrap() {
                    "Put" => "dynamodb:PutItem",
                    "Update" => "dynamodb:UpdateItem",
                    "Delete" => "dynamodb:DeleteItem",
                    "ConditionCheck" => "dynamodb:ConditionCheckItem",
                    "Get" => "dynamodb:GetItem",
                    other => panic!("unknown transaction element `{other}`"),
                };
                push(
                    action,
                    table_arn(t),
                    kind_of_table(t),
                    vec![("dynamodb:EnclosingOperation", op.to_string())],
                );
            }
        }
        ("dynamodb", "ExecuteStatement") => {
            let (action, t, index) = partiql(d["Statement"].as_str().unwrap());
            match index {
                Some(i) => push(
                    &action,
                    format!("{}/index/{i}", table_arn(&t)),
                    "index",
                    rcc(),
                ),
                None => push(&action, table_arn(&t), kind_of_table(&t), rcc()),
            }
        }
        ("dynamodb", _) => {
            let t = d["TableName"].as_str().unwrap();
            match d["IndexName"].as_str() {
                Some(i) => push(
                    &format!("dynamodb:{op}"),
                    format!("{}/index/{i}", table_arn(t)),
                    "index",
                    rcc(),
                ),
                None => push(
                    &format!("dynamodb:{op}"),
                    table_arn(t),
                    kind_of_table(t),
                    rcc(),
                ),
            }
        }
        ("kms", _) => {
            // Decrypt names no key: KMS finds it in the ciphertext, which was made with this key.
            if let Some(k) = d["KeyId"].as_str() {
                assert_eq!(k, probe.key_arn());
            }
            push(
                &format!("kms:{op}"),
                probe.key_arn().into(),
                "kms-key",
                vec![],
            )
        }
        ("s3", _) => {
            let arn = format!(
                "arn:aws:s3:::{}/{}",
                d["Bucket"].as_str().unwrap(),
                d["Key"].as_str().unwrap()
            );
            let action = mapped[0].clone();
            push(&action, arn, "s3-object", vec![])
        }
        ("sts", "AssumeRole") => push(
            "sts:AssumeRole",
            d["RoleArn"].as_str().unwrap().into(),
            "role",
            vec![],
        ),
        _ => panic!("unexpected call {call}"),
    }
    out
}

/// Whether a catalogue check covers the need: same action, same resource kind, and the
/// same value for every service condition key either side carries (global `aws:` keys are
/// not request fields and cannot be recorded).
fn covered(cat: &Catalogue, features: &[String], version: &Version, n: &Needed) -> bool {
    features.iter().filter_map(|f| cat.feature(f)).any(|f| {
        cat.checks_for(f, version).any(|c| {
            let theirs: BTreeMap<String, String> = c
                .context
                .iter()
                .filter(|e| !e.key.to_ascii_lowercase().starts_with("aws:"))
                .map(|e| (e.key.clone(), e.values.join(",")))
                .collect();
            c.action == n.action && c.resource == n.kind && theirs == n.context
        })
    })
}

/// Every need the catalogue at `version` does not cover: (scenario, need).
fn gaps(cat: &Catalogue, version: &Version) -> Vec<(String, Needed)> {
    let p = probe();
    let mut out = Vec::new();
    for s in p.scenarios() {
        let features: Vec<String> = s["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_str().unwrap().to_string())
            .collect();
        for call in s["calls"].as_array().unwrap() {
            for n in needed(call, p) {
                if !covered(cat, &features, version, &n) {
                    out.push((s["name"].as_str().unwrap().to_string(), n));
                }
            }
        }
    }
    out
}

fn requirement_pin(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .find_map(|l| l.trim().strip_prefix("pydynox=="))
        .expect("a pydynox== pin")
        .to_string()
}

#[test]
fn the_probe_runs_the_newest_release_the_catalogue_knows() {
    let cat = Catalogue::embedded();
    let pin = requirement_pin(&root().join("tools/pydynox-probe/requirements.txt"));
    assert_eq!(
        pin, cat.newest_release,
        "bump the probe's pin with the catalogue"
    );
    assert_eq!(
        probe().result["pydynox_version"],
        cat.newest_release.as_str()
    );
}

#[test]
fn every_feature_of_the_newest_release_is_probed_and_every_scenario_made_calls() {
    let cat = Catalogue::embedded();
    let probed: BTreeSet<String> = probe()
        .scenarios()
        .iter()
        .flat_map(|s| s["features"].as_array().unwrap().iter())
        .map(|f| f.as_str().unwrap().to_string())
        .collect();
    for f in &cat.features {
        if cat.has_feature(f, &cat.newest()) {
            assert!(
                probed.contains(&f.name),
                "no probe scenario uses `{}`",
                f.name
            );
        }
    }
    for s in probe().scenarios() {
        assert!(
            !s["calls"].as_array().unwrap().is_empty(),
            "scenario `{}` recorded no AWS call",
            s["name"]
        );
        // Only the scenarios moto cannot serve may fail, and they must.
        let vector = s["name"].as_str().unwrap().starts_with("vector-");
        assert_eq!(s["error"].is_null(), !vector, "{s:#}");
    }
}

#[test]
fn the_catalogue_covers_every_call_the_newest_release_really_makes() {
    let cat = Catalogue::embedded();
    let gaps = gaps(&cat, &cat.newest());
    assert!(
        gaps.is_empty(),
        "calls the catalogue does not cover:\n{}",
        gaps.iter()
            .map(|(s, n)| format!("  {s}: {n:?}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The same recording judged by the catalogue's 1.3.0 checks shows exactly the changes since:
/// the writes' ReturnConsumedCapacity=INDEXES, locks, and vector search. Every other
/// 1.3-era call agrees. This is what the test would have said of the 1.3.0 catalogue.
#[test]
fn judged_as_1_3_0_the_recording_shows_exactly_the_changes_since() {
    let cat = Catalogue::embedded();
    let old = gaps(&cat, &parse_version("1.3.0").unwrap());
    let mut rcc_indexes = 0;
    let mut locks = 0;
    for (scenario, n) in &old {
        let new_feature = ["locks", "vector-"].iter().any(|p| scenario.starts_with(p));
        let indexes_write = [
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
        ]
        .contains(&n.action.as_str())
            && n.kind == "table"
            && n.context
                .get("dynamodb:ReturnConsumedCapacity")
                .map(String::as_str)
                == Some("INDEXES");
        assert!(
            new_feature || indexes_write,
            "a 1.3-era call the 1.3.0 catalogue does not cover: {scenario}: {n:?}"
        );
        rcc_indexes += usize::from(indexes_write);
        locks += usize::from(n.kind == "lock-table");
    }
    assert!(rcc_indexes >= 3, "{old:#?}");
    assert!(locks >= 4, "{old:#?}");
    assert!(
        old.iter()
            .any(|(_, n)| n.action == "dynamodb:SearchVectors")
    );
    assert!(
        old.iter()
            .any(|(_, n)| n.action == "dynamodb:ConditionCheckItem" && n.kind == "lock-table")
    );
}

#[test]
fn the_lock_table_and_the_vector_index_are_the_resources_the_library_used() {
    let p = probe();
    let calls = |prefix: &str| -> Vec<Needed> {
        p.scenarios()
            .iter()
            .filter(|s| s["name"].as_str().unwrap().starts_with(prefix))
            .flat_map(|s| s["calls"].as_array().unwrap().iter())
            .flat_map(|c| needed(c, p))
            .collect()
    };
    let lock: BTreeSet<(String, String)> = calls("locks:")
        .into_iter()
        .map(|n| (n.action, n.kind))
        .collect();
    for a in ["GetItem", "PutItem", "UpdateItem", "DeleteItem"] {
        assert!(
            lock.contains(&(format!("dynamodb:{a}"), "lock-table".into())),
            "{a}: {lock:?}"
        );
    }
    let search = calls("vector-search");
    assert!(
        search.iter().all(
            |n| n.action == "dynamodb:SearchVectors" && n.resource.ends_with("/index/semantic")
        )
    );
    // KMS: pydynox sends the attribute's encryption context and nothing of its own.
    for s in p.scenarios() {
        for c in s["calls"].as_array().unwrap() {
            if c["service"] == "kms" {
                assert_eq!(
                    c["details"]["EncryptionContext"],
                    serde_json::json!({"tenant": "probe"}),
                    "{c}"
                );
            }
        }
    }
}
