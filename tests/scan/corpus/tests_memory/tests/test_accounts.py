from app.models import Account


def test_create(pydynox_memory_backend):
    Account.sync_create_table()
    Account(pk="1").sync_save()
