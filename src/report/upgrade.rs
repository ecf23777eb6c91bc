//! `--compare-version` as text after the table report: per principal, the rows whose verdict
//! changes under the other release. Kept apart from the table renderer, which it only follows.
//! Writes to any `io::Write`.

use std::io::{self, Write};

use crate::report::model::Report;

/// One block per report that was compared: a line per changed row, or "no verdict changes".
pub fn upgrade_text(w: &mut dyn Write, reports: &[(&str, &Report)]) -> io::Result<()> {
    for (name, r) in reports {
        let Some(u) = &r.upgrade else {
            continue;
        };
        writeln!(w)?;
        if u.changes.is_empty() {
            writeln!(
                w,
                "Upgrade {} -> {} ({name}): no verdict changes",
                u.from, u.to
            )?;
            continue;
        }
        writeln!(
            w,
            "Upgrade {} -> {} ({name}): {} verdict changes, exit {} under {}",
            u.from,
            u.to,
            u.changes.len(),
            u.to_exit_code,
            u.to
        )?;
        for c in &u.changes {
            writeln!(
                w,
                "  {:<22} {:<24} {} on {}: {}",
                c.label(),
                c.feature,
                c.action,
                c.resource,
                c.reason
            )?;
        }
    }
    Ok(())
}
