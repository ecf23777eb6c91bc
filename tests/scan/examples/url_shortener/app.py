"""A URL shortener on Lambda: create short links, redirect, count clicks."""

import os
import secrets
from datetime import datetime, timedelta, timezone

from pydynox import Model, ModelConfig
from pydynox.attributes import NumberAttribute, StringAttribute, TTLAttribute


class ShortUrl(Model):
    model_config = ModelConfig(table=os.environ.get("TABLE_NAME", "urls"))

    code = StringAttribute(partition_key=True)
    target = StringAttribute()
    clicks = NumberAttribute(default=0)
    expires = TTLAttribute()


def create(event: dict, context) -> dict:
    code = secrets.token_urlsafe(6)
    url = ShortUrl(code=code, target=event["url"], expires=datetime.now(timezone.utc) + timedelta(days=30))
    url.sync_save()
    return {"statusCode": 201, "body": code}


def redirect(event: dict, context) -> dict:
    url = ShortUrl.sync_get(code=event["pathParameters"]["code"])
    if url is None:
        return {"statusCode": 404}
    url.sync_update(atomic=[ShortUrl.clicks.add(1)])
    return {"statusCode": 301, "headers": {"Location": url.target}}
