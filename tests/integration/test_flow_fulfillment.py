"""Fulfillment end to end in one process: a sale order confirmed in the Odoo simulator (over
HTTP) leaves a picking ready to ship; the gateway's ``odoo-watch`` child polls it, splits it
across two 3PLs by the ``[[routing]]`` rules, stores one request per 3PL with its delivery,
and the partners' real outbound loops put a 940 and a CSV in their drop ``outbox/``.

Polls are asked for (``PollOdoo``: the ask returns once the poll committed), so no timer is
waited on; the outbound loops run in other tasks, so the test waits for the files with the
bounded store polling the other gateway tests use. The breaker test drives the watcher
itself with a hand-moved clock.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import trio

from actors import BreakerState, CircuitBreaker, TokenBucket
from contracts import FulfillmentRequest
from edge.edi import x12
from edge.flatfile import CsvLayout, parse_flat
from edge.odoo import open_odoo_client
from edge.odoo.simulator import OdooSimulator, serve_simulator
from gateway.app import GatewayHandle, run_gateway
from gateway.config import Config, load_config
from gateway.delivery import odoo_server
from gateway.store import DocumentState, OutboxState, open_store
from gateway.workflows.odoo_watch import OdooWatch, PollOdoo, PollReport
from tests.integration.test_sftp_support import HANG_GUARD
from tests.support import write_gateway_config

KEY = "fulfillment-key-0123456789abcdef"
POLL = 0.01  # seconds between looks at the store while the outbound loops work

PARTNERS = """
[identity]
x12_id = "CROSSDOCK"

[[partners]]
id = "north-3pl"
role = "3pl"
formats = ["x12"]
channels = [{ type = "sftp-drop" }]
identifiers.x12 = [{ qualifier = "ZZ", id = "NORTH3PL" }]
warehouse = "WH"
outbound = { fulfillment_request = "x12:940:004010" }

[[partners]]
id = "south-3pl"
role = "3pl"
formats = ["csv"]
channels = [{ type = "sftp-drop" }]
warehouse = "WH"
outbound = { fulfillment_request = "layout:picks" }

[[partners.layouts]]
name = "picks"
format = "csv"
document = "fulfillment_request"
columns = [
    { name = "Request", target = "request_number" },
    { name = "Order", target = "order_number" },
    { name = "Warehouse", target = "warehouse" },
    { name = "Ship To", target = "ship_to.name" },
    { name = "City", target = "ship_to.address.city" },
    { name = "Country", target = "ship_to.address.country" },
    { name = "Picking", target = "references[picking]" },
    { name = "Part", target = "references[part]" },
    { name = "Parts", target = "references[parts]" },
    { name = "Line", target = "lines[].line_no" },
    { name = "SKU", target = "lines[].product.sku" },
    { name = "GTIN", target = "lines[].product.gtin" },
    { name = "Qty", target = "lines[].quantity.value" },
]
"""
SPLIT = """
[[routing]]
warehouse = "WH"
partner = "south-3pl"
skus = ["GAD-002"]

[[routing]]
warehouse = "WH"
partner = "north-3pl"
"""


@dataclass
class Running:
    handle: GatewayHandle
    sim: OdooSimulator
    config: Config

    async def poll(self) -> PollReport:
        report: PollReport = await self.handle.root.ref("odoo-watch").ask(PollOdoo())
        return report

    async def until(self, probe: Callable[[], Awaitable[Any]]) -> Any:
        # Bounded polling of the store: the outbound loops expose no event per row.
        with trio.fail_after(HANG_GUARD):
            while not (found := await probe()):  # noqa: ASYNC110
                await trio.sleep(POLL)
            return found

    def outbox(self, partner: str) -> dict[str, bytes]:
        folder = Path(self.config.sftp.root) / partner / "outbox"
        return {p.name: p.read_bytes() for p in sorted(folder.glob("*"))
                if p.is_file() and not p.name.startswith(".")}  # fmt: skip

    async def delivered(self, partner: str, count: int) -> dict[str, bytes]:
        async def probe() -> dict[str, bytes] | None:
            files = self.outbox(partner)
            return files if len(files) >= count else None

        found: dict[str, bytes] = await self.until(probe)
        return found


def confirmed_order(sim: OdooSimulator, ref: str, lines: dict[str, float]) -> str:
    """A confirmed order of Acme's (demo seed) for these SKUs: its picking's name."""
    customer = sim.db.xid_lookup("sim.partner_acme")
    assert customer is not None
    products = {row["default_code"]: row["id"] for row in sim.db.table("product.product").values()}
    order = sim.call(
        "sale.order",
        "create",
        {
            "partner_id": customer[1],
            "client_order_ref": ref,
            "order_line": [
                (0, 0, {"product_id": products[sku], "product_uom_qty": qty})
                for sku, qty in lines.items()
            ],
        },
    )
    order_id = order[0] if isinstance(order, list) else order
    sim.call("sale.order", "action_confirm", [order_id])
    [picking] = [
        p for p in sim.db.table("stock.picking").values() if p["origin"] and p["sale_id"]
        if (p["sale_id"][0] if isinstance(p["sale_id"], list) else p["sale_id"]) == order_id
    ]  # fmt: skip
    return str(picking["name"])


def gateway_config(tmp_path: Path, url: str, routing: str) -> Config:
    files = write_gateway_config(tmp_path, partners=PARTNERS + routing)
    text = files.config.read_text().replace("http://127.0.0.1:9", url)
    text = text.replace('protocol = "jsonrpc"', 'protocol = "auto"')
    # Polls are asked for; a timer firing in the middle would only be a second, empty poll.
    text = text.replace('login = "admin"', 'login = "admin"\npoll_interval = 3600')
    files.config.write_text(text)
    (tmp_path / "secrets" / "odoo").write_text(KEY)
    return load_config(files.config)


@asynccontextmanager
async def running_gateway(
    tmp_path: Path, sim: OdooSimulator, routing: str = SPLIT
) -> AsyncIterator[Running]:
    async with trio.open_nursery() as nursery:
        url = await nursery.start(serve_simulator, sim)
        config = gateway_config(tmp_path, url, routing)
        stop = trio.Event()
        with trio.fail_after(HANG_GUARD):
            handle: GatewayHandle = await nursery.start(run_gateway, config, stop)
        yield Running(handle, sim, config)
        stop.set()
        nursery.cancel_scope.cancel()


def read_940(data: bytes) -> tuple[str, str, list[tuple[str, ...]]]:
    """(request number, order number, [W01 values]) of a 940, by our own parser."""
    [interchange] = x12.parse(data, partner="north-3pl", source="outbox")
    [group] = interchange.groups
    [message] = group.sets
    assert message.id == "940"
    segments = {s.tag: s for s in message.segments}
    w05 = segments["W05"]
    w01 = [s for s in message.segments if s.tag == "W01"]
    return (
        w05.value(1),
        w05.value(2),
        [tuple(s.value(i) for i in range(len(s.elements))) for s in w01],
    )


async def test_a_picking_split_across_two_3pls_is_two_files_with_the_right_lines(
    tmp_path: Path,
) -> None:
    sim = OdooSimulator(api_key=KEY)
    name = confirmed_order(sim, "PO-77", {"WID-001": 5, "GAD-002": 2, "GIZ-003": 7})
    async with running_gateway(tmp_path, sim) as gw:
        report = await gw.poll()  # after the start's own poll: nothing left to find
        assert report.error is None
        [csv_name] = await gw.delivered("south-3pl", 1)
        [x12_name] = await gw.delivered("north-3pl", 1)
        safe = name.replace("/", "-")
        assert csv_name == f"{safe}-1.csv"
        assert x12_name == f"{safe}-2.x12"

        layout = gw.config.partner("south-3pl").layouts[0]
        assert isinstance(layout, CsvLayout)
        parsed = parse_flat(gw.outbox("south-3pl")[csv_name], layout, partner="south-3pl",
                            source=csv_name).documents  # fmt: skip
        [south] = parsed
        assert isinstance(south, FulfillmentRequest)
        assert south.request_number == f"{name}-1"
        assert south.order_number == "PO-77"
        assert south.warehouse == "WH"
        assert south.references == {"picking": name, "part": "1", "parts": "2"}
        assert south.ship_to.name == "Acme Retail"  # the order's delivery address
        assert south.ship_to.address is not None
        assert (south.ship_to.address.city, south.ship_to.address.country) == ("Chicago", "US")
        got = [(x.line_no, x.product.sku, x.product.gtin, x.quantity.value) for x in south.lines]
        assert got == [(1, "GAD-002", "4006381333948", Decimal(2))]

        number, order, lines = read_940(gw.outbox("north-3pl")[x12_name])
        assert (number, order) == (f"{name}-2", "PO-77")
        by_sku = {sku: line for line in lines for sku in ("WID-001", "GIZ-003") if sku in line}
        assert sorted(by_sku) == ["GIZ-003", "WID-001"]
        assert (by_sku["WID-001"][0], by_sku["GIZ-003"][0]) == ("5", "7")  # W01 01 quantity
        assert "4006381333931" in by_sku["WID-001"]  # its GTIN too

        # The convention the shipment flow reads: documents, keys, references.
        store = gw.handle.store
        docs = await store.find_documents(correlation_key=f"picking:{name}")
        seen = sorted((d.idempotency_key, d.partner, d.flow, d.doc_type, d.state) for d in docs)
        assert seen == [
            (f"fulfillment:{name}-1", "south-3pl", "fulfillment", "fulfillment_request",
             DocumentState.ROUTED),
            (f"fulfillment:{name}-2", "north-3pl", "fulfillment", "fulfillment_request",
             DocumentState.ROUTED),
        ]  # fmt: skip

        async def acked() -> list[Any] | None:  # a file is visible just before its ack
            rows = await store.find_deliveries(f"picking:{name}")
            return rows if all(r.state is OutboxState.COMPLETED for r in rows) else None

        rows = await gw.until(acked)
        assert sorted((r.idempotency_key, r.state) for r in rows) == [
            (f"north-3pl:fulfillment:{name}-2", OutboxState.COMPLETED),
            (f"south-3pl:fulfillment:{name}-1", OutboxState.COMPLETED),
        ]

        # Odoo writes the picking again: seen, nothing new; the cursor moved past it.
        [picking_id] = [
            p["id"] for p in sim.db.table("stock.picking").values() if p["name"] == name
        ]
        sim.db.now = lambda: "2099-01-01 00:00:00"  # a later second than the first write
        sim.call("stock.picking", "write", [picking_id], {"carrier_tracking_ref": "X"})
        again = await gw.poll()
        assert again.pickings == {"seen": 1}
        assert len(await store.find_deliveries(f"picking:{name}")) == 2
        cursor = await store.get_cursor("odoo-poll:stock.picking")
        assert cursor is not None and cursor.endswith(f", {picking_id}]".replace(", ", ","))


async def test_a_line_no_rule_takes_stops_the_picking_and_says_which_sku(tmp_path: Path) -> None:
    only_gadgets = '\n[[routing]]\nwarehouse = "WH"\npartner = "south-3pl"\nskus = ["GAD-002"]\n'
    sim = OdooSimulator(api_key=KEY)
    name = confirmed_order(sim, "PO-78", {"GAD-002": 1, "GIZ-003": 4})
    async with running_gateway(tmp_path, sim, only_gadgets) as gw:
        await gw.poll()
        watch = gw.handle.root.status()
        node = next(c for c in watch.children or () if c.name == "odoo-watch")
        assert node.extra is not None
        info = node.extra["watch"]
        assert info["pickings"] == {"unrouted": 1}
        [why] = info["not_sent"]
        assert name in why and "'WH'" in why and "GIZ-003" in why and "GAD-002" not in why
        assert await gw.handle.store.find_documents(correlation_key=f"picking:{name}") == []
        assert gw.outbox("south-3pl") == {}


async def test_odoo_down_opens_the_breaker_moves_no_cursor_and_recovers(tmp_path: Path) -> None:
    sim = OdooSimulator(api_key=KEY)
    name = confirmed_order(sim, "PO-79", {"WID-001": 1})

    class Clock:
        at = 0.0

        def now(self) -> float:
            return self.at

    clock = Clock()
    async with trio.open_nursery() as nursery:
        url = await nursery.start(serve_simulator, sim)
        config = gateway_config(tmp_path, url, SPLIT)
        async with open_store(str(tmp_path / "flow.db")) as store:
            breaker = CircuitBreaker("odoo-watch", clock, failure_threshold=2, cooldown=30.0)
            watch = OdooWatch(store, config, breaker=breaker,
                              limiter=TokenBucket(rate=1000, burst=1000, clock=clock))  # fmt: skip
            async with open_odoo_client(odoo_server(config)) as client:
                await client.call("res.users", "context_get")  # logged in before the outage
                sim.faults.schedule("error_5xx", times=100)
                first = await watch.poll(client)
                second = await watch.poll(client)
                assert first.error is not None and "TransientFailure" in first.error
                assert second.error is not None
                assert breaker.state is BreakerState.OPEN
                calls = len(sim.calls)
                skipped = await watch.poll(client)
                assert skipped.polled is False
                assert len(sim.calls) == calls  # an open breaker asks Odoo nothing
                assert await store.get_cursor("odoo-poll:stock.picking") is None
                assert await store.find_documents(correlation_key=f"picking:{name}") == []

                sim.faults.clear()
                clock.at += 31.0  # the cool-down: the next poll is the probe
                back = await watch.poll(client)
                assert back.error is None, back.error
                assert back.pickings == {"sent": 1}
                assert breaker.state is BreakerState.CLOSED
                [doc] = await store.find_documents(correlation_key=f"picking:{name}")
                assert doc.idempotency_key == f"fulfillment:{name}"  # one 3PL: no suffix
                assert await store.get_cursor("odoo-poll:stock.picking") is not None
                status = watch.status()
                assert status["watch"]["failed_polls"] == 2
                assert status["watch"]["skipped_breaker_open"] == 1
        nursery.cancel_scope.cancel()


async def test_a_picking_committed_behind_the_cursor_is_found_by_the_look_back(
    tmp_path: Path,
) -> None:
    # Odoo stamps write_date with the transaction's start: a picking whose transaction
    # commits late lands behind a cursor that already passed its second.
    stamp = ["2026-11-27 10:00:40"]
    sim = OdooSimulator(api_key=KEY, clock=lambda: stamp[0])
    first = confirmed_order(sim, "PO-80", {"WID-001": 1})
    wall = [1000.0]
    async with trio.open_nursery() as nursery:
        url = await nursery.start(serve_simulator, sim)
        config = gateway_config(
            tmp_path, url, '\n[[routing]]\nwarehouse = "WH"\npartner = "north-3pl"\n'
        )
        async with open_store(str(tmp_path / "flow.db")) as store:
            watch = OdooWatch(store, config, wall_clock=lambda: wall[0])
            async with open_odoo_client(odoo_server(config)) as client:
                assert (await watch.poll(client)).pickings == {"sent": 1}
                stamp[0] = "2026-11-27 10:00:35"  # five seconds behind the cursor
                late = confirmed_order(sim, "PO-81", {"GIZ-003": 2})
                wall[0] += 10.0
                missed = await watch.poll(client)
                assert missed.pickings == {}  # strictly after the cursor: not seen
                assert await store.find_documents(correlation_key=f"picking:{late}") == []
                wall[0] += 60.0  # the next look-back pass is due
                found = await watch.poll(client)
                assert found.pickings == {"late_sent": 1}  # the first one: seen, not counted
                [doc] = await store.find_documents(correlation_key=f"picking:{late}")
                assert doc.idempotency_key == f"fulfillment:{late}"
                assert watch.status()["watch"]["found_late"] == 1
                assert [d.idempotency_key for d in await store.find_documents(
                    correlation_key=f"picking:{first}")] == [f"fulfillment:{first}"]  # fmt: skip
        nursery.cancel_scope.cancel()


async def test_a_picking_no_rule_took_goes_out_after_the_fix_and_a_cursor_rewind(
    tmp_path: Path,
) -> None:
    stamp = ["2026-11-27 10:00:40"]
    sim = OdooSimulator(api_key=KEY, clock=lambda: stamp[0])
    name = confirmed_order(sim, "PO-82", {"GIZ-003": 2})
    stamp[0] = "2026-11-27 10:05:00"  # a later picking: the first is out of the look-back
    confirmed_order(sim, "PO-83", {"GAD-002": 1})
    only_gadgets = '\n[[routing]]\nwarehouse = "WH"\npartner = "south-3pl"\nskus = ["GAD-002"]\n'
    catch_all = '\n[[routing]]\nwarehouse = "WH"\npartner = "north-3pl"\n'
    async with trio.open_nursery() as nursery:
        url = await nursery.start(serve_simulator, sim)
        (tmp_path / "before").mkdir()
        (tmp_path / "after").mkdir()
        config = gateway_config(tmp_path / "before", url, only_gadgets)
        fixed = gateway_config(tmp_path / "after", url, catch_all)
        path = Path(fixed.store.path)
        path.parent.mkdir(parents=True, exist_ok=True)

        async def rewind(to: str, *more: str) -> int:
            # The command as an operator runs it, on the store file the gateway uses.
            args = ["cursors", "rewind", "--config", fixed.source_path, "stock.picking"]
            done = await trio.run_process(
                [sys.executable, "-m", "gateway", *args, "--to", to, *more],
                check=False, capture_stdout=True, capture_stderr=True,
            )  # fmt: skip
            return done.returncode

        async with open_store(str(path)) as store, open_odoo_client(odoo_server(config)) as c:
            first = await OdooWatch(store, config).poll(c)
            assert first.pickings == {"unrouted": 1, "sent": 1}
            again = OdooWatch(store, fixed)  # the routing fixed; the cursor is past it
            assert (await again.poll(c)).pickings == {}
            assert await rewind("2026-11-27 11:00:00") == 1  # a cursor only moves back
            assert await rewind("2026-11-27 10:00:40", "--reason", "routing fixed") == 0
            assert (await again.poll(c)).pickings == {"sent": 1, "seen": 1}
            [doc] = await store.find_documents(correlation_key=f"picking:{name}")
            assert doc.partner == "north-3pl"
            [entry] = await store.list_audit(subject="odoo-poll:stock.picking")
            assert entry.action == "cursor.rewind" and entry.details["reason"] == "routing fixed"
        nursery.cancel_scope.cancel()
