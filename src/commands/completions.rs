//! `pydynox-iam completions SHELL`: prints a shell completion script for the command line it
//! is given (the caller builds it, so this module need not know the parser).

use crate::commands::output::emit;
use crate::report::model::exit;

/// Writes the completion script of `cmd` for `shell` and returns the exit code.
pub fn execute(mut cmd: clap::Command, shell: clap_complete::Shell) -> i32 {
    let r = emit(|w| {
        clap_complete::generate(shell, &mut cmd, "pydynox-iam", w);
        Ok(())
    });
    if r.is_err() { exit::ERROR } else { exit::PASS }
}
