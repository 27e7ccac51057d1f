"""kill -9 in the middle of SFTP transfers, then restart: every file exactly once.

A child process (``test_sftp_child``) polls or uploads against the test's ``sshd`` and halts
at a named checkpoint; the test reads that line from its pipe, SIGKILLs it, and runs the next
one. Polls commit into a real store (``open_store`` in ``tmp_path``) through the gateway's
``StoreFileSink``. No sleeps: the kill point is the child's own report.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import trio

from gateway.store import InboundState, open_store
from tests.integration.test_sftp_support import HANG_GUARD, Sshd, make_key, running_sshd

REPO = Path(__file__).resolve().parents[2]
CHILD = "tests.integration.test_sftp_child"


def spec_for(sshd: Sshd, key: Path, **fields: Any) -> dict[str, Any]:
    return {
        "partner": "nw",
        "port": sshd.port,
        "user": sshd.user,
        "key": str(key),
        "pin": sshd.host_key_line,
        **fields,
    }


async def run_child(spec: dict[str, Any]) -> list[str]:
    """Run the child; if ``stop_at`` is set, SIGKILL it there. Its lines, in order."""
    proc = await trio.lowlevel.open_process(
        [sys.executable, "-m", CHILD, json.dumps(spec)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert proc.stdout is not None and proc.stderr is not None
    lines: list[str] = []
    buffer = b""
    try:
        with trio.fail_after(HANG_GUARD):
            async for chunk in proc.stdout:
                buffer += chunk
                *complete, buffer = buffer.split(b"\n")
                lines += [line.decode() for line in complete]
                if spec.get("stop_at") in lines:
                    proc.send_signal(signal.SIGKILL)
                    break
            await proc.wait()
            errors = b"".join([chunk async for chunk in proc.stderr]).decode()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    if spec.get("stop_at"):
        assert proc.returncode == -signal.SIGKILL, (lines, errors)
    else:
        assert proc.returncode == 0, (lines, errors)
    return lines


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


async def test_a_poller_killed_anywhere_takes_every_file_exactly_once(tmp_path: Path) -> None:
    async with running_sshd(tmp_path / "sshd") as sshd:
        key = tmp_path / "key"
        sshd.authorized_keys.write_text(make_key(key) + "\n")
        out = tmp_path / "remote" / "out"
        out.mkdir(parents=True)
        bodies = {name: os.urandom(200_000) for name in ("A.edi", "B.edi", "C.edi")}
        for name, body in bodies.items():
            (out / name).write_bytes(body)
        db = tmp_path / "crossdock.sqlite3"
        base = spec_for(sshd, key, mode="poll", folder=str(out), db=str(db))

        # 1. killed mid-download of A: nothing committed, nothing removed.
        lines = await run_child({**base, "stop_at": "downloading A.edi"})
        assert lines == ["downloading A.edi"]
        assert files(out) == sorted(bodies)
        # 2. killed after A's commit, before its remote delete.
        lines = await run_child({**base, "stop_at": "committed A.edi"})
        assert lines[-1] == "committed A.edi"
        assert files(out) == sorted(bodies)
        # 3. an undisturbed poll: A is recognised as a duplicate and only cleaned up.
        lines = await run_child(base)
        report = json.loads(lines[-1].removeprefix("done "))
        assert report == {"taken": ["B.edi", "C.edi"], "duplicates": ["A.edi"]}
    assert files(out) == []
    async with open_store(db) as store:
        received = await store.list_inbound(InboundState.RECEIVED, partner="nw")
        duplicates = await store.list_inbound(InboundState.DUPLICATE, partner="nw")
    assert sorted(r.source_ref for r in received) == sorted(bodies)  # each exactly once
    assert {r.source_ref: r.raw for r in received} == bodies
    assert [(d.source_ref, d.duplicate_of) for d in duplicates] == [
        ("A.edi", next(r.inbound_id for r in received if r.source_ref == "A.edi"))
    ]


async def test_an_upload_killed_anywhere_leaves_exactly_one_copy(tmp_path: Path) -> None:
    async with running_sshd(tmp_path / "sshd") as sshd:
        key = tmp_path / "key"
        sshd.authorized_keys.write_text(make_key(key) + "\n")
        inbox = tmp_path / "remote" / "in"
        inbox.mkdir(parents=True)
        data = tmp_path / "940.x12"
        data.write_bytes(os.urandom(500_000))
        base = spec_for(
            sshd, key, mode="upload", folder=str(inbox), name="940-7.x12",
            data=str(data), idempotency_key="partner:nw/940/7",
        )  # fmt: skip
        steps: Sequence[str] = ("written 940-7.x12", "renamed 940-7.x12")

        await run_child({**base, "stop_at": steps[0]})
        (temp,) = files(inbox)
        assert temp.startswith(".940-7.x12.") and temp.endswith(".part")  # never the final name
        await run_child({**base, "stop_at": steps[1]})
        assert files(inbox) == ["940-7.x12"]  # the retry reused (and renamed) its own temp
        lines = await run_child(base)
    assert json.loads(lines[-1].removeprefix("done ")) == {"written": False, "size": 500_000}
    assert files(inbox) == ["940-7.x12"]
    assert (inbox / "940-7.x12").read_bytes() == data.read_bytes()
