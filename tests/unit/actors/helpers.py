"""Test doubles for the actor runtime: a logging service factory, an echo actor, a runner."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import msgspec
import trio

from actors import Actor, Supervisor


class Crash(Exception):
    """The bug a test child dies of."""


class Probe:
    """Services that log (event, name, virtual time) and die or return when told to.

    Each incarnation gets a fresh trigger, so ``kill(name)`` ends the current one only.
    """

    def __init__(self) -> None:
        self.log: list[tuple[str, str, float]] = []
        self._triggers: dict[str, trio.Event] = {}
        self._normal: dict[str, bool] = {}

    def service(
        self,
        name: str,
        *,
        ready_after: float = 0.0,
        crash_on_start: int = 0,
    ) -> Callable[..., Awaitable[None]]:
        """``crash_on_start``: the first N incarnations die right after reporting ready."""
        starts = 0

        async def run(*, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
            nonlocal starts
            starts += 1
            trigger = self._triggers[name] = trio.Event()
            if ready_after:
                await trio.sleep(ready_after)
            self._note("start", name)
            task_status.started()
            if starts <= crash_on_start:
                self._note("crash", name)
                raise Crash(name)
            try:
                await trigger.wait()
            except trio.Cancelled:
                self._note("stop", name)
                raise
            if self._normal.pop(name, False):
                self._note("exit", name)
                return
            self._note("crash", name)
            raise Crash(name)

        return run

    def kill(self, name: str, *, normally: bool = False) -> None:
        self._normal[name] = normally
        self._triggers[name].set()

    def events(self, since: int = 0) -> list[tuple[str, str]]:
        return [(event, name) for event, name, _ in self.log[since:]]

    def times(self, event: str, name: str) -> list[float]:
        return [t for e, n, t in self.log if e == event and n == name]

    def _note(self, event: str, name: str) -> None:
        self.log.append((event, name, trio.current_time()))


class Ping(msgspec.Struct):
    n: int


class Pong(msgspec.Struct):
    n: int
    instance: int


class Boom(msgspec.Struct):
    """Crash the actor (a bug in the handler)."""


class Hold(msgspec.Struct):
    """Block the handler until ``release`` is set; then crash if ``crash``."""

    release: Any
    crash: bool = False


class StopNow(msgspec.Struct):
    pass


class Echo(Actor[Any, Any]):
    """Replies Pong(n, instance number); counts instances so tests can see restarts."""

    instances = 0

    def __init__(self, journal: list[str] | None = None) -> None:
        Echo.instances += 1
        self.instance = Echo.instances
        self.journal = journal if journal is not None else []
        self.handled = 0

    async def on_start(self) -> None:
        self.journal.append(f"on_start {self.instance}")

    async def on_stop(self) -> None:
        self.journal.append(f"on_stop {self.instance}")

    async def receive(self, message: Any) -> Any:
        self.handled += 1
        match message:
            case Ping(n=n):
                return Pong(n, self.instance)
            case Boom():
                raise Crash("boom")
            case Hold(release=release, crash=crash):
                await release.wait()
                if crash:
                    raise Crash("released into a crash")
                return "released"
            case StopNow():
                self.stop()
                return "bye"
            case _:
                raise TypeError(f"unexpected message {message!r}")

    def status(self) -> dict[str, Any]:
        return {"instance": self.instance, "handled": self.handled}


@asynccontextmanager
async def running(supervisor: Supervisor) -> AsyncIterator[Supervisor]:
    """Run ``supervisor`` for the body of the block, then shut it down (cancellation)."""
    async with trio.open_nursery() as nursery:
        await nursery.start(supervisor.run)
        yield supervisor
        nursery.cancel_scope.cancel()


def child_status(supervisor: Supervisor, name: str) -> Any:
    tree = supervisor.status()
    assert tree.children is not None
    return next(c for c in tree.children if c.name == name)
