//! The check report as a table for people: rows grouped by feature, per-feature and overall
//! summaries, fixes, notes, least-privilege findings and (on request) the policies behind
//! them; also the text blocks other views reuse (a fix, a fetched policy) and the table
//! layout they share. Writes to any `io::Write`; colour and width are the caller's decision
//! ([`TextStyle`]), passed in: nothing here looks at the environment.

use std::io::{self, Write};

use comfy_table::{Cell, Color, ContentArrangement, Table, presets};

use crate::grants::model::{FetchedPolicy, PolicySource};
use crate::needs::catalogue::ContextEntry;
use crate::report::model::{Report, RowOutcome, Verdict, decided_by_note};

/// How text output is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextStyle {
    pub color: bool,
    /// Wrap the table to this width (a terminal's); `None` lays it out at natural width.
    pub width: Option<u16>,
}

pub(super) fn new_table(style: TextStyle) -> Table {
    let mut t = Table::new();
    t.load_style(presets::UTF8_FULL_CONDENSED);
    match style.width {
        Some(w) => {
            t.set_content_arrangement(ContentArrangement::Dynamic);
            t.set_width(w);
        }
        None => {
            t.set_content_arrangement(ContentArrangement::Disabled);
        }
    }
    if style.color {
        t.enforce_styling();
    } else {
        t.force_no_tty();
    }
    t
}

fn verdict_cell(v: Verdict, outcome: RowOutcome, color: bool) -> Cell {
    let text = match outcome {
        RowOutcome::Waived => format!("{} (expected)", v.as_str()),
        RowOutcome::InconclusiveAllowed => "INCONCLUSIVE (allowed)".to_string(),
        _ => v.as_str().to_string(),
    };
    let c = Cell::new(text);
    if !color {
        return c;
    }
    match v {
        Verdict::Pass => c.fg(Color::Green),
        Verdict::Fail => c.fg(Color::Red),
        Verdict::Inconclusive => c.fg(Color::Yellow),
    }
}

/// Context entries as `k=v,w k2=v`.
pub(super) fn context_text(ctx: &[ContextEntry]) -> String {
    ctx.iter()
        .map(|c| format!("{}={}", c.key, c.values.join(",")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The check report as a table grouped by feature, with per-feature and overall summaries,
/// then fixes, disagreements, notes and least-privilege findings where there are any, and the
/// policies behind it all with `show_policies`.
pub fn report_table(
    w: &mut dyn Write,
    report: &Report,
    style: TextStyle,
    show_policies: bool,
) -> io::Result<()> {
    write_header(w, report)?;
    write_rows(w, report, style)?;
    write_summary(w, report, style)?;
    write_fixes(w, report)?;
    write_disagreements(w, report)?;
    write_notes(w, report)?;
    write_least_privilege(w, report)?;
    write_unmatched(w, report)?;
    if show_policies {
        write_policies(w, report)?;
    }
    Ok(())
}

/// Who was checked, against which release, region and engine.
fn write_header(w: &mut dyn Write, report: &Report) -> io::Result<()> {
    let p = &report.principal;
    writeln!(
        w,
        "pydynox-iam check: {} `{}` ({})",
        p.kind.as_str(),
        p.name,
        p.arn
    )?;
    writeln!(
        w,
        "pydynox {} · region {} · engine {} ({})",
        report.pydynox_version, report.region, report.engine, report.engine_reason
    )?;
    if let Some(b) = &p.boundary_arn {
        writeln!(w, "permissions boundary: {b}")?;
    }
    if let Some(replay) = &report.replay {
        writeln!(
            w,
            "replayed from a snapshot recorded at {} by pydynox-iam {}",
            replay.recorded_at, replay.recorded_by
        )?;
    }
    writeln!(w)?;
    Ok(())
}

/// One line per row, the feature named once for its rows; when some row was decided from
/// several sources (IAM's simulator, the local engine, what the organization's or the
/// session's policies may do), a column says which decided it or made it doubtful.
fn write_rows(w: &mut dyn Write, report: &Report, style: TextStyle) -> io::Result<()> {
    let mut t = new_table(style);
    let by_column = report.rows.iter().any(|r| r.evidence.sources.len() > 1);
    let mut header = vec!["Feature", "Action", "Resource", "Verdict", "Why"];
    if by_column {
        header.push("Decided by");
    }
    t.set_header(header);
    let mut last_feature = "";
    let outcomes = report.row_outcomes();
    for (r, outcome) in report.rows.iter().zip(outcomes) {
        let feature = if r.feature == last_feature {
            String::new()
        } else {
            r.feature.clone()
        };
        last_feature = &r.feature;
        let action = if r
            .context
            .iter()
            .any(|c| c.key == "dynamodb:EnclosingOperation")
        {
            format!("{}\n({})", r.action, context_text(&r.context))
        } else {
            r.action.clone()
        };
        let reason = match &r.waived {
            Some(expected) => format!("{}\nexpected: {expected}", r.reason),
            None => r.reason.clone(),
        };
        let mut cells = vec![
            Cell::new(feature),
            Cell::new(action),
            Cell::new(&r.resource),
            verdict_cell(r.verdict, outcome, style.color),
            Cell::new(reason),
        ];
        if by_column {
            cells.push(Cell::new(decided_by_note(&r.evidence.sources)));
        }
        t.add_row(cells);
    }
    writeln!(w, "{t}")?;
    writeln!(w)?;
    Ok(())
}

/// Each feature's verdict and counts, then the overall line.
fn write_summary(w: &mut dyn Write, report: &Report, style: TextStyle) -> io::Result<()> {
    writeln!(w, "Features:")?;
    let width = report
        .features
        .iter()
        .map(|f| f.name.len())
        .max()
        .unwrap_or(0);
    for f in &report.features {
        let v = paint(f.verdict, style.color);
        let pad = " ".repeat(14usize.saturating_sub(f.verdict.as_str().len()));
        let expected = if f.counts.waived > 0 {
            format!(", {} expected", f.counts.waived)
        } else {
            String::new()
        };
        writeln!(
            w,
            "  {:width$}  {v}{pad}{} pass, {} fail, {} inconclusive{expected}",
            f.name, f.counts.pass, f.counts.fail, f.counts.inconclusive
        )?;
    }
    writeln!(w, "{}", overall_line(report, style.color))?;
    Ok(())
}

/// `Overall: VERDICT (N checks: ...) exit CODE`, from the report's one rule.
pub fn overall_line(report: &Report, color: bool) -> String {
    let s = &report.summary;
    let label = report.verdict_label();
    let painted = if color {
        label.replacen(s.verdict.as_str(), &paint(s.verdict, true), 1)
    } else {
        label
    };
    let mut counts = format!(
        "{} checks: {} pass, {} fail, {} inconclusive",
        s.total, s.counts.pass, s.counts.fail, s.counts.inconclusive
    );
    if s.counts.waived > 0 {
        counts.push_str(&format!(", {} expected", s.counts.waived));
    }
    if s.findings_failing > 0 {
        counts.push_str(&format!(
            "; {} least-privilege finding{} at or above --fail-on",
            s.findings_failing,
            if s.findings_failing == 1 { "" } else { "s" }
        ));
    }
    if s.total == 0 {
        counts.push_str("; nothing was checked, which never passes");
    }
    format!("Overall: {painted} ({counts}) exit {}", s.exit_code)
}

/// What would make each failing feature pass.
fn write_fixes(w: &mut dyn Write, report: &Report) -> io::Result<()> {
    let fixes: Vec<_> = report
        .features
        .iter()
        .filter_map(|f| f.fix.as_ref().map(|x| (f, x)))
        .collect();
    if !fixes.is_empty() {
        writeln!(w)?;
        writeln!(w, "Fixes:")?;
        for (f, fix) in fixes {
            writeln!(w, "  {}:", f.name)?;
            fix_block(w, fix, "    ")?;
        }
    }
    Ok(())
}

/// Rows where IAM's simulator and the local engine disagree (`--engine both`).
fn write_disagreements(w: &mut dyn Write, report: &Report) -> io::Result<()> {
    if !report.disagreements.is_empty() {
        writeln!(w)?;
        writeln!(
            w,
            "Disagreements between IAM's simulator and the local engine:"
        )?;
        for d in &report.disagreements {
            writeln!(
                w,
                "  - {} on {}: simulator {}, local engine {} ({})",
                d.action, d.resource, d.simulator, d.local, d.local_reason
            )?;
        }
    }
    Ok(())
}

/// The docs notes of features that did not pass, and the run's caveats.
fn write_notes(w: &mut dyn Write, report: &Report) -> io::Result<()> {
    let notes: Vec<String> = report
        .features
        .iter()
        .filter(|f| f.verdict != Verdict::Pass)
        .filter_map(|f| f.docs_note.as_ref().map(|n| format!("{}: {n}", f.name)))
        .chain(report.notes.iter().cloned())
        .collect();
    if !notes.is_empty() {
        writeln!(w)?;
        writeln!(w, "Notes:")?;
        for n in notes {
            writeln!(w, "  - {n}")?;
        }
    }
    Ok(())
}

/// `--least-privilege`: the findings, or that there are none.
fn write_least_privilege(w: &mut dyn Write, report: &Report) -> io::Result<()> {
    if let Some(findings) = &report.least_privilege {
        writeln!(w)?;
        if findings.is_empty() {
            writeln!(
                w,
                "Least privilege: no grants beyond what the declared features need"
            )?;
        } else {
            writeln!(w, "Least privilege ({} findings):", findings.len())?;
            for f in findings {
                let sid = f
                    .sid
                    .as_deref()
                    .map(|s| format!(" `{s}`"))
                    .unwrap_or_default();
                let fails = if f.fails { ", fails the run" } else { "" };
                writeln!(
                    w,
                    "  [{}{fails}] {}: policy `{}` statement #{}{sid}: {}",
                    f.severity.as_str(),
                    f.code.as_str(),
                    f.policy,
                    f.statement,
                    f.message
                )?;
            }
        }
    }
    Ok(())
}

/// Expected exceptions that waived nothing: a warning each.
fn write_unmatched(w: &mut dyn Write, report: &Report) -> io::Result<()> {
    if report.expected_unmatched.is_empty() {
        return Ok(());
    }
    writeln!(w)?;
    writeln!(w, "Warning: expected exceptions that waived nothing:")?;
    for e in &report.expected_unmatched {
        writeln!(
            w,
            "  - line {}: `{}` on `{}`: {}",
            e.line,
            e.action,
            e.resource.as_deref().unwrap_or("its resource"),
            e.why
        )?;
    }
    Ok(())
}

/// Every policy fetched, and the resource policies read.
fn write_policies(w: &mut dyn Write, report: &Report) -> io::Result<()> {
    let p = &report.principal;
    writeln!(w)?;
    writeln!(w, "Policies fetched for {}:", p.arn)?;
    for policy in report.policies.all() {
        policy_block(w, policy)?;
    }
    if report.policies.policies.is_empty() && report.policies.boundary.is_none() {
        writeln!(w, "  (none)")?;
    }
    for rp in &report.resource_policies {
        resource_policy_block(w, rp)?;
    }
    Ok(())
}

fn paint(v: Verdict, color: bool) -> String {
    if !color {
        return v.as_str().to_string();
    }
    let code = match v {
        Verdict::Pass => 32,
        Verdict::Fail => 31,
        Verdict::Inconclusive => 33,
    };
    format!("\x1b[{code}m{}\x1b[0m", v.as_str())
}

/// A fix: the statements to add (indented JSON) and what must change instead.
pub fn fix_block(
    w: &mut dyn Write,
    fix: &crate::report::model::Fix,
    indent: &str,
) -> io::Result<()> {
    if !fix.add_statements.is_empty() {
        writeln!(w, "{indent}add to the principal's policy:")?;
        let text = serde_json::to_string_pretty(&fix.add_statements).unwrap_or_default();
        for line in text.lines() {
            writeln!(w, "{indent}  {line}")?;
        }
    }
    for m in &fix.must_change {
        writeln!(w, "{indent}- {m}")?;
    }
    Ok(())
}

/// One fetched policy, labelled with where it came from, pretty-printed.
pub fn policy_block(w: &mut dyn Write, p: &FetchedPolicy) -> io::Result<()> {
    let label = match &p.source {
        PolicySource::Inline { owner_kind, owner } => {
            format!("inline policy `{}` of {owner_kind} `{owner}`", p.name)
        }
        PolicySource::Managed {
            arn,
            version,
            aws_managed,
            via_group,
        } => format!(
            "{} managed policy `{arn}` ({version}){}",
            if *aws_managed { "AWS" } else { "customer" },
            via_group
                .as_ref()
                .map(|g| format!(" via group `{g}`"))
                .unwrap_or_default()
        ),
        PolicySource::Boundary { arn, version } => {
            format!("permissions boundary `{arn}` ({version})")
        }
    };
    writeln!(w, "\n# {label}")?;
    match p.document() {
        Some(doc) => writeln!(
            w,
            "{}",
            serde_json::to_string_pretty(&doc).unwrap_or_else(|_| p.text.clone())
        ),
        None => writeln!(w, "{}\n(this document is not valid JSON)", p.text),
    }
}

/// A fetched resource policy (key, bucket or trust policy), or why there is none.
pub fn resource_policy_block(
    w: &mut dyn Write,
    rp: &crate::grants::model::FetchedResourcePolicy,
) -> io::Result<()> {
    use crate::grants::model::ResourcePolicyState;
    let kind = rp.kind.label();
    writeln!(w, "\n# {kind} of `{}`", rp.resource)?;
    match &rp.state {
        ResourcePolicyState::Document { text } => {
            match serde_json::from_str::<serde_json::Value>(text) {
                Ok(doc) => writeln!(
                    w,
                    "{}",
                    serde_json::to_string_pretty(&doc).unwrap_or_else(|_| text.clone())
                ),
                Err(_) => writeln!(w, "{text}\n(this document is not valid JSON)"),
            }
        }
        ResourcePolicyState::Absent => writeln!(w, "(none)"),
        ResourcePolicyState::Unreadable { reason } => writeln!(w, "(could not be read: {reason})"),
    }
}
