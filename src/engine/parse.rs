//! Policy JSON → validated policy model (patterns and templates compiled once), with located errors.
//! Owns the wire grammar of IAM policy documents; must not evaluate requests and must never panic.
//!
//! AWS: reference_policies_grammar and reference_policies_elements_* (Version, Statement, Sid, Effect,
//! Action/NotAction, Resource/NotResource, Principal/NotPrincipal, Condition).

use super::condition::Condition;
use super::matcher::{Pattern, same};
use super::symbolic;
use super::variables::Template;
use super::{Effect, PolicyKind};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// A policy that could not be parsed. Every message names the statement index and the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("policy is not valid json (line {line}, column {column}): {message}")]
    Json {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("policy: {message}")]
    Document { message: String },
    #[error("statement {index}: {message}")]
    Statement {
        index: usize,
        field: String,
        message: String,
    },
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Multiple(Vec<PolicyError>),
}

impl PolicyError {
    fn stmt(index: usize, field: &str, message: impl Into<String>) -> PolicyError {
        PolicyError::Statement {
            index,
            field: field.to_string(),
            message: message.into(),
        }
    }
    fn from_many(mut errors: Vec<PolicyError>) -> PolicyError {
        if errors.len() == 1 {
            errors.remove(0)
        } else {
            PolicyError::Multiple(errors)
        }
    }
}

/// The policy language version. Absent means 2008-10-17 behaviour (reference_policies_elements_version).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Version {
    #[serde(rename = "2008-10-17")]
    V2008_10_17,
    #[serde(rename = "2012-10-17")]
    V2012_10_17,
}

/// An `Action`/`NotAction` entry, matched case-insensitively (reference_policies_elements_action).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionPattern {
    pub source: String,
    pattern: Pattern,
    /// The entry's literal start, before its first `*` or `?`, as its length and [`fold_hash`], and
    /// whether it is the whole entry; `None` when it is not ASCII. See [`ActionKey`].
    head: Option<(usize, u64, bool)>,
    /// That literal start, lower-cased, when nothing but `*` follows it (or nothing at all): then
    /// an action whose start equals it, ignoring ASCII case, matches, and an equal hash is
    /// confirmed by that comparison alone instead of the whole glob.
    head_only: Option<Box<[u8]>>,
}

/// FNV-1a over ASCII-lower-cased bytes: the hash [`ActionPattern`], [`ActionKey`] and
/// [`ServiceMask`] share.
fn fold_hash(h: u64, b: u8) -> u64 {
    (h ^ u64::from(b.to_ascii_lowercase())).wrapping_mul(0x0100_0000_01b3)
}
const FOLD_HASH_START: u64 = 0xcbf2_9ce4_8422_2325;

impl ActionPattern {
    pub fn new(source: &str) -> ActionPattern {
        let head_text = source.split(['*', '?']).next().unwrap_or_default();
        let head = head_text.is_ascii().then(|| {
            (
                head_text.len(),
                head_text.bytes().fold(FOLD_HASH_START, fold_hash),
                head_text.len() == source.len(),
            )
        });
        let rest = &source[head_text.len()..];
        let head_only = (head.is_some() && rest.bytes().all(|b| b == b'*')).then(|| {
            head_text
                .to_ascii_lowercase()
                .into_bytes()
                .into_boxed_slice()
        });
        ActionPattern {
            source: source.to_string(),
            pattern: Pattern::new(source, true),
            head,
            head_only,
        }
    }
    pub fn matches(&self, action: &str) -> bool {
        self.pattern.matches(action)
    }

    /// [`Self::matches`], ruling most entries out first by the hash of their literal start. The
    /// pattern matches only if the lower-cased action starts with its lower-cased literal start
    /// (and, for an entry without wildcards, is exactly that), so a hash that differs is a sure
    /// "no"; an equal hash is confirmed by the full match.
    pub(crate) fn matches_key(&self, action: &str, key: &ActionKey) -> bool {
        if let (Some((len, hash, whole)), Some(prefixes)) = (self.head, key.prefixes()) {
            let fits = prefixes
                .get(len)
                .is_some_and(|h| *h == hash && (!whole || len + 1 == prefixes.len()));
            if !fits {
                return false;
            }
            // An entry that is its literal start (with `*` after it, or nothing, when `fits` has
            // checked the lengths agree): a hash is not proof, the bytes are.
            if let Some(h) = &self.head_only {
                return key
                    .lowered()
                    .and_then(|a| a.get(..len))
                    .is_some_and(|a| same(a, h));
            }
        }
        // The action lower-cased once per evaluation, when the pattern can take it as it is.
        key.lowered()
            .and_then(|a| self.pattern.matches_lowered(a))
            .unwrap_or_else(|| self.pattern.matches(action))
    }
}

/// The hashes of every lower-cased prefix of a request's action, computed once per evaluation, so
/// [`ActionPattern::matches_key`] rules out an entry with one comparison.
pub(crate) struct ActionKey {
    /// `prefixes[n]` is the hash of the first `n` bytes.
    prefixes: [u64; ActionKey::MAX + 1],
    /// The action lower-cased (ASCII), its first `len - 1` bytes: what every entry compares.
    lower: [u8; ActionKey::MAX],
    /// How many of `prefixes` are set (the action's length + 1); 0 when the action is not ASCII or
    /// longer than [`ActionKey::MAX`], and then every entry is matched in full.
    len: usize,
}

impl ActionKey {
    /// Longer than any IAM action name (the longest are under 80 characters).
    const MAX: usize = 127;

    #[inline]
    pub(crate) fn new(action: &str) -> ActionKey {
        let mut key = ActionKey {
            prefixes: [0; ActionKey::MAX + 1],
            lower: [0; ActionKey::MAX],
            len: 0,
        };
        if action.is_ascii() && action.len() <= ActionKey::MAX {
            let mut h = FOLD_HASH_START;
            key.prefixes[0] = h;
            for (i, b) in action.bytes().enumerate() {
                h = fold_hash(h, b);
                key.prefixes[i + 1] = h;
                key.lower[i] = b.to_ascii_lowercase();
            }
            key.len = action.len() + 1;
        }
        key
    }

    /// The action's [`ServiceMask`] (`action` is the text this key was built from): as
    /// [`ServiceMask::of_action`], from the hash of the service part computed here already (the
    /// prefix up to the first `:` is the service, and its hash is the one `of_service` takes).
    pub(crate) fn services(&self, action: &str) -> ServiceMask {
        let Some(prefixes) = self.prefixes() else {
            return ServiceMask::of_action(action);
        };
        let bytes = action.as_bytes();
        match bytes.iter().position(|&b| b == b':') {
            None | Some(0) => ServiceMask::ALL,
            Some(i) if bytes[..i].iter().any(|&b| b == b'*' || b == b'?') => ServiceMask::ALL,
            Some(i) => ServiceMask::of_hash(prefixes[i]),
        }
    }

    /// The bit of the whole action name for [`ServiceMask::of_names`]: the hash of every byte (every
    /// bit when the action is not ASCII, so no statement is ruled out by it).
    pub(crate) fn names(&self) -> ServiceMask {
        match self.prefixes() {
            Some(p) => ServiceMask::of_hash(p[p.len() - 1]),
            None => ServiceMask::ALL,
        }
    }

    /// The action lower-cased, when it is ASCII (and not too long).
    fn lowered(&self) -> Option<&[u8]> {
        (self.len > 0).then(|| &self.lower[..self.len - 1])
    }

    fn prefixes(&self) -> Option<&[u64]> {
        (self.len > 0).then(|| &self.prefixes[..self.len])
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionElement {
    Action(Vec<ActionPattern>),
    NotAction(Vec<ActionPattern>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResourceElement {
    Resource(Vec<Template>),
    NotResource(Vec<Template>),
}

/// The values of a `Principal`/`NotPrincipal` element.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Principals {
    /// `"Principal": "*"`.
    pub anyone: bool,
    pub aws: Vec<String>,
    pub service: Vec<String>,
    pub federated: Vec<String>,
    pub canonical_user: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalElement {
    Principal(Principals),
    NotPrincipal(Principals),
}

/// One statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub sid: Option<super::Name>,
    pub effect: Effect,
    /// Crate-private, read through [`Statement::action`]: `services` and `names` are computed from
    /// it once, and an action changed after parsing would leave them ruling out the wrong statements
    /// (a Deny skipped). A statement is only built by parsing.
    pub(crate) action: ActionElement,
    pub resource: Option<ResourceElement>,
    pub principal: Option<PrincipalElement>,
    pub conditions: Vec<Condition>,
    /// Which action services the statement can match, computed once from `action` (see [`ServiceMask`]).
    pub(crate) services: ServiceMask,
    /// Which whole action names it can match, when every entry is a plain name ([`ServiceMask::of_names`]).
    pub(crate) names: ServiceMask,
}

impl Statement {
    /// The `Action` or `NotAction` element.
    pub fn action(&self) -> &ActionElement {
        &self.action
    }
}

/// A 64-bit summary of the services an `Action`/`NotAction` element can match, so evaluation skips a
/// statement about other services with one AND instead of matching every pattern. Each service (the
/// text before the first `:`, lower-cased) sets one bit chosen by its hash; a statement that can match
/// any service (`NotAction`, a wildcard or a non-ASCII character before the first `:`, no `:` at all)
/// sets every bit. Two services may share a bit: the mask only rules statements out, and a statement it
/// does not rule out is matched in full, so the decision is exactly the one without it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ServiceMask(u64);

impl ServiceMask {
    const ALL: ServiceMask = ServiceMask(u64::MAX);

    /// The bit of one service, or every bit when the service part cannot be pinned to one service.
    fn of_service(service: &str) -> ServiceMask {
        if service.is_empty() || !service.is_ascii() || service.contains(['*', '?']) {
            return ServiceMask::ALL;
        }
        // FNV-1a over the lower-cased bytes: stable, cheap, no allocation.
        ServiceMask::of_hash(service.bytes().fold(FOLD_HASH_START, fold_hash))
    }

    /// The bit of a service whose lower-cased name has this [`fold_hash`].
    fn of_hash(h: u64) -> ServiceMask {
        ServiceMask(1 << (h >> 58))
    }

    /// The mask of a request's action: one bit for its service, or every bit when it has no plain
    /// ASCII service part (then no statement is ruled out).
    pub(crate) fn of_action(action: &str) -> ServiceMask {
        match action.split_once(':') {
            Some((service, _)) => ServiceMask::of_service(service),
            None => ServiceMask::ALL,
        }
    }

    fn of_element(el: &ActionElement) -> ServiceMask {
        match el {
            // NotAction matches every service it does not list, and more.
            ActionElement::NotAction(_) => ServiceMask::ALL,
            ActionElement::Action(ps) => ps.iter().fold(ServiceMask(0), |m, p| {
                let bits = match p.source.split_once(':') {
                    Some((service, _)) => ServiceMask::of_service(service),
                    None => ServiceMask::ALL,
                };
                ServiceMask(m.0 | bits.0)
            }),
        }
    }

    /// The same summary one level down, over whole action names: for an `Action` element whose entries
    /// are all plain ASCII names (no `*` or `?`), one bit per name, chosen by the hash of the whole
    /// lower-cased name; every bit otherwise (`NotAction`, any wildcard, anything not ASCII). A plain
    /// entry matches an action only if the two are equal ignoring ASCII case, and then their hashes
    /// are equal: a statement whose bits miss the action's ([`ActionKey::names`]) cannot match it.
    fn of_names(el: &ActionElement) -> ServiceMask {
        match el {
            ActionElement::NotAction(_) => ServiceMask::ALL,
            ActionElement::Action(ps) => ps.iter().fold(ServiceMask(0), |m, p| match p.head {
                Some((_, hash, true)) => ServiceMask(m.0 | ServiceMask::of_hash(hash).0),
                _ => ServiceMask::ALL,
            }),
        }
    }

    /// May a statement with this mask match an action with mask `action`?
    pub(crate) fn may_match(self, action: ServiceMask) -> bool {
        self.0 & action.0 != 0
    }
}

/// A parsed policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyDocument {
    pub version: Option<Version>,
    pub id: Option<String>,
    pub statements: Vec<Statement>,
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// String-or-list-of-strings, non-empty.
fn strings(v: &Value, index: usize, field: &str) -> Result<Vec<String>, PolicyError> {
    let err = || {
        PolicyError::stmt(
            index,
            field,
            format!(
                "`{field}` must be a string or a list of strings, found {}",
                type_name(v)
            ),
        )
    };
    match v {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) if items.is_empty() => Err(PolicyError::stmt(
            index,
            field,
            format!("`{field}` must not be empty"),
        )),
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map(str::to_string).ok_or_else(err))
            .collect(),
        _ => Err(err()),
    }
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn parse_principals(v: &Value, index: usize, field: &str) -> Result<Principals, PolicyError> {
    match v {
        Value::String(s) if s == "*" => Ok(Principals {
            anyone: true,
            ..Principals::default()
        }),
        Value::Object(map) => {
            let mut p = Principals::default();
            for (k, val) in map {
                let list = strings(val, index, &format!("{field}.{k}"))?;
                match k.as_str() {
                    "AWS" => p.aws = list,
                    "Service" => p.service = list,
                    "Federated" => p.federated = list,
                    "CanonicalUser" => p.canonical_user = list,
                    other => {
                        return Err(PolicyError::stmt(
                            index,
                            field,
                            format!(
                                "`{field}` has unknown principal type `{other}`, expected `AWS`, `Service`, `Federated` or `CanonicalUser`"
                            ),
                        ));
                    }
                }
            }
            if map.is_empty() {
                return Err(PolicyError::stmt(
                    index,
                    field,
                    format!("`{field}` must not be empty"),
                ));
            }
            Ok(p)
        }
        other => Err(PolicyError::stmt(
            index,
            field,
            format!(
                "`{field}` must be `\"*\"` or an object such as {{\"AWS\": ...}}, found {}",
                type_name(other)
            ),
        )),
    }
}

fn parse_conditions(
    v: &Value,
    index: usize,
    variables: bool,
) -> Result<Vec<Condition>, PolicyError> {
    let Value::Object(ops) = v else {
        return Err(PolicyError::stmt(
            index,
            "Condition",
            format!("`Condition` must be an object, found {}", type_name(v)),
        ));
    };
    let mut out = Vec::new();
    for (op, keys) in ops {
        let Value::Object(keys) = keys else {
            return Err(PolicyError::stmt(
                index,
                "Condition",
                format!(
                    "`Condition` operator `{op}` must map condition keys to values, found {}",
                    type_name(keys)
                ),
            ));
        };
        for (key, vals) in keys {
            let bad = || {
                PolicyError::stmt(
                    index,
                    "Condition",
                    format!(
                        "`Condition` `{op}` key `{key}` values must be strings, numbers or booleans"
                    ),
                )
            };
            let values: Vec<String> = match vals {
                Value::Array(items) if items.is_empty() => {
                    return Err(PolicyError::stmt(
                        index,
                        "Condition",
                        format!("`Condition` `{op}` key `{key}` has no values"),
                    ));
                }
                Value::Array(items) => items
                    .iter()
                    .map(|i| scalar(i).ok_or_else(bad))
                    .collect::<Result<_, _>>()?,
                other => vec![scalar(other).ok_or_else(bad)?],
            };
            out.push(Condition::new(op, key, &values, variables));
        }
    }
    Ok(out)
}

fn parse_statement(v: &Value, index: usize, variables: bool) -> Result<Statement, PolicyError> {
    let Value::Object(map) = v else {
        return Err(PolicyError::stmt(
            index,
            "Statement",
            format!("a statement must be an object, found {}", type_name(v)),
        ));
    };
    for k in map.keys() {
        if !matches!(
            k.as_str(),
            "Sid"
                | "Effect"
                | "Action"
                | "NotAction"
                | "Resource"
                | "NotResource"
                | "Principal"
                | "NotPrincipal"
                | "Condition"
        ) {
            return Err(PolicyError::stmt(
                index,
                k,
                format!("unknown element `{k}`"),
            ));
        }
    }
    let sid = match map.get("Sid") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => {
            return Err(PolicyError::stmt(
                index,
                "Sid",
                format!("`Sid` must be a string, found {}", type_name(other)),
            ));
        }
    };
    let effect = match map.get("Effect") {
        None => {
            return Err(PolicyError::stmt(
                index,
                "Effect",
                "`Effect` is required (`Allow` or `Deny`)",
            ));
        }
        Some(Value::String(s)) if s == "Allow" => Effect::Allow,
        Some(Value::String(s)) if s == "Deny" => Effect::Deny,
        Some(Value::String(s)) => {
            return Err(PolicyError::stmt(
                index,
                "Effect",
                format!("`Effect` must be `Allow` or `Deny`, found `{s}`"),
            ));
        }
        Some(other) => {
            return Err(PolicyError::stmt(
                index,
                "Effect",
                format!(
                    "`Effect` must be `Allow` or `Deny`, found {}",
                    type_name(other)
                ),
            ));
        }
    };
    let action = match (map.get("Action"), map.get("NotAction")) {
        (Some(_), Some(_)) => {
            return Err(PolicyError::stmt(
                index,
                "Action",
                "a statement cannot have both `Action` and `NotAction`",
            ));
        }
        (None, None) => {
            return Err(PolicyError::stmt(
                index,
                "Action",
                "a statement needs `Action` or `NotAction`",
            ));
        }
        (Some(a), None) => ActionElement::Action(
            strings(a, index, "Action")?
                .iter()
                .map(|s| ActionPattern::new(s))
                .collect(),
        ),
        (None, Some(a)) => ActionElement::NotAction(
            strings(a, index, "NotAction")?
                .iter()
                .map(|s| ActionPattern::new(s))
                .collect(),
        ),
    };
    let tpl = |list: Vec<String>| {
        list.iter()
            .map(|s| Template::parse(s, variables))
            .collect::<Vec<_>>()
    };
    let resource = match (map.get("Resource"), map.get("NotResource")) {
        (Some(_), Some(_)) => {
            return Err(PolicyError::stmt(
                index,
                "Resource",
                "a statement cannot have both `Resource` and `NotResource`",
            ));
        }
        (None, None) => None,
        (Some(r), None) => Some(ResourceElement::Resource(tpl(strings(
            r, index, "Resource",
        )?))),
        (None, Some(r)) => Some(ResourceElement::NotResource(tpl(strings(
            r,
            index,
            "NotResource",
        )?))),
    };
    let principal = match (map.get("Principal"), map.get("NotPrincipal")) {
        (Some(_), Some(_)) => {
            return Err(PolicyError::stmt(
                index,
                "Principal",
                "a statement cannot have both `Principal` and `NotPrincipal`",
            ));
        }
        (None, None) => None,
        (Some(p), None) => Some(PrincipalElement::Principal(parse_principals(
            p,
            index,
            "Principal",
        )?)),
        (None, Some(p)) => Some(PrincipalElement::NotPrincipal(parse_principals(
            p,
            index,
            "NotPrincipal",
        )?)),
    };
    let conditions = match map.get("Condition") {
        None => Vec::new(),
        Some(c) => parse_conditions(c, index, variables)?,
    };
    Ok(Statement {
        sid: sid.map(super::Name::from),
        effect,
        services: ServiceMask::of_element(&action),
        names: ServiceMask::of_names(&action),
        action,
        resource,
        principal,
        conditions,
    })
}

/// Reads JSON into a [`Value`] like `serde_json::from_str`, except that an object with a repeated key is an
/// error. serde_json keeps the last of two equal keys silently, so `{"Effect": "Deny", "Effect": "Allow"}`
/// would read as an Allow and a second `Statement` would hide the first; IAM refuses such documents
/// (its policy validation reports duplicate keys as errors), and a checker must not see a different
/// policy than AWS does. serde_json has no switch for this, so the value is built by this small visitor;
/// errors raised inside it get their line and column from serde_json like any syntax error. Nesting depth
/// stays bounded by serde_json's own recursion limit. The account-export reader uses it for the
/// export's own structure too.
#[derive(Debug, Clone, Copy)]
pub struct StrictValue;

impl<'de> DeserializeSeed<'de> for StrictValue {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrictValue {
    type Value = Value;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a json value")
    }
    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::from(n))
    }
    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(Value::from(n))
    }
    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Value, E> {
        serde_json::Number::from_f64(n)
            .map(Value::Number)
            .ok_or_else(|| E::custom("number out of range"))
    }
    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_string()))
    }
    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(StrictValue)? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                return Err(de::Error::custom(format!(
                    "duplicate key `{key}` (IAM rejects a policy that repeats a key; keep one)"
                )));
            }
            let v = map.next_value_seed(StrictValue)?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

/// Reads a JSON object entry by entry, in order: each key and its value (read with `seed`) go to
/// `each`, whose `Err` stops the read there with that message (and serde_json's line and column).
/// A map type read first would keep only the last value of a key given twice; read this way, the
/// caller sees both and can refuse the second. `expecting` names what the object should be.
pub(crate) fn each_entry<'de, D, S, F>(
    d: D,
    expecting: &'static str,
    seed: S,
    each: F,
) -> Result<(), D::Error>
where
    D: Deserializer<'de>,
    S: DeserializeSeed<'de> + Copy,
    F: FnMut(String, S::Value) -> Result<(), String>,
{
    struct Entries<S, F> {
        expecting: &'static str,
        seed: S,
        each: F,
    }
    impl<'de, S, F> Visitor<'de> for Entries<S, F>
    where
        S: DeserializeSeed<'de> + Copy,
        F: FnMut(String, S::Value) -> Result<(), String>,
    {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str(self.expecting)
        }
        fn visit_map<A: MapAccess<'de>>(mut self, mut m: A) -> Result<(), A::Error> {
            while let Some(key) = m.next_key::<String>()? {
                let value = m.next_value_seed(self.seed)?;
                (self.each)(key, value).map_err(de::Error::custom)?;
            }
            Ok(())
        }
    }
    d.deserialize_map(Entries {
        expecting,
        seed,
        each,
    })
}

/// Does a statement's text hold a symbolic-value marker where it could match something?
fn names_symbols(st: &Statement) -> bool {
    let templates = match &st.resource {
        Some(ResourceElement::Resource(l) | ResourceElement::NotResource(l)) => l.as_slice(),
        None => &[],
    };
    let principals = match &st.principal {
        Some(PrincipalElement::Principal(p) | PrincipalElement::NotPrincipal(p)) => Some(p),
        None => None,
    };
    templates.iter().any(Template::has_symbols)
        || st
            .conditions
            .iter()
            .any(|c| symbolic::has_symbols(&c.key) || c.values.iter().any(Template::has_symbols))
        || principals.is_some_and(|p| {
            p.aws
                .iter()
                .chain(&p.service)
                .chain(&p.federated)
                .chain(&p.canonical_user)
                .any(|e| symbolic::has_symbols(e))
        })
}

/// Parse JSON text strictly: syntax errors and repeated keys (which serde_json would silently resolve to
/// the last one) are located errors.
pub fn strict_json(json: &str) -> Result<Value, PolicyError> {
    let located = |e: serde_json::Error| PolicyError::Json {
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    };
    let mut de = serde_json::Deserializer::from_str(json);
    let v = StrictValue.deserialize(&mut de).map_err(located)?;
    de.end().map_err(located)?;
    Ok(v)
}

impl PolicyDocument {
    /// Parse policy JSON text. Errors are located (line/column for JSON syntax and repeated keys, statement
    /// index and field for the policy grammar); all statement errors are reported at once.
    pub fn parse(json: &str) -> Result<PolicyDocument, PolicyError> {
        PolicyDocument::from_value(&strict_json(json)?)
    }

    /// Parse an already decoded JSON value. (A `Value` cannot hold repeated keys any more: parse text with
    /// [`PolicyDocument::parse`] to have them reported.)
    pub fn from_value(v: &Value) -> Result<PolicyDocument, PolicyError> {
        PolicyDocument::from_value_opts(v, false)
    }

    /// Parse a policy that may name values known only after deploy (built with
    /// [`symbolic::Symbolic`], for example by a template reader). Only this entry point accepts them.
    pub fn parse_symbolic(json: &str) -> Result<PolicyDocument, PolicyError> {
        PolicyDocument::from_value_symbolic(&strict_json(json)?)
    }

    /// [`PolicyDocument::parse_symbolic`] for an already decoded value.
    pub fn from_value_symbolic(v: &Value) -> Result<PolicyDocument, PolicyError> {
        PolicyDocument::from_value_opts(v, true)
    }

    fn from_value_opts(v: &Value, symbols: bool) -> Result<PolicyDocument, PolicyError> {
        let Value::Object(map) = v else {
            return Err(PolicyError::Document {
                message: format!(
                    "a policy document must be a json object, found {}",
                    type_name(v)
                ),
            });
        };
        let mut errors = Vec::new();
        for k in map.keys() {
            if !matches!(k.as_str(), "Version" | "Id" | "Statement") {
                errors.push(PolicyError::Document {
                    message: format!(
                        "unknown top-level element `{k}`, expected `Version`, `Id` or `Statement`"
                    ),
                });
            }
        }
        let version = match map.get("Version") {
            None => None,
            Some(Value::String(s)) if s == "2012-10-17" => Some(Version::V2012_10_17),
            Some(Value::String(s)) if s == "2008-10-17" => Some(Version::V2008_10_17),
            Some(other) => {
                let found = other
                    .as_str()
                    .map_or_else(|| type_name(other).to_string(), |s| format!("`{s}`"));
                errors.push(PolicyError::Document {
                    message: format!(
                        "`Version` must be `2012-10-17` or `2008-10-17`, found {found}"
                    ),
                });
                None
            }
        };
        let id = match map.get("Id") {
            None => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => {
                errors.push(PolicyError::Document {
                    message: format!("`Id` must be a string, found {}", type_name(other)),
                });
                None
            }
        };
        // Policy variables need Version 2012-10-17 (reference_policies_variables).
        let variables = version == Some(Version::V2012_10_17);
        let raw_statements: Vec<&Value> = match map.get("Statement") {
            None => {
                errors.push(PolicyError::Document {
                    message: "`Statement` is required".to_string(),
                });
                Vec::new()
            }
            Some(Value::Array(items)) => items.iter().collect(),
            Some(obj @ Value::Object(_)) => vec![obj],
            Some(other) => {
                errors.push(PolicyError::Document {
                    message: format!(
                        "`Statement` must be an object or a list of objects, found {}",
                        type_name(other)
                    ),
                });
                Vec::new()
            }
        };
        let mut statements = Vec::new();
        for (i, s) in raw_statements.into_iter().enumerate() {
            // IAM accepts only tab, LF, CR and U+0020..U+00FF in a policy (IAM API reference,
            // `PolicyDocument`), so a symbolic-value marker cannot come from a real policy: refuse it
            // rather than let a file claim to name a value known only after deploy.
            // The markers matter where they could claim a match: resource patterns, condition values
            // and principals.
            match parse_statement(s, i, variables) {
                Ok(st) if !symbols && names_symbols(&st) => errors.push(PolicyError::stmt(
                    i,
                    "Statement",
                    "contains the private-use character U+E000 or U+E001, which IAM does not accept in a policy",
                )),
                Ok(st) => statements.push(st),
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() {
            Ok(PolicyDocument {
                version,
                id,
                statements,
            })
        } else {
            Err(PolicyError::from_many(errors))
        }
    }

    /// Check the elements allowed for a kind of policy (reference_policies_elements_principal: `Principal`
    /// and `NotPrincipal` only in resource-based policies; reference_policies_elements_resource: identity
    /// policies need `Resource` or `NotResource`).
    pub fn validate_for(&self, kind: PolicyKind) -> Result<(), PolicyError> {
        let mut errors = Vec::new();
        for (i, s) in self.statements.iter().enumerate() {
            match kind {
                PolicyKind::Identity | PolicyKind::Boundary | PolicyKind::Scp => {
                    if let Some(p) = &s.principal {
                        let f = match p {
                            PrincipalElement::Principal(_) => "Principal",
                            PrincipalElement::NotPrincipal(_) => "NotPrincipal",
                        };
                        errors.push(PolicyError::stmt(
                            i,
                            f,
                            format!("`{f}` is only allowed in resource-based policies"),
                        ));
                    }
                    if s.resource.is_none() {
                        errors.push(PolicyError::stmt(
                            i,
                            "Resource",
                            "identity policies need `Resource` or `NotResource`",
                        ));
                    }
                }
                PolicyKind::Resource | PolicyKind::Rcp => {
                    if s.principal.is_none() {
                        errors.push(PolicyError::stmt(
                            i,
                            "Principal",
                            "resource-based policies need `Principal` or `NotPrincipal`",
                        ));
                    }
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(PolicyError::from_many(errors))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The hash prefilter and the literal-start shortcut of [`ActionPattern::matches_key`]
        /// answer as the whole glob does, whatever the case, wildcards or non-ASCII letters (the
        /// Kelvin sign lower-cases to an ASCII `k`, `İ` to two characters).
        #[test]
        fn matches_key_agrees_with_the_glob(
            p in "[aAkK:*?\u{212a}\u{130}]{0,8}",
            a in "[aAkK:\u{212a}\u{130}]{0,8}",
        ) {
            let pat = ActionPattern::new(&p);
            proptest::prop_assert_eq!(
                pat.matches_key(&a, &ActionKey::new(&a)),
                pat.matches(&a),
                "pattern {:?} action {:?}", p, a
            );
        }

        /// The name mask never rules out an action one of the entries matches, whatever the case,
        /// wildcards or letters that are not ASCII (the Kelvin sign lower-cases to `k`).
        #[test]
        fn the_name_mask_never_rules_out_a_match(
            ps in proptest::collection::vec("[aAkK:*?\u{212a}]{0,5}", 1..4),
            a in "[aAkK:\u{212a}]{0,5}",
        ) {
            let pats: Vec<ActionPattern> = ps.iter().map(|p| ActionPattern::new(p)).collect();
            let matches = pats.iter().any(|p| p.matches(&a));
            let el = ActionElement::Action(pats);
            if matches {
                proptest::prop_assert!(ServiceMask::of_names(&el).may_match(ActionKey::new(&a).names()));
            }
        }

        /// The service mask taken from the action key is the one computed from the text.
        #[test]
        fn the_key_gives_the_service_mask_of_the_text(a in "[aAkK:*?\u{212a}]{0,10}") {
            proptest::prop_assert_eq!(ActionKey::new(&a).services(&a), ServiceMask::of_action(&a));
        }
    }

    #[test]
    fn matches_key_shortcuts_agree_on_real_entries() {
        let long = format!("dynamodb:{}", "x".repeat(200));
        for p in [
            "dynamodb:*",
            "dynamodb:GetItem",
            "DynamoDB:get*",
            "*",
            "dynamodb:Get**",
            "kms:*Key",
            "",
        ] {
            let pat = ActionPattern::new(p);
            for a in [
                "dynamodb:GetItem",
                "DYNAMODB:GETITEM",
                "dynamodb:Get",
                "dynamodb",
                "kms:DescribeKey",
                "",
                long.as_str(),
            ] {
                assert_eq!(
                    pat.matches_key(a, &ActionKey::new(a)),
                    pat.matches(a),
                    "{p:?} {a:?}"
                );
            }
        }
    }

    /// The service mask only rules out statements that cannot match: for every pattern and action
    /// here, a statement the mask rules out does not match in full either.
    #[test]
    fn service_mask_never_rules_out_a_match() {
        let patterns = [
            "dynamodb:GetItem",
            "DynamoDB:get*",
            "dynamodb:*",
            "*",
            "*:GetItem",
            "dynamo*:GetItem",
            "dyna?odb:GetItem",
            "dynamodb",
            "dynamodb*",
            ":GetItem",
            "kms:Decrypt",
            "s3:*",
            "S3:GetObject",
            "\u{212a}ms:Decrypt",
            "kms:*",
            "sts:AssumeRole",
            "",
        ];
        let actions = [
            "dynamodb:GetItem",
            "DYNAMODB:GETITEM",
            "dynamodb",
            "kms:Decrypt",
            "KMS:decrypt",
            "\u{212a}ms:Decrypt",
            "s3:GetObject",
            ":GetItem",
            "sts:AssumeRole",
            "",
            "dynamodb:a:b",
        ];
        for negated in [false, true] {
            for p in patterns {
                let pats = vec![ActionPattern::new(p)];
                let el = if negated {
                    ActionElement::NotAction(pats.clone())
                } else {
                    ActionElement::Action(pats.clone())
                };
                let mask = ServiceMask::of_element(&el);
                let names = ServiceMask::of_names(&el);
                for a in actions {
                    let full = pats.iter().any(|x| x.matches(a)) != negated;
                    if full {
                        assert!(
                            mask.may_match(ServiceMask::of_action(a)),
                            "pattern {p:?} (negated {negated}) matches {a:?} but the mask rules it out"
                        );
                        assert!(
                            names.may_match(ActionKey::new(a).names()),
                            "pattern {p:?} (negated {negated}) matches {a:?} but the name mask rules it out"
                        );
                    }
                }
            }
        }
        // And it does rule out another service.
        let el = ActionElement::Action(vec![ActionPattern::new("dynamodb:*")]);
        let kms = ServiceMask::of_action("kms:Decrypt");
        let dynamodb = ServiceMask::of_action("DynamoDB:GetItem");
        assert!(ServiceMask::of_element(&el).may_match(dynamodb));
        assert_ne!(kms, dynamodb);
    }

    #[test]
    fn accepts_valid_shapes() {
        let cases = [
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}"#,
            r#"{"Version":"2008-10-17","Statement":[{"Effect":"Deny","NotAction":["s3:*"],"NotResource":"arn:aws:s3:::b"}]}"#,
            r#"{"Statement":[{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":true}}}]}"#,
            r#"{"Version":"2012-10-17","Id":"k","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::1:root","2"],"Service":"s.amazonaws.com"},"Action":"kms:*","Resource":"*"}]}"#,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"NumericLessThan":{"k":[1,2.5]}}}]}"#,
            r#"{"Version":"2012-10-17","Statement":[]}"#,
        ];
        for c in cases {
            assert!(
                PolicyDocument::parse(c).is_ok(),
                "{c}: {:?}",
                PolicyDocument::parse(c)
            );
        }
    }

    #[test]
    fn located_errors() {
        // (document, expected message fragment)
        let cases = [
            ("nope", "not valid json (line 1"),
            ("[]", "must be a json object, found a list"),
            (
                r#"{"Statement":[]," x":1}"#,
                "unknown top-level element ` x`",
            ),
            (
                r#"{"Version":"2012-10-18","Statement":[]}"#,
                "`Version` must be `2012-10-17` or `2008-10-17`, found `2012-10-18`",
            ),
            (r#"{"Version":1,"Statement":[]}"#, "found a number"),
            (r#"{"Version":"2012-10-17"}"#, "`Statement` is required"),
            (
                r#"{"Statement":"x"}"#,
                "`Statement` must be an object or a list",
            ),
            (
                r#"{"Statement":[1]}"#,
                "statement 0: a statement must be an object",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*"},{"Effect":"Allow","Action":"a:b","Resource":"*"},{"Effect":"allow","Action":"a:b","Resource":"*"}]}"#,
                "statement 2: `Effect` must be `Allow` or `Deny`, found `allow`",
            ),
            (
                r#"{"Statement":[{"Action":"a:b","Resource":"*"}]}"#,
                "statement 0: `Effect` is required",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Resource":"*"}]}"#,
                "statement 0: a statement needs `Action` or `NotAction`",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"a","NotAction":"b","Resource":"*"}]}"#,
                "both `Action` and `NotAction`",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"a","Resource":"*","NotResource":"*"}]}"#,
                "both `Resource` and `NotResource`",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"a","Principal":"*","NotPrincipal":"*"}]}"#,
                "both `Principal` and `NotPrincipal`",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":[],"Resource":"*"}]}"#,
                "`Action` must not be empty",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":[1],"Resource":"*"}]}"#,
                "`Action` must be a string or a list of strings",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"a","Resource":"*","Extra":1}]}"#,
                "statement 0: unknown element `Extra`",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"a","Principal":"arn:aws:iam::1:root"}]}"#,
                "`Principal` must be `\"*\"` or an object",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"a","Principal":{"Bogus":"x"}}]}"#,
                "unknown principal type `Bogus`",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"a","Resource":"*","Condition":[]}]}"#,
                "`Condition` must be an object",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"a","Resource":"*","Condition":{"StringEquals":"x"}}]}"#,
                "must map condition keys",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"a","Resource":"*","Condition":{"StringEquals":{"k":[]}}}]}"#,
                "key `k` has no values",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"a","Resource":"*","Condition":{"StringEquals":{"k":null}}}]}"#,
                "values must be strings",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"a","Resource":"*","Sid":3}]}"#,
                "`Sid` must be a string",
            ),
        ];
        for (doc, want) in cases {
            let err = PolicyDocument::parse(doc).expect_err(doc).to_string();
            assert!(err.contains(want), "{doc}\n  got: {err}\n want: {want}");
        }
    }

    #[test]
    fn repeated_keys_are_located_errors() {
        let cases = [
            (
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Effect":"Allow","Action":"*","Resource":"*"}}"#,
                "duplicate key `Effect`",
            ),
            (
                r#"{"Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}],
"Statement":[]}"#,
                "line 2",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"k":"a","k":"b"}}}]}"#,
                "duplicate key `k`",
            ),
            (r#"{"a":1} x"#, "trailing characters"),
        ];
        for (doc, want) in cases {
            let err = PolicyDocument::parse(doc).expect_err(doc);
            assert!(matches!(err, PolicyError::Json { .. }), "{err:?}");
            let text = err.to_string();
            assert!(text.contains(want), "{doc}\n  got: {text}\n want: {want}");
            assert!(text.contains("line "), "{text}");
        }
        // Keys differing only in case are different keys (and `effect` is then an unknown element).
        let err = PolicyDocument::parse(
            r#"{"Statement":{"Effect":"Allow","effect":"Deny","Action":"*","Resource":"*"}}"#,
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("unknown element `effect`"),
            "{err}"
        );
    }

    #[test]
    fn strict_json_keeps_values() {
        let text = r#"{"a":[1,-2,3.5,true,null,"x"],"b":{"c":{}}}"#;
        assert_eq!(
            strict_json(text).unwrap(),
            serde_json::from_str::<Value>(text).unwrap()
        );
    }

    #[test]
    fn symbolic_markers_only_through_the_symbolic_entry_point() {
        let arn = symbolic::Symbolic::new()
            .lit("arn:aws:kms:us-east-1:111122223333:key/")
            .sym("Key.KeyId", symbolic::Shape::KeyId)
            .build()
            .unwrap();
        let doc = serde_json::json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": arn}]});
        let err = PolicyDocument::from_value(&doc).unwrap_err().to_string();
        assert!(
            err.contains("statement 0") && err.contains("U+E000"),
            "{err}"
        );
        assert!(PolicyDocument::parse(&doc.to_string()).is_err());
        let d = PolicyDocument::from_value_symbolic(&doc).unwrap();
        assert_eq!(d.statements.len(), 1);
        assert!(PolicyDocument::parse_symbolic(&doc.to_string()).is_ok());
    }

    #[test]
    fn all_statement_errors_are_collected() {
        let doc = r#"{"Statement":[{"Effect":"X","Action":"a","Resource":"*"},{"Action":"a","Resource":"*"}]}"#;
        match PolicyDocument::parse(doc) {
            Err(PolicyError::Multiple(errs)) => assert_eq!(errs.len(), 2),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unknown_operator_is_not_a_parse_error() {
        let doc = r#"{"Statement":[{"Effect":"Deny","Action":"a:b","Resource":"*","Condition":{"StringFuzzy":{"k":"v"}}}]}"#;
        let d = PolicyDocument::parse(doc).unwrap();
        assert!(d.statements[0].conditions[0].operator.is_err());
    }

    #[test]
    fn validate_for_kind() {
        let with_principal = PolicyDocument::parse(
            r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"a:b","Resource":"*"}}"#,
        )
        .unwrap();
        assert!(with_principal.validate_for(PolicyKind::Identity).is_err());
        assert!(with_principal.validate_for(PolicyKind::Resource).is_ok());
        let no_principal = PolicyDocument::parse(
            r#"{"Statement":{"Effect":"Allow","Action":"a:b","Resource":"*"}}"#,
        )
        .unwrap();
        assert!(no_principal.validate_for(PolicyKind::Resource).is_err());
        assert!(no_principal.validate_for(PolicyKind::Boundary).is_ok());
        let no_resource =
            PolicyDocument::parse(r#"{"Statement":{"Effect":"Allow","Action":"a:b"}}"#).unwrap();
        assert!(
            no_resource
                .validate_for(PolicyKind::Identity)
                .unwrap_err()
                .to_string()
                .contains("statement 0")
        );
    }
}
