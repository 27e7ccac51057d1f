"""The error tree of crossdock, grouped by what the caller must do.

::

    CrossdockError
    ├── RejectedInput        permanent: quarantine, acknowledge with an error, never retry
    ├── TransientFailure     retry with backoff; counts towards the circuit breaker
    ├── DeliveryRejected     the receiver said no for a business reason: dead letter it
    └── ConfigError          the configuration is wrong: refuse to start, name the key

The actor runtime (``actors``) imports nothing of ours, so its back-pressure and lifecycle
signals (``MailboxFull``, ``CircuitOpen``, ``ActorStopped``, ``AskTimeout``,
``RestartIntensityExceeded``) form their own tree under ``actors.ActorError``.
``gateway.errors`` re-exports both trees so callers find them in one place.

Every error carries structured fields (partner, message id, position, path) besides its
message, so logs and dead letters can show them without parsing text.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ConfigError",
    "CrossdockError",
    "DeliveryRejected",
    "RejectedInput",
    "TransientFailure",
]


class CrossdockError(Exception):
    """Root of every error crossdock raises on purpose."""

    def __init__(self, message: str, **fields: Any) -> None:
        super().__init__(message)
        self.message = message
        self.fields: dict[str, Any] = {k: v for k, v in fields.items() if v is not None}

    def __str__(self) -> str:
        if not self.fields:
            return self.message
        context = " ".join(f"{k}={v}" for k, v in self.fields.items())
        return f"{self.message} ({context})"


class RejectedInput(CrossdockError):
    """Input that can never be processed as it is: a syntax, grammar or mapping error.

    ``position`` fields (segment index, byte offset, row, column, JSON path) say where.
    """

    def __init__(
        self,
        message: str,
        *,
        partner: str | None = None,
        source: str | None = None,
        segment_index: int | None = None,
        byte_offset: int | None = None,
        path: str | None = None,
        code: str | None = None,
        **fields: Any,
    ) -> None:
        super().__init__(
            message,
            partner=partner,
            source=source,
            segment_index=segment_index,
            byte_offset=byte_offset,
            path=path,
            code=code,
            **fields,
        )
        self.partner = partner
        self.source = source
        self.segment_index = segment_index
        self.byte_offset = byte_offset
        self.path = path
        self.code = code


class TransientFailure(CrossdockError):
    """A failure that may pass: timeouts, connection errors, 5xx, 429, lock conflicts."""

    def __init__(self, message: str, *, retry_after: float | None = None, **fields: Any) -> None:
        super().__init__(message, retry_after=retry_after, **fields)
        self.retry_after = retry_after


class DeliveryRejected(CrossdockError):
    """The receiver refused the delivery for a business reason (validation, access...)."""

    def __init__(self, message: str, *, error_name: str | None = None, **fields: Any) -> None:
        super().__init__(message, error_name=error_name, **fields)
        self.error_name = error_name


class ConfigError(CrossdockError):
    """The configuration is invalid; ``path`` names the key (``$.partners[0].id``)."""

    def __init__(
        self, message: str, *, path: str | None = None, file: str | None = None, **fields: Any
    ) -> None:
        super().__init__(message, path=path, file=file, **fields)
        self.path = path
        self.file = file
