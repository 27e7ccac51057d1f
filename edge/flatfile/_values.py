"""Reading one value from its text, and writing it back, by the rules of a column and layout.

A :class:`Slot` is a column or field with everything resolved (its target, type, format, map,
position), so the per-row work is a lookup and a conversion. Conversion failures raise
:class:`BadValue` carrying an error code and what was expected; the caller adds the row and
column. Numbers never go through a binary float.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import NamedTuple

from ._errors import BAD_BOOL, BAD_DATE, BAD_NUMBER, UNKNOWN_CODE
from ._layout import Align, ValueType
from ._targets import Target

__all__ = [
    "BadValue",
    "Slot",
    "Style",
    "convert",
    "format_problem",
    "format_value",
    "parse_value",
]

_INT = re.compile(r"^[+-]?\d+$")
_DECIMAL = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")
_TRUE = frozenset({"true", "1", "yes", "y", "t", "x"})
_FALSE = frozenset({"false", "0", "no", "n", "f"})
_EXAMPLE = datetime(2024, 3, 31, 14, 5, 9, tzinfo=UTC)  # aware, so %z and %Z can be checked


class BadValue(ValueError):
    """A value that does not read as its column says; ``code`` and ``expected`` say how."""

    def __init__(self, code: str, expected: str) -> None:
        super().__init__(expected)
        self.code = code
        self.expected = expected


class Style(NamedTuple):
    """The layout-wide number and date conventions a slot falls back on."""

    decimal_separator: str
    thousands_separator: str
    date_format: str
    datetime_format: str
    strip: bool


class Slot(NamedTuple):
    """One column (CSV) or field (fixed width), resolved against its layout.

    ``number`` is the 1-based CSV column (0 until a header row places a named column) or the
    fixed-width start; ``end`` is the fixed-width end (exclusive, 0-based) or 0.
    """

    label: str
    number: int
    target: Target | None
    type: ValueType
    required: bool
    format: str | None
    map: dict[str, str]
    reverse: dict[str, str]
    implied: int
    name: str | None = None
    end: int = 0
    align: Align = "left"
    pad: str = " "


def format_problem(fmt: str, kind: str) -> str | None:
    """Why ``fmt`` cannot write and read back a date (and the hour and minute), if it cannot."""
    try:
        text = _EXAMPLE.strftime(fmt)
        back = datetime.strptime(text, fmt)
    except ValueError as exc:
        return f"{fmt!r} is not a usable strftime pattern: {exc}"
    if back.date() != _EXAMPLE.date():
        return f"{fmt!r} must name the year, month and day (it writes {text!r})"
    if kind == "datetime" and (back.hour, back.minute) != (_EXAMPLE.hour, _EXAMPLE.minute):
        return f"{fmt!r} must name the hour and minute too (it writes {text!r})"
    return None


def time_format(slot: Slot, style: Style) -> str:
    if slot.format:
        return slot.format
    return style.datetime_format if slot.type == "datetime" else style.date_format


def example(fmt: str) -> str:
    """``%d.%m.%Y`` -> ``31.03.2024``: a sample people recognise faster than the pattern."""
    return _EXAMPLE.strftime(fmt)


def parse_value(raw: str, slot: Slot, style: Style) -> object:
    """The value ``raw`` stands for, as its target holds it (a date read for a date-time
    target is midnight). ``raw`` is stripped and not empty. Raises BadValue."""
    if slot.map:
        if raw not in slot.map:
            codes = ", ".join(repr(c) for c in list(slot.map)[:12])
            more = " ..." if len(slot.map) > 12 else ""
            raise BadValue(UNKNOWN_CODE, f"one of the codes {codes}{more}")
        text = slot.map[raw]
        value = None if text == "" else convert(text, slot.type)
    else:
        value = _parse_typed(raw, slot, style)
    target = slot.target.type if slot.target else slot.type
    if target == "datetime" and type(value) is date:
        return datetime.combine(value, time())
    if target == "date" and isinstance(value, datetime):
        return value.date()
    return value


def _parse_typed(text: str, slot: Slot, style: Style) -> object:
    kind = slot.type
    if kind == "str":
        return text
    if kind in ("int", "decimal"):
        plain = _drop_thousands(text, style) if style.thousands_separator else text
        if style.decimal_separator == ",":
            if "." in plain:
                raise BadValue(BAD_NUMBER, _number_expected(style, kind, slot.implied))
            plain = plain.replace(",", ".")
        return _number(plain, kind, slot.implied, style)
    if kind == "bool":
        return _bool(text)
    fmt = time_format(slot, style)
    return _moment(text, kind, fmt)


def _drop_thousands(text: str, style: Style) -> str:
    sep = style.thousands_separator
    if sep not in text:
        return text
    whole, dot, fraction = text.partition(style.decimal_separator)
    sign = whole[:1] if whole[:1] in "+-" else ""
    groups = whole[len(sign) :].split(sep)
    if not (1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])):
        raise BadValue(BAD_NUMBER, _number_expected(style))
    return sign + "".join(groups) + dot + fraction


def _number_expected(style: Style, kind: ValueType = "decimal", implied: int = 0) -> str:
    if kind == "int":
        return "a whole number such as 12"
    if implied:
        return f"digits only, the last {implied} of them decimals (1250 for 12.50 with 2)"
    text = f"a number such as 12{style.decimal_separator}5"
    if style.thousands_separator:
        text += f" or 1{style.thousands_separator}234{style.decimal_separator}5"
    return text


def _number(plain: str, kind: ValueType, implied: int, style: Style) -> object:
    if kind == "int":
        if not _INT.match(plain):
            raise BadValue(BAD_NUMBER, _number_expected(style, "int"))
        return int(plain)
    if implied:
        if not _INT.match(plain):
            raise BadValue(BAD_NUMBER, _number_expected(style, "decimal", implied))
        return Decimal(plain).scaleb(-implied)
    if not _DECIMAL.match(plain):
        raise BadValue(BAD_NUMBER, _number_expected(style))
    return Decimal(plain)


def _bool(text: str) -> bool:
    lowered = text.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise BadValue(BAD_BOOL, "true or false (also yes / no, y / n, 1 / 0)")


@functools.lru_cache(maxsize=4096)
def _moment(text: str, kind: ValueType, fmt: str) -> date | datetime:
    """Cached: a file repeats its few dates on every row, and strptime is slow."""
    try:
        parsed = datetime.strptime(text, fmt)
    except ValueError:
        raise BadValue(BAD_DATE, f"a {_kind_word(kind)} like {example(fmt)} ({fmt})") from None
    # strptime accepts '2024311' for '%Y%m%d'; a compact format must be written in full.
    if not _has_separators(fmt) and parsed.strftime(fmt) != text:
        raise BadValue(BAD_DATE, f"a {_kind_word(kind)} like {example(fmt)} ({fmt})")
    return parsed if kind == "datetime" else parsed.date()


def _kind_word(kind: ValueType) -> str:
    return "date and time" if kind == "datetime" else "date"


def _has_separators(fmt: str) -> bool:
    return bool(re.sub(r"%.", "", fmt))


def convert(text: str, kind: ValueType) -> object:
    """A constant or mapped value (written as in JSON: ISO dates, '.' decimals) as ``kind``."""
    style = Style(".", "", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", True)
    if kind in ("date", "datetime"):
        try:
            if kind == "date":
                return date.fromisoformat(text)
            return datetime.fromisoformat(text)
        except ValueError:
            raise BadValue(
                BAD_DATE, f"an ISO {_kind_word(kind)} such as {_EXAMPLE.date().isoformat()}"
            ) from None
    if kind in ("int", "decimal"):
        return _number(text, kind, 0, style)
    if kind == "bool":
        return _bool(text)
    return text


def format_value(value: object, slot: Slot, style: Style) -> str:
    """``value`` (as a built document holds it) written by the slot's rules; ValueError if the
    value cannot be written so (a code the map lacks, too many decimals for implied ones)."""
    if value is None:
        return ""
    if slot.reverse:
        key = _canonical_text(value)
        if key not in slot.reverse:
            codes = ", ".join(repr(c) for c in list(slot.reverse)[:12])
            raise ValueError(f"{key!r} has no code in the column's map (it maps to {codes})")
        return slot.reverse[key]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.strftime(time_format(slot, style))
    if isinstance(value, Decimal | int):
        return _format_number(value, slot, style)
    return str(value)


def _canonical_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _format_number(value: Decimal | int, slot: Slot, style: Style) -> str:
    if slot.implied:
        scaled = Decimal(value).scaleb(slot.implied)
        whole = scaled.to_integral_value()
        if whole != scaled:
            raise ValueError(f"{value} has more than {slot.implied} decimals")
        return format(whole.quantize(Decimal(1)), "f")
    text = format(value, "f") if isinstance(value, Decimal) else str(value)
    if style.decimal_separator != ".":
        text = text.replace(".", style.decimal_separator)
    return text
