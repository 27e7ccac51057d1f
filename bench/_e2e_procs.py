"""The two processes the end-to-end bench drives: ``crossdock odoo-sim`` and ``crossdock run``.

Both run as subprocesses, so the CPU each spends is its own (read from ``/proc/<pid>/stat``)
and the bench's client load is not counted against the gateway. The gateway is synchronised
as systemd would: the bench is its notify socket and waits for ``READY=1``; its SFTP address
and host key fingerprint then come from ``/status`` (read token), and the host key is pinned.

Waiting for the gateway to finish the work is bounded polling of its store (a read-only
SQLite connection; WAL lets it read beside the writer): nothing crosses the process line
that could be waited on instead, and the deadline only catches a hang.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncssh
import httpx

from bench._e2e_load import PartnerSpec

__all__ = [
    "CALL_LOG",
    "CROSSDOCK",
    "Gateway",
    "Simulator",
    "StoreRow",
    "cpu_seconds",
    "machine_busy_seconds",
    "make_client_key",
    "write_config",
]

CROSSDOCK = Path(sys.executable).with_name("crossdock")
API_KEY = "bench-e2e-key-0123456789abcdef0123"
DATABASE = "crossdock"
CALL_LOG = 10_000  # the simulator keeps this many calls: counts past it are not known
START_GUARD = 60.0  # seconds: a bound on a start that hangs, not a synchronisation


def cpu_seconds(pid: int) -> float:
    """User + system CPU of process ``pid`` so far, every thread included."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return ticks / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU seconds every core of the machine spent busy so far (not idle, not iowait)."""
    ticks = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(ticks[:8]) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


class Simulator:
    """``crossdock odoo-sim`` (demo seed) as a subprocess, called over JSON-2."""

    def __init__(self, log: Path, *, profile: Path | None = None) -> None:
        self._log = log.open("wb")
        # --profile-sim: cProfile of the simulator (gateway run and reference alike), written
        # when it exits on SIGINT at close. It slows the simulator down.
        command = [str(CROSSDOCK)]
        if profile is not None:
            command = [sys.executable, "-m", "cProfile", "-o", str(profile), "-m", "gateway"]
        self._profiled = profile is not None
        self.proc = subprocess.Popen(
            [*command, "odoo-sim", "--port", "0", "--api-key", API_KEY],
            stdout=subprocess.PIPE,
            stderr=self._log,
        )
        assert self.proc.stdout is not None
        first = self.proc.stdout.readline().decode()
        found = re.search(r"listening on (http://\S+)", first)
        if not found:
            self.close()
            raise RuntimeError(f"crossdock odoo-sim did not start: it printed {first!r}")
        self.url = found.group(1)
        self.http = httpx.Client(
            base_url=self.url,
            timeout=START_GUARD,
            headers={"Authorization": f"bearer {API_KEY}", "X-Odoo-Database": DATABASE},
        )

    def call(self, model: str, method: str, **kwargs: Any) -> Any:
        answer = self.http.post(f"/json/2/{model}/{method}", json=kwargs)
        if answer.status_code != 200:
            raise RuntimeError(f"odoo-sim {model}.{method}: {answer.status_code} {answer.text}")
        return answer.json()

    def reset(self) -> None:
        self.http.post("/__sim__/reset").raise_for_status()

    def xid(self, xid: str) -> int:
        module, name = xid.split(".", 1)
        rows = self.call(
            "ir.model.data",
            "search_read",
            domain=[["module", "=", module], ["name", "=", name]],
            fields=["res_id"],
        )
        return int(rows[0]["res_id"])

    def set_customer_refs(self, partners: Sequence[PartnerSpec]) -> None:
        """Give each seeded customer the partner id as ``ref``: how order intake finds it."""
        for spec in partners:
            self.call(
                "res.partner",
                "write",
                ids=[self.xid(spec.customer_xid)],
                vals={"ref": spec.partner},
            )

    def calls(self) -> int:
        """Calls the simulator has logged (its log keeps the last 10,000: CALL_LOG)."""
        state: dict[str, Any] = self.http.get("/__sim__/state").json()
        return int(state["calls"])

    def sale_orders(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self.call(
            "sale.order", "search_read", domain=[], fields=["client_order_ref", "create_date"]
        )
        return rows

    def close(self) -> None:
        if hasattr(self, "http"):
            self.http.close()
        if self._profiled:
            self.proc.send_signal(signal.SIGINT)  # cProfile writes its stats on the way out
        else:
            self.proc.terminate()
        self.proc.wait(timeout=START_GUARD)
        self._log.close()


def make_client_key(path: Path) -> None:
    """An Ed25519 key pair for a partner's SFTP login (``path`` and ``path.pub``)."""
    key = asyncssh.generate_private_key("ssh-ed25519", comment=path.name)
    path.write_bytes(key.export_private_key())
    path.chmod(0o600)
    path.with_name(path.name + ".pub").write_bytes(key.export_public_key())


def write_config(
    tmp: Path,
    odoo_url: str,
    partners: Sequence[PartnerSpec],
    *,
    protocol: str,
    batch: int = 50,
    concurrency: int = 4,
    log_level: str = "info",
) -> tuple[Path, str]:
    """The gateway's TOML: one sftp-drop customer per spec; returns (path, read token)."""
    token = secrets.token_hex(16)
    (tmp / "read-token").write_text(token + "\n")
    (tmp / "odoo-key").write_text(API_KEY + "\n")
    blocks = []
    for spec in partners:
        key = tmp / "keys" / spec.partner
        ident = (
            f'identifiers.edifact = [{{ id = "{spec.sender_id}", qualifier = "14" }}]'
            if spec.kind == "ORDERS"
            else f'identifiers.x12 = [{{ qualifier = "ZZ", id = "{spec.sender_id}" }}]'
        )
        blocks.append(
            f"""
[[partners]]
id = "{spec.partner}"
role = "customer"
formats = ["{"edifact" if spec.kind == "ORDERS" else "x12"}"]
channels = [{{ type = "sftp-drop", authorized_keys = ["{key}.pub"], max_inbox_files = 1000 }}]
{ident}
confirm_orders = false
rate_limit = {{ rate = 500.0, burst = 500 }}
"""
        )
    # Odoo's limiter is opened wide (default 10/s): the goal is about 50 orders/s. Everything
    # else (by default batch 50, concurrency 4, logging at info as JSON) is as a deployment
    # runs it.
    config = tmp / "crossdock.toml"
    config.write_text(
        f"""
[gateway]
name = "bench-e2e"
state_dir = "state"
shutdown_deadline = 10
log_level = "{log_level}"
log_format = "json"

[admin]
bind = "127.0.0.1:0"

[sftp]
bind = "127.0.0.1:0"

[[admin.tokens]]
name = "bench"
role = "read"
token = {{ file = "read-token" }}

[odoo]
url = "{odoo_url}"
protocol = "{protocol}"
database = "{DATABASE}"
login = "admin"
api_key = {{ file = "odoo-key" }}
rate_limit = {{ rate = 1000.0, burst = 1000 }}
delivery_batch_size = {batch}
delivery_concurrency = {concurrency}
max_connections = {max(8, concurrency)}
"""
        + "".join(blocks)
    )
    return config, token


@dataclass(frozen=True)
class StoreRow:
    """One received file's way through the gateway's store (epoch seconds, store clock)."""

    partner: str
    name: str
    inbound_state: str
    received_at: float
    document_at: float | None
    routed_at: float | None
    delivery_state: str | None
    attempts: int | None
    acked_at: float | None
    result: str | None


_TRACE = """
SELECT i.partner, i.source_ref, i.state, i.received_at, d.created_at, o.created_at,
       o.state, o.attempts, o.finished_at, o.result
FROM inbound i
LEFT JOIN documents d ON d.inbound_id = i.id
LEFT JOIN outbox o ON o.document_id = d.id AND o.destination = 'odoo'
ORDER BY i.id
"""


class Gateway:
    """``crossdock run --config`` as a subprocess, ready when it said ``READY=1``."""

    def __init__(
        self, config: Path, read_token: str, tmp: Path, *, profile: Path | None = None
    ) -> None:
        self.store_path = config.parent / "state" / "crossdock.sqlite3"
        self._notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        (tmp / "notify.sock").unlink(missing_ok=True)
        self._notify.bind(str(tmp / "notify.sock"))
        env = {k: v for k, v in os.environ.items() if k not in ("NOTIFY_SOCKET", "WATCHDOG_USEC")}
        env["NOTIFY_SOCKET"] = str(tmp / "notify.sock")
        self.log_path = tmp / "gateway.log"
        # --profile: cProfile of the main thread (the trio loop; not the parse or SQLite
        # threads), written when the gateway exits on SIGTERM. It slows the gateway down.
        command = [str(CROSSDOCK)]
        if profile is not None:
            command = [sys.executable, "-m", "cProfile", "-o", str(profile), "-m", "gateway"]
        with self.log_path.open("wb") as log:  # a file: nobody has to read a pipe
            self.proc = subprocess.Popen(
                [*command, "run", "--config", str(config)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        try:
            admin = self._wait_ready()
            status = httpx.get(
                f"{admin}/status",
                headers={"Authorization": f"Bearer {read_token}"},
                timeout=START_GUARD,
            ).json()["gateway"]
        except BaseException:
            self.stop()
            raise
        host, port = status["sftp_address"].rsplit(":", 1)
        self.sftp_host, self.sftp_port = host, int(port)
        self.fingerprint: str = status["sftp_fingerprint"]

    def _wait_ready(self) -> str:
        deadline = time.monotonic() + START_GUARD
        self._notify.settimeout(0.2)
        while time.monotonic() < deadline:
            try:
                lines = self._notify.recv(4096).decode().splitlines()
            except TimeoutError:
                if self.proc.poll() is not None:
                    raise RuntimeError(
                        f"crossdock run exited with {self.proc.returncode} before READY=1:\n"
                        + self.log_path.read_text()[-4000:]
                    ) from None
                continue
            if "READY=1" in lines:
                for line in lines:
                    found = re.search(r"admin on (http://\S+)", line)
                    if found:
                        return found.group(1)
                raise RuntimeError(f"READY=1 without the admin URL: {lines}")
        raise RuntimeError(f"crossdock run not ready within {START_GUARD} s")

    def cpu(self) -> float:
        return cpu_seconds(self.proc.pid)

    def trace(self) -> list[StoreRow]:
        with sqlite3.connect(f"file:{self.store_path}?mode=ro", uri=True) as db:
            return [StoreRow(*row) for row in db.execute(_TRACE)]

    def settled(self) -> int:
        """Received files that reached an end: an acked or dead Odoo delivery, or refused."""
        with sqlite3.connect(f"file:{self.store_path}?mode=ro", uri=True) as db:
            (count,) = db.execute(
                "SELECT (SELECT count(*) FROM outbox WHERE destination = 'odoo' "
                "        AND state IN ('completed', 'dead'))"
                " + (SELECT count(*) FROM inbound WHERE state IN ('rejected', 'duplicate'))"
                " + (SELECT count(*) FROM documents WHERE state = 'dead')"
            ).fetchone()
        return int(count)

    def stop(self) -> int | None:
        """SIGTERM and wait; the exit code (None if it had to be killed)."""
        self._notify.close()
        if self.proc.poll() is not None:
            return self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=START_GUARD)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None
