//! Conformance cases: every `tests/conformance/*.json` file is a list of cases (policies + request →
//! expected decision, matched statements, missing context, reason codes). All failures are reported at once.
//!
//! Case format (unknown fields are rejected):
//! `name` (unique), `cite` (the AWS doc page / rule it encodes), `identity_policies` `[{name, document}]`,
//! optional `boundary` / `resource_policy` `{name, document}`, `resource_policy_mode` (`standard` |
//! `kms_key_policy`), `resource_account`, `world` (`closed` | `open`, default closed), `symbolic` (parse the
//! policies with `PolicyDocument::from_value_symbolic`), `request` `{principal, action, resource, context}`
//! where context values are `"v"`, `true`, `3`, `["a","b"]`, `{"type": "date", "value": ...}` /
//! `{"type": "stringList", "values": [...]}` or `{"unknown": "present" | "maybe_absent"}`, and `expect`
//! `{decision, matched?: [{policy, statement}], missing_context?: [...], unknown_context?: [...],
//! unknown_values?: [...], unsupported?: bool, reasons?: [codes that must appear]}`. `matched` and the
//! key lists are exact (as sets); omitted means "not checked". `org` gives the organization's SCPs and
//! RCPs in `--org-policies-file`'s layout (`pydynox_iam::grants::org::OrgPolicies`).

use pydynox_iam::engine::{
    Decision, NamedPolicy, PolicyDocument, PolicyKind, PolicySet, Request, ResourcePolicyMode,
    World, evaluate,
};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::path::Path;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Policy {
    name: String,
    document: serde_json::Value,
}

#[derive(Deserialize, PartialEq, Eq, PartialOrd, Ord, Debug, Clone)]
#[serde(deny_unknown_fields)]
struct Matched {
    policy: String,
    statement: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    decision: Decision,
    /// Exact set of matched statements, when given.
    matched: Option<Vec<Matched>>,
    /// Exact set of missing context keys, when given.
    missing_context: Option<Vec<String>>,
    /// Exact set of unknown context keys the decision depended on, when given.
    unknown_context: Option<Vec<String>>,
    /// Exact set of symbolic parts the decision depended on, when given.
    unknown_values: Option<Vec<String>>,
    /// Whether `unsupported` is non-empty, when given.
    unsupported: Option<bool>,
    /// Reason codes that must all appear.
    reasons: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    cite: String,
    #[serde(default)]
    identity_policies: Vec<Policy>,
    boundary: Option<Policy>,
    resource_policy: Option<Policy>,
    resource_policy_mode: Option<ResourcePolicyMode>,
    resource_account: Option<String>,
    #[serde(default)]
    world: World,
    #[serde(default)]
    symbolic: bool,
    /// The organization's SCPs and RCPs, in `--org-policies-file`'s layout.
    org: Option<pydynox_iam::grants::org::OrgPolicies>,
    request: Request,
    expect: Expect,
}

fn named(p: &Policy, kind: PolicyKind, symbolic: bool) -> Result<NamedPolicy, String> {
    let parsed = if symbolic {
        PolicyDocument::from_value_symbolic(&p.document)
    } else {
        PolicyDocument::from_value(&p.document)
    };
    let document = parsed.map_err(|e| format!("policy `{}`: {e}", p.name))?;
    Ok(NamedPolicy {
        id: p.name.clone().into(),
        kind,
        document,
    })
}

fn run_case(c: &Case) -> Result<(), String> {
    if c.cite.trim().is_empty() {
        return Err("missing `cite`".into());
    }
    let identity = c
        .identity_policies
        .iter()
        .map(|p| named(p, PolicyKind::Identity, c.symbolic))
        .collect::<Result<Vec<_>, _>>()?;
    let boundary = c
        .boundary
        .as_ref()
        .map(|p| named(p, PolicyKind::Boundary, c.symbolic))
        .transpose()?;
    let resource = c
        .resource_policy
        .as_ref()
        .map(|p| named(p, PolicyKind::Resource, c.symbolic))
        .transpose()?;
    let org = c
        .org
        .as_ref()
        .map(|o| o.to_engine().map_err(|e| e.to_string()))
        .transpose()?;
    let set = PolicySet {
        identity: &identity,
        boundary: boundary.as_ref(),
        resource_policy: resource.as_ref().map(|p| {
            (
                p,
                c.resource_policy_mode
                    .unwrap_or(ResourcePolicyMode::Standard),
            )
        }),
        resource_account: c.resource_account.clone(),
        org: org.as_ref(),
    };
    let mut request = c.request.clone();
    request.context.set_world(c.world);
    let got = evaluate(&set, &request);
    let mut errs = Vec::new();
    if got.decision != c.expect.decision {
        errs.push(format!(
            "decision: got {:?}, want {:?}",
            got.decision, c.expect.decision
        ));
    }
    if let Some(want) = &c.expect.matched {
        let want: BTreeSet<Matched> = want.iter().cloned().collect();
        let have: BTreeSet<Matched> = got
            .matched
            .iter()
            .map(|m| Matched {
                policy: m.policy.to_string(),
                statement: m.statement,
            })
            .collect();
        if want != have {
            errs.push(format!("matched: got {have:?}, want {want:?}"));
        }
    }
    for (what, want, have) in [
        (
            "missing_context",
            &c.expect.missing_context,
            &got.missing_context,
        ),
        (
            "unknown_context",
            &c.expect.unknown_context,
            &got.unknown_context,
        ),
        (
            "unknown_values",
            &c.expect.unknown_values,
            &got.unknown_values,
        ),
    ] {
        if let Some(want) = want {
            let want: BTreeSet<String> = want.iter().map(|s| s.to_lowercase()).collect();
            let have: BTreeSet<String> = have.iter().map(|s| s.to_lowercase()).collect();
            if want != have {
                errs.push(format!("{what}: got {have:?}, want {want:?}"));
            }
        }
    }
    if let Some(want) = c.expect.unsupported
        && want == got.unsupported.is_empty()
    {
        errs.push(format!(
            "unsupported: got {:?}, want non-empty = {want}",
            got.unsupported
        ));
    }
    if let Some(want) = &c.expect.reasons {
        let codes: Vec<String> = got
            .reasons
            .iter()
            .filter_map(|r| {
                serde_json::to_value(r)
                    .ok()?
                    .get("code")?
                    .as_str()
                    .map(str::to_string)
            })
            .collect();
        for w in want {
            if !codes.contains(w) {
                errs.push(format!("reason `{w}` missing from {codes:?}"));
            }
        }
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}\n      reasons: {:?}",
            errs.join("\n      "),
            got.reasons
        ))
    }
}

#[test]
fn conformance_cases() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/conformance exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut failures = Vec::new();
    let mut names = BTreeSet::new();
    let mut total = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).expect("readable");
        let fname = f
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let cases: Vec<Case> = match serde_json::from_str(&text) {
            Ok(c) => c,
            Err(e) => {
                failures.push(format!("{fname}: cannot load: {e}"));
                continue;
            }
        };
        for c in &cases {
            total += 1;
            if !names.insert(c.name.clone()) {
                failures.push(format!("{fname}: duplicate case name `{}`", c.name));
            }
            if let Err(e) = run_case(c) {
                failures.push(format!("{fname}: `{}`\n      {e}", c.name));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} conformance cases failed:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
    assert!(
        total >= 200,
        "expected at least 200 conformance cases, found {total}"
    );
    eprintln!("{total} conformance cases passed");
}
