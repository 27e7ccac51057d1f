"""The validator's fast path (``_quick``) may only ever say "clean" when the full element check
finds nothing: a differential test over every segment rule of every spec, with values drawn
to hit codes, lengths, numbers, dates, extra elements and unexpected components."""

from __future__ import annotations

import random

import pytest

from edge.edi.grammar import all_specs
from edge.edi.grammar._elements import SegmentChecker

POOL = [
    "", "", "", "A", "AB", "ABC", "1", "12", "-3", "1.5", "1,5", ".5", "5.", "-", "20240131",
    "20240230", "240131", "1200", "2560", "120000", "X" * 36, "0" * 16, "12345678901234567890",
    "EA", "UP", "ZZ", "00", "01", "92", "002", "102", "203", "202401311200",
    "20240101-20240131", "a1",
]  # fmt: skip


def _value(rng: random.Random, rule: object | None) -> str:
    codes = getattr(rule, "codes", None)
    draw = rng.random()
    if codes and draw < 0.4:
        return rng.choice(sorted(codes))
    if draw < 0.8:
        return rng.choice(POOL)
    return "".join(rng.choice("0123456789.-A ,") for _ in range(rng.randint(0, 20)))


@pytest.mark.parametrize("seed", [1, 2])
def test_the_fast_path_never_calls_a_faulty_segment_clean(seed: int) -> None:
    rng = random.Random(seed)
    said_clean = really_clean = 0
    for spec in all_specs():
        edifact = spec.standard == "edifact"
        x12_5010 = spec.release >= "005010" and not edifact
        for rule in spec.segments.values():
            checker = SegmentChecker(rule, edifact=edifact, x12_5010=x12_5010)
            for _ in range(60):
                elements: list[tuple[str, ...]] = []
                sent = rng.randint(0, len(rule.elements) + rng.choice([0, 0, 0, 1, 2]))
                for i in range(sent):
                    er = rule.elements[i] if i < len(rule.elements) else None
                    if er is not None and er.value is None:
                        k = len(er.components) + rng.choice([0, 0, 1])
                        comps = [
                            _value(rng, er.components[j] if j < len(er.components) else None)
                            for j in range(rng.randint(0, k))
                        ]
                        elements.append(tuple(comps) if comps else ("",))
                    elif rng.random() < 0.05:
                        elements.append((_value(rng, None), _value(rng, None)))
                    else:
                        elements.append((_value(rng, er.value if er else None),))
                segment = tuple(elements)
                issues = checker.check(segment, None)
                really_clean += not issues
                if checker.quick_for(len(segment))(segment):
                    said_clean += 1
                    assert not issues, (spec.name, rule.tag, segment, issues)
    # The fast path must also be useful: it recognises most clean segments.
    assert said_clean >= 0.8 * really_clean
