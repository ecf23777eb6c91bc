//! Reads an AccessDenied error as an application logged it (botocore, the Rust, Go and Java
//! SDKs, pydynox's Python exceptions, JSON-escaped log lines) into its principal, action,
//! resource and cause. Pure string handling: must not call AWS, read files or print.
//!
//! The message shapes follow the IAM User Guide page "Troubleshoot access denied error
//! messages" (troubleshoot_access-denied.html): `User: <principal> is not authorized to
//! perform: <action> on resource: <resource> because no <policy type> allows the <action>
//! action`, or `... with an explicit deny in a <policy type>[: <policy ARN>]`. Older messages
//! (and messages for callers outside the resource owner's account or organization) carry no
//! `because`/`with` clause; KMS says `on this resource` instead of naming the key; S3 quotes
//! the resource ARN.

use serde::Serialize;

use crate::iam::arn::{Arn, ArnError, PrincipalRef, principal_from_arn};

/// One AccessDenied error, as AWS worded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessDenied {
    /// The principal ARN as printed: an IAM user (with its path), an IAM role, an assumed-role
    /// session (`arn:aws:sts::A:assumed-role/Role/session`, which never carries the role's
    /// path), or a federated user.
    pub principal: String,
    /// `service:Action`, with the service prefix in lowercase (`SNS:Publish` → `sns:Publish`).
    pub action: String,
    /// The resource the message names; `None` when it names none (KMS says `on this resource`).
    pub resource: Option<String>,
    pub cause: Cause,
    /// The action's service prefix: `dynamodb`, `kms`, `s3`, `sts`, ...
    pub service: Option<String>,
    /// The error code as printed (`AccessDeniedException`, `AccessDenied`, ...).
    pub error_code: Option<String>,
    /// The API operation, when the text names it (`PutItem` from botocore's
    /// `when calling the PutItem operation`, or the Go SDK's `operation error DynamoDB: PutItem`).
    pub operation: Option<String>,
    /// The policy an explicit deny names (`... in a service control policy: arn:aws:organizations::...`).
    pub denying_policy: Option<String>,
}

impl AccessDenied {
    /// The principal as a role or user to audit. A session ARN gives the role's name (its
    /// path is not in the session ARN, so look the role up by name).
    pub fn principal_ref(&self) -> Result<PrincipalRef, ArnError> {
        principal_from_arn(&self.principal)
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
    /// service control policies, resource control policies, VPC endpoint policies, or a
    /// wording this parser does not know (kept verbatim in [`DenySource::Unknown`]).
    NoOtherPolicyAllow(DenySource),
    /// `with an explicit deny in a <type>`.
    ExplicitDeny(DenySource),
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
    /// A policy type this parser does not know, as worded (lowercase); empty when the message
    /// says only `with an explicit deny`.
    Unknown(String),
}

impl std::fmt::Display for DenySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DenySource::IdentityPolicy => f.write_str("an identity-based policy"),
            DenySource::PermissionsBoundary => f.write_str("a permissions boundary"),
            DenySource::ServiceControlPolicy => f.write_str("a service control policy"),
            DenySource::ResourceControlPolicy => f.write_str("a resource control policy"),
            DenySource::ResourcePolicy => f.write_str("a resource-based policy"),
            DenySource::SessionPolicy => f.write_str("a session policy"),
            DenySource::VpcEndpointPolicy => f.write_str("a VPC endpoint policy"),
            DenySource::Unknown(s) if s.is_empty() => {
                f.write_str("a policy the message does not name")
            }
            DenySource::Unknown(s) => write!(f, "a {s}"),
        }
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
            Cause::NoOtherPolicyAllow(s) => write!(f, "{s} does not allow it"),
            Cause::ExplicitDeny(s) => write!(f, "an explicit deny in {s}"),
            Cause::Unspecified => f.write_str("the message does not say why"),
        }
    }
}

/// The parts of a message that were recognised, for [`ParseError`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Found {
    pub principal: Option<String>,
    pub action: Option<String>,
    pub resource: Option<String>,
    pub error_code: Option<String>,
    pub operation: Option<String>,
}

impl Found {
    /// "the action `x`, the resource `y` and the error code `z`", or "" when nothing was found.
    fn describe(&self) -> String {
        let parts: Vec<String> = [
            ("the principal", &self.principal),
            ("the action", &self.action),
            ("the resource", &self.resource),
            ("the error code", &self.error_code),
            ("the operation", &self.operation),
        ]
        .into_iter()
        .filter_map(|(what, v)| v.as_ref().map(|v| format!("{what} `{v}`")))
        .collect();
        match parts.as_slice() {
            [] => String::new(),
            [one] => one.clone(),
            [init @ .., last] => format!("{} and {last}", init.join(", ")),
        }
    }
}

const EXPECTED_SHAPE: &str =
    "`User: arn:aws:... is not authorized to perform: service:Action on resource: ...`";

fn found_suffix(found: &Found) -> String {
    match found.describe() {
        d if d.is_empty() => String::new(),
        d => format!("; found only {d}"),
    }
}

fn hint_suffix(hint: &Option<&'static str>) -> String {
    hint.map(|h| format!("; {h}")).unwrap_or_default()
}

/// Why a text could not be read as an AccessDenied message; says what was found and what
/// is missing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("the text is empty; paste the AccessDenied error as the application logged it")]
    Empty,
    #[error(
        "no AccessDenied message found (expected {}){}{}",
        EXPECTED_SHAPE,
        found_suffix(.found),
        hint_suffix(.hint)
    )]
    NoDenial {
        found: Box<Found>,
        hint: Option<&'static str>,
    },
    #[error(
        "found {} but no principal ARN (expected `User: arn:aws:...` before `is not authorized to perform`)",
        .found.describe()
    )]
    MissingPrincipal { found: Box<Found> },
    #[error(
        "found {} but no action (expected `is not authorized to perform: service:Action`)",
        .found.describe()
    )]
    MissingAction { found: Box<Found> },
}

/// Reads an AccessDenied error. Surrounding log noise, line breaks, JSON escaping and SDK
/// wrappers are tolerated; when the message appears more than once (the Rust SDK's Debug
/// output repeats it) the first complete one is used.
pub fn parse(text: &str) -> Result<AccessDenied, ParseError> {
    if text.trim().is_empty() {
        return Err(ParseError::Empty);
    }
    let text = normalise(text);
    let lower = text.to_ascii_lowercase();
    let error_code = error_code(&text, &lower);
    let operation = operation(&text, &lower);

    let anchors: Vec<usize> = lower.match_indices(ANCHOR).map(|(i, _)| i).collect();
    if anchors.is_empty() {
        let hint = error_code.as_ref().map(|_| {
            "AWS leaves out the principal, action and cause for some services and for callers \
             outside the resource owner's account or organization; CloudTrail's `errorMessage` \
             for the request may have them"
        });
        return Err(ParseError::NoDenial {
            found: Box::new(Found {
                error_code,
                operation,
                ..Found::default()
            }),
            hint,
        });
    }

    let mut first_error = None;
    for (n, &at) in anchors.iter().enumerate() {
        let end = anchors.get(n + 1).copied().unwrap_or(text.len());
        match one_message(&text, &lower, at, end) {
            Ok(m) => {
                let service = m.action.split_once(':').map(|(s, _)| s.to_string());
                return Ok(AccessDenied {
                    principal: m.principal,
                    action: m.action,
                    resource: m.resource,
                    cause: m.cause,
                    service,
                    error_code,
                    operation,
                    denying_policy: m.denying_policy,
                });
            }
            Err(found) => {
                first_error.get_or_insert(found);
            }
        }
    }
    let mut found = Box::new(first_error.expect("at least one anchor"));
    let nothing = found.principal.is_none() && found.action.is_none();
    found.error_code = error_code;
    found.operation = operation;
    Err(if nothing {
        ParseError::NoDenial { found, hint: None }
    } else if found.action.is_some() {
        ParseError::MissingPrincipal { found }
    } else {
        ParseError::MissingAction { found }
    })
}

const ANCHOR: &str = "is not authorized to perform";

struct Message {
    principal: String,
    action: String,
    resource: Option<String>,
    cause: Cause,
    denying_policy: Option<String>,
}

/// Reads the message whose `is not authorized to perform` starts at `at`; `end` is where the
/// next message starts. On failure returns the parts it did find.
fn one_message(text: &str, lower: &str, at: usize, end: usize) -> Result<Message, Found> {
    let principal = text[..at]
        .split_whitespace()
        .next_back()
        // `User:arn:aws:...` when a log squeezed out the space.
        .map(|t| trim_token(t.find("arn:").map_or(t, |i| &t[i..])))
        .filter(|p| Arn::parse(p).is_some())
        .map(str::to_string);

    // `is not authorized to perform: dynamodb:PutItem`
    let mut pos = at + ANCHOR.len();
    pos = skip(text, pos, |c| c == ':' || c == ' ');
    let raw_action = token(text, pos, end);
    let action = normalise_action(trim_token(raw_action));
    pos += raw_action.len();

    let mut resource = None;
    if action.is_some() {
        let rest_lower = &lower[pos..end];
        let rest = rest_lower.trim_start();
        let offset = pos + (rest_lower.len() - rest.len());
        if rest.starts_with("on resource") {
            let mut p = offset + "on resource".len();
            p = skip(text, p, |c| c == ':' || c == ' ');
            let (value, used) = resource_value(text, p, end);
            if !value.is_empty() {
                resource = Some(value);
            }
            pos = p + used;
        }
        // `on this resource`: KMS names no key; resource stays None.
    }

    match (principal, action) {
        (Some(principal), Some(action)) => {
            let (cause, denying_policy) = cause(text, lower, pos, end);
            Ok(Message {
                principal,
                action,
                resource,
                cause,
                denying_policy,
            })
        }
        (principal, action) => Err(Found {
            principal,
            action,
            resource,
            ..Found::default()
        }),
    }
}

/// A resource after `on resource:`; S3 quotes it. Returns the value and the bytes consumed.
fn resource_value(text: &str, pos: usize, end: usize) -> (String, usize) {
    let rest = &text[pos..end];
    if let Some(quoted) = rest.strip_prefix('"')
        && let Some(close) = quoted.find('"')
    {
        return (quoted[..close].trim().to_string(), close + 2);
    }
    let t = token(text, pos, end);
    (trim_token(t).to_string(), t.len())
}

/// Finds the `because no ... allows` or `explicit deny in ...` clause after `from`.
fn cause(text: &str, lower: &str, from: usize, end: usize) -> (Cause, Option<String>) {
    let window = &lower[from..end];
    let because = window.find("because no ");
    let explicit = window.find("explicit deny");
    let implicit = window.find("implicit deny in ");
    let first = [because, explicit, implicit].into_iter().flatten().min();
    let Some(first) = first else {
        return (Cause::Unspecified, None);
    };
    if Some(first) == because {
        let p = first + "because no ".len();
        let source = policy_type(&window[p..], " allows");
        return (no_allow(source), None);
    }
    if Some(first) == implicit {
        let p = first + "implicit deny in ".len();
        let source = policy_type(strip_article(&window[p..]), "");
        return (no_allow(source), None);
    }
    // `with an explicit deny` alone (older messages), or `... in a <type>[: <policy ARN>]`.
    let after = &window[first + "explicit deny".len()..];
    let Some(typed) = after.strip_prefix(" in ") else {
        return (
            Cause::ExplicitDeny(DenySource::Unknown(String::new())),
            None,
        );
    };
    let typed = strip_article(typed);
    let (source, used) = policy_type_len(typed, "");
    // Offsets into `window` (lowercase) equal offsets into `text`: ASCII lowercasing keeps lengths.
    let typed_at = from + (window.len() - typed.len()) + used;
    let denying_policy = policy_arn(text, typed_at, end);
    (Cause::ExplicitDeny(source), denying_policy)
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

/// Policy-type wordings AWS uses, lowercase.
const POLICY_TYPES: [(&str, DenySource); 7] = [
    ("identity-based policy", DenySource::IdentityPolicy),
    ("permissions boundary", DenySource::PermissionsBoundary),
    ("service control policy", DenySource::ServiceControlPolicy),
    ("resource control policy", DenySource::ResourceControlPolicy),
    ("resource-based policy", DenySource::ResourcePolicy),
    ("session policy", DenySource::SessionPolicy),
    ("vpc endpoint policy", DenySource::VpcEndpointPolicy),
];

fn policy_type(s: &str, stop: &str) -> DenySource {
    policy_type_len(s, stop).0
}

/// The policy type at the start of `s` (lowercase) and its length. An unknown wording is
/// kept up to `stop` (when given and near), punctuation, or a few words.
fn policy_type_len(s: &str, stop: &str) -> (DenySource, usize) {
    for (words, source) in POLICY_TYPES {
        if s.starts_with(words) {
            return (source, words.len());
        }
    }
    let mut len = s
        .find([':', '.', ',', ';', '"', ')', '('])
        .unwrap_or(s.len());
    if !stop.is_empty()
        && let Some(i) = s.find(stop)
    {
        len = len.min(i);
    }
    for cut in [" because", " transitively", " with "] {
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
    let t = trim_token(token(text, p, end));
    Arn::parse(t).map(|_| t.to_string())
}

/// Error codes an SDK prints around the message, most specific first.
fn error_code(text: &str, lower: &str) -> Option<String> {
    // (prefix, terminator) pairs, lowercase prefixes.
    let patterns: [(&str, &[char]); 9] = [
        ("an error occurred (", &[')']),         // botocore / AWS CLI
        ("api error ", &[':', ' ']),             // Go SDK v2
        ("code: some(\"", &['"']),               // Rust SDK ErrorMetadata (Debug)
        ("error { code: \"", &['"']),            // Rust SDK DisplayErrorContext
        ("unhandled error (", &[')']),           // Rust SDK Display
        ("error code: ", &[',', ';', ')', ' ']), // Java SDK
        ("\"__type\":\"", &['"']),               // DynamoDB/KMS JSON body
        ("\"code\":\"", &['"']),                 // JSON error body
        ("<code>", &['<']),                      // S3/STS XML body
    ];
    for (prefix, stops) in patterns {
        if let Some(i) = lower.find(prefix) {
            let start = i + prefix.len();
            let rest = &text[start..];
            let len = rest.find(stops).unwrap_or(rest.len());
            let code = rest[..len].trim();
            // `com.amazonaws.dynamodb.v20120810#AccessDeniedException` → the name after `#`.
            let code = code.rsplit('#').next().unwrap_or(code);
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
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '.')
}

fn operation(text: &str, lower: &str) -> Option<String> {
    // botocore: `when calling the PutItem operation`
    if let Some(i) = lower.find("when calling the ") {
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
    if let Some(i) = lower.find("operation error ") {
        let rest = &text[i + "operation error ".len()..];
        if let Some((_, after)) = rest.split_once(": ") {
            let t = trim_token(after.split_whitespace().next().unwrap_or(""));
            if is_operation(t) {
                return Some(t.to_string());
            }
        }
    }
    None
}

fn is_operation(s: &str) -> bool {
    !s.is_empty()
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

/// The text with JSON/string escapes undone and every run of whitespace made one space.
fn normalise(text: &str) -> String {
    let mut s = text.to_string();
    // Log lines can nest JSON in JSON; undo at most a few levels of escaping.
    for _ in 0..4 {
        let next = unescape(&s);
        if next == s {
            break;
        }
        s = next;
    }
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.peek().copied() {
            Some(q @ ('"' | '\'' | '/' | '\\')) => {
                out.push(q);
                chars.next();
            }
            Some('n' | 'r' | 't') => {
                out.push(' ');
                chars.next();
            }
            _ => out.push('\\'),
        }
    }
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
    t.trim_start_matches(['"', '\'', '`', '(', '[', '{'])
        .trim_end_matches(['"', '\'', '`', ')', ']', '}', ',', '.', ';'])
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
                dynamodb(" because no role trust policy allows the dynamodb:PutItem action"),
                SESSION,
                "dynamodb:PutItem",
                table,
                NoOtherPolicyAllow(Unknown("role trust policy".into())),
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
            assert_eq!(got.principal, c.principal, "{}: principal", c.name);
            assert_eq!(got.action, c.action, "{}: action", c.name);
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
    fn errors_say_what_was_found_and_what_is_missing() {
        let cases: [(&str, &[&str]); 6] = [
            ("", &["empty"]),
            (
                "is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:1:table/t",
                &[
                    "found the action `dynamodb:PutItem`",
                    "the resource `arn:aws:dynamodb:us-east-1:1:table/t`",
                    "but no principal ARN",
                    "`User: arn:aws:...`",
                ],
            ),
            (
                "User: anonymous is not authorized to perform: s3:GetObject",
                &["found the action `s3:GetObject` but no principal ARN"],
            ),
            (
                "An error occurred (AccessDenied) when calling the GetObject operation: User: arn:aws:iam::1:user/u is not authorized to perform: ???",
                &[
                    "found the principal `arn:aws:iam::1:user/u`",
                    "the error code `AccessDenied` and the operation `GetObject`",
                    "but no action",
                ],
            ),
            (
                "An error occurred (AccessDenied) when calling the GetObject operation: Access Denied",
                &[
                    "no AccessDenied message found",
                    "found only the error code `AccessDenied` and the operation `GetObject`",
                    "CloudTrail",
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
    fn the_kms_ciphertext_message_is_not_mistaken_for_a_denial() {
        let err = parse("AccessDeniedException: The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.").unwrap_err();
        assert!(
            matches!(err, ParseError::NoDenial { ref found, .. } if found.error_code.as_deref() == Some("AccessDeniedException")),
            "{err:?}"
        );
    }

    #[test]
    fn displays_read_as_sentences() {
        assert_eq!(
            Cause::ExplicitDeny(DenySource::ServiceControlPolicy).to_string(),
            "an explicit deny in a service control policy"
        );
        assert_eq!(
            Cause::NoOtherPolicyAllow(DenySource::VpcEndpointPolicy).to_string(),
            "a VPC endpoint policy does not allow it"
        );
    }
}
