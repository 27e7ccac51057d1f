"""Serving the simulator: in a trio task, in a thread of its own, or as the CLI's process.

:func:`serve_simulator` runs hypercorn's trio worker until cancelled and reports the URL it
bound (port 0 picks one) through ``task_status``. :func:`simulator_in_thread` runs it under
its own ``trio.run`` in a thread, for synchronous clients such as odoorpc that would block a
test's event loop. :func:`run_simulator_cli` is what ``crossdock odoo-sim`` calls.
"""

from __future__ import annotations

import logging
import queue
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any, TextIO, cast

import trio
from hypercorn.config import Config
from hypercorn.trio import serve

from ._app import SimulatorApp
from ._sim import OdooSimulator, ProtocolChoice

__all__ = ["run_simulator_cli", "serve_simulator", "simulator_in_thread"]

log = logging.getLogger("edge.odoo.simulator")


def _config(host: str, port: int) -> Config:
    config = Config()
    config.bind = [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"]
    config.accesslog = None
    config.errorlog = logging.getLogger("edge.odoo.simulator.http")
    config.graceful_timeout = 1.0
    config.keep_alive_timeout = 30.0
    return config


async def serve_simulator(
    sim: OdooSimulator,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    task_status: trio.TaskStatus[str] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve ``sim`` over HTTP until cancelled; reports ``"http://127.0.0.1:<port>"``."""
    app = cast(Any, SimulatorApp(sim))  # hypercorn types apps against its own TypedDicts
    async with trio.open_nursery() as nursery:
        binds: list[str] = await nursery.start(partial(serve, app, _config(host, port)))
        url = binds[0]
        log.info(
            "odoo_simulator_listening url=%s database=%s version=%s protocol=%s",
            url,
            sim.database,
            sim.version,
            sim.protocol,
        )
        task_status.started(url)


@contextmanager
def simulator_in_thread(
    sim: OdooSimulator, host: str = "127.0.0.1", port: int = 0
) -> Iterator[str]:
    """Serve ``sim`` from a thread with its own event loop; yields the URL, stops on exit.

    The simulator's state is touched from that thread while serving: read it through its
    HTTP control endpoints, or after the block ends.
    """
    started: queue.Queue[str | BaseException] = queue.Queue()
    stop: list[trio.CancelScope] = []
    token: list[trio.lowlevel.TrioToken] = []

    async def main() -> None:
        with trio.CancelScope() as scope:
            stop.append(scope)
            token.append(trio.lowlevel.current_trio_token())
            async with trio.open_nursery() as nursery:
                url = await nursery.start(serve_simulator, sim, host, port)
                started.put(url)

    def run() -> None:
        try:
            trio.run(main)
        except BaseException as exc:  # handed to the caller's thread, never lost
            started.put(exc)

    thread = threading.Thread(target=run, name="odoo-simulator", daemon=True)
    thread.start()
    first = started.get(timeout=30)
    if isinstance(first, BaseException):
        thread.join()
        raise RuntimeError("the Odoo simulator did not start") from first
    try:
        yield first
    finally:
        trio.from_thread.run_sync(stop[0].cancel, trio_token=token[0])
        thread.join(timeout=30)
        if not started.empty():
            late = started.get()
            if isinstance(late, BaseException):
                raise RuntimeError("the Odoo simulator failed while serving") from late


def run_simulator_cli(
    *,
    host: str = "127.0.0.1",
    port: int = 8069,
    protocol: ProtocolChoice = "both",
    api_key: str | None = None,
    version: str | None = None,
    database: str = "crossdock",
    seed_data: bool = True,
    out: TextIO | None = None,
) -> int:
    """Run the simulator in the foreground until SIGINT / SIGTERM; the CLI's exit code.

    Prints where it listens and how to log in; a generated API key is printed once, since
    nobody could use the simulator without it.
    """
    stream = out or sys.stdout
    sim = OdooSimulator(
        database=database,
        api_key=api_key,
        protocol=protocol,
        version=version,
        seed_data=seed_data,
    )

    async def main() -> None:
        async with trio.open_nursery() as nursery:
            url = await nursery.start(serve_simulator, sim, host, port)
            print(f"Odoo simulator (a test double) listening on {url}", file=stream)
            print(
                f"  Odoo {sim.version}, protocol {sim.protocol}, database {sim.database!r}, "
                "login 'admin' / 'admin'",
                file=stream,
            )
            if sim.key_generated:
                print(f"  API key (generated): {sim.api_key}", file=stream)
            stream.flush()
            with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
                async for _ in signals:
                    break
            nursery.cancel_scope.cancel()

    trio.run(main)
    print("Odoo simulator stopped", file=stream)
    return 0
