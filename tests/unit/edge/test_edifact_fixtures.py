"""The project's own EDIFACT fixtures: each parses to the structure in its ``.syntax.json``.

The JSON beside each fixture is the whole parse result as ``msgspec`` encodes it; the tests
below also state the point of each fixture in plain asserts, so a reviewer sees what the
file is for without reading the JSON.
"""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest

from edge.edi import edifact
from tests.conftest import REPO

FIXTURES = REPO / "fixtures" / "edi"
EDIFACT_FILES = sorted(FIXTURES.glob("*.edi"))


def load(name: str) -> list[edifact.Interchange]:
    return edifact.parse((FIXTURES / name).read_bytes())


def test_the_fixtures_are_there() -> None:
    assert len(EDIFACT_FILES) >= 8, EDIFACT_FILES


@pytest.mark.parametrize("path", EDIFACT_FILES, ids=lambda p: p.name)
def test_fixture_parses_to_its_expected_json(path: Path) -> None:
    expected = json.loads(path.with_name(path.stem + ".syntax.json").read_text("utf-8"))
    assert json.loads(msgspec.json.encode(edifact.parse(path.read_bytes()))) == expected


@pytest.mark.parametrize("path", EDIFACT_FILES, ids=lambda p: p.name)
def test_fixture_round_trips_through_the_serializer(path: Path) -> None:
    parsed = edifact.parse(path.read_bytes())
    again = edifact.parse(edifact.serialize(parsed))
    strip = msgspec.structs.replace
    assert [[strip(s, index=None, offset=None) for s in i.all_segments()] for i in again] == [
        [strip(s, index=None, offset=None) for s in i.all_segments()] for i in parsed
    ]


def test_una_with_non_default_separators() -> None:
    (parsed,) = load("una_nondefault.edi")
    assert parsed.chars == edifact.ServiceChars(
        component="|", element="^", decimal_mark=",", release="!", repetition=None, terminator="#"
    )
    body = parsed.messages[0].body
    assert body[0].value(1) == "PO#4711"
    assert body[1].elements[0] == ("137", "20240315", "102")
    assert body[2].value(3) == "CALL 555^0100 BEFORE DELIVERY! OR NOT|EVER"
    assert body[5].elements == (("21", "12,5", "KGM"),)


def test_release_characters() -> None:
    (parsed,) = load("release.edi")
    bgm, imd, pri, rff = parsed.messages[0].body
    assert bgm.value(1) == "A+B:C'D?E"
    assert imd.element(2) == ("", "", "", "SIZE 10'' X 5''")
    assert pri.elements == (("AAA", "12.50", "", "NTP"), ("",), ("",))
    assert rff.elements == (("ON", ""),)


def test_syntax_4_repetition() -> None:
    (parsed,) = load("syntax4_repetition.edi")
    assert parsed.chars.repetition == "*"
    gir = parsed.messages[0].body[1]
    assert gir.repetitions(1) == (("LOT1", "BX"), ("LOT2", "BX"), ("LOT3", "BX"))
    assert gir.repetitions(2) == (("SERIAL*1", "BN"),)


def test_two_interchanges_with_their_own_una() -> None:
    first, second = load("multi_interchange.edi")
    assert (first.control_ref, len(first.messages), first.una) == ("IC1", 2, False)
    assert (second.control_ref, second.chars.terminator, second.una) == ("IC2", "!", True)
    assert second.messages[0].body[0].value(1) == "R1*1"
    assert second.header.index == 8


def test_functional_groups() -> None:
    (parsed,) = load("ung_groups.edi")
    assert [g.reference for g in parsed.groups] == ["G1", "G2"]
    assert [len(g.messages) for g in parsed.groups] == [2, 1]
    assert parsed.test and parsed.ack_requested


def test_unoc_latin1_bytes() -> None:
    data = (FIXTURES / "unoc_latin1.edi").read_bytes()
    assert "Müller".encode("latin-1") in data
    (parsed,) = edifact.parse(data)
    nad = parsed.messages[0].body[0]
    assert nad.value(3) == "Müller & Söhne GmbH" and nad.value(5) == "Köln"
    assert parsed.messages[0].body[1].value(3) == "Prix 12,50 EUR, livré à Genève"


def test_unoy_utf8_and_byte_offsets() -> None:
    data = (FIXTURES / "unoy_utf8.edi").read_bytes()
    (parsed,) = edifact.parse(data)
    nad, ftx, imd = parsed.messages[0].body
    assert nad.value(3) == "株式会社テスト" and ftx.value(3) == "Grüße + €5 ✓"
    assert imd.element(2)[3] == "Δ-Ω"
    for segment in parsed.all_segments():
        assert data[segment.offset or 0 :].startswith(segment.tag.encode())
    assert ftx.offset == data.index(b"FTX") and ftx.offset != data.decode().index("FTX")


def test_level_b_information_separators() -> None:
    (parsed,) = load("unob_information_separators.edi")
    assert parsed.chars == edifact.LEVEL_B_CHARS
    assert parsed.messages[0].body[0].value(1) == "po-1"
