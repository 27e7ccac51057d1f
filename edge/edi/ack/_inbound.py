"""Read the acknowledgements partners send us (CONTRL, 997, 999) into ``FunctionalAck``.

Error codes are written ``LIST:CODE`` (``0085:13``, ``720:8``, ``723:7``, ``718:5``,
``716:4``) because a code alone does not say which list it is from. Positions are as the
partner reported them: ``segment_index`` is the segment's position *in its message* (UCS
0096, AK302 / IK302, 1 = UNH / ST), not an index into any file of ours.

A 997 / 999 names the acknowledged group (AK102), not the interchange: its
``FunctionalAck`` carries GS06 as both ``group_ref`` and ``interchange_ref``. A CONTRL
names the interchange (UCI 0020).
"""

from __future__ import annotations

from collections.abc import Sequence

from contracts import FunctionalAck, FunctionalAckStatus, SyntaxErrorNote

from .._segment import Segment
from ..edifact import Interchange as EdifactInterchange
from ..edifact import Message
from ..x12 import Interchange as X12Interchange
from ..x12 import TransactionSet

__all__ = ["read_acks"]

_AK9 = {
    "A": FunctionalAckStatus.ACCEPTED,
    "E": FunctionalAckStatus.ACCEPTED_WITH_ERRORS,
    "P": FunctionalAckStatus.PARTIALLY_ACCEPTED,
}


def read_acks(
    interchanges: Sequence[EdifactInterchange] | Sequence[X12Interchange],
) -> list[FunctionalAck]:
    """Every CONTRL / 997 / 999 in parsed interchanges, as canonical ``FunctionalAck``."""
    found: list[FunctionalAck] = []
    for interchange in interchanges:
        if isinstance(interchange, EdifactInterchange):
            found.extend(_contrl(m) for m in interchange.messages if m.type == "CONTRL")
        else:
            found.extend(_x12(s) for s in interchange.sets if s.id in ("997", "999"))
    return found


def _note(code: str, text: str, **where: object) -> SyntaxErrorNote:
    return SyntaxErrorNote(code=code, message=text, **where)  # type: ignore[arg-type]


def _contrl(message: Message) -> FunctionalAck:
    reference, action = "", ""
    refs: list[str] = []
    errors: list[SyntaxErrorNote] = []
    rejected = accepted = 0
    ucm_ref: str | None = None
    for segment in message.body:
        tag = segment.tag
        if tag == "UCI":
            reference, action = segment.value(0), segment.value(3)
            if segment.value(4):
                errors.append(
                    _note(
                        f"0085:{segment.value(4)}",
                        f"interchange {action_word(action)}",
                        segment_tag=segment.value(5) or None,
                    )
                )
        elif tag == "UCM":
            ucm_ref = segment.value(0)
            refs.append(ucm_ref)
            if segment.value(2) == "4":
                rejected += 1
            else:
                accepted += 1
            if segment.value(3):
                position = segment.value(5, 0)
                errors.append(
                    _note(
                        f"0085:{segment.value(3)}",
                        f"message {ucm_ref} rejected",
                        message_ref=ucm_ref,
                        segment_tag=segment.value(4) or None,
                        element_position=int(position) if position.isdigit() else None,
                    )
                )
        elif tag == "UCS":
            position = segment.value(0)
            if segment.value(1):
                errors.append(
                    _note(
                        f"0085:{segment.value(1)}",
                        f"segment {position} of message {ucm_ref}",
                        message_ref=ucm_ref,
                        segment_index=_int(position),
                    )
                )
        elif tag == "UCD":
            errors.append(
                _note(
                    f"0085:{segment.value(0)}",
                    f"element {_where(segment.element(1))} of message {ucm_ref}",
                    message_ref=ucm_ref,
                    segment_index=_last_ucs(message, segment),
                    element_position=_int(segment.value(1, 0)),
                )
            )
    if action == "4" or (rejected and not accepted):
        status = FunctionalAckStatus.REJECTED
    elif rejected:
        status = FunctionalAckStatus.PARTIALLY_ACCEPTED
    else:
        status = FunctionalAckStatus.ACCEPTED
    return FunctionalAck(
        interchange_ref=reference or message.reference,
        status=status,
        message_refs=refs,
        errors=errors,
    )


def action_word(action: str) -> str:
    return {"4": "rejected", "7": "acknowledged", "8": "received"}.get(action, f"action {action}")


def _last_ucs(message: Message, ucd: Segment) -> int | None:
    position: int | None = None
    for segment in message.body:
        if segment is ucd:
            return position
        if segment.tag == "UCS":
            position = _int(segment.value(0))
    return position


def _x12(transaction: TransactionSet) -> FunctionalAck:
    group_ref = ""
    status = FunctionalAckStatus.REJECTED
    refs: list[str] = []
    errors: list[SyntaxErrorNote] = []
    set_ref: str | None = None
    segment_tag: str | None = None
    segment_position: int | None = None
    for segment in transaction.body:
        tag = segment.tag
        if tag == "AK1":
            group_ref = segment.value(1)
        elif tag == "AK2":
            set_ref = segment.value(1)
            refs.append(set_ref)
        elif tag in ("AK3", "IK3"):
            segment_tag, segment_position = segment.value(0), _int(segment.value(1))
            if segment.value(3):
                errors.append(
                    _note(
                        f"720:{segment.value(3)}",
                        _where_segment(segment, set_ref),
                        message_ref=set_ref,
                        segment_index=segment_position,
                        segment_tag=segment_tag,
                    )
                )
        elif tag in ("AK4", "IK4"):
            errors.append(
                _note(
                    f"723:{segment.value(2)}",
                    f"element {_where(segment.element(0))} of "
                    f"{segment_tag} in set {set_ref}"
                    + (f": {segment.value(3)!r}" if segment.value(3) else ""),
                    message_ref=set_ref,
                    segment_index=segment_position,
                    segment_tag=segment_tag,
                    element_position=_int(segment.value(0, 0)),
                )
            )
        elif tag in ("AK5", "IK5"):
            for position in range(1, 6):
                code = segment.value(position)
                if code:
                    errors.append(
                        _note(
                            f"718:{code}",
                            f"transaction set {set_ref}: {segment.value(0)}",
                            message_ref=set_ref,
                        )
                    )
        elif tag == "AK9":
            status = _AK9.get(segment.value(0), FunctionalAckStatus.REJECTED)
            for position in range(4, 9):
                code = segment.value(position)
                if code:
                    errors.append(_note(f"716:{code}", f"group {group_ref}"))
    reference = group_ref or transaction.control_number
    return FunctionalAck(
        interchange_ref=reference,
        status=status,
        group_ref=group_ref or None,
        message_refs=refs,
        errors=errors,
    )


def _where_segment(segment: Segment, set_ref: str | None) -> str:
    loop = f" in loop {segment.value(2)}" if segment.value(2) else ""
    return f"segment {segment.value(0)} at {segment.value(1)} of set {set_ref}{loop}"


def _int(value: str) -> int | None:
    return int(value) if value.isdigit() else None


def _where(element: tuple[str, ...]) -> str:
    return ".".join(p for p in element if p) or "?"
