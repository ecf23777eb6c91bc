"""Rerunnable benchmarks behind the README's figures, against LocalStack.

Run it through `bash localstack/bench.sh` (what `make bench` calls), or by hand with LocalStack's
endpoint and dummy credentials in the environment:

    cargo build --release --locked
    bash localstack/with-localstack.sh .localstack/venv/bin/python localstack/bench.py audit [--runs 7]
    bash localstack/with-localstack.sh .localstack/venv/bin/python localstack/bench.py fleet [--sizes 50,100,200] [--runs 5]

audit: one realistic role (`bench-audit`: 3 inline policies, 3 customer managed policies, a
  permissions boundary; plus a KMS key, a bucket and a target role), audited for every pydynox
  feature two ways, each timed as a whole process, interleaved A B A B after one untimed warm-up
  run of each:
    A  target/release/pydynox-iam check --engine aws --features all ... --format json -v
    B  bash localstack/awscli-audit.sh ...   (the same audit with the AWS CLI)
  Reports the median (and min, max) wall seconds of each, their ratio, and the AWS calls each
  makes (A: the `pydynox-iam: N AWS calls` line of -v; B: the script's last line).

latency: the audit role above, audited for every feature with `--engine aws` and `--engine local`
  through localstack/latency-proxy.py adding 0, 50 and 100 ms to every request (issue 13: round
  trips, not calls, are what users wait for); median wall seconds and AWS calls per delay and
  engine, for `--bin` (default the release binary) and optionally `--before-bin` (an earlier
  build, to compare), interleaved after one warm-up round.
    bash localstack/with-localstack.sh .localstack/venv/bin/python localstack/bench.py latency [--runs 5] [--bin B] [--before-bin A]

fleet: N roles `bench-fleet-NNNN` (sharing 5 customer managed policies, each with its own inline
  policy), a pydynox-iam.toml with one service per role (crud, query, indexes, batch,
  transactions on one table and index), and per size
    target/release/pydynox-iam check --config target/bench/fleet-N.toml --format json --jobs 4 -v
  Reports the median wall seconds, the AWS calls and the peak RSS of the pydynox-iam process,
  and how they grow with N. Sizes are interleaved within each round, after one untimed warm-up
  run per size.

Measurement: each measured command runs in a fresh helper Python process that starts it, waits
for it, and reports the wall time (time.perf_counter around start-to-exit, so Python's own start
is not counted) and resource.getrusage(RUSAGE_CHILDREN).ru_maxrss, which, since the command is
the helper's only child, is the command's peak resident set size. Standard output and standard
error go to files, never to a terminal. Resources are created idempotently: a rerun reuses them.

The script builds nothing: it needs target/release/pydynox-iam (`cargo build --release --locked`).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import json
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / "target" / "release" / "pydynox-iam"
BIN_REL = "target/release/pydynox-iam"
AUDIT_SCRIPT_REL = "localstack/awscli-audit.sh"
WORK = ROOT / "target" / "bench"

# Runs one command and prints {"wall", "rc", "maxrss_kib"} as JSON. A fresh process per
# measurement, so RUSAGE_CHILDREN covers exactly that command (and what it waits for).
HELPER = r"""
import json, resource, subprocess, sys, time
out, err, cwd, cmd = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
with open(out, "wb") as o, open(err, "wb") as e:
    t0 = time.perf_counter()
    rc = subprocess.call(cmd, stdout=o, stderr=e, stdin=subprocess.DEVNULL, cwd=cwd)
    wall = time.perf_counter() - t0
print(json.dumps({"wall": wall, "rc": rc, "maxrss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
"""

CALLS_RE = re.compile(r"^pydynox-iam: (\d+) AWS calls$", re.M)
CALL_OP_RE = re.compile(r"^pydynox-iam: aws call \d+: (\S+) ", re.M)
SCRIPT_CALLS_RE = re.compile(r"^awscli-audit: (\d+) AWS calls$")


def die(msg: str, code: int = 2) -> None:
    print(f"bench: error: {msg}", file=sys.stderr)
    sys.exit(code)


def log(msg: str) -> None:
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def preflight(release_bin: bool = True) -> str:
    if release_bin and (not BIN.is_file() or not os.access(BIN, os.X_OK)):
        die(f"{BIN_REL} not found; build it first with `cargo build --release --locked` "
            "(or run `bash localstack/bench.sh`, which builds it)")
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    if not endpoint:
        die("AWS_ENDPOINT_URL is not set; run this under LocalStack: "
            "`bash localstack/with-localstack.sh .localstack/venv/bin/python localstack/bench.py ...`")
    return endpoint


def clients(endpoint: str):
    import boto3
    from botocore.config import Config

    session = boto3.session.Session(region_name=os.environ.get("AWS_REGION", "us-east-1"))
    cfg = Config(retries={"max_attempts": 10, "mode": "standard"}, max_pool_connections=16)
    return {name: session.client(name, endpoint_url=endpoint, config=cfg)
            for name in ("iam", "kms", "s3", "sts")}


# ---------------------------------------------------------------------------- measurement

def measure(cmd: list[str], tag: str, env: dict | None = None) -> dict:
    """Runs cmd (from the repository root) in a fresh helper process; returns its figures and
    the paths of its captured output. `env`: the command's environment (default: this one's)."""
    WORK.mkdir(parents=True, exist_ok=True)
    out, err = WORK / f"{tag}.stdout", WORK / f"{tag}.stderr"
    res = subprocess.run([sys.executable, "-c", HELPER, str(out), str(err), str(ROOT), *cmd],
                         capture_output=True, text=True, check=True, env=env)
    m = json.loads(res.stdout)
    m["stdout"], m["stderr"] = out, err
    return m


def tool_calls(m: dict) -> tuple[int, dict[str, int]]:
    text = Path(m["stderr"]).read_text(errors="replace")
    found = CALLS_RE.findall(text)
    if not found:
        die(f"no `pydynox-iam: N AWS calls` line on stderr ({m['stderr']}); exit code {m['rc']}", 1)
    ops: dict[str, int] = {}
    for op in CALL_OP_RE.findall(text):
        ops[op] = ops.get(op, 0) + 1
    return int(found[-1]), ops


def script_calls(m: dict) -> int:
    lines = Path(m["stdout"]).read_text(errors="replace").strip().splitlines()
    last = lines[-1] if lines else ""
    found = SCRIPT_CALLS_RE.match(last)
    if not found:
        die(f"the script's last line is not `awscli-audit: N AWS calls` ({m['stdout']}); "
            f"exit code {m['rc']}; stderr in {m['stderr']}", 1)
    return int(found.group(1))


def stats(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def machine_summary(binary: Path = BIN, profile: str = "release build") -> list[str]:
    def first(cmd: list[str]) -> str:
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
            return (r.stdout or r.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            return "unknown"

    cpu = "unknown"
    mem_gib = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gib = int(line.split()[1]) / 1024 / 1024
                break
    except OSError:
        pass
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    ls_version = "unknown"
    try:
        url = os.environ["AWS_ENDPOINT_URL"].rstrip("/") + "/_localstack/health"
        with urllib.request.urlopen(url, timeout=10) as r:
            ls_version = json.load(r).get("version", "unknown")
    except Exception:  # noqa: BLE001 - informational only
        pass
    aws_bin = ROOT / ".localstack" / "venv" / "bin" / "aws"
    aws_version = first([str(aws_bin) if aws_bin.exists() else "aws", "--version"])
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return [
        f"- Date: {now}",
        f"- Machine: {nproc} CPUs (nproc), {mem_gib:.1f} GiB memory, {cpu}, "
        f"Linux {platform.release()}" if mem_gib else f"- Machine: {nproc} CPUs (nproc), {cpu}",
        f"- {first([str(binary), '--version'])} ({profile}); LocalStack {ls_version} on the same "
        f"machine; {aws_version.split(' ')[0]}; Python {platform.python_version()}",
    ]


def fmt_s(x: float) -> str:
    return f"{x:.3f}" if x < 10 else f"{x:.2f}"


# ---------------------------------------------------------------------------- set-up helpers

def doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


TRUST = doc({"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"})
# The audited role's trust policy: a pod on EKS (IAM roles for service accounts). Its Action is a
# list without `sts:AssumeRole` on purpose: LocalStack's stub simulator reads the trust policy as if
# it were an identity policy, and fails (InternalError 'Resource') on a statement that matches
# `sts:AssumeRole` but has no Resource, which would break every `--features all` audit.
AUDIT_TRUST = doc({
    "Effect": "Allow",
    "Principal": {"Federated": "arn:aws:iam::{account}:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/BENCH"},
    "Action": ["sts:AssumeRoleWithWebIdentity"],
    "Condition": {"StringEquals": {"oidc.eks.us-east-1.amazonaws.com/id/BENCH:sub":
                                   "system:serviceaccount:orders:orders-api"}},
})


def ensure_managed_policy(iam, account: str, name: str, document: str, path: str = "/") -> str:
    arn = f"arn:aws:iam::{account}:policy{path}{name}"
    try:
        iam.get_policy(PolicyArn=arn)
    except iam.exceptions.NoSuchEntityException:
        iam.create_policy(PolicyName=name, Path=path, PolicyDocument=document,
                          Description="pydynox-iam benchmark")
    return arn


def ensure_role(iam, name: str, path: str = "/", boundary: str | None = None, trust: str = TRUST) -> str:
    try:
        kwargs = {"PermissionsBoundary": boundary} if boundary else {}
        arn = iam.create_role(RoleName=name, Path=path, AssumeRolePolicyDocument=trust,
                              Description="pydynox-iam benchmark", **kwargs)["Role"]["Arn"]
    except iam.exceptions.EntityAlreadyExistsException:
        arn = iam.get_role(RoleName=name)["Role"]["Arn"]
        iam.update_assume_role_policy(RoleName=name, PolicyDocument=trust)
        if boundary:
            iam.put_role_permissions_boundary(RoleName=name, PermissionsBoundary=boundary)
    return arn


def ensure_key(kms, alias: str) -> str:
    try:
        return kms.describe_key(KeyId=alias)["KeyMetadata"]["Arn"]
    except kms.exceptions.NotFoundException:
        arn = kms.create_key(Description="pydynox-iam benchmark")["KeyMetadata"]["Arn"]
        kms.create_alias(AliasName=alias, TargetKeyId=arn)
        return arn


def ensure_bucket(s3, name: str) -> None:
    try:
        s3.create_bucket(Bucket=name)
    except (s3.exceptions.BucketAlreadyOwnedByYou, s3.exceptions.BucketAlreadyExists):
        pass


# ---------------------------------------------------------------------------- audit

AUDIT_ROLE = "bench-audit"
AUDIT_TARGET = "bench-audit-target"
AUDIT_TABLE = "bench-orders"
AUDIT_INDEX = "by-customer"
AUDIT_BUCKET = "bench-audit-attachments"
AUDIT_PREFIX = "orders/"
AUDIT_ALIAS = "alias/bench-audit"


def setup_audit(c: dict) -> dict:
    iam, account = c["iam"], c["sts"].get_caller_identity()["Account"]
    region = os.environ.get("AWS_REGION", "us-east-1")
    key_arn = ensure_key(c["kms"], AUDIT_ALIAS)
    ensure_bucket(c["s3"], AUDIT_BUCKET)
    table = f"arn:aws:dynamodb:{region}:{account}:table/{AUDIT_TABLE}"
    target_arn = ensure_role(iam, AUDIT_TARGET)

    boundary = ensure_managed_policy(iam, account, "bench-audit-boundary", doc(
        {"Sid": "Services", "Effect": "Allow", "Action": ["dynamodb:*", "kms:*", "s3:*", "sts:AssumeRole"],
         "Resource": "*"},
        {"Sid": "NoTableDeletes", "Effect": "Deny", "Action": ["dynamodb:DeleteTable", "dynamodb:DeleteBackup"],
         "Resource": "*"},
    ))
    managed = [
        ensure_managed_policy(iam, account, "bench-audit-shared-read", doc(
            {"Sid": "Read", "Effect": "Allow",
             "Action": ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan",
                        "dynamodb:DescribeTable", "dynamodb:PartiQLSelect"],
             "Resource": [table, f"{table}/index/*"]},
            {"Sid": "Ping", "Effect": "Allow", "Action": "dynamodb:ListTables", "Resource": "*"},
        )),
        ensure_managed_policy(iam, account, "bench-audit-shared-ops", doc(
            {"Sid": "Tables", "Effect": "Allow",
             "Action": ["dynamodb:CreateTable", "dynamodb:DescribeTable", "dynamodb:UpdateTimeToLive"],
             "Resource": f"arn:aws:dynamodb:{region}:{account}:table/bench-*"},
            {"Sid": "Metrics", "Effect": "Allow", "Action": ["cloudwatch:PutMetricData"], "Resource": "*"},
        )),
        ensure_managed_policy(iam, account, "bench-audit-guardrails", doc(
            {"Sid": "TlsOnly", "Effect": "Deny", "Action": "s3:*", "Resource": "*",
             "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
            {"Sid": "NoKeyAdmin", "Effect": "Deny", "Action": ["kms:ScheduleKeyDeletion", "kms:DisableKey"],
             "Resource": "*"},
        )),
    ]
    ensure_role(iam, AUDIT_ROLE, boundary=boundary, trust=AUDIT_TRUST.replace("{account}", account))
    inline = {
        "bench-audit-dynamodb": doc(
            {"Sid": "Write", "Effect": "Allow",
             "Action": ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
                        "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem",
                        "dynamodb:PartiQLInsert", "dynamodb:PartiQLUpdate", "dynamodb:PartiQLDelete"],
             "Resource": table},
        ),
        "bench-audit-encryption": doc(
            {"Sid": "FieldEncryption", "Effect": "Allow",
             "Action": ["kms:GenerateDataKey", "kms:Decrypt", "kms:DescribeKey", "kms:CreateGrant"],
             "Resource": key_arn},
        ),
        "bench-audit-attachments": doc(
            {"Sid": "Objects", "Effect": "Allow",
             "Action": ["s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
             "Resource": f"arn:aws:s3:::{AUDIT_BUCKET}/{AUDIT_PREFIX}*"},
            {"Sid": "Writer", "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": target_arn},
        ),
    }
    for name, document in inline.items():
        iam.put_role_policy(RoleName=AUDIT_ROLE, PolicyName=name, PolicyDocument=document)
    for arn in managed:
        iam.attach_role_policy(RoleName=AUDIT_ROLE, PolicyArn=arn)
    return {"key_arn": key_arn, "target_arn": target_arn}


def cmd_audit(args) -> None:
    endpoint = preflight()
    c = clients(endpoint)
    log(f"setting up role {AUDIT_ROLE} (idempotent)")
    r = setup_audit(c)
    ours = [BIN_REL, "check", "--engine", "aws", "--no-table-policy", "--role", AUDIT_ROLE, "--features", "all",
            "--table", AUDIT_TABLE, "--index", AUDIT_INDEX, "--kms-key", r["key_arn"],
            "--bucket", AUDIT_BUCKET, "--prefix", AUDIT_PREFIX, "--assume-role-arn", r["target_arn"],
            "--format", "json", "-v"]
    script = ["bash", AUDIT_SCRIPT_REL, AUDIT_ROLE, AUDIT_TABLE, AUDIT_INDEX, r["key_arn"],
              AUDIT_BUCKET, AUDIT_PREFIX, r["target_arn"]]

    def run_ours(tag: str) -> dict:
        m = measure(ours, tag)
        if m["rc"] not in (0, 1):  # 1: some checks fail, which LocalStack's stub simulator makes likely
            die(f"pydynox-iam exited {m['rc']}; see {m['stderr']}", 1)
        m["calls"], m["ops"] = tool_calls(m)
        report = json.loads(Path(m["stdout"]).read_text())
        m["rows"] = report["summary"]["total"]
        return m

    def run_script(tag: str) -> dict:
        m = measure(script, tag)
        if m["rc"] != 0:
            die(f"{AUDIT_SCRIPT_REL} exited {m['rc']}; see {m['stderr']}", 1)
        m["calls"] = script_calls(m)
        return m

    log("warm-up (untimed): one run of each")
    w_ours, w_script = run_ours("audit-warmup-ours"), run_script("audit-warmup-awscli")
    ours_runs, script_runs = [], []
    for i in range(args.runs):
        a = run_ours("audit-ours")
        b = run_script("audit-awscli")
        ours_runs.append(a)
        script_runs.append(b)
        log(f"run {i + 1}/{args.runs}: pydynox-iam {a['wall']:.3f}s ({a['calls']} calls), "
            f"awscli-audit.sh {b['wall']:.3f}s ({b['calls']} calls)")
    calls_a = sorted({m["calls"] for m in ours_runs + [w_ours]})
    calls_b = sorted({m["calls"] for m in script_runs + [w_script]})
    sa, sb = stats([m["wall"] for m in ours_runs]), stats([m["wall"] for m in script_runs])
    ops = ", ".join(f"{n} {op.split('.')[-1]}" for op, n in sorted(ours_runs[-1]["ops"].items()))

    def calls_str(v: list[int]) -> str:
        return str(v[0]) if len(v) == 1 else f"{v[0]}-{v[-1]}"

    print("### Audit of one role: pydynox-iam versus the same audit with the AWS CLI")
    print()
    print(f"Role `{AUDIT_ROLE}`: 3 inline policies, 3 customer managed policies, a permissions boundary; "
          f"every feature (`--features all`, {ours_runs[-1]['rows']} checks) on one table, index, "
          f"KMS key, bucket and target role; IAM's simulator (`--engine aws`), on LocalStack. "
          f"Whole processes, {args.runs} runs each, interleaved, after one warm-up run each.")
    print()
    print("| | median wall (s) | min (s) | max (s) | AWS calls |")
    print("|---|---:|---:|---:|---:|")
    print(f"| `pydynox-iam check --engine aws --features all ...` | {fmt_s(sa['median'])} | "
          f"{fmt_s(sa['min'])} | {fmt_s(sa['max'])} | {calls_str(calls_a)} |")
    print(f"| `bash {AUDIT_SCRIPT_REL} ...` (AWS CLI) | {fmt_s(sb['median'])} | "
          f"{fmt_s(sb['min'])} | {fmt_s(sb['max'])} | {calls_str(calls_b)} |")
    print()
    print(f"The AWS CLI audit takes **{sb['median'] / sa['median']:.1f}x** as long (median over median).")
    print(f"pydynox-iam's calls: {ops}.")
    print()
    print("Reproduce: `make bench`, or `bash localstack/with-localstack.sh .localstack/venv/bin/python "
          f"localstack/bench.py audit --runs {args.runs}` after `cargo build --release --locked`. Commands timed:")
    print()
    print("```sh")
    print(shlex.join(ours))
    print(shlex.join(script))
    print("```")
    print()
    for line in machine_summary():
        print(line)
    print()


# ---------------------------------------------------------------------------- fleet

FLEET_PATH = "/bench-fleet/"
FLEET_TABLE = "bench-fleet-orders"
FLEET_INDEX = "by-customer"
FLEET_FEATURES = ["crud", "query", "indexes", "batch", "transactions"]


def fleet_role(i: int) -> str:
    return f"bench-fleet-{i:04d}"


def setup_fleet(c: dict, n: int) -> None:
    iam, account = c["iam"], c["sts"].get_caller_identity()["Account"]
    region = os.environ.get("AWS_REGION", "us-east-1")
    table = f"arn:aws:dynamodb:{region}:{account}:table/{FLEET_TABLE}"
    index = f"{table}/index/*"
    shared_docs = {
        "bench-fleet-read": doc({"Sid": "Read", "Effect": "Allow",
                                 "Action": ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query",
                                            "dynamodb:Scan"], "Resource": [table, index]}),
        "bench-fleet-write": doc({"Sid": "Write", "Effect": "Allow",
                                  "Action": ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
                                             "dynamodb:BatchWriteItem"], "Resource": table}),
        "bench-fleet-transactions": doc({"Sid": "Transactions", "Effect": "Allow",
                                         "Action": "dynamodb:ConditionCheckItem", "Resource": table}),
        "bench-fleet-ops": doc({"Sid": "Ops", "Effect": "Allow",
                                "Action": ["dynamodb:DescribeTable", "dynamodb:ListTables",
                                           "cloudwatch:PutMetricData"], "Resource": "*"}),
        "bench-fleet-guardrails": doc({"Sid": "NoDeletes", "Effect": "Deny",
                                       "Action": ["dynamodb:DeleteTable", "dynamodb:DeleteBackup"],
                                       "Resource": "*"}),
    }
    shared = [ensure_managed_policy(iam, account, name, d, FLEET_PATH) for name, d in shared_docs.items()]
    existing = set()
    for page in iam.get_paginator("list_roles").paginate(PathPrefix=FLEET_PATH):
        existing.update(r["RoleName"] for r in page["Roles"])

    def one(i: int) -> None:
        name = fleet_role(i)
        if name not in existing:
            ensure_role(iam, name, FLEET_PATH)
        iam.put_role_policy(RoleName=name, PolicyName=f"{name}-own", PolicyDocument=doc(
            {"Sid": "OwnItems", "Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem"],
             "Resource": table,
             "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": [f"tenant-{i}"]}}}))
        for arn in shared:
            iam.attach_role_policy(RoleName=name, PolicyArn=arn)

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(one, range(1, n + 1)))


def write_fleet_config(n: int) -> Path:
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / f"fleet-{n}.toml"
    lines = [f"# {n} services for `localstack/bench.py fleet` (generated; do not edit)", ""]
    features = ", ".join(f'"{f}"' for f in FLEET_FEATURES)
    for i in range(1, n + 1):
        lines += ["[[service]]", f'name = "{fleet_role(i)}"', f'role = "{fleet_role(i)}"',
                  f"features = [{features}]", f'tables = ["{FLEET_TABLE}"]', f'indexes = ["{FLEET_INDEX}"]', ""]
    path.write_text("\n".join(lines))
    return path


def cmd_fleet(args) -> None:
    endpoint = preflight()
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    if not sizes or sizes[0] < 1:
        die("--sizes needs positive numbers, e.g. 50,100,200")
    c = clients(endpoint)
    log(f"setting up {sizes[-1]} roles under {FLEET_PATH} (idempotent)")
    setup_fleet(c, sizes[-1])
    cmds = {}
    for n in sizes:
        cfg = write_fleet_config(n).relative_to(ROOT)
        cmds[n] = [BIN_REL, "check", "--config", str(cfg), "--no-table-policy", "--format", "json",
                   "--jobs", str(args.jobs), "-v"]

    def run(n: int, tag: str) -> dict:
        m = measure(cmds[n], tag)
        if m["rc"] not in (0, 1):
            die(f"pydynox-iam exited {m['rc']} for {n} roles; see {m['stderr']}", 1)
        m["calls"], _ = tool_calls(m)
        report = json.loads(Path(m["stdout"]).read_text())
        services = report.get("services") or []
        if len(services) != n:
            die(f"the fleet report has {len(services)} services, expected {n} ({m['stdout']})", 1)
        failed = [s["name"] for s in services if s.get("error")]
        if failed:
            die(f"{len(failed)} services could not be checked, e.g. {failed[0]} ({m['stdout']})", 1)
        engines = {(s.get("report") or {}).get("engine") for s in services} - {None}
        m["engine"] = ", ".join(sorted(engines)) or "unknown"
        return m

    log("warm-up (untimed): one run per size")
    engine = {n: run(n, f"fleet-{n}-warmup")["engine"] for n in sizes}
    runs: dict[int, list[dict]] = {n: [] for n in sizes}
    for i in range(args.runs):
        for n in sizes:
            m = run(n, f"fleet-{n}")
            runs[n].append(m)
            log(f"run {i + 1}/{args.runs}, {n} roles: {m['wall']:.3f}s, {m['calls']} calls, "
                f"peak RSS {m['maxrss_kib'] / 1024:.1f} MiB")

    rows = {}
    for n in sizes:
        calls = sorted({m["calls"] for m in runs[n]})
        rows[n] = {"wall": stats([m["wall"] for m in runs[n]]),
                   "rss": stats([m["maxrss_kib"] / 1024 for m in runs[n]]),
                   "calls": calls}
    print(f"### Fleet: one config file, one service per role (`--jobs {args.jobs}`)")
    print()
    print(f"Each role: its own inline policy and the same 5 customer managed policies; features "
          f"{', '.join(FLEET_FEATURES)} on one table and index. Engine: "
          f"{', '.join(sorted(set(engine.values())))} (the default `auto` picks the local engine on LocalStack). "
          f"Whole process, {args.runs} runs per size, sizes interleaved, after one warm-up run each.")
    print()
    print("| roles | median wall (s) | min-max (s) | AWS calls | calls per role | peak RSS (MiB), median | max |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for n in sizes:
        r = rows[n]
        calls = r["calls"][0] if len(r["calls"]) == 1 else f"{r['calls'][0]}-{r['calls'][-1]}"
        print(f"| {n} | {fmt_s(r['wall']['median'])} | {fmt_s(r['wall']['min'])}-{fmt_s(r['wall']['max'])} | "
              f"{calls} | {r['calls'][-1] / n:.2f} | {r['rss']['median']:.1f} | {r['rss']['max']:.1f} |")
    if len(sizes) > 1:
        print()
        print("Growth between sizes (ratio of medians):")
        print()
        print("| from -> to | roles | wall | AWS calls | peak RSS |")
        print("|---|---:|---:|---:|---:|")
        for a, b in zip(sizes, sizes[1:]):
            ra, rb = rows[a], rows[b]
            print(f"| {a} -> {b} | x{b / a:.2f} | x{rb['wall']['median'] / ra['wall']['median']:.2f} | "
                  f"x{rb['calls'][-1] / ra['calls'][-1]:.2f} | x{rb['rss']['median'] / ra['rss']['median']:.2f} |")
    print()
    print("Reproduce: `make bench`, or `bash localstack/with-localstack.sh .localstack/venv/bin/python "
          f"localstack/bench.py fleet --sizes {','.join(map(str, sizes))} --runs {args.runs}` after "
          "`cargo build --release --locked`. Commands timed (the config files are generated into "
          "target/bench/):")
    print()
    print("```sh")
    for n in sizes:
        print(shlex.join(cmds[n]))
    print("```")
    print()
    print("Peak RSS is `ru_maxrss` of `getrusage(RUSAGE_CHILDREN)` in a fresh helper process whose only "
          "child is pydynox-iam; AWS calls are the `pydynox-iam: N AWS calls` line of `-v` (HTTP attempts).")
    print()
    for line in machine_summary():
        print(line)
    print()


# ---------------------------------------------------------------------------- latency

PROXY_REL = "localstack/latency-proxy.py"


def start_proxy(upstream_url: str, delay_ms: int) -> tuple[subprocess.Popen, str]:
    """Starts localstack/latency-proxy.py in front of upstream_url; returns it and its URL."""
    from urllib.parse import urlsplit

    u = urlsplit(upstream_url)
    proc = subprocess.Popen([sys.executable, str(ROOT / PROXY_REL), "--listen", "127.0.0.1:0",
                             "--upstream", f"{u.hostname}:{u.port or 80}", "--delay-ms", str(delay_ms)],
                            stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline() if proc.stdout else ""
    m = re.match(r"^latency-proxy: listening on (\S+):(\d+)$", line.strip())
    if not m:
        proc.kill()
        die(f"{PROXY_REL} did not start (it printed {line!r})", 1)
    return proc, f"http://{m.group(1)}:{m.group(2)}"


def cmd_latency(args) -> None:
    """One full audit (`--features all`, the `audit` role) with each engine, through a proxy
    that adds a delay to every request, at each delay; for one or two binaries (before/after)."""
    endpoint = preflight(release_bin=False)
    c = clients(endpoint)
    log(f"setting up role {AUDIT_ROLE} (idempotent)")
    r = setup_audit(c)
    bins = [("after", args.bin)] + ([("before", args.before_bin)] if args.before_bin else [])
    for _, b in bins:
        if not (ROOT / b).is_file():
            die(f"`{b}` not found; build it first (`cargo build --release --locked`)")
    delays = [int(d) for d in args.delays.split(",")]
    engines = ["aws", "local"]

    def command(binary: str, engine: str) -> list[str]:
        return [binary, "check", "--engine", engine, "--no-table-policy", "--role", AUDIT_ROLE,
                "--features", "all", "--table", AUDIT_TABLE, "--index", AUDIT_INDEX,
                "--kms-key", AUDIT_ALIAS, "--bucket", AUDIT_BUCKET, "--prefix", AUDIT_PREFIX,
                "--assume-role-arn", r["target_arn"], "--format", "json", "-v"]

    walls: dict[tuple, list[float]] = {}
    calls: dict[tuple, set[int]] = {}
    rows: dict[tuple, int] = {}
    proxies = []
    try:
        urls = {}
        for d in delays:
            ls_proxy, ls_url = start_proxy(endpoint, d)
            proxies.append(ls_proxy)
            env = dict(os.environ, AWS_ENDPOINT_URL=ls_url)
            moto = os.environ.get("AWS_ENDPOINT_URL_DYNAMODB")
            if moto:
                moto_proxy, moto_url = start_proxy(moto, d)
                proxies.append(moto_proxy)
                env["AWS_ENDPOINT_URL_DYNAMODB"] = moto_url
            urls[d] = env
        log("warm-up (untimed): one run of each command")
        for rnd in range(args.runs + 1):
            for d in delays:
                for engine in engines:
                    for label, b in bins:
                        key = (d, engine, label)
                        m = measure(command(b, engine), f"latency-{label}-{engine}-{d}", urls[d])
                        if m["rc"] not in (0, 1):
                            die(f"{b} exited {m['rc']}; see {m['stderr']}", 1)
                        n, _ = tool_calls(m)
                        report = json.loads(Path(m["stdout"]).read_text())
                        if rows.setdefault(key[:2], report["summary"]["total"]) != report["summary"]["total"]:
                            die(f"{label} and another run gave different row counts at {d} ms, {engine}", 1)
                        calls.setdefault(key, set()).add(n)
                        if rnd > 0:
                            walls.setdefault(key, []).append(m["wall"])
            if rnd > 0:
                log(f"round {rnd}/{args.runs} done")
    finally:
        for p in proxies:
            p.terminate()
            p.wait()

    def calls_str(v: set[int]) -> str:
        v2 = sorted(v)
        return str(v2[0]) if len(v2) == 1 else f"{v2[0]}-{v2[-1]}"

    print("### One audit behind added latency: round trips, not calls")
    print()
    print(f"Role `{AUDIT_ROLE}` (3 inline, 3 customer managed policies, a boundary), `--features all` on one "
          f"table, index, KMS key alias, bucket and role to assume, through `{PROXY_REL}` adding "
          f"0/50/100 ms to every request to LocalStack. Whole processes, median of {args.runs} runs each "
          f"(min-max), interleaved, after one warm-up run each.")
    print()
    head = "| added latency | engine |" + "".join(f" {label}: median s (min-max), calls |" for label, _ in reversed(bins))
    print(head + (" after/before |" if len(bins) == 2 else ""))
    print("|---:|---|" + "---:|" * (len(bins) + (1 if len(bins) == 2 else 0)))
    for d in delays:
        for engine in engines:
            cells = []
            meds = {}
            for label, _ in reversed(bins):
                s = stats(walls[(d, engine, label)])
                meds[label] = s["median"]
                cells.append(f" {fmt_s(s['median'])} ({fmt_s(s['min'])}-{fmt_s(s['max'])}), "
                             f"{calls_str(calls[(d, engine, label)])} |")
            ratio = f" {meds['after'] / meds['before']:.2f} |" if len(bins) == 2 else ""
            print(f"| {d} ms | `--engine {engine}` |" + "".join(cells) + ratio)
    print()
    print("Reproduce: `bash localstack/with-localstack.sh .localstack/venv/bin/python localstack/bench.py "
          f"latency --runs {args.runs} --bin {args.bin}" + (f" --before-bin {args.before_bin}" if args.before_bin else "")
          + "`. Command timed (AWS_ENDPOINT_URL set to the proxy):")
    print()
    print("```sh")
    print(shlex.join(command(args.bin, "aws")))
    print("```")
    print()
    profile = "release build" if "/release/" in args.bin else "debug build: wall times include its slower start and evaluation"
    for line in machine_summary(ROOT / args.bin, profile):
        print(line)
    try:
        print(f"- Load average at the end: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    except OSError:
        pass
    print()


def main() -> None:
    p = argparse.ArgumentParser(description="pydynox-iam benchmarks against LocalStack (see the module docstring)")
    sub = p.add_subparsers(dest="command", required=True)
    a = sub.add_parser("audit", help="one role: pydynox-iam versus the same audit with the AWS CLI")
    a.add_argument("--runs", type=int, default=7, help="timed runs of each command (default 7)")
    f = sub.add_parser("fleet", help="a config file of N roles: wall time, AWS calls, peak RSS")
    f.add_argument("--sizes", default="50,100,200", help="comma-separated role counts (default 50,100,200)")
    f.add_argument("--runs", type=int, default=5, help="timed runs per size (default 5)")
    f.add_argument("--jobs", type=int, default=4, help="pydynox-iam --jobs (default 4)")
    lt = sub.add_parser("latency", help="one audit through a proxy adding latency: wall time and calls")
    lt.add_argument("--delays", default="0,50,100", help="comma-separated added latencies in ms (default 0,50,100)")
    lt.add_argument("--runs", type=int, default=5, help="timed runs per command (default 5)")
    lt.add_argument("--bin", default=BIN_REL, help=f"the binary measured (default {BIN_REL})")
    lt.add_argument("--before-bin", help="a second binary (an earlier build) to compare with")
    args = p.parse_args()
    if args.runs < 1:
        die("--runs must be at least 1")
    {"audit": cmd_audit, "fleet": cmd_fleet, "latency": cmd_latency}[args.command](args)


if __name__ == "__main__":
    main()
