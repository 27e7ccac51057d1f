"""gateway.log: event + fields per line, logfmt and JSON renderings, secrets redacted."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import msgspec
import pytest

from contracts.errors import ConfigError
from gateway.log import (
    REDACTED,
    JsonFormatter,
    LogfmtFormatter,
    configure_logging,
    get_logger,
    is_secret_key,
    redact,
)

SECRET = "s3cr3t-value-that-must-not-leak"


class Secret:
    """Stands in for the config's Secret: anything whose class defines ``reveal``."""

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __str__(self) -> str:  # a careless __str__ must not matter: the value is never shown
        return self._value


@pytest.fixture
def root_logging() -> Iterator[None]:
    """configure_logging changes the root logger: put it back as it was."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def capture(fmt: str, level: str = "DEBUG") -> io.StringIO:
    stream = io.StringIO()
    configure_logging(level, fmt, stream)  # type: ignore[arg-type]
    return stream


def test_logfmt_line_has_event_then_fields_and_quotes_what_needs_it(root_logging: None) -> None:
    stream = capture("text")
    get_logger("crossdock.test").info(
        "file_rejected",
        partner="acme",
        file="PO1.edi",
        reason='UNT count "7", expected 9',
        empty="",
        size=42,
        ratio=0.5,
        duplicate=False,
        note=None,
        equals="a=b",
    )
    line = stream.getvalue().rstrip("\n")
    assert "\n" not in line
    assert line.startswith("time=")
    assert (
        " level=info logger=crossdock.test event=file_rejected partner=acme file=PO1.edi " in line
    )
    assert r'reason="UNT count \"7\", expected 9"' in line
    assert ' empty="" size=42 ratio=0.5 duplicate=false note=null equals="a=b"' in line


def test_json_line_is_one_object_with_the_fields(root_logging: None) -> None:
    stream = capture("json")
    get_logger("crossdock.test").warning(
        "delivery_retry", partner="acme", attempt=3, lines=[1, 2], extra={"a": 1}
    )
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["level"] == "warning"
    assert record["logger"] == "crossdock.test"
    assert record["event"] == "delivery_retry"
    assert record["partner"] == "acme"
    assert record["attempt"] == 3
    assert record["lines"] == [1, 2]
    assert record["extra"] == {"a": 1}
    assert record["time"].endswith("Z")


def test_values_json_cannot_encode_are_logged_as_their_text(root_logging: None) -> None:
    stream = capture("json")
    get_logger("t").info("odd_value", error=ValueError("bad qty"), obj=object)
    record = json.loads(stream.getvalue())
    assert record["error"] == "bad qty"
    assert record["obj"] == str(object)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_secrets_never_reach_the_stream(root_logging: None, fmt: str) -> None:
    stream = capture(fmt)
    get_logger("t").info(
        "odoo_login",
        api_key=SECRET,
        password=SECRET,
        token=SECRET,
        authorization=f"Bearer {SECRET}",
        odoo_api_key=SECRET,
        credential=Secret(SECRET),
        headers={"X-Api-Key": SECRET, "accept": "application/json"},
        attempts=[Secret(SECRET), "plain"],
        token_name="ops-alice",
    )
    out = stream.getvalue()
    assert SECRET not in out
    assert out.count(REDACTED) == 8
    assert "ops-alice" in out  # a token's *name* is not a secret
    assert "application/json" in out


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_secret_inside_a_struct_is_redacted_too(root_logging: None, fmt: str) -> None:
    class Login(msgspec.Struct):
        user: str
        key: object

    stream = capture(fmt)
    get_logger("t").info("login", attempt=Login("admin", Secret(SECRET)))
    assert SECRET not in stream.getvalue()
    assert REDACTED in stream.getvalue()


def test_redaction_happens_before_any_handler(caplog: pytest.LogCaptureFixture) -> None:
    # pytest's own handler, which we did not install, must not see the secret either.
    with caplog.at_level(logging.INFO):
        get_logger("t").info("x", password=SECRET, value=Secret(SECRET))
    fields = caplog.records[0].crossdock_fields  # type: ignore[attr-defined]
    assert fields == {"password": REDACTED, "value": REDACTED}


@pytest.mark.parametrize(
    ("key", "secret"),
    [
        ("api_key", True),
        ("password", True),
        ("token", True),
        ("authorization", True),
        ("Authorization", True),
        ("X-Api-Key", True),
        ("odoo_api_key", True),
        ("bearer_token", True),
        ("client_secret", True),
        ("token_name", False),
        ("tokens_used", False),
        ("partner", False),
        ("keyword", False),
    ],
)
def test_secret_key_names(key: str, secret: bool) -> None:
    assert is_secret_key(key) is secret


def test_redact_goes_into_nested_mappings_and_lists() -> None:
    fields = {"config": {"odoo": {"password": SECRET, "url": "http://odoo"}}, "k": [Secret("x")]}
    assert redact(fields) == {
        "config": {"odoo": {"password": REDACTED, "url": "http://odoo"}},
        "k": [REDACTED],
    }


def test_bind_adds_context_and_call_fields_win(root_logging: None) -> None:
    stream = capture("json")
    log = get_logger("t").bind(partner="acme", message_id="M1")
    log.info("parsed", message_id="M2", segments=12)
    record = json.loads(stream.getvalue())
    assert (record["partner"], record["message_id"], record["segments"]) == ("acme", "M2", 12)


def test_fields_cannot_overwrite_the_line_keys(root_logging: None) -> None:
    stream = capture("json")
    get_logger("t").info("real_event", event="fake", level="fake")
    record = json.loads(stream.getvalue())
    assert (record["event"], record["level"]) == ("real_event", "info")
    assert (record["event_"], record["level_"]) == ("fake", "fake")


def test_exception_traceback_text_and_json(root_logging: None) -> None:
    for fmt in ("text", "json"):
        stream = capture(fmt)
        try:
            raise ValueError("qty must be positive")
        except ValueError:
            get_logger("t").exception("mapping_failed", partner="acme")
        out = stream.getvalue()
        if fmt == "json":
            lines = out.splitlines()
            assert len(lines) == 1
            assert "ValueError: qty must be positive" in json.loads(lines[0])["exc"]
        else:
            first, *rest = out.splitlines()
            assert "event=mapping_failed partner=acme" in first
            assert rest[0].startswith("Traceback")
            assert rest[-1] == "ValueError: qty must be positive"


def test_foreign_records_become_events(root_logging: None) -> None:
    stream = capture("json")
    logging.getLogger("hypercorn.error").info("Running on %s", "http://127.0.0.1:8080")
    record = json.loads(stream.getvalue())
    assert record["event"] == "Running on http://127.0.0.1:8080"
    assert record["logger"] == "hypercorn.error"


def test_the_record_points_at_the_caller(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        get_logger("t").info("here")
    assert caplog.records[0].pathname == __file__
    assert caplog.records[0].funcName == "test_the_record_points_at_the_caller"


def test_level_filters_and_reconfiguring_replaces_only_our_handler(root_logging: None) -> None:
    foreign = logging.NullHandler()
    logging.getLogger().addHandler(foreign)
    first = capture("text", "INFO")
    second = capture("json", "WARNING")
    log = get_logger("t")
    log.info("quiet")
    log.warning("loud")
    assert first.getvalue() == ""
    assert [json.loads(x)["event"] for x in second.getvalue().splitlines()] == ["loud"]
    root = logging.getLogger()
    assert foreign in root.handlers
    ours = [h for h in root.handlers if isinstance(h.formatter, LogfmtFormatter | JsonFormatter)]
    assert len(ours) == 1


def test_auto_format_is_json_off_a_terminal(root_logging: None) -> None:
    stream = capture("auto")
    get_logger("t").info("piped")
    assert json.loads(stream.getvalue())["event"] == "piped"


def test_bad_level_or_format_is_a_config_error(root_logging: None) -> None:
    with pytest.raises(ConfigError, match="log level"):
        configure_logging("LOUD", "text", io.StringIO())
    with pytest.raises(ConfigError, match="log format"):
        configure_logging("INFO", "xml", io.StringIO())  # type: ignore[arg-type]
