"""Serve the webhook receiver with hypercorn's trio worker, and stop it gracefully.

The same shape as the admin API's server (``gateway.admin``, which ``edge`` may not import):
hypercorn reports its binds through ``task_status`` as URLs taken from the bound sockets, so
port 0 gives back the real port. Cancelling :func:`serve_webhooks` fires hypercorn's
``shutdown_trigger`` instead of cancelling hypercorn itself: it stops accepting and lets
requests in flight finish (a request whose body was committed still gets its 202) for up to
``graceful_timeout`` seconds. The server runs in a shielded scope whose deadline is set just
past that when shutdown starts, so a stuck request never holds up the process's shutdown.

The server is started with ``start_soon`` and reports its binds to a :class:`_Binds`, not
through ``nursery.start``: a shielded server cancelled while still binding would never end,
and ``start`` would wait for it; waiting on an event keeps the shutdown path reachable.
"""

from __future__ import annotations

import logging
from typing import Any, cast

import trio
from hypercorn.config import Config
from hypercorn.trio import serve

from contracts.errors import ConfigError
from edge.http._log import EventLog
from edge.http._receiver import WebhookApp

__all__ = ["DEFAULT_BIND", "serve_webhooks"]

DEFAULT_BIND = "127.0.0.1:8081"
_SHIELD_MARGIN = 1.0  # seconds past graceful_timeout before the shield gives up

log = EventLog("edge.http.webhooks")


class _Binds:
    """Receives hypercorn's ``task_status.started(binds)``: the URLs it listens on."""

    def __init__(self) -> None:
        self.urls: list[str] = []
        self.bound = trio.Event()

    def started(self, value: list[str] | None = None) -> None:
        self.urls = list(value or [])
        self.bound.set()


def _first_leaf(group: BaseExceptionGroup[OSError]) -> OSError:
    first = group.exceptions[0]
    return first if isinstance(first, OSError) else _first_leaf(first)


def _config(bind: str, graceful_timeout: float) -> Config:
    config = Config()
    config.bind = [bind]
    config.graceful_timeout = graceful_timeout
    config.accesslog = None  # the app writes its own structured line per request
    config.errorlog = logging.getLogger("hypercorn.error")
    config.include_server_header = False
    return config


async def serve_webhooks(
    app: WebhookApp,
    bind: str = DEFAULT_BIND,
    *,
    graceful_timeout: float = 5.0,
    task_status: trio.TaskStatus[str] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve ``app`` on ``bind`` (``host:port``; port 0 picks one) until cancelled.

    Reports the base URL actually bound (``"http://127.0.0.1:41234"``; senders POST to
    ``<url>/webhooks/<partner id>``) through ``task_status.started``. Raises ``ConfigError``
    naming ``$.webhooks.bind`` when it cannot bind.
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
                log.info("webhooks_listening", url=url, partners=len(app.partners))
                task_status.started(url)
                await trio.sleep_forever()
            finally:
                if binds.bound.is_set():
                    log.info("webhooks_stopping", url=url, graceful_s=graceful_timeout)
                shutdown.set()
                server_scope.deadline = trio.current_time() + graceful_timeout + _SHIELD_MARGIN
    except* OSError as group:
        if binds.bound.is_set():
            raise  # failed while serving: not a matter of configuration
        failure = _first_leaf(group)
    if failure is not None:
        raise ConfigError(
            f"webhook receiver cannot listen on {bind}: {failure.strerror or failure}",
            path="$.webhooks.bind",
            bind=bind,
        ) from failure
