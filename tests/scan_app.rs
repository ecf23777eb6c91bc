//! `scan`, `check --app` and `policy --app` end to end, offline: the round trip (the policy
//! generated from a service's code passes the check of that code, for every example service),
//! exact actions, unresolved needs as INCONCLUSIVE rows, flags that contradict the code, the
//! emitted config stanza accepted by the config reader, and snapshots of the scan's outputs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use pydynox_iam::needs::catalogue::Catalogue;

const ROLE: &str = "arn:aws:iam::111122223333:role/svc";
const KEY: &str = "arn:aws:kms:eu-west-1:111122223333:key/11111111-2222-3333-4444-555555555555";

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pydynox-iam"));
    c.env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_PROFILE")
        .env("AWS_ACCESS_KEY_ID", "none")
        .env("AWS_SECRET_ACCESS_KEY", "none")
        .env("NO_COLOR", "1");
    c
}

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scan/examples")
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().unwrap()
}

/// Values for the environment variables the example services read their names from.
const ENV: &[&str] = &[
    "--env",
    "APP_ENV=prod",
    "--env",
    "TABLE_NAME=links",
    "--env",
    "CART_KEY_ARN=arn:aws:kms:eu-west-1:111122223333:key/11111111-2222-3333-4444-555555555555",
];

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "pydynox-iam-scan-app-{}-{name}",
        std::process::id()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The key policy that delegates to the account's IAM policies (KMS's default).
fn key_policy(dir: &Path) -> PathBuf {
    let p = dir.join("key.json");
    std::fs::write(&p, r#"{"Version":"2012-10-17","Statement":[{"Sid":"EnableIAM","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}"#).unwrap();
    p
}

fn check_app(app: &Path, policy: &Path, key: &Path, extra: &[&str]) -> (serde_json::Value, i32) {
    let mut args: Vec<String> = [
        "check",
        "--app",
        &app.display().to_string(),
        "--role",
        ROLE,
        "--policy-file",
        &policy.display().to_string(),
        "--region",
        "eu-west-1",
        "--no-table-policy",
        "--no-bucket-policy",
        "--bucket-owner",
        "111122223333",
        "--format",
        "json",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // A key policy only where the code uses a key (an unused policy file is a usage error).
    let scan = run(&[
        "scan",
        "--format",
        "json",
        &app.display().to_string(),
        ENV[0],
        ENV[1],
        ENV[2],
        ENV[3],
        ENV[4],
        ENV[5],
    ]);
    let scanned: serde_json::Value = serde_json::from_slice(&scan.stdout).unwrap();
    if scanned["needs"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["resource"]["kind"] == "kms-key")
    {
        args.extend(["--key-policy-file".to_string(), key.display().to_string()]);
    }
    if !scanned["needs"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["resource"]["kind"] == "s3-prefix")
    {
        args.retain(|a| a != "--no-bucket-policy");
        let i = args.iter().position(|a| a == "--bucket-owner").unwrap();
        args.drain(i..i + 2);
    }
    args.extend(ENV.iter().map(|s| s.to_string()));
    args.extend(extra.iter().map(|s| s.to_string()));
    let out = bin().args(&args).output().unwrap();
    let code = out.status.code().unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (json, code)
}

#[test]
fn the_policy_generated_from_the_code_passes_the_check_of_the_code_for_every_example() {
    let dir = tmp("roundtrip");
    let key = key_policy(&dir);
    let mut checked = 0;
    for entry in std::fs::read_dir(examples()).unwrap() {
        let app = entry.unwrap().path();
        let name = app.file_name().unwrap().to_string_lossy().to_string();
        let mut args = vec![
            "policy",
            "--account",
            "111122223333",
            "--region",
            "eu-west-1",
        ];
        let app_s = app.display().to_string();
        args.extend(["--app", &app_s]);
        args.extend(ENV);
        let out = run(&args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let policy = dir.join(format!("{name}.json"));
        std::fs::write(&policy, &out.stdout).unwrap();
        let (report, code) = check_app(&app, &policy, &key, &[]);
        // Offline, policy files cannot carry another role's trust policy: its AssumeRole row
        // stays INCONCLUSIVE (never PASS); every other row passes.
        for r in report["rows"].as_array().unwrap() {
            if r["verdict"] != "PASS" {
                assert_eq!(r["action"], "sts:AssumeRole", "{name}: {r:#}");
                assert_eq!(r["verdict"], "INCONCLUSIVE", "{name}: {r:#}");
            }
        }
        assert_eq!(report["summary"]["fail"], 0, "{name}: {report:#}");
        let trust = report["rows"].to_string().contains("sts:AssumeRole");
        assert_eq!(code, if trust { 1 } else { 0 }, "{name}");
        assert!(report["summary"]["total"].as_u64().unwrap() > 0, "{name}");
        checked += 1;
    }
    assert_eq!(checked, 12);
}

#[test]
fn check_app_checks_the_actions_the_code_makes_and_fails_the_one_missing() {
    let dir = tmp("exact");
    let key = key_policy(&dir);
    let app = examples().join("orders_api");
    // Everything the code needs but the GSI query.
    let policy = dir.join("p.json");
    std::fs::write(&policy, r#"{"Version":"2012-10-17","Statement":[
      {"Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:PutItem","dynamodb:UpdateItem","dynamodb:ConditionCheckItem","dynamodb:ListTables"],"Resource":"*"},
      {"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}]}"#).unwrap();
    let (report, code) = check_app(&app, &policy, &key, &[]);
    assert_eq!(code, 1);
    let rows = report["rows"].as_array().unwrap();
    let failing: Vec<_> = rows.iter().filter(|r| r["verdict"] == "FAIL").collect();
    assert_eq!(failing.len(), 1, "{report:#}");
    assert_eq!(failing[0]["action"], "dynamodb:Query");
    assert_eq!(
        failing[0]["resource"],
        "arn:aws:dynamodb:eu-west-1:111122223333:table/orders/index/by-customer"
    );
    // The service never deletes, scans or writes in batches: those are not checked.
    for a in [
        "dynamodb:DeleteItem",
        "dynamodb:Scan",
        "dynamodb:BatchWriteItem",
    ] {
        assert!(!rows.iter().any(|r| r["action"] == a), "{a} checked");
    }
}

#[test]
fn a_table_read_from_an_unset_environment_variable_is_inconclusive_never_pass() {
    let dir = tmp("unset-env");
    let app = examples().join("url_shortener");
    let policy = dir.join("p.json");
    std::fs::write(&policy, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:*","Resource":"arn:aws:dynamodb:eu-west-1:111122223333:table/urls"}]}"#).unwrap();
    let out = run(&[
        "check",
        "--app",
        &app.display().to_string(),
        "--role",
        ROLE,
        "--policy-file",
        &policy.display().to_string(),
        "--region",
        "eu-west-1",
        "--no-table-policy",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["summary"]["verdict"], "INCONCLUSIVE");
    let rows = report["rows"].as_array().unwrap();
    assert!(!rows.is_empty());
    for r in rows {
        assert_eq!(r["verdict"], "INCONCLUSIVE", "{r:#}");
        assert_eq!(r["code"], "unresolved-in-code");
        let reason = r["reason"].as_str().unwrap();
        assert!(reason.contains("app.py:"), "{reason}");
        assert!(reason.contains("--env TABLE_NAME=VALUE"), "{reason}");
    }
}

#[test]
fn flags_that_contradict_the_code_are_reported() {
    let dir = tmp("contradict");
    let key = key_policy(&dir);
    let app = examples().join("orders_api");
    let out = run(&[
        "check",
        "--app",
        &app.display().to_string(),
        "--role",
        ROLE,
        "--policy-file",
        &key.display().to_string(),
        "--region",
        "eu-west-1",
        "--kms-key",
        KEY,
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--kms-key") && err.contains("contradicts the code"),
        "{err}"
    );

    let policy = dir.join("all.json");
    std::fs::write(&policy, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["dynamodb:*","kms:*"],"Resource":"*"}]}"#).unwrap();
    let (report, _) = check_app(
        &app,
        &policy,
        &key,
        &["--table", "other", "--features", "scan"],
    );
    let notes = report["notes"].to_string();
    assert!(
        notes.contains("--table `other` is not a table the code names"),
        "{notes}"
    );
    // The flag's feature is added, on the flag's table and the code's.
    let rows = report["rows"].as_array().unwrap();
    assert!(rows.iter().any(|r| r["action"] == "dynamodb:Scan"
        && r["resource"].as_str().unwrap().ends_with("table/other")));
}

#[test]
fn the_emitted_stanza_is_a_service_the_config_accepts() {
    let cat = Catalogue::embedded();
    for (example, extra) in [
        ("search_service", vec![]),
        ("orders_api", vec![]),
        ("document_store", vec![]),
    ] {
        let app = examples().join(example);
        let mut args = vec![
            "scan".to_string(),
            "--emit-config".into(),
            app.display().to_string(),
        ];
        args.extend(extra);
        let out = bin().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        let stanza = String::from_utf8(out.stdout).unwrap();
        let text = format!("{stanza}role = \"svc\"\n");
        if let Err(e) = pydynox_iam::needs::config::parse(&text, &cat) {
            panic!("{example}: {e:?}\n{text}");
        }
    }
    // The lock table goes in as the config's `lock_table`.
    let out = run(&[
        "scan",
        "--emit-config",
        &examples().join("search_service").display().to_string(),
    ]);
    let stanza = String::from_utf8(out.stdout).unwrap();
    assert!(stanza.contains("\nlock_table = "), "{stanza}");
}

#[test]
fn scan_exit_codes() {
    let out = run(&["scan", "does-not-exist"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("`does-not-exist` does not exist"));
    let out = run(&[
        "scan",
        "--env",
        "no-equals",
        &examples().display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--env `no-equals` is not NAME=VALUE"));
    // A syntax error is reported, the rest is scanned, and the scan succeeds.
    let broken = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scan/corpus/broken");
    let out = run(&["scan", "--format", "json", &broken.display().to_string()]);
    assert_eq!(out.status.code(), Some(0));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(!r["parse_errors"].as_array().unwrap().is_empty());
    assert!(!r["needs"].as_array().unwrap().is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("syntax error"));
}

/// Runs `scan` from the examples folder, so paths in the output are stable.
fn scan_output(args: &[&str]) -> String {
    let out = bin().current_dir(examples()).args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn scan_output_snapshots() {
    insta::assert_snapshot!("scan_cli_table", scan_output(&["scan", "orders_api"]));
    insta::assert_snapshot!(
        "scan_cli_json",
        scan_output(&["scan", "--format", "json", "url_shortener"])
    );
    insta::assert_snapshot!(
        "scan_cli_json_env",
        scan_output(&[
            "scan",
            "--format",
            "json",
            "--env",
            "TABLE_NAME=links",
            "url_shortener"
        ])
    );
    insta::assert_snapshot!(
        "scan_cli_emit_config",
        scan_output(&["scan", "--emit-config", "search_service"])
    );
}

/// `aws iam get-account-authorization-details` with one role and its inline policy.
fn details(role: &str, policy: serde_json::Value) -> String {
    serde_json::json!({
        "RoleDetailList": [{
            "RoleName": role,
            "Arn": format!("arn:aws:iam::111122223333:role/{role}"),
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []},
            "RolePolicyList": [{"PolicyName": "inline", "PolicyDocument": policy}],
            "AttachedManagedPolicies": []
        }],
        "UserDetailList": [], "GroupDetailList": [], "Policies": []
    })
    .to_string()
}

#[test]
fn a_config_service_reads_its_needs_from_app_relative_to_the_config_file() {
    let dir = tmp("config-app");
    let svc = dir.join("svc");
    std::fs::create_dir_all(svc.join("src")).unwrap();
    std::fs::write(
        svc.join("src/app.py"),
        "import os\nfrom pydynox import Model, ModelConfig\n\nclass Link(Model):\n    model_config = ModelConfig(table=os.environ[\"TABLE_NAME\"])\n\ndef go(code: str):\n    link = Link.sync_get(code=code)\n    link.sync_delete()\n",
    )
    .unwrap();
    let policy = serde_json::json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "arn:aws:dynamodb:eu-west-1:111122223333:table/links"}]});
    std::fs::write(dir.join("details.json"), details("svc", policy)).unwrap();
    let config = |env: &str| {
        std::fs::write(
            svc.join("pydynox-iam.toml"),
            format!("[[service]]\nname = \"links\"\nrole = \"svc\"\napp = \"src\"\n{env}no_table_policy = true\n"),
        )
        .unwrap();
        let out = run(&[
            "check",
            "--config",
            &svc.join("pydynox-iam.toml").display().to_string(),
            "--from-auth-details",
            &dir.join("details.json").display().to_string(),
            "--region",
            "eu-west-1",
            "--format",
            "json",
        ]);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
        (v, out.status.code().unwrap())
    };
    // Without the deployed table name: INCONCLUSIVE, naming the variable.
    let (v, code) = config("");
    assert_eq!(code, 1);
    let report = &v["services"][0]["report"];
    assert_eq!(report["summary"]["verdict"], "INCONCLUSIVE", "{v:#}");
    assert!(
        report["rows"]
            .to_string()
            .contains("--env TABLE_NAME=VALUE")
    );
    // With it: GetItem passes, DeleteItem (which the code makes) fails.
    let (v, code) = config("env = [\"TABLE_NAME=links\"]\n");
    assert_eq!(code, 1);
    let rows = v["services"][0]["report"]["rows"]
        .as_array()
        .unwrap()
        .clone();
    let verdict = |a: &str| {
        rows.iter()
            .find(|r| r["action"] == a)
            .map(|r| r["verdict"].clone())
    };
    assert_eq!(verdict("dynamodb:GetItem"), Some("PASS".into()), "{v:#}");
    assert_eq!(verdict("dynamodb:DeleteItem"), Some("FAIL".into()), "{v:#}");
    assert_eq!(rows.len(), 2);
}

/// `check --app --include-tests` reads test files as `scan --include-tests` does: without the
/// flag a call only a test makes is not checked and the skipped test files are named in the
/// report's notes; with it (or `include_tests = true` in a config service) it is checked. The
/// flag needs code to read (`--app`, or `app` in the config).
#[test]
fn check_app_include_tests_reads_test_files_as_scan_does() {
    let dir = tmp("include-tests");
    let svc = dir.join("svc");
    std::fs::create_dir_all(svc.join("src/tests")).unwrap();
    let model = "from pydynox import Model, ModelConfig\n\nclass Link(Model):\n    model_config = ModelConfig(table=\"links\")\n";
    std::fs::write(
        svc.join("src/app.py"),
        format!("{model}\ndef go(code: str):\n    return Link.sync_get(code=code)\n"),
    )
    .unwrap();
    // Only the test deletes.
    std::fs::write(
        svc.join("src/tests/test_links.py"),
        format!("{model}\ndef test_delete():\n    Link.sync_get(code=\"x\").sync_delete()\n"),
    )
    .unwrap();
    let policy = serde_json::json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "arn:aws:dynamodb:eu-west-1:111122223333:table/links"}]});
    std::fs::write(dir.join("p.json"), policy.to_string()).unwrap();
    std::fs::write(dir.join("details.json"), details("svc", policy)).unwrap();
    let src = svc.join("src").display().to_string();
    let p = dir.join("p.json").display().to_string();
    let check = |extra: &[&str]| {
        let mut args = vec![
            "check",
            "--app",
            &src,
            "--role",
            ROLE,
            "--policy-file",
            &p,
            "--region",
            "eu-west-1",
            "--no-table-policy",
            "--format",
            "json",
        ];
        args.extend(extra);
        let out = run(&args);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
        (v, out.status.code().unwrap())
    };
    let actions = |v: &serde_json::Value| -> Vec<String> {
        v["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["action"].as_str().unwrap().to_string())
            .collect()
    };
    let (v, code) = check(&[]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(actions(&v), vec!["dynamodb:GetItem"]);
    let notes = v["notes"].to_string();
    assert!(
        notes.contains("skipped 1 test files") && notes.contains("test_links.py"),
        "{notes}"
    );
    assert!(notes.contains("--include-tests reads them"), "{notes}");
    let (v, code) = check(&["--include-tests"]);
    assert_eq!(code, 1, "{v:#}");
    assert!(actions(&v).contains(&"dynamodb:DeleteItem".to_string()));
    assert!(!v["notes"].to_string().contains("skipped 1 test files"));

    // The same in a config service.
    let config = |extra: &str| {
        std::fs::write(
            svc.join("pydynox-iam.toml"),
            format!("[[service]]\nname = \"links\"\nrole = \"svc\"\napp = \"src\"\n{extra}no_table_policy = true\n"),
        )
        .unwrap();
        run(&[
            "check",
            "--config",
            &svc.join("pydynox-iam.toml").display().to_string(),
            "--from-auth-details",
            &dir.join("details.json").display().to_string(),
            "--region",
            "eu-west-1",
            "--format",
            "json",
        ])
    };
    let out = config("include_tests = true\n");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("dynamodb:DeleteItem"));
    let out = config("");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Nothing to read: refused.
    let out = run(&[
        "check",
        "--features",
        "crud",
        "--table",
        "t",
        "--include-tests",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--app"));
    std::fs::write(
        svc.join("pydynox-iam.toml"),
        "[[service]]\nname = \"links\"\nrole = \"svc\"\nfeatures = [\"crud\"]\ninclude_tests = true\n",
    )
    .unwrap();
    let out = run(&[
        "check",
        "--config",
        &svc.join("pydynox-iam.toml").display().to_string(),
        "--from-auth-details",
        &dir.join("details.json").display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("`include_tests` reads the test files"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
