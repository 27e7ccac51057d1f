"""``crossdock documents ...`` and ``crossdock inbound ...``: refused documents and rejected
files, listed, shown and replayed on the store file.

::

    crossdock documents list --config FILE [--state dead] [--flow F] [--partner P] [--json]
    crossdock documents show --config FILE ID            the row and its canonical body (JSON)
    crossdock documents replay --config FILE ID [--reason R]           dead -> new
    crossdock inbound list --config FILE [--state rejected] [--partner P] [--json]
    crossdock inbound show --config FILE ID [--raw]       metadata; the bytes with --raw
    crossdock inbound replay --config FILE ID [--reason R]             rejected -> received

Like ``crossdock outbox`` (:mod:`gateway.deadletters`) these open the store named by the
configuration directly: no token, works while the gateway is down, safe while it runs (WAL,
short transactions). A replay is audited with the OS user. A running gateway is not told;
its workflows and partner endpoints rehydrate every 30 seconds and pick the row up then.
Exit statuses: 0 done, 1 no such row or not replayable, 2 bad configuration or no store.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from gateway.store import Tx

__all__ = [
    "add_document_commands",
    "cli_documents_list",
    "cli_documents_replay",
    "cli_documents_show",
    "cli_inbound_list",
    "cli_inbound_replay",
    "cli_inbound_show",
]

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_BAD_INPUT = 2


def _one_line(text: str | None) -> str:
    return " ".join((text or "-").split())


def _json(data: Any, out: TextIO) -> None:
    import msgspec

    out.write(msgspec.json.format(msgspec.json.encode(data)).decode() + "\n")


# --- documents -----------------------------------------------------------------------------


def cli_documents_list(
    path: Path,
    *,
    state: str = "dead",
    flow: str | None = None,
    partner: str | None = None,
    limit: int = 100,
    as_json: bool = False,
    out: TextIO | None = None,
) -> int:
    """``crossdock documents list``: a table (or JSON) of documents in ``state``."""
    from gateway.deadletters import run_on_store
    from gateway.deadletters_docs import document_summary, find_documents
    from gateway.store import DocumentState

    stream = out or sys.stdout
    wanted = DocumentState(state)
    rows = run_on_store(
        path,
        lambda s: s.read(
            lambda tx: find_documents(tx, wanted, flow=flow, partner=partner, limit=limit)
        ),
    )
    if as_json:
        stream.write(_compact([document_summary(r) for r in rows]))
        return EXIT_OK
    print(f"{'ID':>8}  {'STATE':7} {'PARTNER':16} {'FLOW':20} {'TYPE':22} REASON", file=stream)
    for r in rows:
        print(
            f"{r.document_id:>8}  {r.state!s:7} {r.partner[:16]:16} {r.flow[:20]:20} "
            f"{r.doc_type[:22]:22} {_one_line(r.reason)[:100]}",
            file=stream,
        )
    return EXIT_OK


def cli_documents_show(path: Path, document_id: int, *, out: TextIO | None = None) -> int:
    """``crossdock documents show ID``: the row with its canonical body, as JSON."""
    from gateway.deadletters import run_on_store
    from gateway.deadletters_docs import document_view

    record = run_on_store(path, lambda s: s.get_document(document_id))
    return _show(record, document_view, f"no document {document_id}", out)


def cli_documents_replay(
    path: Path, document_id: int, *, reason: str | None = None, out: TextIO | None = None
) -> int:
    """``crossdock documents replay ID``: dead -> new, audited as the OS user."""
    from gateway.deadletters_docs import replay_document

    return _replay(
        path,
        lambda tx, who: replay_document(tx, document_id, who=who, reason=reason),
        subject=f"document {document_id}",
        missing=f"no document {document_id}",
        only="a dead document",
        done=lambda record, who: (
            f"replayed document {record.document_id} ({record.flow}, {record.partner}) as "
            f"{who}; a running gateway decides it again within 30 s"
        ),
        out=out,
    )


# --- inbound -------------------------------------------------------------------------------


def cli_inbound_list(
    path: Path,
    *,
    state: str = "rejected",
    partner: str | None = None,
    limit: int = 100,
    as_json: bool = False,
    out: TextIO | None = None,
) -> int:
    """``crossdock inbound list``: a table (or JSON) of inbound rows in ``state``."""
    from gateway.deadletters import run_on_store
    from gateway.deadletters_docs import find_inbound, inbound_summary
    from gateway.store import InboundState

    stream = out or sys.stdout
    wanted = InboundState(state)
    rows = run_on_store(
        path, lambda s: s.read(lambda tx: find_inbound(tx, wanted, partner=partner, limit=limit))
    )
    if as_json:
        stream.write(_compact([inbound_summary(r) for r in rows]))
        return EXIT_OK
    header = f"{'ID':>8}  {'STATE':9} {'PARTNER':16} {'CHANNEL':10} {'SIZE':>8}  {'SOURCE':24}"
    print(f"{header} REASON", file=stream)
    for r in rows:
        print(
            f"{r.inbound_id:>8}  {r.state!s:9} {r.partner[:16]:16} {r.channel[:10]:10} "
            f"{r.size:>8}  {r.source_ref[:24]:24} {_one_line(r.reason)[:100]}",
            file=stream,
        )
    return EXIT_OK


def cli_inbound_show(
    path: Path, inbound_id: int, *, raw: bool = False, out: TextIO | None = None
) -> int:
    """``crossdock inbound show ID``: the row as JSON; ``raw`` adds the bytes (base64)."""
    from gateway.deadletters import run_on_store
    from gateway.deadletters_docs import inbound_view

    record = run_on_store(path, lambda s: s.get_inbound(inbound_id))
    return _show(record, lambda r: inbound_view(r, raw=raw), f"no inbound row {inbound_id}", out)


def cli_inbound_replay(
    path: Path, inbound_id: int, *, reason: str | None = None, out: TextIO | None = None
) -> int:
    """``crossdock inbound replay ID``: rejected -> received, audited as the OS user."""
    from gateway.deadletters_docs import replay_inbound

    return _replay(
        path,
        lambda tx, who: replay_inbound(tx, inbound_id, who=who, reason=reason),
        subject=f"inbound {inbound_id}",
        missing=f"no inbound row {inbound_id}",
        only="a rejected file",
        done=lambda record, who: (
            f"replayed inbound {record.inbound_id} ({record.partner}, {record.source_ref}) as "
            f"{who}; a running gateway parses it again within 30 s"
        ),
        out=out,
    )


def _show(record: Any, view: Callable[[Any], Any], missing: str, out: TextIO | None) -> int:
    """Print ``view(record)`` as JSON, or say ``missing`` when there is no such row."""
    if record is None:
        print(f"crossdock: {missing}", file=sys.stderr)
        return EXIT_FAILURE
    _json(view(record), out or sys.stdout)
    return EXIT_OK


def _replay(
    path: Path,
    replay: Callable[[Tx, str], Any],
    *,
    subject: str,
    missing: str,
    only: str,
    done: Callable[[Any, str], str],
    out: TextIO | None,
) -> int:
    """Run ``replay(tx, who)`` in one transaction on the store file, audited as the OS user,
    and print ``done(record, who)``; or say why not (``missing``: no such row; else
    ``<subject> is <state>; only <only> can be replayed``) and fail."""
    from gateway.deadletters import os_user, run_on_store
    from gateway.store import IllegalTransition, NotFound, Store

    who = os_user()

    async def run(store: Store) -> Any:
        # Caught here, inside the store's scope: out of it, it would be an exception group.
        try:
            return await store.transact(lambda tx: replay(tx, who))
        except (NotFound, IllegalTransition) as exc:
            return exc

    record = run_on_store(path, run)
    if isinstance(record, NotFound):
        print(f"crossdock: {missing}", file=sys.stderr)
        return EXIT_FAILURE
    if isinstance(record, IllegalTransition):
        print(
            f"crossdock: {subject} is {record.state}; only {only} can be replayed",
            file=sys.stderr,
        )
        return EXIT_FAILURE
    print(done(record, who), file=out or sys.stdout)
    return EXIT_OK


def _compact(data: Any) -> str:
    import msgspec

    return msgspec.json.encode(data).decode() + "\n"


# --- argparse ------------------------------------------------------------------------------


def _store_path(config_file: str) -> Path | None:
    from contracts.errors import ConfigError
    from gateway.config import load_config

    try:
        return Path(load_config(Path(config_file)).store.path)
    except ConfigError as exc:
        for problem in getattr(exc, "problems", None) or [exc]:
            print(f"crossdock: config error: {problem}", file=sys.stderr)
        return None


def _cmd(args: argparse.Namespace) -> int:
    from gateway.deadletters import NoStore

    path = _store_path(args.config)
    if path is None:
        return EXIT_BAD_INPUT
    kind: str = args.command
    action: str = args.rows_command
    try:
        if kind == "documents":
            if action == "list":
                return cli_documents_list(
                    path, state=args.state, flow=args.flow, partner=args.partner,
                    limit=args.limit, as_json=args.json,
                )  # fmt: skip
            if action == "show":
                return cli_documents_show(path, args.id)
            return cli_documents_replay(path, args.id, reason=args.reason)
        if action == "list":
            return cli_inbound_list(
                path, state=args.state, partner=args.partner, limit=args.limit, as_json=args.json
            )
        if action == "show":
            return cli_inbound_show(path, args.id, raw=args.raw)
        return cli_inbound_replay(path, args.id, reason=args.reason)
    except NoStore as exc:
        print(f"crossdock: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


def add_document_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``documents`` and ``inbound`` to the ``crossdock`` parser."""
    document_states = ["new", "routed", "dead", "done"]
    inbound_states = ["received", "parsed", "rejected", "duplicate"]
    for kind, help_text, states, default in (
        ("documents", "refused documents: list, show and replay", document_states, "dead"),
        ("inbound", "rejected files: list, show and replay", inbound_states, "rejected"),
    ):
        parser = sub.add_parser(kind, help=f"{help_text} (on the store file, audited)")
        commands = parser.add_subparsers(dest="rows_command", metavar="COMMAND", required=True)

        def common(p: argparse.ArgumentParser) -> None:
            p.add_argument("--config", required=True, metavar="FILE", help="finds the store")
            p.set_defaults(func=_cmd)

        listing = commands.add_parser("list", help=f"list rows (default: {default}), oldest first")
        common(listing)
        listing.add_argument("--state", choices=states, default=default)
        listing.add_argument("--partner", help="only this partner's rows")
        if kind == "documents":
            listing.add_argument("--flow", help="only this flow (order_intake, ...)")
        listing.add_argument("--limit", type=int, default=100)
        listing.add_argument("--json", action="store_true", help="print JSON")
        show = commands.add_parser("show", help="one row as JSON")
        common(show)
        show.add_argument("id", type=int, metavar="ID")
        if kind == "inbound":
            show.add_argument("--raw", action="store_true", help="include the bytes (base64)")
        replay = commands.add_parser(
            "replay",
            help="decide it again" if kind == "documents" else "parse it again",
        )
        common(replay)
        replay.add_argument("id", type=int, metavar="ID")
        replay.add_argument("--reason", help="why, for the audit log")
