//! How commands write: to standard output (a closed pipe is not an error) or to a file, with
//! colour and width decided once from the terminal and `NO_COLOR`, and errors to standard
//! error. Shared by the commands, so it must not import any of them.

use std::io::{self, IsTerminal, Write};
use std::path::Path;

use clap::ValueEnum;

use crate::report::table::TextStyle;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

/// Layout for text output. Width: `COLUMNS` when set (also on a pipe, so a script can ask
/// for a width), else the terminal's as measured on standard output, else none: tables that
/// fit a width choose their own for a pipe or a file (the check table uses
/// [`PIPE_WIDTH`](crate::report::table::PIPE_WIDTH)). Colour only on a terminal, never with
/// `NO_COLOR`, unless `--color always`.
pub fn text_style(choice: ColorChoice, to_file: bool) -> TextStyle {
    if to_file {
        return TextStyle {
            color: choice == ColorChoice::Always,
            width: None,
        };
    }
    let columns = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<u16>().ok())
        .filter(|c| *c > 0);
    let width = columns.or_else(|| {
        terminal_size::terminal_size_of(io::stdout()).map(|(terminal_size::Width(w), _)| w)
    });
    TextStyle {
        color: use_color(choice),
        width,
    }
}

/// Writes output; a closed pipe (`| head`) is not an error.
pub fn emit(f: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<(), io::Error> {
    let stdout = io::stdout();
    let mut lock = stdout.lock();
    match f(&mut lock).and_then(|_| lock.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Prints each error on its own `error:` line.
pub fn print_errors(errors: &[String]) {
    for e in errors {
        eprintln!("error: {e}");
    }
}

/// Writes output to a new file at `path` (buffered, flushed before returning).
pub fn write_file(
    path: &Path,
    render: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let file = std::fs::File::create(path)?;
    let mut w = io::BufWriter::new(file);
    render(&mut w)?;
    w.flush()
}
