"""EDIFACT serializer and envelope builders."""

from __future__ import annotations

from datetime import datetime

import msgspec
import pytest

from contracts.errors import RejectedInput
from edge.edi import Party, Segment, edifact

PREPARED = datetime(2024, 3, 15, 9, 30)


def positionless(segments: object) -> list[Segment]:
    return [msgspec.structs.replace(s, index=None, offset=None) for s in segments]  # type: ignore[attr-defined]


def orders(reference: str = "1", *, number: str = "PO1") -> edifact.Message:
    return edifact.build_message(
        reference,
        "ORDERS",
        "D",
        "96A",
        [
            Segment.build("BGM", "220", number, "9"),
            Segment.build("DTM", ["137", "20240315", "102"]),
            Segment.build("FTX", "AAI", "", "", "FRAGILE: HANDLE + CARE, IT'S ?"),
        ],
        association_code="EAN008",
    )


def test_builder_counts_segments_and_messages() -> None:
    built = edifact.build_interchange(
        sender=Party("5412345000013", "14"),
        recipient=Party("4012345500004", "14"),
        control_ref="ICR9",
        prepared=PREPARED,
        messages=[orders("1"), orders("2", number="PO2")],
    )
    data = edifact.serialize(built)
    assert data.startswith(
        b"UNA:+.? 'UNB+UNOC:3+5412345000013:14+4012345500004:14+240315:0930+ICR9'"
    )
    assert b"UNH+1+ORDERS:D:96A:UN:EAN008'" in data
    assert b"UNT+5+1'" in data and b"UNT+5+2'" in data
    assert data.endswith(b"UNZ+2+ICR9'")
    assert b"FRAGILE?: HANDLE ?+ CARE, IT?'S ??" in data
    (parsed,) = edifact.parse(data)
    assert [m.reference for m in parsed.messages] == ["1", "2"]
    assert parsed.messages[0].body[2].value(3) == "FRAGILE: HANDLE + CARE, IT'S ?"
    assert positionless(parsed.all_segments()) == positionless(built.all_segments())


def test_builder_optional_header_elements_and_syntax_4_dates() -> None:
    built = edifact.build_interchange(
        sender=Party("S", "ZZ", "INTERNAL"),
        recipient=Party("R"),
        control_ref="1",
        prepared=PREPARED,
        messages=[orders()],
        syntax_id="UNOY",
        syntax_version="4",
        application_ref="ORDERS",
        ack_requested=True,
        test=True,
        una=False,
    )
    data = edifact.serialize(built)
    assert data.startswith(b"UNB+UNOY:4+S:ZZ:INTERNAL+R+20240315:0930+1++ORDERS++1++1'")
    (parsed,) = edifact.parse(data)
    assert parsed.test and parsed.ack_requested and parsed.application_ref == "ORDERS"
    assert parsed.encoding == "utf-8"


def test_builder_groups() -> None:
    group = edifact.build_group(
        "ORDERS",
        Party("SAPP", "ZZ"),
        Party("RAPP", "ZZ"),
        "G1",
        [orders("1"), orders("2")],
        prepared=PREPARED,
        message_version="D",
        message_release="96A",
    )
    built = edifact.build_interchange(
        sender=Party("S"), recipient=Party("R"), control_ref="X", prepared=PREPARED, groups=[group]
    )
    data = edifact.serialize(built)
    assert b"UNG+ORDERS+SAPP:ZZ+RAPP:ZZ+240315:0930+G1+UN+D:96A'" in data
    assert b"UNE+2+G1'UNZ+1+X'" in data
    (parsed,) = edifact.parse(data)
    assert len(parsed.groups) == 1 and len(parsed.messages) == 2


def test_builder_refuses_groups_and_messages_together() -> None:
    group = edifact.build_group(
        "ORDERS", Party("A"), Party("B"), "G", [orders()], prepared=PREPARED
    )
    with pytest.raises(ValueError, match="not both"):
        edifact.build_interchange(
            sender=Party("S"),
            recipient=Party("R"),
            control_ref="X",
            prepared=PREPARED,
            messages=[orders()],
            groups=[group],
        )
    with pytest.raises(ValueError, match="unknown syntax"):
        edifact.build_interchange(
            sender=Party("S"), recipient=Party("R"), control_ref="X", prepared=PREPARED,
            syntax_id="UNOZ",
        )  # fmt: skip


def test_serialize_writes_the_una_it_was_read_with_and_line_breaks_on_request() -> None:
    data = (
        b"UNA|^,! #UNB^UNOC|3^S^R^240315|0930^X#UNH^1^ORDERS|D|96A|UN#FTX^A^^^!#!!#UNT^3^1#UNZ^1^X#"
    )
    (parsed,) = edifact.parse(data)
    assert edifact.serialize(parsed) == data
    lines = edifact.serialize(parsed, newline="\r\n").split(b"\r\n")
    assert lines[0] == b"UNA|^,! #" and lines[1].startswith(b"UNB^")


def test_repetitions_round_trip() -> None:
    data = (
        b"UNA:+.?*'UNB+UNOC:4+S+R+20240315:0930+X'UNH+1+INVRPT:D:01B:UN'"
        b"GIR+3+A:BX*B:BX+?*'UNT+3+1'UNZ+1+X'"
    )
    (parsed,) = edifact.parse(data)
    assert edifact.serialize(parsed) == data


def test_value_with_a_line_break_or_control_character_cannot_be_written() -> None:
    for bad in ("TWO\nLINES", "BELL\x07"):
        message = edifact.build_message(
            "1", "ORDERS", "D", "96A", [Segment.build("FTX", "AAI", "", "", bad)]
        )
        built = edifact.build_interchange(
            sender=Party("S"), recipient=Party("R"), control_ref="X", prepared=PREPARED,
            messages=[message],
        )  # fmt: skip
        with pytest.raises(RejectedInput) as caught:
            edifact.serialize(built)
        assert caught.value.code == "21"
        assert caught.value.path == "$.segments[2]"
        assert "FTX" in caught.value.message


def test_service_character_without_a_release_character_cannot_be_written() -> None:
    chars = edifact.ServiceChars(release=None)
    message = edifact.build_message("1", "ORDERS", "D", "96A", [Segment.build("FTX", "A+B")])
    built = edifact.build_interchange(
        sender=Party("S"), recipient=Party("R"), control_ref="X", prepared=PREPARED,
        messages=[message], chars=chars,
    )  # fmt: skip
    with pytest.raises(RejectedInput, match="no release character"):
        edifact.serialize(built)


def test_characters_outside_the_syntax_level_cannot_be_written() -> None:
    message = edifact.build_message("1", "ORDERS", "D", "96A", [Segment.build("FTX", "Grüße")])
    for syntax_id, expected in (
        ("UNOA", "syntax level UNOA"),
        ("UNOC", None),
        ("UNOE", "iso8859-5"),
    ):
        built = edifact.build_interchange(
            sender=Party("S"), recipient=Party("R"), control_ref="X", prepared=PREPARED,
            messages=[message], syntax_id=syntax_id,
        )  # fmt: skip
        if expected is None:
            assert "Grüße".encode("latin-1") in edifact.serialize(built)
            continue
        with pytest.raises(RejectedInput, match=expected) as caught:
            edifact.serialize(built)
        assert caught.value.code == "21"


def test_render_without_segments_is_empty() -> None:
    assert edifact.render([], edifact.DEFAULT_CHARS) == ""
