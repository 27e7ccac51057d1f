"""The ``crossdock`` command line.

Every subcommand imports what it needs lazily, so ``crossdock --help`` and small commands stay
quick. Exit statuses: 0 success, 1 runtime failure, 2 bad input (configuration, arguments,
rejected files), 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

__all__ = ["main"]

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_BAD_INPUT = 2


def _cmd_version(args: argparse.Namespace) -> int:
    from importlib.metadata import PackageNotFoundError, version

    try:
        print(f"crossdock {version('crossdock')}")
    except PackageNotFoundError:
        print("crossdock (not installed)")
    return EXIT_OK


def _cmd_check_config(args: argparse.Namespace) -> int:
    from contracts.errors import ConfigError
    from gateway.config import load_config, summary

    try:
        config = load_config(Path(args.file))
    except ConfigError as exc:
        _print_config_error(exc)
        return EXIT_BAD_INPUT
    print(summary(config))
    return EXIT_OK


def _print_config_error(exc: BaseException) -> None:
    problems = getattr(exc, "problems", None) or [exc]
    for problem in problems:
        print(f"crossdock: config error: {problem}", file=sys.stderr)


def _cmd_run(args: argparse.Namespace) -> int:
    from contracts.errors import ConfigError
    from gateway.config import load_config
    from gateway.process import run_process

    try:
        config = load_config(Path(args.config))
    except ConfigError as exc:
        _print_config_error(exc)
        return EXIT_BAD_INPUT
    return run_process(config, log_level=args.log_level, log_format=args.log_format)


def _cmd_status(args: argparse.Namespace) -> int:
    from gateway.status_client import fetch_and_print_status

    return fetch_and_print_status(
        config_path=Path(args.config) if args.config else None,
        url=args.url,
        token_file=Path(args.token_file) if args.token_file else None,
        as_json=args.json,
    )


def _cmd_odoo_sim(args: argparse.Namespace) -> int:
    from edge.odoo.simulator import run_simulator_cli

    api_key = None
    if args.api_key_file:
        api_key = Path(args.api_key_file).read_text(encoding="utf-8").strip()
    elif args.api_key:
        api_key = args.api_key
    return run_simulator_cli(
        host=args.host,
        port=args.port,
        protocol=args.protocol,
        api_key=api_key,
        version=args.odoo_version,
        database=args.database,
        seed_data=not args.empty,
    )


def _cmd_outbox(args: argparse.Namespace) -> int:
    from contracts.errors import ConfigError
    from gateway.config import load_config
    from gateway.deadletters import NoStore, ReplayFilter, cli_list, cli_replay, cli_show

    try:
        config = load_config(Path(args.config))
    except ConfigError as exc:
        _print_config_error(exc)
        return EXIT_BAD_INPUT
    path = Path(config.store.path)
    command: str = args.outbox_command
    try:
        if command == "show":
            return cli_show(path, args.id)
        where = ReplayFilter(
            partner=args.partner,
            destination=args.destination,
            flow=args.flow,
            error_class=args.error_class,
            older_than=args.older_than,
        )
        if command == "list":
            return cli_list(path, where, state=args.state, limit=args.limit, as_json=args.json)
        if bool(args.ids) == bool(args.filter):
            print("crossdock: give row ids or --filter with criteria, not both", file=sys.stderr)
            return EXIT_BAD_INPUT
        return cli_replay(path, where if args.filter else args.ids, reason=args.reason)
    except NoStore as exc:
        print(f"crossdock: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _outbox_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    outbox = sub.add_parser(
        "outbox", help="dead letters: list, show and replay (on the store file, audited)"
    )
    commands = outbox.add_subparsers(dest="outbox_command", metavar="COMMAND", required=True)

    def common(parser: argparse.ArgumentParser, *, filters: bool) -> None:
        parser.add_argument("--config", required=True, metavar="FILE", help="finds the store")
        if filters:
            parser.add_argument("--partner", help="only this partner's rows")
            parser.add_argument("--destination", help="only rows for odoo or partner:<id>")
            parser.add_argument("--flow", help="only this flow (order_intake, ...)")
            parser.add_argument("--error-class", help="only this error (Odoo's error name)")
            parser.add_argument(
                "--older-than", type=float, metavar="SECONDS", help="dead at least this long"
            )
        parser.set_defaults(func=_cmd_outbox)

    listing = commands.add_parser("list", help="list dead letters (newest last)")
    common(listing, filters=True)
    listing.add_argument("--state", choices=["dead", "cancelled"], default="dead")
    listing.add_argument("--limit", type=int, default=100)
    listing.add_argument("--json", action="store_true", help="print JSON")
    show = commands.add_parser("show", help="one row: payload, every attempt and error (JSON)")
    common(show, filters=False)
    show.add_argument("id", type=int, metavar="ID")
    replay = commands.add_parser(
        "replay", help="back to available with fresh attempts (audited as your OS user)"
    )
    common(replay, filters=True)
    replay.add_argument("ids", type=int, nargs="*", metavar="ID")
    replay.add_argument(
        "--filter", action="store_true", help="replay every dead letter matching the filters"
    )
    replay.add_argument("--reason", help="why, for the audit log")


def _cmd_demo(args: argparse.Namespace) -> int:
    from gateway.demo import DemoOptions, run_demo

    state_dir = Path(args.state_dir) if args.state_dir else None
    if state_dir is not None and (state_dir / "crossdock.toml").exists():
        print(
            f"crossdock: {state_dir} holds an earlier demo; give a new or empty directory",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    return run_demo(DemoOptions(once=args.once, state_dir=state_dir, admin_port=args.admin_port))


def _cmd_contracts_schema(args: argparse.Namespace) -> int:
    from contracts import write_schemas

    for path in write_schemas(Path(args.dir)):
        print(path)
    return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crossdock",
        description="Integration gateway between trading partners and the Odoo ERP.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = sub.add_parser("run", help="run the gateway (the systemd service's command)")
    run.add_argument("--config", required=True, metavar="FILE", help="the TOML configuration")
    run.add_argument(
        "--log-level", default=None, help="override [gateway] log_level (debug, info, ...)"
    )
    run.add_argument(
        "--log-format", default=None, choices=["text", "json"], help="override log_format"
    )
    run.set_defaults(func=_cmd_run)

    check = sub.add_parser("check-config", help="validate a configuration and summarise it")
    check.add_argument("file", metavar="FILE")
    check.set_defaults(func=_cmd_check_config)

    status = sub.add_parser("status", help="show the running gateway's actors, breakers, store")
    status.add_argument("--config", metavar="FILE", help="find the admin API from this config")
    status.add_argument("--url", help="admin API base URL (default http://127.0.0.1:8080)")
    status.add_argument(
        "--token-file",
        metavar="FILE",
        help="file holding a read token (default: $CROSSDOCK_TOKEN, or the config's first token)",
    )
    status.add_argument("--json", action="store_true", help="print the raw JSON")
    status.set_defaults(func=_cmd_status)

    sim = sub.add_parser(
        "odoo-sim",
        help="run the Odoo simulator (a test double of Odoo's JSON-2 / JSON-RPC protocols)",
    )
    sim.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    sim.add_argument("--port", type=int, default=8069, help="port (default 8069; 0 picks one)")
    sim.add_argument("--protocol", choices=["json2", "jsonrpc", "both"], default="both")
    sim.add_argument("--api-key", help="the API key to accept (default: generated, printed)")
    sim.add_argument("--api-key-file", metavar="FILE", help="read the API key from FILE")
    sim.add_argument("--database", default="crossdock", help="database name (default crossdock)")
    sim.add_argument(
        "--odoo-version", default=None, help="version to announce, e.g. 17.0 (default by protocol)"
    )
    sim.add_argument("--empty", action="store_true", help="start without the seed data")
    sim.set_defaults(func=_cmd_odoo_sim)

    _outbox_parser(sub)

    from gateway.cursors_cli import add_cursor_commands
    from gateway.documents_cli import add_document_commands

    add_document_commands(sub)
    add_cursor_commands(sub)

    demo = sub.add_parser(
        "demo", help="run every flow on sample documents, locally (no network, no arguments)"
    )
    demo.add_argument(
        "--once", action="store_true", help="exit when the samples are done (1 if a flow failed)"
    )
    demo.add_argument(
        "--state-dir", metavar="DIR", help="keep the files here (default: a temp dir, removed)"
    )
    demo.add_argument(
        "--admin-port",
        type=int,
        default=None,
        help="admin API port on 127.0.0.1 (default 8080; a free one with --once)",
    )
    demo.set_defaults(func=_cmd_demo)

    from gateway.edi_cli import add_edi_commands

    add_edi_commands(sub)

    contracts = sub.add_parser("contracts", help="the canonical contracts")
    contracts_sub = contracts.add_subparsers(dest="contracts_command", required=True)
    schema = contracts_sub.add_parser("schema", help="write the JSON Schema of every contract")
    schema.add_argument("dir", metavar="DIR", help="directory to write <type>.schema.json into")
    schema.set_defaults(func=_cmd_contracts_schema)

    version = sub.add_parser("version", help="print the version")
    version.set_defaults(func=_cmd_version)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except KeyboardInterrupt:
        return 130
