"""Mailbox: bounded, back-pressure on send, MailboxFull on send_nowait, honest statistics."""

from __future__ import annotations

import pytest
import trio
import trio.testing

from actors import ActorStopped, Mailbox, MailboxFull, MailboxStatistics


async def test_a_full_mailbox_blocks_the_sender_until_there_is_room() -> None:
    mailbox: Mailbox[int] = Mailbox(2, owner="acme")
    mailbox.send_nowait(1)
    await mailbox.send(2)
    delivered = trio.Event()

    async def sender() -> None:
        await mailbox.send(3)
        delivered.set()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(sender)
        await trio.testing.wait_all_tasks_blocked()
        assert not delivered.is_set()
        assert mailbox.statistics() == MailboxStatistics(
            depth=2, capacity=2, peak=2, blocked_senders=1, closed=False
        )
        assert await mailbox.receive() == 1
        await delivered.wait()
    assert [await mailbox.receive(), await mailbox.receive()] == [2, 3]
    stats = mailbox.statistics()
    assert (stats.depth, stats.peak, stats.blocked_senders) == (0, 2, 0)


async def test_send_nowait_on_a_full_mailbox_raises_and_enqueues_nothing() -> None:
    mailbox: Mailbox[str] = Mailbox(1, owner="acme")
    mailbox.send_nowait("first")
    with pytest.raises(MailboxFull) as caught:
        mailbox.send_nowait("second")
    assert caught.value.actor == "acme"
    assert caught.value.capacity == 1
    assert mailbox.statistics().depth == 1
    assert await mailbox.receive() == "first"


async def test_peak_remembers_the_high_water_mark() -> None:
    mailbox: Mailbox[int] = Mailbox(10)
    for i in range(7):
        await mailbox.send(i)
    for _ in range(7):
        await mailbox.receive()
    mailbox.send_nowait(99)
    stats = mailbox.statistics()
    assert (stats.depth, stats.peak) == (1, 7)


async def test_a_waiting_receiver_takes_the_item_without_raising_the_peak() -> None:
    mailbox: Mailbox[int] = Mailbox(3)
    got: list[int] = []

    async def receiver() -> None:
        got.append(await mailbox.receive())

    async with trio.open_nursery() as nursery:
        nursery.start_soon(receiver)
        await trio.testing.wait_all_tasks_blocked()
        await mailbox.send(5)
    assert got == [5]
    assert mailbox.statistics().peak == 0


async def test_close_returns_the_queue_and_wakes_blocked_senders_with_actor_stopped() -> None:
    mailbox: Mailbox[int] = Mailbox(2, owner="acme")
    mailbox.send_nowait(1)
    mailbox.send_nowait(2)
    outcome: list[BaseException] = []

    async def blocked() -> None:
        try:
            await mailbox.send(3)
        except ActorStopped as error:
            outcome.append(error)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(blocked)
        await trio.testing.wait_all_tasks_blocked()
        assert mailbox.close("stopped: shutdown") == [1, 2]
    assert len(outcome) == 1 and isinstance(outcome[0], ActorStopped)
    assert (outcome[0].actor, outcome[0].reason) == ("acme", "stopped: shutdown")
    assert mailbox.statistics() == MailboxStatistics(
        depth=0, capacity=2, peak=2, blocked_senders=0, closed=True
    )
    assert mailbox.close() == []
    with pytest.raises(ActorStopped):
        mailbox.send_nowait(4)
    with pytest.raises(ActorStopped):
        await mailbox.send(4)
    with pytest.raises(ActorStopped):
        await mailbox.receive()


async def test_reopen_accepts_messages_again_and_keeps_the_peak() -> None:
    mailbox: Mailbox[int] = Mailbox(2)
    mailbox.send_nowait(1)
    mailbox.close()
    mailbox.reopen()
    mailbox.send_nowait(2)
    assert await mailbox.receive() == 2
    stats = mailbox.statistics()
    assert (stats.closed, stats.peak) == (False, 1)


def test_a_mailbox_must_hold_at_least_one_message() -> None:
    with pytest.raises(ValueError, match="at least one"):
        Mailbox(0)
