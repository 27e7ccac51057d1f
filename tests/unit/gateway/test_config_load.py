"""Loading: the examples, path resolution, defaults, the version hash, lookups, the summary."""

from __future__ import annotations

import hashlib
import re
import tomllib
from pathlib import Path

import msgspec.inspect as mi
import pytest

from gateway.config import (
    AdminSettings,
    GatewaySettings,
    NoChannel,
    OdooSettings,
    PartnerConfig,
    PartnerDefaults,
    Secret,
    SftpDropChannel,
    SftpPollChannel,
    StoreSettings,
    WebhookChannel,
    load_config,
    summary,
)
from tests.unit.gateway.test_config_support import BASE, replace, write_config

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "examples"


def test_minimal_example_loads_with_state_next_to_it() -> None:
    config = load_config(EXAMPLES / "minimal.toml", environ={})
    assert config.gateway.state_dir == str(EXAMPLES / "var")
    assert config.store.path == str(EXAMPLES / "var" / "crossdock.sqlite3")
    assert config.admin.bind == "127.0.0.1:8080"
    assert {(t.name, t.role) for t in config.admin.tokens} == {
        ("dev-read", "read"),
        ("dev-operate", "operate"),
    }
    for token in config.admin.tokens:
        assert isinstance(token.token.file, str)
        assert token.token.reveal() == (EXAMPLES / token.token.file).read_text().strip()
        assert "DEV-ONLY" in token.token.reveal()
    assert config.odoo.url == "http://127.0.0.1:8069"
    by_id = {p.id: p for p in config.partners}
    assert by_id["acme-retail"].role == "customer"
    assert by_id["acme-retail"].formats == ("edifact",)
    assert by_id["northwind-3pl"].role == "3pl"
    assert by_id["northwind-3pl"].formats == ("x12",)
    assert config.warnings == ()


def test_full_example_loads_every_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(EXAMPLES / "secrets" / "credentials"))
    config = load_config(EXAMPLES / "full.toml")
    assert config.gateway.name == "crossdock-eu"
    assert config.odoo.protocol == "jsonrpc"
    assert config.odoo.api_key.reveal().startswith("DEV-ONLY")
    channels = {p.id: tuple(type(c) for c in p.channels) for p in config.partners}
    assert channels == {
        "acme-retail": (SftpDropChannel,),
        "northwind-3pl": (SftpPollChannel,),
        "shopfront": (WebhookChannel,),
        "bazaar": (NoChannel,),
    }
    assert {p.role for p in config.partners} == {"customer", "3pl", "channel", "marketplace"}
    acme = config.partner("acme-retail")
    assert acme.mapping.code_lists["incoterms"]["DAP"] == "DAP"
    assert acme.mapping.units["BX"] == "CA"
    assert config.odoo.units["KG"] == "kg"
    assert acme.channels[0] == SftpDropChannel(username="acme")
    assert config.odoo.retry.jitter == "full"
    assert config.warnings == ()


def test_partner_overrides_defaults_key_by_key(tmp_path: Path) -> None:
    text = BASE + (
        "\n[defaults]\nmailbox_capacity = 77\n"
        "breaker = { cooldown = 45, min_calls = 3 }\nretry = { max_attempts = 4 }\n"
    )
    text = replace(
        text,
        'channels = [{ type = "sftp-drop" }]\n',
        'channels = [{ type = "sftp-drop" }]\nbreaker = { cooldown = 90 }\nmailbox_capacity = 5\n',
    )
    config = load_config(write_config(tmp_path, text), environ={})
    acme, nw = config.partners
    assert (acme.breaker.cooldown, acme.breaker.min_calls) == (90.0, 3)
    assert acme.mailbox_capacity == 5
    assert (nw.breaker.cooldown, nw.breaker.min_calls, nw.mailbox_capacity) == (45.0, 3, 77)
    assert acme.retry.max_attempts == nw.retry.max_attempts == 4
    assert acme.breaker.failure_threshold == config.defaults.breaker.failure_threshold == 5


def test_odoo_does_not_inherit_partner_defaults(tmp_path: Path) -> None:
    text = BASE + "\n[defaults]\nbreaker = { cooldown = 45 }\n"
    config = load_config(write_config(tmp_path, text), environ={})
    assert config.odoo.breaker.cooldown == 30.0


def test_version_is_the_sha256_of_the_file_and_follows_every_change(tmp_path: Path) -> None:
    path = write_config(tmp_path)
    first = load_config(path, environ={})
    assert first.version == hashlib.sha256(path.read_bytes()).hexdigest()
    assert load_config(path, environ={}).version == first.version
    path.write_text(BASE + "# a comment is a change too\n")
    assert load_config(path, environ={}).version != first.version


def test_source_path_is_absolute_even_for_a_relative_argument(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(tmp_path)
    monkeypatch.chdir(tmp_path)
    config = load_config("crossdock.toml", environ={})
    assert config.source_path == str(tmp_path / "crossdock.toml")


def test_state_dir_comes_from_systemd_when_the_file_has_none(tmp_path: Path) -> None:
    text = replace(BASE, 'state_dir = "state"\n', "")
    path = write_config(tmp_path, text)
    systemd = load_config(path, environ={"STATE_DIRECTORY": "/var/lib/cd-a:/var/lib/cd-b"})
    assert systemd.gateway.state_dir == "/var/lib/cd-a"
    assert systemd.store.path == "/var/lib/cd-a/crossdock.sqlite3"
    assert load_config(path, environ={}).gateway.state_dir == "/var/lib/crossdock"


def test_the_file_state_dir_wins_over_systemd_and_absolute_paths_stay(tmp_path: Path) -> None:
    text = replace(BASE, 'state_dir = "state"', 'state_dir = "/srv/cd"')
    text += '\n[store]\npath = "/data/store.db"\n'
    config = load_config(write_config(tmp_path, text), environ={"STATE_DIRECTORY": "/x"})
    assert config.gateway.state_dir == "/srv/cd"
    assert config.store.path == "/data/store.db"


def test_relative_state_dir_is_relative_to_the_config_file_not_the_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "etc").mkdir()
    path = write_config(tmp_path / "etc", replace(BASE, '"state"', '"../var/cd"'))
    monkeypatch.chdir("/")
    config = load_config(path, environ={})
    assert config.gateway.state_dir == str(tmp_path / "var" / "cd")
    assert config.store.path == str(tmp_path / "var" / "cd" / "crossdock.sqlite3")


def test_defaults_fill_what_the_file_leaves_out(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path), environ={})
    assert config.odoo.url == "http://127.0.0.1:8069"  # trailing '/' dropped
    assert config.gateway.shutdown_deadline == 30.0
    assert config.gateway.log_format == "auto"
    assert config.store.group_commit_max_batch == 256
    assert config.odoo.rate_limit.rate == 10.0
    assert config.partners[0].mailbox_capacity == 1000
    assert config.partners[1].channels[0] == SftpPollChannel(
        host="sftp.nw.example", username="cd", port=22, poll_interval=60.0
    )


@pytest.mark.parametrize(
    ("bind", "host", "port", "loopback"),
    [
        ("127.0.0.1:8080", "127.0.0.1", 8080, True),
        ("[::1]:0", "::1", 0, True),
        ("localhost:9000", "localhost", 9000, True),
        ("0.0.0.0:8080", "0.0.0.0", 8080, False),
    ],
)
def test_admin_bind_is_parsed(
    tmp_path: Path, bind: str, host: str, port: int, loopback: bool
) -> None:
    text = replace(BASE, 'bind = "127.0.0.1:8080"', f'bind = "{bind}"\nallow_remote = true')
    admin = load_config(write_config(tmp_path, text), environ={}).admin
    assert (admin.host, admin.port, admin.is_loopback) == (host, port, loopback)


def test_operate_implies_read(tmp_path: Path) -> None:
    reader, operator = load_config(write_config(tmp_path), environ={}).admin.tokens
    assert reader.allows("read") and not reader.allows("operate")
    assert operator.allows("read") and operator.allows("operate")


def test_partners_are_found_by_their_envelope_identifiers(tmp_path: Path) -> None:
    text = replace(
        BASE,
        'identifiers = { edifact = [{ id = "4012345000009", qualifier = "14" }] }',
        'identifiers = { edifact = [{ id = "4012345000009", qualifier = "14" }], '
        'gln = ["5901234123457"] }',
    )
    config = load_config(write_config(tmp_path, text), environ={})
    assert config.partner_for_edifact("4012345000009", "14") is config.partners[0]
    assert config.partner_for_edifact("4012345000009", None) is None
    assert config.partner_for_x12("ZZ", "NW3PL          ") is config.partners[1]
    assert config.partner_for_x12("01", "NW3PL") is None
    assert config.partner_for_gln("5901234123457") is config.partners[0]
    assert config.partner("nw-3pl") is config.partners[1]
    with pytest.raises(KeyError):
        config.partner("nobody")


def test_summary_names_what_the_gateway_will_do(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path), environ={})
    text = summary(config)
    for expected in (
        "test-gw",
        config.version[:12],
        str(tmp_path / "state" / "crossdock.sqlite3"),
        "127.0.0.1:8080",
        "token reader (read) from file secrets/read.token",
        "token operator (operate) from file secrets/operate.token",
        "http://127.0.0.1:8069 protocol jsonrpc, database db, login admin",
    ):
        assert expected in text, expected
    lines = text.splitlines()
    acme = next(line for line in lines if line.strip().startswith("acme "))
    assert acme.split() == ["acme", "customer", "edifact", "sftp-drop"]
    nw = next(line for line in lines if line.strip().startswith("nw-3pl "))
    assert nw.split() == ["nw-3pl", "3pl", "x12,csv", "sftp-poll"]
    assert "mailbox 1000, 5/s burst 10" in text
    assert "warnings" not in text


def test_summary_lists_warnings(tmp_path: Path) -> None:
    text = replace(BASE, "http://127.0.0.1:8069/", "http://erp.example.com")
    config = load_config(write_config(tmp_path, text), environ={})
    assert [w.path for w in config.warnings] == ["$.odoo.url"]
    assert "$.odoo.url: plain http to a remote host" in summary(config)


def schema_keys(info: object, prefix: str) -> set[str]:
    """Every key path the schema accepts (``odoo.breaker.cooldown``); secrets are leaves."""
    if isinstance(info, mi.Metadata):
        return schema_keys(info.type, prefix)
    if isinstance(info, mi.UnionType):
        return set().union(*(schema_keys(t, prefix) for t in info.types))
    if isinstance(info, mi.ListType | mi.VarTupleType):
        return schema_keys(info.item_type, prefix)
    if not isinstance(info, mi.StructType) or info.cls is Secret:
        return set()
    keys = {f"{prefix}{info.tag_field}"} if info.tag_field else set()
    for field in info.fields:
        keys.add(prefix + field.encode_name)
        keys |= schema_keys(field.type, f"{prefix}{field.encode_name}.")
    return keys


def document_keys(node: object, prefix: str = "") -> set[str]:
    """Every key path present in a TOML document, array items merged."""
    if isinstance(node, list):
        return set().union(set(), *(document_keys(item, prefix) for item in node))
    if not isinstance(node, dict):
        return set()
    keys = set()
    for key, value in node.items():
        keys.add(prefix + key)
        keys |= document_keys(value, f"{prefix}{key}.")
    return keys


def all_schema_keys() -> set[str]:
    tables = {
        "gateway": GatewaySettings,
        "store": StoreSettings,
        "admin": AdminSettings,
        "odoo": OdooSettings,
        "defaults": PartnerDefaults,
        "partners": PartnerConfig,
    }
    keys = set(tables)
    for name, schema in tables.items():
        keys |= schema_keys(mi.type_info(schema), f"{name}.")
    return keys


def test_full_example_shows_every_key() -> None:
    with (EXAMPLES / "full.toml").open("rb") as file:
        present = document_keys(tomllib.load(file))
    # A partner's breaker, retry and rate_limit keys are shown once, in [defaults].
    inherited = re.compile(r"^partners\.(breaker|retry|rate_limit)\.")
    missing = {
        key
        for key in all_schema_keys()
        if key not in present and inherited.sub(r"defaults.\1.", key) not in present
    }
    assert missing == set()


def test_every_key_is_documented() -> None:
    docs = (REPO / "docs" / "configuration.md").read_text()
    quoted = set(re.findall(r"`([^`\n]+)`", docs))
    words = {word for text in quoted for word in re.findall(r"[a-z_0-9]+", text)}
    missing = {key for key in all_schema_keys() if key.rsplit(".", 1)[-1] not in words}
    assert missing == set()


def test_the_key_walkers_see_nested_keys() -> None:
    keys = all_schema_keys()
    assert {"odoo.breaker.cooldown", "partners.channels.poll_interval", "admin.tokens.role"} <= keys
    assert "odoo.api_key.file" not in keys  # secrets are leaves
    assert document_keys({"a": [{"b": 1}, {"c": {"d": 2}}]}) == {"a", "a.b", "a.c", "a.c.d"}


def test_the_documentation_examples_are_valid_toml() -> None:
    docs = (REPO / "docs" / "configuration.md").read_text()
    blocks = re.findall(r"```toml\n(.*?)```", docs, re.DOTALL)
    assert len(blocks) > 10
    for block in blocks:
        tomllib.loads(block)
