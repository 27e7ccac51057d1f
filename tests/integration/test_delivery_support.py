"""The delivery loop on the real store (SQLite in a tmp dir) and the Odoo simulator on loopback.

No tests here; ``test_delivery*.py`` and ``test_deadletters.py`` use it. Retry and breaker
settings are tiny (tens of milliseconds) so real time costs little; tests wait on the loop's
own outcome and breaker events (``Harness.until``), bounded by a deadline, never on sleeps.
"""

from __future__ import annotations

import random
import socket
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import trio

from actors import BreakerChange, CircuitBreaker, Jitter, RetryPolicy, TokenBucket, retry_on
from contracts.errors import TransientFailure
from edge.odoo import (
    ApiKey,
    CreateSaleOrder,
    OdooOp,
    OdooServer,
    OrderLine,
    encode_op,
    external_id,
    open_odoo_client,
)
from edge.odoo.simulator import OdooSimulator, serve_simulator
from gateway.delivery_engine import OdooDelivery
from gateway.delivery_ports import DeliverySettings, OdooClientPort, PumpRun, StoreOutbox
from gateway.store import Delivery, NewDelivery, Store, open_store

KEY = "delivery-key-0123456789abcdef"
FINAL = ("delivered", "dead")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def order(key: str, *, product: str = "sim.product_widget", quantity: float = 2) -> OdooOp:
    return CreateSaleOrder(
        key=key,
        partner="sim.partner_acme",
        client_order_ref=key.rsplit("/", 1)[-1],
        lines=(
            OrderLine(product=product, quantity=quantity),
            OrderLine(product="sim.product_gadget", quantity=1, price_unit=19.5),
        ),
    )


@dataclass
class Harness:
    sim: OdooSimulator
    store: Store
    engine: OdooDelivery
    url: str
    outcomes: dict[int, list[str]] = field(default_factory=dict)
    changed: trio.Event = field(default_factory=trio.Event)

    def note(self, outcome: str, delivery: Delivery) -> None:
        self.outcomes.setdefault(delivery.outbox_id, []).append(outcome)
        self.poke()

    def poke(self, _: BreakerChange | None = None) -> None:
        self.changed.set()
        self.changed = trio.Event()

    async def until(self, predicate: Callable[[], bool], bound: float = 30.0) -> None:
        """Wait for the loop's next outcomes until ``predicate`` holds (a bound on a hang)."""
        with trio.fail_after(bound):
            while not predicate():
                await self.changed.wait()

    def finished(self, ids: Sequence[int]) -> bool:
        return all(self.outcomes.get(i, [""])[-1] in FINAL for i in ids)

    async def enqueue(self, ops: Sequence[OdooOp], *, max_attempts: int | None = None) -> list[int]:
        items = [
            NewDelivery(
                idempotency_key=getattr(op, "key", None) or f"op-{i}-{encode_op(op).hex()[:16]}",
                destination="odoo",
                partner="acme-retail",
                flow="order_intake",
                payload=encode_op(op),
                max_attempts=max_attempts,
            )
            for i, op in enumerate(ops)
        ]
        enqueued = await self.store.enqueue_many(items)
        self.engine.nudge()
        return [e.outbox_id for e in enqueued]

    def orders_for(self, keys: Sequence[str]) -> list[int]:
        """The one sale order per key, checked: by external ID, and no stray records."""
        found = []
        for key in keys:
            hit = self.sim.db.xid_lookup(external_id(key))
            assert hit is not None and hit[0] == "sale.order", f"no order for {key}"
            found.append(hit[1])
        return found

    def crossdock_orders(self) -> int:
        return self.sim.count(
            "ir.model.data", [("module", "=", "crossdock"), ("model", "=", "sale.order")]
        )


@asynccontextmanager
async def harness(
    tmp_path: Path,
    protocol: str,
    *,
    sim: OdooSimulator | None = None,
    serve: bool = True,
    port: int = 0,
    key: str = KEY,
    login: str = "admin",
    concurrency: int = 4,
    call_timeout: float = 5.0,
    threshold: int = 3,
    cooldown: float = 0.2,
) -> AsyncIterator[Harness]:
    sim = sim or OdooSimulator(api_key=KEY)
    async with trio.open_nursery() as nursery:
        url = f"http://127.0.0.1:{port}"
        if serve:
            url = await nursery.start(serve_simulator, sim, "127.0.0.1", port)
        async with open_store(tmp_path / "crossdock.sqlite3") as store:
            server = OdooServer(
                url=url,
                database="crossdock",
                api_key=ApiKey(key),
                login=login,
                protocol=protocol,  # type: ignore[arg-type]
                timeout=call_timeout,
            )
            async with open_odoo_client(server) as client:
                breaker = CircuitBreaker(
                    "odoo", failure_threshold=threshold, min_calls=1000, cooldown=cooldown
                )
                engine = OdooDelivery(
                    StoreOutbox(store),
                    OdooClientPort(client),
                    limiter=TokenBucket(rate=1000.0, burst=1000.0),
                    breaker=breaker,
                    retry=RetryPolicy(
                        initial=0.02,
                        factor=2.0,
                        cap=0.1,
                        max_attempts=8,
                        jitter=Jitter.NONE,
                        classifier=retry_on(TransientFailure),
                    ),
                    settings=DeliverySettings(
                        batch_size=8,
                        concurrency=concurrency,
                        idle_initial=0.02,
                        idle_max=0.2,
                        auth_pause=cooldown,
                        drain_timeout=2.0,
                    ),
                    rng=random.Random(3),
                )
                h = Harness(sim, store, engine, url)
                engine.on_outcome = h.note
                breaker.on_change(h.poke)
                run = PumpRun("odoo:integration")
                async with trio.open_nursery() as loop:
                    await loop.start(engine.run, run)
                    yield h
                    run.draining = True
                    engine.nudge()
        nursery.cancel_scope.cancel()
