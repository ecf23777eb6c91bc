//! Reads YAML or JSON text into a located tree ([`Node`]): every node keeps its line and column,
//! CloudFormation's short-form tags (`!Ref X`, `!GetAtt A.B`, `!Sub ...`) become the long forms
//! (`{"Ref": "X"}`, ...), and a key given twice in one mapping is an error, as CloudFormation and
//! IAM treat it. Owns parsing only; must not interpret templates or plans.
//!
//! Why `saphyr-parser`: the templates we read use local tags (`!Ref`), and the tree must carry
//! line/column and reject duplicate keys. `serde_yaml` is archived and unmaintained, and it and
//! its forks (`serde_yml`, `serde_norway`) either drop unknown tags or need a serde type per
//! tag, and give no positions for values nor an error for duplicate keys in untyped maps.
//! `saphyr-parser` (the maintained successor of `yaml-rust2`, YAML 1.2, pure Rust, MIT/Apache)
//! emits a stream of events with spans and tags, from which this module builds exactly the tree
//! it needs. JSON is read by the same parser (a JSON document is YAML 1.2), so a JSON template
//! gets the same positions and the same duplicate-key rule.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span, Tag};

use super::error::{IacErrorKind, Location};

/// CloudFormation's intrinsic functions that have a YAML short form `!Name` for `Fn::Name`.
const SHORT_FORMS: &[&str] = &[
    "Base64",
    "Cidr",
    "FindInMap",
    "GetAZs",
    "ImportValue",
    "Join",
    "Select",
    "Split",
    "Sub",
    "Transform",
    "And",
    "Equals",
    "If",
    "Not",
    "Or",
    "ToJsonString",
    "Length",
];

/// Nesting deeper than this is refused (a template is never this deep; it bounds recursion).
const MAX_DEPTH: usize = 256;
/// Nodes created by expanding aliases are capped, so `&a [*b, *b, ...]` chains cannot explode.
const MAX_NODES: usize = 2_000_000;

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// 1-based line and column.
    pub line_col: (usize, usize),
    pub kind: NodeKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    Null,
    Bool(bool),
    /// A number as written.
    Number(String),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Key, Node)>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub name: String,
    pub line_col: (usize, usize),
}

impl Node {
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.kind {
            NodeKind::Map(m) => m.iter().find(|(k, _)| k.name == key).map(|(_, v)| v),
            _ => None,
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Str(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_map(&self) -> Option<&[(Key, Node)]> {
        match &self.kind {
            NodeKind::Map(m) => Some(m),
            _ => None,
        }
    }
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            NodeKind::Seq(s) => Some(s),
            _ => None,
        }
    }
    /// A scalar as CloudFormation reads it into a string.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.kind {
            NodeKind::Str(s) | NodeKind::Number(s) => Some(s.clone()),
            NodeKind::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }
    pub fn type_name(&self) -> &'static str {
        match &self.kind {
            NodeKind::Null => "null",
            NodeKind::Bool(_) => "a boolean",
            NodeKind::Number(_) => "a number",
            NodeKind::Str(_) => "a string",
            NodeKind::Seq(_) => "a list",
            NodeKind::Map(_) => "a mapping",
        }
    }
    /// The node as plain JSON (for documents given as JSON text inside a template).
    pub fn to_json(&self) -> serde_json::Value {
        match &self.kind {
            NodeKind::Null => serde_json::Value::Null,
            NodeKind::Bool(b) => serde_json::Value::Bool(*b),
            NodeKind::Number(n) => serde_json::from_str(n)
                .ok()
                .filter(serde_json::Value::is_number)
                .unwrap_or_else(|| serde_json::Value::String(n.clone())),
            NodeKind::Str(s) => serde_json::Value::String(s.clone()),
            NodeKind::Seq(s) => serde_json::Value::Array(s.iter().map(Node::to_json).collect()),
            NodeKind::Map(m) => serde_json::Value::Object(
                m.iter()
                    .map(|(k, v)| (k.name.clone(), v.to_json()))
                    .collect(),
            ),
        }
    }
}

/// A parse error and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub location: Location,
    pub kind: IacErrorKind,
}

fn at(line_col: (usize, usize), kind: IacErrorKind) -> SyntaxError {
    SyntaxError {
        location: Location {
            line_col: Some(line_col),
            path: String::new(),
        },
        kind,
    }
}

fn pos(span: &Span) -> (usize, usize) {
    (span.start.line(), span.start.col() + 1)
}

/// Parses one YAML or JSON document. An empty input gives `Ok(None)`.
///
/// Text that starts with `{` or `[` is JSON and must be strict JSON: YAML would read a `//`
/// comment line inside a JSON object as part of a key (`// "Effect": "Deny",` silently changing
/// the document), so it is first checked by a JSON parser, then read by the YAML parser for
/// positions and duplicate keys, and both readings must agree.
pub fn parse(text: &str) -> Result<Option<Node>, SyntaxError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let t = text.trim_start_matches([' ', '\t', '\r', '\n']);
    if t.starts_with('{') || t.starts_with('[') {
        let strict: serde_json::Value = serde_json::from_str(text).map_err(|e| {
            let hint = if text.contains("//") || text.contains("/*") {
                "; JSON templates cannot hold comments: remove them (CloudFormation rejects them too)"
            } else {
                ""
            };
            at(
                (e.line(), e.column()),
                IacErrorKind::Syntax {
                    message: format!("not valid JSON: {e}"),
                    hint: hint.into(),
                },
            )
        })?;
        let node = parse_yaml(text)?;
        if node.as_ref().map(Node::to_json).as_ref() != Some(&strict) {
            return Err(at(
                (1, 1),
                IacErrorKind::Syntax {
                    message: "this JSON reads differently as YAML (an unusual escape or a key longer than 1024 characters)".into(),
                    hint: "; simplify it".into(),
                },
            ));
        }
        return Ok(node);
    }
    parse_yaml(text)
}

fn parse_yaml(text: &str) -> Result<Option<Node>, SyntaxError> {
    let mut b = Builder {
        parser: Parser::new_from_str(text),
        anchors: HashMap::new(),
        nodes: 0,
    };
    let mut doc = None;
    loop {
        let (ev, span) = b.next()?;
        match ev {
            Event::StreamStart | Event::DocumentEnd => {}
            Event::DocumentStart(_) => {
                let (ev, span) = b.next()?;
                if matches!(ev, Event::DocumentEnd) {
                    continue;
                }
                if doc.is_some() {
                    return Err(at(
                        pos(&span),
                        IacErrorKind::Syntax {
                            message: "the file holds more than one YAML document".into(),
                            hint: "; a template is one document".into(),
                        },
                    ));
                }
                doc = Some(b.node(ev, span, 0)?);
            }
            Event::StreamEnd => return Ok(doc),
            _ => {
                return Err(at(
                    pos(&span),
                    IacErrorKind::Syntax {
                        message: "unexpected YAML event".into(),
                        hint: String::new(),
                    },
                ));
            }
        }
    }
}

struct Builder<'a> {
    parser: Parser<'a, saphyr_parser::StrInput<'a>>,
    /// Anchored nodes with their sizes (counted before an alias is cloned).
    anchors: HashMap<usize, (Node, usize)>,
    nodes: usize,
}

impl<'a> Builder<'a> {
    fn next(&mut self) -> Result<(Event<'a>, Span), SyntaxError> {
        match self.parser.next_event() {
            Some(Ok(e)) => Ok(e),
            Some(Err(e)) => {
                let m = e.marker();
                Err(at(
                    (m.line(), m.col() + 1),
                    IacErrorKind::Syntax {
                        message: e.info().to_string(),
                        hint: String::new(),
                    },
                ))
            }
            None => Err(SyntaxError {
                location: Location::default(),
                kind: IacErrorKind::Syntax {
                    message: "unexpected end of input".into(),
                    hint: String::new(),
                },
            }),
        }
    }

    fn count(&mut self, n: usize, line_col: (usize, usize)) -> Result<(), SyntaxError> {
        self.nodes += n;
        if self.nodes > MAX_NODES {
            return Err(at(
                line_col,
                IacErrorKind::Syntax {
                    message: format!("more than {MAX_NODES} nodes after expanding aliases"),
                    hint: String::new(),
                },
            ));
        }
        Ok(())
    }

    fn node(&mut self, ev: Event<'a>, span: Span, depth: usize) -> Result<Node, SyntaxError> {
        let line_col = pos(&span);
        if depth > MAX_DEPTH {
            return Err(at(
                line_col,
                IacErrorKind::Syntax {
                    message: format!("nested deeper than {MAX_DEPTH} levels"),
                    hint: String::new(),
                },
            ));
        }
        self.count(1, line_col)?;
        let (node, anchor, tag) = match ev {
            Event::Alias(id) => {
                let sz = self.anchors.get(&id).map(|(_, sz)| *sz).ok_or_else(|| {
                    at(
                        line_col,
                        IacErrorKind::Syntax {
                            message: "alias to an unknown anchor".into(),
                            hint: String::new(),
                        },
                    )
                })?;
                self.count(sz, line_col)?;
                return Ok(self.anchors[&id].0.clone());
            }
            Event::Scalar(value, style, anchor, tag) => {
                let forced_str = tag.as_deref().is_some_and(is_core_str);
                let kind = if style == ScalarStyle::Plain && !forced_str {
                    plain_scalar(&value)
                } else {
                    NodeKind::Str(value.into_owned())
                };
                (Node { line_col, kind }, anchor, tag)
            }
            Event::SequenceStart(anchor, tag) => {
                let mut items = Vec::new();
                loop {
                    let (ev, span) = self.next()?;
                    if matches!(ev, Event::SequenceEnd) {
                        break;
                    }
                    items.push(self.node(ev, span, depth + 1)?);
                }
                (
                    Node {
                        line_col,
                        kind: NodeKind::Seq(items),
                    },
                    anchor,
                    tag,
                )
            }
            Event::MappingStart(anchor, tag) => {
                let mut entries: Vec<(Key, Node)> = Vec::new();
                loop {
                    let (ev, kspan) = self.next()?;
                    if matches!(ev, Event::MappingEnd) {
                        break;
                    }
                    let key_pos = pos(&kspan);
                    let key = self.node(ev, kspan, depth + 1)?;
                    let name = match &key.kind {
                        NodeKind::Str(s) | NodeKind::Number(s) => s.clone(),
                        NodeKind::Bool(b) => b.to_string(),
                        NodeKind::Null => "null".to_string(),
                        _ => {
                            return Err(at(
                                key_pos,
                                IacErrorKind::Syntax {
                                    message: "a mapping key must be a plain string".into(),
                                    hint: String::new(),
                                },
                            ));
                        }
                    };
                    if name == "<<" {
                        return Err(at(
                            key_pos,
                            IacErrorKind::Syntax {
                                message:
                                    "YAML merge keys (`<<`) are not supported by CloudFormation"
                                        .into(),
                                hint: "; write the keys out".into(),
                            },
                        ));
                    }
                    if let Some((first, _)) = entries.iter().find(|(k, _)| k.name == name) {
                        return Err(at(
                            key_pos,
                            IacErrorKind::DuplicateKey {
                                key: name,
                                first_line: first.line_col.0,
                            },
                        ));
                    }
                    let (ev, vspan) = self.next()?;
                    let value = self.node(ev, vspan, depth + 1)?;
                    entries.push((
                        Key {
                            name,
                            line_col: key_pos,
                        },
                        value,
                    ));
                }
                (
                    Node {
                        line_col,
                        kind: NodeKind::Map(entries),
                    },
                    anchor,
                    tag,
                )
            }
            _ => {
                return Err(at(
                    line_col,
                    IacErrorKind::Syntax {
                        message: "unexpected YAML event".into(),
                        hint: String::new(),
                    },
                ));
            }
        };
        let node = match tag.as_deref() {
            Some(t) if t.handle == "!" => long_form(t, node)?,
            Some(t) if is_core(t) => node,
            Some(t) => {
                return Err(at(
                    line_col,
                    IacErrorKind::UnknownTag {
                        tag: format!("{}{}", t.handle, t.suffix),
                    },
                ));
            }
            None => node,
        };
        if anchor > 0 {
            let sz = size(&node);
            self.anchors.insert(anchor, (node.clone(), sz));
        }
        Ok(node)
    }
}

fn size(n: &Node) -> usize {
    1 + match &n.kind {
        NodeKind::Seq(s) => s.iter().map(size).sum(),
        NodeKind::Map(m) => m.iter().map(|(_, v)| 1 + size(v)).sum(),
        _ => 0,
    }
}

fn is_core(t: &Tag) -> bool {
    t.handle == "tag:yaml.org,2002:" || t.handle == "!!"
}

fn is_core_str(t: &Tag) -> bool {
    is_core(t) && t.suffix == "str"
}

/// `!Ref X` → `{"Ref": "X"}`, `!GetAtt A.B` → `{"Fn::GetAtt": "A.B"}`, `!Sub s` → `{"Fn::Sub": s}`.
fn long_form(tag: &Tag, node: Node) -> Result<Node, SyntaxError> {
    let name = match tag.suffix.as_str() {
        "Ref" => "Ref".to_string(),
        "Condition" => "Condition".to_string(),
        "GetAtt" => "Fn::GetAtt".to_string(),
        s if SHORT_FORMS.contains(&s) => format!("Fn::{s}"),
        s => {
            return Err(at(
                node.line_col,
                IacErrorKind::UnknownTag {
                    tag: format!("!{s}"),
                },
            ));
        }
    };
    let line_col = node.line_col;
    Ok(Node {
        line_col,
        kind: NodeKind::Map(vec![(Key { name, line_col }, node)]),
    })
}

/// Plain scalars as the YAML 1.2 core schema resolves them. Anything else stays a string
/// (`2012-10-17` is a string, not a date, as CloudFormation reads it).
fn plain_scalar(s: &str) -> NodeKind {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => NodeKind::Null,
        "true" | "True" | "TRUE" => NodeKind::Bool(true),
        "false" | "False" | "FALSE" => NodeKind::Bool(false),
        _ if is_number(s) => NodeKind::Number(s.to_string()),
        _ => NodeKind::Str(s.to_string()),
    }
}

fn is_number(s: &str) -> bool {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    if body.is_empty() || !body.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        return false;
    }
    if body.bytes().all(|b| b.is_ascii_digit()) {
        return true;
    }
    body.bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'))
        && body.parse::<f64>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Node {
        parse(s).unwrap().unwrap()
    }

    #[test]
    fn short_forms_become_long_forms_with_positions() {
        let n = p("A: !Ref X\nB: !GetAtt T.Arn\nC: !Sub 'x-${Y}'\nD: !If [C, 1, 2]\n");
        assert_eq!(
            n.get("A").unwrap().to_json(),
            serde_json::json!({"Ref": "X"})
        );
        assert_eq!(
            n.get("B").unwrap().to_json(),
            serde_json::json!({"Fn::GetAtt": "T.Arn"})
        );
        assert_eq!(
            n.get("C").unwrap().to_json(),
            serde_json::json!({"Fn::Sub": "x-${Y}"})
        );
        assert_eq!(
            n.get("D").unwrap().to_json(),
            serde_json::json!({"Fn::If": ["C", 1, 2]})
        );
        assert_eq!(n.get("B").unwrap().line_col, (2, 4));
    }

    #[test]
    fn duplicate_keys_are_located_errors() {
        let e = parse("Resources:\n  A: 1\n  A: 2\n").unwrap_err();
        assert_eq!(e.location.line_col, Some((3, 3)));
        assert!(
            matches!(e.kind, IacErrorKind::DuplicateKey { ref key, first_line: 2 } if key == "A")
        );
        let e = parse(r#"{"a": 1, "a": 2}"#).unwrap_err();
        assert!(matches!(e.kind, IacErrorKind::DuplicateKey { .. }), "{e:?}");
    }

    #[test]
    fn scalars_resolve_like_the_core_schema_and_quoted_stay_strings() {
        let n = p("V: 2012-10-17\nN: 5\nQ: '5'\nB: true\nZ: ~\nF: 1.5\nS: !!str 7\n");
        assert_eq!(n.get("V").unwrap().kind, NodeKind::Str("2012-10-17".into()));
        assert_eq!(n.get("N").unwrap().kind, NodeKind::Number("5".into()));
        assert_eq!(n.get("Q").unwrap().kind, NodeKind::Str("5".into()));
        assert_eq!(n.get("B").unwrap().kind, NodeKind::Bool(true));
        assert_eq!(n.get("Z").unwrap().kind, NodeKind::Null);
        assert_eq!(n.get("F").unwrap().kind, NodeKind::Number("1.5".into()));
        assert_eq!(n.get("S").unwrap().kind, NodeKind::Str("7".into()));
    }

    #[test]
    fn json_with_comments_or_tabs() {
        // As YAML this would be one mapping whose key is `// a comment "a"`.
        let e = parse("{\n  // a comment\n  \"a\": 1\n}").unwrap_err();
        assert_eq!(e.location.line_col.map(|l| l.0), Some(2));
        match e.kind {
            IacErrorKind::Syntax { hint, .. } => assert!(hint.contains("comments"), "{hint}"),
            other => panic!("{other:?}"),
        }
        let n = p("{\n\t\"a\": {\n\t\t\"b\": [1, 2]\n\t}\n}");
        assert_eq!(n.to_json(), serde_json::json!({"a": {"b": [1, 2]}}));
        assert!(
            parse("{\"a\": 1,}").is_err(),
            "a trailing comma is not JSON"
        );
        let e = parse("{\"a\": 1, /* c */ \"b\": 2}").unwrap_err();
        assert!(
            matches!(e.kind, IacErrorKind::Syntax { ref hint, .. } if hint.contains("comments"))
        );
    }

    #[test]
    fn unknown_tags_merge_keys_and_multiple_documents_are_refused() {
        assert!(matches!(
            parse("A: !Foo x").unwrap_err().kind,
            IacErrorKind::UnknownTag { .. }
        ));
        assert!(parse("a: &x {b: 1}\nc:\n  <<: *x\n").is_err());
        assert!(parse("a: 1\n---\nb: 2\n").is_err());
        assert_eq!(parse("").unwrap(), None);
        let n = p("a: &x {b: 1}\nc: *x\n");
        assert_eq!(n.get("c").unwrap().to_json(), serde_json::json!({"b": 1}));
    }

    #[test]
    fn alias_bombs_are_bounded() {
        let mut s = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            s.push_str(&format!(
                "a{i}: &a{i} [*a{j}, *a{j}, *a{j}, *a{j}, *a{j}, *a{j}, *a{j}, *a{j}, *a{j}, *a{j}]\n",
                j = i - 1
            ));
        }
        assert!(parse(&s).is_err());
    }
}
