"""The gateway root in-process: the tree of DESIGN.md, endpoint actors, /status, shutdown."""

from __future__ import annotations

from pathlib import Path

import asyncssh
import httpx
import trio

from actors import ChildState
from gateway.app import GatewayHandle, run_gateway
from gateway.config import load_config
from gateway.endpoints import GetEndpointStatus
from gateway.status import build_status
from tests.integration.test_sftp_support import known_hosts_file, make_key, run_sftp
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


async def test_a_file_dropped_over_sftp_reaches_its_partners_actor(tmp_path: Path) -> None:
    """OpenSSH's sftp puts a file in the running gateway's drop server: it is committed to the
    store, archived, and the partner's actor hears FileArrived; the same bytes again are a
    duplicate, explained in rejected/ and not announced."""
    key = tmp_path / "acme_key"
    make_key(key)
    partners = f"""
[[partners]]
id = "acme-retail"
role = "customer"
formats = ["csv"]
channels = [{{ type = "sftp-drop", authorized_keys = ["{key}.pub"] }}]
"""
    files = write_gateway_config(tmp_path, partners=partners)
    config = load_config(files.config)
    work = tmp_path / "client"
    work.mkdir()
    (work / "PO1.csv").write_bytes(b"order,sku,qty\nPO1,SKU-1,3\n")
    (work / "PO1-again.csv").write_bytes(b"order,sku,qty\nPO1,SKU-1,3\n")
    stop = trio.Event()
    async with trio.open_nursery() as nursery:
        handle: GatewayHandle = await nursery.start(run_gateway, config, stop)
        port = int(handle.info.sftp_address.rsplit(":", 1)[1])
        host_key = asyncssh.read_private_key(files.state_dir / "ssh_host_ed25519_key")
        host_line = host_key.export_public_key().decode().strip()
        known = known_hosts_file(tmp_path / "known_hosts", port, host_line)
        put = await run_sftp(
            port,
            key,
            known,
            ["cd inbox", "put PO1.csv", "put PO1-again.csv"],
            user="acme-retail",
            workdir=work,
        )
        assert put.returncode == 0, put.stderr.decode()
        # Messages are handled in order: the reply to this ask comes after FileArrived.
        status = await handle.partner("acme-retail").ask(GetEndpointStatus())
        assert status["files_arrived"] == 1
        inbound = await handle.store.get_inbound(status["last_inbound_id"])
        assert inbound is not None and inbound.source_ref == "PO1.csv"
        stop.set()
    tree = files.state_dir / "sftp" / "acme-retail"
    assert (tree / "archive").is_dir() and not list((tree / "inbox").iterdir())
    reason = (tree / "rejected" / "PO1-again.csv.reason").read_text()
    assert "duplicate of PO1.csv" in reason
