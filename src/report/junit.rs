//! JUnit XML for test dashboards: one `<testsuite>` per service, one `<testcase>` per row,
//! shown as [`ci`](super::ci) describes. Writes to any `io::Write`.

use std::io::{self, Write};

use crate::report::ci::{ServiceReport, context_text, docs_note, needs_context, outcomes};
use crate::report::model::{Report, Row, RowOutcome, exit};

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

/// One test case of a service's suite.
enum Case<'a> {
    Row(&'a Row, RowOutcome, bool),
    Finding(&'a crate::report::findings::Finding),
    Unmatched(&'a crate::report::model::UnmatchedExpected),
    /// `--compare-version`: a row whose verdict changes under the other release (fails when
    /// it does not pass there).
    Upgrade(&'a str, &'a crate::report::model::UpgradeChange),
    /// The service exits non-zero and nothing else failed (it checked nothing).
    Verdict,
}

impl Case<'_> {
    fn fails(&self) -> bool {
        match self {
            Case::Row(_, o, _) => matches!(o, RowOutcome::Fail | RowOutcome::Inconclusive),
            Case::Finding(f) => f.fails,
            Case::Unmatched(_) => false,
            Case::Upgrade(_, c) => c
                .after
                .is_some_and(|v| v != crate::report::model::Verdict::Pass),
            Case::Verdict => true,
        }
    }
    fn skipped(&self) -> bool {
        !self.fails() && !matches!(self, Case::Row(_, RowOutcome::Pass, _))
    }
}

/// Every test case of a service, in order: rows, least-privilege findings, expected
/// exceptions that waived nothing, and the catch-all verdict case when needed.
fn cases<'a>(s: &ServiceReport<'a>) -> Vec<Case<'a>> {
    let r = s.report;
    let with_context = needs_context(&r.rows);
    let mut out: Vec<Case> = r
        .rows
        .iter()
        .zip(outcomes(r))
        .zip(with_context)
        .map(|((row, o), c)| Case::Row(row, o, c))
        .collect();
    out.extend(r.least_privilege.iter().flatten().map(Case::Finding));
    out.extend(r.expected_unmatched.iter().map(Case::Unmatched));
    if let Some(u) = &r.upgrade {
        out.extend(u.changes.iter().map(|c| Case::Upgrade(&u.to, c)));
    }
    if s.exit_code != exit::PASS && !out.iter().any(Case::fails) {
        out.push(Case::Verdict);
    }
    out
}

/// JUnit XML: `<testsuites>`, one `<testsuite>` per service, one `<testcase>` per row
/// (`classname` SERVICE.FEATURE, `name` "ACTION on RESOURCE"), per least-privilege finding
/// (`classname` SERVICE.least-privilege) and per expected exception that waived nothing
/// (`classname` SERVICE.expected), shown as [`ci`](super::ci) describes.
/// `errored` lists services that could not be checked (name, error): each is a test suite
/// with one `<error>`.
pub fn junit(
    w: &mut dyn Write,
    services: &[ServiceReport<'_>],
    errored: &[(&str, String)],
) -> io::Result<()> {
    junit_with(w, services, errored, &[])
}

/// [`junit`], with the roles found but not checked (`--all-roles`: no pydynox tags, tags not
/// read; an account skipped), each a skipped test case (never a pass) in a suite
/// `pydynox-iam: ACCOUNT not checked`: (account, name, why).
pub fn junit_with(
    w: &mut dyn Write,
    services: &[ServiceReport<'_>],
    errored: &[(&str, String)],
    unchecked: &[(String, String, String)],
) -> io::Result<()> {
    let all: Vec<Vec<Case>> = services.iter().map(cases).collect();
    let failures: usize = all.iter().flatten().filter(|c| c.fails()).count();
    let skipped: usize = all.iter().flatten().filter(|c| c.skipped()).count() + unchecked.len();
    writeln!(w, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        w,
        r#"<testsuites name="pydynox-iam" tests="{}" failures="{}" errors="{}" skipped="{}">"#,
        all.iter().map(Vec::len).sum::<usize>() + errored.len() + unchecked.len(),
        failures,
        errored.len(),
        skipped,
    )?;
    for (name, error) in errored {
        write_errored_suite(w, name, error)?;
    }
    let mut accounts: Vec<&str> = unchecked.iter().map(|(a, ..)| a.as_str()).collect();
    accounts.dedup();
    for account in accounts {
        let cases: Vec<_> = unchecked.iter().filter(|(a, ..)| a == account).collect();
        writeln!(
            w,
            r#"  <testsuite name="{}" tests="{}" failures="0" errors="0" skipped="{}">"#,
            attr(&format!("pydynox-iam: {account} not checked")),
            cases.len(),
            cases.len()
        )?;
        for (_, name, why) in cases {
            writeln!(
                w,
                r#"    <testcase classname="{}" name="{}">"#,
                attr(&format!("{account}.not-checked")),
                attr(name)
            )?;
            writeln!(w, r#"      <skipped message="{}"/>"#, attr(why))?;
            writeln!(w, "    </testcase>")?;
        }
        writeln!(w, "  </testsuite>")?;
    }
    for (s, cases) in services.iter().zip(&all) {
        write_suite(w, s, cases)?;
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

/// One service: its properties, its test cases, its notes.
fn write_suite(w: &mut dyn Write, s: &ServiceReport<'_>, cases: &[Case]) -> io::Result<()> {
    let r = s.report;
    writeln!(
        w,
        r#"  <testsuite name="{}" tests="{}" failures="{}" errors="0" skipped="{}">"#,
        attr(&format!("pydynox-iam: {}", s.name)),
        cases.len(),
        cases.iter().filter(|c| c.fails()).count(),
        cases.iter().filter(|c| c.skipped()).count(),
    )?;
    writeln!(w, "    <properties>")?;
    let mut props = vec![
        ("principal", r.principal.arn.clone()),
        ("pydynox_version", r.pydynox_version.clone()),
        ("region", r.region.clone()),
        ("engine", r.engine.clone()),
        ("verdict", r.verdict_label()),
        ("exit_code", s.exit_code.to_string()),
    ];
    if let Some(replay) = &r.replay {
        props.push(("recorded_at", replay.recorded_at.clone()));
    }
    for (name, value) in props {
        writeln!(
            w,
            r#"      <property name="{name}" value="{}"/>"#,
            attr(&value)
        )?;
    }
    writeln!(w, "    </properties>")?;
    for c in cases {
        write_case(w, s, c)?;
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

/// One test case: passing, a failure, or skipped.
fn write_case(w: &mut dyn Write, s: &ServiceReport<'_>, case: &Case) -> io::Result<()> {
    match case {
        Case::Row(row, outcome, with_context) => write_testcase(w, s, row, *outcome, *with_context),
        Case::Finding(f) => {
            let sid = f
                .sid
                .as_deref()
                .map(|x| format!(" `{x}`"))
                .unwrap_or_default();
            let name = format!(
                "{}: policy `{}` statement #{}{sid}",
                f.code.as_str(),
                f.policy,
                f.statement
            );
            let open = format!(
                r#"    <testcase classname="{}" name="{}""#,
                attr(&format!("{}.least-privilege", s.name)),
                attr(&name)
            );
            writeln!(w, "{open}>")?;
            if f.fails {
                writeln!(
                    w,
                    r#"      <failure message="{}" type="{}">{}</failure>"#,
                    attr(&f.message),
                    f.code.as_str(),
                    xml_escape(
                        &format!(
                            "{}\nseverity: {} (at or above --fail-on)",
                            f.message,
                            f.severity.as_str()
                        ),
                        false
                    )
                )?;
            } else {
                writeln!(
                    w,
                    r#"      <skipped message="{}"/>"#,
                    attr(&format!(
                        "finding, severity {} (below --fail-on, or no --fail-on): {}",
                        f.severity.as_str(),
                        f.message
                    ))
                )?;
            }
            writeln!(w, "    </testcase>")
        }
        Case::Unmatched(e) => {
            let name = format!(
                "expected exception (line {}): {} on {}",
                e.line,
                e.action,
                e.resource.as_deref().unwrap_or("its resource")
            );
            writeln!(
                w,
                r#"    <testcase classname="{}" name="{}">"#,
                attr(&format!("{}.expected", s.name)),
                attr(&name)
            )?;
            writeln!(
                w,
                r#"      <skipped message="{}"/>"#,
                attr(&format!("waived nothing: {}", e.why))
            )?;
            writeln!(w, "    </testcase>")
        }
        Case::Upgrade(to, c) => {
            writeln!(
                w,
                r#"    <testcase classname="{}" name="{}">"#,
                attr(&format!("{}.upgrade-{to}", s.name)),
                attr(&format!("{} on {} ({})", c.action, c.resource, c.feature))
            )?;
            let message = format!("{} in pydynox {to}: {}", c.label(), c.reason);
            if case.fails() {
                writeln!(
                    w,
                    r#"      <failure message="{}" type="upgrade"/>"#,
                    attr(&message)
                )?;
            } else {
                writeln!(
                    w,
                    "      <system-out>{}</system-out>",
                    xml_escape(&message, false)
                )?;
            }
            writeln!(w, "    </testcase>")
        }
        Case::Verdict => {
            writeln!(
                w,
                r#"    <testcase classname="{}" name="verdict">"#,
                attr(&format!("{}.verdict", s.name))
            )?;
            writeln!(
                w,
                r#"      <failure message="{}" type="verdict"/>"#,
                attr(&format!(
                    "{}: {} checks made; a run that checked nothing never passes",
                    s.report.verdict_label(),
                    s.report.rows.len()
                ))
            )?;
            writeln!(w, "    </testcase>")
        }
    }
}

/// One row: a passing test case, a failure, or skipped (expected, or inconclusive allowed).
fn write_testcase(
    w: &mut dyn Write,
    s: &ServiceReport<'_>,
    row: &Row,
    outcome: RowOutcome,
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
        RowOutcome::Pass => writeln!(w, "{open}/>")?,
        RowOutcome::Fail | RowOutcome::Inconclusive => {
            let kind = if outcome == RowOutcome::Fail {
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
        RowOutcome::Waived | RowOutcome::InconclusiveAllowed => {
            let message = if outcome == RowOutcome::Waived {
                format!(
                    "expected: {} ({} {})",
                    row.waived.as_deref().unwrap_or(&row.reason),
                    row.verdict.as_str(),
                    row.code.as_str()
                )
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
