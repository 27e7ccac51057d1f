"""The simulator's ORM: x2many commands, required fields, transactions, load(), business."""

from __future__ import annotations

from typing import Any

import pytest

from edge.odoo import ExternalId, SaleOrderDraft, SaleOrderLineDraft, load_table
from edge.odoo.simulator import (
    AccessError,
    MissingError,
    OdooException,
    OdooSimulator,
    UserError,
    ValidationError,
)


@pytest.fixture
def sim() -> OdooSimulator:
    return OdooSimulator(api_key="unit-key")


def xid(sim: OdooSimulator, name: str) -> int:
    found = sim.db.xid_lookup(name)
    assert found is not None
    return found[1]


def lines_of(sim: OdooSimulator, order_id: int) -> list[dict[str, Any]]:
    ids = sim.call("sale.order", "read", [order_id], ["order_line"])[0]["order_line"]
    rows: list[dict[str, Any]] = sim.call(
        "sale.order.line", "read", ids, ["product_uom_qty", "name", "price_unit"]
    )
    return rows


def new_order(sim: OdooSimulator, *commands: Any) -> int:
    partner = xid(sim, "sim.partner_acme")
    order_id: int = sim.call(
        "sale.order", "create", {"partner_id": partner, "order_line": list(commands)}
    )
    return order_id


# -- one2many / many2many commands -----------------------------------------------------------


def test_create_with_lines_and_defaults(sim: OdooSimulator) -> None:
    widget = xid(sim, "sim.product_widget")
    order_id = new_order(sim, (0, 0, {"product_id": widget, "product_uom_qty": 3}))
    order = sim.call(
        "sale.order", "read", [order_id], ["name", "state", "amount_total", "partner_shipping_id"]
    )[0]
    assert order["name"] == "S00001" and order["state"] == "draft"
    assert order["amount_total"] == 37.5  # 3 x list price 12.5
    assert order["partner_shipping_id"][0] == xid(sim, "sim.partner_acme")
    assert lines_of(sim, order_id)[0]["name"] == "[WID-001] Widget"


def test_commands_update_delete_unlink_link_clear_replace(sim: OdooSimulator) -> None:
    widget, gadget = xid(sim, "sim.product_widget"), xid(sim, "sim.product_gadget")
    order_id = new_order(
        sim,
        (0, 0, {"product_id": widget, "product_uom_qty": 1}),
        (0, 0, {"product_id": gadget, "product_uom_qty": 2}),
    )
    first, second = (line["id"] for line in lines_of(sim, order_id))
    sim.call(
        "sale.order", "write", [order_id], {"order_line": [(1, first, {"product_uom_qty": 9})]}
    )
    assert lines_of(sim, order_id)[0]["product_uom_qty"] == 9
    sim.call("sale.order", "write", [order_id], {"order_line": [(2, second)]})
    assert [line["id"] for line in lines_of(sim, order_id)] == [first]
    assert sim.count("sale.order.line") == 1
    # (3, id) on a one2many whose inverse is cascade-required deletes the line, as Odoo does
    sim.call("sale.order", "write", [order_id], {"order_line": [(3, first)]})
    assert sim.count("sale.order.line") == 0
    other = new_order(sim, (0, 0, {"product_id": widget}))
    moved = lines_of(sim, other)[0]["id"]
    sim.call("sale.order", "write", [order_id], {"order_line": [(4, moved)]})
    assert [line["id"] for line in lines_of(sim, order_id)] == [moved]
    assert lines_of(sim, other) == []
    sim.call("sale.order", "write", [order_id], {"order_line": [(5,)]})
    assert lines_of(sim, order_id) == []
    kept = new_order(sim, (0, 0, {"product_id": widget}), (0, 0, {"product_id": gadget}))
    a, b = (line["id"] for line in lines_of(sim, kept))
    sim.call("sale.order", "write", [order_id], {"order_line": [(6, 0, [a])]})
    assert [line["id"] for line in lines_of(sim, order_id)] == [a]
    assert [line["id"] for line in lines_of(sim, kept)] == [b]


def test_many2many_commands_and_bare_id_lists(sim: OdooSimulator) -> None:
    vip = sim.call("res.partner.category", "create", {"name": "VIP"})
    eu = sim.call("res.partner.category", "create", {"name": "EU"})
    partner = sim.call("res.partner", "create", {"name": "P", "category_id": [(4, vip)]})

    def tags() -> list[int]:
        ids: list[int] = sim.call("res.partner", "read", [partner], ["category_id"])[0][
            "category_id"
        ]
        return ids

    assert tags() == [vip]
    sim.call("res.partner", "write", [partner], {"category_id": [(4, eu), (3, vip)]})
    assert tags() == [eu]
    sim.call("res.partner", "write", [partner], {"category_id": [vip, eu]})
    assert tags() == [vip, eu]
    sim.call("res.partner", "write", [partner], {"category_id": [(5,)]})
    assert tags() == []
    sim.call("res.partner", "write", [partner], {"category_id": [(0, 0, {"name": "New"})]})
    assert sim.call("res.partner.category", "read", tags(), ["name"])[0]["name"] == "New"
    sim.call("res.partner.category", "unlink", [vip, eu])
    assert len(tags()) == 1


@pytest.mark.parametrize("command", [(9, 0, 0), "x", (), (1,)])
def test_malformed_commands_are_odoos_value_errors(sim: OdooSimulator, command: Any) -> None:
    order_id = new_order(sim)
    with pytest.raises(Exception) as caught:
        sim.call("sale.order", "write", [order_id], {"order_line": [command]})
    assert getattr(caught.value, "name", "") in (
        "builtins.ValueError",
        "builtins.TypeError",
        "odoo.exceptions.MissingError",
    )


# -- constraints and transactions ---------------------------------------------------------------


def test_missing_required_field_is_a_validation_error_and_nothing_is_written(
    sim: OdooSimulator,
) -> None:
    before = sim.count("sale.order")
    with pytest.raises(ValidationError, match=r"Customer \(partner_id\)"):
        sim.call("sale.order", "create", {"client_order_ref": "x"})
    widget = xid(sim, "sim.product_widget")
    with pytest.raises(ValidationError, match=r"Quantity \(product_uom_qty\)"):
        new_order(
            sim,
            (0, 0, {"product_id": widget, "product_uom_qty": 2}),
            (0, 0, {"product_id": widget, "product_uom_qty": False}),
        )
    assert sim.count("sale.order") == before  # the whole call rolled back
    assert sim.count("sale.order.line") == 0


def test_unknown_fields_missing_records_and_private_methods(sim: OdooSimulator) -> None:
    with pytest.raises(Exception, match="Invalid field 'colour'"):
        sim.call("res.partner", "create", {"name": "x", "colour": "red"})
    with pytest.raises(MissingError, match=r"res.partner\(999,\)"):
        sim.call("res.partner", "write", [999], {"name": "x"})
    with pytest.raises(AccessError, match="Private methods"):
        sim.call("res.partner", "_compute_display_name", [1])


def test_a_bad_domain_is_odoos_value_error(sim: OdooSimulator) -> None:
    with pytest.raises(OdooException) as caught:
        sim.call("res.partner", "search", [("name", "child_of", 1)])
    assert caught.value.name == "builtins.ValueError"
    assert "unsupported operator" in caught.value.message


def test_unique_barcode_and_external_id(sim: OdooSimulator) -> None:
    with pytest.raises(ValidationError, match="already assigned"):
        sim.call("product.product", "create", {"name": "Dup", "barcode": "4006381333931"})
    with pytest.raises(ValidationError, match="ir_model_data_module_name_uniq_index"):
        sim.call(
            "ir.model.data",
            "create",
            {"module": "sim", "name": "partner_acme", "model": "res.partner", "res_id": 1},
        )


def test_unlink_cascades_and_drops_external_ids(sim: OdooSimulator) -> None:
    widget = xid(sim, "sim.product_widget")
    order_id = new_order(sim, (0, 0, {"product_id": widget}))
    sim.db.xid_register("crossdock.o1", "sale.order", order_id)
    sim.call("sale.order", "unlink", [order_id])
    assert sim.count("sale.order.line") == 0
    assert sim.db.xid_lookup("crossdock.o1") is None


def test_read_only_user_may_read_but_not_write(sim: OdooSimulator) -> None:
    reader = sim.add_user("reader", api_key="ro", read_only=True)
    assert sim.call("res.partner", "search_count", [], uid=reader.uid) > 0
    with pytest.raises(AccessError, match="not allowed to create 'Contact'"):
        sim.call("res.partner", "create", {"name": "x"}, uid=reader.uid)
    with pytest.raises(AccessError, match="not allowed to modify"):
        sim.call("sale.order", "load", ["id"], [["x"]], uid=reader.uid)


def test_search_order_offset_limit_and_archived(sim: OdooSimulator) -> None:
    ids = sim.call("product.product", "search", [], order="default_code desc", limit=2, offset=1)
    codes = [r["default_code"] for r in sim.call("product.product", "read", ids, ["default_code"])]
    assert codes == ["WID-001", "SRV-SETUP"]  # after WID-CRATE, in descending order
    gizmo = xid(sim, "sim.product_gizmo")
    sim.call("product.product", "write", [gizmo], {"active": False})
    assert gizmo not in sim.call("product.product", "search", [])
    assert gizmo in sim.call("product.product", "search", [("active", "=", False)])
    assert gizmo in sim.call("product.product", "search", [], context={"active_test": False})
    assert [r[0] for r in sim.call("product.product", "name_search", "4006381333948")] == [
        xid(sim, "sim.product_gadget")
    ]


# -- load() -------------------------------------------------------------------------------------


def order_table(key: str, *, line_ids: bool = True) -> tuple[list[str], list[list[str]]]:
    draft = SaleOrderDraft(
        partner=ExternalId("sim.partner_acme"),
        lines=[
            SaleOrderLineDraft(product=ExternalId("sim.product_widget"), quantity=2),
            SaleOrderLineDraft(product=ExternalId("sim.product_gizmo"), quantity=1),
        ],
    )
    fields, rows = load_table(key, draft.values())
    if not line_ids:
        keep = [i for i, f in enumerate(fields) if f != "order_line/id"]
        fields = [fields[i] for i in keep]
        rows = [[row[i] for i in keep] for row in rows]
    return fields, rows


def test_load_twice_with_line_external_ids_changes_nothing(sim: OdooSimulator) -> None:
    fields, rows = order_table("crossdock.po_1")
    first = sim.call("sale.order", "load", fields, rows)
    again = sim.call("sale.order", "load", fields, rows)
    assert first["messages"] == [] and again["ids"] == first["ids"]
    assert sim.count("sale.order") == 1
    assert sim.count("sale.order.line") == 2
    assert sim.db.xid_lookup("crossdock.po_1") == ("sale.order", first["ids"][0])


def test_load_twice_without_line_external_ids_doubles_the_lines_as_odoo_does(
    sim: OdooSimulator,
) -> None:
    fields, rows = order_table("crossdock.po_2", line_ids=False)
    sim.call("sale.order", "load", fields, rows)
    sim.call("sale.order", "load", fields, rows)
    assert sim.count("sale.order") == 1
    assert sim.count("sale.order.line") == 4


def test_load_errors_are_messages_and_roll_everything_back(sim: OdooSimulator) -> None:
    fields = ["id", "partner_id/id", "order_line/id", "order_line/product_id/id"]
    rows = [
        ["crossdock.ok", "sim.partner_acme", "crossdock.ok_l1", "sim.product_widget"],
        ["crossdock.bad", "sim.no_such_partner", "crossdock.bad_l1", "sim.product_widget"],
    ]
    answer = sim.call("sale.order", "load", fields, rows)
    assert answer["ids"] is False
    [message] = answer["messages"]
    assert message["type"] == "error" and message["record"] == 1
    assert "No matching record found for external id 'sim.no_such_partner'" in message["message"]
    assert sim.count("sale.order") == 0
    assert sim.db.xid_lookup("crossdock.ok") is None


def test_load_converts_text_cells_by_type(sim: OdooSimulator) -> None:
    fields = ["id", "name", "is_company", "customer_rank", "country_id"]
    answer = sim.call("res.partner", "load", fields, [["x.p", "P", "1", "3", "Germany"]])
    [partner] = sim.call(
        "res.partner", "read", answer["ids"], ["is_company", "customer_rank", "country_id"]
    )
    assert partner["is_company"] is True and partner["customer_rank"] == 3
    assert partner["country_id"][1] == "Germany"
    bad = sim.call("res.partner", "load", ["name", "is_company"], [["Q", "maybe"]])
    assert "Unknown value 'maybe'" in bad["messages"][0]["message"]


# -- business methods ---------------------------------------------------------------------------


def test_confirm_creates_a_picking_and_refuses_twice(sim: OdooSimulator) -> None:
    widget, service = xid(sim, "sim.product_widget"), xid(sim, "sim.product_setup")
    order_id = new_order(
        sim, (0, 0, {"product_id": widget, "product_uom_qty": 4}), (0, 0, {"product_id": service})
    )
    sim.call("sale.order", "action_confirm", [order_id])
    [picking] = sim.call(
        "stock.picking",
        "search_read",
        [("sale_id", "=", order_id)],
        ["name", "state", "move_ids", "origin"],
    )
    assert picking["name"] == "WH/OUT/00001" and picking["state"] == "assigned"
    assert len(picking["move_ids"]) == 1  # the service is not shipped
    with pytest.raises(UserError, match="not in a state requiring confirmation"):
        sim.call("sale.order", "action_confirm", [order_id])


def test_partial_validation_needs_skip_backorder_then_makes_one(sim: OdooSimulator) -> None:
    widget = xid(sim, "sim.product_widget")
    order_id = new_order(sim, (0, 0, {"product_id": widget, "product_uom_qty": 10}))
    sim.call("sale.order", "action_confirm", [order_id])
    [picking] = sim.call("stock.picking", "search", [("sale_id", "=", order_id)])
    [move] = sim.call("stock.picking", "read", [picking], ["move_ids"])[0]["move_ids"]
    sim.call("stock.move", "write", [move], {"quantity": 6})
    wizard = sim.call("stock.picking", "button_validate", [picking])
    assert wizard["res_model"] == "stock.backorder.confirmation"
    assert sim.call("stock.picking", "read", [picking], ["state"])[0]["state"] == "assigned"
    assert (
        sim.call("stock.picking", "button_validate", [picking], context={"skip_backorder": True})
        is True
    )
    [back] = sim.call(
        "stock.picking", "search_read", [("backorder_id", "=", picking)], ["move_ids", "state"]
    )
    [rest] = sim.call("stock.move", "read", back["move_ids"], ["product_uom_qty"])
    assert rest["product_uom_qty"] == 4 and back["state"] == "assigned"
    [widget_row] = sim.call("product.product", "read", [widget], ["qty_available"])
    assert widget_row["qty_available"] == 124  # 100 in WH and 30 in EW, 6 shipped from WH


def test_inventory_count_then_apply(sim: OdooSimulator) -> None:
    widget, stock = xid(sim, "sim.product_widget"), xid(sim, "stock.stock_location_stock")
    quant = sim.call(
        "stock.quant",
        "create",
        {"product_id": widget, "location_id": stock, "inventory_quantity": 55},
        context={"inventory_mode": True},
    )
    here = [("product_id", "=", widget), ("location_id", "=", stock)]
    assert sim.count("stock.quant", here) == 1  # merged
    sim.call("stock.quant", "action_apply_inventory", [quant])
    [row] = sim.call("stock.quant", "read", [quant], ["quantity", "inventory_quantity_set"])
    assert row == {"id": quant, "quantity": 55.0, "inventory_quantity_set": False}


def test_reset_restores_the_seed(sim: OdooSimulator) -> None:
    seeded = sim.db.counts()
    new_order(sim)
    sim.reset()
    assert sim.db.counts() == seeded
