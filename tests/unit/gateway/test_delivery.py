"""The delivery loop on fakes, in virtual time: outcomes, retries, breaker, pause, wake-ups.

Every test runs under trio's autojump clock (or a manual MockClock where "no time passed" is
the point), so backoffs of seconds or minutes cost nothing and nothing depends on the
machine's speed.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
import trio
import trio.testing

from actors import BreakerState
from contracts.errors import DeliveryRejected, TransientFailure
from edge.odoo import MissingRecord, OdooAuthFailed
from gateway.delivery_engine import OdooDelivery
from gateway.delivery_ports import PumpRun, error_info
from gateway.store import OutboxState
from tests.unit.gateway.test_delivery_fakes import (
    EPOCH,
    FakeOdoo,
    FakeOutbox,
    make_engine,
    until,
)


@asynccontextmanager
async def running(engine: OdooDelivery) -> AsyncIterator[PumpRun]:
    run = PumpRun("odoo:test")
    async with trio.open_nursery() as nursery:
        await nursery.start(engine.run, run)
        yield run
        run.draining = True
        engine.nudge()


def done(outbox: FakeOutbox) -> bool:
    return all(r.state in (OutboxState.COMPLETED, OutboxState.DEAD) for r in outbox.rows.values())


async def test_every_row_is_delivered_once_in_batches_settled_in_one_transaction_each(
    autojump_clock: trio.testing.MockClock,
) -> None:
    outbox, odoo = FakeOutbox(), FakeOdoo()
    rows = [outbox.add(f"acme/PO-{i}") for i in range(25)]
    engine = make_engine(outbox, odoo, concurrency=2, batch_size=10)
    async with running(engine):
        await until(lambda: done(outbox))
    assert [r.state for r in rows] == [OutboxState.COMPLETED] * 25
    assert sorted(odoo.calls) == sorted(r.key for r in rows)  # each applied exactly once
    assert rows[0].result == f"sale.order,{odoo.records['acme/PO-0']}"
    assert engine.counts["delivered"] == 25 and engine.in_flight == 0
    # The orders of a claim go to Odoo as one unit, and its outcomes are one transaction.
    assert all(n <= 10 for n in odoo.units) and sum(odoo.units) == 25 and len(odoo.units) >= 3
    assert outbox.settlements == odoo.units
    assert odoo.peak <= 2  # never more units in flight than the concurrency


async def test_a_transient_failure_is_retried_after_the_backoff_and_counted_by_the_breaker(
    autojump_clock: trio.testing.MockClock,
) -> None:
    outbox, odoo = FakeOutbox(), FakeOdoo()
    row = outbox.add("acme/PO-1")
    odoo.script["acme/PO-1"] = [TransientFailure("HTTP 503 from Odoo")]
    engine = make_engine(outbox, odoo, initial=4.0, idle_max=100.0)
    async with running(engine):
        await until(lambda: row.state is OutboxState.RETRYABLE)
        failed_at = trio.current_time()
        # Retried at exactly the policy's delay (jitter off): not sooner, and not at the next
        # idle poll (100 s away) either, because the loop remembers when the retry falls due.
        assert row.run_after == pytest.approx(EPOCH + failed_at + 4.0)
        assert engine.breaker.status().consecutive_failures == 1
        await until(lambda: row.state is OutboxState.COMPLETED)
        assert trio.current_time() - failed_at == pytest.approx(4.0, abs=0.1)
    assert odoo.calls == ["acme/PO-1", "acme/PO-1"] and row.attempts == 2
    assert row.history[0].error_class == "TransientFailure"
    assert engine.breaker.status().consecutive_failures == 0


async def test_retry_after_is_a_floor_for_the_next_attempt(
    autojump_clock: trio.testing.MockClock,
) -> None:
    outbox, odoo = FakeOutbox(), FakeOdoo()
    row = outbox.add("acme/PO-1")
    odoo.script["acme/PO-1"] = [TransientFailure("HTTP 429", retry_after=90.0)]
    engine = make_engine(outbox, odoo, initial=1.0)
    async with running(engine):
        await until(lambda: row.state is OutboxState.RETRYABLE)
        assert row.run_after - (EPOCH + trio.current_time()) == pytest.approx(90.0, abs=0.01)
        await until(lambda: row.state is OutboxState.COMPLETED)


async def test_a_business_rejection_is_dead_at_once_with_odoos_error_name(
    autojump_clock: trio.testing.MockClock,
) -> None:
    outbox, odoo = FakeOutbox(), FakeOdoo()
    bad, good = outbox.add("acme/PO-bad"), outbox.add("acme/PO-good")
    odoo.script["acme/PO-bad"] = [
        DeliveryRejected(
            "Product WID-999 does not exist", error_name="odoo.exceptions.ValidationError"
        )
    ]
    engine = make_engine(outbox, odoo)
    async with running(engine):
        await until(lambda: done(outbox))
    assert bad.state is OutboxState.DEAD and bad.attempts == 1
    rejection = DeliveryRejected(
        "Product WID-999 does not exist", error_name="odoo.exceptions.ValidationError"
    )
    assert bad.history == [error_info(rejection)]
    assert bad.history[0].error_class == "odoo.exceptions.ValidationError"
    assert bad.history[0].message == "Product WID-999 does not exist"
    assert good.state is OutboxState.COMPLETED
    # A refusal means Odoo is up: it never counts towards the breaker.
    assert engine.breaker.status().failures == 0
    assert engine.counts["dead"] == 1


async def test_a_payload_that_is_no_odoo_operation_is_dead_without_calling_odoo(
    autojump_clock: trio.testing.MockClock,
) -> None:
    outbox, odoo = FakeOutbox(), FakeOdoo()
    row = outbox.add("acme/PO-1", payload=b'{"op": "create_sale_order", "key": "k"}')
    engine = make_engine(outbox, odoo)
    async with running(engine):
        await until(lambda: done(outbox))
    assert row.state is OutboxState.DEAD and odoo.calls == []
    assert row.history[0].error_class == "RejectedInput"
    assert '"path":"$"' in (row.history[0].detail or "")


async def test_no_attempt_left_makes_a_transient_failure_a_dead_letter(
    autojump_clock: trio.testing.MockClock,
) -> None:
    outbox, odoo = FakeOutbox(), FakeOdoo()
    row = outbox.add("acme/PO-1", max_attempts=3)
    odoo.script["acme/PO-1"] = [TransientFailure(f"503 #{i}") for i in range(3)]
    engine = make_engine(outbox, odoo, failure_threshold=100)
    async with running(engine):
        await until(lambda: row.state is OutboxState.DEAD)
    assert row.attempts == 3 and len(row.history) == 3
    assert engine.counts["dead"] == 1 and engine.counts["retried"] == 2


async def test_an_open_breaker_stops_claiming_and_a_probe_reopens_the_flow(
    autojump_clock: trio.testing.MockClock,
) -> None:
    """Odoo down: after three failures the breaker opens; while it is open nothing is claimed,
    so the waiting rows keep their attempts; after the cool-down one row-less probe fails
    (still down), the next succeeds and the backlog drains."""
    outbox, odoo = FakeOutbox(), FakeOdoo()
    first = [outbox.add(f"acme/PO-{i}") for i in range(3)]
    for row in first:
        odoo.script[row.key] = [TransientFailure("connection refused")]
    engine = make_engine(
        outbox, odoo, concurrency=1, batch_size=1, failure_threshold=3, cooldown=30.0
    )
    odoo.probe_script = [TransientFailure("connection refused"), None]
    async with running(engine):
        await until(lambda: engine.breaker.state is BreakerState.OPEN)
        opened = trio.current_time()
        backlog = [outbox.add(f"acme/PO-late-{i}") for i in range(5)]
        claims_when_opened = len(outbox.claims)
        await until(lambda: odoo.probes == 1)
        assert trio.current_time() - opened == pytest.approx(30.0, abs=0.1)
        assert len(outbox.claims) == claims_when_opened  # no claim while open
        assert all(r.attempts == 0 for r in backlog)
        await until(lambda: done(outbox))
        assert trio.current_time() - opened == pytest.approx(60.0, abs=1.0)
    assert odoo.probes == 2
    assert all(r.state is OutboxState.COMPLETED for r in first + backlog)
    assert all(r.attempts == 1 for r in backlog)  # the outage cost them nothing
    assert engine.breaker.state is BreakerState.CLOSED


async def test_odoo_refusing_our_key_pauses_claims_logs_loudly_and_dead_letters_nothing(
    autojump_clock: trio.testing.MockClock, caplog: pytest.LogCaptureFixture
) -> None:
    outbox, odoo = FakeOutbox(), FakeOdoo()
    rows = [outbox.add(f"acme/PO-{i}") for i in range(4)]
    odoo.script["acme/PO-0"] = [OdooAuthFailed("invalid API key", protocol="json2")]
    odoo.probe_script = [OdooAuthFailed("invalid API key", protocol="json2"), None]
    engine = make_engine(outbox, odoo, concurrency=1, cooldown=60.0)
    with caplog.at_level(logging.ERROR, logger="crossdock.delivery"):
        async with running(engine):
            await until(lambda: rows[0].state is OutboxState.RETRYABLE)
            paused_at = trio.current_time()
            assert engine.status()["delivery"]["paused"]["reason"] == "odoo_auth_failed"
            claims = len(outbox.claims)
            await until(lambda: odoo.probes == 1)
            assert len(outbox.claims) == claims  # nothing claimed while paused
            assert trio.current_time() - paused_at == pytest.approx(60.0, abs=0.1)
            await until(lambda: done(outbox))
    assert [r.state for r in rows] == [OutboxState.COMPLETED] * 4
    assert rows[0].history[0].error_class == "OdooAuthFailed"
    assert engine.counts["dead"] == 0
    loud = [r for r in caplog.records if r.msg == "odoo_auth_failed"]
    assert len(loud) == 2  # the delivery, then the probe that still failed
    assert engine.status()["delivery"]["paused"] is None


async def test_a_record_missing_in_odoo_is_retried_without_blaming_odoo(
    autojump_clock: trio.testing.MockClock,
) -> None:
    outbox, odoo = FakeOutbox(), FakeOdoo()
    row = outbox.add("acme/PO-1")
    odoo.script["acme/PO-1"] = [
        MissingRecord("no sale.order crossdock.x yet", xid="crossdock.x", model="sale.order")
    ] * 5
    engine = make_engine(outbox, odoo, failure_threshold=2)
    async with running(engine):
        await until(lambda: row.state is OutboxState.COMPLETED)
    assert row.attempts == 6
    assert engine.breaker.status().failures == 0 and engine.breaker.status().times_opened == 0


async def test_an_ack_refused_as_stale_is_logged_and_the_loop_goes_on(
    autojump_clock: trio.testing.MockClock,
) -> None:
    outbox, odoo = FakeOutbox(), FakeOdoo()
    stolen, fine = outbox.add("acme/PO-1"), outbox.add("acme/PO-2")
    outbox.stale_acks.add(stolen.outbox_id)
    engine = make_engine(outbox, odoo)
    async with running(engine):
        await until(lambda: fine.state is OutboxState.COMPLETED)
        await until(lambda: engine.counts["stale"] == 1)
    assert stolen.state is OutboxState.RUNNING and stolen.claim_token == "someone-else"
    assert engine.counts == {"delivered": 1, "retried": 0, "dead": 0, "stale": 1, "released": 0}


async def test_a_nudge_starts_new_work_at_once_without_waiting_for_the_idle_poll(
    mock_clock: trio.testing.MockClock,
) -> None:
    """With a clock that moves only when told, the idle poll never comes: the row is claimed
    because of the nudge, and no (virtual) time passes."""
    outbox, odoo = FakeOutbox(), FakeOdoo()
    engine = make_engine(outbox, odoo)
    async with running(engine):
        await trio.testing.wait_all_tasks_blocked()
        start, claims = trio.current_time(), len(outbox.claims)
        row = outbox.add("acme/PO-1")
        await trio.testing.wait_all_tasks_blocked()
        assert row.state is OutboxState.AVAILABLE and len(outbox.claims) == claims
        engine.nudge()
        await trio.testing.wait_all_tasks_blocked()
        assert row.state is OutboxState.COMPLETED
        assert trio.current_time() == start
    assert odoo.calls == ["acme/PO-1"]


async def test_status_shows_breaker_limiter_backlog_counters_and_last_error(
    autojump_clock: trio.testing.MockClock,
) -> None:
    outbox, odoo = FakeOutbox(), FakeOdoo()
    outbox.add("acme/PO-1")
    odoo.script["acme/PO-1"] = [TransientFailure("HTTP 502")]
    engine = make_engine(outbox, odoo, initial=100.0)
    async with running(engine):
        await until(lambda: engine.counts["retried"] == 1)
        await until(lambda: engine.status()["delivery"]["backlog"].get("retryable") == 1)
        status = engine.status()
    assert status["endpoint"] == "odoo" and status["breaker"]["state"] == "closed"
    assert status["limiter"]["rate"] == 1000.0
    delivery = status["delivery"]
    assert delivery["backlog"] == {"available": 0, "retryable": 1, "running": 0}
    assert delivery["last_error"]["type"] == "TransientFailure"
    assert delivery["last_error"]["outbox_id"] == 1 and delivery["in_flight"] == 0


async def test_one_unit_settles_each_row_its_own_way_in_one_transaction(
    autojump_clock: trio.testing.MockClock,
) -> None:
    outbox, odoo = FakeOutbox(), FakeOdoo()
    ok, bad, flaky = outbox.add("acme/ok"), outbox.add("acme/bad"), outbox.add("acme/flaky")
    garbage = outbox.add("acme/garbage", payload=b"not json")
    odoo.script["acme/bad"] = [DeliveryRejected("no such product", error_name="odoo.load")]
    odoo.script["acme/flaky"] = [TransientFailure("lock timeout")]
    engine = make_engine(outbox, odoo, batch_size=10, initial=10.0)
    async with running(engine):
        await until(lambda: flaky.state is OutboxState.RETRYABLE)
        assert odoo.units == [3] and sorted(outbox.settlements) == [1, 3]  # + the garbage
        assert (ok.state, bad.state, garbage.state) == (OutboxState.COMPLETED,) + (
            OutboxState.DEAD,
        ) * 2
        await until(lambda: flaky.state is OutboxState.COMPLETED)
    assert bad.history[0].error_class == "odoo.load"
    assert garbage.history[0].error_class == "RejectedInput"
    assert flaky.attempts == 2 and odoo.units == [3, 1]
    # One unit, one breaker outcome: the lock timeout made it a failure.
    assert engine.breaker.status().failures == 1
