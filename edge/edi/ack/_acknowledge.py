"""Acknowledge a file: parse, validate, and answer with CONTRL or 997 / 999.

``acknowledge`` is the simple API (the bytes to send, or ``None`` when there is nothing to
acknowledge); ``acknowledge_file`` also returns an ``AckSummary`` per interchange for the
gateway to record. An acknowledgement is never answered with another one (an inbound
CONTRL, 997 or 999 gets no acknowledgement), and a file that is not EDI, or whose envelopes
cannot be read at all, gets none either.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import msgspec

from contracts.errors import RejectedInput

from .._sniff import EdiSyntax, sniff
from ..edifact import Interchange as EdifactInterchange
from ..edifact import parse as parse_edifact
from ..edifact import serialize as serialize_edifact
from ..x12 import Interchange as X12Interchange
from ..x12 import parse as parse_x12
from ..x12 import serialize as serialize_x12
from ._contrl import build_contrl
from ._outcome import InterchangeOutcome, from_edifact, from_x12
from ._salvage import salvage_edifact, salvage_x12
from ._summary import AckSummary, ControlNumbers, summarize
from ._x12ack import ack_kind, build_x12_ack

__all__ = [
    "Acknowledgement",
    "acknowledge",
    "acknowledge_file",
    "acknowledge_outcomes",
    "is_acknowledgement",
    "outcomes",
]

_ACKS = frozenset({"CONTRL", "997", "999", "TA1"})

Parsed = Sequence[EdifactInterchange] | Sequence[X12Interchange]


class Acknowledgement(msgspec.Struct, frozen=True):
    """The acknowledgement of a file: its bytes (``None`` if none is due) and summaries."""

    data: bytes | None
    summaries: tuple[AckSummary, ...]
    """One per acknowledged interchange, in file order (also for those not answered)."""


def outcomes(data: bytes | Parsed) -> list[InterchangeOutcome] | None:
    """What each interchange's acknowledgement must say; ``None`` if nothing is readable."""
    if not isinstance(data, bytes | bytearray):
        return [from_edifact(i) if isinstance(i, EdifactInterchange) else from_x12(i) for i in data]
    raw = bytes(data)
    syntax = sniff(raw)
    if syntax is EdiSyntax.EDIFACT:
        try:
            return [from_edifact(i) for i in parse_edifact(raw)]
        except RejectedInput as error:
            return salvage_edifact(raw, error)
    if syntax is EdiSyntax.X12:
        try:
            return [from_x12(i) for i in parse_x12(raw)]
        except RejectedInput as error:
            return salvage_x12(raw, error)
    return None


def acknowledge_file(
    data: bytes | Parsed, *, control_numbers: ControlNumbers, when: datetime
) -> Acknowledgement:
    """The acknowledgement of every interchange of a file, with its summaries.

    Interchanges are answered one ack interchange each, ``control_numbers.interchange``
    counting on from the given number.
    """
    found = outcomes(data) or ()
    return acknowledge_outcomes(found, control_numbers=control_numbers, when=when)


def acknowledge_outcomes(
    found: Sequence[InterchangeOutcome], *, control_numbers: ControlNumbers, when: datetime
) -> Acknowledgement:
    """The acknowledgement of interchanges already judged (``outcomes``, perhaps amended by
    the caller), numbered as ``acknowledge_file`` numbers them. Acks are never answered."""
    out: list[bytes] = []
    summaries: list[AckSummary] = []
    number = control_numbers.interchange
    for outcome in found:
        if is_acknowledgement(outcome):
            continue
        numbers = msgspec.structs.replace(control_numbers, interchange=number)
        if outcome.syntax == "edifact":
            out.append(serialize_edifact(build_contrl(outcome, control_numbers=numbers, when=when)))
            summaries.append(summarize(outcome, "CONTRL"))
            number += 1
            continue
        if outcome.envelope_error is not None or not outcome.groups:
            summaries.append(summarize(outcome, ""))
            continue
        kinds = {ack_kind(g.version) for g in outcome.groups}
        out.append(serialize_x12(build_x12_ack(outcome, control_numbers=numbers, when=when)))
        summaries.append(summarize(outcome, "/".join(sorted(kinds))))
        number += 1
    return Acknowledgement(b"".join(out) or None, tuple(summaries))


def acknowledge(
    data: bytes | Parsed, *, control_numbers: ControlNumbers, when: datetime
) -> bytes | None:
    """The CONTRL / 997 / 999 bytes answering a file, or ``None`` when none is due."""
    return acknowledge_file(data, control_numbers=control_numbers, when=when).data


def is_acknowledgement(outcome: InterchangeOutcome) -> bool:
    """Whether every message of the interchange is itself an acknowledgement (never answered)."""
    messages = outcome.every_message()
    return bool(messages) and all(m.type in _ACKS for m in messages)
