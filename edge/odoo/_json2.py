"""JSON-2 (Odoo 19 and later): ``POST /json/2/<model>/<method>`` with a bearer API key.

Named arguments only, one call per database transaction, the bare JSON result on 200 and a
real HTTP status with Odoo's error body otherwise (ODOO_API.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import msgspec

from contracts.errors import TransientFailure

from ._arguments import json2_params
from ._errors import error_from_response
from ._http import OdooHttp
from ._version import ServerVersion, version_from_web

__all__ = ["Json2Transport", "check_names"]

_MODEL = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")
_METHOD = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def check_names(model: str, method: str) -> None:
    """Model and method names go into a URL path: refuse anything that is not a name."""
    if not _MODEL.match(model):
        raise ValueError(f"not an Odoo model name: {model!r}")
    if not _METHOD.match(method):
        raise ValueError(f"not a public Odoo method name: {method!r}")


def decode_result(body: bytes, **where: Any) -> Any:
    try:
        return msgspec.json.decode(body)
    except msgspec.DecodeError as exc:
        # A 200 that is not JSON comes from something in front of Odoo (a captive portal,
        # a maintenance page): not Odoo's verdict on our call.
        raise TransientFailure(
            "Odoo's answer is not JSON", reason="bad_response", body=body[:200], **where
        ) from exc


class Json2Transport:
    """The JSON-2 protocol over one :class:`OdooHttp`."""

    protocol: Literal["json2"] = "json2"

    def __init__(self, http: OdooHttp) -> None:
        self._http = http
        self._server = http.server

    def __repr__(self) -> str:
        return f"Json2Transport(url={self._server.url!r}, database={self._server.database!r})"

    def _headers(self) -> dict[str, str]:
        return {
            "Authorization": f"bearer {self._server.api_key.reveal()}",
            "X-Odoo-Database": self._server.database,
        }

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
        body = json2_params(method, args, kwargs, ids=ids, context=context)
        response = await self._http.post_json(
            f"/json/2/{model}/{method}",
            body,
            headers=self._headers(),
            model=model,
            method=method,
        )
        if 200 <= response.status_code < 300:
            return decode_result(response.content, model=model, method=method)
        raise error_from_response(
            response.status_code,
            response.headers,
            response.content,
            now=self._http.wall_clock(),
            protocol=self.protocol,
            model=model,
            method=method,
        )

    async def version(self) -> ServerVersion:
        return await version_from_web(self._http)
