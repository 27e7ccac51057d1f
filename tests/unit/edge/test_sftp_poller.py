"""``run_poller``'s loop: polls every interval, survives transient failures, obeys a guard.

No network: the guard stands in for the poll (it is what the gateway's breaker wraps), and
the autojump clock makes the intervals free.
"""

from __future__ import annotations

import logging

import pytest
import trio
import trio.testing

from contracts.errors import TransientFailure
from edge.sftp import (
    ClientKey,
    PartnerServer,
    PollReport,
    PollSettings,
    parse_host_key_pin,
    run_poller,
)
from edge.sftp._poller import PollGuard


def settings(interval: float = 60.0) -> PollSettings:
    server = PartnerServer(
        partner="nw",
        host="sftp.nw.example",
        username="crossdock",
        client_key=ClientKey(None, "nowhere"),
        host_key=parse_host_key_pin("SHA256:" + "A" * 43),
    )
    return PollSettings(server=server, interval=interval)


class NullSink:
    async def file_closed(self, partner: str, name: str, data: bytes, *, channel: str) -> None:
        raise AssertionError("no file should arrive")


async def test_transient_failures_are_logged_and_polling_goes_on(
    autojump_clock: trio.testing.MockClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="edge.sftp")
    calls: list[float] = []

    async def guard(poll: object) -> PollReport:
        calls.append(trio.current_time())
        if len(calls) % 2:
            raise TransientFailure("breaker open", partner="nw")
        return PollReport(taken=["x"])

    typed_guard: PollGuard = guard  # type: ignore[assignment]
    with trio.move_on_after(250):
        await run_poller(settings(60.0), NullSink(), guard=typed_guard)  # type: ignore[arg-type]
    assert calls == [0.0, 60.0, 120.0, 180.0, 240.0]
    failed = [r for r in caplog.records if r.msg == "sftp_poll_failed"]
    assert len(failed) == 3
    assert failed[0].crossdock_fields["reason"].startswith("breaker open")  # type: ignore[attr-defined]
    done = [r for r in caplog.records if r.msg == "sftp_poll_done"]
    assert [r.crossdock_fields["taken"] for r in done] == [1, 1]  # type: ignore[attr-defined]


async def test_other_errors_crash_the_poller(autojump_clock: trio.testing.MockClock) -> None:
    async def guard(poll: object) -> PollReport:
        raise LookupError("a bug")

    with pytest.raises(LookupError):
        await run_poller(settings(), NullSink(), guard=guard)  # type: ignore[arg-type]
