"""Where a poll of one Odoo model stands: the ``(write_date, id)`` of the last record handled.

::

    cursor = Cursor.decode(tx.get_cursor("odoo-poll:sale.order"))   # None: from the start
    rows = await search_changed(client, "sale.order", [("state", "=", "sale")], fields, cursor,
                                limit=100)
    tx.set_cursor("odoo-poll:sale.order", Cursor.of(rows[-1]).encode())

Why a pair and not the date alone: ``write_date`` has second precision, and one second can
hold many writes; ordering by ``(write_date, id)`` and asking for what comes strictly after
the pair makes every record come exactly once per write, even when a page ends in the
middle of a second. The pair is stored as JSON ``["2026-11-27 09:30:00", 42]`` in the
store's cursors, written in the same transaction as what was decided about that record.

A known limit of polling ``write_date`` (Odoo's own connectors share it): Odoo stamps a
write with its transaction's start time, so a record written within the cursor's second
(with a lower id) or committed late, after the poll passed that second, is not seen until
it is written again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import msgspec

from edge.odoo import changed_since

__all__ = [
    "ORDER",
    "Cursor",
    "OdooCaller",
    "cursor_name",
    "m2o",
    "read_many",
    "search_changed",
    "text",
]

ORDER = "write_date asc, id asc"
"""The order a poll's rows come in: the cursor's order."""


class OdooCaller(Protocol):
    """The one method of :class:`edge.odoo.OdooClient` the flows read with."""

    async def call(
        self,
        model: str,
        method: str,
        args: Sequence[Any] | None = None,
        kwargs: Mapping[str, Any] | None = None,
        *,
        ids: Sequence[int] | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> Any: ...


def cursor_name(model: str) -> str:
    """The store cursor of a model's poll: ``odoo-poll:sale.order``."""
    return f"odoo-poll:{model}"


class Cursor(msgspec.Struct, frozen=True, order=True, array_like=True):
    """The last record handled: ordering compares ``write_date`` first, then ``id``."""

    write_date: str
    id: int

    @classmethod
    def decode(cls, text: str | None) -> Cursor | None:
        """The stored form back (None: no cursor yet, the poll starts from the beginning)."""
        if text is None:
            return None
        return msgspec.json.decode(text, type=cls)

    def encode(self) -> str:
        return msgspec.json.encode(self).decode()

    @classmethod
    def of(cls, record: Mapping[str, Any]) -> Cursor:
        """The position of a record as read (``write_date`` to the second, and ``id``)."""
        return cls(str(record["write_date"])[:19], int(record["id"]))


async def search_changed(
    client: OdooCaller,
    model: str,
    domain: Sequence[Any],
    fields: Sequence[str],
    cursor: Cursor | None,
    *,
    limit: int,
) -> list[dict[str, Any]]:
    """One page of ``model`` records matching ``domain`` after ``cursor``, in cursor order.

    :func:`edge.odoo.changed_since` does the reading: whole-second ranges, and a second
    read by id when a full page ends inside a second, because Odoo before 19 keeps hidden
    microseconds in ``write_date`` (so ``write_date > S`` matches most of second S).
    """
    since = None if cursor is None else (cursor.write_date, cursor.id)
    return await changed_since(client, model, domain, fields, since, limit)  # type: ignore[arg-type]


async def read_many(
    client: OdooCaller, model: str, ids: Sequence[int], fields: Sequence[str]
) -> dict[int, dict[str, Any]]:
    """The records ``ids`` of ``model`` by id (one call; none when ``ids`` is empty)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = await client.call(model, "read", kwargs={"fields": list(fields)}, ids=wanted)
    if not isinstance(rows, list):
        raise TypeError(f"{model}.read answered {type(rows).__name__}, not a list")
    return {int(row["id"]): row for row in rows}


def m2o(value: Any) -> int | None:
    """The id of a many2one as read: ``[7, "Name"]``, ``7`` or ``False``."""
    if isinstance(value, list | tuple) and value:
        value = value[0]
    return value if isinstance(value, int) and not isinstance(value, bool) and value else None


def text(value: Any) -> str | None:
    """A char field as read: Odoo answers ``False`` for an empty one."""
    return value.strip() or None if isinstance(value, str) else None
