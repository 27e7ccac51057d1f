"""The asyncio bridge: ONE trio-asyncio loop for the asyncio libraries the gateway uses.

aiosqlite (the store) and asyncssh (the SFTP edge) are asyncio libraries; the process runs
under ``trio.run``. The root opens one trio-asyncio loop around everything that needs it::

    async with open_asyncio_bridge():
        async with open_store(path) as store:
            ...

and the adapters call asyncio coroutine functions through :func:`call_asyncio`.

Nesting is harmless, by decision: :func:`open_asyncio_bridge` inside an open bridge yields
the loop that is already running and leaves it open on exit. So components (the store, the
SFTP server, a test) can each say "I need the bridge" without caring whether the root
already opened it, and the process still has exactly one loop. The flip side: a component
must not outlive the bridge block it was opened in; open it inside, close it inside.

Cancellation: cancelling the trio scope around :func:`call_asyncio` cancels the asyncio task
(``CancelledError`` inside the coroutine) and the trio caller then sees ``trio.Cancelled``.
Work already handed to a thread (aiosqlite's worker) runs to its end regardless; the store
deals with that (its writer shields the batch in flight).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import trio_asyncio

__all__ = ["call_asyncio", "current_asyncio_loop", "open_asyncio_bridge"]

T = TypeVar("T")


def current_asyncio_loop() -> asyncio.AbstractEventLoop | None:
    """The open trio-asyncio loop visible from this task, or None."""
    loop: asyncio.AbstractEventLoop | None = trio_asyncio.current_loop.get()
    if loop is None or loop.is_closed():
        return None
    return loop


@asynccontextmanager
async def open_asyncio_bridge() -> AsyncIterator[asyncio.AbstractEventLoop]:
    """Open the trio-asyncio loop, or reuse the one already open (see the module docs)."""
    loop = current_asyncio_loop()
    if loop is not None:
        yield loop
        return
    async with trio_asyncio.open_loop() as opened:
        yield opened


async def call_asyncio(
    fn: Callable[..., Awaitable[T]],
    *args: Any,
    loop: asyncio.AbstractEventLoop | None = None,
) -> T:
    """``await fn(*args)`` as an asyncio task on the bridge loop, from trio.

    ``loop`` defaults to the loop visible from the calling task; pass it explicitly from
    tasks that may have been spawned outside the bridge block.
    """
    target = loop if loop is not None else current_asyncio_loop()
    if target is None:
        raise RuntimeError(
            "no asyncio bridge is open: wrap the caller in `async with open_asyncio_bridge():`"
        )
    result: T = await trio_asyncio.aio_as_trio(fn, loop=target)(*args)
    return result
