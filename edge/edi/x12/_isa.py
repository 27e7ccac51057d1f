"""The ISA header: sixteen fixed-width elements that define how the rest is read.

The ISA is 106 characters: ``ISA``, the element separator, sixteen elements of fixed widths
(2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1) and the segment terminator. ISA16 is
the component separator; ISA11 is the repetition separator from version 00402 on (``U``,
the standards identifier, before). Whatever follows the terminator up to the next tag (CR,
LF, CRLF) is how the sender ends its lines.

Partners trim or pad the header now and then. An ISA that is not fixed width is still
accepted when it can be read in only one way: exactly sixteen separators before ISA16, a
terminator right after the one-character ISA16, and every element of the form its type
allows. Otherwise it is refused and the reason names the element that does not fit.
"""

from __future__ import annotations

import re
from itertools import pairwise

import msgspec

from .._codes import X12InterchangeNote, reject
from .._offsets import ByteOffsets

__all__ = ["ISA_WIDTHS", "IsaHeader", "Separators", "read_isa"]

ISA_WIDTHS = (2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1)
"""Widths of ISA01..ISA16."""

_WINDOW = 400  # how far to look for the sixteen separators of a header that is not fixed

_FORMS: tuple[tuple[int, re.Pattern[str], X12InterchangeNote, str], ...] = (
    (0, re.compile(r"[0-9]{2}"), X12InterchangeNote.INVALID_AUTHORIZATION_QUALIFIER, "two digits"),
    (2, re.compile(r"[0-9]{2}"), X12InterchangeNote.INVALID_SECURITY_QUALIFIER, "two digits"),
    (4, re.compile(r"[A-Z0-9]{2}"), X12InterchangeNote.INVALID_SENDER_QUALIFIER, "a 2-char code"),
    (5, re.compile(r".*\S.*"), X12InterchangeNote.INVALID_SENDER_ID, "an identifier"),
    (6, re.compile(r"[A-Z0-9]{2}"), X12InterchangeNote.INVALID_RECEIVER_QUALIFIER, "a 2-char code"),
    (7, re.compile(r".*\S.*"), X12InterchangeNote.INVALID_RECEIVER_ID, "an identifier"),
    (8, re.compile(r"[0-9]{6}"), X12InterchangeNote.INVALID_DATE, "a YYMMDD date"),
    (9, re.compile(r"[0-9]{4}"), X12InterchangeNote.INVALID_TIME, "an HHMM time"),
    (10, re.compile(r"."), X12InterchangeNote.INVALID_STANDARDS_ID, "one character"),
    (11, re.compile(r"[0-9]{5}"), X12InterchangeNote.INVALID_VERSION, "five digits"),
    (12, re.compile(r"[0-9]{9}"), X12InterchangeNote.INVALID_CONTROL_NUMBER, "nine digits"),
    (13, re.compile(r"[01]"), X12InterchangeNote.INVALID_ACK_REQUESTED, "0 or 1"),
    (14, re.compile(r"[PTI]"), X12InterchangeNote.INVALID_TEST_INDICATOR, "P, T or I"),
)


class Separators(msgspec.Struct, frozen=True):
    """The delimiters of one X12 interchange, as its ISA defines them."""

    element: str = "*"
    component: str = ":"
    repetition: str | None = None
    """ISA11 from version 00402 on; ``None`` in 00401 and before (ISA11 is then ``U``)."""
    terminator: str = "~"
    line_break: str = ""
    """What the sender put after the ISA's terminator (``""``, ``"\\n"``, ``"\\r\\n"``)."""

    def delimiters(self) -> str:
        return "".join(
            c for c in (self.terminator, self.element, self.component, self.repetition) if c
        )


class IsaHeader(msgspec.Struct, frozen=True):
    """What reading the ISA found: its sixteen values, the separators and where it ends."""

    values: tuple[str, ...]
    separators: Separators
    end: int
    """Index in the text right after the ISA's terminator."""
    fixed_width: bool


def read_isa(text: str, start: int, offsets: ByteOffsets, index: int) -> IsaHeader:
    """Read the ISA at ``text[start:]`` (``RejectedInput`` with a TA1 code if it cannot)."""

    def fail(reason: str, code: X12InterchangeNote, at: int = start) -> Exception:
        return reject(reason, code, segment_index=index, byte_offset=offsets.one(at))

    sep = text[start + 3 : start + 4]
    if not sep or sep.isalnum() or sep in " \r\n":
        raise fail(
            f"the character after ISA must be the element separator, not {sep!r}",
            X12InterchangeNote.INVALID_ELEMENT_SEPARATOR,
        )
    fixed = _fixed(text, start, sep)
    if fixed is not None:
        values, tail = fixed
    else:
        try:
            values, tail = _tolerant(text, start, sep)
        except _Unreadable as error:
            raise fail(error.reason, error.code) from None
    component, terminator = values[15], text[tail : tail + 1]
    if not terminator:
        raise fail("the file ends inside the ISA header", X12InterchangeNote.PREMATURE_END)
    if component.isalnum() or component in (sep, " ", "\r", "\n"):
        raise fail(
            f"ISA16 {component!r} cannot be the component separator",
            X12InterchangeNote.INVALID_COMPONENT_SEPARATOR,
            start + 3,
        )
    if terminator.isalnum() or terminator in (sep, component, " "):
        raise fail(
            f"{terminator!r} after ISA16 cannot be the segment terminator",
            X12InterchangeNote.INVALID_SEGMENT_TERMINATOR,
            tail,
        )
    for position, form, code, wanted in _FORMS:
        value = values[position].strip() if position in (5, 7) else values[position]
        if not form.fullmatch(value):
            how = "" if fixed is not None else " (and the header is not fixed width)"
            raise fail(f"ISA{position + 1:02d} {values[position]!r} is not {wanted}{how}", code)
    version = values[11]
    standards = values[10]
    repetition = None
    if version >= "00402" and not standards.isalnum() and standards not in (sep, component):
        repetition = standards if standards != terminator else None
    after = tail + 1
    line_break = ""
    for candidate in ("\r\n", "\n", "\r"):
        if terminator not in candidate and text.startswith(candidate, after):
            line_break = candidate
            break
    separators = Separators(
        element=sep,
        component=component,
        repetition=repetition,
        terminator=terminator,
        line_break=line_break,
    )
    return IsaHeader(values=values, separators=separators, end=after, fixed_width=fixed is not None)


def _fixed(text: str, start: int, sep: str) -> tuple[tuple[str, ...], int] | None:
    """The sixteen values when every separator sits where the widths put it."""
    values = []
    pos = start + 4
    for width in ISA_WIDTHS:
        values.append(text[pos : pos + width])
        pos += width
        if width != 1 or len(values) < 16:
            if text[pos : pos + 1] != sep:
                return None
            pos += 1
    return tuple(values), pos


class _Unreadable(Exception):
    def __init__(self, reason: str, code: X12InterchangeNote) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


def _tolerant(text: str, start: int, sep: str) -> tuple[tuple[str, ...], int]:
    """The sixteen values of a header that is not fixed width, or ``_Unreadable``."""
    window = text[start : start + _WINDOW]
    cuts = []
    pos = 3
    for _ in range(16):
        pos = window.find(sep, pos)
        if pos < 0:
            break
        cuts.append(pos)
        pos += 1
    if len(cuts) < 16:
        raise _Unreadable(
            f"the ISA header does not have sixteen elements separated by {sep!r}",
            X12InterchangeNote.INVALID_CONTROL_STRUCTURE,
        )
    values = [window[a + 1 : b] for a, b in pairwise(cuts)]
    component = window[cuts[15] + 1 : cuts[15] + 2]
    terminator = window[cuts[15] + 2 : cuts[15] + 3]
    if any(c in value for value in values for c in "\r\n"):
        if terminator in ("\r", "\n"):
            raise _Unreadable(
                "the ISA header is broken across lines and its segment terminator is a line "
                "break: it cannot be read unambiguously",
                X12InterchangeNote.INVALID_CONTROL_STRUCTURE,
            )
        values = [value.replace("\r", "").replace("\n", "") for value in values]
    return (*values, component), start + cuts[15] + 2
