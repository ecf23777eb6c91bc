//! One audit's AWS reads go out at once where they do not depend on each other (issue 13,
//! "round trips, not calls"), and nothing about the report depends on that: over an in-memory
//! account whose every answer takes a (virtual) while, completing in reversed or shuffled order,
//! the report is the one a run with a single request in flight gives, row for row, evidence and
//! order; an error is the one a sequential read meets first; the run-wide bound on requests in
//! flight holds across concurrent principals (a fleet's `--jobs`); the call-rate ceiling still
//! spaces every request; and an audit costs the depth of its dependency chain in round trips.
//!
//! Time is tokio's paused clock: every duration here is virtual, exact, and independent of the
//! machine's load.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::json;

use pydynox_iam::grants::model::{BucketEncryption, SimDecision, SimRequest, SimResult};
use pydynox_iam::grants::rate::RateLimited;
use pydynox_iam::grants::source::{Aws, AwsError, Entity, Owner};
use pydynox_iam::needs::catalogue::Catalogue;
use pydynox_iam::needs::plan::{CheckPlan, PlanInput, build_plan};
use pydynox_iam::report::model::Verdict;
use pydynox_iam::verdict::fetch::{ManagedCache, TablePolicies};
use pydynox_iam::verdict::pipeline::{EngineChoice, RunContext, Statements, run_cached};

const ACCOUNT: &str = "111122223333";
const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/1111aaaa-11aa-11aa-11aa-111111111111";
const S3_KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/2222bbbb-22bb-22bb-22bb-222222222222";
const BOUNDARY: &str = "arn:aws:iam::111122223333:policy/boundary";
const MANAGED: [&str; 3] = [
    "arn:aws:iam::111122223333:policy/shared-read",
    "arn:aws:iam::111122223333:policy/shared-ops",
    "arn:aws:iam::aws:policy/Guardrails",
];
const INLINE: [&str; 3] = ["dynamodb-write", "encryption", "attachments"];

/// In which order concurrent answers come back.
#[derive(Clone, Copy)]
enum Order {
    /// Every answer takes this long.
    Fixed(u64),
    /// The later a request starts, the sooner its answer comes.
    Reversed,
    /// Each answer takes a pseudo-random while, from this seed.
    Shuffled(u64),
}

/// An account in memory whose every answer takes a while (virtual time), counting the requests
/// in flight. `fail` makes an operation answer an error.
struct Slow {
    order: Order,
    fail: BTreeMap<&'static str, AwsError>,
    started: AtomicUsize,
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
    starts: Mutex<Vec<(tokio::time::Instant, String)>>,
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn doc(statements: serde_json::Value) -> String {
    json!({"Version": "2012-10-17", "Statement": statements}).to_string()
}

impl Slow {
    fn new(order: Order) -> Slow {
        Slow {
            order,
            fail: BTreeMap::new(),
            started: AtomicUsize::new(0),
            in_flight: AtomicUsize::new(0),
            most_in_flight: AtomicUsize::new(0),
            starts: Mutex::new(Vec::new()),
        }
    }

    fn failing(mut self, op: &'static str, e: AwsError) -> Slow {
        self.fail.insert(op, e);
        self
    }

    fn calls(&self) -> usize {
        self.started.load(Ordering::SeqCst)
    }

    fn calls_of(&self, op: &str) -> usize {
        self.starts
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, o)| o == op)
            .count()
    }

    async fn answer<T>(
        &self,
        op: &'static str,
        make: impl FnOnce() -> Result<T, AwsError>,
    ) -> Result<T, AwsError> {
        let i = self.started.fetch_add(1, Ordering::SeqCst) as u64;
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.most_in_flight.fetch_max(now, Ordering::SeqCst);
        self.starts
            .lock()
            .unwrap()
            .push((tokio::time::Instant::now(), op.to_string()));
        let ms = match self.order {
            Order::Fixed(ms) => ms,
            Order::Reversed => 1_000 - 10 * i.min(90),
            Order::Shuffled(seed) => splitmix(seed ^ (i << 17)) % 300 + 1,
        };
        tokio::time::sleep(Duration::from_millis(ms)).await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        match self.fail.get(op) {
            Some(e) => Err(e.clone()),
            None => make(),
        }
    }
}

fn denied(action: &'static str) -> AwsError {
    AwsError::AccessDenied {
        action,
        message: "not authorized".into(),
    }
}

impl Aws for Slow {
    async fn caller_arn(&self) -> Result<String, AwsError> {
        self.answer("caller_arn", || {
            Ok(format!("arn:aws:iam::{ACCOUNT}:role/svc/app"))
        })
        .await
    }
    async fn get_role(&self, name: &str) -> Result<Entity, AwsError> {
        self.answer("get_role", || {
            Ok(Entity {
                arn: format!("arn:aws:iam::{ACCOUNT}:role/svc/{name}"),
                name: name.into(),
                boundary_arn: Some(BOUNDARY.into()),
                tags: Some(BTreeMap::from([("team".into(), "orders".into())])),
            })
        })
        .await
    }
    async fn get_user(&self, _name: &str) -> Result<Entity, AwsError> {
        self.answer("get_user", || Err(denied("iam:GetUser"))).await
    }
    async fn list_groups_for_user(&self, _user: &str) -> Result<Vec<String>, AwsError> {
        self.answer("list_groups_for_user", || Ok(vec![])).await
    }
    async fn list_inline_policies(&self, _owner: &Owner) -> Result<Vec<String>, AwsError> {
        self.answer("list_inline_policies", || {
            Ok(INLINE.iter().map(|s| s.to_string()).collect())
        })
        .await
    }
    async fn get_inline_policy(&self, _owner: &Owner, name: &str) -> Result<String, AwsError> {
        let text = match name {
            "dynamodb-write" => doc(json!([{"Effect": "Allow",
                "Action": ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"],
                "Resource": format!("arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/orders")}])),
            "encryption" => doc(json!([{"Effect": "Allow",
                "Action": ["kms:GenerateDataKey", "kms:Decrypt", "kms:DescribeKey"], "Resource": [KEY, S3_KEY]}])),
            _ => doc(json!([
                {"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"],
                 "Resource": "arn:aws:s3:::media/orders/*"},
                {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": format!("arn:aws:iam::{ACCOUNT}:role/target")}])),
        };
        self.answer("get_inline_policy", || Ok(text)).await
    }
    async fn list_attached_policies(&self, _owner: &Owner) -> Result<Vec<String>, AwsError> {
        self.answer("list_attached_policies", || {
            Ok(MANAGED.iter().map(|s| s.to_string()).collect())
        })
        .await
    }
    async fn get_managed_policy(&self, arn: &str) -> Result<(String, String), AwsError> {
        let text = if arn == BOUNDARY {
            doc(json!([
                {"Effect": "Allow", "Action": ["dynamodb:*", "kms:*", "s3:*", "sts:AssumeRole"], "Resource": "*"},
                {"Effect": "Deny", "Action": "dynamodb:DeleteTable", "Resource": "*"}]))
        } else if arn.ends_with("shared-read") {
            doc(json!([{"Effect": "Allow",
                "Action": ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:BatchGetItem", "dynamodb:DescribeTable"],
                "Resource": [format!("arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/orders"),
                             format!("arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/orders/index/*")]}]))
        } else if arn.ends_with("shared-ops") {
            doc(
                json!([{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*",
                "Condition": {"StringEquals": {"aws:PrincipalTag/team": "orders"}}}]),
            )
        } else {
            doc(json!([{"Effect": "Deny", "Action": "s3:*", "Resource": "*",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]))
        };
        self.answer("get_managed_policy", || Ok(("v3".into(), text)))
            .await
    }
    async fn simulate(&self, req: &SimRequest) -> Result<Vec<SimResult>, AwsError> {
        let results = req
            .actions
            .iter()
            .flat_map(|a| {
                req.resources.iter().map(move |r| SimResult {
                    action: a.clone(),
                    resource: r.clone(),
                    decision: if a.starts_with("dynamodb:Delete") || a.starts_with("s3:") {
                        SimDecision::ImplicitDeny
                    } else {
                        SimDecision::Allowed
                    },
                    matched: vec![],
                    missing_context: vec![],
                    allowed_by_boundary: None,
                    allowed_by_organizations: None,
                    unexplained_top_decision: None,
                })
            })
            .collect();
        self.answer("simulate", || Ok(results)).await
    }
    async fn resolve_key(&self, key: &str) -> Result<String, AwsError> {
        let arn = match key {
            "alias/app" => Ok(KEY.to_string()),
            "alias/s3" => Ok(S3_KEY.to_string()),
            other => Err(AwsError::NotFound {
                action: "kms:DescribeKey",
                what: format!("KMS key `{other}`"),
                code: "NotFoundException".into(),
                message: "no such alias".into(),
            }),
        };
        self.answer("resolve_key", || arn).await
    }
    async fn get_key_policy(&self, key_arn: &str) -> Result<String, AwsError> {
        let text = doc(json!([{"Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}, "Action": "kms:*", "Resource": "*"}]));
        let s3 = key_arn == S3_KEY;
        self.answer("get_key_policy", || {
            if s3 {
                Err(denied("kms:GetKeyPolicy"))
            } else {
                Ok(text)
            }
        })
        .await
    }
    async fn get_bucket_policy(
        &self,
        _bucket: &str,
        expected_owner: Option<&str>,
    ) -> Result<Option<String>, AwsError> {
        let ok = expected_owner == Some(ACCOUNT);
        let text = doc(
            json!([{"Effect": "Deny", "Principal": "*", "Action": "s3:DeleteObject",
            "Resource": "arn:aws:s3:::media/*"}]),
        );
        self.answer("get_bucket_policy", || {
            if ok {
                Ok(Some(text))
            } else {
                Err(denied("s3:GetBucketPolicy"))
            }
        })
        .await
    }
    async fn get_bucket_encryption(
        &self,
        _bucket: &str,
        _expected_owner: Option<&str>,
    ) -> Result<BucketEncryption, AwsError> {
        self.answer("get_bucket_encryption", || {
            Ok(BucketEncryption::Kms {
                key: Some("alias/s3".into()),
                bucket_key: false,
            })
        })
        .await
    }
    async fn get_table_policy(&self, _table_arn: &str) -> Result<Option<String>, AwsError> {
        // Unreadable (not fatal): its rows are INCONCLUSIVE, whatever the order.
        self.answer("get_table_policy", || {
            Err(denied("dynamodb:GetResourcePolicy"))
        })
        .await
    }
    async fn get_role_trust_policy(&self, _role_name: &str) -> Result<String, AwsError> {
        let text = doc(json!([{"Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:role/svc/app")}, "Action": "sts:AssumeRole"}]));
        self.answer("get_role_trust_policy", || Ok(text)).await
    }
}

fn plan(cat: &Catalogue, role: &str) -> CheckPlan {
    build_plan(
        cat,
        &PlanInput {
            role: Some(role.into()),
            features: vec!["all".into()],
            tables: vec!["orders".into()],
            indexes: vec!["by-customer".into()],
            kms_key: Some("alias/app".into()),
            bucket: Some("media".into()),
            prefix: "orders/".into(),
            assume_role_arn: Some(format!("arn:aws:iam::{ACCOUNT}:role/target")),
            ..PlanInput::default()
        },
    )
    .unwrap()
}

fn ctx(cat: &Catalogue, engine: EngineChoice) -> RunContext<'_> {
    RunContext {
        catalogue: cat,
        region: Some("us-east-1".into()),
        endpoint_url: None,
        engine,
        table_policies: TablePolicies::Read,
        stated: Statements {
            at: Some(1_790_000_000),
            ..Statements::default()
        },
    }
}

/// The whole report as JSON, or the error's message.
async fn audit<A: Aws>(aws: &A, engine: EngineChoice, in_flight: usize) -> Result<String, String> {
    let cat = Catalogue::embedded();
    let cache = ManagedCache::with_in_flight(in_flight);
    run_cached(aws, &ctx(&cat, engine), &plan(&cat, "app"), &cache)
        .await
        .map(|r| serde_json::to_string_pretty(&r).unwrap())
        .map_err(|e| e.to_string())
}

const ENGINES: [EngineChoice; 4] = [
    EngineChoice::Aws,
    EngineChoice::Local,
    EngineChoice::Both,
    EngineChoice::Auto,
];

#[tokio::test(start_paused = true)]
async fn the_report_does_not_depend_on_the_order_answers_come_in() {
    for engine in ENGINES {
        // One request at a time, every answer as long: the order of a sequential read.
        let sequential = audit(&Slow::new(Order::Fixed(10)), engine, 1)
            .await
            .unwrap();
        let report: serde_json::Value = serde_json::from_str(&sequential).unwrap();
        let rows = report["rows"].as_array().unwrap();
        assert!(rows.len() > 20, "{engine:?}: {} rows", rows.len());
        // The unreadable table policy is no PASS on the table's rows, in every order.
        assert!(
            rows.iter()
                .filter(|r| r["resource"].as_str().unwrap().contains(":table/orders"))
                .all(|r| r["verdict"] != serde_json::to_value(Verdict::Pass).unwrap()),
            "{engine:?}"
        );
        assert_eq!(
            report["policies"]["policies"].as_array().unwrap().len(),
            6,
            "{engine:?}"
        );
        assert!(report["policies"]["boundary"].is_object(), "{engine:?}");
        for order in [
            Order::Reversed,
            Order::Shuffled(1),
            Order::Shuffled(2),
            Order::Shuffled(3),
            Order::Shuffled(0xDEAD_BEEF),
        ] {
            for in_flight in [2, 8, 64] {
                let slow = Slow::new(order);
                let concurrent = audit(&slow, engine, in_flight).await.unwrap();
                assert!(
                    slow.most_in_flight.load(Ordering::SeqCst) > 1,
                    "{engine:?}: the reads went out one at a time"
                );
                assert!(
                    concurrent == sequential,
                    "{engine:?}, {in_flight} in flight: the report differs from the sequential one:\n{}",
                    first_difference(&sequential, &concurrent)
                );
            }
        }
    }
}

fn first_difference(a: &str, b: &str) -> String {
    a.lines()
        .zip(b.lines())
        .enumerate()
        .find(|(_, (x, y))| x != y)
        .map(|(i, (x, y))| format!("line {}: `{x}` vs `{y}`", i + 1))
        .unwrap_or_else(|| "one is a prefix of the other".into())
}

/// An audit's wall time is the depth of its dependency chain, not its call count: with every
/// answer taking 100 ms, `--engine aws` on a table, index, key alias, SSE-KMS bucket and role
/// to assume (3 inline policies, 3 managed ones, a boundary) is 4 round trips: the role and the
/// alias; the lists, the boundary, the bucket's encryption and policy, the table's policy; the
/// documents and the bucket key's alias; the simulations. Sequentially it is one per call.
#[tokio::test(start_paused = true)]
async fn an_audit_costs_its_dependency_depth_not_its_call_count() {
    for (engine, depth) in [(EngineChoice::Aws, 4), (EngineChoice::Local, 4)] {
        let slow = Slow::new(Order::Fixed(100));
        let start = tokio::time::Instant::now();
        audit(&slow, engine, 64).await.unwrap();
        let rounds = start.elapsed().as_millis() / 100;
        assert_eq!(rounds, depth, "{engine:?}: {} calls", slow.calls());
        assert!(slow.calls() >= 12, "{engine:?}: {} calls", slow.calls());

        let one_at_a_time = Slow::new(Order::Fixed(100));
        let start = tokio::time::Instant::now();
        audit(&one_at_a_time, engine, 1).await.unwrap();
        assert_eq!(
            start.elapsed().as_millis() / 100,
            one_at_a_time.calls() as u128,
            "{engine:?}: with one request in flight, each call is a round trip"
        );
        // The default bound reaches the same depth, or one wave more.
        let bounded = Slow::new(Order::Fixed(100));
        let start = tokio::time::Instant::now();
        audit(&bounded, engine, pydynox_iam::verdict::fetch::IN_FLIGHT)
            .await
            .unwrap();
        assert!(start.elapsed().as_millis() / 100 <= depth + 1, "{engine:?}");
        assert!(
            bounded.most_in_flight.load(Ordering::SeqCst) <= pydynox_iam::verdict::fetch::IN_FLIGHT
        );
    }
}

/// The bound is the run's, not each principal's: principals checked at once (a fleet's
/// `--jobs`) share it, so they never have more requests in flight than it allows; and a
/// managed policy attached to all of them is still read once.
#[tokio::test(start_paused = true)]
async fn concurrent_principals_share_one_in_flight_bound() {
    let cat = Catalogue::embedded();
    let slow = Slow::new(Order::Shuffled(7));
    let cache = ManagedCache::with_in_flight(3);
    let c = ctx(&cat, EngineChoice::Both);
    let plans: Vec<CheckPlan> = ["app", "billing", "search", "media"]
        .iter()
        .map(|r| plan(&cat, r))
        .collect();
    let reports =
        futures::future::join_all(plans.iter().map(|p| run_cached(&slow, &c, p, &cache))).await;
    assert!(reports.iter().all(Result::is_ok));
    assert_eq!(slow.most_in_flight.load(Ordering::SeqCst), 3);
    assert_eq!(slow.calls_of("get_managed_policy"), MANAGED.len() + 1);
}

/// The call-rate ceiling (`--max-rps`) wraps the source, so requests issued at once still start
/// no closer together than it allows.
#[tokio::test(start_paused = true)]
async fn concurrent_reads_still_keep_to_the_rate_ceiling() {
    let slow = Slow::new(Order::Fixed(300));
    let limited = RateLimited::new(&slow, 20.0);
    audit(&limited, EngineChoice::Both, 64).await.unwrap();
    let starts = slow.starts.lock().unwrap().clone();
    assert!(starts.len() >= 12);
    for pair in starts.windows(2) {
        assert!(
            pair[1].0 - pair[0].0 >= Duration::from_millis(50),
            "`{}` started {:?} after `{}`",
            pair[1].1,
            pair[1].0 - pair[0].0,
            pair[0].1
        );
    }
    assert!(slow.most_in_flight.load(Ordering::SeqCst) > 1);
}

/// Where several reads fail, the error reported is the one a sequential read meets first,
/// whatever order the failures arrive in: the identity policies before the resources', and
/// among the resource policies the first the checks name.
#[tokio::test(start_paused = true)]
async fn the_error_reported_is_the_first_in_sequential_order() {
    let throttled = |action| AwsError::Throttled {
        action,
        message: "Rate exceeded".into(),
    };
    let network = |action| AwsError::Network {
        action,
        message: "connection reset".into(),
    };
    type Failing = Vec<(&'static str, AwsError)>;
    let scenarios: Vec<Failing> = vec![
        vec![
            ("get_key_policy", throttled("kms:GetKeyPolicy")),
            ("get_bucket_policy", network("s3:GetBucketPolicy")),
            ("get_role_trust_policy", throttled("iam:GetRole")),
        ],
        vec![
            (
                "list_attached_policies",
                denied("iam:ListAttachedRolePolicies"),
            ),
            ("get_bucket_policy", network("s3:GetBucketPolicy")),
        ],
        vec![
            ("get_inline_policy", denied("iam:GetRolePolicy")),
            ("get_managed_policy", throttled("iam:GetPolicyVersion")),
        ],
        vec![
            ("simulate", throttled("iam:SimulatePrincipalPolicy")),
            (
                "get_bucket_encryption",
                network("s3:GetEncryptionConfiguration"),
            ),
        ],
        vec![
            ("resolve_key", network("kms:DescribeKey")),
            ("get_role", throttled("iam:GetRole")),
        ],
    ];
    for failing in scenarios {
        let make = |order| {
            failing
                .iter()
                .fold(Slow::new(order), |s, (op, e)| s.failing(op, e.clone()))
        };
        for engine in [EngineChoice::Both, EngineChoice::Aws] {
            let sequential = audit(&make(Order::Fixed(10)), engine, 1).await;
            let want = sequential.expect_err("a failing read fails the audit");
            for order in [Order::Reversed, Order::Shuffled(11), Order::Shuffled(12)] {
                let got = audit(&make(order), engine, 64).await;
                assert_eq!(
                    got.as_ref().err(),
                    Some(&want),
                    "{engine:?}, failing {failing:?}"
                );
            }
        }
    }
}

/// The benchmark's latency proxy (localstack/latency-proxy.py) delays every request by at least
/// its delay and forwards concurrent requests at once: its self-test has an upstream that
/// answers none of six requests until it holds all six, which a serialising proxy never
/// reaches. The benchmark's before/after figures mean nothing without it.
#[test]
fn the_latency_proxy_delays_each_request_and_does_not_serialise_them() {
    let out = std::process::Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/localstack/latency-proxy.py"
        ))
        .arg("--self-test")
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("self-test: ok"),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
