"""Inventory adjustments (X12 947 deltas) against the Odoo simulator over HTTP, both
protocols: each adjustment moves the warehouse's quants by its deltas exactly once -- also
when applied twice, and when Odoo's answer to any of its writes is lost after it committed
and the outbox delivers it again."""

from __future__ import annotations

from typing import Any

import pytest

from contracts.errors import DeliveryRejected, RejectedInput, TransientFailure
from edge.odoo import (
    UNKNOWN_PRODUCT,
    UNKNOWN_WAREHOUSE,
    AdjustInventory,
    Adjustment,
    ProductCode,
    apply,
    decode_op,
)
from edge.odoo.simulator import OdooSimulator
from tests.integration.test_odoo_flow_ops import KEY, PROTOCOLS, calls, odoo, on_hand, twice

EAST = "sim.stock_location_east"  # EW/Stock: 30 WID-001, 60 GIZ-003, no GAD-002
WIDGET = ProductCode(default_code="WID-001")
GADGET = ProductCode(barcode="04006381333948")  # GAD-002's GTIN-13 as a GTIN-14
GIZMO = ProductCode(barcode="4006381333955", default_code="GIZ-003")


def adjustment(number: int, *lines: tuple[Any, float], warehouse: str = "EW") -> AdjustInventory:
    return AdjustInventory(
        key=f"east-3pl:odoo:adjust:ADJ-{number}",
        warehouse=warehouse,
        lines=tuple(Adjustment(product=p, delta=d) for p, d in lines),
        origin=f"947 ADJ-{number}",
        reason="cycle count",
    )


MIXED = adjustment(1, (WIDGET, -2), (GADGET, 5), (GIZMO, 3), (GIZMO, 1))


def east(sim: OdooSimulator) -> dict[str, float]:
    return {
        code: on_hand(sim, f"sim.product_{name}", EAST)
        for code, name in (("WID-001", "widget"), ("GAD-002", "gadget"), ("GIZ-003", "gizmo"))
    }


def adjustment_pickings(sim: OdooSimulator) -> list[dict[str, Any]]:
    fields = ["name", "state", "origin", "picking_type_code", "location_id", "location_dest_id"]
    rows = sim.call("stock.picking", "search_read", [["origin", "like", "947 "]], fields)
    return sorted((dict(r) for r in rows), key=lambda r: str(r["name"]))


AFTER_MIXED = {"WID-001": 28.0, "GAD-002": 5.0, "GIZ-003": 64.0}


@PROTOCOLS
async def test_an_adjustment_applied_twice_moves_the_quants_once(protocol: str) -> None:
    sim = OdooSimulator(api_key=KEY)
    async with odoo(sim, protocol) as client:
        reference = await twice(client, MIXED)
        assert await apply(client, MIXED) == reference
    assert east(sim) == AFTER_MIXED
    assert on_hand(sim, "sim.product_widget", "stock.stock_location_stock") == 100.0  # WH
    pickings = adjustment_pickings(sim)
    assert [(p["name"], p["state"], p["picking_type_code"]) for p in pickings] == [
        ("EW/INT/00001", "done", "internal"),  # the increases, made first
        ("EW/INT/00002", "done", "internal"),
    ]
    inventory = sim.db.xid_lookup("stock.location_inventory")
    assert inventory is not None
    increases, decreases = pickings
    assert increases["location_id"][0] == inventory[1]
    assert decreases["location_dest_id"][0] == inventory[1]
    assert reference == " ".join(f"stock.picking,{p['id']}" for p in pickings)
    assert calls(sim, "stock.picking", "load") == 2
    assert calls(sim, "stock.picking", "button_validate") == 2
    mine = [("model", "=", "stock.picking"), ("module", "=", "crossdock")]
    assert sim.count("ir.model.data", mine) == 2


@PROTOCOLS
@pytest.mark.parametrize("method", ["load", "action_confirm", "button_validate"])
async def test_a_lost_answer_then_a_redelivery_moves_the_quants_once(
    protocol: str, method: str
) -> None:
    sim = OdooSimulator(api_key=KEY)
    sim.faults.schedule("drop_after_commit", model="stock.picking", method=method)
    async with odoo(sim, protocol) as client:
        with pytest.raises(TransientFailure):
            await apply(client, MIXED)  # Odoo committed this step; its answer was lost
        first = await apply(client, MIXED)
        assert await apply(client, MIXED) == first
    assert east(sim) == AFTER_MIXED
    assert [p["state"] for p in adjustment_pickings(sim)] == ["done", "done"]
    assert calls(sim, "stock.picking", "load") == 2  # the redelivery found both pickings
    assert calls(sim, "stock.picking", "button_validate") == 2  # each picking validated once


@PROTOCOLS
async def test_only_decreases_make_one_picking_and_may_go_below_zero(protocol: str) -> None:
    sim = OdooSimulator(api_key=KEY)
    op = adjustment(2, (WIDGET, -31), (GIZMO, -10))
    async with odoo(sim, protocol) as client:
        await twice(client, op)
    assert east(sim) == {"WID-001": -1.0, "GAD-002": 0.0, "GIZ-003": 50.0}
    [picking] = adjustment_pickings(sim)
    assert picking["state"] == "done"
    assert sim.db.xid_lookup(op.xid("out")) == ("stock.picking", picking["id"])
    assert sim.db.xid_lookup(op.xid("in")) is None


@PROTOCOLS
async def test_two_adjustments_with_their_own_keys_both_apply(protocol: str) -> None:
    sim = OdooSimulator(api_key=KEY)
    async with odoo(sim, protocol) as client:
        await twice(client, adjustment(3, (WIDGET, 4)))
        await twice(client, adjustment(4, (WIDGET, 4)))
    assert east(sim)["WID-001"] == 38.0


@PROTOCOLS
async def test_an_unknown_sku_is_refused_naming_it_and_nothing_moves(protocol: str) -> None:
    sim = OdooSimulator(api_key=KEY)
    op = adjustment(5, (WIDGET, 3), (ProductCode(default_code="NOPE-404"), 2))
    async with odoo(sim, protocol) as client:
        with pytest.raises(DeliveryRejected) as refused:
            await apply(client, op)
    assert refused.value.error_name == UNKNOWN_PRODUCT
    assert "NOPE-404" in str(refused.value)
    assert east(sim)["WID-001"] == 30.0
    assert adjustment_pickings(sim) == []


@PROTOCOLS
async def test_an_unknown_warehouse_is_refused(protocol: str) -> None:
    sim = OdooSimulator(api_key=KEY)
    async with odoo(sim, protocol) as client:
        with pytest.raises(DeliveryRejected) as refused:
            await apply(client, adjustment(6, (WIDGET, 1), warehouse="XX"))
    assert refused.value.error_name == UNKNOWN_WAREHOUSE
    assert "'XX'" in str(refused.value)


async def test_deltas_that_cancel_out_ask_nothing_of_odoo() -> None:
    sim = OdooSimulator(api_key=KEY)
    async with odoo(sim, "json2") as client:
        answer = await apply(client, adjustment(7, (WIDGET, 2), (WIDGET, -2)))
    assert "cancel out" in answer
    assert calls(sim, "stock.picking", "load") == 0
    assert east(sim)["WID-001"] == 30.0


async def test_a_picking_cancelled_in_odoo_is_not_redone() -> None:
    sim = OdooSimulator(api_key=KEY)
    sim.faults.schedule("drop_after_commit", model="stock.picking", method="load")
    op = adjustment(8, (WIDGET, 5))
    async with odoo(sim, "jsonrpc") as client:
        with pytest.raises(TransientFailure):
            await apply(client, op)
        [picking] = adjustment_pickings(sim)
        await client.call("stock.picking", "action_cancel", ids=[picking["id"]])
        with pytest.raises(DeliveryRejected, match="cancelled"):
            await apply(client, op)
    assert east(sim)["WID-001"] == 30.0


def test_a_zero_delta_is_not_an_adjustment() -> None:
    payload = (
        b'{"op":"adjust_inventory","key":"k","warehouse":"EW",'
        b'"lines":[{"product":{"default_code":"WID-001"},"delta":0}]}'
    )
    with pytest.raises(RejectedInput, match="non-zero"):
        decode_op(payload)
