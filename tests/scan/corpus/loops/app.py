from typing import Optional

from pydynox import Model, ModelConfig
from pydynox.attributes import StringAttribute


class Task(Model):
    model_config = ModelConfig(table="tasks")
    pk = StringAttribute(partition_key=True)


def close_all() -> None:
    for t in Task.sync_scan():
        t.sync_delete()


async def first_open():
    first = await Task.query(pk="open").first()
    if first is not None:
        await first.update(state="seen")


def archive(tasks: list[Task]) -> None:
    for t in tasks:
        t.sync_update(state="archived")


def maybe(t: Optional["Task"]) -> None:
    if t:
        t.sync_delete()
