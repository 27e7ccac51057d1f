"""EDIFACT envelopes: what a parsed interchange says, and every control check with its code."""

from __future__ import annotations

import pytest

from contracts.errors import RejectedInput
from edge.edi import EdifactError, Party, edifact

UNB = "UNB+UNOC:3+5412345000013:14:RT+4012345500004:14+240315:0930+ICR1'"
ORDERS_1 = "UNH+1+ORDERS:D:96A:UN:EAN008'BGM+220+PO1+9'DTM+137:20240315:102'UNT+4+1'"
ORDERS_2 = "UNH+2+ORDERS:D:96A:UN:EAN008'BGM+220+PO2+9'UNT+3+2'"


def rejection(text: str) -> tuple[RejectedInput, bytes]:
    data = text.encode("latin-1")
    with pytest.raises(RejectedInput) as caught:
        edifact.parse(data)
    return caught.value, data


def test_interchange_header_fields() -> None:
    text = (
        "UNB+UNOC:3+5412345000013:14:RT+4012345500004:14+240315:0930+ICR1+PWD+ORDERS++1++1'"
        + ORDERS_1
        + "UNZ+1+ICR1'"
    )
    (parsed,) = edifact.parse(text.encode())
    assert parsed.sender == Party("5412345000013", "14", "RT")
    assert parsed.recipient == Party("4012345500004", "14")
    assert (parsed.date, parsed.time, parsed.control_ref) == ("240315", "0930", "ICR1")
    assert (parsed.syntax_id, parsed.syntax_version, parsed.encoding) == ("UNOC", "3", "iso8859-1")
    assert parsed.application_ref == "ORDERS"
    assert parsed.ack_requested and parsed.test
    assert not parsed.una and parsed.offset == 0
    assert parsed.header.tag == "UNB" and parsed.trailer.tag == "UNZ"


def test_messages_carry_identifier_and_their_segments() -> None:
    (parsed,) = edifact.parse((UNB + ORDERS_1 + ORDERS_2 + "UNZ+2+ICR1'").encode())
    first, second = parsed.messages
    assert (first.reference, first.type, first.version, first.release) == (
        "1",
        "ORDERS",
        "D",
        "96A",
    )
    assert (first.agency, first.association_code) == ("UN", "EAN008")
    assert [s.tag for s in first.segments] == ["UNH", "BGM", "DTM", "UNT"]
    assert [s.tag for s in first.body] == ["BGM", "DTM"]
    assert first.header.tag == "UNH" and first.trailer.tag == "UNT"
    assert second.body[0].value(1) == "PO2"
    assert parsed.groups == ()
    assert next(s.tag for s in parsed.all_segments()) == "UNB"
    assert len(list(parsed.all_segments())) == 9


def test_groups_hold_their_messages_and_the_interchange_lists_them_all() -> None:
    text = (
        UNB
        + "UNG+ORDERS+SAPP:ZZ+RAPP:ZZ+240315:0930+G1+UN+D:96A+PASS'"
        + ORDERS_1
        + ORDERS_2
        + "UNE+2+G1'"
        + "UNG+ORDERS+SAPP:ZZ+RAPP:ZZ+240315:0930+G2+UN+D:96A'"
        + ORDERS_1
        + "UNE+1+G2'UNZ+2+ICR1'"
    )
    (parsed,) = edifact.parse(text.encode())
    first, second = parsed.groups
    assert (first.group_id, first.reference, first.agency) == ("ORDERS", "G1", "UN")
    assert (first.message_version, first.message_release) == ("D", "96A")
    assert first.sender == Party("SAPP", "ZZ")
    assert [m.reference for m in first.messages] == ["1", "2"]
    assert [m.reference for m in second.messages] == ["1"]  # refs are unique per group
    assert len(parsed.messages) == 3
    assert [s.tag for s in parsed.all_segments()].count("UNG") == 2


def test_several_interchanges_per_file_keep_file_wide_indexes() -> None:
    one = UNB + ORDERS_1 + "UNZ+1+ICR1'"
    two = "UNA:+.? '" + UNB.replace("ICR1", "ICR2") + ORDERS_2 + "UNZ+1+ICR2'"
    data = (one + "\r\n" + two + "\n").encode()
    first, second = edifact.parse(data)
    assert second.una and second.control_ref == "ICR2"
    assert second.offset == data.index(b"UNA")
    assert second.header.index == len(list(first.all_segments()))
    assert data[second.header.offset or 0 :].startswith(b"UNB")


def test_unt_count_mismatch_is_code_29_at_the_unt() -> None:
    error, data = rejection(UNB + ORDERS_1.replace("UNT+4+1", "UNT+12+1") + "UNZ+1+ICR1'")
    assert error.code == EdifactError.CONTROL_COUNT.value == "29"
    assert error.segment_index == 4
    assert error.byte_offset == data.index(b"UNT+12")
    assert "UNT 0074 says 12 segments but message 1 has 4" in error.message
    assert f"byte {error.byte_offset}" in error.message and "segment 5" in error.message


def test_unt_count_with_leading_zeros_is_accepted() -> None:
    (parsed,) = edifact.parse(
        (UNB + ORDERS_1.replace("UNT+4+1", "UNT+0004+1") + "UNZ+1+ICR1'").encode()
    )
    assert parsed.messages[0].trailer.value(0) == "0004"


def test_unt_count_not_a_number_is_invalid_value() -> None:
    error, _ = rejection(UNB + ORDERS_1.replace("UNT+4+1", "UNT+X+1") + "UNZ+1+ICR1'")
    assert error.code == "12"


def test_unt_reference_mismatch_is_code_28() -> None:
    error, data = rejection(UNB + ORDERS_1.replace("UNT+4+1", "UNT+4+9") + "UNZ+1+ICR1'")
    assert error.code == "28"
    assert error.byte_offset == data.index(b"UNT+4+9")


def test_missing_unt_is_code_13_where_the_next_header_starts() -> None:
    error, data = rejection(UNB + "UNH+1+ORDERS:D:96A:UN'BGM+220+1'" + ORDERS_2 + "UNZ+2+ICR1'")
    assert error.code == "13"
    assert error.byte_offset == data.index(b"UNH+2")
    assert "has no UNT" in error.message


def test_missing_unz_is_code_13() -> None:
    error, _ = rejection(UNB + ORDERS_1)
    assert error.code == "13"
    assert "no UNZ" in error.message


def test_unz_count_and_reference() -> None:
    count, data = rejection(UNB + ORDERS_1 + "UNZ+2+ICR1'")
    assert count.code == "29" and count.byte_offset == data.index(b"UNZ")
    reference, _ = rejection(UNB + ORDERS_1 + "UNZ+1+OTHER'")
    assert reference.code == "28"
    assert "UNZ 0020 is 'OTHER' but UNB 0020 is 'ICR1'" in reference.message


def test_unz_counts_groups_when_there_are_groups() -> None:
    group = "UNG+ORDERS+S:ZZ+R:ZZ+240315:0930+G1+UN+D:96A'" + ORDERS_1 + "UNE+1+G1'"
    error, _ = rejection(UNB + group + "UNZ+3+ICR1'")
    assert error.code == "29"
    assert "groups" in error.message


def test_une_count_and_reference() -> None:
    head = UNB + "UNG+ORDERS+S:ZZ+R:ZZ+240315:0930+G1+UN+D:96A'" + ORDERS_1
    assert rejection(head + "UNE+2+G1'UNZ+1+ICR1'")[0].code == "29"
    assert rejection(head + "UNE+1+G9'UNZ+1+ICR1'")[0].code == "28"
    missing, _ = rejection(head + "UNZ+1+ICR1'")
    assert missing.code == "13"


def test_groups_and_loose_messages_do_not_mix() -> None:
    group = "UNG+ORDERS+S:ZZ+R:ZZ+240315:0930+G1+UN+D:96A'" + ORDERS_1 + "UNE+1+G1'"
    assert rejection(UNB + group + ORDERS_2 + "UNZ+2+ICR1'")[0].code == "30"
    assert rejection(UNB + ORDERS_2 + group + "UNZ+2+ICR1'")[0].code == "30"


def test_segment_between_messages_is_outside_any_message() -> None:
    error, data = rejection(UNB + ORDERS_1 + "FTX+AAI+++STRAY'" + ORDERS_2 + "UNZ+2+ICR1'")
    assert error.code == EdifactError.OUTSIDE_MESSAGE.value == "33"
    assert error.byte_offset == data.index(b"FTX")


def test_segment_after_unz_in_the_same_interchange_is_refused() -> None:
    error, _ = rejection(UNB + ORDERS_1 + "UNZ+1+ICR1'BGM+1'")
    assert error.code == "13"  # a second interchange must start with UNA or UNB


def test_interchange_or_group_without_messages_is_lower_level_empty() -> None:
    assert rejection(UNB + "UNZ+0+ICR1'")[0].code == "32"
    group = "UNG+ORDERS+S:ZZ+R:ZZ+240315:0930+G1+UN+D:96A'UNE+0+G1'"
    error, data = rejection(UNB + group + "UNZ+1+ICR1'")
    assert error.code == "32" and error.byte_offset == data.index(b"UNG")


def test_duplicate_message_reference_is_code_26() -> None:
    error, data = rejection(UNB + ORDERS_1 + ORDERS_1 + "UNZ+2+ICR1'")
    assert error.code == "26"
    assert error.byte_offset == data.rindex(b"UNH")


def test_stray_trailer_is_outside_any_message() -> None:
    assert rejection(UNB + "UNT+2+1'" + ORDERS_1 + "UNZ+1+ICR1'")[0].code == "33"


@pytest.mark.parametrize(
    ("unb", "what"),
    [
        ("UNB+UNOC:3++R:14+240315:0930+ICR1'", "S002"),
        ("UNB+UNOC:3+S:14++240315:0930+ICR1'", "S003"),
        ("UNB+UNOC:3+S:14+R:14++ICR1'", "S004"),
        ("UNB+UNOC:3+S:14+R:14+240315:0930'", "0020"),
    ],
)
def test_mandatory_unb_elements(unb: str, what: str) -> None:
    error, _ = rejection(unb + ORDERS_1 + "UNZ+1+ICR1'")
    assert error.code == "13"
    assert what in error.message
    assert error.segment_index == 0


def test_unh_without_message_identifier_is_missing() -> None:
    error, _ = rejection(UNB + "UNH+1'UNT+2+1'UNZ+1+ICR1'")
    assert error.code == "13" and "S009" in error.message
