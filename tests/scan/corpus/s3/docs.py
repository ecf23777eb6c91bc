from pydynox import Model, ModelConfig
from pydynox.attributes import S3Attribute, S3File, StringAttribute


class Document(Model):
    model_config = ModelConfig(table="documents")
    pk = StringAttribute(partition_key=True)
    content = S3Attribute(bucket="acme-docs", prefix="docs")
    thumbnail = S3Attribute("acme-thumbs")


def upload(pk: str, data: bytes) -> None:
    doc = Document(pk=pk)
    doc.content = S3File(data, name="report.pdf")
    doc.sync_save()


async def download(pk: str) -> bytes:
    doc = await Document.get(pk=pk)
    content = doc.content
    return await content.get_bytes()


def link(doc: Document) -> str:
    return doc.content.sync_presigned_url(3600)


def remove(pk: str) -> None:
    Document.sync_get(pk=pk).sync_delete()
