//! A fleet (`check --config`, many services in one run) as a table or as JSON: each
//! service's report, or why it could not be checked, then one line per service. The CI
//! formats ([`junit`](super::junit), [`markdown`](super::markdown)) show fleets too. Writes to
//! any `io::Write`; must not decide verdicts or exit codes (it is given them).

use std::io::{self, Write};

use crate::report::model::Report;
use crate::report::table::{self, TextStyle};

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
    show_policies: bool,
) -> io::Result<()> {
    for f in services {
        writeln!(w, "=== service `{}` ===", f.name)?;
        match &f.result {
            Ok(r) => table::report_table(w, r, style, show_policies)?,
            Err(e) => writeln!(w, "error: {e}")?,
        }
        writeln!(w)?;
    }
    writeln!(w, "Services:")?;
    let width = services.iter().map(|f| f.name.len()).max().unwrap_or(0);
    for f in services {
        let status = match &f.result {
            Ok(r) => {
                let waived = r.rows.iter().filter(|x| x.waived.is_some()).count();
                format!(
                    "{} ({} checks: {} pass, {} fail, {} inconclusive{}) exit {}",
                    r.summary.verdict.as_str(),
                    r.summary.total,
                    r.summary.counts.pass,
                    r.summary.counts.fail,
                    r.summary.counts.inconclusive,
                    if waived > 0 {
                        format!(", {waived} expected")
                    } else {
                        String::new()
                    },
                    f.exit_code
                )
            }
            Err(_) => format!("ERROR exit {}", f.exit_code),
        };
        writeln!(w, "  {:width$}  {status}", f.name)?;
    }
    Ok(())
}

#[derive(serde::Serialize)]
struct FleetService<'a> {
    name: &'a str,
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
}

/// The fleet as JSON: schema `pydynox-iam/fleet/v1`, one object per service, each with its
/// report in the `pydynox-iam/check/v1` schema.
pub fn fleet_json(w: &mut dyn Write, services: &[Service]) -> io::Result<()> {
    let fleet = Fleet {
        schema: "pydynox-iam/fleet/v1",
        tool_version: env!("CARGO_PKG_VERSION"),
        services: services
            .iter()
            .map(|f| FleetService {
                name: f.name,
                exit_code: f.exit_code,
                error: f.result.as_ref().err().cloned(),
                report: f.result.as_ref().ok().copied(),
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *w, &fleet)?;
    writeln!(w)
}
