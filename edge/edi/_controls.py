"""Control characters: data in no EDIFACT level and no X12 character set.

Finding one means the file is damaged (or binary), which the partner should hear about with
its position. The check runs on the bytes, in C, before decoding.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["control_bytes_allowed", "control_characters", "first_forbidden_byte"]


@lru_cache(maxsize=64)
def control_characters(delimiters: str) -> re.Pattern[str]:
    """Control characters that are neither a delimiter nor a tab or line break.

    They are data in no EDIFACT level and no X12 character set, so finding one means the
    file is damaged (or binary), which the partner should hear about with its position.
    """
    controls = [chr(c) for c in range(0x20) if chr(c) not in "\t\r\n" + delimiters]
    return re.compile("[" + re.escape("".join(controls)) + "]")


def first_forbidden_byte(raw: bytes, allowed: bytes) -> int:
    """Index of the first byte of ``raw`` not in ``allowed``, or -1 (C speed, no regex).

    ``bytes.translate`` deletes every allowed byte in one pass; whatever is left is the set of
    offenders, usually nothing, and only then are their positions looked for.
    """
    leftover = raw.translate(None, allowed)
    if not leftover:
        return -1
    return min(raw.find(bytes((b,))) for b in set(leftover))


def control_bytes_allowed(delimiters: bytes) -> bytes:
    """Every byte except the control characters that are not a delimiter, tab or line break.

    UTF-8 and the ISO 8859 parts use bytes below 0x20 for nothing but control characters, so
    this check holds for all the encodings EDI uses.
    """
    keep = set(b"\t\r\n") | set(delimiters)
    return bytes(b for b in range(256) if b >= 0x20 or b in keep)
