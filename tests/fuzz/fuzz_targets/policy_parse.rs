//! Fuzzes the policy parser (and, on the same input, the AccessDenied parser): any input must
//! give a document or a located error, never a panic; a parsed document must evaluate.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pydynox_iam::engine::{Context, NamedPolicy, PolicyDocument, PolicyKind, PolicySet, Request, evaluate};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = pydynox_iam::needs::accessdenied::parse(text);
    let Ok(doc) = PolicyDocument::parse(text) else { return };
    for kind in [PolicyKind::Identity, PolicyKind::Boundary, PolicyKind::Resource] {
        let Ok(policy) = NamedPolicy::new("fuzz", kind, doc.clone()) else { continue };
        let identity = [policy];
        let set = PolicySet { identity: &identity, boundary: None, resource_policy: None, resource_account: None };
        let req = Request {
            principal: "arn:aws:iam::111122223333:role/app".into(),
            action: "dynamodb:GetItem".into(),
            resource: "arn:aws:dynamodb:us-east-1:111122223333:table/users".into(),
            context: Context::new(),
        };
        let _ = evaluate(&set, &req);
    }
});
