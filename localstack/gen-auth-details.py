#!/usr/bin/env python3
"""Writes a large, deterministic `aws iam get-account-authorization-details` export for benchmarks.

Usage: python3 localstack/gen-auth-details.py [--roles N] [--users N] [--policies N] [--tagged] OUT.json

The shape follows the AWS CLI's output (documents decoded into JSON objects, lists even when
empty): roles with a trust policy, an instance profile that repeats the role, two or three inline
policies, attached managed policies, tags and last-used data; users in groups; customer managed
policies with up to five versions, one of them the default. With the defaults (10,000 roles) the
file is about 77 MB. The same arguments always give the same bytes. Role `bench-role-04242` is the
one the benchmark audits: it has a permissions boundary, and one of its managed policies is
attached to thousands of other roles. With --tagged every role carries `pydynox:features` and
`pydynox:tables` tags, for `check --all-roles --from-auth-details` (localstack/bench-all-roles.sh).
"""

import argparse
import json
import random

ACCOUNT = "111122223333"
REGION = "eu-west-1"
DATE = "2026-01-15T10:20:30+00:00"
SERVICES = ["dynamodb", "kms", "s3", "sqs", "sns", "lambda", "logs", "events"]
VERBS = ["Get", "Put", "Update", "Delete", "List", "Describe", "Create", "Tag"]


def statement(rng, i, effect="Allow"):
    service = rng.choice(SERVICES)
    actions = sorted({f"{service}:{rng.choice(VERBS)}{rng.choice(['Item', 'Object', 'Table', 'Queue', 'Key', 'Function', 'Rule'])}" for _ in range(rng.randrange(2, 7))})
    resources = [
        f"arn:aws:{service}:{REGION}:{ACCOUNT}:{rng.choice(['table', 'queue', 'key', 'function', 'rule'])}/app-{rng.randrange(1000):03d}-{suffix}"
        for suffix in range(rng.randrange(1, 4))
    ]
    st = {"Sid": f"S{i}{rng.randrange(10**6)}", "Effect": effect, "Action": actions, "Resource": resources}
    if rng.random() < 0.3:
        st["Condition"] = {"StringEquals": {"aws:RequestedRegion": [REGION]}}
    return st


def document(rng, statements):
    return {"Version": "2012-10-17", "Statement": [statement(rng, i) for i in range(statements)]}


def trust(service="lambda.amazonaws.com"):
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
    }


def policy_arn(i):
    return f"arn:aws:iam::{ACCOUNT}:policy/bench/bench-policy-{i:04d}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--roles", type=int, default=10000)
    ap.add_argument("--users", type=int, default=200)
    ap.add_argument("--groups", type=int, default=20)
    ap.add_argument("--policies", type=int, default=300)
    ap.add_argument("--tagged", action="store_true",
                    help="describe every role with pydynox:* tags (for check --all-roles)")
    ap.add_argument("out")
    a = ap.parse_args()
    rng = random.Random(20260115)

    policies = []
    for i in range(a.policies):
        versions = rng.randrange(1, 6)
        default = rng.randrange(versions)
        policies.append({
            "PolicyName": f"bench-policy-{i:04d}",
            "PolicyId": f"ANPA{i:016d}",
            "Arn": policy_arn(i),
            "Path": "/bench/",
            "DefaultVersionId": f"v{default + 1}",
            "AttachmentCount": 0,
            "PermissionsBoundaryUsageCount": 0,
            "IsAttachable": True,
            "CreateDate": DATE,
            "UpdateDate": DATE,
            "PolicyVersionList": [
                {"Document": document(rng, rng.randrange(3, 8)), "VersionId": f"v{v + 1}",
                 "IsDefaultVersion": v == default, "CreateDate": DATE}
                for v in range(versions)
            ],
        })
    # The audited role's boundary.
    policies.append({
        "PolicyName": "bench-boundary", "PolicyId": "ANPABOUNDARY", "Arn": f"arn:aws:iam::{ACCOUNT}:policy/bench-boundary",
        "Path": "/", "DefaultVersionId": "v1", "AttachmentCount": 1, "PermissionsBoundaryUsageCount": 1,
        "IsAttachable": True, "CreateDate": DATE, "UpdateDate": DATE,
        "PolicyVersionList": [{"Document": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["dynamodb:*", "kms:*", "s3:*"], "Resource": "*"}]},
            "VersionId": "v1", "IsDefaultVersion": True, "CreateDate": DATE}],
    })

    groups = []
    for g in range(a.groups):
        groups.append({
            "Path": "/", "GroupName": f"bench-group-{g:02d}", "GroupId": f"AGPA{g:016d}",
            "Arn": f"arn:aws:iam::{ACCOUNT}:group/bench-group-{g:02d}", "CreateDate": DATE,
            "GroupPolicyList": [{"PolicyName": "inline", "PolicyDocument": document(rng, 2)}],
            "AttachedManagedPolicies": [{"PolicyName": f"bench-policy-{p:04d}", "PolicyArn": policy_arn(p)}
                                        for p in rng.sample(range(a.policies), 2)],
        })

    users = []
    for u in range(a.users):
        users.append({
            "Path": "/", "UserName": f"bench-user-{u:04d}", "UserId": f"AIDA{u:016d}",
            "Arn": f"arn:aws:iam::{ACCOUNT}:user/bench-user-{u:04d}", "CreateDate": DATE,
            "UserPolicyList": [{"PolicyName": "inline", "PolicyDocument": document(rng, 2)}],
            "GroupList": [f"bench-group-{g:02d}" for g in rng.sample(range(a.groups), 2)],
            "AttachedManagedPolicies": [{"PolicyName": f"bench-policy-{p:04d}", "PolicyArn": policy_arn(p)}
                                        for p in rng.sample(range(a.policies), 1)],
            "Tags": [{"Key": "team", "Value": rng.choice(["orders", "payments", "search"])}],
        })

    with open(a.out, "w") as out:
        out.write('{"UserDetailList": ')
        json.dump(users, out, indent=4)
        out.write(', "GroupDetailList": ')
        json.dump(groups, out, indent=4)
        out.write(', "RoleDetailList": [')
        for r in range(a.roles):
            name = f"bench-role-{r:05d}"
            arn = f"arn:aws:iam::{ACCOUNT}:role/services/{name}"
            role_id = f"AROA{r:016d}"
            attached = sorted({0, *rng.sample(range(a.policies), rng.randrange(2, 5))})
            role = {
                "Path": "/services/", "RoleName": name, "RoleId": role_id, "Arn": arn, "CreateDate": DATE,
                "AssumeRolePolicyDocument": trust(),
                "InstanceProfileList": [{
                    "Path": "/", "InstanceProfileName": name, "InstanceProfileId": f"AIPA{r:016d}",
                    "Arn": f"arn:aws:iam::{ACCOUNT}:instance-profile/{name}", "CreateDate": DATE,
                    "Roles": [{"Path": "/services/", "RoleName": name, "RoleId": role_id, "Arn": arn,
                               "CreateDate": DATE, "AssumeRolePolicyDocument": trust()}],
                }],
                "RolePolicyList": [{"PolicyName": f"inline-{p}", "PolicyDocument": document(rng, rng.randrange(2, 4))}
                                   for p in range(rng.randrange(2, 4))],
                "AttachedManagedPolicies": [{"PolicyName": f"bench-policy-{p:04d}", "PolicyArn": policy_arn(p)}
                                            for p in attached],
                "Tags": [{"Key": k, "Value": f"{k}-{rng.randrange(100)}"} for k in ["team", "env", "cost-center", "owner"]],
                "RoleLastUsed": {"LastUsedDate": DATE, "Region": REGION},
            }
            if a.tagged:
                # Every role describes its own check (check --all-roles); a tenth of them get
                # an inline grant for it, so the report mixes PASS and FAIL.
                table = f"orders-{r % 50:02d}"
                role["Tags"] += [{"Key": "pydynox:features", "Value": "crud query"},
                                 {"Key": "pydynox:tables", "Value": table}]
                if r % 10 == 0:
                    role["RolePolicyList"].append({"PolicyName": "pydynox", "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem",
                                       "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query"],
                                       "Resource": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{table}"}]}})
            if r == 4242:
                role["PermissionsBoundary"] = {
                    "PermissionsBoundaryType": "Policy",
                    "PermissionsBoundaryArn": f"arn:aws:iam::{ACCOUNT}:policy/bench-boundary",
                }
                role["RolePolicyList"].append({"PolicyName": "pydynox", "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
                                   "dynamodb:DeleteItem", "dynamodb:Query"],
                                   "Resource": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/orders"}]}})
            if r:
                out.write(", ")
            json.dump(role, out, indent=4)
        out.write('], "Policies": ')
        json.dump(policies, out, indent=4)
        out.write("}\n")


if __name__ == "__main__":
    main()
