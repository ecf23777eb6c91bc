//! SAM (`Transform: AWS::Serverless-2016-10-31`): `Globals`, the execution role SAM creates for
//! an `AWS::Serverless::Function` without `Role`, and its `Policies` (SAM policy templates such
//! as `DynamoDBCrudPolicy`, managed policy names or ARNs, inline statements), as the AWS SAM
//! translator builds them. The templates and the managed-policy name list are data shipped from
//! the translator (`data/`, refreshed by `data/refresh-sam-data.sh`); the tests compare this
//! module with the translator itself. Pure: no AWS calls.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

use super::cfn::{Cfn, Cond, Ev, Res, literal_text};
use super::error::{IacError, IacErrorKind, IacErrors};
use super::model::*;
use super::syntax::{Key, Node, NodeKind};
use super::value::{Text, Unknown, UnknownCode, Value};

const TEMPLATES_JSON: &str = include_str!("data/sam-policy-templates.json");
const MANAGED_JSON: &str = include_str!("data/sam-managed-policies.json");

#[derive(Deserialize)]
struct TemplatesFile {
    metadata: serde_json::Value,
    #[serde(rename = "Templates")]
    templates: HashMap<String, PolicyTemplate>,
}

#[derive(Deserialize)]
struct PolicyTemplate {
    #[serde(rename = "Definition")]
    definition: serde_json::Value,
    #[serde(rename = "Parameters", default)]
    parameters: serde_json::Map<String, serde_json::Value>,
}

#[derive(Deserialize)]
struct ManagedFile {
    metadata: serde_json::Value,
    #[serde(rename = "Policies")]
    policies: HashMap<String, ManagedName>,
}

#[derive(Deserialize)]
struct ManagedName {
    suffix: String,
    partitions: Vec<String>,
}

impl ManagedFile {
    fn partition_count(&self) -> usize {
        let mut all: Vec<&str> = self
            .policies
            .values()
            .flat_map(|m| m.partitions.iter().map(String::as_str))
            .collect();
        all.sort_unstable();
        all.dedup();
        all.len()
    }
}

fn templates() -> &'static TemplatesFile {
    static T: OnceLock<TemplatesFile> = OnceLock::new();
    T.get_or_init(|| {
        serde_json::from_str(TEMPLATES_JSON).expect("shipped SAM policy templates are valid")
    })
}

fn managed_names() -> &'static ManagedFile {
    static M: OnceLock<ManagedFile> = OnceLock::new();
    M.get_or_init(|| {
        serde_json::from_str(MANAGED_JSON).expect("shipped SAM managed policy names are valid")
    })
}

/// The aws-sam-translator version the shipped data comes from.
pub fn translator_version() -> &'static str {
    templates().metadata["aws_sam_translator_version"]
        .as_str()
        .unwrap_or("unknown")
}

/// Where the shipped SAM data comes from and how new it is (`--version` prints it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataSnapshot {
    pub translator_version: &'static str,
    /// The date of aws-sam-translator's policy templates file the data was taken from.
    pub templates_date: &'static str,
    /// The date of its managed policy names file.
    pub managed_date: &'static str,
}

/// The shipped data's versions and dates, read from the data files' `metadata`.
pub fn data_snapshot() -> DataSnapshot {
    let date = |m: &'static serde_json::Value| m["file_date"].as_str().unwrap_or("unknown");
    DataSnapshot {
        translator_version: translator_version(),
        templates_date: date(&templates().metadata),
        managed_date: date(&managed_names().metadata),
    }
}

/// Names of every shipped SAM policy template.
pub fn policy_template_names() -> Vec<&'static str> {
    let mut v: Vec<&str> = templates().templates.keys().map(String::as_str).collect();
    v.sort_unstable();
    v
}

/// `Globals` sections, merged into each resource as the translator does: mappings merge key by
/// key (the resource's value wins), lists concatenate (globals first), anything else the
/// resource's value wins; an intrinsic function counts as a plain value.
#[derive(Default)]
pub(crate) struct Globals {
    function: Option<Node>,
    simple_table: Option<Node>,
}

impl Globals {
    pub(crate) fn read(cfn: &Cfn, root: &Node) -> Result<Globals, IacErrors> {
        let mut g = Globals::default();
        let Some(globals) = root.get("Globals") else {
            return Ok(g);
        };
        let Some(m) = globals.as_map() else {
            return Err(cfn
                .err(
                    globals,
                    "Globals",
                    IacErrorKind::Invalid {
                        what: "`Globals` must be a mapping".into(),
                    },
                )
                .into());
        };
        for (k, v) in m {
            match k.name.as_str() {
                "Function" => g.function = Some(v.clone()),
                "SimpleTable" => g.simple_table = Some(v.clone()),
                _ => {}
            }
        }
        Ok(g)
    }

    pub(crate) fn apply(&self, ty: &str, props: Node) -> Node {
        let g = match ty {
            "AWS::Serverless::Function" => &self.function,
            "AWS::Serverless::SimpleTable" => &self.simple_table,
            _ => &None,
        };
        match g {
            Some(g) => merge(g, props),
            None => props,
        }
    }
}

fn is_plain_map(n: &Node) -> bool {
    match n.as_map() {
        Some([(k, _)])
            if k.name == "Ref" || k.name.starts_with("Fn::") || k.name == "Condition" =>
        {
            false
        }
        Some(_) => true,
        None => false,
    }
}

fn merge(global: &Node, local: Node) -> Node {
    match (&global.kind, local.kind) {
        (NodeKind::Map(g), NodeKind::Map(l))
            if is_plain_map(global)
                && is_plain_map(&Node {
                    line_col: local.line_col,
                    kind: NodeKind::Map(l.clone()),
                }) =>
        {
            let mut out: Vec<(Key, Node)> = g.clone();
            for (k, v) in l {
                match out.iter_mut().find(|(gk, _)| gk.name == k.name) {
                    Some((_, gv)) => *gv = merge(gv, v),
                    None => out.push((k, v)),
                }
            }
            Node {
                line_col: local.line_col,
                kind: NodeKind::Map(out),
            }
        }
        (NodeKind::Seq(g), NodeKind::Seq(l)) => {
            let mut out = g.clone();
            out.extend(l);
            Node {
                line_col: local.line_col,
                kind: NodeKind::Seq(out),
            }
        }
        (_, kind) => Node {
            line_col: local.line_col,
            kind,
        },
    }
}

/// Properties of the role SAM creates for a function: only what its `Ref`/`Arn` need (its path).
pub(crate) fn implicit_role_props(function_props: &Node, line_col: (usize, usize)) -> Node {
    let mut m = Vec::new();
    if let Some(p) = function_props.get("RolePath") {
        m.push((
            Key {
                name: "Path".into(),
                line_col: p.line_col,
            },
            p.clone(),
        ));
    }
    Node {
        line_col,
        kind: NodeKind::Map(m),
    }
}

fn aws_managed_arn(cfn: &Cfn, suffix: &str) -> Text {
    Text::concat([
        Text::known("arn:"),
        cfn.env.partition.clone(),
        Text::known(format!(":iam::aws:policy/{suffix}")),
    ])
}

/// A managed policy name or ARN in `Policies`, as the translator turns it into an ARN: first
/// its bundled list of AWS managed policies (for the stack's partition), then an ARN as given,
/// else the name (which SAM would look up in IAM at transform time).
fn managed_arn_of(cfn: &Cfn, name: &str) -> ManagedPolicyArn {
    let data = managed_names();
    if let Some(m) = data.policies.get(name) {
        let listed = match cfn.env.partition.as_known() {
            Some(p) => m.partitions.iter().any(|x| x == p),
            // No --region, so no partition: the name's path is the same in every partition (the
            // refresh script checks); use it only when every partition SAM knows lists it.
            None => m.partitions.len() == data.partition_count(),
        };
        if listed {
            return ManagedPolicyArn::Arn(aws_managed_arn(cfn, &m.suffix));
        }
    }
    if name.starts_with("arn:") {
        ManagedPolicyArn::Arn(literal_text(name))
    } else {
        ManagedPolicyArn::Name(name.to_string())
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum EntryType {
    Managed,
    Statement,
    Template,
    NoValue,
    Invalid,
}

fn is_no_value(n: &Node) -> bool {
    matches!(n.as_map(), Some([(k, v)]) if k.name == "Ref" && v.as_str() == Some("AWS::NoValue"))
}

/// How the translator classifies an entry of `Policies` (`ResourcePolicies._get_type`).
fn entry_type(n: &Node) -> EntryType {
    match &n.kind {
        NodeKind::Str(_) => EntryType::Managed,
        NodeKind::Map(m) => match m.as_slice() {
            [(k, _)] if k.name == "Ref" && is_no_value(n) => EntryType::NoValue,
            [(k, v)] if k.name == "Fn::If" => match v.as_seq() {
                Some([_, a, b]) => {
                    let (ta, tb) = (entry_type(a), entry_type(b));
                    match (ta, tb) {
                        _ if ta == tb => ta,
                        (EntryType::NoValue, t) | (t, EntryType::NoValue) => t,
                        _ => EntryType::Invalid,
                    }
                }
                _ => EntryType::Invalid,
            },
            [(k, _)] if k.name == "Ref" || k.name.starts_with("Fn::") => EntryType::Managed,
            _ if m.iter().any(|(k, _)| k.name == "Statement") => EntryType::Statement,
            [(k, _)] if templates().templates.contains_key(&k.name) => EntryType::Template,
            _ => EntryType::Invalid,
        },
        _ => EntryType::Invalid,
    }
}

/// A policy template with its parameters: the template's `Ref`s to its own parameters replaced
/// by the values given (`PolicyTemplate.to_statement`), evaluated like the rest of the template.
fn expand_template(cfn: &Cfn, n: &Node, path: &str) -> Result<Value, IacError> {
    let [(k, params)] = n.as_map().expect("classified as a template") else {
        unreachable!()
    };
    let t = templates().templates.get(&k.name).ok_or_else(|| {
        cfn.err(
            n,
            path,
            IacErrorKind::UnknownPolicyTemplate {
                name: k.name.clone(),
            },
        )
    })?;
    let Some(given) = params.as_map() else {
        return Err(cfn.err(params, path, IacErrorKind::Invalid {
            what: format!("SAM policy template `{}` takes a mapping of parameters (`{{}}` when it has none)", k.name),
        }));
    };
    let mut missing: Vec<&str> = t
        .parameters
        .keys()
        .filter(|p| !given.iter().any(|(g, _)| &g.name == *p))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        missing.sort_unstable();
        return Err(cfn.err(
            params,
            path,
            IacErrorKind::PolicyTemplateParameters {
                template: k.name.clone(),
                missing: missing
                    .iter()
                    .map(|m| format!("`{m}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
            },
        ));
    }
    let def = substitute(&t.definition, &t.parameters, given, n.line_col);
    match cfn.eval(&def, &format!("{path}.{}", k.name))? {
        Ev::V(v) => Ok(v),
        Ev::NoValue => Ok(Value::Null),
    }
}

fn substitute(
    v: &serde_json::Value,
    params: &serde_json::Map<String, serde_json::Value>,
    given: &[(Key, Node)],
    line_col: (usize, usize),
) -> Node {
    let kind = match v {
        serde_json::Value::Object(o) => {
            if o.len() == 1
                && let Some(serde_json::Value::String(p)) = o.get("Ref")
                && params.contains_key(p)
                && let Some((_, g)) = given.iter().find(|(k, _)| &k.name == p)
            {
                return g.clone();
            }
            NodeKind::Map(
                o.iter()
                    .map(|(k, v)| {
                        (
                            Key {
                                name: k.clone(),
                                line_col,
                            },
                            substitute(v, params, given, line_col),
                        )
                    })
                    .collect(),
            )
        }
        serde_json::Value::Array(a) => NodeKind::Seq(
            a.iter()
                .map(|v| substitute(v, params, given, line_col))
                .collect(),
        ),
        serde_json::Value::String(s) => NodeKind::Str(s.clone()),
        serde_json::Value::Number(n) => NodeKind::Number(n.to_string()),
        serde_json::Value::Bool(b) => NodeKind::Bool(*b),
        serde_json::Value::Null => NodeKind::Null,
    };
    Node { line_col, kind }
}

fn lambda_trust() -> Value {
    Value::from_json(&serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Action": ["sts:AssumeRole"], "Effect": "Allow", "Principal": {"Service": ["lambda.amazonaws.com"]}}]
    }))
}

/// The policies, boundary, trust policy and tags of the role SAM creates for `f`
/// (`SamFunction._construct_role` and `construct_role_for_resource`).
pub(crate) fn implicit_role_policies(
    cfn: &Cfn,
    f: &Res,
    role: &mut Principal,
) -> Result<(), IacError> {
    let fp = format!("Resources.{}.Properties", f.id);
    let role_id = role.id.clone();
    role.trust = Some(match cfn.prop(f, "AssumeRolePolicyDocument")? {
        Some(v) => cfn.document(f, v, "AssumeRolePolicyDocument")?,
        None => lambda_trust(),
    });
    if let Some(t) = cfn.prop_text(f, "PermissionsBoundary")? {
        role.boundary = Some(ManagedPolicyRef {
            arn: ManagedPolicyArn::Arn(t),
            document: ManagedDocument::Referenced,
        });
    }
    let mut tags = vec![("lambda:createdBy".to_string(), Value::known("SAM"))];
    if let Some(Value::Map(m)) = cfn.prop(f, "Tags")? {
        tags.extend(m);
    }
    role.tags = tags;

    let mut managed: Vec<(ManagedPolicyArn, String)> = Vec::new();
    let basic = if f.props.get("DurableConfig").is_some() {
        "service-role/AWSLambdaBasicDurableExecutionRolePolicy"
    } else {
        "service-role/AWSLambdaBasicExecutionRole"
    };
    managed.push((
        ManagedPolicyArn::Arn(aws_managed_arn(cfn, basic)),
        format!("{}.(SAM execution role)", f.id),
    ));
    if f.props.get("Tracing").is_some() {
        match cfn.prop_text(f, "Tracing")? {
            Some(t) if t.as_known() == Some("Disabled") => {}
            None => {}
            Some(t) => {
                if !t.is_known() {
                    cfn.notes.borrow_mut().push(format!(
                        "`{}`: whether SAM adds the X-Ray policy depends on `Tracing` = `{t}`; assumed added (it only grants X-Ray)",
                        f.id
                    ));
                }
                let xray = match cfn.env.partition.as_known() {
                    Some("aws") | None => "AWSXrayWriteOnlyAccess",
                    Some(_) => "AWSXRayDaemonWriteAccess",
                };
                managed.push((
                    ManagedPolicyArn::Arn(aws_managed_arn(cfn, xray)),
                    format!("{}.Tracing", f.id),
                ));
            }
        }
    }
    if f.props.get("VpcConfig").is_some() {
        managed.push((
            ManagedPolicyArn::Arn(aws_managed_arn(
                cfn,
                "service-role/AWSLambdaVPCAccessExecutionRole",
            )),
            format!("{}.VpcConfig", f.id),
        ));
    }
    let mut inline: Vec<IdentityPolicy> = Vec::new();
    if let Some(dlq) = cfn.prop(f, "DeadLetterQueue")? {
        let action = match dlq
            .get("Type")
            .and_then(Value::to_text)
            .as_ref()
            .and_then(Text::as_known)
        {
            Some("SQS") => "sqs:SendMessage",
            Some("SNS") => "sns:Publish",
            _ => {
                return Err(cfn.err(
                    &f.props,
                    &format!("{fp}.DeadLetterQueue"),
                    IacErrorKind::Invalid {
                        what: "`DeadLetterQueue.Type` must be `SQS` or `SNS`".into(),
                    },
                ));
            }
        };
        let target = dlq.get("TargetArn").cloned().unwrap_or(Value::Null);
        inline.push(IdentityPolicy {
            attachment: Attachment::Certain,
            name: Text::known("DeadLetterQueuePolicy"),
            origin: format!("{}.DeadLetterQueue", f.id),
            body: PolicyBody::Inline {
                document: Value::Map(vec![
                    ("Version".into(), Value::known("2012-10-17")),
                    (
                        "Statement".into(),
                        Value::List(vec![Value::Map(vec![
                            ("Action".into(), Value::known(action)),
                            ("Resource".into(), target),
                            ("Effect".into(), Value::known("Allow")),
                        ])]),
                    ),
                ]),
            },
        });
    }

    let entries: Vec<Node> = match f.props.get("Policies") {
        None => Vec::new(),
        Some(n) => match &n.kind {
            NodeKind::Seq(s) => s.clone(),
            NodeKind::Null => Vec::new(),
            _ => vec![n.clone()],
        },
    };
    for (i, entry) in entries.iter().enumerate() {
        let path = format!("{fp}.Policies[{i}]");
        let origin = format!("{}.Policies[{i}]", f.id);
        let ty = entry_type(entry);
        // An `Fn::If` entry: take the branch its condition selects.
        let chosen: Option<&Node> = match entry.as_map() {
            Some([(k, v)]) if k.name == "Fn::If" => {
                let [c, a, b] = v.as_seq().expect("classified") else {
                    unreachable!()
                };
                let Some(cname) = c.as_str() else {
                    return Err(cfn.err(
                        entry,
                        &path,
                        IacErrorKind::BadIntrinsic {
                            function: "Fn::If".into(),
                            why: "the first element is a condition name".into(),
                        },
                    ));
                };
                match cfn.condition(cname, entry, &path)? {
                    Cond::True => Some(a),
                    Cond::False => Some(b),
                    Cond::Undecided(why) => {
                        inline.push(IdentityPolicy {
                            attachment: Attachment::Certain,
                            name: Text::known(format!("{role_id}Policy{i}")),
                            origin,
                            body: PolicyBody::Unknown {
                                unknown: Unknown::new(
                                    UnknownCode::UndecidedCondition,
                                    format!(
                                        "condition `{cname}` is not decided before deploy: {why}"
                                    ),
                                ),
                            },
                        });
                        continue;
                    }
                }
            }
            _ => Some(entry),
        };
        let Some(node) = chosen else { continue };
        if is_no_value(node) {
            continue;
        }
        match ty {
            EntryType::Statement => {
                let doc = match cfn.eval(node, &path)? {
                    Ev::V(v) => v,
                    Ev::NoValue => continue,
                };
                inline.push(IdentityPolicy {
                    attachment: Attachment::Certain,
                    name: Text::known(format!("{role_id}Policy{i}")),
                    origin,
                    body: PolicyBody::Inline { document: doc },
                });
            }
            EntryType::Template => {
                let doc = expand_template(cfn, node, &path)?;
                inline.push(IdentityPolicy {
                    attachment: Attachment::Certain,
                    name: Text::known(format!("{role_id}Policy{i}")),
                    origin,
                    body: PolicyBody::Inline { document: doc },
                });
            }
            EntryType::Managed => {
                let arn = match &node.kind {
                    NodeKind::Str(s) => managed_arn_of(cfn, s),
                    _ => match cfn.eval(node, &path)? {
                        Ev::NoValue => continue,
                        Ev::V(Value::Unknown(u)) => {
                            inline.push(IdentityPolicy {
                                attachment: Attachment::Certain,
                                name: Text::default(),
                                origin,
                                body: PolicyBody::Unknown { unknown: u },
                            });
                            continue;
                        }
                        Ev::V(v) => ManagedPolicyArn::Arn(v.to_text().ok_or_else(|| {
                            cfn.err(
                                node,
                                &path,
                                IacErrorKind::Invalid {
                                    what: "a managed policy entry must be a string".into(),
                                },
                            )
                        })?),
                    },
                };
                let dup = managed.iter().any(|(a, _)| match (a, &arn) {
                    (ManagedPolicyArn::Arn(x), ManagedPolicyArn::Arn(y)) => x.certainly_equal(y),
                    (ManagedPolicyArn::Name(x), ManagedPolicyArn::Name(y)) => x == y,
                    _ => false,
                });
                if !dup {
                    managed.push((arn, origin));
                }
            }
            EntryType::NoValue => {}
            EntryType::Invalid => {
                return Err(cfn.err(entry, &path, IacErrorKind::Invalid {
                    what: format!(
                        "policy at index {i} in `Policies` of `{}` is not a managed policy name or ARN, a policy document with `Statement`, or a SAM policy template (known: see `sam::policy_template_names`)",
                        f.id
                    ),
                }));
            }
        }
    }
    role.policies.extend(inline);
    for (arn, origin) in managed {
        let name = match &arn {
            ManagedPolicyArn::Arn(t) => t.clone(),
            ManagedPolicyArn::Name(n) => Text::known(n.clone()),
        };
        role.policies.push(IdentityPolicy {
            attachment: Attachment::Certain,
            name,
            origin,
            body: PolicyBody::Managed(ManagedPolicyRef {
                arn,
                document: ManagedDocument::Referenced,
            }),
        });
    }
    Ok(())
}

/// What SAM adds to a function's role that this reader does not model: each can only add
/// Allow statements (event sources, destinations, connectors), so it cannot hide a Deny.
pub(crate) fn function_notes(cfn: &Cfn, f: &Res) {
    let mut notes = cfn.notes.borrow_mut();
    if let Some(events) = f.props.get("Events").and_then(Node::as_map) {
        for (name, e) in events {
            let ty = e.get("Type").and_then(Node::as_str).unwrap_or("?");
            if matches!(
                ty,
                "DynamoDB" | "Kinesis" | "SQS" | "MQ" | "MSK" | "SelfManagedKafka" | "DocumentDB"
            ) {
                notes.push(format!(
                    "`{}`: event `{}` ({ty}) makes SAM attach its event-source policy to the role; not read (it only grants reading the event source)",
                    f.id, name.name
                ));
            }
        }
    }
    if f.props.get("EventInvokeConfig").is_some() {
        notes.push(format!(
            "`{}`: EventInvokeConfig destinations add Allow statements to the role; not read",
            f.id
        ));
    }
    if f.props.get("Connectors").is_some() {
        notes.push(format!(
            "`{}`: Connectors add Allow statements to the role; not read",
            f.id
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_data_is_readable_and_has_the_templates_the_issue_names() {
        let names = policy_template_names();
        for t in [
            "DynamoDBCrudPolicy",
            "DynamoDBReadPolicy",
            "DynamoDBWritePolicy",
            "KMSEncryptPolicy",
            "KMSDecryptPolicy",
        ] {
            assert!(names.contains(&t), "{t}");
        }
        assert!(names.len() > 50);
        assert_eq!(translator_version(), "1.115.0");
        let m = &managed_names().policies["AWSLambdaBasicExecutionRole"];
        assert_eq!(m.suffix, "service-role/AWSLambdaBasicExecutionRole");
    }
}
