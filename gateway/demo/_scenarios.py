"""The demo's scenarios: one small function per flow step, played in order.

Each :class:`Scenario` names what the build must have (``workflow:<flow>`` children of the
tree, or ``webhooks``); a scenario whose needs are missing is printed as "not available in
this build" and is not a failure. Later scenarios use what earlier ones left (the fulfillment
requests the 3PLs received are what the shipment confirmations answer).

The partners act as real ones would: the customer uploads over SFTP and fetches its
acknowledgements from ``outbox/``; the X12 3PL puts files on its own server for the gateway
to poll; the CSV 3PL uses the drop server; the marketplace POSTs a signed order.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

from gateway.demo._report import Progress
from gateway.demo._samples import (
    CUSTOMER_ORDER,
    MARKETPLACE_ORDER,
    PURCHASE_ORDER,
    csv_shipment,
    edifact_orders,
    marketplace_order,
    x12_945,
    x12_receipt_944,
    x12_snapshot_846,
)
from gateway.demo._setup import CSV_3PL, CUSTOMER, MARKETPLACE, X12_3PL
from gateway.demo._world import X12_UPLOADS, StepFailed, World

__all__ = ["SCENARIOS", "Scenario", "parse_940", "parse_fulfillment_csv"]

Play = Callable[[World, Progress], Awaitable[None]]
Request = tuple[str, str, list[tuple[str, float]]]
"""A fulfillment request as a 3PL reads it: (request number, order number, [(sku, qty)])."""


@dataclass(frozen=True)
class Scenario:
    flow: str
    what: str
    needs: frozenset[str]
    play: Play


async def order_intake_by_sftp(world: World, progress: Progress) -> None:
    """EDIFACT ORDERS over SFTP -> CONTRL in the customer's outbox/ -> sale.order in Odoo."""
    name = f"ORDERS-{CUSTOMER_ORDER}.edi"
    await world.upload(CUSTOMER, name, edifact_orders())
    started = progress.sent("order_intake", CUSTOMER, CUSTOMER_ORDER)
    progress.sent("functional_ack", CUSTOMER, f"CONTRL for {name}")
    async with progress.step("functional_ack", CUSTOMER, name, started) as step:
        got, _ = await world.fetch(CUSTOMER, lambda n: n.startswith(name))
        step.note = f"{got} fetched"
    async with progress.step("order_intake", CUSTOMER, CUSTOMER_ORDER, started) as step:
        step.note = " ".join(await world.settled(CUSTOMER, name))


async def order_intake_by_webhook(world: World, progress: Progress) -> None:
    """The marketplace POSTs a signed JSON order -> sale.order in Odoo."""
    import edge.http

    body = marketplace_order()
    headers = edge.http.sign(world.files.webhook_secret, body, timestamp=int(time.time()))
    url = f"http://127.0.0.1:{world.files.webhook_port}/webhooks/{MARKETPLACE}"
    started = progress.sent("order_intake", MARKETPLACE, MARKETPLACE_ORDER)
    async with progress.step("order_intake", MARKETPLACE, MARKETPLACE_ORDER, started) as step:
        async with httpx.AsyncClient(timeout=10) as client:
            reply = await client.post(url, content=body, headers=dict(headers))
        if reply.status_code >= 300:
            raise StepFailed(f"the webhook answered {reply.status_code}: {reply.text[:200]}")

        async def in_odoo() -> str | None:
            found = [
                order_id
                for order_id, row in world.sim.db.table("sale.order").items()
                if row.get("client_order_ref") == MARKETPLACE_ORDER
            ]
            return f"sale.order,{found[0]}" if found else None

        step.note = await world.until(in_odoo, f"no sale order {MARKETPLACE_ORDER} in Odoo")


async def order_acknowledgement(world: World, progress: Progress) -> None:
    """Odoo confirmed the customer's order -> ORDRSP in the customer's outbox/."""
    started = progress.sent("order_ack", CUSTOMER, f"ORDRSP for {CUSTOMER_ORDER}")
    async with progress.step("order_ack", CUSTOMER, CUSTOMER_ORDER, started) as step:
        got, _ = await world.fetch(CUSTOMER, lambda n: not n.startswith("ORDERS-"))
        step.note = f"{got} fetched"


async def fulfillment_csv(world: World, progress: Progress) -> None:
    """Odoo's delivery picking, split by SKU -> the CSV 3PL's fulfillment file."""
    started = progress.sent("fulfillment", CSV_3PL, "CSV for the GAD-002 split")
    async with progress.step("fulfillment", CSV_3PL, "fulfillment CSV", started) as step:
        name, data = await world.fetch(CSV_3PL, lambda n: n.endswith(".csv"))
        world.requests += [(CSV_3PL, r) for r in parse_fulfillment_csv(data)]
        step.note = f"{name} fetched"


async def fulfillment_x12(world: World, progress: Progress) -> None:
    """Odoo's delivery picking -> a 940 uploaded to the X12 3PL's own SFTP server."""
    started = progress.sent("fulfillment", X12_3PL, "940 for WH")
    async with progress.step("fulfillment", X12_3PL, "940", started) as step:
        files = await world.x12_received(1)
        world.requests += [(X12_3PL, parse_940(data)) for _, data in files]
        step.note = ", ".join(name for name, _ in files)


async def shipment_confirmation(world: World, progress: Progress) -> None:
    """The 3PLs answer every request: the first X12 one ships short (a backorder in Odoo).

    All answers are sent before any is awaited: the parts of a split picking are held until
    every part is confirmed, and then validated together, once.
    """
    if not world.requests:
        raise StepFailed("no fulfillment request reached a 3PL to answer")
    short = True
    sent: list[tuple[str, str, float]] = []
    for n, (partner, (request, order, lines)) in enumerate(world.requests, start=1):
        shipped = [(sku, qty, qty) for sku, qty in lines]
        if partner == X12_3PL and short and shipped:
            sku, qty, _ = shipped[0]
            shipped[0] = (sku, qty, max(qty // 2, 1.0) if qty > 1 else 0.0)
            short = False
        safe = request.replace("/", "-")
        name = f"945-{safe}.x12" if partner == X12_3PL else f"SHIP-{safe}.csv"
        started = progress.sent("shipment_confirmation", partner, name)
        if partner == X12_3PL:
            await world.x12_put(name, x12_945(request, order, shipped, control=100 + n))
        else:
            data = csv_shipment(request, shipped, shipment=f"S-{safe}")
            await world.upload(partner, name, data)
        sent.append((partner, name, started))
    for partner, name, started in sent:
        async with progress.step("shipment_confirmation", partner, name, started) as step:
            step.note = " ".join(await world.settled(partner, name))


async def inventory(world: World, progress: Progress) -> None:
    """The X12 3PL's 846 snapshot -> quants in Odoo -> the marketplace's stock feed."""
    name = "846-snapshot.x12"
    started = progress.sent("inventory", X12_3PL, name)
    async with progress.step("inventory", X12_3PL, name, started) as step:
        await world.x12_put(name, x12_snapshot_846(control=200))
        step.note = " ".join(await world.settled(X12_3PL, name))
    feed = progress.sent("stock_feed", MARKETPLACE, "stock levels")
    async with progress.step("stock_feed", MARKETPLACE, "stock levels", feed) as step:
        got, _ = await world.fetch(MARKETPLACE, lambda n: True)
        step.note = f"{got} fetched"


async def receipt(world: World, progress: Progress) -> None:
    """The X12 3PL's 944 for our purchase order PO-1001 -> the receipt done in Odoo."""
    name = f"944-{PURCHASE_ORDER}.x12"
    started = progress.sent("receipt", X12_3PL, name)
    async with progress.step("receipt", X12_3PL, name, started) as step:
        await world.x12_put(name, x12_receipt_944(control=300))
        step.note = " ".join(await world.settled(X12_3PL, name))


def parse_940(data: bytes) -> Request:
    """What a 3PL reads from a 940: W05 (request, order) and each W01 (quantity, VP item)."""
    text = data.decode("latin-1")
    element, terminator = text[3], text[105]
    request, order, lines = "", "", []
    for raw in text.split(terminator):
        parts = raw.strip().split(element)
        if parts[0] == "W05" and len(parts) > 3:
            request, order = parts[2], parts[3]
        elif parts[0] == "W01" and "VP" in parts:
            lines.append((parts[parts.index("VP") + 1], float(parts[1])))
    return request, order, lines


def parse_fulfillment_csv(data: bytes) -> list[Request]:
    """What the CSV 3PL reads from its fulfillment file (layout ``fulfillment``)."""
    found: dict[str, Request] = {}
    for row in csv.DictReader(io.StringIO(data.decode("utf-8-sig"))):
        request = found.setdefault(row["request"], (row["request"], row["order"], []))
        request[2].append((row["sku"], float(row["qty"])))
    return list(found.values())


def _needs(*names: str) -> frozenset[str]:
    return frozenset(names)


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "order_intake",
        "EDIFACT ORDERS by SFTP -> CONTRL -> sale.order",
        _needs("workflow:order_intake"),
        order_intake_by_sftp,
    ),
    Scenario(
        "order_intake",
        "signed JSON order by webhook -> sale.order",
        _needs("workflow:order_intake", "webhooks"),
        order_intake_by_webhook,
    ),
    Scenario(
        "order_ack",
        "confirmed sale.order -> ORDRSP",
        _needs("workflow:order_ack"),
        order_acknowledgement,
    ),
    Scenario(
        "fulfillment",
        "picking split by SKU -> CSV to the CSV 3PL",
        _needs("workflow:fulfillment"),
        fulfillment_csv,
    ),
    Scenario(
        "fulfillment",
        "picking -> 940 uploaded to the X12 3PL's server",
        _needs("workflow:fulfillment", X12_UPLOADS),
        fulfillment_x12,
    ),
    Scenario(
        "shipment_confirmation",
        "945 (partial) / CSV -> pickings done, backorder",
        # Every WH picking is split across both 3PLs, and Odoo validates it only once both
        # parts are confirmed: without the X12 3PL's 940 there is nothing whole to confirm.
        _needs("workflow:fulfillment", "workflow:shipment_confirmation", X12_UPLOADS),
        shipment_confirmation,
    ),
    Scenario(
        "inventory",
        "846 snapshot -> quants -> stock feed",
        _needs("workflow:inventory"),
        inventory,
    ),
    Scenario("receipt", "944 for PO-1001 -> receipt done", _needs("workflow:receipt"), receipt),
)
