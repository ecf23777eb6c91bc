//! `needs::scan`: reads a service's Python code and derives what pydynox will need from IAM
//! (features, the actions its calls really make, the tables, indexes, keys, buckets and
//! roles they are made on), each with its evidence; lists what it could not resolve and what
//! it skipped. Owns reading code; must not call AWS, print, or decide verdicts (`check
//! --app` turns unresolved entries into INCONCLUSIVE).
//!
//! # Use
//!
//! [`scan`] walks files and folders; [`scan_sources`] takes sources held in memory. Both
//! return a [`ScanReport`]; [`render`] writes it as a table, as JSON or as a `[[service]]`
//! stanza of `pydynox-iam.toml`. Environment variables that name resources stay symbolic
//! (`{env ORDERS_TABLE, default "orders"}`) until [`ScanOptions::env`] (or
//! [`ScanReport::apply_env`]) gives them a value; a default never resolves a name by itself,
//! since it is rarely the deployed one.
//!
//! # What it reads
//!
//! `.gitignore`-aware walking ([`walk`]); virtualenvs, site-packages, node_modules skipped and
//! listed; test files (`tests/`, `test_*.py`, `conftest.py`) listed as skipped unless
//! [`ScanOptions::include_tests`]. Only files that can reach pydynox are parsed (they name it,
//! or import, transitively, an in-tree module that does), plus every in-tree module those
//! import (for constants and models); [`ScanOptions::parse_all`] parses everything.
//!
//! Resolution ([`eval`]): imports and aliases, relative and star imports (with `__all__`),
//! re-exports through packages, models and their inheritance across modules (subclasses
//! count for calls on a base class, on `self` and on `cls`), `ModelConfig(table=...)` and
//! the older `class Meta`, module and class constants, f-strings and `+`, `os.environ[...]`,
//! `os.environ.get`, `os.getenv`, GSIs/LSIs/vector indexes by their `index_name`,
//! `EncryptedAttribute` and its mode, `S3Attribute` bucket and prefix (normalised as pydynox
//! does), `DynamoDBClient(role_arn=...)`, `get_default_client`, `@dynamodb_model`, low-level
//! client calls, `Transaction`/`SyncTransaction` and batch writers, `execute_statement`
//! ([`partiql`]), table management, vector search and indexes, `pydynox.lock`; `sync_` and
//! `async_` prefixes of every release; variables bound from `Model(...)`, `Model.get(...)`,
//! loops, comprehensions, walrus, `with ... as`, annotated parameters and variables
//! (`Optional[...]`, `X | None`, `list[X]`, string annotations), `self.x = ...` attributes,
//! function return values, `getattr` with a literal name, `type(self)`, `self.__class__`.
//! Which pydynox method makes which call is data: `pydynox-api.toml` ([`api`]), checked
//! against the catalogue by a test.
//!
//! Precision: `save()` is PutItem for an item built with `Model(...)`, UpdateItem for one
//! read from the table (smart save, pydynox 0.24.0 and later), both when the code does not
//! show which (or `full_replace=True`: PutItem); KMS actions follow the attribute's mode and
//! the call's direction (read: Decrypt unless `as_dict=True`; write, `to_dict()`:
//! GenerateDataKey, or Encrypt before 0.14.0); S3 actions follow the call (save uploads,
//! instance delete deletes, `S3Value` reads get).
//!
//! What it cannot see, and says so: a receiver it cannot resolve (an unannotated parameter,
//! a value from outside the scanned code) with a pydynox method name and a fitting call
//! shape, a table or index built at run time (a function argument, `str.format`), a
//! `getattr` with a computed name, a transaction's operations built at run time. Each is an
//! [`Unresolved`] entry with its location and what would resolve it. Calls under
//! `if TYPE_CHECKING:`, under pydynox's `MemoryBackend`, and boto3/botocore calls are
//! [`Skipped`] with the reason. Not seen at all: `eval`/`exec`, monkey-patching, objects
//! passed through containers the scan does not model (a dict built key by key, a queue),
//! dynamic imports by computed name, and code outside the scanned paths.
//!
//! # JSON schema `pydynox-iam/scan/v1`
//!
//! ```text
//! { "schema": "pydynox-iam/scan/v1", "roots": [PATH],
//!   "files": { "python_files", "parsed", "importing_pydynox", "bytes",
//!              "skipped_dirs": [{ "path", "reason" }] },
//!   "pydynox_version": null | { "chosen": VERSION | null, "reason",
//!        "sources": [{ "location", "kind": "requirements"|"pep621"|"poetry"|"uv-lock"|"poetry-lock",
//!                      "spec", "exact": VERSION | null }] },
//!   "needs": [{ "feature", "action", "resource": RESOURCE,
//!               "evidence": [{ "location", "code", "note", "defined_at"?: { "location", "code" } }] }],
//!   "unresolved": [{ "location", "code", "what": "receiver"|"table"|"index"|"statement"|"key"|"bucket"|"role"|"call",
//!                    "reason", "hint", "features": [F], "actions": [A] }],
//!   "skipped": [{ "location", "code", "kind": "type-checking"|"boto3"|"memory-backend"|"test-file", "reason" }],
//!   "parse_errors": [{ "location", "message" }] }
//! location = { "file": relative path, "line": 1-based, "column": 1-based }
//! RESOURCE = { "kind": "table", "table": NAME } | { "kind": "index", "table": NAME, "index": NAME }
//!          | { "kind": "lock-table", "table": NAME } | { "kind": "kms-key", "key_id": NAME, "region": NAME | null }
//!          | { "kind": "s3-prefix", "bucket": NAME, "prefix": NAME } | { "kind": "role", "arn": NAME } | { "kind": "any" }
//! NAME = { "parts": [{ "type": "literal", "text" } | { "type": "env", "var", "default": S | null, "supplied"?: S }],
//!          "value": S | null }     (value: the literal name once every part is known)
//! ```
//!
//! # Speed (`make bench-scan`, `tests/benches/bench-scan.sh`)
//!
//! Whole process (`examples/scan.rs` in release) over the generated 10,000-file repository
//! (35.0 MB, 3,428 files can reach pydynox), 2 cores shared with other builds (load 4.0
//! while measuring), 2026-12-01: **0.85 s** median of 5 (min 0.82, max 1.05; 11,751
//! files/s, 41.2 MB/s), peak RSS 160 MiB; CPU about 0.6 to 0.9 s user and 0.35 s system
//! (`/usr/bin/time`), so the wall time depends on what else runs on the 2 cores; with
//! `parse_all`, 9.3 s and 1.16 GiB. Before (load ~10): 3.56 s, 1.2 to 1.4 s user, 0.5 s
//! system, 199 MiB.
//!
//! How: reading and pre-filtering, then reading again and parsing, each on every core
//! ([`scan`]; the output does not depend on the thread count, a test asserts it), no
//! file's text kept past its step, FxHash in the scan's maps, namespace packages found by
//! one lookup. What is left on one core: resolution ([`eval`], about a third of the CPU).
//! Next candidates: resolving files in parallel, fewer allocations per binding (each keeps
//! its code snippet and position, computed eagerly), and a faster allocator.
//!
//! # The parser: ruff's, on evidence
//!
//! Candidates, compared on a test set of current syntax and broken files and on a generated
//! corpus (`tests/benches/gen_scan_repo.py`, 10,000 files, 35.0 MB), each built alone in
//! release on this project's 2-core machine (shared with other builds, load 9 to 12 while
//! measuring, so build times are upper bounds; parse times are CPU seconds, one thread):
//!
//! | | ruff_python_parser 0.0.10 | tree-sitter 0.27 + tree-sitter-python 0.25 | rustpython-parser 0.4.0 |
//! |---|---|---|---|
//! | `match`, `async`, walrus, `except*`, PEP 614, parenthesized `with` | yes | yes | yes |
//! | PEP 695 `type X[T]`, `def f[T]` | yes | yes | yes |
//! | 3.12 f-strings (`f"{d["k"]}"`, nested) | yes | yes | **no** (file rejected) |
//! | 3.13 type parameter defaults (`[T = int]`) | yes | **no** (error nodes) | **no** |
//! | broken file: statements after the error | kept (6 of 6 in the test) | partly (4 of 6) | **none**: the whole file fails |
//! | bad indentation reported | yes | no (accepted silently) | yes (whole file fails) |
//! | AST | typed Rust enums | untyped CST, node kinds as strings | typed |
//! | maintenance | Astral, weekly; published as internal 0.0.x crates (pinned `=`) | tree-sitter org, active | archived in favour of ruff's parser |
//! | cold release build, alone | 307 s | 178 s | 423 s |
//! | parse, 35 MB, one thread (CPU) | ~1.1 s (31 MB/s) | ~11 s (3 MB/s) | ~8.5 s (4 MB/s) |
//!
//! ruff's parser is the only one that handles every syntax case, keeps the rest of a broken
//! file (error recovery is a design goal of its hand-written recursive-descent parser), and
//! is several times faster. Its cost: Astral publishes it as an internal component with
//! 0.0.x versions and no API promise, and releases after 0.0.10 need rustc 1.96+; it is
//! pinned with `=` in Cargo.toml, and this front end ([`front`]) is the only module that
//! touches its AST, so an upgrade is one file. tree-sitter would be the fallback (C, stable
//! API, error nodes rather than a recovered AST).

pub mod api;
pub mod eval;
pub mod front;
pub mod partiql;
pub mod render;
pub mod report;
pub mod version;
pub mod walk;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use semver::Version;

pub use report::{
    Definition, Evidence, FileStats, Location, Name, NamePart, Need, ParseIssue, Resource, SCHEMA,
    ScanReport, Skipped, SkippedDir, Unresolved, VersionFinding, VersionSource,
};

/// How to scan.
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    /// `NAME=VALUE` for environment variables that name resources (`--env`).
    pub env: BTreeMap<String, String>,
    /// Releases the catalogue knows, to choose one when the project declares a range.
    pub known_releases: Vec<Version>,
    /// Scan test files too (`tests/`, `test_*.py`, `conftest.py`); they are listed as
    /// skipped otherwise.
    pub include_tests: bool,
    /// Parse every Python file, not only those that can reach pydynox (reports syntax
    /// errors everywhere; slower).
    pub parse_all: bool,
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    /// The pydynox release to read the code as (`--pydynox-version`); wins over what the
    /// project's files declare, which are still listed.
    pub version: Option<Version>,
}

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("`{path}` does not exist; give a file or folder of the service's Python code")]
    NotFound { path: String },
    #[error("cannot read `{path}`: {source}; check the path exists and is readable")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// Scans files and folders.
pub fn scan(paths: &[PathBuf], opts: &ScanOptions) -> Result<ScanReport, ScanError> {
    if let Some(p) = paths.iter().find(|p| !p.exists()) {
        return Err(ScanError::NotFound {
            path: p.display().to_string(),
        });
    }
    let found = walk::discover(paths, opts.include_tests).map_err(|source| ScanError::Read {
        path: paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
        source,
    })?;
    // Two passes over the files, both on every core. The first reads each file and keeps
    // only what the pre-filter needs (its imports, whether it names pydynox, its size); the
    // second reads again the files that can matter and reduces each to its facts. No
    // file's text outlives its worker's step, so memory does not grow with the repository's
    // size in bytes (the second read comes from the page cache).
    let read_err = |f: &walk::SourceFile, source| ScanError::Read {
        path: f.path.display().to_string(),
        source,
    };
    let pre = parallel_map(&found.python, opts.threads, |f| {
        walk::read_text(&f.path).map(|t| walk::Prefilter::of(&t))
    });
    let mut prefilters = Vec::with_capacity(pre.len());
    for (f, p) in found.python.iter().zip(pre) {
        prefilters.push(p.map_err(|e| read_err(f, e))?);
    }
    let rels: Vec<String> = found.python.iter().map(|f| f.rel.clone()).collect();
    let parse = if opts.parse_all {
        vec![true; rels.len()]
    } else {
        walk::files_to_parse_from(&rels, &prefilters)
    };
    let todo: Vec<usize> = (0..rels.len()).filter(|&i| parse[i]).collect();
    let facts = parallel_map(&todo, opts.threads, |&i| {
        walk::read_text(&found.python[i].path).map(|t| front::summarize(&t))
    });
    let mut parsed = Vec::with_capacity(todo.len());
    for (&i, f) in todo.iter().zip(facts) {
        parsed.push((i, f.map_err(|e| read_err(&found.python[i], e))?));
    }
    let bytes = prefilters.iter().map(|p| p.bytes).sum();
    drop(prefilters);
    let mut project = Vec::new();
    for f in &found.project {
        let text = walk::read_text(&f.path).map_err(|source| ScanError::Read {
            path: f.path.display().to_string(),
            source,
        })?;
        project.push((f.rel.clone(), text));
    }
    let mut report = finish(&rels, bytes, parsed, &project, opts);
    report.roots = paths.iter().map(|p| p.display().to_string()).collect();
    report.files.skipped_dirs = found.skipped_dirs;
    for t in found.tests {
        report.skipped.push(Skipped {
            location: Location {
                file: t.rel,
                line: 1,
                column: 1,
            },
            code: String::new(),
            kind: "test-file".into(),
            reason: "test code is not the service's production code (scan with tests included to read it)".into(),
        });
    }
    report.skipped.sort();
    Ok(report)
}

/// Scans sources held in memory: Python files and project files (relative path, text).
pub fn scan_sources(
    python: &[(String, String)],
    project: &[(String, String)],
    opts: &ScanOptions,
) -> ScanReport {
    let rels: Vec<String> = python.iter().map(|(r, _)| r.clone()).collect();
    let text_refs: Vec<&str> = python.iter().map(|(_, t)| t.as_str()).collect();
    let parse = if opts.parse_all {
        vec![true; python.len()]
    } else {
        walk::files_to_parse(&rels, &text_refs)
    };
    let todo: Vec<usize> = (0..python.len()).filter(|&i| parse[i]).collect();
    let facts = parallel_map(&todo, opts.threads, |&i| front::summarize(&python[i].1));
    let bytes = python.iter().map(|(_, t)| t.len() as u64).sum();
    finish(
        &rels,
        bytes,
        todo.into_iter().zip(facts).collect(),
        project,
        opts,
    )
}

/// The report from the parsed files' facts (`(index in rels, facts)`, in `rels` order).
fn finish(
    rels: &[String],
    bytes: u64,
    parsed: Vec<(usize, front::ModuleFacts)>,
    project: &[(String, String)],
    opts: &ScanOptions,
) -> ScanReport {
    let mut units = Vec::with_capacity(parsed.len());
    let mut parse_errors = Vec::new();
    for (i, f) in parsed {
        for e in &f.syntax_errors {
            parse_errors.push(ParseIssue {
                location: Location {
                    file: rels[i].clone(),
                    line: e.line,
                    column: e.column,
                },
                message: e.message.clone(),
            });
        }
        units.push(eval::Unit {
            rel: rels[i].clone(),
            facts: f,
        });
    }
    let pydynox_version = match &opts.version {
        Some(v) => Some(VersionFinding {
            chosen: Some(v.to_string()),
            reason: "given with --pydynox-version".into(),
            sources: version::sources(project),
        }),
        None => version::choose(version::sources(project), &opts.known_releases),
    };
    let chosen = pydynox_version
        .as_ref()
        .and_then(|v| v.chosen.as_deref())
        .and_then(|v| Version::parse(v).ok());
    // Resolution recurses through the program's names; a thread of its own gives it a stack
    // that does not depend on the caller's (test threads have 2 MiB).
    let resolve = || eval::resolve(&units, api::Api::embedded(), chosen.as_ref());
    let found = std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(64 << 20)
            .spawn_scoped(s, resolve)
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
    })
    .unwrap_or_else(|_| resolve());
    let mut report = ScanReport {
        schema: SCHEMA.to_string(),
        roots: Vec::new(),
        files: FileStats {
            python_files: rels.len(),
            parsed: units.len(),
            importing_pydynox: units.iter().filter(|u| u.facts.mentions_pydynox).count(),
            bytes,
            skipped_dirs: Vec::new(),
        },
        pydynox_version,
        needs: found.needs,
        unresolved: found.unresolved,
        skipped: found.skipped,
        parse_errors,
    };
    // Freeing every file's facts (hundreds of thousands of small allocations) is work the
    // report does not wait for: it happens on a thread of its own.
    let _ = std::thread::Builder::new().spawn(move || drop(units));
    report.apply_env(&opts.env);
    report
}

/// Maps `f` over `items` on `threads` workers (0: one per core), keeping order.
fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let n = if threads == 0 {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    } else {
        threads
    }
    .min(items.len().max(1));
    if n <= 1 {
        return items.iter().map(&f).collect();
    }
    let next = AtomicUsize::new(0);
    let mut parts: Vec<Vec<(usize, R)>> = Vec::new();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..n)
            .map(|_| {
                s.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= items.len() {
                            break;
                        }
                        out.push((i, f(&items[i])));
                    }
                    out
                })
            })
            .collect();
        for h in handles {
            parts.push(h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        }
    });
    let mut all: Vec<(usize, R)> = parts.into_iter().flatten().collect();
    all.sort_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, r)| r).collect()
}
