"""kill -9 in the middle of delivery, again and again: exactly one record per order in Odoo.

SLOW (about half a minute; it runs in the default suite): 1,000 orders are written into the
outbox, the Odoo simulator runs as its own process (``crossdock odoo-sim``) and loses the
answer of 5 % of its calls after committing them (``drop_after_commit``), and the gateway
(``crossdock run``) is SIGKILLed at random moments more than twenty times, restarted each time.
Kills land while orders are being created, between "Odoo committed" and "outbox acked" (the
lost answers force that window open; the kills hit it too), and while claims are held.

At the end Odoo holds exactly 1,000 sale orders, one per idempotency key (its external ID in
``ir.model.data``), each with the lines it was sent, and the outbox says all 1,000 completed.

Synchronisation is on progress, never on time: each round waits for the gateway's READY=1
(sd_notify), then polls the simulator's order count until it grew by a random amount, then
kills. Polls are bounded by deadlines that only catch a hang.
"""

from __future__ import annotations

import os
import random
import re
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
import trio

from edge.odoo import CreateSaleOrder, OrderLine, encode_op, external_id_name
from gateway.store import NewDelivery, open_store
from tests.e2e.conftest import NotifySocket

pytestmark = pytest.mark.slow

ORDERS = 1000
KILLS = 21
API_KEY = "crash-test-key-0123456789abcdef"
PRODUCTS = ("sim.product_widget", "sim.product_gadget", "sim.product_gizmo")
HANG = 30.0  # seconds: a bound on a hang, not a synchronisation


def lines_of(i: int) -> list[tuple[str, float]]:
    """Order ``i``'s lines: two or three, quantities varying with ``i``."""
    lines = [(PRODUCTS[0], float(1 + i % 5)), (PRODUCTS[1], float(1 + i % 3))]
    if i % 4 == 0:
        lines.append((PRODUCTS[2], 2.0))
    return lines


def key_of(i: int) -> str:
    return f"acme-retail/ORDERS/{i:05d}"


class Simulator:
    """``crossdock odoo-sim`` as a subprocess, read through its HTTP API."""

    def __init__(self, crossdock_bin: Path, log: Path) -> None:
        self.log = log.open("wb")
        self.proc = subprocess.Popen(
            [str(crossdock_bin), "odoo-sim", "--port", "0", "--api-key", API_KEY],
            stdout=subprocess.PIPE,
            stderr=self.log,
        )
        assert self.proc.stdout is not None
        first = self.proc.stdout.readline().decode()
        found = re.search(r"listening on (http://\S+)", first)
        assert found, f"odoo-sim printed {first!r}"
        self.url = found.group(1)
        self.http = httpx.Client(base_url=self.url, timeout=HANG)

    def orders(self) -> int:
        counts: dict[str, int] = self.http.get("/__sim__/state").json()["counts"]
        return counts.get("sale.order", 0)

    def call(self, model: str, method: str, **kwargs: Any) -> Any:
        answer = self.http.post(
            f"/json/2/{model}/{method}",
            json=kwargs,
            headers={"Authorization": f"bearer {API_KEY}", "X-Odoo-Database": "crossdock"},
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    def close(self) -> None:
        self.http.close()
        self.proc.terminate()
        self.proc.wait(timeout=HANG)
        self.log.close()


def write_config(tmp: Path, odoo_url: str) -> Path:
    (tmp / "odoo-key").write_text(API_KEY + "\n")
    config = tmp / "crossdock.toml"
    # Small batches and a short rescue horizon: claims a kill leaves behind come back fast.
    config.write_text(
        f"""
[gateway]
name = "crash"
state_dir = "state"
shutdown_deadline = 10
log_format = "json"

[store]
rescuer_horizon = 2.0
rescuer_interval = 0.25

[admin]
bind = "127.0.0.1:0"

[odoo]
url = "{odoo_url}"
protocol = "json2"
database = "crossdock"
api_key = {{ file = "odoo-key" }}
timeout = 1.5
delivery_batch_size = 8
delivery_concurrency = 4
rate_limit = {{ rate = 100000.0, burst = 10000 }}
breaker = {{ failure_threshold = 50, cooldown = 0.5 }}
retry = {{ initial = 0.05, cap = 0.5, max_attempts = 100, jitter = "full" }}
"""
    )
    return config


def enqueue_orders(store_path: Path) -> None:
    """The 1,000 deliveries, written into the outbox as the order-intake workflow would."""

    async def main() -> None:
        items = []
        for i in range(ORDERS):
            op = CreateSaleOrder(
                key=key_of(i),
                partner="sim.partner_acme",
                client_order_ref=f"PO-{i:05d}",
                lines=tuple(OrderLine(product=p, quantity=q) for p, q in lines_of(i)),
            )
            items.append(
                NewDelivery(idempotency_key=key_of(i), destination="odoo", partner="acme-retail",
                            flow="order_intake", payload=encode_op(op), max_attempts=100)
            )  # fmt: skip
        store_path.parent.mkdir(parents=True, exist_ok=True)
        async with open_store(store_path) as store:
            created = await store.enqueue_many(items)
        assert all(e.created for e in created)

    trio.run(main)


def outbox_states(store_path: Path) -> Counter[str]:
    with sqlite3.connect(f"file:{store_path}?mode=ro", uri=True) as db:
        return Counter(dict(db.execute("select state, count(*) from outbox group by state")))


def start_gateway(crossdock_bin: Path, config: Path, notify: NotifySocket, log: Path) -> Any:
    env = {k: v for k, v in os.environ.items() if k not in ("NOTIFY_SOCKET", "WATCHDOG_USEC")}
    env["NOTIFY_SOCKET"] = str(notify.path)
    with log.open("ab") as err:  # a file, not a pipe: nobody reads a killed process's pipe
        proc = subprocess.Popen(
            [str(crossdock_bin), "run", "--config", str(config)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    notify.wait_for("READY=1", proc, timeout=HANG)
    return proc


def poll(condition: Any, what: str, proc: Any = None) -> None:
    """Bounded polling of another process's progress (no event crosses the process line)."""
    deadline = time.monotonic() + HANG
    while not condition():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the gateway exited ({proc.returncode}) waiting for {what}")
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {HANG} s")
        time.sleep(0.02)


def test_sigkill_again_and_again_leaves_exactly_one_record_per_order(
    tmp_path: Path, crossdock_bin: Path, notify_socket: NotifySocket
) -> None:
    rng = random.Random(int(os.environ.get("CRASH_SEED", "20240607")))
    sim = Simulator(crossdock_bin, tmp_path / "odoo-sim.log")
    try:
        sim.http.post("/__sim__/faults", json={"rates": {"drop_after_commit": 0.05}, "seed": 11})
        config = write_config(tmp_path, sim.url)
        store_path = tmp_path / "state" / "crossdock.sqlite3"
        enqueue_orders(store_path)
        log = tmp_path / "gateway.log"

        kills = 0
        while kills < KILLS and sim.orders() < ORDERS:
            proc = start_gateway(crossdock_bin, config, notify_socket, log)
            now = sim.orders()
            # A random step, small enough that orders are left for every remaining kill.
            step = rng.randint(0, min(24, (ORDERS - now) // (KILLS - kills + 3)))
            target = now + step
            poll(lambda t=target: sim.orders() >= t, f"{target} orders", proc)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=HANG)
            kills += 1
        assert kills >= 20, f"only {kills} kills before all orders were in Odoo: kill sooner"

        proc = start_gateway(crossdock_bin, config, notify_socket, log)
        try:
            poll(lambda: outbox_states(store_path)["completed"] == ORDERS, "all acked", proc)
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=HANG) == 0

        assert outbox_states(store_path) == Counter({"completed": ORDERS})
        # No more faults (the counts stay): our own reads must not lose their answers.
        injected = sim.http.delete("/__sim__/faults").json()["injected"]
        assert injected.get("drop_after_commit", 0) > 0  # the window was forced open
        check_odoo(sim)
    finally:
        sim.close()


def check_odoo(sim: Simulator) -> None:
    assert sim.orders() == ORDERS
    xids = sim.call(
        "ir.model.data",
        "search_read",
        domain=[["module", "=", "crossdock"], ["model", "=", "sale.order"]],
        fields=["name", "res_id"],
    )
    by_name = {x["name"]: x["res_id"] for x in xids}
    assert len(xids) == len(by_name) == ORDERS  # one external ID per key, none twice
    expected = {external_id_name(key_of(i)): i for i in range(ORDERS)}
    assert set(by_name) == set(expected)
    assert len(set(by_name.values())) == ORDERS  # and each names its own order
    product_ids = {
        x["res_id"]: f"sim.{x['name']}"
        for x in sim.call(
            "ir.model.data",
            "search_read",
            domain=[["module", "=", "sim"], ["model", "=", "product.product"]],
            fields=["name", "res_id"],
        )
    }
    lines: dict[int, list[tuple[str, float]]] = {}
    for line in sim.call(
        "sale.order.line",
        "search_read",
        domain=[],
        fields=["order_id", "product_id", "product_uom_qty"],
    ):
        lines.setdefault(line["order_id"][0], []).append(
            (product_ids[line["product_id"][0]], float(line["product_uom_qty"]))
        )
    for name, order_id in by_name.items():
        assert sorted(lines.get(order_id, [])) == sorted(lines_of(expected[name])), name
    assert sum(len(v) for v in lines.values()) == sum(len(lines_of(i)) for i in range(ORDERS))
