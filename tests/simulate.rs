//! `pydynox-iam simulate` end to end: the real binary on policy files in a temp dir, checking output,
//! exit codes, batch order and shape (from a file and from stdin), and a closed output pipe.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

const ROLE: &str = "arn:aws:iam::111122223333:role/app/AppRole";
const TABLE: &str = "arn:aws:dynamodb:eu-west-1:111122223333:table/Orders";
const KEY: &str = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pydynox-iam"))
}

fn app_policy() -> Value {
    json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "Read", "Effect": "Allow", "Action": ["dynamodb:Get*", "dynamodb:Query"],
         "Resource": "arn:aws:dynamodb:*:*:table/Orders*"},
        {"Sid": "Crypto", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY},
        {"Sid": "NoDeletes", "Effect": "Deny", "Action": "dynamodb:DeleteItem", "Resource": "*"}]})
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn simulate(args: &[&str]) -> Output {
    bin().arg("simulate").args(args).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8(b.to_vec()).unwrap()
}

fn lines(o: &Output) -> Vec<Value> {
    text(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn single_mode_table_shows_each_action_on_each_resource() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "app-read.json", &app_policy().to_string());
    let index = format!("{TABLE}/index/by-date");
    // The caller is given: without it, whether the table is in the caller's account is unknown.
    let o = simulate(&[
        "--principal",
        ROLE,
        "--policy-file",
        p.to_str().unwrap(),
        "--action",
        "dynamodb:GetItem",
        "--action",
        "dynamodb:DeleteItem",
        "--resource",
        TABLE,
        "--resource",
        &index,
    ]);
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}{}", text(&o.stderr));
    for want in [
        "Action",
        "Decision",
        "Deciding statements",
        "Why",
        "app-read #0 Read",
        "app-read #2 NoDeletes",
        "explicit deny in identity policy `app-read` statement 2",
        "4 requests: 2 allowed, 2 explicit deny, 0 implicit deny, 0 indeterminate",
    ] {
        assert!(out.contains(want), "missing `{want}` in:\n{out}");
    }
    assert!(out.contains(&index), "{out}");
}

#[test]
fn single_mode_json_all_allowed_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "app.json", &app_policy().to_string());
    let o = simulate(&[
        "--principal",
        ROLE,
        "--policy-file",
        p.to_str().unwrap(),
        "--action",
        "dynamodb:GetItem",
        "--action",
        "dynamodb:Query",
        "--resource",
        TABLE,
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let results = v.as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(results[1]["action"], "dynamodb:Query");
    assert_eq!(results[1]["decision"], "allowed");
    assert_eq!(
        results[1]["matched"],
        json!([{"policy": "app", "statement": 0, "sid": "Read"}])
    );
    assert_eq!(results[1]["errors"], json!([]));
}

#[test]
fn context_decides_conditions_and_missing_context_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let policy = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": "dynamodb:GetItem", "Resource": "*", "Condition": {
            "IpAddress": {"aws:SourceIp": "10.0.0.0/8"},
            "ForAnyValue:StringEquals": {"aws:TagKeys": ["team"]}}}]});
    let p = write(dir.path(), "net.json", &policy.to_string());
    let base = [
        "--policy-file",
        p.to_str().unwrap(),
        "--action",
        "dynamodb:GetItem",
    ];
    let run = |ctx: &[&str]| {
        let mut args = base.to_vec();
        for c in ctx {
            args.extend(["--context", c]);
        }
        args.extend(["--format", "json"]);
        let o = simulate(&args);
        let v: Value = serde_json::from_slice(&o.stdout).unwrap_or(Value::Null);
        (o.status.code(), v[0].clone(), text(&o.stderr))
    };
    let (code, r, _) = run(&["aws:SourceIp=ip:10.1.2.3", "aws:TagKeys=stringList:a,team"]);
    assert_eq!(
        (code, r["decision"].as_str()),
        (Some(0), Some("allowed")),
        "{r}"
    );
    let (code, r, _) = run(&["aws:SourceIp=ip:192.168.0.1", "aws:TagKeys=stringList:team"]);
    assert_eq!(
        (code, r["decision"].as_str()),
        (Some(1), Some("implicit_deny")),
        "{r}"
    );
    let (code, r, _) = run(&["aws:TagKeys=stringList:team"]);
    assert_eq!(code, Some(1));
    assert_eq!(r["missing_context"], json!(["aws:SourceIp"]), "{r}");
    let (code, _, err) = run(&["aws:SourceIp=ip:"]);
    assert_eq!(code, Some(2));
    assert_eq!(
        err,
        "error: --context `aws:SourceIp=ip:` has an empty value\n"
    );
}

#[test]
fn boundary_and_kms_key_policy_take_part() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "app.json", &app_policy().to_string());
    let boundary = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["dynamodb:*", "kms:*"], "Resource": "*"},
        {"Effect": "Deny", "Action": "dynamodb:Query", "NotResource": "arn:aws:dynamodb:*:*:table/Public"}]});
    let b = write(dir.path(), "limits.json", &boundary.to_string());
    // The key policy names only another role: it neither allows the caller nor delegates to IAM.
    let closed = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111122223333:role/Admin"}, "Action": "kms:*", "Resource": "*"}]});
    let delegating = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}]});
    let closed = write(dir.path(), "closed-key.json", &closed.to_string());
    let delegating = write(dir.path(), "key.json", &delegating.to_string());
    let run = |key: &Path, action: &str, resource: &str| {
        let o = simulate(&[
            "--policy-file",
            p.to_str().unwrap(),
            "--boundary-file",
            b.to_str().unwrap(),
            "--resource-policy-file",
            key.to_str().unwrap(),
            "--principal",
            ROLE,
            "--action",
            action,
            "--resource",
            resource,
            "--format",
            "json",
        ]);
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        (o.status.code(), v[0].clone())
    };
    let (code, r) = run(&delegating, "kms:Decrypt", KEY);
    assert_eq!(
        (code, r["decision"].as_str()),
        (Some(0), Some("allowed")),
        "{r}"
    );
    let codes: Vec<&str> = r["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"key_policy_delegates_to_iam"), "{r}");
    let (code, r) = run(&closed, "kms:Decrypt", KEY);
    assert_eq!(code, Some(1));
    assert_ne!(r["decision"], "allowed", "{r}");
    let (code, r) = run(&delegating, "dynamodb:Query", TABLE);
    assert_eq!(
        (code, r["decision"].as_str()),
        (Some(1), Some("explicit_deny")),
        "{r}"
    );
    assert_eq!(r["matched"][0]["policy"], "limits", "{r}");
}

#[test]
fn input_errors_exit_two_naming_the_file_and_the_located_error() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(dir.path(), "good.json", &app_policy().to_string());
    let bad_json = write(
        dir.path(),
        "bad-json.json",
        "{\"Version\": \"2012-10-17\",\n  \"Statement\": [}",
    );
    let bad_grammar = write(
        dir.path(),
        "bad-grammar.json",
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Perhaps", "Action": "*", "Resource": "*"}]}"#,
    );
    let missing = dir.path().join("missing.json");
    let o = simulate(&[
        "--policy-file",
        good.to_str().unwrap(),
        "--policy-file",
        bad_json.to_str().unwrap(),
        "--policy-file",
        bad_grammar.to_str().unwrap(),
        "--boundary-file",
        missing.to_str().unwrap(),
        "--action",
        "dynamodb:GetItem",
    ]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(o.stdout.is_empty());
    let bad_json_msg = format!(
        "error: --policy-file `{}`: policy is not valid json (line 2",
        bad_json.display()
    );
    let bad_grammar_msg = format!(
        "error: --policy-file `{}`: statement 0:",
        bad_grammar.display()
    );
    let missing_msg = format!(
        "error: cannot read --boundary-file `{}`: ",
        missing.display()
    );
    for want in [bad_json_msg, bad_grammar_msg, missing_msg] {
        assert!(err.contains(&want), "missing `{want}` in:\n{err}");
    }
    // All problems at once, one per line.
    assert_eq!(
        err.lines().filter(|l| l.starts_with("error: ")).count(),
        3,
        "{err}"
    );
}

#[test]
fn batch_from_file_keeps_order_and_reports_a_malformed_line_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let req = |action: &str| {
        json!({"principal": ROLE, "action": action, "resource": TABLE,
            "identity_policies": [{"name": "app", "document": app_policy()}], "boundary": null,
            "resource_policy": null, "context": {"aws:SourceIp": "10.0.0.1", "aws:TagKeys": ["a", "b"]}})
        .to_string()
    };
    let input = [
        req("dynamodb:GetItem"),
        req("dynamodb:DeleteItem"),
        String::new(),
        "{\"principal\": 1}".to_string(),
        req("dynamodb:PutItem"),
        req("dynamodb:Query"),
    ]
    .join("\n");
    let f = write(dir.path(), "requests.jsonl", &input);
    let o = simulate(&["--requests", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    let out = lines(&o);
    let decisions: Vec<&str> = out
        .iter()
        .map(|r| r["decision"].as_str().unwrap())
        .collect();
    assert_eq!(
        decisions,
        [
            "allowed",
            "explicit_deny",
            "indeterminate",
            "implicit_deny",
            "allowed"
        ]
    );
    for r in &out {
        let keys: Vec<&String> = r.as_object().unwrap().keys().collect();
        for field in ["decision", "matched", "missing_context", "errors"] {
            assert!(keys.iter().any(|k| *k == field), "{field} missing in {r}");
        }
    }
    let err = out[2]["errors"][0].as_str().unwrap();
    assert!(err.starts_with("line 4, column "), "{err}");
    assert!(
        err.contains("invalid type: integer `1`, expected a string"),
        "{err}"
    );
    assert_eq!(out[1]["matched"][0]["sid"], "NoDeletes");
    assert_eq!(out[3]["errors"], json!([]));
}

#[test]
fn batch_reads_stdin_with_a_dash() {
    let req = json!({"principal": ROLE, "action": "dynamodb:GetItem", "resource": TABLE,
        "identity_policies": [{"name": "app", "document": app_policy().to_string()}]})
    .to_string();
    let mut child = bin()
        .args(["simulate", "--requests", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // Each answer is flushed as soon as its line is read: read it back before closing stdin.
    writeln!(stdin, "{req}").unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    let first: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(first["decision"], "allowed", "{first}");
    writeln!(stdin, "{req}").unwrap();
    drop(stdin);
    let rest: Vec<String> = reader.lines().map(Result::unwrap).collect();
    assert_eq!(rest.len(), 1);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}

#[test]
fn closed_output_pipe_is_not_an_error() {
    let req = json!({"principal": ROLE, "action": "dynamodb:GetItem", "resource": TABLE,
        "identity_policies": [{"name": "app", "document": app_policy()}]})
    .to_string();
    let dir = tempfile::tempdir().unwrap();
    // Far more output than a pipe buffer holds, so the writer must hit the closed pipe.
    let input = vec![req; 5_000].join("\n");
    let f = write(dir.path(), "many.jsonl", &input);
    let mut child = bin()
        .args(["simulate", "--requests", f.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    drop(reader);
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(o.stderr.is_empty(), "{}", text(&o.stderr));
}

#[test]
fn batch_flags_conflict_with_single_mode_flags() {
    let o = simulate(&["--requests", "-", "--action", "dynamodb:GetItem"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("cannot be used with"),
        "{}",
        text(&o.stderr)
    );
}

/// The organization of account 111122223333: FullAWSAccess SCPs at every level, and RCPs whose
/// root level also denies `dynamodb:GetItem` (DynamoDB is on the RCP service list).
fn org_file() -> Value {
    let full = |id: &str, principal: bool| {
        let mut st = json!({"Effect": "Allow", "Action": "*", "Resource": "*"});
        if principal {
            st["Principal"] = json!("*");
        }
        json!({"id": id, "name": id, "document": {"Version": "2012-10-17", "Statement": [st]}})
    };
    let levels = |extra: Option<Value>, principal: bool, id: &str| {
        let mut root = vec![full(id, principal)];
        root.extend(extra);
        json!([
            {"target": "r-root", "policies": root},
            {"target": "ou-prod", "policies": [full(id, principal)]},
            {"target": "111122223333", "policies": [full(id, principal)]}
        ])
    };
    let deny = json!({"id": "p-rcp-noget", "name": "NoGetItem", "document": {
        "Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*",
        "Action": "dynamodb:GetItem", "Resource": "*"}]}});
    json!({"account": "111122223333", "organization": {
        "id": "o-abc", "management_account": "999999999999",
        "scps": levels(None, false, "p-FullAWSAccess"),
        "rcps": levels(Some(deny), true, "p-RCPFullAWSAccess")}})
}

#[test]
fn org_policies_file_adds_the_organizations_layers_and_their_absence_is_said() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "app.json", &app_policy().to_string());
    let org = write(dir.path(), "org.json", &org_file().to_string());
    let base = [
        "--principal",
        ROLE,
        "--policy-file",
        p.to_str().unwrap(),
        "--action",
        "dynamodb:GetItem",
        "--resource",
        TABLE,
    ];
    // Without the organization's policies: allowed, and the output says it is not final.
    let o = simulate(&base);
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}{}", text(&o.stderr));
    assert!(
        out.contains(
            "note: no service control policy (SCP) nor resource control policy (RCP) was evaluated"
        ) && out.contains("--org-policies-file"),
        "{out}"
    );
    let mut json_args = base.to_vec();
    json_args.extend(["--format", "json"]);
    let o = simulate(&json_args);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v[0]["decision"], "allowed");
    assert_eq!(v[0]["org_policies_evaluated"], false);
    // With them: the RCP's Deny wins over the identity policy's Allow.
    let mut with = base.to_vec();
    with.extend(["--org-policies-file", org.to_str().unwrap()]);
    let o = simulate(&with);
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}{}", text(&o.stderr));
    assert!(out.contains("explicit deny"), "{out}");
    assert!(
        !out.contains("was evaluated: `allowed` holds only"),
        "{out}"
    );
    with.extend(["--format", "json"]);
    let o = simulate(&with);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v[0]["decision"], "explicit_deny", "{v}");
    assert_eq!(v[0]["org_policies_evaluated"], true);
    assert_eq!(v[0]["matched"][0]["policy"], "p-rcp-noget", "{v}");
    // Batch mode: every line gets them.
    let line = json!({"principal": ROLE, "action": "dynamodb:GetItem", "resource": TABLE,
        "identity_policies": [{"name": "app", "document": app_policy()}]});
    let reqs = write(dir.path(), "reqs.jsonl", &format!("{line}\n"));
    let o = simulate(&[
        "--requests",
        reqs.to_str().unwrap(),
        "--org-policies-file",
        org.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let l = lines(&o);
    assert_eq!(l[0]["decision"], "explicit_deny", "{l:?}");
    assert_eq!(l[0]["org_policies_evaluated"], true);
    let o = simulate(&["--requests", reqs.to_str().unwrap()]);
    assert_eq!(lines(&o)[0]["org_policies_evaluated"], false);
    // A file that is not one: a usage error naming it.
    let bad = write(
        dir.path(),
        "bad.json",
        r#"{"account": "111122223333", "oops": 1}"#,
    );
    let mut bad_args = base.to_vec();
    bad_args.extend(["--org-policies-file", bad.to_str().unwrap()]);
    let o = simulate(&bad_args);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("bad.json"), "{}", text(&o.stderr));
}
