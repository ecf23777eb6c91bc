//! Inputs kept from fuzzing the policy parser (tests/fuzz, `make fuzz`) and hand-made
//! hostile ones: each must give a document or a located error, never a panic, and a parsed
//! one must evaluate without granting what it does not grant.

use std::path::Path;

use pydynox_iam::engine::{
    Context, Decision, NamedPolicy, PolicyDocument, PolicyKind, PolicySet, Request, evaluate,
};

/// The AccessDenied parser and `why`'s explanation on a text: never a panic.
fn access_denied(text: &str) -> usize {
    use pydynox_iam::commands::why::{Supplied, describe};
    let cat = pydynox_iam::needs::catalogue::Catalogue::embedded_ref();
    let version = cat.newest();
    let all = pydynox_iam::needs::accessdenied::parse_all(text).unwrap_or_default();
    for ad in &all {
        let _ = describe(cat, &version, ad, &Supplied::default());
    }
    all.len()
}

fn outcome(text: &str) -> Result<Decision, String> {
    let _ = access_denied(text);
    let doc = PolicyDocument::parse(text).map_err(|e| e.to_string())?;
    let policy = NamedPolicy::new("fuzz", PolicyKind::Identity, doc).map_err(|e| e.to_string())?;
    let identity = [policy];
    let set = PolicySet {
        identity: &identity,
        boundary: None,
        resource_policy: None,
        resource_account: None,
        org: None,
    };
    let req = Request {
        principal: "arn:aws:iam::111122223333:role/app".into(),
        action: "dynamodb:GetItem".into(),
        resource: "arn:aws:dynamodb:us-east-1:111122223333:table/users".into(),
        context: Context::new(),
    };
    Ok(evaluate(&set, &req).decision)
}

#[test]
fn kept_inputs_never_panic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz/regressions");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let result = std::panic::catch_unwind(|| outcome(&text));
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let result = result.unwrap_or_else(|_| panic!("{name}: the parser panicked"));
        match name.as_str() {
            "unterminated.json" | "deep-nesting.json" | "lone-surrogate.json" => {
                assert!(result.is_err(), "{name}: {result:?}")
            }
            // Allows `*` on an S3 ARN only: it must not grant a DynamoDB table.
            "odd-values.json" => assert!(
                !matches!(result, Ok(Decision::Allowed)),
                "{name}: {result:?}"
            ),
            _ => {}
        }
        seen += 1;
    }
    assert!(
        seen >= 4,
        "the regression inputs are missing from {}",
        dir.display()
    );
}

/// Kept hostile inputs for the AccessDenied parser (tests/fuzz/regressions/access-denied-*):
/// escapes cut in the middle, invalid code points, unterminated ANSI sequences, deep nesting,
/// characters of several bytes beside the anchors. Each must be read or refused without a
/// panic; the ones named `*-reads-*` hold a message that must still be found.
#[test]
fn kept_access_denied_inputs_never_panic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz/regressions");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.starts_with("access-denied-") {
            continue;
        }
        let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
        let read = std::panic::catch_unwind(|| access_denied(&text))
            .unwrap_or_else(|_| panic!("{name}: the AccessDenied parser panicked"));
        if name.contains("-reads-") {
            assert!(read >= 1, "{name}: no message read");
        }
        seen += 1;
    }
    assert!(
        seen >= 5,
        "the AccessDenied regression inputs are missing from {}",
        dir.display()
    );
}
