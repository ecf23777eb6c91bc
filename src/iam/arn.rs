//! ARN parsing for the few ARN shapes the tool reasons about: IAM roles and users, STS
//! assumed-role sessions, KMS keys and aliases. Pure string handling; must not call AWS.

use serde::{Deserialize, Serialize};

/// The six colon-separated parts of an ARN. The resource part keeps any further colons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    pub fn parse(s: &'a str) -> Option<Arn<'a>> {
        let mut parts = s.splitn(6, ':');
        if parts.next()? != "arn" {
            return None;
        }
        let partition = parts.next()?;
        let service = parts.next()?;
        let region = parts.next()?;
        let account = parts.next()?;
        let resource = parts.next()?;
        if partition.is_empty() || service.is_empty() || resource.is_empty() {
            return None;
        }
        Some(Arn {
            partition,
            service,
            region,
            account,
            resource,
        })
    }
}

/// What kind of IAM principal is being audited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PrincipalKind {
    Role,
    User,
}

impl PrincipalKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalKind::Role => "role",
            PrincipalKind::User => "user",
        }
    }
}

/// A principal as the user named it, before AWS has confirmed it exists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrincipalRef {
    pub kind: PrincipalKind,
    /// The entity name, without path (GetRole/GetUser take the name).
    pub name: String,
    /// The account, when the input was an ARN.
    pub account: Option<String>,
    /// The session name, when the input was an assumed-role session ARN.
    pub session: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArnError {
    #[error("`{0}` is not an IAM role, IAM user or assumed-role session ARN")]
    NotAPrincipal(String),
    #[error(
        "`{0}` is the account's root user, which IAM policies do not restrict; name the role or user to audit with --role or --user"
    )]
    Root(String),
    #[error(
        "`{0}` is a federated-user session; name the IAM role or user whose policies it uses with --role or --user"
    )]
    Federated(String),
}

/// Reads a principal from an ARN: `arn:aws:iam::A:role/path/R`, `arn:aws:iam::A:user/path/U`,
/// or `arn:aws:sts::A:assumed-role/R/session` (as `aws sts get-caller-identity` prints it).
/// The role's path is not in a session ARN, so callers must look the role up by name.
pub fn principal_from_arn(s: &str) -> Result<PrincipalRef, ArnError> {
    let arn = Arn::parse(s).ok_or_else(|| ArnError::NotAPrincipal(s.to_string()))?;
    let account = Some(arn.account.to_string()).filter(|a| !a.is_empty());
    match arn.service {
        "iam" => {
            if arn.resource == "root" {
                return Err(ArnError::Root(s.to_string()));
            }
            let (kind, rest) = if let Some(rest) = arn.resource.strip_prefix("role/") {
                (PrincipalKind::Role, rest)
            } else if let Some(rest) = arn.resource.strip_prefix("user/") {
                (PrincipalKind::User, rest)
            } else {
                return Err(ArnError::NotAPrincipal(s.to_string()));
            };
            let name = rest.rsplit('/').next().unwrap_or_default();
            if name.is_empty() {
                return Err(ArnError::NotAPrincipal(s.to_string()));
            }
            Ok(PrincipalRef {
                kind,
                name: name.to_string(),
                account,
                session: None,
            })
        }
        "sts" => {
            if let Some(rest) = arn.resource.strip_prefix("assumed-role/") {
                let mut it = rest.splitn(2, '/');
                let role = it.next().unwrap_or_default();
                let session = it.next().map(str::to_string);
                if role.is_empty() {
                    return Err(ArnError::NotAPrincipal(s.to_string()));
                }
                Ok(PrincipalRef {
                    kind: PrincipalKind::Role,
                    name: role.to_string(),
                    account,
                    session,
                })
            } else if arn.resource.starts_with("federated-user/") {
                Err(ArnError::Federated(s.to_string()))
            } else {
                Err(ArnError::NotAPrincipal(s.to_string()))
            }
        }
        _ => Err(ArnError::NotAPrincipal(s.to_string())),
    }
}

/// Reads `--role`/`--user` input: a bare name (optionally with a path, which is dropped),
/// or an ARN of the matching kind (an assumed-role session ARN counts as a role).
pub fn principal_from_input(kind: PrincipalKind, input: &str) -> Result<PrincipalRef, ArnError> {
    if input.starts_with("arn:") {
        let p = principal_from_arn(input)?;
        if p.kind != kind {
            return Err(ArnError::NotAPrincipal(input.to_string()));
        }
        return Ok(p);
    }
    let name = input
        .trim_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default();
    if name.is_empty() {
        return Err(ArnError::NotAPrincipal(input.to_string()));
    }
    Ok(PrincipalRef {
        kind,
        name: name.to_string(),
        account: None,
        session: None,
    })
}

/// How the user named a KMS key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyInput {
    /// A key ARN (`arn:aws:kms:R:A:key/ID`): used as is.
    KeyArn(String),
    /// A bare key id (UUID or `mrk-…`): expanded with the audit's region and account.
    KeyId(String),
    /// `alias/name` or an alias ARN: must be resolved to the key ARN, because an alias ARN
    /// in a policy's Resource does not authorize use of the key.
    Alias(String),
}

pub fn parse_key_input(s: &str) -> Option<KeyInput> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Some(arn) = Arn::parse(s) {
        if arn.service != "kms" {
            return None;
        }
        if arn.resource.starts_with("key/") && arn.resource.len() > 4 {
            return Some(KeyInput::KeyArn(s.to_string()));
        }
        if arn.resource.starts_with("alias/") && arn.resource.len() > 6 {
            return Some(KeyInput::Alias(s.to_string()));
        }
        return None;
    }
    if s.starts_with("alias/") && s.len() > 6 {
        return Some(KeyInput::Alias(s.to_string()));
    }
    if s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Some(KeyInput::KeyId(s.to_string()));
    }
    None
}

/// The ARN of the table a DynamoDB table or index ARN belongs to
/// (`arn:…:table/T/index/I` → `arn:…:table/T`): a table's resource policy also governs its
/// indexes.
pub fn table_arn_of(arn: &str) -> Option<&str> {
    let parsed = Arn::parse(arn)?;
    if parsed.service != "dynamodb" || !parsed.resource.starts_with("table/") {
        return None;
    }
    let name = table_name_of(arn)?;
    let end = arn.len() - parsed.resource.len() + "table/".len() + name.len();
    Some(&arn[..end])
}

/// The table name in a DynamoDB table or index ARN.
pub fn table_name_of(arn: &str) -> Option<&str> {
    let parsed = Arn::parse(arn)?;
    let rest = parsed.resource.strip_prefix("table/")?;
    let name = rest.split('/').next().unwrap_or(rest);
    (parsed.service == "dynamodb" && !name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    #[test]
    fn table_of_table_and_index_arns() {
        let t = "arn:aws:dynamodb:eu-west-1:111122223333:table/orders";
        assert_eq!(super::table_arn_of(t), Some(t));
        assert_eq!(super::table_arn_of(&format!("{t}/index/by-date")), Some(t));
        assert_eq!(super::table_arn_of(&format!("{t}/index/*")), Some(t));
        assert_eq!(
            super::table_name_of(&format!("{t}/index/x")),
            Some("orders")
        );
        assert_eq!(super::table_arn_of("arn:aws:kms:eu-west-1:1:key/k"), None);
        assert_eq!(super::table_arn_of("*"), None);
        assert_eq!(
            super::table_name_of("arn:aws:dynamodb:eu-west-1:1:table/"),
            None
        );
    }

    use super::*;

    type Expected<'a> = Option<(PrincipalKind, &'a str, Option<&'a str>)>;

    #[test]
    fn principals_from_arns() {
        let cases: &[(&str, Expected)] = &[
            (
                "arn:aws:iam::123456789012:role/app",
                Some((PrincipalKind::Role, "app", None)),
            ),
            (
                "arn:aws:iam::123456789012:role/svc/team/app",
                Some((PrincipalKind::Role, "app", None)),
            ),
            (
                "arn:aws:iam::123456789012:user/ops/alice",
                Some((PrincipalKind::User, "alice", None)),
            ),
            (
                "arn:aws:sts::123456789012:assumed-role/app/i-0abc",
                Some((PrincipalKind::Role, "app", Some("i-0abc"))),
            ),
            (
                "arn:aws-cn:sts::123456789012:assumed-role/app/botocore-session-1",
                Some((PrincipalKind::Role, "app", Some("botocore-session-1"))),
            ),
            ("arn:aws:iam::123456789012:group/devs", None),
            ("arn:aws:s3:::bucket", None),
            ("role/app", None),
            ("arn:aws:iam::123456789012:role/", None),
        ];
        for (input, want) in cases {
            let got = principal_from_arn(input)
                .ok()
                .map(|p| (p.kind, p.name, p.session));
            let want = want.map(|(k, n, s)| (k, n.to_string(), s.map(str::to_string)));
            assert_eq!(got, want, "{input}");
        }
    }

    #[test]
    fn root_and_federated_get_their_own_messages() {
        assert!(matches!(
            principal_from_arn("arn:aws:iam::123456789012:root"),
            Err(ArnError::Root(_))
        ));
        assert!(matches!(
            principal_from_arn("arn:aws:sts::123456789012:federated-user/bob"),
            Err(ArnError::Federated(_))
        ));
    }

    #[test]
    fn role_input_accepts_names_paths_and_session_arns() {
        assert_eq!(
            principal_from_input(PrincipalKind::Role, "app")
                .unwrap()
                .name,
            "app"
        );
        assert_eq!(
            principal_from_input(PrincipalKind::Role, "/svc/app")
                .unwrap()
                .name,
            "app"
        );
        assert!(principal_from_input(PrincipalKind::Role, "arn:aws:iam::1:user/alice").is_err());
        let p =
            principal_from_input(PrincipalKind::Role, "arn:aws:sts::1:assumed-role/app/s").unwrap();
        assert_eq!((p.name.as_str(), p.account.as_deref()), ("app", Some("1")));
    }

    #[test]
    fn key_inputs() {
        assert_eq!(
            parse_key_input("arn:aws:kms:us-east-1:1:key/abcd"),
            Some(KeyInput::KeyArn("arn:aws:kms:us-east-1:1:key/abcd".into()))
        );
        assert_eq!(
            parse_key_input("alias/app"),
            Some(KeyInput::Alias("alias/app".into()))
        );
        assert_eq!(
            parse_key_input("arn:aws:kms:us-east-1:1:alias/app"),
            Some(KeyInput::Alias("arn:aws:kms:us-east-1:1:alias/app".into()))
        );
        assert_eq!(
            parse_key_input("1234abcd-12ab-34cd-56ef-1234567890ab"),
            Some(KeyInput::KeyId(
                "1234abcd-12ab-34cd-56ef-1234567890ab".into()
            ))
        );
        assert_eq!(parse_key_input("arn:aws:s3:::b"), None);
        assert_eq!(parse_key_input("my key"), None);
    }
}
