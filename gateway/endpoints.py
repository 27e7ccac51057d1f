"""Endpoint actors: one per trading partner, and one for Odoo (Odoo is a partner too).

Each owns what protects that endpoint: its token bucket and its circuit breaker, so a slow
Odoo cannot take intake down and a dead 3PL cannot slow deliveries to anyone else. The bucket
and the breaker are made once per endpoint and handed to every instance the supervisor starts,
so a crash of the actor does not reset a breaker that is open for good reasons.

The SFTP edge tells a partner's endpoint ``FileArrived`` once a file is committed to the store;
parsing and routing that file join here with the flows. An endpoint answers
``GetEndpointStatus`` and reports its limiter and breaker in /status.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import msgspec

from actors import (
    Actor,
    ChildSpec,
    CircuitBreaker,
    CircuitOpen,
    Clock,
    Restart,
    TokenBucket,
)
from contracts.errors import TransientFailure
from edge.sftp import PollGuard, PollReport
from gateway.config import BreakerSettings, RateLimit
from gateway.log import get_logger

__all__ = [
    "Endpoint",
    "EndpointActor",
    "FileArrived",
    "GetEndpointStatus",
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


EndpointMessage = GetEndpointStatus | FileArrived


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


class EndpointActor(Actor[EndpointMessage, Any]):
    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self.files_arrived = 0
        self.last_inbound_id: int | None = None

    async def receive(self, message: EndpointMessage) -> Any:
        match message:
            case GetEndpointStatus():
                return self.status()
            case FileArrived(inbound_id=inbound_id):
                # Parsing and routing join here with the flows; until then the row waits in
                # the store as `received`, where a restarted actor will find it.
                self.files_arrived += 1
                self.last_inbound_id = inbound_id
                log.info("file_arrived", partner=self.endpoint.id, inbound_id=inbound_id)
                return None
            case _:
                raise TypeError(f"{self.endpoint.id}: unexpected message {message!r}")

    def status(self) -> Mapping[str, Any]:
        return {
            "endpoint": self.endpoint.id,
            "kind": self.endpoint.kind,
            "role": self.endpoint.role,
            "breaker": msgspec.to_builtins(self.endpoint.breaker.status()),
            "limiter": msgspec.to_builtins(self.endpoint.limiter.status()),
            "files_arrived": self.files_arrived,
            "last_inbound_id": self.last_inbound_id,
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


def endpoint_child(name: str, endpoint: Endpoint, mailbox_capacity: int) -> ChildSpec:
    return ChildSpec(
        name=name,
        start=lambda: EndpointActor(endpoint),
        restart=Restart.PERMANENT,
        mailbox_capacity=mailbox_capacity,
    )
