"""The two transports on httpx's MockTransport: request shapes, re-login, errors, detection.

No sockets: httpx.MockTransport answers in process, and deadlines run on trio's autojump
clock.
"""

from __future__ import annotations

import json
import logging
import pickle
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import trio

from contracts.errors import ConfigError, DeliveryRejected, TransientFailure
from edge.odoo import (
    ApiKey,
    DetectingTransport,
    Json2Transport,
    JsonRpcTransport,
    OdooAuthFailed,
    OdooServer,
    open_odoo_client,
    open_odoo_transport,
)

KEY = "k3y-that-must-never-leak-0123456789"
Handler = Callable[[httpx.Request], httpx.Response]


def server(protocol: str = "json2", **kw: Any) -> OdooServer:
    return OdooServer(
        url="http://odoo.test/",
        database="crossdock",
        api_key=ApiKey(KEY),
        login="bot",
        protocol=protocol,  # type: ignore[arg-type]
        timeout=5.0,
        **kw,
    )


def rpc_result(request: httpx.Request, result: Any) -> httpx.Response:
    envelope = json.loads(request.content)
    return httpx.Response(200, json={"jsonrpc": "2.0", "id": envelope["id"], "result": result})


def rpc_error(request: httpx.Request, name: str, code: int = 200) -> httpx.Response:
    envelope = json.loads(request.content)
    error = {
        "code": code,
        "message": "Odoo Server Error",
        "data": {"name": name, "message": f"{name} happened", "arguments": []},
    }
    return httpx.Response(200, json={"jsonrpc": "2.0", "id": envelope["id"], "error": error})


# -- JSON-2 ------------------------------------------------------------------------------------


async def test_json2_sends_named_arguments_with_bearer_key_and_database() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=[{"id": 1, "name": "YourCompany"}])

    async with open_odoo_transport(server(), http_transport=httpx.MockTransport(handler)) as t:
        assert isinstance(t, Json2Transport)
        rows = await t.call(
            "res.partner",
            "search_read",
            [[["is_company", "=", True]]],
            {"fields": ["name"]},
            context={"lang": "en_US"},
        )
    assert rows == [{"id": 1, "name": "YourCompany"}]
    [request] = seen
    assert request.method == "POST"
    assert request.url.path == "/json/2/res.partner/search_read"
    assert request.headers["authorization"] == f"bearer {KEY}"
    assert request.headers["x-odoo-database"] == "crossdock"
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {
        "domain": [["is_company", "=", True]],
        "fields": ["name"],
        "context": {"lang": "en_US"},
    }


async def test_json2_error_status_is_raised_as_ours() -> None:
    body = {"name": "odoo.exceptions.MissingError", "message": "Record does not exist"}

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json=body)

    async with open_odoo_transport(server(), http_transport=httpx.MockTransport(handler)) as t:
        with pytest.raises(DeliveryRejected) as caught:
            await t.call("sale.order", "read", kwargs={"fields": ["state"]}, ids=[99])
    assert caught.value.error_name == "odoo.exceptions.MissingError"
    assert caught.value.fields["method"] == "read"


@pytest.mark.parametrize("name", ["../x", "res partner", "Res.Partner"])
async def test_names_that_are_not_names_never_reach_a_url(name: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request may be sent")

    async with open_odoo_transport(server(), http_transport=httpx.MockTransport(handler)) as t:
        with pytest.raises(ValueError):
            await t.call(name, "search")
        with pytest.raises(ValueError):
            await t.call("res.partner", "_private")


# -- the HTTP seam -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raised", "reason"),
    [
        (httpx.ConnectError("refused"), "connect"),
        (httpx.ReadTimeout("slow"), "timeout"),
        (httpx.PoolTimeout("busy"), "timeout"),
        (httpx.RemoteProtocolError("peer closed connection"), "connection_lost"),
        (httpx.ReadError("reset"), "connection_lost"),
    ],
)
async def test_httpx_failures_become_transient_failures(raised: Exception, reason: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise raised

    async with open_odoo_transport(server(), http_transport=httpx.MockTransport(handler)) as t:
        with pytest.raises(TransientFailure) as caught:
            await t.call("res.partner", "search", kwargs={"domain": []})
    assert caught.value.fields["reason"] == reason
    assert caught.value.__cause__ is raised


async def test_the_deadline_covers_the_whole_call(autojump_clock: trio.testing.MockClock) -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        await trio.sleep_forever()
        raise AssertionError("unreachable")

    async with open_odoo_transport(server(), http_transport=httpx.MockTransport(handler)) as t:
        start = trio.current_time()
        with pytest.raises(TransientFailure) as caught:
            await t.call("res.partner", "search", kwargs={"domain": []})
    assert caught.value.fields["reason"] == "timeout"
    assert trio.current_time() - start == pytest.approx(5.0)


async def test_a_200_that_is_not_json_is_transient() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>maintenance</html>")

    async with open_odoo_transport(server(), http_transport=httpx.MockTransport(handler)) as t:
        with pytest.raises(TransientFailure, match="not JSON"):
            await t.call("res.partner", "search", kwargs={"domain": []})


# -- JSON-RPC -----------------------------------------------------------------------------------


class FakeRpc:
    """A scripted JSON-RPC server: ``execute`` decides each execute_kw's answer."""

    def __init__(self, execute: Callable[[httpx.Request, list[Any]], Any]) -> None:
        self.execute = execute
        self.logins: list[list[Any]] = []
        self.executed: list[list[Any]] = []
        self.uid_ok: Any = 2

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/jsonrpc"
        params = json.loads(request.content)["params"]
        if params["service"] == "common" and params["method"] == "authenticate":
            self.logins.append(params["args"])
            return rpc_result(request, self.uid_ok)
        if params["service"] == "common" and params["method"] == "version":
            return rpc_result(
                request,
                {"server_version": "17.0", "server_version_info": [17, 0, 0, "final", 0, ""]},
            )
        assert (params["service"], params["method"]) == ("object", "execute_kw")
        self.executed.append(params["args"])
        answer = self.execute(request, params["args"])
        if isinstance(answer, httpx.Response):
            return answer
        response: httpx.Response = await answer
        return response


def ok(result: Any) -> Callable[[httpx.Request, list[Any]], Any]:
    def execute(request: httpx.Request, args: list[Any]) -> httpx.Response:
        return rpc_result(request, result)

    return execute


async def test_jsonrpc_logs_in_once_then_executes_with_uid_and_key() -> None:
    fake = FakeRpc(ok([7]))
    async with open_odoo_transport(
        server("jsonrpc"), http_transport=httpx.MockTransport(fake)
    ) as t:
        assert isinstance(t, JsonRpcTransport)
        assert await t.call("res.partner", "search", kwargs={"domain": []}) == [7]
        assert await t.call("res.partner", "read", [["name"]], ids=[7], context={"a": 1}) == [7]
        assert (await t.version()).major == 17
    assert fake.logins == [["crossdock", "bot", KEY, {}]]
    assert fake.executed == [
        ["crossdock", 2, KEY, "res.partner", "search", [], {"domain": []}],
        ["crossdock", 2, KEY, "res.partner", "read", [[7], ["name"]], {"context": {"a": 1}}],
    ]


async def test_jsonrpc_refused_login_is_an_auth_failure() -> None:
    fake = FakeRpc(ok(True))
    fake.uid_ok = False
    async with open_odoo_transport(
        server("jsonrpc"), http_transport=httpx.MockTransport(fake)
    ) as t:
        with pytest.raises(OdooAuthFailed, match="'bot' on database 'crossdock'"):
            await t.call("res.partner", "search", kwargs={"domain": []})
    assert fake.executed == []


@pytest.mark.parametrize(
    ("name", "code"),
    [("odoo.http.SessionExpiredException", 100), ("odoo.exceptions.AccessDenied", 200)],
)
async def test_jsonrpc_logs_in_again_when_the_session_or_key_is_refused(
    name: str, code: int
) -> None:
    answers = iter(["refuse", "ok"])

    def execute(request: httpx.Request, args: list[Any]) -> httpx.Response:
        if next(answers) == "refuse":
            return rpc_error(request, name, code)
        return rpc_result(request, 42)

    fake = FakeRpc(execute)
    async with open_odoo_transport(
        server("jsonrpc"), http_transport=httpx.MockTransport(fake)
    ) as t:
        assert await t.call("res.partner", "create", kwargs={"vals_list": [{"name": "x"}]}) == 42
        assert isinstance(t, JsonRpcTransport) and t.authentications == 2


async def test_jsonrpc_access_denied_after_a_good_login_is_a_rejection() -> None:
    def execute(request: httpx.Request, args: list[Any]) -> httpx.Response:
        return rpc_error(request, "odoo.exceptions.AccessDenied")

    fake = FakeRpc(execute)
    async with open_odoo_transport(
        server("jsonrpc"), http_transport=httpx.MockTransport(fake)
    ) as t:
        with pytest.raises(DeliveryRejected) as caught:
            await t.call("res.partner", "search", kwargs={"domain": []})
    assert caught.value.error_name == "odoo.exceptions.AccessDenied"
    assert len(fake.logins) == 2 and len(fake.executed) == 2


async def test_concurrent_calls_refused_together_log_in_again_once() -> None:
    stale = {"generation": 2}
    refused = 0
    all_refused = trio.Event()

    async def execute(request: httpx.Request, args: list[Any]) -> httpx.Response:
        nonlocal refused
        if stale["generation"] == 1:
            refused += 1
            if refused == 3:
                all_refused.set()
            await all_refused.wait()
            return rpc_error(request, "odoo.http.SessionExpiredException", 100)
        return rpc_result(request, args[4])

    fake = FakeRpc(execute)
    original = fake.__call__

    async def counting(request: httpx.Request) -> httpx.Response:
        params = json.loads(request.content)["params"]
        if params["method"] == "authenticate" and fake.logins:
            stale["generation"] = 2
        return await original(request)

    results: list[Any] = []
    async with open_odoo_transport(
        server("jsonrpc"), http_transport=httpx.MockTransport(counting)
    ) as t:
        assert isinstance(t, JsonRpcTransport)
        await t.call("res.partner", "search_count", kwargs={"domain": []})  # logs in first
        stale["generation"] = 1
        async with trio.open_nursery() as nursery:
            for method in ("search", "read", "search_read"):
                nursery.start_soon(_collect, results, t, method)
    assert sorted(results) == ["read", "search", "search_read"]
    assert len(fake.logins) == 2  # the first login, and one more for all three calls


async def _collect(results: list[Any], transport: JsonRpcTransport, method: str) -> None:
    results.append(await transport.call("res.partner", method, ids=[1]))


async def test_jsonrpc_needs_a_login_in_the_settings() -> None:
    settings = OdooServer(
        url="http://odoo.test", database="d", api_key=ApiKey(KEY), protocol="jsonrpc"
    )
    with pytest.raises(ConfigError) as caught:
        async with open_odoo_transport(settings):
            pass
    assert caught.value.path == "$.odoo.login"


# -- detection ---------------------------------------------------------------------------------


def versions(web: httpx.Response | None, webclient: Any = None) -> tuple[Handler, list[str]]:
    paths: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path)
        if request.url.path == "/web/version":
            return web or httpx.Response(404, text="<title>404 Not Found</title>")
        if request.url.path == "/web/webclient/version_info":
            return rpc_result(request, webclient)
        if request.url.path.startswith("/json/2/"):
            return httpx.Response(200, json="json2 answered")
        return rpc_result(
            request, "jsonrpc answered" if "execute_kw" in str(request.content) else 2
        )

    return handler, paths


@pytest.mark.parametrize(
    ("web", "webclient", "protocol", "major"),
    [
        (
            httpx.Response(
                200, json={"version_info": [19, 0, 0, "final", 0, ""], "version": "19.0"}
            ),
            None,
            "json2",
            19,
        ),
        (
            httpx.Response(
                200,
                json={"version_info": ["saas~18", 4, 0, "final", 0, ""], "version": "saas~18.4"},
            ),
            None,
            "jsonrpc",
            18,
        ),
        (
            httpx.Response(
                200, json={"version_info": [17, 0, 0, "final", 0, ""], "version": "17.0"}
            ),
            None,
            "jsonrpc",
            17,
        ),
        (
            None,
            {"server_version": "12.0", "server_version_info": [12, 0, 0, "final", 0, ""]},
            "jsonrpc",
            12,
        ),
    ],
)
async def test_auto_detection_asks_once_and_picks_by_major_version(
    web: httpx.Response | None, webclient: Any, protocol: str, major: int
) -> None:
    handler, paths = versions(web, webclient)
    async with open_odoo_transport(
        server("auto"), http_transport=httpx.MockTransport(handler)
    ) as t:
        assert isinstance(t, DetectingTransport)
        assert t.protocol == "auto" and paths == []  # nothing asked before the first call
        first = await t.call("res.partner", "search", kwargs={"domain": []})
        second = await t.call("res.partner", "search", kwargs={"domain": []})
        assert str(t.protocol) == protocol
        assert t.detected_version is not None and t.detected_version.major == major
    assert first == second == ("json2 answered" if protocol == "json2" else "jsonrpc answered")
    assert paths.count("/web/version") == 1


async def test_detection_failure_is_transient_and_retried_next_call() -> None:
    calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] == 1:
            raise httpx.ConnectError("odoo is down")
        if request.url.path == "/web/version":
            return httpx.Response(200, json={"version_info": [19, 0], "version": "19.0"})
        return httpx.Response(200, json=[1])

    async with open_odoo_transport(
        server("auto"), http_transport=httpx.MockTransport(handler)
    ) as t:
        with pytest.raises(TransientFailure):
            await t.call("res.partner", "search", kwargs={"domain": []})
        assert await t.call("res.partner", "search", kwargs={"domain": []}) == [1]


# -- the key stays secret -------------------------------------------------------------------------


async def test_the_api_key_appears_in_no_log_repr_or_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    errors: list[BaseException] = []

    def handler(request: httpx.Request) -> httpx.Response:
        params = json.loads(request.content).get("params", {}) if request.content else {}
        if params.get("method") == "authenticate":
            return rpc_result(request, 2)
        if request.url.path == "/jsonrpc":
            return rpc_error(request, "odoo.exceptions.ValidationError")
        return httpx.Response(
            401, json={"name": "werkzeug.exceptions.Unauthorized", "message": "Invalid apikey"}
        )

    for protocol in ("json2", "jsonrpc"):
        settings = server(protocol)
        async with open_odoo_client(
            settings, http_transport=httpx.MockTransport(handler)
        ) as client:
            try:
                await client.create_once("sale.order", "k1", {"name": "x"})
            except (DeliveryRejected, TransientFailure) as exc:
                errors.append(exc)
            texts = [repr(settings), str(settings), repr(client), repr(client.transport)]
        assert all(KEY not in text for text in texts)
    assert len(errors) == 2
    for error in errors:
        assert KEY not in str(error) and KEY not in repr(error)
        assert KEY not in repr(error.__dict__)
    assert KEY not in caplog.text
    with pytest.raises(TypeError):
        pickle.dumps(ApiKey(KEY))
    assert KEY not in repr(ApiKey(KEY)) and KEY not in str(ApiKey(KEY))


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"url": "ftp://x"}, "$.odoo.url"),
        ({"url": "http://"}, "$.odoo.url"),
        ({"database": ""}, "$.odoo.database"),
        ({"timeout": 0}, "$.odoo.timeout"),
        ({"max_connections": 0}, "$.odoo.max_connections"),
        ({"protocol": "xmlrpc"}, "$.odoo.protocol"),
        ({"api_key": "plain string"}, "$.odoo.api_key"),
    ],
)
def test_settings_are_checked(changes: dict[str, Any], path: str) -> None:
    values: dict[str, Any] = {"url": "http://odoo.test", "database": "d", "api_key": ApiKey(KEY)}
    values.update(changes)
    with pytest.raises(ConfigError) as caught:
        OdooServer(**values)
    assert caught.value.path == path


def test_any_secret_with_reveal_is_accepted() -> None:
    class Secret:
        def reveal(self) -> str:
            return KEY

    settings = OdooServer(url="http://odoo.test", database="d", api_key=Secret())
    assert settings.api_key.reveal() == KEY
