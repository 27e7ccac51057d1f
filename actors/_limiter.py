"""A token bucket per endpoint: ``rate`` tokens a second, at most ``burst`` saved up.

Time comes from the injected clock; waiting uses ``trio.sleep`` for exactly the time the
missing tokens need, so under ``MockClock`` a test sees the bucket's arithmetic, not the
machine's speed. Waiters are served first come, first served (a ``trio.Lock`` is fair), and
``try_acquire`` never jumps that queue: a large request is not starved by small ones.
"""

from __future__ import annotations

import math

import msgspec
import trio

from ._clock import Clock, TrioClock

__all__ = ["TokenBucket", "TokenBucketStatus"]

# Refill arithmetic in floats can leave 0.9999999 tokens after waiting exactly the time one
# token takes; without a tolerance the waiter would sleep a few ulps more, forever.
_EPSILON = 1e-9


class TokenBucketStatus(msgspec.Struct, frozen=True, kw_only=True):
    rate: float
    burst: float
    tokens: float
    """Tokens available now."""
    waiting: int
    """Tasks queued in ``acquire``."""


class TokenBucket:
    """Starts full. ``rate`` is tokens per second of the clock; ``burst`` is the bucket size."""

    def __init__(self, rate: float, burst: float, clock: Clock | None = None) -> None:
        if not (rate > 0 and math.isfinite(rate)):
            raise ValueError(f"rate must be a positive number of tokens a second, got {rate}")
        if not (burst >= 1 and math.isfinite(burst)):
            raise ValueError(f"burst must be at least one token, got {burst}")
        self._rate = float(rate)
        self._burst = float(burst)
        self._clock: Clock = clock if clock is not None else TrioClock()
        self._tokens = self._burst
        self._updated: float | None = None
        self._queue = trio.Lock()

    @property
    def rate(self) -> float:
        return self._rate

    @property
    def burst(self) -> float:
        return self._burst

    def try_acquire(self, n: float = 1) -> bool:
        """Take ``n`` tokens now if they are there and nobody queues before us."""
        self._check(n)
        if self._queue.locked():
            return False
        return self._take(n)

    async def acquire(self, n: float = 1) -> None:
        """Take ``n`` tokens, waiting exactly as long as they need to accumulate.

        Cancellable: a cancelled waiter takes nothing and leaves the queue.
        """
        self._check(n)
        async with self._queue:
            # Holding the queue, nobody else takes tokens (try_acquire defers to us), so one
            # sleep of the computed delay is enough. After it the tokens are taken even if
            # float rounding of a large clock value leaves a sliver missing.
            wait = self.delay(n)
            if wait > 0:
                before = self._clock.now()
                await trio.sleep(wait)
                if self._clock.now() <= before:
                    raise RuntimeError(f"{self!r}: its clock does not advance with trio's")
                self._refill()
            self._tokens = max(0.0, self._tokens - n)

    def delay(self, n: float = 1) -> float:
        """Seconds until ``n`` tokens will be available (0 when they are now)."""
        self._check(n)
        self._refill()
        missing = n - self._tokens
        return 0.0 if missing <= _EPSILON else missing / self._rate

    def status(self) -> TokenBucketStatus:
        self._refill()
        stats = self._queue.statistics()
        waiting = stats.tasks_waiting + (1 if stats.locked else 0)
        return TokenBucketStatus(
            rate=self._rate, burst=self._burst, tokens=self._tokens, waiting=waiting
        )

    def _take(self, n: float) -> bool:
        self._refill()
        if self._tokens + _EPSILON < n:
            return False
        self._tokens = max(0.0, self._tokens - n)
        return True

    def _refill(self) -> None:
        now = self._clock.now()
        if self._updated is not None and now > self._updated:
            self._tokens = min(self._burst, self._tokens + (now - self._updated) * self._rate)
        if self._updated is None or now > self._updated:
            self._updated = now

    def _check(self, n: float) -> None:
        if not (0 < n <= self._burst):
            raise ValueError(f"can only take 0 < n <= burst ({self._burst}) tokens, got {n}")

    def __repr__(self) -> str:
        return f"<TokenBucket rate={self._rate}/s burst={self._burst}>"
