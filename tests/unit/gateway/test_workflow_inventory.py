"""Inventory reports: ApplyInventory per product, watermarks in either order, refusals, and
the channels' stock feeds (critical at once; the rest merged latest-wins and flushed)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
import pytest
import trio
import trio.testing

from actors import ChildSpec, Supervisor
from contracts import Flow, InventoryLine, InventoryReport, ProductRef, idempotency_key
from edge.odoo import ApplyInventory, ProductCode, WarehouseStock, encode_op
from gateway.config import Config
from gateway.store import DocumentState
from gateway.workflows._base import RoutingOutcome, WorkflowActor
from gateway.workflows._inventory_delta import adjustment_key
from gateway.workflows._stock_feed import FeedLine, Pending, load_pending, merge_pending
from gateway.workflows.inventory import InventoryReports, watermark_cursor
from tests.unit.gateway.test_workflow_support import (
    EAST,
    GADGET,
    MARKET,
    SHOP,
    WEST,
    WIDGET,
    WIDGET_GTIN,
    MemoryStore,
    at,
    csv_rows,
    make_config,
    payload,
)

FLOW = str(Flow.INVENTORY)
T1, T2 = "2024-03-15T08:00:00+00:00", "2024-03-15T09:00:00+00:00"
HEADER = ["Report", "SKU", "GTIN", "Warehouse", "OnHand", "Available"]


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return make_config(tmp_path)


def _line(qty: str, where: str = "A1", available: str | None = None, **product: str) -> (
    InventoryLine
):  # fmt: skip
    return InventoryLine(
        product=ProductRef(**product),
        location=where,
        on_hand=Decimal(qty),
        available=None if available is None else Decimal(available),
    )


def _delta(change: str, unit: str = "EA", **product: str) -> InventoryLine:
    """A 947 line: the signed change in ``available``, no level."""
    return InventoryLine(
        product=ProductRef(**product), location="A1", available=Decimal(change), unit=unit
    )


def _report(as_of: str, *lines: InventoryLine, rid: str = "INV1", snapshot: bool = True) -> (
    InventoryReport
):  # fmt: skip
    return InventoryReport(report_id=rid, as_of=at(as_of), lines=list(lines), snapshot=snapshot)


_seq = iter(range(1, 1_000_000))


def _store(mem: MemoryStore, report: InventoryReport, partner: str = EAST) -> int:
    return mem.store_document(partner, report, key=f"{partner}:ICN{next(_seq)}:1", flow=FLOW)


def _apply(code: ProductCode, qty: float) -> dict[str, Any]:
    op = ApplyInventory(product=code, location=WarehouseStock(warehouse="WH"), quantity=qty)
    decoded: dict[str, Any] = msgspec.json.decode(encode_op(op))
    return decoded


async def test_a_snapshot_sets_each_product_once_and_feeds_the_channels(
    config: Config,
) -> None:
    mem = MemoryStore()
    woken: list[str] = []
    flow = InventoryReports(mem.as_store(), config, notify=woken.append, clock=lambda: 0.0)
    doc = _store(
        mem,
        _report(
            T1,
            _line("20", "A1", sku=WIDGET, gtin=WIDGET_GTIN),
            _line("15", "B7", sku=WIDGET, gtin=WIDGET_GTIN),  # another 3PL location, same WH
            _line("7", available="5", sku=GADGET),
        ),
    )
    assert await flow.handle(doc) is RoutingOutcome.ROUTED
    odoo = mem.deliveries("odoo")
    assert [payload(d) for d in odoo] == [
        _apply(ProductCode(barcode=WIDGET_GTIN, default_code=WIDGET), 35.0),
        _apply(ProductCode(default_code=GADGET), 7.0),
    ]
    assert [d.idempotency_key for d in odoo] == [
        idempotency_key(EAST, "odoo", "stock", "WH", WIDGET, T1),
        idempotency_key(EAST, "odoo", "stock", "WH", GADGET, T1),
    ]
    assert mem.cursor(watermark_cursor("WH", WIDGET)) == T1
    assert mem.cursor(watermark_cursor("WH", GADGET)) == T1
    # The shop's critical SKU went out at once, in the same transaction...
    [critical] = mem.deliveries(f"partner:{SHOP}")
    assert critical.idempotency_key == f"stockfeed:{SHOP}:{EAST}:ICN{next(_seq) - 1}:1"
    assert csv_rows(critical) == [HEADER, ["INV1", WIDGET, WIDGET_GTIN, "WH", "35", "35"]]
    assert sorted(woken) == ["odoo", f"partner:{SHOP}"]
    # ...the rest waits for the batches (the market has no critical SKU).
    pending = mem.run(lambda tx: load_pending(tx, SHOP))
    assert list(pending.lines) == [f"WH|{GADGET}"]
    assert pending.lines[f"WH|{GADGET}"].line.available == Decimal(5)
    market = mem.run(lambda tx: load_pending(tx, MARKET))
    assert sorted(market.lines) == [f"WH|{GADGET}", f"WH|{WIDGET}"]


async def test_an_older_or_equal_report_never_overwrites_newer_stock(config: Config) -> None:
    mem = MemoryStore()
    flow = InventoryReports(mem.as_store(), config, clock=lambda: 0.0)
    newer = _store(mem, _report(T2, _line("9", sku=GADGET), rid="NEW"))
    assert await flow.handle(newer) is RoutingOutcome.ROUTED
    assert len(mem.deliveries("odoo")) == 1
    # An older file arrives late: the gadget line is skipped, the widget (no watermark) not.
    older = _store(mem, _report(T1, _line("1", sku=GADGET), _line("4", sku=WIDGET), rid="OLD"))
    assert await flow.handle(older) is RoutingOutcome.ROUTED
    odoo = mem.deliveries("odoo")
    assert [payload(d)["quantity"] for d in odoo] == [9.0, 4.0]
    assert mem.cursor(watermark_cursor("WH", GADGET)) == T2
    assert mem.cursor(watermark_cursor("WH", WIDGET)) == T1
    # The same time again (a re-sent file): every line skipped, routed with no delivery.
    same = _store(mem, _report(T2, _line("3", sku=GADGET), rid="SAME"))
    assert await flow.handle(same) is RoutingOutcome.ROUTED
    assert mem.document(same).state is DocumentState.ROUTED
    assert len(mem.deliveries("odoo")) == 2
    market = mem.run(lambda tx: load_pending(tx, MARKET))
    assert market.lines[f"WH|{GADGET}"].line.on_hand == Decimal(9)  # not 1, not 3


@pytest.mark.parametrize(
    ("partner", "report", "reason"),
    [
        (
            WEST,
            _report(T1, _line("1", sku=WIDGET)),
            "partner 'west-3pl' has no warehouse: set warehouse = \"<code>\" in its "
            "[[partners]] entry (the Odoo warehouse its stock reports are applied to)",
        ),
        (
            EAST,
            _report(T1, _delta("2", sku=WIDGET), _delta("-1", buyer_item="B-9"), snapshot=False),
            "line 2 ($.lines[1].product): no GTIN or SKU to find the product in Odoo by "
            "(the partner sent only buyer_item 'B-9')",
        ),
        (
            EAST,
            _report(
                T1, InventoryLine(product=ProductRef(sku=WIDGET), location="A1"), snapshot=False
            ),
            "line 1 ($.lines[0].available): no delta, the change the adjustment makes to the stock",
        ),
        (
            EAST,
            _report(T1, _delta("2", sku=WIDGET), _delta("1", "CA", sku=WIDGET), snapshot=False),
            f"line 2 ($.lines[1].unit): 'CA' where an earlier line of {WIDGET} said 'EA'",
        ),
        (
            EAST,
            _report(T1, _line("1", sku=WIDGET), _line("1", supplier_item="S-1")),
            "line 2 ($.lines[1].product): no GTIN or SKU to find the product in Odoo by "
            "(the partner sent only supplier_item 'S-1')",
        ),
        (
            EAST,
            _report(T1, InventoryLine(product=ProductRef(sku=WIDGET), location="A1")),
            "line 1 ($.lines[0].on_hand): no on-hand quantity, the level Odoo's stock is set to",
        ),
    ],
)
async def test_a_report_that_cannot_be_applied_is_a_dead_letter_and_writes_nothing(
    config: Config, partner: str, report: InventoryReport, reason: str
) -> None:
    mem = MemoryStore()
    flow = InventoryReports(mem.as_store(), config, clock=lambda: 0.0)
    doc = _store(mem, report, partner)
    assert await flow.handle(doc) is RoutingOutcome.DEAD
    assert mem.document(doc).reason == reason
    assert mem.deliveries() == []
    assert mem.cursor(watermark_cursor("WH", WIDGET)) is None


def _feed(as_of: str, qty: str) -> FeedLine:
    return FeedLine(at(as_of), InventoryLine(product=ProductRef(sku=GADGET), location="WH",
                                             on_hand=Decimal(qty)))  # fmt: skip


def test_the_pending_set_keeps_the_newest_line_whatever_order_they_come_in() -> None:
    key = f"WH|{GADGET}"
    in_order = merge_pending(
        merge_pending(Pending(), [(key, _feed(T1, "1"))]), [(key, _feed(T2, "2"))]
    )
    late = merge_pending(merge_pending(Pending(), [(key, _feed(T2, "2"))]), [(key, _feed(T1, "1"))])
    assert in_order == late == Pending(lines={key: _feed(T2, "2")})
    # A time with another zone is compared as the moment it is.
    zoned = _feed("2024-03-15T10:30:00+02:00", "3")  # 08:30 UTC: older than T2
    assert merge_pending(late, [(key, zoned)]) == late


async def test_each_channel_is_flushed_as_one_report_when_its_own_interval_is_due(
    config: Config,
) -> None:
    mem = MemoryStore()
    now = [0.0]
    woken: list[str] = []
    flow = InventoryReports(mem.as_store(), config, notify=woken.append, clock=lambda: now[0])
    assert flow.tick_interval == 60.0  # the shop's; the market's is 150
    await flow.handle(_store(mem, _report(T1, _line("7", sku=GADGET), _line("3", sku="GIZ-003"))))
    await flow.handle(_store(mem, _report(T2, _line("8", sku=GADGET), rid="INV2")))
    woken.clear()
    now[0] = 59.0
    assert await flow.flush() == []
    now[0] = 60.0
    assert await flow.flush() == [SHOP]
    [batch] = mem.deliveries(f"partner:{SHOP}")
    assert batch.idempotency_key == f"stockfeed:{SHOP}:batch:1"
    assert csv_rows(batch) == [
        HEADER,
        ["SF1", GADGET, "", "WH", "8", "8"],  # the newer report's level
        ["SF1", "GIZ-003", "", "WH", "3", "3"],
    ]
    assert woken == [f"partner:{SHOP}"]
    assert mem.run(lambda tx: load_pending(tx, SHOP)) == Pending(seq=1)
    assert len(mem.run(lambda tx: load_pending(tx, MARKET)).lines) == 2
    now[0] = 120.0
    assert await flow.flush() == []  # the shop is due, but has nothing pending
    now[0] = 150.0
    assert await flow.flush() == [MARKET]
    assert len(mem.deliveries(f"partner:{MARKET}")) == 1


async def test_the_actor_ticks_the_flush_at_the_smallest_interval(
    config: Config, autojump_clock: trio.testing.MockClock
) -> None:
    mem = MemoryStore()
    woken: list[str] = []
    async with trio.open_nursery() as nursery:
        flow = InventoryReports(mem.as_store(), config, notify=woken.append)
        await flow.handle(_store(mem, _report(T1, _line("7", sku=GADGET))))
        woken.clear()  # the ApplyInventory's "odoo"
        interval = flow.tick_interval
        assert interval is not None
        supervisor = Supervisor(
            "root",
            [
                ChildSpec(
                    "workflow:inventory",
                    lambda: WorkflowActor(flow, tick=(interval, flow.flush), nursery=nursery),
                )
            ],
        )
        async with trio.open_nursery() as inner:
            await inner.start(supervisor.run)
            await trio.sleep(61)
            assert woken == [f"partner:{SHOP}"]
            await trio.sleep(120)  # the market's 150 s are due at the tick of 180
            assert woken == [f"partner:{SHOP}", f"partner:{MARKET}"]
            inner.cancel_scope.cancel()
        nursery.cancel_scope.cancel()


async def test_a_delta_report_is_one_adjustment_keyed_by_its_number(config: Config) -> None:
    mem = MemoryStore()
    flow = InventoryReports(mem.as_store(), config, clock=lambda: 0.0)
    report = _report(
        T1,
        _delta("-4", sku=WIDGET),
        _delta("10", gtin=WIDGET_GTIN, sku=GADGET),
        _delta("1.5", sku=WIDGET),
        _delta("3", sku="ZERO"),
        _delta("-3", sku="ZERO"),
        rid="ADJ-501",
        snapshot=False,
    )
    doc = _store(mem, report)
    assert await flow.handle(doc) is RoutingOutcome.ROUTED
    [row] = mem.deliveries()
    assert row.destination == "odoo"
    assert row.idempotency_key == adjustment_key(EAST, "ADJ-501")
    assert row.idempotency_key == idempotency_key(EAST, "odoo", "adjust", "ADJ-501")
    assert payload(row) == {
        "op": "adjust_inventory",
        "key": row.idempotency_key,
        "warehouse": "WH",
        "lines": [
            {"product": {"default_code": WIDGET}, "delta": -2.5},
            {"product": {"barcode": WIDGET_GTIN, "default_code": GADGET}, "delta": 10.0},
        ],
        "origin": f"{EAST} adjustment ADJ-501",
    }
    # Deltas are not levels: no watermark moves, no channel is fed or given a pending line.
    assert mem.cursor(watermark_cursor("WH", WIDGET)) is None
    for channel in (SHOP, MARKET):
        assert mem.run(lambda tx, c=channel: load_pending(tx, c)).lines == {}

    # The same adjustment re-sent in a new interchange: a new document, the same delivery.
    again = _store(mem, report)
    assert again != doc
    assert await flow.handle(again) is RoutingOutcome.ROUTED
    assert len(mem.deliveries()) == 1


async def test_a_delta_at_or_before_the_last_snapshot_of_its_product_is_skipped(
    config: Config,
) -> None:
    mem = MemoryStore()
    flow = InventoryReports(mem.as_store(), config, clock=lambda: 0.0)
    snapshot = _store(mem, _report(T2, _line("9", sku=GADGET), rid="COUNT"))
    assert await flow.handle(snapshot) is RoutingOutcome.ROUTED
    before = len(mem.deliveries("odoo"))
    # Dated before the count (which includes it): the gadget's line is skipped.
    older = _store(
        mem,
        _report(T1, _delta("5", sku=GADGET), _delta("-1", sku=WIDGET), rid="A1", snapshot=False),
    )
    assert await flow.handle(older) is RoutingOutcome.ROUTED
    [adjust] = mem.deliveries("odoo")[before:]
    assert payload(adjust)["lines"] == [{"product": {"default_code": WIDGET}, "delta": -1.0}]
    # At the very time of the count, every line covered: routed, nothing for Odoo.
    same = _store(mem, _report(T2, _delta("5", sku=GADGET), rid="A2", snapshot=False))
    assert await flow.handle(same) is RoutingOutcome.ROUTED
    assert mem.document(same).state is DocumentState.ROUTED
    assert len(mem.deliveries("odoo")) == before + 1
    # After the count: applied, and the watermark stays the snapshot's.
    newer = _store(
        mem, _report("2024-03-15T10:00:00+00:00", _delta("5", sku=GADGET), rid="A3", snapshot=False)
    )
    assert await flow.handle(newer) is RoutingOutcome.ROUTED
    assert len(mem.deliveries("odoo")) == before + 2
    assert mem.cursor(watermark_cursor("WH", GADGET)) == T2
