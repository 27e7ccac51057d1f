"""Values -> the ``fields`` and ``rows`` of one ``model.load`` call (Odoo's import path).

``load`` creates or updates a record and its external ID in one transaction, which is what
makes a create retryable. Its input is a table, as an import file would be:

- the ``id`` column holds the record's external ID;
- a many2one is a ``field/id`` column (an external ID) or a ``field/.id`` column (a database
  id). Callers say which with :class:`ExternalId` or :class:`DbId`: an ``int`` alone could
  be an integer field or a record id, and guessing would be a silent bug;
- a one2many (order lines) is a set of ``field/sub`` columns; its first line shares the
  record's row, the next lines come on rows whose record columns are empty. Each line gets
  its own external ID (``field/id``), or a re-load would add the lines a second time;
- cells are text, as in a file: ``None`` -> empty (not set), ``True``/``False`` -> ``1``/``0``,
  numbers -> their shortest exact repr, strings as they are.

Sale orders (:class:`SaleOrderDraft`) reference partners, products and units either way:
by external ID when those records are mastered with one (``crossdock.`` or the partner's
own module), by database id when the gateway resolved them first (a product found by its
``default_code`` or barcode). Both go through ``load`` unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._xid import line_external_id

__all__ = [
    "DbId",
    "ExternalId",
    "Ref",
    "SaleOrderDraft",
    "SaleOrderLineDraft",
    "load_table",
]


@dataclass(frozen=True)
class DbId:
    """A reference to a record by its database id."""

    id: int

    def __post_init__(self) -> None:
        if isinstance(self.id, bool) or not isinstance(self.id, int) or self.id <= 0:
            raise ValueError(f"a database id is a positive integer, got {self.id!r}")


@dataclass(frozen=True)
class ExternalId:
    """A reference to a record by its external ID, ``module.name``."""

    xid: str

    def __post_init__(self) -> None:
        module, _, name = self.xid.partition(".")
        if not module or not name or "," in self.xid:
            raise ValueError(f"an external ID is 'module.name', got {self.xid!r}")


Ref = DbId | ExternalId
_SCALAR = (str, int, float, bool)


def _cell(value: Any, where: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | str):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    raise TypeError(f"{where}: a load cell must be text, a number, a boolean or None")


def _column(name: str, value: Any) -> tuple[str, str]:
    if isinstance(value, DbId):
        return f"{name}/.id", str(value.id)
    if isinstance(value, ExternalId):
        return f"{name}/id", value.xid
    return name, _cell(value, name)


def _is_lines(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)


def load_table(xid: str, values: Mapping[str, Any]) -> tuple[list[str], list[list[str]]]:
    """``(fields, rows)`` for ``load``: one record with external ID ``xid`` and its lines."""
    if "id" in values or ".id" in values:
        raise ValueError("the record's id is the external ID; do not pass 'id' in values")
    head: dict[str, str] = {"id": xid}
    lines: dict[str, list[dict[str, str]]] = {}
    for name, value in values.items():
        if "/" in name:
            raise ValueError(f"field names have no '/': {name!r}")
        if _is_lines(value):
            lines[name] = [
                _line(xid, name, number, line) for number, line in enumerate(value, start=1)
            ]
        else:
            column, cell = _column(name, value)
            head[column] = cell
    fields = list(head)
    for name, rows in lines.items():
        for row in rows:
            fields.extend(f"{name}/{column}" for column in row if f"{name}/{column}" not in fields)
    height = max([1, *(len(rows) for rows in lines.values())])
    table: list[list[str]] = []
    for index in range(height):
        cells = dict(head) if index == 0 else {}
        for name, rows in lines.items():
            if index < len(rows):
                cells.update({f"{name}/{column}": cell for column, cell in rows[index].items()})
        table.append([cells.get(column, "") for column in fields])
    return fields, table


def _line(xid: str, field_name: str, number: int, line: Any) -> dict[str, str]:
    if not isinstance(line, Mapping):
        raise TypeError(f"{field_name}[{number}]: a line is a mapping of field -> value")
    row = {"id": line_external_id(xid, field_name, number)}
    for name, value in line.items():
        if name in ("id", ".id") or "/" in name:
            raise ValueError(f"{field_name}[{number}]: unexpected column {name!r}")
        if _is_lines(value):
            raise ValueError(f"{field_name}[{number}].{name}: lines of lines are not supported")
        column, cell = _column(name, value)
        row[column] = cell
    return row


@dataclass(frozen=True, kw_only=True)
class SaleOrderLineDraft:
    product: Ref
    quantity: float
    price_unit: float | None = None
    """``None`` lets Odoo price the line from the product (its list price or pricelist)."""
    uom: Ref | None = None
    description: str | None = None

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {"product_id": self.product, "product_uom_qty": self.quantity}
        if self.price_unit is not None:
            out["price_unit"] = self.price_unit
        if self.uom is not None:
            out["product_uom"] = self.uom
        if self.description is not None:
            out["name"] = self.description
        return out


@dataclass(frozen=True, kw_only=True)
class SaleOrderDraft:
    """A sale order to create once: the customer, its lines and the channel's references."""

    partner: Ref
    lines: Sequence[SaleOrderLineDraft] = field(default_factory=tuple)
    client_order_ref: str | None = None
    partner_shipping: Ref | None = None
    date_order: str | None = None
    """``YYYY-MM-DD HH:MM:SS`` in UTC, as Odoo stores datetimes."""
    warehouse: Ref | None = None
    origin: str | None = None

    def values(self) -> dict[str, Any]:
        if not self.lines:
            raise ValueError("a sale order needs at least one line")
        out: dict[str, Any] = {"partner_id": self.partner}
        optional = {
            "client_order_ref": self.client_order_ref,
            "partner_shipping_id": self.partner_shipping,
            "date_order": self.date_order,
            "warehouse_id": self.warehouse,
            "origin": self.origin,
        }
        out.update({k: v for k, v in optional.items() if v is not None})
        out["order_line"] = [line.values() for line in self.lines]
        return out
