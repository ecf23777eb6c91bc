from pydynox import Model, ModelConfig
from pydynox.attributes import StringAttribute


class Account(Model):
    model_config = ModelConfig(table="accounts")
    pk = StringAttribute(partition_key=True)


def seed_demo():
    from pydynox.testing import MemoryBackend

    with MemoryBackend():
        Account(pk="demo").sync_save()
    return Account.sync_get(pk="demo")
