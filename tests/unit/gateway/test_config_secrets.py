"""Secrets: read from files, systemd credentials or (for development) the environment, and
never shown by repr, str, encoders, the summary or error messages."""

from __future__ import annotations

import copy
from pathlib import Path

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.errors import ConfigError
from gateway.config import InvalidConfig, Secret, load_config, summary
from tests.unit.gateway.test_config_support import (
    BASE,
    ODOO_KEY,
    OPERATE_TOKEN,
    READ_TOKEN,
    SECRET_VALUES,
    replace,
    write_config,
)

ODOO_SECRET = 'api_key = { file = "secrets/odoo.key" }'


def load_problems(path: Path, environ: dict[str, str] | None = None) -> list[tuple[str, str]]:
    with pytest.raises(InvalidConfig) as caught:
        load_config(path, environ={} if environ is None else environ)
    return [(p.path, p.message) for p in caught.value.problems]


def test_secret_files_are_relative_to_the_config_file_and_lose_one_newline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_config(tmp_path)
    (tmp_path / "secrets" / "odoo.key").write_text("  spaced key \n\n")
    monkeypatch.chdir("/")
    config = load_config(path, environ={})
    assert config.odoo.api_key.reveal() == "  spaced key \n"
    assert config.admin.tokens[0].token.reveal() == READ_TOKEN  # "\n" stripped
    assert config.admin.tokens[1].token.reveal() == OPERATE_TOKEN  # "\r\n" stripped


def test_credentials_come_from_credentials_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    credentials = tmp_path / "creds"
    credentials.mkdir()
    (credentials / "odoo-api-key").write_text("from-systemd-credential\n")
    text = replace(BASE, ODOO_SECRET, 'api_key = { credential = "odoo-api-key" }')
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(credentials))
    config = load_config(write_config(tmp_path, text))
    assert config.odoo.api_key.reveal() == "from-systemd-credential"
    assert config.odoo.api_key.source() == "credential odoo-api-key"


def test_a_credential_without_credentials_directory_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = replace(BASE, ODOO_SECRET, 'api_key = { credential = "odoo-api-key" }')
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    with pytest.raises(InvalidConfig) as caught:
        load_config(write_config(tmp_path, text))
    (problem,) = caught.value.problems
    assert problem.path == "$.odoo.api_key"
    assert "$CREDENTIALS_DIRECTORY" in problem.message
    assert "LoadCredential" in problem.message


def test_a_missing_credential_names_the_key(tmp_path: Path) -> None:
    text = replace(BASE, ODOO_SECRET, 'api_key = { credential = "odoo-api-key" }')
    (tmp_path / "creds").mkdir()
    problems = load_problems(
        write_config(tmp_path, text), {"CREDENTIALS_DIRECTORY": str(tmp_path / "creds")}
    )
    assert problems == [
        (
            "$.odoo.api_key",
            f"credential 'odoo-api-key' ({tmp_path / 'creds' / 'odoo-api-key'}) does not exist",
        )
    ]


def test_a_credential_name_cannot_leave_the_directory(tmp_path: Path) -> None:
    text = replace(BASE, ODOO_SECRET, 'api_key = { credential = "../odoo.key" }')
    ((path, message),) = load_problems(write_config(tmp_path, text))
    assert path == "$.odoo.api_key.credential"
    assert "plain file name" in message


def test_every_missing_secret_file_is_reported_with_its_path(tmp_path: Path) -> None:
    path = write_config(tmp_path)
    (tmp_path / "secrets" / "odoo.key").unlink()
    (tmp_path / "secrets" / "operate.token").unlink()
    assert load_problems(path) == [
        (
            "$.admin.tokens[1].token",
            f"secret file {str(tmp_path / 'secrets' / 'operate.token')!r} does not exist",
        ),
        (
            "$.odoo.api_key",
            f"secret file {str(tmp_path / 'secrets' / 'odoo.key')!r} does not exist",
        ),
    ]


def test_an_empty_secret_is_refused(tmp_path: Path) -> None:
    path = write_config(tmp_path)
    (tmp_path / "secrets" / "odoo.key").write_text("\n")
    assert load_problems(path) == [("$.odoo.api_key", "file secrets/odoo.key is empty")]


def test_an_inline_secret_is_refused_without_being_echoed(tmp_path: Path) -> None:
    inline = "inline-hunter2-value"
    text = replace(BASE, ODOO_SECRET, f'api_key = "{inline}"')
    with pytest.raises(InvalidConfig) as caught:
        load_config(write_config(tmp_path, text), environ={})
    ((path, message),) = [(p.path, p.message) for p in caught.value.problems]
    assert path == "$.odoo.api_key"
    assert "never written in the configuration" in message
    assert '{ file = "path" }' in message
    assert inline not in str(caught.value)
    assert inline not in repr(caught.value)


@pytest.mark.parametrize(
    ("table", "words"),
    [
        ('{ file = "secrets/odoo.key", env = "X" }', "found file, env"),
        ("{ }", "found none"),
    ],
)
def test_a_secret_names_exactly_one_source(tmp_path: Path, table: str, words: str) -> None:
    text = replace(BASE, ODOO_SECRET, f"api_key = {table}")
    ((path, message),) = load_problems(write_config(tmp_path, text))
    assert path == "$.odoo.api_key"
    assert words in message


def test_env_secrets_work_and_are_flagged_as_development_only(tmp_path: Path) -> None:
    text = replace(BASE, ODOO_SECRET, 'api_key = { env = "CD_TEST_ODOO_KEY" }')
    path = write_config(tmp_path, text)
    config = load_config(path, environ={"CD_TEST_ODOO_KEY": "from-env"})
    assert config.odoo.api_key.reveal() == "from-env"
    assert [(w.path, w.message) for w in config.warnings] == [
        ("$.odoo.api_key", "secret from an environment variable: for development only")
    ]
    assert load_problems(path) == [
        ("$.odoo.api_key", "environment variable CD_TEST_ODOO_KEY is not set")
    ]


def test_admin_tokens_must_be_long_and_distinct(tmp_path: Path) -> None:
    path = write_config(tmp_path)
    (tmp_path / "secrets" / "read.token").write_text("tiny-tok\n")
    (tmp_path / "secrets" / "operate.token").write_text("tiny-tok\n")
    problems = load_problems(path)
    assert [p for p, _ in problems] == ["$.admin.tokens[0].token"] + ["$.admin.tokens[1].token"] * 2
    assert "at least 16 characters" in problems[0][1]
    assert "same value as $.admin.tokens[0].token" in problems[2][1]
    assert "tiny-tok" not in " ".join(message for _, message in problems)


def test_admin_tokens_cannot_have_outer_whitespace(tmp_path: Path) -> None:
    path = write_config(tmp_path)
    (tmp_path / "secrets" / "read.token").write_text(READ_TOKEN + " \n")
    ((where, message),) = load_problems(path)
    assert where == "$.admin.tokens[0].token"
    assert "whitespace" in message


def test_no_secret_shows_in_repr_str_encoders_or_summary(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path), environ={})
    assert config.odoo.api_key.reveal() == ODOO_KEY  # the values are really there
    shown = [
        repr(config),
        str(config),
        f"{config.odoo.api_key} {config.admin.tokens}",
        msgspec.json.encode(config).decode(),
        repr(msgspec.msgpack.decode(msgspec.msgpack.encode(config))),
        repr(msgspec.to_builtins(config)),
        repr(msgspec.structs.asdict(config)),
        summary(config),
    ]
    for text in shown:
        for value in SECRET_VALUES:
            assert value not in text
    assert repr(config.odoo.api_key) == "Secret('***')"
    assert str(config.odoo.api_key) == "Secret('***')"
    assert msgspec.json.encode(config.odoo.api_key) == b'{"file":"secrets/odoo.key"}'


def test_copies_keep_the_value(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path), environ={})
    assert copy.deepcopy(config).odoo.api_key.reveal() == ODOO_KEY
    assert copy.copy(config.odoo.api_key).reveal() == ODOO_KEY
    replaced = msgspec.structs.replace(config.odoo, timeout=5.0)
    assert replaced.api_key.reveal() == ODOO_KEY


def test_an_unresolved_secret_refuses_to_reveal() -> None:
    secret = Secret(file="somewhere")
    assert not secret.resolved
    with pytest.raises(ConfigError, match="never resolved"):
        secret.reveal()


@given(st.text(min_size=1).map(lambda text: "secret:" + text))
def test_a_literal_secret_never_shows_its_value(value: str) -> None:
    secret = Secret.literal(value)
    assert secret.reveal() == value
    for text in (
        repr(secret),
        str(secret),
        f"{secret!s} {secret!r} {secret}",
        msgspec.json.encode(secret).decode(),
        repr(msgspec.msgpack.encode(secret)),
        repr(msgspec.to_builtins(secret)),
    ):
        assert value not in text
