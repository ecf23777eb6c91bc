//! The policy cache of a `simulate --requests` batch: parsed policies keyed by kind, name and
//! canonical document text, so a batch that repeats one role's policies on every line parses
//! each document once, in bounded memory.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use serde_json::Value;

use crate::engine::{NamedPolicy, PolicyDocument, PolicyError, PolicyKind};
use crate::simulate::wire::PolicyWire;

/// Past this many cached policies the cache is emptied, so a batch whose every line carries new
/// documents runs in bounded memory (it then simply parses as if uncached).
const CACHE_LIMIT: usize = 20_000;

/// Parsed policies keyed by kind, name and the document's canonical JSON text (sorted keys, no
/// whitespace), so a batch that repeats one role's policies on every line parses each document once.
/// Parse errors are cached too.
#[derive(Default)]
pub struct PolicyCache {
    policies: HashMap<String, Result<Arc<NamedPolicy>, PolicyError>>,
    /// Whole identity-policy lists, because the engine takes them as one slice.
    identity_sets: HashMap<String, Arc<[NamedPolicy]>>,
    /// Documents parsed so far (cache misses), for tests.
    pub(crate) parses: usize,
}

/// Writes `v` as JSON with object keys sorted, so documents that differ only in key order or
/// whitespace share a cache entry (serde_json here keeps insertion order: `preserve_order` is on).
fn write_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
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

/// A document given as a JSON string (as `simulate-custom-policy --policy-input-list` takes them) is
/// decoded first.
fn document_value(v: &Value) -> Result<std::borrow::Cow<'_, Value>, PolicyError> {
    match v {
        Value::String(text) => serde_json::from_str(text)
            .map(std::borrow::Cow::Owned)
            .map_err(|e| PolicyError::Json {
                line: e.line(),
                column: e.column(),
                message: e.to_string(),
            }),
        other => Ok(std::borrow::Cow::Borrowed(other)),
    }
}

impl PolicyCache {
    fn key(kind: PolicyKind, name: &str, doc: &Value) -> Result<String, PolicyError> {
        let doc = document_value(doc)?;
        let mut key = format!("{kind:?}\u{0}{name}\u{0}");
        write_canonical(&doc, &mut key);
        Ok(key)
    }

    pub fn policy(
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
        if self.policies.len() >= CACHE_LIMIT {
            self.policies.clear();
            self.identity_sets.clear();
        }
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
        policies: &[PolicyWire],
    ) -> Result<Arc<[NamedPolicy]>, Vec<String>> {
        let mut errors = Vec::new();
        let mut keys = Vec::with_capacity(policies.len());
        for (i, p) in policies.iter().enumerate() {
            match Self::key(PolicyKind::Identity, &p.name, &p.document) {
                Ok(k) => keys.push(k),
                Err(e) => errors.push(format!("identity_policies[{i}] `{}`: {e}", p.name)),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let set_key = keys.join("\u{1}");
        if let Some(hit) = self.identity_sets.get(&set_key) {
            return Ok(hit.clone());
        }
        let mut set = Vec::with_capacity(policies.len());
        for (i, (p, key)) in policies.iter().zip(keys).enumerate() {
            match self.policy_by_key(key, PolicyKind::Identity, &p.name, &p.document) {
                Ok(np) => set.push(NamedPolicy::clone(&np)),
                Err(e) => errors.push(format!("identity_policies[{i}] `{}`: {e}", p.name)),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let set: Arc<[NamedPolicy]> = set.into();
        if self.identity_sets.len() >= CACHE_LIMIT {
            self.identity_sets.clear();
        }
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
    fn canonical_text_ignores_key_order_and_whitespace() {
        let a: Value =
            serde_json::from_str(r#"{"b": [1, {"y": 2, "x": "é\""}], "a": null}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"a":null,"b":[1,{"x":"é\"","y":2}]}"#).unwrap();
        assert_eq!(canonical(&a), canonical(&b));
        assert_eq!(canonical(&a), r#"{"a":null,"b":[1,{"x":"é\"","y":2}]}"#);
        // Array order matters.
        let c: Value = serde_json::from_str(r#"{"a":null,"b":[{"x":"é\"","y":2},1]}"#).unwrap();
        assert_ne!(canonical(&a), canonical(&c));
    }

    #[test]
    fn cache_parses_each_distinct_document_once() {
        let mut cache = PolicyCache::default();
        let reordered = json!({"Statement": read_policy()["Statement"], "Version": "2012-10-17"});
        let as_string = Value::String(read_policy().to_string());
        for doc in [read_policy(), reordered, as_string, read_policy()] {
            let set = cache
                .identity_set(&[PolicyWire {
                    name: "app".into(),
                    document: doc,
                }])
                .unwrap();
            assert_eq!(set[0].id, "app");
        }
        assert_eq!(cache.parses, 1);
        // Same document under another name is another policy (names appear in reasons).
        cache
            .policy(PolicyKind::Identity, "other", &read_policy())
            .unwrap();
        assert_eq!(cache.parses, 2);
        // A bad document is parsed once and its error returned every time.
        let bad = json!({"Statement": [{"Effect": "Maybe", "Action": "*", "Resource": "*"}]});
        for _ in 0..3 {
            assert!(cache.policy(PolicyKind::Identity, "bad", &bad).is_err());
        }
        assert_eq!(cache.parses, 3);
    }
}
