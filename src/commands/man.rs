//! `pydynox-iam man`: prints the man page (roff) of the command line it is given (the caller
//! builds it, so this module need not know the parser).

use crate::commands::output::{emit, print_errors};
use crate::report::model::exit;

/// Writes the man page of `cmd` and returns the exit code.
pub fn execute(cmd: clap::Command) -> i32 {
    match emit(|w| clap_mangen::Man::new(cmd).render(w)) {
        Ok(()) => exit::PASS,
        Err(e) => {
            print_errors(&[format!("cannot write output: {e}")]);
            exit::ERROR
        }
    }
}
