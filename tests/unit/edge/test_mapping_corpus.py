"""Real-world input: every message of a mapped type in the public corpus either maps or is
refused with a position, and so does every mutation of our own fixtures.

The corpus (``../shared/corpus``) holds ORDERS, DESADV, ORDRSP, 850, 855, 856, 180, 846, 944
and 945 files from EDI libraries' test suites. Many use codes the default profile does not
know (a partner's configuration would), releases and versions other than D96A / D01B and
004010 / 005010, or 3-letter countries; those are refused, with the code, the segment and
the byte. ``MAPPED`` counts what maps with the default profile, so a change shows up here.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from contracts.errors import RejectedInput
from edge.edi import EdiSyntax, Segment, edifact, sniff, x12
from edge.edi.mapping import EDIFACT_INBOUND, X12_INBOUND, MappingProfile, map_message
from tests.conftest import CORPUS, REPO

MAPPED = {"ORDERS": 92, "DESADV": 14, "850": 7, "855": 4, "856": 2}
"""Messages of each type that map with the default profile (types not listed: none)."""


Message = edifact.Message | x12.TransactionSet
Interchange = edifact.Interchange | x12.Interchange


def corpus_messages() -> list[tuple[str, Message, Interchange]]:
    manifest = CORPUS / "MANIFEST.tsv"
    assert manifest.is_file(), f"the public corpus is missing (expected {manifest})"
    found: list[tuple[str, Message, Interchange]] = []
    for line in manifest.read_text("utf-8").splitlines()[1:]:
        row = line.split("\t")
        if row[4] not in ("edifact", "x12"):
            continue
        data = (CORPUS / row[0]).read_bytes()
        try:
            interchanges = edifact.parse(data) if row[4] == "edifact" else x12.parse(data)
        except RejectedInput:
            continue  # the syntax layer's refusals are its own test's business
        for interchange in interchanges:
            if isinstance(interchange, edifact.Interchange):
                found += [
                    (row[0], m, interchange)
                    for m in interchange.messages
                    if m.type in EDIFACT_INBOUND
                ]
            else:
                found += [(row[0], s, interchange) for s in interchange.sets if s.id in X12_INBOUND]
    return found


def check(message: Message, interchange: Interchange) -> str | None:
    """None when the message maps, else the refusal's code (after checking its position)."""
    try:
        map_message(message, interchange, MappingProfile(), partner="acme")
    except RejectedInput as error:
        assert error.code in ("unknown code", "missing", "invalid value", "not supported"), error
        assert error.segment_index is not None and error.byte_offset is not None, error
        assert error.fields["segment_tag"], error
        assert error.partner == "acme"
        return error.code
    return None


def test_corpus_messages_map_or_are_refused_with_a_position() -> None:
    messages = corpus_messages()
    assert len(messages) > 240
    mapped: Counter[str] = Counter()
    refused: Counter[str] = Counter()
    for _path, message, interchange in messages:
        kind = message.type if isinstance(message, edifact.Message) else message.id
        outcome = check(message, interchange)
        if outcome is None:
            mapped[kind] += 1
        else:
            refused[outcome] += 1
    assert dict(mapped) == MAPPED
    assert set(refused) == {"unknown code", "missing", "invalid value", "not supported"}


FIXTURES = sorted((REPO / "fixtures" / "edi" / "mapping" / "inbound").glob("*.edi"))
NOISE = st.sampled_from(
    ["", "0", "-1", "1,2.3", "ABC", "99999999999999999999", "20241340", "X" * 70, "?", " ", "ÄÖ"]
)


@given(
    fixture=st.sampled_from(FIXTURES),
    where=st.tuples(st.integers(0, 200), st.integers(0, 12), st.integers(0, 5)),
    value=NOISE,
)
def test_mutated_fixtures_map_or_are_refused_with_a_position(
    fixture: Path, where: tuple[int, int, int], value: str
) -> None:
    data = fixture.read_bytes()
    if sniff(data) is EdiSyntax.EDIFACT:
        (ours,) = edifact.parse(data)
        message: Message = ours.messages[0]
    else:
        (theirs,) = x12.parse(data)
        message = theirs.sets[0]
    segments = list(message.segments)
    position = 1 + where[0] % (len(segments) - 2)
    segment = segments[position]
    elements = [list(e) for e in segment.elements] or [[""]]
    element = elements[where[1] % len(elements)]
    if element:
        element[where[2] % len(element)] = value
    else:
        element.append(value)
    segments[position] = Segment(
        segment.tag, tuple(tuple(e) for e in elements), segment.index, segment.offset
    )
    mutated = msgspec.structs.replace(message, segments=tuple(segments))
    if isinstance(mutated, edifact.Message):
        check(mutated, msgspec.structs.replace(ours, messages=(mutated,)))
    else:
        group = msgspec.structs.replace(theirs.groups[0], sets=(mutated,))
        check(mutated, msgspec.structs.replace(theirs, groups=(group,)))
