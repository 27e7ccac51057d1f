"""Every Odoo operation an outbox row can carry, applied twice against the simulator: as once.

``apply`` is what a redelivery, a rescue or an operator's replay runs again; the second run
must leave Odoo as the first left it and answer with the same reference.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import msgspec
import pytest
import trio

from edge.odoo import (
    ApiKey,
    ApplyInventory,
    ConfirmOrder,
    CreateSaleOrder,
    DoneQuantity,
    MissingRecord,
    OdooClient,
    OdooOp,
    OdooServer,
    OrderLine,
    SetTracking,
    ValidatePicking,
    apply,
    decode_op,
    encode_op,
    open_odoo_client,
)
from edge.odoo.simulator import OdooSimulator, serve_simulator
from tests.integration.test_delivery_support import KEY

PROTOCOLS = pytest.mark.parametrize("protocol", ["json2", "jsonrpc"])


@asynccontextmanager
async def odoo(sim: OdooSimulator, protocol: str) -> AsyncIterator[OdooClient]:
    async with trio.open_nursery() as nursery:
        url = await nursery.start(serve_simulator, sim)
        server = OdooServer(
            url=url, database="crossdock", api_key=ApiKey(KEY), login="admin",
            protocol=protocol,  # type: ignore[arg-type]
        )  # fmt: skip
        async with open_odoo_client(server) as client:
            yield client
        nursery.cancel_scope.cancel()


async def twice(client: OdooClient, op: OdooOp) -> str:
    """Apply ``op`` as an outbox row would carry it (through its JSON), twice; same answer."""
    carried = decode_op(encode_op(op))
    first = await apply(client, carried)
    assert await apply(client, carried) == first
    return first


def writes(sim: OdooSimulator, model: str, method: str) -> int:
    return sum(1 for c in sim.calls if (c.model, c.method) == (model, method))


ORDER = CreateSaleOrder(
    key="acme-retail/ORDERS/PO-77",
    partner="sim.partner_acme",
    client_order_ref="PO-77",
    lines=(
        OrderLine(product="sim.product_widget", quantity=10),
        OrderLine(product="sim.product_gadget", quantity=4, price_unit=19.5),
    ),
)


@PROTOCOLS
async def test_create_and_confirm_twice_is_one_confirmed_order_with_one_delivery(
    protocol: str,
) -> None:
    sim = OdooSimulator(api_key=KEY)
    async with odoo(sim, protocol) as client:
        reference = await twice(client, ORDER)
        confirmed = await twice(client, ConfirmOrder(order=ORDER.xid))
    model, _, order_id = reference.partition(",")
    assert (model, confirmed) == ("sale.order", reference)
    [row] = sim.call("sale.order", "read", [int(order_id)], ["state", "client_order_ref"])
    assert row["state"] == "sale" and row["client_order_ref"] == "PO-77"
    assert sim.count("sale.order") == 1 and sim.count("sale.order.line") == 2
    # confirmed once: one delivery order (the demo's two receipts are incoming)
    assert sim.count("stock.picking", [("picking_type_code", "=", "outgoing")]) == 1
    assert writes(sim, "sale.order", "load") == 1
    assert writes(sim, "sale.order", "action_confirm") == 1


@PROTOCOLS
async def test_create_with_confirm_in_one_operation(protocol: str) -> None:
    sim = OdooSimulator(api_key=KEY)
    op = CreateSaleOrder(key="k/confirmed", partner="sim.partner_acme", confirm=True,
                         lines=(OrderLine(product="sim.product_gizmo", quantity=3),))  # fmt: skip
    async with odoo(sim, protocol) as client:
        reference = await twice(client, op)
    order_id = int(reference.split(",")[1])
    assert sim.call("sale.order", "read", [order_id], ["state"])[0]["state"] == "sale"
    assert sim.count("stock.picking", [("sale_id", "=", order_id)]) == 1
    assert writes(sim, "sale.order", "action_confirm") == 1


@PROTOCOLS
async def test_a_partial_shipment_validated_twice_leaves_one_backorder(protocol: str) -> None:
    sim = OdooSimulator(api_key=KEY)
    async with odoo(sim, protocol) as client:
        await apply(client, msgspec.structs.replace(ORDER, confirm=True))
        with pytest.raises(MissingRecord):  # a picking of an order nobody created
            await apply(client, ValidatePicking(order="crossdock.no_such_order"))
        reference = await twice(
            client,
            ValidatePicking(
                order=ORDER.xid,
                quantities=(
                    DoneQuantity(product="sim.product_widget", quantity=6),
                    DoneQuantity(product="sim.product_gadget", quantity=4),
                ),
            ),
        )
        tracked = await twice(
            client, SetTracking(order=ORDER.xid, tracking_ref="1Z999AA10123456784")
        )
    picking_id = int(reference.split(",")[1])
    assert tracked == reference
    [picking] = sim.call(
        "stock.picking", "read", [picking_id], ["state", "carrier_tracking_ref", "origin"]
    )
    assert picking["state"] == "done" and picking["carrier_tracking_ref"] == "1Z999AA10123456784"
    backorders = sim.call("stock.picking", "search", [["backorder_id", "=", picking_id]])
    assert len(backorders) == 1  # the 4 widgets still to ship; not two backorders
    assert writes(sim, "stock.picking", "button_validate") == 1
    assert writes(sim, "stock.picking", "write") == 1  # tracking written once


@PROTOCOLS
async def test_an_inventory_count_applied_twice_is_counted_once(protocol: str) -> None:
    sim = OdooSimulator(api_key=KEY)
    op = ApplyInventory(
        product="sim.product_gizmo", location="stock.stock_location_stock", quantity=42
    )
    async with odoo(sim, protocol) as client:
        reference = await twice(client, op)
    product_id = int(reference.split(",")[1])
    stock = sim.db.xid_lookup("stock.stock_location_stock")
    assert stock is not None
    quants = sim.call(
        "stock.quant",
        "search_read",
        [["product_id", "=", product_id], ["location_id", "=", stock[1]]],
        ["quantity"],
    )
    assert sum(q["quantity"] for q in quants) == 42
    assert writes(sim, "stock.quant", "action_apply_inventory") == 1
