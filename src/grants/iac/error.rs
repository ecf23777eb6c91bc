//! Errors of the infrastructure-code readers: each names the file, the place in it (line and
//! column where the parser gives them, and the path of keys) and what to do. Owns nothing else.

use std::fmt;

/// Where in the input an error is: 1-based line and column when known, and the key path
/// (`Resources.OrdersRole.Properties.Policies[0]`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    pub line_col: Option<(usize, usize)>,
    pub path: String,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.line_col, self.path.is_empty()) {
            (Some((l, c)), true) => write!(f, "{l}:{c}"),
            (Some((l, c)), false) => write!(f, "{l}:{c} (`{}`)", self.path),
            (None, false) => write!(f, "`{}`", self.path),
            (None, true) => Ok(()),
        }
    }
}

/// What went wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IacErrorKind {
    #[error("file is larger than {limit} bytes, more than {what} can be")]
    TooLarge { limit: usize, what: &'static str },
    #[error("not valid YAML or JSON: {message}{hint}")]
    Syntax { message: String, hint: String },
    #[error(
        "key `{key}` appears twice (first at line {first_line}); CloudFormation and IAM reject duplicate keys: keep one"
    )]
    DuplicateKey { key: String, first_line: usize },
    #[error(
        "unknown YAML tag `{tag}`; CloudFormation's short forms are `!Ref`, `!GetAtt`, `!Sub`, `!Join`, `!If`, ..."
    )]
    UnknownTag { tag: String },
    #[error("not a CloudFormation or SAM template: {why}")]
    NotATemplate { why: String },
    #[error(
        "not a Terraform plan in JSON: {why}; produce one with `terraform show -json PLANFILE`"
    )]
    NotAPlan { why: String },
    #[error(
        "plan format version `{version}` is not supported (major version 1 is); use a Terraform 1.x `terraform show -json`"
    )]
    PlanVersion { version: String },
    #[error("parameter `{name}` is not declared in the template (it declares: {declared})")]
    UnknownParameter { name: String, declared: String },
    #[error("parameter `{name}` is given twice; give each --parameter once")]
    DuplicateParameter { name: String },
    #[error("value `{value}` of parameter `{name}` is not one of its AllowedValues ({allowed})")]
    NotAllowed {
        name: String,
        value: String,
        allowed: String,
    },
    #[error("`{function}`: {why}")]
    BadIntrinsic { function: String, why: String },
    #[error("`{name}` is not a parameter, pseudo parameter or resource of the template")]
    UnknownReference { name: String },
    #[error("condition `{name}` is not defined in the template's Conditions")]
    UnknownCondition { name: String },
    #[error("condition `{name}` refers to itself through {chain}")]
    ConditionCycle { name: String, chain: String },
    #[error("the value of `{name}` depends on itself")]
    ReferenceCycle { name: String },
    #[error(
        "unknown SAM policy template `{name}`; see the list in AWS SAM's policy templates documentation"
    )]
    UnknownPolicyTemplate { name: String },
    #[error("SAM policy template `{template}` needs parameter(s) {missing}")]
    PolicyTemplateParameters { template: String, missing: String },
    #[error("{what}")]
    Invalid { what: String },
    #[error("{kind} `{wanted}` is not in the file; it has: {available}")]
    PrincipalNotFound {
        kind: &'static str,
        wanted: String,
        available: String,
    },
}

/// One error, located.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{file}`{}: {kind}", if location_is_empty(.location) { String::new() } else { format!(":{}", .location) })]
pub struct IacError {
    pub file: String,
    pub location: Location,
    pub kind: IacErrorKind,
}

fn location_is_empty(l: &Location) -> bool {
    l.line_col.is_none() && l.path.is_empty()
}

/// Every error found in one input, reported together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IacErrors(pub Vec<IacError>);

impl fmt::Display for IacErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for IacErrors {}

impl From<IacError> for IacErrors {
    fn from(e: IacError) -> IacErrors {
        IacErrors(vec![e])
    }
}
