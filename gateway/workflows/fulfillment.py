"""Fulfillment: an Odoo picking ready to ship becomes a request to the 3PL(s) that ship it.

::

    pickings = await read_ready_pickings(odoo, cursor, limit=100)    # the watcher's poll
    outcome, recorded = await store.transact(lambda tx: record_fulfillment(tx, config, p))
    split_picking(picking, config.routing)      # pure: the requests, or why none can go

Which pickings: outgoing (their operation type's code ``outgoing``) and ``assigned``.
Routing (``[[routing]]``): a line goes to the first rule of its warehouse that names its
SKU, else to the first rule of its warehouse without ``skus``. A line no rule takes stops
the whole picking (nothing is sent, the watcher warns and counts it, naming the warehouse
and the SKU): a half-sent picking would ship half an order with no one told.

One ``FulfillmentRequest`` per 3PL. The convention the shipment flow relies on:

* ``request_number`` = the picking name when one 3PL ships it all, else
  ``<picking name>-<k>``, k = 1..n in the order of the rules that took the parts;
* ``references`` = ``{"picking": name, "part": "<k>", "parts": "<n>"}``;
* the document: key ``fulfillment:<request_number>``, partner the 3PL, flow ``fulfillment``,
  doc_type ``fulfillment_request``, correlation key ``picking:<picking name>``; inserted and
  routed with its delivery ``<3pl>:fulfillment:<request_number>`` in one transaction.

A picking seen again makes nothing new (the keys exist). A backorder is a new picking with a
new name, so it is requested as it should be.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import msgspec

from contracts import (
    Address,
    Flow,
    FulfillmentLine,
    FulfillmentRequest,
    Party,
    PartyRole,
    ProductRef,
    Quantity,
)
from gateway.config import Config, RoutingRule
from gateway.store import NewDocument, Tx
from gateway.workflows._base import Decide
from gateway.workflows._cursor import Cursor, OdooCaller, m2o, read_many, search_changed, text
from gateway.workflows._recording import Recorded, record_document
from gateway.workflows.order_ack import decide_partner_send, odoo_decimal

__all__ = [
    "REQUEST_DOC_TYPE",
    "FulfillmentOutcome",
    "OdooPicking",
    "PickingLine",
    "Unsendable",
    "decide_fulfillment",
    "fulfillment_key",
    "gtin_or_none",
    "read_ready_pickings",
    "record_fulfillment",
    "route_line",
    "split_picking",
]

REQUEST_DOC_TYPE = "fulfillment_request"
MODEL = "stock.picking"
_PICKING_FIELDS = (
    "name", "origin", "state", "partner_id", "picking_type_id", "sale_id", "scheduled_date",
    "move_ids",
)  # fmt: skip


class PickingLine(msgspec.Struct, frozen=True, kw_only=True):
    product: str
    """The product's name, for messages."""
    sku: str | None
    gtin: str | None
    quantity: Decimal


class OdooPicking(msgspec.Struct, frozen=True, kw_only=True):
    """An outgoing picking ready to ship, as the flow needs it, with its poll position."""

    id: int
    name: str
    warehouse: str | None
    order_number: str
    ship_to: Party
    lines: tuple[PickingLine, ...]
    cursor: Cursor
    requested_ship: date | None = None


class Unsendable(msgspec.Struct, frozen=True):
    """Why a picking cannot be requested from anyone (nothing of it is sent)."""

    reason: str


class FulfillmentOutcome(enum.StrEnum):
    SENT = "sent"
    SEEN = "seen"
    """Requested before: every key exists, nothing written."""
    UNROUTED = "unrouted"
    """A line no routing rule takes, or one with nothing to name its product by."""
    REFUSED = "refused"
    """Stored as a dead letter: a 3PL's format could not carry it (the reason says)."""


def gtin_or_none(barcode: str | None) -> str | None:
    """``barcode`` when it is a GTIN-8/12/13/14 with a right check digit, else None."""
    if barcode is None or not barcode.isdigit() or len(barcode) not in (8, 12, 13, 14):
        return None
    digits = [int(c) for c in barcode]
    body = reversed(digits[:-1])
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(body))
    return barcode if (10 - total % 10) % 10 == digits[-1] else None


def route_line(rules: Sequence[RoutingRule], warehouse: str, sku: str | None) -> int | None:
    """The index of the rule that takes a line of ``sku`` from ``warehouse`` (None: none)."""
    mine = [(i, rule) for i, rule in enumerate(rules) if rule.warehouse == warehouse]
    named = next((i for i, rule in mine if sku is not None and sku in rule.skus), None)
    if named is not None:
        return named
    return next((i for i, rule in mine if not rule.skus), None)


def fulfillment_key(partner: str, request_number: str) -> str:
    """The delivery's idempotency key: one request per 3PL and request number."""
    return f"{partner}:fulfillment:{request_number}"


def split_picking(
    picking: OdooPicking, rules: Sequence[RoutingRule]
) -> list[tuple[str, FulfillmentRequest]] | Unsendable:
    """The requests of ``picking``, one per 3PL in rule order, or why none can go (pure)."""
    if picking.warehouse is None:
        return Unsendable(f"picking {picking.name}: its operation type has no warehouse")
    parts: dict[str, tuple[int, list[PickingLine]]] = {}
    missing: list[str] = []
    for line in picking.lines:
        if line.sku is None and line.gtin is None:
            return Unsendable(
                f"picking {picking.name}: product {line.product!r} has no internal reference "
                "(default_code) and no valid barcode to name it by"
            )
        rule = route_line(rules, picking.warehouse, line.sku)
        if rule is None:
            missing.append(line.sku or f"GTIN {line.gtin}")
            continue
        partner = rules[rule].partner
        first, lines = parts.setdefault(partner, (rule, []))
        parts[partner] = (min(first, rule), lines)
        lines.append(line)
    if missing:
        return Unsendable(
            f"picking {picking.name}: no [[routing]] rule for warehouse {picking.warehouse!r} "
            f"takes SKU {', '.join(dict.fromkeys(missing))}"
        )
    if not parts:
        return Unsendable(f"picking {picking.name}: no lines to ship")
    ordered = sorted(parts.items(), key=lambda item: item[1][0])
    n = len(ordered)
    requests: list[tuple[str, FulfillmentRequest]] = []
    for k, (partner, (_, lines)) in enumerate(ordered, start=1):
        number = picking.name if n == 1 else f"{picking.name}-{k}"
        request = FulfillmentRequest(
            request_number=number,
            order_number=picking.order_number,
            warehouse=picking.warehouse,
            ship_to=picking.ship_to,
            lines=[
                FulfillmentLine(
                    line_no=i,
                    product=ProductRef(sku=line.sku, gtin=line.gtin),
                    quantity=Quantity(value=line.quantity),
                )
                for i, line in enumerate(lines, start=1)
            ],
            requested_ship=picking.requested_ship,
            references={"picking": picking.name, "part": str(k), "parts": str(n)},
        )
        requests.append((partner, request))
    return requests


def decide_fulfillment(config: Config) -> Decide:
    """Route a stored fulfillment request to its 3PL in the 3PL's format."""
    return decide_partner_send(
        config,
        FulfillmentRequest,
        "a request",
        Flow.FULFILLMENT,
        key=lambda partner, request: fulfillment_key(partner, request.request_number),
        name=lambda request: request.request_number.replace("/", "-"),
    )


def record_fulfillment(
    tx: Tx, config: Config, picking: OdooPicking
) -> tuple[FulfillmentOutcome, list[Recorded], str | None]:
    """Decide one picking inside ``tx``: (outcome, what was recorded, why not sent)."""
    split = split_picking(picking, config.routing)
    if isinstance(split, Unsendable):
        return FulfillmentOutcome.UNROUTED, [], split.reason
    decide = decide_fulfillment(config)
    recorded = [
        record_document(
            tx,
            NewDocument(
                idempotency_key=f"fulfillment:{request.request_number}",
                partner=partner,
                flow=str(Flow.FULFILLMENT),
                doc_type=REQUEST_DOC_TYPE,
                body=msgspec.json.encode(request),
                config_version=config.version,
                correlation_key=f"picking:{picking.name}",
            ),
            decide,
        )
        for partner, request in split
    ]
    refused = [r.refused for r in recorded if r.created and r.refused is not None]
    if refused:
        return FulfillmentOutcome.REFUSED, recorded, "; ".join(refused)
    if any(r.created for r in recorded):
        return FulfillmentOutcome.SENT, recorded, None
    return FulfillmentOutcome.SEEN, recorded, None


def _party(row: dict[str, object], countries: dict[int, dict[str, object]]) -> Party:
    country = countries.get(m2o(row.get("country_id")) or 0, {})
    code = text(country.get("code"))
    street = [s for s in (text(row.get("street")),) if s]
    return Party(
        role=PartyRole.SHIP_TO,
        name=text(row.get("name")),
        address=Address(
            street=street,
            city=text(row.get("city")),
            postal_code=text(row.get("zip")),
            country=code.upper() if code else None,
        ),
    )


def _day(value: object) -> date | None:
    raw = text(value)
    try:
        return date.fromisoformat(raw[:10]) if raw else None
    except ValueError:
        return None


async def outgoing_types(client: OdooCaller) -> dict[int, str | None]:
    """Outgoing operation types -> their warehouse's code (None: no warehouse)."""
    types = await client.call(
        "stock.picking.type",
        "search_read",
        kwargs={"domain": [("code", "=", "outgoing")], "fields": ["warehouse_id"]},
    )
    warehouses = await read_many(
        client,
        "stock.warehouse",
        [w for t in types if (w := m2o(t.get("warehouse_id"))) is not None],
        ("code",),
    )
    return {
        int(t["id"]): text(warehouses.get(m2o(t.get("warehouse_id")) or 0, {}).get("code"))
        for t in types
    }


async def read_ready_pickings(
    client: OdooCaller, cursor: Cursor | None, *, limit: int
) -> list[OdooPicking]:
    """One page of outgoing pickings ready to ship changed after ``cursor``, with their
    moves, products, ship-to partners and orders (a handful of calls per page)."""
    types = await outgoing_types(client)
    if not types:
        return []
    domain = [("picking_type_id", "in", sorted(types)), ("state", "=", "assigned")]
    rows = await search_changed(client, MODEL, domain, _PICKING_FIELDS, cursor, limit=limit)
    moves = await read_many(
        client,
        "stock.move",
        [m for row in rows for m in row.get("move_ids") or ()],
        ("product_id", "product_uom_qty", "state"),
    )
    products = await read_many(
        client,
        "product.product",
        [p for move in moves.values() if (p := m2o(move["product_id"])) is not None],
        ("default_code", "barcode", "display_name"),
    )
    partners = await read_many(
        client,
        "res.partner",
        [p for row in rows if (p := m2o(row.get("partner_id"))) is not None],
        ("name", "street", "city", "zip", "country_id"),
    )
    countries = await read_many(
        client,
        "res.country",
        [c for p in partners.values() if (c := m2o(p.get("country_id"))) is not None],
        ("code",),
    )
    orders = await read_many(
        client,
        "sale.order",
        [o for row in rows if (o := m2o(row.get("sale_id"))) is not None],
        ("name", "client_order_ref"),
    )
    pickings: list[OdooPicking] = []
    for row in rows:
        lines: list[PickingLine] = []
        for move_id in row.get("move_ids") or ():
            move = moves.get(move_id)
            if move is None or move.get("state") in ("cancel", "done"):
                continue
            product = products.get(m2o(move["product_id"]) or 0, {})
            lines.append(
                PickingLine(
                    product=text(product.get("display_name")) or f"#{m2o(move['product_id'])}",
                    sku=text(product.get("default_code")),
                    gtin=gtin_or_none(text(product.get("barcode"))),
                    quantity=odoo_decimal(move.get("product_uom_qty")),
                )
            )
        order = orders.get(m2o(row.get("sale_id")) or 0, {})
        order_number = (
            text(order.get("client_order_ref"))
            or text(order.get("name"))
            or text(row.get("origin"))
            or str(row["name"])
        )
        pickings.append(
            OdooPicking(
                id=int(row["id"]),
                name=str(row["name"]),
                warehouse=types.get(m2o(row.get("picking_type_id")) or 0),
                order_number=order_number,
                ship_to=_party(partners.get(m2o(row.get("partner_id")) or 0, {}), countries),
                lines=tuple(lines),
                cursor=Cursor.of(row),
                requested_ship=_day(row.get("scheduled_date")),
            )
        )
    return pickings
