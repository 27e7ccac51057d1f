"""What the SFTP edge hands a received file to, and what it hears back.

The edge may not touch the store (``edge`` imports ``contracts`` only), so both the drop
server and the pollers take a :class:`FileSink`, a trio-side object the gateway implements on
the store. Its one promise: when ``file_closed`` returns :class:`Accepted` or
:class:`Duplicate`, the bytes (or the fact that they repeat earlier bytes) are committed
durably. Only then does the edge archive the file locally or delete it remotely, so a crash at
any point either leaves the file where it was (and it is taken again) or leaves it committed
(and taking it again is answered with :class:`Duplicate`).

::

    class FileSink(Protocol):
        async def file_closed(self, partner, name, data, *, channel) -> Receipt

    Receipt = Accepted | Duplicate | Rejected
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Protocol

import msgspec

__all__ = ["Accepted", "Checkpoint", "Duplicate", "FileSink", "Receipt", "Rejected"]

# ``await checkpoint(step, name)`` at the named steps of a transfer; tests use it to stop a
# child process at an exact point before killing it. ``None`` means no checkpoints.
Checkpoint = Callable[[str, str], Awaitable[None]]


class Accepted(msgspec.Struct, frozen=True, kw_only=True):
    """Stored as a new inbound file; ``inbound_id`` is its row."""

    inbound_id: int


class Duplicate(msgspec.Struct, frozen=True, kw_only=True):
    """Stored as a repeat of an earlier file; it will not be processed again."""

    inbound_id: int
    duplicate_of: int
    original_name: str
    original_received_at: float  # seconds since the epoch

    @property
    def reason(self) -> str:
        when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.original_received_at))
        return (
            f"duplicate of {self.original_name} received {when} "
            f"(inbound {self.duplicate_of}), not processed again"
        )


class Rejected(msgspec.Struct, frozen=True, kw_only=True):
    """Refused; ``inbound_id`` is set when the refusal itself was stored."""

    reason: str
    inbound_id: int | None = None


Receipt = Accepted | Duplicate | Rejected


class FileSink(Protocol):
    """Commits received files durably before answering (implemented by the gateway)."""

    async def file_closed(
        self, partner: str, name: str, data: bytes, *, channel: str
    ) -> Receipt:  # pragma: no cover - a protocol
        """Store ``data`` that ``partner`` sent as ``name`` over ``channel``.

        ``channel`` is ``"sftp-drop"`` or ``"sftp-poll"``. Raise a ``TransientFailure`` when
        the file could not be stored now (the edge then keeps or re-fetches it).
        """
        ...
