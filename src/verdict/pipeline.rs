//! The `check` pipeline, from a plan to a report: resolve the principal, fetch what it holds
//! ([`fetch`](super::fetch)), ask IAM's simulator about every check
//! ([`simulator`](super::simulator)) and/or evaluate it with the local engine
//! ([`local`](super::local)), combine the two failing safe, and add fixes
//! ([`fix`](super::fix)) and the run's caveats. Talks to AWS only through the [`Aws`] trait;
//! the steps that decide verdicts are pure functions.

use crate::grants::model::{
    BucketEncryption, FetchedResourcePolicy, Principal, PrincipalPolicies, ResourcePolicyKind,
    SimResult,
};
use crate::grants::source::{Aws, AwsError};
use crate::iam::arn::{Arn, ArnError, KeyInput, PrincipalKind, PrincipalRef, principal_from_arn};
use crate::needs::catalogue::{Catalogue, ContextEntry, ContextType};
use crate::needs::plan::{Check, CheckPlan, Env, PrincipalSelector, expand};
use crate::report::model::{
    Answer, Disagreement, Evidence, ReasonCode, Report, Row, SCHEMA, Source, SourceAnswer, Verdict,
};
use crate::verdict::combine::combine;
use crate::verdict::fetch::{
    ManagedCache, TablePolicies, fetch_policies_cached, fetch_wanted, first_error_in_order,
    is_fatal, owner_hint, wanted_resource_policies,
};
use crate::verdict::fix::feature_fix;
use crate::verdict::local::{LocalInputs, Outcome};
use crate::verdict::simulator::{self, Blind, plan_simulations, results_for};

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
        tags: entity.tags,
    })
}

/// Where an endpoint URL leads, as far as the URL can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// AWS's own endpoints: no override, or a host under an AWS domain (`amazonaws.com`,
    /// `amazonaws.com.cn`, `api.aws`, and the isolated partitions').
    Aws,
    /// A loopback address or `localhost`: an emulator on this machine (LocalStack), whose
    /// policy simulator is a stub.
    Loopback,
    /// Anything else (a proxy, an emulator under another name, a URL that does not parse):
    /// the simulator behind it may be AWS's or a stub.
    Other,
}

/// Classifies an endpoint URL by its host, parsed as a URL (so `http://localhost@example.com`
/// is `example.com`, and `127.1` is a loopback address), never by substrings.
///
/// Which way is fail safe: a stub simulator (LocalStack's allows exact matches and ignores
/// Deny statements, conditions and boundaries) must never decide a row alone, and on real AWS
/// skipping the simulator loses the service control policies it evaluates. So only a host this
/// machine owns (loopback, `localhost`) is taken for an emulator and left to the local engine;
/// an AWS host gets the simulator (with the local engine where it is blind); and every other
/// host, whatever its name says (`localstack.example.com` included), gets both on every row,
/// passing only where both allow.
pub fn classify_endpoint(endpoint: Option<&str>) -> Endpoint {
    let Some(e) = endpoint else {
        return Endpoint::Aws;
    };
    let Ok(url) = url::Url::parse(e.trim()) else {
        return Endpoint::Other;
    };
    match url.host() {
        Some(url::Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            if d == "localhost" {
                Endpoint::Loopback
            } else if AWS_DOMAINS
                .iter()
                .any(|aws| d == *aws || d.ends_with(&format!(".{aws}")))
            {
                Endpoint::Aws
            } else {
                Endpoint::Other
            }
        }
        Some(url::Host::Ipv4(ip)) if ip.is_loopback() => Endpoint::Loopback,
        Some(url::Host::Ipv6(ip))
            if ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v| v.is_loopback()) =>
        {
            Endpoint::Loopback
        }
        _ => Endpoint::Other,
    }
}

/// The DNS suffixes of AWS's service endpoints in every partition (aws, aws-cn, aws-us-gov,
/// the isolated regions; and `api.aws` for dual-stack endpoints).
const AWS_DOMAINS: &[&str] = &[
    "amazonaws.com",
    "amazonaws.com.cn",
    "api.aws",
    "c2s.ic.gov",
    "sc2s.sgov.gov",
    "cloud.adc-e.uk",
    "csp.hci.ic.gov",
];

/// Whether a check reads the organization's SCPs and RCPs (when no `--org-policies-file` gives
/// them): `--org-policies read` always; `auto` only where the local engine alone decides on AWS
/// (where nothing else shows them) and `--no-org-policies` does not say none apply; `never`
/// not. The one rule for a single account's checks and for each account of a many-account run.
pub fn reads_org_policies(stated: &Statements, local_engine_alone: bool, on_aws: bool) -> bool {
    match stated.org_policies {
        crate::grants::org::OrgPoliciesChoice::Read => true,
        crate::grants::org::OrgPoliciesChoice::Auto => {
            local_engine_alone && on_aws && !stated.no_org_policies
        }
        crate::grants::org::OrgPoliciesChoice::Never => false,
    }
}

/// Whether the endpoint is an emulator on this machine (see [`classify_endpoint`]).
pub fn is_local_endpoint(endpoint: Option<&str>) -> bool {
    classify_endpoint(endpoint) == Endpoint::Loopback
}

/// Which evaluator decides the verdicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineChoice {
    /// IAM's SimulatePrincipalPolicy; the local engine beside it only on rows a table or
    /// bucket policy (which can deny) also decides.
    Aws,
    /// The offline engine over the fetched policies, including resource policies.
    Local,
    /// Both on every row; every disagreement is reported, and a row never passes unless both
    /// allow it.
    Both,
    /// As chosen: the simulator on AWS, with the local engine beside it wherever the simulator
    /// is blind (key, trust, table and bucket policies); the local engine on a loopback
    /// endpoint (an emulator) and offline; both on any other endpoint. Once resolved (by
    /// [`resolve_engine`]), `Auto` means the first of these.
    Auto,
}

/// The engine a run uses, and why.
pub fn resolve_engine(
    choice: EngineChoice,
    can_simulate: bool,
    endpoint: Option<&str>,
) -> Result<(EngineChoice, String), CheckError> {
    let shown = endpoint.unwrap_or_default();
    match choice {
        EngineChoice::Aws | EngineChoice::Both if !can_simulate => Err(CheckError::Input(
            "offline inputs cannot be sent to IAM's simulator; use --engine local (or auto)".into(),
        )),
        EngineChoice::Auto if !can_simulate => Ok((
            EngineChoice::Local,
            "auto: offline input, evaluated locally".into(),
        )),
        EngineChoice::Auto => Ok(match classify_endpoint(endpoint) {
            Endpoint::Loopback => (
                EngineChoice::Local,
                format!(
                    "auto: the endpoint {shown} is on this machine (an emulator such as LocalStack, whose policy simulator is a stub), so the local engine decides"
                ),
            ),
            Endpoint::Other => (
                EngineChoice::Both,
                format!(
                    "auto: the endpoint {shown} is neither AWS's nor on this machine, so its policy simulator may be a stub; both engines decide every row, and a row passes only where both allow (choose with --engine)"
                ),
            ),
            Endpoint::Aws => (
                EngineChoice::Auto,
                "auto: AWS's own policy simulator, with the local engine beside it where the simulator is blind (key, trust, table and bucket policies); a row passes only where both allow".into(),
            ),
        }),
        other => Ok((other, "chosen with --engine".into())),
    }
}

/// What the user states about what no API call can show, each with a documented flag. Every
/// one of them can only turn an INCONCLUSIVE into a verdict; none is assumed by default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Statements {
    /// `--no-scp-conditions`: no service control policy that applies to the account has a
    /// `Condition` element (IAM's simulator does not evaluate SCPs with conditions).
    pub no_scp_conditions: bool,
    /// `--no-rcps`: no resource control policy applies beyond AWS's `RCPFullAWSAccess` (IAM's
    /// simulator does not evaluate RCPs at all).
    pub no_rcps: bool,
    /// `--no-session-policy`: the audited role session was created without session policies.
    pub no_session_policy: bool,
    /// `--bucket-owner ACCOUNT`: the account that owns the bucket (checked with S3's
    /// expected-owner check online; trusted as given offline).
    pub bucket_owner: Option<String>,
    /// `--principal-tag KEY=VALUE`: the principal's tags (`aws:PrincipalTag/*`), over the ones
    /// the source lists (GetRole/GetUser, an export); with policy files, the only ones known.
    pub principal_tags: Option<std::collections::BTreeMap<String, String>>,
    /// `--at TIME`: the moment the checks are about (seconds since the epoch); now by default.
    pub at: Option<i64>,
    /// `--no-org-policies`: no service control policy and no resource control policy applies
    /// beyond AWS's `FullAWSAccess`/`RCPFullAWSAccess` (true of an account in no organization).
    /// Needed by `--engine local` on AWS unless the organization's policies are read.
    pub no_org_policies: bool,
    /// `--org-policies auto|read|never`.
    pub org_policies: crate::grants::org::OrgPoliciesChoice,
    /// `--org-policies-file FILE`: the organization's SCPs and RCPs for the principal's account,
    /// instead of reading them.
    pub org_policies_file: Option<crate::grants::org::OrgPolicies>,
}

/// What a run needs besides the plan.
pub struct RunContext<'a> {
    pub catalogue: &'a Catalogue,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    pub engine: EngineChoice,
    pub table_policies: TablePolicies,
    pub stated: Statements,
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
    crate::iam::region::check_region(&region, None).map_err(CheckError::Input)?;
    // The principal and a KMS alias are looked up at once (neither needs the other); the
    // principal's error, then its region's, come first, as when they were looked up in turn.
    let alias = async {
        match &plan.resources.kms_key {
            Some(KeyInput::Alias(alias)) => cache
                .limit(aws.resolve_key(alias))
                .await
                .map(Some)
                .map_err(|e| match e {
                    AwsError::NotFound { .. } => CheckError::Input(format!(
                        "KMS alias `{alias}` was not found in {region}; pass the key ARN with --kms-key (an alias ARN in a policy does not authorize use of the key)"
                    )),
                    other => CheckError::Aws(other),
                }),
            _ => Ok(None),
        }
    };
    let (principal, alias_arn) =
        futures::join!(cache.limit(resolve_principal(aws, &plan.principal)), alias);
    let principal = principal?;
    crate::iam::region::check_region(&region, Some(&principal.partition))
        .map_err(CheckError::Input)?;
    let alias_arn = alias_arn?;
    let key_arn = match &plan.resources.kms_key {
        None => None,
        Some(KeyInput::KeyArn(a)) => Some(a.clone()),
        Some(KeyInput::KeyId(id)) => Some(format!(
            "arn:{}:kms:{}:{}:key/{}",
            principal.partition, region, principal.account, id
        )),
        Some(KeyInput::Alias(_)) => alias_arn,
    };
    let env = Env {
        partition: principal.partition.clone(),
        region: region.clone(),
        account: principal.account.clone(),
        key_arn,
    };
    let checks = expand(ctx.catalogue, plan, &env);
    // Cross-partition access is impossible (aws-general, "AWS partitions"): a resource given
    // by ARN in another partition than the principal's is a mistake in the input.
    if let Some(c) = checks
        .iter()
        .find(|c| Arn::parse(&c.resource).is_some_and(|a| a.partition != principal.partition))
    {
        return Err(CheckError::Input(format!(
            "`{}` is in another partition than the principal `{}`; a principal cannot reach resources in another partition",
            c.resource, principal.arn
        )));
    }
    let named_session = matches!(
        &plan.principal,
        PrincipalSelector::Named(PrincipalRef {
            session: Some(_),
            ..
        })
    );
    let mut report = evaluate_checks(
        aws,
        ctx,
        (engine, engine_reason),
        Subject {
            principal,
            region,
            checks,
            bucket: plan.resources.bucket.clone(),
            pydynox_version: plan.version.to_string(),
            named_session,
        },
        cache,
    )
    .await?;
    // What the plan itself says (features `all` left out, the stored prefix) comes first.
    report.notes.splice(0..0, plan.notes.iter().cloned());
    if let Some(app) = &plan.app {
        add_code_locations(&mut report, app);
        add_unresolved_rows(ctx.catalogue, &mut report, app);
    }
    Ok(report)
}

/// `check --app`: each row a line of the code needs is located at that line (the first call
/// the scan saw), for code-scanning reports. Display only: a row no need matches (a flag's
/// feature, a name the template resolved differently) has no location.
pub fn add_code_locations(report: &mut Report, app: &crate::needs::app::AppNeeds) {
    for row in &mut report.rows {
        for need in &app.checks {
            if need.feature == row.feature
                && need.action == row.action
                && need.resource.names_row_resource(&row.resource)
                && let Some(l) = &need.location
            {
                // The evidence is `file:line  code`: keep the code.
                let what = need
                    .evidence
                    .split_once("  ")
                    .map(|(_, code)| code.trim().to_string())
                    .unwrap_or_default();
                let loc = code_location(app, l, what);
                if !row.locations.contains(&loc) {
                    row.locations.push(loc);
                }
            }
        }
    }
}

/// A scan location as the report gives it: the path joined to the one scanned root (the scan
/// gives paths relative to it), so it is relative to where the tool ran.
fn code_location(
    app: &crate::needs::app::AppNeeds,
    l: &crate::needs::scan::report::Location,
    what: String,
) -> crate::report::model::SourceLocation {
    let file = match app.roots.as_slice() {
        [root] if root.ends_with(".py") => root.clone(),
        [root] if root != "." && !root.is_empty() => {
            format!("{}/{}", root.trim_end_matches('/'), l.file)
        }
        _ => l.file.clone(),
    };
    crate::report::model::SourceLocation {
        kind: crate::report::model::LocationKind::Call,
        file,
        line: Some(l.line),
        column: Some(l.column),
        what,
    }
}

/// `check --app`: each need the code shows but the scan could not pin down is a row that
/// cannot pass (`unresolved-in-code`), so a check of the code is never narrower than the code.
pub fn add_unresolved_rows(
    catalogue: &Catalogue,
    report: &mut Report,
    app: &crate::needs::app::AppNeeds,
) {
    if app.unresolved.is_empty() {
        return;
    }
    for u in &app.unresolved {
        report.rows.push(Row {
            feature: u.feature.clone(),
            action: u.action.clone(),
            resource: u.resource.clone(),
            verdict: Verdict::Inconclusive,
            code: ReasonCode::UnresolvedInCode,
            reason: u.reason.clone(),
            context: Vec::new(),
            evidence: Default::default(),
            waived: None,
            locations: u
                .location
                .iter()
                .map(|l| code_location(app, l, u.resource.clone()))
                .collect(),
        });
    }
    let fixes: Vec<_> = report
        .features
        .iter()
        .map(|f| (f.name.clone(), f.fix.clone()))
        .collect();
    let (mut features, summary) = Report::summarize(&report.rows, |f| {
        catalogue.feature(f).and_then(|f| f.docs_note.clone())
    });
    for f in &mut features {
        f.fix = fixes
            .iter()
            .find(|(n, _)| *n == f.name)
            .and_then(|(_, fix)| fix.clone());
    }
    report.features = features;
    report.summary = summary;
}

/// What is checked, for whom: a resolved principal and its checks.
pub struct Subject {
    pub principal: Principal,
    /// The run's region; empty when unknown (only `why` leaves it so, for a resource whose
    /// ARN carries no region).
    pub region: String,
    pub checks: Vec<Check>,
    /// The bucket of S3 checks.
    pub bucket: Option<String>,
    pub pydynox_version: String,
    /// The user named a role session (`--principal arn:aws:sts::…:assumed-role/…`, or an
    /// AccessDenied message's): its session policies may cap it.
    pub named_session: bool,
}

/// Fetches what the chosen engine needs for a resolved principal and answers the given
/// checks, building the report. Shared by `check` and `why`.
pub async fn evaluate_checks<A: Aws>(
    aws: &A,
    ctx: &RunContext<'_>,
    (engine, engine_reason): (EngineChoice, String),
    subject: Subject,
    cache: &ManagedCache,
) -> Result<Report, CheckError> {
    let Subject {
        principal,
        region,
        checks,
        bucket,
        pydynox_version,
        named_session,
    } = subject;
    let bucket = bucket.as_deref();
    // S3 checks the bucket's owner: the stated one, else the principal's account.
    let expected_owner = ctx
        .stated
        .bucket_owner
        .clone()
        .unwrap_or_else(|| principal.account.clone());
    let consult_simulator = engine != EngineChoice::Local;
    let local_reads = engine != EngineChoice::Aws;
    // Two independent chains, at once: the identity policies (lists, then documents), and the
    // resources (the bucket's encryption beside the resource policies the plan names; then the
    // policies of what the encryption adds; then the simulations, which need the bucket's owner
    // that the bucket policy read confirms, and not the identity policies). Each request goes
    // out as soon as what it depends on is known, so an audit costs the depth of its chain in
    // round trips, not its number of calls. Nothing below depends on the order answers come in:
    // every list keeps the order of a sequential run, and an error is the one a sequential run
    // would have met first (identity policies, then encryption, then resource policies, then
    // simulations).
    let resources = async {
        let base_wanted =
            wanted_resource_policies(&checks, bucket, local_reads, ctx.table_policies);
        let sse = async {
            match bucket {
                Some(b) if checks.iter().any(|c| c.resource_kind == "s3-object") => {
                    bucket_kms_checks(aws, b, &expected_owner, &principal, &region, &checks, cache)
                        .await
                }
                _ => Ok(SseKms::default()),
            }
        };
        let (sse, base) = futures::join!(
            sse,
            fetch_wanted(aws, &principal, base_wanted.clone(), &expected_owner, cache)
        );
        let sse = sse?;
        let mut resource_policies = base?;
        let mut checks = checks.clone();
        checks.extend(sse.checks.iter().cloned());
        // What the encryption's checks add (its key's policy, for the local engine), after the
        // rest, as a sequential read orders them.
        let extra: Vec<_> =
            wanted_resource_policies(&checks, bucket, local_reads, ctx.table_policies)
                .into_iter()
                .filter(|w| !base_wanted.contains(w))
                .collect();
        resource_policies
            .extend(fetch_wanted(aws, &principal, extra, &expected_owner, cache).await?);
        // The bucket's owner: confirmed by S3 online; as stated offline, where nothing checks it.
        let bucket_owner = if aws.verifies_bucket_owner() {
            resource_policies
                .iter()
                .find(|rp| rp.kind == ResourcePolicyKind::S3Bucket)
                .and_then(|rp| rp.owner.clone())
        } else {
            ctx.stated.bucket_owner.clone()
        };
        let mut results: Vec<Vec<SimResult>> = vec![Vec::new(); checks.len()];
        if consult_simulator {
            // `ResourceOwner` for S3 resources (their ARNs name no account) owned by another
            // account; without it the simulator assumes the principal's account.
            let owner_of = |c: &Check| {
                (c.resource_kind == "s3-object")
                    .then(|| bucket_owner.clone())
                    .flatten()
                    .filter(|o| *o != principal.account)
            };
            let planned = plan_simulations(&principal.arn, &checks, &owner_of);
            let answers = futures::future::join_all(
                planned
                    .iter()
                    .map(|(req, _)| cache.limit(aws.simulate(req))),
            )
            .await;
            for ((_, covered), answers) in planned.iter().zip(first_error_in_order(answers)?) {
                for &i in covered {
                    results[i] = results_for(&answers, &checks[i])
                        .into_iter()
                        .cloned()
                        .collect();
                }
            }
        }
        Ok::<_, CheckError>((checks, sse, resource_policies, bucket_owner, results))
    };
    let (policies, resources) =
        futures::join!(fetch_policies_cached(aws, &principal, cache), resources);
    let policies = policies?;
    let (checks, sse, resource_policies, bucket_owner, results) = resources?;
    // An empty region is an unknown one (`why` on an S3 object or an IAM role, whose ARNs
    // carry none): a policy that tests aws:RequestedRegion is then undecided, never guessed.
    let known_region = Some(region.clone()).filter(|r| !r.is_empty());
    let setting = match ctx.stated.at {
        Some(at) => crate::verdict::request::Setting {
            region: known_region,
            epoch_seconds: at,
            stated: true,
        },
        None => crate::verdict::request::Setting::now(known_region),
    };
    // The organization's SCPs and RCPs for the principal's account: given, read, or not known.
    let on_aws = aws.can_simulate() && !is_local_endpoint(ctx.endpoint_url.as_deref());
    let org_policies: Option<Result<crate::engine::OrgPolicies, String>> =
        match &ctx.stated.org_policies_file {
            Some(file) => Some(file.to_engine().map_err(|e| e.to_string())),
            None if reads_org_policies(&ctx.stated, !consult_simulator, on_aws) => {
                Some(match cache.org_policies(aws, &principal.account).await {
                    Ok(o) => o.to_engine().map_err(|e| e.to_string()),
                    Err(e) => Err(e.to_string()),
                })
            }
            None => None,
        };
    let org_known = matches!(org_policies, Some(Ok(_)));
    let org_error = match &org_policies {
        Some(Err(e)) => Some(e.clone()),
        _ => None,
    };
    let local = crate::verdict::local::prepare(&policies, &resource_policies)
        .with_org(org_policies.and_then(Result::ok))
        .with_bucket_owner(bucket_owner.clone())
        .with_request(
            crate::verdict::request::Caller::of(&principal, ctx.stated.principal_tags.as_ref()),
            setting,
        );

    // The local engine alone on AWS (not an emulator on this machine) sees no organization
    // policy, and nothing shows whether the account is in an organization.
    let org = if org_known {
        OrgStatus::Evaluated
    } else if !consult_simulator && on_aws {
        OrgStatus::LocalOnly
    } else {
        OrgStatus::of(consult_simulator, &results)
    };
    let doubts = Doubts {
        stated: &ctx.stated,
        org,
        org_error: org_error.as_deref(),
        principal: &principal,
        bucket_owner: bucket_owner.as_deref(),
        named_session,
        sse: &sse,
    };
    let mut disagreements = Vec::new();
    let rows: Vec<Row> = checks
        .iter()
        .zip(&results)
        .map(|(c, sim)| {
            let local_beside = match engine {
                EngineChoice::Local | EngineChoice::Both => true,
                // The SCPs and RCPs were read: the local engine evaluates them on every row.
                _ if org_known => true,
                EngineChoice::Auto => {
                    matches!(c.resource_kind.as_str(), "kms-key" | "role")
                        || local.needed_beside_simulator(c, bucket)
                }
                EngineChoice::Aws => local.needed_beside_simulator(c, bucket),
            };
            let (row, d) = decide_row(RowInputs {
                check: c,
                bucket,
                policies: &policies,
                local: local_beside.then_some(&local),
                simulator: consult_simulator.then_some(sim.as_slice()),
                doubts: &doubts,
            });
            disagreements.extend(d);
            row
        })
        .collect();
    let (mut features, summary) = Report::summarize(&rows, |f| {
        ctx.catalogue.feature(f).and_then(|f| f.docs_note.clone())
    });
    for f in &mut features {
        f.fix = feature_fix(&f.name, &checks, &rows);
    }
    let notes = run_notes(
        ctx,
        engine,
        &principal,
        &checks,
        &resource_policies,
        &doubts,
    );
    Ok(Report {
        schema: SCHEMA,
        tool_version: env!("CARGO_PKG_VERSION"),
        pydynox_version,
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
        upgrade: None,
        replay: None,
    })
}

/// Whether the principal's account is in an AWS organization, as IAM's simulator shows it: its
/// `OrganizationsDecisionDetail` is present only then (API_EvaluationResult).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OrgStatus {
    /// The simulator was not consulted.
    NotAsked,
    /// Some result carries the organization detail.
    InOrganization,
    /// Results came back, none with the detail.
    NotInOrganization,
    /// The simulator was asked and answered nothing usable: it may be.
    Unknown,
    /// Only the local engine decides, on AWS, and the organization's policies were not read
    /// (or could not be): whether the account is in an organization is not known.
    LocalOnly,
    /// The organization's SCPs and RCPs for the principal's account were read (or given) and
    /// the local engine evaluates them on every row (`--org-policies`).
    Evaluated,
}

impl OrgStatus {
    fn of(consulted: bool, results: &[Vec<SimResult>]) -> OrgStatus {
        if !consulted {
            OrgStatus::NotAsked
        } else if results
            .iter()
            .flatten()
            .any(|r| r.allowed_by_organizations.is_some())
        {
            OrgStatus::InOrganization
        } else if results.iter().any(|r| !r.is_empty()) {
            OrgStatus::NotInOrganization
        } else {
            OrgStatus::Unknown
        }
    }
}

/// What may change a row that no source evaluates, and what the user stated about it.
struct Doubts<'a> {
    stated: &'a Statements,
    org: OrgStatus,
    /// Why the organization's policies could not be read, when they were asked for.
    org_error: Option<&'a str>,
    principal: &'a Principal,
    bucket_owner: Option<&'a str>,
    named_session: bool,
    sse: &'a SseKms,
}

impl Doubts<'_> {
    /// The answers of the sources no engine evaluates (organization policies, session
    /// policies, the bucket's encryption) for one row: each is unsure unless the user stated
    /// what makes it irrelevant.
    fn answers(&self, check: &Check) -> Vec<SourceAnswer> {
        let mut out = Vec::new();
        if let Some(a) = self.organizations(check) {
            out.push(a);
        }
        if self.named_session && !self.stated.no_session_policy {
            let session = self.principal.session_arn.as_deref().unwrap_or_default();
            out.push(unsure(
                Source::Session,
                ReasonCode::SessionPolicyNotEvaluated,
                format!(
                    "this audits the session `{session}`: a session policy passed when it was created (AssumeRole's Policy or PolicyArns) caps every permission of the session, and neither IAM's simulator (which evaluates the role) nor any API shows it; if the session was created without one, state --no-session-policy"
                ),
            ));
        }
        if check.resource_kind == "s3-object"
            && let Some(why) = &self.sse.doubt
        {
            out.push(unsure(
                Source::BucketEncryption,
                ReasonCode::BucketEncryptionUnreadable,
                why.clone(),
            ));
        }
        out
    }

    /// IAM's simulator does not evaluate SCPs that have conditions, and RCPs at all. The IAM
    /// User Guide's page on the policy simulator (access_policies_testing-policies, 2023) says
    /// SCPs with global condition keys cannot be tested and that the missing context values it
    /// reports leave out SCP keys; the current CLI reference claims SCPs are evaluated with
    /// their condition keys. Where AWS's documents disagree, the reading that cannot give a false
    /// PASS is taken: not evaluated. The API has no RCP detail at all. Where they may apply, and
    /// the user did not state otherwise, the row cannot pass. RCPs apply to the resource's
    /// account: the principal's (in an organization or not, as the simulator shows), or another
    /// one, whose organization nothing here shows. RCPs cover a growing list of services, so
    /// every service is taken to be on it.
    fn organizations(&self, check: &Check) -> Option<SourceAnswer> {
        // Read (or given) and evaluated by the local engine on every row: a resource in another
        // account, whose RCPs were not read, is undecided there, not here.
        if self.org == OrgStatus::Evaluated {
            return None;
        }
        let failed = self
            .org_error
            .map(|e| format!(" (reading them failed: {e})"))
            .unwrap_or_default();
        if self.org == OrgStatus::LocalOnly {
            if self.stated.no_org_policies {
                return None;
            }
            return Some(unsure(
                Source::Organizations,
                ReasonCode::OrgPoliciesNotEvaluated,
                format!(
                    "the service control and resource control policies that apply were not read{failed}, and whether the account (or the resource's) is in an AWS organization is not known here, so one may deny this; read them with --org-policies read (organizations:Describe*/List* from the management or a delegated administrator account) or give them with --org-policies-file, use --engine auto (IAM's simulator evaluates SCPs and shows whether the account is in an organization), or state --no-org-policies if no SCP or RCP applies beyond AWS's FullAWSAccess ones"
                ),
            ));
        }
        let in_org = match self.org {
            OrgStatus::NotAsked | OrgStatus::LocalOnly | OrgStatus::Evaluated => return None,
            OrgStatus::InOrganization | OrgStatus::Unknown => true,
            OrgStatus::NotInOrganization => false,
        };
        let other_account = self.resource_account_differs(check);
        let scp = in_org && !self.stated.no_scp_conditions;
        let rcp = (in_org || other_account) && !self.stated.no_rcps;
        if !scp && !rcp {
            return None;
        }
        let whose = match self.org {
            OrgStatus::InOrganization => {
                "the account is in an AWS organization (IAM's simulator reported its organization detail)"
            }
            OrgStatus::Unknown => {
                "the account may be in an AWS organization (IAM's simulator answered nothing that shows whether it is)"
            }
            _ => {
                "the resource is in another account (or one not known), whose organization nothing here shows"
            }
        };
        let mut unseen = Vec::new();
        let mut flags = Vec::new();
        if scp {
            unseen.push("service control policies that have conditions (it skips them, and leaves their keys out of MissingContextValues)");
            flags.push("--no-scp-conditions if no SCP that applies has a Condition element");
        }
        if rcp {
            unseen.push("resource control policies (not at all)");
            flags.push("--no-rcps if only AWS's RCPFullAWSAccess applies");
        }
        Some(unsure(
            Source::Organizations,
            ReasonCode::OrgPoliciesNotEvaluated,
            format!(
                "{whose}, and IAM's simulator does not evaluate {}, which may deny this; state {}",
                unseen.join(" nor "),
                flags.join(", and ")
            ),
        ))
    }

    /// The row's resource is (or may be) in another account than the principal's.
    fn resource_account_differs(&self, check: &Check) -> bool {
        if check.resource_kind == "s3-object" {
            return self.bucket_owner != Some(self.principal.account.as_str());
        }
        crate::iam::arn::Arn::parse(&check.resource)
            .is_some_and(|a| !a.account.is_empty() && a.account != self.principal.account)
    }
}

fn unsure(source: Source, code: ReasonCode, reason: String) -> SourceAnswer {
    SourceAnswer {
        source,
        answer: Answer::Unsure,
        code,
        reason,
        decisive: false,
    }
}

/// What one row is decided from.
struct RowInputs<'a> {
    check: &'a Check,
    bucket: Option<&'a str>,
    policies: &'a PrincipalPolicies,
    /// The local engine, when it evaluates this row.
    local: Option<&'a LocalInputs>,
    /// The simulator's results for this row, when it was consulted.
    simulator: Option<&'a [SimResult]>,
    doubts: &'a Doubts<'a>,
}

/// Decides one row from every source consulted for it, by the one rule of
/// [`combine`](crate::verdict::combine::combine). Where the simulator and the local engine
/// both give a definite identity-side answer and they differ, the row says so (never PASS)
/// and the disagreement is returned.
fn decide_row(i: RowInputs<'_>) -> (Row, Option<Disagreement>) {
    let c = i.check;
    let mut evidence = Evidence::default();
    let mut answers = Vec::new();
    let lv = i.local.map(|l| l.evaluate_check(c, i.bucket));
    if let Some(lv) = &lv {
        answers.push(lv.source_answer());
        evidence.local = Some(lv.evidence.clone());
    }
    let mut disagreement = None;
    if let Some(results) = i.simulator {
        let blind = match (
            i.local.and_then(|l| l.blind_spot(c, i.bucket)),
            i.local.is_some(),
        ) {
            (None, _) => match c.resource_kind.as_str() {
                // Nothing evaluates these policies beside the simulator (`--engine aws`).
                "kms-key" if lv.is_none() => Blind::Uncovered(ResourcePolicyKind::KmsKey),
                "role" if lv.is_none() => Blind::Uncovered(ResourcePolicyKind::RoleTrust),
                _ => Blind::No,
            },
            (Some(_), true) => Blind::Covered,
            (Some(kind), false) => Blind::Uncovered(kind),
        };
        let refs: Vec<&SimResult> = results.iter().collect();
        let sa = simulator::answer(&refs, i.policies, blind);
        evidence.simulator = sa.evidence.clone();
        if let Some(lv) = &lv
            && sa.outcome != Outcome::Unknown
            && lv.identity_outcome != Outcome::Unknown
            && sa.outcome != lv.identity_outcome
        {
            disagreement = Some(Disagreement {
                feature: c.feature.clone(),
                action: c.action.clone(),
                resource: c.resource.clone(),
                simulator: results
                    .first()
                    .map(|r| r.decision.as_str().to_string())
                    .unwrap_or_default(),
                local: serde_json::to_value(lv.identity_outcome)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                local_reason: lv.reason.clone(),
            });
        }
        answers.push(sa.answer);
    }
    answers.extend(i.doubts.answers(c));
    let combined = combine(answers);
    let mut row = Row {
        feature: c.feature.clone(),
        action: c.action.clone(),
        resource: c.resource.clone(),
        verdict: combined.verdict,
        code: combined.code,
        reason: combined.reason,
        context: c.context.clone(),
        evidence,
        waived: None,
        locations: Vec::new(),
    };
    row.evidence.sources = combined.sources;
    if let Some(d) = &disagreement {
        // One of the two misreads the identity policies: never PASS.
        row.verdict = row.verdict.max(Verdict::Inconclusive);
        row.code = ReasonCode::EnginesDisagree;
        let sim_reason = row
            .evidence
            .sources
            .iter()
            .find(|s| s.source == Source::Simulator)
            .map(|s| s.reason.clone())
            .unwrap_or_default();
        row.reason = format!(
            "engines disagree: IAM's simulator says {} ({sim_reason}); the local engine says {}",
            d.simulator, d.local_reason
        );
    }
    (row, disagreement)
}

/// What the bucket's default encryption adds to its object checks.
#[derive(Debug, Default)]
struct SseKms {
    /// KMS checks on the bucket's key, for the S3 feature.
    checks: Vec<Check>,
    /// Why the S3 rows cannot pass: the encryption could not be read, or its key not resolved.
    doubt: Option<String>,
    /// What the report says about it.
    note: Option<String>,
}

/// Reads the bucket's default encryption and, when it is SSE-KMS, the KMS checks its object
/// calls add. The S3 User Guide (UsingKMSEncryption, and "Multipart upload API and
/// permissions" in mpuoverview) has uploads need kms:GenerateDataKey on the key, downloads
/// kms:Decrypt, and multipart uploads both; pydynox uploads over 10 MiB in parts, so puts are
/// checked for both. S3 asks KMS
/// as the caller, through S3 (`kms:ViaService`, `aws:ViaAWSService`), with the object's ARN
/// (the bucket's, with an S3 Bucket Key) as encryption context `aws:s3:arn`.
async fn bucket_kms_checks<A: Aws>(
    aws: &A,
    bucket: &str,
    expected_owner: &str,
    principal: &Principal,
    region: &str,
    checks: &[Check],
    cache: &ManagedCache,
) -> Result<SseKms, CheckError> {
    let encryption = match cache
        .limit(aws.get_bucket_encryption(bucket, Some(expected_owner)))
        .await
    {
        Ok(e) => e,
        Err(AwsError::Offline { .. }) => {
            return Ok(SseKms {
                note: Some(format!(
                    "the default encryption of bucket `{bucket}` is not known offline: if it is SSE-KMS, object uploads also need kms:GenerateDataKey and kms:Decrypt, and downloads kms:Decrypt, on its key, which this run does not check"
                )),
                ..SseKms::default()
            });
        }
        Err(e) if is_fatal(&e) => return Err(e.into()),
        Err(e) => {
            let hint = match e {
                AwsError::AccessDenied { .. } => format!("; {}", owner_hint(expected_owner)),
                _ => String::new(),
            };
            return Ok(SseKms {
                doubt: Some(format!(
                    "the default encryption of bucket `{bucket}` could not be read ({e}{hint}); if it is SSE-KMS, object calls also need KMS permissions on its key"
                )),
                ..SseKms::default()
            });
        }
    };
    let (key, bucket_key) = match encryption {
        BucketEncryption::S3Managed => return Ok(SseKms::default()),
        BucketEncryption::Kms { key, bucket_key } => (key, bucket_key),
    };
    if region.is_empty() {
        // The region names the key and S3's kms:ViaService: not guessed.
        return Ok(SseKms {
            doubt: Some(format!(
                "bucket `{bucket}` encrypts objects with KMS by default, and the region is not known (pass --region): its key's permissions are not checked"
            )),
            ..SseKms::default()
        });
    }
    let named = key.clone().unwrap_or_else(|| "alias/aws/s3".into());
    let key_arn = if named.starts_with("arn:") && named.contains(":key/") {
        Ok(named.clone())
    } else if named.starts_with("arn:") || named.starts_with("alias/") {
        cache.limit(aws.resolve_key(&named)).await
    } else {
        // A bare key id names a key in the requester's account (S3 User Guide,
        // bucket-encryption: a cross-account key must be given by ARN), in the bucket's
        // region, taken to be the run's.
        Ok(format!(
            "arn:{}:kms:{region}:{}:key/{named}",
            principal.partition, principal.account
        ))
    };
    let key_arn = match key_arn {
        Ok(k) => k,
        Err(e) if is_fatal(&e) => return Err(e.into()),
        Err(e) => {
            return Ok(SseKms {
                doubt: Some(format!(
                    "bucket `{bucket}` encrypts objects with KMS key `{named}` by default, which could not be resolved to a key ({e}); object calls also need kms:GenerateDataKey and kms:Decrypt on it"
                )),
                ..SseKms::default()
            });
        }
    };
    let mut out: Vec<Check> = Vec::new();
    for c in checks.iter().filter(|c| c.resource_kind == "s3-object") {
        let actions: &[&str] = match c.action.as_str() {
            "s3:PutObject" => &["kms:GenerateDataKey", "kms:Decrypt"],
            "s3:GetObject" => &["kms:Decrypt"],
            _ => &[],
        };
        let encryption_context = if bucket_key {
            format!("arn:{}:s3:::{bucket}", principal.partition)
        } else {
            c.resource.clone()
        };
        for action in actions {
            let check = Check {
                feature: c.feature.clone(),
                action: action.to_string(),
                resource: key_arn.clone(),
                resource_kind: "kms-key".into(),
                context: vec![
                    entry("aws:ViaAWSService", ContextType::Boolean, "true"),
                    entry("kms:CallerAccount", ContextType::String, &principal.account),
                    entry(
                        "kms:EncryptionContext:aws:s3:arn",
                        ContextType::String,
                        &encryption_context,
                    ),
                    entry(
                        "kms:ViaService",
                        ContextType::String,
                        &format!("s3.{region}.amazonaws.com"),
                    ),
                ],
            };
            if !out.contains(&check) {
                out.push(check);
            }
        }
    }
    let note = format!(
        "bucket `{bucket}` encrypts objects with KMS key `{key_arn}` by default (SSE-KMS{}): S3 asks KMS as the caller, so the S3 feature also checks kms:GenerateDataKey and kms:Decrypt (uploads, multipart over 10 MiB) and kms:Decrypt (downloads) on that key",
        if bucket_key { ", S3 Bucket Key" } else { "" }
    );
    Ok(SseKms {
        checks: out,
        doubt: None,
        note: Some(note),
    })
}

fn entry(key: &str, kind: ContextType, value: &str) -> ContextEntry {
    ContextEntry {
        key: key.into(),
        kind,
        values: vec![value.into()],
    }
}

fn engine_name(e: EngineChoice) -> &'static str {
    match e {
        EngineChoice::Aws | EngineChoice::Auto => "aws-simulator",
        EngineChoice::Local => "local",
        EngineChoice::Both => "both",
    }
}

/// Caveats that hold for the whole run, so a reader knows what a PASS did not cover.
fn run_notes(
    ctx: &RunContext<'_>,
    engine: EngineChoice,
    principal: &Principal,
    checks: &[Check],
    resource_policies: &[FetchedResourcePolicy],
    doubts: &Doubts<'_>,
) -> Vec<String> {
    let mut notes = Vec::new();
    let has = |kind: &str| checks.iter().any(|c| c.resource_kind == kind);
    if engine != EngineChoice::Local && is_local_endpoint(ctx.endpoint_url.as_deref()) {
        notes.push(format!(
            "the endpoint {} is on this machine (an emulator such as LocalStack, whose simulator only allows exact action and resource matches and answers explicitDeny for everything else)",
            ctx.endpoint_url.as_deref().unwrap_or_default()
        ));
    }
    if engine != EngineChoice::Local {
        notes.push(simulator_note(&ctx.stated, doubts.org));
    }
    if engine == EngineChoice::Aws && (has("kms-key") || has("role")) {
        notes.push("IAM's simulator cannot evaluate key policies or trust policies for roles; run with --engine auto or both to evaluate them locally".into());
    }
    if has("s3-object") {
        notes.push(format!(
            "S3 rows are checked on a representative object `{}` under the prefix",
            crate::needs::plan::S3_PROBE_OBJECT
        ));
    }
    if let Some(n) = &doubts.sse.note {
        notes.push(n.clone());
    }
    if engine != EngineChoice::Local
        && engine != EngineChoice::Both
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
    if has("s3-object") {
        match (&ctx.stated.bucket_owner, doubts.bucket_owner) {
            (Some(o), _) => notes.push(format!("the bucket's owner is stated as account {o} (--bucket-owner)")),
            (None, Some(o)) => notes.push(format!("S3 confirmed that account {o} owns the bucket (ExpectedBucketOwner)")),
            (None, None) => notes.push("the bucket's owner account is not known: rows whose verdict depends on it are INCONCLUSIVE; state it with --bucket-owner ACCOUNT".into()),
        }
    }
    if engine == EngineChoice::Local {
        // Said as it was done: with the organization's policies known (read, or given with
        // --org-policies-file) the local engine evaluated them on every row.
        if matches!(doubts.org, OrgStatus::Evaluated) {
            notes.push("the local engine evaluated the organization's service control and resource control policies; it does not evaluate session policies".into());
        } else {
            notes.push("the local engine does not evaluate service control policies, resource control policies or session policies".into());
        }
    }
    if let Some(s) = &principal.session_arn {
        if doubts.named_session {
            if ctx.stated.no_session_policy {
                notes.push(format!("`{s}` is a session of role `{}`; you stated it has no session policy (--no-session-policy); session tags are not evaluated", principal.arn));
            }
        } else {
            notes.push(format!(
                "`{s}` is a session of role `{}`; the role was audited, as any session of it without session policies; session tags are not evaluated",
                principal.arn
            ));
        }
    }
    notes
}

/// What IAM's simulator does not evaluate, said in every report that consulted it, and what
/// that meant for this run.
fn simulator_note(stated: &Statements, org: OrgStatus) -> String {
    let mut note = "IAM's simulator does not evaluate service control policies that have conditions (nor list their keys in MissingContextValues), resource control policies, session policies, or the key, trust, table and bucket policies of roles' requests".to_string();
    match org {
        OrgStatus::NotInOrganization => note.push_str(
            "; it reported no organization detail, so the account is not in an AWS organization",
        ),
        OrgStatus::InOrganization | OrgStatus::Unknown => {
            let stated_flags: Vec<&str> = [
                (stated.no_scp_conditions, "--no-scp-conditions"),
                (stated.no_rcps, "--no-rcps"),
            ]
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, f)| *f)
            .collect();
            note.push_str(if org == OrgStatus::InOrganization {
                "; the account is in an AWS organization"
            } else {
                "; whether the account is in an AWS organization is not known"
            });
            if stated_flags.is_empty() {
                note.push_str(
                    ", so rows cannot pass unless you state --no-scp-conditions and --no-rcps",
                );
            } else {
                note.push_str(&format!(", and you stated {}", stated_flags.join(" and ")));
            }
        }
        OrgStatus::Evaluated => note.push_str(
            "; the organization's service control and resource control policies were read and evaluated locally on every row",
        ),
        OrgStatus::NotAsked | OrgStatus::LocalOnly => {}
    }
    note
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An endpoint is an emulator on this machine only when its parsed host is a loopback
    /// address or `localhost`; a name is never a reason (see [`classify_endpoint`]).
    #[test]
    fn endpoints_are_classified_by_their_parsed_host() {
        let table = [
            (None, Endpoint::Aws),
            (Some("https://iam.amazonaws.com"), Endpoint::Aws),
            (Some("https://iam-fips.amazonaws.com/"), Endpoint::Aws),
            (Some("https://IAM.AmazonAWS.com."), Endpoint::Aws),
            (
                Some("https://iam.cn-north-1.amazonaws.com.cn"),
                Endpoint::Aws,
            ),
            (Some("https://sts.us-east-1.api.aws"), Endpoint::Aws),
            (Some("http://127.0.0.1:4566"), Endpoint::Loopback),
            (Some("http://127.1:4566"), Endpoint::Loopback),
            (Some("http://127.8.9.10"), Endpoint::Loopback),
            (Some("http://localhost:4566"), Endpoint::Loopback),
            (Some("http://LOCALHOST.:4566"), Endpoint::Loopback),
            (Some("http://[::1]:4566"), Endpoint::Loopback),
            (Some("http://[::ffff:127.0.0.1]:4566"), Endpoint::Loopback),
            // Names that merely contain the words are other hosts.
            (Some("https://localstack.example.com"), Endpoint::Other),
            (Some("http://localstack:4566"), Endpoint::Other),
            (Some("https://localhost.example.com"), Endpoint::Other),
            (Some("https://notlocalhost"), Endpoint::Other),
            (Some("https://127.0.0.1.nip.io"), Endpoint::Other),
            (Some("http://localhost@iam.example.com"), Endpoint::Other),
            (Some("http://iam.example.com/?localhost"), Endpoint::Other),
            (Some("https://amazonaws.com.example.com"), Endpoint::Other),
            (Some("https://evilamazonaws.com"), Endpoint::Other),
            (Some("http://0.0.0.0:4566"), Endpoint::Other),
            (Some("http://10.0.0.5:4566"), Endpoint::Other),
            (Some("not a url"), Endpoint::Other),
            (Some("localhost:4566"), Endpoint::Other),
        ];
        for (endpoint, want) in table {
            assert_eq!(classify_endpoint(endpoint), want, "{endpoint:?}");
            assert_eq!(is_local_endpoint(endpoint), want == Endpoint::Loopback);
        }
    }

    #[test]
    fn auto_picks_the_engine_by_endpoint_and_never_the_stub_alone() {
        let pick = |e: Option<&str>| resolve_engine(EngineChoice::Auto, true, e).unwrap().0;
        assert_eq!(pick(None), EngineChoice::Auto);
        assert_eq!(pick(Some("http://127.0.0.1:4566")), EngineChoice::Local);
        assert_eq!(pick(Some("http://localstack:4566")), EngineChoice::Both);
        assert_eq!(
            resolve_engine(EngineChoice::Auto, false, None).unwrap().0,
            EngineChoice::Local
        );
        assert!(resolve_engine(EngineChoice::Aws, false, None).is_err());
        assert_eq!(
            resolve_engine(EngineChoice::Aws, true, Some("http://127.0.0.1:1"))
                .unwrap()
                .0,
            EngineChoice::Aws
        );
    }
}
