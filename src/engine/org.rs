//! The organization's layers of the decision chain: service control policies (SCPs) for the principal's
//! account and resource control policies (RCPs) for the resource's account, each a chain of levels from
//! the organization root to the account. Owns when a layer applies and how a chain decides; must not read
//! AWS nor parse anything beyond building [`OrgPolicy`] from a parsed document.
//!
//! AWS (read 2026-12-02):
//! - IAM User Guide, reference_policies_evaluation-logic_policy-eval-denyallow: an explicit Deny in an SCP or
//!   RCP wins; otherwise both the RCPs and the SCPs must allow, then the resource, identity, boundary and
//!   session policies decide as usual.
//! - Organizations User Guide, orgs_manage_policies_scps_evaluation ("How SCPs work with Allow"): to allow a
//!   permission for an account there must be an explicit `Allow` at *every* level from the root through
//!   each OU in the direct path to the account, the account included; ("How SCPs work with Deny") a Deny at
//!   any level denies. orgs_manage_policies_scps: SCPs do not affect users or roles in the management
//!   account, nor service-linked roles.
//! - Organizations User Guide, orgs_manage_policies_rcps and orgs_manage_policies_rcps_evaluation: RCPs are
//!   evaluated like SCPs (an Allow at every level — `RCPFullAWSAccess` is attached at every level and cannot
//!   be detached — and no Deny at any level), for the resource's account; they do not affect resources of
//!   the management account; they apply only to the services on the page's list; they do not restrict
//!   service-linked roles.
//!
//! # Documented choices (fail safe: never an `Allowed` AWS would not give)
//! - **Applies or not is three-valued.** Whether a layer applies (management account, service-linked role,
//!   service on the RCP list) is a [`Tri`]: when it is not known, the layer must allow *and* not deny for
//!   the answer to be `Allowed`; when it is not known and the layer would deny, the answer is
//!   `Indeterminate`, not a deny AWS may not give.
//! - **Service-linked roles** are recognised by the `/aws-service-role/` path of a role ARN (IAM reserves the
//!   path for them). A session ARN has no path: a session of a role named `AWSServiceRoleFor...` may or may
//!   not be one (unknown); any other caller is not.
//! - **The RCP service list** ([`RCP_SERVICES`]) is the one on orgs_manage_policies_rcps as read from stored
//!   copies of AWS's pages on the date above. AWS extends it over time, and a service added after that date
//!   would be skipped wrongly, so a service *not* on the list is "may be covered" (unknown), not "not
//!   covered": an RCP `Deny` that would apply to it makes the answer `Indeterminate`, and RCPs that allow
//!   (`RCPFullAWSAccess`) leave it as it is.
//! - **Chains for another account.** An SCP chain describes one account: for a principal of another account
//!   (or one whose account is not known) the layer is unknown. The same for RCPs and the resource's account
//!   (a cross-account resource's RCPs are not read).
//! - **An empty chain** (no level at all) cannot describe an account of an organization with the policy
//!   type enabled (the root and the account are always levels): it is unknown. A level with no policy
//!   allows nothing (as AWS: no `Allow` at a level denies).

use super::condition::Tri;
use super::eval::{
    Outcome, ResourceAccount, Subject, evaluate_about_action, is_about_action, push_unique,
    resource_account,
};
use super::principal::{PrincipalArn, PrincipalType, arn_account};
use super::symbolic::eq_tri;
use super::{
    Decision, Effect, Evaluation, NamedPolicy, PolicyDocument, PolicyError, PolicyKind, PolicySet,
    Reason,
};
use serde::{Deserialize, Serialize};

/// Services whose resources RCPs apply to: the service prefixes of AWS Organizations User Guide,
/// "Resource control policies (RCPs)" (orgs_manage_policies_rcps.html#rcp-supported-services, "List of
/// AWS services that support RCPs"), in the page's order, as read 2026-12-02 from a stored copy of the
/// page. At launch (November 2024) it named S3, STS, KMS, SQS and Secrets Manager; it now names Amazon
/// DynamoDB (`dynamodb`) and DynamoDB Accelerator (`dax`) among 62 services, so an RCP `Deny` on a
/// pydynox table call is a deny, not "may be covered". Any service not listed stays "may be covered"
/// (see the module's choices): AWS adds services to the page over time.
pub const RCP_SERVICES: [&str; 62] = [
    "appstream",
    "dsql",
    "clouddirectory",
    "cloudfront",
    "cloudsearch",
    "logs",
    "networkmonitor",
    "cognito-identity",
    "cognito-idp",
    "comprehend",
    "comprehendmedical",
    "firehose",
    "dynamodb",
    "dax",
    "autoscaling",
    "ecr",
    "ecr-public",
    "gamelift",
    "inspector-scan",
    "kendra",
    "kinesisvideo",
    "memorydb",
    "aoss",
    "personalize",
    "polly",
    "s3",
    "swf",
    "sqs",
    "textract",
    "timestream-influxdb",
    "transcribe",
    "translate",
    "workspaces",
    "appconfig",
    "autoscaling-plans",
    "budgets",
    "servicediscovery",
    "cloudtrail-data",
    "codeartifact",
    "codebuild",
    "codecommit",
    "codepipeline",
    "compute-optimizer",
    "cost-optimization-hub",
    "events",
    "fms",
    "fis",
    "health",
    "rolesanywhere",
    "kms",
    "opensearch",
    "pricing",
    "pca-connector-ad",
    "resource-groups",
    "secretsmanager",
    "sts",
    "signin",
    "support",
    "transfer",
    "notifications",
    "wafv2",
    "xray",
];

/// Which organization policy type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgPolicyType {
    /// Service control policy: caps the principals of member accounts.
    Scp,
    /// Resource control policy: caps the resources of member accounts.
    Rcp,
}

impl OrgPolicyType {
    pub fn label(self) -> &'static str {
        match self {
            OrgPolicyType::Scp => "SCP",
            OrgPolicyType::Rcp => "RCP",
        }
    }
    fn kind(self) -> PolicyKind {
        match self {
            OrgPolicyType::Scp => PolicyKind::Scp,
            OrgPolicyType::Rcp => PolicyKind::Rcp,
        }
    }
}

/// One SCP or RCP: its id (`p-...`), its name, and the document.
#[derive(Debug, Clone, PartialEq)]
pub struct OrgPolicy {
    pub name: String,
    /// `id` is the policy id; `kind` is [`PolicyKind::Scp`] or [`PolicyKind::Rcp`].
    pub policy: NamedPolicy,
}

impl OrgPolicy {
    /// Build and check the document's elements for the type (SCPs as identity policies: no `Principal`,
    /// a `Resource`; RCPs as resource policies: a `Principal`).
    pub fn new(
        kind: OrgPolicyType,
        id: impl Into<super::Name>,
        name: impl Into<String>,
        document: PolicyDocument,
    ) -> Result<OrgPolicy, PolicyError> {
        Ok(OrgPolicy {
            name: name.into(),
            policy: NamedPolicy::new(id, kind.kind(), document)?,
        })
    }
}

/// The policies attached at one level of the path from the root to the account.
#[derive(Debug, Clone, PartialEq)]
pub struct OrgLevel {
    /// The target: the root (`r-...`), an OU (`ou-...`) or the account id.
    pub target: String,
    pub policies: Vec<OrgPolicy>,
}

/// An organization as it bears on one account.
#[derive(Debug, Clone, PartialEq)]
pub struct Organization {
    /// `o-...`, when known.
    pub id: Option<String>,
    pub management_account: String,
    /// The SCP chain (root first, the account last); `None` when SCPs are not enabled in the organization.
    pub scps: Option<Vec<OrgLevel>>,
    /// The RCP chain; `None` when RCPs are not enabled.
    pub rcps: Option<Vec<OrgLevel>>,
}

/// What the organization says about one account: [`PolicySet::org`]. `None` there means "not known", and
/// the engine then evaluates no SCP nor RCP (the caller must not call such an answer a pass).
#[derive(Debug, Clone, PartialEq)]
pub struct OrgPolicies {
    pub account: String,
    /// `None`: the account is in no organization, so no SCP nor RCP applies to it.
    pub organization: Option<Organization>,
}

/// Is the caller a service-linked role (see the module's choices)?
fn is_service_linked(principal: &str) -> Tri {
    match PrincipalArn::parse(principal) {
        Some(p) if p.kind == PrincipalType::Role => {
            Tri::from_bool(p.path.starts_with("/aws-service-role/"))
        }
        Some(p) if p.kind == PrincipalType::AssumedRole => {
            if p.name.starts_with("AWSServiceRoleFor") {
                Tri::Unknown
            } else {
                Tri::False
            }
        }
        _ => Tri::False,
    }
}

/// Whether RCPs cover the action's service.
fn rcp_covers(action: &str) -> Tri {
    let service = action.split(':').next().unwrap_or_default();
    if RCP_SERVICES.iter().any(|s| s.eq_ignore_ascii_case(service)) {
        Tri::True
    } else {
        Tri::Unknown
    }
}

/// One layer's answer for the request.
struct Layer<'a> {
    /// Some applicable Deny.
    deny: Tri,
    /// Every level allows (or the layer does not apply).
    allow: Tri,
    denies: Vec<(String, Outcome<'a>)>,
    notes: Vec<Outcome<'a>>,
    reasons: Vec<Reason>,
    unsupported: Vec<String>,
}

impl<'a> Layer<'a> {
    fn off(kind: OrgPolicyType, why: String) -> Layer<'a> {
        Layer {
            deny: Tri::False,
            allow: Tri::True,
            denies: Vec::new(),
            notes: Vec::new(),
            reasons: vec![Reason::OrgLayerNotApplicable { layer: kind, why }],
            unsupported: Vec::new(),
        }
    }
    fn unknown(why: String) -> Layer<'a> {
        Layer {
            deny: Tri::Unknown,
            allow: Tri::Unknown,
            denies: Vec::new(),
            notes: Vec::new(),
            reasons: Vec::new(),
            unsupported: vec![why],
        }
    }
}

/// Evaluate a chain whose applicability is `applies` (not `False`).
fn chain<'a>(
    kind: OrgPolicyType,
    levels: &'a [OrgLevel],
    applies: Tri,
    s: &Subject,
    exemption: &str,
) -> Layer<'a> {
    if levels.is_empty() {
        return Layer::unknown(format!(
            "the {} chain given has no level (the organization root and the account are always levels)",
            kind.label()
        ));
    }
    let mut layer = Layer {
        deny: Tri::False,
        allow: Tri::True,
        denies: Vec::new(),
        notes: Vec::new(),
        reasons: Vec::new(),
        unsupported: Vec::new(),
    };
    // SCPs are evaluated as identity policies, RCPs as resource policies (their `Principal` is matched).
    let role = match kind {
        OrgPolicyType::Scp => PolicyKind::Identity,
        OrgPolicyType::Rcp => PolicyKind::Resource,
    };
    for level in levels {
        let mut level_allow = Tri::False;
        for p in &level.policies {
            for (i, st) in p.policy.document.statements.iter().enumerate() {
                if !is_about_action(st, s) {
                    continue;
                }
                let mut o = evaluate_about_action(&p.policy, role, i, st, s, false);
                o.kind = kind.kind();
                match st.effect {
                    Effect::Allow => level_allow = level_allow.or(o.applies),
                    Effect::Deny => layer.deny = layer.deny.or(o.applies),
                }
                if o.applies == Tri::Unknown {
                    push_unique(
                        &mut layer.unsupported,
                        o.notes().unsupported.iter().cloned(),
                    );
                    layer.reasons.push(Reason::StatementNotEvaluable {
                        policy: p.policy.id.clone(),
                        kind: kind.kind(),
                        statement: i,
                        effect: st.effect,
                        detail: o.notes().unsupported.join("; "),
                    });
                }
                if st.effect == Effect::Deny && o.applies == Tri::True {
                    layer.reasons.push(Reason::OrgPolicyDenies {
                        layer: kind,
                        policy: p.policy.id.clone(),
                        name: p.name.clone(),
                        level: level.target.clone(),
                        statement: i,
                    });
                    layer.denies.push((level.target.clone(), o));
                } else if o.relevant {
                    layer.notes.push(o);
                }
            }
        }
        if level_allow == Tri::False {
            layer.reasons.push(Reason::OrgLevelDoesNotAllow {
                layer: kind,
                level: level.target.clone(),
            });
        }
        layer.allow = layer.allow.and(level_allow);
    }
    if layer.allow == Tri::True {
        layer.reasons.push(Reason::OrgLayerAllows { layer: kind });
    }
    if applies == Tri::Unknown {
        // Maybe exempt: a Deny that would apply may not, and a missing Allow may not matter.
        if layer.deny != Tri::False || layer.allow != Tri::True {
            layer.unsupported.push(format!(
                "{} {}, and whether the {}s apply to it is not known here",
                if layer.deny != Tri::False {
                    "a Deny in the organization's policies may apply"
                } else {
                    "not every level of the organization's policies allows this"
                },
                exemption,
                kind.label()
            ));
        }
        layer.deny = layer.deny.and(Tri::Unknown);
        layer.allow = layer.allow.or(Tri::Unknown);
    }
    layer
}

/// The SCP layer: the principal's account's chain, unless the principal is exempt.
fn scp_layer<'a>(org: &'a OrgPolicies, s: &Subject) -> Layer<'a> {
    let kind = OrgPolicyType::Scp;
    let principal = &s.req.principal;
    let Some(account) = arn_account(principal) else {
        return Layer::unknown(format!(
            "the caller `{principal}` has no account, so which SCPs apply is not known"
        ));
    };
    let same = eq_tri(account, &org.account);
    if same != Tri::True {
        return Layer::unknown(format!(
            "the organization's policies given are for account `{}`, not for the caller's account `{account}`",
            org.account
        ));
    }
    let Some(o) = &org.organization else {
        return Layer::off(
            kind,
            format!("account `{}` is in no organization", org.account),
        );
    };
    let Some(levels) = &o.scps else {
        return Layer::off(
            kind,
            "service control policies are not enabled in the organization".into(),
        );
    };
    // orgs_manage_policies_scps: SCPs do not affect the management account, nor service-linked roles.
    let management = eq_tri(account, &o.management_account);
    if management == Tri::True {
        return Layer::off(
            kind,
            format!(
                "`{account}` is the organization's management account, which SCPs do not affect"
            ),
        );
    }
    let linked = is_service_linked(principal);
    if linked == Tri::True {
        return Layer::off(
            kind,
            "the caller is a service-linked role, which SCPs do not affect".into(),
        );
    }
    let applies = management.negate().and(linked.negate());
    chain(
        kind,
        levels,
        applies,
        s,
        "(the caller may be a service-linked role)",
    )
}

/// The RCP layer: the resource's account's chain, for the services RCPs cover.
fn rcp_layer<'a>(set: &PolicySet, org: &'a OrgPolicies, s: &Subject) -> Layer<'a> {
    let kind = OrgPolicyType::Rcp;
    let req = s.req;
    let owner = match resource_account(set, req) {
        ResourceAccount::Known(a) => Some(a),
        ResourceAccount::SameAsCaller => arn_account(&req.principal),
        ResourceAccount::Unknown => None,
    };
    let Some(owner) = owner else {
        return Layer::unknown(format!(
            "the account that owns `{}` is not known, so which RCPs apply is not known",
            req.resource
        ));
    };
    if eq_tri(owner, &org.account) != Tri::True {
        return Layer::unknown(format!(
            "the organization's policies given are for account `{}`, not for the resource's account `{owner}`",
            org.account
        ));
    }
    let Some(o) = &org.organization else {
        return Layer::off(
            kind,
            format!("account `{}` is in no organization", org.account),
        );
    };
    let Some(levels) = &o.rcps else {
        return Layer::off(
            kind,
            "resource control policies are not enabled in the organization".into(),
        );
    };
    // orgs_manage_policies_rcps: "RCPs don't affect resources in the management account".
    let management = eq_tri(owner, &o.management_account);
    if management == Tri::True {
        return Layer::off(
            kind,
            format!(
                "the resource is in the organization's management account `{owner}`, which RCPs do not affect"
            ),
        );
    }
    let covered = rcp_covers(&req.action);
    let linked = is_service_linked(&req.principal);
    if linked == Tri::True {
        return Layer::off(
            kind,
            "the caller is a service-linked role, which RCPs do not restrict".into(),
        );
    }
    let applies = management.negate().and(linked.negate()).and(covered);
    let why = if covered == Tri::Unknown {
        format!(
            "(`{}` is not on the list of services RCPs apply to as read 2026-12-02, which AWS extends)",
            req.action.split(':').next().unwrap_or_default()
        )
    } else {
        "(the caller may be a service-linked role)".to_string()
    };
    chain(kind, levels, applies, s, &why)
}

/// Joins the organization's layers to the rest of the chain's answer `base`
/// (reference_policies_evaluation-logic_policy-eval-denyallow). With no [`PolicySet::org`], `base` as is.
pub(super) fn apply(set: &PolicySet, s: &Subject, base: Evaluation) -> Evaluation {
    let Some(org) = set.org else {
        return base;
    };
    let layers = [scp_layer(org, s), rcp_layer(set, org, s)];
    let mut e = base;
    for l in &layers {
        push_unique(&mut e.unsupported, l.unsupported.iter().cloned());
        e.reasons.extend(l.reasons.iter().cloned());
    }
    let deny = Tri::any(layers.iter().map(|l| l.deny));
    if deny == Tri::True {
        // Step 1: an explicit Deny in an SCP or RCP wins.
        if e.decision != Decision::ExplicitDeny {
            e.matched.clear();
        }
        for l in &layers {
            for (_, o) in &l.denies {
                e.matched.push(o.matched());
            }
        }
        e.decision = Decision::ExplicitDeny;
        e.unknown_context.clear();
        e.unknown_values.clear();
        return e;
    }
    if e.decision == Decision::ExplicitDeny || e.decision == Decision::ImplicitDeny {
        return e;
    }
    let allow = Tri::all(layers.iter().map(|l| l.allow));
    let decided = match (allow, deny, e.decision) {
        (Tri::False, _, _) => Decision::ImplicitDeny,
        (Tri::True, Tri::False, d) => d,
        _ => Decision::Indeterminate,
    };
    if decided == Decision::ImplicitDeny {
        e.matched.clear();
        e.unknown_context.clear();
        e.unknown_values.clear();
    } else if decided == Decision::Indeterminate {
        e.matched.clear();
        // The keys and symbols that left an organization statement undecided.
        for l in &layers {
            for o in l.notes.iter().chain(l.denies.iter().map(|(_, o)| o)) {
                if o.applies == Tri::Unknown {
                    push_unique(&mut e.unknown_context, o.notes().unknown.iter().cloned());
                    push_unique(&mut e.unknown_values, o.notes().symbols.iter().cloned());
                }
            }
        }
    }
    for o in layers.iter().flat_map(|l| &l.notes) {
        // As for the other policies: a Deny's missing keys always, an Allow's when it did not grant.
        if o.stmt.effect == Effect::Deny || decided != Decision::Allowed {
            push_unique(&mut e.missing_context, o.notes().missing.iter().cloned());
        }
    }
    e.decision = decided;
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_linked_roles_are_known_by_their_reserved_path() {
        for (arn, want) in [
            (
                "arn:aws:iam::111122223333:role/aws-service-role/dynamodb.amazonaws.com/AWSServiceRoleForDynamoDB",
                Tri::True,
            ),
            // The name alone proves nothing: a role of that name may be created under `/`.
            (
                "arn:aws:iam::111122223333:role/AWSServiceRoleForDynamoDB",
                Tri::False,
            ),
            // A session ARN carries no path.
            (
                "arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForDynamoDB/s",
                Tri::Unknown,
            ),
            ("arn:aws:sts::111122223333:assumed-role/app/s", Tri::False),
            (
                "arn:aws:iam::111122223333:user/aws-service-role/u",
                Tri::False,
            ),
            ("arn:aws:iam::111122223333:root", Tri::False),
        ] {
            assert_eq!(is_service_linked(arn), want, "{arn}");
        }
    }

    #[test]
    fn services_off_the_rcp_list_may_be_covered() {
        assert_eq!(rcp_covers("s3:GetObject"), Tri::True);
        assert_eq!(rcp_covers("KMS:Decrypt"), Tri::True);
        assert_eq!(rcp_covers("dynamodb:GetItem"), Tri::True);
        assert_eq!(rcp_covers("lambda:InvokeFunction"), Tri::Unknown);
        assert_eq!(rcp_covers("nonsense"), Tri::Unknown);
    }
}
