//! Expected exceptions (`[[service.expected]]` in the config file) applied to a finished
//! report: a row that did not pass and matches one is marked waived, with its reason. It
//! keeps its verdict; only the exit code and the CI formats treat it differently.

use crate::needs::config::Expected;
use crate::report::model::{Report, Verdict};

/// Marks rows that match an expected exception as waived, with its reason.
pub fn apply_expected(report: &mut Report, expected: &[Expected]) {
    for row in &mut report.rows {
        if row.verdict == Verdict::Pass {
            continue;
        }
        if let Some(e) = expected
            .iter()
            .find(|e| e.matches(&row.feature, &row.action, &row.resource))
        {
            row.waived = Some(e.reason.clone());
        }
    }
}
