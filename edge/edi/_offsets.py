"""Byte offsets for positions in decoded text: every error points into the file as received.

The tokenizer works on text, partners count bytes. For single-byte codecs and ASCII text a
position is a byte offset plus the start of the decoded stretch; for UTF-8 text with
multi-byte characters, the extra bytes of the non-ASCII runs before the position are added.
"""

from __future__ import annotations

import re
from bisect import bisect_right

__all__ = ["ByteOffsets"]

_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


class ByteOffsets:
    """Maps positions in a decoded text back to byte offsets in the file it came from.

    Single-byte codecs and ASCII text map by adding the base; UTF-8 text with multi-byte
    characters needs the extra bytes of every non-ASCII run before the position.
    """

    __slots__ = ("_base", "_ends", "_extras", "_text")

    def __init__(self, text: str, base: int, *, utf8: bool) -> None:
        self._base = base
        self._text = text
        self._ends: list[int] = []
        self._extras: list[int] = []
        if utf8 and not text.isascii():
            extra = 0
            for match in _NON_ASCII.finditer(text):
                run = match.group()
                extra += len(run.encode("utf-8")) - len(run)
                self._ends.append(match.end())
                self._extras.append(extra)

    @property
    def shift(self) -> int | None:
        """The constant to add to any position, when the mapping is that simple."""
        return None if self._ends else self._base

    def one(self, position: int) -> int:
        if not self._ends:
            return self._base + position
        return self._base + len(self._text[:position].encode("utf-8"))

    def many(self, positions: list[int]) -> list[int]:
        """Byte offsets of ascending positions that never fall inside a non-ASCII run."""
        base = self._base
        if not self._ends:
            return list(map(base.__add__, positions)) if base else positions
        ends, extras = self._ends, self._extras
        return [
            base + p + (extras[k - 1] if (k := bisect_right(ends, p)) else 0) for p in positions
        ]
