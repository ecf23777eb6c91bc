//! The Python scan (`needs::scan`) on a corpus of small services written for these tests
//! (`tests/scan/corpus/<case>/`, one rule each): every case's needs, their evidence,
//! unresolved and skipped calls, syntax errors and version must equal its `expected.json`.
//! Also: rendered outputs (insta), arbitrary input never panics (proptest), kept fuzz
//! inputs, and recall/precision on example programs with hand-written ground truth.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use pydynox_iam::needs::scan::{self, ScanOptions, ScanReport, render};
use serde::{Deserialize, Serialize};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scan/corpus")
}

fn known_releases() -> Vec<semver::Version> {
    [
        "0.13.0", "0.14.0", "0.21.0", "0.22.0", "1.2.0", "1.3.0", "1.3.1", "1.4.0", "1.5.0",
        "1.6.0", "1.7.0", "1.8.0",
    ]
    .iter()
    .map(|v| semver::Version::parse(v).unwrap())
    .collect()
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseOptions {
    #[serde(default)]
    env: BTreeMap<String, String>,
    #[serde(default)]
    include_tests: bool,
}

/// The comparable summary of a report: `feature action resource` → call sites.
#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    needs: BTreeMap<String, BTreeSet<String>>,
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    unresolved: BTreeSet<String>,
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    skipped: BTreeSet<String>,
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    parse_errors: BTreeSet<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    version: Option<String>,
}

fn summarize(r: &ScanReport) -> Expected {
    let mut e = Expected::default();
    for n in &r.needs {
        let key = format!("{} {} {}", n.feature, n.action, n.resource);
        let sites = e.needs.entry(key).or_default();
        for ev in &n.evidence {
            sites.insert(ev.location.to_string());
        }
    }
    for u in &r.unresolved {
        e.unresolved.insert(format!(
            "{} {} [{}]",
            u.location,
            u.what,
            u.actions.join(" ")
        ));
    }
    for s in &r.skipped {
        e.skipped.insert(format!("{} {}", s.location, s.kind));
    }
    for p in &r.parse_errors {
        e.parse_errors.insert(p.location.to_string());
    }
    e.version = r.pydynox_version.as_ref().and_then(|v| v.chosen.clone());
    e
}

fn scan_case(dir: &Path) -> ScanReport {
    let opts_path = dir.join("options.json");
    let case: CaseOptions = if opts_path.exists() {
        serde_json::from_str(&std::fs::read_to_string(&opts_path).unwrap()).unwrap()
    } else {
        CaseOptions::default()
    };
    let opts = ScanOptions {
        env: case.env,
        known_releases: known_releases(),
        include_tests: case.include_tests,
        ..ScanOptions::default()
    };
    scan::scan(&[dir.to_path_buf()], &opts).unwrap()
}

#[test]
fn every_corpus_case_matches_its_expected_needs() {
    let bless = std::env::var_os("SCAN_BLESS").is_some();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() >= 20, "the corpus is missing cases: {cases:?}");
    let mut failures = Vec::new();
    for dir in &cases {
        let got = summarize(&scan_case(dir));
        let path = dir.join("expected.json");
        if bless {
            std::fs::write(&path, serde_json::to_string_pretty(&got).unwrap() + "\n").unwrap();
            continue;
        }
        let want: Expected = serde_json::from_str(
            &std::fs::read_to_string(&path)
                .unwrap_or_else(|_| panic!("{} is missing", path.display())),
        )
        .unwrap();
        if got != want {
            failures.push(format!(
                "{}:\n  got  {}\n  want {}",
                dir.file_name().unwrap().to_string_lossy(),
                serde_json::to_string_pretty(&got).unwrap(),
                serde_json::to_string_pretty(&want).unwrap()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn case(name: &str) -> ScanReport {
    let mut r = scan_case(&corpus_dir().join(name));
    // Paths as given differ per machine; the snapshots show the case name.
    r.roots = vec![name.to_string()];
    r
}

#[test]
fn table_output() {
    let mut out = Vec::new();
    render::write_table(&mut out, &case("encryption")).unwrap();
    insta::assert_snapshot!(String::from_utf8(out).unwrap());
}

#[test]
fn table_output_with_unresolved_and_skipped() {
    let mut out = Vec::new();
    render::write_table(&mut out, &case("traps")).unwrap();
    render::write_table(&mut out, &case("unresolved")).unwrap();
    insta::assert_snapshot!(String::from_utf8(out).unwrap());
}

#[test]
fn json_output() {
    let mut out = Vec::new();
    render::write_json(&mut out, &case("env")).unwrap();
    let text = String::from_utf8(out).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["schema"], "pydynox-iam/scan/v1");
    insta::assert_snapshot!(text);
}

#[test]
fn config_stanza_output_is_valid_toml() {
    let mut out = Vec::new();
    render::write_config_stanza(&mut out, &case("s3"), "docs-api").unwrap();
    render::write_config_stanza(&mut out, &case("env"), "orders-api").unwrap();
    let text = String::from_utf8(out).unwrap();
    let parsed: toml::Table = toml::from_str(&text).unwrap();
    assert_eq!(parsed["service"].as_array().unwrap().len(), 2);
    insta::assert_snapshot!(text);
}

#[test]
fn kept_fuzz_inputs_never_panic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz/regressions-scan");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let _ = scan::scan_sources(&[("a.py".into(), text)], &[], &ScanOptions::default());
        seen += 1;
    }
    assert!(
        seen >= 3,
        "regression inputs missing from {}",
        dir.display()
    );
}

const FRAGMENTS: &[&str] = &[
    "from pydynox import Model, ModelConfig, DynamoDBClient\n",
    "import pydynox as pd\n",
    "class A(Model):\n",
    "class B(A):\n",
    "    model_config = ModelConfig(table=",
    "\"t\"",
    "T",
    ")\n",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "\n",
    "    ",
    "async ",
    "await ",
    "for x in ",
    "A.sync_get(pk=1)",
    ".sync_save()",
    "x",
    ":",
    ",",
    "def f(a: A):\n",
    "    return ",
    "c = DynamoDBClient(role_arn=",
    "c.sync_query(",
    "index_name=",
    "f\"{T}-x\"",
    "T = ",
    "os.environ[",
    "getattr(A, ",
    "with SyncTransaction(c) as tx:\n",
    "tx.put(",
    "'",
    "\"\"\"",
    "\\",
    "lambda: ",
    "yield ",
    "from . import *\n",
    "if TYPE_CHECKING:\n",
    "match x:\n    case ",
    "type X[T] = ",
    "@dynamodb_model(table=",
    "=",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..1500)) {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let _ = scan::scan_sources(&[("m.py".into(), text)], &[], &ScanOptions::default());
    }

    #[test]
    fn python_like_fragments_never_panic(parts in proptest::collection::vec(0..FRAGMENTS.len(), 0..80)) {
        let text: String = parts.iter().map(|&i| FRAGMENTS[i]).collect();
        let files = vec![("pkg/a.py".to_string(), text.clone()), ("pkg/b.py".to_string(), format!("from pkg.a import *\n{text}"))];
        let _ = scan::scan_sources(&files, &[], &ScanOptions { parse_all: true, ..ScanOptions::default() });
    }
}

#[test]
fn walking_honours_gitignore_and_skips_environments() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let write = |rel: &str, text: &str| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    let call = "from pydynox import Model, ModelConfig\nclass X(Model):\n    model_config = ModelConfig(table=\"t\")\nX.sync_delete_table()\n";
    write(
        "app/main.py",
        "from pydynox import Model, ModelConfig\nclass M(Model):\n    model_config = ModelConfig(table=\"main\")\nM.sync_get(pk=1)\n",
    );
    write(".gitignore", "generated/\n");
    write("generated/out.py", call);
    write(".venv/lib/python3.12/site-packages/lib.py", call);
    write("env/pyvenv.cfg", "home = /usr/bin\n");
    write("env/lib/mod.py", call);
    write("vendor/site-packages/lib.py", call);
    write("web/node_modules/x/y.py", call);
    write(".aws-sam/build/Fn/app.py", call);
    write("vendor2/pydynox/__init__.py", call);
    write("tests/test_main.py", call);
    write("requirements.txt", "pydynox==1.3.0\n");
    let r = scan::scan(&[root.to_path_buf()], &ScanOptions::default()).unwrap();
    let needs: Vec<String> = r
        .needs
        .iter()
        .map(|n| format!("{} {}", n.action, n.resource))
        .collect();
    assert_eq!(needs, vec!["dynamodb:GetItem table main"]);
    assert_eq!(r.files.python_files, 1);
    let dirs: Vec<&str> = r
        .files
        .skipped_dirs
        .iter()
        .map(|d| d.path.as_str())
        .collect();
    for d in [
        ".venv",
        ".aws-sam",
        "env",
        "vendor/site-packages",
        "web/node_modules",
        "vendor2/pydynox",
    ] {
        assert!(dirs.contains(&d), "{d} not reported as skipped: {dirs:?}");
    }
    assert!(
        r.skipped
            .iter()
            .any(|s| s.kind == "test-file" && s.location.file == "tests/test_main.py")
    );
    assert_eq!(r.pydynox_version.unwrap().chosen.as_deref(), Some("1.3.0"));
    let with_tests = scan::scan(
        &[root.to_path_buf()],
        &ScanOptions {
            include_tests: true,
            ..ScanOptions::default()
        },
    )
    .unwrap();
    assert!(
        with_tests
            .needs
            .iter()
            .any(|n| n.action == "dynamodb:DeleteTable")
    );
    let missing = scan::scan(&[root.join("nope")], &ScanOptions::default()).unwrap_err();
    assert!(
        missing
            .to_string()
            .ends_with("nope` does not exist; give a file or folder of the service's Python code"),
        "{missing}"
    );
}

/// Every case scanned twice: with the pre-filter (only files that can reach pydynox
/// parsed) and with every file parsed. The pre-filter must lose no need and no unresolved
/// call (a lost unresolved call would be a PASS where the scan should have said it could not
/// tell).
#[test]
fn the_prefilter_loses_no_need_on_the_corpus() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.push(corpus_dir());
    cases.sort();
    let mut checked_needs = 0;
    for dir in &cases {
        let base = ScanOptions {
            known_releases: known_releases(),
            include_tests: true,
            ..ScanOptions::default()
        };
        let filtered = summarize(&scan::scan(std::slice::from_ref(dir), &base).unwrap());
        let all = summarize(
            &scan::scan(
                std::slice::from_ref(dir),
                &ScanOptions {
                    parse_all: true,
                    ..base
                },
            )
            .unwrap(),
        );
        assert_eq!(filtered.needs, all.needs, "{}: needs differ", dir.display());
        assert_eq!(
            filtered.unresolved,
            all.unresolved,
            "{}: unresolved calls differ",
            dir.display()
        );
        checked_needs += all.needs.len();
    }
    assert!(
        checked_needs > 50,
        "the corpus has too few needs: {checked_needs}"
    );
}

/// A model reached only through other in-tree modules: a file that never names pydynox
/// uses a model re-exported by a package, a base class from a third module and a table
/// name from a constants module. The pre-filter keeps every one of them.
#[test]
fn the_prefilter_keeps_files_that_reach_pydynox_through_other_modules() {
    let files: Vec<(String, String)> = [
        ("svc/consts.py", "TABLE = 'orders'\n"),
        (
            "svc/base.py",
            "from pydynox import Model, ModelConfig\n\nclass Base(Model):\n    pass\n",
        ),
        (
            "svc/models/order.py",
            "from pydynox import ModelConfig\nfrom svc.base import Base\nfrom svc.consts import TABLE\n\nclass Order(Base):\n    model_config = ModelConfig(table=TABLE)\n",
        ),
        ("svc/models/__init__.py", "from .order import Order\n"),
        (
            "svc/handler.py",
            "from svc.models import Order\n\ndef handle(pk):\n    return Order.get(pk=pk)\n",
        ),
        (
            "svc/deeper.py",
            "from . import handler\n\ndef run():\n    handler.handle('x')\n    from svc.models import Order\n    Order(pk='1').delete()\n",
        ),
        ("tools/unrelated.py", "import json\n\ndef f(x):\n    return json.dumps(x)\n"),
    ]
    .iter()
    .map(|(p, t)| (p.to_string(), t.to_string()))
    .collect();
    let filtered = scan::scan_sources(&files, &[], &ScanOptions::default());
    let all = scan::scan_sources(
        &files,
        &[],
        &ScanOptions {
            parse_all: true,
            ..ScanOptions::default()
        },
    );
    let f = summarize(&filtered);
    assert_eq!(f.needs, summarize(&all).needs);
    assert_eq!(f.unresolved, summarize(&all).unresolved);
    let rendered = f.needs.keys().cloned().collect::<Vec<_>>().join("\n");
    assert!(rendered.contains("GetItem"), "{rendered}");
    assert!(rendered.contains("DeleteItem"), "{rendered}");
    assert!(rendered.contains("orders"), "{rendered}");
    // Only the unrelated file is left out.
    assert_eq!(filtered.files.parsed, files.len() - 1);
}

/// The output does not depend on how many threads read and parse, nor on whether the
/// files come from disk or from memory: the JSON is byte-identical.
#[test]
fn output_is_identical_whatever_the_thread_count() {
    let json = |r: &ScanReport| {
        let mut out = Vec::new();
        render::write_json(&mut out, r).unwrap();
        String::from_utf8(out).unwrap()
    };
    let run = |threads: usize| {
        let opts = ScanOptions {
            known_releases: known_releases(),
            include_tests: true,
            threads,
            ..ScanOptions::default()
        };
        json(&scan::scan(&[corpus_dir()], &opts).unwrap())
    };
    let one = run(1);
    assert!(one.contains("\"needs\""), "{one}");
    for threads in [2, 3, 8] {
        assert!(
            run(threads) == one,
            "{threads} threads give a different report"
        );
    }
    // The same files held in memory (scan_sources parses them in one pass).
    let mut files = Vec::new();
    for f in walkdir_py(&corpus_dir()) {
        let rel = f
            .strip_prefix(corpus_dir())
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        files.push((
            rel,
            String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned(),
        ));
    }
    files.sort();
    let from_disk = scan::scan(
        &[corpus_dir()],
        &ScanOptions {
            include_tests: true,
            ..ScanOptions::default()
        },
    )
    .unwrap();
    let in_memory = scan::scan_sources(
        &files,
        &[],
        &ScanOptions {
            include_tests: true,
            ..ScanOptions::default()
        },
    );
    assert_eq!(from_disk.files.python_files, in_memory.files.python_files);
    assert_eq!(from_disk.files.bytes, in_memory.files.bytes);
    assert_eq!(from_disk.files.parsed, in_memory.files.parsed);
    assert_eq!(summarize(&from_disk).needs, summarize(&in_memory).needs);
    assert_eq!(from_disk.unresolved, in_memory.unresolved);
}

/// Every `.py` file under `dir` (the corpus has no ignored folders that matter here).
fn walkdir_py(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "py") {
                out.push(p);
            }
        }
    }
    out
}
