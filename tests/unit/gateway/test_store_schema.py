"""The schema is the state machine: migrations, CHECK constraints and transition triggers.

Garbage goes in through raw ``sqlite3`` (as a hand-written UPDATE in the shell would) and
must be refused by the database itself, not by the store's code.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from gateway.store import SchemaError
from gateway.store._migrations import (
    Migration,
    apply_migrations,
    load_migrations,
    schema_version,
)

HASH = "a" * 64


def fresh(path: Path | str = ":memory:") -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA foreign_keys = ON")
    apply_migrations(db, load_migrations(), 1000.0)
    return db


def outbox_row(db: sqlite3.Connection, key: str = "k1", **overrides: object) -> int:
    row: dict[str, object] = {
        "idempotency_key": key,
        "destination": "odoo",
        "partner": "ACME",
        "flow": "order_intake",
        "payload": b"{}",
        "state": "available",
        "attempts": 0,
        "max_attempts": 3,
        "run_after": 1.0,
        "created_at": 1.0,
        "updated_at": 1.0,
    }
    row.update(overrides)
    cols = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    cur = db.execute(f"INSERT INTO outbox ({cols}) VALUES ({marks})", tuple(row.values()))
    assert cur.lastrowid is not None
    return cur.lastrowid


# --- migrations ---------------------------------------------------------------------------


def test_migrations_are_numbered_and_create_every_table(tmp_path: Path) -> None:
    migrations = load_migrations()
    assert [m.version for m in migrations] == list(range(1, len(migrations) + 1))
    db = sqlite3.connect(tmp_path / "s.db", isolation_level=None)
    assert schema_version(db) == 0
    applied = apply_migrations(db, migrations, 5.0)
    assert applied == [m.version for m in migrations]
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")}
    assert {"inbound", "documents", "outbox", "outbox_errors", "audit", "cursors"} <= tables
    assert schema_version(db) == migrations[-1].version


def test_reapplying_is_a_no_op(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "s.db", isolation_level=None)
    apply_migrations(db, load_migrations(), 5.0)
    outbox_row(db)
    assert apply_migrations(db, load_migrations(), 6.0) == []
    assert db.execute("SELECT count(*) FROM outbox").fetchone() == (1,)
    assert db.execute("SELECT count(*) FROM schema_version").fetchone() == (len(load_migrations()),)


def test_a_newer_database_is_refused() -> None:
    db = fresh()
    db.execute("INSERT INTO schema_version VALUES (999, 'future', 'x', 1.0)")
    with pytest.raises(SchemaError, match="newer crossdock") as err:
        apply_migrations(db, load_migrations(), 2.0)
    assert err.value.fields["database_version"] == 999


def test_an_edited_migration_is_refused() -> None:
    db = fresh()
    db.execute("UPDATE schema_version SET checksum = 'edited' WHERE version = 1")
    with pytest.raises(SchemaError, match="must never change"):
        apply_migrations(db, load_migrations(), 2.0)


def test_a_failing_migration_leaves_the_previous_version() -> None:
    good = load_migrations()
    bad = Migration(
        len(good) + 1, "broken", "CREATE TABLE x (a INTEGER);\nCREATE TABLE x (b);\n", "c" * 64
    )
    db = fresh()
    with pytest.raises(sqlite3.OperationalError, match="already exists"):
        apply_migrations(db, [*good, bad], 2.0)
    assert schema_version(db) == good[-1].version
    names = {r[0] for r in db.execute("SELECT name FROM sqlite_schema")}
    assert "x" not in names  # the half-applied migration was rolled back


def test_statement_splitting_keeps_triggers_whole() -> None:
    initial = load_migrations()[0]
    statements = initial.statements()
    triggers = [s for s in statements if "CREATE TRIGGER" in s]
    assert len(triggers) == initial.sql.count("CREATE TRIGGER") > 0
    assert all(s.endswith("END;") and s.count("CREATE") == 1 for s in triggers)
    assert len(statements) == initial.sql.count("CREATE ")


# --- CHECK constraints over states ------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "why"),
    [
        ({"state": "exploded"}, "unknown state"),
        ({"state": "running"}, "running without a claim"),
        ({"claim_token": "t", "claimed_at": 1.0}, "a claim on an available row"),
        ({"state": "completed"}, "finished without a finish time"),
        ({"state": "dead", "finished_at": 2.0}, "dead without an error"),
        ({"state": "retryable", "attempts": 1}, "retryable without an error"),
        ({"attempts": 3, "max_attempts": 3}, "available with no attempt left"),
        ({"attempts": 4}, "more attempts than allowed"),
        ({"max_attempts": 0}, "no attempt at all"),
        ({"result": "42"}, "a result on a row that is not completed"),
        ({"idempotency_key": ""}, "empty key"),
        ({"payload": "text"}, "payload must be bytes (STRICT)"),
        ({"document_id": 999}, "foreign key to no document"),
    ],
)
def test_outbox_refuses_illegal_rows(overrides: dict[str, object], why: str) -> None:
    db = fresh()
    with pytest.raises(sqlite3.IntegrityError):
        outbox_row(db, **overrides)
    assert db.execute("SELECT count(*) FROM outbox").fetchone() == (0,), why


def test_outbox_accepts_a_legal_running_row() -> None:
    db = fresh()
    outbox_row(db, state="running", attempts=1, claim_token="t", claimed_at=2.0)
    assert db.execute("SELECT state FROM outbox").fetchone() == ("running",)


@pytest.mark.parametrize(
    ("start", "update"),
    [
        ({}, "state = 'completed', finished_at = 2"),  # available -> completed skips running
        ({}, "state = 'dead', finished_at = 2, last_error_class = 'X'"),
        (
            {"state": "dead", "finished_at": 2.0, "last_error_class": "X", "attempts": 1},
            "state = 'retryable'",
        ),
    ],
)
def test_outbox_refuses_illegal_transitions(start: dict[str, object], update: str) -> None:
    db = fresh()
    row = outbox_row(db, **start)
    with pytest.raises(sqlite3.IntegrityError, match="illegal outbox transition"):
        db.execute(f"UPDATE outbox SET {update} WHERE id = ?", (row,))


def test_a_completed_row_never_changes_and_attempts_never_decrease() -> None:
    db = fresh()
    done = outbox_row(
        db, "done", state="completed", attempts=1, finished_at=2.0, result="sale.order,7"
    )
    with pytest.raises(sqlite3.IntegrityError, match="never changes"):
        db.execute("UPDATE outbox SET result = 'other' WHERE id = ?", (done,))
    live = outbox_row(db, "live", attempts=2)
    with pytest.raises(sqlite3.IntegrityError, match="never decrease"):
        db.execute("UPDATE outbox SET attempts = 1 WHERE id = ?", (live,))
    with pytest.raises(sqlite3.IntegrityError, match="never changes"):
        db.execute("UPDATE outbox SET payload = x'00' WHERE id = ?", (live,))
    with pytest.raises(sqlite3.IntegrityError, match="only finished"):
        db.execute("DELETE FROM outbox WHERE id = ?", (live,))


def test_history_and_audit_are_append_only() -> None:
    db = fresh()
    row = outbox_row(db)
    db.execute(
        "INSERT INTO outbox_errors (outbox_id, kind, attempt, at, error_class, message)"
        " VALUES (?, 'failure', 1, 2.0, 'Timeout', 'slow')",
        (row,),
    )
    db.execute(
        "INSERT INTO audit (at, actor, action, subject, details) VALUES (1, 'a', 'b', 'c', '{}')"
    )
    for statement in (
        "UPDATE outbox_errors SET message = 'rewritten'",
        "DELETE FROM outbox_errors",
        "UPDATE audit SET actor = 'someone else'",
        "DELETE FROM audit",
    ):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute(statement)
    with pytest.raises(sqlite3.IntegrityError):  # a failure must name its error class
        db.execute(
            "INSERT INTO outbox_errors (outbox_id, kind, attempt, at, message)"
            " VALUES (?, 'failure', 1, 2.0, 'no class')",
            (row,),
        )
    with pytest.raises(sqlite3.IntegrityError):  # details must be a JSON object
        db.execute(
            "INSERT INTO audit (at, actor, action, subject, details)"
            " VALUES (1, 'a', 'b', 'c', '[]')"
        )


def inbound_row(db: sqlite3.Connection, **overrides: object) -> int:
    row: dict[str, object] = {
        "partner": "ACME",
        "channel": "sftp",
        "source_ref": "PO1.edi",
        "content_hash": HASH,
        "control_ref": None,
        "size": 3,
        "raw": b"UNA",
        "state": "received",
        "received_at": 1.0,
        "updated_at": 1.0,
    }
    row.update(overrides)
    cols = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    cur = db.execute(f"INSERT INTO inbound ({cols}) VALUES ({marks})", tuple(row.values()))
    assert cur.lastrowid is not None
    return cur.lastrowid


@pytest.mark.parametrize(
    "overrides",
    [
        {"content_hash": "not-hex"},
        {"content_hash": "A" * 64},
        {"size": 4},
        {"state": "rejected"},  # without a reason
        {"state": "duplicate", "reason": "same"},  # without duplicate_of
        {"duplicate_of": 1},  # on a row that is not a duplicate
        {"state": "parsed?"},
    ],
)
def test_inbound_refuses_illegal_rows(overrides: dict[str, object]) -> None:
    db = fresh()
    with pytest.raises(sqlite3.IntegrityError):
        inbound_row(db, **overrides)


def test_inbound_uniqueness_spares_duplicates_and_bytes_are_immutable() -> None:
    db = fresh()
    first = inbound_row(db, control_ref="0001")
    with pytest.raises(sqlite3.IntegrityError):  # same partner and content hash
        inbound_row(db, source_ref="again.edi")
    with pytest.raises(sqlite3.IntegrityError):  # same partner and control reference
        inbound_row(db, content_hash="b" * 64, control_ref="0001")
    inbound_row(db, state="duplicate", reason="same content", duplicate_of=first)
    inbound_row(db, partner="OTHER")  # another partner may send the same bytes
    with pytest.raises(sqlite3.IntegrityError, match="never changes"):
        db.execute("UPDATE inbound SET raw = x'00', size = 1 WHERE id = ?", (first,))
    with pytest.raises(sqlite3.IntegrityError, match="illegal inbound transition"):
        db.execute("UPDATE inbound SET state = 'received' WHERE state = 'duplicate'")


def test_documents_need_json_and_a_reason_to_die() -> None:
    db = fresh()
    insert = (
        "INSERT INTO documents (idempotency_key, partner, flow, doc_type, config_version, body,"
        " state, reason, created_at, updated_at) VALUES (?, 'ACME', 'order_intake', 'order',"
        " 'v1', ?, ?, ?, 1, 1)"
    )
    with pytest.raises(sqlite3.IntegrityError):
        db.execute(insert, ("d1", "{not json", "new", None))
    with pytest.raises(sqlite3.IntegrityError):
        db.execute(insert, ("d1", "{}", "dead", None))
    db.execute(insert, ("d1", "{}", "new", None))
    with pytest.raises(sqlite3.IntegrityError, match="illegal document transition"):
        db.execute("UPDATE documents SET state = 'done'")
