"""``Store``: the async face of the store, and ``open_store`` that owns its resources.

Writes go to the group-commit writer (``transact``); reads go to reader connections in a
read transaction (``read``), one consistent snapshot per call. Every named method is a thin
wrapper over one ``Tx`` operation, so composing several in one transaction is always
possible with ``transact``.
"""

from __future__ import annotations

import functools
import inspect
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import msgspec
import trio

from gateway.bridge import open_asyncio_bridge
from gateway.store._errors import StoreClosed
from gateway.store._migrations import apply_migrations, load_migrations
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
    InboundRecord,
    InboundState,
    Inserted,
    NewDelivery,
    NewDocument,
    NewInbound,
    OutboxState,
    Received,
    StoreStatistics,
)
from gateway.store._sqlite import Connection, close, connect, run_translated
from gateway.store._tx import Tx
from gateway.store._writer import EnqueueOp, GroupCommitWriter

__all__ = ["Clock", "Store", "open_store"]

T = TypeVar("T")
Clock = Callable[[], float]


class Store:
    """The gateway's durable state. Get one from :func:`open_store`."""

    def __init__(
        self,
        path: Path,
        writer: GroupCommitWriter,
        readers: Sequence[Connection],
        clock: Clock,
        default_max_attempts: int,
    ) -> None:
        self.path = path
        self.clock = clock
        self._writer = writer
        self._readers = list(readers)
        self._next_reader = 0
        self._default_max_attempts = default_max_attempts
        self._closed = False

    # --- the unit of work ----------------------------------------------------------------

    async def transact(self, fn: Callable[[Tx], T]) -> T:
        """Run ``fn(tx)`` in the writer's next transaction; return its result after COMMIT.

        ``fn`` may be run together with other callers' writes (group commit) but is isolated
        from them: if it raises, its effects are undone and only this call raises.
        """
        if inspect.iscoroutinefunction(fn):
            raise TypeError(
                "transact runs a plain function on the database thread, not a coroutine"
            )
        result: T = await self._writer.submit(fn)
        return result

    async def read(self, fn: Callable[[Tx], T]) -> T:
        """Run ``fn(tx)`` on a reader connection, in one snapshot; write methods fail here."""
        if self._closed:
            raise StoreClosed("the store is closed")
        conn = self._readers[self._next_reader % len(self._readers)]
        self._next_reader += 1
        result: T = await run_translated(
            conn, _read_snapshot, fn, self.clock(), self._default_max_attempts
        )
        return result

    # --- outbox --------------------------------------------------------------------------

    async def enqueue(self, item: NewDelivery) -> Enqueued:
        """Idempotent on ``item.idempotency_key``: a repeat returns ``created=False``."""
        result: Enqueued = await self._writer.submit(item)
        return result

    async def enqueue_many(self, items: Sequence[NewDelivery]) -> list[Enqueued]:
        result: list[Enqueued] = await self._writer.submit(EnqueueOp(tuple(items), False))
        return result

    async def claim(
        self, destination: str, limit: int, claim_token: str, now: float | None = None
    ) -> list[Delivery]:
        """Claim up to ``limit`` due rows for ``destination`` (one statement), oldest first."""
        return await self.transact(lambda tx: tx.claim(destination, limit, claim_token, now))

    async def ack(self, outbox_id: int, claim_token: str, result: str | None = None) -> None:
        """Complete a claimed row; :class:`StaleClaim` if the claim is no longer ours."""
        await self.transact(lambda tx: tx.ack(outbox_id, claim_token, result))

    async def fail(
        self, outbox_id: int, claim_token: str, error: ErrorInfo, retry_at: float | None
    ) -> OutboxState:
        """Record a failed attempt: ``retryable`` at ``retry_at``, or ``dead`` when
        ``retry_at`` is None or no attempt is left. Fenced like :meth:`ack`."""
        return await self.transact(lambda tx: tx.fail(outbox_id, claim_token, error, retry_at))

    async def rescue(self, horizon: float) -> int:
        """Requeue rows running for longer than ``horizon`` seconds; returns how many."""
        return await self.transact(lambda tx: tx.rescue(horizon))

    async def replay(
        self,
        target: Sequence[int] | DeadLetterFilter,
        *,
        who: str,
        reason: str | None = None,
        extra_attempts: int | None = None,
        limit: int = 1000,
    ) -> list[int]:
        """Dead/cancelled rows back to available, audited; returns the ids replayed."""
        ids = target if isinstance(target, DeadLetterFilter) else list(target)
        return await self.transact(
            lambda tx: tx.replay(
                ids, who=who, reason=reason, extra_attempts=extra_attempts, limit=limit
            )
        )

    async def cancel(self, ids: Sequence[int], *, who: str, reason: str | None = None) -> list[int]:
        """Cancel rows not yet running or finished (and dead ones), audited."""
        wanted = list(ids)
        return await self.transact(lambda tx: tx.cancel(wanted, who=who, reason=reason))

    async def get_delivery(self, outbox_id: int) -> DeliveryRecord | None:
        return await self.read(lambda tx: tx.get_delivery(outbox_id))

    async def find_deliveries(
        self, correlation_key: str, *, limit: int = 100
    ) -> list[DeliveryRecord]:
        return await self.read(lambda tx: tx.find_deliveries(correlation_key, limit=limit))

    async def list_dead_letters(
        self, where: DeadLetterFilter | None = None, *, limit: int = 100, after_id: int = 0
    ) -> list[DeadLetter]:
        return await self.read(
            lambda tx: tx.list_dead_letters(where, limit=limit, after_id=after_id)
        )

    # --- inbound -------------------------------------------------------------------------

    async def receive_inbound(self, item: NewInbound) -> Received:
        """Persist what arrived (bytes and hash) and say whether it repeats an earlier row."""
        return await self.transact(lambda tx: tx.receive_inbound(item))

    async def record_parsed(
        self,
        inbound_id: int,
        documents: Sequence[NewDocument],
        acknowledgements: Sequence[NewDelivery] = (),
        *,
        control_ref: str | None = None,
    ) -> list[Inserted]:
        """Inbound parsed + documents stored + acknowledgements enqueued, one transaction."""
        return await self.transact(
            lambda tx: tx.record_parsed(
                inbound_id, documents, acknowledgements, control_ref=control_ref
            )
        )

    async def record_rejected(
        self, inbound_id: int, reason: str, acknowledgements: Sequence[NewDelivery] = ()
    ) -> None:
        """Inbound rejected + negative acknowledgements enqueued, one transaction."""
        await self.transact(lambda tx: tx.record_rejected(inbound_id, reason, acknowledgements))

    async def mark_inbound_duplicate(
        self, inbound_id: int, duplicate_of: int, reason: str, *, control_ref: str | None = None
    ) -> None:
        await self.transact(
            lambda tx: tx.mark_inbound_duplicate(
                inbound_id, duplicate_of, reason, control_ref=control_ref
            )
        )

    async def replay_inbound(
        self, ids: Sequence[int], *, who: str, reason: str | None = None
    ) -> list[int]:
        wanted = list(ids)
        return await self.transact(lambda tx: tx.replay_inbound(wanted, who=who, reason=reason))

    async def get_inbound(self, inbound_id: int) -> InboundRecord | None:
        return await self.read(lambda tx: tx.get_inbound(inbound_id))

    async def list_inbound(
        self, state: InboundState, *, partner: str | None = None, limit: int = 100,
        after_id: int = 0,
    ) -> list[InboundRecord]:  # fmt: skip
        return await self.read(
            lambda tx: tx.list_inbound(state, partner=partner, limit=limit, after_id=after_id)
        )

    async def find_inbound(self, partner: str, source_ref: str) -> list[InboundRecord]:
        return await self.read(lambda tx: tx.find_inbound(partner, source_ref))

    # --- documents -----------------------------------------------------------------------

    async def insert_document(self, doc: NewDocument) -> Inserted:
        return await self.transact(lambda tx: tx.insert_document(doc))

    async def route_document(
        self, document_id: int, delivery: NewDelivery | None = None
    ) -> Enqueued | None:
        """Document routed + its delivery enqueued, one transaction."""
        return await self.transact(lambda tx: tx.route_document(document_id, delivery))

    async def kill_document(self, document_id: int, reason: str) -> None:
        await self.transact(lambda tx: tx.kill_document(document_id, reason))

    async def complete_document(self, document_id: int) -> None:
        await self.transact(lambda tx: tx.complete_document(document_id))

    async def replay_document(
        self, document_id: int, *, who: str, reason: str | None = None
    ) -> None:
        await self.transact(lambda tx: tx.replay_document(document_id, who=who, reason=reason))

    async def get_document(self, document_id: int) -> DocumentRecord | None:
        return await self.read(lambda tx: tx.get_document(document_id))

    async def list_documents(
        self, state: DocumentState, *, flow: str | None = None, after_id: int = 0,
        limit: int = 100,
    ) -> list[DocumentRecord]:  # fmt: skip
        return await self.read(
            lambda tx: tx.list_documents(state, flow=flow, after_id=after_id, limit=limit)
        )

    async def document_by_key(self, idempotency_key: str) -> DocumentRecord | None:
        return await self.read(lambda tx: tx.document_by_key(idempotency_key))

    async def find_documents(
        self, *, correlation_key: str | None = None, inbound_id: int | None = None,
        limit: int = 100,
    ) -> list[DocumentRecord]:  # fmt: skip
        return await self.read(
            lambda tx: tx.find_documents(
                correlation_key=correlation_key, inbound_id=inbound_id, limit=limit
            )
        )

    # --- audit, cursors, statistics ------------------------------------------------------

    async def audit(
        self,
        actor: str,
        action: str,
        subject: str,
        details: Mapping[str, Any] | None = None,
        *,
        content_hash: str | None = None,
    ) -> int:
        """Append an audit entry (config loads, mapping changes, manual resolutions)."""
        return await self.transact(
            lambda tx: tx.audit(actor, action, subject, details, content_hash=content_hash)
        )

    async def list_audit(
        self, *, subject: str | None = None, limit: int = 100, before_id: int | None = None
    ) -> list[AuditEntry]:
        return await self.read(
            lambda tx: tx.list_audit(subject=subject, limit=limit, before_id=before_id)
        )

    async def get_cursor(self, name: str) -> str | None:
        return await self.read(lambda tx: tx.get_cursor(name))

    async def set_cursor(self, name: str, value: str) -> None:
        await self.transact(lambda tx: tx.set_cursor(name, value))

    async def statistics(self) -> StoreStatistics:
        """Counts per table and state, oldest pending delivery, the writer's batching."""
        counts = await self.read(lambda tx: tx.counts())
        return StoreStatistics(**msgspec.structs.asdict(counts), writer=self._writer.statistics())


def _read_snapshot(db: Any, fn: Callable[[Tx], T], now: float, default_max_attempts: int) -> T:
    db.execute("BEGIN")  # one snapshot for everything ``fn`` reads
    try:
        return fn(Tx(db, now, default_max_attempts))
    finally:
        db.execute("ROLLBACK")


@asynccontextmanager
async def open_store(
    path: str | Path,
    *,
    clock: Clock = time.time,
    readers: int = 1,
    max_batch: int = 1024,
    queue_size: int = 4096,
    busy_timeout: float = 5.0,
    default_max_attempts: int = 8,
) -> AsyncIterator[Store]:
    """Open (creating and migrating if needed) the SQLite store at ``path``.

    Opens the asyncio bridge too if no one has (see :mod:`gateway.bridge`). On exit the
    store stops accepting writes, commits everything already queued, and closes its
    connections, also when the surrounding scope is cancelled.
    """
    if readers < 1 or default_max_attempts < 1:
        raise ValueError("readers and default_max_attempts must be at least 1")
    where = Path(path)
    async with open_asyncio_bridge() as loop:
        opened: list[Connection] = []
        try:
            writer_conn = await connect(
                where, loop=loop, name="writer", readonly=False, busy_timeout=busy_timeout
            )
            opened.append(writer_conn)
            migrate = functools.partial(apply_migrations, path=str(where))
            await run_translated(writer_conn, migrate, load_migrations(), clock())
            for i in range(readers):
                opened.append(
                    await connect(
                        where, loop=loop, name=f"reader{i}", readonly=True,
                        busy_timeout=busy_timeout,
                    )
                )  # fmt: skip
            writer = GroupCommitWriter(
                writer_conn,
                clock=clock,
                default_max_attempts=default_max_attempts,
                max_batch=max_batch,
                queue_size=queue_size,
            )
            store = Store(where, writer, opened[1:], clock, default_max_attempts)
            async with trio.open_nursery() as nursery:
                await nursery.start(writer.run)
                try:
                    yield store
                finally:
                    store._closed = True
                    writer.close()
        finally:
            with trio.CancelScope(shield=True):
                for conn in reversed(opened):
                    await close(conn)
