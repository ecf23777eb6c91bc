//! Renderers: the check report as a table or JSON, the catalogue as a table or JSON. Each
//! writes to any `io::Write` (tests render into a `Vec<u8>`). Colour is the caller's
//! decision (terminal and `NO_COLOR`), passed in; nothing here looks at the environment.

use std::io::{self, Write};

use comfy_table::{Cell, Color, ContentArrangement, Table, presets};
use semver::Version;
use serde::Serialize;

use crate::grants::model::{FetchedPolicy, PolicySource};
use crate::needs::catalogue::{Catalogue, ContextEntry};
use crate::report::model::{Report, Verdict};

/// How text output is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextStyle {
    pub color: bool,
    /// Wrap the table to this width (a terminal's); `None` lays it out at natural width.
    pub width: Option<u16>,
}

fn new_table(style: TextStyle) -> Table {
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

fn verdict_cell(v: Verdict, color: bool) -> Cell {
    let c = Cell::new(v.as_str());
    if !color {
        return c;
    }
    match v {
        Verdict::Pass => c.fg(Color::Green),
        Verdict::Fail => c.fg(Color::Red),
        Verdict::Inconclusive => c.fg(Color::Yellow),
    }
}

fn context_text(ctx: &[ContextEntry]) -> String {
    ctx.iter()
        .map(|c| format!("{}={}", c.key, c.values.join(",")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The check report as a table grouped by feature, with per-feature and overall summaries.
pub fn report_table(
    w: &mut dyn Write,
    report: &Report,
    style: TextStyle,
    show_policies: bool,
) -> io::Result<()> {
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
    writeln!(w)?;
    let mut t = new_table(style);
    t.set_header(vec!["Feature", "Action", "Resource", "Verdict", "Why"]);
    let mut last_feature = "";
    for r in &report.rows {
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
        t.add_row(vec![
            Cell::new(feature),
            Cell::new(action),
            Cell::new(&r.resource),
            verdict_cell(r.verdict, style.color),
            Cell::new(&r.reason),
        ]);
    }
    writeln!(w, "{t}")?;
    writeln!(w)?;
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
        writeln!(
            w,
            "  {:width$}  {v}{pad}{} pass, {} fail, {} inconclusive",
            f.name, f.counts.pass, f.counts.fail, f.counts.inconclusive
        )?;
    }
    let s = &report.summary;
    writeln!(
        w,
        "Overall: {} ({} checks: {} pass, {} fail, {} inconclusive)",
        paint(s.verdict, style.color),
        s.total,
        s.counts.pass,
        s.counts.fail,
        s.counts.inconclusive
    )?;
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
                writeln!(
                    w,
                    "  [{}] {}: policy `{}` statement #{}{sid}: {}",
                    f.severity.as_str(),
                    f.code.as_str(),
                    f.policy,
                    f.statement,
                    f.message
                )?;
            }
        }
    }
    if show_policies {
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

/// The check report as JSON (schema `pydynox-iam/check/v1`, documented in the README).
pub fn report_json(w: &mut dyn Write, report: &Report) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, report)?;
    writeln!(w)
}

#[derive(Serialize)]
struct FeatureOut<'a> {
    name: &'a str,
    summary: &'a str,
    aliases: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    docs_note: Option<&'a str>,
    checks: Vec<CheckOut<'a>>,
}

#[derive(Serialize)]
struct CheckOut<'a> {
    action: &'a str,
    resource_kind: &'a str,
    resource: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    only_with: Option<&'a str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    context: &'a [ContextEntry],
}

#[derive(Serialize)]
struct CatalogueOut<'a> {
    pydynox_version: String,
    features: Vec<FeatureOut<'a>>,
}

fn catalogue_out<'a>(cat: &'a Catalogue, version: &Version) -> CatalogueOut<'a> {
    CatalogueOut {
        pydynox_version: version.to_string(),
        features: cat
            .features
            .iter()
            .map(|f| FeatureOut {
                name: &f.name,
                summary: &f.summary,
                aliases: cat.aliases_of(&f.name),
                docs_note: f.docs_note.as_deref(),
                checks: cat
                    .checks_for(f, version)
                    .map(|c| CheckOut {
                        action: &c.action,
                        resource_kind: &c.resource,
                        resource: cat
                            .resources
                            .get(&c.resource)
                            .map(|k| k.template.as_str())
                            .unwrap_or(""),
                        only_with: c.only_with.as_deref(),
                        context: &c.context,
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// `features --format json`.
pub fn features_json(w: &mut dyn Write, cat: &Catalogue, version: &Version) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, &catalogue_out(cat, version))?;
    writeln!(w)
}

/// `features` as a table: each feature, its aliases, the actions and resources it checks.
pub fn features_table(
    w: &mut dyn Write,
    cat: &Catalogue,
    version: &Version,
    style: TextStyle,
) -> io::Result<()> {
    let out = catalogue_out(cat, version);
    writeln!(
        w,
        "What pydynox {} needs from IAM, by feature:\n",
        out.pydynox_version
    )?;
    let mut t = new_table(style);
    t.set_header(vec!["Feature", "Actions", "Resource", "Notes"]);
    for f in &out.features {
        let actions = f
            .checks
            .iter()
            .map(|c| {
                let mut s = c.action.to_string();
                if !c.context.is_empty() {
                    s.push_str(&format!(" [{}]", context_text(c.context)));
                }
                if let Some(w) = c.only_with {
                    s.push_str(&format!(" (with --{w})"));
                }
                s
            })
            .collect::<Vec<_>>()
            .join("\n");
        let resources = f
            .checks
            .iter()
            .map(|c| c.resource)
            .collect::<Vec<_>>()
            .join("\n");
        let mut name = f.name.to_string();
        if !f.aliases.is_empty() {
            name.push_str(&format!("\n(alias: {})", f.aliases.join(", ")));
        }
        let mut notes = f.summary.to_string();
        if let Some(n) = f.docs_note {
            notes.push_str(&format!("\nDocs: {n}"));
        }
        t.add_row(vec![name, actions, resources, notes]);
    }
    writeln!(w, "{t}")
}
