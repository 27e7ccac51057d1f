"""The cycle collector paused while a large file is read, checked or mapped.

A 10 MB interchange makes a few hundred thousand tuples and Structs in one go. CPython's
cycle collector runs every 700 new container objects and, as the young objects pile up, walks
the whole heap again (a full collection each time the new objects outnumber a quarter of the
old ones): on such a file about a tenth of the parse went into walks that find nothing, for
what these functions build holds no reference cycle. So the collector is paused for the
call when the input is large, and resumed at its end; the objects made meanwhile are
collected as one young generation at the next collection (measured: a 10 MB EDIFACT parse
0.465 s with the collector running, 0.414 s paused, that young collection included).

Small inputs (every file of everyday traffic) do not pause anything. Parses run in worker
threads, possibly several at once: the pauses are counted, and the collector is resumed when
the last one ends, and only if it was running when the first one began.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from ._segment import Segment

__all__ = ["LARGE_BYTES", "LARGE_SEGMENTS", "collector_paused", "segment_count"]

LARGE_BYTES = 1 << 20
"""From this input size (bytes) on, a parse pauses the collector."""
LARGE_SEGMENTS = 40_000
"""From this many segments on (about 1 MB of EDI), validation and mapping pause it."""

_lock = threading.Lock()
_pauses = 0
_resume = False


@contextmanager
def collector_paused(large: bool) -> Iterator[None]:
    """Pause the cycle collector for the block when ``large``; nothing otherwise."""
    if not large:
        yield
        return
    global _pauses, _resume
    with _lock:
        if _pauses == 0:
            _resume = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _resume:
                gc.enable()


class _Enveloped(Protocol):
    @property
    def header(self) -> Segment: ...
    @property
    def trailer(self) -> Segment: ...


def segment_count(interchange: _Enveloped) -> int:
    """How many segments an interchange spans, from its header's and trailer's positions
    (0 when it was built in code and has none)."""
    first, last = interchange.header.index, interchange.trailer.index
    return 0 if first is None or last is None else last - first + 1
