"""EDIFACT syntax: service characters, tokenizing, character sets, and where errors point."""

from __future__ import annotations

import re

import pytest

from contracts.errors import RejectedInput
from edge.edi import EdifactError, Segment, code_list, edifact


def interchange(
    body: str, *, una: str = "", syntax: str = "UNOC:3", encoding: str = "latin-1"
) -> bytes:
    """A one-message interchange around ``body`` (segments, default separators)."""
    count = len(re.findall(r"(?<!\?)(?:\?\?)*'", body)) + 2
    text = (
        f"{una}UNB+{syntax}+S:14+R:14+240315:0930+REF'UNH+1+ORDERS:D:96A:UN'"
        f"{body}UNT+{count}+1'UNZ+1+REF'"
    )
    return text.encode(encoding)


def body_of(data: bytes, **kwargs: object) -> tuple[Segment, ...]:
    (parsed,) = edifact.parse(data, **kwargs)  # type: ignore[arg-type]
    return parsed.messages[0].body


def rejection(data: bytes, **kwargs: object) -> RejectedInput:
    with pytest.raises(RejectedInput) as caught:
        edifact.parse(data, **kwargs)  # type: ignore[arg-type]
    return caught.value


# --- the segment model -------------------------------------------------------------------


def test_segment_accessors_never_raise_for_absent_positions() -> None:
    segment = Segment.build("NAD", "BY", ["5412345000013", "", "9"])
    assert segment.element(1) == ("5412345000013", "", "9")
    assert segment.value(1, 2) == "9"
    assert segment.value(1, 5) == ""
    assert segment.value(7) == ""
    assert segment.element(7) == ()
    assert segment.repetitions(0) == (("BY",),)
    assert segment.repetitions(9) == ()
    assert segment.where() == "segment NAD"


def test_build_repeated_keeps_first_occurrence_in_elements() -> None:
    segment = Segment.build_repeated("GIR", [["3"]], [["A", "BX"], ["B", "BX"]])
    assert segment.elements == (("3",), ("A", "BX"))
    assert segment.repetitions(1) == (("A", "BX"), ("B", "BX"))
    assert Segment.build_repeated("X", [["1"]]).repeats is None
    with pytest.raises(ValueError, match="at least one occurrence"):
        Segment.build_repeated("X", [])


# --- tokenizing ----------------------------------------------------------------------------


def test_elements_and_components_are_split_and_empties_kept() -> None:
    (segment,) = body_of(interchange("PRI+AAA:12.50::NTP++'"))
    assert segment.tag == "PRI"
    assert segment.elements == (("AAA", "12.50", "", "NTP"), ("",), ("",))


def test_release_character_escapes_every_service_character_and_itself() -> None:
    (segment,) = body_of(interchange("FTX+AAI+++A?+B?:C?'D??E?*F'", una="UNA:+.? '"))
    assert segment.value(3) == "A+B:C'D?E*F"


def test_an_escaped_terminator_does_not_end_the_segment() -> None:
    first, second = body_of(interchange("FTX+AAI+++IT?'S'BGM+220+1'"))
    assert first.value(3) == "IT'S"
    assert second.tag == "BGM"


def test_a_released_release_before_the_terminator_ends_the_segment() -> None:
    first, second = body_of(interchange("FTX+AAI+++ENDS WITH ??'BGM+220+1'"))
    assert first.value(3) == "ENDS WITH ?"
    assert second.tag == "BGM"


def test_non_default_una_is_honoured_everywhere() -> None:
    data = (
        "UNA|^,! #UNB^UNOC|3^S|14^R|14^240315|0930^REF#UNH^1^ORDERS|D|96A|UN#"
        "QTY^21|12,5|KGM!#1#UNT^3^1#UNZ^1^REF#"
    ).encode("ascii")
    (parsed,) = edifact.parse(data)
    assert parsed.chars.decimal_mark == ","
    assert parsed.chars.release == "!"
    assert parsed.messages[0].body[0].elements == (("21", "12,5", "KGM#1"),)


def test_segment_terminator_followed_by_line_breaks_is_tolerated() -> None:
    for line_break in ("\n", "\r\n", "\r"):
        data = interchange("BGM+220+1'DTM+137:20240315:102'").replace(
            b"'", b"'" + line_break.encode()
        )
        assert [s.tag for s in body_of(data)] == ["BGM", "DTM"]


def test_wrapped_lines_inside_segments_are_joined() -> None:
    data = interchange("NAD+BY+++NAME OF THE\nBUYER+STREET'")
    (segment,) = body_of(data)
    assert segment.value(3) == "NAME OF THEBUYER"
    assert segment.value(4) == "STREET"


def test_blanks_before_a_tag_are_ignored_and_offsets_point_at_the_tag() -> None:
    data = interchange("BGM+220+1'   DTM+137:20240315:102'")
    bgm, dtm = body_of(data)
    assert data[dtm.offset or 0 :].startswith(b"DTM")
    assert dtm.offset == (bgm.offset or 0) + len("BGM+220+1'   ")


def test_offsets_and_indexes_locate_every_segment_in_the_file() -> None:
    data = b"\n\nUNA:+.? '\r\n" + interchange("BGM+220+1'DTM+137:20240315:102'")
    (parsed,) = edifact.parse(data)
    segments = list(parsed.all_segments())
    assert [s.index for s in segments] == list(range(len(segments)))
    for segment in segments:
        assert data[segment.offset or 0 :].startswith(segment.tag.encode())
    assert parsed.offset == 2


def test_utf8_byte_offsets_count_bytes_not_characters() -> None:
    raw = interchange("FTX+AAI+++東京 ✓'BGM+220+1'", syntax="UNOY:4", encoding="utf-8")
    ftx, bgm = body_of(raw)
    assert ftx.value(3) == "東京 ✓"
    assert raw[bgm.offset or 0 :].startswith(b"BGM+220")


def test_repetition_separator_applies_in_syntax_4_only() -> None:
    four = body_of(interchange("GIR+3+A:BX*B:BX'", una="UNA:+.?*'", syntax="UNOC:4"))[0]
    assert four.repetitions(1) == (("A", "BX"), ("B", "BX"))
    assert four.elements[1] == ("A", "BX")
    three = body_of(interchange("GIR+3+A:BX*B:BX'", una="UNA:+.?*'", syntax="UNOC:3"))[0]
    assert three.repeats is None
    assert three.elements[1] == ("A", "BX*B", "BX")


def test_syntax_4_without_una_repeats_with_asterisk() -> None:
    (segment,) = body_of(interchange("GIR+3+A*B'", syntax="UNOC:4"))
    assert segment.repetitions(1) == (("A",), ("B",))


def test_level_b_information_separators_are_the_defaults_when_unb_uses_them() -> None:
    data = (
        "UNB\x1dUNOB\x1f3\x1dSender\x1fZZ\x1dReceiver\x1fZZ\x1d240315\x1f0930\x1dB1\x1c"
        "UNH\x1d1\x1dORDERS\x1fD\x1f96A\x1fUN\x1cBGM\x1d220\x1dpo-1\x1c"
        "UNT\x1d3\x1d1\x1cUNZ\x1d1\x1dB1\x1c"
    ).encode("ascii")
    (parsed,) = edifact.parse(data)
    assert parsed.chars.terminator == "\x1c"
    assert parsed.chars.release is None
    assert parsed.messages[0].body[0].elements == (("220",), ("po-1",))


def test_tokenize_reads_text_with_its_una() -> None:
    segments = edifact.tokenize("UNA:+.?*'UNB+UNOC:4+A+B+1:2+R'GIR+A*B+C?'D'")
    assert [s.tag for s in segments] == ["UNB", "GIR"]
    assert segments[1].repetitions(0) == (("A",), ("B",))
    assert segments[1].value(1) == "C'D"
    assert segments[1].offset == len("UNA:+.?*'UNB+UNOC:4+A+B+1:2+R'")
    no_repetition = edifact.tokenize("UNA:+.? 'UNB+UNOC:4+A+B+1:2+R'GIR+A*B'")
    assert no_repetition[1].elements == (("A*B",),)


# --- character sets ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("syntax", "text", "codec"),
    [
        ("UNOC:3", "Müller", "iso8859-1"),
        ("UNOD:3", "Łódź", "iso8859-2"),
        ("UNOE:3", "Москва", "iso8859-5"),
        ("UNOF:3", "Αθήνα", "iso8859-7"),
        ("UNOK:3", "İstanbul", "iso8859-9"),
        ("UNOW:4", "Zürich ✓", "utf-8"),
        ("UNOY:4", "東京", "utf-8"),
    ],
)
def test_syntax_identifier_decides_the_decoding(syntax: str, text: str, codec: str) -> None:
    (parsed,) = edifact.parse(interchange(f"NAD+BY+++{text}'", syntax=syntax, encoding=codec))
    assert parsed.encoding == codec
    assert parsed.messages[0].body[0].value(3) == text


def test_unoa_refuses_lower_case_with_its_position() -> None:
    data = interchange("FTX+AAI+++Hello'", syntax="UNOA:3")
    error = rejection(data)
    assert error.code == EdifactError.INVALID_CHARACTER.value == "21"
    assert error.fields["code_list"] == "0085"
    assert error.byte_offset == data.index(b"ello")
    assert error.segment_index == 2
    assert "'e'" in error.message


def test_unoa_accepts_lower_case_when_not_strict() -> None:
    (segment,) = body_of(interchange("FTX+AAI+++Hello'", syntax="UNOA:3"), strict_charset=False)
    assert segment.value(3) == "Hello"


def test_unob_accepts_lower_case_but_not_eight_bit_bytes() -> None:
    assert body_of(interchange("FTX+AAI+++Hello'", syntax="UNOB:3"))[0].value(3) == "Hello"
    data = interchange("FTX+AAI+++Gr\xfc\xdfe'", syntax="UNOB:3")
    error = rejection(data)
    assert error.code == "21"
    assert error.byte_offset == data.index(b"\xfc")
    assert "0xFC" in error.message


def test_invalid_utf8_is_refused_where_it_starts() -> None:
    data = interchange("FTX+AAI+++ABC'", syntax="UNOY:4").replace(b"ABC", b"AB\xc3(")
    error = rejection(data)
    assert error.code == "21"
    assert error.byte_offset == data.index(b"\xc3")


def test_control_characters_are_refused_at_every_level() -> None:
    data = interchange("FTX+AAI+++A\x07B'")
    error = rejection(data)
    assert error.code == "21"
    assert error.byte_offset == data.index(b"\x07")


@pytest.mark.parametrize("syntax", ["IATB:1", "UNOX:3", "UNOC:5", "KECA:3"])
def test_unsupported_syntax_identifier_or_version_is_code_2(syntax: str) -> None:
    error = rejection(interchange("BGM+220+1'", syntax=syntax))
    assert error.code == EdifactError.SYNTAX_NOT_SUPPORTED.value == "2"
    assert error.segment_index == 0


# --- syntax errors and their positions -----------------------------------------------------


def test_una_with_a_letter_as_separator_is_code_20() -> None:
    error = rejection(b"UNAX+.? 'UNB+UNOC:3+S+R+1:1+R'")
    assert error.code == "20"
    assert error.byte_offset == 0


def test_una_using_one_character_twice_is_code_20() -> None:
    assert rejection(b"UNA++.? 'UNB+UNOC:3+S+R+1:1+R'").code == "20"


def test_truncated_una_is_missing() -> None:
    assert rejection(b"UNA:+.").code == "13"


def test_file_without_unb_is_refused_at_its_first_byte() -> None:
    error = rejection(b"UNH+1+ORDERS:D:96A:UN'UNT+2+1'")
    assert error.code == "13"
    assert (error.segment_index, error.byte_offset) == (0, 0)
    assert "UNB" in error.message


def test_empty_file_is_refused() -> None:
    assert rejection(b"  \r\n").code == "13"


def test_empty_segment_is_refused_with_its_position() -> None:
    data = interchange("BGM+220+1''DTM+137:1:102'")
    error = rejection(data)
    assert error.code == "13"
    assert error.segment_index == 3
    assert error.byte_offset == data.index(b"''") + 1


def test_bad_tag_is_invalid_value_at_that_segment() -> None:
    data = interchange("BGM+220+1'bgm+1'")
    error = rejection(data)
    assert error.code == "12"
    assert error.segment_index == 3
    assert error.byte_offset == data.index(b"bgm")


def test_release_character_at_the_very_end_escapes_nothing() -> None:
    data = b"UNB+UNOC:3+S+R+1:1+R'UNH+1+X:D:96A:UN'FTX+A?"
    assert rejection(data).code == "12"


def test_errors_carry_partner_and_source() -> None:
    error = rejection(b"junk", partner="ACME", source="inbox/PO1.edi")
    assert error.partner == "ACME"
    assert error.source == "inbox/PO1.edi"
    assert error.fields["partner"] == "ACME"
    assert "ACME" in str(error)


def test_code_lists_name_the_standard_list() -> None:
    assert code_list(EdifactError.CONTROL_COUNT) == "0085"
