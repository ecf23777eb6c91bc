//! `why`'s explanation of each AccessDenied: what AWS said and what it means, the pydynox
//! features that make the call, the verdict now with its fix (when the message, with the
//! flags, says who was denied what on which resource), advice the message itself gives, and
//! what to supply or run to finish; as text for people or as JSON (schema
//! `pydynox-iam/why/v2`). Writes to any `io::Write`.

use std::io::{self, Write};

use serde::Serialize;

use crate::needs::accessdenied::{AccessDenied, Shape};
use crate::report::model::{Fix, Report, Verdict};
use crate::report::table::fix_block;

/// A pydynox feature that makes the denied call.
#[derive(Debug, Clone, Serialize)]
pub struct FeatureUse {
    pub name: String,
    pub summary: String,
}

/// What was evaluated: from the message, completed by `--principal`/`--resource`/`--kms-key`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evaluated {
    pub principal: String,
    pub action: String,
    pub resource: String,
}

/// The explanation of one message, as JSON (`--format json`); the first message's carries
/// the others in `others`.
#[derive(Debug, Serialize)]
pub struct Explanation {
    pub schema: &'static str,
    pub access_denied: AccessDenied,
    /// What the message means, before any policy is read.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub meaning: Vec<String>,
    /// The pydynox features whose calls AWS authorizes with this action.
    pub features: Vec<FeatureUse>,
    /// The principal, action and resource evaluated; `None` when the message (with the
    /// flags) does not name all three.
    pub evaluated: Option<Evaluated>,
    /// The verdict for this action and resource now; `None` when not evaluated.
    pub verdict: Option<Verdict>,
    pub reason: Option<String>,
    /// Statements to add, or what must change instead.
    pub fix: Option<Fix>,
    /// Guidance from the error message itself, where it names what this tool cannot see.
    pub advice: Vec<String>,
    /// What to supply (a flag) or run (a command) to finish the diagnosis.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub next_steps: Vec<String>,
    pub report: Option<Report>,
    /// The other messages of the same paste, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub others: Vec<Explanation>,
}

/// The explanations as pretty JSON: the first message's object, with the others in `others`.
pub fn explanations_json(w: &mut dyn Write, all: &[Explanation]) -> io::Result<()> {
    #[derive(Serialize)]
    struct First<'a> {
        #[serde(flatten)]
        first: &'a Explanation,
        #[serde(skip_serializing_if = "<[_]>::is_empty")]
        others: &'a [Explanation],
    }
    let Some((first, rest)) = all.split_first() else {
        return Ok(());
    };
    if rest.is_empty() {
        serde_json::to_writer_pretty(&mut *w, first)?;
    } else {
        serde_json::to_writer_pretty(
            &mut *w,
            &First {
                first,
                others: rest,
            },
        )?;
    }
    writeln!(w)
}

/// The explanations for people, one after the other.
pub fn explanations_text(w: &mut dyn Write, all: &[Explanation]) -> io::Result<()> {
    for (n, e) in all.iter().enumerate() {
        if all.len() > 1 {
            if n > 0 {
                writeln!(w)?;
            }
            writeln!(w, "== Message {} of {} ==", n + 1, all.len())?;
        }
        explanation_text(w, e)?;
    }
    Ok(())
}

fn or_unknown(v: Option<&str>, what: &str) -> String {
    v.map(|v| format!("`{v}`"))
        .unwrap_or_else(|| format!("({what} not named)"))
}

/// One explanation for people: what AWS said and what it means, which features make the
/// call, the verdict now, the fix, advice and what to do next.
pub fn explanation_text(w: &mut dyn Write, e: &Explanation) -> io::Result<()> {
    let ad = &e.access_denied;
    let kind = match ad.shape {
        Shape::NotAuthorized => "AccessDenied",
        Shape::KmsCiphertext => "AccessDenied (KMS: the ciphertext's key)",
        Shape::AssumeRoleNotAuthorized => "AccessDenied (STS: not authorized to assume the role)",
        Shape::RootCannotAssumeRoles => "AccessDenied (STS: root cannot assume roles)",
        Shape::BareAccessDenied => "AccessDenied (no details)",
    };
    writeln!(
        w,
        "{kind}: {} calling {} on {}",
        or_unknown(ad.principal.as_deref(), "principal"),
        ad.action
            .as_deref()
            .or(ad.operation.as_deref())
            .unwrap_or("(action not named)"),
        or_unknown(ad.resource.as_deref(), "resource")
    )?;
    writeln!(
        w,
        "  AWS said: {}{}",
        ad.cause,
        ad.through
            .as_ref()
            .map(|t| format!(" transitively through {t}"))
            .unwrap_or_default()
    )?;
    if let Some(code) = &ad.error_code {
        writeln!(
            w,
            "  error code: {code}{}",
            ad.operation
                .as_deref()
                .map(|o| format!(", operation {o}"))
                .unwrap_or_default()
        )?;
    }
    if let Some(report) = &e.report
        && Some(report.principal.arn.as_str()) != ad.principal.as_deref()
    {
        writeln!(
            w,
            "  principal: {} `{}` ({})",
            report.principal.kind.as_str(),
            report.principal.name,
            report.principal.arn
        )?;
    }
    for m in &e.meaning {
        writeln!(w, "  - {m}")?;
    }
    if e.features.is_empty() {
        match &e.report {
            Some(r) => writeln!(
                w,
                "  pydynox does not make this call in release {}",
                r.pydynox_version
            )?,
            None => writeln!(w, "  pydynox features that make this call: none known")?,
        }
    } else {
        writeln!(w, "  pydynox features that make this call:")?;
        for f in &e.features {
            writeln!(w, "    - {}: {}", f.name, f.summary)?;
        }
    }
    if let (Some(verdict), Some(report)) = (e.verdict, &e.report) {
        writeln!(w)?;
        writeln!(
            w,
            "Now ({}): {} — {}",
            report.engine,
            verdict.as_str(),
            e.reason.as_deref().unwrap_or_default()
        )?;
        if verdict == Verdict::Pass {
            writeln!(
                w,
                "  the policies allow it now: the error predates a policy change, or comes from what this engine cannot see (see the advice and notes below)"
            )?;
        }
    } else if let Some(ev) = &e.evaluated {
        writeln!(w)?;
        writeln!(
            w,
            "Not evaluated: `{}` calling {} on `{}`",
            ev.principal, ev.action, ev.resource
        )?;
    } else if ad.shape == Shape::RootCannotAssumeRoles
        || ad.principal_is_root()
        || ad.principal_is_anonymous()
    {
        writeln!(w)?;
        writeln!(
            w,
            "Not evaluated: no IAM policy of the caller decides this (see above)"
        )?;
    } else {
        writeln!(w)?;
        writeln!(
            w,
            "Not evaluated: the message does not say who was denied what on which resource"
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
    if !e.next_steps.is_empty() {
        writeln!(w)?;
        writeln!(w, "To finish:")?;
        for s in &e.next_steps {
            writeln!(w, "  - {s}")?;
        }
    }
    if let Some(report) = &e.report
        && !report.notes.is_empty()
    {
        writeln!(w)?;
        writeln!(w, "Notes:")?;
        for n in &report.notes {
            writeln!(w, "  - {n}")?;
        }
    }
    Ok(())
}
