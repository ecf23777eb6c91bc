//! Markdown (GitHub-flavoured) for a pull-request comment or a CI step summary: per service a
//! heading with its verdict, then what did not pass, shown as [`ci`](super::ci) describes.
//! Writes to any `io::Write`.

use std::io::{self, Write};

use crate::report::ci::{
    ServiceReport, Tally, context_text, docs_note, needs_context, outcomes, overall_label,
};
use crate::report::model::{Report, RowOutcome, Verdict};

/// Text with every character Markdown or HTML could interpret escaped. In a table cell a
/// line break becomes `<br>`; elsewhere a space.
fn md_text(s: &str, in_table: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '#' | '&' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\n' if in_table => out.push_str("<br>"),
            '\n' => out.push(' '),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// A code span that survives any content: `|` escaped (GFM splits cells before parsing
/// code spans), line breaks as spaces, a fence longer than any backtick run inside.
fn md_code(s: &str) -> String {
    let body = s.replace('|', "\\|").replace(['\n', '\r'], " ");
    let mut longest = 0;
    let mut run = 0;
    for c in body.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if body.starts_with('`') || body.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{body}{pad}{fence}")
}

/// A message in the house style, where user input is in backticks: those spans become code,
/// the rest escaped text. Unbalanced backticks are escaped like any other text.
fn md_message(s: &str, in_table: bool) -> String {
    let parts: Vec<&str> = s.split('`').collect();
    if parts.len().is_multiple_of(2) {
        return md_text(s, in_table);
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            if i % 2 == 0 {
                md_text(p, in_table)
            } else {
                md_code(p)
            }
        })
        .collect()
}

fn row_verdict(o: RowOutcome, v: Verdict) -> String {
    match o {
        RowOutcome::Waived => format!("{} (expected)", v.as_str()),
        RowOutcome::InconclusiveAllowed => "INCONCLUSIVE (allowed)".to_string(),
        _ => v.as_str().to_string(),
    }
}

fn checks(n: usize) -> String {
    format!("{n} check{}", if n == 1 { "" } else { "s" })
}

fn tally_text(t: Tally) -> String {
    let mut s = format!(
        "{} pass, {} fail, {} inconclusive",
        t.pass, t.fail, t.inconclusive
    );
    if t.waived > 0 {
        s.push_str(&format!(", {} expected", t.waived));
    }
    s
}

/// Markdown for a pull-request comment or `$GITHUB_STEP_SUMMARY`: an overall line, then per
/// service a heading with its verdict in bold (the report's, never recomputed). A service
/// where everything passed with nothing else to say is that line and its checks folded;
/// others get a per-feature table, the rows that did not pass, the passing rows folded,
/// least-privilege findings, expected exceptions that waived nothing, notes and fixes.
/// `errored` lists services that could not be checked (name, error).
pub fn markdown(
    w: &mut dyn Write,
    services: &[ServiceReport<'_>],
    errored: &[(&str, String)],
) -> io::Result<()> {
    write_overall(w, services, errored)?;
    for (name, error) in errored {
        writeln!(w)?;
        writeln!(w, "### {}: **ERROR**", md_text(name, false))?;
        writeln!(w)?;
        writeln!(w, "{}", md_message(error, false))?;
    }
    for s in services {
        write_service(w, s)?;
        write_upgrade(w, s)?;
    }
    Ok(())
}

/// `--compare-version`: the rows whose verdict changes under the other release.
fn write_upgrade(w: &mut dyn Write, s: &ServiceReport<'_>) -> io::Result<()> {
    let Some(u) = &s.report.upgrade else {
        return Ok(());
    };
    writeln!(w)?;
    if u.changes.is_empty() {
        return writeln!(
            w,
            "Upgrade {} → {}: no verdict changes",
            md_text(&u.from, false),
            md_text(&u.to, false)
        );
    }
    writeln!(
        w,
        "Upgrade {} → {}: {} verdict changes (exit {} under {})",
        md_text(&u.from, false),
        md_text(&u.to, false),
        u.changes.len(),
        u.to_exit_code,
        md_text(&u.to, false)
    )?;
    writeln!(w)?;
    writeln!(w, "| Change | Feature | Action | Resource | Reason |")?;
    writeln!(w, "|---|---|---|---|---|")?;
    for c in &u.changes {
        writeln!(
            w,
            "| {} | {} | {} | {} | {} |",
            md_text(&c.label(), true),
            md_text(&c.feature, true),
            md_text(&c.action, true),
            md_text(&c.resource, true),
            md_message(&c.reason, true)
        )?;
    }
    Ok(())
}

/// The heading with the run's verdict, and how many services passed, failed or were
/// inconclusive.
fn write_overall(
    w: &mut dyn Write,
    services: &[ServiceReport<'_>],
    errored: &[(&str, String)],
) -> io::Result<()> {
    let count = |v: Verdict| {
        services
            .iter()
            .filter(|s| s.report.summary.verdict == v)
            .count()
    };
    writeln!(
        w,
        "## pydynox-iam: {}",
        marker(&overall_label(
            &services
                .iter()
                .map(|s| (s.report.summary.verdict, s.exit_code))
                .collect::<Vec<_>>(),
            errored.len()
        ))
    )?;
    writeln!(w)?;
    let mut line = format!(
        "{} service{}: {} pass, {} fail, {} inconclusive",
        services.len() + errored.len(),
        if services.len() + errored.len() == 1 {
            ""
        } else {
            "s"
        },
        count(Verdict::Pass),
        count(Verdict::Fail),
        count(Verdict::Inconclusive)
    );
    if !errored.is_empty() {
        line.push_str(&format!(", {} could not be checked", errored.len()));
    }
    writeln!(w, "{line}")?;
    Ok(())
}

/// `**PASS**`, `**INCONCLUSIVE** (allowed)`, ...
fn marker(label: &str) -> String {
    match label.split_once(' ') {
        Some((v, rest)) => format!("**{v}** {rest}"),
        None => format!("**{label}**"),
    }
}

/// One service: its heading, and unless everything passed with nothing else to say, its
/// features, rows, findings, unmatched exceptions, notes and fixes.
fn write_service(w: &mut dyn Write, s: &ServiceReport<'_>) -> io::Result<()> {
    let r = s.report;
    let outcomes = outcomes(r);
    writeln!(w)?;
    let label = marker(&r.verdict_label());
    let tally = Tally::of(outcomes.iter().copied());
    let who = format!(
        "{} {}",
        r.principal.kind.as_str(),
        md_code(&r.principal.name)
    );
    let findings = r.least_privilege.as_deref().unwrap_or_default();
    let quiet = r.summary.verdict == Verdict::Pass
        && tally.waived == 0
        && findings.is_empty()
        && r.expected_unmatched.is_empty();
    if quiet {
        writeln!(
            w,
            "### {}: {label} · {} · {who}",
            md_text(s.name, false),
            checks(r.rows.len())
        )?;
        write_replay(w, r)?;
        return write_passing_rows(w, r, &outcomes);
    }
    writeln!(w, "### {}: {label}", md_text(s.name, false))?;
    writeln!(w)?;
    writeln!(
        w,
        "{who} · pydynox {} · {} · engine {} · exit {}  ",
        md_text(&r.pydynox_version, false),
        md_text(&r.region, false),
        md_text(&r.engine, false),
        s.exit_code
    )?;
    writeln!(w, "{}: {}", checks(r.rows.len()), tally_text(tally))?;
    write_replay(w, r)?;
    writeln!(w)?;
    let mut features: Vec<&str> = Vec::new();
    for row in &r.rows {
        if !features.contains(&row.feature.as_str()) {
            features.push(&row.feature);
        }
    }
    write_feature_table(w, r, &features)?;
    write_failing_rows(w, r, &outcomes)?;
    write_passing_rows(w, r, &outcomes)?;
    write_findings(w, r)?;
    write_unmatched(w, r)?;
    write_notes(w, r, &outcomes, &features)?;
    write_fixes(w, r, &features)
}

/// A replayed report says when its run was recorded.
fn write_replay(w: &mut dyn Write, r: &Report) -> io::Result<()> {
    if let Some(replay) = &r.replay {
        writeln!(w)?;
        writeln!(
            w,
            "Replayed from a snapshot recorded at {} by pydynox-iam {}.",
            md_text(&replay.recorded_at, false),
            md_text(&replay.recorded_by, false)
        )?;
    }
    Ok(())
}

/// Per feature: its verdict (the report's) and how many rows passed, failed, were
/// inconclusive or expected.
fn write_feature_table(w: &mut dyn Write, r: &Report, features: &[&str]) -> io::Result<()> {
    writeln!(
        w,
        "| Feature | Verdict | Pass | Fail | Inconclusive | Expected |"
    )?;
    writeln!(w, "|---|---|--:|--:|--:|--:|")?;
    for f in features {
        let Some(summary) = r.features.iter().find(|x| x.name == *f) else {
            continue;
        };
        let c = &summary.counts;
        writeln!(
            w,
            "| {} | {} | {} | {} | {} | {} |",
            md_text(f, true),
            summary.verdict.as_str(),
            c.pass,
            c.fail,
            c.inconclusive,
            c.waived
        )?;
    }
    Ok(())
}

/// The rows that did not pass, with why and their reason code.
fn write_failing_rows(w: &mut dyn Write, r: &Report, outcomes: &[RowOutcome]) -> io::Result<()> {
    if outcomes.iter().all(|o| *o == RowOutcome::Pass) {
        return Ok(());
    }
    writeln!(w)?;
    writeln!(w, "| Feature | Action | Resource | Verdict | Why |")?;
    writeln!(w, "|---|---|---|---|---|")?;
    let with_context = needs_context(&r.rows);
    for (i, row) in r.rows.iter().enumerate() {
        if outcomes[i] == RowOutcome::Pass {
            continue;
        }
        let mut action = md_code(&row.action);
        if with_context[i] {
            action.push_str(&format!(" ({})", md_code(&context_text(row))));
        }
        let mut why = format!(
            "{} ({})",
            md_message(&row.reason, true),
            md_code(row.code.as_str())
        );
        if let Some(reason) = &row.waived {
            why.push_str(&format!("<br>expected: {}", md_message(reason, true)));
        }
        writeln!(
            w,
            "| {} | {action} | {} | {} | {why} |",
            md_text(&row.feature, true),
            md_code(&row.resource),
            row_verdict(outcomes[i], row.verdict),
        )?;
    }
    Ok(())
}

/// The rows that passed, folded, so every row of the run is in the comment.
fn write_passing_rows(w: &mut dyn Write, r: &Report, outcomes: &[RowOutcome]) -> io::Result<()> {
    let passing = outcomes.iter().filter(|o| **o == RowOutcome::Pass).count();
    if passing == 0 {
        return Ok(());
    }
    writeln!(w)?;
    writeln!(w, "<details><summary>{} passed</summary>", checks(passing))?;
    writeln!(w)?;
    writeln!(w, "| Feature | Action | Resource | Verdict |")?;
    writeln!(w, "|---|---|---|---|")?;
    let with_context = needs_context(&r.rows);
    for (i, row) in r.rows.iter().enumerate() {
        if outcomes[i] != RowOutcome::Pass {
            continue;
        }
        let mut action = md_code(&row.action);
        if with_context[i] {
            action.push_str(&format!(" ({})", md_code(&context_text(row))));
        }
        writeln!(
            w,
            "| {} | {action} | {} | PASS |",
            md_text(&row.feature, true),
            md_code(&row.resource),
        )?;
    }
    writeln!(w)?;
    writeln!(w, "</details>")
}

/// `--least-privilege` findings; those at or above `--fail-on` fail the run.
fn write_findings(w: &mut dyn Write, r: &Report) -> io::Result<()> {
    let Some(findings) = &r.least_privilege else {
        return Ok(());
    };
    writeln!(w)?;
    if findings.is_empty() {
        writeln!(
            w,
            "Least privilege: no grants beyond what the declared features need."
        )?;
        return Ok(());
    }
    writeln!(w, "| Severity | Finding | Policy | Statement | Detail |")?;
    writeln!(w, "|---|---|---|--:|---|")?;
    for f in findings {
        let severity = if f.fails {
            format!("**{}** (fails the run)", f.severity.as_str())
        } else {
            f.severity.as_str().to_string()
        };
        let sid = f
            .sid
            .as_deref()
            .map(|x| format!(" {}", md_code(x)))
            .unwrap_or_default();
        writeln!(
            w,
            "| {severity} | {} | {} | {}{sid} | {} |",
            md_code(f.code.as_str()),
            md_code(&f.policy),
            f.statement,
            md_message(&f.message, true)
        )?;
    }
    Ok(())
}

/// Expected exceptions that waived nothing: a warning each.
fn write_unmatched(w: &mut dyn Write, r: &Report) -> io::Result<()> {
    if r.expected_unmatched.is_empty() {
        return Ok(());
    }
    writeln!(w)?;
    for e in &r.expected_unmatched {
        writeln!(
            w,
            "- **Warning**: the expected exception at line {} ({} on {}) waived nothing: {}",
            e.line,
            md_code(&e.action),
            md_code(e.resource.as_deref().unwrap_or("its resource")),
            md_message(&e.why, false)
        )?;
    }
    Ok(())
}

/// The docs notes of features with a row that did not pass, and the run's caveats.
fn write_notes(
    w: &mut dyn Write,
    r: &Report,
    outcomes: &[RowOutcome],
    features: &[&str],
) -> io::Result<()> {
    let notes: Vec<String> = features
        .iter()
        .filter(|f| {
            r.rows
                .iter()
                .zip(outcomes)
                .any(|(row, o)| row.feature == **f && *o != RowOutcome::Pass)
        })
        .filter_map(|f| docs_note(r, f).map(|n| format!("{f}: {n}")))
        .chain(r.notes.iter().cloned())
        .collect();
    if !notes.is_empty() {
        writeln!(w)?;
        for n in notes {
            writeln!(w, "- {}", md_message(&n, false))?;
        }
    }
    Ok(())
}

/// Each feature's fix, folded.
fn write_fixes(w: &mut dyn Write, r: &Report, features: &[&str]) -> io::Result<()> {
    for f in r
        .features
        .iter()
        .filter(|f| features.contains(&f.name.as_str()))
    {
        let Some(fix) = &f.fix else { continue };
        writeln!(w)?;
        writeln!(
            w,
            "<details><summary>Fix {}</summary>",
            md_text(&f.name, false)
        )?;
        writeln!(w)?;
        if !fix.add_statements.is_empty() {
            writeln!(w, "Add to the principal's policy:")?;
            writeln!(w)?;
            writeln!(w, "```json")?;
            writeln!(
                w,
                "{}",
                serde_json::to_string_pretty(&fix.add_statements).unwrap_or_default()
            )?;
            writeln!(w, "```")?;
        }
        for m in &fix.must_change {
            writeln!(w, "- {}", md_message(m, false))?;
        }
        writeln!(w)?;
        writeln!(w, "</details>")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_escaping() {
        assert_eq!(md_code("a|b"), "`a\\|b`");
        assert_eq!(md_code("a`b"), "``a`b``");
        assert_eq!(md_code("`x"), "`` `x ``");
        assert_eq!(
            md_text("a|b\nc <d> *e*", true),
            "a\\|b<br>c \\<d\\> \\*e\\*"
        );
        assert_eq!(md_text("x\ny", false), "x y");
        assert_eq!(
            md_message("allowed by policy `p|q` statement `*`", true),
            "allowed by policy `p\\|q` statement `*`"
        );
        // Unbalanced backticks are text.
        assert_eq!(md_message("a `b", true), "a \\`b");
    }
}
