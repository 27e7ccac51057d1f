"""The request and response values handlers see, and the error they raise.

No I/O here: ``_app`` turns ASGI events into a :class:`Request` and a :class:`Response` back
into ASGI events, so handlers are plain ``async def handler(request) -> Response`` functions
that tests can call without a server.

Every error body has one shape, ``{"error": "<code>", "detail": <anything or null>}``: the
code is a stable, machine-readable word (``not_found``, ``forbidden``); the detail says what
exactly, for a human.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import msgspec

from contracts.errors import CrossdockError
from gateway.admin._auth import Role

__all__ = [
    "HTTPError",
    "Request",
    "Response",
    "html_response",
    "json_response",
    "text_response",
]

T = TypeVar("T")

# Admin answers describe live state: never cache them, never let a browser guess their type.
_COMMON_HEADERS = (("cache-control", "no-store"), ("x-content-type-options", "nosniff"))


@dataclass(slots=True)
class Response:
    """What a handler returns. ``headers`` come on top of content type and length."""

    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: Sequence[tuple[str, str]] = ()

    def raw_headers(self) -> list[tuple[bytes, bytes]]:
        """The ASGI header list: content type and length first, then ours and the handler's."""
        pairs = [("content-type", self.content_type), ("content-length", str(len(self.body)))]
        pairs.extend(_COMMON_HEADERS)
        pairs.extend(self.headers)
        return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in pairs]


def json_response(
    data: Any, status: int = 200, headers: Sequence[tuple[str, str]] = ()
) -> Response:
    """``data`` encoded with msgspec (Structs, dicts, lists, datetimes, enums...)."""
    return Response(status, msgspec.json.encode(data), "application/json", headers)


def text_response(text: str, status: int = 200, content_type: str = "text/plain") -> Response:
    return Response(status, text.encode(), f"{content_type}; charset=utf-8")


def html_response(html: str, status: int = 200) -> Response:
    return text_response(html, status, "text/html")


class HTTPError(CrossdockError):
    """Raised by a handler (or the app) to answer with a JSON error instead of a result.

    ``raise HTTPError(404, "not_found", detail={"dead_letter": 42})`` answers
    ``404 {"error": "not_found", "detail": {"dead_letter": 42}}``.
    """

    def __init__(
        self,
        status: int,
        error: str,
        *,
        detail: Any = None,
        headers: Sequence[tuple[str, str]] = (),
    ) -> None:
        super().__init__(error, status=status)
        self.status = status
        self.error = error
        self.detail = detail
        self.headers = tuple(headers)

    def to_response(self) -> Response:
        body = {"error": self.error, "detail": self.detail}
        return json_response(body, self.status, self.headers)


@dataclass(frozen=True, slots=True)
class Request:
    """One admin request, already routed and authorised.

    ``token_name`` is the name (never the value) of the bearer token that was accepted, for
    audit records such as "replayed by ops-alice"; None on open routes. ``params`` holds the
    converted path parameters (``{id:int}`` gives an int). Header names are lower case.
    """

    method: str
    path: str
    params: Mapping[str, Any] = field(default_factory=dict)
    query: Mapping[str, list[str]] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    token_name: str | None = None
    role: Role | None = None
    client: str | None = None

    def arg(self, name: str, default: str | None = None) -> str | None:
        """The first value of query parameter ``name``."""
        values = self.query.get(name)
        return values[0] if values else default

    def json(self, into: type[T]) -> T:
        """The body decoded and validated as ``into``; a 400 with msgspec's path if invalid."""
        try:
            return msgspec.json.decode(self.body, type=into)
        except msgspec.ValidationError as err:
            raise HTTPError(400, "invalid_body", detail=str(err)) from err
        except msgspec.DecodeError as err:
            raise HTTPError(400, "invalid_json", detail=str(err)) from err
