"""Checking a layout as a whole, and compiling it into the plan the parser and renderer follow.

msgspec checks each key on its own (types, ranges, allowed values); :func:`check_layout`
checks what needs several keys: targets exist in the document kind's vocabulary and suit the
record they are in, types suit their targets, fixed-width fields fit and do not overlap, the
document kind's required values are mapped, formats and constants read back. Every problem
is reported, each with its path inside the layout (``$.columns[3].type``), so the gateway's
configuration check can prefix it with ``$.partners[0].layouts[1]``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Literal, NamedTuple

from contracts.errors import ConfigError

from ._kinds import KINDS, Kind
from ._layout import (
    CsvColumn,
    CsvLayout,
    FixedField,
    FixedWidthLayout,
    FlatLayout,
    ValueType,
)
from ._targets import Target, resolve_target
from ._values import BadValue, Slot, Style, convert, format_problem

__all__ = [
    "LayoutError",
    "LayoutProblem",
    "Plan",
    "RecordPlan",
    "check_layout",
    "compile_layout",
]

PlanRole = Literal["single", "header", "detail", "trailer", "ignore"]
_COMPATIBLE: dict[ValueType, frozenset[str]] = {
    "str": frozenset({"str"}),
    "int": frozenset({"int"}),
    "decimal": frozenset({"decimal", "int"}),
    "date": frozenset({"date", "datetime"}),
    "datetime": frozenset({"datetime", "date"}),
    "bool": frozenset({"bool"}),
}
_Error = Callable[[str, str], None]


class LayoutProblem(NamedTuple):
    """One thing wrong with a layout; ``path`` is relative to the layout (``$.columns[3]``)."""

    path: str
    message: str


class LayoutError(ConfigError):
    """A layout that cannot be used; ``problems`` lists everything found."""

    def __init__(self, name: str, problems: list[LayoutProblem]) -> None:
        listed = "; ".join(f"{p.path}: {p.message}" for p in problems)
        super().__init__(f"layout {name!r} is not usable: {listed}", path=problems[0].path)
        self.problems = tuple(problems)


class RecordPlan(NamedTuple):
    """One record type (or the only one): its slots and shape rules.

    CSV: rows need exactly ``size`` columns when set, else at least ``minimum``. Fixed
    width: records need exactly ``size`` characters when set, else at least ``minimum``.
    """

    code: str | None
    role: PlanRole
    slots: tuple[Slot, ...]
    size: int | None
    minimum: int


class Plan(NamedTuple):
    layout: FlatLayout
    kind: Kind
    style: Style
    records: tuple[RecordPlan, ...]
    constants: tuple[tuple[Target, object], ...]
    key: Target

    @property
    def multi(self) -> bool:
        return self.records[0].role != "single"

    def record(self, code: str) -> RecordPlan | None:
        return next((r for r in self.records if r.code == code), None)


def check_layout(layout: FlatLayout) -> list[LayoutProblem]:
    """Every problem of ``layout`` as a whole (empty: it can be used)."""
    problems: list[LayoutProblem] = []
    _compile(layout, problems)
    return problems


def compile_layout(layout: FlatLayout) -> Plan:
    """The plan for ``layout``; raises :class:`LayoutError` if it has problems."""
    problems: list[LayoutProblem] = []
    plan = _compile(layout, problems)
    if problems:
        raise LayoutError(layout.name, problems)
    return plan


def _key(name: str) -> str:
    return f".{name}" if re.fullmatch(r"[A-Za-z0-9_]+", name) else f"[{name!r}]"


def _compile(layout: FlatLayout, problems: list[LayoutProblem]) -> Plan:
    kind = KINDS[layout.document]
    style = Style(
        layout.decimal_separator,
        layout.thousands_separator,
        layout.date_format,
        layout.datetime_format,
        layout.strip,
    )

    def error(path: str, message: str) -> None:
        problems.append(LayoutProblem(path, message))

    if layout.thousands_separator == layout.decimal_separator:
        error("$.thousands_separator", "must differ from decimal_separator")
    for name, kind_word in (("date_format", "date"), ("datetime_format", "datetime")):
        problem = format_problem(getattr(layout, name), kind_word)
        if problem:
            error(f"$.{name}", problem)
    records = (
        _csv_records(layout, kind, error)
        if isinstance(layout, CsvLayout)
        else _fixed_records(layout, kind, error)
    )
    constants: list[tuple[Target, object]] = []
    for text, raw in layout.constants.items():
        where = f"$.constants{_key(text)}"
        try:
            target = resolve_target(kind, text)
        except ValueError as exc:
            error(where, str(exc))
            continue
        if target.scope in ("control", "package"):
            error(where, f"a constant cannot fill {text!r}")
            continue
        try:
            constants.append((target, convert(raw, target.type)))
        except BadValue as exc:
            error(where, f"expected {exc.expected}, got {raw!r}")
    if layout.direction != "outbound":  # only reading needs every value the contract does
        _check_required(layout, kind, error)
    key = resolve_target(kind, kind.key)
    return Plan(layout, kind, style, tuple(records), tuple(constants), key)


def _slot_common(
    column: CsvColumn | FixedField,
    where: str,
    kind: Kind,
    role: PlanRole,
    error: _Error,
) -> tuple[Target | None, ValueType]:
    """Resolve the target and type of one column, reporting what does not fit."""
    target: Target | None = None
    if column.target is not None:
        try:
            target = resolve_target(kind, column.target)
        except ValueError as exc:
            error(f"{where}.target", str(exc))
    if target is not None:
        allowed = {
            "single": ("header", "line", "package"),
            "header": ("header", "package"),
            "detail": ("header", "line", "package"),
            "trailer": ("control",),
            "ignore": (),
        }[role]
        if target.scope not in allowed:
            what = {"single": "a file of one record type", "ignore": "an ignored record"}.get(
                role, f"a {role} record"
            )
            error(f"{where}.target", f"{column.target!r} ({target.scope}) cannot be in {what}")
    natural: ValueType = target.type if target else "str"
    chosen: ValueType = column.type or natural
    if target is not None and chosen not in _COMPATIBLE[natural]:
        allowed_types = ", ".join(sorted(_COMPATIBLE[natural]))
        error(
            f"{where}.type",
            f"{column.target!r} holds a {natural}; the column's type must be {allowed_types}",
        )
    if column.format is not None:
        if chosen not in ("date", "datetime"):
            error(f"{where}.format", f"only dates and date-times have a format, not {chosen}")
        else:
            problem = format_problem(column.format, chosen)
            if problem:
                error(f"{where}.format", problem)
    if column.implied_decimals and chosen != "decimal":
        error(f"{where}.implied_decimals", f"only decimals have implied decimals, not {chosen}")
    for code, value in column.map.items():
        if value == "":
            continue
        try:
            convert(value, chosen)
        except BadValue as exc:
            error(f"{where}.map{_key(code)}", f"expected {exc.expected}, got {value!r}")
    return target, chosen


def _reverse(mapping: dict[str, str]) -> dict[str, str]:
    reverse: dict[str, str] = {}
    for code, value in mapping.items():
        reverse.setdefault(value, code)
    return reverse


def _csv_records(layout: CsvLayout, kind: Kind, error: _Error) -> list[RecordPlan]:
    if layout.delimiter in "\r\n":
        error("$.delimiter", "a line break cannot be the delimiter")
    if layout.quote == layout.delimiter:
        error("$.quote", "must differ from the delimiter")
    shapes: list[tuple[str | None, PlanRole, tuple[CsvColumn, ...], int | None, str]] = []
    if layout.records:
        if layout.columns:
            error("$.columns", "give either columns (one record type) or records, not both")
        if layout.record_type_column is None:
            error("$.record_type_column", "records need the column that holds the record type")
        for i, record in enumerate(layout.records):
            shapes.append(
                (record.code, record.role, record.columns, record.column_count, f"$.records[{i}]")
            )
        _check_roles([r.role for r in layout.records], [r.code for r in layout.records], error)
    else:
        if layout.record_type_column is not None:
            error("$.record_type_column", "only used with records")
        if not layout.columns:
            error("$.columns", "a layout needs columns (or records)")
        shapes.append((None, "single", layout.columns, layout.column_count, "$"))
    plans = []
    for code, role, columns, count, base in shapes:
        slots: list[Slot] = []
        seen_targets: dict[str, int] = {}
        seen_names: dict[str, int] = {}
        seen_index: dict[int, int] = {}
        for j, column in enumerate(columns):
            where = f"{base}.columns[{j}]"
            target, chosen = _slot_common(column, where, kind, role, error)
            _no_duplicate(column.target, j, seen_targets, f"{where}.target", base, error)
            by_name = (
                layout.header
                and not layout.records
                and column.name is not None
                and column.index is None
            )
            number = 0 if by_name else (column.index or j + 1)
            if by_name and column.name is not None:
                _no_duplicate(column.name, j, seen_names, f"{where}.name", base, error)
            if number:
                _no_duplicate(number, j, seen_index, f"{where}.index", base, error)
            if column.target is not None and number == layout.record_type_column:
                error(f"{where}.index", "this is the record type column")
            label = column.name or column.target or f"column {number}"
            slots.append(
                Slot(
                    label=label,
                    number=number,
                    target=target,
                    type=chosen,
                    required=column.required,
                    format=column.format,
                    map=dict(column.map),
                    reverse=_reverse(column.map),
                    implied=column.implied_decimals,
                    name=column.name,
                )
            )
        minimum = max([s.number for s in slots] + [layout.record_type_column or 0, 1])
        plans.append(RecordPlan(code, role, tuple(slots), count, minimum))
    return plans


def _fixed_records(layout: FixedWidthLayout, kind: Kind, error: _Error) -> list[RecordPlan]:
    shapes: list[tuple[str | None, PlanRole, tuple[FixedField, ...], int | None, str]] = []
    if layout.records:
        if layout.fields:
            error("$.fields", "give either fields (one record type) or records, not both")
        if layout.record_type is None:
            error("$.record_type", "records need the span that holds the record type")
        for i, record in enumerate(layout.records):
            length = record.record_length or layout.record_length
            shapes.append((record.code, record.role, record.fields, length, f"$.records[{i}]"))
            span = layout.record_type
            if span is not None and len(record.code) != span.length:
                error(
                    f"$.records[{i}].code",
                    f"must be {span.length} characters long, as record_type.length says",
                )
        _check_roles([r.role for r in layout.records], [r.code for r in layout.records], error)
    else:
        if layout.record_type is not None:
            error("$.record_type", "only used with records")
        if not layout.fields:
            error("$.fields", "a layout needs fields (or records)")
        shapes.append((None, "single", layout.fields, layout.record_length, "$"))
    plans = []
    for code, role, fields, length, base in shapes:
        slots: list[Slot] = []
        seen_targets: dict[str, int] = {}
        taken: list[tuple[int, int, int]] = []
        for j, field in enumerate(fields):
            where = f"{base}.fields[{j}]"
            target, chosen = _slot_common(field, where, kind, role, error)
            _no_duplicate(field.target, j, seen_targets, f"{where}.target", base, error)
            end = field.start - 1 + field.length
            if length is not None and end > length:
                error(
                    f"{where}.length",
                    f"the field ends at {end}, past the record length {length}",
                )
            for other, start, stop in taken:
                if field.start - 1 < stop and start < end:
                    error(f"{where}.start", f"overlaps {base}.fields[{other}]")
                    break
            taken.append((j, field.start - 1, end))
            numeric = chosen in ("int", "decimal")
            slots.append(
                Slot(
                    label=field.name or field.target or f"position {field.start}",
                    number=field.start,
                    target=target,
                    type=chosen,
                    required=field.required,
                    format=field.format,
                    map=dict(field.map),
                    reverse=_reverse(field.map),
                    implied=field.implied_decimals,
                    name=field.name,
                    end=end,
                    align=field.align or ("right" if numeric else "left"),
                    pad=field.pad,
                )
            )
        span_end = (
            0
            if layout.record_type is None
            else (layout.record_type.start - 1 + layout.record_type.length)
        )
        minimum = max([s.end for s in slots] + [span_end, 1])
        plans.append(RecordPlan(code, role, tuple(slots), length, minimum))
    return plans


def _no_duplicate(
    value: str | int | None, j: int, seen: dict[Any, int], where: str, base: str, error: _Error
) -> None:
    if value is None:
        return
    if value in seen:
        kind = where.rsplit(".", 2)[-2].split("[")[0]
        error(where, f"{value!r} is already used by {base}.{kind}[{seen[value]}]")
    else:
        seen[value] = j


def _check_roles(roles: list[str], codes: list[str], error: _Error) -> None:
    headers = [i for i, role in enumerate(roles) if role == "header"]
    if len(headers) != 1:
        error(
            "$.records",
            "exactly one record type must have role = 'header': it starts each document",
        )
    seen: dict[str, int] = {}
    for i, code in enumerate(codes):
        if code in seen:
            error(f"$.records[{i}].code", f"{code!r} is already used by $.records[{seen[code]}]")
        seen.setdefault(code, i)


def _all_columns(layout: FlatLayout) -> list[CsvColumn | FixedField]:
    if isinstance(layout, CsvLayout):
        return [*layout.columns, *(c for r in layout.records for c in r.columns)]
    return [*layout.fields, *(f for r in layout.records for f in r.fields)]


def _check_required(layout: FlatLayout, kind: Kind, error: _Error) -> None:
    # Targets as written, resolved or not: a misspelt target is reported once, at itself.
    columns = _all_columns(layout)
    mapped = {c.target for c in columns if c.target is not None} | set(layout.constants)
    lines_mapped = any(t.startswith("lines[].") for t in mapped)
    needed = list(kind.required)
    if kind.lines_mandatory or lines_mapped:
        needed += kind.line_required
    where = (
        "$.records"
        if (getattr(layout, "records", ()))
        else ("$.columns" if isinstance(layout, CsvLayout) else "$.fields")
    )
    for prefix in needed:
        if not any(t == prefix or (prefix.endswith(".") and t.startswith(prefix)) for t in mapped):
            shown = f"{prefix}*" if prefix.endswith(".") else prefix
            error(
                where,
                f"nothing fills {shown!r}, which a {kind.tag} needs: map a column to it"
                + ("" if prefix.startswith("lines[]") else f" or set constants.{prefix}"),
            )
