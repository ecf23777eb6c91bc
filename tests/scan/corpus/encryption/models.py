from pydynox import Model, ModelConfig
from pydynox.attributes import EncryptedAttribute, EncryptionMode, StringAttribute

KEY = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


class Patient(Model):
    model_config = ModelConfig(table="patients")
    pk = StringAttribute(partition_key=True)
    ssn = EncryptedAttribute(key_id=KEY)


class AuditLog(Model):
    model_config = ModelConfig(table="audit-log")
    pk = StringAttribute(partition_key=True)
    detail = EncryptedAttribute(key_id="alias/audit", mode=EncryptionMode.WriteOnly)


class Report(Model):
    model_config = ModelConfig(table="reports")
    pk = StringAttribute(partition_key=True)
    body = EncryptedAttribute("alias/reports", mode=EncryptionMode.ReadOnly, region="us-east-1")
