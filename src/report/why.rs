//! `why`'s explanation of an AccessDenied: what AWS said, the pydynox features that make the
//! call, the verdict now with its fix, and advice the message itself gives; as text for
//! people or as JSON (schema `pydynox-iam/why/v1`). Writes to any `io::Write`.

use std::io::{self, Write};

use serde::Serialize;

use crate::needs::accessdenied::AccessDenied;
use crate::report::model::{Fix, Report, Verdict};
use crate::report::table::fix_block;

/// A pydynox feature that makes the denied call.
#[derive(Debug, Clone, Serialize)]
pub struct FeatureUse {
    pub name: String,
    pub summary: String,
}

/// The explanation, as JSON (`--format json`).
#[derive(Debug, Serialize)]
pub struct Explanation {
    pub schema: &'static str,
    pub access_denied: AccessDenied,
    /// The pydynox features whose calls AWS authorizes with this action.
    pub features: Vec<FeatureUse>,
    /// The verdict for this action and resource now.
    pub verdict: Verdict,
    pub reason: String,
    /// Statements to add, or what must change instead.
    pub fix: Option<Fix>,
    /// Guidance from the error message itself, where it names what this tool cannot see.
    pub advice: Vec<String>,
    pub report: Report,
}

/// The explanation as pretty JSON.
pub fn explanation_json(w: &mut dyn Write, e: &Explanation) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, e)?;
    writeln!(w)
}

/// The explanation for people: what AWS said, which features make the call, the verdict
/// now, the fix, advice and notes.
pub fn explanation_text(w: &mut dyn Write, e: &Explanation) -> io::Result<()> {
    let ad = &e.access_denied;
    let row = &e.report.rows[0];
    writeln!(
        w,
        "AccessDenied: `{}` calling {} on {}",
        ad.principal, ad.action, row.resource
    )?;
    writeln!(w, "  AWS said: {}", ad.cause)?;
    if e.report.principal.arn != ad.principal {
        writeln!(
            w,
            "  principal: {} `{}` ({})",
            e.report.principal.kind.as_str(),
            e.report.principal.name,
            e.report.principal.arn
        )?;
    }
    if e.features.is_empty() {
        writeln!(
            w,
            "  pydynox does not make this call in release {}",
            e.report.pydynox_version
        )?;
    } else {
        writeln!(w, "  pydynox features that make this call:")?;
        for f in &e.features {
            writeln!(w, "    - {}: {}", f.name, f.summary)?;
        }
    }
    writeln!(w)?;
    writeln!(
        w,
        "Now ({}): {} — {}",
        e.report.engine,
        e.verdict.as_str(),
        e.reason
    )?;
    if e.verdict == Verdict::Pass {
        writeln!(
            w,
            "  the policies allow it now: the error predates a policy change, or comes from what this engine cannot see (see the advice and notes below)"
        )?;
    }
    if let Some(fix) = &e.fix {
        writeln!(w)?;
        writeln!(w, "Fix:")?;
        fix_block(w, fix, "  ")?;
    }
    if !e.advice.is_empty() {
        writeln!(w)?;
        writeln!(w, "Advice:")?;
        for a in &e.advice {
            writeln!(w, "  - {a}")?;
        }
    }
    if !e.report.notes.is_empty() {
        writeln!(w)?;
        writeln!(w, "Notes:")?;
        for n in &e.report.notes {
            writeln!(w, "  - {n}")?;
        }
    }
    Ok(())
}
