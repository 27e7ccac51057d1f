"""``model.load(fields, data)``: Odoo's import, the path to create-with-external-ID.

As Odoo does it (``BaseModel.load`` and ``ir.fields.converter``):

- a row whose record columns (not one2many sub-columns) are all empty continues the
  previous record: it carries one more line of each one2many;
- ``id`` is the record's external ID: found, the record is updated; not found, it is created
  and the external ID registered, in the same transaction. ``.id`` names a database id.
  An external ID without a module gets ``__import__``, as Odoo's import does;
- ``field/id`` and ``field/.id`` reference many2one targets by external or database id; a
  bare many2one column is matched on the display name;
- one2many lines with an external ID that exists are linked and updated; lines with an
  unknown external ID are created and the ID registered; lines without one are created,
  every time (so re-loading a record whose lines lack IDs duplicates them, as in Odoo);
- cells are text and converted by the field's type; empty means "not set";
- errors do not raise: each becomes a message ``{"type": "error", "message", "record",
  "rows", "field"}``, every change is rolled back and ``ids`` is ``False``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ._exceptions import OdooException, WrongArguments
from ._schema import Field

if TYPE_CHECKING:
    from ._orm import Database

__all__ = ["load"]

_TRUE = frozenset({"1", "true", "yes"})
_FALSE = frozenset({"0", "false", "no", ""})


class _Rollback(Exception):
    pass


class _CellError(Exception):
    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def _qualify(xid: str) -> str:
    return xid if "." in xid else f"__import__.{xid}"


def _empty(value: Any) -> bool:
    return value is None or value is False or value == ""


class _Record:
    def __init__(self, first_row: int) -> None:
        self.first_row = first_row
        self.last_row = first_row
        self.main: dict[str, Any] = {}
        self.lines: dict[str, list[dict[str, Any]]] = {}


def _group(db: Database, model: str, fields: list[str], data: list[list[Any]]) -> list[_Record]:
    spec = db.model(model).fields
    sub = [
        f.partition("/")[0] in spec and spec[f.partition("/")[0]].type == "one2many" and "/" in f
        for f in fields
    ]
    records: list[_Record] = []
    for index, row in enumerate(data):
        if not isinstance(row, list | tuple) or len(row) != len(fields):
            raise WrongArguments(f"row {index} has {len(row)} cells for {len(fields)} fields")
        starts = any(not sub[i] and not _empty(v) for i, v in enumerate(row))
        if starts or not records:
            records.append(_Record(index))
            records[-1].main = {f: v for f, v, s in zip(fields, row, sub, strict=True) if not s}
        current = records[-1]
        current.last_row = index
        lines: dict[str, dict[str, Any]] = {}
        for column, value, is_sub in zip(fields, row, sub, strict=True):
            if is_sub:
                name, _, rest = column.partition("/")
                lines.setdefault(name, {})[rest] = value
        for name, line in lines.items():
            if any(not _empty(v) for v in line.values()):
                current.lines.setdefault(name, []).append(line)
    return records


def _convert(db: Database, model: str, column: str, raw: Any) -> tuple[str, Any]:
    name, _, ref = column.partition("/")
    fields = db.model(model).fields
    if name not in fields:
        raise _CellError(f"Unknown field '{name}' for model {model}", name)
    spec = fields[name]
    if _empty(raw):
        return name, False
    if ref:
        return name, _reference(db, name, spec, ref, raw)
    if spec.type == "many2one":
        assert spec.relation is not None
        found = db.search(spec.relation, [["display_name", "=", str(raw)]], limit=1)
        if not found:
            raise _CellError(
                f"No matching record found for name '{raw}' in field '{spec.string}'", name
            )
        return name, found[0]
    if not isinstance(raw, str):
        return name, raw
    return name, _from_text(spec, name, raw)


def _values(db: Database, model: str, cells: dict[str, Any]) -> dict[str, Any]:
    """Converted values by field; of ``field/id`` and ``field/.id``, the one that is filled."""
    vals: dict[str, Any] = {}
    for column, raw in cells.items():
        if column in ("id", ".id"):
            continue
        name, value = _convert(db, model, column, raw)
        if name not in vals or value is not False:
            vals[name] = value
    return vals


def _reference(db: Database, name: str, spec: Field, ref: str, raw: Any) -> Any:
    if not spec.relational or spec.relation is None:
        raise _CellError(f"Field '{spec.string}' is not relational: '{name}/{ref}'", name)
    ids: list[int] = []
    for item in str(raw).split(","):
        item = item.strip()
        if ref == "id":
            found = db.xid_lookup(_qualify(item))
            if found is None or found[0] != spec.relation:
                raise _CellError(
                    f"No matching record found for external id '{item}' in field '{spec.string}'",
                    name,
                )
            ids.append(found[1])
        elif ref == ".id":
            if not item.isdigit() or int(item) not in db.table(spec.relation):
                raise _CellError(
                    f"No matching record found for database id '{item}' in field '{spec.string}'",
                    name,
                )
            ids.append(int(item))
        else:
            raise _CellError(f"Unknown sub-field '{ref}' of field '{spec.string}'", name)
    if spec.type == "many2one":
        return ids[0]
    return [(6, 0, ids)]


def _from_text(spec: Field, name: str, raw: str) -> Any:
    try:
        if spec.type == "integer":
            return int(raw)
        if spec.type == "float":
            return float(raw)
    except ValueError:
        raise _CellError(
            f"'{raw}' does not seem to be a number for field '{spec.string}'", name
        ) from None
    if spec.type == "boolean":
        lowered = raw.strip().lower()
        if lowered in _TRUE or lowered in _FALSE:
            return lowered in _TRUE
        raise _CellError(f"Unknown value '{raw}' for boolean field '{spec.string}'", name)
    if spec.type == "selection":
        for key, label in spec.selection:
            if raw == key or raw.lower() == label.lower():
                return key
        raise _CellError(f"Value '{raw}' not found in selection field '{spec.string}'", name)
    return raw


def _upsert(db: Database, model: str, record: _Record) -> int:
    vals = _values(db, model, record.main)
    xid = record.main.get("id")
    db_id = record.main.get(".id")
    if not _empty(xid):
        found = db.xid_lookup(_qualify(str(xid)))
        if found is not None and found[0] == model and found[1] in db.table(model):
            db.write(model, [found[1]], vals)
            record_id = found[1]
        else:
            record_id = db.create(model, vals)
            db.xid_register(_qualify(str(xid)), model, record_id)
    elif not _empty(db_id):
        record_id = int(str(db_id))
        db.write(model, [record_id], vals)
    else:
        record_id = db.create(model, vals)
    for name, lines in record.lines.items():
        spec = db.model(model).fields[name]
        assert spec.relation is not None and spec.inverse is not None
        for line in lines:
            _line(db, spec.relation, spec.inverse, record_id, line)
    return record_id


def _line(db: Database, comodel: str, inverse: str, parent_id: int, line: dict[str, Any]) -> None:
    vals = _values(db, comodel, line)
    vals[inverse] = parent_id
    xid, db_id = line.get("id"), line.get(".id")
    existing: int | None = None
    if not _empty(db_id):
        existing = int(str(db_id))
    elif not _empty(xid):
        found = db.xid_lookup(_qualify(str(xid)))
        existing = found[1] if found is not None and found[0] == comodel else None
    if existing is not None:
        db.write(comodel, [existing], vals)
        return
    line_id = db.create(comodel, vals)
    if not _empty(xid):
        db.xid_register(_qualify(str(xid)), comodel, line_id)


def load(db: Database, model: str, fields: Sequence[str], data: Sequence[Sequence[Any]]) -> Any:
    """Import ``data`` into ``model``; ``{"ids": [...] | False, "messages": [...]}``."""
    if not isinstance(fields, list | tuple) or not all(isinstance(f, str) for f in fields):
        raise WrongArguments("load() fields must be a list of column names")
    if not isinstance(data, list | tuple):
        raise WrongArguments("load() data must be a list of rows")
    records = _group(db, model, list(fields), [list(r) for r in data])
    ids: list[int] = []
    messages: list[dict[str, Any]] = []
    try:
        with db.transaction():
            for number, record in enumerate(records):
                try:
                    with db.transaction():  # Odoo's savepoint per record
                        ids.append(_upsert(db, model, record))
                except (_CellError, OdooException) as exc:
                    messages.append(
                        {
                            "type": "error",
                            "message": exc.message,
                            "record": number,
                            "rows": {"from": record.first_row, "to": record.last_row},
                            "field": getattr(exc, "field", None) or "",
                        }
                    )
            if messages:
                raise _Rollback
    except _Rollback:
        return {"ids": False, "messages": messages, "nextrow": 0}
    return {"ids": ids, "messages": [], "nextrow": 0}
