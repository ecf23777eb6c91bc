from pathlib import Path

from pydynox import Model, ModelConfig
from pydynox.attributes import S3Attribute, S3File, StringAttribute

BUCKET = "acme-contracts"


class Contract(Model):
    model_config = ModelConfig(table="contracts")
    pk = StringAttribute(partition_key=True)
    title = StringAttribute()
    pdf = S3Attribute(bucket=BUCKET, prefix="contracts/")


def upload(pk: str, path: Path) -> None:
    c = Contract(pk=pk, title=path.stem)
    c.pdf = S3File(path, name=path.name, content_type="application/pdf")
    c.sync_save()


def share(pk: str) -> str:
    c = Contract.sync_get(pk=pk)
    return c.pdf.sync_presigned_url(900)


def archive(pk: str, dest: Path) -> None:
    c = Contract.sync_get(pk=pk)
    c.pdf.sync_save_to(dest)
    c.sync_delete()
