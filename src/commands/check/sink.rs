//! Where `check`'s finished principals go, one at a time, in job order: the streaming sink.
//!
//! A fleet in the table or JSON format is written as each principal finishes: its section (or
//! its element of the `services` array) is rendered and the report dropped, and only what the
//! end needs is kept ([`fleet::Footer`]: each service's name, status line, verdict and exit
//! code; with `--compare-version` the upgrade blocks the table prints last; the resources the
//! reports used, for the unused-policy-file check). Peak memory therefore does not grow with a
//! principal's report, only with a few dozen bytes per principal.
//!
//! The other formats are collected and rendered whole at the end, as before: their heads
//! need totals before any row (JUnit's `<testsuites tests= failures=>` attributes, Markdown's
//! and HTML's headline and summary table before the per-service sections, SARIF's one JSON
//! document whose `results` come after each run's rules), so streaming them needs a first pass
//! of totals, not done yet. A single principal is collected too (one report, and nothing is
//! written when it could not be checked).
//!
//! The bytes written are the same either way: the streamed pieces are the ones the whole
//! renderers are built from (`report::fleet`), and the tests compare both.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};
use std::io::{self, Write};

use crate::grants::model::ResourcePolicyKind;
use crate::report::accounts::AccountEntry;
use crate::report::fleet::{self, Footer};
use crate::report::model::exit;
use crate::report::model::{Report, UpgradeImpact};
use crate::report::table::{RowsView, TextStyle};
use crate::verdict::pipeline::CheckError;

use super::{CheckArgs, Finished, Job, ReportFormat};

/// How the sink writes.
enum Mode {
    /// A fleet table, section by section.
    Table {
        style: TextStyle,
        view: RowsView,
        show_policies: bool,
    },
    /// A fleet's JSON, element by element.
    Json,
    /// Kept until the end and rendered whole.
    Collect,
}

/// The resource policies the finished reports used: (kind, resource ARN, principal's account),
/// each once, in the order first used.
#[derive(Default)]
pub(super) struct Used {
    pub(super) any_failed: bool,
    pub(super) resources: Vec<(ResourcePolicyKind, String, String)>,
    seen: HashSet<(ResourcePolicyKind, String, String)>,
}

impl Used {
    fn add(&mut self, f: &Finished) {
        match &f.result {
            Err(_) => self.any_failed = true,
            Ok(r) => {
                for rp in &r.resource_policies {
                    let k = (rp.kind, rp.resource.clone(), r.principal.account.clone());
                    if self.seen.insert(k.clone()) {
                        self.resources.push(k);
                    }
                }
            }
        }
    }
}

/// What the report shows beyond the principals, known when the run ends.
#[derive(Default)]
pub(super) struct Rest {
    /// `--all-roles`' roles whose tags are not a check (each shown as a service that could not
    /// be checked).
    pub(super) rejected: Vec<(String, String)>,
    /// Accounts that could not be entered or read, the organization not listed: name, reason,
    /// exit code (each shown as a service that could not be checked).
    pub(super) failed: Vec<(String, String, i32)>,
    /// Each account of the run (its exit code and service count are filled from the
    /// principals the sink took).
    pub(super) accounts: Vec<AccountEntry>,
    /// A run that finds its principals and checked none: the exit code that says so (the
    /// headline is INCONCLUSIVE), counted in the end's totals.
    pub(super) nothing_checked: Option<i32>,
}

impl Rest {
    /// The roles whose tags are not a check, then the accounts that failed, each as a service
    /// that could not be checked: what every format shows after the principals.
    pub(super) fn services(&self) -> impl Iterator<Item = fleet::Service<'_>> {
        let rejected = self.rejected.iter().map(|(name, e)| fleet::Service {
            name,
            exit_code: exit::USAGE,
            result: Err(format!("its pydynox tags are not a check: {e}")),
        });
        let failed = self.failed.iter().map(|(name, e, code)| fleet::Service {
            name,
            exit_code: *code,
            result: Err(e.clone()),
        });
        rejected.chain(failed)
    }
}

/// Each account's services as the sink took them: the worst exit code and how many.
#[derive(Default)]
struct Tally {
    /// By the `ACCOUNT/` a principal's name starts with (many accounts).
    by_account: BTreeMap<String, (i32, usize)>,
    /// Every principal (one account's `--all-roles`).
    all: (i32, usize),
}

impl Tally {
    /// Counts a service's exit code for its account (`ACCOUNT/NAME`) and the run; `service`:
    /// whether it is a service of the report (a principal, or a role whose tags are not a
    /// check), not an account's own failure.
    fn add(&mut self, name: &str, code: i32, service: bool) {
        let n = usize::from(service);
        let bump = |t: &mut (i32, usize)| *t = (exit::worst([t.0, code]), t.1 + n);
        bump(&mut self.all);
        if let Some((account, _)) = name.split_once('/')
            && crate::iam::names::is_account_id(account)
        {
            bump(self.by_account.entry(account.to_string()).or_default());
        }
    }

    /// Each account's exit code (the worst of its principals' and its own) and number of
    /// principals checked: by name prefix when the run entered accounts, else every principal
    /// (one account's `--all-roles`, whose principals carry no prefix).
    fn finish(&self, mut accounts: Vec<AccountEntry>) -> Vec<AccountEntry> {
        let many = accounts.len() > 1 || accounts.iter().any(|a| a.entered != "caller");
        for acct in &mut accounts {
            let (code, count) = if many {
                self.by_account.get(&acct.id).copied().unwrap_or_default()
            } else {
                self.all
            };
            acct.exit_code = exit::worst([code, acct.exit_code]);
            acct.services = count;
        }
        accounts
    }
}

/// The streaming sink: takes each finished principal in job order.
pub(super) struct Sink<'a, 'j> {
    a: &'a CheckArgs,
    is_fleet: bool,
    /// Whether each service says its account (`--all-roles`, `--accounts`, `--organization`).
    by_account: bool,
    tally: Tally,
    mode: Mode,
    out: Option<Box<dyn Write + 'a>>,
    /// The first write error; nothing more is written after it.
    failed: Option<io::Error>,
    footer: Footer,
    upgrades: Vec<(String, UpgradeImpact)>,
    collected: Vec<Finished<'j>>,
    pub(super) used: Used,
    /// Each principal's exit code, in order.
    pub(super) codes: Vec<i32>,
    /// Whether every principal so far could not be checked (and there was at least one).
    all_failed: Option<bool>,
}

impl<'a, 'j> Sink<'a, 'j> {
    pub(super) fn new(a: &'a CheckArgs, is_fleet: bool, by_account: bool) -> Self {
        let mode = match (a.format, is_fleet) {
            (ReportFormat::Table, true) => Mode::Table {
                style: crate::commands::output::text_style(a.color, a.output.is_some()),
                view: a.rows_view(),
                show_policies: a.show_policies,
            },
            (ReportFormat::Json, true) => Mode::Json,
            _ => Mode::Collect,
        };
        Sink {
            a,
            is_fleet,
            by_account,
            tally: Tally::default(),
            mode,
            out: None,
            failed: None,
            footer: Footer::default(),
            upgrades: Vec::new(),
            collected: Vec::new(),
            used: Used::default(),
            codes: Vec::new(),
            all_failed: None,
        }
    }

    /// Whether no principal could be checked (and there was one).
    pub(super) fn all_failed(&self) -> bool {
        self.all_failed == Some(true)
    }

    /// Takes one finished principal: says its error on stderr, then writes or keeps it.
    pub(super) fn take(&mut self, f: Finished<'j>) {
        if let Err(e) = &f.result {
            if self.is_fleet {
                eprintln!("error: service `{}`: {e}", f.job.name);
            } else {
                eprintln!("error: {e}");
            }
        }
        self.used.add(&f);
        self.codes.push(f.exit_code);
        self.tally.add(&f.job.name, f.exit_code, true);
        self.all_failed = Some(self.all_failed.unwrap_or(true) && f.result.is_err());
        if matches!(self.mode, Mode::Collect) {
            self.collected.push(f);
            return;
        }
        let error = f.result.as_ref().err().map(CheckError::to_string);
        let service = fleet::Service {
            name: &f.job.name,
            exit_code: f.exit_code,
            result: match (&f.result, error) {
                (Ok(r), _) => Ok(r),
                (Err(_), Some(e)) => Err(e),
                (Err(_), None) => unreachable!("an error has a message"),
            },
        };
        self.stream(&service, None);
        if let Ok(r) = &f.result
            && let Some(u) = &r.upgrade
        {
            self.upgrades.push((f.job.name.to_string(), u.clone()));
        }
    }

    /// Writes one service's piece and counts it in the footer. `sole`: the run's one account,
    /// for a service whose name does not say its account.
    fn stream(&mut self, service: &fleet::Service, sole: Option<&str>) {
        let first = self.footer.is_empty();
        let mode = &self.mode;
        let (style, view, show) = match mode {
            Mode::Table {
                style,
                view,
                show_policies,
            } => (Some(*style), Some(*view), *show_policies),
            _ => (None, None, false),
        };
        let is_json = matches!(mode, Mode::Json);
        let account = if self.by_account {
            fleet::account_of(service).or(sole.map(str::to_string))
        } else {
            None
        };
        self.write(|w| {
            if is_json {
                if first {
                    fleet::json_begin(w)?;
                }
                fleet::json_service(w, service, first, account.as_deref())
            } else {
                fleet::table_section(
                    w,
                    service,
                    style.expect("table mode"),
                    view.expect("table mode"),
                    show,
                )
            }
        });
        self.footer.add(service);
    }

    /// Writes with `render` unless an earlier write failed; opens the output on first use (a
    /// run stopped before any principal finished creates no `--output` file until the end).
    fn write(&mut self, render: impl FnOnce(&mut dyn Write) -> io::Result<()>) {
        if self.failed.is_some() {
            return;
        }
        if self.out.is_none() {
            match open(self.a) {
                Ok(w) => self.out = Some(w),
                Err(e) => {
                    self.failed = Some(e);
                    return;
                }
            }
        }
        let w = self.out.as_mut().expect("opened above");
        if let Err(e) = render(w.as_mut()) {
            self.failed = Some(e);
        }
    }

    /// Writes the rest: the roles whose tags are not a check and the accounts that failed
    /// (shown as services that could not be checked, after the others), then the end (the
    /// table's list, headline and accounts, the JSON's totals and accounts), or the whole
    /// report for a collected format. A closed pipe is not an error (as for every report).
    pub(super) fn finish(mut self, rest: Rest) -> io::Result<()> {
        // An account's exit code and count include its roles whose tags are not a check and
        // its own failure, as the run's do.
        for (name, _) in &rest.rejected {
            self.tally.add(name, exit::USAGE, true);
        }
        for (name, _, code) in &rest.failed {
            self.tally.add(name, *code, false);
        }
        let rest = Rest {
            accounts: self.tally.finish(rest.accounts),
            ..rest
        };
        if matches!(self.mode, Mode::Collect) {
            let collected = std::mem::take(&mut self.collected);
            return super::write_report_with(self.a, &collected, self.is_fleet, &rest);
        }
        // One account's run: its roles whose tags are not a check are that account's.
        let sole = match rest.accounts.as_slice() {
            [one] => Some(one.id.as_str()),
            _ => None,
        };
        for service in rest.services() {
            self.stream(&service, sole);
        }
        if let Some(code) = rest.nothing_checked {
            self.footer.count_code(code);
        }
        let is_json = matches!(self.mode, Mode::Json);
        let empty = self.footer.is_empty();
        let footer = std::mem::take(&mut self.footer);
        let upgrades = std::mem::take(&mut self.upgrades);
        self.write(|w| {
            if is_json {
                if empty {
                    fleet::json_begin(w)?;
                }
                fleet::json_end(w, &footer, &rest.accounts)
            } else {
                footer.table(w)?;
                let blocks: Vec<(&str, &UpgradeImpact)> =
                    upgrades.iter().map(|(n, u)| (n.as_str(), u)).collect();
                crate::report::upgrade::upgrade_blocks(w, &blocks)?;
                crate::report::accounts::accounts_text(w, &rest.accounts, false)
            }
        });
        if let Some(mut w) = self.out.take()
            && self.failed.is_none()
            && let Err(e) = w.flush()
        {
            self.failed = Some(e);
        }
        match self.failed {
            Some(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// The output: `--output FILE` or standard output, both buffered (flushed by `finish`).
/// Standard output alone is line-buffered: a streamed JSON report of 1,000 roles made 394,517
/// `write` calls, a third of the run's time (measured with `strace -c`, release build).
fn open<'a>(a: &CheckArgs) -> io::Result<Box<dyn Write + 'a>> {
    Ok(match &a.output {
        Some(path) => Box::new(io::BufWriter::new(std::fs::File::create(path)?)),
        None => Box::new(io::BufWriter::with_capacity(1 << 16, io::stdout().lock())),
    })
}

/// A job and its result, before it is finished.
pub(super) type Done<'j> = (Cow<'j, Job>, Result<Report, CheckError>);

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, entered: &'static str, exit_code: i32) -> AccountEntry {
        AccountEntry {
            id: id.into(),
            name: None,
            entered,
            role_arn: None,
            status: "checked",
            reason: None,
            exit_code,
            services: 0,
            not_described: vec![],
            tags_not_read: vec![],
        }
    }

    #[test]
    fn each_account_counts_its_own_services_rejected_roles_and_failure() {
        let (a, b, c) = ("111111111111", "222222222222", "333333333333");
        let mut t = Tally::default();
        t.add(&format!("{a}/app"), exit::PASS, true);
        // A role whose tags are not a check is one of the account's services, exit 2.
        t.add(&format!("{a}/bogus"), exit::USAGE, true);
        t.add(&format!("{b}/app"), exit::FAIL, true);
        // A service whose own name holds a slash is still its account's.
        t.add(&format!("{b}/team/app"), exit::PASS, true);
        // An account that could not be entered: its code, no service.
        t.add(c, exit::ERROR, false);
        let accounts = t.finish(vec![
            entry(a, "caller", exit::PASS),
            entry(b, "assume-role", exit::PASS),
            entry(c, "none", exit::ERROR),
        ]);
        let got: Vec<_> = accounts
            .iter()
            .map(|e| (e.id.as_str(), e.exit_code, e.services))
            .collect();
        assert_eq!(
            got,
            [(a, exit::USAGE, 2), (b, exit::FAIL, 2), (c, exit::ERROR, 0)]
        );
    }

    #[test]
    fn one_account_s_all_roles_counts_every_service_of_the_run() {
        let mut t = Tally::default();
        t.add("app", exit::PASS, true);
        t.add("bogus", exit::USAGE, true);
        t.add("account", exit::ERROR, false);
        let accounts = t.finish(vec![entry("111111111111", "caller", exit::PASS)]);
        assert_eq!(
            (accounts[0].exit_code, accounts[0].services),
            (exit::USAGE, 2)
        );
    }
}
