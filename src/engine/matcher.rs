//! Wildcard patterns (`*`, `?`) parsed once and matched in O(n·m) without exponential backtracking.
//! Owns glob matching only; it must not know about ARNs, actions or policy variables.
//!
//! There is one wildcard walk, [`glob`], generic over the pattern's and the text's element types and
//! over what "one pattern element matches one text element" means. A [`Pattern`] uses it over bytes for
//! ASCII text (nearly every request: ARNs, actions) and over characters otherwise; the symbolic matcher
//! (`symbolic::certain`) uses it over its tokens, where a symbol is one opaque element.

/// One element of a compiled wildcard pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Token {
    /// A literal character (after case folding if the pattern is case-insensitive).
    Lit(char),
    /// `?`: exactly one character.
    One,
    /// `*`: any run of characters, including `/` and `:`.
    Star,
}

/// Does the whole of `t` match the glob `p`? `is_star` picks the elements of `p` that match any run of
/// text elements (possibly empty); every other pattern element matches exactly one text element, when
/// `one(p, t)` says so.
///
/// The pattern is `P0 * P1 * ... * Pk`, each `Pi` of fixed length: the text matches iff `P0` matches its
/// start, `Pk` its end (without overlapping `P0`), and `P1 .. Pk-1` occur in order in between. Taking each
/// middle piece at its leftmost place is never worse than a later one (whatever follows fits in more
/// text), so there is no backtracking beyond the current piece: worst case O(len(t) · len(p)), never
/// exponential.
pub(crate) fn glob<P, T>(
    p: &[P],
    t: &[T],
    is_star: impl Fn(&P) -> bool,
    one: impl Fn(&P, &T) -> bool,
) -> bool {
    glob_at(p, t, star_span(p, &is_star), is_star, one)
}

/// The positions of the first and last `*` in `p`, or `None` without one: what [`glob`] looks for first,
/// found once when a pattern is compiled.
fn star_span<P>(p: &[P], is_star: impl Fn(&P) -> bool) -> Option<(usize, usize)> {
    let first = p.iter().position(&is_star)?;
    Some((first, p.iter().rposition(&is_star).unwrap_or(first)))
}

/// [`glob`] with the star positions already known.
fn glob_at<P, T>(
    p: &[P],
    t: &[T],
    stars: Option<(usize, usize)>,
    is_star: impl Fn(&P) -> bool,
    one: impl Fn(&P, &T) -> bool,
) -> bool {
    let fits = |piece: &[P], text: &[T]| piece.iter().zip(text).all(|(a, b)| one(a, b));
    let Some((first_star, last_star)) = stars else {
        return p.len() == t.len() && fits(p, t);
    };
    let (head, tail) = (&p[..first_star], &p[last_star + 1..]);
    if head.len() + tail.len() > t.len()
        || !fits(head, &t[..head.len()])
        || !fits(tail, &t[t.len() - tail.len()..])
    {
        return false;
    }
    if first_star == last_star {
        return true;
    }
    let (mut pos, end) = (head.len(), t.len() - tail.len());
    for piece in p[first_star + 1..last_star].split(&is_star) {
        if piece.is_empty() {
            continue;
        }
        // The leftmost place of `piece` in `t[pos..end]`.
        let Some(at) = (pos..end)
            .take_while(|&i| i + piece.len() <= end)
            .find(|&i| fits(piece, &t[i..i + piece.len()]))
        else {
            return false;
        };
        pos = at + piece.len();
    }
    true
}

/// A compiled glob. `*` matches any sequence (possibly empty), `?` exactly one character; everything else
/// is literal. There is no escape syntax here: literal `*`/`?` come from policy-variable escapes (`${*}`)
/// and are passed in as literal tokens by the crate-internal `Pattern::from_tokens`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    tokens: Vec<Token>,
    case_insensitive: bool,
    /// The first and last `*` in `tokens`.
    stars: Option<(usize, usize)>,
    /// The same tokens as bytes when every literal is ASCII (`STAR`, `ONE` for the wildcards), so that
    /// matching ASCII text (ARNs, actions: nearly every request) walks bytes and allocates nothing.
    ascii: Option<Box<[u8]>>,
    /// `ascii` holds no `?`: its literal pieces are then compared as whole slices ([`pieces_match`]).
    no_one: bool,
}

/// Byte codes of `*` and `?` in [`Pattern::ascii`]; no ASCII character has these values.
const STAR: u8 = 0x80;
const ONE: u8 = 0x81;

/// A character, lower-cased when matching is case-insensitive (one char may lower to several).
/// An iterator rather than a `Vec`, so folding allocates nothing per character.
enum Fold {
    Same(std::iter::Once<char>),
    Lower(std::char::ToLowercase),
}

impl Iterator for Fold {
    type Item = char;
    fn next(&mut self) -> Option<char> {
        match self {
            Fold::Same(it) => it.next(),
            Fold::Lower(it) => it.next(),
        }
    }
}

fn fold(c: char, ci: bool) -> Fold {
    if ci {
        Fold::Lower(c.to_lowercase())
    } else {
        Fold::Same(std::iter::once(c))
    }
}

impl Pattern {
    /// Compile `pattern`, interpreting `*` and `?` as wildcards.
    pub fn new(pattern: &str, case_insensitive: bool) -> Pattern {
        let tokens = pattern
            .chars()
            .map(|c| match c {
                '*' => Token::Star,
                '?' => Token::One,
                c => Token::Lit(c),
            })
            .collect();
        Pattern::from_tokens(tokens, case_insensitive)
    }

    /// A pattern that matches exactly `text` (no wildcards).
    pub fn literal(text: &str, case_insensitive: bool) -> Pattern {
        Pattern::from_tokens(text.chars().map(Token::Lit).collect(), case_insensitive)
    }

    pub(crate) fn from_tokens(tokens: Vec<Token>, case_insensitive: bool) -> Pattern {
        let mut out: Vec<Token> = Vec::with_capacity(tokens.len());
        for t in tokens {
            match t {
                // Consecutive stars are equivalent to one.
                Token::Star if out.last() == Some(&Token::Star) => {}
                Token::Lit(c) => out.extend(fold(c, case_insensitive).map(Token::Lit)),
                t => out.push(t),
            }
        }
        let ascii = out
            .iter()
            .map(|t| match t {
                Token::Star => Some(STAR),
                Token::One => Some(ONE),
                Token::Lit(c) if c.is_ascii() => Some(*c as u8),
                Token::Lit(_) => None,
            })
            .collect::<Option<Box<[u8]>>>();
        Pattern {
            stars: star_span(&out, |t| *t == Token::Star),
            no_one: !out.contains(&Token::One),
            tokens: out,
            case_insensitive,
            ascii,
        }
    }

    /// True when the pattern is a single `*` (matches everything).
    pub fn is_match_all(&self) -> bool {
        self.tokens == [Token::Star]
    }

    /// Does the whole of `text` match the pattern? ([`glob`]: never exponential.)
    pub fn matches(&self, text: &str) -> bool {
        if self.is_match_all() {
            return true;
        }
        // A case-sensitive ASCII pattern without `?` (nearly every `Resource` entry and ARN
        // segment) is matched on the text's bytes whatever the text holds: its literal pieces are
        // ASCII, an ASCII byte is never part of a longer character, so a `*` between them always
        // spans whole characters, and the byte walk answers as the character walk would.
        if !self.case_insensitive
            && self.no_one
            && let Some(p) = &self.ascii
        {
            return pieces_match(p, text.as_bytes(), self.stars);
        }
        if let Some(p) = &self.ascii
            && text.is_ascii()
        {
            return self.matches_ascii(p, text.as_bytes());
        }
        let text: Vec<char> = text
            .chars()
            .flat_map(|c| fold(c, self.case_insensitive))
            .collect();
        glob_at(
            &self.tokens,
            &text,
            self.stars,
            |t| *t == Token::Star,
            |p, c| match p {
                Token::Lit(l) => l == c,
                Token::One => true,
                Token::Star => false,
            },
        )
    }

    /// [`Pattern::matches`] for ASCII text already lower-cased (a request's action, lower-cased once
    /// per evaluation), when this pattern is case-insensitive ASCII without `?`: the slice walk
    /// [`Pattern::matches_ascii`] takes after lower-casing its own copy. `None` for any other pattern.
    pub(crate) fn matches_lowered(&self, lower: &[u8]) -> Option<bool> {
        match &self.ascii {
            Some(p) if self.case_insensitive && self.no_one => {
                Some(pieces_match(p, lower, self.stars))
            }
            _ => None,
        }
    }

    /// [`Pattern::matches`] for ASCII text and an ASCII pattern: the same walk over bytes (an ASCII
    /// character is one byte and lower-cases to one ASCII byte, as `char::to_lowercase` does).
    fn matches_ascii(&self, p: &[u8], text: &[u8]) -> bool {
        let is_star = |b: &u8| *b == STAR;
        if self.no_one {
            if !self.case_insensitive {
                return pieces_match(p, text, self.stars);
            }
            // The pattern's literals are lower case already: lower-case the text once (on the
            // stack; IAM action names are short) and compare slices.
            let mut lower = [0u8; 128];
            if let Some(buf) = lower.get_mut(..text.len()) {
                buf.copy_from_slice(text);
                buf.make_ascii_lowercase();
                return pieces_match(p, buf, self.stars);
            }
        }
        if self.case_insensitive {
            glob_at(p, text, self.stars, is_star, |&p, &t| {
                p == ONE || p == t.to_ascii_lowercase()
            })
        } else {
            glob_at(p, text, self.stars, is_star, |&p, &t| p == ONE || p == t)
        }
    }
}

/// Are two byte slices equal? Compared in place, eight bytes at a time: `==` on slices calls
/// `memcmp`, and the call costs more than comparing the few bytes of a pattern piece (an ARN's
/// head, a table name), which [`pieces_match`] does tens of times per evaluation.
#[inline]
pub(crate) fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (mut a8, mut b8) = (a.chunks_exact(8), b.chunks_exact(8));
    let words_equal = a8.by_ref().zip(b8.by_ref()).all(|(x, y)| {
        u64::from_ne_bytes(x.try_into().expect("8 bytes"))
            == u64::from_ne_bytes(y.try_into().expect("8 bytes"))
    });
    words_equal
        && a8
            .remainder()
            .iter()
            .zip(b8.remainder())
            .all(|(x, y)| x == y)
}

/// The leftmost place of `needle` (not empty) in `hay`: each place of its first byte, then
/// the rest compared. Texts here are ARNs and action names, tens of bytes: a general substring
/// searcher (`memchr::memmem`) spends more setting itself up than this spends searching.
fn find_short(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, more) = needle.split_first()?;
    let mut from = 0;
    while let Some(i) = memchr::memchr(first, hay.get(from..)?) {
        let at = from + i;
        if hay
            .get(at + 1..at + 1 + more.len())
            .is_some_and(|h| same(h, more))
        {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// [`glob_at`] for a byte pattern without `?` against text in the pattern's case: the same walk
/// (head and tail in place, each middle piece at its leftmost place), with each piece compared or
/// searched as a whole slice instead of element by element.
fn pieces_match(p: &[u8], t: &[u8], stars: Option<(usize, usize)>) -> bool {
    let Some((first_star, last_star)) = stars else {
        return same(p, t);
    };
    let (head, tail) = (&p[..first_star], &p[last_star + 1..]);
    if head.len() + tail.len() > t.len()
        || !same(head, &t[..head.len()])
        || !same(tail, &t[t.len() - tail.len()..])
    {
        return false;
    }
    let mut rest = &t[head.len()..t.len() - tail.len()];
    if first_star == last_star {
        return true;
    }
    for piece in p[first_star + 1..last_star].split(|b| *b == STAR) {
        if piece.is_empty() {
            continue;
        }
        match find_short(rest, piece) {
            Some(at) => rest = &rest[at + piece.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The byte walk for ASCII agrees with the character walk it stands in for.
    #[test]
    fn ascii_walk_agrees_with_the_char_walk() {
        let texts = [
            "",
            "a",
            "A",
            "ab",
            "dynamodb:GetItem",
            "DynamoDB:GETITEM",
            "a:b/c*d?e",
            "xyzzy",
        ];
        let patterns = [
            "",
            "*",
            "?",
            "a*",
            "*b",
            "a?",
            "dynamodb:get*",
            "DynamoDB:*Item",
            "*:*/*",
            "x*z*y",
        ];
        for ci in [false, true] {
            for p in patterns {
                let pat = Pattern::new(p, ci);
                let slow = Pattern {
                    ascii: None,
                    ..pat.clone()
                };
                let walk = Pattern {
                    no_one: false,
                    ..pat.clone()
                };
                assert!(pat.ascii.is_some());
                for t in texts {
                    assert_eq!(
                        pat.matches(t),
                        slow.matches(t),
                        "pattern {p:?} text {t:?} ci {ci}"
                    );
                    assert_eq!(
                        pat.matches(t),
                        walk.matches(t),
                        "pattern {p:?} text {t:?} ci {ci}: slices against the byte walk"
                    );
                }
            }
        }
    }

    #[test]
    fn table() {
        // (pattern, text, case_insensitive, expected)
        let cases: &[(&str, &str, bool, bool)] = &[
            ("*", "", false, true),
            ("*", "anything:at/all", false, true),
            ("", "", false, true),
            ("", "a", false, false),
            ("a", "a", false, true),
            ("a", "A", false, false),
            ("a", "A", true, true),
            ("?", "", false, false),
            ("?", "x", false, true),
            ("?", "xy", false, false),
            ("a*b", "ab", false, true),
            ("a*b", "axxxb", false, true),
            ("a*b", "axxxbc", false, false),
            ("a*b*c", "abbbc", false, true),
            ("a*b*c", "acb", false, false),
            ("dynamodb:Get*", "dynamodb:GetItem", false, true),
            ("dynamodb:get*", "DynamoDB:GetItem", true, true),
            ("dynamodb:get*", "DynamoDB:GetItem", false, false),
            ("dynamodb:*Item", "dynamodb:BatchGetItem", false, true),
            ("dynamodb:?etItem", "dynamodb:GetItem", false, true),
            ("dynamodb:?etItem", "dynamodb:PutItem", false, false),
            (
                "arn:aws:dynamodb:*:*:table/T",
                "arn:aws:dynamodb:eu-west-1:1:table/T",
                false,
                true,
            ),
            (
                "arn:aws:dynamodb:*:*:table/T",
                "arn:aws:dynamodb:eu-west-1:1:table/T/index/I",
                false,
                false,
            ),
            (
                "arn:aws:dynamodb:*:*:table/T*",
                "arn:aws:dynamodb:eu-west-1:1:table/T/index/I",
                false,
                true,
            ),
            // `*` crosses `:` (whole-string glob)
            (
                "arn:aws:dynamodb:*",
                "arn:aws:dynamodb:us-east-1:1:table/T",
                false,
                true,
            ),
            ("a**b", "ab", false, true),
            (
                "*a*a*a*a*a*b",
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                false,
                false,
            ),
            ("*?", "", false, false),
            ("*?", "x", false, true),
            ("é*", "É", true, true),
        ];
        for (pat, text, ci, want) in cases {
            assert_eq!(
                Pattern::new(pat, *ci).matches(text),
                *want,
                "pattern {pat:?} text {text:?} ci {ci}"
            );
        }
    }

    #[test]
    fn literal_has_no_wildcards() {
        assert!(Pattern::literal("a*b", false).matches("a*b"));
        assert!(!Pattern::literal("a*b", false).matches("axb"));
        assert!(Pattern::literal("a?", false).matches("a?"));
        assert!(!Pattern::literal("a?", false).matches("ab"));
    }

    proptest::proptest! {
        /// The in-place comparison answers as `==` on slices, across the eight-byte steps.
        #[test]
        fn same_is_slice_equality(a in proptest::collection::vec(0u8..3, 0..20), b in proptest::collection::vec(0u8..3, 0..20)) {
            proptest::prop_assert_eq!(same(&a, &b), a == b);
            proptest::prop_assert!(same(&a, &a));
        }

        /// The slice comparison (no `?`), the byte walk and the char walk agree on every pattern and
        /// text over a small alphabet (case folding included, and text that is not ASCII: `é`, the
        /// Kelvin sign, which lower-cases to `k`).
        #[test]
        fn the_three_walks_agree(p in "[abk:*?A/]{0,9}", t in "[abkAB:/\u{e9}\u{212a}]{0,12}", ci: bool) {
            let pat = Pattern::new(&p, ci);
            let walk = Pattern { no_one: false, ..pat.clone() };
            let chars = Pattern { ascii: None, ..pat.clone() };
            proptest::prop_assert_eq!(pat.matches(&t), walk.matches(&t), "pattern {:?} text {:?}", p, t);
            proptest::prop_assert_eq!(pat.matches(&t), chars.matches(&t), "pattern {:?} text {:?}", p, t);
        }
    }
}
