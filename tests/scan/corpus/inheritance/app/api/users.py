from app.models import *


def find(pk: str):
    return User.sync_query(partition_key=pk)


def record(pk: str):
    AuditEvent(pk=pk, sk="x").sync_save()
