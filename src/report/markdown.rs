//! Markdown (GitHub-flavoured) for a pull-request comment or a CI step summary: per service a
//! heading with its verdict, then what did not pass, shown as [`ci`](super::ci) describes.
//! Writes to any `io::Write`.

use std::io::{self, Write};

use crate::report::ci::{
    Outcome, ServiceReport, Tally, context_text, docs_note, needs_context, verdict_of,
};
use crate::report::model::{Report, Verdict, exit};

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

fn service_marker(verdict: Verdict, exit_code: i32) -> String {
    let mut s = format!("**{}**", verdict.as_str());
    if verdict == Verdict::Inconclusive && exit_code == exit::PASS {
        s.push_str(" (allowed)");
    }
    s
}

fn row_verdict(o: Outcome, v: Verdict) -> String {
    match o {
        Outcome::Waived => format!("{} (expected)", v.as_str()),
        Outcome::InconclusiveAllowed => "INCONCLUSIVE (allowed)".to_string(),
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
/// service a heading with its verdict in bold; a service where everything passed is that
/// one line, others get a per-feature table, a table of the rows that did not pass, and the
/// notes that apply.
/// `errored` lists services that could not be checked (name, error).
pub fn markdown(
    w: &mut dyn Write,
    services: &[ServiceReport<'_>],
    errored: &[(&str, String)],
) -> io::Result<()> {
    let verdicts: Vec<(Vec<Outcome>, Verdict)> = services
        .iter()
        .map(|s| {
            let o = s.outcomes();
            let v = verdict_of(o.iter().copied());
            (o, v)
        })
        .collect();
    write_overall(w, services, errored, &verdicts)?;
    for (name, error) in errored {
        writeln!(w)?;
        writeln!(w, "### {}: **ERROR**", md_text(name, false))?;
        writeln!(w)?;
        writeln!(w, "{}", md_message(error, false))?;
    }
    for (s, (outcomes, verdict)) in services.iter().zip(&verdicts) {
        write_service(w, s, outcomes, *verdict)?;
    }
    Ok(())
}

/// The heading with the run's verdict, and how many services passed, failed or were
/// inconclusive.
fn write_overall(
    w: &mut dyn Write,
    services: &[ServiceReport<'_>],
    errored: &[(&str, String)],
    verdicts: &[(Vec<Outcome>, Verdict)],
) -> io::Result<()> {
    let overall = verdicts
        .iter()
        .map(|(_, v)| *v)
        .max()
        .unwrap_or(Verdict::Pass);
    let count = |v: Verdict| verdicts.iter().filter(|(_, x)| *x == v).count();
    let failing_exit = !errored.is_empty() || services.iter().any(|s| s.exit_code != exit::PASS);
    let overall_marker =
        service_marker(overall, if failing_exit { exit::FAIL } else { exit::PASS });
    writeln!(w, "## pydynox-iam: {overall_marker}")?;
    writeln!(w)?;
    writeln!(
        w,
        "{} service{}: {} pass, {} fail, {} inconclusive",
        services.len(),
        if services.len() == 1 { "" } else { "s" },
        count(Verdict::Pass),
        count(Verdict::Fail),
        count(Verdict::Inconclusive)
    )?;
    Ok(())
}

/// One service: its heading, and unless everything passed, its features, the rows that did
/// not pass, the notes and the fixes.
fn write_service(
    w: &mut dyn Write,
    s: &ServiceReport<'_>,
    outcomes: &[Outcome],
    verdict: Verdict,
) -> io::Result<()> {
    let r = s.report;
    writeln!(w)?;
    let marker = service_marker(verdict, s.exit_code);
    let tally = Tally::of(outcomes.iter().copied());
    let who = format!(
        "{} {}",
        r.principal.kind.as_str(),
        md_code(&r.principal.name)
    );
    if verdict == Verdict::Pass && tally.waived == 0 {
        writeln!(
            w,
            "### {}: {marker} · {} · {who}",
            md_text(s.name, false),
            checks(r.rows.len())
        )?;
        return Ok(());
    }
    writeln!(w, "### {}: {marker}", md_text(s.name, false))?;
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
    writeln!(w)?;
    let mut features: Vec<&str> = Vec::new();
    for row in &r.rows {
        if !features.contains(&row.feature.as_str()) {
            features.push(&row.feature);
        }
    }
    write_feature_table(w, s.report, outcomes, &features)?;
    write_failing_rows(w, s.report, outcomes)?;
    write_notes(w, s.report, outcomes, &features)?;
    write_fixes(w, s.report, &features)
}

/// Per feature: its verdict and how many rows passed, failed, were inconclusive or expected.
fn write_feature_table(
    w: &mut dyn Write,
    r: &Report,
    outcomes: &[Outcome],
    features: &[&str],
) -> io::Result<()> {
    writeln!(
        w,
        "| Feature | Verdict | Pass | Fail | Inconclusive | Expected |"
    )?;
    writeln!(w, "|---|---|--:|--:|--:|--:|")?;
    for f in features {
        let of_feature = || {
            r.rows
                .iter()
                .zip(outcomes)
                .filter(|(row, _)| row.feature == *f)
                .map(|(_, o)| *o)
        };
        let t = Tally::of(of_feature());
        writeln!(
            w,
            "| {} | {} | {} | {} | {} | {} |",
            md_text(f, true),
            verdict_of(of_feature()).as_str(),
            t.pass,
            t.fail,
            t.inconclusive,
            t.waived
        )?;
    }
    Ok(())
}

/// The rows that did not pass, with why and their reason code.
fn write_failing_rows(w: &mut dyn Write, r: &Report, outcomes: &[Outcome]) -> io::Result<()> {
    writeln!(w)?;
    writeln!(w, "| Feature | Action | Resource | Verdict | Why |")?;
    writeln!(w, "|---|---|---|---|---|")?;
    let with_context = needs_context(&r.rows);
    for (i, row) in r.rows.iter().enumerate() {
        if outcomes[i] == Outcome::Pass {
            continue;
        }
        let mut action = md_code(&row.action);
        if with_context[i] {
            action.push_str(&format!(" ({})", md_code(&context_text(row))));
        }
        writeln!(
            w,
            "| {} | {action} | {} | {} | {} ({}) |",
            md_text(&row.feature, true),
            md_code(&row.resource),
            row_verdict(outcomes[i], row.verdict),
            md_message(&row.reason, true),
            md_code(row.code.as_str())
        )?;
    }
    Ok(())
}

/// The docs notes of features with a row that did not pass, and the run's caveats.
fn write_notes(
    w: &mut dyn Write,
    r: &Report,
    outcomes: &[Outcome],
    features: &[&str],
) -> io::Result<()> {
    let notes: Vec<String> = features
        .iter()
        .filter(|f| {
            r.rows
                .iter()
                .zip(outcomes)
                .any(|(row, o)| row.feature == **f && *o != Outcome::Pass)
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
