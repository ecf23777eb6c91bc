//! JUnit XML for test dashboards: one `<testsuite>` per service, one `<testcase>` per row,
//! shown as [`ci`](super::ci) describes. Writes to any `io::Write`.

use std::io::{self, Write};

use crate::report::ci::{Outcome, ServiceReport, context_text, docs_note, needs_context};
use crate::report::model::{Report, Row};

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
        write_errored_suite(w, name, error)?;
    }
    for (s, (outcomes, failures, skipped)) in services.iter().zip(&tallies) {
        write_suite(w, s, outcomes, *failures, *skipped)?;
    }
    writeln!(w, "</testsuites>")
}

/// A service that could not be checked: a suite with one `<error>`.
fn write_errored_suite(w: &mut dyn Write, name: &str, error: &str) -> io::Result<()> {
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
    Ok(())
}

/// One service: its properties, a test case per row, its notes.
fn write_suite(
    w: &mut dyn Write,
    s: &ServiceReport<'_>,
    outcomes: &[Outcome],
    failures: usize,
    skipped: usize,
) -> io::Result<()> {
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
        write_testcase(w, s, row, outcomes[i], with_context[i])?;
    }
    if !r.notes.is_empty() {
        writeln!(
            w,
            "    <system-out>{}</system-out>",
            xml_escape(&r.notes.join("\n"), false)
        )?;
    }
    writeln!(w, "  </testsuite>")?;
    Ok(())
}

/// One row: a passing test case, a failure, or skipped (expected, or inconclusive allowed).
fn write_testcase(
    w: &mut dyn Write,
    s: &ServiceReport<'_>,
    row: &Row,
    outcome: Outcome,
    with_context: bool,
) -> io::Result<()> {
    let r = s.report;
    let mut name = format!("{} on {}", row.action, row.resource);
    if with_context {
        name.push_str(&format!(" ({})", context_text(row)));
    }
    let open = format!(
        r#"    <testcase classname="{}" name="{}""#,
        attr(&format!("{}.{}", s.name, row.feature)),
        attr(&name)
    );
    match outcome {
        Outcome::Pass => writeln!(w, "{open}/>")?,
        Outcome::Fail | Outcome::Inconclusive => {
            let kind = if outcome == Outcome::Fail {
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
            let message = if outcome == Outcome::Waived {
                format!("expected: {}", row.waived.as_deref().unwrap_or(&row.reason))
            } else {
                format!("inconclusive (allowed): {}", row.reason)
            };
            writeln!(w, "{open}>")?;
            writeln!(w, r#"      <skipped message="{}"/>"#, attr(&message))?;
            writeln!(w, "    </testcase>")?;
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
}
