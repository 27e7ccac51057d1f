"""Our EDIFACT tokens equal pydifact's, on every corpus file and every fixture.

pydifact is the reference tokenizer (DESIGN.md): ours exists only to be faster. Both get the
same decoded text (UTF-8 when the bytes are valid UTF-8, else ISO 8859-1: pydifact does not
decode by syntax identifier, so the comparison is made on text, not bytes) and the same
service characters, and their segments are compared tag by tag, value by value.

Two representation differences are normalised, because pydifact's data model cannot express
them, not because the values differ:

- pydifact drops trailing empty components (``A:`` is ``"A"``) and writes a one-component
  element as a string; we keep every component as sent;
- pydifact has no repetition separator (syntax 4): it leaves ``*`` inside the value, so our
  repetitions are joined back with it before comparing.

Where the two genuinely differ, the file is listed in ``KNOWN`` with the reason, and the
reason is checked, not just trusted: the file is compared again after applying exactly the
documented difference (and must then be equal), and a listed file that compares equal
without it fails the test as a stale entry.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest
from pydifact.control.characters import Characters
from pydifact.parser import Parser, TokenIterator
from pydifact.tokenizer import Tokenizer

from contracts.errors import RejectedInput
from edge.edi import Segment, edifact
from tests.conftest import CORPUS, REPO

UNWRAP = (
    "line breaks inside segments: pydifact keeps them in values (or fails on a tag they "
    "split); we drop them as line wrapping"
)
RAW = (
    "pydifact refuses tags that are not three capital letters (ValueError / EDISyntaxError) "
    "while tokenizing; we tokenize and leave tag checks to the envelope"
)
TERMINATE = (
    "no terminator after the last segment: pydifact fails ('Unexpected end'); we end the "
    "segment at the end of the text"
)
LEVEL_B = "level B without UNA uses IS1/IS3/IS4 as separators; pydifact only knows ':+?\\''"
SECOND_UNA = (
    "a second interchange with its own UNA: pydifact reads one UNA per text, so each "
    "interchange is compared on its own"
)
SMOOKS = "smooks-edi-cartridge/edi-sax/src/test/java/org/smooks/edi/edisax/"
BOTS = "bots-plugins/demo/"

KNOWN: dict[str, tuple[str, ...]] = {
    "Edifact/tests/data/custom-una.txt": (UNWRAP, TERMINATE, RAW),
    BOTS + "composite_route/botssys/infile/demo_composite_route/source2/orders03.edi": (UNWRAP,),
    BOTS + "my_first_plugin/botssys/infile/my_first_plugin/order02.edi": (UNWRAP,),
    "edifact/tests/files/example_multiline.edi": (UNWRAP,),
    "pydifact/tests/data/hl7.lab": (UNWRAP, RAW),
    "pydifact/tests/data/patient1.edi": (UNWRAP,),
    "pydifact/tests/data/patient2.edi": (UNWRAP,),
    "pydifact/tests/data/patient3.edi": (UNWRAP, TERMINATE),
    SMOOKS + "unedifact/no_ung/unedifact-msg-01.edi": (RAW,),
    SMOOKS + "unedifact/no_ung/unedifact-msg-02.edi": (RAW,),
    SMOOKS + "unedifact/with_ung/unedifact-msg-01.edi": (RAW,),
    SMOOKS + "unedifact/with_ung/unedifact-msg-02.edi": (RAW,),
    SMOOKS + "unedifact/with_ung/unedifact-msg-03.edi": (RAW,),
    SMOOKS + "unedifact/with_ung/unedifact-msg-04.edi": (RAW,),
    SMOOKS + "unedifact/with_ung/unedifact-msg-05.edi": (RAW,),
    SMOOKS + "v1_1/imports/test_imports_02/edi-input.txt": (UNWRAP, TERMINATE),
    SMOOKS + "v1_1/imports/test_imports_03/edi-input.txt": (UNWRAP, TERMINATE),
    "staedi/src/test/resources/EDIFACT/issue128/wrapped_invoic_d97b.edi": (UNWRAP,),
    "staedi/src/test/resources/EDIFACT/issue128/wrapped_invoic_d97b_una.edi": (UNWRAP,),
    "underware.Edifact/src/underware.Edifact.Examples/Samples/D93A_ORDERS.txt": (UNWRAP,),
    "vscode-edifact/test/sample_line_break.edi": (UNWRAP,),
}


def corpus_files() -> list[str]:
    manifest = CORPUS / "MANIFEST.tsv"
    assert manifest.is_file(), f"the public corpus is missing: {manifest}"
    rows = [line.split("\t") for line in manifest.read_text("utf-8").splitlines()[1:]]
    return [row[0] for row in rows if row[4] == "edifact"]


def decoded(data: bytes) -> str:
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("iso8859-1")


def ours(text: str) -> list[tuple[str, list[Any]]]:
    return [normalised(segment, "*") for segment in edifact.tokenize(text)]


def normalised(segment: Segment, repetition: str) -> tuple[str, list[Any]]:
    """Our segment in pydifact's shape (see the module docstring for why)."""
    elements = []
    for occurrences in segment.repeats or tuple((e,) for e in segment.elements):
        components = list(occurrences[0])
        for occurrence in occurrences[1:]:
            components[-1] += repetition + occurrence[0]
            components.extend(occurrence[1:])
        while components and components[-1] == "":
            components.pop()
        elements.append(
            "" if not components else components[0] if len(components) == 1 else components
        )
    return segment.tag, elements


def theirs(text: str, reasons: tuple[str, ...] = ()) -> list[tuple[str, list[Any]]]:
    """pydifact's segments, after applying exactly the documented differences."""
    if UNWRAP in reasons:
        text = text.replace("\r", "").replace("\n", "")
    characters = Characters.from_str(text[:9]) if text.startswith("UNA") else Characters()
    if TERMINATE in reasons:
        text += characters.segment_terminator
    if LEVEL_B in reasons:
        text = "UNA\x1f\x1d.? \x1c" + text
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydifact warns for every segment it cannot validate
        if RAW not in reasons:
            return [(s.tag, s.elements) for s in Parser().parse(text) if s.tag != "UNA"]
        if text.startswith("UNA"):
            characters, text = Characters.from_str(text[:9]), text[9:].lstrip("\r\n")
        tokens = TokenIterator(Tokenizer().get_tokens(text, characters))
        raw = Parser().convert_tokens_to_raw_segments(tokens)
        return [(str(s[0]), s[1:]) for s in raw]


def compare(text: str, reasons: tuple[str, ...]) -> None:
    mine = ours(text)
    if reasons:
        try:
            plain = theirs(text)
        except Exception:  # pydifact failing is one of the documented differences
            plain = None
        assert plain != mine, f"stale entry in KNOWN: equal without {reasons}"
    assert mine == theirs(text, reasons)


@pytest.mark.parametrize("path", corpus_files())
def test_corpus_tokens_equal_pydifact(path: str) -> None:
    text = decoded((CORPUS / path).read_bytes())
    compare(text, KNOWN.get(path.removeprefix("files/edifact/"), ()))


def test_every_known_difference_names_a_corpus_file() -> None:
    files = {p.removeprefix("files/edifact/") for p in corpus_files()}
    assert set(KNOWN) <= files


FIXTURES = sorted((REPO / "fixtures" / "edi").glob("*.edi"))
FIXTURE_REASONS = {
    "multi_interchange.edi": (SECOND_UNA,),
    "unob_information_separators.edi": (LEVEL_B,),
}


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_fixture_tokens_equal_pydifact(path: Path) -> None:
    data = path.read_bytes()
    reasons = FIXTURE_REASONS.get(path.name, ())
    interchanges = edifact.parse(data)
    if SECOND_UNA in reasons:
        with pytest.raises(Exception):  # noqa: B017 - it takes the last UNA for the whole text
            theirs(decoded(data))
        starts = [i.offset or 0 for i in interchanges] + [len(data)]
        for interchange, start, end in zip(interchanges, starts, starts[1:], strict=False):
            compare(data[start:end].decode(interchange.encoding), ())
        return
    (interchange,) = interchanges
    text = data.decode(interchange.encoding)
    if LEVEL_B in reasons:
        mine = [normalised(s, "") for s in edifact.tokenize(text, interchange.chars)]
        assert mine == theirs(text, reasons)
        return
    compare(text, reasons)


def test_a_difference_would_be_seen() -> None:
    """The comparison is not vacuous: a changed value makes the two disagree."""
    text = "UNA:+.? 'UNB+UNOC:3+S+R+1:1+X'UNH+1+A:D:96A:UN'BGM+220+A?+B'UNT+3+1'UNZ+1+X'"
    assert ours(text) == theirs(text)
    assert ours(text.replace("A?+B", "A+B")) != theirs(text)
    with pytest.raises(RejectedInput):
        edifact.tokenize("UNA:+.? 'UNB+UNOC:3+S+R+1:1+X''")
