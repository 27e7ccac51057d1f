"""The state every transaction operation shares: the connection, the time, the defaults.

A ``Tx`` lives for one write (inside the writer's batch transaction and its own savepoint)
or one read (inside a read transaction on a reader connection). Its methods are plain
synchronous functions run on the connection's thread; callers only ever see them through
``Store.transact(fn)`` and never the ``sqlite3`` connection underneath.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

import msgspec

from gateway.store import _queries as q

__all__ = ["TxBase"]

_encode = msgspec.json.Encoder().encode


class TxBase:
    """Holds the connection and the batch's timestamp; mixins add the named operations."""

    __slots__ = ("_conn", "_default_max_attempts", "now")

    def __init__(self, conn: sqlite3.Connection, now: float, default_max_attempts: int) -> None:
        self._conn = conn
        #: the time of this transaction (one per writer batch), from the store's clock
        self.now = now
        self._default_max_attempts = default_max_attempts

    def audit(
        self,
        actor: str,
        action: str,
        subject: str,
        details: Mapping[str, Any] | None = None,
        *,
        content_hash: str | None = None,
    ) -> int:
        """Append one audit entry (who did what to which subject); returns its id."""
        row = self._conn.execute(
            q.AUDIT,
            (self.now, actor, action, subject, _encode(dict(details or {})).decode(), content_hash),
        ).fetchone()
        return int(row[0])


def json_ids(ids: Any) -> str:
    """A JSON array of ints for ``json_each(:ids)``: one statement for any number of ids."""
    return _encode([int(i) for i in ids]).decode()
