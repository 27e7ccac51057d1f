"""The webhook ASGI app called directly with ASGI events and an in-memory ``accept``.

No socket, no server, no real time: the app's clock is a fixed number. The same app through
hypercorn on a real port, with the real store behind it, is tests/integration/test_webhooks.py.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from contracts.errors import TransientFailure
from edge.http import (
    EVENT_HEADER,
    SIGNATURE_HEADER,
    Accepted,
    WebhookApp,
    WebhookPartner,
    sign,
)

SECRET = "shopfront-secret-0123456789"
NOW = 1_718_000_000.0
BODY = b'{"type": "sales_order", "order_number": "SO-1"}'


@dataclass
class Memory:
    """``accept`` in memory: the first copy of an event id (or body) gets a new id."""

    calls: list[tuple[str, str | None, bytes]] = field(default_factory=list)
    seen: dict[str | bytes, int] = field(default_factory=dict)
    fail: BaseException | None = None

    async def accept(self, partner: str, event_id: str | None, body: bytes) -> Accepted:
        self.calls.append((partner, event_id, body))
        if self.fail is not None:
            raise self.fail
        new_id = len(self.calls)
        key: str | bytes = event_id if event_id is not None else body
        if key in self.seen:
            return Accepted(inbound_id=new_id, duplicate_of=self.seen[key])
        self.seen[key] = new_id
        return Accepted(inbound_id=new_id)


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    receives: int

    def json(self) -> Any:
        return json.loads(self.body)


def make_app(memory: Memory, *, max_body: int = 1024, tolerance: float = 300.0) -> WebhookApp:
    partners = {"shopfront": WebhookPartner(secret=SECRET, tolerance=tolerance)}
    return WebhookApp(partners, memory.accept, max_body=max_body, clock=lambda: NOW)


async def call(
    app: WebhookApp,
    path: str = "/webhooks/shopfront",
    *,
    method: str = "POST",
    headers: Mapping[str, str] = {},
    chunks: Iterable[bytes] = (BODY,),
    content_length: bool = True,
    disconnect: bool = False,
) -> Reply | None:
    parts = list(chunks)
    raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    if content_length:
        raw.append((b"content-length", str(sum(map(len, parts))).encode()))
    scope = {"type": "http", "method": method, "path": path, "headers": raw,
             "client": ("127.0.0.1", 50000)}  # fmt: skip
    events: list[dict[str, Any]] = [
        {"type": "http.request", "body": p, "more_body": i < len(parts) - 1}
        for i, p in enumerate(parts)
    ]
    if disconnect:
        events = [{"type": "http.disconnect"}]
    received = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal received
        received += 1
        return events[received - 1] if received <= len(events) else {"type": "http.disconnect"}

    async def send(message: Any) -> None:
        sent.append(message)

    await app(scope, receive, send)
    if not sent:
        return None
    start, body = sent
    assert start["type"] == "http.response.start" and body["type"] == "http.response.body"
    head = {k.decode(): v.decode() for k, v in start["headers"]}
    assert head["content-type"] == "application/json"
    assert int(head["content-length"]) == len(body["body"])
    return Reply(start["status"], head, body["body"], received)


async def post(app: WebhookApp, body: bytes = BODY, *, event_id: str | None = None,
               at: float = NOW, secret: str = SECRET, **kw: Any) -> Reply:  # fmt: skip
    reply = await call(app, headers=sign(secret, body, at, event_id=event_id), chunks=[body], **kw)
    assert reply is not None
    return reply


async def test_a_signed_post_is_accepted_once_and_the_same_event_is_a_duplicate() -> None:
    memory = Memory()
    app = make_app(memory)
    first = await post(app, event_id="evt-1")
    assert (first.status, first.json()) == (202, {"inbound_id": 1})
    assert memory.calls == [("shopfront", "evt-1", BODY)]
    again = await post(app, b'{"changed": true}', event_id="evt-1")
    assert (again.status, again.json()) == (200, {"duplicate_of": 1})


async def test_without_an_event_id_the_same_body_is_the_duplicate() -> None:
    memory = Memory()
    app = make_app(memory)
    assert (await post(app)).json() == {"inbound_id": 1}
    assert memory.calls[0][1] is None
    assert (await post(app, at=NOW - 10)).json() == {"duplicate_of": 1}
    assert (await post(app, b"[1]")).json() == {"inbound_id": 3}


async def test_the_body_is_handed_on_byte_for_byte_when_it_comes_in_chunks() -> None:
    memory = Memory()
    body = b'  {"documents": [\n{"type": "sales_order"}]}\n'
    reply = await call(make_app(memory), headers=sign(SECRET, body, NOW),
                       chunks=[body[:5], b"", body[5:20], body[20:]])  # fmt: skip
    assert reply is not None and reply.status == 202
    assert memory.calls == [("shopfront", None, body)]


@pytest.mark.parametrize(
    ("secret", "body_sent", "detail"),
    [
        ("not-the-secret", BODY, "signature mismatch"),
        (SECRET, BODY + b" ", "signature mismatch"),  # signed one body, sent another
    ],
)
async def test_a_wrong_signature_is_401_and_nothing_is_accepted(
    secret: str, body_sent: bytes, detail: str
) -> None:
    memory = Memory()
    headers = sign(secret, BODY, NOW)
    reply = await call(make_app(memory), headers=headers, chunks=[body_sent])
    assert reply is not None
    assert (reply.status, reply.json()) == (
        401, {"error": "signature_mismatch", "detail": detail}
    )  # fmt: skip
    assert memory.calls == []


@pytest.mark.parametrize(
    ("at", "status", "start"),
    [
        (NOW - 300, 202, None),
        (NOW + 300, 202, None),
        (NOW - 301, 401, "timestamp too old: possible replay"),
        (NOW + 301, 401, "timestamp too far in the future"),
    ],
)
async def test_the_timestamp_must_be_within_the_partners_tolerance(
    at: float, status: int, start: str | None
) -> None:
    memory = Memory()
    reply = await post(make_app(memory), at=at)
    assert reply.status == status
    if start is not None:
        assert reply.json()["error"] == "timestamp_out_of_tolerance"
        assert reply.json()["detail"].startswith(start)
        assert memory.calls == []


async def test_a_replay_of_a_captured_request_after_the_tolerance_is_refused() -> None:
    memory = Memory()
    headers = sign(SECRET, BODY, NOW, event_id="evt-9")
    partners = {"shopfront": WebhookPartner(secret=SECRET, tolerance=60)}
    clock = [NOW]
    app = WebhookApp(partners, memory.accept, clock=lambda: clock[0])
    first = await call(app, headers=headers)
    assert first is not None and first.status == 202
    clock[0] = NOW + 61
    replay = await call(app, headers=headers)
    assert replay is not None and replay.status == 401
    assert len(memory.calls) == 1


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {SIGNATURE_HEADER: "sha256=" + "0" * 64},
        {**sign(SECRET, BODY, NOW), EVENT_HEADER: "x" * 201},
        {**sign(SECRET, BODY, NOW), SIGNATURE_HEADER: "deadbeef"},
    ],
)
async def test_missing_or_malformed_headers_are_400(headers: dict[str, str]) -> None:
    memory = Memory()
    reply = await call(make_app(memory), headers=headers)
    assert reply is not None and reply.status == 400
    assert reply.json()["error"] == "bad_header"
    assert reply.json()["detail"].startswith("X-Crossdock-")
    assert memory.calls == []


@pytest.mark.parametrize("body", [b"", b"hello", b"42", b'"text"', b'{"a": ', b"{} {}"])
async def test_a_body_that_is_not_a_json_object_or_array_is_400(body: bytes) -> None:
    memory = Memory()
    reply = await post(make_app(memory), body)
    assert (reply.status, reply.json()["error"]) == (400, "not_json")
    assert memory.calls == []


async def test_a_declared_length_over_the_limit_is_413_before_reading() -> None:
    memory = Memory()
    body = b"[" + b" " * 1100 + b"]"
    reply = await post(make_app(memory, max_body=1024), body)
    assert reply.status == 413
    assert reply.json() == {
        "error": "payload_too_large",
        "detail": "the body is over the limit of 1024 bytes: send fewer documents per request",
        "limit_bytes": 1024,
    }
    assert reply.receives == 0
    assert memory.calls == []


async def test_a_streamed_body_over_the_limit_stops_being_read_at_the_limit() -> None:
    memory = Memory()
    chunks = [b"[" + b" " * 499, b" " * 500, b" " * 500, b"]" * 10_000]
    reply = await call(make_app(memory, max_body=1024), headers=sign(SECRET, b"[]", NOW),
                       chunks=chunks, content_length=False)  # fmt: skip
    assert reply is not None and reply.status == 413
    assert reply.receives == 3  # the fourth chunk is never asked for
    assert memory.calls == []


async def test_a_body_of_exactly_the_limit_is_taken() -> None:
    memory = Memory()
    body = b"[" + b" " * 1022 + b"]"
    assert (await post(make_app(memory, max_body=1024), body)).status == 202


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
async def test_other_methods_are_405_with_allow_post(method: str) -> None:
    memory = Memory()
    reply = await call(make_app(memory), method=method, headers=sign(SECRET, BODY, NOW))
    assert reply is not None and reply.status == 405
    assert reply.headers["allow"] == "POST"
    assert memory.calls == []


@pytest.mark.parametrize(
    "path",
    ["/webhooks/acme", "/webhooks/", "/webhooks", "/webhooks/shopfront/x", "/", "/healthz"],
)
async def test_unknown_partners_and_other_paths_are_the_same_404(path: str) -> None:
    memory = Memory()
    reply = await call(make_app(memory), path, headers=sign(SECRET, BODY, NOW))
    assert reply is not None
    assert (reply.status, reply.json()) == (
        404, {"error": "not_found", "detail": "no webhook endpoint at this path"}
    )  # fmt: skip
    assert memory.calls == []


async def test_a_store_that_cannot_take_it_is_503_with_retry_after() -> None:
    memory = Memory(fail=TransientFailure("store closed"))
    reply = await post(make_app(memory))
    assert (reply.status, reply.json()["error"]) == (503, "unavailable")
    assert reply.headers["retry-after"] == "5"
    memory.fail = TransientFailure("busy", retry_after=0.2)
    assert (await post(make_app(memory))).headers["retry-after"] == "1"


async def test_a_bug_in_accept_is_a_bare_500_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    memory = Memory(fail=KeyError("oops"))
    with caplog.at_level(logging.INFO, logger="edge.http.webhooks"):
        reply = await post(make_app(memory), event_id="evt-5")
    assert (reply.status, reply.json()) == (500, {"error": "internal_error", "detail": None})
    [failed] = [r for r in caplog.records if r.msg == "webhook_handler_failed"]
    assert failed.exc_info is not None and failed.exc_info[0] is KeyError


async def test_a_client_gone_before_its_body_gets_no_answer() -> None:
    memory = Memory()
    assert await call(make_app(memory), headers=sign(SECRET, BODY, NOW), disconnect=True) is None
    assert memory.calls == []


async def test_each_request_is_one_log_line_without_the_signature(
    caplog: pytest.LogCaptureFixture,
) -> None:
    memory = Memory()
    headers = sign(SECRET, BODY, NOW, event_id="evt-7")
    with caplog.at_level(logging.INFO, logger="edge.http.webhooks"):
        await call(make_app(memory), headers=headers)
    [line] = [r for r in caplog.records if r.msg == "webhook_request"]
    fields = line.crossdock_fields  # type: ignore[attr-defined]
    assert fields["partner"] == "shopfront" and fields["event_id"] == "evt-7"
    assert fields["status"] == 202 and fields["inbound_id"] == 1
    assert headers[SIGNATURE_HEADER][7:] not in repr(fields)
    assert SECRET not in caplog.text


async def test_the_secret_is_not_in_the_partners_repr() -> None:
    assert SECRET not in repr(WebhookPartner(secret=SECRET))


async def test_lifespan_events_are_acknowledged() -> None:
    app = make_app(Memory())
    inbox = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent: list[Any] = []

    async def receive() -> Any:
        return inbox.pop(0)

    async def send(message: Any) -> None:
        sent.append(message["type"])

    await app({"type": "lifespan"}, receive, send)
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
