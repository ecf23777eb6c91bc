"""--all-roles (one read of the account) against the per-principal fleet path, on the same roles.

Creates ROLES roles (default 1,000) in LocalStack under a path of their own, a mix of what real
accounts hold: every role attaches one of 10 shared managed policies, every third has an inline
policy, every fourth a permissions boundary, and all carry `pydynox:*` tags and a team tag. Then
times two audits of exactly those roles, after one untimed run of each:

  pydynox-iam check --all-roles --path-prefix PATH --no-table-policy --engine local --format json
  pydynox-iam check --config fleet.toml --account-read never --no-table-policy --engine local --format json

and counts the AWS calls each made (the binary counts every HTTP attempt and prints the total on
stderr with PYDYNOX_IAM_COUNT_CALLS=1). Prints a Markdown table for the README.

Usage: python localstack/bench-org.py BIN [--roles N] [--runs N]; needs LocalStack up
(AWS_ENDPOINT_URL) and boto3 (LocalStack's venv has it).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

import boto3

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
    "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
CRUD = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]


def table_arn(account, table):
    return f"arn:aws:dynamodb:us-east-1:{account}:table/{table}"


def setup(iam, account, roles, path):
    shared = []
    for i in range(10):
        doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": CRUD,
               "Resource": [table_arn(account, f"orders{i}"), table_arn(account, "orders")]}]}
        shared.append(iam.create_policy(PolicyName=f"{path.strip('/')}-shared-{i}", Path=path,
                                        PolicyDocument=json.dumps(doc))["Policy"]["Arn"])
    boundary = iam.create_policy(PolicyName=f"{path.strip('/')}-boundary", Path=path,
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]}))["Policy"]["Arn"]
    names = []
    for i in range(roles):
        name = f"{path.strip('/')}-{i:04d}"
        iam.create_role(RoleName=name, Path=path, AssumeRolePolicyDocument=TRUST, Tags=[
            {"Key": "pydynox:features", "Value": "crud"},
            {"Key": "pydynox:tables", "Value": "orders"},
            {"Key": "team", "Value": f"team-{i % 7}"},
        ])
        iam.attach_role_policy(RoleName=name, PolicyArn=shared[i % 10])
        if i % 3 == 0:
            iam.put_role_policy(RoleName=name, PolicyName="inline", PolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                 "Action": "dynamodb:Query", "Resource": table_arn(account, "orders")}]}))
        if i % 4 == 0:
            iam.put_role_permissions_boundary(RoleName=name, PermissionsBoundary=boundary)
        names.append(name)
    return names


def timed(cmd, cwd):
    env = dict(os.environ, PYDYNOX_IAM_COUNT_CALLS="1", NO_COLOR="1")
    start = time.perf_counter()
    p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if p.returncode not in (0, 1):
        sys.exit(f"error: {' '.join(cmd)} exited {p.returncode}:\n{p.stderr[-2000:]}")
    calls = next(int(l.split()[1]) for l in p.stderr.splitlines()
                 if l.startswith("pydynox-iam: ") and l.endswith(" AWS calls"))
    services = json.loads(p.stdout)["services"]
    return wall, calls, services


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bin")
    ap.add_argument("--roles", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    a.bin = os.path.abspath(a.bin)
    endpoint = os.environ.get("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
    iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id="test", aws_secret_access_key="test")
    account = boto3.client("sts", endpoint_url=endpoint, region_name="us-east-1",
                           aws_access_key_id="test", aws_secret_access_key="test"
                           ).get_caller_identity()["Account"]
    path = f"/benchorg{uuid.uuid4().hex[:8]}/"
    start = time.perf_counter()
    names = setup(iam, account, a.roles, path)
    print(f"created {len(names)} roles under {path} in {time.perf_counter() - start:.0f} s",
          file=sys.stderr)
    with tempfile.TemporaryDirectory() as d:
        config = "[defaults]\nregion = \"us-east-1\"\n" + "".join(
            f"\n[[service]]\nname = \"{n}\"\nrole = \"{n}\"\nfeatures = [\"crud\"]\ntables = [\"orders\"]\n"
            for n in names)
        with open(os.path.join(d, "fleet.toml"), "w") as f:
            f.write(config)
        common = ["--no-table-policy", "--engine", "local", "--format", "json"]
        runs = {
            "--all-roles (one read)": [a.bin, "check", "--all-roles", "--path-prefix", path] + common,
            "--config, per principal": [a.bin, "check", "--config", "fleet.toml",
                                        "--account-read", "never"] + common,
        }
        results = {}
        for label, cmd in runs.items():
            _, calls, services = timed(cmd, d)  # untimed warm-up; checks the run
            assert len(services) == len(names), (label, len(services))
            walls = [timed(cmd, d)[0] for _ in range(a.runs)]
            verdicts = sorted((s["name"], s["report"]["summary"]["verdict"]) for s in services)
            results[label] = (calls, statistics.median(walls), verdicts)
        one, each = results["--all-roles (one read)"], results["--config, per principal"]
        assert one[2] == each[2], "the two paths disagree on a verdict"
        print(f"| path ({len(names)} roles) | AWS calls | wall time (median of {a.runs}) |")
        print("|---|---:|---:|")
        for label, (calls, wall, _) in results.items():
            print(f"| {label} | {calls} | {wall:.2f} s |")
        print(f"\n{each[0] / one[0]:.0f}x fewer calls, {each[1] / one[1]:.1f}x faster; "
              f"the same verdict for every role")


if __name__ == "__main__":
    main()
