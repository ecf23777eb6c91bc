//! `check --accounts ID,...` and `check --organization`: the accounts to audit (validated
//! without AWS, or listed with `organizations:ListAccounts`), each entered through
//! `--assume-role-name` (`sts:AssumeRole` through the one adapter) and checked as one account
//! is (one read, `--all-roles` discovery, a config's services), at most `--account-jobs`
//! accounts at once, each under its own call-rate ceiling (IAM's request quota is per account).
//! An account that is skipped, cannot be entered or cannot be read is said with its reason and
//! never hides the others. Must not render anything: it returns the results and the accounts.

use std::borrow::Cow;
use std::collections::BTreeSet;

use futures::StreamExt;

use super::{CheckArgs, Done, Job, OnDone, Ran, Run, run_sourced};
use crate::grants::rate::RateLimited;
use crate::grants::source::{Accounts, Aws, AwsError, OrgAccount};
use crate::needs::catalogue::Catalogue;
use crate::needs::plan::PrincipalSelector;
use crate::report::accounts::AccountEntry;
use crate::report::model::exit;
use crate::verdict::pipeline::{CheckError, EngineChoice, RunContext};

/// The `RoleSessionName` of every `sts:AssumeRole`: what an account's CloudTrail shows for the
/// audit (`assumed-role/ROLE/pydynox-iam`).
pub const SESSION_NAME: &str = "pydynox-iam";

/// `--account-jobs` when not given: a few accounts at once (each runs `--jobs` principals).
pub const DEFAULT_ACCOUNT_JOBS: usize = 4;

/// Which accounts, and how each is entered: validated, before any AWS call.
#[derive(Debug, Clone)]
pub struct Plan {
    /// `--accounts`; `None` for `--organization` (listed at run time).
    pub ids: Option<Vec<String>>,
    pub role_name: String,
    pub external_id: Option<String>,
    pub jobs: usize,
}

/// The validated accounts plan, or `None` without `--accounts`/`--organization`; every problem
/// pushed to `errors`.
pub(super) fn plan(a: &CheckArgs, jobs: &[Job], errors: &mut Vec<String>) -> Option<Plan> {
    let o = &a.org;
    let many = !o.accounts.is_empty() || o.organization;
    if !many {
        if o.assume_role_name.is_some() || o.external_id.is_some() || o.account_jobs.is_some() {
            errors.push("--assume-role-name, --external-id and --account-jobs apply to --accounts or --organization; add one of them".into());
        }
        return None;
    }
    let mut ids = Vec::new();
    let mut seen = BTreeSet::new();
    for id in &o.accounts {
        let id = id.trim();
        if !crate::iam::names::is_account_id(id) {
            errors.push(format!(
                "--accounts `{id}` is not an AWS account id; give the 12 digits of each account, comma-separated"
            ));
        } else if !seen.insert(id.to_string()) {
            errors.push(format!(
                "--accounts names `{id}` twice; give each account once"
            ));
        } else {
            ids.push(id.to_string());
        }
    }
    let role_name = match &o.assume_role_name {
        None => {
            errors.push("--accounts and --organization enter each account through a role; give its name with --assume-role-name NAME (e.g. a read-only audit role present in every account)".into());
            String::new()
        }
        Some(n) if !is_role_name(n) => {
            errors.push(format!(
                "--assume-role-name `{n}` is not an IAM role name (1-64 of letters, digits and +=,.@_-, after an optional path such as audit/); give the role's name, not its ARN"
            ));
            String::new()
        }
        Some(n) => n.clone(),
    };
    // STS: ExternalId is 2-1224 characters of [\w+=,.@:\/-] (AssumeRole API reference).
    if let Some(x) = &o.external_id
        && !(x.len() >= 2
            && x.len() <= 1224
            && x.chars()
                .all(|c| c.is_ascii_alphanumeric() || "_+=,.@:/-".contains(c)))
    {
        errors.push(format!(
            "--external-id `{x}` is not an external id STS accepts (2 to 1224 of letters, digits and _+=,.@:/-)"
        ));
    }
    if o.account_jobs == Some(0) {
        errors.push("--account-jobs must be at least 1".into());
    }
    if !o.all_roles && super::config_path(a).is_none() {
        errors.push("--accounts and --organization check many principals: add --all-roles (each account's roles from their tags) or --config FILE".into());
    }
    if a.offline.is_offline() || a.fleet.from_snapshot.is_some() || a.fleet.save_snapshot.is_some()
    {
        errors.push("--accounts and --organization read each account online; they cannot be combined with offline inputs, --from-snapshot or --save-snapshot".into());
    }
    for j in jobs {
        match &j.plan.principal {
            PrincipalSelector::Caller => errors.push(format!(
                "service `{}` names no principal: with --accounts or --organization each service names its role or user (the caller is the audit role)",
                j.name
            )),
            PrincipalSelector::Named(p) => {
                if let Some(acct) = &p.account
                    && !o.accounts.is_empty()
                    && !ids.contains(acct)
                {
                    errors.push(format!(
                        "service `{}` is in account {acct}, which --accounts does not list; add {acct} to --accounts or drop the service",
                        j.name
                    ));
                }
            }
        }
    }
    Some(Plan {
        ids: (!o.organization).then_some(ids),
        role_name,
        external_id: o.external_id.clone(),
        jobs: o.account_jobs.unwrap_or(DEFAULT_ACCOUNT_JOBS),
    })
}

/// An IAM role name, with an optional path before it (`audit/readonly`): IAM allows
/// `[\w+=,.@-]{1,64}` for the name (CreateRole API reference).
fn is_role_name(s: &str) -> bool {
    let name = s.rsplit('/').next().unwrap_or(s);
    let ok = |c: char| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c);
    !name.is_empty()
        && name.len() <= 64
        && !s.starts_with('/')
        && !s.starts_with("arn:")
        && s.split('/')
            .all(|part| !part.is_empty() && part.chars().all(ok))
}

/// What a many-account run gave besides each principal's result (given to `on`, named
/// `ACCOUNT/NAME`, account by account in account order): the roles or services that could not
/// be made into a check, the accounts, and a failure that stopped everything (the caller
/// unknown, or the organization not listed).
pub(super) struct Outcome {
    pub ran: Ran,
    pub accounts: Vec<AccountEntry>,
}

/// Runs every account of the plan. Each account's principals are handed to `on` when the
/// account is done and every account before it was handed over (so the report's order does
/// not depend on which account answers first); an account's reports are kept until then.
pub(super) async fn run<'j, S>(
    cat: &Catalogue,
    base: &S,
    ctx: &RunContext<'_>,
    run: &'j Run,
    plan: &Plan,
    on: OnDone<'_, 'j>,
) -> Outcome
where
    S: Aws + Accounts,
{
    // Nothing can be entered: said as the run's one failure, in every format.
    let stopped = |what: String, code: i32| Outcome {
        ran: Ran {
            failed: vec![("accounts".into(), what, code)],
            ..Ran::default()
        },
        accounts: vec![],
    };
    let caller = match base.caller_arn().await {
        Ok(c) => c,
        Err(e) => {
            let e = CheckError::Aws(e);
            return stopped(format!("cannot identify the caller: {e}"), e.exit_code());
        }
    };
    let (partition, caller_account) = match crate::iam::arn::Arn::parse(&caller) {
        Some(a) => (a.partition.to_string(), a.account.to_string()),
        None => {
            return stopped(
                format!("sts:GetCallerIdentity answered `{caller}`, which is not an ARN"),
                exit::ERROR,
            );
        }
    };
    let mut targets: Vec<OrgAccount> = match &plan.ids {
        Some(ids) => ids
            .iter()
            .map(|id| OrgAccount {
                id: id.clone(),
                name: String::new(),
                state: "ACTIVE".into(),
            })
            .collect(),
        None => match base.list_accounts().await {
            Ok(list) => list,
            Err(e) => {
                let e = CheckError::Aws(e);
                return stopped(
                    format!(
                        "cannot list the organization's accounts: {e}; run from the management account or a delegated administrator account"
                    ),
                    e.exit_code(),
                );
            }
        },
    };
    // An account listed twice (pages that overlap while its state changes) is audited once,
    // as ACTIVE when either listing says so: never skipped because of the other listing.
    targets.sort_by(|a, b| {
        a.id.cmp(&b.id)
            .then((a.state != "ACTIVE").cmp(&(b.state != "ACTIVE")))
    });
    targets.dedup_by(|a, b| a.id == b.id);
    // A config service in an account that is not audited would be checked nowhere: said.
    let mut rejected = Vec::new();
    for j in &run.jobs {
        if let PrincipalSelector::Named(p) = &j.plan.principal
            && let Some(acct) = &p.account
            && !targets.iter().any(|t| &t.id == acct && t.state == "ACTIVE")
        {
            rejected.push((
                j.name.clone(),
                format!("it is in account {acct}, which is not an ACTIVE account of the organization; fix the ARN or drop the service"),
            ));
        }
    }
    let progress = super::accounts_bar(targets.len());
    let org_cache = crate::grants::org::PolicyCache::default();
    let mut per_account = futures::stream::iter(targets.into_iter().map(|t| {
        let (partition, caller_account) = (&partition, &caller_account);
        let progress = progress.as_ref();
        let org_cache = &org_cache;
        async move {
            let entered = Entered {
                partition,
                caller_account,
                org_cache,
            };
            let out = account(cat, base, ctx, run, plan, &t, &entered).await;
            if let Some(p) = progress {
                p.inc(1);
            }
            out
        }
    }))
    .buffered(plan.jobs.max(1));
    let mut ran = Ran {
        rejected,
        ..Ran::default()
    };
    let mut accounts = Vec::new();
    let mut summaries = Vec::new();
    while let Some((entry, r)) = per_account.next().await {
        if let Some((r, results)) = r {
            for done in results {
                on(done);
            }
            ran.rejected.extend(r.rejected);
            ran.failed.extend(r.failed);
            if let Some(s) = r.discovered {
                summaries.push(format!("{}: {s}", entry.id));
            }
        }
        // Every account that did not pass on its own is a failure of the run (its exit code
        // counts even without a reason, which every failure has today).
        if entry.exit_code != exit::PASS {
            let reason = entry.reason.as_deref().unwrap_or("it could not be checked");
            ran.failed.push((
                entry.id.clone(),
                format!("account {}: {reason}", entry.id),
                entry.exit_code,
            ));
        }
        accounts.push(entry);
    }
    if let Some(p) = &progress {
        p.finish_and_clear();
    }
    if !summaries.is_empty() {
        ran.discovered = Some(summaries.join("\npydynox-iam: "));
    }
    Outcome { ran, accounts }
}

/// What every account is entered with: the caller's partition and account, and the
/// organisation policies read so far (each policy's text read once per run).
struct Entered<'e> {
    partition: &'e str,
    caller_account: &'e str,
    org_cache: &'e crate::grants::org::PolicyCache,
}

/// One account's principals, finished checks named `ACCOUNT/NAME`.
type Checked = (Ran, Vec<Done<'static>>);

/// One account: skipped when not ACTIVE, else entered (the caller's own account as the caller;
/// any other through `sts:AssumeRole`) and checked as a single-account run, under its own
/// call-rate ceiling. The jobs are the config's services of this account or of no account.
///
/// `organizations:ListAccounts`' State: only ACTIVE accounts can be entered (Organizations API
/// reference, Account); a SUSPENDED or closing account is skipped with its state, not dropped.
async fn account<S>(
    cat: &Catalogue,
    base: &S,
    ctx: &RunContext<'_>,
    run: &Run,
    plan: &Plan,
    t: &OrgAccount,
    entered: &Entered<'_>,
) -> (AccountEntry, Option<Checked>)
where
    S: Aws + Accounts,
{
    let mut entry = AccountEntry {
        id: t.id.clone(),
        name: (!t.name.is_empty()).then(|| t.name.clone()),
        entered: "none",
        role_arn: None,
        status: "skipped",
        reason: None,
        exit_code: exit::PASS,
        services: 0,
        not_described: vec![],
        tags_not_read: vec![],
    };
    if t.state != "ACTIVE" {
        entry.reason = Some(format!(
            "the organization lists it as {} (only ACTIVE accounts are audited)",
            t.state
        ));
        return (entry, None);
    }
    let mine = Run {
        jobs: run
            .jobs
            .iter()
            .filter(|j| match &j.plan.principal {
                PrincipalSelector::Named(p) => p.account.as_ref().is_none_or(|a| *a == t.id),
                PrincipalSelector::Caller => false,
            })
            .cloned()
            .collect(),
        ..run.clone()
    };
    // The caller's own account is read with the caller's credentials: it is already in it, and
    // the audit role may not trust its own account's principals.
    let Entered {
        partition,
        caller_account,
        org_cache,
    } = entered;
    let source = if t.id == *caller_account {
        entry.entered = "caller";
        base.as_caller()
    } else {
        let arn = format!("arn:{partition}:iam::{}:role/{}", t.id, plan.role_name);
        entry.role_arn = Some(arn.clone());
        match base
            .assume_role(&arn, SESSION_NAME, plan.external_id.as_deref())
            .await
        {
            Ok(s) => {
                entry.entered = "assume-role";
                s
            }
            Err(e) => {
                entry.status = "not-entered";
                entry.exit_code = CheckError::Aws(e.clone()).exit_code();
                entry.reason = Some(format!(
                    "cannot enter it through `{arn}`: {}",
                    enter_hint(&e)
                ));
                return (entry, None);
            }
        }
    };
    // The account's organisation policies (SCPs, RCPs) are read here, once per account, with
    // `base`: the management or delegated administrator credentials. The assumed credentials
    // are the audited account's, and a member account cannot list its organization's policies
    // (Organizations User Guide, "Delegated administrator for AWS Organizations"). What is read
    // is given to this account's checks as `--org-policies-file` would be; a read that fails is
    // not given, so the checks read (and fail, and stay INCONCLUSIVE with the reason) as a
    // single account's run does.
    // The engine the checks will use: `auto` is the local engine when the account is read once
    // (run_jobs), and only the local engine alone is given them (pipeline::run).
    let local_engine = match ctx.engine {
        EngineChoice::Local => true,
        EngineChoice::Auto => super::reads_account(&source, &mine),
        EngineChoice::Aws | EngineChoice::Both => false,
    };
    let org = org_policies(base, ctx, local_engine, &t.id, org_cache).await;
    let with_org;
    let ctx = match org {
        Some(policies) => {
            let mut stated = ctx.stated.clone();
            stated.org_policies_file = Some(policies);
            with_org = RunContext {
                stated,
                region: ctx.region.clone(),
                endpoint_url: ctx.endpoint_url.clone(),
                ..*ctx
            };
            &with_org
        }
        None => ctx,
    };
    let mut results: Vec<Done<'static>> = Vec::new();
    let mut collect = |(job, r): Done<'_>| {
        let mut job: Job = job.into_owned();
        job.name = format!("{}/{}", t.id, job.name);
        results.push((Cow::Owned(job), r));
    };
    let ran = match run.opts.max_rps {
        Some(rps) => {
            let limited = RateLimited::new(&source, rps);
            run_sourced(cat, &limited, ctx, &mine, None, None, &mut collect).await
        }
        None => run_sourced(cat, &source, ctx, &mine, None, None, &mut collect).await,
    };
    entry.status = "checked";
    if let Some(code) = ran.fatal {
        entry.status = "read-failed";
        entry.exit_code = code;
        entry.reason = ran.read.fatal_reason.clone();
    }
    entry.not_described = ran.read.not_described.clone();
    entry.tags_not_read = ran.read.tags_not_read.clone();
    entry.services = results.len();
    let prefix = |name: &str| format!("{}/{name}", t.id);
    let ran = Ran {
        rejected: ran
            .rejected
            .into_iter()
            .map(|(n, e)| (prefix(&n), e))
            .collect(),
        discovered: ran.discovered,
        ..Ran::default()
    };
    (entry, Some((ran, results)))
}

/// The organisation policies of `account`, read with the caller's (management or delegated
/// administrator) credentials when the checks would read them
/// ([`crate::verdict::pipeline::reads_org_policies`]) and no file gives them. `None`: not read
/// here (and a read that failed is not hidden: the checks then read them themselves, fail the
/// same way, and say why in their rows).
async fn org_policies<S: Aws>(
    base: &S,
    ctx: &RunContext<'_>,
    local_engine: bool,
    account: &str,
    cache: &crate::grants::org::PolicyCache,
) -> Option<crate::grants::org::OrgPolicies> {
    let on_aws = base.can_simulate()
        && !crate::verdict::pipeline::is_local_endpoint(ctx.endpoint_url.as_deref());
    if ctx.stated.org_policies_file.is_some()
        || !crate::verdict::pipeline::reads_org_policies(&ctx.stated, local_engine, on_aws)
    {
        return None;
    }
    crate::grants::org::read_org_policies_cached(base, account, cache)
        .await
        .ok()
}

/// An AssumeRole failure with what to fix: a denial is the caller's permission or the role's
/// trust policy (README: "Many accounts").
fn enter_hint(e: &AwsError) -> String {
    match e {
        AwsError::AccessDenied { message, .. } => format!(
            "sts:AssumeRole was denied ({message}); the caller needs sts:AssumeRole on the role and the role's trust policy must allow the caller (and --external-id when it requires one)"
        ),
        AwsError::NotFound { message, .. } => {
            format!("the role does not exist in the account ({message})")
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    //! Many accounts against mocked SDK clients: each account's source is an [`SdkAws`] over
    //! mocked IAM (one `GetAccountAuthorizationDetails` read) and STS; the organization and
    //! `sts:AssumeRole` are a fake [`Accounts`] that says which role ARNs can be entered.

    use std::collections::HashMap;
    use std::sync::Mutex;

    use aws_sdk_iam::Client as Iam;
    use aws_sdk_iam::operation::get_account_authorization_details::GetAccountAuthorizationDetailsOutput;
    use aws_sdk_iam::types::{PolicyDetail, RoleDetail, Tag};
    use aws_smithy_mocks::{RuleMode, mock, mock_client};
    use clap::Parser;

    use super::*;
    use crate::engine::OrgPolicyType;
    use crate::grants::model::{BucketEncryption, SimRequest, SimResult};
    use crate::grants::org::{
        OrgAnswer, OrgCall, OrgDescription, OrgParent, PolicySummary, PolicyTypeState,
    };
    use crate::grants::sdk::SdkAws;
    use crate::grants::source::{Entity, Owner};
    use crate::verdict::pipeline::EngineChoice;

    const A: &str = "111111111111";
    const B: &str = "222222222222";
    const C: &str = "333333333333";
    const ALLOW: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:*","Resource":"*"}]}"#;

    fn role(account: &str, name: &str, tags: Option<&[(&str, &str)]>) -> RoleDetail {
        let enc = |d: &str| {
            percent_encoding::utf8_percent_encode(d, percent_encoding::NON_ALPHANUMERIC).to_string()
        };
        RoleDetail::builder()
            .path("/")
            .role_name(name)
            .arn(format!("arn:aws:iam::{account}:role/{name}"))
            .assume_role_policy_document(enc(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
            ))
            .role_policy_list(
                PolicyDetail::builder()
                    .policy_name("inline")
                    .policy_document(enc(ALLOW))
                    .build(),
            )
            .set_tags(tags.map(|t| {
                t.iter()
                    .map(|(k, v)| Tag::builder().key(*k).value(*v).build().unwrap())
                    .collect()
            }))
            .build()
    }

    const DESCRIBED: &[(&str, &str)] =
        &[("pydynox:features", "crud"), ("pydynox:tables", "orders")];

    /// An account's source: its one read answers with `roles`, or with `error` (code).
    fn account_source(account: &str, roles: Vec<RoleDetail>, error: Option<&str>) -> SdkAws {
        let read = match error {
            None => mock!(Iam::get_account_authorization_details)
                .sequence()
                .output(move || {
                    GetAccountAuthorizationDetailsOutput::builder()
                        .set_role_detail_list(Some(roles.clone()))
                        .is_truncated(false)
                        .build()
                })
                .repeatedly()
                .build(),
            Some(code) => {
                let code = code.to_string();
                mock!(Iam::get_account_authorization_details)
                    .sequence()
                    .error(move || {
                        aws_sdk_iam::operation::get_account_authorization_details::GetAccountAuthorizationDetailsError::generic(
                            aws_smithy_types::error::ErrorMetadata::builder()
                                .code(code.clone())
                                .message("slow down")
                                .build(),
                        )
                    })
                    .repeatedly()
                    .build()
            }
        };
        let arn = format!("arn:aws:sts::{account}:assumed-role/audit/pydynox-iam");
        let who = mock!(aws_sdk_sts::Client::get_caller_identity)
            .sequence()
            .output(move || {
                aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput::builder()
                    .arn(arn.clone())
                    .account("x")
                    .build()
            })
            .repeatedly()
            .build();
        let none = &[] as &[&aws_smithy_mocks::Rule];
        SdkAws::from_clients(
            mock_client!(aws_sdk_iam, RuleMode::MatchAny, [&read]),
            mock_client!(aws_sdk_sts, RuleMode::MatchAny, [&who]),
            mock_client!(aws_sdk_kms, RuleMode::MatchAny, none),
            mock_client!(aws_sdk_s3, RuleMode::MatchAny, none),
            mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, none),
        )
    }

    /// The caller (in account A), its organization and the roles it can assume.
    struct Org {
        own: SdkAws,
        list: Result<Vec<OrgAccount>, AwsError>,
        roles: HashMap<String, Result<SdkAws, AwsError>>,
        assumed: Mutex<Vec<(String, String, Option<String>)>>,
        /// The SCP attached at the root (with `FullAWSAccess`), when the caller (the
        /// management account, A) can read the organization; `None`: it cannot.
        root_scp: Option<&'static str>,
        /// Every Organizations call asked of the caller.
        org_calls: Mutex<Vec<OrgCall>>,
    }

    fn offline() -> AwsError {
        AwsError::Offline {
            message: "not asked of the caller".into(),
        }
    }

    impl Aws for Org {
        async fn caller_arn(&self) -> Result<String, AwsError> {
            Ok(format!("arn:aws:iam::{A}:user/auditor"))
        }
        async fn get_role(&self, _: &str) -> Result<Entity, AwsError> {
            Err(offline())
        }
        async fn get_user(&self, _: &str) -> Result<Entity, AwsError> {
            Err(offline())
        }
        async fn list_groups_for_user(&self, _: &str) -> Result<Vec<String>, AwsError> {
            Err(offline())
        }
        async fn list_inline_policies(&self, _: &Owner) -> Result<Vec<String>, AwsError> {
            Err(offline())
        }
        async fn get_inline_policy(&self, _: &Owner, _: &str) -> Result<String, AwsError> {
            Err(offline())
        }
        async fn list_attached_policies(&self, _: &Owner) -> Result<Vec<String>, AwsError> {
            Err(offline())
        }
        async fn get_managed_policy(&self, _: &str) -> Result<(String, String), AwsError> {
            Err(offline())
        }
        async fn simulate(&self, _: &SimRequest) -> Result<Vec<SimResult>, AwsError> {
            Err(offline())
        }
        async fn resolve_key(&self, _: &str) -> Result<String, AwsError> {
            Err(offline())
        }
        async fn get_key_policy(&self, _: &str) -> Result<String, AwsError> {
            Err(offline())
        }
        async fn get_bucket_policy(
            &self,
            _: &str,
            _: Option<&str>,
        ) -> Result<Option<String>, AwsError> {
            Err(offline())
        }
        async fn get_bucket_encryption(
            &self,
            _: &str,
            _: Option<&str>,
        ) -> Result<BucketEncryption, AwsError> {
            Err(offline())
        }
        async fn get_table_policy(&self, _: &str) -> Result<Option<String>, AwsError> {
            Err(offline())
        }
        async fn get_role_trust_policy(&self, _: &str) -> Result<String, AwsError> {
            Err(offline())
        }
        async fn organizations(&self, call: &OrgCall) -> Result<OrgAnswer, AwsError> {
            self.org_calls.lock().unwrap().push(call.clone());
            let Some(scp) = self.root_scp else {
                return Err(offline());
            };
            Ok(match call {
                OrgCall::DescribeOrganization => OrgAnswer::Organization {
                    organization: Some(OrgDescription {
                        id: "o-test".into(),
                        management_account: A.into(),
                        feature_set: "ALL".into(),
                    }),
                },
                OrgCall::ListRoots => OrgAnswer::Roots {
                    roots: vec![(
                        "r-root".into(),
                        vec![PolicyTypeState {
                            kind: OrgPolicyType::Scp,
                            status: "ENABLED".into(),
                        }],
                    )],
                },
                OrgCall::ListParents { .. } => OrgAnswer::Parents {
                    parents: vec![OrgParent {
                        id: "r-root".into(),
                        root: true,
                    }],
                },
                OrgCall::ListPoliciesForTarget { target, .. } => OrgAnswer::Policies {
                    policies: std::iter::once(("p-FullAWSAccess", "FullAWSAccess"))
                        .chain((target == "r-root").then_some(("p-root", "root")))
                        .map(|(id, name)| PolicySummary {
                            id: id.into(),
                            name: name.into(),
                        })
                        .collect(),
                },
                OrgCall::DescribePolicy { policy } => OrgAnswer::Policy {
                    content: if policy == "p-root" {
                        scp.into()
                    } else {
                        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#.into()
                    },
                },
            })
        }
    }

    impl Accounts for Org {
        type Account = SdkAws;
        async fn list_accounts(&self) -> Result<Vec<OrgAccount>, AwsError> {
            self.list.clone()
        }
        async fn assume_role(
            &self,
            role_arn: &str,
            session_name: &str,
            external_id: Option<&str>,
        ) -> Result<SdkAws, AwsError> {
            self.assumed.lock().unwrap().push((
                role_arn.into(),
                session_name.into(),
                external_id.map(str::to_string),
            ));
            match self.roles.get(role_arn) {
                Some(r) => r.clone(),
                None => Err(AwsError::AccessDenied {
                    action: "sts:AssumeRole",
                    message: format!("not authorized to perform sts:AssumeRole on {role_arn}"),
                }),
            }
        }
        fn as_caller(&self) -> SdkAws {
            self.own.clone()
        }
    }

    fn audit(account: &str) -> String {
        format!("arn:aws:iam::{account}:role/audit")
    }

    /// `check`'s flags alone (the layers below `cli` do not import it).
    #[derive(Parser)]
    struct Check {
        #[command(flatten)]
        args: CheckArgs,
    }

    fn args(extra: &[&str]) -> CheckArgs {
        let mut argv = vec!["pydynox-iam", "--no-table-policy"];
        argv.extend_from_slice(extra);
        Check::try_parse_from(argv).unwrap().args
    }

    /// Runs the accounts; each principal's name and whether it was checked, in the order
    /// handed over, and the results themselves.
    async fn run_with(org: &Org, a: &CheckArgs) -> (Outcome, Vec<String>, Vec<Done<'static>>) {
        let cat = Catalogue::embedded_ref();
        let run: &'static Run = Box::leak(Box::new(super::super::validate(cat, a).unwrap()));
        let ctx = RunContext {
            catalogue: cat,
            region: Some("us-east-1".into()),
            endpoint_url: None,
            engine: run.engine,
            table_policies: a.offline.table_policies(),
            stated: a.stated.statements(),
        };
        let mut results = Vec::new();
        let out = super::run(
            cat,
            org,
            &ctx,
            run,
            run.accounts.as_ref().unwrap(),
            &mut |d| results.push(d),
        )
        .await;
        let names = results
            .iter()
            .map(|(j, r)| format!("{} {}", j.name, if r.is_ok() { "ok" } else { "err" }))
            .collect();
        (out, names, results)
    }

    fn org(roles: Vec<(&str, Result<SdkAws, AwsError>)>) -> Org {
        Org {
            own: account_source(A, vec![role(A, "app", Some(DESCRIBED))], None),
            list: Ok(vec![]),
            roles: roles.into_iter().map(|(a, r)| (audit(a), r)).collect(),
            assumed: Mutex::new(vec![]),
            root_scp: None,
            org_calls: Mutex::new(vec![]),
        }
    }

    #[tokio::test]
    async fn each_account_s_scps_are_read_with_the_caller_s_credentials_never_the_audit_role_s() {
        // The default engine (auto) on AWS with --all-roles: the local engine decides, so the
        // organisation policies are read — by the caller (the management account), for each
        // account, and the audit role (which cannot list them) is never asked. An SCP at the
        // root denying DynamoDB writes must then fail account B's writes: proof the policies
        // read for B are the ones its checks evaluate (IAM User Guide, policy evaluation
        // logic: an explicit deny in an SCP overrides any allow).
        let deny_writes = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["dynamodb:PutItem","dynamodb:UpdateItem","dynamodb:DeleteItem"],"Resource":"*"}]}"#;
        let mut o = org(vec![(
            B,
            Ok(account_source(
                B,
                vec![role(B, "app", Some(DESCRIBED))],
                None,
            )),
        )]);
        o.root_scp = Some(deny_writes);
        let a = args(&[
            "--all-roles",
            "--accounts",
            B,
            "--assume-role-name",
            "audit",
            "--org-policies",
            "auto",
        ]);
        let (_, names, results) = run_with(&o, &a).await;
        assert_eq!(names, [format!("{B}/app ok")]);
        let report = results[0].1.as_ref().unwrap();
        let put = report
            .rows
            .iter()
            .find(|r| r.action == "dynamodb:PutItem")
            .expect("a PutItem row");
        assert_eq!(put.verdict, crate::report::model::Verdict::Fail, "{put:?}");
        let get = report
            .rows
            .iter()
            .find(|r| r.action == "dynamodb:GetItem")
            .expect("a GetItem row");
        assert_eq!(get.verdict, crate::report::model::Verdict::Pass, "{get:?}");
        let calls = o.org_calls.lock().unwrap().clone();
        assert!(
            calls.contains(&OrgCall::ListParents { child: B.into() }),
            "{calls:?}"
        );
    }

    #[test]
    fn account_flags_are_validated_before_any_call() {
        let cat = Catalogue::embedded_ref();
        let errors = |extra: &[&str]| match super::super::validate(cat, &args(extra)) {
            Ok(_) => vec![],
            Err(e) => e,
        };
        let e = errors(&[
            "--all-roles",
            "--accounts",
            "111111111111,12345,111111111111",
        ]);
        assert!(
            e.iter()
                .any(|m| m.contains("`12345` is not an AWS account id")),
            "{e:?}"
        );
        assert!(
            e.iter().any(|m| m.contains("names `111111111111` twice")),
            "{e:?}"
        );
        assert!(
            e.iter().any(|m| m.contains("--assume-role-name NAME")),
            "{e:?}"
        );
        let e = errors(&[
            "--all-roles",
            "--accounts",
            A,
            "--assume-role-name",
            "arn:aws:iam::1:role/x",
        ]);
        assert!(
            e.iter().any(|m| m.contains("is not an IAM role name")),
            "{e:?}"
        );
        let e = errors(&["--all-roles", "--assume-role-name", "audit"]);
        assert!(
            e.iter()
                .any(|m| m.contains("apply to --accounts or --organization")),
            "{e:?}"
        );
        let e = errors(&[
            "--features",
            "crud",
            "--table",
            "t",
            "--accounts",
            A,
            "--assume-role-name",
            "audit",
        ]);
        assert!(e.iter().any(|m| m.contains("add --all-roles")), "{e:?}");
        let e = errors(&[
            "--all-roles",
            "--organization",
            "--assume-role-name",
            "audit",
            "--account-jobs",
            "0",
            "--external-id",
            "x",
        ]);
        assert!(
            e.iter()
                .any(|m| m.contains("--account-jobs must be at least 1")),
            "{e:?}"
        );
        assert!(e.iter().any(|m| m.contains("--external-id `x`")), "{e:?}");
        assert!(
            errors(&[
                "--all-roles",
                "--accounts",
                A,
                "--assume-role-name",
                "audit/read-only"
            ])
            .is_empty()
        );
    }

    #[tokio::test]
    async fn an_account_that_cannot_be_entered_is_reported_and_hides_no_other() {
        let o = org(vec![(
            B,
            Ok(account_source(
                B,
                vec![role(B, "app", Some(DESCRIBED)), role(B, "plain", Some(&[]))],
                None,
            )),
        )]);
        let a = args(&[
            "--all-roles",
            "--accounts",
            &format!("{C},{B},{A}"),
            "--assume-role-name",
            "audit",
            "--external-id",
            "ext-1",
        ]);
        let (out, names, _) = run_with(&o, &a).await;
        // A (the caller's own) with its own credentials, B through its audit role; C's role
        // cannot be assumed: said with the reason and exit 3, the others checked.
        assert_eq!(names, [format!("{A}/app ok"), format!("{B}/app ok")]);
        let by_id: HashMap<_, _> = out.accounts.iter().map(|e| (e.id.as_str(), e)).collect();
        assert_eq!(
            (
                by_id[A].status,
                by_id[A].entered,
                by_id[A].role_arn.as_deref()
            ),
            ("checked", "caller", None)
        );
        assert_eq!(
            (by_id[B].status, by_id[B].entered),
            ("checked", "assume-role")
        );
        assert_eq!(by_id[B].not_described, ["plain"]);
        assert_eq!(
            (by_id[C].status, by_id[C].exit_code),
            ("not-entered", exit::ERROR)
        );
        let reason = by_id[C].reason.as_deref().unwrap();
        assert!(
            reason.contains(&audit(C)) && reason.contains("trust policy"),
            "{reason}"
        );
        assert_eq!(out.ran.failed.len(), 1);
        assert_eq!(
            (out.ran.failed[0].0.as_str(), out.ran.failed[0].2),
            (C, exit::ERROR)
        );
        let mut assumed = o.assumed.lock().unwrap().clone();
        assumed.sort();
        assert_eq!(
            assumed,
            [
                (
                    audit(B),
                    SESSION_NAME.to_string(),
                    Some("ext-1".to_string())
                ),
                (
                    audit(C),
                    SESSION_NAME.to_string(),
                    Some("ext-1".to_string())
                ),
            ]
        );
    }

    #[tokio::test]
    async fn the_organization_s_inactive_accounts_are_skipped_and_a_denied_list_is_reported() {
        let mut o = org(vec![(
            B,
            Err(AwsError::Throttled {
                action: "sts:AssumeRole",
                message: "rate exceeded".into(),
            }),
        )]);
        o.list = Ok(vec![
            OrgAccount {
                id: A.into(),
                name: "mgmt".into(),
                state: "ACTIVE".into(),
            },
            OrgAccount {
                id: B.into(),
                name: "prod".into(),
                state: "ACTIVE".into(),
            },
            OrgAccount {
                id: C.into(),
                name: "old".into(),
                state: "SUSPENDED".into(),
            },
        ]);
        let a = args(&[
            "--all-roles",
            "--organization",
            "--assume-role-name",
            "audit",
        ]);
        let (out, names, _) = run_with(&o, &a).await;
        assert_eq!(names, [format!("{A}/app ok")]);
        let by_id: HashMap<_, _> = out.accounts.iter().map(|e| (e.id.as_str(), e)).collect();
        assert_eq!(
            (by_id[C].status, by_id[C].exit_code),
            ("skipped", exit::PASS)
        );
        assert!(by_id[C].reason.as_deref().unwrap().contains("SUSPENDED"));
        assert_eq!(by_id[C].name.as_deref(), Some("old"));
        // Throttled beyond retries on AssumeRole: that account's failure, with the reason.
        assert_eq!(by_id[B].status, "not-entered");
        assert!(by_id[B].reason.as_deref().unwrap().contains("throttling"));
        // Never assumed into a suspended account.
        assert!(
            o.assumed
                .lock()
                .unwrap()
                .iter()
                .all(|(r, ..)| *r != audit(C))
        );

        o.list = Err(AwsError::AccessDenied {
            action: "organizations:ListAccounts",
            message: "denied".into(),
        });
        let (out, names, _) = run_with(&o, &a).await;
        assert!(names.is_empty());
        assert_eq!(out.ran.failed.len(), 1);
        let (_, why, code) = &out.ran.failed[0];
        assert_eq!(*code, exit::ERROR);
        assert!(
            why.contains("organizations:ListAccounts") && why.contains("management account"),
            "{why}"
        );
    }

    #[tokio::test]
    async fn a_throttled_read_a_deleted_principal_and_tags_not_read_are_each_reported() {
        let o = org(vec![
            (B, Ok(account_source(B, vec![], Some("Throttling")))),
            (
                C,
                Ok(account_source(
                    C,
                    vec![role(C, "app", Some(DESCRIBED)), role(C, "untold", None)],
                    None,
                )),
            ),
        ]);
        let dir = std::env::temp_dir().join(format!("pydynox-iam-accounts-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let config = dir.join("deleted.toml");
        // `gone` is named for account C but is not in C's read (deleted between the config
        // and the run): its check fails with IAM's NoSuchEntity, named, never dropped.
        std::fs::write(
            &config,
            format!("[[service]]\nname = \"gone\"\nrole = \"arn:aws:iam::{C}:role/gone\"\nfeatures = [\"crud\"]\ntables = [\"orders\"]\n"),
        )
        .unwrap();
        let a = args(&[
            "--all-roles",
            "--config",
            config.to_str().unwrap(),
            "--accounts",
            &format!("{B},{C}"),
            "--assume-role-name",
            "audit",
        ]);
        let (out, names, results) = run_with(&o, &a).await;
        assert_eq!(names, [format!("{C}/gone err"), format!("{C}/app ok")]);
        let gone = results[0].1.as_ref().unwrap_err().to_string();
        assert!(gone.contains("NoSuchEntity"), "{gone}");
        let by_id: HashMap<_, _> = out.accounts.iter().map(|e| (e.id.as_str(), e)).collect();
        assert_eq!(
            (by_id[B].status, by_id[B].exit_code),
            ("read-failed", exit::ERROR)
        );
        assert!(
            by_id[B]
                .reason
                .as_deref()
                .unwrap()
                .contains("iam:GetAccountAuthorizationDetails")
        );
        assert_eq!(by_id[C].tags_not_read, ["untold"]);
        assert!(by_id[C].not_described.is_empty());
        std::fs::remove_dir_all(&dir).ok();
    }

    #[tokio::test]
    async fn a_config_entry_of_another_account_does_not_stop_the_discovery_of_a_same_named_role() {
        // One account's --all-roles (account B read), the config naming account A's `app`:
        // B's own `app` is still discovered from its tags.
        let dir =
            std::env::temp_dir().join(format!("pydynox-iam-accounts-d-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let config = dir.join("other.toml");
        std::fs::write(
            &config,
            format!("[[service]]\nname = \"a-app\"\nrole = \"arn:aws:iam::{A}:role/APP\"\nfeatures = [\"crud\"]\ntables = [\"orders\"]\n\n[[service]]\nname = \"b-other\"\nrole = \"other\"\nfeatures = [\"crud\"]\ntables = [\"orders\"]\n"),
        )
        .unwrap();
        let cat = Catalogue::embedded_ref();
        let a = args(&["--all-roles", "--config", config.to_str().unwrap()]);
        let run = super::super::validate(cat, &a).unwrap();
        let ctx = RunContext {
            catalogue: cat,
            region: Some("us-east-1".into()),
            endpoint_url: None,
            engine: EngineChoice::Local,
            table_policies: a.offline.table_policies(),
            stated: a.stated.statements(),
        };
        let source = account_source(
            B,
            vec![
                role(B, "app", Some(DESCRIBED)),
                role(B, "other", Some(DESCRIBED)),
            ],
            None,
        );
        let mut names = Vec::new();
        run_sourced(cat, &source, &ctx, &run, None, None, &mut |(j, _)| {
            names.push(j.name.clone())
        })
        .await;
        // `other` (a bare name: this account's) is checked as the config says, not discovered
        // again; `app` is discovered although the config names account A's `APP`.
        assert_eq!(names, ["a-app", "b-other", "app"]);
        std::fs::remove_dir_all(&dir).ok();
    }
}
