"""The webhook receiver: an ASGI app that checks signed POSTs and hands their bodies on.

::

    app = WebhookApp({"shopfront": WebhookPartner(secret="...", tolerance=300)}, accept,
                     max_body=1 << 20)
    # POST /webhooks/shopfront -> await accept("shopfront", event_id, body) -> Accepted

The order of checks is fixed and cheap first: path (404) -> method (405, ``Allow: POST``) ->
partner (404, the same answer whether the partner is unknown or has no webhook channel) ->
signing headers (400) -> declared size (413, before reading) -> body, read only up to
``max_body`` (413) -> signature (401) -> timestamp (401) -> JSON (400) -> ``accept``.

The receiver never parses documents: it checks that the body is one JSON object or array
(so a sender hears at once about a truncated body) and leaves the rest to intake, which
reads the stored row like any received file. ``accept`` persists the body and answers
:class:`Accepted`; a 202 means it committed. ``accept`` raising ``TransientFailure`` (the
store is not available) is a 503 with ``Retry-After``; anything else is our bug: logged with
its traceback, answered with a bare 500. ``trio.Cancelled`` is never caught here.

Every answer is JSON: ``{"inbound_id": n}`` (202), ``{"duplicate_of": n}`` (200), or
``{"error": "<word>", "detail": "<what to do>"}``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec
import trio

from contracts.errors import TransientFailure
from edge._log import EventLog
from edge.http._asgi import (
    ClientGone,
    Receive,
    Scope,
    Send,
    client_address,
    dispatch_scope,
    read_body,
    request_headers,
)
from edge.http._signature import SignedHeaders, WebhookRefused, read_signed_headers, verify

__all__ = [
    "DEFAULT_MAX_BODY",
    "PATH_PREFIX",
    "Accept",
    "Accepted",
    "WebhookApp",
    "WebhookPartner",
]

PATH_PREFIX = "/webhooks/"
DEFAULT_MAX_BODY = 1 << 20
_RETRY_AFTER_S = 5
_HEADERS = [
    (b"content-type", b"application/json"),
    (b"cache-control", b"no-store"),
    (b"x-content-type-options", b"nosniff"),
]

log = EventLog("edge.http.webhooks")


class Accepted(msgspec.Struct, frozen=True, kw_only=True):
    """What ``accept`` did with a body: stored as ``inbound_id``; ``duplicate_of`` names the
    earlier row it repeats (same event id or same body), and then nothing else happens."""

    inbound_id: int
    duplicate_of: int | None = None


Accept = Callable[[str, str | None, bytes], Awaitable[Accepted]]
"""``accept(partner, event_id, body)``: persist the body; returns after the commit."""


@dataclass(frozen=True, slots=True)
class WebhookPartner:
    """A partner's webhook channel: its shared secret and clock tolerance (seconds)."""

    secret: str = field(repr=False)
    tolerance: float = 300.0


@dataclass(slots=True)
class _Answer:
    status: int
    body: dict[str, Any]
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)


def _error(refused: WebhookRefused) -> _Answer:
    answer = _Answer(refused.status, {"error": refused.error, "detail": refused.detail})
    limit = refused.fields.get("limit_bytes")
    if limit is not None:
        answer.body["limit_bytes"] = limit
    if refused.status == 405:
        answer.headers.append((b"allow", b"POST"))
    return answer


def _not_found() -> WebhookRefused:
    return WebhookRefused(404, "not_found", "no webhook endpoint at this path")


class WebhookApp:
    """The ASGI callable hypercorn serves (see the module docs for the order of checks)."""

    def __init__(
        self,
        partners: Mapping[str, WebhookPartner],
        accept: Accept,
        *,
        max_body: int = DEFAULT_MAX_BODY,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.partners = dict(partners)
        self.accept = accept
        self.max_body = max_body
        self.clock = clock
        """Wall-clock unix seconds, what senders' timestamps are compared with."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await dispatch_scope(scope, receive, send, self._http)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = trio.current_time()
        fields: dict[str, object] = {"method": scope["method"], "client": client_address(scope)}
        try:
            answer = await self._answer(scope, receive, fields)
        except ClientGone:
            self._access(499, started, fields)
            return
        body = msgspec.json.encode(answer.body)
        headers = [*_HEADERS, (b"content-length", str(len(body)).encode()), *answer.headers]
        await send({"type": "http.response.start", "status": answer.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        self._access(answer.status, started, fields)

    async def _answer(self, scope: Scope, receive: Receive, fields: dict[str, object]) -> _Answer:
        try:
            partner, endpoint = self._route(scope["method"], scope["path"])
            fields["partner"] = partner
            headers = request_headers(scope)
            signed = read_signed_headers(headers)
            fields["event_id"] = signed.event_id
            body = await self._read_body(receive, headers.get("content-length"))
            fields["size"] = len(body)
            self._authenticate(endpoint, body, signed)
            _check_json(body)
            accepted = await self.accept(partner, signed.event_id, body)
        except WebhookRefused as refused:
            fields["error"] = refused.error
            return _error(refused)
        except TransientFailure as failure:
            fields["error"] = "unavailable"
            fields["why"] = str(failure)
            retry = failure.retry_after or _RETRY_AFTER_S
            return _Answer(
                503,
                {"error": "unavailable", "detail": "cannot store the request now: retry later"},
                [(b"retry-after", str(max(1, math.ceil(retry))).encode())],
            )
        except ClientGone:
            raise
        except Exception:
            log.exception("webhook_handler_failed", **fields)
            fields["error"] = "internal_error"
            return _Answer(500, {"error": "internal_error", "detail": None})
        fields["inbound_id"] = accepted.inbound_id
        if accepted.duplicate_of is not None:
            fields["duplicate_of"] = accepted.duplicate_of
            return _Answer(200, {"duplicate_of": accepted.duplicate_of})
        return _Answer(202, {"inbound_id": accepted.inbound_id})

    def _route(self, method: str, path: str) -> tuple[str, WebhookPartner]:
        partner = path[len(PATH_PREFIX) :] if path.startswith(PATH_PREFIX) else ""
        if not partner or "/" in partner:
            raise _not_found()
        if method != "POST":
            raise WebhookRefused(405, "method_not_allowed", "only POST is accepted here")
        endpoint = self.partners.get(partner)
        if endpoint is None:
            raise _not_found()
        return partner, endpoint

    def _authenticate(self, endpoint: WebhookPartner, body: bytes, signed: SignedHeaders) -> None:
        verify(endpoint.secret, body, signed, now=self.clock(), tolerance=endpoint.tolerance)

    async def _read_body(self, receive: Receive, content_length: str | None) -> bytes:
        limit = self.max_body
        if content_length is not None:
            if not content_length.isdigit():
                raise WebhookRefused(400, "bad_header", "Content-Length: not a number")
            if int(content_length) > limit:
                raise _too_large(limit)
        return await read_body(receive, limit, lambda: _too_large(limit))

    def _access(self, status: int, started: float, fields: dict[str, object]) -> None:
        # One line per request; the signature and the body never go in, the event id does.
        fields["status"] = status
        fields["duration_ms"] = round((trio.current_time() - started) * 1000, 3)
        if status >= 500:
            log.warning("webhook_request", **fields)
        else:
            log.info("webhook_request", **fields)


def _too_large(limit: int) -> WebhookRefused:
    return WebhookRefused(
        413,
        "payload_too_large",
        f"the body is over the limit of {limit} bytes: send fewer documents per request",
        limit_bytes=limit,
    )


def _check_json(body: bytes) -> None:
    """400 unless ``body`` is one well-formed JSON object or array (documents come later)."""
    head = body.lstrip(b" \t\r\n")[:1]
    if head not in (b"{", b"["):
        raise WebhookRefused(400, "not_json", "the body must be a JSON object")
    try:
        msgspec.json.decode(body, type=msgspec.Raw)
    except msgspec.DecodeError as exc:
        raise WebhookRefused(400, "not_json", f"the body is not valid JSON: {exc}") from None
