"""Just enough ASGI for the simulator: one request, its answer, and the ways to lose it.

No framework: the simulator must control the wire precisely (hold a request until the
client leaves, cut a body in the middle), which frameworks exist to prevent.
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from http import HTTPStatus
from typing import Any

import msgspec

__all__ = ["Receive", "Request", "Scope", "Send"]

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

MAX_BODY = 16 * 1024 * 1024
_encoder = msgspec.json.Encoder()


class Request:
    """An HTTP request being answered; every answer goes through one of its ``send_*``."""

    def __init__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.scope = scope
        self.method: str = scope["method"]
        self.path: str = scope["path"]
        self.headers: dict[str, str] = {
            k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]
        }
        self.cookies = _cookies(self.headers.get("cookie", ""))
        self._receive = receive
        self._send = send
        self.body = b""
        self.answered = False

    async def read_body(self) -> bool:
        """Read the whole body; False (and 413 sent) when it is too large."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await self._receive()
            if message["type"] == "http.disconnect":
                self.answered = True
                return False
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY:
                await self.send_html(413, "The request body is too large.")
                return False
            chunks.append(chunk)
            if not message.get("more_body"):
                break
        self.body = b"".join(chunks)
        return True

    async def send(
        self,
        status: int,
        body: bytes,
        content_type: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        raw = [(b"content-type", content_type.encode()), (b"content-length", b"%d" % len(body))]
        raw.extend((k.lower().encode(), v.encode()) for k, v in (headers or {}).items())
        await self._send({"type": "http.response.start", "status": status, "headers": raw})
        await self._send({"type": "http.response.body", "body": body})
        self.answered = True

    async def send_json(
        self, status: int, value: Any, headers: Mapping[str, str] | None = None
    ) -> None:
        await self.send(status, _encoder.encode(value), "application/json", headers)

    async def send_html(
        self, status: int, message: str, headers: Mapping[str, str] | None = None
    ) -> None:
        """werkzeug's error page, which Odoo (or a proxy) serves for early errors."""
        phrase = HTTPStatus(status).phrase
        page = (
            "<!doctype html>\n<html lang=en>\n"
            f"<title>{status} {phrase}</title>\n<h1>{phrase}</h1>\n"
            f"<p>{html.escape(message)}</p>\n"
        )
        await self.send(status, page.encode(), "text/html; charset=utf-8", headers)

    async def abort(self, value: Any) -> None:
        """Start a 200 answer, send part of it, and stop: the client sees the connection cut."""
        body = _encoder.encode(value)
        declared = len(body) + 64
        await self._send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", b"%d" % declared),
                ],
            }
        )
        await self._send(
            {"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True}
        )
        # Returning from the application with the body unfinished makes the server close
        # the connection; nothing more is sent.
        self.answered = True

    async def hold_until_disconnect(self) -> None:
        """Keep the request open, unanswered, until the client closes the connection."""
        while True:
            message = await self._receive()
            if message["type"] == "http.disconnect":
                self.answered = True
                return


def _cookies(header: str) -> dict[str, str]:
    out = {}
    for part in header.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep:
            out[name] = value
    return out
