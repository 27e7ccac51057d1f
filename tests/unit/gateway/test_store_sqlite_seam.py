"""The private aiosqlite API the store relies on, pinned down so an upgrade that changes it
fails here, by name, instead of somewhere deep in the writer.

``gateway/store/_sqlite.py`` uses ``Connection._execute(fn, *args)`` (run ``fn(*args)`` on
the connection's worker thread, return its result or raise its exception) and
``Connection._conn`` (the ``sqlite3.Connection`` that thread owns).
"""

from __future__ import annotations

import inspect
import sqlite3
import threading
from pathlib import Path

import aiosqlite
import pytest
import trio
import trio_asyncio

from gateway.store._sqlite import close, connect, run_sync


def test_the_private_api_still_has_its_shape() -> None:
    execute = aiosqlite.Connection._execute
    assert inspect.iscoroutinefunction(execute)
    params = list(inspect.signature(execute).parameters.values())
    assert [p.name for p in params[:2]] == ["self", "fn"]
    assert params[2].kind is inspect.Parameter.VAR_POSITIONAL
    assert isinstance(inspect.getattr_static(aiosqlite.Connection, "_conn"), property)


async def test_execute_runs_the_function_on_the_connection_thread(tmp_path: Path) -> None:
    async with trio_asyncio.open_loop() as loop:
        conn = await connect(
            tmp_path / "s.db", loop=loop, name="t", readonly=False, busy_timeout=1.0
        )
        try:
            assert isinstance(conn.raw, sqlite3.Connection)

            def where(db: sqlite3.Connection, x: int) -> tuple[int, int, bool]:
                return threading.get_ident(), x * 2, db is conn.raw

            thread, doubled, same = await run_sync(conn, where, 21)
            assert thread != threading.get_ident()
            assert (doubled, same) == (42, True)
            again, _, _ = await run_sync(conn, where, 0)
            assert again == thread  # one worker thread per connection

            def boom(db: sqlite3.Connection) -> None:
                db.execute("SELECT * FROM no_such_table")

            with pytest.raises(sqlite3.OperationalError, match="no_such_table"):
                await run_sync(conn, boom)
            journal, sync, fks = await run_sync(
                conn,
                lambda db: (
                    db.execute("PRAGMA journal_mode").fetchone()[0],
                    db.execute("PRAGMA synchronous").fetchone()[0],
                    db.execute("PRAGMA foreign_keys").fetchone()[0],
                ),
            )
            assert (journal, sync, fks) == ("wal", 2, 1)  # 2 is FULL
        finally:
            with trio.CancelScope(shield=True):
                await close(conn)
