"""What a fresh simulated database holds.

Always (:func:`seed_base`): the ``ir.model`` rows of the models, OdooBot (uid 1) and the
administrator (uid 2) with their partners, the company's partner, the unit of measure
"Units". With demo data
(:func:`seed_demo`), as a small distributor would have: countries, three customer companies
with a delivery contact each, units, a warehouse ``WH`` with its stock, customer, vendor and
inventory locations and its receipt, delivery and internal operation types (the internal
ones, ``WH/INT/`` and ``EW/INT/``, carry inventory adjustments), five products with
``default_code`` and barcode (one a service), and stock on hand for the goods. A second
warehouse ``EW`` ("East Warehouse", ``EW/Stock``, ``EW/OUT/`` and ``EW/IN/``) holds some
Widgets and Gizmos (:data:`EAST_STOCK`). Two receipts wait, Ready, for goods from vendors:
``WH/IN/00001`` (origin ``PO-1001``: 50 WID-001, 20 GAD-002) and ``EW/IN/00001`` (origin
``PO-1002``: 100 GIZ-003), external IDs ``sim.receipt_po_1001`` / ``sim.receipt_po_1002``.

Records that Odoo itself names carry Odoo's external IDs (``base.main_partner``,
``uom.product_uom_unit``, ``stock.warehouse0``, ``stock.stock_location_stock``...); the
demo customers and products are under module ``sim`` (``sim.partner_acme``,
``sim.product_widget``), so tests and the demo can reference them by external ID.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._orm import Database

__all__ = ["DEMO_PRODUCTS", "EAST_STOCK", "seed_base", "seed_demo", "seed_east"]


def _make(db: Database, model: str, xid: str | None, vals: dict[str, Any]) -> int:
    record_id = db.create(model, vals)
    if xid:
        db.xid_register(xid, model, record_id)
    return record_id


def seed_base(db: Database) -> None:
    for name, definition in db.models.items():
        _make(db, "ir.model", None, {"name": definition.description, "model": name})
    company = _make(
        db, "res.partner", "base.main_partner", {"name": "YourCompany", "is_company": True}
    )
    bot = _make(db, "res.partner", "base.partner_root", {"name": "OdooBot"})
    admin = _make(
        db,
        "res.partner",
        "base.partner_admin",
        {"name": "Mitchell Admin", "parent_id": company, "email": "admin@yourcompany.example.com"},
    )
    _make(
        db,
        "res.users",
        "base.user_root",
        {"name": "OdooBot", "login": "__system__", "partner_id": bot, "active": False},
    )
    _make(
        db,
        "res.users",
        "base.user_admin",
        {"name": "Mitchell Admin", "login": "admin", "partner_id": admin},
    )
    _make(db, "uom.uom", "uom.product_uom_unit", {"name": "Units", "uom_type": "reference"})


DEMO_PRODUCTS: tuple[dict[str, Any], ...] = (
    {
        "xid": "sim.product_widget",
        "name": "Widget",
        "default_code": "WID-001",
        "barcode": "4006381333931",
        "type": "product",
        "list_price": 12.5,
        "stock": 100.0,
    },
    {
        "xid": "sim.product_gadget",
        "name": "Gadget",
        "default_code": "GAD-002",
        "barcode": "4006381333948",
        "type": "product",
        "list_price": 25.0,
        "stock": 40.0,
    },
    {
        "xid": "sim.product_gizmo",
        "name": "Gizmo",
        "default_code": "GIZ-003",
        "barcode": "4006381333955",
        "type": "product",
        "list_price": 7.9,
        "stock": 250.0,
    },
    {
        "xid": "sim.product_crate",
        "name": "Crate of Widgets",
        "default_code": "WID-CRATE",
        "barcode": "4006381333962",
        "type": "consu",
        "list_price": 140.0,
        "stock": 0.0,
    },
    {
        "xid": "sim.product_setup",
        "name": "Setup Service",
        "default_code": "SRV-SETUP",
        "barcode": False,
        "type": "service",
        "list_price": 80.0,
        "stock": 0.0,
    },
)


def seed_demo(db: Database) -> None:
    countries = {
        code: _make(db, "res.country", f"base.{code.lower()}", {"name": name, "code": code})
        for code, name in (
            ("US", "United States"),
            ("DE", "Germany"),
            ("NL", "Netherlands"),
            ("FR", "France"),
        )
    }
    customers = (
        ("acme", "Acme Retail", "ACME", "Chicago", "US"),
        ("contoso", "Contoso Stores", "CONTOSO", "Rotterdam", "NL"),
        ("fabrikam", "Fabrikam Outlet", "FABRIKAM", "Lyon", "FR"),
    )
    for key, name, ref, city, country in customers:
        company = _make(
            db,
            "res.partner",
            f"sim.partner_{key}",
            {
                "name": name,
                "ref": ref,
                "is_company": True,
                "city": city,
                "country_id": countries[country],
                "customer_rank": 1,
                "email": f"orders@{key}.example.com",
            },
        )
        _make(
            db,
            "res.partner",
            f"sim.partner_{key}_delivery",
            {
                "name": f"{name} Warehouse",
                "parent_id": company,
                "city": city,
                "country_id": countries[country],
                "street": "1 Dock Road",
            },
        )
    unit = db.xid_lookup("uom.product_uom_unit")
    assert unit is not None
    _make(
        db,
        "uom.uom",
        "uom.product_uom_dozen",
        {"name": "Dozens", "uom_type": "bigger", "factor": 1 / 12},
    )
    _make(db, "uom.uom", "uom.product_uom_kgm", {"name": "kg", "uom_type": "reference"})
    stock = _make(
        db,
        "stock.location",
        "stock.stock_location_stock",
        {"name": "WH/Stock", "usage": "internal"},
    )
    customers_loc = _make(
        db,
        "stock.location",
        "stock.stock_location_customers",
        {"name": "Partners/Customers", "usage": "customer"},
    )
    vendors = _make(
        db,
        "stock.location",
        "stock.stock_location_suppliers",
        {"name": "Partners/Vendors", "usage": "supplier"},
    )
    _make(
        db,
        "stock.location",
        "stock.location_inventory",
        {"name": "Virtual Locations/Inventory adjustment", "usage": "inventory"},
    )
    warehouse = _make(
        db,
        "stock.warehouse",
        "stock.warehouse0",
        {"name": "YourCompany", "code": "WH", "lot_stock_id": stock},
    )
    out_type = _make(
        db,
        "stock.picking.type",
        "stock.picking_type_out",
        {
            "name": "Delivery Orders",
            "code": "outgoing",
            "sequence_code": "WH/OUT/",
            "warehouse_id": warehouse,
            "default_location_src_id": stock,
            "default_location_dest_id": customers_loc,
        },
    )
    in_type = _make(
        db,
        "stock.picking.type",
        "stock.picking_type_in",
        {
            "name": "Receipts",
            "code": "incoming",
            "sequence_code": "WH/IN/",
            "warehouse_id": warehouse,
            "default_location_src_id": vendors,
            "default_location_dest_id": stock,
        },
    )
    db.write("stock.warehouse", [warehouse], {"out_type_id": out_type, "in_type_id": in_type})
    products: dict[str, int] = {}
    for product in DEMO_PRODUCTS:
        values = {k: v for k, v in product.items() if k not in ("xid", "stock")}
        product_id = _make(db, "product.product", product["xid"], {**values, "uom_id": unit[1]})
        products[product["default_code"]] = product_id
        if product["stock"]:
            db.create(
                "stock.quant",
                {"product_id": product_id, "location_id": stock, "quantity": product["stock"]},
            )
    receipt = {"WID-001": 50.0, "GAD-002": 20.0}
    _receipt(db, "sim.receipt_po_1001", in_type, "PO-1001", products, receipt)
    seed_east(db, products, customers=customers_loc, vendors=vendors)
    _internal_type(db, warehouse, "stock.picking_type_internal", "WH/INT/", stock)


def seed_east(db: Database, products: dict[str, int], *, customers: int, vendors: int) -> None:
    """A second warehouse, ``EW``, run by a 3PL: its stock, its operation types, a receipt."""
    stock = _make(
        db, "stock.location", "sim.stock_location_east", {"name": "EW/Stock", "usage": "internal"}
    )
    warehouse = _make(
        db,
        "stock.warehouse",
        "sim.warehouse_east",
        {"name": "East Warehouse", "code": "EW", "lot_stock_id": stock},
    )
    types = {
        code: _make(
            db,
            "stock.picking.type",
            f"sim.picking_type_east_{suffix}",
            {
                "name": name,
                "code": code,
                "sequence_code": prefix,
                "warehouse_id": warehouse,
                "default_location_src_id": source,
                "default_location_dest_id": destination,
            },
        )
        for code, suffix, name, prefix, source, destination in (
            ("outgoing", "out", "Delivery Orders", "EW/OUT/", stock, customers),
            ("incoming", "in", "Receipts", "EW/IN/", vendors, stock),
        )
    }
    db.write(
        "stock.warehouse",
        [warehouse],
        {"out_type_id": types["outgoing"], "in_type_id": types["incoming"]},
    )
    for code, quantity in EAST_STOCK.items():
        db.create(
            "stock.quant",
            {"product_id": products[code], "location_id": stock, "quantity": quantity},
        )
    _receipt(db, "sim.receipt_po_1002", types["incoming"], "PO-1002", products, {"GIZ-003": 100})
    _internal_type(db, warehouse, "sim.picking_type_east_int", "EW/INT/", stock)


def _internal_type(db: Database, warehouse: int, xid: str, prefix: str, stock: int) -> int:
    """The warehouse's Internal Transfers type (Odoo makes one per warehouse, ``int_type_id``).

    Made last, after everything the demo data numbers, so the ids of the older records stay.
    """
    kind = _make(
        db,
        "stock.picking.type",
        xid,
        {
            "name": "Internal Transfers",
            "code": "internal",
            "sequence_code": prefix,
            "warehouse_id": warehouse,
            "default_location_src_id": stock,
            "default_location_dest_id": stock,
        },
    )
    db.write("stock.warehouse", [warehouse], {"int_type_id": kind})
    return kind


EAST_STOCK: dict[str, float] = {"WID-001": 30.0, "GIZ-003": 60.0}
"""On hand in ``EW/Stock`` (the main warehouse's is each product's ``stock`` above)."""


def _receipt(
    db: Database,
    xid: str,
    picking_type: int,
    origin: str,
    products: dict[str, int],
    lines: dict[str, float],
) -> int:
    """An incoming picking from a purchase order, Ready (a vendor's goods reserve in full)."""
    picking_id = _make(
        db,
        "stock.picking",
        xid,
        {"picking_type_id": picking_type, "origin": origin, "state": "assigned"},
    )
    picking = db.table("stock.picking")[picking_id]
    for code, quantity in lines.items():
        product = db.table("product.product")[products[code]]
        db.create(
            "stock.move",
            {
                "name": product["name"],
                "product_id": product["id"],
                "product_uom_qty": quantity,
                "quantity": quantity,
                "product_uom": product["uom_id"],
                "picking_id": picking_id,
                "location_id": picking["location_id"],
                "location_dest_id": picking["location_dest_id"],
                "state": "assigned",
            },
        )
    return picking_id
