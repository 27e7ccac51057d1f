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
from gateway.workflows.order_intake import (
    DOC_TYPE,
    OrderIntake,
    OrderIntakeActor,
    decide_order,
    plan_order,
)

__all__ = [
    "DOC_TYPE",
    "Decide",
    "Decision",
    "DocumentReady",
    "DocumentWorkflow",
    "GetWorkflowStatus",
    "Hold",
    "OrderIntake",
    "OrderIntakeActor",
    "Refuse",
    "Route",
    "RoutingOutcome",
    "WorkflowActor",
    "WorkflowContext",
    "WorkflowFactory",
    "decide_order",
    "plan_order",
    "tell_document_ready",
    "workflow_children",
    "workflow_name",
]
