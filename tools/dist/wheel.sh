#!/usr/bin/env bash
# make wheel: the sdist and a wheel carrying the `pydynox-iam` binary (maturin, bindings =
# "bin"), into target/wheels/ (OUT=DIR for another folder). PROFILE=dev builds the wheel with
# the dev profile instead of release, reusing the debug builds in target/: what the packaging
# tests do, since a release build from scratch takes 10+ minutes. cargo's progress is shown.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="$(bash "$root/tools/dist/venv.sh")"
out="${OUT:-$root/target/wheels}"
profile="${PROFILE:-release}"
cd "$root"
mkdir -p "$out"
rm -f "$out"/pydynox_iam-*.whl "$out"/pydynox_iam-*.tar.gz
"$venv/bin/maturin" sdist --out "$out"
if [[ "$profile" == release ]]; then
  echo "Building the release binary (from a clean target/ this compiles the AWS SDK crates with"
  echo "the release profile: many minutes; cargo's progress follows)"
fi
"$venv/bin/maturin" build --profile "$profile" --out "$out"
ls -l "$out"
