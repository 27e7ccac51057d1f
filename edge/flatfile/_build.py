"""From rows to canonical documents: grouping, building, and the contracts' own validation.

Grouping: in a file of one record type, rows that share the document key (``order_number``,
``shipment_id``...) form one document, in the order keys first appear; a layout that maps no
key makes the whole file one document, named by ``constants`` or else by the file's stem. In
a header / detail / trailer file each header starts a document and the details that follow
are its lines; a trailer checks ``control.line_count`` and closes it.

Header values may repeat on every row (as exports write them); a row that repeats one with a
different value is an error, not a silent "first wins". A row whose line values are all empty
carries header values only (a summary row) and adds no line.

Building: the cells are put into a dict shaped like the contract, then converted with
``msgspec.convert`` into the document's Struct, so every constraint of the contract applies.
Lines are converted one by one first, so a file with bad values in five lines reports five
errors. A constraint failure names the contract path and, through the provenance of every
value, the row and column it came from.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import msgspec

from contracts import Document, Package

from ._errors import CONFLICT, CONTRACT, CONTROL, MISSING, NO_HEADER_RECORD, RowError
from ._plan import Plan
from ._read import Cell, RawRow
from ._targets import finish, put

__all__ = ["Draft", "assemble", "build"]

_AT = re.compile(r"^(?P<msg>.*) - at `(?P<path>\$[^`]*)`$", re.DOTALL)
_MISSING_FIELD = re.compile(r"^Object missing required field `(?P<name>[^`]+)`$")


class Draft:
    """The rows of one document, before it is built."""

    def __init__(self, key: str | None, first_row: int) -> None:
        self.key = key
        self.first_row = first_row
        self.rows: list[int] = []
        self.header: dict[str, tuple[int, Cell]] = {}
        self.lines: list[tuple[int, list[Cell]]] = []
        self.packages: list[tuple[int, list[Cell]]] = []
        self.errors: list[RowError] = []
        self.closed = False
        self.details = 0

    def add(self, raw: RawRow) -> None:
        self.rows.append(raw.row)
        if raw.role == "detail":
            self.details += 1
        if raw.errors:
            self.errors.extend(e if e.document else _with_document(e, self.key) for e in raw.errors)
            return
        lines: list[Cell] = []
        packages: list[Cell] = []
        header = self.header
        for cell in raw.cells:
            scope = cell.target.scope
            if scope == "line":
                lines.append(cell)
            elif scope == "package":
                packages.append(cell)
            elif scope == "header":
                seen = header.get(cell.target.text)
                if seen is None:
                    header[cell.target.text] = (raw.row, cell)
                elif seen[1].value != cell.value:
                    self._conflict(raw.row, cell, seen)
        if lines:
            self.lines.append((raw.row, lines))
        if packages:
            self.packages.append((raw.row, packages))

    def _conflict(self, row: int, cell: Cell, seen: tuple[int, Cell]) -> None:
        self.errors.append(
            _cell_error(
                row,
                cell,
                code=CONFLICT,
                expected=f"{seen[1].raw!r} as in row {seen[0]}: the rows of one document "
                f"must agree on {cell.target.text}",
                document=self.key,
            )
        )


def _with_document(error: RowError, key: str | None) -> RowError:
    return msgspec.structs.replace(error, document=key) if key else error


def _cell_error(row: int, cell: Cell, **fields: Any) -> RowError:
    fixed = cell.slot.end > 0
    return RowError(
        row=row,
        column=cell.slot.label,
        column_number=None if fixed else cell.number,
        offset=cell.number if fixed else None,
        value=cell.raw,
        **fields,
    )


def file_stem(source: str) -> str:
    """``inbox/STOCK-0301.csv`` -> ``STOCK-0301``: the name of a file-wide document."""
    name = re.split(r"[\\/]", source)[-1]
    stem = name.rsplit(".", 1)[0] if "." in name[1:] else name
    return stem or name or "file"


def assemble(rows: list[RawRow], plan: Plan, source: str) -> tuple[list[Draft], list[RowError]]:
    """Group ``rows`` into drafts; also return the errors no document can own."""
    if plan.multi:
        return _assemble_records(rows, plan, source)
    key_slot = next((s for r in plan.records for s in r.slots if s.target == plan.key), None)
    constant = next((v for t, v in plan.constants if t == plan.key), None)
    drafts: dict[str, Draft] = {}
    loose: list[RowError] = []
    for raw in rows:
        if key_slot is None:
            key = str(constant) if constant is not None else file_stem(source)
        else:
            cell = raw.cell(plan.key.text)
            if cell is None:
                loose.extend(raw.errors)
                if not raw.errors:
                    loose.append(
                        RowError(
                            row=raw.row,
                            code=MISSING,
                            column=key_slot.label,
                            column_number=None if key_slot.end else key_slot.number,
                            offset=key_slot.number if key_slot.end else None,
                            value="",
                            expected=f"the document key {plan.key.text}: it says which "
                            "document the row belongs to",
                        )
                    )
                continue
            key = str(cell.value)
        draft = drafts.get(key)
        if draft is None:
            draft = drafts[key] = Draft(key, raw.row)
        draft.add(raw)
    return list(drafts.values()), loose


def _assemble_records(
    rows: list[RawRow], plan: Plan, source: str
) -> tuple[list[Draft], list[RowError]]:
    drafts: list[Draft] = []
    loose: list[RowError] = []
    current: Draft | None = None
    open_from = 0  # the first draft after the last trailer
    constant = next((v for t, v in plan.constants if t == plan.key), None)
    key_mapped = any(s.target == plan.key for r in plan.records for s in r.slots)
    for raw in rows:
        if raw.role == "ignore":
            continue
        if raw.role == "header":
            cell = raw.cell(plan.key.text)
            if cell is not None:
                key = str(cell.value)
            elif constant is not None:
                key = str(constant)
            elif key_mapped:
                key = None  # the header's key is empty: the contract will say so
            else:
                key = file_stem(source)
            current = Draft(key, raw.row)
            drafts.append(current)
            current.add(raw)
        elif current is None or current.closed:
            if raw.role is not None:
                what = "a trailer" if raw.role == "trailer" else "a detail record"
                loose.append(
                    RowError(
                        row=raw.row,
                        code=NO_HEADER_RECORD,
                        expected=f"a header record before {what}",
                    )
                )
            loose.extend(raw.errors)
        elif raw.role == "trailer":
            current.rows.append(raw.row)
            current.errors.extend(raw.errors)
            details = sum(d.details for d in drafts[open_from:])
            for cell in raw.cells:
                if cell.target.text == "control.line_count" and cell.value != details:
                    current.errors.append(
                        _cell_error(
                            raw.row,
                            cell,
                            code=CONTROL,
                            expected=f"{details}: the detail records since the previous trailer",
                            document=current.key,
                        )
                    )
            current.closed = True
            open_from = len(drafts)
        else:
            current.add(raw)
    return drafts, loose


def build(draft: Draft, plan: Plan) -> tuple[Document | None, list[RowError]]:
    """The document ``draft`` stands for, or None and every error found on the way."""
    kind = plan.kind
    errors = list(draft.errors)
    provenance: dict[str, tuple[int, Cell]] = {}
    doc: dict[str, Any] = copy.deepcopy(kind.base)
    doc["lines"] = []
    if draft.key is not None and plan.key.text not in draft.header:
        put(doc, plan.key.steps, draft.key)
    for row, cell in draft.header.values():
        provenance["$" + put(doc, cell.target.steps, cell.value)] = (row, cell)
    for target, value in plan.constants:
        if target.scope == "header" and target.text not in draft.header:
            put(doc, target.steps, value)
    currency = doc.get("currency")
    if currency and isinstance(doc.get("payout"), dict) and "payout" in kind.currency:
        doc["payout"].setdefault("currency", currency)

    for i, (row, cells) in enumerate(draft.lines):
        line = _part(cells, f"$.lines[{i}]", provenance, row)
        for target, value in plan.constants:
            if target.scope == "line" and all(c.target != target for c in cells):
                put(line, target.steps, value)
        if kind.numbered:
            line.setdefault("line_no", i + 1)
        for money in kind.currency:
            name = money.removeprefix("lines[].")
            if money.startswith("lines[].") and currency and isinstance(line.get(name), dict):
                line[name].setdefault("currency", currency)
        assert kind.line is not None
        errors += _validate(line, kind.line, f"$.lines[{i}]", provenance, row, draft, plan)[1]
        doc["lines"].append(line)
    packages: list[dict[str, Any]] = []
    for row, cells in draft.packages:
        prefix = f"$.packages[{len(packages)}]"
        package = _part(cells, prefix, provenance, row)
        if package in packages:
            continue
        errors += _validate(package, Package, prefix, provenance, row, draft, plan)[1]
        packages.append(package)
    if packages:
        doc["packages"] = packages
    if errors:
        return None, errors
    for key, value in doc.items():
        if key not in ("lines", "packages"):  # only header values hold street lines
            doc[key] = finish(value)
    document, errors = _validate(doc, kind.document, "$", provenance, draft.first_row, draft, plan)
    return document, errors  # type: ignore[return-value]


def _part(
    cells: list[Cell], prefix: str, provenance: dict[str, tuple[int, Cell]], row: int
) -> dict[str, Any]:
    part: dict[str, Any] = {}
    for cell in cells:
        provenance[prefix + put(part, cell.target.steps, cell.value)] = (row, cell)
    return part


def _validate(
    value: object,
    schema: type[msgspec.Struct],
    prefix: str,
    provenance: dict[str, tuple[int, Cell]],
    row: int,
    draft: Draft,
    plan: Plan,
) -> tuple[msgspec.Struct | None, list[RowError]]:
    """``value`` converted to ``schema`` by the contract's own rules, or the error located."""
    try:
        return msgspec.convert(value, schema), []
    except msgspec.ValidationError as exc:
        return None, [_locate(str(exc), prefix, provenance, row, draft, plan)]


def _locate(
    text: str,
    prefix: str,
    provenance: dict[str, tuple[int, Cell]],
    row: int,
    draft: Draft,
    plan: Plan,
) -> RowError:
    """The row and column behind msgspec's error ``text`` (about ``prefix``-relative data)."""
    match = _AT.match(text)
    message, relative = (match["msg"], match["path"]) if match else (text, "$")
    path = prefix + relative[1:]
    missing = _MISSING_FIELD.match(message)
    if missing:
        path += f".{missing['name']}"
        expected = f"a value for {path.removeprefix('$.')} (the contract requires one)"
    elif path == "$.lines" and "length >=" in message:
        expected = "at least one line (a row whose line columns are all empty adds none)"
    else:
        expected = f"what the contract accepts: {message}"
    found = provenance.get(path)
    if found is None:
        children = sorted(k for k in provenance if k.startswith((path + ".", path + "[")))
        # "value must be >= 0" about $.lines[0].quantity: the value's column, not the unit's.
        children.sort(key=lambda k: k.rsplit(".", 1)[-1] not in message)
        parents = sorted((k for k in provenance if path.startswith(k)), key=len)
        chosen = children[0] if children else (parents[-1] if parents else None)
        found = provenance.get(chosen) if chosen else None
    if found is not None:
        at, cell = found
        return _cell_error(
            at, cell, code=CONTRACT, expected=expected, path=path, document=draft.key
        )
    # Nothing filled the value: point at the column that should have, if the layout has one.
    template = re.sub(r"\[\d+\]", "[]", path.removeprefix("$."))
    slot = next(
        (
            s
            for r in plan.records
            for s in r.slots
            if s.target and (s.target.text == template or s.target.text.startswith(template + "."))
        ),
        None,
    )
    fixed = slot is not None and slot.end > 0
    return RowError(
        row=row,
        code=CONTRACT,
        column=slot.label if slot else None,
        column_number=slot.number if slot and not fixed and slot.number else None,
        offset=slot.number if slot and fixed else None,
        expected=expected,
        path=path,
        document=draft.key,
    )
