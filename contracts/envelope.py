"""The envelope every canonical document travels in, and the keys derived from its source.

The idempotency key is what makes "exactly once" possible: it is derived from the source
(partner + interchange control reference + message reference, or the channel's own order id),
never from time or a random number, so the same input always yields the same key, and a
redelivery is recognised wherever it arrives (store, outbox, Odoo external ID).
"""

from __future__ import annotations

import enum
import hashlib
from datetime import datetime
from typing import Annotated

import msgspec
from msgspec import Meta

from contracts._types import PartnerId
from contracts.documents import Document

__all__ = [
    "SCHEMA_VERSION",
    "DocumentEnvelope",
    "Flow",
    "SourceRef",
    "correlation_key",
    "decode_document",
    "decode_envelope",
    "idempotency_key",
]

SCHEMA_VERSION = 1
"""Bumped when a change to the contracts is not backwards compatible (never done lightly)."""

Key = Annotated[str, Meta(min_length=1, max_length=255)]


class Flow(enum.StrEnum):
    """The flows of DESIGN.md's table; a document belongs to exactly one."""

    ORDER_INTAKE = "order_intake"
    ORDER_ACK = "order_ack"
    FULFILLMENT = "fulfillment"
    SHIPMENT_CONFIRMATION = "shipment_confirmation"
    INVENTORY = "inventory"
    RECEIPT = "receipt"
    RETURNS = "returns"
    INVOICE = "invoice"
    SETTLEMENT = "settlement"
    FUNCTIONAL_ACK = "functional_ack"


class SourceRef(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Where a document came from, precisely enough to find the bytes again."""

    channel: str  # sftp-drop, sftp-poll, webhook, odoo, cli
    file: str | None = None
    inbound_id: int | None = None
    interchange_ref: str | None = None
    group_ref: str | None = None
    message_ref: str | None = None
    message_index: int | None = None  # 0-based position of the message in its interchange


class DocumentEnvelope(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    message_id: Key
    idempotency_key: Key
    partner: PartnerId
    flow: Flow
    source: SourceRef
    received_at: datetime
    config_version: str
    document: Document
    correlation_key: str | None = None
    schema_version: int = SCHEMA_VERSION


def idempotency_key(partner: str, *parts: str | int | None) -> str:
    """``partner:part:part...``; long or awkward keys are shortened with a sha256 suffix.

    >>> idempotency_key("acme", "ICR0001", "MSG1")
    'acme:ICR0001:MSG1'
    """
    text = ":".join([partner, *("" if p is None else str(p) for p in parts)])
    if len(text) <= 200 and text.isprintable():
        return text
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
    return f"{partner}:sha256:{digest}"


def correlation_key(partner: str, order_number: str) -> str:
    """The key that links every document of one order's life: ``partner/order number``."""
    return f"{partner}/{order_number}"


_document_decoder: msgspec.json.Decoder[Document] = msgspec.json.Decoder(Document)
_envelope_decoder = msgspec.json.Decoder(DocumentEnvelope)


def decode_document(data: bytes | str) -> Document:
    """Decode any canonical document from JSON; raises ``msgspec.ValidationError``."""
    return _document_decoder.decode(data)


def decode_envelope(data: bytes | str) -> DocumentEnvelope:
    return _envelope_decoder.decode(data)
