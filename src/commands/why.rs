//! `pydynox-iam why "<error text>"`: explains each AccessDenied a pydynox service logged.
//! Parses the messages, finds the pydynox features that make each call, and, when the message
//! (with `--principal`/`--resource`/`--kms-key` where it names too little) says who was denied
//! what on which resource, evaluates the principal's policies now (IAM's simulator and/or the
//! local engine, online or from policy files) and says what blocks it and what to change. A
//! message that names less is explained as far as it goes, with the one thing to supply or
//! the command to run to finish. Owns the explanation; the verdict comes from the same
//! pipeline as `check`.

use std::io::{self, Read};

use clap::Args;

use crate::commands::args::{AwsArgs, Engine, Format, OfflineArgs, env_region, load_offline};
use crate::commands::output::emit;
use crate::grants::source::Aws;
use crate::iam::arn::{Arn, principal_from_arn};
use crate::needs::accessdenied::{AccessDenied, Cause, DenySource, Shape};
use crate::needs::catalogue::{Catalogue, ContextEntry};
use crate::needs::plan::{Check, PrincipalSelector};
use crate::report::model::{Gate, ReasonCode, Report, Verdict, exit};
use crate::report::why::{self, Evaluated, Explanation, FeatureUse};
use crate::verdict::fetch::ManagedCache;
use crate::verdict::pipeline::{
    CheckError, RunContext, Subject, evaluate_checks, resolve_engine, resolve_principal,
};

#[derive(Debug, Args)]
pub struct WhyArgs {
    /// The error as the application logged it (one or several messages); read from standard
    /// input when omitted or `-`
    pub text: Option<String>,
    /// The principal that was denied, for messages that name none (or a federated user's
    /// role or user): the ARN `aws sts get-caller-identity` prints where the service runs
    #[arg(long, value_name = "ARN")]
    pub principal: Option<String>,
    /// The denied resource's ARN, for messages that name none
    #[arg(long, value_name = "ARN")]
    pub resource: Option<String>,
    /// The denied IAM action (`s3:GetObject`), for messages that name neither it nor the
    /// operation (S3's bare "Access Denied")
    #[arg(long, value_name = "SERVICE:ACTION")]
    pub action: Option<String>,
    /// The KMS key ARN, for KMS messages that name no key ("on this resource", "The
    /// ciphertext refers to a customer master key ...")
    #[arg(long, value_name = "ARN")]
    pub kms_key: Option<String>,
    /// pydynox release whose behaviour to assume [default: newest known]
    #[arg(long, value_name = "VERSION")]
    pub pydynox_version: Option<String>,
    /// Which evaluator decides [default: auto]
    #[arg(long, value_enum)]
    pub engine: Option<Engine>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// The organization's SCPs and RCPs (JSON, the layout of `check --org-policies-file`):
    /// evaluated with the principal's policies, offline or on AWS. Offline without it no SCP or
    /// RCP is evaluated, and a PASS says so
    #[arg(long, value_name = "FILE", value_parser = crate::commands::args::org_policies_file_arg)]
    pub org_policies_file: Option<crate::grants::org::OrgPolicies>,
    #[command(flatten)]
    pub offline: OfflineArgs,
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// What the command line adds to a message that names too little.
#[derive(Debug, Clone, Default)]
pub struct Supplied {
    pub principal: Option<String>,
    pub action: Option<String>,
    pub resource: Option<String>,
    pub kms_key: Option<String>,
}

impl Supplied {
    fn of(a: &WhyArgs) -> Supplied {
        Supplied {
            principal: a.principal.clone(),
            action: a.action.clone(),
            resource: a.resource.clone(),
            kms_key: a.kms_key.clone(),
        }
    }

    /// The flags' values checked for their form (exit 2 when wrong).
    pub fn validate(&self) -> Result<(), String> {
        let mut errors = Vec::new();
        if let Some(p) = &self.principal
            && principal_from_arn(p).is_err()
        {
            errors.push(format!(
                "--principal `{p}` is not an IAM role, IAM user or assumed-role session ARN (run `aws sts get-caller-identity` where the service runs)"
            ));
        }
        if let Some(x) = &self.action
            && crate::iam::actions::lookup(x).is_none()
        {
            errors.push(format!(
                "--action `{x}` is not an action of DynamoDB, KMS, S3 or STS (spelled `service:Action`, as `s3:GetObject`)"
            ));
        }
        if let Some(r) = &self.resource
            && Arn::parse(r).is_none()
        {
            errors.push(format!(
                "--resource `{r}` is not an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)"
            ));
        }
        if let Some(k) = &self.kms_key
            && !Arn::parse(k).is_some_and(|a| a.service == "kms" && a.resource.starts_with("key/"))
        {
            errors.push(format!(
                "--kms-key `{k}` must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID); an alias does not name the key whose policy decides"
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.join("\nerror: "))
        }
    }
}

/// The catalogue resource kind of a concrete ARN.
fn resource_kind(arn: &str) -> &'static str {
    if arn == "*" {
        return "any";
    }
    let service = Arn::parse(arn).map(|a| a.service).unwrap_or_default();
    // A role is typed by STS's resource types (sts:AssumeRole takes `role`).
    let service = if service == "iam" { "sts" } else { service };
    match crate::iam::actions::resource_type_of(service, arn) {
        Some("table") => "table",
        Some("index") => "index",
        Some("key") => "kms-key",
        Some("object") => "s3-object",
        Some("role") => "role",
        _ => "other",
    }
}

/// The IAM action an API operation is authorized by, when there is exactly one (a
/// transaction or PartiQL statement is authorized per item or per verb, so has none).
pub fn action_of_operation(service: &str, op: &str) -> Option<String> {
    let action = match (service, op) {
        ("s3", "GetObject" | "HeadObject") => "s3:GetObject".to_string(),
        (
            "s3",
            "PutObject" | "CreateMultipartUpload" | "UploadPart" | "CompleteMultipartUpload",
        ) => "s3:PutObject".to_string(),
        ("s3", "ListObjects" | "ListObjectsV2") => "s3:ListBucket".to_string(),
        ("s3", "HeadBucket") => "s3:ListBucket".to_string(),
        ("s3", "GetBucketEncryption") => "s3:GetEncryptionConfiguration".to_string(),
        (s, op) => format!("{s}:{op}"),
    };
    crate::iam::actions::lookup(&action).map(|i| i.full_name())
}

/// The actions an operation may have been denied on, when it has several.
fn candidate_actions(service: Option<&str>, op: Option<&str>) -> Vec<&'static str> {
    match (service, op) {
        (_, Some("TransactWriteItems")) => vec![
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
            "dynamodb:ConditionCheckItem",
        ],
        (_, Some("TransactGetItems")) => vec!["dynamodb:GetItem"],
        (_, Some("ExecuteStatement" | "BatchExecuteStatement" | "ExecuteTransaction")) => vec![
            "dynamodb:PartiQLSelect",
            "dynamodb:PartiQLInsert",
            "dynamodb:PartiQLUpdate",
            "dynamodb:PartiQLDelete",
        ],
        (_, Some("CopyObject")) => vec!["s3:GetObject", "s3:PutObject"],
        _ => vec![],
    }
}

/// The features that make calls authorized by one of `actions` (or, with none, any call of
/// `service`), and the request context AWS evaluates with the first: the transaction context
/// when the error came from a transaction.
fn features_for(
    cat: &Catalogue,
    version: &semver::Version,
    actions: &[String],
    service: Option<&str>,
    operation: Option<&str>,
) -> (Vec<FeatureUse>, Vec<ContextEntry>) {
    let in_transaction = matches!(operation, Some("TransactWriteItems" | "TransactGetItems"));
    let mut uses = Vec::new();
    let mut context = None;
    for f in &cat.features {
        for c in cat.checks_for(f, version) {
            let matches = if actions.is_empty() {
                service.is_some_and(|s| c.action.starts_with(&format!("{s}:")))
            } else {
                actions.iter().any(|a| c.action.eq_ignore_ascii_case(a))
            };
            if !matches {
                continue;
            }
            if !uses.iter().any(|u: &FeatureUse| u.name == f.name) {
                uses.push(FeatureUse {
                    name: f.name.clone(),
                    summary: without_check_flags(&f.summary),
                });
            }
            let is_transaction = c
                .context
                .iter()
                .any(|e| e.key == "dynamodb:EnclosingOperation");
            if context.is_none() && is_transaction == in_transaction {
                context = Some(c.context.clone());
            }
        }
    }
    (uses, context.unwrap_or_default())
}

/// A feature's summary without its note on `check`'s flags (`(--index names ...)`): `why`
/// does not take them.
fn without_check_flags(summary: &str) -> String {
    match summary.rfind(" (--") {
        Some(i) if summary.ends_with(')') => summary[..i].to_string(),
        _ => summary.to_string(),
    }
}

/// "service control policies", "permissions boundaries".
fn plural(name: &str) -> String {
    match name.strip_suffix('y') {
        Some(stem) => format!("{stem}ies"),
        None => format!("{name}s"),
    }
}

const CANNOT_HELP: &str = "adding an Allow will not help";

/// What the message's cause calls for. Wording and advice per policy type follow the IAM User
/// Guide's "Troubleshoot access denied error messages"
/// (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html).
fn cause_advice(ad: &AccessDenied) -> Vec<String> {
    let action = ad.action.as_deref().unwrap_or("the action");
    let named = ad
        .denying_policy
        .as_deref()
        .map(|p| format!(" (`{p}`)"))
        .unwrap_or_default();
    let mut out = Vec::new();
    if let Some(through) = &ad.through {
        let source = match &ad.cause {
            Cause::ExplicitDeny(s) => s.name().to_string(),
            _ => "policy".into(),
        };
        out.push(format!(
            "AWS reports an explicit deny in a {source} reached transitively through {through}: AWS's troubleshooting page places the fix there, so look for a Deny of {action} in the organization's {}; it wins, {CANNOT_HELP}",
            plural(through.name())
        ));
        return out;
    }
    match &ad.cause {
        Cause::NoIdentityPolicy => out.push(format!(
            "no identity-based policy of the principal allows {action} on this resource: an Allow must be added to the principal's policies"
        )),
        Cause::ExplicitDeny(DenySource::IdentityPolicy) => out.push(format!(
            "a Deny in the principal's own policies wins over every Allow: {CANNOT_HELP}; remove or narrow that Deny"
        )),
        Cause::NoPermissionsBoundaryAllow => out.push(format!(
            "the principal's permissions boundary does not allow {action}: the boundary must allow it too (an Allow in the identity policy alone is not enough)"
        )),
        Cause::ExplicitDeny(DenySource::PermissionsBoundary) => out.push(format!(
            "a Deny in the permissions boundary wins: {CANNOT_HELP}; the boundary must change"
        )),
        Cause::ExplicitDeny(DenySource::ServiceControlPolicy) => out.push(format!(
            "AWS reports an explicit deny in a service control policy{named} (AWS words a missing SCP Allow the same way): it wins, {CANNOT_HELP} to the principal; the organization's administrators must change the SCP"
        )),
        Cause::NoOtherPolicyAllow(DenySource::ServiceControlPolicy) => out.push(format!(
            "no service control policy allows {action}: the organization's administrators must allow it in the SCPs; an Allow in the principal's policies is not enough"
        )),
        Cause::ExplicitDeny(DenySource::ResourceControlPolicy) => out.push(format!(
            "AWS reports an explicit deny in a resource control policy{named}: it wins, {CANNOT_HELP}; the organization's administrators must change it"
        )),
        Cause::NoOtherPolicyAllow(DenySource::ResourceControlPolicy) => out.push(format!(
            "no resource control policy allows {action} on this resource: the organization's administrators must change the RCPs"
        )),
        Cause::ExplicitDeny(DenySource::SessionPolicy) => out.push(format!(
            "a Deny in the session policy passed when the role was assumed (AssumeRole's Policy or PolicyArns) wins: {CANNOT_HELP} to the role; change what the caller passes to AssumeRole (this tool does not see session policies)"
        )),
        Cause::NoSessionPolicyAllow => out.push(
            "the session policy passed when the role was assumed (AssumeRole's Policy or PolicyArns) does not allow it: a session gets only what both the role and the session policy allow; change what the caller passes to AssumeRole (this tool does not see session policies)".into(),
        ),
        Cause::ExplicitDeny(DenySource::VpcEndpointPolicy) => out.push(format!(
            "the request went through a VPC endpoint whose policy denies it: {CANNOT_HELP} to the principal; change the endpoint's policy"
        )),
        Cause::NoOtherPolicyAllow(DenySource::VpcEndpointPolicy) => out.push(format!(
            "the request went through a VPC endpoint whose policy does not allow {action}: the endpoint's policy must allow it; an Allow in the principal's policies is not enough"
        )),
        Cause::ExplicitDeny(DenySource::ResourcePolicy) => out.push(format!(
            "a Deny in the resource's own policy (table, key or bucket policy) wins: {CANNOT_HELP} to the principal; change that policy (offline, give it with --table-policy-file, --key-policy-file or --bucket-policy-file)"
        )),
        Cause::NoResourcePolicyAllow => out.push(
            "no resource-based policy allows it: a KMS key policy must always allow the principal (directly, or by trusting the account so IAM policies count), and a table's or bucket's policy must allow a principal of another account".into(),
        ),
        Cause::ExplicitDeny(DenySource::RoleTrustPolicy) => out.push(format!(
            "a Deny in the target role's trust policy wins: {CANNOT_HELP} to the caller; change the role's trust policy"
        )),
        Cause::NoOtherPolicyAllow(DenySource::RoleTrustPolicy) => out.push(
            "the target role's trust policy does not trust the caller: add the caller to the role's trust policy (an Allow in the caller's own policies is not enough)".into(),
        ),
        Cause::ExplicitDeny(other) => out.push(format!(
            "AWS reports an explicit deny in {other}{named}: it wins, {CANNOT_HELP}; remove or narrow the Deny"
        )),
        Cause::NoOtherPolicyAllow(other) => out.push(format!(
            "AWS says no {} allows it: that policy must allow it too",
            other.name()
        )),
        Cause::KmsKeyUnavailable => out.push(
            "KMS gives one answer for three causes: the key does not exist in the region the request went to, no key policy (or grant) allows the principal, or a key policy denies it; check the key policy first, then that the key's region is the region pydynox's KMS client calls (the EncryptedAttribute's region, else AWS_REGION/AWS_DEFAULT_REGION, else us-east-1)".into(),
        ),
        Cause::Unspecified => {}
    }
    out
}

/// What the message means, before any policy is read.
fn meaning(ad: &AccessDenied) -> Vec<String> {
    let mut out = Vec::new();
    match ad.shape {
        Shape::KmsCiphertext => out.push(
            "KMS refused to decrypt: this is what pydynox logs when an EncryptedAttribute cannot be decrypted. KMS gives one answer for four causes: the caller may not use the key (key policy or the caller's policies lack kms:Decrypt); pydynox's KMS client uses the default credential chain, not the role or profile given to DynamoDBClient, so the caller may be another principal than the one you audit; the KMS client's region (the attribute's region, else AWS_REGION/AWS_DEFAULT_REGION, else us-east-1) is not the key's; or the data was encrypted with another key (another environment's), which Decrypt finds in the ciphertext".into(),
        ),
        Shape::AssumeRoleNotAuthorized => out.push(
            "STS names neither the caller nor the role: either the role's trust policy does not trust the caller, or the caller's own policies do not allow sts:AssumeRole on the role, or an SCP denies it. pydynox assumes a role when DynamoDBClient is given role_arn".into(),
        ),
        Shape::RootCannotAssumeRoles => out.push(
            "the credentials are the account's root user, which can never assume a role: no policy change helps; run the service with an IAM role's or user's credentials".into(),
        ),
        Shape::BareAccessDenied => out.push(
            "AWS answered Access Denied without naming the principal, action or cause: S3 leaves them out for callers outside the bucket owner's account or organization (and older messages never had them). Candidates: the caller's policies, the bucket policy, Block Public Access or ACLs, the bucket's SSE-KMS key, a VPC endpoint policy, an SCP or RCP; and S3 answers 403 instead of 404 for a GetObject on a missing key when the caller lacks s3:ListBucket".into(),
        ),
        Shape::NotAuthorized => {}
    }
    if ad.principal_is_root() {
        out.push("the principal is the account's root user: IAM policies do not restrict it, so only an SCP, an RCP or a resource policy (table, key or bucket policy) can deny it".into());
    }
    if ad.principal_is_anonymous() {
        out.push("the request was not signed (`anonymous`): the service found no credentials, so AWS evaluated it as anyone; give the service credentials (check its environment and role)".into());
    }
    for n in &ad.notes {
        out.push(n.clone());
    }
    out
}

/// CloudTrail's event history holds management events only: KMS and STS calls and DynamoDB
/// control-plane calls; DynamoDB item calls and S3 object calls are data events, logged only
/// by a trail that records them (CloudTrail User Guide, "Logging data events").
fn cloudtrail_step(
    service: Option<&str>,
    operation: Option<&str>,
    region: Option<&str>,
) -> Option<String> {
    let op = operation?;
    let data_event = match service {
        Some("s3") => true,
        Some("dynamodb") => !matches!(
            op,
            "CreateTable" | "DeleteTable" | "DescribeTable" | "UpdateTable" | "ListTables"
        ),
        Some("kms" | "sts") => false,
        _ => return None,
    };
    if data_event {
        return Some(format!(
            "{op} is a data event: CloudTrail's event history does not hold it; a trail that logs {} data events records the caller (`userIdentity.arn`) and `errorMessage`",
            if service == Some("s3") {
                "S3"
            } else {
                "DynamoDB"
            }
        ));
    }
    let region = region.map(|r| format!(" --region {r}")).unwrap_or_default();
    Some(format!(
        "CloudTrail has the denied call with its caller and full `errorMessage`: `aws cloudtrail lookup-events{region} --lookup-attributes AttributeKey=EventName,AttributeValue={op} --max-results 50` (look for `\"errorCode\": \"AccessDenied...\"`)"
    ))
}

/// The flag that supplies a missing resource of `action`, with its form.
fn resource_flag(action: Option<&str>, service: Option<&str>) -> String {
    let service = action
        .and_then(|a| a.split_once(':'))
        .map(|(s, _)| s)
        .or(service);
    match service {
        Some("kms") => "--kms-key arn:aws:kms:REGION:ACCOUNT:key/KEY_ID (the EncryptedAttribute's key_id, as a key ARN)".into(),
        Some("s3") => "--resource arn:aws:s3:::BUCKET/KEY".into(),
        Some("sts") => "--resource arn:aws:iam::ACCOUNT:role/ROLE (the role_arn given to DynamoDBClient)".into(),
        Some("dynamodb") => "--resource arn:aws:dynamodb:REGION:ACCOUNT:table/TABLE".into(),
        _ => "--resource ARN".into(),
    }
}

/// The explanation of one message without reading any policy: what it means, the features
/// that make the call, the advice its cause calls for, what is known, and what to supply or
/// run to finish. `evaluated` is set when principal, action and resource are all known and
/// usable, so that the policies can be read. Pure: no AWS, no I/O.
pub fn describe(
    cat: &Catalogue,
    version: &semver::Version,
    ad: &AccessDenied,
    supplied: &Supplied,
) -> Explanation {
    let mut next_steps = Vec::new();
    let mut notes = Vec::new();
    for inv in &ad.invalid {
        let what = match inv.problem {
            crate::needs::accessdenied::Problem::Truncated => "paste the whole message",
            crate::needs::accessdenied::Problem::Redacted => {
                "the unredacted value is in the service's own logs or CloudTrail"
            }
            crate::needs::accessdenied::Problem::Malformed(_) => "it is not what AWS prints there",
        };
        notes.push(format!(
            "{inv}: not evaluated and not put into a fix ({what})"
        ));
    }

    // The action: the message's, else --action, else the one operation's, else the
    // candidates.
    let from_flag = supplied
        .action
        .as_deref()
        .and_then(crate::iam::actions::lookup)
        .map(|i| i.full_name())
        .filter(|_| ad.action.is_none());
    let action = ad.action.clone().or(from_flag.clone()).or_else(|| {
        let svc = ad.service.as_deref()?;
        action_of_operation(svc, ad.operation.as_deref()?)
    });
    if ad.action.is_none()
        && from_flag.is_none()
        && let Some(a) = &action
    {
        notes.push(format!(
            "the message names no action: {a} is the action that authorizes the {} operation",
            ad.operation.as_deref().unwrap_or_default()
        ));
    }
    let candidates: Vec<String> = match &action {
        Some(a) => vec![a.clone()],
        None => candidate_actions(ad.service.as_deref(), ad.operation.as_deref())
            .into_iter()
            .map(str::to_string)
            .collect(),
    };
    let (features, _) = features_for(
        cat,
        version,
        &candidates,
        ad.service.as_deref(),
        ad.operation.as_deref(),
    );
    let known_action = action
        .as_deref()
        .and_then(crate::iam::actions::lookup)
        .map(|i| i.full_name());

    // The principal: the message's when it can be audited, else --principal.
    let message_principal = ad.principal.clone().filter(|_| ad.principal_ref().is_ok());
    let principal = match (&message_principal, &supplied.principal) {
        (Some(p), Some(flag)) if p != flag => {
            notes.push(format!(
                "--principal `{flag}` is not used: the message names `{p}`"
            ));
            Some(p.clone())
        }
        (Some(p), _) => Some(p.clone()),
        (None, Some(flag)) => Some(flag.clone()),
        (None, None) => None,
    };

    // The resource: the message's, else --kms-key for KMS, else --resource, else `*` for an
    // action without a resource type.
    let is_kms = known_action
        .as_deref()
        .is_some_and(|a| a.starts_with("kms:"))
        || ad.service.as_deref() == Some("kms");
    let resource = ad
        .resource
        .clone()
        .or_else(|| supplied.kms_key.clone().filter(|_| is_kms))
        .or_else(|| supplied.resource.clone())
        .or_else(|| {
            known_action
                .as_deref()
                .and_then(crate::iam::actions::lookup)
                .filter(|i| i.resource_types.is_empty())
                .map(|_| "*".to_string())
        });
    let resource_fits = match (&resource, &known_action) {
        (Some(r), Some(a)) if ad.resource.is_none() && r != "*" => {
            let info = crate::iam::actions::lookup(a).expect("known action");
            let fits = crate::iam::actions::resource_type_of(&info.service, r)
                .is_some_and(|k| info.takes(k));
            if !fits {
                notes.push(format!(
                    "`{r}` is not a resource {a} acts on: not evaluated"
                ));
            }
            fits
        }
        _ => true,
    };

    let blocked = ad.shape == Shape::RootCannotAssumeRoles
        || ad.principal_is_root()
        || ad.principal_is_anonymous();
    if !blocked {
        let service = known_action
            .as_deref()
            .and_then(|a| a.split_once(':'))
            .map(|(s, _)| s)
            .or(ad.service.as_deref());
        if principal.is_none() {
            let federated = ad
                .principal
                .as_deref()
                .is_some_and(|p| p.contains(":federated-user/"));
            let how = if federated {
                "a federated user has no policies of its own to audit: pass the IAM role or user whose credentials it was given with --principal ARN".to_string()
            } else {
                let kms = if is_kms {
                    " (pydynox's KMS client uses the default credential chain: run it without the profile or role_arn given to DynamoDBClient)"
                } else {
                    ""
                };
                format!(
                    "find who was denied: run `aws sts get-caller-identity` with the service's credentials, where it runs{kms}, and pass the ARN it prints with --principal ARN"
                )
            };
            next_steps.push(how);
            let region = resource
                .as_deref()
                .and_then(Arn::parse)
                .map(|a| a.region)
                .filter(|r| !r.is_empty());
            let op = ad.operation.clone().or_else(|| {
                known_action
                    .as_deref()
                    .and_then(|a| a.split_once(':'))
                    .map(|(_, n)| n.to_string())
            });
            if let Some(step) = cloudtrail_step(service, op.as_deref(), region) {
                next_steps.push(step);
            }
        }
        if known_action.is_none() {
            match (&action, candidates.is_empty()) {
                (Some(a), _) if !a.contains(':') || !known_service(a) => next_steps.push(format!(
                    "{a} is not an action of the services pydynox calls (DynamoDB, KMS, S3, STS): this tool does not evaluate it"
                )),
                (_, false) => next_steps.push(format!(
                    "the message names no single action: {} is authorized as one of {}; paste the message that names the action (CloudTrail's `errorMessage` has it)",
                    ad.operation.as_deref().unwrap_or("the call"),
                    candidates.join(", ")
                )),
                _ => next_steps.push(format!(
                    "the message names no action: pass the call that failed with --action SERVICE:ACTION{} (or paste the whole message: botocore's names the operation)",
                    match service {
                        Some("s3") => " (as s3:GetObject or s3:PutObject)".to_string(),
                        Some(s) => format!(" (an action of {s})"),
                        None => String::new(),
                    }
                )),
            }
        } else if resource.is_none() || !resource_fits {
            next_steps.push(format!(
                "the message names no resource: pass {}",
                resource_flag(known_action.as_deref(), service)
            ));
        }
    }

    let evaluated = match (&principal, &known_action, &resource) {
        (Some(p), Some(a), Some(r)) if !blocked && resource_fits => Some(Evaluated {
            principal: p.clone(),
            action: a.clone(),
            resource: r.clone(),
        }),
        _ => None,
    };
    let mut advice = cause_advice(ad);
    if is_kms && ad.shape != Shape::KmsCiphertext {
        advice.push(
            "pydynox's KMS client uses the default credential chain, not the DynamoDBClient's role or profile: make sure the principal in the message is the one you audit".into(),
        );
    }
    let mut meaning = meaning(ad);
    meaning.extend(notes);
    Explanation {
        schema: "pydynox-iam/why/v2",
        access_denied: ad.clone(),
        meaning,
        features,
        evaluated,
        verdict: None,
        reason: None,
        fix: None,
        advice,
        next_steps,
        report: None,
        others: Vec::new(),
    }
}

fn known_service(action: &str) -> bool {
    ["dynamodb:", "kms:", "s3:", "sts:"]
        .iter()
        .any(|p| action.starts_with(p))
}

fn read_text(a: &WhyArgs) -> Result<String, String> {
    match a.text.as_deref() {
        Some(t) if t != "-" => Ok(t.to_string()),
        _ => {
            let mut s = String::new();
            io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| format!("cannot read standard input: {e}"))?;
            Ok(s)
        }
    }
}

async fn explain<A: Aws>(
    aws: &A,
    ctx: &RunContext<'_>,
    target: &Evaluated,
    check: Check,
    version: &semver::Version,
) -> Result<Report, CheckError> {
    let engine = resolve_engine(ctx.engine, aws.can_simulate(), ctx.endpoint_url.as_deref())?;
    // The region: the run's, else the resource's. S3 object, IAM role and `*` resources carry
    // none: the region is then unknown, and a policy that tests aws:RequestedRegion is
    // undecided rather than guessed.
    let region = ctx
        .region
        .clone()
        .or_else(|| resource_region(&check.resource))
        .unwrap_or_default();
    let principal_ref = principal_from_arn(&target.principal)?;
    let principal = resolve_principal(aws, &PrincipalSelector::Named(principal_ref)).await?;
    let bucket = (check.resource_kind == "s3-object")
        .then(|| {
            Arn::parse(&check.resource)
                .and_then(|a| a.resource.split('/').next())
                .map(str::to_string)
        })
        .flatten();
    // An AccessDenied message always names the session; `why` explains what denied it, and the
    // message already says when a session policy did (and the advice then says so), so the
    // role is evaluated as any session of it without session policies, as `check --role` does.
    let named_session = false;
    evaluate_checks(
        aws,
        ctx,
        engine,
        Subject {
            principal,
            region,
            checks: vec![check],
            bucket,
            pydynox_version: version.to_string(),
            named_session,
        },
        &ManagedCache::default(),
    )
    .await
}

fn resource_region(resource: &str) -> Option<String> {
    Arn::parse(resource)
        .map(|x| x.region.to_string())
        .filter(|r| !r.is_empty())
}

/// Runs `why` and returns the exit code: 0 when every message was explained (as far as it
/// goes), 2 for text with no AccessDenied in it, a bad flag or unusable offline input, 3 for
/// AWS errors (the explanation is printed all the same).
pub async fn execute(cat: &Catalogue, a: &WhyArgs) -> i32 {
    let (explanations, code) = match explain_all(cat, a).await {
        Ok(x) => x,
        Err(stop) => {
            eprintln!("error: {}", stop.message);
            return stop.code;
        }
    };
    let r = emit(|w| match a.format {
        Format::Json => why::explanations_json(w, &explanations),
        Format::Table => why::explanations_text(w, &explanations),
    });
    match r {
        Ok(()) => code,
        Err(e) => {
            eprintln!("error: cannot write output: {e}");
            exit::ERROR
        }
    }
}

/// Why `why` stops before explaining: the message (printed as `error: ...`) and exit code.
struct Stop {
    message: String,
    code: i32,
}

fn usage(message: impl Into<String>) -> Stop {
    Stop {
        message: message.into(),
        code: exit::USAGE,
    }
}

/// Reads and parses the messages and explains each; a message whose evaluation fails is
/// still explained, the failure reported on stderr (the worst exit code wins).
async fn explain_all(cat: &Catalogue, a: &WhyArgs) -> Result<(Vec<Explanation>, i32), Stop> {
    let text = read_text(a).map_err(usage)?;
    let supplied = Supplied::of(a);
    supplied.validate().map_err(usage)?;
    let all = crate::needs::accessdenied::parse_all(&text).map_err(|e| {
        usage(format!(
            "not an AccessDenied message pydynox-iam can read: {e}"
        ))
    })?;
    let version = match &a.pydynox_version {
        Some(v) => crate::needs::catalogue::parse_version(v).map_err(|e| usage(e.to_string()))?,
        None => cat.newest(),
    };
    let mut out = Vec::new();
    let mut code = exit::PASS;
    let several = all.len() > 1;
    for (n, ad) in all.iter().enumerate() {
        let mut e = describe(cat, &version, ad, &supplied);
        if let Some(target) = e.evaluated.clone() {
            let (_, context) = features_for(
                cat,
                &version,
                std::slice::from_ref(&target.action),
                None,
                ad.operation.as_deref(),
            );
            let check = Check {
                feature: e
                    .features
                    .first()
                    .map(|f| f.name.clone())
                    .unwrap_or_else(|| "not-pydynox".into()),
                action: target.action.clone(),
                resource_kind: resource_kind(&target.resource).to_string(),
                resource: target.resource.clone(),
                context,
            };
            match evaluate_now(cat, a, &target, check, &version).await {
                Ok(mut report) => {
                    if report.rows[0].verdict == Verdict::Pass
                        && let Some(why_not) = denied_out_of_sight(&ad.cause, ad.through.as_ref())
                    {
                        let row = &mut report.rows[0];
                        row.verdict = Verdict::Inconclusive;
                        row.code = ReasonCode::DeniedOutOfSight;
                        row.reason = format!("{why_not}; the policies evaluated allow it");
                        let gate = Gate {
                            allow_inconclusive: report.summary.allow_inconclusive,
                            fail_on: None,
                        };
                        report.conclude(gate);
                    }
                    let row = &report.rows[0];
                    // Offline, nothing shows the organization's SCPs and RCPs unless given: an
                    // SCP or RCP that does not allow the call, or denies it, overrides every
                    // Allow (IAM User Guide, "Policy evaluation logic"), so a PASS without them
                    // is not final. (On AWS the pipeline reads them or marks the row itself.)
                    if row.verdict == Verdict::Pass
                        && a.offline.is_offline()
                        && a.org_policies_file.is_none()
                    {
                        e.next_steps.push(
                            "no service control policy (SCP) nor resource control policy (RCP) was evaluated: the policies given allow the call, which holds only if the organization's SCPs and RCPs allow it too; give them with --org-policies-file FILE".into(),
                        );
                    }
                    e.verdict = Some(row.verdict);
                    e.reason = Some(row.reason.clone());
                    e.fix = report.features.first().and_then(|f| f.fix.clone());
                    e.report = Some(report);
                }
                // The explanation is still printed: what the message means does not depend
                // on reading the policies.
                Err(stop) => {
                    if several {
                        eprintln!("error: message {}: {}", n + 1, stop.message);
                    } else {
                        eprintln!("error: {}", stop.message);
                    }
                    code = worse(code, stop.code);
                    e.next_steps.push(format!(
                        "the policies could not be read ({}): fix that and run again",
                        stop.message
                    ));
                }
            }
        }
        out.push(e);
    }
    Ok((out, code))
}

/// Why a PASS from the policies evaluated now cannot be trusted for this message: AWS said it
/// denied the call with an explicit deny (which no Allow overrides: IAM User Guide, "Policy
/// evaluation logic"), or because a policy type outside the identity and resource policies
/// allowed nothing (a permissions boundary, a session policy, an SCP, an RCP, a VPC endpoint
/// policy). Those documents are not all in the evaluation (`--policy-file` holds identity
/// policies; online, SCPs with conditions, RCPs, session and VPC endpoint policies cannot be
/// read), so the tool says INCONCLUSIVE rather than PASS. "No identity-based / resource-based
/// policy allows" with a PASS now stays PASS: that is the message of a policy since fixed, and
/// the evaluation holds exactly those policies.
fn denied_out_of_sight(cause: &Cause, through: Option<&DenySource>) -> Option<String> {
    let via = through
        .map(|t| format!(" (through a {})", t.name()))
        .unwrap_or_default();
    match cause {
        Cause::ExplicitDeny(src) => Some(format!(
            "AWS reported an explicit deny in {}{via}, which no Allow can override",
            article(src)
        )),
        Cause::NoPermissionsBoundaryAllow => {
            Some("AWS reported that no permissions boundary allowed the call".into())
        }
        Cause::NoSessionPolicyAllow => {
            Some("AWS reported that no session policy allowed the call".into())
        }
        Cause::NoOtherPolicyAllow(src) => Some(format!(
            "AWS reported that no {} allowed the call",
            src.name()
        )),
        Cause::NoIdentityPolicy
        | Cause::NoResourcePolicyAllow
        | Cause::KmsKeyUnavailable
        | Cause::Unspecified => None,
    }
}

/// "a service control policy", "an identity-based policy".
fn article(src: &DenySource) -> String {
    let name = src.name();
    let an = name.starts_with(['a', 'e', 'i', 'o', 'u', 'A', 'E', 'I', 'O', 'U']);
    format!("{} {name}", if an { "an" } else { "a" })
}

/// The worse of two exit codes (2 outranks 3 outranks 1, as with --config).
fn worse(a: i32, b: i32) -> i32 {
    let rank = |c: i32| match c {
        c if c == exit::USAGE => 3,
        c if c == exit::ERROR => 2,
        0 => 0,
        _ => 1,
    };
    if rank(b) > rank(a) { b } else { a }
}

/// The check evaluated now, from policy files offline or from AWS.
async fn evaluate_now(
    cat: &Catalogue,
    a: &WhyArgs,
    target: &Evaluated,
    check: Check,
    version: &semver::Version,
) -> Result<Report, Stop> {
    let engine = a
        .engine
        .map(Into::into)
        .unwrap_or(crate::verdict::pipeline::EngineChoice::Auto);
    let result = if a.offline.is_offline() {
        let sel = principal_from_arn(&target.principal)
            .map(PrincipalSelector::Named)
            .map_err(|e| usage(e.to_string()))?;
        let mut wanted = crate::grants::auth_details::Wanted::default();
        wanted.principal(&sel);
        if check.resource_kind == "role" {
            wanted.trust_role_arn(&check.resource);
        }
        let account = load_offline(
            &a.offline,
            Some(&principal_input(&target.principal)),
            &sel,
            &wanted,
        )
        .map_err(|errors| usage(errors.join("\nerror: ")))?;
        let region = a
            .aws
            .region
            .clone()
            .or_else(|| resource_region(&check.resource))
            .or_else(env_region);
        let ctx = RunContext {
            catalogue: cat,
            region,
            endpoint_url: None,
            engine,
            table_policies: a.offline.table_policies(),
            stated: stated(a),
        };
        explain(&account, &ctx, target, check, version).await
    } else {
        let aws = a
            .aws
            .connect(None, crate::grants::sdk::CallLog::default())
            .await;
        let ctx = RunContext {
            catalogue: cat,
            region: aws.region.clone(),
            endpoint_url: aws.endpoint_url.clone(),
            engine,
            table_policies: a.offline.table_policies(),
            stated: stated(a),
        };
        explain(&aws, &ctx, target, check, version).await
    };
    result.map_err(|e| Stop {
        message: e.to_string(),
        code: e.exit_code(),
    })
}

/// What `why`'s flags state about the run: only the organization's policies, when given.
fn stated(a: &WhyArgs) -> crate::verdict::pipeline::Statements {
    crate::verdict::pipeline::Statements {
        org_policies_file: a.org_policies_file.clone(),
        ..Default::default()
    }
}

/// The principal as `load_offline` wants it named: a role or user ARN.
fn principal_input(principal: &str) -> String {
    match principal_from_arn(principal) {
        Ok(p) if principal.contains(":sts:") => format!(
            "arn:{}:iam::{}:role/{}",
            Arn::parse(principal).map(|a| a.partition).unwrap_or("aws"),
            p.account.unwrap_or_default(),
            p.name
        ),
        _ => principal.to_string(),
    }
}
