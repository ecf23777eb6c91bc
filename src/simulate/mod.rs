//! `simulate`'s side of evaluation, beside the [`engine`](crate::engine)'s public API: the
//! JSON-lines wire format of a batch ([`wire`]), turning flags or a batch line into a
//! validated engine request and deciding it ([`request`]), reading a batch line's fields with a
//! shortcut for the policy texts a batch repeats ([`line`]), and the policy cache that parses
//! each distinct document of a batch once ([`cache`]). No I/O: the `simulate` command reads
//! the files and writes the results.
//!
//! May import the engine and `needs/` (context entries); nothing from `grants/` up.

pub mod cache;
pub mod line;
pub mod request;
pub mod wire;
