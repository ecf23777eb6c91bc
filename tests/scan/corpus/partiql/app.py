from pydynox import DynamoDBClient, Model, ModelConfig
from pydynox.attributes import StringAttribute

client = DynamoDBClient()
TABLE = "orders"


class Order(Model):
    model_config = ModelConfig(table="orders")
    pk = StringAttribute(partition_key=True)


def by_customer(c: str):
    return client.sync_execute_statement(f'SELECT * FROM "{TABLE}"."by-customer" WHERE customer = ?', [c])


def archive(pk: str):
    client.sync_execute_statement("INSERT INTO \"archive\" VALUE {'pk': ?}", [pk])
    # Model.execute_statement reads the table from the statement, not the model.
    return Order.sync_execute_statement('SELECT * FROM "legacy" WHERE pk = ?', [pk])


def anything(statement: str):
    return client.sync_execute_statement(statement)
