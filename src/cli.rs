//! Command-line interface: clap definitions, turning flags into a validated [`CheckPlan`]
//! (no I/O), and running a command to an exit code. `main` only calls [`run`].

use std::io::{self, IsTerminal, Write};

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::arn::{PrincipalKind, parse_key_input, principal_from_arn, principal_from_input};
use crate::aws::{ConnectOptions, SdkAws, load_config};
use crate::catalogue::{Catalogue, parse_version};
use crate::check::{CheckError, RunContext};
use crate::plan::{CheckPlan, IndexSelection, PrincipalSelector, ResourceInputs, parse_context_arg, validate_resources};
use crate::render::{self, TextStyle};
use crate::report::{exit, exit_code};

pub const EXIT_CODES: &str = "\
Exit codes:
  0  every check passed (INCONCLUSIVE counts as passed only with --allow-inconclusive)
  1  at least one check FAILED, or was INCONCLUSIVE
  2  usage or input error (bad flag, unknown feature, a feature's resource flag missing)
  3  AWS or tool error (no credentials, principal not found, the auditor lacks an iam:
     permission, throttled beyond retries, network failure)";

#[derive(Debug, Parser)]
#[command(
    name = "pydynox-iam",
    version,
    about = "Check that an IAM role or user has every permission pydynox needs for the features a service uses",
    after_help = EXIT_CODES
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a principal against what pydynox needs, with IAM's policy simulator
    Check(Box<CheckArgs>),
    /// List pydynox features with the IAM actions and resources each one needs
    Features(FeaturesArgs),
    /// Evaluate requests against policy files offline, like `aws iam simulate-custom-policy`
    Simulate(crate::simulate_cmd::SimulateArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

/// Which evaluator decides (see `check --help`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Engine {
    /// IAM's SimulatePrincipalPolicy
    Aws,
    /// The offline engine over the fetched policies, with key, bucket and trust policies
    Local,
    /// Both, reporting every disagreement; a row passes only if both allow it
    Both,
    /// AWS's simulator on AWS, the local engine on LocalStack and offline
    Auto,
}

impl From<Engine> for crate::check::EngineChoice {
    fn from(e: Engine) -> Self {
        match e {
            Engine::Aws => crate::check::EngineChoice::Aws,
            Engine::Local => crate::check::EngineChoice::Local,
            Engine::Both => crate::check::EngineChoice::Both,
            Engine::Auto => crate::check::EngineChoice::Auto,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
#[command(after_help = EXIT_CODES)]
pub struct CheckArgs {
    /// Role to audit: name, role ARN, or assumed-role session ARN (arn:aws:sts::A:assumed-role/R/s)
    #[arg(long, conflicts_with_all = ["user", "principal"])]
    pub role: Option<String>,
    /// User to audit: name or user ARN (group policies are included)
    #[arg(long, conflicts_with = "principal")]
    pub user: Option<String>,
    /// Any principal ARN: role, user, or assumed-role session (as `aws sts get-caller-identity` prints it).
    /// With no --role/--user/--principal, the caller's own identity is audited
    #[arg(long)]
    pub principal: Option<String>,
    /// pydynox features the service uses, comma-separated or repeated (see `pydynox-iam features`;
    /// docs names such as basic-crud and kms-readwrite are accepted)
    #[arg(long, short = 'f', value_delimiter = ',', required = true)]
    pub features: Vec<String>,
    /// DynamoDB table name or ARN (repeatable)
    #[arg(long = "table", value_name = "NAME|ARN")]
    pub tables: Vec<String>,
    /// GSI/LSI name (repeatable), checked as table/T/index/NAME
    #[arg(long = "index", value_name = "NAME")]
    pub indexes: Vec<String>,
    /// Check every index of the table (table/T/index/*)
    #[arg(long, conflicts_with = "indexes")]
    pub all_indexes: bool,
    /// KMS key ARN or id used by EncryptedAttribute; an alias is resolved to its key ARN
    #[arg(long, value_name = "ARN|ID|ALIAS")]
    pub kms_key: Option<String>,
    /// S3 bucket used by S3Attribute
    #[arg(long)]
    pub bucket: Option<String>,
    /// S3 key prefix used by S3Attribute
    #[arg(long, default_value = "")]
    pub prefix: String,
    /// Role ARN passed to DynamoDBClient(role_arn=...), for the assume-role feature
    #[arg(long, value_name = "ARN")]
    pub assume_role_arn: Option<String>,
    /// pydynox release whose behaviour to check [default: newest known]
    #[arg(long, value_name = "VERSION")]
    pub pydynox_version: Option<String>,
    /// Extra request context for conditions: KEY=TYPE:VALUE[,VALUE] (TYPE defaults to string),
    /// e.g. aws:SourceIp=ip:10.0.0.1 (repeatable)
    #[arg(long = "context", value_name = "KEY=TYPE:VALUE")]
    pub context: Vec<String>,
    /// Which evaluator decides
    #[arg(long, value_enum, default_value_t = Engine::Auto)]
    pub engine: Engine,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Also print every policy fetched (the JSON report always includes them)
    #[arg(long)]
    pub show_policies: bool,
    /// Exit 0 when nothing FAILED even if some checks are INCONCLUSIVE
    #[arg(long)]
    pub allow_inconclusive: bool,
    /// Colour in table output (auto: only on a terminal, and never with NO_COLOR set)
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    #[command(flatten)]
    pub aws: AwsArgs,
}

#[derive(Debug, Args, Clone)]
pub struct AwsArgs {
    /// AWS region for resource ARNs and API calls [default: from the AWS config chain]
    #[arg(long)]
    pub region: Option<String>,
    /// Named profile from ~/.aws/config (SSO profiles work after `aws sso login`)
    #[arg(long)]
    pub profile: Option<String>,
    /// Endpoint URL for every AWS call (e.g. http://127.0.0.1:4566 for LocalStack);
    /// AWS_ENDPOINT_URL also works
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
}

#[derive(Debug, Args)]
pub struct FeaturesArgs {
    /// pydynox release whose behaviour to list [default: newest known]
    #[arg(long, value_name = "VERSION")]
    pub pydynox_version: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// Turns `check` flags into a plan, reporting every problem at once. No I/O.
pub fn build_plan(cat: &Catalogue, a: &CheckArgs) -> Result<CheckPlan, Vec<String>> {
    let mut errors = Vec::new();
    let principal = if let Some(r) = &a.role {
        principal_from_input(PrincipalKind::Role, r).map(PrincipalSelector::Named).map_err(|e| e.to_string())
    } else if let Some(u) = &a.user {
        principal_from_input(PrincipalKind::User, u).map(PrincipalSelector::Named).map_err(|e| e.to_string())
    } else if let Some(p) = &a.principal {
        principal_from_arn(p).map(PrincipalSelector::Named).map_err(|e| e.to_string())
    } else {
        Ok(PrincipalSelector::Caller)
    };
    let principal = principal.map_err(|e| errors.push(e)).ok();
    let features = cat.resolve_features(&a.features).map_err(|e| errors.push(e.to_string())).ok();
    let version = match &a.pydynox_version {
        Some(v) => parse_version(v).map_err(|e| errors.push(e.to_string())).ok(),
        None => Some(cat.newest()),
    };
    let kms_key = match &a.kms_key {
        Some(k) => match parse_key_input(k) {
            Some(k) => Some(k),
            None => {
                errors.push(format!("--kms-key `{k}` is not a KMS key ARN, key id or alias"));
                None
            }
        },
        None => None,
    };
    if let Some(r) = &a.assume_role_arn
        && principal_from_arn(r).map(|p| p.kind != PrincipalKind::Role || p.session.is_some()).unwrap_or(true)
    {
        errors.push(format!("--assume-role-arn `{r}` is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)"));
    }
    if let Some(b) = &a.bucket
        && (b.is_empty() || b.contains('/') || b.starts_with("arn:"))
    {
        errors.push(format!("--bucket `{b}` must be a bucket name (put the key prefix in --prefix)"));
    }
    let mut extra_context = Vec::new();
    for c in &a.context {
        match parse_context_arg(c) {
            Ok(e) => extra_context.push(e),
            Err(e) => errors.push(format!("--context: {e}")),
        }
    }
    let resources = ResourceInputs {
        tables: a.tables.clone(),
        indexes: if a.all_indexes {
            IndexSelection::All
        } else if a.indexes.is_empty() {
            IndexSelection::None
        } else {
            IndexSelection::Named(a.indexes.clone())
        },
        kms_key,
        bucket: a.bucket.clone(),
        prefix: a.prefix.clone(),
        assume_role_arn: a.assume_role_arn.clone(),
    };
    if let (Some(f), Some(v)) = (&features, &version)
        && let Err(errs) = validate_resources(cat, f, v, &resources)
    {
        errors.extend(errs);
    }
    match (principal, features, version) {
        (Some(principal), Some(features), Some(version)) if errors.is_empty() => {
            Ok(CheckPlan { principal, features, version, resources, extra_context })
        }
        _ => Err(errors),
    }
}

fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    }
}

fn text_style(choice: ColorChoice) -> TextStyle {
    let width = if io::stdout().is_terminal() {
        std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).or(Some(160))
    } else {
        None
    };
    TextStyle { color: use_color(choice), width }
}

/// Writes output; a closed pipe (`| head`) is not an error.
fn emit(f: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<(), io::Error> {
    let stdout = io::stdout();
    let mut lock = stdout.lock();
    match f(&mut lock).and_then(|_| lock.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

fn print_errors(errors: &[String]) {
    for e in errors {
        eprintln!("error: {e}");
    }
}

/// Runs the parsed command line and returns the process exit code.
pub async fn run(cli: Cli) -> i32 {
    let cat = Catalogue::embedded();
    match cli.command {
        Command::Features(a) => {
            let version = match &a.pydynox_version {
                Some(v) => match parse_version(v) {
                    Ok(v) => v,
                    Err(e) => {
                        print_errors(&[e.to_string()]);
                        return exit::USAGE;
                    }
                },
                None => cat.newest(),
            };
            let r = emit(|w| match a.format {
                Format::Json => render::features_json(w, &cat, &version),
                Format::Table => render::features_table(w, &cat, &version, text_style(ColorChoice::Auto)),
            });
            match r {
                Ok(()) => exit::PASS,
                Err(e) => {
                    print_errors(&[format!("cannot write output: {e}")]);
                    exit::ERROR
                }
            }
        }
        Command::Simulate(a) => {
            let stdin = io::stdin();
            let mut input = stdin.lock();
            let stdout = io::stdout();
            let mut out = stdout.lock();
            crate::simulate_cmd::run(&a, &mut input, &mut out, &mut io::stderr())
        }
        Command::Check(a) => {
            let plan = match build_plan(&cat, &a) {
                Ok(p) => p,
                Err(errors) => {
                    print_errors(&errors);
                    return exit::USAGE;
                }
            };
            let opts = ConnectOptions {
                region: a.aws.region.clone(),
                profile: a.aws.profile.clone(),
                endpoint_url: a.aws.endpoint_url.clone(),
            };
            let config = load_config(&opts).await;
            let aws = SdkAws::new(&config);
            let ctx = RunContext {
                catalogue: &cat,
                region: aws.region.clone(),
                endpoint_url: aws.endpoint_url.clone(),
                engine: a.engine.into(),
            };
            let report = match crate::check::run(&aws, &ctx, &plan).await {
                Ok(r) => r,
                Err(e) => {
                    print_errors(&[e.to_string()]);
                    return if e.is_usage() { exit::USAGE } else { exit::ERROR };
                }
            };
            let r = emit(|w| match a.format {
                Format::Json => render::report_json(w, &report),
                Format::Table => render::report_table(w, &report, text_style(a.color), a.show_policies),
            });
            if let Err(e) = r {
                print_errors(&[format!("cannot write output: {e}")]);
                return exit::ERROR;
            }
            exit_code(&report.summary, a.allow_inconclusive)
        }
    }
}

/// Maps a run error to its exit code (for callers that run the pipeline themselves).
pub fn error_exit_code(e: &CheckError) -> i32 {
    if e.is_usage() { exit::USAGE } else { exit::ERROR }
}
