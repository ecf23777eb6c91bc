//! The catalogue as `pydynox-iam features` shows it: each feature of a pydynox release with
//! its aliases, the actions, resources and request context it needs, as a table or JSON.
//! Writes to any `io::Write`.

use std::io::{self, Write};

use semver::Version;
use serde::Serialize;

use crate::needs::catalogue::{Catalogue, ContextEntry};
use crate::report::table::{TextStyle, context_text, new_table};

#[derive(Serialize)]
struct FeatureOut<'a> {
    name: &'a str,
    summary: &'a str,
    aliases: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    docs_note: Option<&'a str>,
    checks: Vec<CheckOut<'a>>,
}

#[derive(Serialize)]
struct CheckOut<'a> {
    action: &'a str,
    resource_kind: &'a str,
    resource: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    only_with: Option<&'a str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    context: &'a [ContextEntry],
}

#[derive(Serialize)]
struct CatalogueOut<'a> {
    pydynox_version: String,
    features: Vec<FeatureOut<'a>>,
    /// Features of later releases, which this one does not have (and `check` refuses).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    not_in_release: Vec<LaterFeature<'a>>,
}

#[derive(Serialize)]
struct LaterFeature<'a> {
    name: &'a str,
    since: &'a str,
}

fn catalogue_out<'a>(cat: &'a Catalogue, version: &Version) -> CatalogueOut<'a> {
    CatalogueOut {
        pydynox_version: version.to_string(),
        not_in_release: cat
            .features
            .iter()
            .filter(|f| !cat.has_feature(f, version))
            .map(|f| LaterFeature {
                name: &f.name,
                since: f.since.as_deref().unwrap_or(""),
            })
            .collect(),
        features: cat
            .features
            .iter()
            .filter(|f| cat.has_feature(f, version))
            .map(|f| FeatureOut {
                name: &f.name,
                summary: &f.summary,
                aliases: cat.aliases_of(&f.name),
                docs_note: f.docs_note.as_deref(),
                checks: cat
                    .checks_for(f, version)
                    .map(|c| CheckOut {
                        action: &c.action,
                        resource_kind: &c.resource,
                        resource: cat
                            .resources
                            .get(&c.resource)
                            .map(|k| k.template.as_str())
                            .unwrap_or(""),
                        only_with: c.only_with.as_deref(),
                        context: &c.context,
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// `features --format json`.
pub fn features_json(w: &mut dyn Write, cat: &Catalogue, version: &Version) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, &catalogue_out(cat, version))?;
    writeln!(w)
}

/// `features` as a table: each feature, its aliases, the actions and resources it checks.
pub fn features_table(
    w: &mut dyn Write,
    cat: &Catalogue,
    version: &Version,
    style: TextStyle,
) -> io::Result<()> {
    let out = catalogue_out(cat, version);
    writeln!(
        w,
        "What pydynox {} needs from IAM, by feature:\n",
        out.pydynox_version
    )?;
    let mut t = new_table(style);
    t.set_header(vec!["Feature", "Actions", "Resource", "Notes"]);
    for f in &out.features {
        let actions = f
            .checks
            .iter()
            .map(|c| {
                let mut s = c.action.to_string();
                if !c.context.is_empty() {
                    s.push_str(&format!(" [{}]", context_text(c.context)));
                }
                if let Some(w) = c.only_with {
                    s.push_str(&format!(" (with --{w})"));
                }
                s
            })
            .collect::<Vec<_>>()
            .join("\n");
        let resources = f
            .checks
            .iter()
            .map(|c| c.resource)
            .collect::<Vec<_>>()
            .join("\n");
        let mut name = f.name.to_string();
        if !f.aliases.is_empty() {
            name.push_str(&format!("\n(alias: {})", f.aliases.join(", ")));
        }
        let mut notes = f.summary.to_string();
        if let Some(n) = f.docs_note {
            notes.push_str(&format!("\nDocs: {n}"));
        }
        t.add_row(vec![name, actions, resources, notes]);
    }
    writeln!(w, "{t}")?;
    if !out.not_in_release.is_empty() {
        writeln!(
            w,
            "\nNot in pydynox {}: {}",
            out.pydynox_version,
            out.not_in_release
                .iter()
                .map(|f| format!("{} (from {})", f.name, f.since))
                .collect::<Vec<_>>()
                .join(", ")
        )?;
    }
    Ok(())
}
