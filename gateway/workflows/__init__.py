"""The workflow actors of DESIGN.md's tree: one per flow, each routing stored documents.

:mod:`gateway.workflows._base` is what they share (decide inside the store's transaction,
then wake the delivering loop); :mod:`gateway.workflows._tree` puts them in the tree.
"""

from gateway.workflows._base import (
    Decide,
    Decision,
    DocumentReady,
    DocumentWorkflow,
    GetWorkflowStatus,
    Hold,
    Refuse,
    Route,
    RoutingOutcome,
    WorkflowActor,
    tell_document_ready,
)
from gateway.workflows._tree import (
    WorkflowContext,
    WorkflowFactory,
    workflow_children,
    workflow_name,
)
from gateway.workflows.inventory import InventoryReports, decide_inventory, watermark_cursor
from gateway.workflows.order_intake import (
    DOC_TYPE,
    OrderIntake,
    OrderIntakeActor,
    decide_order,
    plan_order,
)
from gateway.workflows.receipt import GoodsReceipts, decide_receipt, plan_receipt
from gateway.workflows.shipment import ShipmentConfirmations, decide_shipment, fulfillment_key

__all__ = [
    "DOC_TYPE",
    "Decide",
    "Decision",
    "DocumentReady",
    "DocumentWorkflow",
    "GetWorkflowStatus",
    "GoodsReceipts",
    "Hold",
    "InventoryReports",
    "OrderIntake",
    "OrderIntakeActor",
    "Refuse",
    "Route",
    "RoutingOutcome",
    "ShipmentConfirmations",
    "WorkflowActor",
    "WorkflowContext",
    "WorkflowFactory",
    "decide_inventory",
    "decide_order",
    "decide_receipt",
    "decide_shipment",
    "fulfillment_key",
    "plan_order",
    "plan_receipt",
    "tell_document_ready",
    "watermark_cursor",
    "workflow_children",
    "workflow_name",
]
