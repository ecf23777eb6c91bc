//! The generated policy grants exactly what the checks ask: for every catalogue feature alone,
//! every pair of features, and all of them together, each expanded check is `Allowed` by the
//! offline engine with the generated policy as the principal's only identity policy; the
//! reader/writer split allows the reads and the writes respectively, and nothing else.

use pydynox_iam::engine::{
    Decision, NamedPolicy, PolicyDocument, PolicyKind, PolicySet, Request, ResourcePolicyMode,
    evaluate,
};
use pydynox_iam::iam::arn::KeyInput;
use pydynox_iam::needs::catalogue::{Catalogue, parse_version};
use pydynox_iam::needs::plan::{
    Check, CheckPlan, Env, IndexSelection, PrincipalSelector, ResourceInputs, expand,
};
use pydynox_iam::verdict::generate::{
    Format, is_read_action, minimal_policy, render, split_read_write,
};
use pydynox_iam::verdict::local::engine_context;
use semver::Version;
use serde_json::Value;

const ACCOUNT: &str = "111122223333";
const PRINCIPAL: &str = "arn:aws:iam::111122223333:role/app";
const KEY_ARN: &str = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const TARGET_ROLE: &str = "arn:aws:iam::111122223333:role/pydynox-target";

fn resources(indexes: IndexSelection) -> ResourceInputs {
    ResourceInputs {
        tables: vec!["users".into()],
        indexes,
        kms_key: Some(KeyInput::KeyArn(KEY_ARN.into())),
        bucket: Some("pydynox-blobs".into()),
        prefix: "uploads/".into(),
        assume_role_arn: Some(TARGET_ROLE.into()),
        lock_table: Some("pydynox-locks".into()),
    }
}

fn env() -> Env {
    Env {
        partition: "aws".into(),
        region: "eu-west-1".into(),
        account: ACCOUNT.into(),
        key_arn: Some(KEY_ARN.into()),
    }
}

fn checks_for(
    cat: &Catalogue,
    features: &[String],
    version: &Version,
    indexes: IndexSelection,
) -> Vec<Check> {
    let plan = CheckPlan {
        principal: PrincipalSelector::Caller,
        features: features.to_vec(),
        version: version.clone(),
        resources: resources(indexes),
        extra_context: vec![],
        notes: vec![],
        app: None,
    };
    expand(cat, &plan, &env())
}

/// A key policy (or trust policy) that delegates to IAM policies, as the default key policy does.
fn delegating_policy(kind: &str) -> NamedPolicy {
    let action = if kind == "role" {
        "sts:AssumeRole"
    } else {
        "kms:*"
    };
    let text = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:root"}},"Action":"{action}","Resource":"*"}}]}}"#
    );
    NamedPolicy::new(
        format!("{kind} policy"),
        PolicyKind::Resource,
        PolicyDocument::parse(&text).unwrap(),
    )
    .unwrap()
}

/// Parses a generated policy the way a user would paste it: from its rendered JSON.
fn identity(policy: &Value, name: &str) -> NamedPolicy {
    let text = render(policy, name, Format::Json);
    let doc = PolicyDocument::parse(&text).unwrap_or_else(|e| panic!("{name}: {e}\n{text}"));
    NamedPolicy::new(name, PolicyKind::Identity, doc).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn decide(policy: &NamedPolicy, check: &Check) -> Decision {
    let key_policy = delegating_policy("kms-key");
    let trust_policy = delegating_policy("role");
    let resource_policy = match check.resource_kind.as_str() {
        "kms-key" => Some((&key_policy, ResourcePolicyMode::KmsKeyPolicy)),
        "role" => Some((&trust_policy, ResourcePolicyMode::KmsKeyPolicy)),
        _ => None,
    };
    let identity = [policy.clone()];
    let set = PolicySet {
        identity: &identity,
        boundary: None,
        resource_policy,
        resource_account: None,
    };
    let req = Request {
        principal: PRINCIPAL.into(),
        action: check.action.clone(),
        resource: check.resource.clone(),
        context: engine_context(&check.context),
    };
    evaluate(&set, &req).decision
}

fn statements(policy: &Value) -> &Vec<Value> {
    policy["Statement"].as_array().expect("Statement is a list")
}

fn as_list(v: &Value) -> Vec<&str> {
    match v {
        Value::Array(items) => items.iter().map(|i| i.as_str().unwrap()).collect(),
        Value::String(s) => vec![s.as_str()],
        other => panic!("not a string or list: {other}"),
    }
}

/// `"*"` only for actions that have no resource type.
fn assert_no_star_resource(policy: &Value, what: &str) {
    for st in statements(policy) {
        assert!(st.get("Condition").is_none(), "{what}: {st}");
        if as_list(&st["Resource"]).contains(&"*") {
            assert_eq!(
                as_list(&st["Action"]),
                ["dynamodb:ListTables"],
                "{what}: {st}"
            );
        }
        let actions = as_list(&st["Action"]);
        let mut sorted = actions.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(actions, sorted, "{what}: actions sorted and unique");
    }
}

fn assert_allows_all(
    cat: &Catalogue,
    features: &[String],
    version: &Version,
    indexes: IndexSelection,
) {
    let what = format!("{} @ {version}", features.join("+"));
    let checks = checks_for(cat, features, version, indexes);
    assert!(!checks.is_empty(), "{what}: no checks");
    let policy = minimal_policy(&checks);
    assert_no_star_resource(&policy, &what);
    let np = identity(&policy, &what);
    for c in &checks {
        assert_eq!(
            decide(&np, c),
            Decision::Allowed,
            "{what}: {} on {} not allowed by\n{}",
            c.action,
            c.resource,
            render(&policy, "p", Format::Json)
        );
    }
}

fn feature_names(cat: &Catalogue) -> Vec<String> {
    cat.features.iter().map(|f| f.name.clone()).collect()
}

#[test]
fn every_feature_alone_is_allowed() {
    let cat = Catalogue::embedded();
    for f in feature_names(&cat) {
        assert_allows_all(
            &cat,
            &[f],
            &cat.newest(),
            IndexSelection::Named(vec!["by-email".into()]),
        );
    }
}

#[test]
fn every_pair_of_features_is_allowed() {
    let cat = Catalogue::embedded();
    let names = feature_names(&cat);
    let mut pairs = 0;
    for (i, a) in names.iter().enumerate() {
        for b in &names[i + 1..] {
            assert_allows_all(
                &cat,
                &[a.clone(), b.clone()],
                &cat.newest(),
                IndexSelection::Named(vec!["by-email".into()]),
            );
            pairs += 1;
        }
    }
    assert_eq!(pairs, names.len() * (names.len() - 1) / 2);
}

#[test]
fn all_features_together_are_allowed_in_every_release_shape() {
    let cat = Catalogue::embedded();
    let all = feature_names(&cat);
    // 0.13.2 still encrypted with kms:Encrypt; newer releases use kms:GenerateDataKey.
    for version in [cat.newest(), parse_version("0.13.0").unwrap()] {
        for indexes in [
            IndexSelection::Named(vec!["by-email".into(), "by-date".into()]),
            IndexSelection::All,
        ] {
            assert_allows_all(&cat, &all, &version, indexes);
        }
    }
}

#[test]
fn the_policy_is_not_broader_than_the_checks() {
    // Another table, another index, another key and another prefix stay denied.
    let cat = Catalogue::embedded();
    let all = feature_names(&cat);
    let checks = checks_for(
        &cat,
        &all,
        &cat.newest(),
        IndexSelection::Named(vec!["by-email".into()]),
    );
    let np = identity(&minimal_policy(&checks), "all");
    let moved = |c: &Check, from: &str, to: &str| Check {
        resource: c.resource.replace(from, to),
        ..c.clone()
    };
    let mut outside = 0;
    for c in &checks {
        let other = match c.resource_kind.as_str() {
            "table" => moved(c, "table/users", "table/orders"),
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

#[test]
fn reader_allows_exactly_the_reads_and_writer_the_writes() {
    let cat = Catalogue::embedded();
    let all = feature_names(&cat);
    let checks = checks_for(&cat, &all, &cat.newest(), IndexSelection::All);
    let (reader, writer) = split_read_write(&checks);
    assert_no_star_resource(&reader, "reader");
    assert_no_star_resource(&writer, "writer");
    let (reader, writer) = (identity(&reader, "reader"), identity(&writer, "writer"));
    let (mut reads, mut writes) = (0, 0);
    for c in &checks {
        let (r, w) = (decide(&reader, c), decide(&writer, c));
        if is_read_action(&c.action) {
            reads += 1;
            assert_eq!(
                r,
                Decision::Allowed,
                "reader: read {} on {}",
                c.action,
                c.resource
            );
            assert_eq!(
                w,
                Decision::ImplicitDeny,
                "writer: read {} on {}",
                c.action,
                c.resource
            );
        } else {
            writes += 1;
            assert_eq!(
                r,
                Decision::ImplicitDeny,
                "reader: write {} on {}",
                c.action,
                c.resource
            );
            assert_eq!(
                w,
                Decision::Allowed,
                "writer: write {} on {}",
                c.action,
                c.resource
            );
        }
    }
    assert!(
        reads >= 10 && writes >= 15,
        "reads {reads}, writes {writes}"
    );
}

#[test]
fn split_per_feature_keeps_every_check_allowed_by_one_of_the_two() {
    let cat = Catalogue::embedded();
    for f in feature_names(&cat) {
        let checks = checks_for(
            &cat,
            std::slice::from_ref(&f),
            &cat.newest(),
            IndexSelection::All,
        );
        let (reader, writer) = split_read_write(&checks);
        let (reader, writer) = (identity(&reader, "reader"), identity(&writer, "writer"));
        for c in &checks {
            let expected = if is_read_action(&c.action) {
                &reader
            } else {
                &writer
            };
            assert_eq!(
                decide(expected, c),
                Decision::Allowed,
                "{f}: {} on {}",
                c.action,
                c.resource
            );
        }
    }
}

/// A lock table that is also the data table, and a prefix written without its `/`: the policy
/// grants every check (the lock and the data statements may merge, never drop one), and the S3
/// statement is the prefix pydynox stores under, `docs/*`, not `docs*` (which would also cover
/// `docs-private/...`).
#[test]
fn a_lock_table_that_is_a_data_table_and_a_prefix_without_its_slash() {
    use pydynox_iam::needs::plan::{PlanInput, build_plan};
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
    let np = identity(&policy, "locks");
    for c in &checks {
        assert_eq!(decide(&np, c), Decision::Allowed, "{c:?}\n{policy:#}");
    }
    assert!(checks.iter().any(|c| c.resource_kind == "lock-table"));
    let resources: Vec<&str> = statements(&policy)
        .iter()
        .flat_map(|st| as_list(&st["Resource"]))
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
