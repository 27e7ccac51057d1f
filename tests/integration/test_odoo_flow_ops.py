"""The stock operations and the pollers' reads, against the Odoo simulator over HTTP.

Fulfillment, shipment confirmation, receipts and inventory all go through these: a picking
named by its reference, origin and operation type; products by SKU or GTIN; stock counted
into a warehouse by its code; and ``changed_since`` paging through records written in one
second. Each operation is applied twice, as a redelivery would: the second changes nothing.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import trio

from contracts.errors import DeliveryRejected
from edge.odoo import (
    UNKNOWN_PICKING,
    UNKNOWN_PRODUCT,
    UNKNOWN_WAREHOUSE,
    ApiKey,
    ApplyInventory,
    CreateSaleOrder,
    DoneQuantity,
    MissingRecord,
    OdooClient,
    OdooOp,
    OdooServer,
    OrderLine,
    ProductCode,
    SetTracking,
    ValidatePicking,
    WarehouseStock,
    apply,
    changed_since,
    cursor_of,
    decode_op,
    encode_op,
    m2o_id,
    open_odoo_client,
)
from edge.odoo.simulator import OdooSimulator, serve_simulator

KEY = "flow-ops-key-0123456789abcdef"
PROTOCOLS = pytest.mark.parametrize("protocol", ["json2", "jsonrpc"])
WIDGET = ProductCode(default_code="WID-001")
GADGET_GTIN14 = ProductCode(barcode="04006381333948")  # GAD-002's GTIN-13, zero-padded
ORDERS = itertools.count(1)


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
    """Apply ``op`` as an outbox row carries it (through its JSON), twice; same answer."""
    carried = decode_op(encode_op(op))
    assert carried == op
    first = await apply(client, carried)
    assert await apply(client, carried) == first
    return first


def calls(sim: OdooSimulator, model: str, method: str) -> int:
    return sum(1 for c in sim.calls if (c.model, c.method) == (model, method))


def xid(sim: OdooSimulator, name: str) -> int:
    found = sim.db.xid_lookup(name)
    assert found is not None, name
    return found[1]


def on_hand(sim: OdooSimulator, product: str, location: str) -> float:
    domain = [["product_id", "=", xid(sim, product)], ["location_id", "=", xid(sim, location)]]
    return sum(q["quantity"] for q in sim.call("stock.quant", "search_read", domain, ["quantity"]))


def picking_of(sim: OdooSimulator, reference: str) -> dict[str, Any]:
    model, _, picking_id = reference.partition(",")
    assert model == "stock.picking"
    fields = ["name", "state", "carrier_tracking_ref", "origin", "picking_type_code", "move_ids"]
    [row] = sim.call("stock.picking", "read", [int(picking_id)], fields)
    return dict(row)


async def delivery(client: OdooClient, sim: OdooSimulator, *lines: OrderLine, **kw: Any) -> str:
    """A confirmed sale order's delivery picking name (``WH/OUT/0000n``)."""
    order = CreateSaleOrder(
        key=f"flow/{next(ORDERS)}", partner="sim.partner_acme", lines=lines, confirm=True, **kw
    )
    await apply(client, order)
    [row] = sim.call(
        "stock.picking", "search_read", [["origin", "!=", False], ["sale_id", "!=", False]],
        ["name"], order="id desc", limit=1,
    )  # fmt: skip
    return str(row["name"])


@PROTOCOLS
async def test_validate_by_name_with_sku_and_gtin_and_tracking_leaves_one_backorder(
    protocol: str,
) -> None:
    sim = OdooSimulator(api_key=KEY)
    async with odoo(sim, protocol) as client:
        name = await delivery(
            client, sim,
            OrderLine(product="sim.product_widget", quantity=10),
            OrderLine(product="sim.product_gadget", quantity=4),
        )  # fmt: skip
        assert name == "WH/OUT/00001"
        reference = await twice(
            client,
            ValidatePicking(
                name=name,
                kind="outgoing",
                tracking_ref="1Z999AA10123456784",
                quantities=(
                    DoneQuantity(product=WIDGET, quantity=6),
                    DoneQuantity(product=GADGET_GTIN14, quantity=4),
                ),
            ),
        )
    picking = picking_of(sim, reference)
    assert picking["name"] == name and picking["state"] == "done"
    assert picking["carrier_tracking_ref"] == "1Z999AA10123456784"
    [back] = sim.call(
        "stock.picking", "search_read", [["backorder_id", "=", int(reference.split(",")[1])]],
        ["move_ids", "state", "origin"],
    )  # fmt: skip
    rest = sim.call("stock.move", "read", back["move_ids"], ["product_id", "product_uom_qty"])
    assert [(m["product_id"][0], m["product_uom_qty"]) for m in rest] == [
        (xid(sim, "sim.product_widget"), 4.0)
    ]
    assert back["state"] == "assigned" and back["origin"] == picking["origin"]
    assert calls(sim, "stock.picking", "button_validate") == 1
    assert calls(sim, "stock.picking", "write") == 1  # the tracking reference, once
    assert on_hand(sim, "sim.product_widget", "stock.stock_location_stock") == 94
    assert on_hand(sim, "sim.product_gadget", "stock.stock_location_stock") == 36


@PROTOCOLS
async def test_set_tracking_by_name_twice_writes_once(protocol: str) -> None:
    sim = OdooSimulator(api_key=KEY)
    async with odoo(sim, protocol) as client:
        name = await delivery(client, sim, OrderLine(product="sim.product_gizmo", quantity=3))
        reference = await twice(client, SetTracking(name=name, tracking_ref="TRK-1"))
    assert picking_of(sim, reference)["carrier_tracking_ref"] == "TRK-1"
    assert calls(sim, "stock.picking", "write") == 1


@PROTOCOLS
async def test_a_receipt_is_validated_by_its_purchase_order_and_kind(protocol: str) -> None:
    sim = OdooSimulator(api_key=KEY)
    async with odoo(sim, protocol) as client:
        with pytest.raises(MissingRecord):  # PO-1001 has a receipt, not a delivery
            await apply(client, SetTracking(origin="PO-1001", kind="outgoing", tracking_ref="x"))
        reference = await twice(client, ValidatePicking(origin="PO-1001", kind="incoming"))
    picking = picking_of(sim, reference)
    assert (picking["name"], picking["state"]) == ("WH/IN/00001", "done")
    assert picking["picking_type_code"] == "incoming"
    assert on_hand(sim, "sim.product_widget", "stock.stock_location_stock") == 150
    assert on_hand(sim, "sim.product_gadget", "stock.stock_location_stock") == 60
    assert calls(sim, "stock.picking", "button_validate") == 1


@PROTOCOLS
async def test_a_partial_receipt_into_the_east_warehouse_by_gtin(protocol: str) -> None:
    sim = OdooSimulator(api_key=KEY)
    gizmo = ProductCode(barcode="4006381333955")
    op = ValidatePicking(
        origin="PO-1002", kind="incoming", quantities=(DoneQuantity(product=gizmo, quantity=80),)
    )
    async with odoo(sim, protocol) as client:
        reference = await twice(client, op)
    assert picking_of(sim, reference)["name"] == "EW/IN/00001"
    assert on_hand(sim, "sim.product_gizmo", "sim.stock_location_east") == 60 + 80
    back = sim.call("stock.picking", "search_read", [["backorder_id", "!=", False]], ["name"])
    assert [b["name"] for b in back] == ["EW/IN/00002"]  # the 20 still to come


@PROTOCOLS
async def test_inventory_counted_by_sku_into_a_warehouse_by_code(protocol: str) -> None:
    sim = OdooSimulator(api_key=KEY)
    op = ApplyInventory(product=WIDGET, location=WarehouseStock(warehouse="EW"), quantity=42)
    async with odoo(sim, protocol) as client:
        reference = await twice(client, op)
    assert reference == f"product.product,{xid(sim, 'sim.product_widget')}"
    assert on_hand(sim, "sim.product_widget", "sim.stock_location_east") == 42
    assert on_hand(sim, "sim.product_widget", "stock.stock_location_stock") == 100  # untouched
    assert calls(sim, "stock.quant", "action_apply_inventory") == 1


@PROTOCOLS
async def test_unknown_codes_are_rejected_naming_the_code(protocol: str) -> None:
    sim = OdooSimulator(api_key=KEY)
    async with odoo(sim, protocol) as client:
        with pytest.raises(DeliveryRejected) as warehouse:
            await apply(
                client,
                ApplyInventory(product=WIDGET, location=WarehouseStock(warehouse="ZZ"), quantity=1),
            )
        with pytest.raises(DeliveryRejected) as sku:
            await apply(
                client,
                ApplyInventory(
                    product=ProductCode(default_code="NOPE-9"),
                    location=WarehouseStock(warehouse="EW"),
                    quantity=1,
                ),
            )
        with pytest.raises(DeliveryRejected) as gtin:
            await apply(
                client,
                ValidatePicking(
                    origin="PO-1001",
                    quantities=(
                        DoneQuantity(product=ProductCode(barcode="1234567890128"), quantity=1),
                    ),
                ),
            )
        with pytest.raises(DeliveryRejected) as name:
            await apply(client, ValidatePicking(name="WH/OUT/99999"))
    assert warehouse.value.error_name == UNKNOWN_WAREHOUSE and "'ZZ'" in str(warehouse.value)
    assert sku.value.error_name == UNKNOWN_PRODUCT and "NOPE-9" in str(sku.value)
    assert gtin.value.error_name == UNKNOWN_PRODUCT and "1234567890128" in str(gtin.value)
    assert name.value.error_name == UNKNOWN_PICKING and "WH/OUT/99999" in str(name.value)
    assert calls(sim, "stock.quant", "action_apply_inventory") == 0
    assert calls(sim, "stock.picking", "button_validate") == 0


@PROTOCOLS
async def test_a_delivery_is_ready_when_stock_suffices_and_waiting_when_there_is_none(
    protocol: str,
) -> None:
    sim = OdooSimulator(api_key=KEY)
    async with odoo(sim, protocol) as client:
        ready = await delivery(
            client, sim, OrderLine(product="sim.product_gizmo", quantity=10),
            warehouse="sim.warehouse_east",
        )  # fmt: skip
        waiting = await delivery(client, sim, OrderLine(product="sim.product_crate", quantity=2))
        short = await delivery(client, sim, OrderLine(product="sim.product_gadget", quantity=50))
    states = {
        row["name"]: (row["state"], row["location_id"][1])
        for row in sim.call("stock.picking", "search_read", [["sale_id", "!=", False]],
                            ["name", "state", "location_id"])
    }  # fmt: skip
    assert states == {
        ready: ("assigned", "EW/Stock"),
        waiting: ("confirmed", "WH/Stock"),  # no crate in stock
        short: ("assigned", "WH/Stock"),  # 40 of 50: Ready "as soon as possible", as in Odoo
    }
    assert ready == "EW/OUT/00001"


@PROTOCOLS
async def test_pollers_read_ready_deliveries_their_moves_products_and_warehouse(
    protocol: str,
) -> None:
    sim = OdooSimulator(api_key=KEY)
    async with odoo(sim, protocol) as client:
        name = await delivery(
            client, sim, OrderLine(product="sim.product_gizmo", quantity=5),
            warehouse="sim.warehouse_east",
        )  # fmt: skip
        orders = await client.call(
            "sale.order", "search_read", kwargs={"domain": [["state", "=", "sale"]],
                                                 "fields": ["name", "client_order_ref"]},
        )  # fmt: skip
        [picking] = await client.call(
            "stock.picking", "search_read",
            kwargs={"domain": [["picking_type_code", "=", "outgoing"], ["state", "=", "assigned"]],
                    "fields": ["name", "origin", "move_ids", "picking_type_id"]},
        )  # fmt: skip
        moves = await client.call(
            "stock.move", "read", kwargs={"fields": ["product_id", "product_uom_qty"]},
            ids=picking["move_ids"],
        )  # fmt: skip
        products = await client.call(
            "product.product", "read", kwargs={"fields": ["default_code", "barcode"]},
            ids=[m2o_id(m["product_id"]) for m in moves],
        )  # fmt: skip
        [kind] = await client.call(
            "stock.picking.type", "read", kwargs={"fields": ["warehouse_id", "code"]},
            ids=[m2o_id(picking["picking_type_id"])],
        )  # fmt: skip
        [warehouse] = await client.call(
            "stock.warehouse", "read", kwargs={"fields": ["code"]},
            ids=[m2o_id(kind["warehouse_id"])],
        )  # fmt: skip
    assert [o["name"] for o in orders] == [picking["origin"]]
    assert picking["name"] == name
    assert [m["product_uom_qty"] for m in moves] == [5.0]
    assert [(p["default_code"], p["barcode"]) for p in products] == [("GIZ-003", "4006381333955")]
    assert (kind["code"], warehouse["code"]) == ("outgoing", "EW")


class PinnedClock:
    """Odoo's ``now()`` held in one second, as on a busy server; moved on by hand."""

    def __init__(self, value: str) -> None:
        self.value = value

    def __call__(self) -> str:
        return self.value


@PROTOCOLS
async def test_changed_since_pages_through_one_second_without_losing_a_row(
    protocol: str,
) -> None:
    clock = PinnedClock("2025-03-01 12:00:07")
    sim = OdooSimulator(api_key=KEY, clock=clock)
    ready = [["picking_type_code", "=", "outgoing"], ["state", "=", "assigned"]]
    async with odoo(sim, protocol) as client:
        names = [
            await delivery(client, sim, OrderLine(product="sim.product_widget", quantity=1))
            for _ in range(3)
        ]
        seen: list[str] = []
        pages: list[int] = []
        cursor = None
        while page := await changed_since(
            client, "stock.picking", ready, ["name"], cursor, limit=2
        ):
            pages.append(len(page))
            seen += [row["name"] for row in page]
            assert all(row["write_date"] == clock.value for row in page)
            cursor = cursor_of(page[-1])
        assert (seen, pages) == (names, [2, 1])
        # Still in the same second: a new delivery comes after the cursor (its id is higher).
        later = await delivery(client, sim, OrderLine(product="sim.product_gizmo", quantity=1))
        page = await changed_since(client, "stock.picking", ready, ["name"], cursor, limit=10)
        assert [row["name"] for row in page] == [later]
        cursor = cursor_of(page[-1])
        # The next second: the first delivery gets its tracking and is read again.
        clock.value = "2025-03-01 12:00:08"
        await apply(client, SetTracking(name=names[0], tracking_ref="TRK-9"))
        page = await changed_since(
            client, "stock.picking", ready, ["name", "carrier_tracking_ref"], cursor, limit=10
        )
    assert [(r["name"], r["carrier_tracking_ref"], r["write_date"]) for r in page] == [
        (names[0], "TRK-9", "2025-03-01 12:00:08")
    ]
    assert cursor_of(page[0]) > cursor  # the cursor only moves forward
