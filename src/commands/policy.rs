//! `pydynox-iam policy`: prints the minimal identity policy pydynox needs for the declared
//! features and resources (one, a reader and a writer policy, or several when one would exceed
//! IAM's size quota), as JSON, Terraform or CloudFormation. Pure: no AWS call; the account,
//! region and partition come from flags or the ARNs, and are validated like `check`'s inputs.

use clap::Args;
use serde_json::Value;

use crate::commands::args::env_region;
use crate::commands::output::{emit, print_errors};
use crate::engine::{NamedPolicy, PolicyDocument, PolicyKind};
use crate::iam::arn::{Arn, KeyInput, parse_key_input};
use crate::iam::names::{
    PARTITIONS, char_iam_refuses, is_account_id, is_bucket_name, is_dynamodb_name, is_kms_key_id,
    is_region, partition_of_region,
};
use crate::needs::catalogue::Catalogue;
use crate::needs::plan::{Check, Env, PlanInput, build_plan, expand};
use crate::report::model::exit;
use crate::verdict::generate::{self, Format, Quota};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Split {
    /// One policy with every action
    None,
    /// A reader policy and a writer policy, for separate roles (each complete for its own
    /// operations; a service that does both attaches both)
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
    /// GSI/LSI name, as INDEX with one --table, or TABLE/INDEX (repeatable)
    #[arg(long = "index", value_name = "[TABLE/]NAME")]
    pub indexes: Vec<String>,
    /// Grant every index of the table (table/T/index/*)
    #[arg(long, conflicts_with = "indexes")]
    pub all_indexes: bool,
    /// KMS key ARN or id (an alias cannot be used: it does not authorize use of the key)
    #[arg(long, value_name = "ARN|ID")]
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
    /// Account id for table and key ARNs given by name or id (12 digits)
    #[arg(long, value_name = "ID")]
    pub account: Option<String>,
    /// Region for table and key ARNs given by name or id
    #[arg(long)]
    pub region: Option<String>,
    /// ARN partition [default: the region's (cn-* is aws-cn, us-gov-* aws-us-gov), else aws]
    #[arg(long)]
    pub partition: Option<String>,
    /// Print one policy, or a reader and a writer policy
    #[arg(long, value_enum, default_value_t = Split::None)]
    pub split: Split,
    /// How the policy will be attached, for IAM's size quota: managed (6,144 characters each;
    /// a bigger policy is split into several), inline-role (10,240 for all of a role's inline
    /// policies), inline-user (2,048) or inline-group (5,120); over an inline quota is a warning
    /// (with --check: over the quota fails, `over-size-quota`)
    #[arg(long, default_value = "managed", value_name = "KIND")]
    pub attach_as: String,
    /// json, terraform (an aws_iam_policy_document data source) or cloudformation (a policy resource)
    #[arg(long, default_value = "json")]
    pub format: String,
    /// Name of the Terraform data source / CloudFormation resource
    #[arg(long, default_value = "pydynox")]
    pub name: String,
    /// Print nothing when the committed policy FILE (JSON: a policy document, or an object of
    /// them as --split and the quota split print; a reader/writer file half by half) grants
    /// every call within IAM's size quota for --attach-as; else exit 1, list what it lacks and
    /// print the statements to add (the drift check of the pre-commit hook)
    #[arg(long = "check", value_name = "FILE")]
    pub check: Option<std::path::PathBuf>,
}

/// Where the generated ARNs live.
struct Place {
    env: Env,
    /// The account the service's resources are in, when known (for cross-account notes).
    home: Option<String>,
}

/// A table flag: a DynamoDB table name, or a table ARN (not an index's, not another service's).
fn check_table(flag: &str, t: &str, errors: &mut Vec<String>) {
    if !t.starts_with("arn:") {
        if !is_dynamodb_name(t) {
            errors.push(format!(
                "{flag} `{t}` is not a DynamoDB table name (3 to 255 of a-z, A-Z, 0-9, `_`, `-`, `.`; no wildcards) or table ARN"
            ));
        }
        return;
    }
    let shape = "arn:PARTITION:dynamodb:REGION:ACCOUNT:table/NAME";
    let Some(a) = Arn::parse(t).filter(|a| a.service == "dynamodb") else {
        errors.push(format!(
            "{flag} `{t}` is not a DynamoDB table ARN ({shape})"
        ));
        return;
    };
    match a.resource.strip_prefix("table/") {
        Some(rest) if rest.contains("/index/") => errors.push(format!(
            "{flag} `{t}` is an index ARN: give its table with --table and the index with --index"
        )),
        Some(name) if is_dynamodb_name(name) => {}
        _ => errors.push(format!(
            "{flag} `{t}` is not a DynamoDB table ARN ({shape}, the name without wildcards)"
        )),
    }
    check_arn_place(flag, t, &a, errors);
}

/// The region and account of a resource ARN.
fn check_arn_place(flag: &str, input: &str, a: &Arn, errors: &mut Vec<String>) {
    if !PARTITIONS.contains(&a.partition) {
        errors.push(format!(
            "{flag} `{input}`: `{}` is not an AWS partition ({})",
            a.partition,
            PARTITIONS.join(", ")
        ));
    }
    if a.service != "iam" && !is_region(a.region) {
        errors.push(format!("{flag} `{input}`: `{}` is not a region", a.region));
    }
    if !is_account_id(a.account) {
        errors.push(format!(
            "{flag} `{input}`: `{}` is not a 12-digit account id",
            a.account
        ));
    }
}

fn table_name(t: &str) -> &str {
    crate::iam::arn::table_name_of(t).unwrap_or(t)
}

/// Every input, as `check` would take it, and where the ARNs go: one partition, from the flag,
/// the region and the ARNs, which must agree.
fn validate(a: &PolicyArgs, errors: &mut Vec<String>) -> Option<Place> {
    for t in &a.tables {
        check_table("--table", t, errors);
    }
    if let Some(t) = &a.lock_table {
        check_table("--lock-table", t, errors);
    }
    let names: Vec<&str> = a.tables.iter().map(|t| table_name(t)).collect();
    for i in &a.indexes {
        let (table, index) = match i.split_once('/') {
            Some((t, x)) => (Some(t), x),
            None => (None, i.as_str()),
        };
        if !is_dynamodb_name(index) {
            errors.push(format!(
                "--index `{i}`: `{index}` is not a DynamoDB index name (3 to 255 of a-z, A-Z, 0-9, `_`, `-`, `.`; no wildcards; --all-indexes grants every index)"
            ));
        }
        // A `TABLE/INDEX` whose table is not declared is refused by the plan.
        if table.is_none() && names.len() > 1 {
            errors.push(format!(
                "--index `{i}`: with several tables, say whose index it is: --index TABLE/{index}"
            ));
        }
    }
    let key = a.kms_key.as_deref().map(|k| (k, parse_key_input(k)));
    match key {
        Some((k, Some(KeyInput::Alias(_)))) => errors.push(format!(
            "--kms-key `{k}` is an alias; an alias in a policy does not authorize use of the key: pass the key ARN"
        )),
        Some((k, Some(KeyInput::KeyArn(_)))) => {
            let arn = Arn::parse(k).expect("parsed as a key ARN");
            let id = arn.resource.strip_prefix("key/").unwrap_or_default();
            if !is_kms_key_id(id) {
                errors.push(format!(
                    "--kms-key `{k}`: `{id}` is not a KMS key id (a UUID, or mrk- and 32 hex digits; no wildcards)"
                ));
            }
            check_arn_place("--kms-key", k, &arn, errors);
        }
        Some((k, Some(KeyInput::KeyId(id)))) if !is_kms_key_id(&id) => errors.push(format!(
            "--kms-key `{k}` is not a KMS key id (a UUID, or mrk- and 32 hex digits) or key ARN"
        )),
        _ => {}
    }
    if let Some(b) = &a.bucket
        && !b.contains('/')
        && !b.starts_with("arn:")
        && !is_bucket_name(b)
    {
        errors.push(format!(
            "--bucket `{b}` is not an S3 bucket name (3 to 63 of a-z, 0-9, `.`, `-`)"
        ));
    }
    if let Some(c) = char_iam_refuses(&a.prefix) {
        errors.push(format!(
            "--prefix `{}` holds `{c}`, which an IAM policy cannot contain (only tab, line feed, carriage return and U+0020 to U+00FF)",
            a.prefix
        ));
    }
    if let Some(r) = &a.assume_role_arn
        && let Some(arn) = Arn::parse(r)
    {
        check_arn_place("--assume-role-arn", r, &arn, errors);
    }
    if let Some(acct) = &a.account
        && !is_account_id(acct)
    {
        errors.push(format!("--account `{acct}` is not a 12-digit account id"));
    }
    let region_flag = a.region.clone().or_else(env_region);
    if let Some(r) = &region_flag
        && !is_region(r)
    {
        errors.push(format!(
            "--region `{r}` is not a region (for example eu-west-1)"
        ));
    }
    if let Some(p) = &a.partition
        && !PARTITIONS.contains(&p.as_str())
    {
        errors.push(format!(
            "--partition `{p}` is not an AWS partition ({})",
            PARTITIONS.join(", ")
        ));
    }
    // Every source of a partition, which must agree.
    let arns: Vec<(&str, &str)> = a
        .tables
        .iter()
        .map(|t| ("--table", t.as_str()))
        .chain(a.lock_table.iter().map(|t| ("--lock-table", t.as_str())))
        .chain(a.kms_key.iter().map(|k| ("--kms-key", k.as_str())))
        .chain(
            a.assume_role_arn
                .iter()
                .map(|r| ("--assume-role-arn", r.as_str())),
        )
        .filter(|(_, v)| v.starts_with("arn:"))
        .collect();
    // (Invalid partitions and regions are reported above, not compared.)
    let mut sources: Vec<(String, String)> = Vec::new();
    if let Some(p) = a
        .partition
        .as_ref()
        .filter(|p| PARTITIONS.contains(&p.as_str()))
    {
        sources.push((p.clone(), format!("--partition {p}")));
    }
    if let Some(r) = region_flag.as_ref().filter(|r| is_region(r)) {
        sources.push((partition_of_region(r).to_string(), format!("region `{r}`")));
    }
    for (flag, v) in &arns {
        if let Some(x) = Arn::parse(v).filter(|x| PARTITIONS.contains(&x.partition)) {
            sources.push((x.partition.to_string(), format!("{flag} `{v}`")));
        }
    }
    if let Some((first, from)) = sources.first()
        && let Some((other, other_from)) = sources.iter().find(|(p, _)| p != first)
    {
        errors.push(format!(
            "partitions disagree: `{first}` ({from}) and `{other}` ({other_from}); a principal can only use resources of its own partition, so a policy names one"
        ));
    }
    let partition = sources
        .first()
        .map(|(p, _)| p.clone())
        .unwrap_or_else(|| "aws".into());
    // Account and region for names: the flags, else the first full ARN.
    let from_arns = a
        .tables
        .iter()
        .chain(a.lock_table.iter())
        .chain(a.kms_key.iter())
        .filter_map(|s| Arn::parse(s).map(|x| (x.account.to_string(), x.region.to_string())))
        .next();
    let account = a
        .account
        .clone()
        .or_else(|| from_arns.as_ref().map(|x| x.0.clone()));
    // The region flag, else the first full ARN's, else the environment's.
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
    if needs && (account.is_none() || region.is_none()) {
        errors
            .push("resources given by name need --account and --region (or give full ARNs)".into());
    }
    let home = a.account.clone().or_else(|| {
        a.tables
            .iter()
            .find_map(|t| Arn::parse(t).map(|x| x.account.to_string()))
    });
    errors.is_empty().then(|| Place {
        env: Env {
            partition,
            region: region.unwrap_or_default(),
            account: account.unwrap_or_default(),
            key_arn: None,
        },
        home,
    })
}

/// The policies to print, each with its name and its key in the JSON output.
struct Named {
    key: String,
    name: String,
    doc: Value,
}

pub fn execute(cat: &Catalogue, a: &PolicyArgs) -> i32 {
    let mut errors = Vec::new();
    let format: Option<Format> = a.format.parse().map_err(|e: String| errors.push(e)).ok();
    let quota: Option<Quota> = a
        .attach_as
        .parse()
        .map_err(|e: String| errors.push(format!("--attach-as: {e}")))
        .ok();
    if format == Some(Format::Cloudformation) && quota.is_some_and(|q| q != Quota::Managed) {
        errors.push(
            "--format cloudformation writes an AWS::IAM::ManagedPolicy: --attach-as must be managed"
                .into(),
        );
    }
    // Indexes tied to a table (`TABLE/INDEX`) are expanded for that table only; a bare name
    // with one table is that table's.
    let indexes = match a.tables.as_slice() {
        [one] => a
            .indexes
            .iter()
            .map(|i| {
                if i.contains('/') {
                    i.clone()
                } else {
                    format!("{}/{i}", table_name(one))
                }
            })
            .collect(),
        _ => a.indexes.clone(),
    };
    let input = PlanInput {
        features: a.features.clone(),
        tables: a.tables.clone(),
        indexes,
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
        crate::needs::app::plan_from_paths(cat, &input, &a.app, &a.env, false)
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
    let place = validate(a, &mut errors);
    let (Some(plan), Some(Place { mut env, home }), Some(format), Some(quota), true) =
        (plan, place, format, quota, errors.is_empty())
    else {
        print_errors(&errors);
        return exit::USAGE;
    };
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
    if checks.is_empty() {
        print_errors(&[
            "the declared features make no AWS call in this release: nothing to grant".into(),
        ]);
        return exit::USAGE;
    }
    if let Some(path) = &a.check {
        return check_file(path, &checks, &env, format, quota);
    }
    let mut notes = Vec::new();
    let halves: Vec<(Option<&str>, Value)> = match a.split {
        Split::None => vec![(None, generate::minimal_policy(&checks))],
        Split::ReadWrite => {
            let (reader, writer) = generate::split_read_write(&checks);
            for (half, doc) in [("reader", &reader), ("writer", &writer)] {
                if doc.is_none() {
                    notes.push(format!(
                        "no {half} policy: the declared features make no {} call, so it would hold nothing of its own (IAM rejects an empty Statement)",
                        if half == "reader" { "read" } else { "write" }
                    ));
                }
            }
            [("reader", reader), ("writer", writer)]
                .into_iter()
                .filter_map(|(k, d)| d.map(|d| (Some(k), d)))
                .collect()
        }
    };
    let mut policies: Vec<Named> = Vec::new();
    for (half, doc) in halves {
        let base_name = match half {
            Some(h) => format!("{}_{h}", a.name),
            None => a.name.clone(),
        };
        let parts = if quota == Quota::Managed {
            generate::fit(&doc, quota.limit())
        } else {
            vec![doc.clone()]
        };
        if parts.len() > 1 {
            notes.push(format!(
                "{} is {} characters (IAM counts them without whitespace), over IAM's {}-character quota for {} (IAM User Guide, \"IAM and AWS STS quotas\"): printed as {} policies, {}; attach all of them (a role or user takes 10 managed policies by default)",
                half.map(|h| format!("the {h} policy"))
                    .unwrap_or_else(|| "the policy".into()),
                generate::policy_size(&doc),
                quota.limit(),
                quota.label(),
                parts.len(),
                (1..=parts.len())
                    .map(|i| format!("`{base_name}_{i}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let many = parts.len() > 1;
        for (i, doc) in parts.into_iter().enumerate() {
            let suffix = if many {
                format!("_{}", i + 1)
            } else {
                String::new()
            };
            policies.push(Named {
                key: format!("{}{suffix}", half.unwrap_or("policy")),
                name: format!("{base_name}{suffix}"),
                doc,
            });
        }
    }
    if quota == Quota::Managed {
        // Printed as managed policies, each within 6,144; but the same documents put inline on
        // a role would be refused past 10,240 in all (IAM User Guide, "IAM and AWS STS quotas":
        // the inline quota is on the sum of a role's inline policies, whitespace not counted).
        // A service that reads and writes attaches both halves of --split read-write to its
        // role, so everything printed is measured together.
        let docs: Vec<Value> = policies.iter().map(|p| p.doc.clone()).collect();
        if !Quota::InlineRole.fits(&docs) {
            notes.push(format!(
                "warning: {} {} characters (IAM counts them without whitespace), over IAM's {}-character quota for {} (IAM User Guide, \"IAM and AWS STS quotas\"): IAM will refuse {} inline on a role; attach {} as the managed {} printed (each within {}){}",
                if docs.len() > 1 { "the policies are" } else { "the policy is" },
                docs.iter().map(generate::policy_size).sum::<usize>(),
                Quota::InlineRole.limit(),
                Quota::InlineRole.label(),
                if docs.len() > 1 { "them" } else { "it" },
                if docs.len() > 1 { "them" } else { "it" },
                if docs.len() > 1 { "policies" } else { "policy" },
                Quota::Managed.limit(),
                if a.split == Split::None {
                    ", or give readers and writers their own role with --split read-write"
                } else {
                    ""
                }
            ));
        }
    }
    if quota != Quota::Managed {
        let docs: Vec<Value> = policies.iter().map(|p| p.doc.clone()).collect();
        if !quota.fits(&docs) {
            notes.push(format!(
                "warning: {} characters in all (IAM counts them without whitespace), over IAM's {}-character quota for {}; IAM will refuse them: attach them as managed policies instead (--attach-as managed splits them to fit)",
                docs.iter().map(generate::policy_size).sum::<usize>(),
                quota.limit(),
                quota.label()
            ));
        }
    }
    if format == Format::Terraform
        && let Some(s) = policies.iter().find_map(|p| terraform_unsafe(&p.doc))
    {
        print_errors(&[format!(
            "`{s}` holds `&{{`, which Terraform's aws_iam_policy_document turns into `${{` (a policy variable) and cannot escape; use --format json and the policy as a JSON string"
        )]);
        return exit::USAGE;
    }
    notes.extend(generate::notes(&checks, home.as_deref()));
    let out = match (format, policies.as_slice()) {
        (_, [one]) if a.split == Split::None => generate::render(&one.doc, &one.name, format),
        (Format::Json, _) => {
            let parts: Vec<String> = policies
                .iter()
                .map(|p| {
                    format!(
                        "  {}: {}",
                        serde_json::to_string(&p.key).expect("a string serializes"),
                        indent(&generate::render(&p.doc, &p.name, format))
                    )
                })
                .collect();
            format!("{{\n{}\n}}\n", parts.join(",\n"))
        }
        _ => policies
            .iter()
            .map(|p| generate::render(&p.doc, &p.name, format))
            .collect::<Vec<_>>()
            .join("\n"),
    };
    for n in &notes {
        if n.starts_with("warning: ") {
            eprintln!("{n}");
        } else {
            eprintln!("note: {n}");
        }
    }
    match emit(|w| w.write_all(out.as_bytes())) {
        Ok(()) => exit::PASS,
        Err(e) => {
            eprintln!("error: cannot write output: {e}");
            exit::ERROR
        }
    }
}

/// One policy of a committed file: its name in messages, the parsed policy and its JSON (for
/// its size).
struct CommittedPolicy {
    name: String,
    policy: NamedPolicy,
    doc: Value,
}

/// A committed JSON file's policies, as they are attached.
enum Committed {
    /// One policy document, or an object of them attached together (the quota split's
    /// `{"policy_1": ..., "policy_2": ...}`, or any other names).
    Together(Vec<CommittedPolicy>),
    /// `--split read-write`'s `{"reader": ..., "writer": ...}` (each maybe quota-split as
    /// `reader_1`, `reader_2`, ...): two policies for two roles.
    Split {
        reader: Vec<CommittedPolicy>,
        writer: Vec<CommittedPolicy>,
    },
}

/// Which half a key of a committed object names: `reader`, `reader_2`, `writer`, ... (in any
/// case: a hand-written `Reader` is still a policy for a reader role, and reading it as attached
/// together with the writer could pass a reader that only works beside it).
fn split_key(key: &str) -> Option<&'static str> {
    let key = key.to_ascii_lowercase();
    ["reader", "writer"].into_iter().find(|h| {
        key.strip_prefix(h).is_some_and(|rest| {
            rest.is_empty()
                || rest
                    .strip_prefix('_')
                    .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        })
    })
}

/// The policies of a committed JSON file: one policy document, or an object whose values are
/// policy documents (`{"reader": ..., "writer": ...}`, `{"policy_1": ..., "policy_2": ...}`).
fn read_committed(path: &std::path::Path) -> Result<Committed, String> {
    let shown = path.display();
    let text =
        crate::commands::args::read_policy_file(path).map_err(|e| format!("--check: {e}"))?;
    // Strict: a repeated key is refused, as IAM refuses it, and the whole file is read so for
    // an object of several policies too (serde_json alone would keep the last of two
    // `Effect`s, and then judge a policy IAM would never attach).
    let value: Value =
        crate::engine::parse::strict_json(&text).map_err(|e| format!("--check `{shown}`: {e}"))?;
    let named = |id: String, v: &Value, json: &str| {
        PolicyDocument::parse(json)
            .and_then(|d| NamedPolicy::new(id.clone(), PolicyKind::Identity, d))
            .map(|policy| CommittedPolicy {
                name: id,
                policy,
                doc: v.clone(),
            })
            .map_err(|e| format!("--check `{shown}`: {e}"))
    };
    match &value {
        Value::Object(m) if m.contains_key("Statement") => Ok(Committed::Together(vec![named(
            shown.to_string(),
            &value,
            &text,
        )?])),
        Value::Object(m) if !m.is_empty() && m.values().all(|v| v.get("Statement").is_some()) => {
            let split = m.keys().filter(|k| split_key(k).is_some()).count();
            // Reader and writer policies beside others: which role the others go to is not
            // known, so neither half can be judged; refused rather than guessed.
            if split > 0 && split < m.len() {
                let others: Vec<String> = m
                    .keys()
                    .filter(|k| split_key(k).is_none())
                    .map(|k| format!("`{k}`"))
                    .collect();
                return Err(format!(
                    "--check `{shown}` mixes `reader`/`writer` policies (as --split read-write prints) with {}: which role those are attached to is not known; keep the reader and writer policies alone in the file, or none",
                    others.join(", ")
                ));
            }
            let mut reader = Vec::new();
            let mut writer = Vec::new();
            let mut together = Vec::new();
            for (k, v) in m {
                let p = named(format!("{shown} {k}"), v, &v.to_string())?;
                match split_key(k) {
                    Some("reader") => reader.push(p),
                    Some(_) => writer.push(p),
                    None => together.push(p),
                }
            }
            Ok(if split > 0 {
                Committed::Split { reader, writer }
            } else {
                Committed::Together(together)
            })
        }
        _ => Err(format!(
            "--check `{shown}` is not a policy document (an object with `Statement`) nor an object of them (as --split prints); give the JSON policy file `policy` wrote"
        )),
    }
}

/// Managed policies a role holds at IAM's default quota.
const MANAGED_POLICIES_PER_ROLE: usize = 10;

/// `--check FILE`: exit 0 when the file grants every check and IAM would take it, else 1 with
/// each call it lacks and each policy over IAM's size quota on stderr, and the statements to
/// add on stdout.
fn check_file(
    path: &std::path::Path,
    checks: &[Check],
    env: &Env,
    format: Format,
    quota: Quota,
) -> i32 {
    if format != Format::Json {
        print_errors(&[
            "--check reads a JSON policy file; --format only chooses how a policy is printed: leave it out".into(),
        ]);
        return exit::USAGE;
    }
    let committed = match read_committed(path) {
        Ok(p) => p,
        Err(e) => {
            print_errors(&[e]);
            return exit::USAGE;
        }
    };
    let setting = crate::verdict::request::Setting::now(Some(env.region.clone()));
    let policies = |ps: &[CommittedPolicy]| -> Vec<NamedPolicy> {
        ps.iter().map(|p| p.policy.clone()).collect()
    };
    let sized = |ps: &[CommittedPolicy]| -> Vec<(String, Value)> {
        ps.iter().map(|p| (p.name.clone(), p.doc.clone())).collect()
    };
    let (missing, all) = match &committed {
        Committed::Together(ps) => (
            crate::verdict::drift::ungranted(checks, &policies(ps), env, &setting),
            sized(ps),
        ),
        Committed::Split { reader, writer } => (
            crate::verdict::drift::ungranted_split(
                checks,
                &policies(reader),
                &policies(writer),
                env,
                &setting,
            ),
            [sized(reader), sized(writer)].concat(),
        ),
    };
    // For an inline quota every policy of the file counts as one role's, the reader and the
    // writer of a split file too: a service that reads and writes attaches both to its role
    // (README, `--split read-write`), and measuring each half alone would pass a file IAM then
    // refuses for that role. (A managed policy is measured on its own either way.)
    let over = crate::verdict::drift::over_quota(std::slice::from_ref(&all), quota);
    let shown = path.display();
    // IAM User Guide, "IAM and AWS STS quotas": a role holds 10 managed policies by default
    // (20 at most, by a quota increase). Every policy of the file is attached to the service's
    // role (a split file's halves too, for a service that reads and writes), so more than 10
    // cannot be attached at the default quota: counted at the default, the reading that never
    // passes a file IAM refuses.
    let too_many = quota == Quota::Managed && all.len() > MANAGED_POLICIES_PER_ROLE;
    if too_many {
        eprintln!(
            "error[over-policy-count]: `{shown}` holds {} policies, over IAM's default quota of {MANAGED_POLICIES_PER_ROLE} managed policies per role (IAM User Guide, \"IAM and AWS STS quotas\"; 20 at most after a quota increase): attaching them fails with LimitExceeded; write the file again with the same command without --check, or merge policies",
            all.len()
        );
    }
    for o in &over {
        let (what, fix) = if quota == Quota::Managed {
            (
                format!("`{}` is", o.policies.join("`, `")),
                format!(
                    "write the file again with the same command without --check (it prints a policy over the quota as several, each within it){}",
                    if o.size <= Quota::InlineRole.limit() {
                        format!(
                            ", or, if it is attached inline to a role, say so with --attach-as inline-role (a role's inline policies hold {} characters in all)",
                            Quota::InlineRole.limit()
                        )
                    } else {
                        String::new()
                    }
                ),
            )
        } else {
            (
                format!("`{}` together are", o.policies.join("`, `")),
                "attach them as managed policies instead: write the file again with the same command, --attach-as managed and without --check (it splits them to fit), and check with --attach-as managed".to_string(),
            )
        };
        eprintln!(
            "error[over-size-quota]: {what} {} characters (IAM counts them without whitespace), over IAM's {}-character quota for {} (IAM User Guide, \"IAM and AWS STS quotas\"): IAM will refuse it, so the deploy fails whatever it grants; {fix}",
            o.size,
            o.quota.limit(),
            o.quota.label()
        );
    }
    if missing.is_empty() {
        if !over.is_empty() || too_many {
            eprintln!("`{shown}` grants every call, but cannot be deployed as it is");
            return exit::FAIL;
        }
        eprintln!(
            "`{shown}` grants every call ({} actions on {} resources)",
            checks
                .iter()
                .map(|c| &c.action)
                .collect::<std::collections::BTreeSet<_>>()
                .len(),
            checks
                .iter()
                .map(|c| &c.resource)
                .collect::<std::collections::BTreeSet<_>>()
                .len(),
        );
        return exit::PASS;
    }
    eprintln!(
        "error: `{shown}` does not grant {} of the {} calls pydynox will make:",
        missing.len(),
        checks.len()
    );
    for m in &missing {
        let code = if m.cross_account.is_some() {
            "cross-account"
        } else {
            "not-granted"
        };
        eprintln!(
            "  [{code}] {} on {} (feature `{}`{}): {}",
            m.check.action,
            m.check.resource,
            m.check.feature,
            m.half
                .map(|h| if h == crate::verdict::drift::TOGETHER {
                    ", the reader and writer attached together: a Deny in one takes away what the other allows".to_string()
                } else {
                    format!(", the {h} policy")
                })
                .unwrap_or_default(),
            m.reason
        );
    }
    // A call on another account's resource needs that account's policy: no statement added
    // to this file can grant it, so say which policy, where, must allow what.
    let mut told = std::collections::BTreeSet::new();
    for m in &missing {
        if let Some(x) = &m.cross_account
            && told.insert(m.check.resource.clone())
        {
            let actions: std::collections::BTreeSet<&str> = missing
                .iter()
                .filter(|o| o.cross_account.is_some() && o.check.resource == m.check.resource)
                .map(|o| o.check.action.as_str())
                .collect();
            let actions: Vec<&str> = actions.into_iter().collect();
            eprintln!("to do: {}", x.what_to_do(&m.check, &actions, env));
        }
    }
    // What the file itself must add: calls it does not allow (cross-account ones included
    // when its own statements do not allow them either).
    let lacking = |half: Option<&str>| -> Vec<Check> {
        missing
            .iter()
            .filter(|m| m.half == half)
            .filter(|m| m.cross_account.as_ref().is_none_or(|x| !x.file_grants))
            .map(|m| m.check.clone())
            .collect()
    };
    let out = match &committed {
        Committed::Together(_) => {
            let l = lacking(None);
            (!l.is_empty())
                .then(|| generate::render(&generate::minimal_policy(&l), "missing", Format::Json))
        }
        Committed::Split { .. } => {
            let parts: Vec<String> = ["reader", "writer"]
                .into_iter()
                .filter_map(|h| {
                    let l = lacking(Some(h));
                    (!l.is_empty()).then(|| {
                        format!(
                            "  {}: {}",
                            serde_json::to_string(h).expect("a string serializes"),
                            indent(&generate::render(
                                &generate::minimal_policy(&l),
                                h,
                                Format::Json
                            ))
                        )
                    })
                })
                .collect();
            (!parts.is_empty()).then(|| format!("{{\n{}\n}}\n", parts.join(",\n")))
        }
    };
    let together = missing
        .iter()
        .any(|m| m.half == Some(crate::verdict::drift::TOGETHER));
    let Some(out) = out else {
        if together {
            // No statement added can undo a Deny: the Deny itself must go or narrow.
            eprintln!(
                "no statement to add to `{shown}`: remove or narrow the Deny that takes the calls above away (a service that reads and writes attaches both halves to its role), or write it again with the same command without --check"
            );
        } else {
            eprintln!(
                "the file's own statements are enough: no statement to add to `{shown}`; the other account's policy must allow the calls above (`check` on that account confirms it)"
            );
        }
        return exit::FAIL;
    };
    eprintln!(
        "add the statements below to `{shown}`{}, or write it again with the same command without --check",
        if matches!(committed, Committed::Split { .. }) {
            " (each to the policy of its key)"
        } else {
            ""
        }
    );
    match emit(|w| w.write_all(out.as_bytes())) {
        Ok(()) => exit::FAIL,
        Err(e) => {
            eprintln!("error: cannot write output: {e}");
            exit::ERROR
        }
    }
}

/// A string of the policy that Terraform's `aws_iam_policy_document` would change: it replaces
/// `&{` with `${` in every value (terraform-provider-aws, `dataSourcePolicyDocumentVarReplacer`),
/// and no escape turns that off.
fn terraform_unsafe(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if s.contains("&{") => Some(s.clone()),
        Value::Array(items) => items.iter().find_map(terraform_unsafe),
        Value::Object(m) => m.values().find_map(terraform_unsafe),
        _ => None,
    }
}

fn indent(json: &str) -> String {
    json.trim_end().lines().collect::<Vec<_>>().join("\n  ")
}
