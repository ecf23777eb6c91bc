//! `pydynox-iam why "<error text>"`: explains an AccessDenied a pydynox service logged. Parses
//! the message, finds the pydynox features that make that call, evaluates the principal's
//! policies now (IAM's simulator and/or the local engine, online or from policy files), and
//! says what blocks it and what to change. Owns the explanation; the verdict comes from the
//! same pipeline as `check`.

use std::io::{self, Read};

use clap::Args;

use crate::commands::args::{AwsArgs, Engine, Format, OfflineArgs, env_region, load_offline};
use crate::commands::output::emit;
use crate::grants::source::Aws;
use crate::needs::accessdenied::{AccessDenied, Cause, DenySource};
use crate::needs::catalogue::{Catalogue, ContextEntry};
use crate::needs::plan::{Check, PrincipalSelector};
use crate::report::model::{Report, exit};
use crate::report::why::{self, Explanation, FeatureUse};
use crate::verdict::fetch::ManagedCache;
use crate::verdict::pipeline::{
    CheckError, RunContext, Subject, evaluate_checks, resolve_engine, resolve_principal,
};

#[derive(Debug, Args)]
pub struct WhyArgs {
    /// The error as the application logged it; read from standard input when omitted or `-`
    pub text: Option<String>,
    /// The KMS key ARN, for KMS messages that say only "on this resource"
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
    #[command(flatten)]
    pub offline: OfflineArgs,
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// The catalogue resource kind of a concrete ARN.
fn resource_kind(arn: &str) -> &'static str {
    if arn == "*" {
        return "any";
    }
    let service = crate::iam::arn::Arn::parse(arn)
        .map(|a| a.service)
        .unwrap_or_default();
    match crate::iam::actions::resource_type_of(service, arn) {
        Some("table") => "table",
        Some("index") => "index",
        Some("key") => "kms-key",
        Some("object") => "s3-object",
        Some("role") => "role",
        _ => "other",
    }
}

/// The features that make this call, and the request context AWS evaluates with it: the
/// transaction context when the error came from a transaction.
fn features_for(
    cat: &Catalogue,
    version: &semver::Version,
    ad: &AccessDenied,
) -> (Vec<FeatureUse>, Vec<ContextEntry>) {
    let in_transaction = matches!(
        ad.operation.as_deref(),
        Some("TransactWriteItems" | "TransactGetItems")
    );
    let mut uses = Vec::new();
    let mut context = None;
    for f in &cat.features {
        for c in cat.checks_for(f, version) {
            if !c.action.eq_ignore_ascii_case(&ad.action) {
                continue;
            }
            if !uses.iter().any(|u: &FeatureUse| u.name == f.name) {
                uses.push(FeatureUse {
                    name: f.name.clone(),
                    summary: f.summary.clone(),
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

/// What the message itself says that the policies alone cannot show.
fn advice(ad: &AccessDenied) -> Vec<String> {
    let mut out = Vec::new();
    let cannot_help = "adding an Allow will not help";
    match &ad.cause {
        Cause::ExplicitDeny(DenySource::ServiceControlPolicy) => out.push(format!(
            "AWS reports an explicit deny in a service control policy{}: it wins, {cannot_help}; the organization's administrators must change it",
            ad.denying_policy.as_deref().map(|p| format!(" (`{p}`)")).unwrap_or_default()
        )),
        Cause::ExplicitDeny(DenySource::ResourceControlPolicy) => out.push(format!(
            "AWS reports an explicit deny in a resource control policy: it wins, {cannot_help}; the organization's administrators must change it"
        )),
        Cause::ExplicitDeny(DenySource::SessionPolicy) | Cause::NoSessionPolicyAllow => out.push(
            "AWS names the session policy passed when the role was assumed: this tool does not see session policies; change what the caller passes to AssumeRole".into(),
        ),
        Cause::ExplicitDeny(DenySource::VpcEndpointPolicy) => out.push(format!(
            "AWS reports an explicit deny in a VPC endpoint policy: {cannot_help}; change the endpoint's policy"
        )),
        Cause::ExplicitDeny(DenySource::PermissionsBoundary) | Cause::NoPermissionsBoundaryAllow => out.push(
            "AWS names the permissions boundary: the boundary must allow this action too".into(),
        ),
        Cause::ExplicitDeny(DenySource::ResourcePolicy) | Cause::NoResourcePolicyAllow => out.push(
            "AWS names a resource-based policy (table, key or bucket policy): change it, or check with --engine local, which reads key and bucket policies".into(),
        ),
        Cause::ExplicitDeny(_) => out.push(format!("AWS reports an explicit deny: {cannot_help}; remove or narrow the Deny")),
        Cause::NoOtherPolicyAllow(source) => out.push(format!("AWS says no {source:?} allows it; that policy must allow it too")),
        _ => {}
    }
    if ad.action.to_ascii_lowercase().starts_with("kms:") {
        out.push(
            "pydynox's KMS client uses the default credential chain, not the DynamoDBClient's role or profile: make sure the principal in the message is the one you audit".into(),
        );
    }
    out
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
    ad: &AccessDenied,
    check: Check,
    version: &semver::Version,
) -> Result<Report, CheckError> {
    let engine = resolve_engine(ctx.engine, aws.can_simulate(), ctx.endpoint_url.as_deref())?;
    let region = ctx.region.clone().ok_or(CheckError::NoRegion)?;
    let principal_ref = ad.principal_ref()?;
    let principal = resolve_principal(aws, &PrincipalSelector::Named(principal_ref)).await?;
    let bucket = (check.resource_kind == "s3-object")
        .then(|| {
            check
                .resource
                .trim_start_matches("arn:aws:s3:::")
                .split('/')
                .next()
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

/// Runs `why` and returns the exit code: 0 when the denial was explained, 2 for text that
/// is not an AccessDenied or a missing input, 3 for AWS errors.
pub async fn execute(cat: &Catalogue, a: &WhyArgs) -> i32 {
    let explanation = match explain_denial(cat, a).await {
        Ok(e) => e,
        Err(stop) => {
            eprintln!("error: {}", stop.message);
            return stop.code;
        }
    };
    let r = emit(|w| match a.format {
        Format::Json => why::explanation_json(w, &explanation),
        Format::Table => why::explanation_text(w, &explanation),
    });
    match r {
        Ok(()) => exit::PASS,
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

/// Reads and parses the message, finds what it denied and which features make that call,
/// evaluates it now, and puts it all together.
async fn explain_denial(cat: &Catalogue, a: &WhyArgs) -> Result<Explanation, Stop> {
    let text = read_text(a).map_err(usage)?;
    let ad = crate::needs::accessdenied::parse(&text).map_err(|e| {
        usage(format!(
            "not an AccessDenied message pydynox-iam can read: {e}"
        ))
    })?;
    let version = match &a.pydynox_version {
        Some(v) => crate::needs::catalogue::parse_version(v).map_err(|e| usage(e.to_string()))?,
        None => cat.newest(),
    };
    let resource = denied_resource(&ad, a)?;
    let (features, context) = features_for(cat, &version, &ad);
    let check = Check {
        feature: features
            .first()
            .map(|f| f.name.clone())
            .unwrap_or_else(|| "not-pydynox".into()),
        action: ad.action.clone(),
        resource_kind: resource_kind(&resource).to_string(),
        resource,
        context,
    };
    let report = evaluate_now(cat, a, &ad, check, &version).await?;
    let row = &report.rows[0];
    Ok(Explanation {
        schema: "pydynox-iam/why/v1",
        features,
        verdict: row.verdict,
        reason: row.reason.clone(),
        fix: report.features.first().and_then(|f| f.fix.clone()),
        advice: advice(&ad),
        access_denied: ad,
        report,
    })
}

/// The denied resource: from the message, else `--kms-key`, else `*` for an action that has no
/// resource type.
fn denied_resource(ad: &AccessDenied, a: &WhyArgs) -> Result<String, Stop> {
    match (&ad.resource, &a.kms_key) {
        (Some(r), _) => Ok(r.clone()),
        (None, Some(k)) => Ok(k.clone()),
        (None, None)
            if crate::iam::actions::lookup(&ad.action)
                .is_some_and(|i| i.resource_types.is_empty()) =>
        {
            Ok("*".into())
        }
        (None, None) => Err(usage(format!(
            "the message does not name the resource of `{}`; pass it (for KMS: --kms-key KEY_ARN)",
            ad.action
        ))),
    }
}

/// The check evaluated now, from policy files offline or from AWS.
async fn evaluate_now(
    cat: &Catalogue,
    a: &WhyArgs,
    ad: &AccessDenied,
    check: Check,
    version: &semver::Version,
) -> Result<Report, Stop> {
    let engine = a
        .engine
        .map(Into::into)
        .unwrap_or(crate::verdict::pipeline::EngineChoice::Auto);
    let result = if a.offline.is_offline() {
        let sel = ad
            .principal_ref()
            .map(PrincipalSelector::Named)
            .map_err(|e| usage(e.to_string()))?;
        let mut wanted = crate::grants::auth_details::Wanted::default();
        wanted.principal(&sel);
        if check.resource_kind == "role" {
            wanted.trust_role_arn(&check.resource);
        }
        let account = load_offline(&a.offline, Some(&principal_input(ad)), &sel, &wanted)
            .map_err(|errors| usage(errors.join("\nerror: ")))?;
        let region = a
            .aws
            .region
            .clone()
            .or_else(|| {
                crate::iam::arn::Arn::parse(&check.resource)
                    .map(|x| x.region.to_string())
                    .filter(|r| !r.is_empty())
            })
            .or_else(env_region);
        let ctx = RunContext {
            catalogue: cat,
            region,
            endpoint_url: None,
            engine,
            table_policies: a.offline.table_policies(),
            stated: Default::default(),
        };
        explain(&account, &ctx, ad, check, version).await
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
            stated: Default::default(),
        };
        explain(&aws, &ctx, ad, check, version).await
    };
    result.map_err(|e| Stop {
        message: e.to_string(),
        code: e.exit_code(),
    })
}

/// The principal as `load_offline` wants it named: a role or user ARN.
fn principal_input(ad: &AccessDenied) -> String {
    match ad.principal_ref() {
        Ok(p) if ad.principal.contains(":sts:") => format!(
            "arn:{}:iam::{}:role/{}",
            crate::iam::arn::Arn::parse(&ad.principal)
                .map(|a| a.partition)
                .unwrap_or("aws"),
            p.account.unwrap_or_default(),
            p.name
        ),
        _ => ad.principal.clone(),
    }
}
