//! [`Name`]: the text of a policy's id or a statement's `Sid`, shared rather than copied. Owns nothing
//! else.
//!
//! Every evaluation names policies in its reasons and matched statements. With `String` each of those
//! was a copy (an allocation, a copy of the bytes, and a free when the evaluation is dropped), several
//! per evaluation; a `Name` is a reference count on the policy's own text. It reads as a `str`
//! everywhere (`Deref`, `Display`, comparisons with `str` and `String`) and serializes as a string,
//! so reports and JSON are unchanged.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

/// A shared, immutable string (see the module).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Name(Arc<str>);

impl Name {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for Name {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

/// As a `String`'s: quoted.
impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

impl From<&str> for Name {
    fn from(s: &str) -> Name {
        Name(Arc::from(s))
    }
}

impl From<String> for Name {
    fn from(s: String) -> Name {
        Name(Arc::from(s))
    }
}

impl From<&String> for Name {
    fn from(s: &String) -> Name {
        Name(Arc::from(s.as_str()))
    }
}

impl From<Name> for String {
    fn from(n: Name) -> String {
        n.0.to_string()
    }
}

impl PartialEq<str> for Name {
    fn eq(&self, o: &str) -> bool {
        *self.0 == *o
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, o: &&str) -> bool {
        *self.0 == **o
    }
}

impl PartialEq<String> for Name {
    fn eq(&self, o: &String) -> bool {
        *self.0 == **o
    }
}

impl PartialEq<Name> for str {
    fn eq(&self, o: &Name) -> bool {
        *self == *o.0
    }
}

impl PartialEq<Name> for &str {
    fn eq(&self, o: &Name) -> bool {
        **self == *o.0
    }
}

impl PartialEq<Name> for String {
    fn eq(&self, o: &Name) -> bool {
        **self == *o.0
    }
}

impl serde::Serialize for Name {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Name {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Name, D::Error> {
        String::deserialize(d).map(Name::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_compares_and_serializes_as_a_string() {
        let n = Name::from("orders-read");
        let copy = n.clone();
        assert!(Arc::ptr_eq(&n.0, &copy.0), "a clone shares the text");
        assert_eq!(n, "orders-read");
        assert_eq!("orders-read", n);
        assert_eq!(n, "orders-read".to_string());
        assert_ne!(n, "orders-write");
        assert_eq!(format!("{n} {n:?}"), "orders-read \"orders-read\"");
        assert_eq!(serde_json::to_string(&n).unwrap(), "\"orders-read\"");
        let back: Name = serde_json::from_str("\"orders-read\"").unwrap();
        assert_eq!(back, n);
        assert_eq!(String::from(n), "orders-read");
    }
}
