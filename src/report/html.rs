//! The HTML report (`--format html`): one self-contained file a CI system can keep as an
//! artifact. For a fleet, a matrix of services (grouped by account when the services are in
//! several) by features, each cell coloured by verdict and linking to its drill-down; for
//! every service, the same content as the table: the overall verdict, each feature with its
//! rows, reasons, deciding statements and fix policy, the notes, least-privilege findings and
//! the legend of full ARNs. Writes to any `io::Write`; decides no verdict (it is given them).
//!
//! Self-contained: inline CSS and one small inline script, no URL that loads anything (a
//! Content-Security-Policy meta tag forbids every fetch, and the page declares an empty
//! favicon so a browser asks for none). The content works without JavaScript (`<details>`
//! for the drill-down); the script only adds the filters (failing only, account, feature,
//! also read from the page's query string: `?failing=1&feature=crud&account=111122223333`) and
//! opens the feature a link points to. Everything from the run (names, Sids, policy text,
//! reasons) is escaped by [`esc`]; element ids are built from indexes, never from names.

use std::collections::BTreeSet;
use std::io::{self, Write};

use crate::report::ci::ServiceReport;
use crate::report::model::{Report, Row, RowOutcome, Verdict};
use crate::report::resources::{ShortNames, context_tag, groups, statement_summary};

/// Text escaped for HTML content and attribute values (quoted with `"`).
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters other than tab and line breaks are not allowed in HTML text.
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// A message in the house style, where user input is in backticks: those spans become
/// `<code>`, everything escaped.
fn message(s: &str) -> String {
    let parts: Vec<&str> = s.split('`').collect();
    if parts.len().is_multiple_of(2) {
        return esc(s);
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            if i % 2 == 0 {
                esc(p)
            } else {
                format!("<code>{}</code>", esc(p))
            }
        })
        .collect()
}

/// The CSS class of a verdict or outcome.
fn class(o: RowOutcome) -> &'static str {
    match o {
        RowOutcome::Pass => "pass",
        RowOutcome::Fail => "fail",
        RowOutcome::Inconclusive => "inconclusive",
        RowOutcome::InconclusiveAllowed | RowOutcome::Waived => "skip",
    }
}

fn verdict_class(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "pass",
        Verdict::Fail => "fail",
        Verdict::Inconclusive => "inconclusive",
    }
}

fn outcome_label(o: RowOutcome, v: Verdict) -> String {
    match o {
        RowOutcome::Waived => format!("{} (expected)", v.as_str()),
        RowOutcome::InconclusiveAllowed => "INCONCLUSIVE (allowed)".into(),
        _ => v.as_str().into(),
    }
}

const STYLE: &str = r#"
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5em;color:#1b1f24;background:#fff}
h1{font-size:1.4em;margin:0 0 .3em}h2{font-size:1.2em;margin:1.5em 0 .3em;border-top:1px solid #d0d7de;padding-top:.8em}
h3{font-size:1em;margin:.8em 0 .3em}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
pre{background:#f6f8fa;padding:.6em;overflow:auto;margin:.3em 0}
table{border-collapse:collapse}td,th{border:1px solid #d0d7de;padding:2px 6px;text-align:left;vertical-align:top}
.matrix{overflow:auto;max-height:80vh}.matrix table{font-size:12px}
.matrix th{position:sticky;top:0;background:#f6f8fa}.matrix th.svc{left:0;z-index:1}
.matrix td.svc{position:sticky;left:0;background:#fff;white-space:nowrap}
.matrix td.cell{text-align:center;padding:0}.matrix td.cell a{display:block;padding:2px 6px;color:inherit;text-decoration:none}
.matrix tr.account th{background:#eaeef2;text-align:left}
.pass{background:#dafbe1}.fail{background:#ffd8d3}.inconclusive{background:#fff1c2}.skip{background:#eaeef2}.none{background:#fff;color:#8c959f}
.v{font-weight:600;padding:0 4px;border-radius:3px}
details.feature{margin:.3em 0;border:1px solid #d0d7de;border-radius:4px;padding:.2em .6em}
details.feature>summary{cursor:pointer}
.fix{border-left:3px solid #cf222e;padding-left:.6em;margin:.4em 0}
.legend td:first-child{white-space:nowrap}
.muted{color:#57606a}
form#filters{margin:.6em 0;display:flex;gap:1em;flex-wrap:wrap;align-items:center}
[hidden]{display:none!important}
"#;

/// The filters: shown only when the script runs (without it the form stays hidden).
const SCRIPT: &str = r#"
(function(){
var f=document.getElementById('filters');if(!f)return;f.hidden=false;
var failing=document.getElementById('f-failing'),account=document.getElementById('f-account'),feature=document.getElementById('f-feature');
var q=new URLSearchParams(location.search);
if(q.get('failing')==='1')failing.checked=true;
if(q.has('account')&&account)account.value=q.get('account');
if(q.has('feature')&&feature)feature.value=q.get('feature');
function apply(){
 var fo=failing.checked,ac=account?account.value:'',fe=feature?feature.value:'';
 document.querySelectorAll('[data-service]').forEach(function(e){
  var hide=(fo&&e.dataset.verdict==='PASS')||(ac!==''&&e.dataset.account!==ac);
  e.hidden=hide;});
 document.querySelectorAll('[data-feature]').forEach(function(e){
  e.hidden=(fe!==''&&e.dataset.feature!==fe)||(fo&&e.dataset.verdict==='PASS'&&e.tagName==='DETAILS');});
 document.querySelectorAll('tr.account').forEach(function(e){e.hidden=(ac!==''&&e.dataset.accountHeader!==ac);});
 var shown=document.querySelectorAll('tr[data-service]:not([hidden])').length;
 var c=document.getElementById('f-count');if(c)c.textContent=shown+' shown';
}
function openTarget(){
 if(!location.hash)return;var t=document.getElementById(location.hash.slice(1));
 if(t&&t.tagName==='DETAILS'){t.open=true;var s=t.closest('[data-service]');if(s)s.hidden=false;t.hidden=false;}
}
[failing,account,feature].forEach(function(e){if(e)e.addEventListener('change',apply);});
window.addEventListener('hashchange',openTarget);
apply();openTarget();
})();
"#;

/// The report as one HTML page: for one service its report, for several the matrix first.
/// `errored` lists services that could not be checked (name, error).
pub fn html(
    w: &mut dyn Write,
    services: &[ServiceReport<'_>],
    errored: &[(&str, String)],
) -> io::Result<()> {
    html_with(w, services, errored, &[])
}

/// [`html`], with the roles found but not checked (account, name, why), listed in a last
/// section (never a pass).
pub fn html_with(
    w: &mut dyn Write,
    services: &[ServiceReport<'_>],
    errored: &[(&str, String)],
    unchecked: &[(String, String, String)],
) -> io::Result<()> {
    let fleet = services.len() + errored.len() > 1;
    let label = crate::report::ci::overall_label(
        &services
            .iter()
            .map(|s| (s.report.summary.verdict, s.exit_code))
            .collect::<Vec<_>>(),
        errored.len(),
    );
    writeln!(w, "<!DOCTYPE html>")?;
    writeln!(w, "<html lang=\"en\">")?;
    writeln!(w, "<head>")?;
    writeln!(w, "<meta charset=\"utf-8\">")?;
    // No fetch of any kind: inline style and script only, images only as data: URLs.
    writeln!(
        w,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; form-action 'none'; base-uri 'none'\">"
    )?;
    writeln!(
        w,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    )?;
    writeln!(w, "<link rel=\"icon\" href=\"data:,\">")?;
    writeln!(w, "<title>pydynox-iam: {}</title>", esc(&label))?;
    writeln!(w, "<style>{STYLE}</style>")?;
    writeln!(w, "</head>")?;
    writeln!(w, "<body>")?;
    writeln!(
        w,
        "<h1>pydynox-iam: <span class=\"v {}\">{}</span></h1>",
        label_class(&label),
        esc(&label)
    )?;
    if fleet {
        write_matrix(w, services, errored)?;
    }
    for (name, error) in errored {
        writeln!(
            w,
            "<section class=\"service\" data-service=\"{}\" data-verdict=\"ERROR\" data-account=\"\">",
            esc(name)
        )?;
        writeln!(
            w,
            "<h2>{} <span class=\"v fail\">ERROR</span></h2><p>{}</p></section>",
            esc(name),
            message(error)
        )?;
    }
    for (i, s) in services.iter().enumerate() {
        write_service(w, i, s, !fleet)?;
    }
    if !unchecked.is_empty() {
        writeln!(
            w,
            "<section class=\"unchecked\"><h2>Not checked ({})</h2><ul>",
            unchecked.len()
        )?;
        for (account, name, why) in unchecked {
            writeln!(w, "<li>{}/{}: {}</li>", esc(account), esc(name), esc(why))?;
        }
        writeln!(w, "</ul></section>")?;
    }
    writeln!(w, "<script>{SCRIPT}</script>")?;
    writeln!(w, "</body>")?;
    writeln!(w, "</html>")?;
    Ok(())
}

fn label_class(label: &str) -> &'static str {
    match label.split(' ').next().unwrap_or("") {
        "PASS" => "pass",
        "FAIL" | "ERROR" => "fail",
        _ if label.contains("(allowed)") => "skip",
        _ => "inconclusive",
    }
}

/// Every feature any service checks, in the order they first appear.
fn all_features<'a>(services: &[ServiceReport<'a>]) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for s in services {
        for f in &s.report.features {
            if !out.contains(&f.name.as_str()) {
                out.push(&f.name);
            }
        }
    }
    out
}

/// The matrix of services by features, with the filters (shown by the script).
fn write_matrix(
    w: &mut dyn Write,
    services: &[ServiceReport<'_>],
    errored: &[(&str, String)],
) -> io::Result<()> {
    let features = all_features(services);
    let accounts: BTreeSet<&str> = services
        .iter()
        .map(|s| s.report.principal.account.as_str())
        .collect();
    let count = |v: Verdict| {
        services
            .iter()
            .filter(|s| s.report.summary.verdict == v)
            .count()
    };
    write!(
        w,
        "<p>{} services: {} pass, {} fail, {} inconclusive",
        services.len() + errored.len(),
        count(Verdict::Pass),
        count(Verdict::Fail),
        count(Verdict::Inconclusive)
    )?;
    if !errored.is_empty() {
        write!(w, ", {} could not be checked", errored.len())?;
    }
    writeln!(w, "</p>")?;
    writeln!(w, "<form id=\"filters\" hidden>")?;
    writeln!(
        w,
        "<label><input type=\"checkbox\" id=\"f-failing\"> failing only</label>"
    )?;
    if accounts.len() > 1 {
        writeln!(
            w,
            "<label>account <select id=\"f-account\"><option value=\"\">all</option>"
        )?;
        for a in &accounts {
            writeln!(w, "<option value=\"{0}\">{0}</option>", esc(a))?;
        }
        writeln!(w, "</select></label>")?;
    }
    writeln!(
        w,
        "<label>feature <select id=\"f-feature\"><option value=\"\">all</option>"
    )?;
    for f in &features {
        writeln!(w, "<option value=\"{0}\">{0}</option>", esc(f))?;
    }
    writeln!(w, "</select></label>")?;
    writeln!(w, "<span id=\"f-count\" class=\"muted\"></span>")?;
    writeln!(w, "</form>")?;
    writeln!(w, "<div class=\"matrix\"><table id=\"matrix\">")?;
    write!(w, "<thead><tr><th class=\"svc\">service</th>")?;
    for f in &features {
        write!(w, "<th data-feature=\"{0}\">{0}</th>", esc(f))?;
    }
    writeln!(w, "<th>overall</th></tr></thead><tbody>")?;
    let mut order: Vec<usize> = (0..services.len()).collect();
    if accounts.len() > 1 {
        order.sort_by_key(|&i| services[i].report.principal.account.as_str());
    }
    let mut last_account: Option<&str> = None;
    for i in order {
        let s = &services[i];
        let r = s.report;
        let account = r.principal.account.as_str();
        if accounts.len() > 1 && last_account != Some(account) {
            writeln!(
                w,
                "<tr class=\"account\" data-account-header=\"{0}\"><th colspan=\"{1}\">account {0}</th></tr>",
                esc(account),
                features.len() + 2
            )?;
            last_account = Some(account);
        }
        write!(
            w,
            "<tr data-service=\"{}\" data-account=\"{}\" data-verdict=\"{}\"><td class=\"svc\"><a href=\"#s{i}\">{}</a></td>",
            esc(s.name),
            esc(account),
            r.summary.verdict.as_str(),
            esc(s.name)
        )?;
        for f in &features {
            match r.features.iter().position(|x| x.name == *f) {
                Some(j) => {
                    let fs = &r.features[j];
                    write!(
                        w,
                        "<td class=\"cell {}\" data-feature=\"{}\" title=\"{}: {}\"><a href=\"#s{i}-f{j}\">{}</a></td>",
                        verdict_class(fs.verdict),
                        esc(f),
                        esc(f),
                        esc(&format!(
                            "{} pass, {} fail, {} inconclusive",
                            fs.counts.pass, fs.counts.fail, fs.counts.inconclusive
                        )),
                        fs.verdict.as_str()
                    )?;
                }
                None => write!(
                    w,
                    "<td class=\"cell none\" data-feature=\"{}\">–</td>",
                    esc(f)
                )?,
            }
        }
        writeln!(
            w,
            "<td class=\"cell {}\"><a href=\"#s{i}\">{}</a></td></tr>",
            label_class(&r.verdict_label()),
            esc(&r.verdict_label())
        )?;
    }
    for (name, _) in errored {
        writeln!(
            w,
            "<tr data-service=\"{0}\" data-account=\"\" data-verdict=\"ERROR\"><td class=\"svc\">{0}</td><td colspan=\"{1}\" class=\"cell fail\">ERROR</td></tr>",
            esc(name),
            features.len() + 1
        )?;
    }
    writeln!(w, "</tbody></table></div>")?;
    Ok(())
}

/// One service: who, the overall line, each feature as a `<details>` with its rows and fix
/// (open for a feature that did not pass when `open_failing`), then notes, findings, the
/// expected exceptions that waived nothing, and the legend.
fn write_service(
    w: &mut dyn Write,
    i: usize,
    s: &ServiceReport<'_>,
    open_failing: bool,
) -> io::Result<()> {
    let r = s.report;
    let names = ShortNames::of_report(r);
    let outcomes = r.row_outcomes();
    writeln!(
        w,
        "<section class=\"service\" id=\"s{i}\" data-service=\"{}\" data-account=\"{}\" data-verdict=\"{}\">",
        esc(s.name),
        esc(&r.principal.account),
        r.summary.verdict.as_str()
    )?;
    writeln!(
        w,
        "<h2>{} <span class=\"v {}\">{}</span></h2>",
        esc(s.name),
        label_class(&r.verdict_label()),
        esc(&r.verdict_label())
    )?;
    writeln!(
        w,
        "<p>{} <code>{}</code> (<code>{}</code>) · pydynox {} · region {} · engine {} ({})</p>",
        r.principal.kind.as_str(),
        esc(&r.principal.name),
        esc(&r.principal.arn),
        esc(&r.pydynox_version),
        esc(&r.region),
        esc(&r.engine),
        message(&r.engine_reason)
    )?;
    if let Some(b) = &r.principal.boundary_arn {
        writeln!(w, "<p>permissions boundary: <code>{}</code></p>", esc(b))?;
    }
    writeln!(
        w,
        "<p class=\"overall\">{}</p>",
        esc(&crate::report::table::overall_line(r, false))
    )?;
    let mut order: Vec<usize> = (0..r.features.len()).collect();
    order.sort_by_key(|&j| std::cmp::Reverse(r.features[j].verdict));
    for j in order {
        let f = &r.features[j];
        let open = open_failing && f.verdict != Verdict::Pass;
        writeln!(
            w,
            "<details class=\"feature\" id=\"s{i}-f{j}\" data-feature=\"{}\" data-verdict=\"{}\"{}>",
            esc(&f.name),
            f.verdict.as_str(),
            if open { " open" } else { "" }
        )?;
        writeln!(
            w,
            "<summary><span class=\"v {}\">{}</span> <b>{}</b> <span class=\"muted\">{} pass, {} fail, {} inconclusive{}</span></summary>",
            verdict_class(f.verdict),
            f.verdict.as_str(),
            esc(&f.name),
            f.counts.pass,
            f.counts.fail,
            f.counts.inconclusive,
            if f.counts.waived > 0 {
                format!(", {} expected", f.counts.waived)
            } else {
                String::new()
            }
        )?;
        if let Some(fix) = &f.fix {
            writeln!(w, "<div class=\"fix\"><h3>Fix</h3><ul>")?;
            for st in &fix.add_statements {
                writeln!(w, "<li>{}</li>", esc(&statement_summary(st, &names)))?;
            }
            for m in &fix.must_change {
                writeln!(w, "<li>{}</li>", message(m))?;
            }
            writeln!(w, "</ul>")?;
            if !fix.add_statements.is_empty() {
                let text = serde_json::to_string_pretty(&fix.add_statements).unwrap_or_default();
                writeln!(
                    w,
                    "<p>Add to the principal's policy:</p><pre class=\"fix-policy\">{}</pre>",
                    esc(&text)
                )?;
            }
            writeln!(w, "</div>")?;
        }
        if f.verdict != Verdict::Pass
            && let Some(note) = &f.docs_note
        {
            writeln!(w, "<p class=\"muted\">{}</p>", message(note))?;
        }
        writeln!(
            w,
            "<table class=\"rows\"><thead><tr><th>resource</th><th>action</th><th>verdict</th><th>why</th><th>deciding statements</th></tr></thead><tbody>"
        )?;
        for g in groups(r) {
            for &k in g.rows.iter().filter(|&&k| r.rows[k].feature == f.name) {
                write_row(w, r, &r.rows[k], outcomes[k], &names)?;
            }
        }
        writeln!(w, "</tbody></table>")?;
        writeln!(w, "</details>")?;
    }
    write_lists(w, r, &names)?;
    writeln!(w, "</section>")?;
    Ok(())
}

/// One row: its resource's short name (the full ARN as its title), action and context tag,
/// verdict, reason, and the statements that decided it.
fn write_row(
    w: &mut dyn Write,
    r: &Report,
    row: &Row,
    outcome: RowOutcome,
    names: &ShortNames,
) -> io::Result<()> {
    let tag = context_tag(row, r);
    let mut deciding: Vec<String> = Vec::new();
    if let Some(l) = &row.evidence.local {
        deciding.extend(l.matched.iter().map(|m| m.describe()));
    }
    if let Some(s) = &row.evidence.simulator {
        deciding.extend(s.matched.iter().map(|m| m.describe()));
    }
    deciding.dedup();
    let mut why = message(&names.shorten_text(&row.reason));
    let by = crate::report::model::decided_by_note(&row.evidence.sources);
    if !by.is_empty() {
        why.push_str(&format!(" <span class=\"muted\">({})</span>", esc(&by)));
    }
    if let Some(expected) = &row.waived {
        why.push_str(&format!("<br>expected: {}", message(expected)));
    }
    writeln!(
        w,
        "<tr class=\"row\" data-action=\"{}\" data-resource=\"{}\" data-row-feature=\"{}\" data-outcome=\"{}\"><td title=\"{}\">{}</td><td><code>{}</code>{}</td><td class=\"{}\">{}</td><td>{}</td><td>{}</td></tr>",
        esc(&row.action),
        esc(&row.resource),
        esc(&row.feature),
        class(outcome),
        esc(&row.resource),
        esc(names.get(&row.resource)),
        esc(&row.action),
        if tag.is_empty() {
            String::new()
        } else {
            format!(" <span class=\"muted\">[{}]</span>", esc(&tag))
        },
        class(outcome),
        esc(&outcome_label(outcome, row.verdict)),
        why,
        deciding
            .iter()
            .map(|d| message(d))
            .collect::<Vec<_>>()
            .join("<br>")
    )
}

/// Disagreements, notes, least-privilege findings, unmatched expected exceptions, legend.
fn write_lists(w: &mut dyn Write, r: &Report, names: &ShortNames) -> io::Result<()> {
    if !r.disagreements.is_empty() {
        writeln!(
            w,
            "<h3>Disagreements between IAM's simulator and the local engine</h3><ul>"
        )?;
        for d in &r.disagreements {
            writeln!(
                w,
                "<li><code>{}</code> on <code>{}</code>: simulator {}, local engine {} ({})</li>",
                esc(&d.action),
                esc(&d.resource),
                esc(&d.simulator),
                esc(&d.local),
                message(&d.local_reason)
            )?;
        }
        writeln!(w, "</ul>")?;
    }
    if !r.notes.is_empty() {
        writeln!(w, "<h3>Notes</h3><ul>")?;
        for n in &r.notes {
            writeln!(w, "<li>{}</li>", message(n))?;
        }
        writeln!(w, "</ul>")?;
    }
    if let Some(findings) = &r.least_privilege {
        if findings.is_empty() {
            writeln!(
                w,
                "<p>Least privilege: no grants beyond what the declared features need</p>"
            )?;
        } else {
            writeln!(
                w,
                "<h3>Least privilege</h3><table class=\"findings\"><thead><tr><th>severity</th><th>code</th><th>policy</th><th>statement</th><th>detail</th></tr></thead><tbody>"
            )?;
            for f in findings {
                writeln!(
                    w,
                    "<tr class=\"finding\" data-code=\"{}\" data-policy=\"{}\" data-statement=\"{}\" data-fails=\"{}\"><td>{}{}</td><td><code>{}</code></td><td><code>{}</code></td><td>#{}{}</td><td>{}</td></tr>",
                    f.code.as_str(),
                    esc(&f.policy),
                    f.statement,
                    f.fails,
                    f.severity.as_str(),
                    if f.fails { " (fails the run)" } else { "" },
                    f.code.as_str(),
                    esc(&f.policy),
                    f.statement,
                    f.sid
                        .as_deref()
                        .map(|s| format!(" <code>{}</code>", esc(s)))
                        .unwrap_or_default(),
                    message(&f.message)
                )?;
            }
            writeln!(w, "</tbody></table>")?;
        }
    }
    if !r.expected_unmatched.is_empty() {
        writeln!(w, "<h3>Expected exceptions that waived nothing</h3><ul>")?;
        for e in &r.expected_unmatched {
            writeln!(
                w,
                "<li class=\"unmatched\" data-line=\"{}\">line {}: <code>{}</code> on <code>{}</code>: {}</li>",
                e.line,
                e.line,
                esc(&e.action),
                esc(e.resource.as_deref().unwrap_or("its resource")),
                message(&e.why)
            )?;
        }
        writeln!(w, "</ul>")?;
    }
    let legend = names.legend();
    if !legend.is_empty() {
        writeln!(w, "<h3>Resources</h3><table class=\"legend\"><tbody>")?;
        for (short, full) in legend {
            writeln!(
                w,
                "<tr><td>{}</td><td><code>{}</code></td></tr>",
                esc(short),
                esc(full)
            )?;
        }
        writeln!(w, "</tbody></table>")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
        assert_eq!(
            message("role `<b>` is `x&y`"),
            "role <code>&lt;b&gt;</code> is <code>x&amp;y</code>"
        );
        assert_eq!(esc("a\u{0}b"), "a\u{FFFD}b");
    }
}
