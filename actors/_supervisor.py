"""Supervisors: start children in order, restart them by strategy, give up and escalate.

How it runs. ``Supervisor.run`` opens a nursery and starts every child with
``nursery.start``, in order, so "started" means ready; it reports its own ``task_status``
only when all are. Each child runs inside its own cancel scope, which becomes *shielded*
once the child is ready: cancellation from outside never reaches a child directly. When the
supervisor is cancelled (or gives up), it stops its children itself, one at a time, in
reverse start order, and only then lets the cancellation (or the error) go on. That is how
shutdown order is kept even though trio would otherwise cancel every task at once.

A child's exit is caught by the supervisor's own wrapper task and handed to the supervising
loop over an internal channel, so one child's crash never cancels its siblings by accident;
the loop alone decides: restart (after backoff, never blocking other children's restarts),
leave stopped, or give up. Exits are tagged with the incarnation they belong to, so a crash
report that arrives after the supervisor already stopped that incarnation is ignored.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any, cast

import trio

from ._actor import Actor, ActorRef, Envelope, fail_pending, run_actor
from ._clock import Clock, TrioClock
from ._errors import RestartIntensityExceeded
from ._mailbox import Mailbox
from ._spec import (
    ChildKind,
    ChildSpec,
    ChildState,
    ChildStatus,
    ErrorInfo,
    Restart,
    Service,
    Strategy,
    SupervisionPolicy,
)

__all__ = ["Supervisor"]

# One event name first, then key=value fields: what the gateway's log format expects of
# foreign lines. A crash is logged with its traceback here, because status keeps only the
# type and message.
_log = logging.getLogger("actors.supervisor")

_ALIVE = (ChildState.STARTING, ChildState.RUNNING, ChildState.RESTARTING)
_DUE_EPSILON = 1e-9  # a deadline reached "exactly" in floats may read a few ulps early


class _Ready:
    """The ``task_status`` a child gets: shields and marks the child before passing it on."""

    __slots__ = ("_inner", "_on_ready", "reported")

    def __init__(self, on_ready: Callable[[], None], inner: trio.TaskStatus[None]) -> None:
        self._on_ready = on_ready
        self._inner = inner
        self.reported = False

    def started(self, value: object = None) -> None:
        if self.reported:
            raise RuntimeError("task_status.started() called twice")
        self.reported = True
        self._on_ready()
        self._inner.started()


class _Child:
    """The supervisor's record of one child, across all its incarnations."""

    def __init__(self, spec: ChildSpec, index: int) -> None:
        self.spec = spec
        self.index = index
        self.kind = spec.resolved_kind()
        self.mailbox: Mailbox[Envelope] | None = None
        self.ref: ActorRef[Any, Any] | None = None
        if self.kind is ChildKind.ACTOR:
            self.mailbox = Mailbox(spec.mailbox_capacity, owner=spec.name)
            self.ref = ActorRef(spec.name, self.mailbox)
        self.state = ChildState.STOPPED
        self.generation = 0
        self.scope: trio.CancelScope | None = None
        self.done: trio.Event | None = None
        self.stopping = False
        self.restarts = 0
        self.crashes: deque[float] = deque()
        self.last_error: BaseException | None = None
        self.started_at: float | None = None
        self.restart_at: float | None = None
        self.instance: Actor[Any, Any] | None = None

    @property
    def nested(self) -> Supervisor | None:
        start = self.spec.start
        if isinstance(start, Supervisor):
            return start
        owner = getattr(start, "__self__", None)
        return owner if isinstance(owner, Supervisor) else None


class _Exit:
    __slots__ = ("child", "error", "generation")

    def __init__(self, child: _Child, generation: int, error: Exception | None) -> None:
        self.child = child
        self.generation = generation
        self.error = error


class Supervisor:
    """Runs ``children`` under ``strategy`` and ``policy``; itself a service (``run``)."""

    def __init__(
        self,
        name: str,
        children: Sequence[ChildSpec],
        *,
        strategy: Strategy = Strategy.ONE_FOR_ONE,
        policy: SupervisionPolicy | None = None,
        clock: Clock | None = None,
    ) -> None:
        names = [spec.name for spec in children]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"supervisor {name!r}: duplicate child names {duplicates}")
        self.name = name
        self.strategy = strategy
        self.policy = policy if policy is not None else SupervisionPolicy()
        self._clock: Clock = clock if clock is not None else TrioClock()
        self._children = [_Child(spec, i) for i, spec in enumerate(children)]
        self._by_name = {child.spec.name: child for child in self._children}
        self._state = ChildState.STOPPED
        self._nursery: trio.Nursery | None = None
        self._exits: trio.MemorySendChannel[_Exit] | None = None

    @property
    def state(self) -> ChildState:
        return self._state

    def ref(self, name: str) -> ActorRef[Any, Any]:
        """The ref of actor child ``name``; valid before ``run`` and across restarts."""
        child = self._by_name.get(name)
        if child is None:
            raise KeyError(f"supervisor {self.name!r} has no child {name!r}")
        if child.ref is None:
            raise TypeError(f"child {name!r} of {self.name!r} is a {child.kind}, not an actor")
        return child.ref

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Start all children, report started, supervise until cancelled or giving up.

        Raises ``RestartIntensityExceeded`` when it gives up, or a child's error when that
        child fails its first start (a broken tree must not come up half-way).
        """
        if self._nursery is not None:
            raise RuntimeError(f"supervisor {self.name!r} is already running")
        exits_in, exits_out = trio.open_memory_channel[_Exit](math.inf)
        failure: Exception | None = None
        self._state = ChildState.STARTING
        for child in self._children:
            child.crashes.clear()
        try:
            async with trio.open_nursery() as nursery:
                self._nursery, self._exits = nursery, exits_in
                try:
                    for child in self._children:
                        await self._start(child)
                    self._state = ChildState.RUNNING
                    task_status.started()
                    failure = await self._supervise(exits_out)
                except Exception as error:
                    failure = error
                finally:
                    reason = "stopped: its supervisor " + ("gave up" if failure else "shut down")
                    with trio.CancelScope(shield=True):
                        await self._stop_all(reason)
        finally:
            self._nursery = self._exits = None
            self._state = ChildState.FAILED if failure is not None else ChildState.STOPPED
        if failure is not None:
            raise failure

    def status(self) -> ChildStatus:
        """The whole subtree as Structs: ``msgspec.json.encode(sup.status())`` is JSON."""
        return ChildStatus(
            name=self.name,
            kind=ChildKind.SUPERVISOR,
            state=self._state,
            now=self._clock.now(),
            strategy=self.strategy,
            children=[self._child_status(child) for child in self._children],
        )

    def tree_healthy(self) -> bool:
        """True when this supervisor runs and so does every permanent child, recursively."""
        if self._state is not ChildState.RUNNING:
            return False
        for child in self._children:
            if child.spec.restart is Restart.PERMANENT and child.state is not ChildState.RUNNING:
                return False
            nested = child.nested
            if child.state is ChildState.RUNNING and nested and not nested.tree_healthy():
                return False
        return True

    # -- starting and stopping one child ---------------------------------------------------

    async def _start(self, child: _Child) -> None:
        assert self._nursery is not None
        child.generation += 1
        child.stopping = False
        child.state = ChildState.STARTING
        child.restart_at = None
        child.done = trio.Event()
        if child.mailbox is not None:
            child.mailbox.reopen()
        try:
            await self._nursery.start(self._run_child, child)
        except Exception as error:
            child.state, child.last_error = ChildState.FAILED, error
            raise

    async def _run_child(self, child: _Child, *, task_status: trio.TaskStatus[None]) -> None:
        generation, done, scope = child.generation, child.done, trio.CancelScope()
        assert done is not None
        child.scope = scope

        def on_ready() -> None:
            # From now on only this supervisor stops the child. Unless the supervisor was
            # cancelled while the child was starting: then trio leaves the child where it is
            # to be cancelled, and a shield would keep it (and the shutdown) alive forever.
            if trio.current_effective_deadline() != -math.inf:
                scope.shield = True
            child.state = ChildState.RUNNING
            child.started_at = self._clock.now()

        ready = _Ready(on_ready, task_status)
        error: Exception | None = None
        try:
            try:
                with scope:
                    await self._invoke(child, ready)
            except Exception as exc:
                if not ready.reported:
                    raise  # nursery.start raises it in the supervisor: a failed start
                error = exc
            if not ready.reported:
                raise RuntimeError(f"child {child.spec.name!r} returned before it was ready")
        finally:
            done.set()
        if generation == child.generation and self._exits is not None:
            self._exits.send_nowait(_Exit(child, generation, error))

    async def _invoke(self, child: _Child, ready: _Ready) -> None:
        status = cast(trio.TaskStatus[None], ready)
        start = child.spec.start
        if child.kind is ChildKind.ACTOR:
            actor = cast(Callable[[], object], start)()
            if not isinstance(actor, Actor):
                raise TypeError(f"child {child.spec.name!r}: start returned {actor!r}, no Actor")
            assert child.mailbox is not None and child.ref is not None
            child.instance = actor
            await run_actor(actor, child.mailbox, child.ref, task_status=status)
        elif isinstance(start, Supervisor):
            await start.run(task_status=status)
        else:
            await cast(Service, start)(task_status=status)

    async def _stop(self, child: _Child) -> None:
        """Cancel the current incarnation and wait until it is gone; its exit is not a crash."""
        child.stopping = True
        if child.done is None or child.done.is_set():
            return
        assert child.scope is not None
        child.scope.cancel()
        await child.done.wait()

    async def _stop_all(self, reason: str) -> None:
        for child in reversed(self._children):
            await self._stop(child)
            child.restart_at = None
            child.instance = None
            if child.state is not ChildState.FAILED:
                child.state = ChildState.STOPPED
            if child.mailbox is not None:
                fail_pending(child.mailbox, reason=reason)

    # -- the supervising loop ----------------------------------------------------------------

    async def _supervise(self, exits: trio.MemoryReceiveChannel[_Exit]) -> RestartIntensityExceeded:
        while True:
            due = min(
                (c.restart_at for c in self._children if c.restart_at is not None),
                default=None,
            )
            timeout = math.inf if due is None else max(0.0, due - self._clock.now())
            exit_: _Exit | None = None
            with trio.move_on_after(timeout):
                exit_ = await exits.receive()
            if exit_ is not None:
                failure = await self._on_exit(exit_)
            else:
                failure = await self._restart_due()
            if failure is not None:
                return failure

    async def _on_exit(self, exit_: _Exit) -> RestartIntensityExceeded | None:
        child = exit_.child
        if exit_.generation != child.generation:
            return None  # a report from an incarnation already replaced
        if child.stopping:
            # Stopped on purpose (a sibling's restart) while it was dying anyway: keep the
            # error for the operator, but the restart is already planned.
            child.last_error = exit_.error or child.last_error
            return None
        return await self._handle_exit(child, exit_.error)

    async def _handle_exit(
        self, child: _Child, error: Exception | None
    ) -> RestartIntensityExceeded | None:
        child.scope = None
        child.instance = None
        name = child.spec.name
        if error is not None:
            child.last_error = error
            _log.warning("child_crashed supervisor=%s child=%s", self.name, name, exc_info=error)
        restart = child.spec.restart
        if restart is Restart.TEMPORARY or (restart is Restart.TRANSIENT and error is None):
            _log.info("child_exited supervisor=%s child=%s restart=%s", self.name, name, restart)
            child.state = ChildState.FAILED if error is not None else ChildState.STOPPED
            if child.mailbox is not None:
                fail_pending(child.mailbox, reason="stopped: it exited and is not restarted")
            return None
        now = self._clock.now()
        child.crashes.append(now)
        while child.crashes[0] <= now - self.policy.within:
            child.crashes.popleft()
        if len(child.crashes) > self.policy.max_restarts:
            child.state = ChildState.FAILED
            _log.error(
                "supervisor_gave_up supervisor=%s child=%s restarts=%d within=%s",
                *(self.name, name, len(child.crashes) - 1, self.policy.within),
            )
            return RestartIntensityExceeded(
                self.name,
                child=name,
                restarts=len(child.crashes) - 1,
                within=self.policy.within,
                last_error=error,
            )
        backoff = self.policy.backoff(len(child.crashes))
        restart_at = now + backoff
        _log.info(
            "child_restarting supervisor=%s child=%s strategy=%s backoff=%.3f in_window=%d",
            *(self.name, name, self.strategy, backoff, len(child.crashes)),
        )
        group = self._restart_group(child)
        for sibling in reversed(group):
            if sibling is not child:
                await self._stop(sibling)
        for member in group:
            member.state = ChildState.RESTARTING
            member.instance = None
            member.restart_at = max(member.restart_at or restart_at, restart_at)
        return None

    def _restart_group(self, child: _Child) -> list[_Child]:
        """The children restarted with ``child``, in start order (those alive, and itself)."""
        if self.strategy is Strategy.ONE_FOR_ONE:
            return [child]
        first = 0 if self.strategy is Strategy.ONE_FOR_ALL else child.index
        return [c for c in self._children[first:] if c is child or c.state in _ALIVE]

    async def _restart_due(self) -> RestartIntensityExceeded | None:
        for child in self._children:
            if (
                child.state is not ChildState.RESTARTING
                or child.restart_at is None
                or child.restart_at > self._clock.now() + _DUE_EPSILON
            ):
                continue
            child.restarts += 1
            try:
                await self._start(child)
            except Exception as error:  # a failed restart is one more crash
                failure = await self._handle_exit(child, error)
                if failure is not None:
                    return failure
        return None

    def _child_status(self, child: _Child) -> ChildStatus:
        nested = child.nested
        sub = nested.status() if nested is not None else None
        extra = child.instance.status() if child.instance is not None else None
        return ChildStatus(
            name=child.spec.name,
            kind=child.kind,
            state=child.state,
            restart=child.spec.restart,
            restarts=child.restarts,
            last_error=None if child.last_error is None else ErrorInfo.of(child.last_error),
            started_at=child.started_at,
            mailbox=None if child.mailbox is None else child.mailbox.statistics(),
            extra=None if extra is None else dict(extra),
            strategy=None if sub is None else sub.strategy,
            children=None if sub is None else sub.children,
        )

    def __repr__(self) -> str:
        return f"<Supervisor {self.name!r} {self.strategy.value} {self._state.value}>"
