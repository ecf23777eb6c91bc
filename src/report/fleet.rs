//! A fleet (`check --config`, many services in one run) as a table or as JSON: each
//! service's report, or why it could not be checked, then one line per service. The CI
//! formats ([`junit`](super::junit), [`markdown`](super::markdown)) show fleets too. Writes to
//! any `io::Write`; must not decide verdicts or exit codes (it is given them).

use std::io::{self, Write};

use crate::report::accounts::AccountEntry;
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
    let mut footer = Footer::default();
    for f in services {
        table_section(w, f, style, view, show_policies)?;
        footer.add(f);
    }
    footer.table(w)
}

/// One service's section of the fleet table (its report, or why it could not be checked),
/// written as soon as it is finished: `check` streams a fleet's sections (see [`Footer`]).
pub fn table_section(
    w: &mut dyn Write,
    f: &Service,
    style: TextStyle,
    view: RowsView,
    show_policies: bool,
) -> io::Result<()> {
    writeln!(w, "=== service `{}` ===", f.name)?;
    match &f.result {
        Ok(r) => table::report_table(w, r, style, view, show_policies)?,
        Err(e) => writeln!(w, "error: {e}")?,
    }
    writeln!(w)
}

/// What the end of a fleet report needs of each service once its section is written: its
/// name and status line (the table's "Services:" list), its verdict and exit code (the
/// headline). A few dozen bytes per service, so a streamed fleet keeps no report until the end.
#[derive(Debug, Default)]
pub struct Footer {
    lines: Vec<(String, String)>,
    checked: Vec<(crate::report::model::Verdict, i32)>,
    codes: Vec<i32>,
    errored: usize,
    /// Exit codes of the run beyond its services (a run that checked none).
    run_codes: Vec<i32>,
}

impl Footer {
    /// Counts a service whose section was written.
    pub fn add(&mut self, f: &Service) {
        self.lines.push((f.name.to_string(), status(f)));
        self.codes.push(f.exit_code);
        match &f.result {
            Ok(r) => self.checked.push((r.summary.verdict, f.exit_code)),
            Err(_) => self.errored += 1,
        }
    }

    /// Counts an exit code of the run that is no service's (the headline's exit code).
    pub fn count_code(&mut self, code: i32) {
        self.run_codes.push(code);
    }

    /// Whether no service was counted yet.
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// The run's headline and exit code over its services (the worst exit code: 2 outranks 3
    /// outranks 1).
    pub fn overall(&self) -> (String, i32) {
        let code =
            crate::report::model::exit::worst(self.codes.iter().chain(&self.run_codes).copied());
        (
            crate::report::ci::overall_label(&self.checked, self.errored),
            code,
        )
    }

    /// The table's end: one line per service, then the headline.
    pub fn table(&self, w: &mut dyn Write) -> io::Result<()> {
        writeln!(w, "Services:")?;
        let width = self.lines.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
        for (name, status) in &self.lines {
            writeln!(w, "  {name:width$}  {status}")?;
        }
        let (label, code) = self.overall();
        writeln!(w, "Overall: {label} exit {code}")?;
        Ok(())
    }
}

/// A service's line in the table's "Services:" list.
fn status(f: &Service) -> String {
    match &f.result {
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
    }
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

/// The whole document as one value: what the streamed pieces must write, byte for byte.
#[cfg(test)]
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
    accounts: &'a [AccountEntry],
}

/// The fleet as JSON: schema `pydynox-iam/fleet/v1`, one object per service, each with its
/// report in the `pydynox-iam/check/v1` schema, then the run's `verdict` and `exit_code`.
pub fn fleet_json(w: &mut dyn Write, services: &[Service]) -> io::Result<()> {
    fleet_json_with(w, services, &[])
}

/// [`fleet_json`] with the run's accounts (`--all-roles`, `--accounts`, `--organization`): a
/// top-level `accounts` list, and each service's `account` ([`account_of`]).
pub fn fleet_json_with(
    w: &mut dyn Write,
    services: &[Service],
    accounts: &[AccountEntry],
) -> io::Result<()> {
    let mut footer = Footer::default();
    json_begin(w)?;
    for (i, f) in services.iter().enumerate() {
        let account = if accounts.is_empty() {
            None
        } else {
            account_of(f)
        };
        json_service(w, f, i == 0, account.as_deref())?;
        footer.add(f);
    }
    json_end(w, &footer, accounts)
}

/// The account a service was checked in: its report's principal's, or for a service that
/// could not be checked the `ACCOUNT/` its name starts with (or its name, when it is an account
/// that could not be entered).
pub fn account_of(f: &Service) -> Option<String> {
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
}

/// The fleet JSON's head, up to its `services` array's opening bracket. The document is
/// written in pieces ([`json_service`] as each service finishes, [`json_end`] with the totals
/// last) and is byte for byte what serde_json's pretty printer writes for the whole (tested).
pub fn json_begin(w: &mut dyn Write) -> io::Result<()> {
    write!(
        w,
        "{{\n  \"schema\": {},\n  \"tool_version\": {},\n  \"services\": [",
        serde_json::to_string(SCHEMA)?,
        serde_json::to_string(env!("CARGO_PKG_VERSION"))?
    )
}

/// One service of the fleet JSON, as an element of the `services` array (indented two levels;
/// JSON strings hold no raw line break, so indenting every line is exact).
pub fn json_service(
    w: &mut dyn Write,
    f: &Service,
    first: bool,
    account: Option<&str>,
) -> io::Result<()> {
    let element = FleetService {
        name: f.name,
        account,
        exit_code: f.exit_code,
        error: f.result.as_ref().err().cloned(),
        report: f.result.as_ref().ok().copied(),
    };
    let text = serde_json::to_string_pretty(&element)?;
    w.write_all(if first { b"\n    " } else { b",\n    " })?;
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            w.write_all(b"\n    ")?;
        }
        w.write_all(line.as_bytes())?;
    }
    Ok(())
}

/// The fleet JSON's end: the `services` array closed, the run's verdict and exit code, and the
/// run's accounts when it has any.
pub fn json_end(w: &mut dyn Write, footer: &Footer, accounts: &[AccountEntry]) -> io::Result<()> {
    let (verdict, exit_code) = footer.overall();
    if !footer.codes.is_empty() {
        w.write_all(b"\n  ")?;
    }
    write!(
        w,
        "],\n  \"verdict\": {},\n  \"exit_code\": {exit_code}",
        serde_json::to_string(&verdict)?
    )?;
    if !accounts.is_empty() {
        // Indented one level, as serde's pretty printer writes a member of the document.
        let text = serde_json::to_string_pretty(accounts)?;
        w.write_all(b",\n  \"accounts\": ")?;
        for (i, line) in text.split('\n').enumerate() {
            if i > 0 {
                w.write_all(b"\n  ")?;
            }
            w.write_all(line.as_bytes())?;
        }
    }
    writeln!(w, "\n}}")
}

const SCHEMA: &str = "pydynox-iam/fleet/v1";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::model::Verdict;
    use crate::report::model::tests::{report, row};

    /// The document serde_json writes for the whole fleet at once.
    fn whole(services: &[Service], accounts: &[AccountEntry]) -> String {
        let mut footer = Footer::default();
        services.iter().for_each(|s| footer.add(s));
        let (verdict, exit_code) = footer.overall();
        let fleet = Fleet {
            schema: SCHEMA,
            tool_version: env!("CARGO_PKG_VERSION"),
            services: services
                .iter()
                .map(|f| FleetService {
                    name: f.name,
                    account: if accounts.is_empty() {
                        None
                    } else {
                        account_of(f).map(|a| &*a.leak())
                    },
                    exit_code: f.exit_code,
                    error: f.result.as_ref().err().cloned(),
                    report: f.result.as_ref().ok().copied(),
                })
                .collect(),
            verdict,
            exit_code,
            accounts,
        };
        serde_json::to_string_pretty(&fleet).unwrap() + "\n"
    }

    #[test]
    fn streamed_json_is_byte_identical_to_the_whole_document() {
        let pass = report(vec![row("crud", Verdict::Pass)]);
        let mut fail = report(vec![row("crud", Verdict::Pass), row("kms", Verdict::Fail)]);
        fail.notes
            .push("a note\nwith a line break and \"quotes\"".into());
        let cases: Vec<Vec<Service>> = vec![
            vec![],
            vec![Service {
                name: "only",
                exit_code: 0,
                result: Ok(&pass),
            }],
            vec![
                Service {
                    name: "a",
                    exit_code: 0,
                    result: Ok(&pass),
                },
                Service {
                    name: "111122223333/b\u{e9}",
                    exit_code: 2,
                    result: Err("cannot read\nthe role".into()),
                },
                Service {
                    name: "444455556666",
                    exit_code: 3,
                    result: Err("account 444455556666: cannot enter it".into()),
                },
                Service {
                    name: "c",
                    exit_code: 1,
                    result: Ok(&fail),
                },
            ],
        ];
        let accounts = [
            AccountEntry {
                id: "111122223333".into(),
                name: Some("prod \"eu\"".into()),
                entered: "assume-role",
                role_arn: Some("arn:aws:iam::111122223333:role/audit".into()),
                status: "checked",
                reason: None,
                exit_code: 1,
                services: 2,
                not_described: vec!["legacy".into()],
                tags_not_read: vec![],
            },
            AccountEntry {
                id: "444455556666".into(),
                name: None,
                entered: "none",
                role_arn: Some("arn:aws:iam::444455556666:role/audit".into()),
                status: "not-entered",
                reason: Some("cannot enter it\nat all".into()),
                exit_code: 3,
                services: 0,
                not_described: vec![],
                tags_not_read: vec!["a".into(), "b".into()],
            },
        ];
        for services in cases {
            for accounts in [&[][..], &accounts[..]] {
                let mut streamed = Vec::new();
                fleet_json_with(&mut streamed, &services, accounts).unwrap();
                assert_eq!(
                    String::from_utf8(streamed).unwrap(),
                    whole(&services, accounts)
                );
            }
        }
    }
}
