//! The organization's SCPs and RCPs read through the SDK adapter from moto's Organizations (the
//! moto server `make test` starts beside LocalStack; LocalStack's community edition serves no
//! Organizations API). moto 5.2.5 implements DescribeOrganization, ListRoots, ListParents,
//! ListPoliciesForTarget and DescribePolicy for both SCPs and RCPs, and attaches FullAWSAccess
//! to new accounts and OUs; its root lists SCPs as enabled only after EnablePolicyType, as AWS's.

use aws_sdk_organizations::Client as Orgs;
use aws_sdk_organizations::types::{OrganizationFeatureSet, PolicyType};

use pydynox_iam::engine::{
    Context, Decision, NamedPolicy, PolicyDocument, PolicyKind, PolicySet, Request, evaluate,
};
use pydynox_iam::grants::org::read_org_policies;
use pydynox_iam::grants::sdk::SdkAws;

use crate::common;

async fn orgs() -> Orgs {
    let conf = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_organizations::config::Credentials::new(
            "test", "test", None, None, "test",
        ))
        .endpoint_url(common::moto_endpoint())
        .load()
        .await;
    Orgs::new(&conf)
}

fn adapter(orgs: Orgs) -> SdkAws {
    let none = &[] as &[&aws_smithy_mocks::Rule];
    SdkAws::from_clients(
        aws_smithy_mocks::mock_client!(aws_sdk_iam, aws_smithy_mocks::RuleMode::MatchAny, none),
        aws_smithy_mocks::mock_client!(aws_sdk_sts, aws_smithy_mocks::RuleMode::MatchAny, none),
        aws_smithy_mocks::mock_client!(aws_sdk_kms, aws_smithy_mocks::RuleMode::MatchAny, none),
        aws_smithy_mocks::mock_client!(aws_sdk_s3, aws_smithy_mocks::RuleMode::MatchAny, none),
        aws_smithy_mocks::mock_client!(
            aws_sdk_dynamodb,
            aws_smithy_mocks::RuleMode::MatchAny,
            none
        ),
    )
    .with_organizations(orgs)
}

#[tokio::test]
async fn an_scp_attached_to_an_ou_on_moto_is_read_and_denies() {
    let c = orgs().await;
    // One organization per moto server: create it unless an earlier run did.
    if c.describe_organization().send().await.is_err() {
        c.create_organization()
            .feature_set(OrganizationFeatureSet::All)
            .send()
            .await
            .expect("moto's Organizations is not reachable; run the tests with `make test`");
    }
    let root = c.list_roots().send().await.unwrap().roots()[0]
        .id()
        .unwrap()
        .to_string();
    // moto (like AWS) lists no policy type at the root until it is enabled there; an earlier
    // run may have enabled it already (PolicyTypeAlreadyEnabledException).
    let _ = c
        .enable_policy_type()
        .root_id(&root)
        .policy_type(PolicyType::ServiceControlPolicy)
        .send()
        .await;
    let name = common::unique("orgpol");
    let ou = c
        .create_organizational_unit()
        .parent_id(&root)
        .name(&name)
        .send()
        .await
        .unwrap()
        .organizational_unit()
        .unwrap()
        .id()
        .unwrap()
        .to_string();
    let account = c
        .create_account()
        .account_name(&name)
        .email(format!("{name}@example.com"))
        .send()
        .await
        .unwrap()
        .create_account_status()
        .unwrap()
        .account_id()
        .unwrap()
        .to_string();
    c.move_account()
        .account_id(&account)
        .source_parent_id(&root)
        .destination_parent_id(&ou)
        .send()
        .await
        .unwrap();
    let deny = c
        .create_policy()
        .name(format!("{name}-deny-put"))
        .description("deny PutItem")
        .r#type(PolicyType::ServiceControlPolicy)
        .content(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"dynamodb:PutItem","Resource":"*"}]}"#)
        .send()
        .await
        .unwrap()
        .policy()
        .unwrap()
        .policy_summary()
        .unwrap()
        .id()
        .unwrap()
        .to_string();
    c.attach_policy()
        .policy_id(&deny)
        .target_id(&ou)
        .send()
        .await
        .unwrap();

    let read = read_org_policies(&adapter(c), &account).await.unwrap();
    let o = read.organization.as_ref().expect("in moto's organization");
    let scps = o
        .scps
        .as_ref()
        .expect("SCPs are enabled in moto's organization");
    let targets: Vec<&str> = scps.iter().map(|l| l.target.as_str()).collect();
    assert_eq!(targets, [root.as_str(), ou.as_str(), account.as_str()]);
    assert!(
        scps[1].policies.iter().any(|p| p.id == deny),
        "{:?}",
        scps[1]
    );

    let engine = read.to_engine().unwrap();
    let identity = [NamedPolicy::new(
        "app",
        PolicyKind::Identity,
        PolicyDocument::parse(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:*","Resource":"*"}]}"#,
        )
        .unwrap(),
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
        principal: format!("arn:aws:iam::{account}:role/app"),
        action: action.into(),
        resource: format!("arn:aws:dynamodb:us-east-1:{account}:table/orders"),
        context: Context::new(),
    };
    let put = evaluate(&set, &req("dynamodb:PutItem"));
    assert_eq!(put.decision, Decision::ExplicitDeny, "{put:?}");
    let get = evaluate(&set, &req("dynamodb:GetItem"));
    // FullAWSAccess at every level (moto attaches it), and RCPs (DynamoDB is on their list)
    // either not enabled or RCPFullAWSAccess: allowed.
    assert_eq!(get.decision, Decision::Allowed, "{get:?}");
}
