//! The CI renderers (JUnit XML, Markdown) over a config run checked offline: four services
//! from one `pydynox-iam.toml`, with an expected exception, an all-pass service, allowed and
//! not-allowed inconclusive rows. Snapshot-tested (insta), and the XML parsed back.

use pydynox_iam::grants::offline::{BucketPolicyInput, OfflineAccount};
use pydynox_iam::needs::catalogue::Catalogue;
use pydynox_iam::needs::config::{self, Service};
use pydynox_iam::report::ci::ServiceReport;
use pydynox_iam::report::model::{Gate, Report, Verdict, exit};
use pydynox_iam::report::{junit, markdown};
use pydynox_iam::verdict::fetch::TablePolicies;
use pydynox_iam::verdict::pipeline::{EngineChoice, RunContext, run};

const CONFIG: &str = r#"
[defaults]
region = "us-east-1"

[[service]]
name = "orders-api"
principal = "arn:aws:iam::111122223333:role/svc/orders-api"
features = ["basic-crud", "indexes", "encryption"]
tables = ["users"]
indexes = ["by-email"]
kms_key = "arn:aws:kms:us-east-1:111122223333:key/12345678-1234-1234-1234-123456789012"

  [[service.expected]]
  action = "dynamodb:Query"
  feature = "indexes"
  resource = "arn:aws:dynamodb:*:*:table/users/index/*"
  reason = "index reads go through the reporting role"

[[service]]
name = "users-api"
principal = "arn:aws:iam::111122223333:role/users-api"
features = ["crud"]
tables = ["users"]

[[service]]
name = "media-worker"
principal = "arn:aws:iam::111122223333:role/media-worker"
features = ["s3-attribute"]
bucket = "media"
prefix = "avatars/"
allow_inconclusive = true

[[service]]
name = "reports-job"
principal = "arn:aws:iam::111122223333:role/reports-job"
features = ["kms-readonly"]
kms_key = "arn:aws:kms:us-east-1:111122223333:key/12345678-1234-1234-1234-123456789012"
"#;

const ORDERS_POLICY: &str = r#"{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "DynamoDBAccess",
            "Effect": "Allow",
            "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
                       "dynamodb:Query", "dynamodb:Scan", "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem"],
            "Resource": "arn:aws:dynamodb:us-east-1:111122223333:table/users"
        },
        {
            "Sid": "KMSAccess",
            "Effect": "Allow",
            "Action": ["kms:Encrypt", "kms:Decrypt"],
            "Resource": "arn:aws:kms:us-east-1:111122223333:key/12345678-1234-1234-1234-123456789012"
        }
    ]
}"#;

const CRUD_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:*Item","Resource":"arn:aws:dynamodb:us-east-1:111122223333:table/users"}]}"#;
const S3_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject","s3:DeleteObject","s3:HeadObject"],"Resource":"arn:aws:s3:::media/avatars/*"}]}"#;
const KMS_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}]}"#;
const KEY_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"EnableIAM","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}"#;

/// One service's outcome, owned, as a config run would hold it.
struct Checked {
    name: String,
    report: Report,
    exit_code: i32,
}

/// Checks one service offline, applies its expected exceptions, and takes the exit code.
async fn check(cat: &Catalogue, region: &str, s: &Service) -> Checked {
    let arn = s
        .input
        .principal
        .clone()
        .expect("principal ARN in the test config");
    let principal = pydynox_iam::iam::arn::principal_from_arn(&arn).unwrap();
    let (policy, key_policy, bucket) = match s.name.as_str() {
        "orders-api" => (ORDERS_POLICY, Some(KEY_POLICY), BucketPolicyInput::None),
        "users-api" => (CRUD_POLICY, None, BucketPolicyInput::None),
        // Without the bucket policy, S3 rows are inconclusive offline.
        "media-worker" => (S3_POLICY, None, BucketPolicyInput::Unknown),
        // Without the key policy, KMS rows are inconclusive offline.
        _ => (KMS_POLICY, None, BucketPolicyInput::None),
    };
    let account = OfflineAccount::from_policy_files(
        &arn,
        &principal,
        vec![(format!("{}-policy", s.name), policy.into())],
        None,
    )
    .with_key_policy(key_policy.map(Into::into))
    .with_bucket_policy(bucket);
    let ctx = RunContext {
        catalogue: cat,
        region: Some(region.into()),
        endpoint_url: None,
        engine: EngineChoice::Auto,
        table_policies: TablePolicies::AssumeNone,
        stated: Default::default(),
    };
    let mut report = run(&account, &ctx, &s.plan).await.unwrap();
    pydynox_iam::verdict::expected::apply_expected(&mut report, &s.expected);
    report.conclude(Gate {
        allow_inconclusive: s.allow_inconclusive,
        fail_on: None,
    });
    let exit_code = report.exit_code();
    Checked {
        name: s.name.clone(),
        report,
        exit_code,
    }
}

async fn checked() -> Vec<Checked> {
    let cat = Catalogue::embedded();
    let cfg = config::parse(CONFIG, &cat)
        .unwrap_or_else(|e| panic!("{}", config::render_errors("test.toml", &e)));
    let region = cfg.defaults.region.clone().unwrap();
    let mut out = Vec::new();
    for s in &cfg.services {
        out.push(check(&cat, &region, s).await);
    }
    out
}

fn views(c: &[Checked]) -> Vec<ServiceReport<'_>> {
    c.iter()
        .map(|c| ServiceReport {
            name: &c.name,
            report: &c.report,
            exit_code: c.exit_code,
        })
        .collect()
}

type Renderer =
    fn(&mut dyn std::io::Write, &[ServiceReport<'_>], &[(&str, String)]) -> std::io::Result<()>;

fn render(f: Renderer, c: &[Checked]) -> String {
    let mut out = Vec::new();
    f(&mut out, &views(c), &[]).unwrap();
    String::from_utf8(out).unwrap()
}

fn attr_num(n: roxmltree::Node, name: &str) -> usize {
    n.attribute(name).unwrap().parse().unwrap()
}

#[tokio::test]
async fn the_scenario_covers_every_outcome() {
    let c = checked().await;
    let by_name = |n: &str| c.iter().find(|c| c.name == n).unwrap();
    let orders = by_name("orders-api");
    assert!(
        orders.report.rows.iter().any(|r| r.waived.is_some()),
        "the expected exception matched nothing"
    );
    assert_eq!(orders.exit_code, exit::FAIL);
    let users = by_name("users-api");
    assert_eq!(
        (users.report.summary.verdict, users.exit_code),
        (Verdict::Pass, exit::PASS)
    );
    let media = by_name("media-worker");
    assert_eq!(
        (media.report.summary.verdict, media.exit_code),
        (Verdict::Inconclusive, exit::PASS)
    );
    let reports = by_name("reports-job");
    assert_eq!(
        (reports.report.summary.verdict, reports.exit_code),
        (Verdict::Inconclusive, exit::FAIL)
    );
}

#[tokio::test]
async fn junit_is_well_formed_and_counts_agree() {
    let c = checked().await;
    let xml = render(junit::junit, &c);
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    let root = doc.root_element();
    assert!(root.has_tag_name("testsuites"));
    let suites: Vec<_> = root
        .children()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    assert_eq!(suites.len(), c.len());
    let mut total = (0, 0, 0);
    for (suite, checked) in suites.iter().zip(&c) {
        assert_eq!(
            suite.attribute("name"),
            Some(format!("pydynox-iam: {}", checked.name).as_str())
        );
        let cases: Vec<_> = suite
            .children()
            .filter(|n| n.has_tag_name("testcase"))
            .collect();
        let count = |tag: &str| {
            cases
                .iter()
                .filter(|c| c.children().any(|n| n.has_tag_name(tag)))
                .count()
        };
        assert_eq!(attr_num(*suite, "tests"), cases.len());
        assert_eq!(cases.len(), checked.report.rows.len());
        assert_eq!(attr_num(*suite, "failures"), count("failure"));
        assert_eq!(attr_num(*suite, "skipped"), count("skipped"));
        assert_eq!(attr_num(*suite, "errors"), 0);
        // The dashboard agrees with the exit code.
        assert_eq!(
            count("failure") > 0,
            checked.exit_code != exit::PASS,
            "{}",
            checked.name
        );
        for (case, row) in cases.iter().zip(&checked.report.rows) {
            assert_eq!(
                case.attribute("classname"),
                Some(format!("{}.{}", checked.name, row.feature).as_str())
            );
            assert!(
                case.attribute("name")
                    .unwrap()
                    .starts_with(&format!("{} on {}", row.action, row.resource))
            );
        }
        total.0 += attr_num(*suite, "tests");
        total.1 += attr_num(*suite, "failures");
        total.2 += attr_num(*suite, "skipped");
    }
    assert_eq!(
        (
            attr_num(root, "tests"),
            attr_num(root, "failures"),
            attr_num(root, "skipped")
        ),
        total
    );
    // Waived rows are skipped with the row's reason; allowed inconclusive rows too.
    let skipped: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("skipped"))
        .filter_map(|n| n.attribute("message"))
        .collect();
    assert!(
        skipped.iter().any(|m| m.starts_with("expected: ")),
        "{skipped:?}"
    );
    assert!(
        skipped
            .iter()
            .any(|m| m.starts_with("inconclusive (allowed): ")),
        "{skipped:?}"
    );
    let types: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .filter_map(|n| n.attribute("type"))
        .collect();
    assert!(
        types.contains(&"inconclusive") && types.contains(&"no-allow"),
        "{types:?}"
    );
    insta::assert_snapshot!("junit", xml);
}

#[tokio::test]
async fn markdown_report() {
    let c = checked().await;
    let md = render(markdown::markdown, &c);
    assert!(md.starts_with("## pydynox-iam: **FAIL**\n"), "{md}");
    // The all-pass service is one line, with its checks folded under it.
    let users: Vec<&str> = md.lines().filter(|l| l.contains("users-api")).collect();
    assert_eq!(
        users,
        vec!["### users-api: **PASS** · 4 checks · role `users-api`"]
    );
    let after = md.split("### users-api").nth(1).unwrap();
    assert!(
        after.starts_with(": **PASS** · 4 checks · role `users-api`\n\n<details><summary>4 checks passed</summary>"),
        "{md}"
    );
    assert!(
        md.contains("### media-worker: **INCONCLUSIVE** (allowed)\n"),
        "{md}"
    );
    assert!(md.contains("### reports-job: **INCONCLUSIVE**\n"), "{md}");
    // Passing rows are listed only folded, after the ones that did not pass.
    for line in md.lines().filter(|l| l.ends_with("| PASS |")) {
        let before = &md[..md.find(line).unwrap()];
        assert!(
            before.rfind("<details>") > before.rfind("</details>"),
            "{line} is not folded\n{md}"
        );
    }
    assert!(md.contains("`dynamodb:GetItem`"), "{md}");
    assert!(
        md.contains("1 check: 0 pass, 0 fail, 1 inconclusive\n"),
        "{md}"
    );
    insta::assert_snapshot!("markdown", md);
}

/// A report whose names and messages contain everything that could break the output.
async fn hostile() -> Vec<Checked> {
    let mut c = checked().await;
    c.truncate(1);
    let s = &mut c[0];
    s.name = "a<b>&\"c' ünï 🦀 | x".into();
    let i = s
        .report
        .rows
        .iter()
        .position(|r| r.verdict == Verdict::Fail)
        .unwrap();
    let row = &mut s.report.rows[i];
    row.waived = None;
    row.resource = "arn:aws:dynamodb:us-east-1:1:table/<t&'\"|>\nnext`x".into();
    row.reason = "denied by `p|q` ]]> & <b>bold</b>\nsecond line\u{7}".into();
    s.report.features[0].docs_note = Some("see <https://example.com/a?b&c>".into());
    c
}

#[tokio::test]
async fn junit_escapes_hostile_text() {
    let c = hostile().await;
    let xml = render(junit::junit, &c);
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .unwrap();
    assert_eq!(
        suite.attribute("name"),
        Some("pydynox-iam: a<b>&\"c' ünï 🦀 | x")
    );
    let failure = doc
        .descendants()
        .find(|n| {
            n.has_tag_name("failure") && n.attribute("message").is_some_and(|m| m.contains("]]>"))
        })
        .unwrap_or_else(|| panic!("{xml}"));
    // Attribute line breaks survive as references; the control character cannot.
    assert_eq!(
        failure.attribute("message"),
        Some("denied by `p|q` ]]> & <b>bold</b>\nsecond line\u{FFFD}")
    );
    let body = failure.text().unwrap();
    assert!(
        body.starts_with("denied by `p|q` ]]> & <b>bold</b>\nsecond line\u{FFFD}\ncode: "),
        "{body}"
    );
    let case = failure.parent().unwrap();
    assert_eq!(
        case.attribute("name"),
        Some(
            format!(
                "{} on arn:aws:dynamodb:us-east-1:1:table/<t&'\"|>\nnext`x",
                c[0].report
                    .rows
                    .iter()
                    .find(|r| r.reason.contains("]]>"))
                    .unwrap()
                    .action
            )
            .as_str()
        )
    );
    assert!(
        case.attribute("classname")
            .unwrap()
            .starts_with("a<b>&\"c' ünï 🦀 | x.")
    );
}

/// Splits a Markdown table line into cells on the pipes GFM would split on.
fn cells(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut escaped = false;
    for ch in line.chars() {
        match ch {
            '|' if !escaped => out.push(String::new()),
            c => out.last_mut().unwrap().push(c),
        }
        escaped = ch == '\\' && !escaped;
    }
    out
}

#[tokio::test]
async fn markdown_escapes_hostile_text() {
    let c = hostile().await;
    let md = render(markdown::markdown, &c);
    let heading = md.lines().find(|l| l.starts_with("### ")).unwrap();
    assert_eq!(heading, "### a\\<b\\>\\&\"c' ünï 🦀 \\| x: **FAIL**");
    // Every table line has the header's number of cells: no pipe or line break leaked.
    let mut in_table = false;
    let mut width = 0;
    for line in md.lines() {
        if line.starts_with('|') {
            let n = cells(line).len();
            if !in_table {
                width = n;
                in_table = true;
            }
            assert_eq!(n, width, "{line}\n\n{md}");
        } else {
            in_table = false;
        }
    }
    let row = md
        .lines()
        .find(|l| l.contains("bold"))
        .unwrap_or_else(|| panic!("{md}"));
    assert!(
        row.contains("``arn:aws:dynamodb:us-east-1:1:table/<t&'\"\\|> next`x``"),
        "{row}"
    );
    assert!(
        row.contains("denied by `p\\|q` \\]\\]\\> \\& \\<b\\>bold\\</b\\><br>second line\u{7}"),
        "{row}"
    );
}

// ---------------------------------------------------------------------------------------------
// HTML and SARIF over the same run

use pydynox_iam::report::{html, sarif};

use crate::common::html::{parse, parse_valid};

fn outcome_class(report: &Report, i: usize) -> &'static str {
    use pydynox_iam::report::model::RowOutcome;
    match report.row_outcome(i) {
        RowOutcome::Pass => "pass",
        RowOutcome::Fail => "fail",
        RowOutcome::Inconclusive => "inconclusive",
        RowOutcome::InconclusiveAllowed | RowOutcome::Waived => "skip",
    }
}

#[tokio::test]
async fn html_is_valid_and_has_every_row_with_its_outcome() {
    let c = checked().await;
    let text = render(html::html, &c);
    let page = parse_valid(&text);
    // The matrix: a row per service, a cell per feature it checks, coloured by its verdict and
    // linking to that feature's drill-down, which holds its rows and its fix.
    for (i, s) in c.iter().enumerate() {
        let tr = page
            .all("tr")
            .find(|e| e.attr("data-service") == Some(s.name.as_str()))
            .unwrap_or_else(|| panic!("{} in the matrix", s.name));
        assert_eq!(
            tr.attr("data-verdict"),
            Some(s.report.summary.verdict.as_str())
        );
        for (j, f) in s.report.features.iter().enumerate() {
            let href = format!("#s{i}-f{j}");
            let a = page
                .all("a")
                .find(|a| a.attr("href") == Some(href.as_str()))
                .unwrap_or_else(|| panic!("{href}"));
            let cell = &page.elements[a.parent.unwrap()];
            assert!(
                cell.has_class(&f.verdict.as_str().to_lowercase()),
                "{cell:?}"
            );
            let details = page.by_id(&href[1..]).unwrap();
            assert_eq!(details.name, "details");
            assert_eq!(details.attr("data-feature"), Some(f.name.as_str()));
            if let Some(fix) = &f.fix {
                for st in &fix.add_statements {
                    let sid = st["Sid"].as_str().unwrap();
                    assert!(details.text.contains(sid), "{sid} in {}", details.text);
                }
            }
        }
    }
    // Every row of every report, once, with its outcome: the same content as the other formats.
    let mut shown: Vec<(String, String, String, String, String)> = page
        .all("tr")
        .filter(|e| e.has_class("row"))
        .map(|e| {
            let section = e
                .ancestors
                .iter()
                .position(|a| a == "section")
                .expect("a row is inside its service's section");
            let _ = section;
            (
                e.attr("data-row-feature").unwrap().to_string(),
                e.attr("data-action").unwrap().to_string(),
                e.attr("data-resource").unwrap().to_string(),
                e.attr("data-outcome").unwrap().to_string(),
                String::new(),
            )
        })
        .collect();
    let mut expected: Vec<(String, String, String, String, String)> = c
        .iter()
        .flat_map(|s| {
            s.report.rows.iter().enumerate().map(|(i, r)| {
                (
                    r.feature.clone(),
                    r.action.clone(),
                    r.resource.clone(),
                    outcome_class(&s.report, i).to_string(),
                    String::new(),
                )
            })
        })
        .collect();
    shown.sort();
    expected.sort();
    assert_eq!(shown, expected);
    // Exactly the one inline script, no external reference of any kind.
    assert_eq!(page.all("script").count(), 1);
    assert!(page.all("script").all(|s| s.attr("src").is_none()));
    for e in &page.elements {
        for (k, v) in &e.attrs {
            if k == "href" {
                assert!(v.starts_with('#') || v == "data:,", "{k}={v}");
            }
            assert!(k != "src", "{e:?}");
        }
    }
    let csp = page
        .all("meta")
        .find(|m| m.attr("http-equiv") == Some("Content-Security-Policy"))
        .unwrap();
    assert!(
        csp.attr("content")
            .unwrap()
            .starts_with("default-src 'none'")
    );
}

#[tokio::test]
async fn html_for_one_service_opens_what_did_not_pass() {
    let c = checked().await;
    let one = &c[..1];
    let page = parse_valid(&render(html::html, one));
    assert!(page.by_id("matrix").is_none(), "no matrix for one service");
    for (j, f) in one[0].report.features.iter().enumerate() {
        let d = page.by_id(&format!("s0-f{j}")).unwrap();
        assert_eq!(
            d.attr("open").is_some(),
            f.verdict != Verdict::Pass,
            "{}",
            f.name
        );
    }
}

#[tokio::test]
async fn html_escapes_hostile_text() {
    let mut c = hostile().await;
    let script = "<script>alert(1)</script>";
    let s = &mut c[0];
    s.name = format!("svc{script}");
    s.report.principal.name = format!("role{script}");
    s.report.principal.arn = format!("arn:aws:iam::1:role/{script}");
    let i = s
        .report
        .rows
        .iter()
        .position(|r| r.reason.contains("]]>"))
        .unwrap();
    s.report.rows[i].resource = format!("arn:aws:dynamodb:us-east-1:1:table/{script}");
    let f = s
        .report
        .features
        .iter_mut()
        .find(|f| f.fix.is_some())
        .unwrap();
    let fix = f.fix.as_mut().unwrap();
    if let Some(st) = fix.add_statements.first_mut() {
        st["Sid"] = serde_json::json!(format!("Sid{script}"));
    }
    fix.must_change
        .push(format!("remove the Deny `{script}` in policy `{script}`"));
    let feature = f.name.clone();
    s.report.notes.push(format!("a note {script} & more"));
    let text = render(html::html, &c);
    let page = parse(&text);
    assert!(page.errors.is_empty(), "{:?}", page.errors);
    // Only the page's own script is a script element; every hostile one is text.
    assert_eq!(page.all("script").count(), 1, "{text}");
    assert!(!text.contains(script), "{text}");
    assert!(
        !page
            .elements
            .iter()
            .any(|e| e.name == "b" && e.text.contains("bold")),
        "markup leaked"
    );
    let body = &page.all("body").next().unwrap().text;
    for needle in [
        format!("svc{script}"),
        format!("role{script}"),
        format!("Sid{script}"),
        format!("remove the Deny {script} in policy {script}"),
        "denied by p|q ]]> & <b>bold</b>".to_string(),
        format!("a note {script} & more"),
    ] {
        assert!(body.contains(&needle), "{needle} shown as text in\n{body}");
    }
    let row = page
        .all("tr")
        .find(|e| e.has_class("row") && e.text.contains("bold"))
        .unwrap();
    assert_eq!(
        row.attr("data-resource"),
        Some(format!("arn:aws:dynamodb:us-east-1:1:table/{script}").as_str())
    );
    assert!(
        page.all("details")
            .any(|d| d.attr("data-feature") == Some(feature.as_str()))
    );
}

#[tokio::test]
async fn sarif_has_a_result_per_row_that_did_not_pass() {
    let c = checked().await;
    let text = render(sarif::sarif, &c);
    let log: serde_json::Value = serde_json::from_str(&text).unwrap();
    crate::sarif::assert_valid_sarif(&log);
    let mut shown: Vec<(String, String, String, String, String)> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["properties"]["feature"].is_string())
        .map(|r| {
            let p = &r["properties"];
            let level = r["level"].as_str().unwrap();
            let suppressed = r.get("suppressions").is_some();
            (
                p["service"].as_str().unwrap().to_string(),
                p["feature"].as_str().unwrap().to_string(),
                p["action"].as_str().unwrap().to_string(),
                p["resource"].as_str().unwrap().to_string(),
                format!("{level}{}", if suppressed { " suppressed" } else { "" }),
            )
        })
        .collect();
    let mut expected: Vec<(String, String, String, String, String)> = Vec::new();
    for s in &c {
        for (i, r) in s.report.rows.iter().enumerate() {
            let level = match outcome_class(&s.report, i) {
                "pass" => continue,
                "fail" => "error".to_string(),
                "inconclusive" => "warning".to_string(),
                _ if r.waived.is_some() => format!(
                    "{} suppressed",
                    if r.verdict == Verdict::Fail {
                        "error"
                    } else {
                        "warning"
                    }
                ),
                _ => "note".to_string(),
            };
            expected.push((
                s.name.clone(),
                r.feature.clone(),
                r.action.clone(),
                r.resource.clone(),
                level,
            ));
        }
    }
    shown.sort();
    expected.sort();
    assert_eq!(shown, expected);
    // Every kind of outcome is in the scenario.
    for l in ["error", "warning", "note", "error suppressed"] {
        assert!(
            expected
                .iter()
                .any(|e| e.4 == l || (l == "error suppressed" && e.4.ends_with("suppressed"))),
            "{l}"
        );
    }
}
