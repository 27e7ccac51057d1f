"""Refused orders go back to the partner, and units reach Odoo, in one running gateway.

The gateway runs with its real store, the Odoo simulator over HTTP and the partners' real
outbound loops (sftp-drop: files land in the partner's ``outbox/`` folder). Orders come in
as EDI files through the partner's intake (the inbound row stored as the drop server stores
it, then ``FileArrived``), or as canonical documents stored as a flat file or webhook
leaves them; acknowledgements are read back with our own parsers.

Waiting: asks return once the intake or the decision committed; the Odoo delivery and the
outbound loop run in other tasks, so the tests poll the store or the folder, bounded by
``trio.fail_after`` (the bound only catches a hang), as the other gateway tests do.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

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
from edge.edi import edifact, x12
from edge.edi.mapping import MappingProfile, map_inbound
from edge.odoo import UNKNOWN_PRODUCT, UNKNOWN_UOM
from edge.odoo.simulator import OdooSimulator, serve_simulator
from gateway.app import GatewayHandle, run_gateway
from gateway.config import load_config
from gateway.delivery import announce
from gateway.endpoints import FileArrived, GetEndpointStatus
from gateway.store import (
    DeliveryRecord,
    DocumentRecord,
    DocumentState,
    InboundState,
    NewDocument,
    NewInbound,
    OutboxState,
)
from gateway.workflows import DocumentReady, RoutingOutcome
from tests.integration.test_sftp_support import HANG_GUARD
from tests.support import write_gateway_config

KEY = "order-rejections-key-0123456789abcdef"
EDI_PARTNER = "acme-retail"  # EDIFACT, answered with ORDRSP
X12_PARTNER = "bolt-stores"  # X12, answered with 855
QUIET = "calm-shop"  # EDIFACT, takes no acknowledgement: dead letters only
POLL = 0.01
WIDGET_GTIN = "4006381333931"  # the simulator's seed: sim.product_widget ("Units")
UNKNOWN_GTIN = "5410013111115"

PARTNERS = f"""
units = {{ KG = "kg", DZ = "Crate" }}   # [odoo] units: the table above ends with [odoo]

[identity]
edifact_id = "4012345000009"
edifact_qualifier = "14"
x12_id = "CROSSDOCK"

[[partners]]
id = "{EDI_PARTNER}"
role = "customer"
formats = ["edifact"]
channels = [{{ type = "sftp-drop" }}]
identifiers.edifact = [{{ id = "5412345000013", qualifier = "14" }}]
outbound = {{ order_acknowledgement = "edifact:ORDRSP:D96A" }}

[[partners]]
id = "{X12_PARTNER}"
role = "customer"
formats = ["x12"]
channels = [{{ type = "sftp-drop" }}]
identifiers.x12 = [{{ qualifier = "ZZ", id = "BOLTSTORES" }}]
outbound = {{ order_acknowledgement = "x12:855:004010" }}

[[partners]]
id = "{QUIET}"
role = "customer"
formats = ["edifact"]
channels = [{{ type = "sftp-drop" }}]
identifiers.edifact = [{{ id = "5412345000099", qualifier = "14" }}]
"""


def orders(*lines: str, ref: str = "ICR0001", sender: str = "5412345000013") -> bytes:
    """An EDIFACT D.96A ORDERS PO-4711 with these LIN groups."""
    body = [
        "UNH+1+ORDERS:D:96A:UN:EAN008",
        "BGM+220+PO-4711+9",
        "DTM+137:20240315:102",
        "NAD+BY+5412345000013::9",
        "NAD+SU+4012345000009::9",
        *lines,
        "UNS+S",
        f"CNT+2:{sum(1 for s in lines if s.startswith('LIN'))}",
    ]
    body.append(f"UNT+{len(body) + 1}+1")
    return (
        "UNA:+.? '"
        f"UNB+UNOC:3+{sender}:14+4012345000009:14+240315:0930+{ref}++ORDERS'"
        + "".join(f"{s}'" for s in body)
        + f"UNZ+1+{ref}'"
    ).encode()


def x850(*po1: str) -> bytes:
    """An X12 004010 850 PO-850-1 from BOLTSTORES with these PO1 segments."""
    segments = [
        "ISA*00*          *00*          *ZZ*BOLTSTORES     *ZZ*CROSSDOCK      *240315*0930*U"
        "*00401*000000201*0*P*>",
        "GS*PO*BOLTSTORES*CROSSDOCK*20240315*0930*201*X*004010",
        "ST*850*0001",
        "BEG*00*SA*PO-850-1**20240315",
        "N1*BY*BOLT STORES*92*0001",
        *po1,
        f"CTT*{len(po1)}",
    ]
    segments.append(f"SE*{len(segments) - 1}*0001")
    segments += ["GE*1*201", "IEA*1*000000201"]
    return "".join(f"{s}~" for s in segments).encode()


@dataclass
class Running:
    handle: GatewayHandle
    sim: OdooSimulator
    sftp_root: Path

    async def receive(self, partner: str, name: str, data: bytes) -> list[DocumentRecord]:
        """Store the file as the drop server does, let the partner's actor parse it."""
        store = self.handle.store
        received = await store.receive_inbound(
            NewInbound(partner=partner, channel="sftp-drop", source_ref=name, raw=data)
        )
        ref = self.handle.partner(partner)
        ref.tell_nowait(FileArrived(received.inbound_id))
        await ref.ask(GetEndpointStatus())  # answered after the file was handled
        [row] = await store.find_inbound(partner, name)
        assert row.state is InboundState.PARSED, row.reason
        return await store.find_documents(inbound_id=row.inbound_id)

    async def decided(self, document: DocumentRecord) -> DocumentRecord:
        """Ask order intake to decide it (a no-op when intake's tell already did)."""
        ref = self.handle.root.ref("workflow:order_intake")
        await ref.ask(DocumentReady(document.document_id))
        found = await self.handle.store.get_document(document.document_id)
        assert found is not None
        return found

    async def store_order(self, partner: str, order: SalesOrder, key: str) -> DocumentRecord:
        """A sales order as a flat-file or webhook intake stores it (units as sent)."""
        inserted = await self.handle.store.insert_document(
            NewDocument(
                idempotency_key=key,
                partner=partner,
                flow="order_intake",
                doc_type="sales_order",
                body=msgspec.json.encode(order),
                config_version="test",
                correlation_key=f"{partner}/{order.order_number}",
            )
        )
        ref = self.handle.root.ref("workflow:order_intake")
        assert await ref.ask(DocumentReady(inserted.row_id)) is not RoutingOutcome.SKIPPED
        found = await self.handle.store.get_document(inserted.row_id)
        assert found is not None
        return found

    async def until(self, probe: Callable[[], Awaitable[Any]]) -> Any:
        # Bounded polling: the running gateway exposes no event per row or file.
        with trio.fail_after(HANG_GUARD):
            while not (found := await probe()):  # noqa: ASYNC110
                await trio.sleep(POLL)
            return found

    async def odoo_row(self, document: DocumentRecord) -> DeliveryRecord:
        async def settled() -> DeliveryRecord | None:
            rows = await self.handle.store.find_deliveries(document.correlation_key or "")
            odoo = [r for r in rows if r.destination == "odoo"]
            done = (OutboxState.COMPLETED, OutboxState.DEAD)
            return odoo[0] if odoo and odoo[0].state in done else None

        row: DeliveryRecord = await self.until(settled)
        return row

    async def ack_file(self, partner: str, document: DocumentRecord) -> bytes:
        """The rejection acknowledgement in the partner's outbox, once delivered."""
        outbox = self.sftp_root / partner / "outbox"

        async def written() -> list[Path]:
            return sorted(outbox.glob(f"ack-R{document.document_id}.*"))

        found: list[Path] = await self.until(written)
        [path] = found
        return path.read_bytes()

    def sale_lines(self) -> list[dict[str, Any]]:
        return list(self.sim.db.table("sale.order.line").values())

    def uom(self, name: str) -> int:
        [uom_id] = [i for i, r in self.sim.db.table("uom.uom").items() if r["name"] == name]
        return int(uom_id)


@asynccontextmanager
async def running_gateway(tmp_path: Path) -> AsyncIterator[Running]:
    files = write_gateway_config(tmp_path, partners=PARTNERS)
    sim = OdooSimulator(api_key=KEY)
    for ref in (EDI_PARTNER, X12_PARTNER, QUIET):
        sim.db.create("res.partner", {"name": ref, "ref": ref, "is_company": True})
    async with trio.open_nursery() as nursery:
        url = await nursery.start(serve_simulator, sim)
        text = files.config.read_text().replace("http://127.0.0.1:9", url)
        text = text.replace('login = "admin"', 'login = "admin"\npoll_interval = 3600')
        files.config.write_text(text.replace('protocol = "jsonrpc"', 'protocol = "auto"'))
        (tmp_path / "secrets" / "odoo").write_text(KEY)
        config = load_config(files.config)
        stop = trio.Event()
        with trio.fail_after(HANG_GUARD):
            handle: GatewayHandle = await nursery.start(run_gateway, config, stop)
        yield Running(handle, sim, Path(config.sftp.root))
        stop.set()
        nursery.cancel_scope.cancel()


def read_ordrsp(data: bytes) -> OrderAcknowledgement:
    [interchange] = edifact.parse(data, partner=EDI_PARTNER, source="ordrsp")
    [mapped] = map_inbound(interchange, MappingProfile(), partner=EDI_PARTNER)
    assert isinstance(mapped.document, OrderAcknowledgement)
    return mapped.document


def read_855(data: bytes) -> OrderAcknowledgement:
    [interchange] = x12.parse(data, partner=X12_PARTNER, source="855")
    [mapped] = map_inbound(interchange, MappingProfile(), partner=X12_PARTNER)
    assert isinstance(mapped.document, OrderAcknowledgement)
    return mapped.document


async def test_a_line_without_gtin_or_sku_is_a_dead_letter_and_one_rejected_855(
    tmp_path: Path,
) -> None:
    # Line 2 names its product by the buyer's part number only: nothing Odoo can find.
    data = x850("PO1*1*12*EA***VP*WID-001", "PO1*2*2*EA***BP*B-77")
    async with running_gateway(tmp_path) as gw:
        [document] = await gw.receive(X12_PARTNER, "PO1.x12", data)
        document = await gw.decided(document)
        assert document.state is DocumentState.DEAD
        assert document.reason is not None
        assert document.reason.startswith("line 2 ($.lines[1].product): no GTIN or SKU")

        ack = read_855(await gw.ack_file(X12_PARTNER, document))
        assert (ack.ack_number, ack.order_number) == (f"R{document.document_id}", "PO-850-1")
        assert ack.status is LineStatus.REJECTED
        assert [(line.line_no, line.status) for line in ack.lines] == [
            (1, LineStatus.REJECTED),
            (2, LineStatus.REJECTED),
        ]
        assert all(line.confirmed is not None and line.confirmed.value == 0 for line in ack.lines)

        # The same refusal again (a replay refused once more): still one acknowledgement.
        await gw.handle.store.transact(
            lambda tx: tx.replay_document(document.document_id, who="test")
        )
        assert (await gw.decided(document)).state is DocumentState.DEAD
        rows = await gw.handle.store.find_deliveries(document.correlation_key or "")
        key = f"{X12_PARTNER}:order_ack:rejected:{document.idempotency_key}"
        assert [(r.idempotency_key, r.destination, r.state) for r in rows] == [
            (key, f"partner:{X12_PARTNER}", OutboxState.COMPLETED)
        ]
        outbox = gw.sftp_root / X12_PARTNER / "outbox"
        assert len(list(outbox.glob("ack-R*"))) == 1
        assert gw.sale_lines() == []


async def test_an_unknown_gtin_is_a_dead_delivery_and_one_ordrsp_naming_it(
    tmp_path: Path,
) -> None:
    data = orders(f"LIN+1++{UNKNOWN_GTIN}:EN", "QTY+21:48", f"LIN+2++{WIDGET_GTIN}:EN", "QTY+21:3")
    async with running_gateway(tmp_path) as gw:
        [document] = await gw.receive(EDI_PARTNER, "PO2.edi", data)
        row = await gw.odoo_row(document)
        assert row.state is OutboxState.DEAD
        assert row.last_error_class == UNKNOWN_PRODUCT

        ack = read_ordrsp(await gw.ack_file(EDI_PARTNER, document))
        assert (ack.ack_number, ack.order_number) == (f"R{document.document_id}", "PO-4711")
        assert ack.status is LineStatus.REJECTED
        first, second = ack.lines
        assert (first.line_no, first.status) == (1, LineStatus.REJECTED)
        assert first.reason is not None and UNKNOWN_GTIN in first.reason
        assert first.reason.startswith("Odoo refused the order: line 1:")
        assert (second.line_no, second.status) == (2, LineStatus.REJECTED)
        assert second.reason is not None and second.reason.startswith("order refused: Odoo")

        # Replayed and refused again: the dead letter again, the acknowledgement not again.
        await gw.handle.store.replay([row.outbox_id], who="test")
        announce(gw.handle.root.ref("odoo"))

        async def refused_twice() -> bool:
            again = await gw.handle.store.get_delivery(row.outbox_id)
            return (
                again is not None
                and again.state is OutboxState.DEAD
                and (sum(1 for h in again.history if h.error_class == UNKNOWN_PRODUCT) == 2)
            )

        await gw.until(refused_twice)
        rows = await gw.handle.store.find_deliveries(document.correlation_key or "")
        acks = [r for r in rows if r.destination == f"partner:{EDI_PARTNER}"]
        assert [r.idempotency_key for r in acks] == [
            f"{EDI_PARTNER}:order_ack:rejected:{document.idempotency_key}"
        ]
        assert gw.sim.count("sale.order") == 0


async def test_a_partner_without_order_acknowledgement_gets_dead_letters_only(
    tmp_path: Path,
) -> None:
    unknown = orders(f"LIN+1++{UNKNOWN_GTIN}:EN", "QTY+21:1", ref="ICR0009", sender="5412345000099")
    buyer_only = orders("LIN+1", "PIA+5+B-77:IN", "QTY+21:1", ref="ICR0010", sender="5412345000099")
    async with running_gateway(tmp_path) as gw:
        [by_odoo] = await gw.receive(QUIET, "Q1.edi", unknown)
        assert (await gw.odoo_row(by_odoo)).state is OutboxState.DEAD
        [by_rule] = await gw.receive(QUIET, "Q2.edi", buyer_only)
        assert (await gw.decided(by_rule)).state is DocumentState.DEAD
        # Both orders are PO-4711 of the partner: one trace, holding only the Odoo row.
        rows = await gw.handle.store.find_deliveries(by_rule.correlation_key or "")
        assert [(r.destination, r.state) for r in rows] == [("odoo", OutboxState.DEAD)]


async def test_kgm_reaches_odoo_as_kg_from_edi_and_from_a_flat_file(
    tmp_path: Path,
) -> None:
    # EDI: the mapping reads KGM as the canonical KG on the way in; a flat file or webhook
    # keeps "KGM", which order intake reads with the same table. [odoo] units: KG = "kg".
    data = orders(f"LIN+1++{WIDGET_GTIN}:EN", "QTY+21:2.5:KGM", "LIN+2++4006381333948:EN",
                  "QTY+21:4:PCE")  # fmt: skip
    flat = SalesOrder(
        order_number="PO-FLAT-1",
        order_date=date(2024, 3, 15),
        parties=[Party(role=PartyRole.BUYER, name="Acme")],
        lines=[OrderLine(line_no=1, product=ProductRef(sku="WID-001"),
                         quantity=Quantity(value=Decimal("1.25"), unit="KGM"))],
    )  # fmt: skip
    async with running_gateway(tmp_path) as gw:
        kg, units = gw.uom("kg"), gw.uom("Units")
        [edi] = await gw.receive(EDI_PARTNER, "PO3.edi", data)
        row = await gw.odoo_row(edi)
        assert row.state is OutboxState.COMPLETED, row.history
        from_flat = await gw.store_order(EDI_PARTNER, flat, f"{EDI_PARTNER}:flat:1")
        assert (await gw.odoo_row(from_flat)).state is OutboxState.COMPLETED
        lines = sorted(
            (float(r["product_uom_qty"]), _id(r["product_uom"])) for r in gw.sale_lines()
        )
        # PCE went without a unit: Odoo took the product's own (Units).
        assert lines == [(1.25, kg), (2.5, kg), (4.0, units)]


async def test_a_unit_without_an_odoo_name_is_refused_naming_the_key_and_answered(
    tmp_path: Path,
) -> None:
    data = orders(f"LIN+1++{WIDGET_GTIN}:EN", "QTY+21:2", f"LIN+2++{WIDGET_GTIN}:EN",
                  "QTY+21:5:CS")  # fmt: skip
    async with running_gateway(tmp_path) as gw:
        [document] = await gw.receive(EDI_PARTNER, "PO4.edi", data)
        document = await gw.decided(document)
        assert document.state is DocumentState.DEAD
        assert document.reason is not None
        assert document.reason.startswith("line 2 ($.lines[1].quantity.unit): unit ")
        assert "[odoo] units = { CA" in document.reason and "CS" in document.reason
        ack = read_ordrsp(await gw.ack_file(EDI_PARTNER, document))
        reasons = {line.line_no: line.reason or "" for line in ack.lines}
        assert "[odoo] units" in reasons[2] and not reasons[2].startswith("order refused")
        assert reasons[1].startswith("order refused: line 2")
        assert gw.sim.count("sale.order") == 0


async def test_a_mapped_unit_odoo_does_not_have_is_a_dead_delivery_naming_it(
    tmp_path: Path,
) -> None:
    data = orders(f"LIN+1++{WIDGET_GTIN}:EN", "QTY+21:1:DZN")  # DZN -> DZ -> "Crate": not in Odoo
    async with running_gateway(tmp_path) as gw:
        [document] = await gw.receive(EDI_PARTNER, "PO5.edi", data)
        row = await gw.odoo_row(document)
        assert row.state is OutboxState.DEAD
        assert row.last_error_class == UNKNOWN_UOM
        assert "'Crate'" in (row.last_error or "")
        ack = read_ordrsp(await gw.ack_file(EDI_PARTNER, document))
        [line] = ack.lines
        assert line.reason is not None and "'Crate'" in line.reason
        # The partner's code, not the Odoo name the EDI mapping stored (DZN reads as DZ).
        assert line.ordered == Quantity(value=Decimal(1), unit="DZ")
        assert gw.sim.count("sale.order") == 0


def _id(value: Any) -> int:
    return int(value[0] if isinstance(value, list | tuple) else value)
