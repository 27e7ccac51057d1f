"""The store's named operations on inbound rows, documents, audit, cursors and counts.

Same harness as ``test_store_tx.py``: ``Tx`` run through ``commit_batch`` on ``:memory:``.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from gateway.store import (
    ConstraintViolation,
    DocumentState,
    DuplicateInbound,
    IllegalTransition,
    InboundState,
    NewDocument,
    NewInbound,
    NotFound,
    StoreBusy,
    StoreError,
    StoreUnavailable,
)
from gateway.store._sqlite import translate
from tests.unit.gateway.test_store_tx import Db, delivery, kill


@pytest.fixture
def db() -> Db:
    return Db()


# --- inbound and documents ----------------------------------------------------------------


def inbound(raw: bytes = b"UNB+UNOC:3+ACME+US'", **kw: Any) -> NewInbound:
    fields: dict[str, Any] = {"partner": "ACME", "channel": "sftp", "source_ref": "PO1.edi"}
    fields.update(kw)
    return NewInbound(raw=raw, **fields)


def document(key: str, **kw: Any) -> NewDocument:
    fields: dict[str, Any] = {
        "idempotency_key": key,
        "partner": "ACME",
        "flow": "order_intake",
        "doc_type": "order",
        "body": b'{"order_number": "PO1"}',
        "config_version": "cfg-1",
        "correlation_key": "ACME:PO1",
    }
    fields.update(kw)
    return NewDocument(**fields)


def test_duplicate_inbound_by_content_and_by_control_reference(db: Db) -> None:
    first = db.run(lambda tx: tx.receive_inbound(inbound(control_ref="0001")))
    assert not first.duplicate and len(first.content_hash) == 64
    same_bytes = db.run(lambda tx: tx.receive_inbound(inbound(source_ref="again.edi")))
    assert same_bytes.duplicate_of == first.inbound_id and "same content" in str(same_bytes.reason)
    same_ref = db.run(lambda tx: tx.receive_inbound(inbound(b"other bytes", control_ref="0001")))
    assert same_ref.duplicate_of == first.inbound_id and "0001" in str(same_ref.reason)
    elsewhere = db.run(lambda tx: tx.receive_inbound(inbound(partner="OTHER", control_ref="0001")))
    assert not elsewhere.duplicate
    record = db.run(lambda tx: tx.get_inbound(same_bytes.inbound_id))
    assert record.state is InboundState.DUPLICATE and record.raw == inbound().raw
    assert [r.inbound_id for r in db.run(lambda tx: tx.find_inbound("ACME", "PO1.edi"))] == [
        first.inbound_id,
        same_ref.inbound_id,
    ]


def test_a_wrong_content_hash_is_refused(db: Db) -> None:
    with pytest.raises(ConstraintViolation, match="does not match"):
        db.run(lambda tx: tx.receive_inbound(inbound(content_hash="0" * 64)))


def test_record_parsed_is_all_or_nothing(db: Db) -> None:
    got = db.run(lambda tx: tx.receive_inbound(inbound()))
    ack = delivery("ack:0001", destination="partner:ACME", flow="contrl")
    with pytest.raises(ConstraintViolation):
        db.run(
            lambda tx: tx.record_parsed(
                got.inbound_id, [document("d1"), document("d2", body=b"{")], [ack]
            )
        )
    assert db.run(lambda tx: tx.get_inbound(got.inbound_id)).state is InboundState.RECEIVED
    assert db.db.execute("SELECT count(*) FROM documents").fetchone() == (0,)
    assert db.db.execute("SELECT count(*) FROM outbox").fetchone() == (0,)
    docs = db.run(
        lambda tx: tx.record_parsed(got.inbound_id, [document("d1")], [ack], control_ref="0001")
    )
    assert docs[0].created
    assert db.run(lambda tx: tx.get_inbound(got.inbound_id)).control_ref == "0001"
    assert [
        d.idempotency_key for d in db.run(lambda tx: tx.find_documents(inbound_id=got.inbound_id))
    ] == ["d1"]
    with pytest.raises(IllegalTransition, match="parsed, it cannot become parsed"):
        db.run(lambda tx: tx.mark_inbound_parsed(got.inbound_id))


def test_a_control_reference_found_while_parsing_can_reveal_a_duplicate(db: Db) -> None:
    first = db.run(lambda tx: tx.receive_inbound(inbound()))
    db.run(lambda tx: tx.record_parsed(first.inbound_id, [document("d1")], control_ref="0001"))
    second = db.run(lambda tx: tx.receive_inbound(inbound(b"resent with new bytes")))
    with pytest.raises(DuplicateInbound) as err:
        db.run(lambda tx: tx.record_parsed(second.inbound_id, [document("d9")], control_ref="0001"))
    assert err.value.duplicate_of == first.inbound_id
    assert db.db.execute("SELECT count(*) FROM documents").fetchone() == (1,)  # undone
    db.run(
        lambda tx: tx.mark_inbound_duplicate(second.inbound_id, first.inbound_id, str(err.value))
    )
    assert db.run(lambda tx: tx.get_inbound(second.inbound_id)).state is InboundState.DUPLICATE


def test_rejected_inbound_can_be_replayed_with_audit(db: Db) -> None:
    got = db.run(lambda tx: tx.receive_inbound(inbound()))
    nack = delivery("nack:1", destination="partner:ACME", flow="contrl")
    db.run(lambda tx: tx.record_rejected(got.inbound_id, "UNT count 7, expected 9", [nack]))
    (rejected,) = db.run(lambda tx: tx.list_inbound(InboundState.REJECTED))
    assert rejected.reason == "UNT count 7, expected 9"
    assert db.db.execute("SELECT idempotency_key FROM outbox").fetchall() == [("nack:1",)]
    assert db.run(lambda tx: tx.replay_inbound([got.inbound_id], who="carol")) == [got.inbound_id]
    assert db.run(lambda tx: tx.get_inbound(got.inbound_id)).reason is None
    assert db.run(lambda tx: tx.list_audit(subject="inbound"))[0].actor == "carol"
    with pytest.raises(NotFound):
        db.run(lambda tx: tx.reject_inbound(999, "x"))


def test_routing_a_document_enqueues_its_delivery_in_the_same_transaction(db: Db) -> None:
    doc = db.run(lambda tx: tx.insert_document(document("d1")))
    assert db.run(lambda tx: tx.insert_document(document("d1"))) == type(doc)(doc.row_id, False)
    enqueued = db.run(lambda tx: tx.route_document(doc.row_id, delivery("odoo:d1")))
    row = db.db.execute("SELECT document_id FROM outbox WHERE id = ?", (enqueued.outbox_id,))
    assert row.fetchone() == (doc.row_id,)
    with pytest.raises(IllegalTransition, match="routed, it cannot become routed"):
        db.run(lambda tx: tx.route_document(doc.row_id, delivery("odoo:d1-again")))
    assert db.db.execute("SELECT count(*) FROM outbox").fetchone() == (1,)
    db.run(lambda tx: tx.complete_document(doc.row_id))
    assert db.run(lambda tx: tx.get_document(doc.row_id)).state is DocumentState.DONE


def test_a_document_killed_by_a_rule_can_be_replayed(db: Db) -> None:
    doc = db.run(lambda tx: tx.insert_document(document("d1"))).row_id
    db.run(lambda tx: tx.kill_document(doc, "unknown SKU-9"))
    record = db.run(lambda tx: tx.get_document(doc))
    assert (record.state, record.reason) == (DocumentState.DEAD, "unknown SKU-9")
    assert record.body == b'{"order_number": "PO1"}'
    db.run(lambda tx: tx.replay_document(doc, who="dave"))
    assert db.run(lambda tx: tx.get_document(doc)).state is DocumentState.NEW
    assert [
        d.document_id for d in db.run(lambda tx: tx.find_documents(correlation_key="ACME:PO1"))
    ] == [doc]
    with pytest.raises(NotFound):
        db.run(lambda tx: tx.complete_document(404))
    with pytest.raises(ValueError):
        db.run(lambda tx: tx.find_documents())


# --- audit, cursors, counts, errors -------------------------------------------------------


def test_audit_cursors_and_counts(db: Db) -> None:
    first = db.run(
        lambda tx: tx.audit(
            "system", "config.load", "config", {"version": 1}, content_hash="f" * 64
        )
    )
    second = db.run(lambda tx: tx.audit("erin", "mapping.change", "partner:ACME"))
    entries = db.run(lambda tx: tx.list_audit())
    assert [e.audit_id for e in entries] == [second, first]
    assert entries[1].details == {"version": 1} and entries[1].content_hash == "f" * 64
    assert db.run(lambda tx: tx.list_audit(before_id=second)) == entries[1:]
    assert db.run(lambda tx: tx.get_cursor("odoo.picking")) is None
    db.run(lambda tx: tx.set_cursor("odoo.picking", "2024-01-01 00:00:00|17"))
    db.run(lambda tx: tx.set_cursor("odoo.picking", "2024-01-02 00:00:00|18"))
    assert db.run(lambda tx: tx.get_cursor("odoo.picking")) == "2024-01-02 00:00:00|18"

    for i in range(3):
        db.enqueue(f"k{i}")
    db.enqueue("wh", destination="partner:WH1")
    kill(db, "x")
    db.now += 50
    counts = db.run(lambda tx: tx.counts())
    assert counts.outbox == {"available": 4, "dead": 1, "completed": 0}
    assert counts.outbox_by_destination == {
        "odoo": {"available": 3, "dead": 1},
        "partner:WH1": {"available": 1},
    }
    assert counts.oldest_pending == 1000.0 and counts.audit_entries == 2 and counts.cursors == 1


def test_sqlite_errors_are_translated_at_the_seam() -> None:
    busy = sqlite3.OperationalError("database is locked")
    busy.sqlite_errorname = "SQLITE_BUSY"  # type: ignore[attr-defined]
    assert isinstance(translate(busy), StoreBusy)
    assert isinstance(translate(sqlite3.IntegrityError("CHECK")), ConstraintViolation)
    assert isinstance(translate(sqlite3.OperationalError("disk I/O error")), StoreUnavailable)
    misuse = translate(sqlite3.ProgrammingError("Incorrect number of bindings"))
    assert type(misuse) is StoreError and misuse.__cause__ is not None
    bug = KeyError("x")
    assert translate(bug) is bug
