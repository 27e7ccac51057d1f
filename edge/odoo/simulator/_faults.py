"""Faults the simulator injects into model calls, by rate or on schedule.

Kinds, and what the client sees:

- ``error_5xx``: an HTML error page with ``error_status`` (503 by default), as a proxy in
  front of busy or restarting Odoo workers answers; nothing is applied;
- ``lock``: a lock conflict, nothing applied: JSON-2 answers 409 ``LockError``; JSON-RPC
  answers 200 with ``ConcurrencyError`` (18+) or ``psycopg2.errors.SerializationFailure``;
- ``rate_limit``: 429 with ``Retry-After: <retry_after>`` (a proxy's limit: Odoo has none);
- ``timeout``: the request is held, unapplied, until the client gives up and disconnects;
- ``drop_after_commit``: the call is applied and committed, then the answer is lost: a 502
  page (``drop_mode="502"``) or the connection cut in the middle of the body (``"abort"``);
- ``session_expired``: JSON-RPC's ``SessionExpiredException`` (code 100), unapplied.

``latency`` is added before every model call. Faults apply to model calls only (JSON-2 calls,
``object`` service calls, ``/web/dataset/call_kw``), not to logins, version queries or the
control endpoints, so a test can always reach the simulator to change them.

Which call gets a fault is deterministic: scheduled faults first (the next ``times`` calls that
match their model / method), then one draw per call from a ``random.Random(seed)`` against
the rates, in the fixed order of :class:`FaultKind`.
"""

from __future__ import annotations

import enum
import random
from collections import Counter
from typing import Annotated, Any, Literal

import msgspec

__all__ = ["FaultKind", "FaultUpdate", "Faults", "ScheduledFault"]

Rate = Annotated[float, msgspec.Meta(ge=0.0, le=1.0)]
Seconds = Annotated[float, msgspec.Meta(ge=0.0)]


class FaultKind(enum.StrEnum):
    ERROR_5XX = "error_5xx"
    LOCK = "lock"
    RATE_LIMIT = "rate_limit"
    TIMEOUT = "timeout"
    DROP_AFTER_COMMIT = "drop_after_commit"
    SESSION_EXPIRED = "session_expired"


class ScheduledFault(msgspec.Struct, kw_only=True):
    kind: FaultKind
    model: str | None = None
    method: str | None = None
    times: Annotated[int, msgspec.Meta(ge=1)] = 1

    def matches(self, model: str, method: str) -> bool:
        return (self.model is None or self.model == model) and (
            self.method is None or self.method == method
        )


class FaultUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A change of fault settings, as ``POST /__sim__/faults`` takes it; absent = unchanged."""

    latency: Seconds | None = None
    rates: dict[FaultKind, Rate] | None = None
    retry_after: Seconds | None = None
    error_status: Annotated[int, msgspec.Meta(ge=500, le=599)] | None = None
    drop_mode: Literal["502", "abort"] | None = None
    seed: int | None = None
    schedule: list[ScheduledFault] | None = None


class Faults:
    """The fault settings of one simulator, and the record of what was injected."""

    def __init__(
        self,
        *,
        latency: float = 0.0,
        rates: dict[FaultKind, float] | None = None,
        retry_after: float = 2.0,
        error_status: int = 503,
        drop_mode: Literal["502", "abort"] = "abort",
        seed: int = 0,
    ) -> None:
        self.latency = latency
        self.rates: dict[FaultKind, float] = dict(rates or {})
        self.retry_after = retry_after
        self.error_status = error_status
        self.drop_mode: Literal["502", "abort"] = drop_mode
        self.seed = seed
        self._rng = random.Random(seed)
        self._scheduled: list[ScheduledFault] = []
        self.injected: Counter[FaultKind] = Counter()

    def schedule(
        self,
        kind: FaultKind | str,
        *,
        model: str | None = None,
        method: str | None = None,
        times: int = 1,
    ) -> None:
        """Inject ``kind`` into the next ``times`` calls of ``model.method`` (None = any)."""
        self._scheduled.append(
            ScheduledFault(kind=FaultKind(kind), model=model, method=method, times=times)
        )

    def apply(self, update: FaultUpdate) -> None:
        if update.latency is not None:
            self.latency = update.latency
        if update.rates is not None:
            self.rates.update(update.rates)
        if update.retry_after is not None:
            self.retry_after = update.retry_after
        if update.error_status is not None:
            self.error_status = update.error_status
        if update.drop_mode is not None:
            self.drop_mode = update.drop_mode
        if update.seed is not None:
            self.seed = update.seed
            self._rng = random.Random(update.seed)
        if update.schedule:
            self._scheduled.extend(update.schedule)

    def clear(self) -> None:
        """No more faults: rates, latency and schedule cleared (the counts are kept)."""
        self.latency = 0.0
        self.rates.clear()
        self._scheduled.clear()

    def pick(self, model: str, method: str) -> FaultKind | None:
        """The fault for this call, if any; consumes a scheduled one or one random draw."""
        for index, planned in enumerate(self._scheduled):
            if planned.matches(model, method):
                planned.times -= 1
                if planned.times == 0:
                    del self._scheduled[index]
                self.injected[planned.kind] += 1
                return planned.kind
        if not any(self.rates.values()):
            return None
        draw = self._rng.random()
        threshold = 0.0
        for kind in FaultKind:
            threshold += self.rates.get(kind, 0.0)
            if draw < threshold:
                self.injected[kind] += 1
                return kind
        return None

    def snapshot(self) -> dict[str, Any]:
        return {
            "latency": self.latency,
            "rates": {str(k): v for k, v in self.rates.items()},
            "retry_after": self.retry_after,
            "error_status": self.error_status,
            "drop_mode": self.drop_mode,
            "seed": self.seed,
            "schedule": [msgspec.to_builtins(s) for s in self._scheduled],
            "injected": {str(k): v for k, v in self.injected.items()},
        }
