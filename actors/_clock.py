"""Injected clocks: the breaker, the limiter, retries and supervisors never read time directly.

Everything here measures *durations* (cool-downs, refill, restart windows), so any clock
that is monotonic and advances in seconds will do. The default reads ``trio.current_time()``,
which is what trio's ``MockClock`` drives in tests; waiting is always done with trio's own
sleeps for a delay computed from the injected clock, so a clock that does not advance with
trio's (``ManualClock``) suits only the non-waiting parts (``allow``, ``try_acquire``).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import trio

__all__ = ["Clock", "ManualClock", "TrioClock"]


@runtime_checkable
class Clock(Protocol):
    """A source of monotonic time in seconds."""

    def now(self) -> float: ...


class TrioClock:
    """Reads trio's clock, so ``MockClock`` / ``autojump_clock`` drive it in tests."""

    __slots__ = ()

    def now(self) -> float:
        return trio.current_time()

    def __repr__(self) -> str:
        return "TrioClock()"


class ManualClock:
    """A clock that moves only when told: for synchronous tests of breakers and limiters."""

    __slots__ = ("_now",)

    def __init__(self, start: float = 0.0) -> None:
        self._now = float(start)

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        """Move time forward; time never goes back, so a negative step is a bug."""
        if seconds < 0:
            raise ValueError(f"a clock cannot go back ({seconds} s)")
        self._now += seconds

    def __repr__(self) -> str:
        return f"ManualClock(now={self._now})"
