"""The fault matrix: the delivery loop, the real store and the Odoo simulator, both protocols.

Each transient fault is retried and ends in exactly one record; each business error ends in
one dead letter with Odoo's reason; Odoo down (not running, or refusing) opens the breaker,
the backlog waits without spending attempts, and drains when Odoo is back.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import trio

from actors import BreakerState
from edge.odoo import LOAD_REJECTED, ConfirmOrder
from edge.odoo.simulator import OdooSimulator, serve_simulator
from gateway.store import OutboxState
from tests.integration.test_delivery_support import KEY, free_port, harness, order

PROTOCOLS = pytest.mark.parametrize("protocol", ["json2", "jsonrpc"])
TRANSIENT = ["error_5xx", "lock", "rate_limit", "timeout", "drop_after_commit"]


@PROTOCOLS
@pytest.mark.parametrize("fault", TRANSIENT)
async def test_a_transient_fault_is_retried_and_ends_in_exactly_one_record(
    tmp_path: Path, protocol: str, fault: str
) -> None:
    sim = OdooSimulator(api_key=KEY)
    sim.faults.retry_after = 0.25
    # The fault hits the create itself (``load``): for drop_after_commit Odoo has committed
    # the order and only the answer is lost, the case that made duplicates in the wild.
    sim.faults.schedule(fault, model="sale.order", method="load")
    keys = [f"acme-retail/ORDERS/{fault}-{i}" for i in range(3)]
    async with harness(tmp_path, protocol, sim=sim, call_timeout=0.5, concurrency=1) as h:
        ids = await h.enqueue([order(k) for k in keys])
        await h.until(lambda: h.finished(ids))
        records = [await h.store.get_delivery(i) for i in ids]
    # The three orders went to Odoo as one unit (one lookup, one load): all three met the
    # fault and all three were retried.
    for record in records:
        assert record is not None and record.state is OutboxState.COMPLETED
        assert record.attempts == 2
        [failure] = [e for e in record.history if e.kind == "failure"]
        assert failure.error_class == "TransientFailure"
        if fault == "rate_limit":
            # The policy alone would wait 0.02 s; Retry-After (0.25 s) is the floor.
            assert record.run_after - failure.at > 0.2
    assert all(h.outcomes[i] == ["retried", "delivered"] for i in ids)
    order_ids = h.orders_for(keys)
    assert sim.count("sale.order") == 3 == len(set(order_ids)) == h.crossdock_orders()
    assert sim.count("sale.order.line") == 6
    assert [r.result for r in records if r] == [f"sale.order,{i}" for i in order_ids]
    loads = [c.outcome for c in sim.calls if c.method == "load"]
    if fault == "drop_after_commit":
        # The retry found the external IDs: the orders were not sent a second time.
        assert len(loads) == 1 and loads[0].startswith("ok (committed)")
    else:
        assert loads == [f"fault:{fault}", "ok"]


@PROTOCOLS
async def test_each_business_error_is_one_dead_letter_with_odoos_reason(
    tmp_path: Path, protocol: str
) -> None:
    sim = OdooSimulator(api_key=KEY)
    async with harness(tmp_path, protocol, sim=sim) as h:
        good, unknown, missing = await h.enqueue(
            [
                order("acme-retail/ORDERS/good"),
                order("acme-retail/ORDERS/unknown", product="sim.product_does_not_exist"),
                ConfirmOrder(order=987654),
            ]
        )
        await h.until(lambda: h.finished([good, unknown, missing]))
        rows = {i: await h.store.get_delivery(i) for i in (good, unknown, missing)}
        dead = await h.store.list_dead_letters()
    assert {d.outbox_id for d in dead} == {unknown, missing}
    assert rows[good] is not None and rows[good].state is OutboxState.COMPLETED
    unknown_row, missing_row = rows[unknown], rows[missing]
    assert unknown_row is not None and missing_row is not None
    assert unknown_row.state is OutboxState.DEAD and unknown_row.attempts == 1
    assert unknown_row.last_error_class == LOAD_REJECTED
    assert "sim.product_does_not_exist" in (unknown_row.last_error or "")
    assert missing_row.last_error_class == "odoo.exceptions.MissingError"
    assert [e.kind for e in missing_row.history] == ["failure"]
    assert sim.count("sale.order") == 1 and h.crossdock_orders() == 1
    # The two orders went together: Odoo refused the load for the bad one (all or nothing),
    # and the good one was loaded again alone.
    assert [c.method for c in sim.calls].count("load") == 2
    assert h.engine.breaker.status().failures == 0  # refusals are answers: Odoo is up


@PROTOCOLS
async def test_access_denied_to_the_bot_user_is_a_dead_letter(
    tmp_path: Path, protocol: str
) -> None:
    sim = OdooSimulator(api_key=KEY)
    sim.add_user("reader", api_key="reader-key-0123456789abcdef", read_only=True)
    async with harness(
        tmp_path, protocol, sim=sim, key="reader-key-0123456789abcdef", login="reader"
    ) as h:
        [row_id] = await h.enqueue([order("acme-retail/ORDERS/denied")])
        await h.until(lambda: h.finished([row_id]))
        row = await h.store.get_delivery(row_id)
    assert row is not None and row.state is OutboxState.DEAD
    assert row.last_error_class == "odoo.exceptions.AccessError"
    assert sim.count("sale.order") == 0


@PROTOCOLS
@pytest.mark.parametrize("down", ["not_running", "refusing"])
async def test_odoo_down_opens_the_breaker_the_backlog_waits_then_drains(
    tmp_path: Path, protocol: str, down: str
) -> None:
    sim = OdooSimulator(api_key=KEY)
    port = free_port()
    if down == "refusing":
        sim.faults.rates = {"error_5xx": 1.0}  # type: ignore[dict-item]
    async with trio.open_nursery() as nursery:
        async with harness(
            tmp_path, protocol, sim=sim, serve=down == "refusing", port=port, call_timeout=1.0
        ) as h:
            first = await h.enqueue([order(f"acme-retail/ORDERS/early-{i}") for i in range(4)])
            await h.until(lambda: h.engine.breaker.state is BreakerState.OPEN)
            backlog = await h.enqueue([order(f"acme-retail/ORDERS/late-{i}") for i in range(6)])
            probes = h.engine.probes
            await h.until(lambda: h.engine.probes >= probes + 2)  # still down: probes fail
            for outbox_id in backlog:
                row = await h.store.get_delivery(outbox_id)
                assert row is not None and row.state is OutboxState.AVAILABLE
                assert row.attempts == 0  # nothing claimed while the breaker was open
            assert sim.count("sale.order") == 0
            if down == "refusing":
                sim.faults.clear()
            else:
                await nursery.start(serve_simulator, sim, "127.0.0.1", port)
            await h.until(lambda: h.finished(first + backlog))
            rows = [await h.store.get_delivery(i) for i in first + backlog]
        nursery.cancel_scope.cancel()
    assert all(r is not None and r.state is OutboxState.COMPLETED for r in rows)
    keys = [f"acme-retail/ORDERS/early-{i}" for i in range(4)]
    keys += [f"acme-retail/ORDERS/late-{i}" for i in range(6)]
    assert len(set(h.orders_for(keys))) == 10 == sim.count("sale.order") == h.crossdock_orders()
    assert h.engine.breaker.state is BreakerState.CLOSED
    assert h.engine.breaker.status().times_opened >= 1
