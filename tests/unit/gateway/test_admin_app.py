"""The admin ASGI app called directly with ASGI events: no socket, no server.

The same behaviour through hypercorn on a real port is in
tests/integration/test_admin_server.py; here each rule (auth order, size limit, error
shapes, access log) is checked in isolation.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from typing import Any

import msgspec
import pytest

from gateway.admin import (
    OPEN,
    AdminApp,
    AdminToken,
    HTTPError,
    Request,
    Response,
    Role,
    Router,
    create_admin_app,
    json_response,
)

READ_VALUE = "read-token-0123456789"
OPERATE_VALUE = "operate-token-0123456789"
TOKENS = [
    AdminToken("monitoring", Role.READ, READ_VALUE),
    AdminToken("ops", Role.OPERATE, OPERATE_VALUE),
]


class Reply(msgspec.Struct):
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


async def call(
    app: AdminApp,
    method: str,
    path: str,
    *,
    token: str | None = None,
    headers: Sequence[tuple[str, str]] = (),
    chunks: Iterable[bytes] = (b"",),
    query: bytes = b"",
    disconnect: bool = False,
) -> Reply | None:
    all_headers = list(headers)
    if token is not None:
        all_headers.append(("Authorization", f"Bearer {token}"))
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": query,
        "headers": [(k.lower().encode(), v.encode()) for k, v in all_headers],
        "client": ("127.0.0.1", 50000),
    }
    pieces = list(chunks)
    inbox: list[dict[str, Any]] = [
        {"type": "http.request", "body": piece, "more_body": i < len(pieces) - 1}
        for i, piece in enumerate(pieces)
    ]
    if disconnect:
        inbox = inbox[:1]
        inbox[0]["more_body"] = True
        inbox.append({"type": "http.disconnect"})
    sent: list[Any] = []

    async def receive() -> Any:
        return inbox.pop(0)

    async def send(message: Any) -> None:
        sent.append(message)

    await app(scope, receive, send)
    if not sent:
        return None
    assert sent[0]["type"] == "http.response.start"
    hdrs = {k.decode(): v.decode() for k, v in sent[0]["headers"]}
    body = b"".join(m.get("body", b"") for m in sent[1:])
    assert int(hdrs["content-length"]) == len(body)
    return Reply(sent[0]["status"], hdrs, body)


async def reply(app: AdminApp, method: str, path: str, **kwargs: Any) -> Reply:
    result = await call(app, method, path, **kwargs)
    assert result is not None
    return result


class Item(msgspec.Struct):
    sku: str
    qty: int


def make_app(ready: list[str] | None = None, max_body_bytes: int = 1024) -> AdminApp:
    feature = Router()

    @feature.route("POST", "/api/dead-letters/{id:int}/replay", role=Role.OPERATE)
    async def replay(request: Request) -> Response:
        assert "authorization" not in request.headers  # the name, never the credential
        return json_response(
            {"id": request.params["id"], "by": request.token_name, "note": request.arg("note")}
        )

    @feature.route("POST", "/api/items", role=Role.READ)
    async def items(request: Request) -> Response:
        item = request.json(Item)
        return json_response({"sku": item.sku, "qty": item.qty, "size": len(request.body)})

    @feature.route("GET", "/api/missing/{id:int}", role=Role.READ)
    async def missing(request: Request) -> Response:
        raise HTTPError(404, "no_such_dead_letter", detail={"id": request.params["id"]})

    @feature.route("GET", "/api/bug", role=OPEN)
    async def bug(request: Request) -> Response:
        raise RuntimeError(f"internal detail {OPERATE_VALUE}")

    return create_admin_app(
        TOKENS,
        ready=lambda: ready or [],
        status=lambda: {"tree": {"name": "root", "state": "running"}},
        routers=[feature],
        max_body_bytes=max_body_bytes,
    )


async def test_health_is_open() -> None:
    result = await reply(make_app(), "GET", "/healthz")
    assert (result.status, result.json()) == (200, {"status": "alive"})
    assert result.headers["content-type"] == "application/json"
    assert result.headers["cache-control"] == "no-store"


async def test_readyz_lists_reasons_sorted() -> None:
    result = await reply(make_app(ready=["tree starting", "store not open"]), "GET", "/readyz")
    assert result.status == 503
    assert result.json() == {"status": "not_ready", "reasons": ["store not open", "tree starting"]}


async def test_readyz_accepts_async_checks_and_treats_a_failing_check_as_not_ready(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def ready() -> list[str]:
        return []

    def broken() -> list[str]:
        raise KeyError("store")

    app = create_admin_app(TOKENS, ready=ready, status=dict)
    assert (await reply(app, "GET", "/readyz")).status == 200
    app = create_admin_app(TOKENS, ready=broken, status=dict)
    result = await reply(app, "GET", "/readyz")
    assert result.status == 503
    assert result.json()["reasons"] == ["readiness check failed: KeyError"]
    assert "readiness_check_failed" in [r.msg for r in caplog.records]


async def test_status_needs_read_and_encodes_with_msgspec() -> None:
    class Node(msgspec.Struct):
        name: str
        restarts: int

    async def status() -> dict[str, Any]:
        return {"tree": Node("root", 2)}

    app = create_admin_app(TOKENS, ready=list, status=status)
    assert (await reply(app, "GET", "/status")).status == 401
    result = await reply(app, "GET", "/status", token=READ_VALUE)
    assert (result.status, result.json()) == (200, {"tree": {"name": "root", "restarts": 2}})


async def test_missing_token_is_401_with_bearer_challenge() -> None:
    result = await reply(make_app(), "GET", "/status")
    assert result.status == 401
    assert result.headers["www-authenticate"] == 'Bearer realm="crossdock"'
    assert result.json() == {"error": "unauthorized", "detail": "a bearer token is required"}


async def test_unknown_token_is_401_invalid_token() -> None:
    result = await reply(make_app(), "GET", "/status", token="not-a-configured-token")
    assert result.status == 401
    assert 'error="invalid_token"' in result.headers["www-authenticate"]
    assert result.json()["error"] == "unauthorized"


async def test_read_token_on_operate_route_is_403() -> None:
    result = await reply(make_app(), "POST", "/api/dead-letters/3/replay", token=READ_VALUE)
    assert result.status == 403
    assert result.json() == {
        "error": "forbidden",
        "detail": {"required_role": "operate", "token_role": "read"},
    }
    assert 'error="insufficient_scope"' in result.headers["www-authenticate"]


async def test_operate_implies_read_and_the_handler_gets_the_token_name() -> None:
    app = make_app()
    assert (await reply(app, "GET", "/status", token=OPERATE_VALUE)).status == 200
    result = await reply(
        app, "POST", "/api/dead-letters/42/replay", token=OPERATE_VALUE, query=b"note=x%20y"
    )
    assert (result.status, result.json()) == (200, {"id": 42, "by": "ops", "note": "x y"})


async def test_route_is_checked_before_the_token() -> None:
    app = make_app()
    assert (await reply(app, "GET", "/api/nothing")).status == 404
    result = await reply(app, "GET", "/api/dead-letters/3/replay")
    assert result.status == 405
    assert result.headers["allow"] == "POST"
    assert result.json()["error"] == "method_not_allowed"


async def test_body_is_decoded_and_validated() -> None:
    app = make_app()
    body = b'{"sku": "A-1", "qty": 3}'
    result = await reply(app, "POST", "/api/items", token=READ_VALUE, chunks=[body[:5], body[5:]])
    assert result.json() == {"sku": "A-1", "qty": 3, "size": len(body)}
    result = await reply(app, "POST", "/api/items", token=READ_VALUE, chunks=[b'{"sku": 1}'])
    assert result.status == 400
    assert result.json()["error"] == "invalid_body"
    assert "$.sku" in result.json()["detail"]
    result = await reply(app, "POST", "/api/items", token=READ_VALUE, chunks=[b"{"])
    assert (result.status, result.json()["error"]) == (400, "invalid_json")


async def test_declared_body_over_the_limit_is_413_before_reading() -> None:
    result = await reply(
        make_app(max_body_bytes=10),
        "POST",
        "/api/items",
        token=READ_VALUE,
        headers=[("content-length", "11")],
        chunks=[],  # nothing to read: the app must not even try
    )
    assert result.status == 413
    assert result.json() == {"error": "payload_too_large", "detail": {"limit_bytes": 10}}


async def test_streamed_body_over_the_limit_is_413() -> None:
    app = make_app(max_body_bytes=10)
    result = await reply(app, "POST", "/api/items", token=READ_VALUE, chunks=[b"x" * 6] * 2)
    assert result.status == 413
    result = await reply(
        app, "POST", "/api/items", token=READ_VALUE, headers=[("content-length", "ten")]
    )
    assert (result.status, result.json()["error"]) == (400, "bad_request")


async def test_handler_http_error_becomes_its_json_error() -> None:
    result = await reply(make_app(), "GET", "/api/missing/9", token=READ_VALUE)
    assert (result.status, result.json()) == (
        404,
        {"error": "no_such_dead_letter", "detail": {"id": 9}},
    )


async def test_a_bug_is_a_bare_500_and_a_logged_traceback(caplog: pytest.LogCaptureFixture) -> None:
    result = await reply(make_app(), "GET", "/api/bug")
    assert (result.status, result.json()) == (500, {"error": "internal_error", "detail": None})
    assert OPERATE_VALUE.encode() not in result.body
    failed = [r for r in caplog.records if r.msg == "admin_handler_failed"]
    assert len(failed) == 1
    assert failed[0].exc_info is not None
    assert failed[0].crossdock_fields["error_type"] == "RuntimeError"  # type: ignore[attr-defined]


async def test_client_gone_mid_body_gets_no_response() -> None:
    result = await call(make_app(), "POST", "/api/items", token=READ_VALUE, disconnect=True)
    assert result is None


async def test_access_log_has_token_name_never_token(caplog: pytest.LogCaptureFixture) -> None:
    app = make_app()
    with caplog.at_level(logging.DEBUG, logger="gateway.admin"):
        await reply(app, "POST", "/api/dead-letters/5/replay", token=OPERATE_VALUE, query=b"a=b")
        await reply(app, "GET", "/status", token="wrong-token-value-xyz")
        await reply(app, "GET", "/healthz")
    lines = [r for r in caplog.records if r.msg == "admin_request"]
    fields = [r.crossdock_fields for r in lines]  # type: ignore[attr-defined]
    assert [(f["method"], f["path"], f["status"], f["token_name"]) for f in fields] == [
        ("POST", "/api/dead-letters/5/replay", 200, "ops"),
        ("GET", "/status", 401, None),
        ("GET", "/healthz", 200, None),
    ]
    assert [r.levelno for r in lines] == [logging.INFO, logging.INFO, logging.DEBUG]
    assert all(isinstance(f["duration_ms"], float) for f in fields)
    assert fields[0]["route"] == "/api/dead-letters/{id:int}/replay"
    assert OPERATE_VALUE not in caplog.text
    assert "wrong-token-value-xyz" not in caplog.text
    assert "a=b" not in str(fields)


async def test_lifespan_is_acknowledged() -> None:
    inbox = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent: list[Any] = []

    async def receive() -> Any:
        return inbox.pop(0)

    async def send(message: Any) -> None:
        sent.append(message)

    await make_app()({"type": "lifespan"}, receive, send)
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
