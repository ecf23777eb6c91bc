from pydynox import Model, ModelConfig
from pydynox.attributes import StringAttribute


class Bad(Model):
    model_config = ModelConfig(table="bad")
    pk = StringAttribute(partition_key=True)


def oops(:
    return


Bad.sync_get(pk="still-read")
