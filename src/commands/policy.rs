//! `pydynox-iam policy`: prints the minimal identity policy pydynox needs for the declared
//! features and resources (one, or a reader and a writer policy), as JSON, Terraform or
//! CloudFormation. Pure: no AWS call; the account and region come from flags or the ARNs.

use clap::Args;

use crate::commands::args::env_region;
use crate::commands::output::emit;
use crate::needs::catalogue::Catalogue;
use crate::needs::plan::{Env, PlanInput, build_plan, expand};
use crate::report::model::exit;
use crate::verdict::generate::{self, Format};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Split {
    /// One policy with every action
    None,
    /// A reader policy and a writer policy, for separate roles
    ReadWrite,
}

#[derive(Debug, Args)]
pub struct PolicyArgs {
    /// pydynox features the service uses (as for `check`)
    #[arg(
        long,
        short = 'f',
        value_delimiter = ',',
        required_unless_present = "app"
    )]
    pub features: Vec<String>,
    /// Grant what the service's Python code needs (files or folders, repeatable), as
    /// `check --app` reads it; flags add to it
    #[arg(long = "app", value_name = "PATH")]
    pub app: Vec<std::path::PathBuf>,
    /// With --app: the deployed value of an environment variable the code reads a resource
    /// name from (repeatable)
    #[arg(long = "env", value_name = "NAME=VALUE", requires = "app")]
    pub env: Vec<String>,
    /// DynamoDB table name or ARN (repeatable)
    #[arg(long = "table", value_name = "NAME|ARN")]
    pub tables: Vec<String>,
    /// GSI/LSI name (repeatable)
    #[arg(long = "index", value_name = "NAME")]
    pub indexes: Vec<String>,
    /// Grant every index of the table (table/T/index/*)
    #[arg(long, conflicts_with = "indexes")]
    pub all_indexes: bool,
    /// KMS key ARN (an alias cannot be used: it does not authorize use of the key)
    #[arg(long, value_name = "ARN")]
    pub kms_key: Option<String>,
    #[arg(long)]
    pub bucket: Option<String>,
    #[arg(long, default_value = "")]
    pub prefix: String,
    #[arg(long, value_name = "ARN")]
    pub assume_role_arn: Option<String>,
    /// DynamoDB table name or ARN pydynox.lock keeps its locks in, for the locks features
    #[arg(long, value_name = "NAME|ARN")]
    pub lock_table: Option<String>,
    /// pydynox release whose calls to grant [default: newest known]
    #[arg(long, value_name = "VERSION")]
    pub pydynox_version: Option<String>,
    /// Account id for table and key ARNs given by name or id
    #[arg(long, value_name = "ID")]
    pub account: Option<String>,
    /// Region for table and key ARNs given by name or id
    #[arg(long)]
    pub region: Option<String>,
    #[arg(long, default_value = "aws")]
    pub partition: String,
    /// Print one policy, or a reader and a writer policy
    #[arg(long, value_enum, default_value_t = Split::None)]
    pub split: Split,
    /// json, terraform (an aws_iam_policy_document data source) or cloudformation (a policy resource)
    #[arg(long, default_value = "json")]
    pub format: String,
    /// Name of the Terraform data source / CloudFormation resource
    #[arg(long, default_value = "pydynox")]
    pub name: String,
}

/// Account and region from flags, else from the first full ARN given.
fn env(a: &PolicyArgs) -> Result<Env, String> {
    let from_arns = a
        .tables
        .iter()
        .chain(a.kms_key.iter())
        .filter_map(|s| {
            crate::iam::arn::Arn::parse(s).map(|x| (x.account.to_string(), x.region.to_string()))
        })
        .next();
    let account = a
        .account
        .clone()
        .or_else(|| from_arns.as_ref().map(|x| x.0.clone()));
    let region = a
        .region
        .clone()
        .or_else(|| from_arns.as_ref().map(|x| x.1.clone()))
        .or_else(env_region);
    let needs = a
        .tables
        .iter()
        .chain(a.lock_table.iter())
        .any(|t| !t.starts_with("arn:"))
        || !a.app.is_empty()
        || a.kms_key.as_deref().is_some_and(|k| !k.starts_with("arn:"));
    match (account, region) {
        (Some(account), Some(region)) => Ok(Env {
            partition: a.partition.clone(),
            region,
            account,
            key_arn: None,
        }),
        (account, region) if !needs => Ok(Env {
            partition: a.partition.clone(),
            region: region.unwrap_or_default(),
            account: account.unwrap_or_default(),
            key_arn: None,
        }),
        _ => Err("resources given by name need --account and --region (or give full ARNs)".into()),
    }
}

pub fn execute(cat: &Catalogue, a: &PolicyArgs) -> i32 {
    let mut errors = Vec::new();
    let format: Option<Format> = a.format.parse().map_err(|e: String| errors.push(e)).ok();
    if let Some(k) = &a.kms_key
        && matches!(
            crate::iam::arn::parse_key_input(k),
            Some(crate::iam::arn::KeyInput::Alias(_))
        )
    {
        errors.push(format!("--kms-key `{k}` is an alias; an alias in a policy does not authorize use of the key: pass the key ARN"));
    }
    let input = PlanInput {
        features: a.features.clone(),
        tables: a.tables.clone(),
        indexes: a.indexes.clone(),
        all_indexes: a.all_indexes,
        kms_key: a.kms_key.clone(),
        bucket: a.bucket.clone(),
        prefix: a.prefix.clone(),
        assume_role_arn: a.assume_role_arn.clone(),
        lock_table: a.lock_table.clone(),
        pydynox_version: a.pydynox_version.clone(),
        ..Default::default()
    };
    let plan = if a.app.is_empty() {
        build_plan(cat, &input)
    } else {
        crate::needs::app::plan_from_paths(cat, &input, &a.app, &a.env)
    }
    .map_err(|e| errors.extend(e))
    .ok();
    // A policy that leaves out a call the code makes would be a broken deploy: refuse, and
    // say what resolves each.
    if let Some(app) = plan.as_ref().and_then(|p| p.app.as_ref()) {
        for u in &app.unresolved {
            errors.push(format!(
                "--app: {} for `{}` ({}) cannot be granted: {}",
                u.action, u.feature, u.resource, u.reason
            ));
        }
    }
    if let Some(crate::iam::arn::KeyInput::Alias(k)) =
        plan.as_ref().and_then(|p| p.resources.kms_key.as_ref())
        && a.kms_key.is_none()
    {
        errors.push(format!("--app: the code names the KMS key by alias `{k}`, and an alias in a policy does not authorize use of the key: pass the key ARN with --kms-key"));
    }
    let env = env(a).map_err(|e| errors.push(e)).ok();
    let (Some(plan), Some(mut env), Some(format)) = (plan, env, format) else {
        for e in errors {
            eprintln!("error: {e}");
        }
        return exit::USAGE;
    };
    if !errors.is_empty() {
        for e in errors {
            eprintln!("error: {e}");
        }
        return exit::USAGE;
    }
    env.key_arn = match &plan.resources.kms_key {
        Some(crate::iam::arn::KeyInput::KeyArn(k)) => Some(k.clone()),
        Some(crate::iam::arn::KeyInput::KeyId(k)) => Some(format!(
            "arn:{}:kms:{}:{}:key/{k}",
            env.partition, env.region, env.account
        )),
        _ => None,
    };
    // What the plan says about itself (features `all` left out, the prefix pydynox stores
    // under) goes to stderr, so the policy on stdout stays a document.
    for note in &plan.notes {
        eprintln!("note: {note}");
    }
    let checks = expand(cat, &plan, &env);
    let out = match a.split {
        Split::None => generate::render(&generate::minimal_policy(&checks), &a.name, format),
        Split::ReadWrite => {
            let (reader, writer) = generate::split_read_write(&checks);
            let (r, w) = (
                generate::render(&reader, &format!("{}_reader", a.name), format),
                generate::render(&writer, &format!("{}_writer", a.name), format),
            );
            match format {
                Format::Json => format!(
                    "{{\n  \"reader\": {},\n  \"writer\": {}\n}}\n",
                    indent(&r),
                    indent(&w)
                ),
                _ => format!("{r}\n{w}"),
            }
        }
    };
    match emit(|w| w.write_all(out.as_bytes())) {
        Ok(()) => exit::PASS,
        Err(e) => {
            eprintln!("error: cannot write output: {e}");
            exit::ERROR
        }
    }
}

fn indent(json: &str) -> String {
    json.trim_end().lines().collect::<Vec<_>>().join("\n  ")
}
