"""The outbox operations: enqueue, claim, fenced ack and fail, rescue, replay, cancel.

Every state change is one guarded UPDATE whose WHERE clause names the state it expects (and,
for ack and fail, the claim token), so a row that moved on in the meantime is simply not
matched; the caller then learns why from a typed error. History entries are INSERTs into
``outbox_errors``; nothing here ever rewrites one.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain
from typing import Any

import msgspec
from msgspec.structs import astuple

from gateway.store import _queries as q
from gateway.store._errors import NotFound, StaleClaim
from gateway.store._records import (
    DeadLetter,
    DeadLetterFilter,
    Delivery,
    DeliveryRecord,
    Enqueued,
    ErrorInfo,
    HistoryEntry,
    NewDelivery,
    OutboxState,
)
from gateway.store._txbase import TxBase, json_ids

__all__ = ["OutboxOps", "chunk_sizes"]

_CHUNK = 64
_encode = msgspec.json.Encoder().encode


def chunk_sizes(n: int) -> list[int]:
    """Split ``n`` rows into multi-row statements of 64, 32, ... 1 rows (few distinct SQLs)."""
    sizes = [_CHUNK] * (n // _CHUNK)
    rest = n % _CHUNK
    size = _CHUNK // 2
    while rest:
        if rest >= size:
            sizes.append(size)
            rest -= size
        size //= 2
    return sizes


class OutboxOps(TxBase):
    __slots__ = ()

    def enqueue(self, item: NewDelivery) -> Enqueued:
        """Insert one delivery unless its idempotency key exists (then say so)."""
        return self.enqueue_many((item,))[0]

    def enqueue_many(self, items: Sequence[NewDelivery]) -> list[Enqueued]:
        """Insert deliveries with multi-row statements; one result per item, in order.

        A key seen before (in the table or earlier in ``items``) is a no-op answered with
        ``created=False`` and the id of the row that holds the key.
        """
        if not items:
            return []
        fresh = self._enqueue_fresh(items)
        return fresh if fresh is not None else self._enqueue_returning(items)

    def _enqueue_fresh(self, items: Sequence[NewDelivery]) -> list[Enqueued] | None:
        """The usual case, every key new: plain INSERTs, the ids worked out, not returned.

        A rowid table gives each new row ``max(id) + 1``, so the statement that inserts
        ``size`` rows after the largest id ``last`` made exactly ``last + 1 .. last + size``,
        in VALUES order, if and only if it changed ``size`` rows and its last insert got
        ``last + size`` (ids only grow, so ``size`` distinct ones up to ``last + size``
        leave no gap). Anything else (a key that existed, a repeat inside ``items``, the
        rowid space exhausted so SQLite picks at random) undoes this attempt and returns
        None: the caller takes the exact path with RETURNING.
        """
        execute = self._conn.execute
        execute("SAVEPOINT enqueue_fresh")
        try:
            first = last = execute(q.OUTBOX_MAX_ID).fetchone()[0]
            head = [self.now, self._default_max_attempts]
            pos = 0
            for size in chunk_sizes(len(items)):
                params = head + list(chain.from_iterable(map(astuple, items[pos : pos + size])))
                cursor = execute(q.enqueue_fresh(size), params)
                last += size
                if cursor.rowcount != size or cursor.lastrowid != last:
                    execute("ROLLBACK TO enqueue_fresh")
                    execute("RELEASE enqueue_fresh")
                    return None
                pos += size
        except BaseException:
            # Leave nothing half done behind (the caller may catch and go on), unless the
            # error already ended the transaction: then there is nothing left to undo.
            if self._conn.in_transaction:
                execute("ROLLBACK TO enqueue_fresh")
                execute("RELEASE enqueue_fresh")
            raise
        execute("RELEASE enqueue_fresh")
        return [Enqueued(outbox_id, True) for outbox_id in range(first + 1, last + 1)]

    def _enqueue_returning(self, items: Sequence[NewDelivery]) -> list[Enqueued]:
        """The exact path: RETURNING says which rows were inserted, a lookup finds the rest."""
        execute = self._conn.execute
        head = [self.now, self._default_max_attempts]
        inserted: dict[str, int] = {}
        pos = 0
        for size in chunk_sizes(len(items)):
            params = head + list(chain.from_iterable(map(astuple, items[pos : pos + size])))
            for outbox_id, key in execute(q.enqueue(size), params):
                inserted[key] = outbox_id
            pos += size
        out: list[Enqueued] = []
        taken: set[str] = set()
        existing: dict[str, int] | None = None
        for it in items:
            key = it.idempotency_key
            outbox_id = inserted.get(key)
            if outbox_id is not None and key not in taken:
                taken.add(key)
                out.append(Enqueued(outbox_id, True))
                continue
            if outbox_id is None:
                if existing is None:
                    wanted = [i.idempotency_key for i in items if i.idempotency_key not in inserted]
                    existing = dict(execute(q.OUTBOX_IDS_BY_KEYS, {"keys": _encode(wanted)}))
                outbox_id = existing[key]
            out.append(Enqueued(outbox_id, False))
        return out

    def claim(
        self, destination: str, limit: int, claim_token: str, now: float | None = None
    ) -> list[Delivery]:
        """ONE statement: up to ``limit`` due rows of ``destination`` become ``running``.

        Due means available or retryable with ``run_after <= now``; attempts go up by one.
        """
        if limit < 1:
            raise ValueError(f"claim limit must be at least 1, got {limit}")
        at = self.now if now is None else now
        rows = self._conn.execute(
            q.CLAIM, {"token": claim_token, "now": at, "destination": destination, "limit": limit}
        ).fetchall()
        rows.sort()
        return [
            Delivery(
                outbox_id=r[0],
                idempotency_key=r[1],
                destination=r[2],
                partner=r[3],
                flow=r[4],
                document_id=r[5],
                correlation_key=r[6],
                payload=r[7],
                attempts=r[8],
                max_attempts=r[9],
                claim_token=r[10],
                claimed_at=r[11],
            )
            for r in rows
        ]

    def ack(self, outbox_id: int, claim_token: str, result: str | None = None) -> None:
        """Fenced: completes the row only if it is still running under ``claim_token``."""
        row = self._conn.execute(
            q.ACK, {"id": outbox_id, "token": claim_token, "result": result, "now": self.now}
        ).fetchone()
        if row is None:
            raise self._stale(outbox_id, claim_token, "ack")

    def fail(
        self, outbox_id: int, claim_token: str, error: ErrorInfo, retry_at: float | None
    ) -> OutboxState:
        """Fenced: record a failed attempt; returns the row's new state.

        ``retry_at`` given and attempts left: ``retryable`` until then. ``retry_at`` None
        (a permanent failure) or no attempt left: ``dead``. The error is appended to the
        row's history either way.
        """
        row = self._conn.execute(
            q.FAIL,
            {
                "id": outbox_id,
                "token": claim_token,
                "retry_at": retry_at,
                "error_class": error.error_class,
                "message": error.message,
                "now": self.now,
            },
        ).fetchone()
        if row is None:
            raise self._stale(outbox_id, claim_token, "fail")
        state, attempts = row
        self._conn.execute(
            q.APPEND_HISTORY,
            (outbox_id, "failure", attempts, self.now, error.error_class, error.message,
             error.detail, None),
        )  # fmt: skip
        return OutboxState(state)

    def rescue(self, horizon: float) -> int:
        """Rows running longer than ``horizon`` seconds go back to available (dead if no
        attempt is left), each with a history entry; returns how many rows moved."""
        params = {"now": self.now, "cutoff": self.now - horizon}
        self._conn.execute(q.RESCUE_HISTORY, params)
        return self._conn.execute(q.RESCUE, params).rowcount

    def replay(
        self,
        target: Sequence[int] | DeadLetterFilter,
        *,
        who: str,
        reason: str | None = None,
        extra_attempts: int | None = None,
        limit: int = 1000,
    ) -> list[int]:
        """Dead or cancelled rows (by id, or those matching a filter) back to available.

        Each replayed row gets ``extra_attempts`` more attempts (default: the store's
        default budget), a history entry, and the call one audit entry; returns the ids
        replayed (rows in other states are left alone and not listed).
        """
        if isinstance(target, DeadLetterFilter):
            ids = [d.outbox_id for d in self.list_dead_letters(target, limit=limit)]
            requested: Any = msgspec.to_builtins(target)
        else:
            ids = list(target)
            requested = ids
        extra = self._default_max_attempts if extra_attempts is None else extra_attempts
        if extra < 1:
            raise ValueError(f"extra_attempts must be at least 1, got {extra}")
        rows = self._conn.execute(
            q.REPLAY, {"ids": json_ids(ids), "extra": extra, "now": self.now}
        ).fetchall()
        message = f"replayed by {who}" + (f": {reason}" if reason else "")
        self._history(rows, "replay", message, who)
        replayed = sorted(r[0] for r in rows)
        self.audit(
            who,
            "outbox.replay",
            "outbox",
            {"requested": requested, "replayed": replayed, "reason": reason, "extra": extra},
        )
        return replayed

    def cancel(self, ids: Sequence[int], *, who: str, reason: str | None = None) -> list[int]:
        """Available, retryable or dead rows become cancelled (running ones are left to
        finish); history entries and one audit entry; returns the ids cancelled."""
        rows = self._conn.execute(q.CANCEL, {"ids": json_ids(ids), "now": self.now}).fetchall()
        message = f"cancelled by {who}" + (f": {reason}" if reason else "")
        self._history(rows, "cancel", message, who)
        cancelled = sorted(r[0] for r in rows)
        self.audit(
            who,
            "outbox.cancel",
            "outbox",
            {"requested": list(ids), "cancelled": cancelled, "reason": reason},
        )
        return cancelled

    # --- reads ---------------------------------------------------------------------------

    def get_delivery(self, outbox_id: int) -> DeliveryRecord | None:
        """One outbox row with its whole history, oldest entry first."""
        row = self._conn.execute(q.DELIVERY, (outbox_id,)).fetchone()
        if row is None:
            return None
        history = [
            HistoryEntry(
                kind=h[0], attempt=h[1], at=h[2], error_class=h[3], message=h[4], detail=h[5],
                actor=h[6],
            )
            for h in self._conn.execute(q.HISTORY, (outbox_id,))
        ]  # fmt: skip
        return _delivery_record(row, history)

    def find_deliveries(self, correlation_key: str, *, limit: int = 100) -> list[DeliveryRecord]:
        """The deliveries of one order (correlation key), without their history."""
        rows = self._conn.execute(q.DELIVERIES_BY_CORRELATION, (correlation_key, limit))
        return [_delivery_record(r, []) for r in rows]

    def list_dead_letters(
        self, where: DeadLetterFilter | None = None, *, limit: int = 100, after_id: int = 0
    ) -> list[DeadLetter]:
        """Dead rows (and cancelled ones if asked) in id order; page with ``after_id``."""
        f = where or DeadLetterFilter()
        rows = self._conn.execute(
            q.DEAD_LETTERS,
            {
                "also": "cancelled" if f.include_cancelled else "dead",
                "partner": f.partner,
                "destination": f.destination,
                "flow": f.flow,
                "error_class": f.error_class,
                "older_than": f.older_than,
                "after": after_id,
                "limit": limit,
            },
        )
        return [
            DeadLetter(
                outbox_id=r[0], idempotency_key=r[1], destination=r[2], partner=r[3], flow=r[4],
                correlation_key=r[5], state=OutboxState(r[6]), attempts=r[7],
                last_error_class=r[8], last_error=r[9], created_at=r[10], updated_at=r[11],
            )
            for r in rows
        ]  # fmt: skip

    # --- helpers -------------------------------------------------------------------------

    def _history(self, rows: list[Any], kind: str, message: str, who: str) -> None:
        self._conn.executemany(
            q.APPEND_HISTORY,
            [(r[0], kind, r[1], self.now, None, message, None, who) for r in rows],
        )

    def _stale(self, outbox_id: int, claim_token: str, operation: str) -> Exception:
        row = self._conn.execute(q.OUTBOX_STATE, (outbox_id,)).fetchone()
        if row is None:
            return NotFound(f"no outbox row {outbox_id}", table="outbox", row_id=outbox_id)
        state, owner = row
        why = "claimed again under another token" if owner else f"now {state}"
        return StaleClaim(
            f"{operation} refused: outbox row {outbox_id} is no longer running under this claim"
            f" ({why})",
            outbox_id=outbox_id,
            claim_token=claim_token,
            state=state,
        )


def _delivery_record(r: Any, history: list[HistoryEntry]) -> DeliveryRecord:
    return DeliveryRecord(
        outbox_id=r[0], idempotency_key=r[1], destination=r[2], partner=r[3], flow=r[4],
        document_id=r[5], correlation_key=r[6], payload=r[7], state=OutboxState(r[8]),
        attempts=r[9], max_attempts=r[10], run_after=r[11], claim_token=r[12],
        claimed_at=r[13], result=r[14], last_error_class=r[15], last_error=r[16],
        created_at=r[17], updated_at=r[18], finished_at=r[19], history=history,
    )  # fmt: skip
