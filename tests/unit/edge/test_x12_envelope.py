"""X12 envelopes: groups, sets, control numbers and counts, each error with its 997/TA1 code."""

from __future__ import annotations

import pytest

from contracts.errors import RejectedInput
from edge.edi import x12

ISA = (
    "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240315*0930*U*00401"
    "*000000007*1*T*>~"
)
GS_PO = "GS*PO*SENDERAPP*RECEIVERAPP*20240315*0930*11*X*004010~"
SET_1 = "ST*850*0001~BEG*00*SA*PO1**20240315~CTT*0~SE*4*0001~"
SET_2 = "ST*850*0002~BEG*00*SA*PO2**20240315~SE*3*0002~"


def parse(text: str) -> x12.Interchange:
    (interchange,) = x12.parse(text.encode())
    return interchange


def rejection(text: str) -> tuple[RejectedInput, bytes]:
    data = text.encode()
    with pytest.raises(RejectedInput) as caught:
        x12.parse(data)
    return caught.value, data


def test_groups_and_sets() -> None:
    text = (
        ISA + GS_PO + SET_1 + SET_2 + "GE*2*11~"
        "GS*IN*SENDERAPP*RECEIVERAPP*20240315*0931*12*X*005010~"
        "ST*810*0001*005010X999~BIG*20240315*INV1~SE*3*0001~GE*1*12~IEA*2*000000007~"
    )
    parsed = parse(text)
    po, invoices = parsed.groups
    assert (po.functional_id, po.control_number, po.version, po.agency) == (
        "PO",
        "11",
        "004010",
        "X",
    )
    assert (po.sender, po.receiver, po.date, po.time) == (
        "SENDERAPP",
        "RECEIVERAPP",
        "20240315",
        "0930",
    )
    assert [s.control_number for s in po.sets] == ["0001", "0002"]
    first = po.sets[0]
    assert (first.id, first.control_number, first.convention) == ("850", "0001", "")
    assert [s.tag for s in first.body] == ["BEG", "CTT"]
    assert first.header.tag == "ST" and first.trailer.tag == "SE"
    assert invoices.sets[0].convention == "005010X999"  # ST02 is unique per group only
    assert len(parsed.sets) == 3
    assert parsed.test and parsed.ack_requested
    assert [s.tag for s in parsed.all_segments()] == [
        s.tag for s in x12.tokenize(text, parsed.separators)
    ]


def test_several_interchanges_per_file() -> None:
    one = ISA + GS_PO + SET_1 + "GE*1*11~IEA*1*000000007~"
    two = one.replace("000000007", "000000008")
    first, second = x12.parse((one + "\n" + two).encode())
    assert (first.control_number, second.control_number) == ("000000007", "000000008")
    assert second.header.index == len(list(first.all_segments()))


def test_interchange_acknowledgements_before_the_groups() -> None:
    parsed = parse(
        ISA + "TA1*000000001*240315*0930*A*000~" + GS_PO + SET_1 + "GE*1*11~IEA*1*000000007~"
    )
    assert [s.tag for s in parsed.service_segments] == ["TA1"]
    assert [s.tag for s in parsed.all_segments()][:3] == ["ISA", "TA1", "GS"]


def test_se_count_mismatch() -> None:
    error, data = rejection(
        ISA + GS_PO + SET_1.replace("SE*4", "SE*9") + "GE*1*11~IEA*1*000000007~"
    )
    assert (error.code, error.fields["code_list"]) == ("4", "718")
    assert error.byte_offset == data.index(b"SE*9")
    assert "SE01 says 9 segments but transaction set 0001 has 4" in error.message


def test_se_control_number_mismatch_and_numeric_equality() -> None:
    error, _ = rejection(
        ISA + GS_PO + SET_1.replace("SE*4*0001", "SE*4*0009") + "GE*1*11~IEA*1*000000007~"
    )
    assert (error.code, error.fields["code_list"]) == ("3", "718")
    parsed = parse(
        ISA + GS_PO + SET_1.replace("SE*4*0001", "SE*4*001") + "GE*1*11~IEA*1*000000007~"
    )
    assert parsed.sets[0].control_number == "0001"


def test_missing_se_is_trailer_missing() -> None:
    error, data = rejection(
        ISA + GS_PO + "ST*850*0001~BEG*00*SA*PO1**20240315~GE*1*11~IEA*1*000000007~"
    )
    assert (error.code, error.fields["code_list"]) == ("2", "718")
    assert error.byte_offset == data.index(b"GE*")


def test_duplicate_set_control_number_in_a_group() -> None:
    error, _ = rejection(ISA + GS_PO + SET_1 + SET_1 + "GE*2*11~IEA*1*000000007~")
    assert (error.code, error.fields["code_list"]) == ("23", "718")


def test_bad_st01_and_missing_st02() -> None:
    assert rejection(ISA + GS_PO + "ST*85*0001~SE*2*0001~GE*1*11~IEA*1*000000007~")[0].code == "6"
    assert rejection(ISA + GS_PO + "ST*850~SE*2~GE*1*11~IEA*1*000000007~")[0].code == "7"


def test_ge_count_and_control_number() -> None:
    count, data = rejection(ISA + GS_PO + SET_1 + "GE*2*11~IEA*1*000000007~")
    assert (count.code, count.fields["code_list"]) == ("5", "716")
    assert count.byte_offset == data.index(b"GE*2")
    number, _ = rejection(ISA + GS_PO + SET_1 + "GE*1*12~IEA*1*000000007~")
    assert (number.code, number.fields["code_list"]) == ("4", "716")


def test_missing_ge_and_bad_or_duplicate_gs06() -> None:
    missing, _ = rejection(ISA + GS_PO + SET_1 + "IEA*1*000000007~")
    assert (missing.code, missing.fields["code_list"]) == ("3", "716")
    syntax, _ = rejection(ISA + GS_PO.replace("*11*", "*1A*") + SET_1 + "GE*1*1A~IEA*1*000000007~")
    assert (syntax.code, syntax.fields["code_list"]) == ("6", "716")
    group = GS_PO + SET_1 + "GE*1*11~"
    twice, _ = rejection(ISA + group + group + "IEA*2*000000007~")
    assert (twice.code, twice.fields["code_list"]) == ("19", "716")


def test_iea_count_and_control_number() -> None:
    count, _ = rejection(ISA + GS_PO + SET_1 + "GE*1*11~IEA*2*000000007~")
    assert (count.code, count.fields["code_list"]) == ("021", "I18")
    number, _ = rejection(ISA + GS_PO + SET_1 + "GE*1*11~IEA*1*000000008~")
    assert (number.code, number.fields["code_list"]) == ("001", "I18")
    assert "IEA02 is '000000008' but ISA13 is '000000007'" in number.message


def test_missing_iea_is_premature_end() -> None:
    error, _ = rejection(ISA + GS_PO + SET_1 + "GE*1*11~")
    assert error.code == "023"


def test_segment_outside_a_set() -> None:
    error, data = rejection(ISA + GS_PO + SET_1 + "REF*ZZ*X~" + "GE*1*11~IEA*1*000000007~")
    assert error.code == "024" and error.byte_offset == data.index(b"REF")
    stray, _ = rejection(ISA + "REF*ZZ*X~" + GS_PO + SET_1 + "GE*1*11~IEA*1*000000007~")
    assert stray.code == "024"


def test_set_outside_a_group_is_invalid_control_structure() -> None:
    error, _ = rejection(ISA + SET_1 + "IEA*0*000000007~")
    assert error.code == "022"


def test_counts_must_be_numbers() -> None:
    error, _ = rejection(ISA + GS_PO + SET_1.replace("SE*4", "SE*X") + "GE*1*11~IEA*1*000000007~")
    assert error.code == "4" and "must be a number" in error.message
