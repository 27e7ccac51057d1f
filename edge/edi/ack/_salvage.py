"""Outcomes for a file the parser refused: read what the envelopes still say, and put the
parser's error where it belongs.

The parser stops at the first syntax error of a file; the partner still needs to hear which
message (or group, or interchange) was refused and why, and that the others were fine. So
the file is cut into segments without envelope checks (``tokenize``), the envelopes are read
leniently (UNB / ISA and GS for the addresses and control references, UNH..UNT and ST..SE
for the messages), the error's segment index says which message, group or interchange it is
in, and every other message is validated against its grammar as usual.

When even the addresses cannot be read (no UNB, an ISA that is not fixed width) there is
nothing to acknowledge: ``None``. X12 interchange-level errors (TA1 codes) are not answered
by a 997 / 999 either: ``None`` for those interchanges, their reason in the summary.
"""

from __future__ import annotations

from contracts.errors import RejectedInput

from .._segment import Party, Segment
from ..edifact import Message
from ..edifact import tokenize as edifact_tokenize
from ..grammar import document_number, spec_for_edifact, spec_for_x12, validate
from ..x12 import Separators, TransactionSet
from ..x12 import tokenize as x12_tokenize
from ._outcome import EnvelopeError, GroupOutcome, InterchangeOutcome, MessageOutcome

__all__ = ["salvage_edifact", "salvage_x12"]

_BOM = b"\xef\xbb\xbf"


def _error_of(error: RejectedInput, tag: str, position: int | None) -> EnvelopeError:
    return EnvelopeError(
        code=error.code or "18",
        code_list=str(error.fields.get("code_list", "0085")),
        message=error.message,
        segment_tag=tag,
        segment_position=position,
    )


def salvage_edifact(data: bytes, error: RejectedInput) -> list[InterchangeOutcome] | None:
    """The interchanges of a refused EDIFACT file, as far as they can be read."""
    text = data[len(_BOM) :].decode("latin-1") if data.startswith(_BOM) else data.decode("latin-1")
    text = text.lstrip(" \t\r\n")
    try:
        segments = edifact_tokenize(text)
    except RejectedInput:
        return None
    bad = error.segment_index
    outcomes: list[InterchangeOutcome] = []
    current: InterchangeOutcome | None = None
    message: list[Segment] | None = None
    for position, segment in enumerate(segments):
        tag = segment.tag
        if tag == "UNB":
            syntax = segment.element(0)
            current = InterchangeOutcome(
                syntax="edifact",
                control_ref=segment.value(4),
                sender=_party(segment.element(1)),
                recipient=_party(segment.element(2)),
                syntax_id=syntax[0] if syntax else "UNOC",
                syntax_version=syntax[1] if len(syntax) > 1 else "3",
                usage="T" if segment.value(10) == "1" else "P",
            )
            outcomes.append(current)
        if current is None:
            continue
        if tag == "UNH":
            message = [segment]
        elif message is not None:
            message.append(segment)
            if tag == "UNT":
                current.messages.append(_edifact_message(message, error))
                message = None
        elif bad == position and current.envelope_error is None:
            current.envelope_error = _error_of(error, tag, None)
    if message is not None and current is not None:
        current.messages.append(_edifact_message(message, error, truncated=True))
    if not outcomes:
        return None
    if bad is None and outcomes[0].envelope_error is None:
        outcomes[0].envelope_error = _error_of(error, "", None)
    return [o for o in outcomes if o.control_ref] or None


def _edifact_message(
    segments: list[Segment], error: RejectedInput, *, truncated: bool = False
) -> MessageOutcome:
    header = segments[0]
    identifier = tuple(header.element(1))
    kind, version, release, agency, association = (*identifier, "", "", "", "", "")[:5]
    outcome = MessageOutcome(reference=header.value(0), type=kind, identifier=identifier)
    indexes = [s.index for s in segments]
    if error.segment_index in indexes or truncated:
        at = (
            indexes.index(error.segment_index)
            if error.segment_index in indexes
            else len(segments) - 1
        )
        tag = segments[at].tag
        position = None if tag in ("UNH", "UNT") else at + 1
        outcome.envelope_error = _error_of(error, tag, position)
        return outcome
    message = Message(header.value(0), kind, version, release, agency, association, tuple(segments))
    spec = spec_for_edifact(kind, version, release, agency)
    outcome.violations = validate(message, spec) if spec is not None else validate(message)
    outcome.document = document_number(message, spec)
    return outcome


def _party(element: tuple[str, ...]) -> Party:
    padded = (*element, "", "", "")
    return Party(padded[0], padded[1], padded[2])


def salvage_x12(data: bytes, error: RejectedInput) -> list[InterchangeOutcome] | None:
    """The interchanges of a refused X12 file, as far as they can be read."""
    text = data[len(_BOM) :] if data.startswith(_BOM) else data
    decoded = text.decode("latin-1").lstrip(" \t\r\n")
    if not decoded.startswith("ISA") or len(decoded) < 106:
        return None
    element, component, terminator = decoded[3], decoded[104], decoded[105]
    if len({element, component, terminator}) != 3 or terminator.isalnum() or component.isalnum():
        return None
    try:
        segments = x12_tokenize(decoded, Separators(element, component, None, terminator))
    except RejectedInput:
        return None
    bad = error.segment_index
    code_list = str(error.fields.get("code_list", ""))
    outcomes: list[InterchangeOutcome] = []
    current: InterchangeOutcome | None = None
    group: GroupOutcome | None = None
    transaction: list[Segment] | None = None
    for position, segment in enumerate(segments):
        tag = segment.tag
        if tag == "ISA":
            current = InterchangeOutcome(
                syntax="x12",
                control_ref=segment.value(12).strip(),
                sender=Party(segment.value(5).strip(), segment.value(4).strip()),
                recipient=Party(segment.value(7).strip(), segment.value(6).strip()),
                x12_version=segment.value(11).strip(),
                usage=segment.value(14).strip() or "P",
            )
            outcomes.append(current)
            continue
        if current is None:
            continue
        if tag == "GS":
            group = GroupOutcome(
                segment.value(0),
                segment.value(5),
                segment.value(7),
                segment.value(1),
                segment.value(2),
            )
            current.groups.append(group)
        elif tag == "ST" and group is not None:
            transaction = [segment]
        elif transaction is not None:
            transaction.append(segment)
            if tag == "SE":
                group_version = group.version if group is not None else ""
                if group is not None:
                    group.messages.append(_x12_set(transaction, group_version, error))
                transaction = None
        elif bad == position:
            if code_list == "716" and group is not None:
                group.envelope_error = _error_of(error, tag, None)
            elif current.envelope_error is None:
                current.envelope_error = _error_of(error, tag, None)
        if bad == position and code_list == "716" and group is not None and tag == "GS":
            group.envelope_error = _error_of(error, tag, None)
    if transaction is not None and group is not None:
        group.messages.append(_x12_set(transaction, group.version, error, truncated=True))
    if code_list == "I18" or bad is None:
        for outcome in outcomes:
            if outcome.envelope_error is None and (bad is None or _holds(outcome, segments, bad)):
                outcome.envelope_error = _error_of(error, "", None)
    return outcomes or None


def _holds(outcome: InterchangeOutcome, segments: list[Segment], bad: int) -> bool:
    starts = [s.index for s in segments if s.tag == "ISA"]
    mine = [i for i, o in enumerate(starts) if o is not None and o <= bad]
    return bool(mine) and outcome.control_ref == segments[starts[mine[-1]] or 0].value(12).strip()


def _x12_set(
    segments: list[Segment], version: str, error: RejectedInput, *, truncated: bool = False
) -> MessageOutcome:
    header = segments[0]
    outcome = MessageOutcome(
        reference=header.value(1), type=header.value(0), convention=header.value(2)
    )
    indexes = [s.index for s in segments]
    if error.segment_index in indexes or truncated:
        at = (
            indexes.index(error.segment_index)
            if error.segment_index in indexes
            else len(segments) - 1
        )
        tag = segments[at].tag
        outcome.envelope_error = _error_of(error, tag, at + 1)
        return outcome
    transaction = TransactionSet(header.value(0), header.value(1), header.value(2), tuple(segments))
    spec = spec_for_x12(header.value(0), version)
    outcome.violations = validate(transaction, spec, version=version)
    outcome.document = document_number(transaction, spec)
    if spec is not None and spec.key is not None:
        outcome.business_unit = f"{spec.key[0]}{spec.key[1]:02d}"
    return outcome
