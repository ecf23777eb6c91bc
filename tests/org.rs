//! Organisation scale, end to end: `--all-roles` against LocalStack (one read of the account,
//! roles described by their `pydynox:*` tags, filters, roles not described, bad tags), a fleet
//! read once against the same fleet read per principal, a principal missing from the read, and
//! `--compare-version` on the catalogue's 0.13 → 0.14 encryption change in every format.

use std::path::Path;

use serde_json::{Value, json};

use crate::common;

use common::*;

const CRUD: [&str; 4] = [
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
];

fn grant(actions: &[&str], table: &str, account: &str) -> String {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions,
        "Resource": format!("arn:aws:dynamodb:us-east-1:{account}:table/{table}")}]})
    .to_string()
}

async fn role(
    iam: &aws_sdk_iam::Client,
    name: &str,
    path: &str,
    tags: &[(&str, &str)],
    inline: Option<String>,
    managed: Option<&str>,
) {
    let mut req = iam
        .create_role()
        .role_name(name)
        .path(path)
        .assume_role_policy_document(TRUST);
    for (k, v) in tags {
        req = req.tags(
            aws_sdk_iam::types::Tag::builder()
                .key(*k)
                .value(*v)
                .build()
                .unwrap(),
        );
    }
    req.send().await.expect("create role");
    if let Some(doc) = inline {
        iam.put_role_policy()
            .role_name(name)
            .policy_name("inline")
            .policy_document(doc)
            .send()
            .await
            .unwrap();
    }
    if let Some(arn) = managed {
        iam.attach_role_policy()
            .role_name(name)
            .policy_arn(arn)
            .send()
            .await
            .unwrap();
        iam.put_role_permissions_boundary()
            .role_name(name)
            .permissions_boundary(arn)
            .send()
            .await
            .unwrap();
    }
}

/// Runs in `dir` as the caller of `account` (one of the test's own: see `common::iam_in`).
fn run_in(dir: &Path, account: &str, args: &[&str]) -> Run {
    Bin {
        dir: Some(dir),
        env: vec![
            ("PYDYNOX_IAM_COUNT_CALLS", Some("1")),
            ("AWS_ACCESS_KEY_ID", Some(account)),
        ],
        ..Bin::default()
    }
    .run(args)
}

fn service<'a>(fleet: &'a Value, name: &str) -> &'a Value {
    fleet["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no service `{name}` in {fleet}"))
}

/// The AWS calls a run made, as it counts them on stderr.
fn calls(run: &Run) -> usize {
    run.stderr
        .lines()
        .find_map(|l| l.strip_prefix("pydynox-iam: ")?.strip_suffix(" AWS calls"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no call count in {}", run.stderr))
}

#[tokio::test]
async fn all_roles_reads_the_account_once_and_checks_each_role_from_its_tags() {
    let _ = iam().await;
    let own = own_account(51);
    let iam = iam_in(&own).await;
    let path = format!("/{}/", unique("org"));
    let tag = |extra: &[(&'static str, &'static str)]| {
        let mut t = vec![("pydynox:features", "crud"), ("pydynox:tables", "orders")];
        t.extend_from_slice(extra);
        t
    };
    let shared = iam
        .create_policy()
        .policy_name(unique("shared"))
        .policy_document(grant(&CRUD, "orders", &own))
        .send()
        .await
        .unwrap()
        .policy()
        .unwrap()
        .arn()
        .unwrap()
        .to_string();
    let (full, short, bad, bare, other) = (
        unique("full"),
        unique("short"),
        unique("bad"),
        unique("bare"),
        unique("other"),
    );
    role(
        &iam,
        &full,
        &path,
        &tag(&[("team", "payments")]),
        None,
        Some(&shared),
    )
    .await;
    role(
        &iam,
        &short,
        &path,
        &tag(&[("team", "payments")]),
        Some(grant(&CRUD[..3], "orders", &own)),
        None,
    )
    .await;
    role(
        &iam,
        &bad,
        &path,
        &[("pydynox:features", "crud teleport"), ("team", "payments")],
        None,
        None,
    )
    .await;
    role(&iam, &bare, &path, &[("team", "payments")], None, None).await;
    role(&iam, &other, &path, &tag(&[("team", "search")]), None, None).await;
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "check",
        "--all-roles",
        "--path-prefix",
        &path,
        "--tag",
        "team=payments",
        "--no-table-policy",
        "--format",
        "json",
    ];
    let run = run_in(dir.path(), &own, &args);
    // The bad tags are a usage error for that role; the others are still checked.
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    let fleet = run.json();
    assert_eq!(
        service(&fleet, &full)["report"]["summary"]["verdict"],
        "PASS"
    );
    let s = service(&fleet, &short);
    assert_eq!(s["report"]["summary"]["verdict"], "FAIL");
    let row = s["report"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["action"] == "dynamodb:DeleteItem")
        .unwrap();
    assert_eq!(row["verdict"], "FAIL");
    assert!(
        row["evidence"]["grants_read"]
            .as_str()
            .unwrap()
            .contains("iam:GetAccountAuthorizationDetails"),
        "{row}"
    );
    assert_eq!(s["report"]["engine"], "local");
    assert!(
        service(&fleet, &bad)["error"]
            .as_str()
            .unwrap()
            .contains("teleport")
    );
    // Not described, and filtered out by tag: never a service, never PASS; the first is named.
    assert_eq!(fleet["services"].as_array().unwrap().len(), 3);
    assert!(
        run.stderr.contains("not described: 1 roles") && run.stderr.contains(&bare),
        "{}",
        run.stderr
    );
    // One read of the account: no call per principal (tables' policies are stated away).
    // (every HTTP attempt is counted: a retried read is two).
    assert!(calls(&run) <= 2, "{}", run.stderr);

    // The same roles as a config file: the file's entry wins over the role's tags.
    std::fs::write(
        dir.path().join("pydynox-iam.toml"),
        format!(
            "[defaults]\nregion = \"us-east-1\"\n\n[[service]]\nname = \"short-as-written\"\nrole = \"{short}\"\nfeatures = [\"crud\"]\ntables = [\"orders\"]\n\n  [[service.expected]]\n  action = \"dynamodb:DeleteItem\"\n  reason = \"deletes go through the admin API\"\n"
        ),
    )
    .unwrap();
    let mut with_config = args.to_vec();
    with_config.extend(["--config", "pydynox-iam.toml"]);
    let run = run_in(dir.path(), &own, &with_config);
    let fleet = run.json();
    assert_eq!(
        service(&fleet, "short-as-written")["report"]["summary"]["verdict"],
        "PASS",
        "{}",
        run.stderr
    );
    assert!(
        fleet["services"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["name"] != short.as_str())
    );
}

#[tokio::test]
async fn a_fleet_read_once_decides_as_the_fleet_read_per_principal() {
    let _ = iam().await;
    let own = own_account(52);
    let iam = iam_in(&own).await;
    let path = format!("/{}/", unique("fleet"));
    let mut config = String::from("[defaults]\nregion = \"us-east-1\"\n");
    let mut names = Vec::new();
    for i in 0..7 {
        let name = unique(&format!("r{i}"));
        let actions = &CRUD[..(i % 4) + 1];
        role(
            &iam,
            &name,
            &path,
            &[],
            Some(grant(actions, "orders", &own)),
            None,
        )
        .await;
        config.push_str(&format!(
            "\n[[service]]\nname = \"{name}\"\nrole = \"{name}\"\nfeatures = [\"crud\"]\ntables = [\"orders\"]\n"
        ));
        names.push(name);
    }
    // A principal deleted before the read: its own error, the others still checked.
    config.push_str("\n[[service]]\nname = \"gone\"\nrole = \"deleted-before-the-read\"\nfeatures = [\"crud\"]\ntables = [\"orders\"]\n");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("fleet.toml"), &config).unwrap();
    let verdicts = |mode: &str| {
        let run = run_in(
            dir.path(),
            &own,
            &[
                "check",
                "--config",
                "fleet.toml",
                "--no-table-policy",
                "--engine",
                "local",
                "--account-read",
                mode,
                "--format",
                "json",
            ],
        );
        assert_eq!(run.code, 3, "{mode}: {}\n{}", run.stdout, run.stderr);
        let fleet = run.json();
        let gone = service(&fleet, "gone")["error"]
            .as_str()
            .unwrap()
            .to_string();
        let v: Vec<(String, Value)> = names
            .iter()
            .map(|n| {
                let r = &service(&fleet, n)["report"];
                (r["summary"]["verdict"].to_string(), r["rows"].clone())
            })
            .map(|(v, rows)| {
                let rows: Vec<_> = rows
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| json!([r["action"], r["verdict"], r["code"]]))
                    .collect();
                (v, json!(rows))
            })
            .collect();
        (v, gone, calls(&run))
    };
    let (once, gone_once, calls_once) = verdicts("auto");
    let (each, gone_each, calls_each) = verdicts("never");
    assert_eq!(once, each);
    assert_eq!(once.iter().filter(|(v, _)| v == "\"PASS\"").count(), 1);
    assert!(
        gone_once.contains("iam:GetAccountAuthorizationDetails"),
        "{gone_once}"
    );
    assert!(gone_once.contains("not found"), "{gone_once}");
    assert!(gone_each.contains("iam:GetRole"), "{gone_each}");
    // One read (every HTTP attempt is counted: a retried read is two).
    assert!(calls_once <= 2, "{calls_once}");
    assert!(calls_each >= 8 * 3, "{calls_each}");
}

#[test]
fn all_roles_is_refused_where_it_cannot_work() {
    let dir = tempfile::tempdir().unwrap();
    for (args, want) in [
        (
            vec!["check", "--all-roles", "--account-read", "never"],
            "cannot be used with --account-read never",
        ),
        (
            vec!["check", "--all-roles", "--policy-file", "x.json"],
            "give the account's export with --from-auth-details FILE",
        ),
        (
            vec!["check", "--all-roles", "--tag", "=x"],
            "--tag `=x` has no key",
        ),
        (
            vec![
                "check",
                "--features",
                "crud",
                "--table",
                "t",
                "--compare-version",
                "9.9",
            ],
            "--compare-version",
        ),
        (
            vec!["check", "--path-prefix", "/x/", "--features", "crud"],
            "--all-roles",
        ),
    ] {
        let run = Bin {
            dir: Some(dir.path()),
            endpoint: NOWHERE.into(),
            ..Bin::default()
        }
        .run(&args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(want), "{args:?}: {}", run.stderr);
    }
}

const ROLE: &str = "arn:aws:iam::111122223333:role/app";
const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

/// A role granted what pydynox 0.13 needs to encrypt (kms:Encrypt), not what 0.14 needs
/// (kms:GenerateDataKey): the catalogue's real release difference.
fn upgrade_run(format: &str) -> Run {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("app.json"),
        json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": KEY}
        ]})
        .to_string(),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("key.json"),
        json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}
        ]})
        .to_string(),
    )
    .unwrap();
    Bin {
        dir: Some(dir.path()),
        endpoint: NOWHERE.into(),
        offline: true,
        ..Bin::default()
    }
    .run(&[
        "check",
        "--role",
        ROLE,
        "--policy-file",
        "app.json",
        "--key-policy-file",
        "key.json",
        "--features",
        "encryption-readwrite",
        "--kms-key",
        KEY,
        "--pydynox-version",
        "0.13.0",
        "--compare-version",
        "0.14.0",
        "--format",
        format,
    ])
}

#[test]
fn compare_version_shows_the_0_14_encryption_change_in_every_format() {
    let run = upgrade_run("json");
    // 0.13 passes; 0.14 would fail, and the exit code says so.
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let report = run.json();
    assert_eq!(report["summary"]["verdict"], "PASS");
    let u = &report["upgrade"];
    assert_eq!(
        (u["from"].as_str(), u["to"].as_str()),
        (Some("0.13.0"), Some("0.14.0"))
    );
    assert_eq!(u["to_exit_code"], 1);
    let changes: Vec<_> = u["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["action"].as_str().unwrap(),
                c["before"].clone(),
                c["after"].clone(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            ("kms:GenerateDataKey", Value::Null, json!("FAIL")),
            ("kms:Encrypt", json!("PASS"), Value::Null),
        ]
    );

    let table = upgrade_run("table");
    assert!(
        table.stdout.contains("Upgrade 0.13.0 -> 0.14.0"),
        "{}",
        table.stdout
    );
    assert!(table.stdout.contains("new need, FAIL"), "{}", table.stdout);
    assert!(table.stdout.contains("need goes away"), "{}", table.stdout);

    let md = upgrade_run("markdown");
    assert!(
        md.stdout
            .contains("| new need, FAIL | encryption-readwrite | kms:GenerateDataKey |"),
        "{}",
        md.stdout
    );

    let xml = upgrade_run("junit");
    let doc = roxmltree::Document::parse(&xml.stdout).unwrap();
    let upgrade: Vec<_> = doc
        .descendants()
        .filter(|n| {
            n.has_tag_name("testcase")
                && n.attribute("classname")
                    .is_some_and(|c| c.ends_with(".upgrade-0.14.0"))
        })
        .collect();
    assert_eq!(upgrade.len(), 2);
    assert_eq!(
        upgrade
            .iter()
            .filter(|n| n.children().any(|c| c.has_tag_name("failure")))
            .count(),
        1
    );
}
