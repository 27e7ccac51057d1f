"""The enqueue fast path infers new rows' ids (max + 1 ...) instead of asking RETURNING; when
SQLite cannot hand out max + 1 (the id space ran out: it then picks random free ids), the
inference must notice and fall back. Real SQLite file; the last id is planted with sqlite3."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from gateway.store import NewDelivery, open_store

LAST_ID = 2**63 - 1


def delivery(key: str) -> NewDelivery:
    return NewDelivery(
        idempotency_key=key, destination="odoo", partner="acme", flow="order_intake", payload=b"{}"
    )


async def test_ids_are_right_when_the_id_space_is_exhausted(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    async with open_store(path) as store:
        await store.enqueue(delivery("first"))
    with sqlite3.connect(path) as db:  # a row holding the largest id SQLite has
        db.execute("UPDATE outbox SET id = ? WHERE idempotency_key = 'first'", (LAST_ID,))
    async with open_store(path) as store:
        results = await store.enqueue_many([delivery(f"k{i}") for i in range(5)])
        again = await store.enqueue(delivery("k3"))
    assert all(r.created for r in results) and not again.created
    with sqlite3.connect(path) as db:
        by_key = dict(db.execute("SELECT idempotency_key, id FROM outbox"))
    assert [r.outbox_id for r in results] == [by_key[f"k{i}"] for i in range(5)]
    assert again.outbox_id == by_key["k3"]
    assert len(set(by_key.values())) == 6 and by_key["first"] == LAST_ID


async def test_ids_are_right_on_the_fast_path(tmp_path: Path) -> None:
    async with open_store(tmp_path / "store.sqlite3") as store:
        first = await store.enqueue_many([delivery(f"a{i}") for i in range(3)])
        mixed = await store.enqueue_many([delivery("a1"), delivery("b0"), delivery("b0")])
    assert [r.outbox_id for r in first] == [1, 2, 3]
    assert [(r.outbox_id, r.created) for r in mixed] == [(2, False), (4, True), (4, False)]
