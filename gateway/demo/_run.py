"""``crossdock demo``: start everything, play every scenario, print the summary.

With ``once`` the demo exits when the scenarios are done: status 0 when every available
flow completed, 1 naming the flows that did not. Without it the gateway keeps running (the
admin API on 127.0.0.1:8080 by default) until Ctrl-C. The state directory (a temp dir unless
given) holds the generated configuration, keys, the store and ``gateway.log``; a temp dir is
removed at exit, a given one kept.
"""

from __future__ import annotations

import shutil
import signal
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import trio

from gateway.demo._report import OdooReader, Progress
from gateway.demo._scenarios import SCENARIOS
from gateway.demo._setup import X12_3PL
from gateway.demo._world import World, open_world
from gateway.log import configure_logging

__all__ = ["DemoOptions", "play", "run_demo"]

DEFAULT_ADMIN_PORT = 8080


@dataclass(frozen=True)
class DemoOptions:
    once: bool = False
    state_dir: Path | None = None
    """Keep the files here (created if absent); None: a temp dir removed at exit."""
    admin_port: int | None = None
    """None: 8080, or a free port with ``once``."""


async def play(world: World, progress: Progress) -> list[str]:
    """Play every scenario the build supports; returns the failing flows."""
    reader = OdooReader(world.odoo_url, world.sim.database, world.files.odoo_key)
    before = await reader.quants()
    for scenario in SCENARIOS:
        if not scenario.needs <= world.available:
            progress.unavailable(scenario.flow, scenario.what)
            continue
        await scenario.play(world, progress)
    received = dict(world.received)
    received[X12_3PL] = [name for name, _ in world.x12_inbox.files]
    progress.summary(await reader.holdings(before), received)
    return progress.failing()


async def _main(options: DemoOptions, state_dir: Path, out: TextIO) -> int:
    admin_port = options.admin_port
    if admin_port is None:
        admin_port = 0 if options.once else DEFAULT_ADMIN_PORT
    progress = Progress(out)
    progress.say(f"crossdock demo: state in {state_dir}")
    async with open_world(state_dir, admin_port=admin_port) as world:
        flows = sorted(n.removeprefix("workflow:") for n in world.available if ":" in n)
        progress.say(
            f"Odoo simulator (a test double) on {world.odoo_url}; gateway admin on "
            f"{world.admin_url}; drop server on 127.0.0.1:{world.drop_port}"
        )
        progress.say(f"workflows in this build: {', '.join(flows) or 'none'}")
        progress.say("")
        failing = await play(world, progress)
        progress.say("")
        if failing:
            progress.say(f"FAILED: {', '.join(failing)} (details above; log in gateway.log)")
        else:
            progress.say("every available flow completed")
        if options.once:
            return 1 if failing else 0
        progress.say(f"the gateway keeps running: admin API on {world.admin_url}; Ctrl-C stops")
        with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
            async for _ in signals:
                break
        return 1 if failing else 0


def run_demo(options: DemoOptions, out: TextIO | None = None) -> int:
    """Run the demo in the foreground; the CLI's exit status."""
    stream = out or sys.stdout
    temporary = options.state_dir is None
    state_dir = (
        Path(tempfile.mkdtemp(prefix="crossdock-demo-"))
        if options.state_dir is None
        else options.state_dir.resolve()
    )
    state_dir.mkdir(parents=True, exist_ok=True)
    log_file = (state_dir / "gateway.log").open("a", encoding="utf-8")
    try:
        configure_logging(level="info", fmt="json", stream=log_file)
        return trio.run(_main, options, state_dir, stream)
    finally:
        log_file.close()
        if temporary:
            shutil.rmtree(state_dir, ignore_errors=True)
            print(f"removed {state_dir}", file=stream)
        else:
            print(f"kept {state_dir}", file=stream)
