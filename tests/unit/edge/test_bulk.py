"""The cycle collector is paused while a large file is read, and always given back."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from contracts.errors import RejectedInput
from edge.edi import _bulk, edifact, x12
from edge.edi._bulk import collector_paused


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    was = gc.isenabled()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def test_a_large_input_pauses_the_collector_for_the_block_only() -> None:
    gc.enable()
    with collector_paused(True):
        assert not gc.isenabled()
    assert gc.isenabled()
    with collector_paused(False):
        assert gc.isenabled()


def test_the_collector_comes_back_when_the_block_raises() -> None:
    gc.enable()
    with pytest.raises(RuntimeError), collector_paused(True):
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_a_collector_someone_else_disabled_stays_disabled() -> None:
    gc.disable()
    with collector_paused(True):
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_overlapping_pauses_in_threads_resume_when_the_last_one_ends() -> None:
    gc.enable()
    first_in, second_in, first_may_leave = threading.Event(), threading.Event(), threading.Event()
    seen: list[bool] = []

    def first() -> None:
        with collector_paused(True):
            first_in.set()
            second_in.wait(5)
            first_may_leave.wait(5)
        seen.append(gc.isenabled())  # the second pause still holds

    def second() -> None:
        first_in.wait(5)
        with collector_paused(True):
            second_in.set()
            first_may_leave.set()
            worker.join(5)
            seen.append(gc.isenabled())

    worker = threading.Thread(target=first)
    worker.start()
    second()
    assert seen == [False, False]
    assert gc.isenabled() and _bulk._pauses == 0


def test_a_refused_large_file_gives_the_collector_back(monkeypatch: pytest.MonkeyPatch) -> None:
    gc.enable()
    monkeypatch.setattr("edge.edi.edifact._reader.LARGE_BYTES", 1)
    monkeypatch.setattr("edge.edi.x12._reader.LARGE_BYTES", 1)
    for parse, data in ((edifact.parse, b"UNB+UNOC:3+A+B+240101:1200+1'UNH"), (x12.parse, b"ISA*")):
        with pytest.raises(RejectedInput):
            parse(data)
        assert gc.isenabled()


def test_a_large_parse_runs_with_the_collector_paused(monkeypatch: pytest.MonkeyPatch) -> None:
    gc.enable()
    states: list[bool] = []
    real = edifact._reader._Reader.read

    def spy(self: edifact._reader._Reader) -> list[edifact.Interchange]:
        states.append(gc.isenabled())
        return real(self)

    monkeypatch.setattr(edifact._reader._Reader, "read", spy)
    data = b"UNB+UNOC:3+A+B+240101:1200+1'UNH+1+ORDERS:D:96A:UN'BGM+220+1'UNT+3+1'UNZ+1+1'"
    edifact.parse(data)
    monkeypatch.setattr("edge.edi.edifact._reader.LARGE_BYTES", 1)
    edifact.parse(data)
    assert states == [True, False] and gc.isenabled()
