//! A fleet (`check --config`, many services in one run) as a table or as JSON: each
//! service's report, or why it could not be checked, then one line per service. The CI
//! formats ([`junit`](super::junit), [`markdown`](super::markdown)) show fleets too. Writes to
//! any `io::Write`; must not decide verdicts or exit codes (it is given them).

use std::io::{self, Write};

use crate::report::model::Report;
use crate::report::table::{self, RowsView, TextStyle};

/// One service of a fleet run, as the caller finished it.
#[derive(Debug, Clone)]
pub struct Service<'a> {
    pub name: &'a str,
    /// The service's exit code, computed by the caller.
    pub exit_code: i32,
    /// Its report, or the error that stopped its check.
    pub result: Result<&'a Report, String>,
}

/// The fleet as tables: a section per service, then one line per service.
pub fn fleet_table(
    w: &mut dyn Write,
    services: &[Service],
    style: TextStyle,
    view: RowsView,
    show_policies: bool,
) -> io::Result<()> {
    for f in services {
        writeln!(w, "=== service `{}` ===", f.name)?;
        match &f.result {
            Ok(r) => table::report_table(w, r, style, view, show_policies)?,
            Err(e) => writeln!(w, "error: {e}")?,
        }
        writeln!(w)?;
    }
    writeln!(w, "Services:")?;
    let width = services.iter().map(|f| f.name.len()).max().unwrap_or(0);
    for f in services {
        let status = match &f.result {
            Ok(r) => {
                let s = &r.summary;
                let mut counts = format!(
                    "{} checks: {} pass, {} fail, {} inconclusive",
                    s.total, s.counts.pass, s.counts.fail, s.counts.inconclusive
                );
                if s.counts.waived > 0 {
                    counts.push_str(&format!(", {} expected", s.counts.waived));
                }
                if s.findings_failing > 0 {
                    counts.push_str(&format!(
                        ", {} failing least-privilege findings",
                        s.findings_failing
                    ));
                }
                if !r.expected_unmatched.is_empty() {
                    counts.push_str(&format!(
                        ", {} unmatched expected exceptions",
                        r.expected_unmatched.len()
                    ));
                }
                format!("{} ({counts}) exit {}", r.verdict_label(), f.exit_code)
            }
            Err(_) => format!("ERROR exit {}", f.exit_code),
        };
        writeln!(w, "  {:width$}  {status}", f.name)?;
    }
    let (label, code) = overall(services);
    writeln!(w, "Overall: {label} exit {code}")?;
    Ok(())
}

/// The run's headline and exit code over its services (the worst exit code: 2 outranks 3
/// outranks 1).
fn overall(services: &[Service]) -> (String, i32) {
    let checked: Vec<(crate::report::model::Verdict, i32)> = services
        .iter()
        .filter_map(|s| {
            s.result
                .as_ref()
                .ok()
                .map(|r| (r.summary.verdict, s.exit_code))
        })
        .collect();
    let errored = services.iter().filter(|s| s.result.is_err()).count();
    let code = crate::report::model::exit::worst(services.iter().map(|s| s.exit_code));
    (crate::report::ci::overall_label(&checked, errored), code)
}

#[derive(serde::Serialize)]
struct FleetService<'a> {
    name: &'a str,
    /// With `accounts`: the account the service was checked in.
    #[serde(skip_serializing_if = "Option::is_none")]
    account: Option<&'a str>,
    exit_code: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    report: Option<&'a Report>,
}

#[derive(serde::Serialize)]
struct Fleet<'a> {
    schema: &'static str,
    tool_version: &'static str,
    services: Vec<FleetService<'a>>,
    /// The run's headline (as Markdown's) and exit code.
    verdict: String,
    exit_code: i32,
    /// `--all-roles`, `--accounts`, `--organization`: each account, how it was entered, its
    /// status and reason, and the roles found but not checked.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    accounts: &'a [crate::report::accounts::AccountEntry],
}

/// The fleet as JSON: schema `pydynox-iam/fleet/v1`, one object per service, each with its
/// report in the `pydynox-iam/check/v1` schema, then the run's `verdict` and `exit_code`.
pub fn fleet_json(w: &mut dyn Write, services: &[Service]) -> io::Result<()> {
    fleet_json_with(w, services, &[])
}

/// [`fleet_json`] with the run's accounts: a top-level `accounts` list, and each service's
/// `account` (its report's principal's, or the `ACCOUNT/` its name starts with).
pub fn fleet_json_with(
    w: &mut dyn Write,
    services: &[Service],
    accounts: &[crate::report::accounts::AccountEntry],
) -> io::Result<()> {
    let (verdict, exit_code) = overall(services);
    let account_of = |f: &Service<'_>| -> Option<String> {
        if accounts.is_empty() {
            return None;
        }
        match &f.result {
            Ok(r) => Some(r.principal.account.clone()),
            Err(_) => f
                .name
                .split_once('/')
                .map(|(a, _)| a)
                .or(Some(f.name))
                .filter(|a| crate::iam::names::is_account_id(a))
                .map(str::to_string),
        }
    };
    let owned: Vec<Option<String>> = services.iter().map(account_of).collect();
    let fleet = Fleet {
        verdict,
        exit_code,
        schema: "pydynox-iam/fleet/v1",
        tool_version: env!("CARGO_PKG_VERSION"),
        services: services
            .iter()
            .zip(&owned)
            .map(|(f, account)| FleetService {
                name: f.name,
                account: account.as_deref(),
                exit_code: f.exit_code,
                error: f.result.as_ref().err().cloned(),
                report: f.result.as_ref().ok().copied(),
            })
            .collect(),
        accounts,
    };
    serde_json::to_writer_pretty(&mut *w, &fleet)?;
    writeln!(w)
}
