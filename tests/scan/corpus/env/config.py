import os

STAGE = os.environ.get("STAGE", "dev")
ORDERS_TABLE = f"{STAGE}-orders"
SESSIONS = os.environ["SESSIONS_TABLE"]
AUDIT = os.getenv("AUDIT_TABLE", "audit") + "-v2"
