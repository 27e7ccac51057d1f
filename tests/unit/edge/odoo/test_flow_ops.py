"""The stock operations' JSON and the poller's cursor, without sockets.

The simulator runs in process behind a stand-in transport (:class:`InProcess`), so these
check the edge's own logic -- which picking, which product, which location, which page --
and the simulator's stock rules; the same over HTTP is in
``tests/integration/test_odoo_flow_ops.py``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import msgspec
import pytest

from contracts.errors import DeliveryRejected, RejectedInput
from edge.odoo import (
    AMBIGUOUS_CODE,
    UNKNOWN_WAREHOUSE,
    ApplyInventory,
    DoneQuantity,
    OdooClient,
    ProductCode,
    ServerVersion,
    SetTracking,
    ValidatePicking,
    WarehouseStock,
    after_cursor,
    apply,
    changed_since,
    cursor_of,
    decode_op,
    encode_op,
    find_picking,
)
from edge.odoo.simulator import OdooSimulator, UserError
from edge.odoo.simulator._methods import call_named


class InProcess:
    """An :class:`edge.odoo.OdooTransport` that calls the simulator's ORM directly (JSON-2
    shaped: named arguments, ``ids`` and ``context`` in the body)."""

    protocol: Literal["json2"] = "json2"

    def __init__(self, sim: OdooSimulator) -> None:
        self.sim = sim
        self.asked: list[tuple[str, str, dict[str, Any]]] = []

    async def call(
        self, model: str, method: str, args: Sequence[Any] | None = None,
        kwargs: Mapping[str, Any] | None = None, *, ids: Sequence[int] | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> Any:  # fmt: skip
        assert not args, "JSON-2 has named arguments only"
        body: dict[str, Any] = dict(kwargs or {})
        if ids is not None:
            body["ids"] = list(ids)
        if context is not None:
            body["context"] = dict(context)
        self.asked.append((model, method, body))
        return msgspec.json.decode(
            msgspec.json.encode(call_named(self.sim.db, self.sim.users[2], model, method, body))
        )

    async def version(self) -> ServerVersion:  # pragma: no cover - never asked here
        raise NotImplementedError


@pytest.fixture
def sim() -> OdooSimulator:
    return OdooSimulator(api_key="unit-key")


@pytest.fixture
def client(sim: OdooSimulator) -> OdooClient:
    return OdooClient(InProcess(sim))


def xid(sim: OdooSimulator, name: str) -> int:
    found = sim.db.xid_lookup(name)
    assert found is not None, name
    return found[1]


# -- the operations' JSON ----------------------------------------------------------------------


def test_the_new_fields_travel_compactly_and_older_payloads_still_decode() -> None:
    validate = ValidatePicking(
        name="WH/OUT/00003", kind="outgoing", tracking_ref="1Z9",
        quantities=(DoneQuantity(product=ProductCode(barcode="4006381333931"), quantity=2),),
    )  # fmt: skip
    count = ApplyInventory(
        product=ProductCode(default_code="WID-001"),
        location=WarehouseStock(warehouse="EW"),
        quantity=0,
    )
    assert msgspec.json.decode(encode_op(validate)) == {
        "op": "validate_picking",
        "quantities": [{"product": {"barcode": "4006381333931"}, "quantity": 2.0}],
        "name": "WH/OUT/00003",
        "kind": "outgoing",
        "tracking_ref": "1Z9",
    }
    assert msgspec.json.decode(encode_op(count)) == {
        "op": "apply_inventory",
        "product": {"default_code": "WID-001"},
        "location": {"warehouse": "EW"},
        "quantity": 0.0,
    }
    for op in (validate, count, SetTracking(name="EW/OUT/00001", tracking_ref="T")):
        assert decode_op(encode_op(op)) == op
    old = decode_op(b'{"op": "validate_picking", "origin": "S00042"}')
    assert old == ValidatePicking(origin="S00042")
    assert (old.name, old.kind, old.tracking_ref) == (None, None, None)
    assert decode_op(b'{"op": "apply_inventory", "product": 3, "location": 8, "quantity": 1}') == (
        ApplyInventory(product=3, location=8, quantity=1)
    )


@pytest.mark.parametrize(
    ("payload", "path"),
    [
        (b'{"op": "validate_picking", "name": "WH/OUT/1", "origin": "S1"}', "$"),
        (b'{"op": "set_tracking", "tracking_ref": "T"}', "$"),
        (b'{"op": "validate_picking", "name": "A", "kind": "sideways"}', "$.kind"),
        (b'{"op": "apply_inventory", "product": 1, "location": {"warehouse": ""},'
         b' "quantity": 1}', "$.location.warehouse"),
        (b'{"op": "apply_inventory", "product": {"sku": "W"}, "location": 1, "quantity": 1}',
         "$.product"),
        (b'{"op": "validate_picking", "name": "A",'
         b' "quantities": [{"product": {}, "quantity": 1}]}', "$.quantities[0].product"),
    ],
)  # fmt: skip
def test_a_malformed_stock_operation_is_rejected_with_its_path(payload: bytes, path: str) -> None:
    with pytest.raises(RejectedInput) as caught:
        decode_op(payload)
    assert caught.value.path == path


# -- which picking, which product, which location ----------------------------------------------


async def test_a_picking_by_name_is_narrowed_by_kind(
    client: OdooClient, sim: OdooSimulator
) -> None:
    receipt = xid(sim, "sim.receipt_po_1001")
    assert await find_picking(client, ValidatePicking(name="WH/IN/00001")) == receipt
    assert await find_picking(client, ValidatePicking(name="WH/IN/00001", kind="incoming")) == (
        receipt
    )
    with pytest.raises(DeliveryRejected, match="no outgoing picking named 'WH/IN/00001'"):
        await find_picking(client, ValidatePicking(name="WH/IN/00001", kind="outgoing"))


async def test_a_name_given_to_two_pickings_is_ambiguous(
    client: OdooClient, sim: OdooSimulator
) -> None:
    sim.db.write("stock.picking", [xid(sim, "sim.receipt_po_1002")], {"name": "WH/IN/00001"})
    with pytest.raises(DeliveryRejected) as caught:
        await find_picking(client, SetTracking(name="WH/IN/00001", tracking_ref="T"))
    assert caught.value.error_name == AMBIGUOUS_CODE


async def test_an_inventory_count_lands_in_the_warehouse_stock_location(
    client: OdooClient, sim: OdooSimulator
) -> None:
    op = ApplyInventory(
        product=ProductCode(barcode="04006381333955"),  # GIZ-003 as GTIN-14
        location=WarehouseStock(warehouse="EW"),
        quantity=7,
    )
    assert await apply(client, op) == f"product.product,{xid(sim, 'sim.product_gizmo')}"
    east = xid(sim, "sim.stock_location_east")
    [quant] = sim.call(
        "stock.quant", "search_read",
        [["product_id", "=", xid(sim, "sim.product_gizmo")], ["location_id", "=", east]],
        ["quantity"],
    )  # fmt: skip
    assert quant["quantity"] == 7


async def test_a_warehouse_without_stock_location_is_rejected(
    client: OdooClient, sim: OdooSimulator
) -> None:
    sim.db.create("stock.warehouse", {"name": "Bare", "code": "BR"})
    op = ApplyInventory(product=1, location=WarehouseStock(warehouse="BR"), quantity=1)
    with pytest.raises(DeliveryRejected) as caught:
        await apply(client, op)
    assert caught.value.error_name == UNKNOWN_WAREHOUSE and "'BR'" in str(caught.value)


# -- the poller's cursor -----------------------------------------------------------------------


def test_the_cursor_domain_is_strictly_after_the_pair() -> None:
    assert after_cursor(None) == []
    assert after_cursor(("2025-03-01 12:00:07", 42)) == [
        "|",
        ["write_date", ">=", "2025-03-01 12:00:08"],
        "&",
        "&",
        ["write_date", ">=", "2025-03-01 12:00:07"],
        ["write_date", "<", "2025-03-01 12:00:08"],
        ["id", ">", 42],
    ]
    assert after_cursor(("2025-12-31 23:59:59", 1))[1] == [
        "write_date",
        ">=",
        "2026-01-01 00:00:00",
    ]
    assert cursor_of({"id": 5, "write_date": "2025-03-01 12:00:07", "name": "x"}) == (
        "2025-03-01 12:00:07",
        5,
    )


async def test_changed_since_walks_seconds_and_ids_in_order() -> None:
    now = {"value": "2025-03-01 12:00:07"}
    sim = OdooSimulator(api_key="unit-key", clock=lambda: now["value"])
    client = OdooClient(InProcess(sim))
    customers = [["customer_rank", ">", 0]]
    [first, second, third] = sim.call("res.partner", "search", customers, order="id")
    now["value"] = "2025-03-01 12:00:09"
    sim.call("res.partner", "write", [first], {"phone": "+1 555"})  # moves to the back
    now["value"] = "2025-03-01 12:00:08"  # cursors follow the seconds, not the order of writes
    sim.call("res.partner", "write", [third], {"phone": "+1 556"})
    pages, cursor = [], None
    while page := await changed_since(client, "res.partner", customers, ["ref"], cursor, 1):
        pages.append([(row["ref"], row["write_date"]) for row in page])
        cursor = cursor_of(page[-1])
    assert pages == [
        [("CONTOSO", "2025-03-01 12:00:07")],
        [("FABRIKAM", "2025-03-01 12:00:08")],
        [("ACME", "2025-03-01 12:00:09")],
    ]
    assert [second, third, first] == [
        r["id"]
        for r in await changed_since(client, "res.partner", customers, ["name"], None, limit=10)
    ]
    with pytest.raises(ValueError, match="limit"):
        await changed_since(client, "res.partner", customers, ["name"], None, limit=0)


class MicrosecondClock:
    """PostgreSQL's clock: one second, microseconds running *down*, so the server's order
    within the second (by the hidden microseconds) is the reverse of the ids' order."""

    def __init__(self) -> None:
        self.ticks = 0

    def __call__(self) -> str:
        self.ticks += 1
        return f"2025-03-01 12:00:07.{999_999 - self.ticks:06d}"


async def test_changed_since_pages_by_id_where_the_server_stores_microseconds() -> None:
    sim = OdooSimulator(api_key="unit-key", clock=MicrosecondClock())
    client = OdooClient(InProcess(sim))
    customers = [["customer_rank", ">", 0]]
    naive = sim.call(
        "res.partner", "search_read", customers, ["ref", "write_date"], order="write_date, id"
    )
    assert [r["ref"] for r in naive] == ["FABRIKAM", "CONTOSO", "ACME"]  # by microseconds
    assert {r["write_date"] for r in naive} == {"2025-03-01 12:00:07"}  # shown: whole seconds
    pages, cursor = [], None
    while page := await changed_since(client, "res.partner", customers, ["ref"], cursor, 2):
        pages.append([row["ref"] for row in page])
        cursor = cursor_of(page[-1])
    assert pages == [["ACME", "CONTOSO"], ["FABRIKAM"]]


# -- the simulator's stock rules -------------------------------------------------------------


def confirmed_order(sim: OdooSimulator, policy: str, *lines: tuple[str, float]) -> dict[str, Any]:
    order = sim.call(
        "sale.order", "create",
        {"partner_id": xid(sim, "sim.partner_acme"), "picking_policy": policy,
         "order_line": [(0, 0, {"product_id": xid(sim, p), "product_uom_qty": q})
                        for p, q in lines]},
    )  # fmt: skip
    sim.call("sale.order", "action_confirm", [order])
    [picking] = sim.call(
        "stock.picking", "search_read", [["sale_id", "=", order]], ["state", "move_ids"]
    )
    return dict(picking)


def test_reservation_follows_the_shipping_policy(sim: OdooSimulator) -> None:
    lines = (("sim.product_widget", 5), ("sim.product_gadget", 50))  # 40 gadgets on hand
    direct = confirmed_order(sim, "direct", *lines)
    moves = sim.call("stock.move", "read", direct["move_ids"], ["state", "quantity"])
    assert [(m["state"], m["quantity"]) for m in moves] == [
        ("assigned", 5.0),
        ("partially_available", 40.0),
    ]
    assert direct["state"] == "assigned"
    together = confirmed_order(sim, "one", ("sim.product_widget", 5), ("sim.product_gadget", 1))
    assert together["state"] == "confirmed"  # every gadget is reserved by the first order


def test_check_availability_reserves_what_came_in(sim: OdooSimulator) -> None:
    waiting = confirmed_order(sim, "direct", ("sim.product_crate", 3))
    assert waiting["state"] == "confirmed"
    receipt = sim.call(
        "stock.quant", "create",
        {"product_id": xid(sim, "sim.product_crate"),
         "location_id": xid(sim, "stock.stock_location_stock"), "inventory_quantity": 3},
        context={"inventory_mode": True},
    )  # fmt: skip
    sim.call("stock.quant", "action_apply_inventory", [receipt])
    sim.call("stock.picking", "action_assign", [waiting["id"]])
    [row] = sim.call("stock.picking", "read", [waiting["id"]], ["state"])
    assert row["state"] == "assigned"
    sim.call("stock.picking", "button_validate", [waiting["id"]])
    with pytest.raises(UserError, match="Nothing to check"):
        sim.call("stock.picking", "action_assign", [waiting["id"]])


def test_the_demo_has_a_second_warehouse_and_two_ready_receipts(sim: OdooSimulator) -> None:
    warehouses = sim.call("stock.warehouse", "search_read", [], ["code", "lot_stock_id"])
    assert [(w["code"], w["lot_stock_id"][1]) for w in warehouses] == [
        ("WH", "WH/Stock"),
        ("EW", "EW/Stock"),
    ]
    receipts = sim.call(
        "stock.picking", "search_read",
        [["picking_type_code", "=", "incoming"], ["state", "=", "assigned"]],
        ["name", "origin", "picking_type_id"], order="id",
    )  # fmt: skip
    assert [(r["name"], r["origin"], r["picking_type_id"][1]) for r in receipts] == [
        ("WH/IN/00001", "PO-1001", "YourCompany: Receipts"),
        ("EW/IN/00001", "PO-1002", "East Warehouse: Receipts"),
    ]
    [east] = sim.call("product.product", "read", [xid(sim, "sim.product_gizmo")], ["qty_available"])
    assert east["qty_available"] == 250 + 60
