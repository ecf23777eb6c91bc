//! Policy variables (`${aws:username}`, `${key, 'default'}`, `${*}` escapes): parsed once into templates,
//! resolved per request. Owns variable syntax and substitution; must not decide whether a statement applies.
//!
//! AWS: reference_policies_variables ("IAM policy elements: Variables and tags"). Variables are only
//! recognised when the policy `Version` is `2012-10-17`; otherwise `${...}` is literal text.

use std::borrow::Cow;

use super::context::{Context, Lookup};
use super::matcher::{Pattern, Token};
use super::symbolic::{self, Tok};

/// A piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    /// Text written in the policy: `*`/`?` are wildcards when the template is used as a pattern.
    Raw(String),
    /// Text that is always literal (from `${*}`, `${?}`, `${$}` escapes).
    Lit(String),
    /// `${key}` or `${key, 'default'}`.
    Var {
        key: String,
        default: Option<String>,
    },
}

/// A policy string that may contain variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    source: String,
    parts: Vec<Part>,
    /// Set when the text has `${` we cannot parse (unterminated, bad default, empty name): fail safe.
    invalid: Option<String>,
    /// The resolved value, with its text, pattern and ARN segments compiled once, when there is nothing
    /// to resolve per request.
    fixed: Option<Resolved>,
    /// The text holds `*` or `?` (as written).
    wildcard: bool,
    /// The text holds symbolic parts (values known only after deploy, see [`symbolic`]).
    symbols: bool,
}

/// Why a template could not be turned into a concrete value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unresolved {
    /// A variable's key was not given (and no default): "null" in a closed world, unknown in an open one.
    Missing(String),
    /// A variable's key is known to be absent, or has no value (and no default): "null"
    /// (reference_policies_variables: "not present ... any attempt to match it fails").
    Absent(String),
    /// A variable's key is in the request but its value is not known here.
    Unknown(String),
    /// We cannot evaluate this template (syntax or multi-valued variable): the caller must fail safe.
    Unsupported(String),
}

/// A resolved template: a sequence of characters, each flagged as wildcard-capable or literal.
#[derive(Debug, Clone)]
pub struct Resolved {
    pieces: Vec<(char, bool)>, // (char, is_raw)
    /// Some piece is part of a symbolic value (see [`symbolic`]).
    symbols: bool,
    /// Indices of `*` and `?` that come from a variable's value.
    value_wildcards: Vec<usize>,
    /// What matching needs, built once for a template without variables (see [`Template::resolve_ref`]);
    /// `None` for a value resolved per request, whose forms are built when asked for.
    compiled: Option<Box<Compiled>>,
}

/// The forms of a fixed value that matching uses, derived from `pieces` once.
#[derive(Debug, Clone)]
struct Compiled {
    text: String,
    pattern: Pattern,
    segments: Vec<Pattern>,
    /// How many `:` the value holds (see [`Resolved::colons_align`]).
    colons: usize,
}

/// Equality is about the value; whether its forms are compiled does not matter.
impl PartialEq for Resolved {
    fn eq(&self, o: &Resolved) -> bool {
        self.pieces == o.pieces
            && self.symbols == o.symbols
            && self.value_wildcards == o.value_wildcards
    }
}
impl Eq for Resolved {}

impl Resolved {
    /// Does a variable's value hold `*` or `?`? AWS does not say whether those are wildcards: the caller
    /// compares both readings ([`Resolved::values_as_wildcards`]) and is unsure when they differ.
    pub fn has_value_wildcards(&self) -> bool {
        !self.value_wildcards.is_empty()
    }
    /// The other reading: `*` and `?` from variable values as wildcards.
    pub fn values_as_wildcards(&self) -> Resolved {
        let mut r = self.clone();
        for &i in &self.value_wildcards {
            r.pieces[i].1 = true;
        }
        r.value_wildcards.clear();
        r.compiled = None;
        r
    }
    /// Does the resolved text hold symbolic parts?
    pub fn has_symbols(&self) -> bool {
        self.symbols
    }
    /// Matching tokens for the symbolic matcher; `None` if a symbolic marker is malformed.
    pub(crate) fn sym_tokens(&self, wildcards: bool, ci: bool) -> Option<Vec<Tok>> {
        symbolic::decode(self.pieces.iter().copied(), wildcards, ci)
    }
    /// The resolved text with wildcards kept as written (for equality operators).
    pub fn text(&self) -> String {
        self.pieces.iter().map(|(c, _)| *c).collect()
    }
    /// [`Resolved::text`], borrowed when compiled once.
    pub fn text_ref(&self) -> Cow<'_, str> {
        match &self.compiled {
            Some(c) => Cow::Borrowed(&c.text),
            None => Cow::Owned(self.text()),
        }
    }
    /// `pattern(false)`, borrowed when compiled once.
    pub fn pattern_ref(&self) -> Cow<'_, Pattern> {
        match &self.compiled {
            Some(c) => Cow::Borrowed(&c.pattern),
            None => Cow::Owned(self.pattern(false)),
        }
    }
    /// `split_segments(':', 6)`, borrowed when compiled once.
    pub fn arn_segments(&self) -> Cow<'_, [Pattern]> {
        match &self.compiled {
            Some(c) => Cow::Borrowed(&c.segments[..]),
            None => Cow::Owned(self.split_segments(':', 6)),
        }
    }
    /// Build the forms matching uses once (for a value that does not change per request).
    fn compile(mut self) -> Resolved {
        self.compiled = Some(Box::new(Compiled {
            text: self.text(),
            pattern: self.pattern(false),
            segments: self.split_segments(':', 6),
            colons: self.pieces.iter().filter(|(c, _)| *c == ':').count(),
        }));
        self
    }
    /// Compile into a glob where only raw `*`/`?` are wildcards.
    pub fn pattern(&self, case_insensitive: bool) -> Pattern {
        let tokens = self
            .pieces
            .iter()
            .map(|&(c, raw)| match (c, raw) {
                ('*', true) => Token::Star,
                ('?', true) => Token::One,
                (c, _) => Token::Lit(c),
            })
            .collect();
        Pattern::from_tokens(tokens, case_insensitive)
    }

    /// Segment-wise ARN matching for `Resource` (reference_policies_elements_resource: "you can use
    /// wildcards within any ARN segment (the parts separated by colons)"): each of the six colon
    /// segments matches on its own; a pattern with fewer segments matches only if its last one
    /// ends with a `*` written in the policy, which then also covers the colons that follow.
    /// Every match here is also a whole-string glob match, never the reverse.
    pub fn matches_arn_segments(&self, resource: &str) -> bool {
        self.matches_arn_parts(&ArnParts::new(resource))
    }

    /// For a value compiled once: does it hold as many `:` as the request's ARN? Then its whole-string
    /// glob ([`Resolved::pattern`]) and the segment rule ([`Resolved::matches_arn_parts`]) give the same
    /// answer, and the caller that has the glob's answer need not ask the segment rule.
    ///
    /// Why: in a glob match every `:` of the pattern's literals matches a `:` of the text, one each. When
    /// the counts are equal, no wildcard (`*` or `?`) matches a `:`, so the k-th `:` of the pattern
    /// meets the k-th of the text: the text between two colons is matched by the pattern between the
    /// same two colons, which is the segment rule (its last segment, the rest of the ARN, is a glob
    /// over the same equal counts). Both split at the same colons, so both have the same number of
    /// segments. The reverse (segments match, so the whole matches) always holds. Checked against
    /// [`Resolved::matches_arn_parts`] by a property test below.
    pub(crate) fn colons_align(&self, r: &ArnParts) -> bool {
        self.compiled.as_ref().is_some_and(|c| c.colons == r.colons)
    }

    /// [`Resolved::matches_arn_segments`] with the request's ARN split once (per request, not per entry).
    pub(crate) fn matches_arn_parts(&self, r: &ArnParts) -> bool {
        let p = self.arn_segments();
        let segs = &r.segs[..r.count];
        if p.len() == segs.len() {
            return p.iter().zip(segs).all(|(p, r)| p.matches(r));
        }
        let trailing_star = matches!(self.pieces.last(), Some(('*', true)));
        if p.len() > segs.len() || !trailing_star {
            return false;
        }
        let k = p.len() - 1;
        // The rest of the ARN from segment `k`, colons included.
        let rest = &r.text[r.starts[k]..];
        p[..k].iter().zip(&segs[..k]).all(|(p, r)| p.matches(r)) && p[k].matches(rest)
    }

    /// Split at the first `n - 1` occurrences of `sep` and compile each part (case-sensitive).
    pub fn split_segments(&self, sep: char, n: usize) -> Vec<Pattern> {
        let empty = || Resolved {
            pieces: Vec::new(),
            symbols: false,
            value_wildcards: Vec::new(),
            compiled: None,
        };
        let mut segs: Vec<Resolved> = vec![empty()];
        for &(c, raw) in &self.pieces {
            if c == sep && segs.len() < n {
                segs.push(empty());
            } else if let Some(last) = segs.last_mut() {
                last.pieces.push((c, raw));
            }
        }
        segs.iter().map(|s| s.pattern(false)).collect()
    }
}

/// The byte offsets of the `:` in a text, in order, found eight bytes at a time.
///
/// Written by hand: ARNs are tens of bytes, and the engine splits several per evaluation. A
/// vectorised search (`memchr`) costs more to set up per colon than this costs per eight bytes,
/// and a byte loop costs several instructions a byte. Each eight bytes are read as one word and its
/// colons marked by the exact zero-byte test on the word XOR eight colons (no false marks: the test adds
/// within each byte's low seven bits, which cannot carry into the next byte).
pub(crate) struct Colons<'a> {
    /// The bytes after the current word.
    rest: &'a [u8],
    /// The offset of the current word.
    base: usize,
    /// The current word's colons not yet given, as its bytes' top bits.
    marks: u64,
}

impl<'a> Colons<'a> {
    pub(crate) fn new(text: &'a str) -> Colons<'a> {
        let bytes = text.as_bytes();
        let (first, rest) = bytes.split_at(bytes.len().min(8));
        Colons {
            rest,
            base: 0,
            marks: Colons::marks(first),
        }
    }

    /// The top bit of each byte of `chunk` (at most eight bytes) that is `:`.
    fn marks(chunk: &[u8]) -> u64 {
        const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
        // A whole word is loaded at once; a shorter tail byte by byte (a copy of a slice of
        // unknown length calls `memcpy`). Padding bytes are 0, which `^ ':'` makes non-zero: never
        // marked.
        let word = match <[u8; 8]>::try_from(chunk) {
            Ok(w) => u64::from_le_bytes(w),
            Err(_) => chunk
                .iter()
                .enumerate()
                .fold(0, |w, (i, &b)| w | u64::from(b) << (8 * i)),
        };
        let x = word ^ u64::from_le_bytes([b':'; 8]);
        !(((x & LOW7) + LOW7) | x | LOW7)
    }
}

impl Iterator for Colons<'_> {
    type Item = usize;
    fn next(&mut self) -> Option<usize> {
        while self.marks == 0 {
            if self.rest.is_empty() {
                return None;
            }
            let (chunk, rest) = self.rest.split_at(self.rest.len().min(8));
            self.base += 8;
            self.marks = Colons::marks(chunk);
            self.rest = rest;
        }
        let at = self.base + self.marks.trailing_zeros() as usize / 8;
        self.marks &= self.marks - 1;
        Some(at)
    }
}

/// An ARN split at its first five colons (at most six segments), once per request.
pub(crate) struct ArnParts<'a> {
    text: &'a str,
    segs: [&'a str; 6],
    /// Byte offset of each segment in `text`.
    starts: [usize; 6],
    count: usize,
    /// How many `:` the whole text holds (the last segment may hold more).
    colons: usize,
}

impl<'a> ArnParts<'a> {
    /// The six segments, when the text has at least five colons (as `splitn(6, ':')` gives six).
    pub(crate) fn six(&self) -> Option<[&'a str; 6]> {
        (self.count == 6).then_some(self.segs)
    }

    pub(crate) fn new(text: &'a str) -> ArnParts<'a> {
        let mut parts = ArnParts {
            text,
            segs: [""; 6],
            starts: [0; 6],
            count: 0,
            colons: 0,
        };
        // As `text.splitn(6, ':')`, counting every colon on the way.
        let mut colons = 0;
        for i in Colons::new(text) {
            if colons < 5 {
                parts.segs[colons] = &text[parts.starts[colons]..i];
                parts.starts[colons + 1] = i + 1;
            }
            colons += 1;
        }
        let last = colons.min(5);
        parts.segs[last] = &text[parts.starts[last]..];
        parts.count = last + 1;
        parts.colons = colons;
        parts
    }
}

impl Template {
    /// Parse `s`; when `variables` is false (policy Version 2008-10-17 or absent) the text is taken literally.
    pub fn parse(s: &str, variables: bool) -> Template {
        if !variables || !s.contains("${") {
            return Template::with_fixed(s.to_string(), vec![Part::Raw(s.to_string())], None);
        }
        let mut parts = Vec::new();
        let mut raw = String::new();
        let mut rest = s;
        let mut invalid = None;
        while let Some(pos) = rest.find("${") {
            raw.push_str(&rest[..pos]);
            let after = &rest[pos + 2..];
            let Some(end) = after.find('}') else {
                invalid = Some(format!("unterminated policy variable in `{s}`"));
                break;
            };
            let inner = &after[..end];
            rest = &after[end + 1..];
            let flush = |raw: &mut String, parts: &mut Vec<Part>| {
                if !raw.is_empty() {
                    parts.push(Part::Raw(std::mem::take(raw)));
                }
            };
            match inner {
                "*" | "?" | "$" => {
                    flush(&mut raw, &mut parts);
                    parts.push(Part::Lit(inner.to_string()));
                }
                _ => {
                    let (key, default) = match inner.split_once(',') {
                        None => (inner.trim(), None),
                        Some((k, d)) => {
                            let d = d.trim();
                            if d.len() >= 2 && d.starts_with('\'') && d.ends_with('\'') {
                                (k.trim(), Some(d[1..d.len() - 1].to_string()))
                            } else {
                                invalid = Some(format!(
                                    "policy variable default must be quoted with `'` in `{s}`"
                                ));
                                break;
                            }
                        }
                    };
                    if key.is_empty() || key.contains(['{', '$', ' ']) {
                        invalid = Some(format!("invalid policy variable `${{{inner}}}` in `{s}`"));
                        break;
                    }
                    flush(&mut raw, &mut parts);
                    parts.push(Part::Var {
                        key: key.to_string(),
                        default,
                    });
                }
            }
        }
        if invalid.is_none() {
            raw.push_str(rest);
            if !raw.is_empty() {
                parts.push(Part::Raw(raw));
            }
        }
        Template::with_fixed(s.to_string(), parts, invalid)
    }

    fn with_fixed(source: String, parts: Vec<Part>, invalid: Option<String>) -> Template {
        let symbols = symbolic::has_symbols(&source);
        let wildcard = source.contains(['*', '?']);
        let mut t = Template {
            source,
            parts,
            invalid,
            fixed: None,
            wildcard,
            symbols,
        };
        if !t.has_variables() {
            t.fixed = t.resolve(&Context::new(), "").ok().map(Resolved::compile);
        }
        t
    }

    /// The case-sensitive pattern when the template has no variables (compiled at parse time,
    /// so resource matching does not rebuild it per request).
    pub fn fixed_pattern(&self) -> Option<&Pattern> {
        self.fixed
            .as_ref()
            .and_then(|r| r.compiled.as_ref())
            .map(|c| &c.pattern)
    }

    /// The value compiled at parse time, when the template has no variables.
    pub fn fixed(&self) -> Option<&Resolved> {
        self.fixed.as_ref()
    }

    /// True if the text as written holds `*` or `?`.
    pub fn has_wildcard(&self) -> bool {
        self.wildcard
    }

    /// [`Template::resolve`], borrowing the value compiled at parse time when the template has no
    /// variables (the same value: such a template does not depend on the request).
    pub fn resolve_ref(
        &self,
        ctx: &Context,
        principal: &str,
    ) -> Result<Cow<'_, Resolved>, Unresolved> {
        match &self.fixed {
            Some(r) => Ok(Cow::Borrowed(r)),
            None => self.resolve(ctx, principal).map(Cow::Owned),
        }
    }

    /// The policy text as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// True if the policy text holds symbolic parts (values known only after deploy).
    pub fn has_symbols(&self) -> bool {
        self.symbols
    }

    /// True if the template contains at least one variable (not counting escapes).
    pub fn has_variables(&self) -> bool {
        self.invalid.is_some() || self.parts.iter().any(|p| matches!(p, Part::Var { .. }))
    }

    /// Substitute variables from the request. Variable values are inserted literally (a `*` in a tag value
    /// is not a wildcard); AWS does not document this, so a value holding `*` or `?` is flagged
    /// ([`Resolved::has_value_wildcards`]) and matchers answer "unknown" when the two readings differ.
    pub fn resolve(&self, ctx: &Context, principal: &str) -> Result<Resolved, Unresolved> {
        if let Some(why) = &self.invalid {
            return Err(Unresolved::Unsupported(why.clone()));
        }
        let mut pieces = Vec::new();
        let mut symbols = self.symbols;
        let mut value_wildcards = Vec::new();
        for part in &self.parts {
            match part {
                Part::Raw(s) => pieces.extend(s.chars().map(|c| (c, true))),
                Part::Lit(s) => pieces.extend(s.chars().map(|c| (c, false))),
                Part::Var { key, default } => {
                    let value = match variable_value(ctx, principal, key) {
                        Ok(v) => v,
                        // reference_policies_variables ("Specifying default values"): the default
                        // stands in for a key with no value. A key whose value is merely unknown
                        // has a value, so the default does not apply (Unknown passes through).
                        Err(Unresolved::Missing(_) | Unresolved::Absent(_))
                            if default.is_some() =>
                        {
                            default.clone().unwrap_or_default()
                        }
                        Err(e) => return Err(e),
                    };
                    symbols |= symbolic::has_symbols(&value);
                    for c in value.chars() {
                        if matches!(c, '*' | '?') {
                            value_wildcards.push(pieces.len());
                        }
                        pieces.push((c, false));
                    }
                }
            }
        }
        Ok(Resolved {
            pieces,
            symbols,
            value_wildcards,
            compiled: None,
        })
    }
}

/// Value of one variable: the request context (case-insensitive), or a key derived from the principal ARN
/// (see [`Context::lookup`]).
fn variable_value(ctx: &Context, principal: &str, key: &str) -> Result<String, Unresolved> {
    let v = match ctx.lookup(key, principal) {
        Lookup::Value(v) => v,
        Lookup::Absent => return Err(Unresolved::Absent(key.to_string())),
        Lookup::Missing => return Err(Unresolved::Missing(key.to_string())),
    };
    let Some(values) = v.known_values() else {
        return Err(Unresolved::Unknown(key.to_string()));
    };
    match values.len() {
        0 => Err(Unresolved::Absent(key.to_string())),
        1 => Ok(values[0].clone()),
        _ => Err(Unresolved::Unsupported(format!(
            "policy variable `${{{key}}}` has several values"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::context::{Context, ContextValue};

    fn ctx() -> Context {
        let mut c = Context::default();
        c.insert("aws:PrincipalTag/team", ContextValue::string("blue"));
        c.insert("aws:userid", ContextValue::string("AROAEXAMPLE:sess"));
        c.insert("multi", ContextValue::list(["a", "b"]));
        c.insert("star", ContextValue::string("x*y"));
        c.insert("unk", ContextValue::unknown());
        c.insert("empty", ContextValue::list(Vec::<String>::new()));
        c
    }

    #[test]
    fn table() {
        let p = "arn:aws:iam::111122223333:user/alice";
        // (template, variables enabled, expected text or Err kind)
        let cases: &[(&str, bool, Result<&str, &str>)] = &[
            ("plain", true, Ok("plain")),
            ("t/${aws:PrincipalTag/team}", true, Ok("t/blue")),
            ("t/${AWS:PRINCIPALTAG/TEAM}", true, Ok("t/blue")),
            (
                "t/${aws:PrincipalTag/team}",
                false,
                Ok("t/${aws:PrincipalTag/team}"),
            ),
            ("${aws:userid}", true, Ok("AROAEXAMPLE:sess")),
            ("${aws:username}", true, Ok("alice")),
            ("${aws:PrincipalArn}", true, Ok(p)),
            ("${missing}", true, Err("missing")),
            ("${aws:username}x", true, Ok("alicex")),
            ("${empty}", true, Err("absent")),
            ("${empty, 'd'}", true, Ok("d")),
            ("${unk}", true, Err("unknown")),
            ("${unk, 'd'}", true, Err("unknown")),
            ("${missing, 'dflt'}", true, Ok("dflt")),
            ("${missing,'dflt'}", true, Ok("dflt")),
            ("${aws:PrincipalTag/team, 'dflt'}", true, Ok("blue")),
            ("a${*}b${?}c${$}", true, Ok("a*b?c$")),
            ("${multi}", true, Err("unsupported")),
            ("${unterminated", true, Err("unsupported")),
            ("${k, nope}", true, Err("unsupported")),
            ("${}", true, Err("unsupported")),
        ];
        let c = ctx();
        for (src, vars, want) in cases {
            let got = Template::parse(src, *vars).resolve(&c, p);
            match (got, want) {
                (Ok(r), Ok(w)) => assert_eq!(r.text(), *w, "{src}"),
                (Err(Unresolved::Missing(_)), Err("missing")) => {}
                (Err(Unresolved::Absent(_)), Err("absent")) => {}
                (Err(Unresolved::Unknown(_)), Err("unknown")) => {}
                (Err(Unresolved::Unsupported(_)), Err("unsupported")) => {}
                (got, want) => panic!("{src}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn username_is_absent_for_roles() {
        let c = ctx();
        let r = Template::parse("${aws:username}", true)
            .resolve(&c, "arn:aws:sts::111122223333:assumed-role/R/s");
        assert_eq!(r, Err(Unresolved::Absent("aws:username".into())));
    }

    #[test]
    fn symbols_flow_through_variables() {
        let sym = crate::engine::symbolic::Symbolic::new()
            .sym("Team", crate::engine::symbolic::Shape::Name)
            .build()
            .unwrap();
        let c = Context::new().with("aws:PrincipalTag/team", ContextValue::string(sym));
        let r = Template::parse("t/${aws:PrincipalTag/team}", true)
            .resolve(&c, "")
            .unwrap();
        assert!(r.has_symbols());
        assert!(
            !Template::parse("t/x", true)
                .resolve(&c, "")
                .unwrap()
                .has_symbols()
        );
    }

    #[test]
    fn escapes_and_values_are_literal_in_patterns() {
        let c = ctx();
        let r = Template::parse("a${*}", true).resolve(&c, "").unwrap();
        assert!(r.pattern(false).matches("a*"));
        assert!(!r.pattern(false).matches("ab"));
        let r = Template::parse("${star}*", true).resolve(&c, "").unwrap();
        assert!(r.pattern(false).matches("x*yzz"));
        assert!(!r.pattern(false).matches("xAyzz"));
    }

    proptest::proptest! {
        /// Where a compiled value and an ARN hold as many `:`, the whole-string glob answers as the
        /// segment rule does ([`Resolved::colons_align`]), over patterns with `*`, `?`, escapes
        /// (`${*}`: a literal star) and colons.
        #[test]
        fn aligned_colons_make_the_glob_the_segment_rule(
            p in "([a:b*?]|\\$\\{\\*\\}){0,10}",
            t in "[a:b*]{0,12}",
        ) {
            let r = Template::parse(&p, true).fixed().cloned().expect("no variables");
            let parts = ArnParts::new(&t);
            if r.colons_align(&parts) {
                proptest::prop_assert_eq!(
                    r.pattern(false).matches(&t),
                    r.matches_arn_parts(&parts),
                    "pattern {:?} text {:?}", p, t
                );
            }
        }

        /// The word-at-a-time search finds every colon, and nothing else, across word boundaries
        /// and bytes that are not ASCII (`é` is C3 A9, `ú` C3 BA: bytes whose low seven bits are
        /// 0x29 and 0x3A, one away from and equal to a colon's, which only the top bit tells apart).
        #[test]
        fn colons_are_found_where_they_are(t in "[a:;9\u{e9}\u{fa}]{0,40}") {
            let want: Vec<usize> = t.match_indices(':').map(|(i, _)| i).collect();
            proptest::prop_assert_eq!(Colons::new(&t).collect::<Vec<_>>(), want);
        }

        /// The byte search splits as `splitn(6, ':')`, with each segment's offset.
        #[test]
        fn arn_parts_split_as_splitn(t in "[a:b]{0,14}") {
            let parts = ArnParts::new(&t);
            proptest::prop_assert_eq!(parts.colons, t.matches(':').count());
            let want: Vec<&str> = t.splitn(6, ':').collect();
            proptest::prop_assert_eq!(&parts.segs[..parts.count], &want[..]);
            for (seg, start) in parts.segs[..parts.count].iter().zip(parts.starts) {
                proptest::prop_assert_eq!(&t[start..start + seg.len()], *seg);
            }
        }
    }
}
