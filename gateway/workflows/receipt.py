"""A 3PL's goods receipt (X12 944, EDIFACT RECADV) validates the incoming picking in Odoo.

::

    flow = GoodsReceipts(store, config, notify=wake)
    await flow.handle(document_id)

The receipt names what it received against: the purchase order (``order_number``: the
incoming picking whose ``origin`` it is) or, without one, the advance ship notice
(``asn_number``: taken as the picking's name). With neither there is nothing to validate,
and the receipt is refused saying so. One :class:`edge.odoo.ValidatePicking` (``kind``
incoming) carries the received quantities summed per product; less than expected leaves a
backorder in Odoo. Its key is ``idempotency_key(<3pl>, "odoo", "receive", <order or ASN>)``,
so a repeated receipt enqueues nothing new, and the op is a no-op on a done picking.

Gap (said plainly): the op selects the order's *original* picking, so a second receipt
against the same order (the backorder arriving later) is not validated by this flow; it is
routed with no new delivery and the backorder is received in Odoo by hand.
"""

from __future__ import annotations

from collections.abc import Callable

from actors import ChildSpec
from contracts import Flow, GoodsReceipt, idempotency_key
from edge.odoo import DoneQuantity, ValidatePicking
from gateway.config import Config
from gateway.store import DocumentRecord, Store, Tx
from gateway.workflows._base import (
    Decide,
    Decision,
    DocumentWorkflow,
    Refuse,
    Route,
    WorkflowActor,
)
from gateway.workflows._lines import (
    decode_as,
    odoo_delivery,
    partner_of,
    product_code,
    sum_per_product,
)
from gateway.workflows._tree import WorkflowContext, workflow_name

__all__ = ["RECEIPT_DOC_TYPE", "GoodsReceipts", "decide_receipt", "plan_receipt", "receipt_child"]

RECEIPT_DOC_TYPE = "goods_receipt"


def plan_receipt(document: DocumentRecord, config: Config) -> tuple[str, ValidatePicking] | str:
    """(the picking reference keyed on, the op) for a stored receipt, or the refusal."""
    partner = partner_of(document, config)
    if isinstance(partner, str):
        return partner
    receipt = decode_as(document, GoodsReceipt)
    if isinstance(receipt, str):
        return receipt
    if receipt.order_number is None and receipt.asn_number is None:
        return (
            f"receipt {receipt.receipt_id} ($.order_number, $.asn_number): names neither the "
            "order nor the ASN it received against, so no picking can be validated"
        )
    if not receipt.lines:
        return f"receipt {receipt.receipt_id} ($.lines): no lines, nothing to validate"
    sums = sum_per_product(
        (line.line_no, i, line.product, line.received.value) for i, line in enumerate(receipt.lines)
    )
    if isinstance(sums, str):
        return sums
    quantities = tuple(
        DoneQuantity(product=product_code(key), quantity=float(quantity))
        for key, quantity in sums.items()
    )
    if receipt.order_number is not None:
        op = ValidatePicking(origin=receipt.order_number, kind="incoming", quantities=quantities)
        return receipt.order_number, op
    assert receipt.asn_number is not None
    return receipt.asn_number, ValidatePicking(
        name=receipt.asn_number, kind="incoming", quantities=quantities
    )


def decide_receipt(config: Config, max_attempts: int) -> Decide:
    """The goods-receipt decision over a stored document (see :func:`plan_receipt`)."""
    flow = str(Flow.RECEIPT)

    def decide(tx: Tx, document: DocumentRecord) -> Decision:
        plan = plan_receipt(document, config)
        if isinstance(plan, str):
            return Refuse(plan)
        reference, op = plan
        key = idempotency_key(document.partner, "odoo", "receive", reference)
        return Route([odoo_delivery(document, op, key=key, flow=flow, max_attempts=max_attempts)])

    return decide


class GoodsReceipts(DocumentWorkflow):
    """Goods receipts over the store (the tree's ``workflow:receipt``)."""

    def __init__(
        self, store: Store, config: Config, *, notify: Callable[[str], None] | None = None
    ) -> None:
        self.config = config
        super().__init__(
            Flow.RECEIPT,
            decide_receipt(config, config.odoo.retry.max_attempts),
            store,
            notify=notify,
            doc_types=frozenset({RECEIPT_DOC_TYPE}),
        )


def receipt_child(ctx: WorkflowContext) -> ChildSpec | None:
    """The tree's child, when a 3PL is configured (only 3PLs report receipts)."""
    if not any(p.role == "3pl" for p in ctx.config.partners):
        return None
    flow = GoodsReceipts(ctx.store, ctx.config, notify=ctx.notify)
    return ChildSpec(
        workflow_name(Flow.RECEIPT),
        lambda: WorkflowActor(flow, nursery=ctx.nursery),
        mailbox_capacity=1000,
    )
