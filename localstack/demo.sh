#!/usr/bin/env bash
# The demo behind `make demo`: on LocalStack (no AWS account needed), create a role whose
# policy is the "Complete example" of pydynox's IAM docs page (localstack/demo-policy.json,
# account and key rewritten to LocalStack's), then check it for a service that uses CRUD,
# batch, transactions, a GSI, field encryption and ping. Some features pass, some fail:
# the docs' example predates GenerateDataKey and omits index ARNs, ConditionCheckItem and
# ListTables. Its table (with the GSI) is created on moto, DynamoDB's endpoint in the test
# environment, so the check reads the table's resource policy for real.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
aws="$root/.localstack/venv/bin/aws"
role="pydynox-demo"

key_arn="$("$aws" kms create-key --description "pydynox-iam demo" --query KeyMetadata.Arn --output text)"
key_id="${key_arn##*/}"
policy="$(sed -e "s/12345678-1234-1234-1234-123456789012/$key_id/" -e "s/123456789012/000000000000/g" "$here/demo-policy.json")"

"$aws" iam delete-role-policy --role-name "$role" --policy-name pydynox-complete-example >/dev/null 2>&1 || true
"$aws" iam delete-role --role-name "$role" >/dev/null 2>&1 || true
"$aws" iam create-role --role-name "$role" \
  --assume-role-policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}' >/dev/null
"$aws" iam put-role-policy --role-name "$role" --policy-name pydynox-complete-example --policy-document "$policy"

# The table on moto (AWS_ENDPOINT_URL_DYNAMODB), with the GSI the service queries.
"$aws" dynamodb delete-table --table-name users >/dev/null 2>&1 || true
"$aws" dynamodb create-table --table-name users --billing-mode PAY_PER_REQUEST \
  --attribute-definitions AttributeName=pk,AttributeType=S AttributeName=email,AttributeType=S \
  --key-schema AttributeName=pk,KeyType=HASH \
  --global-secondary-indexes 'IndexName=by-email,KeySchema=[{AttributeName=email,KeyType=HASH}],Projection={ProjectionType=ALL}' \
  >/dev/null

echo "Demo role \`$role\` has the docs page's \"Complete example\" policy. Checking it:"
echo "+ pydynox-iam check --role $role --features basic-crud,batch,transactions,indexes,encryption,ping --table users --index by-email --kms-key $key_arn"
echo
set +e
cargo run --quiet --locked -- check --role "$role" \
  --features basic-crud,batch,transactions,indexes,encryption,ping \
  --table users --index by-email --kms-key "$key_arn"
status=$?
set -e
echo
case $status in
  1) echo "exit code 1: some checks failed or were inconclusive, as this demo expects"; exit 0 ;;
  *) echo "exit code $status (unexpected for this demo)"; exit "$status" ;;
esac
