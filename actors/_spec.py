"""What a supervisor is told (child specs, strategy, policy) and what it reports (status).

The vocabulary is OTP's: strategies one-for-one / one-for-all / rest-for-one, restart types
permanent / transient / temporary, restart intensity "at most N restarts in T seconds".
Two deliberate differences, both for partner isolation:

* intensity is counted **per child**, not per supervisor, so one partner's crash loop cannot
  use up a budget its siblings share and take them down with it;
* restarts are spaced by exponential backoff, so a crash loop slows down instead of spinning.
"""

from __future__ import annotations

import enum
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import msgspec

from ._mailbox import MailboxStatistics
from ._retry import exponential

if TYPE_CHECKING:
    from ._actor import Actor
    from ._supervisor import Supervisor

__all__ = [
    "ChildKind",
    "ChildSpec",
    "ChildState",
    "ChildStatus",
    "ErrorInfo",
    "Restart",
    "Strategy",
    "SupervisionPolicy",
]


class Strategy(enum.StrEnum):
    """Which siblings are restarted with a crashed child."""

    ONE_FOR_ONE = "one_for_one"
    """Only the crashed child: independent children (one actor per partner)."""
    ONE_FOR_ALL = "one_for_all"
    """Every running child, stopped in reverse order and started again in order."""
    REST_FOR_ONE = "rest_for_one"
    """The crashed child and those started after it (they depend on it)."""


class Restart(enum.StrEnum):
    """When a child that exited is started again."""

    PERMANENT = "permanent"
    """Always: any exit, normal or not, is a restart (and counts towards intensity)."""
    TRANSIENT = "transient"
    """Only after an abnormal exit (an exception); a normal return leaves it stopped."""
    TEMPORARY = "temporary"
    """Never; its mailbox is closed as soon as it exits."""


class ChildKind(enum.StrEnum):
    ACTOR = "actor"
    SERVICE = "service"
    SUPERVISOR = "supervisor"


class ChildState(enum.StrEnum):
    STARTING = "starting"
    RUNNING = "running"
    RESTARTING = "restarting"
    """Exited; waiting out its backoff before the next start."""
    STOPPED = "stopped"
    FAILED = "failed"
    """Exited with an error and will not be restarted (temporary, or intensity exceeded)."""


ActorFactory = Callable[[], "Actor[Any, Any]"]
Service = Callable[..., Awaitable[object]]
"""``async def service(*, task_status)``: calls ``task_status.started()`` once ready."""


@dataclass(frozen=True)
class ChildSpec:
    """One child of a supervisor.

    ``start`` is one of:

    * an ``Actor`` subclass or a zero-argument factory returning a fresh ``Actor``;
    * an ``async def service(*, task_status)`` (or a ``functools.partial`` of one), e.g. the
      admin HTTP server or a listener, which must call ``task_status.started()`` when ready;
    * a ``Supervisor`` (or its bound ``run``): a nested subtree.

    The kind is inferred (an ``async def`` is a service); pass ``kind`` when it cannot be,
    e.g. for a callable object whose ``__call__`` is async.
    """

    name: str
    start: ActorFactory | Service | Supervisor
    restart: Restart = Restart.PERMANENT
    mailbox_capacity: int = 100
    kind: ChildKind | None = None

    def resolved_kind(self) -> ChildKind:
        from ._supervisor import Supervisor

        if self.kind is not None:
            return self.kind
        start = self.start
        owner = getattr(start, "__self__", None)
        if isinstance(start, Supervisor) or isinstance(owner, Supervisor):
            return ChildKind.SUPERVISOR
        if inspect.iscoroutinefunction(start):
            return ChildKind.SERVICE
        return ChildKind.ACTOR


@dataclass(frozen=True)
class SupervisionPolicy:
    """Restart intensity and backoff.

    A child may be restarted at most ``max_restarts`` times within any ``within`` seconds;
    the next restart makes the supervisor give up: it stops all its children (reverse start
    order) and raises ``RestartIntensityExceeded`` to its parent. Before the k-th restart in
    the current window the supervisor waits ``min(backoff_cap, backoff_initial *
    backoff_factor ** (k - 1))`` seconds; a child that stays up longer than ``within``
    starts again from ``backoff_initial``.

    The two interact on purpose: if the backoffs of ``max_restarts`` restarts add up to
    more than ``within``, the window never fills and a crash loop goes on forever at the
    pace of ``backoff_cap`` (visible in status as restarts); otherwise it escalates. The
    defaults escalate (5 restarts within 60 s, backoffs 0.1 s up to 10 s).
    """

    max_restarts: int = 5
    within: float = 60.0
    backoff_initial: float = 0.1
    backoff_factor: float = 2.0
    backoff_cap: float = 10.0

    def __post_init__(self) -> None:
        if self.max_restarts < 0:
            raise ValueError("max_restarts must be >= 0")
        if self.within <= 0:
            raise ValueError("within must be > 0 seconds")
        if self.backoff_initial < 0 or self.backoff_cap < 0 or self.backoff_factor < 1:
            raise ValueError("backoff needs initial >= 0, cap >= 0 and factor >= 1")

    def backoff(self, restart: int) -> float:
        """Seconds to wait before the ``restart``-th restart (1-based) of the window."""
        return exponential(self.backoff_initial, self.backoff_factor, self.backoff_cap, restart)


class ErrorInfo(msgspec.Struct, frozen=True):
    """An exception as status shows it: its type name and message."""

    type: str
    message: str

    @classmethod
    def of(cls, error: BaseException) -> ErrorInfo:
        # A service's nursery wraps a lone error in a group; show the error itself.
        while isinstance(error, BaseExceptionGroup) and len(error.exceptions) == 1:
            error = error.exceptions[0]
        return cls(type=type(error).__name__, message=str(error))


class ChildStatus(msgspec.Struct, kw_only=True):
    """One node of the status tree; ``msgspec.json.encode`` turns the tree into JSON.

    Times (``started_at``) are the supervisor clock's, monotonic by default: compare them
    with ``now`` (the same clock, when the tree was taken) rather than with wall time.
    """

    name: str
    kind: ChildKind
    state: ChildState
    restart: Restart | None = None
    restarts: int = 0
    last_error: ErrorInfo | None = None
    started_at: float | None = None
    now: float | None = None
    mailbox: MailboxStatistics | None = None
    extra: dict[str, Any] | None = None
    strategy: Strategy | None = None
    children: list[ChildStatus] | None = None
