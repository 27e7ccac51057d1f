"""The Odoo delivery actor: Odoo is a partner with its own limiter, breaker and outbox queue.

::

    async with open_odoo_delivery(config, store) as odoo:      # the client and the loop's host
        root = Supervisor("root", [..., odoo.child(), ...])     # child "odoo": the actor
        ...
        announce(root.ref("odoo"))                              # after enqueueing odoo rows

Whoever enqueues rows for ``odoo`` (payload: ``edge.odoo.encode_op(op)``; ``max_attempts``:
``[odoo] retry.max_attempts``, since the row's budget, not the policy's, decides when a
transient failure becomes a dead letter) tells the actor :class:`DeliveryAvailable`
(``announce`` does it without ever blocking), so new work starts at once instead of at the
next idle poll.
The actor answers ``GetEndpointStatus`` (as every endpoint does) with its breaker, limiter,
backlog, deliveries in flight, counters and last error; the same fields are its /status node.

Why the loop runs beside the actor rather than in ``receive``: the mailbox must stay
responsive (tells, status asks) while deliveries take seconds, and a timer must wake the loop
when retries fall due. An actor handles one message at a time, so the loop is a task that
each actor incarnation starts in ``on_start`` in the service's nursery and ends in
``on_stop``; if the loop crashes, it tells its actor, which crashes with that error, and the
supervisor decides (restart with backoff, escalate). :class:`OdooDelivery` (limiter, breaker,
counters) is made once, so a restart does not reset a breaker that is open for good reasons.

Stop (shutdown, a sibling's restart): stop claiming, let deliveries in flight finish within
``drain_timeout``, then cut what is left; each cut delivery is failed back as due now (see
``gateway.delivery_engine``). The store is closed only after the tree, so that works.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from typing import Any

import msgspec
import trio

from actors import (
    Actor,
    ActorRef,
    ActorStopped,
    ChildSpec,
    Jitter,
    MailboxFull,
    Restart,
    RetryPolicy,
    retry_on,
)
from contracts.errors import TransientFailure
from edge.odoo import OdooServer, open_odoo_client
from gateway.config import Config, RetrySettings
from gateway.delivery_engine import OdooDelivery
from gateway.delivery_ports import (
    DeadHook,
    DeliverySettings,
    OdooClientPort,
    PumpRun,
    StoreOutbox,
    new_claim_token,
)
from gateway.endpoints import GetEndpointStatus, make_breaker, make_limiter
from gateway.log import get_logger
from gateway.store import Store

__all__ = [
    "DeliveryAvailable",
    "OdooDeliveryActor",
    "OdooDeliveryService",
    "announce",
    "delivery_settings",
    "odoo_server",
    "open_odoo_delivery",
    "retry_policy",
]

log = get_logger("crossdock.delivery")

STOP_MARGIN = 1.0
"""Seconds ``on_stop`` may take beyond draining and failing back what was cut."""


class DeliveryAvailable(msgspec.Struct, frozen=True):
    """Rows for this destination were enqueued or replayed: claim now, not at the next poll."""


class _LoopFailed:
    """Told by the loop's task when it crashed: the actor crashes with the same error."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


DeliveryMessage = DeliveryAvailable | GetEndpointStatus | _LoopFailed


def announce(ref: ActorRef[Any, Any]) -> None:
    """Tell a delivery actor there is work, without ever waiting.

    A full mailbox already holds wake-ups, and a stopped actor finds the rows in the store
    when it starts again: both are fine, so neither is an error for the one who enqueued.
    """
    with suppress(MailboxFull, ActorStopped):
        ref.tell_nowait(DeliveryAvailable())


class OdooDeliveryActor(Actor[DeliveryMessage, Any]):
    """One incarnation: a fresh claim token, the loop in the service's nursery."""

    def __init__(self, engine: OdooDelivery, nursery: trio.Nursery) -> None:
        self.engine = engine
        self._nursery = nursery
        self._run: PumpRun | None = None
        settings = engine.settings
        self.stop_timeout = settings.drain_timeout + settings.release_timeout + STOP_MARGIN

    async def on_start(self) -> None:
        self._run = PumpRun(new_claim_token(self.engine.settings.destination))
        await self._nursery.start(self._loop, self._run)

    async def _loop(self, run: PumpRun, *, task_status: trio.TaskStatus[None]) -> None:
        error: Exception | None = None
        try:
            with run.scope:
                await self.engine.run(run, task_status=task_status)
            if not run.draining and not run.scope.cancelled_caught:
                error = RuntimeError("the delivery loop ended on its own (the store closed?)")
        except Exception as exc:
            if not run.started:
                raise  # nursery.start hands it to on_start: a failed start
            error = exc
            while isinstance(error, ExceptionGroup) and len(error.exceptions) == 1:
                error = error.exceptions[0]  # the workers' nursery wraps a lone bug
        finally:
            run.done.set()
        if error is not None:
            run.failure = error
            try:
                self.ref.tell_nowait(_LoopFailed(error))
            except MailboxFull:
                pass  # the next message handled finds run.failure
            except ActorStopped:
                pass  # stopping anyway

    async def receive(self, message: DeliveryMessage) -> Any:
        run = self._run
        if run is not None and run.failure is not None:
            raise run.failure
        match message:
            case DeliveryAvailable():
                self.engine.nudge()
                return None
            case GetEndpointStatus():
                return self.status()
            case _LoopFailed(error=error):
                raise error
            case _:
                raise TypeError(f"odoo delivery: unexpected message {message!r}")

    async def on_stop(self) -> None:
        run = self._run
        if run is None:
            return
        run.draining = True
        self.engine.nudge()
        with trio.move_on_after(self.engine.settings.drain_timeout):
            await run.done.wait()
        if not run.done.is_set():
            log.warning(
                "delivery_drain_cut",
                destination=self.engine.settings.destination,
                in_flight=self.engine.in_flight,
                drain_timeout_s=self.engine.settings.drain_timeout,
            )
            run.scope.cancel()
            await run.done.wait()

    def status(self) -> dict[str, Any]:
        status = self.engine.status()
        if self._run is not None:
            status["delivery"]["claim"] = self._run.claim_token
        return status


class OdooDeliveryService:
    """What :func:`open_odoo_delivery` yields: the engine, and the tree's child for it."""

    def __init__(self, engine: OdooDelivery, nursery: trio.Nursery) -> None:
        self.engine = engine
        self._nursery = nursery

    def child(self, name: str = "odoo", mailbox_capacity: int = 1000) -> ChildSpec:
        return ChildSpec(
            name=name,
            start=lambda: OdooDeliveryActor(self.engine, self._nursery),
            restart=Restart.PERMANENT,
            mailbox_capacity=mailbox_capacity,
        )


def odoo_server(config: Config) -> OdooServer:
    """The client's settings from ``[odoo]`` (the API key stays a ``Secret``)."""
    odoo = config.odoo
    return OdooServer(
        url=odoo.url,
        database=odoo.database,
        api_key=odoo.api_key,
        login=odoo.login,
        protocol=odoo.protocol,
        timeout=odoo.timeout,
        max_connections=odoo.max_connections,
    )


def retry_policy(settings: RetrySettings) -> RetryPolicy:
    return RetryPolicy(
        initial=settings.initial,
        factor=settings.factor,
        cap=settings.cap,
        max_attempts=settings.max_attempts,
        jitter=Jitter(settings.jitter),
        classifier=retry_on(TransientFailure),
    )


def delivery_settings(config: Config) -> DeliverySettings:
    """Batch and concurrency from ``[odoo]``; the drain fits in the shutdown deadline."""
    odoo = config.odoo
    return DeliverySettings(
        destination="odoo",
        batch_size=odoo.delivery_batch_size,
        concurrency=odoo.delivery_concurrency,
        auth_pause=odoo.breaker.cooldown,
        drain_timeout=min(odoo.timeout, config.gateway.shutdown_deadline / 3),
    )


@asynccontextmanager
async def open_odoo_delivery(
    config: Config,
    store: Store,
    *,
    settings: DeliverySettings | None = None,
    rng: random.Random | None = None,
    on_dead: DeadHook | None = None,
    on_enqueued: Callable[[str], None] | None = None,
) -> AsyncIterator[OdooDeliveryService]:
    """The Odoo client (no request made yet: the gateway starts while Odoo is down) and the
    nursery the delivery actor's loop runs in; both closed on exit, after the tree stopped.

    ``on_dead`` runs in the transaction that records a row Odoo refused and returns more
    deliveries for it (a rejection acknowledgement); ``on_enqueued(destination)`` wakes
    whoever delivers those (see ``gateway.delivery_ports``).
    """
    async with open_odoo_client(odoo_server(config)) as client:
        engine = OdooDelivery(
            StoreOutbox(store, on_dead=on_dead, on_enqueued=on_enqueued),
            OdooClientPort(client),
            limiter=make_limiter(config.odoo.rate_limit),
            breaker=make_breaker("odoo", config.odoo.breaker),
            retry=retry_policy(config.odoo.retry),
            settings=settings or delivery_settings(config),
            rng=rng,
        )
        async with trio.open_nursery() as nursery:
            yield OdooDeliveryService(engine, nursery)
            # The actor's on_stop ended its loop; anything left is cut (and failed back).
            nursery.cancel_scope.cancel()
