//! The AWS adapter against mocked SDK responses: pagination of every list call and of the
//! simulation, URL-encoded documents, both simulation response shapes, throttling then
//! success, and AccessDenied naming the missing `iam:` permission (exit 3).

use std::time::Duration;

use aws_sdk_dynamodb::operation::get_resource_policy::{
    GetResourcePolicyError, GetResourcePolicyOutput,
};
use aws_sdk_iam::Client as Iam;
use aws_sdk_iam::operation::get_policy::GetPolicyOutput;
use aws_sdk_iam::operation::get_policy_version::GetPolicyVersionOutput;
use aws_sdk_iam::operation::get_role::{GetRoleError, GetRoleOutput};
use aws_sdk_iam::operation::get_role_policy::GetRolePolicyOutput;
use aws_sdk_iam::operation::get_user::GetUserOutput;
use aws_sdk_iam::operation::list_attached_group_policies::ListAttachedGroupPoliciesOutput;
use aws_sdk_iam::operation::list_attached_role_policies::ListAttachedRolePoliciesOutput;
use aws_sdk_iam::operation::list_attached_user_policies::ListAttachedUserPoliciesOutput;
use aws_sdk_iam::operation::list_group_policies::ListGroupPoliciesOutput;
use aws_sdk_iam::operation::list_groups_for_user::ListGroupsForUserOutput;
use aws_sdk_iam::operation::list_role_policies::ListRolePoliciesOutput;
use aws_sdk_iam::operation::list_user_policies::ListUserPoliciesOutput;
use aws_sdk_iam::operation::simulate_principal_policy::SimulatePrincipalPolicyOutput;
use aws_sdk_iam::types::{
    AttachedPermissionsBoundary, AttachedPolicy, EvaluationResult, Group,
    PermissionsBoundaryDecisionDetail, PolicyEvaluationDecisionType, PolicyVersion, Position,
    ResourceSpecificResult, Role, Statement, User,
};
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use aws_smithy_types::DateTime;
use aws_smithy_types::error::ErrorMetadata;

use pydynox_iam::grants::model::{PolicySource, Principal, SimDecision, SimRequest};
use pydynox_iam::grants::sdk::SdkAws;
use pydynox_iam::grants::source::{Aws, AwsError, Owner};
use pydynox_iam::iam::arn::PrincipalKind;
use pydynox_iam::needs::catalogue::Catalogue;
use pydynox_iam::needs::plan::{CheckPlan, IndexSelection, PrincipalSelector, ResourceInputs};
use pydynox_iam::report::model::{ReasonCode, Verdict};
use pydynox_iam::verdict::fetch::{TablePolicies, fetch_policies};
use pydynox_iam::verdict::pipeline::{CheckError, EngineChoice, RunContext, run};

const ROLE_ARN: &str = "arn:aws:iam::111122223333:role/svc/app";

/// A DynamoDB client for which no table has a resource policy.
fn no_table_policies() -> aws_sdk_dynamodb::Client {
    let none = mock!(aws_sdk_dynamodb::Client::get_resource_policy).then_error(|| {
        GetResourcePolicyError::generic(
            ErrorMetadata::builder()
                .code("PolicyNotFoundException")
                .message("Resource-based policy not found for the provided ResourceArn")
                .build(),
        )
    });
    mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, [&none])
}

fn adapter(iam: Iam) -> SdkAws {
    adapter_with(iam, no_table_policies())
}

fn adapter_with(iam: Iam, dynamodb: aws_sdk_dynamodb::Client) -> SdkAws {
    let sts = mock_client!(
        aws_sdk_sts,
        RuleMode::MatchAny,
        &[] as &[&aws_smithy_mocks::Rule]
    );
    let kms = mock_client!(
        aws_sdk_kms,
        RuleMode::MatchAny,
        &[] as &[&aws_smithy_mocks::Rule]
    );
    let s3 = mock_client!(
        aws_sdk_s3,
        RuleMode::MatchAny,
        &[] as &[&aws_smithy_mocks::Rule]
    );
    SdkAws::from_clients(iam, sts, kms, s3, dynamodb)
}

fn role(name: &str, arn: &str, boundary: Option<&str>) -> Role {
    Role::builder()
        .path("/svc/")
        .role_name(name)
        .role_id("AROAEXAMPLE")
        .arn(arn)
        .create_date(DateTime::from_secs(0))
        .set_permissions_boundary(boundary.map(|b| {
            AttachedPermissionsBoundary::builder()
                .permissions_boundary_arn(b)
                .build()
        }))
        .build()
        .unwrap()
}

fn encoded(doc: &str) -> String {
    percent_encoding::utf8_percent_encode(doc, percent_encoding::NON_ALPHANUMERIC).to_string()
}

const DOC_A: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Action":"dynamodb:GetItem","Resource":"*"}]}"#;
const DOC_B: &str =
    r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#;
/// The boundary of the full-run mocks, consistent with their simulator answers: everything
/// but PutItem.
const BOUNDARY: &str = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":"dynamodb:PutItem","Resource":"*"}}"#;

#[tokio::test]
async fn role_list_calls_page_to_the_end_and_documents_are_decoded() {
    let page1 = mock!(Iam::list_role_policies)
        .match_requests(|r| r.marker().is_none())
        .then_output(|| {
            ListRolePoliciesOutput::builder()
                .policy_names("a")
                .is_truncated(true)
                .marker("m1")
                .build()
                .unwrap()
        });
    let page2 = mock!(Iam::list_role_policies)
        .match_requests(|r| r.marker() == Some("m1"))
        .then_output(|| {
            ListRolePoliciesOutput::builder()
                .policy_names("b")
                .is_truncated(false)
                .build()
                .unwrap()
        });
    let get_a = mock!(Iam::get_role_policy)
        .match_requests(|r| r.policy_name() == Some("a"))
        .then_output(|| {
            GetRolePolicyOutput::builder()
                .role_name("app")
                .policy_name("a")
                .policy_document(encoded(DOC_A))
                .build()
                .unwrap()
        });
    let get_b = mock!(Iam::get_role_policy)
        .match_requests(|r| r.policy_name() == Some("b"))
        .then_output(|| {
            GetRolePolicyOutput::builder()
                .role_name("app")
                .policy_name("b")
                .policy_document(encoded(DOC_B))
                .build()
                .unwrap()
        });
    let attached1 = mock!(Iam::list_attached_role_policies)
        .match_requests(|r| r.marker().is_none())
        .then_output(|| {
            ListAttachedRolePoliciesOutput::builder()
                .attached_policies(
                    AttachedPolicy::builder()
                        .policy_arn("arn:aws:iam::aws:policy/ReadOnly")
                        .build(),
                )
                .is_truncated(true)
                .marker("p2")
                .build()
        });
    let attached2 = mock!(Iam::list_attached_role_policies)
        .match_requests(|r| r.marker() == Some("p2"))
        .then_output(|| {
            ListAttachedRolePoliciesOutput::builder()
                .attached_policies(
                    AttachedPolicy::builder()
                        .policy_arn("arn:aws:iam::111122223333:policy/app")
                        .build(),
                )
                .build()
        });
    let get_policy = mock!(Iam::get_policy).then_compute_output(|r| {
        GetPolicyOutput::builder()
            .policy(
                aws_sdk_iam::types::Policy::builder()
                    .arn(r.policy_arn().unwrap())
                    .default_version_id(if r.policy_arn().unwrap().contains("::aws:policy") {
                        "v7"
                    } else {
                        "v2"
                    })
                    .build(),
            )
            .build()
    });
    let get_version = mock!(Iam::get_policy_version).then_compute_output(|r| {
        GetPolicyVersionOutput::builder()
            .policy_version(
                PolicyVersion::builder()
                    .version_id(r.version_id().unwrap())
                    .document(encoded(DOC_A))
                    .is_default_version(true)
                    .build(),
            )
            .build()
    });
    let iam = mock_client!(
        aws_sdk_iam,
        RuleMode::MatchAny,
        [
            &page1,
            &page2,
            &get_a,
            &get_b,
            &attached1,
            &attached2,
            &get_policy,
            &get_version
        ]
    );
    let aws = adapter(iam);
    let principal = Principal {
        kind: PrincipalKind::Role,
        name: "app".into(),
        arn: ROLE_ARN.into(),
        account: "111122223333".into(),
        partition: "aws".into(),
        session_arn: None,
        boundary_arn: None,
        tags: None,
    };
    let fetched = fetch_policies(&aws, &principal).await.unwrap();
    let names: Vec<&str> = fetched.policies.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, vec!["a", "b", "ReadOnly", "app"]);
    assert_eq!(fetched.policies[0].text, DOC_A);
    assert_eq!(fetched.policies[1].text, DOC_B);
    assert!(
        matches!(&fetched.policies[2].source, PolicySource::Managed { version, aws_managed: true, .. } if version == "v7")
    );
    assert!(
        matches!(&fetched.policies[3].source, PolicySource::Managed { version, aws_managed: false, .. } if version == "v2")
    );
    assert_eq!(page2.num_calls(), 1);
    assert_eq!(attached2.num_calls(), 1);
}

#[tokio::test]
async fn user_policies_include_every_group_page() {
    let get_user = mock!(Iam::get_user).then_output(|| {
        GetUserOutput::builder()
            .user(
                User::builder()
                    .path("/")
                    .user_name("alice")
                    .user_id("AIDA")
                    .arn("arn:aws:iam::111122223333:user/alice")
                    .create_date(DateTime::from_secs(0))
                    .build()
                    .unwrap(),
            )
            .build()
    });
    let group = |n: &str| {
        Group::builder()
            .path("/")
            .group_name(n)
            .group_id("AGPA")
            .arn(format!("arn:aws:iam::111122223333:group/{n}"))
            .create_date(DateTime::from_secs(0))
            .build()
            .unwrap()
    };
    // Every list call answers in two pages; the second is reached only through the marker.
    let groups1 = mock!(Iam::list_groups_for_user)
        .match_requests(|r| r.marker().is_none())
        .then_output(move || {
            ListGroupsForUserOutput::builder()
                .groups(group("devs"))
                .is_truncated(true)
                .marker("g2")
                .build()
                .unwrap()
        });
    let groups2 = mock!(Iam::list_groups_for_user)
        .match_requests(|r| r.marker() == Some("g2"))
        .then_output(move || {
            ListGroupsForUserOutput::builder()
                .groups(group("ops"))
                .build()
                .unwrap()
        });
    let user_inline1 = mock!(Iam::list_user_policies)
        .match_requests(|r| r.marker().is_none())
        .then_output(|| {
            ListUserPoliciesOutput::builder()
                .set_policy_names(Some(vec![]))
                .is_truncated(true)
                .marker("u2")
                .build()
                .unwrap()
        });
    let user_inline2 = mock!(Iam::list_user_policies)
        .match_requests(|r| r.marker() == Some("u2"))
        .then_output(|| {
            ListUserPoliciesOutput::builder()
                .policy_names("own")
                .build()
                .unwrap()
        });
    let get_user_policy = mock!(Iam::get_user_policy).then_output(|| {
        aws_sdk_iam::operation::get_user_policy::GetUserPolicyOutput::builder()
            .user_name("alice")
            .policy_name("own")
            .policy_document(encoded(DOC_A))
            .build()
            .unwrap()
    });
    let user_attached1 = mock!(Iam::list_attached_user_policies)
        .match_requests(|r| r.marker().is_none())
        .then_output(|| {
            ListAttachedUserPoliciesOutput::builder()
                .is_truncated(true)
                .marker("a2")
                .build()
        });
    let user_attached2 = mock!(Iam::list_attached_user_policies)
        .match_requests(|r| r.marker() == Some("a2"))
        .then_output(|| {
            ListAttachedUserPoliciesOutput::builder()
                .attached_policies(
                    AttachedPolicy::builder()
                        .policy_arn("arn:aws:iam::aws:policy/ReadOnly")
                        .build(),
                )
                .build()
        });
    let group_inline1 = mock!(Iam::list_group_policies)
        .match_requests(|r| r.marker().is_none())
        .then_compute_output(|r| {
            let b = ListGroupPoliciesOutput::builder().set_policy_names(Some(vec![]));
            if r.group_name() == Some("ops") {
                b.is_truncated(true).marker("gi2").build().unwrap()
            } else {
                b.build().unwrap()
            }
        });
    let group_inline2 = mock!(Iam::list_group_policies)
        .match_requests(|r| r.marker() == Some("gi2"))
        .then_output(|| {
            ListGroupPoliciesOutput::builder()
                .policy_names("ops-inline")
                .build()
                .unwrap()
        });
    let get_group_policy = mock!(Iam::get_group_policy).then_output(|| {
        aws_sdk_iam::operation::get_group_policy::GetGroupPolicyOutput::builder()
            .group_name("ops")
            .policy_name("ops-inline")
            .policy_document(encoded(DOC_B))
            .build()
            .unwrap()
    });
    // The same managed policy is attached to both groups (after a first, empty page).
    let group_attached1 = mock!(Iam::list_attached_group_policies)
        .match_requests(|r| r.marker().is_none())
        .then_output(|| {
            ListAttachedGroupPoliciesOutput::builder()
                .is_truncated(true)
                .marker("ga2")
                .build()
        });
    let group_attached2 = mock!(Iam::list_attached_group_policies)
        .match_requests(|r| r.marker() == Some("ga2"))
        .then_output(|| {
            ListAttachedGroupPoliciesOutput::builder()
                .attached_policies(
                    AttachedPolicy::builder()
                        .policy_arn("arn:aws:iam::111122223333:policy/shared")
                        .build(),
                )
                .build()
        });
    let get_policy = mock!(Iam::get_policy).then_output(|| {
        GetPolicyOutput::builder()
            .policy(
                aws_sdk_iam::types::Policy::builder()
                    .default_version_id("v1")
                    .build(),
            )
            .build()
    });
    let get_version = mock!(Iam::get_policy_version).then_output(|| {
        GetPolicyVersionOutput::builder()
            .policy_version(
                PolicyVersion::builder()
                    .version_id("v1")
                    .document(encoded(DOC_A))
                    .build(),
            )
            .build()
    });
    let iam = mock_client!(
        aws_sdk_iam,
        RuleMode::MatchAny,
        [
            &get_user,
            &groups1,
            &groups2,
            &user_inline1,
            &user_inline2,
            &get_user_policy,
            &user_attached1,
            &user_attached2,
            &group_inline1,
            &group_inline2,
            &get_group_policy,
            &group_attached1,
            &group_attached2,
            &get_policy,
            &get_version
        ]
    );
    let aws = adapter(iam);
    let principal = pydynox_iam::verdict::pipeline::resolve_principal(
        &aws,
        &PrincipalSelector::Named(
            pydynox_iam::iam::arn::principal_from_input(PrincipalKind::User, "alice").unwrap(),
        ),
    )
    .await
    .unwrap();
    let fetched = fetch_policies(&aws, &principal).await.unwrap();
    assert_eq!(fetched.groups, vec!["devs", "ops"]);
    let sources: Vec<String> = fetched
        .policies
        .iter()
        .map(|p| match &p.source {
            PolicySource::Managed { arn, via_group, .. } => {
                format!("managed:{arn}:{}", via_group.as_deref().unwrap_or("-"))
            }
            PolicySource::Inline { owner, .. } => format!("inline:{owner}:{}", p.name),
            PolicySource::Boundary { .. } => "boundary".into(),
        })
        .collect();
    assert_eq!(
        sources,
        vec![
            "inline:alice:own",
            "managed:arn:aws:iam::aws:policy/ReadOnly:-",
            "managed:arn:aws:iam::111122223333:policy/shared:devs",
            "inline:ops:ops-inline",
            "managed:arn:aws:iam::111122223333:policy/shared:ops",
        ]
    );
    assert_eq!(
        get_policy.num_calls(),
        2,
        "the policy both groups share is fetched once"
    );
    for rule in [
        &user_inline2,
        &user_attached2,
        &group_inline2,
        &group_attached2,
    ] {
        assert!(rule.num_calls() >= 1, "a second page was not requested");
    }
}

fn sim_request() -> SimRequest {
    SimRequest {
        policy_source_arn: ROLE_ARN.into(),
        actions: vec!["dynamodb:GetItem".into(), "dynamodb:PutItem".into()],
        resources: vec![
            "arn:aws:dynamodb:us-east-1:111122223333:table/a".into(),
            "arn:aws:dynamodb:us-east-1:111122223333:table/b".into(),
        ],
        context: vec![],
        resource_owner: None,
    }
}

#[tokio::test]
async fn simulation_pages_and_reads_resource_specific_results() {
    // Page 1: the current shape, one result per action with per-resource results inside.
    let page1 = mock!(Iam::simulate_principal_policy)
        .match_requests(|r| r.marker().is_none())
        .then_output(|| {
            SimulatePrincipalPolicyOutput::builder()
                .evaluation_results(
                    EvaluationResult::builder()
                        .eval_action_name("dynamodb:GetItem")
                        .eval_resource_name("*")
                        .eval_decision(PolicyEvaluationDecisionType::ImplicitDeny)
                        .resource_specific_results(
                            ResourceSpecificResult::builder()
                                .eval_resource_name(
                                    "arn:aws:dynamodb:us-east-1:111122223333:table/a",
                                )
                                .eval_resource_decision(PolicyEvaluationDecisionType::Allowed)
                                .matched_statements(
                                    Statement::builder()
                                        .source_policy_id("inline")
                                        .source_policy_type(
                                            aws_sdk_iam::types::PolicySourceType::Role,
                                        )
                                        .start_position(
                                            Position::builder().line(1).column(40).build(),
                                        )
                                        .build(),
                                )
                                .build()
                                .unwrap(),
                        )
                        .resource_specific_results(
                            ResourceSpecificResult::builder()
                                .eval_resource_name(
                                    "arn:aws:dynamodb:us-east-1:111122223333:table/b",
                                )
                                .eval_resource_decision(PolicyEvaluationDecisionType::ImplicitDeny)
                                .permissions_boundary_decision_detail(
                                    PermissionsBoundaryDecisionDetail::builder()
                                        .allowed_by_permissions_boundary(false)
                                        .build(),
                                )
                                .build()
                                .unwrap(),
                        )
                        .build()
                        .unwrap(),
                )
                .is_truncated(true)
                .marker("next")
                .build()
        });
    // Page 2: the older shape, one result per action and resource.
    let page2 = mock!(Iam::simulate_principal_policy)
        .match_requests(|r| r.marker() == Some("next"))
        .then_output(|| {
            let one = |res: &str, d| {
                EvaluationResult::builder()
                    .eval_action_name("dynamodb:PutItem")
                    .eval_resource_name(res)
                    .eval_decision(d)
                    .missing_context_values("aws:SourceIp")
                    .build()
                    .unwrap()
            };
            SimulatePrincipalPolicyOutput::builder()
                .evaluation_results(one(
                    "arn:aws:dynamodb:us-east-1:111122223333:table/a",
                    PolicyEvaluationDecisionType::ExplicitDeny,
                ))
                .evaluation_results(one(
                    "arn:aws:dynamodb:us-east-1:111122223333:table/b",
                    PolicyEvaluationDecisionType::Allowed,
                ))
                .is_truncated(false)
                .build()
        });
    let iam = mock_client!(aws_sdk_iam, RuleMode::MatchAny, [&page1, &page2]);
    let results = adapter(iam).simulate(&sim_request()).await.unwrap();
    let got: Vec<(&str, &str, SimDecision)> = results
        .iter()
        .map(|r| {
            (
                r.action.as_str(),
                r.resource.rsplit('/').next().unwrap(),
                r.decision.clone(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("dynamodb:GetItem", "a", SimDecision::Allowed),
            ("dynamodb:GetItem", "b", SimDecision::ImplicitDeny),
            ("dynamodb:PutItem", "a", SimDecision::ExplicitDeny),
            ("dynamodb:PutItem", "b", SimDecision::Allowed),
        ]
    );
    assert_eq!(results[0].matched[0].start, Some((1, 40)));
    assert_eq!(results[1].allowed_by_boundary, Some(false));
    assert_eq!(results[3].missing_context, vec!["aws:SourceIp".to_string()]);
    assert_eq!(page2.num_calls(), 1);
}

#[tokio::test]
async fn throttling_is_retried_by_the_sdk_then_succeeds() {
    let throttled = mock!(Iam::get_role)
        .sequence()
        .error(|| {
            GetRoleError::generic(
                ErrorMetadata::builder()
                    .code("Throttling")
                    .message("Rate exceeded")
                    .build(),
            )
        })
        .times(2)
        .output(|| {
            GetRoleOutput::builder()
                .role(role("app", ROLE_ARN, None))
                .build()
        })
        .build();
    let iam = mock_client!(aws_sdk_iam, RuleMode::Sequential, [&throttled], |c| {
        c.retry_config(
            aws_config::retry::RetryConfig::standard()
                .with_max_attempts(5)
                .with_initial_backoff(Duration::from_millis(1)),
        )
    });
    let entity = adapter(iam).get_role("app").await.unwrap();
    assert_eq!(entity.arn, ROLE_ARN);
    assert_eq!(throttled.num_calls(), 3);
}

#[tokio::test]
async fn throttling_beyond_retries_is_an_error_naming_the_call() {
    let throttled = mock!(Iam::get_role)
        .sequence()
        .error(|| {
            GetRoleError::generic(
                ErrorMetadata::builder()
                    .code("Throttling")
                    .message("Rate exceeded")
                    .build(),
            )
        })
        .repeatedly()
        .build();
    let iam = mock_client!(aws_sdk_iam, RuleMode::Sequential, [&throttled], |c| {
        c.retry_config(
            aws_config::retry::RetryConfig::standard()
                .with_max_attempts(2)
                .with_initial_backoff(Duration::from_millis(1)),
        )
    });
    let err = adapter(iam).get_role("app").await.unwrap_err();
    assert!(
        matches!(
            err,
            AwsError::Throttled {
                action: "iam:GetRole",
                ..
            }
        ),
        "{err:?}"
    );
}

fn plan() -> CheckPlan {
    let cat = Catalogue::embedded();
    CheckPlan {
        principal: PrincipalSelector::Named(
            pydynox_iam::iam::arn::principal_from_input(PrincipalKind::Role, "app").unwrap(),
        ),
        features: vec!["crud".into()],
        version: cat.newest(),
        resources: ResourceInputs {
            tables: vec!["users".into()],
            indexes: IndexSelection::None,
            kms_key: None,
            bucket: None,
            prefix: String::new(),
            assume_role_arn: None,
            lock_table: None,
        },
        extra_context: vec![],
        notes: vec![],
        app: None,
    }
}

#[tokio::test]
async fn access_denied_on_get_role_names_the_permission_and_exits_3() {
    let denied = mock!(Iam::get_role).then_error(|| {
        GetRoleError::generic(
            ErrorMetadata::builder()
                .code("AccessDenied")
                .message("User: arn:aws:iam::111122223333:user/auditor is not authorized to perform: iam:GetRole")
                .build(),
        )
    });
    let iam = mock_client!(aws_sdk_iam, RuleMode::MatchAny, [&denied]);
    let aws = adapter(iam);
    let cat = Catalogue::embedded();
    let ctx = RunContext {
        catalogue: &cat,
        region: Some("us-east-1".into()),
        endpoint_url: None,
        engine: EngineChoice::Aws,
        table_policies: TablePolicies::Read,
        stated: Default::default(),
    };
    let err = run(&aws, &ctx, &plan()).await.unwrap_err();
    assert!(
        matches!(
            err,
            CheckError::Aws(AwsError::AccessDenied {
                action: "iam:GetRole",
                ..
            })
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("grant it `iam:GetRole`"), "{err}");
    assert_eq!(err.exit_code(), 3);
}

/// One run of the simulator engine over mocked IAM (GetItem allowed by an inline policy,
/// PutItem denied by the boundary, the rest not allowed) and the given DynamoDB client;
/// returns the report and how many simulator calls it made.
async fn full_run(
    dynamodb: aws_sdk_dynamodb::Client,
) -> (pydynox_iam::report::model::Report, usize) {
    let get_role = mock!(Iam::get_role).then_output(|| {
        GetRoleOutput::builder()
            .role(role(
                "app",
                ROLE_ARN,
                Some("arn:aws:iam::111122223333:policy/boundary"),
            ))
            .build()
    });
    let inline = mock!(Iam::list_role_policies).then_output(|| {
        ListRolePoliciesOutput::builder()
            .policy_names("inline")
            .build()
            .unwrap()
    });
    let get_inline = mock!(Iam::get_role_policy).then_output(|| {
        GetRolePolicyOutput::builder()
            .role_name("app")
            .policy_name("inline")
            .policy_document(encoded(DOC_A))
            .build()
            .unwrap()
    });
    let attached = mock!(Iam::list_attached_role_policies)
        .then_output(|| ListAttachedRolePoliciesOutput::builder().build());
    let get_policy = mock!(Iam::get_policy).then_output(|| {
        GetPolicyOutput::builder()
            .policy(
                aws_sdk_iam::types::Policy::builder()
                    .default_version_id("v1")
                    .build(),
            )
            .build()
    });
    let get_version = mock!(Iam::get_policy_version).then_output(|| {
        GetPolicyVersionOutput::builder()
            .policy_version(
                PolicyVersion::builder()
                    .version_id("v1")
                    .document(encoded(BOUNDARY))
                    .build(),
            )
            .build()
    });
    let table = "arn:aws:dynamodb:us-east-1:111122223333:table/users";
    let simulate = mock!(Iam::simulate_principal_policy)
        .match_requests(move |r| {
            r.resource_arns() == [table.to_string()] && r.policy_source_arn() == Some(ROLE_ARN)
        })
        .then_compute_output(|r| {
            let results = r
                .action_names()
                .iter()
                .map(|a| {
                    let (decision, boundary) = match a.as_str() {
                        "dynamodb:GetItem" => (PolicyEvaluationDecisionType::Allowed, true),
                        "dynamodb:PutItem" => (PolicyEvaluationDecisionType::ImplicitDeny, false),
                        _ => (PolicyEvaluationDecisionType::ImplicitDeny, true),
                    };
                    let mut b = EvaluationResult::builder()
                        .eval_action_name(a)
                        .eval_resource_name(r.resource_arns()[0].clone())
                        .eval_decision(decision)
                        .permissions_boundary_decision_detail(
                            PermissionsBoundaryDecisionDetail::builder()
                                .allowed_by_permissions_boundary(boundary)
                                .build(),
                        );
                    if a == "dynamodb:GetItem" {
                        b = b.matched_statements(
                            Statement::builder()
                                .source_policy_id("inline")
                                .source_policy_type(aws_sdk_iam::types::PolicySourceType::Role)
                                .start_position(Position::builder().line(1).column(40).build())
                                .build(),
                        );
                    }
                    b.build().unwrap()
                })
                .collect::<Vec<_>>();
            SimulatePrincipalPolicyOutput::builder()
                .set_evaluation_results(Some(results))
                .build()
        });
    let iam = mock_client!(
        aws_sdk_iam,
        RuleMode::MatchAny,
        [
            &get_role,
            &inline,
            &get_inline,
            &attached,
            &get_policy,
            &get_version,
            &simulate
        ]
    );
    let aws = adapter_with(iam, dynamodb);
    let cat = Catalogue::embedded();
    let ctx = RunContext {
        catalogue: &cat,
        region: Some("us-east-1".into()),
        endpoint_url: None,
        engine: EngineChoice::Aws,
        table_policies: TablePolicies::Read,
        stated: Default::default(),
    };
    let report = run(&aws, &ctx, &plan()).await.unwrap();
    (report, simulate.num_calls())
}

fn verdicts(report: &pydynox_iam::report::model::Report) -> Vec<(&str, Verdict, ReasonCode)> {
    report
        .rows
        .iter()
        .map(|r| (r.action.as_str(), r.verdict, r.code))
        .collect()
}

#[tokio::test]
async fn a_full_run_over_mocks_maps_decisions_to_rows() {
    let (report, simulate_calls) = full_run(no_table_policies()).await;
    assert_eq!(
        verdicts(&report),
        vec![
            ("dynamodb:GetItem", Verdict::Pass, ReasonCode::Allowed),
            ("dynamodb:PutItem", Verdict::Fail, ReasonCode::BoundaryDeny),
            ("dynamodb:UpdateItem", Verdict::Fail, ReasonCode::NoAllow),
            ("dynamodb:DeleteItem", Verdict::Fail, ReasonCode::NoAllow),
        ]
    );
    assert_eq!(
        report.rows[0].reason,
        "allowed by role policy `inline` statement `Read`"
    );
    assert!(report.policies.boundary.is_some());
    // GetItem sends ReturnConsumedCapacity=TOTAL, the writes INDEXES (from pydynox 1.4.0):
    // two contexts, so two calls.
    assert_eq!(
        simulate_calls, 2,
        "two contexts and one resource set make two calls"
    );
    assert!(report.disagreements.is_empty());
    let _ = Owner::Role("unused".into());
}

/// IAM's simulator does not see a table's resource policy. A Deny there must turn the
/// simulator's allow into FAIL, never a PASS.
#[tokio::test]
async fn a_deny_in_the_table_policy_fails_a_row_the_simulator_allows() {
    let deny = r#"{"Version":"2012-10-17","Statement":[{"Sid":"NoReads","Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111122223333:role/svc/app"},"Action":"dynamodb:GetItem","Resource":"arn:aws:dynamodb:us-east-1:111122223333:table/users"}]}"#;
    let policy = mock!(aws_sdk_dynamodb::Client::get_resource_policy)
        .match_requests(|r| {
            r.resource_arn() == Some("arn:aws:dynamodb:us-east-1:111122223333:table/users")
        })
        .then_output(move || GetResourcePolicyOutput::builder().policy(deny).build());
    let dynamodb = mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, [&policy]);
    let (report, _) = full_run(dynamodb).await;
    let get = &report.rows[0];
    assert_eq!(
        (get.action.as_str(), get.verdict, get.code),
        ("dynamodb:GetItem", Verdict::Fail, ReasonCode::ExplicitDeny),
        "{}",
        get.reason
    );
    assert!(get.reason.contains("table policy"), "{}", get.reason);
    assert!(get.evidence.simulator.is_some() && get.evidence.local.is_some());
    assert!(report.rows.iter().all(|r| r.verdict != Verdict::Pass));
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.contains("does not see table or bucket policies")),
        "{:?}",
        report.notes
    );
    assert_eq!(policy.num_calls(), 1, "one table, one read");
}

/// A table policy the auditor cannot read could deny (or allow) anything on the table: no
/// row on it may pass, and the reason names the permission to grant.
#[tokio::test]
async fn an_unreadable_table_policy_makes_the_table_rows_inconclusive() {
    let denied = mock!(aws_sdk_dynamodb::Client::get_resource_policy).then_error(|| {
        GetResourcePolicyError::generic(
            ErrorMetadata::builder()
                .code("AccessDeniedException")
                .message("User: arn:aws:iam::111122223333:user/auditor is not authorized to perform: dynamodb:GetResourcePolicy")
                .build(),
        )
    });
    let dynamodb = mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, [&denied]);
    let (report, _) = full_run(dynamodb).await;
    let get = &report.rows[0];
    assert_eq!(
        (get.verdict, get.code),
        (Verdict::Inconclusive, ReasonCode::ResourcePolicyUnreadable),
        "{}",
        get.reason
    );
    assert!(
        get.reason.contains("grant it `dynamodb:GetResourcePolicy`"),
        "{}",
        get.reason
    );
    assert!(get.reason.contains("--no-table-policy"), "{}", get.reason);
    assert!(
        report
            .rows
            .iter()
            .all(|r| r.verdict == Verdict::Inconclusive)
    );
}

/// A table that is not found (a wrong name or region, most likely) must not pass quietly:
/// its rows are inconclusive and the reason says the table was not found.
#[tokio::test]
async fn a_missing_table_makes_its_rows_inconclusive() {
    let missing = mock!(aws_sdk_dynamodb::Client::get_resource_policy).then_error(|| {
        GetResourcePolicyError::generic(
            ErrorMetadata::builder()
                .code("ResourceNotFoundException")
                .message("Requested resource not found")
                .build(),
        )
    });
    let dynamodb = mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, [&missing]);
    let (report, _) = full_run(dynamodb).await;
    for r in &report.rows {
        assert_eq!(
            (r.verdict, r.code),
            (Verdict::Inconclusive, ReasonCode::ResourcePolicyUnreadable)
        );
        assert!(
            r.reason.contains("table/users` not found") && r.reason.contains("--no-table-policy"),
            "{}",
            r.reason
        );
    }
}
