//! `check --template FILE` and `check --terraform-plan FILE`: checks principals as
//! infrastructure code will create them, before deploy. Reads the file, picks the principals
//! (`--function`, `--role`, `--user`, or every function and role: a fleet), matches the
//! resource flags with the input's resources, builds each principal's grants
//! ([`held`](crate::grants::iac::held)), evaluates them ([`verdict::iac`](crate::verdict::iac))
//! and renders like every `check`. The only AWS calls: with `--engine aws|both|auto` given,
//! the default versions of managed policies the input only references, through the one adapter.
//!
//! # Resource flags and the input's resources (decided here)
//! `--table`, `--lock-table`, `--kms-key` and `--bucket` take what they take for a live check,
//! and also a resource of the input: its logical id (Terraform: its address) or the name the
//! input gives it. Such a flag stands for that resource *symbolically*: its name and ARN as the
//! input has them, with the parts known only after deploy as symbols, so a policy that names
//! the same resource (`!Ref UrlsTable`, `!GetAtt DataKey.Arn`, `aws_dynamodb_table.urls.arn`)
//! matches it whatever it will be called, and a pattern whose match depends on the unknown part
//! is INCONCLUSIVE. Anything else is a resource outside the input, named as given; its
//! resource policy is not known (state `--no-table-policy` for a table that has none).
//! Resources are never taken from the input unasked: the flags say what the service uses.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::Args;

use super::{CheckArgs, Finished, Job};
use crate::commands::args::Engine;
use crate::commands::output::print_errors;
use crate::engine::PolicyDocument;
use crate::grants::iac::held::{
    IacGrants, ManagedDocuments, encoded_env, function_environment, grants_of, table_named,
};
use crate::grants::iac::{
    Bucket, FunctionRole, IacModel, ManagedDocument, ManagedPolicyArn, PlanOptions, Principal,
    PrincipalKind, SourceKind, TemplateOptions, Text, read_plan, read_template,
};
use crate::grants::source::Aws;
use crate::iam::arn::KeyInput;
use crate::needs::app::AppResource;
use crate::needs::catalogue::Catalogue;
use crate::needs::plan::{CheckPlan, Env, TablePolicies, build_plan, expand};
use crate::report::model::{Gate, exit};
use crate::verdict::iac::{IacSubject, evaluate, outside_resources};

/// Before deploy: the principal as a template or a Terraform plan will create it.
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Before deploy (infrastructure code)")]
pub struct IacArgs {
    /// Check a CloudFormation or SAM template (YAML or JSON; `cdk synth` output too) before
    /// deploy: the principal is --function or --role (a logical id or the role name the
    /// template gives), else every function and role (a fleet report)
    #[arg(long, value_name = "FILE", conflicts_with = "terraform_plan")]
    pub template: Option<PathBuf>,
    /// Check a Terraform plan (`terraform show -json` output) before apply: the principal is
    /// --role ADDRESS (`aws_iam_role.orders`, `module.x.aws_iam_role.y`), else every role
    #[arg(long, value_name = "FILE")]
    pub terraform_plan: Option<PathBuf>,
    /// With --template: the function whose role to check (logical id, or its FunctionName)
    #[arg(long, value_name = "LOGICAL_ID", conflicts_with_all = ["role", "user"])]
    pub function: Option<String>,
    /// With --template: the stack name (`AWS::StackName`, and generated names' prefix)
    #[arg(long, value_name = "NAME")]
    pub stack_name: Option<String>,
    /// With --template: a parameter value, overriding its default (repeatable)
    #[arg(long = "parameter", value_name = "KEY=VALUE")]
    pub parameters: Vec<String>,
    /// The account the input deploys into (`AWS::AccountId`); without it, a symbol
    #[arg(long, value_name = "ACCOUNT")]
    pub account: Option<String>,
    /// The document of a managed policy the input only references (AWS managed or customer
    /// managed), as a JSON policy document: ARN=FILE (repeatable); for a SAM managed policy
    /// name, NAME=FILE
    #[arg(long = "managed-policy-file", value_name = "ARN=FILE")]
    pub managed_policy_files: Vec<String>,
}

impl IacArgs {
    pub fn is_set(&self) -> bool {
        self.template.is_some() || self.terraform_plan.is_some()
    }
    fn file(&self) -> &Path {
        self.template
            .as_deref()
            .or(self.terraform_plan.as_deref())
            .expect("is_set")
    }
}

/// A resource flag resolved against the input.
#[derive(Debug, Clone)]
enum Named {
    /// A resource of the input: its name (table, bucket) or ARN (key) as the input has it.
    Input(Text),
    /// Outside the input, as given.
    Given(String),
}

/// Runs `check` on infrastructure code and returns the exit code.
pub async fn execute(cat: &Catalogue, a: &CheckArgs) -> i32 {
    match run(cat, a).await {
        Ok(code) => code,
        Err((errors, code)) => {
            print_errors(&errors);
            code
        }
    }
}

type Failure = (Vec<String>, i32);

fn usage(errors: Vec<String>) -> Failure {
    (errors, exit::USAGE)
}

/// Flags that do not apply to a check of infrastructure code.
fn flag_errors(a: &CheckArgs) -> Vec<String> {
    let i = &a.iac;
    let mut errors = Vec::new();
    let given = |b: bool, flag: &str, errors: &mut Vec<String>| {
        if b {
            errors.push(format!(
                "{flag} cannot be used with --template or --terraform-plan (the principal's policies come from the file)"
            ));
        }
    };
    given(a.principal.is_some(), "--principal", &mut errors);
    given(a.fleet.config.is_some(), "--config", &mut errors);
    given(
        a.fleet.from_snapshot.is_some(),
        "--from-snapshot",
        &mut errors,
    );
    given(
        a.fleet.save_snapshot.is_some(),
        "--save-snapshot",
        &mut errors,
    );
    given(
        a.offline.is_offline(),
        "--policy-file/--from-auth-details",
        &mut errors,
    );
    given(a.least_privilege, "--least-privilege", &mut errors);
    if !a.app.is_empty() {
        // The code's needs with the template's grants: the code's resource names come from
        // the function's environment, so the function is required; a Terraform plan has no
        // function environment the scan could read (yet), so it is refused, not half-joined.
        if i.terraform_plan.is_some() {
            errors.push("--app works with --template and --function; with --terraform-plan give the features and tables with --features and --table".into());
        } else if i.function.is_none() {
            errors.push("--app with --template needs --function LOGICAL_ID: the function whose code it is (its Environment.Variables name the code's tables)".into());
        }
        let resource_flags = [
            ("--table", !a.tables.is_empty()),
            ("--index", !a.indexes.is_empty() || a.all_indexes),
            ("--lock-table", a.lock_table.is_some()),
            ("--kms-key", a.kms_key.is_some()),
            ("--bucket", a.bucket.is_some()),
        ];
        for (flag, given) in resource_flags {
            if given {
                errors.push(format!(
                    "{flag} cannot be used with --app and --template: the code names its resources (give a deployed value with --env NAME=VALUE)"
                ));
            }
        }
    } else if a.features.is_empty() {
        errors.push("--features is required with --template or --terraform-plan".into());
    }
    if i.terraform_plan.is_some() {
        if i.function.is_some() {
            errors.push("--function is for --template; with --terraform-plan name the role: --role aws_iam_role.NAME".into());
        }
        if i.stack_name.is_some() || !i.parameters.is_empty() {
            errors.push("--stack-name and --parameter are for --template; a Terraform plan has its variables' values already".into());
        }
    }
    if let Some(acct) = &i.account
        && !crate::iam::names::is_account_id(acct)
    {
        errors.push(format!(
            "--account `{acct}` is not an AWS account id; give the 12 digits of the account the input deploys into"
        ));
    }
    errors
}

fn parameters(i: &IacArgs) -> Result<Vec<(String, String)>, Vec<String>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for p in &i.parameters {
        match p.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => out.push((k.trim().to_string(), v.to_string())),
            _ => errors.push(format!(
                "--parameter `{p}` is not KEY=VALUE (for example --parameter Env=prod)"
            )),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// `--managed-policy-file ARN=FILE`, each read and parsed.
fn managed_files(i: &IacArgs) -> Result<BTreeMap<String, String>, Vec<String>> {
    let mut out = BTreeMap::new();
    let mut errors = Vec::new();
    for spec in &i.managed_policy_files {
        let Some((arn, file)) = spec
            .rsplit_once('=')
            .filter(|(a, f)| !a.is_empty() && !f.is_empty())
        else {
            errors.push(format!(
                "--managed-policy-file `{spec}` is not ARN=FILE (for example arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess=readonly.json)"
            ));
            continue;
        };
        match std::fs::read_to_string(file) {
            Err(e) => errors.push(format!(
                "cannot read `{file}` (--managed-policy-file {arn}): {e}"
            )),
            Ok(text) => match PolicyDocument::parse(&text) {
                Err(e) => errors.push(format!(
                    "`{file}` (--managed-policy-file {arn}) is not a policy document: {e}"
                )),
                Ok(_) => {
                    out.insert(arn.to_string(), text);
                }
            },
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

fn read_model(a: &CheckArgs) -> Result<IacModel, Failure> {
    let i = &a.iac;
    let path = i.file();
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| usage(vec![format!("cannot read `{shown}`: {e}")]))?;
    let result = if i.template.is_some() {
        let parameters = parameters(i).map_err(usage)?;
        read_template(
            &shown,
            &text,
            &TemplateOptions {
                stack_name: i.stack_name.clone(),
                account: i.account.clone(),
                region: a.aws.region.clone(),
                parameters,
            },
        )
    } else {
        read_plan(
            &shown,
            &text,
            &PlanOptions {
                account: i.account.clone(),
                region: a.aws.region.clone(),
            },
        )
    };
    result.map_err(|e| usage(e.0.iter().map(ToString::to_string).collect()))
}

/// The principals to check: (service name, principal).
fn principals<'m>(
    model: &'m IacModel,
    a: &CheckArgs,
) -> Result<Vec<(String, &'m Principal)>, Failure> {
    let i = &a.iac;
    let err = |e: crate::grants::iac::IacError| usage(vec![e.to_string()]);
    if let Some(f) = &i.function {
        let Some(func) = model.function(f) else {
            let have: Vec<String> = model
                .functions
                .iter()
                .map(|f| format!("`{}`", f.id))
                .collect();
            return Err(usage(vec![format!(
                "{}: function `{f}` is not in the template (functions: {}); name one with --function LOGICAL_ID",
                model.file,
                if have.is_empty() {
                    "none".into()
                } else {
                    have.join(", ")
                }
            )]));
        };
        return match &func.role {
            FunctionRole::Principal { id } => {
                let p = model
                    .principals
                    .iter()
                    .find(|p| &p.id == id)
                    .ok_or_else(|| {
                        usage(vec![format!(
                            "{}: the role `{id}` of function `{f}` is not in the template",
                            model.file
                        )])
                    })?;
                Ok(vec![(func.id.clone(), p)])
            }
            FunctionRole::External { arn } => Err(usage(vec![format!(
                "{}: function `{f}` runs as role `{arn}`, which the template does not create; check that role live with --role NAME",
                model.file
            )])),
            FunctionRole::Unknown { unknown } => Err(usage(vec![format!(
                "{}: the role of function `{f}` is not known before deploy ({unknown}); check the role live after deploy",
                model.file
            )])),
        };
    }
    if let Some(r) = &a.role {
        return Ok(vec![(
            r.clone(),
            model.find_principal(PrincipalKind::Role, r).map_err(err)?,
        )]);
    }
    if let Some(u) = &a.user {
        return Ok(vec![(
            u.clone(),
            model.find_principal(PrincipalKind::User, u).map_err(err)?,
        )]);
    }
    // Every function (as the service it is) and every other role: one service per principal.
    let mut out: Vec<(String, &Principal)> = Vec::new();
    for f in &model.functions {
        if let FunctionRole::Principal { id } = &f.role
            && let Some(p) = model.principals.iter().find(|p| &p.id == id)
        {
            out.push((f.id.clone(), p));
        }
    }
    for p in model
        .principals
        .iter()
        .filter(|p| p.kind == PrincipalKind::Role)
    {
        if !out.iter().any(|(_, q)| q.id == p.id) {
            out.push((p.id.clone(), p));
        }
    }
    if out.is_empty() {
        return Err(usage(vec![format!(
            "{}: there is no function or role to check",
            model.file
        )]));
    }
    Ok(out)
}

/// A table flag: a table of the input by logical id (address) or known name, else as given.
/// What `--app` names a template table by: the function's environment variable set to the
/// table (`TABLE: !Ref Orders`) becomes `--env TABLE=` this prefix and the logical id, a valid
/// table name no code literal is taken for (a literal is matched by the table's known name only,
/// never by a logical id, which is not a name the code can reach).
const APP_TABLE_MARK: &str = "pydynox-iam-template-table.";

/// The `--env` values the template gives the function's code: a variable set to a template
/// table names it; a known string is itself; anything else (a key ARN, a value known only after
/// deploy) is left out, so the scan reports it unresolved and its rows are INCONCLUSIVE naming
/// `--env`. The user's `--env` entries come last and win.
fn template_env(model: &IacModel, function: &str, user: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for (name, value) in function_environment(model, function).unwrap_or_default() {
        let Ok(text) = value else { continue };
        if let Some(tb) = table_named(model, &text) {
            out.push(format!("{name}={APP_TABLE_MARK}{}", tb.id));
        } else if let Some(v) = text.as_known() {
            out.push(format!("{name}={v}"));
        }
    }
    out.extend(user.iter().cloned());
    out
}

/// A table name of the code (`--app`): a template table it reaches through the environment, or
/// whose known name it writes; any other name is outside the input.
fn app_table(model: &IacModel, t: &str) -> Named {
    let found = match t.strip_prefix(APP_TABLE_MARK) {
        Some(id) => model.tables.iter().find(|tb| tb.id == id),
        None => model.tables.iter().find(|tb| tb.name.as_known() == Some(t)),
    };
    match found {
        Some(tb) => Named::Input(tb.name.clone()),
        None => Named::Given(t.to_string()),
    }
}

fn table_flag(model: &IacModel, t: &str) -> Named {
    match model
        .tables
        .iter()
        .find(|tb| tb.id == t || tb.name.as_known() == Some(t))
    {
        Some(tb) => Named::Input(tb.name.clone()),
        None => Named::Given(t.to_string()),
    }
}

fn key_flag(model: &IacModel, k: &str) -> Option<Text> {
    model
        .keys
        .iter()
        .find(|key| {
            key.id == k
                || key.arn.as_known() == Some(k)
                || key.aliases.iter().any(|al| al.as_known() == Some(k))
        })
        .map(|key| key.arn.clone())
}

/// Why the input's bucket named by `--bucket` may encrypt with SSE-KMS, or `None` when the input
/// rules it out. Fail safe: only a CloudFormation/SAM bucket whose `BucketEncryption` is absent
/// (S3 then applies SSE-S3 by default) or names `AES256` is taken as not SSE-KMS. The Terraform
/// reader does not read `aws_s3_bucket_server_side_encryption_configuration`, so a plan's bucket
/// is always in doubt; a bucket outside the input is INCONCLUSIVE already (its policy is not known).
fn bucket_encryption_doubt(model: &IacModel, b: &str) -> Option<String> {
    let bucket = template_bucket(model, b)?;
    let file = &model.file;
    if model.source == SourceKind::TerraformPlan {
        return Some(format!(
            "the default encryption of bucket `{}` is not read from `{file}` (a KMS key would need kms:GenerateDataKey and kms:Decrypt rows); check it live after deploy",
            bucket.id
        ));
    }
    match bucket.encryption_algorithm.as_ref().map(|t| t.as_known()) {
        None | Some(Some("AES256")) => None,
        Some(Some(alg)) => Some(format!(
            "bucket `{}` encrypts with `{alg}` (BucketEncryption in `{file}`): object calls also need kms:GenerateDataKey and kms:Decrypt on its key, which this pre-deploy check does not add; check it live after deploy",
            bucket.id
        )),
        Some(None) => Some(format!(
            "the SSEAlgorithm of bucket `{}` in `{file}` is known only after deploy, and with SSE-KMS object calls also need kms:GenerateDataKey and kms:Decrypt on its key",
            bucket.id
        )),
    }
}

/// The input's bucket `--bucket` names, by logical id or known name.
fn template_bucket<'m>(model: &'m IacModel, b: &str) -> Option<&'m Bucket> {
    model
        .buckets
        .iter()
        .find(|x| x.id == b || x.name.as_known() == Some(b))
}

fn bucket_flag(model: &IacModel, b: &str) -> Option<Text> {
    template_bucket(model, b).map(|x| x.name.clone())
}

/// Known ARNs (or SAM names) of the managed policies the chosen principals only reference.
fn referenced(principals: &[(String, &Principal)]) -> Vec<String> {
    let mut out = Vec::new();
    for (_, p) in principals {
        let refs = p
            .policies
            .iter()
            .filter_map(|ip| match &ip.body {
                crate::grants::iac::PolicyBody::Managed(r) => Some(r),
                _ => None,
            })
            .chain(p.boundary.iter());
        for r in refs {
            if let (ManagedDocument::Referenced, ManagedPolicyArn::Arn(t)) = (&r.document, &r.arn)
                && let Some(arn) = t.as_known()
                && !out.iter().any(|x| x == arn)
            {
                out.push(arn.to_string());
            }
        }
    }
    out
}

async fn run(cat: &Catalogue, a: &CheckArgs) -> Result<i32, Failure> {
    let errors = flag_errors(a);
    if !errors.is_empty() {
        return Err(usage(errors));
    }
    let mut by_arn = managed_files(&a.iac).map_err(usage)?;
    let model = read_model(a)?;
    let chosen = principals(&model, a)?;

    // With credentials asked for, the managed policies the input only references are read
    // from IAM (default version), through the one adapter.
    if matches!(a.engine, Some(Engine::Aws | Engine::Both | Engine::Auto)) {
        let missing: Vec<String> = referenced(&chosen)
            .into_iter()
            .filter(|arn| !by_arn.contains_key(arn))
            .collect();
        if !missing.is_empty() {
            let aws = a
                .aws
                .connect(None, crate::grants::sdk::CallLog::default())
                .await;
            for arn in missing {
                match aws.get_managed_policy(&arn).await {
                    Ok((_, doc)) => {
                        by_arn.insert(arn, doc);
                    }
                    Err(e) => {
                        return Err((
                            vec![format!("cannot read managed policy `{arn}` from IAM: {e}")],
                            exit::ERROR,
                        ));
                    }
                }
            }
        }
    }
    // What is left: AWS managed policies the tool carries a published copy of, said in notes.
    let mut bundled_notes = Vec::new();
    for arn in referenced(&chosen) {
        if !by_arn.contains_key(&arn)
            && let Some((version, edited, doc)) =
                crate::grants::iac::held::bundled_aws_managed(&arn)
        {
            bundled_notes.push(format!(
                "AWS managed policy `{arn}`: its document is the tool's copy of version {version} (as AWS published it, last edited {edited}); with credentials (--engine aws) the current default version is read from IAM, or give it with --managed-policy-file"
            ));
            by_arn.insert(arn, doc);
        }
    }
    let docs = ManagedDocuments {
        by_arn,
        hint: "--managed-policy-file ARN=FILE (or read it from IAM with credentials: --engine aws)"
            .into(),
    };

    // The plan, without the flags that name the input's resources (they are not names).
    let mut tables: Vec<Named> = a.tables.iter().map(|t| table_flag(&model, t)).collect();
    let mut lock = a.lock_table.as_deref().map(|t| table_flag(&model, t));
    let key = a.kms_key.as_deref().and_then(|k| key_flag(&model, k));
    let bucket = a.bucket.as_deref().and_then(|b| bucket_flag(&model, b));
    let mut input = a.plan_input();
    input.role = None;
    input.user = None;
    input.principal = None;
    // The plan's validation sees a valid stand-in for each resource of the input; each plan
    // below replaces it with the resource as the input names it.
    const STAND_IN: &str = "resource-of-the-input";
    input.tables = tables
        .iter()
        .map(|t| match t {
            Named::Given(s) => s.clone(),
            Named::Input(_) => STAND_IN.into(),
        })
        .collect();
    if matches!(lock, Some(Named::Input(_))) {
        input.lock_table = Some(STAND_IN.into());
    }
    if key.is_some() {
        input.kms_key = Some("00000000-0000-0000-0000-000000000000".into());
    }
    if bucket.is_some() {
        input.bucket = Some(STAND_IN.into());
    }
    let base_plan = match a.iac.function.as_deref().filter(|_| !a.app.is_empty()) {
        None => build_plan(cat, &input).map_err(usage)?,
        Some(f) => {
            // The code's needs; its tables named through the function's environment.
            let env = template_env(&model, f, &a.env);
            let plan =
                crate::needs::app::plan_from_paths(cat, &input, &a.app, &env, a.include_tests)
                    .map_err(usage)?;
            tables = plan
                .resources
                .tables
                .iter()
                .map(|t| app_table(&model, t))
                .collect();
            lock = plan
                .resources
                .lock_table
                .as_deref()
                .map(|t| app_table(&model, t));
            plan
        }
    };
    if let Some(KeyInput::Alias(al)) = &base_plan.resources.kms_key {
        return Err(usage(vec![format!(
            "--kms-key `{al}` is an alias, which is resolved only in AWS; before deploy give the key's ARN or the template key's logical id"
        )]));
    }
    let file = model.file.clone();
    let mut finished_jobs: Vec<(Job, crate::report::model::Report)> = Vec::new();
    for (service, principal) in &chosen {
        let mut grants: IacGrants = grants_of(&model, principal, &docs);
        let enc = &mut grants.encoder;
        let (partition, region, account) = encoded_env(&model, enc);
        let mut plan: CheckPlan = base_plan.clone();
        let mut encode = |n: &Named| match n {
            Named::Input(t) => enc.text(t).unwrap_or_default(),
            Named::Given(s) => s.clone(),
        };
        plan.resources.tables = tables.iter().map(&mut encode).collect();
        if let Some(l) = &lock {
            plan.resources.lock_table = Some(encode(l));
        }
        if let Some(app) = &mut plan.app {
            for c in &mut app.checks {
                if let AppResource::Table { table }
                | AppResource::LockTable { table }
                | AppResource::Index { table, .. } = &mut c.resource
                {
                    *table = encode(&app_table(&model, table));
                }
            }
        }
        let key_arn = match (&key, &base_plan.resources.kms_key.clone()) {
            (Some(k), _) => {
                let arn = enc.text(k).unwrap_or_default();
                plan.resources.kms_key = Some(KeyInput::KeyArn(arn.clone()));
                Some(arn)
            }
            (None, Some(KeyInput::KeyArn(k))) => Some(k.clone()),
            (None, Some(KeyInput::KeyId(id))) => {
                Some(format!("arn:{partition}:kms:{region}:{account}:key/{id}"))
            }
            _ => None,
        };
        let bucket_name = match &bucket {
            Some(b) => {
                let n = enc.text(b).unwrap_or_default();
                plan.resources.bucket = Some(n.clone());
                Some(n)
            }
            None => base_plan.resources.bucket.clone(),
        };
        let env = Env {
            partition,
            region: region.clone(),
            account,
            key_arn,
        };
        let checks = expand(cat, &plan, &env);
        let outside = outside_resources(
            &checks,
            bucket_name.as_deref(),
            &grants.resource_policies,
            a.offline.no_table_policy,
            &format!("`{file}`"),
        );
        grants.resource_policies.extend(outside);
        let mut notes = plan.notes.clone();
        notes.push(format!(
            "checked before deploy from `{file}`: `{}` ({} {}) as the input will create it",
            service,
            principal.kind.as_str(),
            principal.id
        ));
        notes.extend(model.notes.iter().cloned());
        notes.extend(bundled_notes.iter().cloned());
        let mut report = evaluate(
            cat,
            IacSubject {
                grants: &grants,
                checks,
                bucket: bucket_name,
                bucket_owner: a.stated.bucket_owner.clone(),
                bucket_encryption_doubt: a
                    .bucket
                    .as_deref()
                    .and_then(|b| bucket_encryption_doubt(&model, b)),
                region,
                pydynox_version: plan.version.to_string(),
                notes,
                org: a
                    .stated
                    .org_policies_file
                    .as_ref()
                    .and_then(|f| f.to_engine().ok()),
            },
        );
        // `--app`: each need the code shows but the scan could not pin down cannot pass.
        if let Some(app) = &base_plan.app {
            crate::verdict::pipeline::add_code_locations(&mut report, app);
        }
        if let Some(app) = &plan.app {
            crate::verdict::pipeline::add_unresolved_rows(cat, &mut report, app);
        }
        // Where the principal's policies are written: what a row that did not pass needs
        // changed (the input gives no line numbers; the resource names the place).
        for row in &mut report.rows {
            if row.verdict != crate::report::model::Verdict::Pass {
                row.locations.push(crate::report::model::SourceLocation {
                    kind: crate::report::model::LocationKind::Grant,
                    file: file.clone(),
                    line: None,
                    column: None,
                    what: format!("{} ({})", principal.id, principal.defined_by),
                });
            }
        }
        report.conclude(Gate {
            allow_inconclusive: a.allow_inconclusive,
            fail_on: None,
        });
        finished_jobs.push((
            Job {
                name: service.clone(),
                plan,
                allow_inconclusive: a.allow_inconclusive,
                expected: vec![],
                bucket_owner: a.stated.bucket_owner.clone(),
                table_policies: if a.offline.no_table_policy {
                    TablePolicies::AssumeNone
                } else {
                    TablePolicies::Read
                },
            },
            report,
        ));
    }
    let is_fleet = a.iac.function.is_none() && a.role.is_none() && a.user.is_none();
    let finished: Vec<Finished> = finished_jobs
        .iter()
        .map(|(job, report)| Finished {
            job: std::borrow::Cow::Borrowed(job),
            exit_code: report.exit_code(),
            result: Ok(report.clone()),
        })
        .collect();
    let code = exit::worst(finished.iter().map(|f| f.exit_code));
    match super::write_report(a, &finished, is_fleet) {
        Ok(()) => Ok(code),
        Err(e) => Err((vec![format!("cannot write output: {e}")], exit::ERROR)),
    }
}
