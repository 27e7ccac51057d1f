"""What a grammar is made of once loaded: message specs, segment rules, violations.

A ``MessageSpec`` is one message (or transaction set) in one release: its structure as a tree
of ``Slot`` objects (segments and groups in the standard's order, each mandatory or not with
its maximum), and a ``SegmentRule`` per segment tag it uses, listing every data element of
the segment with its type, lengths and code list. Specs are built by ``_load`` from the
files under ``specs/``; nothing here reads files.

A ``Violation`` is one finding of the validator, with everything an acknowledgement or a
person needs: the standard code and its list, where (segment index and byte offset in the
file, position in the message, tag, element / component, loop), and a sentence.
"""

from __future__ import annotations

from typing import Literal

import msgspec

__all__ = [
    "Condition",
    "ElementRule",
    "GroupSpec",
    "MessageCheck",
    "MessageSpec",
    "SegmentRule",
    "Slot",
    "ValueRule",
    "Violation",
]

Standard = Literal["edifact", "x12"]


class ValueRule(msgspec.Struct, frozen=True):
    """One simple data element or one component: what its value may be."""

    ref: str
    """The data element's reference number (``1004``, ``3039``, X12 ``324``)."""
    mandatory: bool
    kind: str
    """EDIFACT ``a`` / ``n`` / ``an``; X12 ``AN`` / ``ID`` / ``DT`` / ``TM`` / ``R`` /
    ``N0``..``N9`` (numeric with that many implied decimals)."""
    min: int
    max: int
    codes: frozenset[str] | None = None
    """The values supported in this position; ``None``: any value of the right form."""
    code_list: str | None = None
    """The name of the code list (``1001``, ``353``), for messages."""


class ElementRule(msgspec.Struct, frozen=True):
    """One data element position of a segment: simple (``value``) or composite."""

    position: int
    """1 for the first element after the tag (EDIFACT S011 0098, X12 C030 722)."""
    ref: str
    mandatory: bool
    value: ValueRule | None = None
    components: tuple[ValueRule, ...] = ()
    repeat: int = 1
    """How many occurrences the element may have (X12 5010 repetition, EDIFACT syntax 4)."""


class Condition(msgspec.Struct, frozen=True):
    """An X12 syntax note between elements: ``P0102`` paired, ``R0203`` at least one,
    ``C0304`` if the first then all, ``E0102`` at most one, ``L010203`` if the first then
    at least one of the others."""

    kind: Literal["P", "R", "C", "E", "L"]
    positions: tuple[int, ...]


class SegmentRule(msgspec.Struct, frozen=True):
    """Every data element of one segment, as the release defines it."""

    tag: str
    elements: tuple[ElementRule, ...]
    conditions: tuple[Condition, ...] = ()
    date: tuple[tuple[int, int], tuple[int, int]] | None = None
    """EDIFACT DTM: where the date value and its format qualifier (2379) sit, as
    (element, component) pairs, 1-based; the value is checked against the format."""


class GroupSpec(msgspec.Struct, frozen=True):
    """A segment group (loop) or the message itself: its slots in order.

    The first slot of a group is its trigger. A *collapsed* group is one the spec does not
    use: only its trigger is positioned, and the segments of its content (``tolerated``)
    are accepted in any order without checks.
    """

    name: str
    """``SG25`` (EDIFACT numbering), the X12 loop identifier (``N1``, ``PO1``, ``HL``), or
    ``""`` for the message level."""
    slots: tuple[Slot, ...]
    tolerated: frozenset[str] = frozenset()
    collapsed: bool = False


class Slot(msgspec.Struct, frozen=True):
    """One position of a structure: a segment, or a group (then ``tag`` is its trigger)."""

    tag: str
    mandatory: bool
    max: int
    """Maximum occurrences; 0 means no limit (X12 ``>1``)."""
    group: GroupSpec | None = None
    used: bool = True
    """False for segments the spec marks as not used (``~``): positioned, never checked."""


class MessageSpec(msgspec.Struct, frozen=True):
    """One message type in one release, ready to validate with."""

    standard: Standard
    type: str
    """EDIFACT 0065 (``ORDERS``) or X12 ST01 (``850``)."""
    release: str
    """``D96A`` / ``D01B`` (EDIFACT version + release) or X12 ``004010`` / ``005010``."""
    agency: str
    root: GroupSpec
    segments: dict[str, SegmentRule]
    """The rules of every segment the structure uses, by tag."""
    key: tuple[str, int] | None = None
    """Where the document number sits (``BGM`` 2, ``BEG`` 3), for reports and 999 CTX."""
    functional_id: str = ""
    """X12 GS01 for this set (``PO`` for 850)."""

    @property
    def name(self) -> str:
        return f"{self.type} {self.release}"


Level = Literal["message", "segment", "element"]


class Violation(msgspec.Struct, frozen=True):
    """One way a message breaks its grammar; ``code`` is from the list ``code_list``."""

    code: str
    code_list: str
    """``0085`` (EDIFACT), ``720`` (X12 segment), ``723`` (X12 element), ``718`` (X12 set)."""
    message: str
    """What is wrong, for a person: names the segment, element and value."""
    message_ref: str
    """UNH 0062 / ST02 of the message the violation is in."""
    segment_tag: str
    """The segment at fault; for a missing segment, the one that is missing."""
    segment_position: int
    """1-based position in the message, UNH / ST being 1 (CONTRL 0096, X12 AK302). For a
    missing segment, the position of the segment where it was found missing."""
    segment_index: int | None = None
    """0-based index among the file's segments, as ``Segment.index``."""
    byte_offset: int | None = None
    element: int | None = None
    """1-based element position in the segment (CONTRL 0098, X12 C030 722)."""
    component: int | None = None
    """1-based component position in a composite (CONTRL 0104, X12 C030 1528)."""
    repetition: int | None = None
    """1-based occurrence of a repeating element, when it repeats."""
    element_ref: str | None = None
    """The data element's reference number (X12 AK402, ``1004``...)."""
    loop: str | None = None
    """The group / loop the segment is in (``SG25``, ``PO1``); X12 AK303 / 999 IK303."""
    value: str | None = None
    """The offending value as received (X12 AK404 carries a copy)."""

    @property
    def level(self) -> Level:
        """Whether the violation concerns the message, a segment or a data element."""
        if self.code_list in ("718", "716"):
            return "message"
        if self.element is not None:
            return "element"
        return "segment"


class MessageCheck:
    """The outcome of validating one message: which it was, its spec, its violations."""

    __slots__ = ("group_ref", "reference", "spec", "type", "version", "violations")

    def __init__(
        self,
        reference: str,
        type: str,
        version: str,
        spec: MessageSpec | None,
        violations: list[Violation],
        group_ref: str = "",
    ) -> None:
        self.reference = reference
        self.type = type
        self.version = version
        """EDIFACT ``D96A``-style version + release, or X12 GS08."""
        self.spec = spec
        self.violations = violations
        self.group_ref = group_ref

    @property
    def accepted(self) -> bool:
        return not self.violations

    def __repr__(self) -> str:
        return f"MessageCheck({self.type} {self.reference}: {len(self.violations)} violations)"
