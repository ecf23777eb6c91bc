//! Property tests for the engine laws: adding a Deny or removing an Allow never produces Allowed; making a
//! known context value unknown never produces Allowed, and an Allowed that survives it holds for every value;
//! an open-world Allowed holds whatever the keys not given are; a role (any session of it) is never allowed
//! where one of its sessions is not; statement and policy order do not change the decision; the wildcard
//! matcher agrees with a regex oracle; parsing never panics.

use proptest::prelude::*;
use pydynox_iam::engine::{
    Context, ContextValue, Decision, Evaluation, NamedPolicy, Pattern, PolicyDocument, PolicyKind,
    PolicySet, Request, ResourcePolicyMode, World, evaluate,
};
use serde_json::{Value, json};

const A: &str = "111122223333";
const ROLE: &str = "arn:aws:iam::111122223333:role/app/AppRole";
const SESS: &str = "arn:aws:sts::111122223333:assumed-role/AppRole/s1";
const USER: &str = "arn:aws:iam::111122223333:user/alice";
const TABLE: &str = "arn:aws:dynamodb:us-east-1:111122223333:table/Orders";
const INDEX: &str = "arn:aws:dynamodb:us-east-1:111122223333:table/Orders/index/GSI1";
const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/k1";

fn action() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "dynamodb:GetItem",
        "dynamodb:*",
        "dynamodb:Get*",
        "*",
        "dynamodb:PutItem",
        "kms:Decrypt",
        "kms:*",
    ])
}
fn resource() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "*",
        TABLE,
        "arn:aws:dynamodb:us-east-1:111122223333:table/Orders/index/*",
        "arn:aws:dynamodb:*:*:table/${aws:PrincipalTag/team}",
        "arn:aws:dynamodb:*:*:table/Orders*",
        KEY,
        "arn:aws:dynamodb:*:*:table/${aws:PrincipalTag/missing, 'Orders'}",
    ])
}
fn condition() -> impl Strategy<Value = Option<Value>> {
    prop::sample::select(vec![
        None,
        Some(json!({"StringEquals": {"aws:RequestedRegion": "us-east-1"}})),
        Some(json!({"StringNotEquals": {"aws:RequestedRegion": "us-east-1"}})),
        Some(json!({"Bool": {"aws:SecureTransport": "true"}})),
        Some(json!({"ForAllValues:StringEquals": {"dynamodb:Attributes": ["pk", "sk"]}})),
        Some(json!({"ForAnyValue:StringEquals": {"dynamodb:Attributes": ["pk"]}})),
        Some(json!({"StringFuzzyMatch": {"aws:RequestedRegion": "us-east-1"}})),
        Some(json!({"NumericLessThan": {"s3:max-keys": "10"}})),
        Some(json!({"StringEqualsIfExists": {"aws:SourceVpc": "vpc-1"}})),
        Some(json!({"Null": {"aws:SourceVpc": "true"}})),
        Some(json!({"Null": {"aws:RequestedRegion": "false"}})),
        Some(json!({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}})),
        Some(json!({"StringNotEquals": {"aws:PrincipalTag/team": "${aws:PrincipalTag/other}"}})),
        Some(json!({"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/admin/*"}})),
        Some(json!({"ForAnyValue:StringNotLike": {"dynamodb:Attributes": ["pk", "sk"]}})),
    ])
}
fn principal_el() -> impl Strategy<Value = Value> {
    prop::sample::select(vec![
        json!("*"),
        json!({"AWS": ROLE}),
        json!({"AWS": format!("arn:aws:iam::{A}:root")}),
        json!({"AWS": A}),
        json!({"AWS": SESS}),
        json!({"AWS": [USER, ROLE]}),
        json!({"AWS": "arn:aws:iam::444455556666:root"}),
        json!({"AWS": [ROLE, format!("arn:aws:iam::{A}:root")]}),
        json!({"AWS": [SESS, ROLE, format!("arn:aws:iam::{A}:root")]}),
        json!({"AWS": "arn:aws:sts::111122223333:assumed-role/AppRole/other"}),
    ])
}

fn statement(effect: &'static str, with_principal: bool) -> impl Strategy<Value = Value> {
    (
        action(),
        any::<bool>(),
        resource(),
        any::<bool>(),
        condition(),
        principal_el(),
        any::<bool>(),
    )
        .prop_map(move |(a, not_a, r, not_r, c, p, not_p)| {
            let mut s = serde_json::Map::new();
            s.insert("Effect".into(), json!(effect));
            s.insert(if not_a { "NotAction" } else { "Action" }.into(), json!(a));
            s.insert(
                if not_r { "NotResource" } else { "Resource" }.into(),
                json!(r),
            );
            if let Some(c) = c {
                s.insert("Condition".into(), c);
            }
            if with_principal {
                s.insert(
                    if not_p && effect == "Deny" {
                        "NotPrincipal"
                    } else {
                        "Principal"
                    }
                    .into(),
                    p,
                );
            }
            Value::Object(s)
        })
}
fn any_statement(with_principal: bool) -> impl Strategy<Value = Value> {
    prop_oneof![3 => statement("Allow", with_principal), 1 => statement("Deny", with_principal)]
}
fn document(with_principal: bool) -> impl Strategy<Value = Vec<Value>> {
    prop::collection::vec(any_statement(with_principal), 0..4)
}

#[derive(Debug, Clone)]
struct Scenario {
    identity: Vec<Vec<Value>>,
    boundary: Option<Vec<Value>>,
    resource: Option<(Vec<Value>, ResourcePolicyMode)>,
    request: Request,
}

fn request() -> impl Strategy<Value = Request> {
    (
        prop::sample::select(vec![ROLE, SESS, USER]),
        prop::sample::select(vec![
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "kms:Decrypt",
            "DynamoDB:getitem",
        ]),
        prop::sample::select(vec![TABLE, INDEX, KEY, "*"]),
        prop::collection::vec(
            prop::sample::select(vec![
                ("aws:RequestedRegion", ContextValue::string("us-east-1")),
                ("aws:RequestedRegion", ContextValue::string("eu-west-1")),
                ("aws:SecureTransport", ContextValue::string("true")),
                ("aws:PrincipalTag/team", ContextValue::string("Orders")),
                ("dynamodb:Attributes", ContextValue::list(["pk"])),
                ("dynamodb:Attributes", ContextValue::list(["pk", "secret"])),
                ("s3:max-keys", ContextValue::string("5")),
                ("aws:SourceIp", ContextValue::string("10.1.2.3")),
                ("aws:SourceIp", ContextValue::unknown()),
                ("aws:SourceVpc", ContextValue::maybe_absent()),
                ("dynamodb:Attributes", ContextValue::unknown()),
            ]),
            0..4,
        ),
    )
        .prop_map(|(p, a, r, ctx)| {
            let mut context = Context::new();
            for (k, v) in ctx {
                context.insert(k, v);
            }
            Request {
                principal: p.into(),
                action: a.into(),
                resource: r.into(),
                context,
            }
        })
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        prop::collection::vec(document(false), 0..3),
        prop::option::of(document(false)),
        prop::option::of((
            document(true),
            prop::sample::select(vec![
                ResourcePolicyMode::Standard,
                ResourcePolicyMode::KmsKeyPolicy,
            ]),
        )),
        request(),
    )
        .prop_map(|(identity, boundary, resource, request)| Scenario {
            identity,
            boundary,
            resource,
            request,
        })
}

/// Scenarios aimed at sessions: the identity allows everything, and a resource policy (whose principals
/// name the role, its sessions, the account, ...) decides.
fn session_scenario() -> impl Strategy<Value = Scenario> {
    (
        prop::option::of(document(false)),
        prop::collection::vec(any_statement(true), 1..4),
        request(),
    )
        .prop_map(|(boundary, rp, request)| Scenario {
            identity: vec![vec![
                json!({"Effect": "Allow", "Action": "*", "Resource": "*"}),
            ]],
            boundary,
            resource: Some((rp, ResourcePolicyMode::Standard)),
            request,
        })
}

fn named(id: &str, kind: PolicyKind, stmts: &[Value]) -> NamedPolicy {
    let doc = json!({"Version": "2012-10-17", "Statement": stmts});
    NamedPolicy {
        id: id.into(),
        kind,
        document: PolicyDocument::from_value(&doc).expect("generated policies are valid"),
    }
}

fn run(s: &Scenario) -> Evaluation {
    let identity: Vec<NamedPolicy> = s
        .identity
        .iter()
        .enumerate()
        .map(|(i, d)| named(&format!("id{i}"), PolicyKind::Identity, d))
        .collect();
    let boundary = s
        .boundary
        .as_ref()
        .map(|d| named("boundary", PolicyKind::Boundary, d));
    let resource = s
        .resource
        .as_ref()
        .map(|(d, m)| (named("rp", PolicyKind::Resource, d), *m));
    let set = PolicySet {
        identity: &identity,
        boundary: boundary.as_ref(),
        resource_policy: resource.as_ref().map(|(p, m)| (p, *m)),
        resource_account: None,
        org: None,
    };
    evaluate(&set, &s.request)
}

/// Deterministic shuffle from a seed (Fisher–Yates with an LCG).
fn shuffle<T>(v: &mut [T], seed: &mut u64) {
    for i in (1..v.len()).rev() {
        *seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let j = (*seed >> 33) as usize % (i + 1);
        v.swap(i, j);
    }
}

fn summary(e: &Evaluation) -> (Decision, Vec<String>, bool, usize) {
    let mut missing: Vec<String> = e.missing_context.iter().map(|k| k.to_lowercase()).collect();
    missing.sort();
    (
        e.decision,
        missing,
        e.unsupported.is_empty(),
        e.matched.len(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn adding_a_deny_never_allows(s in scenario(), deny in statement("Deny", false), deny_rp in statement("Deny", true), target in 0usize..4) {
        let before = run(&s);
        let mut t = s.clone();
        match target {
            0 if !t.identity.is_empty() => t.identity[0].push(deny),
            1 if t.boundary.is_some() => t.boundary.as_mut().unwrap().push(deny),
            2 if t.resource.is_some() => t.resource.as_mut().unwrap().0.push(deny_rp),
            _ => t.identity.push(vec![deny]),
        }
        let after = run(&t);
        if before.decision != Decision::Allowed {
            prop_assert_ne!(after.decision, Decision::Allowed, "before {:?}", before);
        }
        if before.decision == Decision::ExplicitDeny {
            prop_assert_eq!(after.decision, Decision::ExplicitDeny);
        }
    }

    #[test]
    fn a_deny_we_cannot_evaluate_never_allows(s in scenario(), op in prop::sample::select(vec!["StringFuzzy", "stringEquals", "NullIfExists", "ForAllValues:Null"])) {
        // Fail safe: a Deny that matches the request but whose condition we cannot evaluate.
        let mut t = s.clone();
        t.identity.push(vec![json!({"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {op: {"aws:SourceIp": "10.0.0.0/8"}}})]);
        let after = run(&t);
        prop_assert_ne!(after.decision, Decision::Allowed);
        prop_assert!(after.decision == Decision::ExplicitDeny || !after.unsupported.is_empty() || after.decision == Decision::ImplicitDeny);
        if run(&s).decision == Decision::Allowed {
            prop_assert_eq!(after.decision, Decision::Indeterminate);
        }
    }

    #[test]
    fn removing_an_allow_never_allows(s in scenario(), which in any::<prop::sample::Index>()) {
        let before = run(&s);
        let mut t = s.clone();
        // Every (policy, statement) slot holding an Allow, in identity, boundary and resource policies.
        let mut slots: Vec<(usize, usize)> = Vec::new();
        for (i, d) in t.identity.iter().enumerate() {
            slots.extend(d.iter().enumerate().filter(|(_, st)| st["Effect"] == "Allow").map(|(j, _)| (i, j)));
        }
        let nb = t.identity.len();
        if let Some(b) = &t.boundary {
            slots.extend(b.iter().enumerate().filter(|(_, st)| st["Effect"] == "Allow").map(|(j, _)| (nb, j)));
        }
        if let Some((r, _)) = &t.resource {
            slots.extend(r.iter().enumerate().filter(|(_, st)| st["Effect"] == "Allow").map(|(j, _)| (nb + 1, j)));
        }
        prop_assume!(!slots.is_empty());
        let (p, j) = slots[which.index(slots.len())];
        if p < nb {
            t.identity[p].remove(j);
        } else if p == nb {
            t.boundary.as_mut().unwrap().remove(j);
        } else {
            t.resource.as_mut().unwrap().0.remove(j);
        }
        let after = run(&t);
        if before.decision != Decision::Allowed {
            prop_assert_ne!(after.decision, Decision::Allowed, "before {:?}", before);
        }
    }

    #[test]
    fn unknown_values_never_allow_more(s in scenario(), which in any::<prop::sample::Index>(), maybe in any::<bool>()) {
        let keys: Vec<String> = s.request.context.iter().map(|(k, _)| k.to_string()).collect();
        prop_assume!(!keys.is_empty());
        let key = keys[which.index(keys.len())].clone();
        let before = run(&s);
        let mut t = s.clone();
        t.request.context.insert(key.clone(), if maybe { ContextValue::maybe_absent() } else { ContextValue::unknown() });
        let after = run(&t);
        if before.decision != Decision::Allowed {
            prop_assert_ne!(after.decision, Decision::Allowed, "before {:?}", before);
        }
        // An Allowed that survives the key becoming unknown holds for every value of it (and without it,
        // when it may be absent).
        if after.decision == Decision::Allowed {
            let values = vec![
                ContextValue::string("us-east-1"),
                ContextValue::string("10.9.9.9"),
                ContextValue::string("true"),
                ContextValue::list(["secret"]),
                ContextValue::list(Vec::<String>::new()),
            ];
            for v in values {
                let mut u = s.clone();
                u.request.context.insert(key.clone(), v.clone());
                let e = run(&u);
                prop_assert_ne!(e.decision, Decision::ExplicitDeny, "`{}` = {:?}", key, v);
                prop_assert_ne!(e.decision, Decision::ImplicitDeny, "`{}` = {:?}", key, v);
            }
            if maybe {
                let mut u = s.clone();
                u.request.context.remove(&key);
                let e = run(&u);
                prop_assert_ne!(e.decision, Decision::ExplicitDeny, "`{}` absent", key);
                prop_assert_ne!(e.decision, Decision::ImplicitDeny, "`{}` absent", key);
            }
        }
    }

    #[test]
    fn open_world_allowed_holds_for_any_keys_not_given(s in scenario(), extra in prop::collection::vec(context_entry(), 1..3)) {
        let mut open = s.clone();
        open.request.context.set_world(World::Open);
        let e = run(&open);
        if e.decision == Decision::Allowed {
            // Whatever keys the real request carries besides those given, AWS's answer is still an allow.
            let mut t = s.clone();
            for (k, v) in extra {
                if t.request.context.get(k).is_none() {
                    t.request.context.insert(k, v);
                }
            }
            let closed = run(&t);
            prop_assert!(
                closed.decision == Decision::Allowed || closed.decision == Decision::Indeterminate,
                "open world said allowed, closed world with more keys says {:?}", closed
            );
        }
    }

    #[test]
    fn a_role_is_never_allowed_where_a_session_of_it_is_not(s in prop_oneof![scenario(), session_scenario()]) {
        // The role ARN stands for any session of the role; the session's aws:PrincipalArn is the role ARN.
        let mut role = s.clone();
        role.request.principal = ROLE.into();
        let mut sess = s.clone();
        sess.request.principal = SESS.into();
        sess.request.context.insert("aws:PrincipalArn", ContextValue::string(ROLE));
        let (r, e) = (run(&role), run(&sess));
        if r.decision == Decision::Allowed {
            prop_assert_eq!(e.decision, Decision::Allowed, "role allowed, session not: {:?}", e);
        }
        // Unless a policy names that very session, a session is never allowed more than its role.
        let names_session = serde_json::to_string(&s.resource).unwrap_or_default().contains("assumed-role");
        if !names_session && e.decision == Decision::Allowed {
            prop_assert_eq!(r.decision, Decision::Allowed, "session allowed, role not: {:?}", r);
        }
    }

    #[test]
    fn order_does_not_matter(s in scenario(), seed in any::<u64>()) {
        let before = run(&s);
        let mut t = s.clone();
        let mut seed = seed;
        for d in &mut t.identity {
            shuffle(d, &mut seed);
        }
        shuffle(&mut t.identity, &mut seed);
        if let Some(b) = t.boundary.as_mut() {
            shuffle(b, &mut seed);
        }
        if let Some((r, _)) = t.resource.as_mut() {
            shuffle(r, &mut seed);
        }
        prop_assert_eq!(summary(&before), summary(&run(&t)));
    }

    #[test]
    fn matcher_agrees_with_regex(pattern in "[ab*?:/]{0,12}", text in "[ab:/]{0,16}", ci in any::<bool>()) {
        let mut re = String::from(if ci { "(?is)^" } else { "(?s)^" });
        for c in pattern.chars() {
            match c {
                '*' => re.push_str(".*"),
                '?' => re.push('.'),
                c => re.push_str(&regex::escape(&c.to_string())),
            }
        }
        re.push('$');
        let oracle = regex::Regex::new(&re).unwrap();
        let text = if ci { text.to_uppercase() } else { text };
        prop_assert_eq!(Pattern::new(&pattern, ci).matches(&text), oracle.is_match(&text), "pattern {:?} text {:?}", pattern, text);
    }

    #[test]
    fn matcher_agrees_with_regex_unicode(pattern in "\\PC{0,8}", text in "\\PC{0,10}") {
        let mut re = String::from("(?s)^");
        for c in pattern.chars() {
            match c {
                '*' => re.push_str(".*"),
                '?' => re.push('.'),
                c => re.push_str(&regex::escape(&c.to_string())),
            }
        }
        re.push('$');
        let oracle = regex::Regex::new(&re).unwrap();
        prop_assert_eq!(Pattern::new(&pattern, false).matches(&text), oracle.is_match(&text));
    }

    #[test]
    fn parse_never_panics_on_strings(s in "\\PC{0,200}") {
        let _ = PolicyDocument::parse(&s);
    }

    #[test]
    fn parse_never_panics_on_values(v in json_value()) {
        let _ = PolicyDocument::from_value(&v);
        let _ = PolicyDocument::parse(&v.to_string());
    }

    #[test]
    fn evaluate_never_panics_on_any_parsed_policy(v in json_value(), r in request()) {
        if let Ok(doc) = PolicyDocument::from_value(&v) {
            for kind in [PolicyKind::Identity, PolicyKind::Boundary, PolicyKind::Resource] {
                let p = NamedPolicy { id: "p".into(), kind, document: doc.clone() };
                let ids = [p.clone()];
                let set = PolicySet { identity: &ids, boundary: Some(&p), resource_policy: Some((&p, ResourcePolicyMode::KmsKeyPolicy)), resource_account: None, org: None };
                let _ = evaluate(&set, &r);
            }
        }
    }
}

fn context_entry() -> impl Strategy<Value = (&'static str, ContextValue)> {
    prop::sample::select(vec![
        ("aws:RequestedRegion", ContextValue::string("us-east-1")),
        ("aws:RequestedRegion", ContextValue::string("eu-west-1")),
        ("aws:SecureTransport", ContextValue::string("true")),
        ("aws:SecureTransport", ContextValue::string("false")),
        ("aws:PrincipalTag/team", ContextValue::string("Orders")),
        ("aws:PrincipalTag/other", ContextValue::string("Orders")),
        ("aws:PrincipalTag/missing", ContextValue::string("Other")),
        ("dynamodb:Attributes", ContextValue::list(["pk"])),
        ("dynamodb:Attributes", ContextValue::list(["secret"])),
        ("s3:max-keys", ContextValue::string("50")),
        ("aws:SourceVpc", ContextValue::string("vpc-1")),
        ("aws:SourceVpc", ContextValue::string("vpc-2")),
        ("aws:SourceIp", ContextValue::string("203.0.113.9")),
    ])
}

/// Arbitrary JSON biased towards the IAM vocabulary so that generated values get deep into the parser.
fn json_value() -> impl Strategy<Value = Value> {
    let key = prop::sample::select(vec![
        "Version",
        "Statement",
        "Sid",
        "Effect",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Principal",
        "NotPrincipal",
        "Condition",
        "AWS",
        "Service",
        "StringEquals",
        "ForAllValues:StringLike",
        "Null",
        "NumericLessThan",
        "aws:SourceIp",
        "Id",
        "x",
    ])
    .prop_map(str::to_string);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        prop::sample::select(vec![
            "2012-10-17",
            "2008-10-17",
            "Allow",
            "Deny",
            "*",
            "dynamodb:*",
            "arn:aws:dynamodb:*:*:table/${aws:username}",
            "${",
            "${a, 'b'}",
            "${*}",
            "true",
            "10.0.0.0/8",
            "",
            "arn:aws:iam::1:root",
        ])
        .prop_map(|s| Value::String(s.to_string())),
        "\\PC{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(key.clone(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}
