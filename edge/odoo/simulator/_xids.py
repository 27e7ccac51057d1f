"""The simulator's index of external IDs: ``(module, name)`` and ``(model, res_id)`` -> rows.

Why: every import (``load``) looks its external IDs up, every created external ID is checked
for uniqueness, every unlink drops the external IDs of what it deleted, and the gateway asks
whether a batch's external IDs exist before each ``load``. Scanning ``ir.model.data`` for
each made the simulator slow down as orders accumulated, which real Odoo (a unique index on
``(module, name)``) does not.

The index is fed by the database's only two mutators (``Database._put`` / ``_drop``, and the
undo of a rolled-back transaction, which goes through the same path), so it is exact at
every point a query can run. A search on ``ir.model.data`` takes its candidates from here
only when the domain is an implicit AND of leaves that pin both halves of one pair
(:meth:`XidIndex.candidates`); the candidates are still filtered with the whole domain, so
the answer is the scan's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["XID_MODEL", "XidIndex"]

XID_MODEL = "ir.model.data"

Vals = dict[str, Any]


def _text(value: Any) -> bool:
    return isinstance(value, str) and value != ""


def _positive(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


_KEYS: dict[str, Callable[[Any], bool]] = {
    "module": _text,
    "name": _text,
    "model": _text,
    "res_id": _positive,
}
"""The indexed fields, with the operands for which ``=`` matches exactly the stored value
(an empty operand or ``False`` would also match empty fields: those searches scan)."""


def _discard(index: dict[Any, set[int]], key: Any, row_id: int) -> None:
    rows = index.get(key)
    if rows is not None:
        rows.discard(row_id)
        if not rows:
            del index[key]


class XidIndex:
    """Row ids of ``ir.model.data`` by ``(module, name)`` and by ``(model, res_id)``."""

    def __init__(self) -> None:
        self._names: dict[tuple[str, str], set[int]] = {}
        self._records: dict[tuple[str, int], set[int]] = {}

    def update(self, before: Vals | None, after: Vals | None) -> None:
        """One row changed from ``before`` to ``after`` (None: absent)."""
        if before is not None:
            _discard(self._names, (before["module"], before["name"]), before["id"])
            _discard(self._records, (before["model"], before["res_id"]), before["id"])
        if after is not None:
            self._names.setdefault((after["module"], after["name"]), set()).add(after["id"])
            self._records.setdefault((after["model"], after["res_id"]), set()).add(after["id"])

    def rows(self, module: str, name: str) -> list[int]:
        return sorted(self._names.get((module, name), ()))

    def rows_of(self, model: str, res_id: int) -> list[int]:
        return sorted(self._records.get((model, res_id), ()))

    def candidates(self, domain: Any) -> list[int] | None:
        """The ids that may match ``domain``, or None when only a scan can tell.

        Only an implicit-AND domain of leaves qualifies, with ``=`` / ``in`` of non-empty
        strings on both ``module`` and ``name``, or on ``model`` plus ``=`` / ``in`` of
        positive integers on ``res_id``: the rows those leaves match are exactly the
        index's entries for those keys (other leaves only narrow further).
        """
        if not isinstance(domain, list | tuple) or not domain:
            return None
        pinned: dict[str, list[Any]] = {}
        for term in domain:
            if not isinstance(term, list | tuple) or len(term) != 3:
                return None  # an operator (| ! &) or a malformed leaf: scan
            field_name, operator, operand = term
            if operator not in ("=", "in") or field_name not in _KEYS:
                continue
            if operator == "in" and not isinstance(operand, list | tuple):
                return None
            values = list(operand) if operator == "in" else [operand]
            if not all(_KEYS[field_name](v) for v in values):
                return None
            if field_name in pinned:  # two leaves on one field: both must hold
                values = [v for v in pinned[field_name] if v in values]
            pinned[field_name] = values
        found: set[int] = set()
        if "module" in pinned and "name" in pinned:
            for module in pinned["module"]:
                for name in pinned["name"]:
                    found |= self._names.get((module, name), set())
        elif "model" in pinned and "res_id" in pinned:
            for model in pinned["model"]:
                for res_id in pinned["res_id"]:
                    found |= self._records.get((model, res_id), set())
        else:
            return None
        return sorted(found)
