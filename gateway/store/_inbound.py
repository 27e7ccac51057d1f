"""Inbound rows (what partners sent) and canonical documents (what we made of it).

``receive_inbound`` stores the bytes and detects duplicates in the same statement sequence of
one write: the partial unique indexes over non-duplicate rows make a second "first copy"
impossible even if two receivers raced. Documents are idempotent on their key, so parsing
the same interchange twice never yields two documents.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence
from typing import Any

from gateway.store import _queries as q
from gateway.store._errors import (
    ConstraintViolation,
    DuplicateInbound,
    IllegalTransition,
    NotFound,
)
from gateway.store._records import (
    DocumentRecord,
    DocumentState,
    InboundRecord,
    InboundState,
    Inserted,
    NewDocument,
    NewInbound,
    Received,
)
from gateway.store._txbase import TxBase, json_ids

__all__ = ["InboundOps"]


class InboundOps(TxBase):
    __slots__ = ()

    # inbound -----------------------------------------------------------------------------

    def receive_inbound(self, item: NewInbound) -> Received:
        """Store what arrived; a repeat of an earlier row (same partner and same content
        hash, or same interchange control reference) is stored as ``duplicate`` of it."""
        digest = hashlib.sha256(item.raw).hexdigest()
        if item.content_hash is not None and item.content_hash != digest:
            raise ConstraintViolation(
                "content hash does not match the bytes",
                partner=item.partner,
                source=item.source_ref,
                given=item.content_hash,
                computed=digest,
            )
        execute = self._conn.execute
        earlier = execute(q.INBOUND_BY_CONTENT, (item.partner, digest)).fetchone()
        reason = None
        if earlier is not None:
            reason = f"same content as inbound {earlier[0]}"
        elif item.control_ref is not None:
            earlier = execute(q.INBOUND_BY_CONTROL, (item.partner, item.control_ref)).fetchone()
            if earlier is not None:
                reason = f"interchange {item.control_ref} already received as inbound {earlier[0]}"
        duplicate_of = None if earlier is None else int(earlier[0])
        row = execute(
            q.INSERT_INBOUND,
            {
                "partner": item.partner,
                "channel": item.channel,
                "source_ref": item.source_ref,
                "content_hash": digest,
                "control_ref": item.control_ref,
                "size": len(item.raw),
                "raw": item.raw,
                "state": "received" if duplicate_of is None else "duplicate",
                "reason": reason,
                "duplicate_of": duplicate_of,
                "now": self.now,
            },
        ).fetchone()
        return Received(
            inbound_id=int(row[0]), content_hash=digest, duplicate_of=duplicate_of, reason=reason
        )

    def mark_inbound_parsed(self, inbound_id: int, *, control_ref: str | None = None) -> None:
        """received -> parsed, recording the control reference found while parsing.

        Raises :class:`DuplicateInbound` when that reference was already received from the
        partner: the caller's transaction is then undone, and it should record the row with
        :meth:`mark_inbound_duplicate` instead.
        """
        try:
            row = self._conn.execute(
                q.INBOUND_PARSED, {"id": inbound_id, "control_ref": control_ref, "now": self.now}
            ).fetchone()
        except sqlite3.IntegrityError:
            # Only the partial unique index on (partner, control_ref) can refuse this update.
            partner = self._inbound_state(inbound_id)[1]
            earlier = self._conn.execute(q.INBOUND_BY_CONTROL, (partner, control_ref)).fetchone()
            if earlier is None:
                raise
            raise DuplicateInbound(
                f"interchange {control_ref} already received as inbound {earlier[0]}",
                inbound_id=inbound_id,
                duplicate_of=int(earlier[0]),
                partner=partner,
            ) from None
        if row is None:
            self._inbound_refused(inbound_id, "parsed")

    def mark_inbound_duplicate(
        self, inbound_id: int, duplicate_of: int, reason: str, *, control_ref: str | None = None
    ) -> None:
        """received -> duplicate of an earlier row, with the reason."""
        row = self._conn.execute(
            q.INBOUND_DUPLICATE,
            {
                "id": inbound_id,
                "duplicate_of": duplicate_of,
                "reason": reason,
                "control_ref": control_ref,
                "now": self.now,
            },
        ).fetchone()
        if row is None:
            self._inbound_refused(inbound_id, "duplicate")

    def reject_inbound(self, inbound_id: int, reason: str) -> None:
        """received -> rejected with the reason (syntax, envelope, grammar, mapping)."""
        row = self._conn.execute(
            q.INBOUND_REJECTED, {"id": inbound_id, "reason": reason, "now": self.now}
        ).fetchone()
        if row is None:
            self._inbound_refused(inbound_id, "rejected")

    def replay_inbound(
        self, ids: Sequence[int], *, who: str, reason: str | None = None
    ) -> list[int]:
        """Rejected rows back to received, so they are parsed again; audited."""
        rows = self._conn.execute(
            q.INBOUND_REPLAY, {"ids": json_ids(ids), "now": self.now}
        ).fetchall()
        replayed = sorted(r[0] for r in rows)
        self.audit(
            who,
            "inbound.replay",
            "inbound",
            {"requested": list(ids), "replayed": replayed, "reason": reason},
        )
        return replayed

    def get_inbound(self, inbound_id: int) -> InboundRecord | None:
        row = self._conn.execute(q.INBOUND, (inbound_id,)).fetchone()
        return None if row is None else _inbound_record(row)

    def list_inbound(
        self,
        state: InboundState,
        *,
        partner: str | None = None,
        limit: int = 100,
        after_id: int = 0,
    ) -> list[InboundRecord]:
        """Inbound rows in one state (``rejected`` for the exception workbench), id order."""
        rows = self._conn.execute(
            q.INBOUND_LIST,
            {"state": str(state), "partner": partner, "limit": limit, "after": after_id},
        )
        return [_inbound_record(r) for r in rows]

    def find_inbound(self, partner: str, source_ref: str) -> list[InboundRecord]:
        """Every row received from ``partner`` under that file name / webhook id."""
        rows = self._conn.execute(q.INBOUND_BY_SOURCE, (partner, source_ref))
        return [_inbound_record(r) for r in rows]

    def _inbound_state(self, inbound_id: int) -> tuple[str, str]:
        row = self._conn.execute(q.INBOUND_STATE, (inbound_id,)).fetchone()
        if row is None:
            raise NotFound(f"no inbound row {inbound_id}", table="inbound", row_id=inbound_id)
        return row[0], row[1]

    def _inbound_refused(self, inbound_id: int, wanted: str) -> None:
        state = self._inbound_state(inbound_id)[0]
        raise IllegalTransition(
            f"inbound {inbound_id} is {state}, it cannot become {wanted}",
            table="inbound",
            row_id=inbound_id,
            state=state,
            wanted=wanted,
        )

    # documents ---------------------------------------------------------------------------

    def insert_document(self, doc: NewDocument) -> Inserted:
        """A new canonical document, unless one with its idempotency key exists."""
        row = self._conn.execute(
            q.INSERT_DOCUMENT,
            {
                "key": doc.idempotency_key,
                "inbound_id": doc.inbound_id,
                "partner": doc.partner,
                "flow": doc.flow,
                "doc_type": doc.doc_type,
                "correlation_key": doc.correlation_key,
                "config_version": doc.config_version,
                "body": doc.body.decode("utf-8"),
                "now": self.now,
            },
        ).fetchone()
        if row is not None:
            return Inserted(int(row[0]), True)
        existing = self._conn.execute(q.DOCUMENT_ID_BY_KEY, (doc.idempotency_key,)).fetchone()
        return Inserted(int(existing[0]), False)

    def kill_document(self, document_id: int, reason: str) -> None:
        """new or routed -> dead: a business rule refused it; ``reason`` says which."""
        allowed = (DocumentState.NEW, DocumentState.ROUTED)
        self._move_document(document_id, DocumentState.DEAD, allowed, reason)

    def complete_document(self, document_id: int) -> None:
        """routed -> done: its delivery was acknowledged."""
        self._move_document(document_id, DocumentState.DONE, (DocumentState.ROUTED,), None)

    def replay_document(self, document_id: int, *, who: str, reason: str | None = None) -> None:
        """dead -> new, so the workflow routes it again; audited."""
        self._move_document(document_id, DocumentState.NEW, (DocumentState.DEAD,), None)
        self.audit(who, "document.replay", f"document:{document_id}", {"reason": reason})

    def get_document(self, document_id: int) -> DocumentRecord | None:
        row = self._conn.execute(q.DOCUMENT, (document_id,)).fetchone()
        return None if row is None else _document_record(row)

    def list_documents(
        self, state: DocumentState, *, flow: str | None = None, after_id: int = 0,
        limit: int = 100,
    ) -> list[DocumentRecord]:  # fmt: skip
        """Documents in ``state`` (of one flow), oldest first, from id ``after_id`` on: what a
        workflow rehydrates from (``documents_by_state`` index)."""
        rows = self._conn.execute(q.DOCUMENTS_BY_STATE, (str(state), flow, after_id, limit))
        return [_document_record(r) for r in rows]

    def document_by_key(self, idempotency_key: str) -> DocumentRecord | None:
        row = self._conn.execute(q.DOCUMENT_BY_KEY, (idempotency_key,)).fetchone()
        return None if row is None else _document_record(row)

    def find_documents(
        self,
        *,
        correlation_key: str | None = None,
        inbound_id: int | None = None,
        limit: int = 100,
    ) -> list[DocumentRecord]:
        """Documents of one order (correlation key) or of one inbound row."""
        if (correlation_key is None) == (inbound_id is None):
            raise ValueError("give exactly one of correlation_key and inbound_id")
        if correlation_key is not None:
            rows = self._conn.execute(q.DOCUMENTS_BY_CORRELATION, (correlation_key, limit))
        else:
            rows = self._conn.execute(q.DOCUMENTS_BY_INBOUND, (inbound_id, limit))
        return [_document_record(r) for r in rows]

    def _move_document(
        self,
        document_id: int,
        to: DocumentState,
        allowed: tuple[DocumentState, ...],
        reason: str | None,
    ) -> None:
        row = self._conn.execute(
            q.DOCUMENT_MOVE,
            {
                "id": document_id,
                "to": str(to),
                "from": _json_states(allowed),
                "reason": reason,
                "now": self.now,
            },
        ).fetchone()
        if row is not None:
            return
        current = self._conn.execute(q.DOCUMENT_STATE, (document_id,)).fetchone()
        if current is None:
            raise NotFound(f"no document {document_id}", table="documents", row_id=document_id)
        raise IllegalTransition(
            f"document {document_id} is {current[0]}, it cannot become {to}",
            table="documents",
            row_id=document_id,
            state=current[0],
            wanted=str(to),
        )


def _json_states(states: tuple[DocumentState, ...]) -> str:
    return "[" + ",".join(f'"{s}"' for s in states) + "]"


def _inbound_record(r: Any) -> InboundRecord:
    return InboundRecord(
        inbound_id=r[0], partner=r[1], channel=r[2], source_ref=r[3], content_hash=r[4],
        control_ref=r[5], size=r[6], raw=r[7], state=InboundState(r[8]), reason=r[9],
        duplicate_of=r[10], received_at=r[11], updated_at=r[12],
    )  # fmt: skip


def _document_record(r: Any) -> DocumentRecord:
    return DocumentRecord(
        document_id=r[0], idempotency_key=r[1], inbound_id=r[2], partner=r[3], flow=r[4],
        doc_type=r[5], correlation_key=r[6], config_version=r[7], body=r[8].encode("utf-8"),
        state=DocumentState(r[9]), reason=r[10], created_at=r[11], updated_at=r[12],
    )  # fmt: skip
