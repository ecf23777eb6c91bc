//! Expected exceptions (`[[service.expected]]` in the config file) applied to a finished
//! report: a row that did not pass and that an exception covers (action, resource, feature and
//! reason code, as `needs::config` documents) is marked waived, with its reason. It keeps its
//! verdict; only the one verdict rule (`Report::conclude`) leaves it out of the exit code. An
//! exception that waives no row is kept in the report as a warning, with why.

use crate::needs::config::Expected;
use crate::report::model::{Report, UnmatchedExpected, Verdict};

/// Marks rows that an expected exception covers as waived, with its reason, and records every
/// exception that waived nothing.
pub fn apply_expected(report: &mut Report, expected: &[Expected]) {
    let mut used = vec![false; expected.len()];
    for row in &mut report.rows {
        if row.verdict == Verdict::Pass {
            continue;
        }
        let covering = expected.iter().enumerate().find(|(_, e)| {
            e.matches(&row.feature, &row.action, &row.resource) && e.waives_code(row.code.as_str())
        });
        if let Some((i, e)) = covering {
            used[i] = true;
            row.waived = Some(e.reason.clone());
        }
    }
    report.expected_unmatched = expected
        .iter()
        .zip(used)
        .filter(|(_, used)| !used)
        .map(|(e, _)| UnmatchedExpected {
            action: e.action.clone(),
            resource: e.resource.clone(),
            feature: e.feature.clone(),
            codes: e.codes.clone(),
            reason: e.reason.clone(),
            line: e.line,
            why: why_unmatched(report, e),
        })
        .collect();
}

/// Why an exception waived nothing: no row is its, its rows pass, or they fail with codes it
/// does not name.
fn why_unmatched(report: &Report, e: &Expected) -> String {
    let rows: Vec<_> = report
        .rows
        .iter()
        .filter(|r| e.matches(&r.feature, &r.action, &r.resource))
        .collect();
    if rows.is_empty() {
        return "no row of this run is its action on its resource; check the resource pattern, or remove the exception".into();
    }
    let mut codes: Vec<&str> = rows
        .iter()
        .filter(|r| r.verdict != Verdict::Pass)
        .map(|r| r.code.as_str())
        .collect();
    codes.dedup();
    if codes.is_empty() {
        "its rows pass now; remove the exception so it cannot hide a later regression".into()
    } else {
        format!(
            "its rows are {} with code {}, which it does not name in `code` (an explicit deny or an INCONCLUSIVE is waived only when named)",
            rows.iter()
                .find(|r| r.verdict != Verdict::Pass)
                .map(|r| r.verdict.as_str())
                .unwrap_or("FAIL"),
            codes
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}
