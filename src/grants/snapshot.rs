//! Saved runs: a [`Recorder`] wraps any [`Aws`] and keeps every answer (policies, versions,
//! boundary, resource policies, simulator results, errors) so `check --from-snapshot` can
//! replay the run offline through a [`Replay`], reproducing its JSON report byte for byte.
//! A snapshot also holds the run's plan (principals, features, resources, flags, region,
//! release, engine, table-policy mode: everything that changes the answer, as the command
//! serialized it) and when it was recorded, so a replay of a different plan is refused with
//! the difference named ([`plan_differences`]). Owns the snapshot format; must not decide
//! verdicts.

use std::collections::HashMap;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::grants::model::{BucketEncryption, SimRequest, SimResult};
use crate::grants::source::{Aws, AwsError, Entity, Owner};

/// v2 added the plan and the time; a v1 snapshot has neither, so it cannot be checked against
/// the replay's flags and is refused.
pub const SNAPSHOT_SCHEMA: &str = "pydynox-iam/snapshot/v2";

/// One recorded call: which method, with which arguments, and what it answered (`ok` or `err`
/// beside `op` and `args`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "WireCall")]
pub struct Call {
    pub op: String,
    pub args: Vec<String>,
    #[serde(flatten)]
    pub result: CallResult,
}

/// A call as read: serde cannot refuse unknown keys beside a flattened enum, so the two
/// outcomes are read as fields and exactly one must be there.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireCall {
    op: String,
    args: Vec<String>,
    ok: Option<serde_json::Value>,
    err: Option<RecordedError>,
}

impl TryFrom<WireCall> for Call {
    type Error = String;
    fn try_from(w: WireCall) -> Result<Call, String> {
        let result = match (w.ok, w.err) {
            (Some(v), None) => CallResult::Ok(v),
            (None, Some(e)) => CallResult::Err(e),
            _ => {
                return Err(format!(
                    "call `{}` must have exactly one of `ok` and `err`",
                    w.op
                ));
            }
        };
        Ok(Call {
            op: w.op,
            args: w.args,
            result,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallResult {
    Ok(serde_json::Value),
    Err(RecordedError),
}

/// An [`AwsError`] in a form that can be written and read back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordedError {
    pub kind: String,
    pub action: Option<String>,
    pub fields: HashMap<String, String>,
}

/// The actions errors can name; interned so a replayed error is the same value.
const ACTIONS: &[&str] = &[
    "sts:GetCallerIdentity",
    "iam:GetRole",
    "iam:GetUser",
    "iam:ListGroupsForUser",
    "iam:ListRolePolicies",
    "iam:ListUserPolicies",
    "iam:ListGroupPolicies",
    "iam:GetRolePolicy",
    "iam:GetUserPolicy",
    "iam:GetGroupPolicy",
    "iam:ListAttachedRolePolicies",
    "iam:ListAttachedUserPolicies",
    "iam:ListAttachedGroupPolicies",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "iam:SimulatePrincipalPolicy",
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "s3:GetBucketPolicy",
    "s3:GetEncryptionConfiguration",
    "dynamodb:GetResourcePolicy",
];

fn intern(s: &str) -> &'static str {
    ACTIONS
        .iter()
        .find(|a| **a == s)
        .copied()
        .unwrap_or("unknown")
}

impl From<&AwsError> for RecordedError {
    fn from(e: &AwsError) -> Self {
        let mut fields = HashMap::new();
        let (kind, action) = match e {
            AwsError::NoCredentials { detail } => {
                fields.insert("detail".into(), detail.clone());
                ("no-credentials", None)
            }
            AwsError::BadCredentials {
                action,
                code,
                message,
            } => {
                fields.insert("code".into(), code.clone());
                fields.insert("message".into(), message.clone());
                ("bad-credentials", Some(*action))
            }
            AwsError::NotFound {
                action,
                what,
                code,
                message,
            } => {
                fields.insert("what".into(), what.clone());
                fields.insert("code".into(), code.clone());
                fields.insert("message".into(), message.clone());
                ("not-found", Some(*action))
            }
            AwsError::AccessDenied { action, message } => {
                fields.insert("message".into(), message.clone());
                ("access-denied", Some(*action))
            }
            AwsError::Throttled { action, message } => {
                fields.insert("message".into(), message.clone());
                ("throttled", Some(*action))
            }
            AwsError::Network { action, message } => {
                fields.insert("message".into(), message.clone());
                ("network", Some(*action))
            }
            AwsError::Service {
                action,
                code,
                message,
            } => {
                fields.insert("code".into(), code.clone());
                fields.insert("message".into(), message.clone());
                ("service", Some(*action))
            }
            AwsError::BadResponse { action, message } => {
                fields.insert("message".into(), message.clone());
                ("bad-response", Some(*action))
            }
            AwsError::Offline { message } => {
                fields.insert("message".into(), message.clone());
                ("offline", None)
            }
        };
        RecordedError {
            kind: kind.into(),
            action: action.map(str::to_string),
            fields,
        }
    }
}

impl From<&RecordedError> for AwsError {
    fn from(r: &RecordedError) -> Self {
        let f = |k: &str| r.fields.get(k).cloned().unwrap_or_default();
        let action = intern(r.action.as_deref().unwrap_or_default());
        match r.kind.as_str() {
            "no-credentials" => AwsError::NoCredentials {
                detail: f("detail"),
            },
            "bad-credentials" => AwsError::BadCredentials {
                action,
                code: f("code"),
                message: f("message"),
            },
            "not-found" => AwsError::NotFound {
                action,
                what: f("what"),
                code: f("code"),
                message: f("message"),
            },
            "access-denied" => AwsError::AccessDenied {
                action,
                message: f("message"),
            },
            "throttled" => AwsError::Throttled {
                action,
                message: f("message"),
            },
            "network" => AwsError::Network {
                action,
                message: f("message"),
            },
            "service" => AwsError::Service {
                action,
                code: f("code"),
                message: f("message"),
            },
            "bad-response" => AwsError::BadResponse {
                action,
                message: f("message"),
            },
            _ => AwsError::Offline {
                message: f("message"),
            },
        }
    }
}

/// Everything a run fetched, and what it needs to be replayed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    pub schema: String,
    pub tool_version: String,
    /// When the run was recorded, RFC 3339 in UTC.
    pub recorded_at: String,
    /// The run's plan, as the command serialized it; a replay must have the same.
    pub plan: serde_json::Value,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    pub can_simulate: bool,
    pub calls: Vec<Call>,
}

/// Wraps an adapter and records every call and answer.
pub struct Recorder<'a, A> {
    inner: &'a A,
    calls: Mutex<Vec<Call>>,
}

impl<'a, A: Aws> Recorder<'a, A> {
    pub fn new(inner: &'a A) -> Self {
        Recorder {
            inner,
            calls: Mutex::new(Vec::new()),
        }
    }

    fn record<T: Serialize>(&self, op: &str, args: &[&str], r: &Result<T, AwsError>) {
        let result = match r {
            Ok(v) => CallResult::Ok(serde_json::to_value(v).unwrap_or(serde_json::Value::Null)),
            Err(e) => CallResult::Err(e.into()),
        };
        let call = Call {
            op: op.into(),
            args: args.iter().map(|s| s.to_string()).collect(),
            result,
        };
        let mut calls = self.calls.lock().unwrap_or_else(|e| e.into_inner());
        // A call made twice (a managed policy shared by two principals) is kept once.
        if !calls.iter().any(|c| c.op == call.op && c.args == call.args) {
            calls.push(call);
        }
    }

    /// Everything recorded, with the run's plan and the time it was recorded.
    pub fn snapshot(
        &self,
        region: Option<String>,
        endpoint_url: Option<String>,
        plan: serde_json::Value,
        recorded_at: String,
    ) -> Snapshot {
        let mut calls = self.calls.lock().unwrap_or_else(|e| e.into_inner()).clone();
        // Independent reads run concurrently (verdict/fetch.rs), so calls complete in any
        // order; sorted, the same run saves the same file. Replay looks calls up by name and
        // arguments, so the order carries no meaning.
        calls.sort_by(|a, b| (&a.op, &a.args).cmp(&(&b.op, &b.args)));
        Snapshot {
            schema: SNAPSHOT_SCHEMA.into(),
            tool_version: env!("CARGO_PKG_VERSION").into(),
            recorded_at,
            plan,
            region,
            endpoint_url,
            can_simulate: self.inner.can_simulate(),
            calls,
        }
    }
}

fn owner_args(o: &Owner) -> [&str; 2] {
    [o.kind(), o.name()]
}

/// A bucket read's arguments: the bucket, and the expected owner when one was sent (the
/// answer then also stands for S3's owner check).
fn bucket_args<'a>(bucket: &'a str, expected_owner: Option<&'a str>) -> Vec<&'a str> {
    std::iter::once(bucket).chain(expected_owner).collect()
}

fn sim_key(req: &SimRequest) -> String {
    serde_json::to_string(req).unwrap_or_default()
}

impl<A: Aws> Aws for Recorder<'_, A> {
    async fn caller_arn(&self) -> Result<String, AwsError> {
        let r = self.inner.caller_arn().await;
        self.record("caller_arn", &[], &r);
        r
    }
    async fn get_role(&self, name: &str) -> Result<Entity, AwsError> {
        let r = self.inner.get_role(name).await;
        self.record("get_role", &[name], &r);
        r
    }
    async fn get_user(&self, name: &str) -> Result<Entity, AwsError> {
        let r = self.inner.get_user(name).await;
        self.record("get_user", &[name], &r);
        r
    }
    async fn list_groups_for_user(&self, user: &str) -> Result<Vec<String>, AwsError> {
        let r = self.inner.list_groups_for_user(user).await;
        self.record("list_groups_for_user", &[user], &r);
        r
    }
    async fn list_inline_policies(&self, owner: &Owner) -> Result<Vec<String>, AwsError> {
        let r = self.inner.list_inline_policies(owner).await;
        self.record("list_inline_policies", &owner_args(owner), &r);
        r
    }
    async fn get_inline_policy(&self, owner: &Owner, name: &str) -> Result<String, AwsError> {
        let r = self.inner.get_inline_policy(owner, name).await;
        let [k, n] = owner_args(owner);
        self.record("get_inline_policy", &[k, n, name], &r);
        r
    }
    async fn list_attached_policies(&self, owner: &Owner) -> Result<Vec<String>, AwsError> {
        let r = self.inner.list_attached_policies(owner).await;
        self.record("list_attached_policies", &owner_args(owner), &r);
        r
    }
    async fn get_managed_policy(&self, arn: &str) -> Result<(String, String), AwsError> {
        let r = self.inner.get_managed_policy(arn).await;
        self.record("get_managed_policy", &[arn], &r);
        r
    }
    async fn simulate(&self, req: &SimRequest) -> Result<Vec<SimResult>, AwsError> {
        let r = self.inner.simulate(req).await;
        self.record("simulate", &[&sim_key(req)], &r);
        r
    }
    async fn resolve_key(&self, key: &str) -> Result<String, AwsError> {
        let r = self.inner.resolve_key(key).await;
        self.record("resolve_key", &[key], &r);
        r
    }
    async fn get_key_policy(&self, key_arn: &str) -> Result<String, AwsError> {
        let r = self.inner.get_key_policy(key_arn).await;
        self.record("get_key_policy", &[key_arn], &r);
        r
    }
    async fn get_bucket_policy(
        &self,
        bucket: &str,
        expected_owner: Option<&str>,
    ) -> Result<Option<String>, AwsError> {
        let r = self.inner.get_bucket_policy(bucket, expected_owner).await;
        self.record(
            "get_bucket_policy",
            &bucket_args(bucket, expected_owner),
            &r,
        );
        r
    }
    async fn get_bucket_encryption(
        &self,
        bucket: &str,
        expected_owner: Option<&str>,
    ) -> Result<BucketEncryption, AwsError> {
        let r = self
            .inner
            .get_bucket_encryption(bucket, expected_owner)
            .await;
        self.record(
            "get_bucket_encryption",
            &bucket_args(bucket, expected_owner),
            &r,
        );
        r
    }
    async fn get_table_policy(&self, table_arn: &str) -> Result<Option<String>, AwsError> {
        let r = self.inner.get_table_policy(table_arn).await;
        self.record("get_table_policy", &[table_arn], &r);
        r
    }
    async fn get_role_trust_policy(&self, role_name: &str) -> Result<String, AwsError> {
        let r = self.inner.get_role_trust_policy(role_name).await;
        self.record("get_role_trust_policy", &[role_name], &r);
        r
    }
    async fn get_account_authorization_details(&self) -> Result<String, AwsError> {
        let r = self.inner.get_account_authorization_details().await;
        self.record("get_account_authorization_details", &[], &r);
        r
    }
    async fn organizations(
        &self,
        call: &crate::grants::org::OrgCall,
    ) -> Result<crate::grants::org::OrgAnswer, AwsError> {
        let r = self.inner.organizations(call).await;
        let args = call.args();
        let mut all = vec![call.action()];
        all.extend(args.iter().map(String::as_str));
        self.record("organizations", &all, &r);
        r
    }
    fn can_simulate(&self) -> bool {
        self.inner.can_simulate()
    }
}

/// Serves a snapshot's answers back, offline.
pub struct Replay {
    snapshot: Snapshot,
}

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("not a pydynox-iam snapshot: {0}")]
    Malformed(String),
    #[error(
        "snapshot schema `{0}` is not supported (expected `{SNAPSHOT_SCHEMA}`); a snapshot saved before v2 has no plan to check the replay against: record the run again with --save-snapshot"
    )]
    Schema(String),
}

impl Replay {
    pub fn parse(text: &str) -> Result<Replay, SnapshotError> {
        // The schema first, so an old snapshot is named as such rather than as malformed.
        let schema = serde_json::from_str::<serde_json::Value>(text)
            .map_err(|e| SnapshotError::Malformed(e.to_string()))?
            .get("schema")
            .and_then(|s| s.as_str().map(str::to_string));
        match schema {
            Some(s) if s != SNAPSHOT_SCHEMA => return Err(SnapshotError::Schema(s)),
            None => return Err(SnapshotError::Malformed("it has no `schema`".into())),
            Some(_) => {}
        }
        let snapshot: Snapshot =
            serde_json::from_str(text).map_err(|e| SnapshotError::Malformed(e.to_string()))?;
        Ok(Replay { snapshot })
    }

    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }

    fn answer<T: for<'de> Deserialize<'de>>(&self, op: &str, args: &[&str]) -> Result<T, AwsError> {
        let call = self
            .snapshot
            .calls
            .iter()
            .find(|c| c.op == op && c.args.iter().map(String::as_str).eq(args.iter().copied()))
            .ok_or_else(|| AwsError::Offline {
                message: format!(
                    "the snapshot has no answer for {op}({}); it was saved from a different run",
                    args.join(", ")
                ),
            })?;
        match &call.result {
            CallResult::Ok(v) => serde_json::from_value(v.clone()).map_err(|e| AwsError::Offline {
                message: format!("the snapshot's answer for {op} is unreadable: {e}"),
            }),
            CallResult::Err(e) => Err(e.into()),
        }
    }
}

impl Aws for Replay {
    async fn caller_arn(&self) -> Result<String, AwsError> {
        self.answer("caller_arn", &[])
    }
    async fn get_role(&self, name: &str) -> Result<Entity, AwsError> {
        self.answer("get_role", &[name])
    }
    async fn get_user(&self, name: &str) -> Result<Entity, AwsError> {
        self.answer("get_user", &[name])
    }
    async fn list_groups_for_user(&self, user: &str) -> Result<Vec<String>, AwsError> {
        self.answer("list_groups_for_user", &[user])
    }
    async fn list_inline_policies(&self, owner: &Owner) -> Result<Vec<String>, AwsError> {
        self.answer("list_inline_policies", &owner_args(owner))
    }
    async fn get_inline_policy(&self, owner: &Owner, name: &str) -> Result<String, AwsError> {
        let [k, n] = owner_args(owner);
        self.answer("get_inline_policy", &[k, n, name])
    }
    async fn list_attached_policies(&self, owner: &Owner) -> Result<Vec<String>, AwsError> {
        self.answer("list_attached_policies", &owner_args(owner))
    }
    async fn get_managed_policy(&self, arn: &str) -> Result<(String, String), AwsError> {
        self.answer("get_managed_policy", &[arn])
    }
    async fn simulate(&self, req: &SimRequest) -> Result<Vec<SimResult>, AwsError> {
        self.answer("simulate", &[&sim_key(req)])
    }
    async fn resolve_key(&self, key: &str) -> Result<String, AwsError> {
        self.answer("resolve_key", &[key])
    }
    async fn get_key_policy(&self, key_arn: &str) -> Result<String, AwsError> {
        self.answer("get_key_policy", &[key_arn])
    }
    async fn get_bucket_policy(
        &self,
        bucket: &str,
        expected_owner: Option<&str>,
    ) -> Result<Option<String>, AwsError> {
        self.answer("get_bucket_policy", &bucket_args(bucket, expected_owner))
    }
    async fn get_bucket_encryption(
        &self,
        bucket: &str,
        expected_owner: Option<&str>,
    ) -> Result<BucketEncryption, AwsError> {
        self.answer(
            "get_bucket_encryption",
            &bucket_args(bucket, expected_owner),
        )
    }
    async fn get_table_policy(&self, table_arn: &str) -> Result<Option<String>, AwsError> {
        self.answer("get_table_policy", &[table_arn])
    }
    async fn get_role_trust_policy(&self, role_name: &str) -> Result<String, AwsError> {
        self.answer("get_role_trust_policy", &[role_name])
    }
    async fn get_account_authorization_details(&self) -> Result<String, AwsError> {
        self.answer("get_account_authorization_details", &[])
    }
    async fn organizations(
        &self,
        call: &crate::grants::org::OrgCall,
    ) -> Result<crate::grants::org::OrgAnswer, AwsError> {
        let args = call.args();
        let mut all = vec![call.action()];
        all.extend(args.iter().map(String::as_str));
        self.answer("organizations", &all)
    }
    fn can_simulate(&self) -> bool {
        self.snapshot.can_simulate
    }
}

/// Where a replay's plan differs from the recorded one, each as `PATH: recorded X, now Y`
/// (`services[0].resources.tables: recorded ["a"], now ["a","b"]`), in document order. Empty
/// when they are the same.
pub fn plan_differences(recorded: &serde_json::Value, now: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    diff(recorded, now, "plan", &mut out);
    out
}

fn diff(a: &serde_json::Value, b: &serde_json::Value, path: &str, out: &mut Vec<String>) {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                match y.get(k) {
                    Some(w) => diff(v, w, &format!("{path}.{k}"), out),
                    None => out.push(format!("{path}.{k}: recorded {v}, now absent")),
                }
            }
            for (k, w) in y {
                if !x.contains_key(k) {
                    out.push(format!("{path}.{k}: not recorded, now {w}"));
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                diff(v, w, &format!("{path}[{i}]"), out);
            }
        }
        _ if a != b => out.push(format!("{path}: recorded {a}, now {b}")),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_differences_name_the_path_and_both_values() {
        let a = serde_json::json!({"region": "eu-west-1", "services": [{"name": "a", "tables": ["t"]}]});
        assert!(plan_differences(&a, &a).is_empty());
        let b = serde_json::json!({"region": "us-east-1", "services": [{"name": "a", "tables": ["t", "u"]}], "x": 1});
        assert_eq!(
            plan_differences(&a, &b),
            vec![
                "plan.region: recorded \"eu-west-1\", now \"us-east-1\"",
                "plan.services[0].tables: recorded [\"t\"], now [\"t\",\"u\"]",
                "plan.x: not recorded, now 1",
            ]
        );
    }

    #[test]
    fn unknown_fields_and_old_schemas_are_refused() {
        let ok = format!(
            r#"{{"schema": "{SNAPSHOT_SCHEMA}", "tool_version": "x", "recorded_at": "2026-01-01T00:00:00Z", "plan": {{}}, "region": null, "endpoint_url": null, "can_simulate": false, "calls": [{{"op": "get_role", "args": ["a"], "err": {{"kind": "offline", "action": null, "fields": {{}}}}}}]}}"#
        );
        assert!(Replay::parse(&ok).is_ok());
        for (bad, want) in [
            (
                ok.replace("\"can_simulate\"", "\"extra\": 1, \"can_simulate\""),
                "unknown field `extra`",
            ),
            (
                ok.replace("\"args\": [\"a\"]", "\"args\": [\"a\"], \"note\": 1"),
                "unknown field `note`",
            ),
            (
                ok.replace("\"action\": null", "\"action\": null, \"why\": 1"),
                "unknown field `why`",
            ),
            (
                ok.replace("\"err\": {", "\"ok\": 1, \"err\": {"),
                "exactly one of `ok` and `err`",
            ),
            (ok.replace(", \"plan\": {}", ""), "missing field `plan`"),
            (
                ok.replace("snapshot/v2", "snapshot/v1"),
                "`pydynox-iam/snapshot/v1` is not supported",
            ),
        ] {
            let err = Replay::parse(&bad)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(err.contains(want), "want {want} in {err}\n{bad}");
        }
    }

    #[test]
    fn errors_round_trip_through_the_snapshot_form() {
        let errors = vec![
            AwsError::AccessDenied {
                action: "iam:GetRole",
                message: "nope".into(),
            },
            AwsError::NotFound {
                action: "iam:GetRole",
                what: "role `x`".into(),
                code: "NoSuchEntity".into(),
                message: "m".into(),
            },
            AwsError::Network {
                action: "iam:SimulatePrincipalPolicy",
                message: "refused".into(),
            },
            AwsError::NoCredentials { detail: "d".into() },
            AwsError::Offline {
                message: "o".into(),
            },
        ];
        for e in errors {
            let r: RecordedError = (&e).into();
            let back: AwsError =
                (&serde_json::from_value::<RecordedError>(serde_json::to_value(&r).unwrap())
                    .unwrap())
                    .into();
            assert_eq!(back, e);
        }
    }

    #[tokio::test]
    async fn the_same_calls_in_another_order_save_the_same_snapshot() {
        let inner = Replay::parse(&format!(
            r#"{{"schema": "{SNAPSHOT_SCHEMA}", "tool_version": "x", "recorded_at": "2026-01-01T00:00:00Z", "plan": {{}}, "region": null, "endpoint_url": null, "can_simulate": false, "calls": []}}"#
        ))
        .unwrap();
        let saved = |names: &'static [&'static str]| {
            let inner = &inner;
            async move {
                let rec = Recorder::new(inner);
                for name in names {
                    let _ = rec.get_role(name).await;
                    let _ = rec.get_managed_policy(name).await;
                }
                let snap = rec.snapshot(None, None, serde_json::json!({}), "t".into());
                serde_json::to_string(&snap).unwrap()
            }
        };
        let forward = saved(&["a", "b", "c"]).await;
        assert_eq!(forward, saved(&["c", "a", "b"]).await);
        assert!(forward.contains(r#""get_role""#), "{forward}");
    }

    #[tokio::test]
    async fn a_missing_answer_says_the_snapshot_is_from_another_run() {
        let replay = Replay::parse(&format!(
            r#"{{"schema": "{SNAPSHOT_SCHEMA}", "tool_version": "x", "recorded_at": "2026-01-01T00:00:00Z", "plan": {{}}, "region": null, "endpoint_url": null, "can_simulate": false, "calls": []}}"#
        ))
        .unwrap();
        let err = replay.get_role("app").await.unwrap_err();
        assert!(
            err.to_string().contains("no answer for get_role(app)"),
            "{err}"
        );
        assert!(Replay::parse(r#"{"schema": "other"}"#).is_err());
    }
}
