"""Order acknowledgement: Odoo's confirmed order goes back to the partner who sent it.

::

    orders = await read_confirmed_orders(odoo, cursor, limit=100)     # the watcher's poll
    for order in orders:
        outcome = await store.transact(lambda tx: record_ack(tx, config, order))
    plan_ack(sales_order, order, ack_date)      # pure: what Odoo did to each ordered line

Which orders: ``sale.order`` in state ``sale`` with a ``client_order_ref``, whose customer's
``ref`` is a configured partner id with ``outbound.order_acknowledgement`` (order intake
creates orders for the customer whose ``ref`` is the partner id). The partner's original
``SalesOrder`` is found by correlation key ``<partner>/<client_order_ref>``; an order
crossdock did not create has none and is skipped (and counted), never answered.

Each ordered line is ``accepted`` when Odoo's line for the same product (default_code, or
barcode in any GTIN form) has the ordered quantity, ``changed`` (confirmed = Odoo's) when it
differs, ``rejected`` when Odoo has no line for it; the header is ``accepted`` when every
line is, ``rejected`` when every line is, else ``changed``.

Sent once per order: the document ``order_ack:<partner>:<order name>`` (flow ``order_ack``,
the order's correlation key, so a trace shows it) and its delivery
``<partner>:order_ack:<order name>`` are written in one transaction; seeing the order again
(a later write in Odoo, a re-poll after a crash) finds the key and writes nothing.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import TypeVar

import msgspec

from contracts import (
    AckLine,
    Document,
    Flow,
    LineStatus,
    OrderAcknowledgement,
    Quantity,
    SalesOrder,
    correlation_key,
    decode_document,
)
from contracts.documents import DocumentFunction, OrderLine
from edge.odoo import gtin_forms
from gateway.config import Config
from gateway.outbound_docs import partner_delivery, sends
from gateway.store import DocumentRecord, DocumentState, NewDocument, Tx
from gateway.workflows._base import Decide, Decision, Refuse, Route
from gateway.workflows._cursor import Cursor, OdooCaller, m2o, read_many, search_changed, text
from gateway.workflows._recording import Recorded, record_document, refusing, when_of

__all__ = [
    "ACK_DOC_TYPE",
    "AckOutcome",
    "OdooOrder",
    "OdooOrderLine",
    "ack_key",
    "ack_lines",
    "decide_ack",
    "decide_partner_send",
    "header_status",
    "odoo_decimal",
    "plan_ack",
    "read_confirmed_orders",
    "record_ack",
]

D = TypeVar("D", bound=Document)

ACK_DOC_TYPE = "order_acknowledgement"
MODEL = "sale.order"
_ORDER_FIELDS = ("name", "client_order_ref", "partner_id", "state", "order_line")


class OdooOrderLine(msgspec.Struct, frozen=True, kw_only=True):
    default_code: str | None
    barcode: str | None
    quantity: Decimal


class OdooOrder(msgspec.Struct, frozen=True, kw_only=True):
    """A confirmed ``sale.order`` as the flow needs it, with its poll position."""

    id: int
    name: str
    client_order_ref: str
    customer_ref: str | None
    """The customer's ``res.partner.ref``: our partner id when crossdock created the order."""
    lines: tuple[OdooOrderLine, ...]
    cursor: Cursor


class AckOutcome(enum.StrEnum):
    SENT = "sent"
    SEEN = "seen"
    """Acknowledged before: the key exists, nothing written."""
    NOT_OURS = "not_ours"
    """No sales order document of crossdock's for it: created in Odoo or by someone else."""
    NOT_SUBSCRIBED = "not_subscribed"
    """The customer is no configured partner, or one without outbound.order_acknowledgement."""
    REFUSED = "refused"
    """Stored as a dead letter: the partner's format could not carry it (the reason says)."""


def odoo_decimal(value: object) -> Decimal:
    """An Odoo float quantity as a decimal, without a binary float's tail (``3.0`` -> ``3``)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return Decimal(0)
    number = Decimal(repr(float(value)))
    return number.quantize(Decimal(1)) if number == number.to_integral_value() else number


def _same_product(line: OrderLine, odoo: OdooOrderLine) -> bool:
    product = line.product
    if product.sku is not None and odoo.default_code == product.sku:
        return True
    if product.gtin is not None and odoo.barcode is not None:
        return odoo.barcode in gtin_forms(product.gtin)
    return False


def ack_lines(ordered: Sequence[OrderLine], odoo: Sequence[OdooOrderLine]) -> list[AckLine]:
    """Each ordered line against Odoo's lines (each of Odoo's matches one ordered line)."""
    free = list(odoo)
    lines: list[AckLine] = []
    for line in ordered:
        match = next((o for o in free if _same_product(line, o)), None)
        if match is None:
            status, confirmed = LineStatus.REJECTED, Decimal(0)
        else:
            free.remove(match)
            confirmed = match.quantity
            same = confirmed == line.quantity.value
            status = LineStatus.ACCEPTED if same else LineStatus.CHANGED
        lines.append(
            AckLine(
                line_no=line.line_no,
                product=line.product,
                status=status,
                ordered=line.quantity,
                confirmed=Quantity(value=confirmed, unit=line.quantity.unit),
                unit_price=line.unit_price,
                reason="not in the confirmed order" if match is None else None,
            )
        )
    return lines


def header_status(lines: Sequence[AckLine]) -> LineStatus:
    statuses = {line.status for line in lines}
    if statuses <= {LineStatus.ACCEPTED}:
        return LineStatus.ACCEPTED
    if statuses == {LineStatus.REJECTED}:
        return LineStatus.REJECTED
    return LineStatus.CHANGED


def plan_ack(order: SalesOrder, odoo: OdooOrder, ack_date: date) -> OrderAcknowledgement:
    """The acknowledgement of ``order`` as Odoo confirmed it (pure)."""
    lines = ack_lines(order.lines, odoo.lines)
    return OrderAcknowledgement(
        ack_number=odoo.name,
        order_number=odoo.client_order_ref,
        ack_date=ack_date,
        status=header_status(lines),
        lines=lines,
        parties=list(order.parties),
    )


def ack_key(partner: str, order_name: str) -> str:
    """The delivery's idempotency key: one acknowledgement per partner and Odoo order."""
    return f"{partner}:order_ack:{order_name}"


def decide_ack(config: Config) -> Decide:
    """Route a stored acknowledgement to its partner in the partner's format."""
    return decide_partner_send(
        config,
        OrderAcknowledgement,
        "an ack",
        Flow.ORDER_ACK,
        key=lambda partner, ack: ack_key(partner, ack.ack_number),
        name=lambda ack: f"ack-{ack.ack_number}".replace("/", "-"),
    )


def decide_partner_send(
    config: Config,
    kind: type[D],
    noun: str,
    flow: Flow,
    *,
    key: Callable[[str, D], str],
    name: Callable[[D], str],
) -> Decide:
    """A ``decide`` that routes a stored ``kind`` document to its partner in the partner's
    format (the outbox ``key(partner, document)``, the file ``name(document)``), and refuses
    any other kind ("the stored document is a X, not <noun>"). The flows that start in Odoo
    (acknowledgements, fulfillment requests) route their replayed documents with it."""

    def decide(tx: Tx, document: DocumentRecord) -> Decision:
        stored = decode_document(document.body)
        if not isinstance(stored, kind):
            return Refuse(f"the stored document is a {type(stored).__name__}, not {noun}")
        delivery = partner_delivery(
            tx,
            config,
            document.partner,
            stored,
            key=key(document.partner, stored),
            name=name(stored),
            flow=flow,
            when=when_of(tx),
            correlation_key=document.correlation_key,
        )
        return Route([delivery])

    return refusing(decide)


def _original(tx: Tx, partner: str, order_number: str) -> SalesOrder | None:
    """The partner's original sales order, as crossdock stored it (the newest routed one)."""
    key = correlation_key(partner, order_number)
    for document in reversed(tx.find_documents(correlation_key=key)):
        if document.flow != Flow.ORDER_INTAKE or document.doc_type != "sales_order":
            continue
        if document.state not in (DocumentState.ROUTED, DocumentState.DONE):
            continue
        order = decode_document(document.body)
        if isinstance(order, SalesOrder) and order.function is DocumentFunction.ORIGINAL:
            return order
    return None


def record_ack(tx: Tx, config: Config, order: OdooOrder) -> tuple[AckOutcome, Recorded | None]:
    """Decide one confirmed order inside ``tx`` (the caller advances the cursor in it too)."""
    partner = next((p for p in config.partners if p.odoo_ref == order.customer_ref), None)
    if partner is None or not sends(partner, ACK_DOC_TYPE):
        return AckOutcome.NOT_SUBSCRIBED, None
    if not order.client_order_ref:
        return AckOutcome.NOT_OURS, None
    key = f"order_ack:{partner.id}:{order.name}"
    if tx.document_by_key(key) is not None:
        return AckOutcome.SEEN, None
    original = _original(tx, partner.id, order.client_order_ref)
    if original is None:
        return AckOutcome.NOT_OURS, None
    ack = plan_ack(original, order, when_of(tx).date())
    recorded = record_document(
        tx,
        NewDocument(
            idempotency_key=key,
            partner=partner.id,
            flow=str(Flow.ORDER_ACK),
            doc_type=ACK_DOC_TYPE,
            body=msgspec.json.encode(ack),
            config_version=config.version,
            correlation_key=correlation_key(partner.id, order.client_order_ref),
        ),
        decide_ack(config),
    )
    if not recorded.created:
        return AckOutcome.SEEN, recorded
    return (AckOutcome.SENT if recorded.routed else AckOutcome.REFUSED), recorded


async def read_confirmed_orders(
    client: OdooCaller, cursor: Cursor | None, *, limit: int
) -> list[OdooOrder]:
    """One page of confirmed orders with a customer reference changed after ``cursor``,
    with their lines, products and customers (four calls)."""
    domain = [("state", "=", "sale"), ("client_order_ref", "!=", False)]
    rows = await search_changed(client, MODEL, domain, _ORDER_FIELDS, cursor, limit=limit)
    line_ids = [i for row in rows for i in row.get("order_line") or ()]
    lines = await read_many(client, "sale.order.line", line_ids, ("product_id", "product_uom_qty"))
    products = await read_many(
        client,
        "product.product",
        [p for line in lines.values() if (p := m2o(line["product_id"])) is not None],
        ("default_code", "barcode"),
    )
    customers = await read_many(
        client,
        "res.partner",
        [c for row in rows if (c := m2o(row["partner_id"])) is not None],
        ("ref",),
    )
    orders: list[OdooOrder] = []
    for row in rows:
        customer = customers.get(m2o(row["partner_id"]) or 0, {})
        order_lines: list[OdooOrderLine] = []
        for line_id in row.get("order_line") or ():
            line = lines.get(line_id)
            if line is None:
                continue
            product = products.get(m2o(line["product_id"]) or 0, {})
            order_lines.append(
                OdooOrderLine(
                    default_code=text(product.get("default_code")),
                    barcode=text(product.get("barcode")),
                    quantity=odoo_decimal(line.get("product_uom_qty")),
                )
            )
        orders.append(
            OdooOrder(
                id=int(row["id"]),
                name=str(row["name"]),
                client_order_ref=text(row.get("client_order_ref")) or "",
                customer_ref=text(customer.get("ref")),
                lines=tuple(order_lines),
                cursor=Cursor.of(row),
            )
        )
    return orders
