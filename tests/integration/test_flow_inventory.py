"""Inventory reports through the real store, the Odoo delivery loop and the simulator: the
3PL's levels become the quants of its Odoo warehouse (EW), and a repeat or an older file
changes nothing."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec

from contracts import Flow, InventoryLine, InventoryReport, ProductRef
from edge.odoo.simulator import OdooSimulator
from gateway.store import DeliveryRecord, NewDocument, OutboxState
from gateway.workflows._base import RoutingOutcome
from gateway.workflows.inventory import InventoryReports
from tests.integration.test_delivery_support import KEY, Harness, harness
from tests.unit.gateway.test_workflow_support import EAST, PARTNERS, at, make_config

FLOW = str(Flow.INVENTORY)
_seq = iter(range(1, 1000))


def _report(as_of: str, **levels: str) -> InventoryReport:
    return InventoryReport(
        report_id=f"INV{next(_seq)}",
        as_of=at(as_of),
        lines=[
            InventoryLine(product=ProductRef(sku=sku), location="BIN-1", on_hand=Decimal(qty))
            for sku, qty in levels.items()
        ],
    )


async def _stored(h: Harness, report: InventoryReport) -> int:
    inserted = await h.store.insert_document(
        NewDocument(
            idempotency_key=f"{EAST}:ICN{next(_seq)}:1",
            partner=EAST,
            flow=FLOW,
            doc_type="inventory_report",
            body=msgspec.json.encode(report),
            config_version="test",
        )
    )
    return inserted.row_id


async def _odoo_rows(h: Harness) -> list[DeliveryRecord]:
    found, outbox_id = [], 1
    while (row := await h.store.get_delivery(outbox_id)) is not None:
        if row.destination == "odoo":
            found.append(row)
        outbox_id += 1
    return found


def _id(value: Any) -> int:
    return int(value[0] if isinstance(value, list | tuple) else value)


def _on_hand(sim: OdooSimulator, location_xid: str, product_xid: str) -> float:
    location, product = sim.db.xid_lookup(location_xid), sim.db.xid_lookup(product_xid)
    assert location is not None and product is not None
    return sum(
        float(q["quantity"])
        for q in sim.db.table("stock.quant").values()
        if _id(q["location_id"]) == location[1] and _id(q["product_id"]) == product[1]
    )


async def test_a_snapshot_sets_the_quants_of_the_3pls_warehouse_and_old_files_change_nothing(
    tmp_path: Path,
) -> None:
    config = make_config(tmp_path, PARTNERS.replace('warehouse = "WH"', 'warehouse = "EW"'))
    async with harness(tmp_path, "jsonrpc", sim=OdooSimulator(api_key=KEY)) as h:
        flow = InventoryReports(h.store, config, notify=lambda _: h.engine.nudge())
        main_before = _on_hand(h.sim, "stock.stock_location_stock", "sim.product_gizmo")
        doc = await _stored(h, _report("2024-03-15T09:00:00+00:00", **{"GIZ-003": "77"}))
        assert await flow.handle(doc) is RoutingOutcome.ROUTED
        rows = await _odoo_rows(h)
        await h.until(lambda: h.finished([r.outbox_id for r in rows]))
        [row] = await _odoo_rows(h)
        assert row.state is OutboxState.COMPLETED, row.history
        assert _on_hand(h.sim, "sim.stock_location_east", "sim.product_gizmo") == 77.0
        assert _on_hand(h.sim, "stock.stock_location_stock", "sim.product_gizmo") == main_before
        quants = dict(h.sim.db.table("stock.quant"))

        # The same report again, and an older one: routed, nothing new for Odoo.
        for as_of, qty in (("2024-03-15T09:00:00+00:00", "77"), ("2024-03-15T08:00:00", "5")):
            late = await _stored(h, _report(as_of, **{"GIZ-003": qty}))
            assert await flow.handle(late) is RoutingOutcome.ROUTED
        assert len(await _odoo_rows(h)) == 1
        assert dict(h.sim.db.table("stock.quant")) == quants
