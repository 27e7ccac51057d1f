"""What the delivery loop works with: its settings, its two ports, one run's handle.

The ports are narrow on purpose (HOUSE_STYLE: one seam per external system): the loop needs
three operations of the outbox and two of Odoo, so unit tests drive it with small fakes under
trio's MockClock, and the integration tests with the real store and the Odoo simulator.

``settle`` records the outcomes of one unit of work (a batch of orders, or one operation) in
ONE store transaction: every ack and fail in it is fenced on the claim token as usual, and a
row that is no longer ours answers :class:`StaleClaim` without touching the others.

``on_dead(tx, delivery, error)`` (optional) is called inside that same transaction for each
row Odoo refused (it became ``dead`` with no retry time: a business rejection, not a row
that ran out of attempts on transient failures, whose order may yet go through on replay);
the deliveries it returns are enqueued in the transaction too (idempotent on their keys),
and ``on_enqueued(destination)`` is called after the commit for each destination that got
a new row. Order intake uses it to send the partner a rejection acknowledgement
(``gateway.workflows.rejections``) exactly when the dead letter is recorded.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import msgspec
import trio

from edge.odoo import CodeCache, OdooClient, OdooOp, Outcome, apply_many
from gateway.log import get_logger
from gateway.store import (
    Delivery,
    ErrorInfo,
    NewDelivery,
    OutboxState,
    StaleClaim,
    Store,
    Tx,
)

__all__ = [
    "DeadHook",
    "DeliverySettings",
    "DeliveryStore",
    "OdooClientPort",
    "OdooPort",
    "PumpRun",
    "Settlement",
    "StoreOutbox",
    "error_info",
    "new_claim_token",
]

_encode_detail = msgspec.json.Encoder(enc_hook=repr).encode
log = get_logger("crossdock.delivery")

DeadHook = Callable[[Tx, Delivery, ErrorInfo], Sequence[NewDelivery]]
"""``on_dead(tx, delivery, error) -> deliveries``: what else to enqueue when Odoo refused
``delivery`` for good (runs inside the settle transaction; must not do I/O)."""


@dataclass(frozen=True, slots=True)
class Settlement:
    """How one claimed row ends this attempt: acked with ``result``, or failed with ``error``
    (``retryable`` at ``retry_at``; ``dead`` when it is None or no attempt is left)."""

    delivery: Delivery
    why: str
    """``ok``, ``transient``, ``auth``, ``rejected``, ``released`` or ``interrupted``."""
    result: str | None = None
    error: ErrorInfo | None = None
    retry_at: float | None = None


Settled = OutboxState | StaleClaim


class DeliveryStore(Protocol):
    """The outbox as the loop sees it (:class:`StoreOutbox` over the real store)."""

    async def claim(
        self, destination: str, limit: int, claim_token: str, now: float | None = None
    ) -> list[Delivery]: ...

    async def settle(self, claim_token: str, items: Sequence[Settlement]) -> list[Settled]: ...

    async def statistics(self) -> Any: ...


class StoreOutbox:
    """:class:`DeliveryStore` over :class:`gateway.store.Store` (hooks: see the module docs)."""

    def __init__(
        self,
        store: Store,
        *,
        on_dead: DeadHook | None = None,
        on_enqueued: Callable[[str], None] | None = None,
    ) -> None:
        self.store = store
        self.on_dead = on_dead
        self.on_enqueued = on_enqueued

    async def claim(
        self, destination: str, limit: int, claim_token: str, now: float | None = None
    ) -> list[Delivery]:
        return await self.store.claim(destination, limit, claim_token, now)

    async def settle(self, claim_token: str, items: Sequence[Settlement]) -> list[Settled]:
        fresh: set[str] = set()

        def settle(tx: Tx) -> list[Settled]:
            fresh.clear()  # a transaction the writer runs again starts over
            states: list[Settled] = []
            for item in items:
                outbox_id = item.delivery.outbox_id
                try:
                    if item.error is None:
                        tx.ack(outbox_id, claim_token, item.result)
                        states.append(OutboxState.COMPLETED)
                    else:
                        state = tx.fail(outbox_id, claim_token, item.error, item.retry_at)
                        states.append(state)
                        if state is OutboxState.DEAD and item.retry_at is None:
                            fresh.update(self._after_dead(tx, item.delivery, item.error))
                except StaleClaim as exc:  # this row only: the UPDATE matched nothing
                    states.append(exc)
            return states

        states = await self.store.transact(settle)
        if self.on_enqueued is not None:
            for destination in sorted(fresh):
                self.on_enqueued(destination)
        return states

    def _after_dead(self, tx: Tx, delivery: Delivery, error: ErrorInfo) -> set[str]:
        """The hook's deliveries enqueued; the destinations that got a new row."""
        if self.on_dead is None:
            return set()
        try:
            deliveries = list(self.on_dead(tx, delivery, error))
        except Exception:  # a bug of ours: the dead letter is recorded all the same
            log.exception("on_dead_failed", outbox_id=delivery.outbox_id, partner=delivery.partner)
            return set()
        enqueued = tx.enqueue_many(deliveries)
        return {d.destination for d, e in zip(deliveries, enqueued, strict=True) if e.created}

    async def statistics(self) -> Any:
        return await self.store.statistics()


class OdooPort(Protocol):
    """Odoo as the loop sees it: apply operations (outcomes returned), or check it answers."""

    async def apply_many(self, ops: Sequence[OdooOp]) -> list[Outcome]: ...

    async def probe(self) -> None: ...


class OdooClientPort:
    """:class:`OdooPort` over the real client.

    It keeps the customer / product / unit codes it resolved for a minute
    (``edge.odoo.CodeCache``: most orders name the same few, and the lookups were most of
    the Odoo calls of order intake); a stale entry costs one more lookup and ``load``, never
    a wrong record (see there). The cache lives as long as the client, across restarts of
    the delivery actor.
    """

    def __init__(self, client: OdooClient, codes: CodeCache | None = None) -> None:
        self.client = client
        self.codes = CodeCache() if codes is None else codes

    async def apply_many(self, ops: Sequence[OdooOp]) -> list[Outcome]:
        return await apply_many(self.client, ops, codes=self.codes)

    async def probe(self) -> None:
        # Authenticated, cheap, present in every Odoo version, and changes nothing.
        await self.client.call("res.users", "context_get")


@dataclass(frozen=True, kw_only=True)
class DeliverySettings:
    destination: str = "odoo"
    batch_size: int = 50
    """Rows claimed by one statement, at most; their sale orders go to Odoo together."""
    concurrency: int = 4
    """Units of work in flight at once (a batch of orders, or one other operation)."""
    idle_initial: float = 0.05
    idle_max: float = 2.0
    """Seconds between polls when there is nothing to do: doubling from initial to max."""
    auth_pause: float = 30.0
    """Seconds claiming pauses after Odoo refused our credentials, between probes."""
    drain_timeout: float = 10.0
    """On stop, how long deliveries in flight may take to finish before they are cut."""
    release_timeout: float = 2.0
    """How long failing back the rows of one interrupted unit may take (shielded)."""
    status_refresh: float = 5.0
    """Seconds between backlog counts for /status."""

    def __post_init__(self) -> None:
        if self.batch_size < 1 or self.concurrency < 1:
            raise ValueError("batch_size and concurrency must be at least 1")
        if not 0 < self.idle_initial <= self.idle_max:
            raise ValueError("need 0 < idle_initial <= idle_max")


def new_claim_token(destination: str = "odoo") -> str:
    """A claim token for one incarnation of a delivery actor: never reused."""
    return f"{destination}:{uuid.uuid4().hex[:16]}"


class PumpRun:
    """One incarnation's run of the loop: its claim token, its stop flag, its cancel scope."""

    def __init__(self, claim_token: str) -> None:
        self.claim_token = claim_token
        self.draining = False
        self.started = False
        self.scope = trio.CancelScope()
        self.done = trio.Event()
        self.failure: BaseException | None = None


def error_info(exc: BaseException, *, error_class: str | None = None) -> ErrorInfo:
    """What the outbox history keeps of ``exc``: Odoo's error name when it gave one."""
    fields = getattr(exc, "fields", None)
    message = getattr(exc, "message", None)
    name = error_class or getattr(exc, "error_name", None) or type(exc).__name__
    return ErrorInfo(
        error_class=str(name),
        message=message if isinstance(message, str) else str(exc),
        detail=_encode_detail(fields).decode() if isinstance(fields, dict) and fields else None,
    )
