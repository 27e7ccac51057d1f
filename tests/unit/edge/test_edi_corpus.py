"""Every EDIFACT and X12 file of the public corpus either parses or is refused with a position.

The corpus (``../shared/corpus``, see its README) is real-world input: files from EDI
libraries' test suites, some deliberately broken, many accidentally so. The parser must
never fail on them with anything but ``RejectedInput``, and every refusal must say where
(segment and byte) and carry a standard code. The outcome per file is summarised in
``OUTCOMES`` so a change in behaviour shows up as a diff here, with its reason.

Mutations of corpus files (truncations, flipped bytes, insertions) and the routing ``sniff``
are checked against the same files.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.errors import RejectedInput
from edge.edi import EdiSyntax, edifact, sniff, x12
from tests.conftest import CORPUS

PARSERS: dict[str, Callable[[bytes], object]] = {"edifact": edifact.parse, "x12": x12.parse}

# (format) -> number of files that parse, and refusals by (code list, code). Reasons, from
# the MANIFEST notes and the refusal messages:
#   EDIFACT 0085/21  characters outside UNOA/UNOB (lower case, UTF-8 bytes): 24 files
#           0085/2   syntax identifiers we do not support (IATA, IATB, ANSI, IBMA, UNOZ): 17
#           0085/13  no UNB (message fragments), no UNZ (truncated), text after the UNA: 10
#           0085/28  UNZ/UNT references that do not match (vscode samples, ...): 10
#           0085/29  UNT segment counts that do not match: 7
#           0085/26  one file repeats a message reference in its interchange
#   X12     718/4 SE01 counts, 716/4 GE02 control numbers, I18/023 files ending before IEA,
#           718/23 ST02 repeated in a group (Bots demo files), I18/022 broken envelopes or
#           ISA headers that cannot be read unambiguously, I18/001 IEA02 mismatches, ...
OUTCOMES: dict[str, tuple[int, dict[tuple[str, str], int]]] = {
    "edifact": (
        75,
        {("0085", "21"): 24, ("0085", "2"): 17, ("0085", "13"): 10, ("0085", "28"): 10,
         ("0085", "29"): 7, ("0085", "26"): 1},
    ),
    "x12": (
        257,
        {("718", "4"): 17, ("I18", "023"): 6, ("716", "4"): 5, ("718", "23"): 5,
         ("I18", "022"): 5, ("718", "3"): 4, ("I18", "001"): 4, ("716", "5"): 2,
         ("I18", "026"): 2, ("716", "3"): 2, ("I18", "021"): 2, ("I18", "006"): 1,
         ("716", "6"): 1, ("I18", "004"): 1, ("I18", "024"): 1, ("716", "19"): 1,
         ("718", "2"): 1, ("I18", "018"): 1, ("720", "1"): 1},
    ),
}  # fmt: skip


def manifest() -> list[list[str]]:
    path = CORPUS / "MANIFEST.tsv"
    assert path.is_file(), f"the public corpus is missing (expected {path})"
    return [line.split("\t") for line in path.read_text("utf-8").splitlines()[1:]]


def files(kind: str) -> list[str]:
    return [row[0] for row in manifest() if row[4] == kind]


def outcome(kind: str, path: str) -> tuple[str, str] | None:
    """``None`` when the file parses, else the refusal's (code list, code)."""
    try:
        PARSERS[kind]((CORPUS / path).read_bytes())
    except RejectedInput as error:
        assert error.code, error
        assert error.byte_offset is not None, error
        assert error.fields.get("code_list") in ("0085", "I18", "716", "718", "720", "723")
        return error.fields["code_list"], error.code
    return None


def test_the_corpus_is_there() -> None:
    assert len(files("edifact")) == 144 and len(files("x12")) == 319


@pytest.mark.parametrize("kind", sorted(PARSERS))
def test_every_file_parses_or_is_refused_with_a_position(kind: str) -> None:
    results = [outcome(kind, path) for path in files(kind)]
    parsed = results.count(None)
    refused = Counter(r for r in results if r is not None)
    assert (parsed, dict(refused)) == OUTCOMES[kind]


def test_refusals_say_where_in_words() -> None:
    path = next(p for p in files("edifact") if p.endswith("wikipedia_de.edi"))
    with pytest.raises(RejectedInput) as caught:
        edifact.parse((CORPUS / path).read_bytes(), source=path)
    error = caught.value
    assert error.message == ("UNZ 0020 is '1234567' but UNB 0020 is '1' (segment 11, byte 250)")
    assert (error.segment_index, error.byte_offset, error.source) == (10, 250, path)


def test_parsed_segments_point_at_their_bytes() -> None:
    checked = 0
    for kind, parse in PARSERS.items():
        for path in files(kind):
            data = (CORPUS / path).read_bytes()
            try:
                interchanges = parse(data)
            except RejectedInput:
                continue
            for interchange in interchanges:  # type: ignore[attr-defined]
                for segment in interchange.all_segments():
                    # a file wrapped at a fixed width may break a tag across lines
                    head = data[segment.offset : segment.offset + 8]
                    head = head.replace(b"\r", b"").replace(b"\n", b"")
                    assert head.startswith(segment.tag.encode()), path
                    checked += 1
    assert checked > 20_000


def test_sniff_agrees_with_the_manifest() -> None:
    seen: Counter[tuple[str, str]] = Counter()
    for row in manifest():
        kind, notes = row[4], row[6]
        found = sniff((CORPUS / row[0]).read_bytes())
        if kind in PARSERS and "no-UNB" not in notes and "no-ISA" not in notes:
            seen[kind, found.value] += 1
        elif kind not in PARSERS:
            assert found is EdiSyntax.UNKNOWN, row[0]
    # two X12 test files have a space or a newline where the element separator belongs
    assert seen == {("edifact", "edifact"): 137, ("x12", "x12"): 316, ("x12", "unknown"): 2}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\xef\xbb\xbf\r\n  UNA:+.? 'UNB+UNOC:3", EdiSyntax.EDIFACT),
        (b"UNB+UNOA:1+", EdiSyntax.EDIFACT),
        (b"\nISA*00*", EdiSyntax.X12),
        (b"ISA|00|", EdiSyntax.X12),
        (b"ISAC", EdiSyntax.UNKNOWN),
        (b"UNH+1+ORDERS", EdiSyntax.UNKNOWN),
        (b"sku;qty\n", EdiSyntax.UNKNOWN),
        (b"", EdiSyntax.UNKNOWN),
        ("UNB+UNOC:3".encode("utf-16"), EdiSyntax.UNKNOWN),
    ],
)
def test_sniff(data: bytes, expected: EdiSyntax) -> None:
    assert sniff(data) is expected


def sample(kind: str) -> list[Path]:
    """Small corpus files that parse, as seeds for mutation."""
    chosen = []
    for path in files(kind):
        data = (CORPUS / path).read_bytes()
        if len(data) > 4000:
            continue
        try:
            PARSERS[kind](data)
        except RejectedInput:
            continue
        chosen.append(CORPUS / path)
    return chosen


SEEDS = {kind: sample(kind) for kind in PARSERS}


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    kind = draw(st.sampled_from(sorted(PARSERS)))
    data = bytearray(draw(st.sampled_from(SEEDS[kind])).read_bytes())
    for _ in range(draw(st.integers(1, 4))):
        how = draw(st.sampled_from(["truncate", "flip", "insert", "delete"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if how == "truncate":
            del data[at:]
        elif how == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif how == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif data:
            del data[at : at + draw(st.integers(1, 16))]
    return kind, bytes(data)


@given(mutated())
def test_mutated_corpus_files_never_fail_with_anything_but_rejected_input(
    case: tuple[str, bytes],
) -> None:
    kind, data = case
    try:
        PARSERS[kind](data)
    except RejectedInput as error:
        assert error.code and error.byte_offset is not None
        assert 0 <= error.byte_offset <= len(data)
