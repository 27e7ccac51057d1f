"""The store's named operations (``Tx``), run the way the writer runs them: ``commit_batch``.

Synchronous and on an in-memory database: what is tested here is the SQL and the state
machine; the async writer, the bridge and durability have their own tests.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

import msgspec
import pytest

from gateway.store import (
    ConstraintViolation,
    DeadLetterFilter,
    Enqueued,
    ErrorInfo,
    NewDelivery,
    NotFound,
    OutboxState,
    StaleClaim,
    Tx,
)
from gateway.store import _queries as q
from gateway.store._migrations import apply_migrations, load_migrations
from gateway.store._outbox import chunk_sizes
from gateway.store._writer import EnqueueOp, commit_batch

BOOM = ErrorInfo(error_class="ServerError", message="503 from Odoo")


class Db:
    """An in-memory store database and a settable clock."""

    def __init__(self) -> None:
        self.db = sqlite3.connect(":memory:", isolation_level=None)
        self.db.execute("PRAGMA foreign_keys = ON")
        apply_migrations(self.db, load_migrations(), 0.0)
        self.now = 1000.0

    def run(self, fn: Callable[[Tx], Any]) -> Any:
        (result,) = commit_batch(self.db, [fn], self.now, 3)
        return result.unwrap()

    def batch(self, *fns: Callable[[Tx], Any]) -> list[Any]:
        return commit_batch(self.db, list(fns), self.now, 3)

    def enqueue(self, key: str, **kw: Any) -> int:
        result: Enqueued = self.run(lambda tx: tx.enqueue(delivery(key, **kw)))
        return result.outbox_id

    def state(self, outbox_id: int) -> str:
        return str(
            self.db.execute("SELECT state FROM outbox WHERE id = ?", (outbox_id,)).fetchone()[0]
        )


def delivery(key: str, **kw: Any) -> NewDelivery:
    fields: dict[str, Any] = {
        "idempotency_key": key,
        "destination": "odoo",
        "partner": "ACME",
        "flow": "order_intake",
        "payload": key.encode(),
    }
    fields.update(kw)
    return NewDelivery(**fields)


@pytest.fixture
def db() -> Db:
    return Db()


# --- enqueue ------------------------------------------------------------------------------


def test_enqueue_is_idempotent_on_the_key(db: Db) -> None:
    first = db.run(lambda tx: tx.enqueue(delivery("k1")))
    again = db.run(lambda tx: tx.enqueue(delivery("k1", payload=b"other")))
    assert first == Enqueued(first.outbox_id, True)
    assert again == Enqueued(first.outbox_id, False)
    row = db.db.execute("SELECT payload, max_attempts, run_after, attempts FROM outbox").fetchall()
    assert row == [(b"k1", 3, 1000.0, 0)]  # the first payload; store defaults applied


def test_enqueue_many_answers_in_order_across_chunks(db: Db) -> None:
    db.enqueue("old")
    keys = [f"k{i}" for i in range(150)] + ["old", "k7"]
    results = db.run(lambda tx: tx.enqueue_many([delivery(k) for k in keys]))
    assert len(results) == len(keys)
    by_id = dict(db.db.execute("SELECT id, idempotency_key FROM outbox"))
    assert [by_id[r.outbox_id] for r in results] == keys
    assert [r.created for r in results] == [True] * 150 + [False, False]
    assert len(by_id) == 151


def test_enqueue_fields_match_the_struct_order() -> None:
    # the multi-row INSERT binds msgspec.structs.astuple(NewDelivery) positionally
    assert NewDelivery.__struct_fields__ == q.ENQUEUE_FIELDS


@pytest.mark.parametrize("n", [*range(0, 70), 127, 128, 129, 1000])
def test_chunk_sizes_cover_every_row_with_few_statement_shapes(n: int) -> None:
    sizes = chunk_sizes(n)
    assert sum(sizes) == n
    assert set(sizes) <= {64, 32, 16, 8, 4, 2, 1}
    assert len([s for s in sizes if s < 64]) <= 6


# --- claim, ack, fail -------------------------------------------------------------------


def test_claim_is_one_statement(db: Db) -> None:
    for i in range(5):
        db.enqueue(f"k{i}")
    seen: list[str] = []
    db.db.set_trace_callback(seen.append)
    claimed = Tx(db.db, db.now, 3).claim("odoo", 3, "tok")
    db.db.set_trace_callback(None)
    assert len(claimed) == 3
    # SQLite traces a statement again at the start of each trigger subprogram it runs, so
    # the same text repeats; one distinct text means one statement.
    statements = {s.strip() for s in seen}
    assert len(statements) == 1 and statements.pop().startswith("UPDATE outbox")


def test_claim_takes_due_rows_of_its_destination_oldest_first(db: Db) -> None:
    late = db.enqueue("late", run_after=2000.0)
    other = db.enqueue("other", destination="partner:WH1")
    second = db.enqueue("second", run_after=900.0)
    first = db.enqueue("first", run_after=800.0)
    claimed = db.run(lambda tx: tx.claim("odoo", 10, "tok"))
    assert [c.outbox_id for c in claimed] == sorted([first, second])
    assert {c.attempts for c in claimed} == {1}
    assert all(c.claim_token == "tok" and c.claimed_at == 1000.0 for c in claimed)
    assert db.state(late) == "available" and db.state(other) == "available"
    assert db.run(lambda tx: tx.claim("odoo", 10, "tok2", now=2000.0))[0].outbox_id == late


def test_claims_never_hand_out_a_row_twice(db: Db) -> None:
    ids = {db.enqueue(f"k{i}") for i in range(10)}
    taken: list[int] = []
    for n in range(6):
        taken += [c.outbox_id for c in db.run(lambda tx, n=n: tx.claim("odoo", 3, f"t{n}"))]
    assert sorted(taken) == sorted(ids)


def test_ack_completes_only_under_its_own_claim(db: Db) -> None:
    row = db.enqueue("k1")
    db.run(lambda tx: tx.claim("odoo", 1, "A"))
    with pytest.raises(StaleClaim) as err:
        db.run(lambda tx: tx.ack(row, "B"))
    assert err.value.state == "running" and "another token" in str(err.value)
    db.run(lambda tx: tx.ack(row, "A", "sale.order,42"))
    record = db.run(lambda tx: tx.get_delivery(row))
    assert record.state is OutboxState.COMPLETED and record.result == "sale.order,42"
    assert record.claim_token is None and record.finished_at == 1000.0
    with pytest.raises(StaleClaim, match="now completed"):
        db.run(lambda tx: tx.ack(row, "A"))
    with pytest.raises(NotFound):
        db.run(lambda tx: tx.ack(9999, "A"))


def test_a_rescued_and_reclaimed_row_refuses_the_old_claims_ack(db: Db) -> None:
    row = db.enqueue("k1")
    db.run(lambda tx: tx.claim("odoo", 1, "old"))
    db.now += 301
    assert db.run(lambda tx: tx.rescue(300.0)) == 1
    assert db.state(row) == "available"
    (again,) = db.run(lambda tx: tx.claim("odoo", 1, "new"))
    assert again.attempts == 2
    with pytest.raises(StaleClaim):
        db.run(lambda tx: tx.ack(row, "old"))
    with pytest.raises(StaleClaim):
        db.run(lambda tx: tx.fail(row, "old", BOOM, db.now + 5))
    db.run(lambda tx: tx.ack(row, "new"))
    history = db.run(lambda tx: tx.get_delivery(row)).history
    assert [(h.kind, h.error_class, h.detail) for h in history] == [
        ("rescue", "ClaimExpired", "old")
    ]


def test_rescue_leaves_young_claims_and_kills_rows_without_attempts(db: Db) -> None:
    young = db.enqueue("young")
    spent = db.enqueue("spent", max_attempts=1)
    db.run(lambda tx: tx.claim("odoo", 1, "s"))  # oldest first: "young" was enqueued first
    db.run(lambda tx: tx.claim("odoo", 1, "s2"))
    db.now += 100
    db.db.execute("UPDATE outbox SET claimed_at = 1050 WHERE id = ?", (young,))
    assert db.run(lambda tx: tx.rescue(80.0)) == 1  # only the claim from t=1000
    assert db.state(young) == "running"
    assert db.state(spent) == "dead"
    record = db.run(lambda tx: tx.get_delivery(spent))
    assert record.last_error_class == "ClaimExpired"
    assert "no attempt left" in record.history[-1].message


def test_failures_accumulate_in_the_history_until_dead(db: Db) -> None:
    row = db.enqueue("k1")
    states = []
    for attempt in range(1, 4):
        (claimed,) = db.run(lambda tx, a=attempt: tx.claim("odoo", 1, f"t{a}"))
        assert claimed.attempts == attempt
        err = ErrorInfo(error_class="Timeout", message=f"try {attempt}", detail=f"d{attempt}")
        states.append(db.run(lambda tx, a=attempt, e=err: tx.fail(row, f"t{a}", e, db.now + 10)))
        if attempt < 3:
            assert db.run(lambda tx: tx.claim("odoo", 1, "early")) == []  # not before retry_at
            db.now += 10
    assert states == [OutboxState.RETRYABLE, OutboxState.RETRYABLE, OutboxState.DEAD]
    record = db.run(lambda tx: tx.get_delivery(row))
    assert [(h.attempt, h.message, h.detail) for h in record.history] == [
        (1, "try 1", "d1"),
        (2, "try 2", "d2"),
        (3, "try 3", "d3"),
    ]
    assert record.last_error == "try 3" and record.finished_at == db.now


def test_a_permanent_failure_is_dead_at_once(db: Db) -> None:
    row = db.enqueue("k1")
    db.run(lambda tx: tx.claim("odoo", 1, "t"))
    rejected = ErrorInfo(error_class="ValidationError", message="unknown product SKU-9")
    assert db.run(lambda tx: tx.fail(row, "t", rejected, None)) is OutboxState.DEAD
    (letter,) = db.run(lambda tx: tx.list_dead_letters())
    assert (letter.outbox_id, letter.last_error_class) == (row, "ValidationError")


def test_error_info_from_an_exception_keeps_structured_fields() -> None:
    info = ErrorInfo.from_exception(StaleClaim("gone", outbox_id=3, claim_token="t", state="x"))
    assert info.error_class == "StaleClaim" and info.message == "gone"
    assert info.detail is not None and msgspec.json.decode(info.detail) == {
        "outbox_id": 3,
        "state": "x",
    }


# --- replay and cancel --------------------------------------------------------------------


def kill(db: Db, key: str, **kw: Any) -> int:
    row = db.enqueue(key, run_after=0.0, **kw)  # due before anything else: claimed next
    (claimed,) = db.run(lambda tx: tx.claim("odoo", 1, "t-" + key))
    db.run(lambda tx: tx.fail(row, claimed.claim_token, BOOM, None))
    return row


def test_replay_revives_dead_rows_with_history_and_audit(db: Db) -> None:
    dead = kill(db, "dead", max_attempts=1)
    alive = db.enqueue("alive")
    db.now += 5
    replayed = db.run(lambda tx: tx.replay([dead, alive], who="alice", reason="SKU map fixed"))
    assert replayed == [dead]
    record = db.run(lambda tx: tx.get_delivery(dead))
    assert record.state is OutboxState.AVAILABLE and record.finished_at is None
    assert record.attempts == 1 and record.max_attempts == 1 + 3  # a fresh budget
    assert record.history[-1].kind == "replay" and record.history[-1].actor == "alice"
    (entry,) = db.run(lambda tx: tx.list_audit())
    assert (entry.actor, entry.action, entry.at) == ("alice", "outbox.replay", 1005.0)
    assert entry.details["replayed"] == [dead] and entry.details["reason"] == "SKU map fixed"
    assert db.run(lambda tx: tx.claim("odoo", 5, "again"))[0].attempts == 2


def test_replay_by_filter_and_cancel(db: Db) -> None:
    acme = kill(db, "a1")
    other = kill(db, "b1", partner="OTHER")
    waiting = db.enqueue("w1")
    where = DeadLetterFilter(partner="OTHER", error_class="ServerError")
    assert [d.outbox_id for d in db.run(lambda tx: tx.list_dead_letters(where))] == [other]
    assert db.run(lambda tx: tx.replay(where, who="bob")) == [other]
    cancelled = db.run(lambda tx: tx.cancel([acme, waiting, other], who="bob", reason="dup"))
    assert cancelled == sorted([acme, waiting, other])
    assert db.run(lambda tx: tx.list_dead_letters()) == []
    with_cancelled = db.run(
        lambda tx: tx.list_dead_letters(DeadLetterFilter(include_cancelled=True))
    )
    assert {d.outbox_id for d in with_cancelled} == {acme, waiting, other}
    assert [e.action for e in db.run(lambda tx: tx.list_audit())] == [
        "outbox.cancel",
        "outbox.replay",
    ]
    running = db.enqueue("r1")
    db.run(lambda tx: tx.claim("odoo", 5, "t"))
    assert db.run(lambda tx: tx.cancel([running], who="bob")) == []  # its worker finishes it


# --- isolation inside a batch -------------------------------------------------------------


def test_a_failing_write_fails_only_itself(db: Db) -> None:
    def buggy(tx: Tx) -> None:
        tx.enqueue(delivery("from-buggy"))
        raise KeyError("bug")

    results = db.batch(
        lambda tx: tx.enqueue(delivery("good1")),
        buggy,
        lambda tx: tx.enqueue(delivery("")),  # CHECK (idempotency_key <> '')
        lambda tx: tx.enqueue(delivery("good2")),
    )
    assert results[0].unwrap().created and results[3].unwrap().created
    with pytest.raises(KeyError):
        results[1].unwrap()
    with pytest.raises(ConstraintViolation):
        results[2].unwrap()
    keys = {r[0] for r in db.db.execute("SELECT idempotency_key FROM outbox")}
    assert keys == {"good1", "good2"}


def test_coalesced_enqueues_fall_back_to_one_by_one_on_a_bad_row(db: Db) -> None:
    results = db.batch(
        EnqueueOp((delivery("a"),), True),
        EnqueueOp((delivery("b"), delivery("c", max_attempts=0)), False),
        EnqueueOp((delivery("d"), delivery("a")), False),
    )
    assert results[0].unwrap() == Enqueued(1, True)
    with pytest.raises(ConstraintViolation):
        results[1].unwrap()
    d, a = results[2].unwrap()
    assert d.created and a == Enqueued(1, False)
    keys = {r[0] for r in db.db.execute("SELECT idempotency_key FROM outbox")}
    assert keys == {"a", "d"}


def test_a_coalesced_batch_answers_every_caller(db: Db) -> None:
    ops = [EnqueueOp((delivery(f"k{i}"),), True) for i in range(100)]
    ops.append(EnqueueOp((delivery("k0"),), True))
    results = [r.unwrap() for r in db.batch(*ops)]
    assert [r.created for r in results] == [True] * 100 + [False]
    assert results[-1].outbox_id == results[0].outbox_id
    assert len({r.outbox_id for r in results}) == 100
