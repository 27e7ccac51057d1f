"""An unreachable partner SFTP server opens that partner's breaker; other partners are not
touched. Real pieces: the configured poller against a refused port on 127.0.0.1, the
partner's breaker from the gateway's endpoints, the guard the tree wires between them."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import trio

from actors import BreakerState
from contracts.errors import TransientFailure
from edge.sftp import PollState, poll_once
from gateway.config import load_config
from gateway.endpoints import breaker_guard, make_breaker
from gateway.sftp_intake import poll_settings
from tests.integration.test_sftp_support import FakeSink, make_key
from tests.support import write_gateway_config


def refused_port() -> int:
    """A port nothing listens on (bound, then closed: connecting is refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_unreachable_server_opens_only_that_partners_breaker(tmp_path: Path) -> None:
    our_key = tmp_path / "our_key"
    make_key(our_key)
    their_key = tmp_path / "their_host_key"
    host_line = make_key(their_key)
    poll = f"""
[[partners]]
id = "north-3pl"
role = "3pl"
formats = ["csv"]
breaker = {{ failure_threshold = 3, cooldown = 300 }}

[[partners.channels]]
type = "sftp-poll"
host = "127.0.0.1"
port = {refused_port()}
username = "x"
download_dir = "out"
upload_dir = "in"
private_key = "{our_key}"
host_key = "{host_line}"

[[partners]]
id = "south-3pl"
role = "3pl"
formats = ["csv"]
channels = [{{ type = "none" }}]
"""
    config = load_config(write_gateway_config(tmp_path, partners=poll).config)
    north = make_breaker("partner:north-3pl", config.partner("north-3pl").breaker)
    south = make_breaker("partner:south-3pl", config.partner("south-3pl").breaker)
    (settings,) = poll_settings(config, "north-3pl")
    guard = breaker_guard(north)
    sink, state, attempts = FakeSink(), PollState(), 0

    async def once():  # type: ignore[no-untyped-def]
        nonlocal attempts
        attempts += 1
        return await poll_once(settings, sink, state, now=trio.current_time())

    for _ in range(3):
        with pytest.raises(TransientFailure):
            await guard(once)
    assert north.state is BreakerState.OPEN and attempts == 3

    with pytest.raises(TransientFailure, match="circuit open"):
        await guard(once)
    assert attempts == 3  # an open breaker does not even try to connect
    assert south.state is BreakerState.CLOSED
