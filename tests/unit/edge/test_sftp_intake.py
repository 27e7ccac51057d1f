"""``StoreFileSink``: what the store says becomes a receipt; a failed notification never
fails a committed upload. (The real store is exercised in tests/integration/test_sftp_*.)"""

from __future__ import annotations

import logging

import pytest

from edge.sftp import Accepted, Duplicate, Rejected
from gateway.sftp_intake import StoreFileSink
from gateway.store import InboundRecord, InboundState, NewInbound, Received


class FakeStore:
    def __init__(self) -> None:
        self.rows: list[NewInbound] = []

    async def receive_inbound(self, item: NewInbound) -> Received:
        self.rows.append(item)
        earlier = next(
            (
                i
                for i, r in enumerate(self.rows[:-1], 1)
                if (r.partner, r.raw) == (item.partner, item.raw)
            ),
            None,
        )
        return Received(inbound_id=len(self.rows), content_hash="h", duplicate_of=earlier)

    async def get_inbound(self, inbound_id: int) -> InboundRecord:
        row = self.rows[inbound_id - 1]
        return InboundRecord(
            inbound_id=inbound_id, partner=row.partner, channel=row.channel,
            source_ref=row.source_ref, content_hash="h", control_ref=None, size=len(row.raw),
            raw=row.raw, state=InboundState.RECEIVED, reason=None, duplicate_of=None,
            received_at=1_740_820_320.0, updated_at=0.0,
        )  # fmt: skip


async def test_receipts_follow_the_store() -> None:
    store, told = FakeStore(), []

    async def on_file(partner: str, inbound_id: int) -> None:
        told.append((partner, inbound_id))

    sink = StoreFileSink(store, on_file)  # type: ignore[arg-type]
    assert await sink.file_closed("acme", "PO1.edi", b"x", channel="sftp-drop") == Accepted(
        inbound_id=1
    )
    again = await sink.file_closed("acme", "PO1b.edi", b"x", channel="sftp-poll")
    assert again == Duplicate(
        inbound_id=2, duplicate_of=1, original_name="PO1.edi", original_received_at=1_740_820_320.0
    )
    assert again.reason == (
        "duplicate of PO1.edi received 2025-03-01T09:12:00Z (inbound 1), not processed again"
    )
    empty = await sink.file_closed("acme", "empty.edi", b"", channel="sftp-drop")
    assert isinstance(empty, Rejected) and "empty" in empty.reason
    assert told == [("acme", 1)]  # only the new file is announced, with its partner
    assert [r.channel for r in store.rows] == ["sftp-drop", "sftp-poll"]


async def test_a_failed_notification_is_logged_and_the_file_still_accepted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def on_file(partner: str, inbound_id: int) -> None:
        raise RuntimeError("mailbox gone")

    sink = StoreFileSink(FakeStore(), on_file)  # type: ignore[arg-type]
    with caplog.at_level(logging.ERROR):
        receipt = await sink.file_closed("acme", "PO1.edi", b"x", channel="sftp-drop")
    assert receipt == Accepted(inbound_id=1)
    (record,) = [r for r in caplog.records if r.msg == "sftp_notify_failed"]
    assert record.crossdock_fields["inbound_id"] == 1  # type: ignore[attr-defined]
    assert "mailbox gone" in caplog.text
