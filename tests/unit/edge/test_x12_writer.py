"""X12 serializer and envelope builders."""

from __future__ import annotations

from datetime import datetime

import msgspec
import pytest

from contracts.errors import RejectedInput
from edge.edi import Party, Segment, x12

PREPARED = datetime(2024, 3, 15, 9, 30)


def purchase_order(control: str, number: str) -> x12.TransactionSet:
    return x12.build_set(
        "850",
        control,
        [
            Segment.build("BEG", "00", "SA", number, "", "20240315"),
            Segment.build("PO1", "1", "12", "EA", "3.25", "", "UP", "012345678905"),
            Segment.build("CTT", "1"),
        ],
    )


def build(**kwargs: object) -> x12.Interchange:
    orders = [purchase_order("0001", "PO1"), purchase_order("0002", "PO2")]
    group = x12.build_group("PO", "BUYERAPP", "DISTAPP", 42, orders, prepared=PREPARED)
    return x12.build_interchange(
        sender=Party("BUYER", "ZZ"),
        receiver=Party("DISTRIBUTOR", "ZZ"),
        control_number=7,
        prepared=PREPARED,
        groups=[group],
        **kwargs,  # type: ignore[arg-type]
    )


def test_builder_pads_the_isa_and_counts_everything() -> None:
    data = x12.serialize(build())
    isa, rest = data[:106], data[106:]
    assert isa == (
        b"ISA*00*          *00*          *ZZ*BUYER          *ZZ*DISTRIBUTOR    *240315*0930*U*"
        b"00401*000000007*0*P*:~"
    )
    assert rest.startswith(b"GS*PO*BUYERAPP*DISTAPP*20240315*0930*42*X*004010~ST*850*0001~")
    assert b"SE*5*0001~" in rest and b"SE*5*0002~" in rest
    assert rest.endswith(b"GE*2*42~IEA*1*000000007~")
    (parsed,) = x12.parse(data)
    assert [s.control_number for s in parsed.sets] == ["0001", "0002"]
    strip = msgspec.structs.replace
    assert [strip(s, index=None, offset=None) for s in parsed.all_segments()] == list(
        build().all_segments()
    )


def test_builder_version_00501_uses_a_repetition_separator() -> None:
    built = build(version="00501", usage="T", ack_requested=True)
    data = x12.serialize(built, line_break="\n")
    assert b"*^*00501*000000007*1*T*:~\n" in data
    (parsed,) = x12.parse(data)
    assert parsed.separators.repetition == "^" and parsed.test and parsed.ack_requested


def test_builder_refuses_what_does_not_fit() -> None:
    with pytest.raises(ValueError, match="nine digits"):
        x12.build_interchange(
            sender=Party("S", "ZZ"), receiver=Party("R", "ZZ"), control_number=10**9,
            prepared=PREPARED, groups=[],
        )  # fmt: skip
    with pytest.raises(ValueError, match="ISA06"):
        x12.build_interchange(
            sender=Party("S" * 16, "ZZ"), receiver=Party("R", "ZZ"), control_number=1,
            prepared=PREPARED, groups=[],
        )  # fmt: skip


def test_serialize_keeps_the_layout_it_was_read_with() -> None:
    original = x12.serialize(build(), line_break="\r\n")
    (parsed,) = x12.parse(original)
    assert x12.serialize(parsed) == original
    assert x12.serialize(parsed, line_break="") == original.replace(b"\r\n", b"")


@pytest.mark.parametrize("bad", ["A*B", "A~B", "A:B", "A\nB", "BELL\x07"])
def test_values_holding_a_delimiter_cannot_be_written(bad: str) -> None:
    transaction_set = x12.build_set("850", "0001", [Segment.build("N1", "ST", bad)])
    group = x12.build_group("PO", "A", "B", 1, [transaction_set], prepared=PREPARED)
    built = x12.build_interchange(
        sender=Party("S", "ZZ"), receiver=Party("R", "ZZ"), control_number=1,
        prepared=PREPARED, groups=[group],
    )  # fmt: skip
    with pytest.raises(RejectedInput) as caught:
        x12.serialize(built)
    assert (caught.value.code, caught.value.fields["code_list"]) == ("6", "723")
    assert "N1" in caught.value.message and caught.value.path == "$.segments[3]"


def test_repetitions_are_written_with_the_repetition_separator() -> None:
    segment = Segment.build_repeated("REF", [["ZZ"]], [["A"], ["B"]])
    text = x12.render([segment], x12.Separators(repetition="^"))
    assert text == "REF*ZZ*A^B~"


def test_characters_the_encoding_cannot_hold() -> None:
    transaction_set = x12.build_set("850", "0001", [Segment.build("N1", "ST", "東京")])
    group = x12.build_group("PO", "A", "B", 1, [transaction_set], prepared=PREPARED)
    built = x12.build_interchange(
        sender=Party("S", "ZZ"), receiver=Party("R", "ZZ"), control_number=1,
        prepared=PREPARED, groups=[group], encoding="ascii",
    )  # fmt: skip
    with pytest.raises(RejectedInput, match="ascii"):
        x12.serialize(built)
