"""Serve the admin app with hypercorn's trio worker, and stop it gracefully.

hypercorn's ``serve`` reports its binds through ``task_status`` as URLs (``http://host:port``,
``[v6]:port`` bracketed) taken from the bound sockets, so port 0 gives back the real port.

Graceful shutdown: cancelling hypercorn's task directly would cut requests in flight, since a
cancelled scope cancels its whole subtree, grace period included. So the server runs in a
shielded scope, and cancelling :func:`serve_admin` instead fires hypercorn's
``shutdown_trigger``: it stops accepting, lets requests in flight finish for up to
``graceful_timeout`` seconds, then closes what is left. The shield itself carries a deadline
just past that, so a stuck handler can never hold up the process's shutdown.

The server is started with ``start_soon`` and reports its binds to a :class:`_Binds`, not
through ``nursery.start``: when the caller is cancelled while the server is still binding,
trio's ``started()`` quietly leaves the task where it is and ``start`` waits for it to end,
which a shielded server never would. Waiting on an event instead keeps the shutdown path
(the ``finally`` below) reachable at every moment.
"""

from __future__ import annotations

import logging
from typing import Any, cast

import trio
from hypercorn.config import Config
from hypercorn.trio import serve

from contracts.errors import ConfigError
from gateway.admin._app import AdminApp
from gateway.log import get_logger

__all__ = ["DEFAULT_BIND", "serve_admin"]

DEFAULT_BIND = "127.0.0.1:8080"
_SHIELD_MARGIN = 1.0  # seconds past graceful_timeout before the shield gives up

log = get_logger("gateway.admin")


def _first_leaf(group: BaseExceptionGroup[OSError]) -> OSError:
    first = group.exceptions[0]
    return first if isinstance(first, OSError) else _first_leaf(first)


class _Binds:
    """Receives hypercorn's ``task_status.started(binds)``: the URLs it listens on."""

    def __init__(self) -> None:
        self.urls: list[str] = []
        self.bound = trio.Event()

    def started(self, value: list[str] | None = None) -> None:
        self.urls = list(value or [])
        self.bound.set()


def _config(bind: str, graceful_timeout: float) -> Config:
    config = Config()
    config.bind = [bind]
    config.graceful_timeout = graceful_timeout
    config.accesslog = None  # AdminApp writes its own structured access line
    config.errorlog = logging.getLogger("hypercorn.error")  # through our root handler
    config.include_server_header = False
    return config


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
    config = _config(bind, graceful_timeout)
    shutdown = trio.Event()
    binds = _Binds()
    server_scope = trio.CancelScope(shield=True)

    async def run_server() -> None:
        with server_scope:
            # hypercorn types the app against its own ASGI TypedDicts; ours takes mappings.
            asgi_app = cast(Any, app)
            await serve(asgi_app, config, shutdown_trigger=shutdown.wait, task_status=binds)

    failure: OSError | None = None
    try:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(run_server)
            try:
                await binds.bound.wait()
                url = binds.urls[0]
                log.info("admin_listening", url=url)
                task_status.started(url)
                await trio.sleep_forever()
            finally:
                if binds.bound.is_set():
                    log.info("admin_stopping", url=binds.urls[0], graceful_s=graceful_timeout)
                shutdown.set()
                server_scope.deadline = trio.current_time() + graceful_timeout + _SHIELD_MARGIN
    except* OSError as group:
        if binds.bound.is_set():
            raise  # failed while serving: not a matter of configuration
        # hypercorn binds inside its own nurseries, so the error comes in a group; it is
        # raised below, outside the handler, so the caller gets a plain ConfigError.
        failure = _first_leaf(group)
    if failure is not None:
        raise ConfigError(
            f"admin API cannot listen on {bind}: {failure.strerror or failure}",
            path="$.admin.bind",
            bind=bind,
        ) from failure
