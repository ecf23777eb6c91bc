"""A recording endpoint: an HTTP proxy that logs every AWS request it forwards.

Put it between a client and an AWS emulator (moto's server): it writes one JSON line per
request to the record file (service, operation and the request details IAM authorization
depends on) and forwards the request unchanged to the upstream. The record is written
before forwarding, so a request the emulator cannot serve (DynamoDB SearchVectors on moto)
is still recorded with what the library sent.

Recorded details, by service:
- DynamoDB (JSON, X-Amz-Target): TableName, IndexName, ReturnConsumedCapacity, the
  RequestItems' tables (batch), TransactItems' element kinds and tables (transactions),
  the PartiQL statement (ExecuteStatement), ConsistentRead, ConditionExpression presence.
- KMS (JSON): KeyId and EncryptionContext.
- S3 (REST): the operation from the method and query, bucket and key (path-style).
- STS (query): Action and RoleArn.

Standard library only. Usage:
    python record_proxy.py --upstream http://127.0.0.1:5000 --record calls.jsonl [--port 0]
It prints `listening PORT` on stdout once it accepts connections.
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_SERVICE_RE = re.compile(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/aws4_request")
_LOCK = threading.Lock()

# Request fields copied verbatim into the record when present (DynamoDB JSON protocol).
_DYNAMODB_FIELDS = (
    "TableName",
    "IndexName",
    "ReturnConsumedCapacity",
    "ReturnValues",
    "ConsistentRead",
    "Select",
    "ProjectionExpression",
    "ClientRequestToken",
)


def _service(headers) -> str:
    m = _SERVICE_RE.search(headers.get("Authorization", ""))
    if m:
        return m.group(1)
    target = headers.get("X-Amz-Target", "")
    if target.startswith("DynamoDB_"):
        return "dynamodb"
    if target.startswith("TrentService"):
        return "kms"
    return "unknown"


def _dynamodb(operation: str, body: dict) -> dict:
    rec = {k: body[k] for k in _DYNAMODB_FIELDS if k in body}
    if "ConditionExpression" in body:
        rec["Conditional"] = True
    if "VectorIndexUpdates" in body:
        rec["VectorIndexUpdates"] = [sorted(u) for u in body["VectorIndexUpdates"]]
    if "RequestItems" in body:
        rec["RequestTables"] = sorted(body["RequestItems"])
    if "TransactItems" in body:
        elements = []
        for item in body["TransactItems"]:
            for kind, spec in item.items():
                elements.append({"Kind": kind, "TableName": spec.get("TableName")})
        rec["TransactItems"] = elements
    if "Statement" in body:
        rec["Statement"] = body["Statement"]
    return rec


def _s3(method: str, path: str, query: str) -> tuple[str, dict]:
    q = urllib.parse.parse_qs(query, keep_blank_values=True)
    parts = urllib.parse.unquote(path).lstrip("/").split("/", 1)
    bucket = parts[0]
    key = parts[1] if len(parts) > 1 else ""
    if method == "PUT":
        op = "UploadPart" if "partNumber" in q else "PutObject" if key else "CreateBucket"
    elif method == "POST":
        op = "CreateMultipartUpload" if "uploads" in q else "CompleteMultipartUpload"
    elif method == "DELETE":
        op = "AbortMultipartUpload" if "uploadId" in q else "DeleteObject"
    elif method == "HEAD":
        op = "HeadObject"
    else:
        op = "GetObject" if key else "ListObjects"
    return op, {"Bucket": bucket, "Key": key}


def describe(method: str, path: str, headers, body: bytes) -> dict:
    """The record for one request: service, operation and details."""
    service = _service(headers)
    url = urllib.parse.urlsplit(path)
    rec: dict = {"service": service}
    if service in ("dynamodb", "kms"):
        target = headers.get("X-Amz-Target", "")
        rec["operation"] = target.split(".", 1)[-1]
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            payload = {}
        if service == "dynamodb":
            rec["details"] = _dynamodb(rec["operation"], payload)
        else:
            rec["details"] = {
                k: payload[k] for k in ("KeyId", "EncryptionContext") if k in payload
            }
    elif service == "s3":
        rec["operation"], rec["details"] = _s3(method, url.path, url.query)
    elif service == "sts":
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
        form.update(urllib.parse.parse_qs(url.query))
        rec["operation"] = form.get("Action", ["?"])[0]
        rec["details"] = {k: form[k][0] for k in ("RoleArn", "RoleSessionName") if k in form}
    else:
        rec["operation"] = "?"
        rec["details"] = {"method": method, "path": url.path}
    return rec


class Proxy(BaseHTTPRequestHandler):
    upstream: urllib.parse.SplitResult
    record = None
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        rec = describe(self.command, self.path, self.headers, body)
        with _LOCK:
            self.record.write(json.dumps(rec, sort_keys=True) + "\n")
            self.record.flush()
        conn = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
        headers["Host"] = self.upstream.netloc
        headers["Connection"] = "close"
        try:
            conn.request(self.command, self.path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        except OSError as e:
            self.send_error(502, f"upstream unreachable: {e}")
            return
        finally:
            conn.close()
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--record", required=True)
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    Proxy.upstream = urllib.parse.urlsplit(args.upstream)
    Proxy.record = open(args.record, "a", encoding="utf-8")
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Proxy)
    server.daemon_threads = True
    print(f"listening {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
