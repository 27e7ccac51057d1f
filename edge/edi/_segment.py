"""The neutral segment model shared by EDIFACT and X12.

A segment is a tag and its data elements; every element is a tuple of components (a simple
element is a 1-tuple), so grammars and mappings read both standards the same way. Values are
the decoded text with release characters already removed: no separator, no escaping, no
syntax left in them.

Repetitions (EDIFACT syntax 4, X12 from 00402 on) are rare, so they do not cost the common
case anything: ``elements[i]`` holds the first occurrence and ``repeats`` is ``None`` unless
the segment actually repeats an element; when it does, ``repeats[i]`` lists every occurrence
of element ``i`` (one entry for the elements that do not repeat).

Segments are built by the million (a 10 MB file holds several hundred thousand), so they are
``msgspec`` Structs without garbage-collector tracking: tuples of strings hold no cycles, and
untracked objects keep the collector from walking every segment of a large file again and
again.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

__all__ = ["Element", "Party", "Segment"]

Element = tuple[str, ...]
"""One data element: its components, in order (a simple element is a 1-tuple)."""


class Segment(msgspec.Struct, frozen=True, gc=False):
    """One segment of an interchange, with where it was found."""

    tag: str
    """``UNH``, ``BGM``, ``ISA``, ``N1``..."""
    elements: tuple[Element, ...]
    """The data elements after the tag; trailing empty elements are kept as sent."""
    index: int | None = None
    """0-based position among the segments of the file (``UNA`` is not a segment); ``None``
    for a segment built in code."""
    offset: int | None = None
    """Byte offset of the first character of the tag in the file; ``None`` when built."""
    repeats: tuple[tuple[Element, ...], ...] | None = None
    """Every occurrence of every element, when at least one element repeats; else ``None``."""

    @classmethod
    def build(cls, tag: str, *elements: str | Sequence[str]) -> Segment:
        """A segment for outbound documents: each element is a value or a list of components.

        ``Segment.build("NAD", "BY", ["5412345000013", "", "9"])`` is ``NAD+BY+5412345000013::9``.
        """
        return cls(tag, tuple((e,) if isinstance(e, str) else tuple(e) for e in elements))

    @classmethod
    def build_repeated(cls, tag: str, *elements: Sequence[Sequence[str]]) -> Segment:
        """A segment whose elements are given as lists of occurrences (each a component list)."""
        repeats = tuple(tuple(tuple(occurrence) for occurrence in e) for e in elements)
        if any(not occurrences for occurrences in repeats):
            raise ValueError(f"{tag}: every element needs at least one occurrence")
        first = tuple(occurrences[0] for occurrences in repeats)
        if all(len(occurrences) == 1 for occurrences in repeats):
            return cls(tag, first)
        return cls(tag, first, repeats=repeats)

    def element(self, position: int) -> Element:
        """Element ``position`` (0 is the first after the tag); ``()`` when it is absent."""
        elements = self.elements
        return elements[position] if position < len(elements) else ()

    def value(self, position: int, component: int = 0) -> str:
        """One component as text; ``""`` when the element or component is absent."""
        elements = self.elements
        if position >= len(elements):
            return ""
        element = elements[position]
        return element[component] if component < len(element) else ""

    def repetitions(self, position: int) -> tuple[Element, ...]:
        """Every occurrence of element ``position`` (one, unless it repeats; none if absent)."""
        if self.repeats is not None and position < len(self.repeats):
            return self.repeats[position]
        if position < len(self.elements):
            return (self.elements[position],)
        return ()

    def where(self) -> str:
        """Where the segment is, in words, for error messages."""
        if self.index is None:
            return f"segment {self.tag}"
        return f"segment {self.index + 1} ({self.tag}), byte {self.offset}"


class Party(msgspec.Struct, frozen=True, gc=False):
    """An interchange or group party: its identification and the code qualifying it."""

    id: str
    qualifier: str = ""
    """EDIFACT 0007 / X12 ISA05, ISA07 (``14`` = GS1 GLN, ``ZZ`` = mutually defined...)."""
    internal_id: str = ""
    """EDIFACT 0008 (routing address in syntax 3, internal identification in syntax 4)."""
    internal_sub_id: str = ""
    """EDIFACT 0042 (syntax 4)."""
