//! Reading one `--requests` line into its fields, with a shortcut for the policy texts a batch
//! repeats.
//!
//! A batch usually carries one role's policies on every line: the same 2 KiB of JSON, line after
//! line. serde_json checks a value's syntax to find where it ends, also for a value kept raw
//! ([`RawValue`]), and that check was about a third of each line's time (callgrind, 2026-12-02).
//! A parsed policy list is cached by its text, but the text had to be found first.
//!
//! So the line's top level, an object of known keys, is read here field by field, and each value
//! is read by serde_json on its own. The exception is a policy field (`identity_policies`,
//! `boundary`, `resource_policy`) whose text at that point of the line begins with a text that
//! field had on an earlier line of this thread: that value is the earlier text, already checked,
//! and its parsed policies are reused. That a prefix is enough rests on a property of JSON: an
//! array, object or string ends at its own closing `]`, `}` or `"`, decided by its bytes alone
//! (serde_json's stream reader relies on the same property: "self-delineated" values). Only such
//! texts are remembered, and only texts serde_json read without error.
//!
//! No JSON library offers "skip a value whose bytes I have seen", hence this hand-written top level.
//! It is kept as small as it can be: it reads a key only when it is written without escapes and
//! is one of the line's eight field names, each once; anything else (another key, a key given
//! twice or escaped, a missing field, a trailing comma, text after the object, a value serde_json
//! refuses) makes it give up, and the whole line is read by serde_json's derived reader
//! ([`RequestLine`]), which words the error exactly as it did before. When the shortcut answers,
//! it answers what that reader would; a property test holds the two together. Each value here is
//! read on its own, one level less deep than inside the line, which matters for serde_json's limit
//! of 128 nested levels only where it reads recursively: the `context` field, read here only when
//! it cannot come near the limit ([`context_value`]). Documents are skipped in a loop, with no
//! limit, by both readers.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::engine::NamedPolicy;
use crate::simulate::wire::{ContextEntries, ModeWire, PolicyWire, RequestLine};

/// A line's fields, read by [`read`] or by serde_json's derived reader.
pub struct LineFields<'a> {
    pub principal: String,
    pub action: String,
    pub resource: String,
    pub identity: Identity<'a>,
    pub boundary: Option<Doc<'a>>,
    pub resource_policy: Option<Doc<'a>>,
    pub resource_policy_mode: Option<ModeWire>,
    pub context: Option<ContextEntries>,
}

/// The `identity_policies` field.
pub enum Identity<'a> {
    /// Read from this line; `text` is the value's text when the shortcut read it, so the parsed
    /// list can be remembered under it.
    Listed {
        policies: Vec<PolicyWire<'a>>,
        text: Option<&'a [u8]>,
    },
    /// The text an earlier line gave, parsed then.
    Known(Arc<[NamedPolicy]>),
}

/// A `boundary` or `resource_policy` document.
pub enum Doc<'a> {
    Raw {
        doc: &'a RawValue,
        text: Option<&'a [u8]>,
    },
    Known(Arc<NamedPolicy>),
}

impl<'a> From<RequestLine<'a>> for LineFields<'a> {
    fn from(r: RequestLine<'a>) -> LineFields<'a> {
        let raw = |doc: Option<&'a RawValue>| doc.map(|doc| Doc::Raw { doc, text: None });
        LineFields {
            principal: r.principal,
            action: r.action,
            resource: r.resource,
            identity: Identity::Listed {
                policies: r.identity_policies,
                text: None,
            },
            boundary: raw(r.boundary),
            resource_policy: raw(r.resource_policy),
            resource_policy_mode: r.resource_policy_mode,
            context: r.context,
        }
    }
}

/// How many texts each policy field remembers: a batch mixing a few roles hits, and a miss costs
/// at most this many comparisons, each ending at the first byte that differs.
const RECENT: usize = 8;

/// Texts of one field, oldest first, each with what it was parsed into.
type Texts<T> = Vec<(Box<[u8]>, T)>;

/// Policy texts of this thread's earlier lines, per field, with what they were parsed into.
#[derive(Default)]
pub struct Recent {
    sets: Texts<Arc<[NamedPolicy]>>,
    boundaries: Texts<Arc<NamedPolicy>>,
    resource_policies: Texts<Arc<NamedPolicy>>,
    /// Policy values the shortcut took from here, for tests.
    pub(crate) hits: usize,
}

/// Texts longer than this are not remembered, so the memory kept stays small (at most
/// `3 * RECENT` texts per thread) whatever the batch holds.
const RECENT_TEXT_LIMIT: usize = 256 * 1024;

/// Only an array, object or string ends by its own bytes (see the module's note).
fn self_delimited(text: &[u8]) -> bool {
    matches!(text.first(), Some(b'[' | b'{' | b'"'))
}

fn remember<T>(list: &mut Texts<T>, text: &[u8], value: T) {
    if !self_delimited(text)
        || text.len() > RECENT_TEXT_LIMIT
        || list.iter().any(|(t, _)| **t == *text)
    {
        return;
    }
    if list.len() == RECENT {
        list.remove(0);
    }
    list.push((text.into(), value));
}

fn find<T: Clone>(list: &[(Box<[u8]>, T)], rest: &[u8]) -> Option<(usize, T)> {
    list.iter()
        .find(|(t, _)| rest.starts_with(t))
        .map(|(t, v)| (t.len(), v.clone()))
}

impl Recent {
    /// The identity list parsed from `text` (the shortcut's text of a line's field).
    pub fn remember_set(&mut self, text: &[u8], set: &Arc<[NamedPolicy]>) {
        remember(&mut self.sets, text, set.clone());
    }
    pub fn remember_boundary(&mut self, text: &[u8], p: &Arc<NamedPolicy>) {
        remember(&mut self.boundaries, text, p.clone());
    }
    pub fn remember_resource_policy(&mut self, text: &[u8], p: &Arc<NamedPolicy>) {
        remember(&mut self.resource_policies, text, p.clone());
    }
}

/// The line's eight field names, in [`RequestLine`]'s order.
const FIELDS: [&[u8]; 8] = [
    b"principal",
    b"action",
    b"resource",
    b"identity_policies",
    b"boundary",
    b"resource_policy",
    b"resource_policy_mode",
    b"context",
];

/// JSON's four whitespace bytes, as serde_json skips them.
fn skip_ws(line: &[u8], mut pos: usize) -> usize {
    while let Some(b' ' | b'\n' | b'\t' | b'\r') = line.get(pos) {
        pos += 1;
    }
    pos
}

/// One value of type `T` read by serde_json from `pos`, and where it ends.
fn value<'a, T: Deserialize<'a>>(line: &'a [u8], pos: usize) -> Option<(T, usize)> {
    let mut values = serde_json::Deserializer::from_slice(&line[pos..]).into_iter::<T>();
    let v = values.next()?.ok()?;
    Some((v, pos + values.byte_offset()))
}

/// Fewer opening brackets than this in a `context` value: it is read here (see [`context_value`]).
const CONTEXT_BRACKETS: usize = 64;

/// The `context` field, the one field whose value serde_json reads recursively (a document is
/// skipped in a loop, a string or a list of names cannot nest). The derived reader reads it one
/// level down from the line's object, with one level less of serde_json's 128; read alone it
/// would get them all, and a context nested to exactly the limit would be decided here where the
/// derived reader refuses the line. So its reading here is kept only when its text holds fewer
/// than [`CONTEXT_BRACKETS`] `[` and `{` (so it nests less deep than that, wherever they are);
/// any other is left to the derived reader. A real context nests three levels at most.
fn context_value(line: &[u8], pos: usize) -> Option<(Option<ContextEntries>, usize)> {
    let (v, end) = value(line, pos)?;
    let brackets = line[pos..end]
        .iter()
        .filter(|b| matches!(b, b'[' | b'{'))
        .count();
    (brackets < CONTEXT_BRACKETS).then_some((v, end))
}

/// A policy document field: a remembered text, or the value read by serde_json.
fn doc<'a>(
    line: &'a [u8],
    pos: usize,
    known: &Texts<Arc<NamedPolicy>>,
    hits: &mut usize,
) -> Option<(Option<Doc<'a>>, usize)> {
    if let Some((len, p)) = find(known, &line[pos..]) {
        *hits += 1;
        return Some((Some(Doc::Known(p)), pos + len));
    }
    let (doc, end) = value::<Option<&'a RawValue>>(line, pos)?;
    let text = &line[pos..end];
    Some((
        doc.map(|doc| Doc::Raw {
            doc,
            text: Some(text),
        }),
        end,
    ))
}

/// The line's fields by the shortcut, or `None` to leave the line to serde_json's derived reader
/// (see the module's note for when).
pub fn read<'a>(line: &'a [u8], recent: &mut Recent) -> Option<LineFields<'a>> {
    let mut principal = None;
    let mut action = None;
    let mut resource = None;
    let mut identity = None;
    let mut boundary = None;
    let mut resource_policy = None;
    let mut mode = None;
    let mut context = None;
    let mut seen = [false; FIELDS.len()];

    let mut pos = skip_ws(line, 0);
    if line.get(pos) != Some(&b'{') {
        return None;
    }
    pos = skip_ws(line, pos + 1);
    let mut hits = 0;
    loop {
        if line.get(pos) != Some(&b'"') {
            return None;
        }
        let start = pos + 1;
        let end = start + memchr::memchr(b'"', line.get(start..)?)?;
        // A key holding `\` may be escaped: the derived reader decodes it.
        let field = FIELDS.iter().position(|f| *f == &line[start..end])?;
        if std::mem::replace(&mut seen[field], true) {
            return None;
        }
        pos = skip_ws(line, end + 1);
        if line.get(pos) != Some(&b':') {
            return None;
        }
        pos = skip_ws(line, pos + 1);
        pos = match field {
            0 => {
                let (v, end) = value(line, pos)?;
                principal = Some(v);
                end
            }
            1 => {
                let (v, end) = value(line, pos)?;
                action = Some(v);
                end
            }
            2 => {
                let (v, end) = value(line, pos)?;
                resource = Some(v);
                end
            }
            3 => {
                if let Some((len, set)) = find(&recent.sets, &line[pos..]) {
                    hits += 1;
                    identity = Some(Identity::Known(set));
                    pos + len
                } else {
                    let (policies, end) = value::<Vec<PolicyWire<'a>>>(line, pos)?;
                    identity = Some(Identity::Listed {
                        policies,
                        text: Some(&line[pos..end]),
                    });
                    end
                }
            }
            4 => {
                let (v, end) = doc(line, pos, &recent.boundaries, &mut hits)?;
                boundary = v;
                end
            }
            5 => {
                let (v, end) = doc(line, pos, &recent.resource_policies, &mut hits)?;
                resource_policy = v;
                end
            }
            6 => {
                let (v, end) = value(line, pos)?;
                mode = v;
                end
            }
            _ => {
                let (v, end) = context_value(line, pos)?;
                context = v;
                end
            }
        };
        pos = skip_ws(line, pos);
        match line.get(pos) {
            Some(b',') => pos = skip_ws(line, pos + 1),
            Some(b'}') => break,
            _ => return None,
        }
    }
    if skip_ws(line, pos + 1) != line.len() {
        return None;
    }
    let fields = LineFields {
        principal: principal?,
        action: action?,
        resource: resource?,
        identity: identity.unwrap_or(Identity::Listed {
            policies: Vec::new(),
            text: None,
        }),
        boundary,
        resource_policy,
        resource_policy_mode: mode,
        context,
    };
    recent.hits += hits;
    Some(fields)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::cache::PolicyCache;
    use crate::simulate::request::evaluate_line;
    use serde_json::{Value, json};

    const ROLE: &str = "arn:aws:iam::111122223333:role/app/AppRole";
    const TABLE: &str = "arn:aws:dynamodb:eu-west-1:111122223333:table/Orders";

    fn policy(action: &str) -> Value {
        json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "Read", "Effect": "Allow", "Action": action, "Resource": TABLE,
             "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]})
    }

    fn full_line(action: &str) -> String {
        json!({"principal": ROLE, "action": action, "resource": TABLE,
            "identity_policies": [{"name": "app", "document": policy("dynamodb:Get*")},
                                  {"name": "w", "document": policy("dynamodb:PutItem").to_string()}],
            "boundary": policy("dynamodb:*"), "resource_policy": null,
            "resource_policy_mode": "standard",
            "context": {"aws:SecureTransport": "true", "aws:SourceIp": {"type": "ip", "value": "10.0.0.1"}}})
        .to_string()
    }

    /// Everything a line's reading yields, to compare the two readers.
    fn shown(f: &LineFields) -> String {
        let identity = match &f.identity {
            Identity::Listed { policies, .. } => policies
                .iter()
                .map(|p| format!("{}={}", p.name, p.document.get()))
                .collect::<Vec<_>>(),
            Identity::Known(set) => vec![format!("known {}", set.len())],
        };
        let doc = |d: &Option<Doc>| match d {
            None => "none".to_string(),
            Some(Doc::Raw { doc, .. }) => doc.get().to_string(),
            Some(Doc::Known(p)) => format!("known {}", p.id),
        };
        format!(
            "{:?} {:?} {:?} {identity:?} {} {} {:?} {:?}",
            f.principal,
            f.action,
            f.resource,
            doc(&f.boundary),
            doc(&f.resource_policy),
            f.resource_policy_mode,
            f.context
        )
    }

    /// Lines the shortcut must leave to the derived reader, each with why.
    fn refused() -> Vec<(String, &'static str)> {
        let l = full_line("dynamodb:GetItem");
        let body = &l[1..l.len() - 1];
        vec![
            (
                format!("{{{body}, \"principal\": \"x\"}}"),
                "a key given twice",
            ),
            (
                l.replacen("\"principal\"", "\"princ\\u0069pal\"", 1),
                "an escaped key",
            ),
            (format!("{{{body}, \"extra\": 1}}"), "an unknown key"),
            (format!("{{{body},}}"), "a trailing comma"),
            (format!("{l} x"), "text after the object"),
            (format!("[{body}]"), "an array"),
            (
                l.replacen(&format!("\"principal\":\"{ROLE}\","), "", 1),
                "a missing field",
            ),
            (
                l.replacen("\"standard\"", "\"sideways\"", 1),
                "a value serde_json refuses",
            ),
        ]
    }

    #[test]
    fn the_shortcut_gives_up_on_anything_but_a_plain_line() {
        let mut recent = Recent::default();
        let base = full_line("dynamodb:GetItem");
        assert!(read(base.as_bytes(), &mut recent).is_some());
        for (line, why) in refused() {
            assert_ne!(line, base, "{why}: the test line changed shape");
            assert!(
                read(line.as_bytes(), &mut recent).is_none(),
                "{why}: {line}"
            );
        }
    }

    /// Differential: every line the shortcut reads, serde_json's derived reader reads the same, over
    /// every one-byte deletion and several one-byte insertions at every place of a full line.
    #[test]
    fn the_shortcut_reads_what_the_derived_reader_reads() {
        let base = full_line("dynamodb:GetItem");
        let mut lines = vec![base.clone(), format!("  \t{base}\r\n ")];
        lines.extend(refused().into_iter().map(|(l, _)| l));
        // A context nested near serde_json's limit of 128 levels, read alone or inside the line.
        for depth in [60, 63, 64, 65, 120, 124, 125, 126, 127, 128] {
            let nested = format!("{}\"ip\"{}", "[".repeat(depth), "]".repeat(depth));
            let deep = base.replacen("{\"type\":\"ip\"", &format!("{{\"type\":{nested}"), 1);
            assert_ne!(deep, base, "the test line changed shape");
            lines.push(deep);
        }
        let bytes = base.as_bytes();
        for i in 0..bytes.len() {
            let mut cut = bytes.to_vec();
            cut.remove(i);
            lines.push(String::from_utf8_lossy(&cut).into_owned());
            for b in [b' ', b',', b'"', b'}', b']', b'\\', b'x', b'1', b'\n'] {
                let mut more = bytes.to_vec();
                more.insert(i, b);
                lines.push(String::from_utf8_lossy(&more).into_owned());
            }
        }
        let (mut read_here, mut left) = (0, 0);
        for line in &lines {
            let derived = serde_json::from_slice::<RequestLine>(line.as_bytes());
            match read(line.as_bytes(), &mut Recent::default()) {
                Some(fields) => {
                    read_here += 1;
                    let derived = derived.unwrap_or_else(|e| {
                        panic!("shortcut read a line serde_json refuses ({e}): {line}")
                    });
                    assert_eq!(shown(&fields), shown(&derived.into()), "{line}");
                }
                None => left += 1,
            }
        }
        // Neither side is empty: the comparison above is not vacuous.
        assert!(
            read_here > 100 && left > 100,
            "read {read_here}, left {left}"
        );
    }

    #[test]
    fn a_remembered_text_is_reused_only_as_a_whole_value() {
        let mut cache = PolicyCache::default();
        let first = full_line("dynamodb:GetItem");
        let r1 = evaluate_line(&mut cache, 1, first.as_bytes(), None);
        assert_eq!(cache.recent.hits, 0);
        let r2 = evaluate_line(&mut cache, 2, first.as_bytes(), None);
        // The identity list and the boundary came from the first line.
        assert_eq!(cache.recent.hits, 2);
        assert_eq!(r1, r2);
        // The remembered list followed by more text is not that list: the derived reader words it.
        let grown = first.replacen("}],\"boundary\"", "}]],\"boundary\"", 1);
        assert_ne!(grown, first, "the test line changed shape");
        let r3 = evaluate_line(&mut cache, 3, grown.as_bytes(), None);
        assert_eq!(cache.recent.hits, 2);
        assert!(!r3.errors.is_empty(), "{r3:?}");
        // A remembered boundary does not answer for the resource policy with the same text.
        let boundary = policy("dynamodb:*").to_string();
        let swapped = first.replacen(
            "\"resource_policy\":null",
            &format!("\"resource_policy\":{boundary}"),
            1,
        );
        assert_ne!(swapped, first, "the test line changed shape");
        let before = cache.recent.hits;
        evaluate_line(&mut cache, 4, swapped.as_bytes(), None);
        assert_eq!(cache.recent.hits, before + 2, "identity and boundary only");
    }

    /// A batch answered with remembered texts answers every line as a batch answered without them.
    #[test]
    fn remembered_texts_change_no_answer() {
        let mut lines: Vec<String> = [
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:Query",
            "s3:GetObject",
        ]
        .iter()
        .map(|a| full_line(a))
        .collect();
        lines.push(full_line("dynamodb:GetItem").replace("\"true\"}", "\"false\"}"));
        // The same length and the same first bytes as the remembered list, another grant.
        let other_grant =
            full_line("dynamodb:GetItem").replacen("dynamodb:Get*", "dynamodb:Put*", 1);
        assert_ne!(
            other_grant,
            full_line("dynamodb:GetItem"),
            "the test line changed shape"
        );
        lines.push(other_grant);
        let unknown =
            full_line("dynamodb:GetItem").replacen(",\"boundary\"", ",\"x\":1,\"boundary\"", 1);
        assert!(unknown.contains("\"x\":1"), "the test line changed shape");
        lines.push(unknown);
        let mut shared = PolicyCache::default();
        for round in 0..3 {
            for (i, l) in lines.iter().enumerate() {
                let with = evaluate_line(&mut shared, i + 1, l.as_bytes(), None);
                let without = evaluate_line(&mut PolicyCache::default(), i + 1, l.as_bytes(), None);
                assert_eq!(with, without, "round {round}, line {}", i + 1);
            }
        }
        assert!(shared.recent.hits >= 20, "hits: {}", shared.recent.hits);
    }
}
