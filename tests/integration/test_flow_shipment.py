"""Shipment confirmations through the real store, the real Odoo delivery loop and the Odoo
simulator on loopback: the picking is done with the shipped quantities and the tracking
reference, the rest is left in a backorder, and repeats change nothing; a name Odoo does not
know is a dead letter with Odoo's reason."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import msgspec

from contracts import Flow, ShipmentConfirmation
from edge.edi import x12
from edge.edi.mapping import MappingProfile, map_inbound
from edge.odoo import CreateSaleOrder, OrderLine, external_id
from edge.odoo.simulator import OdooSimulator
from gateway.config import Config
from gateway.store import DeliveryRecord, NewDelivery, NewDocument, OutboxState
from gateway.workflows._base import RoutingOutcome
from gateway.workflows.shipment import ShipmentConfirmations, fulfillment_key
from tests.integration.test_delivery_support import KEY, Harness, harness
from tests.unit.edge.test_mapping_errors import x12_message
from tests.unit.gateway.test_workflow_support import (
    EAST,
    GADGET,
    WIDGET,
    WIDGET_GTIN,
    make_config,
    request,
    shipment,
    shipped,
)

FLOW = str(Flow.SHIPMENT_CONFIRMATION)


@asynccontextmanager
async def running(tmp_path: Path) -> AsyncIterator[tuple[Harness, ShipmentConfirmations]]:
    config: Config = make_config(tmp_path)
    async with harness(tmp_path, "jsonrpc", sim=OdooSimulator(api_key=KEY)) as h:
        yield h, ShipmentConfirmations(h.store, config, notify=lambda _: h.engine.nudge())


async def _picking_of_new_order(h: Harness, number: str = "PO-9") -> dict[str, Any]:
    """A confirmed sale order of 10 widgets and 2 gadgets: its delivery picking."""
    op = CreateSaleOrder(
        key=f"acme-retail/ORDERS/{number}",
        partner="sim.partner_acme",
        lines=(
            OrderLine(product="sim.product_widget", quantity=10),
            OrderLine(product="sim.product_gadget", quantity=2),
        ),
        confirm=True,
    )
    [row] = await h.enqueue([op])
    await h.until(lambda: h.finished([row]))
    order = h.sim.db.xid_lookup(external_id(op.key))
    assert order is not None
    origin = h.sim.db.table("sale.order")[order[1]]["name"]
    [picking] = [p for p in h.sim.db.table("stock.picking").values() if p["origin"] == origin]
    return dict(picking)


_seq = iter(range(1, 1000))


async def _stored(h: Harness, partner: str, key: str, document: Any, flow: str, corr: str) -> int:
    inserted = await h.store.insert_document(
        NewDocument(
            idempotency_key=key,
            partner=partner,
            flow=flow,
            doc_type=str(type(document).__struct_config__.tag),
            body=msgspec.json.encode(document),
            config_version="test",
            correlation_key=corr,
        )
    )
    return inserted.row_id


async def _confirm(h: Harness, conf: ShipmentConfirmation) -> int:
    return await _stored(h, EAST, f"{EAST}:ICN{next(_seq)}:1", conf, FLOW,
                         f"{EAST}/{conf.order_number}")  # fmt: skip


async def _settled(h: Harness, document_id: int) -> list[DeliveryRecord]:
    """The document's Odoo deliveries once the loop settled them."""
    ids = [r.outbox_id for r in await _odoo_rows(h) if r.document_id == document_id]
    await h.until(lambda: h.finished(ids))
    return [r for r in await _odoo_rows(h) if r.outbox_id in ids]


async def _odoo_rows(h: Harness) -> list[DeliveryRecord]:
    found = []
    outbox_id = 1
    while (row := await h.store.get_delivery(outbox_id)) is not None:
        if row.destination == "odoo" and row.flow == FLOW:
            found.append(row)
        outbox_id += 1
    return found


def _new(row: DeliveryRecord) -> NewDelivery:
    return NewDelivery(
        idempotency_key=row.idempotency_key,
        destination=row.destination,
        partner=row.partner,
        flow=row.flow,
        payload=row.payload,
    )


def _moves(sim: OdooSimulator, picking_id: int) -> dict[int, tuple[float, str]]:
    return {
        _id(m["product_id"]): (float(m["quantity"]), str(m["state"]))
        for m in sim.db.table("stock.move").values()
        if _id(m["picking_id"]) == picking_id
    }


def _id(value: Any) -> int:
    return int(value[0] if isinstance(value, list | tuple) else value)


def _product(sim: OdooSimulator, xid: str) -> int:
    found = sim.db.xid_lookup(xid)
    assert found is not None
    return found[1]


async def test_a_partial_shipment_validates_the_picking_leaves_a_backorder_and_repeats_nothing(
    tmp_path: Path,
) -> None:
    async with running(tmp_path) as (h, flow):
        picking = await _picking_of_new_order(h)
        name = str(picking["name"])
        await _stored(
            h, EAST, fulfillment_key(name),
            request(name, name, 1, 1, (WIDGET, "10", "EA"), (GADGET, "2", "EA")),
            str(Flow.FULFILLMENT), f"picking:{name}",
        )  # fmt: skip
        conf = shipment(
            name,
            shipped(1, "4", gtin=WIDGET_GTIN),
            shipped(2, "2", sku=WIDGET),
            shipped(3, "2", sku=GADGET),
            tracking="1Z-TRACK-1",
            partial=True,
        )
        doc = await _confirm(h, conf)
        assert await flow.handle(doc) is RoutingOutcome.ROUTED
        [row] = await _settled(h, doc)
        assert row.state is OutboxState.COMPLETED, row.history
        done = h.sim.db.table("stock.picking")[picking["id"]]
        assert done["state"] == "done"
        assert done["carrier_tracking_ref"] == "1Z-TRACK-1"
        widget, gadget = (
            _product(h.sim, "sim.product_widget"),
            _product(h.sim, "sim.product_gadget"),
        )
        assert _moves(h.sim, picking["id"]) == {widget: (6.0, "done"), gadget: (2.0, "done")}
        [backorder] = [p for p in h.sim.db.table("stock.picking").values() if p.get("backorder_id")]
        assert backorder["state"] not in ("done", "cancel")
        left = {
            _id(m["product_id"]): float(m["product_uom_qty"])
            for m in h.sim.db.table("stock.move").values()
            if _id(m["picking_id"]) == backorder["id"]
        }
        assert left == {widget: 4.0}
        pickings = dict(h.sim.db.table("stock.picking"))

        # The same shipment again in a new interchange: routed, nothing new for Odoo.
        again = await _confirm(h, conf)
        assert await flow.handle(again) is RoutingOutcome.ROUTED
        assert len(await _odoo_rows(h)) == 1
        # And the op itself, delivered again (a replay under another key), changes nothing.
        [again_id] = [
            e.outbox_id
            for e in await h.store.enqueue_many(
                [msgspec.structs.replace(_new(row), idempotency_key="again")]
            )
        ]
        h.engine.nudge()
        await h.until(lambda: h.finished([again_id]))
        replayed = await h.store.get_delivery(again_id)
        assert replayed is not None and replayed.state is OutboxState.COMPLETED
        assert dict(h.sim.db.table("stock.picking")) == pickings


async def test_a_picking_name_odoo_does_not_know_is_a_dead_letter_with_its_reason(
    tmp_path: Path,
) -> None:
    async with running(tmp_path) as (h, flow):
        doc = await _confirm(h, shipment("WH/OUT/99999", shipped(1, "1", sku=WIDGET)))
        assert await flow.handle(doc) is RoutingOutcome.ROUTED  # Odoo is the judge of names
        [row] = await _settled(h, doc)
        assert row.state is OutboxState.DEAD
        assert "WH/OUT/99999" in (row.last_error or ""), row.history


async def test_one_ship_notice_for_two_requests_validates_both_pickings_once(
    tmp_path: Path,
) -> None:
    async with running(tmp_path) as (h, flow):
        first, second = [await _picking_of_new_order(h, n) for n in ("PO-21", "PO-22")]
        names = [str(first["name"]), str(second["name"])]
        for name in names:
            await _stored(
                h, EAST, fulfillment_key(name),
                request(name, name, 1, 1, (WIDGET, "10", "EA"), (GADGET, "2", "EA")),
                str(Flow.FULFILLMENT), f"picking:{name}",
            )  # fmt: skip
        body = [
            "BSN*00*TRUCK-1*20240318*1200*0001",
            "HL*1**S",
            "REF*CN*1Z-TRUCK",
            *[
                segment
                for k, name in enumerate(names)
                for segment in (
                    f"HL*{2 + 3 * k}*1*O",
                    f"PRF*{name}",
                    f"HL*{3 + 3 * k}*{2 + 3 * k}*I",
                    f"LIN*1*VP*{WIDGET}",
                    "SN1**10*EA",
                    f"HL*{4 + 3 * k}*{2 + 3 * k}*I",
                    f"LIN*2*VP*{GADGET}",
                    f"SN1**{2 - k}*EA",
                )
            ],
        ]
        (interchange,) = x12.parse(x12_message("856", body))
        mapped = map_inbound(interchange, MappingProfile(), partner=EAST)
        assert [m.document.order_number for m in mapped] == names  # type: ignore[union-attr]
        ids = [
            await _stored(h, EAST, m.idempotency_key(EAST), m.document, FLOW, f"{EAST}/{name}")
            for m, name in zip(mapped, names, strict=True)
        ]
        for document_id in ids:
            assert await flow.handle(document_id) is RoutingOutcome.ROUTED
            [row] = await _settled(h, document_id)
            assert row.state is OutboxState.COMPLETED, row.history
        pickings = h.sim.db.table("stock.picking")
        widget, gadget = (
            _product(h.sim, "sim.product_widget"),
            _product(h.sim, "sim.product_gadget"),
        )
        assert [pickings[p["id"]]["state"] for p in (first, second)] == ["done", "done"]
        assert _moves(h.sim, first["id"]) == {widget: (10.0, "done"), gadget: (2.0, "done")}
        assert _moves(h.sim, second["id"]) == {widget: (10.0, "done"), gadget: (1.0, "done")}
        assert pickings[first["id"]]["carrier_tracking_ref"] == "1Z-TRUCK"
        # the same file once more: both documents are already filed under their keys
        again = map_inbound(x12.parse(x12_message("856", body))[0], MappingProfile(), partner=EAST)
        for m in again:
            assert await h.store.document_by_key(m.idempotency_key(EAST)) is not None
        assert len(await _odoo_rows(h)) == 2
