//! Principal ARNs (users, roles, role sessions, account roots) and the resource-policy `Principal` element
//! matching. Owns "does this principal entry name this caller"; must not decide the policy chain.
//!
//! AWS: reference_policies_elements_principal (account, role, role-session and user principals).

/// What kind of identity an ARN names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrincipalType {
    /// `arn:aws:iam::A:user/path/name`
    User,
    /// `arn:aws:iam::A:role/path/name`
    Role,
    /// `arn:aws:sts::A:assumed-role/role/session` (name = role name, session in `session`)
    AssumedRole,
    /// `arn:aws:sts::A:federated-user/name`
    FederatedUser,
    /// `arn:aws:iam::A:root`
    Root,
}

/// A parsed principal ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalArn {
    pub partition: String,
    pub account: String,
    pub kind: PrincipalType,
    /// User/role name (last path component), the assumed role's name, or the federated user name.
    pub name: String,
    pub session: Option<String>,
}

impl PrincipalArn {
    pub fn parse(arn: &str) -> Option<PrincipalArn> {
        let mut parts = arn.splitn(6, ':');
        let (prefix, partition, service, _region, account, resource) = (
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
        );
        if prefix != "arn" || account.is_empty() {
            return None;
        }
        let last = |r: &str| r.rsplit('/').next().unwrap_or_default().to_string();
        let (kind, name, session) = match service {
            "iam" if resource == "root" => (PrincipalType::Root, String::new(), None),
            "iam" if resource.starts_with("user/") => (PrincipalType::User, last(resource), None),
            "iam" if resource.starts_with("role/") => (PrincipalType::Role, last(resource), None),
            "sts" => {
                if let Some(rest) = resource.strip_prefix("assumed-role/") {
                    let (role, sess) = rest.split_once('/')?;
                    (
                        PrincipalType::AssumedRole,
                        role.to_string(),
                        Some(sess.to_string()),
                    )
                } else if let Some(rest) = resource.strip_prefix("federated-user/") {
                    (PrincipalType::FederatedUser, rest.to_string(), None)
                } else {
                    return None;
                }
            }
            _ => return None,
        };
        if kind != PrincipalType::Root && name.is_empty() {
            return None;
        }
        Some(PrincipalArn {
            partition: partition.to_string(),
            account: account.to_string(),
            kind,
            name,
            session,
        })
    }

    /// Is this a session principal (assumed-role or federated user)?
    pub fn is_session(&self) -> bool {
        matches!(
            self.kind,
            PrincipalType::AssumedRole | PrincipalType::FederatedUser
        )
    }
}

/// The account id of an ARN (5th colon segment), if any.
pub fn arn_account(arn: &str) -> Option<&str> {
    let mut parts = arn.split(':');
    if parts.next()? != "arn" {
        return None;
    }
    let account = parts.nth(3)?;
    (!account.is_empty()).then_some(account)
}

/// How a `Principal` entry matched the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryMatch {
    /// No match.
    None,
    /// `"*"` (anyone).
    Anyone,
    /// The account (`"A"` or `arn:aws:iam::A:root`) of the caller.
    Account,
    /// A role ARN that names the caller's role (the role itself or a session of it).
    Role,
    /// The caller's exact ARN (a user or a session ARN, or a service / federated principal string).
    Exact,
}

/// Match one `"AWS"` principal value against the caller ARN.
/// Wildcards other than a lone `"*"` are not supported in `Principal` by AWS, so values are literal.
pub fn match_aws_entry(entry: &str, caller: &str) -> EntryMatch {
    if entry == "*" {
        return EntryMatch::Anyone;
    }
    if entry == caller {
        // A role entry equal to a role caller still counts as a role grant (capped by the boundary).
        return match PrincipalArn::parse(entry) {
            Some(p) if p.kind == PrincipalType::Role => EntryMatch::Role,
            Some(p) if p.kind == PrincipalType::Root => EntryMatch::Account,
            _ => EntryMatch::Exact,
        };
    }
    let Some(c) = PrincipalArn::parse(caller) else {
        return EntryMatch::None;
    };
    if entry.chars().all(|ch| ch.is_ascii_digit()) && entry == c.account {
        return EntryMatch::Account;
    }
    let Some(e) = PrincipalArn::parse(entry) else {
        return EntryMatch::None;
    };
    if e.account != c.account || e.partition != c.partition {
        return EntryMatch::None;
    }
    match (e.kind, c.kind) {
        (PrincipalType::Root, _) => EntryMatch::Account,
        // A role principal covers the role's sessions; the session ARN has no path, so compare names.
        (PrincipalType::Role, PrincipalType::AssumedRole) if e.name == c.name => EntryMatch::Role,
        _ => EntryMatch::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Expected<'a> = Option<(PrincipalType, &'a str, &'a str)>;

    #[test]
    fn parse_table() {
        let cases: &[(&str, Expected)] = &[
            (
                "arn:aws:iam::111122223333:user/alice",
                Some((PrincipalType::User, "111122223333", "alice")),
            ),
            (
                "arn:aws:iam::111122223333:user/dev/alice",
                Some((PrincipalType::User, "111122223333", "alice")),
            ),
            (
                "arn:aws:iam::111122223333:role/app/R",
                Some((PrincipalType::Role, "111122223333", "R")),
            ),
            (
                "arn:aws:sts::111122223333:assumed-role/R/s1",
                Some((PrincipalType::AssumedRole, "111122223333", "R")),
            ),
            (
                "arn:aws:sts::111122223333:federated-user/bob",
                Some((PrincipalType::FederatedUser, "111122223333", "bob")),
            ),
            (
                "arn:aws:iam::111122223333:root",
                Some((PrincipalType::Root, "111122223333", "")),
            ),
            ("arn:aws:sts::111122223333:assumed-role/R", None),
            ("arn:aws:s3:::bucket", None),
            ("dynamodb.amazonaws.com", None),
            ("", None),
        ];
        for (arn, want) in cases {
            let got = PrincipalArn::parse(arn).map(|p| (p.kind, p.account.clone(), p.name.clone()));
            let want = want.map(|(k, a, n)| (k, a.to_string(), n.to_string()));
            assert_eq!(got, want, "{arn}");
        }
    }

    #[test]
    fn entry_table() {
        let role = "arn:aws:iam::111122223333:role/app/R";
        let sess = "arn:aws:sts::111122223333:assumed-role/R/s1";
        let user = "arn:aws:iam::111122223333:user/alice";
        let cases: &[(&str, &str, EntryMatch)] = &[
            ("*", role, EntryMatch::Anyone),
            ("111122223333", role, EntryMatch::Account),
            ("444455556666", role, EntryMatch::None),
            ("arn:aws:iam::111122223333:root", sess, EntryMatch::Account),
            ("arn:aws:iam::444455556666:root", sess, EntryMatch::None),
            (role, role, EntryMatch::Role),
            (role, sess, EntryMatch::Role),
            ("arn:aws:iam::111122223333:role/R", sess, EntryMatch::Role),
            (
                "arn:aws:iam::111122223333:role/Other",
                sess,
                EntryMatch::None,
            ),
            ("arn:aws:iam::111122223333:role/R", role, EntryMatch::None),
            (sess, sess, EntryMatch::Exact),
            (
                "arn:aws:sts::111122223333:assumed-role/R/s2",
                sess,
                EntryMatch::None,
            ),
            (user, user, EntryMatch::Exact),
            ("arn:aws:iam::111122223333:user/bob", user, EntryMatch::None),
            (sess, role, EntryMatch::None),
        ];
        for (entry, caller, want) in cases {
            assert_eq!(match_aws_entry(entry, caller), *want, "{entry} vs {caller}");
        }
    }
}
