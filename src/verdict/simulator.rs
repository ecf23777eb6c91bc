//! IAM's policy simulator, from the check's side: grouping checks into as few
//! SimulatePrincipalPolicy requests as correctness allows, and reading each answer into a
//! report row with a stable reason code, the deciding statements located in the fetched
//! policies. Pure: the requests are sent by the pipeline.

use std::collections::{BTreeMap, BTreeSet};

use crate::grants::model::{PolicySource, PrincipalPolicies, SimDecision, SimRequest, SimResult};
use crate::needs::catalogue::ContextEntry;
use crate::needs::plan::Check;
use crate::report::model::{Evidence, ReasonCode, Row, SimEvidence, StatementRef, Verdict};

/// Groups checks into as few SimulatePrincipalPolicy requests as correctness allows. One
/// request evaluates every action on every resource with one set of context entries, so
/// checks are grouped by context, then actions that need the same resources share a call
/// (so no action is asked about a resource it is not checked on). Returns each request
/// with the indexes of the checks it answers.
pub fn plan_simulations(principal_arn: &str, checks: &[Check]) -> Vec<(SimRequest, Vec<usize>)> {
    let mut by_context: BTreeMap<Vec<ContextEntry>, BTreeMap<String, BTreeSet<String>>> =
        BTreeMap::new();
    for c in checks {
        by_context
            .entry(c.context.clone())
            .or_default()
            .entry(c.action.clone())
            .or_default()
            .insert(c.resource.clone());
    }
    let mut out = Vec::new();
    for (context, actions) in by_context {
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

/// Turns the simulator's answer for one check into a row. Fails safe: only an `allowed`
/// with no missing context, on a resource whose own policy cannot change the outcome, is
/// a PASS.
pub fn interpret(check: &Check, result: Option<&SimResult>, policies: &PrincipalPolicies) -> Row {
    let row = |verdict, code, reason: String, evidence| Row {
        feature: check.feature.clone(),
        action: check.action.clone(),
        resource: check.resource.clone(),
        verdict,
        code,
        reason,
        context: check.context.clone(),
        evidence,
        waived: None,
    };
    let Some(r) = result else {
        return row(
            Verdict::Inconclusive,
            ReasonCode::NoResult,
            "the simulator returned no result for this action and resource".into(),
            Evidence::default(),
        );
    };
    let matched: Vec<StatementRef> = r
        .matched
        .iter()
        .map(|s| statement_ref(policies, s))
        .collect();
    let evidence = Evidence {
        simulator: Some(SimEvidence {
            decision: Some(r.decision.as_str().to_string()),
            matched: matched.clone(),
            missing_context: r.missing_context.clone(),
            allowed_by_boundary: r.allowed_by_boundary,
            allowed_by_organizations: r.allowed_by_organizations,
        }),
        local: None,
    };
    let by = |m: &[StatementRef]| {
        m.iter()
            .map(StatementRef::describe)
            .collect::<Vec<_>>()
            .join("; ")
    };
    let missing = || {
        format!(
            "missing context: {} (a condition tests it; supply it with --context KEY=TYPE:VALUE)",
            r.missing_context.join(", ")
        )
    };
    match &r.decision {
        SimDecision::Allowed if !r.missing_context.is_empty() => {
            row(Verdict::Inconclusive, ReasonCode::MissingContext, missing(), evidence)
        }
        SimDecision::Allowed if check.resource_kind == "kms-key" => row(
            Verdict::Inconclusive,
            ReasonCode::KeyPolicyNotEvaluated,
            format!(
                "identity policies allow it{}, but the key policy must allow it too and IAM's simulator does not evaluate key policies for roles",
                if matched.is_empty() { String::new() } else { format!(" ({})", by(&matched)) }
            ),
            evidence,
        ),
        SimDecision::Allowed if check.resource_kind == "role" => row(
            Verdict::Inconclusive,
            ReasonCode::TrustPolicyNotEvaluated,
            "identity policies allow it, but the target role's trust policy must also trust this principal and IAM's simulator ignores trust policies".into(),
            evidence,
        ),
        SimDecision::Allowed => {
            let reason = if matched.is_empty() {
                "allowed (the simulator named no statement)".to_string()
            } else {
                format!("allowed by {}", by(&matched))
            };
            row(Verdict::Pass, ReasonCode::Allowed, reason, evidence)
        }
        SimDecision::ExplicitDeny => {
            let reason = if matched.is_empty() {
                "explicit deny (the simulator named no statement)".to_string()
            } else {
                format!("explicit deny in {}", by(&matched))
            };
            row(Verdict::Fail, ReasonCode::ExplicitDeny, reason, evidence)
        }
        SimDecision::ImplicitDeny if !r.missing_context.is_empty() => {
            row(Verdict::Inconclusive, ReasonCode::MissingContext, missing(), evidence)
        }
        SimDecision::ImplicitDeny if check.resource_kind == "kms-key" => row(
            Verdict::Inconclusive,
            ReasonCode::KeyPolicyNotEvaluated,
            "no identity policy allows it; the key policy could still grant it directly and was not evaluated".into(),
            evidence,
        ),
        SimDecision::ImplicitDeny if r.allowed_by_boundary == Some(false) => row(
            Verdict::Fail,
            ReasonCode::BoundaryDeny,
            format!(
                "the permissions boundary{} does not allow it",
                policies.principal.boundary_arn.as_deref().map(|b| format!(" `{b}`")).unwrap_or_default()
            ),
            evidence,
        ),
        SimDecision::ImplicitDeny if r.allowed_by_organizations == Some(false) => row(
            Verdict::Fail,
            ReasonCode::ScpDeny,
            "a service control policy of the organization does not allow it".into(),
            evidence,
        ),
        SimDecision::ImplicitDeny => row(Verdict::Fail, ReasonCode::NoAllow, "no policy allows it".into(), evidence),
        SimDecision::Other(d) => row(
            Verdict::Inconclusive,
            ReasonCode::UnknownDecision,
            format!("the simulator answered `{d}`, which this tool does not know"),
            evidence,
        ),
    }
}

/// Finds the result for a check among its request's results. Action names compare
/// case-insensitively (IAM may normalise them); resources exactly.
pub(crate) fn find_result<'a>(results: &'a [SimResult], check: &Check) -> Option<&'a SimResult> {
    results
        .iter()
        .find(|r| r.action.eq_ignore_ascii_case(&check.action) && r.resource == check.resource)
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
        let plans = plan_simulations("arn:aws:iam::1:role/r", &checks);
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
        }
    }

    #[test]
    fn verdicts_fail_safe() {
        let p = policies();
        let c = check("dynamodb:GetItem", "t", &[]);
        let mut allowed = result(SimDecision::Allowed);
        allowed.matched = vec![SimStatement {
            source_policy_id: Some("inline".into()),
            source_policy_type: Some("role".into()),
            start: Some((2, 1)),
        }];
        let r = interpret(&c, Some(&allowed), &p);
        assert_eq!((r.verdict, r.code), (Verdict::Pass, ReasonCode::Allowed));
        assert_eq!(r.reason, "allowed by role policy `inline` statement `Rw`");

        let mut missing = allowed.clone();
        missing.missing_context = vec!["aws:SourceIp".into()];
        let r = interpret(&c, Some(&missing), &p);
        assert_eq!(
            (r.verdict, r.code),
            (Verdict::Inconclusive, ReasonCode::MissingContext)
        );
        assert!(r.reason.contains("aws:SourceIp"));

        let mut kms = c.clone();
        kms.resource_kind = "kms-key".into();
        assert_eq!(
            interpret(&kms, Some(&allowed), &p).verdict,
            Verdict::Inconclusive
        );

        let mut boundary = result(SimDecision::ImplicitDeny);
        boundary.allowed_by_boundary = Some(false);
        let r = interpret(&c, Some(&boundary), &p);
        assert_eq!(
            (r.verdict, r.code),
            (Verdict::Fail, ReasonCode::BoundaryDeny)
        );
        assert!(r.reason.contains("arn:aws:iam::1:policy/b"));

        let r = interpret(&c, Some(&result(SimDecision::ImplicitDeny)), &p);
        assert_eq!(
            (r.verdict, r.code, r.reason.as_str()),
            (Verdict::Fail, ReasonCode::NoAllow, "no policy allows it")
        );
        assert_eq!(
            interpret(&c, Some(&result(SimDecision::ExplicitDeny)), &p).code,
            ReasonCode::ExplicitDeny
        );
        assert_eq!(
            interpret(&c, Some(&result(SimDecision::Other("maybe".into()))), &p).verdict,
            Verdict::Inconclusive
        );
        assert_eq!(interpret(&c, None, &p).code, ReasonCode::NoResult);
    }
}
