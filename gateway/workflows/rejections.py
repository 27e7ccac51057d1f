"""A refused order goes back to the partner who sent it, as an order acknowledgement.

::

    refuse_order(tx, config, document, refusal)     # inside decide: Refuse(reason, [ack])
    hook = rejection_hook(config)                   # open_odoo_delivery(..., on_dead=hook)

Two places refuse a sales order for good, and both end in the same acknowledgement:

(a) order intake's own rules (:func:`gateway.workflows.order_intake.check_order`): the
    document becomes a dead letter and, in the SAME transaction (``Refuse(deliveries=)``),
    the acknowledgement is enqueued for ``partner:<id>``;
(b) Odoo's refusal of the ``CreateSaleOrder`` delivery (an unknown GTIN, SKU, customer or
    unit of measure, a constraint of Odoo's): the ``odoo`` outbox row goes ``dead`` in the
    delivery loop's settle transaction, whose ``on_dead`` hook (:func:`rejection_hook`)
    enqueues the acknowledgement in that transaction, with Odoo's message as the reason.

Only for partners with ``outbound.order_acknowledgement``: the acknowledgement is rendered
in that format (EDIFACT ORDRSP, X12 855, a flat-file layout) by
:func:`gateway.outbound_docs.partner_delivery`, which numbers it inside the transaction.
Others get the dead letter only, as before. The acknowledgement says ``rejected`` in its
header and on every line; the line at fault carries the reason, the others
``order refused: <reason>`` (an 855 has no place for line text: there the status says it).
Its number is ``R<document id>``, stable, so a replay that is refused again renders the
same acknowledgement, and its delivery key ``<partner>:order_ack:rejected:<document key>``
makes it one row however often the order is refused: sent once.

A dead order that is replayed after a fix (the product created in Odoo) and then goes
through is acknowledged again, normally, by the order-acknowledgement flow from Odoo's
confirmed order (``gateway.workflows.order_ack``): the partner sees the rejection and then
the acceptance, each once.

A rendering that fails (the partner's configuration cannot carry it) never stops the
refusal: the dead letter is recorded without an acknowledgement and its reason says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import msgspec

from contracts import (
    AckLine,
    Flow,
    LineStatus,
    OrderAcknowledgement,
    Quantity,
    SalesOrder,
    decode_document,
)
from contracts.errors import ConfigError, RejectedInput
from edge.odoo import CreateSaleOrder, decode_op
from gateway.config import Config
from gateway.delivery_ports import DeadHook
from gateway.log import get_logger
from gateway.outbound_docs import partner_delivery, sends
from gateway.store import Delivery, DocumentRecord, ErrorInfo, NewDelivery, Tx
from gateway.workflows._base import Refuse
from gateway.workflows._recording import when_of

__all__ = [
    "ACK_DOC_TYPE",
    "MAX_REASON",
    "OrderRefusal",
    "refuse_order",
    "rejection_ack",
    "rejection_delivery",
    "rejection_hook",
    "rejection_key",
    "rejection_number",
]

log = get_logger("crossdock.workflows")

ACK_DOC_TYPE = "order_acknowledgement"
MAX_REASON = 300
"""Characters of a reason on a line: EDIFACT carries at most five FTX texts of 70."""


class OrderRefusal(msgspec.Struct, frozen=True, kw_only=True):
    """Why order intake refuses a document, and what the acknowledgement needs of it."""

    reason: str
    order: SalesOrder | None = None
    """None: the document is no sales order one could answer (nothing is sent back)."""
    line_no: int | None = None
    """The line at fault (its ``line_no``); None: the order as a whole."""


def rejection_number(document_id: int) -> str:
    """The acknowledgement's number: stable per document, so a re-refusal renders the same."""
    return f"R{document_id}"


def rejection_key(partner: str, document_key: str) -> str:
    """The delivery's idempotency key: one rejection per partner and order document."""
    return f"{partner}:order_ack:rejected:{document_key}"


def _short(text: str) -> str:
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 3].rstrip() + "..."


def rejection_ack(
    order: SalesOrder,
    reason: str,
    *,
    ack_number: str,
    ack_date: date,
    line_no: int | None = None,
) -> OrderAcknowledgement:
    """Every line of ``order`` rejected: the reason on ``line_no``, the others told why.

    Quantities keep their canonical units; the partner's format writes its own codes
    (``units_out``), as for every outbound document."""
    lines = [
        AckLine(
            line_no=line.line_no,
            product=line.product,
            status=LineStatus.REJECTED,
            ordered=line.quantity,
            confirmed=Quantity(value=Decimal(0), unit=line.quantity.unit),
            unit_price=line.unit_price,
            reason=_short(reason if line.line_no == line_no else f"order refused: {reason}"),
        )
        for line in order.lines
    ]
    return OrderAcknowledgement(
        ack_number=ack_number,
        order_number=order.order_number,
        ack_date=ack_date,
        status=LineStatus.REJECTED,
        lines=lines,
        parties=list(order.parties),
    )


def rejection_delivery(
    tx: Tx, config: Config, document: DocumentRecord, refusal: OrderRefusal
) -> NewDelivery | None:
    """The acknowledgement's outbox row, or None when the partner takes none.

    Raises ``ConfigError`` / ``RejectedInput`` when the partner's format cannot carry it.
    """
    order = refusal.order
    if order is None:
        return None
    partner = next((p for p in config.partners if p.id == document.partner), None)
    if partner is None or not sends(partner, ACK_DOC_TYPE):
        return None
    number = rejection_number(document.document_id)
    ack = rejection_ack(
        order,
        refusal.reason,
        ack_number=number,
        ack_date=when_of(tx).date(),
        line_no=refusal.line_no,
    )
    return partner_delivery(
        tx,
        config,
        partner.id,
        ack,
        key=rejection_key(partner.id, document.idempotency_key),
        name=f"ack-{number}",
        flow=Flow.ORDER_ACK,
        when=when_of(tx),
        correlation_key=document.correlation_key,
        document_id=document.document_id,
    )


def refuse_order(tx: Tx, config: Config, document: DocumentRecord, refusal: OrderRefusal) -> Refuse:
    """The dead letter, with the partner's acknowledgement when it takes one."""
    try:
        delivery = rejection_delivery(tx, config, document, refusal)
    except (ConfigError, RejectedInput) as exc:
        log.warning(
            "rejection_ack_not_rendered",
            partner=document.partner,
            document_id=document.document_id,
            error=str(exc),
        )
        return Refuse(f"{refusal.reason} (no rejection acknowledgement sent: {exc})")
    return Refuse(refusal.reason, deliveries=() if delivery is None else [delivery])


def _line_at_fault(order: SalesOrder, error: ErrorInfo) -> int | None:
    """The ``line_no`` Odoo's refusal names (``line``: 1-based position in the op's lines,
    which order intake builds one per order line, in order)."""
    if error.detail is None:
        return None
    try:
        fields = msgspec.json.decode(error.detail)
    except msgspec.DecodeError:
        return None
    position = fields.get("line") if isinstance(fields, dict) else None
    if isinstance(position, int) and 1 <= position <= len(order.lines):
        return order.lines[position - 1].line_no
    return None


def _refused_order(tx: Tx, delivery: Delivery) -> tuple[DocumentRecord, SalesOrder] | None:
    if delivery.destination != "odoo" or delivery.flow != Flow.ORDER_INTAKE:
        return None
    if delivery.document_id is None:
        return None
    try:
        op = decode_op(delivery.payload)
    except RejectedInput:
        return None
    if not isinstance(op, CreateSaleOrder):
        return None
    document = tx.get_document(delivery.document_id)
    if document is None:
        return None
    try:
        order = decode_document(document.body)
    except msgspec.ValidationError:
        return None
    return (document, order) if isinstance(order, SalesOrder) else None


def rejection_hook(config: Config) -> DeadHook:
    """The Odoo delivery's ``on_dead``: a refused ``CreateSaleOrder`` of order intake is
    answered to the partner (see the module docs); anything else adds nothing."""

    def on_dead(tx: Tx, delivery: Delivery, error: ErrorInfo) -> Sequence[NewDelivery]:
        found = _refused_order(tx, delivery)
        if found is None:
            return ()
        document, order = found
        refusal = OrderRefusal(
            reason=f"Odoo refused the order: {error.message}",
            order=order,
            line_no=_line_at_fault(order, error),
        )
        try:
            ack = rejection_delivery(tx, config, document, refusal)
        except (ConfigError, RejectedInput) as exc:
            log.warning(
                "rejection_ack_not_rendered",
                partner=document.partner,
                document_id=document.document_id,
                outbox_id=delivery.outbox_id,
                error=str(exc),
            )
            return ()
        return () if ack is None else [ack]

    return on_dead
