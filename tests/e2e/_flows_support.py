"""Configuration, documents and waiting for tests/e2e/test_flows.py (see flows_world.py).

The gateway's configuration (:data:`CONFIG`): four partners on the drop server, keys in
``keys/<partner>.pub``, secrets in ``secrets/``, ``[[routing]]`` splitting warehouse WH
between the X12 3PL and the CSV 3PL (GAD-002), JSON-2 to the simulator, Odoo polled every
0.2 s. Documents the demo's samples (``gateway.demo._samples``) do not cover: an ORDERS
naming products by SKU, an 846 counted at a given time.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from gateway.demo._setup import SHIPMENTS_LAYOUT
from tests.e2e.test_crash import API_KEY

__all__ = [
    "CHANNEL",
    "CONFIG",
    "CUSTOMER",
    "EAST",
    "HANG",
    "NORTH",
    "ORDER",
    "PARTNERS",
    "TRACKING_945",
    "WEBHOOK_SECRET",
    "admin_token",
    "eventually",
    "gateway_config",
    "log_event",
    "make_key",
    "odoo_id",
    "orders_by_sku",
    "x12_846",
]

ORDER = "PO-4711"
"""The customer's order (gateway.demo's sample ORDERS: 48 WID-001 by GTIN, 3 GAD-002)."""
TRACKING_945 = "1Z999AA10123456784"
"""The tracking number the sample 945 carries (N9*CN)."""
CUSTOMER = "acme-retail"
NORTH = "north-3pl"
EAST = "east-3pl"
CHANNEL = "shopfront"
PARTNERS = (CUSTOMER, NORTH, EAST, CHANNEL)
WEBHOOK_SECRET = "shopfront-flows-secret-0123456789abcdef"
HANG = 30.0
"""Seconds any one wait may take: a bound on a hang, never a synchronisation."""
POLL = 0.05

T = TypeVar("T")


def eventually(probe: Callable[[], T | None], what: str, proc: Any = None) -> T:
    """``probe()`` until it gives something other than None; fails loudly after :data:`HANG`
    seconds, or at once if ``proc`` (the gateway) exited."""
    deadline = time.monotonic() + HANG
    while True:
        found = probe()
        if found is not None:
            return found
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the gateway exited ({proc.returncode}) waiting for {what}")
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {HANG:g} s")
        time.sleep(POLL)


def odoo_id(value: Any) -> int:
    """The id of a many2one value as Odoo reads it (``[id, name]``)."""
    return int(value[0] if isinstance(value, list | tuple) else value)


def make_key(path: Path, comment: str) -> Path:
    """An Ed25519 key pair made by OpenSSH's ``ssh-keygen`` (``path`` and ``path.pub``)."""
    keygen = shutil.which("ssh-keygen")
    assert keygen is not None, "OpenSSH's ssh-keygen is required (install openssh-client)"
    subprocess.run(
        [keygen, "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)],
        check=True,
        capture_output=True,
        timeout=HANG,
    )
    return path


def orders_by_sku(order: str, control: str, lines: list[tuple[str, int]]) -> bytes:
    """An EDIFACT D.96A ORDERS from acme-retail (GLN 5412345000013) to us, lines by SKU."""
    body = [
        "UNH+1+ORDERS:D:96A:UN:EAN008",
        f"BGM+220+{order}+9",
        "DTM+137:20240315:102",
        "NAD+BY+5412345000013::9",
        "NAD+SU+4012345000009::9",
    ]
    for i, (sku, quantity) in enumerate(lines, start=1):
        body += [f"LIN+{i}", f"PIA+5+{sku}:SA", f"QTY+21:{quantity}"]
    body += ["UNS+S", f"CNT+2:{len(lines)}"]
    body.append(f"UNT+{len(body) + 1}+1")
    return (
        "UNA:+.? '"
        f"UNB+UNOC:3+5412345000013:14+4012345000009:14+240315:0930+{control}++ORDERS'"
        + "'".join(body)
        + f"'UNZ+1+{control}'"
    ).encode()


def x12_846(control: int, as_of: datetime, counts: list[tuple[str, int]]) -> bytes:
    """An X12 004010 846 snapshot of warehouse WH from NORTH3PL, counted at ``as_of``."""
    body = [f"BIA*00*DD*INV-{control}*{as_of:%Y%m%d}*{as_of:%H%M}", "N1*WH*NORTH 3PL*91*WH"]
    for i, (sku, on_hand) in enumerate(counts, start=1):
        body += [f"LIN*{i}*VP*{sku}", f"QTY*17*{on_hand}*EA"]
    body.append(f"CTT*{len(counts)}")
    segments = [
        f"ISA*00*          *00*          *ZZ*{'NORTH3PL':<15}*ZZ*{'CROSSDOCK':<15}"
        f"*{as_of:%y%m%d}*{as_of:%H%M}*U*00401*{control:09d}*0*P*>",
        f"GS*IB*NORTH3PL*CROSSDOCK*{as_of:%Y%m%d}*{as_of:%H%M}*{control}*X*004010",
        "ST*846*0001",
        *body,
        f"SE*{len(body) + 2}*0001",
        f"GE*1*{control}",
        f"IEA*1*{control:09d}",
    ]
    return ("~\n".join(segments) + "~\n").encode()


def log_event(log: Path, event: str) -> dict[str, Any]:
    """The first JSON log record named ``event`` in the gateway's log."""
    for line in log.read_text().splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and record.get("event") == event:
            return record
    raise AssertionError(f"no {event} line in {log}:\n{log.read_text()[-3000:]}")


def gateway_config(tmp: Path, odoo_url: str) -> Path:
    """Write the keys' authorized_keys, the secrets and ``crossdock.toml``; its path."""
    secrets = tmp / "secrets"
    secrets.mkdir(exist_ok=True)
    for name, value in (("odoo", API_KEY), ("webhook", WEBHOOK_SECRET)):
        (secrets / name).write_text(value + "\n")
        (secrets / name).chmod(0o600)
    for token in ("read", "operate"):
        (secrets / token).write_text(f"flows-{token}-token-0123456789abcdef\n")
    config = tmp / "crossdock.toml"
    config.write_text(CONFIG.format(odoo_url=odoo_url, shipments_layout=SHIPMENTS_LAYOUT))
    return config


def admin_token(role: str) -> str:
    return f"flows-{role}-token-0123456789abcdef"


CONFIG = """
[gateway]
name = "flows"
state_dir = "state"
shutdown_deadline = 5
log_format = "json"

[admin]
bind = "127.0.0.1:0"

[[admin.tokens]]
name = "flows-read"
role = "read"
token = {{ file = "secrets/read" }}

[[admin.tokens]]
name = "flows-operate"
role = "operate"
token = {{ file = "secrets/operate" }}

[sftp]
bind = "127.0.0.1:0"

[webhooks]
bind = "127.0.0.1:0"

[odoo]
url = "{odoo_url}"
protocol = "json2"
database = "crossdock"
api_key = {{ file = "secrets/odoo" }}
timeout = 5
poll_interval = 0.2
retry = {{ initial = 0.05, cap = 0.5, max_attempts = 5, jitter = "none" }}

[identity]
edifact_id = "4012345000009"
edifact_qualifier = "14"
x12_id = "CROSSDOCK"
x12_qualifier = "ZZ"

[[routing]]
warehouse = "WH"
partner = "north-3pl"

[[routing]]
warehouse = "WH"
partner = "east-3pl"
skus = ["GAD-002"]

[[partners]]
id = "acme-retail"
role = "customer"
formats = ["edifact"]
channels = [{{ type = "sftp-drop", authorized_keys = ["keys/acme-retail.pub"] }}]
identifiers.edifact = [{{ id = "5412345000013", qualifier = "14" }}]
confirm_orders = true
outbound = {{ order_acknowledgement = "edifact:ORDRSP:D96A" }}

[[partners]]
id = "north-3pl"
role = "3pl"
formats = ["x12"]
warehouse = "WH"
channels = [{{ type = "sftp-drop", authorized_keys = ["keys/north-3pl.pub"] }}]
identifiers.x12 = [{{ qualifier = "ZZ", id = "NORTH3PL" }}]
outbound = {{ fulfillment_request = "x12:940:004010" }}

[[partners]]
id = "east-3pl"
role = "3pl"
formats = ["csv"]
warehouse = "WH"
channels = [{{ type = "sftp-drop", authorized_keys = ["keys/east-3pl.pub"] }}]
outbound = {{ fulfillment_request = "layout:fulfillment" }}

[[partners.layouts]]
name = "fulfillment"
format = "csv"
document = "fulfillment_request"
direction = "outbound"
line_ending = "lf"
columns = [
    {{ name = "request_number", target = "request_number" }},
    {{ name = "order", target = "order_number" }},
    {{ name = "warehouse", target = "warehouse" }},
    {{ name = "line", target = "lines[].line_no" }},
    {{ name = "sku", target = "lines[].product.sku" }},
    {{ name = "qty", target = "lines[].quantity.value" }},
]

{shipments_layout}
[[partners]]
id = "shopfront"
role = "marketplace"
formats = ["json", "csv"]
outbound = {{ inventory_report = "layout:stock-feed" }}

[[partners.channels]]
type = "webhook"
secret = {{ file = "secrets/webhook" }}

[[partners.channels]]
type = "sftp-drop"
authorized_keys = ["keys/shopfront.pub"]

[partners.stock_feed]
critical_skus = ["WID-001"]
batch_interval = 0.5
warehouses = ["WH"]

[[partners.layouts]]
name = "stock-feed"
format = "csv"
document = "inventory_report"
direction = "outbound"
line_ending = "lf"
columns = [
    {{ name = "sku", target = "lines[].product.sku" }},
    {{ name = "on_hand", target = "lines[].on_hand" }},
    {{ name = "available", target = "lines[].available" }},
    {{ name = "as_of", target = "as_of" }},
]
"""
