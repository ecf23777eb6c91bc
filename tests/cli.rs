//! Command-line behaviour that needs no AWS: completions, man page, a closed pipe, usage errors.

use std::process::{Command, Stdio};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pydynox-iam"));
    c.env("NO_COLOR", "1");
    c
}

#[test]
fn completions_and_man_page_come_from_the_clap_definitions() {
    let out = bin().args(["completions", "bash"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("pydynox-iam") && text.contains("--kms-key") && text.contains("--engine"),
        "{text}"
    );
    let out = bin().args(["completions", "zsh"]).output().unwrap();
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("#compdef pydynox-iam")
    );
    let out = bin().arg("man").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(".TH pydynox-iam 1") && text.contains("Exit codes"),
        "{text}"
    );
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let mut child = bin()
        .args(["features", "--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Close the reading end before the program writes: its write fails with EPIPE.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn usage_errors_exit_2() {
    let out = bin().args(["check"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = bin()
        .args(["check", "--features", "crud", "--role", "a", "--user", "b"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = bin()
        .args(["features", "--pydynox-version", "latest"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("`latest` is not a pydynox version"));
}

#[test]
fn features_json_follows_the_pydynox_version() {
    let out = bin()
        .args([
            "features",
            "--format",
            "json",
            "--pydynox-version",
            "0.13.0",
        ])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let kms = v["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "encryption-writeonly")
        .unwrap();
    assert_eq!(kms["checks"][0]["action"], "kms:Encrypt");
    let out = bin()
        .args(["features", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let kms = v["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "encryption-writeonly")
        .unwrap();
    assert_eq!(kms["checks"][0]["action"], "kms:GenerateDataKey");
    assert_eq!(v["pydynox_version"], "1.3.0");
}
