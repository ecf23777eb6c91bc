//! Verdicts for a principal as infrastructure code will create it, before deploy: evaluates
//! every check with the local engine over [`IacGrants`] and never passes on a guess. Pure: no
//! AWS, no I/O.
//!
//! # The rule: the worst case must pass
//! What the input leaves open only ever adds policies to the principal's set, each with Allow
//! and Deny statements: a policy that *may* be attached, a document that is not known (a
//! managed policy only referenced, an attachment that cannot be resolved), policies attached
//! outside the input to a principal it does not create. An Allow can only turn a deny into an
//! allow and a Deny only an allow into a deny (reference_policies_evaluation-logic: explicit
//! deny wins; an allow is needed), so every possible set lies between two evaluations:
//! - the *worst case*: the certain policies, the Deny statements of the possible ones, and a
//!   `Deny *` for each unknown document (it may deny anything);
//! - the *best case*: the certain policies, the Allow statements of the possible ones, and an
//!   `Allow *` for each unknown document (a boundary not known is left out: no cap).
//!
//! A row passes only when the worst case passes, fails only when the best case fails, and is
//! INCONCLUSIVE otherwise, naming what was left open. Values known only after deploy inside
//! a policy or a resource are decided by the engine three-valued: a match that depends on them
//! is not a match for an Allow and may be one for a Deny.

use serde_json::{Value as J, json};

use crate::grants::iac::held::{Doubt, IacGrants};
use crate::grants::model::{
    FetchedPolicy, FetchedResourcePolicy, PolicySource, PrincipalPolicies, ResourcePolicyKind,
    ResourcePolicyState,
};
use crate::needs::catalogue::Catalogue;
use crate::needs::plan::Check;
use crate::report::model::{Evidence, ReasonCode, Report, Row, SCHEMA, Verdict};
use crate::verdict::fix::feature_fix;
use crate::verdict::local::{LocalVerdict, prepare_symbolic};

/// What one principal is checked for.
pub struct IacSubject<'a> {
    pub grants: &'a IacGrants,
    pub checks: Vec<Check>,
    /// The bucket of S3 checks (encoded).
    pub bucket: Option<String>,
    /// The bucket's owner account, stated.
    pub bucket_owner: Option<String>,
    /// Why the bucket's default encryption may be SSE-KMS, when the input does not rule it out.
    /// Object calls on such a bucket also need `kms:GenerateDataKey` (put) and `kms:Decrypt`
    /// (get) on its key; the pre-deploy check does not add those key rows, so no S3 object row
    /// may pass while this is set.
    pub bucket_encryption_doubt: Option<String>,
    pub region: String,
    pub pydynox_version: String,
    pub notes: Vec<String>,
    /// The organization's SCPs and RCPs (`--org-policies-file`), evaluated on every row.
    pub org: Option<crate::engine::OrgPolicies>,
}

/// A document with only the statements of one effect (`Allow` or `Deny`).
fn only_effect(text: &str, effect: &str) -> String {
    let Ok(mut doc) = serde_json::from_str::<J>(text) else {
        return text.to_string();
    };
    if let Some(st) = doc.get_mut("Statement") {
        let keep = |s: &J| s.get("Effect").and_then(J::as_str) == Some(effect);
        *st = match st.take() {
            J::Array(a) => J::Array(a.into_iter().filter(keep).collect()),
            one if keep(&one) => J::Array(vec![one]),
            _ => J::Array(vec![]),
        };
    }
    doc.to_string()
}

fn synthetic(id: &str, effect: &str, why: &str) -> FetchedPolicy {
    FetchedPolicy {
        id: id.into(),
        name: id.into(),
        source: PolicySource::Inline {
            owner_kind: "unknown".into(),
            owner: why.into(),
        },
        text: json!({"Version": "2012-10-17", "Statement": [
            {"Effect": effect, "Action": "*", "Resource": "*"}
        ]})
        .to_string(),
    }
}

/// The three policy sets of a principal: certain, worst, best.
fn cases(g: &IacGrants) -> (PrincipalPolicies, PrincipalPolicies, PrincipalPolicies) {
    let certain = g.held.clone();
    let open = !g.unknown.is_empty() || g.may_have_more.is_some() || g.boundary_unknown.is_some();
    let mut worst = g.held.clone();
    let mut best = g.held.clone();
    for p in &g.possible {
        let mut d = p.policy.clone();
        d.text = only_effect(&p.policy.text, "Deny");
        worst.policies.push(d);
        let mut a = p.policy.clone();
        a.text = only_effect(&p.policy.text, "Allow");
        best.policies.push(a);
    }
    if open {
        worst.policies.push(synthetic(
            "what-the-input-leaves-open",
            "Deny",
            "worst case",
        ));
        if !g.unknown.is_empty() || g.may_have_more.is_some() {
            best.policies.push(synthetic(
                "what-the-input-leaves-open",
                "Allow",
                "best case",
            ));
        }
        if g.boundary_unknown.is_some() {
            best.boundary = None;
        }
    }
    (certain, worst, best)
}

/// Every doubt of the principal, for a reason.
fn doubts(g: &IacGrants) -> Vec<(ReasonCode, String)> {
    let mut out = Vec::new();
    let fmt = |d: &Doubt| format!("{}: {}", d.what, d.why);
    for d in &g.unknown {
        out.push((ReasonCode::PolicyNotKnown, fmt(d)));
    }
    if let Some(d) = &g.boundary_unknown {
        out.push((ReasonCode::PolicyNotKnown, fmt(d)));
    }
    for p in &g.possible {
        out.push((
            ReasonCode::PossiblyAttached,
            format!("policy `{}`: {}", p.policy.name, p.why),
        ));
    }
    if let Some(d) = &g.may_have_more {
        out.push((
            ReasonCode::PolicyNotKnown,
            format!(
                "{} may hold policies attached outside the input ({}); with credentials (--engine aws) they are read from IAM",
                d.what, d.why
            ),
        ));
    }
    out
}

/// Evaluates every check and builds the report.
pub fn evaluate(cat: &Catalogue, s: IacSubject<'_>) -> Report {
    let g = s.grants;
    let (certain, worst, best) = cases(g);
    let rps = &g.resource_policies;
    let prep = |pp: &PrincipalPolicies| {
        prepare_symbolic(pp, rps)
            .with_org(s.org.clone())
            .with_bucket_owner(s.bucket_owner.clone())
    };
    let (l_certain, l_worst, l_best) = (prep(&certain), prep(&worst), prep(&best));
    let open = doubts(g);
    let bucket = s.bucket.as_deref();
    let show = |x: &str| g.encoder.show(x);
    let mut rows = Vec::new();
    for c in &s.checks {
        let vc = l_certain.evaluate_check(c, bucket);
        let vw = l_worst.evaluate_check(c, bucket);
        let vb = l_best.evaluate_check(c, bucket);
        let (mut verdict, mut code, mut reason, ev) = decide(&vc, &vw, &vb, &open, g);
        if verdict == Verdict::Pass
            && c.resource_kind == "s3-object"
            && let Some(why) = &s.bucket_encryption_doubt
        {
            verdict = Verdict::Inconclusive;
            code = ReasonCode::BucketEncryptionUnreadable;
            reason = format!("{reason}, but {why}");
        }
        let mut evidence = Evidence {
            local: Some(ev),
            ..Evidence::default()
        };
        if let Some(l) = &mut evidence.local {
            for m in &mut l.matched {
                m.policy = show(&m.policy);
            }
        }
        rows.push(Row {
            feature: c.feature.clone(),
            action: c.action.clone(),
            resource: show(&c.resource),
            verdict,
            code,
            reason: g.encoder.show_rendered(&reason),
            context: c.context.clone(),
            evidence,
            waived: None,
            locations: Vec::new(),
        });
    }
    let shown_checks: Vec<Check> = s
        .checks
        .iter()
        .map(|c| Check {
            resource: show(&c.resource),
            ..c.clone()
        })
        .collect();
    let (mut features, summary) =
        Report::summarize(&rows, |f| cat.feature(f).and_then(|f| f.docs_note.clone()));
    for f in &mut features {
        f.fix = feature_fix(&f.name, &shown_checks, &rows);
    }
    let mut principal = g.held.principal.clone();
    principal.name = show(&principal.name);
    principal.arn = show(&principal.arn);
    principal.account = show(&principal.account);
    principal.partition = show(&principal.partition);
    let policies = PrincipalPolicies {
        principal: principal.clone(),
        policies: g
            .held
            .policies
            .iter()
            .chain(g.possible.iter().map(|p| &p.policy))
            .map(|p| FetchedPolicy {
                text: show(&p.text),
                ..p.clone()
            })
            .collect(),
        boundary: g.held.boundary.as_ref().map(|b| FetchedPolicy {
            text: show(&b.text),
            ..b.clone()
        }),
        groups: g.held.groups.clone(),
    };
    let resource_policies = rps
        .iter()
        .map(|rp| FetchedResourcePolicy {
            resource: show(&rp.resource),
            state: match &rp.state {
                ResourcePolicyState::Document { text } => {
                    ResourcePolicyState::Document { text: show(text) }
                }
                other => other.clone(),
            },
            ..rp.clone()
        })
        .collect();
    let mut notes = s.notes;
    notes.extend(open.iter().map(|(_, d)| d.clone()));
    Report {
        schema: SCHEMA,
        tool_version: env!("CARGO_PKG_VERSION"),
        pydynox_version: s.pydynox_version,
        engine: "local".into(),
        engine_reason: "infrastructure code, before deploy: the local engine evaluates what the input says the principal will hold".into(),
        principal,
        region: show(&s.region),
        features,
        rows,
        summary,
        notes,
        disagreements: Vec::new(),
        policies,
        resource_policies,
        least_privilege: None,
        expected_unmatched: Vec::new(),
        upgrade: None,
        replay: None,
    }
}

/// One row from its three evaluations (see the module doc).
fn decide(
    certain: &LocalVerdict,
    worst: &LocalVerdict,
    best: &LocalVerdict,
    open: &[(ReasonCode, String)],
    g: &IacGrants,
) -> (
    Verdict,
    ReasonCode,
    String,
    crate::report::model::LocalEvidence,
) {
    let unknown_values = |v: &LocalVerdict| g.encoder.why(&v.evidence.unknown_values);
    if worst.verdict == Verdict::Pass {
        return (
            Verdict::Pass,
            worst.code,
            worst.reason.clone(),
            worst.evidence.clone(),
        );
    }
    if best.verdict == Verdict::Fail {
        return (
            Verdict::Fail,
            best.code,
            best.reason.clone(),
            best.evidence.clone(),
        );
    }
    // Undecided: say what the certain policies say, then what is left open.
    let mut why = Vec::new();
    let mut code = None;
    let vals = unknown_values(worst)
        .into_iter()
        .chain(unknown_values(best))
        .chain(unknown_values(certain))
        .collect::<Vec<_>>();
    let mut vals_dedup = Vec::new();
    for v in vals {
        if !vals_dedup.contains(&v) {
            vals_dedup.push(v);
        }
    }
    if !vals_dedup.is_empty() {
        code = Some(ReasonCode::UnknownBeforeDeploy);
        why.push(format!(
            "it depends on values known only after deploy: {}",
            vals_dedup.join("; ")
        ));
    }
    // Only the doubts that could change this row: those whose case differs from the certain one.
    let opened = worst.verdict != certain.verdict || best.verdict != certain.verdict;
    if opened {
        for (c, d) in open {
            code.get_or_insert(*c);
            why.push(d.clone());
        }
    }
    let code = code.unwrap_or(certain.code);
    let head = match certain.verdict {
        Verdict::Pass => format!("the input's certain policies allow it ({})", certain.reason),
        Verdict::Fail => format!(
            "the input's certain policies do not allow it ({})",
            certain.reason
        ),
        Verdict::Inconclusive => certain.reason.clone(),
    };
    let reason = if why.is_empty() {
        head
    } else {
        format!("{head}; but {}", why.join("; "))
    };
    (
        Verdict::Inconclusive,
        code,
        reason,
        certain.evidence.clone(),
    )
}

/// The resource policies the local engine will look up for these checks that the input does
/// not define: a table, bucket or key outside it, whose policy is not known. Unless the user
/// states tables have none (`--no-table-policy`), such a table's rows cannot pass; a key with
/// no key policy is never passed by the engine anyway (`key-policy-not-evaluated`).
pub fn outside_resources(
    checks: &[Check],
    bucket: Option<&str>,
    defined: &[FetchedResourcePolicy],
    no_table_policy: bool,
    file: &str,
) -> Vec<FetchedResourcePolicy> {
    let mut out: Vec<FetchedResourcePolicy> = Vec::new();
    let mut add = |kind: ResourcePolicyKind, resource: String, state: ResourcePolicyState| {
        let known = defined
            .iter()
            .chain(out.iter())
            .any(|rp| rp.kind == kind && rp.resource == resource);
        if !known {
            out.push(FetchedResourcePolicy {
                kind,
                resource,
                state,
                owner: None,
            });
        }
    };
    for c in checks {
        if crate::needs::plan::governed_by_table_policy(&c.resource_kind)
            && let Some(t) = crate::iam::arn::table_arn_of(&c.resource)
        {
            let state = if no_table_policy {
                ResourcePolicyState::Absent
            } else {
                ResourcePolicyState::Unreadable {
                    reason: format!(
                        "table `{}` is not created by {file}, so its resource policy is not known; if it has none, say so with --no-table-policy",
                        crate::iam::arn::table_name_of(t).unwrap_or(t)
                    ),
                }
            };
            add(ResourcePolicyKind::DynamoDbTable, t.to_string(), state);
        }
        if c.resource_kind == "s3-object"
            && let Some(b) = bucket
        {
            add(
                ResourcePolicyKind::S3Bucket,
                b.to_string(),
                ResourcePolicyState::Unreadable {
                    reason: format!(
                        "bucket `{b}` is not created by {file}, so its bucket policy is not known"
                    ),
                },
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_effect_keeps_the_statements_of_one_effect_in_either_statement_shape() {
        let list = r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":"a:B","Resource":"*"},
            {"Effect":"Deny","Action":"a:C","Resource":"*"}]}"#;
        let deny: J = serde_json::from_str(&only_effect(list, "Deny")).unwrap();
        assert_eq!(deny["Statement"].as_array().unwrap().len(), 1);
        assert_eq!(deny["Statement"][0]["Action"], "a:C");
        let one = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"a:B","Resource":"*"}}"#;
        let allow: J = serde_json::from_str(&only_effect(one, "Allow")).unwrap();
        assert_eq!(allow["Statement"].as_array().unwrap().len(), 1);
        let none: J = serde_json::from_str(&only_effect(one, "Deny")).unwrap();
        assert!(none["Statement"].as_array().unwrap().is_empty());
    }
}
