"""RetryPolicy: growing, capped, jittered delays; classification; bounded attempts; call()."""

from __future__ import annotations

import random

import pytest
import trio
import trio.testing
from hypothesis import given
from hypothesis import strategies as st

from actors import Decision, Jitter, RetryPolicy, exponential, retry_on


class Transient(Exception):
    def __init__(self, message: str = "503", retry_after: object = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Business(Exception):
    pass


POLICY = RetryPolicy(initial=1, factor=2, cap=10, max_attempts=5, classifier=retry_on(Transient))


def test_delays_grow_exponentially_and_are_capped() -> None:
    policy = RetryPolicy(initial=1, factor=2, cap=10, jitter=Jitter.NONE)
    rng = random.Random(0)
    assert [policy.delay(a, rng) for a in range(1, 8)] == [1, 2, 4, 8, 10, 10, 10]


def test_huge_attempt_numbers_do_not_overflow() -> None:
    assert exponential(0.5, 2.0, 60.0, 100_000) == 60.0
    assert exponential(0.0, 2.0, 60.0, 3) == 0.0


@given(
    attempt=st.integers(min_value=1, max_value=200),
    initial=st.floats(min_value=0.001, max_value=10),
    factor=st.floats(min_value=1, max_value=5),
    cap=st.floats(min_value=0.001, max_value=3600),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_jitter_stays_within_its_bounds(
    attempt: int, initial: float, factor: float, cap: float, seed: int
) -> None:
    base = min(cap, initial * factor ** min(attempt - 1, 2000)) if factor > 1 else min(cap, initial)
    assert RetryPolicy(initial, factor, cap).backoff(attempt) == pytest.approx(base)
    full = RetryPolicy(initial, factor, cap, jitter=Jitter.FULL)
    equal = RetryPolicy(initial, factor, cap, jitter=Jitter.EQUAL)
    d_full = full.delay(attempt, random.Random(seed))
    d_equal = equal.delay(attempt, random.Random(seed))
    assert 0 <= d_full <= base * (1 + 1e-9)
    assert base / 2 * (1 - 1e-9) <= d_equal <= base * (1 + 1e-9)
    assert d_full <= cap * (1 + 1e-9) and d_equal <= cap * (1 + 1e-9)


@given(
    attempt=st.integers(min_value=1, max_value=30),
    retry_after=st.floats(min_value=0.001, max_value=86_400),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_retry_after_is_a_floor_even_above_the_cap(
    attempt: int, retry_after: float, seed: int
) -> None:
    delay = POLICY.delay(attempt, random.Random(seed), Transient(retry_after=retry_after))
    assert delay >= retry_after
    assert delay == max(retry_after, POLICY.delay(attempt, random.Random(seed)))


def test_only_numeric_positive_retry_after_counts() -> None:
    policy = RetryPolicy(initial=1, factor=2, cap=10, jitter=Jitter.NONE)
    rng = random.Random(0)
    for junk in [None, "30", True, -5, float("nan"), float("inf")]:
        assert policy.delay(1, rng, Transient(retry_after=junk)) == 1


def test_the_same_seed_gives_the_same_delays() -> None:
    first = [POLICY.delay(a, random.Random(42)) for a in range(1, 6)]
    again = [POLICY.delay(a, random.Random(42)) for a in range(1, 6)]
    assert first == again


def test_classify_retries_transient_errors_until_attempts_run_out() -> None:
    assert [POLICY.classify(Transient(), a) for a in range(1, 6)] == [Decision.RETRY] * 4 + [
        Decision.GIVE_UP
    ]
    assert POLICY.classify(Business("unknown product"), 1) is Decision.GIVE_UP
    assert POLICY.classify(BaseExceptionGroup("x", [KeyboardInterrupt()]), 1) is Decision.GIVE_UP
    assert POLICY.classify(KeyboardInterrupt(), 1) is Decision.GIVE_UP


def test_the_default_classifier_retries_timeouts_and_connection_errors_only() -> None:
    policy = RetryPolicy()
    assert policy.classify(TimeoutError(), 1) is Decision.RETRY
    assert policy.classify(ConnectionResetError(), 1) is Decision.RETRY
    assert policy.classify(ValueError(), 1) is Decision.GIVE_UP


async def test_call_retries_in_virtual_time_then_succeeds(
    autojump_clock: trio.testing.MockClock,
) -> None:
    outcomes: list[BaseException | str] = [Transient(), Transient(retry_after=7), "ok"]
    waits: list[float] = []

    async def flaky() -> str:
        outcome = outcomes.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    start = trio.current_time()
    result = await POLICY.call(
        flaky, rng=random.Random(1), on_retry=lambda attempt, error, wait: waits.append(wait)
    )
    assert result == "ok"
    assert len(waits) == 2 and waits[1] >= 7
    assert trio.current_time() - start == pytest.approx(sum(waits))


async def test_call_gives_up_after_max_attempts_with_the_last_error(
    autojump_clock: trio.testing.MockClock,
) -> None:
    calls = 0

    async def down() -> None:
        nonlocal calls
        calls += 1
        raise Transient(f"503 #{calls}")

    with pytest.raises(Transient, match="503 #5") as caught:
        await POLICY.call(down, rng=random.Random(0))
    assert calls == 5
    assert "gave up after 5 attempt(s)" in caught.value.__notes__[-1]


async def test_call_does_not_retry_business_errors() -> None:
    calls = 0

    async def rejected() -> None:
        nonlocal calls
        calls += 1
        raise Business("unknown product")

    with pytest.raises(Business):
        await POLICY.call(rejected, rng=random.Random(0))
    assert calls == 1


def test_impossible_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(factor=0.5)
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError):
        exponential(1, 2, 10, 0)
