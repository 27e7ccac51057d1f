"""Builds the /status document (shape: ``gateway.admin._status.Status``) from the live parts."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec

from actors import ChildStatus, Supervisor
from gateway.admin import NodeStatus, Status
from gateway.store import Store

__all__ = ["GatewayInfo", "build_status", "node_status"]


class GatewayInfo(msgspec.Struct, kw_only=True):
    name: str
    version: str
    config_version: str
    store_path: str
    admin_url: str | None = None
    sftp_address: str | None = None
    sftp_fingerprint: str | None = None
    webhook_url: str | None = None
    """The webhook receiver's base URL (partners POST to ``<url>/webhooks/<partner id>``)."""
    started_at: float = msgspec.field(default_factory=time.time)
    stopping: bool = False


def node_status(child: ChildStatus) -> NodeStatus:
    """One node of the supervision tree, flattened for /status (breaker and limiter lifted)."""
    node: dict[str, Any] = {
        "name": child.name,
        "kind": str(child.kind),
        "state": str(child.state),
        "restarts": child.restarts,
    }
    if child.restart is not None:
        node["restart"] = str(child.restart)
    if child.strategy is not None:
        node["strategy"] = str(child.strategy)
    if child.last_error is not None:
        node["last_error"] = {"type": child.last_error.type, "message": child.last_error.message}
    if child.mailbox is not None:
        node["mailbox"] = msgspec.to_builtins(child.mailbox)
    extra: Mapping[str, Any] = child.extra or {}
    for key, value in extra.items():
        node[key] = msgspec.to_builtins(value)
    if child.children is not None:
        node["children"] = [node_status(c) for c in child.children]
    return node  # type: ignore[return-value]


def _iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat()


def _file_sizes(path: Path) -> tuple[int, int]:
    """Bytes of the database file and of its WAL (0 for a file not there yet)."""
    wal = path.with_name(path.name + "-wal")
    return (
        path.stat().st_size if path.exists() else 0,
        wal.stat().st_size if wal.exists() else 0,
    )


async def build_status(info: GatewayInfo, root: Supervisor, store: Store | None) -> Status:
    now = time.time()
    status: dict[str, Any] = {
        "gateway": {
            "name": info.name,
            "version": info.version,
            "pid": os.getpid(),
            "started_at": _iso(info.started_at),
            "uptime_s": round(now - info.started_at, 3),
            "ready": root.tree_healthy() and store is not None and not info.stopping,
            "stopping": info.stopping,
            "config_hash": f"sha256:{info.config_version}",
            "admin_url": info.admin_url,
            "sftp_address": info.sftp_address,
            "sftp_fingerprint": info.sftp_fingerprint,
            "webhook_url": info.webhook_url,
        },
        "tree": node_status(root.status()),
    }
    if store is not None:
        stats = msgspec.to_builtins(await store.statistics())
        stats["path"] = info.store_path
        stats["size_bytes"], stats["wal_bytes"] = _file_sizes(Path(info.store_path))
        stats["dead_letters"] = stats.get("outbox", {}).get("dead", 0)
        stats["oldest_pending"] = _iso(stats.get("oldest_pending"))
        status["store"] = stats
    return status  # type: ignore[return-value]
