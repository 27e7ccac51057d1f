"""One goods receipt validates the incoming picking it belongs to, exactly once.

::

    {"op": "receive_goods", "key": "north-3pl:odoo:receive:RC-2", "origin": "PO-1001",
     "quantities": [{"product": {"default_code": "GAD-002"}, "quantity": 4}]}

A purchase order delivered in two shipments has two incoming pickings in Odoo: the original
and, once the first is validated short, its backorder (same ``origin``). Selecting "the
picking of that origin" cannot tell them apart, and a redelivery after Odoo committed (the
answer lost) must not take the backorder for a second validation. So the receipt writes its
key into the picking it takes *before* validating it, and finds the picking by that key
first:

1. a picking marked by this receipt: that one (done: nothing to do; open: validate it);
2. none: the oldest open (not done, not cancelled) picking of ``origin`` and ``kind`` that
   no other receipt has marked; mark it, read the mark back, validate it.

The mark is a line appended to the picking's ``note`` (``fields.Html`` on ``stock.picking``;
a person's note is kept, never overwritten)::

    <p>crossdock receipt north-3pl:odoo:receive:RC-2 [cdr:5d41402abc4b2a76b971@17]</p>

``cdr:<token>`` (20 hex digits of the key's sha256) is what the search looks for with
``ilike``: no wildcard, no character a sanitizer would escape, whatever the key holds.
``@17`` is the id of the picking marked. Odoo's backorder is a ``copy()`` of its picking,
note included, so a backorder carries its parent's marks; they name the parent's id, so the
picking a receipt took is the one whose mark names itself. A picking belongs to the *first*
receipt whose mark names it: a second receipt reading it sees it taken and passes it by.

Errors: an origin with no picking of that kind at all is :class:`MissingRecord` (transient:
the purchase order may not be confirmed yet); an origin whose pickings are all done or
cancelled is ``DeliveryRejected`` (``crossdock.NoOpenPicking``: nothing left to receive
against); open pickings all taken by other receipts not yet validated is
:class:`PickingTaken` (transient: the other receipt is under way, or a dead letter a
person must settle). Products the picking does not expect are refused before it is marked.

Left open (said plainly): Odoo has no compare-and-set, so two receipts of one order applied
at the very same moment can both read the note before either writes it; the read-back
catches the later write, not a write landing after it. Receipts of one order weeks apart
(the usual case) never meet there.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Mapping, Sequence
from typing import Any

from contracts.errors import CrossdockError, DeliveryRejected, TransientFailure

from ._client import OdooClient, m2o_id
from ._ops_stock import DoneQuantity, PickingKind, done_quantities
from ._records import Key, MissingRecord, Op, Text, odoo_reference

__all__ = [
    "NO_OPEN_PICKING",
    "PickingTaken",
    "ReceiveGoods",
    "receipt_mark",
    "receipt_owner",
    "receive_goods",
]

NO_OPEN_PICKING = "crossdock.NoOpenPicking"
_MARK = re.compile(r"\[cdr:([0-9a-f]{20})@(\d+)\]")
_FIELDS = ["state", "note", "name"]


class PickingTaken(TransientFailure):
    """Every open picking of the order is marked by another receipt not yet validated.

    Transient: that receipt is being applied now and leaves a backorder (or nothing) behind.
    Odoo answered, so it says nothing of Odoo's health (``counts_for_breaker`` False).
    """

    counts_for_breaker = False


class ReceiveGoods(Op, frozen=True, kw_only=True, tag="receive_goods"):
    """Validate the picking of ``origin`` this receipt belongs to (see the module docstring).

    ``key`` names the receipt (usually the outbox row's idempotency key); the picking it
    takes is marked with it. None ``quantities`` receives everything still expected.
    """

    key: Key
    origin: Text
    quantities: tuple[DoneQuantity, ...] | None = None
    kind: PickingKind = "incoming"
    backorder: bool = True


def _token(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]


def receipt_mark(key: str, picking_id: int) -> str:
    """The note line marking ``picking_id`` as taken by receipt ``key``."""
    return f"<p>crossdock receipt {html.escape(key)} [cdr:{_token(key)}@{picking_id}]</p>"


def receipt_owner(note: Any, picking_id: int) -> str | None:
    """The token of the first receipt whose mark names ``picking_id`` in ``note``, if any."""
    for found in _MARK.finditer(note if isinstance(note, str) else ""):
        if int(found.group(2)) == picking_id:
            return found.group(1)
    return None


async def receive_goods(client: OdooClient, op: ReceiveGoods) -> str:
    """Apply ``op`` (idempotently); the reference of the picking it validated."""
    token = _token(op.key)
    quantities = None if op.quantities is None else await done_quantities(client, op.quantities)
    picking_id = await _marked(client, token)
    if picking_id is None:
        picking_id = await _take(client, op, token, quantities)
    await client.validate_picking(picking_id, quantities, backorder=op.backorder)
    return odoo_reference("stock.picking", picking_id)


async def _marked(client: OdooClient, token: str) -> int | None:
    """The picking this receipt took earlier (a redelivery), or None."""
    rows = await client.call(
        "stock.picking",
        "search_read",
        kwargs={"domain": [["note", "ilike", f"cdr:{token}@"]], "fields": _FIELDS, "order": "id"},
    )
    mine = [int(r["id"]) for r in rows or () if receipt_owner(r.get("note"), int(r["id"])) == token]
    return min(mine) if mine else None


async def _take(
    client: OdooClient, op: ReceiveGoods, token: str, quantities: Mapping[int, float] | None
) -> int:
    """Mark the oldest open picking of the origin no other receipt has taken; its id."""
    rows = await client.call(
        "stock.picking",
        "search_read",
        kwargs={
            "domain": [
                ["origin", "=", op.origin],
                ["picking_type_code", "=", op.kind],
                ["state", "not in", ["done", "cancel"]],
            ],
            "fields": _FIELDS,
            "order": "id",
        },
    )
    free = [r for r in rows or () if receipt_owner(r.get("note"), int(r["id"])) is None]
    if not free:
        raise await _nothing_open(client, op, rows or [])
    picking = free[0]
    picking_id = int(picking["id"])
    if quantities is not None:
        await _check_products(client, picking_id, quantities)
    note = picking.get("note") or ""
    await client.call(
        "stock.picking",
        "write",
        kwargs={"vals": {"note": f"{note}{receipt_mark(op.key, picking_id)}"}},
        ids=[picking_id],
    )
    again = await client.read_one("stock.picking", picking_id, ["note"])
    owner = receipt_owner(again.get("note"), picking_id)
    if owner != token:  # another receipt wrote its mark at the same moment and won
        raise PickingTaken(
            f"stock.picking({picking_id}) of {op.origin} was taken by another receipt "
            f"while receipt {op.key} marked it",
            model="stock.picking",
            record_id=picking_id,
            origin=op.origin,
            key=op.key,
        )
    return picking_id


async def _nothing_open(
    client: OdooClient, op: ReceiveGoods, taken: Sequence[Mapping[str, Any]]
) -> CrossdockError:
    """Why no picking can be taken: all taken by others, none at all yet, or none open."""
    if taken:
        names = ", ".join(str(r.get("name") or r["id"]) for r in taken)
        return PickingTaken(
            f"the open {op.kind} pickings of {op.origin} ({names}) are taken by other "
            f"receipts not validated yet; receipt {op.key} waits for them",
            model="stock.picking",
            origin=op.origin,
            key=op.key,
        )
    count = await client.call(
        "stock.picking",
        "search_count",
        kwargs={"domain": [["origin", "=", op.origin], ["picking_type_code", "=", op.kind]]},
    )
    if not count:
        # The order may not be confirmed yet (its picking comes with the confirmation).
        return MissingRecord(
            f"Odoo has no {op.kind} picking with origin {op.origin!r} yet",
            xid=f"origin:{op.origin}",
            model="stock.picking",
        )
    return DeliveryRejected(
        f"every {op.kind} picking of {op.origin} is done or cancelled: receipt {op.key} "
        "has nothing left to validate (receive the goods in Odoo by hand if they are extra)",
        error_name=NO_OPEN_PICKING,
        model="stock.picking",
        origin=op.origin,
        key=op.key,
    )


async def _check_products(
    client: OdooClient, picking_id: int, quantities: Mapping[int, float]
) -> None:
    """Refuse products the picking does not expect before it is marked (not after)."""
    moves = await client.call(
        "stock.move",
        "search_read",
        kwargs={
            "domain": [["picking_id", "=", picking_id], ["state", "not in", ["done", "cancel"]]],
            "fields": ["product_id"],
        },
    )
    expected = {m2o_id(m["product_id"]) for m in moves or ()}
    unknown = sorted(set(quantities) - expected)
    if unknown:
        raise DeliveryRejected(
            f"products {unknown} are not to be received in stock.picking({picking_id})",
            error_name="crossdock.UnknownProduct",
            model="stock.picking",
            record_id=picking_id,
        )
