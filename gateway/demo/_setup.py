"""The demo's state directory: SSH keys, secrets and the gateway configuration it runs.

Everything is generated into one directory (a temp dir, or ``--state-dir``) so a new user
can open the files afterwards: ``crossdock.toml`` is an ordinary configuration that
``crossdock check-config`` accepts. Keys are Ed25519, made with the SFTP edge's own key
helper (the demo may not import asyncssh itself: only ``edge.sftp`` talks to it).

The cast (the partners of :data:`CONFIG_TEMPLATE`):

- ``acme``: an EDIFACT B2B customer on the drop server (ORDERS in; CONTRL, ORDRSP out);
- ``shopfront``: a marketplace posting signed JSON orders to the webhook receiver, fed stock
  levels as CSV in its drop ``outbox/``;
- ``north-3pl``: a 3PL speaking X12 on its own SFTP server (run by the demo, polled by the
  gateway): 940 out; 945, 846 and 944 in;
- ``east-3pl``: a 3PL speaking CSV on the drop server (fulfillment CSV out, shipments in).
"""

from __future__ import annotations

import secrets
import socket
from dataclasses import dataclass
from pathlib import Path

from edge.sftp import load_or_create_host_key

__all__ = [
    "CSV_3PL",
    "CUSTOMER",
    "MARKETPLACE",
    "SHIPMENTS_LAYOUT",
    "X12_3PL",
    "X12_3PL_LOGIN",
    "DemoFiles",
    "free_port",
    "prepare_state",
    "write_config",
]

CUSTOMER = "acme"
MARKETPLACE = "shopfront"
X12_3PL = "north-3pl"
CSV_3PL = "east-3pl"
X12_3PL_LOGIN = "crossdock"
"""The gateway's login on the X12 3PL's server."""


@dataclass(frozen=True)
class DemoFiles:
    """What :func:`prepare_state` wrote, by role."""

    state_dir: Path
    config: Path
    keys: Path
    odoo_key: str
    webhook_secret: str
    read_token: str
    webhook_port: int
    x12_root: Path
    """The X12 3PL's own SFTP tree (its ``outbox/`` is what the gateway polls)."""
    x12_host_key: Path
    x12_host_line: str
    drop_host_line: str
    """The drop server's public host key, which the demo's partners pin."""

    def client_key(self, partner: str) -> Path:
        return self.keys / f"{partner}_ed25519"


def free_port() -> int:
    """A loopback port free right now (the webhook receiver needs a fixed bind)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _key_pair(path: Path) -> str:
    """Create an Ed25519 key at ``path`` (and ``path.pub``); return the public key line."""
    key, _ = load_or_create_host_key(path)
    line = bytes(key.export_public_key()).decode().strip()
    path.with_name(path.name + ".pub").write_text(line + "\n", encoding="utf-8")
    return line


def _secret(folder: Path, name: str, value: str) -> None:
    target = folder / name
    target.write_text(value + "\n", encoding="utf-8")
    target.chmod(0o600)


def prepare_state(state_dir: Path) -> DemoFiles:
    """Write the keys and secrets every party of the demo uses (nothing listens yet)."""
    keys = state_dir / "keys"
    secrets_dir = state_dir / "secrets"
    for folder in (keys, secrets_dir):
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    for partner in (CUSTOMER, MARKETPLACE, CSV_3PL, "crossdock"):
        _key_pair(keys / f"{partner}_ed25519")
    x12_host_key = keys / "north_host_ed25519_key"
    x12_host_line = _key_pair(x12_host_key)
    drop_host_line = _key_pair(state_dir / "gateway" / "ssh_host_ed25519_key")
    odoo_key, webhook_secret, read_token = (secrets.token_hex(16) for _ in range(3))
    _secret(secrets_dir, "odoo", odoo_key)
    _secret(secrets_dir, "webhook", webhook_secret)
    _secret(secrets_dir, "read", read_token)
    return DemoFiles(
        state_dir=state_dir,
        config=state_dir / "crossdock.toml",
        keys=keys,
        odoo_key=odoo_key,
        webhook_secret=webhook_secret,
        read_token=read_token,
        webhook_port=free_port(),
        x12_root=state_dir / "north-3pl-server",
        x12_host_key=x12_host_key,
        x12_host_line=x12_host_line,
        drop_host_line=drop_host_line,
    )


def write_config(files: DemoFiles, *, odoo_url: str, x12_port: int, admin_port: int) -> Path:
    """Write ``crossdock.toml`` for a gateway whose Odoo is ``odoo_url`` and whose X12 3PL
    listens on ``x12_port``."""
    text = CONFIG_TEMPLATE.format(
        odoo_url=odoo_url,
        admin_port=admin_port,
        webhook_port=files.webhook_port,
        x12_port=x12_port,
        x12_login=X12_3PL_LOGIN,
        x12_host_line=files.x12_host_line,
        customer=CUSTOMER,
        marketplace=MARKETPLACE,
        x12_3pl=X12_3PL,
        csv_3pl=CSV_3PL,
        shipments_layout=SHIPMENTS_LAYOUT,
    )
    files.config.write_text(text, encoding="utf-8")
    return files.config


SHIPMENTS_LAYOUT = """\
[[partners.layouts]]
name = "shipments"
format = "csv"
document = "shipment_confirmation"
files = ["SHIP-*.csv"]
columns = [
    { name = "shipment", target = "shipment_id" },
    { name = "order", target = "order_number" },
    { name = "ship_date", target = "ship_date" },
    { name = "tracking", target = "tracking_number" },
    { name = "line", target = "lines[].line_no" },
    { name = "sku", target = "lines[].product.sku" },
    { name = "shipped", target = "lines[].shipped.value" },
    { name = "ordered", target = "lines[].ordered.value" },
]
"""
"""The CSV 3PL's shipment confirmations (what :func:`gateway.demo._samples.csv_shipment`
writes): one layout for the demo and for the tests that play the same files."""

CONFIG_TEMPLATE = """\
# Written by `crossdock demo`: the gateway the demo runs. An ordinary configuration file;
# `crossdock check-config` reads it. Paths are relative to this file's directory.

[gateway]
name = "demo"
state_dir = "gateway"
shutdown_deadline = 5
log_level = "warning"
log_format = "json"

[store]
rescuer_interval = 5

[admin]
bind = "127.0.0.1:{admin_port}"

[[admin.tokens]]
name = "demo-read"
role = "read"
token = {{ file = "secrets/read" }}

[sftp]
bind = "127.0.0.1:0"

[webhooks]
bind = "127.0.0.1:{webhook_port}"

[odoo]
url = "{odoo_url}"
protocol = "jsonrpc"
database = "crossdock"
login = "admin"
api_key = {{ file = "secrets/odoo" }}
poll_interval = 0.5

[odoo.retry]
initial = 0.2
cap = 2
jitter = "none"

[identity]
edifact_id = "4012345000009"
edifact_qualifier = "14"
x12_id = "CROSSDOCK"
x12_qualifier = "ZZ"

[[routing]]
warehouse = "WH"
partner = "{x12_3pl}"

[[routing]]
warehouse = "WH"
partner = "{csv_3pl}"
skus = ["GAD-002"]

[[routing]]
warehouse = "EW"
partner = "{csv_3pl}"

# --- An EDIFACT customer on the drop server: ORDERS in, CONTRL and ORDRSP out.
[[partners]]
id = "{customer}"
name = "Acme Retail"
role = "customer"
formats = ["edifact"]
channels = [{{ type = "sftp-drop", authorized_keys = ["keys/{customer}_ed25519.pub"] }}]
identifiers.edifact = [{{ id = "5412345000013", qualifier = "14" }}]
confirm_orders = true
customer_ref = "ACME"               # the simulator's Acme Retail company
outbound = {{ order_acknowledgement = "edifact:ORDRSP:D96A" }}

# --- A marketplace: signed JSON orders by webhook; a CSV stock feed in its drop outbox/.
[[partners]]
id = "{marketplace}"
name = "Shopfront Marketplace"
role = "marketplace"
formats = ["json", "csv"]
outbound = {{ inventory_report = "layout:stock-feed" }}

[[partners.channels]]
type = "webhook"
secret = {{ file = "secrets/webhook" }}

[[partners.channels]]
type = "sftp-drop"
authorized_keys = ["keys/{marketplace}_ed25519.pub"]

[partners.stock_feed]
critical_skus = ["WID-001"]
batch_interval = 2

[[partners.layouts]]
name = "stock-feed"
format = "csv"
document = "inventory_report"
direction = "outbound"
line_ending = "lf"
columns = [
    {{ name = "sku", target = "lines[].product.sku" }},
    {{ name = "available", target = "lines[].available" }},
    {{ name = "updated", target = "as_of" }},
]

# --- A 3PL speaking X12 on its own SFTP server, which the gateway polls.
[[partners]]
id = "{x12_3pl}"
name = "North 3PL"
role = "3pl"
formats = ["x12"]
warehouse = "WH"
identifiers.x12 = [{{ qualifier = "ZZ", id = "NORTH3PL" }}]
outbound = {{ fulfillment_request = "x12:940:004010" }}

[[partners.channels]]
type = "sftp-poll"
host = "127.0.0.1"
port = {x12_port}
username = "{x12_login}"
private_key = "keys/crossdock_ed25519"
host_key = "{x12_host_line}"
download_dir = "outbox"
upload_dir = "inbox"
upload_temp = "suffix"              # its server refuses names starting with a dot
poll_interval = 0.2
stability = "rename"
pattern = "*.x12"
connect_timeout = 5

# --- A 3PL speaking CSV on the drop server.
[[partners]]
id = "{csv_3pl}"
name = "East 3PL"
role = "3pl"
formats = ["csv"]
warehouse = "EW"
channels = [{{ type = "sftp-drop", authorized_keys = ["keys/{csv_3pl}_ed25519.pub"] }}]
outbound = {{ fulfillment_request = "layout:fulfillment" }}

[[partners.layouts]]
name = "fulfillment"
format = "csv"
document = "fulfillment_request"
direction = "outbound"
files = ["FR-*.csv"]
columns = [
    {{ name = "request", target = "request_number" }},
    {{ name = "order", target = "order_number" }},
    {{ name = "warehouse", target = "warehouse" }},
    {{ name = "line", target = "lines[].line_no" }},
    {{ name = "sku", target = "lines[].product.sku" }},
    {{ name = "qty", target = "lines[].quantity.value" }},
]

{shipments_layout}"""
