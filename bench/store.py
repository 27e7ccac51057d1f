"""Durable enqueues per second: the group-commit writer vs. one commit per row.

Run by hand (not part of the test suite)::

    .venv/bin/python bench/store.py [--rows 200000] [--tasks 1000] [--naive-rows 3000] [--repeat 3]

Both sides use the same schema (the store's migrations), WAL and ``synchronous=FULL``, and
the same enqueue SQL (``Tx.enqueue``), in files under one temporary directory:

- ``group commit``: ``--tasks`` concurrent trio tasks, each awaiting its own
  ``store.enqueue`` in a loop, through the real store (trio -> writer task -> asyncio bridge
  -> aiosqlite thread -> one transaction per batch).
- ``enqueue_many(100 rows)``: 20 tasks each enqueueing 100 rows per call: the writer's
  capacity once the per-caller trio cost is shared by 100 rows (not the headline figure).
- ``store, max_batch=1``: the same path with batches of one, i.e. one commit per enqueue
  paid through the whole trio/asyncio/thread path.
- ``per-row commit``: the naive reference with nothing in the way: a plain ``sqlite3`` loop,
  ``BEGIN IMMEDIATE; INSERT; COMMIT`` per enqueue.

The numbers depend on the disk's fsync latency and on what else runs on the machine. On a
shared machine, ``--repeat N`` runs the group-commit mode N times (a fresh file each time)
and reports the middle run by rate, with the range in the notes; the CPU time per enqueue
(both threads) moves less with the neighbours than the rate does.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import tempfile
import time
from pathlib import Path

import trio

from gateway.store import NewDelivery, open_store
from gateway.store._migrations import apply_migrations, load_migrations
from gateway.store._tx import Tx

PAYLOAD = b'{"order":"PO-1","lines":[{"sku":"SKU-1","qty":3}]}' * 4


def item(prefix: str, i: int) -> NewDelivery:
    return NewDelivery(
        idempotency_key=f"{prefix}:{i}",
        destination="odoo",
        partner="ACME",
        flow="order_intake",
        payload=PAYLOAD,
        correlation_key=f"ACME:PO-{i // 3}",
    )


async def group_commit(path: Path, rows: int, tasks: int, max_batch: int) -> tuple[float, str]:
    per_task = rows // tasks
    async with open_store(path, max_batch=max_batch) as store:

        async def worker(w: int) -> None:
            for i in range(per_task):
                await store.enqueue(item(f"g{w}", i))

        start, cpu = time.perf_counter(), time.process_time()
        async with trio.open_nursery() as nursery:
            for w in range(tasks):
                nursery.start_soon(worker, w)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        stats = (await store.statistics()).writer
    done = per_task * tasks
    note = (
        f"{stats.batches} batches, mean {stats.mean_batch:.0f}, max {stats.largest_batch};"
        f" {cpu / done * 1e6:.1f} us CPU per enqueue"
    )
    return done / elapsed, note


async def many(path: Path, rows: int, tasks: int, size: int) -> float:
    """Callers that have many rows at once (an Odoo poll's stock updates): enqueue_many."""
    calls = rows // (tasks * size)
    async with open_store(path) as store:

        async def worker(w: int) -> None:
            for c in range(calls):
                await store.enqueue_many([item(f"m{w}:{c}", i) for i in range(size)])

        start = time.perf_counter()
        async with trio.open_nursery() as nursery:
            for w in range(tasks):
                nursery.start_soon(worker, w)
        elapsed = time.perf_counter() - start
    return calls * tasks * size / elapsed


def per_row(path: Path, rows: int) -> float:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = FULL")
    db.execute("PRAGMA foreign_keys = ON")
    apply_migrations(db, load_migrations(), time.time())
    start = time.perf_counter()
    for i in range(rows):
        db.execute("BEGIN IMMEDIATE")
        Tx(db, time.time(), 8).enqueue(item("n", i))
        db.execute("COMMIT")
    elapsed = time.perf_counter() - start
    db.close()
    return rows / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--max-batch", type=int, default=1024)
    parser.add_argument("--naive-rows", type=int, default=3000)
    parser.add_argument("--dir", default=None, help="where the database files go")
    parser.add_argument("--repeat", type=int, default=1, help="group-commit runs (median)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        base = Path(tmp)
        runs = sorted(
            trio.run(group_commit, base / f"g{r}.db", args.rows, args.tasks, args.max_batch)
            for r in range(max(1, args.repeat))
        )
        grouped, note = runs[len(runs) // 2]
        if len(runs) > 1:
            rates = [rate for rate, _ in runs]
            note += f"; median of {len(runs)}, {rates[0]:,.0f} to {rates[-1]:,.0f}"
        batched = trio.run(many, base / "m.db", args.rows, 20, 100)
        single, _ = trio.run(group_commit, base / "s.db", args.naive_rows, 50, 1)
        naive = per_row(base / "n.db", args.naive_rows)
    print(f"store benchmark: {os.cpu_count()} CPUs, sqlite {sqlite3.sqlite_version}, "
          f"synchronous=FULL, WAL, {len(PAYLOAD)}-byte payloads")  # fmt: skip
    print(f"{'mode':<26}{'rows':>10}{'enqueues/s':>14}  notes")
    print(f"{'group commit':<26}{args.rows:>10}{grouped:>14,.0f}  {args.tasks} tasks, {note}")
    print(f"{'enqueue_many(100 rows)':<26}{args.rows:>10}{batched:>14,.0f}  20 tasks")
    print(f"{'store, max_batch=1':<26}{args.naive_rows:>10}{single:>14,.0f}  50 tasks")
    print(f"{'per-row commit (sqlite3)':<26}{args.naive_rows:>10}{naive:>14,.0f}  one loop")
    print(f"group commit / per-row commit: {grouped / naive:.1f}x")


if __name__ == "__main__":
    main()
