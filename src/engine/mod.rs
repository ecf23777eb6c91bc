//! Offline IAM policy evaluation: parses identity, boundary and resource policies and decides one request,
//! returning the decision with its reasons. Pure: no I/O, no printing, no AWS SDK, no async.
//!
//! # Layout
//! - [`parse`]: policy JSON → validated model with located errors ([`PolicyDocument`], [`PolicyError`]).
//! - `matcher`: `*`/`?` globs, compiled once, linear-time matching.
//! - `variables`: `${...}` policy variables (2012-10-17 only), defaults and escapes.
//! - `condition`: every condition operator, `IfExists`, `ForAllValues`/`ForAnyValue`, three-valued.
//! - `values`: exact decimals, dates, CIDRs, base64.
//! - `principal`: principal ARNs and `Principal` element matching (three-valued).
//! - [`symbolic`]: values known only after deploy, inside strings, and three-valued matching on them.
//! - `eval`: statement matching and the decision chain ([`evaluate`]).
//! - [`org`]: the organization's layers: SCPs (principal's account) and RCPs (resource's account), each
//!   a chain from the root to the account ([`PolicySet::org`]).
//!
//! # Fail safe
//! Anything we cannot evaluate (unknown operator, unparseable value, bad variable syntax, an element in the
//! wrong kind of policy, a key AWS sends whose value we cannot know, a value known only after deploy)
//! makes the statement *unknown*, never a match. An unknown Allow cannot grant; an
//! unknown Deny that may apply turns a would-be Allow into [`Decision::Indeterminate`]. Every such case is
//! listed in [`Evaluation::unsupported`] with its location.
//!
//! # Example
//! ```
//! use pydynox_iam::engine::{evaluate, Context, Decision, NamedPolicy, PolicyDocument, PolicyKind, PolicySet, Request};
//!
//! let doc = PolicyDocument::parse(r#"{"Version": "2012-10-17", "Statement": [
//!     {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "arn:aws:dynamodb:*:*:table/Orders"}]}"#)?;
//! let identity = [NamedPolicy::new("app-read", PolicyKind::Identity, doc)?];
//! let set = PolicySet { identity: &identity, boundary: None, resource_policy: None, resource_account: None, org: None };
//! let req = Request {
//!     principal: "arn:aws:iam::111122223333:role/app/AppRole".into(),
//!     action: "dynamodb:GetItem".into(),
//!     resource: "arn:aws:dynamodb:us-east-1:111122223333:table/Orders".into(),
//!     context: Context::new(),
//! };
//! let eval = evaluate(&set, &req);
//! assert_eq!(eval.decision, Decision::Allowed);
//! assert_eq!(eval.matched[0].policy, "app-read");
//! # Ok::<(), pydynox_iam::engine::PolicyError>(())
//! ```
//!
//! # Documented choices (where AWS is silent, or where we pick the fail-safe reading)
//!
//! ## The request
//! - **The context is three-valued per key.** A key is given with known value(s), given as
//!   [`ContextValue::Unknown`] (AWS sends it — `aws:SourceIp`, `dynamodb:LeadingKeys` — but this tool
//!   cannot know the value), or not given. A condition on an unknown key is unknown whatever the operator,
//!   `...IfExists` and `ForAllValues:`/`ForAnyValue:` included, except `Null`, which only asks whether the
//!   key is present and so is decided. An unknown Allow cannot grant; an unknown Deny turns a would-be
//!   Allow into `Indeterminate`. The keys the decision depended on are named in
//!   [`Evaluation::unknown_context`]. An unknown value marked `may_be_absent` (AWS sends the key only
//!   sometimes, e.g. `aws:SourceVpce`) leaves `Null` unknown too: calling such a key "present" would let a
//!   Deny on `Null: true` be skipped for a request where AWS omits it.
//! - **Closed or open world** ([`World`], on the [`Context`]; default `Closed`). `Closed`: the context
//!   describes the whole request, a key not given is absent (what `check` builds). `Open`: the context is
//!   what the user gave (`simulate`). Keys not given are evaluated as absent, as AWS's simulator does, so an
//!   Allow whose positive condition lacks its key stays `ImplicitDeny` + `missing_context`; but if the answer
//!   is `Allowed`, the request is looked at again with every key not given unknown (and maybe absent), and
//!   unless that too is `Allowed`, the answer is `Indeterminate` with the keys it depended on in
//!   `missing_context`. So neither a Deny skipped only because its key was missing, nor an Allow granted
//!   only because a negated operator (`StringNotEquals`, `NotIpAddress`, ...) or `...IfExists` met a missing
//!   key, gives `Allowed`. (Every key, not only those the first look consulted: a statement set aside early,
//!   on a `Resource` variable with no value, may test other keys once that variable is unknown.) In an open
//!   world the owner of a resource whose ARN has no account (`aws:ResourceAccount`) is one of those keys.
//!   The second look runs only for an `Allowed` in an open world, so `check` never pays for it.
//! - Keys derived from the principal when not given (reference_policies_variables, "Principal key
//!   values"): `aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:PrincipalType`, `aws:username` (users only;
//!   known absent for everyone else), `aws:userid` (the account id for root, otherwise unknown: `AIDA...` or
//!   `ROLEID:session` are not in the ARN), `aws:PrincipalIsAWSService` (`false`). An explicit entry wins.
//!
//! ## The principal: the caller AWS would see
//! - A **role ARN** (`arn:aws:iam::A:role/path/R`) stands for *any session of the role*: a role only calls
//!   AWS through sessions, and auditing a role means auditing whichever session the application gets.
//!   `aws:PrincipalArn` is the role ARN with its path. A resource-policy `Principal` that names one session
//!   of it may or may not be the session in use: unknown. A `NotPrincipal` that lists the role and the
//!   account exempts a session only if AWS does not check the session too, which the notprincipal page
//!   leaves open ("AWS might validate ... the assumed-role user"): unknown, never a pass.
//! - A **session ARN** (`arn:aws:sts::A:assumed-role/R/s`) is exactly that session. Its role's path is not
//!   in the ARN, so `aws:PrincipalArn` is unknown unless given in the context; a `Principal` naming the role
//!   matches by name (role names are unique in an account whatever the path). A `NotPrincipal` exempts it
//!   only when the session, its role and the account are all listed (archived notprincipal page).
//! - An entry that differs from the caller only by the case of the name, or names the same role under
//!   another path, is unknown: IAM names are unique regardless of case and AWS stores principals as unique
//!   ids, so such an entry may well resolve to the caller. So is an entry with a partial wildcard (which
//!   AWS does not support in `Principal`) that could cover the caller's account, and an S3 `CanonicalUser`
//!   entry (it names an account, which one is not in the id).
//! - Property (tested): a session is never allowed more than its role, i.e. than any session of it.
//!
//! ## Resource policies and accounts
//! - An Allow grants on its own, uncapped by the boundary, only when it names the caller's exact user or
//!   session ARN (B.1 step 4). Naming the role or `*` is capped by the boundary.
//! - An **account principal** (`"A"` / `arn:aws:iam::A:root`) delegates to the account's IAM policies in
//!   every resource policy, not only key policies: reference_policies_elements_principal ("AWS account
//!   principals") says it "delegates authority to the account", which then must grant through identity
//!   policies. The DynamoDB and S3 pages say a same-account resource policy "is sufficient" without saying
//!   that this holds for account principals; the fail-safe reading is delegation (no grant on its own).
//!   Across accounts it is the resource account's Allow, so the caller's identity policies must allow too.
//! - `NotPrincipal`: per the current page, `Allow` + `NotPrincipal` is unsupported (unknown here), and
//!   `Deny` + `NotPrincipal` always denies a principal that has a permissions boundary.
//! - **The resource's account**: [`PolicySet::resource_account`], else the ARN's account, else the
//!   context's `aws:ResourceAccount`, else the caller's (same-account). An S3 ARN has no account: give
//!   `aws:ResourceAccount` as [`ContextValue::Unknown`] when the bucket owner is not known, and the engine
//!   evaluates both cases; a grant that holds only in one of them (typically a bucket-policy-only grant) is
//!   `Indeterminate`. Cross-account: both sides must allow; with no resource policy given, `ImplicitDeny`.
//!
//! ## Resources and values
//! - `Resource` patterns are case-sensitive and match segment by segment (the six colon-separated parts;
//!   `*` crosses `/`; a pattern with fewer segments that ends in `*` covers the rest of the ARN). Where
//!   only a whole-string glob would match (a wildcard spanning `:`), AWS's documentation does not settle
//!   it, so the statement is unknown: never a grant, and a Deny of that shape makes the result
//!   `Indeterminate`.
//! - **Policy variables**: values are substituted literally; AWS does not say whether a `*` or `?` in a
//!   variable's value (a tag value) is a wildcard, so when reading it as one would change the answer, the
//!   entry is unknown (reading it literally would silently skip a Deny on `table/${aws:PrincipalTag/t}`
//!   with `t = *`). A multi-valued variable, or `${` we cannot parse, is unsupported. A variable whose key has no value
//!   (known absent, or not given in a closed world) follows AWS where its pages agree: "any attempt to match
//!   it fails" — a `Resource` entry or a positive operator does not match. Where they do not — under
//!   `NotResource`, and under a negated operator (the current page says it matches, the archived page calls
//!   the statement invalid) — it is unknown. A variable whose key AWS sends with an unknown value is
//!   unknown everywhere; its default (`${k, 'd'}`) applies only to a key with no value. In an open world,
//!   a variable key not given counts as "consulted" for the second pass above.
//! - **Values known only after deploy** ([`symbolic`]): a resource ARN, principal ARN, context value or
//!   policy text may hold symbolic parts (a KMS key id, a generated table name), built with
//!   [`symbolic::Symbolic`]. Matching becomes three-valued: the same symbol matches itself; a pattern
//!   matches when it does for every value of the symbol (`key/*`), fails when it does for none, and is
//!   unknown otherwise; numeric, date, IP, boolean and binary operators on a symbolic value are unknown.
//!   The decision names the symbols it depended on in [`Evaluation::unknown_values`]. Policies holding
//!   symbols must be parsed with [`PolicyDocument::parse_symbolic`]; the ordinary parser refuses the marker
//!   characters, which IAM never accepts in a policy.
//! - **A request resource with a wildcard** (other than `*` alone, the resource of actions without a
//!   resource type) names every resource it covers: `table/T/index/*` is "every index". The symbolic
//!   matcher reads each `*`/`?` as any text: a pattern grants for sure only if it covers all of them, and
//!   a Deny that may cover some of them is unknown (`--all-indexes` with a Deny on one index).
//! - A plain (non-set) operator on a key with several request values is unknown: AWS says multivalued keys
//!   "require a condition set operator" and does not define the plain case. One value in a list behaves
//!   as a single value; an empty list behaves as a missing key (without being reported as missing).
//!
//! ## Policies
//! - **Strict JSON**: a repeated key in any object (`"Effect": "Deny", "Effect": "Allow"`, two
//!   `Statement`s) is a located parse error, as IAM rejects such documents; serde_json alone would keep the
//!   last one silently.
//!
//! ## Decisions
//! - A positive condition on a missing key in an Allow gives `ImplicitDeny` and lists the key in
//!   `missing_context`, as SimulatePrincipalPolicy does (`implicitDeny` + `MissingContextValues`). A Deny
//!   whose positive condition lacks its key does not apply; the key is still listed.
//! - A Deny we cannot evaluate makes a would-be Allow `Indeterminate`; when nothing allows anyway the
//!   result stays `ImplicitDeny` (denied either way), with the Deny listed in `unsupported`.
//! - A `kms:` action on a key or alias ARN is never `Allowed` unless the key policy was evaluated in
//!   [`ResourcePolicyMode::KmsKeyPolicy`] mode (A.6.2: the simulator cannot see key policies); it is
//!   `Indeterminate` with reason `key_policy_not_evaluated` instead.
//! - SCPs and RCPs: see [`org`] (evaluated when [`PolicySet::org`] is given).
//! - Not modelled: session policies, the root-user exception (B.1 step 0), KMS grants.
//!
//! # Why not `iam-rs` (decision, on evidence)
//! We read `iam-rs` 0.8.0 (MIT, ~9k lines, pulls `chrono` and `ipnet`) before writing this. It is not fail
//! safe: in `evaluation/operator_eval.rs` a present-but-mistyped value under a negated string operator
//! returns `Ok(is_negated)` (true, so `Allow` + `StringNotEquals` grants), and set operators on
//! numeric/date/IP keys return `Ok(false)` (so a `Deny` with `ForAnyValue:NumericLessThan` silently stops
//! applying); an unknown operator is an error for the whole policy and any condition error aborts the
//! whole request via `?` instead of marking one statement unknown. It compares `BinaryEquals` values
//! after lowercasing base64 text (wrong: base64 is case-sensitive), uses `f64` for numbers, and has no
//! boundary / resource-policy / KMS chain and no matched-statement reasons. Wrapping it would mean
//! re-checking every operator anyway, so statement matching and conditions are written here, with
//! table-driven tests per operator and a regex oracle for the matcher.

pub mod condition;
pub mod context;
mod eval;
mod matcher;
mod name;
pub mod org;
pub mod parse;
pub mod principal;
pub mod symbolic;
pub mod values;
pub mod variables;

use serde::{Deserialize, Serialize};

pub use context::{Context, ContextValue, Lookup, ValueType, World};
pub use eval::evaluate;
pub use matcher::Pattern;
pub use name::Name;
pub use org::{OrgLevel, OrgPolicies, OrgPolicy, OrgPolicyType, Organization};
pub use parse::{PolicyDocument, PolicyError, Statement, Version};
pub use values::parse_date;

/// `Allow` or `Deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Effect {
    Allow,
    Deny,
}

/// Where a policy is attached; also decides which elements it may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyKind {
    Identity,
    Boundary,
    Resource,
    /// A service control policy of AWS Organizations (elements as identity policies).
    Scp,
    /// A resource control policy of AWS Organizations (elements as resource policies).
    Rcp,
}

/// A policy with the name used in reasons.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedPolicy {
    /// Shared with every reason and matched statement that names the policy ([`Name`]).
    pub id: Name,
    pub kind: PolicyKind,
    pub document: PolicyDocument,
}

impl NamedPolicy {
    /// Build and check that the document only uses elements allowed for `kind`.
    pub fn new(
        id: impl Into<Name>,
        kind: PolicyKind,
        document: PolicyDocument,
    ) -> Result<NamedPolicy, PolicyError> {
        document.validate_for(kind)?;
        Ok(NamedPolicy {
            id: id.into(),
            kind,
            document,
        })
    }
}

/// The request to decide.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    /// ARN of the principal: role, user, or assumed-role session.
    pub principal: String,
    /// `service:Action`, e.g. `dynamodb:GetItem`.
    pub action: String,
    /// Resource ARN, or `*`.
    pub resource: String,
    /// Condition keys → values (names case-insensitive).
    #[serde(default)]
    pub context: Context,
}

/// How a resource policy takes part in the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourcePolicyMode {
    /// DynamoDB table/stream policy, S3 bucket policy, ...: can grant on its own in the same account.
    Standard,
    /// KMS key policy: must allow, directly or by delegating to IAM through the account root principal.
    KmsKeyPolicy,
}

/// The policies that apply to one request.
#[derive(Debug, Clone)]
pub struct PolicySet<'a> {
    pub identity: &'a [NamedPolicy],
    pub boundary: Option<&'a NamedPolicy>,
    pub resource_policy: Option<(&'a NamedPolicy, ResourcePolicyMode)>,
    /// Account owning the resource; when `None`, taken from the resource ARN (if it has one), else same-account.
    pub resource_account: Option<String>,
    /// The organization's SCPs and RCPs for the account ([`org`]). `None`: not known, and then no SCP
    /// nor RCP is evaluated (the caller must hold such an answer short of a pass).
    pub org: Option<&'a OrgPolicies>,
}

/// The verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Allowed,
    ExplicitDeny,
    ImplicitDeny,
    /// We could not decide (an unsupported construct could change the outcome): never treat as allowed.
    Indeterminate,
}

/// A statement that decided the outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MatchedStatement {
    pub policy: Name,
    pub kind: PolicyKind,
    /// Index in the policy's `Statement` list (0 for a single-object `Statement`).
    pub statement: usize,
    pub sid: Option<Name>,
    pub effect: Effect,
}

/// One structured fact explaining a decision; `code` is stable (snake_case).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Reason {
    /// An applicable Deny (reference_policies_evaluation-logic: explicit deny wins).
    ExplicitDenyIn {
        policy: Name,
        kind: PolicyKind,
        statement: usize,
    },
    /// A statement whose action/resource/principal match but which we could not evaluate.
    StatementNotEvaluable {
        policy: Name,
        kind: PolicyKind,
        statement: usize,
        effect: Effect,
        detail: String,
    },
    /// Some identity-based policy allows.
    IdentityAllows,
    /// No identity-based policy allows.
    NoIdentityAllow,
    BoundaryAllows {
        policy: Name,
    },
    /// The permissions boundary has no applicable Allow: it caps identity (and role) grants.
    BoundaryDoesNotAllow {
        policy: Name,
    },
    /// The resource policy allows; `capped_by_boundary` is false when it grants on its own
    /// (it names the exact user or session ARN).
    ResourcePolicyAllows {
        policy: Name,
        capped_by_boundary: bool,
    },
    /// The resource policy does not allow (needed on its own for cross-account access).
    ResourcePolicyDoesNotAllow {
        policy: Name,
    },
    /// The key policy names the caller directly.
    KeyPolicyAllows {
        policy: Name,
        capped_by_boundary: bool,
    },
    /// The key policy delegates to IAM (account root principal) for this action.
    KeyPolicyDelegatesToIam {
        policy: Name,
    },
    /// The key policy does not delegate this action to IAM, so identity policies cannot grant it.
    KeyPolicyNoIamDelegation {
        policy: Name,
    },
    /// The key policy neither allows the caller nor delegates to IAM.
    KeyPolicyDoesNotAllow {
        policy: Name,
    },
    /// A `kms:` action on a key, but no key policy was evaluated in `KmsKeyPolicy` mode: an Allow from the
    /// other policies is not conclusive.
    KeyPolicyNotEvaluated,
    /// The resource is in another account: both sides must allow.
    CrossAccount {
        principal_account: String,
        resource_account: String,
    },
    /// An SCP or RCP statement denies (orgs_manage_policies_scps_evaluation, "How SCPs work with Deny").
    OrgPolicyDenies {
        layer: OrgPolicyType,
        /// The policy id (`p-...`).
        policy: Name,
        name: String,
        /// The root, OU or account it is attached to.
        level: String,
        statement: usize,
    },
    /// No SCP (RCP) attached at `level` allows: every level from the root to the account must.
    OrgLevelDoesNotAllow {
        layer: OrgPolicyType,
        level: String,
    },
    /// Every level of the SCP (RCP) chain allows.
    OrgLayerAllows {
        layer: OrgPolicyType,
    },
    /// The SCPs (RCPs) do not apply to this request, and why.
    OrgLayerNotApplicable {
        layer: OrgPolicyType,
        why: String,
    },
}

/// The result of [`evaluate`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    pub decision: Decision,
    /// ExplicitDeny: the applicable deny statements. Allowed: the identity and resource allow statements
    /// that apply. Empty otherwise.
    pub matched: Vec<MatchedStatement>,
    /// Condition keys (or policy-variable keys) a relevant statement tests that the request lacks (as
    /// SimulatePrincipalPolicy's `MissingContextValues`). In a [`World::Closed`] context these keys are
    /// absent from the real request, so this list is information, not doubt; in a [`World::Open`] one an
    /// `Indeterminate` lists here the keys whose absence the answer would rely on.
    pub missing_context: Vec<String>,
    /// Keys given as [`ContextValue::Unknown`] (AWS sends them; their value is not known here) that the
    /// decision depended on: an Allow that could not grant, or a Deny that might apply, because of them.
    /// Empty when the decision is `Allowed`, `ExplicitDeny` or `ImplicitDeny` regardless of them.
    pub unknown_context: Vec<String>,
    /// Names of symbolic parts (values known only after deploy, see [`symbolic`]) the decision depended on.
    pub unknown_values: Vec<String>,
    /// What we could not evaluate, with its location.
    pub unsupported: Vec<String>,
    pub reasons: Vec<Reason>,
}
