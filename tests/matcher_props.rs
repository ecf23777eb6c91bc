//! The compiled wildcard matcher (`engine::Pattern`, and the patterns `Resource` templates compile to)
//! agrees with the obvious recursive glob, written here, on generated patterns and texts: `?`, runs of
//! `*`, non-ASCII text, case rules (actions are compared case-insensitively, ARNs case-sensitively) and
//! policy variables (a `*` or `?` in a variable's value, or from a `${*}` escape, is literal).

use proptest::prelude::*;
use pydynox_iam::engine::variables::Template;
use pydynox_iam::engine::{Context, ContextValue, Pattern};

/// A pattern element of the reference: wildcard or literal character.
#[derive(Clone, Copy, Debug)]
enum El {
    Star,
    One,
    Lit(char),
}

/// The obvious recursive glob (exponential in the worst case; the inputs here are short).
fn reference(p: &[El], t: &[char]) -> bool {
    match p.split_first() {
        None => t.is_empty(),
        Some((El::Star, rest)) => (0..=t.len()).any(|i| reference(rest, &t[i..])),
        Some((El::One, rest)) => !t.is_empty() && reference(rest, &t[1..]),
        Some((El::Lit(c), rest)) => t.first() == Some(c) && reference(rest, &t[1..]),
    }
}

/// Case folding as IAM names are compared: every character lower-cased (one may become several).
fn fold(s: &str, ci: bool) -> Vec<char> {
    if ci {
        s.chars().flat_map(char::to_lowercase).collect()
    } else {
        s.chars().collect()
    }
}

/// The reference reading of a pattern as written: `*` and `?` are wildcards, the rest literal (folded).
fn elements(pattern: &str, ci: bool) -> Vec<El> {
    let mut out = Vec::new();
    for c in pattern.chars() {
        match c {
            '*' => out.push(El::Star),
            '?' => out.push(El::One),
            c => out.extend(fold(&c.to_string(), ci).into_iter().map(El::Lit)),
        }
    }
    out
}

fn agrees(pattern: &str, text: &str, ci: bool) -> Result<(), TestCaseError> {
    let want = reference(&elements(pattern, ci), &fold(text, ci));
    prop_assert_eq!(
        Pattern::new(pattern, ci).matches(text),
        want,
        "pattern {:?} text {:?} case-insensitive {}",
        pattern,
        text,
        ci
    );
    Ok(())
}

/// ASCII pieces of ARNs and actions, wildcards and runs of them.
fn ascii_pattern() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec![
            "a", "b", "A", "B", ":", "/", "*", "**", "***", "?", "??", "*?", "ab", "table/", "Get",
        ]),
        0..10,
    )
    .prop_map(|v| v.concat())
}

fn ascii_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec![
            "a", "b", "A", "B", ":", "/", "ab", "table/", "Get", "*", "?",
        ]),
        0..10,
    )
    .prop_map(|v| v.concat())
}

/// Text and patterns with characters whose case folding is not ASCII's: `İ` lowers to two characters,
/// the Kelvin sign `K` lowers to ASCII `k`, `ß` has no single upper case.
fn unicode_piece() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "a", "k", "K", "\u{212A}", "é", "É", "İ", "i", "\u{307}", "ß", "ñ", "*", "?", ":", "/",
    ])
    .prop_map(str::to_string)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn ascii_patterns_agree_with_the_reference(p in ascii_pattern(), t in ascii_text(), ci in any::<bool>()) {
        agrees(&p, &t, ci)?;
    }

    #[test]
    fn unicode_patterns_agree_with_the_reference(
        p in prop::collection::vec(unicode_piece(), 0..8).prop_map(|v| v.concat()),
        t in prop::collection::vec(unicode_piece(), 0..10).prop_map(|v| v.concat()),
        ci in any::<bool>(),
    ) {
        agrees(&p, &t, ci)?;
    }

    #[test]
    fn any_text_agrees_with_the_reference(p in "[a*?é]{0,8}", t in "\\PC{0,10}", ci in any::<bool>()) {
        agrees(&p, &t, ci)?;
    }

    /// A text the pattern was built to match always matches: each `*` replaced by generated text and
    /// each `?` by one character (the reference and the matcher could both be wrong the same way on
    /// random pairs, which mostly do not match).
    #[test]
    fn a_pattern_matches_its_own_instances(
        p in ascii_pattern(),
        fills in prop::collection::vec("[a-z:/*?]{0,4}", 12),
        ci in any::<bool>(),
    ) {
        let mut text = String::new();
        let mut k = 0;
        for c in p.chars() {
            match c {
                '*' => { text.push_str(&fills[k % fills.len()]); k += 1; }
                '?' => text.push('x'),
                c if ci => text.push(c.to_ascii_uppercase()),
                c => text.push(c),
            }
        }
        prop_assert!(Pattern::new(&p, ci).matches(&text), "pattern {:?} text {:?}", p, text);
        agrees(&p, &text, ci)?;
    }

    /// Actions are matched case-insensitively, ARNs case-sensitively: the same pattern and text, in
    /// another case, agree with the reference in both modes.
    #[test]
    fn case_rules(p in ascii_pattern(), t in ascii_text()) {
        for text in [t.clone(), t.to_uppercase(), t.to_lowercase()] {
            agrees(&p, &text, true)?;
            agrees(&p, &text, false)?;
        }
    }

    /// A `Resource` template with a policy variable: the variable's value, and a `${*}`/`${?}` escape,
    /// are literal (a `*` in a tag value is not a wildcard in this reading); what is written in the
    /// policy keeps its wildcards.
    #[test]
    fn policy_variables_are_literal_in_the_pattern(
        before in ascii_pattern(),
        after in ascii_pattern(),
        value in "[ab*?:/é]{0,5}",
        escape in prop::sample::select(vec!["", "${*}", "${?}", "${$}"]),
        t in ascii_text(),
        t_value in any::<bool>(),
    ) {
        let source = format!("{before}${{aws:PrincipalTag/t}}{escape}{after}");
        let template = Template::parse(&source, true);
        let mut ctx = Context::new();
        ctx.insert("aws:PrincipalTag/t", ContextValue::string(value.clone()));
        let resolved = template.resolve(&ctx, "arn:aws:iam::111122223333:role/R").expect("resolves");
        let mut want = elements(&before, false);
        want.extend(value.chars().map(El::Lit));
        want.extend(escape.get(2..3).and_then(|e| e.chars().next()).map(El::Lit));
        want.extend(elements(&after, false));
        // A text built to match (each wildcard written in the policy filled with `a`), or a generated one.
        let fill = |s: &str| s.replace(['*', '?'], "a");
        let text = if t_value {
            format!("{}{value}{}{}", fill(&before), escape.get(2..3).unwrap_or(""), fill(&after))
        } else {
            t
        };
        let chars: Vec<char> = text.chars().collect();
        prop_assert_eq!(
            resolved.pattern(false).matches(&text),
            reference(&want, &chars),
            "template {:?} value {:?} text {:?}",
            source,
            value,
            text
        );
    }
}

#[test]
fn fixed_cases() {
    // (pattern, text, case-insensitive, expected), the shapes the compiled walk treats separately.
    let cases: &[(&str, &str, bool, bool)] = &[
        ("dynamodb:Get*", "dynamodb:GetItem", true, true),
        ("dynamodb:get*", "DYNAMODB:GETITEM", true, true),
        ("dynamodb:get*", "DYNAMODB:GETITEM", false, false),
        ("*Item", "dynamodb:GetItem", true, true),
        ("*Item", "dynamodb:GetItems", true, false),
        ("a*a", "a", false, false),
        ("a*a", "aa", false, true),
        ("*a*a*", "a", false, false),
        ("*a*a*", "aba", false, true),
        ("?*?", "a", false, false),
        ("?*?", "ab", false, true),
        ("a*b*c", "abcbc", false, true),
        ("a*bc*bc", "abcbc", false, true),
        ("a*bc*bc", "abc", false, false),
        ("k", "\u{212A}", true, true),
        ("\u{212A}", "k", true, true),
        ("\u{212A}", "k", false, false),
        ("i\u{307}*", "İx", true, true),
        ("?", "İ", true, false),
        ("??", "İ", true, true),
    ];
    for (p, t, ci, want) in cases {
        assert_eq!(
            Pattern::new(p, *ci).matches(t),
            *want,
            "pattern {p:?} text {t:?} ci {ci}"
        );
        assert_eq!(
            reference(&elements(p, *ci), &fold(t, *ci)),
            *want,
            "reference: pattern {p:?} text {t:?} ci {ci}"
        );
    }
}
