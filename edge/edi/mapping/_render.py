"""Outbound: a canonical document rendered as the partner's EDI, envelope and all.

``render(document, "x12:940:004010", profile, envelope)`` picks the mapping for the target
(the CLI's ``--to`` syntax: ``<syntax>:<message>:<version>``, e.g. ``edifact:ORDRSP:D96A``,
``x12:855:005010``), builds the message body, wraps it with the syntax layer's builders
(which compute every count and control reference) and serializes it. The envelope values
(parties, control numbers, the preparation time) come from the caller: numbering and clocks
belong to the gateway, not to a mapping.

A document that the target cannot carry (an invoice as an 855, a code the partner's profile
has no qualifier for, a value with an X12 delimiter in it) is a ``RejectedInput``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

import msgspec

from contracts import (
    Document,
    FulfillmentRequest,
    InventoryReport,
    Invoice,
    OrderAcknowledgement,
    ShipmentConfirmation,
)
from contracts.errors import RejectedInput

from .. import edifact, x12
from .._segment import Party, Segment
from ._desadv import shipment_to_desadv
from ._errors import INVALID, NOT_SUPPORTED
from ._invoic import invoice_to_invoic
from ._invrpt import inventory_to_invrpt
from ._ordrsp import acknowledgement_to_ordrsp
from ._profile import MappingProfile
from ._x810 import invoice_to_810
from ._x846 import inventory_to_846
from ._x855 import acknowledgement_to_855
from ._x856 import shipment_to_856
from ._x940 import fulfillment_to_940

__all__ = ["OUTBOUND", "EnvelopeParams", "Target", "parse_target", "render"]


class Target(msgspec.Struct, frozen=True):
    """Where a document goes: ``edifact`` + message + release, or ``x12`` + set + version."""

    syntax: Literal["edifact", "x12"]
    message: str
    """``ORDRSP``, ``INVOIC``... or ``855``, ``940``..."""
    version: str
    """EDIFACT release (``96A``, ``01B``) or X12 version (``004010``, ``005010``)."""

    def __str__(self) -> str:
        version = f"D{self.version}" if self.syntax == "edifact" else self.version
        return f"{self.syntax}:{self.message}:{version}"


class EnvelopeParams(msgspec.Struct, frozen=True, kw_only=True):
    """The envelope of one outbound interchange; numbers come from the gateway's counters."""

    sender: Party
    """UNB S002 / ISA05-06."""
    receiver: Party
    """UNB S003 / ISA07-08."""
    prepared: datetime
    """UNB S004 / ISA09-10 / GS04-05 (an injected clock, never read here)."""
    control_number: int = 1
    """UNB 0020 / ISA13 (nine digits at most)."""
    group_number: int = 1
    """GS06 (X12)."""
    message_ref: str = "0001"
    """UNH 0062 / ST02."""
    application_sender: str | None = None
    """GS02; the sender's id when None."""
    application_receiver: str | None = None
    """GS03; the receiver's id when None."""
    test: bool = False
    association_code: str | None = None
    """UNH S009 0057; EANCOM's code for the message and release when None."""
    syntax_id: str = "UNOC"
    """UNB S001 0001 (EDIFACT); UNOW / UNOX / UNOY are written in syntax version 4."""


_Renderer = Callable[[Any, MappingProfile, str], list[Segment]]

OUTBOUND: dict[tuple[str, str], tuple[type, _Renderer]] = {
    ("edifact", "ORDRSP"): (OrderAcknowledgement, acknowledgement_to_ordrsp),
    ("edifact", "INVOIC"): (Invoice, invoice_to_invoic),
    ("edifact", "INVRPT"): (InventoryReport, inventory_to_invrpt),
    ("edifact", "DESADV"): (ShipmentConfirmation, shipment_to_desadv),
    ("x12", "855"): (OrderAcknowledgement, lambda d, p, _v: acknowledgement_to_855(d, p)),
    ("x12", "940"): (FulfillmentRequest, lambda d, p, _v: fulfillment_to_940(d, p)),
    ("x12", "810"): (Invoice, lambda d, p, _v: invoice_to_810(d, p)),
    ("x12", "846"): (InventoryReport, lambda d, p, _v: inventory_to_846(d, p)),
    ("x12", "856"): (ShipmentConfirmation, lambda d, p, _v: shipment_to_856(d, p)),
}
"""(syntax, message) -> the document type it carries and its renderer."""

_FUNCTIONAL_IDS = {"855": "PR", "940": "OW", "810": "IN", "846": "IB", "856": "SH"}
_EDIFACT_RELEASES = ("96A", "01B")
_X12_VERSIONS = ("004010", "005010")
_ASSOCIATION = {
    ("ORDRSP", "96A"): "EAN005",
    ("ORDRSP", "01B"): "EAN007",
    ("INVOIC", "96A"): "EAN008",
    ("INVOIC", "01B"): "EAN010",
    ("INVRPT", "96A"): "EAN004",
    ("INVRPT", "01B"): "EAN007",
    ("DESADV", "96A"): "EAN005",
    ("DESADV", "01B"): "EAN007",
}
_TARGET = re.compile(r"(edifact|x12):([A-Z0-9]{3,6}):(.+)", re.IGNORECASE)


def parse_target(text: str) -> Target:
    """``edifact:ORDRSP:D96A`` (also ``D.96A``, ``96A``) or ``x12:855:004010`` (also ``4010``)."""
    match = _TARGET.fullmatch(text.strip())
    if match is None:
        raise RejectedInput(
            f"target {text!r} is not <syntax>:<message>:<version> "
            "(e.g. x12:940:004010, edifact:ORDRSP:D96A)",
            code=INVALID,
            path="$.target",
        )
    syntax, message, version = match.group(1).lower(), match.group(2).upper(), match.group(3)
    if syntax == "edifact":
        version = version.upper().removeprefix("D").lstrip(".:")
        known = _EDIFACT_RELEASES
    else:
        version = version.zfill(6) if version.isdigit() and len(version) == 4 else version
        known = _X12_VERSIONS
    if (syntax, message) not in OUTBOUND or version not in known:
        supported = ", ".join(
            f"{s}:{m}:{'D' + v if s == 'edifact' else v}"
            for (s, m) in OUTBOUND
            for v in (_EDIFACT_RELEASES if s == "edifact" else _X12_VERSIONS)
        )
        raise RejectedInput(
            f"no outbound mapping for {text!r} (supported: {supported})",
            code=NOT_SUPPORTED,
            path="$.target",
        )
    return Target(
        syntax="edifact" if syntax == "edifact" else "x12", message=message, version=version
    )


def render(
    document: Document,
    target: str | Target,
    profile: MappingProfile,
    envelope: EnvelopeParams,
) -> bytes:
    """The bytes of one interchange holding ``document`` as ``target``."""
    chosen = parse_target(target) if isinstance(target, str) else target
    kind, renderer = OUTBOUND[(chosen.syntax, chosen.message)]
    if not isinstance(document, kind):
        tag = type(document).__struct_config__.tag
        raise RejectedInput(
            f"a {tag} document cannot be rendered as {chosen} (it carries {kind.__name__})",
            code=NOT_SUPPORTED,
            path="$.type",
        )
    body = renderer(document, profile, chosen.version)
    try:
        if chosen.syntax == "edifact":
            return _edifact(chosen, body, profile, envelope)
        return _x12(chosen, body, envelope)
    except ValueError as error:
        raise RejectedInput(f"envelope: {error}", code=INVALID, path="$.envelope") from None


def _edifact(
    target: Target, body: list[Segment], profile: MappingProfile, envelope: EnvelopeParams
) -> bytes:
    association = envelope.association_code or _ASSOCIATION.get(
        (target.message, target.version), ""
    )
    message = edifact.build_message(
        envelope.message_ref,
        target.message,
        "D",
        target.version,
        body,
        association_code=association,
    )
    chars = edifact.ServiceChars(decimal_mark=profile.decimal_mark)
    interchange = edifact.build_interchange(
        sender=envelope.sender,
        recipient=envelope.receiver,
        control_ref=str(envelope.control_number),
        prepared=envelope.prepared,
        messages=[message],
        syntax_id=envelope.syntax_id,
        syntax_version="4" if envelope.syntax_id in ("UNOW", "UNOX", "UNOY") else "3",
        chars=chars,
        test=envelope.test,
    )
    return edifact.serialize(interchange)


def _x12(target: Target, body: list[Segment], envelope: EnvelopeParams) -> bytes:
    transaction_set = x12.build_set(target.message, envelope.message_ref, body)
    group = x12.build_group(
        _FUNCTIONAL_IDS[target.message],
        envelope.application_sender or envelope.sender.id,
        envelope.application_receiver or envelope.receiver.id,
        envelope.group_number,
        [transaction_set],
        prepared=envelope.prepared,
        version=target.version,
    )
    interchange = x12.build_interchange(
        sender=envelope.sender,
        receiver=envelope.receiver,
        control_number=envelope.control_number,
        prepared=envelope.prepared,
        groups=[group],
        version="00401" if target.version == "004010" else "00501",
        usage="T" if envelope.test else "P",
    )
    return x12.serialize(interchange)
