"""Dead letters for operators: the admin routes over hypercorn, and ``crossdock outbox``.

The dead letters are made the real way -- the delivery loop against the Odoo simulator --
plus one for a partner destination written straight into the store. A replay is audited with
the token's name (API) or the OS user (CLI), and a replayed delivery that had already reached
Odoo completes without making a second record.
"""

from __future__ import annotations

import getpass
import json
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import trio

from edge.odoo import ConfirmOrder, encode_op
from edge.odoo.simulator import OdooSimulator
from gateway.admin import AdminToken, Role, create_admin_app, serve_admin
from gateway.cli import main
from gateway.config import load_config
from gateway.deadletters import dead_letter_routes
from gateway.store import ErrorInfo, NewDelivery, OutboxState, Store, open_store
from tests.integration.test_delivery_support import KEY, Harness, harness, order
from tests.support import write_gateway_config

READ = "read-token-0123456789abcdef"
OPERATE = "operate-token-0123456789abcdef"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def partner_dead_letter(store: Store, key: str = "north-3pl/940/77") -> int:
    """A dead delivery to a partner (not Odoo): enqueue, claim, fail for good."""
    enqueued = await store.enqueue(
        NewDelivery(idempotency_key=key, destination="partner:north-3pl", partner="north-3pl",
                    flow="fulfillment", payload=b"ISA*00*...~")
    )  # fmt: skip
    [claimed] = await store.claim("partner:north-3pl", 1, "test-claim")
    await store.fail(
        claimed.outbox_id,
        "test-claim",
        ErrorInfo(error_class="SftpRejected", message="upload refused"),
        None,
    )
    return enqueued.outbox_id


@dataclass
class Setup:
    h: Harness
    client: httpx.AsyncClient
    committed: int  # reached Odoo, then died: the answer was lost and no attempt was left
    unknown: int  # Odoo refused the product
    missing: int  # Odoo has no such order
    partner: int  # a 3PL upload that failed for good
    replayed: list[list[int]]


@asynccontextmanager
async def setup(tmp_path: Path, protocol: str) -> AsyncIterator[Setup]:
    sim = OdooSimulator(api_key=KEY)
    sim.faults.schedule("drop_after_commit", model="sale.order", method="load")
    async with harness(tmp_path, protocol, sim=sim, concurrency=1) as h:
        [committed] = await h.enqueue([order("acme-retail/ORDERS/lost")], max_attempts=1)
        # Alone: claimed in one batch with the refused order, the one load would fail as a
        # whole and the scheduled fault would drop that failure instead of a commit.
        await h.until(lambda: h.finished([committed]))
        unknown, missing = await h.enqueue(
            [order("acme-retail/ORDERS/bad", product="sim.nope"), ConfirmOrder(order=987654)]
        )
        await h.until(lambda: h.finished([unknown, missing]))
        partner = await partner_dead_letter(h.store)
        replayed: list[list[int]] = []

        def on_replayed(ids: object) -> None:
            replayed.append(list(ids))  # type: ignore[call-overload]
            h.engine.nudge()

        app = create_admin_app(
            [
                AdminToken("monitoring", Role.READ, READ),
                AdminToken("ops-alice", Role.OPERATE, OPERATE),
            ],
            ready=lambda: [],
            status=lambda: {},
            routers=[dead_letter_routes(h.store, on_replayed=on_replayed)],
        )  # fmt: skip
        async with trio.open_nursery() as nursery:
            url = await nursery.start(serve_admin, app, "127.0.0.1:0")
            async with httpx.AsyncClient(base_url=url) as client:
                yield Setup(h, client, committed, unknown, missing, partner, replayed)
            nursery.cancel_scope.cancel()


async def test_listing_filters_pages_and_shows_the_whole_history(tmp_path: Path) -> None:
    async with setup(tmp_path, "json2") as s:
        api = s.client
        assert (await api.get("/api/dead-letters")).status_code == 401
        every = (await api.get("/api/dead-letters", headers=bearer(READ))).json()
        ids = [d["outbox_id"] for d in every["dead_letters"]]
        assert ids == sorted([s.committed, s.unknown, s.missing, s.partner])

        async def query(**params: str) -> list[int]:
            answer = await api.get("/api/dead-letters", params=params, headers=bearer(READ))
            assert answer.status_code == 200, answer.text
            return [d["outbox_id"] for d in answer.json()["dead_letters"]]

        assert await query(partner="north-3pl") == [s.partner]
        assert await query(destination="odoo", flow="order_intake") == sorted(
            [s.committed, s.unknown, s.missing]
        )
        assert await query(error_class="odoo.exceptions.MissingError") == [s.missing]
        assert await query(older_than="3600") == []  # all died just now
        assert await query(older_than="0") == ids
        page = (await api.get("/api/dead-letters?limit=2", headers=bearer(READ))).json()
        assert len(page["dead_letters"]) == 2 and page["next_after_id"] == ids[1]
        bad = await api.get("/api/dead-letters?colour=red", headers=bearer(READ))
        assert bad.status_code == 400

        shown = (await api.get(f"/api/dead-letters/{s.unknown}", headers=bearer(READ))).json()
        assert shown["state"] == "dead" and shown["payload_encoding"] == "json"
        assert shown["payload"]["op"] == "create_sale_order"
        assert shown["payload"]["lines"][0]["product"] == "sim.nope"
        [failure] = shown["history"]
        assert failure["kind"] == "failure" and failure["error_class"] == "odoo.load"
        assert "sim.nope" in failure["message"]
        partner = (await api.get(f"/api/dead-letters/{s.partner}", headers=bearer(READ))).json()
        assert partner["payload_encoding"] == "base64"  # an X12 file is not JSON
        assert (await api.get("/api/dead-letters/99999", headers=bearer(READ))).status_code == 404


async def test_replay_needs_operate_is_audited_and_changes_nothing_in_odoo(
    tmp_path: Path,
) -> None:
    async with setup(tmp_path, "jsonrpc") as s:
        h, api = s.h, s.client
        assert h.sim.count("sale.order") == 1  # the lost answer: Odoo has the order
        loads = [c.method for c in h.sim.calls].count("load")
        path = f"/api/dead-letters/{s.committed}/replay"
        assert (await api.post(path, headers=bearer(READ))).status_code == 403
        answer = await api.post(path, json={"reason": "Odoo has it"}, headers=bearer(OPERATE))
        assert answer.status_code == 200 and answer.json() == {"replayed": [s.committed]}
        await h.until(lambda: h.outcomes[s.committed][-1] == "delivered")
        row = await h.store.get_delivery(s.committed)
        assert row is not None and row.state is OutboxState.COMPLETED
        assert row.result == f"sale.order,{h.orders_for(['acme-retail/ORDERS/lost'])[0]}"
        assert h.sim.count("sale.order") == 1 and h.crossdock_orders() == 1
        assert [c.method for c in h.sim.calls].count("load") == loads  # found, not re-made
        assert [e.kind for e in row.history] == ["failure", "replay"]
        assert row.history[1].actor == "ops-alice"
        [audit] = await h.store.list_audit(subject="outbox")
        assert (audit.actor, audit.action) == ("ops-alice", "outbox.replay")
        assert audit.details["replayed"] == [s.committed]
        assert audit.details["reason"] == "Odoo has it"
        assert s.replayed == [[s.committed]]

        again = await api.post(path, headers=bearer(OPERATE))
        assert again.status_code == 409 and again.json()["detail"]["state"] == "completed"
        nowhere = await api.post("/api/dead-letters/99999/replay", headers=bearer(OPERATE))
        assert nowhere.status_code == 404


async def test_replay_by_filter_or_by_ids(tmp_path: Path) -> None:
    async with setup(tmp_path, "json2") as s:
        api, store = s.client, s.h.store
        for body in ({"filter": {}}, {"ids": [s.unknown], "filter": {"partner": "x"}}, {}):
            refused = await api.post("/api/replay", json=body, headers=bearer(OPERATE))
            assert refused.status_code == 400, body
        assert (
            await api.post("/api/replay", json={"ids": [1]}, headers=bearer(READ))
        ).status_code == 403
        by_filter = await api.post(
            "/api/replay",
            json={"filter": {"destination": "partner:north-3pl"}, "reason": "3PL fixed its box"},
            headers=bearer(OPERATE),
        )
        assert by_filter.json() == {"replayed": [s.partner], "count": 1}
        partner = await store.get_delivery(s.partner)
        assert partner is not None and partner.state is OutboxState.AVAILABLE
        by_ids = await api.post(
            "/api/replay", json={"ids": [s.missing, s.partner]}, headers=bearer(OPERATE)
        )
        assert by_ids.json() == {"replayed": [s.missing], "count": 1}  # the other is not dead
        audits = await store.list_audit(subject="outbox")
        assert [a.actor for a in audits] == ["ops-alice", "ops-alice"]
        assert audits[1].details["requested"]["destination"] == "partner:north-3pl"  # oldest
    assert s.replayed == [[s.partner], [s.missing]]


# --- the CLI, on the store file ------------------------------------------------------------


def test_outbox_list_show_and_replay_on_the_store_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = write_gateway_config(tmp_path)
    config = load_config(files.config)
    args = ["--config", str(files.config)]
    assert main(["outbox", "list", *args]) == 2  # no store yet: said, and none is created
    assert "no store at" in capsys.readouterr().err
    assert not Path(config.store.path).exists()
    Path(config.store.path).parent.mkdir(parents=True)

    async def prepare() -> tuple[int, int]:
        async with open_store(config.store.path) as store:
            partner = await partner_dead_letter(store)
            odoo = await store.enqueue(
                NewDelivery(idempotency_key="acme/1", destination="odoo", partner="acme-retail",
                            flow="order_intake", payload=encode_op(ConfirmOrder(order=5)))
            )  # fmt: skip
            [claimed] = await store.claim("odoo", 1, "c")
            await store.fail(
                claimed.outbox_id, "c", ErrorInfo(error_class="odoo.x", message="no"), None
            )
            return partner, odoo.outbox_id

    partner, odoo = trio.run(prepare)

    assert main(["outbox", "list", *args]) == 0
    table = capsys.readouterr().out
    assert "upload refused" in table and "odoo.x: no" in table
    assert main(["outbox", "list", *args, "--partner", "north-3pl", "--json"]) == 0
    assert [d["outbox_id"] for d in json.loads(capsys.readouterr().out)] == [partner]

    assert main(["outbox", "show", *args, str(odoo)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["payload"] == {"op": "confirm_order", "order": 5}
    assert shown["history"][0]["error_class"] == "odoo.x"
    assert main(["outbox", "show", *args, "4242"]) == 1

    assert main(["outbox", "replay", *args, "--filter"]) == 2  # no criterion: refused
    assert main(["outbox", "replay", *args, str(odoo), "--reason", "fixed"]) == 0
    assert f"as {getpass.getuser()}: {odoo}" in capsys.readouterr().out
    assert main(["outbox", "replay", *args, str(odoo)]) == 1  # not dead any more
    assert main(["outbox", "replay", *args, "--filter", "--partner", "north-3pl"]) == 0
    assert main(["outbox", "list", *args, "--json"]) == 0
    capsys.readouterr()

    with sqlite3.connect(config.store.path) as db:
        audit = db.execute("select actor, action from audit where subject = 'outbox'").fetchall()
        states = dict(db.execute("select id, state from outbox").fetchall())
    assert audit == [(getpass.getuser(), "outbox.replay")] * 3
    assert states == {partner: "available", odoo: "available"}
