"""Fields and models of the simulator's ORM: just enough of Odoo's to be a faithful double.

A :class:`Field` knows its type, label, whether it is required, its relation and, for a
one2many, the many2one on the other side (``inverse``). Defaults are values or functions of
the database (``lambda db: ...``) so a default can look something up (the stock location).
Computed fields (``display_name``, totals) have ``compute`` and are never stored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Field",
    "ModelDef",
    "boolean",
    "char",
    "date",
    "datetime",
    "floating",
    "html",
    "integer",
    "many2many",
    "many2one",
    "one2many",
    "selection",
]

Compute = Callable[[Any, dict[str, Any]], Any]  # (database, record) -> value


@dataclass(frozen=True)
class Field:
    type: str
    string: str
    required: bool = False
    readonly: bool = False
    relation: str | None = None
    inverse: str | None = None
    selection: tuple[tuple[str, str], ...] = ()
    default: Any = None
    compute: Compute | None = None
    ondelete: str = "set null"

    @property
    def relational(self) -> bool:
        return self.type in ("many2one", "one2many", "many2many")

    @property
    def x2many(self) -> bool:
        return self.type in ("one2many", "many2many")

    @property
    def stored(self) -> bool:
        return self.compute is None and self.type != "one2many"

    def empty(self) -> Any:
        if self.x2many:
            return []
        if self.type in ("integer", "float"):
            return 0
        return False

    def describe(self, name: str) -> dict[str, Any]:
        """This field as ``fields_get`` shows it."""
        out: dict[str, Any] = {
            "type": self.type,
            "string": self.string,
            "required": self.required,
            "readonly": self.readonly or self.compute is not None,
            "store": self.compute is None,
            "name": name,
        }
        if self.relation:
            out["relation"] = self.relation
        if self.inverse:
            out["relation_field"] = self.inverse
        if self.selection:
            out["selection"] = [list(pair) for pair in self.selection]
        return out


@dataclass(frozen=True)
class ModelDef:
    name: str
    description: str
    fields: Mapping[str, Field]
    rec_name: str = "name"
    order: str = "id"
    extra_search: tuple[str, ...] = field(default=())
    """More fields ``name_search`` looks in (``default_code`` and ``barcode`` of products)."""


def char(string: str, **kw: Any) -> Field:
    return Field("char", string, **kw)


def html(string: str, **kw: Any) -> Field:
    """Odoo's ``fields.Html``: markup kept as text (the simulator does not sanitize it)."""
    return Field("html", string, **kw)


def integer(string: str, **kw: Any) -> Field:
    return Field("integer", string, **kw)


def floating(string: str, **kw: Any) -> Field:
    return Field("float", string, **kw)


def boolean(string: str, **kw: Any) -> Field:
    return Field("boolean", string, **kw)


def date(string: str, **kw: Any) -> Field:
    return Field("date", string, **kw)


def datetime(string: str, **kw: Any) -> Field:
    return Field("datetime", string, **kw)


def selection(string: str, choices: tuple[tuple[str, str], ...], **kw: Any) -> Field:
    return Field("selection", string, selection=choices, **kw)


def many2one(relation: str, string: str, **kw: Any) -> Field:
    return Field("many2one", string, relation=relation, **kw)


def one2many(relation: str, inverse: str, string: str, **kw: Any) -> Field:
    return Field("one2many", string, relation=relation, inverse=inverse, **kw)


def many2many(relation: str, string: str, **kw: Any) -> Field:
    return Field("many2many", string, relation=relation, **kw)
