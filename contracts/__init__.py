"""The canonical model of crossdock: msgspec Structs, pure data, importing nothing of ours."""

from contracts.errors import (
    ConfigError,
    CrossdockError,
    DeliveryRejected,
    RejectedInput,
    TransientFailure,
)

__all__ = [
    "ConfigError",
    "CrossdockError",
    "DeliveryRejected",
    "RejectedInput",
    "TransientFailure",
]
