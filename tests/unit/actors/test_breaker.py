"""CircuitBreaker: opening, rejecting, half-open probes, closing, classification, listeners."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
import trio
import trio.testing

from actors import BreakerChange, BreakerState, CircuitBreaker, CircuitOpen, ManualClock


class Transient(Exception):
    pass


class Business(Exception):
    pass


def breaker(clock: ManualClock, **overrides: Any) -> CircuitBreaker:
    settings: dict[str, Any] = {
        "failure_threshold": 3,
        "failure_rate": 0.5,
        "window": 10.0,
        "min_calls": 4,
        "cooldown": 30.0,
        "half_open_max_probes": 1,
    }
    settings.update(overrides)
    return CircuitBreaker("odoo", clock, **settings)


def state(b: CircuitBreaker) -> BreakerState:
    """Read through a call, so the type checker does not pin a property across calls."""
    return b.state


def fail(b: CircuitBreaker, times: int = 1) -> None:
    for _ in range(times):
        b.record_failure(b.allow())


def succeed(b: CircuitBreaker, times: int = 1) -> None:
    for _ in range(times):
        b.record_success(b.allow())


def test_consecutive_failures_open_the_breaker_and_a_success_resets_the_count() -> None:
    clock = ManualClock(100.0)
    b = breaker(clock, min_calls=1000)
    fail(b, 2)
    succeed(b)
    fail(b, 2)
    assert state(b) is BreakerState.CLOSED
    assert b.status().consecutive_failures == 2
    fail(b)
    assert state(b) is BreakerState.OPEN
    status = b.status()
    assert (status.opened_at, status.retry_at, status.times_opened) == (100.0, 130.0, 1)


def test_an_open_breaker_rejects_at_once_with_retry_at() -> None:
    clock = ManualClock(5.0)
    b = breaker(clock)
    fail(b, 3)
    clock.advance(10)
    with pytest.raises(CircuitOpen) as caught:
        b.allow()
    assert (caught.value.breaker, caught.value.retry_at, caught.value.state) == (
        "odoo",
        35.0,
        "open",
    )
    assert b.status().rejections == 1


def test_a_failure_rate_over_the_window_opens_the_breaker() -> None:
    clock = ManualClock()
    b = breaker(clock, failure_threshold=100)
    for _ in range(2):
        succeed(b)
        fail(b)
        clock.advance(1)
    assert state(b) is BreakerState.OPEN  # 2 of 4 calls failed: 50 %
    assert b.status().times_opened == 1


def test_the_rate_needs_min_calls_and_old_calls_leave_the_window() -> None:
    clock = ManualClock()
    b = breaker(clock, failure_threshold=100, min_calls=4)
    fail(b, 3)
    assert state(b) is BreakerState.CLOSED  # 100 % but only 3 calls
    clock.advance(10.5)  # those three slide out of the 10 s window
    succeed(b, 3)
    fail(b)
    status = b.status()
    assert state(b) is BreakerState.CLOSED  # 1 of 4 failed in the window
    assert (status.calls_in_window, status.failure_rate) == (4, 0.25)


def test_after_the_cooldown_the_breaker_half_opens_and_limits_probes() -> None:
    clock = ManualClock()
    b = breaker(clock, half_open_max_probes=2)
    fail(b, 3)
    clock.advance(29.999)
    with pytest.raises(CircuitOpen):
        b.allow()
    clock.advance(0.001)
    assert state(b) is BreakerState.HALF_OPEN
    probes = [b.allow(), b.allow()]
    with pytest.raises(CircuitOpen) as caught:
        b.allow()
    assert (caught.value.state, caught.value.retry_at) == ("half_open", None)
    assert b.status().probes_in_flight == 2
    b.release(probes[0])
    assert b.status().probes_in_flight == 1
    b.allow()  # the released slot is free again


def test_a_probe_success_closes_the_breaker() -> None:
    clock = ManualClock()
    b = breaker(clock)
    fail(b, 3)
    clock.advance(30)
    b.record_success(b.allow())
    status = b.status()
    assert status.state is BreakerState.CLOSED
    assert (status.consecutive_failures, status.calls_in_window, status.retry_at) == (0, 0, None)
    fail(b, 2)
    assert state(b) is BreakerState.CLOSED  # counting starts afresh


def test_a_probe_failure_reopens_the_breaker_for_another_cooldown() -> None:
    clock = ManualClock()
    b = breaker(clock)
    fail(b, 3)
    clock.advance(30)
    b.record_failure(b.allow())
    status = b.status()
    assert status.state is BreakerState.OPEN
    assert (status.opened_at, status.retry_at, status.times_opened) == (30.0, 60.0, 2)


def test_results_of_calls_admitted_before_a_state_change_are_ignored() -> None:
    clock = ManualClock()
    b = breaker(clock)
    slow, slower = b.allow(), b.allow()
    fail(b, 3)
    b.record_success(slow)  # started while closed, finished while open
    assert state(b) is BreakerState.OPEN
    clock.advance(30)
    assert state(b) is BreakerState.HALF_OPEN
    b.record_success(slower)  # not a probe: it proves nothing about the endpoint now
    assert state(b) is BreakerState.HALF_OPEN
    probe = b.allow()
    b.record_failure(slow)  # a second settlement of the same permit does nothing either
    assert b.status().probes_in_flight == 1
    b.record_success(probe)
    assert state(b) is BreakerState.CLOSED


async def test_guard_counts_only_failures_the_caller_classifies_as_transient() -> None:
    b = breaker(ManualClock(), is_failure=lambda e: isinstance(e, Transient))
    for _ in range(10):
        with pytest.raises(Business):
            async with b.guard():
                raise Business("unknown product")
    assert state(b) is BreakerState.CLOSED
    assert (b.status().failures, b.status().successes) == (0, 10)
    for _ in range(3):
        with pytest.raises(Transient):
            async with b.guard():
                raise Transient("503")
    assert state(b) is BreakerState.OPEN
    with pytest.raises(CircuitOpen):
        async with b.guard():
            pytest.fail("an open breaker must not run the block")


async def test_guard_with_its_own_predicate_and_a_cancelled_probe(
    autojump_clock: trio.testing.MockClock,
) -> None:
    b = CircuitBreaker("3pl", failure_threshold=1, cooldown=5)
    with pytest.raises(Business):
        async with b.guard(is_failure=lambda e: isinstance(e, Business)):
            raise Business("counted here on purpose")
    assert state(b) is BreakerState.OPEN
    await trio.sleep(5)  # the default clock is trio's: virtual time drives the cool-down
    with trio.move_on_after(1):
        async with b.guard():
            await trio.sleep_forever()
    status = b.status()
    assert (status.state, status.probes_in_flight) == (BreakerState.HALF_OPEN, 0)
    async with b.guard():
        pass
    assert state(b) is BreakerState.CLOSED


def test_listeners_see_every_state_change_until_they_unsubscribe() -> None:
    clock = ManualClock()
    b = breaker(clock)
    changes: list[BreakerChange] = []
    unsubscribe = b.on_change(changes.append)
    fail(b, 3)
    clock.advance(30)
    assert state(b) is BreakerState.HALF_OPEN
    succeed(b)
    unsubscribe()
    fail(b, 3)
    assert [(c.old, c.new, c.at) for c in changes] == [
        (BreakerState.CLOSED, BreakerState.OPEN, 0.0),
        (BreakerState.OPEN, BreakerState.HALF_OPEN, 30.0),
        (BreakerState.HALF_OPEN, BreakerState.CLOSED, 30.0),
    ]
    assert all(c.name == "odoo" for c in changes)


def test_reset_closes_by_hand_and_status_is_json_able() -> None:
    b = breaker(ManualClock())
    fail(b, 3)
    b.reset()
    assert state(b) is BreakerState.CLOSED
    status = msgspec.json.decode(msgspec.json.encode(b.status()))
    assert status["state"] == "closed" and status["failures"] == 3
    assert status["times_opened"] == 1


def test_impossible_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        breaker(ManualClock(), failure_rate=0)
    with pytest.raises(ValueError):
        breaker(ManualClock(), half_open_max_probes=0)
    with pytest.raises(ValueError):
        breaker(ManualClock(), window=0)
