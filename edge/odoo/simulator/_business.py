"""What the simulated models do beyond storing values: Odoo's business methods, simplified.

- ``sale.order``: a sequence name (``S00001``) on create; ``action_confirm`` from draft/sent
  only (Odoo's UserError otherwise), creating the outgoing picking of the order's warehouse
  with one move per goods line, reserved at once (:mod:`._stock`: Ready when the stock
  suffices, Waiting when there is none); ``action_cancel`` cancels the order and its
  pickings that are not done.
- ``stock.picking``: a sequence name per operation type (``WH/OUT/00001``); reservation,
  validation and backorders are in :mod:`._stock`.
- ``stock.quant``: created or written with ``inventory_quantity`` in inventory mode, it
  marks the count as set (and a second quant for the same product and location is merged
  into the first, as Odoo does); ``action_apply_inventory`` makes the count the quantity.
- constraints: product barcodes are unique; external IDs are unique per (module, name).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._exceptions import UserError, ValidationError
from ._stock import STOCK_METHODS, cancel_picking, confirm_picking

if TYPE_CHECKING:
    from ._methods import Env
    from ._orm import Database

__all__ = ["SPECIAL_METHODS", "install_hooks"]

Vals = dict[str, Any]


def _order_defaults(db: Database, vals: Vals) -> Vals:
    if vals.get("name") in (None, False, "", "New"):
        vals["name"] = db.next_sequence("sale.order", "S")
    if not vals.get("partner_shipping_id") and vals.get("partner_id"):
        vals["partner_shipping_id"] = vals["partner_id"]
    return vals


def _line_defaults(db: Database, vals: Vals) -> Vals:
    product_id = vals.get("product_id")
    product = db.table("product.product").get(product_id) if isinstance(product_id, int) else None
    if product is not None:
        if not vals.get("name"):
            vals["name"] = db.display_name("product.product", product["id"])
        if not vals.get("product_uom"):
            vals["product_uom"] = product["uom_id"]
        if vals.get("price_unit") is None or vals.get("price_unit") is False:
            vals["price_unit"] = product["list_price"]
    return vals


def _picking_defaults(db: Database, vals: Vals) -> Vals:
    kind = db.table("stock.picking.type").get(vals.get("picking_type_id") or 0)
    if kind is not None:
        if vals.get("name") in (None, False, "", "/"):
            vals["name"] = db.next_sequence(f"picking.{kind['id']}", kind["sequence_code"])
        vals.setdefault("location_id", kind["default_location_src_id"])
        vals.setdefault("location_dest_id", kind["default_location_dest_id"])
    return vals


def _count_set(db: Database, vals: Vals) -> Vals:
    if "inventory_quantity" in vals:
        vals.setdefault("inventory_quantity_set", True)
    return vals


def _unique_barcode(db: Database, ids: list[int]) -> None:
    table = db.table("product.product")
    for record_id in ids:
        barcode = table[record_id]["barcode"]
        if not barcode:
            continue
        others = [
            row
            for row in table.values()
            if row["barcode"] == barcode and row["id"] != record_id and row["active"]
        ]
        if others:
            names = ", ".join(db.display_name("product.product", row["id"]) for row in others)
            raise ValidationError(f'Barcode "{barcode}" already assigned to product(s): {names}')


def _unique_xid(db: Database, ids: list[int]) -> None:
    table = db.table("ir.model.data")
    for record_id in ids:
        row = table[record_id]
        if any(other != record_id for other in db.xid_rows(row["module"], row["name"])):
            raise ValidationError(
                "The operation cannot be completed: duplicate key value violates unique "
                'constraint "ir_model_data_module_name_uniq_index"\n'
                f"DETAIL: Key (module, name)=({row['module']}, {row['name']}) already exists."
            )


def install_hooks(db: Database) -> None:
    db.hooks["sale.order"].prepare_create.append(_order_defaults)
    db.hooks["sale.order.line"].prepare_create.append(_line_defaults)
    db.hooks["stock.picking"].prepare_create.append(_picking_defaults)
    db.hooks["stock.quant"].prepare_create.append(_count_set)
    db.hooks["stock.quant"].prepare_write.append(lambda d, ids, vals: _count_set(d, vals))
    db.hooks["product.product"].check.append(_unique_barcode)
    db.hooks["ir.model.data"].check.append(_unique_xid)


# -- sale.order ----------------------------------------------------------------------------


def action_confirm(env: Env, ids: list[int]) -> bool:
    db = env.db
    orders = [db.table("sale.order")[i] for i in db.ensure("sale.order", ids)]
    if any(order["state"] not in ("draft", "sent") for order in orders):
        raise UserError("Some orders are not in a state requiring confirmation.")
    for order in orders:
        db.write("sale.order", [order["id"]], {"state": "sale"})
        _create_delivery(db, order)
    return True


def _create_delivery(db: Database, order: Vals) -> None:
    warehouse = db.table("stock.warehouse").get(order["warehouse_id"] or 0)
    if warehouse is None or not warehouse["out_type_id"]:
        return
    goods = [
        line
        for line in db.children("sale.order.line", "order_id", order["id"])
        if db.table("product.product")[line["product_id"]]["type"] != "service"
    ]
    if not goods:
        return
    picking_id = db.create(
        "stock.picking",
        {
            "picking_type_id": warehouse["out_type_id"],
            "partner_id": order["partner_shipping_id"] or order["partner_id"],
            "origin": order["name"],
            "sale_id": order["id"],
            "move_type": order["picking_policy"] or "direct",
            "state": "confirmed",
        },
    )
    picking = db.table("stock.picking")[picking_id]
    for line in goods:
        db.create(
            "stock.move",
            {
                "name": line["name"],
                "product_id": line["product_id"],
                "product_uom_qty": line["product_uom_qty"],
                "product_uom": line["product_uom"],
                "picking_id": picking_id,
                "sale_line_id": line["id"],
                "location_id": picking["location_id"],
                "location_dest_id": picking["location_dest_id"],
                "state": "confirmed",
            },
        )
    confirm_picking(db, picking_id)


def order_cancel(env: Env, ids: list[int]) -> bool:
    db = env.db
    for order_id in db.ensure("sale.order", ids):
        for picking in db.children("stock.picking", "sale_id", order_id):
            if picking["state"] not in ("done", "cancel"):
                cancel_picking(db, picking["id"])
        db.write("sale.order", [order_id], {"state": "cancel"})
    return True


# -- stock.quant ---------------------------------------------------------------------------


def quant_create(env: Env, vals_list: Any) -> Any:
    """Inventory mode: a count for a product and location that has a quant updates it."""
    single = isinstance(vals_list, dict)
    ids = []
    for vals in [vals_list] if single else list(vals_list):
        existing = (
            [
                q["id"]
                for q in env.db.children("stock.quant", "product_id", vals.get("product_id") or 0)
                if q["location_id"] == vals.get("location_id")
            ]
            if isinstance(vals, dict) and env.context.get("inventory_mode")
            else []
        )
        if existing:
            counted = {k: v for k, v in vals.items() if k == "inventory_quantity"}
            env.db.write("stock.quant", existing[:1], counted)
            ids.append(existing[0])
        else:
            ids.append(env.db.create("stock.quant", vals))
    return ids[0] if single else ids


def action_apply_inventory(env: Env, ids: list[int]) -> None:
    db = env.db
    for quant_id in db.ensure("stock.quant", ids):
        quant = db.table("stock.quant")[quant_id]
        if quant["inventory_quantity_set"]:
            db.write(
                "stock.quant",
                [quant_id],
                {
                    "quantity": quant["inventory_quantity"],
                    "inventory_quantity": 0.0,
                    "inventory_quantity_set": False,
                },
            )
    return None


SPECIAL_METHODS: dict[tuple[str, str], tuple[Any, bool, str | None]] = {
    # (model, method): (function, runs on records, access it needs)
    ("sale.order", "action_confirm"): (action_confirm, True, "write"),
    ("sale.order", "action_cancel"): (order_cancel, True, "write"),
    **STOCK_METHODS,
    ("stock.quant", "create"): (quant_create, False, "create"),
    ("stock.quant", "action_apply_inventory"): (action_apply_inventory, True, "write"),
}
