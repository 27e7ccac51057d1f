"""Mapping errors: a ``RejectedInput`` that says which segment, element and component.

Syntax errors carry a code of a standard list (0085, 718...); mapping errors are about
meaning, so they carry ``code_list="mapping"`` and one of the codes below, plus the segment
tag, the element and component positions (1-based, as the standards count them), the segment
index (0-based, as ``Segment.index``) and the byte offset. The text says the same in words:
``unknown unit 'CT' in QTY element 1 component 3 (segment 14, byte 402)``.
"""

from __future__ import annotations

from typing import Any

from contracts.errors import RejectedInput

from .._segment import Segment

__all__ = [
    "INVALID",
    "MISSING",
    "NOT_SUPPORTED",
    "UNKNOWN_CODE",
    "mapping_error",
    "where",
]

UNKNOWN_CODE = "unknown code"
"""A code that is in no table of the partner's profile."""
MISSING = "missing"
"""A segment or value the mapping needs is absent."""
INVALID = "invalid value"
"""A value that does not read as what it must be (a date, a number, a GTIN...)."""
NOT_SUPPORTED = "not supported"
"""A message type, version or construct no mapping exists for."""


def where(segment: Segment, element: int | None = None, component: int | None = None) -> str:
    """``QTY element 1 component 3`` (positions given 0-based, written 1-based)."""
    text = segment.tag
    if element is not None:
        text += f" element {element + 1}"
        if component is not None:
            text += f" component {component + 1}"
    return text


def mapping_error(
    message: str,
    segment: Segment | None,
    *,
    code: str,
    element: int | None = None,
    component: int | None = None,
    **fields: Any,
) -> RejectedInput:
    """A ``RejectedInput`` pointing at ``segment`` (element / component 0-based)."""
    place: list[str] = []
    if segment is not None and segment.index is not None:
        place.append(f"segment {segment.index + 1}")
        if segment.offset is not None:
            place.append(f"byte {segment.offset}")
    text = f"{message} ({', '.join(place)})" if place else message
    return RejectedInput(
        text,
        segment_index=None if segment is None else segment.index,
        byte_offset=None if segment is None else segment.offset,
        code=code,
        code_list="mapping",
        segment_tag=None if segment is None else segment.tag,
        element_position=None if element is None else element + 1,
        component_position=None if component is None else component + 1,
        **fields,
    )
