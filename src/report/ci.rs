//! Reports for CI systems, one section per service of a config run: JUnit XML for test
//! dashboards, Markdown for a pull-request comment or a GitHub step summary. Writes to any
//! `io::Write`; must not decide verdicts, waivers or exit codes (it is given them) nor look
//! at the environment.
//!
//! How a row is shown, in both formats:
//! - PASS: a passing test case.
//! - FAIL, not waived: a failure (JUnit `type` is the row's reason code).
//! - INCONCLUSIVE, not waived: a failure of type `inconclusive`, since it fails the run;
//!   when the service's exit code is nonetheless 0 (`allow_inconclusive`), it is shown as
//!   skipped "inconclusive (allowed)" so the dashboard agrees with the exit code.
//! - waived (matched an expected exception): skipped, `expected: REASON`.

use std::io::{self, Write};

use crate::report::model::{Report, Row, Verdict, exit};

/// One service's finished report, with what the caller decided about it.
#[derive(Debug, Clone, Copy)]
pub struct ServiceReport<'a> {
    pub name: &'a str,
    pub report: &'a Report,
    /// Per row of `report.rows`: the row matched an expected exception. A missing entry
    /// counts as not waived. A waived PASS row is still a pass.
    pub waived: &'a [bool],
    /// The service's exit code, computed by the caller (waivers and `allow_inconclusive`
    /// taken into account).
    pub exit_code: i32,
}

/// What a row amounts to once waivers and `allow_inconclusive` are applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Pass,
    Fail,
    Inconclusive,
    /// Inconclusive, but the service's exit code says inconclusive rows were allowed.
    InconclusiveAllowed,
    /// Not a pass, and matched an expected exception.
    Waived,
}

impl ServiceReport<'_> {
    fn outcome(&self, i: usize) -> Outcome {
        let row = &self.report.rows[i];
        match row.verdict {
            Verdict::Pass => Outcome::Pass,
            _ if row.waived.is_some() || self.waived.get(i).copied().unwrap_or(false) => {
                Outcome::Waived
            }
            Verdict::Fail => Outcome::Fail,
            Verdict::Inconclusive if self.exit_code == exit::PASS => Outcome::InconclusiveAllowed,
            Verdict::Inconclusive => Outcome::Inconclusive,
        }
    }

    fn outcomes(&self) -> Vec<Outcome> {
        (0..self.report.rows.len())
            .map(|i| self.outcome(i))
            .collect()
    }
}

/// The worst of a set of outcomes, as a verdict: waived rows count as passing.
fn verdict_of(outcomes: impl IntoIterator<Item = Outcome>) -> Verdict {
    outcomes
        .into_iter()
        .map(|o| match o {
            Outcome::Pass | Outcome::Waived => Verdict::Pass,
            Outcome::Fail => Verdict::Fail,
            Outcome::Inconclusive | Outcome::InconclusiveAllowed => Verdict::Inconclusive,
        })
        .max()
        .unwrap_or(Verdict::Pass)
}

#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    pass: usize,
    fail: usize,
    inconclusive: usize,
    waived: usize,
}

impl Tally {
    fn of(outcomes: impl IntoIterator<Item = Outcome>) -> Tally {
        let mut t = Tally::default();
        for o in outcomes {
            match o {
                Outcome::Pass => t.pass += 1,
                Outcome::Fail => t.fail += 1,
                Outcome::Inconclusive | Outcome::InconclusiveAllowed => t.inconclusive += 1,
                Outcome::Waived => t.waived += 1,
            }
        }
        t
    }
}

/// `k=v,w k2=v`, as the table renderer shows context.
fn context_text(row: &Row) -> String {
    row.context
        .iter()
        .map(|c| format!("{}={}", c.key, c.values.join(",")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Per row, whether its context must be shown to tell it apart from another row with the
/// same feature, action and resource (e.g. `ConditionCheckItem` inside two operations).
fn needs_context(rows: &[Row]) -> Vec<bool> {
    rows.iter()
        .map(|r| {
            !r.context.is_empty()
                && rows
                    .iter()
                    .filter(|o| {
                        o.feature == r.feature && o.action == r.action && o.resource == r.resource
                    })
                    .count()
                    > 1
        })
        .collect()
}

/// The feature's docs note, if the report has one.
fn docs_note<'r>(report: &'r Report, feature: &str) -> Option<&'r str> {
    report
        .features
        .iter()
        .find(|f| f.name == feature)
        .and_then(|f| f.docs_note.as_deref())
}

// ---------------------------------------------------------------------------------------
// JUnit XML

/// Is `c` allowed in an XML 1.0 document at all (even as a character reference)?
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// Escapes text for an attribute value (`attr`) or element content. Characters XML 1.0
/// cannot carry at all (most C0 controls) become U+FFFD. In attributes, line breaks and tabs
/// are written as references, which parsers would otherwise normalise to spaces.
fn xml_escape(s: &str, attr: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attr => out.push_str("&quot;"),
            '\'' if attr => out.push_str("&apos;"),
            '\n' if attr => out.push_str("&#10;"),
            '\t' if attr => out.push_str("&#9;"),
            '\r' => out.push_str("&#13;"),
            c if is_xml_char(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
    out
}

fn attr(s: &str) -> String {
    xml_escape(s, true)
}

/// The body of a `<failure>`: the reason, the code, the context and the feature's docs note.
fn failure_body(report: &Report, row: &Row) -> String {
    let mut body = format!("{}\ncode: {}", row.reason, row.code.as_str());
    if !row.context.is_empty() {
        body.push_str(&format!("\ncontext: {}", context_text(row)));
    }
    if let Some(n) = docs_note(report, &row.feature) {
        body.push_str(&format!("\nnote: {n}"));
    }
    if let Some(fix) = report
        .features
        .iter()
        .find(|f| f.name == row.feature)
        .and_then(|f| f.fix.as_ref())
    {
        if !fix.add_statements.is_empty() {
            let statements = serde_json::to_string_pretty(&fix.add_statements).unwrap_or_default();
            body.push_str(&format!(
                "\nfix: add to the principal's policy:\n{statements}"
            ));
        }
        for m in &fix.must_change {
            body.push_str(&format!("\nfix: {m}"));
        }
    }
    body
}

/// JUnit XML: `<testsuites>`, one `<testsuite>` per service, one `<testcase>` per row
/// (`classname` SERVICE.FEATURE, `name` "ACTION on RESOURCE").
/// `errored` lists services that could not be checked (name, error): each is a test suite
/// with one `<error>`.
pub fn junit(
    w: &mut dyn Write,
    services: &[ServiceReport<'_>],
    errored: &[(&str, String)],
) -> io::Result<()> {
    let tallies: Vec<(Vec<Outcome>, usize, usize)> = services
        .iter()
        .map(|s| {
            let o = s.outcomes();
            let failures = o
                .iter()
                .filter(|o| matches!(o, Outcome::Fail | Outcome::Inconclusive))
                .count();
            let skipped = o
                .iter()
                .filter(|o| matches!(o, Outcome::Waived | Outcome::InconclusiveAllowed))
                .count();
            (o, failures, skipped)
        })
        .collect();
    writeln!(w, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        w,
        r#"<testsuites name="pydynox-iam" tests="{}" failures="{}" errors="{}" skipped="{}">"#,
        services.iter().map(|s| s.report.rows.len()).sum::<usize>() + errored.len(),
        tallies.iter().map(|t| t.1).sum::<usize>(),
        errored.len(),
        tallies.iter().map(|t| t.2).sum::<usize>(),
    )?;
    for (name, error) in errored {
        writeln!(
            w,
            r#"  <testsuite name="{}" tests="1" failures="0" errors="1" skipped="0">"#,
            attr(&format!("pydynox-iam: {name}"))
        )?;
        writeln!(
            w,
            r#"    <testcase classname="{}" name="check">"#,
            attr(name)
        )?;
        writeln!(
            w,
            r#"      <error message="{}" type="error"/>"#,
            attr(error)
        )?;
        writeln!(w, "    </testcase>")?;
        writeln!(w, "  </testsuite>")?;
    }
    for (s, (outcomes, failures, skipped)) in services.iter().zip(&tallies) {
        let r = s.report;
        writeln!(
            w,
            r#"  <testsuite name="{}" tests="{}" failures="{failures}" errors="0" skipped="{skipped}">"#,
            attr(&format!("pydynox-iam: {}", s.name)),
            r.rows.len(),
        )?;
        writeln!(w, "    <properties>")?;
        for (name, value) in [
            ("principal", r.principal.arn.as_str()),
            ("pydynox_version", &r.pydynox_version),
            ("region", &r.region),
            ("engine", &r.engine),
            ("exit_code", &s.exit_code.to_string()),
        ] {
            writeln!(
                w,
                r#"      <property name="{name}" value="{}"/>"#,
                attr(value)
            )?;
        }
        writeln!(w, "    </properties>")?;
        let with_context = needs_context(&r.rows);
        for (i, row) in r.rows.iter().enumerate() {
            let mut name = format!("{} on {}", row.action, row.resource);
            if with_context[i] {
                name.push_str(&format!(" ({})", context_text(row)));
            }
            let open = format!(
                r#"    <testcase classname="{}" name="{}""#,
                attr(&format!("{}.{}", s.name, row.feature)),
                attr(&name)
            );
            match outcomes[i] {
                Outcome::Pass => writeln!(w, "{open}/>")?,
                Outcome::Fail | Outcome::Inconclusive => {
                    let kind = if outcomes[i] == Outcome::Fail {
                        row.code.as_str()
                    } else {
                        "inconclusive"
                    };
                    writeln!(w, "{open}>")?;
                    writeln!(
                        w,
                        r#"      <failure message="{}" type="{kind}">{}</failure>"#,
                        attr(&row.reason),
                        xml_escape(&failure_body(r, row), false)
                    )?;
                    writeln!(w, "    </testcase>")?;
                }
                Outcome::Waived | Outcome::InconclusiveAllowed => {
                    let message = if outcomes[i] == Outcome::Waived {
                        format!("expected: {}", row.waived.as_deref().unwrap_or(&row.reason))
                    } else {
                        format!("inconclusive (allowed): {}", row.reason)
                    };
                    writeln!(w, "{open}>")?;
                    writeln!(w, r#"      <skipped message="{}"/>"#, attr(&message))?;
                    writeln!(w, "    </testcase>")?;
                }
            }
        }
        if !r.notes.is_empty() {
            writeln!(
                w,
                "    <system-out>{}</system-out>",
                xml_escape(&r.notes.join("\n"), false)
            )?;
        }
        writeln!(w, "  </testsuite>")?;
    }
    writeln!(w, "</testsuites>")
}

// ---------------------------------------------------------------------------------------
// Markdown (GitHub-flavoured)

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
    for (name, error) in errored {
        writeln!(w)?;
        writeln!(w, "### {}: **ERROR**", md_text(name, false))?;
        writeln!(w)?;
        writeln!(w, "{}", md_message(error, false))?;
    }
    for (s, (outcomes, verdict)) in services.iter().zip(&verdicts) {
        let r = s.report;
        writeln!(w)?;
        let marker = service_marker(*verdict, s.exit_code);
        let tally = Tally::of(outcomes.iter().copied());
        let who = format!(
            "{} {}",
            r.principal.kind.as_str(),
            md_code(&r.principal.name)
        );
        if *verdict == Verdict::Pass && tally.waived == 0 {
            writeln!(
                w,
                "### {}: {marker} · {} · {who}",
                md_text(s.name, false),
                checks(r.rows.len())
            )?;
            continue;
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
        writeln!(
            w,
            "| Feature | Verdict | Pass | Fail | Inconclusive | Expected |"
        )?;
        writeln!(w, "|---|---|--:|--:|--:|--:|")?;
        let mut features: Vec<&str> = Vec::new();
        for row in &r.rows {
            if !features.contains(&row.feature.as_str()) {
                features.push(&row.feature);
            }
        }
        for f in &features {
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
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escaping() {
        // (input, attribute?, expected)
        let cases: &[(&str, bool, &str)] = &[
            ("a<b>&c", false, "a&lt;b&gt;&amp;c"),
            ("\"q\" 'a'", false, "\"q\" 'a'"),
            ("\"q\" 'a'", true, "&quot;q&quot; &apos;a&apos;"),
            ("l1\nl2\tx", true, "l1&#10;l2&#9;x"),
            ("l1\nl2\tx", false, "l1\nl2\tx"),
            ("bell\u{7}nul\u{0}", false, "bell\u{FFFD}nul\u{FFFD}"),
            ("ünï ключ 🦀", true, "ünï ключ 🦀"),
            ("]]>", false, "]]&gt;"),
        ];
        for (input, attr, want) in cases {
            assert_eq!(xml_escape(input, *attr), *want, "{input:?}");
        }
    }

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
