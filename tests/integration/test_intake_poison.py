"""A bug while reading a file crashes the partner's actor, but sets the row aside first: a
restart must not rehydrate the same file and crash again for ever (one poison file would
stall that partner's intake). Real store in a temp dir; the bug is planted in `examine`."""

from __future__ import annotations

from pathlib import Path

import pytest

import gateway.intake as intake
from gateway.config import load_config
from gateway.intake import IntakeOutcome, PartnerIntake
from gateway.store import InboundState, NewInbound, open_store
from tests.support import write_gateway_config


async def test_a_bug_sets_the_row_aside_then_crashes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = load_config(write_gateway_config(tmp_path).config)

    def broken(*args: object, **kwargs: object) -> object:
        raise KeyError("planted bug")

    async with open_store(tmp_path / "db.sqlite3") as store:
        got = await store.receive_inbound(
            NewInbound(partner="acme-retail", channel="sftp-drop", source_ref="PO1.edi", raw=b"x")
        )
        partner = PartnerIntake(store, config, "acme-retail")
        monkeypatch.setattr(intake, "examine", broken)
        with pytest.raises(KeyError, match="planted bug"):
            await partner.process(got.inbound_id)
        row = await store.get_inbound(got.inbound_id)
        assert row is not None and row.state is InboundState.REJECTED
        assert row.reason is not None and "internal error while reading PO1.edi" in row.reason
        # What a restarted actor does first: nothing is left to crash on.
        monkeypatch.undo()
        assert await partner.process_pending() == 0
        assert await partner.process(got.inbound_id) is IntakeOutcome.SKIPPED
