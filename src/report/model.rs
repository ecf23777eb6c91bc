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
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Counts {
    pub pass: usize,
    pub fail: usize,
    pub inconclusive: usize,
}

impl Counts {
    fn add(&mut self, v: Verdict) {
        match v {
            Verdict::Pass => self.pass += 1,
            Verdict::Fail => self.fail += 1,
            Verdict::Inconclusive => self.inconclusive += 1,
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub verdict: Verdict,
    #[serde(flatten)]
    pub counts: Counts,
    pub total: usize,
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
    /// Builds feature summaries (in the order features first appear) and the overall summary.
    pub fn summarize(
        rows: &[Row],
        docs_note: impl Fn(&str) -> Option<String>,
    ) -> (Vec<FeatureSummary>, Summary) {
        let mut features: Vec<FeatureSummary> = Vec::new();
        let mut total = Counts::default();
        for r in rows {
            total.add(r.verdict);
            match features.iter_mut().find(|f| f.name == r.feature) {
                Some(f) => f.counts.add(r.verdict),
                None => {
                    let mut counts = Counts::default();
                    counts.add(r.verdict);
                    features.push(FeatureSummary {
                        name: r.feature.clone(),
                        verdict: Verdict::Pass,
                        counts,
                        docs_note: docs_note(&r.feature),
                        fix: None,
                    });
                }
            }
        }
        for f in &mut features {
            f.verdict = f.counts.verdict();
        }
        let summary = Summary {
            verdict: total.verdict(),
            total: rows.len(),
            counts: total,
        };
        (features, summary)
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
    /// AWS or tool error: no credentials, principal not found, the auditor lacks a permission,
    /// throttled beyond retries, network failure.
    pub const ERROR: i32 = 3;
}

impl Report {
    /// The exit code of this report, computed once from its rows: rows waived by an expected
    /// exception do not count; an INCONCLUSIVE row fails unless inconclusive results are
    /// allowed; a least-privilege finding at or above `fail_on` fails.
    pub fn exit_code(
        &self,
        allow_inconclusive: bool,
        fail_on: Option<crate::report::findings::Severity>,
    ) -> i32 {
        let worst = self
            .rows
            .iter()
            .filter(|r| r.waived.is_none())
            .map(|r| r.verdict)
            .max()
            .unwrap_or(Verdict::Pass);
        let code = match worst {
            Verdict::Pass => exit::PASS,
            Verdict::Inconclusive if allow_inconclusive => exit::PASS,
            _ => exit::FAIL,
        };
        let findings_fail = match (&self.least_privilege, fail_on) {
            (Some(findings), Some(level)) => findings.iter().any(|f| f.severity >= level),
            _ => false,
        };
        if code == exit::PASS && findings_fail {
            exit::FAIL
        } else {
            code
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(feature: &str, v: Verdict) -> Row {
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

    #[test]
    fn inconclusive_never_exits_zero_unless_allowed_and_waived_rows_do_not_count() {
        let report = |rows: Vec<Row>| Report {
            schema: SCHEMA,
            tool_version: "t",
            pydynox_version: "1.3.0".into(),
            engine: "local".into(),
            engine_reason: String::new(),
            principal: crate::grants::model::Principal {
                kind: crate::iam::arn::PrincipalKind::Role,
                name: "r".into(),
                arn: "arn:aws:iam::1:role/r".into(),
                account: "1".into(),
                partition: "aws".into(),
                session_arn: None,
                boundary_arn: None,
            },
            region: "r".into(),
            features: vec![],
            summary: Report::summarize(&rows, |_| None).1,
            rows,
            notes: vec![],
            disagreements: vec![],
            policies: PrincipalPolicies {
                principal: crate::grants::model::Principal {
                    kind: crate::iam::arn::PrincipalKind::Role,
                    name: "r".into(),
                    arn: "arn:aws:iam::1:role/r".into(),
                    account: "1".into(),
                    partition: "aws".into(),
                    session_arn: None,
                    boundary_arn: None,
                },
                policies: vec![],
                boundary: None,
                groups: vec![],
            },
            resource_policies: vec![],
            least_privilege: None,
        };
        let pass = report(vec![row("a", Verdict::Pass)]);
        assert_eq!(pass.exit_code(false, None), 0);
        let fail = report(vec![row("a", Verdict::Pass), row("b", Verdict::Fail)]);
        assert_eq!(fail.exit_code(true, None), 1);
        let inconclusive = report(vec![row("a", Verdict::Inconclusive)]);
        assert_eq!(inconclusive.exit_code(false, None), 1);
        assert_eq!(inconclusive.exit_code(true, None), 0);
        let mut waived = fail.clone();
        waived.rows[1].waived = Some("expected".into());
        assert_eq!(waived.exit_code(false, None), 0);
        let mut findings = pass.clone();
        findings.least_privilege = Some(vec![crate::report::findings::Finding {
            code: crate::report::findings::Code::ServiceWildcard,
            severity: crate::report::findings::Severity::High,
            policy: "p".into(),
            statement: 0,
            sid: None,
            message: "m".into(),
            actions: vec![],
            resources: vec![],
        }]);
        assert_eq!(findings.exit_code(false, None), 0);
        assert_eq!(
            findings.exit_code(false, Some(crate::report::findings::Severity::High)),
            1
        );
        assert_eq!(
            findings.exit_code(false, Some(crate::report::findings::Severity::Low)),
            1
        );
    }
}
