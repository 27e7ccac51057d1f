"""The route table: method + path pattern -> handler, each with the role it requires.

Any module can build a :class:`Router` and hand it to the app::

    router = Router()

    @router.route("POST", "/api/dead-letters/{id:int}/replay", role=Role.OPERATE)
    async def replay(request: Request) -> Response:
        await store.replay(request.params["id"], by=request.token_name)
        return json_response({"replayed": request.params["id"]})

``role`` has no default on purpose: every route states whether it is open (``role=OPEN``)
or which role it needs, so forgetting to protect a route is a visible choice, not an
accident.

Path parameters are ``{name}`` (one segment), ``{name:int}`` (digits, converted to int) and
``{name:path}`` (the rest of the path, slashes included; last segment only). A path that
matches no pattern is a 404; one that matches with another method is a 405 listing the
allowed methods. ``HEAD`` is answered by ``GET`` routes.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final

from gateway.admin._auth import Role
from gateway.admin._http import HTTPError, Request, Response

__all__ = ["OPEN", "Handler", "Route", "RouteMatch", "Router"]

Handler = Callable[[Request], Awaitable[Response]]

OPEN: Final = None
"""``role=OPEN``: the route needs no token (health probes)."""

_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::(str|int|path))?\}")
_CONVERTERS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "str": (r"[^/]+", str),
    "int": (r"[0-9]+", int),
    "path": (r".+", str),
}
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    pattern: str
    handler: Handler
    role: Role | None
    regex: re.Pattern[str]
    converters: tuple[tuple[str, Callable[[str], Any]], ...]

    def match(self, path: str) -> dict[str, Any] | None:
        found = self.regex.fullmatch(path)
        if found is None:
            return None
        return {name: convert(found.group(name)) for name, convert in self.converters}


@dataclass(frozen=True, slots=True)
class RouteMatch:
    route: Route
    params: dict[str, Any]


def _compile(pattern: str) -> tuple[re.Pattern[str], tuple[tuple[str, Callable[[str], Any]], ...]]:
    if not pattern.startswith("/"):
        raise ValueError(f"route pattern must start with '/': {pattern!r}")
    parts: list[str] = []
    converters: list[tuple[str, Callable[[str], Any]]] = []
    position = 0
    for param in _PARAM.finditer(pattern):
        literal = pattern[position : param.start()]
        if "{" in literal or "}" in literal:
            raise ValueError(f"malformed parameter in route pattern {pattern!r}")
        parts.append(re.escape(literal))
        name, kind = param.group(1), param.group(2) or "str"
        if name in {n for n, _ in converters}:
            raise ValueError(f"parameter {name!r} appears twice in {pattern!r}")
        if kind == "path" and param.end() != len(pattern):
            raise ValueError(f"{{{name}:path}} must end the pattern {pattern!r}")
        regex, convert = _CONVERTERS[kind]
        parts.append(f"(?P<{name}>{regex})")
        converters.append((name, convert))
        position = param.end()
    tail = pattern[position:]
    if "{" in tail or "}" in tail:
        raise ValueError(f"malformed parameter in route pattern {pattern!r}")
    parts.append(re.escape(tail))
    return re.compile("".join(parts)), tuple(converters)


class Router:
    """An ordered route table; the first matching pattern for a method wins."""

    def __init__(self, routes: Iterable[Route] = ()) -> None:
        self._routes: list[Route] = []
        for route in routes:
            self._insert(route)

    @property
    def routes(self) -> tuple[Route, ...]:
        return tuple(self._routes)

    def add(self, method: str, pattern: str, handler: Handler, *, role: Role | None) -> Route:
        """Register ``handler`` for ``method pattern``; ``role=None`` (``OPEN``) for no auth."""
        method = method.upper()
        if method not in _METHODS:
            raise ValueError(f"unsupported HTTP method {method!r}")
        if role is not None and not isinstance(role, Role):
            raise TypeError(f"role must be a Role or OPEN, got {role!r}")
        regex, converters = _compile(pattern)
        route = Route(method, pattern, handler, role, regex, converters)
        self._insert(route)
        return route

    def route(
        self, method: str, pattern: str, *, role: Role | None
    ) -> Callable[[Handler], Handler]:
        """Decorator form of :meth:`add`."""

        def register(handler: Handler) -> Handler:
            self.add(method, pattern, handler, role=role)
            return handler

        return register

    def include(self, other: Router) -> None:
        """Take over every route of ``other`` (a feature module's router)."""
        for route in other.routes:
            self._insert(route)

    def _insert(self, route: Route) -> None:
        for existing in self._routes:
            if existing.method == route.method and existing.pattern == route.pattern:
                raise ValueError(f"route {route.method} {route.pattern} is already registered")
        self._routes.append(route)

    def match(self, method: str, path: str) -> RouteMatch:
        """The route for ``method path``; raises HTTPError 404 or 405 (with ``Allow``)."""
        method = method.upper()
        allowed: set[str] = set()
        fallback: RouteMatch | None = None
        for route in self._routes:
            params = route.match(path)
            if params is None:
                continue
            if route.method == method:
                return RouteMatch(route, params)
            allowed.add(route.method)
            if route.method == "GET":
                allowed.add("HEAD")
                if method == "HEAD" and fallback is None:
                    fallback = RouteMatch(route, params)
        if fallback is not None:
            return fallback
        if allowed:
            allow = ", ".join(sorted(allowed))
            raise HTTPError(
                405,
                "method_not_allowed",
                detail={"method": method, "allowed": sorted(allowed)},
                headers=[("allow", allow)],
            )
        raise HTTPError(404, "not_found", detail={"path": path})
