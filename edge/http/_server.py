"""Serve an ASGI app with hypercorn's trio worker, and stop it gracefully.

Shared by the webhook receiver (:func:`serve_webhooks`) and the admin API
(``gateway.admin.serve_admin``, which imports :func:`serve_asgi` from here: the gateway may
import the edges, not the other way round).

hypercorn's ``serve`` reports its binds through ``task_status`` as URLs (``http://host:port``,
``[v6]:port`` bracketed) taken from the bound sockets, so port 0 gives back the real port.

Graceful shutdown: cancelling hypercorn's task directly would cut requests in flight, since a
cancelled scope cancels its whole subtree, grace period included. So the server runs in a
shielded scope, and cancelling :func:`serve_asgi` instead fires hypercorn's
``shutdown_trigger``: it stops accepting, lets requests in flight finish (a webhook whose body
was committed still gets its 202) for up to ``graceful_timeout`` seconds, then closes what is
left. The shield itself carries a deadline just past that, so a stuck handler can never hold
up the process's shutdown.

The server is started with ``start_soon`` and reports its binds to a :class:`_Binds`, not
through ``nursery.start``: when the caller is cancelled while the server is still binding,
trio's ``started()`` quietly leaves the task where it is and ``start`` waits for it to end,
which a shielded server never would. Waiting on an event instead keeps the shutdown path
(the ``finally`` below) reachable at every moment.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Protocol, cast

import trio
from hypercorn.config import Config
from hypercorn.trio import serve

from contracts.errors import ConfigError
from edge._log import EventLog
from edge.http._receiver import WebhookApp

__all__ = ["DEFAULT_BIND", "EventLogger", "serve_asgi", "serve_webhooks"]

DEFAULT_BIND = "127.0.0.1:8081"
_SHIELD_MARGIN = 1.0  # seconds past graceful_timeout before the shield gives up

log = EventLog("edge.http.webhooks")


class EventLogger(Protocol):
    """Where :func:`serve_asgi` writes its two lines: ``edge``'s EventLog or ``gateway.log``."""

    def info(self, event: str, /, **fields: object) -> None: ...


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
    config.errorlog = logging.getLogger("hypercorn.error")  # through our root handler
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
    await serve_asgi(
        app,
        bind,
        graceful_timeout=graceful_timeout,
        log=log,
        event_prefix="webhooks",
        listening_fields={"partners": len(app.partners)},
        what="webhook receiver",
        config_path="$.webhooks.bind",
        task_status=task_status,
    )


async def serve_asgi(
    app: object,
    bind: str,
    *,
    graceful_timeout: float,
    log: EventLogger,
    event_prefix: str,
    what: str,
    config_path: str,
    listening_fields: Mapping[str, object] | None = None,
    task_status: trio.TaskStatus[str] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve the ASGI callable ``app`` on ``bind`` (``host:port``; port 0 picks one) until
    cancelled, then shut down gracefully (see the module docs).

    Reports the base URL actually bound through ``task_status.started`` and logs
    ``<event_prefix>_listening`` (with ``listening_fields``) and ``<event_prefix>_stopping``.
    Raises ``ConfigError`` naming ``config_path`` ("``<what>`` cannot listen on ...") when it
    cannot bind.
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
                log.info(f"{event_prefix}_listening", url=url, **(listening_fields or {}))
                task_status.started(url)
                await trio.sleep_forever()
            finally:
                if binds.bound.is_set():
                    log.info(
                        f"{event_prefix}_stopping", url=binds.urls[0], graceful_s=graceful_timeout
                    )
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
            f"{what} cannot listen on {bind}: {failure.strerror or failure}",
            path=config_path,
            bind=bind,
        ) from failure
