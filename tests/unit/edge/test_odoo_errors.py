"""Odoo's error answers -> our error tree, for both protocols and every body shape."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

from contracts.errors import DeliveryRejected, TransientFailure
from edge.odoo import (
    ErrorKind,
    OdooAuthFailed,
    classify_name,
    error_from_jsonrpc,
    error_from_response,
    parse_error_body,
    parse_retry_after,
)

NOW = 1_800_000_000.0
JSON = {"content-type": "application/json"}


def odoo_body(name: str, message: str = "boom") -> bytes:
    return json.dumps(
        {"name": name, "message": message, "arguments": [message], "context": {}, "debug": "tb"}
    ).encode()


def json2(status: int, body: bytes, headers: dict[str, str] | None = None) -> Exception:
    return error_from_response(
        status, headers or JSON, body, now=NOW, model="sale.order", method="create"
    )


# -- JSON-2: status and body -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "name"),
    [
        (422, "odoo.exceptions.ValidationError"),
        (422, "odoo.exceptions.UserError"),
        (403, "odoo.exceptions.AccessError"),
        (403, "odoo.exceptions.AccessDenied"),
        (404, "odoo.exceptions.MissingError"),
    ],
)
def test_json2_business_errors_are_rejections_with_odoos_name_and_message(
    status: int, name: str
) -> None:
    error = json2(status, odoo_body(name, "Missing required value"))
    assert type(error) is DeliveryRejected
    assert error.error_name == name
    assert error.message == "Missing required value"
    assert error.fields["status"] == status
    assert error.fields["model"] == "sale.order"
    assert "body" not in error.fields  # known names do not drag the traceback along


def test_json2_unknown_name_is_a_rejection_that_keeps_the_whole_body() -> None:
    error = json2(422, odoo_body("odoo.addons.custom.models.FancyError", "nope"))
    assert isinstance(error, DeliveryRejected)
    assert error.error_name == "odoo.addons.custom.models.FancyError"
    assert error.fields["body"]["debug"] == "tb"


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_json2_5xx_is_transient_whatever_the_body(status: int) -> None:
    error = json2(status, b"<html><title>Bad</title><p>down</p></html>", {})
    assert type(error) is TransientFailure
    assert error.fields["status"] == status
    assert error.retry_after is None


def test_json2_409_lock_error_is_transient() -> None:
    error = json2(409, odoo_body("odoo.exceptions.LockError", "row locked"))
    assert type(error) is TransientFailure
    assert error.fields["error_name"] == "odoo.exceptions.LockError"
    assert "row locked" in error.message


def test_json2_429_honours_retry_after_seconds() -> None:
    error = json2(429, b"slow down", {"retry-after": "7"})
    assert isinstance(error, TransientFailure)
    assert error.retry_after == 7.0
    assert error.fields["reason"] == "rate_limited"


def test_json2_429_honours_retry_after_as_an_http_date() -> None:
    when = format_datetime(datetime.fromtimestamp(NOW + 30, UTC), usegmt=True)
    error = json2(429, b"", {"retry-after": when})
    assert isinstance(error, TransientFailure)
    assert error.retry_after == pytest.approx(30.0)


@pytest.mark.parametrize(
    "name",
    [
        "psycopg2.errors.SerializationFailure",
        "psycopg2.extensions.TransactionRollbackError",
        "odoo.exceptions.ConcurrencyError",
        "psycopg2.errors.DeadlockDetected",
        "psycopg2.OperationalError",
    ],
)
def test_serialization_failures_are_transient_by_name_even_on_a_4xx(name: str) -> None:
    error = json2(400, odoo_body(name))
    assert type(error) is TransientFailure
    assert error.fields["error_name"] == name


def test_json2_401_is_an_auth_failure_not_a_rejection() -> None:
    error = json2(401, odoo_body("werkzeug.exceptions.Unauthorized", "Invalid apikey"))
    assert isinstance(error, OdooAuthFailed)
    assert isinstance(error, TransientFailure)  # waits in the outbox, never dead-lettered
    assert not isinstance(error, DeliveryRejected)
    assert error.requires_operator
    assert error.fields["path"] == "$.odoo.api_key"
    assert "Invalid apikey" in error.message


def test_json2_html_body_is_read_for_its_message() -> None:
    page = (
        b"<!doctype html>\n<html lang=en>\n<title>400 Bad Request</title>\n"
        b"<h1>Bad Request</h1>\n<p>Invalid JSON data: &quot;x&quot;</p>\n"
    )
    error = json2(400, page, {"content-type": "text/html; charset=utf-8"})
    assert isinstance(error, DeliveryRejected)
    assert error.message == 'Invalid JSON data: "x"'
    assert error.error_name == "werkzeug.exceptions.BadRequest"


def test_json2_bare_json_string_body_is_the_message() -> None:
    error = json2(404, b'"Model not found: x.y"')
    assert isinstance(error, DeliveryRejected)
    assert error.message == "Model not found: x.y"
    assert error.error_name == "werkzeug.exceptions.NotFound"


def test_bare_string_401_is_still_an_auth_failure() -> None:
    assert isinstance(json2(401, b'"Invalid apikey"'), OdooAuthFailed)


def test_plain_text_body_is_read() -> None:
    parsed = parse_error_body(b"Service Unavailable\n", "text/plain")
    assert parsed.message == "Service Unavailable"
    assert parsed.name is None


# -- JSON-RPC: error.data.name, whatever the code --------------------------------------------


def rpc_error(code: int, name: str, message: str = "why") -> dict[str, object]:
    return {
        "code": code,
        "message": "Odoo Server Error",
        "data": {"name": name, "message": message, "arguments": [message], "debug": "tb"},
    }


@pytest.mark.parametrize("code", [200, 0, 100])
def test_jsonrpc_validation_error_is_a_rejection_whatever_the_code(code: int) -> None:
    error = error_from_jsonrpc(rpc_error(code, "odoo.exceptions.ValidationError", "bad"))
    assert type(error) is DeliveryRejected
    assert error.error_name == "odoo.exceptions.ValidationError"
    assert error.message == "bad"


@pytest.mark.parametrize("code", [200, 0, 100])
def test_jsonrpc_serialization_failure_is_transient_whatever_the_code(code: int) -> None:
    error = error_from_jsonrpc(rpc_error(code, "psycopg2.errors.SerializationFailure"))
    assert type(error) is TransientFailure


@pytest.mark.parametrize("code", [200, 0, 100])
def test_jsonrpc_session_expiry_is_known_by_name_not_code(code: int) -> None:
    error = error_from_jsonrpc(rpc_error(code, "odoo.http.SessionExpiredException"))
    assert isinstance(error, OdooAuthFailed)
    assert classify_name("odoo.http.SessionExpiredException") is ErrorKind.SESSION_EXPIRED


def test_jsonrpc_code_100_with_a_business_name_is_a_business_error() -> None:
    error = error_from_jsonrpc(rpc_error(100, "odoo.exceptions.UserError", "no"))
    assert type(error) is DeliveryRejected


def test_jsonrpc_unknown_name_keeps_the_error_member() -> None:
    error = error_from_jsonrpc(rpc_error(200, "builtins.KeyError", "'x.y'"))
    assert isinstance(error, DeliveryRejected)
    assert error.fields["body"]["data"]["name"] == "builtins.KeyError"


def test_jsonrpc_error_without_data_falls_back_to_its_message() -> None:
    error = error_from_jsonrpc({"code": -32700, "message": "Parse error"})
    assert isinstance(error, DeliveryRejected)
    assert error.message == "Parse error"


def test_a_jsonrpc_envelope_in_an_http_error_body_is_read_by_name() -> None:
    body = json.dumps(
        {"jsonrpc": "2.0", "id": 1, "error": rpc_error(200, "odoo.exceptions.AccessError", "no")}
    )
    error = error_from_response(403, JSON, body.encode(), now=NOW, protocol="jsonrpc")
    assert isinstance(error, DeliveryRejected)
    assert error.error_name == "odoo.exceptions.AccessError"


# -- Retry-After -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("5", 5.0), (" 0 ", 0.0), ("1.5", 1.5), ("-3", 0.0), ("soon", None), (None, None), ("", None)],
)
def test_retry_after_values(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, NOW) == expected


def test_retry_after_date_in_the_past_means_now() -> None:
    past = format_datetime(datetime.fromtimestamp(NOW - 100, UTC), usegmt=True)
    assert parse_retry_after(past, NOW) == 0.0
