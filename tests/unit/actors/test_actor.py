"""Actor and ActorRef: tell, tell_nowait, ask (reply, timeout, crash, stop), lifecycle hooks."""

from __future__ import annotations

from typing import Any

import pytest
import trio
import trio.testing

from actors import (
    Actor,
    ActorCrashed,
    ActorError,
    ActorStopped,
    AskTimeout,
    ChildSpec,
    ChildState,
    MailboxFull,
    Restart,
    SupervisionPolicy,
    Supervisor,
)

from .helpers import Boom, Crash, Echo, Hold, Ping, Pong, StopNow, child_status, running

# No backoff: tests without a mock clock must never wait in real time.
FAST = SupervisionPolicy(backoff_initial=0.0)


def echo_tree(capacity: int = 10, restart: Restart = Restart.PERMANENT) -> Supervisor:
    spec = ChildSpec("echo", Echo, restart=restart, mailbox_capacity=capacity)
    return Supervisor("root", [spec], policy=FAST)


async def test_ask_returns_what_receive_returned() -> None:
    async with running(echo_tree()) as sup:
        reply = await sup.ref("echo").ask(Ping(7))
    assert isinstance(reply, Pong) and reply.n == 7


async def test_tells_are_handled_in_order_before_a_later_ask() -> None:
    journal: list[str] = []

    class Recorder(Actor[Any, Any]):
        async def receive(self, message: Any) -> Any:
            journal.append(message)
            return len(journal)

    sup = Supervisor("root", [ChildSpec("rec", Recorder)])
    async with running(sup):
        ref = sup.ref("rec")
        await ref.tell("a")
        ref.tell_nowait("b")
        assert await ref.ask("c") == 3
    assert journal == ["a", "b", "c"]


async def test_ask_times_out_in_virtual_time(autojump_clock: trio.testing.MockClock) -> None:
    async with running(echo_tree()) as sup:
        start = trio.current_time()
        with pytest.raises(AskTimeout) as caught:
            await sup.ref("echo").ask(Hold(trio.Event()), timeout=3.0)
        assert trio.current_time() - start == pytest.approx(3.0)
    assert (caught.value.actor, caught.value.timeout) == ("echo", 3.0)
    assert caught.value.message_type == "Hold"


async def test_the_ask_timeout_covers_waiting_for_mailbox_space(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with running(echo_tree(capacity=1)) as sup:
        ref = sup.ref("echo")
        await ref.tell(Hold(trio.Event()))  # taken by the actor, which then blocks
        await trio.testing.wait_all_tasks_blocked()
        ref.tell_nowait(Ping(1))  # fills the mailbox
        with pytest.raises(MailboxFull):
            ref.tell_nowait(Ping(2))
        with pytest.raises(AskTimeout):
            await ref.ask(Ping(3), timeout=2.0)
        stats = ref.statistics()
        assert (stats.depth, stats.blocked_senders) == (1, 0)


async def test_every_pending_ask_fails_with_actor_stopped_when_the_actor_stops(
    autojump_clock: trio.testing.MockClock,
) -> None:
    sup = echo_tree(capacity=2)
    outcomes: dict[str, Any] = {}

    async def ask(label: str, message: Any) -> None:
        try:
            outcomes[label] = await sup.ref("echo").ask(message, timeout=1000)
        except ActorError as error:
            outcomes[label] = error

    async with trio.open_nursery() as nursery:
        scope = trio.CancelScope()

        async def supervise(*, task_status: trio.TaskStatus[None]) -> None:
            with scope:
                await sup.run(task_status=task_status)

        await nursery.start(supervise)
        # One ask in flight, two queued, one blocked on the full mailbox: started one at a
        # time so their order is known.
        for label, message in [
            ("in-flight", Hold(trio.Event())),
            ("queued-1", Ping(1)),
            ("queued-2", Ping(2)),
            ("blocked", Ping(3)),
        ]:
            nursery.start_soon(ask, label, message)
            await trio.testing.wait_all_tasks_blocked()
        assert sup.ref("echo").statistics().blocked_senders == 1
        scope.cancel()

    assert set(outcomes) == {"in-flight", "queued-1", "queued-2", "blocked"}
    for label, outcome in outcomes.items():
        assert isinstance(outcome, ActorStopped), label
        assert outcome.actor == "echo"
    assert "while handling" in outcomes["in-flight"].reason
    with pytest.raises(ActorStopped):
        await sup.ref("echo").tell(Ping(4))
    with pytest.raises(ActorStopped):
        sup.ref("echo").tell_nowait(Ping(4))
    with pytest.raises(ActorStopped):
        await sup.ref("echo").ask(Ping(4))


async def test_a_crashing_handler_fails_its_ask_and_the_queue_waits_for_the_restart(
    autojump_clock: trio.testing.MockClock,
) -> None:
    sup = echo_tree()
    release = trio.Event()
    outcomes: dict[str, Any] = {}

    async def ask(label: str, message: Any) -> None:
        try:
            outcomes[label] = await sup.ref("echo").ask(message, timeout=60)
        except ActorError as error:
            outcomes[label] = error

    async with running(sup):
        first = await sup.ref("echo").ask(Ping(0))
        async with trio.open_nursery() as nursery:
            nursery.start_soon(ask, "crash", Hold(release, crash=True))
            await trio.testing.wait_all_tasks_blocked()
            nursery.start_soon(ask, "queued", Ping(1))
            await trio.testing.wait_all_tasks_blocked()
            release.set()
        status = child_status(sup, "echo")

    crashed = outcomes["crash"]
    assert isinstance(crashed, ActorCrashed)
    assert isinstance(crashed.__cause__, Crash)
    assert (crashed.actor, crashed.message_type) == ("echo", "Hold")
    queued = outcomes["queued"]
    assert isinstance(queued, Pong) and queued.n == 1
    assert queued.instance == first.instance + 1  # answered by the restarted instance
    assert status.restarts == 1
    assert status.last_error.type == "Crash"


async def test_the_ref_survives_a_restart() -> None:
    async with running(echo_tree()) as sup:
        ref = sup.ref("echo")
        with pytest.raises(ActorCrashed):
            await ref.ask(Boom())
        reply = await ref.ask(Ping(2))
        assert sup.ref("echo") is ref
    assert reply.n == 2


async def test_an_actor_that_stops_itself_closes_its_mailbox_for_good() -> None:
    async with running(echo_tree(restart=Restart.TRANSIENT)) as sup:
        ref = sup.ref("echo")
        assert await ref.ask(StopNow()) == "bye"
        await trio.testing.wait_all_tasks_blocked()
        assert child_status(sup, "echo").state is ChildState.STOPPED
        with pytest.raises(ActorStopped):
            await ref.ask(Ping(1))
        assert ref.statistics().closed


async def test_on_start_runs_before_ready_and_on_stop_after_crash_and_shutdown() -> None:
    journal: list[str] = []
    sup = Supervisor("root", [ChildSpec("echo", lambda: Echo(journal))], policy=FAST)
    async with running(sup):
        first = journal[0]
        assert first.startswith("on_start")
        with pytest.raises(ActorCrashed):
            await sup.ref("echo").ask(Boom())
        await sup.ref("echo").ask(Ping(1))
    n = int(first.split()[1])
    assert journal == [
        f"on_start {n}",
        f"on_stop {n}",
        f"on_start {n + 1}",
        f"on_stop {n + 1}",
    ]


async def test_a_slow_on_start_delays_the_supervisors_start(
    autojump_clock: trio.testing.MockClock,
) -> None:
    class Slow(Actor[Any, Any]):
        async def on_start(self) -> None:
            await trio.sleep(4)

        async def receive(self, message: Any) -> Any:
            return message

    sup = Supervisor("root", [ChildSpec("slow", Slow)])
    start = trio.current_time()
    async with running(sup):
        assert trio.current_time() - start == pytest.approx(4)
        assert child_status(sup, "slow").state is ChildState.RUNNING


async def test_actor_extra_status_is_reported() -> None:
    async with running(echo_tree()) as sup:
        await sup.ref("echo").ask(Ping(1))
        await sup.ref("echo").ask(Ping(2))
        extra = child_status(sup, "echo").extra
    assert extra["handled"] == 2


def test_an_actor_outside_a_supervisor_has_no_ref() -> None:
    with pytest.raises(RuntimeError, match="not running"):
        _ = Echo().ref
