"""Every error a caller of the gateway may meet, in one place.

::

    CrossdockError (contracts.errors)
    ├── RejectedInput        permanent: quarantine, acknowledge with an error, never retry
    ├── TransientFailure     retry with backoff; counts towards the circuit breaker
    ├── DeliveryRejected     the receiver said no for a business reason: dead letter it
    ├── ConfigError          refuse to start; ``path`` names the key
    │   └── InvalidConfig    every problem of a configuration file, each with its path
    └── StoreError (gateway.store)
        ├── StaleClaim       the outbox row is no longer ours (rescued, acked elsewhere)
        ├── DuplicateInbound this interchange was received before
        ├── NotFound / IllegalTransition / ConstraintViolation / SchemaError
        └── StoreClosed / StoreUnavailable
            └── StoreBusy    also a TransientFailure: locked past the busy timeout

    ActorError (actors: the runtime imports nothing of ours, so its tree stands apart)
    ├── MailboxFull          back-pressure: the actor's mailbox is full (tell_nowait)
    ├── CircuitOpen          back-pressure: the endpoint's breaker is open until retry_at
    ├── ActorStopped         the actor stopped for good; its pending asks fail with this
    ├── AskTimeout           no reply within the ask's timeout
    ├── ActorCrashed         the handler of this ask raised (a bug: the actor restarts)
    └── RestartIntensityExceeded  a supervisor gave up and escalates to its parent
"""

from actors import (
    ActorCrashed,
    ActorError,
    ActorStopped,
    AskTimeout,
    CircuitOpen,
    MailboxFull,
    RestartIntensityExceeded,
)
from contracts.errors import (
    ConfigError,
    CrossdockError,
    DeliveryRejected,
    RejectedInput,
    TransientFailure,
)
from gateway.config import InvalidConfig
from gateway.store import (
    ConstraintViolation,
    DuplicateInbound,
    IllegalTransition,
    NotFound,
    SchemaError,
    StaleClaim,
    StoreBusy,
    StoreClosed,
    StoreError,
    StoreUnavailable,
)

__all__ = [
    "ActorCrashed",
    "ActorError",
    "ActorStopped",
    "AskTimeout",
    "CircuitOpen",
    "ConfigError",
    "ConstraintViolation",
    "CrossdockError",
    "DeliveryRejected",
    "DuplicateInbound",
    "IllegalTransition",
    "InvalidConfig",
    "MailboxFull",
    "NotFound",
    "RejectedInput",
    "RestartIntensityExceeded",
    "SchemaError",
    "StaleClaim",
    "StoreBusy",
    "StoreClosed",
    "StoreError",
    "StoreUnavailable",
    "TransientFailure",
]
