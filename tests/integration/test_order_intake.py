"""Order intake end to end in one process: OpenSSH ``sftp`` drops an EDIFACT ORDERS into the
running gateway, the partner's actor stores the sales order, the order-intake workflow routes
it and the Odoo actor creates it in the Odoo simulator (in-process, port 0), resolving the
customer by ``res.partner.ref`` and the products by barcode (GTIN) or default_code (SKU).

Waiting: the ask of the partner's actor returns once the file is recorded; everything after
that (workflow, delivery) runs in other actors, so the test polls the store, bounded by
``trio.fail_after`` (the bound only catches a hang), as the other gateway tests do.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncssh
import trio

from edge.odoo import UNKNOWN_PRODUCT, external_id
from edge.odoo.simulator import OdooSimulator, serve_simulator
from gateway.app import GatewayHandle, run_gateway
from gateway.config import load_config
from gateway.endpoints import GetEndpointStatus
from gateway.store import (
    DeliveryRecord,
    DocumentRecord,
    DocumentState,
    InboundRecord,
    InboundState,
    OutboxState,
)
from gateway.workflows.order_intake import order_key
from tests.integration.test_sftp_support import HANG_GUARD, known_hosts_file, make_key, run_sftp
from tests.support import write_gateway_config

PARTNER = "acme-retail"
KEY = "order-intake-key-0123456789abcdef"
POLL = 0.01  # seconds between looks at the store while other actors work
WIDGET_GTIN = "4006381333931"  # the simulator's seed: sim.product_widget
GADGET_SKU = "GAD-002"  # sim.product_gadget's default_code

# An EDIFACT D.96A ORDERS: line 1 names the widget by GTIN, line 2 the gadget by SKU only.
ORDERS = (
    "UNA:+.? '"
    "UNB+UNOC:3+5412345000013:14+4012345000009:14+240315:0930+ICR0001++ORDERS'"
    "UNH+1+ORDERS:D:96A:UN:EAN008'"
    "BGM+220+PO-4711+9'"
    "DTM+137:20240315:102'"
    "NAD+BY+5412345000013::9++ACME RETAIL NV+Rue Royale 1+Bruxelles++1000+BE'"
    "NAD+SU+4012345000009::9'"
    "CUX+2:EUR:9'"
    f"LIN+1++{WIDGET_GTIN}:EN'"
    "QTY+21:48'"
    "LIN+2'"
    f"PIA+5+{GADGET_SKU}:SA'"
    "QTY+21:3'"
    "UNS+S'"
    "CNT+2:2'"
    "UNT+14+1'"
    "UNZ+1+ICR0001'"
).encode()


@dataclass
class Running:
    handle: GatewayHandle
    sim: OdooSimulator
    port: int
    key: Path
    known: Path
    work: Path
    customer: int
    """The res.partner whose ref is the partner id."""

    async def put(self, name: str, data: bytes) -> InboundRecord:
        """Upload with OpenSSH sftp, then wait until the partner's actor recorded the file."""
        (self.work / name).write_bytes(data)
        done = await run_sftp(
            self.port, self.key, self.known, ["cd inbox", f"put {name}"],
            user=PARTNER, workdir=self.work,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr.decode()
        await self.handle.partner(PARTNER).ask(GetEndpointStatus())
        [row] = await self.handle.store.find_inbound(PARTNER, name)
        return row

    async def until(self, probe: Callable[[], Awaitable[Any]]) -> Any:
        """Poll ``probe`` until it returns something truthy (bounded)."""
        # Bounded polling of the store: the running gateway exposes no event for a row's
        # state, and the bound only catches a hang.
        with trio.fail_after(HANG_GUARD):
            while not (found := await probe()):  # noqa: ASYNC110
                await trio.sleep(POLL)
            return found

    async def document(self, inbound_id: int) -> DocumentRecord:
        [doc] = await self.handle.store.find_documents(inbound_id=inbound_id)
        return doc

    async def settled_delivery(self, document: DocumentRecord) -> DeliveryRecord:
        """The document's Odoo delivery once it is completed or dead."""
        assert document.correlation_key is not None

        async def probe() -> DeliveryRecord | None:
            rows = await self.handle.store.find_deliveries(document.correlation_key or "")
            odoo = [r for r in rows if r.destination == "odoo"]
            assert len(odoo) <= 1
            final = (OutboxState.COMPLETED, OutboxState.DEAD)
            return odoo[0] if odoo and odoo[0].state in final else None

        found: DeliveryRecord = await self.until(probe)
        return found

    def orders(self) -> dict[int, dict[str, Any]]:
        return dict(self.sim.db.table("sale.order"))

    def lines(self, order_id: int) -> list[tuple[int, float]]:
        rows = self.sim.db.table("sale.order.line").values()
        return sorted(
            (_id(r["product_id"]), float(r["product_uom_qty"]))
            for r in rows
            if _id(r["order_id"]) == order_id
        )


def _id(value: Any) -> int:
    return int(value[0] if isinstance(value, list | tuple) else value)


@asynccontextmanager
async def running_gateway(tmp_path: Path, *, confirm: bool = False) -> AsyncIterator[Running]:
    """The gateway with one sftp-drop customer, its Odoo the simulator, and in Odoo a
    customer whose Internal Reference is the partner id."""
    key = tmp_path / "acme_key"
    make_key(key)
    partners = f"""
[[partners]]
id = "{PARTNER}"
role = "customer"
formats = ["edifact"]
channels = [{{ type = "sftp-drop", authorized_keys = ["{key}.pub"] }}]
identifiers.edifact = [{{ id = "5412345000013", qualifier = "14" }}]
confirm_orders = {"true" if confirm else "false"}
"""
    files = write_gateway_config(tmp_path, partners=partners)
    (tmp_path / "client").mkdir()
    sim = OdooSimulator(api_key=KEY)
    customer = sim.db.create(
        "res.partner", {"name": "Acme Retail NV", "ref": PARTNER, "is_company": True}
    )
    async with trio.open_nursery() as nursery:
        url = await nursery.start(serve_simulator, sim)
        text = files.config.read_text().replace("http://127.0.0.1:9", url)
        files.config.write_text(text.replace('protocol = "jsonrpc"', 'protocol = "auto"'))
        (tmp_path / "secrets" / "odoo").write_text(KEY)
        config = load_config(files.config)
        stop = trio.Event()
        with trio.fail_after(HANG_GUARD):
            handle: GatewayHandle = await nursery.start(run_gateway, config, stop)
        assert handle.info.sftp_address is not None
        port = int(handle.info.sftp_address.rsplit(":", 1)[1])
        host_key = asyncssh.read_private_key(files.state_dir / "ssh_host_ed25519_key")
        host_line = host_key.export_public_key().decode().strip()
        known = known_hosts_file(tmp_path / "known_hosts", port, host_line)
        yield Running(handle, sim, port, key, known, tmp_path / "client", customer)
        stop.set()
        nursery.cancel_scope.cancel()


def _product(sim: OdooSimulator, xid: str) -> int:
    found = sim.db.xid_lookup(xid)
    assert found is not None and found[0] == "product.product"
    return found[1]


async def test_an_edifact_order_becomes_one_sale_order_and_a_resend_changes_nothing(
    tmp_path: Path,
) -> None:
    async with running_gateway(tmp_path) as gw:
        row = await gw.put("PO1.edi", ORDERS)
        assert row.state is InboundState.PARSED, row.reason
        document = await gw.document(row.inbound_id)
        delivery = await gw.settled_delivery(document)
        assert delivery.state is OutboxState.COMPLETED, delivery.history
        document = await gw.document(row.inbound_id)
        assert document.state is DocumentState.ROUTED

        [(order_id, order)] = gw.orders().items()
        assert delivery.result == f"sale.order,{order_id}"
        assert order["client_order_ref"] == "PO-4711"
        assert _id(order["partner_id"]) == gw.customer
        assert order["state"] == "draft"  # confirm_orders is false by default
        assert gw.lines(order_id) == sorted(
            [(_product(gw.sim, "sim.product_widget"), 48.0),
             (_product(gw.sim, "sim.product_gadget"), 3.0)]
        )  # fmt: skip
        xid = gw.sim.db.xid_lookup(external_id(order_key(document.partner, "PO-4711")))
        assert xid == ("sale.order", order_id)  # created with its external ID, in one load

        # The same interchange again (other bytes, same control reference): a duplicate.
        again = await gw.put("PO1-again.edi", ORDERS.replace(b"0930", b"1015"))
        assert again.state is InboundState.DUPLICATE
        assert await gw.handle.store.find_documents(inbound_id=again.inbound_id) == []
        stats = await gw.handle.store.statistics()
        assert stats.outbox_by_destination == {}  # nothing pending anywhere
        assert sum(1 for d in await gw.handle.store.find_deliveries(
            document.correlation_key or "") if d.destination == "odoo") == 1  # fmt: skip
        assert list(gw.orders()) == [order_id]
        assert gw.sim.count("sale.order.line") == 2

        # The same order in a new interchange (the customer re-sent it): a new document,
        # routed, but its delivery's key exists: no second sale order.
        resent = await gw.put("PO1-resent.edi", ORDERS.replace(b"ICR", b"ICS"))
        assert resent.state is InboundState.PARSED, resent
        [second] = await gw.handle.store.find_documents(inbound_id=resent.inbound_id)
        assert second.document_id != document.document_id

        async def routed() -> DocumentRecord | None:
            found = await gw.handle.store.get_document(second.document_id)
            return found if found is not None and found.state is not DocumentState.NEW else None

        assert (await gw.until(routed)).state is DocumentState.ROUTED
        assert sum(1 for d in await gw.handle.store.find_deliveries(
            document.correlation_key or "") if d.destination == "odoo") == 1  # fmt: skip
        assert list(gw.orders()) == [order_id]


async def test_an_unknown_gtin_is_one_dead_letter_naming_it_and_nothing_in_odoo(
    tmp_path: Path,
) -> None:
    unknown = ORDERS.replace(WIDGET_GTIN.encode(), b"5410013111115")
    async with running_gateway(tmp_path) as gw:
        row = await gw.put("PO2.edi", unknown)
        assert row.state is InboundState.PARSED, row.reason
        document = await gw.document(row.inbound_id)
        delivery = await gw.settled_delivery(document)
        assert delivery.state is OutboxState.DEAD
        assert delivery.attempts == 1  # a business rejection: never retried
        [dead] = await gw.handle.store.list_dead_letters()
        assert dead.outbox_id == delivery.outbox_id
        assert dead.last_error_class == UNKNOWN_PRODUCT
        assert dead.last_error == "line 1: Odoo has no product with GTIN 5410013111115"
        assert gw.orders() == {}
        assert gw.sim.count("sale.order.line") == 0


async def test_a_line_without_gtin_or_sku_makes_the_document_a_dead_letter(
    tmp_path: Path,
) -> None:
    # Line 2 names its product by the buyer's article number only: nothing Odoo can find.
    buyer_only = ORDERS.replace(f"PIA+5+{GADGET_SKU}:SA'".encode(), b"PIA+5+B-77:IN'")
    async with running_gateway(tmp_path) as gw:
        row = await gw.put("PO3.edi", buyer_only)
        assert row.state is InboundState.PARSED, row.reason

        async def dead() -> DocumentRecord | None:
            doc = await gw.document(row.inbound_id)
            return doc if doc.state is DocumentState.DEAD else None

        document = await gw.until(dead)
        assert document.reason is not None
        assert document.reason.startswith("line 2 ($.lines[1].product): no GTIN or SKU")
        assert "'B-77'" in document.reason
        assert await gw.handle.store.find_deliveries(document.correlation_key or "") == []
        assert gw.orders() == {}


async def test_confirm_orders_confirms_the_sale_order(tmp_path: Path) -> None:
    async with running_gateway(tmp_path, confirm=True) as gw:
        row = await gw.put("PO4.edi", ORDERS)
        delivery = await gw.settled_delivery(await gw.document(row.inbound_id))
        assert delivery.state is OutboxState.COMPLETED, delivery.history
        [order] = gw.orders().values()
        assert order["state"] == "sale"
