#!/usr/bin/env bash
# The demo behind `make demo`: on LocalStack (no AWS account needed), create a role whose
# policy is the "Complete example" of pydynox's IAM docs page (localstack/demo-policy.json,
# account and key rewritten to LocalStack's), then check it for a service that uses CRUD,
# batch, transactions, a GSI, field encryption and ping. Some features pass, some fail:
# the docs' example predates GenerateDataKey and omits index ARNs, ConditionCheckItem and
# ListTables. Its table (with the GSI) is created on moto, DynamoDB's endpoint in the test
# environment, so the check reads the table's resource policy for real. Then the same for
# examples/orders-service, with its needs read from its code (`scan`, `check --app`, `policy
# --app`): a role that forgets the GSI's ARN fails exactly that row.
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
  1) echo "exit code 1: some checks failed or were inconclusive, as this demo expects" ;;
  *) echo "exit code $status (unexpected for this demo)"; exit "$status" ;;
esac

# Part two: the needs read from a service's code (examples/orders-service), not typed. Its
# role grants the orders table but forgets the GSI's ARN, the usual mistake: the one FAIL.
cd "$root"
app="examples/orders-service"
app_role="orders-service"
app_policy='{"Version":"2012-10-17","Statement":[{"Sid":"Orders","Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:PutItem","dynamodb:UpdateItem","dynamodb:ConditionCheckItem","dynamodb:Query"],"Resource":["arn:aws:dynamodb:*:000000000000:table/orders","arn:aws:dynamodb:*:000000000000:table/inventory"]}]}'
"$aws" iam delete-role-policy --role-name "$app_role" --policy-name orders >/dev/null 2>&1 || true
"$aws" iam delete-role --role-name "$app_role" >/dev/null 2>&1 || true
"$aws" iam create-role --role-name "$app_role" \
  --assume-role-policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}' >/dev/null
"$aws" iam put-role-policy --role-name "$app_role" --policy-name orders --policy-document "$app_policy"
for t in orders inventory; do "$aws" dynamodb delete-table --table-name "$t" >/dev/null 2>&1 || true; done
"$aws" dynamodb create-table --table-name orders --billing-mode PAY_PER_REQUEST \
  --attribute-definitions AttributeName=pk,AttributeType=S AttributeName=customer_id,AttributeType=S \
  --key-schema AttributeName=pk,KeyType=HASH \
  --global-secondary-indexes 'IndexName=by-customer,KeySchema=[{AttributeName=customer_id,KeyType=HASH}],Projection={ProjectionType=ALL}' \
  >/dev/null
"$aws" dynamodb create-table --table-name inventory --billing-mode PAY_PER_REQUEST \
  --attribute-definitions AttributeName=sku,AttributeType=S --key-schema AttributeName=sku,KeyType=HASH >/dev/null

echo
echo "What examples/orders-service needs, read from its code:"
echo "+ pydynox-iam scan examples/orders-service --env ORDERS_TABLE=orders"
echo
cargo run --quiet --locked -- scan "$app" --env ORDERS_TABLE=orders
echo
echo "Checking role \`$app_role\` against it:"
echo "+ pydynox-iam check --app examples/orders-service --env ORDERS_TABLE=orders --role $app_role"
echo
set +e
cargo run --quiet --locked -- check --app "$app" --env ORDERS_TABLE=orders --role "$app_role"
status=$?
set -e
echo
case $status in
  1) echo "exit code 1: the role lacks dynamodb:Query on the by-customer index, as this demo expects" ;;
  *) echo "exit code $status (unexpected for this demo)"; exit "$status" ;;
esac
echo
echo "The minimal policy for it, from the same code:"
echo "+ pydynox-iam policy --app examples/orders-service --env ORDERS_TABLE=orders --account 000000000000"
cargo run --quiet --locked -- policy --app "$app" --env ORDERS_TABLE=orders --account 000000000000
