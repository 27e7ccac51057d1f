"""Endpoint actors: one per trading partner, and one for Odoo (Odoo is a partner too).

Each owns what protects that endpoint: its token bucket and its circuit breaker, so a slow
Odoo cannot take intake down and a dead 3PL cannot slow deliveries to anyone else. The bucket
and the breaker are made once per endpoint and handed to every instance the supervisor starts,
so a crash of the actor does not reset a breaker that is open for good reasons.

The flows of later issues (files arriving, deliveries to claim) send their messages here; for
now an endpoint answers ``GetEndpointStatus`` and reports its limiter and breaker in /status.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import msgspec

from actors import (
    Actor,
    ChildSpec,
    CircuitBreaker,
    Clock,
    Restart,
    TokenBucket,
)
from gateway.config import BreakerSettings, RateLimit

__all__ = [
    "Endpoint",
    "EndpointActor",
    "GetEndpointStatus",
    "endpoint_child",
    "make_breaker",
    "make_limiter",
]


class GetEndpointStatus(msgspec.Struct, frozen=True):
    """Asks an endpoint for its status (the same fields /status shows)."""


EndpointMessage = GetEndpointStatus


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

    async def receive(self, message: EndpointMessage) -> Any:
        match message:
            case GetEndpointStatus():
                return self.status()
            case _:
                raise TypeError(f"{self.endpoint.id}: unexpected message {message!r}")

    def status(self) -> Mapping[str, Any]:
        return {
            "endpoint": self.endpoint.id,
            "kind": self.endpoint.kind,
            "role": self.endpoint.role,
            "breaker": msgspec.to_builtins(self.endpoint.breaker.status()),
            "limiter": msgspec.to_builtins(self.endpoint.limiter.status()),
        }


def endpoint_child(name: str, endpoint: Endpoint, mailbox_capacity: int) -> ChildSpec:
    return ChildSpec(
        name=name,
        start=lambda: EndpointActor(endpoint),
        restart=Restart.PERMANENT,
        mailbox_capacity=mailbox_capacity,
    )
