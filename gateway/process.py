"""``crossdock run``: the process around the gateway — logging, signals, the deadline.

SIGTERM or SIGINT asks for a graceful shutdown: the gateway stops intake, lets its actors
release what they hold, and closes the store, all within ``[gateway] shutdown_deadline``
seconds. When the deadline passes, or a second signal arrives, the gateway is cancelled at
once (the store still commits what it had queued: an answered write is never lost); if even
that does not finish within ``FORCE_GRACE`` seconds, the process exits hard. Rows a forced stop
leaves ``running`` go back to the outbox through the rescuer on the next start.

Exit status: 0 after a graceful stop, 1 when the gateway failed (the supervision tree gave up,
a bug escaped) or the stop had to be forced, 2 when the configuration could not be applied
(e.g. the admin address cannot be bound).
"""

from __future__ import annotations

import os
import signal
from collections.abc import AsyncIterator
from typing import cast

import trio

from actors import RestartIntensityExceeded
from contracts.errors import ConfigError
from gateway.app import run_gateway
from gateway.config import Config
from gateway.log import LogFormat, configure_logging, get_logger
from gateway.store import StoreError

__all__ = ["FORCE_GRACE", "run_process", "serve_until_signalled"]

FORCE_GRACE = 5.0
"""Seconds a forced stop may take before the process exits without further cleanup."""

log = get_logger("crossdock.process")


class _Outcome:
    forced = False


async def serve_until_signalled(config: Config, outcome: _Outcome | None = None) -> None:
    """Run the gateway until SIGTERM / SIGINT, then stop it within the deadline."""
    outcome = outcome if outcome is not None else _Outcome()
    stop = trio.Event()
    deadline = config.gateway.shutdown_deadline
    gateway_scope = trio.CancelScope()

    def force(reason: str) -> None:
        outcome.forced = True
        log.warning("shutdown_forced", reason=reason, grace_s=FORCE_GRACE)
        gateway_scope.cancel()
        trio.lowlevel.spawn_system_task(_exit_hard_after, FORCE_GRACE)

    async def watch_signals(signals: AsyncIterator[int]) -> None:
        async for signum in signals:
            name = signal.Signals(signum).name
            if not stop.is_set():
                log.info("shutdown_requested", signal=name, deadline_s=deadline)
                stop.set()
                nursery.start_soon(enforce_deadline)
            else:
                force(f"second signal ({name})")

    async def enforce_deadline() -> None:
        await trio.sleep(deadline)
        force(f"shutdown deadline of {deadline:g} s exceeded")

    with trio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(watch_signals, signals)
            with gateway_scope:
                await run_gateway(config, stop)
            nursery.cancel_scope.cancel()


async def _exit_hard_after(seconds: float) -> None:
    await trio.sleep(seconds)
    log.error("shutdown_abandoned", reason=f"cleanup still running after {seconds:g} s")
    os._exit(1)


def _first_error(error: BaseException) -> BaseException:
    while isinstance(error, BaseExceptionGroup) and len(error.exceptions) == 1:
        error = error.exceptions[0]
    return error


def run_process(
    config: Config, *, log_level: str | None = None, log_format: str | None = None
) -> int:
    fmt = log_format or config.gateway.log_format
    if fmt not in ("text", "json", "auto"):  # the CLI's choices and the config's type
        raise ValueError(f"log format must be text, json or auto, got {fmt!r}")
    configure_logging(level=log_level or config.gateway.log_level, fmt=cast(LogFormat, fmt))
    outcome = _Outcome()
    try:
        trio.run(serve_until_signalled, config, outcome)
    except BaseException as raw:
        error = _first_error(raw)
        if isinstance(error, KeyboardInterrupt):
            return 130
        if isinstance(error, ConfigError):
            log.error("gateway_config_error", error=str(error))
            return 2
        if isinstance(error, StoreError):
            log.error("gateway_store_failed", store=config.store.path, error=str(error))
            return 1
        if isinstance(error, RestartIntensityExceeded):
            log.error("gateway_gave_up", error=str(error))
            return 1
        log.exception("gateway_crashed", error=repr(error))
        return 1
    return 1 if outcome.forced else 0
