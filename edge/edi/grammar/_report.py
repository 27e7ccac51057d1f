"""The text ``crossdock edi validate FILE`` prints, and its exit status.

One line per violation, every violation of every message, each saying where (file, partner,
interchange, message, segment number and tag, byte offset, element / component, loop) and
the standard code, so an operator can open the file at the byte and a partner can find the
segment. The last line counts. Exit status: 0 every message is valid, 1 violations were
found, 2 the file could not be read as EDI (its syntax error is printed with its position).
"""

from __future__ import annotations

from contracts.errors import RejectedInput

from .._sniff import EdiSyntax, sniff
from ..edifact import parse as parse_edifact
from ..x12 import parse as parse_x12
from ._model import Violation
from ._validate import validate_interchange

__all__ = ["describe", "validate_report"]


def describe(violation: Violation) -> str:
    """One violation in words, with its position and code."""
    parts = [f"segment {violation.segment_position} ({violation.segment_tag})"]
    if violation.byte_offset is not None:
        parts.append(f"byte {violation.byte_offset}")
    if violation.element is not None:
        where = f"element {violation.element}"
        if violation.component is not None:
            where += f".{violation.component}"
        parts.append(where)
    if violation.loop:
        parts.append(f"loop {violation.loop}")
    return f"{', '.join(parts)}: [{violation.code_list}/{violation.code}] {violation.message}"


def validate_report(data: bytes, source: str, *, partner: str | None = None) -> tuple[str, int]:
    """The report on a file and the exit status (0 valid, 1 violations, 2 unreadable)."""
    who = f"{source}" + (f" partner={partner}" if partner else "")
    syntax = sniff(data)
    try:
        if syntax is EdiSyntax.EDIFACT:
            interchanges: list = parse_edifact(data, partner=partner, source=source)  # type: ignore[type-arg]
        elif syntax is EdiSyntax.X12:
            interchanges = parse_x12(data, partner=partner, source=source)
        else:
            return f"{who}: not an EDIFACT or X12 file (it must begin with UNA, UNB or ISA)", 2
    except RejectedInput as error:
        code = f"{error.fields.get('code_list', '?')}/{error.code}"
        return f"{who}: cannot be read: [{code}] {error.message}", 2
    lines: list[str] = []
    messages = bad = 0
    for interchange in interchanges:
        reference = getattr(interchange, "control_ref", None) or interchange.control_number
        for check in validate_interchange(interchange):
            messages += 1
            if check.violations:
                bad += 1
            kind = f"({check.type} {check.version})"
            head = f"{who} interchange {reference} message {check.reference} {kind}"
            lines.extend(f"{head} {describe(v)}" for v in check.violations)
    count = sum(1 for _ in lines)
    lines.append(
        f"{who}: {messages} message(s), {messages - bad} valid, {bad} with violations, "
        f"{count} violation(s)"
    )
    return "\n".join(lines), 1 if bad else 0
