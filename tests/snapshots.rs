//! Snapshot tests (insta) of the rendered table and JSON report, the `features` listing, and
//! `--help`: output users and CI jobs read, so any change to it shows up in review.

use clap::CommandFactory;

use pydynox_iam::cli::Cli;
use pydynox_iam::grants::offline::{BucketPolicyInput, OfflineAccount};
use pydynox_iam::iam::arn::PrincipalKind;
use pydynox_iam::needs::catalogue::Catalogue;
use pydynox_iam::needs::plan::{CheckPlan, IndexSelection, PrincipalSelector, ResourceInputs};
use pydynox_iam::report::model::Report;
use pydynox_iam::report::table::{self, TextStyle};
use pydynox_iam::report::{features, json};
use pydynox_iam::verdict::fetch::TablePolicies;
use pydynox_iam::verdict::pipeline::{EngineChoice, RunContext, run};

const ROLE: &str = "arn:aws:iam::111122223333:role/svc/orders-api";

/// A deterministic report: the docs page's "Complete example" policy, checked offline.
async fn report() -> Report {
    report_for("users", "by-email").await
}

/// The same report on a table and index of the given names (long ones make long ARNs).
async fn report_for(table: &str, index: &str) -> Report {
    let policy = r#"{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "DynamoDBAccess",
            "Effect": "Allow",
            "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
                       "dynamodb:Query", "dynamodb:Scan", "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem"],
            "Resource": "arn:aws:dynamodb:us-east-1:111122223333:table/TABLE"
        },
        {
            "Sid": "KMSAccess",
            "Effect": "Allow",
            "Action": ["kms:Encrypt", "kms:Decrypt"],
            "Resource": "arn:aws:kms:us-east-1:111122223333:key/12345678-1234-1234-1234-123456789012"
        }
    ]
}"#
    .replace("TABLE", table);
    let key_policy = r#"{"Version":"2012-10-17","Statement":[{"Sid":"EnableIAM","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}"#;
    let principal = pydynox_iam::iam::arn::principal_from_arn(ROLE).unwrap();
    let account = OfflineAccount::from_policy_files(
        ROLE,
        &principal,
        vec![("complete-example".into(), policy)],
        None,
    )
    .with_key_policy(Some(key_policy.into()))
    .with_bucket_policy(BucketPolicyInput::None);
    let cat = Catalogue::embedded();
    let plan = CheckPlan {
        principal: PrincipalSelector::Named(principal),
        features: cat
            .resolve_features(&[
                "basic-crud",
                "batch",
                "transactions",
                "indexes",
                "encryption",
                "ping",
            ])
            .unwrap(),
        version: cat.newest(),
        resources: ResourceInputs {
            tables: vec![table.into()],
            indexes: IndexSelection::Named(vec![index.into()]),
            kms_key: Some(pydynox_iam::iam::arn::KeyInput::KeyArn(
                "arn:aws:kms:us-east-1:111122223333:key/12345678-1234-1234-1234-123456789012"
                    .into(),
            )),
            bucket: None,
            prefix: String::new(),
            assume_role_arn: None,
            lock_table: None,
        },
        extra_context: vec![],
        notes: vec![],
        app: None,
    };
    let ctx = RunContext {
        catalogue: &cat,
        region: Some("us-east-1".into()),
        endpoint_url: None,
        engine: EngineChoice::Auto,
        table_policies: TablePolicies::AssumeNone,
        stated: Default::default(),
    };
    let report = run(&account, &ctx, &plan).await.unwrap();
    assert_eq!(report.principal.kind, PrincipalKind::Role);
    report
}

fn render(f: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>) -> String {
    let mut out = Vec::new();
    f(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn table_at(r: &Report, width: Option<u16>, view: table::RowsView) -> String {
    render(|w| {
        table::report_table(
            w,
            r,
            TextStyle {
                color: false,
                width,
            },
            view,
            false,
        )
    })
}

/// Every line of `text` fits `width` columns (characters, as a terminal counts them here),
/// but the fix statements' JSON, which is printed whole to be copied.
fn assert_fits(text: &str, width: usize) {
    for line in text.lines() {
        if line.trim_start().starts_with(['"', '[', ']', '{', '}']) {
            continue;
        }
        assert!(
            line.chars().count() <= width,
            "a line is wider than {width} columns ({}):\n{line}",
            line.chars().count()
        );
    }
}

#[tokio::test]
async fn check_table() {
    // No width given (a pipe): laid out to table::PIPE_WIDTH.
    let r = report().await;
    let text = table_at(&r, None, Default::default());
    assert_fits(&text, table::PIPE_WIDTH as usize);
    insta::assert_snapshot!(text);
}

#[tokio::test]
async fn check_table_at_80_100_and_160_columns_with_long_arns() {
    let r = report_for(
        "orders-platform-production-customer-ledger-v2",
        "by-customer-email-and-created-at",
    )
    .await;
    for width in [80u16, 100, 160] {
        let text = table_at(&r, Some(width), Default::default());
        assert_fits(&text, width as usize);
        // The answer first: the overall verdict and the failing features with their fixes
        // before any row (read with the table's wrapping undone).
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let flat_rows_at = flat.find("Checks by resource").unwrap();
        let rows_at = text.find("Checks by resource").unwrap();
        for needle in [
            "Overall: FAIL",
            "fix: allow dynamodb:Query, dynamodb:Scan on index/by-customer-email-and-created-at",
            "fix: allow dynamodb:ConditionCheckItem on",
            "fix: allow kms:GenerateDataKey on key/12345678…",
        ] {
            let at = flat
                .find(needle)
                .unwrap_or_else(|| panic!("{needle} in\n{text}"));
            assert!(at < flat_rows_at, "{needle} comes before the rows:\n{text}");
        }
        // Transaction context as a tag on the row's line, not a line of its own.
        if width >= 100 {
            assert!(
                text.lines()
                    .any(|l| l.contains("dynamodb:ConditionCheckItem [tx-write]")
                        && l.contains("FAIL")),
                "{text}"
            );
        } else {
            assert!(flat[flat_rows_at..].contains("[tx-write] ┆"), "{text}");
        }
        // Each full ARN once, in the legend (at 80 columns it is broken over two lines), and
        // in the fix statements' JSON.
        let arn = "arn:aws:dynamodb:us-east-1:111122223333:table/orders-platform-production-customer-ledger-v2";
        let legend = &text[text.find("\nResources:\n").unwrap()..];
        let legend = &legend[..legend.find("\n\n").unwrap()];
        let rows = &text[rows_at..text.find("\nResources:\n").unwrap()];
        assert!(!rows.contains("arn:aws:"), "{rows}");
        if width > 100 {
            assert_eq!(
                legend.lines().filter(|l| l.ends_with(arn)).count(),
                1,
                "{legend}"
            );
        } else {
            assert!(
                legend.contains("table/orders-platform-production-customer-ledger-v2"),
                "{legend}"
            );
        }
        insta::assert_snapshot!(format!("check_table_long_arns_{width}"), text);
    }
}

#[tokio::test]
async fn check_table_wide_and_failed_only() {
    let r = report().await;
    let wide = table_at(
        &r,
        Some(80),
        table::RowsView {
            wide: true,
            failed_only: false,
        },
    );
    // Every row, with its full ARN and full context, at natural width.
    assert_eq!(wide.matches(" PASS ").count(), 13 + 1, "{wide}");
    assert!(
        wide.contains(
            "dynamodb:ConditionCheckItem [dynamodb:EnclosingOperation=TransactWriteItems"
        )
    );
    assert!(!wide.contains("Resources:"), "{wide}");
    let failed = table_at(
        &r,
        Some(100),
        table::RowsView {
            wide: false,
            failed_only: true,
        },
    );
    assert!(
        failed.contains("13 passing left out, --failed-only"),
        "{failed}"
    );
    let rows = &failed[failed.find("Checks by resource").unwrap()..];
    let rows = &rows[..rows.find("Resources:").unwrap()];
    assert!(!rows.contains("PASS"), "{rows}");
    assert_eq!(rows.matches("FAIL").count(), 5, "{rows}");
}

#[tokio::test]
async fn check_table_with_colour_marks_verdicts() {
    let r = report().await;
    let text = render(|w| {
        table::report_table(
            w,
            &r,
            TextStyle {
                color: true,
                width: None,
            },
            Default::default(),
            false,
        )
    });
    // The overall verdict, and each verdict cell (comfy-table's 256-colour codes).
    assert!(text.contains("Overall: \x1b[31mFAIL\x1b[0m"), "{text}");
    assert!(
        text.contains("\x1b[38;5;9m FAIL") && text.contains("\x1b[38;5;10m PASS"),
        "{text}"
    );
}

#[tokio::test]
async fn check_json() {
    let r = report().await;
    let text = render(|w| json::report_json(w, &r));
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["schema"], "pydynox-iam/check/v1");
    insta::assert_snapshot!(text);
}

#[test]
fn features_table_and_json() {
    let cat = Catalogue::embedded();
    let table = render(|w| {
        features::features_table(
            w,
            &cat,
            &cat.newest(),
            TextStyle {
                color: false,
                width: None,
            },
        )
    });
    insta::assert_snapshot!("features_table", table);
    let old = render(|w| {
        features::features_json(
            w,
            &cat,
            &pydynox_iam::needs::catalogue::parse_version("0.13.0").unwrap(),
        )
    });
    insta::assert_snapshot!("features_json_0_13", old);
}

fn help(path: &[&str]) -> String {
    let mut cmd = Cli::command().term_width(100);
    let mut sub = &mut cmd;
    for p in path {
        sub = sub.find_subcommand_mut(p).unwrap();
    }
    sub.render_long_help().to_string()
}

#[test]
fn help_texts() {
    insta::assert_snapshot!("help", help(&[]));
    insta::assert_snapshot!("help_check", help(&["check"]));
    insta::assert_snapshot!("help_features", help(&["features"]));
    insta::assert_snapshot!("help_simulate", help(&["simulate"]));
    insta::assert_snapshot!("help_why", help(&["why"]));
    insta::assert_snapshot!("help_policy", help(&["policy"]));
    insta::assert_snapshot!("help_scan", help(&["scan"]));
}

/// `--version` as a user sees it: the tool's version, then how new its data is, read from the
/// data (a catalogue, action snapshot or SAM data refresh changes this snapshot on purpose).
#[test]
fn version_text() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pydynox-iam"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let cat = pydynox_iam::needs::catalogue::Catalogue::embedded_ref();
    assert!(
        text.contains(&format!("to {} ", cat.newest_release)),
        "{text}"
    );
    insta::assert_snapshot!("version", text);
    // -V stays the short form.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pydynox-iam"))
        .arg("-V")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("pydynox-iam {}\n", env!("CARGO_PKG_VERSION"))
    );
}
