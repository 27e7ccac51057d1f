"""Test support shared by the integration and e2e suites: a gateway config in a tmp dir."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class GatewayFiles:
    config: Path
    state_dir: Path
    read_token: str
    operate_token: str
    extra: dict[str, str] = field(default_factory=dict)


def write_gateway_config(tmp: Path, *, deadline: float = 10.0, partners: str = "") -> GatewayFiles:
    secrets_dir = tmp / "secrets"
    secrets_dir.mkdir()
    read_token, operate_token = secrets.token_hex(16), secrets.token_hex(16)
    (secrets_dir / "read").write_text(read_token + "\n")
    (secrets_dir / "operate").write_text(operate_token + "\n")
    (secrets_dir / "odoo").write_text("not-a-real-key\n")
    partners = (
        partners
        or """
[[partners]]
id = "acme-retail"
role = "customer"
formats = ["edifact"]
channels = [{ type = "sftp-drop" }]
identifiers.edifact = [{ id = "4012345000009", qualifier = "14" }]

[[partners]]
id = "north-3pl"
role = "3pl"
formats = ["x12"]
channels = [{ type = "sftp-drop" }]
identifiers.x12 = [{ qualifier = "ZZ", id = "NORTH3PL" }]
"""
    )
    config = tmp / "crossdock.toml"
    config.write_text(
        f"""
[gateway]
name = "e2e"
state_dir = "state"
shutdown_deadline = {deadline}
log_format = "json"

[admin]
bind = "127.0.0.1:0"

[sftp]
bind = "127.0.0.1:0"

[[admin.tokens]]
name = "ops-read"
role = "read"
token = {{ file = "secrets/read" }}

[[admin.tokens]]
name = "ops-operate"
role = "operate"
token = {{ file = "secrets/operate" }}

[odoo]
url = "http://127.0.0.1:9"
protocol = "jsonrpc"
database = "crossdock"
login = "admin"
api_key = {{ file = "secrets/odoo" }}
{partners}
"""
    )
    return GatewayFiles(config, tmp / "state", read_token, operate_token)
