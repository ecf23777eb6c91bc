//! `simulate`'s results as a table for people (deciding statements, and why in a sentence
//! per reason) or as pretty JSON (the wire format's result objects). Writes to any
//! `io::Write`.

use std::io::{self, Write};

use comfy_table::{ContentArrangement, Table, presets};

use crate::engine::{Decision, Effect, PolicyKind, Reason};
use crate::simulate::wire::SimResult;

pub fn write_json(w: &mut dyn Write, results: &[SimResult]) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, results)?;
    writeln!(w)
}

fn decision_text(d: Decision) -> &'static str {
    match d {
        Decision::Allowed => "allowed",
        Decision::ExplicitDeny => "explicit deny",
        Decision::ImplicitDeny => "implicit deny",
        Decision::Indeterminate => "indeterminate",
    }
}

fn kind_text(k: PolicyKind) -> &'static str {
    match k {
        PolicyKind::Identity => "identity",
        PolicyKind::Boundary => "boundary",
        PolicyKind::Resource => "resource",
        PolicyKind::Scp => "service control",
        PolicyKind::Rcp => "resource control",
    }
}

/// One reason as a sentence for the table (JSON carries the structured form with its `code`).
fn reason_text(r: &Reason) -> String {
    match r {
        Reason::ExplicitDenyIn {
            policy,
            kind,
            statement,
        } => format!(
            "explicit deny in {} policy `{policy}` statement {statement}",
            kind_text(*kind)
        ),
        Reason::StatementNotEvaluable {
            policy,
            kind,
            statement,
            effect,
            detail,
        } => {
            let effect = match effect {
                Effect::Allow => "Allow",
                Effect::Deny => "Deny",
            };
            format!(
                "{effect} in {} policy `{policy}` statement {statement} could not be evaluated: {detail}",
                kind_text(*kind)
            )
        }
        Reason::IdentityAllows => "an identity policy allows".to_string(),
        Reason::NoIdentityAllow => "no identity policy allows".to_string(),
        Reason::BoundaryAllows { policy } => format!("permissions boundary `{policy}` allows"),
        Reason::BoundaryDoesNotAllow { policy } => {
            format!("permissions boundary `{policy}` does not allow")
        }
        Reason::ResourcePolicyAllows {
            policy,
            capped_by_boundary,
        } => {
            let how = if *capped_by_boundary {
                "capped by the permissions boundary"
            } else {
                "on its own: it names the caller"
            };
            format!("resource policy `{policy}` allows ({how})")
        }
        Reason::ResourcePolicyDoesNotAllow { policy } => {
            format!("resource policy `{policy}` does not allow")
        }
        Reason::KeyPolicyAllows {
            policy,
            capped_by_boundary,
        } => {
            let how = if *capped_by_boundary {
                " (capped by the permissions boundary)"
            } else {
                ""
            };
            format!("key policy `{policy}` allows the caller{how}")
        }
        Reason::KeyPolicyDelegatesToIam { policy } => {
            format!("key policy `{policy}` delegates to IAM policies (account root principal)")
        }
        Reason::KeyPolicyNoIamDelegation { policy } => format!(
            "key policy `{policy}` does not delegate this action to IAM, so identity policies cannot grant it"
        ),
        Reason::KeyPolicyDoesNotAllow { policy } => {
            format!("key policy `{policy}` neither allows the caller nor delegates to IAM")
        }
        Reason::KeyPolicyNotEvaluated => "kms action on a key but no key policy was evaluated: \
             pass it with --resource-policy-file (mode kms)"
            .to_string(),
        Reason::CrossAccount {
            principal_account,
            resource_account,
        } => format!(
            "cross-account (principal in {principal_account}, resource in {resource_account}): \
             the resource policy must allow too"
        ),
        Reason::OrgPolicyDenies {
            layer,
            policy,
            name,
            level,
            statement,
        } => format!(
            "explicit deny in {} `{name}` ({policy}) attached to `{level}`, statement {statement}",
            layer.label()
        ),
        Reason::OrgLevelDoesNotAllow { layer, level } => format!(
            "no {} attached to `{level}` allows this (every level from the root to the account must)",
            layer.label()
        ),
        Reason::OrgLayerAllows { layer } => {
            format!("every level of the {}s allows", layer.label())
        }
        Reason::OrgLayerNotApplicable { layer, why } => {
            format!("no {} applies: {why}", layer.label())
        }
    }
}

pub fn write_table(w: &mut dyn Write, results: &[SimResult]) -> io::Result<()> {
    let mut t = Table::new();
    t.load_style(presets::UTF8_FULL_CONDENSED);
    t.set_content_arrangement(ContentArrangement::Disabled);
    t.force_no_tty();
    t.set_header(vec![
        "Action",
        "Resource",
        "Decision",
        "Deciding statements (policy #index Sid)",
        "Why",
    ]);
    for r in results {
        let matched: Vec<String> = r
            .matched
            .iter()
            .map(|m| match &m.sid {
                Some(sid) => format!("{} #{} {sid}", m.policy, m.statement),
                None => format!("{} #{}", m.policy, m.statement),
            })
            .collect();
        let mut why: Vec<String> = r.reasons.iter().map(reason_text).collect();
        if !r.missing_context.is_empty() {
            why.push(format!(
                "missing context: {} (supply it with --context KEY=TYPE:VALUE)",
                r.missing_context.join(", ")
            ));
        }
        why.extend(r.unsupported.iter().map(|u| format!("unsupported: {u}")));
        why.extend(r.errors.iter().cloned());
        t.add_row(vec![
            r.action.clone().unwrap_or_default(),
            r.resource.clone().unwrap_or_default(),
            decision_text(r.decision).to_string(),
            matched.join("\n"),
            why.join("\n"),
        ]);
    }
    writeln!(w, "{t}")?;
    let count = |d: Decision| results.iter().filter(|r| r.decision == d).count();
    writeln!(
        w,
        "{} requests: {} allowed, {} explicit deny, {} implicit deny, {} indeterminate",
        results.len(),
        count(Decision::Allowed),
        count(Decision::ExplicitDeny),
        count(Decision::ImplicitDeny),
        count(Decision::Indeterminate)
    )?;
    // An Allow without the organization's policies is not final: an SCP or RCP that does not
    // allow the call, or denies it, overrides it (IAM User Guide, "Policy evaluation logic").
    if results
        .iter()
        .any(|r| r.errors.is_empty() && !r.org_policies_evaluated)
    {
        writeln!(
            w,
            "note: no service control policy (SCP) nor resource control policy (RCP) was evaluated: `allowed` holds only if the organization's SCPs and RCPs allow the call too; give them with --org-policies-file FILE"
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::wire::MatchedWire;

    const TABLE: &str = "arn:aws:dynamodb:eu-west-1:111122223333:table/Orders";

    #[test]
    fn table_lists_deciding_statements_and_why() {
        let results = vec![
            SimResult {
                action: Some("dynamodb:GetItem".into()),
                resource: Some(TABLE.into()),
                decision: Decision::ExplicitDeny,
                matched: vec![MatchedWire {
                    policy: "app".into(),
                    statement: 2,
                    sid: Some("NoDeletes".into()),
                }],
                missing_context: vec!["aws:SourceIp".into()],
                unsupported: vec!["operator `Foo` is unknown".into()],
                reasons: vec![Reason::ExplicitDenyIn {
                    policy: "app".into(),
                    kind: PolicyKind::Identity,
                    statement: 2,
                }],
                errors: vec![],
                org_policies_evaluated: false,
            },
            SimResult::malformed(None, None, vec!["line 3: bad".into()]),
        ];
        let mut out = Vec::new();
        write_table(&mut out, &results).unwrap();
        let text = String::from_utf8(out).unwrap();
        for want in [
            "Deciding statements",
            "app #2 NoDeletes",
            "explicit deny in identity policy `app` statement 2",
            "missing context: aws:SourceIp",
            "unsupported: operator `Foo` is unknown",
            "line 3: bad",
            "2 requests: 0 allowed, 1 explicit deny, 0 implicit deny, 1 indeterminate",
        ] {
            assert!(text.contains(want), "missing `{want}` in:\n{text}");
        }
    }

    #[test]
    fn every_reason_has_a_sentence_naming_its_policy() {
        let p = || crate::engine::Name::from("pol");
        let reasons = [
            Reason::BoundaryAllows { policy: p() },
            Reason::BoundaryDoesNotAllow { policy: p() },
            Reason::ResourcePolicyAllows {
                policy: p(),
                capped_by_boundary: true,
            },
            Reason::ResourcePolicyDoesNotAllow { policy: p() },
            Reason::KeyPolicyAllows {
                policy: p(),
                capped_by_boundary: false,
            },
            Reason::KeyPolicyDelegatesToIam { policy: p() },
            Reason::KeyPolicyNoIamDelegation { policy: p() },
            Reason::KeyPolicyDoesNotAllow { policy: p() },
            Reason::StatementNotEvaluable {
                policy: p(),
                kind: PolicyKind::Boundary,
                statement: 1,
                effect: Effect::Deny,
                detail: "why".into(),
            },
        ];
        for r in &reasons {
            assert!(
                reason_text(r).contains("`pol`"),
                "{r:?}: {}",
                reason_text(r)
            );
        }
    }
}
