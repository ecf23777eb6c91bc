from pydynox import Model, ModelConfig
from pydynox.attributes import StringAttribute


class Fresh(Model):
    model_config = ModelConfig(table="fresh")
    pk = StringAttribute(partition_key=True)


class Loaded(Model):
    model_config = ModelConfig(table="loaded")
    pk = StringAttribute(partition_key=True)


class Unknown(Model):
    model_config = ModelConfig(table="unknown-origin")
    pk = StringAttribute(partition_key=True)


class Replaced(Model):
    model_config = ModelConfig(table="replaced")
    pk = StringAttribute(partition_key=True)


def create(pk: str) -> None:
    f = Fresh(pk=pk)
    f.sync_save()


def edit(pk: str) -> None:
    item = Loaded.sync_get(pk=pk)
    item.sync_save()


def store(item: Unknown) -> None:
    item.sync_save()


def replace(pk: str) -> None:
    r = Replaced.sync_get(pk=pk)
    r.sync_save(full_replace=True)
