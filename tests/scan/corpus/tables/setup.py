from pydynox import DynamoDBClient, Model, ModelConfig
from pydynox.attributes import StringAttribute

client = DynamoDBClient()


class Session(Model):
    model_config = ModelConfig(table="sessions")
    pk = StringAttribute(partition_key=True)


async def bootstrap() -> None:
    if not await client.table_exists("sessions"):
        await client.create_table("sessions", partition_key=("pk", "S"), wait=True)
    await client.wait_for_table_active(table_name="sessions")
    Session.sync_create_table(encryption="CUSTOMER_MANAGED", kms_key_id="arn:aws:kms:eu-west-1:111122223333:key/abcd")


async def teardown() -> None:
    await client.delete_table("scratch", wait=True)
    client.sync_wait_for_table_deleted("old-scratch")
    Session.sync_delete_table()
