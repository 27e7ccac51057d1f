"""The tree's children for the flows that start in Odoo (see ``_tree._FACTORIES``).

``odoo-watch`` polls Odoo and records what it finds (:mod:`gateway.workflows.odoo_watch`);
``workflow:order_ack`` and ``workflow:fulfillment`` route the documents of those flows that
are ``new`` again: dead letters an operator replayed after fixing their cause (the watcher
itself stores and routes in one transaction, so it leaves none ``new``). Each is left out
when the configuration gives it nothing to do.
"""

from __future__ import annotations

from actors import ChildSpec, Restart
from contracts import Flow
from gateway.workflows._base import Decide, DocumentWorkflow, WorkflowActor
from gateway.workflows._tree import WorkflowContext, workflow_name
from gateway.workflows.fulfillment import REQUEST_DOC_TYPE, decide_fulfillment
from gateway.workflows.odoo_watch import WATCH_NAME, OdooWatch, OdooWatchActor
from gateway.workflows.order_ack import ACK_DOC_TYPE, decide_ack

__all__ = ["fulfillment_child", "odoo_watch_child", "order_ack_child"]


def _acks_wanted(ctx: WorkflowContext) -> bool:
    return any(ACK_DOC_TYPE in p.outbound for p in ctx.config.partners)


def odoo_watch_child(ctx: WorkflowContext) -> ChildSpec | None:
    if not _acks_wanted(ctx) and not ctx.config.routing:
        return None
    from gateway.delivery import odoo_server

    watch = OdooWatch(ctx.store, ctx.config, notify=ctx.notify)  # once: breaker and counts
    server = odoo_server(ctx.config)
    return ChildSpec(
        WATCH_NAME,
        lambda: OdooWatchActor(watch, server=server, nursery=ctx.nursery),
        restart=Restart.PERMANENT,
        mailbox_capacity=10,
    )


def order_ack_child(ctx: WorkflowContext) -> ChildSpec | None:
    if not _acks_wanted(ctx):
        return None
    return _replayed_documents_child(ctx, Flow.ORDER_ACK, decide_ack(ctx.config), ACK_DOC_TYPE)


def fulfillment_child(ctx: WorkflowContext) -> ChildSpec | None:
    if not ctx.config.routing:
        return None
    return _replayed_documents_child(
        ctx, Flow.FULFILLMENT, decide_fulfillment(ctx.config), REQUEST_DOC_TYPE
    )


def _replayed_documents_child(
    ctx: WorkflowContext, flow: Flow, decide: Decide, doc_type: str
) -> ChildSpec:
    """``workflow:<flow>``: routes the flow's ``new`` documents of ``doc_type`` (replays)."""
    workflow = DocumentWorkflow(
        flow, decide, ctx.store, notify=ctx.notify, doc_types=frozenset({doc_type})
    )
    return ChildSpec(workflow_name(flow), lambda: WorkflowActor(workflow, nursery=ctx.nursery))
