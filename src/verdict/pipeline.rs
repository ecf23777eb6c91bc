//! The `check` pipeline, from a plan to a report: resolve the principal, fetch what it holds
//! ([`fetch`](super::fetch)), ask IAM's simulator about every check
//! ([`simulator`](super::simulator)) and/or evaluate it with the local engine
//! ([`local`](super::local)), combine the two failing safe, and add fixes
//! ([`fix`](super::fix)) and the run's caveats. Talks to AWS only through the [`Aws`] trait;
//! the steps that decide verdicts are pure functions.

use crate::grants::model::{
    FetchedResourcePolicy, Principal, ResourcePolicyKind, SimDecision, SimResult,
};
use crate::grants::source::{Aws, AwsError};
use crate::iam::arn::{Arn, ArnError, KeyInput, PrincipalKind, PrincipalRef, principal_from_arn};
use crate::needs::catalogue::Catalogue;
use crate::needs::plan::{Check, CheckPlan, Env, PrincipalSelector, expand};
use crate::report::model::{
    Disagreement, Evidence, ReasonCode, Report, Row, SCHEMA, SimEvidence, Verdict,
};
use crate::verdict::fetch::{
    ManagedCache, TablePolicies, fetch_policies_cached, fetch_resource_policies,
};
use crate::verdict::fix::feature_fix;
use crate::verdict::local::{LocalVerdict, Outcome};
use crate::verdict::simulator::{find_result, interpret, plan_simulations};

/// Why a check run could not produce a report.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error(transparent)]
    Aws(#[from] AwsError),
    #[error(transparent)]
    Principal(#[from] ArnError),
    #[error("no AWS region is configured; pass --region or set AWS_REGION (resource ARNs need it)")]
    NoRegion,
    #[error("{0}")]
    Input(String),
}

impl CheckError {
    /// Input problems exit 2; AWS and tool problems exit 3.
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            CheckError::Principal(_)
                | CheckError::NoRegion
                | CheckError::Input(_)
                | CheckError::Aws(AwsError::Offline { .. })
        )
    }

    /// The documented exit code for this error.
    pub fn exit_code(&self) -> i32 {
        if self.is_usage() {
            crate::report::model::exit::USAGE
        } else {
            crate::report::model::exit::ERROR
        }
    }
}

/// Resolves who is audited: the named role or user (looked up, so the ARN carries its real
/// path and boundary) or, with nothing named, the caller's own identity.
pub async fn resolve_principal<A: Aws>(
    aws: &A,
    selector: &PrincipalSelector,
) -> Result<Principal, CheckError> {
    let (pref, session_arn) = match selector {
        PrincipalSelector::Named(p) => {
            let session = p.session.as_ref().map(|_| String::new());
            (p.clone(), session)
        }
        PrincipalSelector::Caller => {
            let arn = aws.caller_arn().await?;
            let p = principal_from_arn(&arn)?;
            let session = p.session.as_ref().map(|_| arn.clone());
            (p, session)
        }
    };
    let entity = match pref.kind {
        PrincipalKind::Role => aws.get_role(&pref.name).await?,
        PrincipalKind::User => aws.get_user(&pref.name).await?,
    };
    let arn = Arn::parse(&entity.arn).ok_or_else(|| {
        CheckError::Aws(AwsError::BadResponse {
            action: "iam:GetRole",
            message: format!("`{}` is not an ARN", entity.arn),
        })
    })?;
    if let Some(acct) = &pref.account
        && acct != arn.account
    {
        return Err(CheckError::Input(format!(
            "`{}` is in account {acct}, but the credentials reach account {}; use credentials for account {acct}",
            pref.name, arn.account
        )));
    }
    let session_arn = match (session_arn, selector) {
        (Some(s), _) if !s.is_empty() => Some(s),
        (
            Some(_),
            PrincipalSelector::Named(PrincipalRef {
                session: Some(sess),
                ..
            }),
        ) => Some(format!(
            "arn:{}:sts::{}:assumed-role/{}/{}",
            arn.partition, arn.account, entity.name, sess
        )),
        _ => None,
    };
    Ok(Principal {
        kind: pref.kind,
        name: entity.name.clone(),
        arn: entity.arn.clone(),
        account: arn.account.to_string(),
        partition: arn.partition.to_string(),
        session_arn,
        boundary_arn: entity.boundary_arn,
    })
}

/// Whether the endpoint looks like a local emulator rather than AWS.
pub fn is_local_endpoint(endpoint: Option<&str>) -> bool {
    endpoint.is_some_and(|e| {
        let e = e.to_ascii_lowercase();
        e.contains("localhost")
            || e.contains("127.0.0.1")
            || e.contains("localstack")
            || e.contains("[::1]")
    })
}

/// Which evaluator decides the verdicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineChoice {
    /// IAM's SimulatePrincipalPolicy.
    Aws,
    /// The offline engine over the fetched policies, including resource policies.
    Local,
    /// Both; every disagreement is reported, and a row never passes unless both allow it.
    Both,
    /// AWS's simulator on AWS; the local engine on LocalStack (whose simulator is a stub) and
    /// offline.
    Auto,
}

/// The engine a run uses, and why.
pub fn resolve_engine(
    choice: EngineChoice,
    can_simulate: bool,
    endpoint: Option<&str>,
) -> Result<(EngineChoice, String), CheckError> {
    match choice {
        EngineChoice::Aws | EngineChoice::Both if !can_simulate => Err(CheckError::Input(
            "offline inputs cannot be sent to IAM's simulator; use --engine local (or auto)".into(),
        )),
        EngineChoice::Auto if !can_simulate => Ok((
            EngineChoice::Local,
            "auto: offline input, evaluated locally".into(),
        )),
        EngineChoice::Auto if is_local_endpoint(endpoint) => Ok((
            EngineChoice::Local,
            format!(
                "auto: the endpoint {} looks like LocalStack, whose policy simulator is a stub, so the local engine decides",
                endpoint.unwrap_or_default()
            ),
        )),
        EngineChoice::Auto => Ok((EngineChoice::Aws, "auto: AWS's own policy simulator".into())),
        other => Ok((other, "chosen with --engine".into())),
    }
}

/// What a run needs besides the plan.
pub struct RunContext<'a> {
    pub catalogue: &'a Catalogue,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    pub engine: EngineChoice,
    pub table_policies: TablePolicies,
}

fn local_row(check: &Check, lv: LocalVerdict, simulator: Option<SimEvidence>) -> Row {
    Row {
        feature: check.feature.clone(),
        action: check.action.clone(),
        resource: check.resource.clone(),
        verdict: lv.verdict,
        code: lv.code,
        reason: lv.reason,
        context: check.context.clone(),
        evidence: Evidence {
            simulator,
            local: Some(lv.evidence),
        },
        waived: None,
    }
}

/// `--engine both`: the simulator's answer beside the local engine's. Where they disagree on
/// allow versus deny, the row says so and takes the worse verdict (never PASS); where they
/// agree, the local engine's verdict stands, since it also sees resource policies.
fn combine(
    check: &Check,
    sim: Option<&SimResult>,
    sim_row: Row,
    lv: LocalVerdict,
) -> (Row, Option<Disagreement>) {
    let sim_outcome = match sim.map(|r| &r.decision) {
        Some(SimDecision::Allowed) => Outcome::Allow,
        Some(SimDecision::ExplicitDeny | SimDecision::ImplicitDeny) => Outcome::Deny,
        _ => Outcome::Unknown,
    };
    let sim_evidence = sim_row.evidence.simulator.clone();
    let definite = |o| o != Outcome::Unknown;
    if definite(sim_outcome) && definite(lv.identity_outcome) && sim_outcome != lv.identity_outcome
    {
        let sim_decision = sim
            .map(|r| r.decision.as_str().to_string())
            .unwrap_or_default();
        let disagreement = Disagreement {
            feature: check.feature.clone(),
            action: check.action.clone(),
            resource: check.resource.clone(),
            simulator: sim_decision.clone(),
            local: serde_json::to_value(lv.identity_outcome)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            local_reason: lv.reason.clone(),
        };
        let verdict = sim_row.verdict.max(lv.verdict).max(Verdict::Inconclusive);
        let reason = format!(
            "engines disagree: IAM's simulator says {sim_decision} ({}); the local engine says {}",
            sim_row.reason, lv.reason
        );
        let mut row = local_row(check, lv, sim_evidence);
        row.verdict = verdict;
        row.code = ReasonCode::EnginesDisagree;
        row.reason = reason;
        return (row, Some(disagreement));
    }
    // Unknown on either side can only make the verdict worse, never a PASS.
    let mut row = local_row(check, lv, sim_evidence);
    if sim_outcome == Outcome::Unknown && row.verdict == Verdict::Pass {
        row.verdict = Verdict::Inconclusive;
        row.code = sim_row.code;
        row.reason = format!(
            "the local engine allows it, but IAM's simulator gave no usable answer ({})",
            sim_row.reason
        );
    }
    (row, None)
}

/// Runs a whole check and builds the report.
pub async fn run<A: Aws>(
    aws: &A,
    ctx: &RunContext<'_>,
    plan: &CheckPlan,
) -> Result<Report, CheckError> {
    run_cached(aws, ctx, plan, &ManagedCache::default()).await
}

/// [`run`] with a managed-policy cache shared across the principals of a fleet.
pub async fn run_cached<A: Aws>(
    aws: &A,
    ctx: &RunContext<'_>,
    plan: &CheckPlan,
    cache: &ManagedCache,
) -> Result<Report, CheckError> {
    let (engine, engine_reason) =
        resolve_engine(ctx.engine, aws.can_simulate(), ctx.endpoint_url.as_deref())?;
    let region = ctx.region.clone().ok_or(CheckError::NoRegion)?;
    let principal = resolve_principal(aws, &plan.principal).await?;
    let key_arn = match &plan.resources.kms_key {
        None => None,
        Some(KeyInput::KeyArn(a)) => Some(a.clone()),
        Some(KeyInput::KeyId(id)) => {
            Some(format!("arn:{}:kms:{}:{}:key/{}", principal.partition, region, principal.account, id))
        }
        Some(KeyInput::Alias(alias)) => Some(aws.resolve_key(alias).await.map_err(|e| match e {
            AwsError::NotFound { .. } => CheckError::Input(format!(
                "KMS alias `{alias}` was not found in {region}; pass the key ARN with --kms-key (an alias ARN in a policy does not authorize use of the key)"
            )),
            other => CheckError::Aws(other),
        })?),
    };
    let env = Env {
        partition: principal.partition.clone(),
        region: region.clone(),
        account: principal.account.clone(),
        key_arn,
    };
    let checks = expand(ctx.catalogue, plan, &env);
    let mut report = evaluate_checks(
        aws,
        ctx,
        (engine, engine_reason),
        principal,
        region,
        checks,
        plan.resources.bucket.as_deref(),
        &plan.version.to_string(),
        cache,
    )
    .await?;
    // What the plan itself says (features `all` left out, the stored prefix) comes first.
    report.notes.splice(0..0, plan.notes.iter().cloned());
    Ok(report)
}

/// Fetches what the chosen engine needs for a resolved principal and answers the given
/// checks, building the report. Shared by `check` and `why`.
#[allow(clippy::too_many_arguments)]
pub async fn evaluate_checks<A: Aws>(
    aws: &A,
    ctx: &RunContext<'_>,
    (engine, engine_reason): (EngineChoice, String),
    principal: Principal,
    region: String,
    checks: Vec<Check>,
    bucket: Option<&str>,
    pydynox_version: &str,
    cache: &ManagedCache,
) -> Result<Report, CheckError> {
    let policies = fetch_policies_cached(aws, &principal, cache).await?;
    let resource_policies = fetch_resource_policies(
        aws,
        &principal,
        &checks,
        bucket,
        engine != EngineChoice::Aws,
        ctx.table_policies,
    )
    .await?;

    let mut results: Vec<Option<SimResult>> = vec![None; checks.len()];
    if engine != EngineChoice::Local {
        for (req, covered) in plan_simulations(&principal.arn, &checks) {
            let answers = aws.simulate(&req).await?;
            for i in covered {
                results[i] = find_result(&answers, &checks[i]).cloned();
            }
        }
    }
    // IAM's simulator does not see table or bucket policies; where one exists (or could not
    // be read), the local engine evaluates that row beside the simulator, as with `both`.
    let needs_local =
        engine != EngineChoice::Aws || resource_policies.iter().any(|rp| rp.state.may_decide());
    let local = needs_local.then(|| crate::verdict::local::prepare(&policies, &resource_policies));
    let mut disagreements = Vec::new();
    let rows: Vec<Row> = checks
        .iter()
        .zip(&results)
        .map(|(c, r)| match (&local, engine) {
            (Some(l), EngineChoice::Local) => local_row(c, l.evaluate_check(c, bucket), None),
            (Some(l), EngineChoice::Aws) if !l.resource_policy_may_decide(c, bucket) => {
                interpret(c, r.as_ref(), &policies)
            }
            (Some(l), _) => {
                let (row, d) = combine(
                    c,
                    r.as_ref(),
                    interpret(c, r.as_ref(), &policies),
                    l.evaluate_check(c, bucket),
                );
                disagreements.extend(d);
                row
            }
            (None, _) => interpret(c, r.as_ref(), &policies),
        })
        .collect();
    let (mut features, summary) = Report::summarize(&rows, |f| {
        ctx.catalogue.feature(f).and_then(|f| f.docs_note.clone())
    });
    for f in &mut features {
        f.fix = feature_fix(&f.name, &checks, &rows);
    }
    let notes = run_notes(ctx, engine, &principal, &checks, &resource_policies);
    Ok(Report {
        schema: SCHEMA,
        tool_version: env!("CARGO_PKG_VERSION"),
        pydynox_version: pydynox_version.to_string(),
        engine: engine_name(engine).into(),
        engine_reason,
        principal,
        region,
        features,
        rows,
        summary,
        notes,
        disagreements,
        policies,
        resource_policies,
        least_privilege: None,
        expected_unmatched: Vec::new(),
        replay: None,
    })
}

fn engine_name(e: EngineChoice) -> &'static str {
    match e {
        EngineChoice::Aws => "aws-simulator",
        EngineChoice::Local => "local",
        EngineChoice::Both => "both",
        EngineChoice::Auto => "auto",
    }
}

/// Caveats that hold for the whole run, so a reader knows what a PASS did not cover.
fn run_notes(
    ctx: &RunContext<'_>,
    engine: EngineChoice,
    principal: &Principal,
    checks: &[Check],
    resource_policies: &[FetchedResourcePolicy],
) -> Vec<String> {
    let mut notes = Vec::new();
    let has = |kind: &str| checks.iter().any(|c| c.resource_kind == kind);
    if engine != EngineChoice::Local && is_local_endpoint(ctx.endpoint_url.as_deref()) {
        notes.push(format!(
            "the endpoint {} looks like LocalStack, whose simulator only allows exact action and resource matches and answers explicitDeny for everything else",
            ctx.endpoint_url.as_deref().unwrap_or_default()
        ));
    }
    if engine == EngineChoice::Aws && (has("kms-key") || has("role")) {
        notes.push("IAM's simulator cannot evaluate key policies or trust policies for roles; run with --engine both to evaluate them locally".into());
    }
    if has("s3-object") {
        notes.push(format!(
            "S3 rows are checked on a representative object `{}` under the prefix",
            crate::needs::plan::S3_PROBE_OBJECT
        ));
    }
    if engine == EngineChoice::Aws
        && resource_policies.iter().any(|rp| {
            matches!(
                rp.kind,
                ResourcePolicyKind::S3Bucket | ResourcePolicyKind::DynamoDbTable
            ) && rp.state.may_decide()
        })
    {
        notes.push("IAM's simulator does not see table or bucket policies; rows on a resource that has one were also evaluated by the local engine, and pass only if both allow".into());
    }
    let table_kind = checks
        .iter()
        .any(|c| crate::needs::plan::governed_by_table_policy(&c.resource_kind));
    if table_kind && ctx.table_policies == TablePolicies::AssumeNone {
        notes.push(
            "DynamoDB table resource policies were not read (--no-table-policy); a Deny in one would not show here"
                .into(),
        );
    }
    if engine != EngineChoice::Aws {
        notes.push("the local engine does not evaluate service control policies, resource control policies or session policies".into());
    }
    if let Some(s) = &principal.session_arn {
        notes.push(format!(
            "`{s}` is a session of role `{}`; session policies and session tags are not evaluated",
            principal.arn
        ));
    }
    notes
}
