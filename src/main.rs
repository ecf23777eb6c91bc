//! The `pydynox-iam` binary: parses arguments and runs them; everything else is in the library.

#[tokio::main]
async fn main() {
    let cli = pydynox_iam::cli::parse();
    let code = pydynox_iam::cli::run(cli).await;
    std::process::exit(code);
}
