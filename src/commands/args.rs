//! Flags and flag types that several commands share (the AWS connection, offline inputs, the
//! `table`/`json` format, the evaluator, the exit-code help), and what turns them into inputs:
//! the SDK adapter for `--region`/`--profile`/`--endpoint-url`, an offline account from policy
//! files. Shared by the commands, so it must not import any of them.

use clap::{Args, ValueEnum};

use crate::needs::plan::PrincipalSelector;

pub const EXIT_CODES: &str = "\
Exit codes:
  0  every check passed (INCONCLUSIVE counts as passed only with --allow-inconclusive)
  1  at least one check FAILED, or was INCONCLUSIVE, or a least-privilege finding is at or
     above --fail-on
  2  usage or input error (bad flag, unknown feature, a feature's resource flag missing, an
     offline input or snapshot that lacks the named principal, a replay of another plan)
  3  AWS or tool error (no credentials, principal not found in AWS, the auditor lacks an iam:
     permission, throttled beyond retries, network failure)";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

/// Which evaluator decides (see `check --help`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Engine {
    /// IAM's SimulatePrincipalPolicy
    Aws,
    /// The offline engine over the fetched policies, with key, bucket and trust policies
    Local,
    /// Both, reporting every disagreement; a row passes only if both allow it
    Both,
    /// AWS's simulator on AWS, the local engine on LocalStack and offline
    Auto,
}

impl From<Engine> for crate::verdict::pipeline::EngineChoice {
    fn from(e: Engine) -> Self {
        match e {
            Engine::Aws => crate::verdict::pipeline::EngineChoice::Aws,
            Engine::Local => crate::verdict::pipeline::EngineChoice::Local,
            Engine::Both => crate::verdict::pipeline::EngineChoice::Both,
            Engine::Auto => crate::verdict::pipeline::EngineChoice::Auto,
        }
    }
}

/// Offline input: check policy files instead of fetching from AWS (engine: local).
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Offline input (no AWS calls)")]
pub struct OfflineArgs {
    /// Identity policy JSON file of the principal (repeatable; the file stem names the policy).
    /// The principal must be named by ARN (for `check`: --role/--user/--principal ARN)
    #[arg(
        long = "policy-file",
        value_name = "FILE",
        conflicts_with = "from_auth_details"
    )]
    pub policy_files: Vec<std::path::PathBuf>,
    /// Permissions boundary JSON file
    #[arg(long, value_name = "FILE", conflicts_with = "from_auth_details")]
    pub boundary_file: Option<std::path::PathBuf>,
    /// The output of `aws iam get-account-authorization-details` (JSON); the principal is looked up in it
    #[arg(long, value_name = "FILE")]
    pub from_auth_details: Option<std::path::PathBuf>,
    /// A KMS key policy JSON file, as KEY_ARN=FILE for the key it belongs to (repeatable), or
    /// FILE for the one key of a single check. Offline, a key without one has inconclusive rows
    #[arg(long = "key-policy-file", value_name = "[KEY_ARN=]FILE")]
    pub key_policy_files: Vec<String>,
    /// An S3 bucket policy JSON file, as BUCKET=FILE for the bucket it belongs to (repeatable),
    /// or FILE for the one bucket of a single check. Offline, a bucket without one (or
    /// --no-bucket-policy) has inconclusive rows
    #[arg(long = "bucket-policy-file", value_name = "[BUCKET=]FILE")]
    pub bucket_policy_files: Vec<String>,
    /// The buckets without a --bucket-policy-file have no bucket policy
    #[arg(long)]
    pub no_bucket_policy: bool,
    /// A DynamoDB table's resource policy, as TABLE=FILE with TABLE a table ARN, or a name for
    /// that table in the principal's account (repeatable). Offline, a table without one has
    /// inconclusive rows unless --no-table-policy
    #[arg(
        long = "table-policy-file",
        value_name = "TABLE=FILE",
        conflicts_with = "no_table_policy"
    )]
    pub table_policy_files: Vec<String>,
    /// The tables have no resource policies: do not read them (online, skips
    /// dynamodb:GetResourcePolicy; for LocalStack, whose DynamoDB may not run). Reports say so.
    /// With --config, for every service (a service's `no_table_policy` for one)
    #[arg(long)]
    pub no_table_policy: bool,
}

/// A resource policy file as given: `KEY=FILE` for the resource it belongs to, or `FILE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyFileSpec {
    /// The key ARN, bucket name or table (ARN or name); `None` for the one of a single check.
    pub resource: Option<String>,
    pub path: std::path::PathBuf,
}

/// `--key-policy-file [KEY_ARN=]FILE`: keyed when the text before the first `=` is an ARN. A
/// key ARN must be a KMS key's (an alias does not name the key whose policy decides).
pub fn key_policy_spec(spec: &str) -> Result<PolicyFileSpec, String> {
    match spec.split_once('=') {
        Some((key, path)) if key.starts_with("arn:") => {
            let is_key = crate::iam::arn::Arn::parse(key)
                .is_some_and(|a| a.service == "kms" && a.resource.starts_with("key/"));
            if !is_key || path.is_empty() {
                return Err(format!(
                    "--key-policy-file `{spec}` must be KEY_ARN=FILE with a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID), or FILE"
                ));
            }
            Ok(PolicyFileSpec {
                resource: Some(key.to_string()),
                path: path.into(),
            })
        }
        _ if spec.is_empty() => Err("--key-policy-file needs a file".into()),
        _ => Ok(PolicyFileSpec {
            resource: None,
            path: spec.into(),
        }),
    }
}

/// `--bucket-policy-file [BUCKET=]FILE`: keyed when the text before the first `=` is a bucket
/// name or S3 bucket ARN (no `/`); a file whose name has `=` is given with a path (`./a=b.json`).
pub fn bucket_policy_spec(spec: &str) -> Result<PolicyFileSpec, String> {
    match spec.split_once('=') {
        Some((bucket, path)) if !bucket.contains('/') => {
            let bucket = bucket.strip_prefix("arn:aws:s3:::").unwrap_or(bucket);
            let valid = !bucket.is_empty()
                && bucket
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
            if !valid || path.is_empty() {
                return Err(format!(
                    "--bucket-policy-file `{spec}` must be BUCKET=FILE with a bucket name, or FILE"
                ));
            }
            Ok(PolicyFileSpec {
                resource: Some(bucket.to_string()),
                path: path.into(),
            })
        }
        _ if spec.is_empty() => Err("--bucket-policy-file needs a file".into()),
        _ => Ok(PolicyFileSpec {
            resource: None,
            path: spec.into(),
        }),
    }
}

impl OfflineArgs {
    pub fn table_policies(&self) -> crate::verdict::fetch::TablePolicies {
        if self.no_table_policy {
            crate::verdict::fetch::TablePolicies::AssumeNone
        } else {
            crate::verdict::fetch::TablePolicies::Read
        }
    }

    /// Whether any key, bucket or table policy file (or --no-bucket-policy) was given.
    pub fn has_resource_policy_inputs(&self) -> bool {
        !self.key_policy_files.is_empty()
            || !self.bucket_policy_files.is_empty()
            || self.no_bucket_policy
            || !self.table_policy_files.is_empty()
    }

    pub fn is_offline(&self) -> bool {
        !self.policy_files.is_empty()
            || self.boundary_file.is_some()
            || self.from_auth_details.is_some()
    }
}

fn read_file(path: &std::path::Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))
}

/// The largest policy file read: 1 MiB. No policy IAM stores comes near it (IAM and STS
/// quotas, reference_iam-quotas: a managed policy holds at most 6,144 characters, a role's
/// inline policies 10,240 together; an S3 bucket policy 20 KB, a KMS key policy 32 KB, a
/// DynamoDB resource policy 20 KB), so a larger file is not a policy AWS could apply, and is
/// refused before it is parsed (a 50 MB file used to take half a minute and gigabytes).
pub const MAX_POLICY_BYTES: u64 = 1024 * 1024;

/// Reads a policy file, refusing one larger than [`MAX_POLICY_BYTES`] before reading it.
pub fn read_policy_file(path: &std::path::Path) -> Result<String, String> {
    let len = std::fs::metadata(path)
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?
        .len();
    if len > MAX_POLICY_BYTES {
        return Err(format!(
            "`{}` is {len} bytes, larger than any policy IAM can hold (the limit here is 1 MiB = {MAX_POLICY_BYTES} bytes; AWS's own policy size quotas are 6,144 to 32,768 characters): give the policy document itself",
            path.display()
        ));
    }
    read_file(path)
}

/// A policy file's name in reports: its stem, or the path as given when another file has the
/// same stem (`a/app.json`, `b/app.json`), so that both are evaluated and told apart.
fn policy_name(path: &std::path::Path, all: &[std::path::PathBuf]) -> String {
    let stem = file_stem(path);
    if all.iter().filter(|p| file_stem(p) == stem).count() > 1 {
        path.display().to_string()
    } else {
        stem
    }
}

fn file_stem(path: &std::path::Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// Reads the offline inputs into an account. All file problems are reported at once.
/// `wanted` names the principals (and roles to assume) the run needs from an
/// authorization-details export, which is streamed and never held whole.
pub fn load_offline(
    o: &OfflineArgs,
    principal_input: Option<&str>,
    principal_sel: &PrincipalSelector,
    wanted: &crate::grants::auth_details::Wanted,
) -> Result<crate::grants::offline::OfflineAccount, Vec<String>> {
    use crate::grants::offline::{BucketPolicyInput, OfflineAccount};
    let mut errors = Vec::new();
    // TABLE=FILE specs are checked before any file is read.
    let table_specs: Vec<(&str, &str)> = o
        .table_policy_files
        .iter()
        .filter_map(|spec| {
            let parsed = spec
                .split_once('=')
                .filter(|(t, p)| !t.is_empty() && !p.is_empty());
            if parsed.is_none() {
                errors.push(format!(
                    "--table-policy-file `{spec}` must be TABLE=FILE (a table name or ARN, then the policy file)"
                ));
            }
            parsed
        })
        .collect();
    let key_specs: Vec<PolicyFileSpec> = o
        .key_policy_files
        .iter()
        .filter_map(|s| key_policy_spec(s).map_err(|e| errors.push(e)).ok())
        .collect();
    let bucket_specs: Vec<PolicyFileSpec> = o
        .bucket_policy_files
        .iter()
        .filter_map(|s| bucket_policy_spec(s).map_err(|e| errors.push(e)).ok())
        .collect();
    for (flag, specs) in [
        ("--key-policy-file", &key_specs),
        ("--bucket-policy-file", &bucket_specs),
    ] {
        if specs.iter().filter(|s| s.resource.is_none()).count() > 1 {
            errors.push(format!(
                "{flag} is given twice without naming its resource; name each: {flag} RESOURCE=FILE"
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        for s in specs.iter().filter_map(|s| s.resource.as_ref()) {
            if !seen.insert(s) {
                errors.push(format!("{flag} names `{s}` twice"));
            }
        }
    }
    // Two policies for one table: neither may be dropped silently. A name and an ARN name the
    // same table when the ARN's table has that name (its account and region are the principal's
    // and the run's, which are not known here).
    for (i, (a, _)) in table_specs.iter().enumerate() {
        let name_a = crate::iam::arn::table_name_of(a).unwrap_or(a);
        if let Some((b, _)) = table_specs[..i].iter().find(|(b, _)| {
            let name_b = crate::iam::arn::table_name_of(b).unwrap_or(b);
            b == a || (name_a == name_b && (!a.starts_with("arn:") || !b.starts_with("arn:")))
        }) {
            errors.push(format!(
                "--table-policy-file gives two policies for one table (`{b}` and `{a}`); a table has one resource policy: give it once"
            ));
        }
    }
    if o.no_bucket_policy && bucket_specs.iter().any(|s| s.resource.is_none()) {
        errors.push("--no-bucket-policy and --bucket-policy-file FILE contradict each other; name the bucket of the file (BUCKET=FILE) to say that the others have none".into());
    }
    // A policy file that is not a valid policy is an input error (exit 2) in every command, as
    // IAM refuses it (MalformedPolicyDocument); it is never evaluated as an INCONCLUSIVE row.
    let mut read = |p: &std::path::Path| {
        read_policy_file(p)
            .and_then(|text| match crate::engine::PolicyDocument::parse(&text) {
                Ok(_) => Ok(text),
                Err(e) => Err(format!(
                    "`{}` is not a valid IAM policy document: {e}",
                    p.display()
                )),
            })
            .map_err(|e| errors.push(e))
            .ok()
    };
    let mut key_policy = None;
    let mut key_policies = std::collections::HashMap::new();
    for spec in &key_specs {
        if let Some(text) = read(&spec.path) {
            match &spec.resource {
                Some(k) => {
                    key_policies.insert(k.clone(), text);
                }
                None => key_policy = Some(text),
            }
        }
    }
    let mut bucket = if o.no_bucket_policy {
        BucketPolicyInput::None
    } else {
        BucketPolicyInput::Unknown
    };
    let mut bucket_policies = std::collections::HashMap::new();
    for spec in &bucket_specs {
        if let Some(text) = read(&spec.path) {
            match &spec.resource {
                Some(b) => {
                    bucket_policies.insert(b.clone(), text);
                }
                None => bucket = BucketPolicyInput::Document(text),
            }
        }
    }
    // Keyed by ARN as given (a table ARN, not an index's), or by name.
    let table_policies: std::collections::HashMap<String, String> = table_specs
        .into_iter()
        .filter_map(|(table, path)| {
            let key = crate::iam::arn::table_arn_of(table).unwrap_or(table);
            read(std::path::Path::new(path)).map(|text| (key.to_string(), text))
        })
        .collect();
    let account = if let Some(path) = &o.from_auth_details {
        let open = &mut || std::fs::File::open(path);
        match &wanted.at {
            Some(index) => OfflineAccount::from_authorization_details_at(open, index, wanted),
            None => OfflineAccount::from_authorization_details_reader(open, wanted),
        }
        .map_err(|es| errors.extend(es.into_iter().map(|e| format!("`{}`: {e}", path.display()))))
        .ok()
    } else {
        let policies: Vec<(String, String)> = o
            .policy_files
            .iter()
            .filter_map(|p| read(p).map(|t| (policy_name(p, &o.policy_files), t)))
            .collect();
        let boundary = o
            .boundary_file
            .as_ref()
            .and_then(|p| read(p).map(|t| (file_stem(p), t)));
        let principal = match principal_sel {
            PrincipalSelector::Named(p) if p.account.is_some() => Some(p),
            _ => {
                errors.push(
                    "with --policy-file, name the principal by ARN (--role arn:aws:iam::ACCOUNT:role/NAME): its account is part of every resource ARN".into(),
                );
                None
            }
        };
        principal.map(|p| {
            let input = principal_input.unwrap_or_default();
            let partition = crate::iam::arn::Arn::parse(input)
                .map(|x| x.partition.to_string())
                .unwrap_or_else(|| "aws".into());
            let arn = format!(
                "arn:{partition}:iam::{}:{}/{}",
                p.account.as_deref().unwrap_or_default(),
                p.kind.as_str(),
                p.name
            );
            // A role ARN given with a path keeps it.
            let arn = if input.starts_with("arn:") && input.contains(":iam::") {
                input.to_string()
            } else {
                arn
            };
            OfflineAccount::from_policy_files(&arn, p, policies, boundary)
        })
    };
    match account {
        Some(acc) if errors.is_empty() => Ok(acc
            .with_key_policy(key_policy)
            .with_key_policies(key_policies)
            .with_bucket_policy(bucket)
            .with_bucket_policies(bucket_policies)
            .with_table_policies(table_policies)),
        _ => Err(errors),
    }
}

/// The region for offline checks when --region is not given: AWS_REGION, else
/// AWS_DEFAULT_REGION. No configuration chain (it could query the instance metadata service).
pub fn env_region() -> Option<String> {
    std::env::var("AWS_REGION")
        .ok()
        .or_else(|| std::env::var("AWS_DEFAULT_REGION").ok())
        .filter(|r| !r.is_empty())
}

impl AwsArgs {
    /// The SDK adapter for these flags, over the normal AWS configuration chain.
    pub async fn connect(
        &self,
        default_region: Option<String>,
        log: crate::grants::sdk::CallLog,
    ) -> crate::grants::sdk::SdkAws {
        let conn = crate::grants::sdk::ConnectOptions {
            region: self.region.clone().or(default_region),
            profile: self.profile.clone(),
            endpoint_url: self.endpoint_url.clone(),
        };
        crate::grants::sdk::SdkAws::with_call_log(
            &crate::grants::sdk::load_config(&conn).await,
            log,
        )
    }
}

#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "AWS connection")]
pub struct AwsArgs {
    /// AWS region for resource ARNs and API calls [default: from the AWS config chain]
    #[arg(long)]
    pub region: Option<String>,
    /// Named profile from ~/.aws/config (SSO profiles work after `aws sso login`)
    #[arg(long)]
    pub profile: Option<String>,
    /// Endpoint URL (e.g. http://127.0.0.1:4566 for LocalStack) for every service without an
    /// endpoint of its own (`AWS_ENDPOINT_URL_<SERVICE>`, profile `services`); AWS_ENDPOINT_URL
    /// also works
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
}

/// Reads and checks an `--org-policies-file` of `simulate` and `why` while the flags are
/// parsed: the layout and parser of `check --org-policies-file` (README, "Organization
/// policies"; [`crate::grants::org::OrgPolicies::from_json`]), and the policies must build into
/// the engine's, so a file that does not parse is a usage error before anything is evaluated.
/// (`check` has the same reader in its own module.)
pub fn org_policies_file_arg(path: &str) -> Result<crate::grants::org::OrgPolicies, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read `{path}`: {e}"))?;
    let org = crate::grants::org::OrgPolicies::from_json(&text).map_err(|e| {
        format!("`{path}` is not an organization policies file ({e}); see the README, \"Organization policies\"")
    })?;
    org.to_engine().map_err(|e| format!("`{path}`: {e}"))?;
    Ok(org)
}
