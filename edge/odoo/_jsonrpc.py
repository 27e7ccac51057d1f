"""JSON-RPC (Odoo 8 to 18, deprecated in 19): ``POST /jsonrpc``, ``object.execute_kw``.

The uid comes from ``common.authenticate`` once and is kept. It is asked again when Odoo
answers ``SessionExpiredException`` or ``AccessDenied`` (a rotated key, a changed password):
if the login still works the call is made once more (it was refused before it ran, so this
cannot apply it twice); if not, :class:`OdooAuthFailed` says so. Concurrent calls that meet
the same refusal re-authenticate once between them (a generation counter under a lock).

Errors come back with HTTP 200 and are classified by ``error.data.name``, never by ``code``.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import trio

from contracts.errors import TransientFailure

from ._arguments import jsonrpc_params
from ._errors import ErrorKind, OdooAuthFailed, classify_name, error_from_jsonrpc, short_name
from ._errors import error_from_response as error_from_status
from ._http import OdooHttp
from ._json2 import check_names, decode_result
from ._version import ServerVersion, version_from_info

__all__ = ["JsonRpcTransport"]

_RETRY_AFTER_REAUTH = frozenset({"AccessDenied"})


class _ErrorAnswer(Exception):
    """Odoo answered with a JSON-RPC ``error`` member; classified by the caller."""

    def __init__(self, error: Mapping[str, Any]) -> None:
        super().__init__("JSON-RPC error answer")
        self.error = error
        data = error.get("data")
        name = data.get("name") if isinstance(data, Mapping) else None
        self.name = name if isinstance(name, str) else None


class JsonRpcTransport:
    """The JSON-RPC protocol over one :class:`OdooHttp`."""

    protocol: Literal["jsonrpc"] = "jsonrpc"

    def __init__(self, http: OdooHttp) -> None:
        self._http = http
        self._server = http.server
        self._login = http.server.require_login()
        self._ids = itertools.count(1)
        self._uid: int | None = None
        self._generation = 0
        self._auth_lock = trio.Lock()
        self.authentications = 0
        """How many times ``common.authenticate`` was called (for tests and /status)."""

    def __repr__(self) -> str:
        return (
            f"JsonRpcTransport(url={self._server.url!r}, database={self._server.database!r}, "
            f"login={self._login!r}, uid={self._uid})"
        )

    async def _rpc(
        self,
        service: str,
        method: str,
        args: list[Any],
        *,
        model: str | None = None,
        odoo_method: str | None = None,
    ) -> Any:
        envelope = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"service": service, "method": method, "args": args},
            "id": next(self._ids),
        }
        where: dict[str, Any] = {"model": model, "method": odoo_method}
        response = await self._http.post_json("/jsonrpc", envelope, model=model, method=odoo_method)
        if response.status_code != 200:
            # JSON-RPC always answers 200: anything else is a proxy or a worker limit.
            raise error_from_status(
                response.status_code,
                response.headers,
                response.content,
                now=self._http.wall_clock(),
                protocol=self.protocol,
                **where,
            )
        data = decode_result(response.content, **where)
        if isinstance(data, dict) and isinstance(data.get("error"), Mapping):
            raise _ErrorAnswer(data["error"])
        if not isinstance(data, dict) or "result" not in data:
            # Not a JSON-RPC answer at all: something in front of Odoo, not Odoo's verdict.
            raise TransientFailure(
                "Odoo's answer is not a JSON-RPC response", reason="bad_response", **where
            )
        return data["result"]

    async def _authenticate(self, seen_generation: int) -> tuple[int, int]:
        async with self._auth_lock:
            if self._uid is not None and self._generation != seen_generation:
                return self._uid, self._generation  # another task already did it
            self.authentications += 1
            args = [self._server.database, self._login, self._server.api_key.reveal(), {}]
            try:
                uid = await self._rpc("common", "authenticate", args)
            except _ErrorAnswer as answer:
                if classify_name(answer.name) is ErrorKind.TRANSIENT:
                    raise error_from_jsonrpc(answer.error) from None
                raise self._refused(answer.name) from None
            if not isinstance(uid, int) or isinstance(uid, bool) or uid <= 0:
                raise self._refused(None)
            self._uid = uid
            self._generation += 1
            return uid, self._generation

    def _refused(self, name: str | None) -> OdooAuthFailed:
        return OdooAuthFailed(
            f"Odoo refused the login {self._login!r} on database {self._server.database!r}",
            protocol=self.protocol,
            error_name=name,
        )

    async def _uid_now(self) -> tuple[int, int]:
        if self._uid is None:
            return await self._authenticate(self._generation)
        return self._uid, self._generation

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
        check_names(model, method)
        positional, named = jsonrpc_params(args, kwargs, ids=ids, context=context)
        uid, generation = await self._uid_now()
        try:
            return await self._execute(uid, model, method, positional, named)
        except _ErrorAnswer as answer:
            if not self._needs_login(answer.name):
                raise error_from_jsonrpc(answer.error, model=model, method=method) from None
        uid, _ = await self._authenticate(generation)
        try:
            return await self._execute(uid, model, method, positional, named)
        except _ErrorAnswer as answer:
            raise error_from_jsonrpc(answer.error, model=model, method=method) from None

    @staticmethod
    def _needs_login(name: str | None) -> bool:
        kind = classify_name(name)
        return kind is ErrorKind.SESSION_EXPIRED or (
            name is not None and short_name(name) in _RETRY_AFTER_REAUTH
        )

    async def _execute(
        self, uid: int, model: str, method: str, args: list[Any], kwargs: dict[str, Any]
    ) -> Any:
        params = [self._server.database, uid, self._server.api_key.reveal(), model, method]
        return await self._rpc(
            "object", "execute_kw", [*params, args, kwargs], model=model, odoo_method=method
        )

    async def version(self) -> ServerVersion:
        try:
            info = await self._rpc("common", "version", [])
        except _ErrorAnswer as answer:
            raise error_from_jsonrpc(answer.error) from None
        if not isinstance(info, dict):
            info = {}
        return version_from_info(info.get("server_version_info"), info.get("server_version"))
