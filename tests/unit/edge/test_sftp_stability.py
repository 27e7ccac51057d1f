"""The stability rules as pure functions: listings in, files to take out, time passed in."""

from __future__ import annotations

from edge.sftp import PollState, RemoteFile, StabilityRule, select_stable
from edge.sftp._stability import markers_for


def f(name: str, size: int = 10, mtime: int = 1000) -> RemoteFile:
    return RemoteFile(name, size, mtime)


def names(files: list[RemoteFile]) -> list[str]:
    return [x.name for x in files]


def test_size_mtime_needs_two_sightings_stable_for_long_enough() -> None:
    rule, state = StabilityRule(kind="size-mtime", stable_for=30), PollState()
    assert select_stable([f("a")], rule, state, now=0) == []
    assert select_stable([f("a")], rule, state, now=29.9) == []
    assert names(select_stable([f("a")], rule, state, now=30)) == ["a"]


def test_size_mtime_restarts_the_watch_when_the_file_changes() -> None:
    rule, state = StabilityRule(kind="size-mtime", stable_for=30), PollState()
    select_stable([f("a", size=1)], rule, state, now=0)
    assert select_stable([f("a", size=2)], rule, state, now=40) == []  # grew: watch again
    assert select_stable([f("a", size=2, mtime=1001)], rule, state, now=80) == []  # touched
    assert names(select_stable([f("a", size=2, mtime=1001)], rule, state, now=110)) == ["a"]


def test_a_vanished_file_is_forgotten() -> None:
    rule, state = StabilityRule(kind="size-mtime", stable_for=30), PollState()
    select_stable([f("a")], rule, state, now=0)
    select_stable([], rule, state, now=10)
    assert state.watching == {}
    assert select_stable([f("a")], rule, state, now=40) == []  # a new sighting, not stable


def test_done_file_rule_takes_files_with_a_marker_and_never_the_marker() -> None:
    rule, state = StabilityRule(kind="done-file"), PollState()
    listing = [f("a.x12"), f("a.x12.done"), f("b.x12"), f("c.x12"), f("c.x12.ok"), f("d.done")]
    assert names(select_stable(listing, rule, state, now=0)) == ["a.x12", "c.x12"]
    assert markers_for("a.x12", listing, rule) == ["a.x12.done"]
    assert markers_for("a.x12", listing, StabilityRule(kind="rename")) == []


def test_rename_rule_takes_matching_names_at_once() -> None:
    rule = StabilityRule(kind="rename", pattern="*.edi")
    listing = [f("PO1.edi"), f("PO2.edi.part"), f(".PO3.edi.tmp"), f("notes.txt")]
    assert names(select_stable(listing, rule, PollState(), now=0)) == ["PO1.edi"]


def test_hidden_names_are_skipped_unless_the_pattern_asks_for_them() -> None:
    listing = [f(".PO1.edi.0123.part"), f("PO2.edi")]
    rule = StabilityRule(kind="rename", pattern="*")
    assert names(select_stable(listing, rule, PollState(), now=0)) == ["PO2.edi"]
    dotted = StabilityRule(kind="rename", pattern=".*.part")
    assert names(select_stable(listing, dotted, PollState(), now=0)) == [".PO1.edi.0123.part"]


def test_pattern_filters_every_rule_and_refused_files_are_skipped_until_changed() -> None:
    rule, state = StabilityRule(kind="rename", pattern="*.csv"), PollState()
    state.refused.add(("bad.csv", 10, 1000))
    listing = [f("bad.csv"), f("good.csv"), f("other.edi")]
    assert names(select_stable(listing, rule, state, now=0)) == ["good.csv"]
    changed = [f("bad.csv", size=11)]
    assert names(select_stable(changed, rule, state, now=0)) == ["bad.csv"]
