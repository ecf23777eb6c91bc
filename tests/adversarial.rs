//! The adversarial suite: every way found to make the tool say "allowed" (or PASS) where AWS denies, kept
//! forever as a case. Each `tests/adversarial/*.json` file is a list of cases; the format is described in
//! `tests/adversarial/README.md`. A case is either an engine case (policies + request → decision) or a CLI
//! case (files + arguments → exit code and output). All failures are reported at once.

use crate::common::{Bin, NOWHERE};
use pydynox_iam::engine::{
    Context, Decision, Evaluation, NamedPolicy, PolicyDocument, PolicyKind, PolicySet, Request,
    ResourcePolicyMode, World, evaluate,
};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    /// Unique, kebab-case.
    name: String,
    /// What the case tries to make the tool say, in a sentence or two.
    attack: String,
    /// Where the hole was found (`issue 8`, `engine review`, ...).
    found: String,
    /// The AWS rule relied on: doc page and the rule, quoted or summed up.
    aws_rule: String,
    engine: Option<EngineCase>,
    cli: Option<CliCase>,
    expect: Expect,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Policy {
    name: String,
    /// The policy as JSON, or `document_text` when the text itself matters (repeated keys).
    document: Option<serde_json::Value>,
    document_text: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EngineCase {
    #[serde(default)]
    identity_policies: Vec<Policy>,
    boundary: Option<Policy>,
    resource_policy: Option<Policy>,
    resource_policy_mode: Option<ResourcePolicyMode>,
    resource_account: Option<String>,
    /// Parse the policies with `PolicyDocument::parse_symbolic` (they name values known after deploy).
    #[serde(default)]
    symbolic: bool,
    /// `closed` (default) or `open`.
    #[serde(default)]
    world: World,
    /// The organization's SCPs and RCPs, in `--org-policies-file`'s layout.
    org: Option<pydynox_iam::grants::org::OrgPolicies>,
    request: Request,
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
    /// Engine: the exact decision.
    decision: Option<Decision>,
    /// Engine: a policy must fail to parse with a message containing this.
    parse_error: Option<String>,
    /// Engine: exact sets (case-insensitive keys), when given.
    missing_context: Option<Vec<String>>,
    unknown_context: Option<Vec<String>>,
    unknown_values: Option<Vec<String>>,
    /// CLI: the exit code, and text that must appear in stdout / stderr.
    exit_code: Option<i32>,
    #[serde(default)]
    stdout_contains: Vec<String>,
    #[serde(default)]
    stderr_contains: Vec<String>,
    /// CLI: text that must not appear in stdout / stderr (advice that cannot help).
    #[serde(default)]
    stdout_lacks: Vec<String>,
    #[serde(default)]
    stderr_lacks: Vec<String>,
}

fn document(p: &Policy, symbolic: bool) -> Result<PolicyDocument, String> {
    let parsed = match (&p.document, &p.document_text) {
        (Some(v), None) if symbolic => PolicyDocument::from_value_symbolic(v),
        (Some(v), None) => PolicyDocument::from_value(v),
        (None, Some(t)) if symbolic => PolicyDocument::parse_symbolic(t),
        (None, Some(t)) => PolicyDocument::parse(t),
        _ => {
            return Err(format!(
                "policy `{}`: give `document` or `document_text`",
                p.name
            ));
        }
    };
    parsed.map_err(|e| format!("policy `{}`: {e}", p.name))
}

fn named(p: &Policy, kind: PolicyKind, symbolic: bool) -> Result<NamedPolicy, String> {
    Ok(NamedPolicy {
        id: p.name.clone().into(),
        kind,
        document: document(p, symbolic)?,
    })
}

fn set_eq(what: &str, want: &Option<Vec<String>>, have: &[String], errs: &mut Vec<String>) {
    if let Some(want) = want {
        let w: BTreeSet<String> = want.iter().map(|s| s.to_lowercase()).collect();
        let h: BTreeSet<String> = have.iter().map(|s| s.to_lowercase()).collect();
        if w != h {
            errs.push(format!("{what}: got {h:?}, want {w:?}"));
        }
    }
}

fn run_engine(e: &EngineCase, x: &Expect) -> Result<(), String> {
    let policies = || -> Result<_, String> {
        let identity = e
            .identity_policies
            .iter()
            .map(|p| named(p, PolicyKind::Identity, e.symbolic))
            .collect::<Result<Vec<_>, _>>()?;
        let boundary = e
            .boundary
            .as_ref()
            .map(|p| named(p, PolicyKind::Boundary, e.symbolic))
            .transpose()?;
        let resource = e
            .resource_policy
            .as_ref()
            .map(|p| named(p, PolicyKind::Resource, e.symbolic))
            .transpose()?;
        Ok((identity, boundary, resource))
    };
    let (identity, boundary, resource) = match (policies(), &x.parse_error) {
        (Err(err), Some(want)) if err.contains(want.as_str()) => return Ok(()),
        (Err(err), Some(want)) => return Err(format!("parse error `{err}` lacks `{want}`")),
        (Err(err), None) => return Err(err),
        (Ok(_), Some(want)) => return Err(format!("expected a parse error with `{want}`")),
        (Ok(p), None) => p,
    };
    let Some(want) = x.decision else {
        return Err("an engine case needs `expect.decision` or `expect.parse_error`".into());
    };
    let org = e
        .org
        .as_ref()
        .map(|o| o.to_engine().map_err(|e| e.to_string()))
        .transpose()?;
    let set = PolicySet {
        identity: &identity,
        boundary: boundary.as_ref(),
        resource_policy: resource.as_ref().map(|p| {
            (
                p,
                e.resource_policy_mode
                    .unwrap_or(ResourcePolicyMode::Standard),
            )
        }),
        resource_account: e.resource_account.clone(),
        org: org.as_ref(),
    };
    let mut req = e.request.clone();
    let ctx: Context = std::mem::take(&mut req.context);
    req.context = ctx.with_world(e.world);
    let got: Evaluation = evaluate(&set, &req);
    let mut errs = Vec::new();
    if got.decision != want {
        errs.push(format!("decision: got {:?}, want {want:?}", got.decision));
    }
    set_eq(
        "missing_context",
        &x.missing_context,
        &got.missing_context,
        &mut errs,
    );
    set_eq(
        "unknown_context",
        &x.unknown_context,
        &got.unknown_context,
        &mut errs,
    );
    set_eq(
        "unknown_values",
        &x.unknown_values,
        &got.unknown_values,
        &mut errs,
    );
    if errs.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}\n      unsupported: {:?}",
            errs.join("\n      "),
            got.unsupported
        ))
    }
}

fn run_cli(c: &CliCase, x: &Expect) -> Result<(), String> {
    let Some(want) = x.exit_code else {
        return Err("a cli case needs `expect.exit_code`".into());
    };
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    for (name, content) in &c.files {
        let text = match content {
            serde_json::Value::String(s) => s.clone(),
            v => v.to_string(),
        };
        let path = dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        std::fs::write(path, text).map_err(|e| e.to_string())?;
    }
    let d = dir.path().to_string_lossy().to_string();
    let args: Vec<String> = c.args.iter().map(|a| a.replace("{dir}", &d)).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = Bin {
        dir: Some(dir.path()),
        endpoint: NOWHERE.into(),
        offline: true,
        ..Bin::default()
    }
    .run(&args);
    let mut errs = Vec::new();
    if run.code != want {
        errs.push(format!("exit code: got {}, want {want}", run.code));
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
    for s in &x.stdout_lacks {
        if run.stdout.contains(s.as_str()) {
            errs.push(format!("stdout has `{s}`"));
        }
    }
    for s in &x.stderr_lacks {
        if run.stderr.contains(s.as_str()) {
            errs.push(format!("stderr has `{s}`"));
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
    match (&c.engine, &c.cli) {
        (Some(e), None) => run_engine(e, &c.expect),
        (None, Some(cli)) => run_cli(cli, &c.expect),
        _ => Err("a case has exactly one of `engine` or `cli`".into()),
    }
}

#[test]
fn adversarial_cases() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/adversarial");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/adversarial exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut failures = Vec::new();
    let mut names = BTreeSet::new();
    let (mut total, mut cli) = (0, 0);
    for f in &files {
        let fname = f
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let text = std::fs::read_to_string(f).expect("readable");
        let cases: Vec<Case> = match serde_json::from_str(&text) {
            Ok(c) => c,
            Err(e) => {
                failures.push(format!("{fname}: cannot load: {e}"));
                continue;
            }
        };
        for c in &cases {
            total += 1;
            cli += usize::from(c.cli.is_some());
            if !names.insert(c.name.clone()) {
                failures.push(format!("{fname}: duplicate case name `{}`", c.name));
            }
            if let Err(e) = run_case(c) {
                failures.push(format!("{fname}: `{}`\n      {e}", c.name));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} adversarial cases failed:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
    assert!(
        total >= 40,
        "expected at least 40 adversarial cases, found {total}"
    );
    assert!(
        cli >= 1,
        "the cli runner must be exercised by at least one case"
    );
    eprintln!("{total} adversarial cases passed ({cli} through the cli)");
}
