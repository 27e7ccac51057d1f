"""The store on real SQLite files: opening and migrating, group commit, isolation inside a
batch, back-pressure, concurrent claimers, fenced acks, replay, duplicates, snapshots and
statistics. Cancellation, shutdown and the rescuer: ``test_store_shutdown.py``.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import trio
import trio.testing

from gateway.bridge import open_asyncio_bridge
from gateway.store import (
    ConstraintViolation,
    DeadLetterFilter,
    DuplicateInbound,
    ErrorInfo,
    IllegalTransition,
    InboundState,
    NewDelivery,
    NewDocument,
    NewInbound,
    OutboxState,
    SchemaError,
    StaleClaim,
    Store,
    StoreUnavailable,
    Tx,
    open_store,
)


class FakeClock:
    """The store's wall clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def delivery(key: str, **kw: Any) -> NewDelivery:
    fields: dict[str, Any] = {
        "idempotency_key": key,
        "destination": "odoo",
        "partner": "ACME",
        "flow": "order_intake",
        "payload": b'{"order": "' + key.encode() + b'"}',
    }
    fields.update(kw)
    return NewDelivery(**fields)


def worker_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if "_connection_worker_thread" in t.name}


def leaked_threads(before: set[threading.Thread]) -> set[threading.Thread]:
    """aiosqlite threads started since ``before`` that do not end.

    A closed connection's thread answers the close and then leaves its loop, so it may
    still be alive for an instant after ``close`` returned: join before judging.
    """
    extra = worker_threads() - before
    for thread in extra:
        thread.join(timeout=10)
    return {t for t in extra if t.is_alive()}


class Gate:
    """A write that holds the database thread until released, to catch a batch in flight."""

    def __init__(self, key: str = "gate") -> None:
        self.key = key
        self.entered = threading.Event()
        self.release = threading.Event()

    def __call__(self, tx: Tx) -> str:
        self.entered.set()
        assert self.release.wait(30), "the test never released the gate"
        tx.enqueue(delivery(self.key))
        return "through"

    async def wait_entered(self) -> None:
        assert await trio.to_thread.run_sync(self.entered.wait, 30)


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


def raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


# --- opening ------------------------------------------------------------------------------


async def test_open_creates_wal_database_and_reopening_keeps_data(
    bridge: None, tmp_path: Path
) -> None:
    path = tmp_path / "store.db"
    before = worker_threads()
    async with open_store(path, readers=2) as store:
        await store.enqueue(delivery("k1"))
        assert len(worker_threads() - before) == 3  # one writer, two readers
    assert leaked_threads(before) == set()  # every connection closed
    async with open_store(path) as store:
        record = await store.get_delivery(1)
        assert record is not None and record.idempotency_key == "k1"
    db = raw(path)
    assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert db.execute("SELECT count(*) FROM schema_version").fetchone() == (1,)


async def test_a_database_from_newer_code_is_refused(bridge: None, tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    async with open_store(path):
        pass
    raw(path).execute("INSERT INTO schema_version VALUES (42, 'from_the_future', 'x', 0)")
    before = worker_threads()
    with pytest.raises(SchemaError, match="newer crossdock"):
        async with open_store(path):
            raise AssertionError("opened a database from the future")
    assert leaked_threads(before) == set()


async def test_open_store_opens_the_bridge_itself_when_needed(tmp_path: Path) -> None:
    async with open_store(tmp_path / "store.db") as store:
        assert (await store.enqueue(delivery("k1"))).created


# --- group commit -------------------------------------------------------------------------


async def test_group_commit_batches_concurrent_writes(store: Store) -> None:
    go = trio.Event()
    results: list[Any] = []

    async def writer(i: int) -> None:
        await go.wait()
        results.append(await store.enqueue(delivery(f"k{i}")))

    async with trio.open_nursery() as nursery:
        for i in range(200):
            nursery.start_soon(writer, i)
        await trio.testing.wait_all_tasks_blocked()
        go.set()
    assert len(results) == 200 and all(r.created for r in results)
    stats = (await store.statistics()).writer
    assert stats.writes == 200
    assert stats.batches < stats.writes
    assert stats.largest_batch > 100, stats
    counts = await store.statistics()
    assert counts.outbox == {"available": 200, "completed": 0}


async def test_one_failing_write_in_a_batch_fails_only_its_caller(store: Store) -> None:
    go = trio.Event()
    outcomes: dict[str, Any] = {}

    def buggy(tx: Tx) -> None:
        tx.enqueue(delivery("written-then-undone"))
        raise ZeroDivisionError("a bug in a transaction function")

    async def call(name: str, fn: Any) -> None:
        await go.wait()
        try:
            outcomes[name] = await store.transact(fn)
        except Exception as exc:
            outcomes[name] = exc

    async with trio.open_nursery() as nursery:
        for i in range(30):
            nursery.start_soon(call, f"good{i}", lambda tx, i=i: tx.enqueue(delivery(f"g{i}")))
        nursery.start_soon(call, "buggy", buggy)
        nursery.start_soon(call, "illegal", lambda tx: tx.enqueue(delivery("x", max_attempts=0)))
        await trio.testing.wait_all_tasks_blocked()
        go.set()
    assert isinstance(outcomes.pop("buggy"), ZeroDivisionError)
    assert isinstance(outcomes.pop("illegal"), ConstraintViolation)
    assert all(r.created for r in outcomes.values())
    stats = (await store.statistics()).writer
    assert stats.largest_batch == 32 and stats.failed_writes == 2  # they really shared a batch
    assert await store.find_deliveries("nothing") == []
    db = raw(store.path)
    keys = {k for (k,) in db.execute("SELECT idempotency_key FROM outbox")}
    assert keys == {f"g{i}" for i in range(30)}


async def test_a_batch_that_fails_as_a_whole_tells_every_caller(store: Store) -> None:
    gate = Gate()
    outcomes: list[Any] = []

    def ends_the_transaction(tx: Tx) -> None:
        # What SQLite does by itself on a full disk or an I/O error: roll everything back.
        tx._conn.execute("ROLLBACK")

    async def call(fn: Any) -> None:
        try:
            outcomes.append(await store.transact(fn))
        except Exception as exc:
            outcomes.append(exc)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(store.transact, gate)
        await gate.wait_entered()  # the next two writes queue up and share a batch
        nursery.start_soon(call, lambda tx: tx.enqueue(delivery("innocent")))
        nursery.start_soon(call, ends_the_transaction)
        await trio.testing.wait_all_tasks_blocked()
        gate.release.set()
    assert len(outcomes) == 2
    assert all(isinstance(o, StoreUnavailable) for o in outcomes), outcomes
    assert (await store.enqueue(delivery("afterwards"))).created  # the writer carries on
    keys = {k for (k,) in raw(store.path).execute("SELECT idempotency_key FROM outbox")}
    assert keys == {"gate", "afterwards"}  # "innocent" was never acknowledged, nor kept


async def test_queue_is_bounded_and_applies_back_pressure(bridge: None, tmp_path: Path) -> None:
    gate = Gate()
    done: list[int] = []
    async with open_store(tmp_path / "s.db", queue_size=2, max_batch=1) as store:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(store.transact, gate)
            await gate.wait_entered()  # the writer is busy with the gate's batch

            async def enqueue(i: int) -> None:
                await store.enqueue(delivery(f"k{i}"))
                done.append(i)

            for i in range(6):
                nursery.start_soon(enqueue, i)
                await trio.testing.wait_all_tasks_blocked()  # arrive in this order
            stats = (await store.statistics()).writer
            assert (stats.queued, stats.queue_capacity) == (2, 2)  # four wait to get in
            assert done == []
            gate.release.set()
        assert done == [0, 1, 2, 3, 4, 5]  # waiting callers got in first come, first served
    async with open_store(tmp_path / "s.db") as reopened:
        assert (await reopened.statistics()).outbox["available"] == 7


# --- claims, acks, failures -----------------------------------------------------------------


async def test_concurrent_claimers_never_share_a_row(bridge: None, tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    claimed: list[int] = []
    async with open_store(path) as one, open_store(path) as two:  # two writers, one file
        await one.enqueue_many([delivery(f"k{i}") for i in range(300)])

        async def claimer(store: Store, n: int) -> None:
            while batch := await store.claim("odoo", 7, f"claimer-{n}"):
                claimed.extend(d.outbox_id for d in batch)

        async with trio.open_nursery() as nursery:
            for n in range(8):
                nursery.start_soon(claimer, one if n % 2 else two, n)
    assert len(claimed) == 300 and len(set(claimed)) == 300


async def test_fenced_ack_after_rescue_and_reclaim(store: Store, clock: FakeClock) -> None:
    row = (await store.enqueue(delivery("k1"))).outbox_id
    (first,) = await store.claim("odoo", 5, "worker-a")
    clock.now += 301
    assert await store.rescue(300.0) == 1
    (second,) = await store.claim("odoo", 5, "worker-b")
    assert (first.outbox_id, second.outbox_id, second.attempts) == (row, row, 2)
    with pytest.raises(StaleClaim) as err:
        await store.ack(row, "worker-a", "sale.order,9")
    assert err.value.outbox_id == row
    await store.ack(row, "worker-b", "sale.order,9")
    record = await store.get_delivery(row)
    assert record is not None and record.state is OutboxState.COMPLETED
    assert [h.kind for h in record.history] == ["rescue"]


async def test_error_history_replay_and_audit(store: Store, clock: FakeClock) -> None:
    row = (await store.enqueue(delivery("k1", max_attempts=3))).outbox_id
    errors = ["timeout", "502 from Odoo", "timeout again"]
    states = []
    for n, message in enumerate(errors):
        (claimed,) = await store.claim("odoo", 1, f"t{n}")
        info = ErrorInfo(error_class="TransientFailure", message=message)
        states.append(await store.fail(row, claimed.claim_token, info, clock.now + 30))
        clock.now += 30
    assert states == [OutboxState.RETRYABLE, OutboxState.RETRYABLE, OutboxState.DEAD]
    (letter,) = await store.list_dead_letters(DeadLetterFilter(error_class="TransientFailure"))
    assert letter.outbox_id == row and letter.last_error == "timeout again"
    assert await store.replay([row], who="alice", reason="Odoo is back") == [row]
    record = await store.get_delivery(row)
    assert record is not None and record.state is OutboxState.AVAILABLE
    assert [(h.kind, h.message) for h in record.history] == [
        ("failure", "timeout"),
        ("failure", "502 from Odoo"),
        ("failure", "timeout again"),
        ("replay", "replayed by alice: Odoo is back"),
    ]
    (entry,) = await store.list_audit(subject="outbox")
    assert (entry.actor, entry.action, entry.details["replayed"]) == (
        "alice",
        "outbox.replay",
        [row],
    )
    assert await store.list_dead_letters() == []


# --- inbound and documents --------------------------------------------------------------------


async def test_inbound_duplicates_and_the_walk_of_one_order(store: Store) -> None:
    edi = b"UNB+UNOC:3+ACME+US+240101:1200+0001'UNH+1+ORDERS:D:96A:UN'"
    first = await store.receive_inbound(
        NewInbound(partner="ACME", channel="sftp", source_ref="PO1.edi", raw=edi)
    )
    again = await store.receive_inbound(
        NewInbound(partner="ACME", channel="sftp", source_ref="PO1-again.edi", raw=edi)
    )
    assert not first.duplicate and again.duplicate_of == first.inbound_id
    doc = NewDocument(
        idempotency_key="ACME:0001:1", partner="ACME", flow="order_intake", doc_type="order",
        body=b'{"order_number": "PO1"}', config_version="cfg-1", correlation_key="ACME:PO1",
    )  # fmt: skip
    ack = delivery("contrl:ACME:0001", destination="partner:ACME", flow="contrl")
    (inserted,) = await store.record_parsed(first.inbound_id, [doc], [ack], control_ref="0001")
    routed = await store.route_document(
        inserted.row_id, delivery("odoo:ACME:0001:1", correlation_key="ACME:PO1")
    )
    assert routed is not None and routed.created
    with pytest.raises(IllegalTransition):
        await store.route_document(inserted.row_id, delivery("odoo:twice"))
    resent = await store.receive_inbound(
        NewInbound(partner="ACME", channel="sftp", source_ref="PO1-v2.edi", raw=edi + b" ")
    )
    with pytest.raises(DuplicateInbound) as dup:
        await store.record_parsed(resent.inbound_id, [doc], control_ref="0001")
    await store.mark_inbound_duplicate(
        resent.inbound_id, dup.value.duplicate_of, "interchange 0001 seen before"
    )
    record = await store.get_inbound(resent.inbound_id)
    assert record is not None and record.state is InboundState.DUPLICATE
    (trace,) = await store.find_deliveries("ACME:PO1")
    assert trace.document_id == inserted.row_id
    stats = await store.statistics()
    assert stats.inbound == {"parsed": 1, "duplicate": 2}
    assert stats.documents == {"routed": 1}
    assert stats.outbox_by_destination == {
        "odoo": {"available": 1},
        "partner:ACME": {"available": 1},
    }


async def test_a_read_sees_one_snapshot_even_while_writes_commit(store: Store) -> None:
    await store.enqueue(delivery("k1"))
    entered, release = threading.Event(), threading.Event()

    def count_twice(tx: Tx) -> tuple[int, int]:
        first = tx.counts().outbox["available"]
        entered.set()
        assert release.wait(30)
        return first, tx.counts().outbox["available"]

    async with trio.open_nursery() as nursery:
        results: list[tuple[int, int]] = []

        async def read() -> None:
            results.append(await store.read(count_twice))

        nursery.start_soon(read)
        assert await trio.to_thread.run_sync(entered.wait, 30)
        await store.enqueue(delivery("k2"))  # commits while the read is in the middle
        release.set()
    assert results == [(1, 1)]
    assert (await store.statistics()).outbox["available"] == 2


async def test_misuse_is_refused(store: Store) -> None:
    with pytest.raises(StoreUnavailable, match="readonly"):  # readers are query-only
        await store.read(lambda tx: tx.set_cursor("x", "y"))

    async def not_a_plain_function(tx: Tx) -> None:
        return None

    with pytest.raises(TypeError, match="plain function"):
        await store.transact(not_a_plain_function)  # type: ignore[arg-type]


async def test_cursors_and_audit(store: Store) -> None:
    assert await store.get_cursor("sftp:ACME") is None
    await store.set_cursor("sftp:ACME", "PO9.edi")
    assert await store.get_cursor("sftp:ACME") == "PO9.edi"
    audit_id = await store.audit(
        "system", "config.load", "config", {"partners": 3}, content_hash="e" * 64
    )
    (entry,) = await store.list_audit()
    assert entry.audit_id == audit_id and entry.details == {"partners": 3}
