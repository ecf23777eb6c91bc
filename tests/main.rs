//! The integration tests, as one test binary: one link instead of fourteen (each links the
//! four AWS SDK crates), so a clean `make test` builds faster and takes a fraction of the disk.
//! Each module is one area; `common` holds the shared helpers (LocalStack endpoint, SDK clients,
//! unique names, running the binary).

mod common;

// The layout of src/ itself.
mod architecture;

// Every way found to make the tool say PASS where AWS denies (fleets, saved runs, exceptions).

// engine/ and iam/: conformance cases, laws, fuzz regressions; the action list vs the catalogue.
mod adversarial;
mod catalogue_actions;
mod catalogue_inventory;
mod check_props;
mod engine_conformance;
mod engine_props;
mod fuzz_regressions;
mod matcher_props;

// needs/: the Python code scan (corpus, recall and precision).
mod scan;
mod scan_metrics;

// grants/: the SDK adapter on mocked responses; policy files and authorization details;
// infrastructure templates and plans.
mod accounts;
mod adapter_mock;
mod adversarial_pipeline;
mod iac_check;
mod iac_live;
mod iac_reader;
mod offline;
mod org;
mod org_mock;
mod org_offline;
mod org_policies_live;
mod org_policies_mock;
mod round_trips;
mod simulator_path;

// report/ and verdict/: rendered reports (snapshots), CI formats, generated policies.
mod generate_roundtrip;
mod html_browser;
mod render_ci;
mod sarif;
mod snapshots;

// commands/ and cli/: the binary end to end, offline and against LocalStack.
mod cli;
mod fleet;
mod fleet_offline;
mod localstack;
mod real_pydynox;
mod scan_app;
mod simulate;
mod why_corpus;
mod why_policy;
mod why_props;
