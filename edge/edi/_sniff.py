"""Tell EDIFACT from X12 by the first bytes of a file, for routing before parsing."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["EdiSyntax", "sniff"]

_BOMS = (b"\xef\xbb\xbf", b"\xfe\xff", b"\xff\xfe")
_BLANKS = b" \t\r\n\x00"


class EdiSyntax(StrEnum):
    EDIFACT = "edifact"
    X12 = "x12"
    UNKNOWN = "unknown"


def sniff(data: bytes) -> EdiSyntax:
    """Which syntax a file is in, judged by its first tag (a BOM and blanks may precede).

    ``UNA`` or ``UNB`` followed by a separator is EDIFACT; ``ISA`` followed by one is X12.
    Anything else, including UTF-16 (which neither standard uses), is ``UNKNOWN``. This is
    a routing hint, not a validation: the parser still checks everything.
    """
    head = data[:1024]
    for bom in _BOMS:
        if head.startswith(bom):
            head = head[len(bom) :]
            break
    head = head.lstrip(_BLANKS)
    tag, separator = head[:3], head[3:4]
    if not separator or separator.isalnum() or separator in b" \r\n":
        return EdiSyntax.UNKNOWN
    if tag in (b"UNA", b"UNB"):
        return EdiSyntax.EDIFACT
    if tag == b"ISA":
        return EdiSyntax.X12
    return EdiSyntax.UNKNOWN
