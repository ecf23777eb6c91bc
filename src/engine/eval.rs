//! Statement matching and the single-account decision chain (explicit deny → resource policy → identity →
//! boundary, plus the KMS key-policy rule), and the open-world rule for contexts that do not describe the
//! whole request. Owns combining statement outcomes into a [`Decision`] with reasons; must not parse JSON
//! or know operator details.
//!
//! AWS: reference_policies_evaluation-logic and reference_policies_evaluation-logic_policy-eval-denyallow
//! (section B.1 of the project reference), kms/latest/developerguide/key-policy-default (root principal
//! delegates to IAM), reference_policies_evaluation-logic-cross-account, reference_policies_elements_principal
//! ("AWS account principals": naming an account "delegates authority to the account").

use super::condition::Tri;
use super::context::{ContextValue, World};
use super::parse::{
    ActionElement, ActionKey, PrincipalElement, Principals, ResourceElement, ServiceMask, Statement,
};
use super::principal::{
    EntryMatch, PrincipalRef, PrincipalType, arn_account, match_aws_entry_with,
};
use super::symbolic::{self, Tok, eq_tri};
use super::variables::{ArnParts, Template, Unresolved};
use super::{
    Decision, Effect, Evaluation, MatchedStatement, NamedPolicy, PolicyKind, PolicySet, Reason,
    Request, ResourcePolicyMode,
};

/// How an applicable resource-policy Allow grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Grant {
    /// Names the exact user or session ARN: grants on its own (B.1 step 4).
    Uncapped,
    /// Names a role, `*` or uses `NotPrincipal`: capped by the boundary.
    Capped,
    /// Names the caller's account (`"A"` or `arn:aws:iam::A:root`): delegates to the account's IAM
    /// policies, in key policies (kms key-policy-default) and in every other resource policy
    /// (reference_policies_elements_principal, "AWS account principals"). It never grants on its own.
    Delegation,
}

/// The kinds of [`Grant`] an applicable resource-policy Allow gives, as a set (one bit each): kept in
/// the [`Outcome`], which every matching statement builds and moves, so it stays a byte.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Grants(u8);

impl Grants {
    fn of(g: Grant) -> Grants {
        Grants(1 << g as u8)
    }
    fn insert(&mut self, g: Grant) {
        self.0 |= 1 << g as u8;
    }
    fn contains(self, g: Grant) -> bool {
        self.0 & (1 << g as u8) != 0
    }
}

/// What a statement's evaluation noted on the way.
#[derive(Debug, Default)]
pub(super) struct Notes {
    /// Keys a positive test lacked (as SimulatePrincipalPolicy's `MissingContextValues`).
    pub(super) missing: Vec<String>,
    /// Keys given as unknown that left the statement undecided.
    pub(super) unknown: Vec<String>,
    /// Symbolic parts (values known only after deploy) that left it undecided.
    pub(super) symbols: Vec<String>,
    pub(super) unsupported: Vec<String>,
}

/// One statement's outcome for this request.
pub(super) struct Outcome<'a> {
    pub(super) policy: &'a NamedPolicy,
    /// The role the policy plays in this evaluation (from its slot in the [`PolicySet`]).
    pub(super) kind: PolicyKind,
    pub(super) index: usize,
    pub(super) stmt: &'a Statement,
    pub(super) applies: Tri,
    /// Action, resource (not definitely false) and principal match: the statement is about this request.
    pub(super) relevant: bool,
    grants: Grants,
    /// `None` when nothing was noted (most statements): an outcome is built and moved for every
    /// statement about the action, and four empty lists made it several times larger.
    notes: Option<Box<Notes>>,
}

/// The notes of an outcome that noted nothing.
static NO_NOTES: Notes = Notes {
    missing: Vec::new(),
    unknown: Vec::new(),
    symbols: Vec::new(),
    unsupported: Vec::new(),
};

impl Notes {
    fn is_empty(&self) -> bool {
        self.missing.is_empty()
            && self.unknown.is_empty()
            && self.symbols.is_empty()
            && self.unsupported.is_empty()
    }
    /// Boxed when there is something in it.
    fn boxed(self) -> Option<Box<Notes>> {
        if self.is_empty() {
            self.discard();
            return None;
        }
        Some(Box::new(self))
    }
    /// Drop, without the call to the drop code when no list ever allocated: every statement about
    /// the action makes a `Notes`, most note nothing, and that call was a measurable part of an
    /// evaluation. A list of capacity 0 owns no memory, so forgetting it leaks nothing.
    #[inline]
    fn discard(self) {
        if self.missing.capacity() == 0
            && self.unknown.capacity() == 0
            && self.symbols.capacity() == 0
            && self.unsupported.capacity() == 0
        {
            std::mem::forget(self);
        }
    }
}

impl Outcome<'_> {
    /// What the statement's evaluation noted (empty lists when nothing).
    pub(super) fn notes(&self) -> &Notes {
        self.notes.as_deref().unwrap_or(&NO_NOTES)
    }
    fn notes_mut(&mut self) -> &mut Notes {
        self.notes.get_or_insert_with(Box::default)
    }
    pub(super) fn matched(&self) -> MatchedStatement {
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

/// The request with what is computed once per evaluation.
pub(super) struct Subject<'r> {
    pub(super) req: &'r Request,
    /// The action's service, to rule out statements about other services at once.
    services: ServiceMask,
    /// The action's prefixes hashed, to rule out most `Action` entries with one comparison.
    action_key: ActionKey,
    /// The action's name bit, to rule out statements that list only other plain names.
    names: ServiceMask,
    /// The resource's tokens when it holds symbolic parts (`Some(None)`: malformed markers).
    resource_symbols: Option<Option<Vec<Tok>>>,
    /// The resource ARN split into its segments, once for every `Resource` entry.
    arn: ArnParts<'r>,
    /// The caller's ARN parsed, the first time a statement asks (resource policies only).
    caller: std::cell::OnceCell<Option<PrincipalRef<'r>>>,
}

/// reference_policies_elements_action / _notaction: names are case-insensitive; NotAction matches every
/// action not listed.
fn action_matches(el: &ActionElement, action: &str, key: &ActionKey) -> bool {
    match el {
        ActionElement::Action(ps) => ps.iter().any(|p| p.matches_key(action, key)),
        ActionElement::NotAction(ps) => !ps.iter().any(|p| p.matches_key(action, key)),
    }
}

/// One `Resource` entry against the request resource. A glob over the whole ARN is a superset of AWS's
/// segment rule; where the two differ (a wildcard reaching across `:`), AWS's documentation does not settle
/// the answer, so the entry is unknown rather than matching or not.
fn resource_entry(t: &Template, s: &Subject, symbols: &mut Vec<String>) -> Result<Tri, Unresolved> {
    let req = s.req;
    let wildcard = t.has_wildcard();
    if t.has_symbols() || s.resource_symbols.is_some() {
        let r = t.resolve(&req.context, &req.principal)?;
        if r.has_value_wildcards() {
            return Err(Unresolved::Unsupported(format!(
                "`{}`: a policy variable's value holds `*` or `?`, and AWS does not say whether they are wildcards there",
                t.source()
            )));
        }
        let (Some(p), Some(Some(text))) = (
            r.sym_tokens(true, false),
            s.resource_symbols
                .clone()
                .or_else(|| Some(symbolic::text_tokens(&req.resource, false))),
        ) else {
            return Err(Unresolved::Unsupported(
                "a symbolic value is malformed".to_string(),
            ));
        };
        let loose = symbolic::glob_tri(&p, &text);
        let answer = if loose == Tri::False || !wildcard {
            loose
        } else {
            match symbolic::arn_segments_tri(&p, &text) {
                Tri::True => Tri::True,
                _ => Tri::Unknown,
            }
        };
        if answer == Tri::Unknown {
            let mut covers_part = false;
            for n in symbolic::names(&p)
                .into_iter()
                .chain(symbolic::names(&text))
            {
                if symbolic::is_request_wildcard(&n) {
                    // Not a value known after deploy: the request itself names many resources.
                    covers_part = true;
                } else if !symbols.contains(&n) {
                    symbols.push(n);
                }
            }
            if covers_part {
                return Err(Unresolved::Unsupported(format!(
                    "`{}` may cover some but not all of the resources `{}` names",
                    t.source(),
                    symbolic::display(&req.resource)
                )));
            }
        }
        return Ok(answer);
    }
    // Borrowed, with its pattern and segments compiled at parse time, when the entry has no variables.
    let resolved = t.resolve_ref(&req.context, &req.principal)?;
    let r: &super::variables::Resolved = &resolved;
    let literal = plain_entry(&r.pattern_ref(), wildcard, t, s, r)?;
    if !r.has_value_wildcards() {
        return Ok(literal);
    }
    // A variable's value holds `*` or `?`: AWS does not say whether they are wildcards there.
    let w = r.values_as_wildcards();
    let wild = plain_entry(&w.pattern(false), true, t, s, &w)?;
    if wild == literal {
        Ok(literal)
    } else {
        Err(Unresolved::Unsupported(format!(
            "`{}`: a policy variable's value holds `*` or `?`, and AWS does not say whether they are wildcards there",
            t.source()
        )))
    }
}

/// The answer for a `Resource` entry without symbols: the whole-string glob (`pattern`) and, when the
/// entry has wildcards, the segment rule. A segment match is always a whole-string match too
/// ([`super::variables::Resolved::matches_arn_segments`]), so the whole-string glob is asked first
/// (one glob rules out most entries) and the segment rule only when it matches: it tells a match
/// from "only if a wildcard may span `:`".
fn plain_entry(
    pattern: &super::Pattern,
    wildcard: bool,
    t: &Template,
    s: &Subject,
    resolved: &super::variables::Resolved,
) -> Result<Tri, Unresolved> {
    if !pattern.matches(&s.req.resource) {
        return Ok(Tri::False);
    }
    if !wildcard || resolved.colons_align(&s.arn) || resolved.matches_arn_parts(&s.arn) {
        return Ok(Tri::True);
    }
    Err(Unresolved::Unsupported(format!(
        "`{}` matches `{}` only if a wildcard may span `:`, which AWS does not document",
        t.source(),
        s.req.resource
    )))
}

/// reference_policies_elements_resource / _notresource. Policy variables in an entry:
/// reference_policies_variables says a variable with no value makes "any attempt to match it" fail, so a
/// `Resource` entry with one matches nothing (when the key is known to be absent, or not given in a
/// closed-world context). Under `NotResource` that "no match" would be negated into a match, which no AWS
/// page states: doubtful, so unknown. A variable whose key AWS sends with a value we do not know is unknown
/// in both.
fn resource_matches(
    el: Option<&ResourceElement>,
    s: &Subject,
    kind: PolicyKind,
    o: &mut Notes,
) -> Tri {
    let (list, negated) = match el {
        None if kind == PolicyKind::Resource => return Tri::True, // the resource the policy is attached to
        None => {
            o.unsupported
                .push("identity policy statement has no `Resource` or `NotResource`".to_string());
            return Tri::Unknown;
        }
        Some(ResourceElement::Resource(l)) => (l, false),
        Some(ResourceElement::NotResource(l)) => (l, true),
    };
    let field = if negated { "NotResource" } else { "Resource" };
    let any = Tri::any(list.iter().map(|t| {
        match resource_entry(t, s, &mut o.symbols) {
            Ok(tri) => tri,
            Err(e @ (Unresolved::Missing(_) | Unresolved::Absent(_))) => {
                let k = match e {
                    Unresolved::Missing(k) => {
                        o.missing.push(k.clone());
                        k
                    }
                    Unresolved::Absent(k) | Unresolved::Unknown(k) | Unresolved::Unsupported(k) => k,
                };
                if negated {
                    o.unsupported.push(format!(
                        "`NotResource` `{}`: policy variable `${{{k}}}` has no value here; AWS does not say whether the entry then matches nothing (so `NotResource` covers the resource) or makes the statement invalid",
                        t.source()
                    ));
                    Tri::Unknown
                } else {
                    Tri::False
                }
            }
            Err(Unresolved::Unknown(k)) => {
                o.unknown.push(k);
                Tri::Unknown
            }
            Err(Unresolved::Unsupported(why)) => {
                o.unsupported.push(format!("`{field}` {why}"));
                Tri::Unknown
            }
        }
    }));
    if negated { any.negate() } else { any }
}

/// The AWS entries of a `Principal` element that may name the caller, with how sure each match is.
fn entry_matches(p: &Principals, s: &Subject) -> Vec<(EntryMatch, Tri)> {
    let caller = s.req.principal.as_str();
    let mut out = Vec::new();
    if p.anyone {
        out.push((EntryMatch::Anyone, Tri::True));
    }
    out.extend(
        p.aws
            .iter()
            .map(|e| match_aws_entry_with(e, caller, s.caller())),
    );
    out.extend(
        p.service
            .iter()
            .chain(&p.federated)
            .filter(|e| *e == caller)
            .map(|_| (EntryMatch::Exact, Tri::True)),
    );
    // An S3 canonical user id names an AWS account (reference_policies_elements_principal, "AWS account
    // principals"); which account is not in the id, so it may be the caller's.
    if !p.canonical_user.is_empty() && s.caller().is_some() {
        out.push((EntryMatch::Account, Tri::Unknown));
    }
    out.retain(|(m, t)| *m != EntryMatch::None && *t != Tri::False);
    out
}

/// Principal element of a resource policy → does it name the caller, and the grants it gives.
/// reference_policies_elements_principal and _notprincipal. When some entry surely names the caller, only
/// the sure entries' grants count (an entry that may name the caller cannot widen a sure grant).
fn principal_grants(el: &PrincipalElement, s: &Subject) -> (Tri, Grants) {
    let is_user_or_session = s
        .caller()
        .is_some_and(|p| p.kind == PrincipalType::User || p.kind.is_session());
    match el {
        PrincipalElement::Principal(p) => {
            let found = entry_matches(p, s);
            let sure = found.iter().any(|(_, t)| *t == Tri::True);
            let mut grants = Grants::default();
            for (m, _) in found.iter().filter(|(_, t)| !sure || *t == Tri::True) {
                grants.insert(match m {
                    EntryMatch::Exact if is_user_or_session => Grant::Uncapped,
                    // A session ARN named while auditing any session of a role: it would grant uncapped
                    // if it were the session in use (and it is unknown whether it is).
                    EntryMatch::Exact if !sure => Grant::Uncapped,
                    EntryMatch::Account => Grant::Delegation,
                    _ => Grant::Capped,
                });
            }
            let tri = if sure {
                Tri::True
            } else if found.is_empty() {
                Tri::False
            } else {
                Tri::Unknown
            };
            (tri, grants)
        }
        PrincipalElement::NotPrincipal(p) => (
            not_principal_exempts(p, s).negate(),
            Grants::of(Grant::Capped),
        ),
    }
}

/// reference_policies_elements_notprincipal: the request is checked against every identity the caller
/// carries (the session, its role, the account), so a caller is exempt only when all of them are listed —
/// which is why the docs say a Deny+NotPrincipal must also list the account ARN. For a role ARN caller
/// (any session of the role) the session is never settled: a list without a session does not exempt the
/// sessions for sure (the page says AWS "might" validate the session), and a listed session may not be the
/// one in use; so when the role and the account are listed the answer is unknown.
fn not_principal_exempts(p: &Principals, s: &Subject) -> Tri {
    let found = entry_matches(p, s);
    if found.contains(&(EntryMatch::Anyone, Tri::True)) {
        return Tri::True;
    }
    let listed = |m: EntryMatch| Tri::any(found.iter().filter(|(k, _)| *k == m).map(|(_, t)| *t));
    match s.caller().map(|c| c.kind) {
        Some(PrincipalType::Role) => listed(EntryMatch::Role)
            .and(listed(EntryMatch::Account))
            .and(Tri::Unknown),
        Some(PrincipalType::AssumedRole) => listed(EntryMatch::Exact)
            .and(listed(EntryMatch::Role))
            .and(listed(EntryMatch::Account)),
        Some(PrincipalType::User | PrincipalType::FederatedUser) => {
            listed(EntryMatch::Exact).and(listed(EntryMatch::Account))
        }
        Some(PrincipalType::Root) => listed(EntryMatch::Account),
        None => listed(EntryMatch::Exact),
    }
}

/// A note for a statement left undecided by a key whose value is not known.
fn unknown_key_note(s: &Subject, key: &str) -> String {
    match s.req.context.get(key) {
        Some(ContextValue::Unknown {
            may_be_absent: true,
            ..
        }) => format!(
            "depends on `{key}`, which AWS may send and whose value is not known here; give it with --context"
        ),
        _ => format!(
            "depends on `{key}`, which AWS sends but whose value this tool cannot know; give it with --context"
        ),
    }
}

pub(super) fn push_unique(v: &mut Vec<String>, items: impl IntoIterator<Item = String>) {
    for i in items {
        if !v.iter().any(|x| x.eq_ignore_ascii_case(&i)) {
            v.push(i);
        }
    }
}

/// Whether the statement's `Action`/`NotAction` covers the request's action. Asked before
/// [`evaluate_about_action`] is called, inline: most statements of a role are about other actions,
/// and a call that builds an [`Outcome`] costs more than this test.
#[inline]
pub(super) fn is_about_action(stmt: &Statement, s: &Subject) -> bool {
    stmt.services.may_match(s.services)
        && stmt.names.may_match(s.names)
        && action_matches(&stmt.action, &s.req.action, &s.action_key)
}

/// One statement's outcome, for a statement whose action matches ([`is_about_action`]). A statement
/// about another action gets none: it neither applies nor is relevant, and leaves no note, so the
/// decision is the same as with an outcome that says so.
#[inline(never)]
pub(super) fn evaluate_about_action<'a>(
    policy: &'a NamedPolicy,
    kind: PolicyKind,
    index: usize,
    stmt: &'a Statement,
    s: &Subject,
    has_boundary: bool,
) -> Outcome<'a> {
    let req = s.req;
    let mut out = Outcome {
        policy,
        kind,
        index,
        stmt,
        applies: Tri::False,
        relevant: false,
        grants: Grants::default(),
        notes: None,
    };
    let mut notes = Notes::default();
    let resource = resource_matches(stmt.resource.as_ref(), s, kind, &mut notes);
    if resource == Tri::False {
        // A Resource variable without a value still tells the caller which key to supply.
        out.relevant = !notes.missing.is_empty();
        if out.relevant {
            out.notes = Some(Box::new(Notes {
                missing: std::mem::take(&mut notes.missing),
                ..Notes::default()
            }));
        }
        notes.discard();
        return out;
    }
    // Principal: required in resource policies, forbidden elsewhere (reference_policies_elements_principal).
    let principal = match (kind, &stmt.principal) {
        // reference_policies_elements_notprincipal (current page): "NotPrincipal must be used with
        // Effect Deny. Using it with Allow is not supported" — so it cannot grant here.
        (PolicyKind::Resource, Some(PrincipalElement::NotPrincipal(_)))
            if stmt.effect == Effect::Allow =>
        {
            notes
                .unsupported
                .push("`NotPrincipal` with `Allow` is not supported by AWS".to_string());
            out.grants = Grants::of(Grant::Capped);
            Tri::Unknown
        }
        // Same page: a Deny with NotPrincipal "will always deny any IAM principal that has a permissions
        // boundary policy attached", whatever the list says.
        (PolicyKind::Resource, Some(PrincipalElement::NotPrincipal(_)))
            if has_boundary && s.caller().is_some() =>
        {
            Tri::True
        }
        (PolicyKind::Resource, Some(p)) => {
            let (t, grants) = principal_grants(p, s);
            out.grants = grants;
            if t == Tri::Unknown {
                let what = match p {
                    PrincipalElement::Principal(_) => "`Principal` may or may not name the caller",
                    PrincipalElement::NotPrincipal(_) => {
                        "`NotPrincipal` may or may not exempt the caller"
                    }
                };
                let who = if s.caller().is_some_and(|c| c.kind == PrincipalType::Role) {
                    " (auditing any session of the role: the policy names sessions, or lists no session)"
                } else {
                    ""
                };
                notes.unsupported.push(format!("{what}{who}"));
                push_unique(&mut notes.symbols, symbolic::symbol_names(&req.principal));
            }
            t
        }
        (PolicyKind::Resource, None) => {
            notes
                .unsupported
                .push("resource policy statement has no `Principal` or `NotPrincipal`".to_string());
            out.grants = Grants::of(Grant::Capped);
            Tri::Unknown
        }
        (_, Some(_)) => {
            notes.unsupported.push(
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
    let mut undecided_by = Vec::new();
    for c in &stmt.conditions {
        let o = c.evaluate(&req.context, &req.principal);
        cond = cond.and(o.value);
        if o.owns_nothing() {
            // Nothing noted: nothing below would read it. Lists of capacity 0 own no memory, so
            // forgetting them leaks nothing.
            std::mem::forget(o);
            continue;
        }
        notes.missing.extend(o.missing);
        if o.value == Tri::Unknown {
            for k in &o.unknown {
                undecided_by.push(format!(
                    "`Condition` `{}` `{}`: {}",
                    c.operator_name,
                    c.key,
                    unknown_key_note(s, k)
                ));
            }
            for n in &o.symbols {
                undecided_by.push(format!(
                    "`Condition` `{}` `{}`: depends on `<{n}>`, known only after deploy",
                    c.operator_name, c.key
                ));
            }
            push_unique(&mut notes.unknown, o.unknown);
            push_unique(&mut notes.symbols, o.symbols);
        }
        notes.unsupported.extend(
            o.unsupported
                .into_iter()
                .map(|u| format!("`Condition` `{}` `{}`: {u}", c.operator_name, c.key)),
        );
    }
    if resource == Tri::Unknown {
        for k in &notes.unknown {
            undecided_by.push(format!("`Resource`: {}", unknown_key_note(s, k)));
        }
        for n in &notes.symbols {
            undecided_by.push(format!(
                "`Resource`/`Principal`: depends on `<{n}>`, known only after deploy"
            ));
        }
    }
    out.applies = resource.and(principal).and(cond);
    if out.applies == Tri::Unknown {
        let loc = out.location();
        notes.unsupported.extend(undecided_by);
        notes.unsupported = notes
            .unsupported
            .into_iter()
            .map(|u| format!("{loc}: {u}"))
            .collect();
    } else {
        // Decided either way: what was unknown on the way did not matter.
        notes.unknown.clear();
        notes.symbols.clear();
        notes.unsupported.clear();
    }
    out.notes = notes.boxed();
    out
}

/// KMS actions with no resource type in the Service Authorization Reference (IAM matches them against `*`
/// only): no key policy takes part in them.
const KMS_ACTIONS_WITHOUT_KEY: [&str; 11] = [
    "ConnectCustomKeyStore",
    "CreateCustomKeyStore",
    "CreateKey",
    "DeleteCustomKeyStore",
    "DescribeCustomKeyStores",
    "DisconnectCustomKeyStore",
    "GenerateRandom",
    "ListAliases",
    "ListKeys",
    "ListRetirableGrants",
    "UpdateCustomKeyStore",
];

/// A `kms:` action that acts on a key, so the key policy decides too (A.6.2). The request resource may be
/// a key or alias ARN, any other `kms` ARN however spelt (`...:Key/k` is no key ARN AWS would build, but it
/// must not dodge the rule), or `*`, which stands for "whatever key the call reaches".
fn is_kms_key_request(req: &Request) -> bool {
    let Some(name) = req
        .action
        .get(..4)
        .filter(|p| p.eq_ignore_ascii_case("kms:"))
        .map(|_| &req.action[4..])
    else {
        return false;
    };
    if KMS_ACTIONS_WITHOUT_KEY
        .iter()
        .any(|a| a.eq_ignore_ascii_case(name))
    {
        return false;
    }
    let mut parts = req.resource.splitn(6, ':');
    req.resource == "*"
        || (parts.next() == Some("arn")
            && parts.nth(1).is_some_and(|s| s.eq_ignore_ascii_case("kms")))
}

fn any_applies<'o, 'a: 'o>(it: impl IntoIterator<Item = &'o Outcome<'a>>) -> Tri {
    Tri::any(it.into_iter().map(|o| o.applies))
}

/// The account owning the resource: [`PolicySet::resource_account`], else the resource ARN's account, else
/// the context's `aws:ResourceAccount` (given, or [`ContextValue::Unknown`] when the caller cannot know it,
/// as for an S3 bucket whose ARN has no account), else the caller's account.
pub(super) enum ResourceAccount<'a> {
    /// Borrowed from the set, the ARN or the context.
    Known(&'a str),
    Unknown,
    SameAsCaller,
}

pub(super) fn resource_account<'a>(set: &'a PolicySet, req: &'a Request) -> ResourceAccount<'a> {
    if let Some(a) = &set.resource_account {
        return ResourceAccount::Known(a);
    }
    if let Some(a) = arn_account(&req.resource) {
        return ResourceAccount::Known(a);
    }
    if req.resource == "*" {
        // The resource of an action without a resource type: there is no owner to differ.
        return ResourceAccount::SameAsCaller;
    }
    match req.context.get("aws:ResourceAccount") {
        Some(v) => match v.known_values() {
            Some([a]) => ResourceAccount::Known(a),
            _ => ResourceAccount::Unknown,
        },
        // Not given: the caller's account, as AWS's simulator assumes (`ResourceOwner` defaults to the
        // caller's account), except on the second look at an open world, where it is unknown.
        None if req.context.missing_is_unknown() => ResourceAccount::Unknown,
        None => ResourceAccount::SameAsCaller,
    }
}

/// Decide `req` against `set`.
///
/// In a [`World::Open`] context (`simulate`), keys not given are first evaluated as absent, as AWS's policy
/// simulator does (an Allow whose positive condition lacks its key is `ImplicitDeny` with the key in
/// `missing_context`). If that answer is `Allowed`, the request is looked at again with every key that was
/// not given unknown (maybe absent); unless that is still `Allowed`, the answer is `Indeterminate` with
/// the keys it depended on in `missing_context`: a Deny skipped only because its key was missing, or an
/// Allow granted only because a negated operator met a missing key, never gives `Allowed`. (Tracking the
/// keys the first look consulted is not enough: a statement it set aside early, for instance on a
/// `Resource` holding a variable with no value, may test other keys once that variable is unknown.)
pub fn evaluate(set: &PolicySet, req: &Request) -> Evaluation {
    let first = evaluate_once(set, req);
    if req.context.world() != World::Open || first.decision != Decision::Allowed {
        return first;
    }
    let again = Request {
        principal: req.principal.clone(),
        action: req.action.clone(),
        resource: req.resource.clone(),
        context: req.context.clone().with_missing_unknown(),
    };
    let second = evaluate_once(set, &again);
    if second.decision == Decision::Allowed {
        return first;
    }
    let (decisive, unknown_context): (Vec<String>, Vec<String>) = second
        .unknown_context
        .into_iter()
        .partition(|k| !req.context.gives(k, &req.principal));
    let mut missing = first.missing_context;
    push_unique(&mut missing, decisive.iter().cloned());
    let mut unsupported = first.unsupported;
    unsupported.push(format!(
        "allowed only on assumptions about keys this request does not give{}: give {} with --context (keys not given are treated as absent, as in AWS's policy simulator, but the real request may carry them)",
        if decisive.is_empty() {
            String::new()
        } else {
            format!(
                " ({})",
                decisive
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        },
        if decisive.len() == 1 { "it" } else { "them" },
    ));

    Evaluation {
        decision: Decision::Indeterminate,
        matched: Vec::new(),
        missing_context: missing,
        unknown_context,
        unknown_values: second.unknown_values,
        unsupported,
        reasons: second.reasons,
    }
}

impl<'r> Subject<'r> {
    /// The caller's ARN parsed (`None`: not a principal ARN), parsed once per evaluation.
    fn caller(&self) -> Option<&PrincipalRef<'r>> {
        self.caller
            .get_or_init(|| PrincipalRef::of(&self.req.principal))
            .as_ref()
    }

    #[inline]
    pub(super) fn new(req: &'r Request) -> Subject<'r> {
        let action_key = ActionKey::new(&req.action);
        Subject {
            req,
            services: action_key.services(&req.action),
            names: action_key.names(),
            action_key,
            resource_symbols: if symbolic::names_many(&req.resource) {
                Some(symbolic::request_tokens(&req.resource))
            } else {
                symbolic::has_symbols(&req.resource)
                    .then(|| symbolic::text_tokens(&req.resource, false))
            },
            arn: ArnParts::new(&req.resource),
            caller: std::cell::OnceCell::new(),
        }
    }
}

/// One evaluation (keys not given are absent, or unknown on the second look at an open world), with the
/// organization's SCPs and RCPs when the set carries them ([`super::org`]).
fn evaluate_once(set: &PolicySet, req: &Request) -> Evaluation {
    let subject = Subject::new(req);
    let base = evaluate_principal_and_resource(set, &subject);
    super::org::apply(set, &subject, base)
}

/// The decision chain without the organization's policies.
fn evaluate_principal_and_resource(set: &PolicySet, subject: &Subject) -> Evaluation {
    let req = subject.req;
    // The slot decides the role of a policy, whatever `kind` says, so a mislabelled policy cannot grant
    // from the wrong place.
    let policies = set
        .identity
        .iter()
        .map(|p| (PolicyKind::Identity, p))
        .chain(set.boundary.map(|p| (PolicyKind::Boundary, p)))
        .chain(set.resource_policy.map(|(p, _)| (PolicyKind::Resource, p)));

    // Only statements whose action matches get an outcome: usually a handful, kept on the stack
    // (a heap list of them was the largest allocation of an evaluation; more spill to the heap).
    let mut outcomes: smallvec::SmallVec<[Outcome; 12]> = smallvec::SmallVec::new();
    for (role, p) in policies {
        for (i, s) in p.document.statements.iter().enumerate() {
            if !is_about_action(s, subject) {
                continue;
            }
            let mut o = evaluate_about_action(p, role, i, s, subject, set.boundary.is_some());
            if p.kind != role && o.relevant && o.applies == Tri::True {
                o.applies = Tri::Unknown;
                o.notes_mut().unsupported.push(format!(
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
    let mut unknown_context = Vec::new();
    let mut unknown_values = Vec::new();
    let mut reasons = Vec::new();
    for o in outcomes
        .iter()
        .filter(|o| o.stmt.effect == Effect::Deny && o.relevant)
    {
        push_unique(&mut missing, o.notes().missing.iter().cloned());
        push_unique(&mut unknown_context, o.notes().unknown.iter().cloned());
        push_unique(&mut unknown_values, o.notes().symbols.iter().cloned());
    }
    for o in outcomes.iter().filter(|o| o.applies == Tri::Unknown) {
        push_unique(&mut unsupported, o.notes().unsupported.iter().cloned());
        reasons.push(Reason::StatementNotEvaluable {
            policy: o.policy.id.clone(),
            kind: o.kind,
            statement: o.index,
            effect: o.stmt.effect,
            detail: o.notes().unsupported.join("; "),
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
            unknown_context: Vec::new(),
            unknown_values: Vec::new(),
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
        any_applies(of_kind(PolicyKind::Resource, Effect::Allow).filter(|o| o.grants.contains(g)))
    };
    let (unc, cap, del) = (
        grant(Grant::Uncapped),
        grant(Grant::Capped),
        grant(Grant::Delegation),
    );

    // The caller's account is the ARN's fifth segment, for a principal ARN and any other ARN alike
    // (`PrincipalArn::parse` takes its account from there too).
    let principal_account = arn_account(&req.principal);
    let mut resource_account_is_a_key = false;
    let cross = match (principal_account, resource_account(set, req)) {
        // No caller given at all: whether the resource is in its account is unknown. (A service or
        // federated principal string has no account either; for those the resource policy decides, as
        // before.)
        (None, ResourceAccount::Known(_)) if req.principal.trim().is_empty() => Tri::Unknown,
        (Some(p), ResourceAccount::Known(r)) => {
            let cross = eq_tri(p, r).negate();
            if cross == Tri::True {
                reasons.push(Reason::CrossAccount {
                    principal_account: p.to_string(),
                    resource_account: r.to_string(),
                });
            }
            if cross == Tri::Unknown {
                push_unique(&mut unknown_values, symbolic::symbol_names(r));
                push_unique(&mut unknown_values, symbolic::symbol_names(p));
            }
            cross
        }
        (_, ResourceAccount::Unknown) => {
            resource_account_is_a_key = true;
            Tri::Unknown
        }
        _ => Tri::False,
    };

    // The allow side for a same-account (`false`) or cross-account (`true`) resource.
    let allow_for = |cross: bool| match set.resource_policy {
        // reference_policies_evaluation-logic-cross-account: without the resource account's Allow, denied.
        None if cross => Tri::False,
        None => identity.and(boundary),
        Some((_, ResourcePolicyMode::Standard)) => {
            if cross {
                // reference_policies_evaluation-logic-cross-account: both accounts must allow; naming the
                // caller's account in the resource policy is the resource account's Allow.
                unc.or(cap).or(del).and(identity).and(boundary)
            } else {
                // B.1 step 4: a same-account resource-policy Allow naming a user or session ARN grants on its
                // own; naming a role or `*` it is still capped by the boundary; naming the account delegates
                // to the identity policies, which must allow.
                unc.or(cap.or(identity).and(boundary))
            }
        }
        Some((_, ResourcePolicyMode::KmsKeyPolicy)) => {
            // kms key-policy-default: "allows access to the AWS account and enables IAM policies"; without
            // that statement, IAM policies alone never grant access to the key.
            let direct = unc.or(cap);
            if cross {
                direct.or(del).and(identity).and(boundary)
            } else {
                unc.or(cap.or(del.and(identity)).and(boundary))
            }
        }
    };
    let describe = |t: Tri| match t {
        Tri::True => "allowed",
        Tri::False => "denied",
        Tri::Unknown => "undecided",
    };
    let allow = match cross {
        Tri::True => allow_for(true),
        Tri::False => allow_for(false),
        Tri::Unknown => {
            let (same, other) = (allow_for(false), allow_for(true));
            if same == other {
                same
            } else {
                if resource_account_is_a_key {
                    push_unique(&mut unknown_context, ["aws:ResourceAccount".to_string()]);
                }
                unsupported.push(format!(
                    "whether `{}` is in the caller's account is not known (give the caller's ARN, or the owner as `aws:ResourceAccount`), and the answer differs: {} in the same account, {} from another account",
                    symbolic::display(&req.resource),
                    describe(same),
                    describe(other),
                ));
                Tri::Unknown
            }
        }
    };
    let cross_known = cross == Tri::True;
    match set.resource_policy {
        Some((rp, ResourcePolicyMode::Standard)) => {
            if unc == Tri::True || cap == Tri::True || (cross_known && del == Tri::True) {
                reasons.push(Reason::ResourcePolicyAllows {
                    policy: rp.id.clone(),
                    capped_by_boundary: unc != Tri::True,
                });
            } else if unc.or(cap).or(del) == Tri::False && cross_known {
                reasons.push(Reason::ResourcePolicyDoesNotAllow {
                    policy: rp.id.clone(),
                });
            }
        }
        Some((kp, ResourcePolicyMode::KmsKeyPolicy)) => {
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
        }
        None => {}
    }

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
        // MissingContextValues as in SimulatePrincipalPolicy: keys relevant Allow statements needed; and the
        // unknown keys and values an undecided Allow depended on.
        for o in outcomes
            .iter()
            .filter(|o| o.stmt.effect == Effect::Allow && o.relevant)
        {
            push_unique(&mut missing, o.notes().missing.iter().cloned());
            push_unique(&mut unknown_context, o.notes().unknown.iter().cloned());
            push_unique(&mut unknown_values, o.notes().symbols.iter().cloned());
        }
    }
    if decision == Decision::ImplicitDeny {
        // Denied whatever the unknowns are: they did not decide anything.
        unknown_context.clear();
        unknown_values.clear();
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
        unknown_context,
        unknown_values,
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
            org: None,
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
                org: None,
            };
            let e = evaluate(&set, &req("dynamodb:GetItem", ctx));
            assert_eq!(e.decision, want, "case {i}: {e:?}");
            assert_eq!(e.missing_context, missing, "case {i}");
        }
    }

    #[test]
    fn unknown_keys_and_values_are_named_in_the_evaluation() {
        let ids = [policy(
            "p",
            PolicyKind::Identity,
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}}"#,
        )];
        let set = PolicySet {
            identity: &ids,
            boundary: None,
            resource_policy: None,
            resource_account: None,
            org: None,
        };
        let ctx = Context::new().with("aws:SourceIp", ContextValue::unknown());
        let e = evaluate(&set, &req("dynamodb:GetItem", ctx));
        assert_eq!(e.decision, Decision::Indeterminate);
        assert_eq!(e.unknown_context, vec!["aws:SourceIp".to_string()]);
        assert!(
            e.unsupported.iter().any(|u| u.contains("aws:SourceIp")
                && u.contains("--context")
                && u.contains("policy `p` statement 0")),
            "{e:?}"
        );
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["unknown_context"][0], "aws:SourceIp");
        assert_eq!(v["unknown_values"], serde_json::json!([]));
        // The same request with the value given is decided.
        let ctx = Context::new().with("aws:SourceIp", ContextValue::string("10.1.1.1"));
        assert_eq!(
            evaluate(&set, &req("dynamodb:GetItem", ctx)).decision,
            Decision::Allowed
        );
    }

    #[test]
    fn open_world_second_look_runs_only_for_allowed() {
        // A Deny on a key not given: closed world allows (the key is absent), open world cannot.
        let ids = [policy(
            "p",
            PolicyKind::Identity,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpc":"vpc-1"}}}]}"#,
        )];
        let set = PolicySet {
            identity: &ids,
            boundary: None,
            resource_policy: None,
            resource_account: None,
            org: None,
        };
        let closed = evaluate(&set, &req("dynamodb:GetItem", Context::new()));
        assert_eq!(closed.decision, Decision::Allowed);
        assert_eq!(closed.missing_context, vec!["aws:SourceVpc".to_string()]);
        let open = evaluate(
            &set,
            &req("dynamodb:GetItem", Context::new().with_world(World::Open)),
        );
        assert_eq!(open.decision, Decision::Indeterminate);
        assert_eq!(open.missing_context, vec!["aws:SourceVpc".to_string()]);
        assert!(open.unknown_context.is_empty(), "{open:?}");
        let given = Context::new()
            .with_world(World::Open)
            .with("aws:SourceVpc", ContextValue::string("vpc-2"));
        assert_eq!(
            evaluate(&set, &req("dynamodb:GetItem", given)).decision,
            Decision::Allowed
        );
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
            org: None,
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
