"""The workflow children of the tree, one per flow, and what they share.

::

    ctx = WorkflowContext(store, config, notify=wake, nursery=loops)
    children = workflow_children(ctx)      # ChildSpecs "workflow:<flow>", in start order
    workflow_name(Flow.ORDER_INTAKE)        # "workflow:order_intake"

A flow module joins the tree by adding a factory to ``_FACTORIES``: ``factory(ctx)`` returns
its ``ChildSpec`` (named :func:`workflow_name` of its flow when it routes documents, so that
intake's ``DocumentReady`` reaches it) or None when the configuration gives it nothing to do.
``ctx.notify(destination)`` wakes whoever delivers ``odoo`` or ``partner:<id>`` rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import trio

from actors import ChildSpec
from contracts import Flow
from gateway.config import Config
from gateway.store import Store

__all__ = ["WorkflowContext", "WorkflowFactory", "workflow_children", "workflow_name"]


@dataclass(frozen=True)
class WorkflowContext:
    store: Store
    config: Config
    notify: Callable[[str], None]
    """A delivery was enqueued for ``odoo`` or ``partner:<id>``: wake its loop."""
    nursery: trio.Nursery | None = None
    """Outlives the actors' incarnations: timers and pollers run here (None in unit tests)."""


WorkflowFactory = Callable[[WorkflowContext], ChildSpec | None]


def workflow_name(flow: Flow | str) -> str:
    return f"workflow:{flow}"


def _order_intake(ctx: WorkflowContext) -> ChildSpec:
    from gateway.workflows.order_intake import OrderIntake, OrderIntakeActor

    flow = OrderIntake(ctx.store, ctx.config, notify=ctx.notify)
    return ChildSpec(
        workflow_name(Flow.ORDER_INTAKE),
        lambda: OrderIntakeActor(flow, nursery=ctx.nursery),
        mailbox_capacity=1000,
    )


def _odoo_watch(ctx: WorkflowContext) -> ChildSpec | None:
    from gateway.workflows._odoo_flows import odoo_watch_child

    return odoo_watch_child(ctx)


def _order_ack(ctx: WorkflowContext) -> ChildSpec | None:
    from gateway.workflows._odoo_flows import order_ack_child

    return order_ack_child(ctx)


def _fulfillment(ctx: WorkflowContext) -> ChildSpec | None:
    from gateway.workflows._odoo_flows import fulfillment_child

    return fulfillment_child(ctx)


_FACTORIES: list[WorkflowFactory] = [_order_intake]
_FACTORIES += [_order_ack, _fulfillment, _odoo_watch]


def _shipment_confirmation(ctx: WorkflowContext) -> ChildSpec | None:
    from gateway.workflows.shipment import shipment_child

    return shipment_child(ctx)


def _receipt(ctx: WorkflowContext) -> ChildSpec | None:
    from gateway.workflows.receipt import receipt_child

    return receipt_child(ctx)


def _inventory(ctx: WorkflowContext) -> ChildSpec | None:
    from gateway.workflows.inventory import inventory_child

    return inventory_child(ctx)


_FACTORIES += [_shipment_confirmation, _receipt, _inventory]


def workflow_children(ctx: WorkflowContext) -> list[ChildSpec]:
    return [spec for factory in _FACTORIES if (spec := factory(ctx)) is not None]
