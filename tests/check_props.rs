//! Check-level laws over generated policy sets, through the offline verdict path (`verdict::local`
//! with the request context AWS builds): adding a Deny or removing an Allow never turns a row into
//! PASS; the names policies are given never change a verdict; a session is never allowed more than
//! its role (issue 8, item 8).

use std::collections::BTreeMap;

use proptest::prelude::*;
use pydynox_iam::grants::model::{
    FetchedPolicy, FetchedResourcePolicy, PolicySource, Principal, PrincipalPolicies,
    ResourcePolicyKind, ResourcePolicyState,
};
use pydynox_iam::iam::arn::PrincipalKind;
use pydynox_iam::needs::plan::Check;
use pydynox_iam::report::model::Verdict;
use pydynox_iam::verdict::local::prepare;
use pydynox_iam::verdict::request::{Caller, Setting};

const ROLE: &str = "arn:aws:iam::111122223333:role/svc/app";
const SESSION: &str = "arn:aws:sts::111122223333:assumed-role/app/i-1";
const TABLE: &str = "arn:aws:dynamodb:us-east-1:111122223333:table/orders";
const ACTIONS: &[&str] = &["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"];

/// One generated statement, as JSON.
fn statement() -> impl Strategy<Value = serde_json::Value> {
    let effect = prop_oneof![Just("Allow"), Just("Deny")];
    let action = prop_oneof![
        Just(serde_json::json!("dynamodb:*")),
        Just(serde_json::json!("dynamodb:GetItem")),
        Just(serde_json::json!(["dynamodb:PutItem", "dynamodb:Query"])),
        Just(serde_json::json!("dynamodb:*Item")),
    ];
    let resource = prop_oneof![
        Just(serde_json::json!("*")),
        Just(serde_json::json!(TABLE)),
        Just(serde_json::json!("arn:aws:dynamodb:*:*:table/other")),
    ];
    let condition = prop_oneof![
        Just(serde_json::Value::Null),
        Just(serde_json::json!({"StringEquals": {"aws:RequestedRegion": "us-east-1"}})),
        Just(serde_json::json!({"StringNotEquals": {"aws:RequestedRegion": "us-east-1"}})),
        Just(serde_json::json!({"StringEquals": {"aws:PrincipalTag/team": "a"}})),
        Just(serde_json::json!({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})),
        Just(serde_json::json!({"Bool": {"aws:SecureTransport": "false"}})),
        Just(serde_json::json!({"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["t"]}})),
        Just(serde_json::json!({"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/svc/*"}})),
    ];
    (effect, action, resource, condition).prop_map(|(e, a, r, c)| {
        let mut s = serde_json::json!({"Effect": e, "Action": a, "Resource": r});
        if !c.is_null() {
            s["Condition"] = c;
        }
        s
    })
}

fn table_statement() -> impl Strategy<Value = serde_json::Value> {
    let principal = prop_oneof![
        Just(serde_json::json!({"AWS": ROLE})),
        Just(serde_json::json!({"AWS": "111122223333"})),
        Just(serde_json::json!("*")),
    ];
    (statement(), principal).prop_map(|(mut s, p)| {
        s["Principal"] = p;
        s
    })
}

fn doc(statements: &[serde_json::Value]) -> String {
    serde_json::json!({"Version": "2012-10-17", "Statement": statements}).to_string()
}

fn policies(names: &[String], docs: &[Vec<serde_json::Value>], session: bool) -> PrincipalPolicies {
    PrincipalPolicies {
        principal: Principal {
            kind: PrincipalKind::Role,
            name: "app".into(),
            arn: ROLE.into(),
            account: "111122223333".into(),
            partition: "aws".into(),
            session_arn: session.then(|| SESSION.to_string()),
            boundary_arn: None,
            tags: None,
        },
        policies: names
            .iter()
            .zip(docs)
            .map(|(n, d)| FetchedPolicy {
                id: n.clone(),
                name: n.clone(),
                source: PolicySource::Inline {
                    owner_kind: "role".into(),
                    owner: "app".into(),
                },
                text: doc(d),
            })
            .collect(),
        boundary: None,
        groups: vec![],
    }
}

/// The verdict of every action, for these identity policies and table policy.
fn verdicts(
    names: &[String],
    docs: &[Vec<serde_json::Value>],
    table: &[serde_json::Value],
    session: bool,
) -> Vec<Verdict> {
    let p = policies(names, docs, session);
    let rp = FetchedResourcePolicy {
        kind: ResourcePolicyKind::DynamoDbTable,
        resource: TABLE.into(),
        state: if table.is_empty() {
            ResourcePolicyState::Absent
        } else {
            ResourcePolicyState::Document { text: doc(table) }
        },
        owner: None,
    };
    let inputs = prepare(&p, &[rp]).with_request(
        Caller::of(&p.principal, None::<&BTreeMap<String, String>>),
        Setting {
            region: Some("us-east-1".into()),
            epoch_seconds: 1_800_000_000,
            stated: true,
        },
    );
    ACTIONS
        .iter()
        .map(|a| {
            let c = Check {
                feature: "f".into(),
                action: a.to_string(),
                resource: TABLE.into(),
                resource_kind: "table".into(),
                context: vec![],
            };
            inputs.evaluate_check(&c, None).verdict
        })
        .collect()
}

fn names(n: usize, prefix: &str) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i}")).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn adding_a_deny_never_makes_a_pass(
        docs in prop::collection::vec(prop::collection::vec(statement(), 1..4), 1..3),
        table in prop::collection::vec(table_statement(), 0..3),
        deny in statement(),
    ) {
        let n = names(docs.len(), "p");
        let before = verdicts(&n, &docs, &table, false);
        let mut deny = deny;
        deny["Effect"] = serde_json::json!("Deny");
        let mut more = docs.clone();
        more[0].push(deny);
        let after = verdicts(&n, &more, &table, false);
        for (b, a) in before.iter().zip(&after) {
            prop_assert!(*a != Verdict::Pass || *b == Verdict::Pass, "{before:?} -> {after:?}");
        }
    }

    #[test]
    fn removing_an_allow_never_makes_a_pass(
        docs in prop::collection::vec(prop::collection::vec(statement(), 1..4), 1..3),
        table in prop::collection::vec(table_statement(), 0..3),
    ) {
        let n = names(docs.len(), "p");
        let before = verdicts(&n, &docs, &table, false);
        let mut fewer = docs.clone();
        if let Some(i) = fewer[0].iter().position(|s| s["Effect"] == "Allow") {
            fewer[0].remove(i);
        }
        let after = verdicts(&n, &fewer, &table, false);
        for (b, a) in before.iter().zip(&after) {
            prop_assert!(*a != Verdict::Pass || *b == Verdict::Pass, "{before:?} -> {after:?}");
        }
    }

    #[test]
    fn names_never_change_a_verdict(
        docs in prop::collection::vec(prop::collection::vec(statement(), 1..4), 1..3),
        table in prop::collection::vec(table_statement(), 0..3),
    ) {
        let a = verdicts(&names(docs.len(), "p"), &docs, &table, false);
        let b = verdicts(&names(docs.len(), "renamed-"), &docs, &table, false);
        prop_assert_eq!(a, b);
    }

    #[test]
    fn a_session_is_never_allowed_more_than_its_role(
        docs in prop::collection::vec(prop::collection::vec(statement(), 1..4), 1..3),
        table in prop::collection::vec(table_statement(), 0..3),
    ) {
        let n = names(docs.len(), "p");
        let role = verdicts(&n, &docs, &table, false);
        let session = verdicts(&n, &docs, &table, true);
        for (r, s) in role.iter().zip(&session) {
            prop_assert!(*s != Verdict::Pass || *r == Verdict::Pass, "role {role:?}, session {session:?}");
        }
    }
}
