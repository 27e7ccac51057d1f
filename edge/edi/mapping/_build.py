"""Building outbound segments: ``seg`` drops trailing empty elements and components, which
X12 forbids and EDIFACT only tolerates (``LIN+1+5+`` is ``LIN+1+5``)."""

from __future__ import annotations

from collections.abc import Sequence

from .._segment import Segment

__all__ = ["seg"]


def seg(tag: str, *elements: str | Sequence[str]) -> Segment:
    """``Segment.build`` without trailing empty elements or components."""
    trimmed: list[str | list[str]] = []
    for element in elements:
        if isinstance(element, str):
            trimmed.append(element)
            continue
        components = list(element)
        while components and not components[-1]:
            components.pop()
        trimmed.append(components)
    while trimmed and not trimmed[-1]:
        trimmed.pop()
    return Segment.build(tag, *trimmed)
