"""The models crossdock touches (ODOO_API.md), with the fields and constraints it relies on.

Field names, labels, selections and required flags follow Odoo 17-19. What is left out is
what crossdock never reads or writes (taxes, pricelists, companies, lots, routes).
"""

from __future__ import annotations

from typing import Any

from ._schema import (
    Field,
    ModelDef,
    boolean,
    char,
    date,
    datetime,
    floating,
    html,
    integer,
    many2many,
    many2one,
    one2many,
    selection,
)

__all__ = ["MODELS"]


def _now(db: Any) -> str:
    return str(db.now())


def _subtotal(db: Any, record: dict[str, Any]) -> float:
    return round(
        float(record.get("product_uom_qty", record.get("quantity", 0)) or 0)
        * float(record.get("price_unit") or 0),
        2,
    )


def _order_total(db: Any, record: dict[str, Any]) -> float:
    lines = db.children("sale.order.line", "order_id", record["id"])
    return round(sum(_subtotal(db, line) for line in lines), 2)


def _invoice_total(db: Any, record: dict[str, Any]) -> float:
    lines = db.children("account.move.line", "move_id", record["id"])
    return round(sum(_subtotal(db, line) for line in lines), 2)


def _qty_available(db: Any, record: dict[str, Any]) -> float:
    internal = {
        loc["id"] for loc in db.table("stock.location").values() if loc["usage"] == "internal"
    }
    quants = db.children("stock.quant", "product_id", record["id"])
    return sum(float(q["quantity"]) for q in quants if q["location_id"] in internal)


def _picking_type_code(db: Any, record: dict[str, Any]) -> Any:
    """``related='picking_type_id.code'``: searchable, as pollers filter on it."""
    kind = db.table("stock.picking.type").get(record.get("picking_type_id") or 0)
    return kind["code"] if kind is not None else False


def _first(model: str) -> Any:
    def default(db: Any) -> Any:
        return db.first_id(model)

    return default


ORDER_STATES = (
    ("draft", "Quotation"),
    ("sent", "Quotation Sent"),
    ("sale", "Sales Order"),
    ("done", "Locked"),
    ("cancel", "Cancelled"),
)
PICKING_STATES = (
    ("draft", "Draft"),
    ("waiting", "Waiting Another Operation"),
    ("confirmed", "Waiting"),
    ("assigned", "Ready"),
    ("done", "Done"),
    ("cancel", "Cancelled"),
)
MOVE_STATES = (
    ("draft", "New"),
    ("waiting", "Waiting Another Move"),
    ("confirmed", "Waiting Availability"),
    ("partially_available", "Partially Available"),
    ("assigned", "Available"),
    ("done", "Done"),
    ("cancel", "Cancelled"),
)
SHIPPING_POLICIES = (
    ("direct", "As soon as possible"),
    ("one", "When all products are ready"),
)
PRODUCT_TYPES = (("consu", "Goods"), ("service", "Service"), ("product", "Storable Product"))
LOCATION_USAGES = (
    ("view", "View"),
    ("internal", "Internal Location"),
    ("customer", "Customer Location"),
    ("supplier", "Vendor Location"),
    ("inventory", "Inventory Loss"),
    ("transit", "Transit Location"),
)
MOVE_TYPES = (
    ("entry", "Journal Entry"),
    ("out_invoice", "Customer Invoice"),
    ("out_refund", "Customer Credit Note"),
    ("in_invoice", "Vendor Bill"),
    ("in_refund", "Vendor Credit Note"),
)
PAYMENT_STATES = (
    ("not_paid", "Not Paid"),
    ("in_payment", "In Payment"),
    ("paid", "Paid"),
    ("partial", "Partially Paid"),
    ("reversed", "Reversed"),
)


def _model(name: str, description: str, fields: dict[str, Field], **kw: Any) -> ModelDef:
    return ModelDef(name, description, fields, **kw)


MODELS: dict[str, ModelDef] = {
    m.name: m
    for m in [
        _model(
            "res.country",
            "Country",
            {"name": char("Country Name", required=True), "code": char("Country Code")},
        ),
        _model("res.partner.category", "Partner Tags", {"name": char("Tag Name", required=True)}),
        _model(
            "res.partner",
            "Contact",
            {
                "name": char("Name", required=True),
                "ref": char("Reference"),
                "is_company": boolean("Is a Company", default=False),
                "parent_id": many2one("res.partner", "Related Company"),
                "child_ids": one2many("res.partner", "parent_id", "Contact"),
                "email": char("Email"),
                "phone": char("Phone"),
                "street": char("Street"),
                "city": char("City"),
                "zip": char("Zip"),
                "country_id": many2one("res.country", "Country"),
                "category_id": many2many("res.partner.category", "Tags"),
                "customer_rank": integer("Customer Rank", default=0),
                "active": boolean("Active", default=True),
            },
        ),
        _model(
            "res.users",
            "User",
            {
                "name": char("Name", required=True),
                "login": char("Login", required=True),
                "partner_id": many2one("res.partner", "Related Partner"),
                "active": boolean("Active", default=True),
            },
        ),
        _model(
            "uom.uom",
            "Product Unit of Measure",
            {
                "name": char("Unit of Measure", required=True),
                "factor": floating("Ratio", default=1.0),
                "uom_type": selection(
                    "Type",
                    (
                        ("bigger", "Bigger than the reference Unit of Measure"),
                        ("reference", "Reference Unit of Measure"),
                        ("smaller", "Smaller than the reference Unit of Measure"),
                    ),
                    default="reference",
                ),
                "rounding": floating("Rounding Precision", default=0.01),
            },
        ),
        _model(
            "product.product",
            "Product Variant",
            {
                "name": char("Name", required=True),
                "default_code": char("Internal Reference"),
                "barcode": char("Barcode"),
                "uom_id": many2one("uom.uom", "Unit", required=True, default=_first("uom.uom")),
                "type": selection("Product Type", PRODUCT_TYPES, default="consu"),
                "list_price": floating("Sales Price", default=1.0),
                "active": boolean("Active", default=True),
                "qty_available": floating("Quantity On Hand", compute=_qty_available),
            },
            extra_search=("default_code", "barcode"),
        ),
        _model(
            "stock.location",
            "Inventory Locations",
            {
                "name": char("Location Name", required=True),
                "usage": selection("Location Type", LOCATION_USAGES, default="internal"),
                "active": boolean("Active", default=True),
            },
        ),
        _model(
            "stock.picking.type",
            "Picking Type",
            {
                "name": char("Operation Type", required=True),
                "code": selection(
                    "Type of Operation",
                    (
                        ("incoming", "Receipt"),
                        ("outgoing", "Delivery"),
                        ("internal", "Internal Transfer"),
                    ),
                    required=True,
                ),
                "sequence_code": char("Sequence Prefix", required=True),
                "warehouse_id": many2one("stock.warehouse", "Warehouse"),
                "default_location_src_id": many2one("stock.location", "Default Source Location"),
                "default_location_dest_id": many2one(
                    "stock.location", "Default Destination Location"
                ),
            },
        ),
        _model(
            "stock.warehouse",
            "Warehouse",
            {
                "name": char("Warehouse", required=True),
                "code": char("Short Name", required=True),
                "lot_stock_id": many2one("stock.location", "Location Stock"),
                "in_type_id": many2one("stock.picking.type", "In Type"),
                "out_type_id": many2one("stock.picking.type", "Out Type"),
                "int_type_id": many2one("stock.picking.type", "Internal Type"),
            },
        ),
        _model(
            "sale.order",
            "Sales Order",
            {
                "name": char("Order Reference", required=True, default="New"),
                "partner_id": many2one("res.partner", "Customer", required=True),
                "partner_shipping_id": many2one("res.partner", "Delivery Address"),
                "client_order_ref": char("Customer Reference"),
                "date_order": datetime("Order Date", required=True, default=_now),
                "state": selection("Status", ORDER_STATES, default="draft"),
                "order_line": one2many("sale.order.line", "order_id", "Order Lines"),
                "warehouse_id": many2one(
                    "stock.warehouse", "Warehouse", default=_first("stock.warehouse")
                ),
                "origin": char("Source Document"),
                "picking_ids": one2many("stock.picking", "sale_id", "Transfers"),
                "picking_policy": selection(
                    "Shipping Policy", SHIPPING_POLICIES, required=True, default="direct"
                ),
                "amount_total": floating("Total", compute=_order_total),
            },
            order="date_order desc, id desc",
        ),
        _model(
            "sale.order.line",
            "Sales Order Line",
            {
                "order_id": many2one(
                    "sale.order", "Order Reference", required=True, ondelete="cascade"
                ),
                "sequence": integer("Sequence", default=10),
                "name": char("Description", required=True),
                "product_id": many2one("product.product", "Product", required=True),
                "product_uom_qty": floating("Quantity", required=True, default=1.0),
                "price_unit": floating("Unit Price", required=True, default=0.0),
                "product_uom": many2one("uom.uom", "Unit"),
                "price_subtotal": floating("Subtotal", compute=_subtotal),
            },
            order="order_id, sequence, id",
        ),
        _model(
            "stock.picking",
            "Transfer",
            {
                "name": char("Reference", default="/"),
                "origin": char("Source Document"),
                "note": html("Notes"),
                "state": selection("Status", PICKING_STATES, default="draft"),
                "picking_type_id": many2one("stock.picking.type", "Operation Type", required=True),
                "picking_type_code": selection(
                    "Type of Operation",
                    (("incoming", "Receipt"), ("outgoing", "Delivery"), ("internal", "Internal")),
                    compute=_picking_type_code,
                ),
                "move_type": selection(
                    "Shipping Policy", SHIPPING_POLICIES, required=True, default="direct"
                ),
                "partner_id": many2one("res.partner", "Contact"),
                "move_ids": one2many("stock.move", "picking_id", "Stock Moves"),
                "carrier_tracking_ref": char("Tracking Reference"),
                "scheduled_date": datetime("Scheduled Date", default=_now),
                "date_done": datetime("Date of Transfer"),
                "backorder_id": many2one("stock.picking", "Back Order of"),
                "location_id": many2one("stock.location", "Source Location"),
                "location_dest_id": many2one("stock.location", "Destination Location"),
                "sale_id": many2one("sale.order", "Sales Order"),
            },
            order="id desc",
        ),
        _model(
            "stock.move",
            "Stock Move",
            {
                "name": char("Description"),
                "product_id": many2one("product.product", "Product", required=True),
                "product_uom_qty": floating("Demand", required=True, default=0.0),
                "quantity": floating("Quantity", default=0.0),
                "product_uom": many2one("uom.uom", "UoM"),
                "state": selection("Status", MOVE_STATES, default="draft"),
                "picking_id": many2one("stock.picking", "Transfer", ondelete="cascade"),
                "location_id": many2one("stock.location", "Source Location"),
                "location_dest_id": many2one("stock.location", "Destination Location"),
                "sale_line_id": many2one("sale.order.line", "Sale Line"),
            },
            rec_name="name",
        ),
        _model(
            "stock.quant",
            "Quants",
            {
                "product_id": many2one("product.product", "Product", required=True),
                "location_id": many2one("stock.location", "Location", required=True),
                "quantity": floating("Quantity", default=0.0),
                "inventory_quantity": floating("Counted Quantity", default=0.0),
                "inventory_quantity_set": boolean("Inventory Quantity Set", default=False),
            },
            rec_name="product_id",
        ),
        _model(
            "account.move",
            "Journal Entry",
            {
                "name": char("Number", default="/"),
                "move_type": selection("Type", MOVE_TYPES, required=True, default="entry"),
                "partner_id": many2one("res.partner", "Partner"),
                "invoice_line_ids": one2many("account.move.line", "move_id", "Invoice lines"),
                "amount_total": floating("Total", compute=_invoice_total),
                "payment_state": selection("Payment Status", PAYMENT_STATES, default="not_paid"),
                "ref": char("Reference"),
                "state": selection(
                    "Status",
                    (("draft", "Draft"), ("posted", "Posted"), ("cancel", "Cancelled")),
                    default="draft",
                ),
                "invoice_date": date("Invoice/Bill Date"),
                "invoice_origin": char("Origin"),
            },
        ),
        _model(
            "account.move.line",
            "Journal Item",
            {
                "move_id": many2one(
                    "account.move", "Journal Entry", required=True, ondelete="cascade"
                ),
                "product_id": many2one("product.product", "Product"),
                "name": char("Label"),
                "quantity": floating("Quantity", default=1.0),
                "price_unit": floating("Unit Price", default=0.0),
                "price_subtotal": floating("Subtotal", compute=_subtotal),
            },
        ),
        _model(
            "ir.model",
            "Models",
            {
                "name": char("Model Description", required=True),
                "model": char("Model", required=True),
            },
            rec_name="name",
        ),
        _model(
            "ir.model.data",
            "Model Data",
            {
                "module": char("Module", required=True),
                "name": char("External Identifier", required=True),
                "model": char("Model Name", required=True),
                "res_id": integer("Record ID"),
                "noupdate": boolean("Non Updatable", default=False),
            },
            rec_name="name",
        ),
    ]
}
