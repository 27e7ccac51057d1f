"""gateway.systemd: sd_notify datagrams on a real AF_UNIX socket, and the watchdog loop.

The notify tests bind a datagram socket where systemd's would be and read what arrived.
The watchdog runs under trio's MockClock (``autojump_clock``): sleeping in the test moves
virtual time, so "15 s later" costs nothing and no real time is measured.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
import trio
import trio.testing

from gateway.systemd import (
    READY,
    STOPPING,
    WATCHDOG,
    extend_timeout,
    notify,
    run_watchdog,
    status,
    watchdog_interval,
)


def receive_all(sock: socket.socket) -> list[bytes]:
    datagrams = []
    while True:
        try:
            datagrams.append(sock.recv(4096))
        except BlockingIOError:
            return datagrams


@pytest.fixture
def notify_socket(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[socket.socket]:
    path = tmp_path / "notify.sock"
    assert len(str(path)) < 100, "AF_UNIX paths are limited to 108 bytes"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(str(path))
        sock.setblocking(False)
        monkeypatch.setenv("NOTIFY_SOCKET", str(path))
        yield sock


def test_notify_sends_one_datagram_of_lines(notify_socket: socket.socket) -> None:
    assert notify(READY, status("store open, 12 actors up")) is True
    assert notify(STOPPING) is True
    assert receive_all(notify_socket) == [
        b"READY=1\nSTATUS=store open, 12 actors up",
        b"STOPPING=1",
    ]


def test_notify_reaches_an_abstract_socket(monkeypatch: pytest.MonkeyPatch) -> None:
    name = f"crossdock-test-{uuid.uuid4().hex}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        sock.setblocking(False)
        monkeypatch.setenv("NOTIFY_SOCKET", "@" + name)
        assert notify(WATCHDOG) is True
        assert receive_all(sock) == [b"WATCHDOG=1"]


def test_notify_without_socket_is_a_noop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    assert notify(READY) is False


def test_notify_to_a_missing_socket_logs_and_returns_false(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    env = {"NOTIFY_SOCKET": str(tmp_path / "gone.sock")}
    assert notify(READY, environ=env) is False
    assert [r.msg for r in caplog.records] == ["sd_notify_failed"]


def test_notify_rejects_what_would_corrupt_the_datagram() -> None:
    with pytest.raises(ValueError):
        notify("READY=1\nMAINPID=1")
    with pytest.raises(ValueError):
        notify("READY")
    with pytest.raises(ValueError):
        notify()


def test_state_helpers() -> None:
    assert status("line one\nline two") == "STATUS=line one line two"
    assert extend_timeout(2.5) == "EXTEND_TIMEOUT_USEC=2500000"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, None),
        ({"WATCHDOG_USEC": "30000000"}, 30.0),
        ({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": str(os.getpid())}, 30.0),
        ({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": str(os.getpid() + 1)}, None),
        ({"WATCHDOG_USEC": "0"}, None),
        ({"WATCHDOG_USEC": "soon"}, None),
    ],
)
def test_watchdog_interval(env: dict[str, str], expected: float | None) -> None:
    assert watchdog_interval(env) == expected


async def test_watchdog_pings_at_half_the_interval_only_while_healthy(
    autojump_clock: trio.testing.MockClock,
) -> None:
    healthy = True
    pings: list[float] = []

    def send(state: str) -> bool:
        assert state == WATCHDOG
        pings.append(trio.current_time())
        return True

    async with trio.open_nursery() as nursery:
        start = trio.current_time()
        await nursery.start(partial(run_watchdog, lambda: healthy, interval=30, send=send))
        await trio.sleep(40)  # virtual: pings at 0, 15 and 30
        assert [t - start for t in pings] == [0, 15, 30]

        healthy = False  # the tree gave up: stop pinging so systemd restarts us
        await trio.sleep(60)
        assert len(pings) == 3

        healthy = True  # recovered before systemd acted: pinging resumes
        await trio.sleep(10)
        assert [t - start for t in pings] == [0, 15, 30, 105]
        nursery.cancel_scope.cancel()


async def test_watchdog_sends_real_datagrams_from_the_environment(
    autojump_clock: trio.testing.MockClock,
    notify_socket: socket.socket,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WATCHDOG_USEC", "2000000")
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    async with trio.open_nursery() as nursery:
        await nursery.start(partial(run_watchdog, lambda: True))
        await trio.sleep(2.5)  # virtual: pings at 0, 1 and 2
        nursery.cancel_scope.cancel()
    assert receive_all(notify_socket) == [b"WATCHDOG=1"] * 3


async def test_watchdog_without_systemd_waits_and_sends_nothing(
    autojump_clock: trio.testing.MockClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WATCHDOG_USEC", raising=False)
    sent: list[str] = []

    def send(state: str) -> bool:
        sent.append(state)
        return True

    async with trio.open_nursery() as nursery:
        await nursery.start(partial(run_watchdog, lambda: True, send=send))
        await trio.sleep(3600)
        nursery.cancel_scope.cancel()
    assert sent == []
