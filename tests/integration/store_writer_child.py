"""The child process of ``test_store_kill.py``: a burst of concurrent durable writes.

    python store_writer_child.py DB_PATH TASKS

Prints ``ready`` once the store is open, then one line per write the store acknowledged,
and only after it was acknowledged (the line is flushed before the task writes again):

- ``one KEY``: a single ``store.enqueue``;
- ``pair KEY_A KEY_B``: two enqueues in ONE ``store.transact`` (both or neither may exist).

It writes until killed; the parent sends SIGKILL at a moment of its choosing.
"""

from __future__ import annotations

import sys

import trio

from gateway.store import NewDelivery, Store, Tx, open_store

PAYLOAD = b'{"order": "PO-1", "lines": [{"sku": "SKU-1", "qty": 3}]}'


def delivery(key: str) -> NewDelivery:
    return NewDelivery(
        idempotency_key=key, destination="odoo", partner="ACME", flow="order_intake",
        payload=PAYLOAD,
    )  # fmt: skip


async def worker(store: Store, w: int) -> None:
    out = sys.stdout
    i = 0
    while True:
        if i % 3 == 2:
            a, b = f"p{w}-{i}a", f"p{w}-{i}b"

            def both(tx: Tx, a: str = a, b: str = b) -> None:
                tx.enqueue(delivery(a))
                tx.enqueue(delivery(b))

            await store.transact(both)
            out.write(f"pair {a} {b}\n")
        else:
            key = f"k{w}-{i}"
            await store.enqueue(delivery(key))
            out.write(f"one {key}\n")
        out.flush()
        i += 1


async def main(path: str, tasks: int) -> None:
    async with open_store(path) as store:
        print("ready", flush=True)
        async with trio.open_nursery() as nursery:
            for w in range(tasks):
                nursery.start_soon(worker, store, w)


if __name__ == "__main__":
    trio.run(main, sys.argv[1], int(sys.argv[2]))
