//! The request context: condition keys (case-insensitive names) to single- or multi-valued values.
//! Owns storage and the JSON wire form of context values; must not interpret operators.
//!
//! AWS: reference_policies_condition-keys ("condition key names are not case-sensitive") and the
//! SimulatePrincipalPolicy `ContextEntries` types (string, numeric, date, boolean, ip, binary and list forms).

use super::principal::{PrincipalArn, PrincipalType};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// The declared type of a context value, as in `ContextKeyType` (list forms are [`ContextValue::List`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueType {
    String,
    Numeric,
    Date,
    #[serde(alias = "boolean")]
    Bool,
    Ip,
    Binary,
    Arn,
}

/// A context value: always strings, with an optional declared type.
#[derive(Debug, Clone, PartialEq)]
pub enum ContextValue {
    Single {
        value: String,
        ty: Option<ValueType>,
    },
    List {
        values: Vec<String>,
        ty: Option<ValueType>,
    },
}

/// Serializes to the same wire form [`ContextValue::from_json`] reads, so values round-trip.
impl Serialize for ContextValue {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self {
            ContextValue::Single { value, ty: None } => s.serialize_str(value),
            ContextValue::List { values, ty: None } => values.serialize(s),
            ContextValue::Single {
                value,
                ty: Some(ty),
            } => {
                let mut m = s.serialize_map(Some(2))?;
                m.serialize_entry("type", ty)?;
                m.serialize_entry("value", value)?;
                m.end()
            }
            ContextValue::List {
                values,
                ty: Some(ty),
            } => {
                let mut m = s.serialize_map(Some(2))?;
                let name = serde_json::to_value(ty)
                    .ok()
                    .and_then(|v| v.as_str().map(|t| format!("{t}List")));
                m.serialize_entry("type", &name)?;
                m.serialize_entry("values", values)?;
                m.end()
            }
        }
    }
}

impl ContextValue {
    pub fn string(v: impl Into<String>) -> ContextValue {
        ContextValue::Single {
            value: v.into(),
            ty: None,
        }
    }
    pub fn typed(v: impl Into<String>, ty: ValueType) -> ContextValue {
        ContextValue::Single {
            value: v.into(),
            ty: Some(ty),
        }
    }
    pub fn list<I, S>(vs: I) -> ContextValue
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        ContextValue::List {
            values: vs.into_iter().map(Into::into).collect(),
            ty: None,
        }
    }
    /// All values (one for a single value).
    pub fn values(&self) -> &[String] {
        match self {
            ContextValue::Single { value, .. } => std::slice::from_ref(value),
            ContextValue::List { values, .. } => values,
        }
    }
    pub fn value_type(&self) -> Option<ValueType> {
        match self {
            ContextValue::Single { ty, .. } | ContextValue::List { ty, .. } => *ty,
        }
    }
}

fn scalar_to_string(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl ContextValue {
    /// Wire form: `"v"`, `true`, `3`, `["a","b"]`, or `{"type": "date", "value": "..."}` /
    /// `{"type": "stringList", "values": [...]}`.
    pub fn from_json(v: &serde_json::Value) -> Result<ContextValue, String> {
        match v {
            serde_json::Value::Array(items) => items
                .iter()
                .map(|i| {
                    scalar_to_string(i)
                        .ok_or_else(|| format!("list items must be scalars, found `{i}`"))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(|values| ContextValue::List { values, ty: None }),
            serde_json::Value::Object(map) => {
                let ty_name = map.get("type").and_then(|t| t.as_str()).unwrap_or("string");
                let (base, is_list) = match ty_name.strip_suffix("List") {
                    Some(b) => (b, true),
                    None => (ty_name, false),
                };
                let ty: ValueType =
                    serde_json::from_value(serde_json::Value::String(base.to_string()))
                        .map_err(|_| format!("unknown context value type `{ty_name}`"))?;
                for k in map.keys() {
                    if !matches!(k.as_str(), "type" | "value" | "values") {
                        return Err(format!("unknown field `{k}` in context value"));
                    }
                }
                match (map.get("value"), map.get("values")) {
                    (Some(single), None) if !is_list => {
                        let value = scalar_to_string(single).ok_or("`value` must be a scalar")?;
                        Ok(ContextValue::Single {
                            value,
                            ty: Some(ty),
                        })
                    }
                    (None, Some(serde_json::Value::Array(_))) => {
                        match ContextValue::from_json(&map["values"])? {
                            ContextValue::List { values, .. } => Ok(ContextValue::List {
                                values,
                                ty: Some(ty),
                            }),
                            ContextValue::Single { .. } => {
                                Err("`values` must be a list".to_string())
                            }
                        }
                    }
                    _ => Err(
                        "a typed context value needs `value` (single) or `values` (list type)"
                            .to_string(),
                    ),
                }
            }
            other => scalar_to_string(other)
                .map(ContextValue::string)
                .ok_or_else(|| "context value must not be null".to_string()),
        }
    }
}

impl<'de> Deserialize<'de> for ContextValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        ContextValue::from_json(&v).map_err(serde::de::Error::custom)
    }
}

/// Condition keys to values. Names are compared case-insensitively; the spelling first inserted is kept.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Context {
    entries: BTreeMap<String, (String, ContextValue)>,
}

impl Context {
    pub fn new() -> Context {
        Context::default()
    }
    pub fn insert(&mut self, key: impl Into<String>, value: ContextValue) {
        let key = key.into();
        self.entries.insert(key.to_lowercase(), (key, value));
    }
    pub fn with(mut self, key: impl Into<String>, value: ContextValue) -> Context {
        self.insert(key, value);
        self
    }
    pub fn get(&self, key: &str) -> Option<&ContextValue> {
        self.entries.get(&key.to_lowercase()).map(|(_, v)| v)
    }
    /// Like [`Context::get`], but fills the keys AWS always derives from the principal when the caller did
    /// not supply them (reference_policies_condition-keys): `aws:PrincipalArn` (for a user or role; for an
    /// assumed-role session it is the role ARN with its path, which the session ARN does not carry, so it
    /// stays missing), `aws:PrincipalAccount`, and `aws:username` (IAM users only). An explicit entry wins.
    pub fn lookup(&self, key: &str, principal: &str) -> Option<Cow<'_, ContextValue>> {
        if let Some(v) = self.get(key) {
            return Some(Cow::Borrowed(v));
        }
        let p = PrincipalArn::parse(principal)?;
        let derived = match key.to_ascii_lowercase().as_str() {
            "aws:principalarn"
                if matches!(
                    p.kind,
                    PrincipalType::User | PrincipalType::Role | PrincipalType::Root
                ) =>
            {
                principal.to_string()
            }
            "aws:principalaccount" => p.account,
            "aws:username" if p.kind == PrincipalType::User => p.name,
            _ => return None,
        };
        Some(Cow::Owned(ContextValue::string(derived)))
    }
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ContextValue)> {
        self.entries.values().map(|(k, v)| (k.as_str(), v))
    }
}

impl<K: Into<String>> FromIterator<(K, ContextValue)> for Context {
    fn from_iter<I: IntoIterator<Item = (K, ContextValue)>>(iter: I) -> Context {
        let mut c = Context::new();
        for (k, v) in iter {
            c.insert(k, v);
        }
        c
    }
}

impl Serialize for Context {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for Context {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let m = BTreeMap::<String, ContextValue>::deserialize(d)?;
        let mut c = Context::default();
        for (k, v) in m {
            c.insert(k, v);
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_are_case_insensitive() {
        let c = Context::new().with("aws:SourceIp", ContextValue::string("1.2.3.4"));
        assert!(c.get("AWS:SOURCEIP").is_some());
        assert!(c.get("aws:sourceip").is_some());
        assert!(c.get("aws:other").is_none());
    }

    #[test]
    fn wire_form_round_trips() {
        let c: Context = [
            ("a", ContextValue::string("x")),
            ("b", ContextValue::list(["1", "2"])),
            ("c", ContextValue::typed("2024-01-01", ValueType::Date)),
            (
                "d",
                ContextValue::List {
                    values: vec!["10.0.0.1".into()],
                    ty: Some(ValueType::Ip),
                },
            ),
            ("e", ContextValue::typed("true", ValueType::Bool)),
        ]
        .into_iter()
        .collect();
        let json = serde_json::to_string(&c).unwrap();
        let back: Context = serde_json::from_str(&json).unwrap();
        assert_eq!(back, c, "{json}");
    }

    #[test]
    fn derived_principal_keys() {
        let role = "arn:aws:iam::111122223333:role/app/R";
        let sess = "arn:aws:sts::111122223333:assumed-role/R/s";
        let user = "arn:aws:iam::111122223333:user/alice";
        let c = Context::new();
        let get = |k: &str, p: &str| c.lookup(k, p).map(|v| v.values()[0].clone());
        assert_eq!(get("aws:PrincipalArn", role).as_deref(), Some(role));
        assert_eq!(get("aws:principalarn", sess), None);
        assert_eq!(
            get("aws:PrincipalAccount", sess).as_deref(),
            Some("111122223333")
        );
        assert_eq!(get("aws:username", user).as_deref(), Some("alice"));
        assert_eq!(get("aws:username", role), None);
        assert_eq!(get("aws:userid", role), None);
        let c2 = Context::new().with("aws:PrincipalArn", ContextValue::string("x"));
        assert_eq!(
            c2.lookup("aws:PrincipalArn", role)
                .map(|v| v.values()[0].clone())
                .as_deref(),
            Some("x")
        );
    }

    #[test]
    fn wire_forms() {
        let cases = [
            (json!("x"), Some(ContextValue::string("x"))),
            (json!(true), Some(ContextValue::string("true"))),
            (json!(5), Some(ContextValue::string("5"))),
            (json!(["a", "b"]), Some(ContextValue::list(["a", "b"]))),
            (json!([]), Some(ContextValue::list(Vec::<String>::new()))),
            (
                json!({"type": "date", "value": "2020-01-01"}),
                Some(ContextValue::typed("2020-01-01", ValueType::Date)),
            ),
            (
                json!({"type": "stringList", "values": ["a"]}),
                Some(ContextValue::List {
                    values: vec!["a".into()],
                    ty: Some(ValueType::String),
                }),
            ),
            (
                json!({"type": "boolean", "value": true}),
                Some(ContextValue::typed("true", ValueType::Bool)),
            ),
            (json!(null), None),
            (json!({"type": "nope", "value": "x"}), None),
            (json!({"type": "stringList", "value": "x"}), None),
            (json!([{}]), None),
        ];
        for (input, want) in cases {
            assert_eq!(ContextValue::from_json(&input).ok(), want, "{input}");
        }
    }
}
