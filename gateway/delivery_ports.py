"""What the delivery loop works with: its settings, its two ports, one run's handle.

The ports are narrow on purpose (HOUSE_STYLE: one seam per external system): the loop needs
three operations of the outbox and two of Odoo, so unit tests drive it with small fakes under
trio's MockClock, and the integration tests with the real store and the Odoo simulator.

``settle`` records the outcomes of one unit of work (a batch of orders, or one operation) in
ONE store transaction: every ack and fail in it is fenced on the claim token as usual, and a
row that is no longer ours answers :class:`StaleClaim` without touching the others.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import msgspec
import trio

from edge.odoo import OdooClient, OdooOp, Outcome, apply_many
from gateway.store import (
    Delivery,
    ErrorInfo,
    OutboxState,
    StaleClaim,
    Store,
    Tx,
)

__all__ = [
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
    """:class:`DeliveryStore` over :class:`gateway.store.Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def claim(
        self, destination: str, limit: int, claim_token: str, now: float | None = None
    ) -> list[Delivery]:
        return await self.store.claim(destination, limit, claim_token, now)

    async def settle(self, claim_token: str, items: Sequence[Settlement]) -> list[Settled]:
        def settle(tx: Tx) -> list[Settled]:
            states: list[Settled] = []
            for item in items:
                outbox_id = item.delivery.outbox_id
                try:
                    if item.error is None:
                        tx.ack(outbox_id, claim_token, item.result)
                        states.append(OutboxState.COMPLETED)
                    else:
                        states.append(tx.fail(outbox_id, claim_token, item.error, item.retry_at))
                except StaleClaim as exc:  # this row only: the UPDATE matched nothing
                    states.append(exc)
            return states

        return await self.store.transact(settle)

    async def statistics(self) -> Any:
        return await self.store.statistics()


class OdooPort(Protocol):
    """Odoo as the loop sees it: apply operations (outcomes returned), or check it answers."""

    async def apply_many(self, ops: Sequence[OdooOp]) -> list[Outcome]: ...

    async def probe(self) -> None: ...


class OdooClientPort:
    """:class:`OdooPort` over the real client."""

    def __init__(self, client: OdooClient) -> None:
        self.client = client

    async def apply_many(self, ops: Sequence[OdooOp]) -> list[Outcome]:
        return await apply_many(self.client, ops)

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
