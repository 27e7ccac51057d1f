"""Health, readiness and status routes, and the app that carries them.

- ``GET /healthz`` (open): 200 ``{"status": "alive"}`` while the process can answer at all.
  It checks nothing else on purpose: a liveness probe that fails on a dead Odoo would get a
  healthy gateway restarted for someone else's outage.
- ``GET /readyz`` (open): 200 ``{"status": "ready"}`` when ``ready()`` returns no reasons,
  else 503 ``{"status": "not_ready", "reasons": [...]}`` (``"store not open"``,
  ``"supervision tree starting"``...). A readiness check that raises is a 503 too, with the
  failure named, and is logged: it must not pass as "ready".
- ``GET /status`` (role ``read``): whatever ``status()`` returns (the shape documented in
  ``_status``), encoded with msgspec.

``ready`` and ``status`` are callables the root provides; they may be plain or ``async``.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping
from typing import Any, TypeVar, cast

from gateway.admin._app import DEFAULT_MAX_BODY_BYTES, AdminApp
from gateway.admin._auth import AdminToken, Role, TokenAuthenticator
from gateway.admin._http import Request, Response, json_response
from gateway.admin._routing import OPEN, Router
from gateway.log import get_logger

__all__ = ["ReadyCheck", "StatusSource", "create_admin_app", "health_routes"]

T = TypeVar("T")

ReadyCheck = Callable[[], Collection[str] | Awaitable[Collection[str]]]
"""Returns why the gateway is not ready; an empty collection means ready."""

StatusSource = Callable[[], Mapping[str, Any] | Awaitable[Mapping[str, Any]]]
"""Returns the /status document (see ``gateway.admin._status`` for its shape)."""

log = get_logger("gateway.admin")


async def _call(source: Callable[[], T | Awaitable[T]]) -> T:
    result = source()
    if inspect.isawaitable(result):
        return cast(T, await result)
    return result


def health_routes(*, ready: ReadyCheck, status: StatusSource) -> Router:
    """A router with ``/healthz``, ``/readyz`` and ``/status``."""
    router = Router()

    @router.route("GET", "/healthz", role=OPEN)
    async def healthz(request: Request) -> Response:
        return json_response({"status": "alive"})

    @router.route("GET", "/readyz", role=OPEN)
    async def readyz(request: Request) -> Response:
        try:
            reasons = sorted(str(reason) for reason in await _call(ready))
        except Exception as err:
            log.exception("readiness_check_failed", error_type=type(err).__name__)
            reasons = [f"readiness check failed: {type(err).__name__}"]
        if reasons:
            return json_response({"status": "not_ready", "reasons": reasons}, 503)
        return json_response({"status": "ready"})

    @router.route("GET", "/status", role=Role.READ)
    async def status_(request: Request) -> Response:
        return json_response(await _call(status))

    return router


def create_admin_app(
    tokens: Iterable[AdminToken],
    *,
    ready: ReadyCheck,
    status: StatusSource,
    routers: Iterable[Router] = (),
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> AdminApp:
    """The admin app with the health routes plus each feature module's router.

    Raises ``ConfigError`` for invalid tokens (too short, duplicate names or values) and
    ``ValueError`` when two routers register the same method and pattern.
    """
    router = health_routes(ready=ready, status=status)
    for extra in routers:
        router.include(extra)
    return AdminApp(TokenAuthenticator(tokens), router, max_body_bytes=max_body_bytes)
