"""From the TOML file to the SFTP edge's settings: the new keys, their checks, their paths.

(They test ``gateway.config`` and ``gateway.sftp_intake`` together because what matters is
the whole way from a key in the file to the setting the edge runs with.)
"""

from __future__ import annotations

from pathlib import Path

import asyncssh
import pytest

from edge.sftp import SftpConfigError
from gateway.config import InvalidConfig, SftpDropChannel, SftpPollChannel, load_config
from gateway.sftp_intake import drop_settings, partner_server, poll_settings

HEAD = """
[gateway]
state_dir = "state"
[odoo]
url = "http://127.0.0.1:8069"
protocol = "json2"
database = "db"
api_key = { file = "odoo.key" }
"""
DROP = """
[[partners]]
id = "acme-retail"
role = "customer"
formats = ["csv"]
[[partners.channels]]
type = "sftp-drop"
username = "acme"
authorized_keys = ["keys/acme.pub", "/etc/crossdock/acme-2.pub"]
max_file_size = 1000
"""
POLL = """
[[partners]]
id = "nw-3pl"
role = "3pl"
formats = ["csv"]
[[partners.channels]]
type = "sftp-poll"
host = "sftp.nw.example"
username = "crossdock"
{extra}
"""


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "odoo.key").write_text("k\n")
    path = tmp_path / "crossdock.toml"
    path.write_text(HEAD + text)
    return path


def problems(tmp_path: Path, text: str) -> list[tuple[str, str]]:
    with pytest.raises(InvalidConfig) as caught:
        load_config(write(tmp_path, text), environ={})
    return [(p.path or "", p.message) for p in caught.value.problems]


def host_key_line() -> str:
    key = asyncssh.generate_private_key("ssh-ed25519").convert_to_public()
    return " ".join(key.export_public_key().decode().split()[:2])


def test_defaults_of_the_sftp_table_are_under_the_state_dir(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, DROP), environ={})
    assert config.sftp.bind == "127.0.0.1:2222"
    assert config.sftp.host_key == str(tmp_path / "state" / "ssh_host_ed25519_key")
    assert config.sftp.root == str(tmp_path / "state" / "sftp")
    channel = config.partners[0].channels[0]
    assert isinstance(channel, SftpDropChannel)
    assert channel.authorized_keys == (
        str(tmp_path / "keys" / "acme.pub"),
        "/etc/crossdock/acme-2.pub",
    )
    settings = drop_settings(config)
    assert (settings.host, settings.port, settings.root) == (
        "127.0.0.1",
        2222,
        config.sftp.root,
    )
    (account,) = settings.accounts
    assert (account.partner, account.username, account.max_file_size) == (
        "acme-retail",
        "acme",
        1000,
    )
    assert account.max_inbox_files == 100


def test_poll_settings_load_the_key_and_the_pin(tmp_path: Path) -> None:
    key = asyncssh.generate_private_key("ssh-ed25519")
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "nw").write_bytes(key.export_private_key())
    pin = host_key_line()
    extra = (
        f'private_key = "keys/nw"\nhost_key = "{pin}"\ndownload_dir = "/out"\n'
        'archive_dir = "/out/done"\nstability = "done-file"\ndone_suffixes = [".ready"]\n'
        "poll_interval = 15\nport = 2200\n"
    )
    config = load_config(write(tmp_path, POLL.format(extra=extra)), environ={})
    channel = config.partners[0].channels[0]
    assert isinstance(channel, SftpPollChannel)
    assert channel.private_key == str(tmp_path / "keys" / "nw")
    (settings,) = poll_settings(config, "nw-3pl")
    assert settings.server.client_key.key.public_data == key.public_data
    assert (settings.server.host, settings.server.port) == ("sftp.nw.example", 2200)
    assert settings.server.host_key.algorithm == "ssh-ed25519"
    assert (settings.download_dir, settings.archive_dir, settings.interval) == (
        "/out",
        "/out/done",
        15.0,
    )
    assert (settings.rule.kind, settings.rule.done_suffixes) == ("done-file", (".ready",))
    assert partner_server(config, "nw-3pl").username == "crossdock"


def test_a_poller_without_keys_is_refused_at_start_naming_the_key(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, POLL.format(extra="")), environ={})
    with pytest.raises(SftpConfigError) as caught:
        poll_settings(config, "nw-3pl")
    assert caught.value.path == "$.partners[0].channels[0].private_key"
    extra = f'private_key = "missing"\nhost_key = "{host_key_line()}"\ndownload_dir = "out"\n'
    config = load_config(write(tmp_path, POLL.format(extra=extra)), environ={})
    with pytest.raises(SftpConfigError) as caught:
        poll_settings(config, "nw-3pl")
    assert caught.value.path == "$.partners[0].channels[0].private_key"
    assert caught.value.file == str(tmp_path / "missing")


def test_polling_our_own_upload_folder_is_refused_at_start(tmp_path: Path) -> None:
    (tmp_path / "k").write_bytes(asyncssh.generate_private_key("ssh-ed25519").export_private_key())
    extra = f'private_key = "k"\nhost_key = "{host_key_line()}"\n'  # both folders default to "."
    config = load_config(write(tmp_path, POLL.format(extra=extra)), environ={})
    with pytest.raises(SftpConfigError) as caught:
        poll_settings(config, "nw-3pl")
    assert caught.value.path == "$.partners[0].channels[0].upload_dir"
    assert "polled back in" in caught.value.message


@pytest.mark.parametrize(
    ("extra", "path", "words"),
    [
        ('host_key = "ssh-ed25519 nonsense"', "host_key", "expected a public key"),
        ('host_key = "SHA256:short"', "host_key", "43 base64 characters"),
        ('stability = "rename"', "pattern", "only final names"),
        ('stability = "done-file"\ndone_suffixes = []', "done_suffixes", "at least one"),
        ('download_dir = "/out"\narchive_dir = "/out/"', "archive_dir", "must differ"),
        ('stability = "eventually"', "stability", "size-mtime"),
        ('done_suffixes = ["done"]', "done_suffixes[0]", "suffix"),
    ],
)
def test_poll_channel_mistakes_name_their_key(
    tmp_path: Path, extra: str, path: str, words: str
) -> None:
    found = problems(tmp_path, POLL.format(extra=extra))
    assert [p for p, _ in found] == [f"$.partners[0].channels[0].{path}"], found
    assert words in found[0][1]


def test_sftp_table_mistakes_name_their_key(tmp_path: Path) -> None:
    found = problems(tmp_path, '[sftp]\nbind = "nowhere"\nhold_suffixes = ["part"]\n' + DROP)
    assert sorted(p for p, _ in found) == ["$.sftp.hold_suffixes[0]"]  # decoding stops first
    found = problems(tmp_path, '[sftp]\nbind = "nowhere"\n' + DROP)
    assert [p for p, _ in found] == ["$.sftp.bind"]
