//! Least-privilege findings, as the report carries them: what a statement grants that the
//! declared features do not need, with a stable kebab-case [`Code`] and a [`Severity`] the user
//! can raise or lower (`--severity CODE=LEVEL`). The analysis that finds them is
//! [`verdict::least_privilege`](crate::verdict::least_privilege); this is its output, so the
//! report model and the renderers need not import the analysis.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// How serious a finding is. Ordered: `Info` < `Low` < `Medium` < `High`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
}

impl Severity {
    pub const ALL: [Severity; 4] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }

    /// Case-insensitive.
    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = OverrideError;
    fn from_str(s: &str) -> Result<Severity, OverrideError> {
        Severity::parse(s).ok_or_else(|| OverrideError::UnknownSeverity(s.to_string()))
    }
}

/// Why a statement was flagged. The kebab-case names are stable: users raise or lower their
/// severity by name, and the JSON report carries them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Code {
    /// `excess-action` (medium): an Allow grants a dynamodb, kms or s3 action, in scope of the
    /// declared resources, that no declared pydynox feature needs (for example
    /// `dynamodb:DeleteTable` when table management is not declared).
    ExcessAction,
    /// `write-on-read-only` (high): every declared check only reads, yet an Allow grants write
    /// actions (reported instead of `excess-action` for those actions).
    WriteOnReadOnly,
    /// `resource-wildcard` (high): an Allow grants a dynamodb, kms or s3 action that has a
    /// resource type on `Resource: "*"`, or on a pattern that covers every resource of the
    /// service (`arn:aws:dynamodb:*:*:table/*`). `dynamodb:ListTables` on `*` is fine: it has
    /// no resource type.
    ResourceWildcard,
    /// `service-wildcard` (high): `dynamodb:*`, `kms:*`, `s3:*` or `*` in an Allow: every action
    /// of the service, including ones AWS adds later.
    ServiceWildcard,
    /// `allow-not-action` (high): an Allow with `NotAction` grants every action not listed.
    AllowNotAction,
    /// `allow-not-resource` (high): an Allow with `NotResource` grants on every resource not
    /// listed.
    AllowNotResource,
    /// `kms-alias-resource` (medium): a KMS alias ARN in an Allow's `Resource` for kms actions
    /// that are authorized on the key: the alias ARN does not authorize use of the key.
    KmsAliasResource,
    /// `unknown-action` (medium): an action name (no wildcard) of dynamodb, kms, s3 or sts that
    /// is not an IAM action, such as `dynamodb:TransactWriteItems`: it grants nothing.
    UnknownAction,
    /// `policy-unparseable` (high): an identity policy could not be parsed, so it was not
    /// checked.
    PolicyUnparseable,
    /// `beyond-prefix` (medium): an S3 object action the declared S3 attribute needs, granted
    /// on a pattern that also covers objects outside the prefix pydynox writes under (the whole
    /// bucket beside a declared prefix, or `media/docs*` for the prefix `docs/`).
    BeyondPrefix,
}

impl Code {
    pub const ALL: [Code; 10] = [
        Code::ExcessAction,
        Code::WriteOnReadOnly,
        Code::ResourceWildcard,
        Code::ServiceWildcard,
        Code::AllowNotAction,
        Code::AllowNotResource,
        Code::KmsAliasResource,
        Code::UnknownAction,
        Code::PolicyUnparseable,
        Code::BeyondPrefix,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Code::ExcessAction => "excess-action",
            Code::WriteOnReadOnly => "write-on-read-only",
            Code::ResourceWildcard => "resource-wildcard",
            Code::ServiceWildcard => "service-wildcard",
            Code::AllowNotAction => "allow-not-action",
            Code::AllowNotResource => "allow-not-resource",
            Code::KmsAliasResource => "kms-alias-resource",
            Code::UnknownAction => "unknown-action",
            Code::PolicyUnparseable => "policy-unparseable",
            Code::BeyondPrefix => "beyond-prefix",
        }
    }

    /// Case-insensitive on the kebab-case name.
    pub fn parse(s: &str) -> Option<Code> {
        Code::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(s.trim()))
    }

    /// The severity a finding gets unless the user overrides it.
    pub fn default_severity(self) -> Severity {
        match self {
            Code::ExcessAction
            | Code::KmsAliasResource
            | Code::UnknownAction
            | Code::BeyondPrefix => Severity::Medium,
            Code::WriteOnReadOnly
            | Code::ResourceWildcard
            | Code::ServiceWildcard
            | Code::AllowNotAction
            | Code::AllowNotResource
            | Code::PolicyUnparseable => Severity::High,
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Code {
    type Err = OverrideError;
    fn from_str(s: &str) -> Result<Code, OverrideError> {
        Code::parse(s).ok_or_else(|| OverrideError::UnknownCode(s.to_string()))
    }
}

/// A severity override the user wrote that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OverrideError {
    #[error("`{0}` is not CODE=SEVERITY (for example excess-action=low)")]
    Malformed(String),
    #[error("unknown finding code `{0}`; known codes: {known}", known = Code::ALL.map(Code::as_str).join(", "))]
    UnknownCode(String),
    #[error("unknown severity `{0}`; expected info, low, medium or high")]
    UnknownSeverity(String),
}

/// Parses `CODE=SEVERITY`, e.g. `excess-action=low`.
pub fn parse_override(s: &str) -> Result<(Code, Severity), OverrideError> {
    let (code, severity) = s
        .split_once('=')
        .ok_or_else(|| OverrideError::Malformed(s.to_string()))?;
    Ok((code.parse()?, severity.parse()?))
}

/// One thing a statement grants that it should not, or a policy that could not be checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub code: Code,
    pub severity: Severity,
    /// The policy's name, as fetched.
    pub policy: String,
    /// 0-based index in the policy's `Statement` list (0 for a single-object `Statement`).
    pub statement: usize,
    pub sid: Option<String>,
    pub message: String,
    /// The concrete excess actions for `excess-action`/`write-on-read-only`; the action
    /// patterns as written for the other codes.
    pub actions: Vec<String>,
    /// The statement's `Resource`/`NotResource` entries as written (for `resource-wildcard` and
    /// `kms-alias-resource`, only the offending ones).
    pub resources: Vec<String>,
    /// At or above `--fail-on`, so it fails the run (set by `Report::conclude`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fails: bool,
}

/// Sets the severity of every finding whose code is overridden (the last override of a code
/// wins), then sorts the findings again.
pub fn apply_overrides(findings: &mut [Finding], overrides: &[(Code, Severity)]) {
    for f in findings.iter_mut() {
        if let Some((_, s)) = overrides.iter().rev().find(|(c, _)| *c == f.code) {
            f.severity = *s;
        }
    }
    sort_findings(findings);
}

/// Severity (high first), then policy, statement, code and actions.
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.policy.cmp(&b.policy))
            .then_with(|| a.statement.cmp(&b.statement))
            .then_with(|| a.code.cmp(&b.code))
            .then_with(|| a.actions.cmp(&b.actions))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_severities_parse_and_serialize_stably() {
        for code in Code::ALL {
            assert_eq!(Code::parse(code.as_str()), Some(code));
            assert_eq!(
                serde_json::to_value(code).unwrap(),
                serde_json::Value::String(code.as_str().into())
            );
        }
        assert_eq!(Code::parse(" Excess-Action "), Some(Code::ExcessAction));
        assert_eq!(Code::parse("excess_action"), None);
        for s in Severity::ALL {
            assert_eq!(Severity::parse(s.as_str()), Some(s));
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                serde_json::Value::String(s.as_str().into())
            );
        }
        assert!(Severity::High > Severity::Medium && Severity::Low > Severity::Info);
        assert_eq!(
            parse_override("write-on-read-only=medium"),
            Ok((Code::WriteOnReadOnly, Severity::Medium))
        );
        let err = parse_override("excess=low").unwrap_err().to_string();
        assert!(
            err.contains("`excess`") && err.contains("excess-action"),
            "{err}"
        );
        assert!(
            parse_override("excess-action=urgent")
                .unwrap_err()
                .to_string()
                .contains("`urgent`")
        );
        assert!(matches!(
            parse_override("excess-action"),
            Err(OverrideError::Malformed(_))
        ));
    }
}
