//! One module per subcommand, each wiring needs, grants, verdict and report into an exit
//! code: [`check`], [`why`], [`policy`], [`scan`], [`simulate`], [`features`], [`completions`], [`man`].
//! What several commands share lives below them: flags and flag types ([`args`]) and how
//! output is written ([`output`]). A new command is a new module here and a variant in
//! [`cli`](crate::cli).
//!
//! May import: every layer below (engine up to verdict). A command must not import another
//! command; `args` and `output` must not import any.

pub mod args;
pub mod check;
pub mod completions;
pub mod features;
pub mod man;
pub mod output;
pub mod policy;
pub mod scan;
pub mod simulate;
pub mod why;
