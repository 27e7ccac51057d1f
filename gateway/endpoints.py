"""Endpoint actors: one per trading partner, and one for Odoo (Odoo is a partner too).

Each owns what protects that endpoint: its token bucket and its circuit breaker, so a slow
Odoo cannot take intake down and a dead 3PL cannot slow deliveries to anyone else. The bucket
and the breaker are made once per endpoint and handed to every instance the supervisor starts,
so a crash of the actor does not reset a breaker that is open for good reasons.

The SFTP edge tells a partner's endpoint ``FileArrived`` once a file is committed to the store.
With its :class:`PartnerWork` the endpoint then parses that row (``gateway.intake``: documents
stored, acknowledgement enqueued) and its outbound loop (``gateway.intake_outbound``, a task
beside the actor, as the Odoo delivery's) delivers the partner's outbox rows; on start it
processes every row still ``received`` (the store, not the mailbox, is the truth). Whoever
enqueues rows for ``partner:<id>`` tells it ``FilesAvailable``. An endpoint answers
``GetEndpointStatus`` and reports its limiter and breaker in /status.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

import msgspec
import trio

from actors import (
    Actor,
    ActorStopped,
    ChildSpec,
    CircuitBreaker,
    CircuitOpen,
    Clock,
    MailboxFull,
    Restart,
    TokenBucket,
)
from contracts.errors import TransientFailure
from edge.sftp import PollGuard, PollReport
from gateway.config import BreakerSettings, RateLimit
from gateway.intake import PartnerIntake
from gateway.intake_outbound import PartnerOutbound
from gateway.log import get_logger

__all__ = [
    "Endpoint",
    "EndpointActor",
    "FileArrived",
    "FilesAvailable",
    "GetEndpointStatus",
    "PartnerWork",
    "breaker_guard",
    "endpoint_child",
    "make_breaker",
    "make_limiter",
]


log = get_logger("crossdock.endpoints")


class GetEndpointStatus(msgspec.Struct, frozen=True):
    """Asks an endpoint for its status (the same fields /status shows)."""


class FileArrived(msgspec.Struct, frozen=True):
    """A partner's file is committed to the store as inbound row ``inbound_id``."""

    inbound_id: int


class FilesAvailable(msgspec.Struct, frozen=True):
    """Rows for ``partner:<id>`` were enqueued or replayed: deliver now, not at the next poll."""


class _Rehydrate(msgspec.Struct, frozen=True):
    """Told to itself on start and every ``rehydrate_every`` seconds: process every row
    still ``received`` (a file replayed by ``crossdock inbound replay`` is one)."""


class _LoopFailed:
    """Told by the outbound loop when it crashed: the actor crashes with the same error."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


EndpointMessage = GetEndpointStatus | FileArrived | FilesAvailable | _Rehydrate | _LoopFailed


def make_limiter(settings: RateLimit, clock: Clock | None = None) -> TokenBucket:
    return TokenBucket(rate=settings.rate, burst=settings.burst, clock=clock)


def make_breaker(
    name: str, settings: BreakerSettings, clock: Clock | None = None
) -> CircuitBreaker:
    return CircuitBreaker(
        name,
        clock,
        failure_threshold=settings.failure_threshold,
        failure_rate=settings.failure_rate,
        window=settings.window,
        min_calls=settings.min_calls,
        cooldown=settings.cooldown,
        half_open_max_probes=settings.half_open_probes,
    )


@dataclass(frozen=True)
class Endpoint:
    """What an endpoint actor needs, built once from the configuration."""

    id: str
    kind: str  # "partner" or "odoo"
    role: str
    limiter: TokenBucket
    breaker: CircuitBreaker


@dataclass(frozen=True)
class PartnerWork:
    """What a partner's endpoint works with, made once per partner: its intake, a factory
    of outbound loops (a fresh claim token per incarnation) and the nursery the loops run
    in (it outlives the actor's incarnations; each ``on_stop`` ends its own loop)."""

    intake: PartnerIntake
    outbound: Callable[[], PartnerOutbound]
    nursery: trio.Nursery


class EndpointActor(Actor[EndpointMessage, Any]):
    """A partner's (or Odoo's) endpoint. With its :class:`PartnerWork` it rehydrates on
    start and then every ``rehydrate_every`` seconds (default :attr:`rehydrate_interval`),
    through its mailbox, from a timer in the work's nursery: another process (the CLI) may
    have made rows ``received`` again, and nobody tells this one."""

    rehydrate_interval: float = 30.0
    """Seconds between periodic rehydrations: how long a CLI replay waits at most."""

    def __init__(
        self,
        endpoint: Endpoint,
        work: PartnerWork | None = None,
        *,
        rehydrate_every: float | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.work = work
        self.rehydrate_every = (
            self.rehydrate_interval if rehydrate_every is None else rehydrate_every
        )
        self._rehydrator = trio.CancelScope()
        self._rehydrate_queued = False
        self._rehydrations = 0
        self.files_arrived = 0
        self.last_inbound_id: int | None = None
        self._outbound: PartnerOutbound | None = None
        self._loop_scope = trio.CancelScope()
        self._loop_done = trio.Event()

    async def on_start(self) -> None:
        if self.work is None:
            return
        self._outbound = self.work.outbound()
        await self.work.nursery.start(self._run_outbound, self._outbound)
        if math.isfinite(self.rehydrate_every) and self.rehydrate_every > 0:
            self.work.nursery.start_soon(self._run_rehydrator, self.rehydrate_every)
        # Rehydration goes through the mailbox so that start is not held up by a backlog.
        self._tell_rehydrate()

    async def _run_rehydrator(self, interval: float) -> None:
        with self._rehydrator:
            while True:
                await trio.sleep(interval)
                try:
                    self._tell_rehydrate()
                except ActorStopped:
                    return

    def _tell_rehydrate(self) -> None:
        """Queue one rehydration unless one is queued; a full mailbox skips it (its
        FileArrived messages are the work, and the next interval tries again)."""
        if self._rehydrate_queued:
            return
        with suppress(MailboxFull):
            self.ref.tell_nowait(_Rehydrate())
            self._rehydrate_queued = True

    async def _run_outbound(
        self, outbound: PartnerOutbound, *, task_status: trio.TaskStatus[None]
    ) -> None:
        try:
            with self._loop_scope:
                await outbound.run(task_status=task_status)
        except Exception as exc:
            with suppress(MailboxFull, ActorStopped):  # stopping anyway, or told already
                self.ref.tell_nowait(_LoopFailed(exc))
        finally:
            self._loop_done.set()

    async def on_stop(self) -> None:
        self._rehydrator.cancel()
        if self._outbound is not None:
            self._loop_scope.cancel()
            await self._loop_done.wait()

    async def receive(self, message: EndpointMessage) -> Any:
        match message:
            case GetEndpointStatus():
                return self.status()
            case FileArrived(inbound_id=inbound_id):
                self.files_arrived += 1
                self.last_inbound_id = inbound_id
                log.info("file_arrived", partner=self.endpoint.id, inbound_id=inbound_id)
                if self.work is not None:
                    await self.work.intake.process(inbound_id)
                    self._nudge()
                return None
            case _Rehydrate():
                self._rehydrate_queued = False  # rows made `received` from now: next one
                if self.work is not None:
                    done = await self.work.intake.process_pending()
                    self._rehydrations += 1
                    # The first after start always; a periodic one only when it found work.
                    if done or self._rehydrations == 1:
                        log.info("intake_rehydrated", partner=self.endpoint.id, rows=done)
                    else:
                        log.debug("intake_rehydrated", partner=self.endpoint.id, rows=done)
                    self._nudge()
                return None
            case FilesAvailable():
                self._nudge()
                return None
            case _LoopFailed(error=error):
                raise error
            case _:
                raise TypeError(f"{self.endpoint.id}: unexpected message {message!r}")

    def _nudge(self) -> None:
        if self._outbound is not None:
            self._outbound.nudge()

    def status(self) -> Mapping[str, Any]:
        return {
            "endpoint": self.endpoint.id,
            "kind": self.endpoint.kind,
            "role": self.endpoint.role,
            "breaker": msgspec.to_builtins(self.endpoint.breaker.status()),
            "limiter": msgspec.to_builtins(self.endpoint.limiter.status()),
            "files_arrived": self.files_arrived,
            "last_inbound_id": self.last_inbound_id,
            "intake": None if self.work is None else dict(self.work.intake.counts),
            "outbound": None if self._outbound is None else self._outbound.status(),
        }


def breaker_guard(breaker: CircuitBreaker) -> PollGuard:
    """Run a poll under the partner's breaker: transient failures count; an open breaker is
    a transient failure of its own (the poller logs it and waits for its next interval)."""

    async def guard(poll: Callable[[], Awaitable[PollReport]]) -> PollReport:
        try:
            async with breaker.guard(is_failure=lambda e: isinstance(e, TransientFailure)):
                return await poll()
        except CircuitOpen as exc:
            raise TransientFailure(
                f"{breaker.name}: circuit open, not polling", retry_after=None
            ) from exc

    return guard


def endpoint_child(
    name: str, endpoint: Endpoint, mailbox_capacity: int, work: PartnerWork | None = None
) -> ChildSpec:
    return ChildSpec(
        name=name,
        start=lambda: EndpointActor(endpoint, work),
        restart=Restart.PERMANENT,
        mailbox_capacity=mailbox_capacity,
    )
