"""Real SFTP peers for the SFTP tests: OpenSSH's ``sshd`` and ``sftp``, keys, a fake sink.

It lives in a ``test_`` module because those are the files this part of the suite owns; the
other ``test_sftp_*`` modules import it as ``tests.integration.test_sftp_support``.

- :func:`running_sshd` starts ``/usr/sbin/sshd -D -e`` on 127.0.0.1 and a free port with its
  own config in a temporary directory: a generated Ed25519 host key, ``AuthorizedKeysFile``
  in the same directory, ``StrictModes no``, ``UsePAM no``, ``Subsystem sftp
  internal-sftp``, no chroot (the tests use absolute folders under ``tmp_path``). It logs in
  as the user running the tests (root here: ``PermitRootLogin prohibit-password`` allows
  keys only). Readiness is sshd's own "Server listening" line, read from its stderr.
- :func:`run_sftp` runs OpenSSH's ``sftp`` in batch mode against a port.
- A missing ``sshd`` or ``sftp`` FAILS these tests; ``scripts/test`` installs them.
"""

from __future__ import annotations

import getpass
import os
import shutil
import signal
import socket
import subprocess
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh
import pytest
import trio

from edge.sftp import (
    Accepted,
    DropAccount,
    DropObserver,
    DropServerInfo,
    DropSettings,
    Duplicate,
    FileSink,
    Receipt,
    Rejected,
    serve_drop,
)

SSHD = Path("/usr/sbin/sshd")
HANG_GUARD = 30  # seconds: a bound on waits that should take milliseconds, never a sync


def require_openssh() -> tuple[Path, str]:
    """sshd and sftp, or a loud failure (never a skip)."""
    sftp = shutil.which("sftp")
    if not SSHD.exists() or sftp is None:
        pytest.fail(
            f"OpenSSH is required: {SSHD} {'found' if SSHD.exists() else 'missing'}, "
            f"sftp {'found' if sftp else 'missing'}; install openssh-server and "
            "openssh-client (scripts/test does)"
        )
    return SSHD, sftp


def make_key(path: Path, comment: str = "test") -> str:
    """Write an Ed25519 private key (0600, OpenSSH format) and ``.pub``; return the pub line."""
    key = asyncssh.generate_private_key("ssh-ed25519", comment=comment)
    path.write_bytes(key.export_private_key())
    os.chmod(path, 0o600)
    public = key.export_public_key().decode().strip()
    path.with_name(path.name + ".pub").write_text(public + "\n")
    return public


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class FakeSink:
    """A :class:`edge.sftp.FileSink` in memory: same partner + same bytes is a duplicate."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, bytes, str]] = []
        self.fail_with: Exception | None = None
        self.reject: set[str] = set()

    async def file_closed(self, partner: str, name: str, data: bytes, *, channel: str) -> Receipt:
        if self.fail_with is not None:
            raise self.fail_with
        self.calls.append((partner, name, data, channel))
        inbound_id = len(self.calls)
        if name in self.reject:
            return Rejected(reason=f"{name} is not wanted", inbound_id=inbound_id)
        for i, (p, n, d, _) in enumerate(self.calls[:-1], start=1):
            if (p, d) == (partner, data):
                return Duplicate(
                    inbound_id=inbound_id,
                    duplicate_of=i,
                    original_name=n,
                    original_received_at=1_700_000_000.0,
                )
        return Accepted(inbound_id=inbound_id)

    def names(self) -> list[str]:
        return [name for _, name, _, _ in self.calls]


@dataclass
class Sshd:
    host: str
    port: int
    user: str
    host_key_line: str  # "ssh-ed25519 AAAA..."
    authorized_keys: Path
    log: list[str] = field(default_factory=list)


@asynccontextmanager
async def running_sshd(directory: Path) -> AsyncIterator[Sshd]:
    """OpenSSH's sshd on 127.0.0.1 and a free port, until the block ends."""
    sshd, _ = require_openssh()
    host_key, host_key_line, authorized = _prepare_sshd(directory)
    for _attempt in range(5):
        port = free_port()
        config = directory / "sshd_config"
        config.write_text(
            f"Port {port}\nListenAddress 127.0.0.1\nHostKey {host_key}\n"
            f"PidFile {directory / 'sshd.pid'}\nAuthorizedKeysFile {authorized}\n"
            "StrictModes no\nUsePAM no\nPermitRootLogin prohibit-password\n"
            "PubkeyAuthentication yes\nPasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\nSubsystem sftp internal-sftp\n"
            "LogLevel VERBOSE\n"
        )
        proc = await trio.lowlevel.open_process(
            [str(sshd), "-D", "-e", "-f", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        server = Sshd("127.0.0.1", port, getpass.getuser(), host_key_line, authorized)
        try:
            async with trio.open_nursery() as nursery:
                listening = trio.Event()
                nursery.start_soon(_read_log, proc, server.log, listening)
                with trio.fail_after(HANG_GUARD):
                    await listening.wait()
                if any("Server listening" in line for line in server.log):
                    yield server
                    nursery.cancel_scope.cancel()
                    return
                nursery.cancel_scope.cancel()
        finally:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
            with trio.CancelScope(shield=True), trio.fail_after(HANG_GUARD):
                await proc.wait()
        if not any("Address already in use" in line for line in server.log):
            break
    pytest.fail("sshd did not start:\n" + "\n".join(server.log))


def _prepare_sshd(directory: Path) -> tuple[Path, str, Path]:
    """sshd's host key (and its public line) and an empty authorized_keys in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    host_key = directory / "ssh_host_ed25519_key"
    host_key_line = " ".join(make_key(host_key, "sshd").split()[:2])
    authorized = directory / "authorized_keys"
    authorized.touch()
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation dir
    return host_key, host_key_line, authorized


async def _read_log(proc: trio.Process, lines: list[str], listening: trio.Event) -> None:
    assert proc.stderr is not None
    buffer = b""
    async for chunk in proc.stderr:
        buffer += chunk
        *complete, buffer = buffer.split(b"\n")
        for raw in complete:
            line = raw.decode(errors="replace")
            lines.append(line)
            if "Server listening" in line or "already in use" in line or "fatal" in line:
                listening.set()
    listening.set()  # sshd exited: let the starter look at the log


async def run_sftp(
    port: int,
    key: Path,
    known_hosts: Path,
    commands: Sequence[str],
    *,
    user: str,
    workdir: Path,
    extra: Sequence[str] = (),
) -> subprocess.CompletedProcess[bytes]:
    """Run ``sftp -b`` with ``commands`` against 127.0.0.1:``port``; never raises on failure."""
    _, sftp = require_openssh()
    batch = workdir / "batch"
    batch.write_text("\n".join(commands) + "\n")
    argv = [
        sftp,
        "-b",
        str(batch),
        "-i",
        str(key),
        "-P",
        str(port),
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        f"UserKnownHostsFile={known_hosts}",
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        "IdentityAgent=none",
        *extra,
        f"{user}@127.0.0.1",
    ]
    with trio.fail_after(HANG_GUARD):
        return await trio.run_process(
            argv, cwd=workdir, capture_stdout=True, capture_stderr=True, check=False
        )


def known_hosts_file(path: Path, port: int, host_key_line: str) -> Path:
    path.write_text(f"[127.0.0.1]:{port} {host_key_line}\n")
    return path


@dataclass
class Drop:
    """A running drop server and what a client needs to reach it."""

    info: DropServerInfo
    settings: DropSettings
    known_hosts: Path
    root: Path


@asynccontextmanager
async def running_drop(
    directory: Path,
    sink: FileSink,
    accounts: Sequence[DropAccount],
    *,
    observer: DropObserver | None = None,
) -> AsyncIterator[Drop]:
    """The crossdock drop server on 127.0.0.1, port 0, until the block ends."""
    settings = DropSettings(
        root=str(directory / "sftp"),
        host_key=str(directory / "host_key"),
        accounts=tuple(accounts),
    )
    async with trio.open_nursery() as nursery:
        with trio.fail_after(HANG_GUARD):
            info: DropServerInfo = await nursery.start(
                lambda task_status: serve_drop(
                    settings, sink, observer=observer, task_status=task_status
                )
            )
        known = known_hosts_file(directory / "known_hosts", info.port, info.host_key_line)
        yield Drop(info, settings, known, directory / "sftp")
        nursery.cancel_scope.cancel()


def tree_files(root: Path) -> list[str]:
    """Every file under ``root``, relative, sorted (hidden ones too)."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_make_key_writes_a_key_openssh_reads(tmp_path: Path) -> None:
    require_openssh()
    public = make_key(tmp_path / "k")
    shown = subprocess.run(
        ["ssh-keygen", "-lf", str(tmp_path / "k.pub")], capture_output=True, text=True, check=True
    )
    assert public.startswith("ssh-ed25519 ") and "ED25519" in shown.stdout


async def test_fake_sink_finds_duplicates_by_partner_and_content() -> None:
    sink = FakeSink()
    assert await sink.file_closed("a", "x", b"1", channel="c") == Accepted(inbound_id=1)
    assert isinstance(await sink.file_closed("b", "y", b"1", channel="c"), Accepted)
    again = await sink.file_closed("a", "z", b"1", channel="c")
    assert isinstance(again, Duplicate) and again.duplicate_of == 1
    assert "duplicate of x received 2023-11-14T22:13:20Z" in again.reason
