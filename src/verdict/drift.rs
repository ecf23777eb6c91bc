//! Policy drift: does a committed identity policy still grant every call the service makes?
//! `policy --check FILE` asks it on every commit (the pre-commit hook), so a change to the code
//! that needs a new permission fails before the deploy that would hit AccessDenied. Pure: the
//! policies come parsed, nothing is read or printed here.
//!
//! Each needed call is evaluated by the local engine against the file's policies alone, as the
//! identity policies of a role in the resources' own account, in the request AWS would send
//! (`needs/request_context.toml`, now, in the check's region). Fail safe: a call counts as
//! granted only when the engine says `Allowed`; a condition it cannot settle offline (a
//! principal tag, a key whose value it cannot know) makes the call *not granted*, with the
//! reason, never a pass. What only other policies decide is taken at its usual setting, since
//! the file cannot change it and `check` audits it: a KMS key's key policy is AWS's default one
//! (it lets the account's IAM policies grant use of the key; KMS Developer Guide, "Default key
//! policy"), a role to assume trusts the account (IAM User Guide, "Granting a user permissions
//! to switch roles"), and tables and buckets have no resource policy.
//!
//! A file that grants every call can still fail to deploy: IAM refuses a policy over its size
//! quota ([`over_quota`]). A `--split read-write` file is checked half by half
//! ([`ungranted_split`]).

use serde_json::json;

use crate::engine::{
    Decision, NamedPolicy, PolicyDocument, PolicyKind, PolicySet, Request, ResourcePolicyMode,
    evaluate,
};
use crate::needs::plan::{Check, Env};
use crate::verdict::generate::{Half, Quota, half, policy_size};
use crate::verdict::local::context_values;
use crate::verdict::request::{Caller, Setting, context_for};

/// A call the policies do not grant, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Ungranted {
    pub check: Check,
    pub reason: String,
    /// The resource is in another account, whose own policy (a key policy, a role's trust
    /// policy, a table's resource policy) must also allow the call: no statement added to the
    /// file can settle it ([`CrossAccount`]).
    pub cross_account: Option<CrossAccount>,
    /// Which policy of a `--split read-write` file lacks it (`reader`, `writer`); `None` for a
    /// file whose policies are attached together.
    pub half: Option<&'static str>,
}

/// What a call on a resource of another account needs from that account.
#[derive(Debug, Clone, PartialEq)]
pub struct CrossAccount {
    /// The resource's account.
    pub account: String,
    /// Whether the file's own side grants it (its identity policies allow the call once the
    /// other account's policy does); when not, the file needs statements too.
    pub file_grants: bool,
}

impl CrossAccount {
    /// Which policy, in which account, must allow which principal and action (IAM User Guide,
    /// "Cross-account policy evaluation logic": both the identity policy in the caller's
    /// account and the resource's policy in its own account must allow).
    /// `actions`: every action the file needs on `check`'s resource.
    pub fn what_to_do(&self, check: &Check, actions: &[&str], env: &Env) -> String {
        let root = format!("arn:{}:iam::{}:root", env.partition, env.account);
        let whose = match check.resource_kind.as_str() {
            "kms-key" => format!("the key policy of `{}`", check.resource),
            "role" => format!("the trust policy of role `{}`", check.resource),
            "table" | "index" | "lock-table" => format!(
                "the resource-based policy of table `{}` (a table's policy also covers its indexes)",
                table_of(&check.resource)
            ),
            _ => format!("the resource policy of `{}`", check.resource),
        };
        format!(
            "in account {}, {whose} must allow {} to the role or user this file is attached to in account {} (name its ARN, or `{root}` to delegate to that account's IAM policies)",
            self.account,
            actions
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", "),
            env.account
        )
    }
}

/// The table ARN of a table, index or stream ARN.
fn table_of(arn: &str) -> &str {
    match arn.find("/index/").or_else(|| arn.find("/stream/")) {
        Some(i) => &arn[..i],
        None => arn,
    }
}

/// The principal the file is evaluated for: a role of the account with no path (a condition
/// on the principal's name or tags cannot be met by it, so such a grant is not counted).
fn principal(env: &Env) -> String {
    format!(
        "arn:{}:iam::{}:role/pydynox-iam-policy-check",
        env.partition, env.account
    )
}

/// The policy a resource of this kind has by default, that delegates to the account's IAM
/// policies, and how AWS combines it.
fn default_resource_policy(check: &Check, env: &Env) -> Option<(NamedPolicy, ResourcePolicyMode)> {
    let id = match check.resource_kind.as_str() {
        "kms-key" => "default key policy",
        "role" => "trust policy trusting the account",
        _ => return None,
    };
    Some(delegating_policy(id, check, env))
}

/// A resource policy that allows the caller's account root the call, so that the caller's own
/// IAM policies decide (IAM User Guide, "Cross-account policy evaluation logic": a resource
/// policy naming the account delegates to its IAM policies).
fn delegating_policy(id: &str, check: &Check, env: &Env) -> (NamedPolicy, ResourcePolicyMode) {
    let root = format!("arn:{}:iam::{}:root", env.partition, env.account);
    let action = match check.resource_kind.as_str() {
        "kms-key" => "kms:*",
        "role" => "sts:AssumeRole",
        _ => check.action.as_str(),
    };
    let doc = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": root}, "Action": action, "Resource": "*"}]});
    let doc = PolicyDocument::parse(&doc.to_string()).expect("a fixed, valid policy");
    let policy =
        NamedPolicy::new(id, PolicyKind::Resource, doc).expect("valid as a resource policy");
    (policy, ResourcePolicyMode::KmsKeyPolicy)
}

/// The account an ARN names (its fifth field), when it names one.
fn resource_account(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| !a.is_empty())
}

/// The checks `policies` do not grant, in the order given.
pub fn ungranted(
    checks: &[Check],
    policies: &[NamedPolicy],
    env: &Env,
    setting: &Setting,
) -> Vec<Ungranted> {
    let caller = Caller {
        arn: principal(env),
        role_arn: None,
        tags: None,
    };
    let mut out = Vec::new();
    for check in checks {
        // A resource of another account (a key, a table or a role to assume named by its ARN)
        // is governed by that account's own resource policy, which the file cannot show: AWS
        // needs both sides to allow a cross-account call (IAM User Guide, "Cross-account policy
        // evaluation logic"; KMS Developer Guide, "Allowing users in other accounts to use a KMS
        // key"). Evaluating it with this account's default key or trust policy would count a
        // grant AWS refuses, so it is never counted as granted. The file's own side is still
        // evaluated (with a policy there that delegates to this account), so the report can
        // say whether the file needs statements too, or only the other account's policy does.
        // (S3 bucket ARNs carry no account; a bucket is taken to be the caller's, as the
        // module doc says.)
        if let Some(other) = resource_account(&check.resource).filter(|a| *a != env.account) {
            let (policy, mode) = delegating_policy("a policy of the other account", check, env);
            let own = decide(
                check,
                policies,
                Some((&policy, mode)),
                other,
                &caller,
                env,
                setting,
            );
            let reason = match &own {
                None => format!(
                    "the resource is in account {other}, not {}: its own resource policy must also allow the call, and the file cannot show that, so it is not counted as granted (the file's own statements allow it)",
                    env.account
                ),
                Some(why) => format!(
                    "the resource is in account {other}, not {}: its own resource policy must also allow the call, and the file cannot show that, so it is not counted as granted; the file itself does not allow it either ({why})",
                    env.account
                ),
            };
            out.push(Ungranted {
                check: check.clone(),
                reason,
                cross_account: Some(CrossAccount {
                    account: other.to_string(),
                    file_grants: own.is_none(),
                }),
                half: None,
            });
            continue;
        }
        let resource_policy = default_resource_policy(check, env);
        if let Some(reason) = decide(
            check,
            policies,
            resource_policy.as_ref().map(|(p, m)| (p, *m)),
            &env.account,
            &caller,
            env,
            setting,
        ) {
            out.push(Ungranted {
                check: check.clone(),
                reason,
                cross_account: None,
                half: None,
            });
        }
    }
    out
}

/// The half a call fails in when only the reader and writer attached together deny it.
pub const TOGETHER: &str = "together";

/// The checks a `--split read-write` file does not grant: the reader policy is checked against
/// the calls of pydynox's read operations and the writer against those of its write
/// operations ([`half`]; a call both make, such as `DescribeTable` or
/// `sts:AssumeRole`, against each), because a deploy may attach either one alone to a service
/// that only reads or only writes. Checking the union instead would pass a reader that relies
/// on a statement only the writer holds, and a read-only service given the reader alone would
/// be denied: the reading that cannot give a false PASS is each half on its own. A half the
/// file does not hold grants nothing.
pub fn ungranted_split(
    checks: &[Check],
    reader: &[NamedPolicy],
    writer: &[NamedPolicy],
    env: &Env,
    setting: &Setting,
) -> Vec<Ungranted> {
    let mut out = Vec::new();
    for (name, own, policies) in [
        ("reader", Half::Read, reader),
        ("writer", Half::Write, writer),
    ] {
        let mine: Vec<Check> = checks
            .iter()
            .filter(|c| {
                let h = half(&c.feature, &c.action);
                h == own || h == Half::Both
            })
            .cloned()
            .collect();
        for mut u in ungranted(&mine, policies, env, setting) {
            if policies.is_empty() {
                u.reason = format!("the file has no {name} policy");
            }
            u.half = Some(name);
            out.push(u);
        }
    }
    // A service that reads and writes attaches both halves to one role, and there a Deny in
    // one half takes away what the other allows (IAM User Guide, policy evaluation logic: an
    // explicit deny in any policy overrides any allow): each half passing alone is not enough.
    // Every call is asked again of the two together; what only that finds is reported too.
    let both: Vec<NamedPolicy> = reader.iter().chain(writer).cloned().collect();
    for mut u in ungranted(checks, &both, env, setting) {
        if !out.iter().any(|o| o.check == u.check) {
            u.half = Some(TOGETHER);
            out.push(u);
        }
    }
    out
}

/// `None` when the call is allowed, else why not.
fn decide(
    check: &Check,
    policies: &[NamedPolicy],
    resource_policy: Option<(&NamedPolicy, ResourcePolicyMode)>,
    resource_account: &str,
    caller: &Caller,
    env: &Env,
    setting: &Setting,
) -> Option<String> {
    let set = PolicySet {
        identity: policies,
        boundary: None,
        resource_policy,
        resource_account: Some(resource_account.to_string()),
        org: None,
    };
    let context = context_for(
        &check.action,
        &check.resource,
        caller,
        setting,
        Some(&env.account),
        &context_values(&check.context),
    );
    let req = Request {
        principal: caller.arn.clone(),
        action: check.action.clone(),
        resource: check.resource.clone(),
        context,
    };
    let e = evaluate(&set, &req);
    Some(match e.decision {
        Decision::Allowed => return None,
        Decision::ExplicitDeny => {
            let by: Vec<String> = e
                .matched
                .iter()
                .map(|m| match &m.sid {
                    Some(sid) => format!("statement `{sid}`"),
                    None => format!("statement {}", m.statement + 1),
                })
                .collect();
            format!("denied by {}", by.join(", "))
        }
        Decision::ImplicitDeny if e.missing_context.is_empty() => {
            "no statement allows it".to_string()
        }
        Decision::ImplicitDeny => format!(
            "no statement allows it (a statement that would needs {}, which this call does not send)",
            e.missing_context.join(", ")
        ),
        Decision::Indeterminate => {
            let mut why: Vec<String> = Vec::new();
            why.extend(e.unknown_context.iter().map(|k| format!("`{k}`")));
            why.extend(e.unsupported.iter().cloned());
            format!(
                "cannot be settled offline ({}), so it is not counted as granted",
                if why.is_empty() {
                    "an undecidable statement".to_string()
                } else {
                    why.join("; ")
                }
            )
        }
    })
}

/// A policy over IAM's size quota for where it is attached: IAM refuses to create or attach it,
/// so the deploy fails whatever it grants (finding `over-size-quota`).
#[derive(Debug, Clone, PartialEq)]
pub struct OverQuota {
    /// The policies measured together (one for a managed policy; the inline policies of one
    /// role, user or group together).
    pub policies: Vec<String>,
    /// Their size as IAM counts it ([`policy_size`]).
    pub size: usize,
    pub quota: Quota,
}

/// The attachments over `quota`. `groups` are the policies attached to one principal together
/// (the whole file, or each half of a `--split read-write` file), each policy with its name.
/// IAM User Guide, "IAM and AWS STS quotas" (IAM and STS character quotas): a managed policy
/// holds 6,144 characters, and the inline policies of a role 10,240 in all (a user's 2,048, a
/// group's 5,120); whitespace is not counted. The size counted here is the compact JSON, which
/// keeps the whitespace inside strings: an overestimate, so a file said to fit does.
pub fn over_quota(groups: &[Vec<(String, serde_json::Value)>], quota: Quota) -> Vec<OverQuota> {
    let mut out = Vec::new();
    for group in groups {
        if quota == Quota::Managed {
            for (name, doc) in group {
                let size = policy_size(doc);
                if size > quota.limit() {
                    out.push(OverQuota {
                        policies: vec![name.clone()],
                        size,
                        quota,
                    });
                }
            }
        } else {
            let size = group.iter().map(|(_, d)| policy_size(d)).sum();
            if size > quota.limit() {
                out.push(OverQuota {
                    policies: group.iter().map(|(n, _)| n.clone()).collect(),
                    size,
                    quota,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> Env {
        Env {
            partition: "aws".into(),
            region: "eu-west-1".into(),
            account: "111122223333".into(),
            key_arn: None,
        }
    }

    fn check(action: &str, resource: &str, kind: &str) -> Check {
        Check {
            feature: "crud".into(),
            action: action.into(),
            resource: resource.into(),
            resource_kind: kind.into(),
            context: vec![],
        }
    }

    fn policy(json: &str) -> Vec<NamedPolicy> {
        let doc = PolicyDocument::parse(json).unwrap();
        vec![NamedPolicy::new("file", PolicyKind::Identity, doc).unwrap()]
    }

    const TABLE: &str = "arn:aws:dynamodb:eu-west-1:111122223333:table/orders";
    const KEY: &str = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    #[test]
    fn granted_calls_pass_and_missing_ones_are_listed_with_their_reason() {
        let checks = [
            check("dynamodb:GetItem", TABLE, "table"),
            check("dynamodb:DeleteItem", TABLE, "table"),
            check("kms:GenerateDataKey", KEY, "kms-key"),
        ];
        let p = policy(&format!(
            r#"{{"Version":"2012-10-17","Statement":[
              {{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"{TABLE}"}},
              {{"Effect":"Allow","Action":"kms:GenerateDataKey","Resource":"{KEY}"}}]}}"#
        ));
        let missing = ungranted(&checks, &p, &env(), &Setting::now(Some("eu-west-1".into())));
        assert_eq!(missing.len(), 1, "{missing:?}");
        assert_eq!(missing[0].check.action, "dynamodb:DeleteItem");
        assert_eq!(missing[0].reason, "no statement allows it");
    }

    #[test]
    fn a_deny_and_an_unknowable_condition_are_not_grants() {
        let checks = [
            check("dynamodb:GetItem", TABLE, "table"),
            check("dynamodb:PutItem", TABLE, "table"),
        ];
        let p = policy(&format!(
            r#"{{"Version":"2012-10-17","Statement":[
              {{"Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:PutItem"],"Resource":"{TABLE}"}},
              {{"Sid":"NoWrites","Effect":"Deny","Action":"dynamodb:PutItem","Resource":"*"}},
              {{"Effect":"Deny","Action":"dynamodb:GetItem","Resource":"*",
                "Condition":{{"StringNotEquals":{{"aws:PrincipalTag/team":"orders"}}}}}}]}}"#
        ));
        let missing = ungranted(&checks, &p, &env(), &Setting::now(Some("eu-west-1".into())));
        assert_eq!(missing.len(), 2, "{missing:?}");
        assert!(
            missing[0].reason.starts_with("cannot be settled offline"),
            "{}",
            missing[0].reason
        );
        assert_eq!(missing[1].reason, "denied by statement `NoWrites`");
    }

    #[test]
    fn a_key_grant_needs_the_identity_policy_itself() {
        // The default key policy delegates to IAM; it grants nothing by itself.
        let checks = [check("kms:Decrypt", KEY, "kms-key")];
        let p = policy(&format!(
            r#"{{"Version":"2012-10-17","Statement":[
              {{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"{TABLE}"}}]}}"#
        ));
        let missing = ungranted(&checks, &p, &env(), &Setting::now(Some("eu-west-1".into())));
        assert_eq!(missing.len(), 1);
    }

    #[test]
    fn a_key_or_role_of_another_account_is_never_counted_as_granted() {
        // Cross-account: the key's (or role's) own account decides too, and the file cannot
        // show its policy; the caller's default key policy must not stand in for it.
        let other_key =
            "arn:aws:kms:eu-west-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        let other_role = "arn:aws:iam::444455556666:role/reader";
        let checks = [
            check("kms:Decrypt", other_key, "kms-key"),
            check("sts:AssumeRole", other_role, "role"),
        ];
        let p = policy(
            r#"{"Version":"2012-10-17","Statement":[
              {"Effect":"Allow","Action":["kms:Decrypt","sts:AssumeRole"],"Resource":"*"}]}"#,
        );
        let missing = ungranted(&checks, &p, &env(), &Setting::now(Some("eu-west-1".into())));
        assert_eq!(missing.len(), 2, "{missing:?}");
        assert!(
            missing[0].reason.contains("in account 444455556666"),
            "{}",
            missing[0].reason
        );
    }
    #[test]
    fn a_split_file_is_checked_half_by_half() {
        // crud: GetItem is the reader's, PutItem the writer's. The union grants both, but a
        // reader that relies on the writer's statement is not granted its read.
        let checks = [
            check("dynamodb:GetItem", TABLE, "table"),
            check("dynamodb:PutItem", TABLE, "table"),
        ];
        let reader = policy(&format!(
            r#"{{"Version":"2012-10-17","Statement":[
              {{"Effect":"Allow","Action":"dynamodb:PutItem","Resource":"{TABLE}"}}]}}"#
        ));
        let writer = policy(&format!(
            r#"{{"Version":"2012-10-17","Statement":[
              {{"Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:PutItem"],"Resource":"{TABLE}"}}]}}"#
        ));
        let setting = Setting::now(Some("eu-west-1".into()));
        let all: Vec<NamedPolicy> = reader.iter().chain(&writer).cloned().collect();
        assert!(ungranted(&checks, &all, &env(), &setting).is_empty());
        let missing = ungranted_split(&checks, &reader, &writer, &env(), &setting);
        assert_eq!(missing.len(), 1, "{missing:?}");
        assert_eq!(missing[0].check.action, "dynamodb:GetItem");
        assert_eq!(missing[0].half, Some("reader"));
        // No writer at all: every write is missing, and says why.
        let missing = ungranted_split(&checks, &writer, &[], &env(), &setting);
        assert_eq!(missing.len(), 1, "{missing:?}");
        assert_eq!(missing[0].half, Some("writer"));
        assert_eq!(missing[0].reason, "the file has no writer policy");
    }

    #[test]
    fn a_cross_account_call_says_whether_the_file_grants_its_side() {
        let other_key =
            "arn:aws:kms:eu-west-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        let checks = [
            check("kms:Decrypt", other_key, "kms-key"),
            check("kms:GenerateDataKey", other_key, "kms-key"),
        ];
        let p = policy(&format!(
            r#"{{"Version":"2012-10-17","Statement":[
              {{"Effect":"Allow","Action":"kms:Decrypt","Resource":"{other_key}"}}]}}"#
        ));
        let missing = ungranted(&checks, &p, &env(), &Setting::now(Some("eu-west-1".into())));
        assert_eq!(missing.len(), 2, "{missing:?}");
        let x = missing[0].cross_account.as_ref().unwrap();
        assert_eq!(x.account, "444455556666");
        assert!(x.file_grants, "{missing:?}");
        assert!(!missing[1].cross_account.as_ref().unwrap().file_grants);
        let todo = x.what_to_do(&missing[0].check, &["kms:Decrypt"], &env());
        assert!(
            todo.starts_with(&format!(
                "in account 444455556666, the key policy of `{other_key}` must allow `kms:Decrypt`"
            )) && todo.contains("account 111122223333"),
            "{todo}"
        );
    }

    #[test]
    fn the_size_quota_is_per_managed_policy_and_per_roles_inline_policies() {
        let doc = |n: usize| {
            serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Action": "dynamodb:GetItem", "Resource": "x".repeat(n)}]})
        };
        let size = |n| policy_size(&doc(n));
        // Just within and just over a managed policy's 6,144.
        let within = 6_144 - size(0);
        assert_eq!(size(within), 6_144);
        let groups = vec![vec![("a".to_string(), doc(within))]];
        assert!(over_quota(&groups, Quota::Managed).is_empty());
        let groups = vec![vec![("a".to_string(), doc(within + 1))]];
        let over = over_quota(&groups, Quota::Managed);
        assert_eq!(over.len(), 1);
        assert_eq!(over[0].size, 6_145);
        // Two policies within 6,144 each, over 10,240 together: fine as managed policies,
        // refused inline on one role; as two halves (two roles), fine inline too.
        let two = vec![vec![
            ("a".to_string(), doc(within)),
            ("b".to_string(), doc(within)),
        ]];
        assert!(over_quota(&two, Quota::Managed).is_empty());
        let over = over_quota(&two, Quota::InlineRole);
        assert_eq!(over.len(), 1);
        assert_eq!(over[0].policies, ["a", "b"]);
        let halves = vec![
            vec![("a".to_string(), doc(within))],
            vec![("b".to_string(), doc(within))],
        ];
        assert!(over_quota(&halves, Quota::InlineRole).is_empty());
    }
}
