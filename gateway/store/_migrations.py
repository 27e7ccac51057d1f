"""Numbered migrations: ``migrations/NNNN_name.sql``, applied in order when the store opens.

Each migration runs in its own ``BEGIN IMMEDIATE`` transaction together with its row in
``schema_version`` (version, name, sha256 of the file), so a crash mid-migration leaves the
database at the previous version. Opening refuses, with a :class:`SchemaError`:

- a database whose newest version is beyond the code's newest migration (it was written by a
  newer crossdock; running older code on it could silently misread it), and
- a database where an applied migration's checksum differs from the file (someone edited a
  released migration; write a new one instead).

Runs synchronously on a ``sqlite3.Connection`` (the writer's thread), like every SQL here.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from dataclasses import dataclass
from importlib import resources

from gateway.store._errors import SchemaError

__all__ = ["Migration", "apply_migrations", "load_migrations", "schema_version"]

_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")

_CREATE_VERSION_TABLE = """
CREATE TABLE IF NOT EXISTS schema_version (
    version     INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    checksum    TEXT NOT NULL,
    applied_at  REAL NOT NULL
) STRICT
"""
_APPLIED = "SELECT version, name, checksum FROM schema_version ORDER BY version"
_RECORD = "INSERT INTO schema_version (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)"


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str
    checksum: str

    def statements(self) -> list[str]:
        """The file split into statements with SQLite's own notion of "complete"."""
        out: list[str] = []
        buffer = ""
        for line in self.sql.splitlines(keepends=True):
            buffer += line
            if sqlite3.complete_statement(buffer):
                out.append(buffer.strip())
                buffer = ""
        if _strip_comments(buffer):
            raise SchemaError(
                f"migration {self.version:04d}_{self.name} ends in an incomplete statement"
            )
        return out


def _strip_comments(sql: str) -> str:
    return "\n".join(ln for ln in sql.splitlines() if not ln.strip().startswith("--")).strip()


def load_migrations(package: str = "gateway.store", folder: str = "migrations") -> list[Migration]:
    """The migrations shipped with the code, checked to be numbered 1..n without gaps."""
    found: list[Migration] = []
    for entry in resources.files(package).joinpath(folder).iterdir():
        match = _FILE.match(entry.name)
        if match is None:
            continue
        text = entry.read_bytes().decode("utf-8").replace("\r\n", "\n")
        checksum = hashlib.sha256(text.encode("utf-8")).hexdigest()
        found.append(Migration(int(match.group(1)), match.group(2), text, checksum))
    found.sort(key=lambda m: m.version)
    expected = list(range(1, len(found) + 1))
    if [m.version for m in found] != expected:
        raise SchemaError(f"migrations must be numbered 1..n without gaps, found {found!r}")
    return found


def schema_version(conn: sqlite3.Connection) -> int:
    """The newest migration applied to this database (0 for a fresh file)."""
    exists = conn.execute(
        "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version'"
    ).fetchone()
    if exists is None:
        return 0
    row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(row[0] or 0)


def apply_migrations(
    conn: sqlite3.Connection, migrations: list[Migration], now: float, *, path: str | None = None
) -> list[int]:
    """Bring the database up to the newest migration; returns the versions applied now.

    Safe against a second process opening the same new file at the same moment: the check
    of what is applied happens again inside each migration's write transaction.
    """
    newest = migrations[-1].version if migrations else 0
    applied_now: list[int] = []
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(_CREATE_VERSION_TABLE)
        _check_applied(conn, migrations, newest, path)
        conn.execute("COMMIT")
    except BaseException:
        _rollback(conn)
        raise
    for migration in migrations:
        conn.execute("BEGIN IMMEDIATE")
        try:
            done = {row[0] for row in conn.execute(_APPLIED)}
            if migration.version in done:
                conn.execute("COMMIT")
                continue
            for statement in migration.statements():
                conn.execute(statement)
            conn.execute(_RECORD, (migration.version, migration.name, migration.checksum, now))
            conn.execute("COMMIT")
        except BaseException:
            _rollback(conn)
            raise
        applied_now.append(migration.version)
    return applied_now


def _check_applied(
    conn: sqlite3.Connection, migrations: list[Migration], newest: int, path: str | None
) -> None:
    known = {m.version: m for m in migrations}
    for version, name, checksum in conn.execute(_APPLIED).fetchall():
        if version > newest:
            raise SchemaError(
                f"the database is at schema version {version} ({name}) but this crossdock "
                f"knows only up to version {newest}: it was written by a newer crossdock; "
                "upgrade crossdock, or restore a backup taken before the upgrade",
                path=path,
                database_version=version,
                code_version=newest,
            )
        if known[version].checksum != checksum:
            raise SchemaError(
                f"migration {version:04d}_{name} differs from the one applied to this database; "
                "released migrations must never change (add a new one instead)",
                path=path,
                version=version,
            )


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        conn.execute("ROLLBACK")
