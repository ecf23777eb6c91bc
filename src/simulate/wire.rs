//! The batch wire format of `simulate --requests`: one JSON object per input line, one JSON
//! result per output line, in order. Unknown input fields are rejected, so a misspelt
//! `boundry` cannot silently drop a boundary.
//!
//! Input: `{"principal": ARN, "action": A, "resource": R, "identity_policies": [{"name": N,
//! "document": {...}}], "boundary": {...} | null, "resource_policy": {...} | null,
//! "resource_policy_mode": "standard" | "kms", "context": {KEY: "v" | ["v1", "v2"] |
//! {"type": "ip", "value": "10.0.0.1"}}}`. A document may also be a string holding the policy
//! JSON, as `simulate-custom-policy` takes it.
//!
//! Output: `{"action", "resource", "decision", "matched": [{"policy", "statement", "sid"}],
//! "missing_context", "unsupported", "reasons", "errors", "org_policies_evaluated"}` (also the
//! JSON of single mode). `org_policies_evaluated` is false unless `--org-policies-file` gave the
//! organization's SCPs and RCPs: an `allowed` then holds only if they allow the call too.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::engine::{Decision, Evaluation, Reason};

/// One decided (or undecidable) request, as written in JSON output.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimResult {
    pub action: Option<String>,
    pub resource: Option<String>,
    pub decision: Decision,
    pub matched: Vec<MatchedWire>,
    pub missing_context: Vec<String>,
    pub unsupported: Vec<String>,
    pub reasons: Vec<Reason>,
    /// Input problems (a malformed batch line); non-empty means the decision is `indeterminate`.
    pub errors: Vec<String>,
    /// Whether the organization's SCPs and RCPs (`--org-policies-file`) were evaluated. When
    /// not, no SCP or RCP was: an `allowed` is not final (IAM User Guide, "Policy evaluation
    /// logic": an SCP or RCP that does not allow, or denies, overrides every Allow).
    pub org_policies_evaluated: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatchedWire {
    pub policy: String,
    pub statement: usize,
    pub sid: Option<String>,
}

impl SimResult {
    pub fn from_evaluation(action: String, resource: String, e: Evaluation) -> SimResult {
        SimResult {
            action: Some(action),
            resource: Some(resource),
            decision: e.decision,
            matched: e
                .matched
                .into_iter()
                .map(|m| MatchedWire {
                    policy: m.policy.into(),
                    statement: m.statement,
                    sid: m.sid.map(String::from),
                })
                .collect(),
            missing_context: e.missing_context,
            unsupported: e.unsupported,
            reasons: e.reasons,
            errors: Vec::new(),
            org_policies_evaluated: false,
        }
    }

    /// A request we could not even build: never allowed.
    pub fn malformed(
        action: Option<String>,
        resource: Option<String>,
        errors: Vec<String>,
    ) -> SimResult {
        SimResult {
            action,
            resource,
            decision: Decision::Indeterminate,
            matched: Vec::new(),
            missing_context: Vec::new(),
            unsupported: Vec::new(),
            reasons: Vec::new(),
            errors,
            org_policies_evaluated: false,
        }
    }
}

/// One input line of `--requests`. Policy documents stay raw JSON text borrowed from the line
/// (their syntax checked, no tree built): the [`PolicyCache`](super::cache::PolicyCache) looks
/// them up by that text and parses only documents it has not seen.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestLine<'a> {
    pub principal: String,
    pub action: String,
    pub resource: String,
    #[serde(default, borrow)]
    pub identity_policies: Vec<PolicyWire<'a>>,
    /// `null` is no boundary, as leaving the field out.
    #[serde(default, borrow)]
    pub boundary: Option<&'a RawValue>,
    #[serde(default, borrow)]
    pub resource_policy: Option<&'a RawValue>,
    #[serde(default)]
    pub resource_policy_mode: Option<ModeWire>,
    #[serde(default)]
    pub context: Option<ContextEntries>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyWire<'a> {
    /// Borrowed from the line unless it holds an escape.
    #[serde(borrow)]
    pub name: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    pub document: &'a RawValue,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModeWire {
    Standard,
    /// `kms_key_policy` is the engine's (and the conformance files') spelling.
    #[serde(alias = "kms_key_policy")]
    Kms,
}

/// A line's `context` object as written: every entry in order, a key given twice kept twice (a JSON
/// map would keep only the last), so the line can be refused instead of one value silently lost.
#[derive(Debug, Default)]
pub struct ContextEntries(pub Vec<(String, Value)>);

impl<'de> Deserialize<'de> for ContextEntries {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut out = Vec::new();
        // Values read strictly: `{"type": "ip", "value": A, "value": B}` is refused too.
        crate::engine::parse::each_entry(
            d,
            "an object of condition keys and values",
            crate::engine::parse::StrictValue,
            |k, v| {
                out.push((k, v));
                Ok(())
            },
        )?;
        Ok(ContextEntries(out))
    }
}

/// Names the batch gives the boundary and resource policy in reasons (lines carry bare documents).
pub const BOUNDARY_NAME: &str = "boundary";
pub const RESOURCE_POLICY_NAME: &str = "resource_policy";

/// serde_json's message without its ` at line 1 column N` suffix (each input line is its own document),
/// with the column in front.
pub fn line_error(n: usize, e: &serde_json::Error) -> String {
    let msg = e.to_string();
    let msg = msg
        .rsplit_once(" at line ")
        .map_or(msg.as_str(), |(m, _)| m);
    if e.column() > 0 {
        format!("line {n}, column {}: {msg}", e.column())
    } else {
        format!("line {n}: {msg}")
    }
}
