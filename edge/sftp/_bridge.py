"""The edge's side of the asyncio bridge: asyncssh runs in the ONE trio-asyncio loop.

``edge`` may not import ``gateway.bridge``, so this repeats its one rule: if a trio-asyncio
loop is already open for the calling task, use it (and leave it open); otherwise open one for
the duration of the block. The gateway's root opens the loop first, so in the process there is
exactly one; a test or a bench that starts the drop server alone gets its own.

A loop opened here runs in a nursery of its own, so an exception raised in the block would
come out wrapped in an exception group; a group holding a single exception is unwrapped, so
callers catch ``SftpUnreachable`` the same way whoever opened the loop.

``call`` runs an asyncio coroutine function from trio. Cancelling the trio caller cancels the
asyncio task; the caller then sees ``trio.Cancelled``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import trio_asyncio

__all__ = ["call", "open_loop"]

T = TypeVar("T")


@asynccontextmanager
async def open_loop() -> AsyncIterator[asyncio.AbstractEventLoop]:
    """The trio-asyncio loop open for this task, or a new one for the block."""
    loop: asyncio.AbstractEventLoop | None = trio_asyncio.current_loop.get()
    if loop is not None and not loop.is_closed():
        yield loop
        return
    try:
        async with trio_asyncio.open_loop() as opened:
            yield opened
    except BaseExceptionGroup as group:
        leaves = _leaves(group)
        if len(leaves) == 1:
            raise leaves[0] from None
        raise


def _leaves(group: BaseExceptionGroup[BaseException]) -> list[BaseException]:
    found: list[BaseException] = []
    for exc in group.exceptions:
        found.extend(_leaves(exc) if isinstance(exc, BaseExceptionGroup) else [exc])
    return found


async def call(loop: asyncio.AbstractEventLoop, fn: Callable[..., Awaitable[T]], *args: Any) -> T:
    """``await fn(*args)`` as an asyncio task on ``loop``, from trio."""
    result: T = await trio_asyncio.aio_as_trio(fn, loop=loop)(*args)
    return result
