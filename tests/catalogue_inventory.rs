//! The catalogue against each release's recorded call sites (tools/catalogue-diff/inventory/,
//! written by `make catalogue-diff VERSION=...` from the release's source distribution): for
//! every release, the actions the catalogue checks are exactly the actions those call sites
//! are authorized by (through tools/catalogue-diff/operation-actions.json), plus the actions
//! AWS checks on the caller's behalf that no client call makes (`not_from_the_client`, only
//! where the catalogue has them). No network: the inventories are data in the repository.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use pydynox_iam::needs::catalogue::Catalogue;
use semver::Version;
use serde_json::Value;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tools/catalogue-diff")
}

fn mapping() -> (BTreeMap<String, Vec<String>>, BTreeSet<String>) {
    let v: Value = serde_json::from_str(
        &std::fs::read_to_string(dir().join("operation-actions.json")).unwrap(),
    )
    .unwrap();
    let ops = serde_json::from_value(v["operations"].clone()).unwrap();
    let server_side = v["not_from_the_client"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    (ops, server_side)
}

/// The committed inventories, by release.
fn inventories() -> BTreeMap<Version, Value> {
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(dir().join("inventory")).unwrap() {
        let path = e.unwrap().path();
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let version = Version::parse(v["pydynox_version"].as_str().unwrap()).unwrap();
        assert_eq!(
            path.file_name().unwrap().to_str().unwrap(),
            format!("{version}.json")
        );
        out.insert(version, v);
    }
    out
}

fn catalogue_actions(cat: &Catalogue, v: &Version) -> BTreeSet<String> {
    cat.features
        .iter()
        .flat_map(|f| cat.checks_for(f, v))
        .map(|c| c.action.clone())
        .collect()
}

#[test]
fn every_release_the_catalogue_knows_has_a_recorded_inventory() {
    let cat = Catalogue::embedded();
    let have = inventories();
    for r in cat.known_releases() {
        assert!(
            have.contains_key(&r),
            "no inventory for pydynox {r}: run `make catalogue-diff VERSION={r}`"
        );
    }
    // And none for a release the catalogue does not know.
    for v in have.keys() {
        assert!(
            cat.release(&v.to_string()).is_ok(),
            "inventory for unknown release {v}"
        );
    }
}

#[test]
fn the_catalogue_checks_exactly_what_each_releases_call_sites_need() {
    let cat = Catalogue::embedded();
    let (ops, server_side) = mapping();
    let mut errors = Vec::new();
    for (v, inv) in inventories() {
        let mut needed = BTreeSet::new();
        for site in inv["call_sites"].as_array().unwrap() {
            let op = site["operation"].as_str().unwrap();
            match ops.get(op) {
                Some(actions) => needed.extend(actions.iter().cloned()),
                None => errors.push(format!("{v}: operation `{op}` has no mapping")),
            }
        }
        let have = catalogue_actions(&cat, &v);
        for a in needed.difference(&have) {
            errors.push(format!(
                "{v}: a call site needs `{a}`, the catalogue does not check it"
            ));
        }
        for a in have.difference(&needed) {
            if !server_side.contains(a) {
                errors.push(format!(
                    "{v}: the catalogue checks `{a}`, no call site needs it"
                ));
            }
        }
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

fn diff_tool(args: &[&str]) -> std::process::Output {
    std::process::Command::new("python3")
        .arg(dir().join("catalogue_diff.py"))
        .args(args)
        .output()
        .expect("python3 runs the catalogue-diff tool")
}

/// The maintainer's tool agrees with this test on every committed inventory (its own reading
/// of `since`/`before` is the catalogue's), and reports a catalogue entry that goes missing.
#[test]
fn the_diff_tool_agrees_and_names_what_is_missing() {
    let versions: Vec<String> = inventories().keys().map(|v| v.to_string()).collect();
    let mut args: Vec<&str> = versions.iter().map(String::as_str).collect();
    args.push("--check");
    let out = diff_tool(&args);
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout)
            .matches("the catalogue matches")
            .count(),
        versions.len()
    );
    // A catalogue without ping: ListTables has a call site and no entry.
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/needs/catalogue.toml"),
    )
    .unwrap();
    let broken = text.replace(
        r#"{ action = "dynamodb:ListTables", resource = "any" },"#,
        r#"{ action = "dynamodb:DescribeTable", resource = "table" },"#,
    );
    assert_ne!(broken, text);
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("catalogue.toml");
    std::fs::write(&path, broken).unwrap();
    let out = diff_tool(&["1.8.0", "--check", "--catalogue", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("no catalogue entry for `dynamodb:ListTables`")
            && stdout.contains("src/client/mod.rs:"),
        "{stdout}"
    );
    // A version that is not a release is bad input.
    assert_eq!(diff_tool(&["1.8", "--check"]).status.code(), Some(2));
}

/// A check that claims `dynamodb:EnclosingOperation=X` exists exactly in the releases whose
/// call sites make operation X (TransactGetItems arrived in 0.21.0, after TransactWriteItems).
#[test]
fn enclosing_operations_match_the_transaction_call_sites() {
    let cat = Catalogue::embedded();
    let mut errors = Vec::new();
    for (v, inv) in inventories() {
        let ops: BTreeSet<&str> = inv["operations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o.as_str().unwrap())
            .collect();
        let enclosing: BTreeSet<String> = cat
            .features
            .iter()
            .flat_map(|f| cat.checks_for(f, &v))
            .flat_map(|c| c.context.iter())
            .filter(|e| e.key == "dynamodb:EnclosingOperation")
            .flat_map(|e| e.values.iter().map(|x| format!("dynamodb:{x}")))
            .collect();
        for op in ["dynamodb:TransactWriteItems", "dynamodb:TransactGetItems"] {
            if ops.contains(op) != enclosing.contains(op) {
                errors.push(format!(
                    "{v}: call sites make {op}: {}, catalogue checks it as an enclosing operation: {}",
                    ops.contains(op),
                    enclosing.contains(op)
                ));
            }
        }
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

/// What the inventories say changed, as the reference note found it: vector search and
/// vector index UpdateTable from 1.4.0, nothing removed, 1.3.1/1.5.0/1.7.0 add no site;
/// and before: kms:Encrypt until 0.14.0, then kms:GenerateDataKey.
#[test]
fn the_inventories_record_the_changes_between_releases() {
    let inv = inventories();
    let ops = |v: &str| -> BTreeSet<String> {
        inv[&Version::parse(v).unwrap()]["operations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o.as_str().unwrap().to_string())
            .collect()
    };
    let sites = |v: &str| {
        inv[&Version::parse(v).unwrap()]["call_sites"]
            .as_array()
            .unwrap()
            .len()
    };
    assert!(!ops("1.3.0").contains("dynamodb:SearchVectors"));
    assert!(!ops("1.3.0").contains("dynamodb:UpdateTable"));
    for v in ["1.4.0", "1.8.0"] {
        assert!(ops(v).contains("dynamodb:SearchVectors"), "{v}");
        assert!(ops(v).contains("dynamodb:UpdateTable"), "{v}");
    }
    assert!(ops("1.3.0").is_subset(&ops("1.8.0")));
    assert_eq!(sites("1.3.0"), sites("1.3.1"));
    assert_eq!(sites("1.4.0"), sites("1.5.0"));
    assert_eq!(sites("1.6.0"), sites("1.7.0"));
    assert!(
        sites("1.6.0") > sites("1.5.0"),
        "locks add call sites in 1.6.0"
    );
    assert!(
        sites("1.8.0") > sites("1.7.0"),
        "the delete wait adds a site in 1.8.0"
    );
}
