"""Property tests for X12: awkward interchanges round-trip, garbage is refused cleanly.

Generated interchanges use random delimiters (any ISA), versions 00401 and 00501 (with its
repetition separator), several groups and sets, empty and long values, trailing empty
elements, and values with any character that is not a delimiter or a control character.
"""

from __future__ import annotations

from datetime import datetime

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from contracts.errors import RejectedInput
from edge.edi import Party, Segment, x12

POOL = list("*:~^|!#@$%&;=/\\<>_`{}[]+?'\"")
CHARACTERS = "".join(chr(c) for c in range(0x20, 0x7F)) + "ÄÖÜßé€東京✓🙂\u2028"
TAGS = ["BEG", "REF", "DTM", "N1", "N3", "N4", "PO1", "PID", "CTT", "LIN", "QTY", "MEA"]
PREPARED = datetime(2024, 3, 15, 9, 30)


@st.composite
def separators(draw: st.DrawFn, version: str) -> x12.Separators:
    element, component, repetition, terminator = draw(
        st.lists(st.sampled_from(POOL), min_size=4, max_size=4, unique=True)
    )
    return x12.Separators(
        element=element,
        component=component,
        repetition=repetition if version >= "00402" else None,
        terminator=terminator,
        line_break=draw(st.sampled_from(["", "\n", "\r\n"])),
    )


@st.composite
def sets(draw: st.DrawFn, delimiters: str, control: str) -> x12.TransactionSet:
    alphabet = st.sampled_from([c for c in CHARACTERS if c not in delimiters])
    short = st.text(alphabet, max_size=8)
    text = st.integers(0, 19).flatmap(
        lambda n: st.text(alphabet, min_size=80, max_size=80) if n == 0 else short
    )
    element = st.lists(text, min_size=1, max_size=3)
    body = [
        Segment.build(draw(st.sampled_from(TAGS)), *draw(st.lists(element, max_size=6)))
        for _ in range(draw(st.integers(0, 4)))
    ]
    return x12.build_set(draw(st.sampled_from(["850", "856", "810"])), control, body)


@st.composite
def interchanges(draw: st.DrawFn) -> x12.Interchange:
    version = draw(st.sampled_from(["00401", "00501"]))
    chosen = draw(separators(version))
    delimiters = chosen.delimiters()
    groups = []
    for number in range(1, draw(st.integers(1, 2)) + 1):
        count = draw(st.integers(1, 3))
        members = [draw(sets(delimiters, f"{number}{n:03d}")) for n in range(count)]
        groups.append(x12.build_group("PO", "S", "R", number, members, prepared=PREPARED))
    return x12.build_interchange(
        sender=Party(draw(st.sampled_from(["A", "SENDER", "X" * 15])), "ZZ"),
        receiver=Party("RECEIVER", "ZZ"),
        control_number=draw(st.integers(0, 999_999_999)),
        prepared=PREPARED,
        groups=groups,
        version=version,
        separators=chosen,
    )


def positionless(interchange: x12.Interchange) -> list[Segment]:
    return [msgspec.structs.replace(s, index=None, offset=None) for s in interchange.all_segments()]


@given(interchanges())
def test_awkward_interchanges_round_trip(built: x12.Interchange) -> None:
    data = x12.serialize(built)
    (parsed,) = x12.parse(data)
    assert positionless(parsed) == positionless(built)
    assert parsed.separators == built.separators
    assert x12.serialize(parsed) == data
    for segment in parsed.all_segments():
        assert data[segment.offset or 0 :].startswith(segment.tag.encode())


@given(interchanges(), interchanges())
def test_several_interchanges_with_their_own_delimiters(
    first: x12.Interchange, second: x12.Interchange
) -> None:
    one, two = x12.parse(x12.serialize([first, second]))
    assert positionless(one) == positionless(first)
    assert positionless(two) == positionless(second)


@given(st.binary(max_size=300))
def test_random_bytes_are_refused_cleanly(data: bytes) -> None:
    try:
        x12.parse(data)
    except RejectedInput as error:
        assert error.code and error.byte_offset is not None


ISA = (
    "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240315*0930*^*00501"
    "*000000001*0*P*:~"
)
X12ISH = st.text(st.sampled_from(list("ISAGESTE*:~^\r\n 0123456789PO")), max_size=200)


@given(X12ISH)
def test_separator_soup_after_a_valid_isa_is_refused_cleanly(text: str) -> None:
    for data in (text.encode(), (ISA + text).encode()):
        try:
            x12.parse(data)
        except RejectedInput as error:
            assert error.code and error.byte_offset is not None
