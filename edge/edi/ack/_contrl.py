"""Build a CONTRL (UN/EDIFACT syntax and service report) from an interchange's outcome.

The CONTRL answers in the syntax version of the interchange it acknowledges (CONTRL:D:3:UN
up to syntax 3, CONTRL:4:1:UN in syntax 4), addressed back: our recipient becomes its
sender. UCI names the subject interchange (its reference, sender and recipient as
received) with action 7 (acknowledged; lower levels too unless rejected below) or 4
(rejected, with the 0085 code and the service segment at fault). Every message gets a UCM,
7 or 4; a rejected message's faults follow as UCS (segment position, 0085 code) and UCD
(element and component position, code). Messages in UNG groups are answered in UCF groups.
"""

from __future__ import annotations

from datetime import datetime

from .._segment import Segment
from ..edifact import Interchange, build_interchange, build_message
from ..grammar import Violation
from ._outcome import EnvelopeError, InterchangeOutcome, MessageOutcome
from ._summary import ControlNumbers

__all__ = ["build_contrl"]

_ACCEPTED, _REJECTED = "7", "4"
_MAX_UCS, _MAX_UCD = 999, 99


def build_contrl(
    outcome: InterchangeOutcome, *, control_numbers: ControlNumbers, when: datetime
) -> Interchange:
    """The CONTRL interchange answering ``outcome``."""
    body: list[Segment] = [_uci(outcome)]
    if outcome.envelope_error is None:
        for message in outcome.messages:
            body.extend(_ucm_group(message))
        for group in outcome.groups:
            action = _REJECTED if group.envelope_error is not None else _ACCEPTED
            code = group.envelope_error.code if group.envelope_error is not None else ""
            body.append(
                _trimmed(
                    "UCF", group.control_number, [group.sender], [group.receiver], action, code
                )
            )
            for message in group.messages:
                body.extend(_ucm_group(message))
    syntax4 = outcome.syntax_version == "4"
    contrl = build_message(
        str(control_numbers.message),
        "CONTRL",
        "4" if syntax4 else "D",
        "1" if syntax4 else "3",
        body,
    )
    return build_interchange(
        sender=outcome.recipient,
        recipient=outcome.sender,
        control_ref=str(control_numbers.interchange),
        prepared=when,
        messages=[contrl],
        syntax_id=outcome.syntax_id,
        syntax_version=outcome.syntax_version,
        test=outcome.usage == "T",
    )


def _party(party: object) -> list[str]:
    values = [party.id, party.qualifier, party.internal_id]  # type: ignore[attr-defined]
    while len(values) > 1 and not values[-1]:
        values.pop()
    return values


def _uci(outcome: InterchangeOutcome) -> Segment:
    error = outcome.envelope_error
    if error is None:
        return _trimmed(
            "UCI", outcome.control_ref, _party(outcome.sender), _party(outcome.recipient), _ACCEPTED
        )
    return _trimmed(
        "UCI", outcome.control_ref, _party(outcome.sender), _party(outcome.recipient),
        _REJECTED, error.code, error.segment_tag if error.segment_tag[:2] == "UN" else "",
    )  # fmt: skip


def _ucm_group(message: MessageOutcome) -> list[Segment]:
    identifier = list(message.identifier) or [message.type]
    header_error = _header_error(message)
    action = _ACCEPTED if message.accepted else _REJECTED
    if header_error is None:
        ucm = _trimmed("UCM", message.reference, identifier, action)
    else:
        code, tag, position = header_error
        ucm = _trimmed("UCM", message.reference, identifier, action, code, tag, position)
    out = [ucm]
    ucs_count = 0
    by_position: dict[int, list[Violation]] = {}
    for violation in message.violations:
        if violation.segment_tag in ("UNH", "UNT") and violation.segment_position == 1:
            continue
        by_position.setdefault(violation.segment_position, []).append(violation)
    error = message.envelope_error
    if (
        error is not None
        and error.segment_position is not None
        and error.segment_tag not in ("UNH", "UNT")
    ):
        out.append(Segment.build("UCS", str(error.segment_position), error.code))
        ucs_count += 1
    for segment_position in sorted(by_position):
        found = by_position[segment_position]
        segment_codes = [v.code for v in found if v.element is None]
        elements = [v for v in found if v.element is not None]
        for index, code in enumerate(segment_codes or [""]):
            if ucs_count >= _MAX_UCS:
                return out
            out.append(_trimmed("UCS", str(segment_position), code))
            ucs_count += 1
            if index == 0:
                for violation in elements[:_MAX_UCD]:
                    where = [str(violation.element)]
                    if violation.component is not None:
                        where.append(str(violation.component))
                    out.append(Segment.build("UCD", violation.code, where))
    return out


def _header_error(message: MessageOutcome) -> tuple[str, str, list[str]] | None:
    """A fault in UNH / UNT (reported in the UCM itself), if there is one."""
    error: EnvelopeError | None = message.envelope_error
    if error is not None and (
        error.segment_tag in ("UNH", "UNT") or error.segment_position is None
    ):
        return error.code, error.segment_tag, []
    for violation in message.violations:
        if violation.segment_tag == "UNH" and violation.segment_position == 1:
            where = [str(violation.element)] if violation.element is not None else []
            if violation.component is not None:
                where.append(str(violation.component))
            return violation.code, "UNH", where
    return None


def _trimmed(tag: str, *elements: str | list[str]) -> Segment:
    """A segment without its trailing empty elements."""
    values = list(elements)
    while values and (values[-1] == "" or values[-1] == []):
        values.pop()
    return Segment.build(tag, *values)
