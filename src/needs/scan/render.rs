//! Renders a [`ScanReport`]: a table for people, JSON (schema `pydynox-iam/scan/v1`) for
//! machines, and a `[[service]]` stanza for `pydynox-iam.toml`. Pure functions writing to
//! any `io::Write`; must not scan or decide anything.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};

use super::report::{Resource, ScanReport};

/// JSON, pretty-printed, with a final newline. The schema is the serde form of
/// [`ScanReport`] (documented in the module doc of `needs::scan`).
pub fn write_json(w: &mut impl Write, r: &ScanReport) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, r).map_err(io::Error::other)?;
    writeln!(w)
}

/// A plain-text report: needs grouped by feature, each with its evidence, then unresolved
/// calls, skipped calls and syntax errors.
pub fn write_table(w: &mut impl Write, r: &ScanReport) -> io::Result<()> {
    writeln!(
        w,
        "scanned {} Python files ({} parsed, {} import pydynox, {} bytes)",
        r.files.python_files, r.files.parsed, r.files.importing_pydynox, r.files.bytes
    )?;
    match &r.pydynox_version {
        Some(v) => writeln!(
            w,
            "pydynox version: {} ({})",
            v.chosen.as_deref().unwrap_or("unknown"),
            v.reason
        )?,
        None => writeln!(w, "pydynox version: not declared by the project")?,
    }
    let mut by_feature: BTreeMap<&str, Vec<&super::report::Need>> = BTreeMap::new();
    for n in &r.needs {
        by_feature.entry(n.feature.as_str()).or_default().push(n);
    }
    if by_feature.is_empty() {
        writeln!(w, "\nno pydynox needs found")?;
    }
    for (feature, needs) in by_feature {
        writeln!(w, "\n{feature}")?;
        for n in needs {
            writeln!(w, "  {:<28} {}", n.action, n.resource)?;
            for e in &n.evidence {
                writeln!(w, "      {}  {}", e.location, e.code)?;
                if let Some(d) = &e.defined_at {
                    writeln!(w, "        resource from {}  {}", d.location, d.code)?;
                }
            }
        }
    }
    if !r.unresolved.is_empty() {
        writeln!(
            w,
            "\nunresolved ({}): a check of this code is INCONCLUSIVE until each is resolved",
            r.unresolved.len()
        )?;
        for u in &r.unresolved {
            writeln!(w, "  {}  {}", u.location, u.code)?;
            writeln!(
                w,
                "      {} ({}): {}",
                u.what,
                u.features.join(", "),
                u.reason
            )?;
            writeln!(w, "      may need: {}", u.actions.join(", "))?;
            writeln!(w, "      to resolve: {}", u.hint)?;
        }
    }
    let vars = r.unset_env_vars();
    if !vars.is_empty() {
        writeln!(
            w,
            "\nnames read from the environment (give their deployed values with --env NAME=VALUE): {}",
            vars.join(", ")
        )?;
    }
    let calls: Vec<_> = r.skipped.iter().filter(|s| s.kind != "test-file").collect();
    if !calls.is_empty() {
        writeln!(w, "\nskipped ({}):", calls.len())?;
        for s in calls {
            writeln!(w, "  {}  {}  [{}] {}", s.location, s.code, s.kind, s.reason)?;
        }
    }
    let tests = r.skipped.iter().filter(|s| s.kind == "test-file").count();
    if tests > 0 {
        writeln!(
            w,
            "\nskipped {tests} test files (test code, not the service's)"
        )?;
    }
    for d in &r.files.skipped_dirs {
        writeln!(w, "skipped folder {}: {}", d.path, d.reason)?;
    }
    if !r.parse_errors.is_empty() {
        writeln!(
            w,
            "\nsyntax errors ({}; the rest of each file was still read):",
            r.parse_errors.len()
        )?;
        for p in &r.parse_errors {
            writeln!(
                w,
                "  {}:{}: {}",
                p.location.file, p.location.line, p.message
            )?;
        }
    }
    Ok(())
}

/// A key the config takes once: the first value, the others as comments.
fn single(w: &mut impl Write, key: &str, set: &BTreeSet<String>) -> io::Result<()> {
    let mut it = set.iter();
    if let Some(first) = it.next() {
        writeln!(w, "{key} = {}", toml_str(first))?;
        for other in it {
            writeln!(
                w,
                "# also {key} {} (the config takes one: split the service to check it)",
                toml_str(other)
            )?;
        }
    }
    Ok(())
}

fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn toml_list(items: &BTreeSet<String>) -> String {
    let v: Vec<String> = items.iter().map(|s| toml_str(s)).collect();
    format!("[{}]", v.join(", "))
}

/// A `[[service]]` stanza for `pydynox-iam.toml`. Literal names go in as values; names that
/// are still symbolic (environment variables without `--env`) and unresolved calls are
/// written as comments, so the stanza never claims more than the code shows.
pub fn write_config_stanza(w: &mut impl Write, r: &ScanReport, service: &str) -> io::Result<()> {
    let mut tables = BTreeSet::new();
    let mut indexes = BTreeSet::new();
    let mut lock_tables = BTreeSet::new();
    let mut keys = BTreeSet::new();
    let mut buckets = BTreeSet::new();
    let mut roles = BTreeSet::new();
    let mut symbolic = BTreeSet::new();
    fn note(n: &super::report::Name, out: &mut BTreeSet<String>, symbolic: &mut BTreeSet<String>) {
        match &n.value {
            Some(v) => {
                out.insert(v.clone());
            }
            None => {
                symbolic.insert(n.to_string());
            }
        }
    }
    for need in &r.needs {
        match &need.resource {
            Resource::Table { table } => note(table, &mut tables, &mut symbolic),
            Resource::Index { table, index } => {
                note(table, &mut tables, &mut symbolic);
                note(index, &mut indexes, &mut symbolic);
            }
            Resource::LockTable { table } => note(table, &mut lock_tables, &mut symbolic),
            Resource::KmsKey { key_id, .. } => note(key_id, &mut keys, &mut symbolic),
            Resource::S3Prefix { bucket, prefix } => {
                if let (Some(b), Some(p)) = (&bucket.value, &prefix.value) {
                    buckets.insert((b.clone(), p.clone()));
                } else {
                    symbolic.insert(format!("{bucket}/{prefix}"));
                }
            }
            Resource::Role { arn } => note(arn, &mut roles, &mut symbolic),
            Resource::Any => {}
        }
    }
    writeln!(
        w,
        "# written by `pydynox-iam scan` from {}",
        r.roots.join(", ")
    )?;
    writeln!(w, "[[service]]")?;
    writeln!(w, "name = {}", toml_str(service))?;
    writeln!(
        w,
        "features = {}",
        toml_list(&r.features().into_iter().collect())
    )?;
    let mut by_feature: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for n in &r.needs {
        by_feature.entry(&n.feature).or_default().insert(&n.action);
    }
    for (f, acts) in by_feature {
        writeln!(
            w,
            "# {f}: {}",
            acts.into_iter().collect::<Vec<_>>().join(", ")
        )?;
    }
    if !tables.is_empty() {
        writeln!(w, "tables = {}", toml_list(&tables))?;
    }
    if !indexes.is_empty() {
        writeln!(w, "indexes = {}", toml_list(&indexes))?;
    }
    single(w, "lock_table", &lock_tables)?;
    single(w, "kms_key", &keys)?;
    if let Some((b, p)) = buckets.iter().next() {
        writeln!(w, "bucket = {}", toml_str(b))?;
        writeln!(w, "prefix = {}", toml_str(p))?;
        for (b, p) in buckets.iter().skip(1) {
            writeln!(
                w,
                "# also bucket {} prefix {} (the config takes one: split the service to check it)",
                toml_str(b),
                toml_str(p)
            )?;
        }
    }
    single(w, "assume_role_arn", &roles)?;
    if let Some(v) = r.pydynox_version.as_ref().and_then(|v| v.chosen.as_ref()) {
        writeln!(w, "pydynox_version = {}", toml_str(v))?;
    }
    for s in &symbolic {
        writeln!(
            w,
            "# from the environment, not written above: {s} (rescan with --env NAME=VALUE)"
        )?;
    }
    for u in &r.unresolved {
        writeln!(
            w,
            "# unresolved {}: {} ({}; may need {})",
            u.location,
            u.code,
            u.reason,
            u.actions.join(", ")
        )?;
    }
    Ok(())
}
