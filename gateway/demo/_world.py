"""Everything the demo runs in its one trio process, and how its partners act.

::

    async with open_world(state_dir, admin_port=0) as world:
        world.available          # {"workflow:order_intake", "webhooks", ...}
        await world.upload("acme", "ORDERS-1.edi", data)       # over SFTP to the drop server
        name, data = await world.fetch("acme", "CONTRL")        # from its outbox/, removed
        await world.settled("north-3pl", "945-1.x12")           # None, or why it failed

The Odoo simulator (a test double of Odoo's protocols) serves on a loopback port; the X12
3PL's own SFTP server is the SFTP edge's server with its own tree (the gateway polls its
``outbox/`` and uploads to its ``inbox/``); the gateway runs from the generated
configuration. The demo's partners reach the gateway exactly as real ones would: over SFTP
with their keys, and over HTTP.

Waiting here is bounded polling of the store and the partners' folders: the demo watches a
running system from outside, as an operator would, and every wait has a deadline.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import trio

from contracts.errors import TransientFailure
from edge.odoo.simulator import OdooSimulator, serve_simulator
from edge.sftp import (
    Accepted,
    DropAccount,
    DropSettings,
    DropTree,
    PartnerServer,
    Receipt,
    load_client_key,
    open_partner_sftp,
    parse_host_key_pin,
    serve_drop,
)
from gateway.app import GatewayHandle, run_gateway
from gateway.config import load_config
from gateway.demo._setup import (
    MARKETPLACE,
    X12_3PL,
    X12_3PL_LOGIN,
    DemoFiles,
    prepare_state,
    write_config,
)
from gateway.store import DocumentState, InboundState, OutboxState

__all__ = ["STEP_TIMEOUT", "X12_UPLOADS", "StepFailed", "World", "open_world"]

X12_UPLOADS = "x12-3pl-uploads"
"""The capability of the X12 3PL's server to take the gateway's uploads (see below)."""
STEP_TIMEOUT = 20.0
"""Seconds one step may take before the demo calls it failed (a hang, not a pace)."""
POLL = 0.05

T = TypeVar("T")


class StepFailed(Exception):
    """A step of a scenario did not reach its outcome; the message says what is missing."""


class X12Inbox:
    """The X12 3PL's side of its own server: what the gateway uploaded to ``inbox/``."""

    def __init__(self) -> None:
        self.files: list[tuple[str, bytes]] = []

    async def file_closed(self, partner: str, name: str, data: bytes, *, channel: str) -> Receipt:
        self.files.append((name, data))
        return Accepted(inbound_id=len(self.files))


@dataclass
class World:
    files: DemoFiles
    sim: OdooSimulator
    odoo_url: str
    gateway: GatewayHandle
    drop_port: int
    x12_inbox: X12Inbox
    available: set[str] = field(default_factory=set)
    received: dict[str, list[str]] = field(default_factory=dict)
    """The files each partner picked up (outbox/ of the drop server, the X12 3PL's inbox/)."""
    requests: list[tuple[str, tuple[str, str, list[tuple[str, float]]]]] = field(
        default_factory=list
    )
    """Fulfillment requests the 3PLs received: (partner, (request, order, [(sku, qty)]))."""

    @property
    def admin_url(self) -> str | None:
        return self.gateway.info.admin_url

    def _server(self, partner: str) -> PartnerServer:
        return PartnerServer(
            partner=partner,
            host="127.0.0.1",
            port=self.drop_port,
            username=partner,
            client_key=load_client_key(str(self.files.client_key(partner))),
            host_key=parse_host_key_pin(self.files.drop_host_line),
            connect_timeout=5.0,
        )

    async def upload(self, partner: str, name: str, data: bytes) -> float:
        """Put ``inbox/<name>`` on the drop server as ``partner``; returns the start time."""
        started = time.monotonic()
        async with open_partner_sftp(self._server(partner)) as sftp:
            await sftp.write_file(f"inbox/{name}", data)
        return started

    async def fetch(self, partner: str, wanted: Callable[[str], bool]) -> tuple[str, bytes]:
        """The first file in ``partner``'s drop ``outbox/`` whose name is ``wanted``; it is
        removed there, as a partner's pickup does, and remembered in :attr:`received`."""

        async def probe() -> tuple[str, bytes] | None:
            async with open_partner_sftp(self._server(partner)) as sftp:
                for remote in await sftp.list_files("outbox"):
                    if wanted(remote.name):
                        data = await sftp.read_file(f"outbox/{remote.name}", max_size=1 << 24)
                        await sftp.remove(f"outbox/{remote.name}")
                        self.received.setdefault(partner, []).append(remote.name)
                        return remote.name, data
            return None

        return await self.until(probe, f"the expected file did not appear in {partner}'s outbox/")

    async def x12_put(self, name: str, data: bytes) -> float:
        """The X12 3PL puts a file in its own ``outbox/`` for the gateway to fetch."""
        await DropTree(self.files.x12_root).write_outbox_file(X12_3PL, name, data)
        return time.monotonic()

    async def x12_received(self, count: int) -> list[tuple[str, bytes]]:
        """At least ``count`` files the gateway uploaded to the X12 3PL's ``inbox/``."""

        async def probe() -> list[tuple[str, bytes]] | None:
            files = [f for f in self.x12_inbox.files if b"W05" in f[1]]  # 940s, not 997s
            return files if len(files) >= count else None

        return await self.until(probe, f"{X12_3PL} received fewer than {count} files")

    async def until(self, probe: Callable[[], Awaitable[T | None]], missing: str) -> T:
        """Poll ``probe`` until it gives something; ``StepFailed(missing)`` after the bound."""
        with trio.move_on_after(STEP_TIMEOUT):
            while True:
                try:
                    found = await probe()
                except TransientFailure:  # a server busy or restarting: look again
                    found = None
                if found is not None:
                    return found
                await trio.sleep(POLL)
        raise StepFailed(f"{missing} within {STEP_TIMEOUT:g} s")

    async def settled(self, partner: str, name: str) -> list[str]:
        """Wait until the file ``name`` from ``partner`` went all the way: parsed, every
        document routed and every Odoo delivery of it completed. Returns what Odoo holds
        for it (``sale.order,7``...); raises :class:`StepFailed` naming where it stopped."""
        store = self.gateway.store

        async def inbound() -> int | None:
            for ref in (name, f"outbox/{name}"):
                for row in await store.find_inbound(partner, ref):
                    if row.state is InboundState.PARSED:
                        return row.inbound_id
                    if row.state in (InboundState.REJECTED, InboundState.DUPLICATE):
                        raise StepFailed(f"{name} was {row.state}: {row.reason}")
            return None

        inbound_id = await self.until(inbound, f"{name} from {partner} was not parsed")

        async def routed() -> list[int] | None:
            documents = await store.find_documents(inbound_id=inbound_id)
            for document in documents:
                if document.state is DocumentState.DEAD:
                    raise StepFailed(f"document {document.document_id}: {document.reason}")
            if documents and all(d.state is not DocumentState.NEW for d in documents):
                return [d.document_id for d in documents]
            return None

        await self.until(routed, f"the documents of {name} were not routed")

        async def delivered() -> list[str] | None:
            results: list[str] = []
            for document in await store.find_documents(inbound_id=inbound_id):
                rows = await store.find_deliveries(document.correlation_key or "")
                for row in rows:
                    if row.document_id != document.document_id or row.destination != "odoo":
                        continue
                    if row.state is OutboxState.DEAD:
                        raise StepFailed(f"Odoo refused it: {row.last_error}")
                    if row.state is not OutboxState.COMPLETED:
                        return None
                    results.append(row.result or "done")
            return results

        return await self.until(delivered, f"{name} did not reach Odoo")


def _seed_partners(sim: OdooSimulator) -> None:
    """The marketplace's company, whose Internal Reference is the partner id (the customer
    names the seeded Acme Retail with ``customer_ref = "ACME"``)."""
    sim.db.create(
        "res.partner", {"name": "Shopfront Marketplace", "ref": MARKETPLACE, "is_company": True}
    )


async def _x12_server(files: DemoFiles, inbox: X12Inbox, nursery: trio.Nursery) -> int:
    settings = DropSettings(
        root=str(files.x12_root),
        host_key=str(files.x12_host_key),
        accounts=(
            DropAccount(
                partner=X12_3PL,
                username=X12_3PL_LOGIN,
                authorized_keys=(str(files.keys / "crossdock_ed25519.pub"),),
            ),
        ),
    )
    # The 3PL's server is a drop server of its own: it refuses names starting with '.', so
    # the gateway uploads to it with upload_temp = "suffix" (NAME.<hash>.part, held until
    # renamed), as it would to any server with that rule.
    info = await nursery.start(serve_drop, settings, inbox)
    port: int = info.port
    return port


def _workflows(gateway: GatewayHandle) -> set[str]:
    children = gateway.root.status().children or []
    return {c.name for c in children if c.name.startswith("workflow:")}


def _webhooks() -> set[str]:
    import edge.http

    return {"webhooks"} if hasattr(edge.http, "sign") else set()


@asynccontextmanager
async def open_world(state_dir: Path, *, admin_port: int) -> AsyncIterator[World]:
    """Start the simulator, the X12 3PL's server and the gateway; stop them all on exit."""
    files = prepare_state(state_dir)
    sim = OdooSimulator(api_key=files.odoo_key, protocol="both")
    _seed_partners(sim)
    inbox = X12Inbox()
    async with trio.open_nursery() as servers:
        odoo_url = await servers.start(serve_simulator, sim)
        x12_port = await _x12_server(files, inbox, servers)
        write_config(files, odoo_url=odoo_url, x12_port=x12_port, admin_port=admin_port)
        config = load_config(files.config)
        stop = trio.Event()
        # The gateway in a nursery of its own: on exit it stops the way `crossdock run`
        # stops it (drain, close the store) before the servers it talks to go away.
        async with trio.open_nursery() as gateway_nursery:
            gateway: GatewayHandle = await gateway_nursery.start(run_gateway, config, stop)
            sftp = gateway.info.sftp_address
            if sftp is None:
                stop.set()
                raise StepFailed("the gateway's SFTP drop server did not start")
            try:
                yield World(
                    files=files,
                    sim=sim,
                    odoo_url=odoo_url,
                    gateway=gateway,
                    drop_port=int(sftp.rsplit(":", 1)[1]),
                    x12_inbox=inbox,
                    available=_workflows(gateway) | _webhooks() | {X12_UPLOADS},
                )
            finally:
                stop.set()
        servers.cancel_scope.cancel()
