"""Supervisor: readiness, strategies, restart types, backoff, shutdown order, status."""

from __future__ import annotations

import functools
import itertools
import logging
from typing import Any

import msgspec
import pytest
import trio
import trio.testing

from actors import (
    ActorStopped,
    ChildKind,
    ChildSpec,
    ChildState,
    Restart,
    Strategy,
    SupervisionPolicy,
    Supervisor,
)

from .helpers import Crash, Echo, Ping, Probe, child_status, running

FAST = SupervisionPolicy(max_restarts=100, within=60.0, backoff_initial=0.0)


def tree(
    probe: Probe, names: str, strategy: Strategy = Strategy.ONE_FOR_ONE, **kw: Any
) -> Supervisor:
    specs = [ChildSpec(name, probe.service(name)) for name in names]
    return Supervisor("root", specs, strategy=strategy, policy=kw.pop("policy", FAST), **kw)


async def test_children_start_in_order_and_started_means_ready(
    autojump_clock: trio.testing.MockClock,
) -> None:
    probe = Probe()
    specs = [
        ChildSpec("a", probe.service("a", ready_after=2)),
        ChildSpec("b", probe.service("b", ready_after=3)),
    ]
    sup = Supervisor("root", specs)
    start = trio.current_time()
    async with trio.open_nursery() as nursery:
        await nursery.start(sup.run)
        assert trio.current_time() - start == pytest.approx(5)
        assert probe.times("start", "a") == [pytest.approx(start + 2)]
        assert probe.times("start", "b") == [pytest.approx(start + 5)]  # only after a was ready
        assert sup.state is ChildState.RUNNING and sup.tree_healthy()
        nursery.cancel_scope.cancel()


async def test_a_nested_supervisor_is_ready_only_when_its_children_are(
    autojump_clock: trio.testing.MockClock,
) -> None:
    probe = Probe()
    inner = Supervisor("inner", [ChildSpec("slow", probe.service("slow", ready_after=7))])
    outer = Supervisor(
        "outer", [ChildSpec("inner", inner), ChildSpec("after", probe.service("after"))]
    )
    start = trio.current_time()
    async with running(outer):
        assert probe.events() == [("start", "slow"), ("start", "after")]
        assert probe.times("start", "after") == [pytest.approx(start + 7)]


async def test_one_for_one_restarts_only_the_crashed_child() -> None:
    probe = Probe()
    async with running(tree(probe, "abc")) as sup:
        mark = len(probe.log)
        probe.kill("b")
        await trio.testing.wait_all_tasks_blocked()
        assert probe.events(mark) == [("crash", "b"), ("start", "b")]
        restarts = {c.name: c.restarts for c in sup.status().children or []}
    assert restarts == {"a": 0, "b": 1, "c": 0}


async def test_a_crash_is_logged_with_its_traceback(caplog: pytest.LogCaptureFixture) -> None:
    probe = Probe()
    with caplog.at_level(logging.INFO, logger="actors.supervisor"):
        async with running(tree(probe, "ab")):
            probe.kill("b")
            await trio.testing.wait_all_tasks_blocked()
    crashed = [r for r in caplog.records if r.getMessage().startswith("child_crashed")]
    assert len(crashed) == 1
    assert "supervisor=root child=b" in crashed[0].getMessage()
    assert crashed[0].exc_info is not None and crashed[0].exc_info[0] is Crash
    assert any(r.getMessage().startswith("child_restarting") for r in caplog.records)


async def test_one_for_all_stops_siblings_in_reverse_and_starts_all_in_order() -> None:
    probe = Probe()
    async with running(tree(probe, "abcd", Strategy.ONE_FOR_ALL)):
        mark = len(probe.log)
        probe.kill("b")
        await trio.testing.wait_all_tasks_blocked()
        assert probe.events(mark) == [
            ("crash", "b"),
            ("stop", "d"),
            ("stop", "c"),
            ("stop", "a"),
            ("start", "a"),
            ("start", "b"),
            ("start", "c"),
            ("start", "d"),
        ]


async def test_rest_for_one_restarts_the_crashed_child_and_those_after_it() -> None:
    probe = Probe()
    async with running(tree(probe, "abcd", Strategy.REST_FOR_ONE)):
        mark = len(probe.log)
        probe.kill("b")
        await trio.testing.wait_all_tasks_blocked()
        assert probe.events(mark) == [
            ("crash", "b"),
            ("stop", "d"),
            ("stop", "c"),
            ("start", "b"),
            ("start", "c"),
            ("start", "d"),
        ]


async def test_shutdown_stops_children_in_reverse_start_order() -> None:
    probe = Probe()
    async with running(tree(probe, "abcd")) as sup:
        mark = len(probe.log)
    assert probe.events(mark) == [("stop", "d"), ("stop", "c"), ("stop", "b"), ("stop", "a")]
    assert sup.state is ChildState.STOPPED
    assert {c.state for c in sup.status().children or []} == {ChildState.STOPPED}


async def test_cancelling_the_supervisor_propagates_cancelled(
    autojump_clock: trio.testing.MockClock,
) -> None:
    probe = Probe()
    with trio.move_on_after(5) as scope:
        await tree(probe, "ab").run()
    assert scope.cancelled_caught
    assert probe.events() == [("start", "a"), ("start", "b"), ("stop", "b"), ("stop", "a")]


async def test_cancelled_during_a_slow_start_stops_what_already_started(
    autojump_clock: trio.testing.MockClock,
) -> None:
    probe = Probe()
    specs = [ChildSpec("a", probe.service("a")), ChildSpec("b", probe.service("b", ready_after=10))]
    sup = Supervisor("root", specs)
    async with trio.open_nursery() as nursery:
        with trio.move_on_after(1):
            await nursery.start(sup.run)
    assert probe.events() == [("start", "a"), ("stop", "a")]
    assert sup.state is ChildState.STOPPED


async def test_a_child_reporting_ready_after_the_supervisor_was_cancelled_still_stops(
    autojump_clock: trio.testing.MockClock,
) -> None:
    stopped = trio.Event()

    async def stubborn(*, task_status: trio.TaskStatus[None]) -> None:
        with trio.CancelScope(shield=True):
            await trio.sleep(5)  # ignores the cancellation that arrives at t=1
        task_status.started()
        try:
            await trio.sleep_forever()
        finally:
            stopped.set()

    sup = Supervisor("root", [ChildSpec("stubborn", stubborn)])
    async with trio.open_nursery() as nursery:
        with trio.move_on_after(1):
            await nursery.start(sup.run)
    assert stopped.is_set()
    assert sup.state is ChildState.STOPPED


async def test_a_child_failing_its_first_start_fails_the_supervisors_start() -> None:
    probe = Probe()

    async def broken(*, task_status: trio.TaskStatus[None]) -> None:
        raise Crash("cannot bind")

    sup = Supervisor(
        "root",
        [
            ChildSpec("a", probe.service("a")),
            ChildSpec("b", broken),
            ChildSpec("c", probe.service("c")),
        ],
    )
    async with trio.open_nursery() as nursery:
        with pytest.raises(Crash, match="cannot bind"):  # the error itself, not a group
            await nursery.start(sup.run)
    assert probe.events() == [("start", "a"), ("stop", "a")]
    assert child_status(sup, "b").last_error.message == "cannot bind"


async def test_permanent_children_are_restarted_even_after_a_normal_exit() -> None:
    probe = Probe()
    async with running(tree(probe, "p")) as sup:
        probe.kill("p", normally=True)
        await trio.testing.wait_all_tasks_blocked()
        assert probe.events()[-2:] == [("exit", "p"), ("start", "p")]
        assert child_status(sup, "p").state is ChildState.RUNNING


async def test_transient_children_are_restarted_only_after_a_crash() -> None:
    probe = Probe()
    spec = ChildSpec("t", probe.service("t"), restart=Restart.TRANSIENT)
    sup = Supervisor("root", [spec], policy=FAST)
    async with running(sup):
        probe.kill("t")
        await trio.testing.wait_all_tasks_blocked()
        assert probe.events()[-2:] == [("crash", "t"), ("start", "t")]
        probe.kill("t", normally=True)
        await trio.testing.wait_all_tasks_blocked()
        assert probe.events()[-1] == ("exit", "t")
        status = child_status(sup, "t")
        assert (status.state, status.restarts) == (ChildState.STOPPED, 1)


async def test_temporary_children_are_never_restarted_and_their_mailbox_closes() -> None:
    probe = Probe()
    sup = Supervisor(
        "root",
        [
            ChildSpec("tmp", probe.service("tmp"), restart=Restart.TEMPORARY),
            ChildSpec("job", Echo, restart=Restart.TEMPORARY),
            ChildSpec("keep", probe.service("keep")),
        ],
    )
    async with running(sup):
        probe.kill("tmp")
        await trio.testing.wait_all_tasks_blocked()
        status = child_status(sup, "tmp")
        assert (status.state, status.restarts, status.last_error.type) == (
            ChildState.FAILED,
            0,
            "Crash",
        )
        assert probe.events().count(("start", "tmp")) == 1
        assert sup.tree_healthy()  # only permanent children count

        job = sup.ref("job")
        job.tell_nowait(Ping(1))
        await trio.testing.wait_all_tasks_blocked()
        await job.tell(object())  # an unexpected message: the handler raises, job is done
        await trio.testing.wait_all_tasks_blocked()
        assert child_status(sup, "job").state is ChildState.FAILED
        with pytest.raises(ActorStopped):
            await job.tell(Ping(2))


async def test_restarts_wait_out_an_exponential_backoff(mock_clock: trio.testing.MockClock) -> None:
    probe = Probe()
    policy = SupervisionPolicy(
        max_restarts=100, within=1000, backoff_initial=1, backoff_factor=2, backoff_cap=4
    )
    sup = Supervisor("root", [ChildSpec("c", probe.service("c"))], policy=policy)
    async with running(sup):
        for expected in [1, 2, 4, 4]:
            starts = len(probe.times("start", "c"))
            probe.kill("c")
            await trio.testing.wait_all_tasks_blocked()
            assert child_status(sup, "c").state is ChildState.RESTARTING
            assert not sup.tree_healthy()
            mock_clock.jump(expected - 0.001)
            await trio.testing.wait_all_tasks_blocked()
            assert len(probe.times("start", "c")) == starts  # not yet
            mock_clock.jump(0.001)
            await trio.testing.wait_all_tasks_blocked()
            assert len(probe.times("start", "c")) == starts + 1
            assert sup.tree_healthy()


async def test_backoff_starts_over_after_a_stable_period(
    autojump_clock: trio.testing.MockClock,
) -> None:
    probe = Probe()
    policy = SupervisionPolicy(
        max_restarts=100, within=10, backoff_initial=1, backoff_factor=3, backoff_cap=100
    )
    sup = Supervisor("root", [ChildSpec("c", probe.service("c", crash_on_start=3))], policy=policy)
    async with running(sup):
        await trio.sleep(50)  # three crashes (backoffs 1, 3, 9), then up
        assert len(probe.times("start", "c")) == 4
        probe.kill("c")  # a crash long after the window: backoff is 1 again
        await trio.sleep(50)
    starts = probe.times("start", "c")
    gaps = [round(b - a, 6) for a, b in itertools.pairwise(starts)]
    assert gaps[:3] == [1, 3, 9]
    assert starts[4] - probe.times("crash", "c")[-1] == pytest.approx(1)


async def test_a_backoff_does_not_delay_another_childs_restart(
    mock_clock: trio.testing.MockClock,
) -> None:
    probe = Probe()
    policy = SupervisionPolicy(max_restarts=10, within=100, backoff_initial=30, backoff_cap=30)
    sup = Supervisor("root", [ChildSpec(n, probe.service(n)) for n in "ab"], policy=policy)
    async with running(sup):
        probe.kill("a")
        await trio.testing.wait_all_tasks_blocked()
        mock_clock.jump(1)
        probe.kill("b")
        await trio.testing.wait_all_tasks_blocked()
        mock_clock.jump(29)
        await trio.testing.wait_all_tasks_blocked()
        assert len(probe.times("start", "a")) == 2
        assert len(probe.times("start", "b")) == 1  # b waits its own 30 s, from t=1
        mock_clock.jump(1)
        await trio.testing.wait_all_tasks_blocked()
        assert len(probe.times("start", "b")) == 2


async def test_status_is_a_json_able_tree() -> None:
    probe = Probe()
    inner = Supervisor(
        "inner",
        [ChildSpec("svc", probe.service("svc"))],
        strategy=Strategy.ONE_FOR_ALL,
        policy=FAST,
    )
    sup = Supervisor("root", [ChildSpec("echo", Echo), ChildSpec("inner", inner.run)], policy=FAST)
    async with running(sup):
        await sup.ref("echo").ask(Ping(1))
        probe.kill("svc")
        await trio.testing.wait_all_tasks_blocked()
        tree_json = msgspec.json.encode(sup.status())
    tree_ = msgspec.json.decode(tree_json)
    assert tree_["name"] == "root" and tree_["kind"] == "supervisor"
    echo, nested = tree_["children"]
    assert echo["kind"] == "actor" and echo["state"] == "running"
    assert echo["mailbox"]["capacity"] == 100 and echo["extra"]["handled"] == 1
    assert nested["kind"] == "supervisor" and nested["strategy"] == "one_for_all"
    (svc,) = nested["children"]
    assert svc["restarts"] == 1
    assert svc["last_error"] == {"type": "Crash", "message": "svc"}
    assert isinstance(svc["started_at"], float)


def test_child_kinds_are_inferred() -> None:
    async def service(*, task_status: trio.TaskStatus[None]) -> None:
        task_status.started()

    async def configured(port: int, *, task_status: trio.TaskStatus[None]) -> None:
        task_status.started()

    nested = Supervisor("n", [])
    cases: dict[str, tuple[Any, ChildKind]] = {
        "class": (Echo, ChildKind.ACTOR),
        "factory": (lambda: Echo(), ChildKind.ACTOR),
        "service": (service, ChildKind.SERVICE),
        "partial": (functools.partial(configured, 0), ChildKind.SERVICE),
        "supervisor": (nested, ChildKind.SUPERVISOR),
        "bound run": (nested.run, ChildKind.SUPERVISOR),
    }
    for label, (start, kind) in cases.items():
        assert ChildSpec(label, start).resolved_kind() is kind, label


def test_wiring_mistakes_are_refused() -> None:
    probe = Probe()
    with pytest.raises(ValueError, match="duplicate"):
        Supervisor("root", [ChildSpec("a", Echo), ChildSpec("a", Echo)])
    sup = Supervisor("root", [ChildSpec("svc", probe.service("svc"))])
    with pytest.raises(KeyError):
        sup.ref("nope")
    with pytest.raises(TypeError, match="service"):
        sup.ref("svc")


async def test_an_actor_factory_must_return_an_actor() -> None:
    sup = Supervisor("root", [ChildSpec("bad", lambda: "not an actor")])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="no Actor"):
        await sup.run()
