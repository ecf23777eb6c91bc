//! Terraform plans in JSON (`terraform show -json PLANFILE`,
//! https://developer.hashicorp.com/terraform/internals/json-format) → [`IacModel`]. Reads
//! `resource_changes` (with `after_unknown`), `planned_values`, `prior_state` (data sources such as
//! `aws_iam_policy_document`, whose rendered JSON lives there) and `configuration` together.
//! Pure: no AWS calls, no files.
//!
//! What Terraform really says, and how it is read:
//! - An attribute `after_unknown` marks is known only after apply. If the configuration does not
//!   set it, it is computed by the provider: for `managed_policy_arns`/`inline_policy` of a role
//!   that sets none, that is not a grant of this plan (the attachments are separate resources).
//!   If the configuration sets it, it is an [`Unknown`] naming the attribute, unless the reading
//!   below applies.
//! - Reading a reference: when an unknown attribute's configuration refers to exactly one
//!   attribute of a resource in the plan (`policy_arn = aws_iam_policy.p.arn`, `role =
//!   aws_iam_role.r.name`, `policy = data.aws_iam_policy_document.d.json`), it is read as that
//!   attribute, with the shape AWS gives it (a policy's ARN from its path and name, a key's id
//!   as a symbol). The JSON plan keeps an expression's references, not its text, so
//!   `upper(aws_iam_role.r.name)` reads the same; that is accepted (no real configuration wraps
//!   a link between two resources in a function) and documented here.
//! - A resource the plan creates holds exactly what the plan gives it; one that already exists
//!   (in `prior_state`, no `create` action) may hold attachments made elsewhere: it is marked
//!   [`Completeness::MayHaveMore`], with what the state shows included.
//! - A resource whose only action is `delete` does not exist after apply and is left out.

use std::collections::HashMap;

use serde_json::Value as J;

use super::cfn::partition_of;
use super::error::{IacError, IacErrorKind, IacErrors, Location};
use super::model::*;
use super::syntax;
use super::value::{Symbol, Text, Unknown, UnknownCode, Value};

/// A plan larger than this is refused (a plan of thousands of resources is a few tens of MB).
pub const MAX_PLAN_BYTES: usize = 256 * 1024 * 1024;

/// What the command line says about where the plan applies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanOptions {
    pub account: Option<String>,
    pub region: Option<String>,
}

struct Instance {
    address: String,
    /// The module prefix with instance keys (`module.app[0].`), empty at the root.
    module: String,
    ty: String,
    data: bool,
    after: J,
    after_unknown: J,
    created: bool,
    /// The configuration expressions of the resource block, if found.
    config: Option<J>,
    /// The key of its provider configuration (`aws`, `aws.west`, `module.app:aws`).
    provider: Option<String>,
}

struct Plan<'a> {
    file: &'a str,
    /// Regions of the provider configurations that set one as a constant, by key.
    provider_regions: HashMap<String, String>,
    instances: Vec<Instance>,
    index: HashMap<String, usize>,
    env: Environment,
    unresolved: Vec<Unresolved>,
    notes: Vec<String>,
}

fn plan_err(file: &str, kind: IacErrorKind) -> IacError {
    IacError {
        file: file.to_string(),
        location: Location::default(),
        kind,
    }
}

/// `module.a[0].module.b["x"].aws_iam_role.r[1]` → `module.a.module.b.aws_iam_role.r`.
fn strip_keys(address: &str) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    let mut in_str = false;
    let mut prev = '\0';
    for c in address.chars() {
        match c {
            '"' if depth > 0 && prev != '\\' => in_str = !in_str,
            '[' if !in_str => depth += 1,
            ']' if !in_str => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
        prev = c;
    }
    out
}

/// The module prefix of an instance address (with keys), including the final dot.
fn module_prefix(address: &str) -> String {
    let stripped_parts: Vec<&str> = address.split('.').collect();
    // Walk pairs `module.NAME` from the start.
    let mut prefix = String::new();
    let mut i = 0;
    while i + 1 < stripped_parts.len() && stripped_parts[i] == "module" {
        prefix.push_str("module.");
        prefix.push_str(stripped_parts[i + 1]);
        prefix.push('.');
        i += 2;
    }
    prefix
}

/// Configuration blocks by address (module prefix without instance keys): their expressions and
/// the key of the provider configuration they use.
fn collect_config(module: &J, prefix: &str, out: &mut HashMap<String, (J, Option<String>)>) {
    for r in module
        .get("resources")
        .and_then(J::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(a) = r.get("address").and_then(J::as_str) {
            out.insert(
                format!("{prefix}{a}"),
                (
                    r.get("expressions").cloned().unwrap_or(J::Null),
                    r.get("provider_config_key")
                        .and_then(J::as_str)
                        .map(str::to_string),
                ),
            );
        }
    }
    for (name, call) in module
        .get("module_calls")
        .and_then(J::as_object)
        .into_iter()
        .flatten()
    {
        if let Some(m) = call.get("module") {
            collect_config(m, &format!("{prefix}module.{name}."), out);
        }
    }
}

fn collect_values(module: &J, out: &mut Vec<(String, J)>) {
    for r in module
        .get("resources")
        .and_then(J::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(a) = r.get("address").and_then(J::as_str) {
            out.push((a.to_string(), r.clone()));
        }
    }
    for m in module
        .get("child_modules")
        .and_then(J::as_array)
        .into_iter()
        .flatten()
    {
        collect_values(m, out);
    }
}

/// Reads a plan. `file` names it in messages.
pub fn read_plan(file: &str, text: &str, opts: &PlanOptions) -> Result<IacModel, IacErrors> {
    if text.len() > MAX_PLAN_BYTES {
        return Err(plan_err(
            file,
            IacErrorKind::TooLarge {
                limit: MAX_PLAN_BYTES,
                what: "a Terraform plan this tool reads",
            },
        )
        .into());
    }
    let root: J = serde_json::from_str(text).map_err(|e| IacError {
        file: file.to_string(),
        location: Location {
            line_col: Some((e.line(), e.column())),
            path: String::new(),
        },
        kind: IacErrorKind::NotAPlan {
            why: format!("not JSON ({e})"),
        },
    })?;
    let Some(obj) = root.as_object() else {
        return Err(plan_err(
            file,
            IacErrorKind::NotAPlan {
                why: "the JSON is not an object".into(),
            },
        )
        .into());
    };
    if obj.contains_key("Resources") || obj.contains_key("AWSTemplateFormatVersion") {
        return Err(plan_err(
            file,
            IacErrorKind::NotAPlan {
                why: "it looks like a CloudFormation template; use --template".into(),
            },
        )
        .into());
    }
    let Some(version) = obj.get("format_version").and_then(J::as_str) else {
        return Err(plan_err(
            file,
            IacErrorKind::NotAPlan {
                why: "it has no `format_version`".into(),
            },
        )
        .into());
    };
    if !(version.starts_with("1.") || version.starts_with("0.")) {
        return Err(plan_err(
            file,
            IacErrorKind::PlanVersion {
                version: version.to_string(),
            },
        )
        .into());
    }
    if !obj.contains_key("planned_values") && !obj.contains_key("resource_changes") {
        let why = if obj.contains_key("values") {
            "it is a state, not a plan (it has `values`, no `planned_values`)"
        } else {
            "it has neither `planned_values` nor `resource_changes`"
        };
        return Err(plan_err(file, IacErrorKind::NotAPlan { why: why.into() }).into());
    }

    let mut config = HashMap::new();
    if let Some(m) = root.pointer("/configuration/root_module") {
        collect_config(m, "", &mut config);
    }
    let mut prior = Vec::new();
    if let Some(m) = root.pointer("/prior_state/values/root_module") {
        collect_values(m, &mut prior);
    }
    let mut planned = Vec::new();
    if let Some(m) = root.pointer("/planned_values/root_module") {
        collect_values(m, &mut planned);
    }

    let mut instances: Vec<Instance> = Vec::new();
    let mut index = HashMap::new();
    let mut push = |inst: Instance, instances: &mut Vec<Instance>| {
        if let Some(&i) = index.get(&inst.address) {
            instances[i] = inst;
        } else {
            index.insert(inst.address.clone(), instances.len());
            instances.push(inst);
        }
    };
    // Data sources read during planning, and resources as they stand before apply.
    for (address, r) in &prior {
        let data = r.get("mode").and_then(J::as_str) == Some("data");
        push(
            Instance {
                address: address.clone(),
                module: module_prefix(address),
                ty: r.get("type").and_then(J::as_str).unwrap_or("").to_string(),
                data,
                after: r.get("values").cloned().unwrap_or(J::Null),
                after_unknown: J::Null,
                created: false,
                config: config.get(&strip_keys(address)).map(|c| c.0.clone()),
                provider: config.get(&strip_keys(address)).and_then(|c| c.1.clone()),
            },
            &mut instances,
        );
    }
    for (address, r) in &planned {
        push(
            Instance {
                address: address.clone(),
                module: module_prefix(address),
                ty: r.get("type").and_then(J::as_str).unwrap_or("").to_string(),
                data: r.get("mode").and_then(J::as_str) == Some("data"),
                after: r.get("values").cloned().unwrap_or(J::Null),
                after_unknown: J::Null,
                created: !prior.iter().any(|(a, _)| a == address),
                config: config.get(&strip_keys(address)).map(|c| c.0.clone()),
                provider: config.get(&strip_keys(address)).and_then(|c| c.1.clone()),
            },
            &mut instances,
        );
    }
    let mut deleted = Vec::new();
    for rc in root
        .get("resource_changes")
        .and_then(J::as_array)
        .into_iter()
        .flatten()
    {
        let Some(address) = rc.get("address").and_then(J::as_str) else {
            continue;
        };
        let actions: Vec<&str> = rc
            .pointer("/change/actions")
            .and_then(J::as_array)
            .map(|a| a.iter().filter_map(J::as_str).collect())
            .unwrap_or_default();
        if actions == ["delete"] {
            deleted.push(address.to_string());
            continue;
        }
        push(
            Instance {
                address: address.to_string(),
                module: module_prefix(address),
                ty: rc.get("type").and_then(J::as_str).unwrap_or("").to_string(),
                data: rc.get("mode").and_then(J::as_str) == Some("data"),
                after: rc.pointer("/change/after").cloned().unwrap_or(J::Null),
                after_unknown: rc
                    .pointer("/change/after_unknown")
                    .cloned()
                    .unwrap_or(J::Null),
                created: actions.contains(&"create"),
                config: config.get(&strip_keys(address)).map(|c| c.0.clone()),
                provider: config.get(&strip_keys(address)).and_then(|c| c.1.clone()),
            },
            &mut instances,
        );
    }
    instances.retain(|i| !deleted.contains(&i.address));
    let index = instances
        .iter()
        .enumerate()
        .map(|(i, x)| (x.address.clone(), i))
        .collect();

    let env = environment(&root, &instances, opts);
    let mut provider_regions = HashMap::new();
    for (key, p) in root
        .pointer("/configuration/provider_config")
        .and_then(J::as_object)
        .into_iter()
        .flatten()
    {
        if let Some(r) = p
            .pointer("/expressions/region/constant_value")
            .and_then(J::as_str)
        {
            provider_regions.insert(key.clone(), r.to_string());
        }
    }
    let mut plan = Plan {
        file,
        provider_regions,
        instances,
        index,
        env,
        unresolved: Vec::new(),
        notes: Vec::new(),
    };
    plan.build()
}

fn environment(root: &J, instances: &[Instance], opts: &PlanOptions) -> Environment {
    let data_attr = |ty: &str, attr: &str| {
        instances
            .iter()
            .find(|i| i.data && i.ty == ty)
            .and_then(|i| i.after.get(attr))
            .and_then(J::as_str)
            .map(str::to_string)
    };
    let region = opts
        .region
        .clone()
        .or_else(|| {
            root.pointer("/configuration/provider_config/aws/expressions/region/constant_value")
                .and_then(J::as_str)
                .map(str::to_string)
        })
        .or_else(|| data_attr("aws_region", "region"))
        .or_else(|| data_attr("aws_region", "name"));
    let account = opts
        .account
        .clone()
        .or_else(|| data_attr("aws_caller_identity", "account_id"));
    let partition = data_attr("aws_partition", "partition")
        .or_else(|| region.as_deref().map(|r| partition_of(r).to_string()));
    Environment {
        partition: partition
            .map(Text::known)
            .unwrap_or_else(|| Text::symbol(Symbol::new("AWS::Partition", "Ref"))),
        region: region
            .map(Text::known)
            .unwrap_or_else(|| Text::symbol(Symbol::new("AWS::Region", "Ref"))),
        account: account
            .map(Text::known)
            .unwrap_or_else(|| Text::symbol(Symbol::new("AWS::AccountId", "Ref"))),
        stack_name: None,
    }
}

/// A JSON value with `after_unknown`'s marks turned into unknowns.
fn with_unknowns(after: &J, unknown: &J, label: &str) -> Value {
    if unknown == &J::Bool(true) {
        return Value::Unknown(Unknown::new(
            UnknownCode::AfterApply,
            format!("`{label}` is known only after apply"),
        ));
    }
    match (after, unknown) {
        (J::Array(a), J::Array(u)) => Value::List(
            a.iter()
                .enumerate()
                .map(|(i, v)| {
                    with_unknowns(v, u.get(i).unwrap_or(&J::Null), &format!("{label}[{i}]"))
                })
                .collect(),
        ),
        (J::Array(a), _) => Value::List(
            a.iter()
                .enumerate()
                .map(|(i, v)| with_unknowns(v, &J::Null, &format!("{label}[{i}]")))
                .collect(),
        ),
        (J::Object(o), _) => {
            let mut m: Vec<(String, Value)> = o
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        with_unknowns(
                            v,
                            unknown.get(k).unwrap_or(&J::Null),
                            &format!("{label}.{k}"),
                        ),
                    )
                })
                .collect();
            // Attributes unknown and absent from `after`.
            if let J::Object(uo) = unknown {
                for (k, u) in uo {
                    if u == &J::Bool(true) && !o.contains_key(k) {
                        m.push((
                            k.clone(),
                            with_unknowns(&J::Null, u, &format!("{label}.{k}")),
                        ));
                    }
                }
            }
            Value::Map(m)
        }
        _ => Value::from_json(after),
    }
}

impl<'a> Plan<'a> {
    fn inst(&self, address: &str) -> Option<&Instance> {
        self.index.get(address).map(|&i| &self.instances[i])
    }

    /// The attribute as the plan says it (known, or unknown with the mark), without reading
    /// references.
    fn raw(&self, i: &Instance, attr: &str) -> Value {
        let label = format!("{}.{attr}", i.address);
        let after = i.after.get(attr).unwrap_or(&J::Null);
        let unknown = i.after_unknown.get(attr).unwrap_or(&J::Null);
        with_unknowns(after, unknown, &label)
    }

    fn configured(&self, i: &Instance, attr: &str) -> bool {
        i.config.as_ref().and_then(|c| c.get(attr)).is_some()
    }

    /// The one resource attribute an attribute's configuration refers to, as an absolute
    /// address and attribute name.
    fn single_reference(&self, i: &Instance, attr: &str) -> Option<(String, String)> {
        let refs: Vec<&str> = i
            .config
            .as_ref()?
            .get(attr)?
            .get("references")?
            .as_array()?
            .iter()
            .filter_map(J::as_str)
            .collect();
        let leaves: Vec<&str> = refs
            .iter()
            .copied()
            .filter(|r| {
                !refs.iter().any(|o| {
                    o != r && (o.starts_with(&format!("{r}.")) || o.starts_with(&format!("{r}[")))
                })
            })
            .collect();
        let [leaf] = leaves.as_slice() else {
            return None;
        };
        let (res, attr) = leaf.rsplit_once('.')?;
        let address = format!("{}{res}", i.module);
        self.inst(&address).map(|_| (address, attr.to_string()))
    }

    /// An attribute, reading an unknown one through its reference (see the module docs).
    fn attr(&self, i: &Instance, attr: &str) -> Value {
        let v = self.raw(i, attr);
        if !matches!(v, Value::Unknown(_)) {
            return v;
        }
        match self.single_reference(i, attr) {
            Some((address, a)) => self.resolved_attr(&address, &a, 0),
            None => {
                let refs = i
                    .config
                    .as_ref()
                    .and_then(|c| c.get(attr))
                    .and_then(|e| e.get("references"))
                    .and_then(J::as_array)
                    .map(|r| {
                        r.iter()
                            .filter_map(J::as_str)
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_default();
                Value::Unknown(Unknown::new(
                    UnknownCode::AfterApply,
                    if refs.is_empty() {
                        format!("`{}.{attr}` is known only after apply", i.address)
                    } else {
                        format!(
                            "`{}.{attr}` is known only after apply (its configuration refers to {refs})",
                            i.address
                        )
                    },
                ))
            }
        }
    }

    fn attr_text(&self, i: &Instance, attr: &str) -> Option<Text> {
        match self.attr(i, attr) {
            Value::Null => None,
            v => v.to_text(),
        }
    }

    /// The value of `address.attribute` after apply, with the shape AWS gives it when unknown.
    fn resolved_attr(&self, address: &str, attr: &str, depth: usize) -> Value {
        let Some(i) = self.inst(address) else {
            return Value::Unknown(Unknown::new(
                UnknownCode::NotInInput,
                format!("`{address}` is not in the plan"),
            ));
        };
        if depth > 8 {
            return Value::Unknown(Unknown::new(
                UnknownCode::NotInInput,
                format!("`{address}.{attr}`: references too deep"),
            ));
        }
        if i.data && i.ty == "aws_iam_policy_document" && attr == "json" {
            return self.policy_document_data(i);
        }
        let raw = self.raw(i, attr);
        if !matches!(raw, Value::Unknown(_)) {
            return raw;
        }
        if let Some((a, at)) = self.single_reference(i, attr) {
            return self.resolved_attr(&a, &at, depth + 1);
        }
        Value::Text(self.shaped(i, attr))
    }

    fn sym(&self, i: &Instance, attr: &str) -> Text {
        Text::symbol(Symbol::new(i.address.clone(), attr))
    }

    /// A name; unknown before apply only when the provider or AWS generates it (`name_prefix`,
    /// or no name), so the symbol's shape says "generated".
    fn name_of(&self, i: &Instance, attr: &str) -> Text {
        match self.raw(i, attr) {
            Value::Text(t) => t,
            _ => Text::symbol(Symbol::new(i.address.clone(), attr).with_shape(vec![
                super::value::Part::Unknown(Unknown::new(
                    UnknownCode::Generated,
                    format!("the name generated for `{}` at apply", i.address),
                )),
            ])),
        }
    }

    fn path_of(&self, i: &Instance) -> Text {
        match self.raw(i, "path") {
            Value::Text(t) => t,
            Value::Null => Text::known("/"),
            _ => Text::unknown(Unknown::new(
                UnknownCode::AfterApply,
                format!("`{}.path` is known only after apply", i.address),
            )),
        }
    }

    fn iam_arn(&self, kind: &str, path: Text, name: Text) -> Text {
        Text::concat([
            Text::known("arn:"),
            self.env.partition.clone(),
            Text::known(":iam::"),
            self.env.account.clone(),
            Text::known(format!(":{kind}")),
            path,
            name,
        ])
    }

    /// The region a resource is created in: its own `region` argument (AWS provider 6), else
    /// its provider configuration's; a configuration other than the default one whose region
    /// the plan does not show as a constant gives a symbol, never the default's region.
    fn region_of(&self, i: &Instance) -> Text {
        if let Value::Text(t) = self.raw(i, "region")
            && t.as_known().is_some_and(|r| !r.is_empty())
        {
            return t;
        }
        match i.provider.as_deref() {
            None | Some("aws") => self.env.region.clone(),
            Some(key) => match self.provider_regions.get(key) {
                Some(r) => Text::known(r.clone()),
                None => Text::symbol(Symbol::new(format!("provider[{key}]"), "region")),
            },
        }
    }

    fn regional_arn(&self, i: &Instance, service: &str, resource: Text) -> Text {
        Text::concat([
            Text::known("arn:"),
            self.env.partition.clone(),
            Text::known(format!(":{service}:")),
            self.region_of(i),
            Text::known(":"),
            self.env.account.clone(),
            Text::known(":"),
            resource,
        ])
    }

    /// An identifier unknown before apply, with the shape AWS gives it.
    fn shaped(&self, i: &Instance, attr: &str) -> Text {
        match (i.ty.as_str(), attr) {
            ("aws_iam_role", "arn") => {
                self.iam_arn("role", self.path_of(i), self.name_of(i, "name"))
            }
            ("aws_iam_user", "arn") => {
                self.iam_arn("user", self.path_of(i), self.name_of(i, "name"))
            }
            ("aws_iam_group", "arn") => {
                self.iam_arn("group", self.path_of(i), self.name_of(i, "name"))
            }
            ("aws_iam_policy", "arn" | "id") => {
                self.iam_arn("policy", self.path_of(i), self.name_of(i, "name"))
            }
            ("aws_iam_role" | "aws_iam_user" | "aws_iam_group", "id") => self.name_of(i, "name"),
            (
                "aws_iam_role" | "aws_iam_user" | "aws_iam_group" | "aws_iam_policy"
                | "aws_dynamodb_table",
                "name",
            ) => self.name_of(i, "name"),
            ("aws_s3_bucket", "bucket") => self.name_of(i, "bucket"),
            ("aws_lambda_function", "function_name") => self.name_of(i, "function_name"),
            ("aws_kms_key", "key_id" | "id") => self.sym(i, "key_id"),
            ("aws_kms_key", "arn") => self.regional_arn(
                i,
                "kms",
                Text::concat([Text::known("key/"), self.sym(i, "key_id")]),
            ),
            ("aws_dynamodb_table", "arn") => self.regional_arn(
                i,
                "dynamodb",
                Text::concat([Text::known("table/"), self.name_of(i, "name")]),
            ),
            ("aws_dynamodb_table", "id") => self.name_of(i, "name"),
            ("aws_s3_bucket", "arn") => Text::concat([
                Text::known("arn:"),
                self.env.partition.clone(),
                Text::known(":s3:::"),
                self.name_of(i, "bucket"),
            ]),
            ("aws_s3_bucket", "id") => self.name_of(i, "bucket"),
            ("aws_lambda_function", "arn") => self.regional_arn(
                i,
                "lambda",
                Text::concat([Text::known("function:"), self.name_of(i, "function_name")]),
            ),
            _ => self.sym(i, attr),
        }
    }

    /// A policy document attribute (JSON text) as a value.
    fn document(&self, i: &Instance, attr: &str) -> Option<Value> {
        match self.attr(i, attr) {
            Value::Null => None,
            Value::Text(t) => Some(match t.as_known() {
                Some("") => Value::Null,
                Some(s) => match syntax::parse(s) {
                    Ok(Some(n)) => Value::from_json(&n.to_json()),
                    Ok(None) => Value::Null,
                    Err(e) => Value::Unknown(Unknown::new(
                        UnknownCode::Unsupported,
                        format!(
                            "`{}.{attr}` is not a readable policy document: {}",
                            i.address, e.kind
                        ),
                    )),
                },
                None => Value::Unknown(Unknown::new(
                    UnknownCode::AfterApply,
                    format!(
                        "`{}.{attr}` is JSON text with parts known only after apply (`{t}`)",
                        i.address
                    ),
                )),
            }),
            other => Some(other),
        }
    }

    /// An `aws_iam_policy_document` data source: its rendered `json` when Terraform read it
    /// during planning, else the document rebuilt from its arguments, unknown where they are.
    fn policy_document_data(&self, i: &Instance) -> Value {
        if let Some(J::String(s)) = i.after.get("json")
            && i.after_unknown.get("json") != Some(&J::Bool(true))
            && let Ok(Some(n)) = syntax::parse(s)
        {
            return Value::from_json(&n.to_json());
        }
        for merged in [
            "source_policy_documents",
            "override_policy_documents",
            "source_json",
            "override_json",
        ] {
            match self.raw(i, merged) {
                Value::Null => {}
                Value::List(l) if l.is_empty() => {}
                Value::Text(t) if t.as_known() == Some("") => {}
                _ => {
                    return Value::Unknown(Unknown::new(
                        UnknownCode::AfterApply,
                        format!(
                            "`{}` merges `{merged}` and is read only at apply",
                            i.address
                        ),
                    ));
                }
            }
        }
        let mut statements = Vec::new();
        let st = self.raw(i, "statement");
        for (n, s) in st.as_list().unwrap_or_default().iter().enumerate() {
            let label = format!("{}.statement[{n}]", i.address);
            let mut m: Vec<(String, Value)> = Vec::new();
            if let Some(v) = s.get("sid").filter(|v| !is_empty(v)) {
                m.push(("Sid".into(), v.clone()));
            }
            m.push((
                "Effect".into(),
                s.get("effect")
                    .filter(|v| !is_empty(v))
                    .cloned()
                    .unwrap_or_else(|| Value::known("Allow")),
            ));
            for (k, out) in [
                ("actions", "Action"),
                ("not_actions", "NotAction"),
                ("resources", "Resource"),
                ("not_resources", "NotResource"),
            ] {
                if let Some(v) = s.get(k).filter(|v| !is_empty(v)) {
                    m.push((out.into(), v.clone()));
                }
            }
            for (k, out) in [
                ("principals", "Principal"),
                ("not_principals", "NotPrincipal"),
            ] {
                let Some(v) = s.get(k).filter(|v| !is_empty(v)) else {
                    continue;
                };
                let mut by_type: Vec<(String, Value)> = Vec::new();
                for p in v.as_list().unwrap_or_default() {
                    let ty = p
                        .get("type")
                        .and_then(Value::to_text)
                        .and_then(|t| t.as_known().map(str::to_string));
                    let ids = p.get("identifiers").cloned().unwrap_or(Value::Null);
                    match ty {
                        Some(ty) => match by_type.iter_mut().find(|(t, _)| *t == ty) {
                            Some((_, Value::List(l))) => {
                                l.extend(ids.as_list().unwrap_or_default().iter().cloned())
                            }
                            _ => by_type.push((ty, ids)),
                        },
                        None => {
                            by_type.clear();
                            m.push((
                                out.into(),
                                Value::Unknown(Unknown::new(
                                    UnknownCode::AfterApply,
                                    format!("`{label}.{k}` type known only after apply"),
                                )),
                            ));
                            break;
                        }
                    }
                }
                if !by_type.is_empty() {
                    m.push((out.into(), Value::Map(by_type)));
                }
            }
            if let Some(v) = s.get("condition").filter(|v| !is_empty(v)) {
                let mut by_test: Vec<(String, Value)> = Vec::new();
                let mut unknown = None;
                for c in v.as_list().unwrap_or_default() {
                    let (Some(test), Some(var)) = (
                        c.get("test")
                            .and_then(Value::to_text)
                            .and_then(|t| t.as_known().map(str::to_string)),
                        c.get("variable")
                            .and_then(Value::to_text)
                            .and_then(|t| t.as_known().map(str::to_string)),
                    ) else {
                        unknown = Some(Value::Unknown(Unknown::new(
                            UnknownCode::AfterApply,
                            format!("a condition of `{label}` is known only after apply"),
                        )));
                        break;
                    };
                    let values = c.get("values").cloned().unwrap_or(Value::Null);
                    match by_test.iter_mut().find(|(t, _)| *t == test) {
                        Some((_, Value::Map(vars))) => vars.push((var, values)),
                        _ => by_test.push((test, Value::Map(vec![(var, values)]))),
                    }
                }
                m.push(("Condition".into(), unknown.unwrap_or(Value::Map(by_test))));
            }
            statements.push(Value::Map(m));
        }
        let version = match self.raw(i, "version") {
            Value::Text(t) if t.as_known().is_some_and(|v| !v.is_empty()) => Value::Text(t),
            _ => Value::known("2012-10-17"),
        };
        let statements = match st {
            Value::Unknown(u) => Value::Unknown(u),
            _ => Value::List(statements),
        };
        Value::Map(vec![
            ("Version".into(), version),
            ("Statement".into(), statements),
        ])
    }

    fn build(&mut self) -> Result<IacModel, IacErrors> {
        let mut b = super::cfn::Build::default();
        // Principals and managed policies first.
        for idx in 0..self.instances.len() {
            let i = &self.instances[idx];
            if i.data {
                continue;
            }
            match i.ty.as_str() {
                "aws_iam_role" | "aws_iam_user" | "aws_iam_group" => {
                    let p = self.principal(i);
                    b.principals.push(p);
                }
                "aws_iam_policy" => {
                    let arn = match self.raw(i, "arn") {
                        Value::Text(t) => t,
                        _ => self.shaped(i, "arn"),
                    };
                    b.managed.push(ManagedPolicy {
                        id: i.address.clone(),
                        name: self.name_of(i, "name"),
                        arn,
                        document: self.document(i, "policy").unwrap_or(Value::Null),
                    });
                }
                _ => {}
            }
        }
        let mut links: Vec<(PrincipalKind, Value, IdentityPolicy, String, String)> = Vec::new();
        let mut exclusive_attachments: Vec<(String, Value)> = Vec::new();
        for idx in 0..self.instances.len() {
            let i = &self.instances[idx];
            if i.data {
                continue;
            }
            let a = i.address.clone();
            match i.ty.as_str() {
                "aws_iam_role_policy" | "aws_iam_user_policy" | "aws_iam_group_policy" => {
                    let (kind, attr) = match i.ty.as_str() {
                        "aws_iam_role_policy" => (PrincipalKind::Role, "role"),
                        "aws_iam_user_policy" => (PrincipalKind::User, "user"),
                        _ => (PrincipalKind::Group, "group"),
                    };
                    let body = match self.document(i, "policy") {
                        Some(Value::Unknown(u)) => PolicyBody::Unknown { unknown: u },
                        Some(d) => PolicyBody::Inline { document: d },
                        None => continue,
                    };
                    let pol = IdentityPolicy {
                        attachment: Attachment::Certain,
                        name: self.name_of(i, "name"),
                        origin: a.clone(),
                        body,
                    };
                    links.push((kind, self.attr(i, attr), pol, a, attr.into()));
                }
                "aws_iam_role_policy_attachment"
                | "aws_iam_user_policy_attachment"
                | "aws_iam_group_policy_attachment" => {
                    let (kind, attr) = match i.ty.as_str() {
                        "aws_iam_role_policy_attachment" => (PrincipalKind::Role, "role"),
                        "aws_iam_user_policy_attachment" => (PrincipalKind::User, "user"),
                        _ => (PrincipalKind::Group, "group"),
                    };
                    let pol = self.managed_policy(i, "policy_arn", a.clone());
                    links.push((kind, self.attr(i, attr), pol, a, attr.into()));
                }
                "aws_iam_policy_attachment" => {
                    self.notes.push(format!(
                        "`{a}` (aws_iam_policy_attachment) is exclusive: after apply its policy is attached only to the roles, users and groups it lists, and detached from any other"
                    ));
                    exclusive_attachments.push((a.clone(), self.attr(i, "policy_arn")));
                    for (kind, attr) in [
                        (PrincipalKind::Role, "roles"),
                        (PrincipalKind::User, "users"),
                        (PrincipalKind::Group, "groups"),
                    ] {
                        match self.attr(i, attr) {
                            Value::List(l) => {
                                for (n, t) in l.into_iter().enumerate() {
                                    let pol = self.managed_policy(
                                        i,
                                        "policy_arn",
                                        format!("{a}.{attr}[{n}]"),
                                    );
                                    links.push((kind, t, pol, a.clone(), format!("{attr}[{n}]")));
                                }
                            }
                            Value::Null => {}
                            other => {
                                let pol = self.managed_policy(i, "policy_arn", a.clone());
                                links.push((kind, other, pol, a.clone(), attr.into()));
                            }
                        }
                    }
                }
                "aws_iam_user_group_membership" | "aws_iam_group_membership" => {
                    let (users, groups) = if i.ty == "aws_iam_user_group_membership" {
                        (vec![self.attr(i, "user")], self.attr(i, "groups"))
                    } else {
                        (
                            super::cfn::list_of(self.attr(i, "users")),
                            self.attr(i, "group"),
                        )
                    };
                    let groups = super::cfn::list_of(groups);
                    for u in users {
                        let Some(u) = u.to_text() else { continue };
                        if let Some(p) = b
                            .principals
                            .iter_mut()
                            .find(|p| p.kind == PrincipalKind::User && p.name.certainly_equal(&u))
                        {
                            for g in &groups {
                                if let Some(g) = g.to_text() {
                                    p.groups.push(g.to_string());
                                }
                            }
                        }
                    }
                }
                "aws_kms_key" => {
                    let key_id = match self.raw(i, "key_id") {
                        Value::Text(t) => t,
                        _ => self.sym(i, "key_id"),
                    };
                    let arn = match self.raw(i, "arn") {
                        Value::Text(t) => t,
                        _ => self.shaped(i, "arn"),
                    };
                    let (doc, default_policy) = if self.configured(i, "policy") || !i.created {
                        match self.document(i, "policy") {
                            Some(d) => (d, false),
                            None => (self.env.default_key_policy(), true),
                        }
                    } else {
                        // Not configured: AWS attaches its default key policy
                        // (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html),
                        // unless an aws_kms_key_policy in the plan replaces it (applied below).
                        (self.env.default_key_policy(), true)
                    };
                    b.resource_policies.push(ResourcePolicy {
                        kind: ResourceKind::KmsKey,
                        resource_id: Some(a.clone()),
                        resource: arn.clone(),
                        document: doc,
                        origin: format!("{a}.policy"),
                    });
                    b.keys.push(KmsKey {
                        id: a,
                        key_id,
                        arn,
                        aliases: Vec::new(),
                        default_policy,
                    });
                }
                "aws_dynamodb_table" => {
                    let name = self.name_of(i, "name");
                    let arn = match self.raw(i, "arn") {
                        Value::Text(t) => t,
                        _ => self.shaped(i, "arn"),
                    };
                    let mut table = Table {
                        id: a.clone(),
                        name,
                        arn,
                        key_schema: Vec::new(),
                        global_indexes: Vec::new(),
                        local_indexes: Vec::new(),
                        sse_kms_key: None,
                        created: i.created,
                    };
                    let key = |v: Option<&Value>, ty: &str| {
                        v.and_then(Value::to_text)
                            .filter(|t| t.as_known() != Some(""))
                            .map(|t| KeyElement {
                                attribute: t,
                                key_type: Text::known(ty),
                            })
                    };
                    let h = self.raw(i, "hash_key");
                    let r = self.raw(i, "range_key");
                    table.key_schema.extend(key(Some(&h), "HASH"));
                    table.key_schema.extend(key(Some(&r), "RANGE"));
                    for (attr, out) in [
                        ("global_secondary_index", &mut table.global_indexes),
                        ("local_secondary_index", &mut table.local_indexes),
                    ] {
                        for ix in self.raw(i, attr).as_list().unwrap_or_default() {
                            let mut ks = Vec::new();
                            ks.extend(key(ix.get("hash_key"), "HASH"));
                            ks.extend(key(ix.get("range_key"), "RANGE"));
                            if attr == "local_secondary_index" {
                                ks.splice(0..0, key(Some(&h), "HASH"));
                            }
                            out.push(Index {
                                name: ix.get("name").and_then(Value::to_text).unwrap_or_default(),
                                key_schema: ks,
                            });
                        }
                    }
                    if let Some(sse) = self
                        .raw(i, "server_side_encryption")
                        .as_list()
                        .and_then(|l| l.first().cloned())
                    {
                        table.sse_kms_key = sse
                            .get("kms_key_arn")
                            .and_then(Value::to_text)
                            .filter(|t| t.as_known() != Some(""));
                    }
                    b.tables.push(table);
                }
                "aws_kms_alias" => {
                    if let (Some(name), Some(target)) = (
                        self.attr_text(i, "name"),
                        self.attr_text(i, "target_key_id"),
                    ) {
                        b.pending_aliases.push((name, target));
                    }
                }
                "aws_s3_bucket" => {
                    let name = self.name_of(i, "bucket");
                    let arn = match self.raw(i, "arn") {
                        Value::Text(t) => t,
                        _ => self.shaped(i, "arn"),
                    };
                    b.buckets.push(Bucket {
                        id: a,
                        name,
                        arn,
                        encryption_algorithm: None,
                        encryption_key: None,
                    });
                }
                "aws_lambda_function" => {
                    let role = match self.attr_text(i, "role") {
                        Some(t) => b.role_by_arn(&t),
                        None => FunctionRole::Unknown {
                            unknown: Unknown::new(
                                UnknownCode::AfterApply,
                                format!("`{a}.role` is not known"),
                            ),
                        },
                    };
                    let mut environment = Vec::new();
                    if let Some(e) = self
                        .raw(i, "environment")
                        .as_list()
                        .and_then(|l| l.first().cloned())
                        && let Some(Value::Map(vars)) = e.get("variables").cloned()
                    {
                        environment = vars;
                    }
                    b.functions.push(Function {
                        id: a,
                        name: self.name_of(i, "function_name"),
                        role,
                        environment,
                    });
                }
                _ => {}
            }
        }
        // Resources that refer to others by id: key policies, bucket policies and encryption,
        // table policies.
        for idx in 0..self.instances.len() {
            let i = &self.instances[idx];
            if i.data {
                continue;
            }
            let a = i.address.clone();
            match i.ty.as_str() {
                "aws_kms_key_policy" => {
                    let target = self.attr_text(i, "key_id").unwrap_or_default();
                    let doc = self.document(i, "policy").unwrap_or(Value::Null);
                    let key = b.keys.iter_mut().find(|k| {
                        k.key_id.certainly_equal(&target) || k.arn.certainly_equal(&target)
                    });
                    match key {
                        Some(k) => {
                            k.default_policy = false;
                            let id = k.id.clone();
                            if let Some(rp) = b
                                .resource_policies
                                .iter_mut()
                                .find(|rp| rp.resource_id.as_deref() == Some(&id))
                            {
                                rp.document = doc;
                                rp.origin = format!("{a}.policy");
                            }
                        }
                        None => b.resource_policies.push(ResourcePolicy {
                            kind: ResourceKind::KmsKey,
                            resource_id: None,
                            resource: target,
                            document: doc,
                            origin: format!("{a}.policy"),
                        }),
                    }
                }
                "aws_s3_bucket_policy" => {
                    let bucket = self.attr_text(i, "bucket").unwrap_or_default();
                    b.pending_bucket_policies.push(ResourcePolicy {
                        kind: ResourceKind::S3Bucket,
                        resource_id: None,
                        resource: bucket,
                        document: self.document(i, "policy").unwrap_or(Value::Null),
                        origin: format!("{a}.policy"),
                    });
                }
                "aws_s3_bucket_server_side_encryption_configuration" => {
                    let bucket = self.attr_text(i, "bucket").unwrap_or_default();
                    let rule = self.raw(i, "rule");
                    let def = rule
                        .as_list()
                        .and_then(|l| l.first())
                        .and_then(|r| r.get("apply_server_side_encryption_by_default"))
                        .and_then(|d| d.as_list().and_then(|l| l.first()).cloned());
                    if let Some(b) = b
                        .buckets
                        .iter_mut()
                        .find(|x| x.name.certainly_equal(&bucket))
                        && let Some(d) = def
                    {
                        b.encryption_algorithm = d.get("sse_algorithm").and_then(Value::to_text);
                        b.encryption_key = d
                            .get("kms_master_key_id")
                            .and_then(Value::to_text)
                            .filter(|t| t.as_known() != Some(""));
                    }
                }
                "aws_dynamodb_resource_policy" => {
                    let target = self.attr_text(i, "resource_arn").unwrap_or_default();
                    let table = b
                        .tables
                        .iter()
                        .find(|t| t.arn.certainly_equal(&target))
                        .map(|t| t.id.clone());
                    b.resource_policies.push(ResourcePolicy {
                        kind: ResourceKind::DynamoDbTable,
                        resource_id: table,
                        resource: target,
                        document: self.document(i, "policy").unwrap_or(Value::Null),
                        origin: format!("{a}.policy"),
                    });
                }
                _ => {}
            }
        }
        // Attach, creating principals for names the plan does not manage.
        for (kind, target, pol, res, prop) in links {
            b.attach_to(kind, &target, pol, &res, &prop);
        }
        b.attach_all(&self.env, &mut self.unresolved, "plan");
        self.exclusive(&mut b, &exclusive_attachments);
        b.link_managed_documents();
        let mut unresolved = std::mem::take(&mut self.unresolved);
        b.collect_unresolved(&mut unresolved);
        Ok(IacModel {
            source: SourceKind::TerraformPlan,
            file: self.file.to_string(),
            environment: self.env.clone(),
            principals: b.principals,
            managed_policies: b.managed,
            resource_policies: b.resource_policies,
            tables: b.tables,
            keys: b.keys,
            buckets: b.buckets,
            functions: b.functions,
            unresolved,
            notes: std::mem::take(&mut self.notes),
        })
    }

    fn managed_policy(&self, i: &Instance, attr: &str, origin: String) -> IdentityPolicy {
        match self.attr(i, attr) {
            Value::Unknown(u) => IdentityPolicy {
                attachment: Attachment::Certain,
                name: Text::default(),
                origin,
                body: PolicyBody::Unknown { unknown: u },
            },
            v => {
                let t = v.to_text().unwrap_or_default();
                IdentityPolicy {
                    attachment: Attachment::Certain,
                    name: t.clone(),
                    origin,
                    body: PolicyBody::Managed(ManagedPolicyRef {
                        arn: ManagedPolicyArn::Arn(t),
                        document: ManagedDocument::Referenced,
                    }),
                }
            }
        }
    }

    /// What exclusive settings take away, which the rest of the plan (or IAM today) may show:
    /// - a role that configures `managed_policy_arns` (or `inline_policy`) keeps only those; a
    ///   separate attachment resource fights it, so whether that policy stays is uncertain;
    /// - an `aws_iam_policy_attachment` detaches its policy from every principal it does not
    ///   list: an existing principal that IAM shows holding it now will not after apply.
    fn exclusive(&mut self, b: &mut super::cfn::Build, attachments: &[(String, Value)]) {
        for p in &mut b.principals {
            let Some(i) = self.inst(&p.id) else { continue };
            if p.kind != PrincipalKind::Role {
                continue;
            }
            let managed = self.configured(i, "managed_policy_arns");
            let inline = self.configured(i, "inline_policy");
            for pol in &mut p.policies {
                let (exclusive, attr) = match pol.body {
                    PolicyBody::Managed(_) => (managed, "managed_policy_arns"),
                    _ => (inline, "inline_policy"),
                };
                if exclusive
                    && !pol.origin.starts_with(&format!("{}.{attr}", p.id))
                    && pol.attachment.is_certain()
                {
                    pol.attachment = Attachment::Possible {
                        why: Unknown::new(
                            UnknownCode::Unsupported,
                            format!(
                                "`{}` sets `{attr}` exclusively, which removes what `{}` attaches",
                                p.id, pol.origin
                            ),
                        ),
                    };
                }
            }
        }
        for (address, arn) in attachments {
            let Some(arn) = arn.to_text() else { continue };
            for p in b.principals.iter_mut().filter(|p| !p.created) {
                let listed = p
                    .policies
                    .iter()
                    .any(|pol| pol.origin.starts_with(&format!("{address}.")));
                if !listed {
                    // What the state shows attached will be detached.
                    for pol in &mut p.policies {
                        if let PolicyBody::Managed(ManagedPolicyRef {
                            arn: ManagedPolicyArn::Arn(t),
                            ..
                        }) = &pol.body
                            && t.certainly_equal(&arn)
                        {
                            pol.attachment = Attachment::Possible {
                                why: Unknown::new(
                                    UnknownCode::Unsupported,
                                    format!(
                                        "`{address}` detaches `{arn}` from `{}` at apply",
                                        p.id
                                    ),
                                ),
                            };
                        }
                    }
                    self.unresolved.push(Unresolved {
                        resource: p.id.clone(),
                        property: "attached policies".into(),
                        unknown: Unknown::new(
                            UnknownCode::NotInInput,
                            format!("`{address}` detaches `{arn}` from every {} it does not list: if IAM shows it attached to `{}` now, it will not be after apply", p.kind.as_str(), p.id),
                        ),
                    });
                }
            }
        }
    }

    fn principal(&self, i: &Instance) -> Principal {
        let kind = match i.ty.as_str() {
            "aws_iam_role" => PrincipalKind::Role,
            "aws_iam_user" => PrincipalKind::User,
            _ => PrincipalKind::Group,
        };
        let name = self.name_of(i, "name");
        let arn = match self.raw(i, "arn") {
            Value::Text(t) => t,
            _ => self.shaped(i, "arn"),
        };
        let mut p = Principal {
            id: i.address.clone(),
            kind,
            created: i.created,
            name,
            arn,
            path: self.path_of(i),
            policies: Vec::new(),
            boundary: None,
            trust: None,
            tags: Vec::new(),
            groups: Vec::new(),
            completeness: if i.created {
                Completeness::Exact
            } else {
                Completeness::MayHaveMore {
                    reason: format!(
                        "`{}` exists before this plan: it may hold policies attached outside the plan; the state shows those Terraform saw at refresh",
                        i.address
                    ),
                }
            },
            defined_by: i.address.clone(),
        };
        // The exclusive lists of a role: read when configured, or (for an existing role) as the
        // state shows them; computed-and-not-configured on a new role is not a grant.
        if kind == PrincipalKind::Role {
            let use_lists = |attr: &str| self.configured(i, attr) || !i.created;
            if use_lists("inline_policy") {
                match self.attr(i, "inline_policy") {
                    Value::List(l) => {
                        for (n, ip) in l.iter().enumerate() {
                            let origin = format!("{}.inline_policy[{n}]", i.address);
                            let name = ip.get("name").and_then(Value::to_text).unwrap_or_default();
                            // An empty block (`inline_policy {}`) removes every inline policy.
                            if name.as_known() == Some("") {
                                continue;
                            }
                            let body = match ip.get("policy") {
                                Some(Value::Text(t)) => match t.as_known().map(syntax::parse) {
                                    Some(Ok(Some(node))) => PolicyBody::Inline {
                                        document: Value::from_json(&node.to_json()),
                                    },
                                    _ => PolicyBody::Unknown {
                                        unknown: Unknown::new(
                                            UnknownCode::AfterApply,
                                            format!("`{origin}.policy` is not known before apply"),
                                        ),
                                    },
                                },
                                Some(Value::Unknown(u)) => {
                                    PolicyBody::Unknown { unknown: u.clone() }
                                }
                                _ => PolicyBody::Unknown {
                                    unknown: Unknown::new(
                                        UnknownCode::AfterApply,
                                        format!("`{origin}.policy` is not known before apply"),
                                    ),
                                },
                            };
                            p.policies.push(IdentityPolicy {
                                attachment: Attachment::Certain,
                                name,
                                origin,
                                body,
                            });
                        }
                    }
                    Value::Unknown(u) => p.policies.push(IdentityPolicy {
                        attachment: Attachment::Certain,
                        name: Text::default(),
                        origin: format!("{}.inline_policy", i.address),
                        body: PolicyBody::Unknown { unknown: u },
                    }),
                    _ => {}
                }
            }
            if use_lists("managed_policy_arns") {
                match self.attr(i, "managed_policy_arns") {
                    Value::List(l) => {
                        for (n, v) in l.into_iter().enumerate() {
                            let origin = format!("{}.managed_policy_arns[{n}]", i.address);
                            p.policies.push(match v {
                                Value::Unknown(u) => IdentityPolicy {
                                    attachment: Attachment::Certain,
                                    name: Text::default(),
                                    origin,
                                    body: PolicyBody::Unknown { unknown: u },
                                },
                                v => {
                                    let t = v.to_text().unwrap_or_default();
                                    IdentityPolicy {
                                        attachment: Attachment::Certain,
                                        name: t.clone(),
                                        origin,
                                        body: PolicyBody::Managed(ManagedPolicyRef {
                                            arn: ManagedPolicyArn::Arn(t),
                                            document: ManagedDocument::Referenced,
                                        }),
                                    }
                                }
                            });
                        }
                    }
                    Value::Unknown(u) => p.policies.push(IdentityPolicy {
                        attachment: Attachment::Certain,
                        name: Text::default(),
                        origin: format!("{}.managed_policy_arns", i.address),
                        body: PolicyBody::Unknown { unknown: u },
                    }),
                    _ => {}
                }
            }
            p.trust = self.document(i, "assume_role_policy");
        }
        if kind != PrincipalKind::Group {
            match self.attr(i, "permissions_boundary") {
                Value::Null => {}
                Value::Text(t) if t.as_known() == Some("") => {}
                v => {
                    p.boundary = Some(ManagedPolicyRef {
                        arn: ManagedPolicyArn::Arn(v.to_text().unwrap_or_default()),
                        document: ManagedDocument::Referenced,
                    })
                }
            }
            if let Value::Map(tags) = self.raw(i, "tags") {
                p.tags = tags;
            }
        }
        p
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::List(l) => l.is_empty(),
        Value::Text(t) => t.as_known() == Some(""),
        _ => false,
    }
}
