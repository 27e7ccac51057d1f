"""The asyncio bridge: one trio-asyncio loop, reused when nested, cancellation across it."""

from __future__ import annotations

import asyncio

import pytest
import trio
import trio.testing

from gateway.bridge import call_asyncio, current_asyncio_loop, open_asyncio_bridge


async def test_nested_bridges_share_one_loop_and_the_outer_one_closes_it() -> None:
    assert current_asyncio_loop() is None
    async with open_asyncio_bridge() as outer:
        async with open_asyncio_bridge() as inner:
            assert inner is outer
        assert not outer.is_closed()  # the inner block did not close the root's loop
        assert current_asyncio_loop() is outer
    assert outer.is_closed()
    assert current_asyncio_loop() is None


async def test_call_asyncio_runs_a_coroutine_on_the_loop() -> None:
    async def add(a: int, b: int) -> tuple[int, bool]:
        await asyncio.sleep(0)
        return a + b, asyncio.get_running_loop() is loop

    async with open_asyncio_bridge() as loop:
        assert await call_asyncio(add, 2, 3) == (5, True)

        async def fails() -> None:
            raise LookupError("from asyncio")

        with pytest.raises(LookupError, match="from asyncio"):
            await call_asyncio(fails)


async def test_a_task_spawned_before_the_bridge_passes_the_loop_explicitly() -> None:
    async def where() -> asyncio.AbstractEventLoop:
        return asyncio.get_running_loop()

    bridge_open = trio.Event()
    done = trio.Event()
    results: list[object] = []
    box: list[asyncio.AbstractEventLoop] = []

    async def early() -> None:  # its context was copied before the bridge existed
        await bridge_open.wait()
        try:
            await call_asyncio(where)
        except RuntimeError as exc:
            results.append(exc)
        results.append(await call_asyncio(where, loop=box[0]))
        done.set()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(early)
        async with open_asyncio_bridge() as loop:
            box.append(loop)
            bridge_open.set()
            await done.wait()
        assert isinstance(results[0], RuntimeError) and results[1] is loop


async def test_cancelling_the_trio_scope_cancels_the_asyncio_task() -> None:
    seen: list[str] = []
    started = trio.Event()

    async def waits_forever() -> None:
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            seen.append("asyncio saw CancelledError")
            raise

    async with open_asyncio_bridge():
        with trio.CancelScope() as scope:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(call_asyncio, waits_forever)
                await started.wait()
                scope.cancel()
        assert scope.cancelled_caught
    assert seen == ["asyncio saw CancelledError"]


async def test_call_asyncio_without_a_bridge_says_what_to_do() -> None:
    async def nothing() -> None:
        return None

    with pytest.raises(RuntimeError, match="open_asyncio_bridge"):
        await call_asyncio(nothing)
