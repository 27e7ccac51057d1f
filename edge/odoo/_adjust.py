"""Inventory adjustments (signed deltas, X12 947) applied in Odoo exactly once.

::

    {"op": "adjust_inventory", "key": "north-3pl:odoo:adjust:ADJ-7", "warehouse": "EW",
     "lines": [{"product": {"default_code": "WID-001"}, "delta": -2},
               {"product": {"barcode": "4006381333948"}, "delta": 5}],
     "origin": "947 ADJ-7", "reason": "cycle count, damaged pallet"}

A count (:class:`ApplyInventory`) is absolute, so repeating it is harmless; a delta is not:
applied twice (a redelivery after Odoo's answer was lost) it moves the stock twice. So a
delta becomes a record that exists at most once, the way a sale order does: a STOCK MOVE
between the warehouse's stock location and Odoo's virtual "Inventory adjustment" location
(``usage = inventory``, Odoo's ``stock.location_inventory``), in a ``stock.picking`` created
together with its external ID by ONE ``load`` call, then validated:

1. look the external IDs ``crossdock.<key>-in`` and ``crossdock.<key>-out`` up (one call);
2. for each sign the report has and Odoo lacks, ``load`` the picking with its moves (and
   every move's own external ID) in one transaction: positive deltas move inventory ->
   stock (``-in``), negative ones stock -> inventory (``-out``), each picking one direction,
   as a stock move has one source and one destination;
3. confirm it if it is still a draft (``action_confirm``) and validate it with the done
   quantities = the deltas (:meth:`OdooClient.validate_picking`: a done picking is left
   alone, the quantity written only when it differs).

A crash or a lost answer between any two steps leaves a state the next attempt completes
without moving anything twice: the picking exists once (its external ID), and the quants
change only in ``button_validate``, which a done picking never reaches again.

Operation type: the warehouse's *Internal Transfers* (``stock.warehouse.int_type_id``),
with the locations set on the picking. Not Receipts or Delivery Orders: those are what the
receipt and fulfillment flows (and Odoo's reports of goods bought and sold) read as goods
from vendors and to customers; an adjustment is neither, and no crossdock poller reads
internal transfers. Odoo's own adjustments (``stock.quant.action_apply_inventory``) are
moves without a picking, but they set an absolute count and cannot carry an external ID
made in the same transaction; a picking can, through ``load``.

Products are named by ID or code (GTIN, then SKU), resolved only when a picking must be
made; an unknown code is a rejection naming it (``crossdock.UnknownProduct``). Deltas of
one product are summed; a product whose deltas cancel out moves nothing. A decrease larger
than the stock on hand is applied all the same (Odoo lets an untracked product's quant go
negative): the 3PL counted what it counted. A picking a person cancelled in Odoo is a
rejection (``crossdock.InvalidState``): nothing is moved behind their back.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from msgspec import Meta

from contracts.errors import DeliveryRejected

from ._client import OdooClient, m2o_id
from ._lookup import ProductCode
from ._ops_stock import WarehouseCode, _products, warehouse_stock
from ._records import Data, Key, Op, RecordRef, odoo_reference
from ._rows import DbId
from ._xid import external_id

__all__ = [
    "INVENTORY_LOCATION_XID",
    "NO_ADJUSTMENT_TYPE",
    "AdjustInventory",
    "Adjustment",
    "adjust_inventory",
]

INVENTORY_LOCATION_XID = "stock.location_inventory"
"""Odoo's virtual "Inventory adjustment" location (``stock`` module data)."""
NO_ADJUSTMENT_TYPE = "crossdock.NoAdjustmentType"
Sign = Literal["in", "out"]
_SIGNS: tuple[Sign, ...] = ("in", "out")


class Adjustment(Data, frozen=True, kw_only=True):
    """One product's signed change: positive adds to the warehouse's stock."""

    product: RecordRef | ProductCode
    delta: Annotated[float, Meta(description="a signed, non-zero quantity")]

    def __post_init__(self) -> None:
        if self.delta == 0 or not math.isfinite(self.delta):
            raise ValueError(f"a delta is a finite, non-zero number, got {self.delta!r}")


class AdjustInventory(Op, frozen=True, kw_only=True, tag="adjust_inventory"):
    """Add the ``lines``' deltas to the stock of ``warehouse``, once for ``key``.

    ``key`` names the adjustment (the outbox row's idempotency key): its pickings get the
    external IDs :meth:`xid` ``("in")`` and ``("out")``. ``origin`` becomes the pickings'
    source document and ``reason`` their note, for the people reading Odoo.
    """

    key: Key
    warehouse: WarehouseCode
    lines: Annotated[tuple[Adjustment, ...], Meta(min_length=1)]
    reason: str | None = None
    origin: str | None = None

    def xid(self, sign: Sign) -> str:
        """The external ID of the picking of the increases (``in``) or decreases (``out``)."""
        return external_id(f"{self.key}-{sign}")

    def signed(self) -> dict[Sign, list[tuple[int | str | ProductCode, float]]]:
        """Per sign, (product, |net delta|) of the products whose deltas do not cancel out."""
        net: dict[int | str | ProductCode, float] = {}
        for line in self.lines:
            net[line.product] = net.get(line.product, 0.0) + line.delta
        out: dict[Sign, list[tuple[int | str | ProductCode, float]]] = {"in": [], "out": []}
        for product, delta in net.items():
            if abs(delta) > 1e-9:
                out["in" if delta > 0 else "out"].append((product, abs(delta)))
        return out


async def adjust_inventory(client: OdooClient, op: AdjustInventory) -> str:
    """Apply ``op`` (exactly once, see the module docstring); the pickings' references."""
    signed = {sign: lines for sign, lines in op.signed().items() if lines}
    if not signed:
        return f"nothing to adjust in {op.warehouse}: the deltas cancel out"
    found = await _find_pickings(client, [op.xid(sign) for sign in signed])
    missing = [sign for sign in signed if op.xid(sign) not in found]
    if missing:
        made = await _create(client, op, {sign: signed[sign] for sign in missing})
        found.update((op.xid(sign), picking_id) for sign, picking_id in made.items())
    references = []
    for sign in signed:
        picking_id = found[op.xid(sign)]
        await _finish(client, picking_id)
        references.append(odoo_reference("stock.picking", picking_id))
    return " ".join(references)


async def _find_pickings(client: OdooClient, xids: Sequence[str]) -> dict[str, int]:
    module = xids[0].partition(".")[0]
    rows = await client.call(
        "ir.model.data",
        "search_read",
        kwargs={
            "domain": [
                ["module", "=", module],
                ["name", "in", [x.partition(".")[2] for x in xids]],
            ],
            "fields": ["name", "model", "res_id"],
        },
    )
    found: dict[str, int] = {}
    for row in rows or ():
        xid = f"{module}.{row['name']}"
        if row["model"] != "stock.picking":
            raise DeliveryRejected(
                f"external ID {xid} names a {row['model']} record, not a stock.picking",
                error_name="crossdock.ExternalIdConflict",
                model="stock.picking",
                xid=xid,
            )
        found[xid] = int(row["res_id"])
    return found


async def _create(
    client: OdooClient,
    op: AdjustInventory,
    signed: dict[Sign, list[tuple[int | str | ProductCode, float]]],
) -> dict[Sign, int]:
    """Make the missing pickings, each with its moves and external IDs in one ``load``."""
    kind, stock = await _warehouse(client, op.warehouse)
    inventory = await _inventory_location(client)
    refs = [product for lines in signed.values() for product, _ in lines]
    ids = await _products(client, refs, "adjustment")
    units = await _units(client, ids)
    made: dict[Sign, int] = {}
    at = 0
    for sign, lines in signed.items():
        source, destination = (inventory, stock) if sign == "in" else (stock, inventory)
        moves = []
        for _, quantity in lines:
            product_id = ids[at]
            at += 1
            move: dict[str, Any] = {
                "name": f"{op.origin or op.key}: inventory adjustment",
                "product_id": DbId(product_id),
                "product_uom_qty": quantity,
                "location_id": DbId(source),
                "location_dest_id": DbId(destination),
            }
            if (unit := units.get(product_id)) is not None:
                move["product_uom"] = DbId(unit)
            moves.append(move)
        values: dict[str, Any] = {
            "picking_type_id": DbId(kind),
            "location_id": DbId(source),
            "location_dest_id": DbId(destination),
            "origin": op.origin,
            "note": op.reason,
            "move_ids": moves,
        }
        made[sign] = await client.create_once(
            "stock.picking", f"{op.key}-{sign}", {k: v for k, v in values.items() if v is not None}
        )
    return made


async def _finish(client: OdooClient, picking_id: int) -> None:
    """Confirm a draft picking, then validate it in full (a done one is left alone)."""
    state = (await client.read_one("stock.picking", picking_id, ["state"]))["state"]
    if state == "draft":
        await client.call("stock.picking", "action_confirm", ids=[picking_id])
    await client.validate_picking(picking_id, None, backorder=False)


async def _warehouse(client: OdooClient, code: str) -> tuple[int, int]:
    """(internal operation type, stock location) of the warehouse with ``code``."""
    stock, row = await warehouse_stock(client, code, ["lot_stock_id", "int_type_id"])
    kind = m2o_id(row["int_type_id"])
    if kind is None:
        raise DeliveryRejected(
            f"the warehouse {code!r} has no internal operation type (int_type_id): "
            "inventory adjustments are internal transfers; set one on the warehouse in Odoo",
            error_name=NO_ADJUSTMENT_TYPE,
            model="stock.warehouse",
            code=code,
        )
    return kind, stock


async def _inventory_location(client: OdooClient) -> int:
    """Odoo's "Inventory adjustment" location: by its external ID, else the first of usage
    ``inventory`` (a database whose stock data was renamed)."""
    found = await client.find_external_id(INVENTORY_LOCATION_XID)
    if found is not None and found[0] == "stock.location":
        return found[1]
    ids = await client.call(
        "stock.location",
        "search",
        kwargs={"domain": [["usage", "=", "inventory"]], "order": "id", "limit": 1},
    )
    if not ids:
        raise DeliveryRejected(
            "Odoo has no inventory adjustment location (usage 'inventory')",
            error_name=NO_ADJUSTMENT_TYPE,
            model="stock.location",
        )
    return int(ids[0])


async def _units(client: OdooClient, product_ids: Sequence[int]) -> dict[int, int | None]:
    """Each product's unit: the move's quantity is in it (older Odoo requires the field)."""
    rows = await client.call(
        "product.product", "read", kwargs={"fields": ["uom_id"]}, ids=sorted(set(product_ids))
    )
    return {int(r["id"]): m2o_id(r.get("uom_id")) for r in rows or ()}
