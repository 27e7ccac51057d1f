"""Step 3 of DESIGN.md's walk of one order: a stored sales order becomes an Odoo delivery.

::

    flow = OrderIntake(store, config, on_enqueued=lambda: announce(root.ref("odoo")))
    await flow.handle(document_id)      # idempotent: only `new` sales orders move
    await flow.process_pending()        # every `new` sales order (rehydration)

    OrderIntakeActor(flow)              # the tree's "workflow:order_intake" child
    ref.tell_nowait(DocumentReady(document_id))   # what intake tells after record_parsed

The rules (:func:`plan_order`, pure): the document decodes as a ``SalesOrder`` of an
original order; its partner is configured; every line names its product by GTIN or SKU (what
Odoo can find: the barcode or the internal reference) and orders a quantity above 0. A
document that breaks one becomes a dead letter (``kill_document``) whose reason names the
line and the field (``line 2 ($.lines[1].quantity.value): ...``); it is never a crash, and a
replay after a fix (``replay_document``) routes it again.

A document that passes is routed and its :class:`edge.odoo.CreateSaleOrder` enqueued for
``odoo`` in ONE transaction (``route_document``), then the Odoo actor is woken. The op names
the customer and the products by code (:class:`edge.odoo.CustomerCode`,
:class:`edge.odoo.ProductCode`): they are looked up in Odoo when the order is delivered, in the
same attempt as the ``load`` that creates it, so what Odoo does not know becomes a dead
letter of the delivery naming the GTIN or SKU. The customer is the ``res.partner`` whose
``ref`` is the partner id (see docs/configuration.md); the order's external ID comes from
the document's idempotency key (partner + interchange + message reference), so a re-sent
interchange, a redelivery or a replay makes no second order.

Lines carry no price: Odoo prices them from its pricelist, as a distributor expects (the
partner's price stays in the stored document for a person who wants to compare).
"""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from contracts import Flow, SalesOrder, decode_document, idempotency_key
from contracts.documents import DocumentFunction
from edge.odoo import CreateSaleOrder, CustomerCode, OrderLine, ProductCode, encode_op
from gateway.config import Config
from gateway.store import DocumentRecord, NewDelivery, Store, Tx
from gateway.workflows._base import (
    Decide,
    Decision,
    DocumentReady,
    DocumentWorkflow,
    GetWorkflowStatus,
    Refuse,
    Route,
    RoutingOutcome,
    WorkflowActor,
    tell_document_ready,
)

__all__ = [
    "DOC_TYPE",
    "DocumentReady",
    "GetWorkflowStatus",
    "OrderIntake",
    "OrderIntakeActor",
    "RoutingOutcome",
    "decide_order",
    "plan_order",
    "tell_document_ready",
]

DOC_TYPE = "sales_order"
"""The documents this workflow routes (of flow ``order_intake``)."""


def plan_order(document: DocumentRecord, config: Config) -> CreateSaleOrder | str:
    """The Odoo operation for a stored sales order, or the reason it breaks a rule."""
    try:
        partner = config.partner(document.partner)
    except KeyError:
        return f"partner {document.partner!r} is not configured (no [[partners]] entry)"
    try:
        order = decode_document(document.body)
    except msgspec.ValidationError as exc:
        return f"the stored document is not a valid canonical document: {exc}"
    if not isinstance(order, SalesOrder):
        return f"the stored document is a {type(order).__name__}, not a SalesOrder"
    if order.function is not DocumentFunction.ORIGINAL:
        return (
            f"order {order.order_number} ($.function): a '{order.function}' order is not "
            "supported by order intake, only 'original' (handle it in Odoo by hand)"
        )
    lines: list[OrderLine] = []
    for i, line in enumerate(order.lines):
        where = f"line {line.line_no} ($.lines[{i}]"
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
            return f"{where}.product): no GTIN or SKU to find the product in Odoo by" + (
                f" (the partner sent only {sent})" if sent else ""
            )
        quantity = line.quantity.value
        if quantity <= 0:
            return f"{where}.quantity.value): the quantity must be above 0, got {quantity}"
        lines.append(
            OrderLine(
                product=ProductCode(barcode=product.gtin, default_code=product.sku),
                quantity=float(quantity),
            )
        )
    return CreateSaleOrder(
        key=document.idempotency_key,
        partner=CustomerCode(ref=partner.id),
        lines=tuple(lines),
        client_order_ref=order.order_number,
        origin=f"{partner.id} {order.order_number}",
        confirm=partner.confirm_orders,
    )


def decide_order(config: Config, max_attempts: int) -> Decide:
    """The order-intake decision over a stored document (see :func:`plan_order`)."""

    def decide(tx: Tx, document: DocumentRecord) -> Decision:
        plan = plan_order(document, config)
        if isinstance(plan, str):
            return Refuse(plan)
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
    """Order intake over the store; ``on_enqueued()`` is called when Odoo has new work."""

    def __init__(
        self, store: Store, config: Config, *, on_enqueued: Callable[[], None] | None = None
    ) -> None:
        self.config = config
        self.max_attempts = config.odoo.retry.max_attempts

        def notify(destination: str) -> None:
            if on_enqueued is not None and destination == "odoo":
                on_enqueued()

        super().__init__(
            Flow.ORDER_INTAKE,
            decide_order(config, self.max_attempts),
            store,
            notify=notify,
            doc_types=frozenset({DOC_TYPE}),
        )


class OrderIntakeActor(WorkflowActor):
    """The tree's ``workflow:order_intake`` child."""

    def __init__(self, flow: OrderIntake) -> None:
        super().__init__(flow)
