//! The organization's SCPs and RCPs read through the SDK adapter against mocked Organizations
//! responses: the path to the root, the policies of each enabled type at every level, each policy
//! described once per run across accounts; an account in no organization; a policy type not
//! enabled; AccessDenied, a paging error and an unreadable policy each a per-account error naming
//! the account and the call, never a partial chain.

use aws_sdk_organizations::Client as Orgs;
use aws_sdk_organizations::operation::describe_organization::{
    DescribeOrganizationError, DescribeOrganizationOutput,
};
use aws_sdk_organizations::operation::describe_policy::DescribePolicyOutput;
use aws_sdk_organizations::operation::list_parents::{ListParentsError, ListParentsOutput};
use aws_sdk_organizations::operation::list_policies_for_target::ListPoliciesForTargetOutput;
use aws_sdk_organizations::operation::list_roots::ListRootsOutput;
use aws_sdk_organizations::types::{
    Organization, OrganizationFeatureSet, Parent, ParentType, Policy, PolicySummary, PolicyType,
    PolicyTypeStatus, PolicyTypeSummary, Root,
};
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use aws_smithy_types::error::ErrorMetadata;

use pydynox_iam::engine::{
    Context, Decision, NamedPolicy, PolicyDocument, PolicyKind, PolicySet, Request, evaluate,
};
use pydynox_iam::grants::org::{
    OrgError, PolicyCache, read_org_policies, read_org_policies_cached,
};
use pydynox_iam::grants::sdk::SdkAws;
use pydynox_iam::grants::source::AwsError;

const ACCOUNT: &str = "111122223333";
const MGMT: &str = "999999999999";
const FULL: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
const RFULL: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#;
const DENY_PUT: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"dynamodb:PutItem","Resource":"*"}]}"#;

fn adapter(orgs: Orgs) -> SdkAws {
    let none = &[] as &[&aws_smithy_mocks::Rule];
    SdkAws::from_clients(
        mock_client!(aws_sdk_iam, RuleMode::MatchAny, none),
        mock_client!(aws_sdk_sts, RuleMode::MatchAny, none),
        mock_client!(aws_sdk_kms, RuleMode::MatchAny, none),
        mock_client!(aws_sdk_s3, RuleMode::MatchAny, none),
        mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, none),
    )
    .with_organizations(orgs)
}

fn describe_org() -> aws_smithy_mocks::Rule {
    mock!(Orgs::describe_organization).then_output(|| {
        DescribeOrganizationOutput::builder()
            .organization(
                Organization::builder()
                    .id("o-abc")
                    .master_account_id(MGMT)
                    .feature_set(OrganizationFeatureSet::All)
                    .build(),
            )
            .build()
    })
}

fn roots(types: &'static [PolicyType]) -> aws_smithy_mocks::Rule {
    mock!(Orgs::list_roots).then_output(move || {
        let mut root = Root::builder().id("r-root");
        for t in types {
            root = root.policy_types(
                PolicyTypeSummary::builder()
                    .r#type(t.clone())
                    .status(PolicyTypeStatus::Enabled)
                    .build(),
            );
        }
        ListRootsOutput::builder().roots(root.build()).build()
    })
}

/// account → ou-prod → r-root.
fn parents() -> [aws_smithy_mocks::Rule; 2] {
    [
        mock!(Orgs::list_parents)
            .match_requests(|r| r.child_id() == Some(ACCOUNT))
            .then_output(|| {
                ListParentsOutput::builder()
                    .parents(
                        Parent::builder()
                            .id("ou-prod")
                            .r#type(ParentType::OrganizationalUnit)
                            .build(),
                    )
                    .build()
            }),
        mock!(Orgs::list_parents)
            .match_requests(|r| r.child_id() == Some("ou-prod"))
            .then_output(|| {
                ListParentsOutput::builder()
                    .parents(
                        Parent::builder()
                            .id("r-root")
                            .r#type(ParentType::Root)
                            .build(),
                    )
                    .build()
            }),
    ]
}

/// FullAWSAccess everywhere, plus a Deny on PutItem at the OU; RCPFullAWSAccess everywhere.
fn listing() -> Vec<aws_smithy_mocks::Rule> {
    let scp = |target: &'static str, extra: bool| {
        mock!(Orgs::list_policies_for_target)
            .match_requests(move |r| {
                r.target_id() == Some(target)
                    && r.filter() == Some(&PolicyType::ServiceControlPolicy)
            })
            .then_output(move || {
                let mut out = ListPoliciesForTargetOutput::builder().policies(
                    PolicySummary::builder()
                        .id("p-FullAWSAccess")
                        .name("FullAWSAccess")
                        .build(),
                );
                if extra {
                    out = out.policies(
                        PolicySummary::builder()
                            .id("p-denyput")
                            .name("DenyPut")
                            .build(),
                    );
                }
                out.build()
            })
    };
    let rcp = |target: &'static str| {
        mock!(Orgs::list_policies_for_target)
            .match_requests(move |r| {
                r.target_id() == Some(target)
                    && r.filter() == Some(&PolicyType::ResourceControlPolicy)
            })
            .then_output(|| {
                ListPoliciesForTargetOutput::builder()
                    .policies(
                        PolicySummary::builder()
                            .id("p-RCPFullAWSAccess")
                            .name("RCPFullAWSAccess")
                            .build(),
                    )
                    .build()
            })
    };
    vec![
        scp("r-root", false),
        scp("ou-prod", true),
        scp(ACCOUNT, false),
        rcp("r-root"),
        rcp("ou-prod"),
        rcp(ACCOUNT),
    ]
}

fn describe(id: &'static str, text: &'static str) -> aws_smithy_mocks::Rule {
    mock!(Orgs::describe_policy)
        .match_requests(move |r| r.policy_id() == Some(id))
        .then_output(move || {
            DescribePolicyOutput::builder()
                .policy(Policy::builder().content(text).build())
                .build()
        })
}

#[tokio::test]
async fn the_chain_is_read_to_the_root_each_policy_once_and_evaluated() {
    let org = describe_org();
    let roots = roots(&[
        PolicyType::ServiceControlPolicy,
        PolicyType::ResourceControlPolicy,
    ]);
    let [p1, p2] = parents();
    let listed = listing();
    let d_full = describe("p-FullAWSAccess", FULL);
    let d_deny = describe("p-denyput", DENY_PUT);
    let d_rfull = describe("p-RCPFullAWSAccess", RFULL);
    let mut rules = vec![&org, &roots, &p1, &p2, &d_full, &d_deny, &d_rfull];
    rules.extend(listed.iter());
    let client = mock_client!(aws_sdk_organizations, RuleMode::MatchAny, rules.as_slice());
    let aws = adapter(client);
    let cache = PolicyCache::default();
    let read = read_org_policies_cached(&aws, ACCOUNT, &cache)
        .await
        .unwrap();
    let o = read.organization.as_ref().unwrap();
    assert_eq!(o.management_account, MGMT);
    let scps = o.scps.as_ref().unwrap();
    let targets: Vec<&str> = scps.iter().map(|l| l.target.as_str()).collect();
    assert_eq!(targets, ["r-root", "ou-prod", ACCOUNT]);
    assert_eq!(scps[1].policies.len(), 2);
    assert_eq!(o.rcps.as_ref().unwrap().len(), 3);
    // FullAWSAccess is attached at three levels but described once; a second account's read
    // with the same cache describes nothing again.
    assert_eq!(d_full.num_calls(), 1);
    assert_eq!(d_rfull.num_calls(), 1);
    read_org_policies_cached(&aws, ACCOUNT, &cache)
        .await
        .unwrap();
    assert_eq!(d_full.num_calls(), 1);
    assert_eq!(d_deny.num_calls(), 1);

    // The read chain decides: PutItem denied at the OU, GetItem allowed.
    let engine = read.to_engine().unwrap();
    let identity = [NamedPolicy::new(
        "app",
        PolicyKind::Identity,
        PolicyDocument::parse(FULL).unwrap(),
    )
    .unwrap()];
    let set = PolicySet {
        identity: &identity,
        boundary: None,
        resource_policy: None,
        resource_account: None,
        org: Some(&engine),
    };
    let req = |action: &str| Request {
        principal: format!("arn:aws:iam::{ACCOUNT}:role/app"),
        action: action.into(),
        resource: format!("arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/orders"),
        context: Context::new(),
    };
    assert_eq!(
        evaluate(&set, &req("dynamodb:GetItem")).decision,
        Decision::Allowed
    );
    let put = evaluate(&set, &req("dynamodb:PutItem"));
    assert_eq!(put.decision, Decision::ExplicitDeny);
    assert_eq!(put.matched[0].policy, "p-denyput");
}

fn not_in_use() -> aws_smithy_mocks::Rule {
    mock!(Orgs::describe_organization).then_error(|| {
        DescribeOrganizationError::AwsOrganizationsNotInUseException(
            aws_sdk_organizations::types::error::AwsOrganizationsNotInUseException::builder()
                .message("Your account is not a member of an organization.")
                .build(),
        )
    })
}

fn adapter_as(orgs: Orgs, caller_account: &'static str) -> SdkAws {
    let none = &[] as &[&aws_smithy_mocks::Rule];
    let who = mock!(aws_sdk_sts::Client::get_caller_identity).then_output(move || {
        aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput::builder()
            .account(caller_account)
            .arn(format!("arn:aws:iam::{caller_account}:user/auditor"))
            .user_id("AIDAEXAMPLE")
            .build()
    });
    SdkAws::from_clients(
        mock_client!(aws_sdk_iam, RuleMode::MatchAny, none),
        mock_client!(aws_sdk_sts, RuleMode::MatchAny, [&who]),
        mock_client!(aws_sdk_kms, RuleMode::MatchAny, none),
        mock_client!(aws_sdk_s3, RuleMode::MatchAny, none),
        mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, none),
    )
    .with_organizations(orgs)
}

#[tokio::test]
async fn an_account_in_no_organization_has_no_layer() {
    let rule = not_in_use();
    let client = mock_client!(aws_sdk_organizations, RuleMode::MatchAny, [&rule]);
    let read = read_org_policies(&adapter_as(client, ACCOUNT), ACCOUNT)
        .await
        .unwrap();
    assert_eq!(read.organization, None);
}

/// AWSOrganizationsNotInUseException is about the credentials' account: from another account's
/// credentials it must not be read as "the audited account is in no organization".
#[tokio::test]
async fn not_in_use_from_another_accounts_credentials_is_an_error() {
    let rule = not_in_use();
    let client = mock_client!(aws_sdk_organizations, RuleMode::MatchAny, [&rule]);
    let err = read_org_policies(&adapter_as(client, MGMT), ACCOUNT)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("whether account `111122223333` is in one is not known"),
        "{err}"
    );
}

#[tokio::test]
async fn a_policy_type_not_enabled_at_the_root_is_not_read() {
    let org = describe_org();
    let roots = roots(&[PolicyType::ServiceControlPolicy]);
    let [p1, p2] = parents();
    let listed = listing();
    let d_full = describe("p-FullAWSAccess", FULL);
    let d_deny = describe("p-denyput", DENY_PUT);
    let d_rfull = describe("p-RCPFullAWSAccess", RFULL);
    let mut rules = vec![&org, &roots, &p1, &p2, &d_full, &d_deny, &d_rfull];
    rules.extend(listed.iter());
    let client = mock_client!(aws_sdk_organizations, RuleMode::MatchAny, rules.as_slice());
    let read = read_org_policies(&adapter(client), ACCOUNT).await.unwrap();
    let o = read.organization.unwrap();
    assert!(o.scps.is_some());
    assert_eq!(
        o.rcps, None,
        "RCPs are not enabled: the layer does not apply"
    );
    assert_eq!(d_rfull.num_calls(), 0);
}

#[tokio::test]
async fn access_denied_is_an_error_for_the_account_naming_the_call() {
    let org = describe_org();
    let roots = roots(&[PolicyType::ServiceControlPolicy]);
    let denied = mock!(Orgs::list_parents).then_error(|| {
        ListParentsError::generic(
            ErrorMetadata::builder()
                .code("AccessDeniedException")
                .message("You don't have permissions to access this resource.")
                .build(),
        )
    });
    let client = mock_client!(
        aws_sdk_organizations,
        RuleMode::MatchAny,
        [&org, &roots, &denied]
    );
    let err = read_org_policies(&adapter(client), ACCOUNT)
        .await
        .unwrap_err();
    match &err {
        OrgError::Read { account, source } => {
            assert_eq!(account, ACCOUNT);
            assert!(
                matches!(
                    source,
                    AwsError::AccessDenied {
                        action: "organizations:ListParents",
                        ..
                    }
                ),
                "{source:?}"
            );
        }
        other => panic!("{other:?}"),
    }
    let text = err.to_string();
    assert!(text.contains(&format!("account `{ACCOUNT}`")), "{text}");
    assert!(
        text.contains("grant it `organizations:ListParents`"),
        "{text}"
    );
}

#[tokio::test]
async fn a_page_repeating_its_token_is_an_error_not_a_partial_chain() {
    let org = describe_org();
    let roots = roots(&[PolicyType::ServiceControlPolicy]);
    let [p1, p2] = parents();
    let looping = mock!(Orgs::list_policies_for_target).then_output(|| {
        ListPoliciesForTargetOutput::builder()
            .policies(
                PolicySummary::builder()
                    .id("p-FullAWSAccess")
                    .name("FullAWSAccess")
                    .build(),
            )
            .next_token("same")
            .build()
    });
    let client = mock_client!(
        aws_sdk_organizations,
        RuleMode::MatchAny,
        [&org, &roots, &p1, &p2, &looping]
    );
    let err = read_org_policies(&adapter(client), ACCOUNT)
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            OrgError::Read {
                source: AwsError::BadResponse {
                    action: "organizations:ListPoliciesForTarget",
                    ..
                },
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_policy_that_does_not_parse_fails_the_account_never_drops_the_policy() {
    let org = describe_org();
    let roots = roots(&[PolicyType::ServiceControlPolicy]);
    let [p1, p2] = parents();
    let listed = listing();
    let d_full = describe("p-FullAWSAccess", FULL);
    let d_deny = describe("p-denyput", "{not json");
    let mut rules = vec![&org, &roots, &p1, &p2, &d_full, &d_deny];
    rules.extend(listed.iter());
    let client = mock_client!(aws_sdk_organizations, RuleMode::MatchAny, rules.as_slice());
    let read = read_org_policies(&adapter(client), ACCOUNT).await.unwrap();
    let err = read.to_engine().unwrap_err().to_string();
    assert!(err.contains("DenyPut") && err.contains("ou-prod"), "{err}");
}
