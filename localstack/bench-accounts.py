"""Many accounts at once: `check --accounts` over several LocalStack accounts, one account at a
time against several at once (`--account-jobs`).

LocalStack 4.10 keys its state by account (an access key id that is a 12-digit number is that
account). Creates ACCOUNTS accounts (default 4), each with an audit role and ROLES roles (default
250) under a path of their own, each role tagged `pydynox:features=crud`, `pydynox:tables=orders`
with an inline policy; the caller (LocalStack's own account) enters each with sts:AssumeRole. Then
times, after one untimed run of each:

  pydynox-iam check --all-roles --path-prefix PATH --accounts A,B,C,D --assume-role-name AUDIT \
      --account-jobs N --no-table-policy --engine local --format json

for N = 1 and N = ACCOUNTS, and counts the AWS calls. Prints a Markdown table for the README.

Usage: python localstack/bench-accounts.py BIN [--accounts N] [--roles N] [--runs N]; needs
LocalStack up (AWS_ENDPOINT_URL) and boto3 (LocalStack's venv has it).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import uuid

import boto3

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
    "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
AUDIT_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::000000000000:root"}, "Action": "sts:AssumeRole"}]})


def setup(endpoint, account, roles, path, audit):
    iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id=account, aws_secret_access_key="test")
    iam.create_role(RoleName=audit, AssumeRolePolicyDocument=AUDIT_TRUST)
    for i in range(roles):
        name = f"{path.strip('/')}-{i:04d}"
        iam.create_role(RoleName=name, Path=path, AssumeRolePolicyDocument=TRUST, Tags=[
            {"Key": "pydynox:features", "Value": "crud"},
            {"Key": "pydynox:tables", "Value": "orders"},
        ])
        iam.put_role_policy(RoleName=name, PolicyName="inline", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:*",
             "Resource": f"arn:aws:dynamodb:us-east-1:{account}:table/orders"}]}))


def timed(cmd):
    env = dict(os.environ, PYDYNOX_IAM_COUNT_CALLS="1", NO_COLOR="1")
    start = time.perf_counter()
    p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if p.returncode not in (0, 1):
        sys.exit(f"error: {' '.join(cmd)} exited {p.returncode}:\n{p.stderr[-2000:]}")
    calls = next(int(l.split()[1]) for l in p.stderr.splitlines()
                 if l.startswith("pydynox-iam: ") and l.endswith(" AWS calls"))
    return wall, calls, json.loads(p.stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bin")
    ap.add_argument("--accounts", type=int, default=4)
    ap.add_argument("--roles", type=int, default=250)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    a.bin = os.path.abspath(a.bin)
    endpoint = os.environ.get("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
    tag = uuid.uuid4().hex[:8]
    path, audit = f"/benchacct{tag}/", f"audit-{tag}"
    base = int(tag, 16) % 10**6
    accounts = [f"9{base:06d}{i:05d}" for i in range(a.accounts)]
    start = time.perf_counter()
    for acct in accounts:
        setup(endpoint, acct, a.roles, path, audit)
    print(f"created {a.accounts} accounts x {a.roles} roles in {time.perf_counter() - start:.0f} s",
          file=sys.stderr)
    results = {}
    for jobs in (1, a.accounts):
        cmd = [a.bin, "check", "--all-roles", "--path-prefix", path, "--accounts",
               ",".join(accounts), "--assume-role-name", audit, "--account-jobs", str(jobs),
               "--no-table-policy", "--engine", "local", "--format", "json"]
        _, calls, report = timed(cmd)  # untimed warm-up; checks the run
        assert len(report["services"]) == a.accounts * a.roles, len(report["services"])
        assert all(x["status"] == "checked" for x in report["accounts"]), report["accounts"]
        walls = [timed(cmd)[0] for _ in range(a.runs)]
        verdicts = sorted((s["name"], s["report"]["summary"]["verdict"]) for s in report["services"])
        results[jobs] = (calls, statistics.median(walls), verdicts)
    assert results[1][2] == results[a.accounts][2], "the runs disagree on a verdict"
    print(f"| --account-jobs ({a.accounts} accounts x {a.roles} roles) | AWS calls | "
          f"wall time (median of {a.runs}) |")
    print("|---|---|---|")
    for jobs, (calls, wall, _) in results.items():
        print(f"| {jobs} | {calls} | {wall:.2f} s |")
    one, many = results[1][1], results[a.accounts][1]
    print(f"\n{a.accounts} accounts at once: {one / many:.1f}x faster than one at a time")


if __name__ == "__main__":
    main()
