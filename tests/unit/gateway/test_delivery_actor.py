"""The delivery actor under a supervisor: tells, status, a crash of its loop, a graceful stop."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import trio
import trio.testing

from actors import ChildState, SupervisionPolicy, Supervisor
from gateway.delivery import DeliveryAvailable, OdooDeliveryService, announce
from gateway.delivery_engine import OdooDelivery
from gateway.endpoints import GetEndpointStatus
from gateway.store import OutboxState
from tests.unit.gateway.test_delivery_fakes import (
    EPOCH,
    FakeOdoo,
    FakeOutbox,
    make_engine,
    until,
)


@asynccontextmanager
async def tree(engine: OdooDelivery) -> AsyncIterator[Supervisor]:
    async with trio.open_nursery() as host:
        service = OdooDeliveryService(engine, host)
        root = Supervisor(
            "root",
            [service.child()],
            policy=SupervisionPolicy(max_restarts=3, within=60.0, backoff_initial=1.0),
        )
        async with trio.open_nursery() as nursery:
            await nursery.start(root.run)
            yield root
            nursery.cancel_scope.cancel()
        host.cancel_scope.cancel()


def odoo_node(root: Supervisor) -> Any:
    [node] = root.status().children or []
    return node


async def test_a_tell_wakes_the_actor_and_status_shows_the_delivery(
    mock_clock: trio.testing.MockClock,
) -> None:
    outbox, odoo = FakeOutbox(), FakeOdoo()
    engine = make_engine(outbox, odoo)
    async with tree(engine) as root:
        await trio.testing.wait_all_tasks_blocked()
        row = outbox.add("acme/PO-1")
        announce(root.ref("odoo"))
        await trio.testing.wait_all_tasks_blocked()
        assert row.state is OutboxState.COMPLETED  # no time passed: the tell did it
        status = await root.ref("odoo").ask(GetEndpointStatus())
        assert status["endpoint"] == "odoo" and status["breaker"]["state"] == "closed"
        assert status["delivery"]["delivered"] == 1
        assert status["delivery"]["claim"].startswith("odoo:")
        extra = odoo_node(root).extra
        assert extra["delivery"]["delivered"] == 1 and extra["limiter"]["rate"] == 1000.0


async def test_announce_never_blocks_on_a_full_mailbox(
    mock_clock: trio.testing.MockClock,
) -> None:
    outbox, odoo = FakeOutbox(), FakeOdoo()
    engine = make_engine(outbox, odoo)
    async with tree(engine) as root:
        ref = root.ref("odoo")
        for _ in range(ref.statistics().capacity + 10):  # the actor cannot run meanwhile
            announce(ref)
        assert ref.statistics().depth == ref.statistics().capacity
        await trio.testing.wait_all_tasks_blocked()
        assert ref.statistics().depth == 0


async def test_a_crash_of_the_loop_crashes_the_actor_and_the_restart_takes_a_new_claim(
    autojump_clock: trio.testing.MockClock,
) -> None:
    outbox, odoo = FakeOutbox(), FakeOdoo()
    engine = make_engine(outbox, odoo)
    outbox.crash_on_claim = RuntimeError("a bug in the claim path")
    async with tree(engine) as root:
        first = engine.claim_token
        await until(lambda: odoo_node(root).restarts >= 1)
        node = odoo_node(root)
        assert node.last_error is not None
        assert (node.last_error.type, node.last_error.message) == (
            "RuntimeError",
            "a bug in the claim path",
        )
        outbox.crash_on_claim = None
        row = outbox.add("acme/PO-1")
        await until(lambda: row.state is OutboxState.COMPLETED)
        second = (await root.ref("odoo").ask(GetEndpointStatus()))["delivery"]["claim"]
        assert odoo_node(root).state is ChildState.RUNNING
    assert second != first
    assert outbox.claims and row.attempts == 1


async def test_stop_lets_a_delivery_in_flight_finish(
    autojump_clock: trio.testing.MockClock,
) -> None:
    outbox, odoo = FakeOutbox(), FakeOdoo()
    row = outbox.add("acme/PO-slow")
    odoo.script["acme/PO-slow"] = [functools.partial(trio.sleep, 3.0)]
    engine = make_engine(outbox, odoo, drain_timeout=5.0)
    async with tree(engine):
        await until(lambda: odoo.in_flight == 1)
        stop_at = trio.current_time()
    assert row.state is OutboxState.COMPLETED
    assert trio.current_time() - stop_at == pytest.approx(3.0, abs=0.05)  # it was waited for
    assert engine.in_flight == 0


async def test_stop_cuts_a_hung_delivery_after_the_drain_and_hands_its_row_back(
    autojump_clock: trio.testing.MockClock,
) -> None:
    outbox, odoo = FakeOutbox(), FakeOdoo()
    row = outbox.add("acme/PO-hung")
    odoo.script["acme/PO-hung"] = [trio.sleep_forever]
    engine = make_engine(outbox, odoo, drain_timeout=5.0)
    async with tree(engine) as root:
        await until(lambda: odoo.in_flight == 1)
        stop_at = trio.current_time()
        root_ref = root.ref("odoo")
    assert row.state is OutboxState.RETRYABLE and row.claim_token is None
    assert row.history[-1].error_class == "DeliveryInterrupted"
    assert row.run_after <= EPOCH + trio.current_time()  # due at once after a restart
    assert 5.0 <= trio.current_time() - stop_at < 10.0
    assert root_ref.statistics().closed
    assert DeliveryAvailable() == DeliveryAvailable()


async def test_a_bug_in_a_delivery_is_written_on_its_rows_and_crashes_the_actor(
    autojump_clock: trio.testing.MockClock,
) -> None:
    outbox, odoo = FakeOutbox(), FakeOdoo()
    row = outbox.add("acme/PO-poison")
    odoo.script["acme/PO-poison"] = [KeyError("line_ids"), None]
    engine = make_engine(outbox, odoo, initial=2.0)
    async with tree(engine) as root:
        await until(lambda: odoo_node(root).restarts >= 1)
        node = odoo_node(root)
        assert node.last_error is not None and node.last_error.type == "KeyError"
        assert row.state is OutboxState.RETRYABLE  # handed back with a backoff, not lost
        assert row.history[0].error_class == "KeyError"
        await until(lambda: row.state is OutboxState.COMPLETED)  # the next incarnation
    assert row.attempts == 2
