//! The HTML report of a 200-service fleet, opened in a real headless Chromium (Debian's
//! package, installed by tests/browser/ensure-chromium.sh, which `make test` runs first; this
//! test runs it too and fails, never skips, when Chromium cannot be had). The page is served
//! by a server in this test that logs every request it gets, so "no request leaves the page"
//! is checked, not assumed: each page load asks for the report and nothing else (the page's
//! Content-Security-Policy forbids every other fetch, and its favicon is inline).
//!
//! What is checked in the browser, on the DOM after the page's script ran: the matrix renders
//! with a row per service; a failing cell's link opens its feature with the fix; the filters
//! (from the query string, as the form's controls set them) hide what they should. A
//! screenshot is kept under target/ (`CARGO_TARGET_TMPDIR/html-report/fleet-200.png`), which
//! `make screenshot` copies to docs/ for the README.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use crate::common::html::{Page, parse, parse_valid};
use crate::common::{Bin, Run};

const ACCOUNT: &str = "111122223333";
const SERVICES: usize = 200;
const KEY: &str = "arn:aws:kms:eu-west-1:111122223333:key/aaaaaaaa-1111-2222-3333-444444444444";

fn doc(statements: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// A fleet of `SERVICES` services with a mix of outcomes: every one does CRUD on its table;
/// some also query an index, use transactions, ping, or decrypt with a key; the policies
/// forget the index ARN, `ConditionCheckItem` or `ListTables` for some (FAIL), and no key
/// policy is given (encryption INCONCLUSIVE).
fn write_fleet(dir: &Path) {
    let mut roles = Vec::new();
    let mut config = String::from("[defaults]\nregion = \"eu-west-1\"\n");
    for i in 0..SERVICES {
        let name = format!("svc-{i:03}");
        let table = format!("table-{i:03}");
        let table_arn = format!("arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/{table}");
        let mut features = vec!["crud"];
        let mut actions = vec![
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
        ];
        let mut resources = vec![table_arn.clone()];
        let mut extra = String::new();
        if i % 2 == 0 {
            features.push("indexes");
            actions.extend(["dynamodb:Query", "dynamodb:Scan"]);
            extra.push_str("indexes = [\"by-owner\"]\n");
            if i % 7 != 0 {
                resources.push(format!("{table_arn}/index/by-owner"));
            }
        }
        if i % 3 == 0 {
            features.push("transactions");
            if i % 5 != 0 {
                actions.push("dynamodb:ConditionCheckItem");
            }
        }
        let mut statements = vec![
            json!({"Sid": "Table", "Effect": "Allow", "Action": actions, "Resource": resources}),
        ];
        if i % 4 == 1 {
            features.push("ping");
            if i % 8 != 1 {
                statements.push(json!({"Sid": "Ping", "Effect": "Allow", "Action": "dynamodb:ListTables", "Resource": "*"}));
            }
        }
        if i % 11 == 0 {
            features.push("encryption-readonly");
            extra.push_str(&format!("kms_key = \"{KEY}\"\n"));
            statements.push(
                json!({"Sid": "Key", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY}),
            );
        }
        roles.push(json!({
            "RoleName": name,
            "Arn": format!("arn:aws:iam::{ACCOUNT}:role/{name}"),
            "AssumeRolePolicyDocument": doc(json!([])),
            "RolePolicyList": [{"PolicyName": "inline", "PolicyDocument": doc(json!(statements))}],
            "AttachedManagedPolicies": []
        }));
        config.push_str(&format!(
            "\n[[service]]\nname = \"{name}\"\nrole = \"{name}\"\nfeatures = {features:?}\ntables = [\"{table}\"]\n{extra}"
        ));
    }
    let details = json!({"RoleDetailList": roles, "UserDetailList": [], "GroupDetailList": [], "Policies": []});
    std::fs::write(dir.join("details.json"), details.to_string()).unwrap();
    std::fs::write(dir.join("fleet.toml"), config).unwrap();
}

fn run(dir: &Path, args: &[&str]) -> Run {
    Bin {
        dir: Some(dir),
        endpoint: "http://127.0.0.1:9".into(),
        offline: true,
        region: "eu-west-1",
        ..Bin::default()
    }
    .run(args)
}

/// Chromium from the distribution's packages, installed if it is not there yet.
fn chromium() -> PathBuf {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/ensure-chromium.sh");
    let out = Command::new("bash").arg(&script).output().unwrap();
    assert!(
        out.status.success(),
        "cannot install Chromium for the browser test ({}):\n{}{}",
        script.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let which = Command::new("bash")
        .args(["-c", "command -v chromium"])
        .output()
        .unwrap();
    assert!(which.status.success(), "chromium is not on the PATH");
    PathBuf::from(String::from_utf8(which.stdout).unwrap().trim())
}

/// A server for one file that logs the path of every request it gets.
struct Server {
    port: u16,
    log: Arc<Mutex<Vec<String>>>,
}

fn handle(mut stream: TcpStream, body: &[u8], log: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut first = String::new();
    // A speculative connection the browser never uses sends nothing: nothing to log.
    if reader.read_line(&mut first).unwrap_or(0) == 0 {
        return;
    }
    let mut line = String::new();
    while reader.read_line(&mut line).unwrap_or(0) > 2 {
        line.clear();
    }
    let path = first.split_whitespace().nth(1).unwrap_or("").to_string();
    log.lock().unwrap().push(path.clone());
    let response = if path.starts_with("/report.html") {
        let mut r = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .into_bytes();
        r.extend_from_slice(body);
        r
    } else {
        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec()
    };
    let _ = stream.write_all(&response);
}

impl Server {
    fn start(body: Vec<u8>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let log = Arc::new(Mutex::new(Vec::new()));
        let body = Arc::new(body);
        let l = Arc::clone(&log);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (body, log) = (Arc::clone(&body), Arc::clone(&l));
                std::thread::spawn(move || handle(stream, &body, &log));
            }
        });
        Server { port, log }
    }

    fn url(&self, rest: &str) -> String {
        format!("http://127.0.0.1:{}/report.html{rest}", self.port)
    }
}

/// Runs headless Chromium with a fresh profile on `url` with `args` (bounded by `timeout`),
/// returning its standard output.
fn browse(chromium: &Path, args: &[&str], url: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new("timeout")
        .arg("90")
        .arg(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "chromium failed on {url}: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn dom(chromium: &Path, url: &str) -> Page {
    let text = browse(chromium, &["--dump-dom"], url);
    let page = parse(&text);
    assert!(page.all("table").count() > 0, "no DOM from {url}:\n{text}");
    page
}

fn service_rows(page: &Page) -> Vec<(&str, &str, bool)> {
    page.all("tr")
        .filter_map(|e| {
            Some((
                e.attr("data-service")?,
                e.attr("data-verdict")?,
                e.attr("hidden").is_some(),
            ))
        })
        .collect()
}

#[test]
fn a_200_service_fleet_report_opens_in_a_browser_with_its_matrix_and_nothing_else() {
    let chromium = chromium();
    let dir = tempfile::tempdir().unwrap();
    write_fleet(dir.path());
    let out = run(
        dir.path(),
        &[
            "check",
            "--config",
            "fleet.toml",
            "--from-auth-details",
            "details.json",
            "--no-table-policy",
            "--format",
            "html",
            "--output",
            "report.html",
        ],
    );
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    let html = std::fs::read(dir.path().join("report.html")).unwrap();
    let page = parse_valid(std::str::from_utf8(&html).unwrap());
    let rows = service_rows(&page);
    assert_eq!(rows.len(), SERVICES);
    for v in ["PASS", "FAIL", "INCONCLUSIVE"] {
        assert!(rows.iter().any(|r| r.1 == v), "no {v} service");
    }
    // A failing cell, and the fix its feature's drill-down holds.
    let failing = page
        .all("td")
        .find(|td| {
            td.has_class("fail") && td.has_class("cell") && td.attr("data-feature").is_some()
        })
        .unwrap();
    let href = page
        .elements
        .iter()
        .find(|a| {
            a.name == "a"
                && a.parent
                    .is_some_and(|p| std::ptr::eq(&page.elements[p], failing))
        })
        .and_then(|a| a.attr("href"))
        .unwrap()
        .to_string();

    let server = Server::start(html);
    // The matrix renders: every service, the filter form shown by the script.
    let all = dom(&chromium, &server.url(""));
    assert_eq!(service_rows(&all).len(), SERVICES);
    assert!(
        service_rows(&all).iter().all(|r| !r.2),
        "nothing hidden unfiltered"
    );
    assert!(all.by_id("filters").unwrap().attr("hidden").is_none());
    // A failing cell leads to its fix: the drill-down it links to opens, with the fix.
    let opened = dom(&chromium, &server.url(&href));
    let details = opened.by_id(&href[1..]).unwrap();
    assert_eq!(details.name, "details");
    assert!(details.attr("open").is_some(), "{details:?}");
    assert!(
        details.text.contains("Fix") && details.text.contains("Add to the principal's policy"),
        "{}",
        details.text
    );
    // Failing only: the passing services are hidden, the others shown.
    let failing_only = dom(&chromium, &server.url("?failing=1"));
    let rows = service_rows(&failing_only);
    assert!(rows.iter().any(|r| r.1 == "PASS"));
    for (name, verdict, hidden) in &rows {
        assert_eq!(*hidden, *verdict == "PASS", "{name} {verdict}");
    }
    // By feature: only that feature's column is shown.
    let ping = dom(&chromium, &server.url("?feature=ping"));
    let cols: Vec<(&str, bool)> = ping
        .all("th")
        .filter_map(|th| Some((th.attr("data-feature")?, th.attr("hidden").is_some())))
        .collect();
    assert!(cols.len() > 2);
    for (f, hidden) in cols {
        assert_eq!(hidden, f != "ping", "{f}");
    }
    // A screenshot, kept under target/.
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("html-report");
    std::fs::create_dir_all(&shots).unwrap();
    let png = shots.join("fleet-200.png");
    let _ = std::fs::remove_file(&png);
    browse(
        &chromium,
        &[
            &format!("--screenshot={}", png.display()),
            "--window-size=1280,900",
            "--hide-scrollbars",
        ],
        &server.url(""),
    );
    let bytes = std::fs::read(&png).unwrap();
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.len() > 10_000);
    // No request left the page: five loads, five requests for the report, nothing else.
    let log = server.log.lock().unwrap().clone();
    assert_eq!(log.len(), 5, "{log:?}");
    assert!(log.iter().all(|p| p.starts_with("/report.html")), "{log:?}");
}
