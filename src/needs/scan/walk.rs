//! Finding the files to scan: Python sources and the project files that declare the pydynox
//! version, `.gitignore`-aware (the `ignore` crate, as ripgrep), with virtualenvs,
//! site-packages and node_modules skipped and reported; and the cheap pre-filter that picks
//! which files can reach pydynox at all. Owns the file system side of the scan; must not
//! parse Python.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::front::ModRef;
use super::report::SkippedDir;

#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    /// Relative to its root, `/`-separated.
    pub rel: String,
}

#[derive(Debug, Default)]
pub struct Discovered {
    pub python: Vec<SourceFile>,
    /// `requirements*.txt`, `pyproject.toml`, `uv.lock`, `poetry.lock`.
    pub project: Vec<SourceFile>,
    pub skipped_dirs: Vec<SkippedDir>,
    /// Test files left out (unless asked for).
    pub tests: Vec<SourceFile>,
}

/// Folder names never entered, with the reason reported.
const SKIP_DIRS: &[(&str, &str)] = &[
    (
        "site-packages",
        "installed packages (site-packages), not the service's code",
    ),
    (
        "dist-packages",
        "installed packages (dist-packages), not the service's code",
    ),
    (
        "node_modules",
        "node_modules, not Python code of the service",
    ),
    ("__pycache__", "compiled bytecode cache"),
    (".venv", "a virtualenv"),
    ("venv", "a virtualenv"),
    (".tox", "tox environments"),
    (".nox", "nox environments"),
    (".git", "git metadata"),
    (
        ".aws-sam",
        "SAM build output (copies of the code and its dependencies)",
    ),
    ("cdk.out", "CDK build output"),
    (".serverless", "Serverless Framework build output"),
    (".terraform", "Terraform providers and modules"),
    (".mypy_cache", "a tool cache"),
    (".pytest_cache", "a tool cache"),
    (".ruff_cache", "a tool cache"),
    (".eggs", "installed build dependencies"),
];

fn is_project_file(name: &str) -> bool {
    (name.starts_with("requirements") && name.ends_with(".txt"))
        || matches!(name, "pyproject.toml" | "uv.lock" | "poetry.lock")
}

/// Test code: `tests/` or `test/` folders, `test_*.py`, `*_test.py`, `conftest.py`.
pub fn is_test_path(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    name == "conftest.py"
        || name.starts_with("test_")
        || name.ends_with("_test.py")
        || rel
            .split('/')
            .rev()
            .skip(1)
            .any(|d| d == "tests" || d == "test")
}

/// Walks the roots. A root that is a file is taken as it is.
pub fn discover(roots: &[PathBuf], include_tests: bool) -> std::io::Result<Discovered> {
    let mut out = Discovered::default();
    let skipped: Arc<Mutex<Vec<SkippedDir>>> = Arc::new(Mutex::new(Vec::new()));
    let many = roots.len() > 1;
    for root in roots {
        let meta = std::fs::metadata(root)?;
        let label = root.to_string_lossy().trim_end_matches('/').to_string();
        if meta.is_file() {
            let rel = root
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| label.clone());
            let f = SourceFile {
                path: root.clone(),
                rel: if many { label.clone() } else { rel },
            };
            if f.rel.ends_with(".py") {
                out.python.push(f);
            } else if is_project_file(&f.rel) {
                out.project.push(f);
            }
            continue;
        }
        let root_for_filter = root.clone();
        let skipped_ref = Arc::clone(&skipped);
        let walker = ignore::WalkBuilder::new(root)
            .hidden(false)
            .git_ignore(true)
            .git_global(false)
            .git_exclude(true)
            .require_git(false)
            .parents(true)
            .follow_links(false)
            .filter_entry(move |e| {
                if !e.file_type().is_some_and(|t| t.is_dir()) || e.depth() == 0 {
                    return true;
                }
                let name = e.file_name().to_string_lossy();
                let reason = SKIP_DIRS
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, r)| (*r).to_string())
                    .or_else(|| {
                        name.ends_with(".egg-info")
                            .then(|| "package metadata".to_string())
                    })
                    .or_else(|| {
                        // pydynox's own source, vendored into the tree: its calls are not
                        // the service's.
                        (name == "pydynox" && e.path().join("__init__.py").exists())
                            .then(|| "the pydynox library itself (vendored)".to_string())
                    })
                    .or_else(|| {
                        e.path()
                            .join("pyvenv.cfg")
                            .exists()
                            .then(|| "a virtualenv (it has pyvenv.cfg)".to_string())
                    });
                match reason {
                    Some(reason) => {
                        if name != ".git" && name != "__pycache__" {
                            let rel = e
                                .path()
                                .strip_prefix(&root_for_filter)
                                .unwrap_or(e.path())
                                .to_string_lossy()
                                .replace('\\', "/");
                            if let Ok(mut s) = skipped_ref.lock() {
                                s.push(SkippedDir { path: rel, reason });
                            }
                        }
                        false
                    }
                    None => true,
                }
            })
            .build();
        for entry in walker {
            let Ok(entry) = entry else { continue };
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                continue;
            }
            let path = entry.path().to_path_buf();
            let mut rel = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            if many {
                rel = format!("{label}/{rel}");
            }
            let name = rel.rsplit('/').next().unwrap_or("").to_string();
            let f = SourceFile { path, rel };
            if name.ends_with(".py") {
                if !include_tests && is_test_path(&f.rel) {
                    out.tests.push(f);
                } else {
                    out.python.push(f);
                }
            } else if is_project_file(&name) {
                out.project.push(f);
            }
        }
    }
    out.python.sort_by(|a, b| a.rel.cmp(&b.rel));
    out.project.sort_by(|a, b| a.rel.cmp(&b.rel));
    out.tests.sort_by(|a, b| a.rel.cmp(&b.rel));
    let mut s = skipped
        .lock()
        .map(|mut v| std::mem::take(&mut *v))
        .unwrap_or_default();
    s.sort_by(|a, b| a.path.cmp(&b.path));
    out.skipped_dirs = s;
    Ok(out)
}

/// The modules a file imports, read from its text without parsing: every `import X` and
/// `from X import` at the start of a (logical) line, plus `import_module("X")` /
/// `__import__("X")`. Over-approximates (an import in a string counts), never misses one
/// the parser would see.
pub fn import_refs(text: &str) -> Vec<ModRef> {
    let mut out = Vec::new();
    for raw in text.lines() {
        for stmt in raw.split(';') {
            let line = stmt.trim_start();
            if let Some(rest) = line.strip_prefix("from") {
                if !rest.starts_with(|c: char| c.is_whitespace()) {
                    continue;
                }
                let rest = rest.trim_start();
                let dots = rest.chars().take_while(|&c| c == '.').count();
                let name: String = rest[dots..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '.')
                    .collect();
                out.push(ModRef {
                    level: dots as u32,
                    name,
                });
            } else if let Some(rest) = line.strip_prefix("import") {
                if !rest.starts_with(|c: char| c.is_whitespace()) {
                    continue;
                }
                for part in rest.split(',') {
                    let name: String = part
                        .trim_start_matches(|c: char| c.is_whitespace() || c == '(' || c == '\\')
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '.')
                        .collect();
                    if !name.is_empty() {
                        out.push(ModRef { level: 0, name });
                    }
                }
            }
        }
    }
    for pat in ["import_module(", "__import__("] {
        let mut at = 0;
        while let Some(i) = text[at..].find(pat) {
            let s = &text[at + i + pat.len()..];
            let s = s.trim_start_matches(|c: char| c == '"' || c == '\'' || c.is_whitespace());
            let name: String = s
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '.')
                .collect();
            if !name.is_empty() {
                out.push(ModRef { level: 0, name });
            }
            at += i + pat.len();
        }
    }
    out
}

/// What the pre-filter needs from one file, read from its text without parsing; the text
/// itself can be dropped once this is taken.
#[derive(Debug, Clone, Default)]
pub struct Prefilter {
    /// The modules it may import ([`import_refs`]).
    pub imports: Vec<ModRef>,
    /// The text names pydynox somewhere.
    pub mentions_pydynox: bool,
    /// The text's length in bytes.
    pub bytes: u64,
}

impl Prefilter {
    pub fn of(text: &str) -> Prefilter {
        Prefilter {
            imports: import_refs(text),
            mentions_pydynox: text.contains("pydynox"),
            bytes: text.len() as u64,
        }
    }
}

/// Which files to parse: those that name pydynox, those that import (transitively) a file
/// that does, and every in-tree module those import (for constants and models). `texts`
/// are the files' contents by relative path.
pub fn files_to_parse(rels: &[String], texts: &[&str]) -> Vec<bool> {
    let pre: Vec<Prefilter> = texts.iter().map(|t| Prefilter::of(t)).collect();
    files_to_parse_from(rels, &pre)
}

/// [`files_to_parse`] from each file's [`Prefilter`] (same order as `rels`).
///
/// Why this loses no need: a file's needs come from pydynox calls, which need a name that
/// reaches pydynox, and a name reaches pydynox only through the text `pydynox` (an import,
/// or `import_module("pydynox")`) in that file or in a module it imports, directly or
/// through other in-tree modules, every one of which is an import this over-approximating
/// text reader sees ([`import_refs`]). A file that never names pydynox but imports a model
/// from a file that does is therefore kept (the forward pass), and so is every in-tree
/// module a kept file imports, for the constants and base classes it reads (the backward
/// pass). `tests/scan.rs` checks it on the whole corpus against parsing every file.
pub fn files_to_parse_from(rels: &[String], pre: &[Prefilter]) -> Vec<bool> {
    let n = rels.len();
    let by_rel: HashMap<&str, usize> = rels
        .iter()
        .enumerate()
        .map(|(i, r)| (r.as_str(), i))
        .collect();
    let mut by_suffix: HashMap<String, Vec<usize>> = HashMap::default();
    for (i, r) in rels.iter().enumerate() {
        let no_ext = r.strip_suffix(".py").unwrap_or(r);
        let mut parts: Vec<&str> = no_ext.split('/').collect();
        if parts.last() == Some(&"__init__") {
            parts.pop();
        }
        // Every suffix of the module path, and of each ancestor package (so `import app`
        // depends on everything under `app/`).
        for end in 1..=parts.len() {
            for start in 0..end {
                by_suffix
                    .entry(parts[start..end].join("."))
                    .or_default()
                    .push(i);
            }
        }
    }
    // Folder → every file under it (for relative imports of packages).
    let mut by_dir: HashMap<&str, Vec<usize>> = HashMap::default();
    for (i, r) in rels.iter().enumerate() {
        by_dir.entry("").or_default().push(i);
        let mut at = r.as_str();
        while let Some(p) = at.rfind('/') {
            at = &at[..p];
            by_dir.entry(at).or_default().push(i);
        }
    }
    // Dependencies: file → files it may import.
    let mut deps: Vec<Vec<usize>> = vec![Vec::new(); n];
    for i in 0..n {
        let dir = rels[i].rfind('/').map(|p| &rels[i][..p]).unwrap_or("");
        let mut seen = HashSet::default();
        for m in &pre[i].imports {
            let targets: Vec<usize> = if m.level == 0 {
                by_suffix.get(m.name.as_str()).cloned().unwrap_or_default()
            } else {
                let mut base = dir.to_string();
                for _ in 1..m.level {
                    base = base
                        .rfind('/')
                        .map(|p| base[..p].to_string())
                        .unwrap_or_default();
                }
                let mut path = base;
                for part in m.name.split('.').filter(|s| !s.is_empty()) {
                    if !path.is_empty() {
                        path.push('/');
                    }
                    path.push_str(part);
                }
                let mut t: Vec<usize> = by_dir.get(path.as_str()).cloned().unwrap_or_default();
                if let Some(&j) = by_rel.get(format!("{path}.py").as_str()) {
                    t.push(j);
                }
                t
            };
            for t in targets {
                if t != i && seen.insert(t) {
                    deps[i].push(t);
                }
            }
        }
    }
    // Forward: names pydynox, or depends on a file that does.
    let mut reach: Vec<bool> = pre.iter().map(|p| p.mentions_pydynox).collect();
    loop {
        let mut changed = false;
        for i in 0..n {
            if !reach[i] && deps[i].iter().any(|&d| reach[d]) {
                reach[i] = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    // Backward: whatever those files import.
    let mut parse = reach.clone();
    let mut stack: Vec<usize> = (0..n).filter(|&i| reach[i]).collect();
    while let Some(i) = stack.pop() {
        for &d in &deps[i] {
            if !parse[d] {
                parse[d] = true;
                stack.push(d);
            }
        }
    }
    parse
}

/// Reads a file as text (lossy for invalid UTF-8: a few replaced characters do not hide
/// calls).
pub fn read_text(path: &Path) -> std::io::Result<String> {
    let bytes = std::fs::read(path)?;
    Ok(match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imports_are_read_from_text() {
        let refs = import_refs(
            "import os, app.models as m\nfrom ..core import x\n  from . import y; import z\nimportant = 1\nmod = importlib.import_module(\"svc.db\")\n",
        );
        let names: Vec<(u32, &str)> = refs.iter().map(|r| (r.level, r.name.as_str())).collect();
        assert_eq!(
            names,
            vec![
                (0, "os"),
                (0, "app.models"),
                (2, "core"),
                (1, ""),
                (0, "z"),
                (0, "svc.db")
            ]
        );
    }

    #[test]
    fn only_files_that_can_reach_pydynox_and_their_imports_are_parsed() {
        let rels: Vec<String> = [
            "app/models.py",
            "app/handlers.py",
            "app/consts.py",
            "app/util.py",
            "other/x.py",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let texts = [
            "from pydynox import Model\nfrom .consts import TABLE\n",
            "from app.models import User\n",
            "TABLE = 'users'\n",
            "import json\n",
            "import app.handlers\n",
        ];
        let parse = files_to_parse(&rels, &texts);
        assert_eq!(parse, vec![true, true, true, false, true]);
    }

    #[test]
    fn test_paths() {
        assert!(is_test_path("tests/unit/x.py"));
        assert!(is_test_path("app/test_x.py"));
        assert!(is_test_path("conftest.py"));
        assert!(!is_test_path("app/testing_utils.py"));
        assert!(!is_test_path("tests.py"));
    }
}
