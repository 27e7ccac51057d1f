"""What is wrong with a flat file, row by row, and the ``RejectedInput`` that carries it.

A :class:`RowError` is data (a msgspec Struct, so it can be stored with a dead letter or
printed as JSON): the physical row (1-based, the header row counted, the first line of a
quoted multi-line record), the column (its name, and its 1-based number for CSV or character
``offset`` for fixed width), the value as written, what was expected, an error ``code`` and,
for a contract constraint, the contract ``path`` (``$.lines[0].quantity``).

:class:`FlatFileRejected` is raised when a file is refused: it lists every bad row, not just
the first, and its ``fields`` carry the first one's position for one-line logs.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from contracts.errors import RejectedInput

__all__ = [
    "BAD_BOOL",
    "BAD_DATE",
    "BAD_NUMBER",
    "COLUMN_COUNT",
    "CONFLICT",
    "CONTRACT",
    "CONTROL",
    "CSV_SYNTAX",
    "DROPPED",
    "ENCODING",
    "HEADER",
    "LONG_RECORD",
    "MISSING",
    "NO_HEADER_RECORD",
    "NO_LAYOUT",
    "RENDER",
    "SHORT_RECORD",
    "UNKNOWN_CODE",
    "UNKNOWN_RECORD",
    "FlatFileRejected",
    "RowError",
]

MISSING = "missing-value"
BAD_NUMBER = "bad-number"
BAD_DATE = "bad-date"
BAD_BOOL = "bad-bool"
UNKNOWN_CODE = "unknown-code"
UNKNOWN_RECORD = "unknown-record-type"
SHORT_RECORD = "short-record"
LONG_RECORD = "long-record"
COLUMN_COUNT = "column-count"
CONFLICT = "conflicting-value"
CONTRACT = "contract"
CONTROL = "control-total"
NO_HEADER_RECORD = "detail-without-header"
DROPPED = "dropped-with-document"
ENCODING = "encoding"
CSV_SYNTAX = "csv-syntax"
HEADER = "header-row"
NO_LAYOUT = "no-layout"
RENDER = "render"


class RowError(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One thing wrong with one row (or the file, when ``row`` is None)."""

    row: int | None
    code: str
    expected: str
    column: str | None = None
    column_number: int | None = None
    offset: int | None = None
    value: str | None = None
    path: str | None = None
    document: str | None = None

    def describe(self) -> str:
        """``row 4, column 'qty' (3): 'abc': expected a number such as 12.5``."""
        where = [] if self.row is None else [f"row {self.row}"]
        if self.column is not None:
            kind = "field" if self.offset is not None else "column"
            place = self.column_number if self.offset is None else f"offset {self.offset}"
            where.append(f"{kind} {self.column!r}" + (f" ({place})" if place else ""))
        if self.path:
            where.append(self.path)
        text = ", ".join(where) or "file"
        if self.code == DROPPED:
            return f"{text}: {self.expected}"
        if self.value is not None:
            text += f": {self.value!r}"
        return f"{text}: expected {self.expected}"


def _sort_key(error: RowError) -> tuple[int, int]:
    return (error.row or 0, error.column_number or error.offset or 0)


class FlatFileRejected(RejectedInput):
    """The file is refused as a whole; ``errors`` are every bad row, in file order."""

    def __init__(
        self,
        errors: Sequence[RowError],
        *,
        partner: str | None,
        source: str | None,
        byte_offset: int | None = None,
    ) -> None:
        if not errors:
            raise ValueError("FlatFileRejected needs at least one row error")
        ordered = tuple(sorted(errors, key=_sort_key))
        first = ordered[0]
        shown = "; ".join(e.describe() for e in ordered[:20])
        more = f"; and {len(ordered) - 20} more" if len(ordered) > 20 else ""
        rows = len({e.row for e in ordered})
        count = f"{rows} bad row{'s' if rows != 1 else ''}"
        super().__init__(
            f"{count} in {source or 'the file'}: {shown}{more}",
            partner=partner,
            source=source,
            byte_offset=byte_offset,
            path=first.path,
            code=first.code,
            row=first.row,
            column=first.column,
            column_number=first.column_number,
            offset=first.offset,
            value=first.value,
            expected=first.expected,
            errors=len(ordered),
        )
        self.errors = ordered
