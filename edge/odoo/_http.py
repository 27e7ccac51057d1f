"""The HTTP seam to Odoo: one httpx client, a deadline per call, httpx's errors made ours.

Everything httpx can raise is translated here and nowhere else, so the transports above and
the delivery actor see only :mod:`contracts.errors`:

- timeouts of any phase (connect, write, read, waiting for a pooled connection) and our own
  per-call deadline -> ``TransientFailure(reason="timeout")``;
- connection refused / reset / closed mid-answer -> ``TransientFailure`` with ``reason``
  ``connect`` or ``connection_lost``. A lost answer may come after Odoo committed, which is
  why every create goes through the idempotent write of :mod:`edge.odoo._client`;
- an unusable URL or scheme -> ``ConfigError`` naming ``$.odoo.url``.

The deadline is trio's, around the whole exchange, because httpx's timeouts bound each read
or write separately: a server that trickles one byte a second would never trip them.
httpx runs on trio natively (through anyio), so no bridge is needed.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any

import httpx
import msgspec
import trio

from contracts.errors import ConfigError, TransientFailure

from ._settings import OdooServer

__all__ = ["OdooHttp", "open_odoo_http"]

_JSON = "application/json"


class OdooHttp:
    """Requests to one Odoo server, each bounded by ``server.timeout`` end to end."""

    def __init__(
        self,
        server: OdooServer,
        client: httpx.AsyncClient,
        *,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.server = server
        self._client = client
        self._encoder = msgspec.json.Encoder()
        self.wall_clock = wall_clock
        """Only to turn a ``Retry-After`` HTTP date into seconds."""

    def __repr__(self) -> str:
        return f"OdooHttp(url={self.server.url!r})"

    async def post_json(
        self,
        path: str,
        payload: Any,
        *,
        headers: Mapping[str, str] | None = None,
        model: str | None = None,
        method: str | None = None,
    ) -> httpx.Response:
        content = self._encoder.encode(payload)
        all_headers = {"Content-Type": _JSON, "Accept": _JSON, **(headers or {})}
        return await self.request("POST", path, content, all_headers, model, method)

    async def get(self, path: str) -> httpx.Response:
        return await self.request("GET", path, None, {"Accept": _JSON}, None, None)

    async def request(
        self,
        verb: str,
        path: str,
        content: bytes | None,
        headers: Mapping[str, str],
        model: str | None,
        method: str | None,
    ) -> httpx.Response:
        where: dict[str, Any] = {"url": self.server.url + path, "model": model, "method": method}
        timeout = self.server.timeout
        try:
            with trio.move_on_after(timeout) as scope:
                return await self._client.request(verb, path, content=content, headers=headers)
        except httpx.TimeoutException as exc:
            raise TransientFailure(
                f"Odoo did not answer in time ({type(exc).__name__})",
                reason="timeout",
                timeout=timeout,
                **where,
            ) from exc
        except httpx.ConnectError as exc:
            raise TransientFailure(
                f"cannot connect to Odoo: {exc}", reason="connect", **where
            ) from exc
        except httpx.UnsupportedProtocol as exc:
            raise ConfigError(f"unusable Odoo URL: {exc}", path="$.odoo.url") from exc
        except httpx.TransportError as exc:
            # Read/write errors, the peer closing mid-answer, proxy errors.
            raise TransientFailure(
                f"the connection to Odoo broke: {exc or type(exc).__name__}",
                reason="connection_lost",
                **where,
            ) from exc
        except httpx.DecodingError as exc:
            raise TransientFailure(
                f"Odoo's answer could not be decoded: {exc}", reason="bad_response", **where
            ) from exc
        except httpx.InvalidURL as exc:
            raise ConfigError(f"unusable Odoo URL: {exc}", path="$.odoo.url") from exc
        assert scope.cancelled_caught
        raise TransientFailure(
            f"Odoo did not answer within {timeout:g}s", reason="timeout", timeout=timeout, **where
        )


@asynccontextmanager
async def open_odoo_http(
    server: OdooServer,
    *,
    http_transport: httpx.AsyncBaseTransport | None = None,
    wall_clock: Callable[[], float] = time.time,
) -> AsyncIterator[OdooHttp]:
    """An :class:`OdooHttp` with its own connection pool, closed on exit.

    ``http_transport`` replaces the network (``httpx.MockTransport`` in unit tests).
    """
    limits = httpx.Limits(
        max_connections=server.max_connections,
        max_keepalive_connections=server.max_connections,
    )
    client = httpx.AsyncClient(
        base_url=server.url,
        limits=limits,
        timeout=httpx.Timeout(server.timeout),
        headers={"User-Agent": server.user_agent},
        transport=http_transport,
    )
    async with client:
        yield OdooHttp(server, client, wall_clock=wall_clock)
