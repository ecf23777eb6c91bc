//! `--compare-version` as text after the table report: per principal, the rows whose verdict
//! changes under the other release. Kept apart from the table renderer, which it only follows.
//! Writes to any `io::Write`.

use std::io::{self, Write};

use crate::report::model::{Report, UpgradeImpact};

/// One block per report that was compared: a line per changed row, or "no verdict changes".
pub fn upgrade_text(w: &mut dyn Write, reports: &[(&str, &Report)]) -> io::Result<()> {
    let blocks: Vec<(&str, &UpgradeImpact)> = reports
        .iter()
        .filter_map(|(name, r)| r.upgrade.as_ref().map(|u| (*name, u)))
        .collect();
    upgrade_blocks(w, &blocks)
}

/// [`upgrade_text`] from the comparisons alone (a streamed fleet keeps them, not the reports).
pub fn upgrade_blocks(w: &mut dyn Write, blocks: &[(&str, &UpgradeImpact)]) -> io::Result<()> {
    for (name, u) in blocks {
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
