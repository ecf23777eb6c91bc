//! The `check` pipeline: resolve the principal, fetch its policies, ask IAM's simulator
//! about every check (in as few calls as correctness allows), and turn the answers into
//! report rows, failing safe. Talks to AWS only through the [`Aws`] trait; the steps that
//! decide verdicts are pure functions.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::grants::model::{
    FetchedPolicy, PolicySource, Principal, PrincipalPolicies, SimDecision, SimRequest, SimResult,
};
use crate::grants::model::{FetchedResourcePolicy, ResourcePolicyKind, ResourcePolicyState};
use crate::grants::source::{Aws, AwsError, Owner};
use crate::iam::arn::{Arn, ArnError, KeyInput, PrincipalKind, PrincipalRef, principal_from_arn};
use crate::needs::catalogue::{Catalogue, ContextEntry};
use crate::needs::plan::{Check, CheckPlan, Env, PrincipalSelector, expand};
use crate::report::model::{
    Disagreement, Evidence, ReasonCode, Report, Row, SCHEMA, SimEvidence, StatementRef, Verdict,
};
use crate::verdict::local::{LocalVerdict, Outcome};

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

/// Managed policies fetched during a run, shared by every principal of a fleet so a policy
/// attached to many roles is fetched once, even when they are checked concurrently.
/// One managed policy's (default version id, document), fetched at most once.
type PolicyCell = std::sync::Arc<tokio::sync::OnceCell<(String, String)>>;

#[derive(Default)]
pub struct ManagedCache {
    cells: std::sync::Mutex<HashMap<String, PolicyCell>>,
}

impl ManagedCache {
    async fn get<A: Aws>(&self, aws: &A, arn: &str) -> Result<(String, String), AwsError> {
        let cell = {
            let mut cells = self.cells.lock().unwrap_or_else(|e| e.into_inner());
            cells.entry(arn.to_string()).or_default().clone()
        };
        cell.get_or_try_init(|| aws.get_managed_policy(arn))
            .await
            .cloned()
    }
}

/// Fetches every policy that applies to the principal: inline and attached managed
/// policies (default versions), the permissions boundary, and for a user its groups'
/// inline and managed policies. Managed policies shared by several owners are fetched once.
pub async fn fetch_policies<A: Aws>(
    aws: &A,
    principal: &Principal,
) -> Result<PrincipalPolicies, AwsError> {
    fetch_policies_cached(aws, principal, &ManagedCache::default()).await
}

/// [`fetch_policies`] with a cache shared across principals.
pub async fn fetch_policies_cached<A: Aws>(
    aws: &A,
    principal: &Principal,
    cache: &ManagedCache,
) -> Result<PrincipalPolicies, AwsError> {
    let mut owners = vec![match principal.kind {
        PrincipalKind::Role => Owner::Role(principal.name.clone()),
        PrincipalKind::User => Owner::User(principal.name.clone()),
    }];
    let mut groups = Vec::new();
    if principal.kind == PrincipalKind::User {
        groups = aws.list_groups_for_user(&principal.name).await?;
        owners.extend(groups.iter().cloned().map(Owner::Group));
    }
    let mut policies = Vec::new();
    for owner in &owners {
        for name in aws.list_inline_policies(owner).await? {
            let text = aws.get_inline_policy(owner, &name).await?;
            policies.push(FetchedPolicy {
                id: name.clone(),
                name,
                source: PolicySource::Inline {
                    owner_kind: owner.kind().into(),
                    owner: owner.name().into(),
                },
                text,
            });
        }
        for arn in aws.list_attached_policies(owner).await? {
            let (version, text) = cache.get(aws, &arn).await?;
            let via_group = match owner {
                Owner::Group(g) => Some(g.clone()),
                _ => None,
            };
            policies.push(FetchedPolicy {
                id: arn.clone(),
                name: policy_name_from_arn(&arn),
                source: PolicySource::Managed {
                    aws_managed: is_aws_managed(&arn),
                    arn: arn.clone(),
                    version,
                    via_group,
                },
                text,
            });
        }
    }
    let boundary = match &principal.boundary_arn {
        Some(arn) => {
            let (version, text) = cache.get(aws, arn).await?;
            Some(FetchedPolicy {
                id: arn.clone(),
                name: policy_name_from_arn(arn),
                source: PolicySource::Boundary {
                    arn: arn.clone(),
                    version,
                },
                text,
            })
        }
        None => None,
    };
    Ok(PrincipalPolicies {
        principal: principal.clone(),
        policies,
        boundary,
        groups,
    })
}

fn policy_name_from_arn(arn: &str) -> String {
    arn.rsplit('/').next().unwrap_or(arn).to_string()
}

fn is_aws_managed(arn: &str) -> bool {
    Arn::parse(arn).is_some_and(|a| a.account == "aws")
}

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
fn find_result<'a>(results: &'a [SimResult], check: &Check) -> Option<&'a SimResult> {
    results
        .iter()
        .find(|r| r.action.eq_ignore_ascii_case(&check.action) && r.resource == check.resource)
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

/// Whether DynamoDB tables' resource policies are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TablePolicies {
    /// Read each table's policy (`dynamodb:GetResourcePolicy`) and evaluate it; one that
    /// cannot be read makes that table's rows inconclusive.
    #[default]
    Read,
    /// `--no-table-policy`: the user states the tables have none. Nothing is read, and every
    /// report says so.
    AssumeNone,
}

/// What a run needs besides the plan.
pub struct RunContext<'a> {
    pub catalogue: &'a Catalogue,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    pub engine: EngineChoice,
    pub table_policies: TablePolicies,
}

/// Errors that stop the run even while fetching optional inputs: without a connection or
/// credentials nothing else would work either.
fn is_fatal(e: &AwsError) -> bool {
    matches!(
        e,
        AwsError::Network { .. }
            | AwsError::NoCredentials { .. }
            | AwsError::BadCredentials { .. }
            | AwsError::Throttled { .. }
    )
}

/// Fetches the resource policies the checks depend on: the tables' resource policies, the
/// bucket policy, and for the local engine also the KMS key policy and the trust policy of a
/// role to be assumed (IAM's simulator answers those rows as inconclusive on its own). One
/// that cannot be read is recorded as unreadable (its rows become inconclusive), not guessed.
pub async fn fetch_resource_policies<A: Aws>(
    aws: &A,
    principal: &Principal,
    checks: &[Check],
    bucket: Option<&str>,
    engine: EngineChoice,
    tables: TablePolicies,
) -> Result<Vec<FetchedResourcePolicy>, AwsError> {
    let mut out: Vec<FetchedResourcePolicy> = Vec::new();
    let mut wanted: Vec<(ResourcePolicyKind, String)> = Vec::new();
    let local = engine != EngineChoice::Aws;
    for c in checks {
        let item = match c.resource_kind.as_str() {
            "kms-key" if local => (ResourcePolicyKind::KmsKey, c.resource.clone()),
            "s3-object" => match bucket {
                Some(b) => (ResourcePolicyKind::S3Bucket, b.to_string()),
                None => continue,
            },
            "role" if local => (ResourcePolicyKind::RoleTrust, c.resource.clone()),
            "table" | "index" if tables == TablePolicies::Read => {
                match crate::iam::arn::table_arn_of(&c.resource) {
                    Some(t) => (ResourcePolicyKind::DynamoDbTable, t.to_string()),
                    None => continue,
                }
            }
            _ => continue,
        };
        if !wanted.contains(&item) {
            wanted.push(item);
        }
    }
    let unreadable = |e: AwsError| -> Result<ResourcePolicyState, AwsError> {
        if is_fatal(&e) {
            Err(e)
        } else {
            Ok(ResourcePolicyState::Unreadable {
                reason: e.to_string(),
            })
        }
    };
    for (kind, resource) in wanted {
        let state = match kind {
            ResourcePolicyKind::KmsKey => match aws.get_key_policy(&resource).await {
                Ok(text) => ResourcePolicyState::Document { text },
                Err(e) => unreadable(e)?,
            },
            ResourcePolicyKind::S3Bucket => match aws.get_bucket_policy(&resource).await {
                Ok(Some(text)) => ResourcePolicyState::Document { text },
                Ok(None) => ResourcePolicyState::Absent,
                Err(e) => unreadable(e)?,
            },
            // A table that is not found is unreadable too: a wrong name or region should not
            // pass quietly (before a table is created, --no-table-policy says it has none).
            ResourcePolicyKind::DynamoDbTable => match aws.get_table_policy(&resource).await {
                Ok(Some(text)) => ResourcePolicyState::Document { text },
                Ok(None) => ResourcePolicyState::Absent,
                Err(e) => unreadable(e)?,
            },
            ResourcePolicyKind::RoleTrust => match principal_from_arn(&resource) {
                Ok(target) if target.account.as_deref() == Some(principal.account.as_str()) => {
                    match aws.get_role_trust_policy(&target.name).await {
                        Ok(text) => ResourcePolicyState::Document { text },
                        Err(e) => unreadable(e)?,
                    }
                }
                _ => ResourcePolicyState::Unreadable {
                    reason: "the role is in another account, whose trust policy these credentials cannot read".into(),
                },
            },
        };
        out.push(FetchedResourcePolicy {
            kind,
            resource,
            state,
        });
    }
    Ok(out)
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
    evaluate_checks(
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
    .await
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
    let resource_policies =
        fetch_resource_policies(aws, &principal, &checks, bucket, engine, ctx.table_policies)
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
    })
}

/// What would make a feature pass: for rows nothing allows, the statements to add (from the
/// policy generator); for rows a Deny, the boundary, an SCP or a resource policy blocks, what
/// must change there instead, since adding an Allow would not help.
pub fn feature_fix(
    feature: &str,
    checks: &[Check],
    rows: &[Row],
) -> Option<crate::report::model::Fix> {
    let mut fix = crate::report::model::Fix::default();
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
    if (has("table") || has("index")) && ctx.table_policies == TablePolicies::AssumeNone {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grants::model::SimStatement;
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
