//! The request context AWS builds for one call pydynox makes, as data (`request_context.toml`), and the
//! policy engine's closed-world [`Context`] built from it for (action, resource, principal facts, region,
//! time, the check's own context, the user's `--context`). Owns reading and applying that table; pure: it
//! reads no files, calls nothing, and is given every fact it uses.
//!
//! Each key AWS may put in the request is one of: a value the check knows (the region, the principal's
//! ARN and tags, the time, ...), a key AWS sends whose value the check cannot know
//! ([`ContextValue::Unknown`], e.g. `aws:SourceIp`, `dynamodb:LeadingKeys`), a key AWS may or may not send
//! (unknown, maybe absent), or absent. A condition on an unknown key makes its statement unknown in the
//! engine, so a grant that depends on it is never a PASS. Where the table is silent about one of the
//! action's Service Authorization Reference keys, the key is taken as "may be sent, value unknown": the
//! fail-safe reading of "unclear whether AWS sends it".

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::engine::principal::{PrincipalArn, PrincipalType, arn_account};
use crate::engine::{Context, ContextValue, ValueType, World};

/// The data file, embedded at build time.
pub const REQUEST_CONTEXT_TOML: &str = include_str!("request_context.toml");

/// Problems with the table (a build-time bug, caught by tests) or with a request to build.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestContextError {
    #[error("the request-context table is invalid: {0}")]
    Invalid(String),
    #[error(
        "no request-context entry for action `{0}`; add `[actions.\"{0}\"]` to src/needs/request_context.toml"
    )]
    UnknownAction(String),
}

/// A value the check knows from its inputs (see [`RequestFacts`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fact {
    Region,
    PrincipalArn,
    PrincipalAccount,
    PrincipalType,
    Username,
    PrincipalTags,
    CurrentTime,
    EpochTime,
    ResourceAccount,
    CallerAccount,
}

impl Fact {
    fn parse(s: &str) -> Option<Fact> {
        Some(match s {
            "region" => Fact::Region,
            "principal_arn" => Fact::PrincipalArn,
            "principal_account" => Fact::PrincipalAccount,
            "principal_type" => Fact::PrincipalType,
            "username" => Fact::Username,
            "principal_tags" => Fact::PrincipalTags,
            "current_time" => Fact::CurrentTime,
            "epoch_time" => Fact::EpochTime,
            "resource_account" => Fact::ResourceAccount,
            "caller_account" => Fact::CallerAccount,
            _ => return None,
        })
    }
}

/// What AWS puts in the request for one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    Fact(Fact),
    Known {
        value: String,
        ty: Option<ValueType>,
    },
    Unknown,
    Maybe,
    Absent,
}

/// A key's rule and the reason given in the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRule {
    /// The key as spelt in the table (a family ends in `*`).
    pub key: String,
    pub rule: Rule,
    pub why: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    fact: Option<String>,
    known: Option<String>,
    #[serde(rename = "type")]
    ty: Option<String>,
    why: Option<String>,
    unknown: Option<String>,
    maybe: Option<String>,
    absent: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    global: BTreeMap<String, RawRule>,
    role: BTreeMap<String, RawRule>,
    user: BTreeMap<String, RawRule>,
    services: BTreeMap<String, BTreeMap<String, RawRule>>,
    actions: BTreeMap<String, BTreeMap<String, RawRule>>,
}

type Layer = Vec<KeyRule>;

/// The table, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestContextTable {
    global: Layer,
    role: Layer,
    user: Layer,
    /// By service prefix, lower case.
    services: BTreeMap<String, Layer>,
    /// By action, lower case.
    actions: BTreeMap<String, Layer>,
    /// Actions as spelt in the table.
    action_names: Vec<String>,
}

fn value_type(s: &str) -> Option<ValueType> {
    Some(match s {
        "string" => ValueType::String,
        "numeric" => ValueType::Numeric,
        "date" => ValueType::Date,
        "boolean" => ValueType::Bool,
        "ip" => ValueType::Ip,
        "binary" => ValueType::Binary,
        "arn" => ValueType::Arn,
        _ => return None,
    })
}

fn layer(where_: &str, raw: BTreeMap<String, RawRule>) -> Result<Layer, RequestContextError> {
    raw.into_iter()
        .map(|(key, r)| {
            let bad = |m: &str| RequestContextError::Invalid(format!("{where_} `{key}`: {m}"));
            let given = [&r.fact, &r.known, &r.unknown, &r.maybe, &r.absent]
                .iter()
                .filter(|x| x.is_some())
                .count();
            if given != 1 {
                return Err(bad(
                    "give exactly one of `fact`, `known`, `unknown`, `maybe`, `absent`",
                ));
            }
            let (rule, why) = match r {
                RawRule {
                    fact: Some(f), why, ..
                } => (
                    Rule::Fact(Fact::parse(&f).ok_or_else(|| bad(&format!("unknown fact `{f}`")))?),
                    why,
                ),
                RawRule {
                    known: Some(v),
                    ty,
                    why,
                    ..
                } => {
                    let ty = match ty {
                        None => None,
                        Some(t) => Some(
                            value_type(&t).ok_or_else(|| bad(&format!("unknown type `{t}`")))?,
                        ),
                    };
                    (Rule::Known { value: v, ty }, why)
                }
                RawRule {
                    unknown: Some(w), ..
                } => (Rule::Unknown, Some(w)),
                RawRule { maybe: Some(w), .. } => (Rule::Maybe, Some(w)),
                RawRule {
                    absent: Some(w), ..
                } => (Rule::Absent, Some(w)),
                _ => unreachable!("exactly one kind was checked above"),
            };
            let why = why
                .filter(|w| !w.trim().is_empty())
                .ok_or_else(|| bad("say why (`why = \"...\"`)"))?;
            if key.contains('*') && !key.ends_with('*') {
                return Err(bad("a family key must end in `*`"));
            }
            Ok(KeyRule { key, rule, why })
        })
        .collect()
}

/// A Service Authorization Reference key as the table spells it: `aws:RequestTag/${TagKey}` and
/// `s3:RequestObjectTag/<key>` become the families `aws:RequestTag/*` and `s3:RequestObjectTag/*`.
pub fn normalise_service_key(k: &str) -> String {
    match k.find(['$', '<']) {
        Some(i) => format!("{}*", &k[..i]),
        None => k.to_string(),
    }
}

/// What the check knows about one request.
#[derive(Debug, Clone, Copy)]
pub struct RequestFacts<'a> {
    /// `service:Action`.
    pub action: &'a str,
    /// The resource ARN (or `*`).
    pub resource: &'a str,
    pub principal: PrincipalFacts<'a>,
    /// The region of the call (the resource's region, or the client's for resource-less actions).
    pub region: &'a str,
    /// The moment the check is about (now, or `--at`), in seconds since the Unix epoch.
    pub epoch_seconds: i64,
    /// The owner of the resource when its ARN has no account (an S3 bucket), if known.
    pub resource_owner: Option<&'a str>,
    /// The action's condition keys from the Service Authorization Reference (`src/data/aws-actions.json`).
    pub service_keys: &'a [String],
    /// The catalogue's context for this check (known values, e.g. `dynamodb:EnclosingOperation`).
    pub check_context: &'a [(String, ContextValue)],
    /// The user's `--context` values: they win over everything.
    pub user_context: &'a [(String, ContextValue)],
}

/// The principal checked.
#[derive(Debug, Clone, Copy)]
pub struct PrincipalFacts<'a> {
    /// A role ARN (standing for any session of the role), a session ARN, or a user ARN.
    pub arn: &'a str,
    /// For a session ARN: its role's ARN with path, when known.
    pub role_arn: Option<&'a str>,
    /// The principal's tags (IAM returns them), or `None` when they are not known.
    pub tags: Option<&'a [(String, String)]>,
}

/// `YYYY-MM-DDTHH:MM:SSZ` for seconds since the epoch (proleptic Gregorian, UTC).
pub fn iso8601(epoch_seconds: i64) -> String {
    let days = epoch_seconds.div_euclid(86_400);
    let secs = epoch_seconds.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3_600,
        secs / 60 % 60,
        secs % 60
    )
}

impl RequestContextTable {
    pub fn parse(text: &str) -> Result<RequestContextTable, RequestContextError> {
        let raw: RawTable =
            toml::from_str(text).map_err(|e| RequestContextError::Invalid(e.to_string()))?;
        let action_names = raw.actions.keys().cloned().collect();
        Ok(RequestContextTable {
            global: layer("[global]", raw.global)?,
            role: layer("[role]", raw.role)?,
            user: layer("[user]", raw.user)?,
            services: raw
                .services
                .into_iter()
                .map(|(s, l)| Ok((s.to_lowercase(), layer(&format!("[services.{s}]"), l)?)))
                .collect::<Result<_, _>>()?,
            actions: raw
                .actions
                .into_iter()
                .map(|(a, l)| Ok((a.to_lowercase(), layer(&format!("[actions.\"{a}\"]"), l)?)))
                .collect::<Result<_, _>>()?,
            action_names,
        })
    }

    /// The embedded table.
    pub fn embedded() -> &'static RequestContextTable {
        static TABLE: OnceLock<RequestContextTable> = OnceLock::new();
        TABLE.get_or_init(|| {
            RequestContextTable::parse(REQUEST_CONTEXT_TOML)
                .expect("the embedded request-context table is valid (tested)")
        })
    }

    /// The actions the table describes, as spelt there.
    pub fn actions(&self) -> &[String] {
        &self.action_names
    }

    pub fn has_action(&self, action: &str) -> bool {
        self.actions.contains_key(&action.to_lowercase())
    }

    /// Every layer that applies to `action` for a principal of this kind, in the order they apply.
    fn layers(&self, action: &str, user: bool) -> Result<Vec<&Layer>, RequestContextError> {
        let service = action.split(':').next().unwrap_or_default().to_lowercase();
        let Some(own) = self.actions.get(&action.to_lowercase()) else {
            return Err(RequestContextError::UnknownAction(action.to_string()));
        };
        let mut out = vec![&self.global, if user { &self.user } else { &self.role }];
        out.extend(self.services.get(&service));
        out.push(own);
        Ok(out)
    }

    /// The rule that decides `key` for `action` (an exact key wins over a family, a later layer over an
    /// earlier one), with the table's reason; `None` when the table does not name it (then the key is
    /// absent, or "may be sent" if it is one of the action's Service Authorization Reference keys). For
    /// reports: `depends on aws:SourceIp: WHY`.
    pub fn rule(&self, action: &str, key: &str, user: bool) -> Option<&KeyRule> {
        let key = key.to_lowercase();
        let mut exact = None;
        let mut family: Option<(usize, &KeyRule)> = None;
        for l in self.layers(action, user).ok()? {
            for r in l {
                let k = r.key.to_lowercase();
                match k.strip_suffix('*') {
                    Some(prefix)
                        if key.starts_with(prefix)
                            && family.is_none_or(|(len, _)| prefix.len() >= len) =>
                    {
                        family = Some((prefix.len(), r));
                    }
                    Some(_) => {}
                    None if k == key => exact = Some(r),
                    None => {}
                }
            }
        }
        exact.or(family.map(|(_, r)| r))
    }

    /// The engine context AWS would evaluate this request with: [`World::Closed`], every key the table,
    /// the Service Authorization Reference, the check or the user names, known or marked unknown.
    pub fn build(&self, f: &RequestFacts) -> Result<Context, RequestContextError> {
        let principal = PrincipalArn::parse(f.principal.arn);
        let is_user = principal
            .as_ref()
            .is_some_and(|p| p.kind == PrincipalType::User);
        // Key (lower case) → (spelling, rule); later layers replace earlier ones.
        let mut rules: BTreeMap<String, (String, Rule)> = BTreeMap::new();
        for l in self.layers(f.action, is_user)? {
            for r in l {
                rules.insert(r.key.to_lowercase(), (r.key.clone(), r.rule.clone()));
            }
        }
        for k in f.service_keys {
            let k = normalise_service_key(k);
            rules
                .entry(k.to_lowercase())
                .or_insert_with(|| (k.clone(), Rule::Maybe));
        }

        let mut ctx = Context::new().with_world(World::Closed);
        for (key, rule) in rules.into_values() {
            match rule {
                Rule::Absent => {}
                Rule::Unknown => ctx.insert(key, ContextValue::unknown()),
                Rule::Maybe => ctx.insert(key, ContextValue::maybe_absent()),
                Rule::Known { value, ty } => ctx.insert(key, ContextValue::Single { value, ty }),
                Rule::Fact(fact) => self.fact(&mut ctx, key, fact, f, principal.as_ref()),
            }
        }
        for (k, v) in f.check_context.iter().chain(f.user_context) {
            ctx.insert(k.clone(), v.clone());
        }
        Ok(ctx)
    }

    fn fact(
        &self,
        ctx: &mut Context,
        key: String,
        fact: Fact,
        f: &RequestFacts,
        p: Option<&PrincipalArn>,
    ) {
        let s = |v: &str| ContextValue::string(v);
        let unknown = ContextValue::unknown;
        let value = match (fact, p) {
            (Fact::Region, _) => s(f.region),
            (Fact::PrincipalArn, Some(p)) if p.kind == PrincipalType::AssumedRole => {
                f.principal.role_arn.map_or_else(unknown, s)
            }
            (Fact::PrincipalArn, Some(_)) => s(f.principal.arn),
            (Fact::PrincipalAccount | Fact::CallerAccount, Some(p)) => s(&p.account),
            (Fact::PrincipalType, Some(p)) => s(match p.kind {
                PrincipalType::User => "User",
                PrincipalType::Role | PrincipalType::AssumedRole => "AssumedRole",
                PrincipalType::FederatedUser => "FederatedUser",
                PrincipalType::Root => "Account",
            }),
            (Fact::Username, Some(p)) if p.kind == PrincipalType::User => s(&p.name),
            (Fact::Username, _) => return,
            (Fact::PrincipalTags, _) => {
                match f.principal.tags {
                    // Tags the principal does not carry are absent: the closed world says so.
                    Some(tags) => {
                        let prefix = key.trim_end_matches('*');
                        for (k, v) in tags {
                            ctx.insert(format!("{prefix}{k}"), s(v));
                        }
                    }
                    None => ctx.insert(key, ContextValue::maybe_absent()),
                }
                return;
            }
            (Fact::CurrentTime, _) => {
                ContextValue::typed(iso8601(f.epoch_seconds), ValueType::Date)
            }
            (Fact::EpochTime, _) => s(&f.epoch_seconds.to_string()),
            (Fact::ResourceAccount, _) => match arn_account(f.resource).or(f.resource_owner) {
                Some(a) => s(a),
                None => unknown(),
            },
            // A principal we cannot parse: its facts are unknown, never guessed.
            (_, None) => unknown(),
        };
        ctx.insert(key, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{
        Decision, Lookup, NamedPolicy, PolicyDocument, PolicyKind, PolicySet, Request, evaluate,
    };

    const ROLE: &str = "arn:aws:iam::111122223333:role/app/Orders";
    const SESS: &str = "arn:aws:sts::111122223333:assumed-role/Orders/i-1";
    const USER: &str = "arn:aws:iam::111122223333:user/dev/alice";
    const TABLE: &str = "arn:aws:dynamodb:eu-west-1:111122223333:table/orders";

    fn keys(action: &str) -> Vec<String> {
        crate::iam::actions::lookup(action)
            .map(|a| a.condition_keys.clone())
            .unwrap_or_default()
    }

    fn facts<'a>(
        action: &'a str,
        resource: &'a str,
        p: PrincipalFacts<'a>,
        sk: &'a [String],
    ) -> RequestFacts<'a> {
        RequestFacts {
            action,
            resource,
            principal: p,
            region: "eu-west-1",
            epoch_seconds: 1_767_225_600,
            resource_owner: None,
            service_keys: sk,
            check_context: &[],
            user_context: &[],
        }
    }

    fn role() -> PrincipalFacts<'static> {
        PrincipalFacts {
            arn: ROLE,
            role_arn: None,
            tags: Some(&[]),
        }
    }

    /// What the context says about a key: the value, `?` (unknown, present), `?maybe`, or `absent`.
    fn show(ctx: &Context, key: &str, principal: &str) -> String {
        match ctx.lookup(key, principal) {
            Lookup::Value(v) => match v.as_ref() {
                ContextValue::Unknown {
                    may_be_absent: true,
                    ..
                } => "?maybe".into(),
                ContextValue::Unknown { .. } => "?".into(),
                v => v.known_values().unwrap_or_default().join(","),
            },
            Lookup::Absent | Lookup::Missing => "absent".into(),
        }
    }

    #[test]
    fn embedded_table_is_valid() {
        let t = RequestContextTable::embedded();
        assert!(t.has_action("dynamodb:GetItem"));
        assert!(t.has_action("DynamoDB:getitem"));
        assert!(!t.has_action("dynamodb:Nope"));
    }

    #[test]
    fn every_catalogue_action_has_an_entry() {
        let cat = crate::needs::catalogue::Catalogue::embedded();
        let t = RequestContextTable::embedded();
        let mut missing = Vec::new();
        for f in &cat.features {
            for c in &f.checks {
                if !t.has_action(&c.action) && !missing.contains(&c.action) {
                    missing.push(c.action.clone());
                }
            }
        }
        assert!(
            missing.is_empty(),
            "no request-context entry for {missing:?}"
        );
    }

    #[test]
    fn every_table_action_and_key_is_known_to_aws() {
        // Actions exist in the Service Authorization Reference; keys of an action table are that
        // action's keys or global (`aws:`) keys; service tables hold that service's keys or global ones.
        let t = RequestContextTable::embedded();
        let mut errors = Vec::new();
        for a in t.actions() {
            let Some(info) = crate::iam::actions::lookup(a) else {
                errors.push(format!(
                    "action `{a}` is not in the Service Authorization Reference"
                ));
                continue;
            };
            let own: Vec<String> = info
                .condition_keys
                .iter()
                .map(|k| normalise_service_key(k).to_lowercase())
                .collect();
            let service = a.split(':').next().unwrap_or_default();
            for r in &t.actions[&a.to_lowercase()] {
                let k = r.key.to_lowercase();
                let ok = k.starts_with("aws:")
                    || own.contains(&k)
                    || k.starts_with(&format!("{service}:"));
                if !ok {
                    errors.push(format!("`{}` under `{a}` is not one of its keys", r.key));
                }
            }
        }
        for (service, l) in &t.services {
            for r in l {
                let k = r.key.to_lowercase();
                if !(k.starts_with("aws:")
                    || k.starts_with(&format!("{service}:"))
                    || k.starts_with("iam:"))
                {
                    errors.push(format!("`{}` under [services.{service}]", r.key));
                }
            }
        }
        assert!(errors.is_empty(), "{errors:#?}");
    }

    #[test]
    fn a_role_getitem() {
        let sk = keys("dynamodb:GetItem");
        let check = [(
            "dynamodb:ReturnConsumedCapacity".to_string(),
            ContextValue::string("TOTAL"),
        )];
        let mut f = facts("dynamodb:GetItem", TABLE, role(), &sk);
        f.check_context = &check;
        let ctx = RequestContextTable::embedded().build(&f).unwrap();
        assert_eq!(ctx.world(), World::Closed);
        let cases = [
            ("aws:RequestedRegion", "eu-west-1"),
            ("aws:PrincipalArn", ROLE),
            ("aws:PrincipalAccount", "111122223333"),
            ("aws:PrincipalType", "AssumedRole"),
            ("aws:SecureTransport", "true"),
            ("aws:ViaAWSService", "false"),
            ("aws:PrincipalIsAWSService", "false"),
            ("aws:CurrentTime", "2026-01-01T00:00:00Z"),
            ("aws:EpochTime", "1767225600"),
            ("aws:ResourceAccount", "111122223333"),
            ("aws:SourceIp", "?maybe"),
            ("aws:SourceVpce", "?maybe"),
            ("aws:userid", "?"),
            ("aws:username", "absent"),
            ("aws:TokenIssueTime", "?"),
            ("aws:CalledVia", "absent"),
            ("aws:PrincipalTag/team", "absent"),
            ("aws:ResourceTag/env", "?maybe"),
            ("dynamodb:LeadingKeys", "?"),
            ("dynamodb:Attributes", "?maybe"),
            ("dynamodb:Select", "?maybe"),
            ("dynamodb:EnclosingOperation", "absent"),
            ("dynamodb:ReturnConsumedCapacity", "TOTAL"),
            ("s3:prefix", "absent"),
        ];
        for (k, want) in cases {
            assert_eq!(show(&ctx, k, ROLE), want, "{k}");
        }
    }

    #[test]
    fn sessions_users_tags_and_the_user_context() {
        let sk = keys("dynamodb:Query");
        let tags = [("team".to_string(), "orders".to_string())];
        let user_ctx = [(
            "aws:SourceIp".to_string(),
            ContextValue::typed("10.0.0.1", ValueType::Ip),
        )];
        let t = RequestContextTable::embedded();
        // A session without its role's ARN: aws:PrincipalArn is unknown, not the session ARN.
        let sess = PrincipalFacts {
            arn: SESS,
            role_arn: None,
            tags: None,
        };
        let ctx = t.build(&facts("dynamodb:Query", TABLE, sess, &sk)).unwrap();
        assert_eq!(show(&ctx, "aws:PrincipalArn", SESS), "?");
        assert_eq!(show(&ctx, "aws:PrincipalTag/team", SESS), "?maybe");
        let sess = PrincipalFacts {
            arn: SESS,
            role_arn: Some(ROLE),
            tags: Some(&tags),
        };
        let mut f = facts("dynamodb:Query", TABLE, sess, &sk);
        f.user_context = &user_ctx;
        let ctx = t.build(&f).unwrap();
        assert_eq!(show(&ctx, "aws:PrincipalArn", SESS), ROLE);
        assert_eq!(show(&ctx, "aws:PrincipalTag/team", SESS), "orders");
        assert_eq!(show(&ctx, "aws:PrincipalTag/other", SESS), "absent");
        assert_eq!(show(&ctx, "aws:SourceIp", SESS), "10.0.0.1");
        // A user: aws:username known, no session keys.
        let user = PrincipalFacts {
            arn: USER,
            role_arn: None,
            tags: Some(&[]),
        };
        let ctx = t.build(&facts("dynamodb:Query", TABLE, user, &sk)).unwrap();
        assert_eq!(show(&ctx, "aws:username", USER), "alice");
        assert_eq!(show(&ctx, "aws:PrincipalType", USER), "User");
        assert_eq!(show(&ctx, "aws:TokenIssueTime", USER), "absent");
    }

    #[test]
    fn buckets_keys_and_resourceless_actions() {
        let t = RequestContextTable::embedded();
        let sk = keys("s3:GetObject");
        let obj = "arn:aws:s3:::attachments/orders/x";
        let ctx = t.build(&facts("s3:GetObject", obj, role(), &sk)).unwrap();
        assert_eq!(show(&ctx, "aws:ResourceAccount", ROLE), "?");
        assert_eq!(show(&ctx, "s3:ResourceAccount", ROLE), "?");
        assert_eq!(show(&ctx, "s3:ExistingObjectTag/x", ROLE), "?maybe");
        // A SAR key the table does not classify: may be sent.
        assert_eq!(show(&ctx, "s3:if-match", ROLE), "absent");
        assert_eq!(show(&ctx, "s3:signatureversion", ROLE), "?");
        let mut f = facts("s3:GetObject", obj, role(), &sk);
        f.resource_owner = Some("444455556666");
        let ctx = t.build(&f).unwrap();
        assert_eq!(show(&ctx, "aws:ResourceAccount", ROLE), "444455556666");

        let sk = keys("s3:PutObject");
        let ctx = t.build(&facts("s3:PutObject", obj, role(), &sk)).unwrap();
        assert_eq!(
            show(&ctx, "s3:x-amz-server-side-encryption", ROLE),
            "?maybe"
        );

        let sk = keys("kms:Decrypt");
        let key = "arn:aws:kms:eu-west-1:111122223333:key/k";
        let ctx = t.build(&facts("kms:Decrypt", key, role(), &sk)).unwrap();
        assert_eq!(show(&ctx, "kms:CallerAccount", ROLE), "111122223333");
        assert_eq!(show(&ctx, "kms:ViaService", ROLE), "absent");
        assert_eq!(show(&ctx, "kms:RequestAlias", ROLE), "absent");
        assert_eq!(show(&ctx, "kms:EncryptionContext:tenant", ROLE), "?maybe");
        let ctx = t
            .build(&facts(
                "kms:CreateGrant",
                key,
                role(),
                &keys("kms:CreateGrant"),
            ))
            .unwrap();
        assert_eq!(show(&ctx, "kms:ViaService", ROLE), "?maybe");

        let ctx = t
            .build(&facts(
                "dynamodb:ListTables",
                "*",
                role(),
                &keys("dynamodb:ListTables"),
            ))
            .unwrap();
        assert_eq!(show(&ctx, "aws:ResourceAccount", ROLE), "absent");
        assert_eq!(
            t.build(&facts("dynamodb:Nope", "*", role(), &[])),
            Err(RequestContextError::UnknownAction("dynamodb:Nope".into()))
        );
    }

    #[test]
    fn the_engine_decides_with_it() {
        // Issue 8: an Allow on StringNotEquals aws:RequestedRegion us-east-1 checked in us-east-1, and a
        // Deny on Null aws:SourceVpce = true, with the context AWS would build.
        let doc = |s: &str| {
            NamedPolicy::new("p", PolicyKind::Identity, PolicyDocument::parse(s).unwrap()).unwrap()
        };
        let region_allow = doc(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":"eu-west-1"}}}}"#,
        );
        let allow = doc(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*","Resource":"*"}}"#,
        );
        let vpce_deny = doc(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Null":{"aws:SourceVpce":"true"}}}}"#,
        );
        let sk = keys("dynamodb:GetItem");
        let context = RequestContextTable::embedded()
            .build(&facts("dynamodb:GetItem", TABLE, role(), &sk))
            .unwrap();
        let req = Request {
            principal: ROLE.into(),
            action: "dynamodb:GetItem".into(),
            resource: TABLE.into(),
            context,
        };
        let decide = |ids: Vec<NamedPolicy>| {
            let set = PolicySet {
                identity: &ids,
                boundary: None,
                resource_policy: None,
                resource_account: None,
                org: None,
            };
            evaluate(&set, &req)
        };
        assert_eq!(decide(vec![region_allow]).decision, Decision::ImplicitDeny);
        let e = decide(vec![allow.clone(), vpce_deny]);
        assert_eq!(e.decision, Decision::Indeterminate);
        assert_eq!(e.unknown_context, vec!["aws:SourceVpce".to_string()]);
        assert_eq!(decide(vec![allow]).decision, Decision::Allowed);
    }

    #[test]
    fn rules_explain_keys() {
        let t = RequestContextTable::embedded();
        let r = t.rule("dynamodb:GetItem", "aws:SourceIp", false).unwrap();
        assert_eq!(r.rule, Rule::Maybe);
        assert!(r.why.contains("VPC endpoint"));
        assert_eq!(
            t.rule("dynamodb:Scan", "dynamodb:LeadingKeys", false)
                .map(|r| &r.rule),
            Some(&Rule::Absent)
        );
        assert_eq!(
            t.rule("dynamodb:GetItem", "aws:ResourceTag/env", false)
                .map(|r| &r.rule),
            Some(&Rule::Maybe)
        );
        assert!(t.rule("dynamodb:GetItem", "s3:prefix", false).is_none());
    }

    #[test]
    fn table_errors() {
        let bad = [
            (
                "[global]\n\"k\" = { unknown = \"x\", maybe = \"y\" }\n[role]\n[user]\n[services]\n[actions]\n",
                "exactly one",
            ),
            (
                "[global]\n\"k\" = { fact = \"nope\" }\n[role]\n[user]\n[services]\n[actions]\n",
                "unknown fact",
            ),
            (
                "[global]\n\"k\" = { fact = \"region\" }\n[role]\n[user]\n[services]\n[actions]\n",
                "say why",
            ),
            (
                "[global]\n\"k*x\" = { absent = \"x\" }\n[role]\n[user]\n[services]\n[actions]\n",
                "must end in",
            ),
            (
                "[global]\n\"k\" = { known = \"1\", type = \"weird\", why = \"x\" }\n[role]\n[user]\n[services]\n[actions]\n",
                "unknown type",
            ),
        ];
        for (text, want) in bad {
            let err = RequestContextTable::parse(text).unwrap_err().to_string();
            assert!(err.contains(want), "{err}");
        }
    }

    #[test]
    fn iso8601_dates() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(iso8601(1_767_225_599), "2025-12-31T23:59:59Z");
        assert_eq!(iso8601(-1), "1969-12-31T23:59:59Z");
    }
}
