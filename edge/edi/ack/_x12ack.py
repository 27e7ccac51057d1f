"""Build 997 (functional acknowledgment) and 999 (implementation acknowledgment) from an
X12 interchange's outcome.

The kind follows the acknowledged group's GS08: a 005010 group gets a 999 (GS08
``005010X231A1``), any other a 997 in that group's version. One acknowledgement set answers
one group: AK1 (GS01, GS06, and GS08 in a 999); per transaction set AK2 (ST01, ST02, ST03 in
a 999), then per segment at fault AK3 / IK3 (tag, position, loop, 720 code: 8 when only its
elements are at fault) with its AK4 / IK4 (element / component position, data element
number, 723 code, a copy of the bad value), a CTX naming the document in a 999, and AK5 /
IK5 (A, or R with 718 codes); AK9 closes with A / P / R and the counts. The interchange is
addressed back (ISA and GS sender and receiver swapped) with the caller's control numbers.
"""

from __future__ import annotations

from datetime import datetime

from .._segment import Party, Segment
from ..grammar import Violation
from ..x12 import (
    FunctionalGroup,
    Interchange,
    TransactionSet,
    build_group,
    build_interchange,
    build_set,
)
from ._outcome import GroupOutcome, InterchangeOutcome, MessageOutcome
from ._summary import ControlNumbers

__all__ = ["ack_kind", "build_x12_ack"]

_MAX_AK4 = 99


def ack_kind(version: str) -> str:
    """``999`` for a 005010 group, ``997`` otherwise."""
    return "999" if version.startswith("005010") else "997"


def build_x12_ack(
    outcome: InterchangeOutcome, *, control_numbers: ControlNumbers, when: datetime
) -> Interchange:
    """The acknowledgement interchange answering every group of ``outcome``."""
    groups: list[FunctionalGroup] = []
    by_kind: dict[str, list[TransactionSet]] = {}
    number = control_numbers.message
    for group in outcome.groups:
        kind = ack_kind(group.version)
        by_kind.setdefault(kind, []).append(_ack_set(group, kind, f"{number:04d}"))
        number += 1
    first = outcome.groups[0] if outcome.groups else None
    group_number = control_numbers.group
    for kind, sets in by_kind.items():
        version = "005010X231A1" if kind == "999" else (first.version if first else "004010")
        if kind == "997" and first is not None and first.version.startswith("005010"):
            version = "004010"
        groups.append(
            build_group(
                "FA",
                first.receiver if first else "",
                first.sender if first else "",
                group_number,
                sets,
                prepared=when,
                version=version,
            )
        )
        group_number += 1
    isa_version = "00501" if "999" in by_kind else (outcome.x12_version or "00401")
    return build_interchange(
        sender=Party(outcome.recipient.id, outcome.recipient.qualifier),
        receiver=Party(outcome.sender.id, outcome.sender.qualifier),
        control_number=control_numbers.interchange,
        prepared=when,
        groups=groups,
        version=isa_version,
        usage=outcome.usage if outcome.usage in ("P", "T") else "P",
    )


def _ack_set(group: GroupOutcome, kind: str, control_number: str) -> TransactionSet:
    body: list[Segment] = []
    ak1 = [group.functional_id, group.control_number]
    if kind == "999":
        ak1.append(group.version)
    body.append(Segment.build("AK1", *ak1))
    accepted = 0
    for message in group.messages:
        body.extend(_set_response(message, kind))
        accepted += message.accepted
    received = len(group.messages)
    codes: list[str] = []
    if group.envelope_error is not None:
        accepted = 0
        codes.append(group.envelope_error.code)
    status = "A" if accepted == received else ("R" if accepted == 0 else "P")
    body.append(Segment.build("AK9", status, str(received), str(received), str(accepted), *codes))
    convention = "005010X231A1" if kind == "999" else ""
    return build_set(kind, control_number, body, convention=convention)


def _set_response(message: MessageOutcome, kind: str) -> list[Segment]:
    ak2 = [message.type, message.reference]
    if kind == "999" and message.convention:
        ak2.append(message.convention)
    out = [Segment.build("AK2", *ak2)]
    segment_tag, element_tag = ("IK3", "IK4") if kind == "999" else ("AK3", "AK4")
    set_codes: list[str] = []
    error = message.envelope_error
    if error is not None:
        if error.code_list == "718":
            set_codes.append(error.code)
        elif error.code_list in ("720", "723") and error.segment_position is not None:
            code = error.code if error.code_list == "720" else "8"
            out.append(
                _trimmed(segment_tag, error.segment_tag, str(error.segment_position), "", code)
            )
            if error.code_list == "723":
                out.append(_trimmed(element_tag, ["1"], "", error.code))
    by_segment: dict[tuple[int, str], list[Violation]] = {}
    for violation in message.violations:
        if violation.code_list == "718":
            set_codes.append(violation.code)
            continue
        by_segment.setdefault((violation.segment_position, violation.segment_tag), []).append(
            violation
        )
    for (position, tag), found in sorted(by_segment.items()):
        loop = next((v.loop for v in found if v.loop), "") or ""
        segment_codes = [v.code for v in found if v.code_list == "720"] or ["8"]
        elements = [v for v in found if v.code_list == "723"]
        for index, code in enumerate(segment_codes):
            out.append(_trimmed(segment_tag, tag, str(position), loop[:4], code))
            if kind == "999" and message.document and message.business_unit and index == 0:
                out.append(Segment.build("CTX", [message.business_unit, _clean(message.document)]))
            if index == 0:
                for violation in elements[:_MAX_AK4]:
                    out.append(_element(element_tag, violation))
    if not message.accepted:
        if not set_codes:
            set_codes.append("5")
        out.append(Segment.build("IK5" if kind == "999" else "AK5", "R", *dict.fromkeys(set_codes)))
    else:
        out.append(Segment.build("IK5" if kind == "999" else "AK5", "A"))
    return out


def _element(tag: str, violation: Violation) -> Segment:
    where = [str(violation.element or 1)]
    if violation.component is not None:
        where.append(str(violation.component))
    ref = violation.element_ref or ""
    bad = _clean(violation.value or "")[:99]
    return _trimmed(tag, where, ref if ref.isdigit() else "", violation.code, bad)


def _clean(value: str) -> str:
    """A copy of received data safe to write back (no X12 delimiters, no controls)."""
    return "".join(c for c in value if c.isalnum() or c in " .-/()#&,+@%!?='\"").strip()


def _trimmed(tag: str, *elements: str | list[str]) -> Segment:
    values = list(elements)
    while values and (values[-1] == "" or values[-1] == []):
        values.pop()
    return Segment.build(tag, *values)
