//! `check --template` and `check --terraform-plan`: the issue's "done when" cases end to end on
//! the binary, offline (no AWS is asked: the input says what the principal will hold).

use std::collections::BTreeMap;

use crate::common::{Bin, Run};

const SAM: &str = "tests/iac/sam";
const TF: &str = "tests/iac/terraform";

fn run(args: &[&str]) -> Run {
    Bin {
        offline: true,
        endpoint: "http://127.0.0.1:9".into(),
        ..Bin::default()
    }
    .run(args)
}

/// Feature → verdict, from a JSON report.
fn features(r: &serde_json::Value) -> BTreeMap<String, String> {
    r["features"]
        .as_array()
        .expect("features")
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap().to_string(),
                f["verdict"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn rows<'a>(r: &'a serde_json::Value, verdict: &str) -> Vec<&'a serde_json::Value> {
    r["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["verdict"] == verdict)
        .collect()
}

const ALL: &str = "crud,query,indexes,batch,transactions,ping";

#[test]
fn sam_crud_policy_passes_crud_query_indexes_batch_transactions_and_fails_ping() {
    let out = run(&[
        "check",
        "--template",
        &format!("{SAM}/crud.yaml"),
        "--function",
        "UrlsFunction",
        "-f",
        ALL,
        "--table",
        "UrlsTable",
        "--all-indexes",
        "--region",
        "eu-west-1",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let r = out.json();
    let f = features(&r);
    for ok in ["crud", "query", "indexes", "batch", "transactions"] {
        assert_eq!(f[ok], "PASS", "{ok}: {}", out.stdout);
    }
    assert_eq!(f["ping"], "FAIL");
    let failed = rows(&r, "FAIL");
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["action"], "dynamodb:ListTables");
    // The fix names the missing action.
    let fix = serde_json::to_string(&r["features"]).unwrap();
    assert!(fix.contains("dynamodb:ListTables"), "{fix}");
    // The table is the template's, symbolically: its name is known only after deploy.
    assert!(
        r["rows"][0]["resource"]
            .as_str()
            .unwrap()
            .ends_with(":table/${UrlsTable}"),
        "{}",
        r["rows"][0]["resource"]
    );
}

#[test]
fn sam_read_plus_write_policies_fail_crud_on_delete_item_with_its_fix() {
    let out = run(&[
        "check",
        "--template",
        &format!("{SAM}/read-write.yaml"),
        "--function",
        "UrlsFunction",
        "-f",
        "crud",
        "--table",
        "urls",
        "--region",
        "eu-west-1",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let r = out.json();
    let failed: Vec<_> = rows(&r, "FAIL")
        .iter()
        .map(|x| x["action"].clone())
        .collect();
    assert_eq!(failed, vec![serde_json::json!("dynamodb:DeleteItem")]);
    assert_eq!(rows(&r, "PASS").len(), 3);
    let fix = serde_json::to_string(&r["features"][0]["fix"]).unwrap();
    assert!(
        fix.contains("dynamodb:DeleteItem") && !fix.contains("dynamodb:GetItem"),
        "{fix}"
    );
}

#[test]
fn sam_kms_encrypt_and_decrypt_policies_fail_encryption_on_generate_data_key() {
    let out = run(&[
        "check",
        "--template",
        &format!("{SAM}/kms.yaml"),
        "--function",
        "SecretsFunction",
        "-f",
        "encryption",
        "--kms-key",
        "DataKey",
        "--region",
        "eu-west-1",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let r = out.json();
    let failed: Vec<_> = rows(&r, "FAIL")
        .iter()
        .map(|x| x["action"].clone())
        .collect();
    assert_eq!(failed, vec![serde_json::json!("kms:GenerateDataKey")]);
    // kms:Decrypt passes: the template's key policy delegates to IAM, and `!Ref DataKey` in
    // the policy template and `--kms-key DataKey` are the same key.
    let passed: Vec<_> = rows(&r, "PASS")
        .iter()
        .map(|x| x["action"].clone())
        .collect();
    assert_eq!(passed, vec![serde_json::json!("kms:Decrypt")]);
    let fix = serde_json::to_string(&r["features"][0]["fix"]).unwrap();
    assert!(fix.contains("kms:GenerateDataKey"), "{fix}");
}

#[test]
fn a_terraform_plan_with_a_policy_document_decides_as_the_equivalent_template() {
    let plan = run(&[
        "check",
        "--terraform-plan",
        &format!("{TF}/crud.plan.json"),
        "--role",
        "aws_iam_role.urls",
        "-f",
        ALL,
        "--table",
        "aws_dynamodb_table.urls",
        "--all-indexes",
        "--format",
        "json",
    ]);
    assert_eq!(plan.code, 1, "{}", plan.stderr);
    let template = run(&[
        "check",
        "--template",
        &format!("{SAM}/crud.yaml"),
        "--function",
        "UrlsFunction",
        "-f",
        ALL,
        "--table",
        "UrlsTable",
        "--all-indexes",
        "--region",
        "eu-west-1",
        "--format",
        "json",
    ]);
    assert_eq!(features(&plan.json()), features(&template.json()));
    assert_eq!(features(&plan.json())["ping"], "FAIL");
}

#[test]
fn unknown_after_apply_is_inconclusive_naming_the_attribute() {
    let out = run(&[
        "check",
        "--terraform-plan",
        &format!("{TF}/unknown-after-apply.plan.json"),
        "--role",
        "aws_iam_role.inline_unknown",
        "-f",
        "crud",
        "--table",
        "module.app.aws_dynamodb_table.orders",
        "--no-table-policy",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let r = out.json();
    assert_eq!(rows(&r, "PASS").len(), 0);
    for row in rows(&r, "INCONCLUSIVE") {
        let why = row["reason"].as_str().unwrap();
        assert!(
            why.contains(
                "`aws_iam_role.inline_unknown.inline_policy[0].policy` is known only after apply"
            ),
            "{why}"
        );
    }
    assert_eq!(rows(&r, "INCONCLUSIVE").len(), 4);
}

#[test]
fn a_role_that_already_exists_is_said_to_hold_more_and_cannot_pass() {
    let out = run(&[
        "check",
        "--terraform-plan",
        &format!("{TF}/unknown-after-apply.plan.json"),
        "--role",
        "aws_iam_role.legacy",
        "-f",
        "ping",
        "--format",
        "json",
    ]);
    let r = out.json();
    assert_eq!(rows(&r, "PASS").len(), 0, "{}", out.stdout);
    let notes = serde_json::to_string(&r["notes"]).unwrap();
    assert!(
        notes.contains("may hold policies attached outside the input"),
        "{notes}"
    );
}

#[test]
fn a_managed_policy_only_referenced_is_inconclusive_until_supplied() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("t.yaml");
    std::fs::write(
        &t,
        r#"Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: orders
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {Version: "2012-10-17", Statement: []}
      ManagedPolicyArns: [arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess]
"#,
    )
    .unwrap();
    let t = t.to_str().unwrap();
    let args = [
        "check",
        "--template",
        t,
        "--role",
        "AppRole",
        "-f",
        "crud",
        "--table",
        "Orders",
        "--region",
        "eu-west-1",
        "--format",
        "json",
    ];
    let out = run(&args);
    let r = out.json();
    assert_eq!(rows(&r, "INCONCLUSIVE").len(), 4, "{}", out.stdout);
    let why = r["rows"][0]["reason"].as_str().unwrap();
    assert!(
        why.contains("arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess")
            && why.contains("--managed-policy-file"),
        "{why}"
    );
    assert_eq!(r["rows"][0]["code"], "policy-not-known");

    let doc = dir.path().join("full.json");
    std::fs::write(&doc, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:*","Resource":"*"}]}"#).unwrap();
    let spec = format!(
        "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess={}",
        doc.display()
    );
    let mut with = args.to_vec();
    with.extend(["--managed-policy-file", &spec]);
    let out = run(&with);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(rows(&out.json(), "PASS").len(), 4);
}

#[test]
fn every_function_and_role_is_a_service_of_a_fleet_report() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("t.yaml");
    std::fs::write(
        &t,
        r#"Transform: AWS::Serverless-2016-10-31
Resources:
  Reader:
    Type: AWS::Serverless::Function
    Properties: {Runtime: python3.12, Handler: a.h, InlineCode: x, Policies: [{Statement: [{Effect: Allow, Action: "dynamodb:ListTables", Resource: "*"}]}]}
  Writer:
    Type: AWS::Serverless::Function
    Properties: {Runtime: python3.12, Handler: a.h, InlineCode: x}
  Ops:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {Version: "2012-10-17", Statement: []}
"#,
    )
    .unwrap();
    let out = run(&[
        "check",
        "--template",
        t.to_str().unwrap(),
        "-f",
        "ping",
        "--region",
        "eu-west-1",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let r = out.json();
    let services: BTreeMap<String, String> = r["services"]
        .as_array()
        .expect("a fleet report")
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_string(),
                s["report"]["summary"]["verdict"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect();
    let names: Vec<&str> = services.keys().map(String::as_str).collect();
    assert_eq!(names, ["Ops", "Reader", "Writer"], "{}", out.stdout);
    assert_eq!(services["Reader"], "PASS", "{}", out.stdout);
    assert_eq!(services["Writer"], "FAIL", "{}", out.stdout);
}

#[test]
fn bad_input_exits_2_naming_the_file_and_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let not = dir.path().join("not.yaml");
    std::fs::write(&not, "hello: world\n").unwrap();
    let out = run(&["check", "--template", not.to_str().unwrap(), "-f", "ping"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("not.yaml")
            && out.stderr.contains("not a CloudFormation or SAM template"),
        "{}",
        out.stderr
    );

    let crud = format!("{SAM}/crud.yaml");
    let out = run(&[
        "check",
        "--template",
        &crud,
        "--role",
        "Nobody",
        "-f",
        "ping",
    ]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("crud.yaml") && out.stderr.contains("`Nobody`"),
        "{}",
        out.stderr
    );

    let out = run(&[
        "check",
        "--template",
        &crud,
        "--function",
        "Nope",
        "-f",
        "ping",
    ]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("function `Nope`") && out.stderr.contains("`UrlsFunction`"),
        "{}",
        out.stderr
    );

    let out = run(&[
        "check",
        "--template",
        &crud,
        "--function",
        "UrlsFunction",
        "-f",
        "ping",
        "--parameter",
        "Nope=1",
    ]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("parameter `Nope`"), "{}", out.stderr);

    let plan = format!("{TF}/crud.plan.json");
    let out = run(&[
        "check",
        "--terraform-plan",
        &plan,
        "--role",
        "aws_iam_role.nope",
        "-f",
        "ping",
    ]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("crud.plan.json") && out.stderr.contains("aws_iam_role.urls"),
        "{}",
        out.stderr
    );

    let out = run(&["check", "--terraform-plan", &crud, "-f", "ping"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("crud.yaml"), "{}", out.stderr);
}

/// The template's bucket decides whether S3 rows can pass before deploy: with SSE-S3
/// (`AES256`, or no `BucketEncryption`: S3's default) the object grants decide; with SSE-KMS
/// the key rows the live check adds are missing, so no row passes (the adversarial suite has
/// the KMS case, `iac-sse-kms-bucket-without-key-rows`).
#[test]
fn a_template_bucket_passes_s3_rows_only_when_its_encryption_is_not_kms() {
    let dir = tempfile::tempdir().unwrap();
    let template = |encryption: &str| {
        format!(
            r#"AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Media:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: media-uploads
{encryption}  AppRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement: [{{Effect: Allow, Principal: {{Service: lambda.amazonaws.com}}, Action: sts:AssumeRole}}]
      Policies:
        - PolicyName: app
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
                Resource: !Sub "${{Media.Arn}}/*"
"#
        )
    };
    let cases = [
        ("none", String::new(), 0),
        (
            "aes",
            "      BucketEncryption:\n        ServerSideEncryptionConfiguration:\n          - ServerSideEncryptionByDefault:\n              SSEAlgorithm: AES256\n".to_string(),
            0,
        ),
        (
            "kms",
            "      BucketEncryption:\n        ServerSideEncryptionConfiguration:\n          - ServerSideEncryptionByDefault:\n              SSEAlgorithm: aws:kms\n".to_string(),
            1,
        ),
    ];
    for (name, encryption, want) in cases {
        let path = dir.path().join(format!("{name}.yaml"));
        std::fs::write(&path, template(&encryption)).unwrap();
        let path = path.display().to_string();
        let out = run(&[
            "check",
            "--template",
            &path,
            "--role",
            "AppRole",
            "-f",
            "s3-attribute",
            "--bucket",
            "Media",
            "--bucket-owner",
            "111122223333",
            "--account",
            "111122223333",
            "--region",
            "eu-west-1",
            "--format",
            "json",
        ]);
        assert_eq!(out.code, want, "{name}: {}\n{}", out.stdout, out.stderr);
        let r = out.json();
        if want == 0 {
            assert!(rows(&r, "INCONCLUSIVE").is_empty(), "{name}");
        } else {
            let doubtful = rows(&r, "INCONCLUSIVE");
            assert_eq!(doubtful.len(), 4, "{name}: {}", out.stdout);
            assert!(
                doubtful
                    .iter()
                    .all(|x| x["code"] == "bucket-encryption-unreadable"),
                "{name}"
            );
        }
    }
}

/// `check --app src/ --template t.yaml --function F`: the code's needs, the template's grants.
/// The code names its tables through the function's environment: a variable set to a template
/// table (`!Ref`, even of a table whose name is known only after deploy) is that table; one whose
/// value is not known before deploy (`!ImportValue`) leaves the code's need unresolved, which
/// cannot pass; a literal in the code is the table of that name only.
#[test]
fn app_with_a_template_takes_needs_from_the_code_and_names_from_the_function_environment() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("template.yaml"),
        r#"AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
  OrdersFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
      InlineCode: "def handler(event, context):\n    return None\n"
      Environment:
        Variables:
          ORDERS_TABLE: !Ref Orders
          AUDIT_TABLE: !ImportValue shared-audit-table
      Policies:
        - DynamoDBCrudPolicy:
            TableName: !Ref Orders
"#,
    )
    .unwrap();
    std::fs::create_dir(d.join("src")).unwrap();
    std::fs::write(
        d.join("src/app.py"),
        r#"import os

from pydynox import Model, ModelConfig
from pydynox.attributes import StringAttribute


class Order(Model):
    model_config = ModelConfig(table=os.environ["ORDERS_TABLE"])
    pk = StringAttribute(partition_key=True)


class AuditEntry(Model):
    model_config = ModelConfig(table=os.environ["AUDIT_TABLE"])
    pk = StringAttribute(partition_key=True)


def handler(event, context):
    Order(pk=event["id"]).save()
    AuditEntry(pk=event["id"]).save()
    return Order.get(pk=event["id"])
"#,
    )
    .unwrap();
    let template = d.join("template.yaml").display().to_string();
    let src = d.join("src").display().to_string();
    let base = [
        "check",
        "--app",
        &src,
        "--template",
        &template,
        "--function",
        "OrdersFunction",
        "--region",
        "eu-west-1",
        "--pydynox-version",
        "1.8.0",
        "--format",
        "json",
    ];
    let out = run(&base);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    let r = out.json();
    // The orders table is the template's (its name is a symbol until deploy); the code's exact
    // calls on it pass through DynamoDBCrudPolicy.
    let passed = rows(&r, "PASS");
    assert!(!passed.is_empty(), "{}", out.stdout);
    assert!(
        passed
            .iter()
            .all(|x| x["resource"].as_str().unwrap().contains("table/${Orders}")),
        "{}",
        out.stdout
    );
    // The audit table's name is known only after deploy: its needs cannot pass, and say how to
    // state it.
    let doubtful = rows(&r, "INCONCLUSIVE");
    assert!(
        doubtful.iter().any(|x| x["code"] == "unresolved-in-code"
            && x["reason"]
                .as_str()
                .unwrap()
                .contains("--env AUDIT_TABLE=VALUE")),
        "{}",
        out.stdout
    );
    assert!(rows(&r, "FAIL").is_empty(), "{}", out.stdout);

    // Stated with --env, the audit table is outside the template: its policy is not known, so
    // its rows still cannot pass, and nothing else changes.
    let mut stated = base.to_vec();
    stated.extend(["--env", "AUDIT_TABLE=audit"]);
    let out = run(&stated);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let r = out.json();
    assert!(
        rows(&r, "PASS")
            .iter()
            .all(|x| !x["resource"].as_str().unwrap().contains("table/audit")),
        "{}",
        out.stdout
    );
    assert!(
        rows(&r, "INCONCLUSIVE")
            .iter()
            .any(|x| x["resource"].as_str().unwrap().contains("table/audit")),
        "{}",
        out.stdout
    );

    // Without the function, or with resource flags beside the code, it is a usage error.
    let no_function: Vec<&str> = base
        .iter()
        .copied()
        .filter(|a| *a != "--function" && *a != "OrdersFunction")
        .collect();
    let out = run(&no_function);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("--app with --template needs --function"),
        "{}",
        out.stderr
    );
    let mut with_table = base.to_vec();
    with_table.extend(["--table", "Orders"]);
    let out = run(&with_table);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("--table cannot be used with --app and --template"),
        "{}",
        out.stderr
    );
}
