"""A circuit breaker per endpoint: closed -> open -> half-open -> closed.

* **closed**: calls go through. It opens after ``failure_threshold`` consecutive failures,
  or when, over the last ``window`` seconds, at least ``min_calls`` calls were recorded and
  the share of failures reached ``failure_rate``.
* **open**: ``allow`` raises ``CircuitOpen`` at once, with ``retry_at`` = opened + cooldown.
* **half-open** (the cool-down passed): at most ``half_open_max_probes`` calls at a time go
  through as probes; the first probe success closes the breaker, a probe failure reopens it.

Only failures count: the caller classifies (``is_failure``). A business rejection means the
endpoint is up and answering, so it counts as a *success* for the breaker; a cancelled call
counts as nothing. Results of calls admitted before the last state change are ignored: a
slow call that started while closed must not close a breaker that has since opened.

Time comes only from the injected clock; the breaker never sleeps.
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType

import msgspec

from ._clock import Clock, TrioClock
from ._errors import CircuitOpen

__all__ = ["BreakerChange", "BreakerState", "BreakerStatus", "CircuitBreaker", "Permit"]


class BreakerState(enum.StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class BreakerChange(msgspec.Struct, frozen=True):
    """What listeners are told: which breaker went from what to what, and when."""

    name: str
    old: BreakerState
    new: BreakerState
    at: float


class BreakerStatus(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    state: BreakerState
    consecutive_failures: int
    failure_rate: float
    """Failures / calls over the window (0.0 when no calls)."""
    calls_in_window: int
    opened_at: float | None
    retry_at: float | None
    probes_in_flight: int
    successes: int
    failures: int
    rejections: int
    """Calls refused with ``CircuitOpen``."""
    times_opened: int


@dataclass(eq=False)
class Permit:
    """One admitted call; settle it once with ``record_success/failure`` or ``release``."""

    epoch: int
    probe: bool
    settled: bool = False


def _every_exception(error: BaseException) -> bool:
    return True


class CircuitBreaker:
    def __init__(
        self,
        name: str,
        clock: Clock | None = None,
        *,
        failure_threshold: int = 5,
        failure_rate: float = 0.5,
        window: float = 60.0,
        min_calls: int = 10,
        cooldown: float = 30.0,
        half_open_max_probes: int = 1,
        is_failure: Callable[[BaseException], bool] = _every_exception,
    ) -> None:
        if failure_threshold < 1 or min_calls < 1 or half_open_max_probes < 1:
            raise ValueError("failure_threshold, min_calls and half_open_max_probes must be >= 1")
        if not 0 < failure_rate <= 1:
            raise ValueError(f"failure_rate is a share in (0, 1], got {failure_rate}")
        if window <= 0 or cooldown < 0:
            raise ValueError("window must be > 0 and cooldown >= 0 seconds")
        self.name = name
        self._clock: Clock = clock if clock is not None else TrioClock()
        self.failure_threshold = failure_threshold
        self.failure_rate = failure_rate
        self.window = window
        self.min_calls = min_calls
        self.cooldown = cooldown
        self.half_open_max_probes = half_open_max_probes
        self.is_failure = is_failure
        self._state = BreakerState.CLOSED
        self._epoch = 0
        self._consecutive = 0
        self._calls: deque[tuple[float, bool]] = deque()
        self._window_failures = 0
        self._opened_at: float | None = None
        self._retry_at: float | None = None
        self._probes = 0
        self._successes = self._failures = self._rejections = self._times_opened = 0
        self._listeners: list[Callable[[BreakerChange], None]] = []

    @property
    def state(self) -> BreakerState:
        """The state now; reading it moves an open breaker past its cool-down to half-open."""
        self._refresh()
        return self._state

    def allow(self) -> Permit:
        """Admit a call or raise ``CircuitOpen``; the permit must be settled afterwards."""
        self._refresh()
        if self._state is BreakerState.CLOSED:
            return Permit(self._epoch, probe=False)
        if self._state is BreakerState.HALF_OPEN and self._probes < self.half_open_max_probes:
            self._probes += 1
            return Permit(self._epoch, probe=True)
        self._rejections += 1
        retry_at = self._retry_at if self._state is BreakerState.OPEN else None
        raise CircuitOpen(self.name, retry_at=retry_at, state=self._state.value)

    def record_success(self, permit: Permit) -> None:
        if not self._settle(permit):
            return
        self._successes += 1
        if self._state is BreakerState.HALF_OPEN:
            self._transition(BreakerState.CLOSED)
            return
        self._consecutive = 0
        self._remember(failed=False)

    def record_failure(self, permit: Permit) -> None:
        if not self._settle(permit):
            return
        self._failures += 1
        if self._state is BreakerState.HALF_OPEN:
            self._transition(BreakerState.OPEN)
            return
        self._consecutive += 1
        self._remember(failed=True)
        calls = len(self._calls)
        if self._consecutive >= self.failure_threshold or (
            calls >= self.min_calls and self._window_failures >= self.failure_rate * calls
        ):
            self._transition(BreakerState.OPEN)

    def release(self, permit: Permit) -> None:
        """Settle a permit without an outcome (the call was cancelled or never made)."""
        self._settle(permit)

    def guard(self, is_failure: Callable[[BaseException], bool] | None = None) -> _Guard:
        """``async with breaker.guard():`` around one call; raises ``CircuitOpen`` on entry.

        An exception leaving the block is a failure if ``is_failure`` (or the breaker's own
        predicate) says so, otherwise a success; cancellation settles nothing.
        """
        return _Guard(self, is_failure or self.is_failure)

    def on_change(self, callback: Callable[[BreakerChange], None]) -> Callable[[], None]:
        """Call ``callback`` on every state change; returns a function that unsubscribes."""
        self._listeners.append(callback)

        def unsubscribe() -> None:
            if callback in self._listeners:
                self._listeners.remove(callback)

        return unsubscribe

    def reset(self) -> None:
        """Close the breaker by hand (an operator knows the endpoint is back)."""
        if self._state is not BreakerState.CLOSED:
            self._transition(BreakerState.CLOSED)

    def status(self) -> BreakerStatus:
        self._refresh()
        self._prune(self._clock.now())
        calls = len(self._calls)
        return BreakerStatus(
            name=self.name,
            state=self._state,
            consecutive_failures=self._consecutive,
            failure_rate=self._window_failures / calls if calls else 0.0,
            calls_in_window=calls,
            opened_at=self._opened_at,
            retry_at=self._retry_at,
            probes_in_flight=self._probes,
            successes=self._successes,
            failures=self._failures,
            rejections=self._rejections,
            times_opened=self._times_opened,
        )

    def _settle(self, permit: Permit) -> bool:
        """Mark ``permit`` used; True when its outcome should still count."""
        if permit.settled:
            return False
        permit.settled = True
        if permit.epoch != self._epoch:
            return False
        if permit.probe:
            self._probes -= 1
        return True

    def _remember(self, *, failed: bool) -> None:
        now = self._clock.now()
        self._calls.append((now, failed))
        self._window_failures += failed
        self._prune(now)

    def _prune(self, now: float) -> None:
        horizon = now - self.window
        while self._calls and self._calls[0][0] <= horizon:
            _, failed = self._calls.popleft()
            self._window_failures -= failed

    def _refresh(self) -> None:
        if (
            self._state is BreakerState.OPEN
            and self._retry_at is not None
            and self._clock.now() >= self._retry_at
        ):
            self._transition(BreakerState.HALF_OPEN)

    def _transition(self, new: BreakerState) -> None:
        old, now = self._state, self._clock.now()
        self._state = new
        self._epoch += 1
        self._probes = 0
        if new is BreakerState.OPEN:
            self._times_opened += 1
            self._opened_at, self._retry_at = now, now + self.cooldown
        elif new is BreakerState.CLOSED:
            self._consecutive = 0
            self._calls.clear()
            self._window_failures = 0
            self._opened_at = self._retry_at = None
        change = BreakerChange(self.name, old, new, now)
        for listener in list(self._listeners):
            listener(change)

    def __repr__(self) -> str:
        return f"<CircuitBreaker {self.name!r} {self._state.value}>"


class _Guard:
    __slots__ = ("_breaker", "_is_failure", "_permit")

    def __init__(self, breaker: CircuitBreaker, is_failure: Callable[[BaseException], bool]):
        self._breaker = breaker
        self._is_failure = is_failure
        self._permit: Permit | None = None

    async def __aenter__(self) -> Permit:
        self._permit = self._breaker.allow()
        return self._permit

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._permit is not None
        if exc is None:
            self._breaker.record_success(self._permit)
        elif not isinstance(exc, Exception):
            self._breaker.release(self._permit)
        elif self._is_failure(exc):
            self._breaker.record_failure(self._permit)
        else:
            self._breaker.record_success(self._permit)
