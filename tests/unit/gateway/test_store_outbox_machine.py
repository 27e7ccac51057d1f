"""The outbox against a pure-Python model, driven by hypothesis.

Rules: enqueue (with repeated keys), enqueue_many, claim, ack and fail with the right or a
stale claim token, transient and permanent failures, time passing, rescue, replay, cancel.
After every step the database must equal the model, and the invariants hold: no row lost,
no key duplicated, states always legal, a completed row never changes again, attempts never
decrease, and every failure is in the history. Runs on ``:memory:`` through ``commit_batch``
(the writer's own transaction code); durability is tested elsewhere.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from gateway.store import ErrorInfo, NewDelivery, OutboxState, StaleClaim
from gateway.store._migrations import apply_migrations, load_migrations
from gateway.store._writer import commit_batch

DEFAULT_ATTEMPTS = 1
KEYS = st.sampled_from([f"k{i}" for i in range(8)])
DESTINATIONS = st.sampled_from(["odoo", "partner:WH1"])
WAITING = {"available", "retryable"}
LEGAL = {s.value for s in OutboxState}


@dataclass
class Row:
    id: int
    key: str
    destination: str
    state: str
    attempts: int
    max_attempts: int
    run_after: float
    token: str | None = None
    claimed_at: float | None = None
    failures: int = 0


class OutboxMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.db = sqlite3.connect(":memory:", isolation_level=None)
        self.db.execute("PRAGMA foreign_keys = ON")
        apply_migrations(self.db, load_migrations(), 0.0)
        self.now = 1000.0
        self.rows: dict[int, Row] = {}
        self.tokens: list[str] = []
        self.completed: dict[int, tuple[Any, ...]] = {}
        self.attempts_seen: dict[int, int] = {}

    def run(self, fn: Any) -> Any:
        (result,) = commit_batch(self.db, [fn], self.now, DEFAULT_ATTEMPTS)
        return result.unwrap()

    def new_token(self) -> str:
        self.tokens.append(f"t{len(self.tokens)}")
        return self.tokens[-1]

    def by_key(self, key: str) -> Row | None:
        return next((r for r in self.rows.values() if r.key == key), None)

    def expect_insert(
        self, row_id: int, key: str, destination: str, max_attempts: int | None, delay: float
    ) -> None:
        budget = DEFAULT_ATTEMPTS if max_attempts is None else max_attempts
        self.rows[row_id] = Row(row_id, key, destination, "available", 0, budget, self.now + delay)

    # --- rules ----------------------------------------------------------------------------

    @rule(
        key=KEYS,
        destination=DESTINATIONS,
        max_attempts=st.sampled_from([None, 1, 2, 3]),
        delay=st.sampled_from([0.0, 0.0, 5.0, 30.0]),
    )
    def enqueue(self, key: str, destination: str, max_attempts: int | None, delay: float) -> None:
        item = NewDelivery(
            idempotency_key=key, destination=destination, partner="ACME", flow="f",
            payload=key.encode(), max_attempts=max_attempts, run_after=self.now + delay,
        )  # fmt: skip
        result = self.run(lambda tx: tx.enqueue(item))
        known = self.by_key(key)
        if known is not None:
            assert not result.created and result.outbox_id == known.id
        else:
            assert result.created and result.outbox_id not in self.rows
            self.expect_insert(result.outbox_id, key, destination, max_attempts, delay)

    @rule(keys=st.lists(KEYS, max_size=5))
    def enqueue_many(self, keys: list[str]) -> None:
        items = [
            NewDelivery(
                idempotency_key=k, destination="odoo", partner="ACME", flow="f", payload=b""
            )
            for k in keys
        ]
        results = self.run(lambda tx: tx.enqueue_many(items))
        assert len(results) == len(keys)
        for key, result in zip(keys, results, strict=True):
            known = self.by_key(key)
            if known is not None:
                assert not result.created and result.outbox_id == known.id
            else:
                assert result.created
                self.expect_insert(result.outbox_id, key, "odoo", None, 0.0)

    @rule(destination=DESTINATIONS, limit=st.integers(1, 3))
    def claim(self, destination: str, limit: int) -> None:
        token = self.new_token()
        due = sorted(
            (r for r in self.rows.values()
             if r.destination == destination and r.state in WAITING and r.run_after <= self.now),
            key=lambda r: (r.run_after, r.id),
        )[:limit]  # fmt: skip
        claimed = self.run(lambda tx: tx.claim(destination, limit, token))
        assert [c.outbox_id for c in claimed] == sorted(r.id for r in due)
        for row in due:
            row.state, row.token, row.claimed_at = "running", token, self.now
            row.attempts += 1
        assert [c.attempts for c in claimed] == [self.rows[c.outbox_id].attempts for c in claimed]

    def pick(self, data: st.DataObject) -> tuple[Row, str]:
        row = self.rows[data.draw(st.sampled_from(sorted(self.rows)), label="row")]
        choices = [row.token] if row.token else []
        token = data.draw(st.sampled_from(choices + self.tokens + ["never-issued"]), label="token")
        return row, token

    @precondition(lambda self: self.rows)
    @rule(data=st.data(), result=st.none() | st.just("sale.order,1"))
    def ack(self, data: st.DataObject, result: str | None) -> None:
        row, token = self.pick(data)
        if row.state == "running" and token == row.token:
            self.run(lambda tx: tx.ack(row.id, token, result))
            row.state, row.token, row.claimed_at = "completed", None, None
        else:
            try:
                self.run(lambda tx: tx.ack(row.id, token, result))
            except StaleClaim as exc:
                assert exc.state == row.state
            else:
                raise AssertionError("a stale ack was accepted")

    @precondition(lambda self: self.rows)
    @rule(data=st.data(), retry_in=st.none() | st.sampled_from([1.0, 20.0]))
    def fail(self, data: st.DataObject, retry_in: float | None) -> None:
        """``retry_in`` None is a permanent failure."""
        row, token = self.pick(data)
        error = ErrorInfo(error_class="E", message=f"attempt {row.attempts}")
        retry_at = None if retry_in is None else self.now + retry_in
        if not (row.state == "running" and token == row.token):
            try:
                self.run(lambda tx: tx.fail(row.id, token, error, retry_at))
            except StaleClaim:
                return
            raise AssertionError("a stale fail was accepted")
        state = self.run(lambda tx: tx.fail(row.id, token, error, retry_at))
        dead = retry_at is None or row.attempts >= row.max_attempts
        assert state == ("dead" if dead else "retryable")
        row.state, row.token, row.claimed_at = str(state), None, None
        if retry_at is not None:
            row.run_after = retry_at
        row.failures += 1

    @rule(seconds=st.sampled_from([1.0, 10.0, 100.0]))
    def time_passes(self, seconds: float) -> None:
        self.now += seconds

    @rule(horizon=st.sampled_from([5.0, 50.0]))
    def rescue(self, horizon: float) -> None:
        stuck = [
            r for r in self.rows.values()
            if r.state == "running" and r.claimed_at is not None
            and r.claimed_at < self.now - horizon
        ]  # fmt: skip
        assert self.run(lambda tx: tx.rescue(horizon)) == len(stuck)
        for row in stuck:
            row.state = "dead" if row.attempts >= row.max_attempts else "available"
            row.token = row.claimed_at = None

    @precondition(lambda self: self.rows)
    @rule(data=st.data(), extra=st.none() | st.integers(1, 2))
    def replay(self, data: st.DataObject, extra: int | None) -> None:
        ids = data.draw(st.lists(st.sampled_from(sorted(self.rows)), max_size=3), label="ids")
        expected = sorted({i for i in ids if self.rows[i].state in ("dead", "cancelled")})
        got = self.run(lambda tx: tx.replay(ids, who="op", extra_attempts=extra))
        assert got == expected
        budget = DEFAULT_ATTEMPTS if extra is None else extra
        for i in expected:
            row = self.rows[i]
            row.state, row.run_after = "available", self.now
            row.max_attempts = max(row.max_attempts, row.attempts + budget)

    @precondition(lambda self: self.rows)
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        ids = data.draw(st.lists(st.sampled_from(sorted(self.rows)), max_size=3), label="ids")
        cancellable = ("available", "retryable", "dead")
        expected = sorted({i for i in ids if self.rows[i].state in cancellable})
        assert self.run(lambda tx: tx.cancel(ids, who="op")) == expected
        for i in expected:
            self.rows[i].state = "cancelled"

    # --- invariants -----------------------------------------------------------------------

    @invariant()
    def database_equals_model(self) -> None:
        actual = {
            r[0]: r
            for r in self.db.execute(
                "SELECT id, idempotency_key, state, attempts, max_attempts, run_after,"
                " claim_token, claimed_at FROM outbox"
            )
        }
        assert set(actual) == set(self.rows), "a row was lost or invented"
        keys = [r[1] for r in actual.values()]
        assert len(keys) == len(set(keys)), "a key was duplicated"
        for row_id, (
            _,
            key,
            state,
            attempts,
            budget,
            run_after,
            token,
            claimed_at,
        ) in actual.items():
            row = self.rows[row_id]
            assert state in LEGAL
            assert (key, state, attempts, budget) == (
                row.key,
                row.state,
                row.attempts,
                row.max_attempts,
            )
            assert (token, claimed_at) == (row.token, row.claimed_at)
            if state in WAITING:
                assert run_after == row.run_after

    @invariant()
    def completed_rows_never_change(self) -> None:
        for row in self.db.execute("SELECT * FROM outbox WHERE state = 'completed'"):
            assert self.completed.setdefault(row[0], tuple(row)) == tuple(row)

    @invariant()
    def attempts_never_decrease(self) -> None:
        for row_id, attempts in self.db.execute("SELECT id, attempts FROM outbox"):
            assert attempts >= self.attempts_seen.get(row_id, 0)
            self.attempts_seen[row_id] = attempts

    @invariant()
    def every_failure_is_in_the_history(self) -> None:
        counts = dict(
            self.db.execute(
                "SELECT outbox_id, count(*) FROM outbox_errors WHERE kind = 'failure'"
                " GROUP BY outbox_id"
            )
        )
        assert counts == {r.id: r.failures for r in self.rows.values() if r.failures}

    def teardown(self) -> None:
        self.db.close()


OutboxMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=40)
TestOutboxMachine = OutboxMachine.TestCase


def test_the_model_sees_a_planted_bug() -> None:
    """The machine must be able to fail: a row edited behind the model's back is caught."""
    machine = OutboxMachine()
    machine.enqueue("k1", "odoo", None, 0.0)
    machine.db.execute("UPDATE outbox SET max_attempts = 5")
    try:
        machine.database_equals_model()
    except AssertionError:
        return
    finally:
        machine.teardown()
    raise AssertionError("the invariant did not notice a changed row")
