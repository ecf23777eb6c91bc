from app.models import *  # noqa: F403  (re-exports the models)
