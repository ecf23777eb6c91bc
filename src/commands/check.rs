//! The `check` command end to end: turns flags or a `pydynox-iam.toml` into jobs, picks the
//! source (AWS, offline files, a saved snapshot), runs the jobs concurrently within a bound
//! and a call-rate ceiling, applies expected exceptions and least-privilege analysis, renders
//! in the chosen format to stdout or `--output`, and computes the exit code once, at the end.

pub mod accounts;
pub mod iac;
mod sink;

use sink::Done;

use std::borrow::Cow;
use std::io::{self, IsTerminal, Write};

use clap::{Args, ValueEnum};
use futures::StreamExt;
use indicatif::ProgressBar;

use crate::commands::args::{
    AwsArgs, EXIT_CODES, Engine, OfflineArgs, bucket_policy_spec, env_region, key_policy_spec,
    load_offline,
};
use crate::commands::output::{ColorChoice, emit, print_errors, text_style, write_file};
use crate::grants::account::{self, AccountRead};
use crate::grants::auth_details::Wanted;
use crate::grants::model::ResourcePolicyKind;
use crate::grants::rate::RateLimited;
use crate::grants::sdk::CallLog;
use crate::grants::snapshot::{Recorder, Replay, Snapshot, plan_differences};
use crate::grants::source::{Aws, AwsError};
use crate::needs::catalogue::Catalogue;
use crate::needs::config::Expected;
use crate::needs::plan::{CheckPlan, PlanInput, TablePolicies};
use crate::needs::tags::TagFilter;
use crate::report::ci::ServiceReport;
use crate::report::findings::{Code, Severity, apply_overrides, parse_override};
use crate::report::model::{Gate, ReplayInfo, Report, exit};
use crate::report::{fleet, html, json, junit, markdown, sarif, table};
use crate::verdict::expected::apply_expected;
use crate::verdict::fetch::ManagedCache;
use crate::verdict::pipeline::{CheckError, EngineChoice, RunContext, Statements, run_cached};
use semver::Version;
use std::collections::BTreeMap;

/// Output formats of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Tables for people
    Table,
    /// The documented JSON schema (pydynox-iam/check/v1; pydynox-iam/fleet/v1 with --config)
    Json,
    /// JUnit XML: one test case per feature, action and resource
    Junit,
    /// Markdown for a pull-request comment or a CI step summary
    Markdown,
    /// One self-contained HTML page (with --config, a services × features matrix); use with
    /// --output report.html
    Html,
    /// SARIF 2.1.0 for code scanning: a result per row that did not pass, at the code line
    /// (--app) and the template resource (--template) when known
    Sarif,
}

#[derive(Debug, Args)]
#[command(after_help = EXIT_CODES)]
pub struct CheckArgs {
    /// Role to audit: name, role ARN, or assumed-role session ARN (arn:aws:sts::A:assumed-role/R/s)
    #[arg(long, conflicts_with_all = ["user", "principal"], help_heading = "Principal")]
    pub role: Option<String>,
    /// User to audit: name or user ARN (group policies are included)
    #[arg(long, conflicts_with = "principal", help_heading = "Principal")]
    pub user: Option<String>,
    /// Any principal ARN: role, user, or assumed-role session (as `aws sts get-caller-identity` prints it).
    /// With no --role/--user/--principal, the caller's own identity is audited
    #[arg(long, help_heading = "Principal")]
    pub principal: Option<String>,
    /// pydynox features the service uses, comma-separated or repeated (see `pydynox-iam features`;
    /// docs names such as basic-crud and kms-readwrite are accepted)
    #[arg(long, short = 'f', value_delimiter = ',')]
    pub features: Vec<String>,
    /// DynamoDB table name or ARN (repeatable)
    #[arg(long = "table", value_name = "NAME|ARN", help_heading = "Resources")]
    pub tables: Vec<String>,
    /// GSI/LSI name (repeatable), checked as table/T/index/NAME
    #[arg(long = "index", value_name = "NAME", help_heading = "Resources")]
    pub indexes: Vec<String>,
    /// Check every index of the table (table/T/index/*)
    #[arg(long, conflicts_with = "indexes", help_heading = "Resources")]
    pub all_indexes: bool,
    /// KMS key ARN or id used by EncryptedAttribute; an alias is resolved to its key ARN
    #[arg(long, value_name = "ARN|ID|ALIAS", help_heading = "Resources")]
    pub kms_key: Option<String>,
    /// S3 bucket used by S3Attribute
    #[arg(long, help_heading = "Resources")]
    pub bucket: Option<String>,
    /// S3 key prefix used by S3Attribute (as pydynox stores it: `docs` is `docs/`)
    #[arg(long, help_heading = "Resources")]
    pub prefix: Option<String>,
    /// Role ARN passed to DynamoDBClient(role_arn=...), for the assume-role feature
    #[arg(long, value_name = "ARN", help_heading = "Resources")]
    pub assume_role_arn: Option<String>,
    /// DynamoDB table name or ARN pydynox.lock keeps its locks in (the `table=` of
    /// distributed_lock/DistributedLock), for the locks features
    #[arg(long, value_name = "NAME|ARN", help_heading = "Resources")]
    pub lock_table: Option<String>,
    /// pydynox release whose behaviour to check [default: newest known; with --app, the one
    /// the project's files declare]
    #[arg(long, value_name = "VERSION")]
    pub pydynox_version: Option<String>,
    /// Read what to check from the service's Python code (files or folders, repeatable): the
    /// features, the actions its calls make and their resources; flags add to them
    #[arg(
        long = "app",
        value_name = "PATH",
        help_heading = "Needs from the code"
    )]
    pub app: Vec<std::path::PathBuf>,
    /// With --app: the deployed value of an environment variable the code reads a resource
    /// name from (repeatable)
    #[arg(
        long = "env",
        value_name = "NAME=VALUE",
        requires = "app",
        help_heading = "Needs from the code"
    )]
    pub env: Vec<String>,
    /// Read test files too (tests/, test_*.py, conftest.py); listed as skipped otherwise
    #[arg(long, requires = "app", help_heading = "Needs from the code")]
    pub include_tests: bool,
    /// Extra request context for conditions: KEY=TYPE:VALUE[,VALUE] (TYPE defaults to string),
    /// e.g. aws:SourceIp=ip:10.0.0.1 (repeatable)
    #[arg(long = "context", value_name = "KEY=TYPE:VALUE")]
    pub context: Vec<String>,
    /// Which evaluator decides [default: auto, or the config file's]
    #[arg(long, value_enum)]
    pub engine: Option<Engine>,
    /// Output format
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
    /// Write the report to FILE instead of standard output
    #[arg(long, value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,
    /// Also print every policy fetched (the JSON report always includes them)
    #[arg(long)]
    pub show_policies: bool,
    /// Table: full ARNs in the rows and every row listed, at natural width (no wrapping to
    /// the terminal)
    #[arg(long)]
    pub wide: bool,
    /// Table: leave the PASS rows out (their count is said)
    #[arg(long)]
    pub failed_only: bool,
    /// Exit 0 when nothing FAILED even if some checks are INCONCLUSIVE
    #[arg(long)]
    pub allow_inconclusive: bool,
    /// Also list grants beyond what the declared features need on the declared resources
    /// (findings with stable codes and severities; see the README)
    #[arg(long, help_heading = "Least privilege")]
    pub least_privilege: bool,
    /// Raise or lower a finding's severity: CODE=info|low|medium|high (repeatable)
    #[arg(
        long = "severity",
        value_name = "CODE=LEVEL",
        requires = "least_privilege",
        help_heading = "Least privilege"
    )]
    pub severities: Vec<String>,
    /// Exit 1 when a least-privilege finding is at or above this severity
    #[arg(
        long,
        value_name = "LEVEL",
        requires = "least_privilege",
        help_heading = "Least privilege"
    )]
    pub fail_on: Option<String>,
    /// Colour in table output (auto: only on a terminal, and never with NO_COLOR set)
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    #[command(flatten)]
    pub stated: StatedArgs,
    #[command(flatten)]
    pub fleet: FleetArgs,
    #[command(flatten)]
    pub org: OrgArgs,
    #[command(flatten)]
    pub offline: OfflineArgs,
    #[command(flatten)]
    pub aws: AwsArgs,
    #[command(flatten)]
    pub iac: iac::IacArgs,
}

/// Facts no API call shows, which the user can state; each turns rows that depend on it from
/// INCONCLUSIVE into a verdict, and every report says what was stated.
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "What no API shows (state it to decide the rows that depend on it)")]
pub struct StatedArgs {
    /// No service control policy that applies to the account has a Condition element (IAM's
    /// simulator does not evaluate SCPs with conditions: in an organization, rows cannot pass
    /// without this)
    #[arg(long)]
    pub no_scp_conditions: bool,
    /// No resource control policy applies beyond AWS's RCPFullAWSAccess (IAM's simulator does
    /// not evaluate RCPs: in an organization, or on another account's resource, rows cannot
    /// pass without this)
    #[arg(long)]
    pub no_rcps: bool,
    /// The audited session (--principal arn:aws:sts::…:assumed-role/…) was created without
    /// session policies (nothing can read them: without this its rows cannot pass)
    #[arg(long)]
    pub no_session_policy: bool,
    /// The account that owns --bucket (online, checked with S3's expected-owner check; without
    /// it online, the principal's account is expected; offline, rows that depend on the owner
    /// are INCONCLUSIVE without it)
    #[arg(long, value_name = "ACCOUNT")]
    pub bucket_owner: Option<String>,
    /// A tag of the audited role or user, for `aws:PrincipalTag/KEY` (repeatable; over the tags
    /// IAM returns). With policy files, the only tags known: without it, a condition on a
    /// principal tag is INCONCLUSIVE
    #[arg(long = "principal-tag", value_name = "KEY=VALUE", value_parser = crate::verdict::request::principal_tag_arg)]
    pub principal_tags: Vec<(String, String)>,
    /// The moment the checks are about (`aws:CurrentTime`), as an ISO 8601 date-time
    /// (2027-01-31T12:00:00Z) or epoch seconds [default: now]
    #[arg(long, value_name = "TIME", value_parser = crate::verdict::request::at_arg)]
    pub at: Option<i64>,
    /// No service control policy and no resource control policy applies beyond AWS's
    /// FullAWSAccess and RCPFullAWSAccess (true outside an organization): with --engine local
    /// on AWS, where they are neither read (--org-policies) nor given (--org-policies-file), rows
    /// cannot pass without this
    #[arg(long)]
    pub no_org_policies: bool,
    /// Read the service control and resource control policies that apply to the principal's
    /// account (organizations:DescribeOrganization, ListRoots, ListParents,
    /// ListPoliciesForTarget, DescribePolicy; from the management or a delegated administrator
    /// account) and evaluate them locally: `auto` reads them when the local engine alone decides
    /// on AWS
    #[arg(long, value_enum, default_value_t = OrgPoliciesArg::Auto)]
    pub org_policies: OrgPoliciesArg,
    /// The SCPs and RCPs that apply to the principal's account, as JSON (README: "Organization
    /// policies"), instead of reading them: for policy files, templates and snapshots
    #[arg(long, value_name = "FILE", value_parser = crate::commands::args::org_policies_file_arg)]
    pub org_policies_file: Option<crate::grants::org::OrgPolicies>,
}

/// `--org-policies`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum OrgPoliciesArg {
    #[default]
    Auto,
    Read,
    Never,
}

impl StatedArgs {
    pub fn statements(&self) -> Statements {
        Statements {
            no_scp_conditions: self.no_scp_conditions,
            no_rcps: self.no_rcps,
            no_session_policy: self.no_session_policy,
            bucket_owner: self.bucket_owner.clone(),
            principal_tags: (!self.principal_tags.is_empty())
                .then(|| self.principal_tags.iter().cloned().collect()),
            at: self.at,
            no_org_policies: self.no_org_policies,
            org_policies: match self.org_policies {
                OrgPoliciesArg::Auto => crate::grants::org::OrgPoliciesChoice::Auto,
                OrgPoliciesArg::Read => crate::grants::org::OrgPoliciesChoice::Read,
                OrgPoliciesArg::Never => crate::grants::org::OrgPoliciesChoice::Never,
            },
            org_policies_file: self.org_policies_file.clone(),
        }
    }
}

/// Many principals at once, and saved runs.
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Fleets and saved runs")]
pub struct FleetArgs {
    /// Check every service of a config file (see the README); found as ./pydynox-iam.toml
    /// when --features and the principal flags are not given
    #[arg(long, value_name = "FILE", conflicts_with_all = ["role", "user", "principal", "features"])]
    pub config: Option<std::path::PathBuf>,
    /// How many principals to check at once
    #[arg(long, default_value_t = 4)]
    pub jobs: usize,
    /// At most this many AWS calls per second, across all principals (adaptive retry still
    /// handles throttling)
    #[arg(long, value_name = "N")]
    pub max_rps: Option<f64>,
    /// Save everything fetched to FILE, so --from-snapshot can replay the run offline
    #[arg(long, value_name = "FILE")]
    pub save_snapshot: Option<std::path::PathBuf>,
    /// Replay a saved run offline with the same flags (or config); its JSON report is the
    /// recorded one byte for byte, plus a last `replay` key saying when it was recorded
    #[arg(long, value_name = "FILE")]
    pub from_snapshot: Option<std::path::PathBuf>,
}

/// How the audited principals' own policies are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum AccountReadMode {
    /// One read of the account for `--all-roles` and for a fleet of more than five
    /// principals (ONE_READ_ABOVE); per-principal reads for fewer
    #[default]
    Auto,
    /// Always one read of the account (`iam:GetAccountAuthorizationDetails`)
    Always,
    /// Always per-principal reads (GetRole, ListRolePolicies, ...)
    Never,
}

/// A fleet of more principals than this is read with one `iam:GetAccountAuthorizationDetails`
/// (`--account-read auto`). Per principal a check makes about four IAM calls (GetRole, the two
/// lists, each inline policy; shared managed policies once per run), so five principals cost
/// about 20 calls: about the pages of one read of a mid-size account (IAM pages hold 100
/// entries). Above it the read is cheaper, and its cost does not grow with the fleet.
pub const ONE_READ_ABOVE: usize = 5;

/// Whole accounts and releases: discovery, one read per account, upgrade impact.
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Organisation scale")]
pub struct OrgArgs {
    /// Check every role of the account, each described by its `pydynox:*` tags (see the
    /// README); with --config the file's services are checked as written and the other roles
    /// discovered. Reads the account once (iam:GetAccountAuthorizationDetails)
    #[arg(long, conflicts_with_all = ["role", "user", "principal", "features", "app"])]
    pub all_roles: bool,
    /// With --all-roles: only roles whose path starts with PREFIX (e.g. /services/)
    #[arg(long, value_name = "PREFIX")]
    pub path_prefix: Option<String>,
    /// With --all-roles: only roles with this tag, and this value when given (repeatable;
    /// all must match)
    #[arg(long = "tag", value_name = "KEY[=VALUE]")]
    pub tags: Vec<String>,
    /// With --all-roles: also check service-linked roles (path /aws-service-role/), which are
    /// left out by default
    #[arg(long)]
    pub include_service_linked: bool,
    /// How the principals' own policies are read: one read of the whole account or
    /// per-principal calls
    #[arg(long, value_enum, default_value_t = AccountReadMode::Auto)]
    pub account_read: AccountReadMode,
    /// Also check each principal against this pydynox release and list the rows whose verdict
    /// changes (new needs that fail, needs that go away); the exit code is the worse of the two
    #[arg(long, value_name = "VERSION")]
    pub compare_version: Option<String>,
    /// Audit these accounts (12-digit ids, comma-separated or repeated), each entered through
    /// --assume-role-name; the caller's own account is read with the caller's credentials
    #[arg(
        long,
        value_name = "ID,...",
        value_delimiter = ',',
        conflicts_with = "organization"
    )]
    pub accounts: Vec<String>,
    /// Audit every ACTIVE account of the AWS Organization (organizations:ListAccounts, from the
    /// management or a delegated administrator account), each entered through
    /// --assume-role-name; accounts in another state are listed as skipped
    #[arg(long)]
    pub organization: bool,
    /// The role each audited account is entered through (sts:AssumeRole of
    /// arn:PARTITION:iam::ACCOUNT:role/NAME, session name pydynox-iam)
    #[arg(long, value_name = "NAME")]
    pub assume_role_name: Option<String>,
    /// The external id the audit roles' trust policy requires (sts:ExternalId)
    #[arg(long, value_name = "ID")]
    pub external_id: Option<String>,
    /// How many accounts to check at once (each with its own --max-rps ceiling and --jobs
    /// principals at once) [default: 4]
    #[arg(long, value_name = "N")]
    pub account_jobs: Option<usize>,
}

/// `--all-roles`: which roles of the read to check.
#[derive(Debug, Clone)]
struct Discovery {
    path_prefix: Option<String>,
    tags: Vec<TagFilter>,
    include_service_linked: bool,
    allow_inconclusive: bool,
    /// `--no-table-policy`, for every discovered role.
    table_policies: TablePolicies,
}

impl CheckArgs {
    /// The flags that describe one service's check, which a config file sets per service:
    /// (flag, config key, whether it was given).
    fn per_service_flags(&self) -> [(&'static str, &'static str, bool); 12] {
        [
            ("--app", "app", !self.app.is_empty()),
            ("--env", "env", !self.env.is_empty()),
            ("--table", "tables", !self.tables.is_empty()),
            ("--index", "indexes", !self.indexes.is_empty()),
            ("--all-indexes", "all_indexes", self.all_indexes),
            ("--kms-key", "kms_key", self.kms_key.is_some()),
            ("--bucket", "bucket", self.bucket.is_some()),
            ("--prefix", "prefix", self.prefix.is_some()),
            (
                "--assume-role-arn",
                "assume_role_arn",
                self.assume_role_arn.is_some(),
            ),
            ("--lock-table", "lock_table", self.lock_table.is_some()),
            (
                "--pydynox-version",
                "pydynox_version",
                self.pydynox_version.is_some(),
            ),
            ("--context", "context", !self.context.is_empty()),
        ]
    }
}

impl CheckArgs {
    /// How the table shows its rows.
    fn rows_view(&self) -> table::RowsView {
        table::RowsView {
            wide: self.wide,
            failed_only: self.failed_only,
        }
    }
}

impl CheckArgs {
    /// The flags that describe what to check, as the neutral input a config file also gives.
    pub fn plan_input(&self) -> PlanInput {
        PlanInput {
            role: self.role.clone(),
            user: self.user.clone(),
            principal: self.principal.clone(),
            features: self.features.clone(),
            tables: self.tables.clone(),
            indexes: self.indexes.clone(),
            all_indexes: self.all_indexes,
            kms_key: self.kms_key.clone(),
            bucket: self.bucket.clone(),
            prefix: self.prefix.clone().unwrap_or_default(),
            assume_role_arn: self.assume_role_arn.clone(),
            lock_table: self.lock_table.clone(),
            pydynox_version: self.pydynox_version.clone(),
            context: self.context.clone(),
        }
    }
}

/// Runs `check` and returns the exit code. Reads top to bottom: validate every input without
/// AWS, run the jobs against their source, finish each report, save the snapshot, render,
/// and the exit code, computed once, at the end.
pub async fn execute(cat: &Catalogue, a: &CheckArgs, verbose: bool) -> i32 {
    if a.iac.is_set() {
        return iac::execute(cat, a).await;
    }
    let run = match validate(cat, a) {
        Ok(run) => run,
        Err(errors) => {
            print_errors(&errors);
            return exit::USAGE;
        }
    };
    // With --all-roles the roles are known after the read: the bar's length is set then.
    // Many accounts draw their own bar, of accounts.
    let progress = match run.accounts {
        None => progress_bar(run.jobs.len(), run.discovery.is_some()),
        Some(_) => None,
    };
    // Each principal is finished and handed to the sink as it completes, in job order: a
    // fleet's table or JSON is written as it goes and no report is kept (sink.rs).
    let by_account = run.accounts.is_some() || run.discovery.is_some();
    let mut sink = sink::Sink::new(a, run.is_fleet, by_account);
    let run = &run;
    let mut on = for_run(run, |(job, result)| {
        sink.take(finish_one(job, result, &run.opts))
    });
    let sourced = match run_from_source(cat, a, run, progress.as_ref(), verbose, &mut on).await {
        Ok(out) => out,
        Err(code) => return code,
    };
    if let Some(p) = &progress {
        p.finish_and_clear();
    }
    for (name, e) in &sourced.rejected {
        eprintln!("error: role `{name}`: {e}");
    }
    for (_, e, _) in &sourced.failed {
        eprintln!("error: {e}");
    }
    if let Some(summary) = &sourced.discovered {
        eprintln!("pydynox-iam: {summary}");
    }
    if let (Some(path), Some(snapshot)) = (&a.fleet.save_snapshot, &sourced.snapshot)
        && let Err(e) = save_snapshot(path, snapshot)
    {
        print_errors(&[format!("cannot write snapshot `{}`: {e}", path.display())]);
        return exit::ERROR;
    }
    let unused = unused_policy_files(&a.offline, &sink.used);
    if !unused.is_empty() {
        print_errors(&unused);
    }
    // A run that finds its own principals (--all-roles, --accounts, --organization) and
    // checked none has said nothing about any role: INCONCLUSIVE, never a pass on its own
    // (exit 1 unless --allow-inconclusive), whatever the reason (no role described by
    // pydynox:* tags, filters that select none, no ACTIVE account).
    let nothing_checked = (by_account
        && sink.codes.is_empty()
        && sourced.rejected.is_empty()
        && sourced.failed.is_empty()
        && sourced.fatal.is_none())
    .then_some(if a.allow_inconclusive {
        exit::PASS
    } else {
        exit::FAIL
    });
    if nothing_checked.is_some() {
        eprintln!(
            "warning: no principal was checked: the run is INCONCLUSIVE; describe the service roles with pydynox:* tags (README: \"Discovery\"), widen --path-prefix/--tag, or name them in --config"
        );
    }
    let code = exit::worst(
        sink.codes
            .iter()
            .copied()
            .chain(sourced.rejected.iter().map(|_| exit::USAGE))
            .chain(sourced.failed.iter().map(|(_, _, c)| *c))
            .chain(sourced.fatal)
            .chain(nothing_checked)
            .chain((!unused.is_empty()).then_some(exit::USAGE)),
    );
    if !run.is_fleet && sink.all_failed() {
        // Nothing to render for a single principal that could not be checked.
        return code;
    }
    let rest = sink::Rest {
        rejected: sourced.rejected,
        failed: sourced.failed,
        accounts: sourced.accounts,
        nothing_checked,
    };
    match sink.finish(rest) {
        Ok(()) => code,
        Err(e) => {
            print_errors(&[format!("cannot write output: {e}")]);
            exit::ERROR
        }
    }
}

/// Ties a callback to the jobs of `run` (a closure's argument cannot name the lifetime).
fn for_run<'j, F: FnMut(sink::Done<'j>)>(_: &'j Run, f: F) -> F {
    f
}

/// One principal to check: a service of the config file, or the command line's one.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Job {
    pub name: String,
    pub plan: CheckPlan,
    pub allow_inconclusive: bool,
    pub expected: Vec<Expected>,
    /// Whether its tables' resource policies are read (`--no-table-policy`, or the service's
    /// `no_table_policy`).
    pub table_policies: TablePolicies,
    /// The account that owns the job's bucket, as stated (`--bucket-owner`, or the service's
    /// `bucket_owner`); `None`: unknown offline, S3's expected-owner check online.
    pub bucket_owner: Option<String>,
}

/// A finished job.
pub struct Finished<'a> {
    pub job: Cow<'a, Job>,
    pub result: Result<Report, CheckError>,
    pub exit_code: i32,
}

/// Where each job's result goes as it completes, in job order.
type OnDone<'s, 'j> = &'s mut dyn FnMut(Done<'j>);

/// Options that shape a run, validated before any AWS call.
#[derive(Clone)]
struct RunOptions {
    jobs: usize,
    max_rps: Option<f64>,
    least_privilege: bool,
    overrides: Vec<(Code, Severity)>,
    fail_on: Option<Severity>,
}

/// A validated run: the jobs, whether they came from a config file, and how to run them.
#[derive(Clone)]
struct Run {
    jobs: Vec<Job>,
    /// `--all-roles`: the roles to discover beside the jobs.
    discovery: Option<Discovery>,
    account_read: AccountReadMode,
    /// `--compare-version`.
    compare: Option<Version>,
    is_fleet: bool,
    /// The config file's default region, used when `--region` is not given.
    config_region: Option<String>,
    engine: EngineChoice,
    opts: RunOptions,
    /// `--accounts`/`--organization`: the accounts to enter.
    accounts: Option<accounts::Plan>,
}

// ---------------------------------------------------------------------------------------------
// 1. Validation: everything that can be checked without AWS, every problem at once

fn validate(cat: &Catalogue, a: &CheckArgs) -> Result<Run, Vec<String>> {
    let built = jobs_from(cat, a);
    let mut errors = Vec::new();
    let overrides = parse_overrides(&a.severities, &mut errors);
    let fail_on = parse_fail_on(a.fail_on.as_deref(), &mut errors);
    check_flag_combinations(a, &mut errors);
    let compare = a.org.compare_version.as_deref().and_then(|v| {
        cat.release(v)
            .map_err(|e| errors.push(format!("--compare-version: {e}")))
            .ok()
    });
    let mut tags = Vec::new();
    for t in &a.org.tags {
        match TagFilter::parse(t) {
            Ok(f) => tags.push(f),
            Err(e) => errors.push(e),
        }
    }
    // Checked here: clap's `requires` counts a flag's default as given.
    if !a.org.all_roles
        && (a.org.path_prefix.is_some() || !a.org.tags.is_empty() || a.org.include_service_linked)
    {
        errors.push("--path-prefix, --tag and --include-service-linked choose the roles of --all-roles; add --all-roles".into());
    }
    // Offline, the roles are found in an account export (`aws iam
    // get-account-authorization-details`), exactly as in the online read; policy files hold no
    // roles to find.
    if a.org.all_roles && (!a.offline.policy_files.is_empty() || a.offline.boundary_file.is_some())
    {
        errors.push("--all-roles finds the roles in an account; offline, give the account's export with --from-auth-details FILE (aws iam get-account-authorization-details), not --policy-file or --boundary-file".into());
    }
    if a.org.all_roles && a.org.account_read == AccountReadMode::Never {
        errors.push("--all-roles finds the roles in one read of the account; it cannot be used with --account-read never".into());
    }
    let many = match &built {
        Ok(jobs) => accounts::plan(a, &jobs.jobs, &mut errors),
        Err(_) => accounts::plan(a, &[], &mut errors),
    };
    let jobs = match built {
        Ok(jobs) if errors.is_empty() => jobs,
        Ok(_) => return Err(errors),
        Err(mut errs) => {
            errs.extend(errors);
            return Err(errs);
        }
    };
    Ok(Run {
        engine: engine_from(jobs.engine.as_deref(), a.engine),
        jobs: jobs.jobs,
        discovery: a.org.all_roles.then(|| Discovery {
            path_prefix: a.org.path_prefix.clone(),
            tags,
            include_service_linked: a.org.include_service_linked,
            allow_inconclusive: a.allow_inconclusive,
            table_policies: a.offline.table_policies(),
        }),
        account_read: a.org.account_read,
        compare,
        is_fleet: jobs.is_fleet || a.org.all_roles,
        config_region: jobs.region,
        opts: RunOptions {
            jobs: a.fleet.jobs,
            max_rps: a.fleet.max_rps,
            least_privilege: a.least_privilege,
            overrides,
            fail_on,
        },
        accounts: many,
    })
}

/// `--severity CODE=LEVEL`, each one.
fn parse_overrides(specs: &[String], errors: &mut Vec<String>) -> Vec<(Code, Severity)> {
    let mut overrides = Vec::new();
    for s in specs {
        match parse_override(s) {
            Ok(o) => overrides.push(o),
            Err(e) => errors.push(format!("--severity: {e}")),
        }
    }
    overrides
}

/// `--fail-on LEVEL`.
fn parse_fail_on(level: Option<&str>, errors: &mut Vec<String>) -> Option<Severity> {
    let l = level?;
    let parsed = Severity::parse(l);
    if parsed.is_none() {
        errors.push(format!(
            "--fail-on `{l}` is not a severity (info, low, medium, high)"
        ));
    }
    parsed
}

/// Flags that cannot be used together, or out of range, that clap does not catch.
fn check_flag_combinations(a: &CheckArgs, errors: &mut Vec<String>) {
    let o = &a.offline;
    if !o.is_offline() && o.has_resource_policy_inputs() {
        errors.push("--key-policy-file, --bucket-policy-file, --no-bucket-policy and --table-policy-file are for offline checks (with --policy-file or --from-auth-details); online, the tool reads those policies itself".into());
    }
    if config_path(a).is_some() {
        // A flag that describes one service's check cannot apply to every service of a
        // fleet: each service says it in the file, or it would be dropped (or applied to
        // services it does not describe).
        for (flag, key, given) in a.per_service_flags() {
            if given {
                let defaults = if key == "pydynox_version" {
                    ", or once in [defaults]"
                } else {
                    ""
                };
                errors.push(format!(
                    "{flag} describes one service and cannot be used with --config: set it in the file, as `{key}` in each [[service]]{defaults}"
                ));
            }
        }
        if !o.policy_files.is_empty() || o.boundary_file.is_some() {
            errors.push("--config checks several principals; give their policies with --from-auth-details, not --policy-file".into());
        }
    }
    // --all-roles checks each role it finds by its own tags: a flag describing one check would
    // be dropped silently (it describes no discovered role), so it is refused.
    if a.org.all_roles && config_path(a).is_none() {
        // (--features and the principal flags conflict with --all-roles in clap.)
        let given: Vec<&str> = a
            .per_service_flags()
            .iter()
            .filter(|(_, _, given)| *given)
            .map(|(flag, _, _)| *flag)
            .collect();
        if !given.is_empty() {
            errors.push(format!(
                "{} describe one check and cannot be used with --all-roles, which checks each role it finds by its own pydynox:* tags: drop them, or describe the services in --config",
                given.join(", ")
            ));
        }
    }
    // Several principals (a config file, or the roles --all-roles finds): a key or bucket
    // policy file must name its resource, or it would stand for every service's key or bucket.
    if config_path(a).is_some() || a.org.all_roles {
        let many = if config_path(a).is_some() {
            "--config"
        } else {
            "--all-roles"
        };
        type Spec = fn(&str) -> Result<crate::commands::args::PolicyFileSpec, String>;
        let kinds: [(&str, &str, &[String], Spec); 2] = [
            (
                "--key-policy-file",
                "KEY_ARN",
                &o.key_policy_files,
                key_policy_spec,
            ),
            (
                "--bucket-policy-file",
                "BUCKET",
                &o.bucket_policy_files,
                bucket_policy_spec,
            ),
        ];
        for (flag, what, specs, parse) in kinds {
            if specs
                .iter()
                .any(|s| parse(s).is_ok_and(|p| p.resource.is_none()))
            {
                errors.push(format!(
                    "{flag} FILE applies to the one resource of a single check; with {many} name the resource it belongs to: {flag} {what}=FILE"
                ));
            }
        }
    }
    if a.fleet.from_snapshot.is_some() && (o.is_offline() || a.fleet.save_snapshot.is_some()) {
        errors.push("--from-snapshot replays a saved run; it cannot be combined with offline inputs or --save-snapshot".into());
    }
    if let Some(o) = &a.stated.bucket_owner
        && !crate::iam::names::is_account_id(o)
    {
        errors.push(format!(
            "--bucket-owner `{o}` is not an AWS account id; give the 12 digits of the account that owns the bucket"
        ));
    }
    if a.stated.bucket_owner.is_some() {
        if config_path(a).is_some() {
            errors.push("--bucket-owner names one bucket's owner and cannot apply to every service of --config; state it in the service's [[service]] as bucket_owner = \"ACCOUNT\"".into());
        } else if a.bucket.is_none() && a.app.is_empty() {
            // With --app the code may name the bucket.
            errors.push("--bucket-owner names the owner of --bucket; give --bucket too".into());
        }
    }
    if a.fleet.jobs == 0 {
        errors.push("--jobs must be at least 1".into());
    }
    if let Some(r) = a.fleet.max_rps
        && !(r > 0.0 && r.is_finite())
    {
        errors.push(format!("--max-rps `{r}` must be a positive number"));
    }
}

/// The config file found in the working directory when no check is described by flags.
pub const DEFAULT_CONFIG: &str = "pydynox-iam.toml";

/// The config file to read: `--config`, or `./pydynox-iam.toml` when neither features nor a
/// principal are given on the command line.
fn config_path(a: &CheckArgs) -> Option<std::path::PathBuf> {
    if let Some(p) = &a.fleet.config {
        return Some(p.clone());
    }
    let bare = a.features.is_empty()
        && a.app.is_empty()
        && a.role.is_none()
        && a.user.is_none()
        && a.principal.is_none();
    let default = std::path::PathBuf::from(DEFAULT_CONFIG);
    (bare && default.is_file()).then_some(default)
}

/// The jobs, whether they came from a config file, and its default region and engine.
struct Jobs {
    jobs: Vec<Job>,
    is_fleet: bool,
    region: Option<String>,
    engine: Option<String>,
}

/// Builds the jobs from the config file or from the flags. No I/O except reading the config
/// file.
fn jobs_from(cat: &Catalogue, a: &CheckArgs) -> Result<Jobs, Vec<String>> {
    if a.org.all_roles && config_path(a).is_none() {
        return Ok(Jobs {
            jobs: vec![],
            is_fleet: true,
            region: None,
            engine: None,
        });
    }
    if a.fleet.config.is_none()
        && a.features.is_empty()
        && a.app.is_empty()
        && config_path(a).is_none()
    {
        return Err(vec![format!(
            "--features or --app is required (or --config FILE, or a {DEFAULT_CONFIG} in the working directory)"
        )]);
    }
    match config_path(a) {
        Some(path) => jobs_from_config(cat, a, &path),
        None => {
            let plan = if a.app.is_empty() {
                crate::needs::plan::build_plan(cat, &a.plan_input())?
            } else {
                crate::needs::app::plan_from_paths(
                    cat,
                    &a.plan_input(),
                    &a.app,
                    &a.env,
                    a.include_tests,
                )?
            };
            let name = a
                .role
                .clone()
                .or_else(|| a.user.clone())
                .or_else(|| a.principal.clone())
                .unwrap_or_else(|| "caller".into());
            let job = Job {
                name,
                plan,
                allow_inconclusive: a.allow_inconclusive,
                expected: vec![],
                table_policies: a.offline.table_policies(),
                bucket_owner: a.stated.bucket_owner.clone(),
            };
            Ok(Jobs {
                jobs: vec![job],
                is_fleet: false,
                region: None,
                engine: None,
            })
        }
    }
}

/// One job per service of the config file, its errors located in the file.
fn jobs_from_config(
    cat: &Catalogue,
    a: &CheckArgs,
    path: &std::path::Path,
) -> Result<Jobs, Vec<String>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| vec![format!("cannot read `{}`: {e}", path.display())])?;
    let config = crate::needs::config::parse(&text, cat).map_err(|errs| {
        errs.iter()
            .map(|e| e.display_in(&path.display().to_string()))
            .collect::<Vec<_>>()
    })?;
    // `app = "src/"`: the service's code, relative to the config file, read now.
    let base = path.parent().unwrap_or(std::path::Path::new("."));
    let mut errors = Vec::new();
    let mut services = config.services;
    for s in &mut services {
        if let Some(app) = &s.app {
            match crate::needs::app::plan_from_paths(
                cat,
                &s.input,
                &[base.join(app)],
                &s.env,
                s.include_tests,
            ) {
                Ok(plan) => s.plan = plan,
                Err(errs) => errors.extend(errs.into_iter().map(|e| {
                    format!(
                        "{}: service `{}` (line {}): {e}",
                        path.display(),
                        s.name,
                        s.line
                    )
                })),
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let jobs = services
        .into_iter()
        .map(|s| Job {
            name: s.name,
            plan: s.plan,
            allow_inconclusive: s.allow_inconclusive || a.allow_inconclusive,
            expected: s.expected,
            table_policies: if s.no_table_policy || a.offline.no_table_policy {
                TablePolicies::AssumeNone
            } else {
                TablePolicies::Read
            },
            bucket_owner: s.bucket_owner,
        })
        .collect();
    Ok(Jobs {
        jobs,
        is_fleet: true,
        region: config.defaults.region,
        engine: config.defaults.engine,
    })
}

/// `--engine` wins over the config file's `defaults.engine`; `auto` without either.
fn engine_from(config: Option<&str>, flag: Option<Engine>) -> EngineChoice {
    match (flag, config) {
        (Some(f), _) => f.into(),
        (None, Some("aws")) => EngineChoice::Aws,
        (None, Some("local")) => EngineChoice::Local,
        (None, Some("both")) => EngineChoice::Both,
        _ => EngineChoice::Auto,
    }
}

// ---------------------------------------------------------------------------------------------
// 2. The source (a saved snapshot, offline files, or AWS), then the run

/// What the run's source answered: each job's result, the snapshot to save, and for a replay
/// when its run was recorded.
struct Sourced {
    /// `--all-roles`: roles whose tags could not be read into a check, with why.
    rejected: Vec<(String, String)>,
    /// `--all-roles`: what was found, excluded and not described, for stderr and the report.
    discovered: Option<String>,
    /// The exit code of a failure that stopped the run before any job (the account read).
    fatal: Option<i32>,
    /// What could not be checked beyond the jobs (an account that could not be entered or
    /// read, the organization not listed): name, reason, exit code; shown as a service that
    /// could not be checked in every format.
    failed: Vec<(String, String, i32)>,
    /// `--all-roles` or `--accounts`/`--organization`: each account, for every format.
    accounts: Vec<crate::report::accounts::AccountEntry>,
    snapshot: Option<Snapshot>,
}

/// The run's plan as a snapshot records it: everything that changes the answer (each job's
/// principal, features, release, resources, context, table-policy mode, allowed inconclusive
/// and expected exceptions; the region, the engine, the least-privilege options, what the user
/// stated about what no API shows). A replay builds it from its own flags and must get the same.
fn recorded_plan(run: &Run, region: Option<&str>, stated: &Statements) -> serde_json::Value {
    let engine = match run.engine {
        EngineChoice::Aws => "aws",
        EngineChoice::Local => "local",
        EngineChoice::Both => "both",
        EngineChoice::Auto => "auto",
    };
    let least_privilege = run.opts.least_privilege.then(|| {
        serde_json::json!({
            "severity": run.opts.overrides.iter().map(|(c, s)| format!("{c}={s}")).collect::<Vec<_>>(),
            "fail_on": run.opts.fail_on.map(|s| s.as_str()),
        })
    });
    let mut plan = serde_json::json!({
        "region": region,
        "engine": engine,
        "least_privilege": least_privilege,
        "stated": {
            "no_scp_conditions": stated.no_scp_conditions,
            "no_rcps": stated.no_rcps,
            "no_session_policy": stated.no_session_policy,
            "bucket_owner": stated.bucket_owner,
        },
        "services": run.jobs,
    });
    // Recorded only when given, so snapshots saved before these flags existed still replay.
    crate::verdict::request::record_stated(&mut plan["stated"], stated);
    if let Some(d) = &run.discovery {
        plan["all_roles"] = serde_json::json!({
            "path_prefix": d.path_prefix,
            "tags": d.tags.iter().map(|t| match &t.value {
                Some(v) => format!("{}={v}", t.key),
                None => t.key.clone(),
            }).collect::<Vec<_>>(),
            "include_service_linked": d.include_service_linked,
            "allow_inconclusive": d.allow_inconclusive,
            "table_policies": d.table_policies,
        });
    }
    if run.account_read != AccountReadMode::Auto {
        plan["account_read"] = serde_json::json!(format!("{:?}", run.account_read).to_lowercase());
    }
    if let Some(v) = &run.compare {
        plan["compare_version"] = serde_json::json!(v.to_string());
    }
    plan
}

/// Now, as a snapshot's `recorded_at`: RFC 3339, UTC, to the second.
fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default();
    aws_smithy_types::DateTime::from_secs(secs)
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap_or_default()
}

/// Runs the jobs against their source; on a source that cannot be used, the error is printed
/// and its exit code returned.
async fn run_from_source<'j>(
    cat: &Catalogue,
    a: &CheckArgs,
    run: &'j Run,
    progress: Option<&ProgressBar>,
    verbose: bool,
    on: OnDone<'_, 'j>,
) -> Result<Sourced, i32> {
    let context = |region, endpoint_url| RunContext {
        catalogue: cat,
        region,
        endpoint_url,
        engine: run.engine,
        table_policies: a.offline.table_policies(),
        stated: a.stated.statements(),
    };
    let save = a.fleet.save_snapshot.is_some();
    if let Some(path) = &a.fleet.from_snapshot {
        let replay = read_snapshot(path).map_err(|e| {
            print_errors(&[format!("cannot use snapshot `{}`: {e}", path.display())]);
            exit::USAGE
        })?;
        let snap = replay.snapshot();
        // The region given now (flag or config) must be the recorded one; without one, the
        // recorded run's region is used, as it was resolved then.
        let region = a
            .aws
            .region
            .clone()
            .or(run.config_region.clone())
            .or(snap.region.clone());
        let differences = plan_differences(
            &snap.plan,
            &recorded_plan(run, region.as_deref(), &a.stated.statements()),
        );
        if !differences.is_empty() {
            let mut errors = vec![format!(
                "the snapshot `{}` was recorded for another plan; replay it with the flags (or config) it was recorded with:",
                path.display()
            )];
            errors.extend(differences.into_iter().map(|d| format!("  {d}")));
            print_errors(&errors);
            return Err(exit::USAGE);
        }
        let info = ReplayInfo {
            recorded_at: snap.recorded_at.clone(),
            recorded_by: snap.tool_version.clone(),
        };
        let ctx = context(region, snap.endpoint_url.clone());
        // A replayed report says when its run was recorded.
        let mut on = |(job, mut r): sink::Done<'j>| {
            if let Ok(r) = &mut r {
                r.replay = Some(info.clone());
            }
            on((job, r))
        };
        let (ran, _) = run_all(cat, &replay, &ctx, run, progress, None, None, &mut on).await;
        Ok(ran.sourced(None))
    } else if a.offline.is_offline() {
        let input = a
            .role
            .as_deref()
            .or(a.user.as_deref())
            .or(a.principal.as_deref());
        let region = a
            .aws
            .region
            .clone()
            .or(run.config_region.clone())
            .or_else(env_region);
        let ctx = context(region, None);
        if let (Some(d), Some(path), false) = (&run.discovery, &a.offline.from_auth_details, save) {
            return all_roles_offline(cat, a, run, d, path, &ctx, progress, on).await;
        }
        let mut wanted = crate::grants::auth_details::Wanted::default();
        if run.discovery.is_some() {
            wanted = Wanted::everything();
        } else {
            for job in &run.jobs {
                wanted.plan(&job.plan);
            }
        }
        // The selector matters only to --policy-file, which names one principal (--all-roles
        // without a config file has no job of its own: its roles come from the export).
        let caller = crate::needs::plan::PrincipalSelector::Caller;
        let selector = run.jobs.first().map_or(&caller, |j| &j.plan.principal);
        let account = load_offline(&a.offline, input, selector, &wanted).map_err(|errors| {
            print_errors(&errors);
            exit::USAGE
        })?;
        // --all-roles offline: the roles are found in the export by the same discovery as in
        // the online read.
        let found = run
            .discovery
            .as_ref()
            .map(|d| discover(cat, account.roles(), d, run));
        let plan = save.then(|| recorded_plan(run, ctx.region.as_deref(), &ctx.stated));
        let (ran, snapshot) = run_all(cat, &account, &ctx, run, progress, plan, found, on).await;
        Ok(ran.sourced(snapshot))
    } else {
        let log = CallLog::new(verbose);
        let aws = a.aws.connect(run.config_region.clone(), log.clone()).await;
        if verbose {
            eprintln!(
                "pydynox-iam: endpoint {}, region {}",
                aws.endpoint_url.as_deref().unwrap_or("(AWS default)"),
                aws.region.as_deref().unwrap_or("(none)")
            );
        }
        let ctx = context(aws.region.clone(), aws.endpoint_url.clone());
        let mut on = |(job, r): sink::Done<'j>| {
            if verbose {
                log_principal(&job, &r);
            }
            on((job, r))
        };
        if let Some(many) = &run.accounts {
            let out = accounts::run(cat, &aws, &ctx, run, many, &mut on).await;
            if verbose || std::env::var_os("PYDYNOX_IAM_COUNT_CALLS").is_some() {
                eprintln!("pydynox-iam: {} AWS calls", log.calls());
            }
            return Ok(out.ran.sourced_with(None, out.accounts));
        }
        let plan = save.then(|| recorded_plan(run, ctx.region.as_deref(), &ctx.stated));
        let (ran, snapshot) = run_all(cat, &aws, &ctx, run, progress, plan, None, &mut on).await;
        // Always counted (every HTTP attempt, retries included), so a run's cost can be seen
        // and compared (README, benchmarks); said on stderr, never in the report.
        if verbose || std::env::var_os("PYDYNOX_IAM_COUNT_CALLS").is_some() {
            eprintln!("pydynox-iam: {} AWS calls", log.calls());
        }
        Ok(ran.sourced(snapshot))
    }
}

/// How many roles `--all-roles` reads from an export at a time
/// (`PYDYNOX_IAM_ROLES_PER_READ` overrides it, for tests).
const ROLES_PER_READ: usize = 1000;

/// `--all-roles --from-auth-details FILE` in flat memory: one read validates the whole file,
/// lists every role with its tags (not its policies) for the discovery the online read uses,
/// and keeps where each entry is (about 100 bytes an entry); then the jobs are checked
/// [`ROLES_PER_READ`] at a time, each batch parsing only its principals and the groups and
/// managed policies they use, at those places, and dropping them once its reports are written.
/// Peak memory is bounded by one batch and the index, not by the account's policies; the file
/// is parsed once, not once per batch. A file that changes between reads (size or modification
/// time, or an entry that no longer hashes as the first read found it) stops the run: its
/// batches would describe different accounts.
#[allow(clippy::too_many_arguments)]
async fn all_roles_offline<'j>(
    cat: &Catalogue,
    a: &CheckArgs,
    run: &'j Run,
    d: &Discovery,
    path: &std::path::Path,
    ctx: &RunContext<'_>,
    progress: Option<&ProgressBar>,
    on: OnDone<'_, 'j>,
) -> Result<Sourced, i32> {
    let input = a
        .role
        .as_deref()
        .or(a.user.as_deref())
        .or(a.principal.as_deref());
    let caller = crate::needs::plan::PrincipalSelector::Caller;
    let load = |wanted: &Wanted| {
        load_offline(&a.offline, input, &caller, wanted).map_err(|errors| {
            print_errors(&errors);
            exit::USAGE
        })
    };
    let stamp = || {
        std::fs::metadata(path)
            .ok()
            .map(|m| (m.len(), m.modified().ok()))
    };
    let before = stamp();
    // The first read validates the whole file and keeps where each entry is, so that each
    // batch parses only its own roles and their policies (see auth_details::read_at): the
    // file is parsed once, not once per batch.
    let listing = load(&Wanted {
        role_list: true,
        index: true,
        ..Wanted::default()
    })?;
    let found = discover(cat, listing.role_list(), d, run);
    let index = listing.export_index();
    drop(listing);
    let borrowed = run.jobs.iter().map(Cow::Borrowed).collect();
    let (jobs, rejected, discovered, read) = with_found(borrowed, Some(found), progress);
    let per_read = std::env::var("PYDYNOX_IAM_ROLES_PER_READ")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(ROLES_PER_READ);
    let mut sourced = Ran {
        rejected,
        discovered,
        read,
        ..Ran::default()
    }
    .sourced(None);
    let mut jobs = jobs.into_iter().peekable();
    while jobs.peek().is_some() {
        let batch: Vec<Cow<'j, Job>> = jobs.by_ref().take(per_read).collect();
        let stopped = if stamp() != before {
            print_errors(&[format!(
                "`{}` changed while it was read; audit a copy that does not change",
                path.display()
            )]);
            Some((exit::USAGE, "the export changed while it was read"))
        } else {
            let mut wanted = Wanted {
                at: index.clone(),
                ..Wanted::default()
            };
            for job in &batch {
                wanted.plan(&job.plan);
            }
            match load(&wanted) {
                Ok(account) => {
                    run_jobs(&account, ctx, run, batch, progress, None, on).await;
                    continue;
                }
                Err(code) => Some((
                    code,
                    "the export could not be read for it (see the error above)",
                )),
            }
        };
        // The roles not checked yet are each reported as not checked, so the streamed report's
        // verdict and exit code count them: a report that stopped partway never says PASS.
        if let Some((code, why)) = stopped {
            sourced.fatal = Some(code);
            for job in batch.into_iter().chain(jobs.by_ref()) {
                on((job, Err(CheckError::Input(format!("not checked: {why}")))));
            }
        }
    }
    Ok(sourced)
}

fn read_snapshot(path: &std::path::Path) -> Result<Replay, String> {
    std::fs::read_to_string(path)
        .map_err(|e| e.to_string())
        .and_then(|t| Replay::parse(&t).map_err(|e| e.to_string()))
}

/// `--verbose`: the principal a job resolved to, and why its engine was chosen.
fn log_principal(job: &Job, r: &Result<Report, CheckError>) {
    if let Ok(r) = r {
        eprintln!(
            "pydynox-iam: {}: principal {} ({})",
            job.name, r.principal.arn, r.engine_reason
        );
    }
}

/// What running the jobs gave besides each job's result (given to the sink as it came): for
/// `--all-roles` the roles that could not be made into a check and what was found.
#[derive(Default)]
struct Ran {
    rejected: Vec<(String, String)>,
    discovered: Option<String>,
    fatal: Option<i32>,
    /// Failures beyond the jobs (see [`Sourced::failed`]).
    failed: Vec<(String, String, i32)>,
    /// What the account's read said beyond the results.
    read: ReadOutcome,
}

/// What one account's read said beyond the results: why it stopped the run, and the roles
/// `--all-roles` found but could not check.
#[derive(Debug, Default, Clone)]
struct ReadOutcome {
    /// The account read (the roles' ARNs say it).
    account: Option<String>,
    fatal_reason: Option<String>,
    not_described: Vec<String>,
    tags_not_read: Vec<String>,
}

impl Ran {
    fn sourced(self, snapshot: Option<Snapshot>) -> Sourced {
        // One account's --all-roles: its roles not checked are in every report too (its exit
        // code and service count are the finished principals', counted by the sink).
        let accounts = match &self.read.account {
            Some(id) => vec![crate::report::accounts::AccountEntry {
                id: id.clone(),
                name: None,
                entered: "caller",
                role_arn: None,
                status: "checked",
                reason: None,
                exit_code: 0,
                services: 0,
                not_described: self.read.not_described.clone(),
                tags_not_read: self.read.tags_not_read.clone(),
            }],
            None => vec![],
        };
        self.sourced_with(snapshot, accounts)
    }

    /// The failures of the run beside its principals: with the account's read that stopped the
    /// run among them (shown as a service that could not be checked, so every format says it
    /// and its exit code, not only the process).
    fn failures(&mut self) -> Vec<(String, String, i32)> {
        let mut failed = std::mem::take(&mut self.failed);
        if let (Some(code), Some(reason)) = (self.fatal, self.read.fatal_reason.take()) {
            failed.push(("account".into(), reason, code));
        }
        failed
    }

    fn sourced_with(
        self,
        snapshot: Option<Snapshot>,
        accounts: Vec<crate::report::accounts::AccountEntry>,
    ) -> Sourced {
        let mut ran = self;
        let failed = ran.failures();
        Sourced {
            rejected: ran.rejected,
            discovered: ran.discovered,
            fatal: ran.fatal,
            failed,
            accounts,
            snapshot,
        }
    }
}

/// Runs the jobs under the optional call-rate ceiling, recording every answer when a
/// snapshot is to be saved (`plan` is then the run's plan, which the snapshot keeps).
/// `found`: the roles --all-roles found in an offline export, run beside the jobs.
// The found roles and the sink ride along to run_sourced.
#[allow(clippy::too_many_arguments)]
async fn run_all<'j, A: Aws>(
    cat: &Catalogue,
    aws: &A,
    ctx: &RunContext<'_>,
    run: &'j Run,
    progress: Option<&ProgressBar>,
    plan: Option<serde_json::Value>,
    found: Option<Found>,
    on: OnDone<'_, 'j>,
) -> (Ran, Option<Snapshot>) {
    match run.opts.max_rps {
        Some(rps) => {
            let limited = RateLimited::new(aws, rps);
            run_recorded(cat, &limited, ctx, run, progress, plan, found, on).await
        }
        None => run_recorded(cat, aws, ctx, run, progress, plan, found, on).await,
    }
}

/// Runs the jobs, recording every answer when a snapshot is to be saved.
// The found roles and the sink ride along to run_sourced.
#[allow(clippy::too_many_arguments)]
async fn run_recorded<'j, A: Aws>(
    cat: &Catalogue,
    aws: &A,
    ctx: &RunContext<'_>,
    run: &'j Run,
    progress: Option<&ProgressBar>,
    plan: Option<serde_json::Value>,
    found: Option<Found>,
    on: OnDone<'_, 'j>,
) -> (Ran, Option<Snapshot>) {
    match plan {
        Some(plan) => {
            let recorder = Recorder::new(aws);
            let out = run_sourced(cat, &recorder, ctx, run, progress, found, on).await;
            let snapshot = recorder.snapshot(
                ctx.region.clone(),
                ctx.endpoint_url.clone(),
                plan,
                now_rfc3339(),
            );
            (out, Some(snapshot))
        }
        None => (
            run_sourced(cat, aws, ctx, run, progress, found, on).await,
            None,
        ),
    }
}

/// Whether this run reads the account once instead of each principal.
fn reads_account<A: Aws>(aws: &A, run: &Run) -> bool {
    // Offline inputs already hold the account; only a source that reaches AWS (or replays a
    // run that did) reads it.
    if !aws.can_simulate() {
        return false;
    }
    match run.account_read {
        AccountReadMode::Never => false,
        AccountReadMode::Always => true,
        AccountReadMode::Auto => {
            run.discovery.is_some() || (run.is_fleet && run.jobs.len() > ONE_READ_ABOVE)
        }
    }
}

/// Runs the jobs against the source: with one read of the account when [`reads_account`]
/// (and for `--all-roles` the roles found in it), else per principal.
///
/// Fail-safe on the read: for `--all-roles`, or `--account-read always`, a read that fails
/// stops the run with its reason (nothing can be found or checked without it). For a fleet
/// that chose the read by its size, an AccessDenied on `iam:GetAccountAuthorizationDetails`
/// falls back to per-principal reads, said on stderr and in every report's notes; any other
/// failure (throttled after retries, a page without its marker, an answer the reader refuses)
/// stops the run, as the same failure on a per-principal call would fail that principal.
async fn run_sourced<'j, A: Aws>(
    cat: &Catalogue,
    aws: &A,
    ctx: &RunContext<'_>,
    run: &'j Run,
    progress: Option<&ProgressBar>,
    found: Option<Found>,
    on: OnDone<'_, 'j>,
) -> Ran {
    let borrowed = || run.jobs.iter().map(Cow::Borrowed).collect::<Vec<_>>();
    if !reads_account(aws, run) {
        let (jobs, rejected, discovered, read) = with_found(borrowed(), found, progress);
        run_jobs(aws, ctx, run, jobs, progress, None, on).await;
        return Ran {
            rejected,
            discovered,
            read,
            ..Ran::default()
        };
    }
    let mut wanted = Wanted::default();
    if run.discovery.is_some() {
        wanted = Wanted::everything();
    } else {
        for job in &run.jobs {
            wanted.plan(&job.plan);
        }
    }
    let account = match account::read(aws, &wanted).await {
        Ok(a) => a,
        Err(e @ AwsError::AccessDenied { .. })
            if run.discovery.is_none() && run.account_read == AccountReadMode::Auto =>
        {
            let note = format!(
                "the account could not be read at once ({e}); each principal was read on its own instead"
            );
            eprintln!("warning: {note}");
            let mut noted = |(job, mut r): sink::Done<'j>| {
                if let Ok(r) = &mut r {
                    r.notes.push(note.clone());
                }
                on((job, r))
            };
            run_jobs(aws, ctx, run, borrowed(), progress, None, &mut noted).await;
            return Ran::default();
        }
        Err(e) => {
            // Said once, with the run's other failures (`Ran::failures`), in every format.
            let e = CheckError::Aws(e);
            return Ran {
                fatal: Some(e.exit_code()),
                read: ReadOutcome {
                    fatal_reason: Some(format!("cannot read the account: {e}")),
                    ..ReadOutcome::default()
                },
                ..Ran::default()
            };
        }
    };
    let read = AccountRead::new(aws, account);
    let found = run
        .discovery
        .as_ref()
        .map(|d| discover(cat, read.account().roles(), d, run));
    let (jobs, rejected, discovered, outcome) = with_found(borrowed(), found, progress);
    run_jobs(&read, ctx, run, jobs, progress, Some(account::SOURCE), on).await;
    Ran {
        rejected,
        discovered,
        read: outcome,
        ..Ran::default()
    }
}

/// The jobs with the roles `--all-roles` found after them (the bar's length set then), the
/// roles whose tags are not a check, and what was found.
fn with_found<'j>(
    mut jobs: Vec<Cow<'j, Job>>,
    found: Option<Found>,
    progress: Option<&ProgressBar>,
) -> WithFound<'j> {
    let Some(found) = found else {
        return (jobs, Vec::new(), None, ReadOutcome::default());
    };
    jobs.extend(found.jobs.into_iter().map(Cow::Owned));
    if let Some(p) = progress {
        p.set_length(jobs.len() as u64);
    }
    (jobs, found.rejected, Some(found.summary), found.outcome)
}

/// The jobs, the roles whose tags are not a check, the discovery's summary, and the account
/// and roles it found but could not check.
type WithFound<'j> = (
    Vec<Cow<'j, Job>>,
    Vec<(String, String)>,
    Option<String>,
    ReadOutcome,
);

/// What `--all-roles` found in the read.
struct Found {
    jobs: Vec<Job>,
    rejected: Vec<(String, String)>,
    summary: String,
    /// The account, and the roles selected but not checked.
    outcome: ReadOutcome,
}

/// The roles of the read that the filters select, each made into a check from its tags.
/// Roles the config file names are checked as written there; a selected role without
/// `pydynox:*` tags is counted and named (never checked, never PASS); service-linked roles
/// are left out unless asked for. Sorted by name, so a run's order does not depend on IAM's.
fn discover<'r>(
    cat: &Catalogue,
    roles: impl Iterator<Item = (&'r str, &'r str, Option<&'r BTreeMap<String, String>>)>,
    d: &Discovery,
    run: &Run,
) -> Found {
    // A config entry is the role of its name in its account: an entry by ARN names one account
    // and must not stop the discovery of a role of the same name in another; an entry by bare
    // name is the role of the account being checked. IAM role names are unique in an account
    // case-insensitively (IAM User Guide, "IAM identifiers": names are not distinguished by case).
    let in_config: std::collections::BTreeSet<(Option<String>, String)> = run
        .jobs
        .iter()
        .filter_map(|j| match &j.plan.principal {
            crate::needs::plan::PrincipalSelector::Named(p)
                if p.kind == crate::iam::arn::PrincipalKind::Role =>
            {
                Some((p.account.clone(), p.name.to_lowercase()))
            }
            _ => None,
        })
        .collect();
    let mut roles: Vec<_> = roles.collect();
    roles.sort_by(|a, b| a.0.cmp(b.0));
    let (mut jobs, mut rejected, mut undescribed) = (Vec::new(), Vec::new(), Vec::new());
    let mut tags_not_read = Vec::new();
    let (mut service_linked, mut filtered, mut configured) = (0, 0, 0);
    let mut account = None;
    for (name, arn, tags) in roles {
        let role_account = crate::iam::arn::Arn::parse(arn).map(|a| a.account.to_string());
        if account.is_none() {
            account = role_account.clone();
        }
        let path = role_path(arn, name);
        if path.starts_with("/aws-service-role/") && !d.include_service_linked {
            service_linked += 1;
            continue;
        }
        if !d.path_prefix.as_deref().is_none_or(|p| path.starts_with(p)) {
            filtered += 1;
            continue;
        }
        let lower = name.to_lowercase();
        if in_config.contains(&(None, lower.clone()))
            || in_config.contains(&(role_account.clone(), lower))
        {
            configured += 1;
            continue;
        }
        // No `Tags` element in the read: whether the role is tagged (and so selected by
        // --tag, or described) is not known. Said, never taken as "untagged".
        let Some(tags) = tags else {
            tags_not_read.push(name.to_string());
            continue;
        };
        if !d.tags.iter().all(|f| f.matches(tags)) {
            filtered += 1;
            continue;
        }
        if !crate::needs::tags::is_described(tags) {
            undescribed.push(name.to_string());
            continue;
        }
        match crate::needs::tags::plan_from_tags(cat, arn, tags) {
            Ok(plan) => jobs.push(Job {
                name: name.to_string(),
                plan,
                allow_inconclusive: d.allow_inconclusive,
                expected: vec![],
                table_policies: d.table_policies,
                bucket_owner: None,
            }),
            Err(errors) => rejected.push((name.to_string(), errors.join("; "))),
        }
    }
    let mut summary = format!(
        "--all-roles: {} roles checked from their pydynox tags, {} from the config file, {} with tags that are not a check",
        jobs.len(),
        configured,
        rejected.len()
    );
    if !undescribed.is_empty() {
        summary.push_str(&format!(
            "; not described: {} roles (no pydynox:* tags, not checked): {}",
            undescribed.len(),
            undescribed.join(", ")
        ));
    }
    if !tags_not_read.is_empty() {
        summary.push_str(&format!(
            "; tags not read: {} roles (the read holds no Tags for them, not checked): {}",
            tags_not_read.len(),
            tags_not_read.join(", ")
        ));
    }
    if filtered > 0 {
        summary.push_str(&format!(
            "; {filtered} roles left out by --path-prefix/--tag"
        ));
    }
    if service_linked > 0 {
        summary.push_str(&format!(
            "; {service_linked} service-linked roles (path /aws-service-role/) left out (--include-service-linked checks them)"
        ));
    }
    Found {
        jobs,
        rejected,
        summary,
        outcome: ReadOutcome {
            account,
            fatal_reason: None,
            not_described: undescribed,
            tags_not_read,
        },
    }
}

/// A role's path from its ARN (`arn:aws:iam::A:role/PATH/NAME`): the reader has checked that
/// the ARN ends in the path and the name.
fn role_path(arn: &str, name: &str) -> String {
    let after = arn.split_once(":role").map(|(_, r)| r).unwrap_or("/");
    let path = after.strip_suffix(name).unwrap_or(after);
    if path.is_empty() {
        "/".into()
    } else {
        path.to_string()
    }
}

/// Runs the jobs, at most `--jobs` at once, sharing fetched managed policies. Each job reads
/// its tables' policies or not as its own plan says. With `grants_read`, the principals' own
/// policies came from one read of the account: said in each row's evidence, and the `auto`
/// engine is the local engine (no per-principal simulation; `--engine aws` or `both` still
/// simulates each principal).
async fn run_jobs<'j, A: Aws>(
    aws: &A,
    ctx: &RunContext<'_>,
    run: &Run,
    jobs: Vec<Cow<'j, Job>>,
    progress: Option<&ProgressBar>,
    grants_read: Option<&str>,
    on: OnDone<'_, 'j>,
) {
    // One bound on AWS requests in flight for the whole run, shared by the principals checked
    // at once: `--jobs` of them, or one audit's independent reads (see fetch::IN_FLIGHT).
    let cache = ManagedCache::with_in_flight(run.opts.jobs.max(crate::verdict::fetch::IN_FLIGHT));
    let cache = &cache;
    let engine = match (grants_read, ctx.engine) {
        (Some(_), EngineChoice::Auto) => EngineChoice::Local,
        (_, e) => e,
    };
    futures::stream::iter(jobs.into_iter().map(|job| async move {
        let job_ctx = RunContext {
            catalogue: ctx.catalogue,
            region: ctx.region.clone(),
            endpoint_url: ctx.endpoint_url.clone(),
            engine,
            table_policies: job.table_policies,
            stated: Statements {
                bucket_owner: job.bucket_owner.clone().or(ctx.stated.bucket_owner.clone()),
                ..ctx.stated.clone()
            },
        };
        let mut r = run_cached(aws, &job_ctx, &job.plan, cache).await;
        if let (Ok(report), Some(v)) = (&mut r, &run.compare) {
            let mut other = job.plan.clone();
            other.version = v.clone();
            match run_cached(aws, &job_ctx, &other, cache).await {
                Ok(mut b) => {
                    apply_expected(&mut b, &job.expected);
                    b.conclude(Gate {
                        allow_inconclusive: job.allow_inconclusive,
                        fail_on: run.opts.fail_on,
                    });
                    report.upgrade = Some(crate::verdict::upgrade::compare(report, &b));
                }
                Err(e) => report.notes.push(format!(
                    "--compare-version {v}: this principal could not be checked under it: {e}"
                )),
            }
        }
        if let (Ok(report), Some(source)) = (&mut r, grants_read) {
            if ctx.engine == EngineChoice::Auto {
                report.engine_reason = "auto: the principals' policies come from one read of the account, so the local engine decides (--engine aws simulates each principal)".to_string();
            }
            for row in &mut report.rows {
                row.evidence.grants_read = Some(source.to_string());
            }
        }
        if let Some(p) = progress {
            p.inc(1);
        }
        (job, r)
    }))
    .buffered(run.opts.jobs.max(1))
    .for_each(|done| {
        on(done);
        std::future::ready(())
    })
    .await
}

/// `--accounts`/`--organization` on a terminal: accounts done.
fn accounts_bar(accounts: usize) -> Option<ProgressBar> {
    if accounts <= 1 || !io::stderr().is_terminal() {
        return None;
    }
    let pb = ProgressBar::with_draw_target(
        Some(accounts as u64),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} accounts checked ({elapsed})")
    {
        pb.set_style(style);
    }
    Some(pb)
}

fn progress_bar(jobs: usize, discovering: bool) -> Option<ProgressBar> {
    if (jobs <= 3 && !discovering) || !io::stderr().is_terminal() {
        return None;
    }
    let pb =
        ProgressBar::with_draw_target(Some(jobs as u64), indicatif::ProgressDrawTarget::stderr());
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:40} {pos}/{len} principals checked ({elapsed})",
    ) {
        pb.set_style(style);
    }
    Some(pb)
}

// ---------------------------------------------------------------------------------------------
// 3. Each report finished: expected exceptions, least privilege, exit codes

/// Finishes a report: its expected exceptions, its least-privilege findings, then the one
/// verdict and exit-code rule ([`Report::conclude`]).
fn finish_one<'j>(
    job: Cow<'j, Job>,
    result: Result<Report, CheckError>,
    opts: &RunOptions,
) -> Finished<'j> {
    let result = result.map(|mut report| {
        apply_expected(&mut report, &job.expected);
        if opts.least_privilege {
            let mut findings = crate::verdict::least_privilege::analyze(
                &report.policies,
                &report.checks(),
                crate::iam::actions::snapshot(),
            );
            apply_overrides(&mut findings, &opts.overrides);
            report.least_privilege = Some(findings);
        }
        report.conclude(Gate {
            allow_inconclusive: job.allow_inconclusive,
            fail_on: opts.fail_on,
        });
        report
    });
    // With --compare-version, an upgrade that breaks a check fails the gate too.
    let exit_code = match &result {
        Ok(r) => exit::worst(
            std::iter::once(r.exit_code()).chain(r.upgrade.as_ref().map(|u| u.to_exit_code)),
        ),
        Err(e) => e.exit_code(),
    };
    Finished {
        job,
        result,
        exit_code,
    }
}

/// Key, bucket and table policy files that no checked resource used: a typo in the resource
/// they name, or a file for another run. Said only when every job was checked (a job that
/// failed may have been the one to use it).
fn unused_policy_files(o: &OfflineArgs, used_by: &sink::Used) -> Vec<String> {
    if !o.is_offline() || used_by.any_failed {
        return Vec::new();
    }
    let used = |kind: ResourcePolicyKind| -> Vec<&str> {
        used_by
            .resources
            .iter()
            .filter(|(k, _, _)| *k == kind)
            .map(|(_, resource, _)| resource.as_str())
            .collect()
    };
    let mut out = Vec::new();
    let keys = used(ResourcePolicyKind::KmsKey);
    for spec in o
        .key_policy_files
        .iter()
        .filter_map(|s| key_policy_spec(s).ok())
    {
        if let Some(k) = spec.resource
            && !keys.contains(&k.as_str())
        {
            out.push(format!(
                "--key-policy-file names key `{k}`, which no checked service uses (keys checked: {}); fix the key ARN or drop the file",
                list_or_none(&keys)
            ));
        }
    }
    let buckets = used(ResourcePolicyKind::S3Bucket);
    for spec in o
        .bucket_policy_files
        .iter()
        .filter_map(|s| bucket_policy_spec(s).ok())
    {
        if let Some(b) = spec.resource
            && !buckets.contains(&b.as_str())
        {
            out.push(format!(
                "--bucket-policy-file names bucket `{b}`, which no checked service uses (buckets checked: {}); fix the bucket name or drop the file",
                list_or_none(&buckets)
            ));
        }
    }
    let tables = used(ResourcePolicyKind::DynamoDbTable);
    // A name stands for the table of that name in the checked principal's own account.
    let by_name = |name: &str| {
        used_by.resources.iter().any(|(kind, resource, account)| {
            *kind == ResourcePolicyKind::DynamoDbTable
                && crate::iam::arn::table_name_of(resource) == Some(name)
                && crate::iam::arn::Arn::parse(resource).is_some_and(|a| a.account == *account)
        })
    };
    for spec in &o.table_policy_files {
        let Some((table, _)) = spec.split_once('=') else {
            continue;
        };
        let hit = match crate::iam::arn::table_arn_of(table) {
            Some(arn) => tables.contains(&arn),
            None => by_name(table),
        };
        if !hit {
            out.push(format!(
                "--table-policy-file names table `{table}`, which no checked service reads a policy for (tables read: {}); fix the table or drop the file",
                list_or_none(&tables)
            ));
        }
    }
    out
}

fn list_or_none(items: &[&str]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items
            .iter()
            .map(|i| format!("`{i}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn save_snapshot(path: &std::path::Path, snapshot: &Snapshot) -> io::Result<()> {
    let text = serde_json::to_string_pretty(snapshot).unwrap_or_default();
    std::fs::write(path, text + "\n")
}

// ---------------------------------------------------------------------------------------------
// 4. Rendering, in the chosen format, to standard output or `--output`

fn write_report(a: &CheckArgs, finished: &[Finished], is_fleet: bool) -> io::Result<()> {
    write_report_with(a, finished, is_fleet, &sink::Rest::default())
}

/// [`write_report`], with `--all-roles`' roles whose tags are not a check and the accounts
/// that could not be entered shown as services that could not be checked, and the accounts.
fn write_report_with(
    a: &CheckArgs,
    finished: &[Finished],
    is_fleet: bool,
    rest: &sink::Rest,
) -> io::Result<()> {
    let style = text_style(a.color, a.output.is_some());
    let mut services = services(finished);
    services.extend(rest.services());
    let accounts = &rest.accounts[..];
    let render = |w: &mut dyn Write| -> io::Result<()> {
        match (a.format, is_fleet) {
            (ReportFormat::Table, false) => {
                let r = finished[0].result.as_ref().expect("checked above");
                table::report_table(w, r, style, a.rows_view(), a.show_policies)?;
                crate::report::upgrade::upgrade_text(w, &[(&finished[0].job.name, r)])
            }
            (ReportFormat::Json, false) => {
                json::report_json(w, finished[0].result.as_ref().expect("checked above"))
            }
            (ReportFormat::Table, true) => {
                fleet::fleet_table(w, &services, style, a.rows_view(), a.show_policies)?;
                let reports: Vec<(&str, &Report)> = services
                    .iter()
                    .filter_map(|s| s.result.as_ref().ok().map(|r| (s.name, *r)))
                    .collect();
                crate::report::upgrade::upgrade_text(w, &reports)?;
                crate::report::accounts::accounts_text(w, accounts, false)
            }
            (ReportFormat::Json, true) => fleet::fleet_json_with(w, &services, accounts),
            (ReportFormat::Junit, _) => junit::junit_with(
                w,
                &service_reports(&services),
                &errored(&services),
                &crate::report::accounts::unchecked(accounts),
            ),
            (ReportFormat::Markdown, _) => {
                markdown::markdown(w, &service_reports(&services), &errored(&services))?;
                crate::report::accounts::accounts_text(w, accounts, true)
            }
            (ReportFormat::Html, _) => html::html_with(
                w,
                &service_reports(&services),
                &errored(&services),
                &crate::report::accounts::unchecked(accounts),
            ),
            (ReportFormat::Sarif, _) => sarif::sarif_with(
                w,
                &service_reports(&services),
                &errored(&services),
                &crate::report::accounts::unchecked(accounts),
            ),
        }
    };
    match &a.output {
        Some(path) => write_file(path, render),
        None => emit(render),
    }
}

/// Each job as the fleet views show it: its report, or why it could not be checked.
fn services<'a>(finished: &'a [Finished<'a>]) -> Vec<fleet::Service<'a>> {
    finished
        .iter()
        .map(|f| fleet::Service {
            name: &f.job.name,
            exit_code: f.exit_code,
            result: f.result.as_ref().map_err(|e| e.to_string()),
        })
        .collect()
}

/// The services that have a report, for the CI formats.
fn service_reports<'a>(services: &'a [fleet::Service<'a>]) -> Vec<ServiceReport<'a>> {
    services
        .iter()
        .filter_map(|s| {
            s.result.as_ref().ok().map(|r| ServiceReport {
                name: s.name,
                report: r,
                exit_code: s.exit_code,
            })
        })
        .collect()
}

/// The services that could not be checked, with why, for the CI formats.
fn errored<'a>(services: &'a [fleet::Service<'a>]) -> Vec<(&'a str, String)> {
    services
        .iter()
        .filter_map(|s| s.result.as_ref().err().map(|e| (s.name, e.clone())))
        .collect()
}
