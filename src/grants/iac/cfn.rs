//! CloudFormation and SAM templates (YAML with short-form tags, or JSON; `cdk synth` output is
//! CloudFormation) → [`IacModel`]. Owns parameters, conditions, mappings, intrinsic functions,
//! pseudo parameters and the resource types that bear on permissions; SAM's function roles,
//! policy templates and `Globals` live in [`super::sam`]. Pure: no AWS calls, no files.
//!
//! Identifiers that exist only after deploy are [`Symbol`]s with the shape AWS gives them:
//! `!Ref Table` without `TableName` is `Table.Ref`, `!GetAtt Table.Arn` is
//! `arn:{partition}:dynamodb:{region}:{account}:table/` followed by that same symbol, a key's id
//! is `Key.KeyId`. Whatever cannot be resolved (`Fn::ImportValue`, an undecided `Fn::If`, a
//! dynamic reference) is an [`Unknown`] part, listed in [`IacModel::unresolved`] with the resource
//! and property.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use super::error::{IacError, IacErrorKind, IacErrors, Location};
use super::model::*;
use super::sam;
use super::syntax::{self, Key, Node, NodeKind};
use super::value::{Part, Symbol, Text, Unknown, UnknownCode, Value};

/// A template larger than this is refused: CloudFormation accepts at most 1 MB
/// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html);
/// the margin leaves room for a SAM template before its transform.
pub const MAX_TEMPLATE_BYTES: usize = 2 * 1024 * 1024;

/// What the command line says about the stack the template deploys as.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TemplateOptions {
    pub stack_name: Option<String>,
    pub account: Option<String>,
    pub region: Option<String>,
    /// `--parameter KEY=VALUE`, in the order given.
    pub parameters: Vec<(String, String)>,
}

/// The result of evaluating a template value: a value, or `AWS::NoValue` (the enclosing property
/// or list element is removed).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Ev {
    V(Value),
    NoValue,
}

impl Ev {
    pub(crate) fn value(self) -> Option<Value> {
        match self {
            Ev::V(v) => Some(v),
            Ev::NoValue => None,
        }
    }
}

/// A condition's value before deploy.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cond {
    True,
    False,
    Undecided(String),
}

pub(crate) struct Res {
    pub id: String,
    pub ty: String,
    pub props: Node,
    pub condition: Option<String>,
    pub line_col: (usize, usize),
    /// For SAM's implicit function role: the function's logical id.
    pub implicit_of: Option<String>,
}

pub(crate) struct Cfn<'a> {
    pub file: &'a str,
    pub sam: bool,
    pub env: Environment,
    url_suffix: Text,
    params: HashMap<String, Value>,
    conditions: HashMap<String, &'a Node>,
    cond_cache: RefCell<HashMap<String, Cond>>,
    cond_stack: RefCell<Vec<String>>,
    mappings: Option<&'a Node>,
    pub res: Vec<Res>,
    index: HashMap<String, usize>,
    resolving: RefCell<Vec<String>>,
    pub unresolved: RefCell<Vec<Unresolved>>,
    pub notes: RefCell<Vec<String>>,
}

pub(crate) fn err(
    file: &str,
    line_col: Option<(usize, usize)>,
    path: &str,
    kind: IacErrorKind,
) -> IacError {
    IacError {
        file: file.to_string(),
        location: Location {
            line_col,
            path: path.to_string(),
        },
        kind,
    }
}

fn pseudo(name: &str) -> Symbol {
    Symbol::new(name, "Ref")
}

/// The partition of a region (https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/partitions.html).
pub(crate) fn partition_of(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else if region.starts_with("eusc-") {
        "aws-eusc"
    } else {
        "aws"
    }
}

/// Marks `{{resolve:...}}` dynamic references in a literal string as unknown parts
/// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references.html).
pub(crate) fn literal_text(s: &str) -> Text {
    let mut out = Text::default();
    let mut rest = s;
    while let Some(i) = rest.find("{{resolve:") {
        out.push_known(&rest[..i]);
        let after = &rest[i..];
        let end = after.find("}}").map(|e| e + 2).unwrap_or(after.len());
        out.push(Part::Unknown(Unknown::new(
            UnknownCode::DynamicReference,
            format!("dynamic reference `{}`, resolved at deploy", &after[..end]),
        )));
        rest = &after[end..];
    }
    out.push_known(rest);
    out
}

fn join_path(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn is_intrinsic_key(k: &str) -> bool {
    k == "Ref" || k.starts_with("Fn::") || k == "Condition"
}

/// Reads a template. `file` names it in messages.
pub fn read_template(
    file: &str,
    text: &str,
    opts: &TemplateOptions,
) -> Result<IacModel, IacErrors> {
    if text.len() > MAX_TEMPLATE_BYTES {
        return Err(err(
            file,
            None,
            "",
            IacErrorKind::TooLarge {
                limit: MAX_TEMPLATE_BYTES,
                what: "a CloudFormation template (CloudFormation accepts 1 MB)",
            },
        )
        .into());
    }
    let root = syntax::parse(text)
        .map_err(|e| IacError {
            file: file.to_string(),
            location: e.location,
            kind: e.kind,
        })?
        .ok_or_else(|| {
            err(
                file,
                None,
                "",
                IacErrorKind::NotATemplate {
                    why: "the file is empty".into(),
                },
            )
        })?;
    let resources = match root.get("Resources") {
        Some(r) if r.as_map().is_some() => r,
        Some(r) => {
            return Err(err(
                file,
                Some(r.line_col),
                "Resources",
                IacErrorKind::NotATemplate {
                    why: format!(
                        "`Resources` is {}, not a mapping of logical ids",
                        r.type_name()
                    ),
                },
            )
            .into());
        }
        None => {
            let why = if root.get("format_version").is_some()
                || root.get("resource_changes").is_some()
            {
                "it has no `Resources` section; it looks like a Terraform plan: use --terraform-plan".to_string()
            } else {
                "it has no `Resources` section".to_string()
            };
            return Err(err(
                file,
                Some(root.line_col),
                "",
                IacErrorKind::NotATemplate { why },
            )
            .into());
        }
    };
    let mut cfn = Cfn::new(file, &root, opts)?;
    cfn.collect_resources(&root, resources)?;
    cfn.build()
}

impl<'a> Cfn<'a> {
    fn new(file: &'a str, root: &'a Node, opts: &TemplateOptions) -> Result<Cfn<'a>, IacErrors> {
        let mut errors = Vec::new();
        let mut sam = false;
        let mut unresolved = Vec::new();
        if let Some(t) = root.get("Transform") {
            let names: Vec<&Node> = match &t.kind {
                NodeKind::Seq(s) => s.iter().collect(),
                _ => vec![t],
            };
            for n in names {
                match n.as_str() {
                    Some("AWS::Serverless-2016-10-31") => sam = true,
                    // Enables Fn::ForEach, Fn::Length, Fn::ToJsonString; those are unknown here.
                    Some("AWS::LanguageExtensions") => {}
                    other => unresolved.push(Unresolved {
                        resource: "Transform".into(),
                        property: other.unwrap_or("(macro)").to_string(),
                        unknown: Unknown::new(
                            UnknownCode::Unsupported,
                            format!(
                                "transform `{}` rewrites the template at deploy; this reader cannot apply it",
                                other.map(str::to_string).unwrap_or_else(|| format!("{:?}", n.to_json()))
                            ),
                        ),
                    }),
                }
            }
        }
        let region = match &opts.region {
            Some(r) => Text::known(r.clone()),
            None => Text::symbol(pseudo("AWS::Region")),
        };
        let partition = match &opts.region {
            Some(r) => Text::known(partition_of(r)),
            None => Text::symbol(pseudo("AWS::Partition")),
        };
        let url_suffix = match &opts.region {
            Some(r) => Text::known(match partition_of(r) {
                "aws-cn" => "amazonaws.com.cn",
                "aws-iso" => "c2s.ic.gov",
                "aws-iso-b" => "sc2s.sgov.gov",
                "aws-eusc" => "amazonaws.eu",
                _ => "amazonaws.com",
            }),
            None => Text::symbol(pseudo("AWS::URLSuffix")),
        };
        let account = match &opts.account {
            Some(a) => Text::known(a.clone()),
            None => Text::symbol(pseudo("AWS::AccountId")),
        };
        let stack_name = match &opts.stack_name {
            Some(s) => Text::known(s.clone()),
            None => Text::symbol(pseudo("AWS::StackName")),
        };
        let env = Environment {
            partition,
            region,
            account,
            stack_name: Some(stack_name),
        };

        // Parameters: declared ones, their defaults, the overrides.
        let mut params = HashMap::new();
        let declared: Vec<(&Key, &Node)> = root
            .get("Parameters")
            .and_then(Node::as_map)
            .map(|m| m.iter().map(|(k, v)| (k, v)).collect())
            .unwrap_or_default();
        let mut seen = HashSet::new();
        for (name, _) in &opts.parameters {
            if !seen.insert(name.clone()) {
                errors.push(err(
                    file,
                    None,
                    "",
                    IacErrorKind::DuplicateParameter { name: name.clone() },
                ));
            }
            if !declared.iter().any(|(k, _)| &k.name == name) {
                let list: Vec<String> = declared
                    .iter()
                    .map(|(k, _)| format!("`{}`", k.name))
                    .collect();
                errors.push(err(
                    file,
                    None,
                    "Parameters",
                    IacErrorKind::UnknownParameter {
                        name: name.clone(),
                        declared: if list.is_empty() {
                            "none".into()
                        } else {
                            list.join(", ")
                        },
                    },
                ));
            }
        }
        for (key, decl) in &declared {
            let name = &key.name;
            let path = format!("Parameters.{name}");
            let ty = decl
                .get("Type")
                .and_then(Node::as_str)
                .unwrap_or("String")
                .to_string();
            let given = opts
                .parameters
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone());
            let default = decl.get("Default").and_then(Node::scalar_text).or_else(|| {
                // A list default may be written as a YAML list.
                decl.get("Default").and_then(Node::as_seq).map(|s| {
                    s.iter()
                        .filter_map(Node::scalar_text)
                        .collect::<Vec<_>>()
                        .join(",")
                })
            });
            let raw = given.clone().or(default);
            let is_list = ty.starts_with("List<") || ty == "CommaDelimitedList";
            if let (Some(v), Some(allowed)) =
                (&raw, decl.get("AllowedValues").and_then(Node::as_seq))
            {
                let allowed: Vec<String> = allowed.iter().filter_map(Node::scalar_text).collect();
                let items: Vec<String> = if is_list {
                    v.split(',').map(|s| s.trim().to_string()).collect()
                } else {
                    vec![v.clone()]
                };
                for item in items {
                    if !allowed.contains(&item) {
                        errors.push(err(
                            file,
                            Some(decl.line_col),
                            &path,
                            IacErrorKind::NotAllowed {
                                name: name.clone(),
                                value: item,
                                allowed: allowed
                                    .iter()
                                    .map(|a| format!("`{a}`"))
                                    .collect::<Vec<_>>()
                                    .join(", "),
                            },
                        ));
                    }
                }
            }
            let value = if ty.starts_with("AWS::SSM::Parameter::Value<") {
                let u = Unknown::new(
                    UnknownCode::SsmParameter,
                    format!(
                        "parameter `{name}` is read from SSM parameter `{}` at deploy",
                        raw.clone().unwrap_or_default()
                    ),
                );
                if is_list || ty.contains("List<") {
                    Value::Unknown(u)
                } else {
                    Value::Text(Text::unknown(u))
                }
            } else {
                match raw {
                    Some(v) if is_list => Value::List(
                        v.split(',')
                            .map(|s| Value::Text(literal_text(s.trim())))
                            .collect(),
                    ),
                    Some(v) => Value::Text(literal_text(&v)),
                    None => {
                        unresolved.push(Unresolved {
                            resource: "Parameters".into(),
                            property: name.clone(),
                            unknown: Unknown::new(
                                UnknownCode::NotInInput,
                                format!("parameter `{name}` has no default; pass --parameter {name}=VALUE"),
                            ),
                        });
                        if is_list {
                            Value::Unknown(Unknown::new(
                                UnknownCode::NotInInput,
                                format!(
                                    "list parameter `{name}` has no value; pass --parameter {name}=A,B"
                                ),
                            ))
                        } else {
                            Value::Text(Text::symbol(Symbol::new(name.clone(), "Ref")))
                        }
                    }
                }
            };
            params.insert(name.clone(), value);
        }
        let conditions = root
            .get("Conditions")
            .and_then(Node::as_map)
            .map(|m| m.iter().map(|(k, v)| (k.name.clone(), v)).collect())
            .unwrap_or_default();
        if !errors.is_empty() {
            return Err(IacErrors(errors));
        }
        Ok(Cfn {
            file,
            sam,
            env,
            url_suffix,
            params,
            conditions,
            cond_cache: RefCell::default(),
            cond_stack: RefCell::default(),
            mappings: root.get("Mappings"),
            res: Vec::new(),
            index: HashMap::new(),
            resolving: RefCell::default(),
            unresolved: RefCell::new(unresolved),
            notes: RefCell::default(),
        })
    }

    pub(crate) fn err(&self, n: &Node, path: &str, kind: IacErrorKind) -> IacError {
        err(self.file, Some(n.line_col), path, kind)
    }

    fn collect_resources(&mut self, root: &Node, resources: &Node) -> Result<(), IacErrors> {
        let mut errors = Vec::new();
        let globals = if self.sam {
            sam::Globals::read(self, root)?
        } else {
            sam::Globals::default()
        };
        let all_ids: HashSet<&str> = resources
            .as_map()
            .unwrap_or_default()
            .iter()
            .map(|(k, _)| k.name.as_str())
            .collect();
        for (key, r) in resources.as_map().unwrap_or_default() {
            let id = key.name.clone();
            let path = format!("Resources.{id}");
            if id.starts_with("Fn::ForEach::") {
                self.unresolved.borrow_mut().push(Unresolved {
                    resource: id.clone(),
                    property: String::new(),
                    unknown: Unknown::new(
                        UnknownCode::Unsupported,
                        "`Fn::ForEach` makes resources at deploy; this reader does not expand it",
                    ),
                });
                continue;
            }
            let Some(ty) = r.get("Type").and_then(Node::as_str) else {
                errors.push(self.err(
                    r,
                    &path,
                    IacErrorKind::NotATemplate {
                        why: format!("resource `{id}` has no `Type`"),
                    },
                ));
                continue;
            };
            let mut props = r.get("Properties").cloned().unwrap_or(Node {
                line_col: r.line_col,
                kind: NodeKind::Map(Vec::new()),
            });
            if !matches!(props.kind, NodeKind::Map(_)) {
                errors.push(self.err(
                    &props,
                    &format!("{path}.Properties"),
                    IacErrorKind::Invalid {
                        what: format!(
                            "`Properties` of `{id}` is {}, not a mapping",
                            props.type_name()
                        ),
                    },
                ));
                continue;
            }
            if self.sam {
                props = globals.apply(ty, props);
            }
            let condition = match r.get("Condition") {
                None => None,
                Some(c) => match c.as_str() {
                    Some(c) => Some(c.to_string()),
                    None => {
                        errors.push(self.err(
                            c,
                            &format!("{path}.Condition"),
                            IacErrorKind::Invalid {
                                what: "a resource's `Condition` must be a condition name".into(),
                            },
                        ));
                        continue;
                    }
                },
            };
            let implicit = if ty == "AWS::Serverless::Function" && props.get("Role").is_none() {
                Some(sam::implicit_role_props(&props, r.line_col))
            } else {
                None
            };
            self.push_res(Res {
                id: id.clone(),
                ty: ty.to_string(),
                props,
                condition: condition.clone(),
                line_col: r.line_col,
                implicit_of: None,
            });
            if let Some(props) = implicit {
                let role_id = format!("{id}Role");
                if self.index.contains_key(&role_id) || all_ids.contains(role_id.as_str()) {
                    errors.push(self.err(r, &path, IacErrorKind::Invalid {
                        what: format!("SAM creates role `{role_id}` for function `{id}`, but the template already has a resource with that logical id"),
                    }));
                    continue;
                }
                self.push_res(Res {
                    id: role_id,
                    ty: "AWS::IAM::Role".into(),
                    props,
                    condition,
                    line_col: r.line_col,
                    implicit_of: Some(id),
                });
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(IacErrors(errors))
        }
    }

    fn push_res(&mut self, r: Res) {
        self.index.insert(r.id.clone(), self.res.len());
        self.res.push(r);
    }

    pub(crate) fn resource(&self, id: &str) -> Option<&Res> {
        self.index.get(id).map(|&i| &self.res[i])
    }

    // ---- conditions ----

    pub(crate) fn condition(&self, name: &str, at: &Node, path: &str) -> Result<Cond, IacError> {
        if let Some(c) = self.cond_cache.borrow().get(name) {
            return Ok(c.clone());
        }
        let Some(node) = self.conditions.get(name).copied() else {
            return Err(self.err(
                at,
                path,
                IacErrorKind::UnknownCondition {
                    name: name.to_string(),
                },
            ));
        };
        if self.cond_stack.borrow().iter().any(|n| n == name) {
            let chain = self.cond_stack.borrow().join(" → ");
            return Err(self.err(
                at,
                path,
                IacErrorKind::ConditionCycle {
                    name: name.to_string(),
                    chain,
                },
            ));
        }
        self.cond_stack.borrow_mut().push(name.to_string());
        let r = self.cond_expr(node, &format!("Conditions.{name}"));
        self.cond_stack.borrow_mut().pop();
        let c = r?;
        self.cond_cache
            .borrow_mut()
            .insert(name.to_string(), c.clone());
        Ok(c)
    }

    fn cond_expr(&self, n: &Node, path: &str) -> Result<Cond, IacError> {
        let Some([(k, arg)]) = n.as_map() else {
            return Err(self.err(
                n,
                path,
                IacErrorKind::BadIntrinsic {
                    function: "Conditions".into(),
                    why:
                        "a condition is `Fn::Equals`, `Fn::And`, `Fn::Or`, `Fn::Not` or `Condition`"
                            .into(),
                },
            ));
        };
        let path = join_path(path, &k.name);
        let list = |min: usize, max: usize| -> Result<&[Node], IacError> {
            match arg.as_seq() {
                Some(s) if s.len() >= min && s.len() <= max => Ok(s),
                _ => Err(self.err(
                    arg,
                    &path,
                    IacErrorKind::BadIntrinsic {
                        function: k.name.clone(),
                        why: format!("takes a list of {min} to {max} elements"),
                    },
                )),
            }
        };
        match k.name.as_str() {
            "Condition" => match arg.as_str() {
                Some(name) => self.condition(name, arg, &path),
                None => Err(self.err(
                    arg,
                    &path,
                    IacErrorKind::BadIntrinsic {
                        function: "Condition".into(),
                        why: "takes a condition name".into(),
                    },
                )),
            },
            "Fn::Equals" => {
                let s = list(2, 2)?;
                let a = self.eval(&s[0], &format!("{path}[0]"))?;
                let b = self.eval(&s[1], &format!("{path}[1]"))?;
                let (Ev::V(a), Ev::V(b)) = (a, b) else {
                    return Ok(Cond::Undecided(
                        "`Fn::Equals` compares `AWS::NoValue`".into(),
                    ));
                };
                let (ta, tb) = (a.to_text(), b.to_text());
                Ok(match (ta, tb) {
                    (Some(ta), Some(tb)) => match (ta.as_known(), tb.as_known()) {
                        (Some(x), Some(y)) => {
                            if x == y {
                                Cond::True
                            } else {
                                Cond::False
                            }
                        }
                        _ if ta.certainly_equal(&tb) => Cond::True,
                        _ => Cond::Undecided(format!(
                            "`Fn::Equals` compares `{ta}` and `{tb}`, not known before deploy"
                        )),
                    },
                    _ => match (a.to_json(), b.to_json()) {
                        (Some(x), Some(y)) => {
                            if x == y {
                                Cond::True
                            } else {
                                Cond::False
                            }
                        }
                        _ => Cond::Undecided(
                            "`Fn::Equals` compares values not known before deploy".into(),
                        ),
                    },
                })
            }
            "Fn::Not" => {
                let s = list(1, 1)?;
                Ok(match self.cond_expr(&s[0], &format!("{path}[0]"))? {
                    Cond::True => Cond::False,
                    Cond::False => Cond::True,
                    u => u,
                })
            }
            "Fn::And" | "Fn::Or" => {
                let s = list(2, 10)?;
                let is_and = k.name == "Fn::And";
                let mut undecided = None;
                for (i, c) in s.iter().enumerate() {
                    match self.cond_expr(c, &format!("{path}[{i}]"))? {
                        Cond::True if !is_and => return Ok(Cond::True),
                        Cond::False if is_and => return Ok(Cond::False),
                        Cond::Undecided(w) => undecided = undecided.or(Some(w)),
                        _ => {}
                    }
                }
                Ok(match undecided {
                    Some(w) => Cond::Undecided(w),
                    None if is_and => Cond::True,
                    None => Cond::False,
                })
            }
            other => Err(self.err(
                n,
                &path,
                IacErrorKind::BadIntrinsic {
                    function: other.to_string(),
                    why: "not allowed in a condition".into(),
                },
            )),
        }
    }

    // ---- values ----

    /// Evaluates a template value: intrinsic functions, pseudo parameters, parameters.
    pub(crate) fn eval(&self, n: &Node, path: &str) -> Result<Ev, IacError> {
        Ok(Ev::V(match &n.kind {
            NodeKind::Null => Value::Null,
            NodeKind::Bool(b) => Value::Bool(*b),
            NodeKind::Number(s) => Value::Number(s.clone()),
            NodeKind::Str(s) => Value::Text(literal_text(s)),
            NodeKind::Seq(items) => {
                let mut out = Vec::new();
                for (i, it) in items.iter().enumerate() {
                    if let Ev::V(v) = self.eval(it, &format!("{path}[{i}]"))? {
                        out.push(v);
                    }
                }
                Value::List(out)
            }
            NodeKind::Map(m) => {
                if let [(k, arg)] = m.as_slice()
                    && is_intrinsic_key(&k.name)
                {
                    return self.intrinsic(n, &k.name, arg, &join_path(path, &k.name));
                }
                let mut out = Vec::new();
                for (k, v) in m {
                    if k.name.starts_with("Fn::") || k.name == "Ref" {
                        return Err(self.err(
                            n,
                            path,
                            IacErrorKind::BadIntrinsic {
                                function: k.name.clone(),
                                why: "an intrinsic function must be the only key of its mapping"
                                    .into(),
                            },
                        ));
                    }
                    if let Ev::V(v) = self.eval(v, &join_path(path, &k.name))? {
                        out.push((k.name.clone(), v));
                    }
                }
                Value::Map(out)
            }
        }))
    }

    /// Evaluates to text (a string-valued property); `None` for `AWS::NoValue`.
    pub(crate) fn eval_text(&self, n: &Node, path: &str) -> Result<Option<Text>, IacError> {
        match self.eval(n, path)? {
            Ev::NoValue => Ok(None),
            Ev::V(v) => match v.to_text() {
                Some(t) => Ok(Some(t)),
                None => Err(self.err(
                    n,
                    path,
                    IacErrorKind::Invalid {
                        what: format!("expected a string, found {}", kind_of(&v)),
                    },
                )),
            },
        }
    }

    fn intrinsic(&self, n: &Node, f: &str, arg: &Node, path: &str) -> Result<Ev, IacError> {
        let bad = |why: &str| {
            self.err(
                n,
                path,
                IacErrorKind::BadIntrinsic {
                    function: f.to_string(),
                    why: why.to_string(),
                },
            )
        };
        let unsupported = |detail: String| {
            Ok(Ev::V(Value::Unknown(Unknown::new(
                UnknownCode::Unsupported,
                detail,
            ))))
        };
        match f {
            "Ref" => {
                let name = arg
                    .as_str()
                    .ok_or_else(|| bad("takes the name of a parameter or resource"))?;
                self.reference(name, n, path)
            }
            "Fn::GetAtt" => {
                let (res, attr): (String, Text) = match &arg.kind {
                    NodeKind::Str(s) => match s.split_once('.') {
                        Some((r, a)) => (r.to_string(), Text::known(a)),
                        None => return Err(bad("takes `LogicalId.Attribute`")),
                    },
                    NodeKind::Seq(s) if s.len() == 2 => {
                        let r = s[0]
                            .as_str()
                            .ok_or_else(|| bad("the first element is a logical id"))?;
                        let a = self
                            .eval_text(&s[1], &format!("{path}[1]"))?
                            .ok_or_else(|| bad("the attribute is `AWS::NoValue`"))?;
                        (r.to_string(), a)
                    }
                    _ => return Err(bad("takes `LogicalId.Attribute` or [LogicalId, Attribute]")),
                };
                let Some(attr) = attr.as_known().map(str::to_string) else {
                    return unsupported(format!(
                        "`Fn::GetAtt` on `{res}` with an attribute known only at deploy"
                    ));
                };
                if self.resource(&res).is_none() {
                    return Err(self.err(n, path, IacErrorKind::UnknownReference { name: res }));
                }
                Ok(Ev::V(Value::Text(self.attribute(&res, &attr, n, path)?)))
            }
            "Fn::Sub" => self.sub(n, arg, path),
            "Fn::Join" => {
                let Some([d, list]) = arg.as_seq() else {
                    return Err(bad("takes [delimiter, list]"));
                };
                let d = d.as_str().ok_or_else(|| bad("the delimiter is a string"))?;
                let items = match self.eval(list, &format!("{path}[1]"))? {
                    Ev::V(Value::List(l)) => l,
                    Ev::V(Value::Unknown(u)) => return Ok(Ev::V(Value::Text(Text::unknown(u)))),
                    _ => return Err(bad("the second element must be a list")),
                };
                let mut out = Text::default();
                for (i, it) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_known(d);
                    }
                    out.append(it.to_text().ok_or_else(|| bad("joins strings only"))?);
                }
                Ok(Ev::V(Value::Text(out)))
            }
            "Fn::Select" => {
                let Some([i, list]) = arg.as_seq() else {
                    return Err(bad("takes [index, list]"));
                };
                let idx = self
                    .eval_text(i, &format!("{path}[0]"))?
                    .ok_or_else(|| bad("the index is `AWS::NoValue`"))?;
                let Some(idx) = idx.as_known().map(str::to_string) else {
                    return unsupported(format!(
                        "`Fn::Select` with index `{idx}`, known only at deploy"
                    ));
                };
                let idx: usize = idx
                    .trim()
                    .parse()
                    .map_err(|_| bad("the index is a non-negative number"))?;
                match self.eval(list, &format!("{path}[1]"))? {
                    Ev::V(Value::List(l)) => match l.get(idx) {
                        Some(v) => Ok(Ev::V(v.clone())),
                        None => Err(bad(&format!(
                            "index {idx} is out of range (the list has {})",
                            l.len()
                        ))),
                    },
                    Ev::V(Value::Unknown(u)) => Ok(Ev::V(Value::Unknown(u))),
                    _ => Err(bad("the second element must be a list")),
                }
            }
            "Fn::Split" => {
                let Some([d, s]) = arg.as_seq() else {
                    return Err(bad("takes [delimiter, string]"));
                };
                let d = d.as_str().ok_or_else(|| bad("the delimiter is a string"))?;
                let t = self
                    .eval_text(s, &format!("{path}[1]"))?
                    .ok_or_else(|| bad("splits `AWS::NoValue`"))?;
                match t.as_known() {
                    Some(k) => Ok(Ev::V(Value::List(k.split(d).map(Value::known).collect()))),
                    None => unsupported(format!(
                        "`Fn::Split` of `{t}`: where the delimiter falls in a value known only after deploy is unknown"
                    )),
                }
            }
            "Fn::If" => {
                let Some([c, a, b]) = arg.as_seq() else {
                    return Err(bad("takes [condition, value if true, value if false]"));
                };
                let c = c
                    .as_str()
                    .ok_or_else(|| bad("the first element is a condition name"))?;
                match self.condition(c, n, path)? {
                    Cond::True => self.eval(a, &format!("{path}[1]")),
                    Cond::False => self.eval(b, &format!("{path}[2]")),
                    Cond::Undecided(why) => Ok(Ev::V(Value::Unknown(Unknown::new(
                        UnknownCode::UndecidedCondition,
                        format!("condition `{c}` is not decided before deploy: {why}"),
                    )))),
                }
            }
            "Fn::FindInMap" => {
                let Some(s) = arg.as_seq().filter(|s| s.len() == 3 || s.len() == 4) else {
                    return Err(bad("takes [MapName, TopLevelKey, SecondLevelKey]"));
                };
                let mut keys = Vec::new();
                for (i, k) in s[..3].iter().enumerate() {
                    let t = self
                        .eval_text(k, &format!("{path}[{i}]"))?
                        .ok_or_else(|| bad("a key is `AWS::NoValue`"))?;
                    match t.as_known() {
                        Some(k) => keys.push(k.to_string()),
                        None => {
                            return Ok(Ev::V(Value::Unknown(Unknown::new(
                                UnknownCode::Unsupported,
                                format!("`Fn::FindInMap` key `{t}` is known only at deploy"),
                            ))));
                        }
                    }
                }
                let found = self
                    .mappings
                    .and_then(|m| m.get(&keys[0]))
                    .and_then(|m| m.get(&keys[1]))
                    .and_then(|m| m.get(&keys[2]));
                match (found, s.get(3)) {
                    (Some(v), _) => {
                        self.eval(v, &format!("Mappings.{}.{}.{}", keys[0], keys[1], keys[2]))
                    }
                    // AWS::LanguageExtensions' DefaultValue.
                    (None, Some(d)) => match d.get("DefaultValue") {
                        Some(d) => self.eval(d, &format!("{path}[3].DefaultValue")),
                        None => Err(bad("the fourth element is {DefaultValue: ...}")),
                    },
                    (None, None) => Err(bad(&format!(
                        "mapping `{}`.`{}`.`{}` is not in Mappings",
                        keys[0], keys[1], keys[2]
                    ))),
                }
            }
            "Fn::ImportValue" => {
                let name = match self.eval_text(arg, path)? {
                    Some(t) => t.to_string(),
                    None => String::new(),
                };
                Ok(Ev::V(Value::Text(Text::unknown(Unknown::new(
                    UnknownCode::ImportValue,
                    format!("`Fn::ImportValue` `{name}`: another stack's export"),
                )))))
            }
            "Fn::Equals" | "Fn::And" | "Fn::Or" | "Fn::Not" | "Condition" => Err(bad(
                "is only allowed in the Conditions section (use `Fn::If` with a condition name)",
            )),
            other => unsupported(format!("`{other}` is not evaluated by this reader")),
        }
    }

    /// `Ref`: a pseudo parameter, a parameter or a resource's physical id.
    fn reference(&self, name: &str, at: &Node, path: &str) -> Result<Ev, IacError> {
        let t = match name {
            "AWS::NoValue" => return Ok(Ev::NoValue),
            "AWS::AccountId" => self.env.account.clone(),
            "AWS::Region" => self.env.region.clone(),
            "AWS::Partition" => self.env.partition.clone(),
            "AWS::StackName" => self.env.stack_name.clone().unwrap_or_default(),
            "AWS::URLSuffix" => self.url_suffix.clone(),
            "AWS::StackId" => {
                let mut t = Text::concat([
                    Text::known("arn:"),
                    self.env.partition.clone(),
                    Text::known(":cloudformation:"),
                    self.env.region.clone(),
                    Text::known(":"),
                    self.env.account.clone(),
                    Text::known(":stack/"),
                    self.env.stack_name.clone().unwrap_or_default(),
                    Text::known("/"),
                ]);
                t.push(Part::Symbol(pseudo("AWS::StackId")));
                t
            }
            "AWS::NotificationARNs" => {
                return Ok(Ev::V(Value::Unknown(Unknown::new(
                    UnknownCode::Unsupported,
                    "`AWS::NotificationARNs` is set at deploy",
                ))));
            }
            _ => {
                if let Some(v) = self.params.get(name) {
                    return Ok(Ev::V(v.clone()));
                }
                if self.resource(name).is_some() {
                    return Ok(Ev::V(Value::Text(self.physical(name, at, path)?)));
                }
                return Err(self.err(
                    at,
                    path,
                    IacErrorKind::UnknownReference {
                        name: name.to_string(),
                    },
                ));
            }
        };
        Ok(Ev::V(Value::Text(t)))
    }

    fn sub(&self, n: &Node, arg: &Node, path: &str) -> Result<Ev, IacError> {
        let bad = |why: &str| {
            self.err(
                n,
                path,
                IacErrorKind::BadIntrinsic {
                    function: "Fn::Sub".into(),
                    why: why.to_string(),
                },
            )
        };
        let (s, vars): (&str, Option<&[(Key, Node)]>) = match &arg.kind {
            NodeKind::Str(s) => (s, None),
            NodeKind::Seq(v) if v.len() == 2 => (
                v[0].as_str()
                    .ok_or_else(|| bad("the first element is the string"))?,
                Some(
                    v[1].as_map()
                        .ok_or_else(|| bad("the second element is a mapping of variables"))?,
                ),
            ),
            _ => return Err(bad("takes a string or [string, {variables}]")),
        };
        let mut out = Text::default();
        let mut rest = s;
        while let Some(i) = rest.find("${") {
            out.append(literal_text(&rest[..i]));
            let after = &rest[i + 2..];
            // `${!Literal}` is the literal text `${Literal}`.
            if let Some(lit) = after.strip_prefix('!') {
                out.push_known("${");
                rest = lit;
                continue;
            }
            let Some(end) = after.find('}') else {
                return Err(bad("`${` without a closing `}`"));
            };
            let name = &after[..end];
            rest = &after[end + 1..];
            let var = vars.and_then(|m| m.iter().find(|(k, _)| k.name == name));
            let t = if let Some((k, v)) = var {
                self.eval_text(v, &join_path(path, &k.name))?
                    .ok_or_else(|| bad(&format!("variable `{name}` is `AWS::NoValue`")))?
            } else if self.params.contains_key(name)
                || name.starts_with("AWS::")
                || self.resource(name).is_some()
            {
                match self.reference(name, n, path)? {
                    Ev::V(v) => v.to_text().ok_or_else(|| {
                        bad(&format!("`${{{name}}}` is a list; `Fn::Sub` takes strings"))
                    })?,
                    Ev::NoValue => return Err(bad("`${AWS::NoValue}` is not a string")),
                }
            } else if let Some((r, a)) = name.split_once('.') {
                if self.resource(r).is_none() {
                    return Err(self.err(
                        n,
                        path,
                        IacErrorKind::UnknownReference {
                            name: r.to_string(),
                        },
                    ));
                }
                self.attribute(r, a, n, path)?
            } else {
                return Err(self.err(
                    n,
                    path,
                    IacErrorKind::UnknownReference {
                        name: name.to_string(),
                    },
                ));
            };
            out.append(t);
        }
        out.append(literal_text(rest));
        Ok(Ev::V(Value::Text(out)))
    }

    // ---- resources' identifiers ----

    fn guard<T>(
        &self,
        key: String,
        at: &Node,
        path: &str,
        f: impl FnOnce() -> Result<T, IacError>,
    ) -> Result<T, IacError> {
        if self.resolving.borrow().contains(&key) {
            return Err(self.err(at, path, IacErrorKind::ReferenceCycle { name: key }));
        }
        self.resolving.borrow_mut().push(key);
        let r = f();
        self.resolving.borrow_mut().pop();
        r
    }

    /// A name property, or the name CloudFormation generates when it is absent.
    ///
    /// Generated names: "If you don't specify a name, CloudFormation generates a unique physical
    /// ID" (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-name.html).
    /// In practice they are `{stack}-{logical id}-{random}`, truncated when long. The shape keeps
    /// that prefix only when the stack name is known and stack name + logical id leave 20
    /// characters of the service's limit free, so truncation cannot have happened; otherwise
    /// nothing is claimed. The random part is always unknown.
    fn name_or_generated(
        &self,
        id: &str,
        prop: &str,
        limit: usize,
        lowercase: bool,
        at: &Node,
        path: &str,
    ) -> Result<Text, IacError> {
        let r = self.resource(id).expect("caller checked");
        if let Some(p) = r.props.get(prop)
            && let Some(t) = self.eval_text(p, &format!("Resources.{id}.Properties.{prop}"))?
        {
            return Ok(t);
        }
        let _ = (at, path);
        let mut shape = Vec::new();
        if let Some(stack) = self.env.stack_name.as_ref().and_then(Text::as_known)
            && stack.len() + id.len() + 20 <= limit
        {
            let prefix = format!("{stack}-{id}-");
            shape.push(Part::Known(if lowercase {
                prefix.to_lowercase()
            } else {
                prefix
            }));
        }
        shape.push(Part::Unknown(Unknown::new(
            UnknownCode::Generated,
            format!("the name CloudFormation generates for `{id}`"),
        )));
        Ok(Text::symbol(Symbol::new(id, "Ref").with_shape(shape)))
    }

    /// `Ref` of a resource: its physical id, by type.
    pub(crate) fn physical(&self, id: &str, at: &Node, path: &str) -> Result<Text, IacError> {
        self.guard(format!("{id}.Ref"), at, path, || {
            let ty = self.resource(id).expect("caller checked").ty.clone();
            match ty.as_str() {
                "AWS::IAM::Role" => self.name_or_generated(id, "RoleName", 64, false, at, path),
                "AWS::IAM::User" => self.name_or_generated(id, "UserName", 64, false, at, path),
                "AWS::IAM::Group" => self.name_or_generated(id, "GroupName", 128, false, at, path),
                "AWS::IAM::ManagedPolicy" => {
                    let name =
                        self.name_or_generated(id, "ManagedPolicyName", 128, false, at, path)?;
                    Ok(self.iam_arn("policy", &self.path_of(id)?, name))
                }
                "AWS::KMS::Key" => Ok(Text::symbol(self.key_id_symbol(id))),
                "AWS::KMS::Alias" => self.name_or_generated(id, "AliasName", 256, false, at, path),
                "AWS::S3::Bucket" => self.name_or_generated(id, "BucketName", 63, true, at, path),
                "AWS::DynamoDB::Table"
                | "AWS::DynamoDB::GlobalTable"
                | "AWS::Serverless::SimpleTable" => {
                    self.name_or_generated(id, "TableName", 255, false, at, path)
                }
                "AWS::Serverless::Function" | "AWS::Lambda::Function" => {
                    self.name_or_generated(id, "FunctionName", 64, false, at, path)
                }
                _ => Ok(Text::symbol(Symbol::new(id, "Ref"))),
            }
        })
    }

    fn key_id_symbol(&self, id: &str) -> Symbol {
        Symbol::new(id, "KeyId").with_shape(vec![Part::Unknown(Unknown::new(
            UnknownCode::Generated,
            format!("the key id KMS assigns to `{id}`"),
        ))])
    }

    pub(crate) fn path_of(&self, id: &str) -> Result<Text, IacError> {
        let r = self.resource(id).expect("caller checked");
        match r.props.get("Path") {
            Some(p) => Ok(self
                .eval_text(p, &format!("Resources.{id}.Properties.Path"))?
                .unwrap_or_else(|| Text::known("/"))),
            None => Ok(Text::known("/")),
        }
    }

    pub(crate) fn iam_arn(&self, kind: &str, path: &Text, name: Text) -> Text {
        Text::concat([
            Text::known("arn:"),
            self.env.partition.clone(),
            Text::known(":iam::"),
            self.env.account.clone(),
            Text::known(format!(":{kind}")),
            path.clone(),
            name,
        ])
    }

    pub(crate) fn regional_arn(&self, service: &str, resource: Text) -> Text {
        Text::concat([
            Text::known("arn:"),
            self.env.partition.clone(),
            Text::known(format!(":{service}:")),
            self.env.region.clone(),
            Text::known(":"),
            self.env.account.clone(),
            Text::known(":"),
            resource,
        ])
    }

    /// `Fn::GetAtt`: the attributes whose shape AWS documents; any other is a symbol.
    pub(crate) fn attribute(
        &self,
        id: &str,
        attr: &str,
        at: &Node,
        path: &str,
    ) -> Result<Text, IacError> {
        let ty = self.resource(id).expect("caller checked").ty.clone();
        let t = match (ty.as_str(), attr) {
            ("AWS::IAM::Role", "Arn") => {
                self.iam_arn("role", &self.path_of(id)?, self.physical(id, at, path)?)
            }
            ("AWS::IAM::User", "Arn") => {
                self.iam_arn("user", &self.path_of(id)?, self.physical(id, at, path)?)
            }
            ("AWS::IAM::Group", "Arn") => {
                self.iam_arn("group", &self.path_of(id)?, self.physical(id, at, path)?)
            }
            ("AWS::IAM::ManagedPolicy", "PolicyArn") => self.physical(id, at, path)?,
            ("AWS::KMS::Key", "KeyId") => Text::symbol(self.key_id_symbol(id)),
            ("AWS::KMS::Key", "Arn") => self.regional_arn(
                "kms",
                Text::concat([Text::known("key/"), Text::symbol(self.key_id_symbol(id))]),
            ),
            ("AWS::S3::Bucket", "Arn") => Text::concat([
                Text::known("arn:"),
                self.env.partition.clone(),
                Text::known(":s3:::"),
                self.physical(id, at, path)?,
            ]),
            (
                "AWS::DynamoDB::Table"
                | "AWS::DynamoDB::GlobalTable"
                | "AWS::Serverless::SimpleTable",
                "Arn",
            ) => self.regional_arn(
                "dynamodb",
                Text::concat([Text::known("table/"), self.physical(id, at, path)?]),
            ),
            ("AWS::Serverless::Function" | "AWS::Lambda::Function", "Arn") => self.regional_arn(
                "lambda",
                Text::concat([Text::known("function:"), self.physical(id, at, path)?]),
            ),
            _ => Text::symbol(Symbol::new(id, attr)),
        };
        Ok(t)
    }

    // ---- the model ----

    /// The condition of a resource, decided if possible.
    pub(crate) fn res_condition(&self, r: &Res) -> Result<Cond, IacError> {
        match &r.condition {
            None => Ok(Cond::True),
            Some(c) => {
                let at = Node {
                    line_col: r.line_col,
                    kind: NodeKind::Null,
                };
                self.condition(c, &at, &format!("Resources.{}.Condition", r.id))
            }
        }
    }

    /// A property, evaluated; `None` when absent or `AWS::NoValue`.
    pub(crate) fn prop(&self, r: &Res, name: &str) -> Result<Option<Value>, IacError> {
        match r.props.get(name) {
            None => Ok(None),
            Some(n) => Ok(self
                .eval(n, &format!("Resources.{}.Properties.{name}", r.id))?
                .value()),
        }
    }

    pub(crate) fn prop_text(&self, r: &Res, name: &str) -> Result<Option<Text>, IacError> {
        match r.props.get(name) {
            None => Ok(None),
            Some(n) => self.eval_text(n, &format!("Resources.{}.Properties.{name}", r.id)),
        }
    }

    /// A policy document property: an object, or JSON text (CloudFormation's `Json` type).
    pub(crate) fn document(&self, r: &Res, v: Value, prop: &str) -> Result<Value, IacError> {
        match v {
            Value::Text(t) => match t.as_known() {
                Some(s) => {
                    let node = syntax::parse(s).map_err(|e| {
                        err(
                            self.file,
                            Some(r.line_col),
                            &format!("Resources.{}.Properties.{prop}", r.id),
                            e.kind,
                        )
                    })?;
                    Ok(node
                        .map(|n| Value::from_json(&n.to_json()))
                        .unwrap_or(Value::Null))
                }
                None => Ok(Value::Unknown(Unknown::new(
                    UnknownCode::Unsupported,
                    format!(
                        "`{}`.{prop} is JSON text with values known only after deploy",
                        r.id
                    ),
                ))),
            },
            other => Ok(other),
        }
    }

    fn build(self) -> Result<IacModel, IacErrors> {
        let mut b = Build::default();
        let mut errors = Vec::new();
        // Principals first, so attachments can find them.
        for pass in 0..2 {
            for i in 0..self.res.len() {
                let r = &self.res[i];
                let first = matches!(
                    r.ty.as_str(),
                    "AWS::IAM::Role"
                        | "AWS::IAM::User"
                        | "AWS::IAM::Group"
                        | "AWS::IAM::ManagedPolicy"
                );
                if (pass == 0) != first {
                    continue;
                }
                if let Err(e) = self.resource_into(r, &mut b) {
                    errors.push(e);
                }
            }
        }
        if !errors.is_empty() {
            return Err(IacErrors(errors));
        }
        let mut unresolved = self.unresolved.into_inner();
        b.attach_all(&self.env, &mut unresolved, "template");
        b.link_managed_documents();
        b.collect_unresolved(&mut unresolved);
        Ok(IacModel {
            source: if self.sam {
                SourceKind::Sam
            } else {
                SourceKind::CloudFormation
            },
            file: self.file.to_string(),
            environment: self.env,
            principals: b.principals,
            managed_policies: b.managed,
            resource_policies: b.resource_policies,
            tables: b.tables,
            keys: b.keys,
            buckets: b.buckets,
            functions: b.functions,
            unresolved,
            notes: self.notes.into_inner(),
        })
    }

    fn undecided(&self, r: &Res, cond: &Cond) -> Option<Unknown> {
        match cond {
            Cond::Undecided(why) => Some(Unknown::new(
                UnknownCode::UndecidedCondition,
                format!(
                    "whether `{}` exists depends on condition `{}`: {why}",
                    r.id,
                    r.condition.clone().unwrap_or_default()
                ),
            )),
            _ => None,
        }
    }

    fn resource_into(&self, r: &Res, b: &mut Build) -> Result<(), IacError> {
        let cond = self.res_condition(r)?;
        if cond == Cond::False {
            return Ok(());
        }
        let maybe = self.undecided(r, &cond);
        if let Some(u) = &maybe {
            self.unresolved.borrow_mut().push(Unresolved {
                resource: r.id.clone(),
                property: "Condition".into(),
                unknown: u.clone(),
            });
        }
        let at = Node {
            line_col: r.line_col,
            kind: NodeKind::Null,
        };
        let p = format!("Resources.{}", r.id);
        match r.ty.as_str() {
            "AWS::IAM::Role" | "AWS::IAM::User" | "AWS::IAM::Group" => {
                let kind = match r.ty.as_str() {
                    "AWS::IAM::Role" => PrincipalKind::Role,
                    "AWS::IAM::User" => PrincipalKind::User,
                    _ => PrincipalKind::Group,
                };
                let name = self.physical(&r.id, &at, &p)?;
                let arn = self.attribute(&r.id, "Arn", &at, &p)?;
                let path = self.path_of(&r.id)?;
                let mut principal = Principal {
                    id: r.id.clone(),
                    kind,
                    created: true,
                    name,
                    arn,
                    path,
                    policies: Vec::new(),
                    boundary: None,
                    trust: None,
                    tags: Vec::new(),
                    groups: Vec::new(),
                    completeness: Completeness::Exact,
                    defined_by: match &r.implicit_of {
                        Some(f) => format!("AWS::Serverless::Function {f}"),
                        None => format!("{} {}", r.ty, r.id),
                    },
                };
                if let Some(f) = &r.implicit_of {
                    let fres = self.resource(f).expect("the function exists");
                    sam::implicit_role_policies(self, fres, &mut principal)?;
                } else {
                    self.inline_policies(r, &mut principal)?;
                    if let Some(v) = self.prop(r, "ManagedPolicyArns")? {
                        self.managed_arns(r, v, &mut principal);
                    }
                    if let Some(t) = self.prop_text(r, "PermissionsBoundary")? {
                        principal.boundary = Some(ManagedPolicyRef {
                            arn: ManagedPolicyArn::Arn(t),
                            document: ManagedDocument::Referenced,
                        });
                    }
                    if let Some(v) = self.prop(r, "AssumeRolePolicyDocument")? {
                        principal.trust = Some(self.document(r, v, "AssumeRolePolicyDocument")?);
                    }
                    if let Some(Value::List(tags)) = self.prop(r, "Tags")? {
                        principal.tags = tag_list(&tags);
                    }
                    if let Some(v) = self.prop(r, "Groups")? {
                        for g in list_of(v) {
                            principal
                                .groups
                                .push(g.to_text().map(|t| t.to_string()).unwrap_or_default());
                        }
                    }
                }
                if let Some(u) = maybe {
                    for pol in &mut principal.policies {
                        pol.body = PolicyBody::Unknown { unknown: u.clone() };
                    }
                }
                b.principals.push(principal);
            }
            "AWS::IAM::ManagedPolicy" => {
                let arn = self.physical(&r.id, &at, &p)?;
                let name =
                    self.name_or_generated(&r.id, "ManagedPolicyName", 128, false, &at, &p)?;
                let doc = match self.prop(r, "PolicyDocument")? {
                    Some(v) => self.document(r, v, "PolicyDocument")?,
                    None => Value::Null,
                };
                let doc = match &maybe {
                    Some(u) => Value::Unknown(u.clone()),
                    None => doc,
                };
                b.managed.push(ManagedPolicy {
                    id: r.id.clone(),
                    name,
                    arn: arn.clone(),
                    document: doc.clone(),
                });
                let body = PolicyBody::Managed(ManagedPolicyRef {
                    arn: ManagedPolicyArn::Arn(arn.clone()),
                    document: ManagedDocument::InInput {
                        id: r.id.clone(),
                        document: doc,
                    },
                });
                self.attach(r, &arn, body, b)?;
            }
            "AWS::IAM::Policy" => {
                let name = self.prop_text(r, "PolicyName")?.unwrap_or_default();
                let doc = match self.prop(r, "PolicyDocument")? {
                    Some(v) => self.document(r, v, "PolicyDocument")?,
                    None => Value::Null,
                };
                let body = match maybe {
                    Some(u) => PolicyBody::Unknown { unknown: u },
                    None => PolicyBody::Inline { document: doc },
                };
                self.attach(r, &name, body, b)?;
            }
            "AWS::IAM::RolePolicy" | "AWS::IAM::UserPolicy" | "AWS::IAM::GroupPolicy" => {
                let (kind, prop) = match r.ty.as_str() {
                    "AWS::IAM::RolePolicy" => (PrincipalKind::Role, "RoleName"),
                    "AWS::IAM::UserPolicy" => (PrincipalKind::User, "UserName"),
                    _ => (PrincipalKind::Group, "GroupName"),
                };
                let name = self.prop_text(r, "PolicyName")?.unwrap_or_default();
                let doc = match self.prop(r, "PolicyDocument")? {
                    Some(v) => self.document(r, v, "PolicyDocument")?,
                    None => Value::Null,
                };
                let body = match maybe {
                    Some(u) => PolicyBody::Unknown { unknown: u },
                    None => PolicyBody::Inline { document: doc },
                };
                if let Some(target) = self.prop(r, prop)? {
                    b.attach_to(
                        kind,
                        &target,
                        IdentityPolicy {
                            attachment: Attachment::Certain,
                            name,
                            origin: format!("{}.{prop}", r.id),
                            body,
                        },
                        &r.id,
                        &format!("Properties.{prop}"),
                    );
                }
            }
            "AWS::IAM::UserToGroupAddition" => {
                let group = self.prop_text(r, "GroupName")?.unwrap_or_default();
                if let Some(users) = self.prop(r, "Users")? {
                    for u in list_of(users) {
                        if let Some(t) = u.to_text()
                            && let Some(p) = b.principals.iter_mut().find(|p| {
                                p.kind == PrincipalKind::User && p.name.certainly_equal(&t)
                            })
                        {
                            p.groups.push(group.to_string());
                        }
                    }
                }
            }
            "AWS::Serverless::Function" | "AWS::Lambda::Function" => {
                let name = self.physical(&r.id, &at, &p)?;
                let role = match (r.props.get("Role"), self.prop_text(r, "Role")?) {
                    (None, _) if r.ty == "AWS::Serverless::Function" => FunctionRole::Principal {
                        id: format!("{}Role", r.id),
                    },
                    (_, Some(t)) => b.role_by_arn(&t),
                    (_, None) => FunctionRole::Unknown {
                        unknown: Unknown::new(
                            UnknownCode::Unsupported,
                            format!("`{}` has no `Role`", r.id),
                        ),
                    },
                };
                let mut environment = Vec::new();
                if let Some(Value::Map(env)) = self.prop(r, "Environment")?
                    && let Some(Value::Map(vars)) = env
                        .iter()
                        .find(|(k, _)| k == "Variables")
                        .map(|(_, v)| v.clone())
                {
                    environment = vars;
                }
                if r.ty == "AWS::Serverless::Function" {
                    sam::function_notes(self, r);
                }
                b.functions.push(Function {
                    id: r.id.clone(),
                    name,
                    role,
                    environment,
                });
            }
            "AWS::DynamoDB::Table"
            | "AWS::DynamoDB::GlobalTable"
            | "AWS::Serverless::SimpleTable" => {
                let name = self.physical(&r.id, &at, &p)?;
                let arn = self.attribute(&r.id, "Arn", &at, &p)?;
                let mut table = Table {
                    id: r.id.clone(),
                    name,
                    arn: arn.clone(),
                    key_schema: Vec::new(),
                    global_indexes: Vec::new(),
                    local_indexes: Vec::new(),
                    sse_kms_key: None,
                    created: true,
                };
                if r.ty == "AWS::Serverless::SimpleTable" {
                    let (attr, _) = match self.prop(r, "PrimaryKey")? {
                        Some(pk) => (
                            pk.get("Name")
                                .and_then(Value::to_text)
                                .unwrap_or_else(|| Text::known("id")),
                            pk.get("Type").and_then(Value::to_text),
                        ),
                        None => (Text::known("id"), None),
                    };
                    table.key_schema.push(KeyElement {
                        attribute: attr,
                        key_type: Text::known("HASH"),
                    });
                } else {
                    if let Some(v) = self.prop(r, "KeySchema")? {
                        table.key_schema = key_schema(&v);
                    }
                    for (prop, out) in [
                        ("GlobalSecondaryIndexes", &mut table.global_indexes),
                        ("LocalSecondaryIndexes", &mut table.local_indexes),
                    ] {
                        if let Some(v) = self.prop(r, prop)? {
                            for ix in list_of(v) {
                                out.push(Index {
                                    name: ix
                                        .get("IndexName")
                                        .and_then(Value::to_text)
                                        .unwrap_or_default(),
                                    key_schema: ix
                                        .get("KeySchema")
                                        .map(key_schema)
                                        .unwrap_or_default(),
                                });
                            }
                        }
                    }
                }
                if let Some(sse) = self.prop(r, "SSESpecification")? {
                    table.sse_kms_key = sse.get("KMSMasterKeyId").and_then(Value::to_text);
                }
                let policy = if r.ty == "AWS::DynamoDB::GlobalTable" {
                    self.global_table_policy(r, &mut table)?
                } else {
                    self.prop(r, "ResourcePolicy")?
                        .and_then(|rp| rp.get("PolicyDocument").cloned())
                };
                if let Some(doc) = policy {
                    let doc = self.document(r, doc, "ResourcePolicy.PolicyDocument")?;
                    b.resource_policies.push(ResourcePolicy {
                        kind: ResourceKind::DynamoDbTable,
                        resource_id: Some(r.id.clone()),
                        resource: arn,
                        document: maybe.clone().map(Value::Unknown).unwrap_or(doc),
                        origin: format!("{}.ResourcePolicy", r.id),
                    });
                }
                b.tables.push(table);
            }
            "AWS::KMS::Key" => {
                let key_id = Text::symbol(self.key_id_symbol(&r.id));
                let arn = self.attribute(&r.id, "Arn", &at, &p)?;
                let (doc, default_policy) = match self.prop(r, "KeyPolicy")? {
                    Some(v) => (self.document(r, v, "KeyPolicy")?, false),
                    // "If you don't specify a key policy, AWS KMS attaches the default key policy"
                    // (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html).
                    None => (self.env.default_key_policy(), true),
                };
                b.resource_policies.push(ResourcePolicy {
                    kind: ResourceKind::KmsKey,
                    resource_id: Some(r.id.clone()),
                    resource: arn.clone(),
                    document: maybe.clone().map(Value::Unknown).unwrap_or(doc),
                    origin: format!("{}.KeyPolicy", r.id),
                });
                b.keys.push(KmsKey {
                    id: r.id.clone(),
                    key_id,
                    arn,
                    aliases: Vec::new(),
                    default_policy,
                });
            }
            "AWS::KMS::Alias" => {
                let alias = self.physical(&r.id, &at, &p)?;
                if let Some(target) = self.prop_text(r, "TargetKeyId")? {
                    b.pending_aliases.push((alias, target));
                }
            }
            "AWS::S3::Bucket" => {
                let name = self.physical(&r.id, &at, &p)?;
                let arn = self.attribute(&r.id, "Arn", &at, &p)?;
                let mut bucket = Bucket {
                    id: r.id.clone(),
                    name,
                    arn,
                    encryption_algorithm: None,
                    encryption_key: None,
                };
                if let Some(enc) = self.prop(r, "BucketEncryption")?
                    && let Some(rules) = enc
                        .get("ServerSideEncryptionConfiguration")
                        .and_then(Value::as_list)
                    && let Some(def) = rules
                        .first()
                        .and_then(|r| r.get("ServerSideEncryptionByDefault"))
                {
                    bucket.encryption_algorithm = def.get("SSEAlgorithm").and_then(Value::to_text);
                    bucket.encryption_key = def.get("KMSMasterKeyID").and_then(Value::to_text);
                }
                b.buckets.push(bucket);
            }
            "AWS::S3::BucketPolicy" => {
                let bucket = self.prop_text(r, "Bucket")?.unwrap_or_default();
                let doc = match self.prop(r, "PolicyDocument")? {
                    Some(v) => self.document(r, v, "PolicyDocument")?,
                    None => Value::Null,
                };
                b.pending_bucket_policies.push(ResourcePolicy {
                    kind: ResourceKind::S3Bucket,
                    resource_id: None,
                    resource: bucket,
                    document: maybe.clone().map(Value::Unknown).unwrap_or(doc),
                    origin: format!("{}.PolicyDocument", r.id),
                });
            }
            "AWS::Serverless::Connector" => {
                self.notes.borrow_mut().push(format!(
                    "`{}`: AWS::Serverless::Connector adds Allow statements to a role at transform time; not read (it can only grant more)",
                    r.id
                ));
            }
            _ => {}
        }
        Ok(())
    }

    fn global_table_policy(&self, r: &Res, table: &mut Table) -> Result<Option<Value>, IacError> {
        let Some(replicas) = self.prop(r, "Replicas")? else {
            return Ok(None);
        };
        let region = self.env.region.clone();
        let mut found = None;
        for rep in list_of(replicas) {
            let Some(rr) = rep.get("Region").and_then(Value::to_text) else {
                continue;
            };
            let here = match (rr.as_known(), region.as_known()) {
                (Some(a), Some(b)) => a == b,
                _ if rr.certainly_equal(&region) => true,
                _ => {
                    if rep.get("ResourcePolicy").is_some() {
                        found = Some(Value::Unknown(Unknown::new(
                            UnknownCode::NotInInput,
                            format!(
                                "which replica of `{}` is in the stack's region is unknown; pass --region",
                                r.id
                            ),
                        )));
                    }
                    continue;
                }
            };
            if here {
                if let Some(k) = rep
                    .get("SSESpecification")
                    .and_then(|s| s.get("KMSMasterKeyId"))
                    .and_then(Value::to_text)
                {
                    table.sse_kms_key = Some(k);
                }
                return Ok(rep
                    .get("ResourcePolicy")
                    .and_then(|p| p.get("PolicyDocument"))
                    .cloned());
            }
        }
        Ok(found)
    }

    /// `Policies` of a role, user or group: `[{PolicyName, PolicyDocument}]`.
    fn inline_policies(&self, r: &Res, principal: &mut Principal) -> Result<(), IacError> {
        let Some(v) = self.prop(r, "Policies")? else {
            return Ok(());
        };
        for (i, pol) in list_of(v).into_iter().enumerate() {
            let origin = format!("{}.Policies[{i}]", r.id);
            let body = match &pol {
                Value::Unknown(u) => PolicyBody::Unknown { unknown: u.clone() },
                _ => match pol.get("PolicyDocument") {
                    Some(d) => PolicyBody::Inline {
                        document: self.document(
                            r,
                            d.clone(),
                            &format!("Policies[{i}].PolicyDocument"),
                        )?,
                    },
                    None => PolicyBody::Unknown {
                        unknown: Unknown::new(
                            UnknownCode::Unsupported,
                            format!("{origin} has no PolicyDocument"),
                        ),
                    },
                },
            };
            principal.policies.push(IdentityPolicy {
                attachment: Attachment::Certain,
                name: pol
                    .get("PolicyName")
                    .and_then(Value::to_text)
                    .unwrap_or_default(),
                origin,
                body,
            });
        }
        Ok(())
    }

    pub(crate) fn managed_arns(&self, r: &Res, v: Value, principal: &mut Principal) {
        for (i, a) in list_of(v).into_iter().enumerate() {
            let origin = format!("{}.ManagedPolicyArns[{i}]", r.id);
            let body = match a {
                Value::Unknown(u) => PolicyBody::Unknown { unknown: u },
                other => {
                    let t = other.to_text().unwrap_or_default();
                    PolicyBody::Managed(ManagedPolicyRef {
                        arn: ManagedPolicyArn::Arn(t),
                        document: ManagedDocument::Referenced,
                    })
                }
            };
            let name = match &body {
                PolicyBody::Managed(m) => match &m.arn {
                    ManagedPolicyArn::Arn(t) => t.clone(),
                    ManagedPolicyArn::Name(n) => Text::known(n.clone()),
                },
                _ => Text::default(),
            };
            principal.policies.push(IdentityPolicy {
                attachment: Attachment::Certain,
                name,
                origin,
                body,
            });
        }
    }

    /// `Roles`/`Users`/`Groups` of an `AWS::IAM::Policy` or `ManagedPolicy`.
    fn attach(
        &self,
        r: &Res,
        name: &Text,
        body: PolicyBody,
        b: &mut Build,
    ) -> Result<(), IacError> {
        for (prop, kind) in [
            ("Roles", PrincipalKind::Role),
            ("Users", PrincipalKind::User),
            ("Groups", PrincipalKind::Group),
        ] {
            let Some(v) = self.prop(r, prop)? else {
                continue;
            };
            for (i, target) in list_of(v).into_iter().enumerate() {
                let pol = IdentityPolicy {
                    attachment: Attachment::Certain,
                    name: name.clone(),
                    origin: format!("{}.{prop}[{i}]", r.id),
                    body: body.clone(),
                };
                b.attach_to(
                    kind,
                    &target,
                    pol,
                    &r.id,
                    &format!("Properties.{prop}[{i}]"),
                );
            }
        }
        Ok(())
    }
}

/// Whether two principal names may turn out to be the same. A name AWS generates for a resource
/// the input creates is no other principal's name (IAM names are unique in an account).
pub(crate) fn may_equal(a: &Text, b: &Text) -> bool {
    if a.certainly_equal(b) {
        return true;
    }
    if let (Some(x), Some(y)) = (a.as_known(), b.as_known()) {
        return x == y;
    }
    let generated = |t: &Text| matches!(t.parts(), [Part::Symbol(s)] if s.shape.iter().any(|p| matches!(p, Part::Unknown(u) if u.code == UnknownCode::Generated)));
    !(generated(a) || generated(b))
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::Text(_) => "a string",
        Value::List(_) => "a list",
        Value::Map(_) => "a mapping",
        Value::Unknown(_) => "an unknown value",
    }
}

/// A list value's elements; a single value is a list of one (as CloudFormation is lenient).
pub(crate) fn list_of(v: Value) -> Vec<Value> {
    match v {
        Value::List(l) => l,
        other => vec![other],
    }
}

fn tag_list(tags: &[Value]) -> Vec<(String, Value)> {
    tags.iter()
        .filter_map(|t| {
            let k = t.get("Key")?.to_text()?.to_string();
            Some((k, t.get("Value").cloned().unwrap_or(Value::Null)))
        })
        .collect()
}

fn key_schema(v: &Value) -> Vec<KeyElement> {
    v.as_list()
        .unwrap_or_default()
        .iter()
        .map(|k| KeyElement {
            attribute: k
                .get("AttributeName")
                .and_then(Value::to_text)
                .unwrap_or_default(),
            key_type: k
                .get("KeyType")
                .and_then(Value::to_text)
                .unwrap_or_default(),
        })
        .collect()
}

/// The model while it is being built.
#[derive(Default)]
pub(crate) struct Build {
    pub principals: Vec<Principal>,
    pub managed: Vec<ManagedPolicy>,
    pub resource_policies: Vec<ResourcePolicy>,
    pub tables: Vec<Table>,
    pub keys: Vec<KmsKey>,
    pub buckets: Vec<Bucket>,
    pub functions: Vec<Function>,
    pub pending_aliases: Vec<(Text, Text)>,
    pub pending_bucket_policies: Vec<ResourcePolicy>,
    pub links: Vec<Link>,
}

/// A policy attached to a principal by name.
pub(crate) struct Link {
    pub kind: PrincipalKind,
    pub target: Value,
    pub pol: IdentityPolicy,
    pub res: String,
    pub prop: String,
}

impl Build {
    /// Records that a policy is attached to the principal whose name is `target` (see
    /// [`Build::attach_all`]); a name the input does not create becomes a principal of its own,
    /// marked as possibly holding more.
    pub(crate) fn attach_to(
        &mut self,
        kind: PrincipalKind,
        target: &Value,
        pol: IdentityPolicy,
        res: &str,
        prop: &str,
    ) {
        self.links.push(Link {
            kind,
            target: target.clone(),
            pol,
            res: res.to_string(),
            prop: prop.to_string(),
        });
    }

    /// Attaches one policy to the principals its target names or may name.
    #[allow(clippy::too_many_arguments)]
    fn attach_with(
        &mut self,
        kind: PrincipalKind,
        target: &Value,
        pol: IdentityPolicy,
        res: &str,
        prop: &str,
        unresolved: &mut Vec<Unresolved>,
    ) {
        let t = match target.to_text() {
            Some(t) if t.unknowns().next().is_none() => t,
            _ => {
                let u = match target {
                    Value::Unknown(u) => u.clone(),
                    other => other
                        .to_text()
                        .and_then(|t| t.unknowns().next().cloned())
                        .unwrap_or_else(|| Unknown::new(UnknownCode::Unsupported, "not a name")),
                };
                unresolved.push(Unresolved {
                    resource: res.to_string(),
                    property: prop.to_string(),
                    unknown: Unknown::new(
                        u.code,
                        format!(
                            "the {} this policy is attached to: {}",
                            kind.as_str(),
                            u.detail
                        ),
                    ),
                });
                // It may be attached to any of them: a Deny in it must not be dropped.
                let why = Unknown::new(
                    u.code,
                    format!(
                        "`{res}` {prop} names a {} known only at deploy ({}); it may be this one",
                        kind.as_str(),
                        u.detail
                    ),
                );
                for p in self.principals.iter_mut().filter(|p| p.kind == kind) {
                    let mut pol = pol.clone();
                    pol.attachment = Attachment::Possible { why: why.clone() };
                    p.policies.push(pol);
                }
                return;
            }
        };
        // IAM names are unique in an account and "not distinguished by case"
        // (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).
        let lower = t.to_lowercase();
        let mut exact = false;
        for p in self.principals.iter_mut().filter(|p| p.kind == kind) {
            let name = p.name.to_lowercase();
            if name.certainly_equal(&lower) {
                p.policies.push(pol.clone());
                exact = true;
            } else if may_equal(&name, &lower) {
                let mut pol = pol.clone();
                pol.attachment = Attachment::Possible {
                    why: Unknown::new(
                        UnknownCode::NotInInput,
                        format!(
                            "`{res}` {prop} names `{t}`, which may turn out to be `{}`",
                            p.name
                        ),
                    ),
                };
                p.policies.push(pol);
            }
        }
        if !exact {
            unreachable!("attach_all creates a principal for every name first");
        }
    }

    /// A principal for a name the input does not create: it exists elsewhere and may hold more.
    fn external(
        &mut self,
        env: &Environment,
        kind: PrincipalKind,
        t: &Text,
        res: &str,
        what: &str,
    ) {
        let t = t.clone();
        let arn = Text::concat([
            Text::known("arn:"),
            env.partition.clone(),
            Text::known(":iam::"),
            env.account.clone(),
            Text::known(format!(":{}/", kind.as_str())),
            Text::unknown(Unknown::new(
                UnknownCode::NotInInput,
                format!(
                    "the path of {} `{t}`, which the {what} does not create (empty or `a/b/`)",
                    kind.as_str()
                ),
            )),
            t.clone(),
        ]);
        self.principals.push(Principal {
            id: t.to_string(),
            kind,
            created: false,
            name: t.clone(),
            arn,
            path: Text::unknown(Unknown::new(UnknownCode::NotInInput, format!("the path of `{t}`"))),
            policies: Vec::new(),
            boundary: None,
            trust: None,
            tags: Vec::new(),
            groups: Vec::new(),
            completeness: Completeness::MayHaveMore {
                reason: format!("{} `{t}` is not created by this {what}; it may hold policies attached elsewhere", kind.as_str()),
            },
            defined_by: format!("named by {res}"),
        });
    }

    /// Attaches every collected policy: first a principal for each name the input does not
    /// create, then each policy to the principals it names (or may name), so the order of the
    /// input's resources does not matter.
    pub(crate) fn attach_all(
        &mut self,
        env: &Environment,
        unresolved: &mut Vec<Unresolved>,
        what: &str,
    ) {
        let links = std::mem::take(&mut self.links);
        for l in &links {
            if let Some(t) = l.target.to_text()
                && t.unknowns().next().is_none()
            {
                let lower = t.to_lowercase();
                if !self
                    .principals
                    .iter()
                    .any(|p| p.kind == l.kind && p.name.to_lowercase().certainly_equal(&lower))
                {
                    self.external(env, l.kind, &t, &l.res, what);
                }
            }
        }
        for l in links {
            self.attach_with(l.kind, &l.target, l.pol, &l.res, &l.prop, unresolved);
        }
    }

    pub(crate) fn role_by_arn(&self, arn: &Text) -> FunctionRole {
        if let Some(u) = arn.unknowns().next() {
            return FunctionRole::Unknown { unknown: u.clone() };
        }
        match self
            .principals
            .iter()
            .find(|p| p.kind == PrincipalKind::Role && p.created && p.arn.certainly_equal(arn))
        {
            Some(p) => FunctionRole::Principal { id: p.id.clone() },
            None => FunctionRole::External { arn: arn.clone() },
        }
    }

    /// Managed policy ARNs and boundaries that name a policy the input defines get its document;
    /// aliases and bucket policies find their key and bucket.
    ///
    /// Inline policies that share a name on one principal become possible: IAM keeps one of
    /// them (`PutRolePolicy` with an existing name replaces it).
    pub(crate) fn link_managed_documents(&mut self) {
        for p in &mut self.principals {
            let names: Vec<Option<String>> = p
                .policies
                .iter()
                .map(|pol| match pol.body {
                    PolicyBody::Managed(_) => None,
                    _ => pol.name.as_known().map(str::to_lowercase),
                })
                .collect();
            for (i, pol) in p.policies.iter_mut().enumerate() {
                if let Some(n) = &names[i]
                    && names.iter().filter(|m| m.as_ref() == Some(n)).count() > 1
                    && pol.attachment.is_certain()
                {
                    pol.attachment = Attachment::Possible {
                        why: Unknown::new(
                            UnknownCode::Unsupported,
                            format!(
                                "`{}` has more than one inline policy named `{}`; IAM keeps only one of them",
                                p.id, pol.name
                            ),
                        ),
                    };
                }
            }
        }
        let managed = self.managed.clone();
        let find = |arn: &ManagedPolicyArn| -> Option<ManagedDocument> {
            let ManagedPolicyArn::Arn(t) = arn else {
                return None;
            };
            managed
                .iter()
                .find(|m| m.arn.certainly_equal(t))
                .map(|m| ManagedDocument::InInput {
                    id: m.id.clone(),
                    document: m.document.clone(),
                })
        };
        for p in &mut self.principals {
            for pol in &mut p.policies {
                if let PolicyBody::Managed(m) = &mut pol.body
                    && m.document == ManagedDocument::Referenced
                    && let Some(d) = find(&m.arn)
                {
                    m.document = d;
                }
            }
            if let Some(bd) = &mut p.boundary
                && let Some(d) = find(&bd.arn)
            {
                bd.document = d;
            }
        }
        for (alias, target) in std::mem::take(&mut self.pending_aliases) {
            if let Some(k) = self
                .keys
                .iter_mut()
                .find(|k| k.key_id.certainly_equal(&target) || k.arn.certainly_equal(&target))
            {
                k.aliases.push(alias);
            }
        }
        for mut bp in std::mem::take(&mut self.pending_bucket_policies) {
            if let Some(b) = self
                .buckets
                .iter()
                .find(|b| b.name.certainly_equal(&bp.resource))
            {
                bp.resource_id = Some(b.id.clone());
            }
            self.resource_policies.push(bp);
        }
    }

    /// Lists every unknown in the model with its resource and property.
    pub(crate) fn collect_unresolved(&self, out: &mut Vec<Unresolved>) {
        let mut push = |resource: &str, property: String, u: &Unknown| {
            let e = Unresolved {
                resource: resource.to_string(),
                property,
                unknown: u.clone(),
            };
            if !out.contains(&e) {
                out.push(e);
            }
        };
        for p in &self.principals {
            for pol in &p.policies {
                match &pol.body {
                    PolicyBody::Inline { document } => {
                        for (path, u) in document.unknowns() {
                            push(&pol.origin, join_path("PolicyDocument", &path), u);
                        }
                    }
                    PolicyBody::Managed(m) => {
                        if let ManagedPolicyArn::Arn(t) = &m.arn {
                            for u in t.unknowns() {
                                push(&pol.origin, "PolicyArn".into(), u);
                            }
                        }
                        if let ManagedDocument::InInput { id, document } = &m.document {
                            for (path, u) in document.unknowns() {
                                push(id, join_path("PolicyDocument", &path), u);
                            }
                        }
                    }
                    PolicyBody::Unknown { unknown } => push(&pol.origin, String::new(), unknown),
                }
            }
            if let Some(ManagedPolicyRef {
                arn: ManagedPolicyArn::Arn(t),
                ..
            }) = &p.boundary
            {
                for u in t.unknowns() {
                    push(&p.id, "PermissionsBoundary".into(), u);
                }
            }
            if let Some(t) = &p.trust {
                for (path, u) in t.unknowns() {
                    push(&p.id, join_path("AssumeRolePolicyDocument", &path), u);
                }
            }
        }
        for rp in &self.resource_policies {
            for (path, u) in rp.document.unknowns() {
                push(&rp.origin, path, u);
            }
            for u in rp.resource.unknowns() {
                push(&rp.origin, "resource".into(), u);
            }
        }
        for t in &self.tables {
            for u in t.name.unknowns() {
                push(&t.id, "TableName".into(), u);
            }
        }
        for f in &self.functions {
            for (k, v) in &f.environment {
                for (path, u) in v.unknowns() {
                    push(
                        &f.id,
                        join_path(&format!("Environment.Variables.{k}"), &path),
                        u,
                    );
                }
            }
            if let FunctionRole::Unknown { unknown } = &f.role {
                push(&f.id, "Role".into(), unknown);
            }
        }
    }
}
