//! The adversarial cases of issue 18 (`tests/adversarial/fleets.json`): every way found to make
//! a fleet, a saved run, an expected exception or a report format say PASS where AWS denies,
//! kept forever. Each is a CLI case in the adversarial suite's format (the suite's README in
//! `tests/adversarial/`): files written into a scratch directory, the binary run offline, the
//! exit code and output checked. Unknown fields are refused; every failure is reported at once.
//!
//! This runner reads only `fleets.json`, until the suite's own runner (which reads every file of
//! `tests/adversarial/`) is in the tree; then it goes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Deserialize;

use crate::common::{Bin, NOWHERE};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    attack: String,
    found: String,
    aws_rule: String,
    cli: CliCase,
    expect: Expect,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CliCase {
    /// Arguments after the binary name; `{dir}` is the case's scratch directory.
    args: Vec<String>,
    /// Files written into `{dir}` first: a JSON value is written as JSON, a string as is.
    #[serde(default)]
    files: BTreeMap<String, serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    exit_code: i32,
    #[serde(default)]
    stdout_contains: Vec<String>,
    #[serde(default)]
    stderr_contains: Vec<String>,
}

fn run_case(c: &Case) -> Result<(), String> {
    for (field, v) in [
        ("attack", &c.attack),
        ("found", &c.found),
        ("aws_rule", &c.aws_rule),
    ] {
        if v.trim().is_empty() {
            return Err(format!("`{field}` is empty"));
        }
    }
    if !c
        .name
        .chars()
        .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-')
    {
        return Err("`name` must be kebab-case".into());
    }
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    for (name, content) in &c.cli.files {
        let text = match content {
            serde_json::Value::String(s) => s.clone(),
            v => v.to_string(),
        };
        std::fs::write(dir.path().join(name), text).map_err(|e| e.to_string())?;
    }
    let d = dir.path().to_string_lossy().to_string();
    let args: Vec<String> = c.cli.args.iter().map(|a| a.replace("{dir}", &d)).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = Bin {
        dir: Some(dir.path()),
        endpoint: NOWHERE.into(),
        offline: true,
        ..Bin::default()
    }
    .run(&args);
    let x = &c.expect;
    let mut errs = Vec::new();
    if run.code != x.exit_code {
        errs.push(format!("exit code: got {}, want {}", run.code, x.exit_code));
    }
    for s in &x.stdout_contains {
        if !run.stdout.contains(s.as_str()) {
            errs.push(format!("stdout lacks `{s}`"));
        }
    }
    for s in &x.stderr_contains {
        if !run.stderr.contains(s.as_str()) {
            errs.push(format!("stderr lacks `{s}`"));
        }
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}\n      stdout: {}\n      stderr: {}",
            errs.join("\n      "),
            run.stdout,
            run.stderr
        ))
    }
}

#[test]
fn adversarial_fleet_cases() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/adversarial/fleets.json");
    let text = std::fs::read_to_string(&path).expect("tests/adversarial/fleets.json");
    let cases: Vec<Case> = serde_json::from_str(&text).expect("the cases load");
    let mut names = BTreeSet::new();
    let mut failures = Vec::new();
    for c in &cases {
        if !names.insert(c.name.clone()) {
            failures.push(format!("duplicate case name `{}`", c.name));
        }
        if let Err(e) = run_case(c) {
            failures.push(format!("`{}`\n      {e}", c.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} adversarial fleet cases failed:\n  {}",
        failures.len(),
        cases.len(),
        failures.join("\n  ")
    );
    assert!(cases.len() >= 14, "only {} cases", cases.len());
}
