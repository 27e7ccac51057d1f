"""``crossdock run`` as a subprocess: ready, health, status, and a clean stop on SIGTERM.

The test synchronises on the sd_notify protocol, as systemd would: it is the notify socket,
waits for READY=1 (which carries the admin URL in STATUS=), then for STOPPING=1.
"""

from __future__ import annotations

import json
import shutil
import signal
import sqlite3
import subprocess
from pathlib import Path

import httpx

from tests.e2e.conftest import NotifySocket, admin_url_from, start_gateway
from tests.support import GatewayFiles, write_gateway_config


def test_run_is_ready_serves_health_and_stops_cleanly_on_sigterm(
    tmp_path: Path, crossdock_bin: Path, notify_socket: NotifySocket
) -> None:
    files = write_gateway_config(tmp_path)
    proc = start_gateway(crossdock_bin, files, notify_socket)
    try:
        url = admin_url_from(notify_socket.wait_for("READY=1", proc))
        assert url.startswith("http://127.0.0.1:")

        assert httpx.get(f"{url}/healthz").json() == {"status": "alive"}
        assert httpx.get(f"{url}/readyz").status_code == 200
        assert httpx.get(f"{url}/status").status_code == 401
        auth = {"Authorization": f"Bearer {files.read_token}"}
        status = httpx.get(f"{url}/status", headers=auth).json()
        tree = status["tree"]
        assert tree["name"] == "root" and tree["state"] == "running"
        children = {c["name"]: c for c in tree["children"]}
        assert list(children) == [
            "partners",
            "odoo",
            "workflow:order_intake",
            # north-3pl is a 3PL: its documents' flows; no routing, outbound or stock feed
            # is configured, so no Odoo watcher, acknowledgement or fulfillment child.
            "workflow:shipment_confirmation",
            "workflow:receipt",
            "workflow:inventory",
            "rescuer",
            "sftp",
            "admin",
        ]
        partners = {c["name"]: c for c in children["partners"]["children"]}
        assert set(partners) == {"partner:acme-retail", "partner:north-3pl"}
        assert partners["partner:north-3pl"]["breaker"]["state"] == "closed"
        assert children["odoo"]["limiter"]["rate"] > 0
        assert status["gateway"]["ready"] is True
        assert status["store"]["audit_entries"] == 1  # the config load

        proc.send_signal(signal.SIGTERM)
        notify_socket.wait_for("STOPPING=1", proc)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    events = [json.loads(line)["event"] for line in stderr.splitlines() if line.startswith("{")]
    assert events.index("shutdown_requested") < events.index("gateway_stopped")

    with sqlite3.connect(files.state_dir / "crossdock.sqlite3") as db:
        (action, content_hash) = db.execute("select action, content_hash from audit").fetchone()
    assert action == "config_loaded" and len(content_hash) == 64


def test_status_command_prints_the_tree(
    tmp_path: Path, crossdock_bin: Path, notify_socket: NotifySocket
) -> None:
    files = write_gateway_config(tmp_path)
    proc = start_gateway(crossdock_bin, files, notify_socket)
    try:
        url = admin_url_from(notify_socket.wait_for("READY=1", proc))
        token_file = tmp_path / "secrets" / "read"
        shown = subprocess.run(
            [str(crossdock_bin), "status", "--url", url, "--token-file", str(token_file)],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert shown.returncode == 0, shown.stderr
        assert "partner:acme-retail" in shown.stdout and "closed" in shown.stdout
        refused = subprocess.run(
            [str(crossdock_bin), "status", "--url", url],
            capture_output=True,
            text=True,
            timeout=30,
            env={"PATH": "/usr/bin:/bin"},
        )
        assert refused.returncode == 1 and "401" in refused.stderr
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


def test_check_config_summarises_or_names_every_problem(
    tmp_path: Path, crossdock_bin: Path
) -> None:
    files = write_gateway_config(tmp_path)
    ok = subprocess.run(
        [str(crossdock_bin), "check-config", str(files.config)], capture_output=True, text=True
    )
    assert ok.returncode == 0, ok.stderr
    assert "acme-retail" in ok.stdout and files.read_token not in ok.stdout

    text = files.config.read_text()
    bad = tmp_path / "bad.toml"
    bad.write_text(
        text.replace('role = "3pl"', 'role = "warehouse"').replace(
            "shutdown_deadline", "shutdown_deadlin"
        )
    )
    refused = subprocess.run(
        [str(crossdock_bin), "check-config", str(bad)], capture_output=True, text=True
    )
    assert refused.returncode == 2
    assert "$.partners[1].role" in refused.stderr
    assert "shutdown_deadlin" in refused.stderr


def test_the_example_configuration_runs(
    tmp_path: Path, crossdock_bin: Path, notify_socket: NotifySocket
) -> None:
    """examples/minimal.toml as shipped, copied with its secrets; only the ports become 0."""
    examples = Path(__file__).resolve().parents[2] / "examples"
    shutil.copytree(examples / "secrets", tmp_path / "secrets")
    text = (examples / "minimal.toml").read_text()
    assert 'bind = "127.0.0.1:8080"' in text
    config = tmp_path / "minimal.toml"
    text = text.replace('bind = "127.0.0.1:8080"', 'bind = "127.0.0.1:0"')
    config.write_text(text.replace('bind = "127.0.0.1:2222"', 'bind = "127.0.0.1:0"'))
    files = GatewayFiles(config, tmp_path / "var", read_token="", operate_token="")
    proc = start_gateway(crossdock_bin, files, notify_socket)
    try:
        url = admin_url_from(notify_socket.wait_for("READY=1", proc))
        assert httpx.get(f"{url}/readyz").status_code == 200
        token = (tmp_path / "secrets" / "dev-read-token").read_text().strip()
        status = httpx.get(f"{url}/status", headers={"Authorization": f"Bearer {token}"})
        assert status.status_code == 200
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert (tmp_path / "var" / "crossdock.sqlite3").exists()
