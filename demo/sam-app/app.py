"""The links service of the pydynox-iam demo: one table, an index by owner, a health check."""

import os

from pydynox import DynamoDBClient, Model, ModelConfig, set_default_client
from pydynox.attributes import StringAttribute
from pydynox.indexes import GlobalSecondaryIndex

client = DynamoDBClient()
set_default_client(client)


class Link(Model):
    model_config = ModelConfig(table=os.environ["TABLE_NAME"])
    pk = StringAttribute(partition_key=True)
    owner = StringAttribute()
    url = StringAttribute()
    by_owner = GlobalSecondaryIndex(index_name="by-owner", partition_key="owner")


def handler(event, context):
    if event.get("health"):
        # dynamodb:ListTables: the template does not grant it.
        return {"ok": client.ping()}
    if event.get("owner"):
        return [link.to_dict() for link in Link.by_owner.query(owner=event["owner"])]
    link = Link(pk=event["code"], owner=event["user"], url=event["url"])
    link.save()
    return Link.get(pk=event["code"]).to_dict()
