#!/usr/bin/env python3
"""Measure one release profile on this machine: build time from an empty target directory,
binary size (as built, and stripped), and cold start (whole process, median of RUNS) of
`--version` and of an offline `check`. The build's CPU time (user + system, all
processes) is the figure to compare on a shared machine; its wall time depends on the load. The figures in the README's "Release profile" section
come from this script.

usage: python3 tools/release-profile/measure.py NAME [KEY=VALUE ...]

KEY is a [profile.release] setting (lto, codegen-units, panic, strip, opt-level); a setting not
given is cargo's default for release (lto=false, codegen-units=16, panic=unwind, strip=none,
opt-level=3), whatever Cargo.toml says, so each run measures exactly what it names:

  python3 tools/release-profile/measure.py cargo-default
  python3 tools/release-profile/measure.py fat lto=fat codegen-units=1 panic=abort strip=true

Builds into target-release/NAME (an empty directory; deleted afterwards unless KEEP=1), with
`cargo build --release --locked`, and appends a Markdown row to target-release/results.md.
A build compiles every dependency (the AWS SDK crates): ~10 to 30 minutes on 2 cores.
"""
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULTS = {"lto": "false", "codegen-units": "16", "panic": "unwind", "strip": "none", "opt-level": "3"}
RUNS = int(os.environ.get("RUNS", "50"))


def median_ms(cmd):
    subprocess.run(cmd, check=False, capture_output=True)  # warm the page cache once
    walls = []
    for _ in range(RUNS):
        t = time.perf_counter()
        subprocess.run(cmd, check=False, capture_output=True)
        walls.append((time.perf_counter() - t) * 1000)
    return statistics.median(walls)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    name, settings = sys.argv[1], dict(DEFAULTS)
    for kv in sys.argv[2:]:
        key, _, value = kv.partition("=")
        if key not in DEFAULTS or not value:
            sys.exit(f"unknown setting `{kv}`: one of {', '.join(DEFAULTS)} as KEY=VALUE")
        settings[key] = value
    env = dict(os.environ)
    for key, value in settings.items():
        env["CARGO_PROFILE_RELEASE_" + key.upper().replace("-", "_")] = value
    out = ROOT / "target-release"
    target = out / name
    shutil.rmtree(target, ignore_errors=True)
    env["CARGO_TARGET_DIR"] = str(target)
    load = os.getloadavg()[0]
    t = time.perf_counter()
    subprocess.run(["cargo", "build", "--release", "--locked"], cwd=ROOT, env=env, check=True)
    build_s = time.perf_counter() - t
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_min = (usage.ru_utime + usage.ru_stime) / 60  # cargo, rustc and the linker, all cores
    binary = target / "release" / "pydynox-iam"
    size = binary.stat().st_size
    with tempfile.TemporaryDirectory() as tmp:
        stripped = Path(tmp) / "stripped"
        shutil.copy(binary, stripped)
        subprocess.run(["strip", str(stripped)], check=True)
        stripped_size = stripped.stat().st_size
        policy = Path(tmp) / "policy.json"
        with policy.open("w") as f:
            subprocess.run([str(binary), "policy", "-f", "crud,query", "--table", "orders",
                            "--account", "111122223333", "--region", "eu-west-1"],
                           check=True, stdout=f, stderr=subprocess.DEVNULL)
        version_ms = median_ms([str(binary), "--version"])
        check = [str(binary), "check", "--role", "arn:aws:iam::111122223333:role/orders-api",
                 "--policy-file", str(policy), "-f", "crud,query", "--table", "orders",
                 "--no-table-policy", "--region", "eu-west-1"]
        if subprocess.run(check, capture_output=True).returncode != 0:
            sys.exit("the offline check did not pass")
        check_ms = median_ms(check)
    mib = lambda n: f"{n / 1048576:.1f} MiB"
    row = (f"| {name} | {' '.join(f'{k}={v}' for k, v in settings.items())} | {build_s / 60:.1f} min "
           f"(load {load:.1f}), {cpu_min:.1f} CPU-min | {mib(size)} | {mib(stripped_size)} | {version_ms:.1f} ms | {check_ms:.1f} ms |")
    results = out / "results.md"
    if not results.exists():
        results.write_text("| name | settings | clean build (wall, CPU) | binary | stripped | `--version` | offline `check` |\n"
                           "|---|---|---:|---:|---:|---:|---:|\n")
    with results.open("a") as f:
        f.write(row + "\n")
    print(row)
    if os.environ.get("KEEP") != "1":
        shutil.rmtree(target)


if __name__ == "__main__":
    main()
