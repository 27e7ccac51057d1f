"""Inventory reports through the real store, the Odoo delivery loop and the simulator: the
3PL's levels become the quants of its Odoo warehouse (EW), and a repeat or an older file
changes nothing; a 947's adjustments move those quants by their deltas, exactly once."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec

from contracts import Flow, InventoryLine, InventoryReport, ProductRef
from edge.edi import x12
from edge.edi.mapping import MappingProfile, map_inbound
from edge.odoo import decode_op
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


def _x947(control: str, number: str, *lines: tuple[str, str]) -> bytes:
    """An X12 947 (004010) from the 3PL: each line (SKU, signed change) a W19."""
    body = [f"W15*20240321*{number}~", "N1*WH*EAST WAREHOUSE*91*WH-EAST~"]
    for index, (sku, change) in enumerate(lines, start=1):
        body += [f"LX*{index}~", f"W19*AA*{change}*EA**VN*{sku}~"]
    segments = ["ST*947*0001~", *body, f"SE*{len(body) + 2}*0001~"]
    return (
        "ISA*00*          *00*          *ZZ*EAST3PL        *ZZ*CROSSDOCK      *240321*0930*U*"
        f"00401*{control}*0*P*>~GS*AW*EAST3PL*CROSSDOCK*20240321*0930*{int(control)}*X*004010~"
        + "".join(segments)
        + f"GE*1*{int(control)}~IEA*1*{control}~"
    ).encode()


async def _stored_947(h: Harness, data: bytes) -> int:
    """The 947 parsed and mapped as the partner actor does, stored as its document."""
    [interchange] = x12.parse(data)
    [mapped] = map_inbound(interchange, MappingProfile(), partner=EAST)
    assert isinstance(mapped.document, InventoryReport) and not mapped.document.snapshot
    inserted = await h.store.insert_document(
        NewDocument(
            idempotency_key=f"{EAST}:{mapped.interchange_ref}:{mapped.message_ref}",
            partner=EAST,
            flow=FLOW,
            doc_type="inventory_report",
            body=msgspec.json.encode(mapped.document),
            config_version="test",
        )
    )
    return inserted.row_id


async def test_a_947_moves_the_quants_by_its_deltas_once_even_when_resent_or_answers_are_lost(
    tmp_path: Path,
) -> None:
    config = make_config(tmp_path, PARTNERS.replace('warehouse = "WH"', 'warehouse = "EW"'))
    sim = OdooSimulator(api_key=KEY)
    # Odoo commits the first validation but its answer is lost: the loop must retry.
    sim.faults.schedule("drop_after_commit", model="stock.picking", method="button_validate")
    adjustment = (("WID-001", "-4"), ("GIZ-003", "7"), ("GAD-002", "3"), ("WID-001", "1"))
    async with harness(tmp_path, "json2", sim=sim) as h:
        flow = InventoryReports(h.store, config, notify=lambda _: h.engine.nudge())
        before = {
            p: _on_hand(h.sim, "sim.stock_location_east", f"sim.product_{p}")
            for p in ("widget", "gizmo", "gadget")
        }
        doc = await _stored_947(h, _x947("000000201", "ADJ-77", *adjustment))
        assert await flow.handle(doc) is RoutingOutcome.ROUTED
        rows = await _odoo_rows(h)
        await h.until(lambda: h.finished([r.outbox_id for r in rows]))
        [row] = await _odoo_rows(h)
        assert row.state is OutboxState.COMPLETED, row.history
        assert row.attempts == 2  # the lost answer, then the redelivery
        after = {
            p: _on_hand(h.sim, "sim.stock_location_east", f"sim.product_{p}")
            for p in ("widget", "gizmo", "gadget")
        }
        assert after == {
            "widget": before["widget"] - 3,
            "gizmo": before["gizmo"] + 7,
            "gadget": before["gadget"] + 3,
        }
        validations = [c for c in h.sim.calls if c.method == "button_validate"]
        assert len(validations) == 2  # one per picking (increases, decreases), each once

        # The same adjustment re-sent in a new interchange: a new document, routed, and
        # nothing new for Odoo; the quants stay where the first one left them.
        again = await _stored_947(h, _x947("000000202", "ADJ-77", *adjustment))
        assert again != doc
        assert await flow.handle(again) is RoutingOutcome.ROUTED
        assert len(await _odoo_rows(h)) == 1
        # Even delivered once more (a replay), Odoo finds both pickings done.
        assert h.sim.count("stock.picking", [("origin", "=", f"{EAST} adjustment ADJ-77")]) == 2
        replayed = await h.enqueue([decode_op(row.payload)], max_attempts=3)
        await h.until(lambda: h.finished(replayed))
        assert {
            p: _on_hand(h.sim, "sim.stock_location_east", f"sim.product_{p}")
            for p in ("widget", "gizmo", "gadget")
        } == after
