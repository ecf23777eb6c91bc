//! The `pydynox-iam.toml` config file: many services checked in one run. Owns reading the
//! text into span-carrying values, then validating them into a clean [`Config`], reporting
//! every problem at once with its line and column; must not read files, print or call AWS
//! (the caller reads the file and renders the errors with [`render_errors`]).
//!
//! # Schema
//!
//! ```toml
//! # optional defaults applied to every service
//! [defaults]
//! pydynox_version = "1.3.0"
//! region = "eu-west-1"          # informational default region for the run
//! engine = "auto"               # aws | local | both | auto
//! allow_inconclusive = false
//! no_table_policy = false       # as --no-table-policy, for every service
//!
//! [[service]]
//! name = "orders-api"           # required, unique
//! role = "orders-api"           # one of role / user / principal (or none: the caller)
//! features = ["crud", "indexes", "encryption"]   # required, as `--features`
//! tables = ["orders"]
//! indexes = ["by-customer"]     # or all_indexes = true
//! kms_key = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
//! bucket = "media"
//! prefix = "avatars/"
//! bucket_owner = "111122223333" # as --bucket-owner: the account that owns `bucket`
//! assume_role_arn = "arn:aws:iam::111122223333:role/orders-writer"
//! lock_table = "orders-locks"   # as --lock-table (pydynox.lock's table)
//! pydynox_version = "1.3.0"     # wins over [defaults]
//! context = ["aws:SourceIp=ip:10.0.0.1"]
//! allow_inconclusive = false    # wins over [defaults]
//! no_table_policy = false       # wins over [defaults]
//!
//!   [[service.expected]]        # expected exceptions: known, accepted failures
//!   action = "dynamodb:DeleteItem"                # required, service:Action
//!   resource = "arn:aws:dynamodb:*:*:table/orders" # `*` and `?` are wildcards
//!   feature = "crud"                              # one feature
//!   code = ["no-allow"]                           # reason codes waived; default no-allow
//!   reason = "deletes go through the admin API"   # required
//!
//! [[service]]
//! name = "reports-job"
//! user = "reports"
//! features = ["query", "scan"]
//! tables = ["orders"]
//! ```
//!
//! `app = "src/"` (and `env = ["NAME=VALUE"]`) mean `check --app` / `--env`, the path relative to
//! the config file; with `app`, `features` is optional. This module only reads them: the caller
//! scans the code and rebuilds the plan ([`crate::needs::app::plan_from_paths`]).
//!
//! Each service's keys mean what the `check` flag of the same name means (`_` for `-`), and
//! are validated by the same code ([`crate::needs::plan::build_plan`]), so messages name the flag
//! (`feature `indexes` needs --index or --all-indexes`), prefixed with the service and its
//! line. An expected exception whose feature or action the service never checks is an error:
//! it can never match, so it is a typo or stale.
//!
//! # Which rows an expected exception waives
//! A row is waived when the exception's `action` is the row's (case-insensitive), its
//! `resource` pattern matches the row's ARN, its `feature` is the row's, and the row's reason
//! code is one of `code`. An exception must name its rows without guessing:
//! - `feature` is required when the service checks the action for more than one feature
//!   (`dynamodb:DeleteItem` in `crud` and in `transactions`, whose transactional element is a
//!   different request), and `resource` when it checks the action on more than one resource
//!   (two tables); `resource = "*"` waives every one, written out.
//! - `code` defaults to `["no-allow"]`: nothing grants the action, the usual accepted gap.
//!   An explicit deny (`explicit-deny`, `boundary-deny`, `scp-deny`, `resource-policy-deny`,
//!   `engines-disagree`) or an INCONCLUSIVE row (`missing-context`, `not-evaluable`, ...) is
//!   waived only when `code` names its code.
//! - A PASS row is never waived. An exception that waives no row in a run is reported in every
//!   format as a warning (its rows pass now, fail with a code it does not name, or do not
//!   exist); it does not change the exit code.
//!
//! Reading works on [`toml::de::DeTable`], the parser's span-carrying tree, rather than
//! `serde` derive: derive stops at the first problem, and the house style is to report all
//! of them (unknown keys, wrong types, invalid values) in one pass.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::engine::Pattern;
use crate::needs::catalogue::{Catalogue, parse_version};
use crate::needs::plan::{CheckPlan, PlanInput, build_plan};

/// The values `engine` accepts, as the `--engine` flag does.
pub const ENGINES: &[&str] = &["aws", "local", "both", "auto"];

const TOP_KEYS: &[&str] = &["defaults", "service"];
const DEFAULT_KEYS: &[&str] = &[
    "pydynox_version",
    "region",
    "engine",
    "allow_inconclusive",
    "no_table_policy",
];
const SERVICE_KEYS: &[&str] = &[
    "name",
    "role",
    "user",
    "principal",
    "features",
    "tables",
    "indexes",
    "all_indexes",
    "kms_key",
    "bucket",
    "prefix",
    "assume_role_arn",
    "lock_table",
    "bucket_owner",
    "app",
    "env",
    "include_tests",
    "pydynox_version",
    "context",
    "allow_inconclusive",
    "no_table_policy",
    "expected",
];
const EXPECTED_KEYS: &[&str] = &["action", "resource", "feature", "code", "reason"];

/// The report's reason codes (`report::model::ReasonCode`, kept equal to it by a test there),
/// as an expected exception's `code` names them. `allowed` is not one: a PASS is never waived.
pub const WAIVABLE_CODES: &[&str] = &[
    "no-allow",
    "explicit-deny",
    "boundary-deny",
    "scp-deny",
    "resource-policy-deny",
    "missing-context",
    "key-policy-not-evaluated",
    "trust-policy-not-evaluated",
    "no-result",
    "unknown-decision",
    "policy-unreadable",
    "resource-policy-unreadable",
    "not-evaluable",
    "engines-disagree",
];

/// What an expected exception waives when it names no `code`: nothing grants the action.
pub const DEFAULT_WAIVED_CODES: &[&str] = &["no-allow"];

/// A validated config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub defaults: Defaults,
    /// In file order.
    pub services: Vec<Service>,
}

/// `[defaults]`, validated. `pydynox_version`, `allow_inconclusive` and `no_table_policy` are
/// already merged into each [`Service`]; `region` and `engine` apply to the whole run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Defaults {
    pub pydynox_version: Option<String>,
    pub region: Option<String>,
    /// One of [`ENGINES`].
    pub engine: Option<String>,
    pub allow_inconclusive: bool,
    pub no_table_policy: bool,
}

/// One `[[service]]`, validated, with the defaults merged in (the service's value wins).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    pub name: String,
    pub plan: CheckPlan,
    /// The input the plan was built from, as the CLI would have received it.
    pub input: PlanInput,
    pub allow_inconclusive: bool,
    /// The service's tables have no resource policies (`--no-table-policy`).
    pub no_table_policy: bool,
    /// The account that owns the service's bucket, as stated (`--bucket-owner` for one check).
    pub bucket_owner: Option<String>,
    pub expected: Vec<Expected>,
    /// 1-based line of the service's `[[service]]` header.
    pub line: usize,
    /// `app`: the service's code, as written (relative to the config file). The caller scans
    /// it and rebuilds [`Service::plan`] with [`crate::needs::app::plan_from_paths`]; until
    /// then the plan holds the file's features only.
    pub app: Option<String>,
    /// `env`: `NAME=VALUE` entries for the code's environment variables.
    pub env: Vec<String>,
    /// `include_tests`: the code's test files are read too (`check --include-tests`).
    pub include_tests: bool,
}

/// An expected exception: a known, accepted failure that does not fail the run. Which rows
/// it waives is this module's "Which rows an expected exception waives".
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Expected {
    /// `service:Action`, matched case-insensitively (IAM action names are).
    pub action: String,
    /// A resource ARN pattern; `*` and `?` are wildcards. `None` only where the service checks
    /// the action on one resource.
    pub resource: Option<String>,
    /// The canonical feature name (an alias naming one feature is resolved). `None` only where
    /// one feature of the service checks the action.
    pub feature: Option<String>,
    /// The reason codes it waives ([`DEFAULT_WAIVED_CODES`] unless the file names others).
    pub codes: Vec<String>,
    pub reason: String,
    /// 1-based line of its `[[service.expected]]`, to point at it when it matches nothing.
    pub line: usize,
}

impl Expected {
    /// Does this exception cover a report row's feature, action and resource? Action
    /// case-insensitive, resource by glob (case-sensitive, as ARNs are), feature exactly. The
    /// reason code is [`Expected::waives_code`]'s.
    pub fn matches(&self, feature: &str, action: &str, resource: &str) -> bool {
        self.action.eq_ignore_ascii_case(action)
            && self
                .resource
                .as_deref()
                .is_none_or(|p| Pattern::new(p, false).matches(resource))
            && self.feature.as_deref().is_none_or(|f| f == feature)
    }

    /// Whether it waives a row with this reason code.
    pub fn waives_code(&self, code: &str) -> bool {
        self.codes.iter().any(|c| c == code)
    }

    /// How the exception is written, for messages: `dynamodb:DeleteItem on RESOURCE
    /// (feature crud, code no-allow)`.
    pub fn describe(&self) -> String {
        let mut s = format!(
            "`{}` on `{}`",
            self.action,
            self.resource.as_deref().unwrap_or("its resource")
        );
        if let Some(f) = &self.feature {
            s.push_str(&format!(" (feature `{f}`)"));
        }
        s.push_str(&format!(" waiving {}", self.codes.join(", ")));
        s
    }
}

/// A problem in the config file, at a 1-based line and column (in characters) when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

impl ConfigError {
    /// `PATH:LINE:COLUMN: message` (`PATH: message` without a position), as compilers
    /// print it, so editors and CI annotations can jump to it.
    pub fn display_in(&self, path: &str) -> String {
        match self.line {
            Some(_) => format!("{path}:{self}"),
            None => format!("{path}: {}", self.message),
        }
    }
}

/// `LINE:COLUMN: message`, or just the message without a position.
impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "{l}:{c}: {}", self.message),
            (Some(l), None) => write!(f, "{l}: {}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

/// Every error on its own line, `PATH:LINE:COLUMN: message`.
pub fn render_errors(path: &str, errors: &[ConfigError]) -> String {
    let mut out = String::new();
    for e in errors {
        out.push_str(&e.display_in(path));
        out.push('\n');
    }
    out
}

/// Reads and validates a config file's text. On failure every problem found is returned,
/// in file order; a TOML syntax error stops reading, so it comes alone.
pub fn parse(text: &str, catalogue: &Catalogue) -> Result<Config, Vec<ConfigError>> {
    let mut r = Reader::new(text);
    let root = match DeTable::parse(text) {
        Ok(t) => t,
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            r.error(&span, format!("invalid TOML: {}", e.message()));
            return Err(r.errors);
        }
    };
    let raw = read_file(&mut r, root.get_ref());
    let config = validate(&mut r, catalogue, raw);
    if r.errors.is_empty() {
        Ok(config)
    } else {
        // Stable: errors on one line keep the order they were found in.
        r.errors
            .sort_by_key(|e| (e.line.unwrap_or(usize::MAX), e.column.unwrap_or(usize::MAX)));
        Err(r.errors)
    }
}

// ---------------------------------------------------------------------------------------
// Reading: the TOML tree into span-carrying values. Only shapes and types are checked here.

type S<T> = Spanned<T>;

#[derive(Default)]
struct RawDefaults {
    pydynox_version: Option<S<String>>,
    region: Option<S<String>>,
    engine: Option<S<String>>,
    allow_inconclusive: Option<S<bool>>,
    no_table_policy: Option<S<bool>>,
}

struct RawService {
    /// The `[[service]]` header (or the inline table).
    span: Range<usize>,
    /// Every value had the right type. When one did not, it reads as absent, so checks that
    /// depend on values (required keys, the plan) are skipped rather than report it twice.
    typed: bool,
    name: Option<S<String>>,
    role: Option<S<String>>,
    user: Option<S<String>>,
    principal: Option<S<String>>,
    features: Option<S<Vec<S<String>>>>,
    tables: Option<S<Vec<S<String>>>>,
    indexes: Option<S<Vec<S<String>>>>,
    all_indexes: Option<S<bool>>,
    kms_key: Option<S<String>>,
    bucket: Option<S<String>>,
    prefix: Option<S<String>>,
    assume_role_arn: Option<S<String>>,
    lock_table: Option<S<String>>,
    bucket_owner: Option<S<String>>,
    app: Option<S<String>>,
    env: Option<S<Vec<S<String>>>>,
    include_tests: Option<S<bool>>,
    pydynox_version: Option<S<String>>,
    context: Option<S<Vec<S<String>>>>,
    allow_inconclusive: Option<S<bool>>,
    no_table_policy: Option<S<bool>>,
    expected: Vec<RawExpected>,
}

struct RawExpected {
    span: Range<usize>,
    action: Option<S<String>>,
    resource: Option<S<String>>,
    feature: Option<S<String>>,
    code: Option<S<Vec<S<String>>>>,
    reason: Option<S<String>>,
}

struct RawFile {
    defaults: RawDefaults,
    services: Vec<RawService>,
}

/// Maps byte offsets to 1-based line and column, and collects errors.
struct Reader<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
    errors: Vec<ConfigError>,
}

impl<'a> Reader<'a> {
    fn new(text: &'a str) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Reader {
            text,
            line_starts,
            errors: Vec::new(),
        }
    }

    /// 1-based line and column (counted in characters) of a byte offset.
    fn position(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let column = self.text[self.line_starts[line]..offset].chars().count() + 1;
        (line + 1, column)
    }

    fn line(&self, span: &Range<usize>) -> usize {
        self.position(span.start).0
    }

    fn error(&mut self, span: &Range<usize>, message: impl Into<String>) {
        let (line, column) = self.position(span.start);
        self.errors.push(ConfigError {
            line: Some(line),
            column: Some(column),
            message: message.into(),
        });
    }

    fn error_nowhere(&mut self, message: impl Into<String>) {
        self.errors.push(ConfigError {
            line: None,
            column: None,
            message: message.into(),
        });
    }
}

/// Edit distance, for "did you mean" on unknown keys.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// One TOML table being read: reports unknown keys, then hands out typed values.
struct Fields<'t, 'i> {
    table: &'t DeTable<'i>,
    /// Prefix of every message about this table, e.g. "service `orders-api` (line 7)".
    scope: String,
}

impl<'t, 'i> Fields<'t, 'i> {
    fn new(table: &'t DeTable<'i>, scope: String) -> Self {
        Fields { table, scope }
    }

    fn prefix(&self) -> String {
        if self.scope.is_empty() {
            String::new()
        } else {
            format!("{}: ", self.scope)
        }
    }

    fn reject_unknown(&self, r: &mut Reader, what: &str, allowed: &[&str]) {
        for (k, _) in self.table.iter() {
            let key = k.get_ref().as_ref();
            if allowed.contains(&key) {
                continue;
            }
            let hint = allowed
                .iter()
                .filter(|a| distance(key, a) <= 2)
                .min_by_key(|a| distance(key, a))
                .map(|a| format!(" (did you mean `{a}`?)"))
                .unwrap_or_default();
            r.error(
                &k.span(),
                format!(
                    "{}unknown key `{key}` in {what}{hint}; allowed keys: {}",
                    self.prefix(),
                    allowed.join(", ")
                ),
            );
        }
    }

    fn get(&self, key: &str) -> Option<&'t Spanned<DeValue<'i>>> {
        self.table.get(key)
    }

    fn wrong_type(&self, r: &mut Reader, key: &str, v: &Spanned<DeValue>, want: &str) {
        r.error(
            &v.span(),
            format!(
                "{}`{key}` must be {want}, found {}",
                self.prefix(),
                v.get_ref().type_str()
            ),
        );
    }

    fn string(&self, r: &mut Reader, key: &str) -> Option<S<String>> {
        let v = self.get(key)?;
        match v.get_ref() {
            DeValue::String(s) => Some(Spanned::new(v.span(), s.to_string())),
            _ => {
                self.wrong_type(r, key, v, "a string");
                None
            }
        }
    }

    fn boolean(&self, r: &mut Reader, key: &str) -> Option<S<bool>> {
        let v = self.get(key)?;
        match v.get_ref() {
            DeValue::Boolean(b) => Some(Spanned::new(v.span(), *b)),
            _ => {
                self.wrong_type(r, key, v, "true or false");
                None
            }
        }
    }

    fn strings(&self, r: &mut Reader, key: &str) -> Option<S<Vec<S<String>>>> {
        let v = self.get(key)?;
        let DeValue::Array(items) = v.get_ref() else {
            self.wrong_type(
                r,
                key,
                v,
                &format!("an array of strings, e.g. {key} = [\"…\"]"),
            );
            return None;
        };
        let mut out = Vec::new();
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            match item.get_ref() {
                DeValue::String(s) => out.push(Spanned::new(item.span(), s.to_string())),
                _ => {
                    self.wrong_type(r, &format!("{key}[{i}]"), item, "a string");
                    ok = false;
                }
            }
        }
        ok.then(|| Spanned::new(v.span(), out))
    }

    /// A string or an array of strings (`code = "x"` or `code = ["x", "y"]`).
    fn string_or_strings(&self, r: &mut Reader, key: &str) -> Option<S<Vec<S<String>>>> {
        let v = self.get(key)?;
        match v.get_ref() {
            DeValue::String(s) => Some(Spanned::new(
                v.span(),
                vec![Spanned::new(v.span(), s.to_string())],
            )),
            _ => self.strings(r, key),
        }
    }

    /// An array of tables (`[[key]]`); each with the span of its header.
    fn tables(
        &self,
        r: &mut Reader,
        key: &str,
        header: &str,
    ) -> Vec<(Range<usize>, &'t DeTable<'i>)> {
        let Some(v) = self.get(key) else {
            return Vec::new();
        };
        let DeValue::Array(items) = v.get_ref() else {
            self.wrong_type(r, key, v, &format!("an array of tables, written {header}"));
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match item.get_ref() {
                DeValue::Table(t) => out.push((item.span(), t)),
                _ => self.wrong_type(r, &format!("{key}[{i}]"), item, "a table"),
            }
        }
        out
    }
}

fn read_file(r: &mut Reader, root: &DeTable) -> RawFile {
    let top = Fields::new(root, String::new());
    top.reject_unknown(r, "the top level", TOP_KEYS);
    let defaults = match top.get("defaults") {
        None => RawDefaults::default(),
        Some(v) => match v.get_ref() {
            DeValue::Table(t) => read_defaults(r, t),
            _ => {
                top.wrong_type(r, "defaults", v, "a table, written [defaults]");
                RawDefaults::default()
            }
        },
    };
    let services = if let Some(v) = top.get("service")
        && let DeValue::Table(_) = v.get_ref()
    {
        r.error(
            &v.span(),
            "`service` must be an array of tables: write [[service]], not [service]",
        );
        Vec::new()
    } else {
        top.tables(r, "service", "[[service]]")
            .into_iter()
            .enumerate()
            .map(|(i, (span, t))| read_service(r, i, span, t))
            .collect()
    };
    RawFile { defaults, services }
}

fn read_defaults(r: &mut Reader, t: &DeTable) -> RawDefaults {
    let f = Fields::new(t, "[defaults]".into());
    f.reject_unknown(r, "[defaults]", DEFAULT_KEYS);
    RawDefaults {
        pydynox_version: f.string(r, "pydynox_version"),
        region: f.string(r, "region"),
        engine: f.string(r, "engine"),
        allow_inconclusive: f.boolean(r, "allow_inconclusive"),
        no_table_policy: f.boolean(r, "no_table_policy"),
    }
}

fn service_scope(r: &Reader, index: usize, span: &Range<usize>, name: Option<&str>) -> String {
    let line = r.line(span);
    match name {
        Some(n) => format!("service `{n}` (line {line})"),
        None => format!("service #{} (line {line})", index + 1),
    }
}

fn read_service(r: &mut Reader, index: usize, span: Range<usize>, t: &DeTable) -> RawService {
    let mut f = Fields::new(t, service_scope(r, index, &span, None));
    let name = f.string(r, "name");
    if let Some(n) = &name {
        f.scope = service_scope(r, index, &span, Some(n.get_ref()));
    }
    f.reject_unknown(r, "[[service]]", SERVICE_KEYS);
    let before = r.errors.len();
    let role = f.string(r, "role");
    let user = f.string(r, "user");
    let principal = f.string(r, "principal");
    let features = f.strings(r, "features");
    let tables = f.strings(r, "tables");
    let indexes = f.strings(r, "indexes");
    let all_indexes = f.boolean(r, "all_indexes");
    let kms_key = f.string(r, "kms_key");
    let bucket = f.string(r, "bucket");
    let prefix = f.string(r, "prefix");
    let assume_role_arn = f.string(r, "assume_role_arn");
    let lock_table = f.string(r, "lock_table");
    let bucket_owner = f.string(r, "bucket_owner");
    let app = f.string(r, "app");
    let env = f.strings(r, "env");
    let include_tests = f.boolean(r, "include_tests");
    let pydynox_version = f.string(r, "pydynox_version");
    let context = f.strings(r, "context");
    let allow_inconclusive = f.boolean(r, "allow_inconclusive");
    let no_table_policy = f.boolean(r, "no_table_policy");
    let typed = r.errors.len() == before;
    let expected = f
        .tables(r, "expected", "[[service.expected]]")
        .into_iter()
        .map(|(span, t)| {
            let scope = format!("{}: expected exception (line {})", f.scope, r.line(&span));
            let e = Fields::new(t, scope);
            e.reject_unknown(r, "[[service.expected]]", EXPECTED_KEYS);
            RawExpected {
                span,
                action: e.string(r, "action"),
                resource: e.string(r, "resource"),
                feature: e.string(r, "feature"),
                code: e.string_or_strings(r, "code"),
                reason: e.string(r, "reason"),
            }
        })
        .collect();
    RawService {
        span,
        typed,
        name,
        role,
        user,
        principal,
        features,
        tables,
        indexes,
        all_indexes,
        kms_key,
        bucket,
        prefix,
        assume_role_arn,
        lock_table,
        bucket_owner,
        app,
        env,
        include_tests,
        pydynox_version,
        context,
        allow_inconclusive,
        no_table_policy,
        expected,
    }
}

// ---------------------------------------------------------------------------------------
// Validation: span-carrying values into the clean model.

fn validate(r: &mut Reader, cat: &Catalogue, raw: RawFile) -> Config {
    let defaults = validate_defaults(r, raw.defaults);
    if raw.services.is_empty() && r.errors.is_empty() {
        r.error_nowhere(
            "no [[service]] entries: add one per service to check (name, features, resources)",
        );
    }
    let mut first_line: BTreeMap<String, usize> = BTreeMap::new();
    let mut services = Vec::new();
    for (i, s) in raw.services.into_iter().enumerate() {
        let line = r.line(&s.span);
        if let Some(n) = &s.name
            && !n.get_ref().trim().is_empty()
        {
            match first_line.get(n.get_ref()) {
                Some(first) => r.error(
                    &n.span(),
                    format!(
                        "service `{}` (line {line}): the name is already used by the service at line {first}; names must be unique",
                        n.get_ref()
                    ),
                ),
                None => {
                    first_line.insert(n.get_ref().clone(), line);
                }
            }
        }
        if let Some(s) = validate_service(r, cat, &defaults, i, s) {
            services.push(s);
        }
    }
    Config { defaults, services }
}

fn validate_defaults(r: &mut Reader, d: RawDefaults) -> Defaults {
    let pydynox_version = d
        .pydynox_version
        .and_then(|v| match parse_version(v.get_ref()) {
            Ok(_) => Some(v.into_inner()),
            Err(e) => {
                r.error(&v.span(), format!("[defaults]: pydynox_version: {e}"));
                None
            }
        });
    let region = d.region.and_then(|v| {
        if v.get_ref().is_empty() {
            r.error(&v.span(), "[defaults]: `region` is empty");
            None
        } else if v.get_ref().contains(char::is_whitespace) {
            r.error(
                &v.span(),
                format!(
                    "[defaults]: region `{}` is not a region name (e.g. eu-west-1)",
                    v.get_ref()
                ),
            );
            None
        } else {
            Some(v.into_inner())
        }
    });
    let engine = d.engine.and_then(|v| {
        if ENGINES.contains(&v.get_ref().as_str()) {
            Some(v.into_inner())
        } else {
            r.error(
                &v.span(),
                format!(
                    "[defaults]: engine `{}` is not one of {}",
                    v.get_ref(),
                    ENGINES.join(", ")
                ),
            );
            None
        }
    });
    Defaults {
        pydynox_version,
        region,
        engine,
        allow_inconclusive: d.allow_inconclusive.is_some_and(|b| *b.get_ref()),
        no_table_policy: d.no_table_policy.is_some_and(|b| *b.get_ref()),
    }
}

fn strings_of(v: Option<S<Vec<S<String>>>>) -> Vec<String> {
    v.map(|v| v.into_inner().into_iter().map(S::into_inner).collect())
        .unwrap_or_default()
}

fn validate_service(
    r: &mut Reader,
    cat: &Catalogue,
    defaults: &Defaults,
    index: usize,
    s: RawService,
) -> Option<Service> {
    let line = r.line(&s.span);
    let errors_before = r.errors.len();
    let name = match &s.name {
        Some(n) if n.get_ref().trim().is_empty() => {
            r.error(
                &n.span(),
                format!(
                    "{}: `name` is empty",
                    service_scope(r, index, &s.span, None)
                ),
            );
            None
        }
        Some(n) if n.get_ref().contains(['\n', '\r']) => {
            r.error(
                &n.span(),
                format!(
                    "{}: `name` must be one line",
                    service_scope(r, index, &s.span, None)
                ),
            );
            None
        }
        Some(n) => Some(n.get_ref().clone()),
        None => {
            r.error(
                &s.span,
                format!(
                    "{}: `name` is required, e.g. name = \"orders-api\"",
                    service_scope(r, index, &s.span, None)
                ),
            );
            None
        }
    };
    let scope = service_scope(r, index, &s.span, name.as_deref());

    let principals: Vec<(&str, &S<String>)> = [
        ("role", &s.role),
        ("user", &s.user),
        ("principal", &s.principal),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.as_ref().map(|v| (k, v)))
    .collect();
    if let [_, second, ..] = principals.as_slice() {
        let set: Vec<String> = principals.iter().map(|(k, _)| format!("`{k}`")).collect();
        r.error(
            &second.1.span(),
            format!(
                "{scope}: set only one of `role`, `user` or `principal` (found {})",
                set.join(" and ")
            ),
        );
    }
    if let (None, Some(env)) = (&s.app, &s.env) {
        r.error(
            &env.span(),
            format!(
                "{scope}: `env` gives values to the code's environment variables; set `app` too"
            ),
        );
    }
    if let (None, Some(t)) = (&s.app, &s.include_tests) {
        r.error(
            &t.span(),
            format!(
                "{scope}: `include_tests` reads the test files of the service's code; set `app` too"
            ),
        );
    }
    if let Some(env) = &s.env
        && let Err(errs) = crate::needs::app::parse_env(
            &env.get_ref()
                .iter()
                .map(|e| e.get_ref().clone())
                .collect::<Vec<_>>(),
        )
    {
        for e in errs {
            r.error(
                &env.span(),
                format!("{scope}: {}", e.replace("--env", "`env`")),
            );
        }
    }
    let has_app = s.app.is_some();
    match &s.features {
        _ if !s.typed => {}
        None if has_app => {}
        None => r.error(
            &s.span,
            format!(
                "{scope}: `features` is required, e.g. features = [\"crud\"] (see `pydynox-iam features`)"
            ),
        ),
        Some(f) if f.get_ref().is_empty() => r.error(
            &f.span(),
            format!("{scope}: `features` is empty; name at least one feature"),
        ),
        Some(_) => {}
    }
    // Who owns the bucket decides whether its bucket policy must grant too (a bucket in
    // another account); offline nothing else can say it, so it is stated per service.
    if let Some(o) = &s.bucket_owner {
        let v = o.get_ref();
        if !crate::iam::names::is_account_id(v) {
            r.error(
                &o.span(),
                format!(
                    "{scope}: `bucket_owner` `{v}` is not an AWS account id; give the 12 digits of the account that owns the bucket"
                ),
            );
        } else if s.bucket.is_none() {
            r.error(
                &o.span(),
                format!("{scope}: `bucket_owner` names the owner of `bucket`; set `bucket` too"),
            );
        }
    }
    if let (Some(all), Some(idx)) = (&s.all_indexes, &s.indexes)
        && *all.get_ref()
        && !idx.get_ref().is_empty()
    {
        r.error(
            &all.span(),
            format!("{scope}: set `indexes` or `all_indexes = true`, not both"),
        );
    }

    // The default version was checked once, in [defaults]; an invalid one is not repeated
    // for every service.
    let pydynox_version = s
        .pydynox_version
        .map(S::into_inner)
        .or_else(|| defaults.pydynox_version.clone());
    let input = PlanInput {
        role: s.role.map(S::into_inner),
        user: s.user.map(S::into_inner),
        principal: s.principal.map(S::into_inner),
        features: strings_of(s.features),
        tables: strings_of(s.tables),
        indexes: strings_of(s.indexes),
        all_indexes: s.all_indexes.is_some_and(|b| *b.get_ref()),
        kms_key: s.kms_key.map(S::into_inner),
        bucket: s.bucket.map(S::into_inner),
        prefix: s.prefix.map(S::into_inner).unwrap_or_default(),
        assume_role_arn: s.assume_role_arn.map(S::into_inner),
        lock_table: s.lock_table.map(S::into_inner),
        pydynox_version,
        context: strings_of(s.context),
    };
    let plan = match build_plan(cat, &input) {
        _ if !s.typed => None,
        Ok(p) => Some(p),
        // With `app` the code gives the features; the caller adds them.
        Err(errs) if has_app && errs.iter().all(|e| e == crate::needs::plan::NO_FEATURE) => {
            let mut p = build_plan(
                cat,
                &PlanInput {
                    features: vec!["ping".into()],
                    ..input.clone()
                },
            )
            .ok();
            if let Some(p) = &mut p {
                p.features.clear();
            }
            p
        }
        Err(errs) => {
            for e in errs {
                r.error(&s.span, format!("{scope}: {e}"));
            }
            None
        }
    };
    let expected: Vec<Expected> = s
        .expected
        .into_iter()
        // With `app`, what the service checks is known only once the code is read.
        .filter_map(|e| validate_expected(r, cat, &scope, plan.as_ref().filter(|_| !has_app), e))
        .collect();
    let allow_inconclusive = s
        .allow_inconclusive
        .map(|b| *b.get_ref())
        .unwrap_or(defaults.allow_inconclusive);
    let no_table_policy = s
        .no_table_policy
        .map(|b| *b.get_ref())
        .unwrap_or(defaults.no_table_policy);
    if r.errors.len() != errors_before {
        return None;
    }
    Some(Service {
        name: name?,
        plan: plan?,
        input,
        allow_inconclusive,
        no_table_policy,
        bucket_owner: s.bucket_owner.map(S::into_inner),
        expected,
        line,
        app: s.app.map(S::into_inner),
        env: strings_of(s.env),
        include_tests: s.include_tests.is_some_and(S::into_inner),
    })
}

/// `service:Action`: a service prefix of letters, digits and `-`, an action name of
/// letters and digits.
fn action_error(action: &str) -> Option<&'static str> {
    let Some((service, name)) = action.split_once(':') else {
        return Some("has no service prefix");
    };
    let service_ok = !service.is_empty()
        && service
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-');
    let name_ok = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric());
    (!service_ok || !name_ok).then_some("is not an action name")
}

/// The actions a plan checks (lowercased), optionally only those of one feature.
fn checked_actions(cat: &Catalogue, plan: &CheckPlan, feature: Option<&str>) -> Vec<String> {
    let mut out = Vec::new();
    for name in &plan.features {
        if feature.is_some_and(|f| f != name) {
            continue;
        }
        let Some(f) = cat.feature(name) else { continue };
        for c in cat.checks_for(f, &plan.version) {
            if c.only_with
                .as_deref()
                .is_some_and(|w| !plan.resources.declares(w))
            {
                continue;
            }
            out.push(c.action.to_ascii_lowercase());
        }
    }
    out
}

/// The features that check `action` (only `feature`, if named), and on how many distinct
/// resources: the plan expanded with placeholder account and region, which is enough to count.
fn rows_of(
    cat: &Catalogue,
    plan: &CheckPlan,
    action: &str,
    feature: Option<&str>,
) -> (Vec<String>, usize) {
    let env = crate::needs::plan::Env {
        partition: "aws".into(),
        region: "region".into(),
        account: "account".into(),
        key_arn: Some("key".into()),
    };
    let mut features: Vec<String> = Vec::new();
    let mut resources = std::collections::BTreeSet::new();
    for c in crate::needs::plan::expand(cat, plan, &env) {
        if !c.action.eq_ignore_ascii_case(action) || feature.is_some_and(|f| f != c.feature) {
            continue;
        }
        if !features.contains(&c.feature) {
            features.push(c.feature.clone());
        }
        resources.insert(c.resource);
    }
    (features, resources.len())
}

fn validate_expected(
    r: &mut Reader,
    cat: &Catalogue,
    service_scope: &str,
    plan: Option<&CheckPlan>,
    e: RawExpected,
) -> Option<Expected> {
    let scope = format!(
        "{service_scope}: expected exception (line {})",
        r.line(&e.span)
    );
    let errors_before = r.errors.len();
    let action = match e.action {
        None => {
            r.error(
                &e.span,
                format!("{scope}: `action` is required, e.g. action = \"dynamodb:DeleteItem\""),
            );
            None
        }
        Some(a) => match action_error(a.get_ref()) {
            Some(problem) => {
                r.error(
                    &a.span(),
                    format!(
                        "{scope}: action `{}` {problem}; write service:Action, e.g. dynamodb:DeleteItem",
                        a.get_ref()
                    ),
                );
                None
            }
            None => Some(a),
        },
    };
    let reason = match e.reason {
        None => {
            r.error(
                &e.span,
                format!("{scope}: `reason` is required: say why this failure is accepted"),
            );
            None
        }
        Some(s) if s.get_ref().trim().is_empty() => {
            r.error(
                &s.span(),
                format!("{scope}: `reason` is empty: say why this failure is accepted"),
            );
            None
        }
        Some(s) => Some(s.into_inner()),
    };
    let resource = match e.resource {
        Some(res) if res.get_ref().trim().is_empty() => {
            r.error(
                &res.span(),
                format!("{scope}: `resource` is empty; leave it out to match any resource"),
            );
            None
        }
        other => other.map(S::into_inner),
    };
    let feature = match e.feature {
        None => None,
        Some(f) => match cat.resolve_features(&[f.get_ref()]) {
            Ok(names) if names.len() == 1 => {
                let canonical = names.into_iter().next().expect("one");
                if let Some(p) = plan
                    && !p.features.contains(&canonical)
                {
                    r.error(
                        &f.span(),
                        format!(
                            "{scope}: feature `{}` is not checked for this service (its features: {})",
                            f.get_ref(),
                            p.features.join(", ")
                        ),
                    );
                }
                Some(canonical)
            }
            Ok(names) => {
                r.error(
                    &f.span(),
                    format!(
                        "{scope}: `{}` names several features ({}); name one, or leave `feature` out",
                        f.get_ref(),
                        names.join(", ")
                    ),
                );
                None
            }
            Err(err) => {
                r.error(&f.span(), format!("{scope}: {err}"));
                None
            }
        },
    };
    if let (Some(a), Some(p)) = (&action, plan)
        && r.errors.len() == errors_before
        && !checked_actions(cat, p, feature.as_deref()).contains(&a.get_ref().to_ascii_lowercase())
    {
        let by = match &feature {
            Some(f) => format!("feature `{f}`"),
            None => format!("this service's features ({})", p.features.join(", ")),
        };
        r.error(
            &a.span(),
            format!(
                "{scope}: action `{}` is not checked by {by}, so this exception can never match",
                a.get_ref()
            ),
        );
    }
    let codes = match e.code {
        None => DEFAULT_WAIVED_CODES.iter().map(|c| c.to_string()).collect(),
        Some(list) if list.get_ref().is_empty() => {
            r.error(
                &list.span(),
                format!("{scope}: `code` is empty; leave it out to waive `no-allow` only"),
            );
            Vec::new()
        }
        Some(list) => {
            let mut out = Vec::new();
            for c in list.into_inner() {
                if WAIVABLE_CODES.contains(&c.get_ref().as_str()) {
                    out.push(c.into_inner());
                } else if c.get_ref() == "allowed" {
                    r.error(
                        &c.span(),
                        format!(
                            "{scope}: `allowed` cannot be waived: a PASS row needs no exception"
                        ),
                    );
                } else {
                    r.error(
                        &c.span(),
                        format!(
                            "{scope}: `{}` is not a reason code; known codes: {}",
                            c.get_ref(),
                            WAIVABLE_CODES.join(", ")
                        ),
                    );
                }
            }
            out
        }
    };
    if let (Some(a), Some(p)) = (&action, plan)
        && r.errors.len() == errors_before
    {
        let (features, resources) = rows_of(cat, p, a.get_ref(), feature.as_deref());
        if feature.is_none() && features.len() > 1 {
            r.error(
                &a.span(),
                format!(
                    "{scope}: `{}` is checked by features {}, which are different requests (a transaction's element is not the plain call); name the one this exception is for with `feature`",
                    a.get_ref(),
                    features.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(" and ")
                ),
            );
        } else if resource.is_none() && resources > 1 {
            r.error(
                &a.span(),
                format!(
                    "{scope}: `{}` is checked on {resources} resources; name the one this exception is for with `resource` (a pattern; `resource = \"*\"` waives them all)",
                    a.get_ref()
                ),
            );
        }
    }
    if r.errors.len() != errors_before {
        return None;
    }
    Some(Expected {
        action: action?.into_inner(),
        resource,
        feature,
        codes,
        reason: reason?,
        line: r.line(&e.span),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::needs::plan::{IndexSelection, PrincipalSelector};

    fn cat() -> Catalogue {
        Catalogue::embedded()
    }

    fn errors(text: &str) -> Vec<ConfigError> {
        parse(text, &cat()).expect_err("config should be rejected")
    }

    /// (line, message) pairs, for compact assertions.
    fn lines(errs: &[ConfigError]) -> Vec<(Option<usize>, String)> {
        errs.iter().map(|e| (e.line, e.message.clone())).collect()
    }

    fn has(errs: &[ConfigError], line: usize, needle: &str) {
        assert!(
            errs.iter()
                .any(|e| e.line == Some(line) && e.message.contains(needle)),
            "no error at line {line} containing {needle:?} in {:#?}",
            lines(errs)
        );
    }

    /// The example in this module's documentation, so the docs cannot drift from the parser.
    fn doc_example() -> String {
        let src = include_str!("config.rs");
        let start = src.find("//! ```toml\n").expect("doc example") + "//! ```toml\n".len();
        let end = start + src[start..].find("//! ```\n").expect("end of doc example");
        src[start..end]
            .lines()
            .map(|l| {
                l.strip_prefix("//! ")
                    .or(l.strip_prefix("//!"))
                    .unwrap_or(l)
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn documented_example_parses_into_the_model() {
        let c = parse(&doc_example(), &cat()).unwrap_or_else(|e| panic!("{e:#?}"));
        assert_eq!(
            c.defaults,
            Defaults {
                pydynox_version: Some("1.3.0".into()),
                region: Some("eu-west-1".into()),
                engine: Some("auto".into()),
                allow_inconclusive: false,
                no_table_policy: false,
            }
        );
        assert_eq!(c.services.len(), 2);
        let s = &c.services[0];
        assert_eq!((s.name.as_str(), s.line), ("orders-api", 9));
        assert!(matches!(&s.plan.principal, PrincipalSelector::Named(p) if p.name == "orders-api"));
        assert_eq!(
            s.plan.features,
            vec!["crud", "indexes", "encryption-readwrite"]
        );
        assert_eq!(
            s.plan.resources.indexes,
            IndexSelection::Named(vec!["by-customer".into()])
        );
        assert_eq!(s.plan.resources.prefix, "avatars/");
        assert_eq!(s.plan.extra_context.len(), 1);
        assert_eq!(s.input.context, vec!["aws:SourceIp=ip:10.0.0.1"]);
        assert_eq!(
            s.expected,
            vec![Expected {
                action: "dynamodb:DeleteItem".into(),
                resource: Some("arn:aws:dynamodb:*:*:table/orders".into()),
                feature: Some("crud".into()),
                codes: vec!["no-allow".into()],
                reason: "deletes go through the admin API".into(),
                line: 26,
            }]
        );
        assert_eq!(s.plan.resources.lock_table.as_deref(), Some("orders-locks"));
        assert_eq!(s.bucket_owner.as_deref(), Some("111122223333"));
        assert!(!s.no_table_policy);
        let s = &c.services[1];
        assert_eq!((s.name.as_str(), s.line), ("reports-job", 33));
        assert!(s.expected.is_empty());
    }

    #[test]
    fn defaults_merge_and_the_service_wins() {
        let text = r#"
[defaults]
pydynox_version = "0.13.0"
allow_inconclusive = true

[[service]]
name = "a"
features = ["crud"]
tables = ["t"]

[[service]]
name = "b"
features = ["crud"]
tables = ["t"]
pydynox_version = "1.3.0"
allow_inconclusive = false
"#;
        let c = parse(text, &cat()).unwrap();
        let a = &c.services[0];
        let b = &c.services[1];
        assert_eq!(a.plan.version.to_string(), "0.13.0");
        assert_eq!(a.input.pydynox_version.as_deref(), Some("0.13.0"));
        assert!(a.allow_inconclusive);
        assert_eq!(b.plan.version.to_string(), "1.3.0");
        assert!(!b.allow_inconclusive);
        assert_eq!(a.plan.principal, PrincipalSelector::Caller);
        assert_eq!(c.defaults.engine, None);
    }

    #[test]
    fn syntax_error_is_one_error_with_its_position() {
        let errs = errors("[defaults]\nregion = \"eu-west-1\"\nengine = \n");
        assert_eq!(errs.len(), 1, "{errs:#?}");
        assert_eq!(errs[0].line, Some(3));
        assert!(errs[0].column.is_some());
        assert!(errs[0].message.starts_with("invalid TOML: "), "{errs:#?}");
        // A duplicate key is the parser's to report, too.
        let errs = errors("[[service]]\nname = \"a\"\nname = \"b\"\n");
        assert_eq!(lines(&errs).len(), 1);
        has(&errs, 3, "duplicate key");
    }

    #[test]
    fn unknown_keys_name_the_allowed_ones() {
        let text = r#"colour = "red"
[defaults]
regoin = "eu-west-1"

[[service]]
name = "a"
features = ["crud"]
tables = ["t"]
rol = "x"

  [[service.expected]]
  action = "dynamodb:DeleteItem"
  reason = "r"
  why = "no"
"#;
        let errs = errors(text);
        assert_eq!(errs.len(), 4, "{:#?}", lines(&errs));
        has(
            &errs,
            1,
            "unknown key `colour` in the top level; allowed keys: defaults, service",
        );
        has(
            &errs,
            3,
            "[defaults]: unknown key `regoin` in [defaults] (did you mean `region`?)",
        );
        has(
            &errs,
            9,
            "service `a` (line 5): unknown key `rol` in [[service]] (did you mean `role`?); allowed keys: name, role, user",
        );
        has(
            &errs,
            14,
            "expected exception (line 11): unknown key `why` in [[service.expected]]",
        );
        assert_eq!((errs[2].line, errs[2].column), (Some(9), Some(1)));
    }

    #[test]
    fn wrong_types_are_reported_with_what_was_found() {
        let text = r#"defaults = 3
service = { name = "a" }
"#;
        let errs = errors(text);
        has(
            &errs,
            1,
            "`defaults` must be a table, written [defaults], found integer",
        );
        has(
            &errs,
            2,
            "`service` must be an array of tables: write [[service]], not [service]",
        );

        let text = r#"
[[service]]
name = "a"
features = "crud"
tables = ["t", 3]
all_indexes = "yes"
expected = 1
"#;
        let errs = errors(text);
        has(
            &errs,
            4,
            "service `a` (line 2): `features` must be an array of strings, e.g. features = [\"…\"], found string",
        );
        has(&errs, 5, "`tables[1]` must be a string, found integer");
        has(
            &errs,
            6,
            "`all_indexes` must be true or false, found string",
        );
        has(
            &errs,
            7,
            "`expected` must be an array of tables, written [[service.expected]], found integer",
        );
        assert_eq!(errs.len(), 4, "{:#?}", lines(&errs));
        assert_eq!(
            errs.iter().find(|e| e.line == Some(5)).unwrap().column,
            Some(16)
        );
    }

    #[test]
    fn names_are_required_and_unique() {
        let text = r#"
[[service]]
name = "a"
features = ["crud"]
tables = ["t"]

[[service]]
features = ["crud"]
tables = ["t"]

[[service]]
name = "a"
features = ["crud"]
tables = ["t"]

[[service]]
name = " "
features = ["crud"]
tables = ["t"]
"#;
        let errs = errors(text);
        assert_eq!(errs.len(), 3, "{:#?}", lines(&errs));
        has(&errs, 7, "service #2 (line 7): `name` is required");
        has(
            &errs,
            12,
            "service `a` (line 11): the name is already used by the service at line 2",
        );
        has(&errs, 17, "service #4 (line 16): `name` is empty");
    }

    #[test]
    fn one_principal_key_at_most() {
        let text = r#"[[service]]
name = "a"
role = "r"
user = "u"
principal = "arn:aws:iam::111122223333:role/r"
features = ["ping"]
"#;
        let errs = errors(text);
        assert_eq!(errs.len(), 1, "{:#?}", lines(&errs));
        has(
            &errs,
            4,
            "service `a` (line 1): set only one of `role`, `user` or `principal` (found `role` and `user` and `principal`)",
        );
    }

    #[test]
    fn plan_errors_carry_the_service_and_its_line() {
        let text = r#"[defaults]
engine = "aws"

[[service]]
name = "ok"
features = ["ping"]

[[service]]
name = "orders-api"
features = ["crud", "indexes", "nope"]
tables = ["orders"]
"#;
        let errs = errors(text);
        has(
            &errs,
            8,
            "service `orders-api` (line 8): unknown feature `nope`",
        );
        let text = r#"[[service]]
name = "orders-api"
features = ["crud", "indexes", "encryption"]
tables = ["orders"]
bucket = "a/b"
context = ["novalue"]
pydynox_version = "one"
"#;
        let errs = errors(text);
        assert_eq!(errs.len(), 3, "{:#?}", lines(&errs));
        for e in &errs {
            assert_eq!((e.line, e.column), (Some(1), Some(1)));
            assert!(
                e.message.starts_with("service `orders-api` (line 1): "),
                "{e}"
            );
        }
        has(&errs, 1, "--bucket `a/b` must be a bucket name");
        has(&errs, 1, "--context: `novalue` is not KEY=TYPE:VALUE");
        has(&errs, 1, "`one` is not a pydynox version");

        let text = "[[service]]\nname = \"orders-api\"\nfeatures = [\"crud\", \"indexes\"]\ntables = [\"orders\"]\n";
        let errs = errors(text);
        assert_eq!(
            errs[0].display_in("pydynox-iam.toml"),
            "pydynox-iam.toml:1:1: service `orders-api` (line 1): feature `indexes` needs --index or --all-indexes"
        );
    }

    #[test]
    fn app_makes_features_optional_and_env_needs_app() {
        let cat = Catalogue::embedded();
        let ok = parse(
            "[[service]]\nname = \"a\"\nrole = \"r\"\napp = \"src\"\nenv = [\"T=orders\"]\n",
            &cat,
        )
        .unwrap();
        assert_eq!(ok.services[0].app.as_deref(), Some("src"));
        assert_eq!(ok.services[0].env, vec!["T=orders"]);
        assert!(ok.services[0].plan.features.is_empty());
        let errs = errors("[[service]]\nname = \"b\"\nfeatures = [\"ping\"]\nenv = [\"T=x\"]\n");
        has(
            &errs,
            4,
            "service `b` (line 1): `env` gives values to the code's environment variables; set `app` too",
        );
        let errs = errors("[[service]]\nname = \"c\"\napp = \"src\"\nenv = [\"novalue\"]\n");
        has(&errs, 4, "`env` `novalue` is not NAME=VALUE");
    }

    #[test]
    fn features_are_required_and_index_keys_exclusive() {
        let text = r#"[[service]]
name = "a"
tables = ["t"]

[[service]]
name = "b"
features = []

[[service]]
name = "c"
features = ["indexes"]
tables = ["t"]
indexes = ["i"]
all_indexes = true
"#;
        let errs = errors(text);
        has(&errs, 1, "service `a` (line 1): `features` is required");
        has(&errs, 7, "service `b` (line 5): `features` is empty");
        has(
            &errs,
            14,
            "service `c` (line 9): set `indexes` or `all_indexes = true`, not both",
        );
    }

    #[test]
    fn defaults_are_validated_once() {
        let text = r#"[defaults]
engine = "simulator"
pydynox_version = "latest"
region = ""
allow_inconclusive = "no"

[[service]]
name = "a"
features = ["ping"]

[[service]]
name = "b"
features = ["ping"]
"#;
        let errs = errors(text);
        assert_eq!(errs.len(), 4, "{:#?}", lines(&errs));
        has(
            &errs,
            2,
            "[defaults]: engine `simulator` is not one of aws, local, both, auto",
        );
        has(
            &errs,
            3,
            "[defaults]: pydynox_version: `latest` is not a pydynox version",
        );
        has(&errs, 4, "[defaults]: `region` is empty");
        has(
            &errs,
            5,
            "[defaults]: `allow_inconclusive` must be true or false, found string",
        );
    }

    #[test]
    fn expected_exceptions_are_validated() {
        let text = r#"[[service]]
name = "a"
features = ["crud", "indexes"]
tables = ["t"]
all_indexes = true

  [[service.expected]]
  reason = "r"

  [[service.expected]]
  action = "DeleteItem"
  reason = "  "

  [[service.expected]]
  action = "dynamodb:Delete Item"
  reason = "r"

  [[service.expected]]
  action = "dynamodb:DeleteItem"
  feature = "basic-crud"
  reason = "r"

  [[service.expected]]
  action = "dynamodb:DeleteItem"
  feature = "encryption"
  reason = "r"

  [[service.expected]]
  action = "dynamodb:DeleteItems"
  reason = "r"

  [[service.expected]]
  action = "dynamodb:DeleteItem"
  feature = "indexes"
  resource = ""
  reason = "r"

  [[service.expected]]
  action = "dynamodb:DeleteItem"
"#;
        let errs = errors(text);
        let scope = "service `a` (line 1): expected exception";
        has(&errs, 7, &format!("{scope} (line 7): `action` is required"));
        has(
            &errs,
            11,
            "action `DeleteItem` has no service prefix; write service:Action",
        );
        has(&errs, 12, "(line 10): `reason` is empty");
        has(
            &errs,
            15,
            "action `dynamodb:Delete Item` is not an action name",
        );
        has(
            &errs,
            20,
            "`basic-crud` names several features (crud, query, scan)",
        );
        has(
            &errs,
            25,
            "feature `encryption` is not checked for this service (its features: crud, indexes)",
        );
        has(
            &errs,
            29,
            "action `dynamodb:DeleteItems` is not checked by this service's features (crud, indexes), so this exception can never match",
        );
        has(&errs, 35, "`resource` is empty");
        has(&errs, 38, "(line 38): `reason` is required");
        assert_eq!(errs.len(), 9, "{:#?}", lines(&errs));

        // The action is checked against the named feature.
        let text = r#"[[service]]
name = "a"
features = ["crud", "indexes"]
tables = ["t"]
all_indexes = true

  [[service.expected]]
  action = "dynamodb:DeleteItem"
  feature = "gsi"
  reason = "r"
"#;
        let errs = errors(text);
        assert_eq!(errs.len(), 1, "{:#?}", lines(&errs));
        has(
            &errs,
            8,
            "action `dynamodb:DeleteItem` is not checked by feature `indexes`",
        );
    }

    #[test]
    fn several_errors_in_several_places_come_together_in_file_order() {
        let text = r#"[defaults]
engine = "fast"

[[service]]
name = "a"
features = ["crud"]
tables = ["t"]
color = "blue"

[[service]]
name = "b"
role = "r"
user = "u"
features = ["crud"]

  [[service.expected]]
  action = "dynamodb:GetItem"
"#;
        let errs = errors(text);
        let got: Vec<Option<usize>> = errs.iter().map(|e| e.line).collect();
        assert_eq!(
            got,
            vec![Some(2), Some(8), Some(10), Some(13), Some(16)],
            "{:#?}",
            lines(&errs)
        );
        has(
            &errs,
            10,
            "service `b` (line 10): feature `crud` needs --table",
        );
        let rendered = render_errors("svc.toml", &errs);
        assert_eq!(rendered.lines().count(), 5);
        assert!(
            rendered.starts_with("svc.toml:2:10: [defaults]: engine `fast`"),
            "{rendered}"
        );
    }

    #[test]
    fn an_empty_file_checks_nothing_and_says_so() {
        let errs = errors("# nothing\n[defaults]\nengine = \"aws\"\n");
        assert_eq!(
            lines(&errs),
            vec![(
                None,
                "no [[service]] entries: add one per service to check (name, features, resources)"
                    .to_string()
            )]
        );
        assert_eq!(
            render_errors("p.toml", &errs),
            "p.toml: no [[service]] entries: add one per service to check (name, features, resources)\n"
        );
        assert_eq!(errs[0].to_string(), errs[0].message);
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let text =
            "[[service]]\nname = \"ünï\"\nfeatures = [\"ping\"]\n\"ключ\" = 1\n[defaults]\nx = 1\n";
        let errs = errors(text);
        has(&errs, 4, "unknown key `ключ`");
        assert_eq!(errs[0].column, Some(1));
        let text = "[defaults]\nengine = \"é\" ; x = 1\n";
        let errs = errors(text);
        assert_eq!(errs.len(), 1);
        assert_eq!(
            (errs[0].line, errs[0].column),
            (Some(2), Some(14)),
            "{errs:#?}"
        );
    }

    #[test]
    fn two_hundred_services_parse() {
        let mut text = String::from("[defaults]\npydynox_version = \"1.3.0\"\n");
        for i in 0..200 {
            text.push_str(&format!(
                "\n[[service]]\nname = \"svc-{i}\"\nrole = \"role-{i}\"\nfeatures = [\"crud\", \"indexes\"]\ntables = [\"table-{i}\"]\nindexes = [\"by-id\"]\n\n  [[service.expected]]\n  action = \"dynamodb:DeleteItem\"\n  reason = \"admin only\"\n"
            ));
        }
        let c = parse(&text, &cat()).unwrap_or_else(|e| panic!("{e:#?}"));
        assert_eq!(c.services.len(), 200);
        assert_eq!(c.services[199].name, "svc-199");
        assert_eq!(c.services[199].line, 3 + 199 * 11 + 1);
        assert!(c.services.iter().all(|s| s.expected.len() == 1));
    }

    /// A report row's (feature, action, resource).
    fn row<'a>(feature: &'a str, action: &'a str, resource: &'a str) -> [&'a str; 3] {
        [feature, action, resource]
    }

    #[test]
    fn expected_matches_rows() {
        let e = |resource: Option<&str>, feature: Option<&str>| Expected {
            action: "dynamodb:DeleteItem".into(),
            resource: resource.map(Into::into),
            feature: feature.map(Into::into),
            codes: vec!["no-allow".into()],
            reason: "r".into(),
            line: 1,
        };
        let t = "arn:aws:dynamodb:eu-west-1:111122223333:table/orders";
        // (exception, row, expected)
        let cases = [
            (e(None, None), row("crud", "dynamodb:DeleteItem", t), true),
            (e(None, None), row("crud", "DynamoDB:deleteitem", t), true),
            (e(None, None), row("crud", "dynamodb:GetItem", t), false),
            (
                e(Some(t), None),
                row("crud", "dynamodb:DeleteItem", t),
                true,
            ),
            (
                e(Some("arn:aws:dynamodb:*:*:table/orders"), None),
                row("crud", "dynamodb:DeleteItem", t),
                true,
            ),
            (
                e(Some("arn:aws:dynamodb:*:*:table/ord?rs"), None),
                row("crud", "dynamodb:DeleteItem", t),
                true,
            ),
            (
                e(Some("arn:aws:dynamodb:*:*:table/users"), None),
                row("crud", "dynamodb:DeleteItem", t),
                false,
            ),
            (
                e(Some("*:table/Orders"), None),
                row("crud", "dynamodb:DeleteItem", t),
                false,
            ),
            (
                e(Some("*"), Some("crud")),
                row("crud", "dynamodb:DeleteItem", t),
                true,
            ),
            (
                e(None, Some("crud")),
                row("batch", "dynamodb:DeleteItem", t),
                false,
            ),
        ];
        for (i, (exc, r, want)) in cases.iter().enumerate() {
            assert_eq!(
                exc.matches(r[0], r[1], r[2]),
                *want,
                "case {i}: {exc:?} vs {} {}",
                r[1],
                r[2]
            );
        }
    }

    #[test]
    fn feature_aliases_naming_one_feature_are_canonicalised() {
        let text = r#"[[service]]
name = "a"
features = ["gsi"]
tables = ["t"]
all_indexes = true

  [[service.expected]]
  action = "dynamodb:query"
  feature = "GSI"
  reason = "r"
"#;
        let c = parse(text, &cat()).unwrap_or_else(|e| panic!("{e:#?}"));
        assert_eq!(
            c.services[0].expected[0].feature.as_deref(),
            Some("indexes")
        );
        assert!(c.services[0].expected[0].matches("indexes", "dynamodb:Query", "x"));
    }

    #[test]
    fn bucket_owner_is_an_account_and_needs_a_bucket() {
        let text = r#"[[service]]
name = "a"
features = ["s3-attribute"]
bucket = "media"
bucket_owner = "111122223333"

[[service]]
name = "b"
features = ["s3-attribute"]
bucket = "media"
bucket_owner = "11112222333"

[[service]]
name = "c"
features = ["crud"]
tables = ["t"]
bucket_owner = "111122223333"
"#;
        let errs = errors(text);
        has(
            &errs,
            11,
            "`bucket_owner` `11112222333` is not an AWS account id",
        );
        has(
            &errs,
            17,
            "`bucket_owner` names the owner of `bucket`; set `bucket` too",
        );
        let ok = &text[..text.find("[[service]]\nname = \"b\"").unwrap()];
        let c = parse(ok, &cat()).unwrap_or_else(|e| panic!("{e:#?}"));
        assert_eq!(c.services[0].bucket_owner.as_deref(), Some("111122223333"));
    }

    #[test]
    fn lock_table_and_no_table_policy_are_service_keys() {
        let text = r#"[defaults]
no_table_policy = true

[[service]]
name = "a"
features = ["locks"]
lock_table = "locks"

[[service]]
name = "b"
features = ["locks"]
lock_table = "locks"
no_table_policy = false

[[service]]
name = "c"
features = ["locks"]
"#;
        let errs = errors(text);
        has(
            &errs,
            15,
            "service `c` (line 15): feature `locks` needs --lock-table",
        );
        let ok = &text[..text.find("[[service]]\nname = \"c\"").unwrap()];
        let c = parse(ok, &cat()).unwrap_or_else(|e| panic!("{e:#?}"));
        assert!(c.services[0].no_table_policy);
        assert!(!c.services[1].no_table_policy);
        assert_eq!(
            c.services[0].plan.resources.lock_table.as_deref(),
            Some("locks")
        );
        let errs = errors(
            "[[service]]\nname = \"a\"\nfeatures = [\"locks\"]\nlock_table = \"arn:aws:s3:::x\"\n",
        );
        has(
            &errs,
            1,
            "--lock-table `arn:aws:s3:::x` is not a DynamoDB table ARN",
        );
    }

    #[test]
    fn an_exception_must_name_its_rows_and_the_codes_it_waives() {
        let text = r#"[[service]]
name = "a"
features = ["crud", "transactions"]
tables = ["t", "u"]

  [[service.expected]]
  action = "dynamodb:DeleteItem"
  reason = "r"

  [[service.expected]]
  action = "dynamodb:DeleteItem"
  feature = "crud"
  reason = "r"

  [[service.expected]]
  action = "dynamodb:DeleteItem"
  feature = "crud"
  resource = "arn:aws:dynamodb:*:*:table/t"
  code = ["explicit-deny", "allowed", "nope"]
  reason = "r"

  [[service.expected]]
  action = "dynamodb:DeleteItem"
  feature = "crud"
  resource = "*"
  code = []
  reason = "r"
"#;
        let errs = errors(text);
        has(&errs, 7, "is checked by features `crud` and `transactions`");
        has(&errs, 11, "is checked on 2 resources; name the one");
        has(&errs, 19, "`allowed` cannot be waived");
        has(&errs, 19, "`nope` is not a reason code");
        has(&errs, 26, "`code` is empty");
        assert_eq!(errs.len(), 5, "{:#?}", lines(&errs));

        let ok = r#"[[service]]
name = "a"
features = ["crud", "transactions"]
tables = ["t"]

  [[service.expected]]
  action = "dynamodb:DeleteItem"
  feature = "transactions"
  code = "explicit-deny"
  reason = "r"

  [[service.expected]]
  action = "dynamodb:GetItem"
  feature = "crud"
  reason = "r"
"#;
        let c = parse(ok, &cat()).unwrap_or_else(|e| panic!("{e:#?}"));
        let e = &c.services[0].expected;
        assert_eq!(e[0].codes, vec!["explicit-deny"]);
        assert_eq!((e[0].line, e[1].line), (6, 12));
        assert_eq!(e[1].codes, DEFAULT_WAIVED_CODES);
        assert!(e[1].waives_code("no-allow") && !e[1].waives_code("explicit-deny"));
        assert!(!e[1].waives_code("missing-context"));
    }
}
