//! The Python front end: one file's source → [`ModuleFacts`], the symbolic facts the
//! resolver needs (scopes and their bindings, classes, functions, every call with its
//! receiver and arguments as [`Sym`]bols, syntax errors). Owns parsing (ruff's parser, see
//! the module doc of `needs::scan` for why) and Python's scoping rules; must not look at
//! other files, the file system or pydynox's API: names stay symbolic until the resolver
//! (`eval`) sees the whole package.
//!
//! Never panics on any input (a property test and a fuzz target hold it to that): the
//! parser recovers from syntax errors, and every recursion here is depth-limited.

use rustc_hash::FxHashMap as HashMap;

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange, TextSize};

pub type ScopeId = usize;
pub type ClassIdx = usize;
pub type FuncIdx = usize;
pub type CallIdx = usize;

/// Deeper expressions or statements than this are left unread (and say so) rather than
/// risking the stack; real code stays far below it.
const MAX_DEPTH: usize = 150;
/// Dict and list literals longer than this keep only their first elements.
const MAX_ELEMENTS: usize = 256;

/// A value as the code writes it, with names not yet resolved.
#[derive(Debug, Clone)]
pub enum Sym {
    Str(String),
    /// f-strings, `+`, implicit concatenation.
    Concat(Vec<Sym>),
    /// A name read in a scope (resolved by walking the scope chain, then the module's
    /// imports, then builtins).
    Name(ScopeId, String),
    Attr(Box<Sym>, String),
    /// The value of call number `CallIdx` of this module.
    Call(CallIdx),
    Subscript(Box<Sym>, Box<Sym>),
    Dict(Vec<(Option<Sym>, Sym)>),
    List(Vec<Sym>),
    /// A list (comprehension, generator, `list[X]` annotation) whose elements are this.
    ListOf(Box<Sym>),
    /// An instance of the class this evaluates to (an annotation).
    InstanceOf(Box<Sym>),
    /// `x: T = value`: the annotation, and the value.
    Annotated(Box<Sym>, Box<Sym>),
    /// The elements of iterating this (`for x in ...`).
    Iter(Box<Sym>),
    /// Any of these (branches, `or`, reassignment).
    OneOf(Vec<Sym>),
    /// `self` in a method of this class (an instance of it or of a subclass).
    SelfOf(ClassIdx),
    /// `cls` in a classmethod of this class.
    ClsOf(ClassIdx),
    /// A parameter with no annotation.
    Param {
        func: String,
        name: String,
    },
    None,
    Bool(bool),
    /// A number, bytes, a comparison...: known not to be a pydynox object.
    Other,
    Unknown(&'static str),
}

#[derive(Debug, Clone)]
pub struct CallSym {
    pub func: Sym,
    pub args: Vec<Sym>,
    pub kwargs: Vec<(String, Sym)>,
    /// `*args` or `**kwargs` in the call: arguments the scan cannot see.
    pub has_star: bool,
}

/// Where in the program a call is, which matters for whether it runs in production.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ctx {
    /// Under `if TYPE_CHECKING:`: never executed.
    pub type_checking: bool,
    /// Under `with MemoryBackend()`, `@MemoryBackend()` or a `pydynox_memory_backend*`
    /// fixture: pydynox's in-memory test backend.
    pub memory_backend: bool,
    /// In a decorator expression.
    pub decorator: bool,
}

#[derive(Debug, Clone)]
pub struct CallSite {
    pub line: u32,
    pub column: u32,
    pub code: String,
    pub call: CallSym,
    pub ctx: Ctx,
    /// The enclosing function, for messages.
    pub function: Option<String>,
}

#[derive(Debug, Clone)]
pub enum BindKind {
    Value(Sym),
    /// `import a.b as c` (module `a.b`), or `import a.b` binding `a` (module `a`).
    Import(ModRef),
    /// `from m import n`.
    From(ModRef, String),
    Class(ClassIdx),
    Function(FuncIdx),
}

#[derive(Debug, Clone)]
pub struct Binding {
    pub kind: BindKind,
    pub line: u32,
    pub column: u32,
    /// The binding statement's first line, for evidence.
    pub code: String,
}

/// A module as written in an import: `level` leading dots, then the dotted name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ModRef {
    pub level: u32,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeKind {
    Module,
    Class(ClassIdx),
    Function(FuncIdx),
}

#[derive(Debug, Clone)]
pub struct Scope {
    pub kind: ScopeKind,
    /// The scope names are looked up in next (class scopes are skipped by their methods,
    /// as in Python).
    pub parent: Option<ScopeId>,
    pub bindings: HashMap<String, Vec<Binding>>,
}

#[derive(Debug, Clone)]
pub struct ClassFacts {
    pub name: String,
    pub line: u32,
    pub column: u32,
    pub code: String,
    /// The class body's scope (its attributes).
    pub scope: ScopeId,
    pub bases: Vec<Sym>,
    /// Decorator expressions (`@dynamodb_model(...)` is `Sym::Call`).
    pub decorators: Vec<Sym>,
    /// `self.x = ...` in any method.
    pub self_attrs: HashMap<String, Vec<Sym>>,
}

#[derive(Debug, Clone)]
pub struct FuncFacts {
    pub name: String,
    pub scope: ScopeId,
    pub class: Option<ClassIdx>,
    pub returns: Vec<Sym>,
}

#[derive(Debug, Clone)]
pub struct SyntaxIssue {
    pub line: u32,
    pub column: u32,
    pub message: String,
}

/// Everything the resolver needs from one file.
#[derive(Debug, Clone, Default)]
pub struct ModuleFacts {
    pub scopes: Vec<Scope>,
    pub classes: Vec<ClassFacts>,
    pub functions: Vec<FuncFacts>,
    pub calls: Vec<CallSite>,
    /// `from m import *` at module level.
    pub star_imports: Vec<ModRef>,
    /// A literal `__all__`, if any.
    pub dunder_all: Option<Vec<String>>,
    pub syntax_errors: Vec<SyntaxIssue>,
    /// The text names pydynox somewhere.
    pub mentions_pydynox: bool,
}

/// Parses one file and extracts its facts. Never fails: syntax errors are listed in
/// [`ModuleFacts::syntax_errors`] and the recovered tree is read as usual.
pub fn summarize(source: &str) -> ModuleFacts {
    let parsed =
        ruff_python_parser::parse_unchecked_source(source, ruff_python_ast::PySourceType::Python);
    let mut b = Builder {
        src: source,
        lines: LineIndex::new(source),
        facts: ModuleFacts {
            scopes: vec![Scope {
                kind: ScopeKind::Module,
                parent: None,
                bindings: HashMap::default(),
            }],
            mentions_pydynox: source.contains("pydynox"),
            ..ModuleFacts::default()
        },
        scope: 0,
        func: None,
        class: None,
        ctx: Ctx::default(),
        globals: Vec::new(),
        depth: 0,
    };
    for e in parsed.errors() {
        let (line, column) = b.lines.position(source, e.location.start());
        b.facts.syntax_errors.push(SyntaxIssue {
            line,
            column,
            message: e.error.to_string(),
        });
    }
    b.suite(&parsed.syntax().body);
    b.facts
}

struct LineIndex {
    starts: Vec<u32>,
}

impl LineIndex {
    fn new(src: &str) -> LineIndex {
        let mut starts = vec![0u32];
        for (i, b) in src.bytes().enumerate() {
            if b == b'\n' {
                starts.push(i as u32 + 1);
            }
        }
        LineIndex { starts }
    }

    fn position(&self, src: &str, at: TextSize) -> (u32, u32) {
        let at = u32::from(at).min(src.len() as u32);
        let line = match self.starts.binary_search(&at) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.starts[line] as usize;
        // Columns count characters; ASCII lines (nearly all) need no decoding.
        let col = src
            .get(start..at as usize)
            .map(|s| {
                if s.is_ascii() {
                    s.len()
                } else {
                    s.chars().count()
                }
            })
            .unwrap_or(0);
        (line as u32 + 1, col as u32 + 1)
    }
}

struct Builder<'s> {
    src: &'s str,
    lines: LineIndex,
    facts: ModuleFacts,
    scope: ScopeId,
    func: Option<FuncIdx>,
    class: Option<ClassIdx>,
    ctx: Ctx,
    /// Names declared `global` in the current function.
    globals: Vec<String>,
    depth: usize,
}

/// The first line of a piece of source, whitespace collapsed, at most 120 characters.
pub fn snippet(src: &str, range: TextRange) -> String {
    let start = usize::from(range.start()).min(src.len());
    let end = usize::from(range.end()).min(src.len()).max(start);
    let text = src.get(start..end).unwrap_or("");
    let first = text.lines().next().unwrap_or("");
    let mut out = String::with_capacity(first.len().min(128));
    let mut last_space = false;
    // Characters in `out` so far (counted as they are pushed: recounting `out` at every
    // character made this quadratic, and it runs for every binding and call).
    let mut count = 0usize;
    for ch in first.trim().chars() {
        if ch.is_whitespace() {
            if !last_space {
                out.push(' ');
                count += 1;
            }
            last_space = true;
        } else {
            out.push(ch);
            count += 1;
            last_space = false;
        }
        if count >= 120 {
            out.push('…');
            break;
        }
    }
    if text.lines().nth(1).is_some() && !out.ends_with('…') {
        out.push_str(" …");
    }
    out
}

impl Builder<'_> {
    fn pos(&self, at: TextSize) -> (u32, u32) {
        self.lines.position(self.src, at)
    }

    fn bind(&mut self, name: &str, kind: BindKind, range: TextRange) {
        let scope = if self.globals.iter().any(|g| g == name) {
            0
        } else {
            self.scope
        };
        let (line, column) = self.pos(range.start());
        let code = snippet(self.src, range);
        self.facts.scopes[scope]
            .bindings
            .entry(name.to_string())
            .or_default()
            .push(Binding {
                kind,
                line,
                column,
                code,
            });
    }

    fn new_scope(&mut self, kind: ScopeKind, parent: Option<ScopeId>) -> ScopeId {
        self.facts.scopes.push(Scope {
            kind,
            parent,
            bindings: HashMap::default(),
        });
        self.facts.scopes.len() - 1
    }

    /// The scope a function defined here looks names up in: class bodies are not visible
    /// from their methods.
    fn enclosing_for_function(&self) -> ScopeId {
        let mut s = self.scope;
        while let ScopeKind::Class(_) = self.facts.scopes[s].kind {
            match self.facts.scopes[s].parent {
                Some(p) => s = p,
                None => break,
            }
        }
        s
    }

    fn suite(&mut self, body: &[Stmt]) {
        for s in body {
            self.stmt(s);
        }
    }

    fn stmt(&mut self, s: &Stmt) {
        if self.depth > MAX_DEPTH {
            return;
        }
        self.depth += 1;
        self.stmt_inner(s);
        self.depth -= 1;
    }

    fn stmt_inner(&mut self, s: &Stmt) {
        match s {
            Stmt::FunctionDef(f) => self.function(f),
            Stmt::ClassDef(c) => self.class_def(c),
            Stmt::Return(r) => {
                let v = r
                    .value
                    .as_deref()
                    .map(|e| self.expr(e))
                    .unwrap_or(Sym::None);
                if let Some(f) = self.func {
                    self.facts.functions[f].returns.push(v);
                }
            }
            Stmt::Delete(d) => {
                for t in &d.targets {
                    self.expr(t);
                }
            }
            Stmt::TypeAlias(_) | Stmt::Pass(_) | Stmt::Break(_) | Stmt::Continue(_) => {}
            Stmt::IpyEscapeCommand(_) | Stmt::Nonlocal(_) => {}
            Stmt::Assign(a) => {
                let v = self.expr(&a.value);
                if self.scope == 0 && a.targets.len() == 1 {
                    self.dunder_all(&a.targets[0], &a.value);
                }
                for t in &a.targets {
                    self.bind_target(t, v.clone(), s.range());
                }
            }
            Stmt::AugAssign(a) => {
                self.expr(&a.value);
                self.expr(&a.target);
                self.bind_target(&a.target, Sym::Unknown("augmented assignment"), s.range());
            }
            Stmt::AnnAssign(a) => {
                let annot = self.annotation(&a.annotation);
                let v = match &a.value {
                    Some(v) => {
                        let val = self.expr(v);
                        Sym::Annotated(Box::new(annot), Box::new(val))
                    }
                    None => annot,
                };
                if let Expr::Attribute(at) = a.target.as_ref() {
                    self.self_attr(at, v);
                } else if a.value.is_some() || self.func.is_some() {
                    self.bind_target(&a.target, v, s.range());
                } else {
                    // A bare class/module annotation (`name: str`) binds nothing at run time,
                    // but a dataclass field is a class attribute: keep it.
                    self.bind_target(&a.target, v, s.range());
                }
            }
            Stmt::For(f) => {
                let it = self.expr(&f.iter);
                self.bind_target(&f.target, Sym::Iter(Box::new(it)), s.range());
                self.suite(&f.body);
                self.suite(&f.orelse);
            }
            Stmt::While(w) => {
                self.expr(&w.test);
                self.suite(&w.body);
                self.suite(&w.orelse);
            }
            Stmt::If(i) => {
                self.expr(&i.test);
                let tc = is_type_checking(&i.test);
                let saved = self.ctx;
                if tc {
                    self.ctx.type_checking = true;
                }
                self.suite(&i.body);
                self.ctx = saved;
                for clause in &i.elif_else_clauses {
                    if let Some(t) = &clause.test {
                        self.expr(t);
                    }
                    self.suite(&clause.body);
                }
            }
            Stmt::With(w) => {
                let saved = self.ctx;
                for item in &w.items {
                    let v = self.expr(&item.context_expr);
                    if is_memory_backend(&item.context_expr) {
                        self.ctx.memory_backend = true;
                    }
                    if let Some(t) = &item.optional_vars {
                        self.bind_target(t, v, item.range());
                    }
                }
                self.suite(&w.body);
                self.ctx = saved;
            }
            Stmt::Match(m) => {
                self.expr(&m.subject);
                for case in &m.cases {
                    self.pattern_bindings(&case.pattern);
                    if let Some(g) = &case.guard {
                        self.expr(g);
                    }
                    self.suite(&case.body);
                }
            }
            Stmt::Raise(r) => {
                if let Some(e) = &r.exc {
                    self.expr(e);
                }
                if let Some(e) = &r.cause {
                    self.expr(e);
                }
            }
            Stmt::Try(t) => {
                self.suite(&t.body);
                for h in &t.handlers {
                    let ast::ExceptHandler::ExceptHandler(h) = h;
                    if let Some(ty) = &h.type_ {
                        self.expr(ty);
                    }
                    if let Some(n) = &h.name {
                        self.bind(&n.id, BindKind::Value(Sym::Other), n.range);
                    }
                    self.suite(&h.body);
                }
                self.suite(&t.orelse);
                self.suite(&t.finalbody);
            }
            Stmt::Assert(a) => {
                self.expr(&a.test);
                if let Some(m) = &a.msg {
                    self.expr(m);
                }
            }
            Stmt::Import(i) => {
                for alias in &i.names {
                    let full = alias.name.id.to_string();
                    match &alias.asname {
                        Some(as_) => self.bind(
                            &as_.id,
                            BindKind::Import(ModRef {
                                level: 0,
                                name: full,
                            }),
                            s.range(),
                        ),
                        None => {
                            let first = full.split('.').next().unwrap_or("").to_string();
                            self.bind(
                                &first.clone(),
                                BindKind::Import(ModRef {
                                    level: 0,
                                    name: first,
                                }),
                                s.range(),
                            )
                        }
                    }
                }
            }
            Stmt::ImportFrom(i) => {
                let module = ModRef {
                    level: i.level,
                    name: i
                        .module
                        .as_ref()
                        .map(|m| m.id.to_string())
                        .unwrap_or_default(),
                };
                for alias in &i.names {
                    if alias.name.id.as_str() == "*" {
                        if self.scope == 0 {
                            self.facts.star_imports.push(module.clone());
                        }
                        continue;
                    }
                    let local = alias.asname.as_ref().unwrap_or(&alias.name);
                    self.bind(
                        &local.id,
                        BindKind::From(module.clone(), alias.name.id.to_string()),
                        s.range(),
                    );
                }
            }
            Stmt::Global(g) => {
                for n in &g.names {
                    self.globals.push(n.id.to_string());
                }
            }
            Stmt::Expr(e) => {
                self.expr(&e.value);
            }
        }
    }

    fn dunder_all(&mut self, target: &Expr, value: &Expr) {
        if let Expr::Name(n) = target
            && n.id.as_str() == "__all__"
        {
            let elts: &[Expr] = match value {
                Expr::List(l) => &l.elts,
                Expr::Tuple(t) => &t.elts,
                _ => return,
            };
            let names = elts
                .iter()
                .filter_map(|e| match e {
                    Expr::StringLiteral(s) => Some(s.value.to_str().to_string()),
                    _ => None,
                })
                .collect();
            self.facts.dunder_all = Some(names);
        }
    }

    fn function(&mut self, f: &ast::StmtFunctionDef) {
        let saved_ctx = self.ctx;
        let mut decorators = Vec::new();
        self.ctx.decorator = true;
        for d in &f.decorator_list {
            decorators.push(self.expr(&d.expression));
        }
        self.ctx.decorator = false;
        let is_static = f
            .decorator_list
            .iter()
            .any(|d| decorator_name(&d.expression) == Some("staticmethod"));
        let is_classmethod = f
            .decorator_list
            .iter()
            .any(|d| decorator_name(&d.expression) == Some("classmethod"));
        if f.decorator_list
            .iter()
            .any(|d| is_memory_backend(&d.expression))
        {
            self.ctx.memory_backend = true;
        }
        // Defaults and annotations are evaluated in the enclosing scope.
        let params: Vec<&ast::ParameterWithDefault> = f
            .parameters
            .posonlyargs
            .iter()
            .chain(f.parameters.args.iter())
            .chain(f.parameters.kwonlyargs.iter())
            .collect();
        let mut param_syms = Vec::new();
        for p in &params {
            if let Some(d) = &p.default {
                self.expr(d);
            }
            let annot = p
                .parameter
                .annotation
                .as_deref()
                .map(|a| self.annotation(a));
            param_syms.push(annot);
        }
        let enclosing = self.enclosing_for_function();
        let idx = self.facts.functions.len();
        let scope = self.new_scope(ScopeKind::Function(idx), Some(enclosing));
        self.facts.functions.push(FuncFacts {
            name: f.name.id.to_string(),
            scope,
            class: None,
            returns: Vec::new(),
        });
        let class = match self.facts.scopes[self.scope].kind {
            ScopeKind::Class(c) => Some(c),
            _ => None,
        };
        self.facts.functions[idx].class = class;
        self.bind(&f.name.id, BindKind::Function(idx), f.range);

        let saved = (
            self.scope,
            self.func,
            self.class,
            std::mem::take(&mut self.globals),
        );
        self.scope = scope;
        self.func = Some(idx);
        self.class = class;
        for (i, (p, annot)) in params.iter().zip(param_syms).enumerate() {
            let name = p.parameter.name.id.as_str();
            if name.starts_with("pydynox_memory_backend") {
                self.ctx.memory_backend = true;
            }
            let v = match (annot, class, i) {
                (Some(a), _, _) => a,
                (None, Some(c), 0) if !is_static && is_classmethod => Sym::ClsOf(c),
                (None, Some(c), 0) if !is_static => Sym::SelfOf(c),
                (None, _, _) => Sym::Param {
                    func: f.name.id.to_string(),
                    name: name.to_string(),
                },
            };
            self.bind(name, BindKind::Value(v), p.range);
        }
        for p in [&f.parameters.vararg, &f.parameters.kwarg]
            .into_iter()
            .flatten()
        {
            self.bind(&p.name.id, BindKind::Value(Sym::Other), p.range);
        }
        self.suite(&f.body);
        self.scope = saved.0;
        self.func = saved.1;
        self.class = saved.2;
        self.globals = saved.3;
        self.ctx = saved_ctx;
        let _ = decorators;
    }

    fn class_def(&mut self, c: &ast::StmtClassDef) {
        let mut decorators = Vec::new();
        let saved_ctx = self.ctx;
        self.ctx.decorator = true;
        for d in &c.decorator_list {
            decorators.push(self.expr(&d.expression));
        }
        self.ctx = saved_ctx;
        let mut bases = Vec::new();
        if let Some(args) = &c.arguments {
            for a in args.args.iter() {
                bases.push(self.expr(a));
            }
            for k in args.keywords.iter() {
                self.expr(&k.value);
            }
        }
        let idx = self.facts.classes.len();
        let scope = self.new_scope(ScopeKind::Class(idx), Some(self.scope));
        let (line, column) = self.pos(c.range.start());
        self.facts.classes.push(ClassFacts {
            name: c.name.id.to_string(),
            line,
            column,
            code: snippet(self.src, c.range),
            scope,
            bases,
            decorators,
            self_attrs: HashMap::default(),
        });
        self.bind(&c.name.id, BindKind::Class(idx), c.range);
        let saved = (self.scope, self.func, self.class);
        self.scope = scope;
        self.func = None;
        self.class = Some(idx);
        self.suite(&c.body);
        self.scope = saved.0;
        self.func = saved.1;
        self.class = saved.2;
    }

    /// `self.x = v` inside a method of a class.
    fn self_attr(&mut self, at: &ast::ExprAttribute, v: Sym) {
        if let (Expr::Name(n), Some(f)) = (at.value.as_ref(), self.func)
            && let Some(c) = self.facts.functions[f].class
            && n.id.as_str() == "self"
        {
            self.facts.classes[c]
                .self_attrs
                .entry(at.attr.id.to_string())
                .or_default()
                .push(v);
        } else {
            self.expr(&at.value);
        }
    }

    fn bind_target(&mut self, t: &Expr, v: Sym, range: TextRange) {
        match t {
            Expr::Name(n) => self.bind(&n.id, BindKind::Value(v), range),
            Expr::Attribute(at) => self.self_attr(at, v),
            Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. }) => {
                for (i, e) in elts.iter().enumerate() {
                    let part = match &v {
                        Sym::List(items) if items.len() == elts.len() => items[i].clone(),
                        // `for a, b in ...` / `a, b = f()`: an element of the value.
                        _ => Sym::Unknown("tuple unpacking"),
                    };
                    self.bind_target(e, part, range);
                }
            }
            Expr::Starred(s) => self.bind_target(&s.value, Sym::Unknown("starred target"), range),
            Expr::Subscript(s) => {
                self.expr(&s.value);
                self.expr(&s.slice);
            }
            _ => {}
        }
    }

    fn pattern_bindings(&mut self, p: &ast::Pattern) {
        use ast::Pattern as P;
        match p {
            P::MatchAs(a) => {
                if let Some(n) = &a.name {
                    self.bind(
                        &n.id,
                        BindKind::Value(Sym::Unknown("match capture")),
                        n.range,
                    );
                }
                if let Some(p) = &a.pattern {
                    self.pattern_bindings(p);
                }
            }
            P::MatchStar(s) => {
                if let Some(n) = &s.name {
                    self.bind(
                        &n.id,
                        BindKind::Value(Sym::Unknown("match capture")),
                        n.range,
                    );
                }
            }
            P::MatchSequence(s) => s.patterns.iter().for_each(|p| self.pattern_bindings(p)),
            P::MatchOr(o) => o.patterns.iter().for_each(|p| self.pattern_bindings(p)),
            P::MatchMapping(m) => {
                m.patterns.iter().for_each(|p| self.pattern_bindings(p));
                if let Some(n) = &m.rest {
                    self.bind(
                        &n.id,
                        BindKind::Value(Sym::Unknown("match capture")),
                        n.range,
                    );
                }
            }
            P::MatchClass(c) => {
                self.expr(&c.cls);
                c.arguments
                    .patterns
                    .iter()
                    .for_each(|p| self.pattern_bindings(p));
                c.arguments
                    .keywords
                    .iter()
                    .for_each(|k| self.pattern_bindings(&k.pattern));
            }
            P::MatchValue(v) => {
                self.expr(&v.value);
            }
            P::MatchSingleton(_) => {}
        }
    }

    /// An annotation: `User`, `"User"`, `Optional[User]`, `User | None`, `list[User]`.
    fn annotation(&mut self, e: &Expr) -> Sym {
        match e {
            Expr::StringLiteral(s) => {
                // A string annotation: read a dotted name, with `Optional[...]`-style
                // wrappers, by parsing it as an expression.
                let text = s.value.to_str().to_string();
                match ruff_python_parser::parse_expression(&text) {
                    Ok(p) => {
                        let expr = p.into_syntax().body;
                        self.annotation_no_calls(&expr)
                    }
                    Err(_) => Sym::Unknown("unreadable string annotation"),
                }
            }
            _ => self.annotation_no_calls(e),
        }
    }

    fn annotation_no_calls(&mut self, e: &Expr) -> Sym {
        if self.depth > MAX_DEPTH {
            return Sym::Unknown("annotation too deeply nested");
        }
        self.depth += 1;
        let out = match e {
            Expr::Name(n) => Sym::InstanceOf(Box::new(Sym::Name(self.scope, n.id.to_string()))),
            Expr::Attribute(_) => Sym::InstanceOf(Box::new(self.dotted(e))),
            Expr::BinOp(b) if matches!(b.op, ast::Operator::BitOr) => Sym::OneOf(vec![
                self.annotation_no_calls(&b.left),
                self.annotation_no_calls(&b.right),
            ]),
            Expr::NoneLiteral(_) => Sym::None,
            Expr::StringLiteral(_) => self.annotation(e),
            Expr::Subscript(s) => {
                let head = match s.value.as_ref() {
                    Expr::Name(n) => n.id.to_string(),
                    Expr::Attribute(a) => a.attr.id.to_string(),
                    _ => String::new(),
                };
                let args: Vec<&Expr> = match s.slice.as_ref() {
                    Expr::Tuple(t) => t.elts.iter().collect(),
                    other => vec![other],
                };
                match head.as_str() {
                    "Optional" | "Union" | "Annotated" | "Final" | "ClassVar" => {
                        let take = if head == "Annotated" { 1 } else { args.len() };
                        Sym::OneOf(
                            args.iter()
                                .take(take)
                                .map(|a| self.annotation_no_calls(a))
                                .collect(),
                        )
                    }
                    "list" | "List" | "Sequence" | "Iterable" | "Iterator" | "AsyncIterator"
                    | "AsyncIterable" | "set" | "Set" | "frozenset" | "Collection"
                    | "Generator" | "AsyncGenerator" | "MutableSequence" => match args.first() {
                        Some(a) => Sym::ListOf(Box::new(self.annotation_no_calls(a))),
                        None => Sym::Other,
                    },
                    "type" | "Type" => match args.first() {
                        // `type[User]`: the class itself.
                        Some(Expr::Name(n)) => Sym::Name(self.scope, n.id.to_string()),
                        Some(a @ Expr::Attribute(_)) => self.dotted(a),
                        _ => Sym::Unknown("type[...] annotation"),
                    },
                    _ => Sym::Other,
                }
            }
            _ => Sym::Other,
        };
        self.depth -= 1;
        out
    }

    /// A dotted name without recording calls (annotations).
    fn dotted(&mut self, e: &Expr) -> Sym {
        match e {
            Expr::Name(n) => Sym::Name(self.scope, n.id.to_string()),
            Expr::Attribute(a) => Sym::Attr(Box::new(self.dotted(&a.value)), a.attr.id.to_string()),
            _ => Sym::Unknown("annotation expression"),
        }
    }

    fn exprs(&mut self, es: &[Expr]) -> Vec<Sym> {
        es.iter()
            .take(MAX_ELEMENTS)
            .map(|e| self.expr(e))
            .collect::<Vec<_>>()
    }

    fn expr(&mut self, e: &Expr) -> Sym {
        if self.depth > MAX_DEPTH {
            return Sym::Unknown("expression too deeply nested");
        }
        self.depth += 1;
        let out = self.expr_inner(e);
        self.depth -= 1;
        out
    }

    fn expr_inner(&mut self, e: &Expr) -> Sym {
        match e {
            Expr::StringLiteral(s) => Sym::Str(s.value.to_str().to_string()),
            Expr::FString(f) => {
                let mut parts = Vec::new();
                for part in f.value.iter() {
                    match part {
                        ast::FStringPart::Literal(l) => parts.push(Sym::Str(l.value.to_string())),
                        ast::FStringPart::FString(fs) => {
                            for el in fs.elements.iter() {
                                match el {
                                    ast::InterpolatedStringElement::Literal(l) => {
                                        parts.push(Sym::Str(l.value.to_string()))
                                    }
                                    ast::InterpolatedStringElement::Interpolation(i) => {
                                        let v = self.expr(&i.expression);
                                        if i.format_spec.is_some()
                                            || i.conversion != ast::ConversionFlag::None
                                            || i.debug_text.is_some()
                                        {
                                            parts.push(Sym::Unknown("formatted f-string field"));
                                        } else {
                                            parts.push(v);
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                Sym::Concat(parts)
            }
            Expr::TString(_) => Sym::Other,
            Expr::BinOp(b) => {
                let l = self.expr(&b.left);
                let r = self.expr(&b.right);
                match b.op {
                    ast::Operator::Add => Sym::Concat(vec![l, r]),
                    _ => Sym::Unknown("computed value"),
                }
            }
            Expr::Name(n) => Sym::Name(self.scope, n.id.to_string()),
            Expr::Attribute(a) => {
                let v = self.expr(&a.value);
                Sym::Attr(Box::new(v), a.attr.id.to_string())
            }
            Expr::Call(c) => self.call(c),
            Expr::Await(a) => self.expr(&a.value),
            Expr::Subscript(s) => {
                let v = self.expr(&s.value);
                let k = self.expr(&s.slice);
                Sym::Subscript(Box::new(v), Box::new(k))
            }
            Expr::Dict(d) => {
                let mut items = Vec::new();
                for item in d.items.iter().take(MAX_ELEMENTS) {
                    let k = item.key.as_ref().map(|k| self.expr(k));
                    let v = self.expr(&item.value);
                    items.push((k, v));
                }
                Sym::Dict(items)
            }
            Expr::List(l) => Sym::List(self.exprs(&l.elts)),
            Expr::Tuple(t) => Sym::List(self.exprs(&t.elts)),
            Expr::Set(s) => Sym::List(self.exprs(&s.elts)),
            Expr::ListComp(c) => {
                self.comprehension(&c.generators);
                Sym::ListOf(Box::new(self.expr(&c.elt)))
            }
            Expr::SetComp(c) => {
                self.comprehension(&c.generators);
                Sym::ListOf(Box::new(self.expr(&c.elt)))
            }
            Expr::Generator(c) => {
                self.comprehension(&c.generators);
                Sym::ListOf(Box::new(self.expr(&c.elt)))
            }
            Expr::DictComp(c) => {
                self.comprehension(&c.generators);
                if let Some(k) = &c.key {
                    self.expr(k);
                }
                self.expr(&c.value);
                Sym::Other
            }
            Expr::BoolOp(b) => Sym::OneOf(self.exprs(&b.values)),
            Expr::If(i) => {
                self.expr(&i.test);
                Sym::OneOf(vec![self.expr(&i.body), self.expr(&i.orelse)])
            }
            Expr::Named(n) => {
                let v = self.expr(&n.value);
                self.bind_target(&n.target, v.clone(), n.range);
                v
            }
            Expr::Lambda(l) => {
                let enclosing = self.enclosing_for_function();
                let scope = self.new_scope(ScopeKind::Module, Some(enclosing));
                // A lambda scope: its parameters are unknown, its body is read.
                self.facts.scopes[scope].kind = self.facts.scopes[enclosing].kind;
                let saved = self.scope;
                self.scope = scope;
                if let Some(p) = &l.parameters {
                    for p in p.iter() {
                        self.bind(
                            p.name().id.as_str(),
                            BindKind::Value(Sym::Unknown("lambda parameter")),
                            p.range(),
                        );
                    }
                }
                self.expr(&l.body);
                self.scope = saved;
                Sym::Other
            }
            Expr::Compare(c) => {
                self.expr(&c.left);
                self.exprs(&c.comparators);
                Sym::Other
            }
            Expr::UnaryOp(u) => {
                self.expr(&u.operand);
                Sym::Other
            }
            Expr::Yield(y) => {
                let v = y
                    .value
                    .as_deref()
                    .map(|e| self.expr(e))
                    .unwrap_or(Sym::None);
                if let Some(f) = self.func {
                    self.facts.functions[f]
                        .returns
                        .push(Sym::ListOf(Box::new(v)));
                }
                Sym::Unknown("value sent into a generator")
            }
            Expr::YieldFrom(y) => {
                let v = self.expr(&y.value);
                if let Some(f) = self.func {
                    self.facts.functions[f].returns.push(v);
                }
                Sym::Unknown("value of yield from")
            }
            Expr::Starred(s) => self.expr(&s.value),
            Expr::Slice(s) => {
                for p in [&s.lower, &s.upper, &s.step].into_iter().flatten() {
                    self.expr(p);
                }
                Sym::Other
            }
            Expr::NoneLiteral(_) => Sym::None,
            Expr::BooleanLiteral(b) => Sym::Bool(b.value),
            Expr::NumberLiteral(_) | Expr::BytesLiteral(_) | Expr::EllipsisLiteral(_) => Sym::Other,
            Expr::IpyEscapeCommand(_) => Sym::Other,
        }
    }

    fn comprehension(&mut self, gens: &[ast::Comprehension]) {
        for g in gens {
            let it = self.expr(&g.iter);
            self.bind_target(&g.target, Sym::Iter(Box::new(it)), g.range);
            for cond in &g.ifs {
                self.expr(cond);
            }
        }
    }

    fn call(&mut self, c: &ast::ExprCall) -> Sym {
        // `super()` in a method: the instance, seen as its class.
        if let Expr::Name(n) = c.func.as_ref()
            && n.id.as_str() == "super"
            && let Some(f) = self.func
            && let Some(class) = self.facts.functions[f].class
        {
            return Sym::SelfOf(class);
        }
        let func = self.expr(&c.func);
        let mut args = Vec::new();
        let mut has_star = false;
        for a in c.arguments.args.iter().take(MAX_ELEMENTS) {
            if matches!(a, Expr::Starred(_)) {
                has_star = true;
            }
            args.push(self.expr(a));
        }
        let mut kwargs = Vec::new();
        for k in c.arguments.keywords.iter().take(MAX_ELEMENTS) {
            let v = self.expr(&k.value);
            match &k.arg {
                Some(name) => kwargs.push((name.id.to_string(), v)),
                None => has_star = true,
            }
        }
        let (line, column) = self.pos(c.range().start());
        let function = self.func.map(|f| self.facts.functions[f].name.clone());
        self.facts.calls.push(CallSite {
            line,
            column,
            code: snippet(self.src, c.range()),
            call: CallSym {
                func,
                args,
                kwargs,
                has_star,
            },
            ctx: self.ctx,
            function,
        });
        Sym::Call(self.facts.calls.len() - 1)
    }
}

fn is_type_checking(test: &Expr) -> bool {
    match test {
        Expr::Name(n) => n.id.as_str() == "TYPE_CHECKING",
        Expr::Attribute(a) => a.attr.id.as_str() == "TYPE_CHECKING",
        _ => false,
    }
}

fn decorator_name(e: &Expr) -> Option<&str> {
    match e {
        Expr::Name(n) => Some(n.id.as_str()),
        Expr::Attribute(a) => Some(a.attr.id.as_str()),
        Expr::Call(c) => decorator_name(&c.func),
        _ => None,
    }
}

/// `MemoryBackend(...)`, `memory_backend()`, `pydynox.testing.MemoryBackend()`.
fn is_memory_backend(e: &Expr) -> bool {
    matches!(decorator_name(e), Some("MemoryBackend" | "memory_backend"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_file_keeps_the_code_after_the_error() {
        let f = summarize(
            "import pydynox\ndef broken(:\n    return\nx = [1, 2\nclass After(pydynox.Model):\n    pass\nAfter.sync_get(pk='1')\n",
        );
        assert!(!f.syntax_errors.is_empty());
        assert!(f.facts_class("After").is_some(), "{:?}", f.classes);
        assert!(f.calls.iter().any(|c| c.code.contains("After.sync_get")));
    }

    #[test]
    fn current_syntax_parses_without_errors() {
        let src = r#"
type Pair[T] = tuple[T, T]
def first[T = int](xs: list[T]) -> T:
    match xs:
        case [x, *_]:
            return x
    if (n := len(xs)) > 1:
        pass
names = {"a": 1}
s = f"{names["a"]}" + f"{'\n'.join(['a'])}"
async def main():
    async with open("x") as f:
        async for line in f:
            await line.save()
try:
    pass
except* ValueError:
    pass
"#;
        let f = summarize(src);
        assert!(f.syntax_errors.is_empty(), "{:?}", f.syntax_errors);
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let src = format!("x = {}1{}\n", "(".repeat(5000), ")".repeat(5000));
        let _ = summarize(&src);
        let src = format!("x = {}\n", "a.".repeat(20000) + "b");
        let _ = summarize(&src);
        let src = format!("x = {}\n", "f(".repeat(3000) + &")".repeat(3000));
        let _ = summarize(&src);
    }

    impl ModuleFacts {
        fn facts_class(&self, name: &str) -> Option<&ClassFacts> {
            self.classes.iter().find(|c| c.name == name)
        }
    }
}
