"""A 3PL's goods receipt (X12 944, EDIFACT RECADV) validates the incoming picking in Odoo.

::

    flow = GoodsReceipts(store, config, notify=wake)
    await flow.handle(document_id)

The receipt names what it received against: the purchase order (``order_number``) or,
without one, the advance ship notice (``asn_number``: taken as the picking's name). With
neither there is nothing to validate, and the receipt is refused saying so. The received
quantities are summed per product; less than expected leaves a backorder in Odoo.

Against a purchase order the op is :class:`edge.odoo.ReceiveGoods`: a purchase order
delivered in two shipments has two incoming pickings (the original, then the backorder the
first receipt left), and each receipt must validate its own. The op marks the picking it
takes with the receipt's key before validating it, and a redelivery finds the picking by
that mark, so receipt 1 validates the original, receipt 2 the backorder, and a repeat of
either (or a redelivery after Odoo's answer was lost) changes nothing. By ASN it is a
:class:`edge.odoo.ValidatePicking` of the picking of that name (one picking: no choice to
make, and a done picking is left alone).

The key is per receipt, ``idempotency_key(<3pl>, "odoo", "receive", <receipt id>)``: the
same receipt sent again (another interchange) enqueues nothing new; a second receipt of the
same order is a second op.
"""

from __future__ import annotations

from collections.abc import Callable

from actors import ChildSpec
from contracts import Flow, GoodsReceipt, idempotency_key
from edge.odoo import DoneQuantity, ReceiveGoods, ValidatePicking
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

__all__ = [
    "RECEIPT_DOC_TYPE",
    "GoodsReceipts",
    "ReceiptOp",
    "decide_receipt",
    "plan_receipt",
    "receipt_child",
]

RECEIPT_DOC_TYPE = "goods_receipt"


ReceiptOp = ReceiveGoods | ValidatePicking


def plan_receipt(document: DocumentRecord, config: Config) -> tuple[str, ReceiptOp] | str:
    """(the outbox key, the op) for a stored receipt, or the refusal."""
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
    key = idempotency_key(document.partner, "odoo", "receive", receipt.receipt_id)
    if receipt.order_number is not None:
        return key, ReceiveGoods(key=key, origin=receipt.order_number, quantities=quantities)
    assert receipt.asn_number is not None
    return key, ValidatePicking(name=receipt.asn_number, kind="incoming", quantities=quantities)


def decide_receipt(config: Config, max_attempts: int) -> Decide:
    """The goods-receipt decision over a stored document (see :func:`plan_receipt`)."""
    flow = str(Flow.RECEIPT)

    def decide(tx: Tx, document: DocumentRecord) -> Decision:
        plan = plan_receipt(document, config)
        if isinstance(plan, str):
            return Refuse(plan)
        key, op = plan
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
