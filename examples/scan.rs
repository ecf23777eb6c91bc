//! Runs the Python scan (`needs::scan`) over paths and prints a one-line summary, or the
//! report with `--table` / `--json`: the library alone, without the CLI (the `scan`
//! subcommand is the user's entry); `tests/benches/bench-scan.sh` times it as a whole process.
//!
//! Usage: cargo run --release --example scan -- [--table|--json] [--parse-all] PATH...

use std::path::PathBuf;

use pydynox_iam::needs::scan::{self, ScanOptions, render};

fn main() {
    let mut paths = Vec::new();
    let mut mode = "summary";
    let mut opts = ScanOptions::default();
    for a in std::env::args().skip(1) {
        match a.as_str() {
            "--table" => mode = "table",
            "--json" => mode = "json",
            "--parse-all" => opts.parse_all = true,
            _ => paths.push(PathBuf::from(a)),
        }
    }
    if paths.is_empty() {
        eprintln!("error: no path given; usage: scan [--table|--json] [--parse-all] PATH...");
        std::process::exit(2);
    }
    let report = match scan::scan(&paths, &opts) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let mut out = std::io::stdout().lock();
    let written = match mode {
        "table" => render::write_table(&mut out, &report),
        "json" => render::write_json(&mut out, &report),
        _ => {
            use std::io::Write;
            writeln!(
                out,
                "{} Python files ({} bytes), {} parsed, {} needs, {} unresolved, {} skipped, {} syntax errors",
                report.files.python_files,
                report.files.bytes,
                report.files.parsed,
                report.needs.len(),
                report.unresolved.len(),
                report.skipped.len(),
                report.parse_errors.len()
            )
        }
    };
    if written.is_err() {
        std::process::exit(3);
    }
}
