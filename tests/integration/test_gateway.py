"""The gateway root in-process: the tree of DESIGN.md, endpoint actors, /status, shutdown."""

from __future__ import annotations

from pathlib import Path

import httpx
import trio

from actors import ChildState
from gateway.app import GatewayHandle, run_gateway
from gateway.config import load_config
from gateway.endpoints import GetEndpointStatus
from gateway.status import build_status
from tests.support import write_gateway_config


async def test_the_tree_comes_up_reports_and_stops(tmp_path: Path) -> None:
    files = write_gateway_config(tmp_path)
    config = load_config(files.config)
    stop = trio.Event()
    async with trio.open_nursery() as nursery:
        handle: GatewayHandle = await nursery.start(run_gateway, config, stop)
        root = handle.root
        assert root.tree_healthy()

        odoo = await root.ref("odoo").ask(GetEndpointStatus())
        assert odoo["endpoint"] == "odoo" and odoo["breaker"]["state"] == "closed"
        assert odoo["limiter"]["rate"] == config.odoo.rate_limit.rate

        status = await build_status(handle.info, root, handle.store)
        assert status["gateway"]["ready"] is True
        partners = next(c for c in status["tree"]["children"] if c["name"] == "partners")
        names = [c["name"] for c in partners["children"]]
        assert names == ["partner:acme-retail", "partner:north-3pl"]
        assert partners["children"][0]["mailbox"]["capacity"] == 1000

        url = handle.info.admin_url
        async with httpx.AsyncClient(base_url=url) as client:
            assert (await client.get("/readyz")).status_code == 200
            stop.set()
    assert root.state is ChildState.STOPPED
    assert (files.state_dir / "crossdock.sqlite3").exists()


async def test_not_ready_while_stopping(tmp_path: Path) -> None:
    files = write_gateway_config(tmp_path)
    config = load_config(files.config)
    stop = trio.Event()
    async with trio.open_nursery() as nursery:
        handle: GatewayHandle = await nursery.start(run_gateway, config, stop)
        handle.info.stopping = True
        async with httpx.AsyncClient(base_url=handle.info.admin_url) as client:
            response = await client.get("/readyz")
        assert response.status_code == 503
        assert "shutting down" in response.json()["reasons"]
        stop.set()
