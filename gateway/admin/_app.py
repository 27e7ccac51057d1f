"""The admin ASGI application: route, authorise, read the body, call the handler, log.

No web framework: the admin surface is a dozen JSON routes, and owning the ~200 lines
below keeps auth, error shapes and logging exactly as we want them with nothing to upgrade.
The order of checks is fixed: route (404/405) -> token (401/403) -> body size (413) ->
handler. A handler's :class:`HTTPError` becomes its JSON error; any other exception is a bug,
logged with its traceback and answered with a bare 500 (nothing internal leaks to the client).
``trio.Cancelled`` is never caught here.
"""

from __future__ import annotations

from urllib.parse import parse_qs

import trio

from edge.http import (
    ClientGone,
    Receive,
    Scope,
    Send,
    client_address,
    dispatch_scope,
    read_body,
    request_headers,
)
from gateway.admin._auth import Principal, Role, TokenAuthenticator
from gateway.admin._http import HTTPError, Request
from gateway.admin._routing import Router
from gateway.log import get_logger

__all__ = ["DEFAULT_MAX_BODY_BYTES", "AdminApp"]

DEFAULT_MAX_BODY_BYTES = 1 << 20
_REALM = 'Bearer realm="crossdock"'
_PROBES = frozenset({"/healthz", "/readyz"})

log = get_logger("gateway.admin")


class AdminApp:
    """The ASGI callable hypercorn serves. Feature modules add routes to :attr:`router`."""

    def __init__(
        self,
        authenticator: TokenAuthenticator,
        router: Router | None = None,
        *,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    ) -> None:
        self.authenticator = authenticator
        self.router = router if router is not None else Router()
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await dispatch_scope(scope, receive, send, self._http)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = trio.current_time()
        method: str = scope["method"]
        path: str = scope["path"]
        headers = request_headers(scope)
        principal: Principal | None = None
        route_pattern: str | None = None
        try:
            match = self.router.match(method, path)
            route_pattern = match.route.pattern
            if match.route.role is not None:
                principal = self._authorise(headers.get("authorization"), match.route.role)
            body = await self._read_body(receive, headers.get("content-length"))
            request = Request(
                method=method,
                path=path,
                params=match.params,
                query=parse_qs(scope.get("query_string", b"").decode("latin-1"), True),
                # Handlers get the token's name; the credential itself stays here.
                headers={k: v for k, v in headers.items() if k != "authorization"},
                body=body,
                token_name=principal.name if principal else None,
                role=principal.role if principal else None,
                client=client_address(scope),
            )
            response = await match.route.handler(request)
        except HTTPError as err:
            response = err.to_response()
        except ClientGone:
            self._access(scope, 499, started, principal, route_pattern)
            return
        except Exception as err:
            log.exception(
                "admin_handler_failed",
                method=method,
                path=path,
                route=route_pattern,
                error_type=type(err).__name__,
            )
            response = HTTPError(500, "internal_error").to_response()
        await send(
            {
                "type": "http.response.start",
                "status": response.status,
                "headers": response.raw_headers(),
            }
        )
        await send({"type": "http.response.body", "body": response.body})
        self._access(scope, response.status, started, principal, route_pattern)

    def _authorise(self, authorization: str | None, required: Role) -> Principal:
        principal = self.authenticator.authenticate(authorization)
        if principal is None:
            missing = not authorization
            raise HTTPError(
                401,
                "unauthorized",
                detail="a bearer token is required" if missing else "unknown bearer token",
                headers=[
                    ("www-authenticate", _REALM if missing else f'{_REALM}, error="invalid_token"')
                ],
            )
        if not principal.role.covers(required):
            raise HTTPError(
                403,
                "forbidden",
                detail={"required_role": str(required), "token_role": str(principal.role)},
                headers=[("www-authenticate", f'{_REALM}, error="insufficient_scope"')],
            )
        return principal

    async def _read_body(self, receive: Receive, content_length: str | None) -> bytes:
        limit = self.max_body_bytes
        if content_length is not None:
            try:
                declared = int(content_length)
            except ValueError:
                raise HTTPError(400, "bad_request", detail="invalid content-length") from None
            if declared > limit:
                raise _too_large(limit)
        return await read_body(receive, limit, lambda: _too_large(limit))

    def _access(
        self,
        scope: Scope,
        status: int,
        started: float,
        principal: Principal | None,
        route: str | None,
    ) -> None:
        # One line per request. Health probes go to debug when they pass and to info when
        # they do not (a 503 from /readyz is an answer, not a server error): monitoring polls
        # them every few seconds and they would drown the journal. The query string stays
        # out (free text a client controls); the token's name goes in, its value never.
        fields: dict[str, object] = {
            "method": scope["method"],
            "path": scope["path"],
            "status": status,
            "duration_ms": round((trio.current_time() - started) * 1000, 3),
            "route": route,
            "token_name": principal.name if principal else None,
            "client": client_address(scope),
        }
        if scope["path"] in _PROBES and status < 400:
            log.debug("admin_request", **fields)
        elif scope["path"] in _PROBES or status < 500:
            log.info("admin_request", **fields)
        else:
            log.error("admin_request", **fields)


def _too_large(limit: int) -> HTTPError:
    return HTTPError(413, "payload_too_large", detail={"limit_bytes": limit})
