//! Recall and precision of the scan on example pydynox programs written for this test from
//! pydynox's API reference (`tests/scan/examples/<program>/`), each with a hand-written
//! `truth.json`: the needs (feature, action, resource) the program really has. A need the
//! scan misses counts against recall even when the scan lists the call as unresolved.
//!
//! Figures (printed with `cargo test --test integration scan_metrics -- --nocapture`):
//! need-level and feature-level recall and precision, micro-averaged over the programs.
//! Targets: recall at least 99 %, precision at least 95 %, literal names exact (a need
//! with a literal table or index name counts only if the name matches exactly).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use pydynox_iam::needs::scan::{self, ScanOptions};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Truth {
    #[serde(default)]
    env: BTreeMap<String, String>,
    needs: Vec<String>,
}

#[test]
fn recall_and_precision_on_example_programs() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scan/examples");
    let mut programs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    programs.sort();
    assert!(programs.len() >= 8, "examples missing: {programs:?}");
    let (mut tp, mut fn_, mut fp) = (0usize, 0usize, 0usize);
    let (mut ftp, mut ffn, mut ffp) = (0usize, 0usize, 0usize);
    let mut report = Vec::new();
    for p in &programs {
        let truth: Truth =
            serde_json::from_str(&std::fs::read_to_string(p.join("truth.json")).unwrap()).unwrap();
        let opts = ScanOptions {
            env: truth.env.clone(),
            ..ScanOptions::default()
        };
        let r = scan::scan(std::slice::from_ref(p), &opts).unwrap();
        let found: BTreeSet<String> = r
            .needs
            .iter()
            .map(|n| format!("{} {} {}", n.feature, n.action, n.resource))
            .collect();
        let want: BTreeSet<String> = truth.needs.iter().cloned().collect();
        let missed: Vec<_> = want.difference(&found).cloned().collect();
        let extra: Vec<_> = found.difference(&want).cloned().collect();
        tp += want.intersection(&found).count();
        fn_ += missed.len();
        fp += extra.len();
        let ff: BTreeSet<&str> = found.iter().map(|s| s.split(' ').next().unwrap()).collect();
        let wf: BTreeSet<&str> = want.iter().map(|s| s.split(' ').next().unwrap()).collect();
        ftp += wf.intersection(&ff).count();
        ffn += wf.difference(&ff).count();
        ffp += ff.difference(&wf).count();
        report.push(format!(
            "{:<16} needs {:>2}  missed {:?}  extra {:?}  unresolved {}",
            p.file_name().unwrap().to_string_lossy(),
            want.len(),
            missed,
            extra,
            r.unresolved.len()
        ));
    }
    let recall = tp as f64 / (tp + fn_) as f64;
    let precision = tp as f64 / (tp + fp).max(1) as f64;
    let frecall = ftp as f64 / (ftp + ffn) as f64;
    let fprecision = ftp as f64 / (ftp + ffp).max(1) as f64;
    println!("{}", report.join("\n"));
    println!(
        "needs (feature, action, resource): recall {:.1} % ({tp}/{}), precision {:.1} % ({tp}/{})",
        recall * 100.0,
        tp + fn_,
        precision * 100.0,
        tp + fp
    );
    println!(
        "features: recall {:.1} % ({ftp}/{}), precision {:.1} % ({ftp}/{})",
        frecall * 100.0,
        ftp + ffn,
        fprecision * 100.0,
        ftp + ffp
    );
    assert!(
        recall >= 0.99 && frecall >= 0.99,
        "recall below 99 %:\n{}",
        report.join("\n")
    );
    assert!(
        precision >= 0.95 && fprecision >= 0.95,
        "precision below 95 %:\n{}",
        report.join("\n")
    );
}
