"""The actor runtime: mailboxes, refs, supervisors, rate limiter, circuit breaker, retry.

Generic on purpose: it knows nothing of EDI, Odoo or the store, and imports nothing of ours.
Time is always injected (``Clock``); under trio's ``MockClock`` everything runs in virtual
time.
"""

from ._actor import DEFAULT_ASK_TIMEOUT, Actor, ActorRef, Envelope
from ._breaker import BreakerChange, BreakerState, BreakerStatus, CircuitBreaker, Permit
from ._clock import Clock, ManualClock, TrioClock
from ._errors import (
    ActorCrashed,
    ActorError,
    ActorStopped,
    AskTimeout,
    CircuitOpen,
    MailboxFull,
    RestartIntensityExceeded,
)
from ._limiter import TokenBucket, TokenBucketStatus
from ._mailbox import Mailbox, MailboxStatistics
from ._retry import Decision, Jitter, RetryPolicy, exponential, retry_on
from ._spec import (
    ChildKind,
    ChildSpec,
    ChildState,
    ChildStatus,
    ErrorInfo,
    Restart,
    Strategy,
    SupervisionPolicy,
)
from ._supervisor import Supervisor

__all__ = [
    "DEFAULT_ASK_TIMEOUT",
    "Actor",
    "ActorCrashed",
    "ActorError",
    "ActorRef",
    "ActorStopped",
    "AskTimeout",
    "BreakerChange",
    "BreakerState",
    "BreakerStatus",
    "ChildKind",
    "ChildSpec",
    "ChildState",
    "ChildStatus",
    "CircuitBreaker",
    "CircuitOpen",
    "Clock",
    "Decision",
    "Envelope",
    "ErrorInfo",
    "Jitter",
    "Mailbox",
    "MailboxFull",
    "MailboxStatistics",
    "ManualClock",
    "Permit",
    "Restart",
    "RestartIntensityExceeded",
    "RetryPolicy",
    "Strategy",
    "SupervisionPolicy",
    "Supervisor",
    "TokenBucket",
    "TokenBucketStatus",
    "TrioClock",
    "exponential",
    "retry_on",
]
