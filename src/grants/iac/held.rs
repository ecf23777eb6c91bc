//! What one principal of an [`IacModel`] will hold, as the pipeline's own data: the policies it
//! certainly holds ([`PrincipalPolicies`], documents as JSON text whose values known only after
//! deploy travel as the engine's symbolic parts), the policies it *may* hold, the policies whose
//! document is not known, and the resource policies the input defines. Pure: no AWS, no files
//! (managed policy documents fetched or read by the caller are passed in).
//!
//! # Why a source beside the [`Aws`](crate::grants::source::Aws) trait, not through it
//! The trait answers "which policies does this principal hold" with plain strings: a policy is
//! held or not. A template says more, and less: a policy may be attached or not (a `Roles` list
//! known only after deploy), a document may be unknown (a managed policy only referenced, an
//! `Fn::If` on an undecided condition), and values inside a document may exist only after
//! deploy. Squeezing those into the trait would force each doubt into "held" or "not held",
//! and one of the two is a guess that can PASS where AWS denies. So the doubts travel here, as
//! data, one way: model → [`IacGrants`] → the verdict layer, which evaluates the best and the
//! worst case and passes a row only when even the worst case passes.

use std::collections::BTreeMap;

use crate::engine::symbolic::{self, Shape, Symbolic};
use crate::grants::model::{
    FetchedPolicy, FetchedResourcePolicy, PolicySource, Principal as HeldPrincipal,
    PrincipalPolicies, ResourcePolicyKind, ResourcePolicyState,
};
use crate::iam::arn::PrincipalKind as ArnPrincipalKind;

use super::model::{
    Attachment, Completeness, IacModel, ManagedDocument, ManagedPolicyArn, ManagedPolicyRef,
    PolicyBody, Principal, PrincipalKind, ResourceKind, SourceKind,
};
use super::value::{Part, Symbol, Text, Unknown, UnknownCode, Value};

/// Turns texts with symbolic and unknown parts into the engine's symbolic strings, and keeps
/// how each symbol is shown to people and why it is not known.
#[derive(Debug, Clone, Default)]
pub struct Encoder {
    /// The encoded symbol (as it appears inside strings) → how reports show it.
    shown: BTreeMap<String, String>,
    /// The engine's symbol name → what it is and why it is not known before deploy.
    why: BTreeMap<String, String>,
    fresh: usize,
    source: Option<SourceKind>,
}

/// Symbol names may not hold `:`, `/`, `*`, `?` (the engine splits ARNs on the raw string):
/// escape them (and `%`) so two different symbols never get the same name.
fn engine_name(label: &str) -> String {
    let mut out = String::with_capacity(label.len());
    for c in label.chars() {
        match c {
            '%' => out.push_str("%25"),
            ':' => out.push_str("%3A"),
            '/' => out.push_str("%2F"),
            '*' => out.push_str("%2A"),
            '?' => out.push_str("%3F"),
            c => out.push(c),
        }
    }
    out
}

impl Encoder {
    pub fn new(source: SourceKind) -> Encoder {
        Encoder {
            source: Some(source),
            ..Encoder::default()
        }
    }

    /// What the engine may assume about a symbol's characters. Only what AWS guarantees: an
    /// account id is digits; a KMS key id is a key id; a name CloudFormation generates is
    /// `stack-LogicalId-RANDOM` (stack names and logical ids are letters, digits and `-`). Any
    /// other symbol could be any text, which can only make matches less certain.
    fn shape(&self, s: &Symbol) -> Shape {
        if s.resource == "AWS::AccountId" {
            return Shape::Digits;
        }
        let generated = s
            .shape
            .iter()
            .any(|p| matches!(p, Part::Unknown(u) if u.code == UnknownCode::Generated));
        if generated && (s.attribute == "KeyId" || s.attribute == "key_id") {
            return Shape::KeyId;
        }
        let cfn = matches!(
            self.source,
            Some(SourceKind::CloudFormation | SourceKind::Sam)
        );
        let name_chars = s.shape.iter().all(|p| match p {
            Part::Known(k) => k.chars().all(|c| Shape::Name.allows(c)),
            _ => true,
        });
        if cfn && generated && name_chars {
            Shape::Name
        } else {
            Shape::Any
        }
    }

    fn symbol(&mut self, s: &Symbol) -> String {
        let name = engine_name(&s.label());
        let shape = self.shape(s);
        let encoded = Symbolic::new()
            .sym(&name, shape)
            .build()
            .expect("escaped names are valid");
        let shown = if s.attribute == "Ref" {
            format!("${{{}}}", s.resource)
        } else {
            format!("${{{}}}", s.label())
        };
        self.shown.insert(encoded.clone(), shown);
        let why = match s.shape.iter().find_map(|p| match p {
            Part::Unknown(u) => Some(u.detail.clone()),
            _ => None,
        }) {
            Some(d) => format!("`{}` is known only after deploy ({d})", s.label()),
            None => format!("`{}` is known only after deploy", s.label()),
        };
        self.why.insert(name, why);
        encoded
    }

    fn unknown(&mut self, u: &Unknown) -> String {
        self.fresh += 1;
        let name = format!("unknown-{}", self.fresh);
        let encoded = Symbolic::new()
            .sym(&name, Shape::Any)
            .build()
            .expect("valid name");
        self.shown
            .insert(encoded.clone(), format!("${{?{}}}", u.code.as_str()));
        self.why.insert(name, u.to_string());
        encoded
    }

    /// A text as one string the engine matches three-valued; `None` when known text carries the
    /// engine's reserved characters (no real input does; such text is never evaluated).
    pub fn text(&mut self, t: &Text) -> Option<String> {
        let mut out = String::new();
        for p in t.parts() {
            match p {
                Part::Known(k) => out.push_str(&Symbolic::new().lit(k).build().ok()?),
                Part::Symbol(s) => out.push_str(&self.symbol(s)),
                Part::Unknown(u) => out.push_str(&self.unknown(u)),
            }
        }
        Some(out)
    }

    /// A policy document as JSON text for the engine, or the unknown that keeps it from being
    /// built (a whole element known only after deploy: its place cannot be filled by a string).
    pub fn document(&mut self, v: &Value) -> Result<String, Unknown> {
        let json = self.json(v)?;
        Ok(json.to_string())
    }

    fn json(&mut self, v: &Value) -> Result<serde_json::Value, Unknown> {
        Ok(match v {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => serde_json::from_str(n)
                .ok()
                .filter(serde_json::Value::is_number)
                .unwrap_or_else(|| serde_json::Value::String(n.clone())),
            Value::Text(t) => serde_json::Value::String(self.text(t).ok_or_else(|| {
                Unknown::new(
                    UnknownCode::Unsupported,
                    "text holds characters reserved for values known only after deploy",
                )
            })?),
            Value::List(l) => {
                serde_json::Value::Array(l.iter().map(|x| self.json(x)).collect::<Result<_, _>>()?)
            }
            Value::Map(m) => serde_json::Value::Object(
                m.iter()
                    .map(|(k, x)| Ok((k.clone(), self.json(x)?)))
                    .collect::<Result<_, Unknown>>()?,
            ),
            Value::Unknown(u) => return Err(u.clone()),
        })
    }

    /// An encoded string as people read it: each symbol as `${Resource}` / `${Resource.Attr}`,
    /// each unknown part as `${?code}`.
    pub fn show(&self, s: &str) -> String {
        if !symbolic::has_symbols(s) {
            return s.to_string();
        }
        let mut out = s.to_string();
        for (enc, shown) in &self.shown {
            out = out.replace(enc, shown);
        }
        symbolic::display(&out)
    }

    /// [`Encoder::show`] for text the engine already rendered (its reasons show a symbol as
    /// `<name>`).
    pub fn show_rendered(&self, s: &str) -> String {
        let mut out = self.show(s);
        for (enc, shown) in &self.shown {
            out = out.replace(&symbolic::display(enc), shown);
        }
        out
    }

    /// Why each symbol the engine named is not known: for a row's reason.
    pub fn why(&self, engine_names: &[String]) -> Vec<String> {
        let mut out: Vec<String> = engine_names
            .iter()
            .map(|n| {
                self.why
                    .get(n)
                    .cloned()
                    .unwrap_or_else(|| format!("`{n}` is known only after deploy"))
            })
            .collect();
        out.dedup();
        out
    }
}

/// Something that keeps the principal's policy set from being fully known, and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Doubt {
    /// How the report names it: "managed policy `arn:...`", "policy at `Maybe.Roles[0]`".
    pub what: String,
    /// Why it is not known, and what would settle it (the flag).
    pub why: String,
}

/// A policy the principal may or may not hold.
#[derive(Debug, Clone, PartialEq)]
pub struct Possible {
    pub policy: FetchedPolicy,
    pub why: String,
}

/// One principal's grants from infrastructure code.
#[derive(Debug, Clone)]
pub struct IacGrants {
    /// The policies it certainly holds (and its boundary, when known), as the pipeline uses them.
    pub held: PrincipalPolicies,
    /// Policies that may be attached: their Deny may apply, their Allow cannot be relied on.
    pub possible: Vec<Possible>,
    /// Identity policies whose document is not known (anything may be in them).
    pub unknown: Vec<Doubt>,
    /// The boundary is set but its document is not known.
    pub boundary_unknown: Option<Doubt>,
    /// Policies attached outside the input may exist (a principal the input does not create).
    pub may_have_more: Option<Doubt>,
    /// The resource policies the input defines (and `Absent` for tables and keys it creates
    /// without one).
    pub resource_policies: Vec<FetchedResourcePolicy>,
    pub encoder: Encoder,
}

/// Where the documents of referenced managed policies come from, by ARN (and, for a SAM
/// managed-policy name, by name).
#[derive(Debug, Clone, Default)]
pub struct ManagedDocuments {
    pub by_arn: BTreeMap<String, String>,
    /// How to supply a missing one (named in the reason): `--managed-policy-file ARN=FILE`.
    pub hint: String,
}

/// The environment's texts encoded: partition, region, account.
pub fn encoded_env(model: &IacModel, enc: &mut Encoder) -> (String, String, String) {
    let e = &model.environment;
    (
        enc.text(&e.partition).unwrap_or_default(),
        enc.text(&e.region).unwrap_or_default(),
        enc.text(&e.account).unwrap_or_default(),
    )
}

/// How a managed policy is shown, and the key its supplied document is looked up by (only a
/// known ARN or a SAM name has one).
fn managed_key(r: &ManagedPolicyRef) -> (String, Option<String>) {
    match &r.arn {
        ManagedPolicyArn::Arn(t) => (t.to_string(), t.as_known().map(str::to_string)),
        ManagedPolicyArn::Name(n) => (n.clone(), Some(n.clone())),
    }
}

/// Builds one principal's grants. `principal` is an entry of `model.principals` (a role or
/// user; a user's groups' policies are included).
pub fn grants_of(model: &IacModel, principal: &Principal, docs: &ManagedDocuments) -> IacGrants {
    let mut enc = Encoder::new(model.source);
    let (partition, _region, account) = encoded_env(model, &mut enc);
    let name = enc.text(&principal.name).unwrap_or_default();
    let arn = enc.text(&principal.arn).unwrap_or_default();
    let kind = match principal.kind {
        PrincipalKind::User => ArnPrincipalKind::User,
        _ => ArnPrincipalKind::Role,
    };
    let mut grants = IacGrants {
        held: PrincipalPolicies {
            principal: HeldPrincipal {
                kind,
                name: name.clone(),
                arn,
                account,
                partition,
                session_arn: None,
                boundary_arn: None,
                // The reader does not model a principal's `Tags` yet: unknown, so a condition on
                // aws:PrincipalTag/* is undecided rather than read as "untagged".
                tags: None,
            },
            policies: Vec::new(),
            boundary: None,
            groups: principal.groups.clone(),
        },
        possible: Vec::new(),
        unknown: Vec::new(),
        boundary_unknown: None,
        may_have_more: None,
        resource_policies: Vec::new(),
        encoder: Encoder::default(),
    };
    let mut owners: Vec<(&Principal, Option<String>)> = vec![(principal, None)];
    for g in &principal.groups {
        match model
            .principals
            .iter()
            .find(|p| p.kind == PrincipalKind::Group && &p.id == g)
        {
            Some(gp) => owners.push((gp, Some(g.clone()))),
            None => grants.unknown.push(Doubt {
                what: format!("the policies of group `{g}`"),
                why: format!(
                    "the user is in group `{g}`, which {} does not define; its policies are not known",
                    model.file
                ),
            }),
        }
    }
    for (owner, via_group) in owners {
        if let Completeness::MayHaveMore { reason } = &owner.completeness {
            grants.may_have_more.get_or_insert(Doubt {
                what: format!("{} `{}`", owner.kind.as_str(), owner.id),
                why: reason.clone(),
            });
        }
        for p in &owner.policies {
            let label = p.name.to_string();
            let (text, source, id) = match &p.body {
                PolicyBody::Inline { document } => (
                    enc.document(document),
                    PolicySource::Inline {
                        owner_kind: owner.kind.as_str().to_string(),
                        owner: owner.id.clone(),
                    },
                    label.clone(),
                ),
                PolicyBody::Managed(r) => {
                    let (shown, key) = managed_key(r);
                    let doc = match &r.document {
                        ManagedDocument::InInput { document, .. } => Some(enc.document(document)),
                        ManagedDocument::Referenced => key
                            .as_ref()
                            .and_then(|k| docs.by_arn.get(k))
                            .map(|t| Ok(t.clone())),
                    };
                    match doc {
                        Some(d) => (
                            d,
                            PolicySource::Managed {
                                arn: shown.clone(),
                                version: "template".into(),
                                aws_managed: shown.contains(":iam::aws:policy/"),
                                via_group: via_group.clone(),
                            },
                            shown,
                        ),
                        None => {
                            grants.unknown.push(Doubt {
                                what: format!("managed policy `{shown}` ({})", p.origin),
                                why: format!(
                                    "{} only references it, so its document is not known; supply it with {}",
                                    model.file, docs.hint
                                ),
                            });
                            continue;
                        }
                    }
                }
                PolicyBody::Unknown { unknown } => {
                    grants.unknown.push(Doubt {
                        what: format!("the policy attached at `{}`", p.origin),
                        why: unknown.to_string(),
                    });
                    continue;
                }
            };
            let text = match text {
                Ok(t) => t,
                Err(u) => {
                    grants.unknown.push(Doubt {
                        what: format!("policy `{label}` ({})", p.origin),
                        why: format!("it cannot be built before deploy: {u}"),
                    });
                    continue;
                }
            };
            let fetched = FetchedPolicy {
                id: id.clone(),
                name: id,
                source,
                text,
            };
            match &p.attachment {
                Attachment::Certain => grants.held.policies.push(fetched),
                Attachment::Possible { why } => grants.possible.push(Possible {
                    policy: fetched,
                    why: format!("it may be attached ({}): {why}", p.origin),
                }),
            }
        }
    }
    if let Some(b) = &principal.boundary {
        let (shown, key) = managed_key(b);
        let doc = match &b.document {
            ManagedDocument::InInput { document, .. } => Some(enc.document(document)),
            ManagedDocument::Referenced => key
                .as_ref()
                .and_then(|k| docs.by_arn.get(k))
                .map(|t| Ok(t.clone())),
        };
        grants.held.principal.boundary_arn = Some(shown.clone());
        match doc {
            Some(Ok(text)) => {
                grants.held.boundary = Some(FetchedPolicy {
                    id: shown.clone(),
                    name: shown.clone(),
                    source: PolicySource::Boundary {
                        arn: shown,
                        version: "template".into(),
                    },
                    text,
                })
            }
            Some(Err(u)) => {
                grants.boundary_unknown = Some(Doubt {
                    what: format!("permissions boundary `{shown}`"),
                    why: format!("it cannot be built before deploy: {u}"),
                })
            }
            None => {
                grants.boundary_unknown = Some(Doubt {
                    what: format!("permissions boundary `{shown}`"),
                    why: format!(
                        "{} only references it, so its document is not known; supply it with {}",
                        model.file, docs.hint
                    ),
                })
            }
        }
    }
    grants.resource_policies = resource_policies(model, &mut enc);
    grants.encoder = enc;
    grants
}

/// The resource policies the input defines, encoded; tables and keys the input creates
/// without one are `Absent` (what AWS gives them is known: none for a table; a key always has
/// one, which the model lists, AWS's default included). A policy that cannot be built is
/// `Unreadable`, so rows it decides are inconclusive.
fn resource_policies(model: &IacModel, enc: &mut Encoder) -> Vec<FetchedResourcePolicy> {
    let mut out = Vec::new();
    for rp in &model.resource_policies {
        let kind = match rp.kind {
            ResourceKind::KmsKey => ResourcePolicyKind::KmsKey,
            ResourceKind::S3Bucket => ResourcePolicyKind::S3Bucket,
            ResourceKind::DynamoDbTable => ResourcePolicyKind::DynamoDbTable,
        };
        let Some(resource) = enc.text(&rp.resource) else {
            continue;
        };
        let state = match enc.document(&rp.document) {
            Ok(text) => ResourcePolicyState::Document { text },
            Err(u) => ResourcePolicyState::Unreadable {
                reason: format!("{} cannot be built before deploy: {u}", rp.origin),
            },
        };
        out.push(FetchedResourcePolicy {
            kind,
            resource,
            state,
            owner: None,
        });
    }
    for t in model.tables.iter().filter(|t| t.created) {
        let Some(arn) = enc.text(&t.arn) else {
            continue;
        };
        if !out
            .iter()
            .any(|rp| rp.kind == ResourcePolicyKind::DynamoDbTable && rp.resource == arn)
        {
            out.push(FetchedResourcePolicy {
                kind: ResourcePolicyKind::DynamoDbTable,
                resource: arn,
                state: ResourcePolicyState::Absent,
                owner: None,
            });
        }
    }
    for b in &model.buckets {
        let Some(name) = enc.text(&b.name) else {
            continue;
        };
        if !out
            .iter()
            .any(|rp| rp.kind == ResourcePolicyKind::S3Bucket && rp.resource == name)
        {
            out.push(FetchedResourcePolicy {
                kind: ResourcePolicyKind::S3Bucket,
                resource: name,
                state: ResourcePolicyState::Absent,
                owner: None,
            });
        }
    }
    out
}

/// A function's environment variables as the code scan resolves table names through them:
/// name → text with known and symbolic parts (`TABLE_NAME` → `${UrlsTable}`, the same symbol
/// the template's table name is, so a `--table` resolved through it names that table). A value
/// that is not a string (a whole `Fn::If` on an undecided condition) is its unknown.
pub fn function_environment(
    model: &IacModel,
    function: &str,
) -> Option<Vec<(String, Result<Text, Unknown>)>> {
    let f = model.function(function)?;
    Some(
        f.environment
            .iter()
            .map(|(k, v)| {
                let t = match v {
                    Value::Unknown(u) => Err(u.clone()),
                    other => other.to_text().ok_or_else(|| {
                        Unknown::new(
                            UnknownCode::Unsupported,
                            format!("environment variable `{k}` is not a string"),
                        )
                    }),
                };
                (k.clone(), t)
            })
            .collect(),
    )
}

/// The template table a text names, if any: its name is certainly that text (the same symbol,
/// or the same known name).
pub fn table_named<'m>(model: &'m IacModel, t: &Text) -> Option<&'m super::model::Table> {
    model.tables.iter().find(|tb| tb.name.certainly_equal(t))
}

const AWS_MANAGED_JSON: &str = include_str!("data/aws-managed-policies.json");

/// The tool's copy of an AWS managed policy a template attaches implicitly (see
/// `data/aws-managed-policies.json`): (version, edited, document text). Only for the policies
/// listed there, each the default version AWS publishes; reports say when one is used.
pub fn bundled_aws_managed(arn: &str) -> Option<(String, String, String)> {
    let all: serde_json::Value = serde_json::from_str(AWS_MANAGED_JSON).ok()?;
    let p = all.get("policies")?.get(arn)?;
    Some((
        p.get("version")?.as_str()?.to_string(),
        p.get("edited")?.as_str()?.to_string(),
        p.get("document")?.to_string(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grants::iac::{FunctionRole, TemplateOptions, read_template};

    const TEMPLATE: &str = r#"
Transform: AWS::Serverless-2016-10-31
Resources:
  UrlsTable:
    Type: AWS::DynamoDB::Table
    Properties:
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
  UrlsFunction:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      InlineCode: "x"
      Environment:
        Variables:
          TABLE_NAME: !Ref UrlsTable
          PREFIX: !Sub "urls-${AWS::Region}"
          FIXED: plain
      Policies:
        - DynamoDBCrudPolicy:
            TableName: !Ref UrlsTable
"#;

    fn model() -> IacModel {
        read_template("t.yaml", TEMPLATE, &TemplateOptions::default()).unwrap()
    }

    #[test]
    fn a_functions_environment_names_the_templates_table_by_the_same_symbol() {
        let m = model();
        let env = function_environment(&m, "UrlsFunction").unwrap();
        let get = |k: &str| env.iter().find(|(n, _)| n == k).unwrap().1.clone().unwrap();
        let table = get("TABLE_NAME");
        assert_eq!(table.to_string(), "${UrlsTable.Ref}");
        assert_eq!(table_named(&m, &table).unwrap().id, "UrlsTable");
        assert_eq!(get("FIXED").as_known(), Some("plain"));
        assert!(table_named(&m, &get("PREFIX")).is_none());
        assert!(function_environment(&m, "Nope").is_none());
    }

    #[test]
    fn encoding_is_the_same_for_the_same_symbol_and_escapes_separators() {
        let mut e = Encoder::new(SourceKind::Sam);
        let s = Symbol::new("AWS::AccountId", "Ref");
        let a = e.text(&Text::symbol(s.clone())).unwrap();
        let b = e.text(&Text::symbol(s)).unwrap();
        assert_eq!(a, b);
        assert!(!a.contains(':'), "symbol names must not split ARNs: {a:?}");
        assert_eq!(e.show(&a), "${AWS::AccountId}");
        // Two unknowns are never the same value.
        let u = Unknown::new(UnknownCode::ImportValue, "x");
        let x = e.text(&Text::unknown(u.clone())).unwrap();
        let y = e.text(&Text::unknown(u)).unwrap();
        assert_ne!(x, y);
        // Known text with the engine's reserved characters is refused, never evaluated.
        assert!(e.text(&Text::known("a\u{E000}b")).is_none());
    }

    #[test]
    fn the_sam_role_holds_the_expanded_template_and_a_created_table_has_no_policy() {
        let m = model();
        let f = m.function("UrlsFunction").unwrap();
        let FunctionRole::Principal { id } = &f.role else {
            panic!("implicit role")
        };
        let p = m.principals.iter().find(|p| &p.id == id).unwrap();
        let g = grants_of(&m, p, &ManagedDocuments::default());
        // The implicit AWSLambdaBasicExecutionRole is referenced only: not supplied here.
        assert_eq!(g.unknown.len(), 1, "{:?}", g.unknown);
        assert!(g.unknown[0].what.contains("AWSLambdaBasicExecutionRole"));
        assert_eq!(g.held.policies.len(), 1);
        assert!(g.held.policies[0].text.contains("dynamodb:DeleteItem"));
        assert!(
            g.resource_policies
                .iter()
                .any(|rp| rp.kind == ResourcePolicyKind::DynamoDbTable
                    && rp.state == ResourcePolicyState::Absent)
        );
    }
}
