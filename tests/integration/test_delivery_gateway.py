"""The delivery actor wired into the running gateway: tell, deliver, /status, replay over HTTP."""

from __future__ import annotations

from pathlib import Path

import httpx
import trio

from edge.odoo import encode_op
from edge.odoo.simulator import OdooSimulator, serve_simulator
from gateway.app import GatewayHandle, run_gateway
from gateway.config import load_config
from gateway.delivery import announce
from gateway.endpoints import GetEndpointStatus
from gateway.store import NewDelivery, OutboxState
from tests.integration.test_delivery_support import KEY, order
from tests.support import write_gateway_config


async def test_the_gateway_delivers_reports_and_replays(tmp_path: Path) -> None:
    sim = OdooSimulator(api_key=KEY)
    async with trio.open_nursery() as nursery:
        url = await nursery.start(serve_simulator, sim)
        files = write_gateway_config(tmp_path)
        text = files.config.read_text().replace("http://127.0.0.1:9", url)
        files.config.write_text(text.replace('protocol = "jsonrpc"', 'protocol = "auto"'))
        (tmp_path / "secrets" / "odoo").write_text(KEY)
        config = load_config(files.config)
        stop = trio.Event()
        handle: GatewayHandle = await nursery.start(run_gateway, config, stop)
        store, odoo = handle.store, handle.root.ref("odoo")

        good, bad = await store.enqueue_many(
            [
                NewDelivery(idempotency_key=key, destination="odoo", partner="acme-retail",
                            flow="order_intake", payload=encode_op(op))
                for key, op in (
                    ("acme-retail/ORDERS/1", order("acme-retail/ORDERS/1")),
                    ("acme-retail/ORDERS/2", order("acme-retail/ORDERS/2", product="sim.nope")),
                )
            ]
        )  # fmt: skip
        announce(odoo)

        async def state(outbox_id: int) -> OutboxState:
            row = await store.get_delivery(outbox_id)
            assert row is not None
            return row.state

        async def settled(outbox_id: int, wanted: OutboxState) -> None:
            # Bounded polling of the store: the running gateway exposes no event for a
            # row's state, and the bound only catches a hang.
            with trio.fail_after(20):
                while await state(outbox_id) is not wanted:  # noqa: ASYNC110
                    await trio.sleep(0.02)

        await settled(good.outbox_id, OutboxState.COMPLETED)
        await settled(bad.outbox_id, OutboxState.DEAD)
        status = await odoo.ask(GetEndpointStatus())
        assert status["endpoint"] == "odoo" and status["breaker"]["state"] == "closed"
        assert status["delivery"]["delivered"] == 1 and status["delivery"]["dead"] == 1

        operate = {"Authorization": f"Bearer {files.operate_token}"}
        read = {"Authorization": f"Bearer {files.read_token}"}
        async with httpx.AsyncClient(base_url=handle.info.admin_url) as client:
            listed = (await client.get("/api/dead-letters", headers=read)).json()
            assert [d["outbox_id"] for d in listed["dead_letters"]] == [bad.outbox_id]
            tree = (await client.get("/status", headers=read)).json()["tree"]
            node = next(c for c in tree["children"] if c["name"] == "odoo")
            assert node["delivery"]["delivered"] == 1 and node["limiter"]["rate"] > 0
            replay = await client.post(f"/api/dead-letters/{bad.outbox_id}/replay", headers=operate)
            assert replay.json() == {"replayed": [bad.outbox_id]}
        await settled(bad.outbox_id, OutboxState.DEAD)  # told at once; refused again
        row = await store.get_delivery(bad.outbox_id)
        assert row is not None and [e.kind for e in row.history] == [
            "failure",
            "replay",
            "failure",
        ]
        assert row.history[1].actor == "ops-operate"
        assert sim.count("sale.order") == 1
        stop.set()
        nursery.cancel_scope.cancel()
