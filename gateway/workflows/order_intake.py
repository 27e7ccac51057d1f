"""Step 3 of DESIGN.md's walk of one order: a stored sales order becomes an Odoo delivery.

::

    flow = OrderIntake(store, config, on_enqueued=lambda: announce(root.ref("odoo")))
    await flow.handle(document_id)      # idempotent: only `new` sales orders move
    await flow.process_pending()        # every `new` sales order (rehydration)

    OrderIntakeActor(flow)              # the tree's "workflow:order_intake" child
    ref.tell_nowait(DocumentReady(document_id))   # what intake tells after record_parsed

The rules (:func:`check_order`, pure): the document decodes as a ``SalesOrder`` of an
original order; its partner is configured; every line names its product by GTIN or SKU (what
Odoo can find: the barcode or the internal reference), orders a quantity above 0, in a unit
Odoo can be told (:func:`odoo_uom`). A document that breaks one becomes a dead letter
(``kill_document``) whose reason names the line and the field
(``line 2 ($.lines[1].quantity.value): ...``); it is never a crash, and a replay after a fix
(``replay_document``) routes it again. A partner with ``outbound.order_acknowledgement``
is also sent a rejection acknowledgement in the same transaction, as it is when Odoo
refuses the delivery (:mod:`gateway.workflows.rejections`).

Units, in two steps, each with its own table: the partner's unit code becomes a canonical
unit (``EA``, ``CA``, ``PK``, ``DZ``, ``KG``, ``LB``, ``L``, ``M``) through the EDI mapping's
table merged with the partner's ``mapping.units`` (EDI documents arrive translated already;
flat files and webhooks may carry the partner's code, translated here with the same table);
then a canonical unit other than ``EA`` becomes an Odoo unit of measure through ``[odoo]
units`` (canonical unit -> ``uom.uom`` name, e.g. ``KG = "kg"``), sent by name
(:class:`edge.odoo.UomName`, looked up at delivery). ``EA`` goes without a unit, so Odoo uses
the product's own. A unit with no Odoo name is refused, naming the key to set.

A document that passes is routed and its :class:`edge.odoo.CreateSaleOrder` enqueued for
``odoo`` in ONE transaction (``route_document``), then the Odoo actor is woken. The op names
the customer and the products by code (:class:`edge.odoo.CustomerCode`,
:class:`edge.odoo.ProductCode`): they are looked up in Odoo when the order is delivered, in the
same attempt as the ``load`` that creates it, so what Odoo does not know becomes a dead
letter of the delivery naming the GTIN or SKU. The customer is the ``res.partner`` whose
``ref`` is the partner id (see docs/configuration.md); the order's external ID comes from
the partner and its order number (:func:`order_key`), so a re-sent interchange, the same
order in a new interchange, a redelivery or a replay makes no second order.

Lines carry no price: Odoo prices them from its pricelist, as a distributor expects (the
partner's price stays in the stored document for a person who wants to compare).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import msgspec
import trio

from contracts import Flow, SalesOrder, decode_document, idempotency_key
from contracts.documents import DocumentFunction
from edge.edi.mapping import MappingProfile
from edge.odoo import CreateSaleOrder, CustomerCode, OrderLine, ProductCode, UomName, encode_op
from gateway.config import Config
from gateway.store import DocumentRecord, NewDelivery, Store, Tx
from gateway.workflows._base import (
    Decide,
    Decision,
    DocumentReady,
    DocumentWorkflow,
    GetWorkflowStatus,
    Route,
    RoutingOutcome,
    WorkflowActor,
    tell_document_ready,
)
from gateway.workflows.rejections import OrderRefusal, refuse_order

__all__ = [
    "DOC_TYPE",
    "EACH_UNITS",
    "DocumentReady",
    "GetWorkflowStatus",
    "OrderIntake",
    "OrderIntakeActor",
    "OrderRefusal",
    "RoutingOutcome",
    "UnmappedUnit",
    "check_order",
    "decide_order",
    "odoo_uom",
    "order_key",
    "plan_order",
    "tell_document_ready",
]

DOC_TYPE = "sales_order"
"""The documents this workflow routes (of flow ``order_intake``)."""


EACH = "EA"
"""The canonical unit of each / piece / one: Odoo is given no unit and uses the product's."""

_DEFAULT_UNITS = MappingProfile().units
EACH_UNITS = frozenset(code for code, unit in _DEFAULT_UNITS.items() if unit == EACH)
"""The codes the EDI mapping reads as each by default: ``EA``, ``PCE``, ``C62``, ``H87``..."""


class UnmappedUnit(ValueError):
    """A canonical unit other than each that ``[odoo] units`` does not name."""

    def __init__(self, unit: str, canonical: str) -> None:
        super().__init__(canonical)
        self.unit = unit
        self.canonical = canonical


def odoo_uom(
    unit: str, partner_units: Mapping[str, str], odoo_units: Mapping[str, str]
) -> UomName | None:
    """The Odoo unit of a line ordered in ``unit`` (None: the product's own unit).

    ``partner_units``: the partner's unit table (the EDI defaults merged with its
    ``mapping.units``: partner code -> canonical unit); ``odoo_units``: ``[odoo] units``
    (canonical unit -> ``uom.uom`` name). Raises :class:`UnmappedUnit` for a canonical unit
    other than each that Odoo has no name for here.
    """
    canonical = partner_units.get(unit, unit)
    if canonical == EACH:
        return None
    name = odoo_units.get(canonical)
    if name is None:
        raise UnmappedUnit(unit, canonical)
    return UomName(name=name)


def _unmapped(where: str, error: UnmappedUnit, partner_units: Mapping[str, str]) -> str:
    read_as = f" (read as {error.canonical!r})" if error.unit != error.canonical else ""
    codes = sorted(c for c, u in partner_units.items() if u == error.canonical)
    sent = f", which the partner's {' / '.join(codes)} are read as" if codes else ""
    return (
        f"{where}.quantity.unit): unit {error.unit!r}{read_as}{sent}, is not each and Odoo "
        f"has no unit of measure for it here: set [odoo] units = "
        f'{{ {error.canonical} = "<uom.uom name>" }} (or, if the partner means another unit, '
        "[partners.mapping] units)"
    )


def order_key(partner: str, order_number: str) -> str:
    """The key (and so the Odoo external ID) of the partner's order ``order_number``.

    By order number, not by interchange: a customer that re-sends an order in a new
    interchange (new control number, new bytes: not a duplicate file) must not get a second
    sale order. Its document is routed, the delivery's key exists, nothing new is sent; a
    replay likewise. Order numbers are the buyer's, unique per buyer, as EDI assumes.
    """
    return idempotency_key(partner, "order", order_number)


def plan_order(document: DocumentRecord, config: Config) -> CreateSaleOrder | str:
    """The Odoo operation for a stored sales order, or the reason it breaks a rule."""
    plan = check_order(document, config)
    return plan.reason if isinstance(plan, OrderRefusal) else plan


def check_order(document: DocumentRecord, config: Config) -> CreateSaleOrder | OrderRefusal:
    """The Odoo operation for a stored sales order, or why (and where) it breaks a rule."""
    try:
        partner = config.partner(document.partner)
    except KeyError:
        return OrderRefusal(
            reason=f"partner {document.partner!r} is not configured (no [[partners]] entry)"
        )
    try:
        order = decode_document(document.body)
    except msgspec.ValidationError as exc:
        return OrderRefusal(reason=f"the stored document is not a valid canonical document: {exc}")
    if not isinstance(order, SalesOrder):
        return OrderRefusal(
            reason=f"the stored document is a {type(order).__name__}, not a SalesOrder"
        )
    if order.function is not DocumentFunction.ORIGINAL:
        return OrderRefusal(
            reason=f"order {order.order_number} ($.function): a '{order.function}' order is "
            "not supported by order intake, only 'original' (handle it in Odoo by hand)",
            order=order,
        )
    lines: list[OrderLine] = []
    units = {**_DEFAULT_UNITS, **partner.mapping.units}  # what the partner's profile reads
    for i, line in enumerate(order.lines):
        where = f"line {line.line_no} ($.lines[{i}]"

        def refused(reason: str, line_no: int = line.line_no) -> OrderRefusal:
            return OrderRefusal(reason=reason, order=order, line_no=line_no)

        product = line.product
        if product.gtin is None and product.sku is None:
            sent = ", ".join(
                f"{name} {value!r}"
                for name, value in (
                    ("supplier_item", product.supplier_item),
                    ("buyer_item", product.buyer_item),
                )
                if value
            )
            return refused(
                f"{where}.product): no GTIN or SKU to find the product in Odoo by"
                + (f" (the partner sent only {sent})" if sent else "")
            )
        quantity = line.quantity.value
        if quantity <= 0:
            return refused(f"{where}.quantity.value): the quantity must be above 0, got {quantity}")
        try:
            uom = odoo_uom(line.quantity.unit, units, config.odoo.units)
        except UnmappedUnit as error:
            return refused(_unmapped(where, error, units))
        lines.append(
            OrderLine(
                product=ProductCode(barcode=product.gtin, default_code=product.sku),
                quantity=float(quantity),
                uom=uom,
            )
        )
    return CreateSaleOrder(
        key=order_key(partner.id, order.order_number),
        partner=CustomerCode(ref=partner.odoo_ref),
        lines=tuple(lines),
        client_order_ref=order.order_number,
        origin=f"{partner.id} {order.order_number}",
        confirm=partner.confirm_orders,
    )


def decide_order(config: Config, max_attempts: int) -> Decide:
    """The order-intake decision over a stored document (see :func:`plan_order`)."""

    def decide(tx: Tx, document: DocumentRecord) -> Decision:
        plan = check_order(document, config)
        if isinstance(plan, OrderRefusal):
            return refuse_order(tx, config, document, plan)
        return Route(
            [
                NewDelivery(
                    idempotency_key=idempotency_key(document.partner, "odoo", plan.key),
                    destination="odoo",
                    partner=document.partner,
                    flow=str(Flow.ORDER_INTAKE),
                    payload=encode_op(plan),
                    correlation_key=document.correlation_key,
                    max_attempts=max_attempts,
                )
            ]
        )

    return decide


class OrderIntake(DocumentWorkflow):
    """Order intake over the store; ``notify(destination)`` is called after a commit that
    enqueued for ``odoo`` (an order) or ``partner:<id>`` (a rejection acknowledgement).
    ``on_enqueued()`` (older callers) is called for ``odoo`` only; the partner's loop then
    finds the acknowledgement at its next idle poll."""

    def __init__(
        self,
        store: Store,
        config: Config,
        *,
        on_enqueued: Callable[[], None] | None = None,
        notify: Callable[[str], None] | None = None,
    ) -> None:
        self.config = config
        self.max_attempts = config.odoo.retry.max_attempts
        wake = notify

        def notify_one(destination: str) -> None:
            if wake is not None:
                wake(destination)
            elif on_enqueued is not None and destination == "odoo":
                on_enqueued()

        super().__init__(
            Flow.ORDER_INTAKE,
            decide_order(config, self.max_attempts),
            store,
            notify=notify_one,
            doc_types=frozenset({DOC_TYPE}),
        )


class OrderIntakeActor(WorkflowActor):
    """The tree's ``workflow:order_intake`` child."""

    def __init__(self, flow: OrderIntake, *, nursery: trio.Nursery | None = None) -> None:
        super().__init__(flow, nursery=nursery)
