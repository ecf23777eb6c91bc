//! What the CI formats share ([`junit`](super::junit) for test dashboards,
//! [`markdown`](super::markdown) for a pull-request comment or a GitHub step summary): one
//! section per service of a config run, and how each row is shown. The renderers must not
//! decide verdicts, waivers or exit codes (they are given them) nor look at the environment.
//!
//! How a row is shown, in both formats:
//! - PASS: a passing test case.
//! - FAIL, not waived: a failure (JUnit `type` is the row's reason code).
//! - INCONCLUSIVE, not waived: a failure of type `inconclusive`, since it fails the run;
//!   when the service's exit code is nonetheless 0 (`allow_inconclusive`), it is shown as
//!   skipped "inconclusive (allowed)" so the dashboard agrees with the exit code.
//! - waived (matched an expected exception): skipped, `expected: REASON`.

use crate::report::model::{Report, Row, Verdict, exit};

/// One service's finished report, with what the caller decided about it.
#[derive(Debug, Clone, Copy)]
pub struct ServiceReport<'a> {
    pub name: &'a str,
    pub report: &'a Report,
    /// Per row of `report.rows`: the row matched an expected exception. A missing entry
    /// counts as not waived. A waived PASS row is still a pass.
    pub waived: &'a [bool],
    /// The service's exit code, computed by the caller (waivers and `allow_inconclusive`
    /// taken into account).
    pub exit_code: i32,
}

/// What a row amounts to once waivers and `allow_inconclusive` are applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    Pass,
    Fail,
    Inconclusive,
    /// Inconclusive, but the service's exit code says inconclusive rows were allowed.
    InconclusiveAllowed,
    /// Not a pass, and matched an expected exception.
    Waived,
}

impl ServiceReport<'_> {
    pub(super) fn outcome(&self, i: usize) -> Outcome {
        let row = &self.report.rows[i];
        match row.verdict {
            Verdict::Pass => Outcome::Pass,
            _ if row.waived.is_some() || self.waived.get(i).copied().unwrap_or(false) => {
                Outcome::Waived
            }
            Verdict::Fail => Outcome::Fail,
            Verdict::Inconclusive if self.exit_code == exit::PASS => Outcome::InconclusiveAllowed,
            Verdict::Inconclusive => Outcome::Inconclusive,
        }
    }

    pub(super) fn outcomes(&self) -> Vec<Outcome> {
        (0..self.report.rows.len())
            .map(|i| self.outcome(i))
            .collect()
    }
}

/// The worst of a set of outcomes, as a verdict: waived rows count as passing.
pub(super) fn verdict_of(outcomes: impl IntoIterator<Item = Outcome>) -> Verdict {
    outcomes
        .into_iter()
        .map(|o| match o {
            Outcome::Pass | Outcome::Waived => Verdict::Pass,
            Outcome::Fail => Verdict::Fail,
            Outcome::Inconclusive | Outcome::InconclusiveAllowed => Verdict::Inconclusive,
        })
        .max()
        .unwrap_or(Verdict::Pass)
}

#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Tally {
    pub(super) pass: usize,
    pub(super) fail: usize,
    pub(super) inconclusive: usize,
    pub(super) waived: usize,
}

impl Tally {
    pub(super) fn of(outcomes: impl IntoIterator<Item = Outcome>) -> Tally {
        let mut t = Tally::default();
        for o in outcomes {
            match o {
                Outcome::Pass => t.pass += 1,
                Outcome::Fail => t.fail += 1,
                Outcome::Inconclusive | Outcome::InconclusiveAllowed => t.inconclusive += 1,
                Outcome::Waived => t.waived += 1,
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
