"""The ASGI plumbing our two HTTP apps share: the webhook receiver and the admin API.

Neither uses a web framework, so the few pieces every ASGI app needs live here once: the
callable types, dispatch by scope type (with the lifespan handshake), header and client
decoding, and reading a request body without buffering past a limit. ``gateway.admin``
imports these from ``edge.http`` (the gateway may import the edges, not the reverse).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

__all__ = [
    "ClientGone",
    "Message",
    "Receive",
    "Scope",
    "Send",
    "client_address",
    "dispatch_scope",
    "read_body",
    "request_headers",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
HttpHandler = Callable[[Scope, Receive, Send], Awaitable[None]]


class ClientGone(Exception):
    """The client disconnected before its request body arrived: there is no one to answer."""


async def dispatch_scope(scope: Scope, receive: Receive, send: Send, http: HttpHandler) -> None:
    """An ASGI app's ``__call__``: ``http`` answers HTTP requests, lifespan events are
    acknowledged at once, a websocket is closed (1003: we speak no websocket)."""
    if scope["type"] == "http":
        await http(scope, receive, send)
    elif scope["type"] == "lifespan":
        await _lifespan(receive, send)
    elif scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1003})


async def _lifespan(receive: Receive, send: Send) -> None:
    # Nothing to set up: an app's collaborators are owned by the caller's nursery, not by
    # the server, so startup and shutdown are acknowledged at once.
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def read_body(receive: Receive, limit: int, too_large: Callable[[], Exception]) -> bytes:
    """The request body, read only up to ``limit`` bytes.

    Raises ``too_large()`` as soon as the body passes ``limit`` (the rest is never buffered)
    and :class:`ClientGone` when the client disconnects first. The declared Content-Length
    is the caller's to check: the two apps answer a bad one differently.
    """
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise too_large()
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def request_headers(scope: Scope) -> dict[str, str]:
    """The request's headers, names lower-cased, repeated headers joined with ``", "``."""
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope.get("headers", ()):
        name = bytes(raw_name).decode("latin-1").lower()
        value = bytes(raw_value).decode("latin-1")
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


def client_address(scope: Scope) -> str | None:
    """``host:port`` of the peer (``[v6]:port`` bracketed), or None when the server has none."""
    client = scope.get("client")
    if not client:
        return None
    host, port = client[0], client[1]
    return f"[{host}]:{port}" if ":" in str(host) else f"{host}:{port}"
