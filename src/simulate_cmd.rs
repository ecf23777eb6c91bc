//! `pydynox-iam simulate`: offline evaluation of requests against policy files or a JSON-lines batch,
//! like `aws iam simulate-custom-policy`. Owns the flags, the batch wire format, the policy cache and
//! the rendering of results; must not decide anything itself (the engine does), call AWS, or print
//! anywhere but the writers it is given.
//!
//! Batch wire format, one JSON object per line (unknown fields are rejected, so a misspelt
//! `boundry` cannot silently drop a boundary):
//! `{"principal": ARN, "action": A, "resource": R, "identity_policies": [{"name": N, "document": {...}}],
//! "boundary": {...} | null, "resource_policy": {...} | null, "resource_policy_mode": "standard" | "kms",
//! "context": {KEY: "v" | ["v1", "v2"] | {"type": "ip", "value": "10.0.0.1"}}}`.
//! A document may also be a string holding the policy JSON, as `simulate-custom-policy` takes it.
//! Each input line gives one output line, in order:
//! `{"action", "resource", "decision", "matched": [{"policy", "statement", "sid"}], "missing_context",
//! "unsupported", "reasons", "errors"}`.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, ValueEnum};
use comfy_table::{ContentArrangement, Table, presets};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::catalogue::{ContextEntry, ContextType};
use crate::cli::Format;
use crate::engine::principal::PrincipalArn;
use crate::engine::{
    Context, ContextValue, Decision, Effect, Evaluation, NamedPolicy, PolicyDocument, PolicyError,
    PolicyKind, PolicySet, Reason, Request, ResourcePolicyMode, ValueType, evaluate,
};
use crate::plan::parse_context_arg;
use crate::report::exit;

pub const SIMULATE_EXIT_CODES: &str = "\
Exit codes:
  0  every request is allowed
  1  at least one request is not allowed (explicit deny, implicit deny, or indeterminate)
  2  usage or input error (bad flag, unreadable or malformed policy file, bad --context,
     or a malformed --requests line: its output line says why and the batch goes on)
  3  output could not be written (a closed pipe is not an error)";

/// `--resource-policy-mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    /// A table, stream or bucket policy: may grant on its own in the same account
    Standard,
    /// A KMS key policy: must allow, directly or by delegating to IAM (account root principal)
    Kms,
}

#[derive(Args, Debug)]
#[command(after_help = SIMULATE_EXIT_CODES)]
pub struct SimulateArgs {
    /// Identity policy JSON file (repeatable); the policy is named after the file stem
    #[arg(long = "policy-file", value_name = "FILE")]
    pub policy_files: Vec<PathBuf>,
    /// Permissions boundary JSON file
    #[arg(long, value_name = "FILE")]
    pub boundary_file: Option<PathBuf>,
    /// Resource policy JSON file: a table or bucket policy, or a KMS key policy
    #[arg(long, value_name = "FILE")]
    pub resource_policy_file: Option<PathBuf>,
    /// How the resource policy takes part [default: kms for kms: actions, else standard]
    #[arg(long, value_enum, value_name = "MODE")]
    pub resource_policy_mode: Option<ModeArg>,
    /// Caller ARN: role, user, or assumed-role session (required with --resource-policy-file)
    #[arg(long, value_name = "ARN")]
    pub principal: Option<String>,
    /// Action to evaluate, service:Name, e.g. dynamodb:GetItem (repeatable)
    #[arg(
        long = "action",
        value_name = "ACTION",
        required_unless_present = "requests"
    )]
    pub actions: Vec<String>,
    /// Resource ARN (repeatable); every action is evaluated on every resource
    #[arg(long = "resource", value_name = "ARN", default_value = "*")]
    pub resources: Vec<String>,
    /// Request context for conditions: KEY=TYPE:VALUE[,VALUE] (TYPE defaults to string; list types
    /// such as stringList take several values), e.g. aws:SourceIp=ip:10.0.0.1 (repeatable)
    #[arg(long = "context", value_name = "KEY=TYPE:VALUE")]
    pub context: Vec<String>,
    /// Batch mode: one JSON request per line (`-` reads stdin); writes one JSON result per line
    #[arg(
        long,
        value_name = "FILE.jsonl",
        conflicts_with_all = [
            "policy_files", "boundary_file", "resource_policy_file", "resource_policy_mode",
            "principal", "actions", "context",
        ]
    )]
    pub requests: Option<PathBuf>,
    /// Output format [default: table; --requests always writes JSON lines]
    #[arg(long, value_enum)]
    pub format: Option<Format>,
}

/// Runs `simulate` and returns the exit code (see [`SIMULATE_EXIT_CODES`]).
pub fn run(
    args: &SimulateArgs,
    stdin: &mut dyn BufRead,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    match &args.requests {
        Some(path) => run_batch(args, path, stdin, out, err),
        None => run_single(args, out, err),
    }
}

// ---------------------------------------------------------------------------------------------
// Results and their wire form

/// One decided (or undecidable) request, as written in JSON output.
#[derive(Debug, Clone, PartialEq, Serialize)]
struct SimResult {
    action: Option<String>,
    resource: Option<String>,
    decision: Decision,
    matched: Vec<MatchedWire>,
    missing_context: Vec<String>,
    unsupported: Vec<String>,
    reasons: Vec<Reason>,
    /// Input problems (a malformed batch line); non-empty means the decision is `indeterminate`.
    errors: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
struct MatchedWire {
    policy: String,
    statement: usize,
    sid: Option<String>,
}

impl SimResult {
    fn from_evaluation(action: &str, resource: &str, e: Evaluation) -> SimResult {
        SimResult {
            action: Some(action.to_string()),
            resource: Some(resource.to_string()),
            decision: e.decision,
            matched: e
                .matched
                .into_iter()
                .map(|m| MatchedWire {
                    policy: m.policy,
                    statement: m.statement,
                    sid: m.sid,
                })
                .collect(),
            missing_context: e.missing_context,
            unsupported: e.unsupported,
            reasons: e.reasons,
            errors: Vec::new(),
        }
    }

    /// A request we could not even build: never allowed.
    fn malformed(
        action: Option<String>,
        resource: Option<String>,
        errors: Vec<String>,
    ) -> SimResult {
        SimResult {
            action,
            resource,
            decision: Decision::Indeterminate,
            matched: Vec::new(),
            missing_context: Vec::new(),
            unsupported: Vec::new(),
            reasons: Vec::new(),
            errors,
        }
    }
}

/// What the exit code is computed from, once, at the end.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Tally {
    not_allowed: bool,
    malformed: bool,
}

impl Tally {
    fn add(&mut self, r: &SimResult) {
        self.not_allowed |= r.decision != Decision::Allowed;
        self.malformed |= !r.errors.is_empty();
    }
    fn code(self) -> i32 {
        if self.malformed {
            exit::USAGE
        } else if self.not_allowed {
            exit::FAIL
        } else {
            exit::PASS
        }
    }
}

fn print_errors(err: &mut dyn Write, errors: &[String]) {
    for e in errors {
        // Nothing better to do when stderr itself is gone.
        let _ = writeln!(err, "error: {e}");
    }
}

/// The exit code after an output error: a closed pipe (`| head`) is not an error.
fn output_failed(e: &io::Error, tally: Tally, err: &mut dyn Write) -> i32 {
    if e.kind() == io::ErrorKind::BrokenPipe {
        return tally.code();
    }
    print_errors(err, &[format!("cannot write output: {e}")]);
    exit::ERROR
}

// ---------------------------------------------------------------------------------------------
// Shared validation and conversion (no I/O)

/// Catalogue context entry (`--context`) → engine value. List types become lists; a scalar type with
/// several values is refused rather than guessed. String types stay untyped, because
/// `parse_context_arg` cannot tell `KEY=string:V` from the default `KEY=V`, and an untyped value lets
/// each condition operator read it as its own type (e.g. `aws:SourceIp=10.0.0.1` for `IpAddress`).
pub fn context_value(e: &ContextEntry) -> Result<ContextValue, String> {
    let (ty, list) = match e.kind {
        ContextType::String => (None, false),
        ContextType::StringList => (None, true),
        ContextType::Numeric => (Some(ValueType::Numeric), false),
        ContextType::NumericList => (Some(ValueType::Numeric), true),
        ContextType::Boolean => (Some(ValueType::Bool), false),
        ContextType::BooleanList => (Some(ValueType::Bool), true),
        ContextType::Ip => (Some(ValueType::Ip), false),
        ContextType::IpList => (Some(ValueType::Ip), true),
        ContextType::Binary => (Some(ValueType::Binary), false),
        ContextType::BinaryList => (Some(ValueType::Binary), true),
        ContextType::Date => (Some(ValueType::Date), false),
        ContextType::DateList => (Some(ValueType::Date), true),
    };
    match (list, e.values.as_slice()) {
        (true, values) => Ok(ContextValue::List {
            values: values.to_vec(),
            ty,
        }),
        (false, [value]) => Ok(ContextValue::Single {
            value: value.clone(),
            ty,
        }),
        (false, values) => Err(format!(
            "`{}` has {} values but type `{}` takes one; use `{}List` for several",
            e.key,
            values.len(),
            e.kind.as_str(),
            e.kind.as_str()
        )),
    }
}

/// Context entries → engine context, every problem at once.
pub fn context_from_entries(entries: &[ContextEntry]) -> Result<Context, Vec<String>> {
    let mut ctx = Context::new();
    let mut errors = Vec::new();
    for e in entries {
        match context_value(e) {
            Ok(v) => ctx.insert(e.key.clone(), v),
            Err(m) => errors.push(m),
        }
    }
    if errors.is_empty() {
        Ok(ctx)
    } else {
        Err(errors)
    }
}

fn check_principal(p: &str) -> Result<(), String> {
    let service = p.ends_with(".amazonaws.com") && !p.contains(':');
    if PrincipalArn::parse(p).is_some() || service {
        Ok(())
    } else {
        Err(format!(
            "`{p}` is not a principal ARN (arn:aws:iam::ACCOUNT:role/NAME, \
             arn:aws:iam::ACCOUNT:user/NAME or arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION)"
        ))
    }
}

fn check_action(a: &str) -> Result<(), String> {
    match a.split_once(':') {
        Some((service, name)) if !service.is_empty() && !name.is_empty() => Ok(()),
        _ => Err(format!(
            "`{a}` is not an action (expected service:Name, e.g. dynamodb:GetItem)"
        )),
    }
}

/// The default mode: a KMS key policy for `kms:` actions (the only ones it governs), else standard.
fn mode_for(explicit: Option<ResourcePolicyMode>, action: &str) -> ResourcePolicyMode {
    explicit.unwrap_or_else(|| {
        let is_kms = action
            .get(..4)
            .is_some_and(|p| p.eq_ignore_ascii_case("kms:"));
        if is_kms {
            ResourcePolicyMode::KmsKeyPolicy
        } else {
            ResourcePolicyMode::Standard
        }
    })
}

fn decide(
    set: &PolicySet,
    principal: &str,
    action: &str,
    resource: &str,
    context: Context,
) -> SimResult {
    let req = Request {
        principal: principal.to_string(),
        action: action.to_string(),
        resource: resource.to_string(),
        context: context.with_world(crate::engine::World::Open),
    };
    SimResult::from_evaluation(action, resource, evaluate(set, &req))
}

// ---------------------------------------------------------------------------------------------
// Single mode

/// `simulate` flags, validated, before any file is read.
#[derive(Debug, Clone, PartialEq)]
struct SinglePlan {
    identity: Vec<(String, PathBuf)>,
    boundary: Option<(String, PathBuf)>,
    resource_policy: Option<(String, PathBuf)>,
    mode: Option<ResourcePolicyMode>,
    principal: String,
    /// Every action × every resource.
    requests: Vec<(String, String)>,
    context: Context,
    format: Format,
}

fn policy_name(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| path.display().to_string())
}

/// Flags → plan, reporting every problem at once. No I/O.
fn plan_single(a: &SimulateArgs) -> Result<SinglePlan, Vec<String>> {
    let mut errors = Vec::new();
    if a.actions.is_empty() {
        errors.push("give at least one --action (or --requests FILE for a batch)".to_string());
    }
    for act in &a.actions {
        if let Err(e) = check_action(act) {
            errors.push(format!("--action {e}"));
        }
    }
    if a.resources.iter().any(|r| r.trim().is_empty()) {
        errors.push("--resource must not be empty (use `*` for actions without a resource)".into());
    }
    if a.policy_files.is_empty() && a.resource_policy_file.is_none() {
        errors.push("give at least one --policy-file or a --resource-policy-file".to_string());
    }
    let principal = match &a.principal {
        Some(p) => {
            if let Err(e) = check_principal(p) {
                errors.push(format!("--principal {e}"));
            }
            p.clone()
        }
        None => {
            if a.resource_policy_file.is_some() {
                errors.push(
                    "--resource-policy-file needs --principal (the caller the resource policy names)"
                        .to_string(),
                );
            }
            String::new()
        }
    };
    let mut identity = Vec::new();
    let mut names = HashSet::new();
    for p in &a.policy_files {
        let name = policy_name(p);
        if !names.insert(name.clone()) {
            errors.push(format!(
                "two --policy-file have the name `{name}` (the file stem); rename one so reasons stay unambiguous"
            ));
        }
        identity.push((name, p.clone()));
    }
    let mut entries = Vec::new();
    let mut keys = HashSet::new();
    for c in &a.context {
        match parse_context_arg(c) {
            Ok(e) => {
                if !keys.insert(e.key.to_lowercase()) {
                    errors.push(format!("--context `{}` is given twice", e.key));
                }
                entries.push(e);
            }
            Err(e) => errors.push(format!("--context {e}")),
        }
    }
    let context = context_from_entries(&entries)
        .map_err(|es| errors.extend(es.into_iter().map(|e| format!("--context {e}"))))
        .ok();
    let requests = a
        .actions
        .iter()
        .flat_map(|act| {
            let resources: Vec<String> = if a.resources.is_empty() {
                vec!["*".to_string()]
            } else {
                a.resources.clone()
            };
            resources.into_iter().map(move |r| (act.clone(), r))
        })
        .collect();
    match context {
        Some(context) if errors.is_empty() => Ok(SinglePlan {
            identity,
            boundary: a
                .boundary_file
                .as_ref()
                .map(|p| (policy_name(p), p.clone())),
            resource_policy: a
                .resource_policy_file
                .as_ref()
                .map(|p| (policy_name(p), p.clone())),
            mode: a.resource_policy_mode.map(|m| match m {
                ModeArg::Standard => ResourcePolicyMode::Standard,
                ModeArg::Kms => ResourcePolicyMode::KmsKeyPolicy,
            }),
            principal,
            requests,
            context,
            format: a.format.unwrap_or(Format::Table),
        }),
        _ => Err(errors),
    }
}

fn load_policy(
    flag: &str,
    (name, path): &(String, PathBuf),
    kind: PolicyKind,
) -> Result<NamedPolicy, String> {
    let shown = path.display();
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("cannot read {flag} `{shown}`: {e}"))?;
    PolicyDocument::parse(&text)
        .and_then(|doc| NamedPolicy::new(name.clone(), kind, doc))
        .map_err(|e| format!("{flag} `{shown}`: {e}"))
}

fn run_single(args: &SimulateArgs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let plan = match plan_single(args) {
        Ok(p) => p,
        Err(errors) => {
            print_errors(err, &errors);
            return exit::USAGE;
        }
    };
    let mut errors = Vec::new();
    let mut identity = Vec::new();
    for p in &plan.identity {
        match load_policy("--policy-file", p, PolicyKind::Identity) {
            Ok(p) => identity.push(p),
            Err(e) => errors.push(e),
        }
    }
    let mut load_optional = |flag: &str, p: &Option<(String, PathBuf)>, kind| {
        p.as_ref()
            .and_then(|p| load_policy(flag, p, kind).map_err(|e| errors.push(e)).ok())
    };
    let boundary = load_optional("--boundary-file", &plan.boundary, PolicyKind::Boundary);
    let resource_policy = load_optional(
        "--resource-policy-file",
        &plan.resource_policy,
        PolicyKind::Resource,
    );
    if !errors.is_empty() {
        print_errors(err, &errors);
        return exit::USAGE;
    }
    let mut tally = Tally::default();
    let results: Vec<SimResult> = plan
        .requests
        .iter()
        .map(|(action, resource)| {
            let set = PolicySet {
                identity: &identity,
                boundary: boundary.as_ref(),
                resource_policy: resource_policy
                    .as_ref()
                    .map(|p| (p, mode_for(plan.mode, action))),
                resource_account: None,
            };
            let r = decide(
                &set,
                &plan.principal,
                action,
                resource,
                plan.context.clone(),
            );
            tally.add(&r);
            r
        })
        .collect();
    let written = match plan.format {
        Format::Json => write_json(out, &results),
        Format::Table => write_table(out, &results),
    };
    match written.and_then(|()| out.flush()) {
        Ok(()) => tally.code(),
        Err(e) => output_failed(&e, tally, err),
    }
}

fn write_json(w: &mut dyn Write, results: &[SimResult]) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, results)?;
    writeln!(w)
}

fn decision_text(d: Decision) -> &'static str {
    match d {
        Decision::Allowed => "allowed",
        Decision::ExplicitDeny => "explicit deny",
        Decision::ImplicitDeny => "implicit deny",
        Decision::Indeterminate => "indeterminate",
    }
}

fn kind_text(k: PolicyKind) -> &'static str {
    match k {
        PolicyKind::Identity => "identity",
        PolicyKind::Boundary => "boundary",
        PolicyKind::Resource => "resource",
    }
}

/// One reason as a sentence for the table (JSON carries the structured form with its `code`).
fn reason_text(r: &Reason) -> String {
    match r {
        Reason::ExplicitDenyIn {
            policy,
            kind,
            statement,
        } => format!(
            "explicit deny in {} policy `{policy}` statement {statement}",
            kind_text(*kind)
        ),
        Reason::StatementNotEvaluable {
            policy,
            kind,
            statement,
            effect,
            detail,
        } => {
            let effect = match effect {
                Effect::Allow => "Allow",
                Effect::Deny => "Deny",
            };
            format!(
                "{effect} in {} policy `{policy}` statement {statement} could not be evaluated: {detail}",
                kind_text(*kind)
            )
        }
        Reason::IdentityAllows => "an identity policy allows".to_string(),
        Reason::NoIdentityAllow => "no identity policy allows".to_string(),
        Reason::BoundaryAllows { policy } => format!("permissions boundary `{policy}` allows"),
        Reason::BoundaryDoesNotAllow { policy } => {
            format!("permissions boundary `{policy}` does not allow")
        }
        Reason::ResourcePolicyAllows {
            policy,
            capped_by_boundary,
        } => {
            let how = if *capped_by_boundary {
                "capped by the permissions boundary"
            } else {
                "on its own: it names the caller"
            };
            format!("resource policy `{policy}` allows ({how})")
        }
        Reason::ResourcePolicyDoesNotAllow { policy } => {
            format!("resource policy `{policy}` does not allow")
        }
        Reason::KeyPolicyAllows {
            policy,
            capped_by_boundary,
        } => {
            let how = if *capped_by_boundary {
                " (capped by the permissions boundary)"
            } else {
                ""
            };
            format!("key policy `{policy}` allows the caller{how}")
        }
        Reason::KeyPolicyDelegatesToIam { policy } => {
            format!("key policy `{policy}` delegates to IAM policies (account root principal)")
        }
        Reason::KeyPolicyNoIamDelegation { policy } => format!(
            "key policy `{policy}` does not delegate this action to IAM, so identity policies cannot grant it"
        ),
        Reason::KeyPolicyDoesNotAllow { policy } => {
            format!("key policy `{policy}` neither allows the caller nor delegates to IAM")
        }
        Reason::KeyPolicyNotEvaluated => "kms action on a key but no key policy was evaluated: \
             pass it with --resource-policy-file (mode kms)"
            .to_string(),
        Reason::CrossAccount {
            principal_account,
            resource_account,
        } => format!(
            "cross-account (principal in {principal_account}, resource in {resource_account}): \
             the resource policy must allow too"
        ),
    }
}

fn write_table(w: &mut dyn Write, results: &[SimResult]) -> io::Result<()> {
    let mut t = Table::new();
    t.load_style(presets::UTF8_FULL_CONDENSED);
    t.set_content_arrangement(ContentArrangement::Disabled);
    t.force_no_tty();
    t.set_header(vec![
        "Action",
        "Resource",
        "Decision",
        "Deciding statements (policy #index Sid)",
        "Why",
    ]);
    for r in results {
        let matched: Vec<String> = r
            .matched
            .iter()
            .map(|m| match &m.sid {
                Some(sid) => format!("{} #{} {sid}", m.policy, m.statement),
                None => format!("{} #{}", m.policy, m.statement),
            })
            .collect();
        let mut why: Vec<String> = r.reasons.iter().map(reason_text).collect();
        if !r.missing_context.is_empty() {
            why.push(format!(
                "missing context: {} (supply it with --context KEY=TYPE:VALUE)",
                r.missing_context.join(", ")
            ));
        }
        why.extend(r.unsupported.iter().map(|u| format!("unsupported: {u}")));
        why.extend(r.errors.iter().cloned());
        t.add_row(vec![
            r.action.clone().unwrap_or_default(),
            r.resource.clone().unwrap_or_default(),
            decision_text(r.decision).to_string(),
            matched.join("\n"),
            why.join("\n"),
        ]);
    }
    writeln!(w, "{t}")?;
    let count = |d: Decision| results.iter().filter(|r| r.decision == d).count();
    writeln!(
        w,
        "{} requests: {} allowed, {} explicit deny, {} implicit deny, {} indeterminate",
        results.len(),
        count(Decision::Allowed),
        count(Decision::ExplicitDeny),
        count(Decision::ImplicitDeny),
        count(Decision::Indeterminate)
    )
}

// ---------------------------------------------------------------------------------------------
// Batch mode

/// One input line of `--requests`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestLine {
    principal: String,
    action: String,
    resource: String,
    #[serde(default)]
    identity_policies: Vec<PolicyWire>,
    #[serde(default)]
    boundary: Option<Value>,
    #[serde(default)]
    resource_policy: Option<Value>,
    #[serde(default)]
    resource_policy_mode: Option<ModeWire>,
    #[serde(default)]
    context: Option<serde_json::Map<String, Value>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyWire {
    name: String,
    document: Value,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ModeWire {
    Standard,
    /// `kms_key_policy` is the engine's (and the conformance files') spelling.
    #[serde(alias = "kms_key_policy")]
    Kms,
}

/// Names the batch gives the boundary and resource policy in reasons (lines carry bare documents).
const BOUNDARY_NAME: &str = "boundary";
const RESOURCE_POLICY_NAME: &str = "resource_policy";

/// Past this many cached policies the cache is emptied, so a batch whose every line carries new
/// documents runs in bounded memory (it then simply parses as if uncached).
const CACHE_LIMIT: usize = 20_000;

/// Parsed policies keyed by kind, name and the document's canonical JSON text (sorted keys, no
/// whitespace), so a batch that repeats one role's policies on every line parses each document once.
/// Parse errors are cached too.
#[derive(Default)]
struct PolicyCache {
    policies: HashMap<String, Result<Arc<NamedPolicy>, PolicyError>>,
    /// Whole identity-policy lists, because the engine takes them as one slice.
    identity_sets: HashMap<String, Arc<[NamedPolicy]>>,
    /// Documents parsed so far (cache misses), for tests.
    parses: usize,
}

/// Writes `v` as JSON with object keys sorted, so documents that differ only in key order or
/// whitespace share a cache entry (serde_json here keeps insertion order: `preserve_order` is on).
fn write_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                // Display of a JSON value is its compact JSON text; writing to a String cannot fail.
                let _ = write!(out, "{}", Value::String(k.clone()));
                out.push(':');
                write_canonical(v, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => {
            let _ = write!(out, "{scalar}");
        }
    }
}

/// A document given as a JSON string (as `simulate-custom-policy --policy-input-list` takes them) is
/// decoded first.
fn document_value(v: &Value) -> Result<std::borrow::Cow<'_, Value>, PolicyError> {
    match v {
        Value::String(text) => serde_json::from_str(text)
            .map(std::borrow::Cow::Owned)
            .map_err(|e| PolicyError::Json {
                line: e.line(),
                column: e.column(),
                message: e.to_string(),
            }),
        other => Ok(std::borrow::Cow::Borrowed(other)),
    }
}

impl PolicyCache {
    fn key(kind: PolicyKind, name: &str, doc: &Value) -> Result<String, PolicyError> {
        let doc = document_value(doc)?;
        let mut key = format!("{}\u{0}{name}\u{0}", kind_text(kind));
        write_canonical(&doc, &mut key);
        Ok(key)
    }

    fn policy(
        &mut self,
        kind: PolicyKind,
        name: &str,
        doc: &Value,
    ) -> Result<Arc<NamedPolicy>, PolicyError> {
        let key = Self::key(kind, name, doc)?;
        self.policy_by_key(key, kind, name, doc)
    }

    fn policy_by_key(
        &mut self,
        key: String,
        kind: PolicyKind,
        name: &str,
        doc: &Value,
    ) -> Result<Arc<NamedPolicy>, PolicyError> {
        if let Some(hit) = self.policies.get(&key) {
            return hit.clone();
        }
        if self.policies.len() >= CACHE_LIMIT {
            self.policies.clear();
            self.identity_sets.clear();
        }
        self.parses += 1;
        let parsed = document_value(doc)
            .and_then(|d| PolicyDocument::from_value(&d))
            .and_then(|d| NamedPolicy::new(name, kind, d))
            .map(Arc::new);
        self.policies.insert(key, parsed.clone());
        parsed
    }

    /// The identity policies of a line as one slice, or one message per bad policy.
    fn identity_set(&mut self, policies: &[PolicyWire]) -> Result<Arc<[NamedPolicy]>, Vec<String>> {
        let mut errors = Vec::new();
        let mut keys = Vec::with_capacity(policies.len());
        for (i, p) in policies.iter().enumerate() {
            match Self::key(PolicyKind::Identity, &p.name, &p.document) {
                Ok(k) => keys.push(k),
                Err(e) => errors.push(format!("identity_policies[{i}] `{}`: {e}", p.name)),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let set_key = keys.join("\u{1}");
        if let Some(hit) = self.identity_sets.get(&set_key) {
            return Ok(hit.clone());
        }
        let mut set = Vec::with_capacity(policies.len());
        for (i, (p, key)) in policies.iter().zip(keys).enumerate() {
            match self.policy_by_key(key, PolicyKind::Identity, &p.name, &p.document) {
                Ok(np) => set.push(NamedPolicy::clone(&np)),
                Err(e) => errors.push(format!("identity_policies[{i}] `{}`: {e}", p.name)),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let set: Arc<[NamedPolicy]> = set.into();
        if self.identity_sets.len() >= CACHE_LIMIT {
            self.identity_sets.clear();
        }
        self.identity_sets.insert(set_key, set.clone());
        Ok(set)
    }
}

/// serde_json's message without its ` at line 1 column N` suffix (each input line is its own document),
/// with the column in front.
fn line_error(n: usize, e: &serde_json::Error) -> String {
    let msg = e.to_string();
    let msg = msg
        .rsplit_once(" at line ")
        .map_or(msg.as_str(), |(m, _)| m);
    if e.column() > 0 {
        format!("line {n}, column {}: {msg}", e.column())
    } else {
        format!("line {n}: {msg}")
    }
}

/// Decides one input line; a malformed line gives an `indeterminate` result with its errors.
fn evaluate_line(cache: &mut PolicyCache, n: usize, text: &[u8]) -> SimResult {
    let req: RequestLine = match serde_json::from_slice(text) {
        Ok(r) => r,
        Err(e) => return SimResult::malformed(None, None, vec![line_error(n, &e)]),
    };
    let mut errors = Vec::new();
    if let Err(e) = check_principal(&req.principal) {
        errors.push(format!("`principal` {e}"));
    }
    if let Err(e) = check_action(&req.action) {
        errors.push(format!("`action` {e}"));
    }
    if req.resource.trim().is_empty() {
        errors.push("`resource` must not be empty (use `*` for actions without a resource)".into());
    }
    let identity = cache
        .identity_set(&req.identity_policies)
        .map_err(|es| errors.extend(es))
        .ok();
    let mut other = |kind, name: &str, doc: &Option<Value>| match doc {
        None | Some(Value::Null) => None,
        Some(d) => Some(
            cache
                .policy(kind, name, d)
                .map_err(|e| errors.push(format!("{name}: {e}"))),
        ),
    };
    let boundary = other(PolicyKind::Boundary, BOUNDARY_NAME, &req.boundary);
    let resource_policy = other(
        PolicyKind::Resource,
        RESOURCE_POLICY_NAME,
        &req.resource_policy,
    );
    let mut context = Context::new();
    for (k, v) in req.context.iter().flatten() {
        match ContextValue::from_json(v) {
            Ok(v) => context.insert(k.clone(), v),
            Err(e) => errors.push(format!("context `{k}`: {e}")),
        }
    }
    // Every failure above pushed to `errors`, so the `else` only ever sees a non-empty list.
    let (true, Some(identity), Ok(boundary), Ok(resource_policy)) = (
        errors.is_empty(),
        identity,
        boundary.transpose(),
        resource_policy.transpose(),
    ) else {
        return malformed_line(n, req, errors);
    };
    let mode = mode_for(
        req.resource_policy_mode.map(|m| match m {
            ModeWire::Standard => ResourcePolicyMode::Standard,
            ModeWire::Kms => ResourcePolicyMode::KmsKeyPolicy,
        }),
        &req.action,
    );
    let set = PolicySet {
        identity: &identity,
        boundary: boundary.as_deref(),
        resource_policy: resource_policy.as_deref().map(|p| (p, mode)),
        resource_account: None,
    };
    decide(&set, &req.principal, &req.action, &req.resource, context)
}

fn malformed_line(n: usize, req: RequestLine, errors: Vec<String>) -> SimResult {
    let errors = errors
        .into_iter()
        .map(|e| format!("line {n}: {e}"))
        .collect();
    SimResult::malformed(Some(req.action), Some(req.resource), errors)
}

fn run_batch(
    args: &SimulateArgs,
    path: &Path,
    stdin: &mut dyn BufRead,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    // clap enforces these conflicts on the command line; library callers get the same check.
    let mut errors = Vec::new();
    let single_only = [
        ("--policy-file", !args.policy_files.is_empty()),
        ("--boundary-file", args.boundary_file.is_some()),
        (
            "--resource-policy-file",
            args.resource_policy_file.is_some(),
        ),
        (
            "--resource-policy-mode",
            args.resource_policy_mode.is_some(),
        ),
        ("--principal", args.principal.is_some()),
        ("--action", !args.actions.is_empty()),
        ("--context", !args.context.is_empty()),
    ];
    for (flag, given) in single_only {
        if given {
            errors.push(format!(
                "{flag} cannot be used with --requests (each request line carries its own)"
            ));
        }
    }
    if args.format == Some(Format::Table) {
        errors.push("--requests writes json lines; drop --format table".to_string());
    }
    if !errors.is_empty() {
        print_errors(err, &errors);
        return exit::USAGE;
    }
    let shown = path.display();
    let mut file;
    let input: &mut dyn BufRead = if path == Path::new("-") {
        stdin
    } else {
        match File::open(path) {
            Ok(f) => {
                file = BufReader::with_capacity(1 << 16, f);
                &mut file
            }
            Err(e) => {
                print_errors(err, &[format!("cannot read --requests `{shown}`: {e}")]);
                return exit::USAGE;
            }
        }
    };
    let mut cache = PolicyCache::default();
    let mut tally = Tally::default();
    let mut line = Vec::new();
    let mut buf = Vec::new();
    let mut n = 0;
    loop {
        line.clear();
        match input.read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                print_errors(err, &[format!("cannot read --requests `{shown}`: {e}")]);
                return exit::USAGE;
            }
        }
        n += 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let text = line.strip_suffix(b"\n").unwrap_or(&line);
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        let result = evaluate_line(&mut cache, n, text);
        tally.add(&result);
        buf.clear();
        let written = serde_json::to_writer(&mut buf, &result)
            .map_err(io::Error::from)
            .and_then(|()| {
                buf.push(b'\n');
                out.write_all(&buf)
            })
            // Flushed per line, so a caller feeding requests through a pipe gets each answer at once.
            .and_then(|()| out.flush());
        if let Err(e) = written {
            return output_failed(&e, tally, err);
        }
    }
    tally.code()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn canonical(v: &Value) -> String {
        let mut s = String::new();
        write_canonical(v, &mut s);
        s
    }

    const ROLE: &str = "arn:aws:iam::111122223333:role/app/AppRole";
    const TABLE: &str = "arn:aws:dynamodb:eu-west-1:111122223333:table/Orders";
    const KEY: &str = "arn:aws:kms:eu-west-1:111122223333:key/k1";

    fn read_policy() -> Value {
        json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "Read", "Effect": "Allow", "Action": "dynamodb:Get*", "Resource": TABLE},
            {"Effect": "Deny", "Action": "dynamodb:DeleteItem", "Resource": "*"}]})
    }

    fn line(action: &str) -> String {
        json!({"principal": ROLE, "action": action, "resource": TABLE,
            "identity_policies": [{"name": "app", "document": read_policy()}]})
        .to_string()
    }

    fn args() -> SimulateArgs {
        SimulateArgs {
            policy_files: Vec::new(),
            boundary_file: None,
            resource_policy_file: None,
            resource_policy_mode: None,
            principal: None,
            actions: Vec::new(),
            resources: vec!["*".into()],
            context: Vec::new(),
            requests: None,
            format: None,
        }
    }

    fn batch(input: &str) -> (i32, Vec<Value>, String) {
        let mut a = args();
        a.requests = Some("-".into());
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = run(&a, &mut input.as_bytes(), &mut out, &mut err);
        let lines = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        (code, lines, String::from_utf8(err).unwrap())
    }

    #[test]
    fn context_types_map_to_engine_values() {
        let cases: [(&str, Result<ContextValue, &str>); 8] = [
            (
                "aws:SourceIp=10.0.0.1",
                Ok(ContextValue::string("10.0.0.1")),
            ),
            (
                "aws:SourceIp=ip:10.0.0.1",
                Ok(ContextValue::typed("10.0.0.1", ValueType::Ip)),
            ),
            (
                "aws:SecureTransport=boolean:true",
                Ok(ContextValue::typed("true", ValueType::Bool)),
            ),
            (
                "aws:CurrentTime=date:2024-01-01T00:00:00Z",
                Ok(ContextValue::typed("2024-01-01T00:00:00Z", ValueType::Date)),
            ),
            (
                "aws:TagKeys=stringList:a,b",
                Ok(ContextValue::list(["a", "b"])),
            ),
            ("aws:TagKeys=stringList:a", Ok(ContextValue::list(["a"]))),
            (
                "aws:SourceIp=ipList:10.0.0.1,10.0.0.2",
                Ok(ContextValue::List {
                    values: vec!["10.0.0.1".into(), "10.0.0.2".into()],
                    ty: Some(ValueType::Ip),
                }),
            ),
            ("aws:PrincipalTag/team=a,b", Err("use `stringList`")),
        ];
        for (arg, want) in cases {
            let got = context_value(&parse_context_arg(arg).unwrap());
            match (got, want) {
                (Ok(g), Ok(w)) => assert_eq!(g, w, "{arg}"),
                (Err(g), Err(w)) => assert!(g.contains(w), "{arg}: {g}"),
                (g, w) => panic!("{arg}: got {g:?}, want {w:?}"),
            }
        }
    }

    #[test]
    fn default_resource_policy_mode_follows_the_action() {
        let cases = [
            (None, "kms:Decrypt", ResourcePolicyMode::KmsKeyPolicy),
            (
                None,
                "KMS:GenerateDataKey",
                ResourcePolicyMode::KmsKeyPolicy,
            ),
            (None, "dynamodb:GetItem", ResourcePolicyMode::Standard),
            (None, "km", ResourcePolicyMode::Standard),
            (
                Some(ResourcePolicyMode::Standard),
                "kms:Decrypt",
                ResourcePolicyMode::Standard,
            ),
        ];
        for (explicit, action, want) in cases {
            assert_eq!(mode_for(explicit, action), want, "{action}");
        }
    }

    #[test]
    fn single_plan_reports_every_problem_at_once() {
        let mut a = args();
        a.policy_files = vec!["a/p.json".into(), "b/p.json".into()];
        a.actions = vec!["GetItem".into()];
        a.context = vec!["novalue".into(), "aws:PrincipalTag/team=a,b".into()];
        a.resource_policy_file = Some("rp.json".into());
        a.principal = None;
        let errs = plan_single(&a).unwrap_err().join("\n");
        for want in [
            "--action `GetItem` is not an action",
            "two --policy-file have the name `p`",
            "--context `novalue` is not KEY=TYPE:VALUE",
            "--context `aws:PrincipalTag/team` has 2 values",
            "--resource-policy-file needs --principal",
        ] {
            assert!(errs.contains(want), "missing `{want}` in:\n{errs}");
        }
    }

    #[test]
    fn single_plan_crosses_actions_and_resources() {
        let mut a = args();
        a.policy_files = vec!["dir/app-read.json".into()];
        a.actions = vec!["dynamodb:GetItem".into(), "dynamodb:Query".into()];
        a.resources = vec![TABLE.into(), format!("{TABLE}/index/x")];
        a.principal = Some(ROLE.into());
        a.context = vec!["aws:SourceIp=ip:10.0.0.1".into()];
        let plan = plan_single(&a).unwrap();
        assert_eq!(plan.identity[0].0, "app-read");
        assert_eq!(plan.requests.len(), 4);
        assert_eq!(
            plan.requests[1],
            ("dynamodb:GetItem".to_string(), format!("{TABLE}/index/x"))
        );
        assert!(plan.context.get("aws:sourceip").is_some());
        assert_eq!(plan.format, Format::Table);
    }

    #[test]
    fn canonical_text_ignores_key_order_and_whitespace() {
        let a: Value =
            serde_json::from_str(r#"{"b": [1, {"y": 2, "x": "é\""}], "a": null}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"a":null,"b":[1,{"x":"é\"","y":2}]}"#).unwrap();
        assert_eq!(canonical(&a), canonical(&b));
        assert_eq!(canonical(&a), r#"{"a":null,"b":[1,{"x":"é\"","y":2}]}"#);
        // Array order matters.
        let c: Value = serde_json::from_str(r#"{"a":null,"b":[{"x":"é\"","y":2},1]}"#).unwrap();
        assert_ne!(canonical(&a), canonical(&c));
    }

    #[test]
    fn cache_parses_each_distinct_document_once() {
        let mut cache = PolicyCache::default();
        let reordered = json!({"Statement": read_policy()["Statement"], "Version": "2012-10-17"});
        let as_string = Value::String(read_policy().to_string());
        for doc in [read_policy(), reordered, as_string, read_policy()] {
            let set = cache
                .identity_set(&[PolicyWire {
                    name: "app".into(),
                    document: doc,
                }])
                .unwrap();
            assert_eq!(set[0].id, "app");
        }
        assert_eq!(cache.parses, 1);
        // Same document under another name is another policy (names appear in reasons).
        cache
            .policy(PolicyKind::Identity, "other", &read_policy())
            .unwrap();
        assert_eq!(cache.parses, 2);
        // A bad document is parsed once and its error returned every time.
        let bad = json!({"Statement": [{"Effect": "Maybe", "Action": "*", "Resource": "*"}]});
        for _ in 0..3 {
            assert!(cache.policy(PolicyKind::Identity, "bad", &bad).is_err());
        }
        assert_eq!(cache.parses, 3);
    }

    #[test]
    fn batch_decides_in_order_and_skips_blank_lines() {
        let input = format!(
            "{}\n\n{}\n  \n{}\n",
            line("dynamodb:GetItem"),
            line("dynamodb:DeleteItem"),
            line("dynamodb:PutItem")
        );
        let (code, out, err) = batch(&input);
        assert_eq!(code, exit::FAIL, "{err}");
        let decisions: Vec<&str> = out
            .iter()
            .map(|r| r["decision"].as_str().unwrap())
            .collect();
        assert_eq!(decisions, ["allowed", "explicit_deny", "implicit_deny"]);
        assert_eq!(
            out[0]["matched"],
            json!([{"policy": "app", "statement": 0, "sid": "Read"}])
        );
        assert_eq!(
            out[1]["matched"],
            json!([{"policy": "app", "statement": 1, "sid": null}])
        );
        assert_eq!(out[1]["action"], "dynamodb:DeleteItem");
        for r in &out {
            for field in ["missing_context", "unsupported", "reasons", "errors"] {
                assert!(r[field].is_array(), "{field} in {r}");
            }
        }
        assert_eq!(out[1]["reasons"][0]["code"], "explicit_deny_in");
    }

    #[test]
    fn batch_all_allowed_exits_zero() {
        let input = format!("{}\n{}", line("dynamodb:GetItem"), line("dynamodb:GetItem"));
        let (code, out, _) = batch(&input);
        assert_eq!((code, out.len()), (exit::PASS, 2));
    }

    #[test]
    fn malformed_lines_are_reported_in_place_and_the_batch_goes_on() {
        let bad_policy = json!({"principal": ROLE, "action": "dynamodb:GetItem", "resource": TABLE,
            "identity_policies": [{"name": "broken", "document": {"Statement": [{"Effect": "Allow"}]}}]});
        let cases: [(String, &str); 9] = [
            ("{not json".into(), "line 1, column 2: key must be a string"),
            (
                "{\"principal\": \"cut".into(),
                "line 1, column 18: EOF while parsing a string",
            ),
            (
                json!({"principal": ROLE, "resource": TABLE}).to_string(),
                "missing field `action`",
            ),
            (
                json!({"principal": ROLE, "action": "dynamodb:GetItem", "resource": TABLE, "boundry": {}})
                    .to_string(),
                "unknown field `boundry`",
            ),
            (
                bad_policy.to_string(),
                "line 1: identity_policies[0] `broken`: statement 0:",
            ),
            (
                json!({"principal": "AppRole", "action": "dynamodb:GetItem", "resource": TABLE}).to_string(),
                "line 1: `principal` `AppRole` is not a principal ARN",
            ),
            (
                json!({"principal": ROLE, "action": "GetItem", "resource": TABLE}).to_string(),
                "line 1: `action` `GetItem` is not an action",
            ),
            (
                json!({"principal": ROLE, "action": "dynamodb:GetItem", "resource": TABLE,
                    "context": {"aws:SourceIp": null}})
                .to_string(),
                "line 1: context `aws:SourceIp`: context value must not be null",
            ),
            (
                json!({"principal": ROLE, "action": "kms:Decrypt", "resource": KEY,
                    "resource_policy": {"Statement": {"Effect": "Maybe", "Principal": "*", "Action": "kms:*"}}})
                .to_string(),
                "line 1: resource_policy: statement 0:",
            ),
        ];
        for (bad, want) in cases {
            let input = format!("{bad}\n{}\n", line("dynamodb:GetItem"));
            let (code, out, _) = batch(&input);
            assert_eq!(code, exit::USAGE, "{bad}");
            assert_eq!(out.len(), 2, "{bad}");
            assert_eq!(out[0]["decision"], "indeterminate", "{bad}");
            let errors = out[0]["errors"].to_string();
            assert!(errors.contains(want), "{bad}: want `{want}` in {errors}");
            assert_eq!(out[1]["decision"], "allowed", "{bad}");
        }
    }

    #[test]
    fn line_numbers_count_blank_lines() {
        let input = format!("\n{}\n\n{{\n", line("dynamodb:GetItem"));
        let (code, out, _) = batch(&input);
        assert_eq!(code, exit::USAGE);
        assert_eq!(out.len(), 2);
        assert!(
            out[1]["errors"][0].as_str().unwrap().starts_with("line 4"),
            "{}",
            out[1]
        );
    }

    #[test]
    fn batch_uses_kms_mode_for_kms_actions_unless_told_otherwise() {
        // The key policy delegates to IAM only: in kms mode identity policies then decide.
        let key_policy = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}]});
        let identity = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY}]});
        let req = |mode: Option<&str>| {
            let mut v = json!({"principal": ROLE, "action": "kms:Decrypt", "resource": KEY,
                "identity_policies": [{"name": "app", "document": identity}],
                "resource_policy": key_policy});
            if let Some(m) = mode {
                v["resource_policy_mode"] = json!(m);
            }
            v.to_string()
        };
        let input = [
            req(None),
            req(Some("kms_key_policy")),
            req(Some("standard")),
        ]
        .join("\n");
        let (_, out, _) = batch(&input);
        assert_eq!(out[0]["decision"], "allowed", "{}", out[0]);
        assert_eq!(out[1]["decision"], "allowed", "{}", out[1]);
        // In standard mode a key policy cannot be evaluated as a key policy.
        assert_ne!(out[2]["decision"], "allowed", "{}", out[2]);
    }

    #[test]
    fn batch_rejects_single_mode_flags() {
        let mut a = args();
        a.requests = Some("-".into());
        a.actions = vec!["dynamodb:GetItem".into()];
        a.format = Some(Format::Table);
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = run(&a, &mut "".as_bytes(), &mut out, &mut err);
        let err = String::from_utf8(err).unwrap();
        assert_eq!(code, exit::USAGE);
        assert!(
            err.contains("error: --action cannot be used with --requests"),
            "{err}"
        );
        assert!(err.contains("drop --format table"), "{err}");
        assert!(out.is_empty());
    }

    #[test]
    fn missing_requests_file_is_a_usage_error() {
        let mut a = args();
        a.requests = Some("/nonexistent/requests.jsonl".into());
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = run(&a, &mut "".as_bytes(), &mut out, &mut err);
        let err = String::from_utf8(err).unwrap();
        assert_eq!(code, exit::USAGE);
        assert!(
            err.starts_with("error: cannot read --requests `/nonexistent/requests.jsonl`: "),
            "{err}"
        );
    }

    struct FailingWriter(io::ErrorKind);
    impl Write for FailingWriter {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::new(self.0, "nope"))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn closed_pipe_is_not_an_error_but_other_write_failures_are() {
        let mut a = args();
        a.requests = Some("-".into());
        let input = line("dynamodb:GetItem");
        let cases = [
            (io::ErrorKind::BrokenPipe, exit::PASS, ""),
            (
                io::ErrorKind::StorageFull,
                exit::ERROR,
                "error: cannot write output: nope\n",
            ),
        ];
        for (kind, want_code, want_err) in cases {
            let mut err = Vec::new();
            let code = run(
                &a,
                &mut input.as_bytes(),
                &mut FailingWriter(kind),
                &mut err,
            );
            assert_eq!(code, want_code, "{kind:?}");
            assert_eq!(String::from_utf8(err).unwrap(), want_err, "{kind:?}");
        }
    }

    #[test]
    fn table_lists_deciding_statements_and_why() {
        let results = vec![
            SimResult {
                action: Some("dynamodb:GetItem".into()),
                resource: Some(TABLE.into()),
                decision: Decision::ExplicitDeny,
                matched: vec![MatchedWire {
                    policy: "app".into(),
                    statement: 2,
                    sid: Some("NoDeletes".into()),
                }],
                missing_context: vec!["aws:SourceIp".into()],
                unsupported: vec!["operator `Foo` is unknown".into()],
                reasons: vec![Reason::ExplicitDenyIn {
                    policy: "app".into(),
                    kind: PolicyKind::Identity,
                    statement: 2,
                }],
                errors: vec![],
            },
            SimResult::malformed(None, None, vec!["line 3: bad".into()]),
        ];
        let mut out = Vec::new();
        write_table(&mut out, &results).unwrap();
        let text = String::from_utf8(out).unwrap();
        for want in [
            "Deciding statements",
            "app #2 NoDeletes",
            "explicit deny in identity policy `app` statement 2",
            "missing context: aws:SourceIp",
            "unsupported: operator `Foo` is unknown",
            "line 3: bad",
            "2 requests: 0 allowed, 1 explicit deny, 0 implicit deny, 1 indeterminate",
        ] {
            assert!(text.contains(want), "missing `{want}` in:\n{text}");
        }
    }

    #[test]
    fn every_reason_has_a_sentence_naming_its_policy() {
        let p = || "pol".to_string();
        let reasons = [
            Reason::BoundaryAllows { policy: p() },
            Reason::BoundaryDoesNotAllow { policy: p() },
            Reason::ResourcePolicyAllows {
                policy: p(),
                capped_by_boundary: true,
            },
            Reason::ResourcePolicyDoesNotAllow { policy: p() },
            Reason::KeyPolicyAllows {
                policy: p(),
                capped_by_boundary: false,
            },
            Reason::KeyPolicyDelegatesToIam { policy: p() },
            Reason::KeyPolicyNoIamDelegation { policy: p() },
            Reason::KeyPolicyDoesNotAllow { policy: p() },
            Reason::StatementNotEvaluable {
                policy: p(),
                kind: PolicyKind::Boundary,
                statement: 1,
                effect: Effect::Deny,
                detail: "why".into(),
            },
        ];
        for r in &reasons {
            assert!(
                reason_text(r).contains("`pol`"),
                "{r:?}: {}",
                reason_text(r)
            );
        }
    }
}
