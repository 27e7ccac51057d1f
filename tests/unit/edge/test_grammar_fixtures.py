"""Every message and release has a fixture of ours that validates clean; targeted breakages
of them give exactly the expected violation, with its code and position."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from edge.edi import edifact, x12
from edge.edi.grammar import (
    Violation,
    load_spec,
    spec_names,
    validate,
    validate_interchange,
    validate_report,
)
from tests.conftest import REPO

FIXTURES = REPO / "fixtures" / "edi" / "grammar"
FILES = sorted(p for p in FIXTURES.iterdir() if p.suffix in (".edi", ".x12"))


def parse(path: Path) -> list[edifact.Interchange] | list[x12.Interchange]:
    data = path.read_bytes()
    return edifact.parse(data) if path.suffix == ".edi" else x12.parse(data)


def test_every_spec_has_a_fixture() -> None:
    covered = set()
    for path in FILES:
        for check in validate_interchange(parse(path)[0]):
            assert check.spec is not None
            covered.add((check.spec.standard, check.spec.type, check.spec.release))
    assert covered == set(spec_names())


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_fixture_validates_as_expected(path: Path) -> None:
    expected = json.loads(path.with_suffix(".expected.json").read_text())
    checks = validate_interchange(parse(path)[0])
    assert [
        {"reference": c.reference, "type": c.type, "release": c.spec.release if c.spec else "",
         "violations": [v.message for v in c.violations]}
        for c in checks
    ] == [{**m, "violations": []} for m in expected["messages"]]  # fmt: skip


# --- targeted breakages ------------------------------------------------------------------


def orders(release: str = "D96A") -> bytes:
    return (FIXTURES / f"orders_{release.lower()}.edi").read_bytes()


def first_message_violations(data: bytes) -> list[Violation]:
    interchange = edifact.parse(data)[0] if data.startswith(b"UN") else x12.parse(data)[0]
    return validate_interchange(interchange)[0].violations


def only(violations: list[Violation]) -> Violation:
    assert len(violations) == 1, violations
    return violations[0]


def once(data: bytes, old: bytes, new: bytes) -> bytes:
    assert old in data, old
    return data.replace(old, new, 1)


def edifact_count(data: bytes, delta: int, ref: bytes = b"1") -> bytes:
    """Fix UNT of message ``ref`` after adding or removing ``delta`` segments."""
    interchange = data.split(b"UNT+")
    head, rest = interchange[0], interchange[1]
    count, tail = rest.split(b"+", 1)
    return (
        head
        + b"UNT+"
        + str(int(count) + delta).encode()
        + b"+"
        + tail
        + b"UNT+"
        + b"UNT+".join(interchange[2:])
    )


def test_missing_mandatory_segment() -> None:
    data = edifact_count(once(orders(), b"BGM+220+PO4711+9'\n", b""), -1)
    violation = only(first_message_violations(data))
    assert (violation.code_list, violation.code, violation.segment_tag) == ("0085", "13", "BGM")
    assert violation.segment_position == 2 and violation.loop is None


def test_wrong_order() -> None:
    data = once(
        orders(),
        b"PIA+1+ART-1:SA'\nIMD+F++:::WIDGET BLUE'",
        b"IMD+F++:::WIDGET BLUE'\nPIA+1+ART-1:SA'",
    )
    # the walk resumes from the misplaced PIA, so what follows it is in order again
    violation = only(first_message_violations(data))
    assert (violation.code, violation.segment_tag, violation.segment_position) == ("15", "PIA", 14)
    assert violation.loop == "SG25"


def test_too_many_repetitions() -> None:
    data = edifact_count(once(orders(), b"CTA+PD+:PURCHASING'\n", b"CTA+PD+:PURCHASING'\n" * 6), 5)
    violation = only(first_message_violations(data))
    assert (violation.code, violation.segment_tag, violation.loop) == ("36", "CTA", "SG5")
    assert violation.segment_position == 14


def test_too_many_segment_repetitions() -> None:
    x = (FIXTURES / "x12_850_004010.x12").read_bytes()
    x = x.replace(
        b"PER*BD*JANE BUYER*TE*5551234567~\n", b"PER*BD*JANE BUYER*TE*5551234567~\n" * 4, 1
    )
    x = x.replace(b"SE*18*0001", b"SE*21*0001", 1)
    violation = only(first_message_violations(x))
    assert (violation.code_list, violation.code, violation.segment_tag) == ("720", "5", "PER")
    assert violation.segment_position == 8


def test_element_too_long() -> None:
    data = once(orders(), b"RFF+CT:CONTRACT-9'", b"RFF+CT:" + b"X" * 36 + b"'")
    violation = only(first_message_violations(data))
    assert (violation.code, violation.segment_tag, violation.element, violation.component) == (
        "39",
        "RFF",
        1,
        2,
    )
    assert violation.loop == "SG1" and violation.element_ref == "1154"


def test_bad_code() -> None:
    violation = only(first_message_violations(once(orders(), b"BGM+220+", b"BGM+380+")))
    assert (violation.code, violation.element, violation.component, violation.value) == (
        "14",
        1,
        1,
        "380",
    )


def test_bad_date() -> None:
    violation = only(
        first_message_violations(once(orders(), b"DTM+137:20240304:102", b"DTM+137:20241304:102"))
    )
    assert (violation.code, violation.segment_tag, violation.element, violation.component) == (
        "12",
        "DTM",
        1,
        2,
    )
    assert violation.byte_offset is not None and orders()[violation.byte_offset :].startswith(
        b"DTM+137"
    )


@pytest.mark.parametrize(("quantity", "code"), [(b".5", "38"), (b"1A", "37"), (b"5.", "12")])
def test_bad_decimal(quantity: bytes, code: str) -> None:
    violation = only(
        first_message_violations(once(orders(), b"QTY+21:12:PCE", b"QTY+21:" + quantity + b":PCE"))
    )
    assert (violation.code, violation.segment_tag, violation.loop) == (code, "QTY", "SG25")


def test_every_violation_is_reported() -> None:
    data = once(orders(), b"BGM+220+", b"BGM+380+")
    data = once(data, b"DTM+137:20240304:102", b"DTM+137:20241304:102")
    data = once(data, b"QTY+21:12:PCE", b"QTY+21:.5:PCE")
    assert [v.code for v in first_message_violations(data)] == ["14", "12", "38"]


def test_unknown_message_is_one_violation() -> None:
    data = orders().replace(b"ORDERS:D:96A", b"ORDERS:D:93A")
    for check in validate_interchange(edifact.parse(data)[0]):
        violation = only(check.violations)
        assert (violation.code, violation.segment_tag, violation.element) == ("14", "UNH", 2)
    set_ = x12.parse((FIXTURES / "x12_850_004010.x12").read_bytes())[0].sets[0]
    violation = only(validate(set_, version="003040"))
    assert (violation.code_list, violation.code) == ("718", "1")


X850 = "x12_850_004010.x12"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (b"BEG*00*SA*PO4711**20240304", b"BEG*99*SA*PO4711**20240304", ("723", "7", "BEG", 1)),
        (b"BEG*00*SA*PO4711**20240304", b"BEG*00*SA*PO4711**20241340", ("723", "8", "BEG", 5)),
        (
            b"BEG*00*SA*PO4711**20240304",
            b"BEG*00*SA*" + b"P" * 23 + b"**20240304",
            ("723", "5", "BEG", 3),
        ),
        (b"BEG*00*SA*PO4711**20240304", b"BEG*00*SA***20240304", ("723", "1", "BEG", 3)),
        (b"PO1*1*12*EA*4.25", b"PO1*1*1.2.3*EA*4.25", ("723", "6", "PO1", 2)),
        (b"N3*1 DOCK ROAD", b"N3*1 DOCK ROAD*SUITE 2*EXTRA", ("723", "3", "N3", 3)),
        (b"PO4*12", b"ZZZ*12", ("720", "1", "ZZZ", None)),
    ],
)
def test_x12_element_and_segment_codes(
    old: bytes, new: bytes, expected: tuple[object, ...]
) -> None:
    data = once((FIXTURES / X850).read_bytes(), old, new)
    violation = only(first_message_violations(data))
    assert (
        violation.code_list,
        violation.code,
        violation.segment_tag,
        violation.element,
    ) == expected


def test_x12_time_and_out_of_sequence() -> None:
    asn = once(
        (FIXTURES / "x12_856_005010.x12").read_bytes(), b"*20240305*1200*", b"*20240305*2561*"
    )
    violation = only(first_message_violations(asn))
    assert (violation.code, violation.segment_tag, violation.element) == ("9", "BSN", 4)
    po = (FIXTURES / X850).read_bytes()
    po = once(po, b"CUR*BY*USD~\n", b"")
    po = once(po, b"DTM*002*20240311~\n", b"DTM*002*20240311~\nCUR*BY*USD~\n")
    violation = only(first_message_violations(po))
    assert (violation.code, violation.segment_tag, violation.segment_position) == ("7", "CUR", 6)
    missing = once((FIXTURES / X850).read_bytes(), b"BEG*00*SA*PO4711**20240304~\n", b"")
    missing = missing.replace(b"SE*18*0001", b"SE*17*0001", 1)
    violation = only(first_message_violations(missing))
    assert (violation.code_list, violation.code, violation.segment_tag) == ("720", "3", "BEG")


def test_loops_are_named_for_the_ack() -> None:
    data = once((FIXTURES / X850).read_bytes(), b"N4*SPRINGFIELD*IL*", b"N4*SPRINGFIELD*ILL*")
    violation = only(first_message_violations(data))
    assert (violation.loop, violation.segment_tag, violation.element, violation.code) == (
        "N1",
        "N4",
        2,
        "5",
    )


def test_validate_report_lists_every_violation() -> None:
    data = once(orders(), b"BGM+220+", b"BGM+380+")
    data = once(data, b"QTY+21:12:PCE", b"QTY+21:.5:PCE")
    text, status = validate_report(data, "inbox/PO1.edi", partner="acme")
    lines = text.splitlines()
    assert status == 1 and len(lines) == 3
    assert "inbox/PO1.edi partner=acme" in lines[0] and "[0085/14]" in lines[0]
    assert "segment 2 (BGM)" in lines[0] and "byte " in lines[0] and "element 1.1" in lines[0]
    assert "[0085/38]" in lines[1] and "loop SG25" in lines[1]
    assert validate_report(orders(), "ok.edi")[1] == 0
    assert validate_report(b"hello", "x.txt")[1] == 2
    text, status = validate_report(orders().replace(b"UNT+23+1", b"UNT+22+1"), "bad.edi")
    assert status == 2 and "0085/29" in text


def test_spec_lookup_follows_the_envelope() -> None:
    spec = load_spec("x12", "850", "005010")
    set_ = x12.parse((FIXTURES / "x12_850_005010.x12").read_bytes())[0].sets[0]
    assert validate(set_, spec) == [] and validate(set_, version="005010X999") == []
