from dataclasses import dataclass

from pydantic import BaseModel
from pydynox import DynamoDBClient, dynamodb_model

client = DynamoDBClient()


@dynamodb_model(table="profiles", partition_key="pk", client=client)
class Profile(BaseModel):
    pk: str
    name: str


@dynamodb_model(table="settings", hash_key="pk", client=client)
@dataclass
class Setting:
    pk: str
    value: str


def save_profile(pk: str, name: str) -> None:
    Profile(pk=pk, name=name).sync_save()


def read_setting(pk: str):
    return Setting.sync_get(pk=pk)
