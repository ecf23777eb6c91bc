//! Reads the JSON of `aws iam get-account-authorization-details` as a stream, keeping only what the
//! audited principals need, and refuses an export that contradicts itself. Owns the export's
//! format and its consistency rules; must not open files (the caller passes a way to open the
//! input) or evaluate policies.
//!
//! # Memory
//! An account export can be large (10,000 roles make about 77 MB of JSON). The file is never held
//! whole: entries are parsed one at a time from a reader, and each is dropped once it has been
//! checked, unless it is a wanted role or user, a group of a wanted user, or a managed policy one
//! of those uses (only its default version is kept). What is kept for the others is an index
//! entry (its name, its position and a 64-bit hash of its content, about 100 bytes), enough to
//! find duplicates and to know whether a referenced entry exists. When the file lists something before the entry that needs
//! it (a sorted file puts `GroupDetailList` and `Policies` before `UserDetailList`), the file is
//! read again for just those entries: at most three passes.
//!
//! # Rules (each a usage error naming the entries, exit 2; never a silently dropped entry)
//! - A managed policy's document is the version marked `IsDefaultVersion`. No version marked,
//!   two marked, a `DefaultVersionId` that names another version or one the list does not hold, or
//!   a default version without a `Document`, is a contradiction.
//! - An attached-policy entry must have a `PolicyArn`; a permissions boundary its
//!   `PermissionsBoundaryArn`; an inline policy its `PolicyName` and `PolicyDocument`.
//! - Duplicates: IAM names users, groups and roles uniquely regardless of case (IAM User Guide,
//!   "IAM and AWS STS quotas", name requirements), and managed policies by ARN. Identical copies
//!   (the same permissions-relevant content) are merged; copies that differ are an error naming
//!   both, so neither entry order nor which copy is read can decide a verdict. The same holds for
//!   two inline policies of one name in one entity, and for a tag key given twice.
//! - An entity's `Arn` must end in its name (and its `Path`, when given).
//! - References (a user's groups, attached policies, a boundary) are checked for the principals
//!   that are audited, when they are looked up: an export made with `--filter` legitimately lacks
//!   entries nobody here uses.
//! - Duplicate keys inside an entry (`"RolePolicyList"` twice) are an error, as IAM rejects them in
//!   policy documents: serde_json would keep the last one silently.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::io::Read;

use serde::Deserialize;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use crate::engine::parse::StrictValue;
use crate::grants::sdk::decode_policy_document;
use crate::iam::arn::{PrincipalKind, principal_from_arn};
use crate::needs::plan::{CheckPlan, PrincipalSelector};

/// The four lists of the export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ListKind {
    Users,
    Groups,
    Roles,
    Policies,
}

impl ListKind {
    pub fn key(self) -> &'static str {
        match self {
            ListKind::Users => "UserDetailList",
            ListKind::Groups => "GroupDetailList",
            ListKind::Roles => "RoleDetailList",
            ListKind::Policies => "Policies",
        }
    }
    fn noun(self) -> &'static str {
        match self {
            ListKind::Users => "user",
            ListKind::Groups => "group",
            ListKind::Roles => "role",
            ListKind::Policies => "managed policy",
        }
    }
    fn from_key(k: &str) -> Option<ListKind> {
        [
            ListKind::Users,
            ListKind::Groups,
            ListKind::Roles,
            ListKind::Policies,
        ]
        .into_iter()
        .find(|l| l.key() == k)
    }
    fn name_key(self) -> &'static str {
        match self {
            ListKind::Users => "UserName",
            ListKind::Groups => "GroupName",
            ListKind::Roles => "RoleName",
            ListKind::Policies => "Arn",
        }
    }
    fn inline_key(self) -> &'static str {
        match self {
            ListKind::Users => "UserPolicyList",
            ListKind::Groups => "GroupPolicyList",
            _ => "RolePolicyList",
        }
    }
}

/// A role, user or group as the export describes it: what the tool reads of it, nothing else
/// (`RoleLastUsed`, `CreateDate`, instance profiles are skipped).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EntityDetail {
    pub name: String,
    pub arn: String,
    /// Inline policies (name, decoded document text), sorted by name.
    pub inline: Vec<(String, String)>,
    /// Attached managed policy ARNs, sorted, each once.
    pub attached: Vec<String>,
    pub boundary: Option<String>,
    /// A user's groups, as listed.
    pub groups: Vec<String>,
    /// A role's trust policy.
    pub trust: Option<String>,
    /// `Tags`, or `None` when the entry has no `Tags` (unknown, not "untagged").
    pub tags: Option<BTreeMap<String, String>>,
    /// Where the entry is, e.g. `RoleDetailList[17]`, for messages.
    pub position: String,
}

/// A role as `--all-roles` chooses it: its name, ARN and tags, not its policies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedRole {
    pub name: String,
    pub arn: String,
    /// `None` when the entry has no `Tags` (unknown, not "untagged").
    pub tags: Option<BTreeMap<String, String>>,
}

/// A managed policy's default version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedDetail {
    pub arn: String,
    pub version: String,
    pub document: String,
    pub position: String,
}

/// Which principals an audit needs from the export.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Wanted {
    /// Keep every entry (small exports, tests).
    pub all: bool,
    /// Roles audited (their policies are needed), lower-cased names.
    pub roles: BTreeSet<String>,
    /// Users audited, lower-cased names.
    pub users: BTreeSet<String>,
    /// Roles whose trust policy is needed (roles to be assumed), lower-cased names.
    pub trust_roles: BTreeSet<String>,
    /// Every role's name, ARN and tags, without its policies ([`AuthDetails::role_list`]): what
    /// `check --all-roles` chooses its roles by before it reads them a batch at a time.
    pub role_list: bool,
    /// Keep where each entry of the file is ([`AuthDetails::index`]), so that later reads
    /// ([`Wanted::at`]) parse only the entries they need instead of the whole file again.
    pub index: bool,
    /// Read only the wanted entries, at the places an earlier read of the same file found them
    /// ([`read_at`]); each must still hash as it did then, else the file changed.
    pub at: Option<std::sync::Arc<Index>>,
}

impl Wanted {
    pub fn everything() -> Wanted {
        Wanted {
            all: true,
            ..Wanted::default()
        }
    }
    pub fn role(&mut self, name: &str) {
        self.roles.insert(name.to_lowercase());
    }
    pub fn user(&mut self, name: &str) {
        self.users.insert(name.to_lowercase());
    }
    pub fn trust_role(&mut self, name: &str) {
        self.trust_roles.insert(name.to_lowercase());
    }
    /// The principal a run audits (a session audits its role). The caller's own identity
    /// names nothing here: offline runs refuse it later.
    pub fn principal(&mut self, sel: &PrincipalSelector) {
        if let PrincipalSelector::Named(p) = sel {
            match p.kind {
                PrincipalKind::Role => self.role(&p.name),
                PrincipalKind::User => self.user(&p.name),
            }
        }
    }
    /// A role to be assumed (`--assume-role-arn`): its trust policy is read from the export.
    pub fn trust_role_arn(&mut self, arn: &str) {
        if let Ok(p) = principal_from_arn(arn)
            && p.kind == PrincipalKind::Role
        {
            self.trust_role(&p.name);
        }
    }
    /// What a check plan needs: its principal and the role it assumes.
    pub fn plan(&mut self, plan: &CheckPlan) {
        self.principal(&plan.principal);
        if let Some(arn) = &plan.resources.assume_role_arn {
            self.trust_role_arn(arn);
        }
    }
}

/// What was read: the wanted entries, and an index of every entry's name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthDetails {
    /// By lower-cased name.
    pub roles: HashMap<String, EntityDetail>,
    pub users: HashMap<String, EntityDetail>,
    pub groups: HashMap<String, EntityDetail>,
    /// By ARN.
    pub managed: HashMap<String, ManagedDetail>,
    /// Every entry of the file (lower-cased names, policy ARNs), kept or not (shared with the
    /// reads made at an [`Index`]).
    present: std::sync::Arc<BTreeSet<(ListKind, String)>>,
    /// With [`Wanted::role_list`]: every role of the file, in file order, each once.
    pub role_list: Vec<ListedRole>,
    /// How many times the file was read.
    pub passes: usize,
    /// With [`Wanted::index`]: where each entry of the file is.
    pub index: Option<std::sync::Arc<Index>>,
}

/// Where each entry of an export is, from a read that validated the whole file: what a later
/// read needs to parse only the entries it wants (a role of 10 KB instead of the file of 80 MB).
/// About 100 bytes per entry (its key, its place and the hash of its content).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Index {
    spots: HashMap<(ListKind, String), Spot>,
    present: std::sync::Arc<BTreeSet<(ListKind, String)>>,
}

/// One entry's place: its position in its list, its bytes (from just after the `[` or the
/// previous entry's `}` to its own closing `}`), and the hash of what was read of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Spot {
    index: usize,
    start: u64,
    end: u64,
    hash: u64,
}

impl Index {
    /// How many entries it places.
    pub fn len(&self) -> usize {
        self.spots.len()
    }
    pub fn is_empty(&self) -> bool {
        self.spots.is_empty()
    }
}

impl AuthDetails {
    /// Whether the export holds this entry (kept or not).
    pub fn contains(&self, kind: ListKind, key: &str) -> bool {
        self.present.contains(&(kind, index_key(kind, key)))
    }
}

fn index_key(kind: ListKind, name: &str) -> String {
    match kind {
        ListKind::Policies => name.to_string(),
        _ => name.to_lowercase(),
    }
}

// ---------------------------------------------------------------------------------------------
// Strict JSON values

// ---------------------------------------------------------------------------------------------
// The entries as the file spells them

/// A policy document as the export gives it: a JSON object (the AWS CLI decodes documents) or a
/// string of URL-encoded JSON (the raw API). Kept as the raw text, not parsed into a tree: most
/// documents of a large export belong to entries nobody audits.
struct Doc(Box<RawValue>);

impl<'de> Deserialize<'de> for Doc {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Doc, D::Error> {
        Box::<RawValue>::deserialize(d).map(Doc)
    }
}

impl Doc {
    /// The document's text: an object as written, a string decoded; `None` for anything else.
    fn text(&self) -> Option<String> {
        let raw = self.0.get();
        match raw.as_bytes().first() {
            Some(b'"') => serde_json::from_str::<String>(raw)
                .ok()
                .map(|s| decode_policy_document(&s)),
            Some(b'{') => Some(raw.to_string()),
            _ => None,
        }
    }
}

// Only the fields the tool reads; the others (`RoleLastUsed`, `InstanceProfileList`, dates, ids)
// are skipped without being built. serde refuses a repeated field among these.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawEntity {
    role_name: Option<String>,
    user_name: Option<String>,
    group_name: Option<String>,
    arn: Option<String>,
    path: Option<String>,
    role_policy_list: Option<Vec<RawInline>>,
    user_policy_list: Option<Vec<RawInline>>,
    group_policy_list: Option<Vec<RawInline>>,
    attached_managed_policies: Option<Vec<RawAttached>>,
    permissions_boundary: Option<RawBoundary>,
    group_list: Option<Vec<String>>,
    assume_role_policy_document: Option<Doc>,
    tags: Option<Vec<RawTag>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawInline {
    policy_name: Option<String>,
    policy_document: Option<Doc>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawAttached {
    policy_name: Option<String>,
    policy_arn: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawBoundary {
    permissions_boundary_arn: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawTag {
    key: Option<String>,
    value: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawPolicy {
    arn: Option<String>,
    default_version_id: Option<String>,
    policy_version_list: Option<Vec<RawVersion>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawVersion {
    version_id: Option<String>,
    is_default_version: Option<bool>,
    document: Option<Doc>,
}

enum Raw {
    Entity(Box<RawEntity>),
    Policy(RawPolicy),
}

// ---------------------------------------------------------------------------------------------
// Streaming the four lists

/// Calls `on_entry` for each element of the four lists, in file order, one at a time, with
/// the element's bytes ([`Spot`]) when the bytes read are counted.
struct TopLevel<'f> {
    on_entry: &'f mut dyn FnMut(ListKind, usize, (u64, u64), Raw),
    counters: BTreeMap<ListKind, usize>,
    seen_list: bool,
    at: Option<std::rc::Rc<std::cell::Cell<u64>>>,
}

impl<'de> Visitor<'de> for &mut TopLevel<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(EXPECTED)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            match ListKind::from_key(&key) {
                Some(kind) => {
                    self.seen_list = true;
                    map.next_value_seed(List {
                        kind,
                        top: &mut *self,
                    })?;
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

struct List<'t, 'f> {
    kind: ListKind,
    top: &'t mut TopLevel<'f>,
}

impl<'de> DeserializeSeed<'de> for List<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for List<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a list for `{}`", self.kind.key())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let at = |top: &TopLevel| top.at.as_ref().map_or(0, |c| c.get());
        loop {
            // serde_json reads a byte at a time and peeks none past an entry's closing `}`, so
            // the count before and after an element spans it (with the `,` and spaces before
            // it): see `entry_bytes`.
            let start = at(self.top);
            let raw = if self.kind == ListKind::Policies {
                seq.next_element::<RawPolicy>()?.map(Raw::Policy)
            } else {
                seq.next_element::<RawEntity>()?
                    .map(|e| Raw::Entity(Box::new(e)))
            };
            let Some(raw) = raw else { break };
            let end = at(self.top);
            let n = self.top.counters.entry(self.kind).or_default();
            let index = *n;
            *n += 1;
            (self.top.on_entry)(self.kind, index, (start, end), raw);
        }
        Ok(())
    }
}

const EXPECTED: &str = "the output of `aws iam get-account-authorization-details` (an object with RoleDetailList, UserDetailList, GroupDetailList, Policies)";

/// Counts the bytes read through it.
struct Counted<R> {
    inner: R,
    at: std::rc::Rc<std::cell::Cell<u64>>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.at.set(self.at.get() + n as u64);
        Ok(n)
    }
}

/// Streams one pass over the export (counting the bytes read when `spots`, to place each
/// entry).
fn stream<R: Read>(
    reader: R,
    spots: bool,
    on_entry: &mut dyn FnMut(ListKind, usize, (u64, u64), Raw),
) -> Result<(), String> {
    let buffered = std::io::BufReader::with_capacity(1 << 16, reader);
    let at = spots.then(|| std::rc::Rc::new(std::cell::Cell::new(0)));
    let mut top = TopLevel {
        on_entry,
        counters: BTreeMap::new(),
        seen_list: false,
        at: at.clone(),
    };
    let result = match at {
        Some(at) => {
            let mut de = serde_json::Deserializer::from_reader(Counted {
                inner: buffered,
                at,
            });
            de.deserialize_map(&mut top).and_then(|()| de.end())
        }
        None => {
            let mut de = serde_json::Deserializer::from_reader(buffered);
            de.deserialize_map(&mut top).and_then(|()| de.end())
        }
    };
    result.map_err(|e| {
        if e.is_io() {
            format!("cannot read it: {e}")
        } else {
            format!("not valid as an export: {e}")
        }
    })?;
    if !top.seen_list {
        return Err(format!("expected {EXPECTED}"));
    }
    Ok(())
}

/// Parses a kept document strictly: a key repeated inside it is an error (serde_json would keep
/// the last copy, so a second `Effect` could turn a Deny into an Allow).
fn strict_document(text: &str) -> Result<(), String> {
    let mut de = serde_json::Deserializer::from_str(text);
    StrictValue
        .deserialize(&mut de)
        .and_then(|_| de.end())
        .map_err(|e| e.to_string())
}

// ---------------------------------------------------------------------------------------------
// One entry into what the tool reads of it

fn entity(kind: ListKind, index: usize, v: RawEntity) -> Result<EntityDetail, Vec<String>> {
    let list = kind.key();
    let mut errors = Vec::new();
    let name_key = kind.name_key();
    let name = match kind {
        ListKind::Roles => v.role_name,
        ListKind::Users => v.user_name,
        _ => v.group_name,
    };
    let Some(name) = name.filter(|n| !n.is_empty()) else {
        return Err(vec![format!(
            "{list}[{index}]: the entry has no {name_key}"
        )]);
    };
    let at = format!("{list}[{index}] (`{name}`)");
    let arn = match v.arn {
        Some(arn) => {
            let resource = crate::iam::arn::Arn::parse(&arn).map(|a| a.resource);
            let consistent = resource.is_some_and(|r| match &v.path {
                Some(path) => r == format!("{}{path}{name}", kind.noun()),
                None => r.starts_with(kind.noun()) && r.ends_with(&format!("/{name}")),
            });
            if !consistent {
                errors.push(format!(
                    "{at}: its Arn `{arn}` does not name {} `{name}`{}; the entry contradicts itself",
                    kind.noun(),
                    v.path
                        .as_ref()
                        .map(|p| format!(" with path `{p}`"))
                        .unwrap_or_default()
                ));
            }
            arn
        }
        None => {
            errors.push(format!("{at}: the entry has no Arn"));
            String::new()
        }
    };
    // Inline policies: by name; the same name twice must carry the same document.
    let mut inline: BTreeMap<String, String> = BTreeMap::new();
    let inline_key = kind.inline_key();
    let raw_inline = match kind {
        ListKind::Roles => v.role_policy_list,
        ListKind::Users => v.user_policy_list,
        _ => v.group_policy_list,
    };
    for (i, p) in raw_inline.unwrap_or_default().into_iter().enumerate() {
        let pname = p.policy_name.filter(|n| !n.is_empty());
        let doc = p.policy_document.as_ref().and_then(Doc::text);
        match (pname, doc) {
            (Some(pname), Some(doc)) => match inline.get(&pname) {
                Some(prev) if *prev != doc => errors.push(format!(
                    "{at}: {inline_key} lists inline policy `{pname}` twice with different documents; IAM has one policy of a name per {}: export again",
                    kind.noun()
                )),
                _ => {
                    inline.insert(pname, doc);
                }
            },
            (pname, _) => errors.push(format!(
                "{at}: {inline_key}[{i}]{} has no {}",
                pname
                    .as_ref()
                    .map(|n| format!(" (`{n}`)"))
                    .unwrap_or_default(),
                if pname.is_none() {
                    "PolicyName"
                } else {
                    "PolicyDocument"
                }
            )),
        }
    }
    let mut attached = BTreeSet::new();
    for (i, p) in v
        .attached_managed_policies
        .unwrap_or_default()
        .into_iter()
        .enumerate()
    {
        match p.policy_arn.filter(|a| !a.is_empty()) {
            Some(a) => {
                attached.insert(a);
            }
            None => errors.push(format!(
                "{at}: AttachedManagedPolicies[{i}]{} has no PolicyArn, so the policy it attaches is unknown; export again (the AWS CLI always includes it)",
                p.policy_name
                    .map(|n| format!(" (`{n}`)"))
                    .unwrap_or_default()
            )),
        }
    }
    let boundary = match v.permissions_boundary {
        None => None,
        Some(b) => match b.permissions_boundary_arn.filter(|a| !a.is_empty()) {
            Some(a) => Some(a),
            None => {
                errors.push(format!(
                    "{at}: PermissionsBoundary has no PermissionsBoundaryArn, so the boundary is unknown"
                ));
                None
            }
        },
    };
    let mut groups: Vec<String> = Vec::new();
    if kind == ListKind::Users {
        for g in v.group_list.unwrap_or_default() {
            if !groups.iter().any(|x| x.eq_ignore_ascii_case(&g)) {
                groups.push(g);
            }
        }
    }
    let trust = match (kind, &v.assume_role_policy_document) {
        (ListKind::Roles, Some(d)) => {
            let t = d.text();
            if t.is_none() {
                errors.push(format!(
                    "{at}: AssumeRolePolicyDocument is not a policy document"
                ));
            }
            t
        }
        _ => None,
    };
    let tags = match (kind, v.tags) {
        (ListKind::Roles | ListKind::Users, Some(items)) => {
            let mut tags: BTreeMap<String, String> = BTreeMap::new();
            for (i, t) in items.into_iter().enumerate() {
                match (t.key, t.value) {
                    (Some(k), Some(val)) => {
                        // IAM tag keys are unique regardless of case on an entity.
                        if let Some((prev, _)) =
                            tags.iter().find(|(pk, _)| pk.eq_ignore_ascii_case(&k))
                        {
                            errors.push(format!(
                                "{at}: Tags lists key `{k}` twice (also as `{prev}`); IAM keeps one value per key: export again"
                            ));
                        } else {
                            tags.insert(k, val);
                        }
                    }
                    _ => errors.push(format!("{at}: Tags[{i}] has no Key or no Value")),
                }
            }
            Some(tags)
        }
        _ => None,
    };
    if errors.is_empty() {
        Ok(EntityDetail {
            name,
            arn,
            inline: inline.into_iter().collect(),
            attached: attached.into_iter().collect(),
            boundary,
            groups,
            trust,
            tags,
            position: format!("{list}[{index}]"),
        })
    } else {
        Err(errors)
    }
}

/// A managed policy entry: its default version, and a hash over every version (two copies of a
/// policy must agree on all of them, not only on the one read).
fn managed(index: usize, v: RawPolicy) -> Result<(ManagedDetail, u64), Vec<String>> {
    let list = ListKind::Policies.key();
    let Some(arn) = v.arn.filter(|a| !a.is_empty()) else {
        return Err(vec![format!("{list}[{index}]: the entry has no Arn")]);
    };
    let at = format!("{list}[{index}] (`{arn}`)");
    let mut errors = Vec::new();
    let versions = v.policy_version_list.unwrap_or_default();
    let mut ids: Vec<&str> = Vec::new();
    let mut defaults: Vec<(usize, &str)> = Vec::new();
    let mut hasher = DefaultHasher::new();
    arn.hash(&mut hasher);
    for (i, ver) in versions.iter().enumerate() {
        let Some(id) = ver.version_id.as_deref().filter(|x| !x.is_empty()) else {
            errors.push(format!("{at}: PolicyVersionList[{i}] has no VersionId"));
            continue;
        };
        if ids.contains(&id) {
            errors.push(format!(
                "{at}: PolicyVersionList lists version `{id}` twice"
            ));
        }
        ids.push(id);
        let is_default = ver.is_default_version.unwrap_or(false);
        if is_default {
            defaults.push((i, id));
        }
        id.hash(&mut hasher);
        is_default.hash(&mut hasher);
        ver.document.as_ref().map(|d| d.0.get()).hash(&mut hasher);
    }
    let default_id = v.default_version_id.as_deref();
    default_id.hash(&mut hasher);
    let chosen = match defaults.as_slice() {
        [] => {
            errors.push(format!(
                "{at}: no version is marked IsDefaultVersion, so which document is in force is unknown{}",
                default_id
                    .map(|d| format!(" (DefaultVersionId says `{d}`)"))
                    .unwrap_or_default()
            ));
            None
        }
        [one] => Some(*one),
        many => {
            errors.push(format!(
                "{at}: versions {} are all marked IsDefaultVersion; a policy has one default version",
                many.iter()
                    .map(|(_, id)| format!("`{id}`"))
                    .collect::<Vec<_>>()
                    .join(" and ")
            ));
            None
        }
    };
    if let Some(d) = default_id {
        if !ids.contains(&d) {
            errors.push(format!(
                "{at}: DefaultVersionId `{d}` is not in its PolicyVersionList (versions: {}); the export is incomplete",
                if ids.is_empty() {
                    "none".to_string()
                } else {
                    ids.iter()
                        .map(|i| format!("`{i}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            ));
        } else if let Some((_, id)) = chosen
            && id != d
        {
            errors.push(format!(
                "{at}: DefaultVersionId says `{d}` but IsDefaultVersion marks `{id}`; the export contradicts itself"
            ));
        }
    }
    let document = chosen.and_then(|(i, id)| {
        let doc = versions[i].document.as_ref().and_then(Doc::text);
        if doc.is_none() {
            errors.push(format!("{at}: its default version `{id}` has no Document"));
        }
        doc.map(|d| (id.to_string(), d))
    });
    match document {
        Some((version, document)) if errors.is_empty() => Ok((
            ManagedDetail {
                arn,
                version,
                document,
                position: format!("{list}[{index}]"),
            },
            hasher.finish(),
        )),
        _ => Err(errors),
    }
}

fn entity_hash(e: &EntityDetail) -> u64 {
    let mut h = DefaultHasher::new();
    // The position differs between copies by definition.
    (
        &e.name.to_lowercase(),
        &e.arn,
        &e.inline,
        &e.attached,
        &e.boundary,
        &e.groups,
        &e.trust,
        &e.tags,
    )
        .hash(&mut h);
    h.finish()
}

fn same_entity(a: &EntityDetail, b: &EntityDetail) -> bool {
    entity_hash(a) == entity_hash(b)
        && (
            &a.arn,
            &a.inline,
            &a.attached,
            &a.boundary,
            &a.groups,
            &a.trust,
            &a.tags,
        ) == (
            &b.arn,
            &b.inline,
            &b.attached,
            &b.boundary,
            &b.groups,
            &b.trust,
            &b.tags,
        )
}

// ---------------------------------------------------------------------------------------------
// The passes

/// What the wanted principals need, growing as their entries are read.
#[derive(Default)]
struct Need {
    roles: BTreeSet<String>,
    users: BTreeSet<String>,
    groups: BTreeSet<String>,
    policies: BTreeSet<String>,
}

struct State<'w> {
    wanted: &'w Wanted,
    need: Need,
    out: AuthDetails,
    /// First sighting of each entry: (position, content hash).
    index: HashMap<(ListKind, String), (String, u64)>,
    errors: Vec<String>,
    /// Validate and index every entry (first pass), or only pick up needed ones.
    first_pass: bool,
    /// With [`Wanted::index`]: each entry's place, recorded on the first pass.
    spots: HashMap<(ListKind, String), Spot>,
    /// The entry being read (a read at an [`Index`]): its place, whose hash it must have.
    expect: Option<Spot>,
}

impl State<'_> {
    fn needed(&self, kind: ListKind, key: &str) -> bool {
        self.wanted.all
            || match kind {
                ListKind::Roles => self.need.roles.contains(key),
                ListKind::Users => self.need.users.contains(key),
                ListKind::Groups => self.need.groups.contains(key),
                ListKind::Policies => self.need.policies.contains(key),
            }
    }

    fn kept(&self, kind: ListKind, key: &str) -> bool {
        match kind {
            ListKind::Roles => self.out.roles.contains_key(key),
            ListKind::Users => self.out.users.contains_key(key),
            ListKind::Groups => self.out.groups.contains_key(key),
            ListKind::Policies => self.out.managed.contains_key(key),
        }
    }

    /// A kept entity makes its groups and policies needed (audited roles and users, and the
    /// groups of audited users; a role wanted only for its trust policy needs nothing more).
    fn grow(&mut self, kind: ListKind, e: &EntityDetail) {
        let key = e.name.to_lowercase();
        let audited = match kind {
            ListKind::Roles => self.wanted.roles.contains(&key),
            ListKind::Users => self.wanted.users.contains(&key),
            ListKind::Groups => true,
            ListKind::Policies => false,
        };
        if !audited && !self.wanted.all {
            return;
        }
        for g in &e.groups {
            self.need.groups.insert(g.to_lowercase());
        }
        for p in e.attached.iter().chain(e.boundary.iter()) {
            self.need.policies.insert(p.clone());
        }
    }

    fn on_entry(&mut self, kind: ListKind, index: usize, span: (u64, u64), raw: Raw) {
        let position = format!("{}[{index}]", kind.key());
        match raw {
            Raw::Policy(v) => self.on_policy(index, span, position, v),
            Raw::Entity(v) => self.on_entity(kind, index, span, position, *v),
        }
    }

    /// On the first pass, with [`Wanted::index`]: records where the entry is.
    fn place(&mut self, kind: ListKind, key: &str, index: usize, span: (u64, u64), hash: u64) {
        if self.wanted.index {
            let spot = Spot {
                index,
                start: span.0,
                end: span.1,
                hash,
            };
            self.spots.insert((kind, key.to_string()), spot);
        }
    }

    /// A read at an [`Index`]: whether the entry read is the one the first read saw there (an
    /// entry edited, moved or replaced since hashes differently or names another).
    fn as_placed(&mut self, kind: ListKind, name: &str, hash: u64) -> bool {
        match self.expect {
            Some(spot) if spot.hash != hash => {
                self.errors.push(format!(
                    "{}[{}] (`{name}`) is not what the first read of the file found there: the file changed while it was read; read a copy that does not change",
                    kind.key(),
                    spot.index
                ));
                false
            }
            _ => true,
        }
    }

    fn on_policy(&mut self, index: usize, span: (u64, u64), position: String, v: RawPolicy) {
        let kind = ListKind::Policies;
        // A read at an index reads the entry it chose, whatever it now names (as_placed).
        if !self.first_pass
            && self.expect.is_none()
            && !v
                .arn
                .as_deref()
                .is_some_and(|a| self.needed(kind, a) && !self.kept(kind, a))
        {
            return;
        }
        let (detail, hash) = match managed(index, v) {
            Ok(p) => p,
            Err(es) => {
                self.errors.extend(es);
                return;
            }
        };
        let key = detail.arn.clone();
        if !self.as_placed(kind, &key, hash) {
            return;
        }
        if self.first_pass {
            match self.duplicate(kind, (&key, &key), &position, hash) {
                Sighting::First => self.place(kind, &key, index, span, hash),
                Sighting::Differ => return,
                Sighting::Same => {
                    // A kept copy is compared in full, not only by hash.
                    if let Some(kept) = self.out.managed.get(&key)
                        && (kept.version != detail.version || kept.document != detail.document)
                    {
                        let first = kept.position.clone();
                        self.errors.push(differ(kind, &key, &first, &position));
                    }
                    return;
                }
            }
        }
        if self.needed(kind, &key) && !self.kept(kind, &key) {
            if let Err(e) = strict_document(&detail.document) {
                self.errors.push(format!(
                    "{position} (`{key}`): its default version `{}`: {e}",
                    detail.version
                ));
                return;
            }
            self.out.managed.insert(key, detail);
        }
    }

    fn on_entity(
        &mut self,
        kind: ListKind,
        index: usize,
        span: (u64, u64),
        position: String,
        v: RawEntity,
    ) {
        // A read at an index reads the entry it chose, whatever it now names (as_placed).
        if !self.first_pass && self.expect.is_none() {
            let name = match kind {
                ListKind::Roles => &v.role_name,
                ListKind::Users => &v.user_name,
                _ => &v.group_name,
            };
            let Some(key) = name.as_deref().map(str::to_lowercase) else {
                return;
            };
            if !self.needed(kind, &key) || self.kept(kind, &key) {
                return;
            }
        }
        let detail = match entity(kind, index, v) {
            Ok(d) => d,
            Err(es) => {
                self.errors.extend(es);
                return;
            }
        };
        let key = detail.name.to_lowercase();
        let hash = entity_hash(&detail);
        if !self.as_placed(kind, &detail.name, hash) {
            return;
        }
        if self.first_pass {
            match self.duplicate(kind, (&key, &detail.name), &position, hash) {
                Sighting::First => {
                    self.place(kind, &key, index, span, hash);
                    if kind == ListKind::Roles && self.wanted.role_list {
                        self.out.role_list.push(ListedRole {
                            name: detail.name.clone(),
                            arn: detail.arn.clone(),
                            tags: detail.tags.clone(),
                        });
                    }
                }
                Sighting::Differ => return,
                Sighting::Same => {
                    // A kept copy is compared field by field, not only by hash.
                    if let Some(kept) = self.map(kind).get(&key)
                        && !same_entity(kept, &detail)
                    {
                        let first = kept.position.clone();
                        self.errors
                            .push(differ(kind, &detail.name, &first, &position));
                    }
                    return;
                }
            }
        }
        if self.needed(kind, &key) && !self.kept(kind, &key) {
            let at = format!("{position} (`{}`)", detail.name);
            let docs = detail
                .inline
                .iter()
                .map(|(n, d)| (format!("inline policy `{n}`"), d))
                .chain(
                    detail
                        .trust
                        .iter()
                        .map(|d| ("AssumeRolePolicyDocument".into(), d)),
                );
            let bad: Vec<String> = docs
                .filter_map(|(what, d)| {
                    strict_document(d)
                        .err()
                        .map(|e| format!("{at}: {what}: {e}"))
                })
                .collect();
            if !bad.is_empty() {
                self.errors.extend(bad);
                return;
            }
            self.grow(kind, &detail);
            self.map(kind).insert(key, detail);
        }
    }

    fn map(&mut self, kind: ListKind) -> &mut HashMap<String, EntityDetail> {
        match kind {
            ListKind::Roles => &mut self.out.roles,
            ListKind::Users => &mut self.out.users,
            _ => &mut self.out.groups,
        }
    }

    /// Records the entry in the index. A second copy whose content differs is an error naming
    /// both.
    fn duplicate(
        &mut self,
        kind: ListKind,
        (key, name): (&str, &str),
        position: &str,
        hash: u64,
    ) -> Sighting {
        match self.index.get(&(kind, key.to_string())) {
            Some((_, h)) if *h == hash => Sighting::Same,
            Some((first, _)) => {
                self.errors.push(differ(kind, name, first, position));
                Sighting::Differ
            }
            None => {
                self.index
                    .insert((kind, key.to_string()), (position.to_string(), hash));
                std::sync::Arc::make_mut(&mut self.out.present).insert((kind, key.to_string()));
                Sighting::First
            }
        }
    }

    /// Needed entries the file holds but this pass did not keep (read before they were needed).
    fn missing_but_present(&self) -> bool {
        let lists = [
            (ListKind::Roles, &self.need.roles),
            (ListKind::Users, &self.need.users),
            (ListKind::Groups, &self.need.groups),
            (ListKind::Policies, &self.need.policies),
        ];
        lists.iter().any(|(kind, keys)| {
            keys.iter()
                .any(|k| self.out.present.contains(&(*kind, k.clone())) && !self.kept(*kind, k))
        })
    }
}

enum Sighting {
    First,
    Same,
    Differ,
}

fn differ(kind: ListKind, name: &str, first: &str, second: &str) -> String {
    format!(
        "{first} and {second} both describe {} `{name}`, differently; an account has one {} of that {}, so the export contradicts itself (merged from exports taken at different times?): export again",
        kind.noun(),
        kind.noun(),
        if kind == ListKind::Policies {
            "ARN"
        } else {
            "name (IAM names are unique regardless of case)"
        }
    )
}

/// Reads the export with `open` (called once per pass), keeping what `wanted` needs. Every
/// problem of the file is reported at once.
pub fn read<R: Read>(
    open: &mut dyn FnMut() -> std::io::Result<R>,
    wanted: &Wanted,
) -> Result<AuthDetails, Vec<String>> {
    let mut state = State {
        wanted,
        need: Need {
            roles: wanted.roles.union(&wanted.trust_roles).cloned().collect(),
            users: wanted.users.clone(),
            ..Need::default()
        },
        out: AuthDetails::default(),
        index: HashMap::new(),
        errors: Vec::new(),
        first_pass: true,
        spots: HashMap::new(),
        expect: None,
    };
    if let Some(index) = &wanted.at {
        return Err(vec![format!(
            "internal error: a read at an index of {} entries needs a file it can seek in",
            index.len()
        )]);
    }
    loop {
        let reader = open().map_err(|e| vec![format!("cannot read it: {e}")])?;
        state.out.passes += 1;
        let spots = state.first_pass && wanted.index;
        stream(reader, spots, &mut |kind, index, span, v| {
            state.on_entry(kind, index, span, v)
        })
        .map_err(|e| vec![e])?;
        if !state.errors.is_empty() {
            return Err(std::mem::take(&mut state.errors));
        }
        state.first_pass = false;
        // Each pass keeps at least one more needed entry, and the needs are at most three deep
        // (user → group → policy); the bound guards against a file that changes under us.
        if !state.missing_but_present() {
            break;
        }
        if state.out.passes >= 4 {
            return Err(vec![
                "the file changed while it was read; read a copy that does not change".into(),
            ]);
        }
    }
    state.index.clear();
    if wanted.index {
        state.out.index = Some(std::sync::Arc::new(Index {
            spots: std::mem::take(&mut state.spots),
            present: state.out.present.clone(),
        }));
    }
    Ok(state.out)
}

/// Reads what `wanted` needs from the export at the places `index` found its entries
/// ([`Wanted::index`]), parsing only those entries: a role, then its groups and policies, each
/// checked by the same rules as a whole read's and required to hash as it did on the read that
/// validated the whole file (else the file changed: an error, never a mix of two files).
/// `open` is called once per round of needs (principals, their groups, the policies).
pub fn read_at<R: Read + std::io::Seek>(
    open: &mut dyn FnMut() -> std::io::Result<R>,
    index: &Index,
    wanted: &Wanted,
) -> Result<AuthDetails, Vec<String>> {
    let mut state = State {
        wanted,
        need: Need {
            roles: wanted.roles.union(&wanted.trust_roles).cloned().collect(),
            users: wanted.users.clone(),
            ..Need::default()
        },
        out: AuthDetails {
            present: index.present.clone(),
            ..AuthDetails::default()
        },
        index: HashMap::new(),
        errors: Vec::new(),
        first_pass: false,
        spots: HashMap::new(),
        expect: None,
    };
    if wanted.all || wanted.role_list {
        return Err(vec![
            "internal error: a read at an index keeps named entries only".to_string(),
        ]);
    }
    let mut tried: BTreeSet<(ListKind, String)> = BTreeSet::new();
    loop {
        // The needed entries the file holds and this read has not read yet, in file order.
        let lists = [
            (ListKind::Roles, &state.need.roles),
            (ListKind::Users, &state.need.users),
            (ListKind::Groups, &state.need.groups),
            (ListKind::Policies, &state.need.policies),
        ];
        let mut round: Vec<(ListKind, Spot)> = Vec::new();
        for (kind, keys) in lists {
            for k in keys {
                if let Some(spot) = index.spots.get(&(kind, k.clone()))
                    && tried.insert((kind, k.clone()))
                {
                    round.push((kind, *spot));
                }
            }
        }
        if round.is_empty() {
            break;
        }
        round.sort_by_key(|(_, s)| s.start);
        let mut reader = open().map_err(|e| vec![format!("cannot read it: {e}")])?;
        state.out.passes += 1;
        let mut bytes = Vec::new();
        for (kind, spot) in round {
            let read = entry_bytes(&mut reader, spot, &mut bytes)
                .map_err(|e| vec![format!("cannot read it: {e}")])?;
            let raw = read.and_then(|text| {
                if kind == ListKind::Policies {
                    serde_json::from_slice::<RawPolicy>(text).map(Raw::Policy)
                } else {
                    serde_json::from_slice::<RawEntity>(text).map(|e| Raw::Entity(Box::new(e)))
                }
                .ok()
            });
            let Some(raw) = raw else {
                return Err(vec![format!(
                    "{}[{}] is not where the first read of the file found it: the file changed while it was read; read a copy that does not change",
                    kind.key(),
                    spot.index
                )]);
            };
            state.expect = Some(spot);
            state.on_entry(kind, spot.index, (spot.start, spot.end), raw);
            state.expect = None;
        }
        if !state.errors.is_empty() {
            return Err(std::mem::take(&mut state.errors));
        }
    }
    Ok(state.out)
}

/// The bytes of the entry at `spot` (its `,` and the spaces before it left out), or `None`
/// when they are not an entry's (the file is shorter, or moved).
fn entry_bytes<'b, R: Read + std::io::Seek>(
    reader: &mut R,
    spot: Spot,
    buf: &'b mut Vec<u8>,
) -> std::io::Result<Option<&'b [u8]>> {
    let Some(len) = spot.end.checked_sub(spot.start) else {
        return Ok(None);
    };
    reader.seek(std::io::SeekFrom::Start(spot.start))?;
    buf.clear();
    let got = reader.by_ref().take(len).read_to_end(buf)?;
    if got as u64 != len {
        return Ok(None);
    }
    let text = buf.trim_ascii_start();
    let text = text.strip_prefix(b",").unwrap_or(text).trim_ascii_start();
    Ok(text.starts_with(b"{").then_some(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_text(text: &str, wanted: &Wanted) -> Result<AuthDetails, Vec<String>> {
        read(&mut || Ok(text.as_bytes()), wanted)
    }

    fn role(name: &str, extra: &str) -> String {
        format!(
            r#"{{"RoleName": "{name}", "Arn": "arn:aws:iam::111122223333:role/{name}"{extra}}}"#
        )
    }

    fn policy(arn: &str, versions: &str, default: Option<&str>) -> String {
        let d = default
            .map(|d| format!(r#", "DefaultVersionId": "{d}""#))
            .unwrap_or_default();
        format!(r#"{{"Arn": "{arn}"{d}, "PolicyVersionList": [{versions}]}}"#)
    }

    fn version(id: &str, default: bool, sid: &str) -> String {
        format!(
            r#"{{"VersionId": "{id}", "IsDefaultVersion": {default}, "Document": {{"Version": "2012-10-17", "Statement": [{{"Sid": "{sid}", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}]}}}}"#
        )
    }

    const P: &str = "arn:aws:iam::111122223333:policy/p";

    fn one_error(text: &str) -> String {
        let errs = read_text(text, &Wanted::everything()).unwrap_err();
        assert_eq!(errs.len(), 1, "{errs:?}");
        errs[0].clone()
    }

    #[test]
    fn the_default_version_is_the_one_marked_is_default_version() {
        let text = format!(
            r#"{{"Policies": [{}]}}"#,
            policy(
                P,
                &[version("v1", false, "Old"), version("v2", true, "New")].join(","),
                Some("v2")
            )
        );
        let d = read_text(&text, &Wanted::everything()).unwrap();
        let m = &d.managed[P];
        assert_eq!(m.version, "v2");
        assert!(m.document.contains("New") && !m.document.contains("Old"));
    }

    #[test]
    fn contradicting_default_versions_are_errors_naming_the_entry() {
        let cases = [
            (
                policy(
                    P,
                    &[version("v1", true, "A"), version("v2", false, "B")].join(","),
                    Some("v2"),
                ),
                "DefaultVersionId says `v2` but IsDefaultVersion marks `v1`",
            ),
            (
                policy(
                    P,
                    &[version("v1", true, "A"), version("v2", true, "B")].join(","),
                    Some("v1"),
                ),
                "versions `v1` and `v2` are all marked IsDefaultVersion",
            ),
            (
                policy(
                    P,
                    &[version("v1", false, "A"), version("v2", false, "B")].join(","),
                    Some("v2"),
                ),
                "no version is marked IsDefaultVersion",
            ),
            (
                policy(P, &version("v1", true, "A"), Some("v7")),
                "DefaultVersionId `v7` is not in its PolicyVersionList",
            ),
            (
                policy(P, r#"{"VersionId": "v1", "IsDefaultVersion": true}"#, None),
                "its default version `v1` has no Document",
            ),
            (
                policy(
                    P,
                    &[version("v1", true, "A"), version("v1", false, "B")].join(","),
                    None,
                ),
                "lists version `v1` twice",
            ),
        ];
        for (entry, want) in cases {
            let e = one_error(&format!(r#"{{"Policies": [{entry}]}}"#));
            assert!(e.contains(want), "{e}");
            assert!(e.contains(&format!("Policies[0] (`{P}`)")), "{e}");
        }
    }

    #[test]
    fn an_attachment_without_policy_arn_is_an_error_not_dropped() {
        let e = one_error(&format!(
            r#"{{"RoleDetailList": [{}]}}"#,
            role(
                "app",
                r#", "AttachedManagedPolicies": [{"PolicyName": "deny-all"}]"#
            )
        ));
        assert!(
            e.contains("RoleDetailList[0] (`app`): AttachedManagedPolicies[0] (`deny-all`) has no PolicyArn"),
            "{e}"
        );
    }

    #[test]
    fn a_boundary_without_its_arn_is_an_error() {
        let e = one_error(&format!(
            r#"{{"RoleDetailList": [{}]}}"#,
            role(
                "app",
                r#", "PermissionsBoundary": {"PermissionsBoundaryType": "Policy"}"#
            )
        ));
        assert!(
            e.contains("PermissionsBoundary has no PermissionsBoundaryArn"),
            "{e}"
        );
    }

    #[test]
    fn identical_duplicates_merge_and_different_ones_name_both() {
        let deny = r#", "RolePolicyList": [{"PolicyName": "deny", "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}}]"#;
        let same = format!(
            r#"{{"RoleDetailList": [{}, {}]}}"#,
            role("app", deny),
            role("app", deny)
        );
        let d = read_text(&same, &Wanted::everything()).unwrap();
        assert_eq!(d.roles["app"].inline.len(), 1);
        // Case does not make two roles: IAM names are unique regardless of case.
        let differ = format!(
            r#"{{"RoleDetailList": [{}, {}]}}"#,
            role("app", deny),
            role("APP", "")
        );
        let e = one_error(&differ);
        assert!(
            e.contains("RoleDetailList[0] and RoleDetailList[1] both describe role `APP`"),
            "{e}"
        );
        // Also when neither copy is wanted (only the index sees them).
        let mut w = Wanted::default();
        w.role("other");
        let errs = read_text(&differ, &w).unwrap_err();
        assert!(errs[0].contains("both describe role"), "{errs:?}");
        // Managed policies listed twice with different documents: whichever comes first.
        for order in [["A", "B"], ["B", "A"]] {
            let text = format!(
                r#"{{"Policies": [{}, {}]}}"#,
                policy(P, &version("v1", true, order[0]), Some("v1")),
                policy(P, &version("v1", true, order[1]), Some("v1"))
            );
            let e = one_error(&text);
            assert!(
                e.contains("Policies[0] and Policies[1] both describe managed policy"),
                "{e}"
            );
        }
    }

    #[test]
    fn an_inline_policy_named_twice_with_different_documents_is_an_error() {
        let e = one_error(&format!(
            r#"{{"RoleDetailList": [{}]}}"#,
            role(
                "app",
                r#", "RolePolicyList": [{"PolicyName": "x", "PolicyDocument": "{}"}, {"PolicyName": "x", "PolicyDocument": "{\"a\":1}"}]"#
            )
        ));
        assert!(e.contains("lists inline policy `x` twice"), "{e}");
    }

    #[test]
    fn repeated_keys_in_an_entry_are_an_error() {
        let errs = read_text(
            r#"{"RoleDetailList": [{"RoleName": "app", "Arn": "arn:aws:iam::1:role/app", "RolePolicyList": [], "RolePolicyList": []}]}"#,
            &Wanted::everything(),
        )
        .unwrap_err();
        assert!(
            errs[0].contains("duplicate field `RolePolicyList`"),
            "{errs:?}"
        );
        // Inside a kept document too: a second `Effect` must not turn a Deny into an Allow.
        let errs = read_text(
            r#"{"RoleDetailList": [{"RoleName": "app", "Arn": "arn:aws:iam::1:role/app", "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Effect": "Allow", "Action": "*", "Resource": "*"}]}}]}]}"#,
            &Wanted::everything(),
        )
        .unwrap_err();
        assert!(
            errs[0]
                .contains("RoleDetailList[0] (`app`): inline policy `p`: duplicate key `Effect`"),
            "{errs:?}"
        );
    }

    #[test]
    fn an_arn_that_names_another_entity_is_an_error() {
        let e = one_error(
            r#"{"RoleDetailList": [{"RoleName": "app", "Path": "/svc/", "Arn": "arn:aws:iam::1:role/svc/admin"}]}"#,
        );
        assert!(
            e.contains("does not name role `app` with path `/svc/`"),
            "{e}"
        );
        // With its path, the ARN is right.
        read_text(
            r#"{"RoleDetailList": [{"RoleName": "app", "Path": "/svc/", "Arn": "arn:aws:iam::1:role/svc/app"}]}"#,
            &Wanted::everything(),
        )
        .unwrap();
    }

    #[test]
    fn tags_are_read_and_absent_tags_are_unknown() {
        let text = format!(
            r#"{{"RoleDetailList": [{}, {}], "UserDetailList": [{{"UserName": "u", "Arn": "arn:aws:iam::1:user/u", "Tags": []}}]}}"#,
            role(
                "tagged",
                r#", "Tags": [{"Key": "team", "Value": "orders"}, {"Key": "env", "Value": ""}]"#
            ),
            role("untold", "")
        );
        let d = read_text(&text, &Wanted::everything()).unwrap();
        let tags = d.roles["tagged"].tags.clone().unwrap();
        assert_eq!(tags["team"], "orders");
        assert_eq!(tags["env"], "");
        assert_eq!(d.roles["untold"].tags, None);
        assert_eq!(d.users["u"].tags, Some(BTreeMap::new()));
        let e = one_error(&format!(
            r#"{{"RoleDetailList": [{}]}}"#,
            role(
                "app",
                r#", "Tags": [{"Key": "team", "Value": "a"}, {"Key": "Team", "Value": "b"}]"#
            )
        ));
        assert!(e.contains("Tags lists key `Team` twice"), "{e}");
    }

    /// A file can list policies and groups before the users that need them.
    #[test]
    fn only_what_the_principal_needs_is_kept_in_any_order() {
        let text = format!(
            r#"{{
              "Policies": [{}, {}],
              "GroupDetailList": [
                {{"GroupName": "devs", "Arn": "arn:aws:iam::1:group/devs", "AttachedManagedPolicies": [{{"PolicyArn": "{P}"}}]}},
                {{"GroupName": "ops", "Arn": "arn:aws:iam::1:group/ops"}}],
              "RoleDetailList": [{}],
              "UserDetailList": [
                {{"UserName": "alice", "Arn": "arn:aws:iam::1:user/alice", "GroupList": ["DEVS"]}},
                {{"UserName": "bob", "Arn": "arn:aws:iam::1:user/bob", "GroupList": ["ops"]}}]
            }}"#,
            policy(P, &version("v1", true, "A"), Some("v1")),
            policy(
                "arn:aws:iam::1:policy/unused",
                &version("v1", true, "B"),
                None
            ),
            role("app", "")
        );
        let mut w = Wanted::default();
        w.user("Alice");
        let d = read_text(&text, &w).unwrap();
        assert_eq!(d.passes, 3, "user, then its group, then the group's policy");
        assert_eq!(d.users.keys().collect::<Vec<_>>(), ["alice"]);
        assert_eq!(d.groups.keys().collect::<Vec<_>>(), ["devs"]);
        assert_eq!(d.managed.keys().collect::<Vec<_>>(), [P]);
        assert!(d.roles.is_empty());
        assert!(d.contains(ListKind::Roles, "APP") && d.contains(ListKind::Groups, "ops"));
        assert!(!d.contains(ListKind::Groups, "nobody"));
        // In the AWS CLI's order, one pass.
        let cli_order = format!(
            r#"{{"UserDetailList": [{{"UserName": "alice", "Arn": "arn:aws:iam::1:user/alice", "GroupList": ["devs"]}}],
                "GroupDetailList": [{{"GroupName": "devs", "Arn": "arn:aws:iam::1:group/devs", "AttachedManagedPolicies": [{{"PolicyArn": "{P}"}}]}}],
                "RoleDetailList": [], "Policies": [{}]}}"#,
            policy(P, &version("v1", true, "A"), Some("v1"))
        );
        let d = read_text(&cli_order, &w).unwrap();
        assert_eq!((d.passes, d.managed.len()), (1, 1));
    }

    /// The index's read of what a batch needs, against a whole read of the same file.
    fn index_then_read_at(text: &str, w: &Wanted) -> (AuthDetails, AuthDetails) {
        let listing = read_text(
            text,
            &Wanted {
                role_list: true,
                index: true,
                ..Wanted::default()
            },
        )
        .unwrap();
        let index = listing.index.clone().unwrap();
        let at = read_at(&mut || Ok(std::io::Cursor::new(text.as_bytes())), &index, w).unwrap();
        (read_text(text, w).unwrap(), at)
    }

    fn kept(d: &AuthDetails) -> impl PartialEq + fmt::Debug {
        let sorted = |m: &HashMap<String, EntityDetail>| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect::<BTreeMap<_, _>>()
        };
        (
            sorted(&d.roles),
            sorted(&d.users),
            sorted(&d.groups),
            d.managed
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect::<BTreeMap<_, _>>(),
            d.present.clone(),
        )
    }

    /// A read at the index keeps exactly what a whole read keeps (positions included), in any
    /// order of the lists, compact or pretty-printed, for a user's chain of group and policy.
    #[test]
    fn a_read_at_the_index_keeps_what_a_whole_read_keeps() {
        let lists = [
            format!(
                r#""Policies": [{}, {}]"#,
                policy(P, &version("v1", true, "A"), Some("v1")),
                policy(
                    "arn:aws:iam::1:policy/unused",
                    &version("v1", true, "B"),
                    None
                )
            ),
            r#""GroupDetailList": [{"GroupName": "devs", "Arn": "arn:aws:iam::1:group/devs", "AttachedManagedPolicies": [{"PolicyArn": "arn:aws:iam::111122223333:policy/p"}]}]"#.to_string(),
            format!(
                r#""RoleDetailList": [{}, {}, {}]"#,
                role("app", r#", "AttachedManagedPolicies": [{"PolicyArn": "arn:aws:iam::111122223333:policy/p"}], "RolePolicyList": [{"PolicyName": "i", "PolicyDocument": "%7B%22Version%22%3A%222012-10-17%22%7D"}]"#),
                role("other", ""),
                role("app", r#", "AttachedManagedPolicies": [{"PolicyArn": "arn:aws:iam::111122223333:policy/p"}], "RolePolicyList": [{"PolicyName": "i", "PolicyDocument": "%7B%22Version%22%3A%222012-10-17%22%7D"}]"#)
            ),
            r#""UserDetailList": [{"UserName": "alice", "Arn": "arn:aws:iam::1:user/alice", "GroupList": ["DEVS"]}]"#.to_string(),
        ];
        let mut w = Wanted::default();
        w.role("App");
        w.user("alice");
        w.trust_role("other");
        for order in [[0, 1, 2, 3], [3, 2, 1, 0], [2, 0, 3, 1]] {
            let compact = format!("{{{}}}", order.map(|i| lists[i].as_str()).join(", "));
            let pretty = serde_json::to_string_pretty(
                &serde_json::from_str::<serde_json::Value>(&compact).unwrap(),
            )
            .unwrap();
            for text in [compact, pretty.replace('\n', "\r\n\t ")] {
                let (whole, at) = index_then_read_at(&text, &w);
                assert_eq!(kept(&whole), kept(&at), "{text}");
                assert_eq!(at.roles.len(), 2, "{text}");
                assert_eq!(at.managed.len(), 1, "{text}");
                assert!(at.contains(ListKind::Policies, "arn:aws:iam::1:policy/unused"));
            }
        }
    }

    /// The file read at the index must be the file indexed: an entry edited, moved or cut
    /// since is an error, never a verdict on a mix of two files.
    #[test]
    fn a_file_changed_after_its_index_is_refused() {
        let deny = r#", "RolePolicyList": [{"PolicyName": "d", "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}}]"#;
        let before = format!(
            r#"{{"RoleDetailList": [{}, {}], "Policies": [{}]}}"#,
            role("app", deny),
            role("zed", ""),
            policy(P, &version("v1", true, "A"), Some("v1"))
        );
        let index = read_text(
            &before,
            &Wanted {
                role_list: true,
                index: true,
                ..Wanted::default()
            },
        )
        .unwrap()
        .index
        .unwrap();
        let mut w = Wanted::default();
        w.role("app");
        let changed = [
            // Same length, Deny made Allow.
            before.replace(r#""Deny""#, r#""Allw""#),
            // The deny removed: everything after moves.
            before.replace(deny, ""),
            // Another role where `app` was.
            before
                .replacen("\"app\"", "\"apq\"", 1)
                .replace("role/app", "role/apq"),
            // Cut short inside the entry.
            before[..before.find("Deny").unwrap()].to_string(),
            String::new(),
        ];
        for text in changed {
            let errs = read_at(
                &mut || Ok(std::io::Cursor::new(text.as_bytes())),
                &index,
                &w,
            )
            .unwrap_err();
            assert!(
                errs.iter()
                    .any(|e| e.contains("the file changed while it was read")),
                "{text}: {errs:?}"
            );
        }
        // The same file reads.
        let d = read_at(
            &mut || Ok(std::io::Cursor::new(before.as_bytes())),
            &index,
            &w,
        )
        .unwrap();
        assert!(d.roles["app"].inline[0].1.contains("Deny"));
    }

    /// A document with a repeated key is refused by a read at the index as by a whole read
    /// (the first read validated the entry's shape, not its documents).
    #[test]
    fn a_read_at_the_index_refuses_a_repeated_key_in_a_document() {
        let text = format!(
            r#"{{"RoleDetailList": [{}]}}"#,
            role(
                "app",
                r#", "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Effect": "Allow", "Action": "*", "Resource": "*"}]}}]"#
            )
        );
        let index = read_text(
            &text,
            &Wanted {
                index: true,
                ..Wanted::default()
            },
        )
        .unwrap()
        .index
        .unwrap();
        let mut w = Wanted::default();
        w.role("app");
        let errs = read_at(
            &mut || Ok(std::io::Cursor::new(text.as_bytes())),
            &index,
            &w,
        )
        .unwrap_err();
        assert!(errs[0].contains("duplicate key `Effect`"), "{errs:?}");
    }

    #[test]
    fn not_an_export() {
        for (text, want) in [
            ("[]", "expected the output of"),
            ("{}", "expected the output of"),
            ("{", "not valid as an export"),
            (r#"{"RoleDetailList": 3}"#, "a list for `RoleDetailList`"),
        ] {
            let errs = read_text(text, &Wanted::everything()).unwrap_err();
            assert!(errs[0].contains(want), "{text}: {errs:?}");
        }
    }
}
