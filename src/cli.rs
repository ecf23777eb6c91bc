//! Command-line interface: clap definitions, turning flags into a validated [`CheckPlan`]
//! (no I/O), and running a command to an exit code. `main` only calls [`run`].

use std::io::{self, IsTerminal, Write};

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::needs::catalogue::{Catalogue, parse_version};
use crate::needs::plan::{PlanInput, PrincipalSelector};
use crate::report::model::exit;
use crate::report::table::{self, TextStyle};

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
    /// Log to stderr the resolved endpoint, region and principal, and each AWS call (never
    /// credentials or tokens)
    #[arg(short, long, global = true)]
    pub verbose: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a principal against what pydynox needs (IAM's policy simulator and/or the local engine)
    Check(Box<CheckArgs>),
    /// List pydynox features with the IAM actions and resources each one needs
    Features(FeaturesArgs),
    /// Evaluate requests against policy files offline, like `aws iam simulate-custom-policy`
    Simulate(crate::commands::simulate::SimulateArgs),
    /// Explain an AccessDenied error a pydynox service logged, and print the fix
    Why(Box<crate::commands::why::WhyArgs>),
    /// Print the minimal IAM policy pydynox needs for the declared features and resources
    Policy(Box<crate::commands::policy::PolicyArgs>),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. `pydynox-iam man > pydynox-iam.1`
    Man,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

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

impl From<Engine> for crate::verdict::pipeline::EngineChoice {
    fn from(e: Engine) -> Self {
        match e {
            Engine::Aws => crate::verdict::pipeline::EngineChoice::Aws,
            Engine::Local => crate::verdict::pipeline::EngineChoice::Local,
            Engine::Both => crate::verdict::pipeline::EngineChoice::Both,
            Engine::Auto => crate::verdict::pipeline::EngineChoice::Auto,
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
    /// S3 key prefix used by S3Attribute
    #[arg(long, default_value = "", help_heading = "Resources")]
    pub prefix: String,
    /// Role ARN passed to DynamoDBClient(role_arn=...), for the assume-role feature
    #[arg(long, value_name = "ARN", help_heading = "Resources")]
    pub assume_role_arn: Option<String>,
    /// pydynox release whose behaviour to check [default: newest known]
    #[arg(long, value_name = "VERSION")]
    pub pydynox_version: Option<String>,
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
    pub fleet: FleetArgs,
    #[command(flatten)]
    pub offline: OfflineArgs,
    #[command(flatten)]
    pub aws: AwsArgs,
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
    /// Replay a saved run offline; its JSON report is the same, byte for byte
    #[arg(long, value_name = "FILE")]
    pub from_snapshot: Option<std::path::PathBuf>,
}

/// Offline input: check policy files instead of fetching from AWS (engine: local).
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Offline input (no AWS calls)")]
pub struct OfflineArgs {
    /// Identity policy JSON file of the principal (repeatable; the file stem names the policy).
    /// The principal must be named by ARN (for `check`: --role/--user/--principal ARN)
    #[arg(
        long = "policy-file",
        value_name = "FILE",
        conflicts_with = "from_auth_details"
    )]
    pub policy_files: Vec<std::path::PathBuf>,
    /// Permissions boundary JSON file
    #[arg(long, value_name = "FILE", conflicts_with = "from_auth_details")]
    pub boundary_file: Option<std::path::PathBuf>,
    /// The output of `aws iam get-account-authorization-details` (JSON); the principal is looked up in it
    #[arg(long, value_name = "FILE")]
    pub from_auth_details: Option<std::path::PathBuf>,
    /// The KMS key policy JSON file (without it, KMS rows are inconclusive offline)
    #[arg(long, value_name = "FILE")]
    pub key_policy_file: Option<std::path::PathBuf>,
    /// The S3 bucket policy JSON file (without it or --no-bucket-policy, S3 rows are inconclusive offline)
    #[arg(long, value_name = "FILE", conflicts_with = "no_bucket_policy")]
    pub bucket_policy_file: Option<std::path::PathBuf>,
    /// The bucket has no bucket policy
    #[arg(long)]
    pub no_bucket_policy: bool,
    /// A DynamoDB table's resource policy, as TABLE=FILE (repeatable; offline, a table without
    /// one has inconclusive rows unless --no-table-policy)
    #[arg(
        long = "table-policy-file",
        value_name = "TABLE=FILE",
        conflicts_with = "no_table_policy"
    )]
    pub table_policy_files: Vec<String>,
    /// The tables have no resource policies: do not read them (online, skips
    /// dynamodb:GetResourcePolicy; for LocalStack, whose DynamoDB may not run). Reports say so
    #[arg(long)]
    pub no_table_policy: bool,
}

impl OfflineArgs {
    pub fn table_policies(&self) -> crate::verdict::pipeline::TablePolicies {
        if self.no_table_policy {
            crate::verdict::pipeline::TablePolicies::AssumeNone
        } else {
            crate::verdict::pipeline::TablePolicies::Read
        }
    }

    pub fn is_offline(&self) -> bool {
        !self.policy_files.is_empty()
            || self.boundary_file.is_some()
            || self.from_auth_details.is_some()
    }
}

fn read_file(path: &std::path::Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))
}

fn file_stem(path: &std::path::Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// Reads the offline inputs into an account. All file problems are reported at once.
pub fn load_offline(
    o: &OfflineArgs,
    principal_input: Option<&str>,
    principal_sel: &PrincipalSelector,
) -> Result<crate::grants::offline::OfflineAccount, Vec<String>> {
    use crate::grants::offline::{BucketPolicyInput, OfflineAccount};
    let mut errors = Vec::new();
    // TABLE=FILE specs are checked before any file is read.
    let table_specs: Vec<(&str, &str)> = o
        .table_policy_files
        .iter()
        .filter_map(|spec| {
            let parsed = spec
                .split_once('=')
                .filter(|(t, p)| !t.is_empty() && !p.is_empty());
            if parsed.is_none() {
                errors.push(format!(
                    "--table-policy-file `{spec}` must be TABLE=FILE (a table name or ARN, then the policy file)"
                ));
            }
            parsed
        })
        .collect();
    let mut read = |p: &std::path::Path| read_file(p).map_err(|e| errors.push(e)).ok();
    let key_policy = o.key_policy_file.as_deref().and_then(&mut read);
    let bucket = match (&o.bucket_policy_file, o.no_bucket_policy) {
        (Some(p), _) => read(p)
            .map(BucketPolicyInput::Document)
            .unwrap_or(BucketPolicyInput::Unknown),
        (None, true) => BucketPolicyInput::None,
        (None, false) => BucketPolicyInput::Unknown,
    };
    let table_policies: std::collections::HashMap<String, String> = table_specs
        .into_iter()
        .filter_map(|(table, path)| {
            let name = crate::iam::arn::table_name_of(table).unwrap_or(table);
            read(std::path::Path::new(path)).map(|text| (name.to_string(), text))
        })
        .collect();
    let account = if let Some(path) = &o.from_auth_details {
        read(path).and_then(|text| {
            OfflineAccount::from_authorization_details(&text)
                .map_err(|es| {
                    errors.extend(es.into_iter().map(|e| format!("`{}`: {e}", path.display())))
                })
                .ok()
        })
    } else {
        let policies: Vec<(String, String)> = o
            .policy_files
            .iter()
            .filter_map(|p| read(p).map(|t| (file_stem(p), t)))
            .collect();
        let boundary = o
            .boundary_file
            .as_ref()
            .and_then(|p| read(p).map(|t| (file_stem(p), t)));
        let principal = match principal_sel {
            PrincipalSelector::Named(p) if p.account.is_some() => Some(p),
            _ => {
                errors.push(
                    "with --policy-file, name the principal by ARN (--role arn:aws:iam::ACCOUNT:role/NAME): its account is part of every resource ARN".into(),
                );
                None
            }
        };
        principal.map(|p| {
            let input = principal_input.unwrap_or_default();
            let partition = crate::iam::arn::Arn::parse(input)
                .map(|x| x.partition.to_string())
                .unwrap_or_else(|| "aws".into());
            let arn = format!(
                "arn:{partition}:iam::{}:{}/{}",
                p.account.as_deref().unwrap_or_default(),
                p.kind.as_str(),
                p.name
            );
            // A role ARN given with a path keeps it.
            let arn = if input.starts_with("arn:") && input.contains(":iam::") {
                input.to_string()
            } else {
                arn
            };
            OfflineAccount::from_policy_files(&arn, p, policies, boundary)
        })
    };
    match account {
        Some(acc) if errors.is_empty() => Ok(acc
            .with_key_policy(key_policy)
            .with_bucket_policy(bucket)
            .with_table_policies(table_policies)),
        _ => Err(errors),
    }
}

/// The region for offline checks when --region is not given: AWS_REGION, else
/// AWS_DEFAULT_REGION. No configuration chain (it could query the instance metadata service).
pub fn env_region() -> Option<String> {
    std::env::var("AWS_REGION")
        .ok()
        .or_else(|| std::env::var("AWS_DEFAULT_REGION").ok())
        .filter(|r| !r.is_empty())
}

impl AwsArgs {
    /// The SDK adapter for these flags, over the normal AWS configuration chain.
    pub async fn connect(
        &self,
        default_region: Option<String>,
        log: crate::grants::sdk::CallLog,
    ) -> crate::grants::sdk::SdkAws {
        let conn = crate::grants::sdk::ConnectOptions {
            region: self.region.clone().or(default_region),
            profile: self.profile.clone(),
            endpoint_url: self.endpoint_url.clone(),
        };
        crate::grants::sdk::SdkAws::with_call_log(
            &crate::grants::sdk::load_config(&conn).await,
            log,
        )
    }
}

#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "AWS connection")]
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
            prefix: self.prefix.clone(),
            assume_role_arn: self.assume_role_arn.clone(),
            pydynox_version: self.pydynox_version.clone(),
            context: self.context.clone(),
        }
    }
}

fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

/// Layout for text output: colour and wrapping only on a terminal (never into a file).
pub fn text_style(choice: ColorChoice, to_file: bool) -> TextStyle {
    if to_file {
        return TextStyle {
            color: choice == ColorChoice::Always,
            width: None,
        };
    }
    let width = if io::stdout().is_terminal() {
        std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.parse().ok())
            .or(Some(160))
    } else {
        None
    };
    TextStyle {
        color: use_color(choice),
        width,
    }
}

/// Writes output; a closed pipe (`| head`) is not an error.
pub fn emit(f: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<(), io::Error> {
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
    let verbose = cli.verbose;
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
                Format::Json => table::features_json(w, &cat, &version),
                Format::Table => {
                    table::features_table(w, &cat, &version, text_style(ColorChoice::Auto, false))
                }
            });
            match r {
                Ok(()) => exit::PASS,
                Err(e) => {
                    print_errors(&[format!("cannot write output: {e}")]);
                    exit::ERROR
                }
            }
        }
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let r = emit(|w| {
                clap_complete::generate(shell, &mut cmd, "pydynox-iam", w);
                Ok(())
            });
            if r.is_err() { exit::ERROR } else { exit::PASS }
        }
        Command::Man => {
            let cmd = <Cli as clap::CommandFactory>::command();
            match emit(|w| clap_mangen::Man::new(cmd).render(w)) {
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
            crate::commands::simulate::run(&a, &mut input, &mut out, &mut io::stderr())
        }
        Command::Check(a) => crate::commands::check::execute(&cat, &a, verbose).await,
        Command::Why(a) => crate::commands::why::execute(&cat, &a).await,
        Command::Policy(a) => crate::commands::policy::execute(&cat, &a),
    }
}
