"""Goods receipts through the real store, the Odoo delivery loop and the simulator: the
incoming picking of the purchase order is done with what was received, the rest left in a
backorder, a repeat changes nothing, and a second receipt of the order validates the
backorder."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec

from contracts import Flow, GoodsReceipt, ProductRef, Quantity, ReceiptLine
from edge.odoo.simulator import OdooSimulator
from gateway.store import DeliveryRecord, NewDocument, OutboxState
from gateway.workflows._base import RoutingOutcome
from gateway.workflows.receipt import GoodsReceipts
from tests.integration.test_delivery_support import KEY, Harness, harness
from tests.unit.gateway.test_workflow_support import EAST, GADGET, WIDGET, make_config

FLOW = str(Flow.RECEIPT)
RECEIPT = GoodsReceipt(
    receipt_id="RC-1",
    receipt_date=date(2024, 3, 18),
    order_number="PO-1001",  # the simulator's WH/IN/00001: 50 WID-001, 20 GAD-002
    lines=[
        ReceiptLine(line_no=1, product=ProductRef(sku=WIDGET), received=Quantity(Decimal(50))),
        ReceiptLine(line_no=2, product=ProductRef(sku=GADGET), received=Quantity(Decimal(15))),
    ],
)
SECOND = GoodsReceipt(
    receipt_id="RC-2",
    receipt_date=date(2024, 3, 25),
    order_number="PO-1001",  # the 5 GAD-002 the first receipt left in the backorder
    lines=[ReceiptLine(line_no=1, product=ProductRef(sku=GADGET), received=Quantity(Decimal(5)))],
)


async def _stored(h: Harness, ref: str, receipt: GoodsReceipt = RECEIPT) -> int:
    inserted = await h.store.insert_document(
        NewDocument(
            idempotency_key=f"{EAST}:{ref}:1",
            partner=EAST,
            flow=FLOW,
            doc_type="goods_receipt",
            body=msgspec.json.encode(receipt),
            config_version="test",
        )
    )
    return inserted.row_id


async def _odoo_rows(h: Harness) -> list[DeliveryRecord]:
    found, outbox_id = [], 1
    while (row := await h.store.get_delivery(outbox_id)) is not None:
        found.append(row)
        outbox_id += 1
    return found


def _id(value: Any) -> int:
    return int(value[0] if isinstance(value, list | tuple) else value)


async def test_a_receipt_validates_the_orders_incoming_picking_once(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    async with harness(tmp_path, "jsonrpc", sim=OdooSimulator(api_key=KEY)) as h:
        flow = GoodsReceipts(h.store, config, notify=lambda _: h.engine.nudge())
        doc = await _stored(h, "ICN1")
        assert await flow.handle(doc) is RoutingOutcome.ROUTED
        rows = await _odoo_rows(h)
        await h.until(lambda: h.finished([r.outbox_id for r in rows]))
        [row] = await _odoo_rows(h)
        assert row.state is OutboxState.COMPLETED, row.history
        found = h.sim.db.xid_lookup("sim.receipt_po_1001")
        assert found is not None
        pickings = h.sim.db.table("stock.picking")
        assert pickings[found[1]]["state"] == "done"
        [backorder] = [
            p
            for p in pickings.values()
            if p.get("backorder_id") and _id(p["backorder_id"]) == found[1]
        ]
        left = [
            float(m["product_uom_qty"])
            for m in h.sim.db.table("stock.move").values()
            if _id(m["picking_id"]) == backorder["id"]
        ]
        assert left == [5.0]
        before = dict(pickings)
        again = await _stored(h, "ICN2")
        assert await flow.handle(again) is RoutingOutcome.ROUTED
        assert len(await _odoo_rows(h)) == 1
        assert dict(h.sim.db.table("stock.picking")) == before

        second = await _stored(h, "ICN3", SECOND)
        assert await flow.handle(second) is RoutingOutcome.ROUTED
        rows = await _odoo_rows(h)
        await h.until(lambda: h.finished([r.outbox_id for r in rows]))
        first_row, second_row = await _odoo_rows(h)
        assert second_row.state is OutboxState.COMPLETED, second_row.history
        assert (
            second_row.idempotency_key == f"{EAST}:odoo:receive:RC-2" != first_row.idempotency_key
        )
        pickings = h.sim.db.table("stock.picking")
        assert pickings[backorder["id"]]["state"] == "done"
        assert pickings[found[1]] == before[found[1]]  # the original is left alone
        assert not [p for p in pickings.values() if p.get("backorder_id") == backorder["id"]]
        assert second_row.result == f"stock.picking,{backorder['id']}"
