//! One read per account (`iam:GetAccountAuthorizationDetails`) against mocked SDK responses:
//! every page read and merged, a page without its marker or with a repeated one an error naming
//! the call, throttling retried then reported, AccessDenied naming the permission; and the
//! account read serving every principal, each resource policy read once.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use aws_sdk_iam::Client as Iam;
use aws_sdk_iam::operation::get_account_authorization_details::{
    GetAccountAuthorizationDetailsError, GetAccountAuthorizationDetailsOutput,
};
use aws_sdk_iam::types::{
    AttachedPermissionsBoundary, AttachedPolicy, ManagedPolicyDetail, PolicyDetail, PolicyVersion,
    RoleDetail, Tag,
};
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use aws_smithy_types::error::ErrorMetadata;

use pydynox_iam::grants::account::{self, AccountRead};
use pydynox_iam::grants::auth_details::Wanted;
use pydynox_iam::grants::model::{BucketEncryption, SimRequest, SimResult};
use pydynox_iam::grants::sdk::SdkAws;
use pydynox_iam::grants::source::{Aws, AwsError, Entity, Owner};

const ACCOUNT: &str = "111122223333";
const ALLOW_GET: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"*"}]}"#;
const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

fn encoded(doc: &str) -> String {
    percent_encoding::utf8_percent_encode(doc, percent_encoding::NON_ALPHANUMERIC).to_string()
}

fn role_detail(name: &str, tags: &[(&str, &str)]) -> RoleDetail {
    RoleDetail::builder()
        .path("/svc/")
        .role_name(name)
        .arn(format!("arn:aws:iam::{ACCOUNT}:role/svc/{name}"))
        .assume_role_policy_document(encoded(TRUST))
        .role_policy_list(
            PolicyDetail::builder()
                .policy_name("inline")
                .policy_document(encoded(ALLOW_GET))
                .build(),
        )
        .attached_managed_policies(
            AttachedPolicy::builder()
                .policy_name("shared")
                .policy_arn(format!("arn:aws:iam::{ACCOUNT}:policy/shared"))
                .build(),
        )
        .permissions_boundary(
            AttachedPermissionsBoundary::builder()
                .permissions_boundary_arn(format!("arn:aws:iam::{ACCOUNT}:policy/shared"))
                .build(),
        )
        .set_tags(Some(
            tags.iter()
                .map(|(k, v)| Tag::builder().key(*k).value(*v).build().unwrap())
                .collect(),
        ))
        .build()
}

fn shared_policy(default: bool) -> ManagedPolicyDetail {
    ManagedPolicyDetail::builder()
        .policy_name("shared")
        .arn(format!("arn:aws:iam::{ACCOUNT}:policy/shared"))
        .default_version_id("v2")
        .policy_version_list(
            PolicyVersion::builder()
                .version_id("v2")
                .is_default_version(default)
                .document(encoded(ALLOW_GET))
                .build(),
        )
        .build()
}

fn adapter(iam: Iam) -> SdkAws {
    let none = &[] as &[&aws_smithy_mocks::Rule];
    SdkAws::from_clients(
        iam,
        mock_client!(aws_sdk_sts, RuleMode::MatchAny, none),
        mock_client!(aws_sdk_kms, RuleMode::MatchAny, none),
        mock_client!(aws_sdk_s3, RuleMode::MatchAny, none),
        mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, none),
    )
}

#[tokio::test]
async fn every_page_is_read_and_every_principal_answered_from_the_one_read() {
    let page1 = mock!(Iam::get_account_authorization_details)
        .match_requests(|r| r.marker().is_none())
        .then_output(|| {
            GetAccountAuthorizationDetailsOutput::builder()
                .role_detail_list(role_detail("a", &[("pydynox:features", "crud")]))
                .is_truncated(true)
                .marker("m1")
                .build()
        });
    let page2 = mock!(Iam::get_account_authorization_details)
        .match_requests(|r| r.marker() == Some("m1"))
        .then_output(|| {
            GetAccountAuthorizationDetailsOutput::builder()
                .role_detail_list(role_detail("b", &[]))
                .policies(shared_policy(true))
                .is_truncated(false)
                .build()
        });
    let iam = mock_client!(aws_sdk_iam, RuleMode::MatchAny, [&page1, &page2]);
    let aws = adapter(iam);
    let acc = account::read(&aws, &Wanted::everything()).await.unwrap();
    let read = AccountRead::new(&aws, acc);
    for name in ["a", "b"] {
        let e = read.get_role(name).await.unwrap();
        assert_eq!(e.arn, format!("arn:aws:iam::{ACCOUNT}:role/svc/{name}"));
        assert_eq!(
            e.boundary_arn.as_deref(),
            Some("arn:aws:iam::111122223333:policy/shared")
        );
        let owner = Owner::Role(name.into());
        assert_eq!(read.list_inline_policies(&owner).await.unwrap(), ["inline"]);
        assert_eq!(
            read.get_inline_policy(&owner, "inline").await.unwrap(),
            ALLOW_GET
        );
        assert_eq!(read.get_role_trust_policy(name).await.unwrap(), TRUST);
    }
    let tags = read.get_role("a").await.unwrap().tags.unwrap();
    assert_eq!(
        tags.get("pydynox:features").map(String::as_str),
        Some("crud")
    );
    assert_eq!(
        read.get_managed_policy("arn:aws:iam::111122223333:policy/shared")
            .await
            .unwrap(),
        ("v2".to_string(), ALLOW_GET.to_string())
    );
    // Nothing but the two pages was asked of IAM.
    assert_eq!((page1.num_calls(), page2.num_calls()), (1, 1));
    // A role deleted before the read is IAM's NoSuchEntity, naming the read.
    let err = read.get_role("gone").await.unwrap_err();
    assert!(
        matches!(
            &err,
            AwsError::NotFound {
                action: "iam:GetAccountAuthorizationDetails",
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_page_without_its_marker_or_with_a_repeated_one_is_an_error_naming_the_call() {
    for repeated in [false, true] {
        let page = mock!(Iam::get_account_authorization_details).then_output(move || {
            GetAccountAuthorizationDetailsOutput::builder()
                .role_detail_list(role_detail("a", &[]))
                .is_truncated(true)
                .set_marker(repeated.then(|| "m1".to_string()))
                .build()
        });
        let iam = mock_client!(aws_sdk_iam, RuleMode::MatchAny, [&page]);
        let err = adapter(iam)
            .get_account_authorization_details()
            .await
            .unwrap_err();
        match &err {
            AwsError::BadResponse { action, message } => {
                assert_eq!(*action, "iam:GetAccountAuthorizationDetails");
                let want = if repeated {
                    "came back a second time"
                } else {
                    "gives no Marker"
                };
                assert!(message.contains(want), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn a_read_the_reader_refuses_is_an_error_never_a_partial_account() {
    // The managed policy's version list marks no default: its document is unknown.
    let page = mock!(Iam::get_account_authorization_details).then_output(|| {
        GetAccountAuthorizationDetailsOutput::builder()
            .role_detail_list(role_detail("a", &[]))
            .policies(shared_policy(false))
            .is_truncated(false)
            .build()
    });
    let iam = mock_client!(aws_sdk_iam, RuleMode::MatchAny, [&page]);
    let aws = adapter(iam);
    let err = account::read(&aws, &Wanted::everything())
        .await
        .unwrap_err();
    match &err {
        AwsError::BadResponse { action, message } => {
            assert_eq!(*action, "iam:GetAccountAuthorizationDetails");
            assert!(message.contains("shared"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_policy_missing_from_the_read_fails_that_principal_naming_it() {
    // The role attaches `shared`, which the read does not hold: the principal cannot be
    // described, so its check errors (never evaluated without the policy).
    let page = mock!(Iam::get_account_authorization_details).then_output(|| {
        GetAccountAuthorizationDetailsOutput::builder()
            .role_detail_list(role_detail("a", &[]))
            .is_truncated(false)
            .build()
    });
    let iam = mock_client!(aws_sdk_iam, RuleMode::MatchAny, [&page]);
    let aws = adapter(iam);
    let acc = account::read(&aws, &Wanted::everything()).await.unwrap();
    let read = AccountRead::new(&aws, acc);
    let err = read.get_role("a").await.unwrap_err();
    assert!(
        matches!(&err, AwsError::BadResponse { action: "iam:GetAccountAuthorizationDetails", message } if message.contains("policy/shared")),
        "{err:?}"
    );
}

#[tokio::test]
async fn throttling_and_access_denied_on_the_read_name_the_call() {
    let throttled = mock!(Iam::get_account_authorization_details)
        .sequence()
        .error(|| {
            GetAccountAuthorizationDetailsError::generic(
                ErrorMetadata::builder()
                    .code("Throttling")
                    .message("Rate exceeded")
                    .build(),
            )
        })
        .times(1)
        .output(|| {
            GetAccountAuthorizationDetailsOutput::builder()
                .is_truncated(false)
                .build()
        })
        .build();
    let iam = mock_client!(aws_sdk_iam, RuleMode::Sequential, [&throttled], |c| {
        c.retry_config(
            aws_config::retry::RetryConfig::standard()
                .with_max_attempts(3)
                .with_initial_backoff(Duration::from_millis(1)),
        )
    });
    let text = adapter(iam)
        .get_account_authorization_details()
        .await
        .unwrap();
    assert!(text.contains("RoleDetailList"), "{text}");
    assert_eq!(throttled.num_calls(), 2);

    let denied = mock!(Iam::get_account_authorization_details).then_error(|| {
        GetAccountAuthorizationDetailsError::generic(
            ErrorMetadata::builder()
                .code("AccessDenied")
                .message("not authorized to perform: iam:GetAccountAuthorizationDetails")
                .build(),
        )
    });
    let iam = mock_client!(aws_sdk_iam, RuleMode::MatchAny, [&denied]);
    let err = adapter(iam)
        .get_account_authorization_details()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            AwsError::AccessDenied {
                action: "iam:GetAccountAuthorizationDetails",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("grant it `iam:GetAccountAuthorizationDetails`")
    );
}

/// Counts resource reads; answers each with a fixed policy.
#[derive(Default)]
struct Counting {
    key: AtomicUsize,
    bucket: AtomicUsize,
    table: AtomicUsize,
}

impl Aws for Counting {
    async fn caller_arn(&self) -> Result<String, AwsError> {
        unreachable!()
    }
    async fn get_role(&self, _: &str) -> Result<Entity, AwsError> {
        panic!("a principal was read per principal")
    }
    async fn get_user(&self, _: &str) -> Result<Entity, AwsError> {
        panic!("a principal was read per principal")
    }
    async fn list_groups_for_user(&self, _: &str) -> Result<Vec<String>, AwsError> {
        panic!("a principal was read per principal")
    }
    async fn list_inline_policies(&self, _: &Owner) -> Result<Vec<String>, AwsError> {
        panic!("a principal was read per principal")
    }
    async fn get_inline_policy(&self, _: &Owner, _: &str) -> Result<String, AwsError> {
        panic!("a principal was read per principal")
    }
    async fn list_attached_policies(&self, _: &Owner) -> Result<Vec<String>, AwsError> {
        panic!("a principal was read per principal")
    }
    async fn get_managed_policy(&self, _: &str) -> Result<(String, String), AwsError> {
        panic!("a principal was read per principal")
    }
    async fn simulate(&self, _: &SimRequest) -> Result<Vec<SimResult>, AwsError> {
        Ok(vec![])
    }
    async fn resolve_key(&self, _: &str) -> Result<String, AwsError> {
        unreachable!()
    }
    async fn get_key_policy(&self, _: &str) -> Result<String, AwsError> {
        self.key.fetch_add(1, Ordering::SeqCst);
        Ok("{}".into())
    }
    async fn get_bucket_policy(
        &self,
        _: &str,
        _: Option<&str>,
    ) -> Result<Option<String>, AwsError> {
        self.bucket.fetch_add(1, Ordering::SeqCst);
        Ok(None)
    }
    async fn get_bucket_encryption(
        &self,
        _: &str,
        _: Option<&str>,
    ) -> Result<BucketEncryption, AwsError> {
        unreachable!()
    }
    async fn get_table_policy(&self, _: &str) -> Result<Option<String>, AwsError> {
        self.table.fetch_add(1, Ordering::SeqCst);
        Err(AwsError::Throttled {
            action: "dynamodb:GetResourcePolicy",
            message: "Rate exceeded".into(),
        })
    }
    async fn get_role_trust_policy(&self, _: &str) -> Result<String, AwsError> {
        panic!("a trust policy was read per principal")
    }
    async fn get_account_authorization_details(&self) -> Result<String, AwsError> {
        let roles: Vec<_> = ["a", "b", "c"]
            .iter()
            .map(|n| serde_json::json!({"RoleName": n, "Path": "/", "Arn": format!("arn:aws:iam::{ACCOUNT}:role/{n}"), "Tags": []}))
            .collect();
        Ok(serde_json::json!({"RoleDetailList": roles}).to_string())
    }
}

#[tokio::test]
async fn each_resource_policy_is_read_once_for_every_principal_and_errors_are_kept() {
    let inner = Counting::default();
    let acc = account::read(&inner, &Wanted::everything()).await.unwrap();
    let read = AccountRead::new(&inner, acc);
    let arn = "arn:aws:dynamodb:us-east-1:111122223333:table/orders";
    let results = futures::future::join_all((0..8).map(|_| async {
        (
            read.get_key_policy("k").await,
            read.get_bucket_policy("media", Some(ACCOUNT)).await,
            read.get_table_policy(arn).await,
        )
    }))
    .await;
    for (k, b, t) in &results {
        assert_eq!(k.as_deref().unwrap(), "{}");
        assert_eq!(b.as_ref().unwrap(), &None);
        // A failed read is the same failure for everyone, never an answer.
        assert!(matches!(t, Err(AwsError::Throttled { .. })), "{t:?}");
    }
    assert_eq!(inner.key.load(Ordering::SeqCst), 1);
    assert_eq!(inner.bucket.load(Ordering::SeqCst), 1);
    assert_eq!(inner.table.load(Ordering::SeqCst), 1);
    // Another owner is another read (S3's expected-owner check answers for that owner).
    read.get_bucket_policy("media", None).await.unwrap();
    assert_eq!(inner.bucket.load(Ordering::SeqCst), 2);
    let names: BTreeMap<_, _> = read
        .account()
        .roles()
        .map(|(n, a, _)| (n.to_string(), a.to_string()))
        .collect();
    assert_eq!(names.len(), 3);
}
