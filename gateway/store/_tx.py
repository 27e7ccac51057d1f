"""``Tx``: the unit of work. One object, every named operation, run on the store's thread.

``await store.transact(fn)`` hands ``fn`` a ``Tx`` inside the writer's transaction; whatever
``fn`` does commits together or not at all, and the caller is answered only after COMMIT::

    def parsed(tx: Tx) -> list[Inserted]:
        tx.mark_inbound_parsed(inbound_id, control_ref="000000123")
        docs = [tx.insert_document(d) for d in documents]
        tx.enqueue(contrl_ack)
        return docs

    docs = await store.transact(parsed)

``fn`` runs synchronously on the database thread: keep it to store operations and plain
computation (no I/O, no waiting), return plain data, and raise to undo everything it did.
An exception fails only this caller; the other writes in the same batch still commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from gateway.store import _queries as q
from gateway.store._inbound import InboundOps
from gateway.store._outbox import OutboxOps
from gateway.store._records import (
    AuditEntry,
    DocumentState,
    Enqueued,
    Inserted,
    NewDelivery,
    NewDocument,
)

__all__ = ["TableCounts", "Tx"]


class Tx(OutboxOps, InboundOps):
    """The named operations of one transaction (see the module docstring)."""

    __slots__ = ()

    # Reads of outbox, inbound and documents come from the mixins; these complete the set.

    def route_document(
        self, document_id: int, delivery: NewDelivery | None = None
    ) -> Enqueued | None:
        """new -> routed, and enqueue the delivery that routing decided (one transaction).

        The delivery is linked to the document unless it names another one.
        """
        self._move_document(document_id, DocumentState.ROUTED, (DocumentState.NEW,), None)
        if delivery is None:
            return None
        if delivery.document_id is None:
            delivery = msgspec.structs.replace(delivery, document_id=document_id)
        return self.enqueue(delivery)

    def route_document_many(
        self, document_id: int, deliveries: Sequence[NewDelivery]
    ) -> list[Enqueued]:
        """new -> routed with any number of deliveries (one transaction); each is linked to
        the document unless it names another one."""
        self._move_document(document_id, DocumentState.ROUTED, (DocumentState.NEW,), None)
        linked = [
            d if d.document_id is not None else msgspec.structs.replace(d, document_id=document_id)
            for d in deliveries
        ]
        return self.enqueue_many(linked)

    def record_parsed(
        self,
        inbound_id: int,
        documents: Sequence[NewDocument],
        acknowledgements: Sequence[NewDelivery] = (),
        *,
        control_ref: str | None = None,
    ) -> list[Inserted]:
        """Step 2 of an order's walk, all or nothing: the inbound row becomes parsed, its
        canonical documents are stored (idempotently, linked to the row unless they name
        another) and the acknowledgements enqueued."""
        self.mark_inbound_parsed(inbound_id, control_ref=control_ref)
        inserted = [
            self.insert_document(
                d if d.inbound_id is not None else msgspec.structs.replace(d, inbound_id=inbound_id)
            )
            for d in documents
        ]
        self.enqueue_many(acknowledgements)
        return inserted

    def record_rejected(
        self, inbound_id: int, reason: str, acknowledgements: Sequence[NewDelivery] = ()
    ) -> None:
        """Bad input: the inbound row becomes rejected and the negative acknowledgement
        (CONTRL / 997) is enqueued, in one transaction."""
        self.reject_inbound(inbound_id, reason)
        self.enqueue_many(acknowledgements)

    def get_cursor(self, name: str) -> str | None:
        row = self._conn.execute(q.CURSOR_GET, (name,)).fetchone()
        return None if row is None else str(row[0])

    def set_cursor(self, name: str, value: str) -> None:
        self._conn.execute(q.CURSOR_SET, (name, value, self.now))

    def list_cursors(self) -> list[tuple[str, str, float]]:
        """Every cursor: (name, value, updated_at), by name."""
        return [(str(n), str(v), float(t)) for n, v, t in self._conn.execute(q.CURSORS)]

    def list_audit(
        self, *, subject: str | None = None, limit: int = 100, before_id: int | None = None
    ) -> list[AuditEntry]:
        """Newest first; page backwards with ``before_id``."""
        rows = self._conn.execute(
            q.AUDIT_LIST, {"subject": subject, "before": before_id, "limit": limit}
        )
        return [
            AuditEntry(
                audit_id=r[0], at=r[1], actor=r[2], action=r[3], subject=r[4],
                details=_decode_details(r[5]), content_hash=r[6],
            )
            for r in rows
        ]  # fmt: skip

    def counts(self) -> TableCounts:
        """Rows per table and state; per destination, every state but ``completed``."""
        execute = self._conn.execute
        outbox: dict[str, int] = {}
        by_destination: dict[str, dict[str, int]] = {}
        for query in (q.COUNT_OUTBOX_WAITING, q.COUNT_OUTBOX_RUNNING, q.COUNT_OUTBOX_FINISHED):
            for destination, state, n in execute(query):
                outbox[state] = outbox.get(state, 0) + n
                by_destination.setdefault(destination, {})[state] = n
        # Completed rows are most of the table and have no index of their own: count them
        # as the rest (one pass over the narrowest index), not per destination.
        outbox["completed"] = execute(q.COUNT_OUTBOX_ALL).fetchone()[0] - sum(outbox.values())
        oldest: dict[str, float] = {}
        for query in (q.OLDEST_WAITING, q.OLDEST_RUNNING):
            for destination, at in execute(query):
                oldest[destination] = min(at, oldest.get(destination, at))
        return TableCounts(
            inbound=dict(execute(q.COUNT_INBOUND).fetchall()),
            documents=dict(execute(q.COUNT_DOCUMENTS).fetchall()),
            outbox=outbox,
            outbox_by_destination=by_destination,
            oldest_pending=min(oldest.values()) if oldest else None,
            oldest_pending_by_destination=oldest,
            audit_entries=execute(q.COUNT_AUDIT).fetchone()[0],
            cursors=execute(q.COUNT_CURSORS).fetchone()[0],
        )


class TableCounts(msgspec.Struct, frozen=True, kw_only=True):
    inbound: dict[str, int]
    documents: dict[str, int]
    outbox: dict[str, int]
    outbox_by_destination: dict[str, dict[str, int]]
    oldest_pending: float | None
    oldest_pending_by_destination: dict[str, float]
    audit_entries: int
    cursors: int


_details = msgspec.json.Decoder(dict[str, Any])


def _decode_details(text: str) -> dict[str, Any]:
    return _details.decode(text)
