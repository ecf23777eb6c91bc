import os

ENV = os.getenv("APP_ENV", "dev")
TABLES = {
    "carts": f"{ENV}-carts",
}
CARTS_TABLE = TABLES["carts"]
KMS_KEY = os.environ["CART_KEY_ARN"]
