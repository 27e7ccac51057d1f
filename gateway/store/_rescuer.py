"""The rescuer: rows stuck ``running`` (their worker died or hung) go back to work.

A claim older than ``horizon`` seconds is presumed lost; its row returns to ``available``
(or ``dead`` when no attempt is left) with a history entry. A late ack from the old claimant
then fails as a :class:`StaleClaim`, so the row is never completed twice by this process;
the idempotent receiver covers a delivery that did reach Odoo before its worker was lost.
"""

from __future__ import annotations

from collections.abc import Callable

import trio

from gateway.log import get_logger
from gateway.store._errors import StoreClosed, StoreUnavailable
from gateway.store._store import Store

__all__ = ["run_rescuer"]

_log = get_logger(__name__)


async def run_rescuer(
    store: Store,
    horizon: float,
    interval: float,
    *,
    report: Callable[[int], None] | None = None,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Every ``interval`` seconds, requeue rows claimed more than ``horizon`` seconds ago.

    Runs until cancelled, or returns when the store closes. ``report`` (for metrics and
    tests) gets the number of rows each pass moved. A store that is busy or failing is
    logged and tried again next interval; anything else is a bug and propagates.
    """
    if horizon <= 0 or interval <= 0:
        raise ValueError("horizon and interval must be positive")
    task_status.started()
    while True:
        try:
            moved = await store.rescue(horizon)
        except StoreClosed:
            return
        except StoreUnavailable as exc:
            _log.warning("outbox_rescue_failed", error=str(exc))
        else:
            if moved:
                _log.warning("outbox_rescued", rows=moved, horizon=horizon)
            if report is not None:
                report(moved)
        await trio.sleep(interval)
