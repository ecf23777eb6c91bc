//! Reads AccessDenied errors as applications log them (botocore and the AWS CLI, the Rust, Go,
//! Java and JavaScript SDKs, pydynox's Python exceptions, Lambda/CloudWatch JSON lines, S3 XML
//! bodies, Step Functions JSON) into what each one says: principal, action, resource, cause,
//! and which of AWS's message shapes it is. Pure string handling: must not call AWS, read files
//! or print.
//!
//! The message shapes follow the IAM User Guide page "Troubleshoot access denied error
//! messages" (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html):
//! `User: <principal> is not authorized to perform: <action> [on resource: <resource>] because
//! no <policy type> allows the <action> action`, or `... with an explicit deny in a <policy
//! type>[: <policy ARN>]`. That page's own wordings are all read: "sessions policy" for a
//! session policy, "because the role trust policy allows" (sic) and "explicit deny in the role
//! trust policy", and "with an explicit deny in a VPC endpoint policy transitively through a
//! service control policy", whose fix the page places in the SCPs. The page also says an SCP
//! denial is always worded as an explicit deny, even when it is a missing Allow.
//!
//! Messages that name less are read too, and say what they name: KMS's `on this resource`,
//! KMS's Decrypt failure "The ciphertext refers to a customer master key that does not exist,
//! does not exist in this region, or you are not allowed to access", S3's bare "Access Denied"
//! (S3 leaves the details out for callers outside the bucket owner's account or
//! organization), STS's "Not authorized to perform sts:AssumeRole" and "Roles may not be
//! assumed by root accounts". A paste may hold several messages: each is read.
//!
//! What is extracted is validated: a principal must be an IAM or STS principal ARN, an action
//! of DynamoDB, KMS, S3 or STS must exist in the action list, a resource must be an ARN of the
//! action's service and one of its resource types. A value cut off by the log, redacted, or
//! malformed is kept in [`AccessDenied::invalid`] with what is wrong, and never in the field
//! that the rest of the tool evaluates.

use serde::Serialize;

use crate::iam::arn::{Arn, ArnError, PrincipalRef, principal_from_arn};

/// One AccessDenied error, as AWS worded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessDenied {
    /// Which of AWS's message shapes this is.
    pub shape: Shape,
    /// The principal ARN as printed: an IAM user (with its path), an IAM role, an assumed-role
    /// session (`arn:aws:sts::A:assumed-role/Role/session`, which never carries the role's
    /// path), a federated user, the root user, or `anonymous` (an unsigned request). `None`
    /// when the message names none, or what it names is not usable (see `invalid`).
    pub principal: Option<String>,
    /// `service:Action`, with the service prefix in lowercase (`SNS:Publish` → `sns:Publish`).
    pub action: Option<String>,
    /// The resource the message names, or `*` for an action that has no resource type (AWS
    /// prints `table/*` for `dynamodb:ListTables`); `None` when it names none (KMS says `on
    /// this resource`) or what it names is not usable.
    pub resource: Option<String>,
    pub cause: Cause,
    /// The explicit deny was reached through another policy type (AWS: "... transitively
    /// through a service control policy").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub through: Option<DenySource>,
    /// The service: the action's prefix, else what the SDK wrapper, the operation or the
    /// message itself shows (`dynamodb`, `kms`, `s3`, `sts`).
    pub service: Option<String>,
    /// The error code as printed (`AccessDeniedException`, `AccessDenied`, ...).
    pub error_code: Option<String>,
    /// The API operation, when the text names it (`PutItem` from botocore's
    /// `when calling the PutItem operation`, or the Go SDK's `operation error DynamoDB: PutItem`).
    pub operation: Option<String>,
    /// The policy an explicit deny names (`... in a service control policy: arn:aws:organizations::...`).
    pub denying_policy: Option<String>,
    /// Values the message holds that cannot be used: cut off, redacted or malformed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub invalid: Vec<Invalid>,
    /// Readings made on the way (`table/*` read as "no resource type").
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl AccessDenied {
    /// The principal as a role or user to audit. A session ARN gives the role's name (its
    /// path is not in the session ARN, so look the role up by name).
    pub fn principal_ref(&self) -> Result<PrincipalRef, ArnError> {
        match &self.principal {
            Some(p) => principal_from_arn(p),
            None => Err(ArnError::NotAPrincipal(String::new())),
        }
    }

    /// Whether the principal is the account's root user.
    pub fn principal_is_root(&self) -> bool {
        self.principal
            .as_deref()
            .and_then(Arn::parse)
            .is_some_and(|a| a.service == "iam" && a.resource == "root")
    }

    /// Whether the request was unsigned (`User: anonymous`).
    pub fn principal_is_anonymous(&self) -> bool {
        self.principal.as_deref() == Some("anonymous")
    }

    fn empty(shape: Shape) -> AccessDenied {
        AccessDenied {
            shape,
            principal: None,
            action: None,
            resource: None,
            cause: Cause::Unspecified,
            through: None,
            service: None,
            error_code: None,
            operation: None,
            denying_policy: None,
            invalid: Vec::new(),
            notes: Vec::new(),
        }
    }
}

/// The message shapes AWS and the SDKs print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Shape {
    /// `User: ... is not authorized to perform: ...` (all parts optional but the phrase).
    NotAuthorized,
    /// KMS Decrypt: "The ciphertext refers to a customer master key that does not exist, does
    /// not exist in this region, or you are not allowed to access".
    KmsCiphertext,
    /// STS: "Not authorized to perform sts:AssumeRole" (no principal, no role).
    AssumeRoleNotAuthorized,
    /// STS: "Roles may not be assumed by root accounts".
    RootCannotAssumeRoles,
    /// S3's (and others') bare "Access Denied", or an AccessDenied error code with no text.
    BareAccessDenied,
}

/// A value the message holds that is not used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Invalid {
    /// `principal`, `action`, `resource` or `denying_policy`.
    pub field: &'static str,
    pub value: String,
    pub problem: Problem,
}

/// What is wrong with a value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "detail")]
pub enum Problem {
    /// The log cut the message off inside it.
    Truncated,
    /// Replaced by `*redacted*`, `***`, `<account-id>`, `XXXXXXXXXXXX` and the like.
    Redacted,
    /// Not what AWS would print there; says why.
    Malformed(String),
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match self.field {
            "denying_policy" => "the denying policy",
            other => other,
        };
        match &self.problem {
            Problem::Truncated => write!(
                f,
                "the {what} `{}` is cut off (the log truncated the message)",
                self.value
            ),
            Problem::Redacted => write!(f, "the {what} `{}` is redacted", self.value),
            Problem::Malformed(why) => write!(f, "the {what} `{}` {why}", self.value),
        }
    }
}

/// Why AWS denied the request, as the message states it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// `because no identity-based policy allows the X action`.
    NoIdentityPolicy,
    /// `because no permissions boundary allows the X action`.
    NoPermissionsBoundaryAllow,
    /// `because no session policy allows the X action`.
    NoSessionPolicyAllow,
    /// `because no resource-based policy allows the X action`.
    NoResourcePolicyAllow,
    /// `because no <type> allows the X action` for a policy type without a variant of its own:
    /// service control policies, resource control policies, VPC endpoint policies, role trust
    /// policies, or a wording this parser does not know (kept in [`DenySource::Unknown`]).
    NoOtherPolicyAllow(DenySource),
    /// `with an explicit deny in a <type>`.
    ExplicitDeny(DenySource),
    /// KMS: `because the resource does not exist in this Region, no resource-based policies
    /// allow access, or a resource-based policy explicitly denies access`.
    KmsKeyUnavailable,
    /// The message states no cause (older messages, or callers outside the owner's
    /// account or organization).
    Unspecified,
}

/// The kind of policy a denial came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DenySource {
    IdentityPolicy,
    PermissionsBoundary,
    ServiceControlPolicy,
    ResourceControlPolicy,
    ResourcePolicy,
    SessionPolicy,
    VpcEndpointPolicy,
    RoleTrustPolicy,
    /// A policy type this parser does not know, as worded (lowercase); empty when the message
    /// says only `with an explicit deny`.
    Unknown(String),
}

impl DenySource {
    /// The policy type as people say it, without an article: "VPC endpoint policy".
    pub fn name(&self) -> &str {
        match self {
            DenySource::IdentityPolicy => "identity-based policy",
            DenySource::PermissionsBoundary => "permissions boundary",
            DenySource::ServiceControlPolicy => "service control policy",
            DenySource::ResourceControlPolicy => "resource control policy",
            DenySource::ResourcePolicy => "resource-based policy",
            DenySource::SessionPolicy => "session policy",
            DenySource::VpcEndpointPolicy => "VPC endpoint policy",
            DenySource::RoleTrustPolicy => "role trust policy",
            DenySource::Unknown(s) if s.is_empty() => "policy the message does not name",
            DenySource::Unknown(s) => s,
        }
    }
}

impl std::fmt::Display for DenySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = self.name();
        let article = if name.starts_with(['a', 'e', 'i', 'o', 'u', 'A', 'E', 'I', 'O', 'U']) {
            "an"
        } else {
            "a"
        };
        write!(f, "{article} {name}")
    }
}

impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cause::NoIdentityPolicy => f.write_str("no identity-based policy allows it"),
            Cause::NoPermissionsBoundaryAllow => {
                f.write_str("the permissions boundary does not allow it")
            }
            Cause::NoSessionPolicyAllow => f.write_str("the session policy does not allow it"),
            Cause::NoResourcePolicyAllow => f.write_str("no resource-based policy allows it"),
            Cause::NoOtherPolicyAllow(s) => write!(f, "no {} allows it", s.name()),
            Cause::ExplicitDeny(s) => write!(f, "an explicit deny in {s}"),
            Cause::KmsKeyUnavailable => f.write_str(
                "the key does not exist in this region, no key policy allows it, or a key policy denies it",
            ),
            Cause::Unspecified => f.write_str("the message does not say why"),
        }
    }
}

/// The parts of a text that were recognised, for [`ParseError`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Found {
    pub error_code: Option<String>,
    pub operation: Option<String>,
}

impl Found {
    fn describe(&self) -> String {
        let parts: Vec<String> = [
            ("the error code", &self.error_code),
            ("the operation", &self.operation),
        ]
        .into_iter()
        .filter_map(|(what, v)| v.as_ref().map(|v| format!("{what} `{v}`")))
        .collect();
        parts.join(" and ")
    }
}

const EXPECTED_SHAPE: &str = "`User: arn:aws:... is not authorized to perform: service:Action on resource: ...`, `Access Denied`, or an AccessDenied error code";

fn found_suffix(found: &Found) -> String {
    match found.describe() {
        d if d.is_empty() => String::new(),
        d => format!("; found only {d}"),
    }
}

/// Why a text could not be read as an AccessDenied message; says what was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("the text is empty; paste the AccessDenied error as the application logged it")]
    Empty,
    #[error("no AccessDenied message found (expected {}){}", EXPECTED_SHAPE, found_suffix(.found))]
    NoDenial { found: Box<Found> },
}

/// Reads the first AccessDenied message of a text (see [`parse_all`]).
pub fn parse(text: &str) -> Result<AccessDenied, ParseError> {
    parse_all(text).map(|mut all| all.swap_remove(0))
}

/// Reads every AccessDenied message of a text, in order, each once (the Rust SDK's Debug
/// output repeats a message; a Java exception repeats its cause). Surrounding log noise,
/// line breaks, JSON strings nested at any depth, HTML escapes, typographic quotes, ANSI
/// colour codes, Python reprs and SDK wrappers are tolerated. Never empty when `Ok`.
pub fn parse_all(text: &str) -> Result<Vec<AccessDenied>, ParseError> {
    if text.trim().is_empty() {
        return Err(ParseError::Empty);
    }
    let text = normalise(text);
    let lower = text.to_ascii_lowercase();
    let anchors = anchors(&lower);
    if anchors.is_empty() {
        let error_code = error_code(&text, &lower, 0, text.len());
        let operation = operation(&text, &lower, 0, text.len());
        if let Some(code) = error_code.as_deref().filter(|c| is_denial_code(c)) {
            // An AccessDenied code with a message this parser does not know: still a denial.
            let mut ad = AccessDenied::empty(Shape::BareAccessDenied);
            ad.error_code = Some(code.to_string());
            ad.operation = operation;
            finish(&mut ad, &text, &lower, 0, text.len());
            return Ok(vec![ad]);
        }
        return Err(ParseError::NoDenial {
            found: Box::new(Found {
                error_code,
                operation,
            }),
        });
    }
    let mut out: Vec<AccessDenied> = Vec::new();
    for (n, &(at, kind)) in anchors.iter().enumerate() {
        let start = if n == 0 { 0 } else { anchors[n - 1].0 };
        let end = anchors.get(n + 1).map_or(text.len(), |a| a.0);
        let mut ad = match kind {
            Shape::NotAuthorized => not_authorized(&text, &lower, at, end),
            Shape::AssumeRoleNotAuthorized => {
                let mut ad = AccessDenied::empty(kind);
                let p = at + "not authorized to perform ".len();
                ad.action = normalise_action(trim_token(token(&text, p, end)))
                    .or(Some("sts:AssumeRole".into()));
                ad
            }
            Shape::RootCannotAssumeRoles => {
                let mut ad = AccessDenied::empty(kind);
                ad.action = Some("sts:AssumeRole".into());
                ad
            }
            Shape::KmsCiphertext => {
                let mut ad = AccessDenied::empty(kind);
                ad.action = Some("kms:Decrypt".into());
                ad
            }
            Shape::BareAccessDenied => AccessDenied::empty(kind),
        };
        ad.error_code = error_code(&text, &lower, start, end)
            .or_else(|| error_code(&text, &lower, 0, text.len()));
        ad.operation = operation(&text, &lower, start, end)
            .or_else(|| operation(&text, &lower, 0, text.len()));
        finish(&mut ad, &text, &lower, start, end);
        if !out.contains(&ad) {
            out.push(ad);
        }
    }
    Ok(out)
}

const ANCHOR: &str = "is not authorized to perform";

/// Where each message starts, and its shape, in order.
fn anchors(lower: &str) -> Vec<(usize, Shape)> {
    let mut out: Vec<(usize, Shape)> = lower
        .match_indices(ANCHOR)
        .map(|(i, _)| (i, Shape::NotAuthorized))
        .collect();
    for (i, _) in lower.match_indices("not authorized to perform sts:assume") {
        if !lower[..i].ends_with("is ") {
            out.push((i, Shape::AssumeRoleNotAuthorized));
        }
    }
    for (i, _) in lower.match_indices("roles may not be assumed by root accounts") {
        out.push((i, Shape::RootCannotAssumeRoles));
    }
    for (i, _) in lower.match_indices("ciphertext refers to a ") {
        out.push((i, Shape::KmsCiphertext));
    }
    let others: Vec<usize> = out.iter().map(|a| a.0).collect();
    for (i, _) in lower.match_indices("access denied") {
        let before_ok = !lower[..i].ends_with(|c: char| c.is_ascii_alphanumeric());
        let after = &lower[i + "access denied".len()..];
        let after = after.strip_prefix('.').unwrap_or(after);
        // `Access Denied` ends the message, or is followed by markup, a quote or the SDK's
        // `(Service: ...)`; pydynox's `Access denied to DynamoDB: User: ...` is not a bare one.
        let after_ok = after.is_empty()
            || after.starts_with(['<', '"', '\'', '(', ')', ',', ';', '}', ']', '`'])
            || after.starts_with(" (")
            || after.starts_with(" ,")
            || (after.starts_with(' ')
                && !after.starts_with(" to ")
                && !after.starts_with(" for ")
                && !after.starts_with(": "));
        let near_other = others.iter().any(|&o| o >= i && o - i < 120);
        if before_ok && after_ok && !near_other {
            out.push((i, Shape::BareAccessDenied));
        }
    }
    out.sort_by_key(|a| a.0);
    out
}

/// Reads `User: P is not authorized to perform: A [on resource: R] [cause]` at `at`.
fn not_authorized(text: &str, lower: &str, at: usize, end: usize) -> AccessDenied {
    let mut ad = AccessDenied::empty(Shape::NotAuthorized);
    ad.principal = principal_before(text, at);

    // `is not authorized to perform: dynamodb:PutItem`
    let mut pos = at + ANCHOR.len();
    pos = skip(text, pos, |c| c == ':' || c == ' ');
    let rest = &text[pos..end.max(pos)];
    let run = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || ":-_*".contains(c)))
        .unwrap_or(rest.len());
    let raw_action = if run == 0 {
        token(text, pos, end)
    } else {
        &rest[..run]
    };
    let trimmed = trim_token(raw_action);
    let lower_action = trimmed.to_ascii_lowercase();
    let is_clause = ["on", "because", "with", "due"].contains(&lower_action.as_str());
    if !trimmed.is_empty() && !is_clause {
        match normalise_action(trimmed) {
            Some(a) => ad.action = Some(a),
            None => ad.invalid.push(Invalid {
                field: "action",
                value: trimmed.to_string(),
                problem: value_problem(trimmed, "is not an IAM action (`service:Action`)"),
            }),
        }
        pos += raw_action.len();
    }

    let rest_lower = &lower[pos..end];
    let rest = rest_lower.trim_start();
    let offset = pos + (rest_lower.len() - rest.len());
    if rest.starts_with("on resource") {
        let mut p = offset + "on resource".len();
        p = skip(text, p, |c| c == ':' || c == ' ');
        let (value, used) = resource_value(text, p, end);
        if !value.is_empty() {
            ad.resource = Some(value);
        }
        pos = p + used;
    }
    // `on this resource`: KMS names no key; resource stays None.
    let (cause, denying_policy, through) = cause(text, lower, pos, end);
    ad.cause = cause;
    ad.denying_policy = denying_policy;
    ad.through = through;
    ad
}

/// The principal before `is not authorized`: `User: arn:...`, `User:arn:...` or a bare ARN.
fn principal_before(text: &str, at: usize) -> Option<String> {
    let mut tokens = text[..at].split_whitespace().rev();
    let last = tokens.next()?;
    let previous = tokens.next().unwrap_or("");
    let lower_last = last.to_ascii_lowercase();
    let candidate = if let Some(i) = lower_last.find("user:").filter(|_| last.len() > 5) {
        &last[i + 5..]
    } else if previous.to_ascii_lowercase().ends_with("user:") {
        last
    } else if let Some(i) = last.find("arn:") {
        &last[i..]
    } else if last.contains(":role/") || last.contains(":user/") || last.contains(":assumed-role/")
    {
        last
    } else {
        return None;
    };
    let candidate = trim_token(candidate);
    (!candidate.is_empty()).then(|| candidate.to_string())
}

/// A resource after `on resource:`; S3 quotes it. Returns the value and the bytes consumed.
/// An unquoted value ends where no ARN character can be: a quote, a bracket, a backslash or
/// markup (so `table/users","errorStack":...` from a JSON line stops at `users`).
fn resource_value(text: &str, pos: usize, end: usize) -> (String, usize) {
    let rest = &text[pos..end.max(pos)];
    if let Some(quoted) = rest.strip_prefix(['"', '\'', '`'])
        && let Some(close) = quoted.find(['"', '\'', '`'])
    {
        return (quoted[..close].trim().to_string(), close + 2);
    }
    let len = rest
        .find(|c: char| c.is_whitespace() || "\"'`<>{}()[]\\|".contains(c))
        .unwrap_or(rest.len());
    (trim_token(&rest[..len]).to_string(), len)
}

type CauseParts = (Cause, Option<String>, Option<DenySource>);

/// Finds the `because no ... allows` or `explicit deny in ...` clause after `from`.
fn cause(text: &str, lower: &str, from: usize, end: usize) -> CauseParts {
    let window = &lower[from..end];
    if window.contains("because the resource does not exist in this region") {
        return (Cause::KmsKeyUnavailable, None, None);
    }
    let because = window.find("because no ");
    let trust = window.find("because the role trust policy");
    let explicit = window.find("explicit deny");
    let implicit = window.find("implicit deny in ");
    let first = [because, trust, explicit, implicit]
        .into_iter()
        .flatten()
        .min();
    let Some(first) = first else {
        return (Cause::Unspecified, None, None);
    };
    if Some(first) == trust {
        return (
            Cause::NoOtherPolicyAllow(DenySource::RoleTrustPolicy),
            None,
            None,
        );
    }
    if Some(first) == because {
        let p = first + "because no ".len();
        let source = policy_type_len(&window[p..], " allows").0;
        return (no_allow(source), None, None);
    }
    if Some(first) == implicit {
        let p = first + "implicit deny in ".len();
        let source = policy_type_len(strip_article(&window[p..]), "").0;
        return (no_allow(source), None, None);
    }
    // `with an explicit deny` alone (older messages), or `... in a <type>[: <policy ARN>]`.
    let after = &window[first + "explicit deny".len()..];
    let Some(typed) = after.strip_prefix(" in ") else {
        return (
            Cause::ExplicitDeny(DenySource::Unknown(String::new())),
            None,
            None,
        );
    };
    let typed = strip_article(typed);
    let (source, used) = policy_type_len(typed, "");
    let after_type = &typed[used..];
    let through = after_type
        .trim_start()
        .strip_prefix("transitively through ")
        .map(|t| policy_type_len(strip_article(t), "").0);
    // Offsets into `window` (lowercase) equal offsets into `text`: ASCII lowercasing keeps lengths.
    let typed_at = from + (window.len() - typed.len()) + used;
    let denying_policy = policy_arn(text, typed_at, end);
    (Cause::ExplicitDeny(source), denying_policy, through)
}

fn no_allow(source: DenySource) -> Cause {
    match source {
        DenySource::IdentityPolicy => Cause::NoIdentityPolicy,
        DenySource::PermissionsBoundary => Cause::NoPermissionsBoundaryAllow,
        DenySource::SessionPolicy => Cause::NoSessionPolicyAllow,
        DenySource::ResourcePolicy => Cause::NoResourcePolicyAllow,
        other => Cause::NoOtherPolicyAllow(other),
    }
}

fn strip_article(s: &str) -> &str {
    ["a ", "an ", "the "]
        .iter()
        .find_map(|a| s.strip_prefix(a))
        .unwrap_or(s)
}

/// Policy-type wordings AWS uses, lowercase; longer first where one starts another.
const POLICY_TYPES: [(&str, DenySource); 11] = [
    ("identity-based policy", DenySource::IdentityPolicy),
    ("identity based policy", DenySource::IdentityPolicy),
    ("permissions boundary", DenySource::PermissionsBoundary),
    ("permission boundary", DenySource::PermissionsBoundary),
    ("service control policy", DenySource::ServiceControlPolicy),
    ("resource control policy", DenySource::ResourceControlPolicy),
    ("resource-based policy", DenySource::ResourcePolicy),
    // AWS's own wording on the troubleshooting page: "with an explicit deny in a sessions policy".
    ("sessions policy", DenySource::SessionPolicy),
    ("session policy", DenySource::SessionPolicy),
    ("vpc endpoint policy", DenySource::VpcEndpointPolicy),
    ("role trust policy", DenySource::RoleTrustPolicy),
];

/// The policy type at the start of `s` (lowercase) and its length. An unknown wording is
/// kept up to `stop` (when given and near), punctuation, or a few words.
fn policy_type_len(s: &str, stop: &str) -> (DenySource, usize) {
    for (words, source) in POLICY_TYPES {
        if s.starts_with(words) {
            return (source, words.len());
        }
    }
    for (words, source) in [
        ("scp", DenySource::ServiceControlPolicy),
        ("rcp", DenySource::ResourceControlPolicy),
        ("resource policy", DenySource::ResourcePolicy),
        ("key policy", DenySource::ResourcePolicy),
        ("bucket policy", DenySource::ResourcePolicy),
        ("trust policy", DenySource::RoleTrustPolicy),
    ] {
        if s.starts_with(words) && !s[words.len()..].starts_with(char::is_alphanumeric) {
            return (source, words.len());
        }
    }
    let mut len = s
        .find([':', '.', ',', ';', '"', ')', '(', '<', '\'', '\\', '}'])
        .unwrap_or(s.len());
    if !stop.is_empty()
        && let Some(i) = s.find(stop)
    {
        len = len.min(i);
    }
    for cut in [" because", " transitively", " with ", " action"] {
        if let Some(i) = s[..len].find(cut) {
            len = i;
        }
    }
    // At most five words: the rest is log noise, not a policy type.
    let words: Vec<&str> = s[..len]
        .split(' ')
        .filter(|w| !w.is_empty())
        .take(5)
        .collect();
    let name = words.join(" ");
    let used = s[..len].trim_end().len();
    (DenySource::Unknown(name), used)
}

/// `: arn:aws:organizations::...` (or ` arn:...`) right after the policy type.
fn policy_arn(text: &str, pos: usize, end: usize) -> Option<String> {
    let p = skip(text, pos, |c| c == ':' || c == ' ');
    let (value, _) = resource_value(text, p, end);
    Arn::parse(&value).map(|_| value.clone())
}

/// Error codes that mean the request was denied.
fn is_denial_code(code: &str) -> bool {
    let c = code.to_ascii_lowercase();
    c.contains("accessdenied")
        || c == "forbidden"
        || c == "unauthorizedoperation"
        || c == "authorizationerror"
}

/// Error codes an SDK prints around the message, most specific first, searched in
/// `text[start..end]`.
fn error_code(text: &str, lower: &str, start: usize, end: usize) -> Option<String> {
    let (text, lower) = (&text[start..end], &lower[start..end]);
    // (prefix, terminator) pairs, lowercase prefixes.
    let patterns: [(&str, &[char]); 13] = [
        ("an error occurred (", &[')']),         // botocore / AWS CLI
        ("api error ", &[':', ' ']),             // Go SDK v2
        ("code: some(\"", &['"']),               // Rust SDK ErrorMetadata (Debug)
        ("error { code: \"", &['"']),            // Rust SDK DisplayErrorContext
        ("unhandled error (", &[')']),           // Rust SDK Display
        ("error code: ", &[',', ';', ')', ' ']), // Java SDK
        ("\"__type\":\"", &['"']),               // DynamoDB/KMS JSON body
        ("\"code\":\"", &['"']),                 // JSON error body
        ("\"code\": \"", &['"']),                // JSON error body, pretty
        ("'code': '", &['\'']),                  // Python dict repr (`e.response`)
        ("<code>", &['<']),                      // S3/STS XML body
        ("\"errortype\":\"", &['"']),            // Lambda's error JSON
        ("\"name\":\"", &['"']),                 // JS SDK v3 error serialized
    ];
    for (prefix, stops) in patterns {
        for (i, _) in lower.match_indices(prefix) {
            let start = i + prefix.len();
            let rest = &text[start..];
            let len = rest.find(stops).unwrap_or(rest.len());
            let code = rest[..len].trim();
            // `com.amazonaws.dynamodb.v20120810#AccessDeniedException` → the name after `#`;
            // Step Functions' `DynamoDb.AccessDeniedException` → the name after the service.
            let code = code.rsplit('#').next().unwrap_or(code);
            let code = code.rsplit('.').next().unwrap_or(code);
            if is_code(code) {
                return Some(code.to_string());
            }
        }
    }
    // A bare exception name: pydynox's `pydynox.AccessDeniedException: Access denied to ...`,
    // the Java SDK's `AccessDeniedExceptionKMS Message: ...`, a Python class path.
    for known in [
        "AccessDeniedException",
        "AccessDenied",
        "UnauthorizedOperation",
        "AuthorizationError",
    ] {
        if text.contains(known) {
            return Some(known.to_string());
        }
    }
    None
}

fn is_code(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.starts_with(|c: char| c.is_ascii_uppercase())
        && s.chars().all(|c| c.is_ascii_alphanumeric())
}

/// The API operation named in `text[start..end]`.
fn operation(text: &str, lower: &str, start: usize, end: usize) -> Option<String> {
    let (text, lower) = (&text[start..end], &lower[start..end]);
    // botocore: `when calling the PutItem operation`
    for (i, _) in lower.match_indices("when calling the ") {
        let start = i + "when calling the ".len();
        let t = token(text, start, text.len());
        if lower[start + t.len()..]
            .trim_start()
            .starts_with("operation")
            && is_operation(t)
        {
            return Some(t.to_string());
        }
    }
    // Go SDK v2: `operation error DynamoDB: PutItem, https response error ...`
    for (i, _) in lower.match_indices("operation error ") {
        let rest = &text[i + "operation error ".len()..];
        if let Some((_, after)) = rest.split_once(": ") {
            let t = trim_token(after.split_whitespace().next().unwrap_or(""));
            if is_operation(t) {
                return Some(t.to_string());
            }
        }
    }
    // JS SDK v3 and Lambda: `"operation":"GetObject"`.
    for prefix in ["\"operation\":\"", "\"operation\": \""] {
        if let Some(i) = lower.find(prefix) {
            let rest = &text[i + prefix.len()..];
            let t = &rest[..rest.find('"').unwrap_or(rest.len())];
            if is_operation(t) {
                return Some(t.to_string());
            }
        }
    }
    None
}

fn is_operation(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.starts_with(|c: char| c.is_ascii_uppercase())
        && s.chars().all(|c| c.is_ascii_alphanumeric())
}

/// `dynamodb:PutItem`; the service prefix is case-insensitive in IAM, so it is lowercased.
fn normalise_action(s: &str) -> Option<String> {
    let (service, name) = s.split_once(':')?;
    let service_ok = !service.is_empty()
        && service
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-');
    let name_ok = !name.is_empty()
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    (service_ok && name_ok).then(|| format!("{}:{name}", service.to_ascii_lowercase()))
}

/// The services whose actions are in the action list: the ones pydynox calls.
const KNOWN_SERVICES: [&str; 4] = ["dynamodb", "kms", "s3", "sts"];

/// Fills the service and validates every extracted value (moving unusable ones to
/// `invalid`). `text[start..end]` is the message's part of the text.
fn finish(ad: &mut AccessDenied, text: &str, lower: &str, start: usize, end: usize) {
    ad.service = ad
        .action
        .as_deref()
        .and_then(|a| a.split_once(':'))
        .map(|(s, _)| s.to_string())
        .or_else(|| service_from_text(lower, start, end, ad.operation.as_deref()));
    let cut = text_is_cut(text, end);
    let tail = text[..end]
        .trim_end()
        .trim_end_matches(['"', '\'', '}', ']', ')', '.', ',', '>']);
    let at_end = |v: &Option<String>| {
        v.as_deref()
            .is_some_and(|v| !v.is_empty() && tail.ends_with(v))
    };
    let principal_cut = cut || at_end(&ad.principal);
    let resource_cut = cut || at_end(&ad.resource);
    validate_principal(ad, principal_cut);
    validate_action(ad);
    validate_resource(ad, resource_cut);
    if let Some(p) = ad.denying_policy.clone()
        && let Some(problem) = redaction(&p)
    {
        ad.denying_policy = None;
        ad.invalid.push(Invalid {
            field: "denying_policy",
            value: p,
            problem,
        });
    }
}

/// The service a message without an action belongs to: the SDK wrapper's service name, a
/// Step Functions error prefix, the operation, or the ARNs in it.
fn service_from_text(
    lower: &str,
    start: usize,
    end: usize,
    operation: Option<&str>,
) -> Option<String> {
    let here = &lower[start..end];
    let near = |s: &str| here.contains(s) || lower.contains(s);
    let named: [(&[&str], &str); 4] = [
        (
            &[
                "service: s3",
                "service: amazon s3",
                "operation error s3:",
                "services.s3.",
                "s3exception",
                "\"s3.",
                "<hostid>",
                "client-s3",
                ":s3:::",
                "s3.amazonaws.com",
                "(s3)",
            ],
            "s3",
        ),
        (
            &[
                "service: dynamodb",
                "service: amazondynamodbv2",
                "operation error dynamodb:",
                "services.dynamodb.",
                "dynamodbexception",
                "\"dynamodb.",
                "client-dynamodb",
                ":dynamodb:",
                "dynamodb.amazonaws.com",
            ],
            "dynamodb",
        ),
        (
            &[
                "service: kms",
                "service: awskms",
                "operation error kms:",
                "services.kms.",
                "kmsexception",
                "\"kms.",
                "client-kms",
                ":kms:",
                "kms.amazonaws.com",
            ],
            "kms",
        ),
        (
            &[
                "service: sts",
                "service: awssecuritytokenservice",
                "operation error sts:",
                "services.sts.",
                "stsexception",
                "\"sts.",
                "client-sts",
                "sts.amazonaws.com",
            ],
            "sts",
        ),
    ];
    if let Some(op) = operation
        && let Some(s) = service_of_operation(op)
    {
        return Some(s.to_string());
    }
    named
        .iter()
        .find(|(marks, _)| marks.iter().any(|m| here.contains(m)))
        .or_else(|| {
            named
                .iter()
                .find(|(marks, _)| marks.iter().any(|m| near(m)))
        })
        .map(|(_, s)| s.to_string())
}

/// The service of an API operation pydynox calls (their names do not overlap).
pub fn service_of_operation(op: &str) -> Option<&'static str> {
    const S3: &[&str] = &[
        "GetObject",
        "PutObject",
        "DeleteObject",
        "HeadObject",
        "CopyObject",
        "ListObjects",
        "ListObjectsV2",
        "CreateMultipartUpload",
        "UploadPart",
        "CompleteMultipartUpload",
        "AbortMultipartUpload",
        "HeadBucket",
        "GetBucketEncryption",
        "GetBucketPolicy",
    ];
    const KMS: &[&str] = &[
        "Decrypt",
        "Encrypt",
        "GenerateDataKey",
        "GenerateDataKeyWithoutPlaintext",
        "DescribeKey",
        "CreateGrant",
        "ReEncrypt",
        "GetKeyPolicy",
    ];
    const STS: &[&str] = &[
        "AssumeRole",
        "AssumeRoleWithWebIdentity",
        "AssumeRoleWithSAML",
        "GetCallerIdentity",
        "GetSessionToken",
    ];
    if S3.contains(&op) {
        Some("s3")
    } else if KMS.contains(&op) {
        Some("kms")
    } else if STS.contains(&op) {
        Some("sts")
    } else if crate::iam::actions::lookup(&format!("dynamodb:{op}")).is_some()
        || [
            "TransactWriteItems",
            "TransactGetItems",
            "ExecuteStatement",
            "BatchExecuteStatement",
            "ExecuteTransaction",
        ]
        .contains(&op)
    {
        Some("dynamodb")
    } else {
        None
    }
}

/// Whether the text ends right after `end` with a cut: the message is the last thing and
/// ends in `...`, `…`, `[truncated]`, or without the closing words AWS always prints.
fn text_is_cut(text: &str, end: usize) -> bool {
    let tail = text[..end]
        .trim_end()
        .trim_end_matches(['"', '\'', '}', ']', ')']);
    tail.ends_with("...")
        || tail.ends_with('…')
        || tail.to_ascii_lowercase().ends_with("[truncated]")
}

/// The problem with a value: redacted, cut (`…`), or `otherwise`.
fn value_problem(value: &str, otherwise: &str) -> Problem {
    redaction(value).unwrap_or_else(|| {
        if value.ends_with("...") || value.ends_with('…') {
            Problem::Truncated
        } else {
            Problem::Malformed(otherwise.to_string())
        }
    })
}

/// Whether a value was redacted before it was logged.
fn redaction(value: &str) -> Option<Problem> {
    let l = value.to_ascii_lowercase();
    let marks = [
        "redacted",
        "***",
        "<account",
        "<redact",
        "[hidden]",
        "<hidden>",
        "xxxxxxxxxxxx",
        "<principal",
        "<role",
        "<user",
        "{account",
        "${account",
    ];
    marks
        .iter()
        .any(|m| l.contains(m))
        .then_some(Problem::Redacted)
}

/// The principal must be an IAM user or role, an STS session or federated user, the root
/// user, or `anonymous`.
fn validate_principal(ad: &mut AccessDenied, cut: bool) {
    let Some(p) = ad.principal.clone() else {
        return;
    };
    if p == "anonymous" {
        return;
    }
    let problem = if let Some(r) = redaction(&p) {
        Some(r)
    } else {
        match Arn::parse(&p) {
            None if p.starts_with("arn") && (cut || p.split(':').count() < 6) => {
                Some(Problem::Truncated)
            }
            None if !p.starts_with("arn:") => Some(Problem::Malformed(
                "is not a principal ARN (it does not start with `arn:`)".into(),
            )),
            None => Some(Problem::Malformed("is not a principal ARN".into())),
            Some(a) => principal_arn_problem(&a),
        }
    };
    if let Some(problem) = problem {
        ad.principal = None;
        ad.invalid.push(Invalid {
            field: "principal",
            value: p,
            problem,
        });
    }
}

fn principal_arn_problem(a: &Arn) -> Option<Problem> {
    if !is_account(a.account) {
        return Some(Problem::Malformed(format!(
            "has `{}` where a 12-digit account id belongs",
            a.account
        )));
    }
    let ok = match a.service {
        "iam" => {
            a.resource == "root"
                || a.resource
                    .strip_prefix("role/")
                    .is_some_and(|r| !r.is_empty() && !r.ends_with('/'))
                || a.resource
                    .strip_prefix("user/")
                    .is_some_and(|r| !r.is_empty() && !r.ends_with('/'))
        }
        "sts" => {
            a.resource.strip_prefix("assumed-role/").is_some_and(|r| {
                r.split_once('/')
                    .is_some_and(|(role, s)| !role.is_empty() && !s.is_empty())
            }) || a
                .resource
                .strip_prefix("federated-user/")
                .is_some_and(|r| !r.is_empty())
        }
        _ => false,
    };
    (!ok).then(|| {
        Problem::Malformed(
            "is not an IAM user, IAM role, role session, federated user or root ARN".into(),
        )
    })
}

fn is_account(s: &str) -> bool {
    s.len() == 12 && s.chars().all(|c| c.is_ascii_digit())
}

/// An action of a service in the action list must exist there; other services' actions are
/// kept as printed (they cannot be checked, and pydynox does not call them).
fn validate_action(ad: &mut AccessDenied) {
    let Some(action) = ad.action.clone() else {
        return;
    };
    let service = action.split_once(':').map_or("", |(s, _)| s).to_string();
    if let Some(problem) = redaction(&action) {
        ad.action = None;
        ad.invalid.push(Invalid {
            field: "action",
            value: action,
            problem,
        });
        return;
    }
    if !KNOWN_SERVICES.contains(&service.as_str()) {
        return;
    }
    match crate::iam::actions::lookup(&action) {
        Some(info) => ad.action = Some(info.full_name()),
        None => {
            ad.action = None;
            ad.invalid.push(Invalid {
                field: "action",
                value: action,
                problem: Problem::Malformed(format!("is not an action AWS defines for {service}")),
            });
        }
    }
}

/// A resource of a known action must be an ARN of one of the resource types the action
/// takes; an action without resource types is authorized on `*` whatever the message prints.
fn validate_resource(ad: &mut AccessDenied, cut: bool) {
    let Some(r) = ad.resource.clone() else { return };
    let invalid = |ad: &mut AccessDenied, problem: Problem| {
        ad.resource = None;
        ad.invalid.push(Invalid {
            field: "resource",
            value: r.clone(),
            problem,
        });
    };
    if let Some(problem) = redaction(&r) {
        return invalid(ad, problem);
    }
    if r.ends_with("...") || r.ends_with('…') {
        return invalid(ad, Problem::Truncated);
    }
    let Some(info) = ad.action.as_deref().and_then(crate::iam::actions::lookup) else {
        // Another service's action (or none): keep the resource as printed, unless it is
        // plainly cut.
        if r.starts_with("arn") && Arn::parse(&r).is_none() && (cut || r.split(':').count() < 6) {
            invalid(ad, Problem::Truncated);
        }
        return;
    };
    if info.resource_types.is_empty() {
        if r != "*" {
            ad.notes.push(format!(
                "{} has no resource type: IAM authorizes it on `*`, whatever resource the message prints (`{r}`)",
                info.full_name()
            ));
            ad.resource = Some("*".into());
        }
        return;
    }
    let Some(arn) = Arn::parse(&r) else {
        let problem = if r.starts_with("arn") && (cut || r.split(':').count() < 6) {
            Problem::Truncated
        } else if !r.starts_with("arn:") {
            Problem::Malformed("is not an ARN (it does not start with `arn:`)".into())
        } else {
            Problem::Malformed("is not an ARN".into())
        };
        return invalid(ad, problem);
    };
    let types: Vec<&str> = info
        .resource_types
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    let kind = crate::iam::actions::resource_type_of(&info.service, &r);
    let takes = kind.is_some_and(|k| info.takes(k));
    if !takes {
        // At the end of a cut text, an ARN of no type at all is a cut one; a whole ARN of
        // another type (AssumeRole on a user) is not.
        let problem = if cut && kind.is_none() {
            Problem::Truncated
        } else {
            Problem::Malformed(format!(
                "is not a resource {} acts on (it takes {})",
                info.full_name(),
                types
                    .iter()
                    .map(|t| format!("a {t}"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ))
        };
        return invalid(ad, problem);
    }
    let needs_region = matches!(arn.service, "dynamodb" | "kms");
    if needs_region && (arn.region.is_empty() || !is_account(arn.account)) {
        return invalid(
            ad,
            Problem::Malformed(
                "lacks the region or 12-digit account every such ARN carries".into(),
            ),
        );
    }
    // The name part after the type: a wildcard is a policy pattern, never a real resource.
    let name = arn
        .resource
        .split_once(['/', ':'])
        .map_or(arn.resource, |(_, n)| n);
    if name.contains(['*', '?']) && arn.service != "s3" {
        invalid(
            ad,
            Problem::Malformed(format!(
                "is a wildcard, not the name of a {}",
                kind.unwrap_or("resource")
            )),
        );
    }
}

/// The text with JSON, Python and HTML escapes undone (a message nested as a string in a
/// JSON line, at any depth), ANSI colour codes removed, typographic quotes made plain, lines
/// wrapped inside an ARN joined, and every run of whitespace made one space.
fn normalise(text: &str) -> String {
    let mut s = strip_ansi(text);
    // Each level of JSON nesting doubles the backslashes; undo until nothing changes.
    for _ in 0..16 {
        let next = html_unescape(&unescape(&s));
        if next == s {
            break;
        }
        s = next;
    }
    let s = strip_ansi(&s);
    let s: String = s
        .chars()
        .map(|c| match c {
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{00AB}' | '\u{00BB}' | '\u{2033}' => '"',
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{2032}' => '\'',
            '\u{00A0}' | '\u{2007}' | '\u{202F}' => ' ',
            '\u{200B}' | '\u{FEFF}' => '\u{0}',
            c => c,
        })
        .filter(|&c| c != '\u{0}')
        .collect();
    join_wrapped(&s)
}

/// Collapses whitespace; a line break right after an ARN's `:` or `/` (a terminal or log
/// viewer wrapped the line inside the ARN) is removed instead.
fn join_wrapped(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if !c.is_whitespace() {
            out.push(c);
            continue;
        }
        let mut newline = c == '\n' || c == '\r';
        while let Some(&n) = chars.peek() {
            if !n.is_whitespace() {
                break;
            }
            newline |= n == '\n' || n == '\r';
            chars.next();
        }
        let last_token = out.rsplit(' ').next().unwrap_or("");
        let inside_arn = newline
            && last_token.contains("arn:")
            && out.ends_with([':', '/'])
            && !last_token.ends_with("resource:");
        if !inside_arn && !out.is_empty() && chars.peek().is_some() {
            out.push(' ');
        }
    }
    out
}

/// Removes ANSI escape sequences (`ESC [ ... letter`), and their printed forms
/// (`\x1b[0m`, `\u001b[31m`, `^[[0m`) where a log wrote the escape as text.
fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while !rest.is_empty() {
        let intro = ["\u{1b}[", "\\x1b[", "\\u001b[", "\\e[", "\\033[", "^[["]
            .iter()
            .find(|p| rest.starts_with(**p));
        if let Some(p) = intro {
            let after = &rest[p.len()..];
            let len = after
                .find(|c: char| !(c.is_ascii_digit() || c == ';' || c == '?'))
                .unwrap_or(after.len());
            let terminator = after[len..].chars().next();
            if terminator.is_some_and(|c| c.is_ascii_alphabetic()) {
                rest = &after[len + 1..];
                continue;
            }
        }
        let c = rest.chars().next().expect("not empty");
        if c != '\u{1b}' {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// One level of JSON/Python string escapes undone: `\"`, `\'`, `\\`, `\/`, `\n`, `\t`, `\r`,
/// `\uXXXX` (with surrogate pairs) and `\xXX`. Other backslashes stay.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('\\') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let mut used = 1;
        match after.chars().next() {
            Some(q @ ('"' | '\'' | '/' | '\\' | '`')) => out.push(q),
            Some('n' | 'r' | 't') => out.push('\n'),
            Some('u') if after.len() >= 5 && after.is_char_boundary(5) => {
                match u32::from_str_radix(&after[1..5], 16) {
                    Ok(hi @ 0xD800..=0xDBFF)
                        if after.len() >= 11
                            && after.is_char_boundary(11)
                            && after[5..].starts_with("\\u") =>
                    {
                        match u32::from_str_radix(&after[7..11], 16) {
                            Ok(lo @ 0xDC00..=0xDFFF) => {
                                let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                                out.push(char::from_u32(c).unwrap_or('\u{FFFD}'));
                                used = 11;
                            }
                            _ => {
                                out.push('\u{FFFD}');
                                used = 5;
                            }
                        }
                    }
                    Ok(code) => {
                        out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
                        used = 5;
                    }
                    Err(_) => {
                        out.push('\\');
                        used = 0;
                    }
                }
            }
            Some('x') if after.len() >= 3 && after.is_char_boundary(3) => {
                match u8::from_str_radix(&after[1..3], 16) {
                    Ok(b) if b.is_ascii() => {
                        out.push(b as char);
                        used = 3;
                    }
                    _ => {
                        out.push('\\');
                        used = 0;
                    }
                }
            }
            _ => {
                out.push('\\');
                used = 0;
            }
        }
        rest = &after[used..];
    }
    out.push_str(rest);
    out
}

/// One level of HTML character references undone (`&quot;`, `&#34;`, `&#x22;`, `&amp;`, ...).
fn html_unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let semi = after.find(';').filter(|&n| n <= 8);
        let decoded = semi.and_then(|n| {
            let name = &after[..n];
            let c = match name {
                "quot" => Some('"'),
                "apos" => Some('\''),
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "nbsp" => Some(' '),
                "ldquo" | "rdquo" => Some('"'),
                "lsquo" | "rsquo" => Some('\''),
                _ => name
                    .strip_prefix("#x")
                    .or_else(|| name.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, n + 1))
        });
        match decoded {
            Some((c, used)) => {
                out.push(c);
                rest = &after[used..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Skips characters matching `f` from `pos`.
fn skip(text: &str, pos: usize, f: impl Fn(char) -> bool) -> usize {
    text[pos..]
        .char_indices()
        .find(|&(_, c)| !f(c))
        .map_or(text.len(), |(i, _)| pos + i)
}

/// The run of non-space characters at `pos`, not past `end`.
fn token(text: &str, pos: usize, end: usize) -> &str {
    let rest = &text[pos..end.max(pos)];
    let len = rest.find(' ').unwrap_or(rest.len());
    &rest[..len]
}

/// A token without the quotes, brackets and punctuation that wrap it in logs.
fn trim_token(t: &str) -> &str {
    t.trim_start_matches(['"', '\'', '`', '(', '[', '{', '<'])
        .trim_end_matches(['"', '\'', '`', ')', ']', '}', ',', '.', ';', '>', '\\'])
}

#[cfg(test)]
mod tests {
    use super::*;

    const SESSION: &str = "arn:aws:sts::123456789012:assumed-role/app/i-0abc";
    const TABLE: &str = "arn:aws:dynamodb:us-east-1:123456789012:table/users";

    fn dynamodb(cause: &str) -> String {
        format!(
            "User: {SESSION} is not authorized to perform: dynamodb:PutItem on resource: {TABLE}{cause}"
        )
    }

    struct Case {
        name: &'static str,
        text: String,
        principal: &'static str,
        action: &'static str,
        resource: Option<&'static str>,
        cause: Cause,
        error_code: Option<&'static str>,
        operation: Option<&'static str>,
    }

    #[allow(clippy::too_many_arguments)]
    fn case(
        name: &'static str,
        text: impl Into<String>,
        principal: &'static str,
        action: &'static str,
        resource: Option<&'static str>,
        cause: Cause,
        error_code: Option<&'static str>,
        operation: Option<&'static str>,
    ) -> Case {
        Case {
            name,
            text: text.into(),
            principal,
            action,
            resource,
            cause,
            error_code,
            operation,
        }
    }

    fn cases() -> Vec<Case> {
        use Cause::*;
        use DenySource::*;
        let table = Some(TABLE);
        vec![
            case(
                "dynamodb, no identity-based policy",
                dynamodb(" because no identity-based policy allows the dynamodb:PutItem action"),
                SESSION,
                "dynamodb:PutItem",
                table,
                NoIdentityPolicy,
                None,
                None,
            ),
            case(
                "botocore prefix",
                format!(
                    "botocore.exceptions.ClientError: An error occurred (AccessDeniedException) when calling the PutItem operation: {}",
                    dynamodb(
                        " because no identity-based policy allows the dynamodb:PutItem action"
                    )
                ),
                SESSION,
                "dynamodb:PutItem",
                table,
                NoIdentityPolicy,
                Some("AccessDeniedException"),
                Some("PutItem"),
            ),
            case(
                "explicit deny in an identity-based policy",
                dynamodb(" with an explicit deny in an identity-based policy"),
                SESSION,
                "dynamodb:PutItem",
                table,
                ExplicitDeny(IdentityPolicy),
                None,
                None,
            ),
            case(
                "explicit deny in a permissions boundary",
                dynamodb(" with an explicit deny in a permissions boundary"),
                SESSION,
                "dynamodb:PutItem",
                table,
                ExplicitDeny(PermissionsBoundary),
                None,
                None,
            ),
            case(
                "explicit deny in a service control policy, with its ARN",
                dynamodb(
                    " with an explicit deny in a service control policy: arn:aws:organizations::111111111111:policy/o-abc123/service_control_policy/p-ddxnpgbm",
                ),
                SESSION,
                "dynamodb:PutItem",
                table,
                ExplicitDeny(ServiceControlPolicy),
                None,
                None,
            ),
            case(
                "explicit deny in a resource-based policy",
                dynamodb(" with an explicit deny in a resource-based policy"),
                SESSION,
                "dynamodb:PutItem",
                table,
                ExplicitDeny(ResourcePolicy),
                None,
                None,
            ),
            case(
                "explicit deny in a session policy",
                dynamodb(" with an explicit deny in a session policy"),
                SESSION,
                "dynamodb:PutItem",
                table,
                ExplicitDeny(SessionPolicy),
                None,
                None,
            ),
            case(
                "explicit deny in a resource control policy, trailing period",
                dynamodb(" with an explicit deny in a resource control policy."),
                SESSION,
                "dynamodb:PutItem",
                table,
                ExplicitDeny(ResourceControlPolicy),
                None,
                None,
            ),
            case(
                "explicit deny in a VPC endpoint policy",
                dynamodb(" with an explicit deny in a VPC endpoint policy"),
                SESSION,
                "dynamodb:PutItem",
                table,
                ExplicitDeny(VpcEndpointPolicy),
                None,
                None,
            ),
            case(
                "no permissions boundary allows",
                dynamodb(" because no permissions boundary allows the dynamodb:PutItem action"),
                SESSION,
                "dynamodb:PutItem",
                table,
                NoPermissionsBoundaryAllow,
                None,
                None,
            ),
            case(
                "no session policy allows",
                dynamodb(" because no session policy allows the dynamodb:PutItem action"),
                SESSION,
                "dynamodb:PutItem",
                table,
                NoSessionPolicyAllow,
                None,
                None,
            ),
            case(
                "no resource-based policy allows",
                dynamodb(" because no resource-based policy allows the dynamodb:PutItem action"),
                SESSION,
                "dynamodb:PutItem",
                table,
                NoResourcePolicyAllow,
                None,
                None,
            ),
            case(
                "no service control policy allows",
                dynamodb(" because no service control policy allows the dynamodb:PutItem action"),
                SESSION,
                "dynamodb:PutItem",
                table,
                NoOtherPolicyAllow(ServiceControlPolicy),
                None,
                None,
            ),
            case(
                "no VPC endpoint policy allows",
                dynamodb(" because no VPC endpoint policy allows the dynamodb:PutItem action"),
                SESSION,
                "dynamodb:PutItem",
                table,
                NoOtherPolicyAllow(VpcEndpointPolicy),
                None,
                None,
            ),
            case(
                "old style: no because clause",
                format!(
                    "An error occurred (AccessDeniedException) when calling the PutItem operation: {}",
                    dynamodb("")
                ),
                SESSION,
                "dynamodb:PutItem",
                table,
                Unspecified,
                Some("AccessDeniedException"),
                Some("PutItem"),
            ),
            case(
                "old style: bare `with an explicit deny`",
                dynamodb(" with an explicit deny"),
                SESSION,
                "dynamodb:PutItem",
                table,
                ExplicitDeny(Unknown(String::new())),
                None,
                None,
            ),
            case(
                "kms on this resource",
                "User: arn:aws:sts::123456789012:assumed-role/R/s is not authorized to perform: kms:Decrypt on this resource because no identity-based policy allows the kms:Decrypt action",
                "arn:aws:sts::123456789012:assumed-role/R/s",
                "kms:Decrypt",
                None,
                NoIdentityPolicy,
                None,
                None,
            ),
            case(
                "kms on a key, Java SDK text glued to the code",
                "Lambda was unable to decrypt the environment variables because KMS access was denied. KMS Exception: AccessDeniedExceptionKMS Message: User: arn:aws:sts::123456789012:assumed-role/fn-role/fn is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:eu-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab because no identity-based policy allows the kms:Decrypt action (Service: Kms, Status Code: 400, Request ID: 5f1c)",
                "arn:aws:sts::123456789012:assumed-role/fn-role/fn",
                "kms:Decrypt",
                Some("arn:aws:kms:eu-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
                NoIdentityPolicy,
                Some("AccessDeniedException"),
                None,
            ),
            case(
                "kms, no resource-based policy (key policy)",
                "AccessDeniedException: User: arn:aws:iam::391582412345:user/EC2Cryptomatic is not authorized to perform: kms:DescribeKey on resource: arn:aws:kms:us-west-2:391582412345:key/1b2c-048e-4be0-b497-ca151cd223c5 because no resource-based policy allows the kms:DescribeKey action.",
                "arn:aws:iam::391582412345:user/EC2Cryptomatic",
                "kms:DescribeKey",
                Some("arn:aws:kms:us-west-2:391582412345:key/1b2c-048e-4be0-b497-ca151cd223c5"),
                NoResourcePolicyAllow,
                Some("AccessDeniedException"),
                None,
            ),
            case(
                "s3 quoted resource",
                "An error occurred (AccessDenied) when calling the PutObject operation: User: arn:aws:sts::123456789012:assumed-role/app/s is not authorized to perform: s3:PutObject on resource: \"arn:aws:s3:::pydynox-blobs/uploads/u1/a.bin\" because no identity-based policy allows the s3:PutObject action",
                "arn:aws:sts::123456789012:assumed-role/app/s",
                "s3:PutObject",
                Some("arn:aws:s3:::pydynox-blobs/uploads/u1/a.bin"),
                NoIdentityPolicy,
                Some("AccessDenied"),
                Some("PutObject"),
            ),
            case(
                "s3 wrapped over lines, explicit deny in a resource-based policy",
                "An error occurred (AccessDenied) when calling the GetObject operation:\n  User: arn:aws:iam::123456789012:user/alice\n  is not authorized to perform: s3:GetObject on resource:\n  \"arn:aws:s3:::bucket/key\"\n  with an explicit deny in a resource-based policy\n",
                "arn:aws:iam::123456789012:user/alice",
                "s3:GetObject",
                Some("arn:aws:s3:::bucket/key"),
                ExplicitDeny(ResourcePolicy),
                Some("AccessDenied"),
                Some("GetObject"),
            ),
            case(
                "sts assume role, old style",
                "An error occurred (AccessDenied) when calling the AssumeRole operation: User: arn:aws:sts::123456789012:assumed-role/base/s is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/target",
                "arn:aws:sts::123456789012:assumed-role/base/s",
                "sts:AssumeRole",
                Some("arn:aws:iam::123456789012:role/target"),
                Unspecified,
                Some("AccessDenied"),
                Some("AssumeRole"),
            ),
            case(
                "user ARN with a path",
                "User: arn:aws:iam::123456789012:user/division/alice is not authorized to perform: dynamodb:GetItem on resource: arn:aws:dynamodb:us-east-1:123456789012:table/users because no identity-based policy allows the dynamodb:GetItem action",
                "arn:aws:iam::123456789012:user/division/alice",
                "dynamodb:GetItem",
                table,
                NoIdentityPolicy,
                None,
                None,
            ),
            case(
                "federated user, session policy",
                "An error occurred (AccessDeniedException) when calling the GetItem operation: User: arn:aws:sts::123456789012:federated-user/vault-1700000000-abc is not authorized to perform: dynamodb:GetItem on resource: arn:aws:dynamodb:us-east-1:123456789012:table/users because no session policy allows the dynamodb:GetItem action",
                "arn:aws:sts::123456789012:federated-user/vault-1700000000-abc",
                "dynamodb:GetItem",
                table,
                NoSessionPolicyAllow,
                Some("AccessDeniedException"),
                Some("GetItem"),
            ),
            case(
                "SSO session name with @, index resource",
                "User: arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Dev_0123456789abcdef/jane.doe@example.com is not authorized to perform: dynamodb:Query on resource: arn:aws:dynamodb:us-east-1:123456789012:table/users/index/by-email because no identity-based policy allows the dynamodb:Query action",
                "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Dev_0123456789abcdef/jane.doe@example.com",
                "dynamodb:Query",
                Some("arn:aws:dynamodb:us-east-1:123456789012:table/users/index/by-email"),
                NoIdentityPolicy,
                None,
                None,
            ),
            case(
                "pydynox python exception",
                format!(
                    "Traceback (most recent call last):\n  File \"app.py\", line 12, in <module>\n    user.save()\npydynox.AccessDeniedException: Access denied to DynamoDB: {}",
                    dynamodb(
                        " because no identity-based policy allows the dynamodb:PutItem action"
                    )
                ),
                SESSION,
                "dynamodb:PutItem",
                table,
                NoIdentityPolicy,
                Some("AccessDeniedException"),
                None,
            ),
            case(
                "rust sdk debug output (message repeated)",
                format!(
                    "Error: ServiceError(ServiceError {{ source: Unhandled(Unhandled {{ source: ErrorMetadata {{ code: Some(\"AccessDeniedException\"), message: Some(\"{m}\"), extras: Some({{\"aws_request_id\": \"abc\"}}) }}, meta: ErrorMetadata {{ code: Some(\"AccessDeniedException\"), message: Some(\"{m}\"), extras: Some({{\"aws_request_id\": \"abc\"}}) }} }}), raw: Response {{ status: StatusCode(400) }} }})",
                    m = dynamodb(
                        " because no identity-based policy allows the dynamodb:PutItem action"
                    )
                ),
                SESSION,
                "dynamodb:PutItem",
                table,
                NoIdentityPolicy,
                Some("AccessDeniedException"),
                None,
            ),
            case(
                "rust sdk debug output, old style message ends at the quote",
                format!(
                    "ServiceError(ServiceError {{ source: ErrorMetadata {{ code: Some(\"AccessDeniedException\"), message: Some(\"{}\") }} }})",
                    dynamodb("")
                ),
                SESSION,
                "dynamodb:PutItem",
                table,
                Unspecified,
                Some("AccessDeniedException"),
                None,
            ),
            case(
                "json-escaped log line with a quoted s3 resource",
                "{\"level\":\"error\",\"msg\":\"upload failed\",\"error\":\"An error occurred (AccessDenied) when calling the PutObject operation: User: arn:aws:iam::123456789012:user/ci is not authorized to perform: s3:PutObject on resource: \\\"arn:aws:s3:::bucket/p/k\\\" with an explicit deny in a service control policy\\n\"}",
                "arn:aws:iam::123456789012:user/ci",
                "s3:PutObject",
                Some("arn:aws:s3:::bucket/p/k"),
                ExplicitDeny(ServiceControlPolicy),
                Some("AccessDenied"),
                Some("PutObject"),
            ),
            case(
                "go sdk v2",
                "operation error DynamoDB: PutItem, https response error StatusCode: 400, RequestID: Q1, api error AccessDeniedException: User: arn:aws:iam::123456789012:user/svc is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:123456789012:table/users because no identity-based policy allows the dynamodb:PutItem action",
                "arn:aws:iam::123456789012:user/svc",
                "dynamodb:PutItem",
                table,
                NoIdentityPolicy,
                Some("AccessDeniedException"),
                Some("PutItem"),
            ),
            case(
                "uppercase service prefix, govcloud, vpc endpoint deny through an SCP",
                "An error occurred (AccessDenied) when calling the Publish operation: User: arn:aws-us-gov:sts::111122223333:assumed-role/role-name/role-session-name is not authorized to perform: SNS:Publish on resource: arn:aws:sns:us-east-1:444455556666:topic with an explicit deny in a VPC endpoint policy transitively through a service control policy",
                "arn:aws-us-gov:sts::111122223333:assumed-role/role-name/role-session-name",
                "sns:Publish",
                Some("arn:aws:sns:us-east-1:444455556666:topic"),
                ExplicitDeny(VpcEndpointPolicy),
                Some("AccessDenied"),
                Some("Publish"),
            ),
            case(
                "unknown policy wording kept verbatim",
                dynamodb(" because no account guardrail policy allows the dynamodb:PutItem action"),
                SESSION,
                "dynamodb:PutItem",
                table,
                NoOtherPolicyAllow(Unknown("account guardrail policy".into())),
                None,
                None,
            ),
            case(
                "explicit deny phrased with `due to`, mixed case",
                dynamodb(" due to an explicit deny in a Service Control Policy"),
                SESSION,
                "dynamodb:PutItem",
                table,
                ExplicitDeny(ServiceControlPolicy),
                None,
                None,
            ),
            case(
                "log noise before and after, CRLF line endings",
                format!(
                    "2026-06-01T10:00:00Z ERROR worker-3 save failed\r\n{}\r\n2026-06-01T10:00:01Z INFO retrying",
                    dynamodb(
                        " because no identity-based policy allows the dynamodb:PutItem action"
                    )
                ),
                SESSION,
                "dynamodb:PutItem",
                table,
                NoIdentityPolicy,
                None,
                None,
            ),
            case(
                "iam role principal (resource policy on a table)",
                "User: arn:aws:iam::123456789012:role/service-role/app is not authorized to perform: dynamodb:DescribeTable on resource: arn:aws:dynamodb:us-east-1:123456789012:table/users with an explicit deny in a resource-based policy",
                "arn:aws:iam::123456789012:role/service-role/app",
                "dynamodb:DescribeTable",
                table,
                ExplicitDeny(ResourcePolicy),
                None,
                None,
            ),
            case(
                "no space after `User:`, lambda-style bare resource name",
                "User:arn:aws:iam::123456789012:user/mateojackson is not authorized to perform: lambda:GetWidget on resource:my-example-widget",
                "arn:aws:iam::123456789012:user/mateojackson",
                "lambda:GetWidget",
                Some("my-example-widget"),
                Unspecified,
                None,
                None,
            ),
            case(
                "no resource named at all",
                "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: dynamodb:ListTables because no identity-based policy allows the dynamodb:ListTables action",
                "arn:aws:iam::123456789012:user/bob",
                "dynamodb:ListTables",
                None,
                NoIdentityPolicy,
                None,
                None,
            ),
        ]
    }

    #[test]
    fn table_of_real_messages() {
        let cases = cases();
        assert!(cases.len() >= 25, "only {} cases", cases.len());
        for c in cases {
            let got = parse(&c.text).unwrap_or_else(|e| panic!("{}: {e}", c.name));
            assert_eq!(
                got.principal.as_deref(),
                Some(c.principal),
                "{}: principal",
                c.name
            );
            assert_eq!(got.action.as_deref(), Some(c.action), "{}: action", c.name);
            assert!(got.invalid.is_empty(), "{}: {:?}", c.name, got.invalid);
            assert_eq!(got.resource.as_deref(), c.resource, "{}: resource", c.name);
            assert_eq!(got.cause, c.cause, "{}: cause", c.name);
            assert_eq!(
                got.error_code.as_deref(),
                c.error_code,
                "{}: error code",
                c.name
            );
            assert_eq!(
                got.operation.as_deref(),
                c.operation,
                "{}: operation",
                c.name
            );
            let service = c.action.split(':').next().unwrap();
            assert_eq!(got.service.as_deref(), Some(service), "{}: service", c.name);
        }
    }

    #[test]
    fn explicit_deny_keeps_the_named_policy() {
        let got = parse(&dynamodb(
            " with an explicit deny in a service control policy: arn:aws:organizations::111111111111:policy/o-abc123/service_control_policy/p-ddxnpgbm.",
        ))
        .unwrap();
        assert_eq!(
            got.denying_policy.as_deref(),
            Some(
                "arn:aws:organizations::111111111111:policy/o-abc123/service_control_policy/p-ddxnpgbm"
            )
        );
        let got = parse(&dynamodb(
            " with an explicit deny in an identity-based policy",
        ))
        .unwrap();
        assert_eq!(got.denying_policy, None);
    }

    #[test]
    fn principal_maps_to_the_role_to_audit() {
        let got = parse(&dynamodb("")).unwrap();
        let p = got.principal_ref().unwrap();
        assert_eq!(
            (p.name.as_str(), p.session.as_deref()),
            ("app", Some("i-0abc"))
        );
    }

    #[test]
    fn errors_say_what_was_found() {
        let cases: [(&str, &[&str]); 3] = [
            ("", &["empty"]),
            (
                "An error occurred (ValidationException) when calling the GetObject operation: bad",
                &[
                    "no AccessDenied message found",
                    "found only the error code `ValidationException` and the operation `GetObject`",
                ],
            ),
            (
                "thread 'main' panicked at src/main.rs:3:5: index out of bounds",
                &[
                    "no AccessDenied message found (expected `User: arn:aws:... is not authorized to perform",
                ],
            ),
        ];
        for (text, parts) in cases {
            let msg = parse(text).unwrap_err().to_string();
            for p in parts {
                assert!(msg.contains(p), "`{text}`: `{msg}` lacks `{p}`");
            }
            assert!(!msg.ends_with('.'), "{msg}");
        }
    }

    #[test]
    fn partial_messages_are_read_as_far_as_they_go() {
        let got = parse("is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:123456789012:table/t").unwrap();
        assert_eq!(got.principal, None);
        assert_eq!(got.action.as_deref(), Some("dynamodb:PutItem"));
        let got = parse("User: anonymous is not authorized to perform: s3:GetObject").unwrap();
        assert!(got.principal_is_anonymous());
        let got = parse(
            "An error occurred (AccessDenied) when calling the GetObject operation: Access Denied",
        )
        .unwrap();
        assert_eq!(got.shape, Shape::BareAccessDenied);
        assert_eq!(got.service.as_deref(), Some("s3"));
        let got = parse("AccessDeniedException: The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.").unwrap();
        assert_eq!(got.shape, Shape::KmsCiphertext);
        assert_eq!(got.action.as_deref(), Some("kms:Decrypt"));
        assert_eq!(got.error_code.as_deref(), Some("AccessDeniedException"));
    }

    #[test]
    fn displays_read_as_sentences() {
        assert_eq!(
            Cause::ExplicitDeny(DenySource::ServiceControlPolicy).to_string(),
            "an explicit deny in a service control policy"
        );
        assert_eq!(
            Cause::NoOtherPolicyAllow(DenySource::VpcEndpointPolicy).to_string(),
            "no VPC endpoint policy allows it"
        );
        assert_eq!(
            DenySource::IdentityPolicy.to_string(),
            "an identity-based policy"
        );
    }
}
