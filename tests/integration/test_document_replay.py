"""Refused documents and rejected files replayed after the fix, with a real store.

Through ``run_gateway`` (the Odoo simulator in-process on port 0, the admin API over real
HTTP): a sales order refused for a unit the partner's mapping lacks is routed, and reaches
Odoo, once the mapping is added and the document replayed; a CSV file rejected because the
partner had no layout is parsed once the layout is added and the file replayed. The fix is
a new configuration, so each test runs the gateway twice on the same store, as an operator
would restart it. A CLI replay (the store file, another trio run) is found by the partner
endpoint's periodic rehydration.

The periodic timers themselves run under the autojump clock with actors under a supervisor:
``WorkflowActor`` on a real store, ``EndpointActor`` with fake work. ``run_gateway`` cannot
take that clock (real sockets, a worker thread for SQLite, timeouts that would fire at the
clock's jumps), so there the interval is made short and the store is polled, bounded.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
import trio
import trio.testing

from actors import ChildSpec, Supervisor
from contracts import SalesOrder
from contracts._types import Party, PartyRole, ProductRef, Quantity
from contracts.documents import OrderLine
from edge.odoo.simulator import OdooSimulator, serve_simulator
from gateway.app import GatewayHandle, run_gateway
from gateway.config import load_config
from gateway.documents_cli import cli_documents_replay, cli_inbound_replay
from gateway.endpoints import Endpoint, EndpointActor, PartnerWork, make_breaker, make_limiter
from gateway.store import (
    DocumentRecord,
    DocumentState,
    InboundState,
    NewDocument,
    NewInbound,
    OutboxState,
    Store,
    Tx,
    open_store,
)
from gateway.store._migrations import apply_migrations, load_migrations
from gateway.store._writer import commit_batch
from gateway.workflows import DocumentWorkflow, Refuse, Route, WorkflowActor
from tests.support import GatewayFiles, write_gateway_config

PARTNER = "acme-retail"
KEY = "document-replay-key-0123456789abcdef"
POLL = 0.01  # seconds between looks at the store while the gateway's actors work
HANG_GUARD = 20.0  # only catches a hang

CUSTOMER = f"""
[[partners]]
id = "{PARTNER}"
role = "customer"
formats = ["edifact", "csv"]
channels = [{{ type = "sftp-drop" }}]
identifiers.edifact = [{{ id = "5412345000013", qualifier = "14" }}]
"""
SHOP = "contoso-shop"
SHOP_PARTNER = f"""
[[partners]]
id = "{SHOP}"
role = "customer"
formats = ["edifact"]
channels = [{{ type = "sftp-drop" }}]
identifiers.edifact = [{{ id = "5412345000020", qualifier = "14" }}]
"""
LAYOUT = """
[[partners.layouts]]
name = "orders"
format = "csv"
document = "sales_order"
files = ["ORD*.csv"]
columns = [
    { name = "PO Number", target = "order_number" },
    { name = "Order Date", target = "order_date" },
    { name = "SKU", target = "lines[].product.sku" },
    { name = "Qty", target = "lines[].quantity.value" },
]
"""
CSV = b"PO Number,Order Date,SKU,Qty\r\nPO-77,2024-03-15,WID-001,5\r\n"


def _order() -> bytes:
    return msgspec.json.encode(
        SalesOrder(
            order_number="PO-9",
            order_date=date(2024, 3, 15),
            parties=[Party(role=PartyRole.BUYER)],
            lines=[
                OrderLine(
                    line_no=1,
                    product=ProductRef(sku="WID-001"),
                    quantity=Quantity(Decimal("3")),
                )
            ],
        )
    )


@dataclass
class Gateway:
    handle: GatewayHandle
    api: httpx.AsyncClient
    files: GatewayFiles

    @property
    def store(self) -> Store:
        return self.handle.store

    async def until(self, probe: Callable[[], Awaitable[Any]]) -> Any:
        # Bounded polling of the store: the running gateway exposes no event for a row's
        # state, and the bound only catches a hang.
        with trio.fail_after(HANG_GUARD):
            while not (found := await probe()):  # noqa: ASYNC110
                await trio.sleep(POLL)
            return found

    async def document_in(self, document_id: int, state: DocumentState) -> DocumentRecord:
        async def probe() -> DocumentRecord | None:
            record = await self.store.get_document(document_id)
            return record if record is not None and record.state is state else None

        found: DocumentRecord = await self.until(probe)
        return found

    async def inbound_in(self, inbound_id: int, state: InboundState) -> Any:
        async def probe() -> Any:
            row = await self.store.get_inbound(inbound_id)
            return row if row is not None and row.state is state else None

        return await self.until(probe)


@asynccontextmanager
async def odoo() -> AsyncIterator[tuple[OdooSimulator, str]]:
    sim = OdooSimulator(api_key=KEY)
    sim.db.create("res.partner", {"name": "Acme Retail NV", "ref": PARTNER, "is_company": True})
    sim.db.create("res.partner", {"name": "Contoso Shop", "ref": SHOP, "is_company": True})
    async with trio.open_nursery() as nursery:
        url = await nursery.start(serve_simulator, sim)
        yield sim, url
        nursery.cancel_scope.cancel()


def configure(tmp_path: Path, url: str, partners: str) -> GatewayFiles:
    """The gateway config in ``tmp_path`` (written again for the second run: same store)."""
    if (tmp_path / "crossdock.toml").exists():
        for stale in (tmp_path / "secrets").iterdir():
            stale.unlink()
        (tmp_path / "secrets").rmdir()
    files = write_gateway_config(tmp_path, partners=partners)
    text = files.config.read_text().replace("http://127.0.0.1:9", url)
    files.config.write_text(text.replace('protocol = "jsonrpc"', 'protocol = "auto"'))
    (tmp_path / "secrets" / "odoo").write_text(KEY)
    return files


@asynccontextmanager
async def gateway(files: GatewayFiles) -> AsyncIterator[Gateway]:
    config = load_config(files.config)
    stop = trio.Event()
    async with trio.open_nursery() as nursery:
        with trio.fail_after(HANG_GUARD):
            handle: GatewayHandle = await nursery.start(run_gateway, config, stop)
        assert handle.info.admin_url is not None
        async with httpx.AsyncClient(base_url=handle.info.admin_url) as api:
            yield Gateway(handle, api, files)
        stop.set()


async def seed(files: GatewayFiles, fn: Callable[[Tx], int]) -> int:
    """Write rows before the gateway runs (it finds them at its start's rehydration)."""
    config = load_config(files.config)
    Path(config.store.path).parent.mkdir(parents=True, exist_ok=True)
    async with open_store(config.store.path) as store:
        return await store.transact(fn)


def _stored_order(tx: Tx) -> int:
    """A sales order of a customer the first configuration does not have (yet)."""
    inbound = tx.receive_inbound(
        NewInbound(partner=SHOP, channel="sftp-drop", source_ref="PO-9.edi", raw=b"PO-9")
    )
    [inserted] = tx.record_parsed(
        inbound.inbound_id,
        [
            NewDocument(
                idempotency_key=f"{SHOP}:ICR9:1",
                partner=SHOP,
                flow="order_intake",
                doc_type="sales_order",
                body=_order(),
                config_version="test",
                correlation_key=f"{SHOP}/PO-9",
            )
        ],
        control_ref="ICR9",
    )
    return inserted.row_id


def _received_csv(tx: Tx) -> int:
    return tx.receive_inbound(
        NewInbound(partner=PARTNER, channel="sftp-drop", source_ref="ORD-77.csv", raw=CSV)
    ).inbound_id


def bearer(files: GatewayFiles) -> dict[str, str]:
    return {"Authorization": f"Bearer {files.operate_token}"}


# --- through run_gateway -------------------------------------------------------------------


async def test_a_refused_order_replayed_after_its_partner_is_configured_goes_to_odoo(
    tmp_path: Path,
) -> None:
    async with odoo() as (sim, url):
        files = configure(tmp_path, url, CUSTOMER)
        document_id = await seed(files, _stored_order)
        async with gateway(files) as gw:
            dead = await gw.document_in(document_id, DocumentState.DEAD)
            assert dead.reason is not None and "not configured" in dead.reason, dead.reason
            listed = await gw.api.get(
                "/api/documents",
                params={"partner": SHOP},
                headers={"Authorization": f"Bearer {files.read_token}"},
            )
            assert [d["document_id"] for d in listed.json()["documents"]] == [document_id]
            # Replayed with the same configuration: refused again, for the same reason.
            answer = await gw.api.post(
                f"/api/documents/{document_id}/replay", headers=bearer(files)
            )
            assert answer.status_code == 200, answer.text
            again = await gw.document_in(document_id, DocumentState.DEAD)
            assert again.reason == dead.reason and again.updated_at >= dead.updated_at
        assert sim.count("sale.order") == 0

        files = configure(tmp_path, url, CUSTOMER + SHOP_PARTNER)  # the fix; a restart loads it
        async with gateway(files) as gw:
            # Dead documents are not rehydrated: it waits for the operator.
            assert (await gw.store.get_document(document_id)).state is DocumentState.DEAD  # type: ignore[union-attr]
            answer = await gw.api.post(
                f"/api/documents/{document_id}/replay",
                headers=bearer(files),
                json={"reason": "contoso-shop configured"},
            )
            assert answer.status_code == 200, answer.text
            await gw.document_in(document_id, DocumentState.ROUTED)

            async def delivered() -> Any:
                rows = await gw.store.find_deliveries(f"{SHOP}/PO-9")
                done = [r for r in rows if r.state is OutboxState.COMPLETED]
                return done[0] if done else None

            delivery = await gw.until(delivered)
            assert delivery.destination == "odoo"
            entries = await gw.store.list_audit(subject=f"document:{document_id}")
            assert [(e.actor, e.details["reason"]) for e in entries] == [
                ("ops-operate", "contoso-shop configured"),
                ("ops-operate", None),
            ]
        [(order_id, order)] = sim.db.table("sale.order").items()
        assert order["client_order_ref"] == "PO-9"
        assert delivery.result == f"sale.order,{order_id}"


async def test_a_file_rejected_for_a_missing_layout_is_parsed_once_replayed_after_the_fix(
    tmp_path: Path,
) -> None:
    async with odoo() as (_, url):
        files = configure(tmp_path, url, CUSTOMER)
        inbound_id = await seed(files, _received_csv)
        async with gateway(files) as gw:
            rejected = await gw.inbound_in(inbound_id, InboundState.REJECTED)
            assert "ORD-77.csv" in rejected.reason or "layout" in rejected.reason, rejected.reason
            shown = await gw.api.get(
                f"/api/inbound/{inbound_id}",
                params={"raw": "1"},
                headers={"Authorization": f"Bearer {files.read_token}"},
            )
            assert shown.status_code == 200
            assert shown.json()["reason"] == rejected.reason
            assert shown.json()["size"] == len(CSV)

        files = configure(tmp_path, url, CUSTOMER + LAYOUT)
        async with gateway(files) as gw:
            assert (await gw.store.get_inbound(inbound_id)).state is InboundState.REJECTED  # type: ignore[union-attr]
            answer = await gw.api.post(f"/api/inbound/{inbound_id}/replay", headers=bearer(files))
            assert answer.status_code == 200, answer.text
            await gw.inbound_in(inbound_id, InboundState.PARSED)
            [document] = await gw.store.find_documents(inbound_id=inbound_id)
            assert document.doc_type == "sales_order"
            routed = await gw.document_in(document.document_id, DocumentState.ROUTED)
            assert routed.partner == PARTNER
            again = await gw.api.post(f"/api/inbound/{inbound_id}/replay", headers=bearer(files))
            assert again.status_code == 409 and again.json()["detail"]["state"] == "parsed"


async def test_a_cli_replay_is_found_by_the_running_gateways_periodic_rehydration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with odoo() as (_, url):
        files = configure(tmp_path, url, CUSTOMER)
        inbound_id = await seed(files, _received_csv)
        async with gateway(files) as gw:
            await gw.inbound_in(inbound_id, InboundState.REJECTED)
        files = configure(tmp_path, url, CUSTOMER + LAYOUT)
        # The same timer as in production, at a pace a test can wait for.
        monkeypatch.setattr(EndpointActor, "rehydrate_interval", 0.05)
        async with gateway(files) as gw:
            store_path = Path(gw.handle.info.store_path)
            out = (tmp_path / "cli.out").open("w")
            code = await trio.to_thread.run_sync(
                lambda: cli_inbound_replay(store_path, inbound_id, reason="layout", out=out)
            )
            out.close()
            assert code == 0
            assert "replayed inbound" in (tmp_path / "cli.out").read_text()
            await gw.inbound_in(inbound_id, InboundState.PARSED)  # nobody told the gateway
            [entry] = await gw.store.list_audit(subject="inbound")
            assert entry.action == "inbound.replay" and entry.details["reason"] == "layout"
            assert entry.actor != "ops-operate"  # the OS user, not a token
            # Not replayable any more: the CLI says so and exits 1.
            code = await trio.to_thread.run_sync(lambda: cli_inbound_replay(store_path, inbound_id))
            assert code == 1
            code = await trio.to_thread.run_sync(lambda: cli_documents_replay(store_path, 999))
            assert code == 1


async def test_a_cli_document_replay_is_found_by_the_workflows_periodic_rehydration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with odoo() as (_, url):
        files = configure(tmp_path, url, CUSTOMER)
        document_id = await seed(files, _stored_order)
        async with gateway(files) as gw:
            await gw.document_in(document_id, DocumentState.DEAD)
        files = configure(tmp_path, url, CUSTOMER + SHOP_PARTNER)
        monkeypatch.setattr(WorkflowActor, "rehydrate_interval", 0.05)
        async with gateway(files) as gw:
            store_path = Path(gw.handle.info.store_path)
            code = await trio.to_thread.run_sync(
                lambda: cli_documents_replay(store_path, document_id, reason="configured")
            )
            assert code == 0
            await gw.document_in(document_id, DocumentState.ROUTED)  # nobody told the gateway


# --- the periodic timers under the autojump clock ------------------------------------------


class _Rule:
    """A flow's rule that an operator can fix: it refuses until ``fixed``."""

    def __init__(self) -> None:
        self.fixed = False

    def __call__(self, tx: Tx, document: DocumentRecord) -> Route | Refuse:
        return Route() if self.fixed else Refuse("not yet fixed")


class _SyncStore:
    """The store's schema and ``Tx`` on an in-memory database, run synchronously: a real
    store waits on a worker thread, and the autojump clock would jump during that wait."""

    def __init__(self) -> None:
        self.db = sqlite3.connect(":memory:", isolation_level=None)
        apply_migrations(self.db, load_migrations(), 0.0)

    async def transact(self, fn: Callable[[Tx], Any]) -> Any:
        (result,) = commit_batch(self.db, [fn], trio.current_time(), 3)
        return result.unwrap()

    async def list_documents(self, state: DocumentState, **kw: Any) -> list[DocumentRecord]:
        found: list[DocumentRecord] = await self.transact(lambda tx: tx.list_documents(state, **kw))
        return found

    async def get_document(self, document_id: int) -> DocumentRecord | None:
        found: DocumentRecord | None = await self.transact(lambda tx: tx.get_document(document_id))
        return found


async def _dead_document(store: _SyncStore) -> int:
    def make(tx: Tx) -> int:
        inserted = tx.insert_document(
            NewDocument(
                idempotency_key="k1", partner=PARTNER, flow="test_flow", doc_type="t",
                body=b"{}", config_version="v",
            )
        )  # fmt: skip
        tx.kill_document(inserted.row_id, "not yet fixed")
        return inserted.row_id

    document_id: int = await store.transact(make)
    return document_id


@pytest.mark.parametrize("with_nursery", [True, False])
async def test_a_workflow_rehydrates_every_30_seconds_only_with_a_nursery(
    autojump_clock: trio.testing.MockClock, with_nursery: bool
) -> None:
    store = _SyncStore()
    document_id = await _dead_document(store)
    rule = _Rule()
    flow = DocumentWorkflow("test_flow", rule, store)  # type: ignore[arg-type]
    async with trio.open_nursery() as timers:
        nursery = timers if with_nursery else None
        supervisor = Supervisor(
            "root", [ChildSpec("workflow", lambda: WorkflowActor(flow, nursery=nursery))]
        )
        async with trio.open_nursery() as inner:
            await inner.start(supervisor.run)
            await trio.sleep(1)
            assert flow.counts["routed"] == 0
            # The rule is fixed and another process replays the document (as
            # ``crossdock documents replay`` does); nobody tells the actor.
            rule.fixed = True
            await store.transact(lambda tx: tx.replay_document(document_id, who="cli"))
            await trio.sleep(25)  # before the interval: still new
            record = await store.get_document(document_id)
            assert record is not None and record.state is DocumentState.NEW
            await trio.sleep(10)  # past 30 s
            record = await store.get_document(document_id)
            assert record is not None
            expected = DocumentState.ROUTED if with_nursery else DocumentState.NEW
            assert record.state is expected
            inner.cancel_scope.cancel()
        timers.cancel_scope.cancel()


class _CountingIntake:
    def __init__(self) -> None:
        self.at: list[float] = []
        self.counts: dict[str, int] = {}

    async def process_pending(self) -> int:
        self.at.append(trio.current_time())
        return 0


class _IdleOutbound:
    async def run(self, *, task_status: trio.TaskStatus[None]) -> None:
        task_status.started()
        await trio.sleep_forever()

    def nudge(self) -> None:
        pass

    def status(self) -> dict[str, Any]:
        return {}


async def test_an_endpoint_rehydrates_every_30_seconds_and_its_timer_ends_with_it(
    autojump_clock: trio.testing.MockClock,
) -> None:
    from gateway.config import BreakerSettings, RateLimit

    endpoint = Endpoint(
        id=PARTNER,
        kind="partner",
        role="customer",
        limiter=make_limiter(RateLimit()),
        breaker=make_breaker(f"partner:{PARTNER}", BreakerSettings()),
    )
    intake = _CountingIntake()
    async with trio.open_nursery() as loops:
        work = PartnerWork(intake, _IdleOutbound, loops)  # type: ignore[arg-type]
        supervisor = Supervisor(
            "partners", [ChildSpec(f"partner:{PARTNER}", lambda: EndpointActor(endpoint, work))]
        )
        async with trio.open_nursery() as inner:
            await inner.start(supervisor.run)
            start = trio.current_time()
            await trio.sleep(95)
            assert [round(t - start) for t in intake.at] == [0, 30, 60, 90]
            inner.cancel_scope.cancel()
        await trio.sleep(100)  # the actor is gone: so is its timer
        assert len(intake.at) == 4
        loops.cancel_scope.cancel()
