"""The store under cancellation and shutdown, across the asyncio bridge, and its rescuer.

A trio scope cancelled while a store call is in flight (a write in the writer's batch, a
read on a reader thread, a write still queued), the store closing with writes queued, the
store's own scope cancelled mid-write: every time the store stays consistent, answers whom
it can, and closes its connections.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import trio
import trio.testing

from gateway.bridge import open_asyncio_bridge
from gateway.store import OutboxState, Store, StoreClosed, Tx, open_store, run_rescuer
from tests.integration.test_store import (
    FakeClock,
    Gate,
    delivery,
    leaked_threads,
    raw,
    worker_threads,
)


@pytest.fixture
async def bridge() -> AsyncIterator[None]:
    async with open_asyncio_bridge():
        yield


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def store(bridge: None, tmp_path: Path, clock: FakeClock) -> AsyncIterator[Store]:
    async with open_store(tmp_path / "store.db", clock=clock) as opened:
        yield opened


# --- the rescuer --------------------------------------------------------------------------


async def test_the_rescuer_requeues_stuck_rows_each_interval(
    store: Store, clock: FakeClock, mock_clock: trio.testing.MockClock
) -> None:
    reports, passes = trio.open_memory_channel[int](10)
    row = (await store.enqueue(delivery("k1"))).outbox_id
    await store.claim("odoo", 1, "lost-worker")
    async with trio.open_nursery() as nursery:
        rescuer = functools.partial(run_rescuer, store, 60.0, 10.0, report=reports.send_nowait)
        await nursery.start(rescuer)
        assert await passes.receive() == 0  # first pass: the claim is young
        clock.now += 61  # now it is older than the horizon
        mock_clock.jump(10)  # and the next pass is due
        assert await passes.receive() == 1
        nursery.cancel_scope.cancel()
    record = await store.get_delivery(row)
    assert record is not None and record.state is OutboxState.AVAILABLE
    assert record.history[-1].kind == "rescue"


async def test_the_rescuer_ends_with_the_store(bridge: None, tmp_path: Path) -> None:
    async with trio.open_nursery() as nursery, open_store(tmp_path / "s.db") as store:
        await nursery.start(run_rescuer, store, 60.0, 0.001)
    # the nursery exited: the rescuer returned on StoreClosed instead of running forever


# --- cancellation and shutdown across the bridge --------------------------------------------


async def test_cancelling_a_caller_mid_batch_leaves_the_store_consistent(store: Store) -> None:
    gate = Gate("in-flight")
    with trio.CancelScope() as scope:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(store.transact, gate)
            await gate.wait_entered()
            scope.cancel()  # the caller goes at once; the batch is already in the thread
    assert scope.cancelled_caught
    gate.release.set()
    after = await store.enqueue(delivery("after"))  # the writer is still serving
    assert after.created
    stats = (await store.statistics()).writer
    assert stats.writes == 2 and stats.failed_writes == 0
    db = raw(store.path)
    keys = {k for (k,) in db.execute("SELECT idempotency_key FROM outbox")}
    assert keys == {"in-flight", "after"}  # the cancelled write committed: it was in flight
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


async def test_cancelling_a_read_in_flight_releases_the_caller_at_once(store: Store) -> None:
    entered, release = threading.Event(), threading.Event()

    def slow_read(tx: Tx) -> str | None:
        entered.set()
        assert release.wait(30)
        return tx.get_cursor("c")

    with trio.CancelScope() as scope:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(store.read, slow_read)
            assert await trio.to_thread.run_sync(entered.wait, 30)
            scope.cancel()  # the reader thread is still inside slow_read
    assert scope.cancelled_caught
    await store.set_cursor("c", "v")  # writes do not wait for the reader
    release.set()
    assert await store.get_cursor("c") == "v"  # the reader serves the next read


async def test_a_write_cancelled_while_queued_never_happens(store: Store) -> None:
    gate = Gate()

    async def withdrawn(task_status: trio.TaskStatus[trio.CancelScope]) -> None:
        with trio.CancelScope() as scope:
            task_status.started(scope)
            await store.enqueue(delivery("withdrawn"))

    async with trio.open_nursery() as nursery:
        nursery.start_soon(store.transact, gate)
        await gate.wait_entered()  # everything after this waits in the queue
        nursery.start_soon(store.enqueue, delivery("kept"))
        scope = await nursery.start(withdrawn)
        await trio.testing.wait_all_tasks_blocked()
        assert (await store.statistics()).writer.queued == 2
        scope.cancel()
        await trio.testing.wait_all_tasks_blocked()
        gate.release.set()
    await store.enqueue(delivery("later"))
    keys = {k for (k,) in raw(store.path).execute("SELECT idempotency_key FROM outbox")}
    assert keys == {"gate", "kept", "later"}
    assert (await store.statistics()).writer.abandoned_writes == 1


async def test_closing_commits_what_was_queued_then_refuses(bridge: None, tmp_path: Path) -> None:
    gate = Gate()
    results: list[Any] = []
    before = worker_threads()
    async with trio.open_nursery() as callers:
        async with open_store(tmp_path / "s.db") as store:
            callers.start_soon(store.transact, gate)
            await gate.wait_entered()

            async def enqueue(i: int) -> None:
                results.append(await store.enqueue(delivery(f"queued{i}")))

            for i in range(20):
                callers.start_soon(enqueue, i)
            await trio.testing.wait_all_tasks_blocked()
            gate.release.set()
        # open_store's exit drained the queue before closing
        assert len(results) == 20 and all(r.created for r in results)
    with pytest.raises(StoreClosed):
        await store.enqueue(delivery("too-late"))
    with pytest.raises(StoreClosed):
        await store.get_cursor("x")
    assert leaked_threads(before) == set()
    count = raw(tmp_path / "s.db").execute("SELECT count(*) FROM outbox").fetchone()
    assert count == (21,)


async def test_cancelling_the_store_scope_mid_write_closes_cleanly(
    bridge: None, tmp_path: Path
) -> None:
    gate = Gate()
    before = worker_threads()
    with trio.CancelScope() as outer:
        async with open_store(tmp_path / "s.db") as store, trio.open_nursery() as nursery:
            nursery.start_soon(store.transact, gate)
            await gate.wait_entered()
            outer.cancel()
            gate.release.set()
            await trio.sleep_forever()
    assert outer.cancelled_caught
    assert leaked_threads(before) == set()
    db = raw(tmp_path / "s.db")
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert db.execute("SELECT idempotency_key FROM outbox").fetchall() == [("gate",)]
    async with open_store(tmp_path / "s.db") as reopened:
        assert (await reopened.enqueue(delivery("gate"))).created is False
