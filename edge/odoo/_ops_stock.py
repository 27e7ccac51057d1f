"""The stock operations: validate a transfer, set its tracking, count stock in a location.

What the shipment confirmation, receipt and inventory flows ask of Odoo::

    {"op": "validate_picking", "name": "WH/OUT/00003", "tracking_ref": "1Z999AA10123456784",
     "quantities": [{"product": {"default_code": "WID-001"}, "quantity": 6}]}
    {"op": "validate_picking", "origin": "PO-1001", "kind": "incoming"}
    {"op": "apply_inventory", "product": {"barcode": "4006381333931"},
     "location": {"warehouse": "EW"}, "quantity": 42}

Which picking (exactly one of): ``picking`` (external ID or id), ``name`` (the picking's
reference, ``WH/OUT/00003``), ``order`` (a sale order: its first delivery) or ``origin``
(the source document, ``S00042`` or a purchase order ``PO-1001``). ``order`` and ``origin``
select the *original* picking (no ``backorder_id``), so a repeat finds the same, now done,
picking instead of validating its backorder. ``kind`` (``outgoing`` / ``incoming``, the
operation type's code) narrows ``name``, ``origin`` and ``order``: a purchase order's
receipt and a sale order's delivery may share an origin.

Not found: by ``origin`` or ``order`` it is :class:`MissingRecord` (transient: the order
may not be confirmed yet, its picking comes with the confirmation); by ``name`` it is a
rejection (``crossdock.UnknownPicking``), since names come from Odoo itself and a wrong
one will not appear by waiting. Products are named by ID or by code (GTIN in any of its
forms, then SKU) and a warehouse by its code, resolved in the same attempt; unknown or
ambiguous codes are rejections naming the code.

Each is idempotent: a done picking is left alone, the tracking reference and the counted
quantity are absolute values written only when they differ.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

from msgspec import Meta

from contracts.errors import DeliveryRejected

from ._client import OdooClient, m2o_id
from ._lookup import AMBIGUOUS_CODE, ProductCode, find_codes
from ._records import (
    Count,
    Data,
    MissingRecord,
    Op,
    RecordRef,
    Text,
    odoo_reference,
    resolve_record,
)

__all__ = [
    "UNKNOWN_PICKING",
    "UNKNOWN_WAREHOUSE",
    "ApplyInventory",
    "DoneQuantity",
    "PickingKind",
    "SetTracking",
    "ValidatePicking",
    "WarehouseStock",
    "apply_stock_op",
    "done_quantities",
    "find_picking",
    "warehouse_stock",
]

UNKNOWN_PICKING = "crossdock.UnknownPicking"
UNKNOWN_WAREHOUSE = "crossdock.UnknownWarehouse"

WarehouseCode = Annotated[
    str, Meta(min_length=1, max_length=64, description="a stock.warehouse code such as 'EW'")
]
PickingKind = Literal["outgoing", "incoming"]
"""The code of a picking's operation type (``stock.picking.type.code``)."""


class DoneQuantity(Data, frozen=True, kw_only=True):
    product: RecordRef | ProductCode
    """By ID, or by barcode / default_code (``ProductCode``), looked up when delivered."""
    quantity: Count


class WarehouseStock(Data, frozen=True, kw_only=True):
    """The stock location of a warehouse (its ``lot_stock_id``), named by the warehouse's code."""

    warehouse: WarehouseCode


def _check_selector(op: ValidatePicking | SetTracking) -> None:
    given = [n for n in ("picking", "order", "origin", "name") if getattr(op, n) is not None]
    if len(given) != 1:
        raise ValueError(
            "name the picking with exactly one of 'picking', 'order', 'origin' or 'name'"
            + (f", got {' and '.join(given)}" if given else "")
        )


class ValidatePicking(Op, frozen=True, kw_only=True, tag="validate_picking"):
    """Validate a picking with the done quantities (None ships everything in full).

    Less than demanded leaves a backorder for the rest, or cancels the rest when
    ``backorder`` is False. A done picking is left alone (the confirmation was a repeat).
    ``tracking_ref``, when given, is written first, in the same attempt.
    """

    picking: RecordRef | None = None
    order: RecordRef | None = None
    origin: str | None = None
    quantities: tuple[DoneQuantity, ...] | None = None
    backorder: bool = True
    name: str | None = None
    kind: PickingKind | None = None
    tracking_ref: str | None = None

    def __post_init__(self) -> None:
        _check_selector(self)


class SetTracking(Op, frozen=True, kw_only=True, tag="set_tracking"):
    """Set a picking's carrier tracking reference (an absolute value: repeats change nothing)."""

    tracking_ref: Text
    picking: RecordRef | None = None
    order: RecordRef | None = None
    origin: str | None = None
    name: str | None = None
    kind: PickingKind | None = None

    def __post_init__(self) -> None:
        _check_selector(self)


class ApplyInventory(Op, frozen=True, kw_only=True, tag="apply_inventory"):
    """Make the on-hand quantity of ``product`` in ``location`` exactly ``quantity``."""

    product: RecordRef | ProductCode
    location: RecordRef | WarehouseStock
    quantity: Count


StockOp = ValidatePicking | SetTracking | ApplyInventory


async def apply_stock_op(client: OdooClient, op: StockOp) -> str:
    """Apply one stock operation (idempotently); the reference of its record."""
    match op:
        case ValidatePicking():
            picking_id = await find_picking(client, op)
            quantities = None if op.quantities is None else await _quantities(client, op)
            if op.tracking_ref:
                await client.set_tracking(picking_id, op.tracking_ref)
            await client.validate_picking(picking_id, quantities, backorder=op.backorder)
            return odoo_reference("stock.picking", picking_id)
        case SetTracking():
            picking_id = await find_picking(client, op)
            await client.set_tracking(picking_id, op.tracking_ref)
            return odoo_reference("stock.picking", picking_id)
        case ApplyInventory():
            [product_id] = await _products(client, [op.product], "product")
            location_id = await _location(client, op.location)
            await client.apply_inventory(product_id, location_id, op.quantity)
            return odoo_reference("product.product", product_id)
    raise TypeError(f"not a stock operation: {op!r}")  # pragma: no cover - the union is closed


async def find_picking(client: OdooClient, op: ValidatePicking | SetTracking) -> int:
    """The id of the picking ``op`` names (see the module's docstring for the rules)."""
    if op.picking is not None:
        return await resolve_record(client, "stock.picking", op.picking)
    kind: list[list[Any]] = [] if op.kind is None else [["picking_type_code", "=", op.kind]]
    if op.name is not None:
        ids: Any = await client.call(
            "stock.picking",
            "search",
            kwargs={"domain": [["name", "=", op.name], *kind], "order": "id", "limit": 2},
        )
        if not ids:
            raise DeliveryRejected(
                f"Odoo has no {op.kind + ' ' if op.kind else ''}picking named {op.name!r}",
                error_name=UNKNOWN_PICKING,
                model="stock.picking",
                name=op.name,
                kind=op.kind,
            )
        if len(ids) > 1:
            raise DeliveryRejected(
                f"the picking name {op.name!r} names several stock.picking records "
                f"({', '.join(map(str, ids))})",
                error_name=AMBIGUOUS_CODE,
                model="stock.picking",
                name=op.name,
            )
        return int(ids[0])
    origin = op.origin
    if op.order is not None:
        order_id = await resolve_record(client, "sale.order", op.order)
        origin = str((await client.read_one("sale.order", order_id, ["name"]))["name"])
    ids = await client.call(
        "stock.picking",
        "search",
        kwargs={
            "domain": [["origin", "=", origin], ["backorder_id", "=", False], *kind],
            "order": "id",
            "limit": 1,
        },
    )
    if not ids:
        # The order may not be confirmed yet (its picking comes with the confirmation).
        raise MissingRecord(
            f"Odoo has no {op.kind + ' ' if op.kind else ''}picking with origin {origin!r} yet",
            xid=f"origin:{origin}",
            model="stock.picking",
        )
    return int(ids[0])


async def _products(
    client: OdooClient, refs: list[int | str | ProductCode], where: str
) -> list[int]:
    """Database ids of products named by ID or code: codes in one batch of lookups."""
    codes = [ref for ref in refs if isinstance(ref, ProductCode)]
    index = await find_codes(client, codes, ()) if codes else None
    ids: list[int] = []
    for number, ref in enumerate(refs, start=1):
        if isinstance(ref, ProductCode):
            assert index is not None
            ids.append(index.product(ref, where if len(refs) == 1 else f"{where} {number}"))
        else:
            ids.append(await resolve_record(client, "product.product", ref))
    return ids


async def _quantities(client: OdooClient, op: ValidatePicking) -> dict[int, float]:
    return await done_quantities(client, op.quantities or ())


async def done_quantities(client: OdooClient, items: Sequence[DoneQuantity]) -> dict[int, float]:
    """Product id -> quantity; products named by code are looked up in one batch."""
    products = await _products(client, [item.product for item in items], "quantity")
    done: dict[int, float] = {}
    for product_id, item in zip(products, items, strict=True):
        done[product_id] = done.get(product_id, 0.0) + item.quantity
    return done


async def _location(client: OdooClient, location: int | str | WarehouseStock) -> int:
    if not isinstance(location, WarehouseStock):
        return await resolve_record(client, "stock.location", location)
    stock, _ = await warehouse_stock(client, location.warehouse, ["code", "lot_stock_id"])
    return stock


async def warehouse_stock(
    client: OdooClient, code: str, fields: list[str]
) -> tuple[int, dict[str, Any]]:
    """The stock location of the one warehouse with ``code``, and its row read with ``fields``
    (which must include ``lot_stock_id``). ``DeliveryRejected`` when no warehouse or more than
    one has the code, or when it has no stock location: the configuration must be fixed."""
    rows = await client.call(
        "stock.warehouse",
        "search_read",
        kwargs={"domain": [["code", "=", code]], "fields": fields},
    )
    if len(rows or []) > 1:
        raise DeliveryRejected(
            f"the warehouse code {code!r} names {len(rows)} stock.warehouse records",
            error_name=AMBIGUOUS_CODE,
            model="stock.warehouse",
            code=code,
        )
    stock = m2o_id(rows[0]["lot_stock_id"]) if rows else None
    if stock is None:
        raise DeliveryRejected(
            f"the warehouse {code!r} has no stock location"
            if rows
            else f"Odoo has no warehouse with code {code!r}",
            error_name=UNKNOWN_WAREHOUSE,
            model="stock.warehouse",
            code=code,
        )
    return stock, rows[0]
