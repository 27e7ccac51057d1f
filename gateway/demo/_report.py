"""What the demo prints: one line per event while it runs, then the summary.

::

    progress = Progress(sys.stdout)
    async with progress.step("order_intake", "acme", "PO-4711", started) as step:
        step.note = "sale.order,7"          # reached: printed with ms since ``started``
    progress.unavailable("fulfillment", "Odoo picking -> 940 / CSV to the 3PLs")
    progress.summary(odoo, received)        # the tables; progress.failing() names failures

A step that raises :class:`StepFailed` or a ``CrossdockError`` is a failure of its flow,
printed with the reason; anything else is a bug of the demo and propagates.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TextIO

import httpx

from contracts.errors import CrossdockError
from gateway.demo._world import StepFailed

__all__ = ["FLOW_TITLES", "OdooReader", "Progress", "Step"]

FLOW_TITLES = {
    "order_intake": "order intake",
    "functional_ack": "functional acks",
    "order_ack": "order acknowledgement",
    "fulfillment": "fulfillment request",
    "shipment_confirmation": "shipment confirmation",
    "inventory": "inventory levels",
    "stock_feed": "stock feed",
    "receipt": "receipts",
}


@dataclass
class Tally:
    sent: int = 0
    reached: int = 0
    failed: int = 0
    latencies: list[float] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    """Steps of the flow this build cannot play ("not available in this build")."""
    failures: list[str] = field(default_factory=list)


@dataclass
class Step:
    flow: str
    partner: str
    document: str
    started: float
    note: str = ""


class Progress:
    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.began = time.monotonic()
        self.tallies: dict[str, Tally] = {}

    def _tally(self, flow: str) -> Tally:
        return self.tallies.setdefault(flow, Tally())

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def _line(self, flow: str, partner: str, document: str, outcome: str, ms: str) -> None:
        at = time.monotonic() - self.began
        title = FLOW_TITLES.get(flow, flow)
        self.say(f"{at:6.2f}s  {title:<22} {partner:<10} {document:<30} {outcome:<9} {ms:>8}")

    def sent(self, flow: str, partner: str, document: str) -> float:
        """A sample went in; returns the trigger time the latency is measured from."""
        self._tally(flow).sent += 1
        self._line(flow, partner, document, "sent", "")
        return time.monotonic()

    @asynccontextmanager
    async def step(
        self, flow: str, partner: str, document: str, started: float
    ) -> AsyncIterator[Step]:
        """One expected outcome of ``flow``; reached when the block ends without error."""
        tally = self._tally(flow)
        step = Step(flow, partner, document, started)
        try:
            yield step
        except (StepFailed, CrossdockError) as exc:
            tally.failed += 1
            tally.failures.append(f"{partner} {document}: {exc}")
            self._line(flow, partner, document, "FAILED", "")
            self.say(f"         {exc}")
            return
        ms = (time.monotonic() - started) * 1000
        tally.reached += 1
        tally.latencies.append(ms)
        self._line(flow, partner, step.note or document, "reached", f"{ms:.0f} ms")

    def unavailable(self, flow: str, what: str) -> None:
        self._tally(flow).skipped.append(what)
        self._line(flow, "-", what, "skipped", "")
        self.say("         not available in this build")

    def failing(self) -> list[str]:
        """The available flows that did not complete: a failure, or a sample not answered."""
        return [
            flow for flow, t in self.tallies.items() if t.sent and (t.failed or t.reached < t.sent)
        ]

    def summary(self, odoo: dict[str, Any], received: dict[str, list[str]]) -> None:
        self.say("")
        self.say(f"{'flow':<24}{'sent':>6}{'reached':>9}{'failed':>8}{'p50 ms':>9}")
        for flow, t in self.tallies.items():
            title = FLOW_TITLES.get(flow, flow)
            if not t.sent:
                self.say(f"{title:<24}{'':>6}{'':>9}{'':>8}{'':>9}  not available in this build")
                continue
            p50 = f"{statistics.median(t.latencies):.0f}" if t.latencies else "-"
            note = f"  ({len(t.skipped)} step(s) not available)" if t.skipped else ""
            self.say(f"{title:<24}{t.sent:>6}{t.reached:>9}{t.failed:>8}{p50:>9}{note}")
        self.say("")
        self.say("What Odoo holds (read over JSON-RPC from the simulator, a test double):")
        for label, value in odoo.items():
            self.say(f"  {label:<28} {value}")
        self.say("")
        self.say("Files each partner received:")
        for partner, names in received.items():
            self.say(f"  {partner:<12} {len(names):>2}  {', '.join(names) or '-'}")


class OdooReader:
    """Reads the simulator over JSON-RPC, as any Odoo client would (``execute_kw``)."""

    def __init__(self, url: str, database: str, key: str) -> None:
        self.url = url.rstrip("/") + "/jsonrpc"
        self.database = database
        self.key = key
        self.uid: int | None = None

    async def _call(self, client: httpx.AsyncClient, service: str, method: str, *args: Any) -> Any:
        body = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": 1,
            "params": {"service": service, "method": method, "args": list(args)},
        }
        reply = (await client.post(self.url, json=body)).json()
        if "error" in reply:
            raise StepFailed(f"Odoo said {reply['error'].get('message')}")
        return reply["result"]

    async def execute(
        self, client: httpx.AsyncClient, model: str, method: str, *args: Any, **kw: Any
    ) -> Any:
        if self.uid is None:
            self.uid = await self._call(client, "common", "login", self.database, "admin", self.key)
        return await self._call(
            client,
            "object",
            "execute_kw",
            self.database,
            self.uid,
            self.key,
            model,
            method,
            list(args),
            kw,
        )

    async def quants(self) -> dict[tuple[Any, Any], float]:
        async with httpx.AsyncClient(timeout=10) as client:
            rows = await self.execute(
                client,
                "stock.quant",
                "search_read",
                [],
                fields=["product_id", "location_id", "quantity"],
            )
        return {(_id(r["product_id"]), _id(r["location_id"])): float(r["quantity"]) for r in rows}

    async def holdings(self, quants_before: dict[tuple[Any, Any], float]) -> dict[str, Any]:
        """Sale orders, pickings done and backorders, quants changed since ``quants_before``."""
        async with httpx.AsyncClient(timeout=10) as client:
            orders = await self.execute(
                client, "sale.order", "search_read", [], fields=["client_order_ref", "state"]
            )
            pickings = await self.execute(
                client, "stock.picking", "search_read", [], fields=["state", "backorder_id"]
            )
        after = await self.quants()
        changed = sum(1 for k, v in after.items() if quants_before.get(k) != v) + sum(
            1 for k in quants_before if k not in after
        )
        refs = ", ".join(f"{o['client_order_ref']} ({o['state']})" for o in orders)
        return {
            "sale orders": f"{len(orders)}  {refs}".rstrip(),
            "pickings done": sum(1 for p in pickings if p["state"] == "done"),
            "pickings open": sum(1 for p in pickings if p["state"] not in ("done", "cancel")),
            "backorders": sum(1 for p in pickings if p.get("backorder_id")),
            "quants changed": changed,
        }


def _id(value: Any) -> Any:
    return value[0] if isinstance(value, list | tuple) and value else value
