"""The workflow actors of DESIGN.md's tree: one per flow, each routing stored documents.

Only order intake exists so far (:mod:`gateway.workflows.order_intake`).
"""

from gateway.workflows.order_intake import (
    DOC_TYPE,
    DocumentReady,
    GetWorkflowStatus,
    OrderIntake,
    OrderIntakeActor,
    RoutingOutcome,
    plan_order,
    tell_document_ready,
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
