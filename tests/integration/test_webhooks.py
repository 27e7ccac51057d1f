"""The webhook receiver for real: hypercorn on 127.0.0.1 port 0, httpx as the sender, the
SQLite store in a temp dir behind it (``gateway.webhooks``), and the partner's intake reading
the stored rows as JSON (``gateway.intake_parse``).

No gateway tree here (that walk, down to one sale order in Odoo, is
tests/e2e/test_webhook_order.py): ``on_file`` records what the partner's actor would be told,
and the test runs ``PartnerIntake.process`` itself where the actor would.
"""

from __future__ import annotations

import hashlib
import json
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

import httpx
import pytest
import trio

from contracts import Document, Flow
from contracts.errors import ConfigError
from edge.http import sign
from gateway.app import GatewayHandle, run_gateway
from gateway.config import Config, load_config
from gateway.endpoints import GetEndpointStatus
from gateway.intake import IntakeOutcome, PartnerIntake
from gateway.intake_parse import _FLAT_FLOWS, is_json
from gateway.status import build_status
from gateway.store import DocumentState, InboundState, Store, open_store
from gateway.webhooks import serve_gateway_webhooks
from tests.support import write_gateway_config

PARTNER = "shopfront"
SECRET = "shopfront-webhook-secret-0123456789"
HANG_GUARD = 20.0  # seconds: only catches a hang

PARTNERS = f"""
[[partners]]
id = "{PARTNER}"
role = "channel"
formats = ["json"]
channels = [{{ type = "webhook", secret = {{ file = "secrets/webhook" }}, tolerance = 120 }}]

[[partners]]
id = "acme-retail"
role = "customer"
formats = ["edifact"]
channels = [{{ type = "sftp-drop" }}]
identifiers.edifact = [{{ id = "4012345000009", qualifier = "14" }}]
"""


def order(number: str = "SO-1001", **changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "type": "sales_order",
        "order_number": number,
        "order_date": "2024-06-10",
        "parties": [{"role": "buyer", "name": "Jane Doe"}],
        "lines": [{"line_no": 1, "product": {"sku": "WID-001"}, "quantity": {"value": "2"}}],
    }
    doc.update(changes)
    return doc


def write_config(tmp_path: Path, bind: str = "127.0.0.1:0", max_body: int = 4096) -> Config:
    files = write_gateway_config(tmp_path, partners=PARTNERS)
    (tmp_path / "secrets" / "webhook").write_text(SECRET + "\n")
    with files.config.open("a") as f:
        f.write(f'\n[webhooks]\nbind = "{bind}"\nmax_body = {max_body}\n')
    return load_config(files.config)


@dataclass
class Receiver:
    url: str
    http: httpx.AsyncClient
    store: Store
    config: Config
    told: list[tuple[str, int]] = field(default_factory=list)

    async def post(self, body: bytes, *, event_id: str | None = None,
                   at: float | None = None, partner: str = PARTNER) -> httpx.Response:  # fmt: skip
        headers = sign(SECRET, body, time.time() if at is None else at, event_id=event_id)
        return await self.http.post(f"{self.url}/webhooks/{partner}", content=body,
                                    headers=headers)  # fmt: skip


@asynccontextmanager
async def receiver(tmp_path: Path, **kw: Any) -> AsyncIterator[Receiver]:
    config = write_config(tmp_path, **kw)
    async with (
        open_store(tmp_path / "store.sqlite3") as store,
        httpx.AsyncClient(timeout=HANG_GUARD) as http,
        trio.open_nursery() as nursery,
    ):
        told: list[tuple[str, int]] = []

        async def on_file(partner: str, inbound_id: int) -> None:
            told.append((partner, inbound_id))

        with trio.fail_after(HANG_GUARD):
            url = await nursery.start(serve_gateway_webhooks, config, store, on_file)
        assert url.startswith("http://127.0.0.1:") and not url.endswith(":0")
        yield Receiver(url, http, store, config, told)
        nursery.cancel_scope.cancel()


async def test_a_signed_order_is_stored_once_and_its_event_again_is_the_same_row(
    tmp_path: Path,
) -> None:
    body = json.dumps(order()).encode()
    async with receiver(tmp_path) as rx:
        first = await rx.post(body, event_id="evt-1001")
        assert first.status_code == 202, first.text
        inbound_id = first.json()["inbound_id"]
        assert rx.told == [(PARTNER, inbound_id)]  # told only after the commit
        row = await rx.store.get_inbound(inbound_id)
        assert row is not None
        assert (row.partner, row.channel, row.source_ref, row.raw, row.state) == (
            PARTNER, "webhook", "evt-1001", body, InboundState.RECEIVED
        )  # fmt: skip

        again = await rx.post(body, event_id="evt-1001")
        assert (again.status_code, again.json()) == (200, {"duplicate_of": inbound_id})
        changed = await rx.post(json.dumps(order("SO-OTHER")).encode(), event_id="evt-1001")
        assert (changed.status_code, changed.json()) == (200, {"duplicate_of": inbound_id})
        assert rx.told == [(PARTNER, inbound_id)]
        received = await rx.store.list_inbound(InboundState.RECEIVED, partner=PARTNER)
        assert [r.inbound_id for r in received] == [inbound_id]


async def test_without_an_event_id_the_body_hash_names_the_row_and_finds_the_duplicate(
    tmp_path: Path,
) -> None:
    body = json.dumps(order("SO-2")).encode()
    async with receiver(tmp_path) as rx:
        first = await rx.post(body)
        assert first.status_code == 202, first.text
        row = await rx.store.get_inbound(first.json()["inbound_id"])
        assert row is not None
        assert row.source_ref == f"webhook-{hashlib.sha256(body).hexdigest()[:16]}"
        again = await rx.post(body)
        assert again.json() == {"duplicate_of": row.inbound_id}


async def test_intake_turns_the_stored_body_into_a_keyed_sales_order(tmp_path: Path) -> None:
    body = json.dumps({"documents": [order("SO-7"), order("SO-8")]}).encode()
    async with receiver(tmp_path) as rx:
        reply = await rx.post(body, event_id="evt-7")
        inbound_id = reply.json()["inbound_id"]
        intake = PartnerIntake(rx.store, rx.config, PARTNER)
        assert await intake.process(inbound_id) is IntakeOutcome.PARSED
        docs = await rx.store.find_documents(inbound_id=inbound_id)
        row = await rx.store.get_inbound(inbound_id)
        assert row is not None and row.state is InboundState.PARSED
        assert [(d.doc_type, d.flow, d.state, d.correlation_key) for d in docs] == [
            ("sales_order", "order_intake", DocumentState.NEW, f"{PARTNER}/SO-7"),
            ("sales_order", "order_intake", DocumentState.NEW, f"{PARTNER}/SO-8"),
        ]
        assert [d.idempotency_key for d in docs] == [
            f"{PARTNER}:json:{row.content_hash}:0", f"{PARTNER}:json:{row.content_hash}:1"
        ]  # fmt: skip
        assert json.loads(docs[1].body)["order_number"] == "SO-8"


async def test_a_bad_document_rejects_the_inbound_row_with_its_json_path(tmp_path: Path) -> None:
    bad = order("SO-9", lines=[{"line_no": 1, "product": {"sku": "WID-001"},
                                "quantity": {"value": "-3"}}])  # fmt: skip
    body = json.dumps({"documents": [order("SO-8"), bad]}).encode()
    async with receiver(tmp_path) as rx:
        reply = await rx.post(body, event_id="evt-9")
        assert reply.status_code == 202  # the receiver does not read documents
        inbound_id = reply.json()["inbound_id"]
        intake = PartnerIntake(rx.store, rx.config, PARTNER)
        assert await intake.process(inbound_id) is IntakeOutcome.REJECTED
        row = await rx.store.get_inbound(inbound_id)
        assert row is not None and row.state is InboundState.REJECTED
        assert row.reason is not None
        assert "$.documents[1].lines[0].quantity" in row.reason
        assert "value must be >= 0" in row.reason
        assert await rx.store.find_documents(inbound_id=inbound_id) == []  # all or nothing


async def test_refusals_over_http_leave_the_store_alone(tmp_path: Path) -> None:
    body = json.dumps(order()).encode()
    async with receiver(tmp_path, max_body=512) as rx:
        url = f"{rx.url}/webhooks/{PARTNER}"
        old = await rx.post(body, at=time.time() - 3600)
        assert old.status_code == 401
        assert old.json()["detail"].startswith("timestamp too old: possible replay")
        forged = await rx.http.post(url, content=body, headers=sign("guess", body, time.time()))
        assert forged.json() == {"error": "signature_mismatch", "detail": "signature mismatch"}
        big = b"[" + b" " * 2000 + b"]"
        too_big = await rx.post(big)
        assert (too_big.status_code, too_big.json()["limit_bytes"]) == (413, 512)
        assert (await rx.post(b"not json")).status_code == 400
        other = await rx.post(body, partner="acme-retail")  # a partner, but no webhook channel
        unknown = await rx.post(body, partner="nobody")
        assert other.status_code == unknown.status_code == 404
        assert other.json() == unknown.json()
        assert (await rx.http.get(url)).status_code == 405
        assert await rx.store.list_inbound(InboundState.RECEIVED) == []
        assert rx.told == []


async def test_a_closed_store_is_503_and_the_sender_may_retry(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    body = json.dumps(order()).encode()
    async with httpx.AsyncClient(timeout=HANG_GUARD) as http, trio.open_nursery() as nursery:
        async with open_store(tmp_path / "store.sqlite3") as store:
            url = await nursery.start(serve_gateway_webhooks, config, store)
        reply = await http.post(f"{url}/webhooks/{PARTNER}", content=body,
                                headers=sign(SECRET, body, time.time()))  # fmt: skip
        assert reply.status_code == 503
        assert reply.json()["error"] == "unavailable"
        assert int(reply.headers["retry-after"]) >= 1
        nursery.cancel_scope.cancel()


async def test_a_bind_that_fails_names_the_config_key(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = write_config(tmp_path, bind=f"127.0.0.1:{port}")
        async with open_store(tmp_path / "store.sqlite3") as store:
            with pytest.raises(ConfigError) as failed, trio.fail_after(HANG_GUARD):
                await serve_gateway_webhooks(config, store)
    assert failed.value.path == "$.webhooks.bind"


def test_every_canonical_document_type_has_a_flow_for_json_bodies() -> None:
    tags = {str(t.__struct_config__.tag) for t in get_args(Document)}
    assert tags <= set(_FLAT_FLOWS), tags - set(_FLAT_FLOWS)
    assert _FLAT_FLOWS["cancellation"] == Flow.RETURNS


@pytest.mark.parametrize(
    ("data", "json_path"),
    [
        (b'\xef\xbb\xbf \r\n {"type": "x"}', True),
        (b"\n[1]", True),
        (b"order,qty\nSO-1,2\n", False),
        (b"UNA:+.? 'UNB+UNOC:3", False),
    ],
)
def test_json_is_told_from_flat_files_by_its_first_character(data: bytes, json_path: bool) -> None:
    assert is_json(data) is json_path


async def test_the_gateway_runs_the_receiver_and_its_partner_actor_parses_the_body(
    tmp_path: Path,
) -> None:
    config = write_config(tmp_path)
    body = json.dumps(order("SO-TREE")).encode()
    async with httpx.AsyncClient(timeout=HANG_GUARD) as http, trio.open_nursery() as nursery:
        stop = trio.Event()
        with trio.fail_after(HANG_GUARD):
            handle: GatewayHandle = await nursery.start(run_gateway, config, stop)
        assert handle.info.webhook_url is not None
        assert "webhooks" in {c.name for c in handle.root.status().children or []}
        url = f"{handle.info.webhook_url}/webhooks/{PARTNER}"
        headers = sign(SECRET, body, time.time(), event_id="t-1")
        reply = await http.post(url, content=body, headers=headers)
        assert reply.status_code == 202, reply.text
        inbound_id = reply.json()["inbound_id"]
        # FileArrived was told before the 202; the ask is answered after it was handled.
        await handle.partner(PARTNER).ask(GetEndpointStatus())
        row = await handle.store.get_inbound(inbound_id)
        assert row is not None and row.state is InboundState.PARSED, row
        [doc] = await handle.store.find_documents(inbound_id=inbound_id)
        assert doc.correlation_key == f"{PARTNER}/SO-TREE"
        status = await build_status(handle.info, handle.root, handle.store)
        assert status["gateway"]["webhook_url"] == handle.info.webhook_url
        stop.set()
