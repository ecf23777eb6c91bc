import argparse

from pydynox import Model, ModelConfig
from pydynox.attributes import StringAttribute
from pydynox.indexes import GlobalSecondaryIndex


class Tenant(Model):
    model_config = ModelConfig(table="tenants")
    pk = StringAttribute(partition_key=True)


class Invoice(Model):
    model_config = ModelConfig(table="invoices")
    pk = StringAttribute(partition_key=True)
    tenant = StringAttribute()
    by_tenant = GlobalSecondaryIndex("invoices-by-tenant", partition_key="tenant")


MODELS = [Tenant, Invoice]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("command", choices=["init", "drop", "list"])
    args = ap.parse_args()
    if args.command == "init":
        for m in MODELS:
            if not m.sync_table_exists():
                m.sync_create_table(billing_mode="PAY_PER_REQUEST", wait=True)
    elif args.command == "drop":
        for m in MODELS:
            m.sync_delete_table()
    else:
        for inv in Invoice.by_tenant.sync_query(tenant=args.tenant):
            print(inv.pk)


if __name__ == "__main__":
    main()
