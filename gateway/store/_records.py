"""What goes into the store and what comes out: msgspec Structs and the three state enums.

The records are plain data, free of ``sqlite3`` types, so a PostgreSQL backend can return
the same ones. Times are wall-clock seconds since the epoch (floats) from the store's
injected clock; ``bytes`` are opaque payloads the store never interprets.
"""

from __future__ import annotations

import enum
from typing import Any

import msgspec

__all__ = [
    "AuditEntry",
    "DeadLetter",
    "DeadLetterFilter",
    "Delivery",
    "DeliveryRecord",
    "DocumentRecord",
    "DocumentState",
    "Enqueued",
    "ErrorInfo",
    "HistoryEntry",
    "InboundRecord",
    "InboundState",
    "Inserted",
    "NewDelivery",
    "NewDocument",
    "NewInbound",
    "OutboxState",
    "Received",
    "StoreStatistics",
    "WriterStatistics",
]


class OutboxState(enum.StrEnum):
    """Where a delivery is. Legal moves (enforced by a trigger)::

    available -> running | cancelled          retryable -> running | cancelled
    running -> completed | retryable | dead | available (rescued)
    dead -> available (replay) | cancelled    cancelled -> available (replay)
    completed: final, the row never changes again
    """

    AVAILABLE = "available"
    RUNNING = "running"
    RETRYABLE = "retryable"
    COMPLETED = "completed"
    DEAD = "dead"
    CANCELLED = "cancelled"


class InboundState(enum.StrEnum):
    """received -> parsed | rejected | duplicate; rejected -> received (replay)."""

    RECEIVED = "received"
    PARSED = "parsed"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"


class DocumentState(enum.StrEnum):
    """new -> routed | dead; routed -> done | dead; dead -> new (replay)."""

    NEW = "new"
    ROUTED = "routed"
    DEAD = "dead"
    DONE = "done"


class NewDelivery(msgspec.Struct, frozen=True, kw_only=True):
    """One delivery to enqueue. ``destination`` is ``odoo`` or ``partner:<id>``.

    ``max_attempts`` None takes the store's default; ``run_after`` None means now.
    """

    idempotency_key: str
    destination: str
    partner: str
    flow: str
    payload: bytes
    document_id: int | None = None
    correlation_key: str | None = None
    max_attempts: int | None = None
    run_after: float | None = None


class Enqueued(msgspec.Struct, frozen=True):
    """The row holding the key. ``created`` False: the key existed, nothing was written."""

    outbox_id: int
    created: bool


class Delivery(msgspec.Struct, frozen=True, kw_only=True):
    """A claimed outbox row: what a delivery actor works on. ``attempts`` includes this one."""

    outbox_id: int
    idempotency_key: str
    destination: str
    partner: str
    flow: str
    document_id: int | None
    correlation_key: str | None
    payload: bytes
    attempts: int
    max_attempts: int
    claim_token: str
    claimed_at: float


class ErrorInfo(msgspec.Struct, frozen=True, kw_only=True):
    """Why an attempt failed: ``error_class`` (e.g. Odoo's error name), message, detail."""

    error_class: str
    message: str
    detail: str | None = None

    @classmethod
    def from_exception(cls, exc: BaseException) -> ErrorInfo:
        """Class name and text of ``exc``, plus its structured fields when it has them."""
        fields = getattr(exc, "fields", None)
        detail = msgspec.json.encode(fields).decode() if isinstance(fields, dict) else None
        message = getattr(exc, "message", None)
        return cls(
            error_class=type(exc).__name__,
            message=message if isinstance(message, str) else str(exc),
            detail=detail,
        )


class HistoryEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One appended line of a delivery's history.

    ``kind``: ``failure`` (error_class, message, detail from :class:`ErrorInfo`), ``rescue``
    (error_class ``ClaimExpired``, detail = the expired claim token), ``replay`` or
    ``cancel`` (actor = who). ``attempt`` is the row's attempt count at that moment.
    """

    kind: str
    attempt: int
    at: float
    error_class: str | None
    message: str
    detail: str | None
    actor: str | None


class DeliveryRecord(msgspec.Struct, frozen=True, kw_only=True):
    """An outbox row with its whole history, for operators and traces."""

    outbox_id: int
    idempotency_key: str
    destination: str
    partner: str
    flow: str
    document_id: int | None
    correlation_key: str | None
    payload: bytes
    state: OutboxState
    attempts: int
    max_attempts: int
    run_after: float
    claim_token: str | None
    claimed_at: float | None
    result: str | None
    last_error_class: str | None
    last_error: str | None
    created_at: float
    updated_at: float
    finished_at: float | None
    history: list[HistoryEntry] = []


class DeadLetter(msgspec.Struct, frozen=True, kw_only=True):
    """A dead (or cancelled) delivery as the dead-letter list shows it: no payload."""

    outbox_id: int
    idempotency_key: str
    destination: str
    partner: str
    flow: str
    correlation_key: str | None
    state: OutboxState
    attempts: int
    last_error_class: str | None
    last_error: str | None
    created_at: float
    updated_at: float


class DeadLetterFilter(msgspec.Struct, frozen=True, kw_only=True):
    """Which dead letters: every given field must match; ``older_than`` compares updated_at."""

    partner: str | None = None
    destination: str | None = None
    flow: str | None = None
    error_class: str | None = None
    older_than: float | None = None
    include_cancelled: bool = False


class NewInbound(msgspec.Struct, frozen=True, kw_only=True):
    """Something a partner sent. ``content_hash`` (sha256 hex) is computed when absent."""

    partner: str
    channel: str
    source_ref: str
    raw: bytes
    control_ref: str | None = None
    content_hash: str | None = None


class Received(msgspec.Struct, frozen=True, kw_only=True):
    """The stored inbound row; ``duplicate_of`` names the earlier row it repeats, if any."""

    inbound_id: int
    content_hash: str
    duplicate_of: int | None = None
    reason: str | None = None

    @property
    def duplicate(self) -> bool:
        return self.duplicate_of is not None


class InboundRecord(msgspec.Struct, frozen=True, kw_only=True):
    inbound_id: int
    partner: str
    channel: str
    source_ref: str
    content_hash: str
    control_ref: str | None
    size: int
    raw: bytes
    state: InboundState
    reason: str | None
    duplicate_of: int | None
    received_at: float
    updated_at: float


class NewDocument(msgspec.Struct, frozen=True, kw_only=True):
    """A canonical document; ``body`` is its JSON (``msgspec.json.encode`` of the contract).

    ``inbound_id`` is None for documents that did not come from a partner (Odoo polls).
    """

    idempotency_key: str
    partner: str
    flow: str
    doc_type: str
    body: bytes
    config_version: str
    inbound_id: int | None = None
    correlation_key: str | None = None


class Inserted(msgspec.Struct, frozen=True):
    """The row holding the key. ``created`` False: the key existed, nothing was written."""

    row_id: int
    created: bool


class DocumentRecord(msgspec.Struct, frozen=True, kw_only=True):
    document_id: int
    idempotency_key: str
    inbound_id: int | None
    partner: str
    flow: str
    doc_type: str
    correlation_key: str | None
    config_version: str
    body: bytes
    state: DocumentState
    reason: str | None
    created_at: float
    updated_at: float


class AuditEntry(msgspec.Struct, frozen=True, kw_only=True):
    audit_id: int
    at: float
    actor: str
    action: str
    subject: str
    details: dict[str, Any]
    content_hash: str | None


class WriterStatistics(msgspec.Struct, frozen=True, kw_only=True):
    """How the group-commit writer has been batching since the store opened."""

    batches: int
    writes: int
    failed_writes: int
    abandoned_writes: int
    largest_batch: int
    mean_batch: float
    queued: int
    queue_capacity: int


class StoreStatistics(msgspec.Struct, frozen=True, kw_only=True):
    """Counts per table and state, backlog per destination, and the writer's batching."""

    inbound: dict[str, int]
    documents: dict[str, int]
    outbox: dict[str, int]
    outbox_by_destination: dict[str, dict[str, int]]
    oldest_pending: float | None
    oldest_pending_by_destination: dict[str, float]
    audit_entries: int
    cursors: int
    writer: WriterStatistics
