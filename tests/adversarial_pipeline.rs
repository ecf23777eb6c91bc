//! The adversarial suite's cases on the simulator path (`tests/adversarial/pipeline/*.json`):
//! each gives what AWS would answer (the principal's policies, the table, bucket and key
//! policies, the bucket's owner and encryption, and IAM's simulator's raw EvaluationResults,
//! in AWS's own field names) and what `check` must then say about its rows. They run the whole
//! pipeline over an in-memory account, with the simulator's answers read by the SDK adapter's
//! own reader, so both response shapes and every detail go through the code AWS's answers do.
//!
//! The format is the suite's (`name`, `attack`, `found`, `aws_rule`, `expect`; see
//! tests/adversarial/pipeline/README.md) with a third kind, `pipeline`, beside `engine` and
//! `cli`. The offline CLI cases for issue 17 are in tests/adversarial/simulator-cli.json, run by
//! the suite's own runner (tests/adversarial.rs).

use std::path::Path;

use aws_sdk_iam::types::{
    EvaluationResult, OrganizationsDecisionDetail, PermissionsBoundaryDecisionDetail,
    PolicyEvaluationDecisionType, ResourceSpecificResult,
};
use serde::Deserialize;
use serde_json::Value;

use pydynox_iam::grants::model::{BucketEncryption, SimRequest, SimResult};
use pydynox_iam::grants::sdk::read_evaluation_result;
use pydynox_iam::grants::source::{Aws, AwsError, Entity, Owner};
use pydynox_iam::needs::catalogue::Catalogue;
use pydynox_iam::needs::plan::{PlanInput, build_plan};
use pydynox_iam::report::model::{Report, Verdict};
use pydynox_iam::verdict::fetch::TablePolicies;
use pydynox_iam::verdict::pipeline::{EngineChoice, RunContext, Statements, run};

const ACCOUNT: &str = "111122223333";
const ROLE_ARN: &str = "arn:aws:iam::111122223333:role/svc/app";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    attack: String,
    found: String,
    aws_rule: String,
    pipeline: PipelineCase,
    expect: Expect,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Policy {
    name: String,
    document: Value,
}

/// The account as AWS would show it, and the run's flags.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PipelineCase {
    /// `aws`, `auto` (on AWS's own endpoint) or `both`.
    engine: String,
    /// A role name (the role `app`) or a session ARN of it.
    #[serde(default = "default_principal")]
    principal: String,
    features: Vec<String>,
    /// `--all-indexes`: the index rows are on `table/users/index/*`.
    #[serde(default)]
    all_indexes: bool,
    identity_policies: Vec<Policy>,
    /// The table `users`' resource policy; none when absent.
    table_policy: Option<Value>,
    #[serde(default)]
    bucket: Bucket,
    /// The key policy of `--kms-key` (and of a bucket's key); unreadable when absent.
    key_policy: Option<Value>,
    /// The trust policy of `--assume-role-arn` (`role/target`); unreadable when absent.
    trust_policy: Option<Value>,
    #[serde(default)]
    stated: Stated,
    /// IAM's simulator's EvaluationResults, in AWS's field names; every request is answered
    /// with all of them (those for actions or resources not asked answer nothing).
    simulator: Vec<RawResult>,
}

fn default_principal() -> String {
    "app".into()
}

/// The bucket `media`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Bucket {
    /// Reads that expect another owner are refused (S3's expected-owner check).
    owner: String,
    policy: Option<Value>,
    /// SSE-KMS with this key (`KMSMasterKeyID`); SSE-S3 when absent.
    kms_key: Option<String>,
}

impl Default for Bucket {
    fn default() -> Self {
        Bucket {
            owner: ACCOUNT.into(),
            policy: None,
            kms_key: None,
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Stated {
    #[serde(default)]
    no_scp_conditions: bool,
    #[serde(default)]
    no_rcps: bool,
    #[serde(default)]
    no_session_policy: bool,
    bucket_owner: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct RawResult {
    eval_action_name: Option<String>,
    eval_resource_name: Option<String>,
    eval_decision: Option<String>,
    #[serde(default)]
    missing_context_values: Vec<String>,
    organizations_decision_detail: Option<OrgDetail>,
    permissions_boundary_decision_detail: Option<BoundaryDetail>,
    #[serde(default)]
    resource_specific_results: Vec<RawResourceResult>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct RawResourceResult {
    eval_resource_name: Option<String>,
    eval_resource_decision: Option<String>,
    #[serde(default)]
    missing_context_values: Vec<String>,
    permissions_boundary_decision_detail: Option<BoundaryDetail>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct OrgDetail {
    allowed_by_organizations: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct BoundaryDetail {
    allowed_by_permissions_boundary: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    /// Rows (by action, and resource when given) and their verdict and code.
    #[serde(default)]
    rows: Vec<ExpectRow>,
    /// No row may be PASS.
    #[serde(default)]
    none_pass: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectRow {
    action: String,
    resource: Option<String>,
    verdict: Option<String>,
    code: Option<String>,
    reason_contains: Option<String>,
}

/// The SDK's own reading of a raw result: a missing required field gets the SDK's default (an
/// empty name, the decision "no value was set"), as its deserializer does.
fn to_sdk(r: &RawResult) -> EvaluationResult {
    let decision = |d: &Option<String>| {
        PolicyEvaluationDecisionType::from(d.as_deref().unwrap_or("no value was set"))
    };
    let boundary = |b: &Option<BoundaryDetail>| {
        b.as_ref().map(|b| {
            PermissionsBoundaryDecisionDetail::builder()
                .allowed_by_permissions_boundary(b.allowed_by_permissions_boundary)
                .build()
        })
    };
    let mut b = EvaluationResult::builder()
        .eval_action_name(r.eval_action_name.clone().unwrap_or_default())
        .set_eval_resource_name(r.eval_resource_name.clone())
        .eval_decision(decision(&r.eval_decision))
        .set_missing_context_values(Some(r.missing_context_values.clone()))
        .set_organizations_decision_detail(r.organizations_decision_detail.as_ref().map(|o| {
            OrganizationsDecisionDetail::builder()
                .allowed_by_organizations(o.allowed_by_organizations)
                .build()
        }))
        .set_permissions_boundary_decision_detail(boundary(
            &r.permissions_boundary_decision_detail,
        ));
    for rs in &r.resource_specific_results {
        b = b.resource_specific_results(
            ResourceSpecificResult::builder()
                .eval_resource_name(rs.eval_resource_name.clone().unwrap_or_default())
                .eval_resource_decision(decision(&rs.eval_resource_decision))
                .set_missing_context_values(Some(rs.missing_context_values.clone()))
                .set_permissions_boundary_decision_detail(boundary(
                    &rs.permissions_boundary_decision_detail,
                ))
                .build()
                .unwrap(),
        );
    }
    b.build().unwrap()
}

/// An account in memory, answering as the case says.
struct CaseAws<'a>(&'a PipelineCase);

fn denied(action: &'static str) -> AwsError {
    AwsError::AccessDenied {
        action,
        message: "denied (adversarial case)".into(),
    }
}

fn text(v: &Value) -> String {
    serde_json::to_string(v).unwrap()
}

impl Aws for CaseAws<'_> {
    async fn caller_arn(&self) -> Result<String, AwsError> {
        Ok(ROLE_ARN.into())
    }
    async fn get_role(&self, name: &str) -> Result<Entity, AwsError> {
        Ok(Entity {
            arn: if name == "app" {
                ROLE_ARN.into()
            } else {
                format!("arn:aws:iam::{ACCOUNT}:role/{name}")
            },
            name: name.into(),
            boundary_arn: None,
            tags: None,
        })
    }
    async fn get_user(&self, _name: &str) -> Result<Entity, AwsError> {
        Err(denied("iam:GetUser"))
    }
    async fn list_groups_for_user(&self, _user: &str) -> Result<Vec<String>, AwsError> {
        Ok(vec![])
    }
    async fn list_inline_policies(&self, _owner: &Owner) -> Result<Vec<String>, AwsError> {
        Ok(self
            .0
            .identity_policies
            .iter()
            .map(|p| p.name.clone())
            .collect())
    }
    async fn get_inline_policy(&self, _owner: &Owner, name: &str) -> Result<String, AwsError> {
        let p = self.0.identity_policies.iter().find(|p| p.name == name);
        Ok(text(&p.expect("listed").document))
    }
    async fn list_attached_policies(&self, _owner: &Owner) -> Result<Vec<String>, AwsError> {
        Ok(vec![])
    }
    async fn get_managed_policy(&self, _arn: &str) -> Result<(String, String), AwsError> {
        Err(denied("iam:GetPolicy"))
    }
    async fn simulate(&self, _req: &SimRequest) -> Result<Vec<SimResult>, AwsError> {
        Ok(self
            .0
            .simulator
            .iter()
            .flat_map(|r| read_evaluation_result(&to_sdk(r)))
            .collect())
    }
    async fn resolve_key(&self, key: &str) -> Result<String, AwsError> {
        Err(AwsError::NotFound {
            action: "kms:DescribeKey",
            what: format!("KMS key `{key}`"),
            code: "NotFoundException".into(),
            message: "not in the case".into(),
        })
    }
    async fn get_key_policy(&self, _key_arn: &str) -> Result<String, AwsError> {
        self.0
            .key_policy
            .as_ref()
            .map(text)
            .ok_or(denied("kms:GetKeyPolicy"))
    }
    async fn get_bucket_policy(
        &self,
        _bucket: &str,
        expected_owner: Option<&str>,
    ) -> Result<Option<String>, AwsError> {
        if expected_owner != Some(self.0.bucket.owner.as_str()) {
            return Err(denied("s3:GetBucketPolicy"));
        }
        Ok(self.0.bucket.policy.as_ref().map(text))
    }
    async fn get_bucket_encryption(
        &self,
        _bucket: &str,
        expected_owner: Option<&str>,
    ) -> Result<BucketEncryption, AwsError> {
        if expected_owner != Some(self.0.bucket.owner.as_str()) {
            return Err(denied("s3:GetEncryptionConfiguration"));
        }
        Ok(match &self.0.bucket.kms_key {
            Some(k) => BucketEncryption::Kms {
                key: Some(k.clone()),
                bucket_key: false,
            },
            None => BucketEncryption::S3Managed,
        })
    }
    async fn get_table_policy(&self, _table_arn: &str) -> Result<Option<String>, AwsError> {
        Ok(self.0.table_policy.as_ref().map(text))
    }
    async fn get_role_trust_policy(&self, _role_name: &str) -> Result<String, AwsError> {
        self.0
            .trust_policy
            .as_ref()
            .map(text)
            .ok_or(denied("iam:GetRole"))
    }
}

async fn run_pipeline(case: &PipelineCase) -> Result<Report, String> {
    let cat = Catalogue::embedded();
    let (role, principal) = if case.principal.starts_with("arn:") {
        (None, Some(case.principal.clone()))
    } else {
        (Some(case.principal.clone()), None)
    };
    let input = PlanInput {
        role,
        principal,
        features: case.features.clone(),
        tables: vec!["users".into()],
        kms_key: Some(
            "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab".into(),
        ),
        bucket: Some("media".into()),
        assume_role_arn: Some(format!("arn:aws:iam::{ACCOUNT}:role/target")),
        all_indexes: case.all_indexes,
        ..PlanInput::default()
    };
    let plan = build_plan(&cat, &input).map_err(|e| e.join("; "))?;
    let engine = match case.engine.as_str() {
        "aws" => EngineChoice::Aws,
        "auto" => EngineChoice::Auto,
        "both" => EngineChoice::Both,
        other => return Err(format!("engine `{other}`: use aws, auto or both")),
    };
    let ctx = RunContext {
        catalogue: &cat,
        region: Some("us-east-1".into()),
        endpoint_url: None,
        engine,
        table_policies: TablePolicies::Read,
        stated: Statements {
            no_scp_conditions: case.stated.no_scp_conditions,
            no_rcps: case.stated.no_rcps,
            no_session_policy: case.stated.no_session_policy,
            bucket_owner: case.stated.bucket_owner.clone(),
            ..Statements::default()
        },
    };
    run(&CaseAws(case), &ctx, &plan)
        .await
        .map_err(|e| e.to_string())
}

fn check_rows(report: &Report, expect: &Expect, errs: &mut Vec<String>) {
    if expect.rows.is_empty() && !expect.none_pass {
        errs.push("expect nothing: give `rows` or `none_pass`".into());
    }
    if expect.none_pass {
        for r in report.rows.iter().filter(|r| r.verdict == Verdict::Pass) {
            errs.push(format!(
                "{} on {} is PASS: {}",
                r.action, r.resource, r.reason
            ));
        }
    }
    for want in &expect.rows {
        let found: Vec<_> = report
            .rows
            .iter()
            .filter(|r| {
                r.action == want.action && want.resource.as_ref().is_none_or(|x| *x == r.resource)
            })
            .collect();
        if found.is_empty() {
            errs.push(format!("no row for {}", want.action));
        }
        for r in found {
            if let Some(v) = &want.verdict
                && r.verdict.as_str() != v
            {
                errs.push(format!(
                    "{} on {}: verdict {}, want {v} ({})",
                    r.action,
                    r.resource,
                    r.verdict.as_str(),
                    r.reason
                ));
            }
            if let Some(c) = &want.code
                && r.code.as_str() != c
            {
                errs.push(format!(
                    "{} on {}: code {}, want {c} ({})",
                    r.action,
                    r.resource,
                    r.code.as_str(),
                    r.reason
                ));
            }
            if let Some(t) = &want.reason_contains
                && !r.reason.contains(t.as_str())
            {
                errs.push(format!("{}: reason lacks `{t}`: {}", r.action, r.reason));
            }
        }
    }
}

fn cases_in(path: &Path) -> Vec<Case> {
    let text = std::fs::read_to_string(path).unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[tokio::test]
async fn every_simulator_path_case_holds() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/adversarial");
    let mut files: Vec<_> = std::fs::read_dir(root.join("pipeline"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let mut failures = Vec::new();
    let mut names = std::collections::BTreeSet::new();
    let mut count = 0;
    for file in &files {
        for case in cases_in(file) {
            count += 1;
            let mut errs = Vec::new();
            if !names.insert(case.name.clone()) {
                errs.push("the name is used twice".into());
            }
            for (field, v) in [
                ("attack", &case.attack),
                ("found", &case.found),
                ("aws_rule", &case.aws_rule),
            ] {
                if v.trim().is_empty() {
                    errs.push(format!("`{field}` is empty"));
                }
            }
            match run_pipeline(&case.pipeline).await {
                Ok(report) => check_rows(&report, &case.expect, &mut errs),
                Err(e) => errs.push(format!("the run failed: {e}")),
            }
            if !errs.is_empty() {
                failures.push(format!(
                    "{} ({}):\n  {}",
                    case.name,
                    file.file_name().unwrap().to_string_lossy(),
                    errs.join("\n  ")
                ));
            }
        }
    }
    assert!(count >= 20, "only {count} cases found");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
