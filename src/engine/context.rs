//! The request context: condition keys (case-insensitive names) to single- or multi-valued values, values
//! AWS sends that we cannot know ([`ContextValue::Unknown`]), and whether keys not listed are absent
//! ([`World`]). Owns storage, the keys derived from the principal, and the JSON wire form of context
//! values; must not interpret operators.
//!
//! AWS: reference_policies_condition-keys ("condition key names are not case-sensitive"),
//! reference_policies_variables ("Principal key values": `aws:username`, `aws:userid`,
//! `aws:PrincipalType` per kind of principal), and the SimulatePrincipalPolicy `ContextEntries` types
//! (string, numeric, date, boolean, ip, binary and list forms).

use super::principal::{PrincipalArn, PrincipalType};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

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

/// A context value: always strings, with an optional declared type, or a value we cannot know.
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
    /// AWS puts this key in the request (for example `aws:SourceIp`, `dynamodb:LeadingKeys`) but its value
    /// is not known here. Every condition on it is unknown, except `Null`, which only asks whether the key
    /// is present. With `may_be_absent`, even presence is unknown (a key AWS sends only sometimes, such as
    /// `aws:SourceVpce` behind a VPC endpoint): then `Null` is unknown too. Calling such a key "present"
    /// would let a Deny on `Null: true` be skipped for a request where AWS omits the key.
    Unknown {
        ty: Option<ValueType>,
        may_be_absent: bool,
    },
}

/// Whether keys a context does not list are known to be absent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum World {
    /// The context describes the whole request: a key it does not list is absent from the real request
    /// (`check`, which builds the request context as AWS does, with unknown values marked
    /// [`ContextValue::Unknown`]).
    #[default]
    Closed,
    /// The context holds what the user gave; AWS may send more. Keys not given are evaluated as absent
    /// (as AWS's own policy simulator does), but the answer is never `Allowed` when that depends on a key
    /// that was not given: see [`evaluate`](super::evaluate) (`simulate`).
    Open,
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
            ContextValue::Unknown { ty, may_be_absent } => {
                let mut m = s.serialize_map(None)?;
                if let Some(ty) = ty {
                    m.serialize_entry("type", ty)?;
                }
                let presence = if *may_be_absent {
                    "maybe_absent"
                } else {
                    "present"
                };
                m.serialize_entry("unknown", presence)?;
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
    /// A key AWS sends whose value is not known here (see [`ContextValue::Unknown`]).
    pub fn unknown() -> ContextValue {
        ContextValue::Unknown {
            ty: None,
            may_be_absent: false,
        }
    }
    /// A key AWS may or may not send, with a value not known here.
    pub fn maybe_absent() -> ContextValue {
        ContextValue::Unknown {
            ty: None,
            may_be_absent: true,
        }
    }
    /// All values (one for a single value); `None` when the value is unknown.
    pub fn known_values(&self) -> Option<&[String]> {
        match self {
            ContextValue::Single { value, .. } => Some(std::slice::from_ref(value)),
            ContextValue::List { values, .. } => Some(values),
            ContextValue::Unknown { .. } => None,
        }
    }
    pub fn value_type(&self) -> Option<ValueType> {
        match self {
            ContextValue::Single { ty, .. }
            | ContextValue::List { ty, .. }
            | ContextValue::Unknown { ty, .. } => *ty,
        }
    }
    pub fn is_unknown(&self) -> bool {
        matches!(self, ContextValue::Unknown { .. })
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
    /// `{"type": "stringList", "values": [...]}`, or an unknown value `{"unknown": "present"}` /
    /// `{"unknown": "maybe_absent"}` (optionally with `"type"`).
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
                let ty_name = match map.get("type") {
                    None => "string",
                    Some(serde_json::Value::String(t)) => t.as_str(),
                    Some(other) => {
                        return Err(format!(
                            "`type` must be a type name such as \"ip\", found `{other}`"
                        ));
                    }
                };
                let (base, is_list) = match ty_name.strip_suffix("List") {
                    Some(b) => (b, true),
                    None => (ty_name, false),
                };
                let ty: ValueType =
                    serde_json::from_value(serde_json::Value::String(base.to_string()))
                        .map_err(|_| format!("unknown context value type `{ty_name}`"))?;
                for k in map.keys() {
                    if !matches!(k.as_str(), "type" | "value" | "values" | "unknown") {
                        return Err(format!("unknown field `{k}` in context value"));
                    }
                }
                if let Some(presence) = map.get("unknown") {
                    if map.contains_key("value") || map.contains_key("values") {
                        return Err("an unknown context value has no `value` or `values`".into());
                    }
                    let may_be_absent = match presence.as_str() {
                        Some("present") => false,
                        Some("maybe_absent") => true,
                        _ => {
                            return Err(format!(
                                "`unknown` must be `present` or `maybe_absent`, found `{presence}`"
                            ));
                        }
                    };
                    let ty = map.get("type").map(|_| ty);
                    return Ok(ContextValue::Unknown { ty, may_be_absent });
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
                            ContextValue::Single { .. } | ContextValue::Unknown { .. } => {
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

/// Read strictly ([`super::parse::StrictValue`]): `{"type": "ip", "value": A, "value": B}` is refused,
/// not read as its last `value`.
impl<'de> Deserialize<'de> for ContextValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde::de::DeserializeSeed::deserialize(super::parse::StrictValue, d)?;
        ContextValue::from_json(&v).map_err(serde::de::Error::custom)
    }
}

/// What a context says about one key.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup<'a> {
    /// Given (or derived from the principal); may be [`ContextValue::Unknown`].
    Value(Cow<'a, ContextValue>),
    /// Known to be absent whatever the world (e.g. `aws:username` for a role session).
    Absent,
    /// Not given: absent in a [`World::Closed`] context; reported in `missing_context`.
    Missing,
}

/// Condition keys to values. Names are compared case-insensitively; the spelling last inserted is kept.
///
/// A key ending in `*` (`aws:ResourceTag/*`, `kms:EncryptionContext:*`) names a family: every key with
/// that prefix which is not given on its own takes that value. It is how a context says "the table's tags
/// are not known" without listing tag names nobody knows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Context {
    /// Shared, so the clone the engine takes for its second look at an open world (and each check's
    /// copy of a shared context) costs a reference count, not a copy of every key and value; a
    /// write to a shared map copies it first (`Arc::make_mut`).
    ///
    /// Keyed by the lower-cased name in a hash map: the engine looks keys up several times per
    /// evaluation (one look is a hash of the name and one comparison, where an ordered map
    /// compared the name with several others); [`Context::iter`] sorts them for output.
    entries: std::sync::Arc<FxHashMap<String, (String, ContextValue)>>,
    /// Families: (lower-cased prefix, spelling with its `*`, value), longest prefix first.
    families: Vec<(String, String, ContextValue)>,
    world: World,
    /// Set by the engine for the second look at an open-world request: a key not given is unknown
    /// (maybe absent) instead of absent.
    missing_is_unknown: bool,
}

impl Context {
    /// An empty [`World::Closed`] context.
    pub fn new() -> Context {
        Context::default()
    }
    /// Set a key, or a family of keys when `key` ends in `*`.
    pub fn insert(&mut self, key: impl Into<String>, value: ContextValue) {
        let key = key.into();
        if let Some(prefix) = key.strip_suffix('*') {
            let prefix = prefix.to_lowercase();
            self.families.retain(|(p, _, _)| *p != prefix);
            self.families.push((prefix, key, value));
            self.families
                .sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        } else {
            std::sync::Arc::make_mut(&mut self.entries).insert(key.to_lowercase(), (key, value));
        }
    }
    /// [`Self::insert`] unless the context already gives `key` under some spelling (names are
    /// case-insensitive): then nothing changes and the spelling given first is returned, so a
    /// second value is refused instead of silently replacing the first.
    pub fn try_insert(
        &mut self,
        key: impl Into<String>,
        value: ContextValue,
    ) -> Result<(), String> {
        let key = key.into();
        if let Some(prefix) = key.strip_suffix('*') {
            let prefix = prefix.to_lowercase();
            if let Some((_, spelling, _)) = self.families.iter().find(|(p, _, _)| *p == prefix) {
                return Err(spelling.clone());
            }
            self.insert(key, value);
            return Ok(());
        }
        // Lower-cased once, for the look-up and the entry.
        let lower = key.to_lowercase();
        if let Some((spelling, _)) = self.entries.get(&lower) {
            return Err(spelling.clone());
        }
        std::sync::Arc::make_mut(&mut self.entries).insert(lower, (key, value));
        Ok(())
    }
    /// Room for `n` more keys, so a context built key by key grows its map once.
    pub fn reserve(&mut self, n: usize) {
        std::sync::Arc::make_mut(&mut self.entries).reserve(n);
    }
    /// Remove a key or a family (any spelling); returns its value.
    pub fn remove(&mut self, key: &str) -> Option<ContextValue> {
        if let Some(prefix) = key.strip_suffix('*') {
            let prefix = prefix.to_lowercase();
            let i = self.families.iter().position(|(p, _, _)| *p == prefix)?;
            return Some(self.families.remove(i).2);
        }
        std::sync::Arc::make_mut(&mut self.entries)
            .remove(&key.to_lowercase())
            .map(|(_, v)| v)
    }
    pub fn with(mut self, key: impl Into<String>, value: ContextValue) -> Context {
        self.insert(key, value);
        self
    }
    pub fn world(&self) -> World {
        self.world
    }
    pub fn set_world(&mut self, world: World) {
        self.world = world;
    }
    pub fn with_world(mut self, world: World) -> Context {
        self.world = world;
        self
    }
    /// The value given for `key`, on its own or through a family.
    pub fn get(&self, key: &str) -> Option<&ContextValue> {
        self.get_exact(key).or_else(|| self.family(key))
    }
    fn get_exact(&self, key: &str) -> Option<&ContextValue> {
        if let Some((_, v)) = self.entries.get(key) {
            return Some(v);
        }
        if key.bytes().any(|b| b.is_ascii_uppercase()) || !key.is_ascii() {
            return self.entries.get(&key.to_lowercase()).map(|(_, v)| v);
        }
        None
    }
    fn family(&self, key: &str) -> Option<&ContextValue> {
        if self.families.is_empty() {
            return None;
        }
        // An ASCII name lower-cases byte by byte, so its prefix is compared in place (a prefix
        // holding anything else cannot match it); any other name is lower-cased first.
        if key.is_ascii() {
            return self
                .families
                .iter()
                .find(|(p, _, _)| {
                    key.as_bytes()
                        .get(..p.len())
                        .is_some_and(|k| k.eq_ignore_ascii_case(p.as_bytes()))
                })
                .map(|(_, _, v)| v);
        }
        let key = key.to_lowercase();
        self.families
            .iter()
            .find(|(p, _, _)| key.starts_with(p.as_str()))
            .map(|(_, _, v)| v)
    }
    /// The key's value as AWS would see it. A given entry wins; otherwise the keys AWS derives from the
    /// principal are filled (reference_policies_variables, "Principal key values";
    /// reference_policies_condition-keys):
    /// - `aws:PrincipalArn`: the user, role or root ARN; for a role ARN (which stands for *any session* of
    ///   the role) the role ARN itself; for an exact session ARN it is the role ARN *with its path*, which
    ///   the session ARN does not carry, so it is [`ContextValue::Unknown`] unless given;
    /// - `aws:PrincipalAccount`; `aws:PrincipalType` (`User`, `AssumedRole`, `FederatedUser`, `Account`);
    /// - `aws:username`: the user's name, absent for every other principal;
    /// - `aws:userid`: the account id for the root user, otherwise unknown (`AIDA...` for a user,
    ///   `ROLEID:session` for a role session), unless given;
    /// - `aws:PrincipalIsAWSService`: `false` (every principal here is an IAM principal).
    ///
    /// Order: a key given on its own, then a key derived from the principal, then a family (`prefix*`).
    pub fn lookup(&self, key: &str, principal: &str) -> Lookup<'_> {
        if let Some(v) = self.get_exact(key) {
            return Lookup::Value(Cow::Borrowed(v));
        }
        let derived = self.derived(key, principal);
        if !matches!(derived, Lookup::Missing) {
            return derived;
        }
        match self.family(key) {
            Some(v) => Lookup::Value(Cow::Borrowed(v)),
            None if self.missing_is_unknown => {
                Lookup::Value(Cow::Owned(ContextValue::maybe_absent()))
            }
            None => Lookup::Missing,
        }
    }

    /// Every key not given becomes unknown (maybe absent): the engine's second look at an open world.
    pub(crate) fn with_missing_unknown(mut self) -> Context {
        self.missing_is_unknown = true;
        self
    }
    pub(crate) fn missing_is_unknown(&self) -> bool {
        self.missing_is_unknown
    }

    /// Is `key` given (on its own, through a family, or derived from `principal`)?
    pub fn gives(&self, key: &str, principal: &str) -> bool {
        self.get(key).is_some() || !matches!(self.derived(key, principal), Lookup::Missing)
    }

    fn derived(&self, key: &str, principal: &str) -> Lookup<'_> {
        // Most keys a policy tests are not derived: answer those without parsing the principal.
        const DERIVED: [&str; 6] = [
            "aws:principalarn",
            "aws:principalaccount",
            "aws:principaltype",
            "aws:username",
            "aws:userid",
            "aws:principalisawsservice",
        ];
        // Every derived key starts `aws:p` or `aws:u`: most keys are ruled out by that alone.
        let may_be_derived = key
            .get(..5)
            .is_some_and(|p| p.eq_ignore_ascii_case("aws:p") || p.eq_ignore_ascii_case("aws:u"));
        if !may_be_derived || !DERIVED.iter().any(|d| d.eq_ignore_ascii_case(key)) {
            return Lookup::Missing;
        }
        let Some(p) = PrincipalArn::parse(principal) else {
            return Lookup::Missing;
        };
        let value = |s: String| Lookup::Value(Cow::Owned(ContextValue::string(s)));
        let unknown = || Lookup::Value(Cow::Owned(ContextValue::unknown()));
        match key.to_ascii_lowercase().as_str() {
            "aws:principalarn" => match p.kind {
                PrincipalType::AssumedRole => unknown(),
                _ => value(principal.to_string()),
            },
            "aws:principalaccount" => value(p.account),
            "aws:principaltype" => value(
                match p.kind {
                    PrincipalType::User => "User",
                    PrincipalType::Role | PrincipalType::AssumedRole => "AssumedRole",
                    PrincipalType::FederatedUser => "FederatedUser",
                    PrincipalType::Root => "Account",
                }
                .to_string(),
            ),
            "aws:username" if p.kind == PrincipalType::User => value(p.name),
            "aws:username" => Lookup::Absent,
            "aws:userid" if p.kind == PrincipalType::Root => value(p.account),
            "aws:userid" => unknown(),
            "aws:principalisawsservice" => value("false".to_string()),
            _ => Lookup::Missing,
        }
    }
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty() && self.families.is_empty()
    }
    /// Every key given, in the order of their lower-cased names, families last (with their `*`).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ContextValue)> {
        let mut keys: Vec<(&String, &(String, ContextValue))> = self.entries.iter().collect();
        keys.sort_unstable_by_key(|(lower, _)| *lower);
        keys.into_iter()
            .map(|(_, (k, v))| (k.as_str(), v))
            .chain(self.families.iter().map(|(_, k, v)| (k.as_str(), v)))
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

/// Keys are case-insensitive, so two spellings of one key (`aws:SourceIp` and `AWS:SOURCEIP`) would
/// silently keep one value: refused instead. So is one key spelt the same way twice, which a map
/// type read first would collapse to its last value without a word: entries are taken one by one.
impl<'de> Deserialize<'de> for Context {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut c = Context::default();
        super::parse::each_entry(
            d,
            "a map of condition keys to values",
            std::marker::PhantomData::<ContextValue>,
            |k, v| {
                c.try_insert(k.as_str(), v).map_err(|first| {
                    let also = if first == k {
                        String::new()
                    } else {
                        format!(" (as `{first}` too; key names are case-insensitive)")
                    };
                    format!("context key `{k}` is given twice{also}")
                })
            },
        )?;
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
            ("f", ContextValue::unknown()),
            ("g", ContextValue::maybe_absent()),
            (
                "h",
                ContextValue::Unknown {
                    ty: Some(ValueType::Ip),
                    may_be_absent: false,
                },
            ),
        ]
        .into_iter()
        .collect();
        let json = serde_json::to_string(&c).unwrap();
        let back: Context = serde_json::from_str(&json).unwrap();
        assert_eq!(back, c, "{json}");
    }

    /// What a lookup says, as text: the value, `?` (unknown), `absent` or `missing`.
    fn show(l: Lookup<'_>) -> String {
        match l {
            Lookup::Value(v) => match v.known_values() {
                Some(vs) => vs.join(","),
                None => "?".into(),
            },
            Lookup::Absent => "absent".into(),
            Lookup::Missing => "missing".into(),
        }
    }

    #[test]
    fn derived_principal_keys() {
        let role = "arn:aws:iam::111122223333:role/app/R";
        let sess = "arn:aws:sts::111122223333:assumed-role/R/s";
        let user = "arn:aws:iam::111122223333:user/alice";
        let root = "arn:aws:iam::111122223333:root";
        let fed = "arn:aws:sts::111122223333:federated-user/bob";
        let c = Context::new();
        // (key, principal, expected)
        let cases = [
            ("aws:PrincipalArn", role, role),
            ("aws:principalarn", sess, "?"),
            ("aws:PrincipalArn", user, user),
            ("aws:PrincipalArn", fed, fed),
            ("aws:PrincipalAccount", sess, "111122223333"),
            ("aws:PrincipalType", role, "AssumedRole"),
            ("aws:PrincipalType", sess, "AssumedRole"),
            ("aws:PrincipalType", user, "User"),
            ("aws:PrincipalType", root, "Account"),
            ("aws:PrincipalType", fed, "FederatedUser"),
            ("aws:username", user, "alice"),
            ("aws:username", role, "absent"),
            ("aws:username", sess, "absent"),
            ("aws:userid", role, "?"),
            ("aws:userid", user, "?"),
            ("aws:userid", root, "111122223333"),
            ("aws:PrincipalIsAWSService", sess, "false"),
            ("aws:SourceIp", role, "missing"),
            ("aws:PrincipalArn", "not an arn", "missing"),
        ];
        for (k, p, want) in cases {
            assert_eq!(show(c.lookup(k, p)), want, "{k} for {p}");
        }
        let c2 = Context::new()
            .with("aws:PrincipalArn", ContextValue::string("x"))
            .with("aws:userid", ContextValue::string("AROA1:s"));
        assert_eq!(show(c2.lookup("aws:PrincipalArn", sess)), "x");
        assert_eq!(show(c2.lookup("AWS:USERID", role)), "AROA1:s");
    }

    #[test]
    fn families() {
        let mut c = Context::new()
            .with("aws:ResourceTag/*", ContextValue::maybe_absent())
            .with("aws:ResourceTag/env", ContextValue::string("prod"))
            .with("kms:EncryptionContext:*", ContextValue::unknown());
        assert_eq!(show(c.lookup("aws:resourcetag/ENV", "")), "prod");
        assert_eq!(show(c.lookup("aws:ResourceTag/team", "")), "?");
        assert_eq!(show(c.lookup("kms:EncryptionContext:tenant", "")), "?");
        assert_eq!(show(c.lookup("aws:RequestTag/x", "")), "missing");
        // A derived key wins over a family that happens to cover it.
        let c2 = Context::new().with("aws:Principal*", ContextValue::unknown());
        assert_eq!(
            show(c2.lookup("aws:PrincipalAccount", "arn:aws:iam::111122223333:role/R")),
            "111122223333"
        );
        assert_eq!(c.iter().count(), 3);
        assert!(c.remove("aws:ResourceTag/*").is_some());
        assert_eq!(show(c.lookup("aws:ResourceTag/team", "")), "missing");
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(serde_json::from_str::<Context>(&json).unwrap(), c, "{json}");
    }

    #[test]
    fn one_key_given_twice_in_one_spelling_is_refused_not_collapsed() {
        // A JSON object may repeat a key; the second value must not silently replace the first.
        let err = serde_json::from_str::<Context>(
            r#"{"aws:SourceIp": "10.0.0.1", "aws:SourceIp": "203.0.113.9"}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("`aws:SourceIp` is given twice"), "{err}");
        let ok: Context = serde_json::from_str(r#"{"aws:SourceIp": "10.0.0.1"}"#).unwrap();
        assert_eq!(ok.iter().count(), 1);
        // Nor may a value hide a second `value`.
        let err = serde_json::from_str::<Context>(
            r#"{"aws:SourceIp": {"type": "ip", "value": "10.0.0.1", "value": "203.0.113.9"}}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("value"), "{err}");
    }

    #[test]
    fn one_key_in_two_spellings_is_refused() {
        let err = serde_json::from_value::<Context>(
            json!({"aws:SourceIp": "1.2.3.4", "AWS:SOURCEIP": {"unknown": "present"}}),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("given twice"), "{err}");
    }

    #[test]
    fn world_defaults_to_closed() {
        assert_eq!(Context::new().world(), World::Closed);
        assert_eq!(Context::new().with_world(World::Open).world(), World::Open);
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
            (json!({"unknown": "present"}), Some(ContextValue::unknown())),
            (
                json!({"unknown": "maybe_absent"}),
                Some(ContextValue::maybe_absent()),
            ),
            (
                json!({"type": "ip", "unknown": "present"}),
                Some(ContextValue::Unknown {
                    ty: Some(ValueType::Ip),
                    may_be_absent: false,
                }),
            ),
            (json!({"unknown": true}), None),
            (json!({"unknown": "present", "value": "x"}), None),
            (json!(null), None),
            (json!({"type": "nope", "value": "x"}), None),
            // A type that is not a name is refused, not read as the default `string`.
            (json!({"type": 5, "value": "x"}), None),
            (json!({"type": ["ip"], "value": "10.0.0.1"}), None),
            (json!({"type": null, "value": "x"}), None),
            (json!({"type": "stringList", "value": "x"}), None),
            (json!([{}]), None),
        ];
        for (input, want) in cases {
            assert_eq!(ContextValue::from_json(&input).ok(), want, "{input}");
        }
    }
}
