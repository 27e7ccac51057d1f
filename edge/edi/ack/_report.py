"""The text ``crossdock edi ack FILE`` prints, and its exit status.

The acknowledgement itself (as the partner would receive it), then one summary line per
acknowledged interchange. Exit status: 0 every message accepted, 1 an acknowledgement was
made and it rejects something, 2 no acknowledgement is due (not EDI, unreadable envelopes,
an acknowledgement itself, or an X12 interchange-level error that needs a TA1).
"""

from __future__ import annotations

from datetime import datetime

from contracts import FunctionalAckStatus

from ._acknowledge import acknowledge_file
from ._summary import ControlNumbers

__all__ = ["ack_report"]


def ack_report(
    data: bytes, source: str, *, control_numbers: ControlNumbers, when: datetime
) -> tuple[str, int]:
    """The acknowledgement of a file as text, its summary, and the exit status."""
    result = acknowledge_file(data, control_numbers=control_numbers, when=when)
    lines: list[str] = []
    if result.data is not None:
        lines.append(result.data.decode("latin-1").rstrip("\n"))
    for summary in result.summaries:
        line = (
            f"{source}: interchange {summary.interchange_ref}: {summary.ack_type or 'no ack'} "
            f"{summary.status.value}, {summary.received} received, {summary.accepted} accepted, "
            f"{summary.rejected} rejected"
        )
        if summary.reason:
            line += f" ({summary.reason})"
        lines.append(line)
    if result.data is None:
        if not result.summaries:
            lines.append(f"{source}: no acknowledgement is due")
        return "\n".join(lines), 2
    rejected = any(s.status is not FunctionalAckStatus.ACCEPTED for s in result.summaries)
    return "\n".join(lines), 1 if rejected else 0
