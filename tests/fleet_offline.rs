//! Fleets, plans and reports offline (issue 18): a config file never drops or shares a
//! per-service setting, resource policy files apply to the resource they name, the S3 prefix is
//! the one pydynox stores under, a feature the release lacks is refused, the lock table is a
//! resource like a table, the four report formats agree on one run, and `man` has a page per
//! subcommand. No endpoint and no credentials: everything comes from files.

use std::path::Path;

use serde_json::{Value, json};

use crate::common::{Bin, NOWHERE, Run};

const ACCOUNT: &str = "111122223333";
const KEY_A: &str = "arn:aws:kms:eu-west-1:111122223333:key/aaaaaaaa-1111-2222-3333-444444444444";
const KEY_B: &str = "arn:aws:kms:eu-west-1:111122223333:key/bbbbbbbb-1111-2222-3333-444444444444";
const KEY_C: &str = "arn:aws:kms:eu-west-1:111122223333:key/cccccccc-1111-2222-3333-444444444444";

fn run(dir: &Path, args: &[&str]) -> Run {
    Bin {
        dir: Some(dir),
        endpoint: NOWHERE.to_string(),
        offline: true,
        region: "eu-west-1",
        ..Bin::default()
    }
    .run(args)
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

fn doc(statements: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// `aws iam get-account-authorization-details` with one role per (name, inline policy).
fn details(roles: &[(&str, Value)]) -> String {
    let list: Vec<Value> = roles
        .iter()
        .map(|(name, policy)| {
            json!({
                "RoleName": name,
                "Arn": format!("arn:aws:iam::{ACCOUNT}:role/{name}"),
                "AssumeRolePolicyDocument": doc(json!([])),
                "RolePolicyList": [{"PolicyName": "inline", "PolicyDocument": policy}],
                "AttachedManagedPolicies": []
            })
        })
        .collect();
    json!({"RoleDetailList": list, "UserDetailList": [], "GroupDetailList": [], "Policies": []})
        .to_string()
}

/// A key policy that lets the account's IAM policies decide.
fn delegating_key_policy() -> String {
    doc(json!([{"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}, "Action": "kms:*", "Resource": "*"}])).to_string()
}

/// A key policy that trusts nobody (so no identity policy can grant use of the key).
fn closed_key_policy() -> String {
    doc(json!([{"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:role/key-admin")}, "Action": "kms:*", "Resource": "*"}])).to_string()
}

#[test]
fn a_flag_that_describes_one_service_is_refused_with_a_config() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "fleet.toml",
        "[[service]]\nname = \"a\"\nrole = \"svc-a\"\nfeatures = [\"crud\"]\ntables = [\"orders\"]\n",
    );
    write(d, "details.json", &details(&[("svc-a", doc(json!([])))]));
    let base = [
        "check",
        "--config",
        "fleet.toml",
        "--from-auth-details",
        "details.json",
        "--no-table-policy",
    ];
    for (flag, value, key) in [
        ("--table", Some("users"), "tables"),
        ("--index", Some("by-date"), "indexes"),
        ("--all-indexes", None, "all_indexes"),
        ("--kms-key", Some(KEY_A), "kms_key"),
        ("--bucket", Some("media"), "bucket"),
        ("--prefix", Some("docs"), "prefix"),
        ("--prefix", Some(""), "prefix"),
        (
            "--assume-role-arn",
            Some("arn:aws:iam::111122223333:role/x"),
            "assume_role_arn",
        ),
        ("--lock-table", Some("locks"), "lock_table"),
        ("--pydynox-version", Some("0.13.0"), "pydynox_version"),
        ("--context", Some("aws:SourceIp=ip:10.0.0.1"), "context"),
    ] {
        let mut args = base.to_vec();
        args.push(flag);
        args.extend(value);
        let r = run(d, &args);
        assert_eq!(r.code, 2, "{flag}: {}", r.stderr);
        assert!(
            r.stderr.contains(&format!(
                "{flag} describes one service and cannot be used with --config: set it in the file, as `{key}`"
            )),
            "{flag}: {}",
            r.stderr
        );
        assert!(r.stdout.is_empty(), "{flag}: {}", r.stdout);
    }
    // The config found in the working directory is a config too.
    std::fs::rename(d.join("fleet.toml"), d.join("pydynox-iam.toml")).unwrap();
    let r = run(
        d,
        &[
            "check",
            "--from-auth-details",
            "details.json",
            "--no-table-policy",
            "--table",
            "users",
        ],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("--table describes one service"),
        "{}",
        r.stderr
    );
}

/// The issue's own case: a role that lacks kms:Encrypt passed `--config svc.toml
/// --pydynox-version 0.13.0`, which was dropped for the newest release. Now the flag is
/// refused, and the config's own `pydynox_version` fails the row.
#[test]
fn the_release_of_a_service_is_its_own_and_never_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let policy = doc(
        json!([{"Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": KEY_A}]),
    );
    write(d, "details.json", &details(&[("svc-a", policy)]));
    write(d, "key.json", &delegating_key_policy());
    let config = |version: &str| {
        format!(
            "[[service]]\nname = \"a\"\nrole = \"svc-a\"\nfeatures = [\"encryption\"]\nkms_key = \"{KEY_A}\"\n{version}"
        )
    };
    write(d, "svc.toml", &config(""));
    let key_file = format!("{KEY_A}=key.json");
    let base = [
        "check",
        "--config",
        "svc.toml",
        "--from-auth-details",
        "details.json",
        "--key-policy-file",
        &key_file,
        "--format",
        "json",
    ];
    let newest = run(d, &base);
    assert_eq!(newest.code, 0, "{}", newest.stderr);
    let mut args = base.to_vec();
    args.extend(["--pydynox-version", "0.13.0"]);
    assert_eq!(run(d, &args).code, 2);
    write(d, "svc.toml", &config("pydynox_version = \"0.13.0\"\n"));
    let old = run(d, &base);
    assert_eq!(old.code, 1, "{}", old.stderr);
    let report = &old.json()["services"][0]["report"];
    assert_eq!(report["pydynox_version"], "0.13.0");
    assert!(
        report["rows"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["action"] == "kms:Encrypt" && r["verdict"] == "FAIL"),
        "{report:#}"
    );
}

#[test]
fn resource_policy_files_apply_to_the_resource_they_name() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let decrypt = doc(
        json!([{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"},
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"], "Resource": "*"},
        {"Effect": "Allow", "Action": "dynamodb:*Item", "Resource": "*"}]),
    );
    write(
        d,
        "details.json",
        &details(&[
            ("svc-a", decrypt.clone()),
            ("svc-b", decrypt.clone()),
            ("svc-c", decrypt.clone()),
            ("svc-d", decrypt.clone()),
            ("svc-e", decrypt.clone()),
            ("svc-f", decrypt),
        ]),
    );
    write(
        d,
        "fleet.toml",
        &format!(
            r#"[defaults]
region = "eu-west-1"

[[service]]
name = "a"
role = "svc-a"
features = ["kms-readonly"]
kms_key = "{KEY_A}"

[[service]]
name = "b"
role = "svc-b"
features = ["kms-readonly"]
kms_key = "{KEY_B}"

[[service]]
name = "c"
role = "svc-c"
features = ["s3-attribute"]
bucket = "media"

[[service]]
name = "d"
role = "svc-d"
features = ["s3-attribute"]
bucket = "other"
# Offline, who owns a bucket is unknown unless stated; without it `other` could be another
# account's, whose bucket policy would have to grant too (never PASS).
bucket_owner = "111122223333"

[[service]]
name = "e"
role = "svc-e"
features = ["crud"]
tables = ["orders"]

[[service]]
name = "f"
role = "svc-f"
features = ["crud"]
tables = ["users"]
"#
        ),
    );
    write(d, "closed.json", &closed_key_policy());
    write(d, "open.json", &delegating_key_policy());
    write(
        d,
        "deny-all.json",
        &doc(json!([{"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"}]))
            .to_string(),
    );
    write(d, "empty.json", &doc(json!([])).to_string());
    let (ka, kb, kc) = (
        format!("{KEY_A}=closed.json"),
        format!("{KEY_B}=open.json"),
        format!("{KEY_C}=open.json"),
    );
    let orders = "arn:aws:dynamodb:eu-west-1:111122223333:table/orders=deny-all.json";
    let mut args = vec![
        "check",
        "--config",
        "fleet.toml",
        "--from-auth-details",
        "details.json",
        "--format",
        "json",
        "--key-policy-file",
        &ka,
        "--key-policy-file",
        &kb,
        "--bucket-policy-file",
        "media=deny-all.json",
        "--no-bucket-policy",
        "--table-policy-file",
        orders,
        "--table-policy-file",
        "users=empty.json",
    ];
    let r = run(d, &args);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v = r.json();
    let verdict = |name: &str| -> String {
        let s = v["services"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap();
        s["report"]["summary"]["verdict"]
            .as_str()
            .unwrap()
            .to_string()
    };
    // Each file decided only its own resource.
    assert_eq!(verdict("a"), "FAIL");
    assert_eq!(verdict("b"), "PASS");
    assert_eq!(verdict("c"), "FAIL");
    assert_eq!(verdict("d"), "PASS");
    assert_eq!(verdict("e"), "FAIL");
    assert_eq!(verdict("f"), "PASS");

    // A file for a key no service uses is an error (the report is still written).
    args.extend(["--key-policy-file", &kc]);
    let r = run(d, &args);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "--key-policy-file names key `{KEY_C}`, which no checked service uses"
        )),
        "{}",
        r.stderr
    );
    assert!(r.stdout.contains("pydynox-iam/fleet/v1"));

    // A file that names no resource would apply to every service's: refused in a fleet.
    let r = run(
        d,
        &[
            "check",
            "--config",
            "fleet.toml",
            "--from-auth-details",
            "details.json",
            "--key-policy-file",
            "open.json",
            "--bucket-policy-file",
            "open.json",
            "--no-table-policy",
        ],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    for flag in ["--key-policy-file", "--bucket-policy-file"] {
        assert!(
            r.stderr.contains(&format!(
                "{flag} FILE applies to the one resource of a single check; with --config name the resource it belongs to"
            )),
            "{}",
            r.stderr
        );
    }
}

#[test]
fn the_prefix_is_the_one_pydynox_stores_under() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "app.json",
        &doc(json!([
            {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::media/*"},
            {"Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::media/docs/*"}
        ]))
        .to_string(),
    );
    let r = run(
        d,
        &[
            "check",
            "--role",
            "arn:aws:iam::111122223333:role/app",
            "--policy-file",
            "app.json",
            "--no-bucket-policy",
            "-f",
            "s3-attribute",
            "--bucket",
            "media",
            "--prefix",
            "docs",
            "--format",
            "json",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v = r.json();
    for row in v["rows"].as_array().unwrap() {
        assert_eq!(row["resource"], "arn:aws:s3:::media/docs/pydynox-iam-check");
        assert_eq!(row["code"], "explicit-deny", "{row:#}");
    }
    assert!(
        v["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().contains("under `docs/`")),
        "{:#}",
        v["notes"]
    );
    // The fix for a missing grant names the stored prefix too.
    write(d, "none.json", &doc(json!([])).to_string());
    let r = run(
        d,
        &[
            "check",
            "--role",
            "arn:aws:iam::111122223333:role/app",
            "--policy-file",
            "none.json",
            "--no-bucket-policy",
            "-f",
            "s3-attribute",
            "--bucket",
            "media",
            "--prefix",
            "docs",
            "--format",
            "json",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let fix = &r.json()["features"][0]["fix"]["add_statements"][0];
    assert_eq!(
        fix["Resource"],
        json!(["arn:aws:s3:::media/docs/*"]),
        "{fix:#}"
    );
    let p = run(
        d,
        &[
            "policy",
            "-f",
            "s3-attribute",
            "--bucket",
            "media",
            "--prefix",
            "docs",
            "--account",
            ACCOUNT,
            "--region",
            "eu-west-1",
        ],
    );
    assert_eq!(p.code, 0, "{}", p.stderr);
    assert!(
        p.stdout.contains("\"arn:aws:s3:::media/docs/*\""),
        "{}",
        p.stdout
    );
    assert!(!p.stdout.contains("media/docs*"), "{}", p.stdout);
}

#[test]
fn a_feature_the_release_lacks_is_refused_never_a_vacuous_pass() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "app.json", &doc(json!([])).to_string());
    let r = run(
        d,
        &[
            "check",
            "--role",
            "arn:aws:iam::111122223333:role/app",
            "--policy-file",
            "app.json",
            "--no-table-policy",
            "-f",
            "locks",
            "--lock-table",
            "locks",
            "--pydynox-version",
            "1.5.0",
        ],
    );
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains(
            "feature `locks` needs pydynox 1.6.0 or later, but the pydynox version is 1.5.0"
        ),
        "{}",
        r.stderr
    );
    assert!(!r.stdout.contains("PASS"), "{}", r.stdout);
    // And in a config file.
    write(
        d,
        "fleet.toml",
        "[[service]]\nname = \"a\"\nrole = \"app\"\nfeatures = [\"vector-search\"]\ntables = [\"t\"]\nindexes = [\"v\"]\npydynox_version = \"1.3.0\"\n",
    );
    write(d, "details.json", &details(&[("app", doc(json!([])))]));
    let r = run(
        d,
        &[
            "check",
            "--config",
            "fleet.toml",
            "--from-auth-details",
            "details.json",
        ],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("fleet.toml:1:1: service `a` (line 1): feature `vector-search` needs pydynox 1.4.0 or later"),
        "{}",
        r.stderr
    );
    // `features` for an old release lists only what it has, and names the rest.
    let f = run(
        d,
        &["features", "--pydynox-version", "1.5.0", "--format", "json"],
    );
    let v = f.json();
    let names: Vec<&str> = v["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"vector-search") && !names.contains(&"locks"),
        "{names:?}"
    );
    assert!(
        v["features"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| !f["checks"].as_array().unwrap().is_empty())
    );
    assert_eq!(
        v["not_in_release"],
        json!([{"name": "locks", "since": "1.6.0"}, {"name": "locks-in-transactions", "since": "1.6.0"}])
    );
    let t = run(d, &["features", "--pydynox-version", "1.5.0"]);
    assert!(
        t.stdout.contains(
            "Not in pydynox 1.5.0: locks (from 1.6.0), locks-in-transactions (from 1.6.0)"
        ),
        "{}",
        t.stdout
    );
}

#[test]
fn the_lock_table_is_checked_under_its_own_resource_policy() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "app.json",
        &doc(json!([{"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem"], "Resource": "*"}]))
            .to_string(),
    );
    write(
        d,
        "no-puts.json",
        &doc(json!([{"Effect": "Deny", "Principal": "*", "Action": "dynamodb:PutItem", "Resource": "*"}])).to_string(),
    );
    let check = |extra: &[&str]| {
        let mut args = vec![
            "check",
            "--role",
            "arn:aws:iam::111122223333:role/app",
            "--policy-file",
            "app.json",
            "--format",
            "json",
        ];
        args.extend(extra);
        run(d, &args)
    };
    // The lock table's own policy decides its rows.
    let r = check(&[
        "-f",
        "locks,locks-in-transactions",
        "--lock-table",
        "locks",
        "--table-policy-file",
        "locks=no-puts.json",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v = r.json();
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 5);
    for row in rows {
        assert_eq!(
            row["resource"],
            "arn:aws:dynamodb:eu-west-1:111122223333:table/locks"
        );
        let want = if row["action"] == "dynamodb:PutItem" {
            "FAIL"
        } else {
            "PASS"
        };
        assert_eq!(row["verdict"], want, "{row:#}");
    }
    // Without the policy, the lock table's rows cannot pass.
    let r = check(&["-f", "locks", "--lock-table", "locks"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.json()["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["verdict"] == "INCONCLUSIVE")
    );
    // A lock table that is also the data table: both sets of rows, one policy, each decided.
    let r = check(&[
        "-f",
        "crud,locks",
        "--table",
        "orders",
        "--lock-table",
        "orders",
        "--table-policy-file",
        "orders=no-puts.json",
    ]);
    let v = r.json();
    let puts: Vec<&Value> = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["action"] == "dynamodb:PutItem")
        .collect();
    assert_eq!(puts.len(), 2);
    assert!(puts.iter().all(|p| p["verdict"] == "FAIL"));
    assert_eq!(
        v["resource_policies"].as_array().unwrap().len(),
        1,
        "the table's policy is read once"
    );
    assert!(
        v["notes"][0]
            .as_str()
            .unwrap()
            .contains("lock table `orders` is also a data table")
    );
}

#[test]
fn an_exception_waives_only_the_rows_and_codes_it_names() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "details.json",
        &details(&[(
            "app",
            doc(json!([
                {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem", "dynamodb:DeleteItem"], "Resource": "*"},
                {"Effect": "Deny", "Action": "dynamodb:DeleteItem", "Resource": "*"}
            ])),
        )]),
    );
    let check = |exception: &str| {
        write(
            d,
            "fleet.toml",
            &format!(
                "[[service]]\nname = \"a\"\nrole = \"app\"\nfeatures = [\"crud\", \"transactions\"]\ntables = [\"orders\"]\n\n  [[service.expected]]\n{exception}  reason = \"r\"\n"
            ),
        );
        run(
            d,
            &[
                "check",
                "--config",
                "fleet.toml",
                "--from-auth-details",
                "details.json",
                "--no-table-policy",
                "--format",
                "json",
            ],
        )
    };
    // Action only: it would waive the transactional element too; it must say which.
    let r = check("  action = \"dynamodb:DeleteItem\"\n");
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("is checked by features `crud` and `transactions`"),
        "{}",
        r.stderr
    );
    // Named, but the row is an explicit deny: not waived without saying so.
    let r = check("  action = \"dynamodb:DeleteItem\"\n  feature = \"crud\"\n");
    assert_eq!(r.code, 1, "{}", r.stderr);
    let report = &r.json()["services"][0]["report"];
    assert!(
        report["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r.get("waived").is_none())
    );
    assert!(
        report["expected_unmatched"][0]["why"]
            .as_str()
            .unwrap()
            .contains("code `explicit-deny`, which it does not name"),
        "{report:#}"
    );
    // Naming the code waives exactly the crud row; the transactional one still fails.
    let r = check(
        "  action = \"dynamodb:DeleteItem\"\n  feature = \"crud\"\n  code = [\"explicit-deny\"]\n",
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let report = &r.json()["services"][0]["report"];
    let waived: Vec<&Value> = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r.get("waived").is_some())
        .collect();
    assert_eq!(waived.len(), 1);
    assert_eq!(waived[0]["feature"], "crud");
    assert_eq!(report["summary"]["waived"], 1);
    // Both named: the run passes, and says two rows were expected.
    write(
        d,
        "fleet.toml",
        "[[service]]\nname = \"a\"\nrole = \"app\"\nfeatures = [\"crud\", \"transactions\"]\ntables = [\"orders\"]\n\n  [[service.expected]]\n  action = \"dynamodb:DeleteItem\"\n  feature = \"crud\"\n  code = \"explicit-deny\"\n  reason = \"r\"\n\n  [[service.expected]]\n  action = \"dynamodb:DeleteItem\"\n  feature = \"transactions\"\n  code = \"explicit-deny\"\n  reason = \"r\"\n",
    );
    let r = run(
        d,
        &[
            "check",
            "--config",
            "fleet.toml",
            "--from-auth-details",
            "details.json",
            "--no-table-policy",
        ],
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains(
            "Overall: PASS (9 checks: 7 pass, 0 fail, 0 inconclusive, 2 expected) exit 0"
        ),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("FAIL (expected)"), "{}", r.stdout);
}

// ---------------------------------------------------------------------------------------------
// The four formats of one run agree

/// A row, finding or unmatched exception, and how it came out: `pass`, `fail` (fails the run)
/// or `skip` (shown, not counted: waived, allowed inconclusive, a finding below --fail-on, an
/// unmatched exception).
type Item = (String, String, &'static str);

fn outcome_of_row(row: &Value, allow_inconclusive: bool) -> &'static str {
    match row["verdict"].as_str().unwrap() {
        "PASS" => "pass",
        _ if row.get("waived").is_some() => "skip",
        "INCONCLUSIVE" if allow_inconclusive => "skip",
        _ => "fail",
    }
}

/// What the JSON says, per service: rows by (feature, action, resource), findings by (code,
/// policy, statement), unmatched exceptions by line; the service's verdict label and exit code.
fn json_items(v: &Value) -> (Vec<Item>, Vec<(String, String, i32)>) {
    let mut items = Vec::new();
    let mut verdicts = Vec::new();
    for s in v["services"].as_array().unwrap() {
        let name = s["name"].as_str().unwrap().to_string();
        let r = &s["report"];
        let allow = r["summary"]["allow_inconclusive"] == true;
        for row in r["rows"].as_array().unwrap() {
            items.push((
                name.clone(),
                format!(
                    "row {} {} {}",
                    row["feature"].as_str().unwrap(),
                    row["action"].as_str().unwrap(),
                    row["resource"].as_str().unwrap()
                ),
                outcome_of_row(row, allow),
            ));
        }
        for f in r["least_privilege"].as_array().into_iter().flatten() {
            items.push((
                name.clone(),
                format!(
                    "finding {} {} {}",
                    f["code"].as_str().unwrap(),
                    f["policy"].as_str().unwrap(),
                    f["statement"]
                ),
                if f["fails"] == true { "fail" } else { "skip" },
            ));
        }
        for e in r["expected_unmatched"].as_array().into_iter().flatten() {
            items.push((name.clone(), format!("expected line {}", e["line"]), "skip"));
        }
        let verdict = r["summary"]["verdict"].as_str().unwrap();
        let code = s["exit_code"].as_i64().unwrap() as i32;
        let label = if verdict == "INCONCLUSIVE" && code == 0 {
            "INCONCLUSIVE (allowed)".to_string()
        } else {
            verdict.to_string()
        };
        verdicts.push((name, label, code));
    }
    items.sort();
    (items, verdicts)
}

fn junit_items(xml: &str) -> (Vec<Item>, Vec<(String, String, i32)>) {
    let doc = roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    let mut items = Vec::new();
    let mut verdicts = Vec::new();
    for suite in doc.descendants().filter(|n| n.has_tag_name("testsuite")) {
        let name = suite
            .attribute("name")
            .unwrap()
            .trim_start_matches("pydynox-iam: ")
            .to_string();
        let prop = |p: &str| {
            suite
                .descendants()
                .find(|n| n.has_tag_name("property") && n.attribute("name") == Some(p))
                .and_then(|n| n.attribute("value"))
                .unwrap()
                .to_string()
        };
        verdicts.push((
            name.clone(),
            prop("verdict"),
            prop("exit_code").parse().unwrap(),
        ));
        for case in suite.children().filter(|n| n.has_tag_name("testcase")) {
            let class = case.attribute("classname").unwrap();
            let case_name = case.attribute("name").unwrap();
            let kind = class.rsplit('.').next().unwrap();
            let key = match kind {
                "least-privilege" => {
                    // "CODE: policy `P` statement #N[ `sid`]"
                    let (code, rest) = case_name.split_once(": policy `").unwrap();
                    let (policy, rest) = rest.split_once("` statement #").unwrap();
                    let statement = rest.split(' ').next().unwrap();
                    format!("finding {code} {policy} {statement}")
                }
                "expected" => {
                    let line = case_name
                        .trim_start_matches("expected exception (line ")
                        .split(')')
                        .next()
                        .unwrap();
                    format!("expected line {line}")
                }
                feature => {
                    let (action, resource) = case_name.split_once(" on ").unwrap();
                    let resource = resource.split(" (").next().unwrap();
                    format!("row {feature} {action} {resource}")
                }
            };
            let outcome = if case.children().any(|n| n.has_tag_name("failure")) {
                "fail"
            } else if case.children().any(|n| n.has_tag_name("skipped")) {
                "skip"
            } else {
                "pass"
            };
            items.push((name.clone(), key, outcome));
        }
    }
    items.sort();
    (items, verdicts)
}

/// The text inside a Markdown code span (`` `x` ``), or the cell as is.
fn unquote(cell: &str) -> String {
    let c = cell.trim();
    let c = c.split(" (`").next().unwrap();
    c.trim_matches('`').trim().replace("\\|", "|")
}

fn markdown_items(md: &str) -> (Vec<Item>, Vec<(String, String, i32)>) {
    let mut items = Vec::new();
    let mut verdicts = Vec::new();
    for section in md.split("\n### ").skip(1) {
        let heading = section.lines().next().unwrap();
        let (name, rest) = heading.split_once(": ").unwrap();
        let label = rest.split(" · ").next().unwrap().replace("**", "");
        let code = section
            .split(" · exit ")
            .nth(1)
            .map(|x| x.split_whitespace().next().unwrap().parse().unwrap())
            .unwrap_or(0);
        verdicts.push((name.to_string(), label, code));
        for line in section.lines() {
            if line.starts_with("- **Warning**: the expected exception at line ") {
                let n = line
                    .trim_start_matches("- **Warning**: the expected exception at line ")
                    .split(' ')
                    .next()
                    .unwrap();
                items.push((name.to_string(), format!("expected line {n}"), "skip"));
                continue;
            }
            if !line.starts_with("| ")
                || line.starts_with("| Feature")
                || line.starts_with("| Severity")
            {
                continue;
            }
            let cells: Vec<&str> = line.trim_matches('|').split(" | ").collect();
            let statement = cells
                .get(3)
                .and_then(|c| c.split_whitespace().next())
                .and_then(|c| c.parse::<usize>().ok());
            if let (5, Some(statement)) = (cells.len(), statement) {
                // A finding: severity, code, policy, statement, detail.
                let outcome = if cells[0].contains("(fails the run)") {
                    "fail"
                } else {
                    "skip"
                };
                items.push((
                    name.to_string(),
                    format!(
                        "finding {} {} {statement}",
                        unquote(cells[1]),
                        unquote(cells[2])
                    ),
                    outcome,
                ));
            } else if cells.len() >= 4 && cells[1].trim().starts_with('`') {
                let verdict = cells[3].trim();
                let outcome = match verdict {
                    "PASS" => "pass",
                    v if v.ends_with("(expected)") || v.ends_with("(allowed)") => "skip",
                    _ => "fail",
                };
                items.push((
                    name.to_string(),
                    format!(
                        "row {} {} {}",
                        cells[0].trim(),
                        unquote(cells[1]),
                        unquote(cells[2])
                    ),
                    outcome,
                ));
            }
        }
    }
    items.sort();
    (items, verdicts)
}

/// The section (`<section data-service>`) an element is in.
fn section_of<'p>(
    page: &'p crate::common::html::Page,
    mut e: &'p crate::common::html::Element,
) -> &'p str {
    loop {
        if e.name == "section" {
            return e.attr("data-service").unwrap();
        }
        e = &page.elements[e.parent.expect("inside a section")];
    }
}

fn html_items(text: &str) -> (Vec<Item>, Vec<(String, String, i32)>) {
    let page = crate::common::html::parse_valid(text);
    let mut items = Vec::new();
    for e in page.all("tr").filter(|e| e.has_class("row")) {
        items.push((
            section_of(&page, e).to_string(),
            format!(
                "row {} {} {}",
                e.attr("data-row-feature").unwrap(),
                e.attr("data-action").unwrap(),
                e.attr("data-resource").unwrap()
            ),
            match e.attr("data-outcome").unwrap() {
                "pass" => "pass",
                "skip" => "skip",
                _ => "fail",
            },
        ));
    }
    for e in page.all("tr").filter(|e| e.has_class("finding")) {
        items.push((
            section_of(&page, e).to_string(),
            format!(
                "finding {} {} {}",
                e.attr("data-code").unwrap(),
                e.attr("data-policy").unwrap(),
                e.attr("data-statement").unwrap()
            ),
            if e.attr("data-fails") == Some("true") {
                "fail"
            } else {
                "skip"
            },
        ));
    }
    for e in page.all("li").filter(|e| e.has_class("unmatched")) {
        items.push((
            section_of(&page, e).to_string(),
            format!("expected line {}", e.attr("data-line").unwrap()),
            "skip",
        ));
    }
    let verdicts = page
        .all("section")
        .map(|s| {
            let h2 = page
                .elements
                .iter()
                .find(|e| {
                    e.name == "h2" && e.parent.is_some_and(|p| std::ptr::eq(&page.elements[p], s))
                })
                .unwrap();
            let label = h2
                .text
                .trim_start_matches(s.attr("data-service").unwrap())
                .trim()
                .to_string();
            let overall = page
                .elements
                .iter()
                .find(|e| {
                    e.has_class("overall")
                        && e.parent.is_some_and(|p| std::ptr::eq(&page.elements[p], s))
                })
                .unwrap();
            let code = overall
                .text
                .rsplit("exit ")
                .next()
                .unwrap()
                .trim()
                .parse()
                .unwrap();
            (s.attr("data-service").unwrap().to_string(), label, code)
        })
        .collect();
    items.sort();
    (items, verdicts)
}

/// SARIF's results: rows that did not pass and findings (a passing row is no result); a
/// waived row is a suppressed result, an allowed inconclusive one a `note`, a finding below
/// --fail-on a `warning` or `note`.
fn sarif_items(log: &Value) -> Vec<Item> {
    let mut items: Vec<Item> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let p = &r["properties"];
            let service = p["service"].as_str().unwrap().to_string();
            let level = r["level"].as_str().unwrap();
            if r["ruleId"] == "expected-unmatched" {
                return (service, format!("expected line {}", p["line"]), "skip");
            }
            match p.get("feature") {
                Some(f) => (
                    service,
                    format!(
                        "row {} {} {}",
                        f.as_str().unwrap(),
                        p["action"].as_str().unwrap(),
                        p["resource"].as_str().unwrap()
                    ),
                    if r.get("suppressions").is_some() || level == "note" {
                        "skip"
                    } else {
                        "fail"
                    },
                ),
                None => (
                    service,
                    format!(
                        "finding {} {} {}",
                        r["ruleId"].as_str().unwrap(),
                        p["policy"].as_str().unwrap(),
                        p["statement"]
                    ),
                    if level == "error" { "fail" } else { "skip" },
                ),
            }
        })
        .collect();
    items.sort();
    items
}

#[test]
fn the_formats_agree_on_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "details.json",
        &details(&[
            (
                "svc-orders",
                doc(json!([
                    {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem"], "Resource": "arn:aws:dynamodb:eu-west-1:111122223333:table/orders"},
                    {"Sid": "Sts", "Effect": "Allow", "Action": "sts:*", "Resource": "*"}
                ])),
            ),
            (
                "svc-media",
                doc(
                    json!([{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"], "Resource": "arn:aws:s3:::media/docs/*"}]),
                ),
            ),
            (
                "svc-clean",
                doc(
                    json!([{"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"], "Resource": "arn:aws:dynamodb:eu-west-1:111122223333:table/users"}]),
                ),
            ),
        ]),
    );
    write(
        d,
        "fleet.toml",
        r#"[defaults]
region = "eu-west-1"

[[service]]
name = "orders"
role = "svc-orders"
features = ["crud", "transactions"]
tables = ["orders"]

  [[service.expected]]
  action = "dynamodb:DeleteItem"
  feature = "crud"
  reason = "deletes go through the admin API"

  [[service.expected]]
  action = "dynamodb:GetItem"
  feature = "crud"
  reason = "stale: it passes now"

[[service]]
name = "media"
role = "svc-media"
features = ["s3-attribute"]
bucket = "media"
prefix = "docs"
allow_inconclusive = true

[[service]]
name = "clean"
role = "svc-clean"
features = ["crud"]
tables = ["users"]
"#,
    );
    let render = |format: &str| {
        run(
            d,
            &[
                "check",
                "--config",
                "fleet.toml",
                "--from-auth-details",
                "details.json",
                "--no-table-policy",
                "--least-privilege",
                "--fail-on",
                "high",
                "--format",
                format,
            ],
        )
    };
    let (json, junit, markdown, html, sarif) = (
        render("json"),
        render("junit"),
        render("markdown"),
        render("html"),
        render("sarif"),
    );
    // The table with every row and full ARNs (by default it collapses passing rows when there
    // are many and names resources short, with a legend).
    let table = run(
        d,
        &[
            "check",
            "--config",
            "fleet.toml",
            "--from-auth-details",
            "details.json",
            "--no-table-policy",
            "--least-privilege",
            "--fail-on",
            "high",
            "--wide",
        ],
    );
    for r in [&json, &junit, &markdown, &html, &sarif, &table] {
        assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    }
    let v = json.json();
    assert_eq!(
        (v["verdict"].as_str(), v["exit_code"].as_i64()),
        (Some("FAIL"), Some(1))
    );
    let (items, verdicts) = json_items(&v);
    // The scenario has every kind of item and outcome.
    for (kind, outcome) in [
        ("row", "pass"),
        ("row", "fail"),
        ("row", "skip"),
        ("finding", "fail"),
        ("expected", "skip"),
    ] {
        assert!(
            items
                .iter()
                .any(|(_, k, o)| k.starts_with(kind) && *o == outcome),
            "no {kind} {outcome} in {items:#?}"
        );
    }
    assert_eq!(
        verdicts,
        vec![
            ("orders".to_string(), "FAIL".to_string(), 1),
            ("media".to_string(), "INCONCLUSIVE (allowed)".to_string(), 0),
            ("clean".to_string(), "PASS".to_string(), 0),
        ]
    );
    // JUnit: the same items with the same outcomes, the same verdicts.
    let (j_items, j_verdicts) = junit_items(&junit.stdout);
    assert_eq!(j_items, items, "junit\n{}", junit.stdout);
    assert_eq!(j_verdicts, verdicts);
    // Markdown: every row (the passing ones folded), finding and warning; the same headings.
    let (m_items, m_verdicts) = markdown_items(&markdown.stdout);
    assert_eq!(m_items, items, "markdown\n{}", markdown.stdout);
    let m_codes: Vec<(String, String)> = m_verdicts
        .iter()
        .map(|(n, l, _)| (n.clone(), l.clone()))
        .collect();
    let codes: Vec<(String, String)> = verdicts
        .iter()
        .map(|(n, l, _)| (n.clone(), l.clone()))
        .collect();
    assert_eq!(m_codes, codes, "{}", markdown.stdout);
    assert!(
        markdown.stdout.starts_with("## pydynox-iam: **FAIL**\n"),
        "{}",
        markdown.stdout
    );
    // HTML: the same items with the same outcomes, the same verdicts and exit codes.
    let (h_items, h_verdicts) = html_items(&html.stdout);
    assert_eq!(h_items, items, "html");
    assert_eq!(h_verdicts, verdicts, "html");
    // SARIF: a result for every item that is not a pass, with the same outcome.
    let log = sarif.json();
    crate::sarif::assert_valid_sarif(&log);
    let not_passing: Vec<Item> = items.iter().filter(|i| i.2 != "pass").cloned().collect();
    assert_eq!(sarif_items(&log), not_passing, "sarif");
    // The table: each service's section has each row with its verdict, each finding, each
    // warning, and its overall line; the run's line last.
    for (name, label, code) in &verdicts {
        let section = table
            .stdout
            .split(&format!("=== service `{name}` ===\n"))
            .nth(1)
            .unwrap()
            .split("\n=== service")
            .next()
            .unwrap();
        assert!(
            section.contains(&format!("Overall: {label} ("))
                && section.contains(&format!(") exit {code}")),
            "{name}: {section}"
        );
        for (_, key, outcome) in items.iter().filter(|(n, _, _)| n == name) {
            let words: Vec<&str> = key.split(' ').collect();
            let found = match words[0] {
                "row" => section.lines().any(|l| {
                    l.contains(words[2])
                        && l.contains(words[3])
                        && match *outcome {
                            "pass" => l.contains("PASS"),
                            "skip" => l.contains("(expected)") || l.contains("(allowed)"),
                            _ => l.contains("FAIL") || l.contains("INCONCLUSIVE"),
                        }
                }),
                "finding" => section.lines().any(|l| {
                    l.contains(&format!(
                        "] {}: policy `{}` statement #{}",
                        words[1], words[2], words[3]
                    )) && (l.contains("fails the run") == (*outcome == "fail"))
                }),
                _ => section.contains(&format!("  - line {}: ", words[2])),
            };
            assert!(
                found,
                "{name}: {key} ({outcome}) not in the table:\n{section}"
            );
        }
    }
    assert!(
        table.stdout.trim_end().ends_with("Overall: FAIL exit 1"),
        "{}",
        table.stdout
    );
}

#[test]
fn man_has_a_page_per_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let top = run(d, &["man"]);
    assert_eq!(top.code, 0, "{}", top.stderr);
    assert!(top.stdout.contains(".TH pydynox-iam 1"), "{}", top.stdout);
    let check = run(d, &["man", "check"]);
    assert_eq!(check.code, 0, "{}", check.stderr);
    for option in [
        "lock\\-table",
        "from\\-snapshot",
        "fail\\-on",
        "key\\-policy\\-file",
    ] {
        assert!(check.stdout.contains(option), "{option}");
    }
    assert!(
        check.stdout.contains(".TH pydynox-iam-check 1"),
        "{}",
        &check.stdout[..200]
    );
    let r = run(d, &["man", "checks"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("`checks` is not a subcommand"),
        "{}",
        r.stderr
    );
    let out = d.join("pages");
    std::fs::create_dir(&out).unwrap();
    let r = run(d, &["man", "--out-dir", out.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut pages: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    pages.sort();
    assert_eq!(
        pages,
        [
            "pydynox-iam-check.1",
            "pydynox-iam-completions.1",
            "pydynox-iam-features.1",
            "pydynox-iam-man.1",
            "pydynox-iam-policy.1",
            "pydynox-iam-scan.1",
            "pydynox-iam-simulate.1",
            "pydynox-iam-why.1",
            "pydynox-iam.1"
        ]
    );
    // Every page the top page lists can be produced.
    for page in &pages {
        let name = page.trim_end_matches(".1");
        if name != "pydynox-iam" {
            assert!(
                top.stdout.contains(&name.replace('-', "\\-")),
                "{name} not listed"
            );
        }
    }
}

/// A fleet recorded offline replays with its config; a changed config (another table, an
/// exception more) is another plan, refused with what changed.
#[test]
fn a_changed_fleet_config_is_not_replayed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "details.json",
        &details(&[(
            "app",
            doc(json!([{"Effect": "Allow", "Action": "dynamodb:*Item", "Resource": "*"}])),
        )]),
    );
    let config = "[defaults]\nregion = \"eu-west-1\"\n\n[[service]]\nname = \"a\"\nrole = \"app\"\nfeatures = [\"crud\"]\ntables = [\"orders\"]\n";
    write(d, "fleet.toml", config);
    let recorded = run(
        d,
        &[
            "check",
            "--config",
            "fleet.toml",
            "--from-auth-details",
            "details.json",
            "--no-table-policy",
            "--format",
            "json",
            "--save-snapshot",
            "snap.json",
        ],
    );
    assert_eq!(recorded.code, 0, "{}", recorded.stderr);
    let replay_args = [
        "check",
        "--config",
        "fleet.toml",
        "--no-table-policy",
        "--format",
        "json",
        "--from-snapshot",
        "snap.json",
    ];
    let replayed = run(d, &replay_args);
    assert_eq!(replayed.code, 0, "{}", replayed.stderr);
    // Each report of the fleet says when it was recorded; without it, the bytes are the same.
    let mut v: Value = serde_json::from_str(&replayed.stdout).unwrap();
    let report = v["services"][0]["report"].as_object_mut().unwrap();
    assert_eq!(
        report.keys().next_back().map(String::as_str),
        Some("replay")
    );
    report.remove("replay");
    assert_eq!(
        serde_json::to_string_pretty(&v).unwrap() + "\n",
        recorded.stdout
    );
    write(
        d,
        "fleet.toml",
        &config.replace("[\"orders\"]", "[\"orders\", \"users\"]"),
    );
    let r = run(d, &replay_args);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "plan.services[0].plan.resources.tables: recorded [\"orders\"], now [\"orders\",\"users\"]"
        ),
        "{}",
        r.stderr
    );
    write(
        d,
        "fleet.toml",
        &format!(
            "{config}\n  [[service.expected]]\n  action = \"dynamodb:GetItem\"\n  reason = \"r\"\n"
        ),
    );
    let r = run(d, &replay_args);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("plan.services[0].expected: recorded []"),
        "{}",
        r.stderr
    );
}

/// dynamodb:SearchVectors is newer than the action snapshot; `why` knows it (from the
/// snapshot's supplement) and names the feature and the fix.
#[test]
fn why_explains_a_search_vectors_denial() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "app.json",
        &doc(json!([{"Effect": "Allow", "Action": "dynamodb:Query", "Resource": "*"}])).to_string(),
    );
    let r = run(
        d,
        &[
            "why",
            "--policy-file",
            "app.json",
            "--no-table-policy",
            "--format",
            "json",
            "An error occurred (AccessDeniedException) when calling the SearchVectors operation: User: arn:aws:sts::111122223333:assumed-role/app/x is not authorized to perform: dynamodb:SearchVectors on resource: arn:aws:dynamodb:eu-west-1:111122223333:table/t/index/v because no identity-based policy allows the dynamodb:SearchVectors action",
        ],
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let text = r.stdout;
    assert!(text.contains("vector-search"), "{text}");
    assert!(text.contains("\"no-allow\""), "{text}");
    assert!(text.contains("\"dynamodb:SearchVectors\""), "{text}");
}
