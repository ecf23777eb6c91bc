import pydynox as pd
from pydynox import Model as M, ModelConfig as Cfg
from pydynox.attributes import StringAttribute as S


class Customer(M):
    model_config = Cfg(table="customers")
    pk = S(partition_key=True)


class Invoice(pd.Model):
    model_config = pd.ModelConfig(table="invoices")
    pk = S(partition_key=True)
