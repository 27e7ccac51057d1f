"""What the gateway records about an acknowledgement, and the numbers it allocates for one."""

from __future__ import annotations

import msgspec

from contracts import FunctionalAckStatus

from ._outcome import InterchangeOutcome, MessageOutcome

__all__ = ["AckSummary", "ControlNumbers", "MessageAck", "summarize"]


class ControlNumbers(msgspec.Struct, frozen=True):
    """Our own control numbers for one acknowledgement interchange, allocated by the caller.

    EDIFACT: ``interchange`` is UNB 0020, ``message`` the CONTRL's UNH 0062. X12:
    ``interchange`` is ISA13 (nine digits), ``group`` GS06, ``message`` the first ST02 (one
    997 / 999 per acknowledged group, numbered on from it). A file holding several
    interchanges is acknowledged with one interchange each, numbered on from
    ``interchange``.
    """

    interchange: int
    group: int = 1
    message: int = 1


class MessageAck(msgspec.Struct, frozen=True):
    """One acknowledged message: accepted or not, and the codes (``LIST:CODE``) it got."""

    reference: str
    type: str
    accepted: bool
    codes: tuple[str, ...] = ()


class AckSummary(msgspec.Struct, frozen=True):
    """One acknowledged interchange, counted; ``ack_type`` is empty when no ack was made."""

    syntax: str
    ack_type: str
    interchange_ref: str
    status: FunctionalAckStatus
    received: int
    accepted: int
    rejected: int
    messages: tuple[MessageAck, ...] = ()
    reason: str = ""
    """Why the interchange as a whole was rejected, when it was."""


def status_of(received: int, accepted: int, whole_rejected: bool) -> FunctionalAckStatus:
    if whole_rejected or (received and not accepted):
        return FunctionalAckStatus.REJECTED
    if accepted < received:
        return FunctionalAckStatus.PARTIALLY_ACCEPTED
    return FunctionalAckStatus.ACCEPTED


def _codes(message: MessageOutcome) -> tuple[str, ...]:
    found = [f"{v.code_list}:{v.code}" for v in message.violations]
    if message.envelope_error is not None:
        found.insert(0, f"{message.envelope_error.code_list}:{message.envelope_error.code}")
    return tuple(dict.fromkeys(found))


def summarize(outcome: InterchangeOutcome, ack_type: str) -> AckSummary:
    """The summary of an outcome, as the acknowledgement built from it reports it."""
    messages = outcome.every_message()
    group_rejected = {
        id(m) for g in outcome.groups if g.envelope_error is not None for m in g.messages
    }
    acks = tuple(
        MessageAck(m.reference, m.type, m.accepted and id(m) not in group_rejected, _codes(m))
        for m in messages
    )
    accepted = sum(a.accepted for a in acks)
    whole = outcome.envelope_error is not None
    if whole:
        accepted = 0
    reason = outcome.envelope_error.message if outcome.envelope_error is not None else ""
    return AckSummary(
        syntax=outcome.syntax,
        ack_type=ack_type,
        interchange_ref=outcome.control_ref,
        status=status_of(len(acks), accepted, whole),
        received=len(acks),
        accepted=accepted,
        rejected=len(acks) - accepted,
        messages=acks,
        reason=reason,
    )
