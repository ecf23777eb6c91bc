//! `why` on the corpus of AccessDenied texts in tests/why/corpus/ (written for these tests):
//! every shape AWS and the SDKs print, in the wrappers logs carry them in. Each case says what
//! must be extracted and what the explanation must say; every flag an explanation names must
//! be one `why` accepts.

use std::collections::BTreeSet;
use std::path::Path;

use clap::CommandFactory;
use pydynox_iam::commands::why::{Supplied, describe};
use pydynox_iam::needs::accessdenied::{AccessDenied, parse_all};
use pydynox_iam::needs::catalogue::Catalogue;
use pydynox_iam::report::why::{Explanation, explanations_json, explanations_text};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    text: String,
    shape: String,
    principal: Option<String>,
    action: Option<String>,
    resource: Option<String>,
    cause: String,
    through: Option<String>,
    service: Option<String>,
    error_code: Option<String>,
    operation: Option<String>,
    denying_policy: Option<String>,
    #[serde(default)]
    invalid: Vec<String>,
    evaluated: Option<bool>,
    #[serde(default = "one")]
    messages: usize,
    #[serde(default)]
    also_actions: Vec<String>,
    #[serde(default)]
    explain: Vec<String>,
    #[serde(default)]
    not_explain: Vec<String>,
}

fn one() -> usize {
    1
}

#[derive(Debug, Deserialize)]
struct Corpus {
    case: Vec<Case>,
}

fn load() -> Vec<Case> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/why/corpus");
    let mut cases = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read_to_string(&path).unwrap();
            let c: Corpus =
                toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            cases.extend(c.case);
        }
    }
    cases
}

/// The cause as the corpus writes it: `kind` or `kind:source`.
pub fn cause_key(ad: &AccessDenied) -> String {
    match serde_json::to_value(&ad.cause).unwrap() {
        serde_json::Value::String(s) => s,
        serde_json::Value::Object(m) => {
            let (k, v) = m.into_iter().next().unwrap();
            match v {
                serde_json::Value::String(s) => format!("{k}:{s}"),
                other => format!("{k}:{other}"),
            }
        }
        other => other.to_string(),
    }
}

fn shape_key(ad: &AccessDenied) -> String {
    serde_json::to_value(ad.shape)
        .unwrap()
        .as_str()
        .unwrap()
        .to_string()
}

fn invalid_keys(ad: &AccessDenied) -> Vec<String> {
    ad.invalid
        .iter()
        .map(|i| {
            let kind = serde_json::to_value(&i.problem).unwrap()["kind"]
                .as_str()
                .unwrap()
                .to_string();
            format!("{}:{kind}", i.field)
        })
        .collect()
}

/// The explanations of a text, as `why` builds them before reading any policy.
fn explain(text: &str, supplied: &Supplied) -> Vec<Explanation> {
    let cat = Catalogue::embedded();
    let version = cat.newest();
    parse_all(text)
        .unwrap()
        .iter()
        .map(|ad| describe(&cat, &version, ad, supplied))
        .collect()
}

fn render(all: &[Explanation]) -> String {
    let mut out = Vec::new();
    explanations_text(&mut out, all).unwrap();
    String::from_utf8(out).unwrap()
}

/// The long flags `why` accepts, from its clap definition.
fn why_flags() -> BTreeSet<String> {
    let cmd = pydynox_iam::cli::Cli::command();
    let why = cmd.find_subcommand("why").expect("a `why` subcommand");
    why.get_arguments()
        .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
        .chain(
            cmd.get_arguments()
                .filter(|a| a.is_global_set())
                .filter_map(|a| a.get_long().map(|l| format!("--{l}"))),
        )
        .chain(["--help".to_string()])
        .collect()
}

/// Every `--flag` a text names, outside the commands of other tools it quotes
/// (`` `aws cloudtrail lookup-events --lookup-attributes ...` ``).
fn flags_in(text: &str) -> BTreeSet<String> {
    let other_tools = regex::Regex::new(r"`aws [^`]*`").unwrap();
    let text = other_tools.replace_all(text, "");
    let re = regex::Regex::new(r"(?:^|[\s(`])(--[a-z][a-z0-9-]*)").unwrap();
    re.captures_iter(&text).map(|c| c[1].to_string()).collect()
}

#[test]
fn the_corpus_is_read_and_explained() {
    let cases = load();
    assert!(cases.len() >= 150, "only {} cases", cases.len());
    let flags = why_flags();
    let mut failures = Vec::new();
    for c in &cases {
        let mut fail = |what: String| failures.push(format!("{}: {what}", c.name));
        let all = match parse_all(&c.text) {
            Ok(all) => all,
            Err(e) => {
                fail(format!("not read: {e}"));
                continue;
            }
        };
        if all.len() != c.messages {
            fail(format!(
                "{} messages, expected {}: {all:#?}",
                all.len(),
                c.messages
            ));
            continue;
        }
        let ad = &all[0];
        let checks: [(&str, Option<String>, Option<String>); 9] = [
            ("shape", Some(shape_key(ad)), Some(c.shape.clone())),
            ("principal", ad.principal.clone(), c.principal.clone()),
            ("action", ad.action.clone(), c.action.clone()),
            ("resource", ad.resource.clone(), c.resource.clone()),
            ("cause", Some(cause_key(ad)), Some(c.cause.clone())),
            ("service", ad.service.clone(), c.service.clone()),
            ("error_code", ad.error_code.clone(), c.error_code.clone()),
            ("operation", ad.operation.clone(), c.operation.clone()),
            (
                "denying_policy",
                ad.denying_policy.clone(),
                c.denying_policy.clone(),
            ),
        ];
        for (what, got, want) in checks {
            if got != want {
                fail(format!("{what}: got {got:?}, expected {want:?}"));
            }
        }
        let through = ad.through.as_ref().map(|t| {
            serde_json::to_value(t)
                .unwrap()
                .as_str()
                .unwrap()
                .to_string()
        });
        if through != c.through {
            fail(format!(
                "through: got {through:?}, expected {:?}",
                c.through
            ));
        }
        if invalid_keys(ad) != c.invalid {
            fail(format!(
                "invalid: got {:?}, expected {:?}",
                invalid_keys(ad),
                c.invalid
            ));
        }
        for (n, want) in c.also_actions.iter().enumerate() {
            let got = all[n + 1].action.clone().unwrap_or_default();
            if &got != want {
                fail(format!(
                    "message {}: action {got:?}, expected {want:?}",
                    n + 2
                ));
            }
        }
        let explained = explain(&c.text, &Supplied::default());
        if let Some(want) = c.evaluated
            && explained[0].evaluated.is_some() != want
        {
            fail(format!(
                "evaluated: got {:?}, expected {want}",
                explained[0].evaluated
            ));
        }
        let text = render(&explained);
        for part in &c.explain {
            if !text.contains(part.as_str()) {
                fail(format!("the explanation lacks `{part}`:\n{text}"));
            }
        }
        for part in &c.not_explain {
            if text.contains(part.as_str()) {
                fail(format!("the explanation says `{part}`:\n{text}"));
            }
        }
        // A value reported as unusable is never evaluated.
        for e in &explained {
            for inv in &e.access_denied.invalid {
                if let Some(ev) = &e.evaluated
                    && [&ev.principal, &ev.action, &ev.resource].contains(&&inv.value)
                {
                    fail(format!("`{}` is invalid but evaluated", inv.value));
                }
            }
            if let Some(ev) = &e.evaluated
                && ev.resource != "*"
                && !ev.resource.starts_with("arn:")
            {
                fail(format!("evaluates `{}`, not an ARN", ev.resource));
            }
        }
        // Every flag the explanation names is one `why` accepts.
        let mut json = Vec::new();
        explanations_json(&mut json, &explained).unwrap();
        let json = String::from_utf8(json).unwrap();
        for f in flags_in(&text).union(&flags_in(&json)) {
            if !flags.contains(f) {
                fail(format!("names `{f}`, which `why` does not accept"));
            }
        }
        // Each message is explained (and only one has a schema-level object).
        if text.matches("AccessDenied").count() < c.messages {
            fail(format!("not every message is explained:\n{text}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

#[test]
fn the_flags_complete_a_partial_message() {
    let key = "arn:aws:kms:us-east-1:123456789012:key/0b5c2d1e-1111-4222-8333-444455556666";
    let role = "arn:aws:iam::123456789012:role/orders-api";
    let text = "An error occurred (AccessDeniedException) when calling the Decrypt operation: The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.";
    let partial = &explain(text, &Supplied::default())[0];
    assert!(partial.evaluated.is_none());
    let supplied = Supplied {
        principal: Some(role.into()),
        kms_key: Some(key.into()),
        ..Supplied::default()
    };
    let done = &explain(text, &supplied)[0];
    let ev = done.evaluated.as_ref().expect("evaluated with the flags");
    assert_eq!(
        (
            ev.principal.as_str(),
            ev.action.as_str(),
            ev.resource.as_str()
        ),
        (role, "kms:Decrypt", key)
    );
    // A resource of the wrong kind for the action is not evaluated.
    let s3 = "An error occurred (AccessDenied) when calling the GetObject operation: Access Denied";
    let wrong = Supplied {
        principal: Some(role.into()),
        resource: Some("arn:aws:dynamodb:us-east-1:123456789012:table/orders".into()),
        ..Supplied::default()
    };
    let e = &explain(s3, &wrong)[0];
    assert!(e.evaluated.is_none(), "{:?}", e.evaluated);
    let right = Supplied {
        resource: Some("arn:aws:s3:::orders-media/a/b.png".into()),
        ..wrong
    };
    let e = &explain(s3, &right)[0];
    assert_eq!(e.evaluated.as_ref().unwrap().action, "s3:GetObject");
}

/// The usage errors `why` prints for bad flag values name only flags `why` accepts.
#[test]
fn usage_errors_name_only_flags_why_accepts() {
    let bad = Supplied {
        principal: Some("orders-api".into()),
        action: Some("s3:GetObjekt".into()),
        resource: Some("orders".into()),
        kms_key: Some("alias/orders".into()),
    };
    let message = bad.validate().unwrap_err();
    let named = flags_in(&message);
    assert_eq!(named.len(), 4, "{message}");
    let flags = why_flags();
    for f in named {
        assert!(flags.contains(&f), "`{f}` is not a flag of why: {message}");
    }
}
