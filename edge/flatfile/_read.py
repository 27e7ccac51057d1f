"""From bytes to rows of typed cells: decoding, CSV and fixed-width records, record types.

Each physical record becomes a :class:`RawRow`: its 1-based line number, its record type and
the cells it filled, plus what was wrong with it. A bad row still carries the cells that did
read, so the builder can tell which document it belongs to (and refuse that document) rather
than quietly dropping a line of an order. Problems that leave nothing to read row by row (bad
bytes for the encoding, broken CSV quoting, a header row without a mapped column) raise
:class:`Fatal`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from typing import NamedTuple

from ._errors import (
    COLUMN_COUNT,
    CSV_SYNTAX,
    ENCODING,
    HEADER,
    LONG_RECORD,
    MISSING,
    SHORT_RECORD,
    UNKNOWN_RECORD,
    RowError,
)
from ._layout import CsvLayout, Encoding, FixedWidthLayout
from ._plan import Plan, PlanRole, RecordPlan
from ._targets import Target
from ._values import BadValue, Slot, Style, parse_value

__all__ = ["Cell", "Fatal", "RawRow", "decode", "read_rows"]

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


class Fatal(Exception):
    """The file cannot be read row by row; ``errors`` say where it broke."""

    def __init__(self, errors: list[RowError], byte_offset: int | None = None) -> None:
        super().__init__(errors[0].expected)
        self.errors = errors
        self.byte_offset = byte_offset


class Cell(NamedTuple):
    target: Target
    value: object
    slot: Slot
    number: int
    raw: str


class RawRow(NamedTuple):
    row: int
    record: RecordPlan | None  # None: a record of no known type
    role: PlanRole | None
    cells: list[Cell]
    errors: list[RowError]

    def cell(self, target: str) -> Cell | None:
        return next((c for c in self.cells if c.target.text == target), None)


def decode(data: bytes, encoding: Encoding) -> str:
    """The text of ``data``. A UTF-8 byte order mark is dropped whichever UTF-8 is declared:
    spreadsheet programs add one unasked, and it would otherwise stick to the first name."""
    codec = "utf-8-sig" if encoding in ("utf-8", "utf-8-sig") else encoding
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        row = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start : exc.end].hex(" ")
        error = RowError(
            row=row,
            code=ENCODING,
            value=f"bytes {bad} at byte {exc.start}",
            expected=f"text in {encoding}: {exc.reason}",
        )
        raise Fatal([error], byte_offset=exc.start) from None


def read_rows(text: str, plan: Plan) -> tuple[Plan, list[RawRow]]:
    """Every non-blank record of ``text`` as a :class:`RawRow`, and the plan with the columns
    a header row placed; raises :class:`Fatal`."""
    if isinstance(plan.layout, CsvLayout):
        return _csv_rows(text, plan.layout, plan)
    return plan, list(_fixed_rows(text, plan.layout, plan))


def _csv_rows(text: str, layout: CsvLayout, plan: Plan) -> tuple[Plan, list[RawRow]]:
    reader = csv.reader(
        io.StringIO(text, newline=""),
        delimiter=layout.delimiter,
        quotechar=layout.quote,
        doublequote=True,
        strict=True,
    )
    to_skip = layout.skip_rows
    header_pending = layout.header
    previous = 0
    rows: list[RawRow] = []
    try:
        for fields in reader:
            row = previous + 1
            previous = reader.line_num
            if not any(f.strip() for f in fields) or fields == ["\x1a"]:
                continue  # a blank row (",,,," from spreadsheets too), or a DOS end-of-file
            if to_skip:
                to_skip -= 1
                continue
            if header_pending:
                header_pending = False
                plan = _place_by_header(fields, row, plan)
                continue
            rows.append(_csv_row(fields, row, layout, plan))
    except csv.Error as exc:
        line = reader.line_num or previous + 1
        error = RowError(row=line, code=CSV_SYNTAX, expected=f"well-formed CSV: {exc}")
        raise Fatal([error]) from None
    return plan, rows


def _place_by_header(names: list[str], row: int, plan: Plan) -> Plan:
    """Number the columns named in the layout by their place in the header row; a file of one
    record type must then have as many columns as its header (unless column_count says)."""
    stripped = [name.strip() for name in names]
    errors: list[RowError] = []
    placed = []
    for record in plan.records:
        slots = []
        for slot in record.slots:
            if slot.number or slot.name is None:
                slots.append(slot)
                continue
            found = [i for i, name in enumerate(stripped) if name == slot.name]
            if len(found) != 1:
                problem = "is missing" if not found else "appears more than once"
                errors.append(
                    RowError(
                        row=row,
                        code=HEADER,
                        column=slot.name,
                        expected=f"a header with the column {slot.name!r}, which {problem}",
                        value=", ".join(stripped)[:200],
                    )
                )
                continue
            slots.append(slot._replace(number=found[0] + 1))
        minimum = max([s.number for s in slots] + [record.minimum])
        size = record.size
        if record.role == "single" and size is None:
            size = len(names)
        placed.append(record._replace(slots=tuple(slots), minimum=minimum, size=size))
    if errors:
        raise Fatal(errors)
    return plan._replace(records=tuple(placed))


def _csv_row(fields: list[str], row: int, layout: CsvLayout, plan: Plan) -> RawRow:
    record = plan.records[0]
    if plan.multi:
        position = layout.record_type_column or 1
        code = fields[position - 1].strip() if len(fields) >= position else ""
        found = plan.record(code)
        if found is None:
            codes = ", ".join(repr(r.code) for r in plan.records)
            error = RowError(
                row=row,
                code=UNKNOWN_RECORD,
                column="record type",
                column_number=position,
                value=code,
                expected=f"a record type: one of {codes}",
            )
            return RawRow(row, None, None, [], [error])
        record = found
    if record.role == "ignore":
        return RawRow(row, record, "ignore", [], [])
    errors: list[RowError] = []
    size = record.size
    if (size is not None and len(fields) != size) or len(fields) < record.minimum:
        wanted = f"{size} columns" if size is not None else f"at least {record.minimum}"
        errors.append(
            RowError(
                row=row,
                code=COLUMN_COUNT,
                value=f"{len(fields)} columns",
                expected=wanted + (" (as the header row)" if layout.header else ""),
            )
        )
        key_only = [s for s in record.slots if s.target == plan.key]
        cells, _ = _cells(_csv_texts(fields, key_only), row, plan.style, fixed=False)
        return RawRow(row, record, record.role, cells, errors)
    cells, bad = _cells(_csv_texts(fields, record.slots), row, plan.style, fixed=False)
    return RawRow(row, record, record.role, cells, errors + bad)


def _csv_texts(fields: list[str], slots: Sequence[Slot]) -> list[tuple[Slot, str]]:
    """Each mapped slot with its text in ``fields`` (empty past the end of the row)."""
    size = len(fields)
    return [
        (slot, fields[slot.number - 1] if 0 < slot.number <= size else "")
        for slot in slots
        if slot.target is not None
    ]


def _cells(
    texts: list[tuple[Slot, str]], row: int, style: Style, *, fixed: bool
) -> tuple[list[Cell], list[RowError]]:
    """The typed cells of one record from each slot's text, and the errors of those that do
    not read. ``fixed``: positions are character offsets, not column numbers."""
    cells: list[Cell] = []
    errors: list[RowError] = []
    for slot, raw in texts:
        target = slot.target
        assert target is not None
        text = raw.strip() if style.strip else raw
        if text == "" and "" not in slot.map:
            if slot.required:
                errors.append(
                    _error(slot, row, fixed, MISSING, "", f"a value for {target.text} (required)")
                )
            continue
        if slot.type == "str" and not slot.map:
            cells.append(Cell(target, text, slot, slot.number, raw))  # the common case, fast
            continue
        try:
            value = parse_value(text, slot, style)
        except BadValue as exc:
            errors.append(_error(slot, row, fixed, exc.code, raw, exc.expected))
            continue
        if value is not None:
            cells.append(Cell(target, value, slot, slot.number, raw))
    return cells, errors


def _error(slot: Slot, row: int, fixed: bool, code: str, value: str, expected: str) -> RowError:
    return RowError(
        row=row,
        code=code,
        column=slot.label,
        column_number=None if fixed else slot.number,
        offset=slot.number if fixed else None,
        value=value,
        expected=expected,
    )


def _fixed_rows(text: str, layout: FixedWidthLayout, plan: Plan) -> Iterator[RawRow]:
    lines = _LINE_BREAK.split(text)
    span = layout.record_type
    for index, line in enumerate(lines):
        row = index + 1
        if not line.strip() or line == "\x1a":  # blank, or a DOS end-of-file mark
            continue
        record = plan.records[0]
        if plan.multi and span is not None:
            code = line[span.start - 1 : span.start - 1 + span.length]
            found = plan.record(code)
            if found is None:
                codes = ", ".join(repr(r.code) for r in plan.records)
                yield RawRow(
                    row,
                    None,
                    None,
                    [],
                    [
                        RowError(
                            row=row,
                            code=UNKNOWN_RECORD,
                            column="record type",
                            offset=span.start,
                            value=code,
                            expected=f"a record type: one of {codes}",
                        )
                    ],
                )
                continue
            record = found
        if record.role == "ignore":
            continue
        yield _fixed_row(line, row, record, plan)


def _fixed_row(line: str, row: int, record: RecordPlan, plan: Plan) -> RawRow:
    size = len(line)
    if (record.size is not None and size != record.size) or size < record.minimum:
        wanted = record.size if record.size is not None else record.minimum
        error = RowError(
            row=row,
            code=SHORT_RECORD if size < wanted else LONG_RECORD,
            value=f"{size} characters",
            expected=f"{'exactly' if record.size is not None else 'at least'} {wanted} characters",
        )
        usable = [s for s in record.slots if s.target == plan.key and s.end <= size]
        cells, _ = _cells(_fixed_texts(line, usable), row, plan.style, fixed=True)
        return RawRow(row, record, record.role, cells, [error])
    cells, errors = _cells(_fixed_texts(line, record.slots), row, plan.style, fixed=True)
    return RawRow(row, record, record.role, cells, errors)


def _fixed_texts(line: str, slots: Sequence[Slot]) -> list[tuple[Slot, str]]:
    """Each mapped slot with its text in ``line``, the padding removed. Zero-padded numbers
    keep their zeros (``0000`` is zero, not empty); the number reader ignores them."""
    texts = []
    for slot in slots:
        if slot.target is None:
            continue
        raw = line[slot.number - 1 : slot.end]
        if slot.type in ("int", "decimal") and slot.pad.isdigit():
            raw = raw.strip(" ")
        elif slot.align == "left":
            raw = raw.rstrip(slot.pad)
        else:
            raw = raw.lstrip(slot.pad)
        texts.append((slot, raw))
    return texts
