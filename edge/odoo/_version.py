"""Which Odoo answers, and so which protocol to speak.

``GET /web/version`` exists on recent servers and answers
``{"version_info": [19, 0, 0, "final", 0, ""], "version": "19.0"}``; from major 19 on JSON-2
is the protocol to use. Older servers answer 404 there, and the JSON-RPC route
``/web/webclient/version_info`` (which every version since 8 has) tells their version.
SaaS builds name their major ``"saas~18"`` in ``version_info``, so the major is read from the
digits, not taken as an integer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import msgspec

from contracts.errors import TransientFailure

from ._errors import error_from_response
from ._http import OdooHttp
from ._settings import OdooProtocol

__all__ = [
    "JSON2_SINCE",
    "ServerVersion",
    "detect_protocol",
    "protocol_for",
    "version_from_info",
    "version_from_web",
    "version_from_webclient",
]

JSON2_SINCE = 19


@dataclass(frozen=True)
class ServerVersion:
    major: int
    minor: int
    text: str

    def __str__(self) -> str:
        return self.text


def _number(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    found = re.search(r"\d+", str(value))
    return int(found.group()) if found else 0


def version_from_info(info: Any, text: Any = None) -> ServerVersion:
    """From ``version_info`` (a list) and the version text, whichever the server gave."""
    if isinstance(info, list) and info:
        major = _number(info[0])
        minor = _number(info[1]) if len(info) > 1 else 0
    else:
        parts = re.findall(r"\d+", str(text or ""))
        major = int(parts[0]) if parts else 0
        minor = int(parts[1]) if len(parts) > 1 else 0
    return ServerVersion(major, minor, str(text) if text else f"{major}.{minor}")


def protocol_for(version: ServerVersion) -> OdooProtocol:
    return "json2" if version.major >= JSON2_SINCE else "jsonrpc"


def _decode(body: bytes) -> Any:
    try:
        return msgspec.json.decode(body)
    except msgspec.DecodeError as exc:
        raise TransientFailure("Odoo's version answer is not JSON", reason="bad_response") from exc


async def version_from_web(http: OdooHttp) -> ServerVersion:
    """``GET /web/version``; raises what the status means when it is not 200."""
    response = await http.get("/web/version")
    if response.status_code != 200:
        raise error_from_response(
            response.status_code, response.headers, response.content, now=http.wall_clock()
        )
    data = _decode(response.content)
    if not isinstance(data, dict):
        raise TransientFailure("Odoo's /web/version answer is not an object", reason="bad_response")
    return version_from_info(data.get("version_info"), data.get("version"))


async def version_from_webclient(http: OdooHttp) -> ServerVersion:
    """The JSON-RPC route ``/web/webclient/version_info`` (Odoo 8 and later)."""
    envelope = {"jsonrpc": "2.0", "method": "call", "params": {}, "id": 0}
    response = await http.post_json("/web/webclient/version_info", envelope)
    if response.status_code != 200:
        raise error_from_response(
            response.status_code,
            response.headers,
            response.content,
            now=http.wall_clock(),
            protocol="jsonrpc",
        )
    data = _decode(response.content)
    result = data.get("result") if isinstance(data, dict) else None
    if not isinstance(result, dict):
        raise TransientFailure("Odoo's version_info answer has no result", reason="bad_response")
    return version_from_info(result.get("server_version_info"), result.get("server_version"))


async def detect_protocol(http: OdooHttp) -> tuple[OdooProtocol, ServerVersion]:
    """Ask the server its version; JSON-2 from 19 on, JSON-RPC before (or when 404)."""
    response = await http.get("/web/version")
    if response.status_code == 404:
        version = await version_from_webclient(http)
        return "jsonrpc", version
    if response.status_code != 200:
        raise error_from_response(
            response.status_code, response.headers, response.content, now=http.wall_clock()
        )
    data = _decode(response.content)
    if not isinstance(data, dict):
        raise TransientFailure("Odoo's /web/version answer is not an object", reason="bad_response")
    version = version_from_info(data.get("version_info"), data.get("version"))
    return protocol_for(version), version
