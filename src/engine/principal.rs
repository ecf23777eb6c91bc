//! Principal ARNs (users, roles, role sessions, account roots) and the resource-policy `Principal` element
//! matching. Owns "does this principal entry name this caller"; must not decide the policy chain.
//!
//! AWS: reference_policies_elements_principal (account, role, role-session and user principals).

use super::condition::Tri;
use super::matcher::Pattern;
use super::symbolic::eq_tri;

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

impl PrincipalType {
    /// A session principal (assumed-role or federated user)?
    pub fn is_session(self) -> bool {
        matches!(
            self,
            PrincipalType::AssumedRole | PrincipalType::FederatedUser
        )
    }
}

/// A parsed principal ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalArn {
    pub partition: String,
    pub account: String,
    pub kind: PrincipalType,
    /// User/role name (last path component), the assumed role's name, or the federated user name.
    pub name: String,
    /// The path of a user or role (`/` when none, `/app/` for `role/app/R`); empty for other kinds.
    pub path: String,
    pub session: Option<String>,
}

/// [`PrincipalArn`]'s parts borrowed from the ARN: the one reading of a principal ARN, which the
/// engine uses as it is (no strings built per evaluation) and [`PrincipalArn::parse`] copies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PrincipalRef<'a> {
    pub(crate) partition: &'a str,
    pub(crate) account: &'a str,
    pub(crate) kind: PrincipalType,
    pub(crate) name: &'a str,
    pub(crate) path: &'a str,
    pub(crate) session: Option<&'a str>,
}

impl<'a> PrincipalRef<'a> {
    pub(crate) fn of(arn: &'a str) -> Option<PrincipalRef<'a>> {
        // Split as `splitn(6, ':')`, by the engine's word-at-a-time colon search (this runs for
        // every principal entry of a resource policy, on each request it governs).
        let [prefix, partition, service, _region, account, resource] =
            super::variables::ArnParts::new(arn).six()?;
        if prefix != "arn" || account.is_empty() {
            return None;
        }
        let slash = |r: &'a str| r.bytes().position(|b| b == b'/');
        let last_slash = |r: &'a str| r.bytes().rposition(|b| b == b'/');
        let last = |r: &'a str| last_slash(r).map_or(r, |i| &r[i + 1..]);
        let path = |r: &'a str| match (slash(r), last_slash(r)) {
            (Some(a), Some(b)) => &r[a..=b],
            _ => "",
        };
        let (kind, name, session) = match service {
            "iam" if resource == "root" => (PrincipalType::Root, "", None),
            "iam" if resource.starts_with("user/") => (PrincipalType::User, last(resource), None),
            "iam" if resource.starts_with("role/") => (PrincipalType::Role, last(resource), None),
            "sts" => {
                if let Some(rest) = resource.strip_prefix("assumed-role/") {
                    let (role, sess) = rest.split_once('/')?;
                    (PrincipalType::AssumedRole, role, Some(sess))
                } else if let Some(rest) = resource.strip_prefix("federated-user/") {
                    (PrincipalType::FederatedUser, rest, None)
                } else {
                    return None;
                }
            }
            _ => return None,
        };
        if kind != PrincipalType::Root && name.is_empty() {
            return None;
        }
        let path = match kind {
            PrincipalType::User | PrincipalType::Role => path(resource),
            _ => "",
        };
        Some(PrincipalRef {
            partition,
            account,
            kind,
            name,
            path,
            session,
        })
    }
}

impl PrincipalArn {
    pub fn parse(arn: &str) -> Option<PrincipalArn> {
        let p = PrincipalRef::of(arn)?;
        Some(PrincipalArn {
            partition: p.partition.to_string(),
            account: p.account.to_string(),
            kind: p.kind,
            name: p.name.to_string(),
            path: p.path.to_string(),
            session: p.session.map(str::to_string),
        })
    }

    /// Whether [`Self::parse`] reads `arn`, without building it (a batch checks every line's
    /// principal).
    pub fn is_valid(arn: &str) -> bool {
        PrincipalRef::of(arn).is_some()
    }

    /// Is this a session principal (assumed-role or federated user)?
    pub fn is_session(&self) -> bool {
        self.kind.is_session()
    }
}

/// The account id of an ARN (5th colon segment), if any.
pub fn arn_account(arn: &str) -> Option<&str> {
    // The fifth `:`-separated field, between the fourth colon and the fifth (or the end): this runs
    // several times an evaluation, and `str::split` costs more than the evaluation's other steps.
    if !arn.starts_with("arn:") {
        return None;
    }
    let mut colons = super::variables::Colons::new(arn);
    let start = colons.nth(3)? + 1;
    let end = colons.next().unwrap_or(arn.len());
    let account = &arn[start..end];
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

/// Three-valued name equality for principal ARNs: IAM user and role names are unique regardless of
/// case (reference_identifiers, "Friendly names": names "are not distinguished by case"), and AWS turns a
/// principal ARN into the entity's unique id when the policy is saved, so an entry that differs from the
/// caller only by case may well name it: unknown, not "no match".
fn name_eq(a: &str, b: &str) -> Tri {
    match eq_tri(a, b) {
        Tri::False if a.eq_ignore_ascii_case(b) => Tri::Unknown,
        t => t,
    }
}

/// Match one `"AWS"` principal value against the caller ARN; the [`Tri`] says how sure the match is.
///
/// The caller is the principal AWS would see. A *role* ARN stands for **any session of the role** (a role
/// only ever calls AWS through sessions): an entry naming the role matches it; an entry naming one session
/// of it may or may not be the session in use, so it is [`Tri::Unknown`]. A session ARN is exactly that
/// session. Wildcards other than a lone `"*"` are not supported in `Principal` by AWS, so values are
/// literal (reference_policies_elements_principal: "You cannot use a wildcard to match part of a
/// principal name or ARN").
pub fn match_aws_entry(entry: &str, caller: &str) -> (EntryMatch, Tri) {
    match_aws_entry_with(entry, caller, PrincipalRef::of(caller).as_ref())
}

/// [`match_aws_entry`] with the caller already parsed (`c` is `PrincipalRef::of(caller)`), so an
/// evaluation parses its caller once for every entry of every statement.
pub(crate) fn match_aws_entry_with(
    entry: &str,
    caller: &str,
    c: Option<&PrincipalRef>,
) -> (EntryMatch, Tri) {
    const NO: (EntryMatch, Tri) = (EntryMatch::None, Tri::False);
    if entry == "*" {
        return (EntryMatch::Anyone, Tri::True);
    }
    // AWS: "You cannot use a wildcard to match part of a principal name or ARN". A policy that holds one
    // anyway (a file never saved to AWS) says nothing certain: if it would match as a glob, unknown.
    // It is unknown whenever it could name a principal of the caller's account.
    if entry.contains(['*', '?']) {
        let account_pattern = entry.split(':').nth(4).unwrap_or(entry);
        let maybe = Pattern::new(entry, false).matches(caller)
            || c.is_some_and(|c| Pattern::new(account_pattern, false).matches(c.account));
        return if maybe {
            (EntryMatch::Role, Tri::Unknown)
        } else {
            NO
        };
    }
    if entry == caller {
        // A role entry equal to a role caller still counts as a role grant (capped by the boundary).
        let kind = match c.map(|c| c.kind) {
            Some(PrincipalType::Role) => EntryMatch::Role,
            Some(PrincipalType::Root) => EntryMatch::Account,
            _ => EntryMatch::Exact,
        };
        return (kind, Tri::True);
    }
    let Some(c) = c else {
        return NO;
    };
    if !entry.is_empty() && entry.chars().all(|ch| ch.is_ascii_digit()) {
        return match eq_tri(entry, c.account) {
            Tri::False => NO,
            t => (EntryMatch::Account, t),
        };
    }
    let Some(e) = PrincipalRef::of(entry) else {
        return NO;
    };
    let account = eq_tri(e.account, c.account);
    if account == Tri::False || e.partition != c.partition {
        return NO;
    }
    let (kind, t) = match (e.kind, c.kind) {
        (PrincipalType::Root, _) => (EntryMatch::Account, Tri::True),
        // Another path with the same name: role names are unique in an account whatever the path, so this
        // is either the caller's role or an ARN that never resolved; not settled.
        (PrincipalType::Role, PrincipalType::Role) => match name_eq(e.name, c.name) {
            Tri::False => return NO,
            t => (EntryMatch::Role, t.and(Tri::Unknown)),
        },
        // A role principal covers the role's sessions; the session ARN has no path, so compare names.
        (PrincipalType::Role, PrincipalType::AssumedRole) => {
            (EntryMatch::Role, name_eq(e.name, c.name))
        }
        // One session of the caller's role: it may or may not be the session in use.
        (PrincipalType::AssumedRole, PrincipalType::Role) => match name_eq(e.name, c.name) {
            Tri::False => return NO,
            _ => (EntryMatch::Exact, Tri::Unknown),
        },
        (PrincipalType::AssumedRole, PrincipalType::AssumedRole) => (
            EntryMatch::Exact,
            name_eq(e.name, c.name).and(eq_tri(
                e.session.unwrap_or_default(),
                c.session.unwrap_or_default(),
            )),
        ),
        (PrincipalType::User, PrincipalType::User) => (
            EntryMatch::Exact,
            name_eq(e.name, c.name).and(if e.path == c.path {
                Tri::True
            } else {
                Tri::Unknown
            }),
        ),
        (PrincipalType::FederatedUser, PrincipalType::FederatedUser) => {
            (EntryMatch::Exact, eq_tri(e.name, c.name))
        }
        _ => return NO,
    };
    match account.and(t) {
        Tri::False => NO,
        t => (kind, t),
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
        use EntryMatch as M;
        use Tri::{True as T, Unknown as U};
        let n = (M::None, Tri::False);
        let cases: &[(&str, &str, (EntryMatch, Tri))] = &[
            ("*", role, (M::Anyone, T)),
            ("111122223333", role, (M::Account, T)),
            ("444455556666", role, n),
            ("arn:aws:iam::111122223333:root", sess, (M::Account, T)),
            ("arn:aws:iam::444455556666:root", sess, n),
            (role, role, (M::Role, T)),
            (role, sess, (M::Role, T)),
            ("arn:aws:iam::111122223333:role/R", sess, (M::Role, T)),
            ("arn:aws:iam::111122223333:role/r", sess, (M::Role, U)),
            ("arn:aws:iam::111122223333:role/Other", sess, n),
            // another path, same name: not settled
            ("arn:aws:iam::111122223333:role/R", role, (M::Role, U)),
            (sess, sess, (M::Exact, T)),
            ("arn:aws:sts::111122223333:assumed-role/R/s2", sess, n),
            (user, user, (M::Exact, T)),
            ("arn:aws:iam::111122223333:user/ALICE", user, (M::Exact, U)),
            (
                "arn:aws:iam::111122223333:user/x/alice",
                user,
                (M::Exact, U),
            ),
            ("arn:aws:iam::111122223333:user/bob", user, n),
            // a role ARN caller is any session of the role: one named session may or may not be it
            (sess, role, (M::Exact, U)),
            ("arn:aws:sts::111122223333:assumed-role/Other/s1", role, n),
            ("arn:aws:sts::444455556666:assumed-role/R/s1", role, n),
            ("arn:aws-cn:iam::111122223333:role/app/R", role, n),
            // partial wildcards are not principals AWS accepts: unknown when they would match
            ("arn:aws:iam::111122223333:role/app/*", role, (M::Role, U)),
            ("arn:aws:iam::*:root", sess, (M::Role, U)),
            ("arn:aws:iam::444455556666:role/*", role, n),
        ];
        for (entry, caller, want) in cases {
            assert_eq!(match_aws_entry(entry, caller), *want, "{entry} vs {caller}");
        }
    }

    proptest::proptest! {
        /// The byte search finds the account where splitting at every `:` does.
        #[test]
        fn arn_account_is_the_fifth_field(t in "(arn)?[a:b]{0,12}") {
            let mut parts = t.split(':');
            let want = (parts.next() == Some("arn"))
                .then(|| parts.nth(3))
                .flatten()
                .filter(|a| !a.is_empty());
            proptest::prop_assert_eq!(arn_account(&t), want);
        }
    }
}
