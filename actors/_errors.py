"""The actor runtime's own error tree: lifecycle and back-pressure signals.

::

    ActorError                     root; ``fields`` holds the structured context
    ├── MailboxFull                tell_nowait on a full mailbox: back off or drop, your call
    ├── ActorStopped               the actor stopped for good (or was stopped mid-message)
    ├── AskTimeout                 no reply within the ask's timeout
    ├── ActorCrashed               the handler of *this* ask raised; ``__cause__`` is the bug
    ├── CircuitOpen                the breaker rejects calls until ``retry_at``
    └── RestartIntensityExceeded   a supervisor gave up and escalates to its parent

``actors`` imports nothing of ours, so this tree stands beside ``contracts.errors``; the
gateway re-exports both. Every error says *who* (actor, breaker, supervisor) besides *what*,
so a log line or a dead letter can show it without parsing the message.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ActorCrashed",
    "ActorError",
    "ActorStopped",
    "AskTimeout",
    "CircuitOpen",
    "MailboxFull",
    "RestartIntensityExceeded",
]


class ActorError(Exception):
    """Root of every error the actor runtime raises on purpose."""

    def __init__(self, message: str, **fields: Any) -> None:
        super().__init__(message)
        self.message = message
        self.fields: dict[str, Any] = {k: v for k, v in fields.items() if v is not None}

    def __str__(self) -> str:
        if not self.fields:
            return self.message
        context = " ".join(f"{k}={v}" for k, v in self.fields.items())
        return f"{self.message} ({context})"


class MailboxFull(ActorError):
    """``tell_nowait`` found the mailbox at capacity; nothing was enqueued."""

    def __init__(self, actor: str, *, capacity: int) -> None:
        super().__init__("mailbox full", actor=actor, capacity=capacity)
        self.actor = actor
        self.capacity = capacity


class ActorStopped(ActorError):
    """The actor is not there to take the message, or stopped before it could reply.

    Raised by ``tell``/``ask`` once the actor stopped for good, and given to every pending
    ``ask`` when it stops (its queued messages are drained, never silently dropped).
    """

    def __init__(self, actor: str, *, reason: str = "stopped") -> None:
        super().__init__(f"actor {actor!r} {reason}", actor=actor)
        self.actor = actor
        self.reason = reason


class AskTimeout(ActorError):
    """No reply within ``timeout`` seconds (waiting for mailbox space included)."""

    def __init__(self, actor: str, *, timeout: float, message_type: str) -> None:
        super().__init__(
            "no reply in time", actor=actor, timeout=timeout, message_type=message_type
        )
        self.actor = actor
        self.timeout = timeout
        self.message_type = message_type


class ActorCrashed(ActorError):
    """The handler of the asked message raised; the actor crashed and its supervisor decides.

    The original exception is ``__cause__``; ``error`` repeats it for code that does not walk
    exception chains.
    """

    def __init__(self, actor: str, *, message_type: str, error: BaseException) -> None:
        super().__init__(
            "actor crashed handling the message",
            actor=actor,
            message_type=message_type,
            error=f"{type(error).__name__}: {error}",
        )
        self.actor = actor
        self.message_type = message_type
        self.error = error
        self.__cause__ = error


class CircuitOpen(ActorError):
    """The breaker rejects the call at once.

    ``retry_at`` is the breaker clock's time when the cool-down ends; it is ``None`` when the
    breaker is half-open and all probe slots are taken (try again once a probe settles).
    """

    def __init__(self, breaker: str, *, retry_at: float | None, state: str) -> None:
        super().__init__("circuit open", breaker=breaker, state=state, retry_at=retry_at)
        self.breaker = breaker
        self.retry_at = retry_at
        self.state = state


class RestartIntensityExceeded(ActorError):
    """A child restarted more than ``max_restarts`` times within ``within`` seconds.

    The supervisor stopped all its children and raises this to its own parent, which treats
    it like any other crash of a child (escalation). ``last_error`` is what the child last
    died of, also set as ``__cause__``.
    """

    def __init__(
        self,
        supervisor: str,
        *,
        child: str,
        restarts: int,
        within: float,
        last_error: BaseException | None,
    ) -> None:
        super().__init__(
            "restart intensity exceeded",
            supervisor=supervisor,
            child=child,
            restarts=restarts,
            within=within,
            last_error=None if last_error is None else type(last_error).__name__,
        )
        self.supervisor = supervisor
        self.child = child
        self.restarts = restarts
        self.within = within
        self.last_error = last_error
        self.__cause__ = last_error
