//! What the CI formats share ([`junit`](super::junit) for test dashboards,
//! [`markdown`](super::markdown) for a pull-request comment or a GitHub step summary): one
//! section per service of a config run, and how each row is shown. The renderers must not
//! decide verdicts, waivers or exit codes (they are given them) nor look at the environment.
//!
//! How a row is shown, in both formats, by its [`RowOutcome`] (the report's one rule,
//! `Report::conclude`; nothing here recomputes a verdict or an exit code):
//! - PASS: a passing test case.
//! - FAIL, not waived: a failure (JUnit `type` is the row's reason code).
//! - INCONCLUSIVE, not waived: a failure of type `inconclusive`, since it fails the run;
//!   with `allow_inconclusive` it is shown as skipped "inconclusive (allowed)".
//! - waived (matched an expected exception): skipped, `expected: REASON`.
//! - a least-privilege finding: a failure when it is at or above `--fail-on` (it fails the
//!   run), else skipped; an expected exception that waived nothing: skipped, as a warning.
//! - a service whose exit code is not 0 with nothing above failing (no checks at all): one
//!   failing test case with the service's verdict, so the dashboard never passes a failing run.

use crate::report::model::{Report, Row, RowOutcome, Verdict, exit};

/// One service's finished report, with its exit code.
#[derive(Debug, Clone, Copy)]
pub struct ServiceReport<'a> {
    pub name: &'a str,
    pub report: &'a Report,
    /// The service's exit code (the report's, `Report::exit_code`).
    pub exit_code: i32,
}

/// A run's headline over its services, each (verdict, exit code): the worst verdict, as
/// `INCONCLUSIVE (allowed)` when every service exits 0; `ERROR` when a service could not be
/// checked. Markdown's heading, the fleet table's last line and the fleet JSON's `verdict`.
pub fn overall_label(services: &[(Verdict, i32)], errored: usize) -> String {
    if errored > 0 {
        return "ERROR".into();
    }
    let worst = services
        .iter()
        .map(|(v, _)| *v)
        .max()
        .unwrap_or(Verdict::Inconclusive);
    let all_exit_zero = services.iter().all(|(_, c)| *c == exit::PASS);
    if worst == Verdict::Inconclusive && all_exit_zero && !services.is_empty() {
        "INCONCLUSIVE (allowed)".into()
    } else {
        worst.as_str().into()
    }
}

/// A row's outcome in the report's rule.
pub(super) fn outcomes(report: &Report) -> Vec<RowOutcome> {
    report.row_outcomes()
}

#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Tally {
    pub(super) pass: usize,
    pub(super) fail: usize,
    pub(super) inconclusive: usize,
    pub(super) waived: usize,
}

impl Tally {
    pub(super) fn of(outcomes: impl IntoIterator<Item = RowOutcome>) -> Tally {
        let mut t = Tally::default();
        for o in outcomes {
            match o {
                RowOutcome::Pass => t.pass += 1,
                RowOutcome::Fail => t.fail += 1,
                RowOutcome::Inconclusive | RowOutcome::InconclusiveAllowed => t.inconclusive += 1,
                RowOutcome::Waived => t.waived += 1,
            }
        }
        t
    }
}

/// A row's context, `k=v,w k2=v`, as the table shows it.
pub(super) fn context_text(row: &Row) -> String {
    crate::report::table::context_text(&row.context)
}

/// Per row, whether its context must be shown to tell it apart from another row with the
/// same feature, action and resource (e.g. `ConditionCheckItem` inside two operations).
pub(super) fn needs_context(rows: &[Row]) -> Vec<bool> {
    rows.iter()
        .map(|r| {
            !r.context.is_empty()
                && rows
                    .iter()
                    .filter(|o| {
                        o.feature == r.feature && o.action == r.action && o.resource == r.resource
                    })
                    .count()
                    > 1
        })
        .collect()
}

/// The feature's docs note, if the report has one.
pub(super) fn docs_note<'r>(report: &'r Report, feature: &str) -> Option<&'r str> {
    report
        .features
        .iter()
        .find(|f| f.name == feature)
        .and_then(|f| f.docs_note.as_deref())
}
