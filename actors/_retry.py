"""Retry policy: exponential backoff with jitter, a classifier hook, and bounded attempts.

The policy only computes: how long to wait before the next attempt (``delay``) and whether
there should be one (``classify``). The outbox uses ``delay`` to set a row's next attempt
time; ``call`` is the small in-process loop for everything else. Randomness comes from an
injected ``random.Random`` so tests (and replays) are deterministic.

Which failures are transient is the caller's knowledge, not ours: ``actors`` cannot import
``contracts``, so the gateway passes ``retry_on(TransientFailure)``. Business rejections are
never retried; cancellation is never retried.
"""

from __future__ import annotations

import enum
import math
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

import trio

__all__ = ["Decision", "Jitter", "RetryPolicy", "exponential", "retry_on"]

T = TypeVar("T")
Classifier = Callable[[BaseException], bool]


def exponential(initial: float, factor: float, cap: float, attempt: int) -> float:
    """``min(cap, initial * factor ** (attempt - 1))`` without overflowing for large attempts."""
    if attempt < 1:
        raise ValueError(f"attempts count from 1, got {attempt}")
    if initial <= 0:
        return 0.0
    if factor > 1 and (attempt - 1) * math.log(factor) >= math.log(cap / initial + 1):
        return cap
    return float(min(cap, initial * factor ** (attempt - 1)))


def retry_on(*types: type[BaseException]) -> Classifier:
    """A classifier that calls an exception transient when it is one of ``types``."""

    def is_transient(error: BaseException) -> bool:
        return isinstance(error, types)

    return is_transient


class Decision(enum.StrEnum):
    RETRY = "retry"
    GIVE_UP = "give_up"


class Jitter(enum.StrEnum):
    NONE = "none"
    """Exactly the exponential delay: synchronised clients retry together. Tests only."""
    FULL = "full"
    """Uniform in ``[0, delay]``: spreads retries best (AWS' recommendation)."""
    EQUAL = "equal"
    """Uniform in ``[delay / 2, delay]``: spread, but never much sooner than planned."""


@dataclass(frozen=True)
class RetryPolicy:
    """``max_attempts`` counts the first try: 5 means one call and at most four retries."""

    initial: float = 0.5
    factor: float = 2.0
    cap: float = 60.0
    max_attempts: int = 5
    jitter: Jitter = Jitter.FULL
    classifier: Classifier = field(default=retry_on(TimeoutError, ConnectionError))

    def __post_init__(self) -> None:
        if self.initial < 0 or self.cap < 0:
            raise ValueError("initial and cap must be >= 0 seconds")
        if self.factor < 1:
            raise ValueError("factor must be >= 1 (delays must not shrink)")
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be >= 1")

    def backoff(self, attempt: int) -> float:
        """The un-jittered delay after failed attempt ``attempt`` (1-based), capped."""
        return exponential(self.initial, self.factor, self.cap, attempt)

    def delay(self, attempt: int, rng: random.Random, error: BaseException | None = None) -> float:
        """Seconds to wait after failed attempt ``attempt`` before the next one.

        A ``retry_after`` attribute on ``error`` (a 429's or 503's Retry-After, in seconds)
        is a floor: the receiver said when it can take more, and it is honoured even above
        ``cap``.
        """
        base = self.backoff(attempt)
        if self.jitter is Jitter.FULL:
            wait = rng.uniform(0.0, base)
        elif self.jitter is Jitter.EQUAL:
            wait = base / 2 + rng.uniform(0.0, base / 2)
        else:
            wait = base
        floor = _retry_after(error)
        return max(wait, floor) if floor is not None else wait

    def classify(self, error: BaseException, attempt: int) -> Decision:
        """Whether to try again after ``error`` ended attempt ``attempt`` (1-based)."""
        if not isinstance(error, Exception):
            return Decision.GIVE_UP  # cancellation, KeyboardInterrupt: never retried
        if attempt >= self.max_attempts:
            return Decision.GIVE_UP
        return Decision.RETRY if self.classifier(error) else Decision.GIVE_UP

    async def call(
        self,
        fn: Callable[[], Awaitable[T]],
        *,
        rng: random.Random,
        on_retry: Callable[[int, BaseException, float], None] | None = None,
    ) -> T:
        """Await ``fn()`` until it succeeds or the policy gives up (the last error is raised).

        ``on_retry(attempt, error, delay)`` is told before each wait, for logging. Waits
        with ``trio.sleep``, so it is cancellable and runs in virtual time under MockClock.
        """
        attempt = 1
        while True:
            try:
                return await fn()
            except Exception as error:
                if self.classify(error, attempt) is Decision.GIVE_UP:
                    error.add_note(f"retry: gave up after {attempt} attempt(s)")
                    raise
                wait = self.delay(attempt, rng, error)
                if on_retry is not None:
                    on_retry(attempt, error, wait)
            await trio.sleep(wait)
            attempt += 1


def _retry_after(error: BaseException | None) -> float | None:
    value = getattr(error, "retry_after", None)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if value > 0 and math.isfinite(value) else None
