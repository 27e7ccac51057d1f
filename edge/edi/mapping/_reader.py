"""The reader an inbound mapping works with: one message's segments, the partner's profile,
and value accessors that turn every bad or unknown value into an error with its position.

Mappings never index a segment's elements directly: ``text``, ``code``, ``lookup``,
``decimal``, ``day``, ``unit`` and ``quantity`` read one component and, when it does not do,
raise a ``RejectedInput`` naming the segment tag, the element and component, the segment
index and the byte offset (``_errors.mapping_error``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any, Literal

from contracts import Money, Quantity
from contracts.errors import RejectedInput

from .._segment import Segment
from ._defaults import IGNORE
from ._errors import INVALID, MISSING, UNKNOWN_CODE, mapping_error, where
from ._profile import CodeTables, MappingProfile
from ._values import parse_date, parse_decimal, parse_edifact_date, parse_time

__all__ = ["Reader", "Syntax"]

Syntax = Literal["edifact", "x12"]

_CODE = re.compile(r"\S(?:.{0,33}\S)?")
_CURRENCY = re.compile(r"[A-Z]{3}")
_DOC_NUMBER_MAX = 64


class Reader:
    """One message as a mapping sees it."""

    def __init__(
        self,
        *,
        syntax: Syntax,
        profile: MappingProfile,
        message_type: str,
        header: Segment,
        body: Sequence[Segment],
        sent: date | None = None,
        memo: dict[object, Any] | None = None,
    ) -> None:
        self.syntax: Syntax = syntax
        self.profile = profile
        self.tables: CodeTables = profile.tables(syntax)
        self.message_type = message_type
        self.header = header
        self.body = tuple(body)
        self.sent = sent
        """The interchange's (EDIFACT) or group's (X12) preparation date."""
        self.memo: dict[object, Any] = {} if memo is None else memo
        """Values already read, keyed by the raw elements they were read from (and a name
        for what was read): the messages of one interchange repeat articles, quantities
        and units, and reading the same elements with the same profile gives the same
        immutable value. Only values that read without error are kept, so an error is
        always raised where it occurs, with its own position. ``map_inbound`` shares one
        memo between the messages of an interchange (one profile, one syntax)."""

    # --- errors ---------------------------------------------------------------------------

    def error(
        self,
        message: str,
        segment: Segment | None = None,
        element: int | None = None,
        component: int | None = None,
        *,
        code: str = INVALID,
        **fields: object,
    ) -> RejectedInput:
        """An error at ``segment`` (the message header when None)."""
        return mapping_error(
            f"{self.message_type}: {message}",
            segment if segment is not None else self.header,
            code=code,
            element=element,
            component=component,
            **fields,
        )

    def missing(self, what: str, segment: Segment | None = None) -> RejectedInput:
        at = "" if segment is None else f" (after {segment.tag})"
        return self.error(f"missing {what}{at}", segment, code=MISSING, expected=what)

    # --- segments -------------------------------------------------------------------------

    def first(self, tag: str, segments: Iterable[Segment] | None = None) -> Segment | None:
        return next(
            (s for s in (self.body if segments is None else segments) if s.tag == tag), None
        )

    def every(self, tag: str, segments: Iterable[Segment] | None = None) -> list[Segment]:
        return [s for s in (self.body if segments is None else segments) if s.tag == tag]

    def require(self, tag: str, what: str, segments: Iterable[Segment] | None = None) -> Segment:
        found = self.first(tag, segments)
        if found is None:
            raise self.missing(f"{what} ({tag} segment)")
        return found

    def split(
        self, start: str | frozenset[str], stop: frozenset[str] = frozenset()
    ) -> tuple[list[Segment], list[list[Segment]], list[Segment]]:
        """The body cut into the segments before the first ``start`` tag, the groups that
        each begin with a ``start`` tag, and the segments from the first ``stop`` tag on."""
        starts = frozenset({start}) if isinstance(start, str) else start
        head: list[Segment] = []
        groups: list[list[Segment]] = []
        tail: list[Segment] = []
        for segment in self.body:
            if tail or segment.tag in stop:
                tail.append(segment)
            elif segment.tag in starts:
                groups.append([segment])
            elif groups:
                groups[-1].append(segment)
            else:
                head.append(segment)
        return head, groups, tail

    # --- values ---------------------------------------------------------------------------

    def text(self, segment: Segment, element: int, component: int = 0) -> str | None:
        """A component's text without outer blanks; None when absent or empty."""
        elements = segment.elements  # Segment.value inlined: mappings call this most
        if element >= len(elements):
            return None
        found = elements[element]
        return (found[component].strip() or None) if component < len(found) else None

    def required(self, segment: Segment, element: int, component: int, what: str) -> str:
        value = self.text(segment, element, component)
        if value is None:
            raise self.error(
                f"missing {what} in {where(segment, element, component)}",
                segment,
                element,
                component,
                code=MISSING,
                expected=what,
            )
        return value

    def number(self, segment: Segment, element: int, component: int, what: str) -> str:
        """A document number (at most 64 characters)."""
        value = self.required(segment, element, component, what)
        if len(value) > _DOC_NUMBER_MAX:
            raise self.error(
                f"{what} {value!r} is longer than {_DOC_NUMBER_MAX} characters",
                segment,
                element,
                component,
                value=value,
            )
        return value

    def code(self, segment: Segment, element: int, component: int, what: str) -> str | None:
        """An identifier that becomes a canonical ``Code`` (1 to 35 characters)."""
        value = self.text(segment, element, component)
        if value is None:
            return None
        return self.code_of(value, segment, element, component, what)

    def code_of(self, value: str, segment: Segment, element: int, component: int, what: str) -> str:
        """``code`` for a value already read (``text``) from that position."""
        if _CODE.fullmatch(value) is None:
            raise self.error(
                f"{what} {value!r} is longer than 35 characters in "
                f"{where(segment, element, component)}",
                segment,
                element,
                component,
                value=value,
            )
        return value

    def lookup(
        self, table: str, segment: Segment, element: int, component: int, what: str
    ) -> str | None:
        """The meaning of the code at that position in ``table``; None when the position is
        empty and the table has no entry for "absent". Unknown codes are refused."""
        raw = segment.value(element, component).strip()
        entries = self.tables.table(table)
        if raw in entries:
            return entries[raw]
        if not raw:
            return None
        raise self.unknown(table, raw, segment, element, component, what)

    def meaning(
        self, table: str, code: str, segment: Segment, element: int, component: int, what: str
    ) -> str:
        """The meaning of ``code`` (already read) in ``table``; unknown codes are refused."""
        entries = self.tables.table(table)
        if code not in entries:
            raise self.unknown(table, code, segment, element, component, what)
        return entries[code]

    def unknown(
        self, table: str, code: str, segment: Segment, element: int, component: int, what: str
    ) -> RejectedInput:
        return self.error(
            f"unknown {what} {code!r} in {where(segment, element, component)} "
            f"(not in table {self.syntax}.{table})",
            segment,
            element,
            component,
            code=UNKNOWN_CODE,
            value=code,
            table=f"{self.syntax}.{table}",
        )

    def decimal(self, segment: Segment, element: int, component: int, what: str) -> Decimal | None:
        value = self.text(segment, element, component)
        if value is None:
            return None
        try:
            return parse_decimal(value, comma=self.syntax == "edifact")
        except ValueError:
            raise self.error(
                f"{what} {value!r} in {where(segment, element, component)} is not a number",
                segment,
                element,
                component,
                value=value,
            ) from None

    def day(self, segment: Segment, element: int, component: int, what: str) -> date | None:
        """An X12 date (``CCYYMMDD``, or ``YYMMDD`` in old versions)."""
        value = self.text(segment, element, component)
        if value is None:
            return None
        try:
            return parse_date(value, pivot=self.profile.century_pivot)
        except ValueError:
            raise self.error(
                f"{what} {value!r} in {where(segment, element, component)} is not a date",
                segment,
                element,
                component,
                value=value,
            ) from None

    def moment(
        self, segment: Segment, date_element: int, time_element: int, what: str
    ) -> datetime | None:
        """An X12 date and optional time as a datetime in the partner's zone."""
        day = self.day(segment, date_element, 0, what)
        if day is None:
            return None
        raw = self.text(segment, time_element)
        at = time(0, 0)
        if raw is not None:
            try:
                at = parse_time(raw)
            except ValueError:
                raise self.error(
                    f"{what} time {raw!r} in {where(segment, time_element)} is not a time",
                    segment,
                    time_element,
                    value=raw,
                ) from None
        return datetime.combine(day, at, tzinfo=self.zone)

    @property
    def zone(self) -> timezone:
        return timezone(timedelta(minutes=self.profile.utc_offset_minutes))

    def dtm(self, qualifiers: Iterable[str], segments: Iterable[Segment]) -> date | datetime | None:
        """The first EDIFACT DTM among ``segments`` whose qualifier is one of ``qualifiers``
        (in the order given), read in its format."""
        wanted = list(qualifiers)
        found = {s.value(0, 0): s for s in reversed(list(segments)) if s.tag == "DTM"}
        for qualifier in wanted:
            segment = found.get(qualifier)
            if segment is None:
                continue
            value = self.required(segment, 0, 1, f"DTM {qualifier} value")
            fmt = segment.value(0, 2).strip()
            try:
                return parse_edifact_date(
                    value,
                    fmt,
                    pivot=self.profile.century_pivot,
                    offset_minutes=self.profile.utc_offset_minutes,
                )
            except KeyError:
                raise self.error(
                    f"unknown date format {fmt!r} in DTM element 1 component 3",
                    segment,
                    0,
                    2,
                    code=UNKNOWN_CODE,
                    value=fmt,
                ) from None
            except ValueError as error:
                raise self.error(f"DTM {qualifier}: {error}", segment, 0, 1, value=value) from None
        return None

    def dtm_date(self, qualifiers: Iterable[str], segments: Iterable[Segment]) -> date | None:
        value = self.dtm(qualifiers, segments)
        return value.date() if isinstance(value, datetime) else value

    def unit(self, segment: Segment, element: int, component: int = 0) -> str:
        """The canonical unit for the partner's unit at that position (absent: the default)."""
        raw = segment.value(element, component).strip()
        if not raw:
            return self.profile.default_unit
        unit = self.profile.units.get(raw)
        if unit is None:
            raise self.error(
                f"unknown unit {raw!r} in {where(segment, element, component)} "
                "(not in the partner's unit table)",
                segment,
                element,
                component,
                code=UNKNOWN_CODE,
                value=raw,
                table="units",
            )
        return unit

    def quantity(
        self,
        segment: Segment,
        value_at: tuple[int, int],
        unit_at: tuple[int, int] | None,
        what: str,
        *,
        unit: str | None = None,
    ) -> Quantity | None:
        """A quantity (never negative) with its canonical unit; None when the value is absent.
        ``unit`` is used when ``unit_at`` is None or empty (a unit sent elsewhere)."""
        elements = segment.elements
        key = (
            "quantity",
            elements[value_at[0]] if value_at[0] < len(elements) else None,
            None if unit_at is None or unit_at[0] >= len(elements) else elements[unit_at[0]],
            unit_at,
            value_at[1],
            unit,
        )
        found: Quantity | None = self.memo.get(key)
        if found is not None:
            return found
        value = self.decimal(segment, *value_at, what)
        if value is None:
            return None
        if value < 0:
            raise self.error(
                f"{what} {value} in {where(segment, *value_at)} is negative",
                segment,
                *value_at,
                value=str(value),
            )
        if unit_at is not None and segment.value(*unit_at).strip():
            unit = self.unit(segment, *unit_at)
        found = self.memo[key] = Quantity(value=value, unit=unit or self.profile.default_unit)
        return found

    def currency(self, segment: Segment, element: int, component: int) -> str | None:
        value = self.text(segment, element, component)
        if value is not None and _CURRENCY.fullmatch(value) is None:
            raise self.error(
                f"currency {value!r} in {where(segment, element, component)} is not ISO 4217",
                segment,
                element,
                component,
                value=value,
            )
        return value

    def money(self, amount: Decimal, currency: str | None, segment: Segment) -> Money:
        chosen = currency or self.profile.currency
        if chosen is None:
            raise self.error(
                f"a price in {segment.tag} has no currency (no currency segment in the message "
                "and none in the partner's profile)",
                segment,
                code=MISSING,
                expected="currency",
            )
        return Money(amount=amount, currency=chosen)

    def carrier(self, segment: Segment, element: int, component: int = 0) -> str | None:
        raw = self.code(segment, element, component, "carrier")
        if raw is None or not self.profile.carriers:
            return raw
        carrier = self.profile.carriers.get(raw)
        if carrier is None:
            raise self.error(
                f"unknown carrier {raw!r} in {where(segment, element, component)} "
                "(not in the partner's carrier table)",
                segment,
                element,
                component,
                code=UNKNOWN_CODE,
                value=raw,
                table="carriers",
            )
        return carrier

    def line_number(self, segment: Segment, element: int, component: int, position: int) -> int:
        """The line number sent, or ``position`` (1-based) when none is sent."""
        elements = segment.elements  # ``text`` inlined: every line of every message has one
        found = elements[element] if element < len(elements) else ()
        raw = found[component].strip() if component < len(found) else ""
        if not raw:
            return position
        if not raw.isdigit() or not 1 <= int(raw) <= 999_999:
            raise self.error(
                f"line number {raw!r} in {where(segment, element, component)} is not a number "
                "from 1 to 999999",
                segment,
                element,
                component,
                value=raw,
            )
        return int(raw)

    def ignored(self, meaning: str | None) -> bool:
        return meaning == IGNORE
