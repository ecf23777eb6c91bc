# pydynox-iam: build, demo and test. LocalStack runs on the host (no Docker), pinned in
# localstack/requirements.txt; the scripts in localstack/ create its venv on first use.

CARGO ?= cargo

.PHONY: demo test unit build lint localstack-up localstack-down

## demo: check the docs' "Complete example" policy on LocalStack (no AWS account needed)
demo:
	bash localstack/with-localstack.sh bash localstack/demo.sh

## test: start LocalStack, run every test (unit, mocked SDK, LocalStack), stop LocalStack
test:
	bash localstack/with-localstack.sh $(CARGO) test --locked --all-targets

## unit: the tests that need no LocalStack (the LocalStack ones fail without it)
unit:
	$(CARGO) test --locked --lib

build:
	$(CARGO) build --locked --release

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --locked --all-targets -- -D warnings

localstack-up:
	bash localstack/start.sh

localstack-down:
	bash localstack/stop.sh
