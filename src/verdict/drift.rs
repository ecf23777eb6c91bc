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

use serde_json::json;

use crate::engine::{
    Decision, NamedPolicy, PolicyDocument, PolicyKind, PolicySet, Request, ResourcePolicyMode,
    evaluate,
};
use crate::needs::plan::{Check, Env};
use crate::verdict::local::context_values;
use crate::verdict::request::{Caller, Setting, context_for};

/// A call the policies do not grant, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Ungranted {
    pub check: Check,
    pub reason: String,
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
    let root = format!("arn:{}:iam::{}:root", env.partition, env.account);
    let action = if check.resource_kind == "kms-key" {
        "kms:*"
    } else {
        "sts:AssumeRole"
    };
    let doc = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": root}, "Action": action, "Resource": "*"}]});
    let doc = PolicyDocument::parse(&doc.to_string()).expect("a fixed, valid policy");
    let policy =
        NamedPolicy::new(id, PolicyKind::Resource, doc).expect("valid as a resource policy");
    Some((policy, ResourcePolicyMode::KmsKeyPolicy))
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
        // A resource of another account (a key or a role to assume named by its ARN) is
        // governed by that account's own resource policy, which the file cannot show: AWS
        // needs both sides to allow a cross-account call (IAM User Guide, "Cross-account policy
        // evaluation logic"; KMS Developer Guide, "Allowing users in other accounts to use a KMS
        // key"). Evaluating it with this account's default key or trust policy would count a
        // grant AWS refuses, so it is never counted as granted. (S3 bucket ARNs carry no
        // account; a bucket is taken to be the caller's, as the module doc says.)
        if let Some(other) = resource_account(&check.resource).filter(|a| *a != env.account) {
            out.push(Ungranted {
                check: check.clone(),
                reason: format!(
                    "the resource is in account {other}, not {}: its own resource policy must also allow the call, and the file cannot show that, so it is not counted as granted",
                    env.account
                ),
            });
            continue;
        }
        let resource_policy = default_resource_policy(check, env);
        let set = PolicySet {
            identity: policies,
            boundary: None,
            resource_policy: resource_policy.as_ref().map(|(p, m)| (p, *m)),
            resource_account: Some(env.account.clone()),
            org: None,
        };
        let context = context_for(
            &check.action,
            &check.resource,
            &caller,
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
        let reason = match e.decision {
            Decision::Allowed => continue,
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
        };
        out.push(Ungranted {
            check: check.clone(),
            reason,
        });
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
}
