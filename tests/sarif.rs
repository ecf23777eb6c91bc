//! `check --format sarif`: valid SARIF 2.1.0 (validated against the OASIS JSON schema vendored
//! in tests/sarif/, see its README), a result per row that did not pass with its reason code
//! as `ruleId`, placed at the line of code that makes the call (`--app`) and at the template
//! resource that should grant it (`--template`).

use std::path::Path;

use serde_json::Value;

use crate::common::{Bin, Run};

const ROLE: &str = "arn:aws:iam::111122223333:role/svc";

fn run(args: &[&str]) -> Run {
    Bin {
        offline: true,
        endpoint: "http://127.0.0.1:9".into(),
        ..Bin::default()
    }
    .run(args)
}

/// The vendored schema, as the validator can compile it. Its two `language` patterns,
/// `^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$`, has a lone `]`, a literal in the ECMA-262
/// regular expressions JSON Schema uses, which Rust's regex engines refuse; it is escaped here
/// (`\]`, the same language), in memory only: the file stays as published.
fn schema() -> Value {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sarif/sarif-schema-2.1.0.json"),
    )
    .unwrap();
    let bad = r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#;
    assert_eq!(
        text.matches(bad).count(),
        2,
        "the schema changed: review this workaround"
    );
    serde_json::from_str(&text.replace(bad, r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\\]?$""#))
        .unwrap()
}

/// Validates `log` against the SARIF 2.1.0 schema; panics with every error.
pub fn assert_valid_sarif(log: &Value) {
    let validator = jsonschema::draft7::new(&schema()).expect("the vendored schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "not valid SARIF 2.1.0:\n{}\n{log:#}",
        errors.join("\n")
    );
}

fn results(log: &Value) -> &Vec<Value> {
    log["runs"][0]["results"].as_array().unwrap()
}

#[test]
fn the_schema_rejects_what_is_not_sarif() {
    // The validation can fail: a log without `runs`, and a result with an unknown level.
    let schema = schema();
    let schema_says_no = |v: Value| !jsonschema::draft7::new(&schema).unwrap().is_valid(&v);
    assert!(schema_says_no(serde_json::json!({"version": "2.1.0"})));
    assert!(schema_says_no(serde_json::json!({
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"message": {"text": "m"}, "level": "fatal"}]}]
    })));
}

#[test]
fn code_scan_rows_are_placed_at_the_line_that_makes_the_call() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("svc");
    std::fs::create_dir_all(&app).unwrap();
    // A service that reads by key and queries an index; the role grants the table only.
    std::fs::write(
        app.join("models.py"),
        "from pydynox import Model, ModelConfig\n\
         from pydynox.attributes import StringAttribute\n\
         from pydynox.indexes import GlobalSecondaryIndex\n\
         \n\
         \n\
         class User(Model):\n\
         \x20   model_config = ModelConfig(table=\"users\")\n\
         \x20   pk = StringAttribute(partition_key=True)\n\
         \x20   email = StringAttribute()\n\
         \x20   by_email = GlobalSecondaryIndex(index_name=\"by-email\", partition_key=\"email\")\n\
         \n\
         \n\
         def find(email):\n\
         \x20   return list(User.by_email.query(partition_key=email))\n\
         \n\
         \n\
         def load(pk):\n\
         \x20   return User.get(pk=pk)\n",
    )
    .unwrap();
    let policy = dir.path().join("p.json");
    std::fs::write(&policy, r#"{"Version":"2012-10-17","Statement":[{"Sid":"Table","Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:Query"],"Resource":"arn:aws:dynamodb:eu-west-1:111122223333:table/users"}]}"#).unwrap();
    let app_s = app.display().to_string();
    let policy_s = policy.display().to_string();
    let args = [
        "check",
        "--app",
        &app_s,
        "--role",
        ROLE,
        "--policy-file",
        &policy_s,
        "--region",
        "eu-west-1",
        "--no-table-policy",
    ];
    let json = run(&[&args[..], &["--format", "json"]].concat());
    let out = run(&[&args[..], &["--format", "sarif"]].concat());
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    let log = out.json();
    assert_valid_sarif(&log);
    let report = json.json();
    let failing: Vec<&Value> = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["verdict"] != "PASS")
        .collect();
    assert_eq!(failing.len(), 1, "{:#}", report["rows"]);
    let rs = results(&log);
    assert_eq!(rs.len(), 1, "{log:#}");
    let r = &rs[0];
    assert_eq!(r["ruleId"], "no-allow");
    assert_eq!(r["level"], "error");
    assert_eq!(r["properties"]["action"], "dynamodb:Query");
    let text = r["message"]["text"].as_str().unwrap();
    assert!(
        text.contains("needs `dynamodb:Query` on `index/by-email`")
            && text.contains(
                "Fix: add to the principal's policy: allow dynamodb:Query on index/by-email"
            ),
        "{text}"
    );
    // At the query's line in models.py, under the path given to --app.
    let loc = &r["locations"][0]["physicalLocation"];
    assert_eq!(
        loc["artifactLocation"]["uri"].as_str().unwrap(),
        format!("{app_s}/models.py")
    );
    assert_eq!(loc["region"]["startLine"], 14, "{loc:#}");
    // The JSON report carries the same location on the row.
    assert_eq!(failing[0]["locations"][0]["kind"], "call");
    assert_eq!(failing[0]["locations"][0]["line"], 14);
    // The rule is described once.
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0]["id"], "no-allow");
}

#[test]
fn template_rows_name_the_resource_that_should_grant_them() {
    let template = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/iac/sam/crud.yaml");
    let template_s = template.display().to_string();
    let out = run(&[
        "check",
        "--template",
        &template_s,
        "--function",
        "UrlsFunction",
        "-f",
        "crud,ping",
        "--table",
        "UrlsTable",
        "--region",
        "eu-west-1",
        "--format",
        "sarif",
    ]);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    let log = out.json();
    assert_valid_sarif(&log);
    let rs = results(&log);
    assert_eq!(rs.len(), 1, "{log:#}");
    let r = &rs[0];
    assert_eq!(r["properties"]["action"], "dynamodb:ListTables");
    let loc = &r["locations"][0];
    assert_eq!(
        loc["physicalLocation"]["artifactLocation"]["uri"],
        template_s.as_str()
    );
    let name = loc["logicalLocations"][0]["fullyQualifiedName"]
        .as_str()
        .unwrap();
    assert!(name.contains("UrlsFunction"), "{name}");
}

#[test]
fn a_run_without_locations_is_valid_and_passing_rows_are_not_results() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("p.json");
    std::fs::write(&policy, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:PutItem"],"Resource":"arn:aws:dynamodb:eu-west-1:111122223333:table/orders"}]}"#).unwrap();
    let out = run(&[
        "check",
        "--role",
        ROLE,
        "--policy-file",
        &policy.display().to_string(),
        "-f",
        "crud",
        "--table",
        "orders",
        "--region",
        "eu-west-1",
        "--no-table-policy",
        "--format",
        "sarif",
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let log = out.json();
    assert_valid_sarif(&log);
    let rs = results(&log);
    let actions: Vec<&str> = rs
        .iter()
        .map(|r| r["properties"]["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["dynamodb:UpdateItem", "dynamodb:DeleteItem"]);
    assert!(rs.iter().all(|r| r.get("locations").is_none()));
}
