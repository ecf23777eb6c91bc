//! `pydynox-iam scan PATH...`: reads a service's Python code (`needs::scan`) and prints what
//! pydynox will need, as a table, as JSON (`pydynox-iam/scan/v1`) or as a `[[service]]`
//! stanza for `pydynox-iam.toml`. No AWS call, no verdict: `check --app` decides.
//!
//! Exit codes: 0 once the paths were scanned, even when some files have syntax errors (the
//! rest of each such file is still read; the errors are in the report and a warning on
//! stderr says how many), or when calls are unresolved (listed in the report; `check --app`
//! makes them INCONCLUSIVE); 2 for bad input (a path that does not exist, a bad `--env` or
//! `--pydynox-version`); 3 when the output cannot be written.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::commands::output::{emit, print_errors};
use crate::needs::catalogue::Catalogue;
use crate::needs::scan::{self, ScanOptions, ScanReport, render};

use crate::report::model::exit;

/// Exit codes of `scan`, shown by its `--help`.
pub const SCAN_EXIT_CODES: &str = "\
Exit codes:
  0  the paths were scanned (syntax errors in some files are reported and the rest still
     read; unresolved calls are listed, and `check --app` makes them INCONCLUSIVE)
  2  usage or input error (a path that does not exist, a bad --env or --pydynox-version)
  3  the output could not be written";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScanFormat {
    /// Needs grouped by feature, each with its evidence, for people
    Table,
    /// The documented JSON schema (pydynox-iam/scan/v1)
    Json,
}

#[derive(Debug, Args)]
#[command(after_help = SCAN_EXIT_CODES)]
pub struct ScanArgs {
    /// Python files or folders of the service (folders are walked honouring .gitignore;
    /// virtualenvs, site-packages and node_modules are skipped)
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = ScanFormat::Table, conflicts_with = "emit_config")]
    pub format: ScanFormat,
    /// Print a [[service]] stanza for pydynox-iam.toml instead of the report (names that are
    /// still unresolved are written as comments)
    #[arg(long)]
    pub emit_config: bool,
    /// The `name` of the emitted [[service]] [default: the folder's name]
    #[arg(long, value_name = "NAME", requires = "emit_config")]
    pub service_name: Option<String>,
    /// The deployed value of an environment variable the code reads a name from
    /// (repeatable); a default in the code never stands for the deployed value
    #[arg(long = "env", value_name = "NAME=VALUE")]
    pub env: Vec<String>,
    /// pydynox release to read the code as [default: from requirements*.txt, pyproject.toml,
    /// uv.lock or poetry.lock]
    #[arg(long, value_name = "VERSION")]
    pub pydynox_version: Option<String>,
    /// Read test files too (tests/, test_*.py, conftest.py); listed as skipped otherwise
    #[arg(long)]
    pub include_tests: bool,
}

/// Scans the paths; errors are messages for the user.
pub fn run_scan(paths: &[PathBuf], opts: &ScanOptions) -> Result<ScanReport, Vec<String>> {
    scan::scan(paths, opts).map_err(|e| vec![e.to_string()])
}

/// The service name an emitted stanza gets when none is given: the scanned folder's name.
fn default_service_name(paths: &[PathBuf]) -> String {
    let p = paths.first().cloned().unwrap_or_default();
    let p = std::fs::canonicalize(&p).unwrap_or(p);
    let dir = if p.is_file() {
        p.parent().map(|d| d.to_path_buf()).unwrap_or_default()
    } else {
        p
    };
    // `src/` says little: the service is usually its parent.
    let name_of = |d: &std::path::Path| d.file_name().map(|n| n.to_string_lossy().to_string());
    match name_of(&dir) {
        Some(n) if n == "src" || n == "app" => dir.parent().and_then(name_of).unwrap_or(n),
        Some(n) => n,
        None => "service".into(),
    }
}

pub fn execute(cat: &Catalogue, a: &ScanArgs) -> i32 {
    let opts = match crate::needs::app::scan_options(
        cat,
        &a.env,
        a.pydynox_version.as_deref(),
        a.include_tests,
    ) {
        Ok(o) => o,
        Err(e) => {
            print_errors(&e);
            return exit::USAGE;
        }
    };
    let report = match run_scan(&a.paths, &opts) {
        Ok(r) => r,
        Err(e) => {
            print_errors(&e);
            return exit::USAGE;
        }
    };
    let written = emit(|mut w| {
        if a.emit_config {
            let name = a
                .service_name
                .clone()
                .unwrap_or_else(|| default_service_name(&a.paths));
            render::write_config_stanza(&mut w, &report, &name)
        } else {
            match a.format {
                ScanFormat::Table => render::write_table(&mut w, &report),
                ScanFormat::Json => render::write_json(&mut w, &report),
            }
        }
    });
    if let Err(e) = written {
        print_errors(&[format!("cannot write output: {e}")]);
        return exit::ERROR;
    }
    if !report.parse_errors.is_empty() {
        let files: std::collections::BTreeSet<&str> = report
            .parse_errors
            .iter()
            .map(|p| p.location.file.as_str())
            .collect();
        eprintln!(
            "warning: {} syntax error(s) in {} file(s); the rest of each file was still read (see the report)",
            report.parse_errors.len(),
            files.len()
        );
    }
    exit::PASS
}
