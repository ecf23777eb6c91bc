from pydynox import ModelConfig

from .core.base import BaseEntity

__all__ = ["User", "AuditEvent"]


class User(BaseEntity):
    pass


class AuditEvent(BaseEntity):
    model_config = ModelConfig(table="audit")
