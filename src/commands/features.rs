//! `pydynox-iam features`: lists the pydynox features of a release with the IAM actions,
//! resources and request context each one needs, as a table or JSON. Reads only the
//! embedded catalogue.

use clap::Args;

use crate::commands::args::Format;
use crate::commands::output::{ColorChoice, emit, print_errors, text_style};
use crate::needs::catalogue::{Catalogue, parse_version};
use crate::report::features;
use crate::report::model::exit;

#[derive(Debug, Args)]
pub struct FeaturesArgs {
    /// pydynox release whose behaviour to list [default: newest known]
    #[arg(long, value_name = "VERSION")]
    pub pydynox_version: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// Runs `features` and returns the exit code.
pub fn execute(cat: &Catalogue, a: &FeaturesArgs) -> i32 {
    let version = match &a.pydynox_version {
        Some(v) => match parse_version(v) {
            Ok(v) => v,
            Err(e) => {
                print_errors(&[e.to_string()]);
                return exit::USAGE;
            }
        },
        None => cat.newest(),
    };
    let r = emit(|w| match a.format {
        Format::Json => features::features_json(w, cat, &version),
        Format::Table => {
            features::features_table(w, cat, &version, text_style(ColorChoice::Auto, false))
        }
    });
    match r {
        Ok(()) => exit::PASS,
        Err(e) => {
            print_errors(&[format!("cannot write output: {e}")]);
            exit::ERROR
        }
    }
}
