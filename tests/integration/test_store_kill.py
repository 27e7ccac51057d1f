"""kill -9 in the middle of a burst of writes: every acknowledged write survives.

A child process (``store_writer_child.py``) writes concurrently and prints each key only
after the store acknowledged it. The test reads some of those lines, SIGKILLs the child
mid-burst, then opens the database: every acknowledged key must be there, every two-row
transaction must be whole, and ``PRAGMA integrity_check`` must pass. Synchronised by
reading the child's pipe; no sleeps.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import trio

from gateway.store import NewDelivery, open_store

CHILD = Path(__file__).with_name("store_writer_child.py")
REPO = Path(__file__).resolve().parents[2]


def run_and_kill(db: Path, kill_after: int, tasks: int) -> list[str]:
    """Start the child, read ``kill_after`` acknowledgements, SIGKILL it; return every
    acknowledgement it managed to write (complete lines only)."""
    proc = subprocess.Popen(
        [sys.executable, str(CHILD), str(db), str(tasks)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
        text=True,
    )
    watchdog = threading.Timer(60, proc.kill)  # a hung child fails the test, never hangs it
    watchdog.start()
    try:
        assert proc.stdout is not None and proc.stderr is not None
        first = proc.stdout.readline()
        assert first == "ready\n", f"child did not start: {first!r} {proc.stderr.read()}"
        lines = [proc.stdout.readline() for _ in range(kill_after)]
        proc.send_signal(signal.SIGKILL)
        lines += proc.stdout.read().splitlines(keepends=True)  # what it wrote before dying
        proc.wait()
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    assert proc.returncode == -signal.SIGKILL, "the child ended before it was killed"
    return [line for line in lines if line.endswith("\n")]


@pytest.mark.parametrize(("kill_after", "tasks"), [(1, 8), (400, 64), (4000, 256)])
def test_acknowledged_writes_survive_sigkill(tmp_path: Path, kill_after: int, tasks: int) -> None:
    db = tmp_path / "store.db"
    acked = run_and_kill(db, kill_after, tasks)
    assert len(acked) >= kill_after

    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        stored = {k for (k,) in conn.execute("SELECT idempotency_key FROM outbox")}
    finally:
        conn.close()
    missing = []
    for line in acked:
        kind, *keys = line.split()
        assert kind in ("one", "pair")
        missing += [k for k in keys if k not in stored]
    assert missing == [], f"{len(missing)} acknowledged writes lost, e.g. {missing[:5]}"
    halves = {k[:-1] for k in stored if k.startswith("p")}
    torn = [p for p in halves if not {p + "a", p + "b"} <= stored]
    assert torn == [], f"transactions torn in half: {torn[:5]}"
    assert len(stored) >= sum(len(line.split()) - 1 for line in acked)


def test_the_killed_database_reopens_and_takes_writes(tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    acked = run_and_kill(db, 200, 32)

    async def reopen() -> tuple[int, bool]:
        async with open_store(db) as store:
            again = await store.enqueue_many([])
            assert again == []
            stats = await store.statistics()
            first_key = acked[0].split()[1]
            repeat = await store.enqueue(
                NewDelivery(
                    idempotency_key=first_key,
                    destination="odoo",
                    partner="ACME",
                    flow="order_intake",
                    payload=b"again",
                )
            )
            return stats.outbox["available"], repeat.created

    available, created = trio.run(reopen)
    assert available >= 200 and created is False  # the acknowledged row is there, once
