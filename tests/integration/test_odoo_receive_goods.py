"""Goods receipts against the Odoo simulator over HTTP, both protocols: each receipt of a
purchase order validates the picking it belongs to (the original, then its backorder),
exactly once, also when Odoo's answer is lost after it committed."""

from __future__ import annotations

from typing import Any

import pytest

from contracts.errors import DeliveryRejected, TransientFailure
from edge.odoo import (
    NO_OPEN_PICKING,
    DoneQuantity,
    MissingRecord,
    OdooClient,
    PickingTaken,
    ProductCode,
    ReceiveGoods,
    apply,
    receipt_mark,
    receipt_owner,
)
from edge.odoo.simulator import OdooSimulator
from tests.integration.test_odoo_flow_ops import KEY, PROTOCOLS, calls, odoo, on_hand, twice

WIDGET = ProductCode(default_code="WID-001")
GADGET = ProductCode(barcode="4006381333948")  # GAD-002 by its GTIN-13
STOCK = "stock.stock_location_stock"
PERSON = "<p>Dock 4, pallets wrapped</p>"


def receipt(
    number: int, *lines: tuple[ProductCode, float], origin: str = "PO-1001"
) -> ReceiveGoods:
    return ReceiveGoods(
        key=f"north-3pl:odoo:receive:RC-{number}",
        origin=origin,
        quantities=tuple(DoneQuantity(product=p, quantity=q) for p, q in lines),
    )


FIRST = receipt(1, (WIDGET, 50), (GADGET, 15))  # WH/IN/00001 expects 50 WID-001, 20 GAD-002
SECOND = receipt(2, (GADGET, 5))  # the backorder's 5


def pickings(sim: OdooSimulator) -> dict[str, dict[str, Any]]:
    fields = ["name", "state", "note", "backorder_id", "move_ids"]
    rows = sim.call("stock.picking", "search_read", [["origin", "=", "PO-1001"]], fields)
    return {str(r["name"]): dict(r) for r in rows}


def moves(sim: OdooSimulator, picking: dict[str, Any]) -> list[tuple[str, float, str]]:
    rows = sim.call("stock.move", "read", picking["move_ids"], ["product_id", "quantity", "state"])
    return sorted((r["product_id"][1], r["quantity"], r["state"]) for r in rows)


def reference_of(sim: OdooSimulator, name: str) -> str:
    return f"stock.picking,{pickings(sim)[name]['id']}"


async def write_note(client: OdooClient, sim: OdooSimulator, name: str, note: str) -> None:
    picking_id = pickings(sim)[name]["id"]
    await client.call("stock.picking", "write", kwargs={"vals": {"note": note}}, ids=[picking_id])


@PROTOCOLS
async def test_two_receipts_validate_the_original_then_its_backorder_each_once(
    protocol: str,
) -> None:
    sim = OdooSimulator(api_key=KEY)
    async with odoo(sim, protocol) as client:
        await write_note(client, sim, "WH/IN/00001", PERSON)
        first = await twice(client, FIRST)
        after_first = pickings(sim)
        assert first == reference_of(sim, "WH/IN/00001")
        [backorder] = [n for n, p in after_first.items() if p["backorder_id"]]
        assert after_first[backorder]["state"] == "assigned"
        second = await twice(client, SECOND)
        assert second == reference_of(sim, backorder)
        assert await apply(client, FIRST) == first  # an old redelivery, after the second
    final = pickings(sim)
    assert {n: p["state"] for n, p in final.items()} == {"WH/IN/00001": "done", backorder: "done"}
    assert moves(sim, final["WH/IN/00001"]) == [
        ("[GAD-002] Gadget", 15.0, "done"),
        ("[WID-001] Widget", 50.0, "done"),
    ]
    assert moves(sim, final[backorder]) == [("[GAD-002] Gadget", 5.0, "done")]
    assert calls(sim, "stock.picking", "button_validate") == 2
    assert on_hand(sim, "sim.product_widget", STOCK) == 100 + 50
    assert on_hand(sim, "sim.product_gadget", STOCK) == 40 + 20
    # The person's note is kept; each picking names the receipt that took it.
    original_id, backorder_id = final["WH/IN/00001"]["id"], final[backorder]["id"]
    assert final["WH/IN/00001"]["note"] == PERSON + receipt_mark(FIRST.key, original_id)
    assert final[backorder]["note"].startswith(final["WH/IN/00001"]["note"])  # Odoo's copy()
    assert final[backorder]["note"].endswith(receipt_mark(SECOND.key, backorder_id))
    assert receipt_owner(final[backorder]["note"], backorder_id) != receipt_owner(
        final["WH/IN/00001"]["note"], original_id
    )


@PROTOCOLS
@pytest.mark.parametrize("method", ["write", "button_validate"])
async def test_a_redelivery_after_a_lost_answer_changes_nothing(protocol: str, method: str) -> None:
    """Lost after the mark (``write``): the retry finds its picking by the mark and validates
    it. Lost after the validation: the retry finds it done and leaves it."""
    sim = OdooSimulator(api_key=KEY)
    async with odoo(sim, protocol) as client:
        sim.faults.schedule("drop_after_commit", model="stock.picking", method=method)
        with pytest.raises(TransientFailure):
            await apply(client, FIRST)
        assert await apply(client, FIRST) == reference_of(sim, "WH/IN/00001")
        after_first = pickings(sim)
        assert await apply(client, FIRST) == reference_of(sim, "WH/IN/00001")
        assert pickings(sim) == after_first
        second = await apply(client, SECOND)
    final = pickings(sim)
    [backorder] = [n for n, p in final.items() if p["backorder_id"]]
    assert second == reference_of(sim, backorder)
    assert {p["state"] for p in final.values()} == {"done"}
    outcomes = [c.outcome for c in sim.calls if (c.model, c.method) == ("stock.picking", method)]
    assert outcomes[0] == "ok (committed), fault:drop_after_commit"
    assert calls(sim, "stock.picking", "button_validate") == 2  # the faulted one included
    assert on_hand(sim, "sim.product_gadget", STOCK) == 40 + 20


@PROTOCOLS
async def test_a_receipt_with_no_open_picking_left_is_refused_clearly(protocol: str) -> None:
    sim = OdooSimulator(api_key=KEY)
    async with odoo(sim, protocol) as client:
        await apply(client, FIRST)
        await apply(client, SECOND)
        before = pickings(sim)
        with pytest.raises(DeliveryRejected) as refused:
            await apply(client, receipt(3, (GADGET, 1)))
        with pytest.raises(MissingRecord):  # no such order (yet): its picking may still come
            await apply(client, receipt(4, (GADGET, 1), origin="PO-9999"))
    assert refused.value.error_name == NO_OPEN_PICKING
    assert "every incoming picking of PO-1001 is done or cancelled" in str(refused.value)
    assert pickings(sim) == before


@PROTOCOLS
async def test_a_picking_another_receipt_took_is_passed_by(protocol: str) -> None:
    """Receipt 9 marked WH/IN/00001 and is not validated yet: receipt 1 waits (transient)."""
    sim = OdooSimulator(api_key=KEY)
    async with odoo(sim, protocol) as client:
        original_id = pickings(sim)["WH/IN/00001"]["id"]
        other = receipt_mark("north-3pl:odoo:receive:RC-9", original_id)
        await write_note(client, sim, "WH/IN/00001", other)
        with pytest.raises(PickingTaken) as taken:
            await apply(client, FIRST)
        assert not taken.value.counts_for_breaker
        assert pickings(sim)["WH/IN/00001"]["note"] == other
        assert pickings(sim)["WH/IN/00001"]["state"] == "assigned"
        assert calls(sim, "stock.picking", "button_validate") == 0


@PROTOCOLS
async def test_products_the_picking_does_not_expect_are_refused_before_the_mark(
    protocol: str,
) -> None:
    sim = OdooSimulator(api_key=KEY)
    async with odoo(sim, protocol) as client:
        with pytest.raises(DeliveryRejected) as refused:
            await apply(client, receipt(1, (ProductCode(default_code="GIZ-003"), 3)))
        assert await apply(client, FIRST) == reference_of(sim, "WH/IN/00001")  # not taken
    assert refused.value.error_name == "crossdock.UnknownProduct"
    assert calls(sim, "stock.picking", "button_validate") == 1
