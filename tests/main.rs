//! The integration tests, as one test binary: one link instead of fourteen (each links the
//! four AWS SDK crates), so a clean `make test` builds faster and takes a fraction of the disk.
//! Each module is one area; `common` holds the shared helpers (LocalStack endpoint, SDK clients,
//! unique names, running the binary).

mod common;

mod adapter_mock;
mod adversarial;
mod catalogue_actions;
mod cli;
mod engine_conformance;
mod engine_props;
mod fleet;
mod fuzz_regressions;
mod generate_roundtrip;
mod localstack;
mod offline;
mod render_ci;
mod simulate_cmd;
mod snapshots;
mod why_policy;
