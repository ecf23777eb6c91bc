//! SARIF 2.1.0 (`--format sarif`) for code-scanning systems: every row that did not pass is a
//! result whose `ruleId` is the row's stable reason code (`no-allow`, `unresolved-in-code`, …)
//! and every least-privilege finding one whose `ruleId` is its finding code; the message says
//! what is needed and the fix. A row the code scan located (`check --app`) is placed at the
//! line that makes the call, and a row checked against infrastructure code (`--template`,
//! `--terraform-plan`) names the file and the resource that should grant it; a row with no
//! location is still a valid result. Writes to any `io::Write`; decides no verdict.
//!
//! An expected exception of the config file that waived nothing is a `note`
//! (`expected-unmatched`). Levels: FAIL `error`; INCONCLUSIVE `warning` (`note` when `--allow-inconclusive`); a row
//! waived by an expected exception keeps its level and carries a `suppressions` entry with
//! the exception's reason; a finding that fails the run `error`, else `warning` for high
//! severity and `note` below. PASS rows are not results (SARIF reports problems).
//!
//! Schema: <https://docs.oasis-open.org/sarif/sarif/v2.1.0/os/sarif-v2.1.0-os.html>; the tests
//! validate the output against the JSON schema vendored in `tests/sarif/`.

use std::io::{self, Write};

use serde_json::{Value, json};

use crate::report::ci::ServiceReport;
use crate::report::model::{LocationKind, ReasonCode, Report, Row, RowOutcome, SourceLocation};
use crate::report::resources::{ShortNames, context_tag, statement_summary};

pub const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// What a reason code means, for the rule's description.
fn reason_description(code: ReasonCode) -> &'static str {
    match code {
        ReasonCode::Allowed => "An identity policy allows it and nothing denies it",
        ReasonCode::NoAllow => "No policy allows the action pydynox makes (implicit deny)",
        ReasonCode::ExplicitDeny => "A Deny statement applies to the action pydynox makes",
        ReasonCode::BoundaryDeny => {
            "The identity policies allow it, but the permissions boundary does not"
        }
        ReasonCode::ScpDeny => "A service control policy does not allow it",
        ReasonCode::MissingContext => {
            "A condition tests a context key that was not supplied; the answer depends on it"
        }
        ReasonCode::KeyPolicyNotEvaluated => {
            "The KMS key policy also decides, and was not evaluated"
        }
        ReasonCode::TrustPolicyNotEvaluated => {
            "The target role's trust policy also decides, and was not evaluated"
        }
        ReasonCode::NoResult => "IAM's simulator returned no result for this action and resource",
        ReasonCode::UnknownDecision => {
            "IAM's simulator returned a decision this tool does not know"
        }
        ReasonCode::ResourcePolicyDeny => "A resource policy does not allow it",
        ReasonCode::PolicyUnreadable => "A fetched identity policy or boundary could not be parsed",
        ReasonCode::ResourcePolicyUnreadable => {
            "The resource policy that also decides could not be read"
        }
        ReasonCode::NotEvaluable => {
            "The local engine met a condition, operator or element it cannot evaluate"
        }
        ReasonCode::EnginesDisagree => "IAM's simulator and the local engine disagree",
        ReasonCode::OrgPoliciesNotEvaluated => {
            "Organization policies IAM's simulator does not evaluate may decide it"
        }
        ReasonCode::SessionPolicyNotEvaluated => {
            "The audited role session's session policies may cap it"
        }
        ReasonCode::BucketOwnerUnknown => {
            "The S3 bucket's owner is not known, and the verdict depends on it"
        }
        ReasonCode::BucketEncryptionUnreadable => {
            "The bucket's default encryption could not be read (SSE-KMS adds KMS permissions)"
        }
        ReasonCode::SimulatorInconsistent => "IAM's simulator contradicted itself",
        ReasonCode::UnresolvedInCode => {
            "The code makes a call the scan could not pin down; give what resolves it"
        }
        ReasonCode::UnknownBeforeDeploy => "The verdict depends on a value known only after deploy",
        ReasonCode::PossiblyAttached => "A policy that may or may not be attached decides it",
        ReasonCode::PolicyNotKnown => "A policy whose document is not known may decide it",
        ReasonCode::DeniedOutOfSight => {
            "AWS reported a denial by a policy this evaluation does not hold"
        }
    }
}

/// The run's rules, in the order they are first used.
#[derive(Default)]
struct Rules {
    ids: Vec<String>,
    rules: Vec<Value>,
}

impl Rules {
    fn index(&mut self, id: &str, description: &str, kind: &str) -> usize {
        if let Some(i) = self.ids.iter().position(|x| x == id) {
            return i;
        }
        self.ids.push(id.to_string());
        self.rules.push(json!({
            "id": id,
            "shortDescription": { "text": description },
            "properties": { "kind": kind },
        }));
        self.ids.len() - 1
    }
}

/// The SARIF log: one run of pydynox-iam with every service's results (each result names its
/// service in its message and properties).
pub fn sarif(
    w: &mut dyn Write,
    services: &[ServiceReport<'_>],
    errored: &[(&str, String)],
) -> io::Result<()> {
    sarif_with(w, services, errored, &[])
}

/// [`sarif`], with the roles found but not checked (account, name, why): each a warning among
/// the invocation's notifications (never a pass, never silently left out).
pub fn sarif_with(
    w: &mut dyn Write,
    services: &[ServiceReport<'_>],
    errored: &[(&str, String)],
    unchecked: &[(String, String, String)],
) -> io::Result<()> {
    let mut rules = Rules::default();
    let mut results: Vec<Value> = Vec::new();
    for s in services {
        service_results(s, &mut rules, &mut results);
    }
    let mut notifications: Vec<Value> = Vec::new();
    for (name, error) in errored {
        notifications.push(json!({
            "level": "error",
            "message": { "text": format!("service `{name}` could not be checked: {error}") },
        }));
    }
    for (account, name, why) in unchecked {
        notifications.push(json!({
            "level": "warning",
            "message": { "text": format!("`{account}/{name}` was not checked: {why}") },
        }));
    }
    let mut run = json!({
        "tool": { "driver": {
            "name": "pydynox-iam",
            "version": env!("CARGO_PKG_VERSION"),
            "semanticVersion": env!("CARGO_PKG_VERSION"),
            "rules": rules.rules,
        }},
        "columnKind": "unicodeCodePoints",
        "results": results,
    });
    if !notifications.is_empty() {
        run["invocations"] = json!([{
            "executionSuccessful": errored.is_empty(),
            "toolExecutionNotifications": notifications,
        }]);
    }
    let log = json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [run],
    });
    serde_json::to_writer_pretty(&mut *w, &log)?;
    writeln!(w)
}

fn level(o: RowOutcome, verdict: crate::report::model::Verdict) -> &'static str {
    match o {
        RowOutcome::Fail => "error",
        RowOutcome::Inconclusive => "warning",
        RowOutcome::InconclusiveAllowed => "note",
        RowOutcome::Waived if verdict == crate::report::model::Verdict::Fail => "error",
        RowOutcome::Waived => "warning",
        RowOutcome::Pass => "none",
    }
}

/// The fix lines of the row's feature that concern this row: statements granting its action,
/// changes naming its action and resource; all of the feature's when none is specific.
fn fix_lines(r: &Report, row: &Row, names: &ShortNames) -> Vec<String> {
    let Some(fix) = r
        .features
        .iter()
        .find(|f| f.name == row.feature)
        .and_then(|f| f.fix.as_ref())
    else {
        return Vec::new();
    };
    let grants = |st: &Value| match st.get("Action") {
        Some(Value::String(a)) => a == &row.action,
        Some(Value::Array(v)) => v.iter().any(|a| a.as_str() == Some(&row.action)),
        _ => false,
    };
    let mine = format!("{} on {}", row.action, row.resource);
    let specific: Vec<String> = fix
        .add_statements
        .iter()
        .filter(|st| grants(st))
        .map(|st| {
            format!(
                "add to the principal's policy: {}",
                statement_summary(st, names)
            )
        })
        .chain(
            fix.must_change
                .iter()
                .filter(|m| m.starts_with(&mine))
                .map(|m| names.shorten_text(m)),
        )
        .collect();
    if !specific.is_empty() {
        return specific;
    }
    fix.add_statements
        .iter()
        .map(|st| {
            format!(
                "add to the principal's policy: {}",
                statement_summary(st, names)
            )
        })
        .chain(fix.must_change.iter().map(|m| names.shorten_text(m)))
        .collect()
}

fn location(l: &SourceLocation) -> Value {
    let mut physical = json!({ "artifactLocation": { "uri": uri(&l.file) } });
    if let Some(line) = l.line {
        let mut region = json!({ "startLine": line });
        if let Some(c) = l.column {
            region["startColumn"] = json!(c);
        }
        physical["region"] = region;
    }
    let mut loc = json!({ "physicalLocation": physical });
    if !l.what.is_empty() {
        loc["message"] = json!({ "text": l.what });
        if l.kind == LocationKind::Grant {
            loc["logicalLocations"] = json!([{ "fullyQualifiedName": l.what, "kind": "resource" }]);
        }
    }
    loc
}

/// A relative path as a URI reference: `/` separators, each segment percent-encoded where
/// URIs need it (spaces, `#`, `?`, `%`).
fn uri(path: &str) -> String {
    use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
    const SEGMENT: &AsciiSet = &CONTROLS
        .add(b' ')
        .add(b'"')
        .add(b'#')
        .add(b'%')
        .add(b'<')
        .add(b'>')
        .add(b'?')
        .add(b'`')
        .add(b'{')
        .add(b'}')
        .add(b'[')
        .add(b']')
        .add(b'\\')
        .add(b'^')
        .add(b'|');
    path.replace('\\', "/")
        .split('/')
        .map(|seg| utf8_percent_encode(seg, SEGMENT).to_string())
        .collect::<Vec<_>>()
        .join("/")
}

fn service_results(s: &ServiceReport<'_>, rules: &mut Rules, results: &mut Vec<Value>) {
    let r = s.report;
    let names = ShortNames::of_report(r);
    let outcomes = r.row_outcomes();
    for (row, &o) in r.rows.iter().zip(&outcomes) {
        if o == RowOutcome::Pass {
            continue;
        }
        let rule = rules.index(row.code.as_str(), reason_description(row.code), "row");
        let tag = context_tag(row, r);
        let mut text = format!(
            "{}: feature `{}` needs `{}` on `{}`{}: {}: {}",
            s.name,
            row.feature,
            row.action,
            names.get(&row.resource),
            if tag.is_empty() {
                String::new()
            } else {
                format!(" [{tag}]")
            },
            row.verdict.as_str(),
            names.shorten_text(&row.reason)
        );
        let fixes = fix_lines(r, row, &names);
        if !fixes.is_empty() {
            text.push_str(&format!(". Fix: {}", fixes.join("; ")));
        }
        let mut result = json!({
            "ruleId": row.code.as_str(),
            "ruleIndex": rule,
            "level": level(o, row.verdict),
            "message": { "text": text },
            "partialFingerprints": {
                "pydynoxIamRow/v1": format!(
                    "{}|{}|{}|{}|{}",
                    s.name,
                    row.feature,
                    row.action,
                    row.resource,
                    crate::report::table::context_text(&row.context)
                ),
            },
            "properties": {
                "service": s.name,
                "feature": row.feature,
                "action": row.action,
                "resource": row.resource,
                "verdict": row.verdict.as_str(),
                "context": row.context.iter().map(|c| format!("{}={}", c.key, c.values.join(","))).collect::<Vec<_>>(),
            },
        });
        // The call in the code first (where a pull request shows it), then where the grant
        // belongs; a row with only the latter is placed there.
        let calls: Vec<Value> = row
            .locations
            .iter()
            .filter(|l| l.kind == LocationKind::Call)
            .map(location)
            .collect();
        let grants: Vec<Value> = row
            .locations
            .iter()
            .filter(|l| l.kind == LocationKind::Grant)
            .map(location)
            .collect();
        match (calls.is_empty(), grants.is_empty()) {
            (false, _) => {
                result["locations"] = json!(calls);
                if !grants.is_empty() {
                    let related: Vec<Value> = grants
                        .into_iter()
                        .enumerate()
                        .map(|(i, mut g)| {
                            g["id"] = json!(i);
                            g
                        })
                        .collect();
                    result["relatedLocations"] = json!(related);
                }
            }
            (true, false) => result["locations"] = json!(grants),
            (true, true) => {}
        }
        if let Some(expected) = &row.waived {
            result["suppressions"] = json!([{ "kind": "external", "justification": expected }]);
        }
        results.push(result);
    }
    for e in &r.expected_unmatched {
        let rule = rules.index(
            "expected-unmatched",
            "An expected exception in the config file waived no row of this run",
            "config",
        );
        results.push(json!({
            "ruleId": "expected-unmatched",
            "ruleIndex": rule,
            "level": "note",
            "message": { "text": format!(
                "{}: the expected exception at line {} (`{}` on `{}`) waived nothing: {}",
                s.name,
                e.line,
                e.action,
                e.resource.as_deref().unwrap_or("its resource"),
                e.why
            )},
            "properties": { "service": s.name, "line": e.line },
        }));
    }
    for f in r.least_privilege.iter().flatten() {
        let rule = rules.index(
            f.code.as_str(),
            "A grant beyond what the declared pydynox features need",
            "least-privilege",
        );
        let level = if f.fails {
            "error"
        } else if f.severity == crate::report::findings::Severity::High {
            "warning"
        } else {
            "note"
        };
        let sid = f
            .sid
            .as_deref()
            .map(|s| format!(" `{s}`"))
            .unwrap_or_default();
        results.push(json!({
            "ruleId": f.code.as_str(),
            "ruleIndex": rule,
            "level": level,
            "message": { "text": format!(
                "{}: policy `{}` statement #{}{sid}: {} ({})",
                s.name, f.policy, f.statement, f.message, f.severity.as_str()
            )},
            "partialFingerprints": {
                "pydynoxIamFinding/v1": format!("{}|{}|{}|{}", s.name, f.code.as_str(), f.policy, f.statement),
            },
            "properties": {
                "service": s.name,
                "policy": f.policy,
                "statement": f.statement,
                "severity": f.severity.as_str(),
                "fails": f.fails,
            },
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_references() {
        assert_eq!(uri("src/app.py"), "src/app.py");
        assert_eq!(uri("my dir/a#b?.py"), "my%20dir/a%23b%3F.py");
        assert_eq!(uri("a\\b.yaml"), "a/b.yaml");
    }
}
