"""Pure functions behind ``crossdock edi parse`` and ``crossdock edi render``.

No I/O here: the gateway's CLI reads the files and the configuration, calls these, and
writes what they return. Bad input is a ``RejectedInput``; :func:`reason` turns one into the
one line the CLI prints (file, partner, position, what was expected).
"""

from __future__ import annotations

from collections.abc import Iterator

import msgspec

from contracts import decode_document
from contracts.errors import RejectedInput

from .. import edifact, x12
from .._sniff import EdiSyntax, sniff
from ._errors import INVALID, NOT_SUPPORTED
from ._inbound import map_inbound
from ._profile import MappingProfile
from ._render import EnvelopeParams, Target, render

__all__ = ["parse_to_json_lines", "reason", "render_json"]

_encoder = msgspec.json.Encoder()


def parse_to_json_lines(
    data: bytes, source: str, profile: MappingProfile, *, partner: str | None = None
) -> Iterator[bytes]:
    """Each canonical document of an EDI file as one line of JSON (ending in ``\\n``).

    Everything is parsed and mapped before the first line is yielded, so a file is either
    printed whole or refused (``RejectedInput`` with partner, file and position).
    """
    syntax = sniff(data)
    if syntax is EdiSyntax.EDIFACT:
        interchanges: list[edifact.Interchange] | list[x12.Interchange] = edifact.parse(
            data, partner=partner, source=source
        )
    elif syntax is EdiSyntax.X12:
        interchanges = x12.parse(data, partner=partner, source=source)
    else:
        raise RejectedInput(
            "the file is neither EDIFACT (UNA / UNB) nor X12 (ISA) (byte 0)",
            partner=partner,
            source=source,
            byte_offset=0,
            code=NOT_SUPPORTED,
            expected="UNA, UNB or ISA",
        )
    lines = [
        _encoder.encode(mapped.document) + b"\n"
        for interchange in interchanges
        for mapped in map_inbound(interchange, profile, partner=partner, source=source)
    ]
    yield from lines


def render_json(
    data: bytes, target: str | Target, profile: MappingProfile, envelope: EnvelopeParams
) -> bytes:
    """A canonical document (JSON, as ``parse_to_json_lines`` writes it) rendered as EDI."""
    try:
        document = decode_document(data)
    except msgspec.ValidationError as error:
        path = str(error).rpartition(" - at `")[2].rstrip("`") or None
        raise RejectedInput(f"not a canonical document: {error}", code=INVALID, path=path) from None
    except msgspec.DecodeError as error:
        raise RejectedInput(f"not JSON: {error}", code=INVALID, path="$") from None
    return render(document, target, profile, envelope)


def reason(error: RejectedInput) -> str:
    """One line for a person: ``FILE: partner P: MESSAGE [code]``."""
    parts = [error.source or "-"]
    if error.partner:
        parts.append(f"partner {error.partner}")
    parts.append(error.message.replace("\n", " "))
    text = ": ".join(parts)
    return f"{text} [{error.code}]" if error.code else text
