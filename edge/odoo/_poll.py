"""Reads for pollers: what changed in Odoo since the last look, page by page.

Polling with a ``write_date`` cursor works on every Odoo version (ODOO_API.md); webhooks
only cut latency. Odoo's API shows ``write_date`` with **one-second resolution**
(``YYYY-MM-DD HH:MM:SS``, UTC, so text order is time order) and a busy server writes many
records in one second. A cursor of ``write_date`` alone would either skip the rest of a
second when a page ends inside it (``>``) or read the whole second again forever (``>=``).
So the cursor is the pair ``(write_date, id)`` of the last row handed out, and a page holds
the rows strictly after it in ``(write_date, id)`` order.

Why the domain names whole seconds as ranges (``>= S`` and ``< S + 1s``) rather than
``= S`` and ``> S``: PostgreSQL keeps the microseconds that the API hides, so on servers
before Odoo 19 ``write_date = 'S'`` matches nothing and ``write_date > 'S'`` matches most
of second S itself (odoo/odoo#24102; Odoo 19 compares whole seconds, odoo/odoo#203626).
For the same reason the server orders the rows of one second by their hidden microseconds,
not by id: when a full page ends inside a second, that second is read again ordered by id
(a second call), so no row of it is skipped. Ranges of whole seconds mean the same on both.

What no cursor on ``write_date`` can see (and a poller should know): Odoo stamps
``write_date`` with its transaction's *start* time, so a transaction that commits late
lands behind a cursor that already passed its second. A poller that must not miss those
re-reads a short overlap now and then (``since`` a few seconds back) and drops what it
already handled; the writes it makes are idempotent, so a row seen twice costs a lookup.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from ._client import OdooClient

__all__ = ["Cursor", "after_cursor", "changed_since", "cursor_of"]

Cursor = tuple[str, int]
"""``(write_date, id)`` of the last record seen: ``("2025-03-01 12:00:07", 42)``."""
_FORMAT = "%Y-%m-%d %H:%M:%S"
_BY_TIME = "write_date asc, id asc"


def _next_second(second: str) -> str:
    return (dt.datetime.strptime(second[:19], _FORMAT) + dt.timedelta(seconds=1)).strftime(_FORMAT)


def _in_second(second: str) -> list[Any]:
    return [["write_date", ">=", second[:19]], ["write_date", "<", _next_second(second)]]


def after_cursor(since: Cursor | None) -> list[Any]:
    """Domain terms for the records strictly after ``since`` (none for ``None``).

    ``write_date >= S+1s  OR  (S <= write_date < S+1s  AND  id > i)``
    """
    if since is None:
        return []
    second, record_id = since
    return [
        "|",
        ["write_date", ">=", _next_second(second)],
        "&",
        "&",
        *_in_second(second),
        ["id", ">", record_id],
    ]


def cursor_of(row: dict[str, Any]) -> Cursor:
    """The cursor that comes after ``row`` (a row :func:`changed_since` returned)."""
    return str(row["write_date"])[:19], int(row["id"])


def _key(row: dict[str, Any]) -> Cursor:
    return cursor_of(row)


async def changed_since(
    client: OdooClient,
    model: str,
    domain: Sequence[Any],
    fields: Sequence[str],
    since: Cursor | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Up to ``limit`` records of ``model`` matching ``domain``, changed after ``since``.

    Ordered by ``(write_date, id)``; every row carries ``write_date`` and ``id`` besides
    ``fields``, so ``cursor_of(rows[-1])`` is the next ``since``. ``None`` reads from the
    start; fewer than ``limit`` rows means the poller has caught up. One ``search_read``,
    two when a full page ends inside a second.
    """
    if limit < 1:
        raise ValueError(f"limit is at least 1, got {limit}")
    wanted = list(dict.fromkeys([*fields, "write_date"]))
    rows = await _read(client, model, [*domain, *after_cursor(since)], wanted, limit, _BY_TIME)
    rows.sort(key=_key)
    if len(rows) < limit:
        return rows  # everything there is: complete seconds, in order
    last = _key(rows[-1])[0]
    whole = [row for row in rows if _key(row)[0] < last]
    # The last second may have come in the server's order (hidden microseconds): read it
    # again by id, from the cursor on when the cursor is in that very second.
    after_id = [["id", ">", since[1]]] if since is not None and since[0][:19] == last else []
    tail_domain = [*domain, *_in_second(last), *after_id]
    tail = await _read(client, model, tail_domain, wanted, limit - len(whole), "id asc")
    return whole + tail


async def _read(
    client: OdooClient, model: str, domain: list[Any], fields: list[str], limit: int, order: str
) -> list[dict[str, Any]]:
    rows = await client.call(
        model,
        "search_read",
        kwargs={
            "domain": domain,
            "fields": fields,
            "order": order,
            "limit": limit,
        },
    )
    return list(rows or [])
