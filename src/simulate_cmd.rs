//! `pydynox-iam simulate`: offline evaluation of requests against policy files (placeholder
//! until the real implementation lands).

use std::io::{BufRead, Write};

#[derive(clap::Args, Debug)]
pub struct SimulateArgs {}

pub fn run(_args: &SimulateArgs, _stdin: &mut dyn BufRead, _out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let _ = writeln!(err, "error: simulate is not implemented yet");
    2
}
