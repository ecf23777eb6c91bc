#!/usr/bin/env python3
"""Writes the `simulate --requests` benchmark batch: N JSON lines, deterministic (seed 42). Three roles
(identity policies, some with a permissions boundary) asking for pydynox's DynamoDB, KMS (with a key
policy), S3 and STS actions with request context, plus one malformed line in every thousand.
Usage: gen-simulate-batch.py N OUT.jsonl"""
import json, random, sys

n, path = int(sys.argv[1]), sys.argv[2]
rng = random.Random(42)
acct = "111122223333"
table = f"arn:aws:dynamodb:eu-west-1:{acct}:table/app-orders"
index = f"{table}/index/by-customer"
key = f"arn:aws:kms:eu-west-1:{acct}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
obj = "arn:aws:s3:::app-attachments/orders/pydynox-iam-check"
role_arn = f"arn:aws:iam::{acct}:role/app-orders-reader"

def doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}

read = doc(
    {"Sid": "Read", "Effect": "Allow", "Action": ["dynamodb:Get*", "dynamodb:BatchGet*", "dynamodb:Query",
     "dynamodb:Scan", "dynamodb:ConditionCheckItem", "dynamodb:Describe*", "dynamodb:PartiQLSelect"],
     "Resource": ["arn:aws:dynamodb:*:*:table/app-*", "arn:aws:dynamodb:*:*:table/app-*/index/*"]},
    {"Sid": "List", "Effect": "Allow", "Action": "dynamodb:ListTables", "Resource": "*"},
    {"Sid": "NoStreams", "Effect": "Deny", "Action": "dynamodb:GetRecords", "Resource": "*"},
)
write = doc(
    {"Sid": "Write", "Effect": "Allow", "Action": ["dynamodb:PutItem", "dynamodb:UpdateItem",
     "dynamodb:DeleteItem", "dynamodb:BatchWriteItem", "dynamodb:PartiQL*"],
     "Resource": "arn:aws:dynamodb:*:*:table/app-*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}},
    {"Sid": "Network", "Effect": "Deny", "Action": "dynamodb:*", "Resource": "*",
     "Condition": {"NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8"]}}},
    {"Sid": "Team", "Effect": "Allow", "Action": "dynamodb:*Table", "Resource": "arn:aws:dynamodb:*:*:table/app-*",
     "Condition": {"StringEquals": {"aws:PrincipalTag/team": "orders"}}},
)
crypto = doc(
    {"Sid": "UseKey", "Effect": "Allow", "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*",
     "kms:DescribeKey", "kms:CreateGrant"], "Resource": f"arn:aws:kms:*:{acct}:key/*"},
    {"Sid": "NoAdmin", "Effect": "Deny", "Action": ["kms:ScheduleKeyDeletion", "kms:DisableKey"], "Resource": "*"},
)
files = doc(
    {"Sid": "Objects", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject",
     "s3:AbortMultipartUpload"], "Resource": "arn:aws:s3:::app-attachments/orders/*"},
    {"Sid": "TlsOnly", "Effect": "Deny", "Action": "s3:*", "Resource": "*",
     "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
    {"Sid": "Assume", "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": f"arn:aws:iam::{acct}:role/app-*"},
)
guard = doc(
    {"Sid": "OnlyOurs", "Effect": "Deny", "NotAction": ["dynamodb:*", "kms:*", "s3:*", "sts:*"], "Resource": "*"},
    {"Sid": "Tags", "Effect": "Deny", "Action": "*", "Resource": "*",
     "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": ["forbidden"]}}},
)
boundary = doc(
    {"Effect": "Allow", "Action": ["dynamodb:*", "kms:*", "s3:*", "sts:AssumeRole"], "Resource": "*"},
    {"Effect": "Deny", "Action": "dynamodb:DeleteTable", "Resource": "*"},
)
key_policy = doc(
    {"Sid": "EnableIam", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{acct}:root"},
     "Action": "kms:*", "Resource": "*"},
)

def named(**docs):
    return [{"name": k.replace("_", "-"), "document": v} for k, v in docs.items()]

roles = [
    (f"arn:aws:iam::{acct}:role/services/app-orders",
     named(orders_read=read, orders_write=write, encryption=crypto, attachments=files, guardrails=guard), boundary),
    (f"arn:aws:iam::{acct}:role/services/app-reports", named(orders_read=read, guardrails=guard), None),
    (f"arn:aws:sts::{acct}:assumed-role/app-batch/job-7",
     named(orders_read=read, orders_write=write, encryption=crypto), boundary),
]
checks = [(a, table) for a in ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
          "dynamodb:Query", "dynamodb:Scan", "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem",
          "dynamodb:ConditionCheckItem", "dynamodb:PartiQLSelect", "dynamodb:PartiQLInsert",
          "dynamodb:DescribeTable", "dynamodb:CreateTable", "dynamodb:DeleteTable"]]
checks += [(a, index) for a in ["dynamodb:Query", "dynamodb:Scan", "dynamodb:PartiQLSelect"]]
checks += [(a, key) for a in ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"]]
checks += [(a, obj) for a in ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]]
checks += [("sts:AssumeRole", role_arn), ("dynamodb:ListTables", "*")]

with open(path, "w") as out:
    for i in range(n):
        if i % 1000 == 999:
            out.write('{"principal": "not json\n')
            continue
        principal, identity, bound = roles[rng.randrange(len(roles))]
        action, resource = checks[rng.randrange(len(checks))]
        req = {
            "principal": principal, "action": action, "resource": resource, "identity_policies": identity,
            "boundary": bound, "resource_policy": key_policy if resource == key else None,
            "context": {"aws:SourceIp": rng.choice(["10.1.2.3", "10.9.8.7", "203.0.113.5"]),
                        "aws:SecureTransport": rng.choice(["true", "true", "false"]),
                        "aws:PrincipalTag/team": rng.choice(["orders", "reports"]),
                        "dynamodb:ReturnConsumedCapacity": "TOTAL"},
        }
        out.write(json.dumps(req) + "\n")
