//! IAM's policy simulator, from the check's side: grouping checks into as few
//! SimulatePrincipalPolicy requests as correctness allows, and reading each answer into a
//! report row with a stable reason code, the deciding statements located in the fetched
//! policies. Pure: the requests are sent by the pipeline.

use std::collections::{BTreeMap, BTreeSet};

use crate::grants::model::{
    PolicySource, PrincipalPolicies, ResourcePolicyKind, SimDecision, SimRequest, SimResult,
};
use crate::needs::catalogue::ContextEntry;
use crate::needs::plan::Check;
use crate::report::model::{Answer, ReasonCode, SimEvidence, Source, SourceAnswer, StatementRef};
use crate::verdict::local::Outcome;

/// Groups checks into as few SimulatePrincipalPolicy requests as correctness allows. One
/// request evaluates every action on every resource with one set of context entries and one
/// `ResourceOwner`, so checks are grouped by context and by the owner of their resource
/// (`owner_of`: `Some` only for resources whose ARN names no account, owned by another account
/// than the principal's), then actions that need the same resources share a call (so no action
/// is asked about a resource it is not checked on). Returns each request with the indexes of
/// the checks it answers.
pub fn plan_simulations(
    principal_arn: &str,
    checks: &[Check],
    owner_of: &dyn Fn(&Check) -> Option<String>,
) -> Vec<(SimRequest, Vec<usize>)> {
    type Key = (Vec<ContextEntry>, Option<String>);
    let mut by_context: BTreeMap<Key, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for c in checks {
        by_context
            .entry((c.context.clone(), owner_of(c)))
            .or_default()
            .entry(c.action.clone())
            .or_default()
            .insert(c.resource.clone());
    }
    let mut out = Vec::new();
    for ((context, owner), actions) in by_context {
        let mut by_resources: BTreeMap<BTreeSet<String>, Vec<String>> = BTreeMap::new();
        for (action, resources) in actions {
            by_resources.entry(resources).or_default().push(action);
        }
        for (resources, actions) in by_resources {
            let covered = checks
                .iter()
                .enumerate()
                .filter(|(_, c)| {
                    c.context == context
                        && owner_of(c) == owner
                        && actions.contains(&c.action)
                        && resources.contains(&c.resource)
                })
                .map(|(i, _)| i)
                .collect();
            out.push((
                SimRequest {
                    policy_source_arn: principal_arn.to_string(),
                    actions,
                    resources: resources.into_iter().collect(),
                    context: context.clone(),
                    resource_owner: owner.clone(),
                },
                covered,
            ));
        }
    }
    out
}

/// Finds the statement that starts at a 1-based (line, column) position in a policy
/// document, as IAM's simulator reports positions. Returns its 0-based index.
pub fn locate_statement(text: &str, line: i32, column: i32) -> Option<usize> {
    let target = offset_of(text, line, column)?;
    let spans = statement_spans(text)?;
    spans
        .iter()
        .position(|(start, end)| target >= *start && target < *end)
}

fn offset_of(text: &str, line: i32, column: i32) -> Option<usize> {
    if line < 1 || column < 1 {
        return None;
    }
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line as usize {
            return Some(offset + (column as usize - 1).min(l.len()));
        }
        offset += l.len();
    }
    None
}

/// Byte spans of each element of the top-level `Statement` (an array of objects, or a
/// single object) in a JSON policy document.
fn statement_spans(text: &str) -> Option<Vec<(usize, usize)>> {
    let b = text.as_bytes();
    let mut i = 0;
    let mut depth = 0usize;
    let mut key: Option<&str> = None;
    while i < b.len() {
        match b[i] {
            b'"' => {
                let end = skip_string(b, i)?;
                // A string at depth 1 followed by `:` is a key of the top-level object.
                let next = b[end..].iter().find(|c| !c.is_ascii_whitespace());
                if depth == 1 && next == Some(&b':') {
                    key = Some(&text[i + 1..end - 1]);
                }
                i = end;
                continue;
            }
            b'{' | b'[' if depth == 1 && key == Some("Statement") => {
                return if b[i] == b'[' {
                    array_elements(b, i)
                } else {
                    Some(vec![(i, skip_value(b, i)?)])
                };
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}

fn skip_string(b: &[u8], mut i: usize) -> Option<usize> {
    i += 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// End (exclusive) of the object or array starting at `i`.
fn skip_value(b: &[u8], mut i: usize) -> Option<usize> {
    let mut depth = 0usize;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i = skip_string(b, i)?;
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn array_elements(b: &[u8], open: usize) -> Option<Vec<(usize, usize)>> {
    let mut out = Vec::new();
    let mut i = open + 1;
    while i < b.len() {
        match b[i] {
            b'{' | b'[' => {
                let end = skip_value(b, i)?;
                out.push((i, end));
                i = end;
                continue;
            }
            b'"' => {
                let end = skip_string(b, i)?;
                out.push((i, end));
                i = end;
                continue;
            }
            b']' => return Some(out),
            _ => {}
        }
        i += 1;
    }
    None
}

/// Maps a simulator statement reference to the fetched policy and, where possible, the
/// statement's index and Sid.
fn statement_ref(
    policies: &PrincipalPolicies,
    s: &crate::grants::model::SimStatement,
) -> StatementRef {
    let id = s
        .source_policy_id
        .clone()
        .unwrap_or_else(|| "unknown".into());
    let policy = policies.all().find(|p| p.id == id || p.name == id);
    let statement = match (policy, s.start) {
        (Some(p), Some((line, col))) => locate_statement(&p.text, line, col),
        _ => None,
    };
    let sid = match (policy, statement) {
        (Some(p), Some(i)) => p.document().and_then(|d| {
            let st = d.get("Statement")?;
            let st = if st.is_array() { st.get(i)? } else { st };
            st.get("Sid")?.as_str().map(str::to_string)
        }),
        _ => None,
    };
    let policy_type = match policy.map(|p| &p.source) {
        Some(PolicySource::Boundary { .. }) => Some("permissions boundary".to_string()),
        _ => s.source_policy_type.clone(),
    };
    StatementRef {
        policy: policy.map(|p| p.name.clone()).unwrap_or(id),
        policy_type,
        statement,
        sid,
    }
}

/// On a row, whether a resource policy the simulator cannot see (key policy, trust policy, a
/// table or bucket policy, another account's side) may decide, and who evaluates it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blind {
    /// Nothing the simulator cannot see decides this row (no resource policy applies, or the
    /// resource has none, in the principal's account).
    No,
    /// Something does, and the local engine evaluates it beside the simulator.
    Covered,
    /// Something does and nothing evaluates it (`--engine aws` on a KMS or assume-role row).
    Uncovered(ResourcePolicyKind),
}

/// The simulator's answer for one row, as a source of its verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct SimAnswer {
    pub answer: SourceAnswer,
    pub evidence: Option<SimEvidence>,
    /// The identity-side decision, comparable with the local engine's (for disagreements);
    /// `Unknown` when the simulator gave no single usable decision.
    pub outcome: Outcome,
}

/// The simulator's results for a check among a request's results: every result for the same
/// action (IAM action names are case-insensitive, and the simulator may spell them otherwise)
/// and exactly the same resource. Results for resources that were not asked answer nothing.
pub fn results_for<'a>(results: &'a [SimResult], check: &Check) -> Vec<&'a SimResult> {
    results
        .iter()
        .filter(|r| r.action.eq_ignore_ascii_case(&check.action) && r.resource == check.resource)
        .collect()
}

/// Reads the simulator's answer for one check into a source answer, failing safe:
///
/// - no result, several results that differ, a decision this tool does not know, or an
///   action-level decision stricter than every per-resource one (API_EvaluationResult: the
///   action level "reflects the most restrictive decision") is *unsure*, never allowed;
/// - `explicitDeny` denies; an organization detail of `false` denies (an SCP must allow,
///   reference_policies_evaluation-logic), and beside `allowed` it is a contradiction (unsure);
/// - a boundary detail of `false` beside `allowed` is a contradiction too; beside
///   `implicitDeny` it denies, unless a resource policy the simulator cannot see may still grant
///   to the exact session (B.1 step 4), where it is unsure;
/// - `allowed` with missing context values is unsure: the real request carries values the
///   simulation did not;
/// - `allowed` is the identity side only where a resource policy also decides ([`Blind`]):
///   it allows if the local engine evaluates that policy beside it, else it is unsure;
/// - `implicitDeny` denies, unless a resource policy may grant on its own: then the simulator
///   abstains if the local engine evaluates that policy, else it is unsure.
pub fn answer(results: &[&SimResult], policies: &PrincipalPolicies, blind: Blind) -> SimAnswer {
    let unsure = |code, reason: String, evidence| SimAnswer {
        answer: source(Answer::Unsure, code, reason),
        evidence,
        outcome: Outcome::Unknown,
    };
    let Some(r) = results.first().copied() else {
        return unsure(
            ReasonCode::NoResult,
            "the simulator returned no result for this action and resource".into(),
            None,
        );
    };
    let evidence = Some(sim_evidence(r, policies));
    if let Some(other) = results.iter().find(|o| !same_answer(r, o)) {
        return unsure(
            ReasonCode::SimulatorInconsistent,
            format!(
                "the simulator returned several results for this action and resource that differ ({} and {}); this tool does not pick one",
                describe_result(r),
                describe_result(other)
            ),
            evidence,
        );
    }
    let outcome = match r.decision {
        SimDecision::Allowed => Outcome::Allow,
        SimDecision::ExplicitDeny | SimDecision::ImplicitDeny => Outcome::Deny,
        SimDecision::Other(_) => Outcome::Unknown,
    };
    let with = |answer, code, reason: String| SimAnswer {
        answer: source(answer, code, reason),
        evidence: evidence.clone(),
        outcome,
    };
    let matched: Vec<StatementRef> = r
        .matched
        .iter()
        .map(|s| statement_ref(policies, s))
        .collect();
    let by = |m: &[StatementRef]| {
        m.iter()
            .map(StatementRef::describe)
            .collect::<Vec<_>>()
            .join("; ")
    };
    if let SimDecision::Other(d) = &r.decision {
        return unsure(
            ReasonCode::UnknownDecision,
            format!("the simulator answered `{d}`, which this tool does not know"),
            evidence,
        );
    }
    if r.decision == SimDecision::ExplicitDeny {
        let reason = if matched.is_empty() {
            "explicit deny (the simulator named no statement)".to_string()
        } else {
            format!("explicit deny in {}", by(&matched))
        };
        return with(Answer::Deny, ReasonCode::ExplicitDeny, reason);
    }
    if let Some(top) = &r.unexplained_top_decision {
        // An SCP that does not allow the action shows only at the action level.
        let scp = if r.allowed_by_organizations == Some(false) {
            "; its organization detail says a service control policy does not allow the action, on this resource or another one asked with it"
        } else {
            ""
        };
        return unsure(
            ReasonCode::SimulatorInconsistent,
            format!(
                "the simulator's decision for the action is `{}`, stricter than every per-resource decision (this resource: `{}`){scp}; what decided it is not shown, so this row cannot pass",
                top.as_str(),
                r.decision.as_str()
            ),
            evidence,
        );
    }
    let allowed = r.decision == SimDecision::Allowed;
    if r.allowed_by_organizations == Some(false) {
        return if allowed {
            unsure(
                ReasonCode::SimulatorInconsistent,
                "the simulator says allowed, but its organization detail says a service control policy does not allow it; an SCP that does not allow denies, so this row cannot pass".into(),
                evidence,
            )
        } else {
            // An SCP denied: what the identity side says is not shown, so there is nothing to
            // compare with the local engine's (which does not see SCPs).
            SimAnswer {
                outcome: Outcome::Unknown,
                ..with(
                    Answer::Deny,
                    ReasonCode::ScpDeny,
                    "a service control policy of the organization does not allow it".into(),
                )
            }
        };
    }
    let boundary_text = || {
        policies
            .principal
            .boundary_arn
            .as_deref()
            .map(|b| format!(" `{b}`"))
            .unwrap_or_default()
    };
    if r.allowed_by_boundary == Some(false) {
        return match (allowed, blind) {
            (true, _) => unsure(
                ReasonCode::SimulatorInconsistent,
                format!(
                    "the simulator says allowed, but its boundary detail says the permissions boundary{} does not allow it; a boundary that does not allow denies identity-based grants, so this row cannot pass",
                    boundary_text()
                ),
                evidence,
            ),
            (false, Blind::No) => with(
                Answer::Deny,
                ReasonCode::BoundaryDeny,
                format!(
                    "the permissions boundary{} does not allow it",
                    boundary_text()
                ),
            ),
            (false, _) => with(
                Answer::Unsure,
                ReasonCode::BoundaryDeny,
                format!(
                    "the permissions boundary{} does not allow it; only a resource policy naming the exact session could still grant it, which the simulator does not see",
                    boundary_text()
                ),
            ),
        };
    }
    if !r.missing_context.is_empty() {
        return with(
            Answer::Unsure,
            ReasonCode::MissingContext,
            format!(
                "the simulator answered {} because context {} was not supplied (a condition tests it); supply it with --context KEY=TYPE:VALUE",
                r.decision.as_str(),
                r.missing_context.join(", ")
            ),
        );
    }
    let statements = if matched.is_empty() {
        String::new()
    } else {
        format!(" ({})", by(&matched))
    };
    match (allowed, blind) {
        (true, Blind::No) => with(
            Answer::Allow,
            ReasonCode::Allowed,
            if matched.is_empty() {
                "allowed (the simulator named no statement)".to_string()
            } else {
                format!("allowed by {}", by(&matched))
            },
        ),
        (true, Blind::Covered) => with(
            Answer::Allow,
            ReasonCode::Allowed,
            format!("identity policies allow it{statements}"),
        ),
        (true, Blind::Uncovered(ResourcePolicyKind::RoleTrust)) => with(
            Answer::Unsure,
            ReasonCode::TrustPolicyNotEvaluated,
            format!(
                "identity policies allow it{statements}, but the target role's trust policy must also trust this principal and IAM's simulator ignores trust policies; run with --engine auto or both to evaluate it"
            ),
        ),
        (true, Blind::Uncovered(kind)) => with(
            Answer::Unsure,
            not_evaluated_code(kind),
            format!(
                "identity policies allow it{statements}, but the {} must allow it too and IAM's simulator does not evaluate it for roles; run with --engine auto or both to evaluate it",
                kind.label()
            ),
        ),
        (false, Blind::No) => with(
            Answer::Deny,
            ReasonCode::NoAllow,
            "no policy allows it".into(),
        ),
        (false, Blind::Covered) => with(
            Answer::Abstain,
            ReasonCode::NoAllow,
            "no identity policy allows it; the resource's own policy may still grant it, and the local engine evaluates that".into(),
        ),
        (false, Blind::Uncovered(kind)) => with(
            Answer::Unsure,
            not_evaluated_code(kind),
            format!(
                "no identity policy allows it; the {} could still grant it directly and was not evaluated",
                kind.label()
            ),
        ),
    }
}

fn not_evaluated_code(kind: ResourcePolicyKind) -> ReasonCode {
    match kind {
        ResourcePolicyKind::KmsKey => ReasonCode::KeyPolicyNotEvaluated,
        ResourcePolicyKind::RoleTrust => ReasonCode::TrustPolicyNotEvaluated,
        ResourcePolicyKind::S3Bucket | ResourcePolicyKind::DynamoDbTable => {
            ReasonCode::ResourcePolicyUnreadable
        }
    }
}

fn source(answer: Answer, code: ReasonCode, reason: String) -> SourceAnswer {
    SourceAnswer {
        source: Source::Simulator,
        answer,
        code,
        reason,
        decisive: false,
    }
}

/// Two results for the same action and resource say the same thing.
fn same_answer(a: &SimResult, b: &SimResult) -> bool {
    a.decision == b.decision
        && a.allowed_by_boundary == b.allowed_by_boundary
        && a.allowed_by_organizations == b.allowed_by_organizations
        && a.unexplained_top_decision == b.unexplained_top_decision
        && {
            let mut x = a.missing_context.clone();
            let mut y = b.missing_context.clone();
            x.sort();
            y.sort();
            x == y
        }
}

fn describe_result(r: &SimResult) -> String {
    let mut s = format!("`{}`", r.decision.as_str());
    if let Some(b) = r.allowed_by_boundary {
        s.push_str(&format!(", boundary allows: {b}"));
    }
    if let Some(o) = r.allowed_by_organizations {
        s.push_str(&format!(", organizations allow: {o}"));
    }
    if !r.missing_context.is_empty() {
        s.push_str(&format!(", missing {}", r.missing_context.join(", ")));
    }
    s
}

fn sim_evidence(r: &SimResult, policies: &PrincipalPolicies) -> SimEvidence {
    SimEvidence {
        decision: Some(r.decision.as_str().to_string()),
        matched: r
            .matched
            .iter()
            .map(|s| statement_ref(policies, s))
            .collect(),
        missing_context: r.missing_context.clone(),
        allowed_by_boundary: r.allowed_by_boundary,
        allowed_by_organizations: r.allowed_by_organizations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grants::model::{FetchedPolicy, Principal, SimStatement};
    use crate::iam::arn::PrincipalKind;
    use crate::needs::catalogue::ContextType;

    fn check(action: &str, resource: &str, ctx: &[(&str, &str)]) -> Check {
        Check {
            feature: "f".into(),
            action: action.into(),
            resource: resource.into(),
            resource_kind: "table".into(),
            context: ctx
                .iter()
                .map(|(k, v)| ContextEntry {
                    key: (*k).into(),
                    kind: ContextType::String,
                    values: vec![(*v).into()],
                })
                .collect(),
        }
    }

    #[test]
    fn simulations_group_by_context_and_resource_set() {
        let checks = vec![
            check("dynamodb:GetItem", "t1", &[]),
            check("dynamodb:PutItem", "t1", &[]),
            check("dynamodb:GetItem", "t2", &[]),
            check("dynamodb:PutItem", "t2", &[]),
            check("dynamodb:ListTables", "*", &[]),
            check(
                "dynamodb:PutItem",
                "t1",
                &[("dynamodb:EnclosingOperation", "TransactWriteItems")],
            ),
        ];
        let plans = plan_simulations("arn:aws:iam::1:role/r", &checks, &|_| None);
        assert_eq!(plans.len(), 3);
        // Every check is answered by exactly one request, and each request only asks what
        // some check needs.
        let mut seen = vec![0; checks.len()];
        for (req, covered) in &plans {
            for &i in covered {
                seen[i] += 1;
                assert!(
                    req.actions.contains(&checks[i].action)
                        && req.resources.contains(&checks[i].resource)
                );
                assert_eq!(req.context, checks[i].context);
            }
            for a in &req.actions {
                for r in &req.resources {
                    assert!(
                        checks.iter().any(|c| &c.action == a
                            && &c.resource == r
                            && c.context == req.context),
                        "{a} on {r} not needed"
                    );
                }
            }
        }
        assert!(seen.iter().all(|&n| n == 1), "{seen:?}");
    }

    #[test]
    fn statements_are_located_by_position() {
        let text = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Sid\": \"A\", \"Effect\": \"Allow\", \"Action\": \"x:y\", \"Resource\": \"*\"},\n    {\n      \"Sid\": \"B\",\n      \"Effect\": \"Deny\", \"Action\": \"x:y\", \"Resource\": \"*\"\n    }\n  ]\n}";
        assert_eq!(locate_statement(text, 4, 5), Some(0));
        assert_eq!(locate_statement(text, 5, 5), Some(1));
        assert_eq!(locate_statement(text, 6, 7), Some(1));
        assert_eq!(locate_statement(text, 1, 1), None);
        let single = r#"{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}"#;
        assert_eq!(locate_statement(single, 1, 16), Some(0));
        // A `Statement` string inside a value is not the key.
        let tricky = r#"{"Id": "Statement", "Statement": [{"Sid": "]["}, {"Sid": "b"}]}"#;
        let at = tricky.find(r#"{"Sid": "b"}"#).unwrap() as i32 + 1;
        assert_eq!(locate_statement(tricky, 1, at), Some(1));
    }

    fn policies() -> PrincipalPolicies {
        PrincipalPolicies {
            principal: Principal {
                kind: PrincipalKind::Role,
                name: "r".into(),
                arn: "arn:aws:iam::1:role/r".into(),
                account: "1".into(),
                partition: "aws".into(),
                session_arn: None,
                boundary_arn: Some("arn:aws:iam::1:policy/b".into()),
                tags: None,
            },
            policies: vec![FetchedPolicy {
                id: "inline".into(),
                name: "inline".into(),
                source: PolicySource::Inline { owner_kind: "role".into(), owner: "r".into() },
                text: "{\"Statement\": [\n{\"Sid\": \"Rw\", \"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\"}]}".into(),
            }],
            boundary: None,
            groups: vec![],
        }
    }

    fn result(decision: SimDecision) -> SimResult {
        SimResult {
            action: "dynamodb:GetItem".into(),
            resource: "t".into(),
            decision,
            matched: vec![],
            missing_context: vec![],
            allowed_by_boundary: None,
            allowed_by_organizations: None,
            unexplained_top_decision: None,
        }
    }

    #[test]
    fn a_request_is_per_resource_owner() {
        let mut s3 = check("s3:GetObject", "arn:aws:s3:::b/k", &[]);
        s3.resource_kind = "s3-object".into();
        let checks = vec![check("dynamodb:GetItem", "t1", &[]), s3];
        let plans = plan_simulations("arn:aws:iam::1:role/r", &checks, &|c| {
            (c.resource_kind == "s3-object").then(|| "444455556666".to_string())
        });
        assert_eq!(plans.len(), 2);
        for (req, covered) in &plans {
            let want = (checks[covered[0]].resource_kind == "s3-object")
                .then(|| "444455556666".to_string());
            assert_eq!(req.resource_owner, want, "{req:?}");
        }
    }

    fn allowed_by_inline() -> SimResult {
        let mut r = result(SimDecision::Allowed);
        r.matched = vec![SimStatement {
            source_policy_id: Some("inline".into()),
            source_policy_type: Some("role".into()),
            start: Some((2, 1)),
        }];
        r
    }

    /// Every rule of [`answer`], as a table: the simulator's result(s), what decides beside
    /// it, and the answer and code it gives. Issue 17 cases 1 and 3 are among them.
    #[test]
    fn answers_fail_safe() {
        let p = policies();
        let with = |f: &dyn Fn(&mut SimResult)| {
            let mut r = allowed_by_inline();
            f(&mut r);
            r
        };
        let implicit = |f: &dyn Fn(&mut SimResult)| {
            let mut r = result(SimDecision::ImplicitDeny);
            f(&mut r);
            r
        };
        let kms = Blind::Uncovered(ResourcePolicyKind::KmsKey);
        let trust = Blind::Uncovered(ResourcePolicyKind::RoleTrust);
        #[rustfmt::skip]
        let table: Vec<(&str, Vec<SimResult>, Blind, Answer, ReasonCode)> = vec![
            ("allowed", vec![with(&|_| {})], Blind::No, Answer::Allow, ReasonCode::Allowed),
            ("allowed, covered", vec![with(&|_| {})], Blind::Covered, Answer::Allow, ReasonCode::Allowed),
            ("no result", vec![], Blind::No, Answer::Unsure, ReasonCode::NoResult),
            ("unknown decision", vec![result(SimDecision::Other("maybe".into()))], Blind::No, Answer::Unsure, ReasonCode::UnknownDecision),
            ("missing decision (SDK default)", vec![result(SimDecision::parse("no value was set"))], Blind::No, Answer::Unsure, ReasonCode::UnknownDecision),
            ("allowed with missing context", vec![with(&|r| r.missing_context = vec!["aws:SourceIp".into()])], Blind::No, Answer::Unsure, ReasonCode::MissingContext),
            ("allowed with missing context, covered", vec![with(&|r| r.missing_context = vec!["aws:SourceIp".into()])], Blind::Covered, Answer::Unsure, ReasonCode::MissingContext),
            ("allowed, organizations false", vec![with(&|r| r.allowed_by_organizations = Some(false))], Blind::No, Answer::Unsure, ReasonCode::SimulatorInconsistent),
            ("allowed, boundary false", vec![with(&|r| r.allowed_by_boundary = Some(false))], Blind::No, Answer::Unsure, ReasonCode::SimulatorInconsistent),
            ("allowed, boundary false, covered", vec![with(&|r| r.allowed_by_boundary = Some(false))], Blind::Covered, Answer::Unsure, ReasonCode::SimulatorInconsistent),
            ("allowed under a stricter top level", vec![with(&|r| r.unexplained_top_decision = Some(SimDecision::ImplicitDeny))], Blind::No, Answer::Unsure, ReasonCode::SimulatorInconsistent),
            ("allowed under a top-level deny with organizations false", vec![with(&|r| { r.unexplained_top_decision = Some(SimDecision::ImplicitDeny); r.allowed_by_organizations = Some(false); })], Blind::No, Answer::Unsure, ReasonCode::SimulatorInconsistent),
            ("duplicates that differ", vec![with(&|_| {}), result(SimDecision::ExplicitDeny)], Blind::No, Answer::Unsure, ReasonCode::SimulatorInconsistent),
            ("duplicates that differ in a flag", vec![with(&|_| {}), with(&|r| r.allowed_by_boundary = Some(true))], Blind::No, Answer::Unsure, ReasonCode::SimulatorInconsistent),
            ("identical duplicates", vec![with(&|_| {}), with(&|_| {})], Blind::No, Answer::Allow, ReasonCode::Allowed),
            ("allowed, key policy not evaluated", vec![with(&|_| {})], kms, Answer::Unsure, ReasonCode::KeyPolicyNotEvaluated),
            ("allowed, trust policy not evaluated", vec![with(&|_| {})], trust, Answer::Unsure, ReasonCode::TrustPolicyNotEvaluated),
            ("explicit deny", vec![result(SimDecision::ExplicitDeny)], Blind::Covered, Answer::Deny, ReasonCode::ExplicitDeny),
            ("implicit deny", vec![implicit(&|_| {})], Blind::No, Answer::Deny, ReasonCode::NoAllow),
            ("implicit deny, a resource policy may grant", vec![implicit(&|_| {})], Blind::Covered, Answer::Abstain, ReasonCode::NoAllow),
            ("implicit deny, the key policy may grant", vec![implicit(&|_| {})], kms, Answer::Unsure, ReasonCode::KeyPolicyNotEvaluated),
            ("implicit deny, the trust policy may grant", vec![implicit(&|_| {})], trust, Answer::Unsure, ReasonCode::TrustPolicyNotEvaluated),
            ("implicit deny, boundary false", vec![implicit(&|r| r.allowed_by_boundary = Some(false))], Blind::No, Answer::Deny, ReasonCode::BoundaryDeny),
            ("implicit deny, boundary false, covered", vec![implicit(&|r| r.allowed_by_boundary = Some(false))], Blind::Covered, Answer::Unsure, ReasonCode::BoundaryDeny),
            ("implicit deny, organizations false", vec![implicit(&|r| r.allowed_by_organizations = Some(false))], Blind::Covered, Answer::Deny, ReasonCode::ScpDeny),
            ("implicit deny, missing context", vec![implicit(&|r| r.missing_context = vec!["aws:SourceIp".into()])], Blind::No, Answer::Unsure, ReasonCode::MissingContext),
        ];
        for (name, results, blind, want, code) in table {
            let refs: Vec<&SimResult> = results.iter().collect();
            let a = answer(&refs, &p, blind);
            assert_eq!(
                (a.answer.answer, a.answer.code),
                (want, code),
                "{name}: {}",
                a.answer.reason
            );
            assert_eq!(a.answer.source, Source::Simulator);
            assert!(!a.answer.reason.is_empty(), "{name}");
        }
    }

    #[test]
    fn reasons_name_the_statement_and_the_boundary() {
        let p = policies();
        let allowed = allowed_by_inline();
        let a = answer(&[&allowed], &p, Blind::No);
        assert_eq!(
            a.answer.reason,
            "allowed by role policy `inline` statement `Rw`"
        );
        assert_eq!(a.outcome, Outcome::Allow);
        let mut boundary = result(SimDecision::ImplicitDeny);
        boundary.allowed_by_boundary = Some(false);
        let a = answer(&[&boundary], &p, Blind::No);
        assert!(
            a.answer.reason.contains("arn:aws:iam::1:policy/b"),
            "{}",
            a.answer.reason
        );
        let a = answer(&[&result(SimDecision::ImplicitDeny)], &p, Blind::No);
        assert_eq!(a.answer.reason, "no policy allows it");
        assert_eq!(a.outcome, Outcome::Deny);
        // No usable answer: no outcome to compare with the local engine's.
        let a = answer(
            &[&allowed, &result(SimDecision::ExplicitDeny)],
            &p,
            Blind::No,
        );
        assert_eq!(a.outcome, Outcome::Unknown);
    }

    #[test]
    fn results_match_actions_in_any_case_and_resources_exactly() {
        let mut c = check("dynamodb:GetItem", "t", &[]);
        c.resource = "arn:aws:dynamodb:us-east-1:1:table/t".into();
        let mut upper = result(SimDecision::Allowed);
        upper.action = "DynamoDB:GETITEM".into();
        upper.resource = c.resource.clone();
        let mut other_resource = upper.clone();
        other_resource.resource = "arn:aws:dynamodb:us-east-1:1:table/T".into();
        let mut star = upper.clone();
        star.resource = "*".into();
        let results = vec![other_resource, star, upper];
        let found = results_for(&results, &c);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].action, "DynamoDB:GETITEM");
    }
}
