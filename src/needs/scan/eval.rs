//! The resolver: the facts of every file of the package → needs, unresolved calls and
//! skipped calls. Owns Python name resolution across modules (imports, aliases, star
//! imports, re-exports, inheritance, `self`, return values) and the reading of each call
//! against pydynox's API table ([`super::api`]); must not parse, read files or render.
//!
//! Values are over-approximated: a name bound in several places is any of them, and a call
//! on a receiver that may be several pydynox objects needs what each would. A receiver the
//! scan cannot see (an unannotated parameter, a computed `getattr`) with a pydynox method
//! name becomes an [`Unresolved`] entry, never a silent omission.

use std::cell::RefCell;
use std::collections::BTreeSet;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::api::{Api, CallSpec, Io, Receiver, Returns, Rule, TableFrom, base_name};
use super::front::{
    BindKind, CallIdx, CallSite, ClassIdx, FuncIdx, ModRef, ModuleFacts, ScopeId, Sym,
};
use super::partiql;
use super::report::{Definition, Evidence, Location, Name, Need, Resource, Skipped, Unresolved};

pub type FileId = usize;
type ClassId = (FileId, ClassIdx);

/// One parsed file and where it sits in the tree.
pub struct Unit {
    /// Path relative to its root, `/`-separated (`app/models.py`).
    pub rel: String,
    pub facts: ModuleFacts,
}

const MAX_DEPTH: usize = 48;
/// Bound on nested `eval` calls in all, whatever the chain (keeps the stack small).
const MAX_LEVEL: usize = 160;

/// Table names with where each was set, or why they could not be read and what would fix it.
type Tables = Result<Vec<(Name, Option<Definition>)>, (String, &'static str)>;
/// Index names (and their definition), none, or why they could not be read.
type IndexNames = Result<Option<(Vec<Name>, Option<Definition>)>, String>;
const MAX_VALUES: usize = 24;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Prov {
    New,
    Loaded,
    Unknown,
}

#[derive(Debug, Clone, PartialEq)]
enum Value {
    Str(Name),
    PyModule(String),
    /// A pydynox export, by its last name (`Model`, `EncryptionMode.WriteOnly`).
    Py(String),
    /// boto3 / botocore and anything reached from them.
    Boto3,
    /// Another library's name, qualified (`os.environ`, `json.loads`).
    Ext(String),
    Builtin(String),
    Module(FileId),
    /// A folder used as a namespace package.
    Package(String),
    Class(ClassId, bool),
    Function(FileId, FuncIdx),
    Instance(ClassId, Prov, bool),
    Client(Option<(FileId, CallIdx)>),
    Transaction,
    Writer(FileId, CallIdx),
    Lock(FileId, CallIdx),
    /// A GSI/LSI (`vector` false) or vector index class attribute, through class `ClassId`.
    IndexAttr(ClassId, String, bool),
    /// A loaded S3Attribute field (an `S3Value`) of class `ClassId`.
    S3Field(ClassId, String),
    Collection(FileId, CallIdx),
    /// A pydynox constructor's result (`ModelConfig(...)`, `GlobalSecondaryIndex(...)`).
    PyCall(String, FileId, CallIdx),
    Results(Vec<Value>),
    List(Vec<Value>),
    Dict(Vec<(Option<Value>, Value)>),
    Method(Box<Value>, String),
    None,
    Other,
    Unknown(String),
}

impl Value {
    fn is_pydynox(&self) -> bool {
        matches!(
            self,
            Value::Class(..)
                | Value::Instance(..)
                | Value::Client(_)
                | Value::Transaction
                | Value::Writer(..)
                | Value::Lock(..)
                | Value::IndexAttr(..)
                | Value::S3Field(..)
                | Value::Collection(..)
                | Value::Py(_)
                | Value::PyModule(_)
        )
    }
}

/// What the resolver produced.
#[derive(Default)]
pub struct Findings {
    pub needs: Vec<Need>,
    pub unresolved: Vec<Unresolved>,
    pub skipped: Vec<Skipped>,
}

struct Program<'a> {
    units: &'a [Unit],
    api: &'a Api,
    /// Dotted module names (every suffix of each file's path) → files.
    modules: HashMap<String, Vec<FileId>>,
    by_rel: HashMap<String, FileId>,
    dirs: HashSet<String>,
    /// Every `/`-bounded suffix of a folder (`a/b/c`: `c`, `b/c`, `a/b/c`) → the least folder
    /// that ends with it: a namespace package found by one lookup, not a scan of every folder
    /// per external import.
    dir_suffixes: HashMap<String, String>,
    memo_bind: RefCell<HashMap<(FileId, ScopeId, String), Vec<Value>>>,
    memo_call: RefCell<HashMap<(FileId, CallIdx), Vec<Value>>>,
    memo_model: RefCell<HashMap<ClassId, u8>>,
    memo_mro: RefCell<HashMap<ClassId, Vec<ClassId>>>,
    /// Current recursion of `eval`, across derivation chains.
    level: std::cell::Cell<usize>,
    subclasses: RefCell<Option<HashMap<ClassId, Vec<ClassId>>>>,
    /// pydynox older than 0.14.0 encrypts with kms:Encrypt.
    kms_encrypt_action: &'static str,
    /// Smart save (UpdateItem for a loaded item) exists from 0.24.0; before, `save()` is
    /// always a PutItem.
    smart_save: bool,
}

/// Resolves every call of every unit, for the pydynox `version` the project declares (the
/// newest release's behaviour when it declares none, as `check` assumes by default).
pub fn resolve(units: &[Unit], api: &Api, version: Option<&semver::Version>) -> Findings {
    let old_kms = version.is_some_and(|v| *v < semver::Version::new(0, 14, 0));
    let smart_save = version.is_none_or(|v| *v >= semver::Version::new(0, 24, 0));
    let mut modules: HashMap<String, Vec<FileId>> = HashMap::default();
    let mut by_rel = HashMap::default();
    let mut dirs = HashSet::default();
    for (i, u) in units.iter().enumerate() {
        by_rel.insert(u.rel.clone(), i);
        let no_ext = u.rel.strip_suffix(".py").unwrap_or(&u.rel);
        let mut parts: Vec<&str> = no_ext.split('/').collect();
        if parts.last() == Some(&"__init__") {
            parts.pop();
        }
        for start in 0..parts.len() {
            modules.entry(parts[start..].join(".")).or_default().push(i);
        }
        let mut d = u.rel.as_str();
        while let Some(p) = d.rfind('/') {
            d = &d[..p];
            dirs.insert(d.to_string());
        }
    }
    let mut dir_suffixes: HashMap<String, String> = HashMap::default();
    for d in &dirs {
        let mut suffix = d.as_str();
        loop {
            dir_suffixes
                .entry(suffix.to_string())
                .and_modify(|best| {
                    if d < best {
                        best.clone_from(d);
                    }
                })
                .or_insert_with(|| d.clone());
            match suffix.find('/') {
                Some(i) => suffix = &suffix[i + 1..],
                None => break,
            }
        }
    }
    let p = Program {
        units,
        api,
        modules,
        by_rel,
        dirs,
        dir_suffixes,
        memo_bind: RefCell::default(),
        memo_call: RefCell::default(),
        memo_model: RefCell::default(),
        memo_mro: RefCell::default(),
        level: std::cell::Cell::new(0),
        subclasses: RefCell::default(),
        kms_encrypt_action: if old_kms {
            "kms:Encrypt"
        } else {
            "kms:GenerateDataKey"
        },
        smart_save,
    };
    let mut out = Findings::default();
    for (f, u) in units.iter().enumerate() {
        for (ci, site) in u.facts.calls.iter().enumerate() {
            p.interpret(f, ci, site, &mut out);
        }
    }
    out.needs = super::report::merge_needs(out.needs);
    out.unresolved.sort();
    out.unresolved.dedup();
    out.skipped.sort();
    out.skipped.dedup();
    out
}

fn push_unique(out: &mut Vec<Value>, v: Value) {
    if out.len() < MAX_VALUES && !out.contains(&v) {
        out.push(v);
    }
}

const BUILTINS: &[&str] = &[
    "getattr",
    "super",
    "dict",
    "list",
    "tuple",
    "set",
    "frozenset",
    "str",
    "int",
    "float",
    "bool",
    "len",
    "print",
    "isinstance",
    "issubclass",
    "open",
    "range",
    "enumerate",
    "zip",
    "map",
    "filter",
    "sorted",
    "reversed",
    "iter",
    "next",
    "min",
    "max",
    "sum",
    "any",
    "all",
    "repr",
    "type",
    "object",
    "Exception",
    "ValueError",
    "KeyError",
    "TypeError",
    "RuntimeError",
    "hasattr",
    "setattr",
    "vars",
    "id",
    "hash",
    "abs",
    "round",
    "format",
    "bytes",
    "bytearray",
    "callable",
    "staticmethod",
    "classmethod",
    "property",
    "__name__",
    "__file__",
    "NotImplementedError",
    "StopIteration",
    "input",
    "divmod",
    "chr",
    "ord",
];

const PYDYNOX_SUBMODULES: &[&str] = &[
    "attributes",
    "indexes",
    "lock",
    "integrations",
    "testing",
    "client",
    "config",
    "model",
    "exceptions",
    "conditions",
    "transaction",
    "batch_operations",
    "collection",
    "_internal",
    "pydynox_core",
    "hooks",
    "generators",
    "rate_limit",
    "diagnostics",
    "size",
    "atomic",
    "functions",
    "pydantic",
    "dataclass",
    "_vector",
    "_encryption",
    "_indexes",
];

impl Program<'_> {
    fn facts(&self, f: FileId) -> &ModuleFacts {
        &self.units[f].facts
    }

    fn loc(&self, f: FileId, line: u32, column: u32) -> Location {
        Location {
            file: self.units[f].rel.clone(),
            line,
            column,
        }
    }

    // ---------- modules ----------

    fn dir_of(&self, f: FileId) -> &str {
        let rel = &self.units[f].rel;
        rel.rfind('/').map(|i| &rel[..i]).unwrap_or("")
    }

    fn resolve_module(&self, f: FileId, m: &ModRef) -> Value {
        if m.level == 0 {
            let top = m.name.split('.').next().unwrap_or("");
            if top == "pydynox" {
                return Value::PyModule(m.name.clone());
            }
            if matches!(top, "boto3" | "botocore" | "aioboto3" | "aiobotocore") {
                return Value::Boto3;
            }
            if let Some(cands) = self.modules.get(&m.name) {
                let here = &self.units[f].rel;
                let best = cands.iter().copied().max_by_key(|&c| {
                    (
                        common_prefix(&self.units[c].rel, here),
                        std::cmp::Reverse(c),
                    )
                });
                if let Some(b) = best {
                    return Value::Module(b);
                }
            }
            // A namespace package (a folder without __init__.py) in the tree.
            let as_dir = m.name.replace('.', "/");
            if let Some(d) = self.dir_suffixes.get(&as_dir) {
                return Value::Package(d.clone());
            }
            return Value::Ext(m.name.clone());
        }
        let mut base = self.dir_of(f).to_string();
        for _ in 1..m.level {
            base = match base.rfind('/') {
                Some(i) => base[..i].to_string(),
                None => String::new(),
            };
        }
        let mut path = base.clone();
        for part in m.name.split('.').filter(|s| !s.is_empty()) {
            if !path.is_empty() {
                path.push('/');
            }
            path.push_str(part);
        }
        self.path_value(&path).unwrap_or_else(|| {
            Value::Unknown(format!(
                "relative import `{}{}` not found in the scanned tree",
                ".".repeat(m.level as usize),
                m.name
            ))
        })
    }

    /// A module or package at a tree path without extension.
    fn path_value(&self, path: &str) -> Option<Value> {
        let join = |s: &str| {
            if path.is_empty() {
                s.to_string()
            } else {
                format!("{path}/{s}")
            }
        };
        if let Some(&f) = self.by_rel.get(&format!("{path}.py")) {
            return Some(Value::Module(f));
        }
        if let Some(&f) = self.by_rel.get(&join("__init__.py")) {
            return Some(Value::Module(f));
        }
        if path.is_empty() || self.dirs.contains(path) {
            return Some(Value::Package(path.to_string()));
        }
        None
    }

    fn module_member(&self, m: FileId, name: &str, depth: usize) -> Vec<Value> {
        if let Some(v) = self.lookup_in_scope(m, 0, name, depth) {
            return v;
        }
        if let Some(v) = self.star_member(m, name, depth + 1) {
            return v;
        }
        let rel = &self.units[m].rel;
        if rel.ends_with("__init__.py") || rel == "__init__.py" {
            let dir = self.dir_of(m).to_string();
            let path = if dir.is_empty() {
                name.to_string()
            } else {
                format!("{dir}/{name}")
            };
            if let Some(v) = self.path_value(&path) {
                return vec![v];
            }
        }
        vec![Value::Unknown(format!("`{name}` is not defined in {rel}"))]
    }

    // ---------- names ----------

    fn lookup_in_scope(
        &self,
        f: FileId,
        scope: ScopeId,
        name: &str,
        depth: usize,
    ) -> Option<Vec<Value>> {
        let facts = self.facts(f);
        let s = facts.scopes.get(scope)?;
        let binds = s.bindings.get(name)?;
        let key = (f, scope, name.to_string());
        if let Some(v) = self.memo_bind.borrow().get(&key) {
            return Some(v.clone());
        }
        self.memo_bind.borrow_mut().insert(
            key.clone(),
            vec![Value::Unknown(format!(
                "`{name}` is defined in terms of itself"
            ))],
        );
        let mut out = Vec::new();
        for b in binds {
            for v in self.eval_binding(f, &b.kind, depth + 1) {
                push_unique(&mut out, v);
            }
        }
        self.memo_bind.borrow_mut().insert(key, out.clone());
        Some(out)
    }

    fn eval_binding(&self, f: FileId, b: &BindKind, depth: usize) -> Vec<Value> {
        match b {
            BindKind::Value(sym) => self.eval(f, sym, depth),
            BindKind::Import(m) => vec![self.resolve_module(f, m)],
            BindKind::From(m, name) => match self.resolve_module(f, m) {
                Value::Module(mf) => self.module_member(mf, name, depth),
                Value::Package(dir) => {
                    let path = if dir.is_empty() {
                        name.clone()
                    } else {
                        format!("{dir}/{name}")
                    };
                    vec![self.path_value(&path).unwrap_or_else(|| {
                        Value::Unknown(format!("`{name}` not found in package `{dir}`"))
                    })]
                }
                other => vec![self.attr(other, name, depth)],
            },
            BindKind::Class(c) => vec![Value::Class((f, *c), false)],
            BindKind::Function(i) => vec![Value::Function(f, *i)],
        }
    }

    fn lookup(&self, f: FileId, scope: ScopeId, name: &str, depth: usize) -> Vec<Value> {
        let facts = self.facts(f);
        let mut s = Some(scope);
        while let Some(id) = s {
            if let Some(v) = self.lookup_in_scope(f, id, name, depth) {
                return v;
            }
            s = facts.scopes.get(id).and_then(|sc| sc.parent);
        }
        if let Some(v) = self.star_member(f, name, depth) {
            return v;
        }
        if BUILTINS.contains(&name) {
            return vec![Value::Builtin(name.to_string())];
        }
        vec![Value::Unknown(format!(
            "name `{name}` is not defined or imported in {}",
            self.units[f].rel
        ))]
    }

    /// `name` as bound through the `from m import *` lines of file `f` (following `__all__`,
    /// and further star imports of those modules).
    fn star_member(&self, f: FileId, name: &str, depth: usize) -> Option<Vec<Value>> {
        if depth > MAX_DEPTH {
            return None;
        }
        for star in &self.facts(f).star_imports {
            match self.resolve_module(f, star) {
                Value::Module(m) if m != f => {
                    let exported = match &self.facts(m).dunder_all {
                        Some(all) => all.iter().any(|a| a == name),
                        None => !name.starts_with('_'),
                    };
                    if !exported {
                        continue;
                    }
                    if let Some(v) = self.lookup_in_scope(m, 0, name, depth) {
                        return Some(v);
                    }
                    if let Some(v) = self.star_member(m, name, depth + 1) {
                        return Some(v);
                    }
                }
                Value::PyModule(pm) => {
                    return Some(vec![self.attr(Value::PyModule(pm), name, depth)]);
                }
                _ => {}
            }
        }
        None
    }

    // ---------- evaluation ----------

    fn eval(&self, f: FileId, sym: &Sym, depth: usize) -> Vec<Value> {
        // `depth` bounds one chain of derivation; `level` bounds the whole recursion, which
        // also passes through class hierarchies (mro, model kind) that start new chains.
        let level = self.level.get();
        if depth > MAX_DEPTH || level > MAX_LEVEL {
            return vec![Value::Unknown(
                "the value is too deeply derived to follow".into(),
            )];
        }
        self.level.set(level + 1);
        let out = self.eval_inner(f, sym, depth);
        self.level.set(level);
        out
    }

    fn eval_inner(&self, f: FileId, sym: &Sym, depth: usize) -> Vec<Value> {
        let d = depth + 1;
        match sym {
            Sym::Str(s) => vec![Value::Str(Name::literal(s.clone()))],
            Sym::Concat(parts) => self.concat(f, parts, d),
            Sym::Name(scope, n) => self.lookup(f, *scope, n, d),
            Sym::Attr(b, a) => {
                let mut out = Vec::new();
                for v in self.eval(f, b, d) {
                    for x in self.attr_all(v, a, d) {
                        push_unique(&mut out, x);
                    }
                }
                out
            }
            Sym::Call(c) => self.call_value(f, *c, d),
            Sym::Subscript(b, k) => {
                let keys = self.eval(f, k, d);
                let mut out = Vec::new();
                for v in self.eval(f, b, d) {
                    match (&v, keys.first()) {
                        (Value::Ext(e), Some(Value::Str(n))) if e == "os.environ" => match &n.value
                        {
                            Some(var) if n.is_literal() => {
                                push_unique(&mut out, Value::Str(Name::env(var.clone(), None)))
                            }
                            _ => push_unique(
                                &mut out,
                                Value::Unknown("environment variable with a computed name".into()),
                            ),
                        },
                        (Value::Dict(items), Some(Value::Str(kn))) if kn.is_literal() => {
                            for (ik, iv) in items {
                                if let Some(Value::Str(n)) = ik
                                    && n == kn
                                {
                                    push_unique(&mut out, iv.clone());
                                }
                            }
                        }
                        // A key computed at run time: any of the values.
                        (Value::Dict(items), _) => {
                            for (_, iv) in items {
                                push_unique(&mut out, iv.clone());
                            }
                        }
                        (Value::Results(items) | Value::List(items), _) => {
                            for i in items {
                                push_unique(&mut out, i.clone());
                            }
                        }
                        (Value::Unknown(r), _) => push_unique(&mut out, Value::Unknown(r.clone())),
                        (Value::Boto3, _) => push_unique(&mut out, Value::Boto3),
                        _ => push_unique(&mut out, Value::Other),
                    }
                }
                out
            }
            Sym::Dict(items) => vec![Value::Dict(
                items
                    .iter()
                    .map(|(k, v)| {
                        (
                            k.as_ref()
                                .and_then(|k| self.eval(f, k, d).into_iter().next()),
                            self.eval(f, v, d)
                                .into_iter()
                                .next()
                                .unwrap_or(Value::Other),
                        )
                    })
                    .collect(),
            )],
            Sym::List(items) => vec![Value::List(
                items
                    .iter()
                    .flat_map(|s| self.eval(f, s, d))
                    .take(64)
                    .collect(),
            )],
            Sym::ListOf(s) => vec![Value::Results(self.eval(f, s, d))],
            Sym::InstanceOf(s) => self
                .eval(f, s, d)
                .into_iter()
                .map(|v| self.instance_of(v))
                .collect(),
            Sym::Annotated(a, v) => {
                let annot: Vec<Value> = self.eval(f, a, d);
                let value = self.eval(f, v, d);
                if annot.iter().any(Value::is_pydynox) {
                    annot
                        .into_iter()
                        .map(|av| match &av {
                            Value::Instance(c, _, sub) => value
                                .iter()
                                .find_map(|vv| match vv {
                                    Value::Instance(c2, p, _) if c2 == c => {
                                        Some(Value::Instance(*c, *p, *sub))
                                    }
                                    _ => None,
                                })
                                .unwrap_or(av),
                            _ => av,
                        })
                        .collect()
                } else {
                    value
                }
            }
            Sym::Iter(s) => {
                let mut out = Vec::new();
                for v in self.eval(f, s, d) {
                    for e in self.elements(v) {
                        push_unique(&mut out, e);
                    }
                }
                out
            }
            Sym::OneOf(ss) => {
                let mut out = Vec::new();
                for s in ss {
                    for v in self.eval(f, s, d) {
                        push_unique(&mut out, v);
                    }
                }
                out
            }
            Sym::SelfOf(c) => vec![Value::Instance((f, *c), Prov::Unknown, true)],
            Sym::ClsOf(c) => vec![Value::Class((f, *c), true)],
            Sym::Param { func, name } => vec![Value::Unknown(format!(
                "parameter `{name}` of `{func}` has no type annotation"
            ))],
            Sym::None => vec![Value::None],
            Sym::Bool(_) | Sym::Other => vec![Value::Other],
            Sym::Unknown(r) => vec![Value::Unknown((*r).to_string())],
        }
    }

    fn elements(&self, v: Value) -> Vec<Value> {
        match v {
            Value::Results(items) | Value::List(items) => items,
            Value::Unknown(r) => vec![Value::Unknown(r)],
            Value::Boto3 => vec![Value::Boto3],
            _ => vec![Value::Other],
        }
    }

    fn instance_of(&self, v: Value) -> Value {
        match v {
            Value::Class(c, _) => Value::Instance(c, Prov::Unknown, true),
            Value::Py(name) => match name.as_str() {
                "DynamoDBClient" | "DynamoClient" => Value::Client(None),
                "Transaction" | "SyncTransaction" | "AsyncTransaction" => Value::Transaction,
                "Model" => Value::Unknown(
                    "annotated as pydynox.Model, which does not say which model".into(),
                ),
                "S3Value" => {
                    Value::Unknown("annotated as S3Value, which does not say which bucket".into())
                }
                "BatchWriter" | "SyncBatchWriter" => Value::Unknown(
                    "annotated as a batch writer, which does not say which table".into(),
                ),
                _ => Value::Other,
            },
            Value::Results(items) => {
                Value::Results(items.into_iter().map(|i| self.instance_of(i)).collect())
            }
            Value::Unknown(r) => Value::Unknown(r),
            Value::Ext(e) if matches!(e.rsplit('.').next(), Some("Any")) => {
                Value::Unknown("annotated as Any".into())
            }
            Value::None => Value::None,
            _ => Value::Other,
        }
    }

    fn concat(&self, f: FileId, parts: &[Sym], d: usize) -> Vec<Value> {
        let mut acc: Vec<Vec<Name>> = vec![Vec::new()];
        for p in parts {
            let vals = self.eval(f, p, d);
            let mut names = Vec::new();
            for v in vals {
                match v {
                    Value::Str(n) => names.push(n),
                    Value::Unknown(r) => {
                        return vec![Value::Unknown(format!("a name built at run time ({r})"))];
                    }
                    Value::None | Value::Other => {
                        return vec![Value::Unknown(
                            "a name built at run time from a non-string value".into(),
                        )];
                    }
                    _ => return vec![Value::Other],
                }
            }
            if names.is_empty() {
                return vec![Value::Unknown("a name built at run time".into())];
            }
            let mut next = Vec::new();
            for a in &acc {
                for n in &names {
                    if next.len() < 8 {
                        let mut x = a.clone();
                        x.push(n.clone());
                        next.push(x);
                    }
                }
            }
            acc = next;
        }
        acc.into_iter()
            .map(|ns| Value::Str(Name::concat(&ns)))
            .collect()
    }

    fn attr(&self, v: Value, a: &str, depth: usize) -> Value {
        let vals = self.attr_all(v, a, depth);
        match vals.len() {
            1 => vals.into_iter().next().unwrap_or(Value::Other),
            0 => Value::Other,
            _ => Value::List(vals).first_or_union(),
        }
    }

    fn attr_all(&self, v: Value, a: &str, depth: usize) -> Vec<Value> {
        if depth > MAX_DEPTH {
            return vec![Value::Unknown(
                "the value is too deeply derived to follow".into(),
            )];
        }
        match v {
            Value::Module(m) => self.module_member(m, a, depth + 1),
            Value::Package(dir) => {
                let path = if dir.is_empty() {
                    a.to_string()
                } else {
                    format!("{dir}/{a}")
                };
                vec![self.path_value(&path).unwrap_or_else(|| {
                    Value::Unknown(format!("`{a}` not found in package `{dir}`"))
                })]
            }
            Value::PyModule(p) => {
                if PYDYNOX_SUBMODULES.contains(&a) {
                    vec![Value::PyModule(format!("{p}.{a}"))]
                } else {
                    vec![Value::Py(a.to_string())]
                }
            }
            Value::Py(n) => vec![Value::Py(format!("{n}.{a}"))],
            Value::Boto3 => vec![Value::Boto3],
            Value::Ext(e) => vec![Value::Ext(format!("{e}.{a}"))],
            Value::Builtin(b) => vec![Value::Ext(format!("{b}.{a}"))],
            Value::Class(c, sub) => self.class_attr(c, a, sub, None, depth),
            Value::Instance(c, _, sub) if a == "__class__" => vec![Value::Class(c, sub)],
            Value::Instance(c, prov, sub) => self.class_attr(c, a, sub, Some(prov), depth),
            Value::Client(_)
            | Value::Transaction
            | Value::Writer(..)
            | Value::Lock(..)
            | Value::IndexAttr(..)
            | Value::S3Field(..)
            | Value::Collection(..)
            | Value::Results(_)
            | Value::Str(_) => vec![Value::Method(Box::new(v), a.to_string())],
            // `Model.model_config.table`, `ModelConfig(...).table`: the argument it was
            // built with.
            Value::PyCall(_, cf, cc) => {
                let site = &self.facts(cf).calls[cc];
                let pos = if a == "table" || a == "index_name" {
                    0
                } else {
                    usize::MAX
                };
                match self.arg_sym(site, pos, a) {
                    Some(s) => self.eval(cf, s, depth + 1),
                    None => vec![Value::Other],
                }
            }
            Value::Unknown(r) => vec![Value::Unknown(r)],
            _ => vec![Value::Other],
        }
    }

    /// The classes of `c`'s MRO that are in the tree (depth first, left to right).
    fn mro(&self, c: ClassId) -> Vec<ClassId> {
        if let Some(m) = self.memo_mro.borrow().get(&c) {
            return m.clone();
        }
        // A class whose bases refer back to itself (`class A(A.x)`): itself only.
        self.memo_mro.borrow_mut().insert(c, vec![c]);
        let out = self.mro_uncached(c);
        self.memo_mro.borrow_mut().insert(c, out.clone());
        out
    }

    fn mro_uncached(&self, c: ClassId) -> Vec<ClassId> {
        let mut out = Vec::new();
        let mut stack = vec![c];
        while let Some(x) = stack.pop() {
            if out.contains(&x) || out.len() > 64 {
                continue;
            }
            out.push(x);
            let facts = self.facts(x.0);
            let mut bases = Vec::new();
            for b in &facts.classes[x.1].bases {
                for v in self.eval(x.0, b, 1) {
                    if let Value::Class(bc, _) = v {
                        bases.push(bc);
                    }
                }
            }
            for b in bases.into_iter().rev() {
                stack.push(b);
            }
        }
        out
    }

    fn is_model(&self, c: ClassId) -> bool {
        self.model_kind(c) == 1
    }

    fn is_integration(&self, c: ClassId) -> bool {
        self.model_kind(c) == 2
    }

    /// 0: not pydynox, 1: a Model subclass, 2: a `@dynamodb_model` class.
    fn model_kind(&self, c: ClassId) -> u8 {
        if let Some(k) = self.memo_model.borrow().get(&c) {
            return *k;
        }
        self.memo_model.borrow_mut().insert(c, 0);
        let facts = self.facts(c.0);
        let class = &facts.classes[c.1];
        let mut kind = 0;
        for d in &class.decorators {
            for v in self.eval(c.0, d, 1) {
                if let Value::PyCall(n, ..) | Value::Py(n) = &v
                    && n == "dynamodb_model"
                {
                    kind = 2;
                }
            }
        }
        if kind == 0 {
            'bases: for b in &class.bases {
                for v in self.eval(c.0, b, 1) {
                    match v {
                        Value::Py(n) if n == "Model" => {
                            kind = 1;
                            break 'bases;
                        }
                        Value::Class(bc, _) if self.model_kind(bc) == 1 => {
                            kind = 1;
                            break 'bases;
                        }
                        _ => {}
                    }
                }
            }
        }
        self.memo_model.borrow_mut().insert(c, kind);
        kind
    }

    /// Class attribute `a` of `c` (or of an instance when `prov` is set).
    fn class_attr(
        &self,
        c: ClassId,
        a: &str,
        sub: bool,
        prov: Option<Prov>,
        depth: usize,
    ) -> Vec<Value> {
        let mro = self.mro(c);
        if prov.is_some() {
            for &k in &mro {
                if let Some(syms) = self.facts(k.0).classes[k.1].self_attrs.get(a) {
                    let mut out = Vec::new();
                    for s in syms {
                        for v in self.eval(k.0, s, depth + 1) {
                            push_unique(&mut out, v);
                        }
                    }
                    return out;
                }
            }
        }
        for &k in &mro {
            let scope = self.facts(k.0).classes[k.1].scope;
            if let Some(vals) = self.lookup_in_scope(k.0, scope, a, depth + 1) {
                return vals
                    .into_iter()
                    .map(|v| match v {
                        Value::PyCall(n, ..)
                            if n == "GlobalSecondaryIndex" || n == "LocalSecondaryIndex" =>
                        {
                            Value::IndexAttr(c, a.to_string(), false)
                        }
                        Value::PyCall(n, ..) if n == "VectorIndex" => {
                            Value::IndexAttr(c, a.to_string(), true)
                        }
                        Value::PyCall(n, ..) if n == "S3Attribute" && prov.is_some() => {
                            Value::S3Field(c, a.to_string())
                        }
                        Value::Function(..)
                            if self.model_kind(c) != 0
                                && self.api.is_vocabulary(a)
                                && prov.is_none() =>
                        {
                            // A user override of an API method on a model: both it and
                            // pydynox's (through `super()`) may run; keep pydynox's reading.
                            Value::Method(Box::new(Value::Class(c, sub)), a.to_string())
                        }
                        Value::Function(..)
                            if self.model_kind(c) != 0 && self.api.is_vocabulary(a) =>
                        {
                            Value::Method(
                                Box::new(Value::Instance(c, prov.unwrap_or(Prov::Unknown), sub)),
                                a.to_string(),
                            )
                        }
                        Value::Function(ff, fi) => {
                            Value::Method(Box::new(Value::Function(ff, fi)), "__call__".into())
                        }
                        other => other,
                    })
                    .collect();
            }
        }
        if self.model_kind(c) != 0 {
            let recv = match prov {
                Some(p) => Value::Instance(c, p, sub),
                None => Value::Class(c, sub),
            };
            return vec![Value::Method(Box::new(recv), a.to_string())];
        }
        if a == "__call__" {
            return vec![Value::Other];
        }
        vec![Value::Other]
    }

    fn call_value(&self, f: FileId, ci: CallIdx, depth: usize) -> Vec<Value> {
        let key = (f, ci);
        if let Some(v) = self.memo_call.borrow().get(&key) {
            return v.clone();
        }
        self.memo_call
            .borrow_mut()
            .insert(key, vec![Value::Unknown("a recursive call".into())]);
        let site = &self.facts(f).calls[ci];
        let mut out = Vec::new();
        for fv in self.eval(f, &site.call.func, depth + 1) {
            for v in self.call_result(f, ci, fv, depth + 1) {
                push_unique(&mut out, v);
            }
        }
        self.memo_call.borrow_mut().insert(key, out.clone());
        out
    }

    fn call_result(&self, f: FileId, ci: CallIdx, fv: Value, depth: usize) -> Vec<Value> {
        let site = &self.facts(f).calls[ci];
        let arg = |i: usize, kw: &str| {
            self.arg_sym(site, i, kw)
                .map(|s| self.eval(f, s, depth + 1))
        };
        match fv {
            Value::Method(recv, m) => self.method_result(f, ci, *recv, &m, depth),
            Value::Py(name) => match name.as_str() {
                "DynamoDBClient" | "DynamoClient" => vec![Value::Client(Some((f, ci)))],
                "get_default_client" => vec![Value::Client(None)],
                "Transaction" | "SyncTransaction" | "AsyncTransaction" => vec![Value::Transaction],
                "BatchWriter" | "SyncBatchWriter" => vec![Value::Writer(f, ci)],
                "DistributedLock" | "SyncDistributedLock" | "distributed_lock" => {
                    vec![Value::Lock(f, ci)]
                }
                "Collection" => vec![Value::Collection(f, ci)],
                "ModelConfig"
                | "GlobalSecondaryIndex"
                | "LocalSecondaryIndex"
                | "VectorIndex"
                | "EncryptedAttribute"
                | "S3Attribute"
                | "dynamodb_model" => {
                    vec![Value::PyCall(name, f, ci)]
                }
                _ => vec![Value::Other],
            },
            Value::Class(c, _) => vec![Value::Instance(c, Prov::New, false)],
            Value::Function(ff, fi) => {
                let mut out = Vec::new();
                for r in &self.facts(ff).functions[fi].returns {
                    for v in self.eval(ff, r, depth + 1) {
                        push_unique(&mut out, v);
                    }
                }
                if out.is_empty() {
                    out.push(Value::None);
                }
                out
            }
            Value::Builtin(b) => match b.as_str() {
                "getattr" => {
                    let objs = arg(0, "").unwrap_or_default();
                    let names = arg(1, "").unwrap_or_default();
                    let mut out = Vec::new();
                    for o in objs {
                        match names.first() {
                            Some(Value::Str(n)) if n.is_literal() => push_unique(
                                &mut out,
                                self.attr(o, n.value.as_deref().unwrap_or(""), depth + 1),
                            ),
                            _ if o.is_pydynox() => push_unique(
                                &mut out,
                                Value::Unknown("getattr with a name computed at run time".into()),
                            ),
                            _ => push_unique(&mut out, Value::Other),
                        }
                    }
                    out
                }
                "list" | "sorted" | "tuple" | "iter" | "reversed" | "set" => match arg(0, "") {
                    Some(vals) => vals
                        .into_iter()
                        .map(|v| match v {
                            Value::Results(_) | Value::List(_) | Value::Unknown(_) => v,
                            _ => Value::Other,
                        })
                        .collect(),
                    None => vec![Value::List(vec![])],
                },
                "type" if site.call.args.len() == 3 => {
                    vec![Value::Unknown(
                        "a class created at run time with type()".into(),
                    )]
                }
                "type" => arg(0, "")
                    .unwrap_or_default()
                    .into_iter()
                    .map(|v| match v {
                        Value::Instance(c, _, sub) => Value::Class(c, sub),
                        Value::Unknown(r) => Value::Unknown(r),
                        _ => Value::Other,
                    })
                    .collect(),
                "next" => arg(0, "")
                    .unwrap_or_default()
                    .into_iter()
                    .flat_map(|v| self.elements(v))
                    .collect(),
                "str" => arg(0, "")
                    .unwrap_or_default()
                    .into_iter()
                    .map(|v| match v {
                        Value::Str(_) | Value::Unknown(_) => v,
                        _ => Value::Unknown("str() of a computed value".into()),
                    })
                    .collect(),
                _ => vec![Value::Other],
            },
            Value::Ext(e) if e == "os.environ.get" || e == "os.getenv" => {
                let name = arg(0, "key").unwrap_or_default();
                let default = arg(1, "default");
                match name.first() {
                    Some(Value::Str(n)) if n.is_literal() => {
                        let d = default.and_then(|d| match d.first() {
                            Some(Value::Str(dn)) => Some(dn.to_string()),
                            _ => None,
                        });
                        vec![Value::Str(Name::env(
                            n.value.clone().unwrap_or_default(),
                            d,
                        ))]
                    }
                    _ => vec![Value::Unknown(
                        "environment variable with a computed name".into(),
                    )],
                }
            }
            Value::Boto3 => vec![Value::Boto3],
            Value::Unknown(r) => vec![Value::Unknown(r)],
            Value::PyCall(n, ..) if n == "dynamodb_model" => vec![Value::Other],
            _ => vec![Value::Other],
        }
    }

    fn method_result(
        &self,
        f: FileId,
        ci: CallIdx,
        recv: Value,
        m: &str,
        depth: usize,
    ) -> Vec<Value> {
        let base = base_name(m);
        match &recv {
            Value::Function(ff, fi) if m == "__call__" => {
                return self.call_result(f, ci, Value::Function(*ff, *fi), depth);
            }
            Value::Results(items) => {
                return match base {
                    "first" | "last" => items.clone(),
                    "to_list" | "all" => vec![Value::Results(items.clone())],
                    _ => vec![Value::Other],
                };
            }
            Value::Str(_) => return vec![Value::Unknown(format!("a name built with str.{m}()"))],
            _ => {}
        }
        let Some((kind, class)) = self.receiver_kind(&recv) else {
            return vec![Value::Other];
        };
        let Some(spec) = self.spec(kind, base) else {
            return vec![Value::Other];
        };
        let item = |p: Prov| match class {
            Some((c, sub)) => Value::Instance(c, p, sub),
            None => Value::Other,
        };
        match spec.returns {
            Returns::Loaded if base == "from_dict" => vec![item(Prov::Unknown)],
            Returns::Loaded => vec![item(Prov::Loaded)],
            Returns::Results => vec![Value::Results(vec![item(Prov::Loaded)])],
            Returns::None => vec![Value::Other],
        }
    }

    fn spec(&self, kind: Receiver, base: &str) -> Option<&CallSpec> {
        self.api.lookup(kind, base).or_else(|| match kind {
            Receiver::Instance => self.api.lookup(Receiver::Model, base),
            Receiver::IntegrationInstance => self.api.lookup(Receiver::Integration, base),
            _ => None,
        })
    }

    /// The receiver kind and, for model receivers, the class (and whether subclasses count).
    fn receiver_kind(&self, recv: &Value) -> Option<(Receiver, Option<(ClassId, bool)>)> {
        Some(match recv {
            Value::Class(c, sub) if self.is_model(*c) => (Receiver::Model, Some((*c, *sub))),
            Value::Class(c, sub) if self.is_integration(*c) => {
                (Receiver::Integration, Some((*c, *sub)))
            }
            Value::Instance(c, _, sub) if self.is_model(*c) => {
                (Receiver::Instance, Some((*c, *sub)))
            }
            Value::Instance(c, _, sub) if self.is_integration(*c) => {
                (Receiver::IntegrationInstance, Some((*c, *sub)))
            }
            Value::IndexAttr(c, _, false) => (Receiver::Index, Some((*c, true))),
            Value::IndexAttr(c, _, true) => (Receiver::VectorIndex, Some((*c, true))),
            Value::Client(_) => (Receiver::Client, None),
            Value::Transaction => (Receiver::Transaction, None),
            Value::Writer(..) => (Receiver::BatchWriter, None),
            Value::Lock(..) => (Receiver::Lock, None),
            Value::S3Field(c, _) => (Receiver::S3Value, Some((*c, true))),
            Value::Collection(..) => (Receiver::Collection, None),
            _ => return None,
        })
    }

    fn arg_sym<'s>(&self, site: &'s CallSite, i: usize, kw: &str) -> Option<&'s Sym> {
        if !kw.is_empty()
            && let Some((_, s)) = site.call.kwargs.iter().find(|(k, _)| k == kw)
        {
            return Some(s);
        }
        site.call.args.get(i)
    }

    fn kwarg<'s>(&self, site: &'s CallSite, kw: &str) -> Option<&'s Sym> {
        site.call
            .kwargs
            .iter()
            .find(|(k, _)| k == kw)
            .map(|(_, s)| s)
    }

    /// The string names a symbol may be; `Err` says why it is not one.
    fn names(&self, f: FileId, s: Option<&Sym>) -> Result<Vec<Name>, String> {
        let Some(s) = s else {
            return Err("the argument is missing".into());
        };
        let mut out = Vec::new();
        for v in self.eval(f, s, 1) {
            match v {
                Value::Str(n) => {
                    if !out.contains(&n) {
                        out.push(n)
                    }
                }
                Value::Unknown(r) => return Err(r),
                Value::None => {}
                _ => return Err("the value is not a string".into()),
            }
        }
        if out.is_empty() {
            return Err("the value is not a string".into());
        }
        Ok(out)
    }

    // ---------- models ----------

    /// The table names of a model (and its subclasses when `sub`), with where each is set.
    fn model_tables(&self, c: ClassId, sub: bool) -> Result<Vec<(Name, Definition)>, String> {
        let mut classes = vec![c];
        if sub {
            classes.extend(self.descendants(c));
        }
        let mut out: Vec<(Name, Definition)> = Vec::new();
        let mut errors = Vec::new();
        for k in classes {
            match self.own_table(k) {
                Ok(Some(t)) => {
                    for x in t {
                        if !out.iter().any(|(n, _)| *n == x.0) {
                            out.push(x);
                        }
                    }
                }
                Ok(None) => {}
                Err(e) => errors.push(e),
            }
        }
        if let Some(e) = errors.into_iter().next() {
            return Err(e);
        }
        if out.is_empty() {
            let name = &self.facts(c.0).classes[c.1].name;
            return Err(format!(
                "model `{name}` has no `model_config = ModelConfig(table=...)` the scan can see"
            ));
        }
        Ok(out)
    }

    fn own_table(&self, c: ClassId) -> Result<Option<Vec<(Name, Definition)>>, String> {
        let class = &self.facts(c.0).classes[c.1];
        let name = class.name.clone();
        // @dynamodb_model(table=...)
        if self.is_integration(c) {
            for d in &class.decorators {
                if let Sym::Call(ci) = d {
                    let site = &self.facts(c.0).calls[*ci];
                    let names = self
                        .names(c.0, self.arg_sym(site, 0, "table"))
                        .map_err(|e| format!("the table of `{name}`: {e}"))?;
                    let def = Definition {
                        location: self.loc(c.0, site.line, site.column),
                        code: site.code.clone(),
                    };
                    return Ok(Some(names.into_iter().map(|n| (n, def.clone())).collect()));
                }
            }
        }
        for k in self.mro(c) {
            let facts = self.facts(k.0);
            let scope = facts.classes[k.1].scope;
            if let Some(binds) = facts.scopes[scope].bindings.get("model_config") {
                let mut out = Vec::new();
                for b in binds {
                    if let BindKind::Value(sym) = &b.kind {
                        for v in self.eval(k.0, sym, 1) {
                            if let Value::PyCall(n, cf, cc) = v
                                && n == "ModelConfig"
                            {
                                let site = &self.facts(cf).calls[cc];
                                let names =
                                    self.names(cf, self.arg_sym(site, 0, "table")).map_err(
                                        |e| format!("the table of `{name}` (`{}`): {e}", b.code),
                                    )?;
                                let def = Definition {
                                    location: self.loc(k.0, b.line, b.column),
                                    code: b.code.clone(),
                                };
                                out.extend(names.into_iter().map(|n| (n, def.clone())));
                            }
                        }
                    }
                }
                if !out.is_empty() {
                    return Ok(Some(out));
                }
            }
            // Before 0.14: `class Meta: table = "..."`.
            if let Some(binds) = facts.scopes[scope].bindings.get("Meta") {
                for b in binds {
                    if let BindKind::Class(mi) = b.kind {
                        let ms = facts.classes[mi].scope;
                        if let Some(tb) = facts.scopes[ms].bindings.get("table") {
                            let mut out = Vec::new();
                            for t in tb {
                                if let BindKind::Value(sym) = &t.kind {
                                    let names = self.names(k.0, Some(sym)).map_err(|e| {
                                        format!("the table of `{name}` (`class Meta`): {e}")
                                    })?;
                                    let def = Definition {
                                        location: self.loc(k.0, t.line, t.column),
                                        code: t.code.clone(),
                                    };
                                    out.extend(names.into_iter().map(|n| (n, def.clone())));
                                }
                            }
                            return Ok(Some(out));
                        }
                    }
                }
            }
        }
        Ok(None)
    }

    fn descendants(&self, c: ClassId) -> Vec<ClassId> {
        if self.subclasses.borrow().is_none() {
            let mut map: HashMap<ClassId, Vec<ClassId>> = HashMap::default();
            for (f, u) in self.units.iter().enumerate() {
                for (ci, class) in u.facts.classes.iter().enumerate() {
                    for b in &class.bases {
                        for v in self.eval(f, b, 1) {
                            if let Value::Class(bc, _) = v {
                                map.entry(bc).or_default().push((f, ci));
                            }
                        }
                    }
                }
            }
            *self.subclasses.borrow_mut() = Some(map);
        }
        let map = self.subclasses.borrow();
        let map = map.as_ref().expect("built above");
        let mut out = Vec::new();
        let mut stack = vec![c];
        while let Some(x) = stack.pop() {
            for &s in map.get(&x).map(Vec::as_slice).unwrap_or(&[]) {
                if !out.contains(&s) && s != c && out.len() < 256 {
                    out.push(s);
                    stack.push(s);
                }
            }
        }
        out
    }

    /// Class attributes of `c`'s MRO (and subclasses when `sub`) built by pydynox
    /// constructor `ctor`: (attribute, file, call).
    fn attrs_of(&self, c: ClassId, sub: bool, ctor: &str) -> Vec<(String, FileId, CallIdx)> {
        let mut classes = self.mro(c);
        if sub {
            for d in self.descendants(c) {
                for k in self.mro(d) {
                    if !classes.contains(&k) {
                        classes.push(k);
                    }
                }
            }
        }
        let mut out = Vec::new();
        for k in classes {
            let facts = self.facts(k.0);
            let scope = facts.classes[k.1].scope;
            let mut names: Vec<&String> = facts.scopes[scope].bindings.keys().collect();
            names.sort();
            for a in names {
                for b in &facts.scopes[scope].bindings[a] {
                    if let BindKind::Value(sym) = &b.kind {
                        for v in self.eval(k.0, sym, 1) {
                            if let Value::PyCall(n, cf, cc) = v
                                && n == ctor
                                && !out.contains(&(a.clone(), cf, cc))
                            {
                                out.push((a.clone(), cf, cc));
                            }
                        }
                    }
                }
            }
        }
        out
    }

    // ---------- interpretation ----------

    fn interpret(&self, f: FileId, ci: CallIdx, site: &CallSite, out: &mut Findings) {
        let method = match &site.call.func {
            Sym::Attr(_, m) => Some(m.as_str()),
            _ => None,
        };
        let mut emit = Emit::default();
        let funcs = self.eval(f, &site.call.func, 1);
        let mut saw_pydynox = false;
        let mut unknown: Option<String> = None;
        let mut boto3 = false;
        for fv in funcs {
            match fv {
                Value::Method(recv, m) => {
                    if let Some((kind, class)) = self.receiver_kind(&recv) {
                        saw_pydynox = true;
                        self.method_needs(f, ci, site, &recv, kind, class, &m, &mut emit);
                    }
                }
                Value::Py(name) => self.constructor_needs(f, ci, site, &name, &mut emit),
                Value::Boto3 => boto3 = true,
                Value::Unknown(r) => unknown = Some(r),
                // A method of something imported from outside the scanned code (a shared
                // models package installed as a dependency, say): only distinctive pydynox
                // names count, so `requests.get(url)` does not.
                Value::Ext(q)
                    if method.is_some_and(|m| {
                        q.ends_with(&format!(".{m}")) && self.api.is_vocabulary(m) && !is_generic(m)
                    }) && !KNOWN_NOT_PYDYNOX.contains(&q.split('.').next().unwrap_or("")) =>
                {
                    let recv = q.rsplit_once('.').map(|(r, _)| r).unwrap_or(&q).to_string();
                    unknown = Some(format!("`{recv}` comes from outside the scanned code"));
                }
                _ => {}
            }
        }
        let loc = self.loc(f, site.line, site.column);
        if let Some(kinds) = self.computed_getattr(f, site) {
            let mut features = BTreeSet::new();
            let mut actions = BTreeSet::new();
            for c in self
                .api
                .calls
                .iter()
                .filter(|c| kinds.contains(&c.receiver))
            {
                if !c.feature.is_empty() {
                    features.insert(c.feature.clone());
                }
                actions.extend(spec_actions(c));
            }
            emit.unresolved.push(Unresolved {
                location: loc.clone(),
                code: site.code.clone(),
                what: "call".into(),
                reason:
                    "a pydynox method is called through `getattr` with a name computed at run time"
                        .into(),
                hint: "call the method by name, or declare the features it may use with --features"
                    .into(),
                features: features.into_iter().collect(),
                actions: actions.into_iter().collect(),
            });
        }
        if boto3 && method.is_some_and(|m| self.api.is_vocabulary(m)) {
            out.skipped.push(Skipped {
                location: loc.clone(),
                code: site.code.clone(),
                kind: "boto3".into(),
                reason:
                    "a boto3/botocore call, not pydynox: the IAM actions it needs are not pydynox's"
                        .into(),
            });
        }
        if let (Some(reason), Some(m)) = (unknown, method)
            && !saw_pydynox
            && self.plausible_pydynox_call(f, site, m)
        {
            let cands = self.api.candidates(m);
            let mut features = BTreeSet::new();
            let mut actions = BTreeSet::new();
            for c in cands {
                if !c.feature.is_empty() {
                    features.insert(c.feature.clone());
                }
                actions.extend(spec_actions(c));
            }
            emit.unresolved.push(Unresolved {
                location: loc.clone(),
                code: site.code.clone(),
                what: "receiver".into(),
                reason: format!("`.{m}()` is called on a value the scan cannot resolve: {reason}"),
                hint: "annotate the variable or parameter with its pydynox model or client class (e.g. `item: Order`), or bind it from `Model(...)`, `Model.get(...)` or `DynamoDBClient(...)` where the scan can see it".into(),
                features: features.into_iter().collect(),
                actions: actions.into_iter().collect(),
            });
        }
        let skip = if site.ctx.type_checking {
            Some(("type-checking", "under `if TYPE_CHECKING:`: never executed"))
        } else if site.ctx.memory_backend {
            Some((
                "memory-backend",
                "runs against pydynox's in-memory test backend (MemoryBackend), not AWS",
            ))
        } else {
            None
        };
        match skip {
            Some((kind, reason)) if !emit.needs.is_empty() || !emit.unresolved.is_empty() => {
                out.skipped.push(Skipped {
                    location: loc,
                    code: site.code.clone(),
                    kind: kind.into(),
                    reason: reason.into(),
                });
            }
            Some(_) => {}
            None => {
                out.needs.extend(emit.needs);
                out.unresolved.extend(emit.unresolved);
            }
        }
    }

    /// `getattr(obj, name)(...)` with `name` not a literal and `obj` a pydynox object: the
    /// receiver kinds it may be.
    fn computed_getattr(&self, f: FileId, site: &CallSite) -> Option<Vec<Receiver>> {
        let Sym::Call(inner) = &site.call.func else {
            return None;
        };
        let isite = &self.facts(f).calls[*inner];
        let is_getattr = self
            .eval(f, &isite.call.func, 1)
            .iter()
            .any(|v| matches!(v, Value::Builtin(b) if b == "getattr"));
        if !is_getattr {
            return None;
        }
        let name_literal = isite.call.args.get(1).is_some_and(|n| {
            self.eval(f, n, 1)
                .iter()
                .all(|v| matches!(v, Value::Str(x) if x.is_literal()))
        });
        if name_literal {
            return None;
        }
        let mut kinds = Vec::new();
        for v in isite
            .call
            .args
            .first()
            .map(|o| self.eval(f, o, 1))
            .unwrap_or_default()
        {
            if let Some((k, _)) = self.receiver_kind(&v) {
                kinds.push(k);
                if k == Receiver::Model {
                    kinds.push(Receiver::Instance);
                }
            }
        }
        (!kinds.is_empty()).then_some(kinds)
    }

    /// A call of a pydynox method name on an unresolved receiver is reported only when its
    /// shape fits pydynox's signature, so `d.get("k")` or `queue.put(x)` are not.
    fn plausible_pydynox_call(&self, f: FileId, site: &CallSite, m: &str) -> bool {
        if !self.api.is_vocabulary(m) {
            return false;
        }
        let base = base_name(m);
        let prefixed = base != m;
        let npos = site.call.args.len();
        let has_kw = |k: &str| site.call.kwargs.iter().any(|(n, _)| n == k);
        let first_is_str = || {
            site.call.args.first().is_some_and(|a| {
                self.eval(f, a, 1)
                    .iter()
                    .any(|v| matches!(v, Value::Str(_)))
            })
        };
        if prefixed {
            return true;
        }
        match base {
            "get" => npos == 0 && !site.call.kwargs.is_empty(),
            "save" | "delete" | "update" | "count" => npos == 0,
            "query" | "scan" => npos == 0 || first_is_str(),
            "put" => first_is_str() || matches!(site.call.args.first(), Some(Sym::Dict(_))),
            "search" => has_kw("top_k") || has_kw("where"),
            "create" => has_kw("wait") || has_kw("timeout_seconds"),
            "describe" | "flush" | "first" | "to_dict" | "calculate_size" | "from_dict" => false,
            _ => true,
        }
    }

    fn constructor_needs(
        &self,
        f: FileId,
        ci: CallIdx,
        site: &CallSite,
        name: &str,
        emit: &mut Emit,
    ) {
        let ev = |note: String| Evidence {
            location: self.loc(f, site.line, site.column),
            code: site.code.clone(),
            note,
            defined_at: None,
        };
        let _ = ci;
        match name {
            "DynamoDBClient" | "DynamoClient" => {
                if let Some(s) = self.kwarg(site, "role_arn") {
                    if matches!(self.eval(f, s, 1).as_slice(), [Value::None]) {
                        return;
                    }
                    match self.names(f, Some(s)) {
                        Ok(arns) => {
                            for arn in arns {
                                emit.need("assume-role", "sts:AssumeRole", Resource::Role { arn }, ev("DynamoDBClient(role_arn=...) assumes the role on its first request".into()));
                            }
                        }
                        Err(r) => emit.unresolved(self, f, site, "role", &format!("the role_arn: {r}"), "use a literal ARN, a module constant or an environment variable, or pass --assume-role-arn", "assume-role", &["sts:AssumeRole"]),
                    }
                }
            }
            "BatchWriter" | "SyncBatchWriter" => match self.names(f, self.arg_sym(site, 1, "table")) {
                Ok(tables) => {
                    for table in tables {
                        emit.need("batch", "dynamodb:BatchWriteItem", Resource::Table { table }, ev(format!("{name}: buffered puts and deletes are sent as BatchWriteItem")));
                    }
                }
                Err(r) => emit.unresolved(self, f, site, "table", &format!("the batch writer's table: {r}"), "use a literal table name, a module constant or an environment variable, or pass --table", "batch", &["dynamodb:BatchWriteItem"]),
            },
            "DistributedLock" | "SyncDistributedLock" | "distributed_lock" => {
                let acts = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"];
                match self.names(f, self.arg_sym(site, usize::MAX, "table")) {
                    Ok(tables) => {
                        for table in tables {
                            for a in acts {
                                emit.need("locks", a, Resource::LockTable { table: table.clone() }, ev(format!("{name}: acquire (PutItem, GetItem), renew (UpdateItem) and release (DeleteItem) on the lock table")));
                            }
                        }
                    }
                    Err(r) => emit.unresolved(self, f, site, "table", &format!("the lock table: {r}"), "use a literal table name, a module constant or an environment variable, or pass --lock-table", "locks", &acts),
                }
            }
            _ => {}
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn method_needs(
        &self,
        f: FileId,
        ci: CallIdx,
        site: &CallSite,
        recv: &Value,
        kind: Receiver,
        class: Option<(ClassId, bool)>,
        m: &str,
        emit: &mut Emit,
    ) {
        let base = base_name(m);
        let Some(spec) = self.spec(kind, base) else {
            return;
        };
        let _ = ci;
        let recv_text = match &site.call.func {
            Sym::Attr(..) => site.code.split('(').next().unwrap_or("").to_string(),
            _ => m.to_string(),
        };
        let ev = |note: String, def: Option<Definition>| Evidence {
            location: self.loc(f, site.line, site.column),
            code: site.code.clone(),
            note,
            defined_at: def,
        };
        let wait = self.kwarg(site, "wait").is_some_and(|s| {
            !self.eval(f, s, 1).iter().all(|v| {
                matches!(v, Value::None)
                    || matches!(v, Value::Other) && matches!(s, Sym::Bool(false))
            })
        });
        let mut actions: Vec<String> = spec.actions.clone();
        if wait {
            actions.extend(spec.wait.iter().cloned());
        }
        if spec.rule == Some(Rule::SmartSave) {
            let full_replace = self.kwarg(site, "full_replace");
            let prov = match recv {
                Value::Instance(_, _, _) if !self.smart_save => Prov::New,
                Value::Instance(_, p, _) => *p,
                _ => Prov::Unknown,
            };
            match (prov, full_replace) {
                (_, Some(Sym::Bool(true)))
                | (Prov::New, None)
                | (Prov::New, Some(Sym::Bool(false))) => actions.push("dynamodb:PutItem".into()),
                (Prov::Loaded, None) | (Prov::Loaded, Some(Sym::Bool(false))) => {
                    actions.push("dynamodb:UpdateItem".into())
                }
                _ => {
                    actions.push("dynamodb:PutItem".into());
                    actions.push("dynamodb:UpdateItem".into());
                }
            }
        }
        let note = |a: &str| format!("{recv_text}() → {}", a.trim_start_matches("dynamodb:"));

        // Tables.
        let tables: Tables = match spec.table {
            TableFrom::Model => match class {
                Some((c, sub)) => self.model_tables(c, sub).map(|v| v.into_iter().map(|(n, d)| (n, Some(d))).collect()).map_err(|e| (e, "give the model a literal `model_config = ModelConfig(table=...)` (or one from a module constant or environment variable), or pass --table")),
                None => match recv {
                    Value::Collection(cf, cc) => self.collection_tables(*cf, *cc),
                    _ => Err(("the receiver has no model".into(), "pass --table")),
                },
            },
            TableFrom::Arg => self
                .names(f, self.arg_sym(site, spec.table_arg, spec.table_kw.as_deref().unwrap_or("")))
                .map(|v| v.into_iter().map(|n| (n, None)).collect())
                .map_err(|e| (format!("the table argument: {e}"), "use a literal table name, a module constant or an environment variable, or pass --table")),
            TableFrom::Writer | TableFrom::Lock => match recv {
                Value::Writer(wf, wc) | Value::Lock(wf, wc) => {
                    let wsite = &self.facts(*wf).calls[*wc];
                    let pos = if spec.table == TableFrom::Writer { 1 } else { usize::MAX };
                    let def = Definition { location: self.loc(*wf, wsite.line, wsite.column), code: wsite.code.clone() };
                    self.names(*wf, self.arg_sym(wsite, pos, "table"))
                        .map(|v| v.into_iter().map(|n| (n, Some(def.clone()))).collect())
                        .map_err(|e| (format!("the table: {e}"), "use a literal table name, a module constant or an environment variable"))
                }
                _ => Err(("the writer or lock was not constructed where the scan can see it".into(), "construct it in the same package")),
            },
            TableFrom::ModelArg => {
                let vals = self.arg_sym(site, 0, "model").map(|s| self.eval(f, s, 1)).unwrap_or_default();
                let mut out = Vec::new();
                let mut err = None;
                for v in vals {
                    match v {
                        Value::Instance(c, _, sub) if self.is_model(c) => match self.model_tables(c, sub) {
                            Ok(t) => out.extend(t.into_iter().map(|(n, d)| (n, Some(d)))),
                            Err(e) => err = Some(e),
                        },
                        Value::Unknown(r) => err = Some(r),
                        _ => {}
                    }
                }
                match (out.is_empty(), err) {
                    (_, Some(e)) => Err((format!("the model passed: {e}"), "annotate the variable with its model class")),
                    (true, None) => Err(("the argument is not a model instance the scan can see".into(), "annotate the variable with its model class")),
                    (false, None) => Ok(out),
                }
            }
            TableFrom::None | TableFrom::Statement | TableFrom::Items => Ok(vec![]),
        };

        // Rules with their own reading.
        match spec.rule {
            Some(Rule::Partiql) => {
                self.partiql_needs(f, site, &recv_text, emit);
            }
            Some(Rule::TransactWrite) | Some(Rule::TransactGet) => {
                self.transact_needs(
                    f,
                    site,
                    spec.rule == Some(Rule::TransactGet),
                    &recv_text,
                    emit,
                );
            }
            _ => {}
        }

        let feature = spec.feature.as_str();
        if !feature.is_empty() && !actions.is_empty() {
            match &tables {
                Err((reason, hint)) => {
                    emit.unresolved(
                        self,
                        f,
                        site,
                        "table",
                        reason,
                        hint,
                        feature,
                        &actions.iter().map(String::as_str).collect::<Vec<_>>(),
                    );
                }
                Ok(_) if spec.table == TableFrom::None => match recv {
                    Value::Client(_) => {
                        for a in &actions {
                            emit.need(feature, a, Resource::Any, ev(note(a), None));
                        }
                    }
                    Value::S3Field(c, attr) => {
                        let acts: Vec<&str> = actions.iter().map(String::as_str).collect();
                        match self
                            .attrs_of(*c, true, "S3Attribute")
                            .into_iter()
                            .find(|(a, ..)| a == attr)
                        {
                            Some((_, sf, sc)) => {
                                self.s3_needs(f, site, sf, sc, attr, &acts, &recv_text, emit)
                            }
                            None => emit.unresolved(
                                self,
                                f,
                                site,
                                "bucket",
                                &format!("S3Attribute `{attr}` has no definition the scan can see"),
                                "pass --bucket and --prefix",
                                feature,
                                &acts,
                            ),
                        }
                    }
                    _ => {}
                },
                Ok(ts) => {
                    // Index: from the receiver (GSI/LSI/vector attribute) or an argument.
                    // Only queries and vector searches are authorized on the index; a
                    // vector index's lifecycle (UpdateTable, DescribeTable) is on the table.
                    let on_index = matches!(feature, "indexes" | "vector-search");
                    let index: IndexNames = match recv {
                        Value::IndexAttr(c, attr, _) if on_index => {
                            self.index_names(*c, attr).map(Some)
                        }
                        Value::IndexAttr(..) => Ok(None),
                        _ => match (spec.index_arg, spec.index_kw.as_deref()) {
                            (None, None) => Ok(None),
                            (pos, kw) => {
                                let s =
                                    self.arg_sym(site, pos.unwrap_or(usize::MAX), kw.unwrap_or(""));
                                match s {
                                    None => Ok(None),
                                    Some(Sym::None) => Ok(None),
                                    Some(_) => self.names(f, s).map(|v| Some((v, None))),
                                }
                            }
                        },
                    };
                    match index {
                        Err(r) => emit.unresolved(self, f, site, "index", &format!("the index name: {r}"), "use a literal index_name, a module constant or an environment variable, or pass --index", spec.index_feature.as_deref().unwrap_or(feature), &actions.iter().map(String::as_str).collect::<Vec<_>>()),
                        Ok(Some((indexes, idef))) => {
                            let feat = if matches!(recv, Value::IndexAttr(..)) { feature } else { spec.index_feature.as_deref().unwrap_or(feature) };
                            for (t, tdef) in ts {
                                for i in &indexes {
                                    for a in &actions {
                                        let r = Resource::Index { table: t.clone(), index: i.clone() };
                                        emit.need(feat, a, r, ev(format!("{} on index {i}", note(a)), idef.clone().or_else(|| tdef.clone())));
                                    }
                                }
                            }
                        }
                        Ok(None) => {
                            for (t, tdef) in ts {
                                for a in &actions {
                                    let r = if spec.table == TableFrom::Lock {
                                        Resource::LockTable { table: t.clone() }
                                    } else {
                                        Resource::Table { table: t.clone() }
                                    };
                                    emit.need(feature, a, r, ev(note(a), tdef.clone()));
                                }
                            }
                        }
                    }
                }
            }
            if spec.rule == Some(Rule::CreateTable) {
                self.table_cmk_needs(f, site, &recv_text, emit);
            }
        }

        // Item side effects: encryption and S3.
        if let Some((c, sub)) = class.or_else(|| self.model_arg_class(f, site, spec)) {
            let as_dict = matches!(self.kwarg(site, "as_dict"), Some(Sym::Bool(true)));
            self.item_io(f, site, c, sub, spec.io, as_dict, base, &recv_text, emit);
        }
    }

    fn model_arg_class(
        &self,
        f: FileId,
        site: &CallSite,
        spec: &CallSpec,
    ) -> Option<(ClassId, bool)> {
        if spec.table != TableFrom::ModelArg {
            return None;
        }
        let s = self.arg_sym(site, 0, "model")?;
        self.eval(f, s, 1).into_iter().find_map(|v| match v {
            Value::Instance(c, _, sub) if self.is_model(c) => Some((c, sub)),
            _ => None,
        })
    }

    fn collection_tables(&self, f: FileId, ci: CallIdx) -> Tables {
        let site = &self.facts(f).calls[ci];
        let models = self
            .arg_sym(site, 0, "models")
            .map(|s| self.eval(f, s, 1))
            .unwrap_or_default();
        let mut out = Vec::new();
        for v in models.into_iter().flat_map(|v| self.elements_or_self(v)) {
            if let Value::Class(c, _) = v {
                match self.model_tables(c, false) {
                    Ok(t) => {
                        for (n, d) in t {
                            if !out
                                .iter()
                                .any(|(x, _): &(Name, Option<Definition>)| *x == n)
                            {
                                out.push((n, Some(d)));
                            }
                        }
                    }
                    Err(e) => return Err((e, "pass --table")),
                }
            }
        }
        if out.is_empty() {
            return Err((
                "the Collection's models are not visible to the scan".into(),
                "pass the models as a literal list, or pass --table",
            ));
        }
        Ok(out)
    }

    fn elements_or_self(&self, v: Value) -> Vec<Value> {
        match v {
            Value::List(items) | Value::Results(items) => items,
            other => vec![other],
        }
    }

    fn index_names(
        &self,
        c: ClassId,
        attr: &str,
    ) -> Result<(Vec<Name>, Option<Definition>), String> {
        for k in self.mro(c) {
            let facts = self.facts(k.0);
            let scope = facts.classes[k.1].scope;
            if let Some(binds) = facts.scopes[scope].bindings.get(attr) {
                for b in binds {
                    if let BindKind::Value(sym) = &b.kind {
                        for v in self.eval(k.0, sym, 1) {
                            if let Value::PyCall(_, cf, cc) = v {
                                let site = &self.facts(cf).calls[cc];
                                let names = self
                                    .names(cf, self.arg_sym(site, 0, "index_name"))
                                    .map_err(|e| format!("`{attr}`'s index_name: {e}"))?;
                                let def = Definition {
                                    location: self.loc(k.0, b.line, b.column),
                                    code: b.code.clone(),
                                };
                                return Ok((names, Some(def)));
                            }
                        }
                    }
                }
            }
        }
        Err(format!(
            "index attribute `{attr}` has no definition the scan can see"
        ))
    }

    fn partiql_needs(&self, f: FileId, site: &CallSite, recv: &str, emit: &mut Emit) {
        let all = [
            "dynamodb:PartiQLSelect",
            "dynamodb:PartiQLInsert",
            "dynamodb:PartiQLUpdate",
            "dynamodb:PartiQLDelete",
        ];
        let statements = match self.names(f, self.arg_sym(site, 0, "statement")) {
            Ok(s) => s,
            Err(r) => {
                emit.unresolved(self, f, site, "statement", &format!("the PartiQL statement: {r}"), "use a literal statement (parameters as `?`), or declare the partiql features and --table by hand", "partiql", &all);
                return;
            }
        };
        for st in statements {
            match partiql::parse(&st) {
                Ok(p) => {
                    let note = format!("{recv}() → {} ({st})", p.verb.action().trim_start_matches("dynamodb:"));
                    let resource = match p.index {
                        Some(index) => Resource::Index { table: p.table, index },
                        None => Resource::Table { table: p.table },
                    };
                    emit.need(p.verb.feature(), p.verb.action(), resource, Evidence {
                        location: self.loc(f, site.line, site.column),
                        code: site.code.clone(),
                        note,
                        defined_at: None,
                    });
                }
                Err(e) => emit.unresolved(self, f, site, "statement", &format!("the PartiQL statement `{st}`: {e}"), "use a statement that starts with SELECT, INSERT, UPDATE or DELETE and names its table", "partiql", &all),
            }
        }
    }

    fn transact_needs(&self, f: FileId, site: &CallSite, get: bool, recv: &str, emit: &mut Emit) {
        let all_write = [
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
            "dynamodb:ConditionCheckItem",
        ];
        let fallback: &[&str] = if get {
            &["dynamodb:GetItem"]
        } else {
            &all_write
        };
        let ops = self
            .arg_sym(site, 0, "operations")
            .map(|s| self.eval(f, s, 1))
            .unwrap_or_default();
        let mut found = false;
        for v in ops {
            let items = match v {
                Value::List(items) => items,
                _ => {
                    found = false;
                    break;
                }
            };
            for item in items {
                let Value::Dict(kv) = item else {
                    emit.unresolved(
                        self,
                        f,
                        site,
                        "table",
                        "an operation of the transaction is not a dict literal",
                        "write the operations as dict literals with \"type\" and \"table\" keys",
                        "transactions",
                        fallback,
                    );
                    return;
                };
                let get_key = |k: &str| {
                    kv.iter().find_map(|(key, val)| match key {
                        Some(Value::Str(n)) if n.value.as_deref() == Some(k) => Some(val.clone()),
                        _ => None,
                    })
                };
                let action = if get {
                    Some("dynamodb:GetItem")
                } else {
                    match get_key("type") {
                        Some(Value::Str(t)) => match t.value.as_deref() {
                            Some("put") => Some("dynamodb:PutItem"),
                            Some("update") => Some("dynamodb:UpdateItem"),
                            Some("delete") => Some("dynamodb:DeleteItem"),
                            Some("condition_check") => Some("dynamodb:ConditionCheckItem"),
                            _ => None,
                        },
                        _ => None,
                    }
                };
                let table = match get_key("table") {
                    Some(Value::Str(n)) => Some(n),
                    _ => None,
                };
                match (action, table) {
                    (Some(a), Some(t)) => {
                        found = true;
                        emit.need(
                            "transactions",
                            a,
                            Resource::Table { table: t },
                            Evidence {
                                location: self.loc(f, site.line, site.column),
                                code: site.code.clone(),
                                note: format!(
                                    "{recv}() → {} in TransactWriteItems",
                                    a.trim_start_matches("dynamodb:")
                                ),
                                defined_at: None,
                            },
                        );
                    }
                    (None, _) => {
                        emit.unresolved(self, f, site, "call", "an operation's \"type\" is not a literal put/update/delete/condition_check", "write the operation type as a literal", "transactions", fallback);
                    }
                    (_, None) => {
                        emit.unresolved(self, f, site, "table", "an operation's \"table\" is not a name the scan can resolve", "use a literal table name, a module constant or an environment variable", "transactions", fallback);
                    }
                }
            }
        }
        if !found {
            emit.unresolved(self, f, site, "table", "the list of operations is built at run time", "write the operations as a list literal of dicts, or declare --features transactions and --table by hand", "transactions", fallback);
        }
    }

    fn table_cmk_needs(&self, f: FileId, site: &CallSite, recv: &str, emit: &mut Emit) {
        let Some(enc) = self.kwarg(site, "encryption") else {
            return;
        };
        let is_cmk = self.eval(f, enc, 1).iter().any(|v| match v {
            Value::Str(n) => n.value.as_deref() == Some("CUSTOMER_MANAGED"),
            Value::Unknown(_) => true,
            _ => false,
        });
        if !is_cmk {
            return;
        }
        let acts = ["kms:DescribeKey", "kms:CreateGrant"];
        match self.names(f, self.kwarg(site, "kms_key_id")) {
            Ok(keys) => {
                for key_id in keys {
                    for a in acts {
                        emit.need(
                            "table-cmk",
                            a,
                            Resource::KmsKey {
                                key_id: key_id.clone(),
                                region: None,
                            },
                            Evidence {
                                location: self.loc(f, site.line, site.column),
                                code: site.code.clone(),
                                note: format!(
                                    "{recv}(encryption=\"CUSTOMER_MANAGED\") → {a} by the caller"
                                ),
                                defined_at: None,
                            },
                        );
                    }
                }
            }
            Err(r) => emit.unresolved(
                self,
                f,
                site,
                "key",
                &format!("kms_key_id: {r}"),
                "use a literal key ARN or pass --kms-key",
                "table-cmk",
                &acts,
            ),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn item_io(
        &self,
        f: FileId,
        site: &CallSite,
        c: ClassId,
        sub: bool,
        io: Io,
        as_dict: bool,
        base: &str,
        recv: &str,
        emit: &mut Emit,
    ) {
        if io == Io::None {
            return;
        }
        for (attr, ef, ec) in self.attrs_of(c, sub, "EncryptedAttribute") {
            let esite = &self.facts(ef).calls[ec];
            let def = Definition {
                location: self.loc(ef, esite.line, esite.column),
                code: esite.code.clone(),
            };
            let mode = match self.kwarg(esite, "mode").map(|s| self.eval(ef, s, 1)) {
                None => Some("ReadWrite"),
                Some(vals) => match vals.first() {
                    Some(Value::Py(n)) if n.ends_with("WriteOnly") => Some("WriteOnly"),
                    Some(Value::Py(n)) if n.ends_with("ReadOnly") => Some("ReadOnly"),
                    Some(Value::Py(n)) if n.ends_with("ReadWrite") => Some("ReadWrite"),
                    _ => None,
                },
            };
            let (feature, encrypts, decrypts) = match mode {
                Some("WriteOnly") => ("encryption-writeonly", true, false),
                Some("ReadOnly") => ("encryption-readonly", false, true),
                // ReadWrite, and a mode the scan cannot read (every action it may mean).
                _ => ("encryption-readwrite", true, true),
            };
            let mut actions = Vec::new();
            match io {
                Io::Read if decrypts && !as_dict => actions.push("kms:Decrypt"),
                Io::Write | Io::WriteNoS3 | Io::Serialize if encrypts => {
                    actions.push(self.kms_encrypt_action)
                }
                _ => {}
            }
            if actions.is_empty() {
                continue;
            }
            let region = self
                .kwarg(esite, "region")
                .and_then(|s| self.names(ef, Some(s)).ok())
                .and_then(|v| v.into_iter().next());
            match self.names(ef, self.arg_sym(esite, 0, "key_id")) {
                Ok(keys) => {
                    for key_id in keys {
                        for a in &actions {
                            let why = if io == Io::Serialize {
                                " (serializing an encrypted model calls KMS with no DynamoDB request)"
                            } else {
                                ""
                            };
                            emit.need(
                                feature,
                                a,
                                Resource::KmsKey {
                                    key_id: key_id.clone(),
                                    region: region.clone(),
                                },
                                Evidence {
                                    location: self.loc(f, site.line, site.column),
                                    code: site.code.clone(),
                                    note: format!(
                                        "{recv}() → {a} for EncryptedAttribute `{attr}`{why}"
                                    ),
                                    defined_at: Some(def.clone()),
                                },
                            );
                        }
                    }
                }
                Err(r) => emit.unresolved(
                    self,
                    f,
                    site,
                    "key",
                    &format!("the key_id of EncryptedAttribute `{attr}`: {r}"),
                    "use a literal key ARN or id, or pass --kms-key",
                    feature,
                    &actions,
                ),
            }
        }
        let s3_actions: &[&str] = match io {
            Io::Write if base == "save" => &["s3:PutObject", "s3:AbortMultipartUpload"],
            Io::Delete => &["s3:DeleteObject"],
            _ => &[],
        };
        for (attr, sf, sc) in self.attrs_of(c, sub, "S3Attribute") {
            self.s3_needs(f, site, sf, sc, &attr, s3_actions, recv, emit);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn s3_needs(
        &self,
        f: FileId,
        site: &CallSite,
        sf: FileId,
        sc: CallIdx,
        attr: &str,
        actions: &[&str],
        recv: &str,
        emit: &mut Emit,
    ) {
        if actions.is_empty() {
            return;
        }
        let ssite = &self.facts(sf).calls[sc];
        let def = Definition {
            location: self.loc(sf, ssite.line, ssite.column),
            code: ssite.code.clone(),
        };
        let buckets = self.names(sf, self.arg_sym(ssite, 0, "bucket"));
        let prefixes = match self.arg_sym(ssite, 1, "prefix") {
            None => Ok(vec![Name::literal("")]),
            s => self.names(sf, s),
        };
        match (buckets, prefixes) {
            (Ok(bs), Ok(ps)) => {
                for bucket in bs {
                    for p in &ps {
                        let prefix = normalise_prefix(p);
                        for a in actions {
                            emit.need(
                                "s3-attribute",
                                a,
                                Resource::S3Prefix {
                                    bucket: bucket.clone(),
                                    prefix: prefix.clone(),
                                },
                                Evidence {
                                    location: self.loc(f, site.line, site.column),
                                    code: site.code.clone(),
                                    note: format!("{recv}() → {a} for S3Attribute `{attr}`"),
                                    defined_at: Some(def.clone()),
                                },
                            );
                        }
                    }
                }
            }
            (Err(r), _) | (_, Err(r)) => emit.unresolved(
                self,
                f,
                site,
                "bucket",
                &format!("the bucket or prefix of S3Attribute `{attr}`: {r}"),
                "use literal bucket and prefix, or pass --bucket and --prefix",
                "s3-attribute",
                actions,
            ),
        }
    }
}

/// pydynox's normalisation: `prefix.rstrip("/") + "/" if prefix else ""`
/// (`python/pydynox/attributes/s3.py`).
pub fn normalise_prefix(p: &Name) -> Name {
    match &p.value {
        Some(v) if p.is_literal() => {
            if v.is_empty() {
                Name::literal("")
            } else {
                Name::literal(format!("{}/", v.trim_end_matches('/')))
            }
        }
        _ => {
            // Symbolic: the normalised form ends with exactly one `/` once known; keep the
            // text and add the slash when the last literal part does not end with one.
            match p.parts.last() {
                Some(super::report::NamePart::Literal { text }) if text.ends_with('/') => p.clone(),
                _ => Name::concat(&[p.clone(), Name::literal("/")]),
            }
        }
    }
}

/// Method names common outside pydynox: on an unresolved receiver they count only when the
/// call's shape fits pydynox's signature.
fn is_generic(m: &str) -> bool {
    base_name(m) == m
        && matches!(
            m,
            "get"
                | "save"
                | "delete"
                | "update"
                | "query"
                | "scan"
                | "count"
                | "put"
                | "search"
                | "create"
                | "describe"
                | "flush"
                | "first"
                | "to_dict"
                | "calculate_size"
                | "from_dict"
                | "ping"
        )
}

/// Modules whose values are never pydynox objects (the standard library and common
/// libraries that do not wrap it).
const KNOWN_NOT_PYDYNOX: &[&str] = &[
    "os",
    "sys",
    "json",
    "re",
    "typing",
    "typing_extensions",
    "dataclasses",
    "datetime",
    "time",
    "logging",
    "collections",
    "functools",
    "itertools",
    "pathlib",
    "uuid",
    "asyncio",
    "math",
    "random",
    "decimal",
    "enum",
    "abc",
    "contextlib",
    "copy",
    "hashlib",
    "base64",
    "urllib",
    "http",
    "io",
    "argparse",
    "threading",
    "concurrent",
    "subprocess",
    "shutil",
    "tempfile",
    "traceback",
    "textwrap",
    "string",
    "secrets",
    "operator",
    "inspect",
    "types",
    "weakref",
    "pydantic",
    "requests",
    "httpx",
    "aiohttp",
    "fastapi",
    "starlette",
    "flask",
    "django",
    "sqlalchemy",
    "redis",
    "celery",
    "pytest",
    "unittest",
    "csv",
    "zlib",
    "gzip",
    "pickle",
    "struct",
    "socket",
    "ssl",
    "email",
    "smtplib",
    "signal",
    "queue",
    "heapq",
    "bisect",
    "pprint",
];

/// Every action a call may make, whatever its arguments (for unresolved calls).
fn spec_actions(c: &CallSpec) -> Vec<String> {
    let mut out: Vec<String> = c.actions.iter().chain(c.wait.iter()).cloned().collect();
    let extra: &[&str] = match c.rule {
        Some(Rule::SmartSave) => &["dynamodb:PutItem", "dynamodb:UpdateItem"],
        Some(Rule::Partiql) => &[
            "dynamodb:PartiQLSelect",
            "dynamodb:PartiQLInsert",
            "dynamodb:PartiQLUpdate",
            "dynamodb:PartiQLDelete",
        ],
        Some(Rule::TransactWrite) => &[
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
            "dynamodb:ConditionCheckItem",
        ],
        _ => &[],
    };
    out.extend(extra.iter().map(|s| s.to_string()));
    out
}

fn common_prefix(a: &str, b: &str) -> usize {
    a.split('/')
        .zip(b.split('/'))
        .take_while(|(x, y)| x == y)
        .count()
}

impl Value {
    fn first_or_union(self) -> Value {
        match self {
            Value::List(mut v) if v.len() == 1 => v.remove(0),
            Value::List(v) => {
                // Several values for one attribute: prefer a pydynox one, else the first.
                v.iter()
                    .find(|x| x.is_pydynox())
                    .cloned()
                    .or_else(|| v.into_iter().next())
                    .unwrap_or(Value::Other)
            }
            other => other,
        }
    }
}

#[derive(Default)]
struct Emit {
    needs: Vec<Need>,
    unresolved: Vec<Unresolved>,
}

impl Emit {
    fn need(&mut self, feature: &str, action: &str, resource: Resource, ev: Evidence) {
        self.needs.push(Need {
            feature: feature.into(),
            action: action.into(),
            resource,
            evidence: vec![ev],
        });
    }

    #[allow(clippy::too_many_arguments)]
    fn unresolved(
        &mut self,
        p: &Program,
        f: FileId,
        site: &CallSite,
        what: &str,
        reason: &str,
        hint: &str,
        feature: &str,
        actions: &[&str],
    ) {
        self.unresolved.push(Unresolved {
            location: p.loc(f, site.line, site.column),
            code: site.code.clone(),
            what: what.into(),
            reason: reason.into(),
            hint: hint.into(),
            features: vec![feature.to_string()],
            actions: actions.iter().map(|s| s.to_string()).collect(),
        });
    }
}
