//! Values known only after deploy (a KMS key id, a generated table or role name): symbolic parts inside
//! request strings (resource ARNs, principal ARNs, context values) and policy text (`Resource`, condition
//! values), and three-valued matching against them. Owns the in-band encoding, its builder and the
//! matching; must not know about statements or decisions.
//!
//! # Representation
//! A symbolic part travels *inside* an ordinary `String`, between two private-use characters:
//! `U+E000` + one shape tag character + the symbol's name + `U+E001`. Strings stay strings, so a resource
//! ARN with a symbolic key id flows through every layer (plans, checks, reports) unchanged, and only the
//! matchers here look inside. Build such strings with [`Symbolic`]; render them with [`display`].
//!
//! Why these characters cannot be forged by ordinary input: IAM accepts only `\t`, `\n`, `\r` and
//! `U+0020`–`U+00FF` in a policy document (IAM API reference, `PolicyDocument` pattern
//! `[\u0009\u000A\u000D\u0020-\u00FF]+`), so no real policy contains them, and the policy parser rejects
//! them unless the caller builds symbolic policies on purpose
//! ([`PolicyDocument::parse_symbolic`](super::PolicyDocument::parse_symbolic)).
//!
//! # Matching
//! Two symbols are the same value when they have the same name and shape. A comparison is answered
//! `True` only when it holds for *every* value the symbols may take, `False` only when it holds for
//! *none*, and `Unknown` otherwise. Both answers are conservative approximations:
//! - "for every value": the glob matcher runs with each symbol as one opaque token that only a `*` in the
//!   pattern, or the same symbol in the pattern, may consume (whatever the value is, that `*` or that
//!   symbol consumes it just as well);
//! - "for some value": each symbol becomes "any run of the characters its [`Shape`] allows" on both sides
//!   (occurrences independent), and we ask whether the two languages intersect.
//!
//! So `key/*` matches `key/⟨K⟩` (True), `key/1234abcd` against `key/⟨K⟩` is Unknown, `key/mrk-*` against a
//! [`Shape::KeyId`] is Unknown but `table/orders!` against a [`Shape::Name`] is False.

use super::condition::Tri;
use serde::{Deserialize, Serialize};

/// Opens a symbolic part (private use: never in an IAM policy).
pub const OPEN: char = '\u{E000}';
/// Closes a symbolic part.
pub const CLOSE: char = '\u{E001}';

/// The characters a symbolic value may contain: the only thing the matcher knows about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    /// Any text, `:` and `/` included (for example a whole ARN known only after deploy).
    Any,
    /// A resource name: ASCII letters, digits, `_`, `.`, `-` (DynamoDB table and index names,
    /// CloudFormation-generated names, role names without a path).
    Name,
    /// A KMS key id: lowercase hex digits and `-`, plus `m`, `r`, `k` for multi-Region keys (`mrk-...`).
    KeyId,
    /// Decimal digits only (an account id).
    Digits,
}

impl Shape {
    /// Can a value of this shape contain `c`?
    pub fn allows(self, c: char) -> bool {
        match self {
            Shape::Any => true,
            Shape::Name => c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'),
            Shape::KeyId => c.is_ascii_digit() || matches!(c, 'a'..='f' | '-' | 'm' | 'r' | 'k'),
            Shape::Digits => c.is_ascii_digit(),
        }
    }
    fn tag(self) -> char {
        match self {
            Shape::Any => 'a',
            Shape::Name => 'n',
            Shape::KeyId => 'k',
            Shape::Digits => 'd',
        }
    }
    fn from_tag(c: char) -> Option<Shape> {
        Some(match c {
            'a' => Shape::Any,
            'n' => Shape::Name,
            'k' => Shape::KeyId,
            'd' => Shape::Digits,
            _ => return None,
        })
    }
}

/// Why a symbolic string could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SymbolError {
    #[error(
        "symbol name `{0}` must be non-empty and must not contain `:`, `/`, `*`, `?` or the private-use characters U+E000/U+E001"
    )]
    BadName(String),
    #[error(
        "text `{0}` contains a private-use character (U+E000 or U+E001) reserved for values known only after deploy"
    )]
    ReservedCharacter(String),
}

/// Builds a string with symbolic parts, e.g. a key ARN whose key id exists only after deploy:
/// ```
/// use pydynox_iam::engine::symbolic::{Shape, Symbolic, display};
/// let arn = Symbolic::new()
///     .lit("arn:aws:kms:eu-west-1:111122223333:key/")
///     .sym("OrdersKey.KeyId", Shape::KeyId)
///     .build()?;
/// assert_eq!(display(&arn), "arn:aws:kms:eu-west-1:111122223333:key/<OrdersKey.KeyId>");
/// # Ok::<(), pydynox_iam::engine::symbolic::SymbolError>(())
/// ```
/// Names must not contain `:` or `/` (so ARN splitting on the raw string stays right); a template
/// reader can map such characters to `.`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Symbolic {
    text: String,
    error: Option<SymbolError>,
}

impl Symbolic {
    pub fn new() -> Symbolic {
        Symbolic::default()
    }
    /// Literal text (known now).
    pub fn lit(mut self, s: &str) -> Symbolic {
        if s.contains([OPEN, CLOSE]) {
            self.error
                .get_or_insert(SymbolError::ReservedCharacter(s.to_string()));
        } else {
            self.text.push_str(s);
        }
        self
    }
    /// A value known only after deploy, named (e.g. `OrdersKey.KeyId`), with the characters it may hold.
    pub fn sym(mut self, name: &str, shape: Shape) -> Symbolic {
        if name.is_empty() || name.contains([OPEN, CLOSE, ':', '/', '*', '?']) {
            self.error
                .get_or_insert(SymbolError::BadName(name.to_string()));
        } else {
            self.text.push(OPEN);
            self.text.push(shape.tag());
            self.text.push_str(name);
            self.text.push(CLOSE);
        }
        self
    }
    /// The encoded string, or the first problem met while building it.
    pub fn build(self) -> Result<String, SymbolError> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(self.text),
        }
    }
}

/// Does `s` carry symbolic parts (or a stray marker, which is malformed and so never matches for sure)?
pub fn has_symbols(s: &str) -> bool {
    // U+E000 and U+E001 are EE 80 80 and EE 80 81 in UTF-8: ASCII text (nearly every ARN, key and
    // value; checked a word at a time) has none, then the lead byte is looked for before the
    // characters. This runs several times an evaluation, on every request value a condition reads.
    !s.is_ascii() && s.as_bytes().contains(&0xEE) && s.contains([OPEN, CLOSE])
}

/// Human form: each symbolic part as `<name>`.
pub fn display(s: &str) -> String {
    if !has_symbols(s) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            OPEN => {
                let _tag = chars.next();
                out.push('<');
                for n in chars.by_ref() {
                    if n == CLOSE {
                        break;
                    }
                    out.push(n);
                }
                out.push('>');
            }
            CLOSE => out.push('>'),
            c => out.push(c),
        }
    }
    out
}

/// The names of the symbolic parts of `s`, in order.
pub fn symbol_names(s: &str) -> Vec<String> {
    match text_tokens(s, false) {
        Some(t) => names(&t),
        None => vec![display(s)],
    }
}

/// One matching token. Text (the request side) only has `Ch` and `Sym`; patterns also have wildcards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tok {
    Ch(char),
    Star,
    One,
    Sym { name: String, shape: Shape },
}

/// Decode `(char, wildcard-capable)` pieces. `wildcards` false reads `*`/`?` as literal characters;
/// `ci` folds literal characters to lower case. `None` when a marker is malformed.
pub(crate) fn decode(
    mut it: impl Iterator<Item = (char, bool)>,
    wildcards: bool,
    ci: bool,
) -> Option<Vec<Tok>> {
    let mut out = Vec::new();
    while let Some((c, raw)) = it.next() {
        match c {
            OPEN => {
                let shape = Shape::from_tag(it.next()?.0)?;
                let mut name = String::new();
                loop {
                    let (n, _) = it.next()?;
                    match n {
                        CLOSE => break,
                        OPEN => return None,
                        n => name.push(n),
                    }
                }
                if name.is_empty() {
                    return None;
                }
                out.push(Tok::Sym { name, shape });
            }
            CLOSE => return None,
            '*' if raw && wildcards => out.push(Tok::Star),
            '?' if raw && wildcards => out.push(Tok::One),
            c if ci => out.extend(c.to_lowercase().map(Tok::Ch)),
            c => out.push(Tok::Ch(c)),
        }
    }
    Some(out)
}

/// A request-side string as tokens (no wildcards).
pub(crate) fn text_tokens(s: &str, ci: bool) -> Option<Vec<Tok>> {
    decode(s.chars().map(|c| (c, false)), false, ci)
}

/// Does a request resource name many resources? `*` alone is the resource of actions without a resource
/// type and stays literal; any other `*` or `?` in a request resource (`table/T/index/*` for "every
/// index") stands for the resources it covers.
pub fn names_many(resource: &str) -> bool {
    // `*` and `?` are ASCII, so a byte search finds exactly them (`str::contains` with a char set
    // walks chars, and this runs on every evaluation).
    resource != "*" && memchr::memchr2(b'*', b'?', resource.as_bytes()).is_some()
}

/// The name the matcher gives to a `*` or `?` of a request resource (see [`names_many`]); symbol names
/// cannot hold these characters, so they never collide with a value known after deploy.
pub(crate) fn is_request_wildcard(name: &str) -> bool {
    name == "*" || name == "?"
}

/// A request resource as tokens, each `*`/`?` read as "any text" (a symbol of [`Shape::Any`]): a pattern
/// then matches for sure only if it matches every resource the request covers.
pub(crate) fn request_tokens(s: &str) -> Option<Vec<Tok>> {
    let mut out = decode(s.chars().map(|c| (c, true)), true, false)?;
    for t in &mut out {
        let name = match t {
            Tok::Star => "*",
            Tok::One => "?",
            _ => continue,
        };
        *t = Tok::Sym {
            name: name.to_string(),
            shape: Shape::Any,
        };
    }
    Some(out)
}

/// The distinct symbol names in `toks`.
pub(crate) fn names(toks: &[Tok]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in toks {
        if let Tok::Sym { name, .. } = t
            && !out.contains(name)
        {
            out.push(name.clone());
        }
    }
    out
}

/// Does every value of the symbols match? The one wildcard walk (`matcher::glob`), where a symbol in the
/// text is one opaque token: consumed by a `*` (which would consume any value just as well) or by the
/// same symbol in the pattern, never by `?` or a literal. Sound, not complete.
fn certain(p: &[Tok], t: &[Tok]) -> bool {
    super::matcher::glob(
        p,
        t,
        |x| *x == Tok::Star,
        |p, t| match (p, t) {
            (Tok::Ch(a), Tok::Ch(b)) => a == b,
            (Tok::One, Tok::Ch(_)) => true,
            (Tok::Sym { .. }, Tok::Sym { .. }) => p == t,
            _ => false,
        },
    )
}

/// The characters one position of a token may take, and whether the token repeats (`*`, symbols).
#[derive(Clone, Copy)]
enum Class {
    Exactly(char),
    AnyChar,
    Of(Shape),
}

fn class(t: &Tok) -> (Class, bool) {
    match t {
        Tok::Ch(c) => (Class::Exactly(*c), false),
        Tok::One => (Class::AnyChar, false),
        Tok::Star => (Class::AnyChar, true),
        Tok::Sym { shape, .. } => (Class::Of(*shape), true),
    }
}

fn intersects(a: Class, b: Class) -> bool {
    match (a, b) {
        (Class::Exactly(x), Class::Exactly(y)) => x == y,
        (Class::Exactly(c), Class::Of(s)) | (Class::Of(s), Class::Exactly(c)) => s.allows(c),
        // Every shape holds the digits, so two classes always share a character.
        _ => true,
    }
}

/// Could some value of the symbols match? Emptiness of the intersection of the two languages, each symbol
/// read as "any run of its shape's characters" (an over-approximation: occurrences of one symbol are not
/// tied together). Breadth-first over (pattern position, text position): O(len(p) · len(t)).
fn possible(p: &[Tok], t: &[Tok]) -> bool {
    let (n, m) = (p.len(), t.len());
    let idx = |i: usize, j: usize| i * (m + 1) + j;
    let mut seen = vec![false; (n + 1) * (m + 1)];
    let mut stack = vec![(0usize, 0usize)];
    seen[0] = true;
    while let Some((i, j)) = stack.pop() {
        if (i, j) == (n, m) {
            return true;
        }
        let mut next: [Option<(usize, usize)>; 3] = [None; 3];
        let pc = p.get(i).map(class);
        let tc = t.get(j).map(class);
        if let Some((_, true)) = pc {
            next[0] = Some((i + 1, j));
        }
        if let Some((_, true)) = tc {
            next[1] = Some((i, j + 1));
        }
        if let (Some((a, ploop)), Some((b, tloop))) = (pc, tc)
            && intersects(a, b)
        {
            let step = (if ploop { i } else { i + 1 }, if tloop { j } else { j + 1 });
            if step != (i, j) {
                next[2] = Some(step);
            }
        }
        for (a, b) in next.into_iter().flatten() {
            if !seen[idx(a, b)] {
                seen[idx(a, b)] = true;
                stack.push((a, b));
            }
        }
    }
    false
}

/// Three-valued glob match of pattern tokens against text tokens (see the module notes).
pub(crate) fn glob_tri(p: &[Tok], t: &[Tok]) -> Tri {
    if certain(p, t) {
        Tri::True
    } else if possible(p, t) {
        Tri::Unknown
    } else {
        Tri::False
    }
}

/// Three-valued equality of two request-side strings (principal names, accounts): the same symbols in the
/// same places are equal; literal differences no symbol can bridge are not.
pub fn eq_tri(a: &str, b: &str) -> Tri {
    if !has_symbols(a) && !has_symbols(b) {
        return Tri::from_bool(a == b);
    }
    match (text_tokens(a, false), text_tokens(b, false)) {
        (Some(x), Some(y)) => glob_tri(&x, &y),
        _ => Tri::Unknown,
    }
}

/// Index ranges of the first `n - 1` `:`-separated segments and the rest.
fn segments(t: &[Tok], n: usize) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, tok) in t.iter().enumerate() {
        if *tok == Tok::Ch(':') && out.len() + 1 < n {
            out.push(start..i);
            start = i + 1;
        }
    }
    out.push(start..t.len());
    out
}

/// A symbol that may hold `:` before the fifth `:` makes the segment boundaries uncertain (after it, in
/// the resource part, colons do not split segments).
fn colon_capable(t: &[Tok]) -> bool {
    let mut colons = 0;
    for x in t {
        match x {
            Tok::Ch(':') => {
                colons += 1;
                if colons == 5 {
                    return false;
                }
            }
            Tok::Sym { shape, .. } if shape.allows(':') => return true,
            _ => {}
        }
    }
    false
}

/// Segment-wise `Resource` matching (see `Resolved::matches_arn_segments`), three-valued.
pub(crate) fn arn_segments_tri(p: &[Tok], t: &[Tok]) -> Tri {
    if colon_capable(p) || colon_capable(t) {
        return if possible(p, t) {
            Tri::Unknown
        } else {
            Tri::False
        };
    }
    let ps = segments(p, 6);
    let ts = segments(t, 6);
    if ps.len() == ts.len() {
        return Tri::all(
            ps.iter()
                .zip(&ts)
                .map(|(a, b)| glob_tri(&p[a.clone()], &t[b.clone()])),
        );
    }
    if ps.len() > ts.len() {
        return Tri::False;
    }
    if p.last() != Some(&Tok::Star) {
        // `...*⟨S⟩` ends in a `*` when the symbol's value is empty: then the rule applies, else not.
        let star_before_symbols = p
            .iter()
            .rev()
            .find(|t| !matches!(t, Tok::Sym { .. }))
            .is_some_and(|t| *t == Tok::Star);
        let ends_in_symbol = matches!(p.last(), Some(Tok::Sym { .. }));
        return if ends_in_symbol && star_before_symbols && possible(p, t) {
            Tri::Unknown
        } else {
            Tri::False
        };
    }
    let k = ps.len() - 1;
    let head = Tri::all(
        ps[..k]
            .iter()
            .zip(&ts[..k])
            .map(|(a, b)| glob_tri(&p[a.clone()], &t[b.clone()])),
    );
    head.and(glob_tri(&p[ps[k].clone()], &t[ts[k].start..]))
}

/// `ArnLike`/`ArnEquals` (see `condition::arn_like`), three-valued.
pub(crate) fn arn_like_tri(p: &[Tok], t: &[Tok]) -> Tri {
    if colon_capable(p) || colon_capable(t) {
        return if possible(p, t) {
            Tri::Unknown
        } else {
            Tri::False
        };
    }
    let ps = segments(p, 6);
    let ts = segments(t, 6);
    if ps.len() != 6 {
        return Tri::from_bool(p == [Tok::Star]);
    }
    if ts.len() != 6 {
        return Tri::False;
    }
    Tri::all(
        ps.iter()
            .zip(&ts)
            .map(|(a, b)| glob_tri(&p[a.clone()], &t[b.clone()])),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use Tri::{False as F, True as T, Unknown as U};

    fn key(name: &str) -> String {
        Symbolic::new().sym(name, Shape::KeyId).build().unwrap()
    }
    fn pat(s: &str) -> Vec<Tok> {
        decode(s.chars().map(|c| (c, true)), true, false).unwrap()
    }
    fn txt(s: &str) -> Vec<Tok> {
        text_tokens(s, false).unwrap()
    }

    #[test]
    fn builder_and_display() {
        let s = Symbolic::new()
            .lit("arn:aws:dynamodb:us-east-1:111122223333:table/")
            .sym("Orders.Name", Shape::Name)
            .build()
            .unwrap();
        assert!(has_symbols(&s));
        assert_eq!(
            display(&s),
            "arn:aws:dynamodb:us-east-1:111122223333:table/<Orders.Name>"
        );
        assert_eq!(symbol_names(&s), vec!["Orders.Name".to_string()]);
        assert!(Symbolic::new().sym("a:b", Shape::Any).build().is_err());
        assert!(Symbolic::new().sym("", Shape::Any).build().is_err());
        assert!(Symbolic::new().lit("x\u{E000}").build().is_err());
        assert!(!has_symbols("arn:aws:s3:::b"));
        assert_eq!(display("plain"), "plain");
    }

    #[test]
    fn malformed_markers_do_not_decode() {
        for bad in [
            "\u{E000}",
            "\u{E000}n",
            "\u{E000}nx",
            "\u{E001}",
            "\u{E000}z x\u{E001}",
            "\u{E000}n\u{E001}",
        ] {
            assert!(text_tokens(bad, false).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn glob_table() {
        let k = key("K");
        let k2 = key("K2");
        let n = Symbolic::new().sym("N", Shape::Name).build().unwrap();
        let any = Symbolic::new().sym("A", Shape::Any).build().unwrap();
        // (pattern, text, expected)
        let cases: Vec<(String, String, Tri)> = vec![
            ("key/*".into(), format!("key/{k}"), T),
            ("key/1234abcd".into(), format!("key/{k}"), U),
            ("key/zzz".into(), format!("key/{k}"), F), // `z` is not a key id character
            ("key/mrk-*".into(), format!("key/{k}"), U),
            (format!("key/{k}"), format!("key/{k}"), T),
            (format!("key/{k}"), format!("key/{k2}"), U),
            (format!("key/{k}"), "key/1234".into(), U),
            (format!("key/{k}"), "key/xyz".into(), F),
            ("table/orders-*".into(), format!("table/{n}"), U),
            ("table/orders!".into(), format!("table/{n}"), F),
            ("table/?".into(), format!("table/{n}"), U),
            ("*".into(), any.clone(), T),
            ("a*".into(), any.clone(), U),
            ("other/*".into(), format!("key/{k}"), F),
            (format!("*{n}*"), format!("x{n}y"), T),
        ];
        for (p, t, want) in cases {
            assert_eq!(
                glob_tri(&pat(&p), &txt(&t)),
                want,
                "{} vs {}",
                display(&p),
                display(&t)
            );
        }
    }

    #[test]
    fn arn_segments() {
        let k = key("K");
        let acct = Symbolic::new().sym("Acct", Shape::Digits).build().unwrap();
        let any = Symbolic::new().sym("Arn", Shape::Any).build().unwrap();
        let r = format!("arn:aws:kms:us-east-1:111122223333:key/{k}");
        let cases: Vec<(String, String, Tri)> = vec![
            ("arn:aws:kms:*:111122223333:key/*".into(), r.clone(), T),
            ("arn:aws:kms:*:*:key/1234".into(), r.clone(), U),
            ("arn:aws:kms:*:444455556666:key/*".into(), r.clone(), F),
            ("arn:aws:kms:*".into(), r.clone(), T),
            ("arn:aws:dynamodb:*".into(), r.clone(), F),
            (
                "arn:aws:kms:*:111122223333:key/*".into(),
                format!("arn:aws:kms:us-east-1:{acct}:key/x"),
                U,
            ),
            ("arn:aws:kms:*:*:key/*".into(), any.clone(), U),
            ("arn:aws:s3:::b".into(), format!("arn:aws:kms:{any}"), F),
            // Found by the property below: `*⟨D⟩` ends in `*` when the symbol is empty, so it may
            // cover the two segments of `:`.
            (format!("*{acct}"), ":".into(), U),
        ];
        for (p, t, want) in cases {
            assert_eq!(
                arn_segments_tri(&pat(&p), &txt(&t)),
                want,
                "{} vs {}",
                display(&p),
                display(&t)
            );
        }
    }

    #[test]
    fn request_wildcards_stand_for_every_resource_they_cover() {
        let all = request_tokens("arn:aws:dynamodb:us-east-1:1:table/T/index/*").unwrap();
        let cases = [
            ("arn:aws:dynamodb:us-east-1:1:table/T/index/*", T),
            ("arn:aws:dynamodb:*:*:table/T*", T),
            ("arn:aws:dynamodb:us-east-1:1:table/T/index/secret", U),
            ("arn:aws:dynamodb:us-east-1:1:table/T/index/?", U),
            ("arn:aws:dynamodb:us-east-1:1:table/Other/index/*", F),
        ];
        for (p, want) in cases {
            assert_eq!(arn_segments_tri(&pat(p), &all), want, "{p}");
        }
        assert!(names_many("arn:aws:s3:::b/p*"));
        assert!(!names_many("*"));
        assert!(!names_many("arn:aws:s3:::b/p"));
        assert!(Symbolic::new().sym("a*", Shape::Any).build().is_err());
    }

    #[test]
    fn eq() {
        let n = Symbolic::new().sym("R", Shape::Name).build().unwrap();
        assert_eq!(eq_tri("a", "a"), T);
        assert_eq!(eq_tri("a", "b"), F);
        assert_eq!(eq_tri(&n, &n), T);
        assert_eq!(eq_tri(&n, "orders"), U);
        assert_eq!(eq_tri(&n, "a/b"), F);
        assert_eq!(eq_tri("\u{E000}", "x"), U);
    }

    mod props {
        use super::super::*;
        use crate::engine::matcher::Pattern;
        use proptest::prelude::*;

        /// A pattern or text over a small alphabet where `S` stands for the symbol.
        fn with_symbol(
            s: &str,
            shape: Shape,
            value: Option<&str>,
            wildcards: bool,
        ) -> (Vec<Tok>, String) {
            let encoded = Symbolic::new().sym("S", shape).build().unwrap();
            let mut sym_text = String::new();
            let mut concrete = String::new();
            for c in s.chars() {
                if c == 'S' {
                    sym_text.push_str(&encoded);
                    concrete.push_str(value.unwrap_or(""));
                } else {
                    sym_text.push(c);
                    concrete.push(c);
                }
            }
            let toks = decode(sym_text.chars().map(|c| (c, true)), wildcards, false).unwrap();
            (toks, concrete)
        }

        fn shape() -> impl Strategy<Value = Shape> {
            prop::sample::select(vec![Shape::Name, Shape::Any, Shape::Digits, Shape::KeyId])
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

            /// Substituting any value of the symbol's shape never turns an answered True/False into its
            /// opposite, for whole-string globs and for segment-wise ARN matching.
            #[test]
            fn substitution_never_contradicts(
                sh in shape(),
                pattern in "[ab0:/S*?-]{0,8}",
                text in "[ab0:/S-]{0,8}",
                values in prop::collection::vec("[ab0:/.-]{0,4}", 8),
            ) {
                let (p, _) = with_symbol(&pattern, sh, None, true);
                let (t, _) = with_symbol(&text, sh, None, false);
                let glob = glob_tri(&p, &t);
                let arn = arn_segments_tri(&p, &t);
                for v in values.iter().filter(|v| v.chars().all(|c| sh.allows(c))) {
                    let (_, pc) = with_symbol(&pattern, sh, Some(v), true);
                    let (_, tc) = with_symbol(&text, sh, Some(v), false);
                    let concrete = Pattern::new(&pc, false).matches(&tc);
                    match glob {
                        Tri::True => prop_assert!(concrete, "glob True but {pc:?} !~ {tc:?}"),
                        Tri::False => prop_assert!(!concrete, "glob False but {pc:?} ~ {tc:?}"),
                        Tri::Unknown => {}
                    }
                    // The concrete segment-wise answer, as `Resolved::matches_arn_segments` gives it.
                    let resolved = crate::engine::variables::Template::parse(&pc, false)
                        .resolve(&crate::engine::Context::new(), "")
                        .unwrap();
                    let concrete_arn = resolved.matches_arn_segments(&tc);
                    match arn {
                        Tri::True => prop_assert!(concrete_arn, "arn True but {pc:?} !~ {tc:?}"),
                        Tri::False => prop_assert!(!concrete_arn, "arn False but {pc:?} ~ {tc:?}"),
                        Tri::Unknown => {}
                    }
                }
            }
        }
    }
}
