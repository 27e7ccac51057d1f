"""TokenBucket: burst, rate, exact waits in virtual time, fairness, cancellation."""

from __future__ import annotations

import pytest
import trio
import trio.testing

from actors import ManualClock, TokenBucket, TokenBucketStatus


def test_a_full_bucket_allows_a_burst_then_refills_at_the_rate() -> None:
    clock = ManualClock()
    bucket = TokenBucket(rate=10, burst=5, clock=clock)
    assert [bucket.try_acquire() for _ in range(6)] == [True] * 5 + [False]
    clock.advance(0.1)
    assert bucket.try_acquire()
    assert not bucket.try_acquire()
    clock.advance(0.25)
    assert bucket.try_acquire(2)
    assert not bucket.try_acquire(0.6)  # half a token left


def test_saved_tokens_never_exceed_the_burst() -> None:
    clock = ManualClock()
    bucket = TokenBucket(rate=10, burst=5, clock=clock)
    assert bucket.try_acquire(5)
    clock.advance(3600)
    assert bucket.status() == TokenBucketStatus(rate=10, burst=5, tokens=5, waiting=0)
    assert bucket.try_acquire(5)
    assert not bucket.try_acquire()


def test_delay_says_how_long_the_tokens_need() -> None:
    clock = ManualClock()
    bucket = TokenBucket(rate=4, burst=2, clock=clock)
    assert bucket.delay(2) == 0
    bucket.try_acquire(2)
    assert bucket.delay() == pytest.approx(0.25)
    assert bucket.delay(2) == pytest.approx(0.5)


async def test_acquire_waits_exactly_the_time_the_tokens_need(
    autojump_clock: trio.testing.MockClock,
) -> None:
    bucket = TokenBucket(rate=2, burst=1)
    start = trio.current_time()
    await bucket.acquire()
    assert trio.current_time() == start  # the first token was saved up
    await bucket.acquire()
    assert trio.current_time() - start == pytest.approx(0.5)


async def test_sustained_throughput_is_the_rate(autojump_clock: trio.testing.MockClock) -> None:
    bucket = TokenBucket(rate=20, burst=10)
    start = trio.current_time()
    for _ in range(210):
        await bucket.acquire()
    # 10 from the burst at once, then 200 at 20 a second.
    assert trio.current_time() - start == pytest.approx(10.0)


async def test_waiters_are_served_in_order_and_try_acquire_does_not_jump_the_queue(
    autojump_clock: trio.testing.MockClock,
) -> None:
    bucket = TokenBucket(rate=1, burst=3)
    assert bucket.try_acquire(3)
    served: list[str] = []

    async def take(label: str, n: float) -> None:
        await bucket.acquire(n)
        served.append(label)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(take, "big", 3)
        await trio.testing.wait_all_tasks_blocked()
        nursery.start_soon(take, "small", 1)
        await trio.testing.wait_all_tasks_blocked()
        assert bucket.status().waiting == 2
        autojump_clock.autojump_threshold = float("inf")  # hold time still for a moment
        autojump_clock.jump(1.5)
        assert not bucket.try_acquire()  # 1.5 tokens there, but "big" queues first
        autojump_clock.autojump_threshold = 0
    assert served == ["big", "small"]


async def test_a_cancelled_waiter_takes_nothing(autojump_clock: trio.testing.MockClock) -> None:
    bucket = TokenBucket(rate=1, burst=2)
    assert bucket.try_acquire(2)
    with trio.move_on_after(1.5) as scope:
        await bucket.acquire(2)
    assert scope.cancelled_caught
    assert bucket.status().waiting == 0
    assert bucket.try_acquire(1.5)


async def test_a_clock_that_does_not_follow_trio_fails_loudly(
    autojump_clock: trio.testing.MockClock,
) -> None:
    bucket = TokenBucket(rate=1, burst=1, clock=ManualClock())
    assert bucket.try_acquire()
    with pytest.raises(RuntimeError, match="does not advance"):
        with trio.fail_after(5):
            await bucket.acquire()


def test_impossible_settings_and_requests_are_refused() -> None:
    with pytest.raises(ValueError):
        TokenBucket(rate=0, burst=1)
    with pytest.raises(ValueError):
        TokenBucket(rate=1, burst=0.5)
    bucket = TokenBucket(rate=1, burst=2, clock=ManualClock())
    with pytest.raises(ValueError):
        bucket.try_acquire(3)
    with pytest.raises(ValueError):
        bucket.try_acquire(0)
