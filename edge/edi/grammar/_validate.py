"""Validate a message (or transaction set) against its grammar, reporting every violation.

The structure is compiled once per spec into levels (the message and each group) whose
``forward`` tables answer, for the slot last matched and the next tag, which slot it fills:
one dict look-up per segment in the common case (``_machine``). A message whose tags
repeat a sequence already walked without a structural violation skips the walk: the plan
kept for that sequence says which element check each segment gets. The walk keeps a stack
of open groups; a tag no open level accepts ahead is looked for in the levels' earlier
slots (out of sequence: reported, and the walk resumes from there, so one misplaced segment
is one violation, not a cascade) and otherwise reported as unexpected and skipped.

Segments a spec marks as not used (``~``) are positioned like the others but their elements
are not checked; the content of a collapsed group (a group we do not use) is accepted in any
order. That is the rule for what the standard allows and we do not map: *tolerated where the
standard puts it, never checked*.

Element checks skip a segment already found clean in the interchange (``_clean``), then
take the quick path (``_quick``: a compiled "is it clean?" per segment rule); only what it
doubts goes to the full check, cached per call by the segment's elements. A replay runs
that clean path alone until the first doubt, and the checks one by one from there.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from .._bulk import LARGE_SEGMENTS, collector_paused, segment_count
from .._segment import Segment
from ..edifact import Interchange as EdifactInterchange
from ..edifact import Message
from ..x12 import Interchange as X12Interchange
from ..x12 import TransactionSet
from ._clean import CLEAN_LIMIT, CleanSegments
from ._codes import EdifactCode, SegmentCode, SetCode
from ._elements import Issue, SegmentChecker
from ._load import spec_for_edifact, spec_for_x12
from ._machine import PLAN_LIMIT, Level, Machine, Plan, machine_for
from ._model import MessageCheck, MessageSpec, Violation

__all__ = ["MessageCheck", "document_number", "validate", "validate_interchange"]

_UNCHECKED: tuple[SegmentChecker | None, str] = (None, "")


_Cache = dict[SegmentChecker, dict[Any, tuple[Issue, ...]]]


def validate(
    target: Message | TransactionSet,
    spec: MessageSpec | None = None,
    *,
    version: str = "",
    cache: _Cache | None = None,
) -> list[Violation]:
    """Every violation of ``target`` against ``spec`` (looked up when not given).

    An X12 set does not know its group's version: pass GS08 as ``version`` when no spec is
    given. A message with no spec gives one violation saying so. ``cache`` (a dict, empty
    at first) shares element checks between the messages of one interchange.
    """
    if spec is None:
        found = _lookup(target, version)
        if isinstance(found, Violation):
            return [found]
        spec = found
    return _validate(target, spec, cache, CleanSegments())


def _validate(
    target: Message | TransactionSet,
    spec: MessageSpec,
    cache: _Cache | None,
    clean: CleanSegments,
) -> list[Violation]:
    machine = machine_for(spec)
    segments = target.segments
    tags = tuple([segment.tag for segment in segments])  # faster than map(attrgetter)
    walk = _Walk(machine, segments, _reference(target), cache, clean)
    plan = machine.plans.get(tags)
    if plan is not None:
        return walk.replay(plan)
    violations = walk.run()
    if not walk.structural and len(machine.plans) < PLAN_LIMIT:
        machine.plans[tags] = Plan(walk.plan)
    return violations


def validate_interchange(interchange: EdifactInterchange | X12Interchange) -> list[MessageCheck]:
    """Every message of an interchange, validated against the spec its envelope names."""
    with collector_paused(segment_count(interchange) >= LARGE_SEGMENTS):
        return _validate_interchange(interchange)


def _validate_interchange(interchange: EdifactInterchange | X12Interchange) -> list[MessageCheck]:
    checks: list[MessageCheck] = []
    cache: _Cache = {}
    clean = CleanSegments()
    if isinstance(interchange, EdifactInterchange):
        groups: Iterable[tuple[str, Sequence[Message]]]
        if interchange.groups:
            groups = ((g.reference, g.messages) for g in interchange.groups)
        else:
            groups = (("", interchange.messages),)
        for group_ref, messages in groups:
            for message in messages:
                version = f"{message.version}{message.release}"
                found = _lookup(message, "")
                spec = None if isinstance(found, Violation) else found
                violations = (
                    [found]
                    if isinstance(found, Violation)
                    else _validate(message, found, cache, clean)
                )
                checks.append(
                    MessageCheck(
                        message.reference, message.type, version, spec, violations, group_ref
                    )
                )
        return checks
    for group in interchange.groups:
        for transaction_set in group.sets:
            found = _lookup(transaction_set, group.version)
            spec = None if isinstance(found, Violation) else found
            violations = (
                [found]
                if isinstance(found, Violation)
                else _validate(transaction_set, found, cache, clean)
            )
            checks.append(
                MessageCheck(transaction_set.control_number, transaction_set.id, group.version,
                             spec, violations, group.control_number)
            )  # fmt: skip
    return checks


def document_number(target: Message | TransactionSet, spec: MessageSpec | None) -> str:
    """The document number (BGM 1004, BEG03...) when the spec says where it is."""
    if spec is None or spec.key is None:
        return ""
    tag, position = spec.key
    for segment in target.segments:
        if segment.tag == tag:
            return segment.value(position - 1)
    return ""


def _reference(target: Message | TransactionSet) -> str:
    return target.reference if isinstance(target, Message) else target.control_number


def _lookup(target: Message | TransactionSet, version: str) -> MessageSpec | Violation:
    header = target.header
    if isinstance(target, Message):
        spec = spec_for_edifact(target.type, target.version, target.release, target.agency)
        if spec is not None:
            return spec
        name = ":".join(
            p for p in (target.type, target.version, target.release, target.agency) if p
        )
        return Violation(
            EdifactCode.VALUE_NOT_SUPPORTED, "0085",
            f"no grammar for message {name}: the type or release is not supported",
            target.reference, "UNH", 1, header.index, header.offset, element=2, component=1,
            element_ref="S009", value=name,
        )  # fmt: skip
    spec = spec_for_x12(target.id, version)
    if spec is not None:
        return spec
    return Violation(
        SetCode.NOT_SUPPORTED, "718",
        f"no grammar for transaction set {target.id} in version {version or '(unknown)'}",
        target.control_number, "ST", 1, header.index, header.offset, element=1,
        element_ref="143", value=target.id,
    )  # fmt: skip


class _Walk:
    """One walk of a message's segments through the compiled structure.

    ``run`` is the hot loop (every segment of a large file passes through it), so the
    common cases are inline: the same slot again, the next slot of the innermost level, a
    slot of an enclosing level; the rare ones (out of sequence, unexpected) go to methods.
    It notes the check and loop of every segment in ``plan``, and counts the structural
    violations; ``replay`` runs the element checks of a plan without the walk (the same
    checks, in the same order, reported the same way).
    """

    def __init__(
        self,
        machine: Machine,
        segments: Sequence[Segment],
        reference: str,
        cache: _Cache | None,
        clean: CleanSegments | None = None,
    ) -> None:
        self.machine = machine
        self.segments = segments
        self.reference = reference
        self.violations: list[Violation] = []
        self.cache: _Cache = {} if cache is None else cache
        self.clean = CleanSegments() if clean is None else clean
        root = machine.root
        # a frame: [level, position of the slot last filled, counts per slot, reported missing]
        self.stack: list[list[Any]] = [[root, 0, [1] + [0] * (len(root.tags) - 1), None]]
        self.position = 1
        self.plan: list[tuple[SegmentChecker | None, str]] = []
        self.structural = 0
        """Structural violations found (the plan is worth keeping only without any)."""

    def run(self) -> list[Violation]:
        stack = self.stack
        note = self.plan.append
        for position, segment in enumerate(self.segments[1:], 2):
            tag = segment.tag
            top = stack[-1]
            level = top[0]
            pos = top[1]
            if pos and tag == level.tags[pos] and level.groups[pos] is None:
                counts = top[2]
                counts[pos] += 1
                limit = level.maxes[pos]
                if limit and counts[pos] > limit:
                    self.position = position
                    self._too_many(segment, level, pos, counts[pos])
                checker = level.checkers[pos]
                loop = level.name
            else:
                if level.collapsed and tag in level.tolerated:
                    note(_UNCHECKED)
                    continue
                target = level.forward[pos].get(tag)
                frame = top
                if target is None:
                    depth = len(stack) - 2
                    while depth >= 0:
                        frame = stack[depth]
                        outer = frame[0]
                        if outer.collapsed and tag in outer.tolerated:
                            break
                        target = outer.forward[frame[1]].get(tag)
                        if target is not None:
                            break
                        depth -= 1
                    self.position = position
                    if depth < 0:
                        note(_UNCHECKED)
                        self._astray(segment, tag)
                        continue
                    while len(stack) > depth + 1:
                        closed = stack.pop()
                        if closed[0].next_required[closed[1]] < len(closed[0].tags):
                            self._missing_between(closed, closed[1], len(closed[0].tags), segment)
                    if target is None:
                        note(_UNCHECKED)
                        continue
                    level = frame[0]
                    pos = frame[1]
                if level.next_required[pos] < target:
                    self.position = position
                    self._missing_between(frame, pos, target, segment)
                frame[1] = target
                counts = frame[2]
                counts[target] += 1
                limit = level.maxes[target]
                if limit and counts[target] > limit:
                    self.position = position
                    self._too_many(segment, level, target, counts[target])
                group = level.groups[target]
                if group is None:
                    checker = level.checkers[target]
                    loop = level.name
                else:
                    stack.append([group, 0, [1] + [0] * (len(group.tags) - 1), None])
                    checker = group.checkers[0]
                    loop = group.name
            note((checker, loop))
            if checker is None:
                continue
            self._check_elements(position, segment, checker, loop)
        return self.violations

    def replay(self, plan: Plan) -> list[Violation]:
        """The element checks of ``run`` for a message whose tags follow ``plan``: the clean
        path first, then from the first segment it doubts, the checks one by one."""
        segments = self.segments
        start = self._clean_until(plan)
        if not start:
            return self.violations
        checkers, loops = plan.checkers, plan.loops
        for index in range(start, len(segments)):
            checker = checkers[index - 1]
            if checker is not None:
                self._check_elements(index + 1, segments[index], checker, loops[index - 1])
        return self.violations

    def _clean_until(self, plan: Plan) -> int:
        """The index of the first segment the quick path doubts (or that repeats an element);
        0 when none.

        Most segments of a large file go through this loop, so it does the least per
        segment: no position, no loop name (only a doubt needs them), a segment already
        noted clean costs one set look-up (``_clean``)."""
        segments = self.segments
        for segment, seen in zip(segments[1:], self.clean.for_plan(plan), strict=True):
            elements = segment.elements
            key = id(elements)
            if segment.repeats is not None:
                return next(i for i, s in enumerate(segments) if s is segment)
            if key in seen:
                continue
            checker = seen.checker
            if checker is None:
                continue
            quick = checker.quick.get(len(elements)) or checker.quick_for(len(elements))
            if quick(elements):
                if len(seen) < CLEAN_LIMIT:
                    seen.add(key)
                continue
            return next(i for i, s in enumerate(segments) if s is segment)
        return 0

    def _check_elements(
        self, position: int, segment: Segment, checker: SegmentChecker, loop: str
    ) -> None:
        """The element checks of one segment (:meth:`_clean_until` has the clean path
        inline): a segment already found clean, then the quick path, then the full check."""
        if segment.repeats is None:
            elements = segment.elements
            key = id(elements)
            seen = self.clean.seen(checker)
            if key in seen:
                return
            quick = checker.quick.get(len(elements)) or checker.quick_for(len(elements))
            if quick(elements):
                if len(seen) < CLEAN_LIMIT:
                    seen.add(key)
                return
        self._full_check(position, segment, checker, loop)

    def _full_check(
        self, position: int, segment: Segment, checker: SegmentChecker, loop: str
    ) -> None:
        """The full element check of a segment the quick path doubts (a date, a fault...),
        cached per call by the segment's elements; a clean one is noted as such."""
        if segment.repeats is None:
            elements = segment.elements
            known = self.cache.get(checker)
            if known is None:
                known = self.cache[checker] = {}
            issues = known.get(elements)
            if issues is None:
                issues = known[elements] = checker.check(elements, None)
            if not issues:
                seen = self.clean.seen(checker)
                if len(seen) < CLEAN_LIMIT:
                    seen.add(id(elements))
                return
        else:
            issues = checker.check(segment.elements, segment.repeats)
        if issues:
            self.position = position
            self._report(segment, issues, loop)

    def _astray(self, segment: Segment, tag: str) -> None:
        """A tag no open level accepts ahead: out of sequence, or not allowed here at all."""
        stack = self.stack
        for depth in range(len(stack) - 1, -1, -1):
            frame = stack[depth]
            earlier = frame[0].positions.get(tag)
            if earlier is not None:
                while len(stack) > depth + 1:
                    stack.pop()
                self._structure(
                    segment,
                    EdifactCode.NOT_SUPPORTED_IN_POSITION,
                    SegmentCode.OUT_OF_SEQUENCE,
                    f"{tag} is out of sequence: it belongs earlier"
                    + (f" in {frame[0].name}" if frame[0].name else ""),
                    frame[0].name,
                )
                self._resume(frame, earlier, segment)
                return
        elsewhere = self.machine.every.get(tag)
        if elsewhere is not None:
            where = ", ".join(sorted({n or "the message level" for n in elsewhere}))
            x12 = SegmentCode.UNEXPECTED
            text = f"{tag} is not allowed here (the standard places it in {where})"
        else:
            x12 = SegmentCode.UNRECOGNIZED
            text = f"{tag} is not a segment of {self.machine.spec.name}"
        self._structure(
            segment, EdifactCode.NOT_SUPPORTED_IN_POSITION, x12, text, stack[-1][0].name
        )

    def _resume(self, frame: list[Any], target: int, segment: Segment) -> None:
        """Continue from an earlier slot, after an out-of-sequence segment."""
        level = frame[0]
        frame[1] = target
        frame[2][target] += 1
        group = level.groups[target]
        if group is None:
            checker, loop = level.checkers[target], level.name
        else:
            self.stack.append([group, 0, [1] + [0] * (len(group.tags) - 1), None])
            checker, loop = group.checkers[0], group.name
        if checker is not None:
            issues = checker.check(segment.elements, segment.repeats)
            if issues:
                self._report(segment, issues, loop)

    def _missing_between(self, frame: list[Any], start: int, end: int, segment: Segment) -> None:
        level, counts = frame[0], frame[2]
        for k in level.required:
            if start < k < end and not counts[k]:
                reported = frame[3]
                if reported is None:
                    reported = frame[3] = set()
                if k in reported:
                    continue
                reported.add(k)
                what = "group " + level.groups[k].name + " (" if level.groups[k] else ""
                closing = ")" if what else ""
                where = f" in {level.name}" if level.name else ""
                self._structure(
                    segment, EdifactCode.MISSING, SegmentCode.MANDATORY_MISSING,
                    f"mandatory {what}{level.tags[k]}{closing}{where} is missing "
                    f"(found {segment.tag} instead)",
                    level.name, tag=level.tags[k],
                )  # fmt: skip

    def _too_many(self, segment: Segment, level: Level, slot: int, count: int) -> None:
        group = level.groups[slot]
        if group is not None:
            self._structure(
                segment, EdifactCode.TOO_MANY_GROUP_REPETITIONS, SegmentCode.LOOP_OVER_MAXIMUM,
                f"group {group.name} ({segment.tag}) occurs {count} times; at most "
                f"{level.maxes[slot]} allowed",
                group.name,
            )  # fmt: skip
            return
        where = f" in {level.name}" if level.name else ""
        self._structure(
            segment, EdifactCode.TOO_MANY_REPETITIONS, SegmentCode.OVER_MAXIMUM_USE,
            f"{segment.tag} occurs {count} times{where}; at most {level.maxes[slot]} allowed",
            level.name,
        )  # fmt: skip

    def _structure(
        self, segment: Segment, edifact: str, x12: str, text: str, loop: str, *, tag: str = ""
    ) -> None:
        is_edifact = self.machine.edifact
        self.structural += 1
        self.violations.append(
            Violation(
                code=edifact if is_edifact else x12,
                code_list="0085" if is_edifact else "720",
                message=text,
                message_ref=self.reference,
                segment_tag=tag or segment.tag,
                segment_position=self.position,
                segment_index=segment.index,
                byte_offset=segment.offset,
                loop=loop or None,
            )
        )

    def _report(self, segment: Segment, issues: tuple[Issue, ...], loop: str) -> None:
        code_list = "0085" if self.machine.edifact else "723"
        for issue in issues:
            self.violations.append(
                Violation(
                    code=issue.code,
                    code_list=code_list,
                    message=issue.text,
                    message_ref=self.reference,
                    segment_tag=segment.tag,
                    segment_position=self.position,
                    segment_index=segment.index,
                    byte_offset=segment.offset,
                    element=issue.element,
                    component=issue.component,
                    repetition=issue.repetition,
                    element_ref=issue.ref or None,
                    loop=loop or None,
                    value=issue.value,
                )
            )
