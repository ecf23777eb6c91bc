from pydantic import BaseModel
from pydynox import DynamoDBClient, dynamodb_model

client = DynamoDBClient()


@dynamodb_model(table="profiles", partition_key="pk", client=client)
class Profile(BaseModel):
    pk: str
    display_name: str


def rename(pk: str, name: str) -> None:
    p = Profile.sync_get(pk=pk)
    p.display_name = name
    p.sync_save()


def forget(pk: str) -> None:
    Profile.sync_get(pk=pk).sync_delete()
