"""Serve the admin app with hypercorn's trio worker, and stop it gracefully.

The serving itself (binds reported as URLs, graceful shutdown under a shielded deadline, a
bind failure turned into a ``ConfigError``) is ``edge.http.serve_asgi``, shared with the
webhook receiver; this module only names the admin API's address, logger and events.
"""

from __future__ import annotations

import trio

from edge.http import serve_asgi
from gateway.admin._app import AdminApp
from gateway.log import get_logger

__all__ = ["DEFAULT_BIND", "serve_admin"]

DEFAULT_BIND = "127.0.0.1:8080"

log = get_logger("gateway.admin")


async def serve_admin(
    app: AdminApp,
    bind: str = DEFAULT_BIND,
    *,
    graceful_timeout: float = 2.0,
    task_status: trio.TaskStatus[str] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve ``app`` on ``bind`` (``host:port``; port 0 picks one) until cancelled.

    Reports the base URL actually bound (``"http://127.0.0.1:41234"``) through
    ``task_status.started``. Raises ``ConfigError`` naming the address when it cannot bind.
    """
    await serve_asgi(
        app,
        bind,
        graceful_timeout=graceful_timeout,
        log=log,
        event_prefix="admin",
        what="admin API",
        config_path="$.admin.bind",
        task_status=task_status,
    )
