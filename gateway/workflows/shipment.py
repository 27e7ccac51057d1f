"""A 3PL's shipment confirmation (945 / 856 / DESADV / CSV) validates its picking in Odoo.

::

    flow = ShipmentConfirmations(store, config, notify=wake)
    await flow.handle(document_id)        # Route / Refuse / Hold, see below

The confirmation names the fulfillment request it answers (``order_number`` is the request
number the 940 / CSV carried). Its request is the document keyed
``fulfillment:<request number>``; without one, the number is taken as the name of a
picking someone else sent the 3PL, and Odoo decides: a name it does not know becomes the
delivery's dead letter with Odoo's reason (there is no better judge of a picking name).

One :class:`edge.odoo.ValidatePicking` (``name`` = the picking, ``kind`` outgoing) carries
the shipped quantities summed per product and the tracking reference (the confirmation's,
or its first package's). Less than the picking asked for leaves a backorder: Odoo does that.
A line whose unit is not the one the request asked in (after the partner's
``[partners.mapping] units``) is refused, never converted: a case is not an each.

Split pickings (the request's ``references`` say ``parts`` > 1, one request per 3PL,
numbered ``<picking>-<k>``): each confirmation is held until every part's is stored
(found by correlation key ``<3pl>/<request number>``, as intake files them); the last one
to arrive, in whatever order, routes ONE ValidatePicking for the whole picking (all parts
summed, tracking references joined by ", ") and moves its held siblings to ``routed`` in
the same transaction. The op's key is ``idempotency_key(<3pl>, "odoo", "ship", <picking>)``
(the first part's 3PL for a split), so a repeated confirmation enqueues nothing new; and
the op is a no-op on a picking that is already done.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from actors import ChildSpec
from contracts import (
    Flow,
    FulfillmentRequest,
    ShipmentConfirmation,
    idempotency_key,
)
from edge.odoo import DoneQuantity, ValidatePicking
from gateway.config import Config, PartnerConfig
from gateway.store import DocumentRecord, DocumentState, Store, Tx
from gateway.workflows._base import (
    Decide,
    Decision,
    DocumentWorkflow,
    Hold,
    Refuse,
    Route,
    WorkflowActor,
)
from gateway.workflows._lines import (
    ProductKey,
    decode_as,
    joined,
    odoo_delivery,
    partner_of,
    product_code,
    product_key,
    sum_per_product,
)
from gateway.workflows._tree import WorkflowContext, workflow_name

__all__ = [
    "SHIPMENT_DOC_TYPE",
    "ShipmentConfirmations",
    "decide_shipment",
    "fulfillment_key",
    "shipment_child",
]

SHIPMENT_DOC_TYPE = "shipment_confirmation"
DEFAULT_UNIT = "EA"
"""The picking's unit when no request says otherwise: Odoo's "Units"."""


def fulfillment_key(request_number: str) -> str:
    """The idempotency key the fulfillment flow stores a request under."""
    return f"fulfillment:{request_number}"


@dataclass(frozen=True)
class _Request:
    """What a stored fulfillment request tells about the picking it asked for."""

    document: DocumentRecord
    picking: str
    part: int
    parts: int
    units: dict[str, str]
    """GTIN or SKU -> the unit the request asked in."""


@dataclass(frozen=True)
class _Shipped:
    quantities: dict[ProductKey, Decimal]
    tracking: str | None


def _request(document: DocumentRecord, number: str) -> _Request | str:
    request = decode_as(document, FulfillmentRequest)
    if isinstance(request, str):
        return f"fulfillment request {number} (document {document.document_id}): {request}"
    refs = request.references
    try:
        part, parts = int(refs.get("part", "1")), int(refs.get("parts", "1"))
    except ValueError:
        return f"fulfillment request {number}: references part / parts are not numbers: {refs}"
    units: dict[str, str] = {}
    for line in request.lines:
        for code in (line.product.gtin, line.product.sku):
            if code is not None:
                units.setdefault(code, line.quantity.unit)
    return _Request(document, refs.get("picking", number), part, parts, units)


def _shipped(
    conf: ShipmentConfirmation, partner: PartnerConfig, units: dict[str, str]
) -> _Shipped | str:
    """The quantities and tracking of one confirmation, or why it is refused."""
    if not conf.lines:
        return f"shipment {conf.shipment_id} ($.lines): no lines, nothing to validate"
    for index, line in enumerate(conf.lines):
        product = line.product
        expected = next(
            (units[c] for c in (product.gtin, product.sku) if c is not None and c in units),
            DEFAULT_UNIT,
        )
        sent = line.shipped.unit
        unit = partner.mapping.units.get(sent, sent)
        if product_key(product) is not None and unit != expected:
            return (
                f"line {line.line_no} ($.lines[{index}].shipped.unit): unit {sent!r} is not "
                f"the picking's unit {expected!r} (quantities are never converted; if it is "
                f"the same unit, map it in [partners.mapping] units)"
            )
    sums = sum_per_product(
        (line.line_no, i, line.product, line.shipped.value) for i, line in enumerate(conf.lines)
    )
    if isinstance(sums, str):
        return sums
    tracking = conf.tracking_number or next(
        (p.tracking_number for p in conf.packages if p.tracking_number), None
    )
    return _Shipped(sums, tracking)


def _read(
    document: DocumentRecord, config: Config, request: _Request | None
) -> tuple[ShipmentConfirmation, _Shipped] | str:
    partner = partner_of(document, config)
    if isinstance(partner, str):
        return partner
    conf = decode_as(document, ShipmentConfirmation)
    if isinstance(conf, str):
        return conf
    shipped = _shipped(conf, partner, {} if request is None else request.units)
    if isinstance(shipped, str):
        return shipped
    return conf, shipped


def _validate(picking: str, parts: list[_Shipped]) -> ValidatePicking:
    total: dict[ProductKey, Decimal] = {}
    for part in parts:
        for key, quantity in part.quantities.items():
            total[key] = total.get(key, Decimal(0)) + quantity
    return ValidatePicking(
        name=picking,
        kind="outgoing",
        quantities=tuple(
            DoneQuantity(product=product_code(key), quantity=float(quantity))
            for key, quantity in total.items()
        ),
        tracking_ref=joined([p.tracking for p in parts]),
    )


def _split(
    tx: Tx, document: DocumentRecord, config: Config, request: _Request, own: _Shipped
) -> tuple[list[_Shipped], list[int], str] | Hold | Refuse:
    """Every part's shipment (this document's for its own part), the held siblings to move,
    and the first part's 3PL; or Hold naming the parts still missing."""
    shipped: list[_Shipped] = []
    siblings: list[int] = []
    missing: list[str] = []
    first_partner = document.partner
    for k in range(1, request.parts + 1):
        number = f"{request.picking}-{k}"
        stored = (
            request.document if k == request.part else tx.document_by_key(fulfillment_key(number))
        )
        if stored is None:
            missing.append(f"{number} (no fulfillment request stored)")
            continue
        part_partner = stored.partner
        if k == 1:
            first_partner = part_partner
        confirmations = [
            d
            for d in tx.find_documents(correlation_key=f"{part_partner}/{number}")
            if d.flow == str(Flow.SHIPMENT_CONFIRMATION)
            and d.state in (DocumentState.NEW, DocumentState.ROUTED)
            and d.document_id != document.document_id
        ]
        siblings += [d.document_id for d in confirmations if d.state is DocumentState.NEW]
        if k == request.part:
            shipped.append(own)
            continue
        if not confirmations:
            missing.append(f"{number} from {part_partner}")
            continue
        part_request = _request(stored, number)
        if isinstance(part_request, str):
            return Refuse(f"part {k} of split picking {request.picking}: {part_request}")
        sibling = min(confirmations, key=lambda d: d.document_id)
        read = _read(sibling, config, part_request)
        if isinstance(read, str):
            return Refuse(f"part {k} of split picking {request.picking}: {read}")
        shipped.append(read[1])
    if missing:
        return Hold(
            f"split picking {request.picking} ({request.parts} parts): waiting for the "
            f"confirmation of {', '.join(missing)}"
        )
    return shipped, siblings, first_partner


def decide_shipment(config: Config, max_attempts: int) -> Decide:
    """The shipment-confirmation decision over a stored document (see the module docs)."""
    flow = str(Flow.SHIPMENT_CONFIRMATION)

    def decide(tx: Tx, document: DocumentRecord) -> Decision:
        conf = decode_as(document, ShipmentConfirmation)
        if isinstance(conf, str):
            return Refuse(conf)
        stored = tx.document_by_key(fulfillment_key(conf.order_number))
        request = None if stored is None else _request(stored, conf.order_number)
        if isinstance(request, str):
            return Refuse(request)
        if request is not None and request.document.partner != document.partner:
            return Refuse(
                f"shipment {conf.shipment_id} ($.order_number): request {conf.order_number} "
                f"was sent to {request.document.partner!r}, not to {document.partner!r}"
            )
        read = _read(document, config, request)
        if isinstance(read, str):
            return Refuse(read)
        own = read[1]
        picking = conf.order_number if request is None else request.picking
        parts: list[_Shipped] = [own]
        siblings: list[int] = []
        first = document.partner
        if request is not None and request.parts > 1:
            split = _split(tx, document, config, request, own)
            if isinstance(split, Hold | Refuse):
                return split
            parts, siblings, first = split
        for sibling in siblings:
            tx.route_document_many(sibling, [])
        op = _validate(picking, parts)
        key = idempotency_key(first, "odoo", "ship", picking)
        return Route([odoo_delivery(document, op, key=key, flow=flow, max_attempts=max_attempts)])

    return decide


class ShipmentConfirmations(DocumentWorkflow):
    """Shipment confirmations over the store (the tree's ``workflow:shipment_confirmation``)."""

    def __init__(
        self, store: Store, config: Config, *, notify: Callable[[str], None] | None = None
    ) -> None:
        self.config = config
        super().__init__(
            Flow.SHIPMENT_CONFIRMATION,
            decide_shipment(config, config.odoo.retry.max_attempts),
            store,
            notify=notify,
            doc_types=frozenset({SHIPMENT_DOC_TYPE}),
        )


def shipment_child(ctx: WorkflowContext) -> ChildSpec | None:
    """The tree's child, when a 3PL is configured (only 3PLs confirm shipments)."""
    if not any(p.role == "3pl" for p in ctx.config.partners):
        return None
    flow = ShipmentConfirmations(ctx.store, ctx.config, notify=ctx.notify)
    return ChildSpec(
        workflow_name(Flow.SHIPMENT_CONFIRMATION),
        lambda: WorkflowActor(flow, nursery=ctx.nursery),
        mailbox_capacity=1000,
    )
