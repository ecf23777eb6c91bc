"""Written for pydynox 0.21: sync by default, async_ prefix, class Meta, hash_key."""

import asyncio

from pydynox import BatchWriter, DynamoDBClient, Model
from pydynox.attributes import StringAttribute

client = DynamoDBClient()


class Job(Model):
    class Meta:
        table = "jobs"

    pk = StringAttribute(hash_key=True)
    state = StringAttribute()


async def claim(pk: str) -> Job:
    job = await Job.async_get(pk=pk)
    job.state = "running"
    await job.async_save()
    return job


def finish_all(pks: list[str]) -> None:
    with BatchWriter(client, "jobs-done") as w:
        for pk in pks:
            w.put({"pk": pk})
    for job in Job.query(hash_key="running"):
        job.delete()
