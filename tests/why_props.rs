//! Properties of the AccessDenied parser: wrapping a message the way logs carry it (a JSON
//! string at any depth, a Python traceback, a log prefix and suffix, HTML escapes, ANSI colour
//! codes, Python reprs, line wraps) never changes what is extracted from it.

use proptest::prelude::*;
use pydynox_iam::needs::accessdenied::{AccessDenied, parse_all};

const PRINCIPALS: &[&str] = &[
    "arn:aws:sts::123456789012:assumed-role/orders-api/i-0abc",
    "arn:aws:iam::123456789012:role/service-role/orders-api",
    "arn:aws:iam::123456789012:user/ci/deployer",
    "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Dev_0a1b/jane.doe@example.com",
];

/// (action, resource or None for "on this resource"/no clause, quoted like S3)
const CALLS: &[(&str, Option<&str>, bool)] = &[
    (
        "dynamodb:PutItem",
        Some("arn:aws:dynamodb:eu-west-1:123456789012:table/orders"),
        false,
    ),
    (
        "dynamodb:Query",
        Some("arn:aws:dynamodb:eu-west-1:123456789012:table/orders/index/by-customer"),
        false,
    ),
    ("kms:Decrypt", None, false),
    (
        "kms:GenerateDataKey",
        Some("arn:aws:kms:eu-west-1:123456789012:key/0b5c2d1e-1111-4222-8333-444455556666"),
        false,
    ),
    (
        "s3:PutObject",
        Some("arn:aws:s3:::orders-media/avatars/u 17/photo.png"),
        true,
    ),
    (
        "sts:AssumeRole",
        Some("arn:aws:iam::123456789012:role/orders-writer"),
        false,
    ),
    ("dynamodb:ListTables", None, false),
];

const CAUSES: &[&str] = &[
    "",
    " because no identity-based policy allows the ACTION action",
    " with an explicit deny in a service control policy: arn:aws:organizations::999988887777:policy/o-a1b2c3d4e5/service_control_policy/p-abcd1234",
    " with an explicit deny in a sessions policy",
    " because no VPC endpoint policy allows the ACTION action",
    " with an explicit deny in a VPC endpoint policy transitively through a service control policy",
    " because no permissions boundary allows the ACTION action",
    " because the resource does not exist in this Region, no resource-based policies allow access, or a resource-based policy explicitly denies access",
];

fn message(p: usize, c: usize, k: usize) -> String {
    let (action, resource, quoted) = CALLS[c];
    let on = match (resource, action.starts_with("kms:")) {
        (Some(r), _) if quoted => format!(" on resource: \"{r}\""),
        (Some(r), _) => format!(" on resource: {r}"),
        (None, true) => " on this resource".to_string(),
        (None, false) => String::new(),
    };
    format!(
        "User: {} is not authorized to perform: {action}{on}{}",
        PRINCIPALS[p],
        CAUSES[k].replace("ACTION", action)
    )
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

#[derive(Debug, Clone)]
enum Wrap {
    Json,
    Botocore,
    Traceback,
    LogLine,
    Html,
    Ansi,
    PythonRepr,
    Wrapped,
}

fn wrap(s: &str, w: &Wrap) -> String {
    match w {
        Wrap::Json => format!(
            "{{\"level\":\"error\",\"message\":{},\"errorStack\":[\"at x (a.js:1:1)\"]}}",
            json_string(s)
        ),
        Wrap::Botocore => format!(
            "botocore.exceptions.ClientError: An error occurred (AccessDeniedException) when calling the PutItem operation: {s}"
        ),
        Wrap::Traceback => format!(
            "Traceback (most recent call last):\n  File \"/app/svc.py\", line 3, in h\n    m.save()\npydynox.exceptions.AccessDeniedException: {s}\n"
        ),
        Wrap::LogLine => format!("2026-11-30T03:12:44Z ERROR [worker-2] {s} (attempt 3/3)"),
        Wrap::Html => s
            .replace('&', "&amp;")
            .replace('"', "&quot;")
            .replace('\'', "&#39;")
            .replace('<', "&lt;"),
        Wrap::Ansi => format!("\u{1b}[31m{s}\u{1b}[0m"),
        Wrap::PythonRepr => format!("ClientError({s:?})"),
        Wrap::Wrapped => s
            .split(' ')
            .collect::<Vec<_>>()
            .chunks(7)
            .map(|c| c.join(" "))
            .collect::<Vec<_>>()
            .join("\n    "),
    }
}

fn wraps() -> impl Strategy<Value = Vec<Wrap>> {
    prop::collection::vec(
        prop_oneof![
            Just(Wrap::Json),
            Just(Wrap::Botocore),
            Just(Wrap::Traceback),
            Just(Wrap::LogLine),
            Just(Wrap::Html),
            Just(Wrap::Ansi),
            Just(Wrap::PythonRepr),
            Just(Wrap::Wrapped),
        ],
        1..6,
    )
}

/// What must not change: who, what, on what, why.
fn essence(ad: &AccessDenied) -> impl PartialEq + std::fmt::Debug + use<> {
    (
        ad.shape,
        ad.principal.clone(),
        ad.action.clone(),
        ad.resource.clone(),
        ad.cause.clone(),
        ad.through.clone(),
        ad.denying_policy.clone(),
        ad.invalid.clone(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn wrapping_never_changes_what_is_extracted(
        p in 0..PRINCIPALS.len(),
        c in 0..CALLS.len(),
        k in 0..CAUSES.len(),
        ws in wraps(),
    ) {
        let plain = message(p, c, k);
        let want = parse_all(&plain).unwrap();
        prop_assert_eq!(want.len(), 1);
        let mut text = plain.clone();
        for w in &ws {
            text = wrap(&text, w);
        }
        let got = parse_all(&text).unwrap();
        prop_assert_eq!(got.len(), 1, "{}", text);
        prop_assert_eq!(essence(&got[0]), essence(&want[0]), "{}", text);
    }

    #[test]
    fn several_messages_are_each_read_in_order(
        a in (0..PRINCIPALS.len(), 0..CALLS.len(), 0..CAUSES.len()),
        b in (0..PRINCIPALS.len(), 0..CALLS.len(), 0..CAUSES.len()),
        ws in wraps(),
    ) {
        let (m1, m2) = (message(a.0, a.1, a.2), message(b.0, b.1, b.2));
        prop_assume!(m1 != m2);
        let mut text = format!("{}\n{}", wrap(&m1, &Wrap::LogLine), wrap(&m2, &Wrap::LogLine));
        for w in &ws {
            text = wrap(&text, w);
        }
        let got = parse_all(&text).unwrap();
        prop_assert_eq!(got.len(), 2, "{}", text);
        prop_assert_eq!(essence(&got[0]), essence(&parse_all(&m1).unwrap()[0]), "{}", text);
        prop_assert_eq!(essence(&got[1]), essence(&parse_all(&m2).unwrap()[0]), "{}", text);
    }

    #[test]
    fn any_text_is_read_or_refused_without_a_panic(s in "\\PC{0,400}") {
        let _ = parse_all(&s);
    }
}
