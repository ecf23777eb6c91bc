//! Statement matching and the single-account decision chain (explicit deny → resource policy → identity →
//! boundary, plus the KMS key-policy rule). Owns combining statement outcomes into a [`Decision`] with
//! reasons; must not parse JSON or know operator details.
//!
//! AWS: reference_policies_evaluation-logic and reference_policies_evaluation-logic_policy-eval-denyallow
//! (section B.1 of the project reference), kms/latest/developerguide/key-policy-default (root principal
//! delegates to IAM), reference_policies_evaluation-logic-cross-account.

use super::condition::Tri;
use super::parse::{ActionElement, PrincipalElement, Principals, ResourceElement, Statement};
use super::principal::{EntryMatch, PrincipalArn, PrincipalType, arn_account, match_aws_entry};
use super::variables::Unresolved;
use super::{
    Decision, Effect, Evaluation, MatchedStatement, NamedPolicy, PolicyKind, PolicySet, Reason,
    Request, ResourcePolicyMode,
};

/// How an applicable resource-policy Allow grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Grant {
    /// Names the exact user or session ARN: grants on its own (B.1 step 4).
    Uncapped,
    /// Names a role, the account (Standard mode), `*` or uses `NotPrincipal`: capped by the boundary.
    Capped,
    /// KMS key policy naming the caller's account root: delegates to IAM policies.
    Delegation,
}

/// One statement's outcome for this request.
struct Outcome<'a> {
    policy: &'a NamedPolicy,
    /// The role the policy plays in this evaluation (from its slot in the [`PolicySet`]).
    kind: PolicyKind,
    index: usize,
    stmt: &'a Statement,
    applies: Tri,
    /// Action, resource (not definitely false) and principal match: the statement is about this request.
    relevant: bool,
    grants: Vec<Grant>,
    missing: Vec<String>,
    unsupported: Vec<String>,
}

impl Outcome<'_> {
    fn matched(&self) -> MatchedStatement {
        MatchedStatement {
            policy: self.policy.id.clone(),
            kind: self.kind,
            statement: self.index,
            sid: self.stmt.sid.clone(),
            effect: self.stmt.effect,
        }
    }
    fn location(&self) -> String {
        match &self.stmt.sid {
            Some(sid) => format!(
                "policy `{}` statement {} (`{sid}`)",
                self.policy.id, self.index
            ),
            None => format!("policy `{}` statement {}", self.policy.id, self.index),
        }
    }
}

/// reference_policies_elements_action / _notaction: names are case-insensitive; NotAction matches every
/// action not listed.
fn action_matches(el: &ActionElement, action: &str) -> bool {
    match el {
        ActionElement::Action(ps) => ps.iter().any(|p| p.matches(action)),
        ActionElement::NotAction(ps) => !ps.iter().any(|p| p.matches(action)),
    }
}

/// reference_policies_elements_resource / _notresource. A resource pattern is a case-sensitive glob over the
/// whole ARN: `*` may cross `/` and `:` (the docs allow `*` across `/` and a segment-final `*` past `:`; we
/// take the simpler superset). A variable with no value makes that entry match nothing.
fn resource_matches(
    el: Option<&ResourceElement>,
    req: &Request,
    kind: PolicyKind,
    o: &mut (Vec<String>, Vec<String>),
) -> Tri {
    let list = match el {
        None if kind == PolicyKind::Resource => return Tri::True, // the resource the policy is attached to
        None => {
            o.1.push("identity policy statement has no `Resource` or `NotResource`".to_string());
            return Tri::Unknown;
        }
        Some(ResourceElement::Resource(l) | ResourceElement::NotResource(l)) => l,
    };
    let any = Tri::any(
        list.iter()
            .map(|t| {
                let loose = match t.fixed_pattern() {
                    Some(p) => p.matches(&req.resource),
                    None => match t.resolve(&req.context, &req.principal) {
                        Ok(r) => r.pattern(false).matches(&req.resource),
                        Err(e) => return Err(e),
                    },
                };
                // A glob over the whole ARN is a superset of AWS's segment rule; where the two
                // differ (a wildcard reaching across `:`), AWS's documentation does not settle
                // the answer, so the statement is unknown rather than matching or not.
                if !loose || !t.source().contains(['*', '?']) {
                    return Ok(Tri::from_bool(loose));
                }
                let strict = t.resolve(&req.context, &req.principal)?.matches_arn_segments(&req.resource);
                if strict {
                    Ok(Tri::True)
                } else {
                    Err(Unresolved::Unsupported(format!(
                        "`{}` matches `{}` only if a wildcard may span `:`, which AWS does not document",
                        t.source(),
                        req.resource
                    )))
                }
            })
            .map(|r| match r {
                Ok(tri) => tri,
                Err(Unresolved::Missing(k)) => {
                    o.0.push(k);
                    Tri::False
                }
                Err(Unresolved::Unsupported(why)) => {
                    o.1.push(format!("`Resource` {why}"));
                    Tri::Unknown
                }
            }),
    );
    match el {
        Some(ResourceElement::NotResource(_)) => any.negate(),
        _ => any,
    }
}

fn entry_matches(p: &Principals, caller: &str) -> Vec<EntryMatch> {
    let mut out = Vec::new();
    if p.anyone {
        out.push(EntryMatch::Anyone);
    }
    out.extend(p.aws.iter().map(|e| match_aws_entry(e, caller)));
    out.extend(p.service.iter().chain(&p.federated).map(|e| {
        if e == caller {
            EntryMatch::Exact
        } else {
            EntryMatch::None
        }
    }));
    out.retain(|m| *m != EntryMatch::None);
    out
}

/// Principal element of a resource policy → the grants it gives this caller (empty = does not apply).
/// reference_policies_elements_principal and _notprincipal.
fn principal_grants(el: &PrincipalElement, caller: &str, mode: ResourcePolicyMode) -> Vec<Grant> {
    let is_user_or_session = PrincipalArn::parse(caller)
        .is_some_and(|p| p.kind == PrincipalType::User || p.is_session());
    match el {
        PrincipalElement::Principal(p) => {
            let mut grants: Vec<Grant> = entry_matches(p, caller)
                .into_iter()
                .map(|m| match (m, mode) {
                    (EntryMatch::Exact, _) if is_user_or_session => Grant::Uncapped,
                    (EntryMatch::Account, ResourcePolicyMode::KmsKeyPolicy) => Grant::Delegation,
                    _ => Grant::Capped,
                })
                .collect();
            grants.sort_by_key(|g| *g as u8);
            grants.dedup();
            grants
        }
        PrincipalElement::NotPrincipal(p) => {
            if not_principal_exempts(p, caller) {
                Vec::new()
            } else {
                vec![Grant::Capped]
            }
        }
    }
}

/// reference_policies_elements_notprincipal: the request is checked against every identity the caller
/// carries (the session, its role, the account), so a caller is exempt only when all of them are listed —
/// which is why the docs say a Deny+NotPrincipal must also list the account ARN.
fn not_principal_exempts(p: &Principals, caller: &str) -> bool {
    let found = entry_matches(p, caller);
    if found.contains(&EntryMatch::Anyone) {
        return true;
    }
    let required: &[EntryMatch] = match PrincipalArn::parse(caller).map(|c| c.kind) {
        Some(PrincipalType::Role) => &[EntryMatch::Role, EntryMatch::Account],
        Some(PrincipalType::AssumedRole) => {
            &[EntryMatch::Exact, EntryMatch::Role, EntryMatch::Account]
        }
        Some(PrincipalType::User | PrincipalType::FederatedUser) => {
            &[EntryMatch::Exact, EntryMatch::Account]
        }
        Some(PrincipalType::Root) => &[EntryMatch::Account],
        None => &[EntryMatch::Exact],
    };
    required.iter().all(|r| found.contains(r))
}

fn evaluate_statement<'a>(
    policy: &'a NamedPolicy,
    kind: PolicyKind,
    index: usize,
    stmt: &'a Statement,
    req: &Request,
    mode: ResourcePolicyMode,
    has_boundary: bool,
) -> Outcome<'a> {
    let mut out = Outcome {
        policy,
        kind,
        index,
        stmt,
        applies: Tri::False,
        relevant: false,
        grants: Vec::new(),
        missing: Vec::new(),
        unsupported: Vec::new(),
    };
    if !action_matches(&stmt.action, &req.action) {
        return out;
    }
    let mut notes = (Vec::new(), Vec::new());
    let resource = resource_matches(stmt.resource.as_ref(), req, kind, &mut notes);
    let (missing, mut unsupported) = notes;
    out.missing = missing;
    if resource == Tri::False {
        // A Resource variable without a value still tells the caller which key to supply.
        out.relevant = !out.missing.is_empty();
        return out;
    }
    // Principal: required in resource policies, forbidden elsewhere (reference_policies_elements_principal).
    let principal = match (kind, &stmt.principal) {
        // reference_policies_elements_notprincipal (current page): "NotPrincipal must be used with
        // Effect Deny. Using it with Allow is not supported" — so it cannot grant here.
        (PolicyKind::Resource, Some(PrincipalElement::NotPrincipal(_)))
            if stmt.effect == Effect::Allow =>
        {
            unsupported.push("`NotPrincipal` with `Allow` is not supported by AWS".to_string());
            out.grants = vec![Grant::Capped];
            Tri::Unknown
        }
        // Same page: a Deny with NotPrincipal "will always deny any IAM principal that has a permissions
        // boundary policy attached", whatever the list says.
        (PolicyKind::Resource, Some(PrincipalElement::NotPrincipal(_)))
            if has_boundary && PrincipalArn::parse(&req.principal).is_some() =>
        {
            Tri::True
        }
        (PolicyKind::Resource, Some(p)) => {
            out.grants = principal_grants(p, &req.principal, mode);
            Tri::from_bool(!out.grants.is_empty())
        }
        (PolicyKind::Resource, None) => {
            unsupported
                .push("resource policy statement has no `Principal` or `NotPrincipal`".to_string());
            out.grants = vec![Grant::Capped];
            Tri::Unknown
        }
        (_, Some(_)) => {
            unsupported.push(
                "`Principal`/`NotPrincipal` is not allowed in identity or boundary policies"
                    .to_string(),
            );
            Tri::Unknown
        }
        (_, None) => Tri::True,
    };
    if principal == Tri::False {
        return out;
    }
    out.relevant = true;
    // Conditions: every operator and every key must hold (reference_policies_elements_condition_operators).
    let mut cond = Tri::True;
    for c in &stmt.conditions {
        let o = c.evaluate(&req.context, &req.principal);
        cond = cond.and(o.value);
        out.missing.extend(o.missing);
        unsupported.extend(
            o.unsupported
                .into_iter()
                .map(|u| format!("`Condition` `{}` `{}`: {u}", c.operator_name, c.key)),
        );
    }
    out.applies = resource.and(principal).and(cond);
    if out.applies == Tri::Unknown {
        let loc = out.location();
        out.unsupported = unsupported
            .into_iter()
            .map(|u| format!("{loc}: {u}"))
            .collect();
    }
    out
}

/// A `kms:` action on a key or alias ARN.
fn is_kms_key_request(req: &Request) -> bool {
    let service_is_kms = req
        .action
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("kms:"));
    let mut parts = req.resource.splitn(6, ':');
    let is_key = parts.next() == Some("arn")
        && parts.nth(1) == Some("kms")
        && parts
            .nth(2)
            .is_some_and(|r| r.starts_with("key/") || r.starts_with("alias/"));
    service_is_kms && is_key
}

fn any_applies<'o, 'a: 'o>(it: impl IntoIterator<Item = &'o Outcome<'a>>) -> Tri {
    Tri::any(it.into_iter().map(|o| o.applies))
}

/// Append items not already present; condition-key names compare case-insensitively.
fn push_unique(v: &mut Vec<String>, items: impl IntoIterator<Item = String>) {
    for i in items {
        if !v.iter().any(|x| x.eq_ignore_ascii_case(&i)) {
            v.push(i);
        }
    }
}

/// Decide `req` against `set`.
pub fn evaluate(set: &PolicySet, req: &Request) -> Evaluation {
    let mode = set
        .resource_policy
        .map_or(ResourcePolicyMode::Standard, |(_, m)| m);
    let mut policies: Vec<&NamedPolicy> = set.identity.iter().collect();
    policies.extend(set.boundary);
    policies.extend(set.resource_policy.map(|(p, _)| p));

    let mut outcomes: Vec<Outcome> = Vec::new();
    for (slot, p) in policies.iter().enumerate() {
        // The slot decides the role of a policy, whatever `kind` says, so a mislabelled policy cannot grant
        // from the wrong place.
        let role = if slot < set.identity.len() {
            PolicyKind::Identity
        } else if set.boundary.is_some() && slot == set.identity.len() {
            PolicyKind::Boundary
        } else {
            PolicyKind::Resource
        };
        for (i, s) in p.document.statements.iter().enumerate() {
            let mut o = evaluate_statement(p, role, i, s, req, mode, set.boundary.is_some());
            if p.kind != role && o.relevant && o.applies == Tri::True {
                o.applies = Tri::Unknown;
                o.unsupported.push(format!(
                    "policy `{}` is labelled {:?} but passed as {:?}",
                    p.id, p.kind, role
                ));
            }
            outcomes.push(o);
        }
    }
    let of_kind = |k: PolicyKind, e: Effect| {
        outcomes
            .iter()
            .filter(move |o| o.kind == k && o.stmt.effect == e)
    };

    let mut missing = Vec::new();
    let mut unsupported = Vec::new();
    let mut reasons = Vec::new();
    for o in outcomes
        .iter()
        .filter(|o| o.stmt.effect == Effect::Deny && o.relevant)
    {
        push_unique(&mut missing, o.missing.iter().cloned());
    }
    for o in outcomes.iter().filter(|o| o.applies == Tri::Unknown) {
        push_unique(&mut unsupported, o.unsupported.iter().cloned());
        reasons.push(Reason::StatementNotEvaluable {
            policy: o.policy.id.clone(),
            kind: o.kind,
            statement: o.index,
            effect: o.stmt.effect,
            detail: o.unsupported.join("; "),
        });
    }

    // Step 1: an applicable explicit Deny in any policy wins.
    let denies: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| o.stmt.effect == Effect::Deny && o.applies == Tri::True)
        .collect();
    if !denies.is_empty() {
        let mut r: Vec<Reason> = denies
            .iter()
            .map(|o| Reason::ExplicitDenyIn {
                policy: o.policy.id.clone(),
                kind: o.kind,
                statement: o.index,
            })
            .collect();
        r.extend(reasons.into_iter().filter(|x| {
            matches!(
                x,
                Reason::StatementNotEvaluable {
                    effect: Effect::Deny,
                    ..
                }
            )
        }));
        return Evaluation {
            decision: Decision::ExplicitDeny,
            matched: denies.iter().map(|o| o.matched()).collect(),
            missing_context: missing,
            unsupported,
            reasons: r,
        };
    }
    let deny_unknown = outcomes
        .iter()
        .any(|o| o.stmt.effect == Effect::Deny && o.applies == Tri::Unknown);

    // Components of the allow side.
    let identity = any_applies(of_kind(PolicyKind::Identity, Effect::Allow));
    let boundary = match set.boundary {
        None => Tri::True,
        Some(b) => {
            let t = any_applies(of_kind(PolicyKind::Boundary, Effect::Allow));
            match t {
                Tri::True => reasons.push(Reason::BoundaryAllows {
                    policy: b.id.clone(),
                }),
                Tri::False => reasons.push(Reason::BoundaryDoesNotAllow {
                    policy: b.id.clone(),
                }),
                Tri::Unknown => {}
            }
            t
        }
    };
    match identity {
        Tri::True => reasons.push(Reason::IdentityAllows),
        Tri::False => reasons.push(Reason::NoIdentityAllow),
        Tri::Unknown => {}
    }
    let grant = |g: Grant| {
        any_applies(of_kind(PolicyKind::Resource, Effect::Allow).filter(|o| o.grants.contains(&g)))
    };
    let (unc, cap, del) = (
        grant(Grant::Uncapped),
        grant(Grant::Capped),
        grant(Grant::Delegation),
    );

    let principal_account = PrincipalArn::parse(&req.principal)
        .map(|p| p.account)
        .or_else(|| arn_account(&req.principal).map(str::to_string));
    let resource_account = set
        .resource_account
        .clone()
        .or_else(|| arn_account(&req.resource).map(str::to_string));
    let cross = match (&principal_account, &resource_account) {
        (Some(p), Some(r)) if p != r => {
            reasons.push(Reason::CrossAccount {
                principal_account: p.clone(),
                resource_account: r.clone(),
            });
            true
        }
        _ => false,
    };

    let allow = match set.resource_policy {
        // reference_policies_evaluation-logic-cross-account: without the resource account's Allow, denied.
        None if cross => Tri::False,
        None => identity.and(boundary),
        Some((rp, ResourcePolicyMode::Standard)) => {
            let any = unc.or(cap);
            if unc == Tri::True || cap == Tri::True {
                reasons.push(Reason::ResourcePolicyAllows {
                    policy: rp.id.clone(),
                    capped_by_boundary: unc != Tri::True,
                });
            } else if any == Tri::False && cross {
                reasons.push(Reason::ResourcePolicyDoesNotAllow {
                    policy: rp.id.clone(),
                });
            }
            if cross {
                // reference_policies_evaluation-logic-cross-account: both accounts must allow.
                any.and(identity).and(boundary)
            } else {
                // B.1 step 4: a same-account resource-policy Allow naming a user or session ARN grants on its
                // own; naming a role (or the account, or `*`) it is still capped by the boundary.
                unc.or(cap.or(identity).and(boundary))
            }
        }
        Some((kp, ResourcePolicyMode::KmsKeyPolicy)) => {
            // kms key-policy-default: "allows access to the AWS account and enables IAM policies"; without
            // that statement, IAM policies alone never grant access to the key.
            let direct = unc.or(cap);
            if direct == Tri::True {
                reasons.push(Reason::KeyPolicyAllows {
                    policy: kp.id.clone(),
                    capped_by_boundary: unc != Tri::True,
                });
            }
            match del {
                Tri::True => reasons.push(Reason::KeyPolicyDelegatesToIam {
                    policy: kp.id.clone(),
                }),
                Tri::False => reasons.push(Reason::KeyPolicyNoIamDelegation {
                    policy: kp.id.clone(),
                }),
                Tri::Unknown => {}
            }
            if direct == Tri::False && del == Tri::False {
                reasons.push(Reason::KeyPolicyDoesNotAllow {
                    policy: kp.id.clone(),
                });
            }
            if cross {
                direct.or(del).and(identity).and(boundary)
            } else {
                unc.or(cap.or(del.and(identity)).and(boundary))
            }
        }
    };

    // KMS access always depends on the key policy (A.6.2): an Allow computed without it, or with the key
    // policy evaluated as a Standard resource policy, is not a verdict.
    let key_policy_missing = is_kms_key_request(req)
        && !matches!(
            set.resource_policy,
            Some((_, ResourcePolicyMode::KmsKeyPolicy))
        );
    if key_policy_missing && allow != Tri::False {
        reasons.push(Reason::KeyPolicyNotEvaluated);
    }
    let decision = match (allow, deny_unknown || key_policy_missing) {
        (Tri::False, _) => Decision::ImplicitDeny,
        (Tri::True, false) => Decision::Allowed,
        _ => Decision::Indeterminate,
    };
    if decision != Decision::Allowed {
        // MissingContextValues as in SimulatePrincipalPolicy: keys relevant Allow statements needed.
        for o in outcomes
            .iter()
            .filter(|o| o.stmt.effect == Effect::Allow && o.relevant)
        {
            push_unique(&mut missing, o.missing.iter().cloned());
        }
    }
    let matched = if decision == Decision::Allowed {
        outcomes
            .iter()
            .filter(|o| {
                o.stmt.effect == Effect::Allow
                    && o.applies == Tri::True
                    && o.kind != PolicyKind::Boundary
            })
            .map(Outcome::matched)
            .collect()
    } else {
        Vec::new()
    };
    Evaluation {
        decision,
        matched,
        missing_context: missing,
        unsupported,
        reasons,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Context, ContextValue, PolicyDocument};

    const ROLE: &str = "arn:aws:iam::111122223333:role/app/R";
    const TABLE: &str = "arn:aws:dynamodb:us-east-1:111122223333:table/T";

    fn policy(id: &str, kind: PolicyKind, json: &str) -> NamedPolicy {
        NamedPolicy {
            id: id.into(),
            kind,
            document: PolicyDocument::parse(json).unwrap(),
        }
    }
    fn req(action: &str, context: Context) -> Request {
        Request {
            principal: ROLE.into(),
            action: action.into(),
            resource: TABLE.into(),
            context,
        }
    }

    #[test]
    fn evaluation_serializes_with_stable_codes() {
        let ids = [policy(
            "p",
            PolicyKind::Identity,
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"S","Effect":"Deny","Action":"dynamodb:*","Resource":"*"}]}"#,
        )];
        let set = PolicySet {
            identity: &ids,
            boundary: None,
            resource_policy: None,
            resource_account: None,
        };
        let e = evaluate(&set, &req("dynamodb:GetItem", Context::new()));
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["decision"], "explicit_deny");
        assert_eq!(v["matched"][0]["sid"], "S");
        assert_eq!(v["matched"][0]["kind"], "identity");
        assert_eq!(v["matched"][0]["effect"], "Deny");
        assert_eq!(v["reasons"][0]["code"], "explicit_deny_in");
    }

    #[test]
    fn decision_table() {
        let allow = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"*"}}"#;
        let cond_allow = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}}"#;
        let odd_allow = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"*","Condition":{"Fancy":{"k":"v"}}}}"#;
        let odd_deny = r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Fancy":{"k":"v"}}}}"#;
        let secure = Context::new().with("aws:SecureTransport", ContextValue::string("true"));
        // (identity policies, context, expected decision, expected missing keys)
        let cases: Vec<(Vec<&str>, Context, Decision, Vec<&str>)> = vec![
            (vec![allow], Context::new(), Decision::Allowed, vec![]),
            (vec![], Context::new(), Decision::ImplicitDeny, vec![]),
            (
                vec![cond_allow],
                Context::new(),
                Decision::ImplicitDeny,
                vec!["aws:SecureTransport"],
            ),
            (vec![cond_allow], secure.clone(), Decision::Allowed, vec![]),
            (
                vec![odd_allow],
                Context::new(),
                Decision::Indeterminate,
                vec![],
            ),
            (
                vec![odd_allow, allow],
                Context::new(),
                Decision::Allowed,
                vec![],
            ),
            (
                vec![allow, odd_deny],
                Context::new(),
                Decision::Indeterminate,
                vec![],
            ),
            (
                vec![odd_deny],
                Context::new(),
                Decision::ImplicitDeny,
                vec![],
            ),
        ];
        for (i, (docs, ctx, want, missing)) in cases.into_iter().enumerate() {
            let ids: Vec<NamedPolicy> = docs
                .iter()
                .enumerate()
                .map(|(j, d)| policy(&format!("p{j}"), PolicyKind::Identity, d))
                .collect();
            let set = PolicySet {
                identity: &ids,
                boundary: None,
                resource_policy: None,
                resource_account: None,
            };
            let e = evaluate(&set, &req("dynamodb:GetItem", ctx));
            assert_eq!(e.decision, want, "case {i}: {e:?}");
            assert_eq!(e.missing_context, missing, "case {i}");
        }
    }

    #[test]
    fn mislabelled_policy_cannot_grant_from_the_wrong_slot() {
        // A resource-kind policy passed as identity: its Allow is not trusted.
        let rp = policy(
            "rp",
            PolicyKind::Resource,
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"*"}}"#,
        );
        let ids = [rp];
        let set = PolicySet {
            identity: &ids,
            boundary: None,
            resource_policy: None,
            resource_account: None,
        };
        let e = evaluate(&set, &req("dynamodb:GetItem", Context::new()));
        assert_eq!(e.decision, Decision::Indeterminate);
        assert!(
            e.unsupported.iter().any(|u| u.contains("labelled")),
            "{e:?}"
        );
    }

    #[test]
    fn named_policy_new_validates_elements() {
        let doc = PolicyDocument::parse(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"a:b","Resource":"*"}}"#,
        )
        .unwrap();
        assert!(NamedPolicy::new("x", PolicyKind::Identity, doc.clone()).is_err());
        assert!(NamedPolicy::new("x", PolicyKind::Resource, doc).is_ok());
    }
}
