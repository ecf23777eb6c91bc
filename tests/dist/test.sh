#!/usr/bin/env bash
# The packaging tests, run by `make test` after cargo's tests (inside the LocalStack
# environment): the wheel, the pre-commit hooks and the CI action, each for real.
#
# 1. The wheel: built by tools/dist/wheel.sh with the dev profile (PROFILE=dev), reusing the
#    debug builds in target/ (never a release build here), and the sdist; installed into a
#    fresh venv with no Rust toolchain on PATH; the installed `pydynox-iam --version` and an
#    offline `check` (passing and failing) run.
# 2. The pre-commit hooks of .pre-commit-hooks.yaml: pre-commit (pinned in
#    tools/dist/requirements.txt) installs them from a temporary git repository holding this
#    working tree (as `pre-commit try-repo` does for uncommitted changes; try-repo itself takes
#    no hook `args`, which these hooks need) into a service's repository, and runs them on a
#    passing and on a failing change. pip builds the hooks' binary from source with maturin:
#    MATURIN_PEP517_ARGS selects the dev profile and CARGO_TARGET_DIR reuses target/.
# 3. The action: tests/dist/run_action.py runs action.yml's steps (their shell) with a local
#    stand-in for $GITHUB_STEP_SUMMARY, installing the wheel of 1; offline passing and failing
#    checks, and a live one against LocalStack (saved and replayed for the JUnit report).
#
# Ends with "dist: N passed, M failed" and exits 1 if anything failed.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
tools="$(bash tools/dist/venv.sh)" || exit 1
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
ok() { echo "ok: $1"; passed=$((passed + 1)); }
bad() { echo "FAILED: $1"; failed=$((failed + 1)); }
expect() { # expect DESCRIPTION COMMAND...: the command succeeds
  local what="$1"; shift
  if "$@"; then ok "$what"; else bad "$what"; fi
}
contains() { grep -q -- "$2" "$1"; }

account=111122223333
region=eu-west-1
role="arn:aws:iam::$account:role/urls"

# --- 1. the wheel -------------------------------------------------------------------------
echo "== wheel (dev profile, target/ reused)"
if ! PROFILE=dev OUT="$tmp/wheels" bash tools/dist/wheel.sh; then
  bad "tools/dist/wheel.sh builds the wheel and the sdist"
  echo "dist: $passed passed, $((failed)) failed"
  exit 1
fi
wheel="$(ls "$tmp"/wheels/pydynox_iam-*.whl)"
sdist="$(ls "$tmp"/wheels/pydynox_iam-*.tar.gz)"
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"
expect "the wheel is named for Cargo.toml's version ($version) and carries the binary" \
  bash -c "[[ '$wheel' == *pydynox_iam-$version-py3-none-*.whl ]] && python3 -m zipfile -l '$wheel' | grep -q 'pydynox_iam-$version.data/scripts/pydynox-iam'"
expect "the sdist holds what a source build needs (Cargo.lock, pyproject.toml, the embedded data)" \
  bash -c "tar tzf '$sdist' > '$tmp/sdist.txt' && for f in Cargo.lock Cargo.toml pyproject.toml src/main.rs src/iam/data/aws-actions.json src/needs/catalogue.toml src/grants/iac/data/sam-policy-templates.json; do grep -q \"^pydynox_iam-$version/\$f\$\" '$tmp/sdist.txt' || { echo \"missing \$f\"; exit 1; }; done"

python3 -m venv "$tmp/venv"
bare_path="$tmp/venv/bin:/usr/bin:/bin"
expect "no Rust toolchain on the install step's PATH" \
  env PATH="$bare_path" bash -c '! command -v cargo && ! command -v rustc'
expect "the wheel installs into a fresh venv without Rust" \
  env PATH="$bare_path" "$tmp/venv/bin/python" -m pip install --no-index --quiet "$wheel"
bin="$tmp/venv/bin/pydynox-iam"
newest="$(sed -n 's/^newest_release = "\(.*\)"/\1/p' src/needs/catalogue.toml)"
"$bin" --version > "$tmp/version.txt" 2>&1
cat "$tmp/version.txt"
expect "the installed --version names the tool's version, the newest pydynox release ($newest) and the data dates" \
  bash -c "head -1 '$tmp/version.txt' | grep -qx 'pydynox-iam $version' && grep -q 'to $newest' '$tmp/version.txt' && grep -q 'SAM policy templates: aws-sam-translator' '$tmp/version.txt'"

"$bin" policy -f crud --table orders --account "$account" --region "$region" > "$tmp/crud.json" 2>/dev/null
cat > "$tmp/get-only.json" <<JSON
{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:GetItem",
  "Resource": "arn:aws:dynamodb:$region:$account:table/orders"}]}
JSON
offline=(check --role "$role" -f crud --table orders --no-table-policy --region "$region")
"$bin" "${offline[@]}" --policy-file "$tmp/crud.json" > "$tmp/pass.txt" 2>&1
expect "the installed binary's offline check passes the policy it wrote (exit 0)" test $? -eq 0
"$bin" "${offline[@]}" --policy-file "$tmp/get-only.json" > "$tmp/fail.txt" 2>&1
code=$?
expect "the installed binary's offline check fails a policy without PutItem (exit 1, naming it)" \
  bash -c "[[ $code -eq 1 ]] && grep -q 'dynamodb:PutItem' '$tmp/fail.txt'"

# --- 2. the pre-commit hooks -----------------------------------------------------------------
if [[ "${DIST_SKIP_HOOKS:-}" == 1 ]]; then
  bad "the pre-commit hooks were skipped (DIST_SKIP_HOOKS=1)"
else
echo "== pre-commit hooks (pip builds the hooks' binary from source first: a few minutes, quiet)"
hooks_repo="$tmp/hooks-repo"
mkdir -p "$hooks_repo"
git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$hooks_repo"
git -C "$hooks_repo" init -q
git -C "$hooks_repo" add -A
git -C "$hooks_repo" -c user.name=test -c user.email=test@example.invalid commit -q -m "working tree"
rev="$(git -C "$hooks_repo" rev-parse HEAD)"

service="$tmp/service"
mkdir -p "$service/src" "$service/policies"
cat > "$service/src/app.py" <<'PY'
import os

from pydynox import Model, ModelConfig
from pydynox.attributes import NumberAttribute, StringAttribute


class ShortUrl(Model):
    model_config = ModelConfig(table=os.environ["TABLE_NAME"])

    code = StringAttribute(partition_key=True)
    target = StringAttribute()
    clicks = NumberAttribute(default=0)


def redirect(code: str) -> str | None:
    url = ShortUrl.sync_get(code=code)
    return url.target if url else None
PY
echo "pydynox==$newest" > "$service/requirements.txt"
app=(--app src/ --env TABLE_NAME=urls)
(cd "$service" && "$bin" policy "${app[@]}" --account "$account" --region "$region" > policies/urls.json)
cat > "$service/.pre-commit-config.yaml" <<YAML
repos:
  - repo: $hooks_repo
    rev: $rev
    hooks:
      - id: pydynox-iam-policy-drift
        args: [--app, src/, --env, TABLE_NAME=urls, --account, "$account", --region, $region,
               --check, policies/urls.json]
      - id: pydynox-iam-check
        args: [--app, src/, --env, TABLE_NAME=urls, --role, "$role",
               --policy-file, policies/urls.json, --no-table-policy, --region, $region]
YAML
git -C "$service" init -q
git -C "$service" add -A
git -C "$service" -c user.name=test -c user.email=test@example.invalid commit -q -m "service"
run_hooks() {
  (cd "$service" && PRE_COMMIT_HOME="$tmp/pre-commit-home" MATURIN_PEP517_ARGS="--profile dev" \
    CARGO_TARGET_DIR="$root/target" "$tools/bin/pre-commit" run --all-files --color never)
}
run_hooks > "$tmp/hooks-pass.txt" 2>&1
code=$?
cat "$tmp/hooks-pass.txt" | tail -20
expect "both hooks pass on a service whose committed policy grants what its code calls" \
  bash -c "[[ $code -eq 0 ]] && grep -q 'pydynox-iam policy drift.*Passed' '$tmp/hooks-pass.txt' && grep -q 'pydynox-iam check.*Passed' '$tmp/hooks-pass.txt'"

cat >> "$service/src/app.py" <<'PY'


def forget(code: str) -> None:
    ShortUrl(code=code, target="").sync_delete()
PY
git -C "$service" add -A
run_hooks > "$tmp/hooks-fail.txt" 2>&1
code=$?
cat "$tmp/hooks-fail.txt" | tail -40
expect "the drift hook fails a change whose code deletes, naming dynamodb:DeleteItem and the statement to add" \
  bash -c "[[ $code -eq 1 ]] && grep -q 'pydynox-iam policy drift.*Failed' '$tmp/hooks-fail.txt' && grep -q 'dynamodb:DeleteItem on arn:aws:dynamodb:$region:$account:table/urls' '$tmp/hooks-fail.txt' && grep -q '\"dynamodb:DeleteItem\"' '$tmp/hooks-fail.txt'"
expect "the check hook fails the same change" \
  grep -q 'pydynox-iam check.*Failed' "$tmp/hooks-fail.txt"
fi

# --- 3. the action ------------------------------------------------------------------------
echo "== action.yml"
run_action() { # run_action WORKDIR NAME=VALUE...
  "$tools/bin/python" "$root/tests/dist/run_action.py" "$root/action.yml" "$@"
}
common=(package="$wheel" role="$role" features=crud tables=orders region="$region")
(cd "$tmp" && run_action "$tmp/action-pass" "${common[@]}" args="--policy-file $tmp/crud.json --no-table-policy" junit-file="$tmp/pass.xml") > "$tmp/action-pass.txt" 2>&1
code=$?
expect "the action passes a policy that grants crud: exit 0, the Markdown report in the step summary, a JUnit file without failures" \
  bash -c "[[ $code -eq 0 ]] && grep -q 'PASS' '$tmp/action-pass/summary.md' && grep -q '<testsuite' '$tmp/pass.xml' && ! grep -q '<failure' '$tmp/pass.xml' && grep -q '\"exit-code\": \"0\"' '$tmp/action-pass/outputs.json'"
(cd "$tmp" && run_action "$tmp/action-fail" "${common[@]}" args="--policy-file $tmp/get-only.json --no-table-policy" junit-file="$tmp/fail.xml") > "$tmp/action-fail.txt" 2>&1
code=$?
expect "the action fails the job with the tool's exit code (1) for a policy without PutItem, the failure in the summary and the JUnit file" \
  bash -c "[[ $code -eq 1 ]] && grep -q 'FAIL' '$tmp/action-fail/summary.md' && grep -q 'dynamodb:PutItem' '$tmp/action-fail/summary.md' && grep -q '<failure' '$tmp/fail.xml' && grep -q '\"exit-code\": \"1\"' '$tmp/action-fail/outputs.json'"
(cd "$tmp" && run_action "$tmp/action-usage" package="$wheel" features=no-such-feature tables=orders region="$region" args="--policy-file $tmp/crud.json --role $role") > "$tmp/action-usage.txt" 2>&1
code=$?
expect "bad input fails the job with exit 2 and says so in the summary" \
  bash -c "[[ $code -eq 2 ]] && grep -q 'exited 2' '$tmp/action-usage/summary.md'"

if [[ -n "${PYDYNOX_IAM_LOCALSTACK:-}" ]]; then
  aws="$root/.localstack/venv/bin/aws"
  live_role="pydynox-iam-action-test"
  "$aws" iam delete-role-policy --role-name "$live_role" --policy-name crud >/dev/null 2>&1
  "$aws" iam delete-role --role-name "$live_role" >/dev/null 2>&1
  "$aws" iam create-role --role-name "$live_role" --assume-role-policy-document \
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}' >/dev/null
  sed -e "s/$account/000000000000/g" -e "s/$region/us-east-1/g" "$tmp/crud.json" > "$tmp/crud-localstack.json"
  "$aws" iam put-role-policy --role-name "$live_role" --policy-name crud --policy-document "file://$tmp/crud-localstack.json"
  (cd "$tmp" && run_action "$tmp/action-live" package="$wheel" role="$live_role" features=crud tables=orders region=us-east-1 args="--engine local --no-table-policy" junit-file="$tmp/live.xml") > "$tmp/action-live.txt" 2>&1
  code=$?
  cat "$tmp/action-live.txt" | tail -20
  expect "a live check against LocalStack passes, with the summary, and the JUnit report rendered from the saved run (recorded_at)" \
    bash -c "[[ $code -eq 0 ]] && grep -q 'PASS' '$tmp/action-live/summary.md' && grep -q 'recorded_at' '$tmp/live.xml' && ! grep -q '<failure' '$tmp/live.xml'"
  "$aws" iam delete-role-policy --role-name "$live_role" --policy-name crud >/dev/null 2>&1
  "$aws" iam delete-role --role-name "$live_role" >/dev/null 2>&1
else
  bad "the live action test needs LocalStack (run through make test)"
fi

echo "dist: $passed passed, $failed failed"
(( failed == 0 ))
