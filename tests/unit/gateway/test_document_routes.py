"""The refused-document and rejected-file routes, called as ASGI with no socket.

The store is the real schema and the real ``Tx`` on an in-memory SQLite database, run the
way the writer runs it (``commit_batch``: one savepoint per write, undone when it raises),
so what is checked is the routes' contract: roles, 404 / 409 with reasons, the audit entry
with the token's name, no audit entry for a refused replay, and the app's callbacks.
"""

from __future__ import annotations

import base64
import json
import sqlite3
from collections.abc import Callable, MutableMapping
from typing import Any, TypeVar

import pytest

from gateway.admin import AdminApp, AdminToken, Role, create_admin_app
from gateway.deadletters_docs import document_routes
from gateway.store import (
    AuditEntry,
    DocumentState,
    InboundState,
    NewDocument,
    NewInbound,
    Tx,
)
from gateway.store._migrations import apply_migrations, load_migrations
from gateway.store._writer import commit_batch

T = TypeVar("T")
READ = "read-token-0123456789abcdef"
OPERATE = "operate-token-0123456789abcdef"


class MemoryTxStore:
    """``transact`` / ``read`` over an in-memory database: the two things the routes use."""

    def __init__(self) -> None:
        self.db = sqlite3.connect(":memory:", isolation_level=None)
        self.db.execute("PRAGMA foreign_keys = ON")
        apply_migrations(self.db, load_migrations(), 0.0)
        self.now = 1000.0

    def run(self, fn: Callable[[Tx], T]) -> T:
        (result,) = commit_batch(self.db, [fn], self.now, 3)
        value: T = result.unwrap()
        return value

    async def transact(self, fn: Callable[[Tx], T]) -> T:
        return self.run(fn)

    async def read(self, fn: Callable[[Tx], T]) -> T:
        return self.run(fn)

    def audit(self) -> list[AuditEntry]:
        return self.run(lambda tx: tx.list_audit())


def _document(tx: Tx, n: int, *, partner: str = "acme-retail", flow: str = "order_intake") -> int:
    inbound = tx.receive_inbound(
        NewInbound(partner=partner, channel="sftp-drop", source_ref=f"PO{n}.edi", raw=b"x%d" % n)
    )
    [inserted] = tx.record_parsed(
        inbound.inbound_id,
        [
            NewDocument(
                idempotency_key=f"{partner}:ICR{n}:1",
                partner=partner,
                flow=flow,
                doc_type="sales_order",
                body=b'{"order_number": "PO-%d"}' % n,
                config_version="v1",
                correlation_key=f"{partner}/PO-{n}",
            )
        ],
        control_ref=f"ICR{n}",
    )
    return inserted.row_id


class World:
    def __init__(self) -> None:
        self.store = MemoryTxStore()
        self.documents_told: list[tuple[int, str]] = []
        self.inbound_told: list[tuple[int, str]] = []
        self.app: AdminApp = create_admin_app(
            [
                AdminToken("monitoring", Role.READ, READ),
                AdminToken("ops-alice", Role.OPERATE, OPERATE),
            ],
            ready=lambda: [],
            status=lambda: {},
            routers=[
                document_routes(
                    self.store,
                    on_document_replayed=lambda i, f: self.documents_told.append((i, f)),
                    on_inbound_replayed=lambda i, p: self.inbound_told.append((i, p)),
                )
            ],
        )

        def seed(tx: Tx) -> dict[str, int]:
            ids = {
                "dead": _document(tx, 1),
                "routed": _document(tx, 2),
                "other_partner": _document(tx, 3, partner="contoso"),
                "other_flow": _document(tx, 4, flow="shipment_confirmation"),
            }
            for key in ("dead", "other_partner", "other_flow"):
                tx.kill_document(ids[key], f"line 2 ($.lines[1].product): no GTIN ({key})")
            tx.route_document(ids["routed"], None)
            rejected = tx.receive_inbound(
                NewInbound(partner="north-3pl", channel="sftp-drop", source_ref="SHIP.csv",
                           raw=b"\x00bad bytes\xff")
            )  # fmt: skip
            tx.reject_inbound(rejected.inbound_id, "no layout for SHIP.csv (row 1)")
            other = tx.receive_inbound(
                NewInbound(partner="acme-retail", channel="webhook", source_ref="evt-9", raw=b"{")
            )
            tx.reject_inbound(other.inbound_id, "not JSON at byte 1")
            received = tx.receive_inbound(
                NewInbound(partner="north-3pl", channel="sftp-drop", source_ref="OK.csv", raw=b"a")
            )
            ids.update(
                rejected=rejected.inbound_id,
                rejected_other=other.inbound_id,
                received=received.inbound_id,
            )
            return ids

        self.ids = self.store.run(seed)

    async def call(
        self,
        method: str,
        path: str,
        *,
        token: str | None = READ,
        body: bytes = b"",
        query: str = "",
    ) -> tuple[int, Any]:
        headers = [(b"content-length", str(len(body)).encode())]
        if token is not None:
            headers.append((b"authorization", f"Bearer {token}".encode()))
        scope = {
            "type": "http",
            "method": method,
            "path": path,
            "query_string": query.encode(),
            "headers": headers,
            "client": ("127.0.0.1", 50000),
        }
        inbox = [{"type": "http.request", "body": body, "more_body": False}]
        sent: list[MutableMapping[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return inbox.pop(0)

        async def send(message: MutableMapping[str, Any]) -> None:
            sent.append(message)

        await self.app(scope, receive, send)
        payload = b"".join(m.get("body", b"") for m in sent[1:])
        return sent[0]["status"], json.loads(payload)


@pytest.fixture
def world() -> World:
    return World()


# --- documents -----------------------------------------------------------------------------


async def test_listing_dead_documents_needs_a_token_and_filters(world: World) -> None:
    assert (await world.call("GET", "/api/documents", token=None))[0] == 401
    status, answer = await world.call("GET", "/api/documents")
    assert status == 200
    ids = world.ids
    assert [d["document_id"] for d in answer["documents"]] == sorted(
        [ids["dead"], ids["other_partner"], ids["other_flow"]]
    )
    first = answer["documents"][0]
    assert first["reason"] == "line 2 ($.lines[1].product): no GTIN (dead)"
    assert first["partner"] == "acme-retail" and first["doc_type"] == "sales_order"
    assert first["correlation_key"] == "acme-retail/PO-1" and "body" not in first
    assert answer["next_after_id"] is None

    async def query(q: str) -> list[int]:
        status, answer = await world.call("GET", "/api/documents", query=q)
        assert status == 200, answer
        return [d["document_id"] for d in answer["documents"]]

    assert await query("partner=contoso") == [ids["other_partner"]]
    assert await query("flow=shipment_confirmation") == [ids["other_flow"]]
    assert await query("flow=order_intake&partner=acme-retail") == [ids["dead"]]
    assert await query("state=routed") == [ids["routed"]]
    # A full page names where the next one starts; the next page starts after it.
    status, page = await world.call("GET", "/api/documents", query="limit=1")
    assert page["next_after_id"] == ids["dead"]
    assert await query(f"limit=1&after_id={ids['dead']}") == [ids["other_partner"]]
    # The partner filter fills a page past rows of other partners.
    assert await query("partner=contoso&limit=1") == [ids["other_partner"]]


@pytest.mark.parametrize("query", ["state=zombie", "limit=0", "limit=x", "after_id=-1"])
async def test_a_bad_listing_query_is_a_400_naming_it(world: World, query: str) -> None:
    status, answer = await world.call("GET", "/api/documents", query=query)
    assert status == 400
    assert answer["error"] == "invalid_query"
    assert query.split("=")[0] in answer["detail"]


async def test_showing_a_document_gives_its_canonical_body(world: World) -> None:
    status, answer = await world.call("GET", f"/api/documents/{world.ids['dead']}")
    assert status == 200
    assert answer["body"] == {"order_number": "PO-1"}
    assert answer["state"] == "dead" and answer["config_version"] == "v1"
    status, answer = await world.call("GET", "/api/documents/999")
    assert (status, answer) == (404, {"error": "not_found", "detail": {"document_id": 999}})


async def test_replaying_a_dead_document_needs_operate_and_is_audited_with_the_token(
    world: World,
) -> None:
    dead = world.ids["dead"]
    path = f"/api/documents/{dead}/replay"
    status, answer = await world.call("POST", path)  # a read token
    assert status == 403 and answer["error"] == "forbidden"
    assert world.documents_told == []

    body = b'{"reason": "units mapped (ticket 42)"}'
    status, answer = await world.call("POST", path, token=OPERATE, body=body)
    assert status == 200, answer
    assert answer["replayed"]["state"] == "new" and answer["replayed"]["reason"] is None
    record = world.store.run(lambda tx: tx.get_document(dead))
    assert record is not None and record.state is DocumentState.NEW
    assert world.documents_told == [(dead, "order_intake")]
    [entry] = [e for e in world.store.audit() if e.action == "document.replay"]
    assert (entry.actor, entry.subject) == ("ops-alice", f"document:{dead}")
    assert entry.details == {"reason": "units mapped (ticket 42)"}


async def test_a_document_replay_is_refused_with_404_or_409_and_leaves_no_audit_entry(
    world: World,
) -> None:
    routed = world.ids["routed"]
    status, answer = await world.call("POST", f"/api/documents/{routed}/replay", token=OPERATE)
    assert status == 409
    assert answer["error"] == "not_dead"
    assert answer["detail"]["state"] == "routed"
    assert "only a dead row can be replayed" in answer["detail"]["reason"]
    status, answer = await world.call("POST", "/api/documents/999/replay", token=OPERATE)
    assert (status, answer["detail"]) == (404, {"document_id": 999})
    status, answer = await world.call(
        "POST", f"/api/documents/{world.ids['dead']}/replay", token=OPERATE, body=b'{"who": 1}'
    )
    assert status == 400 and answer["error"] == "invalid_body"
    assert [e for e in world.store.audit() if e.action == "document.replay"] == []
    assert world.documents_told == []
    record = world.store.run(lambda tx: tx.get_document(world.ids["dead"]))
    assert record is not None and record.state is DocumentState.DEAD


# --- inbound -------------------------------------------------------------------------------


async def test_listing_rejected_files_shows_reason_and_size_but_not_the_bytes(
    world: World,
) -> None:
    assert (await world.call("GET", "/api/inbound", token=None))[0] == 401
    status, answer = await world.call("GET", "/api/inbound")
    assert status == 200
    rows = answer["inbound"]
    assert [r["inbound_id"] for r in rows] == [world.ids["rejected"], world.ids["rejected_other"]]
    assert rows[0]["reason"] == "no layout for SHIP.csv (row 1)"
    assert rows[0]["size"] == len(b"\x00bad bytes\xff") and "raw" not in rows[0]
    status, answer = await world.call("GET", "/api/inbound", query="partner=north-3pl")
    assert [r["inbound_id"] for r in answer["inbound"]] == [world.ids["rejected"]]
    status, answer = await world.call("GET", "/api/inbound", query="state=received")
    assert [r["inbound_id"] for r in answer["inbound"]] == [world.ids["received"]]
    status, answer = await world.call("GET", "/api/inbound", query="state=nope")
    assert status == 400


async def test_showing_a_file_gives_its_bytes_only_when_asked(world: World) -> None:
    path = f"/api/inbound/{world.ids['rejected']}"
    status, plain = await world.call("GET", path)
    assert status == 200 and "raw" not in plain
    assert plain["source_ref"] == "SHIP.csv" and plain["state"] == "rejected"
    status, full = await world.call("GET", path, query="raw=1")
    assert base64.b64decode(full["raw"]) == b"\x00bad bytes\xff"
    assert full["raw_encoding"] == "base64"
    status, answer = await world.call("GET", "/api/inbound/999")
    assert (status, answer["detail"]) == (404, {"inbound_id": 999})


async def test_replaying_a_rejected_file_makes_it_received_and_tells_the_partner(
    world: World,
) -> None:
    rejected = world.ids["rejected"]
    path = f"/api/inbound/{rejected}/replay"
    assert (await world.call("POST", path))[0] == 403
    status, answer = await world.call(
        "POST", path, token=OPERATE, body=b'{"reason": "layout added"}'
    )
    assert status == 200, answer
    assert answer["replayed"]["state"] == "received"
    record = world.store.run(lambda tx: tx.get_inbound(rejected))
    assert record is not None
    assert (record.state, record.reason) == (InboundState.RECEIVED, None)
    assert world.inbound_told == [(rejected, "north-3pl")]
    [entry] = [e for e in world.store.audit() if e.action == "inbound.replay"]
    assert entry.actor == "ops-alice"
    assert entry.details == {"requested": [rejected], "replayed": [rejected],
                             "reason": "layout added"}  # fmt: skip

    # Again: it is no longer rejected. Nothing more is audited or told.
    status, answer = await world.call("POST", path, token=OPERATE)
    assert status == 409 and answer["error"] == "not_rejected"
    assert answer["detail"]["state"] == "received"
    status, answer = await world.call("POST", "/api/inbound/999/replay", token=OPERATE)
    assert status == 404
    assert len([e for e in world.store.audit() if e.action == "inbound.replay"]) == 1
    assert world.inbound_told == [(rejected, "north-3pl")]
