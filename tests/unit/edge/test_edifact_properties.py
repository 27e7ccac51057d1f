"""Property tests for EDIFACT: awkward data round-trips, pydifact agrees, garbage is refused.

Generated interchanges use random service characters (any UNA), syntax 3 or 4 (with its
repetition separator), the UNOA, UNOC or UNOY repertoires, and values built to hurt: full of
separators and release characters, empty, long, with trailing empty elements and components.
"""

from __future__ import annotations

from datetime import datetime

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from contracts.errors import RejectedInput
from edge.edi import Party, Segment, edifact
from tests.unit.edge.test_edifact_pydifact import normalised, theirs

POOL = list(":+?'*|^!#~@$%&;=/\\<>_`{}[]\"().,-")
LEVEL_A = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,-()/='+:?!\"%&*;<>"
LATIN_1 = "".join(chr(c) for c in range(0x20, 0x100) if not 0x7F <= c < 0xA0)
UNICODE = LATIN_1 + "ĀŁőŒžΑΩαωЖжא٣東京株式会社テスト한국어✓€₹🙂\u0301\u200b\u2028"
REPERTOIRES = {"UNOA": LEVEL_A, "UNOC": LATIN_1, "UNOY": UNICODE}
TAGS = ["BGM", "DTM", "NAD", "LIN", "QTY", "FTX", "IMD", "PRI", "RFF", "CUX", "GIR", "ZZZ"]
PREPARED = datetime(2024, 3, 15, 9, 30)


@st.composite
def service_chars(
    draw: st.DrawFn, *, syntax_id: str, version: str, release: bool | None = None
) -> edifact.ServiceChars:
    pool = [c for c in POOL if c in LEVEL_A] if syntax_id == "UNOA" else POOL
    comp, elem, release_char, repetition, term = draw(
        st.lists(st.sampled_from(pool), min_size=5, max_size=5, unique=True)
    )
    return edifact.ServiceChars(
        component=comp,
        element=elem,
        decimal_mark=draw(st.sampled_from(".,")),
        release=release_char if (release or draw(st.integers(0, 9))) else None,
        repetition=repetition if version == "4" else None,
        terminator=term,
    )


def values(
    syntax_id: str, chars: edifact.ServiceChars, *, long: bool = True
) -> st.SearchStrategy[str]:
    hidden = "" if chars.release else chars.delimiters()  # nothing can be escaped without one
    plain = st.sampled_from([c for c in REPERTOIRES[syntax_id] if c not in hidden])
    special = st.sampled_from(list(chars.delimiters()))
    alphabet = st.one_of(plain, special) if chars.release else plain
    short = st.text(alphabet, max_size=10)
    if not long:
        return short
    # one value in twenty-five at the full length of an..350 (free text), the rest short
    full = st.text(alphabet, min_size=350, max_size=350)
    return st.integers(0, 24).flatmap(lambda n: full if n == 0 else short)


@st.composite
def segments(
    draw: st.DrawFn, syntax_id: str, chars: edifact.ServiceChars, *, long: bool
) -> Segment:
    text = values(syntax_id, chars, long=long)
    components = st.lists(text, min_size=1, max_size=4)
    tag = draw(st.sampled_from(TAGS))
    if chars.repetition and draw(st.booleans()):
        occurrences = st.lists(components, min_size=1, max_size=3)
        return Segment.build_repeated(tag, *draw(st.lists(occurrences, min_size=1, max_size=4)))
    return Segment.build(tag, *draw(st.lists(components, max_size=5)))


@st.composite
def interchanges(
    draw: st.DrawFn, *, version: str = "", long: bool = True, release: bool | None = None
) -> edifact.Interchange:
    syntax_id = draw(st.sampled_from(["UNOA", "UNOC", "UNOY"]))
    if not version:
        version = "4" if syntax_id == "UNOY" else draw(st.sampled_from(["3", "4"]))
    elif syntax_id == "UNOY":
        syntax_id = "UNOC"
    chars = draw(service_chars(syntax_id=syntax_id, version=version, release=release))
    body = st.lists(segments(syntax_id, chars, long=long), max_size=4)
    messages = [
        edifact.build_message(str(number), "ORDERS", "D", "96A", draw(body))
        for number in range(1, draw(st.integers(1, 2)) + 1)
    ]
    return edifact.build_interchange(
        sender=Party("SENDER", "14"),
        recipient=Party("RECEIVER", "14"),
        control_ref=draw(st.sampled_from(["1", "ICR0001", "X" * 14])),
        prepared=PREPARED,
        messages=messages,
        syntax_id=syntax_id,
        syntax_version=version,
        chars=chars,
        una=True,
    )


def positionless(interchange: edifact.Interchange) -> list[Segment]:
    return [msgspec.structs.replace(s, index=None, offset=None) for s in interchange.all_segments()]


@given(interchanges(), st.sampled_from(["", "\n", "\r\n"]))
def test_awkward_interchanges_round_trip(built: edifact.Interchange, newline: str) -> None:
    data = edifact.serialize(built, newline=newline)
    (parsed,) = edifact.parse(data)
    assert positionless(parsed) == positionless(built)
    assert parsed.chars == built.chars
    for segment in parsed.all_segments():
        assert segment.offset is not None
        assert data[segment.offset :].startswith(segment.tag.encode())


@given(interchanges())
def test_several_interchanges_in_one_file_round_trip(built: edifact.Interchange) -> None:
    (first, second) = edifact.parse(edifact.serialize([built, built], newline="\n"))
    assert positionless(first) == positionless(second) == positionless(built)
    assert second.header.index == len(positionless(built))


@given(interchanges(version="3", long=False, release=True))
def test_generated_tokens_equal_pydifact(built: edifact.Interchange) -> None:
    text = edifact.serialize(built).decode(built.encoding)
    mine = [normalised(s, "") for s in edifact.tokenize(text)]
    assert mine == theirs(text)


@given(st.binary(max_size=300))
def test_random_bytes_are_refused_cleanly(data: bytes) -> None:
    try:
        edifact.parse(data)
    except RejectedInput as error:
        assert error.code and error.byte_offset is not None


EDIFACTISH = st.text(st.sampled_from(list("UNABHZTGES+:'?*\r\n 0123456789OCR")), max_size=200)


@given(EDIFACTISH)
def test_separator_soup_is_refused_cleanly(text: str) -> None:
    for data in (text.encode(), ("UNA:+.? 'UNB+UNOC:3+" + text).encode()):
        try:
            edifact.parse(data)
        except RejectedInput as error:
            assert error.code and error.byte_offset is not None
