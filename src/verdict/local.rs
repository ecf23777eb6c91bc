//! The bridge from fetched policies to the offline [`engine`](crate::engine): parses what was
//! fetched into engine policies (recording what cannot be parsed), evaluates each check with
//! the resource policy that applies to it, and turns the engine's decision into a report
//! verdict with a stable reason code. Pure: no AWS, no I/O.

use std::collections::HashMap;

use crate::engine::{
    Context, ContextValue, Decision, Evaluation, NamedPolicy, PolicyDocument, PolicyKind,
    PolicySet, Reason, Request, ResourcePolicyMode, ValueType, evaluate,
};
use crate::grants::model::{
    FetchedResourcePolicy, PolicySource, PrincipalPolicies, ResourcePolicyKind, ResourcePolicyState,
};
use crate::needs::catalogue::{ContextEntry, ContextType};
use crate::needs::plan::Check;
use crate::needs::request_context::iso8601;
use crate::report::model::{
    Answer, LocalEvidence, ReasonCode, Source, SourceAnswer, StatementRef, Verdict,
};
use crate::verdict::request::{Caller, Setting, context_for};

/// A resource policy ready for evaluation, or why it is not.
#[derive(Debug, Clone)]
enum Prepared {
    Policy(NamedPolicy),
    Absent,
    Unreadable(String),
}

/// Fetched policies parsed for the engine.
#[derive(Debug, Clone)]
pub struct LocalInputs {
    identity: Vec<NamedPolicy>,
    boundary: Option<NamedPolicy>,
    /// Policies that could not be parsed: (label, error). Every row is inconclusive then.
    unreadable: Vec<(String, String)>,
    resource: HashMap<(ResourcePolicyKind, String), Prepared>,
    /// (kind, name) labels by engine policy id, for reasons.
    labels: HashMap<String, (String, String)>,
    principal_arn: String,
    principal_account: String,
    /// The account that owns the bucket of S3 checks, when confirmed (S3's expected-owner
    /// check) or stated (`--bucket-owner`); `None` when unknown.
    bucket_owner: Option<String>,
    /// Who calls, as AWS sees it (the role for any of its sessions, or the named session).
    caller: Caller,
    /// The run's region and moment.
    setting: Setting,
    /// The instants at which a condition on the request's time can change an answer.
    time_boundaries: Vec<i64>,
    /// The organization's SCPs and RCPs for the principal's account, when read or given
    /// ([`LocalInputs::with_org`]); `None`: not known, none evaluated.
    org: Option<crate::engine::OrgPolicies>,
}

/// Stands for "an account other than the principal's" when a bucket's owner is unknown and
/// the cross-account reading is evaluated: not an account id, so nothing can name it.
const ANOTHER_ACCOUNT: &str = "another-account";

/// (kind, name) of a policy as reasons name it: "<kind> policy `<name>`".
fn label_of(source: &PolicySource, name: &str) -> (String, String) {
    let kind = match source {
        PolicySource::Inline { owner_kind, .. } => format!("{owner_kind} inline"),
        PolicySource::Managed {
            via_group: Some(g), ..
        } => format!("group `{g}` managed"),
        PolicySource::Managed { .. } => "managed".to_string(),
        PolicySource::Boundary { .. } => "permissions boundary".to_string(),
    };
    (kind, name.to_string())
}

fn label_text((kind, name): &(String, String)) -> String {
    format!("{kind} policy `{name}`")
}

fn resource_label(kind: ResourcePolicyKind) -> &'static str {
    kind.label()
}

fn resource_id(kind: ResourcePolicyKind, resource: &str) -> String {
    format!("{}:{resource}", resource_label(kind))
}

/// Parses everything fetched. Parse failures are recorded, not fatal: the rows they could
/// affect become inconclusive.
pub fn prepare(
    policies: &PrincipalPolicies,
    resource_policies: &[FetchedResourcePolicy],
) -> LocalInputs {
    prepare_opts(policies, resource_policies, false)
}

/// [`prepare`] for policies from infrastructure code, whose values known only after deploy
/// travel as the engine's symbolic parts ([`crate::engine::symbolic`]). Only that source
/// builds such text; fetched policies never may hold it (IAM refuses those characters).
pub fn prepare_symbolic(
    policies: &PrincipalPolicies,
    resource_policies: &[FetchedResourcePolicy],
) -> LocalInputs {
    prepare_opts(policies, resource_policies, true)
}

fn prepare_opts(
    policies: &PrincipalPolicies,
    resource_policies: &[FetchedResourcePolicy],
    symbolic: bool,
) -> LocalInputs {
    let parse = |text: &str| {
        if symbolic {
            PolicyDocument::parse_symbolic(text)
        } else {
            PolicyDocument::parse(text)
        }
    };
    let mut inputs = LocalInputs {
        identity: Vec::new(),
        boundary: None,
        unreadable: Vec::new(),
        resource: HashMap::new(),
        labels: HashMap::new(),
        principal_arn: policies.principal.arn.clone(),
        principal_account: policies.principal.account.clone(),
        bucket_owner: None,
        caller: Caller::of(&policies.principal, None),
        setting: Setting::now(None),
        time_boundaries: Vec::new(),
        org: None,
    };
    for (p, kind) in policies
        .policies
        .iter()
        .map(|p| (p, PolicyKind::Identity))
        .chain(policies.boundary.iter().map(|p| (p, PolicyKind::Boundary)))
    {
        // Ids must be unique: the same managed policy can be attached directly and via a group.
        let id = format!("{}#{}", p.id, inputs.labels.len());
        let label = label_of(&p.source, &p.name);
        inputs.labels.insert(id.clone(), label.clone());
        match parse(&p.text).and_then(|d| NamedPolicy::new(id, kind, d)) {
            Ok(np) if kind == PolicyKind::Boundary => inputs.boundary = Some(np),
            Ok(np) => inputs.identity.push(np),
            Err(e) => inputs.unreadable.push((label_text(&label), e.to_string())),
        }
    }
    for rp in resource_policies {
        let id = resource_id(rp.kind, &rp.resource);
        let short = rp
            .resource
            .rsplit(['/', ':'])
            .next()
            .unwrap_or(&rp.resource)
            .to_string();
        let kind = resource_label(rp.kind)
            .trim_end_matches(" policy")
            .to_string();
        inputs.labels.insert(id.clone(), (kind, short));
        let prepared = match &rp.state {
            ResourcePolicyState::Absent => Prepared::Absent,
            ResourcePolicyState::Unreadable { reason } => Prepared::Unreadable(reason.clone()),
            ResourcePolicyState::Document { text } => {
                match parse(text).and_then(|d| NamedPolicy::new(id, PolicyKind::Resource, d)) {
                    Ok(np) => Prepared::Policy(np),
                    Err(e) => Prepared::Unreadable(format!("it could not be parsed: {e}")),
                }
            }
        };
        inputs
            .resource
            .insert((rp.kind, rp.resource.clone()), prepared);
    }
    inputs.time_boundaries = crate::verdict::request::time_boundaries(
        inputs.identity.iter().chain(inputs.boundary.iter()).chain(
            inputs.resource.values().filter_map(|p| match p {
                Prepared::Policy(p) => Some(p),
                _ => None,
            }),
        ),
    );
    inputs
}

fn value_type(t: ContextType) -> ValueType {
    match t {
        ContextType::String | ContextType::StringList => ValueType::String,
        ContextType::Numeric | ContextType::NumericList => ValueType::Numeric,
        ContextType::Boolean | ContextType::BooleanList => ValueType::Bool,
        ContextType::Ip | ContextType::IpList => ValueType::Ip,
        ContextType::Binary | ContextType::BinaryList => ValueType::Binary,
        ContextType::Date | ContextType::DateList => ValueType::Date,
    }
}

fn is_list(t: ContextType) -> bool {
    t.as_str().ends_with("List")
}

/// The catalogue's and the user's context entries as an engine context.
pub fn engine_context(entries: &[ContextEntry]) -> Context {
    let mut ctx = Context::new();
    for (k, v) in context_values(entries) {
        ctx.insert(k, v);
    }
    ctx
}

/// The catalogue's and the user's context entries as engine values.
pub fn context_values(entries: &[ContextEntry]) -> Vec<(String, ContextValue)> {
    let mut out = Vec::new();
    for e in entries {
        let ty = Some(value_type(e.kind));
        let v = if is_list(e.kind) || e.values.len() > 1 {
            ContextValue::List {
                values: e.values.clone(),
                ty,
            }
        } else {
            ContextValue::Single {
                value: e.values[0].clone(),
                ty,
            }
        };
        out.push((e.key.clone(), v));
    }
    out
}

/// Which resource policy applies to a check, and how AWS combines it.
fn resource_policy_for(
    check: &Check,
    bucket: Option<&str>,
) -> Option<(ResourcePolicyKind, String, ResourcePolicyMode)> {
    match check.resource_kind.as_str() {
        "kms-key" => Some((
            ResourcePolicyKind::KmsKey,
            check.resource.clone(),
            ResourcePolicyMode::KmsKeyPolicy,
        )),
        "s3-object" => bucket.map(|b| {
            (
                ResourcePolicyKind::S3Bucket,
                b.to_string(),
                ResourcePolicyMode::Standard,
            )
        }),
        // A trust policy must allow, directly or by trusting the account (delegating to IAM
        // policies): the same rule as a KMS key policy.
        "role" => Some((
            ResourcePolicyKind::RoleTrust,
            check.resource.clone(),
            ResourcePolicyMode::KmsKeyPolicy,
        )),
        kind if crate::needs::plan::governed_by_table_policy(kind) => {
            crate::iam::arn::table_arn_of(&check.resource).map(|t| {
                (
                    ResourcePolicyKind::DynamoDbTable,
                    t.to_string(),
                    ResourcePolicyMode::Standard,
                )
            })
        }
        _ => None,
    }
}

/// A row's verdict from the local engine.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalVerdict {
    pub verdict: Verdict,
    pub code: ReasonCode,
    pub reason: String,
    pub evidence: LocalEvidence,
    /// The identity-side outcome (without resource policies), comparable with IAM's simulator.
    pub identity_outcome: Outcome,
}

/// A decision reduced to what both evaluators can be compared on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Allow,
    Deny,
    Unknown,
}

fn outcome(e: &Evaluation) -> Outcome {
    match e.decision {
        Decision::Allowed => Outcome::Allow,
        Decision::ExplicitDeny | Decision::ImplicitDeny => Outcome::Deny,
        // Identity and boundary allow; only the absent key policy kept it from Allowed.
        Decision::Indeterminate
            if e.unsupported.is_empty()
                && e.reasons
                    .iter()
                    .any(|r| matches!(r, Reason::KeyPolicyNotEvaluated)) =>
        {
            Outcome::Allow
        }
        Decision::Indeterminate => Outcome::Unknown,
    }
}

impl LocalVerdict {
    /// This verdict as the local engine's answer among a row's sources.
    pub fn source_answer(&self) -> SourceAnswer {
        SourceAnswer {
            source: Source::Local,
            answer: match self.verdict {
                Verdict::Pass => Answer::Allow,
                Verdict::Fail => Answer::Deny,
                Verdict::Inconclusive => Answer::Unsure,
            },
            code: self.code,
            reason: self.reason.clone(),
            decisive: false,
        }
    }
}

impl LocalInputs {
    fn describe(&self, m: &crate::engine::MatchedStatement) -> StatementRef {
        let (kind, name) = self
            .labels
            .get(m.policy.as_str())
            .cloned()
            .unwrap_or_else(|| (String::new(), m.policy.to_string()));
        StatementRef {
            policy: name,
            policy_type: Some(kind),
            statement: Some(m.statement),
            sid: m.sid.as_deref().map(str::to_string),
        }
    }

    fn label(&self, id: &str) -> String {
        self.labels
            .get(id)
            .map(label_text)
            .unwrap_or_else(|| format!("policy `{id}`"))
    }

    /// Whether a resource policy applies to this check that exists or could not be read, so
    /// that an evaluation without it (IAM's simulator's) may be wrong.
    pub fn resource_policy_may_decide(&self, check: &Check, bucket: Option<&str>) -> bool {
        resource_policy_for(check, bucket).is_some_and(|(kind, resource, _)| {
            matches!(
                self.resource.get(&(kind, resource)),
                Some(Prepared::Policy(_) | Prepared::Unreadable(_))
            )
        })
    }

    /// The bucket's owner account, confirmed or stated; S3 ARNs name none.
    /// Evaluate the organization's SCPs and RCPs too ([`crate::engine::org`]); their policies are
    /// named in reasons by type, name, id.
    pub fn with_org(mut self, org: Option<crate::engine::OrgPolicies>) -> Self {
        if let Some(o) = org.as_ref().and_then(|o| o.organization.as_ref()) {
            for (kind, levels) in [("service control", &o.scps), ("resource control", &o.rcps)] {
                for p in levels.iter().flatten().flat_map(|l| &l.policies) {
                    self.labels.insert(
                        p.policy.id.to_string(),
                        (kind.to_string(), format!("{} ({})", p.name, p.policy.id)),
                    );
                }
            }
        }
        self.org = org;
        self
    }

    pub fn with_bucket_owner(mut self, owner: Option<String>) -> Self {
        self.bucket_owner = owner;
        self
    }

    /// Who calls (see [`Caller::of`]) and the run's region and moment, for the request context.
    pub fn with_request(mut self, caller: Caller, setting: Setting) -> Self {
        self.principal_arn = caller.arn.clone();
        self.caller = caller;
        self.setting = setting;
        self
    }

    /// Whether the local engine must evaluate this row beside IAM's simulator, which does not
    /// see resource policies: one applies that exists or could not be read, or the row is on
    /// a bucket not confirmed to be in the principal's account (cross-account access needs the
    /// bucket policy's grant too, reference_policies_evaluation-logic-cross-account).
    pub fn needed_beside_simulator(&self, check: &Check, bucket: Option<&str>) -> bool {
        // A resource with a wildcard (`--all-indexes`: `table/T/index/*`) stands for every
        // name it covers. IAM's simulator matches policies against the literal string, so a
        // Deny on one index (`table/T/index/secret`) does not match it and the simulator
        // answers allowed; the local engine reads it as every index and is never sure then.
        check.resource.contains(['*', '?'])
            || self.resource_policy_may_decide(check, bucket)
            || (check.resource_kind == "s3-object"
                && self.bucket_owner.as_deref() != Some(self.principal_account.as_str()))
    }

    /// What the simulator cannot see on this row and the local engine evaluates: the resource
    /// policy that applies (key, trust, table or bucket policy) when it may decide (it exists,
    /// could not be read, or is a key or trust policy, which must allow), or the bucket's
    /// other-account side. `None` where the simulator sees all that decides.
    pub fn blind_spot(&self, check: &Check, bucket: Option<&str>) -> Option<ResourcePolicyKind> {
        match check.resource_kind.as_str() {
            "kms-key" => Some(ResourcePolicyKind::KmsKey),
            "role" => Some(ResourcePolicyKind::RoleTrust),
            _ if self.needed_beside_simulator(check, bucket) => {
                resource_policy_for(check, bucket).map(|(kind, _, _)| kind)
            }
            _ => None,
        }
    }

    /// Evaluates one check. `bucket` names the bucket of S3 checks. A bucket whose owner is
    /// unknown is evaluated in both readings, the principal's account and another one: the row
    /// passes only if it passes in both, since the same grants can allow in one and deny in the
    /// other (a bucket-policy-only grant, or an identity grant without the bucket policy's, in
    /// another account; reference_policies_evaluation-logic-cross-account).
    pub fn evaluate_check(&self, check: &Check, bucket: Option<&str>) -> LocalVerdict {
        if check.resource_kind != "s3-object" {
            return self.evaluate_in(check, bucket, None);
        }
        if let Some(owner) = &self.bucket_owner {
            return self.evaluate_in(check, bucket, Some(owner.clone()));
        }
        let same = self.evaluate_in(check, bucket, Some(self.principal_account.clone()));
        if same.verdict != Verdict::Pass {
            // Denied or undecided in the principal's account: no better in another one.
            return same;
        }
        let other = self.evaluate_in(check, bucket, Some(ANOTHER_ACCOUNT.into()));
        if other.verdict == Verdict::Pass {
            return same;
        }
        LocalVerdict {
            verdict: Verdict::Inconclusive,
            code: ReasonCode::BucketOwnerUnknown,
            reason: format!(
                "{} if account {} owns bucket `{}`, but if another account owns it, its bucket policy must grant this principal too, and it does not; the owner is not known: state it with --bucket-owner ACCOUNT",
                same.reason,
                self.principal_account,
                bucket.unwrap_or_default()
            ),
            ..same
        }
    }

    fn evaluate_in(
        &self,
        check: &Check,
        bucket: Option<&str>,
        resource_account: Option<String>,
    ) -> LocalVerdict {
        // The request AWS would evaluate (needs/request_context.toml): the region, the caller,
        // the moment, the principal's tags, with the check's and the user's context over them.
        // The owner of a bucket whose owner is not known is unknown in the context too.
        let owner_in_context = resource_account
            .as_deref()
            .filter(|a| *a != ANOTHER_ACCOUNT);
        let context = context_for(
            &check.action,
            &check.resource,
            &self.caller,
            &self.setting,
            owner_in_context,
            &context_values(&check.context),
        );
        let mut context = context;
        // aws:PrincipalOrgID is the organization's id when the caller's account is in one
        // (reference_policies_condition-keys), unless the user gave it.
        if let Some(org) = self
            .org
            .as_ref()
            .filter(|o| o.account == self.principal_account)
            && context
                .get("aws:PrincipalOrgID")
                .is_none_or(|v| v.is_unknown())
        {
            match org.organization.as_ref().map(|o| o.id.clone()) {
                Some(Some(id)) => context.insert("aws:PrincipalOrgID", ContextValue::string(id)),
                Some(None) => {}
                None => {
                    context.remove("aws:PrincipalOrgID");
                }
            }
        }
        let req = Request {
            principal: self.principal_arn.clone(),
            action: check.action.clone(),
            resource: check.resource.clone(),
            context,
        };
        let identity_only = PolicySet {
            identity: &self.identity,
            boundary: self.boundary.as_ref(),
            resource_policy: None,
            resource_account,
            org: self.org.as_ref(),
        };
        let identity_eval = evaluate(&identity_only, &req);
        // The identity side alone, comparable with IAM's simulator, which evaluates a role's
        // identity policies and boundary as if the resource were in its account (and sees no
        // RCP, nor SCP conditions).
        let same_account = PolicySet {
            resource_account: Some(self.principal_account.clone()),
            org: None,
            ..identity_only.clone()
        };
        let identity_outcome = outcome(&evaluate(&same_account, &req));

        let verdict = |verdict, code, reason: String, e: &Evaluation| LocalVerdict {
            verdict,
            code,
            reason,
            evidence: self.evidence(e),
            identity_outcome,
        };
        if let Some((label, err)) = self.unreadable.first() {
            return verdict(
                Verdict::Inconclusive,
                ReasonCode::PolicyUnreadable,
                format!(
                    "{label} could not be parsed, so what it allows or denies is unknown: {err}"
                ),
                &identity_eval,
            );
        }
        let rp = resource_policy_for(check, bucket);
        let (eval, rp_kind, final_set) = match &rp {
            Some((kind, resource, mode)) => match self.resource.get(&(*kind, resource.clone())) {
                Some(Prepared::Policy(p)) => {
                    let set = PolicySet {
                        resource_policy: Some((p, *mode)),
                        ..identity_only.clone()
                    };
                    (evaluate(&set, &req), Some(*kind), set)
                }
                Some(Prepared::Unreadable(why)) => {
                    let hint = if *kind == ResourcePolicyKind::DynamoDbTable {
                        "; if the table has no resource policy (or is not created yet), say so with --no-table-policy"
                    } else {
                        ""
                    };
                    return verdict(
                        Verdict::Inconclusive,
                        ReasonCode::ResourcePolicyUnreadable,
                        format!(
                            "the {} of `{resource}` could not be read ({why}), and it decides this too{hint}",
                            resource_label(*kind)
                        ),
                        &identity_eval,
                    );
                }
                // A role's trust policy was not read (IAM's simulator path reads it only when
                // the local engine decides; the local engine may still run beside it, e.g. for
                // organization policies). Every role has one and it must trust the principal
                // ("Role trust policies and KMS key policies ... must explicitly allow access",
                // IAM User Guide, policy evaluation logic): never read as "no policy".
                None if *kind == ResourcePolicyKind::RoleTrust => {
                    return verdict(
                        Verdict::Inconclusive,
                        ReasonCode::TrustPolicyNotEvaluated,
                        format!(
                            "the trust policy of `{resource}` was not read, and it must trust this principal too; run with --engine auto or local to evaluate it"
                        ),
                        &identity_eval,
                    );
                }
                // No resource policy: the identity side decides alone.
                Some(Prepared::Absent) | None => {
                    (identity_eval.clone(), None, identity_only.clone())
                }
            },
            None => (identity_eval.clone(), None, identity_only.clone()),
        };
        let (v, code, mut reason) = self.explain(check, &eval, rp_kind);
        if v == Verdict::Pass
            && let Some(until) = self.time_limit(&req, &final_set)
        {
            reason.push_str(&format!(
                "; it depends on the time of the request (evaluated at {}{}) and holds until {}",
                iso8601(self.setting.epoch_seconds),
                if self.setting.stated {
                    ", from --at"
                } else {
                    ""
                },
                iso8601(until)
            ));
        }
        verdict(v, code, reason, &eval)
    }

    /// The engine's notes name policies by id (`policy `ID``): name them as reports do.
    fn relabel(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (id, label) in &self.labels {
            out = out.replace(&format!("policy `{id}`"), &label_text(label));
        }
        out
    }

    /// Whether the check's request is evaluated in an open world (an action the request-context
    /// table does not describe).
    fn open_world(&self, check: &Check) -> bool {
        !crate::needs::request_context::RequestContextTable::embedded().has_action(&check.action)
    }

    /// Why a row depends on values this tool cannot know: which keys, whether an Allow needs them
    /// or a Deny may apply on them, why AWS's value is unknown here, and how to state it.
    fn unknown_reason(&self, check: &Check, e: &Evaluation) -> String {
        let table = crate::needs::request_context::RequestContextTable::embedded();
        let user = self.caller.arn.contains(":user/");
        let deny_side = e.reasons.iter().any(|r| {
            matches!(
                r,
                Reason::StatementNotEvaluable {
                    effect: crate::engine::Effect::Deny,
                    ..
                }
            )
        });
        let mut parts = Vec::new();
        for k in &e.unknown_context {
            let why = table
                .rule(&check.action, k, user)
                .map(|r| format!(" ({})", r.why))
                .unwrap_or_default();
            parts.push(format!("`{k}`{why}"));
        }
        let mut reason = if parts.is_empty() {
            String::from("cannot decide")
        } else {
            format!(
                "{} on {}, whose value in the real request this tool cannot know",
                if deny_side {
                    "a Deny may apply, depending"
                } else {
                    "an Allow depends"
                },
                parts.join(", ")
            )
        };
        if !e.unknown_values.is_empty() {
            reason.push_str(&format!(
                "; it also depends on values known only after deploy: {}",
                e.unknown_values.join(", ")
            ));
        }
        // What else left a statement undecided (the notes that only restate an unknown key are
        // said above already).
        let other: Vec<&String> = e
            .unsupported
            .iter()
            .filter(|u| {
                !e.unknown_context
                    .iter()
                    .any(|k| u.contains(&format!("`{k}`")))
            })
            .collect();
        if !other.is_empty() {
            reason.push_str(&format!(
                "; {}",
                self.relabel(
                    &other
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join("; ")
                )
            ));
        }
        if !e.unknown_context.is_empty() {
            reason.push_str(&format!(
                "; state it with --context {}=TYPE:VALUE (or `context` in pydynox-iam.toml){}",
                e.unknown_context[0],
                if e.unknown_context
                    .iter()
                    .any(|k| k.to_lowercase().starts_with("aws:principaltag/"))
                {
                    ", or the principal's tags with --principal-tag KEY=VALUE"
                } else {
                    ""
                }
            ));
        }
        reason
    }

    /// Until when an Allow at the run's moment keeps holding, when it depends on the time of the
    /// request (`aws:CurrentTime`, `aws:EpochTime`): the answer can only change at the instants
    /// the policies test, so each later one is evaluated. `None` when no later instant denies.
    fn time_limit(&self, req: &Request, set: &PolicySet) -> Option<i64> {
        if self.time_boundaries.is_empty() {
            return None;
        }
        crate::verdict::request::holds_until(
            self.setting.epoch_seconds,
            &self.time_boundaries,
            |t| {
                let mut at = req.clone();
                at.context.insert(
                    "aws:CurrentTime",
                    ContextValue::typed(iso8601(t), ValueType::Date),
                );
                at.context
                    .insert("aws:EpochTime", ContextValue::string(t.to_string()));
                evaluate(set, &at).decision == Decision::Allowed
            },
        )
    }

    fn evidence(&self, e: &Evaluation) -> LocalEvidence {
        LocalEvidence {
            decision: e.decision,
            matched: e.matched.iter().map(|m| self.describe(m)).collect(),
            missing_context: e.missing_context.clone(),
            unsupported: e.unsupported.clone(),
            reasons: e.reasons.clone(),
            unknown_values: e.unknown_values.clone(),
        }
    }

    fn explain(
        &self,
        check: &Check,
        e: &Evaluation,
        rp: Option<ResourcePolicyKind>,
    ) -> (Verdict, ReasonCode, String) {
        let by = |effect: crate::engine::Effect| {
            e.matched
                .iter()
                .filter(|m| m.effect == effect)
                .map(|m| self.describe(m).describe())
                .collect::<Vec<_>>()
                .join("; ")
        };
        let rp_name = rp.map(resource_label).unwrap_or("resource policy");
        // In the closed world of a check (needs/request_context.toml), a key the context does
        // not hold is absent from the real request: `missing_context` is information then.
        let open = self.open_world(check);
        match e.decision {
            // A Deny whose condition tests a key the request did not supply did not apply here,
            // but may apply to the real request.
            Decision::Allowed if open && !e.missing_context.is_empty() => (
                Verdict::Inconclusive,
                ReasonCode::MissingContext,
                format!(
                    "allowed only because context {} was not supplied, and a Deny tests it; supply it with --context KEY=TYPE:VALUE",
                    e.missing_context.join(", ")
                ),
            ),
            Decision::Allowed => {
                let mut reason = format!("allowed by {}", by(crate::engine::Effect::Allow));
                if e.reasons.iter().any(|r| matches!(r, Reason::KeyPolicyDelegatesToIam { .. })) {
                    reason.push_str(&format!(" (the {rp_name} delegates to IAM policies)"));
                }
                (Verdict::Pass, ReasonCode::Allowed, reason)
            }
            Decision::ExplicitDeny => {
                let org: Vec<String> = e
                    .reasons
                    .iter()
                    .filter_map(|r| match r {
                        Reason::OrgPolicyDenies { layer, name, policy, level, .. } => {
                            Some(format!("{} `{name}` (`{policy}`) attached to `{level}`", layer.label()))
                        }
                        _ => None,
                    })
                    .collect();
                let code = if e.matched.iter().any(|m| m.kind == PolicyKind::Scp) {
                    ReasonCode::ScpDeny
                } else {
                    ReasonCode::ExplicitDeny
                };
                let mut reason = format!("explicit deny in {}; an Allow elsewhere cannot override it", by(crate::engine::Effect::Deny));
                if !org.is_empty() {
                    reason.push_str(&format!(" (the organization's {})", org.join("; ")));
                }
                (Verdict::Fail, code, reason)
            }
            Decision::ImplicitDeny if open && !e.missing_context.is_empty() => (
                Verdict::Inconclusive,
                ReasonCode::MissingContext,
                format!(
                    "missing context: {} (a condition tests it; supply it with --context KEY=TYPE:VALUE)",
                    e.missing_context.join(", ")
                ),
            ),
            Decision::ImplicitDeny => {
                let no_identity = e.reasons.iter().any(|r| matches!(r, Reason::NoIdentityAllow));
                let boundary_too = e.reasons.iter().find_map(|r| match r {
                    Reason::BoundaryDoesNotAllow { policy } => Some(self.label(policy)),
                    _ => None,
                });
                if no_identity && rp.is_none() {
                    let mut reason = "no policy allows it".to_string();
                    if let Some(b) = boundary_too {
                        reason.push_str(&format!(" (and the {b} does not allow it either)"));
                    }
                    if !e.unsupported.is_empty() {
                        reason.push_str(&format!("; some statements could not be evaluated: {}", e.unsupported.join("; ")));
                    }
                    return (Verdict::Fail, ReasonCode::NoAllow, reason);
                }
                if no_identity
                    && matches!(rp, Some(ResourcePolicyKind::DynamoDbTable | ResourcePolicyKind::S3Bucket))
                    && !e.reasons.iter().any(|r| matches!(r, Reason::CrossAccount { .. } | Reason::BoundaryDoesNotAllow { .. }))
                {
                    // reference_policies_elements_principal, "AWS account principals": a resource
                    // policy naming the account (`"111122223333"`, `...:root`) delegates to the
                    // account's IAM policies and grants nothing on its own.
                    return (
                        Verdict::Fail,
                        ReasonCode::NoAllow,
                        format!("no identity policy allows it, and the {rp_name} does not grant it to this caller on its own (a statement naming the account only delegates to the account's IAM policies)"),
                    );
                }
                for r in &e.reasons {
                    match r {
                        // orgs_manage_policies_scps_evaluation: every level must allow.
                        Reason::OrgLevelDoesNotAllow { layer, level } if !no_identity => {
                            return (
                                Verdict::Fail,
                                match layer {
                                    crate::engine::OrgPolicyType::Scp => ReasonCode::ScpDeny,
                                    crate::engine::OrgPolicyType::Rcp => ReasonCode::ResourcePolicyDeny,
                                },
                                format!(
                                    "the other policies allow it, but no {} attached to `{level}` does (every level of the organization from the root to the account must allow)",
                                    layer.label()
                                ),
                            );
                        }
                        Reason::BoundaryDoesNotAllow { policy } => {
                            return (
                                Verdict::Fail,
                                ReasonCode::BoundaryDeny,
                                format!("identity policies allow it, but the {} does not", self.label(policy)),
                            );
                        }
                        Reason::KeyPolicyDoesNotAllow { .. } => {
                            return (
                                Verdict::Fail,
                                ReasonCode::ResourcePolicyDeny,
                                format!("the {rp_name} neither allows this principal nor delegates {} to IAM policies", check.action),
                            );
                        }
                        Reason::KeyPolicyNoIamDelegation { .. } => {
                            return (
                                Verdict::Fail,
                                ReasonCode::ResourcePolicyDeny,
                                format!("the {rp_name} does not delegate {} to IAM policies, so identity policies cannot grant it", check.action),
                            );
                        }
                        Reason::CrossAccount { resource_account, .. } => {
                            return (
                                Verdict::Fail,
                                ReasonCode::ResourcePolicyDeny,
                                format!("the resource is in account {resource_account}, whose resource policy must also allow it"),
                            );
                        }
                        _ => {}
                    }
                }
                if !e.unsupported.is_empty() {
                    (
                        Verdict::Fail,
                        ReasonCode::NoAllow,
                        format!("no policy allows it (and some statements could not be evaluated: {})", e.unsupported.join("; ")),
                    )
                } else {
                    (Verdict::Fail, ReasonCode::NoAllow, "no policy allows it".into())
                }
            }
            Decision::Indeterminate if e.unsupported.is_empty() && e.reasons.iter().any(|r| matches!(r, Reason::KeyPolicyNotEvaluated)) => (
                Verdict::Inconclusive,
                ReasonCode::KeyPolicyNotEvaluated,
                "identity policies allow it, but the key policy must allow it too and was not available".into(),
            ),
            Decision::Indeterminate if !e.unknown_context.is_empty() || !e.unknown_values.is_empty() => (
                Verdict::Inconclusive,
                ReasonCode::MissingContext,
                self.unknown_reason(check, e),
            ),
            Decision::Indeterminate => (
                Verdict::Inconclusive,
                ReasonCode::NotEvaluable,
                self.relabel(&format!("cannot decide: {}", if e.unsupported.is_empty() { "the engine could not evaluate a statement".to_string() } else { e.unsupported.join("; ") })),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grants::model::{FetchedPolicy, Principal};
    use crate::iam::arn::PrincipalKind;

    fn policies(docs: &[(&str, &str)], boundary: Option<&str>) -> PrincipalPolicies {
        PrincipalPolicies {
            principal: Principal {
                kind: PrincipalKind::Role,
                name: "app".into(),
                arn: "arn:aws:iam::111122223333:role/app".into(),
                account: "111122223333".into(),
                partition: "aws".into(),
                session_arn: None,
                boundary_arn: boundary.map(|_| "arn:aws:iam::111122223333:policy/b".into()),
                tags: None,
            },
            policies: docs
                .iter()
                .map(|(n, d)| FetchedPolicy {
                    id: n.to_string(),
                    name: n.to_string(),
                    source: PolicySource::Inline {
                        owner_kind: "role".into(),
                        owner: "app".into(),
                    },
                    text: d.to_string(),
                })
                .collect(),
            boundary: boundary.map(|d| FetchedPolicy {
                id: "arn:aws:iam::111122223333:policy/b".into(),
                name: "b".into(),
                source: PolicySource::Boundary {
                    arn: "arn:aws:iam::111122223333:policy/b".into(),
                    version: "v1".into(),
                },
                text: d.to_string(),
            }),
            groups: vec![],
        }
    }

    fn check(action: &str, resource: &str, kind: &str) -> Check {
        Check {
            feature: "f".into(),
            action: action.into(),
            resource: resource.into(),
            resource_kind: kind.into(),
            context: vec![],
        }
    }

    const TABLE: &str = "arn:aws:dynamodb:us-east-1:111122223333:table/users";
    const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/k1";

    #[test]
    fn allow_names_the_statement_and_deny_wins() {
        let p = policies(
            &[
                (
                    "rw",
                    r#"{"Version":"2012-10-17","Statement":[{"Sid":"All","Effect":"Allow","Action":"dynamodb:*","Resource":"*"}]}"#,
                ),
                (
                    "guard",
                    r#"{"Version":"2012-10-17","Statement":[{"Sid":"NoDelete","Effect":"Deny","Action":"dynamodb:DeleteItem","Resource":"*"}]}"#,
                ),
            ],
            None,
        );
        let inputs = prepare(&p, &[]);
        let get = inputs.evaluate_check(&check("dynamodb:GetItem", TABLE, "table"), None);
        assert_eq!(
            (get.verdict, get.code),
            (Verdict::Pass, ReasonCode::Allowed)
        );
        assert_eq!(
            get.reason,
            "allowed by role inline policy `rw` statement `All`"
        );
        let del = inputs.evaluate_check(&check("dynamodb:DeleteItem", TABLE, "table"), None);
        assert_eq!(
            (del.verdict, del.code),
            (Verdict::Fail, ReasonCode::ExplicitDeny)
        );
        assert!(
            del.reason
                .contains("role inline policy `guard` statement `NoDelete`"),
            "{}",
            del.reason
        );
    }

    #[test]
    fn boundary_caps_identity() {
        let p = policies(
            &[(
                "rw",
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:*","Resource":"*"}]}"#,
            )],
            Some(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"*"}]}"#,
            ),
        );
        let v = prepare(&p, &[]).evaluate_check(&check("dynamodb:PutItem", TABLE, "table"), None);
        assert_eq!(
            (v.verdict, v.code),
            (Verdict::Fail, ReasonCode::BoundaryDeny)
        );
        assert!(
            v.reason.contains("permissions boundary policy `b`"),
            "{}",
            v.reason
        );
    }

    /// Adversarial: a trust policy that was never read is not "no policy". AWS: "Role trust
    /// policies and KMS key policies are exceptions to this logic, because they must explicitly
    /// allow access for principals" (IAM User Guide, policy evaluation logic). Reached when
    /// `--engine aws` runs the local engine beside the simulator for organization policies.
    #[test]
    fn an_unread_trust_policy_never_passes() {
        let p = policies(
            &[(
                "assume",
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}"#,
            )],
            None,
        );
        let c = check(
            "sts:AssumeRole",
            "arn:aws:iam::111122223333:role/target",
            "role",
        );
        let v = prepare(&p, &[]).evaluate_check(&c, None);
        assert_eq!(
            (v.verdict, v.code),
            (Verdict::Inconclusive, ReasonCode::TrustPolicyNotEvaluated),
            "{}",
            v.reason
        );
    }

    #[test]
    fn kms_needs_the_key_policy() {
        let p = policies(
            &[(
                "k",
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}]}"#,
            )],
            None,
        );
        let c = check("kms:Decrypt", KEY, "kms-key");
        // Not fetched: never a PASS.
        let v = prepare(&p, &[]).evaluate_check(&c, None);
        assert_eq!(
            (v.verdict, v.code, v.identity_outcome),
            (
                Verdict::Inconclusive,
                ReasonCode::KeyPolicyNotEvaluated,
                Outcome::Allow
            )
        );
        let key_policy = |doc: &str| FetchedResourcePolicy {
            kind: ResourcePolicyKind::KmsKey,
            resource: KEY.into(),
            state: ResourcePolicyState::Document { text: doc.into() },
            owner: None,
        };
        let delegating = key_policy(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}"#,
        );
        let v = prepare(&p, &[delegating]).evaluate_check(&c, None);
        assert_eq!(v.verdict, Verdict::Pass, "{}", v.reason);
        assert!(v.reason.contains("delegates to IAM"), "{}", v.reason);
        let other = key_policy(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/admin"},"Action":"kms:*","Resource":"*"}]}"#,
        );
        let v = prepare(&p, &[other]).evaluate_check(&c, None);
        assert_eq!(
            (v.verdict, v.code),
            (Verdict::Fail, ReasonCode::ResourcePolicyDeny),
            "{}",
            v.reason
        );
        let unreadable = FetchedResourcePolicy {
            kind: ResourcePolicyKind::KmsKey,
            resource: KEY.into(),
            state: ResourcePolicyState::Unreadable {
                reason: "AccessDenied".into(),
            },
            owner: None,
        };
        let v = prepare(&p, &[unreadable]).evaluate_check(&c, None);
        assert_eq!(
            (v.verdict, v.code),
            (Verdict::Inconclusive, ReasonCode::ResourcePolicyUnreadable)
        );
    }

    #[test]
    fn an_unparseable_policy_makes_rows_inconclusive() {
        let p = policies(
            &[
                (
                    "ok",
                    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
                ),
                (
                    "bad",
                    r#"{"Version":"2012-10-17","Statement":[{"Effect":"allow","Action":"*","Resource":"*"}]}"#,
                ),
            ],
            None,
        );
        let v = prepare(&p, &[]).evaluate_check(&check("dynamodb:GetItem", TABLE, "table"), None);
        assert_eq!(
            (v.verdict, v.code),
            (Verdict::Inconclusive, ReasonCode::PolicyUnreadable)
        );
        assert!(v.reason.contains("`bad`"), "{}", v.reason);
    }

    #[test]
    fn missing_context_is_inconclusive() {
        let p = policies(
            &[(
                "ip",
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}"#,
            )],
            None,
        );
        let inputs = prepare(&p, &[]);
        let v = inputs.evaluate_check(&check("dynamodb:GetItem", TABLE, "table"), None);
        assert_eq!(
            (v.verdict, v.code),
            (Verdict::Inconclusive, ReasonCode::MissingContext)
        );
        let mut c = check("dynamodb:GetItem", TABLE, "table");
        c.context = vec![ContextEntry {
            key: "aws:SourceIp".into(),
            kind: ContextType::Ip,
            values: vec!["10.1.2.3".into()],
        }];
        assert_eq!(inputs.evaluate_check(&c, None).verdict, Verdict::Pass);
    }
}
