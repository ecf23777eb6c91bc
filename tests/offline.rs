//! `check` offline: policy files and authorization details, evaluated by the local engine
//! with no AWS call (no endpoint, no credentials in the environment).

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::common;

use common::{Bin, NOWHERE, Run};

fn pydynox_iam(dir: &Path, args: &[&str]) -> Run {
    // No way to reach AWS, and no credentials: an offline check must not need them.
    Bin {
        dir: Some(dir),
        endpoint: NOWHERE.to_string(),
        offline: true,
        region: "eu-west-1",
        ..Bin::default()
    }
    .run(args)
}

fn write(dir: &Path, name: &str, v: &Value) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, serde_json::to_string_pretty(v).unwrap()).unwrap();
    p
}

const ROLE: &str = "arn:aws:iam::111122223333:role/svc/orders-api";
const TABLE: &str = "arn:aws:dynamodb:eu-west-1:111122223333:table/orders";
const KEY: &str = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

fn row<'a>(report: &'a Value, action: &str) -> &'a Value {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["action"] == action)
        .unwrap_or_else(|| panic!("no row for {action}"))
}

#[test]
fn policy_files_are_checked_offline_with_boundary_and_key_policy() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "app.json",
        &json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "Items", "Effect": "Allow", "Action": ["dynamodb:*Item", "dynamodb:Query"], "Resource": [TABLE, format!("{TABLE}/index/*")]},
            {"Sid": "Keys", "Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": KEY}
        ]}),
    );
    write(
        dir.path(),
        "guard.json",
        &json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "NoDeletes", "Effect": "Deny", "Action": "dynamodb:DeleteItem", "Resource": "*"}
        ]}),
    );
    write(
        dir.path(),
        "boundary.json",
        &json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query", "kms:*"], "Resource": "*"}
        ]}),
    );
    write(
        dir.path(),
        "key.json",
        &json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "EnableIAM", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}
        ]}),
    );
    let run = pydynox_iam(
        dir.path(),
        &[
            "check",
            "--no-table-policy",
            "--role",
            ROLE,
            "--policy-file",
            "app.json",
            "--policy-file",
            "guard.json",
            "--boundary-file",
            "boundary.json",
            "--key-policy-file",
            "key.json",
            "--features",
            "crud,indexes,encryption,batch",
            "--table",
            "orders",
            "--index",
            "by-customer",
            "--kms-key",
            KEY,
            "--format",
            "json",
        ],
    );
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["engine"], "local");
    assert_eq!(report["principal"]["arn"], ROLE);
    assert_eq!(row(&report, "dynamodb:GetItem")["verdict"], "PASS");
    assert_eq!(
        row(&report, "dynamodb:GetItem")["reason"],
        "allowed by role inline policy `app` statement `Items`"
    );
    // An explicit deny names its statement.
    assert_eq!(row(&report, "dynamodb:DeleteItem")["code"], "explicit-deny");
    assert!(
        row(&report, "dynamodb:DeleteItem")["reason"]
            .as_str()
            .unwrap()
            .contains("`guard` statement `NoDeletes`")
    );
    // The index query is allowed by identity and boundary; the index scan is not granted at all.
    let idx = |action: &str| {
        report["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["action"] == action && r["resource"].as_str().unwrap().contains("/index/"))
            .unwrap()
            .clone()
    };
    assert_eq!(idx("dynamodb:Query")["verdict"], "PASS");
    assert_eq!(idx("dynamodb:Scan")["code"], "no-allow");
    // BatchGetItem matches `dynamodb:*Item`, but the boundary does not allow it.
    assert_eq!(
        row(&report, "dynamodb:BatchGetItem")["code"],
        "boundary-deny"
    );
    // KMS passes because the key policy delegates to IAM.
    assert_eq!(row(&report, "kms:GenerateDataKey")["verdict"], "PASS");
    assert!(
        row(&report, "kms:Decrypt")["reason"]
            .as_str()
            .unwrap()
            .contains("delegates to IAM")
    );
}

#[test]
fn authorization_details_resolve_users_groups_and_managed_policies() {
    let dir = tempfile::tempdir().unwrap();
    let doc = |actions: Vec<&str>| json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": TABLE}]});
    write(
        dir.path(),
        "details.json",
        &json!({
            "UserDetailList": [{"UserName": "alice", "Arn": "arn:aws:iam::111122223333:user/alice", "GroupList": ["writers"],
                "UserPolicyList": [{"PolicyName": "reads", "PolicyDocument": doc(vec!["dynamodb:GetItem"])}]}],
            "GroupDetailList": [{"GroupName": "writers", "Arn": "arn:aws:iam::111122223333:group/writers",
                "AttachedManagedPolicies": [{"PolicyName": "writes", "PolicyArn": "arn:aws:iam::111122223333:policy/writes"}]}],
            "RoleDetailList": [],
            "Policies": [{"PolicyName": "writes", "Arn": "arn:aws:iam::111122223333:policy/writes", "DefaultVersionId": "v3",
                "PolicyVersionList": [
                    {"VersionId": "v3", "IsDefaultVersion": true, "Document": doc(vec!["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"])},
                    {"VersionId": "v1", "IsDefaultVersion": false, "Document": doc(vec![])}]}]
        }),
    );
    let run = pydynox_iam(
        dir.path(),
        &[
            "check",
            "--no-table-policy",
            "--user",
            "alice",
            "--from-auth-details",
            "details.json",
            "--features",
            "crud",
            "--table",
            "orders",
            "--format",
            "json",
        ],
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(
        row(&report, "dynamodb:PutItem")["reason"]
            .as_str()
            .unwrap()
            .contains("group `writers` managed policy `writes`")
    );
    assert_eq!(report["policies"]["policies"][1]["source"]["version"], "v3");

    let unknown = pydynox_iam(
        dir.path(),
        &[
            "check",
            "--no-table-policy",
            "--role",
            "ghost",
            "--from-auth-details",
            "details.json",
            "--features",
            "crud",
            "--table",
            "orders",
        ],
    );
    assert_eq!(unknown.code, 2);
    assert!(
        unknown
            .stderr
            .contains("role `ghost` is not in the authorization details"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn offline_input_errors_exit_2_with_every_problem() {
    let dir = tempfile::tempdir().unwrap();
    let run = pydynox_iam(
        dir.path(),
        &[
            "check",
            "--no-table-policy",
            "--role",
            "app",
            "--policy-file",
            "missing.json",
            "--features",
            "crud",
            "--table",
            "t",
        ],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("cannot read `missing.json`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("name the principal by ARN"),
        "{}",
        run.stderr
    );

    let run = pydynox_iam(
        dir.path(),
        &[
            "check",
            "--no-table-policy",
            "--role",
            "app",
            "--key-policy-file",
            "k.json",
            "--features",
            "ping",
        ],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("are for offline checks"),
        "{}",
        run.stderr
    );

    let run = pydynox_iam(
        dir.path(),
        &[
            "check",
            "--no-table-policy",
            "--role",
            ROLE,
            "--policy-file",
            "x.json",
            "--engine",
            "aws",
            "--features",
            "ping",
        ],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
}

#[test]
fn a_malformed_policy_file_makes_every_row_inconclusive_never_pass() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "ok.json",
        &json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}),
    );
    write(
        dir.path(),
        "bad.json",
        &json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*"}]}),
    );
    let run = pydynox_iam(
        dir.path(),
        &[
            "check",
            "--no-table-policy",
            "--role",
            ROLE,
            "--policy-file",
            "ok.json",
            "--policy-file",
            "bad.json",
            "--features",
            "crud,ping",
            "--table",
            "t",
            "--format",
            "json",
        ],
    );
    assert_eq!(run.code, 1);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    for r in report["rows"].as_array().unwrap() {
        assert_eq!(r["verdict"], "INCONCLUSIVE", "{r}");
        assert_eq!(r["code"], "policy-unreadable");
        assert!(r["reason"].as_str().unwrap().contains("`bad`"), "{r}");
    }
}

#[test]
fn s3_rows_need_the_bucket_policy_or_its_absence_offline() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "app.json",
        &json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::media/*"}]}),
    );
    let base = [
        "check",
        "--no-table-policy",
        "--role",
        ROLE,
        "--policy-file",
        "app.json",
        "--features",
        "s3-attribute",
        "--bucket",
        "media",
        "--format",
        "json",
    ];
    let unknown = pydynox_iam(dir.path(), &base);
    let report: Value = serde_json::from_str(&unknown.stdout).unwrap();
    assert!(
        report["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["code"] == "resource-policy-unreadable")
    );
    let mut none = base.to_vec();
    none.push("--no-bucket-policy");
    // Offline, nothing shows who owns the bucket: in another account, the identity policy's
    // grant is not enough without the bucket policy's (issue 17, case 4).
    let run = pydynox_iam(dir.path(), &none);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    for r in report["rows"].as_array().unwrap() {
        assert_eq!(
            (r["verdict"].as_str(), r["code"].as_str()),
            (Some("INCONCLUSIVE"), Some("bucket-owner-unknown")),
            "{r:#}"
        );
        assert!(
            r["reason"].as_str().unwrap().contains("--bucket-owner"),
            "{r:#}"
        );
    }
    let mut elsewhere_owned = none.clone();
    elsewhere_owned.extend(["--bucket-owner", "444455556666"]);
    let run = pydynox_iam(dir.path(), &elsewhere_owned);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    for r in report["rows"].as_array().unwrap() {
        assert_eq!(
            (r["verdict"].as_str(), r["code"].as_str()),
            (Some("FAIL"), Some("resource-policy-deny")),
            "{r:#}"
        );
        assert!(
            r["reason"].as_str().unwrap().contains("444455556666"),
            "{r:#}"
        );
    }
    none.extend(["--bucket-owner", "111122223333"]);
    let run = pydynox_iam(dir.path(), &none);
    assert_eq!(run.code, 0, "{}", run.stdout);
    write(
        dir.path(),
        "bucket.json",
        &json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
             "Resource": ["arn:aws:s3:::media", "arn:aws:s3:::media/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
            {"Sid": "BlockedNet", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
             "Resource": "arn:aws:s3:::media/*", "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]}),
    );
    let mut with_policy = base.to_vec();
    with_policy.extend([
        "--bucket-policy-file",
        "bucket.json",
        "--bucket-owner",
        "111122223333",
    ]);
    // pydynox calls S3 over HTTPS (the catalogue says so), so the TLS-only deny does not
    // apply; the network deny tests aws:SourceIp, which depends on where the service runs:
    // without it the answer is not a PASS.
    let run = pydynox_iam(dir.path(), &with_policy);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(
        report["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["verdict"] == "INCONCLUSIVE" && r["code"] == "missing-context"),
        "{report:#}"
    );
    assert!(
        report["rows"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("aws:SourceIp")
    );
    let mut elsewhere = with_policy.clone();
    elsewhere.extend(["--context", "aws:SourceIp=ip:10.1.2.3"]);
    let run = pydynox_iam(dir.path(), &elsewhere);
    assert_eq!(run.code, 0, "{}", run.stdout);
    with_policy.extend(["--context", "aws:SourceIp=ip:203.0.113.9"]);
    let run = pydynox_iam(dir.path(), &with_policy);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(
        report["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["code"] == "explicit-deny"),
        "{report:#}"
    );
}

/// A table's resource policy given with --table-policy-file is evaluated with the identity
/// policies: its Deny wins, its Allow for the principal grants on its own (same account), and
/// a table without one given is inconclusive rather than guessed.
#[test]
fn table_policy_files_deny_and_grant_offline() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "app.json",
        &json!({"Version": "2012-10-17", "Statement": [{"Sid": "Writes", "Effect": "Allow",
            "Action": ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"], "Resource": TABLE}]}),
    );
    write(
        dir.path(),
        "orders-policy.json",
        &json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "AppReads", "Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "dynamodb:GetItem", "Resource": TABLE},
            {"Sid": "NoDeletes", "Effect": "Deny", "Principal": "*", "Action": "dynamodb:DeleteItem", "Resource": TABLE}
        ]}),
    );
    let args = |table_policy: &[&'static str]| {
        let mut a = vec![
            "check",
            "--role",
            ROLE,
            "--policy-file",
            "app.json",
            "--features",
            "crud",
            "--table",
            "orders",
            "--format",
            "json",
        ];
        a.extend_from_slice(table_policy);
        a
    };
    let run = pydynox_iam(
        dir.path(),
        &args(&["--table-policy-file", "orders=orders-policy.json"]),
    );
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let report = run.json();
    let get = row(&report, "dynamodb:GetItem");
    assert_eq!(get["verdict"], "PASS", "{get:#}");
    assert!(
        get["reason"]
            .as_str()
            .unwrap()
            .contains("table policy `orders` statement `AppReads`"),
        "{get:#}"
    );
    let delete = row(&report, "dynamodb:DeleteItem");
    assert_eq!(delete["code"], "explicit-deny", "{delete:#}");
    assert!(
        delete["reason"].as_str().unwrap().contains("`NoDeletes`"),
        "{delete:#}"
    );
    assert_eq!(row(&report, "dynamodb:PutItem")["verdict"], "PASS");
    assert_eq!(report["resource_policies"][0]["kind"], "dynamodb-table");

    // Not given: nothing on the table passes, and the reason says how to give it.
    let run = pydynox_iam(dir.path(), &args(&[]));
    let report = run.json();
    for r in report["rows"].as_array().unwrap() {
        assert_eq!(r["code"], "resource-policy-unreadable", "{r:#}");
        assert!(
            r["reason"]
                .as_str()
                .unwrap()
                .contains("--table-policy-file orders=FILE"),
            "{r:#}"
        );
    }

    // A malformed flag is a usage error naming it.
    let run = pydynox_iam(
        dir.path(),
        &args(&["--table-policy-file", "orders-policy.json"]),
    );
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("--table-policy-file `orders-policy.json` must be TABLE=FILE"),
        "{}",
        run.stderr
    );
}

/// An export for the tests below: role `app` (tagged, attaching `shared`), role `target` (to
/// be assumed, trusting `app`), role `other` (allowed everything) and managed policy `shared`.
fn export(extra_roles: Vec<Value>, policies: Vec<Value>) -> Value {
    let allow = |actions: &[&str], resource: &str| json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resource}]});
    let mut roles = vec![
        json!({"RoleName": "app", "Path": "/svc/", "Arn": "arn:aws:iam::111122223333:role/svc/app",
            "RolePolicyList": [{"PolicyName": "assume", "PolicyDocument": allow(&["sts:AssumeRole"], "arn:aws:iam::111122223333:role/target")}],
            "AttachedManagedPolicies": [{"PolicyName": "shared", "PolicyArn": "arn:aws:iam::111122223333:policy/shared"}],
            "Tags": [{"Key": "team", "Value": "orders"}]}),
        json!({"RoleName": "target", "Path": "/", "Arn": "arn:aws:iam::111122223333:role/target",
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111122223333:role/svc/app"}, "Action": "sts:AssumeRole"}]}}),
        json!({"RoleName": "other", "Path": "/", "Arn": "arn:aws:iam::111122223333:role/other",
            "RolePolicyList": [{"PolicyName": "all", "PolicyDocument": allow(&["dynamodb:*"], "*")}]}),
    ];
    roles.extend(extra_roles);
    let mut all_policies = vec![
        json!({"PolicyName": "shared", "Arn": "arn:aws:iam::111122223333:policy/shared", "DefaultVersionId": "v1",
        "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": true, "Document": allow(&["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"], TABLE)}]}),
    ];
    all_policies.extend(policies);
    json!({"RoleDetailList": roles, "Policies": all_policies, "UserDetailList": [], "GroupDetailList": []})
}

#[test]
fn authorization_details_give_the_principal_its_tags_and_trust_targets() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "details.json", &export(vec![], vec![]));
    let run = pydynox_iam(
        dir.path(),
        &[
            "check",
            "--no-table-policy",
            "--role",
            "app",
            "--from-auth-details",
            "details.json",
            "--features",
            "crud,assume-role",
            "--table",
            "orders",
            "--assume-role-arn",
            "arn:aws:iam::111122223333:role/target",
            "--format",
            "json",
        ],
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["principal"]["tags"], json!({"team": "orders"}));
    assert_eq!(
        report["principal"]["arn"],
        "arn:aws:iam::111122223333:role/svc/app"
    );
    assert_eq!(row(&report, "sts:AssumeRole")["verdict"], "PASS");
    // A role without `Tags` in the export has unknown tags, so none are reported.
    let other = pydynox_iam(
        dir.path(),
        &[
            "check",
            "--no-table-policy",
            "--role",
            "OTHER",
            "--from-auth-details",
            "details.json",
            "--features",
            "crud",
            "--table",
            "orders",
            "--format",
            "json",
        ],
    );
    assert_eq!(other.code, 0, "{}", other.stderr);
    let report: Value = serde_json::from_str(&other.stdout).unwrap();
    assert!(
        report["principal"].get("tags").is_none(),
        "{}",
        report["principal"]
    );
    assert_eq!(
        report["principal"]["name"], "other",
        "IAM names ignore case"
    );
}

#[test]
fn authorization_details_name_what_they_lack_for_the_audited_principal() {
    let dir = tempfile::tempdir().unwrap();
    let lacking = json!({"RoleName": "lacking", "Path": "/", "Arn": "arn:aws:iam::111122223333:role/lacking",
        "AttachedManagedPolicies": [{"PolicyName": "guard", "PolicyArn": "arn:aws:iam::111122223333:policy/guard"}],
        "PermissionsBoundary": {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": "arn:aws:iam::111122223333:policy/fence"}});
    let mut details = export(vec![lacking], vec![]);
    details["UserDetailList"] = json!([{"UserName": "alice", "Path": "/", "Arn": "arn:aws:iam::111122223333:user/alice", "GroupList": ["guarded"]}]);
    write(dir.path(), "details.json", &details);
    let check = |who: &str, name: &str| {
        pydynox_iam(
            dir.path(),
            &[
                "check",
                "--no-table-policy",
                who,
                name,
                "--from-auth-details",
                "details.json",
                "--features",
                "crud",
                "--table",
                "orders",
            ],
        )
    };
    let run = check("--role", "lacking");
    assert_eq!(run.code, 2, "{}", run.stderr);
    for part in [
        "role `lacking` (RoleDetailList[3]) attaches managed policy `arn:aws:iam::111122223333:policy/guard`, which is not in the authorization details",
        "role `lacking` (RoleDetailList[3]) has permissions boundary `arn:aws:iam::111122223333:policy/fence`, which is not in the authorization details",
        "without --filter",
    ] {
        assert!(run.stderr.contains(part), "missing {part}: {}", run.stderr);
    }
    let run = check("--user", "alice");
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "user `alice` (UserDetailList[0]) is in group `guarded`, which is not in the authorization details"
        ),
        "{}",
        run.stderr
    );
    // Another role of the same export is unaffected: references are checked for the audited.
    assert_eq!(check("--role", "app").code, 0);
}

#[test]
fn a_fleet_reads_every_service_principal_from_one_export() {
    let dir = tempfile::tempdir().unwrap();
    let lacking = json!({"RoleName": "lacking", "Path": "/", "Arn": "arn:aws:iam::111122223333:role/lacking",
        "AttachedManagedPolicies": [{"PolicyName": "guard", "PolicyArn": "arn:aws:iam::111122223333:policy/guard"}]});
    write(dir.path(), "details.json", &export(vec![lacking], vec![]));
    std::fs::write(
        dir.path().join("fleet.toml"),
        r#"[defaults]
region = "eu-west-1"

[[service]]
name = "orders"
role = "app"
features = ["crud", "assume-role"]
tables = ["orders"]
assume_role_arn = "arn:aws:iam::111122223333:role/target"

[[service]]
name = "admin"
role = "other"
features = ["crud"]
tables = ["orders"]

[[service]]
name = "broken"
role = "lacking"
features = ["crud"]
tables = ["orders"]
"#,
    )
    .unwrap();
    let run = pydynox_iam(
        dir.path(),
        &[
            "check",
            "--no-table-policy",
            "--config",
            "fleet.toml",
            "--from-auth-details",
            "details.json",
            "--format",
            "json",
        ],
    );
    let report: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}\n{}", run.stdout, run.stderr);
    });
    let services = report["services"].as_array().unwrap();
    let code = |name: &str| {
        services
            .iter()
            .find(|s| s["name"] == name)
            .unwrap_or_else(|| panic!("no service {name}: {report}"))["exit_code"]
            .clone()
    };
    assert_eq!(code("orders"), 0, "{report}");
    assert_eq!(code("admin"), 0, "{report}");
    assert_eq!(code("broken"), 2, "{report}");
    assert_eq!(run.code, 2);
}

#[test]
fn an_org_policies_file_is_evaluated_offline_and_the_notes_say_so() {
    // Offline, the local engine alone: an SCP given with --org-policies-file that denies
    // DeleteItem fails that row although the identity policy allows it (IAM User Guide, policy
    // evaluation logic: an explicit deny in an SCP overrides any allow), and the report no
    // longer says SCPs and RCPs are not evaluated.
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "app.json",
        &json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "Items", "Effect": "Allow", "Action": "dynamodb:*", "Resource": TABLE}
        ]}),
    );
    let full = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"}]});
    let level = |target: &str, extra: Option<Value>| {
        let mut policies =
            vec![json!({"id": "p-FullAWSAccess", "name": "FullAWSAccess", "document": full})];
        policies
            .extend(extra.map(|d| json!({"id": "p-nodelete", "name": "no-delete", "document": d})));
        json!({"target": target, "policies": policies})
    };
    let no_delete = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": "dynamodb:DeleteItem", "Resource": "*"}]});
    write(
        dir.path(),
        "org.json",
        &json!({"account": "111122223333", "organization": {
            "id": "o-example", "management_account": "999999999999",
            "scps": [level("r-root", Some(no_delete)), level("111122223333", None)],
            "rcps": null}}),
    );
    let base = [
        "check",
        "--no-table-policy",
        "--role",
        ROLE,
        "--policy-file",
        "app.json",
        "--features",
        "crud",
        "--table",
        "orders",
        "--format",
        "json",
    ];
    let mut args = base.to_vec();
    args.extend(["--org-policies-file", "org.json"]);
    let run = pydynox_iam(dir.path(), &args);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(row(&report, "dynamodb:GetItem")["verdict"], "PASS");
    assert_eq!(row(&report, "dynamodb:DeleteItem")["verdict"], "FAIL");
    let notes = report["notes"].to_string();
    assert!(
        notes
            .contains("evaluated the organization's service control and resource control policies")
            && !notes.contains("does not evaluate service control policies"),
        "{notes}"
    );
    // Without the file the same check says the local engine did not evaluate them.
    let run = pydynox_iam(dir.path(), &base);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(
        report["notes"]
            .to_string()
            .contains("does not evaluate service control policies"),
        "{}",
        report["notes"]
    );
}
