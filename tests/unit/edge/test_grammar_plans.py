"""Plans (``grammar._machine``): a message whose tags repeat a shape already walked without a
structural violation gets only its element checks, and must get exactly the violations a
full walk gives."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from edge.edi import Segment, edifact, x12
from edge.edi.grammar import MessageSpec, Violation, validate, validate_interchange
from edge.edi.grammar._machine import PLAN_LIMIT, machine_for
from edge.edi.grammar._validate import _Walk
from tests.conftest import REPO

FIXTURES = REPO / "fixtures" / "edi" / "grammar"
FILES = sorted(p for p in FIXTURES.iterdir() if p.suffix in (".edi", ".x12"))

Target = edifact.Message | x12.TransactionSet


def targets(path: Path) -> list[tuple[Target, MessageSpec]]:
    data = path.read_bytes()
    interchange = edifact.parse(data)[0] if path.suffix == ".edi" else x12.parse(data)[0]
    found: list[tuple[Target, MessageSpec]] = []
    if isinstance(interchange, edifact.Interchange):
        messages: list[Target] = list(interchange.messages)
    else:
        messages = [s for g in interchange.groups for s in g.sets]
    for message, check in zip(messages, validate_interchange(interchange), strict=True):
        assert check.spec is not None
        found.append((message, check.spec))
    return found


def walked(target: Target, spec: MessageSpec) -> list[Violation]:
    """What a full walk reports, plans aside."""
    reference = target.reference if isinstance(target, edifact.Message) else target.control_number
    return _Walk(machine_for(spec), target.segments, reference, None).run()


def tags(target: Target) -> tuple[str, ...]:
    return tuple(s.tag for s in target.segments)


def with_segments(target: Target, segments: list[Segment]) -> Target:
    return msgspec.structs.replace(target, segments=tuple(segments))


def spoiled(target: Target) -> Target:
    """The same tags, a too-long value in every segment after the header but the trailer."""
    segments = list(target.segments)
    for k in range(1, len(segments) - 1):
        segment = segments[k]
        if segment.elements:
            elements = (("X" * 400,), *segment.elements[1:])
            segments[k] = msgspec.structs.replace(segment, elements=elements)
    return with_segments(target, segments)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_a_planned_shape_gets_the_violations_of_a_walk(path: Path) -> None:
    for target, spec in targets(path):
        machine_for(spec).plans.clear()
        assert validate(target, spec) == walked(target, spec) == []
        assert tags(target) in machine_for(spec).plans  # a clean walk leaves its plan
        assert validate(target, spec) == []  # the replay
        bad = spoiled(target)
        expected = walked(bad, spec)
        assert expected, "the spoiled message must break some element rule"
        assert validate(bad, spec) == expected  # replayed: the plan of the clean one


@pytest.mark.parametrize("path", FILES[:4], ids=lambda p: p.name)
def test_a_structural_violation_leaves_no_plan(path: Path) -> None:
    for target, spec in targets(path):
        machine = machine_for(spec)
        machine.plans.clear()
        segments = list(target.segments)
        broken = with_segments(target, [segments[0], segments[-2], *segments[1:-2], segments[-1]])
        violations = validate(broken, spec)
        assert violations == walked(broken, spec)
        assert any(v.element is None for v in violations), violations  # a structural one
        assert tags(broken) not in machine.plans
        assert validate(broken, spec) == violations


def test_plans_stop_at_the_limit() -> None:
    target, spec = targets(FILES[0])[0]
    machine = machine_for(spec)
    machine.plans.clear()
    machine.plans.update({(str(k),): () for k in range(PLAN_LIMIT)})
    assert validate(target, spec) == []
    assert tags(target) not in machine.plans
    assert len(machine.plans) == PLAN_LIMIT
    machine.plans.clear()
