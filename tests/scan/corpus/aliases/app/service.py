from app import models as m
from app.models import Invoice as Inv


async def load(pk: str):
    return await m.Customer.get(pk=pk)


def remove(pk: str):
    Inv.sync_delete_by_key(pk=pk)
