//! Fuzzes the policy parser and, on the same input, the AccessDenied parser and `why`'s
//! explanation: any input must give a document or a located error, never a panic; a parsed
//! document must evaluate. The AccessDenied parser also gets the input behind the openings of
//! each message shape and nested in a JSON string, so that its deeper paths (actions,
//! resources, causes, validation, unescaping) are reached; every message read is explained.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pydynox_iam::engine::{Context, NamedPolicy, PolicyDocument, PolicyKind, PolicySet, Request, evaluate};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    access_denied(text);
    let Ok(doc) = PolicyDocument::parse(text) else { return };
    for kind in [PolicyKind::Identity, PolicyKind::Boundary, PolicyKind::Resource] {
        let Ok(policy) = NamedPolicy::new("fuzz", kind, doc.clone()) else { continue };
        let identity = [policy];
        let set = PolicySet { identity: &identity, boundary: None, resource_policy: None, resource_account: None, org: None };
        let req = Request {
            principal: "arn:aws:iam::111122223333:role/app".into(),
            action: "dynamodb:GetItem".into(),
            resource: "arn:aws:dynamodb:us-east-1:111122223333:table/users".into(),
            context: Context::new(),
        };
        let _ = evaluate(&set, &req);
    }
});

/// The AccessDenied parser on `text`, behind each shape's opening and as a JSON string.
fn access_denied(text: &str) {
    use pydynox_iam::commands::why::{Supplied, describe};
    let cat = pydynox_iam::needs::catalogue::Catalogue::embedded_ref();
    let version = cat.newest();
    let openings = [
        "",
        "User: arn:aws:sts::123456789012:assumed-role/app/s is not authorized to perform: ",
        "User: arn:aws:sts::123456789012:assumed-role/app/s is not authorized to perform: dynamodb:PutItem on resource: ",
        "User: arn:aws:iam::123456789012:user/u is not authorized to perform: s3:GetObject on resource: \"arn:aws:s3:::b/k\" with an explicit deny in ",
        "An error occurred (AccessDenied) when calling the GetObject operation: ",
    ];
    for opening in openings {
        let plain = format!("{opening}{text}");
        let json = format!("{{\"errorMessage\":{:?}}}", plain);
        for t in [plain, json] {
            if let Ok(all) = pydynox_iam::needs::accessdenied::parse_all(&t) {
                for ad in &all {
                    let _ = describe(cat, &version, ad, &Supplied::default());
                }
            }
        }
    }
}
