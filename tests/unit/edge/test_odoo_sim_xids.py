"""The simulator's external-ID index and its journaled transactions stay exact.

The index (``edge.odoo.simulator._xids``) answers ``xid_lookup``, the uniqueness check, the
unlink cascade and searches on ``ir.model.data``; the transaction undoes a journal instead of
restoring copies. Both are checked here against what a scan of the table says, after every
kind of change and after rollbacks.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.odoo.simulator import OdooSimulator, ValidationError
from edge.odoo.simulator._orm import Database
from edge.odoo.simulator._xids import XID_MODEL, XidIndex

MODULES = ["crossdock", "sim", "__import__"]
NAMES = ["a", "b", "c", "d"]


@pytest.fixture
def sim() -> OdooSimulator:
    return OdooSimulator(api_key="unit-key", seed_data=False)


def rebuilt(db: Database) -> XidIndex:
    index = XidIndex()
    for row in db.table(XID_MODEL).values():
        index.update(None, row)
    return index


def assert_exact(db: Database) -> None:
    """The live index is what a rebuild from the table gives, and searches agree with scans."""
    fresh = rebuilt(db)
    assert db._xids._names == fresh._names
    assert db._xids._records == fresh._records
    assert list(db.table(XID_MODEL)) == sorted(db.table(XID_MODEL))  # id order kept
    for module in MODULES:
        for name in NAMES:
            domain = [["module", "=", module], ["name", "in", [name, "zz"]]]
            assert db.search(XID_MODEL, domain) == scan(db, domain)


def scan(db: Database, domain: Any) -> list[int]:
    """The search without the index: what the simulator answered before it had one."""
    indexed = db._indexed
    db._indexed = lambda model, domain: None  # type: ignore[method-assign]
    try:
        return db.search(XID_MODEL, domain)
    finally:
        db._indexed = indexed  # type: ignore[method-assign]


def partner(db: Database, name: str = "P") -> int:
    return db.create("res.partner", {"name": name})


def test_lookup_follows_create_write_and_unlink_of_the_rows(sim: OdooSimulator) -> None:
    db = sim.db
    p1, p2 = partner(db), partner(db)
    row = db.xid_register("crossdock.one", "res.partner", p1)
    assert db.xid_lookup("crossdock.one") == ("res.partner", p1)
    sim.call(XID_MODEL, "write", [row], {"name": "two", "res_id": p2})
    assert db.xid_lookup("crossdock.one") is None
    assert db.xid_lookup("crossdock.two") == ("res.partner", p2)
    assert sim.call(XID_MODEL, "search", [["model", "=", "res.partner"], ["res_id", "=", p2]]) == [
        row
    ]
    assert sim.call(XID_MODEL, "search", [["model", "=", "res.partner"], ["res_id", "=", p1]]) == []
    sim.call(XID_MODEL, "unlink", [row])
    assert db.xid_lookup("crossdock.two") is None
    assert_exact(db)


def test_deleting_a_record_deletes_its_external_ids_and_only_those(sim: OdooSimulator) -> None:
    db = sim.db
    p1, p2 = partner(db), partner(db)
    db.xid_register("crossdock.a", "res.partner", p1)
    db.xid_register("crossdock.b", "res.partner", p1)
    db.xid_register("crossdock.c", "res.partner", p2)
    sim.call("res.partner", "unlink", [p1])
    assert db.xid_lookup("crossdock.a") is None
    assert db.xid_lookup("crossdock.b") is None
    assert db.xid_lookup("crossdock.c") == ("res.partner", p2)
    assert_exact(db)


def test_a_duplicate_name_is_refused_and_leaves_the_index_as_it_was(sim: OdooSimulator) -> None:
    db = sim.db
    p1 = partner(db)
    row = db.xid_register("crossdock.a", "res.partner", p1)
    with pytest.raises(ValidationError, match="ir_model_data_module_name_uniq_index"):
        sim.call(
            XID_MODEL,
            "create",
            {"module": "crossdock", "name": "a", "model": "res.partner", "res_id": p1},
        )
    assert db.xid_rows("crossdock", "a") == [row]
    assert_exact(db)


def test_a_refused_load_rolls_back_records_and_external_ids(sim: OdooSimulator) -> None:
    db = sim.db
    p1 = partner(db)
    before = db.counts()
    answer = sim.call(
        "res.partner",
        "load",
        ["id", "name", "parent_id/id"],
        [["crossdock.new1", "N1", ""], ["crossdock.new2", "N2", "crossdock.missing"]],
    )
    assert answer["ids"] is False
    assert db.counts() == before
    assert db.xid_lookup("crossdock.new1") is None
    # a savepoint rolled back inside a transaction that commits keeps the rest
    answer = sim.call("res.partner", "load", ["id", "name"], [["crossdock.new3", "N3"]])
    assert answer["ids"] and db.xid_lookup("crossdock.new3") == ("res.partner", answer["ids"][0])
    assert p1 in db.table("res.partner")
    assert_exact(db)


def test_an_undone_unlink_puts_records_back_in_id_order(sim: OdooSimulator) -> None:
    db = sim.db
    ids = [partner(db, f"P{i}") for i in range(4)]
    for n, record in enumerate(ids):
        db.xid_register(f"crossdock.{NAMES[n]}", "res.partner", record)
    with pytest.raises(RuntimeError), db.transaction():
        db.unlink("res.partner", [ids[1]])
        assert db.xid_lookup("crossdock.b") is None
        raise RuntimeError("refused later in the same call")
    assert list(db.table("res.partner"))[-4:] == ids
    assert db.xid_lookup("crossdock.b") == ("res.partner", ids[1])
    assert_exact(db)


def test_searches_the_index_cannot_answer_still_scan(sim: OdooSimulator) -> None:
    db = sim.db
    p1 = partner(db)
    db.xid_register("crossdock.a", "res.partner", p1)
    db.xid_register("sim.a", "res.partner", p1)
    assert db._indexed(XID_MODEL, [["name", "=", "a"]]) is None  # no module: scan
    assert db._indexed(XID_MODEL, ["|", ["module", "=", "x"], ["name", "=", "a"]]) is None
    assert db._indexed(XID_MODEL, [["module", "=", False], ["name", "=", "a"]]) is None
    assert len(db.search(XID_MODEL, [["name", "=", "a"]])) == 2
    domain = [["module", "in", ["crossdock", "sim"]], ["name", "=", "a"], ["res_id", "!=", 0]]
    assert db.search(XID_MODEL, domain) == scan(db, domain) != []
    domain = [["module", "=", "sim"], ["module", "=", "crossdock"], ["name", "=", "a"]]
    assert db.search(XID_MODEL, domain) == scan(db, domain) == []


Step = tuple[str, int, int]
steps = st.lists(
    st.tuples(
        st.sampled_from(["register", "rename", "repoint", "drop_row", "drop_record", "fail"]),
        st.integers(0, 11),
        st.integers(0, 3),
    ),
    max_size=25,
)


@given(steps)
def test_the_index_stays_exact_under_any_sequence_of_changes(plan: list[Step]) -> None:
    sim = OdooSimulator(api_key="unit-key", seed_data=False)
    db = sim.db
    records = [partner(db, f"P{i}") for i in range(4)]
    for action, a, b in plan:
        rows = sorted(db.table(XID_MODEL))
        module, name = MODULES[a % len(MODULES)], NAMES[a % len(NAMES)]
        try:
            with db.transaction():
                if action == "register":
                    db.xid_register(f"{module}.{name}", "res.partner", records[b])
                elif action == "rename" and rows:
                    db.write(XID_MODEL, [rows[a % len(rows)]], {"name": NAMES[b]})
                elif action == "repoint" and rows:
                    db.write(XID_MODEL, [rows[a % len(rows)]], {"res_id": records[b]})
                elif action == "drop_row" and rows:
                    db.unlink(XID_MODEL, [rows[a % len(rows)]])
                elif action == "drop_record" and records[b] in db.table("res.partner"):
                    db.unlink("res.partner", [records[b]])
                elif action == "fail":
                    db.xid_register(f"{module}.{name}", "res.partner", records[b])
                    raise RuntimeError("rolled back")
        except (ValidationError, RuntimeError):
            pass
        assert_exact(db)
