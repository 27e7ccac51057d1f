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

import enum
import functools
from collections.abc import Callable
from typing import Any

import msgspec

from actors import Actor, ActorRef, ActorStopped, MailboxFull
from contracts import Flow, SalesOrder, decode_document, idempotency_key
from contracts.documents import DocumentFunction
from edge.odoo import CreateSaleOrder, CustomerCode, OrderLine, ProductCode, encode_op
from gateway.config import Config
from gateway.log import get_logger
from gateway.store import (
    DocumentRecord,
    DocumentState,
    IllegalTransition,
    InboundState,
    NewDelivery,
    Store,
    Tx,
)

__all__ = [
    "DOC_TYPE",
    "DocumentReady",
    "GetWorkflowStatus",
    "OrderIntake",
    "OrderIntakeActor",
    "RoutingOutcome",
    "plan_order",
    "tell_document_ready",
]

log = get_logger("crossdock.workflows.order_intake")

DOC_TYPE = "sales_order"
"""The documents this workflow routes (of flow ``order_intake``)."""


class DocumentReady(msgspec.Struct, frozen=True):
    """Document ``document_id`` was stored as ``new``: route it (or refuse it)."""

    document_id: int


class GetWorkflowStatus(msgspec.Struct, frozen=True):
    """Asks the workflow for its counters and last refusal."""


class _Rehydrate(msgspec.Struct, frozen=True):
    """Told to itself on start: route every ``new`` document the store holds."""


class RoutingOutcome(enum.StrEnum):
    ROUTED = "routed"
    DEAD = "dead"
    SKIPPED = "skipped"
    """Not a ``new`` sales order (already routed, someone else's flow, or gone)."""


def tell_document_ready(ref: ActorRef[Any, Any], document_id: int) -> None:
    """Tell the workflow without ever waiting: the document is committed as ``new``, so a
    full mailbox or a stopped actor only means it is routed when the workflow rehydrates."""
    try:
        ref.tell_nowait(DocumentReady(document_id))
    except (MailboxFull, ActorStopped) as exc:
        log.warning("document_ready_not_told", document_id=document_id, why=str(exc))


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


class OrderIntake:
    """The workflow's logic over the store; the actor only feeds it messages."""

    def __init__(
        self, store: Store, config: Config, *, on_enqueued: Callable[[], None] | None = None
    ) -> None:
        self.store = store
        self.config = config
        self.max_attempts = config.odoo.retry.max_attempts
        self.on_enqueued = on_enqueued
        self.counts: dict[str, int] = {o.value: 0 for o in RoutingOutcome}
        self.last_refusal: str | None = None

    async def handle(self, document_id: int) -> RoutingOutcome:
        """Route one document; anything but a ``new`` sales order is left alone."""
        document = await self.store.get_document(document_id)
        if document is None:
            log.warning("workflow_unknown_document", document_id=document_id)
            return self._count(RoutingOutcome.SKIPPED)
        return await self._route(document)

    async def process_pending(self, *, batch: int = 100) -> int:
        """Route every ``new`` sales order, oldest inbound first; returns how many moved."""
        moved, after = 0, 0
        while True:
            last, documents = await self.store.read(
                functools.partial(_pending, limit=batch, after_id=after)
            )
            for document in documents:
                if await self._route(document) is not RoutingOutcome.SKIPPED:
                    moved += 1
            if last is None:
                return moved
            after = last

    async def _route(self, document: DocumentRecord) -> RoutingOutcome:
        if not _ours(document) or document.state is not DocumentState.NEW:
            return self._count(RoutingOutcome.SKIPPED)
        fields = {
            "partner": document.partner,
            "document_id": document.document_id,
            "key": document.idempotency_key,
        }
        plan = plan_order(document, self.config)
        try:
            if isinstance(plan, str):
                await self.store.kill_document(document.document_id, plan)
                self.last_refusal = plan
                log.info("order_refused", **fields, reason=plan)
                return self._count(RoutingOutcome.DEAD)
            enqueued = await self.store.route_document(
                document.document_id,
                NewDelivery(
                    idempotency_key=idempotency_key(document.partner, "odoo", plan.key),
                    destination="odoo",
                    partner=document.partner,
                    flow=str(Flow.ORDER_INTAKE),
                    payload=encode_op(plan),
                    correlation_key=document.correlation_key,
                    max_attempts=self.max_attempts,
                ),
            )
        except IllegalTransition as exc:
            # Moved meanwhile (an operator, a second DocumentReady): where its last
            # transaction left it is all that matters.
            log.warning("order_moved", **fields, why=str(exc))
            return self._count(RoutingOutcome.SKIPPED)
        log.info(
            "order_routed",
            **fields,
            outbox_id=None if enqueued is None else enqueued.outbox_id,
            lines=len(plan.lines),
        )
        if self.on_enqueued is not None:
            self.on_enqueued()
        return self._count(RoutingOutcome.ROUTED)

    def _count(self, outcome: RoutingOutcome) -> RoutingOutcome:
        self.counts[outcome.value] += 1
        return outcome

    def status(self) -> dict[str, Any]:
        return {
            "workflow": str(Flow.ORDER_INTAKE),
            "counts": dict(self.counts),
            "last_refusal": self.last_refusal,
        }


def _ours(document: DocumentRecord) -> bool:
    return document.flow == Flow.ORDER_INTAKE and document.doc_type == DOC_TYPE


def _pending(tx: Tx, *, limit: int, after_id: int) -> tuple[int | None, list[DocumentRecord]]:
    """One page of parsed inbound rows' ``new`` sales orders, and where the next page starts.

    The store lists documents by inbound row, not by state, so rehydration walks the parsed
    rows: enough for one process's history; a state index query belongs in the store.
    """
    rows = tx.list_inbound(InboundState.PARSED, limit=limit, after_id=after_id)
    found = [
        d
        for row in rows
        for d in tx.find_documents(inbound_id=row.inbound_id, limit=10_000)
        if _ours(d) and d.state is DocumentState.NEW
    ]
    return (rows[-1].inbound_id if len(rows) == limit else None), found


WorkflowMessage = DocumentReady | GetWorkflowStatus | _Rehydrate


class OrderIntakeActor(Actor[WorkflowMessage, Any]):
    """One incarnation: rehydrates through its own mailbox, then routes what it is told."""

    def __init__(self, flow: OrderIntake) -> None:
        self.flow = flow

    async def on_start(self) -> None:
        # Through the mailbox, so that start is not held up by a backlog; a full mailbox
        # already holds DocumentReady messages, and the next start rehydrates anyway.
        try:
            self.ref.tell_nowait(_Rehydrate())
        except MailboxFull:
            log.warning("workflow_rehydrate_deferred", workflow=str(Flow.ORDER_INTAKE))

    async def receive(self, message: WorkflowMessage) -> Any:
        match message:
            case DocumentReady(document_id=document_id):
                return await self.flow.handle(document_id)
            case _Rehydrate():
                moved = await self.flow.process_pending()
                log.info("workflow_rehydrated", workflow=str(Flow.ORDER_INTAKE), documents=moved)
                return moved
            case GetWorkflowStatus():
                return self.flow.status()
            case _:
                raise TypeError(f"order intake: unexpected message {message!r}")

    def status(self) -> dict[str, Any]:
        return self.flow.status()
