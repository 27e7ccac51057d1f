"""A message spec compiled for the validator's walk (``_validate``), once per spec.

The structure becomes levels (the message and each group) whose ``forward`` tables answer,
for the slot last matched and the next tag, which slot it fills: one dict look-up per
segment in the common case.

A ``Machine`` also keeps plans: for a sequence of tags the walk went through without a
structural violation, which segment check (and loop name) each segment got. Structure
depends on the tags alone, so a message whose tags repeat a planned sequence needs only its
element checks (``_Walk.replay``). Order-like files repeat a few shapes (one per number of
lines) thousands of times; a machine keeps at most ``PLAN_LIMIT`` plans, so a long-running
gateway does not grow them without end.
"""

from __future__ import annotations

from collections.abc import Iterable

from ._elements import SegmentChecker
from ._model import GroupSpec, MessageSpec

__all__ = ["PLAN_LIMIT", "Level", "Machine", "Plan", "machine_for"]

PLAN_LIMIT = 1024
"""Plans kept per machine; past it, new shapes are walked every time."""


class Plan:
    """For the segments after the header: the check each gets (None: none) and its loop."""

    __slots__ = ("checkers", "loops")

    def __init__(self, steps: Iterable[tuple[SegmentChecker | None, str]]) -> None:
        steps = tuple(steps)
        self.checkers = tuple(checker for checker, _ in steps)
        self.loops = tuple(loop for _, loop in steps)


class Level:
    """One level of the structure (the message or a group): its slots, as parallel lists."""

    __slots__ = (
        "checkers",
        "collapsed",
        "forward",
        "groups",
        "mandatory",
        "maxes",
        "name",
        "next_required",
        "positions",
        "required",
        "tags",
        "tolerated",
    )  # fmt: skip

    def __init__(self, group: GroupSpec, spec: MessageSpec, every: dict[str, list[str]]) -> None:
        edifact = spec.standard == "edifact"
        x12_5010 = spec.release >= "005010" and not edifact
        self.name = group.name
        self.collapsed = group.collapsed
        self.tolerated = group.tolerated
        self.tags = [slot.tag for slot in group.slots]
        self.mandatory = [slot.mandatory for slot in group.slots]
        self.maxes = [slot.max for slot in group.slots]
        self.groups = [
            Level(slot.group, spec, every) if slot.group is not None else None
            for slot in group.slots
        ]
        self.checkers: list[SegmentChecker | None] = []
        for slot in group.slots:
            rule = spec.segments.get(slot.tag) if slot.used else None
            self.checkers.append(
                SegmentChecker(rule, edifact=edifact, x12_5010=x12_5010) if rule else None
            )
        count = len(self.tags)
        self.forward: list[dict[str, int]] = []
        for i in range(count):
            table: dict[str, int] = {}
            for j in range(max(i, 1), count):
                table.setdefault(self.tags[j], j)
            self.forward.append(table)
        self.required = [j for j in range(1, count) if self.mandatory[j]]
        self.next_required = [
            next((j for j in self.required if j > i), count) for i in range(count)
        ]
        """For each slot, the first mandatory slot after it: moving from ``i`` to ``j`` can skip
        a mandatory slot only when ``next_required[i] < j``."""
        self.positions: dict[str, int] = {}
        for j in range(1, count):
            self.positions.setdefault(self.tags[j], j)
        for tag in self.tags:
            every.setdefault(tag, []).append(self.name)
        for tag in self.tolerated:
            every.setdefault(tag, []).append(self.name)


class Machine:
    """A spec compiled for the walk, with the plans of the shapes already walked."""

    __slots__ = ("edifact", "every", "plans", "root", "spec")

    def __init__(self, spec: MessageSpec) -> None:
        self.spec = spec
        self.edifact = spec.standard == "edifact"
        self.every: dict[str, list[str]] = {}
        self.root = Level(spec.root, spec, self.every)
        self.plans: dict[tuple[str, ...], Plan] = {}
        """Tags of a message (header included) -> its plan (see the module docstring)."""


_MACHINES: dict[int, tuple[MessageSpec, Machine]] = {}


def machine_for(spec: MessageSpec) -> Machine:
    """The machine of ``spec``, compiled on first use (specs are loaded once and kept)."""
    found = _MACHINES.get(id(spec))
    if found is None or found[0] is not spec:
        found = (spec, Machine(spec))
        _MACHINES[id(spec)] = found
    return found[1]
