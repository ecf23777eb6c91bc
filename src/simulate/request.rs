//! A request to decide, from `simulate`'s flags or from a batch line: validated (principal,
//! action, resource, context), turned into the engine's request with the resource policy in the
//! right mode, and decided by the [`engine`](crate::engine). No I/O.

use crate::engine::principal::PrincipalArn;
use crate::engine::{
    Context, ContextValue, PolicyKind, PolicySet, Request, ResourcePolicyMode, ValueType, evaluate,
};
use crate::needs::catalogue::{ContextEntry, ContextType};
use crate::simulate::cache::PolicyCache;
use crate::simulate::line::{self, Doc, Identity, LineFields};
use crate::simulate::wire::{
    BOUNDARY_NAME, ModeWire, RESOURCE_POLICY_NAME, RequestLine, SimResult, line_error,
};

/// Catalogue context entry (`--context`) → engine value. List types become lists; a scalar type with
/// several values is refused rather than guessed. String types stay untyped, because
/// `parse_context_arg` cannot tell `KEY=string:V` from the default `KEY=V`, and an untyped value lets
/// each condition operator read it as its own type (e.g. `aws:SourceIp=10.0.0.1` for `IpAddress`).
pub fn context_value(e: &ContextEntry) -> Result<ContextValue, String> {
    let (ty, list) = match e.kind {
        ContextType::String => (None, false),
        ContextType::StringList => (None, true),
        ContextType::Numeric => (Some(ValueType::Numeric), false),
        ContextType::NumericList => (Some(ValueType::Numeric), true),
        ContextType::Boolean => (Some(ValueType::Bool), false),
        ContextType::BooleanList => (Some(ValueType::Bool), true),
        ContextType::Ip => (Some(ValueType::Ip), false),
        ContextType::IpList => (Some(ValueType::Ip), true),
        ContextType::Binary => (Some(ValueType::Binary), false),
        ContextType::BinaryList => (Some(ValueType::Binary), true),
        ContextType::Date => (Some(ValueType::Date), false),
        ContextType::DateList => (Some(ValueType::Date), true),
    };
    match (list, e.values.as_slice()) {
        (true, values) => Ok(ContextValue::List {
            values: values.to_vec(),
            ty,
        }),
        (false, [value]) => Ok(ContextValue::Single {
            value: value.clone(),
            ty,
        }),
        (false, values) => Err(format!(
            "`{}` has {} values but type `{}` takes one; use `{}List` for several",
            e.key,
            values.len(),
            e.kind.as_str(),
            e.kind.as_str()
        )),
    }
}

/// Context entries → engine context, every problem at once.
pub fn context_from_entries(entries: &[ContextEntry]) -> Result<Context, Vec<String>> {
    let mut ctx = Context::new();
    let mut errors = Vec::new();
    for e in entries {
        match context_value(e) {
            Ok(v) => ctx.insert(e.key.clone(), v),
            Err(m) => errors.push(m),
        }
    }
    if errors.is_empty() {
        Ok(ctx)
    } else {
        Err(errors)
    }
}

pub fn check_principal(p: &str) -> Result<(), String> {
    let service = p.ends_with(".amazonaws.com") && !p.contains(':');
    if PrincipalArn::is_valid(p) || service {
        Ok(())
    } else {
        Err(format!(
            "`{p}` is not a principal ARN (arn:aws:iam::ACCOUNT:role/NAME, \
             arn:aws:iam::ACCOUNT:user/NAME or arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION)"
        ))
    }
}

pub fn check_action(a: &str) -> Result<(), String> {
    match a.split_once(':') {
        Some((service, name)) if !service.is_empty() && !name.is_empty() => Ok(()),
        _ => Err(format!(
            "`{a}` is not an action (expected service:Name, e.g. dynamodb:GetItem)"
        )),
    }
}

/// The default mode: a KMS key policy for `kms:` actions (the only ones it governs), else standard.
pub fn mode_for(explicit: Option<ResourcePolicyMode>, action: &str) -> ResourcePolicyMode {
    explicit.unwrap_or_else(|| {
        let is_kms = action
            .get(..4)
            .is_some_and(|p| p.eq_ignore_ascii_case("kms:"));
        if is_kms {
            ResourcePolicyMode::KmsKeyPolicy
        } else {
            ResourcePolicyMode::Standard
        }
    })
}

/// Decides one request in an open world (keys not given are not known to be absent).
pub fn decide(
    set: &PolicySet,
    principal: String,
    action: String,
    resource: String,
    context: Context,
) -> SimResult {
    let req = Request {
        principal,
        action,
        resource,
        context: context.with_world(crate::engine::World::Open),
    };
    let e = evaluate(set, &req);
    let mut r = SimResult::from_evaluation(req.action, req.resource, e);
    r.org_policies_evaluated = set.org.is_some();
    r
}

/// Decides one input line; a malformed line gives an `indeterminate` result with its errors.
/// One `--requests` line decided; `org` is `--org-policies-file`'s SCPs and RCPs, for every
/// line (`None`: none evaluated, and the result says so).
pub fn evaluate_line(
    cache: &mut PolicyCache,
    n: usize,
    text: &[u8],
    org: Option<&crate::engine::OrgPolicies>,
) -> SimResult {
    let req: LineFields = match line::read(text, &mut cache.recent) {
        Some(fields) => fields,
        None => match serde_json::from_slice::<RequestLine>(text) {
            Ok(r) => r.into(),
            Err(e) => return SimResult::malformed(None, None, vec![line_error(n, &e)]),
        },
    };
    let mut errors = Vec::new();
    if let Err(e) = check_principal(&req.principal) {
        errors.push(format!("`principal` {e}"));
    }
    if let Err(e) = check_action(&req.action) {
        errors.push(format!("`action` {e}"));
    }
    if req.resource.trim().is_empty() {
        errors.push("`resource` must not be empty (use `*` for actions without a resource)".into());
    }
    let identity = match &req.identity {
        Identity::Known(set) => Some(set.clone()),
        Identity::Listed { policies, text } => cache
            .identity_set(policies)
            .inspect(|set| {
                if let Some(text) = text {
                    cache.recent.remember_set(text, set);
                }
            })
            .map_err(|es| errors.extend(es))
            .ok(),
    };
    // `null` or no field: no such policy.
    let mut other = |kind, name: &str, doc: Option<&Doc>| {
        doc.map(|d| match d {
            Doc::Known(p) => Ok(p.clone()),
            Doc::Raw { doc, text } => cache
                .policy(kind, name, doc)
                .inspect(|p| match (kind, text) {
                    (PolicyKind::Boundary, Some(t)) => cache.recent.remember_boundary(t, p),
                    (PolicyKind::Resource, Some(t)) => cache.recent.remember_resource_policy(t, p),
                    _ => {}
                })
                .map_err(|e| errors.push(format!("{name}: {e}"))),
        })
    };
    let boundary = other(PolicyKind::Boundary, BOUNDARY_NAME, req.boundary.as_ref());
    let resource_policy = other(
        PolicyKind::Resource,
        RESOURCE_POLICY_NAME,
        req.resource_policy.as_ref(),
    );
    let mut context = Context::new();
    let entries = req.context.as_ref().map_or(&[][..], |c| c.0.as_slice());
    context.reserve(entries.len());
    for (k, v) in entries {
        match ContextValue::from_json(v).map(|v| context.try_insert(k.as_str(), v)) {
            Ok(Ok(())) => {}
            // Keys are case-insensitive: a second spelling would silently replace the first value.
            Ok(Err(first)) => errors.push(format!(
                "context key `{k}` is given twice (also as `{first}`; condition key names are case-insensitive): give it once"
            )),
            Err(e) => errors.push(format!("context `{k}`: {e}")),
        }
    }
    // Every failure above pushed to `errors`, so the `else` only ever sees a non-empty list.
    let (true, Some(identity), Ok(boundary), Ok(resource_policy)) = (
        errors.is_empty(),
        identity,
        boundary.transpose(),
        resource_policy.transpose(),
    ) else {
        return malformed_line(n, req, errors);
    };
    let mode = mode_for(
        req.resource_policy_mode.map(|m| match m {
            ModeWire::Standard => ResourcePolicyMode::Standard,
            ModeWire::Kms => ResourcePolicyMode::KmsKeyPolicy,
        }),
        &req.action,
    );
    let set = PolicySet {
        identity: &identity,
        boundary: boundary.as_deref(),
        resource_policy: resource_policy.as_deref().map(|p| (p, mode)),
        resource_account: None,
        org,
    };
    decide(&set, req.principal, req.action, req.resource, context)
}

fn malformed_line(n: usize, req: LineFields<'_>, errors: Vec<String>) -> SimResult {
    let errors = errors
        .into_iter()
        .map(|e| format!("line {n}: {e}"))
        .collect();
    SimResult::malformed(Some(req.action), Some(req.resource), errors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::needs::plan::parse_context_arg;

    #[test]
    fn context_types_map_to_engine_values() {
        let cases: [(&str, Result<ContextValue, &str>); 8] = [
            (
                "aws:SourceIp=10.0.0.1",
                Ok(ContextValue::string("10.0.0.1")),
            ),
            (
                "aws:SourceIp=ip:10.0.0.1",
                Ok(ContextValue::typed("10.0.0.1", ValueType::Ip)),
            ),
            (
                "aws:SecureTransport=boolean:true",
                Ok(ContextValue::typed("true", ValueType::Bool)),
            ),
            (
                "aws:CurrentTime=date:2024-01-01T00:00:00Z",
                Ok(ContextValue::typed("2024-01-01T00:00:00Z", ValueType::Date)),
            ),
            (
                "aws:TagKeys=stringList:a,b",
                Ok(ContextValue::list(["a", "b"])),
            ),
            ("aws:TagKeys=stringList:a", Ok(ContextValue::list(["a"]))),
            (
                "aws:SourceIp=ipList:10.0.0.1,10.0.0.2",
                Ok(ContextValue::List {
                    values: vec!["10.0.0.1".into(), "10.0.0.2".into()],
                    ty: Some(ValueType::Ip),
                }),
            ),
            ("aws:PrincipalTag/team=a,b", Err("use `stringList`")),
        ];
        for (arg, want) in cases {
            let got = context_value(&parse_context_arg(arg).unwrap());
            match (got, want) {
                (Ok(g), Ok(w)) => assert_eq!(g, w, "{arg}"),
                (Err(g), Err(w)) => assert!(g.contains(w), "{arg}: {g}"),
                (g, w) => panic!("{arg}: got {g:?}, want {w:?}"),
            }
        }
    }

    #[test]
    fn default_resource_policy_mode_follows_the_action() {
        let cases = [
            (None, "kms:Decrypt", ResourcePolicyMode::KmsKeyPolicy),
            (
                None,
                "KMS:GenerateDataKey",
                ResourcePolicyMode::KmsKeyPolicy,
            ),
            (None, "dynamodb:GetItem", ResourcePolicyMode::Standard),
            (None, "km", ResourcePolicyMode::Standard),
            (
                Some(ResourcePolicyMode::Standard),
                "kms:Decrypt",
                ResourcePolicyMode::Standard,
            ),
        ];
        for (explicit, action, want) in cases {
            assert_eq!(mode_for(explicit, action), want, "{action}");
        }
    }
}
