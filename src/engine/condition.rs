//! The `Condition` element: operator names parsed once, evaluated against a request with three-valued logic
//! (true / false / unknown). Owns operator semantics; must not decide whether a statement grants or denies.
//!
//! AWS: reference_policies_elements_condition_operators (operators, `...IfExists`, `Null`, missing keys),
//! reference_policies_condition-single-vs-multi-valued-context-keys and
//! reference_policies_multi-value-conditions (`ForAllValues:` / `ForAnyValue:`).

use super::context::{Context, ContextValue, Lookup};
use super::symbolic;
use super::values::{Cidr, Decimal, base64_decode, parse_bool, parse_date, parse_ip};
use super::variables::{Template, Unresolved};

/// Kleene three-valued truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tri {
    True,
    False,
    #[default]
    Unknown,
}

impl Tri {
    pub fn from_bool(b: bool) -> Tri {
        if b { Tri::True } else { Tri::False }
    }
    pub fn negate(self) -> Tri {
        match self {
            Tri::True => Tri::False,
            Tri::False => Tri::True,
            Tri::Unknown => Tri::Unknown,
        }
    }
    pub fn and(self, o: Tri) -> Tri {
        match (self, o) {
            (Tri::False, _) | (_, Tri::False) => Tri::False,
            (Tri::True, Tri::True) => Tri::True,
            _ => Tri::Unknown,
        }
    }
    pub fn or(self, o: Tri) -> Tri {
        match (self, o) {
            (Tri::True, _) | (_, Tri::True) => Tri::True,
            (Tri::False, Tri::False) => Tri::False,
            _ => Tri::Unknown,
        }
    }
    pub fn any(it: impl IntoIterator<Item = Tri>) -> Tri {
        it.into_iter().fold(Tri::False, Tri::or)
    }
    pub fn all(it: impl IntoIterator<Item = Tri>) -> Tri {
        it.into_iter().fold(Tri::True, Tri::and)
    }
}

/// The operator without modifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaseOperator {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

impl BaseOperator {
    fn from_name(s: &str) -> Option<BaseOperator> {
        use BaseOperator::*;
        Some(match s {
            "StringEquals" => StringEquals,
            "StringNotEquals" => StringNotEquals,
            "StringEqualsIgnoreCase" => StringEqualsIgnoreCase,
            "StringNotEqualsIgnoreCase" => StringNotEqualsIgnoreCase,
            "StringLike" => StringLike,
            "StringNotLike" => StringNotLike,
            "NumericEquals" => NumericEquals,
            "NumericNotEquals" => NumericNotEquals,
            "NumericLessThan" => NumericLessThan,
            "NumericLessThanEquals" => NumericLessThanEquals,
            "NumericGreaterThan" => NumericGreaterThan,
            "NumericGreaterThanEquals" => NumericGreaterThanEquals,
            "DateEquals" => DateEquals,
            "DateNotEquals" => DateNotEquals,
            "DateLessThan" => DateLessThan,
            "DateLessThanEquals" => DateLessThanEquals,
            "DateGreaterThan" => DateGreaterThan,
            "DateGreaterThanEquals" => DateGreaterThanEquals,
            "Bool" => Bool,
            "BinaryEquals" => BinaryEquals,
            "IpAddress" => IpAddress,
            "NotIpAddress" => NotIpAddress,
            "ArnEquals" => ArnEquals,
            "ArnLike" => ArnLike,
            "ArnNotEquals" => ArnNotEquals,
            "ArnNotLike" => ArnNotLike,
            "Null" => Null,
            _ => return None,
        })
    }

    /// Negated operators are true when the key is missing and must match none of the values.
    pub fn is_negated(self) -> bool {
        use BaseOperator::*;
        matches!(
            self,
            StringNotEquals
                | StringNotEqualsIgnoreCase
                | StringNotLike
                | NumericNotEquals
                | DateNotEquals
                | NotIpAddress
                | ArnNotEquals
                | ArnNotLike
        )
    }

    /// The positive operator a negated one negates (identity for positive operators).
    fn positive(self) -> BaseOperator {
        use BaseOperator::*;
        match self {
            StringNotEquals => StringEquals,
            StringNotEqualsIgnoreCase => StringEqualsIgnoreCase,
            StringNotLike => StringLike,
            NumericNotEquals => NumericEquals,
            DateNotEquals => DateEquals,
            NotIpAddress => IpAddress,
            ArnNotEquals => ArnEquals,
            ArnNotLike => ArnLike,
            other => other,
        }
    }

    /// Policy variables are allowed in String and ARN operators only (reference_policies_variables).
    /// `Bool` is left out: the two AWS pages disagree, so a `${...}` there fails to parse as a boolean and
    /// the condition is unknown (fail safe).
    fn allows_variables(self) -> bool {
        use BaseOperator::*;
        matches!(
            self.positive(),
            StringEquals | StringEqualsIgnoreCase | StringLike | ArnEquals | ArnLike
        )
    }
}

/// `ForAllValues:` / `ForAnyValue:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetQualifier {
    ForAllValues,
    ForAnyValue,
}

/// A fully parsed operator name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operator {
    pub base: BaseOperator,
    pub set: Option<SetQualifier>,
    pub if_exists: bool,
}

impl Operator {
    /// Parse an operator name; `Err` carries why it is unsupported. Names are case-sensitive, as in AWS.
    pub fn parse(name: &str) -> Result<Operator, String> {
        let (set, rest) = if let Some(r) = name.strip_prefix("ForAllValues:") {
            (Some(SetQualifier::ForAllValues), r)
        } else if let Some(r) = name.strip_prefix("ForAnyValue:") {
            (Some(SetQualifier::ForAnyValue), r)
        } else {
            (None, name)
        };
        let (base_name, if_exists) = match rest.strip_suffix("IfExists") {
            Some(b) => (b, true),
            None => (rest, false),
        };
        let base = BaseOperator::from_name(base_name)
            .ok_or_else(|| format!("condition operator `{name}` is not supported"))?;
        if base == BaseOperator::Null && (if_exists || set.is_some()) {
            return Err(format!(
                "condition operator `{name}` is not supported (`Null` takes no modifiers)"
            ));
        }
        Ok(Operator {
            base,
            set,
            if_exists,
        })
    }
}

/// One `operator: { key: values }` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// The operator as written.
    pub operator_name: String,
    /// The parsed operator, or why it is unsupported.
    pub operator: Result<Operator, String>,
    /// The condition key as written.
    pub key: String,
    /// The key lower-cased once (as [`Context`] stores keys), so a lookup does not fold it per request.
    key_lower: String,
    /// Policy values (at least one).
    pub values: Vec<Template>,
    /// Each value read once for its operator (an address, a date, a boolean), when it has no policy
    /// variable and so cannot change per request; `None` where it is read per request.
    parsed: Vec<Option<Parsed>>,
}

/// A policy value already read for its operator (see [`Condition::parsed`]).
#[derive(Debug, Clone, PartialEq)]
enum Parsed {
    Cidr(Cidr),
    Date(i128),
    Bool(bool),
}

impl Parsed {
    /// Read a fixed policy value for `op` once; `None` when it is read per request (or is invalid, which
    /// the per-request path reports with its location).
    fn of(op: &Result<Operator, String>, t: &Template) -> Option<Parsed> {
        use BaseOperator::*;
        let op = op.as_ref().ok()?;
        if t.has_variables() || t.has_symbols() {
            return None;
        }
        // The value as evaluation sees it (escapes such as `${*}` resolved), not as written.
        let fixed = t.resolve_ref(&Context::new(), "").ok()?;
        let text = fixed.text_ref();
        match op.base.positive() {
            IpAddress => Cidr::parse(&text).map(Parsed::Cidr),
            DateEquals
            | DateLessThan
            | DateLessThanEquals
            | DateGreaterThan
            | DateGreaterThanEquals => parse_date(&text).map(Parsed::Date),
            Bool => parse_bool(&text).map(Parsed::Bool),
            _ => None,
        }
    }
}

impl Condition {
    pub fn new(operator_name: &str, key: &str, values: &[String], variables: bool) -> Condition {
        let operator = Operator::parse(operator_name);
        let vars = variables && operator.as_ref().is_ok_and(|o| o.base.allows_variables());
        let values: Vec<Template> = values.iter().map(|v| Template::parse(v, vars)).collect();
        Condition {
            parsed: values.iter().map(|t| Parsed::of(&operator, t)).collect(),
            operator_name: operator_name.to_string(),
            operator,
            key: key.to_string(),
            key_lower: key.to_lowercase(),
            values,
        }
    }
}

/// The outcome of one condition, with what was missing, unknown or unsupported on the way.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outcome {
    pub value: Tri,
    /// Keys a positive operator tested (or a variable named) that the request lacks, as
    /// SimulatePrincipalPolicy's `MissingContextValues`.
    pub missing: Vec<String>,
    /// Keys given as [`ContextValue::Unknown`] that the value depended on.
    pub unknown: Vec<String>,
    /// Names of symbolic parts (values known only after deploy) that made the value unknown.
    pub symbols: Vec<String>,
    pub unsupported: Vec<String>,
}

impl Outcome {
    fn new(value: Tri) -> Outcome {
        Outcome {
            value,
            ..Outcome::default()
        }
    }

    /// True when no list ever allocated, so the outcome is its value alone (most conditions): the
    /// caller then takes the value and forgets the rest, without the drop code's call per condition.
    pub(crate) fn owns_nothing(&self) -> bool {
        self.missing.capacity() == 0
            && self.unknown.capacity() == 0
            && self.symbols.capacity() == 0
            && self.unsupported.capacity() == 0
    }
}

/// A policy value resolved for this request (borrowed from the policy when it has no variables).
enum PolicyValue<'a> {
    Value(std::borrow::Cow<'a, super::variables::Resolved>),
    /// A variable with no value: "null" (reference_policies_variables).
    Null,
    Unknown,
}

/// Where `compare` records why it could not answer.
#[derive(Default)]
struct Notes {
    unsupported: Vec<String>,
    symbols: Vec<String>,
}

/// Three-valued comparison when either side holds symbolic parts (values known only after deploy):
/// string and ARN operators use the symbolic matcher; the others cannot compare an unknown value.
fn compare_symbolic(
    op: BaseOperator,
    request: &str,
    pv: &super::variables::Resolved,
    notes: &mut Notes,
) -> Tri {
    use BaseOperator::*;
    let (wildcards, ci) = match op.positive() {
        StringEquals => (false, false),
        StringEqualsIgnoreCase => (false, true),
        StringLike | ArnEquals | ArnLike => (true, false),
        _ => (false, false),
    };
    let (Some(p), Some(t)) = (
        pv.sym_tokens(wildcards, ci),
        symbolic::text_tokens(request, ci),
    ) else {
        notes
            .unsupported
            .push("a symbolic value is malformed".into());
        return Tri::Unknown;
    };
    let value = match op.positive() {
        StringEquals | StringEqualsIgnoreCase | StringLike => symbolic::glob_tri(&p, &t),
        ArnEquals | ArnLike => symbolic::arn_like_tri(&p, &t),
        _ => Tri::Unknown,
    };
    if value == Tri::Unknown {
        for n in symbolic::names(&p).into_iter().chain(symbolic::names(&t)) {
            if !notes.symbols.contains(&n) {
                notes.symbols.push(n);
            }
        }
    }
    value
}

/// Compare one request value against one resolved policy value with a positive operator.
/// `request_ip` is `request` read as an address, the first time an `IpAddress` comparison asks
/// (once per request value, however many networks the policy lists).
fn compare(
    op: BaseOperator,
    request: &str,
    request_ip: &std::cell::OnceCell<Option<std::net::IpAddr>>,
    policy: &PolicyValue,
    pre: Option<&Parsed>,
    notes: &mut Notes,
    key: &str,
) -> Tri {
    use BaseOperator::*;
    let pv = match policy {
        PolicyValue::Null => return Tri::False,
        PolicyValue::Unknown => return Tri::Unknown,
        PolicyValue::Value(v) => v,
    };
    if pv.has_symbols() || symbolic::has_symbols(request) {
        return compare_symbolic(op, request, pv, notes);
    }
    let unsupported = &mut notes.unsupported;
    let bad = |unsupported: &mut Vec<String>, what: &str, v: &str| {
        unsupported.push(format!(
            "condition key `{key}`: `{v}` is not a valid {what}"
        ));
        Tri::Unknown
    };
    // `*`/`?` from a variable's value in a pattern operator: AWS does not say whether they are wildcards;
    // when the two readings disagree the comparison is unknown.
    if matches!(op.positive(), StringLike | ArnEquals | ArnLike) && pv.has_value_wildcards() {
        let wild = pv.values_as_wildcards();
        let (a, b) = match op.positive() {
            StringLike => (
                pv.pattern(false).matches(request),
                wild.pattern(false).matches(request),
            ),
            _ => (
                arn_like(request, pv) == Tri::True,
                arn_like(request, &wild) == Tri::True,
            ),
        };
        if a != b {
            notes.unsupported.push(format!(
                "condition key `{key}`: a policy variable's value holds `*` or `?`, and AWS does not say whether they are wildcards there"
            ));
            return Tri::Unknown;
        }
        return Tri::from_bool(a);
    }
    match op.positive() {
        StringEquals => Tri::from_bool(request == pv.text_ref()),
        StringEqualsIgnoreCase => {
            Tri::from_bool(request.to_lowercase() == pv.text().to_lowercase())
        }
        StringLike => Tri::from_bool(pv.pattern_ref().matches(request)),
        ArnEquals | ArnLike => arn_like(request, pv),
        NumericEquals
        | NumericLessThan
        | NumericLessThanEquals
        | NumericGreaterThan
        | NumericGreaterThanEquals => {
            let text = pv.text_ref();
            let Some(p) = Decimal::parse(&text) else {
                return bad(unsupported, "number in the policy", &text);
            };
            let Some(r) = Decimal::parse(request) else {
                return bad(unsupported, "number in the request", request);
            };
            Tri::from_bool(ordering_holds(op.positive(), r.cmp(&p)))
        }
        DateEquals
        | DateLessThan
        | DateLessThanEquals
        | DateGreaterThan
        | DateGreaterThanEquals => {
            let p = match pre {
                Some(Parsed::Date(p)) => *p,
                _ => {
                    let text = pv.text_ref();
                    let Some(p) = parse_date(&text) else {
                        return bad(unsupported, "date in the policy", &text);
                    };
                    p
                }
            };
            let Some(r) = parse_date(request) else {
                return bad(unsupported, "date in the request", request);
            };
            Tri::from_bool(ordering_holds(op.positive(), r.cmp(&p)))
        }
        Bool => {
            let p = match pre {
                Some(Parsed::Bool(p)) => *p,
                _ => {
                    let text = pv.text_ref();
                    let Some(p) = parse_bool(&text) else {
                        return bad(unsupported, "boolean in the policy", &text);
                    };
                    p
                }
            };
            let Some(r) = parse_bool(request) else {
                return bad(unsupported, "boolean in the request", request);
            };
            Tri::from_bool(p == r)
        }
        BinaryEquals => {
            let text = pv.text_ref();
            let Some(p) = base64_decode(&text) else {
                return bad(unsupported, "base64 value in the policy", &text);
            };
            let Some(r) = base64_decode(request) else {
                return bad(unsupported, "base64 value in the request", request);
            };
            Tri::from_bool(p == r)
        }
        IpAddress => {
            let net = match pre {
                Some(Parsed::Cidr(net)) => *net,
                _ => {
                    let text = pv.text_ref();
                    let Some(net) = Cidr::parse(&text) else {
                        return bad(unsupported, "IP address or CIDR in the policy", &text);
                    };
                    net
                }
            };
            let Some(ip) = *request_ip.get_or_init(|| parse_ip(request)) else {
                return bad(unsupported, "IP address in the request", request);
            };
            Tri::from_bool(net.contains(ip))
        }
        // Negated operators were mapped to positive ones above; Null never reaches here.
        _ => Tri::Unknown,
    }
}

fn ordering_holds(op: BaseOperator, ord: std::cmp::Ordering) -> bool {
    use BaseOperator::*;
    use std::cmp::Ordering::*;
    match op {
        NumericEquals | DateEquals => ord == Equal,
        NumericLessThan | DateLessThan => ord == Less,
        NumericLessThanEquals | DateLessThanEquals => ord != Greater,
        NumericGreaterThan | DateGreaterThan => ord == Greater,
        NumericGreaterThanEquals | DateGreaterThanEquals => ord != Less,
        _ => false,
    }
}

/// `ArnEquals`/`ArnLike` (identical in AWS): each of the six colon-delimited segments is matched separately,
/// with `*`/`?` confined to its segment (the last segment, the resource, may itself contain colons).
/// A policy value without six segments only matches when it is a lone `*`; a request value that is not a
/// six-segment ARN matches nothing.
fn arn_like(request: &str, policy: &super::variables::Resolved) -> Tri {
    let text = policy.text_ref();
    let p_segs: Vec<&str> = text.splitn(6, ':').collect();
    let r_segs: Vec<&str> = request.splitn(6, ':').collect();
    if p_segs.len() != 6 {
        return Tri::from_bool(policy.pattern_ref().is_match_all());
    }
    if r_segs.len() != 6 {
        return Tri::False;
    }
    let segs = policy.arn_segments();
    Tri::from_bool(segs.iter().zip(r_segs.iter()).all(|(p, r)| p.matches(r)))
}

/// What the request holds for a condition key.
enum RequestKey<'a> {
    Known(&'a [String]),
    Unknown { may_be_absent: bool },
    Absent,
}

impl Condition {
    /// Evaluate against the request. `principal` feeds `${aws:PrincipalArn}` / `${aws:username}`.
    pub fn evaluate(&self, ctx: &Context, principal: &str) -> Outcome {
        let op = match &self.operator {
            Ok(op) => *op,
            Err(why) => {
                let mut o = Outcome::new(Tri::Unknown);
                o.unsupported.push(why.clone());
                return o;
            }
        };
        let mut out = Outcome::new(Tri::Unknown);
        let lookup = ctx.lookup(&self.key_lower, principal);
        let request = match &lookup {
            Lookup::Value(v) => match v.as_ref() {
                ContextValue::Unknown { may_be_absent, .. } => RequestKey::Unknown {
                    may_be_absent: *may_be_absent,
                },
                v => RequestKey::Known(v.known_values().unwrap_or(&[])),
            },
            Lookup::Absent => RequestKey::Absent,
            Lookup::Missing => RequestKey::Absent,
        };

        // Null: "true" means the key is absent (reference_policies_elements_condition_operators, Null). It
        // asks only about presence, so it is decidable for a key AWS sends whose value we do not know.
        if op.base == BaseOperator::Null {
            let present = match request {
                RequestKey::Known(_)
                | RequestKey::Unknown {
                    may_be_absent: false,
                } => Tri::True,
                RequestKey::Unknown {
                    may_be_absent: true,
                } => {
                    out.unknown.push(self.key.clone());
                    Tri::Unknown
                }
                RequestKey::Absent => Tri::False,
            };
            out.value = Tri::any(self.values.iter().map(|v| match parse_bool(v.source()) {
                Some(true) => present.negate(),
                Some(false) => present,
                None => {
                    out.unsupported.push(format!(
                        "`Null` value `{}` must be `true` or `false`",
                        v.source()
                    ));
                    Tri::Unknown
                }
            }));
            return out;
        }

        // A key AWS sends with a value we do not know: every other operator, with or without `IfExists`
        // or a set prefix, depends on that value.
        if let RequestKey::Unknown { .. } = request {
            out.unknown.push(self.key.clone());
            return out;
        }

        // Resolve policy values once.
        let mut null_variable = None;
        // Values without variables are borrowed as compiled at parse time (no per-request list).
        let all_fixed = self.values.iter().all(|t| t.fixed().is_some());
        let values: Vec<PolicyValue> = self
            .values
            .iter()
            .filter(|_| !all_fixed)
            .map(|t| match t.resolve_ref(ctx, principal) {
                Ok(r) => PolicyValue::Value(r),
                Err(Unresolved::Missing(k)) => {
                    out.missing.push(k.clone());
                    null_variable.get_or_insert(k);
                    PolicyValue::Null
                }
                Err(Unresolved::Absent(k)) => {
                    null_variable.get_or_insert(k);
                    PolicyValue::Null
                }
                Err(Unresolved::Unknown(k)) => {
                    out.unknown.push(k);
                    PolicyValue::Unknown
                }
                Err(Unresolved::Unsupported(why)) => {
                    out.unsupported.push(why);
                    PolicyValue::Unknown
                }
            })
            .collect();

        let request_values: &[String] = match request {
            RequestKey::Known(vs) => vs,
            _ => &[],
        };
        let request_given = matches!(request, RequestKey::Known(_));
        let key_missing = matches!(lookup, Lookup::Missing);
        // "Does one request value satisfy the operator": positive = matches any policy value,
        // negated = matches none (reference_policies_elements_condition_operators: negated operators with
        // several values behave like NOR).
        //
        // A policy variable with no value: reference_policies_variables says a positive operator does not
        // match it ("any attempt to match it fails and causes the statement to be invalid"); for a negated
        // operator the current page says it matches while the archived page calls the statement invalid.
        // Doubtful, so unknown: never a grant, never a Deny silently skipped.
        let negated = op.base.is_negated();
        let mut notes = Notes::default();
        let mut satisfies = |rv: &str| {
            let ip = std::cell::OnceCell::new();
            let any = if all_fixed {
                Tri::any(self.values.iter().zip(&self.parsed).map(|(t, pre)| {
                    match t.fixed() {
                        Some(r) => {
                            let pv = PolicyValue::Value(std::borrow::Cow::Borrowed(r));
                            compare(op.base, rv, &ip, &pv, pre.as_ref(), &mut notes, &self.key)
                        }
                        // Not reached (`all_fixed`); unknown is the fail-safe answer.
                        None => Tri::Unknown,
                    }
                }))
            } else {
                Tri::any(values.iter().zip(&self.parsed).map(|(pv, pre)| match pv {
                    PolicyValue::Null if negated => Tri::Unknown,
                    pv => compare(op.base, rv, &ip, pv, pre.as_ref(), &mut notes, &self.key),
                }))
            };
            if negated { any.negate() } else { any }
        };

        out.value = match (op.set, request_given.then_some(())) {
            // Missing key: IfExists → true; negated → true; otherwise false (and record it as missing).
            (None, None) => {
                if op.if_exists || op.base.is_negated() {
                    Tri::True
                } else {
                    if key_missing {
                        out.missing.push(self.key.clone());
                    }
                    Tri::False
                }
            }
            // A present key with no values: like a missing key, but not reported as missing.
            (None, Some(_)) if request_values.is_empty() => {
                Tri::from_bool(op.if_exists || op.base.is_negated())
            }
            // reference_policies_condition-single-vs-multi-valued-context-keys: "multivalued context keys
            // require a condition set operator"; AWS does not define a plain operator on several values,
            // so the condition is unknown (fail safe).
            (None, Some(_)) if request_values.len() > 1 => {
                out.unsupported.push(format!(
                    "`{}` has {} values; a multivalued key needs `ForAllValues:` or `ForAnyValue:`",
                    self.key,
                    request_values.len()
                ));
                Tri::Unknown
            }
            (None, Some(_)) => satisfies(&request_values[0]),
            // ForAllValues: true when the request has no values (missing or empty set).
            (Some(SetQualifier::ForAllValues), _) => {
                Tri::all(request_values.iter().map(|rv| satisfies(rv)))
            }
            // ForAnyValue: false when missing (true under IfExists); otherwise some request value satisfies.
            (Some(SetQualifier::ForAnyValue), None) => {
                if op.if_exists {
                    Tri::True
                } else {
                    if key_missing {
                        out.missing.push(self.key.clone());
                    }
                    Tri::False
                }
            }
            (Some(SetQualifier::ForAnyValue), Some(_)) => {
                Tri::any(request_values.iter().map(|rv| satisfies(rv)))
            }
        };
        if out.value == Tri::Unknown
            && negated
            && let Some(k) = null_variable
        {
            out.unsupported.push(format!(
                "policy variable `${{{k}}}` has no value here, and AWS's pages disagree on how a negated operator treats it"
            ));
        }
        out.unsupported.extend(notes.unsupported);
        out.unsupported.dedup();
        out.symbols = notes.symbols;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::context::ContextValue;

    fn eval(op: &str, key: &str, values: &[&str], ctx: &Context) -> Tri {
        let values: Vec<String> = values.iter().map(|s| s.to_string()).collect();
        Condition::new(op, key, &values, true)
            .evaluate(ctx, "arn:aws:iam::111122223333:user/alice")
            .value
    }

    fn ctx() -> Context {
        Context::new()
            .with("s", ContextValue::string("Hello"))
            .with("n", ContextValue::string("10"))
            .with("d", ContextValue::string("2024-06-01T00:00:00Z"))
            .with("b", ContextValue::string("true"))
            .with("bin", ContextValue::string("aGVsbG8="))
            .with("ip", ContextValue::string("203.0.113.7"))
            .with("ip6", ContextValue::string("2001:db8::7"))
            .with(
                "arn",
                ContextValue::string("arn:aws:dynamodb:us-east-1:111122223333:table/Orders"),
            )
            .with("tags", ContextValue::list(["a", "b"]))
            .with("empty", ContextValue::list(Vec::<String>::new()))
            .with("one", ContextValue::list(["b"]))
            .with("team", ContextValue::string("blue"))
            .with("aws:PrincipalTag/team", ContextValue::string("blue"))
            .with("unknown", ContextValue::unknown())
            .with("maybe", ContextValue::maybe_absent())
    }

    use Tri::{False as F, True as T, Unknown as U};

    #[test]
    fn operator_table() {
        // (operator, key, policy values, expected)
        let cases: &[(&str, &str, &[&str], Tri)] = &[
            // String
            ("StringEquals", "s", &["Hello"], T),
            ("StringEquals", "s", &["hello"], F),
            ("StringEquals", "S", &["Hello"], T), // key names case-insensitive
            ("StringEquals", "s", &["x", "Hello"], T),
            ("StringEquals", "s", &["Hel*"], F),
            ("StringEquals", "missing", &["x"], F),
            ("StringEqualsIfExists", "missing", &["x"], T),
            ("StringEqualsIfExists", "s", &["x"], F),
            ("StringNotEquals", "s", &["Hello"], F),
            ("StringNotEquals", "s", &["x", "y"], T),
            ("StringNotEquals", "s", &["x", "Hello"], F),
            ("StringNotEquals", "missing", &["x"], T),
            ("StringNotEqualsIfExists", "missing", &["x"], T),
            ("StringEqualsIgnoreCase", "s", &["HELLO"], T),
            ("StringNotEqualsIgnoreCase", "s", &["HELLO"], F),
            ("StringNotEqualsIgnoreCase", "s", &["bye"], T),
            ("StringLike", "s", &["H*o"], T),
            ("StringLike", "s", &["h*"], F),
            ("StringLike", "s", &["Hell?"], T),
            ("StringNotLike", "s", &["H*"], F),
            ("StringNotLike", "s", &["x*"], T),
            ("StringNotLike", "missing", &["x*"], T),
            ("StringLike", "missing", &["*"], F),
            // Variables
            ("StringEquals", "team", &["${aws:PrincipalTag/team}"], T),
            ("StringEquals", "s", &["${aws:PrincipalTag/nope}"], F),
            // a variable with no value under a negated operator: AWS's pages disagree, so unknown
            ("StringNotEquals", "s", &["${aws:PrincipalTag/nope}"], U),
            (
                "StringNotEquals",
                "s",
                &["Hello", "${aws:PrincipalTag/nope}"],
                F,
            ),
            (
                "StringEquals",
                "s",
                &["Hello", "${aws:PrincipalTag/nope}"],
                T,
            ),
            // unknown request values: only Null is decided
            ("StringEquals", "unknown", &["x"], U),
            ("StringEqualsIfExists", "unknown", &["x"], U),
            ("StringNotEquals", "unknown", &["x"], U),
            ("ForAllValues:StringEquals", "unknown", &["x"], U),
            ("ForAnyValue:StringEquals", "unknown", &["x"], U),
            ("NotIpAddress", "unknown", &["10.0.0.0/8"], U),
            ("Null", "unknown", &["true"], F),
            ("Null", "unknown", &["false"], T),
            ("Null", "maybe", &["true"], U),
            ("Null", "maybe", &["false"], U),
            ("StringEqualsIfExists", "maybe", &["x"], U),
            ("StringEquals", "s", &["${unknown}"], U),
            ("StringEquals", "s", &["${unknown, 'Hello'}"], U),
            ("StringEquals", "s", &["${nope, 'Hello'}"], T),
            ("StringLike", "s", &["${*}"], F),
            // Numeric
            ("NumericEquals", "n", &["10"], T),
            ("NumericEquals", "n", &["10.0"], T),
            ("NumericNotEquals", "n", &["10"], F),
            ("NumericNotEquals", "n", &["11", "12"], T),
            ("NumericLessThan", "n", &["11"], T),
            ("NumericLessThan", "n", &["10"], F),
            ("NumericLessThanEquals", "n", &["10"], T),
            ("NumericGreaterThan", "n", &["9.5"], T),
            ("NumericGreaterThanEquals", "n", &["10"], T),
            ("NumericGreaterThanEquals", "n", &["11"], F),
            ("NumericEquals", "missing", &["1"], F),
            ("NumericNotEquals", "missing", &["1"], T),
            ("NumericLessThanIfExists", "missing", &["1"], T),
            ("NumericEquals", "s", &["1"], U),
            ("NumericEquals", "n", &["ten"], U),
            // Date
            ("DateEquals", "d", &["2024-06-01T00:00:00Z"], T),
            ("DateEquals", "d", &["1717200000"], T),
            ("DateNotEquals", "d", &["2024-06-01"], F),
            ("DateLessThan", "d", &["2025-01-01T00:00:00Z"], T),
            ("DateLessThan", "d", &["2024-01-01T00:00:00Z"], F),
            ("DateLessThanEquals", "d", &["2024-06-01T00:00:00Z"], T),
            ("DateGreaterThan", "d", &["2024-01-01"], T),
            ("DateGreaterThanEquals", "d", &["2024-06-02"], F),
            ("DateGreaterThan", "missing", &["2024-01-01"], F),
            ("DateGreaterThan", "d", &["soon"], U),
            // Bool
            ("Bool", "b", &["true"], T),
            ("Bool", "b", &["false"], F),
            ("Bool", "b", &["TRUE"], T),
            ("Bool", "missing", &["false"], F),
            ("BoolIfExists", "missing", &["false"], T),
            ("Bool", "s", &["true"], U),
            ("Bool", "b", &["${aws:SecureTransport}"], U),
            // Binary
            ("BinaryEquals", "bin", &["aGVsbG8="], T),
            ("BinaryEquals", "bin", &["aGVsbG8"], T),
            ("BinaryEquals", "bin", &["AGVSBG8="], F),
            ("BinaryEquals", "missing", &["aGVsbG8="], F),
            ("BinaryEquals", "bin", &["***"], U),
            // IP
            ("IpAddress", "ip", &["203.0.113.0/24"], T),
            ("IpAddress", "ip", &["198.51.100.0/24", "203.0.113.7/32"], T),
            ("IpAddress", "ip", &["198.51.100.0/24"], F),
            ("NotIpAddress", "ip", &["198.51.100.0/24"], T),
            ("NotIpAddress", "ip", &["203.0.113.0/24"], F),
            ("IpAddress", "ip6", &["2001:db8::/32"], T),
            ("IpAddress", "ip6", &["203.0.113.0/24"], F),
            ("IpAddress", "missing", &["0.0.0.0/0"], F),
            ("NotIpAddress", "missing", &["0.0.0.0/0"], T),
            ("IpAddress", "s", &["0.0.0.0/0"], U),
            ("IpAddress", "ip", &["999.0.0.0/8"], U),
            // ARN
            (
                "ArnEquals",
                "arn",
                &["arn:aws:dynamodb:us-east-1:111122223333:table/Orders"],
                T,
            ),
            (
                "ArnLike",
                "arn",
                &["arn:aws:dynamodb:*:111122223333:table/*"],
                T,
            ),
            (
                "ArnEquals",
                "arn",
                &["arn:aws:dynamodb:*:*:table/Orders"],
                T,
            ),
            (
                "ArnLike",
                "arn",
                &["arn:aws:dynamodb:*:444455556666:table/*"],
                F,
            ),
            // segment-wise: `*` does not cross `:` in ArnLike, but does in StringLike
            ("ArnLike", "arn", &["arn:aws:dynamodb:*:table/Orders"], F),
            ("StringLike", "arn", &["arn:aws:dynamodb:*:table/Orders"], T),
            ("ArnNotLike", "arn", &["arn:aws:s3:::*"], T),
            (
                "ArnNotEquals",
                "arn",
                &["arn:aws:dynamodb:*:*:table/Orders"],
                F,
            ),
            ("ArnNotLike", "missing", &["arn:aws:s3:::*"], T),
            ("ArnLike", "missing", &["*"], F),
            ("ArnLike", "arn", &["*"], T),
            ("ArnLike", "s", &["arn:*:*:*:*:*"], F),
            ("ArnNotLike", "s", &["arn:*:*:*:*:*"], T),
            // Null
            ("Null", "missing", &["true"], T),
            ("Null", "s", &["true"], F),
            ("Null", "s", &["false"], T),
            ("Null", "missing", &["false"], F),
            ("Null", "s", &["maybe"], U),
            ("NullIfExists", "s", &["true"], U),
            // Set operators
            ("ForAllValues:StringEquals", "tags", &["a", "b", "c"], T),
            ("ForAllValues:StringEquals", "tags", &["a"], F),
            ("ForAllValues:StringEquals", "missing", &["a"], T),
            ("ForAllValues:StringEquals", "empty", &["a"], T),
            ("ForAnyValue:StringEquals", "tags", &["b", "z"], T),
            ("ForAnyValue:StringEquals", "tags", &["z"], F),
            ("ForAnyValue:StringEquals", "missing", &["a"], F),
            ("ForAnyValue:StringEquals", "empty", &["a"], F),
            ("ForAnyValue:StringEqualsIfExists", "missing", &["a"], T),
            ("ForAllValues:StringNotEquals", "tags", &["c"], T),
            ("ForAllValues:StringNotEquals", "tags", &["a"], F),
            ("ForAnyValue:StringNotEquals", "tags", &["a"], T),
            ("ForAnyValue:StringNotEquals", "tags", &["a", "b"], F),
            ("ForAllValues:StringLike", "tags", &["?"], T),
            ("ForAnyValue:NumericGreaterThan", "tags", &["1"], U),
            // Plain operator on a multi-valued key: undefined in AWS, unknown here
            ("StringEquals", "tags", &["b"], U),
            ("StringNotEquals", "tags", &["b"], U),
            ("StringEqualsIfExists", "tags", &["b"], U),
            ("StringEquals", "one", &["b"], T),
            ("StringNotEquals", "one", &["b"], F),
            ("StringEquals", "empty", &["b"], F),
            ("StringNotEquals", "empty", &["b"], T),
            ("StringEqualsIfExists", "empty", &["b"], T),
            // Unsupported operators / case
            ("StringEqualsAnyCase", "s", &["Hello"], U),
            ("stringequals", "s", &["Hello"], U),
            ("ForSomeValues:StringEquals", "s", &["Hello"], U),
        ];
        let c = ctx();
        for (op, key, values, want) in cases {
            assert_eq!(eval(op, key, values, &c), *want, "{op} {key} {values:?}");
        }
    }

    #[test]
    fn missing_keys_are_recorded_for_positive_operators_only() {
        let c = ctx();
        let v = vec!["x".to_string()];
        let o = Condition::new("StringEquals", "aws:SourceVpc", &v, true).evaluate(&c, "");
        assert_eq!(o.missing, vec!["aws:SourceVpc".to_string()]);
        let o = Condition::new("StringNotEquals", "aws:SourceVpc", &v, true).evaluate(&c, "");
        assert!(o.missing.is_empty());
        let o = Condition::new("StringEqualsIfExists", "aws:SourceVpc", &v, true).evaluate(&c, "");
        assert!(o.missing.is_empty());
        let v = vec!["${aws:PrincipalTag/dept}".to_string()];
        let o = Condition::new("StringEquals", "s", &v, true).evaluate(&c, "");
        assert_eq!(o.missing, vec!["aws:PrincipalTag/dept".to_string()]);
    }

    #[test]
    fn variables_literal_without_2012_version() {
        let c = ctx();
        let v = vec!["${aws:PrincipalTag/team}".to_string()];
        assert_eq!(
            Condition::new("StringEquals", "team", &v, false)
                .evaluate(&c, "")
                .value,
            F
        );
        let c2 = c
            .clone()
            .with("lit", ContextValue::string("${aws:PrincipalTag/team}"));
        assert_eq!(
            Condition::new("StringEquals", "lit", &v, false)
                .evaluate(&c2, "")
                .value,
            T
        );
    }

    #[test]
    fn tri_logic() {
        assert_eq!(Tri::all([T, U]), U);
        assert_eq!(Tri::all([F, U]), F);
        assert_eq!(Tri::any([F, U]), U);
        assert_eq!(Tri::any([T, U]), T);
        assert_eq!(U.negate(), U);
    }
}
