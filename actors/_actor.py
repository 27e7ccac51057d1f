"""Actors and the refs callers hold to them.

An actor is one trio task that owns its state and reads one bounded mailbox; it handles one
message at a time in ``receive``, dispatching with ``match``. Nobody holds an actor: callers
hold an ``ActorRef`` (``tell`` / ``tell_nowait`` / ``ask``), which names the supervised child
rather than the instance, so a ref taken at wiring time keeps working across restarts.

A handler that raises is a bug: the actor task dies with that exception and its supervisor
decides what happens next. The ask whose message crashed the actor fails with
``ActorCrashed``; messages still queued wait for the restarted instance. When the actor stops
for good its supervisor closes the mailbox and fails every pending ask with ``ActorStopped``
(see ``fail_pending``), as pykka and OTP do: nobody waits forever on a dead actor.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from typing import Any, Generic, TypeVar, cast

import trio

from ._errors import ActorCrashed, ActorStopped, AskTimeout
from ._mailbox import Mailbox, MailboxStatistics

__all__ = ["DEFAULT_ASK_TIMEOUT", "Actor", "ActorRef", "Envelope", "fail_pending", "run_actor"]

M = TypeVar("M")
R = TypeVar("R")

DEFAULT_ASK_TIMEOUT = 5.0
"""Seconds an ``ask`` waits by default, mailbox space included (OTP's call default)."""


class _Reply(Generic[R]):
    """A one-shot slot an asker waits on; the first outcome wins, later ones are ignored."""

    __slots__ = ("_done", "_error", "_value")

    def __init__(self) -> None:
        self._done = trio.Event()
        self._value: R | None = None
        self._error: BaseException | None = None

    def resolve(self, value: R) -> None:
        if not self._done.is_set():
            self._value = value
            self._done.set()

    def fail(self, error: BaseException) -> None:
        if not self._done.is_set():
            self._error = error
            self._done.set()

    async def wait(self) -> R:
        await self._done.wait()
        if self._error is not None:
            raise self._error
        return cast(R, self._value)


class Envelope:
    """A message in a mailbox, with the reply slot of an ``ask`` (``None`` for a tell)."""

    __slots__ = ("message", "reply")

    def __init__(self, message: object, reply: _Reply[Any] | None = None) -> None:
        self.message = message
        self.reply = reply

    def __repr__(self) -> str:
        kind = "tell" if self.reply is None else "ask"
        return f"<Envelope {kind} {type(self.message).__name__}>"


class ActorRef(Generic[M, R]):
    """What callers hold: a name and a mailbox. Safe to share, survives restarts."""

    __slots__ = ("_mailbox", "_name")

    def __init__(self, name: str, mailbox: Mailbox[Envelope]) -> None:
        self._name = name
        self._mailbox = mailbox

    @property
    def name(self) -> str:
        return self._name

    async def tell(self, message: M) -> None:
        """Enqueue and return; waits while the mailbox is full (back-pressure).

        Raises ``ActorStopped`` once the actor stopped for good.
        """
        await self._mailbox.send(Envelope(message))

    def tell_nowait(self, message: M) -> None:
        """Enqueue now or raise ``MailboxFull`` (or ``ActorStopped``); never waits."""
        self._mailbox.send_nowait(Envelope(message))

    # The timeout is part of the contract (AskTimeout reports it), as in OTP's call.
    async def ask(self, message: M, *, timeout: float = DEFAULT_ASK_TIMEOUT) -> R:  # noqa: ASYNC109
        """Send ``message`` and return what the actor's ``receive`` returned for it.

        ``timeout`` covers the whole round trip, waiting for mailbox space included.
        Raises ``AskTimeout``; ``ActorCrashed`` if the handler raised (``__cause__`` is the
        handler's exception); ``ActorStopped`` if the actor stopped before replying.
        The actor still handles a message whose asker gave up (as OTP's ``call`` does):
        the store, not the mailbox, is what makes work idempotent.
        """
        reply: _Reply[R] = _Reply()
        with trio.move_on_after(timeout):
            await self._mailbox.send(Envelope(message, reply))
            return await reply.wait()
        raise AskTimeout(self._name, timeout=timeout, message_type=type(message).__name__)

    def statistics(self) -> MailboxStatistics:
        return self._mailbox.statistics()

    def __repr__(self) -> str:
        return f"<ActorRef {self._name!r}>"


class Actor(abc.ABC, Generic[M, R]):
    """Subclass and implement ``receive``; the supervisor creates, runs and restarts it.

    A fresh instance is made for every (re)start, so state in ``__init__`` and ``on_start``
    is the state after a restart: rebuild work from the store there, not from memory.
    """

    stop_timeout: float = 5.0
    """Seconds ``on_stop`` may take during shutdown before it is cut short."""

    _ref: ActorRef[M, R] | None = None
    _stop_requested: bool = False

    @abc.abstractmethod
    async def receive(self, message: M) -> R:
        """Handle one message; the return value is the reply of an ``ask``."""

    async def on_start(self) -> None:
        """Runs before the actor reports ready: the supervisor's start waits for it."""

    async def on_stop(self) -> None:
        """Runs whenever this instance ends after a successful ``on_start``.

        That is a crash, a restart of siblings, or a shutdown; it runs shielded, for at
        most ``stop_timeout`` seconds, so release resources here and do not start work.
        """

    def status(self) -> Mapping[str, Any] | None:
        """Extra fields for the supervisor's status tree (breaker, limiter, backlog...)."""
        return None

    def stop(self) -> None:
        """Finish after the current message; the exit is normal (see ``Restart``)."""
        self._stop_requested = True

    @property
    def ref(self) -> ActorRef[M, R]:
        """This actor's own ref, e.g. to tell itself a follow-up message."""
        if self._ref is None:
            raise RuntimeError(f"{type(self).__name__} is not running under a supervisor")
        return self._ref

    @property
    def name(self) -> str:
        return self.ref.name


async def run_actor(
    actor: Actor[Any, Any],
    mailbox: Mailbox[Envelope],
    ref: ActorRef[Any, Any],
    *,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Run one actor instance until it stops itself, crashes or is cancelled.

    Reports started after ``on_start``. Leaves the mailbox open: whether queued messages
    wait for a new instance or are failed is the supervisor's decision.
    """
    actor._ref = ref
    await actor.on_start()
    try:
        task_status.started()
        while not actor._stop_requested:
            envelope = await mailbox.receive()
            await _dispatch(actor, ref.name, envelope)
    finally:
        with trio.move_on_after(actor.stop_timeout, shield=True):
            await actor.on_stop()


async def _dispatch(actor: Actor[Any, Any], name: str, envelope: Envelope) -> None:
    try:
        result = await actor.receive(envelope.message)
    except Exception as exc:
        if envelope.reply is not None:
            message_type = type(envelope.message).__name__
            envelope.reply.fail(ActorCrashed(name, message_type=message_type, error=exc))
        raise
    except BaseException:
        # Cancelled (a stop or a sibling's restart) or KeyboardInterrupt: the message was
        # interrupted, not refused; its asker must hear about it rather than wait out its
        # timeout.
        if envelope.reply is not None:
            envelope.reply.fail(ActorStopped(name, reason="stopped while handling the message"))
        raise
    if envelope.reply is not None:
        envelope.reply.resolve(result)


def fail_pending(mailbox: Mailbox[Envelope], *, reason: str) -> int:
    """Close ``mailbox`` for good and fail every queued ask with ``ActorStopped``.

    Returns how many messages were drained (tells included), for the log.
    """
    leftovers = mailbox.close(reason)
    for envelope in leftovers:
        if envelope.reply is not None:
            envelope.reply.fail(ActorStopped(mailbox.owner, reason=reason))
    return len(leftovers)
