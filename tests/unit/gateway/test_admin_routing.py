"""gateway.admin route table and bearer-token authentication, without a server."""

from __future__ import annotations

import hmac

import pytest

from contracts.errors import ConfigError
from gateway.admin import (
    OPEN,
    AdminToken,
    HTTPError,
    Principal,
    Request,
    Response,
    Role,
    Router,
    TokenAuthenticator,
    json_response,
)

READ_VALUE = "read-token-0123456789"
OPERATE_VALUE = "operate-token-0123456789"


async def ok(request: Request) -> Response:
    return json_response({"ok": True})


class Secret:
    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value


# --- routing -------------------------------------------------------------------------------


def test_path_parameters_are_matched_and_converted() -> None:
    router = Router()
    router.add("GET", "/api/dead-letters/{id:int}", ok, role=Role.READ)
    router.add("GET", "/api/trace/{partner}/{ref:path}", ok, role=Role.READ)
    match = router.match("GET", "/api/dead-letters/42")
    assert match.params == {"id": 42}
    assert match.route.role is Role.READ
    match = router.match("GET", "/api/trace/acme/inbox/PO1.edi")
    assert match.params == {"partner": "acme", "ref": "inbox/PO1.edi"}


def test_an_int_parameter_does_not_match_words() -> None:
    router = Router()
    router.add("GET", "/api/dead-letters/{id:int}", ok, role=Role.READ)
    with pytest.raises(HTTPError) as caught:
        router.match("GET", "/api/dead-letters/abc")
    assert caught.value.status == 404


def test_a_str_parameter_is_one_segment() -> None:
    router = Router()
    router.add("GET", "/api/partners/{id}", ok, role=Role.READ)
    with pytest.raises(HTTPError) as caught:
        router.match("GET", "/api/partners/acme/extra")
    assert caught.value.status == 404


def test_unknown_path_is_404_and_wrong_method_is_405_with_allow() -> None:
    router = Router()
    router.add("GET", "/status", ok, role=Role.READ)
    router.add("DELETE", "/status", ok, role=Role.OPERATE)
    with pytest.raises(HTTPError) as caught:
        router.match("GET", "/nowhere")
    assert (caught.value.status, caught.value.error) == (404, "not_found")
    with pytest.raises(HTTPError) as caught:
        router.match("POST", "/status")
    assert (caught.value.status, caught.value.error) == (405, "method_not_allowed")
    assert dict(caught.value.headers) == {"allow": "DELETE, GET, HEAD"}


def test_head_is_answered_by_get_unless_registered() -> None:
    async def head(request: Request) -> Response:
        return Response(204)

    router = Router()
    router.add("GET", "/a", ok, role=OPEN)
    router.add("GET", "/b", ok, role=OPEN)
    router.add("HEAD", "/b", head, role=OPEN)
    assert router.match("HEAD", "/a").route.handler is ok
    assert router.match("head", "/b").route.handler is head


def test_decorator_and_include_register_routes() -> None:
    feature = Router()

    @feature.route("POST", "/api/dead-letters/{id:int}/replay", role=Role.OPERATE)
    async def replay(request: Request) -> Response:
        return json_response({})

    app_router = Router()
    app_router.include(feature)
    match = app_router.match("POST", "/api/dead-letters/7/replay")
    assert match.route.handler is replay
    assert match.route.role is Role.OPERATE


def test_the_same_route_twice_is_refused() -> None:
    router = Router()
    router.add("GET", "/status", ok, role=Role.READ)
    with pytest.raises(ValueError, match="already registered"):
        router.add("get", "/status", ok, role=Role.READ)
    other = Router()
    other.add("GET", "/status", ok, role=OPEN)
    with pytest.raises(ValueError, match="already registered"):
        router.include(other)


@pytest.mark.parametrize(
    "pattern",
    [
        "status",
        "/a/{id}/{id}",
        "/a/{rest:path}/b",
        "/a/{id",
        "/a/{id:uuid}",
        "/a/{}",
        "/a/{1x}",
    ],
)
def test_malformed_patterns_are_refused(pattern: str) -> None:
    with pytest.raises(ValueError):
        Router().add("GET", pattern, ok, role=OPEN)


def test_role_must_be_a_role_and_method_known() -> None:
    with pytest.raises(TypeError):
        Router().add("GET", "/x", ok, role="read")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="method"):
        Router().add("BREW", "/x", ok, role=OPEN)


# --- authentication ------------------------------------------------------------------------


def authenticator() -> TokenAuthenticator:
    return TokenAuthenticator(
        [
            AdminToken("monitoring", Role.READ, READ_VALUE),
            AdminToken("ops", Role.OPERATE, Secret(OPERATE_VALUE)),
        ]
    )


def test_bearer_tokens_resolve_to_their_name_and_role() -> None:
    auth = authenticator()
    assert auth.authenticate(f"Bearer {READ_VALUE}") == Principal("monitoring", Role.READ)
    assert auth.authenticate(f"bearer   {OPERATE_VALUE} ") == Principal("ops", Role.OPERATE)
    assert auth.names == ["monitoring", "ops"]


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        f"Basic {READ_VALUE}",
        f"Bearer {READ_VALUE}x",
        f"Bearer {READ_VALUE[:-1]}",
        "Bearer \udcff\udcfe",
    ],
)
def test_missing_malformed_or_unknown_tokens_are_refused(header: str | None) -> None:
    assert authenticator().authenticate(header) is None


def test_every_token_is_compared_even_after_a_match(monkeypatch: pytest.MonkeyPatch) -> None:
    auth = authenticator()
    calls: list[int] = []
    real = hmac.compare_digest

    def counting(a: bytes, b: bytes) -> bool:
        calls.append(1)
        return real(a, b)

    monkeypatch.setattr("gateway.admin._auth.hmac.compare_digest", counting)
    assert auth.authenticate(f"Bearer {READ_VALUE}") is not None  # matches the first token
    assert len(calls) == 2


def test_role_hierarchy() -> None:
    assert Role.OPERATE.covers(Role.READ)
    assert Role.OPERATE.covers(Role.OPERATE)
    assert Role.READ.covers(Role.READ)
    assert not Role.READ.covers(Role.OPERATE)
    assert Role("read") is Role.READ


def test_token_value_stays_out_of_repr() -> None:
    token = AdminToken("ops", Role.OPERATE, OPERATE_VALUE)
    assert OPERATE_VALUE not in repr(token)
    assert "ops" in repr(token)


@pytest.mark.parametrize(
    ("tokens", "path"),
    [
        ([AdminToken("short", Role.READ, "too-short")], "$.admin.tokens[0].value"),
        ([AdminToken("ws", Role.READ, f" {READ_VALUE}")], "$.admin.tokens[0].value"),
        ([AdminToken("", Role.READ, READ_VALUE)], "$.admin.tokens[0].name"),
        (
            [AdminToken("a", Role.READ, READ_VALUE), AdminToken("a", Role.READ, OPERATE_VALUE)],
            "$.admin.tokens[1].name",
        ),
        (
            [AdminToken("a", Role.READ, READ_VALUE), AdminToken("b", Role.OPERATE, READ_VALUE)],
            "$.admin.tokens[1].value",
        ),
        ([AdminToken("a", "admin", READ_VALUE)], "$.admin.tokens[0].role"),  # type: ignore[arg-type]
    ],
)
def test_bad_token_configuration_is_a_config_error(tokens: list[AdminToken], path: str) -> None:
    with pytest.raises(ConfigError) as caught:
        TokenAuthenticator(tokens)
    assert caught.value.path == path
    assert READ_VALUE not in str(caught.value)
    assert OPERATE_VALUE not in str(caught.value)


def test_a_role_given_as_text_by_config_is_accepted() -> None:
    auth = TokenAuthenticator([AdminToken("ops", "operate", OPERATE_VALUE)])  # type: ignore[arg-type]
    assert auth.authenticate(f"Bearer {OPERATE_VALUE}") == Principal("ops", Role.OPERATE)
