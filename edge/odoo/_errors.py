"""Odoo's error answers, read and turned into ours. Pure functions: no I/O, no clock.

Where Odoo's errors land in the tree of :mod:`contracts.errors`::

    TransientFailure          retry with backoff; counts towards the breaker
    │   connect errors, timeouts, HTTP 408 / 409 / 425 / 429 / 5xx (``retry_after`` from
    │   ``Retry-After``), and by name: LockError, ConcurrencyError, SerializationFailure,
    │   DeadlockDetected, LockNotAvailable, TransactionRollbackError, OperationalError...
    └── OdooAuthFailed        HTTP 401, an invalid API key, a login JSON-RPC refuses
    DeliveryRejected          ValidationError, UserError, AccessError, AccessDenied,
                              MissingError, and every name we do not know

Why an auth failure is not a rejection: a wrong or expired key (Odoo's keys live three months
at most) says nothing about the delivery, and dead-lettering every delivery until someone
notices would turn one operator task into thousands of replays. So it is transient for the
outbox (the row waits; nothing is lost) and the breaker counts it, and it is its own type so
the delivery actor can open the breaker at once and page someone (``requires_operator``).

Classification is by the error's ``name`` (the JSON-2 body, or ``error.data.name`` of
JSON-RPC) and the HTTP status, never by JSON-RPC's ``code`` (200, 0 or 100 depending on the
server version). A name we do not know is a business rejection that keeps Odoo's whole body,
so the dead letter shows what Odoo said. Bodies come in three shapes (ODOO_API.md): Odoo's
JSON object, a bare JSON string, and werkzeug's HTML pages for early errors; all are read.
"""

from __future__ import annotations

import enum
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import Any

import msgspec

from contracts.errors import CrossdockError, DeliveryRejected, TransientFailure

__all__ = [
    "BUSINESS_ERRORS",
    "TRANSIENT_ERRORS",
    "ErrorKind",
    "OdooAuthFailed",
    "OdooErrorBody",
    "classify_name",
    "error_from_jsonrpc",
    "error_from_response",
    "parse_error_body",
    "parse_retry_after",
    "rejected",
    "transient",
]

TRANSIENT_ERRORS = frozenset(
    {
        "LockError",  # odoo.exceptions (19): a row lock could not be taken (409 on JSON-2)
        "ConcurrencyError",  # odoo.exceptions (18+): serialization retries exhausted
        "SerializationFailure",  # psycopg2.errors
        "TransactionRollbackError",  # psycopg2.extensions, the parent of the two below
        "DeadlockDetected",
        "LockNotAvailable",
        "OperationalError",  # psycopg2: the database went away or refused a connection
        "InterfaceError",  # psycopg2: connection already closed
        "ServiceUnavailable",  # werkzeug names of HTTP 503 / 502 / 504 / 429
        "BadGateway",
        "GatewayTimeout",
        "TooManyRequests",
    }
)
"""Short names (the part after the last dot) that mean "try again later"."""

BUSINESS_ERRORS = frozenset(
    {
        "ValidationError",
        "UserError",
        "AccessError",
        "AccessDenied",
        "MissingError",
        "RedirectWarning",
        "Warning",
    }
)
"""Short names Odoo uses to refuse for a business reason; any other name is refused too."""

_SESSION_ERRORS = frozenset({"SessionExpiredException"})
_TRANSIENT_STATUSES = frozenset({408, 409, 425, 429})


class ErrorKind(enum.StrEnum):
    TRANSIENT = "transient"
    BUSINESS = "business"
    SESSION_EXPIRED = "session_expired"


class OdooAuthFailed(TransientFailure):
    """Odoo does not accept our credentials: an invalid or expired API key, a bad login.

    Transient for the outbox (nothing is dead-lettered) but not for people: the delivery
    actor should open the breaker and alert, because no retry can fix it before someone
    rotates the key (``path`` names the setting).
    """

    requires_operator = True

    def __init__(self, message: str, *, protocol: str, **fields: Any) -> None:
        super().__init__(message, protocol=protocol, path="$.odoo.api_key", **fields)
        self.protocol = protocol


@dataclass(frozen=True)
class OdooErrorBody:
    """What an error answer said, whatever its shape; ``raw`` is the body as received."""

    name: str | None
    message: str
    arguments: tuple[Any, ...] = ()
    debug: str | None = None
    raw: Any = field(default=None, repr=False)


def short_name(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def classify_name(name: str | None) -> ErrorKind:
    """Transient, session expired, or business (which includes every unknown name)."""
    if not name:
        return ErrorKind.BUSINESS
    short = short_name(name)
    if short in TRANSIENT_ERRORS:
        return ErrorKind.TRANSIENT
    if short in _SESSION_ERRORS:
        return ErrorKind.SESSION_EXPIRED
    return ErrorKind.BUSINESS


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "unknown status"


def status_name(status: int) -> str:
    """The werkzeug exception name Odoo would give an HTTP status: 422 -> UnprocessableEntity."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        return f"http.{status}"
    return "werkzeug.exceptions." + "".join(w.capitalize() for w in re.split(r"[\s-]+", phrase))


_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def _text(fragment: str) -> str:
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", fragment))).strip()


def _from_html(text: str) -> OdooErrorBody:
    # werkzeug's pages: <title>400 Bad Request</title><h1>Bad Request</h1><p>why</p>
    paragraphs = [_text(p) for p in re.findall(r"<p>(.*?)</p>", text, re.S | re.I)]
    title = re.search(r"<title>(.*?)</title>", text, re.S | re.I)
    message = " ".join(p for p in paragraphs if p) or (_text(title.group(1)) if title else "")
    return OdooErrorBody(None, message or _text(text)[:500], raw=text)


def parse_error_body(body: bytes, content_type: str = "") -> OdooErrorBody:
    """Read an error body: Odoo's JSON object, a bare JSON string, or an HTML/text page."""
    text = body.decode("utf-8", errors="replace")
    stripped = text.lstrip()
    if "json" in content_type.lower() or stripped[:1] in ("{", '"'):
        try:
            decoded = msgspec.json.decode(body)
        except msgspec.DecodeError:
            decoded = None
        if isinstance(decoded, str):
            return OdooErrorBody(None, decoded, raw=decoded)
        if isinstance(decoded, dict):
            if isinstance(decoded.get("error"), dict):  # a JSON-RPC envelope on a 4xx/5xx
                return _from_jsonrpc_error(decoded["error"])
            name = decoded.get("name")
            arguments = decoded.get("arguments")
            debug = decoded.get("debug")
            return OdooErrorBody(
                name if isinstance(name, str) else None,
                str(decoded.get("message") or ""),
                tuple(arguments) if isinstance(arguments, list) else (),
                debug if isinstance(debug, str) else None,
                raw=decoded,
            )
    if "<" in stripped[:200]:
        return _from_html(text)
    return OdooErrorBody(None, _text(text)[:500], raw=text)


def _from_jsonrpc_error(error: Mapping[str, Any]) -> OdooErrorBody:
    data = error.get("data")
    data = data if isinstance(data, Mapping) else {}
    name = data.get("name")
    arguments = data.get("arguments")
    debug = data.get("debug")
    return OdooErrorBody(
        name if isinstance(name, str) else None,
        str(data.get("message") or error.get("message") or ""),
        tuple(arguments) if isinstance(arguments, list) else (),
        debug if isinstance(debug, str) else None,
        raw=dict(error),
    )


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - now)


def transient(
    message: str, *, reason: str, retry_after: float | None = None, **fields: Any
) -> TransientFailure:
    return TransientFailure(message, retry_after=retry_after, reason=reason, **fields)


def rejected(body: OdooErrorBody, *, name: str, **fields: Any) -> DeliveryRejected:
    """A business rejection with Odoo's name and message; unknown names keep the body."""
    if short_name(name) not in BUSINESS_ERRORS:
        fields["body"] = body.raw
    return DeliveryRejected(
        body.message or f"Odoo refused the call ({name})", error_name=name, **fields
    )


def error_from_response(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: float,
    protocol: str = "json2",
    model: str | None = None,
    method: str | None = None,
) -> CrossdockError:
    """The error for a non-2xx HTTP answer (JSON-2, or a proxy in front of JSON-RPC)."""
    parsed = parse_error_body(body, headers.get("content-type", ""))
    name = parsed.name or status_name(status)
    where: dict[str, Any] = {"status": status, "model": model, "method": method}
    if status == 401:
        return OdooAuthFailed(
            f"Odoo refused our credentials: {parsed.message or 'unauthorized'}",
            protocol=protocol,
            error_name=name,
            **where,
        )
    retry_after = parse_retry_after(headers.get("retry-after"), now)
    if status >= 500 or status in _TRANSIENT_STATUSES:
        return transient(
            f"Odoo answered HTTP {status}: {parsed.message or _phrase(status)}",
            reason="rate_limited" if status == 429 else "http_status",
            retry_after=retry_after,
            error_name=name,
            **where,
        )
    kind = classify_name(name)
    if kind is ErrorKind.TRANSIENT:
        return transient(parsed.message or name, reason="odoo_error", error_name=name, **where)
    if kind is ErrorKind.SESSION_EXPIRED:
        return OdooAuthFailed(parsed.message or name, protocol=protocol, error_name=name, **where)
    return rejected(parsed, name=name, **where)


def error_from_jsonrpc(
    error: Mapping[str, Any], *, model: str | None = None, method: str | None = None
) -> CrossdockError:
    """The error for a JSON-RPC ``error`` member (HTTP 200), by ``error.data.name``."""
    parsed = _from_jsonrpc_error(error)
    name = parsed.name or "odoo.jsonrpc.Error"
    where: dict[str, Any] = {"model": model, "method": method}
    kind = classify_name(name)
    if kind is ErrorKind.TRANSIENT:
        return transient(parsed.message or name, reason="odoo_error", error_name=name, **where)
    if kind is ErrorKind.SESSION_EXPIRED:
        return OdooAuthFailed(parsed.message or name, protocol="jsonrpc", error_name=name, **where)
    return rejected(parsed, name=name, **where)
