"""The shape of the ``/status`` document, and its text rendering for ``crossdock status``.

The root builds the document (it owns the tree, the store and the breakers); this module
only fixes its shape, as ``TypedDict`` s so the producer is type-checked, and renders it.
Every key is optional: a renderer that crashed on a missing key would hide the status
exactly when something is wrong. Example::

    {
      "gateway": {"version": "0.1.0", "pid": 4242, "uptime_s": 3725.0, "ready": true,
                  "config_hash": "sha256:9f2c..."},
      "tree": {"name": "root", "kind": "supervisor", "state": "running", "restarts": 0,
               "children": [
                 {"name": "partner:acme", "kind": "actor", "state": "running", "restarts": 2,
                  "mailbox": {"depth": 3, "capacity": 100},
                  "breaker": {"state": "open", "failures": 5},
                  "limiter": {"rate": 5.0, "burst": 10},
                  "last_error": {"type": "TransientFailure", "message": "timeout after 10 s"}}
               ]},
      "flows": [{"flow": "order_intake", "backlog": 3, "lag_s": 1.5,
                 "oldest_pending": "2025-01-01T10:00:00Z", "dead_letters": 1}],
      "store": {"path": "/var/lib/crossdock/crossdock.db", "size_bytes": 1048576,
                "wal_bytes": 65536, "outbox": {"available": 3, "running": 1, "dead": 2},
                "inbound": {"parsed": 120, "rejected": 1}, "dead_letters": 3}
    }

Under ``store``, any mapping of counts (``outbox``, ``inbound``, ``documents``...) renders as
one ``key=value`` row, so the store may add tables without touching this module.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypedDict

__all__ = [
    "BreakerStatus",
    "ErrorStatus",
    "FlowStatus",
    "GatewayStatus",
    "LimiterStatus",
    "MailboxStatus",
    "NodeStatus",
    "Status",
    "StoreStatus",
    "render_status_table",
]


class MailboxStatus(TypedDict, total=False):
    depth: int
    capacity: int


class BreakerStatus(TypedDict, total=False):
    state: str  # "closed" | "open" | "half_open"
    failures: int
    retry_at: str  # ISO 8601, when open: the next half-open probe


class LimiterStatus(TypedDict, total=False):
    rate: float  # tokens per second
    burst: int
    tokens: float  # available now


class ErrorStatus(TypedDict, total=False):
    type: str
    message: str
    at: str  # ISO 8601


class NodeStatus(TypedDict, total=False):
    name: str
    kind: str  # "supervisor" | "actor" | "service"
    state: str  # "starting" | "running" | "restarting" | "stopped" | "failed"
    restarts: int
    mailbox: MailboxStatus
    breaker: BreakerStatus
    limiter: LimiterStatus
    last_error: ErrorStatus | str | None
    children: list[NodeStatus]


class FlowStatus(TypedDict, total=False):
    flow: str
    backlog: int
    lag_s: float
    oldest_pending: str | None
    dead_letters: int


class GatewayStatus(TypedDict, total=False):
    version: str
    pid: int
    started_at: str
    uptime_s: float
    ready: bool
    config_hash: str


class StoreStatus(TypedDict, total=False):
    path: str
    size_bytes: int
    wal_bytes: int
    dead_letters: int
    oldest_pending: str | None
    outbox: dict[str, int]
    inbound: dict[str, int]
    documents: dict[str, int]


class Status(TypedDict, total=False):
    gateway: GatewayStatus
    tree: NodeStatus
    flows: list[FlowStatus]
    store: StoreStatus


_ERROR_WIDTH = 60
_MAX_DEPTH = 32
_NONE = "-"


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: Any) -> str:
    if value is None or value == "":
        return _NONE
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return " ".join(str(value).split())


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _duration(seconds: Any) -> str:
    number = _number(seconds)
    if number is None:
        return _NONE
    total = max(0, int(number))  # a clock step backwards must not print "-1d23h"
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d{hours:02d}h"
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


def _size(value: Any) -> str:
    size = _number(value)
    if size is None:
        return _NONE
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return _NONE  # pragma: no cover - the loop always returns


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    rows = [list(header), *(list(row) for row in rows)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = []
    for row in rows:
        cells = [cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])] + [row[-1]]
        lines.append("  ".join(cells).rstrip())
    return lines


def _error(value: Any) -> str:
    if isinstance(value, Mapping):
        kind, message = _text(value.get("type")), _text(value.get("message"))
        text = f"{kind}: {message}" if value.get("type") else message
    else:
        text = _text(value)
    return _clip(text, _ERROR_WIDTH)


def _mailbox(value: Any) -> str:
    box = _map(value)
    if "depth" not in box:
        return _NONE
    capacity = box.get("capacity")
    return f"{box['depth']}/{capacity}" if capacity is not None else _text(box["depth"])


def _rate(value: Any) -> str:
    rate = _map(value).get("rate")
    return f"{_text(rate)}/s" if isinstance(rate, int | float) else _NONE


def _node_rows(node: Mapping[str, Any], depth: int) -> Iterable[list[str]]:
    name = "  " * depth + _text(node.get("name"))
    yield [
        name,
        _text(node.get("state")),
        _text(node.get("restarts")),
        _mailbox(node.get("mailbox")),
        _text(_map(node.get("breaker")).get("state")),
        _rate(node.get("limiter")),
        _error(node.get("last_error")),
    ]
    children = node.get("children")
    if depth < _MAX_DEPTH and isinstance(children, list):
        for child in children:
            if isinstance(child, Mapping):
                yield from _node_rows(child, depth + 1)


def _gateway_line(gateway: Mapping[str, Any]) -> str:
    version = gateway.get("version")
    parts = [f"crossdock {_text(version)}" if version else "crossdock"]
    if "pid" in gateway:
        parts.append(f"pid {_text(gateway['pid'])}")
    if "uptime_s" in gateway:
        parts.append(f"up {_duration(gateway['uptime_s'])}")
    if "ready" in gateway:
        parts.append("ready" if gateway["ready"] else "NOT READY")
    if gateway.get("config_hash"):
        parts.append(f"config {_clip(_text(gateway['config_hash']), 19)}")
    return "  ".join(parts)


def _tree_section(tree: Any) -> list[str]:
    roots = tree if isinstance(tree, list) else [tree] if isinstance(tree, Mapping) else []
    rows = [row for root in roots if isinstance(root, Mapping) for row in _node_rows(root, 0)]
    if not rows:
        return ["(no supervision tree reported)"]
    header = ("ACTOR", "STATE", "RESTARTS", "MAILBOX", "BREAKER", "RATE", "LAST ERROR")
    return _table(header, rows)


def _flows_section(flows: Any) -> list[str]:
    if not isinstance(flows, list) or not flows:
        return []
    rows = [
        [
            _text(flow.get("flow")),
            _text(flow.get("backlog")),
            _duration(flow.get("lag_s")),
            _text(flow.get("oldest_pending")),
            _text(flow.get("dead_letters")),
        ]
        for flow in flows
        if isinstance(flow, Mapping)
    ]
    return _table(("FLOW", "BACKLOG", "LAG", "OLDEST PENDING", "DEAD LETTERS"), rows)


def _store_section(store: Mapping[str, Any]) -> list[str]:
    if not store:
        return ["STORE", "  (no store statistics reported)"]
    rows: list[list[str]] = []
    for key, value in store.items():
        if key == "wal_bytes" and "size_bytes" in store:
            continue  # shown beside the size
        if key == "size_bytes":
            text = _size(value)
            if "wal_bytes" in store:
                text += f" (wal {_size(store['wal_bytes'])})"
            rows.append(["size", text])
        elif isinstance(value, Mapping):
            counts = " ".join(f"{k}={_text(v)}" for k, v in value.items())
            rows.append([str(key), counts or _NONE])
        elif str(key).endswith("_bytes"):
            rows.append([str(key).removesuffix("_bytes"), _size(value)])
        else:
            rows.append([str(key).replace("_", " "), _text(value)])
    return ["STORE", *("  " + line for line in _table(("", ""), rows)[1:])]


def render_status_table(status: Mapping[str, Any]) -> str:
    """``status`` (the /status JSON, decoded) as text for a terminal, ending in a newline.

    Unknown keys are ignored, missing ones shown as ``-`` or left out, wrong types tolerated.
    """
    status = _map(status)
    sections = [
        [_gateway_line(_map(status.get("gateway")))],
        _tree_section(status.get("tree")),
        _flows_section(status.get("flows")),
        _store_section(_map(status.get("store"))),
    ]
    return "\n\n".join("\n".join(lines) for lines in sections if lines) + "\n"
