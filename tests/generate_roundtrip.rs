//! The generated policy is enough and not more: for every catalogue feature alone, every pair,
//! all of them, over several tables, and in every release, the policy `policy` would print
//! (one document, or several when it is over IAM's managed-policy quota) is attached to a role in
//! an authorization-details export and that role is audited by `check`'s offline pipeline: every
//! row must PASS, and every document must fit the quota. The read/write split is checked the same
//! way, each half alone on its own operations. Outside the declared resources, the policy grants
//! nothing.

use pydynox_iam::engine::{
    Decision, NamedPolicy, PolicyDocument, PolicyKind, PolicySet, Request, evaluate,
};
use pydynox_iam::grants::auth_details::Wanted;
use pydynox_iam::grants::offline::{BucketPolicyInput, OfflineAccount};
use pydynox_iam::needs::catalogue::Catalogue;
use pydynox_iam::needs::plan::{Check, CheckPlan, Env, PlanInput, build_plan, expand};
use pydynox_iam::report::model::Verdict;
use pydynox_iam::verdict::fetch::TablePolicies;
use pydynox_iam::verdict::generate::{
    Format, Half, Quota, fit, half, minimal_policy, policy_size, render, split_read_write,
};
use pydynox_iam::verdict::local::engine_context;
use pydynox_iam::verdict::pipeline::{EngineChoice, RunContext, Statements, run};
use serde_json::{Value, json};

const ACCOUNT: &str = "111122223333";
const ROLE: &str = "arn:aws:iam::111122223333:role/svc/app";
const KEY_ARN: &str = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const TARGET_ROLE: &str = "arn:aws:iam::111122223333:role/pydynox-target";
const REGION: &str = "eu-west-1";

/// The resources of a run: `tables` tables, each with one index (`TABLE/by-email`).
fn input(features: &[String], version: &str, tables: usize, prefix: &str) -> PlanInput {
    let tables: Vec<String> = (0..tables).map(|i| format!("users-{i:02}")).collect();
    PlanInput {
        role: Some(ROLE.into()),
        features: features.to_vec(),
        indexes: tables.iter().map(|t| format!("{t}/by-email")).collect(),
        tables,
        kms_key: Some(KEY_ARN.into()),
        bucket: Some("pydynox-blobs".into()),
        prefix: prefix.into(),
        assume_role_arn: Some(TARGET_ROLE.into()),
        lock_table: Some("pydynox-locks".into()),
        pydynox_version: Some(version.into()),
        ..Default::default()
    }
}

fn env() -> Env {
    Env {
        partition: "aws".into(),
        region: REGION.into(),
        account: ACCOUNT.into(),
        key_arn: Some(KEY_ARN.into()),
    }
}

/// The key policy: delegates to the account's IAM policies, as the default key policy does.
fn key_policy() -> String {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}, "Action": "kms:*", "Resource": "*"}]})
    .to_string()
}

/// An export in which role `app` has exactly the generated documents, as managed policies, and
/// the role to assume trusts it.
fn export(docs: &[Value]) -> String {
    let policies: Vec<Value> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| {
            json!({"PolicyName": format!("generated-{i}"), "Arn": format!("arn:aws:iam::{ACCOUNT}:policy/generated-{i}"),
                "DefaultVersionId": "v1", "PolicyVersionList": [
                    {"VersionId": "v1", "IsDefaultVersion": true,
                     "Document": serde_json::from_str::<Value>(&render(d, "p", Format::Json)).unwrap()}]})
        })
        .collect();
    json!({
        "RoleDetailList": [
            {"RoleName": "app", "Path": "/svc/", "Arn": ROLE, "Tags": [],
             "AttachedManagedPolicies": (0..docs.len()).map(|i| json!({"PolicyName": format!("generated-{i}"),
                 "PolicyArn": format!("arn:aws:iam::{ACCOUNT}:policy/generated-{i}")})).collect::<Vec<_>>()},
            {"RoleName": "pydynox-target", "Path": "/", "Arn": TARGET_ROLE,
             "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                 "Principal": {"AWS": ROLE}, "Action": "sts:AssumeRole"}]}}
        ],
        "Policies": policies,
    })
    .to_string()
}

/// Audits `plan` offline for a role holding `docs`; the verdict of every check, in order.
fn audit(cat: &Catalogue, plan: &CheckPlan, docs: &[Value]) -> Vec<(String, String, Verdict)> {
    let text = export(docs);
    let mut wanted = Wanted::default();
    wanted.plan(plan);
    let account =
        OfflineAccount::from_authorization_details_reader(&mut || Ok(text.as_bytes()), &wanted)
            .unwrap_or_else(|e| panic!("{e:?}"))
            .with_key_policy(Some(key_policy()))
            .with_bucket_policy(BucketPolicyInput::None);
    let ctx = RunContext {
        catalogue: cat,
        region: Some(REGION.into()),
        endpoint_url: None,
        engine: EngineChoice::Auto,
        table_policies: TablePolicies::AssumeNone,
        // The bucket is the role's account's, as `--bucket-owner` states it offline.
        stated: Statements {
            bucket_owner: Some(ACCOUNT.into()),
            ..Statements::default()
        },
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let report = rt
        .block_on(run(&account, &ctx, plan))
        .unwrap_or_else(|e| panic!("{e}"));
    report
        .rows
        .iter()
        .map(|r| (r.action.clone(), r.resource.clone(), r.verdict))
        .collect()
}

/// Every generated document of a policy, as `policy --attach-as managed` prints them.
fn managed_documents(policy: &Value) -> Vec<Value> {
    let docs = fit(policy, Quota::Managed.limit());
    for d in &docs {
        assert!(
            policy_size(d) <= Quota::Managed.limit(),
            "{} characters",
            policy_size(d)
        );
        assert!(
            !d["Statement"].as_array().unwrap().is_empty(),
            "an empty Statement"
        );
        PolicyDocument::parse(&render(d, "p", Format::Json))
            .unwrap()
            .validate_for(PolicyKind::Identity)
            .unwrap();
    }
    docs
}

/// Generates the policy for `features` and audits a role holding only it: every row PASSes.
fn assert_enough(cat: &Catalogue, features: &[String], version: &str, tables: usize) -> usize {
    let what = format!("{} @ {version} on {tables} tables", features.join("+"));
    let plan = build_plan(cat, &input(features, version, tables, "uploads/"))
        .unwrap_or_else(|e| panic!("{what}: {e:?}"));
    let checks = expand(cat, &plan, &env());
    assert!(!checks.is_empty(), "{what}: no checks");
    let docs = managed_documents(&minimal_policy(&checks));
    for (action, resource, verdict) in audit(cat, &plan, &docs) {
        assert_eq!(
            verdict,
            Verdict::Pass,
            "{what}: {action} on {resource} with\n{}",
            docs.iter()
                .map(|d| render(d, "p", Format::Json))
                .collect::<String>()
        );
    }
    docs.len()
}

/// Every feature of the catalogue (the runs declare every resource kind, the lock table too).
fn features(cat: &Catalogue) -> Vec<String> {
    cat.features.iter().map(|f| f.name.clone()).collect()
}

#[test]
fn every_feature_alone_passes_check() {
    let cat = Catalogue::embedded();
    let newest = cat.newest().to_string();
    for f in features(&cat) {
        assert_eq!(assert_enough(&cat, &[f], &newest, 2), 1);
    }
}

#[test]
fn every_pair_of_features_passes_check() {
    let cat = Catalogue::embedded();
    let names = features(&cat);
    let newest = cat.newest().to_string();
    let mut pairs = 0;
    for (i, a) in names.iter().enumerate() {
        for b in &names[i + 1..] {
            assert_enough(&cat, &[a.clone(), b.clone()], &newest, 1);
            pairs += 1;
        }
    }
    assert_eq!(pairs, names.len() * (names.len() - 1) / 2);
}

#[test]
fn all_features_pass_check_in_every_release() {
    let cat = Catalogue::embedded();
    let all = features(&cat);
    let mut releases = 0;
    for version in cat.known_releases() {
        let present: Vec<String> = all
            .iter()
            .filter(|f| cat.has_feature(cat.feature(f).unwrap(), &version))
            .cloned()
            .collect();
        if present.is_empty() {
            continue;
        }
        assert_enough(&cat, &present, &version.to_string(), 3);
        releases += 1;
    }
    assert_eq!(releases, cat.known_releases().len());
}

/// Many tables: the policy is over the managed quota, is split, and every part together still
/// passes (and each part fits).
#[test]
fn a_policy_over_the_quota_is_split_and_still_passes_check() {
    let cat = Catalogue::embedded();
    let newest = cat.newest().to_string();
    let all = features(&cat);
    let parts = assert_enough(&cat, &all, &newest, 60);
    assert!(
        parts >= 2,
        "60 tables of every feature fit in {parts} policy"
    );
    // Merging keeps ordinary services in one policy: 6 tables of typical features (the review's
    // case was 6,350 characters before statements were merged).
    let typical: Vec<String> = ["crud", "query", "indexes", "batch", "transactions", "ping"]
        .map(String::from)
        .to_vec();
    assert_eq!(assert_enough(&cat, &typical, &newest, 6), 1);
    assert_eq!(assert_enough(&cat, &typical, &newest, 10), 1);
}

/// `*`, `?` and `$` in a prefix are written as IAM's escapes, so the statement names that prefix
/// only. `$` alone: `check` PASSes the generated policy. With `*` or `?` the probe object's own
/// name holds a wildcard, which the engine reads as every object it could name, so `check` is
/// INCONCLUSIVE (never PASS, never FAIL) and the literal match is shown on the statement itself.
#[test]
fn special_characters_in_the_prefix_are_matched_literally() {
    let cat = Catalogue::embedded();
    let f = vec!["s3-attribute".to_string()];
    let newest = cat.newest().to_string();
    let generated = |prefix: &str| {
        let plan = build_plan(&cat, &input(&f, &newest, 1, prefix)).unwrap();
        let checks = expand(&cat, &plan, &env());
        let docs = managed_documents(&minimal_policy(&checks));
        let verdicts = audit(&cat, &plan, &docs);
        (checks, docs, verdicts)
    };
    let (_, docs, verdicts) = generated("a$c/");
    assert!(
        verdicts.iter().all(|(_, _, v)| *v == Verdict::Pass),
        "{verdicts:?}\n{}",
        render(&docs[0], "p", Format::Json)
    );

    let (checks, docs, verdicts) = generated("a*b?$c/");
    assert_eq!(
        docs[0]["Statement"][0]["Resource"],
        json!(["arn:aws:s3:::pydynox-blobs/a${*}b${?}${$}c/*"])
    );
    assert!(
        !verdicts.is_empty() && verdicts.iter().all(|(_, _, v)| *v == Verdict::Inconclusive),
        "{verdicts:?}"
    );
    // Another prefix that the raw `a*b?$c/*` would match stays denied.
    let policy = identity(&docs[0]);
    let other = Check {
        resource: "arn:aws:s3:::pydynox-blobs/aXXbYZc/obj".into(),
        ..checks[0].clone()
    };
    assert_eq!(decide(&policy, &other), Decision::ImplicitDeny);
}

#[test]
fn each_half_of_the_split_runs_its_own_operations() {
    let cat = Catalogue::embedded();
    let newest = cat.newest().to_string();
    for f in features(&cat) {
        let plan = build_plan(&cat, &input(std::slice::from_ref(&f), &newest, 2, "")).unwrap();
        let checks = expand(&cat, &plan, &env());
        let (reader, writer) = split_read_write(&checks);
        let halves = [
            (Half::Read, reader.map(|r| managed_documents(&r))),
            (Half::Write, writer.map(|w| managed_documents(&w))),
        ];
        for (side, docs) in &halves {
            let own = checks.iter().any(|c| half(&c.feature, &c.action) == *side);
            assert_eq!(docs.is_some(), own, "{f}: {side:?} half present");
            let Some(docs) = docs else { continue };
            let verdicts = audit(&cat, &plan, docs);
            for (c, (action, resource, verdict)) in checks.iter().zip(verdicts) {
                let h = half(&c.feature, &c.action);
                let expected = if h == *side || h == Half::Both {
                    Verdict::Pass
                } else {
                    Verdict::Fail
                };
                assert_eq!(
                    verdict, expected,
                    "{f}: {side:?} half, {action} on {resource}"
                );
            }
        }
    }
}

#[test]
fn the_writer_alone_can_create_a_table_and_wait_for_it() {
    let cat = Catalogue::embedded();
    let f = vec!["table-management".to_string(), "table-cmk".to_string()];
    let plan = build_plan(&cat, &input(&f, &cat.newest().to_string(), 1, "")).unwrap();
    let checks = expand(&cat, &plan, &env());
    let writer = split_read_write(&checks).1.unwrap();
    let verdicts = audit(&cat, &plan, &managed_documents(&writer));
    for want in [
        "dynamodb:CreateTable",
        "dynamodb:DescribeTable",
        "kms:DescribeKey",
        "kms:CreateGrant",
    ] {
        assert!(
            verdicts
                .iter()
                .any(|(a, _, v)| a == want && *v == Verdict::Pass),
            "{want}: {verdicts:?}"
        );
    }
}

fn identity(policy: &Value) -> NamedPolicy {
    let text = render(policy, "p", Format::Json);
    NamedPolicy::new(
        "generated",
        PolicyKind::Identity,
        PolicyDocument::parse(&text).unwrap(),
    )
    .unwrap()
}

fn decide(policy: &NamedPolicy, check: &Check) -> Decision {
    let identity = [policy.clone()];
    let set = PolicySet {
        identity: &identity,
        boundary: None,
        resource_policy: None,
        resource_account: None,
        org: None,
    };
    let req = Request {
        principal: ROLE.into(),
        action: check.action.clone(),
        resource: check.resource.clone(),
        context: engine_context(&check.context),
    };
    evaluate(&set, &req).decision
}

#[test]
fn the_policy_is_not_broader_than_the_checks() {
    // Another table, another index, another key and another prefix stay denied.
    let cat = Catalogue::embedded();
    let all = features(&cat);
    let plan = build_plan(&cat, &input(&all, &cat.newest().to_string(), 1, "uploads/")).unwrap();
    let checks = expand(&cat, &plan, &env());
    let np = identity(&minimal_policy(&checks));
    let moved = |c: &Check, from: &str, to: &str| Check {
        resource: c.resource.replace(from, to),
        ..c.clone()
    };
    let mut outside = 0;
    for c in &checks {
        let other = match c.resource_kind.as_str() {
            "table" => moved(c, "table/users-00", "table/orders"),
            "index" => moved(c, "index/by-email", "index/by-name"),
            "lock-table" => moved(c, "table/pydynox-locks", "table/other-locks"),
            "kms-key" => moved(c, "key/1234abcd", "key/9999abcd"),
            "s3-object" => moved(c, "pydynox-blobs/uploads/", "pydynox-blobs/other/"),
            "role" => moved(c, "role/pydynox-target", "role/admin"),
            _ => continue,
        };
        outside += 1;
        assert_eq!(
            decide(&np, &other),
            Decision::ImplicitDeny,
            "{} on {} should stay denied",
            other.action,
            other.resource
        );
    }
    assert!(outside > 20, "only {outside} outside checks");
}

/// A lock table that is also the data table, and a prefix written without its `/`: the policy
/// grants every check (the lock and the data statements may merge, never drop one), and the S3
/// statement is the prefix pydynox stores under, `docs/*`, not `docs*` (which would also cover
/// `docs-private/...`).
#[test]
fn a_lock_table_that_is_a_data_table_and_a_prefix_without_its_slash() {
    let cat = Catalogue::embedded();
    let plan = build_plan(
        &cat,
        &PlanInput {
            features: [
                "crud",
                "transactions",
                "locks",
                "locks-in-transactions",
                "s3-attribute",
            ]
            .map(String::from)
            .to_vec(),
            tables: vec!["orders".into()],
            lock_table: Some("orders".into()),
            bucket: Some("media".into()),
            prefix: "docs".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let checks = expand(&cat, &plan, &env());
    let policy = minimal_policy(&checks);
    let np = identity(&policy);
    for c in &checks {
        assert_eq!(decide(&np, c), Decision::Allowed, "{c:?}\n{policy:#}");
    }
    assert!(checks.iter().any(|c| c.resource_kind == "lock-table"));
    let resources: Vec<&str> = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|st| match &st["Resource"] {
            Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
            v => v.as_str().into_iter().collect::<Vec<_>>(),
        })
        .collect();
    assert!(
        resources.contains(&"arn:aws:s3:::media/docs/*"),
        "{resources:?}"
    );
    assert!(
        !resources.contains(&"arn:aws:s3:::media/docs*"),
        "{resources:?}"
    );
    let sibling = Check {
        resource: "arn:aws:s3:::media/docs-private/secret".into(),
        ..checks
            .iter()
            .find(|c| c.resource_kind == "s3-object")
            .unwrap()
            .clone()
    };
    assert_ne!(decide(&np, &sibling), Decision::Allowed);
}
