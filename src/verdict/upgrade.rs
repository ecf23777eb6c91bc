//! `check --compare-version B`: the rows whose verdict changes between the report's release
//! and release B, for the same principal, resources and grants. Owns the comparison; must not
//! fetch or render anything.

use std::collections::BTreeMap;

use crate::report::model::{Report, UpgradeChange, UpgradeImpact};

/// Compares two reports of one principal under two releases, row by row (a row is its feature,
/// action and resource). A row in both with the same verdict is no change; `after` is concluded
/// by the same gate, and `to_exit_code` is its exit code.
pub fn compare(from: &Report, to: &Report) -> UpgradeImpact {
    let key =
        |r: &crate::report::model::Row| (r.feature.clone(), r.action.clone(), r.resource.clone());
    let before: BTreeMap<_, _> = from.rows.iter().map(|r| (key(r), r)).collect();
    let after: BTreeMap<_, _> = to.rows.iter().map(|r| (key(r), r)).collect();
    let mut changes = Vec::new();
    // In the newer release's row order, then the needs that go away in the older one's.
    for r in &to.rows {
        let b = before.get(&key(r)).map(|b| b.verdict);
        if b != Some(r.verdict) {
            changes.push(UpgradeChange {
                feature: r.feature.clone(),
                action: r.action.clone(),
                resource: r.resource.clone(),
                before: b,
                after: Some(r.verdict),
                reason: r.reason.clone(),
            });
        }
    }
    for r in &from.rows {
        if !after.contains_key(&key(r)) {
            changes.push(UpgradeChange {
                feature: r.feature.clone(),
                action: r.action.clone(),
                resource: r.resource.clone(),
                before: Some(r.verdict),
                after: None,
                reason: r.reason.clone(),
            });
        }
    }
    UpgradeImpact {
        from: from.pydynox_version.clone(),
        to: to.pydynox_version.clone(),
        to_exit_code: to.exit_code(),
        changes,
    }
}
