"""E2E helpers: the installed ``crossdock`` command, configs in tmp dirs, sd_notify sockets."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import GatewayFiles, write_gateway_config

__all__ = [
    "GatewayFiles",
    "NotifySocket",
    "admin_url_from",
    "start_gateway",
    "write_gateway_config",
]

CROSSDOCK = Path(sys.executable).with_name("crossdock")


@pytest.fixture(scope="session")
def crossdock_bin() -> Path:
    assert CROSSDOCK.exists(), f"{CROSSDOCK} missing: install the project (pip install -e .)"
    return CROSSDOCK


class NotifySocket:
    """A stand-in for systemd's notify socket: collects what the service sends."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.received: list[str] = []

    def wait_for(
        self, state: str, proc: subprocess.Popen[bytes] | None = None, timeout: float = 60.0
    ) -> list[str]:
        """Block until a datagram contains ``state`` (e.g. ``READY=1``); return its lines.

        Fails at once if ``proc`` exits first (with its stderr), and after ``timeout`` seconds
        (a bound on a hang, not a synchronisation).
        """
        deadline = time.monotonic() + timeout
        self.sock.settimeout(0.2)
        while time.monotonic() < deadline:
            try:
                lines = self.sock.recv(4096).decode().splitlines()
            except TimeoutError:
                if proc is not None and proc.poll() is not None:
                    err = proc.stderr.read().decode() if proc.stderr else ""
                    raise AssertionError(
                        f"crossdock exited with {proc.returncode} before {state}:\n{err}"
                    ) from None
                continue
            self.received.extend(lines)
            if state in lines:
                return lines
        raise AssertionError(f"no {state} within {timeout} s; received {self.received}")

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def notify_socket(tmp_path: Path) -> Iterator[NotifySocket]:
    sock = NotifySocket(tmp_path / "notify.sock")
    yield sock
    sock.close()


def admin_url_from(lines: list[str]) -> str:
    for line in lines:
        match = re.search(r"admin on (http://\S+)", line)
        if match:
            return match.group(1)
    raise AssertionError(f"no admin URL in {lines}")


def start_gateway(
    crossdock_bin: Path, files: GatewayFiles, notify: NotifySocket
) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k not in ("NOTIFY_SOCKET", "WATCHDOG_USEC")}
    env["NOTIFY_SOCKET"] = str(notify.path)
    return subprocess.Popen(
        [str(crossdock_bin), "run", "--config", str(files.config)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
