//! `why` (explain an AccessDenied) and `policy` (the minimal policy), through the binary:
//! offline from policy files, and `why` end to end against LocalStack.

use std::path::Path;

use serde_json::{Value, json};

use crate::common;

use common::{Bin, NOWHERE, Run, unique};

fn run_in(dir: &Path, args: &[&str], stdin: Option<&str>, endpoint: Option<&str>) -> Run {
    Bin {
        dir: Some(dir),
        endpoint: endpoint.unwrap_or(NOWHERE).to_string(),
        stdin,
        ..Bin::default()
    }
    .run(args)
}

/// The account of the offline tests (LocalStack's is `common::ACCOUNT`).
const ACCOUNT: &str = "123456789012";
const TABLE: &str = "arn:aws:dynamodb:us-east-1:123456789012:table/users";
const KEY: &str = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

/// The docs page's "Complete example", with a concrete key.
fn complete_example(dir: &Path) {
    let doc = json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "DynamoDBAccess", "Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
          "dynamodb:DeleteItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem"], "Resource": TABLE},
        {"Sid": "KMSAccess", "Effect": "Allow", "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": KEY}]});
    std::fs::write(dir.join("app.json"), doc.to_string()).unwrap();
    let key = json!({"Version": "2012-10-17", "Statement": [{"Sid": "EnableIAM", "Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}, "Action": "kms:*", "Resource": "*"}]});
    std::fs::write(dir.join("key.json"), key.to_string()).unwrap();
}

const TRANSACTION_DENIED: &str = "botocore.exceptions.ClientError: An error occurred (AccessDeniedException) when calling the TransactWriteItems operation: User: arn:aws:sts::123456789012:assumed-role/app/i-0abc is not authorized to perform: dynamodb:ConditionCheckItem on resource: arn:aws:dynamodb:us-east-1:123456789012:table/users because no identity-based policy allows the dynamodb:ConditionCheckItem action";

#[test]
fn why_names_the_feature_the_cause_and_the_statement_to_add() {
    let dir = tempfile::tempdir().unwrap();
    complete_example(dir.path());
    let run = run_in(
        dir.path(),
        &[
            "why",
            "--no-table-policy",
            TRANSACTION_DENIED,
            "--policy-file",
            "app.json",
        ],
        None,
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("- transactions:"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("Now (local): FAIL — no policy allows it"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("\"dynamodb:ConditionCheckItem\""),
        "{}",
        run.stdout
    );

    let run = run_in(
        dir.path(),
        &[
            "why",
            "--no-table-policy",
            "-",
            "--policy-file",
            "app.json",
            "--format",
            "json",
        ],
        Some(TRANSACTION_DENIED),
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["schema"], "pydynox-iam/why/v2");
    assert_eq!(v["verdict"], "FAIL");
    assert_eq!(v["features"][0]["name"], "transactions");
    assert_eq!(v["access_denied"]["operation"], "TransactWriteItems");
    // The check carries the transaction's context, as AWS evaluates it.
    assert_eq!(
        v["report"]["rows"][0]["context"][0]["values"][0],
        "TransactWriteItems"
    );
    assert_eq!(
        v["fix"]["add_statements"][0]["Action"][0],
        "dynamodb:ConditionCheckItem"
    );
}

#[test]
fn why_on_kms_needs_the_key_and_reads_the_key_policy() {
    let dir = tempfile::tempdir().unwrap();
    complete_example(dir.path());
    let msg = "User: arn:aws:sts::123456789012:assumed-role/app/s is not authorized to perform: kms:GenerateDataKey on this resource because no identity-based policy allows the kms:GenerateDataKey action";
    let run = run_in(
        dir.path(),
        &["why", "--no-table-policy", msg, "--policy-file", "app.json"],
        None,
        None,
    );
    // Without the key: explained, with the flag that finishes it.
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("the message names no resource: pass --kms-key")
            && run.stdout.contains("Not evaluated"),
        "{}",
        run.stdout
    );
    let run = run_in(
        dir.path(),
        &[
            "why",
            "--no-table-policy",
            msg,
            "--policy-file",
            "app.json",
            "--key-policy-file",
            "key.json",
            "--kms-key",
            KEY,
        ],
        None,
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("- encryption-readwrite:")
            && run.stdout.contains("- encryption-writeonly:"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("\"kms:GenerateDataKey\""),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("default credential chain"),
        "{}",
        run.stdout
    );
}

#[test]
fn why_says_when_adding_an_allow_will_not_help() {
    let dir = tempfile::tempdir().unwrap();
    complete_example(dir.path());
    let msg = "User: arn:aws:sts::123456789012:assumed-role/app/s is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:123456789012:table/users with an explicit deny in a service control policy";
    let run = run_in(
        dir.path(),
        &["why", "--no-table-policy", msg, "--policy-file", "app.json"],
        None,
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    // The identity policy allows it; the SCP this tool cannot see is what denies it, so what
    // the policies given say is no PASS.
    assert!(
        run.stdout.contains("Now (local): INCONCLUSIVE")
            && run
                .stdout
                .contains("AWS reported an explicit deny in a service control policy"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("explicit deny in a service control policy")
            && run.stdout.contains("adding an Allow will not help"),
        "{}",
        run.stdout
    );
}

#[test]
fn why_rejects_text_that_is_not_an_access_denied() {
    let dir = tempfile::tempdir().unwrap();
    let run = run_in(
        dir.path(),
        &[
            "why",
            "--no-table-policy",
            "ValidationException: One or more parameter values were invalid",
        ],
        None,
        None,
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("not an AccessDenied message"),
        "{}",
        run.stderr
    );
    let run = run_in(
        dir.path(),
        &[
            "why",
            "--no-table-policy",
            "is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:1:table/t",
        ],
        None,
        None,
    );
    // A partial message is explained, not refused: who was denied is what it lacks.
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("(principal not named) calling dynamodb:PutItem")
            && run.stdout.contains("aws sts get-caller-identity")
            && run.stdout.contains("--principal ARN"),
        "{}",
        run.stdout
    );
}

/// Partial messages through the binary: the flags finish them, bad flag values are refused,
/// several messages are each explained, and an S3 object needs no --region.
#[test]
fn why_finishes_partial_messages_with_the_flags() {
    let dir = tempfile::tempdir().unwrap();
    complete_example(dir.path());
    let ciphertext = "botocore.exceptions.ClientError: An error occurred (AccessDeniedException) when calling the Decrypt operation: The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.";
    let run = run_in(
        dir.path(),
        &["why", "--no-table-policy", ciphertext],
        None,
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    for part in [
        "AccessDenied (KMS: the ciphertext's key)",
        "default credential chain",
        "--principal ARN",
        "AttributeValue=Decrypt",
    ] {
        assert!(run.stdout.contains(part), "lacks {part}:\n{}", run.stdout);
    }
    let run = run_in(
        dir.path(),
        &[
            "why",
            "--no-table-policy",
            ciphertext,
            "--policy-file",
            "app.json",
            "--key-policy-file",
            "key.json",
            "--principal",
            "arn:aws:iam::123456789012:role/app",
            "--kms-key",
            KEY,
            "--format",
            "json",
        ],
        None,
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["access_denied"]["shape"], "kms-ciphertext");
    assert_eq!(v["evaluated"]["action"], "kms:Decrypt");
    assert_eq!(v["verdict"], "PASS", "{v:#}");
    // S3's bare Access Denied: no --region asked, the object's region is unknown, not guessed.
    let bare =
        "An error occurred (AccessDenied) when calling the PutObject operation: Access Denied";
    let run = run_in(
        dir.path(),
        &[
            "why",
            "--no-table-policy",
            bare,
            "--policy-file",
            "app.json",
            "--principal",
            "arn:aws:iam::123456789012:role/app",
            "--resource",
            "arn:aws:s3:::media/a/b.png",
            "--no-bucket-policy",
        ],
        None,
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stderr.contains("--region"), "{}", run.stderr);
    assert!(run.stdout.contains("Now (local): FAIL"), "{}", run.stdout);
    // Bad flag values are usage errors.
    let run = run_in(
        dir.path(),
        &[
            "why",
            bare,
            "--principal",
            "app",
            "--action",
            "s3:GetObjekt",
        ],
        None,
        None,
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("--principal `app` is not")
            && run.stderr.contains("--action `s3:GetObjekt` is not"),
        "{}",
        run.stderr
    );
    // Several messages: each explained.
    let two = format!("{TRANSACTION_DENIED}\n{bare}");
    let run = run_in(
        dir.path(),
        &["why", "--no-table-policy", "-", "--policy-file", "app.json"],
        Some(&two),
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("== Message 1 of 2 ==") && run.stdout.contains("== Message 2 of 2 =="),
        "{}",
        run.stdout
    );
}

#[test]
fn every_generated_policy_passes_check_offline() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("key.json"), json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}, "Action": "kms:*", "Resource": "*"}]}).to_string()).unwrap();
    let resources = [
        "--table",
        "users",
        "--table",
        "orders",
        // With two tables, `policy` wants to know whose index it is.
        "--index",
        "users/by-email",
        "--kms-key",
        KEY,
        "--bucket",
        "media",
        "--prefix",
        "avatars/",
    ];
    let feature_sets = [
        "crud",
        "basic-crud,batch,transactions",
        "indexes,partiql,partiql-write",
        "table-management,table-cmk,ping",
        "encryption-readwrite,s3-attribute",
        "encryption-writeonly,encryption-readonly",
        "crud,query,scan,indexes,batch,transactions,partiql,partiql-write,table-management,table-cmk,ping,encryption-readwrite,s3-attribute",
    ];
    for features in feature_sets {
        let mut args = vec![
            "policy",
            "--features",
            features,
            "--account",
            ACCOUNT,
            "--region",
            "us-east-1",
        ];
        args.extend(resources);
        let policy = run_in(dir.path(), &args, None, None);
        assert_eq!(policy.code, 0, "{features}: {}", policy.stderr);
        std::fs::write(dir.path().join("generated.json"), &policy.stdout).unwrap();
        let mut check = vec![
            "check",
            "--no-table-policy",
            "--role",
            "arn:aws:iam::123456789012:role/app",
            "--policy-file",
            "generated.json",
            "--key-policy-file",
            "key.json",
            "--no-bucket-policy",
            // Offline, nothing shows who owns the bucket.
            "--bucket-owner",
            ACCOUNT,
            "--features",
            features,
            "--region",
            "us-east-1",
        ];
        check.extend(resources);
        let run = run_in(dir.path(), &check, None, None);
        assert_eq!(run.code, 0, "{features}:\n{}\n{}", run.stdout, run.stderr);
        assert!(run.stdout.contains("Overall: PASS"), "{}", run.stdout);
    }
}

#[test]
fn policy_formats_split_and_refusals() {
    let dir = tempfile::tempdir().unwrap();
    let base = [
        "policy",
        "--features",
        "crud,encryption",
        "--table",
        TABLE,
        "--kms-key",
        KEY,
    ];
    let mut split = base.to_vec();
    split.extend(["--split", "read-write"]);
    let run = run_in(dir.path(), &split, None, None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    let actions = |p: &Value| -> Vec<String> {
        p["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| {
                s["Action"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a.as_str().unwrap().to_string())
            })
            .collect()
    };
    assert!(actions(&v["reader"]).contains(&"dynamodb:GetItem".to_string()));
    assert!(actions(&v["reader"]).contains(&"kms:Decrypt".to_string()));
    assert!(!actions(&v["reader"]).contains(&"dynamodb:PutItem".to_string()));
    assert!(actions(&v["writer"]).contains(&"kms:GenerateDataKey".to_string()));
    let mut cfn = base.to_vec();
    cfn.extend(["--format", "cloudformation"]);
    assert!(
        run_in(dir.path(), &cfn, None, None)
            .stdout
            .contains("AWS::IAM::ManagedPolicy")
    );
    let mut tf = base.to_vec();
    tf.extend(["--format", "terraform", "--name", "orders"]);
    assert!(
        run_in(dir.path(), &tf, None, None)
            .stdout
            .contains(r#"data "aws_iam_policy_document" "orders""#)
    );
    let alias = run_in(
        dir.path(),
        &[
            "policy",
            "--features",
            "encryption",
            "--kms-key",
            "alias/app",
            "--account",
            "1",
            "--region",
            "r",
        ],
        None,
        None,
    );
    assert_eq!(alias.code, 2);
    assert!(
        alias.stderr.contains("does not authorize use of the key"),
        "{}",
        alias.stderr
    );
    let names = run_in(
        dir.path(),
        &["policy", "--features", "crud", "--table", "users"],
        None,
        None,
    );
    assert_eq!(names.code, 2);
    assert!(
        names.stderr.contains("--account and --region"),
        "{}",
        names.stderr
    );
}

/// `policy` on its inputs: one partition, validated names, tied indexes, escapes per format, no
/// empty half, quota splits said plainly, notes for keys and roles.
#[test]
fn policy_validates_its_inputs_and_says_what_it_cannot_grant() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| run_in(dir.path(), args, None, None);
    // The region's partition: cn-north-1 is aws-cn, for every ARN of the policy.
    let cn = run(&[
        "policy",
        "-f",
        "crud,s3-attribute",
        "--table",
        "orders",
        "--bucket",
        "media",
        "--account",
        ACCOUNT,
        "--region",
        "cn-north-1",
    ]);
    assert_eq!(cn.code, 0, "{}", cn.stderr);
    assert!(
        cn.stdout
            .contains("arn:aws-cn:dynamodb:cn-north-1:123456789012:table/orders")
    );
    assert!(
        cn.stdout.contains("arn:aws-cn:s3:::media/*"),
        "{}",
        cn.stdout
    );
    assert!(!cn.stdout.contains("arn:aws:"), "{}", cn.stdout);
    // Partitions that disagree, and bad inputs, are usage errors, all reported at once.
    let bad = run(&[
        "policy",
        "-f",
        "crud,indexes,encryption",
        "--table",
        TABLE,
        "--table",
        "arn:aws:s3:::media",
        "--table",
        "T*",
        "--index",
        "by-x",
        "--kms-key",
        "arn:aws:kms:us-east-1:123456789012:key/*",
        "--account",
        "1",
        "--region",
        "cn-north-1",
        "--partition",
        "aws\"x",
    ]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    for part in [
        "partitions disagree: `aws-cn` (region `cn-north-1`) and `aws` (--table `arn:aws:dynamodb:us-east-1:123456789012:table/users`)",
        "--table `arn:aws:s3:::media` is not a DynamoDB table ARN",
        "--table `T*` is not a DynamoDB table name",
        "--index `by-x`: with several tables, say whose index it is: --index TABLE/by-x",
        "`*` is not a KMS key id",
        "--account `1` is not a 12-digit account id",
        "--partition `aws\"x` is not an AWS partition",
    ] {
        assert!(bad.stderr.contains(part), "missing {part}:\n{}", bad.stderr);
    }
    let gov = run(&[
        "policy",
        "-f",
        "crud",
        "--table",
        "orders",
        "--account",
        ACCOUNT,
        "--region",
        "us-gov-west-1",
        "--partition",
        "aws",
    ]);
    assert_eq!(gov.code, 2);
    assert!(
        gov.stderr
            .contains("`aws` (--partition aws) and `aws-us-gov` (region `us-gov-west-1`)"),
        "{}",
        gov.stderr
    );
    // An index belongs to its table only.
    let tied = run(&[
        "policy",
        "-f",
        "indexes",
        "--table",
        "orders",
        "--table",
        "users",
        "--index",
        "orders/by-customer",
        "--account",
        ACCOUNT,
        "--region",
        "us-east-1",
    ]);
    assert_eq!(tied.code, 0, "{}", tied.stderr);
    assert!(tied.stdout.contains("table/orders/index/by-customer"));
    assert!(
        !tied.stdout.contains("table/users/index"),
        "{}",
        tied.stdout
    );
    let stray = run(&[
        "policy",
        "-f",
        "indexes",
        "--table",
        "orders",
        "--index",
        "users/by-x",
        "--account",
        ACCOUNT,
        "--region",
        "us-east-1",
    ]);
    assert_eq!(stray.code, 2);
    assert!(
        stray
            .stderr
            .contains("--index `users/by-x` names table `users`, which is not a --table"),
        "{}",
        stray.stderr
    );
    // IAM's escapes in the prefix, and Terraform's on top.
    let prefix = [
        "policy",
        "-f",
        "s3-attribute",
        "--bucket",
        "media",
        "--prefix",
        "a*b/${x}/",
    ];
    let json_out = run(&prefix);
    assert_eq!(json_out.code, 0, "{}", json_out.stderr);
    assert!(
        json_out
            .stdout
            .contains(r#""arn:aws:s3:::media/a${*}b/${$}{x}/*""#),
        "{}",
        json_out.stdout
    );
    let mut tf = prefix.to_vec();
    tf.extend(["--format", "terraform"]);
    let tf = run(&tf);
    assert!(
        tf.stdout
            .contains(r#""arn:aws:s3:::media/a$${*}b/$${$}{x}/*""#),
        "{}",
        tf.stdout
    );
    let amp = run(&[
        "policy",
        "-f",
        "s3-attribute",
        "--bucket",
        "media",
        "--prefix",
        "a&{x}/",
        "--format",
        "terraform",
    ]);
    assert_eq!(amp.code, 2);
    assert!(amp.stderr.contains("turns into `${`"), "{}", amp.stderr);
    assert_eq!(
        run(&[
            "policy",
            "-f",
            "s3-attribute",
            "--bucket",
            "media",
            "--prefix",
            "a&{x}/"
        ])
        .code,
        0
    );
    // A split without writes has no writer, and says so.
    let reads = run(&[
        "policy",
        "-f",
        "query,ping",
        "--table",
        TABLE,
        "--split",
        "read-write",
    ]);
    assert_eq!(reads.code, 0, "{}", reads.stderr);
    let v: Value = serde_json::from_str(&reads.stdout).unwrap();
    assert!(
        v.get("reader").is_some() && v.get("writer").is_none(),
        "{v}"
    );
    assert!(
        reads.stderr.contains("no writer policy"),
        "{}",
        reads.stderr
    );
    assert!(!reads.stdout.contains("\"Statement\": []"));
    // Over the managed-policy quota: several policies, said plainly.
    let mut many: Vec<String> = [
        "policy",
        "-f",
        "crud,query,scan,indexes,batch,transactions,partiql,partiql-write,table-management",
        "--all-indexes",
        "--account",
        ACCOUNT,
        "--region",
        "us-east-1",
    ]
    .map(String::from)
    .to_vec();
    for i in 0..80 {
        many.extend(["--table".into(), format!("service-table-{i:02}")]);
    }
    let many_refs: Vec<&str> = many.iter().map(String::as_str).collect();
    let big = run(&many_refs);
    assert_eq!(big.code, 0, "{}", big.stderr);
    assert!(
        big.stderr
            .contains("over IAM's 6144-character quota for a managed policy"),
        "{}",
        big.stderr
    );
    assert!(big.stderr.contains("attach all of them"), "{}", big.stderr);
    // Printed as managed policies, but over a role's inline quota in all: putting them inline
    // would be refused, and the warning says what to do instead.
    assert!(
        big.stderr.contains("warning: the policies are")
            && big
                .stderr
                .contains("over IAM's 10240-character quota for a role's inline policies together")
            && big.stderr.contains("IAM will refuse them inline on a role")
            && big.stderr.contains("--split read-write"),
        "{}",
        big.stderr
    );
    assert!(
        !reads.stderr.contains("inline policies together"),
        "{}",
        reads.stderr
    );
    let v: Value = serde_json::from_str(&big.stdout).unwrap();
    let parts = v.as_object().unwrap();
    assert!(
        parts.len() >= 2 && parts.contains_key("policy_1"),
        "{:?}",
        parts.keys()
    );
    for doc in parts.values() {
        let compact = serde_json::to_string(doc).unwrap();
        assert!(compact.len() <= 6_144, "{}", compact.len());
    }
    // As inline policies of a role, splitting cannot help: a warning.
    let mut inline = many_refs.clone();
    inline.extend(["--attach-as", "inline-role"]);
    let inline = run(&inline);
    assert_eq!(inline.code, 0, "{}", inline.stderr);
    assert!(
        inline.stderr.contains("warning: ")
            && inline.stderr.contains("a role's inline policies together"),
        "{}",
        inline.stderr
    );
    // Keys and roles in another account need their own policies to allow.
    let cross = run(&[
        "policy",
        "-f",
        "encryption,assume-role",
        "--kms-key",
        "arn:aws:kms:us-east-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "--assume-role-arn",
        "arn:aws:iam::444455556666:role/other",
        "--account",
        ACCOUNT,
        "--region",
        "us-east-1",
    ]);
    assert_eq!(cross.code, 0, "{}", cross.stderr);
    assert!(
        cross.stderr.contains(
            "is in account 444455556666, another account: its key policy there must allow"
        ),
        "{}",
        cross.stderr
    );
    assert!(
        cross
            .stderr
            .contains("its trust policy must trust this principal"),
        "{}",
        cross.stderr
    );
}

#[tokio::test]
async fn why_end_to_end_against_localstack() {
    let endpoint =
        std::env::var("PYDYNOX_IAM_LOCALSTACK").unwrap_or_else(|_| "http://127.0.0.1:4566".into());
    let cfg = aws_config::defaults(aws_sdk_iam::config::BehaviorVersion::latest())
        .endpoint_url(&endpoint)
        .region(aws_sdk_iam::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_iam::config::Credentials::new(
            "test", "test", None, None, "tests",
        ))
        .load()
        .await;
    let iam = aws_sdk_iam::Client::new(&cfg);
    let role = unique("why");
    iam.create_role()
        .role_name(&role)
        .path("/services/")
        .assume_role_policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#)
        .send()
        .await
        .unwrap_or_else(|e| panic!("LocalStack is not reachable at {endpoint} ({e}); run the tests with `make test`"));
    iam.put_role_policy()
        .role_name(&role)
        .policy_name("app")
        .policy_document(json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "Items", "Effect": "Allow", "Action": "dynamodb:*Item", "Resource": "arn:aws:dynamodb:us-east-1:000000000000:table/users"},
            {"Sid": "NoDeletes", "Effect": "Deny", "Action": "dynamodb:DeleteItem", "Resource": "*"}]}).to_string())
        .send()
        .await
        .unwrap();
    let msg = format!(
        "pydynox.AccessDeniedException: User: arn:aws:sts::000000000000:assumed-role/{role}/botocore-session-1 is not authorized to perform: dynamodb:DeleteItem on resource: arn:aws:dynamodb:us-east-1:000000000000:table/users with an explicit deny in an identity-based policy"
    );
    let dir = tempfile::tempdir().unwrap();
    let run = run_in(
        dir.path(),
        &["why", "--no-table-policy", &msg],
        None,
        Some(&endpoint),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains(&format!("arn:aws:iam::000000000000:role/services/{role}")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("statement `NoDeletes`")
            && run.stdout.contains("remove or narrow that Deny"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("- crud:"), "{}", run.stdout);
}

#[test]
fn least_privilege_lists_every_excess_grant_of_the_docs_example_for_a_crud_only_service() {
    let dir = tempfile::tempdir().unwrap();
    complete_example(dir.path());
    let base = [
        "check",
        "--no-table-policy",
        "--role",
        "arn:aws:iam::123456789012:role/app",
        "--policy-file",
        "app.json",
        "--features",
        "crud",
        "--table",
        "users",
        "--region",
        "us-east-1",
        "--least-privilege",
        "--format",
        "json",
    ];
    let run = run_in(dir.path(), &base, None, None);
    // CRUD itself passes; findings do not change the exit code unless --fail-on says so.
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    let findings = v["least_privilege"].as_array().unwrap();
    let excess: Vec<String> = findings
        .iter()
        .filter(|f| f["code"] == "excess-action")
        .flat_map(|f| {
            f["actions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap().to_string())
        })
        .collect();
    for a in [
        "dynamodb:Query",
        "dynamodb:Scan",
        "dynamodb:BatchGetItem",
        "dynamodb:BatchWriteItem",
        "kms:Encrypt",
        "kms:Decrypt",
    ] {
        assert!(
            excess.contains(&a.to_string()),
            "{a} not reported as excess: {findings:#?}"
        );
    }
    for a in [
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
    ] {
        assert!(
            !excess.contains(&a.to_string()),
            "{a} is needed by crud: {findings:#?}"
        );
    }
    // Severities can be lowered, and --fail-on turns findings into a failing exit code.
    let mut strict = base.to_vec();
    strict.extend(["--fail-on", "medium"]);
    assert_eq!(run_in(dir.path(), &strict, None, None).code, 1);
    strict.extend(["--severity", "excess-action=low"]);
    let lowered = run_in(dir.path(), &strict, None, None);
    assert_eq!(lowered.code, 0, "{}", lowered.stdout);
    let mut bad = base.to_vec();
    bad.extend(["--severity", "no-such-code=high"]);
    assert_eq!(run_in(dir.path(), &bad, None, None).code, 2);
}

/// `why --org-policies-file`: the organization's SCPs and RCPs are evaluated with the
/// principal's policies; without them, a PASS says it is not final.
#[test]
fn why_takes_the_organizations_policies_and_says_when_it_has_none() {
    let dir = tempfile::tempdir().unwrap();
    complete_example(dir.path());
    let denied = "botocore.exceptions.ClientError: An error occurred (AccessDeniedException) when calling the GetItem operation: User: arn:aws:sts::123456789012:assumed-role/app/i-0abc is not authorized to perform: dynamodb:GetItem on resource: arn:aws:dynamodb:us-east-1:123456789012:table/users because no identity-based policy allows the dynamodb:GetItem action";
    let full = |id: &str, principal: bool| {
        let mut st = json!({"Effect": "Allow", "Action": "*", "Resource": "*"});
        if principal {
            st["Principal"] = json!("*");
        }
        json!({"id": id, "name": id, "document": {"Version": "2012-10-17", "Statement": [st]}})
    };
    let deny = json!({"id": "p-rcp-noget", "name": "NoGetItem", "document": {
        "Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*",
        "Action": "dynamodb:GetItem", "Resource": "*"}]}});
    let org = json!({"account": ACCOUNT, "organization": {
        "id": "o-abc", "management_account": "999999999999",
        "scps": [
            {"target": "r-root", "policies": [full("p-FullAWSAccess", false)]},
            {"target": ACCOUNT, "policies": [full("p-FullAWSAccess", false)]}],
        "rcps": [
            {"target": "r-root", "policies": [full("p-RCPFullAWSAccess", true), deny]},
            {"target": ACCOUNT, "policies": [full("p-RCPFullAWSAccess", true)]}]}});
    std::fs::write(dir.path().join("org.json"), org.to_string()).unwrap();
    let base = [
        "why",
        "--no-table-policy",
        denied,
        "--policy-file",
        "app.json",
        "--format",
        "json",
    ];
    let run = run_in(dir.path(), &base, None, None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["verdict"], "PASS", "{v}");
    assert!(
        v["next_steps"].to_string().contains(
            "no service control policy (SCP) nor resource control policy (RCP) was evaluated"
        ),
        "{v}"
    );
    let mut with = base.to_vec();
    with.extend(["--org-policies-file", "org.json"]);
    let run = run_in(dir.path(), &with, None, None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["verdict"], "FAIL", "{v}");
    assert!(v.to_string().contains("p-rcp-noget"), "{v}");
    assert!(
        !v["next_steps"]
            .to_string()
            .contains("nor resource control policy (RCP) was evaluated"),
        "{v}"
    );
    // A file that is not one: a usage error naming it.
    std::fs::write(dir.path().join("bad.json"), "{}").unwrap();
    let mut bad = base.to_vec();
    bad.extend(["--org-policies-file", "bad.json"]);
    let run = run_in(dir.path(), &bad, None, None);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("bad.json"), "{}", run.stderr);
}
