"""The one writer: every write in the process shares its transactions (group commit).

Callers hand a write (a function of :class:`Tx`, a :class:`NewDelivery` to enqueue, or an
:class:`EnqueueOp`) to a bounded queue and park; a full queue parks them before they get in
(back-pressure). The writer task takes everything pending (up to ``max_batch``), ships the
whole batch to the database thread in ONE hop, and there runs it in ONE ``BEGIN IMMEDIATE``
... ``COMMIT`` with ``synchronous=FULL``: one fsync for the batch, not one per write. Each
caller is answered only after COMMIT returned, so an answered write is on disk.

Isolation inside the batch: each write runs in its own SAVEPOINT, so a write that raises
(a constraint, a stale claim, a bug) is rolled back alone and fails only its own caller.
Measured, savepoints cost about nothing next to the statements (SQLite keeps them in memory),
so the "run optimistically, re-run with savepoints on failure" alternative, which would run
callers' functions twice, is not worth its surprise. Consecutive enqueues are coalesced into
multi-row INSERTs (``Tx.enqueue_many``): that, not savepoints, is where the time goes.

A single enqueue is queued as the bare :class:`NewDelivery` (no wrapper, no tuple): with a
thousand callers per batch, every object per caller shows up in the throughput
(``bench/store.py``).

Cancellation: a caller cancelled while its write is still queued withdraws it (the writer
skips it); once the batch is in the thread the write may commit, and the caller sees only
``Cancelled`` (all store writes are idempotent by key, so the caller can simply retry). The
batch itself is shielded: the writer always learns the outcome and answers everyone else.
Closing stops intake (new writes get :class:`StoreClosed`) and commits what was queued.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

import outcome
import trio

from gateway.log import get_logger
from gateway.store._errors import StoreClosed, StoreUnavailable
from gateway.store._records import Enqueued, NewDelivery, WriterStatistics
from gateway.store._sqlite import Connection, run_sync, translate
from gateway.store._tx import Tx

__all__ = ["EnqueueOp", "GroupCommitWriter", "commit_batch"]

_log = get_logger(__name__)


class EnqueueOp:
    """A write that is only enqueues: coalesced with its neighbours into multi-row INSERTs."""

    __slots__ = ("items", "single")

    def __init__(self, items: Sequence[NewDelivery], single: bool) -> None:
        self.items = items
        self.single = single

    def __call__(self, tx: Tx) -> Enqueued | list[Enqueued]:
        results = tx.enqueue_many(self.items)
        return results[0] if self.single else results


Write = Callable[[Tx], Any] | NewDelivery | EnqueueOp


# Bound once: the per-caller path looks each of these up a thousand times per batch.
_current_task = trio.lowlevel.current_task
_reschedule = trio.lowlevel.reschedule
_wait_task_rescheduled = trio.lowlevel.wait_task_rescheduled
_Error = outcome.Error


class _Request:
    __slots__ = ("abandoned", "op", "task")

    def __init__(self, op: Write, task: trio.lowlevel.Task) -> None:
        self.op = op
        self.task: trio.lowlevel.Task | None = task
        self.abandoned = False

    def abort(self, _: Any) -> trio.lowlevel.Abort:
        """The caller was cancelled while waiting: withdraw if not yet taken, stop waiting."""
        self.task = None
        self.abandoned = True
        return trio.lowlevel.Abort.SUCCEEDED


def commit_batch(
    db: sqlite3.Connection, ops: Sequence[Write], now: float, default_max_attempts: int
) -> list[outcome.Outcome[Any]]:
    """Run ``ops`` in one transaction, each isolated by a savepoint (database thread).

    Returns one outcome per op. Raises (and rolls back) only if the transaction as a whole
    fails, e.g. BEGIN or COMMIT itself: then no op's effect was kept.
    """
    tx = Tx(db, now, default_max_attempts)
    execute = db.execute
    results: list[outcome.Outcome[Any]] = []
    execute("BEGIN IMMEDIATE")
    try:
        i, n = 0, len(ops)
        while i < n:
            op = ops[i]
            if type(op) is NewDelivery or type(op) is EnqueueOp:
                j = i + 1
                while j < n and (type(ops[j]) is NewDelivery or type(ops[j]) is EnqueueOp):
                    j += 1
                if j - i > 1:
                    results += _enqueue_group(db, tx, ops[i:j])  # type: ignore[arg-type]
                    i = j
                    continue
            results.append(_isolated(db, tx, op))
            i += 1
        execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            execute("ROLLBACK")
        raise
    return results


def _isolated(db: sqlite3.Connection, tx: Tx, op: Write) -> outcome.Outcome[Any]:
    db.execute("SAVEPOINT w")
    try:
        value = tx.enqueue(op) if type(op) is NewDelivery else op(tx)  # type: ignore[operator]
    except Exception as exc:
        # Raises (failing the whole batch) if the error already ended the transaction.
        db.execute("ROLLBACK TO w")
        db.execute("RELEASE w")
        return outcome.Error(translate(exc))
    db.execute("RELEASE w")
    return outcome.Value(value)


def _enqueue_group(
    db: sqlite3.Connection, tx: Tx, ops: Sequence[NewDelivery | EnqueueOp]
) -> list[outcome.Outcome[Any]]:
    """Many callers' enqueues as a few multi-row INSERTs; one bad row: fall back per op."""
    items: list[NewDelivery] = []
    singles = True  # every op a bare NewDelivery: results map one to one
    for op in ops:
        if type(op) is NewDelivery:
            items.append(op)
        else:
            items.extend(op.items)  # type: ignore[union-attr]
            singles = False
    db.execute("SAVEPOINT g")
    try:
        enqueued = tx.enqueue_many(items)
    except Exception:
        db.execute("ROLLBACK TO g")
        db.execute("RELEASE g")
        return [_isolated(db, tx, op) for op in ops]
    db.execute("RELEASE g")
    if singles:
        return list(map(outcome.Value, enqueued))
    results: list[outcome.Outcome[Any]] = []
    pos = 0
    for op in ops:
        if type(op) is NewDelivery:
            results.append(outcome.Value(enqueued[pos]))
            pos += 1
            continue
        k = len(op.items)  # type: ignore[union-attr]
        value = enqueued[pos] if op.single else enqueued[pos : pos + k]  # type: ignore[union-attr]
        results.append(outcome.Value(value))
        pos += k
    return results


class GroupCommitWriter:
    """Owns the writer connection; :meth:`run` is its task, :meth:`submit` its door."""

    def __init__(
        self,
        conn: Connection,
        *,
        clock: Callable[[], float],
        default_max_attempts: int,
        max_batch: int,
        queue_size: int,
    ) -> None:
        if max_batch < 1 or queue_size < 1:
            raise ValueError("max_batch and queue_size must be at least 1")
        self._conn = conn
        self._clock = clock
        self._default_max_attempts = default_max_attempts
        self._max_batch = max_batch
        self._queue_size = queue_size
        # A list plus two wake-ups rather than a trio memory channel: the writer takes the
        # whole queue in one slice, and a caller's enqueue costs an append, not a channel
        # send and a receive (a third of the per-write cost on the trio side, measured).
        self._pending: list[_Request] = []
        self._idle_writer: trio.lowlevel.Task | None = None
        self._room = trio.lowlevel.ParkingLot()  # callers waiting for space in the queue
        self._reserved = 0  # slots freed for callers woken from _room but not yet back
        self._closed = False
        self.batches = 0
        self.writes = 0
        self.failed = 0
        self.abandoned = 0
        self.largest = 0

    async def submit(self, op: Write) -> Any:
        """Queue ``op`` and wait until its batch committed; return or raise its outcome.

        A full queue parks the caller first (back-pressure). Parked callers get in first
        come, first served: the writer hands each freed slot to one of them, and nobody
        arriving later takes it while they wait.
        """
        if self._closed:
            raise StoreClosed("the store is closed; the write was not accepted")
        if len(self._pending) + self._reserved >= self._queue_size or len(self._room):
            await self._room.park()
            self._reserved -= 1
            if self._closed:
                raise StoreClosed("the store closed while the write waited for room")
        request = _Request(op, _current_task())
        self._pending.append(request)
        writer = self._idle_writer
        if writer is not None:
            self._idle_writer = None
            _reschedule(writer)
        return await _wait_task_rescheduled(request.abort)

    def close(self) -> None:
        """Stop accepting writes; :meth:`run` commits what is queued, then returns."""
        self._closed = True
        self._reserved += len(self._room.unpark_all())  # they wake to StoreClosed
        writer = self._idle_writer
        if writer is not None:
            self._idle_writer = None
            trio.lowlevel.reschedule(writer)

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        task_status.started()
        try:
            while True:
                if self._pending:
                    await self._commit(self._take())
                elif self._closed:
                    return
                else:
                    self._idle_writer = trio.lowlevel.current_task()
                    await trio.lowlevel.wait_task_rescheduled(self._stop_waiting)
        finally:
            self.close()
            with trio.CancelScope(shield=True):
                while self._pending:
                    await self._commit(self._take())

    def _stop_waiting(self, _: Any) -> trio.lowlevel.Abort:
        self._idle_writer = None
        return trio.lowlevel.Abort.SUCCEEDED

    def _take(self) -> list[_Request]:
        batch = self._pending[: self._max_batch]
        del self._pending[: self._max_batch]
        self._reserved += len(self._room.unpark(count=len(batch)))
        return batch

    async def _commit(self, batch: list[_Request]) -> None:
        live = [r for r in batch if not r.abandoned]
        self.abandoned += len(batch) - len(live)
        if not live:
            return
        ops = [r.op for r in live]
        now = self._clock()
        try:
            with trio.CancelScope(shield=True):
                results = await run_sync(
                    self._conn, commit_batch, ops, now, self._default_max_attempts
                )
        except Exception as exc:
            # BEGIN or COMMIT failed, or a write ended the transaction: nothing was kept.
            _log.error("store_batch_failed", writes=len(live), error=repr(exc))
            results = [_batch_failed(exc) for _ in live]
        self.batches += 1
        self.writes += len(live)
        self.largest = max(self.largest, len(live))
        failed = 0
        for request, result in zip(live, results, strict=True):
            if type(result) is _Error:
                failed += 1
            task = request.task
            if task is not None:
                request.task = None
                _reschedule(task, result)
        self.failed += failed

    def statistics(self) -> WriterStatistics:
        return WriterStatistics(
            batches=self.batches,
            writes=self.writes,
            failed_writes=self.failed,
            abandoned_writes=self.abandoned,
            largest_batch=self.largest,
            mean_batch=self.writes / self.batches if self.batches else 0.0,
            queued=len(self._pending),
            queue_capacity=self._queue_size,
        )


def _batch_failed(exc: Exception) -> outcome.Error:
    """A fresh error per caller: one exception object must not be raised in two tasks."""
    err = translate(exc)  # a new object for every sqlite3 error
    if err is exc:
        err = StoreUnavailable(f"the batch transaction failed: {exc!r}")
        err.__cause__ = exc
    return outcome.Error(err)
