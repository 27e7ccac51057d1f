"""The project's own X12 fixtures: each parses to the structure in its ``.syntax.json``."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest

from edge.edi import x12
from tests.conftest import REPO

FIXTURES = REPO / "fixtures" / "edi"
X12_FILES = sorted(FIXTURES.glob("*.x12"))


def load(name: str) -> list[x12.Interchange]:
    return x12.parse((FIXTURES / name).read_bytes())


def test_the_fixtures_are_there() -> None:
    assert len(X12_FILES) >= 5, X12_FILES


@pytest.mark.parametrize("path", X12_FILES, ids=lambda p: p.name)
def test_fixture_parses_to_its_expected_json(path: Path) -> None:
    expected = json.loads(path.with_name(path.stem + ".syntax.json").read_text("utf-8"))
    assert json.loads(msgspec.json.encode(x12.parse(path.read_bytes()))) == expected


@pytest.mark.parametrize("path", X12_FILES, ids=lambda p: p.name)
def test_fixture_serializes_back_to_the_same_bytes(path: Path) -> None:
    data = path.read_bytes()
    assert x12.serialize(x12.parse(data)) == data


def test_4010_with_tilde_and_no_line_breaks() -> None:
    (parsed,) = load("x12_4010_850.x12")
    assert parsed.separators == x12.Separators(
        element="*", component=">", repetition=None, terminator="~", line_break=""
    )
    (order,) = parsed.sets
    assert (order.id, order.control_number) == ("850", "0001")
    assert order.body[7].value(4) == "WIDGET, BLUE"


def test_5010_repetition_separator() -> None:
    (parsed,) = load("x12_5010_repetition.x12")
    assert (parsed.version, parsed.separators.repetition) == ("00501", "^")
    assert parsed.groups[0].version == "005010"
    ref = parsed.sets[0].body[3]
    assert ref.tag == "REF" and ref.repetitions(1) == (("WH1",), ("WH2",), ("WH3",))


def test_crlf_after_each_terminator() -> None:
    (parsed,) = load("x12_crlf_856.x12")
    assert parsed.separators.line_break == "\r\n"
    assert [s.tag for s in parsed.sets[0].body].count("HL") == 3


def test_several_interchanges_groups_and_sets() -> None:
    first, second = load("x12_multi.x12")
    assert [(g.functional_id, len(g.sets)) for g in first.groups] == [("PO", 2), ("IN", 1)]
    assert first.separators.component == "<"
    mea = first.groups[1].sets[0].body[3]
    assert mea.elements == (("PD",), ("G", "LB"), ("12",))
    assert second.test and second.ack_requested
    assert [s.tag for s in second.service_segments] == ["TA1"]
    assert second.header.index == len(list(first.all_segments()))


def test_newline_as_terminator() -> None:
    (parsed,) = load("x12_newline_terminator.x12")
    assert parsed.separators.terminator == "\n"
    assert parsed.sets[0].body[1].value(6) == "ART-5"
