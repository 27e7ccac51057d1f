"""The admin API through hypercorn on 127.0.0.1, port 0, talked to with httpx.

Each test runs the real server inside its own nursery and cancels it at the end, which also
exercises the graceful shutdown path every time.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

import httpx
import pytest
import trio
import trio.testing

from contracts.errors import ConfigError
from gateway.admin import (
    DEFAULT_BIND,
    OPEN,
    AdminApp,
    AdminToken,
    Request,
    Response,
    Role,
    Router,
    create_admin_app,
    json_response,
    serve_admin,
)

READ_VALUE = "read-token-0123456789"
OPERATE_VALUE = "operate-token-0123456789"
TOKENS = [
    AdminToken("monitoring", Role.READ, READ_VALUE),
    AdminToken("ops-alice", Role.OPERATE, OPERATE_VALUE),
]
STATUS = {
    "tree": {"name": "root", "state": "running", "children": []},
    "store": {"dead_letters": 0},
}


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


class Readiness:
    """The root's readiness, flipped by the test."""

    def __init__(self) -> None:
        self.reasons = ["store not open", "supervision tree starting"]

    def __call__(self) -> list[str]:
        return self.reasons


def make_app(ready: Readiness | None = None, routers: list[Router] | None = None) -> AdminApp:
    return create_admin_app(
        TOKENS,
        ready=ready or (lambda: []),
        status=lambda: STATUS,
        routers=routers or [],
        max_body_bytes=64,
    )


@asynccontextmanager
async def running(app: AdminApp) -> AsyncIterator[httpx.AsyncClient]:
    async with trio.open_nursery() as nursery:
        url: str = await nursery.start(partial(serve_admin, app, "127.0.0.1:0"))
        async with httpx.AsyncClient(base_url=url) as client:
            yield client
        nursery.cancel_scope.cancel()


async def test_reports_the_real_loopback_address() -> None:
    async with trio.open_nursery() as nursery:
        url: str = await nursery.start(partial(serve_admin, make_app(), "127.0.0.1:0"))
        host, port = url.removeprefix("http://").rsplit(":", 1)
        assert host == "127.0.0.1"
        assert int(port) > 0
        async with httpx.AsyncClient() as client:
            assert (await client.get(f"{url}/healthz")).status_code == 200
        nursery.cancel_scope.cancel()
    assert DEFAULT_BIND.startswith("127.0.0.1:")


async def test_health_endpoints_are_open_and_readyz_follows_the_callable() -> None:
    ready = Readiness()
    async with running(make_app(ready)) as client:
        alive = await client.get("/healthz")
        assert (alive.status_code, alive.json()) == (200, {"status": "alive"})
        not_ready = await client.get("/readyz")
        assert not_ready.status_code == 503
        assert not_ready.json() == {
            "status": "not_ready",
            "reasons": ["store not open", "supervision tree starting"],
        }
        ready.reasons = []
        now_ready = await client.get("/readyz")
        assert (now_ready.status_code, now_ready.json()) == (200, {"status": "ready"})


async def test_status_needs_a_read_token() -> None:
    async with running(make_app()) as client:
        missing = await client.get("/status")
        assert missing.status_code == 401
        assert missing.headers["www-authenticate"].startswith("Bearer")
        assert missing.json()["error"] == "unauthorized"

        wrong = await client.get("/status", headers=bearer("guessed-token-9876543210"))
        assert wrong.status_code == 401
        assert 'error="invalid_token"' in wrong.headers["www-authenticate"]

        read = await client.get("/status", headers=bearer(READ_VALUE))
        assert (read.status_code, read.json()) == (200, STATUS)

        operate = await client.get("/status", headers=bearer(OPERATE_VALUE))  # operate ⊇ read
        assert (operate.status_code, operate.json()) == (200, STATUS)


async def test_registered_operate_route_with_path_parameter_gets_the_token_name() -> None:
    replays: list[tuple[int, str | None]] = []
    feature = Router()

    @feature.route("POST", "/api/dead-letters/{id:int}/replay", role=Role.OPERATE)
    async def replay(request: Request) -> Response:
        replays.append((request.params["id"], request.token_name))
        return json_response({"replayed": request.params["id"], "by": request.token_name})

    async with running(make_app(routers=[feature])) as client:
        path = "/api/dead-letters/42/replay"
        assert (await client.post(path)).status_code == 401
        forbidden = await client.post(path, headers=bearer(READ_VALUE))
        assert forbidden.status_code == 403
        assert forbidden.json()["detail"] == {"required_role": "operate", "token_role": "read"}
        done = await client.post(path, headers=bearer(OPERATE_VALUE))
        assert (done.status_code, done.json()) == (200, {"replayed": 42, "by": "ops-alice"})
        assert (await client.post("/api/dead-letters/x/replay")).status_code == 404
    assert replays == [(42, "ops-alice")]


async def test_404_and_405_are_json() -> None:
    async with running(make_app()) as client:
        missing = await client.get("/nowhere")
        assert (missing.status_code, missing.json()["error"]) == (404, "not_found")
        wrong_method = await client.delete("/healthz")
        assert (wrong_method.status_code, wrong_method.json()["error"]) == (
            405,
            "method_not_allowed",
        )
        assert wrong_method.headers["allow"] == "GET, HEAD"
        too_big = await client.post("/status", headers=bearer(READ_VALUE), content=b"x" * 65)
        assert too_big.status_code == 405  # routing comes before the size check


async def test_request_body_limit() -> None:
    echo = Router()

    @echo.route("POST", "/api/echo", role=Role.READ)
    async def handler(request: Request) -> Response:
        return json_response({"size": len(request.body)})

    async with running(make_app(routers=[echo])) as client:
        fits = await client.post("/api/echo", headers=bearer(READ_VALUE), content=b"x" * 64)
        assert (fits.status_code, fits.json()) == (200, {"size": 64})
        too_big = await client.post("/api/echo", headers=bearer(READ_VALUE), content=b"x" * 65)
        assert too_big.status_code == 413
        assert too_big.json() == {"error": "payload_too_large", "detail": {"limit_bytes": 64}}


async def test_access_log_names_the_token_and_never_shows_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="gateway.admin"):
        async with running(make_app()) as client:
            await client.get("/status", headers=bearer(READ_VALUE))
            await client.get("/status", headers=bearer("guessed-token-9876543210"))
    lines: list[Any] = [r.crossdock_fields for r in caplog.records if r.msg == "admin_request"]  # type: ignore[attr-defined]
    assert [(f["path"], f["status"], f["token_name"]) for f in lines] == [
        ("/status", 200, "monitoring"),
        ("/status", 401, None),
    ]
    assert READ_VALUE not in caplog.text
    assert "guessed-token-9876543210" not in caplog.text


async def test_cancelling_lets_the_request_in_flight_finish_then_stops() -> None:
    entered, release = trio.Event(), trio.Event()
    slow = Router()

    @slow.route("GET", "/api/slow", role=Role.READ)
    async def handler(request: Request) -> Response:
        entered.set()
        await release.wait()
        return json_response({"finished": True})

    app = make_app(routers=[slow])
    responses: list[httpx.Response] = []
    stopped = trio.Event()
    server_scope = trio.CancelScope()

    async def server(task_status: trio.TaskStatus[str]) -> None:
        with server_scope:
            await serve_admin(app, "127.0.0.1:0", task_status=task_status)
        stopped.set()

    async with trio.open_nursery() as nursery:
        url: str = await nursery.start(server)

        async def in_flight() -> None:
            async with httpx.AsyncClient(base_url=url) as client:
                responses.append(await client.get("/api/slow", headers=bearer(READ_VALUE)))

        nursery.start_soon(in_flight)
        await entered.wait()
        server_scope.cancel()  # what the root does on SIGTERM
        await trio.testing.wait_all_tasks_blocked()
        assert not stopped.is_set()  # still draining: the handler has not answered yet
        release.set()
        await stopped.wait()

    assert [(r.status_code, r.json()) for r in responses] == [(200, {"finished": True})]
    async with httpx.AsyncClient() as client:
        with pytest.raises(httpx.ConnectError):
            await client.get(f"{url}/healthz")


async def test_an_address_in_use_is_a_config_error() -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        with pytest.raises(ConfigError) as caught:
            await serve_admin(make_app(), f"127.0.0.1:{port}")
    assert caught.value.path == "$.admin.bind"
    assert f"127.0.0.1:{port}" in str(caught.value)


async def test_a_stuck_handler_cannot_hold_up_shutdown(
    autojump_clock: trio.testing.MockClock,
) -> None:
    # Virtual time: the 2 s grace period passes without waiting for it.
    entered, handler_cancelled = trio.Event(), trio.Event()
    stuck = Router()

    @stuck.route("GET", "/api/stuck", role=OPEN)
    async def handler(request: Request) -> Response:
        entered.set()
        try:
            await trio.sleep_forever()
        finally:
            handler_cancelled.set()

    outcome: list[BaseException] = []
    async with trio.open_nursery() as nursery:
        server_scope = trio.CancelScope()

        async def server(task_status: trio.TaskStatus[str]) -> None:
            with server_scope:
                await serve_admin(
                    make_app(routers=[stuck]),
                    "127.0.0.1:0",
                    graceful_timeout=2.0,
                    task_status=task_status,
                )

        url: str = await nursery.start(server)

        async def in_flight() -> None:
            async with httpx.AsyncClient(base_url=url, timeout=None) as client:
                try:
                    await client.get("/api/stuck")
                except httpx.TransportError as err:
                    outcome.append(err)

        nursery.start_soon(in_flight)
        await entered.wait()
        server_scope.cancel()
    assert handler_cancelled.is_set()
    assert len(outcome) == 1  # the client saw the connection close, not an answer


async def test_cancelled_while_starting_still_stops(autojump_clock: trio.testing.MockClock) -> None:
    # The root may be told to stop while the admin server is still binding; the shielded
    # server must still be told to shut down. (fail_after is virtual time: it only fires
    # if serve_admin hangs.)
    with trio.fail_after(60):
        with trio.CancelScope() as scope:
            scope.cancel()
            await serve_admin(make_app(), "127.0.0.1:0")
    assert scope.cancelled_caught
