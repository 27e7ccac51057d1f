"""Deciding and recording how a unit of deliveries ended: ack, retry, dead letter, hand-back.

The outcome half of :class:`gateway.delivery_engine.OdooDelivery`, kept apart so the loop
reads on its own. :meth:`DeliveryOutcomes._plan` turns what Odoo answered for one row into a
:class:`Settlement`; :meth:`DeliveryOutcomes._settle` writes a unit's settlements in one
store transaction, then counts and logs each row. A row the store calls stale is someone
else's now (the rescuer requeued it, or a new claim took it): logged, never retried. Every
outcome is counted for /status and reported to ``on_outcome`` as one of :data:`OUTCOMES`.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable, Sequence
from typing import Any

import trio

from actors import CircuitOpen, RetryPolicy
from contracts.errors import DeliveryRejected, RejectedInput, TransientFailure
from edge.odoo import OdooAuthFailed, Outcome
from gateway.delivery_ports import (
    DeliverySettings,
    DeliveryStore,
    PumpRun,
    Settlement,
    error_info,
)
from gateway.log import get_logger
from gateway.store import Delivery, ErrorInfo, OutboxState, StaleClaim, StoreError

__all__ = ["INTERRUPTED", "OUTCOMES", "DeliveryOutcomes", "OutcomeListener"]

log = get_logger("crossdock.delivery")

OUTCOMES = ("delivered", "retried", "dead", "stale", "released")
"""``delivered`` (acked), ``retried`` (retryable), ``dead``, ``stale`` (the claim was lost),
``released`` (handed back untried: the breaker opened as it was being started)."""

INTERRUPTED = ErrorInfo(
    error_class="DeliveryInterrupted",
    message="the delivery was cut short (shutdown or crash); it may or may not have reached "
    "Odoo, and the idempotent write makes the retry safe",
)

OutcomeListener = Callable[[str, Delivery], None]


class DeliveryOutcomes:
    """The outcome methods; :class:`OdooDelivery` provides the state they use."""

    store: DeliveryStore
    settings: DeliverySettings
    retry: RetryPolicy
    rng: random.Random
    wall_clock: Callable[[], float]
    counts: dict[str, int]
    last_error: dict[str, Any] | None
    on_outcome: OutcomeListener | None
    _paused_until: float | None
    _due: list[float]

    def _plan(self, delivery: Delivery, outcome: Outcome | CircuitOpen) -> Settlement:
        """The settlement of one row after Odoo answered ``outcome`` for it."""
        if isinstance(outcome, str):
            return Settlement(delivery, "ok", result=outcome)
        self._note_error(outcome, delivery)
        now = self.wall_clock()
        if isinstance(outcome, CircuitOpen):
            wait = self.settings.idle_max
            if outcome.retry_at is not None:
                wait = max(0.0, outcome.retry_at - trio.current_time())
            info = error_info(outcome, error_class="CircuitOpen")
            return Settlement(delivery, "released", error=info, retry_at=now + wait)
        if isinstance(outcome, OdooAuthFailed):
            retry_at = now + self.settings.auth_pause
            return Settlement(delivery, "auth", error=error_info(outcome), retry_at=retry_at)
        if isinstance(outcome, TransientFailure):
            delay = self.retry.delay(delivery.attempts, self.rng, outcome)
            return Settlement(
                delivery, "transient", error=error_info(outcome), retry_at=now + delay
            )
        if isinstance(outcome, DeliveryRejected | RejectedInput):
            return Settlement(delivery, "rejected", error=error_info(outcome))
        raise TypeError(f"not an outcome: {outcome!r}")  # pragma: no cover - a bug

    async def _settle(
        self, run: PumpRun, plans: Sequence[Settlement], settled: set[int] | None = None
    ) -> None:
        """Write ``plans`` in one transaction, then count and log what each row became."""
        if not plans:
            return
        try:
            states = await self.store.settle(run.claim_token, plans)
        except StoreError as exc:  # closed or failing: the rescuer returns the rows later
            log.warning(
                "delivery_outcomes_not_recorded",
                rows=[p.delivery.outbox_id for p in plans],
                why=sorted({p.why for p in plans}),
                error=str(exc),
            )
            return
        for plan, state in zip(plans, states, strict=True):
            if settled is not None:
                settled.add(plan.delivery.outbox_id)
            self._record(plan, state)

    def _record(self, plan: Settlement, state: OutboxState | StaleClaim) -> None:
        d = plan.delivery
        fields: dict[str, object] = {
            "partner": d.partner, "outbox_id": d.outbox_id, "key": d.idempotency_key,
            "attempt": d.attempts,
        }  # fmt: skip
        if isinstance(state, StaleClaim):
            self._count("stale", d)
            log.info("delivery_claim_lost", state=state.state, **fields)
        elif state is OutboxState.COMPLETED:
            self._count("delivered", d)
            if log.is_enabled_for(10):
                log.debug("delivered", result=plan.result, **fields)
        elif state is OutboxState.RETRYABLE:
            assert plan.retry_at is not None and plan.error is not None
            wait = max(0.0, plan.retry_at - self.wall_clock())
            heapq.heappush(self._due, trio.current_time() + wait)
            self._count("released" if plan.why == "released" else "retried", d)
            log.info(
                "delivery_retry",
                retry_in_s=round(wait, 3),
                why=plan.why,
                error_class=plan.error.error_class,
                error=plan.error.message,
                **fields,
            )
        elif state is OutboxState.DEAD:
            assert plan.error is not None
            self._count("dead", d)
            event = "delivery_rejected" if plan.retry_at is None else "delivery_dead"
            reason = "refused by Odoo" if plan.retry_at is None else "no attempt left"
            error = plan.error
            log.warning(
                event, reason=reason, error_class=error.error_class, error=error.message, **fields
            )

    def _count(self, outcome: str, delivery: Delivery) -> None:
        self.counts[outcome] += 1
        if self.on_outcome is not None:
            self.on_outcome(outcome, delivery)

    def _auth_failed(self, exc: OdooAuthFailed) -> None:
        self._note_error(exc, None)
        self._paused_until = trio.current_time() + self.settings.auth_pause
        log.error(
            "odoo_auth_failed",
            destination=self.settings.destination,
            error=str(exc),
            setting=exc.fields.get("path"),
            requires_operator=True,
            paused_s=self.settings.auth_pause,
            action="check or rotate the Odoo API key; deliveries wait, none is dead-lettered",
        )

    def _note_error(self, exc: BaseException, delivery: Delivery | None) -> None:
        self.last_error = {
            "type": type(exc).__name__,
            "message": str(exc),
            "outbox_id": None if delivery is None else delivery.outbox_id,
            "at": self.wall_clock(),
        }
