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
use crate::report::resources::{ShortNames, context_tag, groups, statement_summary};

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

/// How the check table shows its rows (`--wide`, `--failed-only`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RowsView {
    /// Full ARNs in the rows, every row listed, laid out at natural width (no wrapping).
    pub wide: bool,
    /// PASS rows left out (their count is said).
    pub failed_only: bool,
}

/// The width the check table is laid out to when there is no terminal to measure (a pipe, a
/// file) and `COLUMNS` is not set: wide enough for a CI log, narrow enough for a pull request
/// comment or a terminal pager. `--wide` lays it out at natural width instead.
pub const PIPE_WIDTH: u16 = 100;

/// More rows than this and the PASS rows of each resource are collapsed into one line with
/// their count (`--wide` lists them).
pub const COLLAPSE_PASS_OVER: usize = 12;

/// The check report for people, the answer first: who was checked, the overall verdict, each
/// feature's verdict with its fix in one line per statement, then the rows grouped by
/// resource under short names (failing resources first; PASS rows collapsed when there are
/// many), the legend of full ARNs, the fix statements in full, disagreements, notes,
/// least-privilege findings, and the policies with `show_policies`. Laid out to
/// `style.width` (or [`PIPE_WIDTH`]), or at natural width with `view.wide`.
pub fn report_table(
    w: &mut dyn Write,
    report: &Report,
    style: TextStyle,
    view: RowsView,
    show_policies: bool,
) -> io::Result<()> {
    let style = TextStyle {
        color: style.color,
        width: if view.wide {
            None
        } else {
            Some(style.width.unwrap_or(PIPE_WIDTH))
        },
    };
    let names = if view.wide {
        ShortNames::new(std::iter::empty())
    } else {
        ShortNames::of_report(report)
    };
    let width = style.width.map(usize::from);
    wrapped(w, width, false, |w| {
        write_header(w, report)?;
        writeln!(w, "{}", overall_line(report, style.color))
    })?;
    writeln!(w)?;
    write_features(w, report, style, &names)?;
    write_rows(w, report, style, view, &names)?;
    wrapped(w, width, false, |w| write_legend(w, &names, width))?;
    wrapped(w, width, true, |w| write_fixes(w, report))?;
    wrapped(w, width, false, |w| {
        write_disagreements(w, report)?;
        write_notes(w, report)?;
        write_least_privilege(w, report)?;
        write_unmatched(w, report)
    })?;
    if show_policies {
        write_policies(w, report)?;
    }
    Ok(())
}

/// Writes what `f` writes with each line wider than `width` wrapped at spaces (a word longer
/// than the line, such as a long ARN, is broken), continuation lines indented under the text
/// of a `- ` item or two spaces deeper. With `keep_json`, lines that look like JSON (the fix
/// statements, to be copied) are left whole.
fn wrapped(
    w: &mut dyn Write,
    width: Option<usize>,
    keep_json: bool,
    f: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let mut buf: Vec<u8> = Vec::new();
    f(&mut buf)?;
    let text = String::from_utf8_lossy(&buf);
    let Some(width) = width else {
        return w.write_all(text.as_bytes());
    };
    for line in text.lines() {
        let trimmed = line.trim_start();
        let json = keep_json && trimmed.starts_with(['"', '[', ']', '{', '}']);
        if json || textwrap::core::display_width(line) <= width {
            writeln!(w, "{line}")?;
            continue;
        }
        let lead = &line[..line.len() - trimmed.len()];
        // Under the text of a `- ` item, or two spaces deeper than the line.
        let hang = format!("{lead}  ");
        let options = textwrap::Options::new(width)
            .initial_indent(lead)
            .subsequent_indent(&hang)
            .word_splitter(textwrap::WordSplitter::NoHyphenation);
        for part in textwrap::wrap(trimmed, options) {
            writeln!(w, "{part}")?;
        }
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
    Ok(())
}

/// A borderless table's lines without the padding comfy-table leaves at their ends.
fn write_trimmed(w: &mut dyn Write, t: &Table) -> io::Result<()> {
    for line in t.lines() {
        writeln!(w, "{}", line.trim_end())?;
    }
    Ok(())
}

/// A borderless table (the features): columns separated by spaces.
fn plain_table(style: TextStyle) -> Table {
    let mut t = new_table(style);
    t.load_style(presets::NOTHING);
    t
}

fn counts_text(c: &crate::report::model::Counts) -> String {
    let mut s = format!(
        "{} pass, {} fail, {} inconclusive",
        c.pass, c.fail, c.inconclusive
    );
    if c.waived > 0 {
        s.push_str(&format!(", {} expected", c.waived));
    }
    s
}

/// Each feature that did not pass with its counts and its fix (a line per statement to add,
/// a line per change an Allow cannot make), worst first; then the passing ones on one line.
fn write_features(
    w: &mut dyn Write,
    report: &Report,
    style: TextStyle,
    names: &ShortNames,
) -> io::Result<()> {
    writeln!(w, "Features:")?;
    let mut t = plain_table(style);
    let mut not_passing: Vec<&crate::report::model::FeatureSummary> = report
        .features
        .iter()
        .filter(|f| f.verdict != Verdict::Pass)
        .collect();
    not_passing.sort_by_key(|f| std::cmp::Reverse(f.verdict));
    for f in not_passing {
        let mut detail = counts_text(&f.counts);
        if let Some(fix) = &f.fix {
            for s in &fix.add_statements {
                detail.push_str(&format!("\nfix: {}", statement_summary(s, names)));
            }
            for m in &fix.must_change {
                detail.push_str(&format!("\nfix: {}", names.shorten_text(m)));
            }
        }
        t.add_row(vec![
            verdict_cell(f.verdict, feature_outcome(f), style.color),
            Cell::new(&f.name),
            Cell::new(detail),
        ]);
    }
    let passing: Vec<String> = report
        .features
        .iter()
        .filter(|f| f.verdict == Verdict::Pass)
        .map(|f| {
            if f.counts.waived > 0 {
                format!("{} ({})", f.name, counts_text(&f.counts))
            } else {
                f.name.clone()
            }
        })
        .collect();
    if !passing.is_empty() {
        t.add_row(vec![
            verdict_cell(Verdict::Pass, RowOutcome::Pass, style.color),
            Cell::new(""),
            Cell::new(passing.join(", ")),
        ]);
    }
    if report.features.is_empty() {
        writeln!(w, "  (none: nothing was checked)")?;
    } else {
        write_trimmed(w, &t)?;
    }
    writeln!(w)?;
    Ok(())
}

/// A feature's outcome as its rows make it: all its non-passing rows waived shows
/// "(expected)".
fn feature_outcome(f: &crate::report::model::FeatureSummary) -> RowOutcome {
    match f.verdict {
        Verdict::Pass => RowOutcome::Pass,
        Verdict::Fail => RowOutcome::Fail,
        Verdict::Inconclusive => RowOutcome::Inconclusive,
    }
}

/// The rows grouped by resource, failing resources first; the resource named once for its
/// rows, the request context as a tag after the action, and, where several sources decided
/// a row, which one in the reason. PASS rows are collapsed per resource when there are more
/// than [`COLLAPSE_PASS_OVER`] rows (or left out with `--failed-only`), with their count.
fn write_rows(
    w: &mut dyn Write,
    report: &Report,
    style: TextStyle,
    view: RowsView,
    names: &ShortNames,
) -> io::Result<()> {
    let collapse = !view.wide && report.rows.len() > COLLAPSE_PASS_OVER;
    let passing = report
        .rows
        .iter()
        .filter(|r| r.verdict == Verdict::Pass)
        .count();
    let title = if view.failed_only && passing > 0 {
        format!("Checks by resource ({passing} passing left out, --failed-only):")
    } else if collapse && passing > 0 {
        format!("Checks by resource ({passing} passing collapsed; --wide lists every row):")
    } else {
        "Checks by resource:".to_string()
    };
    writeln!(w, "{title}")?;
    let mut t = new_table(style);
    // No outer border: more room for the text at 80 columns, two lines fewer.
    t.load_style(
        comfy_table::TableStyle::new()
            .header_lines(comfy_table::ContentLineStyle::none().junction('┆'))
            .header_separator(comfy_table::LineStyle::none().fill('═').junction('╪'))
            .content_lines(comfy_table::ContentLineStyle::none().junction('┆')),
    );
    t.set_header(vec!["Resource", "Action", "Verdict", "Why"]);
    let outcomes = report.row_outcomes();
    let mut any = false;
    for g in groups(report) {
        let mut first = true;
        // `--wide` names the resource on every row (one line per row, for grep).
        let resource_cell = |first: &mut bool| {
            let c = if *first || view.wide {
                Cell::new(names.get(g.resource))
            } else {
                Cell::new("")
            };
            *first = false;
            c
        };
        // A lone passing row is shown: collapsing it would save nothing.
        let group_passing = g
            .rows
            .iter()
            .filter(|&&i| report.rows[i].verdict == Verdict::Pass)
            .count();
        let collapse_here = view.failed_only || (collapse && group_passing > 1);
        let mut collapsed = 0usize;
        for &i in &g.rows {
            let r = &report.rows[i];
            if r.verdict == Verdict::Pass && collapse_here {
                collapsed += 1;
                continue;
            }
            let tag = if view.wide {
                context_text(&r.context)
            } else {
                context_tag(r, report)
            };
            let action = if tag.is_empty() {
                r.action.clone()
            } else {
                format!("{} [{tag}]", r.action)
            };
            let mut why = names.shorten_text(&r.reason);
            let by = decided_by_note(&r.evidence.sources);
            if !by.is_empty() {
                why.push_str(&format!(" ({by})"));
            }
            if let Some(expected) = &r.waived {
                why.push_str(&format!("; expected: {expected}"));
            }
            t.add_row(vec![
                resource_cell(&mut first),
                Cell::new(action),
                verdict_cell(r.verdict, outcomes[i], style.color),
                Cell::new(why),
            ]);
            any = true;
        }
        if collapsed > 0 && !view.failed_only {
            t.add_row(vec![
                resource_cell(&mut first),
                Cell::new(format!(
                    "{collapsed} {}",
                    if collapsed == 1 { "check" } else { "checks" }
                )),
                verdict_cell(Verdict::Pass, RowOutcome::Pass, style.color),
                Cell::new("collapsed (--wide lists them)"),
            ]);
            any = true;
        }
    }
    if let Some(width) = style.width {
        // A long resource name wraps before the reason does; a verdict never wraps.
        use comfy_table::{ColumnConstraint::*, Width::*};
        if let Some(c) = t.column_mut(0) {
            c.set_constraint(UpperBoundary(Fixed((width / 5).max(14))));
        }
        // The action and its tag on one line where two fifths of the width allow it.
        let longest_action = t.column_max_content_widths().get(1).copied().unwrap_or(0);
        if let Some(c) = t.column_mut(1) {
            c.set_constraint(LowerBoundary(Fixed(
                (longest_action + 2).min(width * 2 / 5),
            )));
        }
        if let Some(c) = t.column_mut(2) {
            c.set_constraint(LowerBoundary(Fixed(7)));
        }
    }
    if any {
        write_trimmed(w, &t)?;
    } else {
        writeln!(w, "  (no rows)")?;
    }
    Ok(())
}

/// The full name of every resource shown by a short one: beside it, or under it when the two
/// do not fit `width` on one line.
fn write_legend(w: &mut dyn Write, names: &ShortNames, width: Option<usize>) -> io::Result<()> {
    let legend = names.legend();
    if legend.is_empty() {
        return Ok(());
    }
    writeln!(w)?;
    writeln!(w, "Resources:")?;
    let pad = legend
        .iter()
        .map(|(s, _)| s.chars().count())
        .max()
        .unwrap_or(0);
    let fits = |n: usize| width.is_none_or(|w| n <= w);
    let all_fit = legend
        .iter()
        .all(|(_, full)| fits(2 + pad + 2 + full.chars().count()));
    for (short, full) in legend {
        if all_fit {
            writeln!(w, "  {short:pad$}  {full}")?;
        } else {
            writeln!(w, "  {short}")?;
            writeln!(w, "    {full}")?;
        }
    }
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
        writeln!(w, "Fixes, in full:")?;
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
