//! Reads the verb, table and index out of a PartiQL statement (`execute_statement`), for
//! the IAM action (`PartiQLSelect/Insert/Update/Delete`) and its resource. Owns only that:
//! a small tokenizer for DynamoDB's PartiQL subset (quoted and bare identifiers, strings,
//! `?` parameters); must not evaluate anything. Written by hand: no crate parses PartiQL,
//! and only the first few tokens matter.
//!
//! Statements built from environment variables keep them symbolic: each `Env` part of the
//! statement's [`Name`] becomes a private-use placeholder character before tokenizing and
//! is put back in the table or index name.

use super::report::{Name, NamePart};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Select,
    Insert,
    Update,
    Delete,
}

impl Verb {
    pub fn feature(self) -> &'static str {
        match self {
            Verb::Select => "partiql",
            _ => "partiql-write",
        }
    }
    pub fn action(self) -> &'static str {
        match self {
            Verb::Select => "dynamodb:PartiQLSelect",
            Verb::Insert => "dynamodb:PartiQLInsert",
            Verb::Update => "dynamodb:PartiQLUpdate",
            Verb::Delete => "dynamodb:PartiQLDelete",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub verb: Verb,
    pub table: Name,
    /// `SELECT ... FROM "T"."I"`.
    pub index: Option<Name>,
}

const MARK_BASE: u32 = 0xE000;

#[derive(Debug, PartialEq)]
enum Tok {
    Word(String),
    Quoted(String),
    Str,
    Punct(char),
}

/// Parses the statement; `Err` says what could not be read.
pub fn parse(statement: &Name) -> Result<Statement, String> {
    let mut text = String::new();
    let mut envs: Vec<NamePart> = Vec::new();
    for p in &statement.parts {
        match p {
            NamePart::Literal { text: t } => text.push_str(t),
            NamePart::Env { .. } => {
                let Some(ch) = char::from_u32(MARK_BASE + envs.len() as u32) else {
                    return Err("too many environment variables in the statement".into());
                };
                text.push(ch);
                envs.push(p.clone());
            }
        }
    }
    let toks = tokenize(&text)?;
    let word = |i: usize| match toks.get(i) {
        Some(Tok::Word(w)) => Some(w.to_ascii_uppercase()),
        _ => None,
    };
    let verb = match word(0).as_deref() {
        Some("SELECT") => Verb::Select,
        Some("INSERT") => Verb::Insert,
        Some("UPDATE") => Verb::Update,
        Some("DELETE") => Verb::Delete,
        Some("EXISTS") => return Err("EXISTS is only valid inside a transaction".into()),
        _ => {
            return Err(
                "the statement does not start with SELECT, INSERT, UPDATE or DELETE".into(),
            );
        }
    };
    let at = match verb {
        Verb::Select | Verb::Delete => {
            let from = (1..toks.len()).find(|&i| word(i).as_deref() == Some("FROM"));
            from.map(|i| i + 1)
        }
        Verb::Insert => (word(1).as_deref() == Some("INTO")).then_some(2),
        Verb::Update => Some(1),
    }
    .ok_or("no table after the verb")?;
    let ident = |i: usize| match toks.get(i) {
        Some(Tok::Word(w)) | Some(Tok::Quoted(w)) => Some(w.clone()),
        _ => None,
    };
    let table = ident(at).ok_or("no table name where one belongs")?;
    let index = if verb == Verb::Select && toks.get(at + 1) == Some(&Tok::Punct('.')) {
        Some(ident(at + 2).ok_or("no index name after `.`")?)
    } else {
        None
    };
    Ok(Statement {
        verb,
        table: unmark(&table, &envs),
        index: index.map(|i| unmark(&i, &envs)),
    })
}

fn unmark(text: &str, envs: &[NamePart]) -> Name {
    let mut names = Vec::new();
    let mut lit = String::new();
    for ch in text.chars() {
        let n = ch as u32;
        if n >= MARK_BASE && ((n - MARK_BASE) as usize) < envs.len() {
            if !lit.is_empty() {
                names.push(Name::literal(std::mem::take(&mut lit)));
            }
            if let NamePart::Env { var, default, .. } = &envs[(n - MARK_BASE) as usize] {
                names.push(Name::env(var.clone(), default.clone()));
            }
        } else {
            lit.push(ch);
        }
    }
    if !lit.is_empty() {
        names.push(Name::literal(lit));
    }
    Name::concat(&names)
}

fn tokenize(s: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let mut it = s.chars().peekable();
    while let Some(&c) = it.peek() {
        if c.is_whitespace() {
            it.next();
        } else if c == '"' || c == '\'' {
            it.next();
            let mut v = String::new();
            loop {
                match it.next() {
                    None => return Err("unterminated quote".into()),
                    Some(x) if x == c => {
                        // A doubled quote is an escaped quote.
                        if it.peek() == Some(&c) {
                            it.next();
                            v.push(c);
                        } else {
                            break;
                        }
                    }
                    Some(x) => v.push(x),
                }
            }
            out.push(if c == '"' { Tok::Quoted(v) } else { Tok::Str });
        } else if c.is_alphanumeric()
            || c == '_'
            || (c as u32) >= MARK_BASE && (c as u32) < MARK_BASE + 0x100
        {
            let mut v = String::new();
            while let Some(&x) = it.peek() {
                if x.is_alphanumeric()
                    || x == '_'
                    || x == '-'
                    || (x as u32) >= MARK_BASE && (x as u32) < MARK_BASE + 0x100
                {
                    v.push(x);
                    it.next();
                } else {
                    break;
                }
            }
            out.push(Tok::Word(v));
        } else {
            out.push(Tok::Punct(c));
            it.next();
        }
        if out.len() > 4096 {
            break;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(s: &str) -> Result<(Verb, String, Option<String>), String> {
        parse(&Name::literal(s)).map(|st| {
            (
                st.verb,
                st.table.to_string(),
                st.index.map(|i| i.to_string()),
            )
        })
    }

    #[test]
    fn verbs_tables_and_indexes() {
        let cases = [
            (
                "SELECT * FROM users WHERE pk = ?",
                Verb::Select,
                "users",
                None,
            ),
            (
                "select pk from \"orders\".\"by-customer\" where c = ?",
                Verb::Select,
                "orders",
                Some("by-customer"),
            ),
            (
                "  SELECT \"a\", b FROM \"my table\"",
                Verb::Select,
                "my table",
                None,
            ),
            (
                "INSERT INTO \"audit\" VALUE {'pk': ?}",
                Verb::Insert,
                "audit",
                None,
            ),
            (
                "UPDATE users SET n = 1 WHERE pk = ?",
                Verb::Update,
                "users",
                None,
            ),
            (
                "DELETE FROM \"users\" WHERE pk = 'FROM x'",
                Verb::Delete,
                "users",
                None,
            ),
        ];
        for (text, verb, table, index) in cases {
            let got = lit(text).unwrap();
            assert_eq!(
                got,
                (verb, table.to_string(), index.map(str::to_string)),
                "{text}"
            );
        }
        assert!(lit("EXEC something").is_err());
        assert!(lit("SELECT * FROM").is_err());
        assert!(lit("SELECT * FROM 'unterminated").is_err());
    }

    #[test]
    fn environment_variables_stay_symbolic() {
        let st = Name::concat(&[
            Name::literal("SELECT * FROM \""),
            Name::env("TABLE", Some("orders".into())),
            Name::literal("\".\"by-"),
            Name::env("IDX", None),
            Name::literal("\" WHERE pk = ?"),
        ]);
        let p = parse(&st).unwrap();
        assert_eq!(p.table.to_string(), "{env TABLE, default \"orders\"}");
        assert_eq!(p.index.unwrap().to_string(), "by-{env IDX}");
    }
}
