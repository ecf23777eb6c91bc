//! `pydynox-iam man`: prints the man page (roff) of the command line it is given, or of one of
//! its subcommands, or writes every page to a directory (the caller builds the command line,
//! so this module need not know the parser).

use clap::Args;

use crate::commands::output::{emit, print_errors};
use crate::report::model::exit;

#[derive(Debug, Args)]
pub struct ManArgs {
    /// The subcommand whose page to print (check, features, simulate, why, policy,
    /// completions, man); without it, the top page
    #[arg(value_name = "SUBCOMMAND", conflicts_with = "out_dir")]
    pub subcommand: Option<String>,
    /// Write every page (pydynox-iam.1, pydynox-iam-check.1, ...) to DIR instead
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<std::path::PathBuf>,
}

/// Writes the requested man page(s) of `cmd` and returns the exit code.
pub fn execute(cmd: clap::Command, a: &ManArgs) -> i32 {
    // Built once, so subcommands carry their display names (`pydynox-iam-check`) and every
    // page lists the same options as `--help`.
    let mut cmd = cmd.disable_help_subcommand(true);
    cmd.build();
    if let Some(dir) = &a.out_dir {
        return match clap_mangen::generate_to(cmd, dir) {
            Ok(()) => exit::PASS,
            Err(e) => {
                print_errors(&[format!(
                    "cannot write man pages to `{}`: {e}",
                    dir.display()
                )]);
                exit::ERROR
            }
        };
    }
    let page = match &a.subcommand {
        None => cmd,
        Some(name) => match cmd.find_subcommand(name) {
            Some(sub) => sub.clone(),
            None => {
                let known: Vec<&str> = cmd.get_subcommands().map(|s| s.get_name()).collect();
                print_errors(&[format!(
                    "`{name}` is not a subcommand; known: {}",
                    known.join(", ")
                )]);
                return exit::USAGE;
            }
        },
    };
    match emit(|w| clap_mangen::Man::new(page).render(w)) {
        Ok(()) => exit::PASS,
        Err(e) => {
            print_errors(&[format!("cannot write output: {e}")]);
            exit::ERROR
        }
    }
}
