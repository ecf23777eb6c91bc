from pydynox import DynamoDBClient

TENANTS = "tenants"
USAGE = "usage"

client = DynamoDBClient(role_arn="arn:aws:iam::111122223333:role/tenant-data", region="eu-west-1")


def ensure_tables() -> None:
    if not client.sync_table_exists(USAGE):
        client.sync_create_table(USAGE, partition_key=("pk", "S"), wait=True)
