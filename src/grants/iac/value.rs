//! Values as infrastructure code knows them before deploy: text made of known parts, symbolic
//! parts (a template resource's name, a key id, an ARN from `Fn::GetAtt`, an attribute Terraform
//! knows only after apply) and unknown parts (an import, a dynamic reference), and JSON-like trees
//! of such text (policy documents). Owns the representation only; must not resolve templates or
//! evaluate policies.
//!
//! Two occurrences of the same [`Symbol`] (same resource, same attribute) always stand for the
//! same value, whatever it turns out to be: `Resource: !GetAtt Key.Arn` and an environment variable
//! set to `!GetAtt Key.Arn` name the same key. A symbol's [`Symbol::shape`] says what is certain
//! about the text it will take (used to match wildcard patterns); an [`Unknown`] part could be
//! any text at all.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a part of a value cannot be known before deploy, as a stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UnknownCode {
    /// `Fn::ImportValue`: another stack's export.
    ImportValue,
    /// An intrinsic function or construct this reader does not evaluate (`Fn::Base64`,
    /// `Fn::Transform`, a macro, `Fn::Split` over a symbolic value, ...).
    Unsupported,
    /// `Fn::If` whose condition depends on something unknown before deploy.
    UndecidedCondition,
    /// A `{{resolve:...}}` dynamic reference (SSM, Secrets Manager), resolved at deploy.
    DynamicReference,
    /// A parameter of an `AWS::SSM::Parameter::Value<...>` type: read from SSM at deploy.
    SsmParameter,
    /// The random part of a name CloudFormation generates.
    Generated,
    /// A Terraform value known only after apply.
    AfterApply,
    /// A Terraform reference to something the plan does not describe (a variable, a module
    /// output, a resource whose value is unknown).
    NotInInput,
}

impl UnknownCode {
    pub fn as_str(self) -> &'static str {
        match self {
            UnknownCode::ImportValue => "import-value",
            UnknownCode::Unsupported => "unsupported",
            UnknownCode::UndecidedCondition => "undecided-condition",
            UnknownCode::DynamicReference => "dynamic-reference",
            UnknownCode::SsmParameter => "ssm-parameter",
            UnknownCode::Generated => "generated",
            UnknownCode::AfterApply => "after-apply",
            UnknownCode::NotInInput => "not-in-input",
        }
    }
}

/// A value (or part of one) that cannot be known before deploy, and why.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Unknown {
    pub code: UnknownCode,
    /// What it is, for a message: "Fn::ImportValue `shared-table`", "condition `IsProd` depends on
    /// parameter `Env`, which has no value", "`after_unknown` marks `policy`".
    pub detail: String,
}

impl Unknown {
    pub fn new(code: UnknownCode, detail: impl Into<String>) -> Unknown {
        Unknown {
            code,
            detail: detail.into(),
        }
    }
}

impl fmt::Display for Unknown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.detail, self.code.as_str())
    }
}

/// A value that exists only after deploy but is the same wherever the input names it: the value
/// of `Ref X` (`attribute` = `Ref`) or `Fn::GetAtt X.attribute` in a template, a pseudo parameter
/// (`AWS::AccountId`, `Ref`) or parameter without a value, or a Terraform `address.attribute`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Symbol {
    /// A logical id, parameter name, pseudo parameter or Terraform resource address.
    pub resource: String,
    pub attribute: String,
    /// What every value the symbol can take looks like: its [`Part::Known`] parts appear verbatim
    /// in that order, each [`Part::Unknown`] stands for any text (possibly empty). Empty means
    /// nothing is known. Never claims more than AWS documents (see the readers).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shape: Vec<Part>,
}

/// Symbols are equal when they stand for the same value (same resource and attribute), whatever
/// shape each occurrence carries.
impl PartialEq for Symbol {
    fn eq(&self, other: &Symbol) -> bool {
        self.same_as(other)
    }
}

impl Eq for Symbol {}

impl std::hash::Hash for Symbol {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.resource.hash(h);
        self.attribute.hash(h);
    }
}

impl Symbol {
    pub fn new(resource: impl Into<String>, attribute: impl Into<String>) -> Symbol {
        Symbol {
            resource: resource.into(),
            attribute: attribute.into(),
            shape: Vec::new(),
        }
    }
    pub fn with_shape(mut self, shape: Vec<Part>) -> Symbol {
        self.shape = shape;
        self
    }
    /// Whether two symbols stand for the same value (their shapes are then the same too).
    pub fn same_as(&self, other: &Symbol) -> bool {
        self.resource == other.resource && self.attribute == other.attribute
    }
    /// How messages and placeholders name it: `UrlsTable.Ref`, `aws_kms_key.k.arn`.
    pub fn label(&self) -> String {
        format!("{}.{}", self.resource, self.attribute)
    }
}

/// One piece of a [`Text`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Part {
    Known(String),
    Symbol(Symbol),
    Unknown(Unknown),
}

/// A string value: the concatenation of its parts. Adjacent known parts are always merged and
/// empty known parts dropped, so two texts built differently compare equal when they are the
/// same concatenation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Text(Vec<Part>);

impl Text {
    pub fn known(s: impl Into<String>) -> Text {
        let mut t = Text::default();
        t.push_known(&s.into());
        t
    }
    pub fn symbol(s: Symbol) -> Text {
        Text(vec![Part::Symbol(s)])
    }
    pub fn unknown(u: Unknown) -> Text {
        Text(vec![Part::Unknown(u)])
    }
    pub fn parts(&self) -> &[Part] {
        &self.0
    }
    pub fn push_known(&mut self, s: &str) {
        if s.is_empty() {
            return;
        }
        if let Some(Part::Known(last)) = self.0.last_mut() {
            last.push_str(s);
        } else {
            self.0.push(Part::Known(s.to_string()));
        }
    }
    pub fn push(&mut self, p: Part) {
        match p {
            Part::Known(s) => self.push_known(&s),
            other => self.0.push(other),
        }
    }
    pub fn append(&mut self, t: Text) {
        for p in t.0 {
            self.push(p);
        }
    }
    pub fn concat(parts: impl IntoIterator<Item = Text>) -> Text {
        let mut out = Text::default();
        for t in parts {
            out.append(t);
        }
        out
    }
    /// The text, when every part is known.
    pub fn as_known(&self) -> Option<&str> {
        match self.0.as_slice() {
            [] => Some(""),
            [Part::Known(s)] => Some(s),
            _ => None,
        }
    }
    pub fn is_known(&self) -> bool {
        self.as_known().is_some()
    }
    pub fn symbols(&self) -> impl Iterator<Item = &Symbol> {
        self.0.iter().filter_map(|p| match p {
            Part::Symbol(s) => Some(s),
            _ => None,
        })
    }
    pub fn unknowns(&self) -> impl Iterator<Item = &Unknown> {
        self.0.iter().filter_map(|p| match p {
            Part::Unknown(u) => Some(u),
            _ => None,
        })
    }
    /// Whether this is exactly the one symbol `s`.
    pub fn is_symbol(&self, s: &Symbol) -> bool {
        matches!(self.0.as_slice(), [Part::Symbol(x)] if x.same_as(s))
    }
    /// Whether both are certainly the same string: equal known text, or the same parts (the
    /// same symbols in the same places). `false` means "not proven equal", not "different".
    pub fn certainly_equal(&self, other: &Text) -> bool {
        self.0.iter().all(|p| !matches!(p, Part::Unknown(_))) && self == other
    }
    pub fn to_lowercase(&self) -> Text {
        let mut out = Text::default();
        for p in &self.0 {
            match p {
                Part::Known(s) => out.push_known(&s.to_lowercase()),
                other => out.push(other.clone()),
            }
        }
        out
    }
}

impl fmt::Display for Text {
    /// Known text verbatim, a symbol as `${Resource.Attribute}`, an unknown part as `${?code}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.0 {
            match p {
                Part::Known(s) => f.write_str(s)?,
                Part::Symbol(s) => write!(f, "${{{}}}", s.label())?,
                Part::Unknown(u) => write!(f, "${{?{}}}", u.code.as_str())?,
            }
        }
        Ok(())
    }
}

/// A JSON-like value whose strings may be symbolic; a whole value may be unknown (an `Fn::If`
/// on an undecided condition, a Terraform attribute known only after apply).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Value {
    Null,
    Bool(bool),
    /// A number as written.
    Number(String),
    Text(Text),
    List(Vec<Value>),
    /// Keys in input order; keys are always known text.
    Map(Vec<(String, Value)>),
    Unknown(Unknown),
}

impl Value {
    pub fn known(s: impl Into<String>) -> Value {
        Value::Text(Text::known(s))
    }
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Map(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
    pub fn as_text(&self) -> Option<&Text> {
        match self {
            Value::Text(t) => Some(t),
            _ => None,
        }
    }
    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(l) => Some(l),
            _ => None,
        }
    }
    /// The value as text, as CloudFormation turns scalars into strings (`true`, `5`).
    pub fn to_text(&self) -> Option<Text> {
        match self {
            Value::Text(t) => Some(t.clone()),
            Value::Bool(b) => Some(Text::known(b.to_string())),
            Value::Number(n) => Some(Text::known(n.clone())),
            Value::Unknown(u) => Some(Text::unknown(u.clone())),
            _ => None,
        }
    }
    /// The plain JSON, when nothing in it is symbolic or unknown.
    pub fn to_json(&self) -> Option<serde_json::Value> {
        Some(match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => serde_json::from_str(n)
                .ok()
                .filter(serde_json::Value::is_number)
                .unwrap_or_else(|| serde_json::Value::String(n.clone())),
            Value::Text(t) => serde_json::Value::String(t.as_known()?.to_string()),
            Value::List(l) => {
                serde_json::Value::Array(l.iter().map(Value::to_json).collect::<Option<_>>()?)
            }
            Value::Map(m) => serde_json::Value::Object(
                m.iter()
                    .map(|(k, v)| Some((k.clone(), v.to_json()?)))
                    .collect::<Option<_>>()?,
            ),
            Value::Unknown(_) => return None,
        })
    }
    /// JSON with every symbol written as `${Resource.Attribute}` and every unknown part as
    /// `${?code}`: for messages and snapshots, never for evaluation.
    pub fn to_display_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => serde_json::from_str(n)
                .ok()
                .filter(serde_json::Value::is_number)
                .unwrap_or_else(|| serde_json::Value::String(n.clone())),
            Value::Text(t) => serde_json::Value::String(t.to_string()),
            Value::List(l) => {
                serde_json::Value::Array(l.iter().map(Value::to_display_json).collect())
            }
            Value::Map(m) => serde_json::Value::Object(
                m.iter()
                    .map(|(k, v)| (k.clone(), v.to_display_json()))
                    .collect(),
            ),
            Value::Unknown(u) => serde_json::Value::String(format!("${{?{}}}", u.code.as_str())),
        }
    }
    /// Every unknown in the value, whole or part of a text, with its path (`Statement[0].Resource`).
    pub fn unknowns(&self) -> Vec<(String, &Unknown)> {
        let mut out = Vec::new();
        self.walk_unknowns(String::new(), &mut out);
        out
    }
    fn walk_unknowns<'a>(&'a self, path: String, out: &mut Vec<(String, &'a Unknown)>) {
        match self {
            Value::Unknown(u) => out.push((path, u)),
            Value::Text(t) => out.extend(t.unknowns().map(|u| (path.clone(), u))),
            Value::List(l) => {
                for (i, v) in l.iter().enumerate() {
                    v.walk_unknowns(format!("{path}[{i}]"), out);
                }
            }
            Value::Map(m) => {
                for (k, v) in m {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    v.walk_unknowns(p, out);
                }
            }
            _ => {}
        }
    }
    /// Plain JSON as a value (every string known).
    pub fn from_json(v: &serde_json::Value) -> Value {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Number(n.to_string()),
            serde_json::Value::String(s) => Value::known(s.clone()),
            serde_json::Value::Array(a) => Value::List(a.iter().map(Value::from_json).collect()),
            serde_json::Value::Object(o) => Value::Map(
                o.iter()
                    .map(|(k, v)| (k.clone(), Value::from_json(v)))
                    .collect(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_merges_known_parts_so_equal_strings_compare_equal() {
        let s = Symbol::new("Table", "Ref");
        let a = Text::concat([
            Text::known("arn:"),
            Text::known("x/"),
            Text::symbol(s.clone()),
        ]);
        let mut b = Text::known("arn:x/");
        b.push(Part::Symbol(s.clone()));
        assert_eq!(a, b);
        assert!(a.certainly_equal(&b));
        assert_eq!(a.to_string(), "arn:x/${Table.Ref}");
        assert_eq!(Text::known("").as_known(), Some(""));
        assert!(!a.is_known());
        let u = Text::unknown(Unknown::new(UnknownCode::ImportValue, "x"));
        assert!(
            !u.certainly_equal(&u.clone()),
            "an unknown is never proven equal"
        );
    }

    #[test]
    fn values_convert_to_json_only_when_fully_known() {
        let v = Value::Map(vec![
            ("A".into(), Value::known("x")),
            (
                "B".into(),
                Value::List(vec![Value::Number("5".into()), Value::Bool(true)]),
            ),
        ]);
        assert_eq!(
            v.to_json().unwrap(),
            serde_json::json!({"A": "x", "B": [5, true]})
        );
        let sym = Value::Map(vec![(
            "R".into(),
            Value::Text(Text::symbol(Symbol::new("K", "Arn"))),
        )]);
        assert!(sym.to_json().is_none());
        assert_eq!(sym.to_display_json(), serde_json::json!({"R": "${K.Arn}"}));
        let unk = Value::List(vec![Value::Unknown(Unknown::new(
            UnknownCode::AfterApply,
            "p",
        ))]);
        assert_eq!(unk.unknowns()[0].0, "[0]");
    }
}
