"""A bounded mailbox over a trio memory channel, with the statistics an operator needs.

A mailbox belongs to a *supervised child*, not to one actor instance: it outlives restarts,
so messages queued while an actor restarts wait for the next instance. It is closed only
when its owner stops for good; closing hands back whatever was still queued so the owner can
fail the pending asks instead of dropping them silently. A supervisor that restarts the whole
subtree later reopens it, so a ref taken at wiring time stays valid for the process' life.
"""

from __future__ import annotations

from typing import Generic, TypeVar

import msgspec
import trio

from ._errors import ActorStopped, MailboxFull

__all__ = ["Mailbox", "MailboxStatistics"]

T = TypeVar("T")


class MailboxStatistics(msgspec.Struct, frozen=True, kw_only=True):
    """A snapshot of one mailbox; JSON-able as it is (the admin API serves it)."""

    depth: int
    """Messages queued now."""
    capacity: int
    """Messages the mailbox holds before senders block (or ``tell_nowait`` fails)."""
    peak: int
    """The highest depth seen since the mailbox was created (survives restarts)."""
    blocked_senders: int
    """Tasks waiting for space right now: back-pressure in action."""
    closed: bool


class Mailbox(Generic[T]):
    """Bounded FIFO: ``send`` blocks when full, ``send_nowait`` raises ``MailboxFull``.

    One producer side and one consumer side, never cloned, so ``close`` is final for both:
    blocked senders wake with ``ActorStopped`` and queued items are returned to the caller.
    """

    def __init__(self, capacity: int, *, owner: str = "mailbox") -> None:
        if capacity < 1:
            raise ValueError(f"a mailbox needs room for at least one message, got {capacity}")
        self._capacity = capacity
        self._owner = owner
        self._peak = 0
        self._closed = False
        self._close_reason = "stopped"
        self._send, self._receive = trio.open_memory_channel[T](capacity)

    @property
    def owner(self) -> str:
        return self._owner

    @property
    def closed(self) -> bool:
        return self._closed

    async def send(self, item: T) -> None:
        """Enqueue, waiting for space while the mailbox is full (back-pressure)."""
        self._note_incoming()
        try:
            await self._send.send(item)
        except (trio.ClosedResourceError, trio.BrokenResourceError):
            raise self._stopped() from None

    def send_nowait(self, item: T) -> None:
        """Enqueue now or raise ``MailboxFull``; never waits."""
        try:
            self._send.send_nowait(item)
        except trio.WouldBlock:
            raise MailboxFull(self._owner, capacity=self._capacity) from None
        except (trio.ClosedResourceError, trio.BrokenResourceError):
            raise self._stopped() from None
        self._peak = max(self._peak, self._send.statistics().current_buffer_used)

    async def receive(self) -> T:
        """The next item, waiting if empty; ``ActorStopped`` once closed and drained."""
        try:
            return await self._receive.receive()
        except (trio.EndOfChannel, trio.ClosedResourceError):
            raise self._stopped() from None

    def close(self, reason: str = "stopped") -> list[T]:
        """Refuse new items, wake blocked senders, and return what was still queued.

        ``reason`` is what later senders are told (``ActorStopped.reason``). Synchronous
        (memory channels close without a checkpoint), so it is safe in a ``finally`` of a
        cancelled task. Closing twice returns nothing the second time.
        """
        if self._closed:
            return []
        self._closed = True
        self._close_reason = reason
        self._send.close()
        leftovers: list[T] = []
        while True:
            try:
                leftovers.append(self._receive.receive_nowait())
            except (trio.WouldBlock, trio.EndOfChannel):
                break
        self._receive.close()
        return leftovers

    def reopen(self) -> None:
        """Accept messages again after ``close`` (the owner is being started afresh)."""
        if not self._closed:
            return
        self._send, self._receive = trio.open_memory_channel[T](self._capacity)
        self._closed = False

    def statistics(self) -> MailboxStatistics:
        stats = self._send.statistics()
        return MailboxStatistics(
            depth=0 if self._closed else stats.current_buffer_used,
            capacity=self._capacity,
            peak=self._peak,
            blocked_senders=0 if self._closed else stats.tasks_waiting_send,
            closed=self._closed,
        )

    def _note_incoming(self) -> None:
        # Measured before the send: once it returns, the consumer may already have taken the
        # item. A waiting consumer takes it straight from the sender (the buffer stays empty);
        # a full buffer means this sender is about to block, which is the peak by definition.
        stats = self._send.statistics()
        if self._closed or stats.tasks_waiting_receive:
            return
        self._peak = max(self._peak, min(self._capacity, stats.current_buffer_used + 1))

    def _stopped(self) -> ActorStopped:
        return ActorStopped(self._owner, reason=self._close_reason)

    def __repr__(self) -> str:
        s = self.statistics()
        return f"<Mailbox {self._owner!r} {s.depth}/{s.capacity} closed={s.closed}>"
