"""Reading side of the simulator's ORM: read, search, display names, relations.

``read`` answers as Odoo's does: many2one as ``[id, display_name]`` (or the bare id with
``load='_classic_write'``, which odoorpc asks for), x2many as lists of ids, computed fields
computed on the fly. ``search`` filters with :mod:`._domain`, hides archived records unless
the domain mentions ``active`` or the context says ``active_test: False``, sorts by the
model's ``_order`` or the ``order`` argument, then applies offset and limit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from ._domain import evaluate, parse
from ._exceptions import WrongArguments

if TYPE_CHECKING:
    from ._schema import ModelDef

__all__ = ["Query"]

Vals = dict[str, Any]
_LOG_FIELDS = ("id", "create_date", "write_date")
"""Columns every model has (Odoo's magic fields): readable, searchable and sortable."""


class Query:
    models: dict[str, ModelDef]
    _tables: dict[str, dict[int, Vals]]

    def ensure(self, model: str, ids: Iterable[int]) -> list[int]:
        raise NotImplementedError

    def table(self, model: str) -> dict[int, Vals]:
        raise NotImplementedError

    def _indexed(self, model: str, domain: Any) -> list[int] | None:
        """Ids that may match ``domain`` (a superset), from an index; None: scan the table."""
        return None

    # -- relations ---------------------------------------------------------------------

    def children(self, model: str, inverse: str, parent_id: int) -> list[Vals]:
        """The records of ``model`` whose many2one ``inverse`` is ``parent_id``, in order."""
        rows = [row for row in self._tables[model].values() if row.get(inverse) == parent_id]
        return self._sorted(model, rows, None)

    def related_ids(self, model: str, record_id: int, name: str) -> list[int]:
        spec = self.models[model].fields[name]
        if spec.type == "one2many":
            assert spec.relation is not None and spec.inverse is not None
            return [row["id"] for row in self.children(spec.relation, spec.inverse, record_id)]
        if spec.type == "many2many":
            assert spec.relation is not None
            table = self._tables[spec.relation]
            rows = [table[i] for i in self._tables[model][record_id][name] if i in table]
            return [row["id"] for row in self._sorted(spec.relation, rows, None)]
        value = self._tables[model][record_id].get(name)
        return [value] if value else []

    def display_name(self, model: str, record_id: int) -> str:
        row = self._tables[model].get(record_id)
        if row is None:
            return f"{model},{record_id}"
        if model == "product.product" and row.get("default_code"):
            return f"[{row['default_code']}] {row['name']}"
        if model == "stock.picking.type" and row.get("warehouse_id"):
            return f"{self.display_name('stock.warehouse', row['warehouse_id'])}: {row['name']}"
        if model == "res.partner" and row.get("parent_id"):
            return f"{self.display_name(model, row['parent_id'])}, {row['name']}"
        definition = self.models[model]
        value = row.get(definition.rec_name)
        spec = definition.fields.get(definition.rec_name)
        if spec is not None and spec.type == "many2one" and value:
            assert spec.relation is not None
            return self.display_name(spec.relation, value)
        return str(value) if value else f"{model},{record_id}"

    # -- read --------------------------------------------------------------------------

    def field_names(self, model: str) -> list[str]:
        return list(self.models[model].fields)

    def read(
        self,
        model: str,
        ids: Iterable[int],
        fields: Sequence[str] | None = None,
        load: str | None = "_classic_read",
    ) -> list[Vals]:
        wanted = self.ensure(model, ids)
        names = list(fields) if fields else [*self.field_names(model), "display_name"]
        definition = self.models[model]
        for name in names:
            if name not in definition.fields and name not in (
                "id",
                "display_name",
                "create_date",
                "write_date",
            ):
                raise WrongArguments(f"Invalid field {name!r} on model {model!r}", value_error=True)
        return [self._row(model, record_id, names, load) for record_id in wanted]

    def _row(self, model: str, record_id: int, names: list[str], load: str | None) -> Vals:
        record = self._tables[model][record_id]
        fields = self.models[model].fields
        out: Vals = {"id": record_id}
        for name in names:
            if name == "id":
                continue
            if name == "display_name":
                out[name] = self.display_name(model, record_id)
                continue
            if name in ("create_date", "write_date"):
                # Stored as PostgreSQL does (microseconds, if the clock gives them); the API
                # shows whole seconds, as Odoo's datetime fields do.
                out[name] = record[name][:19] if isinstance(record[name], str) else record[name]
                continue
            spec = fields[name]
            if spec.compute is not None:
                out[name] = spec.compute(self, record)
            elif spec.x2many:
                out[name] = self.related_ids(model, record_id, name)
            elif spec.type == "many2one":
                value = record.get(name) or False
                if value and load != "_classic_write":
                    assert spec.relation is not None
                    out[name] = [value, self.display_name(spec.relation, value)]
                else:
                    out[name] = value
            else:
                out[name] = record.get(name, spec.empty())
        return out

    # -- search ------------------------------------------------------------------------

    def _value(self, model: str, record: Vals, path: str, by_name: bool) -> Any:
        """A domain leaf's value: follow ``a.b.c`` through relations."""
        rows: list[tuple[str, Vals]] = [(model, record)]
        many = False
        parts = path.split(".")
        for depth, name in enumerate(parts):
            last = depth == len(parts) - 1
            values: list[Any] = []
            next_rows: list[tuple[str, Vals]] = []
            for current_model, row in rows:
                if name == "id":
                    values.append(row["id"])
                    continue
                fields = self.models[current_model].fields
                if name not in fields and name not in ("display_name", "create_date", "write_date"):
                    raise WrongArguments(
                        f"Invalid field {current_model}.{name} in leaf {path!r}",
                        value_error=True,
                    )
                if name == "display_name":
                    values.append(self.display_name(current_model, row["id"]))
                    continue
                if name in ("create_date", "write_date"):
                    values.append(row[name])
                    continue
                spec = fields[name]
                if spec.compute is not None:
                    values.append(spec.compute(self, row))
                    continue
                if not spec.relational:
                    values.append(row.get(name, spec.empty()))
                    continue
                assert spec.relation is not None
                related = self.related_ids(current_model, row["id"], name)
                many = many or spec.x2many
                if last:
                    if by_name:
                        values.extend(self.display_name(spec.relation, i) for i in related)
                    elif spec.x2many:
                        values.extend(related)
                    else:
                        values.append(related[0] if related else False)
                else:
                    table = self._tables[spec.relation]
                    next_rows.extend((spec.relation, table[i]) for i in related if i in table)
            if last:
                if many:
                    return values
                return values[0] if values else False
            rows = next_rows
        return False

    def search(
        self,
        model: str,
        domain: Any = None,
        offset: int = 0,
        limit: int | None = None,
        order: str | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> list[int]:
        try:
            tree = parse(domain)
        except ValueError as exc:  # Odoo answers a bad domain with its ValueError
            raise WrongArguments(str(exc), value_error=True) from None
        definition = self.models[model]
        hide_archived = (
            "active" in definition.fields
            and (context or {}).get("active_test", True)
            and not _mentions(domain, "active")
        )
        table = self.table(model)
        candidates = self._indexed(model, domain)
        records = table.values() if candidates is None else [table[i] for i in candidates]
        found = []
        for record in records:
            if hide_archived and not record.get("active"):
                continue
            if evaluate(tree, partial(self._value, model, record)):
                found.append(record)
        ordered = self._sorted(model, found, order)
        ids = [row["id"] for row in ordered]
        end = None if limit is None or limit is False else offset + int(limit)
        return ids[int(offset or 0) : end]

    def _sorted(self, model: str, rows: list[Vals], order: str | None) -> list[Vals]:
        spec = order or self.models[model].order
        keys: list[tuple[str, bool]] = []
        for part in spec.split(","):
            words = part.split()
            if not words:
                continue
            name = words[0]
            if name not in _LOG_FIELDS and name not in self.models[model].fields:
                raise WrongArguments(f"Invalid field {name!r} in order {spec!r}", value_error=True)
            keys.append((name, len(words) > 1 and words[1].lower() == "desc"))
        result = list(rows)
        for name, descending in reversed(keys):
            result.sort(key=partial(_field_key, name), reverse=descending)
        return result


def _field_key(name: str, row: Vals) -> tuple[int, Any]:
    return _sort_key(row.get(name))


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None or value is False:
        return (1, 0)  # NULLs last, as PostgreSQL sorts ascending
    if isinstance(value, int | float):
        return (0, value)
    return (0, str(value))


def _mentions(domain: Any, name: str) -> bool:
    if not isinstance(domain, list | tuple):
        return False
    return any(
        isinstance(term, list | tuple) and len(term) == 3 and term[0] == name for term in domain
    )
