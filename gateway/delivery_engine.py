"""The Odoo delivery loop: claim due outbox rows, deliver each once, record what happened.

Step 4 of DESIGN.md's walk of one order. :class:`OdooDelivery` is made once per process and
outlives restarts of the actor that runs it (``gateway.delivery``), so an open breaker, the
limiter's tokens and the counters survive a crash; the *work* lives in the store only, so a
restart (or a kill) loses nothing: rows are where their last transaction left them.

One pass of :meth:`OdooDelivery.run`:

1. **Gate.** An open breaker, or a pause after Odoo refused our credentials, means no claim
   at all until its time has come, so a down Odoo burns no attempts of waiting rows. Then
   one row-less probe (``res.users/context_get``) under a half-open breaker's permit decides
   whether to go on: only Odoo's health is tested, not some unlucky row's attempts.
2. **Claim** up to ``batch_size`` due rows in one statement, under this incarnation's claim
   token, once a unit slot is free (at most ``concurrency`` units in flight).
3. **Deliver** by units: the sale orders of a claim go to Odoo together (one external-ID
   lookup and one ``load`` for all: per order, a share of two calls), any other operation
   alone. A unit takes one limiter token and one breaker permit, and its outcomes are
   settled in ONE store transaction: success -> fenced ack with Odoo's reference;
   ``TransientFailure`` -> ``retryable`` at ``now + RetryPolicy.delay`` (jitter, cap,
   ``Retry-After`` as a floor), counted by the breaker unless it says Odoo is fine
   (``MissingRecord``); ``DeliveryRejected`` / ``RejectedInput`` -> ``dead`` at once, with
   Odoo's error name as the error class; ``OdooAuthFailed`` -> the row waits (it is never
   dead-lettered for it), the breaker counts it, and claiming pauses with an error log that
   asks for an operator; ``StaleClaim`` -> logged, the rescuer or a new claim owns the row.
4. **Wait** when there was nothing to claim: until told (``nudge``), until a retry this
   process scheduled falls due, or an idle poll whose interval doubles up to ``idle_max``
   (retries scheduled before a restart, replays made from the CLI are found that way).

A unit whose permit the breaker refuses (it opened while the unit waited for a slot or a
token) is handed back ``retryable`` at the breaker's ``retry_at``. The store has no "release
without an attempt" operation, so this costs those rows the attempt their claim counted.

Stopping: ``PumpRun.draining`` stops claiming; units in flight finish. A unit cut short (the
drain deadline passed, the actor crashed) is failed back explicitly, shielded and bounded, as
``DeliveryInterrupted`` due now: it may or may not have reached Odoo, and the idempotent
write makes either harmless. If even that cannot be written (a SIGKILL), the rows stay
``running`` and the rescuer returns them after its horizon.
"""

from __future__ import annotations

import heapq
import math
import random
import time
from collections.abc import Callable, Sequence
from typing import Any

import msgspec
import trio

from actors import BreakerState, CircuitBreaker, CircuitOpen, RetryPolicy, TokenBucket
from contracts.errors import DeliveryRejected, RejectedInput, TransientFailure
from edge.odoo import (
    ApplyInventory,
    CreateSaleOrder,
    OdooAuthFailed,
    OdooOp,
    Outcome,
    ReceiveGoods,
    SetTracking,
    ValidatePicking,
    decode_op,
)
from gateway.delivery_outcomes import INTERRUPTED, OUTCOMES, DeliveryOutcomes, OutcomeListener
from gateway.delivery_ports import (
    DeliverySettings,
    DeliveryStore,
    OdooPort,
    PumpRun,
    Settlement,
    error_info,
)
from gateway.log import get_logger
from gateway.store import Delivery, StoreClosed, StoreError

__all__ = ["OdooDelivery", "Unit"]

log = get_logger("crossdock.delivery")

Unit = list[tuple[Delivery, OdooOp | RejectedInput]]
"""Rows delivered together: the sale orders of one claim, or one other row."""


def _serial_key(op: OdooOp | RejectedInput) -> tuple[str, str] | None:
    """What an op works on, when two ops of one batch must not run at once."""
    if isinstance(op, ReceiveGoods):
        return ("origin", f"{op.kind}:{op.origin}")
    if isinstance(op, ApplyInventory):  # absolute levels: the later report must land last
        return ("quant", f"{op.product!r}@{op.location!r}")
    if isinstance(op, ValidatePicking | SetTracking):
        for name in ("picking", "order", "origin", "name"):
            value = getattr(op, name)
            if value is not None:
                return (name, str(value))
    return None


class OdooDelivery(DeliveryOutcomes):
    """The delivery loop and everything that must survive the actor's restarts."""

    def __init__(
        self,
        store: DeliveryStore,
        odoo: OdooPort,
        *,
        limiter: TokenBucket,
        breaker: CircuitBreaker,
        retry: RetryPolicy,
        settings: DeliverySettings | None = None,
        rng: random.Random | None = None,
        wall_clock: Callable[[], float] = time.time,
        on_outcome: OutcomeListener | None = None,
    ) -> None:
        self.store = store
        self.odoo = odoo
        self.limiter = limiter
        self.breaker = breaker
        self.retry = retry
        self.settings = settings or DeliverySettings()
        self.rng = rng or random.Random()
        self.wall_clock = wall_clock
        self.on_outcome = on_outcome
        self.counts = dict.fromkeys(OUTCOMES, 0)
        self.in_flight = 0
        self.probes = 0
        self.last_error: dict[str, Any] | None = None
        self.backlog: dict[str, int] = {}
        self.claim_token: str | None = None
        self._backlog_at = -math.inf
        self._paused_until: float | None = None
        self._due: list[float] = []
        self._nudged = trio.Event()

    def nudge(self) -> None:
        """Wake the loop now: rows arrived, a slot freed, or it should stop."""
        self._nudged.set()

    def status(self) -> dict[str, Any]:
        now = trio.current_time()
        paused = None
        if self._paused_until is not None:
            paused = {"reason": "odoo_auth_failed", "for_s": round(self._paused_until - now, 3)}
        age = None if self._backlog_at == -math.inf else round(now - self._backlog_at, 3)
        return {
            "endpoint": self.settings.destination,
            "role": "erp",
            "breaker": msgspec.to_builtins(self.breaker.status()),
            "limiter": msgspec.to_builtins(self.limiter.status()),
            "delivery": {
                "destination": self.settings.destination,
                "in_flight": self.in_flight,
                "concurrency": self.settings.concurrency,
                "batch_size": self.settings.batch_size,
                **self.counts,
                "probes": self.probes,
                "paused": paused,
                "backlog": dict(self.backlog),
                "backlog_age_s": age,
                "last_error": self.last_error,
            },
        }

    # --- the loop ------------------------------------------------------------------------

    async def run(
        self, run: PumpRun, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED
    ) -> None:
        """Claim and deliver until ``run.draining``; returns once the last unit ended."""
        self.claim_token = run.claim_token
        settings = self.settings
        slots = trio.Semaphore(settings.concurrency)
        idle = settings.idle_initial
        async with trio.open_nursery() as workers:
            run.started = True
            task_status.started()
            log.info("delivery_started", destination=settings.destination, claim=run.claim_token)
            while not run.draining:
                if self._nudged.is_set():
                    self._nudged = trio.Event()
                await self._refresh_backlog()
                wait = await self._gate()
                if wait > 0:
                    await self._nap(wait)
                    continue
                if slots.value == 0:
                    await self._nap(math.inf)  # a unit ending nudges
                    continue
                batch = await self._claim(run, settings.batch_size)
                if batch is None:  # the store is gone: we are shutting down
                    break
                if not batch:
                    await self._nap(min(idle, self._until_due()))
                    idle = min(idle * 2, settings.idle_max)
                    continue
                idle = settings.idle_initial
                await self._start(run, workers, slots, self._units(batch))
        log.info("delivery_stopped", destination=settings.destination, claim=run.claim_token)

    async def _nap(self, seconds: float) -> None:
        with trio.move_on_after(seconds):
            await self._nudged.wait()

    def _until_due(self) -> float:
        """Seconds until the next retry this process scheduled falls due (0: one has)."""
        now = trio.current_time()
        passed = False
        while self._due and self._due[0] <= now:
            heapq.heappop(self._due)
            passed = True
        if passed:
            return 0.0
        return self._due[0] - now if self._due else math.inf

    async def _refresh_backlog(self) -> None:
        now = trio.current_time()
        if now - self._backlog_at < self.settings.status_refresh:
            return
        self._backlog_at = now
        try:
            stats = await self.store.statistics()
        except StoreError as exc:
            log.warning("delivery_backlog_unavailable", error=str(exc))
            return
        found = stats.outbox_by_destination.get(self.settings.destination, {})
        self.backlog = {s: int(found.get(s, 0)) for s in ("available", "retryable", "running")}

    async def _gate(self) -> float:
        """Seconds to wait before claiming (0: go), probing Odoo when it is time to."""
        now = trio.current_time()
        if self._paused_until is not None and now < self._paused_until:
            return self._paused_until - now
        state = self.breaker.state
        if state is BreakerState.OPEN:
            retry_at = self.breaker.status().retry_at
            return max(retry_at - now, 1e-3) if retry_at is not None else self.settings.idle_max
        probe = self._paused_until is not None or state is BreakerState.HALF_OPEN
        if probe and not await self._probe():
            now = trio.current_time()
            if self._paused_until is not None and now < self._paused_until:
                return self._paused_until - now
            retry_at = self.breaker.status().retry_at
            # Half-open with the probe slot taken by a unit in flight: its end nudges us.
            return retry_at - now if retry_at is not None and retry_at > now else math.inf
        return 0.0

    async def _probe(self) -> bool:
        """One row-less call under a breaker permit; True when Odoo answered us."""
        try:
            permit = self.breaker.allow()
        except CircuitOpen:
            return False
        self.probes += 1
        try:
            await self.odoo.probe()
        except OdooAuthFailed as exc:
            self.breaker.record_failure(permit)
            self._auth_failed(exc)
            return False
        except TransientFailure as exc:
            self.breaker.record_failure(permit)
            self._note_error(exc, None)
            log.info("odoo_probe_failed", error=str(exc), breaker=str(self.breaker.state))
            return False
        except (DeliveryRejected, RejectedInput) as exc:
            self.breaker.record_success(permit)  # Odoo answered: it is up, and knows us
            self._note_error(exc, None)
        except BaseException:
            self.breaker.release(permit)
            raise
        else:
            self.breaker.record_success(permit)
        if self._paused_until is not None:
            log.warning("odoo_auth_restored", destination=self.settings.destination)
        self._paused_until = None
        log.info("odoo_reachable", breaker=str(self.breaker.state))
        return True

    async def _claim(self, run: PumpRun, limit: int) -> list[Delivery] | None:
        try:
            return await self.store.claim(
                self.settings.destination, limit, run.claim_token, now=self.wall_clock()
            )
        except StoreClosed:
            return None
        except StoreError as exc:  # busy or failing: the next pass tries again
            log.warning("delivery_claim_failed", error=str(exc))
            await self._nap(self.settings.idle_max)
            return []

    @staticmethod
    def _units(batch: Sequence[Delivery]) -> list[Unit]:
        """The batch's units: its new sale orders together (one ``load``); every other op on
        its own, except ops on the same picking (or receipts of the same order, or stock
        levels of the same product and place), which share one unit and so run one after
        the other, in claim order: two receipts of one order must not both pick the same
        open picking, and an older stock level must not land after a newer one."""
        orders: Unit = []
        units: list[Unit] = []
        serial: dict[tuple[str, str], Unit] = {}
        for delivery in batch:
            try:
                op: OdooOp | RejectedInput = decode_op(delivery.payload)
            except RejectedInput as exc:
                op = exc
            if isinstance(op, CreateSaleOrder):
                orders.append((delivery, op))
                continue
            key = _serial_key(op)
            if key is not None and key in serial:
                serial[key].append((delivery, op))
                continue
            unit: Unit = [(delivery, op)]
            units.append(unit)
            if key is not None:
                serial[key] = unit
        return [orders, *units] if orders else units

    async def _start(
        self, run: PumpRun, workers: trio.Nursery, slots: trio.Semaphore, units: list[Unit]
    ) -> None:
        """Start each unit once a slot is free; units never started are handed back."""
        started = 0
        try:
            for unit in units:
                await slots.acquire()
                self.in_flight += len(unit)
                workers.start_soon(self._deliver, run, unit, slots)
                started += 1
        except trio.Cancelled:
            left = [Settlement(d, "interrupted", error=INTERRUPTED, retry_at=self.wall_clock())
                    for unit in units[started:] for d, _ in unit]  # fmt: skip
            with trio.move_on_after(self.settings.release_timeout, shield=True):
                await self._settle(run, left)
            raise

    # --- one unit ------------------------------------------------------------------------

    async def _deliver(self, run: PumpRun, unit: Unit, slots: trio.Semaphore) -> None:
        settled: set[int] = set()
        try:
            await self._attempt(run, unit, settled)
        except BaseException as exc:
            # Cancelled (a stop cut it short): due again now. A bug: on the row's history,
            # with a backoff so its attempts run out instead of looping; then crash.
            bug = isinstance(exc, Exception)
            info = error_info(exc) if bug else INTERRUPTED
            left = [
                Settlement(d, "interrupted", error=info, retry_at=self.wall_clock()
                           + (self.retry.delay(d.attempts, self.rng) if bug else 0.0))
                for d, _ in unit if d.outbox_id not in settled
            ]  # fmt: skip
            with trio.move_on_after(self.settings.release_timeout, shield=True):
                await self._settle(run, left)
            raise
        finally:
            slots.release()
            self.in_flight -= len(unit)
            self.nudge()

    async def _attempt(self, run: PumpRun, unit: Unit, settled: set[int]) -> None:
        plans = [self._plan(d, op) for d, op in unit if isinstance(op, RejectedInput)]
        work = [(d, op) for d, op in unit if not isinstance(op, RejectedInput)]
        if work:
            await self.limiter.acquire()
            try:
                permit = self.breaker.allow()
            except CircuitOpen as exc:
                plans += [self._plan(d, exc) for d, _ in work]
            else:
                try:
                    outcomes = await self.odoo.apply_many([op for _, op in work])
                except BaseException:
                    self.breaker.release(permit)
                    raise
                self._judge(permit, outcomes)
                plans += [self._plan(d, o) for (d, _), o in zip(work, outcomes, strict=True)]
        await self._settle(run, plans, settled)

    def _judge(self, permit: Any, outcomes: Sequence[Outcome]) -> None:
        """One breaker outcome per unit: a failure if Odoo failed us, else a success."""
        auth = next((o for o in outcomes if isinstance(o, OdooAuthFailed)), None)
        failed = auth or next(
            (o for o in outcomes
             if isinstance(o, TransientFailure) and getattr(o, "counts_for_breaker", True)),
            None,
        )  # fmt: skip
        if failed is None:
            self.breaker.record_success(permit)  # business refusals are answers: Odoo is up
        else:
            self.breaker.record_failure(permit)
        if auth is not None:
            self._auth_failed(auth)
