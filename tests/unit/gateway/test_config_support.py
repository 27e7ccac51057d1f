"""A valid configuration the other ``test_config_*`` modules start from, and its own test.

It lives in a ``test_`` module because those are the files this part of the suite owns; the
other modules import it as ``tests.unit.gateway.test_config_support``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.config import load_config

ODOO_KEY = "odoo-key-3b1f9c0e7d"
READ_TOKEN = "read-token-5a8e2c4f91d07b36"
OPERATE_TOKEN = "operate-token-e94d1a7c0b2f6835"
SECRET_VALUES = (ODOO_KEY, READ_TOKEN, OPERATE_TOKEN)

BASE = """\
[gateway]
name = "test-gw"
state_dir = "state"

[admin]
bind = "127.0.0.1:8080"

[[admin.tokens]]
name = "reader"
role = "read"
token = { file = "secrets/read.token" }

[[admin.tokens]]
name = "operator"
role = "operate"
token = { file = "secrets/operate.token" }

[odoo]
url = "http://127.0.0.1:8069/"
protocol = "jsonrpc"
database = "db"
login = "admin"
api_key = { file = "secrets/odoo.key" }

[[partners]]
id = "acme"
role = "customer"
formats = ["edifact"]
channels = [{ type = "sftp-drop" }]
identifiers = { edifact = [{ id = "4012345000009", qualifier = "14" }] }

[[partners]]
id = "nw-3pl"
role = "3pl"
formats = ["x12", "csv"]
channels = [{ type = "sftp-poll", host = "sftp.nw.example", username = "cd" }]
identifiers = { x12 = [{ qualifier = "ZZ", id = "NW3PL" }] }
"""


def write_config(directory: Path, text: str = BASE, name: str = "crossdock.toml") -> Path:
    """Write ``text`` as a config in ``directory``, with the secret files BASE refers to."""
    secrets = directory / "secrets"
    secrets.mkdir(parents=True, exist_ok=True)
    (secrets / "odoo.key").write_text(ODOO_KEY + "\n")
    (secrets / "read.token").write_text(READ_TOKEN + "\n")
    (secrets / "operate.token").write_text(OPERATE_TOKEN + "\r\n")
    path = directory / name
    path.write_text(text)
    return path


def replace(text: str, old: str, new: str) -> str:
    """``str.replace`` that fails when ``old`` is absent, so a test cannot silently test BASE."""
    assert old in text, f"{old!r} is not in the config text"
    return text.replace(old, new, 1)


def test_base_config_loads_as_the_other_tests_assume(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path), environ={})
    assert [p.id for p in config.partners] == ["acme", "nw-3pl"]
    assert config.odoo.api_key.reveal() == ODOO_KEY
    assert config.warnings == ()


def test_replace_refuses_a_missing_needle() -> None:
    with pytest.raises(AssertionError, match="not in the config text"):
        replace(BASE, "no such text", "x")
