//! Many accounts against LocalStack (4.10 keys its state by account: an access key id that is a
//! 12-digit number is that account): the caller (an account of the test's own) audits itself
//! with its own credentials and two other accounts through `sts:AssumeRole` of their audit role; the
//! roles read through the assumed credentials are that account's (their ARNs and the report's
//! principal say so). LocalStack does not refuse an AssumeRole (checked: it answers for a role
//! that does not exist, as it enforces no IAM), so an account that cannot be entered is tested
//! on the mock (src/commands/check/accounts.rs), not here.

use serde_json::Value;

use crate::common;

use common::*;

async fn role(iam: &aws_sdk_iam::Client, name: &str, path: &str, tags: &[(&str, &str)]) {
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
}

fn account<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["accounts"]
        .as_array()
        .unwrap_or_else(|| panic!("no accounts in {report}"))
        .iter()
        .find(|a| a["id"] == id)
        .unwrap_or_else(|| panic!("no account {id} in {report}"))
}

#[tokio::test]
async fn each_account_is_entered_through_its_audit_role_and_the_roles_read_are_its_own() {
    // Accounts of this test only (LocalStack's state is shared by the tests of a run), the
    // caller's own included: LocalStack 4.10 can fail a GetAccountAuthorizationDetails with an
    // InternalError ("dictionary changed size during iteration") when other tests create roles
    // in the account it reads at the same moment, so this test reads no account they write.
    let n = std::process::id() % 1_000_000;
    let (own, b, c) = (
        format!("11{n:06}0003"),
        format!("21{n:06}0001"),
        format!("31{n:06}0002"),
    );
    let caller = || Bin {
        env: vec![("AWS_ACCESS_KEY_ID", Some(own.as_str()))],
        ..Bin::default()
    };
    let _ = iam().await;
    let u = unique("acct");
    let path = format!("/{u}/");
    let audit = format!("audit-{u}");
    // Role names are unique in an account whatever the path: each of this test's own.
    let (app_name, plain) = (unique("app"), unique("plain"));
    let described = [("pydynox:features", "crud"), ("pydynox:tables", "orders")];
    // The caller's own account: a described role; B and C: the audit role and a described
    // role (and in C one that is not described).
    role(&iam_in(&own).await, &app_name, &path, &described).await;
    for acct in [&b, &c] {
        let iam = iam_in(acct).await;
        role(&iam, &audit, "/", &[]).await;
        role(&iam, &app_name, &path, &described).await;
    }
    role(&iam_in(&c).await, &plain, &path, &[("team", "x")]).await;
    let accounts = format!("{c},{b},{own}");
    let out = caller().run(&[
        "check",
        "--all-roles",
        "--path-prefix",
        &path,
        "--accounts",
        &accounts,
        "--assume-role-name",
        &audit,
        "--no-table-policy",
        "--engine",
        "local",
        "--no-org-policies",
        "--format",
        "json",
    ]);
    let report = out.json();
    let names: Vec<&str> = report["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    let app = |a: &str| format!("{a}/{app_name}");
    // Ordered by account then service.
    assert_eq!(names, [app(&own), app(&b), app(&c)], "{}", out.stderr);
    for a in [own.as_str(), b.as_str(), c.as_str()] {
        let s = report["services"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == app(a))
            .unwrap();
        // The roles read through the assumed credentials are that account's.
        assert_eq!(s["account"], a);
        assert_eq!(s["report"]["principal"]["account"], a, "{s}");
        assert_eq!(
            s["report"]["principal"]["arn"],
            format!("arn:aws:iam::{a}:role{path}{app_name}")
        );
    }
    let own_entry = account(&report, &own);
    assert_eq!(
        (own_entry["entered"].as_str(), own_entry["status"].as_str()),
        (Some("caller"), Some("checked"))
    );
    let entered = account(&report, &c);
    assert_eq!(entered["entered"], "assume-role");
    assert_eq!(
        entered["role_arn"],
        format!("arn:aws:iam::{c}:role/{audit}")
    );
    assert_eq!(entered["not_described"], serde_json::json!([plain]));
    // The roles grant nothing: each check fails (exit 1), none is an error.
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(report["accounts"].as_array().unwrap().len(), 3);

    // The same run in the other formats: every account's service, and C's role not described.
    for format in ["markdown", "junit", "html", "table"] {
        let out = caller().run(&[
            "check",
            "--all-roles",
            "--path-prefix",
            &path,
            "--accounts",
            &accounts,
            "--assume-role-name",
            &audit,
            "--no-table-policy",
            "--engine",
            "local",
            "--no-org-policies",
            "--format",
            format,
        ]);
        assert_eq!(out.code, 1, "{format}: {}", out.stderr);
        for a in [own.as_str(), b.as_str(), c.as_str()] {
            assert!(out.stdout.contains(&app(a)), "{format}: {}", out.stdout);
        }
        // C's role without pydynox tags: named, never a pass.
        assert!(out.stdout.contains(&plain), "{format}: {}", out.stdout);
        if format == "junit" {
            let case = format!(r#"<testcase classname="{c}.not-checked" name="{plain}">"#);
            assert!(out.stdout.contains(&case), "{}", out.stdout);
        }
    }
}

/// An Organizations client on moto (which serves Organizations; LocalStack community does not).
async fn organizations() -> aws_sdk_organizations::Client {
    aws_sdk_organizations::Client::from_conf(
        aws_sdk_organizations::config::Builder::from(&sdk_config().await)
            .endpoint_url(moto_endpoint())
            .build(),
    )
}

#[tokio::test]
async fn the_organization_s_active_accounts_are_audited_and_a_suspended_one_is_listed_skipped() {
    let org = organizations().await;
    // One organization per moto server, whose management account is the caller's: made once.
    let _ = org
        .create_organization()
        .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
        .send()
        .await;
    let create = |name: String| {
        let org = org.clone();
        async move {
            org.create_account()
                .email(format!("{name}@example.com"))
                .account_name(name)
                .send()
                .await
                .expect("create account")
                .create_account_status()
                .and_then(|s| s.account_id())
                .expect("account id")
                .to_string()
        }
    };
    let (live, closed) = (create(unique("live")).await, create(unique("closed")).await);
    org.close_account()
        .account_id(&closed)
        .send()
        .await
        .expect("close account");
    let _ = iam().await;
    let u = unique("org");
    let path = format!("/{u}/");
    let audit = format!("audit-{u}");
    let app_name = unique("app");
    let iam = iam_in(&live).await;
    role(&iam, &audit, "/", &[]).await;
    role(
        &iam,
        &app_name,
        &path,
        &[("pydynox:features", "crud"), ("pydynox:tables", "orders")],
    )
    .await;
    let moto = moto_endpoint();
    let out = Bin {
        // The SDK reads Organizations' own endpoint: moto, while IAM and STS stay on LocalStack.
        env: vec![("AWS_ENDPOINT_URL_ORGANIZATIONS", Some(moto.as_str()))],
        ..Bin::default()
    }
    .run(&[
        "check",
        "--all-roles",
        "--path-prefix",
        &path,
        "--organization",
        "--assume-role-name",
        &audit,
        "--no-table-policy",
        "--engine",
        "local",
        "--no-org-policies",
        "--format",
        "json",
    ]);
    let report = out.json();
    let names: Vec<&str> = report["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, [format!("{live}/{app_name}")], "{}", out.stderr);
    assert_eq!(
        report["services"][0]["report"]["principal"]["account"],
        live.as_str()
    );
    let skipped = account(&report, &closed);
    assert_eq!(skipped["status"], "skipped", "{skipped}");
    assert_eq!(skipped["exit_code"], 0);
    assert!(
        skipped["reason"].as_str().unwrap().contains("SUSPENDED"),
        "{skipped}"
    );
    assert_eq!(account(&report, ACCOUNT)["entered"], "caller");
    assert_eq!(account(&report, &live)["entered"], "assume-role");
    assert_eq!(out.code, 1, "{}", out.stderr);
}
