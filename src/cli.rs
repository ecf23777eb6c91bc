//! The command line: the clap parser and its subcommands, and dispatch of a parsed command
//! to its module in [`commands`]. `main` only calls [`run`]. Flags live beside the command
//! that reads them; nothing here does any work itself.

use clap::{Parser, Subcommand};

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
    Simulate(commands::simulate::SimulateArgs),
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
