"""The segments of one interchange already found clean, so that a repeat costs one look-up.

The tokenizer shares one elements tuple between identical segments (the same buyer, the
same product description, the same date, message after message), so the validator notes,
per segment check, the tuples it found clean and skips them when they come again. They are
noted by ``id``: hashing a tuple of tuples costs about as much as the quick check it would
save. An ``id`` names a tuple only while the tuple lives, so the notes last one interchange
(whose segments hold every tuple noted) and are never kept beyond it; and a check notes at
most ``CLEAN_LIMIT`` tuples, so the notes of segments that never repeat (a PO1 line: its
line number, quantity and price differ every time) stay small enough to be cheap to look in.
"""

from __future__ import annotations

from ._elements import SegmentChecker
from ._machine import Plan

__all__ = ["CLEAN_LIMIT", "CleanSegments", "Seen"]

CLEAN_LIMIT = 4096
"""Elements tuples noted per segment check and interchange; past it, none is added."""


class Seen(set[int]):
    """The ``id`` of every elements tuple ``checker`` found clean (``None``: no check)."""

    __slots__ = ("checker",)

    def __init__(self, checker: SegmentChecker | None) -> None:
        super().__init__()
        self.checker = checker


class CleanSegments:
    """The notes of one interchange: a ``Seen`` per segment check, and per plan the
    ``Seen`` of each of its steps (so the replay of a plan looks nothing else up)."""

    __slots__ = ("by_checker", "by_plan")

    def __init__(self) -> None:
        self.by_checker: dict[SegmentChecker | None, Seen] = {}
        self.by_plan: dict[Plan, list[Seen]] = {}

    def seen(self, checker: SegmentChecker | None) -> Seen:
        found = self.by_checker.get(checker)
        if found is None:
            found = self.by_checker[checker] = Seen(checker)
        return found

    def for_plan(self, plan: Plan) -> list[Seen]:
        found = self.by_plan.get(plan)
        if found is None:
            found = self.by_plan[plan] = [self.seen(checker) for checker in plan.checkers]
        return found
