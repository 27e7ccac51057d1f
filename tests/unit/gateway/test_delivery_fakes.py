"""Fakes for the delivery loop's two ports: an outbox in a dict, and a scripted Odoo.

No tests here: ``test_delivery.py`` and ``test_delivery_actor.py`` share these. The fake
outbox keeps the real one's rules that the loop relies on (claims take due rows oldest first
and count an attempt; ack and fail are fenced on the claim token; fail with no ``retry_at``,
or with no attempt left, is ``dead``), so a loop that passes here behaves the same on SQLite
(which the integration tests check against the Odoo simulator).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import trio

from actors import CircuitBreaker, Jitter, RetryPolicy, TokenBucket, retry_on
from contracts.errors import DeliveryRejected, RejectedInput, TransientFailure
from edge.odoo import CreateSaleOrder, OdooOp, OrderLine, Outcome, encode_op
from gateway.delivery_engine import OdooDelivery
from gateway.delivery_ports import DeliverySettings, Settlement
from gateway.store import Delivery, ErrorInfo, OutboxState, StaleClaim

Settled = OutboxState | StaleClaim

EPOCH = 1_700_000_000.0


def wall() -> float:
    """The loop's wall clock in tests: trio's (virtual) clock, shifted to look like epoch."""
    return EPOCH + trio.current_time()


@dataclass
class Row:
    outbox_id: int
    key: str
    payload: bytes
    partner: str = "acme-retail"
    state: OutboxState = OutboxState.AVAILABLE
    attempts: int = 0
    max_attempts: int = 8
    run_after: float = 0.0
    claim_token: str | None = None
    result: str | None = None
    history: list[ErrorInfo] = field(default_factory=list)


@dataclass
class Stats:
    outbox_by_destination: dict[str, dict[str, int]]


class FakeOutbox:
    def __init__(self) -> None:
        self.rows: dict[int, Row] = {}
        self.claims: list[tuple[int, float]] = []  # (limit, now) of every claim
        self.crash_on_claim: BaseException | None = None
        self.crash_on_settle: BaseException | None = None
        self.settlements: list[int] = []  # rows per settle call (one transaction each)
        self.stale_acks: set[int] = set()

    def add(self, key: str, payload: bytes | None = None, *, max_attempts: int = 8) -> Row:
        row = Row(len(self.rows) + 1, key, payload or order_payload(key), max_attempts=max_attempts)
        self.rows[row.outbox_id] = row
        return row

    def state(self, outbox_id: int) -> OutboxState:
        return self.rows[outbox_id].state

    async def claim(
        self, destination: str, limit: int, claim_token: str, now: float | None = None
    ) -> list[Delivery]:
        await trio.lowlevel.checkpoint()
        if self.crash_on_claim is not None:
            raise self.crash_on_claim
        at = wall() if now is None else now
        self.claims.append((limit, at))
        due = sorted(
            (r for r in self.rows.values() if r.state in _WAITING and r.run_after <= at),
            key=lambda r: (r.run_after, r.outbox_id),
        )[:limit]
        out = []
        for row in due:
            row.state, row.attempts, row.claim_token = (
                OutboxState.RUNNING,
                row.attempts + 1,
                claim_token,
            )
            out.append(
                Delivery(
                    outbox_id=row.outbox_id, idempotency_key=row.key, destination=destination,
                    partner=row.partner, flow="order_intake", document_id=None,
                    correlation_key=None, payload=row.payload, attempts=row.attempts,
                    max_attempts=row.max_attempts, claim_token=claim_token, claimed_at=at,
                )
            )  # fmt: skip
        return out

    def _owned(self, outbox_id: int, claim_token: str) -> Row:
        row = self.rows[outbox_id]
        if row.state is not OutboxState.RUNNING or row.claim_token != claim_token:
            raise StaleClaim("not ours", outbox_id=outbox_id, claim_token=claim_token,
                             state=str(row.state))  # fmt: skip
        return row

    async def settle(self, claim_token: str, items: Sequence[Settlement]) -> list[Settled]:
        await trio.lowlevel.checkpoint()
        if self.crash_on_settle is not None:
            raise self.crash_on_settle
        self.settlements.append(len(items))
        return [self._settle_one(claim_token, item) for item in items]

    def _settle_one(self, claim_token: str, item: Settlement) -> Settled:
        outbox_id = item.delivery.outbox_id
        if outbox_id in self.stale_acks:
            self.rows[outbox_id].claim_token = "someone-else"
        try:
            row = self._owned(outbox_id, claim_token)
        except StaleClaim as exc:
            return exc
        row.claim_token = None
        if item.error is None:
            row.state, row.result = OutboxState.COMPLETED, item.result
            return row.state
        row.history.append(item.error)
        if item.retry_at is None or row.attempts >= row.max_attempts:
            row.state = OutboxState.DEAD
        else:
            row.state, row.run_after = OutboxState.RETRYABLE, item.retry_at
        return row.state

    async def statistics(self) -> Stats:
        await trio.lowlevel.checkpoint()
        counts: dict[str, int] = {}
        for row in self.rows.values():
            counts[str(row.state)] = counts.get(str(row.state), 0) + 1
        return Stats({"odoo": counts})


_WAITING = (OutboxState.AVAILABLE, OutboxState.RETRYABLE)

Step = BaseException | Callable[[], Any] | None
"""What the fake Odoo does on a call: raise it, await it (a coroutine function), or succeed."""


class FakeOdoo:
    """Applies ``CreateSaleOrder`` ops by key, following a script of outcomes per key."""

    def __init__(self) -> None:
        self.script: dict[str, list[Step]] = {}
        self.probe_script: list[Step] = []
        self.records: dict[str, int] = {}
        self.calls: list[str] = []
        self.probes = 0
        self.in_flight = 0
        self.peak = 0
        self.units: list[int] = []  # ops per apply_many call

    async def _play(self, outcome: Step) -> None:
        if isinstance(outcome, BaseException):
            raise outcome
        if outcome is not None:
            await outcome()

    async def apply_many(self, ops: Sequence[OdooOp]) -> list[Outcome]:
        """Each op's scripted outcome, in order; a raised ``TransientFailure`` (the whole
        call failed) becomes every op's outcome, as ``edge.odoo.apply_many`` answers."""
        self.units.append(len(ops))
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            await trio.lowlevel.checkpoint()
            outcomes: list[Outcome] = []
            for op in ops:
                assert isinstance(op, CreateSaleOrder)
                self.calls.append(op.key)
                steps = self.script.get(op.key)
                try:
                    await self._play(steps.pop(0) if steps else None)
                except (TransientFailure, DeliveryRejected, RejectedInput) as exc:
                    outcomes.append(exc)
                    continue
                record = self.records.setdefault(op.key, len(self.records) + 1)
                outcomes.append(f"sale.order,{record}")
            return outcomes
        finally:
            self.in_flight -= 1

    async def probe(self) -> None:
        self.probes += 1
        await trio.lowlevel.checkpoint()
        await self._play(self.probe_script.pop(0) if self.probe_script else None)


def order_payload(key: str) -> bytes:
    return encode_op(
        CreateSaleOrder(key=key, partner="sim.partner_acme",
                        lines=(OrderLine(product="sim.product_widget", quantity=1),))
    )  # fmt: skip


def make_engine(
    outbox: FakeOutbox,
    odoo: FakeOdoo,
    *,
    concurrency: int = 4,
    batch_size: int = 10,
    failure_threshold: int = 3,
    cooldown: float = 30.0,
    rate: float = 1000.0,
    idle_max: float = 1.0,
    drain_timeout: float = 5.0,
    initial: float = 1.0,
) -> OdooDelivery:
    return OdooDelivery(
        outbox,
        odoo,
        limiter=TokenBucket(rate=rate, burst=max(1.0, rate)),
        breaker=CircuitBreaker(
            "odoo", failure_threshold=failure_threshold, min_calls=1000, cooldown=cooldown
        ),
        retry=RetryPolicy(
            initial=initial,
            factor=2.0,
            cap=60.0,
            max_attempts=8,
            jitter=Jitter.NONE,
            classifier=retry_on(TransientFailure),
        ),
        settings=DeliverySettings(
            batch_size=batch_size,
            concurrency=concurrency,
            idle_initial=min(0.05, idle_max),
            idle_max=idle_max,
            auth_pause=cooldown,
            drain_timeout=drain_timeout,
            release_timeout=1.0,
            status_refresh=0.5,
        ),
        rng=random.Random(7),
        wall_clock=wall,
    )


async def until(
    predicate: Callable[[], bool], *, limit: float = 3600.0, step: float = 0.01
) -> None:
    """Let virtual time pass (autojump clock) until ``predicate`` holds; fail after ``limit``.

    Under the autojump clock a sleep costs no real time: this is a bounded wait on an event
    the fakes cannot signal, not a sleep to synchronise.
    """
    deadline = trio.current_time() + limit
    while not predicate():
        if trio.current_time() > deadline:
            raise AssertionError(f"condition not met within {limit} virtual seconds")
        await trio.sleep(step)


__all__ = [
    "EPOCH",
    "FakeOdoo",
    "FakeOutbox",
    "Row",
    "make_engine",
    "order_payload",
    "until",
    "wall",
]
