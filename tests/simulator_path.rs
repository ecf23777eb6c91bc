//! The simulator path (`--engine aws`, and `auto` on AWS) end to end over mocked SDK
//! responses: every way issue 17 found to print PASS where AWS denies, each asserting the row
//! is not PASS (and, where it applies, what makes it pass), and `auto` using the local engine
//! beside the simulator where the simulator is blind (issue 8, item 9).

use std::sync::Arc;

use aws_sdk_dynamodb::operation::get_resource_policy::{
    GetResourcePolicyError, GetResourcePolicyOutput,
};
use aws_sdk_iam::Client as Iam;
use aws_sdk_iam::operation::get_role::GetRoleOutput;
use aws_sdk_iam::operation::get_role_policy::GetRolePolicyOutput;
use aws_sdk_iam::operation::list_attached_role_policies::ListAttachedRolePoliciesOutput;
use aws_sdk_iam::operation::list_role_policies::ListRolePoliciesOutput;
use aws_sdk_iam::operation::simulate_principal_policy::{
    SimulatePrincipalPolicyInput, SimulatePrincipalPolicyOutput,
};
use aws_sdk_iam::types::{
    EvaluationResult, OrganizationsDecisionDetail, PermissionsBoundaryDecisionDetail,
    PolicyEvaluationDecisionType as D, ResourceSpecificResult, Role,
};
use aws_sdk_kms::operation::get_key_policy::GetKeyPolicyOutput;
use aws_sdk_s3::operation::get_bucket_encryption::{
    GetBucketEncryptionError, GetBucketEncryptionOutput,
};
use aws_sdk_s3::operation::get_bucket_policy::{GetBucketPolicyError, GetBucketPolicyOutput};
use aws_sdk_s3::types::{
    ServerSideEncryption, ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration,
    ServerSideEncryptionRule,
};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use aws_smithy_types::DateTime;
use aws_smithy_types::error::ErrorMetadata;

use pydynox_iam::grants::sdk::SdkAws;
use pydynox_iam::grants::source::{Aws, AwsError, Owner};
use pydynox_iam::iam::arn::{KeyInput, PrincipalKind, principal_from_arn, principal_from_input};
use pydynox_iam::needs::catalogue::Catalogue;
use pydynox_iam::needs::plan::{CheckPlan, IndexSelection, PrincipalSelector, ResourceInputs};
use pydynox_iam::report::model::{Answer, ReasonCode, Report, Row, Source, Verdict};
use pydynox_iam::verdict::fetch::TablePolicies;
use pydynox_iam::verdict::pipeline::{EngineChoice, RunContext, Statements, run};

const ACCOUNT: &str = "111122223333";
const OTHER: &str = "444455556666";
const ROLE_ARN: &str = "arn:aws:iam::111122223333:role/svc/app";
const TABLE: &str = "arn:aws:dynamodb:us-east-1:111122223333:table/users";
const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const TARGET_ROLE: &str = "arn:aws:iam::111122223333:role/target";

/// Everything allowed to the role, so only the simulator and resource policies decide.
const ALLOW_ALL: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

/// What the simulator answers to one request.
type Simulator = Arc<dyn Fn(&SimulatePrincipalPolicyInput) -> Vec<EvaluationResult> + Send + Sync>;

/// The AWS account the mocks describe.
#[derive(Clone)]
struct World {
    identity: String,
    simulator: Simulator,
    /// The table's resource policy; `None`: it has none.
    table_policy: Option<String>,
    /// The bucket's owner; reads with another expected owner are refused (403).
    bucket_owner: String,
    bucket_policy: Option<String>,
    /// `Some(key)` for SSE-KMS with that key; `None` for SSE-S3.
    bucket_kms_key: Option<String>,
    /// The bucket's encryption cannot be read (AccessDenied).
    encryption_denied: bool,
    key_policy: String,
    trust_policy: String,
}

fn world(simulator: Simulator) -> World {
    World {
        identity: ALLOW_ALL.into(),
        simulator,
        table_policy: None,
        bucket_owner: ACCOUNT.into(),
        bucket_policy: None,
        bucket_kms_key: None,
        encryption_denied: false,
        key_policy: format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:root"}},"Action":"kms:*","Resource":"*"}}]}}"#
        ),
        trust_policy: format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{ROLE_ARN}"}},"Action":"sts:AssumeRole"}}]}}"#
        ),
    }
}

/// One result per action and resource asked (the older response shape), each as `f` says.
fn each(f: impl Fn(&str, &str) -> EvaluationResult + Send + Sync + 'static) -> Simulator {
    Arc::new(move |r: &SimulatePrincipalPolicyInput| {
        let mut out = Vec::new();
        for a in r.action_names() {
            for res in r.resource_arns() {
                out.push(f(a, res));
            }
        }
        out
    })
}

fn result(
    action: &str,
    resource: &str,
    decision: D,
) -> aws_sdk_iam::types::builders::EvaluationResultBuilder {
    EvaluationResult::builder()
        .eval_action_name(action)
        .eval_resource_name(resource)
        .eval_decision(decision)
}

fn allowed_everywhere() -> Simulator {
    each(|a, r| result(a, r, D::Allowed).build().unwrap())
}

fn orgs(allowed: bool) -> OrganizationsDecisionDetail {
    OrganizationsDecisionDetail::builder()
        .allowed_by_organizations(allowed)
        .build()
}

fn boundary(allowed: bool) -> PermissionsBoundaryDecisionDetail {
    PermissionsBoundaryDecisionDetail::builder()
        .allowed_by_permissions_boundary(allowed)
        .build()
}

fn error_meta(code: &str) -> ErrorMetadata {
    ErrorMetadata::builder()
        .code(code)
        .message(format!("{code} (mocked)"))
        .build()
}

impl World {
    fn iam(&self) -> Iam {
        let role = |name: &str, arn: &str, trust: &str| {
            Role::builder()
                .path("/svc/")
                .role_name(name)
                .role_id("AROAEXAMPLE")
                .arn(arn)
                .create_date(DateTime::from_secs(0))
                .assume_role_policy_document(trust)
                .build()
                .unwrap()
        };
        let trust = self.trust_policy.clone();
        let get_role = mock!(Iam::get_role).then_compute_output(move |r| {
            let out = if r.role_name() == Some("target") {
                role("target", TARGET_ROLE, &trust)
            } else {
                role("app", ROLE_ARN, "{}")
            };
            GetRoleOutput::builder().role(out).build()
        });
        let inline = mock!(Iam::list_role_policies).then_output(|| {
            ListRolePoliciesOutput::builder()
                .policy_names("app")
                .build()
                .unwrap()
        });
        let doc = self.identity.clone();
        let get_inline = mock!(Iam::get_role_policy).then_output(move || {
            GetRolePolicyOutput::builder()
                .role_name("app")
                .policy_name("app")
                .policy_document(doc.clone())
                .build()
                .unwrap()
        });
        let attached = mock!(Iam::list_attached_role_policies)
            .then_output(|| ListAttachedRolePoliciesOutput::builder().build());
        let sim = self.simulator.clone();
        let simulate = mock!(Iam::simulate_principal_policy).then_compute_output(move |r| {
            SimulatePrincipalPolicyOutput::builder()
                .set_evaluation_results(Some(sim(r)))
                .build()
        });
        mock_client!(
            aws_sdk_iam,
            RuleMode::MatchAny,
            [&get_role, &inline, &get_inline, &attached, &simulate]
        )
    }

    fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        let rule = match self.table_policy.clone() {
            Some(p) => mock!(aws_sdk_dynamodb::Client::get_resource_policy)
                .then_output(move || GetResourcePolicyOutput::builder().policy(p.clone()).build()),
            None => mock!(aws_sdk_dynamodb::Client::get_resource_policy).then_error(|| {
                GetResourcePolicyError::generic(error_meta("PolicyNotFoundException"))
            }),
        };
        mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, [&rule])
    }

    fn s3(&self) -> aws_sdk_s3::Client {
        let owner = self.bucket_owner.clone();
        let owner2 = owner.clone();
        let policy = self.bucket_policy.clone();
        let is_owner = move |o: Option<&str>| o == Some(owner.as_str());
        let is_owner2 = move |o: Option<&str>| o == Some(owner2.as_str());
        // S3's expected-owner check: a read that expects another owner is refused with 403.
        let wrong_owner = mock!(aws_sdk_s3::Client::get_bucket_policy)
            .match_requests(move |r| !is_owner(r.expected_bucket_owner()))
            .then_error(|| GetBucketPolicyError::generic(error_meta("AccessDenied")));
        let read = match policy {
            Some(p) => mock!(aws_sdk_s3::Client::get_bucket_policy)
                .then_output(move || GetBucketPolicyOutput::builder().policy(p.clone()).build()),
            None => mock!(aws_sdk_s3::Client::get_bucket_policy)
                .then_error(|| GetBucketPolicyError::generic(error_meta("NoSuchBucketPolicy"))),
        };
        let enc_wrong_owner = mock!(aws_sdk_s3::Client::get_bucket_encryption)
            .match_requests(move |r| !is_owner2(r.expected_bucket_owner()))
            .then_error(|| GetBucketEncryptionError::generic(error_meta("AccessDenied")));
        let key = self.bucket_kms_key.clone();
        let enc = if self.encryption_denied {
            mock!(aws_sdk_s3::Client::get_bucket_encryption)
                .then_error(|| GetBucketEncryptionError::generic(error_meta("AccessDenied")))
        } else {
            mock!(aws_sdk_s3::Client::get_bucket_encryption).then_output(move || {
                let by_default = match &key {
                    Some(k) => ServerSideEncryptionByDefault::builder()
                        .sse_algorithm(ServerSideEncryption::AwsKms)
                        .kms_master_key_id(k),
                    None => ServerSideEncryptionByDefault::builder()
                        .sse_algorithm(ServerSideEncryption::Aes256),
                };
                GetBucketEncryptionOutput::builder()
                    .server_side_encryption_configuration(
                        ServerSideEncryptionConfiguration::builder()
                            .rules(
                                ServerSideEncryptionRule::builder()
                                    .apply_server_side_encryption_by_default(
                                        by_default.build().unwrap(),
                                    )
                                    .build(),
                            )
                            .build()
                            .unwrap(),
                    )
                    .build()
            })
        };
        mock_client!(
            aws_sdk_s3,
            RuleMode::MatchAny,
            [&wrong_owner, &read, &enc_wrong_owner, &enc]
        )
    }

    fn kms(&self) -> aws_sdk_kms::Client {
        let p = self.key_policy.clone();
        let rule = mock!(aws_sdk_kms::Client::get_key_policy)
            .then_output(move || GetKeyPolicyOutput::builder().policy(p.clone()).build());
        mock_client!(aws_sdk_kms, RuleMode::MatchAny, [&rule])
    }

    fn adapter(&self) -> SdkAws {
        let sts = mock_client!(aws_sdk_sts, RuleMode::MatchAny, &[] as &[&Rule]);
        SdkAws::from_clients(self.iam(), sts, self.kms(), self.s3(), self.dynamodb())
    }
}

/// What is checked: features, and the resources they need.
fn plan(principal: &str, features: &[&str]) -> CheckPlan {
    let cat = Catalogue::embedded();
    let principal = if principal.starts_with("arn:") {
        principal_from_arn(principal).unwrap()
    } else {
        principal_from_input(PrincipalKind::Role, principal).unwrap()
    };
    CheckPlan {
        principal: PrincipalSelector::Named(principal),
        features: features.iter().map(|f| f.to_string()).collect(),
        version: cat.newest(),
        resources: ResourceInputs {
            tables: vec!["users".into()],
            indexes: IndexSelection::None,
            kms_key: Some(KeyInput::KeyArn(KEY.into())),
            bucket: Some("media".into()),
            prefix: String::new(),
            assume_role_arn: Some(TARGET_ROLE.into()),
            lock_table: None,
        },
        extra_context: vec![],
        notes: vec![],
        app: None,
    }
}

async fn check(w: &World, engine: EngineChoice, stated: Statements, p: &CheckPlan) -> Report {
    let cat = Catalogue::embedded();
    let ctx = RunContext {
        catalogue: &cat,
        region: Some("us-east-1".into()),
        endpoint_url: None,
        engine,
        table_policies: TablePolicies::Read,
        stated,
    };
    run(&w.adapter(), &ctx, p).await.unwrap()
}

fn row<'a>(report: &'a Report, action: &str) -> &'a Row {
    report
        .rows
        .iter()
        .find(|r| r.action == action)
        .unwrap_or_else(|| panic!("no row for {action}"))
}

fn decisive(r: &Row) -> Vec<(Source, Answer)> {
    r.evidence
        .sources
        .iter()
        .filter(|s| s.decisive)
        .map(|s| (s.source, s.answer))
        .collect()
}

fn assert_none_pass(report: &Report) {
    for r in &report.rows {
        assert_ne!(
            r.verdict,
            Verdict::Pass,
            "{} on {}: {}",
            r.action,
            r.resource,
            r.reason
        );
    }
}

/// Issue 17, case 1: the simulator's `allowed` with MissingContextValues is INCONCLUSIVE on its
/// own; a table policy, which brings the local engine in, must not turn it into a PASS.
#[tokio::test]
async fn case1_the_simulators_doubt_survives_the_table_policy_cross_check() {
    let mut w = world(each(|a, r| {
        result(a, r, D::Allowed)
            .missing_context_values("aws:SourceIp")
            .build()
            .unwrap()
    }));
    w.identity = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}]}"#.into();
    w.table_policy = Some(format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{ROLE_ARN}"}},"Action":"dynamodb:*","Resource":"{TABLE}"}}]}}"#
    ));
    for engine in [EngineChoice::Aws, EngineChoice::Auto, EngineChoice::Both] {
        let report = check(&w, engine, Statements::default(), &plan("app", &["crud"])).await;
        let get = row(&report, "dynamodb:GetItem");
        assert_eq!(
            (get.verdict, get.code),
            (Verdict::Inconclusive, ReasonCode::MissingContext),
            "{engine:?}: {}",
            get.reason
        );
        assert!(get.reason.contains("aws:SourceIp"), "{}", get.reason);
        assert!(decisive(get).contains(&(Source::Simulator, Answer::Unsure)));
        assert_none_pass(&report);
    }
}

/// Issue 17, case 2: a region-lock SCP (`StringNotEquals aws:RequestedRegion`) has a global
/// condition key, which the simulator does not evaluate: in an organization, `allowed` is not a
/// PASS unless the user states there are no SCP conditions and no RCPs.
#[tokio::test]
async fn case2_in_an_organization_scp_conditions_and_rcps_keep_rows_from_passing() {
    let w = world(each(|a, r| {
        result(a, r, D::Allowed)
            .organizations_decision_detail(orgs(true))
            .build()
            .unwrap()
    }));
    let p = plan("app", &["crud"]);
    let report = check(&w, EngineChoice::Aws, Statements::default(), &p).await;
    for r in &report.rows {
        assert_eq!(
            (r.verdict, r.code),
            (Verdict::Inconclusive, ReasonCode::OrgPoliciesNotEvaluated),
            "{}",
            r.reason
        );
        assert!(
            r.reason.contains("--no-scp-conditions") && r.reason.contains("--no-rcps"),
            "{}",
            r.reason
        );
    }
    assert!(
        report.notes.iter().any(|n| n
            .contains("does not evaluate service control policies that have conditions")
            && n.contains("resource control policies")
            && n.contains("in an AWS organization")),
        "{:?}",
        report.notes
    );
    // One statement is not enough: RCPs are not evaluated either.
    let scp_only = Statements {
        no_scp_conditions: true,
        ..Statements::default()
    };
    let report = check(&w, EngineChoice::Aws, scp_only.clone(), &p).await;
    assert_none_pass(&report);
    assert!(report.rows[0].reason.contains("--no-rcps"));
    let both = Statements {
        no_rcps: true,
        ..scp_only
    };
    let report = check(&w, EngineChoice::Aws, both, &p).await;
    assert!(report.rows.iter().all(|r| r.verdict == Verdict::Pass));
    // Outside an organization (no organization detail), nothing needs stating, and the report
    // says what the simulator does not evaluate all the same.
    let report = check(
        &world(allowed_everywhere()),
        EngineChoice::Aws,
        Statements::default(),
        &p,
    )
    .await;
    assert!(report.rows.iter().all(|r| r.verdict == Verdict::Pass));
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.contains("resource control policies")
                && n.contains("not in an AWS organization")),
        "{:?}",
        report.notes
    );
}

/// Issue 17, case 3: a false organization or boundary detail, wherever AWS puts it, and an
/// action-level deny beside per-resource allows, are never a PASS.
#[tokio::test]
async fn case3_false_details_and_an_action_level_deny_are_never_pass() {
    let p = plan("app", &["crud"]);
    let stated = Statements {
        no_scp_conditions: true,
        no_rcps: true,
        ..Statements::default()
    };
    let shapes: Vec<(&str, Simulator)> = vec![
        (
            "allowed, organizations false",
            each(|a, r| {
                result(a, r, D::Allowed)
                    .organizations_decision_detail(orgs(false))
                    .build()
                    .unwrap()
            }),
        ),
        (
            "allowed, boundary false",
            each(|a, r| {
                result(a, r, D::Allowed)
                    .permissions_boundary_decision_detail(boundary(false))
                    .build()
                    .unwrap()
            }),
        ),
        (
            "per resource: allowed; action level: implicitDeny, organizations false",
            Arc::new(|r: &SimulatePrincipalPolicyInput| {
                r.action_names()
                    .iter()
                    .map(|a| {
                        let mut b = result(a, "*", D::ImplicitDeny)
                            .organizations_decision_detail(orgs(false));
                        for res in r.resource_arns() {
                            b = b.resource_specific_results(
                                ResourceSpecificResult::builder()
                                    .eval_resource_name(res)
                                    .eval_resource_decision(D::Allowed)
                                    .build()
                                    .unwrap(),
                            );
                        }
                        b.build().unwrap()
                    })
                    .collect()
            }),
        ),
        (
            "per resource: allowed; action level: implicitDeny, no detail",
            Arc::new(|r: &SimulatePrincipalPolicyInput| {
                r.action_names()
                    .iter()
                    .map(|a| {
                        let mut b = result(a, "*", D::ImplicitDeny);
                        for res in r.resource_arns() {
                            b = b.resource_specific_results(
                                ResourceSpecificResult::builder()
                                    .eval_resource_name(res)
                                    .eval_resource_decision(D::Allowed)
                                    .build()
                                    .unwrap(),
                            );
                        }
                        b.build().unwrap()
                    })
                    .collect()
            }),
        ),
        (
            "per resource: allowed with its boundary detail false",
            Arc::new(|r: &SimulatePrincipalPolicyInput| {
                r.action_names()
                    .iter()
                    .map(|a| {
                        let mut b = result(a, "*", D::Allowed);
                        for res in r.resource_arns() {
                            b = b.resource_specific_results(
                                ResourceSpecificResult::builder()
                                    .eval_resource_name(res)
                                    .eval_resource_decision(D::Allowed)
                                    .permissions_boundary_decision_detail(boundary(false))
                                    .build()
                                    .unwrap(),
                            );
                        }
                        b.build().unwrap()
                    })
                    .collect()
            }),
        ),
        (
            "action level: boundary false; per resource: allowed, no detail",
            Arc::new(|r: &SimulatePrincipalPolicyInput| {
                r.action_names()
                    .iter()
                    .map(|a| {
                        let mut b = result(a, "*", D::Allowed)
                            .permissions_boundary_decision_detail(boundary(false));
                        for res in r.resource_arns() {
                            b = b.resource_specific_results(
                                ResourceSpecificResult::builder()
                                    .eval_resource_name(res)
                                    .eval_resource_decision(D::Allowed)
                                    .build()
                                    .unwrap(),
                            );
                        }
                        b.build().unwrap()
                    })
                    .collect()
            }),
        ),
        (
            "implicitDeny, organizations false",
            each(|a, r| {
                result(a, r, D::ImplicitDeny)
                    .organizations_decision_detail(orgs(false))
                    .build()
                    .unwrap()
            }),
        ),
    ];
    for (name, sim) in shapes {
        for engine in [EngineChoice::Aws, EngineChoice::Auto, EngineChoice::Both] {
            let report = check(&world(sim.clone()), engine, stated.clone(), &p).await;
            for r in &report.rows {
                assert_ne!(r.verdict, Verdict::Pass, "{name}, {engine:?}: {}", r.reason);
            }
        }
    }
    // Where the detail settles it, the row FAILs naming the rule.
    let report = check(
        &world(each(|a, r| {
            result(a, r, D::ImplicitDeny)
                .organizations_decision_detail(orgs(false))
                .build()
                .unwrap()
        })),
        EngineChoice::Aws,
        stated,
        &p,
    )
    .await;
    let get = row(&report, "dynamodb:GetItem");
    assert_eq!(
        (get.verdict, get.code),
        (Verdict::Fail, ReasonCode::ScpDeny)
    );
}

/// Issue 17, case 4: a bucket in another account. Without `ResourceOwner` the simulator assumes
/// the caller's account; the tool reads the bucket with S3's expected-owner check, so a bucket
/// owned elsewhere is never taken for the principal's, and a stated owner goes to the simulator.
#[tokio::test]
async fn case4_a_bucket_in_another_account_is_never_pass() {
    let mut w = world(allowed_everywhere());
    w.bucket_owner = OTHER.into();
    let p = plan("app", &["s3-attribute"]);
    let stated = Statements {
        no_scp_conditions: true,
        no_rcps: true,
        ..Statements::default()
    };
    for engine in [EngineChoice::Aws, EngineChoice::Auto, EngineChoice::Both] {
        // The owner is not stated: S3 refuses a read that expects the principal's account.
        let report = check(&w, engine, stated.clone(), &p).await;
        for r in &report.rows {
            assert_eq!(r.verdict, Verdict::Inconclusive, "{engine:?}: {}", r.reason);
            assert!(
                r.reason.contains("ExpectedBucketOwner") && r.reason.contains("--bucket-owner"),
                "{}",
                r.reason
            );
        }
        assert!(report.resource_policies.iter().all(|rp| rp.owner.is_none()));
    }
    // Stated: the simulator is asked with ResourceOwner, and the bucket policy (which grants
    // this principal nothing) must allow cross-account access: FAIL.
    let asked_with_owner = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = asked_with_owner.clone();
    let mut w = world(Arc::new(move |r: &SimulatePrincipalPolicyInput| {
        if r.resource_owner() == Some(OTHER) {
            seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
        r.action_names()
            .iter()
            .flat_map(|a| r.resource_arns().iter().map(move |res| (a, res)))
            .map(|(a, res)| result(a, res, D::Allowed).build().unwrap())
            .collect()
    }));
    w.bucket_owner = OTHER.into();
    w.bucket_policy = Some(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999988887777:root"},"Action":"s3:*","Resource":"arn:aws:s3:::media/*"}]}"#.into());
    let owned_elsewhere = Statements {
        bucket_owner: Some(OTHER.into()),
        ..stated.clone()
    };
    let report = check(&w, EngineChoice::Auto, owned_elsewhere, &p).await;
    assert!(asked_with_owner.load(std::sync::atomic::Ordering::SeqCst) > 0);
    for r in &report.rows {
        assert_eq!(
            (r.verdict, r.code),
            (Verdict::Fail, ReasonCode::ResourcePolicyDeny),
            "{}",
            r.reason
        );
        assert!(r.reason.contains(OTHER), "{}", r.reason);
    }
    // In the principal's account, confirmed by S3: the identity policy's grant is enough.
    let report = check(&world(allowed_everywhere()), EngineChoice::Auto, stated, &p).await;
    assert!(
        report.rows.iter().all(|r| r.verdict == Verdict::Pass),
        "{:?}",
        report.rows
    );
    assert_eq!(report.resource_policies[0].owner.as_deref(), Some(ACCOUNT));
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.contains("S3 confirmed that account 111122223333 owns the bucket"))
    );
}

/// Issue 17, case 5: auditing a session simulates its role; the session's own session policies
/// are invisible. Not a PASS unless the user states it has none.
#[tokio::test]
async fn case5_a_named_session_passes_only_when_it_has_no_session_policy() {
    let w = world(allowed_everywhere());
    let p = plan(
        "arn:aws:sts::111122223333:assumed-role/app/i-0abc",
        &["crud"],
    );
    let report = check(&w, EngineChoice::Aws, Statements::default(), &p).await;
    for r in &report.rows {
        assert_eq!(
            (r.verdict, r.code),
            (Verdict::Inconclusive, ReasonCode::SessionPolicyNotEvaluated),
            "{}",
            r.reason
        );
        assert!(decisive(r).contains(&(Source::Session, Answer::Unsure)));
    }
    // The table says which source made each row doubtful.
    let mut out = Vec::new();
    pydynox_iam::report::table::report_table(
        &mut out,
        &report,
        pydynox_iam::report::table::TextStyle {
            color: false,
            width: None,
        },
        pydynox_iam::report::table::RowsView {
            wide: true,
            failed_only: false,
        },
        false,
    )
    .unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("(doubt: session policies)"), "{text}");
    let stated = Statements {
        no_session_policy: true,
        ..Statements::default()
    };
    let report = check(&w, EngineChoice::Aws, stated, &p).await;
    assert!(report.rows.iter().all(|r| r.verdict == Verdict::Pass));
    assert_eq!(
        decisive(&report.rows[0]),
        vec![(Source::Simulator, Answer::Allow)]
    );
    // Naming the role audits any session of it without session policies, as before.
    let report = check(
        &w,
        EngineChoice::Aws,
        Statements::default(),
        &plan("app", &["crud"]),
    )
    .await;
    assert!(report.rows.iter().all(|r| r.verdict == Verdict::Pass));
}

/// Issue 17, case 6: object calls on an SSE-KMS bucket also need the key: GenerateDataKey and
/// Decrypt for uploads (multipart over 10 MiB), Decrypt for downloads, key policy included.
#[tokio::test]
async fn case6_an_sse_kms_bucket_adds_its_key_rows() {
    let mut w = world(allowed_everywhere());
    w.bucket_kms_key = Some(KEY.into());
    // The key policy grants another role only, and does not delegate to IAM policies.
    w.key_policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/admin"},"Action":"kms:*","Resource":"*"}]}"#.into();
    let p = plan("app", &["s3-attribute"]);
    let report = check(&w, EngineChoice::Auto, Statements::default(), &p).await;
    let kms: Vec<(&str, Verdict, ReasonCode)> = report
        .rows
        .iter()
        .filter(|r| r.resource == KEY)
        .map(|r| (r.action.as_str(), r.verdict, r.code))
        .collect();
    assert_eq!(
        kms,
        vec![
            (
                "kms:GenerateDataKey",
                Verdict::Fail,
                ReasonCode::ResourcePolicyDeny
            ),
            ("kms:Decrypt", Verdict::Fail, ReasonCode::ResourcePolicyDeny),
        ]
    );
    let gen_row = row(&report, "kms:GenerateDataKey");
    assert_eq!(gen_row.feature, "s3-attribute");
    assert!(
        gen_row
            .context
            .iter()
            .any(|c| c.key == "kms:ViaService" && c.values == ["s3.us-east-1.amazonaws.com"])
    );
    assert!(report.notes.iter().any(|n| n.contains("SSE-KMS")));
    // A key policy that delegates to IAM policies: the key rows pass too.
    let mut delegating = w.clone();
    delegating.key_policy = world(allowed_everywhere()).key_policy;
    let report = check(&delegating, EngineChoice::Auto, Statements::default(), &p).await;
    assert!(
        report.rows.iter().all(|r| r.verdict == Verdict::Pass),
        "{:#?}",
        report.rows
    );
    // --engine aws does not read key policies: the key rows cannot pass.
    let report = check(&delegating, EngineChoice::Aws, Statements::default(), &p).await;
    assert_eq!(
        row(&report, "kms:Decrypt").code,
        ReasonCode::KeyPolicyNotEvaluated
    );
    // The encryption cannot be read: the S3 rows cannot pass either.
    let mut hidden = world(allowed_everywhere());
    hidden.encryption_denied = true;
    let report = check(&hidden, EngineChoice::Auto, Statements::default(), &p).await;
    for r in &report.rows {
        assert_eq!(
            (r.verdict, r.code),
            (
                Verdict::Inconclusive,
                ReasonCode::BucketEncryptionUnreadable
            ),
            "{}",
            r.reason
        );
        assert!(
            r.reason.contains("s3:GetEncryptionConfiguration"),
            "{}",
            r.reason
        );
    }
}

/// Issue 8, item 9: on AWS, `auto` needs no engine flag to decide KMS and assume-role rows: the
/// local engine evaluates the key and trust policies beside the simulator, a row passing only
/// when both allow, and each row says which decided it.
#[tokio::test]
async fn auto_on_aws_is_decisive_where_the_simulator_is_blind() {
    let w = world(allowed_everywhere());
    let p = plan("app", &["crud", "encryption-readwrite", "assume-role"]);
    let report = check(&w, EngineChoice::Auto, Statements::default(), &p).await;
    assert_eq!(report.engine, "aws-simulator");
    assert!(
        report
            .engine_reason
            .contains("where the simulator is blind"),
        "{}",
        report.engine_reason
    );
    assert!(
        report.rows.iter().all(|r| r.verdict == Verdict::Pass),
        "{:#?}",
        report.rows
    );
    for action in ["kms:Decrypt", "sts:AssumeRole"] {
        assert_eq!(
            decisive(row(&report, action)),
            vec![
                (Source::Local, Answer::Allow),
                (Source::Simulator, Answer::Allow)
            ],
            "{action}"
        );
    }
    // A table row without a table policy: the simulator decides alone.
    assert_eq!(
        decisive(row(&report, "dynamodb:GetItem")),
        vec![(Source::Simulator, Answer::Allow)]
    );
    // The same run with --engine aws: those rows are INCONCLUSIVE, as the simulator is blind.
    let report = check(&w, EngineChoice::Aws, Statements::default(), &p).await;
    assert_eq!(
        row(&report, "kms:Decrypt").code,
        ReasonCode::KeyPolicyNotEvaluated
    );
    assert_eq!(
        row(&report, "sts:AssumeRole").code,
        ReasonCode::TrustPolicyNotEvaluated
    );
    // A trust policy that does not trust the role: FAIL, decided by the local engine.
    let mut untrusted = w.clone();
    untrusted.trust_policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#.into();
    let report = check(&untrusted, EngineChoice::Auto, Statements::default(), &p).await;
    let assume = row(&report, "sts:AssumeRole");
    assert_eq!(assume.verdict, Verdict::Fail, "{}", assume.reason);
    assert_eq!(decisive(assume), vec![(Source::Local, Answer::Deny)]);
}

/// A hostile simulator: results duplicated with different answers, for resources not asked,
/// with the action name in other case, a decision missing (the SDK fills in a placeholder), a
/// per-resource result without its resource name: nothing of it passes.
#[tokio::test]
async fn a_hostile_simulator_answer_never_passes() {
    let p = plan("app", &["crud"]);
    let stated = Statements {
        no_scp_conditions: true,
        no_rcps: true,
        ..Statements::default()
    };
    let shapes: Vec<(&str, Simulator)> = vec![
        (
            "duplicated results that differ",
            each(|a, r| {
                let d = if a.ends_with("Item") {
                    D::Allowed
                } else {
                    D::ImplicitDeny
                };
                result(a, r, d).build().unwrap()
            }),
        ),
        (
            "a decision missing",
            each(|a, r| result(a, r, D::from("no value was set")).build().unwrap()),
        ),
        (
            "an unknown decision",
            each(|a, r| result(a, r, D::from("allowedMaybe")).build().unwrap()),
        ),
        (
            "results for other resources only",
            each(|a, _| {
                result(a, &format!("{TABLE}-other"), D::Allowed)
                    .build()
                    .unwrap()
            }),
        ),
        (
            "a per-resource result without its resource name",
            Arc::new(|r: &SimulatePrincipalPolicyInput| {
                r.action_names()
                    .iter()
                    .map(|a| {
                        result(a, "*", D::Allowed)
                            .resource_specific_results(
                                ResourceSpecificResult::builder()
                                    .eval_resource_name("")
                                    .eval_resource_decision(D::Allowed)
                                    .build()
                                    .unwrap(),
                            )
                            .build()
                            .unwrap()
                    })
                    .collect()
            }),
        ),
    ];
    for (name, sim) in shapes {
        // The first shape answers twice: once allowed, once denied, for every request.
        let sim = if name.starts_with("duplicated") {
            let inner = sim.clone();
            Arc::new(move |r: &SimulatePrincipalPolicyInput| {
                let mut out = inner(r);
                out.extend(r.action_names().iter().flat_map(|a| {
                    r.resource_arns().iter().map(move |res| {
                        result(&a.to_uppercase(), res, D::ExplicitDeny)
                            .build()
                            .unwrap()
                    })
                }));
                out
            }) as Simulator
        } else {
            sim
        };
        let report = check(&world(sim), EngineChoice::Aws, stated.clone(), &p).await;
        for r in &report.rows {
            assert_ne!(r.verdict, Verdict::Pass, "{name}: {}", r.reason);
        }
    }
    // Action names are matched whatever their case: an answer in upper case still counts.
    let upper = each(|a, r| result(&a.to_uppercase(), r, D::Allowed).build().unwrap());
    let report = check(&world(upper), EngineChoice::Aws, stated, &p).await;
    assert!(report.rows.iter().all(|r| r.verdict == Verdict::Pass));
}

/// Paging: a page that says more follows without a marker, or repeats a marker, is an error
/// naming the call, never a silent end (a policy unread) or an endless loop.
#[tokio::test]
async fn broken_paging_is_an_error_naming_the_call() {
    let no_marker = mock!(Iam::list_role_policies).then_output(|| {
        ListRolePoliciesOutput::builder()
            .policy_names("a")
            .is_truncated(true)
            .build()
            .unwrap()
    });
    let iam = mock_client!(aws_sdk_iam, RuleMode::MatchAny, [&no_marker]);
    let w = world(allowed_everywhere());
    let sts = mock_client!(aws_sdk_sts, RuleMode::MatchAny, &[] as &[&Rule]);
    let aws = SdkAws::from_clients(iam, sts, w.kms(), w.s3(), w.dynamodb());
    let err = aws
        .list_inline_policies(&Owner::Role("app".into()))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            AwsError::BadResponse {
                action: "iam:ListRolePolicies",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("no Marker"), "{err}");

    let looping = mock!(Iam::simulate_principal_policy).then_output(|| {
        SimulatePrincipalPolicyOutput::builder()
            .evaluation_results(
                result("dynamodb:GetItem", TABLE, D::Allowed)
                    .build()
                    .unwrap(),
            )
            .is_truncated(true)
            .marker("again")
            .build()
    });
    let iam = mock_client!(aws_sdk_iam, RuleMode::MatchAny, [&looping]);
    let sts = mock_client!(aws_sdk_sts, RuleMode::MatchAny, &[] as &[&Rule]);
    let aws = SdkAws::from_clients(iam, sts, w.kms(), w.s3(), w.dynamodb());
    let req = pydynox_iam::grants::model::SimRequest {
        policy_source_arn: ROLE_ARN.into(),
        actions: vec!["dynamodb:GetItem".into()],
        resources: vec![TABLE.into()],
        context: vec![],
        resource_owner: None,
    };
    let err = aws.simulate(&req).await.unwrap_err();
    assert!(
        matches!(
            err,
            AwsError::BadResponse {
                action: "iam:SimulatePrincipalPolicy",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("`again` came back a second time"),
        "{err}"
    );
    assert_eq!(
        looping.num_calls(),
        2,
        "the repeated marker is not followed"
    );
}
