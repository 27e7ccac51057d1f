"""``crossdock edi parse | render | validate | ack``: the EDI edge from the command line.

Each command reads one file, prints to stdout, and says why on stderr in one line when the
input is refused (partner, file, segment index, byte offset, what was expected), exiting 2.
A partner's mapping overrides (``[partners.mapping]``) apply with ``--partner ID --config
FILE``; without them the defaults (EANCOM / common X12 usage) apply.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from contracts.errors import ConfigError, RejectedInput

__all__ = ["add_edi_commands"]

EXIT_OK = 0
EXIT_BAD_INPUT = 2


def _partner(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """The ``--partner`` of ``--config`` with its index, or None without ``--partner``."""
    if not args.partner:
        return None
    if not args.config:
        raise ConfigError("--partner needs --config FILE to find the partner's settings")
    from gateway.config import load_config

    config = load_config(Path(args.config))
    try:
        partner = config.partner(args.partner)
    except KeyError:
        raise ConfigError(f"no partner {args.partner!r} in {args.config}") from None
    return partner, config.partners.index(partner)


def _profile(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """The partner's mapping profile (from the config), or the default profile."""
    from edge.edi.mapping import MappingProfile
    from gateway.profiles import profile_of

    found = _partner(args)
    if found is None:
        return MappingProfile()
    return profile_of(*found)


def _refused(error: RejectedInput | ConfigError) -> int:
    if isinstance(error, RejectedInput):
        from edge.edi.mapping import reason

        print(f"crossdock: rejected: {reason(error)}", file=sys.stderr)
    else:
        print(f"crossdock: config error: {error}", file=sys.stderr)
    return EXIT_BAD_INPUT


def _cmd_parse(args: argparse.Namespace) -> int:
    """EDI (sniffed: UNA / UNB / ISA) through the mappings; anything else through the
    partner's flat-file layouts (the first whose ``files`` patterns match the name)."""
    from edge.edi import EdiSyntax, sniff
    from edge.edi.mapping import parse_to_json_lines
    from edge.flatfile import FlatFileRejected, parse_flat_to_json_lines, select_layout

    path = Path(args.file)
    data = path.read_bytes()
    lines: list[bytes] = []
    try:
        found = _partner(args)
        if sniff(data) is EdiSyntax.UNKNOWN and found is not None and found[0].layouts:
            layout = select_layout(found[0].layouts, path.name, partner=args.partner)
            try:
                lines.extend(
                    parse_flat_to_json_lines(data, layout, partner=args.partner, source=path.name)
                )
            except FlatFileRejected as error:  # reject-row: the good documents, then the rest
                sys.stdout.buffer.writelines(lines)
                return _refused(error)
        else:
            lines.extend(parse_to_json_lines(data, path.name, _profile(args), partner=args.partner))
    except (RejectedInput, ConfigError) as error:
        return _refused(error)
    sys.stdout.buffer.writelines(lines)
    return EXIT_OK


def _party(text: str) -> object:
    from edge.edi import Party

    ident, _, qualifier = text.partition(":")
    return Party(id=ident, qualifier=qualifier)


def _cmd_render(args: argparse.Namespace) -> int:
    from edge.edi.mapping import EnvelopeParams, render_json

    try:
        profile = _profile(args)
        envelope = EnvelopeParams(
            sender=_party(args.sender),  # type: ignore[arg-type]
            receiver=_party(args.receiver),  # type: ignore[arg-type]
            prepared=datetime.now(UTC).replace(microsecond=0),
            control_number=args.control_number,
            test=args.test,
        )
        data = render_json(Path(args.document).read_bytes(), args.to, profile, envelope)
    except (RejectedInput, ConfigError) as error:
        return _refused(error)
    sys.stdout.buffer.write(data)
    return EXIT_OK


def _cmd_validate(args: argparse.Namespace) -> int:
    from edge.edi.grammar import validate_report

    path = Path(args.file)
    text, status = validate_report(path.read_bytes(), path.name, partner=args.partner)
    print(text, file=sys.stdout if status == 0 else sys.stderr)
    return status


def _cmd_ack(args: argparse.Namespace) -> int:
    from edge.edi.ack import ControlNumbers, ack_report

    path = Path(args.file)
    text, status = ack_report(
        path.read_bytes(),
        path.name,
        control_numbers=ControlNumbers(interchange=args.control_number),
        when=datetime.now(UTC).replace(microsecond=0),
    )
    print(text)
    return status


def add_edi_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    edi = sub.add_parser("edi", help="parse, render, validate and acknowledge EDI files")
    commands = edi.add_subparsers(dest="edi_command", metavar="COMMAND", required=True)

    def partner_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--partner", metavar="ID", help="apply this partner's mapping overrides")
        p.add_argument("--config", metavar="FILE", help="the configuration naming the partner")

    parse = commands.add_parser(
        "parse", help="print one canonical document per line as JSON (exit 2 when refused)"
    )
    parse.add_argument("file", metavar="FILE")
    partner_options(parse)
    parse.set_defaults(func=_cmd_parse)

    render = commands.add_parser("render", help="write a canonical document (JSON) as EDI")
    render.add_argument("document", metavar="DOC.json")
    render.add_argument(
        "--to", required=True, metavar="TARGET", help="e.g. x12:940:004010, edifact:ORDRSP:D96A"
    )
    render.add_argument("--sender", default="CROSSDOCK:ZZ", help="our id[:qualifier]")
    render.add_argument("--receiver", default="PARTNER:ZZ", help="the partner's id[:qualifier]")
    render.add_argument("--control-number", type=int, default=1, help="interchange number")
    render.add_argument("--test", action="store_true", help="mark the interchange as a test")
    partner_options(render)
    render.set_defaults(func=_cmd_render)

    validate = commands.add_parser(
        "validate", help="report every grammar violation (exit 0 valid, 1 violations, 2 unreadable)"
    )
    validate.add_argument("file", metavar="FILE")
    validate.add_argument("--partner", metavar="ID", help="name the partner in the report")
    validate.set_defaults(func=_cmd_validate)

    ack = commands.add_parser("ack", help="print the CONTRL / 997 / 999 this file is owed")
    ack.add_argument("file", metavar="FILE")
    ack.add_argument("--control-number", type=int, default=1, help="our interchange number")
    ack.set_defaults(func=_cmd_ack)
