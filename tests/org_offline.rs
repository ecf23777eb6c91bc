//! Organisation audit offline (issue 13): `check --all-roles --from-auth-details FILE` finds
//! the roles in an account export with the discovery of the online read (path prefix, tags,
//! service-linked roles left out, roles not described, tags that are not a check), and reads
//! the export a batch of roles at a time without changing a byte of any report.

use std::path::Path;

use serde_json::{Value, json};

use crate::common::{Bin, NOWHERE, Run};

const ACCOUNT: &str = "111122223333";

fn run_env(dir: &Path, env: Vec<(&'static str, Option<&'static str>)>, args: &[&str]) -> Run {
    Bin {
        dir: Some(dir),
        endpoint: NOWHERE.to_string(),
        offline: true,
        region: "eu-west-1",
        env,
        ..Bin::default()
    }
    .run(args)
}

fn run(dir: &Path, args: &[&str]) -> Run {
    run_env(dir, vec![], args)
}

fn tags(pairs: &[(&str, &str)]) -> Value {
    pairs
        .iter()
        .map(|(k, v)| json!({"Key": k, "Value": v}))
        .collect()
}

fn crud_on(table: &str) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
        "Resource": format!("arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/{table}")}]})
}

fn role(name: &str, path: &str, tags: Value, grant: Option<Value>) -> Value {
    let inline: Vec<Value> = grant
        .into_iter()
        .map(|g| json!({"PolicyName": "inline", "PolicyDocument": g}))
        .collect();
    json!({
        "RoleName": name,
        "Path": path,
        "Arn": format!("arn:aws:iam::{ACCOUNT}:role{path}{name}"),
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []},
        "RolePolicyList": inline,
        "AttachedManagedPolicies": [],
        "Tags": tags,
    })
}

/// An account: services described by tags (granted or not), a role without pydynox tags, a
/// service-linked role, a role whose tags are not a check, and one under another path.
fn export() -> String {
    let described = |table: &str| tags(&[("pydynox:features", "crud"), ("pydynox:tables", table)]);
    let roles = vec![
        role(
            "orders-svc",
            "/services/",
            described("orders"),
            Some(crud_on("orders")),
        ),
        role("billing-svc", "/services/", described("billing"), None),
        role("legacy-svc", "/services/", tags(&[("team", "x")]), None),
        role(
            "AWSServiceRoleForDynamoDB",
            "/aws-service-role/dynamodb.amazonaws.com/",
            described("orders"),
            None,
        ),
        role(
            "typo-svc",
            "/services/",
            tags(&[("pydynox:featurez", "crud")]),
            None,
        ),
        role(
            "batch-job",
            "/jobs/",
            described("jobs"),
            Some(crud_on("jobs")),
        ),
    ];
    json!({"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": roles, "Policies": []})
        .to_string()
}

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("details.json"), export()).unwrap();
    dir
}

const BASE: [&str; 5] = [
    "check",
    "--all-roles",
    "--from-auth-details",
    "details.json",
    "--no-table-policy",
];

fn verdicts(r: &Run) -> Vec<(String, Value)> {
    r.json()["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let verdict = s["report"]["summary"]["verdict"].clone();
            let v = if verdict.is_null() {
                json!("ERROR")
            } else {
                verdict
            };
            (s["name"].as_str().unwrap().to_string(), v)
        })
        .collect()
}

#[test]
fn all_roles_audits_an_account_export_with_the_online_discovery() {
    let dir = setup();
    let mut args = BASE.to_vec();
    args.extend(["--format", "json"]);
    let r = run(dir.path(), &args);
    // typo-svc's tags are not a check: a usage error for that role, never a PASS.
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(
        verdicts(&r),
        vec![
            ("batch-job".to_string(), json!("PASS")),
            ("billing-svc".to_string(), json!("FAIL")),
            ("orders-svc".to_string(), json!("PASS")),
            ("typo-svc".to_string(), json!("ERROR")),
        ]
    );
    for want in [
        "3 roles checked from their pydynox tags",
        "not described: 1 roles (no pydynox:* tags, not checked): legacy-svc",
        "1 service-linked roles (path /aws-service-role/) left out",
        "error: role `typo-svc`",
    ] {
        assert!(r.stderr.contains(want), "{want}: {}", r.stderr);
    }

    // The filters choose as online: a path prefix, a tag.
    let mut args = BASE.to_vec();
    args.extend([
        "--path-prefix",
        "/services/",
        "--tag",
        "pydynox:tables=orders",
    ]);
    args.extend(["--format", "json"]);
    let r = run(dir.path(), &args);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(
        verdicts(&r),
        vec![("orders-svc".to_string(), json!("PASS"))]
    );
    assert!(
        r.stderr.contains("roles left out by --path-prefix/--tag"),
        "{}",
        r.stderr
    );

    // --include-service-linked checks the service-linked role (it is not granted: FAIL).
    let mut args = BASE.to_vec();
    args.extend(["--include-service-linked", "--tag", "pydynox:tables=orders"]);
    args.extend(["--format", "json"]);
    let r = run(dir.path(), &args);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(
        verdicts(&r),
        vec![
            ("AWSServiceRoleForDynamoDB".to_string(), json!("FAIL")),
            ("orders-svc".to_string(), json!("PASS")),
        ]
    );
}

#[test]
fn reading_the_export_in_batches_changes_no_byte_of_any_format() {
    let dir = setup();
    for format in ["json", "table", "junit", "markdown", "sarif"] {
        let mut args = BASE.to_vec();
        args.extend(["--format", format]);
        let whole = run(dir.path(), &args);
        let batched = run_env(
            dir.path(),
            vec![("PYDYNOX_IAM_ROLES_PER_READ", Some("1"))],
            &args,
        );
        assert_eq!(whole.code, 2, "{format}: {}", whole.stderr);
        assert!(!whole.stdout.is_empty(), "{format}");
        assert_eq!(batched.code, whole.code, "{format}: {}", batched.stderr);
        assert_eq!(batched.stdout, whole.stdout, "{format}");
        assert_eq!(batched.stderr, whole.stderr, "{format}");
    }
}

#[test]
fn a_streamed_report_to_a_file_is_the_report_to_stdout() {
    let dir = setup();
    for format in ["json", "table"] {
        let mut args = BASE.to_vec();
        args.extend(["--format", format]);
        let out = run(dir.path(), &args);
        let mut to_file = args.clone();
        to_file.extend(["--output", "report.out"]);
        let r = run(dir.path(), &to_file);
        assert_eq!(r.code, out.code, "{format}: {}", r.stderr);
        assert!(r.stdout.is_empty(), "{format}: {}", r.stdout);
        let written = std::fs::read_to_string(dir.path().join("report.out")).unwrap();
        assert_eq!(written, out.stdout, "{format}");
    }
}

#[test]
fn all_roles_offline_is_refused_where_it_cannot_work() {
    let dir = setup();
    std::fs::write(dir.path().join("p.json"), crud_on("orders").to_string()).unwrap();
    std::fs::write(dir.path().join("key.json"), crud_on("orders").to_string()).unwrap();
    for (args, want) in [
        (
            vec!["check", "--all-roles", "--policy-file", "p.json"],
            "--all-roles finds the roles in an account; offline, give the account's export with --from-auth-details FILE",
        ),
        (
            // One unnamed key policy cannot stand for every discovered role's key.
            vec![
                "check",
                "--all-roles",
                "--from-auth-details",
                "details.json",
                "--key-policy-file",
                "key.json",
            ],
            "--key-policy-file FILE applies to the one resource of a single check; with --all-roles name the resource it belongs to",
        ),
        (
            vec![
                "check",
                "--all-roles",
                "--from-auth-details",
                "missing.json",
            ],
            "missing.json",
        ),
        (
            // A flag describing one check describes no discovered role: never dropped silently.
            vec![
                "check",
                "--all-roles",
                "--from-auth-details",
                "details.json",
                "--table",
                "orders",
                "--pydynox-version",
                "0.13.0",
            ],
            "--table, --pydynox-version describe one check and cannot be used with --all-roles",
        ),
    ] {
        let r = run(dir.path(), &args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(want), "{args:?}: {}", r.stderr);
        assert!(r.stdout.is_empty(), "{args:?}: {}", r.stdout);
    }
}

/// Adversarial: a batch of the export that cannot be read (here a role's inline policy with a
/// repeated key, which the listing pass does not parse) stops the run; every role not checked
/// yet is in the streamed report as not checked, so its verdict and exit code never say PASS
/// for a run that did not check everyone.
#[test]
fn a_batch_that_cannot_be_read_leaves_no_pass_in_the_streamed_report() {
    let described = |table: &str| tags(&[("pydynox:features", "crud"), ("pydynox:tables", table)]);
    let marked = json!({"Version": "2012-10-17", "Statement": [{"Sid": "DUPMARK", "Effect": "Allow",
        "Action": "dynamodb:GetItem", "Resource": "*"}]});
    let roles = vec![
        role("a-svc", "/", described("orders"), Some(crud_on("orders"))),
        role("b-svc", "/", described("orders"), Some(marked)),
        role("c-svc", "/", described("orders"), Some(crud_on("orders"))),
    ];
    let text = json!({"RoleDetailList": roles, "UserDetailList": [], "GroupDetailList": [],
        "Policies": []})
    .to_string()
    .replace(r#""Sid":"DUPMARK""#, r#""Sid":"x","Sid":"y""#);
    assert!(text.contains(r#""Sid":"x","Sid":"y""#));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("details.json"), text).unwrap();
    for format in ["json", "table"] {
        let mut args = BASE.to_vec();
        args.extend(["--format", format, "--output", "report.out"]);
        let r = run_env(
            dir.path(),
            vec![("PYDYNOX_IAM_ROLES_PER_READ", Some("1"))],
            &args,
        );
        assert_eq!(r.code, 2, "{format}: {}", r.stderr);
        let written = std::fs::read_to_string(dir.path().join("report.out")).unwrap();
        assert!(written.contains("not checked"), "{format}: {written}");
        if format == "json" {
            let v: Value = serde_json::from_str(&written).unwrap();
            assert_ne!(v["exit_code"], json!(0), "{written}");
            assert_ne!(v["verdict"], json!("PASS"), "{written}");
            let names: Vec<&str> = v["services"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["name"].as_str().unwrap())
                .collect();
            assert_eq!(names, ["a-svc", "b-svc", "c-svc"], "{written}");
        } else {
            // The fleet's headline is the last `Overall:` line (each service has its own).
            let overall = written
                .lines()
                .rfind(|l| l.starts_with("Overall:"))
                .unwrap();
            assert!(
                !overall.contains("PASS") && !overall.ends_with("exit 0"),
                "{overall}\n{written}"
            );
        }
    }
}

#[test]
fn an_audit_that_checks_no_role_is_inconclusive_never_a_pass() {
    // Filters that select no role: nothing was checked, so nothing can pass. INCONCLUSIVE,
    // exit 1 (README, "Exit codes": INCONCLUSIVE passes only with --allow-inconclusive), in
    // the streamed formats and the collected ones alike.
    let dir = setup();
    for format in ["json", "table", "junit", "markdown"] {
        let mut args = BASE.to_vec();
        args.extend(["--path-prefix", "/typo/", "--format", format]);
        let r = run(dir.path(), &args);
        assert_eq!(r.code, 1, "{format}: {}\n{}", r.stdout, r.stderr);
        assert!(
            r.stderr.contains("no principal was checked"),
            "{format}: {}",
            r.stderr
        );
        match format {
            "json" => {
                let j = r.json();
                assert_eq!(j["services"], json!([]));
                assert_eq!(
                    (j["verdict"].clone(), j["exit_code"].clone()),
                    (json!("INCONCLUSIVE"), json!(1))
                );
                // The account read is listed, with what it found and did not check.
                assert_eq!(j["accounts"][0]["id"], json!(ACCOUNT));
                assert_eq!(j["accounts"][0]["services"], json!(0));
            }
            "table" => assert!(
                r.stdout.contains("Overall: INCONCLUSIVE exit 1"),
                "{}",
                r.stdout
            ),
            _ => {}
        }
    }
    let mut args = BASE.to_vec();
    args.extend(["--path-prefix", "/typo/", "--allow-inconclusive"]);
    let r = run(dir.path(), &args);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("Overall: INCONCLUSIVE exit 0"),
        "{}",
        r.stdout
    );
}

#[test]
fn the_account_s_exit_code_counts_its_roles_whose_tags_are_not_a_check() {
    // typo-svc's tags are not a check (exit 2): the account's own exit code says so too, and
    // every service names the account it was checked in.
    let dir = setup();
    let mut args = BASE.to_vec();
    args.extend(["--format", "json"]);
    let r = run(dir.path(), &args);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let j = r.json();
    let account = &j["accounts"][0];
    assert_eq!(
        (account["exit_code"].clone(), account["services"].clone()),
        (json!(2), json!(4)),
        "{account}"
    );
    assert_eq!(account["not_described"], json!(["legacy-svc"]));
    for s in j["services"].as_array().unwrap() {
        assert_eq!(s["account"], json!(ACCOUNT), "{s}");
    }
}
