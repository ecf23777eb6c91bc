//! The report of a `check` run: one row per (feature, action, resource) with a verdict, a
//! stable reason code and a human reason; summaries per feature and overall; the exit
//! code, computed once from the verdicts. Data only: rendering lives in the other modules of
//! [`report`](crate::report).

use serde::Serialize;

use crate::grants::model::{Principal, PrincipalPolicies};
use crate::needs::catalogue::ContextEntry;

/// JSON schema identifier; bumped only on incompatible changes.
pub const SCHEMA: &str = "pydynox-iam/check/v1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Verdict {
    Pass,
    Inconclusive,
    Fail,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Inconclusive => "INCONCLUSIVE",
        }
    }
}

/// Why a row got its verdict. The kebab-case names are stable and documented in the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReasonCode {
    /// An identity policy allows it and nothing denies it.
    Allowed,
    /// No policy allows it (implicit deny).
    NoAllow,
    /// A Deny statement applies.
    ExplicitDeny,
    /// Identity policies allow it, but the permissions boundary does not.
    BoundaryDeny,
    /// A service control policy does not allow it.
    ScpDeny,
    /// A condition tests a context key that was not supplied; the answer depends on it.
    MissingContext,
    /// KMS: the key policy also decides, and was not evaluated.
    KeyPolicyNotEvaluated,
    /// sts:AssumeRole: the target role's trust policy also decides, and was not evaluated.
    TrustPolicyNotEvaluated,
    /// The simulator returned no result for this action and resource.
    NoResult,
    /// The simulator returned a decision this tool does not know.
    UnknownDecision,
    /// A resource policy (key policy, bucket policy, trust policy, or the resource account's)
    /// does not allow it.
    ResourcePolicyDeny,
    /// A fetched identity policy or boundary could not be parsed.
    PolicyUnreadable,
    /// The resource policy that also decides could not be read.
    ResourcePolicyUnreadable,
    /// The local engine met a condition, operator or element it cannot evaluate.
    NotEvaluable,
    /// IAM's simulator and the local engine disagree (`--engine both`).
    EnginesDisagree,
    /// The account is (or may be) in an AWS organization, and IAM's simulator does not
    /// evaluate service control policies that have conditions, nor resource control policies.
    OrgPoliciesNotEvaluated,
    /// The audit is of a role session, whose session policies (if any) nothing can read.
    SessionPolicyNotEvaluated,
    /// The S3 bucket's owner account is not known, and the verdict depends on it.
    BucketOwnerUnknown,
    /// The bucket's default encryption could not be read: with SSE-KMS, object calls need KMS
    /// permissions too.
    BucketEncryptionUnreadable,
    /// IAM's simulator contradicted itself (duplicated results that differ, a top-level decision
    /// no per-resource result explains, `allowed` beside a false boundary or organization flag).
    SimulatorInconsistent,
    /// `check --app`: the service's code makes a call the scan could not pin down (a table
    /// from an unset environment variable, an unknown receiver); the row names the file, the
    /// line and what resolves it.
    UnresolvedInCode,
    /// Infrastructure code: the verdict depends on a value known only after deploy (an
    /// unresolved intrinsic, a generated name, a Terraform value known after apply).
    UnknownBeforeDeploy,
    /// Infrastructure code: a policy that may or may not be attached decides it.
    PossiblyAttached,
    /// Infrastructure code: a policy whose document is not known (a managed policy only
    /// referenced, an attachment that cannot be resolved) may decide it.
    PolicyNotKnown,
    /// `why`: the policies evaluated now allow the call, but the message says AWS denied it
    /// through a policy this evaluation does not hold (an explicit deny anywhere, a boundary,
    /// session, service control, resource control or VPC endpoint policy).
    DeniedOutOfSight,
}

impl ReasonCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ReasonCode::Allowed => "allowed",
            ReasonCode::NoAllow => "no-allow",
            ReasonCode::ExplicitDeny => "explicit-deny",
            ReasonCode::BoundaryDeny => "boundary-deny",
            ReasonCode::ScpDeny => "scp-deny",
            ReasonCode::MissingContext => "missing-context",
            ReasonCode::KeyPolicyNotEvaluated => "key-policy-not-evaluated",
            ReasonCode::TrustPolicyNotEvaluated => "trust-policy-not-evaluated",
            ReasonCode::NoResult => "no-result",
            ReasonCode::UnknownDecision => "unknown-decision",
            ReasonCode::ResourcePolicyDeny => "resource-policy-deny",
            ReasonCode::PolicyUnreadable => "policy-unreadable",
            ReasonCode::ResourcePolicyUnreadable => "resource-policy-unreadable",
            ReasonCode::NotEvaluable => "not-evaluable",
            ReasonCode::EnginesDisagree => "engines-disagree",
            ReasonCode::OrgPoliciesNotEvaluated => "org-policies-not-evaluated",
            ReasonCode::SessionPolicyNotEvaluated => "session-policy-not-evaluated",
            ReasonCode::BucketOwnerUnknown => "bucket-owner-unknown",
            ReasonCode::BucketEncryptionUnreadable => "bucket-encryption-unreadable",
            ReasonCode::SimulatorInconsistent => "simulator-inconsistent",
            ReasonCode::UnresolvedInCode => "unresolved-in-code",
            ReasonCode::UnknownBeforeDeploy => "unknown-before-deploy",
            ReasonCode::PossiblyAttached => "possibly-attached",
            ReasonCode::PolicyNotKnown => "policy-not-known",
            ReasonCode::DeniedOutOfSight => "denied-out-of-sight",
        }
    }
}

/// A statement that decided a row, as precisely as it could be located.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatementRef {
    /// The policy's name (inline) or ARN (managed), as fetched; the simulator's id if unknown.
    pub policy: String,
    /// `role`, `user`, `group`, `aws-managed`, `user-managed`, `boundary`, … as IAM reports it.
    pub policy_type: Option<String>,
    /// 0-based index in the policy's `Statement` list, when it could be located.
    pub statement: Option<usize>,
    pub sid: Option<String>,
}

impl StatementRef {
    pub fn describe(&self) -> String {
        let mut s = match self.policy_type.as_deref() {
            Some(t) => format!("{t} policy `{}`", self.policy),
            None => format!("policy `{}`", self.policy),
        };
        match (&self.sid, self.statement) {
            (Some(sid), _) => s.push_str(&format!(" statement `{sid}`")),
            (None, Some(i)) => s.push_str(&format!(" statement #{i}")),
            _ => {}
        }
        s
    }
}

/// What each evaluator said, kept for the JSON report and for troubleshooting.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Evidence {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub simulator: Option<SimEvidence>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local: Option<LocalEvidence>,
    /// Every source consulted for the row, what it answered, and whether its answer decided
    /// the verdict (see [`crate::report::model::SourceAnswer`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<SourceAnswer>,
    /// Where the principal's policies were read from, when not from per-principal calls (e.g.
    /// one `iam:GetAccountAuthorizationDetails` read of the account).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grants_read: Option<String>,
}

/// A source of a row's verdict. Several may be consulted for one row; the verdict combines
/// them by one rule (`verdict::combine`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// IAM's SimulatePrincipalPolicy: identity policies, the boundary, and the service control
    /// policies it evaluates.
    Simulator,
    /// The local engine: identity policies, the boundary, and the resource's own policy (table,
    /// bucket, key or trust policy).
    Local,
    /// What the organization's policies may do that IAM's simulator does not evaluate (SCPs with
    /// conditions, RCPs).
    Organizations,
    /// The session policies of an audited role session.
    Session,
    /// The bucket's default encryption (SSE-KMS makes object calls need KMS permissions).
    BucketEncryption,
}

impl Source {
    /// How people read it in the table.
    pub fn label(self) -> &'static str {
        match self {
            Source::Simulator => "IAM's simulator",
            Source::Local => "local engine",
            Source::Organizations => "organization policies",
            Source::Session => "session policies",
            Source::BucketEncryption => "bucket encryption",
        }
    }
}

/// What one source answered for a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Answer {
    /// It allows, as far as it can see.
    Allow,
    /// It denies, definitely: AWS would deny whatever the other sources say.
    Deny,
    /// It cannot tell: the row cannot pass.
    Unsure,
    /// It has no say on this row (e.g. the simulator's implicit deny where a resource policy,
    /// which another source evaluates, may grant on its own).
    Abstain,
}

/// One source's answer for a row, and whether it decided the verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceAnswer {
    pub source: Source,
    pub answer: Answer,
    pub code: ReasonCode,
    pub reason: String,
    /// This answer decided the verdict: for PASS every allowing source, for FAIL the denying
    /// ones, for INCONCLUSIVE the unsure ones (the doubt).
    pub decisive: bool,
}

/// What the local engine decided and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LocalEvidence {
    pub decision: crate::engine::Decision,
    pub matched: Vec<StatementRef>,
    pub missing_context: Vec<String>,
    pub unsupported: Vec<String>,
    pub reasons: Vec<crate::engine::Reason>,
    /// Values known only after deploy (infrastructure code) the decision depended on.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown_values: Vec<String>,
}

/// What IAM's simulator answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct SimEvidence {
    /// The simulator's decision as IAM spells it (`allowed`, `implicitDeny`, `explicitDeny`).
    pub decision: Option<String>,
    pub matched: Vec<StatementRef>,
    pub missing_context: Vec<String>,
    pub allowed_by_boundary: Option<bool>,
    pub allowed_by_organizations: Option<bool>,
}

/// A short note for people on which sources decided a row: `simulator + local engine` for a
/// PASS both allowed, `doubt: organization policies` for an INCONCLUSIVE. Empty when a single
/// source was consulted (nothing to say beyond the report's engine).
pub fn decided_by_note(sources: &[SourceAnswer]) -> String {
    if sources.len() < 2 {
        return String::new();
    }
    let decisive: Vec<&SourceAnswer> = sources.iter().filter(|s| s.decisive).collect();
    let names = |v: &[&SourceAnswer]| {
        let mut names: Vec<&str> = Vec::new();
        for s in v {
            if !names.contains(&s.source.label()) {
                names.push(s.source.label());
            }
        }
        names.join(" + ")
    };
    match decisive.first().map(|s| s.answer) {
        Some(Answer::Unsure) => format!("doubt: {}", names(&decisive)),
        Some(_) => format!("decided by {}", names(&decisive)),
        None => "no source decided".into(),
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub feature: String,
    pub action: String,
    pub resource: String,
    pub verdict: Verdict,
    pub code: ReasonCode,
    pub reason: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub context: Vec<ContextEntry>,
    pub evidence: Evidence,
    /// The reason of the expected exception (config file) this row matched; a waived row
    /// keeps its verdict but does not count toward the exit code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waived: Option<String>,
    /// Where in the service's own files the row comes from (`check --app`: the line of code
    /// that makes the call) and where it would be granted (`check --template`/
    /// `--terraform-plan`: the resource that holds the principal's policies). Empty when the
    /// needs came from flags and the grants from AWS.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<SourceLocation>,
}

/// A place in the service's files a row refers to, for code-scanning reports (SARIF) and
/// people. Paths are as the user gave them, `/`-separated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceLocation {
    pub kind: LocationKind,
    pub file: String,
    /// 1-based, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// 1-based, in characters, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    /// What is there: the call as written, or the template's logical id / the plan's
    /// resource address.
    pub what: String,
}

/// What a [`SourceLocation`] is to its row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LocationKind {
    /// The service's code makes the call that needs the permission.
    Call,
    /// The infrastructure code (template, plan) that should grant it.
    Grant,
}

/// Rows by verdict. A waived row (matched an expected exception) counts as `waived` only, so
/// `pass + fail + inconclusive + waived` is the number of rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Counts {
    pub pass: usize,
    pub fail: usize,
    pub inconclusive: usize,
    pub waived: usize,
}

impl Counts {
    fn add(&mut self, v: Verdict) {
        match v {
            Verdict::Pass => self.pass += 1,
            Verdict::Fail => self.fail += 1,
            Verdict::Inconclusive => self.inconclusive += 1,
        }
    }

    fn add_row(&mut self, r: &Row) {
        if r.waived.is_some() {
            self.waived += 1;
        } else {
            self.add(r.verdict);
        }
    }
    /// The worst verdict: any FAIL fails, else any INCONCLUSIVE is inconclusive.
    pub fn verdict(&self) -> Verdict {
        if self.fail > 0 {
            Verdict::Fail
        } else if self.inconclusive > 0 {
            Verdict::Inconclusive
        } else {
            Verdict::Pass
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeatureSummary {
    pub name: String,
    pub verdict: Verdict,
    #[serde(flatten)]
    pub counts: Counts,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub docs_note: Option<String>,
    /// What would make a failing feature pass.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<Fix>,
}

/// How to fix a failing feature: statements to add to an identity policy where nothing
/// allows an action, and what must change elsewhere where adding an Allow will not help.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Fix {
    /// Statements to add to the principal's identity policy (IAM JSON).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub add_statements: Vec<serde_json::Value>,
    /// Changes an added Allow cannot make: a Deny to remove, a boundary or resource policy
    /// to widen, context to supply.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub must_change: Vec<String>,
}

/// The run's verdict and exit code under the one rule ([`Report::conclude`]), which every
/// format renders as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub verdict: Verdict,
    #[serde(flatten)]
    pub counts: Counts,
    pub total: usize,
    /// The exit code this report gives (0, or 1 for a FAIL or an INCONCLUSIVE not allowed).
    pub exit_code: i32,
    /// `--allow-inconclusive` (or the service's `allow_inconclusive`): an INCONCLUSIVE verdict
    /// exits 0 and is shown as "INCONCLUSIVE (allowed)".
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub allow_inconclusive: bool,
    /// Least-privilege findings at or above `--fail-on`, which fail the run.
    #[serde(skip_serializing_if = "is_zero")]
    pub findings_failing: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// What decides the exit code besides the rows: `--allow-inconclusive` and `--fail-on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Gate {
    pub allow_inconclusive: bool,
    pub fail_on: Option<crate::report::findings::Severity>,
}

/// What one row amounts to once waivers and `allow_inconclusive` are applied; every format
/// shows a row by this.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowOutcome {
    Pass,
    Fail,
    Inconclusive,
    /// Inconclusive, and inconclusive rows are allowed (`--allow-inconclusive`).
    InconclusiveAllowed,
    /// Not a pass, and matched an expected exception: shown, not counted.
    Waived,
}

/// An expected exception (config file) that waived no row of this run: its rows pass now,
/// fail with a reason code it does not name, or do not exist. A warning in every format; it
/// does not change the exit code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnmatchedExpected {
    pub action: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feature: Option<String>,
    pub codes: Vec<String>,
    pub reason: String,
    /// Its line in the config file.
    pub line: usize,
    /// Why it waived nothing.
    pub why: String,
}

/// When a replayed report's run was recorded (`check --from-snapshot`). Only a replay has it,
/// as the last key of the report, so removing it gives the recorded JSON byte for byte.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReplayInfo {
    /// RFC 3339, UTC.
    pub recorded_at: String,
    /// The pydynox-iam version that recorded it.
    pub recorded_by: String,
}

/// A row where IAM's simulator and the local engine reach different answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Disagreement {
    pub feature: String,
    pub action: String,
    pub resource: String,
    /// The simulator's decision (`allowed`, `implicitDeny`, `explicitDeny`).
    pub simulator: String,
    /// The local engine's identity-side outcome (`allow`, `deny`, `unknown`) and its reason.
    pub local: String,
    pub local_reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub tool_version: &'static str,
    pub pydynox_version: String,
    /// Which evaluator produced the verdicts: `aws-simulator`, `local`, or `both`.
    pub engine: String,
    /// Why that engine was chosen (e.g. `auto` on a LocalStack endpoint).
    pub engine_reason: String,
    pub principal: Principal,
    pub region: String,
    pub features: Vec<FeatureSummary>,
    pub rows: Vec<Row>,
    pub summary: Summary,
    /// Caveats that apply to the whole run (e.g. what the simulator cannot see).
    pub notes: Vec<String>,
    /// Rows where the two evaluators disagree (`--engine both`).
    pub disagreements: Vec<Disagreement>,
    /// What was fetched, so a reader can see the policies behind every verdict.
    pub policies: PrincipalPolicies,
    /// Resource policies fetched for the local engine (key, bucket, trust policies).
    pub resource_policies: Vec<crate::grants::model::FetchedResourcePolicy>,
    /// Grants beyond what the declared features need (`--least-privilege`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub least_privilege: Option<Vec<crate::report::findings::Finding>>,
    /// Expected exceptions that waived no row (a warning).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expected_unmatched: Vec<UnmatchedExpected>,
    /// `--compare-version`: the rows whose verdict changes under another pydynox release.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upgrade: Option<UpgradeImpact>,
    /// Set on a replay of a saved run; always the last key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replay: Option<ReplayInfo>,
}

/// What moving from the report's pydynox release to another changes (`--compare-version`):
/// every row whose verdict differs, a need that appears, or one that goes away.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UpgradeImpact {
    pub from: String,
    pub to: String,
    /// The exit code the report would have under `to` (same gate).
    pub to_exit_code: i32,
    pub changes: Vec<UpgradeChange>,
}

/// One row that changes between two releases. `before` is `None` for a need the newer
/// release adds, `after` is `None` for one it no longer has.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UpgradeChange {
    pub feature: String,
    pub action: String,
    pub resource: String,
    pub before: Option<Verdict>,
    pub after: Option<Verdict>,
    /// The reason of the verdict under `to` (or under `from` for a need that goes away).
    pub reason: String,
}

impl UpgradeChange {
    /// A short label: `new need, FAIL`, `need goes away`, `PASS -> FAIL`.
    pub fn label(&self) -> String {
        match (self.before, self.after) {
            (None, Some(a)) => format!("new need, {}", a.as_str()),
            (Some(_), None) => "need goes away".into(),
            (Some(b), Some(a)) => format!("{} -> {}", b.as_str(), a.as_str()),
            (None, None) => String::new(),
        }
    }
}

impl Report {
    /// The checks this report answered, rebuilt from its rows.
    pub fn checks(&self) -> Vec<crate::needs::plan::Check> {
        self.rows
            .iter()
            .map(|r| crate::needs::plan::Check {
                feature: r.feature.clone(),
                action: r.action.clone(),
                resource: r.resource.clone(),
                resource_kind: String::new(),
                context: r.context.clone(),
            })
            .collect()
    }
}

impl Report {
    /// Builds feature summaries (in the order features first appear) and the overall summary,
    /// under the one rule with no `--allow-inconclusive` and no `--fail-on` ([`Report::conclude`]
    /// applies the run's).
    pub fn summarize(
        rows: &[Row],
        docs_note: impl Fn(&str) -> Option<String>,
    ) -> (Vec<FeatureSummary>, Summary) {
        let mut features: Vec<FeatureSummary> = Vec::new();
        for r in rows {
            if !features.iter().any(|f| f.name == r.feature) {
                features.push(FeatureSummary {
                    name: r.feature.clone(),
                    verdict: Verdict::Pass,
                    counts: Counts::default(),
                    docs_note: docs_note(&r.feature),
                    fix: None,
                });
            }
        }
        let summary = conclude_rows(rows, &mut features, None, Gate::default());
        (features, summary)
    }

    /// The one verdict and exit-code rule, computed once per report after expected exceptions
    /// and least-privilege findings are in; every format renders its result as it is:
    /// 1. the worst verdict of the rows not waived by an expected exception (PASS if none);
    /// 2. no rows at all is INCONCLUSIVE: a run that checked nothing never passes;
    /// 3. a least-privilege finding at or above `--fail-on` makes it FAIL (the finding is
    ///    marked `fails`);
    /// 4. exit 0 for PASS, and for INCONCLUSIVE with `--allow-inconclusive`; else 1.
    ///
    /// Feature verdicts follow rule 1 over their own rows.
    pub fn conclude(&mut self, gate: Gate) {
        let mut findings = self.least_privilege.take();
        self.summary = conclude_rows(
            &self.rows,
            &mut self.features,
            findings.as_deref_mut(),
            gate,
        );
        self.least_privilege = findings;
    }

    /// What row `i` amounts to under the report's rule.
    pub fn row_outcome(&self, i: usize) -> RowOutcome {
        let row = &self.rows[i];
        match row.verdict {
            Verdict::Pass => RowOutcome::Pass,
            _ if row.waived.is_some() => RowOutcome::Waived,
            Verdict::Fail => RowOutcome::Fail,
            Verdict::Inconclusive if self.summary.allow_inconclusive => {
                RowOutcome::InconclusiveAllowed
            }
            Verdict::Inconclusive => RowOutcome::Inconclusive,
        }
    }

    /// Every row's outcome, in row order.
    pub fn row_outcomes(&self) -> Vec<RowOutcome> {
        (0..self.rows.len()).map(|i| self.row_outcome(i)).collect()
    }

    /// The verdict as every format words it: `PASS`, `FAIL`, `INCONCLUSIVE`, or
    /// `INCONCLUSIVE (allowed)` when it exits 0.
    pub fn verdict_label(&self) -> String {
        let s = &self.summary;
        if s.verdict == Verdict::Inconclusive && s.exit_code == exit::PASS {
            "INCONCLUSIVE (allowed)".to_string()
        } else {
            s.verdict.as_str().to_string()
        }
    }
}

/// [`Report::conclude`]'s rule over rows, feature summaries and findings.
fn conclude_rows(
    rows: &[Row],
    features: &mut [FeatureSummary],
    findings: Option<&mut [crate::report::findings::Finding]>,
    gate: Gate,
) -> Summary {
    let mut total = Counts::default();
    for f in features.iter_mut() {
        f.counts = Counts::default();
    }
    for r in rows {
        total.add_row(r);
        if let Some(f) = features.iter_mut().find(|f| f.name == r.feature) {
            f.counts.add_row(r);
        }
    }
    for f in features.iter_mut() {
        f.verdict = f.counts.verdict();
    }
    let mut findings_failing = 0;
    for f in findings.into_iter().flatten() {
        f.fails = gate.fail_on.is_some_and(|level| f.severity >= level);
        findings_failing += usize::from(f.fails);
    }
    let mut verdict = total.verdict();
    if rows.is_empty() {
        verdict = Verdict::Inconclusive;
    }
    if findings_failing > 0 {
        verdict = Verdict::Fail;
    }
    let exit_code = match verdict {
        Verdict::Pass => exit::PASS,
        Verdict::Inconclusive if gate.allow_inconclusive => exit::PASS,
        _ => exit::FAIL,
    };
    Summary {
        verdict,
        total: rows.len(),
        counts: total,
        exit_code,
        allow_inconclusive: gate.allow_inconclusive,
        findings_failing,
    }
}

/// The documented exit codes.
pub mod exit {
    /// Every check passed (or was inconclusive with `--allow-inconclusive`).
    pub const PASS: i32 = 0;
    /// At least one check failed, or was inconclusive without `--allow-inconclusive`.
    pub const FAIL: i32 = 1;
    /// Usage or input error: bad flags, unknown feature, missing resource flag, bad file.
    pub const USAGE: i32 = 2;
    /// AWS or tool error: no credentials, principal not found in AWS, the auditor lacks a
    /// permission, throttled beyond retries, network failure.
    pub const ERROR: i32 = 3;

    /// The exit code of a run of several principals: a usage error (bad input for one
    /// principal) outranks an AWS error, which outranks a failure.
    pub fn worst(codes: impl IntoIterator<Item = i32>) -> i32 {
        codes
            .into_iter()
            .max_by_key(|c| match *c {
                USAGE => 3,
                ERROR => 2,
                FAIL => 1,
                _ => 0,
            })
            .unwrap_or(PASS)
    }
}

impl Report {
    /// The exit code [`Report::conclude`] computed.
    pub fn exit_code(&self) -> i32 {
        self.summary.exit_code
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn row(feature: &str, v: Verdict) -> Row {
        Row {
            feature: feature.into(),
            action: "a:b".into(),
            resource: "*".into(),
            verdict: v,
            code: ReasonCode::Allowed,
            reason: String::new(),
            context: vec![],
            evidence: Evidence::default(),
            waived: None,
            locations: Vec::new(),
        }
    }

    #[test]
    fn summaries_take_the_worst_verdict() {
        let rows = vec![
            row("crud", Verdict::Pass),
            row("crud", Verdict::Fail),
            row("kms", Verdict::Pass),
            row("kms", Verdict::Inconclusive),
            row("ping", Verdict::Pass),
        ];
        let (features, summary) = Report::summarize(&rows, |_| None);
        let v: Vec<(&str, Verdict)> = features
            .iter()
            .map(|f| (f.name.as_str(), f.verdict))
            .collect();
        assert_eq!(
            v,
            vec![
                ("crud", Verdict::Fail),
                ("kms", Verdict::Inconclusive),
                ("ping", Verdict::Pass)
            ]
        );
        assert_eq!(
            (
                summary.verdict,
                summary.counts.pass,
                summary.counts.fail,
                summary.counts.inconclusive
            ),
            (Verdict::Fail, 3, 1, 1)
        );
    }

    pub(crate) fn report(rows: Vec<Row>) -> Report {
        let principal = crate::grants::model::Principal {
            kind: crate::iam::arn::PrincipalKind::Role,
            name: "r".into(),
            arn: "arn:aws:iam::1:role/r".into(),
            account: "1".into(),
            partition: "aws".into(),
            session_arn: None,
            boundary_arn: None,
            tags: None,
        };
        let (features, summary) = Report::summarize(&rows, |_| None);
        Report {
            schema: SCHEMA,
            tool_version: "t",
            pydynox_version: "1.3.0".into(),
            engine: "local".into(),
            engine_reason: String::new(),
            principal: principal.clone(),
            region: "r".into(),
            features,
            summary,
            rows,
            notes: vec![],
            disagreements: vec![],
            policies: PrincipalPolicies {
                principal,
                policies: vec![],
                boundary: None,
                groups: vec![],
            },
            resource_policies: vec![],
            least_privilege: None,
            expected_unmatched: vec![],
            upgrade: None,
            replay: None,
        }
    }

    fn finding(severity: crate::report::findings::Severity) -> crate::report::findings::Finding {
        crate::report::findings::Finding {
            code: crate::report::findings::Code::ServiceWildcard,
            severity,
            policy: "p".into(),
            statement: 0,
            sid: None,
            message: "m".into(),
            actions: vec![],
            resources: vec![],
            fails: false,
        }
    }

    /// (rows, waived row indexes, gate, findings) -> (verdict, exit code, label).
    #[test]
    fn one_rule_for_the_verdict_and_the_exit_code() {
        use crate::report::findings::Severity;
        let allow = Gate {
            allow_inconclusive: true,
            fail_on: None,
        };
        let high = Gate {
            allow_inconclusive: false,
            fail_on: Some(Severity::High),
        };
        let low = Gate {
            allow_inconclusive: false,
            fail_on: Some(Severity::Low),
        };
        type Case = (
            Vec<Verdict>,
            Vec<usize>,
            Gate,
            Vec<Severity>,
            Verdict,
            i32,
            &'static str,
        );
        let cases: Vec<Case> = vec![
            (
                vec![Verdict::Pass],
                vec![],
                Gate::default(),
                vec![],
                Verdict::Pass,
                0,
                "PASS",
            ),
            (
                vec![Verdict::Pass, Verdict::Fail],
                vec![],
                allow,
                vec![],
                Verdict::Fail,
                1,
                "FAIL",
            ),
            (
                vec![Verdict::Inconclusive],
                vec![],
                Gate::default(),
                vec![],
                Verdict::Inconclusive,
                1,
                "INCONCLUSIVE",
            ),
            (
                vec![Verdict::Inconclusive],
                vec![],
                allow,
                vec![],
                Verdict::Inconclusive,
                0,
                "INCONCLUSIVE (allowed)",
            ),
            // A waived FAIL does not count: the run passes, and says one row was expected.
            (
                vec![Verdict::Pass, Verdict::Fail],
                vec![1],
                Gate::default(),
                vec![],
                Verdict::Pass,
                0,
                "PASS",
            ),
            (
                vec![Verdict::Fail, Verdict::Inconclusive],
                vec![0],
                Gate::default(),
                vec![],
                Verdict::Inconclusive,
                1,
                "INCONCLUSIVE",
            ),
            // Nothing checked is never a PASS.
            (
                vec![],
                vec![],
                Gate::default(),
                vec![],
                Verdict::Inconclusive,
                1,
                "INCONCLUSIVE",
            ),
            (
                vec![],
                vec![],
                allow,
                vec![],
                Verdict::Inconclusive,
                0,
                "INCONCLUSIVE (allowed)",
            ),
            // Findings fail the run only at or above --fail-on.
            (
                vec![Verdict::Pass],
                vec![],
                Gate::default(),
                vec![Severity::High],
                Verdict::Pass,
                0,
                "PASS",
            ),
            (
                vec![Verdict::Pass],
                vec![],
                high,
                vec![Severity::Medium],
                Verdict::Pass,
                0,
                "PASS",
            ),
            (
                vec![Verdict::Pass],
                vec![],
                high,
                vec![Severity::High],
                Verdict::Fail,
                1,
                "FAIL",
            ),
            (
                vec![Verdict::Pass],
                vec![],
                low,
                vec![Severity::Medium],
                Verdict::Fail,
                1,
                "FAIL",
            ),
            (
                vec![Verdict::Inconclusive],
                vec![],
                Gate {
                    allow_inconclusive: true,
                    fail_on: Some(Severity::Low),
                },
                vec![Severity::High],
                Verdict::Fail,
                1,
                "FAIL",
            ),
        ];
        for (i, (verdicts, waived, gate, severities, verdict, code, label)) in
            cases.into_iter().enumerate()
        {
            let mut rows: Vec<Row> = verdicts.iter().map(|v| row("f", *v)).collect();
            for w in waived {
                rows[w].waived = Some("expected".into());
            }
            let mut r = report(rows);
            if !severities.is_empty() {
                r.least_privilege = Some(severities.iter().map(|s| finding(*s)).collect());
            }
            r.conclude(gate);
            assert_eq!(
                (r.summary.verdict, r.exit_code(), r.verdict_label()),
                (verdict, code, label.to_string()),
                "case {i}"
            );
            let failing = r
                .least_privilege
                .iter()
                .flatten()
                .filter(|f| f.fails)
                .count();
            assert_eq!(failing, r.summary.findings_failing, "case {i}");
            let c = &r.summary.counts;
            assert_eq!(
                c.pass + c.fail + c.inconclusive + c.waived,
                r.summary.total,
                "case {i}"
            );
        }
    }

    #[test]
    fn row_outcomes_follow_the_rule() {
        let mut rows = vec![
            row("a", Verdict::Pass),
            row("a", Verdict::Fail),
            row("b", Verdict::Inconclusive),
            row("b", Verdict::Fail),
        ];
        rows[3].waived = Some("x".into());
        let mut r = report(rows);
        r.conclude(Gate {
            allow_inconclusive: true,
            fail_on: None,
        });
        assert_eq!(
            r.row_outcomes(),
            vec![
                RowOutcome::Pass,
                RowOutcome::Fail,
                RowOutcome::InconclusiveAllowed,
                RowOutcome::Waived
            ]
        );
        let b = r.features.iter().find(|f| f.name == "b").unwrap();
        assert_eq!((b.verdict, b.counts.waived), (Verdict::Inconclusive, 1));
    }

    #[test]
    fn every_reason_code_but_allowed_can_be_named_by_an_expected_exception() {
        let all = [
            ReasonCode::Allowed,
            ReasonCode::NoAllow,
            ReasonCode::ExplicitDeny,
            ReasonCode::BoundaryDeny,
            ReasonCode::ScpDeny,
            ReasonCode::MissingContext,
            ReasonCode::KeyPolicyNotEvaluated,
            ReasonCode::TrustPolicyNotEvaluated,
            ReasonCode::NoResult,
            ReasonCode::UnknownDecision,
            ReasonCode::ResourcePolicyDeny,
            ReasonCode::PolicyUnreadable,
            ReasonCode::ResourcePolicyUnreadable,
            ReasonCode::NotEvaluable,
            ReasonCode::EnginesDisagree,
        ];
        let names: Vec<&str> = all
            .iter()
            .filter(|c| **c != ReasonCode::Allowed)
            .map(|c| c.as_str())
            .collect();
        let mut waivable = crate::needs::config::WAIVABLE_CODES.to_vec();
        let mut names_sorted = names.clone();
        waivable.sort_unstable();
        names_sorted.sort_unstable();
        assert_eq!(waivable, names_sorted);
        for c in all {
            assert_eq!(
                serde_json::to_value(c).unwrap(),
                serde_json::json!(c.as_str())
            );
        }
    }
}
