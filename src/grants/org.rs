//! The organization's service control policies and resource control policies that apply to one account:
//! read through the [`Aws`] adapter ([`read_org_policies`]: DescribeOrganization, ListRoots, ListParents up
//! to the root, ListPoliciesForTarget at every level, DescribePolicy once per policy and run) or from a JSON
//! file ([`OrgPolicies::from_json`], `--org-policies-file`), as plain serializable data, then built into
//! the engine's [`engine::OrgPolicies`](crate::engine::OrgPolicies). Must not decide verdicts.
//!
//! The calls are made with the credentials of the organization's management account or of a delegated
//! administrator for Organizations (the `organizations:List*`/`Describe*` calls answer nowhere else), not
//! with the audited account's.
//!
//! AWS: Organizations API reference (DescribeOrganization, ListRoots — `PolicyTypes` with their status —,
//! ListParents, ListPoliciesForTarget with `Filter` SERVICE_CONTROL_POLICY / RESOURCE_CONTROL_POLICY,
//! DescribePolicy — `Content` is the policy text); AWSOrganizationsNotInUseException: "Your account isn't a
//! member of an organization".

use std::collections::HashMap;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::engine::{self, OrgPolicyType, PolicyDocument};
use crate::grants::source::{Aws, AwsError};

/// One Organizations call, as the [`Aws`] adapter serves it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub enum OrgCall {
    DescribeOrganization,
    ListRoots,
    /// The parents of an account or OU (exactly one: an OU or the root).
    ListParents {
        child: String,
    },
    /// The policies of one type attached directly to a root, OU or account.
    ListPoliciesForTarget {
        target: String,
        kind: OrgPolicyType,
    },
    DescribePolicy {
        policy: String,
    },
}

impl OrgCall {
    /// The IAM action the call needs.
    pub fn action(&self) -> &'static str {
        match self {
            OrgCall::DescribeOrganization => "organizations:DescribeOrganization",
            OrgCall::ListRoots => "organizations:ListRoots",
            OrgCall::ListParents { .. } => "organizations:ListParents",
            OrgCall::ListPoliciesForTarget { .. } => "organizations:ListPoliciesForTarget",
            OrgCall::DescribePolicy { .. } => "organizations:DescribePolicy",
        }
    }
    /// The call's arguments, for a recorded run.
    pub fn args(&self) -> Vec<String> {
        match self {
            OrgCall::DescribeOrganization | OrgCall::ListRoots => Vec::new(),
            OrgCall::ListParents { child } => vec![child.clone()],
            OrgCall::ListPoliciesForTarget { target, kind } => {
                vec![target.clone(), kind.label().to_string()]
            }
            OrgCall::DescribePolicy { policy } => vec![policy.clone()],
        }
    }
}

/// A policy type's state at the root (ListRoots `PolicyTypes[].Status`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyTypeState {
    pub kind: OrgPolicyType,
    /// `ENABLED`, `PENDING_ENABLE` or `PENDING_DISABLE`.
    pub status: String,
}

/// A parent in the organization tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgParent {
    pub id: String,
    /// True for the root (`ROOT`), false for an OU (`ORGANIZATIONAL_UNIT`).
    pub root: bool,
}

/// A policy attached to a target (ListPoliciesForTarget's `PolicySummary`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicySummary {
    pub id: String,
    pub name: String,
}

/// An Organizations answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "answer", rename_all = "snake_case")]
pub enum OrgAnswer {
    /// DescribeOrganization; `None` for AWSOrganizationsNotInUseException.
    Organization {
        organization: Option<OrgDescription>,
    },
    /// ListRoots, every page: each root with its policy types.
    Roots {
        roots: Vec<(String, Vec<PolicyTypeState>)>,
    },
    Parents {
        parents: Vec<OrgParent>,
    },
    Policies {
        policies: Vec<PolicySummary>,
    },
    /// DescribePolicy's `Content`.
    Policy {
        content: String,
    },
}

/// DescribeOrganization's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgDescription {
    pub id: String,
    pub management_account: String,
    /// `ALL` or `CONSOLIDATED_BILLING` (no SCP nor RCP then).
    pub feature_set: String,
}

/// One policy of a level, as read or as given in a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgFilePolicy {
    /// `p-...` (`p-FullAWSAccess` for the AWS managed one).
    pub id: String,
    pub name: String,
    /// The policy: a JSON object, or its text as DescribePolicy returns it.
    pub document: serde_json::Value,
}

/// The policies attached at one level: the root, an OU, or the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgFileLevel {
    pub target: String,
    pub policies: Vec<OrgFilePolicy>,
}

/// The organization as it bears on the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgFileOrganization {
    #[serde(default)]
    pub id: Option<String>,
    pub management_account: String,
    /// Root first, the account last; absent or `null` when SCPs are not enabled.
    #[serde(default)]
    pub scps: Option<Vec<OrgFileLevel>>,
    /// Root first, the account last; absent or `null` when RCPs are not enabled.
    #[serde(default)]
    pub rcps: Option<Vec<OrgFileLevel>>,
}

/// What [`read_org_policies`] returns and `--org-policies-file` holds (README, "Organization policies"):
/// `{"account": "111122223333", "organization": null}` for an account in no organization, or
/// `{"account": ..., "organization": {"id": "o-...", "management_account": ..., "scps": [{"target":
/// "r-...", "policies": [{"id": "p-...", "name": ..., "document": {...}}]}, ...], "rcps": [...]}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgPolicies {
    pub account: String,
    pub organization: Option<OrgFileOrganization>,
}

/// Reading an account's organization policies failed: a per-account statement for the report.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrgError {
    #[error("cannot read the organization policies that apply to account `{account}`: {source}")]
    Read {
        account: String,
        #[source]
        source: AwsError,
    },
    #[error("the organization policies of account `{account}` cannot be used: {message}")]
    Invalid { account: String, message: String },
}

/// `--org-policies`: whether to read the organization's SCPs and RCPs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OrgPoliciesChoice {
    /// Read them when the local engine alone decides on AWS (where nothing else shows them)
    #[default]
    Auto,
    /// Read them and evaluate them locally (also beside IAM's simulator)
    Read,
    /// Do not read them (rows they may decide stay INCONCLUSIVE unless stated otherwise)
    Never,
}

/// Each policy's text, read once per run across accounts (DescribePolicy).
#[derive(Debug, Default)]
pub struct PolicyCache(Mutex<HashMap<String, String>>);

/// The deepest OU nesting AWS allows is five levels under the root (orgs_reference_limits); a longer
/// chain is an answer this tool cannot trust (a loop).
const MAX_DEPTH: usize = 8;

async fn call<A: Aws>(aws: &A, account: &str, c: OrgCall) -> Result<OrgAnswer, OrgError> {
    aws.organizations(&c)
        .await
        .map_err(|source| OrgError::Read {
            account: account.to_string(),
            source,
        })
}

fn unexpected(account: &str, c: &OrgCall, got: &OrgAnswer) -> OrgError {
    OrgError::Read {
        account: account.to_string(),
        source: AwsError::BadResponse {
            action: c.action(),
            message: format!("unexpected answer {got:?}"),
        },
    }
}

/// The SCPs and RCPs that apply to `account`, read with the management (or delegated administrator)
/// credentials behind `aws`: whether the account is in an organization, its path to the root, the
/// policies of each enabled type at every level (the account included), each policy's text.
pub async fn read_org_policies<A: Aws>(aws: &A, account: &str) -> Result<OrgPolicies, OrgError> {
    read_org_policies_cached(aws, account, &PolicyCache::default()).await
}

/// [`read_org_policies`] with a policy cache shared across the accounts of a run.
pub async fn read_org_policies_cached<A: Aws>(
    aws: &A,
    account: &str,
    cache: &PolicyCache,
) -> Result<OrgPolicies, OrgError> {
    let c = OrgCall::DescribeOrganization;
    let description = match call(aws, account, c.clone()).await? {
        OrgAnswer::Organization { organization } => organization,
        other => return Err(unexpected(account, &c, &other)),
    };
    let Some(description) = description else {
        // AWSOrganizationsNotInUseException speaks of the credentials' own account only: from
        // another account's credentials it says nothing of `account` (which may be in an
        // organization those credentials cannot see), so it is not "no SCP nor RCP" then.
        let caller = aws.caller_arn().await.map_err(|source| OrgError::Read {
            account: account.to_string(),
            source,
        })?;
        let caller_account = crate::iam::arn::Arn::parse(&caller)
            .map(|a| a.account.to_string())
            .unwrap_or_default();
        if caller_account != account {
            return Err(OrgError::Invalid {
                account: account.to_string(),
                message: format!(
                    "the auditing credentials (account `{caller_account}`) are in no AWS organization, so whether account `{account}` is in one is not known; read it with the credentials of its organization's management or delegated administrator account, or give the policies with --org-policies-file"
                ),
            });
        }
        return Ok(OrgPolicies {
            account: account.to_string(),
            organization: None,
        });
    };
    let invalid = |message: String| OrgError::Invalid {
        account: account.to_string(),
        message,
    };
    // orgs_manage_org_support-all-features: SCPs and RCPs need all features; with consolidated billing
    // only, no policy type can be enabled.
    let all_features = description.feature_set.eq_ignore_ascii_case("ALL");
    let types: Vec<PolicyTypeState> = if all_features {
        let c = OrgCall::ListRoots;
        match call(aws, account, c.clone()).await? {
            OrgAnswer::Roots { roots } => match roots.as_slice() {
                [(_, types)] => types.clone(),
                _ => {
                    return Err(invalid(format!(
                        "ListRoots answered {} roots (an organization has exactly one)",
                        roots.len()
                    )));
                }
            },
            other => return Err(unexpected(account, &c, &other)),
        }
    } else {
        Vec::new()
    };
    // A type is off only when the root does not list it; `PENDING_ENABLE`/`PENDING_DISABLE` are read as
    // on: the policies attached while it settles may already apply.
    let enabled = |k: OrgPolicyType| types.iter().any(|t| t.kind == k);

    // The path: the account, then each parent up to the root; kept root first.
    let mut path = vec![account.to_string()];
    let mut child = account.to_string();
    loop {
        if path.len() > MAX_DEPTH {
            return Err(invalid(format!(
                "ListParents did not reach the root within {MAX_DEPTH} levels"
            )));
        }
        let c = OrgCall::ListParents {
            child: child.clone(),
        };
        let parents = match call(aws, account, c.clone()).await? {
            OrgAnswer::Parents { parents } => parents,
            other => return Err(unexpected(account, &c, &other)),
        };
        let [parent] = parents.as_slice() else {
            return Err(invalid(format!(
                "ListParents of `{child}` answered {} parents (every account and OU has exactly one)",
                parents.len()
            )));
        };
        if path.contains(&parent.id) {
            return Err(invalid(format!(
                "ListParents of `{child}` answered `{}` again",
                parent.id
            )));
        }
        path.push(parent.id.clone());
        if parent.root {
            break;
        }
        child = parent.id.clone();
    }
    path.reverse();

    let mut chains: [Option<Vec<OrgFileLevel>>; 2] = [None, None];
    for (slot, kind) in [OrgPolicyType::Scp, OrgPolicyType::Rcp]
        .into_iter()
        .enumerate()
    {
        if !enabled(kind) {
            continue;
        }
        let mut levels = Vec::new();
        for target in &path {
            let c = OrgCall::ListPoliciesForTarget {
                target: target.clone(),
                kind,
            };
            let summaries = match call(aws, account, c.clone()).await? {
                OrgAnswer::Policies { policies } => policies,
                other => return Err(unexpected(account, &c, &other)),
            };
            let mut policies = Vec::new();
            for s in summaries {
                let cached = cache
                    .0
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .get(&s.id)
                    .cloned();
                let content = match cached {
                    Some(t) => t,
                    None => {
                        let c = OrgCall::DescribePolicy {
                            policy: s.id.clone(),
                        };
                        let t = match call(aws, account, c.clone()).await? {
                            OrgAnswer::Policy { content } => content,
                            other => return Err(unexpected(account, &c, &other)),
                        };
                        cache
                            .0
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .insert(s.id.clone(), t.clone());
                        t
                    }
                };
                policies.push(OrgFilePolicy {
                    id: s.id,
                    name: s.name,
                    document: serde_json::Value::String(content),
                });
            }
            levels.push(OrgFileLevel {
                target: target.clone(),
                policies,
            });
        }
        chains[slot] = Some(levels);
    }
    let [scps, rcps] = chains;
    Ok(OrgPolicies {
        account: account.to_string(),
        organization: Some(OrgFileOrganization {
            id: Some(description.id),
            management_account: description.management_account,
            scps,
            rcps,
        }),
    })
}

impl OrgPolicies {
    /// Reads `--org-policies-file`; unknown fields are errors.
    pub fn from_json(text: &str) -> Result<OrgPolicies, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }

    /// The engine's form: every document parsed and checked for its type; every problem at once.
    pub fn to_engine(&self) -> Result<engine::OrgPolicies, OrgError> {
        let mut errors = Vec::new();
        let organization = self.organization.as_ref().map(|o| {
            let mut chain = |kind: OrgPolicyType, levels: &Option<Vec<OrgFileLevel>>| {
                levels.as_ref().map(|levels| {
                    levels
                        .iter()
                        .map(|l| engine::OrgLevel {
                            target: l.target.clone(),
                            policies: l
                                .policies
                                .iter()
                                .filter_map(|p| {
                                    let doc = match &p.document {
                                        serde_json::Value::String(t) => PolicyDocument::parse(t),
                                        v => PolicyDocument::from_value(v),
                                    };
                                    match doc.and_then(|d| {
                                        engine::OrgPolicy::new(kind, &p.id, &p.name, d)
                                    }) {
                                        Ok(p) => Some(p),
                                        Err(e) => {
                                            errors.push(format!(
                                                "{} `{}` (`{}`) at `{}`: {e}",
                                                kind.label(),
                                                p.name,
                                                p.id,
                                                l.target
                                            ));
                                            None
                                        }
                                    }
                                })
                                .collect(),
                        })
                        .collect()
                })
            };
            let scps = chain(OrgPolicyType::Scp, &o.scps);
            let rcps = chain(OrgPolicyType::Rcp, &o.rcps);
            engine::Organization {
                id: o.id.clone(),
                management_account: o.management_account.clone(),
                scps,
                rcps,
            }
        });
        if !errors.is_empty() {
            return Err(OrgError::Invalid {
                account: self.account.clone(),
                message: errors.join("; "),
            });
        }
        Ok(engine::OrgPolicies {
            account: self.account.clone(),
            organization,
        })
    }
}
