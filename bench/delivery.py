"""Deliveries to Odoo per second, and the gateway's CPU per delivered order.

Run by hand (not part of the test suite)::

    .venv/bin/python bench/delivery.py [--orders 2000] [--concurrency 8] [--batch 32]

The Odoo simulator runs in its own process (``crossdock odoo-sim``), so the CPU measured here
(``time.process_time``: every thread of this process, the SQLite thread included) is the
delivering side's only. The simulator is reset before every run. Rows:

- ``naive``: the reference -- one blocking ``execute_kw(sale.order, create)`` per order over
  JSON-RPC with a plain synchronous ``httpx.Client``; no store, no batching, no idempotency
  (a lost answer retried would make a second order), ids resolved beforehand.
- ``gateway``: the real path for the same orders: rows already in the outbox (SQLite, WAL,
  ``synchronous=FULL``), the delivery loop claiming, limiting, guarding with the breaker,
  ``create_once`` (external-ID lookup + one ``load``: two calls per order) and a fenced ack
  per order -- for each protocol; ``+logging`` is the same with the gateway's logging
  configured at ``info`` as ``crossdock run`` does (into /dev/null).

The goal is at most 0.5 ms of gateway CPU per delivered order. Numbers depend on the machine
and on what else runs on it; compare rows of one run, not runs.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import trio

from actors import CircuitBreaker, Jitter, RetryPolicy, TokenBucket, retry_on
from contracts.errors import TransientFailure
from edge.odoo import ApiKey, CreateSaleOrder, OdooServer, OrderLine, encode_op, open_odoo_client
from gateway.delivery_engine import OdooDelivery
from gateway.delivery_ports import DeliverySettings, OdooClientPort, PumpRun, StoreOutbox
from gateway.log import configure_logging
from gateway.store import Delivery, NewDelivery, open_store

KEY = "bench-key-0123456789abcdef0123"
CROSSDOCK = Path(sys.executable).with_name("crossdock")


def lines_of(i: int) -> list[tuple[str, float]]:
    return [("sim.product_widget", float(1 + i % 5)), ("sim.product_gadget", float(1 + i % 3))]


class Simulator:
    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [str(CROSSDOCK), "odoo-sim", "--port", "0", "--api-key", KEY],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert self.proc.stdout is not None
        found = re.search(r"listening on (http://\S+)", self.proc.stdout.readline().decode())
        assert found, "the simulator did not start"
        self.url = found.group(1)
        self.http = httpx.Client(base_url=self.url, timeout=60)

    def reset(self) -> None:
        self.http.post("/__sim__/reset").raise_for_status()

    def orders(self) -> int:
        counts: dict[str, int] = self.http.get("/__sim__/state").json()["counts"]
        return counts.get("sale.order", 0)

    def close(self) -> None:
        self.http.close()
        self.proc.terminate()
        self.proc.wait()


def naive(sim: Simulator, orders: int) -> tuple[float, float]:
    """One blocking execute_kw per order; returns (orders/s, CPU ms per order)."""
    client = httpx.Client(base_url=sim.url, timeout=60)
    ids = iter(range(1, 10**9))

    def rpc(service: str, method: str, *args: Any) -> Any:
        body = {"jsonrpc": "2.0", "method": "call", "id": next(ids),
                "params": {"service": service, "method": method, "args": list(args)}}  # fmt: skip
        answer = client.post("/jsonrpc", json=body).json()
        assert "error" not in answer, answer
        return answer["result"]

    uid = rpc("common", "authenticate", "crossdock", "admin", KEY, {})

    def execute(model: str, method: str, *args: Any) -> Any:
        return rpc("object", "execute_kw", "crossdock", uid, KEY, model, method, list(args))

    refs = {
        f"{x['module']}.{x['name']}": x["res_id"]
        for x in execute("ir.model.data", "search_read", [["module", "=", "sim"]],
                         ["module", "name", "res_id"])
    }  # fmt: skip
    partner = refs["sim.partner_acme"]
    start, cpu = time.perf_counter(), time.process_time()
    for i in range(orders):
        lines = [[0, 0, {"product_id": refs[p], "product_uom_qty": q}] for p, q in lines_of(i)]
        execute("sale.order", "create", {"partner_id": partner, "client_order_ref": f"PO-{i}",
                                         "order_line": lines})  # fmt: skip
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    client.close()
    return orders / elapsed, cpu / orders * 1000


async def gateway(
    sim: Simulator, orders: int, protocol: str, concurrency: int, batch: int, store_dir: Path
) -> tuple[float, float]:
    """The delivery loop over the real store and client; returns (orders/s, CPU ms/order)."""
    items = []
    for i in range(orders):
        key = f"acme-retail/ORDERS/{protocol}-{i}"
        op = CreateSaleOrder(
            key=key, partner="sim.partner_acme", client_order_ref=f"PO-{i}",
            lines=tuple(OrderLine(product=p, quantity=q) for p, q in lines_of(i)),
        )  # fmt: skip
        items.append(NewDelivery(idempotency_key=key, destination="odoo", partner="acme-retail",
                                 flow="order_intake", payload=encode_op(op)))  # fmt: skip
    async with open_store(store_dir / f"{protocol}-{time.monotonic_ns()}.db") as store:
        await store.enqueue_many(items)
        server = OdooServer(url=sim.url, database="crossdock", api_key=ApiKey(KEY),
                            login="admin", protocol=protocol, max_connections=concurrency)  # type: ignore[arg-type]  # fmt: skip
        async with open_odoo_client(server) as client:
            finished = trio.Event()
            delivered = 0

            def outcome(kind: str, delivery: Delivery) -> None:
                nonlocal delivered
                assert kind == "delivered", (kind, delivery)
                delivered += 1
                if delivered == orders:
                    finished.set()

            engine = OdooDelivery(
                StoreOutbox(store),
                OdooClientPort(client),
                limiter=TokenBucket(rate=1e6, burst=1e6),
                breaker=CircuitBreaker("odoo"),
                retry=RetryPolicy(jitter=Jitter.FULL, classifier=retry_on(TransientFailure)),
                settings=DeliverySettings(batch_size=batch, concurrency=concurrency),
                rng=random.Random(1),
                on_outcome=outcome,
            )
            await client.call("res.users", "context_get")  # connect and log in first
            run = PumpRun("odoo:bench")
            start, cpu = time.perf_counter(), time.process_time()
            async with trio.open_nursery() as nursery:
                await nursery.start(engine.run, run)
                await finished.wait()
                elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
                run.draining = True
                engine.nudge()
    return orders / elapsed, cpu / orders * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--batch", type=int, default=32)
    args = parser.parse_args()
    sim = Simulator()
    rows: list[tuple[str, float, float, int]] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            sim.reset()
            rows.append(("naive (1 execute_kw/order)", *naive(sim, args.orders), sim.orders()))
            for protocol in ("json2", "jsonrpc"):
                sim.reset()
                rate, cpu = trio.run(gateway, sim, args.orders, protocol, args.concurrency,
                                     args.batch, Path(tmp))  # fmt: skip
                rows.append((f"gateway {protocol}", rate, cpu, sim.orders()))
            configure_logging(level="info", fmt="json", stream=open(os.devnull, "w"))  # noqa: SIM115
            sim.reset()
            rate, cpu = trio.run(gateway, sim, args.orders, "json2", args.concurrency,
                                 args.batch, Path(tmp))  # fmt: skip
            rows.append(("gateway json2 +logging", rate, cpu, sim.orders()))
            logging.shutdown()
    finally:
        sim.close()
    print(
        f"delivery benchmark: {args.orders} orders of 2 lines, {os.cpu_count()} CPUs, "
        f"concurrency {args.concurrency}, batch {args.batch}; the simulator in its own process"
    )
    print(f"{'path':<28}{'orders/s':>10}{'CPU ms/order':>14}{'in Odoo':>9}")
    for name, rate, cpu, count in rows:
        print(f"{name:<28}{rate:>10,.0f}{cpu:>14.3f}{count:>9}")
    goal = "met" if min(r[2] for r in rows[1:3]) <= 0.5 else "NOT met"
    print(f"goal <= 0.5 ms gateway CPU per order: {goal}")


if __name__ == "__main__":
    main()
