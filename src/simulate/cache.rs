//! The policy cache of a `simulate --requests` batch: parsed policies keyed by kind, name and
//! document, so a batch that repeats one role's policies on every line parses each document once,
//! in bounded memory.
//!
//! Two levels. A line's documents arrive as their raw JSON text ([`RawValue`]: the line parser
//! checks their syntax without building them). The first level is keyed by that exact text, so a
//! line repeating an earlier line's text (the usual batch: one role's policies on many lines) is
//! looked up with one hash of the text: no JSON tree, no canonical form. On a miss the document is
//! parsed and keyed by its canonical JSON text (no whitespace, keys in their order), so documents
//! that differ only in spacing or in how a string is escaped still share one parsed policy.
//!
//! Keys keep their order because a parsed policy shows it: its conditions, and so the order of the
//! notes they give, and its list of errors, follow the document's key order. Were two orders to
//! share an entry, a line's answer would be worded after whichever document its thread met first,
//! and a batch answered on two threads (each with its own cache) could be worded differently from
//! one run to the next.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use rustc_hash::FxHashMap;
use serde_json::Value;
use serde_json::value::RawValue;

use crate::engine::parse::strict_json;
use crate::engine::{NamedPolicy, PolicyDocument, PolicyError, PolicyKind};
use crate::simulate::wire::PolicyWire;

/// Past this many cached policies (or identity lists) a map is emptied, so a batch whose every
/// line carries new documents runs in bounded memory (it then simply parses as if uncached).
const CACHE_LIMIT: usize = 20_000;

/// Parsed policies keyed by the exact text a line carried, then by kind, name and the document's
/// canonical JSON text. Parse errors are cached too.
#[derive(Default)]
pub struct PolicyCache {
    policies: HashMap<String, Result<Arc<NamedPolicy>, PolicyError>>,
    /// Whole identity-policy lists, because the engine takes them as one slice.
    identity_sets: HashMap<String, Arc<[NamedPolicy]>>,
    /// The first level: [`text_key`] of one policy as written.
    policies_by_text: FxHashMap<Vec<u8>, Result<Arc<NamedPolicy>, PolicyError>>,
    /// The first level: [`text_key`] of a line's whole identity list as written.
    sets_by_text: FxHashMap<Vec<u8>, Arc<[NamedPolicy]>>,
    /// Reused for the first level's keys, so a hit allocates nothing.
    key: Vec<u8>,
    /// Policy texts of earlier lines, for [`crate::simulate::line::read`]'s shortcut.
    pub(crate) recent: crate::simulate::line::Recent,
    /// Documents parsed so far (cache misses), for tests.
    pub(crate) parses: usize,
    /// First-level misses (documents or lists turned into a JSON tree and canonical text), for tests.
    pub(crate) text_misses: usize,
}

/// Writes `v` as compact JSON with object keys in their order (serde_json here keeps insertion
/// order: `preserve_order` is on), so documents that differ only in whitespace or escapes share a
/// cache entry and documents whose keys come in another order do not (see the module's note).
fn write_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                // Display of a JSON value is its compact JSON text; writing to a String cannot fail.
                let _ = write!(out, "{}", Value::String(k.clone()));
                out.push(':');
                write_canonical(v, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => {
            let _ = write!(out, "{scalar}");
        }
    }
}

/// The first level's key: the kind, then each (name, raw document) with its length in front, so
/// no two different lists of names and texts give the same key whatever characters they hold.
fn text_key<'t>(
    out: &mut Vec<u8>,
    kind: PolicyKind,
    parts: impl Iterator<Item = (&'t str, &'t str)>,
) {
    out.clear();
    out.push(kind as u8);
    for (name, raw) in parts {
        for part in [name, raw] {
            out.extend_from_slice(&(part.len() as u64).to_le_bytes());
            out.extend_from_slice(part.as_bytes());
        }
    }
}

/// A raw document as a JSON tree, read strictly ([`strict_json`]): a key repeated in a document (a second `Effect`, a second
/// `Statement`) is an error, as for `--policy-file`, not silently resolved to its last value.
fn raw_value(raw: &RawValue) -> Result<Value, PolicyError> {
    strict_json(raw.get())
}

/// A document given as a JSON string (as `simulate-custom-policy --policy-input-list` takes them) is
/// decoded first.
fn document_value(v: &Value) -> Result<std::borrow::Cow<'_, Value>, PolicyError> {
    match v {
        Value::String(text) => strict_json(text).map(std::borrow::Cow::Owned),
        other => Ok(std::borrow::Cow::Borrowed(other)),
    }
}

impl PolicyCache {
    /// The canonical level's key: the kind, the name with its length in front (a name may hold
    /// any character, so no separator alone could tell where it ends), then the canonical text.
    fn key(kind: PolicyKind, name: &str, doc: &Value) -> Result<String, PolicyError> {
        let doc = document_value(doc)?;
        let mut key = format!("{kind:?}:{}:{name}:", name.len());
        write_canonical(&doc, &mut key);
        Ok(key)
    }

    /// Empties every map once one is full (see [`CACHE_LIMIT`]).
    fn make_room(&mut self) {
        if self.policies.len() >= CACHE_LIMIT
            || self.identity_sets.len() >= CACHE_LIMIT
            || self.policies_by_text.len() >= CACHE_LIMIT
            || self.sets_by_text.len() >= CACHE_LIMIT
        {
            self.policies.clear();
            self.identity_sets.clear();
            self.policies_by_text.clear();
            self.sets_by_text.clear();
        }
    }

    /// One policy (a boundary or a resource policy) as a line carried it.
    pub fn policy(
        &mut self,
        kind: PolicyKind,
        name: &str,
        doc: &RawValue,
    ) -> Result<Arc<NamedPolicy>, PolicyError> {
        text_key(&mut self.key, kind, std::iter::once((name, doc.get())));
        if let Some(hit) = self.policies_by_text.get(self.key.as_slice()) {
            return hit.clone();
        }
        let key = std::mem::take(&mut self.key);
        self.text_misses += 1;
        let parsed = raw_value(doc).and_then(|v| self.policy_of_value(kind, name, &v));
        self.make_room();
        self.policies_by_text.insert(key, parsed.clone());
        parsed
    }

    /// A policy from its JSON tree, through the canonical level.
    fn policy_of_value(
        &mut self,
        kind: PolicyKind,
        name: &str,
        doc: &Value,
    ) -> Result<Arc<NamedPolicy>, PolicyError> {
        let key = Self::key(kind, name, doc)?;
        self.policy_by_key(key, kind, name, doc)
    }

    fn policy_by_key(
        &mut self,
        key: String,
        kind: PolicyKind,
        name: &str,
        doc: &Value,
    ) -> Result<Arc<NamedPolicy>, PolicyError> {
        if let Some(hit) = self.policies.get(&key) {
            return hit.clone();
        }
        self.make_room();
        self.parses += 1;
        let parsed = document_value(doc)
            .and_then(|d| PolicyDocument::from_value(&d))
            .and_then(|d| NamedPolicy::new(name, kind, d))
            .map(Arc::new);
        self.policies.insert(key, parsed.clone());
        parsed
    }

    /// The identity policies of a line as one slice, or one message per bad policy.
    pub fn identity_set(
        &mut self,
        policies: &[PolicyWire<'_>],
    ) -> Result<Arc<[NamedPolicy]>, Vec<String>> {
        text_key(
            &mut self.key,
            PolicyKind::Identity,
            policies.iter().map(|p| (p.name.as_ref(), p.document.get())),
        );
        if let Some(hit) = self.sets_by_text.get(self.key.as_slice()) {
            return Ok(hit.clone());
        }
        let text = std::mem::take(&mut self.key);
        self.text_misses += 1;
        let set = self.identity_set_parsed(policies)?;
        self.make_room();
        self.sets_by_text.insert(text, set.clone());
        Ok(set)
    }

    /// [`Self::identity_set`] past the first level: each document parsed and keyed canonically.
    fn identity_set_parsed(
        &mut self,
        policies: &[PolicyWire<'_>],
    ) -> Result<Arc<[NamedPolicy]>, Vec<String>> {
        let mut errors = Vec::new();
        let mut docs = Vec::with_capacity(policies.len());
        let mut keys = Vec::with_capacity(policies.len());
        for (i, p) in policies.iter().enumerate() {
            match raw_value(p.document)
                .and_then(|d| Self::key(PolicyKind::Identity, &p.name, &d).map(|k| (d, k)))
            {
                Ok((d, k)) => {
                    docs.push(d);
                    keys.push(k);
                }
                Err(e) => errors.push(format!("identity_policies[{i}] `{}`: {e}", p.name)),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        // Each policy's key with its length in front: two different lists never join into one key.
        let mut set_key = String::new();
        for k in &keys {
            let _ = write!(set_key, "{}:{k}", k.len());
        }
        if let Some(hit) = self.identity_sets.get(&set_key) {
            return Ok(hit.clone());
        }
        let mut set = Vec::with_capacity(policies.len());
        for (i, ((p, key), doc)) in policies.iter().zip(keys).zip(&docs).enumerate() {
            match self.policy_by_key(key, PolicyKind::Identity, &p.name, doc) {
                Ok(np) => set.push(NamedPolicy::clone(&np)),
                Err(e) => errors.push(format!("identity_policies[{i}] `{}`: {e}", p.name)),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let set: Arc<[NamedPolicy]> = set.into();
        self.make_room();
        self.identity_sets.insert(set_key, set.clone());
        Ok(set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn canonical(v: &Value) -> String {
        let mut s = String::new();
        write_canonical(v, &mut s);
        s
    }

    const TABLE: &str = "arn:aws:dynamodb:eu-west-1:111122223333:table/Orders";

    fn read_policy() -> Value {
        json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "Read", "Effect": "Allow", "Action": "dynamodb:Get*", "Resource": TABLE},
            {"Effect": "Deny", "Action": "dynamodb:DeleteItem", "Resource": "*"}]})
    }

    #[test]
    fn canonical_text_ignores_whitespace_and_escapes_but_keeps_key_order() {
        let a: Value =
            serde_json::from_str(r#"{"a": null, "b": [1, {"x": "\u00e9\"", "y": 2}]}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"a":null,"b":[1,{"x":"é\"","y":2}]}"#).unwrap();
        assert_eq!(canonical(&a), canonical(&b));
        assert_eq!(canonical(&a), r#"{"a":null,"b":[1,{"x":"é\"","y":2}]}"#);
        // Key order matters: a parsed policy shows it.
        let reordered: Value =
            serde_json::from_str(r#"{"b":[1,{"y":2,"x":"é\""}],"a":null}"#).unwrap();
        assert_ne!(canonical(&a), canonical(&reordered));
        // Array order matters.
        let c: Value = serde_json::from_str(r#"{"a":null,"b":[{"x":"é\"","y":2},1]}"#).unwrap();
        assert_ne!(canonical(&a), canonical(&c));
    }

    fn raw(v: &Value) -> Box<RawValue> {
        serde_json::value::to_raw_value(v).unwrap()
    }

    #[test]
    fn cache_parses_each_distinct_document_once() {
        let mut cache = PolicyCache::default();
        let reordered = json!({"Statement": read_policy()["Statement"], "Version": "2012-10-17"});
        let as_string = Value::String(read_policy().to_string());
        let spaced = raw(&read_policy()).get().replace(',', " , ");
        let spaced = RawValue::from_string(spaced).unwrap();
        let docs = [
            raw(&read_policy()),
            raw(&reordered),
            raw(&as_string),
            spaced,
            raw(&read_policy()),
        ];
        for doc in &docs {
            let set = cache
                .identity_set(&[PolicyWire {
                    name: "app".into(),
                    document: doc,
                }])
                .unwrap();
            assert_eq!(set[0].id, "app");
            assert_eq!(set[0].document.statements.len(), 2);
        }
        // The reordered document is parsed on its own; the string and spaced forms are not.
        assert_eq!(cache.parses, 2);
        // The last line repeats the first one's text: found without a JSON tree.
        assert_eq!(cache.text_misses, 4);
        // Same document under another name is another policy (names appear in reasons).
        cache
            .policy(PolicyKind::Identity, "other", &raw(&read_policy()))
            .unwrap();
        assert_eq!(cache.parses, 3);
        // A bad document is parsed once and its error returned every time.
        let bad = raw(&json!({"Statement": [{"Effect": "Maybe", "Action": "*", "Resource": "*"}]}));
        for _ in 0..3 {
            assert!(cache.policy(PolicyKind::Identity, "bad", &bad).is_err());
        }
        assert_eq!(cache.parses, 4);
    }

    #[test]
    fn the_text_key_never_joins_two_different_lists() {
        // Names and texts that run together the same way must not share a key (the length of each
        // part is in the key).
        let (a, b) = (raw(&json!({"a": 1})), raw(&json!({"b": 2})));
        let mut k1 = Vec::new();
        let mut k2 = Vec::new();
        text_key(
            &mut k1,
            PolicyKind::Identity,
            [("x", a.get()), ("y", b.get())].into_iter(),
        );
        text_key(
            &mut k2,
            PolicyKind::Identity,
            [("x", a.get()), ("y", b.get())].into_iter(),
        );
        assert_eq!(k1, k2);
        // The first document followed by what would encode a second name `y` after it.
        let joined = format!("{}\u{1}\0\0\0\0\0\0\0y", a.get());
        text_key(
            &mut k2,
            PolicyKind::Identity,
            [("x", joined.as_str()), ("", b.get())].into_iter(),
        );
        assert_ne!(k1, k2);
        text_key(
            &mut k2,
            PolicyKind::Boundary,
            [("x", a.get()), ("y", b.get())].into_iter(),
        );
        assert_ne!(k1, k2);
        // The same documents in another order are another list (statement order and policy order
        // appear in reasons).
        text_key(
            &mut k2,
            PolicyKind::Identity,
            [("y", b.get()), ("x", a.get())].into_iter(),
        );
        assert_ne!(k1, k2);
    }

    #[test]
    fn a_full_cache_is_emptied_and_still_answers() {
        let mut cache = PolicyCache::default();
        for i in 0..CACHE_LIMIT + 5 {
            let doc = raw(&json!({"Version": "2012-10-17", "Statement": [
                {"Sid": format!("S{i}"), "Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": TABLE}]}));
            let set = cache
                .identity_set(&[PolicyWire {
                    name: "app".into(),
                    document: &doc,
                }])
                .unwrap();
            assert_eq!(
                set[0].document.statements[0].sid.as_deref(),
                Some(format!("S{i}").as_str())
            );
            assert!(cache.sets_by_text.len() <= CACHE_LIMIT);
            assert!(cache.policies.len() <= CACHE_LIMIT);
        }
        assert_eq!(cache.parses, CACHE_LIMIT + 5);
    }
}
