"""The store: SQLite (WAL) holding inbound files, documents, the outbox, audit and cursors.

Open it inside the asyncio bridge (it opens one itself if none is open)::

    async with open_store("/var/lib/crossdock/crossdock.db") as store:
        nursery.start_soon(run_rescuer, store, 300.0, 30.0)
        ...

Writes are group-committed by one writer (``synchronous=FULL``; a caller is answered after
COMMIT, so an answered write is durable); reads use reader connections, one snapshot each.
``sqlite3`` never shows through: records are msgspec Structs, errors are :class:`StoreError`.

Unit of work -- several operations in one transaction::

    await store.transact(fn)          # fn(tx: Tx) -> T, run on the writer's thread
    await store.read(fn)              # fn(tx: Tx) -> T, on a reader, read operations only

``Tx`` has every operation below as a plain synchronous method (same names and arguments,
no ``await``), plus ``tx.now``, the transaction's time.

Outbox (``destination`` is ``"odoo"`` or ``"partner:<id>"``)::

    enqueue(NewDelivery) -> Enqueued(outbox_id, created)        idempotent on the key
    enqueue_many([NewDelivery]) -> [Enqueued]
    claim(destination, limit, claim_token, now=None) -> [Delivery]        one statement
    ack(outbox_id, claim_token, result=None) -> None         fenced; StaleClaim if not ours
    fail(outbox_id, claim_token, ErrorInfo, retry_at | None) -> OutboxState  retryable|dead
    rescue(horizon_seconds) -> int                            rows moved out of running
    replay([ids] | DeadLetterFilter, *, who, reason=None, extra_attempts=None, limit=1000)
        -> [ids replayed]                                     dead/cancelled -> available
    cancel([ids], *, who, reason=None) -> [ids cancelled]
    get_delivery(outbox_id) -> DeliveryRecord | None           with its whole history
    list_dead_letters(DeadLetterFilter | None, *, limit=100, after_id=0) -> [DeadLetter]
    find_deliveries(correlation_key, *, limit=100) -> [DeliveryRecord]

Inbound and documents::

    receive_inbound(NewInbound) -> Received(inbound_id, content_hash, duplicate_of, reason)
    record_parsed(inbound_id, [NewDocument], [NewDelivery] acks=(), *, control_ref=None)
        -> [Inserted]                     parsed + documents + acks; DuplicateInbound if the
                                          control ref was seen (then mark_inbound_duplicate)
    record_rejected(inbound_id, reason, [NewDelivery] acks=()) -> None
    mark_inbound_duplicate(inbound_id, duplicate_of, reason, *, control_ref=None) -> None
    replay_inbound([ids], *, who, reason=None) -> [ids]        rejected -> received
    get_inbound(id) / list_inbound(InboundState, *, partner=None, limit=100, after_id=0)
    find_inbound(partner, source_ref) -> [InboundRecord]
    insert_document(NewDocument) -> Inserted(row_id, created)  idempotent on the key
    route_document(document_id, NewDelivery | None) -> Enqueued | None   routed + enqueue
    kill_document(document_id, reason) / complete_document(document_id)
    replay_document(document_id, *, who, reason=None)          dead -> new, audited
    get_document(id) / find_documents(*, correlation_key=None, inbound_id=None, limit=100)

Tx only: ``mark_inbound_parsed(inbound_id, *, control_ref=None)``,
``reject_inbound(inbound_id, reason)``.

Audit, cursors, statistics::

    audit(actor, action, subject, details=None, *, content_hash=None) -> audit id
    list_audit(*, subject=None, limit=100, before_id=None) -> [AuditEntry]   newest first
    get_cursor(name) -> str | None / set_cursor(name, value) -> None
    statistics() -> StoreStatistics   (store only: counts per table and state, backlog and
                                       oldest pending per destination, writer batching)

Background: ``run_rescuer(store, horizon, interval, *, report=None, task_status)``.

Errors (see ``_errors``): ``StoreClosed``, ``SchemaError``, ``StaleClaim``, ``NotFound``,
``IllegalTransition``, ``DuplicateInbound``, ``ConstraintViolation``, ``StoreUnavailable``,
``StoreBusy`` (also a ``TransientFailure``), all under ``StoreError``.
"""

from gateway.store._errors import (
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
from gateway.store._records import (
    AuditEntry,
    DeadLetter,
    DeadLetterFilter,
    Delivery,
    DeliveryRecord,
    DocumentRecord,
    DocumentState,
    Enqueued,
    ErrorInfo,
    HistoryEntry,
    InboundRecord,
    InboundState,
    Inserted,
    NewDelivery,
    NewDocument,
    NewInbound,
    OutboxState,
    Received,
    StoreStatistics,
    WriterStatistics,
)
from gateway.store._rescuer import run_rescuer
from gateway.store._store import Clock, Store, open_store
from gateway.store._tx import Tx

__all__ = [
    "AuditEntry",
    "Clock",
    "ConstraintViolation",
    "DeadLetter",
    "DeadLetterFilter",
    "Delivery",
    "DeliveryRecord",
    "DocumentRecord",
    "DocumentState",
    "DuplicateInbound",
    "Enqueued",
    "ErrorInfo",
    "HistoryEntry",
    "IllegalTransition",
    "InboundRecord",
    "InboundState",
    "Inserted",
    "NewDelivery",
    "NewDocument",
    "NewInbound",
    "NotFound",
    "OutboxState",
    "Received",
    "SchemaError",
    "StaleClaim",
    "Store",
    "StoreBusy",
    "StoreClosed",
    "StoreError",
    "StoreStatistics",
    "StoreUnavailable",
    "Tx",
    "WriterStatistics",
    "open_store",
    "run_rescuer",
]
