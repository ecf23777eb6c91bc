//! The request one check stands for, as AWS would build it: who calls (the role standing for any
//! of its sessions, the named session, or the user, with the principal's tags), from which region,
//! at which moment, with the check's and the user's context, as the engine's closed-world
//! [`Context`] ([`RequestContextTable`] decides which keys are known, unknown or absent). Also:
//! until when a grant that depends on the time holds, and how a row that depends on a value this
//! tool cannot know names it. Pure: no AWS, no I/O.

use std::collections::BTreeMap;

use crate::engine::{Context, ContextValue, NamedPolicy, World};
use crate::needs::request_context::{PrincipalFacts, RequestContextTable, RequestFacts};

/// Who the engine evaluates, as AWS would see the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The request's principal: a role ARN (with its path; the engine takes it for any session of
    /// the role), the session ARN the user named, or a user ARN.
    pub arn: String,
    /// For a named session: its role's ARN with the path (`aws:PrincipalArn`).
    pub role_arn: Option<String>,
    /// The principal's tags, `None` when not known (then `aws:PrincipalTag/*` is unknown).
    pub tags: Option<Vec<(String, String)>>,
}

impl Caller {
    /// The caller for a principal: its named session if there is one, else the role or user,
    /// with the tags the source listed and the ones stated with `--principal-tag` over them.
    pub fn of(
        principal: &crate::grants::model::Principal,
        stated_tags: Option<&BTreeMap<String, String>>,
    ) -> Caller {
        let tags = match (&principal.tags, stated_tags) {
            (None, None) => None,
            (known, stated) => {
                let mut all = known.clone().unwrap_or_default();
                all.extend(
                    stated
                        .into_iter()
                        .flatten()
                        .map(|(k, v)| (k.clone(), v.clone())),
                );
                Some(all.into_iter().collect())
            }
        };
        match &principal.session_arn {
            Some(s) => Caller {
                arn: s.clone(),
                role_arn: Some(principal.arn.clone()),
                tags,
            },
            None => Caller {
                arn: principal.arn.clone(),
                role_arn: None,
                tags,
            },
        }
    }
}

/// What every check of a run shares: the region of calls whose resource names none, and the moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// The run's region (`--region`, config), for resources whose ARN has no region (S3, IAM).
    pub region: Option<String>,
    /// Seconds since the epoch: now, or `--at`.
    pub epoch_seconds: i64,
    /// Whether the moment was stated (`--at`) rather than taken from the clock.
    pub stated: bool,
}

impl Setting {
    /// Now, by the system clock.
    pub fn now(region: Option<String>) -> Setting {
        let epoch_seconds = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or_default();
        Setting {
            region,
            epoch_seconds,
            stated: false,
        }
    }
}

/// The region a call goes to: the resource's, else the run's.
pub fn region_of(resource: &str, setting: &Setting) -> Option<String> {
    crate::iam::arn::Arn::parse(resource)
        .map(|a| a.region.to_string())
        .filter(|r| !r.is_empty())
        .or_else(|| setting.region.clone())
}

/// The engine context for one call: the closed world AWS would evaluate, with `entries` (the
/// catalogue's context for the check, then the user's `--context`, which wins) over it. An
/// action the request-context table does not describe gets an open-world context of `entries`:
/// the engine then never allows on a key it was not given.
pub fn context_for(
    action: &str,
    resource: &str,
    caller: &Caller,
    setting: &Setting,
    resource_owner: Option<&str>,
    entries: &[(String, ContextValue)],
) -> Context {
    let table = RequestContextTable::embedded();
    let service_keys = crate::iam::actions::lookup(action)
        .map(|a| a.condition_keys.clone())
        .unwrap_or_default();
    let region = region_of(resource, setting);
    let tags = caller.tags.as_deref();
    let facts = RequestFacts {
        action,
        resource,
        principal: PrincipalFacts {
            arn: &caller.arn,
            role_arn: caller.role_arn.as_deref(),
            tags,
        },
        region: region.as_deref().unwrap_or_default(),
        epoch_seconds: setting.epoch_seconds,
        resource_owner,
        service_keys: &service_keys,
        check_context: entries,
        user_context: &[],
    };
    match table.build(&facts) {
        Ok(mut ctx) => {
            if region.is_none()
                && !entries
                    .iter()
                    .any(|(k, _)| k.eq_ignore_ascii_case(REGION_KEY))
            {
                ctx.insert(REGION_KEY, ContextValue::unknown());
            }
            ctx
        }
        Err(_) => {
            let mut ctx = Context::new().with_world(World::Open);
            for (k, v) in entries {
                ctx.insert(k.clone(), v.clone());
            }
            ctx
        }
    }
}

const REGION_KEY: &str = "aws:RequestedRegion";

/// The condition keys that carry the time of the request.
const TIME_KEYS: &[&str] = &["aws:CurrentTime", "aws:EpochTime"];

/// Whether a context key is one of the request's time keys.
pub fn is_time_key(key: &str) -> bool {
    TIME_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key))
}

/// The instants (seconds since the epoch) at which a condition on the request's time in these
/// policies can change its answer: each date or epoch value tested against `aws:CurrentTime` or
/// `aws:EpochTime`, and the second after it.
pub fn time_boundaries<'a>(policies: impl IntoIterator<Item = &'a NamedPolicy>) -> Vec<i64> {
    let mut out = Vec::new();
    for p in policies {
        for s in &p.document.statements {
            for c in &s.conditions {
                if !is_time_key(&c.key) {
                    continue;
                }
                for v in &c.values {
                    if let Some(ns) = crate::engine::parse_date(v.source()) {
                        let secs = ns.div_euclid(1_000_000_000);
                        if let Ok(secs) = i64::try_from(secs) {
                            out.push(secs);
                            out.push(secs.saturating_add(1));
                        }
                    }
                }
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Until when an answer that holds at `from` keeps holding, given the instants at which it can
/// change (see [`time_boundaries`]): the last second before the first later instant at which
/// `holds` is false; `None` when it holds at every one of them.
pub fn holds_until(from: i64, boundaries: &[i64], holds: impl Fn(i64) -> bool) -> Option<i64> {
    boundaries
        .iter()
        .copied()
        .filter(|t| *t > from)
        .find(|t| !holds(*t))
        .map(|t| t - 1)
}

/// `--principal-tag KEY=VALUE`: an IAM tag (key 1 to 128 characters, value up to 256; IAM's
/// tagging rules, id_tags).
pub fn principal_tag_arg(s: &str) -> Result<(String, String), String> {
    let Some((k, v)) = s.split_once('=') else {
        return Err(format!(
            "`{s}` is not KEY=VALUE; give the tag as --principal-tag team=orders"
        ));
    };
    if k.is_empty() || k.chars().count() > 128 || v.chars().count() > 256 {
        return Err(format!(
            "`{s}` is not an IAM tag: the key must have 1 to 128 characters and the value at most 256"
        ));
    }
    Ok((k.to_string(), v.to_string()))
}

/// `--at TIME`: an ISO 8601 date or date-time (UTC unless it says otherwise) or epoch seconds,
/// read as AWS reads date condition values.
pub fn at_arg(s: &str) -> Result<i64, String> {
    crate::engine::parse_date(s)
        .and_then(|ns| i64::try_from(ns.div_euclid(1_000_000_000)).ok())
        .ok_or_else(|| {
            format!("`{s}` is not a time; give an ISO 8601 date-time such as 2027-01-31T12:00:00Z, or epoch seconds")
        })
}

/// Adds the request facts the user stated (`--principal-tag`, `--at`, `--no-org-policies`) to
/// a snapshot's recorded `stated` object, each only when given.
pub fn record_stated(
    stated_json: &mut serde_json::Value,
    s: &crate::verdict::pipeline::Statements,
) {
    if let Some(obj) = stated_json.as_object_mut() {
        if let Some(tags) = &s.principal_tags {
            obj.insert("principal_tags".into(), serde_json::json!(tags));
        }
        if let Some(at) = s.at {
            obj.insert("at".into(), serde_json::json!(at));
        }
        if s.no_org_policies {
            obj.insert("no_org_policies".into(), serde_json::json!(true));
        }
        // The organization policies change the answer as much as the principal's own: a
        // replay must be asked with the same choice and the same file.
        use crate::grants::org::OrgPoliciesChoice;
        match s.org_policies {
            OrgPoliciesChoice::Auto => {}
            OrgPoliciesChoice::Read => {
                obj.insert("org_policies".into(), serde_json::json!("read"));
            }
            OrgPoliciesChoice::Never => {
                obj.insert("org_policies".into(), serde_json::json!("never"));
            }
        }
        if let Some(file) = &s.org_policies_file {
            obj.insert("org_policies_file".into(), serde_json::json!(file));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recorded_plan_holds_the_org_policies_choice_and_file() {
        use crate::grants::org::{OrgPolicies, OrgPoliciesChoice};
        let record = |s: &crate::verdict::pipeline::Statements| {
            let mut v = serde_json::json!({});
            record_stated(&mut v, s);
            v
        };
        let mut s = crate::verdict::pipeline::Statements::default();
        // The default is not recorded: snapshots saved before these flags still replay.
        assert_eq!(record(&s), serde_json::json!({}));
        s.org_policies = OrgPoliciesChoice::Never;
        assert_eq!(record(&s), serde_json::json!({"org_policies": "never"}));
        s.org_policies = OrgPoliciesChoice::Read;
        s.org_policies_file = Some(OrgPolicies {
            account: "111122223333".into(),
            organization: None,
        });
        assert_eq!(
            record(&s),
            serde_json::json!({"org_policies": "read", "org_policies_file":
                {"account": "111122223333", "organization": null}})
        );
    }
    use crate::engine::{Lookup, PolicyDocument, PolicyKind};
    use crate::grants::model::Principal;
    use crate::iam::arn::PrincipalKind;

    fn principal(session: Option<&str>, tags: Option<&[(&str, &str)]>) -> Principal {
        Principal {
            kind: PrincipalKind::Role,
            name: "app".into(),
            arn: "arn:aws:iam::111122223333:role/svc/app".into(),
            account: "111122223333".into(),
            partition: "aws".into(),
            session_arn: session.map(str::to_string),
            boundary_arn: None,
            tags: tags.map(|t| {
                t.iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect()
            }),
        }
    }

    fn value(ctx: &Context, key: &str) -> String {
        match ctx.lookup(key, "arn:aws:iam::111122223333:role/svc/app") {
            Lookup::Value(v) => v
                .known_values()
                .map(|v| v.join(","))
                .unwrap_or_else(|| "?".into()),
            _ => "absent".into(),
        }
    }

    #[test]
    fn sessions_keep_the_role_arn_and_stated_tags_win() {
        let stated: BTreeMap<String, String> = [("team".to_string(), "b".to_string())].into();
        let c = Caller::of(
            &principal(
                Some("arn:aws:sts::111122223333:assumed-role/app/s1"),
                Some(&[("team", "a"), ("env", "prod")]),
            ),
            Some(&stated),
        );
        assert_eq!(c.arn, "arn:aws:sts::111122223333:assumed-role/app/s1");
        assert_eq!(
            c.role_arn.as_deref(),
            Some("arn:aws:iam::111122223333:role/svc/app")
        );
        assert_eq!(
            c.tags,
            Some(vec![
                ("env".to_string(), "prod".to_string()),
                ("team".to_string(), "b".to_string())
            ])
        );
        assert_eq!(Caller::of(&principal(None, None), None).tags, None);
    }

    #[test]
    fn the_region_comes_from_the_resource_and_unknown_when_none() {
        let caller = Caller::of(&principal(None, Some(&[])), None);
        let setting = Setting {
            region: None,
            epoch_seconds: 0,
            stated: true,
        };
        let t = "arn:aws:dynamodb:eu-west-1:111122223333:table/t";
        let ctx = context_for("dynamodb:GetItem", t, &caller, &setting, None, &[]);
        assert_eq!(value(&ctx, "aws:RequestedRegion"), "eu-west-1");
        let ctx = context_for(
            "s3:GetObject",
            "arn:aws:s3:::b/k",
            &caller,
            &setting,
            None,
            &[],
        );
        assert_eq!(value(&ctx, "aws:RequestedRegion"), "?");
        assert_eq!(value(&ctx, "aws:CurrentTime"), "1970-01-01T00:00:00Z");
        // An action the table does not know: an open world of what was given.
        let ctx = context_for("dynamodb:Nope", t, &caller, &setting, None, &[]);
        assert_eq!(ctx.world(), World::Open);
    }

    #[test]
    fn time_boundaries_and_until() {
        let doc = PolicyDocument::parse(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"},"NumericLessThan":{"aws:EpochTime":"100"},"StringEquals":{"aws:username":"2030-01-01"}}}}"#,
        )
        .unwrap();
        let p = NamedPolicy::new("p", PolicyKind::Identity, doc).unwrap();
        let b = time_boundaries([&p]);
        assert_eq!(b, vec![100, 101, 1_893_456_000, 1_893_456_001]);
        assert_eq!(
            holds_until(0, &b, |t| t < 1_893_456_000),
            Some(1_893_455_999)
        );
        assert_eq!(holds_until(0, &b, |_| true), None);
        assert_eq!(holds_until(0, &b, |t| t < 100), Some(99));
    }
}
