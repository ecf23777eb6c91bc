# pydynox-iam: build, demo and test. LocalStack and moto's server (DynamoDB) run on the host
# (no Docker), pinned in localstack/requirements.txt and localstack/moto-requirements.txt; the
# scripts in localstack/ create their venvs on first use. LOCALSTACK_PORT (default 4566) and
# MOTO_PORT (default 5000) choose the ports.

CARGO ?= cargo

FUZZ_SECONDS ?= 120

.PHONY: demo test unit build wheel lint bench bench-scan fuzz fuzz-scan localstack-up localstack-down catalogue-diff screenshot

## demo: check the docs' "Complete example" policy on LocalStack (no AWS account needed), then
## the SAM application in demo/sam-app before deploy and, deployed to LocalStack, live
## (the binary is built first, with cargo's progress shown: the demo scripts run it quietly)
demo:
	@echo "Building pydynox-iam (the first build compiles the AWS SDK crates: several minutes)"
	$(CARGO) build --locked
	bash localstack/with-localstack.sh bash -c 'bash localstack/demo.sh && bash localstack/demo-iac.sh'

## test: start LocalStack and moto, run every test (unit, mocked SDK, LocalStack, the real
## pydynox release against moto, the HTML report in headless Chromium, then the packaging tests
## in tests/dist/: the wheel, the pre-commit hooks and the CI action), stop them. Chromium comes
## from the distribution's packages (tests/browser/ensure-chromium.sh: apt-get, once)
test:
	bash tests/browser/ensure-chromium.sh
	bash localstack/with-localstack.sh bash -c '$(CARGO) test --locked --all-targets && bash tests/dist/test.sh'

## screenshot: the README's picture of a 200-service fleet's HTML report (docs/fleet-report.png),
## taken by the browser test in headless Chromium
screenshot:
	bash tests/browser/ensure-chromium.sh
	$(CARGO) test --locked --test integration html_browser
	cp target/tmp/html-report/fleet-200.png docs/fleet-report.png

## unit: the tests that need no LocalStack (the LocalStack ones fail without it)
unit:
	$(CARGO) test --locked --lib

build:
	$(CARGO) build --locked --release

## wheel: the sdist and a Python wheel carrying the release binary, into target/wheels/
## (maturin, pinned in tools/dist/requirements.txt, in a venv under target/dist/);
## `pip install target/wheels/pydynox_iam-*.whl` installs it
wheel:
	bash tools/dist/wheel.sh

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --locked --all-targets -- -D warnings

## bench: engine throughput (criterion), the simulate batch path (alone and beside an independent
## simulator), the Python scan of a generated 10,000-file repository, memory for a large account
## export, and LocalStack audits vs the AWS CLI
bench:
	$(CARGO) bench --locked --bench engine
	bash localstack/bench-simulate-batch.sh
	bash localstack/bench-simulate-compare.sh
	bash tests/benches/bench-scan.sh
	bash localstack/bench-auth-details.sh
	bash localstack/bench-all-roles.sh
	bash localstack/bench.sh
	bash localstack/bench-org.sh
	bash localstack/bench-accounts.sh

## bench-scan: the Python scan alone (whole process, 10,000 generated files; FILES=N for more)
bench-scan:
	bash tests/benches/bench-scan.sh $(FILES)

## fuzz: fuzz the policy parser for FUZZ_SECONDS (not part of test or CI); keep any crash
## input in tests/fuzz/regressions/, which tests/fuzz_regressions.rs replays on every test run
fuzz:
	command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz --locked
	mkdir -p tests/fuzz/corpus
	RUSTC_BOOTSTRAP=1 $(CARGO) fuzz run --fuzz-dir tests/fuzz --sanitizer none policy_parse \
	  tests/fuzz/corpus tests/fuzz/regressions -- -max_total_time=$(FUZZ_SECONDS)

## catalogue-diff: a pydynox release's AWS call sites (from its source distribution on the
## package index) against src/needs/catalogue.toml; writes tools/catalogue-diff/inventory/VERSION.json.
## Needs the network, so it is not part of `test` (which checks the committed inventories).
catalogue-diff:
	@test -n "$(VERSION)" || { echo "usage: make catalogue-diff VERSION=x.y.z" >&2; exit 2; }
	python3 tools/catalogue-diff/catalogue_diff.py "$(VERSION)"

## fuzz-scan: fuzz the Python front end of the scan for FUZZ_SECONDS; keep any crash input in
## tests/fuzz/regressions-scan/, which tests/scan.rs replays on every test run
fuzz-scan:
	command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz --locked
	mkdir -p tests/fuzz/corpus-scan
	RUSTC_BOOTSTRAP=1 $(CARGO) fuzz run --fuzz-dir tests/fuzz --sanitizer none scan_python \
	  tests/fuzz/corpus-scan tests/fuzz/regressions-scan -- -max_total_time=$(FUZZ_SECONDS)

localstack-up:
	bash localstack/start.sh

localstack-down:
	bash localstack/stop.sh
