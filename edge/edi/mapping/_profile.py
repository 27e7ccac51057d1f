"""The mapping profile: one partner's codes, units, carriers and conventions, as data.

``edge`` cannot read the gateway's configuration, so the profile is its own Struct, built by
the gateway from ``[partners.mapping]`` with :func:`profile_from_tables` (or decoded from
JSON). Its defaults are the EANCOM / common X12 usage of EDI_NOTES.md; a partner's tables are
merged over them entry by entry, so configuring one code never loses the others.

Configuration keys (all tables are string -> string, as ``MappingOverrides`` holds them):

* ``units``: partner unit -> canonical unit (``CT = "BOX"``); ``carriers``: partner carrier
  code -> ours (empty: codes pass through unchanged).
* ``qualifiers``: ``"<syntax>.<table>.<code>" = value``, e.g. ``"edifact.party.BY" = "buyer"``
  or ``"x12.stock.33" = "available"``; the shorthand ``<party role> = "<code>"``
  (``ship_to = "DP"``) sets that party qualifier in both syntaxes.
* ``code_lists``: ``"<syntax>.<table>" = { code = value }``, the same tables as whole lists;
  ``<syntax>.units_out`` (canonical unit -> the partner's, for outbound documents) and
  ``code_lists.options`` (the scalar settings: ``sku_from``, ``currency``, ``default_unit``,
  ``decimal_mark``, ``utc_offset_minutes``, ``century_pivot``, ``edifact_releases``,
  ``x12_versions``; lists are comma separated). Other names without a syntax
  (``code_lists.incoterms``) are kept in ``MappingProfile.code_lists`` for whoever needs them.

Syntax is ``edifact`` or ``x12``; the tables are listed in ``_defaults.TABLE_NAMES``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, Literal

import msgspec

from contracts import ConfigError, DocumentFunction, LineStatus, PartyRole

from ._defaults import EDIFACT_TABLES, IGNORE, TABLE_NAMES, UNITS, X12_TABLES

__all__ = ["CodeTables", "MappingProfile", "SkuSource", "profile_from_tables"]


class SkuSource(enum.StrEnum):
    """Which identifier the partner sends our article number (Odoo ``default_code``) in."""

    SUPPLIER_ITEM = "supplier_item"
    """EDIFACT PIA ``SA``, X12 ``VP`` / ``VN``: the usual case, we are the supplier."""
    BUYER_ITEM = "buyer_item"
    GTIN = "gtin"
    NONE = "none"
    """No identifier is our SKU; Odoo resolves products by GTIN or the partner's item map."""


def _table(values: Mapping[str, str]) -> dict[str, str]:
    return dict(values)


class CodeTables(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The code tables of one syntax. Unknown codes are refused, see ``_defaults``."""

    party: dict[str, str]
    agency: dict[str, str]
    reference: dict[str, str]
    item: dict[str, str]
    quantity: dict[str, str]
    stock: dict[str, str]
    function: dict[str, str]
    ack_status: dict[str, str]
    line_status: dict[str, str]
    return_reason: dict[str, str]
    adjustment_reason: dict[str, str]
    ship_status: dict[str, str]
    price: dict[str, str]
    units_out: dict[str, str]
    """Canonical unit -> the partner's, for outbound documents (units not listed: as is)."""

    def unit_out(self, unit: str) -> str:
        return self.units_out.get(unit, unit)

    def table(self, name: str) -> dict[str, str]:
        table: dict[str, str] = getattr(self, name)
        return table

    def code_for(self, name: str, meaning: str) -> str | None:
        """The first code of table ``name`` that means ``meaning`` (for outbound documents)."""
        return next((code for code, value in self.table(name).items() if value == meaning), None)


def _defaults(tables: Mapping[str, Mapping[str, str]]) -> CodeTables:
    return CodeTables(**{name: _table(tables[name]) for name in TABLE_NAMES})


class MappingProfile(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Everything a mapping needs to know about one partner's way of writing EDI."""

    edifact: CodeTables = msgspec.field(default_factory=lambda: _defaults(EDIFACT_TABLES))
    x12: CodeTables = msgspec.field(default_factory=lambda: _defaults(X12_TABLES))
    units: dict[str, str] = msgspec.field(default_factory=lambda: dict(UNITS))
    """Partner unit -> canonical unit; a unit not listed is refused with its position."""
    carriers: dict[str, str] = {}
    """Partner carrier code -> ours. Empty: carrier codes pass through; else unknown ones are
    refused."""
    sku_from: SkuSource = SkuSource.SUPPLIER_ITEM
    currency: str | None = None
    """The currency of prices in messages that carry none (no CUX / CUR)."""
    default_unit: str = "EA"
    """The unit of a quantity sent without one (EANCOM sends units for variable goods only)."""
    decimal_mark: Literal[".", ","] = "."
    """The decimal mark of outbound EDIFACT (its UNA says so); inbound accepts both."""
    utc_offset_minutes: int = 0
    """The zone of date-times sent without one (EDI dates never carry a zone)."""
    century_pivot: int = 70
    """Two-digit years below the pivot are 20YY, others 19YY."""
    edifact_releases: tuple[str, ...] = ("96A", "01B")
    x12_versions: tuple[str, ...] = ("004010", "005010")
    """GS08 versions mapped; variants (``004010VICS``, ``004010X357``) count as their base."""
    code_lists: dict[str, dict[str, str]] = {}
    """Named lists of the configuration that no mapping table is (``incoterms``...)."""

    def tables(self, syntax: str) -> CodeTables:
        return self.edifact if syntax == "edifact" else self.x12


_VALID: dict[str, frozenset[str]] = {
    "party": frozenset({*(r.value for r in PartyRole), IGNORE}),
    "item": frozenset({"gtin", "supplier_item", "buyer_item", IGNORE}),
    "quantity": frozenset(
        {
            "ordered",
            "despatched",
            "confirmed",
            "backordered",
            "invoiced",
            "received",
            "accepted",
            "rejected",
            "returned",
            IGNORE,
        }
    ),
    "stock": frozenset({"on_hand", "available", "reserved", "damaged", IGNORE}),
    "function": frozenset(f.value for f in DocumentFunction),
    "ack_status": frozenset(s.value for s in LineStatus),
    "line_status": frozenset(s.value for s in LineStatus),
    "ship_status": frozenset({"complete", "partial"}),
    "price": frozenset({"net", IGNORE}),
}

_OPTIONS = {
    "sku_from",
    "currency",
    "default_unit",
    "decimal_mark",
    "utc_offset_minutes",
    "century_pivot",
    "edifact_releases",
    "x12_versions",
}


def profile_from_tables(
    *,
    qualifiers: Mapping[str, str] | None = None,
    units: Mapping[str, str] | None = None,
    carriers: Mapping[str, str] | None = None,
    code_lists: Mapping[str, Mapping[str, str]] | None = None,
    path: str = "mapping",
) -> MappingProfile:
    """A profile from the four tables of ``[partners.mapping]``, merged over the defaults.

    Raises ``ConfigError`` naming the key (``path`` prefixes it) for an unknown table, a value
    that is not one of the table's meanings, or an option that does not parse.
    """
    tables: dict[str, dict[str, dict[str, str]]] = {
        "edifact": {name: dict(EDIFACT_TABLES[name]) for name in TABLE_NAMES},
        "x12": {name: dict(X12_TABLES[name]) for name in TABLE_NAMES},
    }
    merged_units = dict(UNITS)
    merged_units.update(units or {})
    options: dict[str, Any] = {}
    extra: dict[str, dict[str, str]] = {}
    for name, entries in (code_lists or {}).items():
        where = f"{path}.code_lists.{name}"
        if name == "options":
            options = _options(entries, where)
        elif "." not in name:
            extra[name] = dict(entries)
        else:
            target = _target(tables, name, where)
            for code, value in entries.items():
                target[code] = _checked(name.split(".", 1)[1], value, f"{where}.{code}")
    for key, value in (qualifiers or {}).items():
        where = f"{path}.qualifiers.{key}"
        name, _, code = key.rpartition(".")
        if not name and key in _VALID["party"] and key != IGNORE:
            for syntax in tables.values():
                syntax["party"][value] = key
            continue
        if not name:
            raise ConfigError(
                f"{key!r} is neither <syntax>.<table>.<code> nor a party role "
                f"({', '.join(r.value for r in PartyRole)})",
                path=where,
            )
        _target(tables, name, where)[code] = _checked(name.split(".", 1)[1], value, where)
    return MappingProfile(
        edifact=CodeTables(**tables["edifact"]),
        x12=CodeTables(**tables["x12"]),
        units=merged_units,
        carriers=dict(carriers or {}),
        code_lists=extra,
        **options,
    )


def _target(tables: dict[str, dict[str, dict[str, str]]], name: str, where: str) -> dict[str, str]:
    syntax, _, table = name.partition(".")
    if syntax not in tables or table not in TABLE_NAMES:
        known = ", ".join(f"{s}.{t}" for s in tables for t in TABLE_NAMES)
        raise ConfigError(f"unknown mapping table {name!r} (known: {known})", path=where)
    return tables[syntax][table]


def _checked(table: str, value: str, where: str) -> str:
    allowed = _VALID.get(table)
    if allowed is not None and value not in allowed:
        raise ConfigError(
            f"{value!r} is not a meaning of table {table!r} (one of {', '.join(sorted(allowed))})",
            path=where,
        )
    return value


def _options(entries: Mapping[str, str], where: str) -> dict[str, Any]:
    raw: dict[str, Any] = {}
    for key, value in entries.items():
        if key not in _OPTIONS:
            raise ConfigError(
                f"unknown option {key!r} (known: {', '.join(sorted(_OPTIONS))})",
                path=f"{where}.{key}",
            )
        if key in ("edifact_releases", "x12_versions"):
            raw[key] = [v.strip() for v in value.split(",") if v.strip()]
        else:
            raw[key] = value
    try:
        converted = msgspec.convert(raw, _Options, strict=False)
    except msgspec.ValidationError as error:
        raise ConfigError(f"invalid mapping option: {error}", path=where) from None
    return {key: getattr(converted, key) for key in raw}


class _Options(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    sku_from: SkuSource = SkuSource.SUPPLIER_ITEM
    currency: str | None = None
    default_unit: str = "EA"
    decimal_mark: Literal[".", ","] = "."
    utc_offset_minutes: int = 0
    century_pivot: int = 70
    edifact_releases: tuple[str, ...] = ("96A", "01B")
    x12_versions: tuple[str, ...] = ("004010", "005010")
