//! End-to-end tests of the `pydynox-iam` binary against a real LocalStack, which `make test`
//! starts (localstack/with-localstack.sh). Each test creates its own roles, users, groups
//! and policies under unique names, runs the binary and asserts on its table, JSON and exit
//! code.
//!
//! LocalStack's simulator is a stub (exact action and resource matches only, group policies
//! and boundaries ignored, `explicitDeny` for anything else; see localstack/README notes in
//! the project README). These tests assert the plumbing and exact-match decisions, never a
//! verdict that is right only because of those quirks.

use crate::common;

use common::*;
use serde_json::{Value, json};

use pydynox_iam::needs::catalogue::Catalogue;
use pydynox_iam::needs::plan::{
    CheckPlan, Env, IndexSelection, PrincipalSelector, ResourceInputs, expand,
};

async fn create_role(
    iam: &aws_sdk_iam::Client,
    name: &str,
    path: &str,
    inline: Option<Value>,
) -> String {
    let out = iam
        .create_role()
        .role_name(name)
        .path(path)
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .expect("create role");
    if let Some(doc) = inline {
        iam.put_role_policy()
            .role_name(name)
            .policy_name("inline")
            .policy_document(doc.to_string())
            .send()
            .await
            .unwrap();
    }
    out.role().unwrap().arn().to_string()
}

/// An identity policy granting exactly the (action, resource) pairs the features need,
/// one statement per action, as LocalStack's exact-match simulator can recognise.
fn exact_policy(features: &[&str], resources: ResourceInputs, key_arn: Option<String>) -> Value {
    let cat = Catalogue::embedded();
    let plan = CheckPlan {
        principal: PrincipalSelector::Caller,
        features: cat.resolve_features(features).unwrap(),
        version: cat.newest(),
        resources,
        extra_context: vec![],
        notes: vec![],
        app: None,
    };
    let env = Env {
        partition: "aws".into(),
        region: REGION.into(),
        account: ACCOUNT.into(),
        key_arn,
    };
    let mut by_action: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for c in expand(&cat, &plan, &env) {
        let v = by_action.entry(c.action).or_default();
        if !v.contains(&c.resource) {
            v.push(c.resource);
        }
    }
    let statements: Vec<Value> = by_action
        .into_iter()
        .map(|(a, r)| json!({"Effect": "Allow", "Action": [a], "Resource": r}))
        .collect();
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn resources(tables: &[&str]) -> ResourceInputs {
    ResourceInputs {
        tables: tables.iter().map(|t| t.to_string()).collect(),
        indexes: IndexSelection::None,
        kms_key: None,
        bucket: None,
        prefix: String::new(),
        assume_role_arn: None,
        lock_table: None,
    }
}

/// A new, empty bucket on LocalStack.
async fn new_bucket() -> String {
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&sdk_config().await)
            .force_path_style(true)
            .build(),
    );
    let bucket = unique("media").to_ascii_lowercase();
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    bucket
}

fn verdicts(report: &Value) -> Vec<(String, String)> {
    report["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap().to_string(),
                f["verdict"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn exact_grants_pass_every_dynamodb_and_s3_feature() {
    let iam = iam().await;
    let role = unique("exact");
    let table = unique("tbl");
    // A real table on moto (with the GSI): its resource policy is read, and there is none.
    create_table(&table, &["by-email"]).await;
    // With --engine aws too, S3 rows need the bucket's policy read (the simulator does not see
    // it): the bucket must exist.
    let bucket = new_bucket().await;
    let mut res = resources(&[&table]);
    res.indexes = IndexSelection::Named(vec!["by-email".into()]);
    res.bucket = Some(bucket.clone());
    res.prefix = "avatars/".into();
    let features = [
        "crud",
        "query",
        "scan",
        "indexes",
        "batch",
        "transactions",
        "partiql",
        "partiql-write",
        "table-management",
        "ping",
        "s3-attribute",
    ];
    create_role(&iam, &role, "/", Some(exact_policy(&features, res, None))).await;

    let run = pydynox_iam(&[
        "check",
        "--role",
        &role,
        "--features",
        &features.join(","),
        "--table",
        &table,
        "--index",
        "by-email",
        "--bucket",
        &bucket,
        "--prefix",
        "avatars/",
        "--format",
        "json",
        "--engine",
        "aws",
    ]);
    assert_eq!(
        run.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    let report = run.json();
    assert_eq!(report["schema"], "pydynox-iam/check/v1");
    assert_eq!(report["summary"]["verdict"], "PASS");
    let rows = report["rows"].as_array().unwrap();
    // 4 crud + 1 + 1 + 2 index + 2 batch + 5 transactions + 2 partiql (table, index) + 3 + 3 + 1 + 4 s3.
    assert_eq!(rows.len(), 28);
    assert!(
        rows.iter()
            .all(|r| r["verdict"] == "PASS" && r["code"] == "allowed"),
        "{rows:#?}"
    );
    assert!(rows.iter().any(|r| r["action"] == "dynamodb:Query"
        && r["resource"]
            == format!("arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{table}/index/by-email")));
    assert!(rows.iter().any(|r| r["action"] == "s3:AbortMultipartUpload"
        && r["resource"] == format!("arn:aws:s3:::{bucket}/avatars/pydynox-iam-check")));
    assert!(
        rows.iter()
            .any(|r| r["action"] == "dynamodb:ListTables" && r["resource"] == "*")
    );
    // The fetched policy is in the report, and the table's policy was read: it has none.
    assert_eq!(report["policies"]["policies"][0]["name"], "inline");
    let tables: Vec<&Value> = report["resource_policies"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["kind"] == "dynamodb-table")
        .collect();
    assert_eq!(tables.len(), 1, "{:#}", report["resource_policies"]);
    assert_eq!(tables[0]["state"], "absent", "{:#}", tables[0]);
    assert_eq!(report["engine"], "aws-simulator");
}

/// A table that does not exist (on moto, DynamoDB's endpoint here) has no policy that can be
/// read: no table row may pass, and the reason says what to do.
#[tokio::test]
async fn a_table_that_is_not_there_makes_its_rows_inconclusive() {
    let iam = iam().await;
    let role = unique("tblpol");
    let table = unique("tbl");
    create_role(
        &iam,
        &role,
        "/",
        Some(exact_policy(&["crud"], resources(&[&table]), None)),
    )
    .await;
    let args = [
        "check",
        "--role",
        &role,
        "--features",
        "crud,ping",
        "--table",
        &table,
        "--format",
        "json",
        "--engine",
        "local",
    ];
    let run = pydynox_iam(&args);
    // 1: ping fails outright (nothing grants ListTables); no crud row passes.
    assert_eq!(
        run.code, 1,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    let report = run.json();
    for r in report["rows"].as_array().unwrap() {
        if r["action"] == "dynamodb:ListTables" {
            // `*` belongs to no table: no table policy applies.
            assert_eq!(r["code"], "no-allow", "{r:#}");
            continue;
        }
        assert_eq!(r["verdict"], "INCONCLUSIVE", "{r:#}");
        assert_eq!(r["code"], "resource-policy-unreadable", "{r:#}");
        let reason = r["reason"].as_str().unwrap();
        assert!(reason.contains("dynamodb:GetResourcePolicy"), "{reason}");
        assert!(reason.contains("--no-table-policy"), "{reason}");
    }
    assert_eq!(report["resource_policies"][0]["kind"], "dynamodb-table");
    assert_eq!(report["resource_policies"][0]["state"], "unreadable");

    // With the flag, nothing is read and the report says so.
    let mut with_flag = args.to_vec();
    with_flag.insert(1, "--no-table-policy");
    let run = pydynox_iam(&with_flag);
    let report = run.json();
    assert_eq!(verdicts(&report)[0], ("crud".into(), "PASS".into()));
    assert!(report["resource_policies"].as_array().unwrap().is_empty());
    assert!(
        report["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().contains("--no-table-policy")),
        "{:#}",
        report["notes"]
    );
}

#[tokio::test]
async fn a_missing_action_fails_its_feature_and_only_that_feature() {
    let iam = iam().await;
    let role = unique("missing");
    let orders = unique("orders");
    create_table(&orders, &[]).await;
    let mut policy = exact_policy(&["crud", "batch"], resources(&[&orders]), None);
    let statements = policy["Statement"].as_array_mut().unwrap();
    statements.retain(|s| s["Action"][0] != "dynamodb:BatchWriteItem");
    create_role(&iam, &role, "/", Some(policy)).await;

    for engine in ["aws", "local", "both"] {
        let run = pydynox_iam(&[
            "check",
            "--role",
            &role,
            "--features",
            "crud,batch",
            "--table",
            &orders,
            "--format",
            "json",
            "--engine",
            engine,
        ]);
        assert_eq!(run.code, 1, "{engine}: {}", run.stderr);
        let report = run.json();
        assert_eq!(
            verdicts(&report),
            vec![
                ("crud".into(), "PASS".into()),
                ("batch".into(), "FAIL".into())
            ],
            "{engine}"
        );
        let failing: Vec<&str> = report["rows"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["verdict"] != "PASS")
            .map(|r| r["action"].as_str().unwrap())
            .collect();
        assert_eq!(failing, vec!["dynamodb:BatchWriteItem"], "{engine}");
        let fix = &report["features"][1]["fix"];
        if engine == "aws" {
            // LocalStack's stub answers explicitDeny without a statement: no Deny to remove.
            let advice = fix["must_change"][0].as_str().unwrap();
            assert!(advice.contains("--engine local"), "{engine}: {advice}");
        } else {
            assert_eq!(
                fix["add_statements"][0]["Action"],
                json!(["dynamodb:BatchWriteItem"]),
                "{engine}: {fix}"
            );
        }
    }

    let table = pydynox_iam(&[
        "check",
        "--role",
        &role,
        "--features",
        "crud,batch",
        "--table",
        &orders,
    ]);
    assert_eq!(table.code, 1);
    let line = table
        .stdout
        .lines()
        .find(|l| l.contains("dynamodb:BatchWriteItem") && l.contains('┆'))
        .expect("a row for BatchWriteItem");
    assert!(line.contains("FAIL"), "{line}");
    assert!(
        table
            .stdout
            .contains("Overall: FAIL (6 checks: 5 pass, 1 fail, 0 inconclusive)"),
        "{}",
        table.stdout
    );
    assert!(
        !table.stdout.contains('\x1b'),
        "no colour when not on a terminal"
    );
}

#[tokio::test]
async fn a_users_group_policies_are_fetched() {
    let iam = iam().await;
    let user = unique("alice");
    let t = unique("t");
    create_table(&t, &[]).await;
    let group = unique("devs");
    iam.create_user().user_name(&user).send().await.unwrap();
    // The user's own grant is an attached managed policy: LocalStack 4.10's simulator fails
    // with an internal error on users that have inline policies.
    let own = iam
        .create_policy()
        .policy_name(unique("own-query"))
        .policy_document(exact_policy(&["query"], resources(&[&t]), None).to_string())
        .send()
        .await
        .unwrap();
    iam.attach_user_policy()
        .user_name(&user)
        .policy_arn(own.policy().unwrap().arn().unwrap())
        .send()
        .await
        .unwrap();
    iam.create_group().group_name(&group).send().await.unwrap();
    iam.add_user_to_group()
        .group_name(&group)
        .user_name(&user)
        .send()
        .await
        .unwrap();
    let managed = iam
        .create_policy()
        .policy_name(unique("group-crud"))
        .policy_document(exact_policy(&["crud"], resources(&[&t]), None).to_string())
        .send()
        .await
        .unwrap();
    let managed_arn = managed.policy().unwrap().arn().unwrap().to_string();
    iam.attach_group_policy()
        .group_name(&group)
        .policy_arn(&managed_arn)
        .send()
        .await
        .unwrap();
    iam.put_group_policy()
        .group_name(&group)
        .policy_name("group-inline")
        .policy_document(exact_policy(&["scan"], resources(&[&t]), None).to_string())
        .send()
        .await
        .unwrap();

    let run = pydynox_iam(&[
        "check",
        "--user",
        &user,
        "--features",
        "query,crud,scan",
        "--table",
        &t,
        "--format",
        "json",
        "--engine",
        "aws",
    ]);
    let report = run.json();
    assert_eq!(report["principal"]["kind"], "user");
    assert_eq!(report["policies"]["groups"], json!([group]));
    let sources: Vec<&Value> = report["policies"]["policies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["source"])
        .collect();
    assert!(
        sources
            .iter()
            .any(|s| s["type"] == "managed" && s["via_group"].is_null())
    );
    assert!(sources.contains(&&json!({"type": "inline", "owner_kind": "group", "owner": group})));
    assert!(sources.iter().any(|s| s["type"] == "managed"
        && s["arn"] == managed_arn.as_str()
        && s["via_group"] == group.as_str()));
    // The user's own grant is an exact match, so even LocalStack's simulator allows it.
    assert!(
        verdicts(&report).contains(&("query".into(), "PASS".into())),
        "{report:#}"
    );
    // Group grants are not asserted on the simulator: LocalStack's ignores group policies,
    // where AWS's includes them. The local engine evaluates them, as AWS does: every
    // feature passes, each row naming the policy that grants it.
    let local = pydynox_iam(&[
        "check",
        "--user",
        &user,
        "--features",
        "query,crud,scan",
        "--table",
        &t,
        "--format",
        "json",
        "--engine",
        "local",
    ]);
    assert_eq!(local.code, 0, "{}", local.stdout);
    let report = local.json();
    let reason_of = |action: &str| -> String {
        report["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["action"] == action)
            .unwrap()["reason"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(
        reason_of("dynamodb:PutItem").contains(&format!("group `{group}` managed policy")),
        "{}",
        reason_of("dynamodb:PutItem")
    );
    assert!(
        reason_of("dynamodb:Scan").contains("group inline policy `group-inline`"),
        "{}",
        reason_of("dynamodb:Scan")
    );
}

#[tokio::test]
async fn an_assumed_role_session_arn_is_resolved_to_the_role_with_its_path() {
    let iam = iam().await;
    let role = unique("svc");
    let arn = create_role(
        &iam,
        &role,
        "/platform/team/",
        Some(exact_policy(&["ping"], resources(&[]), None)),
    )
    .await;
    assert!(arn.contains("/platform/team/"));
    let session = format!("arn:aws:sts::{ACCOUNT}:assumed-role/{role}/i-0123456789");
    let run = pydynox_iam(&[
        "check",
        "--principal",
        &session,
        "--features",
        "ping",
        "--format",
        "json",
    ]);
    // A session's own session policies (if it was created with any) cap it, and nothing
    // reads them: not a PASS unless the user states it has none (issue 17, case 5).
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["principal"]["arn"], arn.as_str());
    assert_eq!(report["principal"]["session_arn"], session.as_str());
    for r in report["rows"].as_array().unwrap() {
        assert_eq!(r["verdict"], "INCONCLUSIVE", "{r:#}");
        assert_eq!(r["code"], "session-policy-not-evaluated", "{r:#}");
        assert!(
            r["reason"]
                .as_str()
                .unwrap()
                .contains("--no-session-policy")
        );
    }
    let run = pydynox_iam(&[
        "check",
        "--principal",
        &session,
        "--no-session-policy",
        "--features",
        "ping",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.json()["notes"].as_array().unwrap().iter().any(|n| {
        n.as_str()
            .unwrap()
            .contains("no session policy (--no-session-policy)")
    }));
    // --role accepts the session ARN too.
    let run = pydynox_iam(&[
        "check",
        "--role",
        &session,
        "--features",
        "ping",
        "--format",
        "json",
    ]);
    assert_eq!(run.json()["principal"]["arn"], arn.as_str());
}

#[tokio::test]
async fn an_unknown_role_exits_3_with_a_clear_message() {
    let _ = iam().await;
    let run = pydynox_iam(&[
        "check",
        "--role",
        "no-such-role-xyz",
        "--features",
        "crud",
        "--table",
        "t",
    ]);
    assert_eq!(run.code, 3);
    assert!(
        run.stderr.contains("role `no-such-role-xyz` not found"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout.is_empty(),
        "nothing printed on stdout: {}",
        run.stdout
    );
}

#[tokio::test]
async fn a_feature_without_its_resource_flag_exits_2_naming_the_flag() {
    let run = pydynox_iam(&[
        "check",
        "--role",
        "any",
        "--features",
        "crud,encryption,indexes",
        "--table",
        "t",
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("feature `encryption-readwrite` needs --kms-key"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("feature `indexes` needs --index or --all-indexes"),
        "{}",
        run.stderr
    );
    let run = pydynox_iam(&["check", "--role", "any", "--features", "transact"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unknown feature `transact`"),
        "{}",
        run.stderr
    );
}

#[tokio::test]
async fn the_caller_identity_is_used_when_no_principal_is_named() {
    let _ = iam().await;
    // LocalStack's caller is the account root, which IAM policies do not restrict.
    let run = pydynox_iam(&["check", "--features", "ping"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!("arn:aws:iam::{ACCOUNT}:root")),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--role"), "{}", run.stderr);
}

#[tokio::test]
async fn managed_policies_and_the_boundary_are_fetched_at_their_default_version() {
    let iam = iam().await;
    let role = unique("bounded");
    let t = unique("t");
    create_table(&t, &[]).await;
    create_role(&iam, &role, "/", None).await;
    let managed = iam
        .create_policy()
        .policy_name(unique("app"))
        .policy_document(exact_policy(&["scan"], resources(&[&t]), None).to_string())
        .send()
        .await
        .unwrap();
    let managed_arn = managed.policy().unwrap().arn().unwrap().to_string();
    iam.create_policy_version()
        .policy_arn(&managed_arn)
        .policy_document(exact_policy(&["crud"], resources(&[&t]), None).to_string())
        .set_as_default(true)
        .send()
        .await
        .unwrap();
    iam.attach_role_policy()
        .role_name(&role)
        .policy_arn(&managed_arn)
        .send()
        .await
        .unwrap();
    let boundary = iam
        .create_policy()
        .policy_name(unique("boundary"))
        .policy_document(json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]}).to_string())
        .send()
        .await
        .unwrap();
    let boundary_arn = boundary.policy().unwrap().arn().unwrap().to_string();
    iam.put_role_permissions_boundary()
        .role_name(&role)
        .permissions_boundary(&boundary_arn)
        .send()
        .await
        .unwrap();

    let run = pydynox_iam(&[
        "check",
        "--role",
        &role,
        "--features",
        "crud",
        "--table",
        &t,
        "--format",
        "json",
    ]);
    let report = run.json();
    assert_eq!(report["principal"]["boundary_arn"], boundary_arn.as_str());
    let policy = &report["policies"]["policies"][0];
    assert_eq!(policy["source"]["version"], "v2");
    assert!(
        policy["text"]
            .as_str()
            .unwrap()
            .contains("dynamodb:GetItem"),
        "the default (v2) document, not v1"
    );
    assert_eq!(report["policies"]["boundary"]["source"]["type"], "boundary");
    // The local engine evaluates the default version (v2, which grants crud) under the
    // boundary (dynamodb:*), so crud passes. (LocalStack's simulator would read v1.)
    assert_eq!(report["engine"], "local");
    assert_eq!(run.code, 0, "{}", run.stdout);

    let shown = pydynox_iam(&[
        "check",
        "--role",
        &role,
        "--features",
        "crud",
        "--table",
        &t,
        "--show-policies",
    ]);
    assert!(
        shown
            .stdout
            .contains(&format!("permissions boundary: {boundary_arn}")),
        "{}",
        shown.stdout
    );
    assert!(
        shown
            .stdout
            .contains(&format!("# customer managed policy `{managed_arn}` (v2)")),
        "{}",
        shown.stdout
    );
    assert!(
        shown
            .stdout
            .contains(&format!("# permissions boundary `{boundary_arn}` (v1)")),
        "{}",
        shown.stdout
    );
}

#[tokio::test]
async fn a_kms_alias_is_resolved_to_its_key_arn() {
    let iam = iam().await;
    let kms = aws_sdk_kms::Client::new(&sdk_config().await);
    let key = kms.create_key().send().await.unwrap();
    let key_arn = key.key_metadata().unwrap().arn().unwrap().to_string();
    let alias = format!("alias/{}", unique("app"));
    kms.create_alias()
        .alias_name(&alias)
        .target_key_id(key.key_metadata().unwrap().key_id())
        .send()
        .await
        .unwrap();
    let role = unique("kms");
    let mut res = resources(&[]);
    res.kms_key = Some(pydynox_iam::iam::arn::KeyInput::KeyArn(key_arn.clone()));
    create_role(
        &iam,
        &role,
        "/",
        Some(exact_policy(
            &["encryption-readwrite"],
            res,
            Some(key_arn.clone()),
        )),
    )
    .await;

    let run = pydynox_iam(&[
        "check",
        "--role",
        &role,
        "--features",
        "kms-readwrite",
        "--kms-key",
        &alias,
        "--format",
        "json",
        "--engine",
        "aws",
    ]);
    let report = run.json();
    let rows = report["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r["resource"] == key_arn.as_str()));
    // Identity policies allow both actions, but the key policy is not evaluated by IAM's
    // simulator: never a PASS, and not exit 0 unless inconclusive results are allowed.
    assert!(
        rows.iter()
            .all(|r| r["verdict"] == "INCONCLUSIVE" && r["code"] == "key-policy-not-evaluated"),
        "{rows:#?}"
    );
    assert_eq!(run.code, 1);
    let allowed = pydynox_iam(&[
        "check",
        "--role",
        &role,
        "--features",
        "kms-readwrite",
        "--kms-key",
        &alias,
        "--allow-inconclusive",
        "--engine",
        "aws",
    ]);
    assert_eq!(allowed.code, 0, "{}", allowed.stdout);
    // The local engine reads the key policy; LocalStack's default one delegates to IAM.
    let local = pydynox_iam(&[
        "check",
        "--role",
        &role,
        "--features",
        "kms-readwrite",
        "--kms-key",
        &alias,
        "--format",
        "json",
    ]);
    assert_eq!(local.code, 0, "{}", local.stdout);
    let report = local.json();
    assert_eq!(report["resource_policies"][0]["kind"], "kms-key");
    assert!(
        report["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["reason"].as_str().unwrap().contains("delegates to IAM"))
    );

    let missing = pydynox_iam(&[
        "check",
        "--role",
        &role,
        "--features",
        "kms-readwrite",
        "--kms-key",
        "alias/does-not-exist",
    ]);
    assert_eq!(missing.code, 2, "{}", missing.stderr);
    assert!(
        missing
            .stderr
            .contains("KMS alias `alias/does-not-exist` was not found"),
        "{}",
        missing.stderr
    );
}

#[tokio::test]
async fn an_unreachable_endpoint_exits_3_and_prints_no_verdict() {
    let run = pydynox_iam(&[
        "check",
        "--role",
        "app",
        "--features",
        "crud",
        "--table",
        "t",
        "--endpoint-url",
        "http://127.0.0.1:9",
    ]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains("could not reach AWS for `iam:GetRole`"),
        "{}",
        run.stderr
    );
    assert!(!run.stdout.contains("PASS"));
}

#[tokio::test]
async fn engine_both_reports_the_simulator_stubs_disagreement_and_local_passes() {
    let iam = iam().await;
    let role = unique("wild");
    let t = unique("t");
    create_table(&t, &[]).await;
    create_role(
        &iam,
        &role,
        "/",
        Some(json!({"Version": "2012-10-17", "Statement": [{"Sid": "All", "Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]})),
    )
    .await;
    let both = pydynox_iam(&[
        "check",
        "--role",
        &role,
        "--features",
        "crud",
        "--table",
        &t,
        "--engine",
        "both",
        "--format",
        "json",
    ]);
    assert_eq!(both.code, 1, "{}", both.stdout);
    let report = both.json();
    let disagreements = report["disagreements"].as_array().unwrap();
    assert_eq!(disagreements.len(), 4, "{disagreements:#?}");
    assert!(
        disagreements
            .iter()
            .all(|d| d["simulator"] == "explicitDeny" && d["local"] == "allow")
    );
    assert!(
        report["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["code"] == "engines-disagree" && r["verdict"] != "PASS")
    );
    let table = pydynox_iam(&[
        "check",
        "--role",
        &role,
        "--features",
        "crud",
        "--table",
        &t,
        "--engine",
        "both",
    ]);
    assert!(
        table
            .stdout
            .contains("Disagreements between IAM's simulator and the local engine:"),
        "{}",
        table.stdout
    );

    let local = pydynox_iam(&[
        "check",
        "--role",
        &role,
        "--features",
        "crud",
        "--table",
        &t,
        "--engine",
        "local",
        "--wide",
    ]);
    assert_eq!(local.code, 0, "{}", local.stdout);
    assert!(
        local
            .stdout
            .contains("allowed by role inline policy `inline` statement `All`"),
        "{}",
        local.stdout
    );
}

#[tokio::test]
async fn the_local_engine_applies_bucket_and_key_policies() {
    let iam = iam().await;
    let cfg = sdk_config().await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&cfg)
            .force_path_style(true)
            .build(),
    );
    let kms = aws_sdk_kms::Client::new(&cfg);
    let bucket = unique("media").to_ascii_lowercase();
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    let role = unique("media-role");
    let role_arn = format!("arn:aws:iam::{ACCOUNT}:role/{role}");
    s3.put_bucket_policy()
        .bucket(&bucket)
        .policy(
            json!({"Version": "2012-10-17", "Statement": [{"Sid": "NoDeletes", "Effect": "Deny", "Principal": "*",
                "Action": "s3:DeleteObject", "Resource": format!("arn:aws:s3:::{bucket}/*")}]})
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    // A key whose policy trusts only an admin role: IAM policies cannot grant its use.
    let key = kms
        .create_key()
        .policy(
            json!({"Version": "2012-10-17", "Statement": [{"Sid": "AdminOnly", "Effect": "Allow",
                "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:role/admin")}, "Action": "kms:*", "Resource": "*"}]})
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    let key_arn = key.key_metadata().unwrap().arn().unwrap().to_string();
    create_role(
        &iam,
        &role,
        "/",
        Some(json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "S3", "Effect": "Allow", "Action": "s3:*", "Resource": format!("arn:aws:s3:::{bucket}/*")},
            {"Sid": "Kms", "Effect": "Allow", "Action": "kms:*", "Resource": key_arn}]})),
    )
    .await;
    let run = pydynox_iam(&[
        "check",
        "--role",
        &role_arn,
        "--features",
        "s3-attribute,kms-readonly",
        "--bucket",
        &bucket,
        "--kms-key",
        &key_arn,
        "--engine",
        "local",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let report = run.json();
    let row = |action: &str| {
        report["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["action"] == action)
            .unwrap()
            .clone()
    };
    assert_eq!(row("s3:PutObject")["verdict"], "PASS");
    assert_eq!(row("s3:DeleteObject")["code"], "explicit-deny");
    assert!(
        row("s3:DeleteObject")["reason"]
            .as_str()
            .unwrap()
            .contains(&format!("bucket policy `{bucket}` statement `NoDeletes`")),
        "{}",
        row("s3:DeleteObject")
    );
    assert_eq!(row("kms:Decrypt")["verdict"], "FAIL");
    assert_eq!(
        row("kms:Decrypt")["code"],
        "resource-policy-deny",
        "{}",
        row("kms:Decrypt")
    );

    // A bucket that does not exist: its policy cannot be read, so S3 rows are inconclusive.
    let missing = pydynox_iam(&[
        "check",
        "--role",
        &role,
        "--features",
        "s3-attribute",
        "--bucket",
        "no-such-bucket-pydynox",
        "--engine",
        "local",
        "--format",
        "json",
    ]);
    let report = missing.json();
    assert!(
        report["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["verdict"] == "INCONCLUSIVE" && r["code"] == "resource-policy-unreadable"),
        "{report:#}"
    );
}

/// A Deny in the table's resource-based policy (on moto, DynamoDB's endpoint here) beats the
/// role's Allow: the row FAILs, naming the table policy's statement, though IAM policies
/// alone would pass. AWS: "Policy evaluation logic", an explicit deny in any policy wins.
#[tokio::test]
async fn a_deny_in_the_table_policy_fails_that_row() {
    let iam = iam().await;
    let role = unique("tbl-deny");
    let table = unique("orders");
    let table_arn = create_table(&table, &[]).await;
    let role_arn = create_role(
        &iam,
        &role,
        "/",
        Some(exact_policy(&["crud"], resources(&[&table]), None)),
    )
    .await;
    put_table_policy(
        &table_arn,
        &json!({"Version": "2012-10-17", "Statement": [{"Sid": "NoDeletes", "Effect": "Deny",
            "Principal": {"AWS": role_arn}, "Action": "dynamodb:DeleteItem", "Resource": table_arn}]}),
    )
    .await;
    for engine in ["local", "both", "aws"] {
        let run = pydynox_iam(&[
            "check",
            "--role",
            &role,
            "--features",
            "crud",
            "--table",
            &table,
            "--engine",
            engine,
            "--format",
            "json",
        ]);
        assert_eq!(run.code, 1, "{engine}: {}\n{}", run.stdout, run.stderr);
        let report = run.json();
        let rows = report["rows"].as_array().unwrap();
        let delete = rows
            .iter()
            .find(|r| r["action"] == "dynamodb:DeleteItem")
            .unwrap();
        assert_eq!(delete["verdict"], "FAIL", "{engine}: {delete:#}");
        if engine == "local" {
            assert_eq!(delete["code"], "explicit-deny", "{delete:#}");
            assert!(
                delete["reason"].as_str().unwrap().contains("NoDeletes"),
                "{delete:#}"
            );
            // The other rows are not denied by it.
            assert!(
                rows.iter()
                    .filter(|r| r["action"] != "dynamodb:DeleteItem")
                    .all(|r| r["verdict"] == "PASS"),
                "{rows:#?}"
            );
        }
        assert!(
            report["resource_policies"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["kind"] == "dynamodb-table" && p["state"] == "document"),
            "{engine}: {:#}",
            report["resource_policies"]
        );
    }
}

/// Where each service's requests go, from `-v`'s call log: an endpoint set for DynamoDB alone
/// (`AWS_ENDPOINT_URL_DYNAMODB`, or a profile's `services` section) wins for DynamoDB;
/// `--endpoint-url` sets every other service, over `AWS_ENDPOINT_URL`;
/// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` drops the configured ones, never the flag.
#[tokio::test]
async fn per_service_endpoints_and_the_endpoint_flag_combine() {
    let iam = iam().await;
    let role = unique("endpoints");
    let table = unique("t");
    create_table(&table, &[]).await;
    create_role(
        &iam,
        &role,
        "/",
        Some(exact_policy(&["crud"], resources(&[&table]), None)),
    )
    .await;
    let ls = endpoint();
    let moto = moto_endpoint();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::write(
        &config,
        format!(
            "[profile viaprofile]\nregion = {REGION}\nservices = local\n\n[services local]\ndynamodb =\n  endpoint_url = {moto}\n"
        ),
    )
    .unwrap();
    let config = config.to_str().unwrap();
    // (extra args, environment, where DynamoDB goes, where IAM goes)
    type Case<'a> = (
        Vec<&'a str>,
        Vec<(&'a str, Option<&'a str>)>,
        &'a str,
        &'a str,
    );
    let cases: Vec<Case> = vec![
        // make test's own setting: the environment alone.
        (vec![], vec![], &moto, &ls),
        // The flag for the rest, the per-service variable for DynamoDB.
        (
            vec!["--endpoint-url", &ls],
            vec![("AWS_ENDPOINT_URL", Some(NOWHERE))],
            &moto,
            &ls,
        ),
        // The flag beats AWS_ENDPOINT_URL for a service with no setting of its own.
        (
            vec!["--endpoint-url", &ls],
            vec![
                ("AWS_ENDPOINT_URL", Some(NOWHERE)),
                ("AWS_ENDPOINT_URL_DYNAMODB", None),
            ],
            &ls,
            &ls,
        ),
        // Configured endpoints ignored: the flag still applies, to every service.
        (
            vec!["--endpoint-url", &ls],
            vec![("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", Some("true"))],
            &ls,
            &ls,
        ),
        // A profile's services section counts as DynamoDB's own setting.
        (
            vec!["--endpoint-url", &ls, "--profile", "viaprofile"],
            vec![
                ("AWS_ENDPOINT_URL", None),
                ("AWS_ENDPOINT_URL_DYNAMODB", None),
                ("AWS_CONFIG_FILE", Some(config)),
            ],
            &moto,
            &ls,
        ),
    ];
    for (extra, env, want_dynamodb, want_iam) in cases {
        let mut args = vec![
            "check",
            "-v",
            "--role",
            &role,
            "--features",
            "crud",
            "--table",
            &table,
            "--engine",
            "local",
            "--format",
            "json",
        ];
        args.extend(&extra);
        let run = Bin {
            env: env.clone(),
            ..Bin::default()
        }
        .run(&args);
        let calls: Vec<&str> = run
            .stderr
            .lines()
            .filter(|l| l.contains(": aws call "))
            .collect();
        let host_of = |service: &str| -> Vec<String> {
            calls
                .iter()
                .filter(|l| l.contains(&format!(" {service}.")))
                .map(|l| l.rsplit(' ').next().unwrap().to_string())
                .collect()
        };
        let (dynamodb, iam_calls) = (host_of("DynamoDB"), host_of("IAM"));
        assert!(
            !dynamodb.is_empty() && dynamodb.iter().all(|u| u.starts_with(want_dynamodb)),
            "{extra:?} {env:?}: DynamoDB to {dynamodb:?}, want {want_dynamodb}\n{}",
            run.stderr
        );
        assert!(
            !iam_calls.is_empty() && iam_calls.iter().all(|u| u.starts_with(want_iam)),
            "{extra:?} {env:?}: IAM to {iam_calls:?}, want {want_iam}\n{}",
            run.stderr
        );
        // Wherever DynamoDB went, its answer is a real one: the table is on moto only.
        let report = run.json();
        let state = report["resource_policies"][0]["state"]
            .as_str()
            .unwrap()
            .to_string();
        if want_dynamodb == moto {
            assert_eq!(state, "absent", "{extra:?} {env:?}");
        } else {
            assert_ne!(state, "absent", "{extra:?} {env:?}");
        }
    }
}

/// Issue 17, case 6 and case 4, where LocalStack answers: a bucket whose default encryption
/// is SSE-KMS adds the key rows to the S3 feature, and the bucket's policy is read with S3's
/// expected-owner check (LocalStack's GetBucketPolicy refuses a wrong expected owner, as S3
/// does).
#[tokio::test]
async fn an_sse_kms_bucket_adds_its_key_rows_and_its_owner_is_checked() {
    let iam = iam().await;
    let cfg = sdk_config().await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&cfg)
            .force_path_style(true)
            .build(),
    );
    let kms = aws_sdk_kms::Client::new(&cfg);
    let bucket = new_bucket().await;
    // LocalStack's default key policy lets the account's IAM policies grant the key.
    let key = kms.create_key().send().await.unwrap();
    let key_arn = key.key_metadata().unwrap().arn().unwrap().to_string();
    use aws_sdk_s3::types::{
        ServerSideEncryption, ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration,
        ServerSideEncryptionRule,
    };
    s3.put_bucket_encryption()
        .bucket(&bucket)
        .server_side_encryption_configuration(
            ServerSideEncryptionConfiguration::builder()
                .rules(
                    ServerSideEncryptionRule::builder()
                        .apply_server_side_encryption_by_default(
                            ServerSideEncryptionByDefault::builder()
                                .sse_algorithm(ServerSideEncryption::AwsKms)
                                .kms_master_key_id(&key_arn)
                                .build()
                                .unwrap(),
                        )
                        .build(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let role = unique("sse-role");
    let s3_only = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:*", "Resource": format!("arn:aws:s3:::{bucket}/*")}]});
    create_role(&iam, &role, "/", Some(s3_only)).await;
    let args = [
        "check",
        "--role",
        &role,
        "--features",
        "s3-attribute",
        "--bucket",
        &bucket,
        "--format",
        "json",
    ];
    let run = pydynox_iam(&args);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let report = run.json();
    assert_eq!(report["engine"], "local");
    let rows = report["rows"].as_array().unwrap();
    let key_rows: Vec<(&str, &str, &str)> = rows
        .iter()
        .filter(|r| r["resource"] == key_arn.as_str())
        .map(|r| {
            (
                r["feature"].as_str().unwrap(),
                r["action"].as_str().unwrap(),
                r["verdict"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        key_rows,
        vec![
            ("s3-attribute", "kms:GenerateDataKey", "FAIL"),
            ("s3-attribute", "kms:Decrypt", "FAIL")
        ],
        "{report:#}"
    );
    assert!(
        rows.iter()
            .filter(|r| r["resource"] != key_arn.as_str())
            .all(|r| r["verdict"] == "PASS"),
        "{report:#}"
    );
    let notes = report["notes"].to_string();
    assert!(notes.contains("SSE-KMS"), "{notes}");
    assert!(
        notes.contains(&format!(
            "S3 confirmed that account {ACCOUNT} owns the bucket"
        )),
        "{notes}"
    );
    // Granting the key's use makes the feature pass.
    iam.put_role_policy()
        .role_name(&role)
        .policy_name("key")
        .policy_document(
            json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": key_arn}]})
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    let run = pydynox_iam(&args);
    assert_eq!(run.code, 0, "{}", run.stdout);
    // Stated as another account's, the bucket's policy read is refused by the expected-owner
    // check: nothing on the bucket can pass.
    let mut elsewhere = args.to_vec();
    elsewhere.extend(["--bucket-owner", "444455556666"]);
    let run = pydynox_iam(&elsewhere);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let report = run.json();
    for r in report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["resource"].as_str().unwrap().starts_with("arn:aws:s3:::"))
    {
        assert_eq!(r["verdict"], "INCONCLUSIVE", "{r:#}");
        assert!(
            r["reason"]
                .as_str()
                .unwrap()
                .contains("ExpectedBucketOwner 444455556666"),
            "{r:#}"
        );
    }
}
