import app.models
import company_models
from app import User

MODELS = {"user": User, "order": app.models.Order}


def by_kind(kind: str, pk: str):
    return MODELS[kind].sync_get(pk=pk)


def package_attribute(pk):
    app.models.Order.sync_delete_by_key(pk=pk)


def local_import(pk: str):
    from app.models import User as U

    if (u := U.sync_get(pk=pk)):
        u.sync_delete()


def chained():
    User.sync_query(partition_key="x").first().sync_delete()


def external(pk):
    company_models.Account.sync_get(pk=pk)
    company_models.session.get("x")


class Service:
    model = User

    def run(self, pk: str):
        return self.model.sync_get(pk=pk)


Alias = User
Alias.sync_count()
