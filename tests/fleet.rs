//! Fleets from a config file, CI report formats, saved snapshots and faults, against the
//! LocalStack that `make test` starts.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use crate::common;

use common::*;

/// A role whose inline policy grants exactly these actions on table `orders`.
async fn role(iam: &aws_sdk_iam::Client, name: &str, actions: &[&str]) {
    iam.create_role()
        .role_name(name)
        .assume_role_policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#)
        .send()
        .await
        .unwrap();
    let statements: Vec<Value> = actions
        .iter()
        .map(|a| json!({"Effect": "Allow", "Action": [a], "Resource": [format!("arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/orders")]}))
        .collect();
    iam.put_role_policy()
        .role_name(name)
        .policy_name("app")
        .policy_document(json!({"Version": "2012-10-17", "Statement": statements}).to_string())
        .send()
        .await
        .unwrap();
}

fn pydynox_iam(dir: &Path, endpoint: &str, args: &[&str]) -> Run {
    Bin {
        dir: Some(dir),
        endpoint: endpoint.to_string(),
        ..Bin::default()
    }
    .run(args)
}

const CRUD: [&str; 4] = [
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
];

#[tokio::test]
async fn a_config_file_checks_every_service_with_expected_exceptions() {
    let iam = iam().await;
    let (a, b) = (unique("svc-a"), unique("svc-b"));
    role(&iam, &a, &CRUD).await;
    role(&iam, &b, &CRUD[..3]).await;
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        r#"
[defaults]
region = "us-east-1"

[[service]]
name = "orders-api"
role = "{a}"
features = ["crud"]
tables = ["orders"]

[[service]]
name = "orders-reader"
role = "{b}"
features = ["crud"]
tables = ["orders"]

  [[service.expected]]
  action = "dynamodb:DeleteItem"
  reason = "deletes go through the admin API"
"#
    );
    std::fs::write(dir.path().join("pydynox-iam.toml"), &config).unwrap();

    // JUnit to a file, found as ./pydynox-iam.toml: the DeleteItem failure is expected.
    let run = pydynox_iam(
        dir.path(),
        &endpoint(),
        &[
            "check",
            "--no-table-policy",
            "--format",
            "junit",
            "--output",
            "report.xml",
            "--jobs",
            "2",
            "--max-rps",
            "50",
        ],
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.is_empty());
    let xml = std::fs::read_to_string(dir.path().join("report.xml")).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let suites: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    assert_eq!(suites.len(), 2);
    assert_eq!(
        doc.descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .count(),
        8
    );
    assert_eq!(
        doc.descendants()
            .filter(|n| n.has_tag_name("failure"))
            .count(),
        0
    );
    let skipped: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("skipped"))
        .collect();
    assert_eq!(skipped.len(), 1);
    assert!(
        skipped[0]
            .attribute("message")
            .unwrap()
            .contains("deletes go through the admin API")
    );

    // Without the exception, the same fleet fails, and the JSON says which service.
    std::fs::write(
        dir.path().join("strict.toml"),
        config.split("  [[service.expected]]").next().unwrap(),
    )
    .unwrap();
    let run = pydynox_iam(
        dir.path(),
        &endpoint(),
        &[
            "check",
            "--no-table-policy",
            "--config",
            "strict.toml",
            "--format",
            "json",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["schema"], "pydynox-iam/fleet/v1");
    let codes: Vec<(String, i64)> = v["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_string(),
                s["exit_code"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        codes,
        vec![("orders-api".into(), 0), ("orders-reader".into(), 1)]
    );
    assert_eq!(v["services"][1]["report"]["schema"], "pydynox-iam/check/v1");

    // Markdown for a pull request: the failing row and its fix.
    let run = pydynox_iam(
        dir.path(),
        &endpoint(),
        &[
            "check",
            "--no-table-policy",
            "--config",
            "strict.toml",
            "--format",
            "markdown",
        ],
    );
    assert!(
        run.stdout.contains("dynamodb:DeleteItem") && run.stdout.contains("Fix crud"),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn one_unknown_principal_does_not_hide_the_others() {
    let iam = iam().await;
    let a = unique("svc-ok");
    role(&iam, &a, &CRUD).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("fleet.toml"),
        format!(
            "[[service]]\nname = \"good\"\nrole = \"{a}\"\nfeatures = [\"crud\"]\ntables = [\"orders\"]\n\n[[service]]\nname = \"ghost\"\nrole = \"no-such-role-fleet\"\nfeatures = [\"crud\"]\ntables = [\"orders\"]\n"
        ),
    )
    .unwrap();
    let run = pydynox_iam(
        dir.path(),
        &endpoint(),
        &["check", "--no-table-policy", "--config", "fleet.toml"],
    );
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("service `ghost`: role `no-such-role-fleet` not found"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout.contains("=== service `good` ===") && run.stdout.contains("Overall: PASS"),
        "{}",
        run.stdout
    );
    let summary = run
        .stdout
        .lines()
        .skip_while(|l| *l != "Services:")
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        summary.contains("good") && summary.contains("ghost") && summary.contains("ERROR exit 3"),
        "{summary}"
    );
}

#[tokio::test]
async fn a_saved_snapshot_replays_the_json_byte_for_byte() {
    let iam = iam().await;
    let a = unique("snap");
    role(&iam, &a, &CRUD[..2]).await;
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "check",
        "--no-table-policy",
        "--role",
        &a,
        "--features",
        "crud,ping",
        "--table",
        "orders",
        "--engine",
        "both",
        "--format",
        "json",
    ];
    let mut save = args.to_vec();
    save.extend(["--save-snapshot", "snap.json"]);
    let first = pydynox_iam(dir.path(), &endpoint(), &save);
    assert_eq!(first.code, 1, "{}", first.stderr);
    let snapshot: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("snap.json")).unwrap())
            .unwrap();
    assert_eq!(snapshot["schema"], "pydynox-iam/snapshot/v2");
    assert!(
        snapshot["calls"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["op"] == "simulate")
    );
    // The plan and the time are recorded.
    let recorded_at = snapshot["recorded_at"].as_str().unwrap().to_string();
    assert!(
        recorded_at.len() == 20 && recorded_at.ends_with('Z') && recorded_at.contains('T'),
        "{recorded_at}"
    );
    let service = &snapshot["plan"]["services"][0];
    assert_eq!(service["plan"]["features"], json!(["crud", "ping"]));
    assert_eq!(service["table_policies"], "assume-none");
    assert_eq!(snapshot["plan"]["engine"], "both");
    assert_eq!(snapshot["plan"]["region"], "us-east-1");

    // Offline: nothing listens on the endpoint any more, and the answer is the same, byte for
    // byte, but for one key added at the end of the report: when the run was recorded.
    let mut replay = args.to_vec();
    replay.extend(["--from-snapshot", "snap.json"]);
    let second = pydynox_iam(dir.path(), "http://127.0.0.1:9", &replay);
    assert_eq!(second.code, first.code, "{}", second.stderr);
    let body = first.stdout.strip_suffix("\n}\n").expect("a JSON object");
    let marker = second
        .stdout
        .strip_prefix(body)
        .unwrap_or_else(|| panic!("the replay differs before its marker:\n{}", second.stdout));
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(
        marker,
        format!(
            ",\n  \"replay\": {{\n    \"recorded_at\": \"{recorded_at}\",\n    \"recorded_by\": \"{version}\"\n  }}\n}}\n"
        )
    );
    // The table says it too.
    let mut table = args.to_vec();
    table.retain(|a| *a != "json" && *a != "--format");
    table.extend(["--from-snapshot", "snap.json"]);
    let t = pydynox_iam(dir.path(), "http://127.0.0.1:9", &table);
    assert!(
        t.stdout.contains(&format!(
            "replayed from a snapshot recorded at {recorded_at}"
        )),
        "{}",
        t.stdout
    );

    // A replay of another plan is refused, naming each difference: another principal, the
    // table policies read this time, another region, another feature set.
    let refused = |extra: &[&str], drop: &[&str], want: &[&str]| {
        let mut argv: Vec<&str> = replay
            .iter()
            .copied()
            .filter(|a| !drop.contains(a))
            .collect();
        argv.extend(extra);
        let r = pydynox_iam(dir.path(), "http://127.0.0.1:9", &argv);
        assert_eq!(r.code, 2, "{argv:?}: {}", r.stderr);
        assert!(
            r.stderr.contains("was recorded for another plan"),
            "{}",
            r.stderr
        );
        for w in want {
            assert!(r.stderr.contains(w), "want {w} in {}", r.stderr);
        }
        assert!(r.stdout.is_empty(), "{}", r.stdout);
    };
    refused(
        &["--role", "someone-else"],
        &["--role", a.as_str()],
        &["plan.services[0].name: recorded", "\"someone-else\""],
    );
    refused(
        &[],
        &["--no-table-policy"],
        &["plan.services[0].table_policies: recorded \"assume-none\", now \"read\""],
    );
    refused(
        &["--region", "eu-west-1"],
        &[],
        &["plan.region: recorded \"us-east-1\", now \"eu-west-1\""],
    );
    refused(
        &["--features", "crud"],
        &["--features", "crud,ping"],
        &["plan.services[0].plan.features: recorded [\"crud\",\"ping\"], now [\"crud\"]"],
    );
    refused(
        &["--least-privilege"],
        &[],
        &["plan.least_privilege: recorded null"],
    );
    // Unknown fields are refused, not ignored.
    let mut tampered = snapshot.clone();
    tampered["calls"][0]["note"] = json!("edited");
    std::fs::write(dir.path().join("tampered.json"), tampered.to_string()).unwrap();
    let mut argv = args.to_vec();
    argv.extend(["--from-snapshot", "tampered.json"]);
    let r = pydynox_iam(dir.path(), "http://127.0.0.1:9", &argv);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("unknown field `note`"), "{}", r.stderr);
}

/// A TCP proxy to LocalStack that forwards the first `allowed` HTTP requests, then drops
/// every connection and stops listening: LocalStack "going down" mid-run.
fn flaky_proxy(allowed: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let upstream = endpoint().trim_start_matches("http://").to_string();
    let seen = Arc::new(Mutex::new(0usize));
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(mut client) = client else { break };
            if *seen.lock().unwrap() >= allowed {
                let _ = client.shutdown(Shutdown::Both);
                break; // the listener is dropped: later connections are refused
            }
            let Ok(mut server) = TcpStream::connect(&upstream) else {
                break;
            };
            let (mut c2, mut s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut s2, &mut c2);
            });
            let seen = seen.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 65536];
                loop {
                    let n = match client.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    let requests = buf[..n].windows(9).filter(|w| w == b"HTTP/1.1\r").count();
                    let mut s = seen.lock().unwrap();
                    *s += requests;
                    if *s > allowed {
                        let _ = client.shutdown(Shutdown::Both);
                        let _ = server.shutdown(Shutdown::Both);
                        break;
                    }
                    drop(s);
                    if server.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            });
        }
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn localstack_going_down_mid_run_exits_3_and_prints_no_verdict() {
    let iam = iam().await;
    let a = unique("midrun");
    role(&iam, &a, &CRUD).await;
    let dir = tempfile::tempdir().unwrap();
    // GetRole and ListRolePolicies get through; the rest of the run does not.
    let proxy = flaky_proxy(2);
    let run = pydynox_iam(
        dir.path(),
        &proxy,
        &[
            "check",
            "--no-table-policy",
            "--role",
            &a,
            "--features",
            "crud",
            "--table",
            "orders",
            "--engine",
            "aws",
        ],
    );
    assert_eq!(run.code, 3, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("could not reach AWS for `iam:"),
        "{}",
        run.stderr
    );
    assert!(!run.stdout.contains("PASS"), "{}", run.stdout);
}

#[test]
fn a_malformed_config_is_rejected_before_any_aws_call_with_every_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.toml"),
        "[[service]]\nname = \"a\"\nrole = \"x\"\nfeatures = [\"crud\"]\n\n[[service]]\nname = \"a\"\nrole = \"y\"\nfeatures = [\"nope\"]\ncolour = \"red\"\n",
    )
    .unwrap();
    // The endpoint is unreachable: a config error must be reported without trying it.
    let run = pydynox_iam(
        dir.path(),
        "http://127.0.0.1:9",
        &["check", "--no-table-policy", "--config", "bad.toml"],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    for part in [
        "bad.toml:",
        "needs --table",
        "unknown feature `nope`",
        "colour",
    ] {
        assert!(run.stderr.contains(part), "missing {part}: {}", run.stderr);
    }
    assert!(!run.stderr.contains("could not reach"), "{}", run.stderr);
}

#[tokio::test]
async fn a_role_with_many_large_policies_and_odd_names_is_read_whole() {
    let iam = iam().await;
    // IAM names allow + = , . @ _ - besides letters and digits.
    let name = format!("odd+name=1,2.3@x_{}", unique("y"));
    iam.create_role()
        .role_name(&name)
        .assume_role_policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#)
        .send()
        .await
        .unwrap();
    // 10 inline policies; the first close to IAM's 10,240-character inline limit, with
    // non-ASCII text in condition values (which must survive URL-decoding intact).
    let filler: Vec<Value> = (0..48)
        .map(|i| {
            json!({"Sid": format!("Filler{i}"), "Effect": "Allow", "Action": "dynamodb:GetItem",
            "Resource": format!("arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/other-{i:03}"),
            "Condition": {"StringEquals": {"aws:PrincipalTag/équipe": "données-ü"}}})
        })
        .collect();
    let big = json!({"Version": "2012-10-17", "Statement": filler}).to_string();
    assert!(big.len() > 9000 && big.len() < 10240, "{}", big.len());
    iam.put_role_policy()
        .role_name(&name)
        .policy_name("big")
        .policy_document(&big)
        .send()
        .await
        .unwrap();
    for i in 1..10 {
        let doc = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:DescribeTable",
            "Resource": format!("arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/t{i}")}]});
        iam.put_role_policy()
            .role_name(&name)
            .policy_name(format!("inline-{i}"))
            .policy_document(doc.to_string())
            .send()
            .await
            .unwrap();
    }
    // 20 managed policies; the last grants CRUD on orders.
    for i in 0..20 {
        let actions: Vec<&str> = if i == 19 {
            CRUD.to_vec()
        } else {
            vec!["dynamodb:DescribeTable"]
        };
        let doc = json!({"Version": "2012-10-17", "Statement": [{"Sid": format!("M{i}"), "Effect": "Allow", "Action": actions,
            "Resource": format!("arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/orders")}]});
        let p = iam
            .create_policy()
            .policy_name(unique(&format!("m{i}")))
            .policy_document(doc.to_string())
            .send()
            .await
            .unwrap();
        iam.attach_role_policy()
            .role_name(&name)
            .policy_arn(p.policy().unwrap().arn().unwrap())
            .send()
            .await
            .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let run = pydynox_iam(
        dir.path(),
        &endpoint(),
        &[
            "check",
            "--no-table-policy",
            "--role",
            &name,
            "--features",
            "crud",
            "--table",
            "orders",
            "--format",
            "json",
        ],
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    let policies = v["policies"]["policies"].as_array().unwrap();
    assert_eq!(policies.len(), 30);
    assert_eq!(
        policies[0]["text"].as_str().unwrap(),
        big,
        "the large document is read back byte for byte"
    );
    assert!(
        v["rows"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("statement `M19`"),
        "{}",
        v["rows"][0]
    );
    assert_eq!(v["principal"]["name"], name.as_str());
}

#[tokio::test]
async fn verbose_logs_the_calls_but_never_credentials() {
    let iam = iam().await;
    let a = unique("verbose");
    role(&iam, &a, &CRUD).await;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pydynox-iam"))
        .args([
            "-v",
            "check",
            "--no-table-policy",
            "--role",
            &a,
            "--features",
            "crud",
            "--table",
            "orders",
            "--format",
            "json",
        ])
        .env("AWS_ENDPOINT_URL", endpoint())
        .env("AWS_REGION", REGION)
        .env("AWS_ACCESS_KEY_ID", "AKIDSECRETMARKER1")
        .env("AWS_SECRET_ACCESS_KEY", "secret-marker-never-logged")
        .env("AWS_SESSION_TOKEN", "session-token-marker-never-logged")
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("pydynox-iam: endpoint")
            && stderr.contains("IAM.GetRole")
            && stderr.contains("AWS calls"),
        "{stderr}"
    );
    for marker in [
        "AKIDSECRETMARKER1",
        "secret-marker-never-logged",
        "session-token-marker-never-logged",
    ] {
        assert!(!stderr.contains(marker), "{marker} leaked into: {stderr}");
        assert!(
            !String::from_utf8_lossy(&out.stdout).contains(marker),
            "{marker} leaked into stdout"
        );
    }
}
