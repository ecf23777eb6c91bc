//! What would make a failing feature pass: statements to add where nothing allows an action
//! (from the policy generator), and what must change elsewhere where adding an Allow would
//! not help (a Deny, the boundary, an SCP, a resource policy, missing context).

use crate::needs::plan::Check;
use crate::report::model::{Fix, ReasonCode, Row, Verdict};

/// What would make a feature pass: for rows nothing allows, the statements to add (from the
/// policy generator); for rows a Deny, the boundary, an SCP or a resource policy blocks, what
/// must change there instead, since adding an Allow would not help.
pub fn feature_fix(feature: &str, checks: &[Check], rows: &[Row]) -> Option<Fix> {
    let mut fix = Fix::default();
    let mut missing: Vec<&Check> = Vec::new();
    for (c, r) in checks
        .iter()
        .zip(rows)
        .filter(|(c, r)| c.feature == feature && r.verdict != Verdict::Pass)
    {
        let advice = match r.code {
            ReasonCode::NoAllow => {
                missing.push(c);
                None
            }
            // IAM's simulator always names the Deny; LocalStack's stub says explicitDeny for
            // anything it does not allow exactly, without naming one.
            ReasonCode::ExplicitDeny
                if r.evidence.local.is_none()
                    && r.evidence
                        .simulator
                        .as_ref()
                        .is_some_and(|s| s.matched.is_empty()) =>
            {
                Some(format!(
                    "{} on {}: the simulator reported an explicit deny without naming a statement; run with --engine local to see which policy decides",
                    r.action, r.resource
                ))
            }
            ReasonCode::ExplicitDeny => Some(format!(
                "{} on {}: {}; remove or narrow that Deny (adding an Allow will not help)",
                r.action, r.resource, r.reason
            )),
            ReasonCode::BoundaryDeny => Some(format!(
                "{} on {}: {}; the boundary must allow it too",
                r.action, r.resource, r.reason
            )),
            ReasonCode::ScpDeny => Some(format!(
                "{} on {}: a service control policy must allow it (ask the organization's administrators)",
                r.action, r.resource
            )),
            ReasonCode::ResourcePolicyDeny => Some(format!(
                "{} on {}: {}; change that policy",
                r.action, r.resource, r.reason
            )),
            ReasonCode::MissingContext => {
                Some(format!("{} on {}: {}", r.action, r.resource, r.reason))
            }
            _ => Some(format!("{} on {}: {}", r.action, r.resource, r.reason)),
        };
        if let Some(a) = advice
            && !fix.must_change.contains(&a)
        {
            fix.must_change.push(a);
        }
    }
    if !missing.is_empty()
        && let serde_json::Value::Array(statements) =
            crate::verdict::generate::fix_statement(&missing)
    {
        fix.add_statements = statements;
    }
    (!fix.add_statements.is_empty() || !fix.must_change.is_empty()).then_some(fix)
}
