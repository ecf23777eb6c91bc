//! The call-rate ceiling (`--max-rps`): [`RateLimited`] wraps any [`Aws`] source and spaces
//! its calls out, across every principal of a run.

use std::time::Duration;

use crate::grants::model::{BucketEncryption, SimRequest, SimResult};
use crate::grants::source::{Aws, AwsError, Entity, Owner};

/// Spaces calls out so that no more than `rps` start per second, across every principal of
/// a run (`--max-rps`). The SDK's adaptive retry still handles throttling on top.
pub struct RateLimited<'a, A> {
    inner: &'a A,
    interval: Duration,
    next: tokio::sync::Mutex<Option<tokio::time::Instant>>,
}

impl<'a, A: Aws> RateLimited<'a, A> {
    pub fn new(inner: &'a A, rps: f64) -> Self {
        let interval = if rps > 0.0 {
            Duration::from_secs_f64(1.0 / rps)
        } else {
            Duration::ZERO
        };
        RateLimited {
            inner,
            interval,
            next: tokio::sync::Mutex::new(None),
        }
    }

    async fn wait(&self) {
        if self.interval.is_zero() {
            return;
        }
        let slot = {
            let mut next = self.next.lock().await;
            let now = tokio::time::Instant::now();
            let slot = next.map_or(now, |n| n.max(now));
            *next = Some(slot + self.interval);
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

macro_rules! limited {
    ($self:ident, $call:expr) => {{
        $self.wait().await;
        $call.await
    }};
}

impl<A: Aws> Aws for RateLimited<'_, A> {
    async fn caller_arn(&self) -> Result<String, AwsError> {
        limited!(self, self.inner.caller_arn())
    }
    async fn get_role(&self, name: &str) -> Result<Entity, AwsError> {
        limited!(self, self.inner.get_role(name))
    }
    async fn get_user(&self, name: &str) -> Result<Entity, AwsError> {
        limited!(self, self.inner.get_user(name))
    }
    async fn list_groups_for_user(&self, user: &str) -> Result<Vec<String>, AwsError> {
        limited!(self, self.inner.list_groups_for_user(user))
    }
    async fn list_inline_policies(&self, owner: &Owner) -> Result<Vec<String>, AwsError> {
        limited!(self, self.inner.list_inline_policies(owner))
    }
    async fn get_inline_policy(&self, owner: &Owner, name: &str) -> Result<String, AwsError> {
        limited!(self, self.inner.get_inline_policy(owner, name))
    }
    async fn list_attached_policies(&self, owner: &Owner) -> Result<Vec<String>, AwsError> {
        limited!(self, self.inner.list_attached_policies(owner))
    }
    async fn get_managed_policy(&self, arn: &str) -> Result<(String, String), AwsError> {
        limited!(self, self.inner.get_managed_policy(arn))
    }
    async fn simulate(&self, req: &SimRequest) -> Result<Vec<SimResult>, AwsError> {
        limited!(self, self.inner.simulate(req))
    }
    async fn resolve_key(&self, key: &str) -> Result<String, AwsError> {
        limited!(self, self.inner.resolve_key(key))
    }
    async fn get_key_policy(&self, key_arn: &str) -> Result<String, AwsError> {
        limited!(self, self.inner.get_key_policy(key_arn))
    }
    async fn get_bucket_policy(
        &self,
        bucket: &str,
        expected_owner: Option<&str>,
    ) -> Result<Option<String>, AwsError> {
        limited!(self, self.inner.get_bucket_policy(bucket, expected_owner))
    }
    async fn get_bucket_encryption(
        &self,
        bucket: &str,
        expected_owner: Option<&str>,
    ) -> Result<BucketEncryption, AwsError> {
        limited!(
            self,
            self.inner.get_bucket_encryption(bucket, expected_owner)
        )
    }
    async fn get_table_policy(&self, table_arn: &str) -> Result<Option<String>, AwsError> {
        limited!(self, self.inner.get_table_policy(table_arn))
    }
    async fn get_role_trust_policy(&self, role_name: &str) -> Result<String, AwsError> {
        limited!(self, self.inner.get_role_trust_policy(role_name))
    }
    async fn get_account_authorization_details(&self) -> Result<String, AwsError> {
        limited!(self, self.inner.get_account_authorization_details())
    }
    async fn organizations(
        &self,
        call: &crate::grants::org::OrgCall,
    ) -> Result<crate::grants::org::OrgAnswer, AwsError> {
        limited!(self, self.inner.organizations(call))
    }
    fn can_simulate(&self) -> bool {
        self.inner.can_simulate()
    }
    fn verifies_bucket_owner(&self) -> bool {
        self.inner.verifies_bucket_owner()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grants::snapshot::{Call, CallResult, Replay, SNAPSHOT_SCHEMA, Snapshot};

    #[tokio::test(start_paused = true)]
    async fn the_rate_limit_spaces_calls_out() {
        let snapshot = Snapshot {
            recorded_at: "2026-01-01T00:00:00Z".into(),
            plan: serde_json::Value::Null,
            schema: SNAPSHOT_SCHEMA.into(),
            tool_version: "t".into(),
            region: None,
            endpoint_url: None,
            can_simulate: true,
            calls: vec![Call {
                op: "caller_arn".into(),
                args: vec![],
                result: CallResult::Ok("arn:aws:iam::1:role/r".into()),
            }],
        };
        let replay = Replay::parse(&serde_json::to_string(&snapshot).unwrap()).unwrap();
        let limited = RateLimited::new(&replay, 10.0);
        let start = tokio::time::Instant::now();
        for _ in 0..5 {
            assert_eq!(limited.caller_arn().await.unwrap(), "arn:aws:iam::1:role/r");
        }
        // 5 calls at 10 per second: the first at once, the fifth 400 ms later (virtual time).
        assert_eq!(start.elapsed(), Duration::from_millis(400));
    }
}
