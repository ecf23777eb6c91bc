//! Engine throughput on a realistic role: ten identity policies (about fifty statements with wildcards,
//! `NotAction`/`NotResource` and conditions), a permissions boundary and a KMS key policy, evaluated
//! against every check the pydynox catalogue expands to (all features, on a table, an index, a key,
//! plus the bucket and role the S3 and assume-role features need). Criterion prints evaluations per
//! second as `thrpt`. Run: `cargo bench --bench engine` (add `-- --quick` for a short run).

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group};
use pydynox_iam::engine::{
    Context, ContextValue, NamedPolicy, PolicyDocument, PolicyKind, PolicySet, Request,
    ResourcePolicyMode, ValueType, evaluate,
};
use pydynox_iam::iam::arn::KeyInput;
use pydynox_iam::needs::catalogue::Catalogue;
use pydynox_iam::needs::plan::{
    CheckPlan, Env, IndexSelection, PrincipalSelector, ResourceInputs, expand,
};
use pydynox_iam::simulate::request::context_from_entries;
use serde_json::{Value, json};

const ACCOUNT: &str = "111122223333";
const ROLE: &str = "arn:aws:iam::111122223333:role/services/app-orders";
const KEY: &str = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const APP_TABLES: &str = "arn:aws:dynamodb:*:*:table/app-*";

fn doc(statements: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// The role's identity policies: (name, document).
fn identity_documents() -> Vec<(&'static str, Value)> {
    vec![
        (
            "orders-read",
            doc(json!([
                {"Sid": "Read", "Effect": "Allow", "Action": ["dynamodb:Get*", "dynamodb:BatchGet*",
                    "dynamodb:Query", "dynamodb:Scan", "dynamodb:ConditionCheckItem"],
                 "Resource": [APP_TABLES, "arn:aws:dynamodb:*:*:table/app-*/index/*"]},
                {"Sid": "Describe", "Effect": "Allow", "Action": "dynamodb:Describe*", "Resource": APP_TABLES},
                {"Sid": "TeamSelect", "Effect": "Allow", "Action": "dynamodb:PartiQLSelect",
                 "Resource": [APP_TABLES, "arn:aws:dynamodb:*:*:table/app-*/index/*"],
                 "Condition": {"StringEquals": {"aws:PrincipalTag/team": "orders"}}},
                {"Sid": "NoStreams", "Effect": "Deny", "Action": "dynamodb:GetRecords",
                 "Resource": "arn:aws:dynamodb:*:*:table/*/stream/*"},
                {"Sid": "ReadLegacy", "Effect": "Allow", "Action": "dynamodb:GetItem",
                 "Resource": "arn:aws:dynamodb:*:*:table/legacy-*",
                 "Condition": {"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}}
            ])),
        ),
        (
            "orders-write",
            doc(json!([
                {"Sid": "Write", "Effect": "Allow", "Action": ["dynamodb:PutItem", "dynamodb:UpdateItem",
                    "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"], "Resource": APP_TABLES,
                 "Condition": {"Bool": {"aws:SecureTransport": "true"}}},
                {"Sid": "PartiQLWrite", "Effect": "Allow", "Action": "dynamodb:PartiQL*", "Resource": APP_TABLES,
                 "Condition": {"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "172.16.0.0/12"]}}},
                {"Sid": "CapacityHint", "Effect": "Deny", "Action": "dynamodb:*Item", "Resource": "*",
                 "Condition": {"StringEquals": {"dynamodb:ReturnConsumedCapacity": "INDEXES"}}},
                {"Sid": "NoOtherTables", "Effect": "Deny", "Action": ["dynamodb:PutItem", "dynamodb:DeleteItem"],
                 "NotResource": [APP_TABLES, "arn:aws:dynamodb:*:*:table/app-*/index/*"]},
                {"Sid": "TeamTagged", "Effect": "Allow", "Action": "dynamodb:UpdateItem", "Resource": "*",
                 "Condition": {"StringLike": {"aws:PrincipalTag/team": "ord*"}}}
            ])),
        ),
        (
            "tables",
            doc(json!([
                {"Sid": "Admin", "Effect": "Allow", "Action": ["dynamodb:CreateTable", "dynamodb:UpdateTable",
                    "dynamodb:DeleteTable", "dynamodb:UpdateTimeToLive"], "Resource": APP_TABLES,
                 "Condition": {"StringLike": {"aws:PrincipalTag/role": "admin-*"}}},
                {"Sid": "List", "Effect": "Allow", "Action": "dynamodb:ListTables", "Resource": "*"},
                {"Sid": "Ttl", "Effect": "Allow", "Action": "dynamodb:DescribeTimeToLive", "Resource": APP_TABLES},
                {"Sid": "Tags", "Effect": "Allow", "Action": ["dynamodb:TagResource", "dynamodb:ListTagsOfResource"],
                 "Resource": APP_TABLES,
                 "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": ["team", "cost-center"]}}},
                {"Sid": "SameAccountOnly", "Effect": "Deny", "Action": "dynamodb:*Item",
                 "NotResource": "arn:aws:dynamodb:*:111122223333:*"}
            ])),
        ),
        (
            "encryption",
            doc(json!([
                {"Sid": "UseKey", "Effect": "Allow", "Action": ["kms:Encrypt", "kms:Decrypt",
                    "kms:GenerateDataKey*", "kms:DescribeKey"], "Resource": "arn:aws:kms:*:111122223333:key/*"},
                {"Sid": "Grants", "Effect": "Allow", "Action": "kms:CreateGrant",
                 "Resource": "arn:aws:kms:*:111122223333:key/*",
                 "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}}},
                {"Sid": "NoReEncrypt", "Effect": "Deny", "Action": "kms:ReEncrypt*", "Resource": "*"},
                {"Sid": "ViaDynamo", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*",
                 "Condition": {"StringLike": {"kms:ViaService": "dynamodb.*.amazonaws.com"}}},
                {"Sid": "NoKeyAdmin", "Effect": "Deny", "Action": ["kms:ScheduleKeyDeletion", "kms:DisableKey"],
                 "Resource": "*"}
            ])),
        ),
        (
            "attachments",
            doc(json!([
                {"Sid": "Objects", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject",
                    "s3:DeleteObject", "s3:AbortMultipartUpload"],
                 "Resource": "arn:aws:s3:::app-attachments/orders/*"},
                {"Sid": "TlsOnly", "Effect": "Deny", "Action": "s3:*", "Resource": "*",
                 "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
                {"Sid": "List", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::app-attachments",
                 "Condition": {"StringLike": {"s3:prefix": "orders/*"}}},
                {"Sid": "NoPublic", "Effect": "Deny", "Action": ["s3:PutBucketPolicy", "s3:PutBucketAcl"],
                 "Resource": "*"},
                {"Sid": "Versions", "Effect": "Allow", "Action": "s3:GetObjectVersion",
                 "Resource": "arn:aws:s3:::app-attachments/orders/*"}
            ])),
        ),
        (
            "assume",
            doc(json!([
                {"Sid": "AppRoles", "Effect": "Allow", "Action": "sts:AssumeRole",
                 "Resource": "arn:aws:iam::111122223333:role/app-*"},
                {"Sid": "Tagging", "Effect": "Allow", "Action": "sts:TagSession", "Resource": "*",
                 "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": ["team"]}}},
                {"Sid": "NoAdminRoles", "Effect": "Deny", "Action": "sts:AssumeRole",
                 "Resource": "arn:aws:iam::*:role/admin-*"},
                {"Sid": "Identity", "Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"},
                {"Sid": "RegionLock", "Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*",
                 "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "us-east-1"]}}}
            ])),
        ),
        (
            "guardrails",
            doc(json!([
                {"Sid": "OnlyServicesWeUse", "Effect": "Deny",
                 "NotAction": ["dynamodb:*", "kms:*", "s3:*", "sts:*", "logs:*", "cloudwatch:*", "xray:*"],
                 "Resource": "*"},
                {"Sid": "NoBackupsDeletion", "Effect": "Deny", "Action": ["dynamodb:DeleteBackup",
                    "dynamodb:DeleteTableReplica"], "Resource": "*"},
                {"Sid": "NoForbiddenTags", "Effect": "Deny", "Action": "*", "Resource": "*",
                 "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": ["forbidden", "legacy-owner"]}}},
                {"Sid": "Network", "Effect": "Deny", "Action": "dynamodb:*", "Resource": "*",
                 "Condition": {"NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.168.0.0/16"]},
                               "BoolIfExists": {"aws:ViaAWSService": "false"}}},
                {"Sid": "NoIam", "Effect": "Deny", "Action": "iam:*", "Resource": "*"}
            ])),
        ),
        (
            "observability",
            doc(json!([
                {"Sid": "Metrics", "Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*",
                 "Condition": {"StringEquals": {"cloudwatch:namespace": "App/Orders"}}},
                {"Sid": "Logs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                 "Resource": "arn:aws:logs:*:111122223333:log-group:/app/orders*"},
                {"Sid": "Traces", "Effect": "Allow", "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                 "Resource": "*"},
                {"Sid": "Alarms", "Effect": "Allow", "Action": "cloudwatch:DescribeAlarms", "Resource": "*"},
                {"Sid": "NoLogDeletion", "Effect": "Deny", "Action": "logs:Delete*", "Resource": "*"}
            ])),
        ),
        (
            "streams",
            doc(json!([
                {"Sid": "Streams", "Effect": "Allow", "Action": ["dynamodb:DescribeStream", "dynamodb:GetShardIterator",
                    "dynamodb:GetRecords"], "Resource": "arn:aws:dynamodb:*:*:table/app-*/stream/*"},
                {"Sid": "ListStreams", "Effect": "Allow", "Action": "dynamodb:ListStreams", "Resource": "*"},
                {"Sid": "Exports", "Effect": "Allow", "Action": "dynamodb:ExportTableToPointInTime",
                 "Resource": APP_TABLES, "Condition": {"StringEquals": {"aws:PrincipalTag/role": "analytics"}}},
                {"Sid": "NoImports", "Effect": "Deny", "Action": "dynamodb:ImportTable", "Resource": "*"},
                {"Sid": "Backups", "Effect": "Allow", "Action": ["dynamodb:CreateBackup", "dynamodb:DescribeBackup"],
                 "Resource": APP_TABLES}
            ])),
        ),
        (
            "legacy",
            doc(json!([
                {"Sid": "OldTables", "Effect": "Allow", "Action": "dynamodb:*",
                 "Resource": "arn:aws:dynamodb:*:*:table/orders-v1*"},
                {"Sid": "OldKeys", "Effect": "Allow", "Action": "kms:Decrypt",
                 "Resource": "arn:aws:kms:*:111122223333:alias/orders-v1"},
                {"Sid": "ReadOnlyEverywhere", "Effect": "Allow",
                 "NotAction": ["dynamodb:Put*", "dynamodb:Update*", "dynamodb:Delete*", "dynamodb:Batch*",
                    "dynamodb:PartiQL*", "dynamodb:Create*"],
                 "Resource": "arn:aws:dynamodb:*:*:table/orders-archive*"},
                {"Sid": "Cutoff", "Effect": "Deny", "Action": "dynamodb:*", "Resource": "arn:aws:dynamodb:*:*:table/orders-v1*",
                 "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2031-01-01T00:00:00Z"}}}
            ])),
        ),
    ]
}

fn boundary_document() -> Value {
    doc(json!([
        {"Sid": "Ceiling", "Effect": "Allow",
         "Action": ["dynamodb:*", "kms:*", "s3:*", "sts:AssumeRole", "sts:TagSession", "logs:*", "cloudwatch:*", "xray:*"],
         "Resource": "*"},
        {"Sid": "NoTableDeletion", "Effect": "Deny", "Action": "dynamodb:DeleteTable", "Resource": "*"},
        {"Sid": "NoIamEver", "Effect": "Deny", "Action": "iam:*", "Resource": "*"},
        {"Sid": "BoundaryIsFixed", "Effect": "Deny", "Action": "iam:DeleteRolePermissionsBoundary",
         "Resource": "*"}
    ]))
}

fn key_policy_document() -> Value {
    doc(json!([
        {"Sid": "EnableIam", "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")},
         "Action": "kms:*", "Resource": "*"},
        {"Sid": "AppUse", "Effect": "Allow", "Principal": {"AWS": ROLE},
         "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*",
         "Condition": {"StringEquals": {"kms:CallerAccount": ACCOUNT}}},
        {"Sid": "NoDeletion", "Effect": "Deny", "Principal": "*", "Action": "kms:ScheduleKeyDeletion",
         "Resource": "*"}
    ]))
}

fn named(name: &str, kind: PolicyKind, v: &Value) -> NamedPolicy {
    let d = PolicyDocument::from_value(v).unwrap_or_else(|e| panic!("bench policy `{name}`: {e}"));
    NamedPolicy::new(name, kind, d).unwrap_or_else(|e| panic!("bench policy `{name}`: {e}"))
}

/// Every catalogue check, as engine requests with the role's usual context.
fn requests() -> Vec<Request> {
    let cat = Catalogue::embedded();
    let features = cat.resolve_features(&["all"]).unwrap();
    let plan = CheckPlan {
        principal: PrincipalSelector::Caller,
        features,
        version: cat.newest(),
        resources: ResourceInputs {
            tables: vec!["app-orders".into()],
            indexes: IndexSelection::Named(vec!["by-customer".into()]),
            kms_key: Some(KeyInput::KeyArn(KEY.into())),
            bucket: Some("app-attachments".into()),
            prefix: "orders/".into(),
            assume_role_arn: Some(format!("arn:aws:iam::{ACCOUNT}:role/app-orders-reader")),
            lock_table: None,
        },
        extra_context: vec![],
        notes: vec![],
        app: None,
    };
    let env = Env {
        partition: "aws".into(),
        region: "eu-west-1".into(),
        account: ACCOUNT.into(),
        key_arn: Some(KEY.into()),
    };
    expand(&cat, &plan, &env)
        .into_iter()
        .map(|c| {
            let mut context: Context = context_from_entries(&c.context).expect("catalogue context");
            context.insert("aws:PrincipalTag/team", ContextValue::string("orders"));
            context.insert(
                "aws:SourceIp",
                ContextValue::typed("10.1.2.3", ValueType::Ip),
            );
            context.insert(
                "aws:SecureTransport",
                ContextValue::typed("true", ValueType::Bool),
            );
            context.insert(
                "aws:CurrentTime",
                ContextValue::typed("2026-01-01T00:00:00Z", ValueType::Date),
            );
            context.insert("aws:TagKeys", ContextValue::list(["team"]));
            context.insert("aws:RequestedRegion", ContextValue::string("eu-west-1"));
            Request {
                principal: ROLE.into(),
                action: c.action,
                resource: c.resource,
                context,
            }
        })
        .collect()
}

fn bench_engine(c: &mut Criterion) {
    let docs = identity_documents();
    let identity: Vec<NamedPolicy> = docs
        .iter()
        .map(|(n, d)| named(n, PolicyKind::Identity, d))
        .collect();
    let statements: usize = identity.iter().map(|p| p.document.statements.len()).sum();
    let (boundary_doc, key_doc) = (boundary_document(), key_policy_document());
    let boundary = named("boundary", PolicyKind::Boundary, &boundary_doc);
    let key_policy = named("key-policy", PolicyKind::Resource, &key_doc);
    let reqs = requests();
    // The key policy governs only requests on the key.
    let sets: Vec<PolicySet> = reqs
        .iter()
        .map(|r| PolicySet {
            identity: &identity,
            boundary: Some(&boundary),
            resource_policy: (r.resource == KEY)
                .then_some((&key_policy, ResourcePolicyMode::KmsKeyPolicy)),
            resource_account: None,
            org: None,
        })
        .collect();
    let mut decisions: BTreeMap<String, usize> = BTreeMap::new();
    for (set, req) in sets.iter().zip(&reqs) {
        *decisions
            .entry(format!("{:?}", evaluate(set, req).decision))
            .or_default() += 1;
    }
    println!(
        "role: {} identity policies, {statements} statements, a boundary and a key policy; \
         {} requests per iteration: {decisions:?}",
        identity.len(),
        reqs.len()
    );

    let mut g = c.benchmark_group("engine");
    g.sample_size(30)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(8));
    g.throughput(Throughput::Elements(reqs.len() as u64));
    g.bench_function("evaluate_every_pydynox_check", |b| {
        b.iter(|| {
            for (set, req) in sets.iter().zip(&reqs) {
                black_box(evaluate(set, black_box(req)));
            }
        })
    });
    g.throughput(Throughput::Elements(docs.len() as u64 + 2));
    g.bench_function("parse_role_policies", |b| {
        b.iter(|| {
            for (name, d) in &docs {
                black_box(named(name, PolicyKind::Identity, black_box(d)));
            }
            black_box(named(
                "boundary",
                PolicyKind::Boundary,
                black_box(&boundary_doc),
            ));
            black_box(named(
                "key-policy",
                PolicyKind::Resource,
                black_box(&key_doc),
            ));
        })
    });
    g.finish();
}

/// `ENGINE_PASSES=N` runs N passes of the evaluation benchmark and nothing else, without criterion's
/// timing: for instruction counts that do not depend on the machine's load, e.g.
/// `ENGINE_PASSES=1000 valgrind --tool=callgrind target/release/deps/engine-*` minus the same with
/// `ENGINE_PASSES=0`, divided by the number of evaluations it prints.
fn passes_only(n: usize) {
    let docs = identity_documents();
    let identity: Vec<NamedPolicy> = docs
        .iter()
        .map(|(n, d)| named(n, PolicyKind::Identity, d))
        .collect();
    let boundary = named("boundary", PolicyKind::Boundary, &boundary_document());
    let key_policy = named("key-policy", PolicyKind::Resource, &key_policy_document());
    let reqs = requests();
    let sets: Vec<PolicySet> = reqs
        .iter()
        .map(|r| PolicySet {
            identity: &identity,
            boundary: Some(&boundary),
            resource_policy: (r.resource == KEY)
                .then_some((&key_policy, ResourcePolicyMode::KmsKeyPolicy)),
            resource_account: None,
            org: None,
        })
        .collect();
    for _ in 0..n {
        for (set, req) in sets.iter().zip(&reqs) {
            black_box(evaluate(set, black_box(req)));
        }
    }
    println!("{} evaluations", n * reqs.len());
}

criterion_group!(benches, bench_engine);

fn main() {
    if let Some(n) = std::env::var("ENGINE_PASSES")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        passes_only(n);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
