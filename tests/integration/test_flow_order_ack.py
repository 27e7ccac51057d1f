"""Order acknowledgement end to end in one process: the partner's sales order is stored as
order intake stores it, Odoo (the simulator, over HTTP) confirms the order with one line
changed and one dropped, the gateway's ``odoo-watch`` polls it and the partner's real
outbound loop puts one X12 855 in its drop ``outbox/``, which our own parser reads back.

Polls are asked for (``PollOdoo`` returns once the poll committed); the outbound loop runs in
another task, so the file is waited for with the bounded polling the gateway tests use.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import msgspec
import trio

from contracts import (
    LineStatus,
    OrderAcknowledgement,
    OrderLine,
    Party,
    PartyRole,
    ProductRef,
    Quantity,
    SalesOrder,
)
from edge.edi import x12
from edge.edi.mapping import MappingProfile, map_inbound
from edge.odoo.simulator import OdooSimulator, serve_simulator
from gateway.app import GatewayHandle, run_gateway
from gateway.config import load_config
from gateway.store import DocumentState, NewDocument, OutboxState, Tx
from gateway.workflows import GetWorkflowStatus
from gateway.workflows.odoo_watch import PollOdoo, PollReport
from tests.integration.test_sftp_support import HANG_GUARD
from tests.support import write_gateway_config

KEY = "order-ack-key-0123456789abcdef"
PARTNER = "acme-retail"
POLL = 0.01
PARTNERS = f"""
[identity]
x12_id = "CROSSDOCK"

[[partners]]
id = "{PARTNER}"
role = "customer"
formats = ["x12"]
channels = [{{ type = "sftp-drop" }}]
identifiers.x12 = [{{ qualifier = "ZZ", id = "ACMERETAIL" }}]
outbound = {{ order_acknowledgement = "x12:855:004010" }}
"""

ORDER = SalesOrder(
    order_number="PO-9",
    order_date=date(2026, 11, 27),
    parties=[Party(role=PartyRole.BUYER, name="Acme Retail")],
    lines=[
        OrderLine(line_no=1, product=ProductRef(gtin="4006381333931"),
                  quantity=Quantity(value=Decimal(48))),
        OrderLine(line_no=2, product=ProductRef(sku="GAD-002"),
                  quantity=Quantity(value=Decimal(3))),
        OrderLine(line_no=3, product=ProductRef(sku="GIZ-003"),
                  quantity=Quantity(value=Decimal(2))),
    ],
)  # fmt: skip


def store_intake_order(tx: Tx) -> int:
    """The sales order as order intake leaves it: routed, correlation ``<partner>/<PO>``."""
    inserted = tx.insert_document(
        NewDocument(
            idempotency_key=f"{PARTNER}:ICR9:1",
            partner=PARTNER,
            flow="order_intake",
            doc_type="sales_order",
            body=msgspec.json.encode(ORDER),
            config_version="test",
            correlation_key=f"{PARTNER}/PO-9",
        )
    )
    tx.route_document(inserted.row_id, None)
    return inserted.row_id


def confirm_in_odoo(sim: OdooSimulator, customer: int, ref: str) -> str:
    products = {r["default_code"]: r["id"] for r in sim.db.table("product.product").values()}
    lines = [("WID-001", 48.0), ("GAD-002", 5.0)]  # the gadget changed, the gizmo dropped
    order = sim.call("sale.order", "create", {
        "partner_id": customer, "client_order_ref": ref,
        "order_line": [(0, 0, {"product_id": products[s], "product_uom_qty": q}) for s, q in lines],
    })  # fmt: skip
    order_id = order[0] if isinstance(order, list) else order
    sim.call("sale.order", "action_confirm", [order_id])
    return str(sim.db.table("sale.order")[order_id]["name"])


async def delivered(handle: GatewayHandle) -> bool:
    rows = await handle.store.find_deliveries(f"{PARTNER}/PO-9")
    return bool(rows) and all(r.state is OutboxState.COMPLETED for r in rows)


async def test_a_confirmed_order_is_one_855_and_a_repoll_or_restart_sends_nothing_new(
    tmp_path: Path,
) -> None:
    sim = OdooSimulator(api_key=KEY)
    customer = sim.db.create("res.partner", {"name": "Acme Retail", "ref": PARTNER})
    foreign = sim.db.create("res.partner", {"name": "Walk-in", "ref": "walk-in"})
    files = write_gateway_config(tmp_path, partners=PARTNERS)
    async with trio.open_nursery() as nursery:
        url = await nursery.start(serve_simulator, sim)
        text = files.config.read_text().replace("http://127.0.0.1:9", url)
        text = text.replace('login = "admin"', 'login = "admin"\npoll_interval = 3600')
        files.config.write_text(text.replace('protocol = "jsonrpc"', 'protocol = "auto"'))
        (tmp_path / "secrets" / "odoo").write_text(KEY)
        config = load_config(files.config)
        outbox = Path(config.sftp.root) / PARTNER / "outbox"

        for run in (1, 2):  # the second run is a restart on the same store
            stop = trio.Event()
            async with trio.open_nursery() as gateway:
                with trio.fail_after(HANG_GUARD):
                    handle: GatewayHandle = await gateway.start(run_gateway, config, stop)
                watch = handle.root.ref("odoo-watch")
                if run == 1:
                    await handle.store.transact(store_intake_order)
                    name = confirm_in_odoo(sim, customer, "PO-9")
                    confirm_in_odoo(sim, foreign, "PO-9")  # not a partner: not answered
                    confirm_in_odoo(sim, customer, "PO-NOT-OURS")  # no document of ours
                report: PollReport = await watch.ask(PollOdoo())
                # The start's own poll may have run before or after the orders existed:
                # the counts of both polls together are what is certain.
                counts = (await watch.ask(GetWorkflowStatus()))["watch"]["orders"]
                if run == 1:
                    assert counts == {"sent": 1, "not_subscribed": 1, "not_ours": 1}
                    # Bounded polling: the outbound loop exposes no event per row.
                    with trio.fail_after(HANG_GUARD):
                        while not await delivered(handle):  # noqa: ASYNC110
                            await trio.sleep(POLL)
                else:
                    assert counts == {}  # the cursor is past all three
                    assert report.orders == {}
                    status = await watch.ask(PollOdoo())
                    assert status.orders == {}
                stop.set()
                gateway.cancel_scope.cancel()

        [file] = sorted(outbox.glob("*"))
        assert file.name == f"ack-{name}.x12"
        [interchange] = x12.parse(file.read_bytes(), partner=PARTNER, source=file.name)
        [mapped] = map_inbound(interchange, MappingProfile(), partner=PARTNER)
        ack = mapped.document
        assert isinstance(ack, OrderAcknowledgement)
        assert (ack.ack_number, ack.order_number) == (name, "PO-9")
        assert ack.status is LineStatus.CHANGED
        assert [(line.line_no, line.status, line.confirmed.value if line.confirmed else None)
                for line in ack.lines] == [
            (1, LineStatus.ACCEPTED, Decimal(48)),
            (2, LineStatus.CHANGED, Decimal(5)),
            (3, LineStatus.REJECTED, Decimal(0)),
        ]  # fmt: skip
        nursery.cancel_scope.cancel()

    # The trace: the ack document beside the order, and exactly one delivery for it.
    from gateway.store import open_store

    async with open_store(config.store.path) as store:
        docs = await store.find_documents(correlation_key=f"{PARTNER}/PO-9")
        assert sorted((d.flow, d.idempotency_key, d.state) for d in docs) == [
            ("order_ack", f"order_ack:{PARTNER}:{name}", DocumentState.ROUTED),
            ("order_intake", f"{PARTNER}:ICR9:1", DocumentState.ROUTED),
        ]
        rows = await store.find_deliveries(f"{PARTNER}/PO-9")
        assert [(r.idempotency_key, r.state) for r in rows] == [
            (f"{PARTNER}:order_ack:{name}", OutboxState.COMPLETED)
        ]
