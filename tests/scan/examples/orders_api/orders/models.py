from pydynox import Model, ModelConfig
from pydynox.attributes import EncryptedAttribute, NumberAttribute, StringAttribute
from pydynox.indexes import GlobalSecondaryIndex

KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/0f0f0f0f-1111-2222-3333-444455556666"


class Order(Model):
    model_config = ModelConfig(table="orders")
    pk = StringAttribute(partition_key=True)
    sk = StringAttribute(sort_key=True)
    customer_id = StringAttribute()
    total = NumberAttribute()
    by_customer = GlobalSecondaryIndex(index_name="by-customer", partition_key="customer_id")


class Customer(Model):
    model_config = ModelConfig(table="customers")
    pk = StringAttribute(partition_key=True)
    email = EncryptedAttribute(key_id=KEY_ARN)
