"""Restart intensity, escalation to the parent, and isolation between partners' actors.

The isolation policy these tests pin down (documented on ``SupervisionPolicy``):

* intensity is counted per child, so a crash loop in partner A never uses up a budget that
  partner B shares; B is never stopped or slowed by A's restarts;
* a crash loop whose backoffs outgrow the intensity window goes on forever at the backoff
  cap's pace (A keeps crashing, slowly; status shows it);
* a partner subtree that should rather be parked runs as a TEMPORARY nested supervisor: when
  it gives up, the parent marks it failed and leaves it stopped; its siblings go on.
"""

from __future__ import annotations

from typing import Any

import pytest
import trio
import trio.testing

from actors import (
    Actor,
    ActorStopped,
    ChildSpec,
    ChildState,
    Restart,
    RestartIntensityExceeded,
    SupervisionPolicy,
    Supervisor,
)

from .helpers import Crash, Echo, Ping, Probe, child_status


async def test_exceeding_the_intensity_stops_everything_and_raises(
    autojump_clock: trio.testing.MockClock,
) -> None:
    probe = Probe()
    policy = SupervisionPolicy(max_restarts=2, within=10, backoff_initial=1, backoff_cap=1)
    sup = Supervisor(
        "root",
        [
            ChildSpec("first", probe.service("first")),
            ChildSpec("echo", Echo),
            ChildSpec("loop", probe.service("loop", crash_on_start=1000)),
            ChildSpec("last", probe.service("last")),
        ],
        policy=policy,
    )
    with pytest.raises(RestartIntensityExceeded) as caught, trio.fail_after(600):
        await sup.run()
    error = caught.value
    assert (error.supervisor, error.child, error.restarts, error.within) == ("root", "loop", 2, 10)
    assert isinstance(error.last_error, Crash)
    assert error.__cause__ is error.last_error
    assert probe.events().count(("crash", "loop")) == 3  # two restarts, then it gave up
    assert probe.events()[-2:] == [("stop", "last"), ("stop", "first")]
    assert sup.state is ChildState.FAILED
    assert child_status(sup, "loop").state is ChildState.FAILED
    assert child_status(sup, "first").state is ChildState.STOPPED
    with pytest.raises(ActorStopped, match="gave up"):
        await sup.ref("echo").tell(Ping(1))


async def test_a_nested_supervisor_escalates_to_its_parent(
    autojump_clock: trio.testing.MockClock,
) -> None:
    probe = Probe()
    quick = SupervisionPolicy(max_restarts=2, within=60, backoff_initial=0.5)
    inner = Supervisor(
        "inner", [ChildSpec("loop", probe.service("loop", crash_on_start=1000))], policy=quick
    )
    root = Supervisor(
        "root",
        [ChildSpec("sibling", probe.service("sibling")), ChildSpec("inner", inner)],
        policy=SupervisionPolicy(max_restarts=1, within=60, backoff_initial=0.5),
    )
    with pytest.raises(RestartIntensityExceeded) as caught, trio.fail_after(600):
        await root.run()
    error = caught.value
    assert (error.supervisor, error.child) == ("root", "inner")
    nested_error = error.last_error
    assert isinstance(nested_error, RestartIntensityExceeded)
    assert (nested_error.supervisor, nested_error.child) == ("inner", "loop")
    # inner gave up twice (3 crashes each); root restarted it once, then gave up itself.
    assert probe.events().count(("crash", "loop")) == 6
    assert probe.events().count(("start", "sibling")) == 1  # one-for-one: never touched
    assert probe.events()[-1] == ("stop", "sibling")
    assert child_status(root, "inner").restarts == 1


class Flaky(Actor[Any, Any]):
    """Partner A: every message crashes it (a bug triggered by that partner's data)."""

    async def receive(self, message: Any) -> Any:
        raise Crash(f"cannot handle {message!r}")


class Steady(Actor[Any, Any]):
    """Partner B: each message takes 10 ms of (virtual) work."""

    async def receive(self, message: Any) -> Any:
        await trio.sleep(0.01)
        return message


async def flood(ref: Any) -> None:
    """Keep partner A's mailbox full for as long as it accepts messages."""
    n = 0
    try:
        while True:
            n += 1
            await ref.tell(n)
    except ActorStopped:
        return


async def test_a_crash_looping_partner_never_stalls_another(
    autojump_clock: trio.testing.MockClock,
) -> None:
    # Backoffs 0.5, 1, 1, ... and at most 3 restarts in 2 s: three backoffs (2.5 s) outgrow
    # the window, so A's crash loop never escalates; it goes on at one restart a second.
    policy = SupervisionPolicy(
        max_restarts=3, within=2.0, backoff_initial=0.5, backoff_factor=2, backoff_cap=1.0
    )
    sup = Supervisor(
        "partners",
        [ChildSpec("a", Flaky, mailbox_capacity=8), ChildSpec("b", Steady, mailbox_capacity=8)],
        policy=policy,
    )
    async with trio.open_nursery() as nursery:
        await nursery.start(sup.run)
        nursery.start_soon(flood, sup.ref("a"))
        start = trio.current_time()
        replies = [await sup.ref("b").ask(i) for i in range(1000)]
        elapsed = trio.current_time() - start
        a = child_status(sup, "a")
        b = child_status(sup, "b")
        state = sup.state
        nursery.cancel_scope.cancel()
    assert replies == list(range(1000))
    assert elapsed == pytest.approx(10.0)  # exactly B's own work: A cost it nothing
    assert a.restarts >= 9 and a.last_error.type == "Crash"
    assert a.state in (ChildState.RUNNING, ChildState.RESTARTING)
    assert (b.state, b.restarts, b.last_error) == (ChildState.RUNNING, 0, None)
    assert state is ChildState.RUNNING


async def test_a_partner_subtree_that_gives_up_is_parked_and_the_others_go_on(
    autojump_clock: trio.testing.MockClock,
) -> None:
    partner_a = Supervisor(
        "partner-a",
        [ChildSpec("a", Flaky)],
        policy=SupervisionPolicy(max_restarts=3, within=60, backoff_initial=0.1),
    )
    root = Supervisor(
        "partners",
        [
            ChildSpec("partner-a", partner_a, restart=Restart.TEMPORARY),
            ChildSpec("b", Steady),
        ],
    )
    async with trio.open_nursery() as nursery:
        await nursery.start(root.run)
        nursery.start_soon(flood, partner_a.ref("a"))
        start = trio.current_time()
        replies = [await root.ref("b").ask(i) for i in range(500)]
        elapsed = trio.current_time() - start
        parked = child_status(root, "partner-a")
        healthy = root.tree_healthy()
        nursery.cancel_scope.cancel()
    assert replies == list(range(500))
    assert elapsed == pytest.approx(5.0)
    assert parked.state is ChildState.FAILED
    assert parked.last_error.type == "RestartIntensityExceeded"
    assert healthy  # a parked temporary subtree does not fail readiness; status shows it
    with pytest.raises(ActorStopped):
        partner_a.ref("a").tell_nowait(1)
