//! The pydynox version a project declares: `requirements*.txt`, `pyproject.toml` (PEP 621
//! `[project]` dependencies and optional dependencies, `[dependency-groups]`, Poetry's
//! `[tool.poetry.*dependencies]`), `uv.lock` and `poetry.lock`. Owns reading those files'
//! text and choosing one version; must not touch the file system (the caller reads) or
//! know what a version needs.
//!
//! The choice: a lock file's exact version wins (it is what gets installed); then an exact
//! pin (`==1.3.0`); otherwise the newest known release that satisfies every range declared.
//! PEP 440 specifiers are evaluated by `pep440_rs` (astral's, as used by uv). Requirement
//! lines are split by hand (name, extras, specifier, marker): `pep508_rs` would do it but
//! brings URL and regex parsing for the one name this needs. Poetry constraints (`^1.2`,
//! `~1.2.3`, `1.2.*`, `||`) are translated to PEP 440 as Poetry documents them.

use std::str::FromStr;

use pep440_rs::{Version as PepVersion, VersionSpecifiers};
use semver::Version;

use super::report::{Location, VersionFinding, VersionSource};

fn normalise(name: &str) -> String {
    let mut out = String::new();
    let mut sep = false;
    for c in name.chars() {
        if c == '-' || c == '_' || c == '.' {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('-');
            }
            sep = false;
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// Splits a PEP 508 requirement into (normalised name, specifier text); `None` for a
/// direct URL reference (no version to read) or a line that is not a requirement.
pub fn split_requirement(req: &str) -> Option<(String, String)> {
    let req = req.split(';').next()?.trim();
    let end = req
        .find(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_' || c == '.'))
        .unwrap_or(req.len());
    let name = &req[..end];
    if name.is_empty() {
        return None;
    }
    let mut rest = req[end..].trim_start();
    if rest.starts_with('[') {
        rest = rest[rest.find(']').map(|i| i + 1).unwrap_or(rest.len())..].trim_start();
    }
    if rest.starts_with('@') {
        return Some((normalise(name), "@ direct reference".into()));
    }
    let spec = rest.trim_start_matches('(').trim_end_matches(')').trim();
    Some((normalise(name), spec.to_string()))
}

/// Poetry's constraint syntax → PEP 440 specifiers (one alternative per `||`).
pub fn poetry_to_pep440(c: &str) -> Vec<String> {
    c.split("||")
        .map(|alt| {
            alt.split(',')
                .map(|p| {
                    let p = p.trim();
                    if p == "*" || p.is_empty() {
                        String::new()
                    } else if let Some(v) = p.strip_prefix('^') {
                        let nums: Vec<u64> = v
                            .trim()
                            .split('.')
                            .map(|x| x.parse().unwrap_or(0))
                            .collect();
                        let upper = match nums.iter().position(|&n| n != 0) {
                            Some(i) if i < nums.len() => bump(&nums, i),
                            _ => bump(&nums, nums.len().saturating_sub(1)),
                        };
                        format!(">={},<{upper}", v.trim())
                    } else if let Some(v) = p.strip_prefix('~').filter(|v| !v.starts_with('=')) {
                        let nums: Vec<u64> = v
                            .trim()
                            .split('.')
                            .map(|x| x.parse().unwrap_or(0))
                            .collect();
                        let i = if nums.len() >= 2 { 1 } else { 0 };
                        format!(">={},<{}", v.trim(), bump(&nums, i))
                    } else if p.starts_with(|c: char| c.is_ascii_digit()) {
                        format!("=={p}")
                    } else {
                        p.to_string()
                    }
                })
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect()
}

fn bump(nums: &[u64], i: usize) -> String {
    let mut v: Vec<u64> = nums[..=i.min(nums.len().saturating_sub(1))].to_vec();
    if let Some(last) = v.last_mut() {
        *last += 1;
    }
    while v.len() < 2 {
        v.push(0);
    }
    v.iter().map(u64::to_string).collect::<Vec<_>>().join(".")
}

fn line_of(text: &str, needle: &str) -> u32 {
    text.lines()
        .position(|l| l.to_ascii_lowercase().contains(needle))
        .map(|i| i as u32 + 1)
        .unwrap_or(1)
}

fn exact_of(spec: &str) -> Option<String> {
    let s = spec.trim();
    let v = s
        .strip_prefix("===")
        .or_else(|| s.strip_prefix("=="))?
        .trim();
    (!v.contains(',') && !v.contains('*')).then(|| v.to_string())
}

/// Reads every declaration of pydynox in the given project files (relative path, text).
pub fn sources(files: &[(String, String)]) -> Vec<VersionSource> {
    let mut out = Vec::new();
    for (rel, text) in files {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        let loc = |line: u32| Location {
            file: rel.clone(),
            line,
            column: 1,
        };
        if name.starts_with("requirements") {
            let mut logical = String::new();
            let mut start = 0u32;
            for (i, raw) in text.lines().enumerate() {
                if logical.is_empty() {
                    start = i as u32 + 1;
                }
                let line = raw.split(" #").next().unwrap_or("");
                let line = if line.trim_start().starts_with('#') {
                    ""
                } else {
                    line
                };
                if let Some(cont) = line.strip_suffix('\\') {
                    logical.push_str(cont);
                    continue;
                }
                logical.push_str(line);
                let l = std::mem::take(&mut logical);
                let l = l.split(" --").next().unwrap_or("").trim().to_string();
                if l.starts_with('-') || l.is_empty() {
                    continue;
                }
                if let Some((n, spec)) = split_requirement(&l)
                    && n == "pydynox"
                {
                    out.push(VersionSource {
                        location: loc(start),
                        kind: "requirements".into(),
                        exact: exact_of(&spec),
                        spec: l.clone(),
                    });
                }
            }
        } else if name == "pyproject.toml" {
            let Ok(doc) = toml::from_str::<toml::Table>(text) else {
                continue;
            };
            let mut reqs: Vec<String> = Vec::new();
            let arr = |v: Option<&toml::Value>| -> Vec<String> {
                v.and_then(|v| v.as_array())
                    .map(|a| {
                        a.iter()
                            .filter_map(|x| x.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            if let Some(p) = doc.get("project") {
                reqs.extend(arr(p.get("dependencies")));
                if let Some(opt) = p.get("optional-dependencies").and_then(|o| o.as_table()) {
                    for v in opt.values() {
                        reqs.extend(arr(Some(v)));
                    }
                }
            }
            if let Some(groups) = doc.get("dependency-groups").and_then(|g| g.as_table()) {
                for v in groups.values() {
                    reqs.extend(arr(Some(v)));
                }
            }
            for r in reqs {
                if let Some((n, spec)) = split_requirement(&r)
                    && n == "pydynox"
                {
                    out.push(VersionSource {
                        location: loc(line_of(text, &r.to_ascii_lowercase())),
                        kind: "pep621".into(),
                        exact: exact_of(&spec),
                        spec: r.clone(),
                    });
                }
            }
            let poetry = doc.get("tool").and_then(|t| t.get("poetry"));
            let mut tables = Vec::new();
            if let Some(p) = poetry {
                tables.extend(p.get("dependencies"));
                tables.extend(p.get("dev-dependencies"));
                if let Some(g) = p.get("group").and_then(|g| g.as_table()) {
                    for grp in g.values() {
                        tables.extend(grp.get("dependencies"));
                    }
                }
            }
            for t in tables.into_iter().filter_map(|t| t.as_table()) {
                for (k, v) in t {
                    if normalise(k) != "pydynox" {
                        continue;
                    }
                    let c = match v {
                        toml::Value::String(s) => Some(s.clone()),
                        toml::Value::Table(t) => t
                            .get("version")
                            .and_then(|x| x.as_str())
                            .map(str::to_string),
                        _ => None,
                    };
                    if let Some(c) = c {
                        let alts = poetry_to_pep440(&c);
                        let exact = (alts.len() == 1).then(|| exact_of(&alts[0])).flatten();
                        out.push(VersionSource {
                            location: loc(line_of(text, "pydynox")),
                            kind: "poetry".into(),
                            exact,
                            spec: c,
                        });
                    }
                }
            }
        } else if name == "uv.lock" || name == "poetry.lock" {
            let Ok(doc) = toml::from_str::<toml::Table>(text) else {
                continue;
            };
            let pkgs = doc
                .get("package")
                .and_then(|p| p.as_array())
                .cloned()
                .unwrap_or_default();
            for p in pkgs {
                if p.get("name")
                    .and_then(|n| n.as_str())
                    .map(normalise)
                    .as_deref()
                    == Some("pydynox")
                    && let Some(v) = p.get("version").and_then(|v| v.as_str())
                {
                    let line = text
                        .lines()
                        .position(|l| l.trim() == "name = \"pydynox\"")
                        .map(|i| i as u32 + 1)
                        .unwrap_or(1);
                    let kind = if name == "uv.lock" {
                        "uv-lock"
                    } else {
                        "poetry-lock"
                    };
                    out.push(VersionSource {
                        location: loc(line),
                        kind: kind.into(),
                        exact: Some(v.to_string()),
                        spec: v.to_string(),
                    });
                }
            }
        }
    }
    out
}

/// Chooses the version from the declarations, among `known` releases for ranges.
pub fn choose(sources: Vec<VersionSource>, known: &[Version]) -> Option<VersionFinding> {
    if sources.is_empty() {
        return None;
    }
    let locked: Vec<&VersionSource> = sources
        .iter()
        .filter(|s| s.kind.ends_with("-lock"))
        .collect();
    let pick_exact = |list: &[&VersionSource]| -> Option<String> {
        let mut vs: Vec<&String> = list.iter().filter_map(|s| s.exact.as_ref()).collect();
        vs.sort();
        vs.dedup();
        (vs.len() == 1).then(|| vs[0].clone())
    };
    if !locked.is_empty() {
        return Some(match pick_exact(&locked) {
            Some(v) => VersionFinding {
                reason: format!("locked at {v} in {}", locked[0].location),
                chosen: Some(v),
                sources,
            },
            None => VersionFinding {
                chosen: None,
                reason: "the lock files disagree on the pydynox version; pass --pydynox-version"
                    .into(),
                sources,
            },
        });
    }
    let exact: Vec<&VersionSource> = sources.iter().filter(|s| s.exact.is_some()).collect();
    if !exact.is_empty() {
        return Some(match pick_exact(&exact) {
            Some(v) => VersionFinding {
                reason: format!("pinned to {v} in {}", exact[0].location),
                chosen: Some(v),
                sources,
            },
            None => VersionFinding {
                chosen: None,
                reason: "the project pins different pydynox versions; pass --pydynox-version"
                    .into(),
                sources,
            },
        });
    }
    // Ranges: every declaration must be satisfied (any `||` alternative of a Poetry one).
    let mut alternatives: Vec<Vec<VersionSpecifiers>> = Vec::new();
    for s in &sources {
        let texts: Vec<String> = match s.kind.as_str() {
            "poetry" => poetry_to_pep440(&s.spec),
            _ => match split_requirement(&s.spec) {
                Some((_, spec)) if spec.starts_with('@') => {
                    return Some(VersionFinding {
                        chosen: None,
                        reason: format!(
                            "{} installs pydynox from a direct reference; pass --pydynox-version",
                            s.location
                        ),
                        sources,
                    });
                }
                Some((_, spec)) => vec![spec],
                None => vec![String::new()],
            },
        };
        let mut parsed = Vec::new();
        for t in texts {
            match VersionSpecifiers::from_str(&t) {
                Ok(v) => parsed.push(v),
                Err(e) => {
                    return Some(VersionFinding {
                        chosen: None,
                        reason: format!(
                            "`{}` in {} is not a version specifier ({e}); pass --pydynox-version",
                            s.spec, s.location
                        ),
                        sources,
                    });
                }
            }
        }
        alternatives.push(parsed);
    }
    if known.is_empty() {
        return Some(VersionFinding { chosen: None, reason: "the project gives a range and no known releases were supplied; pass --pydynox-version".into(), sources });
    }
    let mut sorted: Vec<&Version> = known.iter().collect();
    sorted.sort();
    let ranges = sources
        .iter()
        .map(|s| s.spec.as_str())
        .collect::<Vec<_>>()
        .join("` and `");
    for v in sorted.into_iter().rev() {
        let Ok(pv) = PepVersion::from_str(&v.to_string()) else {
            continue;
        };
        if alternatives
            .iter()
            .all(|alts| alts.iter().any(|spec| spec.contains(&pv)))
        {
            return Some(VersionFinding {
                chosen: Some(v.to_string()),
                reason: format!("the newest known release that satisfies `{ranges}`"),
                sources,
            });
        }
    }
    Some(VersionFinding {
        chosen: None,
        reason: format!("no known release satisfies `{ranges}`; pass --pydynox-version"),
        sources,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> Vec<Version> {
        [
            "0.13.0", "0.14.0", "0.22.0", "1.2.0", "1.3.0", "1.3.1", "1.4.0", "1.8.0",
        ]
        .iter()
        .map(|v| Version::parse(v).unwrap())
        .collect()
    }

    fn files(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn ranges_choose_the_newest_known_release_that_fits() {
        let f = files(&[(
            "requirements.txt",
            "boto3\n# pydynox==0.1\npydynox[pydantic]>=1.2,<1.4 ; python_version >= '3.9'\n",
        )]);
        let got = choose(sources(&f), &known()).unwrap();
        assert_eq!(got.chosen.as_deref(), Some("1.3.1"), "{got:?}");
        assert_eq!(got.sources[0].location.line, 3);
    }

    #[test]
    fn a_lock_file_wins_over_ranges() {
        let f = files(&[
            (
                "pyproject.toml",
                "[project]\nname = \"svc\"\ndependencies = [\"pydynox>=1.0\"]\n",
            ),
            (
                "uv.lock",
                "version = 1\n[[package]]\nname = \"boto3\"\nversion = \"1.0\"\n[[package]]\nname = \"pydynox\"\nversion = \"1.3.0\"\n",
            ),
        ]);
        let got = choose(sources(&f), &known()).unwrap();
        assert_eq!(got.chosen.as_deref(), Some("1.3.0"));
        assert!(got.reason.contains("uv.lock:6"), "{}", got.reason);
    }

    #[test]
    fn poetry_constraints_translate() {
        assert_eq!(poetry_to_pep440("^1.2"), vec![">=1.2,<2.0"]);
        assert_eq!(poetry_to_pep440("^0.22.1"), vec![">=0.22.1,<0.23"]);
        assert_eq!(poetry_to_pep440("~1.3"), vec![">=1.3,<1.4"]);
        assert_eq!(poetry_to_pep440("1.3.0"), vec!["==1.3.0"]);
        assert_eq!(
            poetry_to_pep440(">=0.13,<0.15 || ^1.3"),
            vec![">=0.13,<0.15", ">=1.3,<2.0"]
        );
        let f = files(&[(
            "pyproject.toml",
            "[tool.poetry.dependencies]\npython = \"^3.11\"\nPyDynox = { version = \"~1.3\", extras = [\"pydantic\"] }\n",
        )]);
        let got = choose(sources(&f), &known()).unwrap();
        assert_eq!(got.chosen.as_deref(), Some("1.3.1"));
        assert_eq!(got.sources[0].location.line, 3);
    }

    #[test]
    fn nothing_known_satisfies_says_so() {
        let f = files(&[("requirements-prod.txt", "pydynox>=9\n")]);
        let got = choose(sources(&f), &known()).unwrap();
        assert_eq!(got.chosen, None);
        assert!(
            got.reason.contains("no known release satisfies"),
            "{}",
            got.reason
        );
        let f = files(&[("requirements.txt", "pydynox==1.3.0 --hash=sha256:abc\n")]);
        assert_eq!(
            choose(sources(&f), &known()).unwrap().chosen.as_deref(),
            Some("1.3.0")
        );
        assert!(
            choose(
                sources(&files(&[("requirements.txt", "boto3\n")])),
                &known()
            )
            .is_none()
        );
    }
}
