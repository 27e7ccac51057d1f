"""The intake join, end to end in one process: a partner's OpenSSH ``sftp`` puts a file into
the running gateway's drop server; the partner's actor parses it, stores its documents and
enqueues the acknowledgement; its outbound loop writes the CONTRL / 997 to ``outbox/``,
where the partner fetches it back with ``sftp get``.

Waiting: the reply to an ``ask`` of the partner's actor comes after the ``FileArrived`` it
queued earlier, so after the ask the row is recorded. The outbound loop runs beside the
actor, so for the ack file the test polls the store (outbox rows of ``partner:<id>``
completed), bounded by ``trio.fail_after``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncssh
import trio

from edge.edi import edifact, x12
from gateway.app import GatewayHandle, run_gateway
from gateway.config import load_config
from gateway.endpoints import GetEndpointStatus
from gateway.store import InboundRecord, InboundState, NewInbound, open_store
from tests.integration.test_sftp_support import (
    HANG_GUARD,
    known_hosts_file,
    make_key,
    run_sftp,
)
from tests.support import write_gateway_config

FIXTURES = Path(__file__).parents[2] / "fixtures" / "edi" / "mapping" / "inbound"
ORDERS = (FIXTURES / "orders_d96a.edi").read_bytes()
PO850 = (FIXTURES / "x850_4010.edi").read_bytes()
PARTNER = "acme-retail"
POLL = 0.01  # seconds between looks at the store while the outbound loop works


@dataclass
class Running:
    handle: GatewayHandle
    port: int
    key: Path
    known: Path
    work: Path
    tree: Path

    async def sftp(self, *commands: str) -> None:
        done = await run_sftp(
            self.port, self.key, self.known, list(commands), user=PARTNER, workdir=self.work
        )
        assert done.returncode == 0, done.stderr.decode()

    async def put(self, name: str, data: bytes) -> InboundRecord:
        """Upload, then wait until the actor has handled the file; returns its row."""
        (self.work / name).write_bytes(data)
        await self.sftp("cd inbox", f"put {name}")
        status = await self.handle.partner(PARTNER).ask(GetEndpointStatus())
        rows = await self.handle.store.find_inbound(PARTNER, name)
        assert [r.inbound_id for r in rows] == [status["last_inbound_id"]]
        return rows[0]

    async def acks_delivered(self, count: int) -> None:
        """Until ``count`` deliveries are completed (bounded). The orders are routed to
        Odoo, which is unreachable here, so those rows never complete: every completed
        row is the partner's, and only the partner's queue must be empty."""
        with trio.fail_after(HANG_GUARD):
            while True:
                stats = await self.handle.store.statistics()
                if stats.outbox.get("completed", 0) >= count:
                    # no backlog for the partner, nothing failed
                    assert f"partner:{PARTNER}" not in stats.outbox_by_destination
                    return
                await trio.sleep(POLL)

    async def fetch(self, name: str) -> bytes:
        """``sftp get outbox/NAME`` as the partner does."""
        fetched = self.work / "fetched"
        fetched.mkdir(exist_ok=True)
        await self.sftp("cd outbox", f"get {name} fetched/{name}")
        return (fetched / name).read_bytes()


@asynccontextmanager
async def running_gateway(tmp_path: Path, *, fresh: bool = True) -> AsyncIterator[Running]:
    """The gateway with one sftp-drop partner; ``fresh=False`` runs it again on the same
    files (configuration, keys, store) as a restart does."""
    key = tmp_path / "acme_key"
    if fresh:
        make_key(key)
    partners = f"""
[[partners]]
id = "{PARTNER}"
role = "customer"
formats = ["edifact", "x12"]
channels = [{{ type = "sftp-drop", authorized_keys = ["{key}.pub"] }}]
identifiers.edifact = [{{ id = "5412345000013", qualifier = "14" }}]
identifiers.x12 = [{{ qualifier = "ZZ", id = "ACMERETAIL" }}]
"""
    if fresh:
        write_gateway_config(tmp_path, partners=partners)
        (tmp_path / "client").mkdir()
    config = load_config(tmp_path / "crossdock.toml")
    state_dir = tmp_path / "state"
    work = tmp_path / "client"
    stop = trio.Event()
    async with trio.open_nursery() as nursery:
        with trio.fail_after(HANG_GUARD):
            handle: GatewayHandle = await nursery.start(run_gateway, config, stop)
        port = int(handle.info.sftp_address.rsplit(":", 1)[1])
        host_key = asyncssh.read_private_key(state_dir / "ssh_host_ed25519_key")
        host_line = host_key.export_public_key().decode().strip()
        known = known_hosts_file(tmp_path / "known_hosts", port, host_line)
        tree = state_dir / "sftp" / PARTNER
        yield Running(handle, port, key, known, work, tree)
        stop.set()


def _outbox(tree: Path) -> list[str]:
    return sorted(p.name for p in (tree / "outbox").iterdir() if not p.name.startswith("."))


def _uci(contrl: bytes) -> tuple[edifact.Interchange, list[str]]:
    [interchange] = edifact.parse(contrl)
    [message] = interchange.messages
    assert message.type == "CONTRL"
    [uci] = [s for s in message.body if s.tag == "UCI"]
    return interchange, [uci.value(i) for i in range(4)]


async def test_an_edifact_order_is_stored_and_acknowledged_with_a_contrl(
    tmp_path: Path,
) -> None:
    async with running_gateway(tmp_path) as gw:
        row = await gw.put("PO1.edi", ORDERS)
        assert row.state is InboundState.PARSED, row.reason
        assert row.control_ref == "ICR0001"
        docs = await gw.handle.store.find_documents(inbound_id=row.inbound_id)
        assert [(d.doc_type, d.flow, d.idempotency_key) for d in docs] == [
            ("sales_order", "order_intake", f"{PARTNER}:ICR0001:1")
        ]
        assert docs[0].correlation_key == f"{PARTNER}/PO-4711"
        assert b'"order_number":"PO-4711"' in docs[0].body

        await gw.acks_delivered(1)
        name = f"PO1.edi.{row.inbound_id}.contrl"
        assert _outbox(gw.tree) == [name]
        contrl = await gw.fetch(name)
        interchange, uci = _uci(contrl)
        # Addressed back: the order's recipient (us) sends, its sender receives.
        assert (interchange.sender.id, interchange.recipient.id) == (
            "4012345000009",
            "5412345000013",
        )
        assert uci == ["ICR0001", "5412345000013", "4012345000009", "7"]
        ucm = [s for s in interchange.messages[0].body if s.tag == "UCM"]
        assert [s.value(2) for s in ucm] == ["7"]


async def test_a_broken_file_is_rejected_with_its_position_and_a_rejecting_contrl(
    tmp_path: Path,
) -> None:
    broken = ORDERS.replace(b"UNT+29+1", b"UNT+28+1")
    async with running_gateway(tmp_path) as gw:
        row = await gw.put("BAD.edi", broken)
        assert row.state is InboundState.REJECTED
        assert row.reason is not None
        assert "UNT" in row.reason and "segment 30" in row.reason and "byte" in row.reason
        assert await gw.handle.store.find_documents(inbound_id=row.inbound_id) == []

        await gw.acks_delivered(1)
        contrl = await gw.fetch(f"BAD.edi.{row.inbound_id}.contrl")
        _, uci = _uci(contrl)
        assert uci[0] == "ICR0001"
        [ucm] = [s for s in edifact.parse(contrl)[0].messages[0].body if s.tag == "UCM"]
        assert ucm.value(2) == "4"  # the message is rejected
        assert ucm.value(3) == "29"  # 0085 code 29: control count does not match


async def test_a_mapping_refusal_is_rejected_and_named_in_the_contrl(tmp_path: Path) -> None:
    unknown_unit = ORDERS.replace(b"QTY+21:12,5:KGM", b"QTY+21:12,5:ZZZ")
    async with running_gateway(tmp_path) as gw:
        row = await gw.put("UNIT.edi", unknown_unit)
        assert row.state is InboundState.REJECTED
        assert row.reason is not None and "'ZZZ'" in row.reason and "segment 25" in row.reason
        await gw.acks_delivered(1)
        contrl = await gw.fetch(f"UNIT.edi.{row.inbound_id}.contrl")
        body = edifact.parse(contrl)[0].messages[0].body
        assert [s.value(2) for s in body if s.tag == "UCM"] == ["4"]
        assert [s.value(0) for s in body if s.tag == "UCS"] == ["24"]  # QTY, in the message


async def test_the_same_interchange_resent_is_a_duplicate_without_new_documents(
    tmp_path: Path,
) -> None:
    # Other bytes (a new preparation time) and another name, the same UNB control reference.
    again = ORDERS.replace(b"+240315:0930+ICR0001", b"+240315:1015+ICR0001")
    assert again != ORDERS
    async with running_gateway(tmp_path) as gw:
        first = await gw.put("PO1.edi", ORDERS)
        assert first.state is InboundState.PARSED
        second = await gw.put("PO1-resent.edi", again)
        assert second.state is InboundState.DUPLICATE
        assert second.duplicate_of == first.inbound_id
        assert second.reason is not None and "PO1.edi" in second.reason
        assert "ICR0001" in second.reason
        assert await gw.handle.store.find_documents(inbound_id=second.inbound_id) == []
        stats = await gw.handle.store.statistics()
        assert sum(stats.documents.values()) == 1
        await gw.acks_delivered(1)
        assert _outbox(gw.tree) == [f"PO1.edi.{first.inbound_id}.contrl"]


async def test_an_x12_850_is_answered_with_a_997(tmp_path: Path) -> None:
    async with running_gateway(tmp_path) as gw:
        row = await gw.put("PO850.x12", PO850)
        assert row.state is InboundState.PARSED, row.reason
        docs = await gw.handle.store.find_documents(inbound_id=row.inbound_id)
        assert [d.doc_type for d in docs] == ["sales_order"]
        await gw.acks_delivered(1)
        name = f"PO850.x12.{row.inbound_id}.997"
        assert _outbox(gw.tree) == [name]
        [ack] = x12.parse(await gw.fetch(name))
        [group] = ack.groups
        [answer] = group.sets
        assert answer.id == "997"
        ak9 = [s for s in answer.body if s.tag == "AK9"]
        assert [s.value(0) for s in ak9] == ["A"]
        [original] = x12.parse(PO850)
        assert (ack.sender.id, ack.receiver.id) == (original.receiver.id, original.sender.id)


async def test_ack_numbers_are_never_reused(tmp_path: Path) -> None:
    async with running_gateway(tmp_path) as gw:
        first = await gw.put("A.edi", ORDERS)
        second = await gw.put("B.edi", ORDERS.replace(b"ICR0001", b"ICR0002"))
        await gw.acks_delivered(2)
        refs = [
            edifact.parse(await gw.fetch(f"{r.source_ref}.{r.inbound_id}.contrl"))[0].control_ref
            for r in (first, second)
        ]
        assert refs == ["1", "2"]


async def test_rows_received_before_a_restart_are_processed_on_start(tmp_path: Path) -> None:
    """Rehydration: a row committed as ``received`` whose FileArrived was lost (a crash) is
    parsed and acknowledged when the partner's actor starts."""
    async with running_gateway(tmp_path) as gw:
        store_path = gw.handle.info.store_path
        tree = gw.tree
    async with open_store(store_path) as store:
        received = await store.receive_inbound(
            NewInbound(partner=PARTNER, channel="sftp-drop", source_ref="LOST.edi", raw=ORDERS)
        )
    async with running_gateway(tmp_path, fresh=False) as gw:
        with trio.fail_after(HANG_GUARD):
            while True:
                row = await gw.handle.store.get_inbound(received.inbound_id)
                assert row is not None
                if row.state is not InboundState.RECEIVED:
                    break
                await trio.sleep(POLL)
        assert row.state is InboundState.PARSED, row.reason
        await gw.acks_delivered(1)
        assert _outbox(tree) == [f"LOST.edi.{received.inbound_id}.contrl"]
