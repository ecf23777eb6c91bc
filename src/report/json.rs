//! The check report as JSON: schema `pydynox-iam/check/v1`, documented in the README, the
//! [`Report`] serialized as it is. Writes to any `io::Write`.

use std::io::{self, Write};

use crate::report::model::Report;

/// The check report as JSON (schema `pydynox-iam/check/v1`, documented in the README).
pub fn report_json(w: &mut dyn Write, report: &Report) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, report)?;
    writeln!(w)
}
