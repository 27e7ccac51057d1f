"""The one narrow interface to Odoo, whichever protocol carries it.

:class:`OdooTransport` has two methods: ``call`` (a model method, with the argument rule of
:mod:`edge.odoo._arguments`) and ``version``. :func:`open_odoo_transport` gives the JSON-2 or
the JSON-RPC implementation, as configured; with ``protocol="auto"`` it gives one that asks
the server's version at its first call (under a lock, once) and then behaves as the protocol
that version speaks. Asking lazily lets the gateway start while Odoo is down: the first
delivery fails as a transient failure and is retried, instead of the process refusing to start.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any, Literal, Protocol

import httpx
import trio

from ._http import OdooHttp, open_odoo_http
from ._json2 import Json2Transport
from ._jsonrpc import JsonRpcTransport
from ._settings import OdooProtocol, OdooServer
from ._version import ServerVersion, detect_protocol

__all__ = ["DetectingTransport", "OdooTransport", "open_odoo_transport"]


class OdooTransport(Protocol):
    """Calls to one Odoo server. Raises only :mod:`contracts.errors` types."""

    @property
    def protocol(self) -> Literal["json2", "jsonrpc", "auto"]: ...

    async def call(
        self,
        model: str,
        method: str,
        args: Sequence[Any] | None = None,
        kwargs: Mapping[str, Any] | None = None,
        *,
        ids: Sequence[int] | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> Any:
        """Call ``model.method``; ``ids`` is the recordset (``None`` for model methods)."""
        ...

    async def version(self) -> ServerVersion: ...


def transport_for(protocol: OdooProtocol, http: OdooHttp) -> Json2Transport | JsonRpcTransport:
    return Json2Transport(http) if protocol == "json2" else JsonRpcTransport(http)


class DetectingTransport:
    """Detects the protocol at first use, then delegates to the chosen transport."""

    def __init__(self, http: OdooHttp) -> None:
        self._http = http
        self._lock = trio.Lock()
        self._inner: Json2Transport | JsonRpcTransport | None = None
        self.detected_version: ServerVersion | None = None

    def __repr__(self) -> str:
        return f"DetectingTransport(url={self._http.server.url!r}, inner={self._inner!r})"

    @property
    def protocol(self) -> Literal["json2", "jsonrpc", "auto"]:
        return self._inner.protocol if self._inner is not None else "auto"

    async def detect(self) -> Json2Transport | JsonRpcTransport:
        """The transport for the server's version, asking the server the first time."""
        async with self._lock:
            if self._inner is None:
                protocol, version = await detect_protocol(self._http)
                self.detected_version = version
                self._inner = transport_for(protocol, self._http)
            return self._inner

    async def call(
        self,
        model: str,
        method: str,
        args: Sequence[Any] | None = None,
        kwargs: Mapping[str, Any] | None = None,
        *,
        ids: Sequence[int] | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> Any:
        inner = self._inner or await self.detect()
        return await inner.call(model, method, args, kwargs, ids=ids, context=context)

    async def version(self) -> ServerVersion:
        inner = self._inner or await self.detect()
        return await inner.version()


@asynccontextmanager
async def open_odoo_transport(
    server: OdooServer,
    *,
    http_transport: httpx.AsyncBaseTransport | None = None,
    wall_clock: Callable[[], float] = time.time,
) -> AsyncIterator[Json2Transport | JsonRpcTransport | DetectingTransport]:
    """The transport ``server.protocol`` asks for, with its connection pool; closed on exit.

    No request is made on entry. ``http_transport`` replaces the network in unit tests.
    """
    async with open_odoo_http(server, http_transport=http_transport, wall_clock=wall_clock) as http:
        if server.protocol == "auto":
            yield DetectingTransport(http)
        else:
            yield transport_for(server.protocol, http)
