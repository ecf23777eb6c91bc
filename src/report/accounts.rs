//! The accounts of a run as every report shows them: for `--accounts`/`--organization` each
//! account (how it was entered, whether it was checked, skipped or could not be entered, and
//! why), and for `--all-roles` the roles the read found that were not checked (no pydynox tags,
//! or tags the read did not hold). Must not decide verdicts or exit codes (it is given them).

use std::io::{self, Write};

use serde::Serialize;

/// One account of the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountEntry {
    /// The 12-digit account id.
    pub id: String,
    /// Its name in the organization (`--organization`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// How it was entered: `caller` (the caller's own account, with its own credentials),
    /// `assume-role` (`sts:AssumeRole` of `role_arn`), `none` (skipped, or could not be).
    pub entered: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    /// `checked`, `skipped` (not ACTIVE in the organization), `not-entered` (the role could
    /// not be assumed) or `read-failed` (its roles could not be read).
    pub status: &'static str,
    /// Why it was skipped or could not be entered or read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The account's exit code (0 for a skipped account; the worst of its services').
    pub exit_code: i32,
    /// Services (principals) checked in it.
    pub services: usize,
    /// `--all-roles`: roles selected by the filters that carry no `pydynox:*` tags (not
    /// checked, never PASS).
    pub not_described: Vec<String>,
    /// `--all-roles`: roles whose tags the read did not hold (no `Tags` element): whether they
    /// describe a check is not known (not checked, never PASS).
    pub tags_not_read: Vec<String>,
}

impl AccountEntry {
    /// A line for a person: the account, how it went, and its roles not checked.
    pub fn line(&self) -> String {
        let name = self
            .name
            .as_deref()
            .filter(|n| !n.is_empty())
            .map(|n| format!(" ({n})"))
            .unwrap_or_default();
        let how = match (self.status, &self.role_arn) {
            ("checked", Some(r)) => format!("checked through {r}, {} services", self.services),
            ("checked", None) => format!("checked as the caller, {} services", self.services),
            (s, _) => s.to_string(),
        };
        let mut line = format!("{}{name}: {how}", self.id);
        if let Some(r) = &self.reason {
            line.push_str(&format!(": {r}"));
        }
        if !self.not_described.is_empty() {
            line.push_str(&format!(
                "; not described (no pydynox:* tags, not checked): {} roles: {}",
                self.not_described.len(),
                self.not_described.join(", ")
            ));
        }
        if !self.tags_not_read.is_empty() {
            line.push_str(&format!(
                "; tags not read (not checked): {} roles: {}",
                self.tags_not_read.len(),
                self.tags_not_read.join(", ")
            ));
        }
        line
    }
}

/// The accounts as text, after the table (or a Markdown list).
pub fn accounts_text(
    w: &mut dyn Write,
    accounts: &[AccountEntry],
    markdown: bool,
) -> io::Result<()> {
    if accounts.is_empty() {
        return Ok(());
    }
    if markdown {
        writeln!(w, "\n### Accounts\n")?;
    } else {
        writeln!(w, "\nAccounts:")?;
    }
    for a in accounts {
        if markdown {
            writeln!(w, "- {}", a.line().replace('|', "\\|"))?;
        } else {
            writeln!(w, "  {}", a.line())?;
        }
    }
    Ok(())
}

/// What was found but not checked, for the CI formats: (account, name, why), for each role
/// not described or whose tags were not read, and each account skipped.
pub fn unchecked(accounts: &[AccountEntry]) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for a in accounts {
        if a.status == "skipped" {
            out.push((
                a.id.clone(),
                "(account)".to_string(),
                a.reason.clone().unwrap_or_else(|| "skipped".into()),
            ));
        }
        for r in &a.not_described {
            out.push((
                a.id.clone(),
                r.clone(),
                "not described: no pydynox:* tags (not checked)".into(),
            ));
        }
        for r in &a.tags_not_read {
            out.push((
                a.id.clone(),
                r.clone(),
                "tags not read: the account read holds no Tags for this role (not checked)".into(),
            ));
        }
    }
    out
}
