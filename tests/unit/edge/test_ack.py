"""CONTRL, 997 and 999 from parse and validation results: built, read back by our parser (and
pydifact for CONTRL), checked field by field, and round-tripped into ``FunctionalAck``."""

from __future__ import annotations

from datetime import datetime

from pydifact.segmentcollection import Interchange as PydifactInterchange

from contracts import FunctionalAckStatus
from edge.edi import edifact, x12
from edge.edi.ack import ControlNumbers, ack_report, acknowledge, acknowledge_file, read_acks
from edge.edi.grammar import validate_interchange
from tests.conftest import REPO

FIXTURES = REPO / "fixtures" / "edi" / "grammar"
WHEN = datetime(2024, 5, 1, 12, 30)
NUMBERS = ControlNumbers(interchange=501, group=77, message=9)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def contrl_of(data: bytes) -> tuple[edifact.Interchange, list[edifact.Segment]]:
    ack = acknowledge(data, control_numbers=NUMBERS, when=WHEN)
    assert ack is not None
    interchange = edifact.parse(ack)[0]
    assert [c.violations for c in validate_interchange(interchange)] == [[]]
    return interchange, list(interchange.messages[0].body)


def test_contrl_for_a_clean_interchange() -> None:
    data = fixture("orders_d96a.edi")
    inbound = edifact.parse(data)[0]
    ack, body = contrl_of(data)
    assert (ack.sender, ack.recipient) == (inbound.recipient, inbound.sender)
    assert ack.control_ref == "501" and ack.syntax_id == inbound.syntax_id
    assert ack.messages[0].reference == "9"
    assert (ack.messages[0].type, ack.messages[0].version, ack.messages[0].release) == (
        "CONTRL",
        "D",
        "3",
    )
    uci = body[0]
    assert (uci.tag, uci.value(0), uci.element(1), uci.element(2), uci.value(3)) == (
        "UCI",
        inbound.control_ref,
        ("5412345000013", "14"),
        ("5412345000099", "14"),
        "7",
    )
    assert [(s.tag, s.value(0), s.element(1)[0], s.value(2)) for s in body[1:]] == [
        ("UCM", "1", "ORDERS", "7"),
        ("UCM", "2", "ORDERS", "7"),
    ]
    pydifact = PydifactInterchange.from_str(
        acknowledge(data, control_numbers=NUMBERS, when=WHEN).decode()
    )  # type: ignore[union-attr]
    assert [s.tag for s in pydifact.segments] == ["UNH", "UCI", "UCM", "UCM", "UNT"]
    [functional] = read_acks([ack])
    assert functional.status is FunctionalAckStatus.ACCEPTED
    assert functional.interchange_ref == inbound.control_ref and functional.message_refs == [
        "1",
        "2",
    ]


def broken_orders() -> bytes:
    data = fixture("orders_d96a.edi")
    at = data.index(b"UNH+2")
    first = (
        data[:at]
        .replace(b"DTM+137:20240304:102", b"DTM+137:20241304:102")
        .replace(b"BGM+220", b"BGM+999")
    )
    return first + data[at:]


def test_contrl_for_a_broken_message() -> None:
    ack, body = contrl_of(broken_orders())
    assert [(s.tag, *s.elements) for s in body[1:]] == [
        ("UCM", ("1",), ("ORDERS", "D", "96A", "UN", "EAN008"), ("4",)),
        ("UCS", ("2",)), ("UCD", ("14",), ("1", "1")),
        ("UCS", ("3",)), ("UCD", ("12",), ("1", "2")),
        ("UCM", ("2",), ("ORDERS", "D", "96A", "UN", "EAN008"), ("7",)),
    ]  # fmt: skip
    pydifact = PydifactInterchange.from_str(
        acknowledge(broken_orders(), control_numbers=NUMBERS, when=WHEN).decode()  # type: ignore[union-attr]
    )
    ucd = [s for s in pydifact.segments if s.tag == "UCD"]
    assert [s.elements for s in ucd] == [["14", ["1", "1"]], ["12", ["1", "2"]]]
    [functional] = read_acks([ack])
    assert functional.status is FunctionalAckStatus.PARTIALLY_ACCEPTED
    notes = [
        (n.code, n.message_ref, n.segment_index, n.element_position) for n in functional.errors
    ]
    assert notes == [("0085:14", "1", 2, 1), ("0085:12", "1", 3, 1)]


def test_contrl_when_the_parser_refuses_a_message() -> None:
    data = fixture("orders_d96a.edi").replace(b"UNT+23+1'", b"UNT+22+1'")
    result = acknowledge_file(data, control_numbers=NUMBERS, when=WHEN)
    assert result.data is not None
    body = edifact.parse(result.data)[0].messages[0].body
    assert [(s.tag, s.value(0), s.value(2), s.value(3), s.value(4)) for s in body[1:]] == [
        ("UCM", "1", "4", "29", "UNT"),
        ("UCM", "2", "7", "", ""),
    ]
    [summary] = result.summaries
    assert (summary.ack_type, summary.received, summary.accepted, summary.rejected) == (
        "CONTRL",
        2,
        1,
        1,
    )
    assert summary.messages[0].codes == ("0085:29",)
    interchange_error = fixture("orders_d96a.edi").replace(b"UNZ+2+ORD96A'", b"UNZ+3+ORD96A'")
    body = (
        edifact.parse(acknowledge(interchange_error, control_numbers=NUMBERS, when=WHEN))[0]
        .messages[0]
        .body
    )  # type: ignore[arg-type]
    assert [(s.tag, s.value(3), s.value(4), s.value(5)) for s in body] == [
        ("UCI", "4", "29", "UNZ")
    ]


def test_an_acknowledgement_is_not_acknowledged() -> None:
    for name in ("contrl_d3.edi", "x12_997_004010.x12", "x12_999_005010.x12"):
        assert acknowledge(fixture(name), control_numbers=NUMBERS, when=WHEN) is None
    assert acknowledge(b"not edi at all", control_numbers=NUMBERS, when=WHEN) is None


def x12_ack(data: bytes) -> x12.Interchange:
    ack = acknowledge(data, control_numbers=NUMBERS, when=WHEN)
    assert ack is not None
    interchange = x12.parse(ack)[0]
    assert [c.violations for c in validate_interchange(interchange)] == [[], []][
        : len(interchange.sets)
    ]
    return interchange


def test_997_for_a_clean_group() -> None:
    data = fixture("x12_850_004010.x12")
    inbound = x12.parse(data)[0]
    ack = x12_ack(data)
    assert (ack.sender, ack.receiver) == (inbound.receiver, inbound.sender)
    assert ack.control_number == "000000501" and ack.version == "00401"
    [group] = ack.groups
    assert (group.functional_id, group.control_number, group.version) == ("FA", "77", "004010")
    assert (group.sender, group.receiver) == ("RECEIVERAPP", "SENDERAPP")
    [ack_set] = group.sets
    assert (ack_set.id, ack_set.control_number) == ("997", "0009")
    assert [(s.tag, *(e[0] for e in s.elements)) for s in ack_set.body] == [
        ("AK1", "PO", "1201"), ("AK2", "850", "0001"), ("AK5", "A"), ("AK2", "850", "0002"),
        ("AK5", "A"), ("AK9", "A", "2", "2", "2"),
    ]  # fmt: skip


def broken_850(version: str) -> bytes:
    data = fixture(f"x12_850_{version}.x12")
    at = data.index(b"ST*850*0002")
    first = data[:at].replace(b"BEG*00*SA*PO4711**20240304", b"BEG*00*SA*PO4711**20241345")
    first = first.replace(b"N4*SPRINGFIELD*IL*", b"N4*SPRINGFIELD*ILL*")
    return first + data[at:]


def test_997_for_a_broken_set() -> None:
    ack = x12_ack(broken_850("004010"))
    body = ack.sets[0].body
    assert [(s.tag, *s.elements) for s in body] == [
        ("AK1", ("PO",), ("1201",)),
        ("AK2", ("850",), ("0001",)),
        ("AK3", ("BEG",), ("2",), ("",), ("8",)), ("AK4", ("5",), ("373",), ("8",), ("20241345",)),
        ("AK3", ("N4",), ("12",), ("N1",), ("8",)), ("AK4", ("2",), ("156",), ("5",), ("ILL",)),
        ("AK5", ("R",), ("5",)),
        ("AK2", ("850",), ("0002",)), ("AK5", ("A",)),
        ("AK9", ("P",), ("2",), ("2",), ("1",)),
    ]  # fmt: skip
    [functional] = read_acks([ack])
    assert functional.status is FunctionalAckStatus.PARTIALLY_ACCEPTED
    assert functional.group_ref == "1201" and functional.message_refs == ["0001", "0002"]
    assert [
        (n.code, n.segment_tag, n.segment_index, n.element_position) for n in functional.errors
    ] == [
        ("720:8", "BEG", 2, None),
        ("723:8", "BEG", 2, 5),
        ("720:8", "N4", 12, None),
        ("723:5", "N4", 12, 2),
        ("718:5", None, None, None),
    ]


def test_999_for_a_5010_group() -> None:
    ack = x12_ack(broken_850("005010"))
    assert ack.version == "00501"
    [group] = ack.groups
    assert group.version == "005010X231A1"
    assert ack.sets[0].convention == "005010X231A1"
    body = ack.sets[0].body
    assert [(s.tag, *(e[0] for e in s.elements)) for s in body[:5]] == [
        ("AK1", "PO", "1201", "005010"), ("AK2", "850", "0001"), ("IK3", "BEG", "2", "", "8"),
        ("CTX", "BEG03"), ("IK4", "5", "373", "8", "20241345"),
    ]  # fmt: skip
    assert body[3].element(0) == ("BEG03", "PO4711")
    [functional] = read_acks([ack])
    assert functional.status is FunctionalAckStatus.PARTIALLY_ACCEPTED
    assert ("723:8", "0001") in [(n.code, n.message_ref) for n in functional.errors]


def test_997_when_the_parser_refuses_a_set() -> None:
    data = fixture("x12_850_004010.x12").replace(b"SE*18*0001", b"SE*17*0001")
    result = acknowledge_file(data, control_numbers=NUMBERS, when=WHEN)
    assert result.data is not None
    body = x12.parse(result.data)[0].sets[0].body
    assert [(s.tag, *(e[0] for e in s.elements)) for s in body] == [
        ("AK1", "PO", "1201"), ("AK2", "850", "0001"), ("AK5", "R", "4"), ("AK2", "850", "0002"),
        ("AK5", "A"), ("AK9", "P", "2", "2", "1"),
    ]  # fmt: skip
    assert result.summaries[0].messages[0].codes == ("718:4",)
    unreadable = fixture("x12_850_004010.x12").replace(b"IEA*1*000001201", b"IEA*1*000001202")
    result = acknowledge_file(unreadable, control_numbers=NUMBERS, when=WHEN)
    assert result.data is None and result.summaries[0].status is FunctionalAckStatus.REJECTED
    assert "IEA02" in result.summaries[0].reason


def test_every_fixture_is_acknowledged_in_its_own_syntax() -> None:
    for path in sorted(FIXTURES.iterdir()):
        if path.suffix not in (".edi", ".x12") or "contrl" in path.name or "_99" in path.name:
            continue
        result = acknowledge_file(path.read_bytes(), control_numbers=NUMBERS, when=WHEN)
        assert result.data is not None, path.name
        [summary] = result.summaries
        assert (summary.status, summary.received, summary.accepted) == (
            FunctionalAckStatus.ACCEPTED,
            2,
            2,
        )
        parse = edifact.parse if path.suffix == ".edi" else x12.parse
        for check in validate_interchange(parse(result.data)[0]):
            assert check.violations == [], (path.name, check.violations)


def test_ack_report() -> None:
    text, status = ack_report(broken_850("004010"), "in/po.x12", control_numbers=NUMBERS, when=WHEN)
    assert status == 1 and text.startswith("ISA*") and "997 partially_accepted" in text
    assert (
        ack_report(fixture("orders_d01b.edi"), "o.edi", control_numbers=NUMBERS, when=WHEN)[1] == 0
    )
    assert ack_report(b"nothing", "n.txt", control_numbers=NUMBERS, when=WHEN)[1] == 2
