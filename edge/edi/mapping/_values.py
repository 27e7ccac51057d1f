"""Reading and writing the scalar values of EDI: numbers, dates, times, long texts.

Pure functions on strings; the reader (``_reader``) wraps them so that a value that does not
read becomes a ``RejectedInput`` pointing at its element. Numbers are ``Decimal`` from end to
end; EDIFACT accepts ``.`` and ``,`` as the decimal mark whatever the UNA says (EDI_NOTES),
X12 only ``.`` (a comma there is more likely a thousands separator than a decimal mark).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

__all__ = [
    "EDIFACT_DATE_FORMATS",
    "format_date",
    "format_decimal",
    "format_implied",
    "join_text",
    "parse_date",
    "parse_decimal",
    "parse_edifact_date",
    "parse_time",
    "wrap_text",
]

_EDIFACT_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)")
_X12_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")

EDIFACT_DATE_FORMATS = {"102": 8, "101": 6, "203": 12, "204": 14, "718": 17}
"""DTM 2379 formats understood, with their length: CCYYMMDD, YYMMDD, CCYYMMDDHHMM,
CCYYMMDDHHMMSS, and the range CCYYMMDD-CCYYMMDD (its start is taken)."""
_FORMAT_BY_LENGTH = {8: "102", 6: "101", 12: "203", 14: "204"}


def parse_decimal(text: str, *, comma: bool) -> Decimal:
    """A number as sent; ``comma`` allows ``,`` as the decimal mark. Raises ValueError."""
    pattern = _EDIFACT_NUMBER if comma else _X12_NUMBER
    if pattern.fullmatch(text) is None:
        raise ValueError(f"{text!r} is not a number")
    return Decimal(text.replace(",", "."))


def format_decimal(value: Decimal, mark: str = ".") -> str:
    """Plain notation, never an exponent: ``Decimal("1E+2")`` is ``100``."""
    text = format(Decimal(value), "f")
    if "." in text and mark != ".":
        text = text.replace(".", mark)
    return text


def format_implied(value: Decimal, digits: int = 2) -> str:
    """An X12 ``N2`` value: ``123.45`` is ``12345`` (rounded half-even to ``digits``)."""
    scaled = (value * (Decimal(10) ** digits)).quantize(Decimal(1))
    return format(scaled, "f")


def _year(two: int, pivot: int) -> int:
    return (2000 if two < pivot else 1900) + two


def parse_date(text: str, *, pivot: int) -> date:
    """``CCYYMMDD`` or ``YYMMDD`` (X12 dates; EDIFACT formats 102 and 101)."""
    if not text.isdigit() or len(text) not in (6, 8):
        raise ValueError(f"{text!r} is not a date (CCYYMMDD or YYMMDD)")
    if len(text) == 6:
        return date(_year(int(text[:2]), pivot), int(text[2:4]), int(text[4:6]))
    return date(int(text[:4]), int(text[4:6]), int(text[6:8]))


def parse_time(text: str) -> time:
    """``HHMM``, ``HHMMSS`` or ``HHMMSSD..`` (decimal seconds are dropped)."""
    if not text.isdigit() or len(text) < 4 or len(text) == 5:
        raise ValueError(f"{text!r} is not a time (HHMM or HHMMSS)")
    seconds = int(text[4:6]) if len(text) >= 6 else 0
    return time(int(text[:2]), int(text[2:4]), seconds)


def parse_edifact_date(text: str, fmt: str, *, pivot: int, offset_minutes: int) -> date | datetime:
    """A DTM C507 value in format ``fmt`` (empty: guessed from the length).

    Formats with a time give a datetime in the partner's zone; the others a date. Raises
    ``KeyError`` for a format that is not understood and ValueError for a bad value.
    """
    if not fmt:
        fmt = _FORMAT_BY_LENGTH.get(len(text), "")
        if not fmt:
            raise ValueError(f"{text!r} is not a date in a format that can be guessed")
    length = EDIFACT_DATE_FORMATS[fmt]
    if fmt == "718":
        start, _, _end = text.partition("-")
        text, fmt, length = start, "102", 8
    if len(text) != length or not text.isdigit():
        raise ValueError(f"{text!r} is not a date in format {fmt}")
    day = parse_date(text[:8] if length >= 8 else text, pivot=pivot)
    if length <= 8:
        return day
    zone = timezone(timedelta(minutes=offset_minutes))
    return datetime.combine(day, parse_time(text[8:]), tzinfo=zone)


def format_date(value: date) -> str:
    return value.strftime("%Y%m%d")


def wrap_text(text: str, width: int) -> list[str]:
    """Cut ``text`` into pieces of at most ``width`` characters, at spaces where possible.

    The space a cut falls on is dropped, so :func:`join_text` gives back the text as long as
    it has single spaces between words no longer than ``width``.
    """
    pieces: list[str] = []
    rest = text
    while len(rest) > width:
        cut = rest.rfind(" ", 1, width + 1)
        if cut <= 0:
            pieces.append(rest[:width])
            rest = rest[width:]
        else:
            pieces.append(rest[:cut])
            rest = rest[cut + 1 :]
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def join_text(pieces: list[str]) -> str | None:
    """The non-empty pieces joined with single spaces; None when there are none."""
    kept = [p.strip() for p in pieces if p.strip()]
    return " ".join(kept) if kept else None
