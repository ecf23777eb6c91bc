//! The `pydynox-iam` binary: parses arguments and runs them; everything else is in the library.

use clap::Parser;

#[tokio::main]
async fn main() {
    let cli = pydynox_iam::cli::Cli::parse();
    let code = pydynox_iam::cli::run(cli).await;
    std::process::exit(code);
}
