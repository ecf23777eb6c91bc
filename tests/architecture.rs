//! The layout of `src/` as a rule the code keeps: the top-level modules in one order, each
//! importing only itself and the ones before it (so no import circle between them), the
//! engine pure, and no command importing another. Read from the source text: every
//! `crate::` path (comments and string literals removed), every `super::` path in
//! `commands/`, and in the engine the names of what would make it impure.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// The top-level modules of `src/`, lowest first. A module may import itself and those before
/// it, never one after it. A new top-level module must be placed here.
const LAYERS: &[&str] = &[
    "engine",   // the pure IAM policy engine: nothing outside itself
    "iam",      // IAM's vocabulary: ARNs, the action list
    "needs",    // what pydynox will call: catalogue, plan, config, AccessDenied messages
    "grants",   // where the principal's policies come from: the Aws trait and its sources
    "simulate", // `simulate`'s wire format, requests and policy cache, beside the engine
    "report",   // the report model and every renderer
    "verdict",  // evaluation joined into fail-safe verdicts: pipeline, local engine, fixes
    "commands", // one module per subcommand, wiring the layers below
    "cli",      // the clap parser and dispatch
];

/// Files at the root of `src/` that only declare or start the others.
const ROOT_FILES: &[&str] = &["lib.rs", "main.rs"];

/// Modules of `commands/` that every command may use; the others are commands, which must not
/// import one another (and the shared ones must not import any command).
const COMMANDS_SHARED: &[&str] = &["args", "output"];

/// What the engine must not name: I/O, the environment, printing, async, the AWS SDK.
const ENGINE_FORBIDDEN: &[&str] = &[
    "std::fs",
    "std::io",
    "std::env",
    "std::process",
    "std::thread",
    "tokio",
    "futures",
    "aws_config",
    "aws_sdk_",
    "aws_smithy_",
    "println!",
    "eprintln!",
    "print!",
    "eprint!",
    "dbg!",
];

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// A source file: its path under `src/`, its top-level module, and its code with comments
/// and the contents of string and character literals blanked out.
struct Source {
    path: String,
    layer: String,
    code: String,
}

fn sources() -> Vec<Source> {
    let root = src_dir();
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(files.len() > 20, "found only {} files in src/", files.len());
    files
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(&root).unwrap();
            let first = rel.components().next().unwrap().as_os_str();
            let layer = first.to_string_lossy().trim_end_matches(".rs").to_string();
            let text = fs::read_to_string(&p).unwrap();
            Source {
                path: format!("src/{}", rel.display()),
                layer,
                code: strip_comments_and_literals(&text),
            }
        })
        .collect()
}

/// Blanks comments and the contents of string, byte-string, raw-string and character literals,
/// so that only code is searched (a message may well say `crate::engine`).
fn strip_comments_and_literals(text: &str) -> String {
    let b: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == '/' && b.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && starts_raw(&b, i) {
            // r"..." or r#"..."#
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= b.len() {
                    break;
                }
                if b[j] == '"' && (0..hashes).all(|k| b.get(j + 1 + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            out.push_str("\"\"");
            i = j;
        } else if c == '"' {
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' {
            // A character literal ('x', '\n', '\u{..}'), or a lifetime ('a), left as it is.
            if next == Some('\\') {
                i += 3; // the quote, the backslash and the escaped character
                while i < b.len() && b[i] != '\'' {
                    i += 1;
                }
                i += 1;
                out.push_str("' '");
            } else if b.get(i + 2) == Some(&'\'') {
                i += 3;
                out.push_str("' '");
            } else {
                out.push(c);
                i += 1;
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// Whether the `r` at `i` starts a raw string (`r"`, `r#"`, `br"`), not an identifier's end.
fn starts_raw(b: &[char], i: usize) -> bool {
    let before = |k: usize| i.checked_sub(k).map(|j| &b[j]);
    !is_ident(before(1)) || (before(1) == Some(&'b') && !is_ident(before(2)))
}

fn is_ident(c: Option<&char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || *c == '_')
}

/// The identifiers that follow `prefix` (e.g. `crate::`) in `code`, with a group
/// `prefix{a::x, b}` giving each of its top-level names.
fn names_after(code: &str, prefix: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for (at, _) in code.match_indices(prefix) {
        if is_ident(code[..at].chars().last().as_ref()) {
            continue; // `xcrate::` or `foo_super::` is another name
        }
        let rest = code[at + prefix.len()..].trim_start();
        if let Some(group) = rest.strip_prefix('{') {
            // Each top-level item of the group starts after `{` or a `,` at depth 0.
            let mut depth = 0;
            let mut item_start = true;
            for (k, ch) in group.char_indices() {
                match ch {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if c.is_whitespace() => {}
                    c if item_start && (c.is_alphanumeric() || c == '_') => {
                        names.insert(ident_at(&group[k..]));
                        item_start = false;
                    }
                    _ => item_start = false,
                }
            }
        } else {
            let name = ident_at(rest);
            if !name.is_empty() {
                names.insert(name);
            }
        }
    }
    names
}

/// The identifier at the start of `s`.
fn ident_at(s: &str) -> String {
    s.chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// Every rule broken by these sources, one line each.
fn violations(sources: &[Source]) -> Vec<String> {
    let mut out = Vec::new();
    let rank = |m: &str| LAYERS.iter().position(|l| *l == m);
    for s in sources {
        if ROOT_FILES.contains(&s.path.trim_start_matches("src/")) {
            continue;
        }
        let Some(own) = rank(&s.layer) else {
            out.push(format!(
                "{}: top-level module `{}` is not in LAYERS; place it in the order",
                s.path, s.layer
            ));
            continue;
        };
        for name in names_after(&s.code, "crate::") {
            match rank(&name) {
                Some(r) if r > own => out.push(format!(
                    "{}: `{}` imports `crate::{name}`, which comes after it in LAYERS",
                    s.path, s.layer
                )),
                Some(_) => {}
                None => out.push(format!(
                    "{}: `crate::{name}` is not a module in LAYERS",
                    s.path
                )),
            }
        }
        if s.layer == "engine" {
            for f in ENGINE_FORBIDDEN {
                let found = s
                    .code
                    .match_indices(f)
                    .any(|(at, _)| !is_ident(s.code[..at].chars().last().as_ref()));
                if found {
                    out.push(format!("{}: the engine must not use `{f}`", s.path));
                }
            }
        }
        if s.layer == "commands" {
            let own_module = Path::new(&s.path)
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .to_string();
            let referenced = names_after(&s.code, "crate::commands::")
                .into_iter()
                .chain(names_after(&s.code, "super::"));
            for name in referenced {
                let is_command = sources.iter().any(|o| {
                    o.layer == "commands"
                        && Path::new(&o.path).file_stem().unwrap().to_string_lossy() == name
                        && name != "mod"
                }) && !COMMANDS_SHARED.contains(&name.as_str());
                if is_command && name != own_module {
                    out.push(format!(
                        "{}: a command module imports the command `commands::{name}`; move what they share to {}",
                        s.path,
                        COMMANDS_SHARED
                            .iter()
                            .map(|m| format!("commands/{m}.rs"))
                            .collect::<Vec<_>>()
                            .join(" or ")
                    ));
                }
            }
        }
    }
    out
}

#[test]
fn every_top_level_module_imports_only_itself_and_the_ones_before_it() {
    let sources = sources();
    let layers: BTreeSet<&str> = sources
        .iter()
        .filter(|s| !ROOT_FILES.contains(&s.path.trim_start_matches("src/")))
        .map(|s| s.layer.as_str())
        .collect();
    for l in LAYERS {
        assert!(
            layers.contains(l),
            "LAYERS names `{l}`, which src/ does not have"
        );
    }
    let v = violations(&sources);
    assert!(
        v.is_empty(),
        "the layout rules are broken:\n{}",
        v.join("\n")
    );
}

/// The checker itself, on made-up files: each rule fires on a bad import, and code that
/// only mentions a module in a comment or a string is not an import.
#[test]
fn the_layout_check_catches_each_kind_of_bad_import() {
    let source = |path: &str, code: &str| Source {
        path: path.to_string(),
        layer: path
            .trim_start_matches("src/")
            .split('/')
            .next()
            .unwrap()
            .trim_end_matches(".rs")
            .to_string(),
        code: strip_comments_and_literals(code),
    };
    let cases: &[(&str, &str, &str)] = &[
        (
            "src/engine/eval.rs",
            "use crate::iam::arn::Arn;",
            "comes after it",
        ),
        (
            "src/needs/plan.rs",
            "fn f(r: &crate::report::model::Row) {}",
            "comes after it",
        ),
        (
            "src/grants/sdk.rs",
            "use crate::{iam::arn, verdict};",
            "`crate::verdict`",
        ),
        (
            "src/engine/eval.rs",
            "fn f() { std::fs::read(\"x\"); }",
            "`std::fs`",
        ),
        (
            "src/engine/eval.rs",
            "fn f() { println!(\"x\"); }",
            "`println!`",
        ),
        (
            "src/commands/why.rs",
            "use crate::commands::check::Job;",
            "imports the command",
        ),
        (
            "src/commands/args.rs",
            "use super::check::CheckArgs;",
            "imports the command",
        ),
        ("src/scan/python.rs", "fn f() {}", "not in LAYERS"),
    ];
    let mut files = vec![
        source("src/commands/check.rs", ""),
        source("src/commands/args.rs", ""),
    ];
    for (path, code, want) in cases {
        files.push(source(path, code));
        let v = violations(&files).join("\n");
        assert!(
            v.contains(want),
            "{path}: `{code}` should break a rule ({want}); got:\n{v}"
        );
        files.pop();
    }
    let fine = [
        source(
            "src/verdict/local.rs",
            "use crate::engine::Decision; use crate::report::model::Row;",
        ),
        source(
            "src/report/table.rs",
            "// see crate::verdict::pipeline\nconst S: &str = \"crate::cli\";",
        ),
        source(
            "src/report/json.rs",
            "const S: &str = r#\"crate::\"cli\"#; fn f<'a>(c: char) -> bool { c == '\"' }",
        ),
        source(
            "src/commands/check.rs",
            "use crate::commands::args::Format; use super::output::emit;",
        ),
        source(
            "src/engine/values.rs",
            "use std::net::IpAddr; fn is_io_ok() {}",
        ),
    ];
    let v = violations(&fine);
    assert!(v.is_empty(), "false alarms:\n{}", v.join("\n"));
}
