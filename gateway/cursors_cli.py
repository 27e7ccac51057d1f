"""``crossdock cursors ...``: where the gateway's pollers stand, and moving an Odoo poll back.

::

    crossdock cursors list --config FILE [--json]
    crossdock cursors rewind --config FILE MODEL --to "2026-11-27 09:00:00" [--reason R]

The Odoo watcher reads what changed after its cursor (``odoo-poll:sale.order``,
``odoo-poll:stock.picking``: the ``[write_date, id]`` of the last record handled). A record
it could not send (a picking no ``[[routing]]`` rule covered) is passed; after the fix,
``rewind`` moves the cursor back to a moment before it, and the next poll reads everything
since again: what was sent is recognised by its keys and changes nothing, what was not is
sent now. Only ever backwards (a cursor moved forwards would skip records); audited with the
OS user. Works on the store file like ``crossdock outbox`` (the gateway may be running: it
reads the cursor at each poll). Exit statuses: 0 done, 1 refused, 2 bad input or no store.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any, TextIO

import msgspec

__all__ = ["ODOO_MODELS", "add_cursor_commands", "cli_cursors_list", "cli_cursors_rewind"]

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2
ODOO_MODELS = ("sale.order", "stock.picking")
_FORMAT = "%Y-%m-%d %H:%M:%S"


def cli_cursors_list(path: Path, *, as_json: bool = False, out: TextIO | None = None) -> int:
    from gateway.deadletters import run_on_store
    from gateway.store import Store

    out = out or sys.stdout

    async def read(store: Store) -> list[tuple[str, str, float]]:
        return await store.read(lambda tx: tx.list_cursors())

    rows: list[tuple[str, str, float]] = run_on_store(path, read)
    if as_json:
        data = [{"name": n, "value": v, "updated_at": t} for n, v, t in rows]
        out.write(msgspec.json.encode(data).decode() + "\n")
        return EXIT_OK
    print(f"{'CURSOR':40} {'UPDATED (UTC)':20} VALUE", file=out)
    for name, value, at in rows:
        when = dt.datetime.fromtimestamp(at, dt.UTC).strftime(_FORMAT)
        print(f"{name[:40]:40} {when:20} {value[:80]}", file=out)
    return EXIT_OK


def cli_cursors_rewind(
    path: Path, model: str, to: str, *, reason: str | None = None, out: TextIO | None = None
) -> int:
    """Move the Odoo poll of ``model`` back to just before ``to`` (``YYYY-MM-DD HH:MM:SS``,
    UTC, Odoo's ``write_date``)."""
    from gateway.deadletters import os_user, run_on_store
    from gateway.store import Store, Tx

    err = out or sys.stderr
    out = out or sys.stdout
    if model not in ODOO_MODELS:
        print(f"crossdock: no Odoo poll of {model!r} (polled: {', '.join(ODOO_MODELS)})", file=err)
        return EXIT_BAD_INPUT
    try:
        moment = dt.datetime.strptime(to.strip(), _FORMAT)
    except ValueError:
        print(f"crossdock: --to {to!r} is not 'YYYY-MM-DD HH:MM:SS' (UTC)", file=err)
        return EXIT_BAD_INPUT
    # [second before, 0]: every record written at `to` or later comes after it.
    target = [(moment - dt.timedelta(seconds=1)).strftime(_FORMAT), 2**31]
    name = f"odoo-poll:{model}"
    who = os_user()

    def rewind(tx: Tx) -> tuple[bool, str | None]:
        current = tx.get_cursor(name)
        if current is not None and msgspec.json.decode(current) <= target:
            return False, current
        value = msgspec.json.encode(target).decode()
        tx.set_cursor(name, value)
        tx.audit(who, "cursor.rewind", name, {"from": current, "to": value, "reason": reason})
        return True, current

    async def run(store: Store) -> tuple[bool, str | None]:
        return await store.transact(rewind)

    moved, before = run_on_store(path, run)
    if not moved:
        print(
            f"crossdock: {name} is at {before}, not after {to}: a cursor only moves back",
            file=err,
        )
        return EXIT_FAILURE
    print(f"rewound {name} from {before or 'the start'} to before {to}", file=out)
    return EXIT_OK


def _cmd(args: argparse.Namespace) -> int:
    from gateway.deadletters import NoStore
    from gateway.documents_cli import _store_path

    path = _store_path(args.config)
    if path is None:
        return EXIT_BAD_INPUT
    try:
        if args.cursors_command == "list":
            return cli_cursors_list(path, as_json=args.json)
        return cli_cursors_rewind(path, args.model, args.to, reason=args.reason)
    except NoStore as exc:
        print(f"crossdock: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


def add_cursor_commands(sub: Any) -> None:
    """Add ``cursors`` to the ``crossdock`` parser."""
    parser = sub.add_parser("cursors", help="pollers' positions; rewind an Odoo poll (audited)")
    commands = parser.add_subparsers(dest="cursors_command", metavar="COMMAND", required=True)
    listing = commands.add_parser("list", help="every cursor with its value")
    listing.add_argument("--config", required=True, metavar="FILE", help="finds the store")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(func=_cmd)
    rewind = commands.add_parser("rewind", help="move an Odoo poll back (re-read since then)")
    rewind.add_argument("--config", required=True, metavar="FILE", help="finds the store")
    rewind.add_argument("model", choices=ODOO_MODELS)
    rewind.add_argument("--to", required=True, help="'YYYY-MM-DD HH:MM:SS' UTC (write_date)")
    rewind.add_argument("--reason", help="why, for the audit log")
    rewind.set_defaults(func=_cmd)
