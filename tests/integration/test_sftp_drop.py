"""The drop server against OpenSSH's own ``sftp`` client: uploads, outbox, duplicates, kills.

The server runs in-process (127.0.0.1, port 0) behind the real store-backed sink where the
store matters, else a fake one. The client is ``/usr/bin/sftp`` in batch mode with its own
key and a known_hosts file pinning the server's generated host key. Synchronisation is on the
server's own events (the observer) and on the client process ending; no sleeps.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
from pathlib import Path

import pytest
import trio

from edge.sftp import DropAccount, DropEvent, DropTree
from gateway.config import load_config
from gateway.sftp_intake import StoreFileSink, drop_tree, serve_sftp_drop
from gateway.store import InboundState, open_store
from tests.integration.test_sftp_support import (
    HANG_GUARD,
    FakeSink,
    known_hosts_file,
    make_key,
    require_openssh,
    run_sftp,
    running_drop,
    tree_files,
)

ORDER = b"UNA:+.? 'UNB+UNOC:3+4012345000009:14+4098765000007:14+250301:0912+17'UNZ+0+17'"


def account(tmp_path: Path, partner: str = "acme", **limits: int) -> tuple[DropAccount, Path]:
    key = tmp_path / f"{partner}_key"
    make_key(key, partner)
    return DropAccount(
        partner=partner,
        username=partner,
        authorized_keys=(str(key) + ".pub",),
        **limits,
    ), key


async def test_an_upload_is_committed_archived_and_reported_once(tmp_path: Path) -> None:
    acme, key = account(tmp_path)
    (tmp_path / "PO1.edi").write_bytes(ORDER)
    notified: list[int] = []

    async def on_file(partner: str, inbound_id: int) -> None:
        notified.append(inbound_id)

    async with open_store(tmp_path / "db.sqlite3") as store:
        sink = StoreFileSink(store, on_file)
        async with running_drop(tmp_path, sink, [acme]) as drop:
            result = await run_sftp(
                drop.info.port,
                key,
                drop.known_hosts,
                ["cd inbox", "put PO1.edi", "ls -la /inbox"],
                user="acme",
                workdir=tmp_path,
            )
            assert result.returncode == 0, result.stderr.decode()
            # Answered only after the commit: the row exists when the client is done.
            rows = await store.list_inbound(InboundState.RECEIVED, partner="acme")
        assert [(r.source_ref, r.raw, r.channel) for r in rows] == [("PO1.edi", ORDER, "sftp-drop")]
        assert notified == [rows[0].inbound_id]
    assert tree_files(drop.root / "acme") == [f"archive/{rows[0].inbound_id}-PO1.edi"]
    assert (drop.root / "acme" / "archive" / f"{rows[0].inbound_id}-PO1.edi").read_bytes() == ORDER
    listing = [line for line in result.stdout.decode().splitlines() if "sftp>" not in line]
    assert len(listing) == 2 and "PO1.edi" not in "".join(listing)  # only . and .. remain


async def test_the_partner_reads_what_the_gateway_wrote_to_its_outbox(tmp_path: Path) -> None:
    acme, key = account(tmp_path)
    sink = FakeSink()
    async with running_drop(tmp_path, sink, [acme]) as drop:
        contrl = b"UNH+1+CONTRL:D:3:UN'UCI+17+4098765000007:14+4012345000009:14+7'UNT+3+1'"
        written = await DropTree(drop.root).write_outbox_file("acme", "CONTRL-17.edi", contrl)
        assert written == drop.root / "acme" / "outbox" / "CONTRL-17.edi"
        result = await run_sftp(
            drop.info.port,
            key,
            drop.known_hosts,
            ["ls /outbox", "get /outbox/CONTRL-17.edi fetched.edi", "rm /outbox/CONTRL-17.edi"],
            user="acme",
            workdir=tmp_path,
        )
    assert result.returncode == 0, result.stderr.decode()
    assert (tmp_path / "fetched.edi").read_bytes() == contrl
    assert tree_files(drop.root / "acme") == []  # fetched, then removed by the partner
    assert sink.calls == []


async def test_a_duplicate_goes_to_rejected_with_its_reason(tmp_path: Path) -> None:
    acme, key = account(tmp_path)
    (tmp_path / "PO1.edi").write_bytes(ORDER)
    async with (
        open_store(tmp_path / "db.sqlite3") as store,
        running_drop(tmp_path, StoreFileSink(store), [acme]) as drop,
    ):
        result = await run_sftp(
            drop.info.port,
            key,
            drop.known_hosts,
            [
                "put PO1.edi /inbox/PO1.edi",
                "put PO1.edi /inbox/PO1-again.edi",
                "put PO1.edi /inbox/PO1-again.edi",
                "get /rejected/PO1-again.edi.reason why.txt",
                "ls -1 /rejected",
            ],
            user="acme",
            workdir=tmp_path,
        )
        assert result.returncode == 0, result.stderr.decode()
        first = (await store.find_inbound("acme", "PO1.edi"))[0]
        repeats = await store.find_inbound("acme", "PO1-again.edi")
    assert [r.state for r in repeats] == [InboundState.DUPLICATE, InboundState.DUPLICATE]
    assert {r.duplicate_of for r in repeats} == {first.inbound_id}
    reason = (tmp_path / "why.txt").read_text()
    assert reason.startswith("duplicate of PO1.edi received 20")
    assert reason.rstrip().endswith(f"(inbound {first.inbound_id}), not processed again")
    listing = result.stdout.decode()
    for name in ("PO1-again.edi", "PO1-again.edi.reason", "PO1-again-2.edi"):
        assert name in listing
    assert tree_files(drop.root / "acme") == [
        f"archive/{first.inbound_id}-PO1.edi",
        "rejected/PO1-again-2.edi",
        "rejected/PO1-again-2.edi.reason",
        "rejected/PO1-again.edi",
        "rejected/PO1-again.edi.reason",
    ]


async def test_a_held_upload_is_taken_when_renamed_to_its_final_name(tmp_path: Path) -> None:
    acme, key = account(tmp_path)
    (tmp_path / "PO2.edi").write_bytes(ORDER + b"2")
    sink = FakeSink()
    events: list[DropEvent] = []
    async with running_drop(tmp_path, sink, [acme], observer=events.append) as drop:
        result = await run_sftp(
            drop.info.port,
            key,
            drop.known_hosts,
            [
                "put PO2.edi /inbox/PO2.edi.filepart",
                "ls -1 /inbox",
                "rename /inbox/PO2.edi.filepart /inbox/PO2.edi",
            ],
            user="acme",
            workdir=tmp_path,
        )
    assert result.returncode == 0, result.stderr.decode()
    assert "PO2.edi.filepart" in result.stdout.decode()  # held, visible, not taken
    assert [(n, d) for _, n, d, _ in sink.calls] == [("PO2.edi", ORDER + b"2")]
    assert [e.kind for e in events if e.kind in ("held", "accepted")] == ["held", "accepted"]
    assert tree_files(drop.root / "acme") == ["archive/1-PO2.edi"]


async def test_a_store_failure_fails_the_close_and_keeps_nothing(tmp_path: Path) -> None:
    from contracts.errors import TransientFailure

    acme, key = account(tmp_path)
    (tmp_path / "PO3.edi").write_bytes(ORDER)
    sink = FakeSink()
    sink.fail_with = TransientFailure("database is locked")
    async with running_drop(tmp_path, sink, [acme]) as drop:
        result = await run_sftp(
            drop.info.port, key, drop.known_hosts, ["put PO3.edi /inbox/"], user="acme",
            workdir=tmp_path,
        )  # fmt: skip
    assert result.returncode != 0
    assert tree_files(drop.root / "acme") == []


async def test_a_client_killed_mid_upload_leaves_nothing_processed(tmp_path: Path) -> None:
    """SIGSTOP the client from the server's own progress event (so it cannot finish), look
    at the inbox, SIGKILL it, and wait for the server to see the session end."""
    _, sftp = require_openssh()
    acme, key = account(tmp_path, max_file_size=256 * 1024 * 1024)
    big = tmp_path / "BIG.edi"
    big.write_bytes(os.urandom(1024) * (16 * 1024))  # 16 MiB; the SSH window is 2 MiB
    sink = FakeSink()
    stopped, abandoned = trio.Event(), trio.Event()
    pid: list[int] = []

    def observe(event: DropEvent) -> None:
        if event.kind == "progress" and event.size >= 1024 * 1024 and not stopped.is_set():
            os.kill(pid[0], signal.SIGSTOP)  # inside the server's write: no more data comes
            stopped.set()
        elif event.kind == "abandoned":
            abandoned.set()

    async with running_drop(tmp_path, sink, [acme], observer=observe) as drop:
        (tmp_path / "batch").write_text("put BIG.edi /inbox/BIG.edi\n")
        proc = await trio.lowlevel.open_process(
            [sftp, "-b", "batch", "-i", str(key), "-P", str(drop.info.port),
             "-o", "StrictHostKeyChecking=yes", "-o", f"UserKnownHostsFile={drop.known_hosts}",
             "-o", "IdentitiesOnly=yes", "acme@127.0.0.1"],
            cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        pid.append(proc.pid)
        try:
            with trio.fail_after(HANG_GUARD):
                await stopped.wait()
            during = tree_files(drop.root / "acme")
            proc.send_signal(signal.SIGKILL)
            with trio.fail_after(HANG_GUARD):
                await proc.wait()
                await abandoned.wait()
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    assert len(during) == 1 and during[0].startswith("inbox/.upload-"), during
    assert sink.calls == []
    assert tree_files(drop.root / "acme") == []


async def test_shutdown_with_an_upload_in_flight_abandons_it(tmp_path: Path) -> None:
    """Cancelling the server while a client is mid-upload (and frozen) closes the session:
    the partial upload is deleted, the sink never called, and serve_drop returns."""
    _, sftp = require_openssh()
    acme, key = account(tmp_path, max_file_size=256 * 1024 * 1024)
    (tmp_path / "BIG.edi").write_bytes(os.urandom(1024) * (8 * 1024))
    sink = FakeSink()
    events: list[DropEvent] = []
    stopped = trio.Event()
    pid: list[int] = []

    def observe(event: DropEvent) -> None:
        events.append(event)
        if event.kind == "progress" and not stopped.is_set():
            os.kill(pid[0], signal.SIGSTOP)
            stopped.set()

    (tmp_path / "batch").write_text("put BIG.edi /inbox/BIG.edi\n")
    proc = None
    try:
        async with running_drop(tmp_path, sink, [acme], observer=observe) as drop:
            proc = await trio.lowlevel.open_process(
                [sftp, "-b", "batch", "-i", str(key), "-P", str(drop.info.port),
                 "-o", "StrictHostKeyChecking=yes",
                 "-o", f"UserKnownHostsFile={drop.known_hosts}", "acme@127.0.0.1"],
                cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            pid.append(proc.pid)
            with trio.fail_after(HANG_GUARD):
                await stopped.wait()
        # leaving the block cancelled serve_drop, which returned: the session is gone
    finally:
        if proc is not None:
            proc.kill()
            await proc.wait()
    assert [e.kind for e in events if e.kind != "progress"] == ["upload_started", "abandoned"]
    assert sink.calls == []
    assert tree_files(drop.root / "acme") == []


async def test_the_gateway_service_serves_the_partners_of_the_config(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="edge.sftp")
    key = tmp_path / "keys" / "acme"
    key.parent.mkdir()
    make_key(key)
    (tmp_path / "odoo.key").write_text("not-a-real-key\n")
    config_file = tmp_path / "crossdock.toml"
    config_file.write_text(
        """
[gateway]
state_dir = "state"
[sftp]
bind = "127.0.0.1:0"
[odoo]
url = "http://127.0.0.1:9"
protocol = "json2"
database = "db"
api_key = { file = "odoo.key" }
[[partners]]
id = "acme-retail"
role = "customer"
formats = ["edifact"]
identifiers.edifact = [{ id = "4012345000009", qualifier = "14" }]
[[partners.channels]]
type = "sftp-drop"
username = "acme"
authorized_keys = ["keys/acme.pub"]
"""
    )
    config = load_config(config_file, environ={})
    assert config.sftp.host_key == str(tmp_path / "state" / "ssh_host_ed25519_key")
    (tmp_path / "PO9.edi").write_bytes(ORDER)
    (tmp_path / "state").mkdir()
    notified: list[int] = []

    async def on_file(partner: str, inbound_id: int) -> None:
        notified.append(inbound_id)

    async with open_store(tmp_path / "state" / "db.sqlite3") as store:
        async with trio.open_nursery() as nursery:
            info = await nursery.start(serve_sftp_drop, config, store, on_file)
            assert info is not None and info.port > 0
            host_key = tmp_path / "state" / "ssh_host_ed25519_key"
            assert host_key.stat().st_mode & 0o777 == 0o600
            (logged,) = [r.crossdock_fields for r in caplog.records if r.msg == "sftp_host_key"]  # type: ignore[attr-defined]
            assert logged["fingerprint"] == info.fingerprint and logged["created"] is True
            assert info.fingerprint.startswith("SHA256:")
            known = known_hosts_file(tmp_path / "known", info.port, info.host_key_line)
            result = await run_sftp(
                info.port, key, known, ["put PO9.edi /inbox/"], user="acme", workdir=tmp_path
            )
            nursery.cancel_scope.cancel()
        assert result.returncode == 0, result.stderr.decode()
        rows = await store.find_inbound("acme-retail", "PO9.edi")
    assert [r.inbound_id for r in rows] == notified
    archived = drop_tree(config).folder("acme-retail", "archive")
    assert [p.name for p in archived.iterdir()] == [f"{notified[0]}-PO9.edi"]
