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
    assert_eq!(v["pydynox_version"], "1.8.0");
    // 1.8.0's features: vector search on the index, vector index management and locks on
    // the lock table.
    let actions_of = |name: &str| -> Vec<(String, String)> {
        v["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .unwrap_or_else(|| panic!("no feature `{name}`"))["checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["action"].as_str().unwrap().to_string(),
                    c["resource_kind"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    assert_eq!(
        actions_of("vector-search"),
        vec![("dynamodb:SearchVectors".into(), "index".into())]
    );
    assert_eq!(actions_of("vector-indexes").len(), 2);
    assert!(actions_of("locks").iter().all(|(_, k)| k == "lock-table"));
    assert_eq!(
        actions_of("locks-in-transactions"),
        vec![("dynamodb:ConditionCheckItem".into(), "lock-table".into())]
    );
}

/// A release the catalogue does not know is refused, never described as an older one.
#[test]
fn features_refuses_a_release_the_catalogue_does_not_know() {
    for (version, want) in [
        (
            "1.9.0",
            "is newer than the newest release pydynox-iam knows (1.8.0)",
        ),
        (
            "1.10.0",
            "is newer than the newest release pydynox-iam knows (1.8.0)",
        ),
        ("1.3.5", "is not a published release"),
        ("1.8.0-rc.1", "is not a published release"),
        ("1.8.0rc1", "is not a pydynox version"),
        ("01.8.0", "is not a pydynox version"),
    ] {
        let out = bin()
            .args(["features", "--pydynox-version", version])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{version}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!("`{version}`")) && err.contains(want),
            "{version}: {err}"
        );
        assert!(
            err.contains("1.7.0, 1.8.0"),
            "names the known releases: {err}"
        );
        assert!(out.stdout.is_empty(), "{version}: nothing described");
    }
    // check refuses it too, before any AWS call.
    let out = bin()
        .args([
            "check",
            "--role",
            "app",
            "-f",
            "crud",
            "--table",
            "t",
            "--pydynox-version",
            "1.9.0",
        ])
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("newest release pydynox-iam knows (1.8.0)")
    );
}

/// `--bucket-owner` is an account id, for the one bucket of the run: anything else is a usage
/// error naming the fix, before any AWS call.
#[test]
fn bucket_owner_is_validated() {
    let base = [
        "check",
        "--role",
        "app",
        "-f",
        "s3-attribute",
        "--region",
        "us-east-1",
    ];
    let cases: [(&[&str], &str); 3] = [
        (
            &["--bucket", "media", "--bucket-owner", "12345"],
            "`12345` is not an AWS account id",
        ),
        (
            &[
                "--bucket",
                "media",
                "--bucket-owner",
                "arn:aws:iam::111122223333:root",
            ],
            "give the 12 digits",
        ),
        (&["--bucket-owner", "111122223333"], "give --bucket too"),
    ];
    for (extra, want) in cases {
        let out = bin()
            .args(base)
            .args(extra)
            .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {stderr}");
        assert!(stderr.contains(want), "{extra:?}: {stderr}");
    }
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("fleet.toml");
    std::fs::write(
        &config,
        "[services.a]\nrole = \"a\"\nfeatures = [\"crud\"]\ntables = [\"t\"]\n",
    )
    .unwrap();
    let out = bin()
        .args(["check", "--config"])
        .arg(&config)
        .args(["--bucket-owner", "111122223333"])
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cannot apply to every service"), "{stderr}");
}

/// `policy --check FILE`, the pre-commit drift hook: silent exit 0 when the committed file grants
/// every call; exit 1 naming each call it lacks, with the statements to add on stdout (which,
/// added to the file, make it pass); exit 2 for a file that is not a policy.
#[test]
fn policy_check_reports_drift_and_the_statements_that_close_it() {
    let dir = tempfile::tempdir().unwrap();
    let flags = |features: &str| {
        vec![
            "policy".to_string(),
            "-f".into(),
            features.into(),
            "--table".into(),
            "orders".into(),
            "--account".into(),
            "111122223333".into(),
            "--region".into(),
            "eu-west-1".into(),
        ]
    };
    let write = |name: &str, features: &str| {
        let out = bin().args(flags(features)).output().unwrap();
        assert!(out.status.success());
        let path = dir.path().join(name);
        std::fs::write(&path, &out.stdout).unwrap();
        path
    };
    let crud = write("crud.json", "crud");
    let query = write("query.json", "query");
    let check = |features: &str, file: &std::path::Path| {
        bin()
            .args(flags(features))
            .arg("--check")
            .arg(file)
            .output()
            .unwrap()
    };

    let out = check("crud", &crud);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("grants every call"));

    // The code now also queries: the crud policy lacks Query, and says so.
    let out = check("crud,query", &crud);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("dynamodb:Query on arn:aws:dynamodb:eu-west-1:111122223333:table/orders (feature `query`): no statement allows it"),
        "{err}"
    );
    assert!(!err.contains("dynamodb:GetItem on"), "{err}");
    let add: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let actions = add.to_string();
    assert!(
        actions.contains("dynamodb:Query") && !actions.contains("dynamodb:GetItem"),
        "{actions}"
    );

    // The file with the printed statements added passes.
    let mut doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&crud).unwrap()).unwrap();
    let extra = add["Statement"].as_array().unwrap().clone();
    doc["Statement"].as_array_mut().unwrap().extend(extra);
    let fixed = dir.path().join("fixed.json");
    std::fs::write(&fixed, doc.to_string()).unwrap();
    assert_eq!(check("crud,query", &fixed).status.code(), Some(0));

    // An object of policies attached together (as the quota split prints) is read whole: crud
    // and query together pass.
    let both = dir.path().join("both.json");
    let c: serde_json::Value = serde_json::from_slice(&std::fs::read(&crud).unwrap()).unwrap();
    let q: serde_json::Value = serde_json::from_slice(&std::fs::read(&query).unwrap()).unwrap();
    std::fs::write(
        &both,
        serde_json::json!({"policy_1": q, "policy_2": c}).to_string(),
    )
    .unwrap();
    assert_eq!(check("crud,query", &both).status.code(), Some(0));
    // As --split read-write's reader and writer they go to different roles: each half must
    // grant its own calls, and this reader (query's policy) lacks crud's GetItem.
    let split = dir.path().join("split.json");
    std::fs::write(
        &split,
        serde_json::json!({"reader": q, "writer": c}).to_string(),
    )
    .unwrap();
    let out = check("crud,query", &split);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("dynamodb:GetItem on arn:aws:dynamodb:eu-west-1:111122223333:table/orders (feature `crud`, the reader policy)"),
        "{err}"
    );

    // Not a policy: a usage error naming the file.
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"Version": "2012-10-17"}"#).unwrap();
    let out = check("crud", &bad);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a policy document"));
}
