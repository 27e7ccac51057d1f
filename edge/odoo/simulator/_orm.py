"""The simulator's in-memory ORM: tables of records, Odoo's write semantics, transactions.

Records are plain dicts and are never changed in place: a write puts a new dict in the
table. A transaction is then a journal of the records it replaced (or their absence), undone
backwards if the call raises, which is what "one call is one database transaction" needs;
a savepoint is a position in that journal. Why a journal and not a copy of every table: the
copy cost grew with the database (every call copied every record's reference), so a server
with thousands of orders spent most of each call copying.

External IDs are indexed (:mod:`._xids`), kept exact by the only two functions that change a
table (:meth:`Database._put`, :meth:`Database._drop`), which the undo goes through too.

Write semantics follow Odoo's: defaults, type checks, required fields (a ValidationError
worded as Odoo's not-null error), many2one targets that must exist, x2many commands
``(0, 0, vals) (1, id, vals) (2, id) (3, id) (4, id) (5,) (6, 0, ids)`` (and a plain list of
ids for many2many), ``ondelete`` cascade / set null on unlink, and the external IDs of
deleted records removed with them. Reading, searching and display names are in
:mod:`._query`; model-specific behaviour (sequences, constraints) is hooked in by
:mod:`._business`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ._exceptions import MissingError, NotFound, ValidationError, WrongArguments
from ._models import MODELS
from ._query import Query
from ._schema import Field, ModelDef
from ._xids import XID_MODEL, XidIndex

__all__ = ["Database", "ModelHooks"]

Vals = dict[str, Any]
_MAGIC = ("id", "display_name", "create_date", "write_date")


@dataclass
class ModelHooks:
    """Model-specific behaviour: value preparation before create/write, checks after."""

    prepare_create: list[Callable[[Database, Vals], Vals]] = field(default_factory=list)
    prepare_write: list[Callable[[Database, list[int], Vals], Vals]] = field(default_factory=list)
    check: list[Callable[[Database, list[int]], None]] = field(default_factory=list)


def _utc_now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


class Database(Query):
    """One simulated Odoo database."""

    def __init__(
        self, models: Mapping[str, ModelDef] = MODELS, *, now: Callable[[], str] = _utc_now
    ) -> None:
        self.models = dict(models)
        self.now = now
        self.hooks: dict[str, ModelHooks] = {name: ModelHooks() for name in self.models}
        self.uid = 1
        """The user of the call in progress, for Odoo's wording of errors."""
        self._tables: dict[str, dict[int, Vals]] = {name: {} for name in self.models}
        self._next: dict[str, int] = dict.fromkeys(self.models, 1)
        self._sequences: dict[str, int] = {}
        self._journal: list[tuple[str, int, Vals | None]] | None = None
        """While a transaction is open: (model, id, the record before or None), in order."""
        self._xids = XidIndex()

    # -- tables ------------------------------------------------------------------------

    def model(self, name: str) -> ModelDef:
        try:
            return self.models[name]
        except KeyError:
            raise NotFound(f"Object {name} doesn't exist") from None

    def table(self, model: str) -> dict[int, Vals]:
        self.model(model)
        return self._tables[model]

    def first_id(self, model: str) -> int | bool:
        table = self.table(model)
        return min(table) if table else False

    def counts(self) -> dict[str, int]:
        return {name: len(table) for name, table in self._tables.items()}

    def next_sequence(self, code: str, prefix: str, padding: int = 5) -> str:
        number = self._sequences.get(code, 0) + 1
        self._sequences[code] = number
        return f"{prefix}{number:0{padding}d}"

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything inside commits together or not at all (nested: a savepoint)."""
        outer = self._journal is None
        if outer:
            self._journal = []
        assert self._journal is not None
        mark = len(self._journal)
        saved = dict(self._next), dict(self._sequences)
        try:
            yield
        except BaseException:
            self._undo(mark)
            self._next, self._sequences = saved
            raise
        finally:
            if outer:
                self._journal = None

    def _undo(self, mark: int) -> None:
        journal = self._journal
        assert journal is not None
        reordered: set[str] = set()
        while len(journal) > mark:
            model, record_id, before = journal.pop()
            table = self._tables[model]
            if before is None:
                self._index(model, table.pop(record_id, None), None)
            else:
                if record_id not in table:
                    reordered.add(model)
                self._index(model, table.get(record_id), before)
                table[record_id] = before
        for model in reordered:  # a deletion undone: tables stay in id order, as they were
            table = self._tables[model]
            rows = sorted(table.items())
            table.clear()
            table.update(rows)

    def _put(self, model: str, record_id: int, record: Vals) -> None:
        """The one way a record is created or replaced (journaled, indexed)."""
        table = self._tables[model]
        before = table.get(record_id)
        if self._journal is not None:
            self._journal.append((model, record_id, before))
        table[record_id] = record
        self._index(model, before, record)

    def _drop(self, model: str, record_id: int) -> None:
        """The one way a record is deleted (journaled, indexed)."""
        before = self._tables[model].pop(record_id, None)
        if before is None:
            return
        if self._journal is not None:
            self._journal.append((model, record_id, before))
        self._index(model, before, None)

    def _index(self, model: str, before: Vals | None, after: Vals | None) -> None:
        if model == XID_MODEL:
            self._xids.update(before, after)

    def xid_rows(self, module: str, name: str) -> list[int]:
        """The ``ir.model.data`` ids named ``module.name`` (one, or none; two only while a
        create is being refused by the uniqueness check)."""
        return self._xids.rows(module, name)

    def _indexed(self, model: str, domain: Any) -> list[int] | None:
        return self._xids.candidates(domain) if model == XID_MODEL else None

    def ensure(self, model: str, ids: Iterable[int]) -> list[int]:
        table = self.table(model)
        wanted = list(ids)
        for record_id in wanted:
            if isinstance(record_id, bool) or not isinstance(record_id, int):
                raise WrongArguments(f"record ids are integers, got {record_id!r}")
        missing = [i for i in wanted if i not in table]
        if missing:
            shown = ", ".join(str(i) for i in missing)
            raise MissingError(
                "Record does not exist or has been deleted.\n"
                f"(Record: {model}({shown},), User: {self.uid})"
            )
        return wanted

    # -- values ------------------------------------------------------------------------

    def _field(self, model: str, name: str) -> Field:
        try:
            return self.models[model].fields[name]
        except KeyError:
            raise WrongArguments(
                f"Invalid field {name!r} on model {model!r}", value_error=True
            ) from None

    def _convert(self, model: str, name: str, spec: Field, value: Any) -> Any:
        wrong = WrongArguments(f"Wrong value for {model}.{name}: {value!r}", value_error=True)
        if value is None:
            value = False
        kind = spec.type
        if kind in ("char", "text", "html", "date", "datetime"):
            if value is False or isinstance(value, str):
                return value
            if isinstance(value, int | float) and not isinstance(value, bool):
                return str(value)
            raise wrong
        if kind == "integer":
            if value is False:
                return 0
            if isinstance(value, int) and not isinstance(value, bool):
                return value
            raise wrong
        if kind == "float":
            if value is False:
                return 0.0
            if isinstance(value, int | float) and not isinstance(value, bool):
                return float(value)
            raise wrong
        if kind == "boolean":
            return bool(value)
        if kind == "selection":
            if value is False or value in {key for key, _ in spec.selection}:
                return value
            raise wrong
        if kind == "many2one":
            if value is False:
                return False
            if isinstance(value, int) and not isinstance(value, bool):
                assert spec.relation is not None
                if value not in self.table(spec.relation):
                    raise ValidationError(
                        "The operation cannot be completed: another model requires the record "
                        "being deleted, or a record refers to one that does not exist.\n\n"
                        f"Model: {self.models[model].description} ({model})\n"
                        f"Field: {spec.string} ({name}), value: {value}"
                    )
                return value
            raise wrong
        raise wrong

    def _missing_required(self, model: str, name: str) -> ValidationError:
        spec = self.models[model].fields[name]
        return ValidationError(
            "The operation cannot be completed:\n"
            "- Create/update: a mandatory field is not set.\n"
            "- Delete: another model requires the record being deleted. "
            "If possible, archive it instead.\n\n"
            f"Model: {self.models[model].description} ({model})\n"
            f"Field: {spec.string} ({name})"
        )

    def _split(self, model: str, vals: Mapping[str, Any]) -> tuple[Vals, Vals]:
        """Plain values converted, and x2many commands kept for after the write."""
        plain: Vals = {}
        commands: Vals = {}
        for name, value in vals.items():
            if name in _MAGIC:
                continue
            spec = self._field(model, name)
            if spec.compute is not None:
                continue  # Odoo ignores values for non-stored computed fields
            if spec.x2many:
                commands[name] = value
            else:
                plain[name] = self._convert(model, name, spec, value)
        return plain, commands

    # -- create / write / unlink ------------------------------------------------------

    def create(self, model: str, vals: Mapping[str, Any]) -> int:
        definition = self.model(model)
        if not isinstance(vals, Mapping):
            raise WrongArguments(f"create() takes a dict of values, got {type(vals).__name__}")
        prepared: Vals = dict(vals)
        for hook in self.hooks[model].prepare_create:
            prepared = hook(self, prepared)
        for name, spec in definition.fields.items():
            if name not in prepared and spec.stored and spec.default is not None:
                prepared[name] = spec.default(self) if callable(spec.default) else spec.default
        plain, commands = self._split(model, prepared)
        record: Vals = {n: s.empty() for n, s in definition.fields.items() if s.stored}
        record.update(plain)
        for name, spec in definition.fields.items():
            if spec.required and spec.stored and record.get(name) in (False, None, ""):
                raise self._missing_required(model, name)
        record_id = self._next[model]
        self._next[model] = record_id + 1
        now = self.now()
        record.update(id=record_id, create_date=now, write_date=now)
        self._put(model, record_id, record)
        for name, value in commands.items():
            self._apply_commands(model, record_id, name, value)
        for check in self.hooks[model].check:
            check(self, [record_id])
        return record_id

    def write(self, model: str, ids: Iterable[int], vals: Mapping[str, Any]) -> bool:
        definition = self.model(model)
        wanted = self.ensure(model, ids)
        if not isinstance(vals, Mapping):
            raise WrongArguments(f"write() takes a dict of values, got {type(vals).__name__}")
        prepared: Vals = dict(vals)
        for hook in self.hooks[model].prepare_write:
            prepared = hook(self, wanted, prepared)
        plain, commands = self._split(model, prepared)
        for name in plain:
            if definition.fields[name].required and plain[name] in (False, None, ""):
                raise self._missing_required(model, name)
        table = self._tables[model]
        now = self.now()
        for record_id in wanted:
            self._put(model, record_id, {**table[record_id], **plain, "write_date": now})
            for name, value in commands.items():
                self._apply_commands(model, record_id, name, value)
        for check in self.hooks[model].check:
            check(self, wanted)
        return True

    def unlink(self, model: str, ids: Iterable[int]) -> bool:
        wanted = self.ensure(model, ids)
        doomed = set(wanted)
        for record_id in wanted:
            self._drop(model, record_id)
        for other, definition in self.models.items():
            for name, spec in definition.fields.items():
                if spec.relation != model or not spec.stored:
                    continue
                self._release(other, name, spec, doomed)
        for record_id in doomed:
            for xid_id in self._xids.rows_of(model, record_id):
                self._drop(XID_MODEL, xid_id)
        return True

    def _release(self, model: str, name: str, spec: Field, doomed: set[int]) -> None:
        """Whatever referred to deleted records: cascade, set null, or refuse."""
        table = self._tables[model]
        if spec.type == "many2many":
            for rid, row in list(table.items()):
                if doomed & set(row[name]):
                    self._put(model, rid, {**row, name: [i for i in row[name] if i not in doomed]})
            return
        referring = [rid for rid, row in table.items() if row.get(name) in doomed]
        if not referring:
            return
        if spec.ondelete == "cascade":
            self.unlink(model, referring)
        elif spec.required:
            raise self._missing_required(model, name)
        else:
            for rid in referring:
                self._put(model, rid, {**table[rid], name: False})

    def _apply_commands(self, model: str, record_id: int, name: str, value: Any) -> None:
        spec = self.models[model].fields[name]
        comodel = spec.relation
        assert comodel is not None
        if value is False or value is None:
            value = [(5,)]
        if not isinstance(value, list | tuple):
            raise WrongArguments(f"Wrong value for {model}.{name}: {value!r}", value_error=True)
        if value and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            value = [(6, 0, list(value))]  # a bare list of ids, as Odoo accepts
        for command in value:
            self._command(model, record_id, name, spec, comodel, command)

    def _command(
        self, model: str, record_id: int, name: str, spec: Field, comodel: str, command: Any
    ) -> None:
        if not isinstance(command, list | tuple) or not command or command[0] not in range(7):
            raise WrongArguments(
                f"Invalid x2many command {command!r} for {model}.{name}", value_error=True
            )
        code = command[0]
        arg = command[1] if len(command) > 1 else 0
        vals = command[2] if len(command) > 2 else None
        if code == 0:
            values = dict(vals or {})
            if spec.type == "one2many":
                assert spec.inverse is not None
                values[spec.inverse] = record_id
                self.create(comodel, values)
            else:
                self._link(model, record_id, name, [self.create(comodel, values)])
        elif code == 1:
            self.write(comodel, [arg], dict(vals or {}))
        elif code == 2:
            self.unlink(comodel, [arg])
        elif code == 3:
            self._unlink_relation(model, record_id, name, spec, comodel, [arg])
        elif code == 4:
            self.ensure(comodel, [arg])
            self._link(model, record_id, name, [arg])
        elif code == 5:
            current = self.related_ids(model, record_id, name)
            self._unlink_relation(model, record_id, name, spec, comodel, current)
        else:
            ids = [int(i) for i in (vals or [])]
            self.ensure(comodel, ids)
            current = self.related_ids(model, record_id, name)
            gone = [i for i in current if i not in ids]
            self._unlink_relation(model, record_id, name, spec, comodel, gone)
            self._link(model, record_id, name, ids)

    def _link(self, model: str, record_id: int, name: str, ids: list[int]) -> None:
        spec = self.models[model].fields[name]
        if spec.type == "one2many":
            assert spec.relation is not None and spec.inverse is not None
            self.write(spec.relation, ids, {spec.inverse: record_id})
            return
        row = self._tables[model][record_id]
        merged = list(row[name]) + [i for i in ids if i not in row[name]]
        self._put(model, record_id, {**row, name: merged})

    def _unlink_relation(
        self, model: str, record_id: int, name: str, spec: Field, comodel: str, ids: list[int]
    ) -> None:
        if not ids:
            return
        if spec.type == "one2many":
            assert spec.inverse is not None
            inverse = self.models[comodel].fields[spec.inverse]
            if inverse.ondelete == "cascade" or inverse.required:
                self.unlink(comodel, ids)
            else:
                self.write(comodel, ids, {spec.inverse: False})
            return
        row = self._tables[model][record_id]
        self._put(model, record_id, {**row, name: [i for i in row[name] if i not in ids]})

    # -- external ids ------------------------------------------------------------------

    def xid_lookup(self, xid: str) -> tuple[str, int] | None:
        module, _, name = xid.partition(".")
        for xid_id in self.xid_rows(module, name):
            row = self._tables[XID_MODEL][xid_id]
            return row["model"], row["res_id"]
        return None

    def xid_register(self, xid: str, model: str, res_id: int) -> int:
        module, _, name = xid.partition(".")
        return self.create(
            "ir.model.data", {"module": module, "name": name, "model": model, "res_id": res_id}
        )
