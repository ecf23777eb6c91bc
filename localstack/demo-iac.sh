#!/usr/bin/env bash
# The second half of `make demo`: the SAM application in demo/sam-app is checked before any
# deploy (`check --template`), then the same resources are created on LocalStack directly (its
# pinned version runs without CloudFormation here): the function's role with the policies the
# template gives it, and the table on moto. The live check must agree with the pre-deploy one.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
aws="$root/.localstack/venv/bin/aws"
py="$root/.localstack/venv/bin/python"
app="$root/demo/sam-app"
role="links-demo-fn"
table="links-demo"
features="crud,query,indexes,batch,ping"
run() { cargo run --quiet --locked -- "$@"; }

echo "Before deploy: pydynox-iam check --template demo/sam-app/template.yaml --function LinksFunction -f $features --table LinksTable --all-indexes"
echo
set +e
run check --template "$app/template.yaml" --function LinksFunction -f "$features" \
  --table LinksTable --all-indexes --account 000000000000 --region "${AWS_REGION:-us-east-1}"
pre_status=$?
run check --template "$app/template.yaml" --function LinksFunction -f "$features" \
  --table LinksTable --all-indexes --account 000000000000 --region "${AWS_REGION:-us-east-1}" \
  --format json > "$root/.localstack/demo-pre.json"
echo
echo "Code and template together: pydynox-iam check --app demo/sam-app --template demo/sam-app/template.yaml --function LinksFunction"
echo "(the code's own calls; its TABLE_NAME is the template's table through the function's environment)"
echo
run check --app "$app" --template "$app/template.yaml" --function LinksFunction \
  --account 000000000000 --region "${AWS_REGION:-us-east-1}"
app_status=$?
set -e
if [[ $app_status -ne 1 ]]; then
  echo "demo: check --app with the template should fail ping (exit 1), got $app_status" >&2
  exit 1
fi

# Deploy the same resources directly: the role with the template's policies, the table.
"$aws" iam delete-role-policy --role-name "$role" --policy-name template >/dev/null 2>&1 || true
"$aws" iam delete-role --role-name "$role" >/dev/null 2>&1 || true
"$aws" iam create-role --role-name "$role" \
  --assume-role-policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}' >/dev/null
# SAM writes policy templates without `Version` (IAM takes that as 2008-10-17, which changes
# nothing here: no policy variables); LocalStack refuses a document without it, so it is added.
policy="$("$py" -c 'import json,sys; r=json.load(open(sys.argv[1])); p=[x for x in r["policies"]["policies"] if x["source"]["type"]=="inline"]; d=json.loads(p[0]["text"]); d.setdefault("Version","2012-10-17"); print(json.dumps(d))' "$root/.localstack/demo-pre.json")"
"$aws" iam put-role-policy --role-name "$role" --policy-name template --policy-document "$policy"
"$aws" dynamodb delete-table --table-name "$table" >/dev/null 2>&1 || true
"$aws" dynamodb create-table --table-name "$table" --billing-mode PAY_PER_REQUEST \
  --attribute-definitions AttributeName=pk,AttributeType=S AttributeName=owner,AttributeType=S \
  --key-schema AttributeName=pk,KeyType=HASH \
  --global-secondary-indexes 'IndexName=by-owner,KeySchema=[{AttributeName=owner,KeyType=HASH}],Projection={ProjectionType=ALL}' \
  >/dev/null

echo
echo "After deploy (LocalStack): pydynox-iam check --role $role -f $features --table $table --all-indexes"
set +e
run check --role "$role" -f "$features" --table "$table" --all-indexes --format json > "$root/.localstack/demo-live.json"
live_status=$?
set -e
"$py" - "$root/.localstack/demo-pre.json" "$root/.localstack/demo-live.json" <<'PY'
import json, sys
pre, live = (json.load(open(p)) for p in sys.argv[1:3])
v = lambda r: {f["name"]: f["verdict"] for f in r["features"]}
print("before deploy:", v(pre))
print("live:         ", v(live))
if v(pre) != v(live):
    sys.exit("the pre-deploy and live verdicts disagree")
print("the pre-deploy and live verdicts agree")
PY
if [ "$pre_status" != 1 ] || [ "$live_status" != 1 ]; then
  echo "exit codes $pre_status (before deploy) and $live_status (live); this demo expects 1 (ping is not granted)"
  exit 1
fi
