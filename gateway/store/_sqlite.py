"""The seam to SQLite: aiosqlite connections driven from trio, and error translation.

Every byte of SQL the store runs goes through :func:`run_sync`: one call ships one plain
function to the connection's worker thread and runs it there against the ``sqlite3``
connection. The writer ships a whole batch of writes this way in ONE hop, which is what makes
group commit cheap; one aiosqlite call per statement would cost a thread round trip each.

aiosqlite has no public "run this function in your thread". Its ``Connection._execute(fn,
*args)`` does exactly that (every public method is built on it), and ``Connection._conn`` is
the ``sqlite3`` connection it owns. Both are private, so they are used here and nowhere else;
``tests/unit/gateway/test_store_sqlite_seam.py`` fails if aiosqlite changes them, and
pyproject pins ``aiosqlite>=0.20,<0.23``.

``sqlite3`` exceptions are translated into the store's errors here (:func:`translate`), so
nothing above this module knows which database runs underneath.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite
import trio
import trio_asyncio

from gateway.store._errors import (
    ConstraintViolation,
    StoreBusy,
    StoreError,
    StoreUnavailable,
)

__all__ = ["Connection", "close", "connect", "run_sync", "run_translated", "translate"]

T = TypeVar("T")


class Connection:
    """An aiosqlite connection plus the loop it runs on and the raw ``sqlite3`` handle."""

    __slots__ = ("_aio", "_execute", "loop", "name", "raw")

    def __init__(
        self, aio: aiosqlite.Connection, loop: asyncio.AbstractEventLoop, name: str
    ) -> None:
        self._aio = aio
        self.loop = loop
        self.name = name
        # Private aiosqlite API, see the module docstring. Bound once: the hot path is a
        # single attribute load per batch.
        self.raw: sqlite3.Connection = aio._conn
        self._execute = trio_asyncio.aio_as_trio(aio._execute, loop=loop)


async def connect(
    path: str | Path,
    *,
    loop: asyncio.AbstractEventLoop,
    name: str,
    readonly: bool,
    busy_timeout: float,
) -> Connection:
    """Open one connection: WAL, ``synchronous=FULL``, foreign keys, busy timeout.

    ``isolation_level=None``: the store issues BEGIN / COMMIT itself, never sqlite3.
    """

    async def _open() -> aiosqlite.Connection:
        return await aiosqlite.connect(str(path), isolation_level=None, cached_statements=256)

    try:
        aio = await trio_asyncio.aio_as_trio(_open, loop=loop)()
    except sqlite3.Error as exc:
        raise translate(exc) from exc
    conn = Connection(aio, loop, name)
    try:
        await run_translated(conn, _configure, readonly, int(busy_timeout * 1000))
    except BaseException:
        with trio.CancelScope(shield=True):
            await close(conn)
        raise
    return conn


def _configure(db: sqlite3.Connection, readonly: bool, busy_timeout_ms: int) -> None:
    db.execute(f"PRAGMA busy_timeout = {busy_timeout_ms:d}")
    db.execute("PRAGMA foreign_keys = ON")
    # A page cache big enough for the hot index pages: inserting into the key index and
    # the claim index at random places is what a small cache turns into page reads.
    db.execute(f"PRAGMA cache_size = {-16384 if readonly else -65536:d}")  # KiB
    if readonly:
        db.execute("PRAGMA query_only = ON")
        return
    mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise StoreUnavailable(f"could not switch the database to WAL (journal_mode={mode})")
    db.execute("PRAGMA synchronous = FULL")
    # Every multi-row INSERT inside the batch transaction keeps a statement journal (to undo
    # just that statement on a constraint error) and every write a savepoint; past 64 KiB
    # SQLite spills those to a temporary FILE unless temp_store is MEMORY. They only ever
    # serve a rollback inside the open transaction, never crash recovery (that is the WAL),
    # so memory costs no durability; measured, it cuts the pwrite calls by more than half and
    # saves about 2 us per enqueue under bench/store.py's load.
    db.execute("PRAGMA temp_store = MEMORY")
    # Checkpoint (copy the WAL back into the database file, fsync it) every 8192 pages
    # (32 MiB at 4 KiB pages) instead of every 1000. The writer's COMMIT runs them, so they
    # are on the critical path; an index page rewritten by many batches is copied once per
    # checkpoint, so fewer, larger checkpoints write less (a quarter fewer writes and
    # fsyncs per enqueue, measured with strace on bench/store.py's load). Durability is
    # the same: a commit is on disk once it is in the WAL, and a checkpoint is still
    # fsynced. The price: a WAL file of up to ~32 MiB, and an occasional longer COMMIT.
    db.execute("PRAGMA wal_autocheckpoint = 8192")


async def run_sync(conn: Connection, fn: Callable[..., T], *args: Any) -> T:
    """Run ``fn(sqlite3_connection, *args)`` on the connection's thread; return its result.

    Cancellation: the trio caller is released at once, but the function runs to its end in
    the thread (a thread cannot be interrupted) and its result is dropped. Callers that
    must know the outcome (the writer) shield this call.
    """
    result: T = await conn._execute(fn, conn.raw, *args)
    return result


async def run_translated(conn: Connection, fn: Callable[..., T], *args: Any) -> T:
    """:func:`run_sync`, with ``sqlite3`` errors raised as store errors."""
    try:
        return await run_sync(conn, fn, *args)
    except sqlite3.Error as exc:
        raise translate(exc) from exc


async def close(conn: Connection) -> None:
    """Close after everything already queued on the connection's thread has run."""
    await trio_asyncio.aio_as_trio(conn._aio.close, loop=conn.loop)()


def translate(exc: BaseException) -> BaseException:
    """``sqlite3`` errors -> store errors (cause kept); anything else is returned as is."""
    if not isinstance(exc, sqlite3.Error):
        return exc
    name = getattr(exc, "sqlite_errorname", None)
    text = f"{exc} ({name})" if name else str(exc)
    new: StoreError
    if isinstance(exc, sqlite3.IntegrityError):
        new = ConstraintViolation(text)
    elif name is not None and name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        new = StoreBusy(text)
    elif isinstance(exc, sqlite3.OperationalError | sqlite3.DatabaseError) and not isinstance(
        exc, sqlite3.ProgrammingError | sqlite3.DataError
    ):
        new = StoreUnavailable(text)
    else:
        new = StoreError(f"the store was used wrongly: {text}")
    new.__cause__ = exc
    return new
