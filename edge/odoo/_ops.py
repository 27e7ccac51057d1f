"""The Odoo operations an outbox row can carry, and how each is applied exactly once.

The payload of an ``odoo`` outbox row is the JSON of one :data:`OdooOp`, a msgspec tagged
union (tag field ``op``)::

    {"op": "create_sale_order", "key": "acme-retail/UNB 4711/ORD-1", "partner": "sim.partner_acme",
     "lines": [{"product": "sim.product_widget", "quantity": 10}], "confirm": true}

Records are named by external ID (``"module.name"``) or database id (a positive integer);
a sale order's customer, products and units also by code (``{"ref": ...}``,
``{"barcode": ...}``, ``{"name": "kg"}``),
looked up just before the ``load`` (:mod:`._lookup`). The sale operations are here; the
stock ones (validate a picking, set tracking, count inventory) are in :mod:`._ops_stock`,
a goods receipt (the picking it belongs to, marked, then validated) in :mod:`._receive`,
and an inventory adjustment (a picking to or from the inventory location, created with its
external ID, then validated) in :mod:`._adjust`.
Tags are never renamed and new fields get defaults, so older rows still decode.

:func:`apply` runs one operation and returns the Odoo reference of its record
(``"sale.order,42"``) for the outbox's ``result`` column; :func:`apply_many` runs several,
creating sale orders together (two calls for a whole batch). Every operation is idempotent
-- twice has the effect of once -- because each leans on a client method built that way
(creates: external ID looked up, then one ``load`` making record and ID together; updates
read before they act), so a redelivery, a rescue or a replay changes nothing in Odoo.

Errors: an undecodable payload is :class:`RejectedInput` (with the JSON path); an external
ID Odoo does not know (yet) is :class:`MissingRecord` (transient, not Odoo's fault); Odoo's
refusals are ``DeliveryRejected`` and its outages ``TransientFailure``, from the client.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from typing import Annotated, cast

import msgspec
from msgspec import Meta

from contracts.errors import CrossdockError, DeliveryRejected, RejectedInput, TransientFailure

from ._adjust import AdjustInventory, adjust_inventory
from ._client import LOAD_REJECTED, OdooClient
from ._codecache import CodeCache
from ._lookup import CustomerCode, ProductCode, UomName, order_codes, resolve_orders
from ._ops_stock import (
    ApplyInventory,
    DoneQuantity,
    SetTracking,
    ValidatePicking,
    WarehouseStock,
    apply_stock_op,
)
from ._receive import ReceiveGoods, receive_goods
from ._records import Data as _Data
from ._records import Key, MissingRecord, Quantity, RecordRef, odoo_reference, resolve_record
from ._records import Op as _Op
from ._rows import DbId, ExternalId, SaleOrderDraft, SaleOrderLineDraft, load_table
from ._xid import external_id

__all__ = [
    "AdjustInventory",
    "ApplyInventory",
    "ConfirmOrder",
    "CreateSaleOrder",
    "DoneQuantity",
    "MissingRecord",
    "OdooOp",
    "OrderLine",
    "Outcome",
    "ReceiveGoods",
    "RecordRef",
    "SetTracking",
    "ValidatePicking",
    "WarehouseStock",
    "apply",
    "apply_many",
    "create_sale_orders",
    "decode_op",
    "encode_op",
    "odoo_reference",
]


class OrderLine(_Data, frozen=True, kw_only=True):
    product: RecordRef | ProductCode
    """By ID, or by barcode / default_code (``ProductCode``), looked up when delivered."""
    quantity: Quantity
    price_unit: float | None = None
    """None lets Odoo price the line from the product (its list price or pricelist)."""
    uom: RecordRef | UomName | None = None
    """None: the product's own unit. By ID, or by name (``UomName``), looked up when
    delivered; the quantity is in this unit."""
    description: str | None = None


class CreateSaleOrder(_Op, frozen=True, kw_only=True, tag="create_sale_order"):
    """Create a sale order once for ``key``; ``confirm`` confirms it too (also once).

    ``key`` becomes the order's external ID (``crossdock.<name of key>``); it usually equals
    the outbox row's idempotency key, but need not: two outbox rows carrying the same key
    (a re-sent order) still make one order.
    """

    key: Key
    partner: RecordRef | CustomerCode
    """By ID, or by ``res.partner.ref`` (``CustomerCode``), looked up when delivered."""
    lines: Annotated[tuple[OrderLine, ...], Meta(min_length=1)]
    client_order_ref: str | None = None
    partner_shipping: RecordRef | None = None
    date_order: str | None = None
    """``YYYY-MM-DD HH:MM:SS`` in UTC, as Odoo stores datetimes."""
    warehouse: RecordRef | None = None
    origin: str | None = None
    confirm: bool = False

    @property
    def xid(self) -> str:
        """The external ID the order gets: what a later ``ConfirmOrder`` names it by."""
        return external_id(self.key)

    @property
    def has_codes(self) -> bool:
        """True while a record is named by code (``edge.odoo._lookup`` resolves them)."""
        return isinstance(self.partner, CustomerCode) or any(
            isinstance(line.product, ProductCode) or isinstance(line.uom, UomName)
            for line in self.lines
        )

    def draft(self) -> SaleOrderDraft:
        """The rows of the ``load``; only for an order whose codes were resolved."""
        return SaleOrderDraft(
            partner=_ref(self.partner),
            lines=tuple(
                SaleOrderLineDraft(
                    product=_ref(line.product),
                    quantity=line.quantity,
                    price_unit=line.price_unit,
                    uom=None if line.uom is None else _ref(line.uom),
                    description=line.description,
                )
                for line in self.lines
            ),
            client_order_ref=self.client_order_ref,
            partner_shipping=None if self.partner_shipping is None else _ref(self.partner_shipping),
            date_order=self.date_order,
            warehouse=None if self.warehouse is None else _ref(self.warehouse),
            origin=self.origin,
        )


class ConfirmOrder(_Op, frozen=True, kw_only=True, tag="confirm_order"):
    """Confirm a sale order (usually by the external ID ``CreateSaleOrder.xid`` gave it)."""

    order: RecordRef


OdooOp = (
    CreateSaleOrder
    | ConfirmOrder
    | ValidatePicking
    | SetTracking
    | ApplyInventory
    | ReceiveGoods
    | AdjustInventory
)
"""Everything an ``odoo`` outbox row can ask of Odoo."""

_decoder: msgspec.json.Decoder[OdooOp] = msgspec.json.Decoder(OdooOp)
_encoder = msgspec.json.Encoder()
_PATH = re.compile(r" - at `(\$[^`]*)`$")


def encode_op(op: OdooOp) -> bytes:
    """The outbox payload for ``op``."""
    return _encoder.encode(op)


def decode_op(payload: bytes) -> OdooOp:
    """The operation in an outbox payload; :class:`RejectedInput` (with the path) if none."""
    try:
        return _decoder.decode(payload)
    except msgspec.ValidationError as exc:
        text = str(exc)
        found = _PATH.search(text)
        raise RejectedInput(
            f"not an Odoo operation: {text}",
            path=found.group(1) if found else "$",
            code="invalid_odoo_op",
        ) from None
    except msgspec.DecodeError as exc:
        raise RejectedInput(
            f"the payload is not JSON: {exc}", path="$", code="invalid_odoo_op"
        ) from None


async def apply(client: OdooClient, op: OdooOp) -> str:
    """Apply ``op`` in Odoo (idempotently) and return the reference of its record."""
    match op:
        case CreateSaleOrder() if op.has_codes:
            [outcome] = await create_sale_orders(client, [op])  # looks up, then resolves
            if isinstance(outcome, CrossdockError):
                raise outcome
            return outcome
        case CreateSaleOrder():
            order_id = await client.create_sale_order(op.key, op.draft())
            if op.confirm:
                await client.confirm_order(order_id)
            return odoo_reference("sale.order", order_id)
        case ConfirmOrder():
            order_id = await resolve_record(client, "sale.order", op.order)
            await client.confirm_order(order_id)
            return odoo_reference("sale.order", order_id)
        case ValidatePicking() | SetTracking() | ApplyInventory():
            return await apply_stock_op(client, op)
        case ReceiveGoods():
            return await receive_goods(client, op)
        case AdjustInventory():
            return await adjust_inventory(client, op)
    raise TypeError(f"not an Odoo operation: {op!r}")  # pragma: no cover - the union is closed


Outcome = str | CrossdockError
"""What became of one operation of :func:`apply_many`: its reference, or why it failed."""
_ANSWERS = (TransientFailure, DeliveryRejected, RejectedInput)


async def apply_many(
    client: OdooClient, ops: Sequence[OdooOp], *, codes: CodeCache | None = None
) -> list[Outcome]:
    """Apply several operations; one outcome per op, in order (failures are returned).

    Sale orders to create go together (:func:`create_sale_orders`: two calls for all of
    them, plus the code lookups ``codes`` cannot answer); any other operation is applied on
    its own, in order. Only bugs and cancellation raise.
    """
    creates = [i for i, op in enumerate(ops) if isinstance(op, CreateSaleOrder)]
    outcomes: list[Outcome | None] = [None] * len(ops)
    if creates:
        made = await create_sale_orders(
            client, [cast(CreateSaleOrder, ops[i]) for i in creates], codes=codes
        )
        for i, outcome in zip(creates, made, strict=True):
            outcomes[i] = outcome
    for i, op in enumerate(ops):
        if outcomes[i] is None:
            try:
                outcomes[i] = await apply(client, op)
            except _ANSWERS as exc:
                outcomes[i] = exc
    return [o for o in outcomes if o is not None]


async def create_sale_orders(
    client: OdooClient, ops: Sequence[CreateSaleOrder], *, codes: CodeCache | None = None
) -> list[Outcome]:
    """Create many orders once each: one lookup of all their external IDs, one ``load``.

    ``load`` is all or nothing in Odoo (one transaction; a refused record rolls every record
    back and is named in the answer's messages), so the refused ones get their
    ``DeliveryRejected`` and the rest are loaded again without them. Orders Odoo already has
    are not loaded at all, exactly as :meth:`OdooClient.create_once` does for one.

    Codes are resolved through ``codes`` when given. An order refused by ``load`` whose
    codes came from that cache (the record may have been deleted since) has them forgotten,
    resolved again from Odoo and is loaded once more before its refusal stands.
    """
    done: dict[str, Outcome] = {}
    try:
        found = await _find_orders(client, [op.xid for op in ops])
    except _ANSWERS as exc:
        return [exc] * len(ops)
    for xid, (model, res_id) in found.items():
        done[xid] = odoo_reference("sale.order", res_id) if model == "sale.order" else (
            DeliveryRejected(f"external ID {xid} names a {model} record, not a sale.order",
                             error_name="crossdock.ExternalIdConflict", xid=xid)
        )  # fmt: skip
    coded = {op.xid: op for op in ops if op.xid not in done}
    cached = {x for x, op in coded.items() if codes is not None and _any_cached(codes, op)}
    todo = await _resolve(client, list(coded.values()), done, codes)
    while todo:
        try:
            refused = await _load_orders(client, todo, done)
        except _ANSWERS as exc:
            done.update((op.xid, exc) for op in todo)
            break
        todo = [op for op in todo if op.xid not in done] if refused else []
        stale = [coded[x] for x in sorted(cached) if _load_refused(done.get(x))]
        if stale and codes is not None:  # once: ``cached`` is emptied
            cached.clear()
            codes.forget(code for op in stale for code in order_codes(op))
            for op in stale:
                del done[op.xid]
            todo += await _resolve(client, stale, done, codes)
    outcomes = [done[op.xid] for op in ops]
    for index, op in enumerate(ops):
        outcome = outcomes[index]
        if op.confirm and isinstance(outcome, str):
            try:
                await client.confirm_order(int(outcome.split(",")[1]))
            except _ANSWERS as exc:
                outcomes[index] = exc
    return outcomes


async def _resolve(
    client: OdooClient,
    ops: list[CreateSaleOrder],
    done: dict[str, Outcome],
    codes: CodeCache | None,
) -> list[CreateSaleOrder]:
    """``ops`` with their codes resolved; those that cannot be go to ``done``."""
    if not any(op.has_codes for op in ops):  # only orders Odoo does not have yet
        return ops
    resolved: Sequence[CreateSaleOrder | CrossdockError]
    try:
        resolved = await resolve_orders(client, ops, codes)
    except _ANSWERS as exc:
        resolved = [exc] * len(ops)
    done.update(
        (op.xid, r) for op, r in zip(ops, resolved, strict=True) if isinstance(r, Exception)
    )
    return [r for r in resolved if isinstance(r, CreateSaleOrder)]


def _any_cached(codes: CodeCache, op: CreateSaleOrder) -> bool:
    return any(codes.peek(code) for code in order_codes(op))


def _load_refused(outcome: Outcome | None) -> bool:
    return isinstance(outcome, DeliveryRejected) and outcome.error_name == LOAD_REJECTED


async def _find_orders(client: OdooClient, xids: Sequence[str]) -> dict[str, tuple[str, int]]:
    names = sorted({xid.partition(".")[2] for xid in xids})
    module = xids[0].partition(".")[0]
    rows = await client.call(
        "ir.model.data",
        "search_read",
        kwargs={
            "domain": [["module", "=", module], ["name", "in", names]],
            "fields": ["name", "model", "res_id"],
        },
    )
    return {f"{module}.{r['name']}": (str(r["model"]), int(r["res_id"])) for r in rows}


async def _load_orders(
    client: OdooClient, ops: Sequence[CreateSaleOrder], done: dict[str, Outcome]
) -> bool:
    """One ``load`` of ``ops``; fills ``done``. True when Odoo refused some (load the rest)."""
    fields: dict[str, None] = {}
    tables: list[list[dict[str, str]]] = []
    for op in ops:
        names, cells = load_table(op.xid, op.draft().values())
        fields.update(dict.fromkeys(names))
        tables.append([dict(zip(names, row, strict=True)) for row in cells])
    columns = list(fields)
    data: list[list[str]] = []
    starts: list[int] = []
    for table in tables:
        starts.append(len(data))
        data.extend([row.get(c, "") for c in columns] for row in table)
    answer = await client.call("sale.order", "load", kwargs={"fields": columns, "data": data})
    ids = answer.get("ids") if isinstance(answer, dict) else None
    messages = answer.get("messages", []) if isinstance(answer, dict) else []
    errors = [m for m in messages if isinstance(m, dict) and m.get("type") == "error"]
    if not errors and isinstance(ids, list) and len(ids) == len(ops):
        done.update(
            (op.xid, odoo_reference("sale.order", int(i))) for op, i in zip(ops, ids, strict=True)
        )
        return False
    refused: dict[int, list[str]] = {}
    for message in errors:
        row = (message.get("rows") or {}).get("from", None)
        record = bisect.bisect_right(starts, row) - 1 if isinstance(row, int) else None
        record = message.get("record") if record is None else record
        if isinstance(record, int) and 0 <= record < len(ops):
            refused.setdefault(record, []).append(str(message.get("message", "")))
    if not refused:  # nothing to tell the records apart: settle them one by one
        for op in ops:
            try:
                done[op.xid] = odoo_reference(
                    "sale.order", await client.create_sale_order(op.key, op.draft())
                )
            except _ANSWERS as exc:
                done[op.xid] = exc
        return False
    for record, texts in refused.items():
        op = ops[record]
        done[op.xid] = DeliveryRejected("; ".join(texts), error_name=LOAD_REJECTED,
                                        model="sale.order", key=op.key)  # fmt: skip
    return True


def _ref(value: int | str | CustomerCode | ProductCode | UomName) -> DbId | ExternalId:
    if isinstance(value, CustomerCode | ProductCode | UomName):
        raise TypeError(f"{value!r} is a code: resolve_orders first")  # a bug, not input
    return DbId(value) if isinstance(value, int) else ExternalId(value)
