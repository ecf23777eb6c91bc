//! `pydynox-iam simulate`: offline evaluation of requests against policy files or a JSON-lines
//! batch, like `aws iam simulate-custom-policy`. Owns the flags, reading the policy files and
//! the batch input, and the exit code; the requests are validated and decided in
//! [`simulate`](crate::simulate) (the wire format and its policy cache live there too) and
//! rendered by [`report::simulate`](crate::report::simulate). Prints nowhere but the writers it
//! is given.

use std::collections::HashSet;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use crate::commands::args::{Format, org_policies_file_arg};
use crate::engine::{
    Context, Decision, NamedPolicy, PolicyDocument, PolicyKind, PolicySet, ResourcePolicyMode,
};
use crate::grants::org::OrgPolicies;
use crate::needs::plan::parse_context_arg;
use crate::report::model::exit;
use crate::report::simulate::{write_json, write_table};
use crate::simulate::cache::PolicyCache;
use crate::simulate::request::{
    check_action, check_principal, context_from_entries, decide, evaluate_line, mode_for,
};
use crate::simulate::wire::SimResult;

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
    /// The organization's SCPs and RCPs (JSON, the layout of `check --org-policies-file`), for
    /// the principal's account and the resources' (every --requests line too). Without it no
    /// SCP or RCP is evaluated, and the output says so: an `allowed` is then not final
    #[arg(long, value_name = "FILE", value_parser = org_policies_file_arg)]
    pub org_policies_file: Option<OrgPolicies>,
}

/// Runs `simulate` on standard input and output and returns the exit code.
pub fn execute(args: &SimulateArgs) -> i32 {
    let stdin = io::stdin();
    // A large buffer, so a batch piped in arrives in blocks big enough to share between two
    // threads; a read still returns whatever the pipe holds without waiting to fill it.
    let mut input = BufReader::with_capacity(READ_BUFFER, stdin.lock());
    let stdout = io::stdout();
    // Standard output is line-buffered: a batch writes through a block buffer instead, which
    // `run_batch` flushes whenever it is about to wait for input (and `run` at the end).
    let mut out = io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let code = run(args, &mut input, &mut out, &mut io::stderr());
    match out.flush() {
        Ok(()) => code,
        // A failure `run` already reported is not reported twice.
        Err(_) if code == exit::ERROR => code,
        Err(e) => output_failed(&e, code, &mut io::stderr()),
    }
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
    fn merge(&mut self, o: Tally) {
        self.not_allowed |= o.not_allowed;
        self.malformed |= o.malformed;
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

/// `--org-policies-file`'s policies for the engine (checked when the flag was parsed; checked
/// again here for callers that build the arguments themselves).
fn org_of(
    args: &SimulateArgs,
    err: &mut dyn Write,
) -> Result<Option<crate::engine::OrgPolicies>, i32> {
    match args.org_policies_file.as_ref().map(OrgPolicies::to_engine) {
        None => Ok(None),
        Some(Ok(o)) => Ok(Some(o)),
        Some(Err(e)) => {
            print_errors(err, &[format!("--org-policies-file: {e}")]);
            Err(exit::USAGE)
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
fn output_failed(e: &io::Error, code: i32, err: &mut dyn Write) -> i32 {
    if e.kind() == io::ErrorKind::BrokenPipe {
        return code;
    }
    print_errors(err, &[format!("cannot write output: {e}")]);
    exit::ERROR
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
    let limit = crate::commands::args::MAX_POLICY_BYTES;
    let text = match std::fs::metadata(path) {
        Ok(m) if m.len() > limit => {
            return Err(format!(
                "{flag} `{shown}` is {} bytes, larger than any policy IAM can hold (the limit here is 1 MiB = {limit} bytes): give the policy document itself",
                m.len()
            ));
        }
        _ => std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {flag} `{shown}`: {e}"))?,
    };
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
    let org = match org_of(args, err) {
        Ok(o) => o,
        Err(code) => return code,
    };
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
                org: org.as_ref(),
            };
            let r = decide(
                &set,
                plan.principal.clone(),
                action.clone(),
                resource.clone(),
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
        Err(e) => output_failed(&e, tally.code(), err),
    }
}

// ---------------------------------------------------------------------------------------------
// Batch mode

/// Flags that `--requests` cannot be used with (each line carries its own). clap enforces
/// these conflicts on the command line; library callers get the same check.
fn batch_flag_errors(args: &SimulateArgs) -> Vec<String> {
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
    errors
}

fn run_batch(
    args: &SimulateArgs,
    path: &Path,
    stdin: &mut dyn BufRead,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let errors = batch_flag_errors(args);
    if !errors.is_empty() {
        print_errors(err, &errors);
        return exit::USAGE;
    }
    let shown = path.display();
    let mut file;
    // Whether a read may wait for whoever sends the requests (a pipe, a terminal, a FIFO given by
    // path): then every answer so far is written and flushed before each read, as that sender may
    // be waiting for them. A regular file never waits, so it is read ahead of the answers.
    let mut may_wait = true;
    let input: &mut dyn BufRead = if path == Path::new("-") {
        stdin
    } else {
        match File::open(path) {
            Ok(f) => {
                may_wait = !f.metadata().is_ok_and(|m| m.file_type().is_file());
                file = BufReader::with_capacity(READ_BUFFER, f);
                &mut file
            }
            Err(e) => {
                print_errors(err, &[format!("cannot read --requests `{shown}`: {e}")]);
                return exit::USAGE;
            }
        }
    };
    let org = match org_of(args, err) {
        Ok(o) => o,
        Err(code) => return code,
    };
    std::thread::scope(|scope| {
        let mut batch = Batch::new(org.as_ref(), scope);
        let code = answer_all(&mut batch, input, out, err, &shown, may_wait);
        // Ends the answering threads; the scope waits for them.
        batch.jobs = None;
        code
    })
}

/// The reader's buffer for `--requests` (a file, or standard input in `execute`).
const READ_BUFFER: usize = 256 * 1024;

/// The read-answer-write loop of a batch; the exit code.
fn answer_all(
    batch: &mut Batch,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
    err: &mut dyn Write,
    shown: &std::path::Display,
    may_wait: bool,
) -> i32 {
    // A line that straddles the end of the reader's buffer, kept until its end arrives.
    let mut carry: Vec<u8> = Vec::new();
    loop {
        let chunk = match input.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                // The lines read before the failure keep their answers (a file is read ahead of
                // them); the exit code says the batch was cut short.
                let _ = batch.flush(out);
                print_errors(err, &[format!("cannot read --requests `{shown}`: {e}")]);
                return exit::USAGE;
            }
        };
        let at_end = chunk.is_empty();
        let taken = chunk.len();
        let sent = if at_end {
            // The last line needs no newline.
            batch.send(&carry, out)
        } else {
            match memchr::memrchr(b'\n', chunk) {
                None => {
                    carry.extend_from_slice(chunk);
                    Ok(())
                }
                Some(last) => {
                    let mut whole = &chunk[..=last];
                    let mut sent = Ok(());
                    if !carry.is_empty() {
                        // The carried line ends at the chunk's first newline.
                        let end = memchr::memchr(b'\n', whole).map_or(whole.len(), |i| i + 1);
                        carry.extend_from_slice(&whole[..end]);
                        whole = &whole[end..];
                        sent = batch.send(&carry, out);
                        carry.clear();
                    }
                    let sent = sent.and_then(|()| batch.send(whole, out));
                    carry.extend_from_slice(&chunk[last + 1..]);
                    sent
                }
            }
        };
        input.consume(taken);
        // Before a read that may wait (and at the end), every answer so far is written and
        // flushed: a caller feeding requests through a pipe gets each answer before it sends the
        // next request.
        let written = sent.and_then(|()| {
            if at_end || may_wait {
                batch.flush(out)
            } else {
                Ok(())
            }
        });
        if let Err(e) = written {
            return output_failed(&e, batch.tally.code(), err);
        }
        if at_end {
            return batch.tally.code();
        }
    }
}

/// About this many bytes of lines make one piece of work.
const PIECE: usize = 32 * 1024;
/// Pieces read and not yet written, at most: bounds the memory a long batch holds.
const IN_FLIGHT: u64 = 8;
/// Pieces queued for the second thread: enough that it never waits while this thread reads,
/// answers and writes; beyond that, this thread answers pieces itself.
const QUEUED: u64 = 2;

/// A piece of work: whole lines, the number of the line before them, and a buffer for the answers.
/// Buffers travel back and forth, so a long batch allocates them once.
struct Piece {
    seq: u64,
    first: usize,
    lines: Vec<u8>,
    text: Vec<u8>,
}

/// A piece answered: its answers (JSON lines) written into `piece.text`, and their tally; or the
/// second thread's panic, raised again on this one.
type Answered = (Piece, std::thread::Result<io::Result<Tally>>);

/// A batch being answered on two threads, this one and a second, each with its own policy cache
/// (a document is parsed at most once per thread; answers do not depend on a cache, only their
/// time), with answers written in input order. The batch format puts no order on evaluation, only
/// on the output, and each line is decided on its own. Two threads, not more: the machines this
/// runs on have two cores, and a thread more than cores spends its waits spinning on them.
struct Batch<'scope, 'env> {
    org: Option<&'env crate::engine::OrgPolicies>,
    scope: &'scope std::thread::Scope<'scope, 'env>,
    cache: PolicyCache,
    /// Where pieces go; `None` until the first piece is handed over (so a small batch starts no
    /// thread) and after the last (which ends the thread).
    jobs: Option<std::sync::mpsc::Sender<Piece>>,
    done: Option<std::sync::mpsc::Receiver<Answered>>,
    /// Pieces handed to the second thread and not yet back.
    queued: u64,
    /// The system would not start a second thread: every piece is answered on this one.
    single_thread: bool,
    /// The output was closed (`| head`): the rest of the batch is still decided, unwritten, so
    /// the exit code covers every line, not only those written (a closed pipe is not an error).
    output_gone: bool,
    /// The next piece to number, and the next to write.
    next_seq: u64,
    next_out: u64,
    /// Pieces answered before an earlier one, held until their turn.
    early: std::collections::BTreeMap<u64, (Piece, io::Result<Tally>)>,
    spare: Vec<Piece>,
    tally: Tally,
    /// Lines numbered so far, blank ones included (error messages give line numbers).
    lines: usize,
}

impl<'scope, 'env> Batch<'scope, 'env> {
    fn new(
        org: Option<&'env crate::engine::OrgPolicies>,
        scope: &'scope std::thread::Scope<'scope, 'env>,
    ) -> Self {
        Batch {
            org,
            scope,
            cache: PolicyCache::default(),
            jobs: None,
            done: None,
            queued: 0,
            single_thread: false,
            output_gone: false,
            next_seq: 0,
            next_out: 0,
            early: std::collections::BTreeMap::new(),
            spare: Vec::new(),
            tally: Tally::default(),
            lines: 0,
        }
    }

    /// The second thread, started the first time a piece is handed over; `None` when the system
    /// would not start one (a process or thread limit), and then every piece is answered here.
    fn jobs(&mut self) -> Option<&std::sync::mpsc::Sender<Piece>> {
        if self.jobs.is_none() && !self.single_thread {
            let org = self.org;
            let (jobs, job_rx) = std::sync::mpsc::channel::<Piece>();
            let (done_tx, done_rx) = std::sync::mpsc::channel::<Answered>();
            let started = std::thread::Builder::new()
                .name("simulate-answers".into())
                .spawn_scoped(self.scope, move || {
                    let mut cache = PolicyCache::default();
                    for mut piece in job_rx {
                        piece.text.clear();
                        let answered =
                            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                                answer_lines(
                                    &mut cache,
                                    piece.first,
                                    &piece.lines,
                                    org,
                                    &mut piece.text,
                                )
                            }));
                        let stop = answered.is_err();
                        if done_tx.send((piece, answered)).is_err() || stop {
                            break;
                        }
                    }
                });
            match started {
                Ok(_) => {
                    self.jobs = Some(jobs);
                    self.done = Some(done_rx);
                }
                Err(_) => self.single_thread = true,
            }
        }
        self.jobs.as_ref()
    }

    /// Answers the lines of `block` (complete lines; the last one may lack its newline at the
    /// end of the input) in pieces: each piece goes to the second thread while it has fewer than
    /// [`QUEUED`], and is answered here otherwise. Answers whose turn has come are written.
    fn send(&mut self, block: &[u8], out: &mut dyn Write) -> io::Result<()> {
        let mut rest = block;
        while !rest.is_empty() {
            let cut = match rest.get(PIECE..) {
                Some(after) => memchr::memchr(b'\n', after).map_or(rest.len(), |i| PIECE + i + 1),
                None => rest.len(),
            };
            let (lines, after) = rest.split_at(cut);
            rest = after;
            while self.next_seq - self.next_out >= IN_FLIGHT {
                self.receive(out)?;
            }
            let mut piece = self.spare.pop().unwrap_or(Piece {
                seq: 0,
                first: 0,
                lines: Vec::new(),
                text: Vec::new(),
            });
            piece.seq = self.next_seq;
            piece.first = self.lines;
            self.lines += line_count(lines);
            self.next_seq += 1;
            // A piece alone (a request fed through a pipe) is answered here: handing it over
            // would only add the hand-over to its wait.
            let alone =
                rest.is_empty() && self.next_seq == self.next_out + 1 && lines.len() < PIECE;
            if self.queued < QUEUED && !alone && self.jobs().is_some() {
                piece.lines.clear();
                piece.lines.extend_from_slice(lines);
                self.queued += 1;
                // The thread only stops once `jobs` is dropped, or by a panic, raised here when
                // its piece comes back.
                self.jobs
                    .as_ref()
                    .and_then(|jobs| jobs.send(piece).ok())
                    .expect("the second thread of `simulate --requests` stopped");
            } else {
                piece.text.clear();
                let answered = answer_lines(
                    &mut self.cache,
                    piece.first,
                    lines,
                    self.org,
                    &mut piece.text,
                );
                self.early.insert(piece.seq, (piece, answered));
            }
            self.collect(out, false)?;
        }
        Ok(())
    }

    /// Takes back what the second thread has answered (waiting for one piece when `wait`), then
    /// writes every piece whose turn has come.
    fn collect(&mut self, out: &mut dyn Write, wait: bool) -> io::Result<()> {
        if let Some(done) = &self.done {
            let mut next = if wait {
                done.recv().ok()
            } else {
                done.try_recv().ok()
            };
            while let Some((piece, answered)) = next {
                self.queued -= 1;
                let answered = answered.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                self.early.insert(piece.seq, (piece, answered));
                next = done.try_recv().ok();
            }
        }
        while let Some((piece, answered)) = self.early.remove(&self.next_out) {
            self.next_out += 1;
            let tally = answered?;
            self.tally.merge(tally);
            if !self.output_gone {
                self.output_gone = closed(out.write_all(&piece.text))?;
            }
            self.spare.push(piece);
        }
        Ok(())
    }

    /// Writes the answers to every piece read so far and flushes them.
    fn flush(&mut self, out: &mut dyn Write) -> io::Result<()> {
        self.write_all(out)?;
        if !self.output_gone {
            self.output_gone = closed(out.flush())?;
        }
        Ok(())
    }

    /// Waits for one answer from the second thread, and writes what it can.
    fn receive(&mut self, out: &mut dyn Write) -> io::Result<()> {
        assert!(
            self.queued > 0 || self.early.contains_key(&self.next_out),
            "`simulate --requests` waited for an answer nobody is making"
        );
        self.collect(
            out,
            self.queued > 0 && !self.early.contains_key(&self.next_out),
        )
    }

    /// Writes the answers to every piece read so far.
    fn write_all(&mut self, out: &mut dyn Write) -> io::Result<()> {
        while self.next_out < self.next_seq {
            self.receive(out)?;
        }
        Ok(())
    }
}

/// Whether a write found its reader gone (a closed pipe); any other failure is passed on.
fn closed(written: io::Result<()>) -> io::Result<bool> {
    match written {
        Ok(()) => Ok(false),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(true),
        Err(e) => Err(e),
    }
}

/// The number of lines in `block`: one per newline, and one more for text after the last.
fn line_count(block: &[u8]) -> usize {
    memchr::memchr_iter(b'\n', block).count() + usize::from(!block.ends_with(b"\n"))
}

/// Writes the answers to the lines of `block`, numbered from `first + 1`, to `text` as JSON
/// lines, and returns their tally. Blank lines are numbered but not answered.
fn answer_lines(
    cache: &mut PolicyCache,
    first: usize,
    block: &[u8],
    org: Option<&crate::engine::OrgPolicies>,
    text: &mut Vec<u8>,
) -> io::Result<Tally> {
    let mut tally = Tally::default();
    let lines = block.strip_suffix(b"\n").unwrap_or(block);
    // Line ends found with `memchr` (a vector search), not `split`'s byte-by-byte test: lines
    // are kilobytes of JSON.
    let mut start = 0;
    let ends = memchr::memchr_iter(b'\n', lines).chain(std::iter::once(lines.len()));
    for (i, end) in ends.enumerate() {
        let line = &lines[start..end];
        start = end + 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let result = evaluate_line(cache, first + i + 1, line, org);
        tally.add(&result);
        serde_json::to_writer(&mut *text, &result).map_err(io::Error::from)?;
        text.push(b'\n');
    }
    Ok(tally)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

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
            org_policies_file: None,
        }
    }

    fn decisions(out: &[Value]) -> Vec<&str> {
        out.iter()
            .map(|r| r["decision"].as_str().unwrap())
            .collect()
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
    fn batch_decides_in_order_and_skips_blank_lines() {
        let input = format!(
            "{}\n\n{}\n  \n{}\n",
            line("dynamodb:GetItem"),
            line("dynamodb:DeleteItem"),
            line("dynamodb:PutItem")
        );
        let (code, out, err) = batch(&input);
        assert_eq!(code, exit::FAIL, "{err}");
        let decisions = decisions(&out);
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
        // The reader leaves after the first answer: the second request, denied, is still
        // decided, so the exit code does not say every request was allowed.
        let input = format!(
            "{}\n{}",
            line("dynamodb:GetItem"),
            line("dynamodb:DeleteItem")
        );
        let cases = [
            (io::ErrorKind::BrokenPipe, exit::FAIL, ""),
            (
                io::ErrorKind::StorageFull,
                exit::ERROR,
                "error: cannot write output: nope\n",
            ),
        ];
        for (kind, want_code, want_err) in cases {
            let mut err = Vec::new();
            // One line per read, so the first answer is written before the second is read.
            let mut lines = Chunks::by_line(&input);
            let code = run(&a, &mut lines, &mut FailingWriter(kind), &mut err);
            assert_eq!(code, want_code, "{kind:?}");
            assert_eq!(String::from_utf8(err).unwrap(), want_err, "{kind:?}");
        }
    }

    /// What happened, in order: reads of a new chunk of input, writes of answers, flushes.
    type Log = std::rc::Rc<std::cell::RefCell<Vec<String>>>;

    /// Input that arrives in the given chunks, as from a pipe; each new chunk is logged.
    struct Chunks {
        chunks: std::collections::VecDeque<Vec<u8>>,
        at: usize,
        log: Log,
    }
    impl Chunks {
        /// `input` one line per read.
        fn by_line(input: &str) -> Chunks {
            Chunks {
                chunks: input
                    .split_inclusive('\n')
                    .map(|l| l.as_bytes().to_vec())
                    .collect(),
                at: 0,
                log: Log::default(),
            }
        }
    }
    impl io::Read for Chunks {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = {
                let available = self.fill_buf()?;
                let n = available.len().min(out.len());
                out[..n].copy_from_slice(&available[..n]);
                n
            };
            self.consume(n);
            Ok(n)
        }
    }
    impl BufRead for Chunks {
        fn fill_buf(&mut self) -> io::Result<&[u8]> {
            if self.chunks.front().is_some_and(|c| self.at == c.len()) {
                self.chunks.pop_front();
                self.at = 0;
            }
            if self.at == 0 {
                let what = match self.chunks.front() {
                    Some(c) => format!("read {}", String::from_utf8_lossy(c).matches('{').count()),
                    None => "read eof".to_string(),
                };
                self.log.borrow_mut().push(what);
            }
            Ok(self.chunks.front().map_or(&[][..], |c| &c[self.at..]))
        }
        fn consume(&mut self, n: usize) {
            self.at += n;
        }
    }
    struct LoggingWriter(Log);
    impl Write for LoggingWriter {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0.borrow_mut().push("write".into());
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            self.0.borrow_mut().push("flush".into());
            Ok(())
        }
    }

    #[test]
    fn answers_are_flushed_before_every_read_that_may_wait_and_not_per_line() {
        let log = Log::default();
        let (one, two) = (line("dynamodb:GetItem"), line("dynamodb:DeleteItem"));
        // A whole line, then two lines in one chunk, then a line split over two chunks.
        let (head, tail) = one.split_at(one.len() / 2);
        let mut input = Chunks {
            chunks: [
                format!("{one}\n"),
                format!("{one}\n{two}\n"),
                head.to_string(),
                format!("{tail}\n"),
            ]
            .into_iter()
            .map(String::into_bytes)
            .collect(),
            at: 0,
            log: log.clone(),
        };
        let mut a = args();
        a.requests = Some("-".into());
        let code = run(
            &a,
            &mut input,
            &mut LoggingWriter(log.clone()),
            &mut Vec::new(),
        );
        assert_eq!(code, exit::FAIL);
        // Read counts the `{` in a chunk: a line holds 5 (the request, its policy list entry, the
        // document and its two statements); half a line fewer. The lines of one chunk are
        // answered as one block: one write.
        let half = head.matches('{').count();
        assert_eq!(
            *log.borrow(),
            [
                "read 5".to_string(),
                "write".into(),
                "flush".into(),
                "read 10".into(),
                "write".into(),
                "flush".into(),
                format!("read {half}"),
                "flush".into(),
                format!("read {}", 5 - half),
                "write".into(),
                "flush".into(),
                "read eof".into(),
                "flush".into(),
            ]
        );
    }

    #[test]
    fn a_batch_answered_in_pieces_on_threads_reads_as_one_answered_line_by_line() {
        // More pieces than may be in flight at once, with blank, CRLF and malformed lines in
        // every piece, and a last line without its newline.
        let lines: Vec<String> = (0..1400)
            .map(|i| match i % 7 {
                0 => String::new(),
                1 => "{not json".to_string(),
                2 => format!("{}\r", line("dynamodb:DeleteItem")),
                _ => line("dynamodb:GetItem"),
            })
            .collect();
        let input = lines.join("\n");
        assert!(input.len() > (IN_FLIGHT as usize + 1) * PIECE);
        let mut a = args();
        a.requests = Some("-".into());
        let (mut whole, mut one_by_one) = (Vec::new(), Vec::new());
        let code = run(&a, &mut input.as_bytes(), &mut whole, &mut Vec::new());
        let mut by_line = Chunks::by_line(&input);
        let code_by_line = run(&a, &mut by_line, &mut one_by_one, &mut Vec::new());
        // A regular file is read ahead of the answers, without waiting for them.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("requests.jsonl");
        std::fs::write(&file, &input).unwrap();
        a.requests = Some(file);
        let mut from_file = Vec::new();
        let code_from_file = run(&a, &mut &b""[..], &mut from_file, &mut Vec::new());
        assert_eq!(
            (code, code_by_line, code_from_file),
            (exit::USAGE, exit::USAGE, exit::USAGE)
        );
        let whole = String::from_utf8(whole).unwrap();
        assert_eq!(whole.lines().count(), 1400 - 1400 / 7);
        assert_eq!(whole, String::from_utf8(one_by_one).unwrap());
        assert_eq!(whole, String::from_utf8(from_file).unwrap());
    }

    #[test]
    fn answers_read_ahead_are_written_when_a_later_read_fails() {
        // A regular file is read ahead of its answers; a read that fails later must not take
        // the answers to the lines already read with it.
        struct FailsAfter(Option<Vec<u8>>);
        impl io::Read for FailsAfter {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                unreachable!("read through fill_buf")
            }
        }
        impl BufRead for FailsAfter {
            fn fill_buf(&mut self) -> io::Result<&[u8]> {
                match &self.0 {
                    Some(lines) => Ok(lines),
                    None => Err(io::Error::other("the disk went away")),
                }
            }
            fn consume(&mut self, _: usize) {
                self.0 = None;
            }
        }
        let lines = vec![line("dynamodb:GetItem"); 400].join("\n") + "\n";
        assert!(lines.len() > 3 * PIECE);
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = std::thread::scope(|scope| {
            let mut batch = Batch::new(None, scope);
            let shown = Path::new("requests.jsonl");
            let code = answer_all(
                &mut batch,
                &mut FailsAfter(Some(lines.into_bytes())),
                &mut out,
                &mut err,
                &shown.display(),
                false,
            );
            batch.jobs = None;
            code
        });
        assert_eq!(code, exit::USAGE);
        assert!(
            String::from_utf8(err)
                .unwrap()
                .contains("the disk went away")
        );
        assert_eq!(String::from_utf8(out).unwrap().lines().count(), 400);
    }

    #[test]
    fn a_line_is_answered_after_its_own_document_not_a_reordered_one_seen_before() {
        // The same policy with its conditions in two orders: the keys a line lacks are listed
        // in its own document's order, whatever came before it (and whichever thread, with its
        // own cache, answers it).
        let doc = |first: &str, second: &str| {
            format!(
                r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "{TABLE}", "Condition": {{{first}, {second}}}}}]}}"#
            )
        };
        let (a, b) = (
            r#""StringEquals": {"aws:PrincipalTag/a": "1"}"#,
            r#""StringLike": {"aws:PrincipalTag/b": "2*"}"#,
        );
        let line = |d: String| {
            format!(
                r#"{{"principal": "{ROLE}", "action": "dynamodb:GetItem", "resource": "{TABLE}", "identity_policies": [{{"name": "app", "document": {d}}}]}}"#
            )
        };
        let (ab, ba) = (line(doc(a, b)), line(doc(b, a)));
        let (_, alone, _) = batch(&ba);
        let (_, after, _) = batch(&format!("{ab}\n{ba}"));
        assert_eq!(
            alone[0]["missing_context"],
            json!(["aws:PrincipalTag/b", "aws:PrincipalTag/a"])
        );
        assert_eq!(after[1], alone[0]);
        assert_eq!(
            after[0]["missing_context"],
            json!(["aws:PrincipalTag/a", "aws:PrincipalTag/b"])
        );
    }

    #[test]
    fn line_numbers_hold_in_both_halves_of_a_block() {
        let mut lines = vec![line("dynamodb:GetItem"); 700];
        lines[3] = String::new();
        lines[650] = "{not json".to_string();
        let (code, out, _) = batch(&lines.join("\n"));
        assert_eq!(code, exit::USAGE);
        assert_eq!(out.len(), 699);
        assert!(
            out[649]["errors"][0]
                .as_str()
                .unwrap()
                .starts_with("line 651,"),
            "{}",
            out[649]
        );
    }

    #[test]
    fn the_last_line_needs_no_newline_and_crlf_is_one_line_end() {
        let input = format!(
            "{}\r\n\r\n{}",
            line("dynamodb:GetItem"),
            line("dynamodb:DeleteItem")
        );
        let (code, out, err) = batch(&input);
        assert_eq!(code, exit::FAIL, "{err}");
        let decisions = decisions(&out);
        assert_eq!(decisions, ["allowed", "explicit_deny"]);
    }

    #[test]
    fn a_context_key_given_twice_is_refused_not_half_dropped() {
        // A JSON map keeps only the last of two equal keys, and condition keys are
        // case-insensitive: either way one value would be lost without a word.
        let with = |context: &str| {
            let mut l: Value = serde_json::from_str(&line("dynamodb:GetItem")).unwrap();
            l["context"] = Value::Null;
            l.to_string()
                .replace("\"context\":null", &format!("\"context\":{context}"))
        };
        for context in [
            r#"{"aws:SourceIp": "10.0.0.1", "aws:SourceIp": "203.0.113.9"}"#,
            r#"{"aws:SourceIp": "10.0.0.1", "AWS:SOURCEIP": "203.0.113.9"}"#,
        ] {
            let (code, out, _) = batch(&with(context));
            assert_eq!(code, exit::USAGE, "{context}");
            assert_eq!(out[0]["decision"], "indeterminate", "{context}");
            let errors = out[0]["errors"].to_string();
            assert!(errors.contains("is given twice"), "{context}: {errors}");
        }
        let (code, out, err) = batch(&with(
            r#"{"aws:SourceIp": "10.0.0.1", "aws:SecureTransport": "true"}"#,
        ));
        assert_eq!(code, exit::PASS, "{err}");
        assert_eq!(out[0]["decision"], "allowed");
    }

    #[test]
    fn two_different_policy_lists_never_share_a_cache_entry() {
        // Before keys carried lengths, the list [("a", DENY), ("b", ALLOW)] and the one policy
        // named `a\0<DENY's canonical text>\u{1}Identity\0b` with document ALLOW had the same
        // key: after the second line, the first was decided with the second's policies and
        // allowed (a false PASS; IAM evaluates the policies each request carries, "Policy
        // evaluation logic", and an explicit Deny wins).
        let deny = r#"{"Statement":[{"Action":"s3:*","Effect":"Deny","Resource":"*"}]}"#;
        let allow = r#"{"Statement":[{"Action":"s3:*","Effect":"Allow","Resource":"*"}]}"#;
        let request = |policies: Value| {
            json!({"principal": ROLE, "action": "s3:GetObject", "resource": "*",
                "identity_policies": policies})
            .to_string()
        };
        let crafted = format!("a\u{0}{deny}\u{1}Identity\u{0}b");
        let one = request(
            json!([{"name": crafted, "document": serde_json::from_str::<Value>(allow).unwrap()}]),
        );
        let two = request(json!([
            {"name": "a", "document": serde_json::from_str::<Value>(deny).unwrap()},
            {"name": "b", "document": serde_json::from_str::<Value>(allow).unwrap()}]));
        let (_, out, err) = batch(&format!("{one}\n{two}\n{two}\n"));
        assert_eq!(
            decisions(&out),
            ["allowed", "explicit_deny", "explicit_deny"],
            "{err}"
        );
    }

    #[test]
    fn a_key_repeated_inside_a_document_or_a_context_value_is_refused() {
        // serde_json keeps the last of two equal keys: `"Effect": "Deny", "Effect": "Allow"`
        // would be read as an Allow. `--policy-file` refuses such a file; so does a batch line,
        // whether the document is an object or a string holding policy JSON.
        let statement =
            r#"{"Effect": "Deny", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}"#;
        let document = format!(r#"{{"Version": "2012-10-17", "Statement": [{statement}]}}"#);
        let as_string = Value::String(document.clone()).to_string();
        let line_with = |doc: &str, context: &str| {
            format!(
                r#"{{"principal": "{ROLE}", "action": "s3:GetObject", "resource": "*", "identity_policies": [{{"name": "app", "document": {doc}}}], "context": {context}}}"#
            )
        };
        let fine = read_policy().to_string();
        for (doc, context) in [
            (document.as_str(), "{}"),
            (as_string.as_str(), "{}"),
            (
                fine.as_str(),
                r#"{"aws:SourceIp": {"type": "ip", "value": "10.0.0.1", "value": "203.0.113.9"}}"#,
            ),
        ] {
            let (code, out, _) = batch(&line_with(doc, context));
            assert_eq!(code, exit::USAGE, "{doc} {context}");
            assert_eq!(decisions(&out), ["indeterminate"], "{doc} {context}");
            let errors = out[0]["errors"].to_string();
            assert!(errors.contains("duplicate"), "{doc} {context}: {errors}");
        }
    }
}
