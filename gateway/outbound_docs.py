"""A canonical document becomes the file one partner receives, and the delivery carrying it.

::

    delivery = partner_delivery(tx, config, "acme-retail", ack_document,
                                key="acme-retail:ordrsp:SO042", name="ORDRSP-SO042",
                                flow=Flow.ORDER_ACK, when=now, correlation_key="acme-retail/PO-1")
    tx.enqueue(delivery)            # or return Route([delivery]) from a workflow's decide

The partner's ``outbound`` table says the format per document type: ``x12:855:004010``,
``edifact:ORDRSP:D96A`` or ``layout:<name>`` (one of its CSV / fixed-width layouts). EDI is
addressed from ``[identity]`` to the partner's first identifier of that syntax and numbered
from the same per-partner counter as our acknowledgements (``ack-control:<partner>`` in the
store's cursors), inside the caller's transaction: a number is never handed out twice, and
a transaction that rolls back gives its number back.

The file is named ``<name>.<ext>`` (``edi``, ``x12``, ``csv``, ``txt``); the payload is an
:class:`gateway.intake.OutboundFile` for ``partner:<id>``, which the partner's outbound loop
puts in its drop ``outbox/`` or uploads to its server.
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from contracts import Document
from contracts.errors import ConfigError
from edge.edi import Party
from edge.edi.mapping import EnvelopeParams, parse_target, render
from edge.flatfile import CsvLayout, render_flat
from gateway.config import Config, PartnerConfig
from gateway.intake import OutboundFile, allocate_ack_numbers
from gateway.profiles import partner_profile
from gateway.store import NewDelivery, Tx

__all__ = [
    "INTERNAL_REFERENCES",
    "doc_type_of",
    "partner_delivery",
    "render_for_partner",
    "sends",
]

INTERNAL_REFERENCES = frozenset({"picking", "part", "parts"})
"""References crossdock keeps for itself (which Odoo picking a fulfillment request is, and
which part of a split): stored with the document, never written in EDI, which has no
qualifier for them (the request number already names the picking for the partner, who echoes
it back). A flat-file layout writes them only if it has columns for them."""


def doc_type_of(document: Document) -> str:
    return str(type(document).__struct_config__.tag)


def sends(partner: PartnerConfig, doc_type: str) -> bool:
    """Whether the partner is configured to receive this document type."""
    return doc_type in partner.outbound


def render_for_partner(
    tx: Tx, config: Config, partner_id: str, document: Document, *, name: str, when: datetime
) -> OutboundFile:
    """The file ``partner_id`` receives for ``document`` (``ConfigError`` if it takes none;
    ``RejectedInput`` if the document cannot be written in its format)."""
    partner = config.partner(partner_id)
    doc_type = doc_type_of(document)

    target = partner.outbound.get(doc_type)  # type: ignore[call-overload]
    if target is None:
        raise ConfigError(
            f"partner {partner_id!r} has no outbound.{doc_type}: say in which format it "
            "receives it",
            partner=partner_id,
        )
    if target.startswith("layout:"):
        layout_name = target.removeprefix("layout:")
        layout = next(layout for layout in partner.layouts if layout.name == layout_name)
        ext = "csv" if isinstance(layout, CsvLayout) else "txt"
        return OutboundFile(name=f"{name}.{ext}", data=render_flat([document], layout))
    parsed = parse_target(target)
    references = getattr(document, "references", None)
    if references and INTERNAL_REFERENCES & references.keys():
        kept = {k: v for k, v in references.items() if k not in INTERNAL_REFERENCES}
        document = msgspec.structs.replace(document, references=kept)
    number = allocate_ack_numbers(tx, partner_id, 1)
    envelope = EnvelopeParams(
        sender=_ours(config, parsed.syntax),
        receiver=_theirs(partner, parsed.syntax),
        prepared=when.replace(microsecond=0),
        control_number=number,
        group_number=number,
    )
    data = render(document, parsed, partner_profile(config, partner_id), envelope)
    return OutboundFile(name=f"{name}.{'edi' if parsed.syntax == 'edifact' else 'x12'}", data=data)


def partner_delivery(
    tx: Tx,
    config: Config,
    partner_id: str,
    document: Document,
    *,
    key: str,
    name: str,
    flow: str,
    when: datetime,
    correlation_key: str | None = None,
    document_id: int | None = None,
) -> NewDelivery:
    """The outbox row that sends ``document`` to ``partner_id`` (see the module docs)."""
    file = render_for_partner(tx, config, partner_id, document, name=name, when=when)
    return NewDelivery(
        idempotency_key=key,
        destination=f"partner:{partner_id}",
        partner=partner_id,
        flow=str(flow),
        payload=msgspec.json.encode(file),
        correlation_key=correlation_key,
        document_id=document_id,
        max_attempts=config.partner(partner_id).retry.max_attempts,
    )


def _ours(config: Config, syntax: str) -> Party:
    identity = config.identity
    if syntax == "edifact":
        if identity.edifact_id is None:
            raise ConfigError("sending EDIFACT needs [identity] edifact_id")
        return Party(id=identity.edifact_id, qualifier=identity.edifact_qualifier or "")
    if identity.x12_id is None:
        raise ConfigError("sending X12 needs [identity] x12_id")
    return Party(id=identity.x12_id, qualifier=identity.x12_qualifier)


def _theirs(partner: PartnerConfig, syntax: str) -> Party:
    if syntax == "edifact":
        if not partner.identifiers.edifact:
            raise ConfigError(f"partner {partner.id!r} has no identifiers.edifact")
        first = partner.identifiers.edifact[0]
        return Party(id=first.id, qualifier=first.qualifier or "")
    if not partner.identifiers.x12:
        raise ConfigError(f"partner {partner.id!r} has no identifiers.x12")
    x12 = partner.identifiers.x12[0]
    return Party(id=x12.id, qualifier=x12.qualifier)
