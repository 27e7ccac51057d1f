"""The inbound dispatcher: which mapping reads which message, and what it hands back.

``map_inbound`` maps every message of a parsed interchange; ``map_message`` one of them. The
mapping is picked by the EDIFACT message type (UNH S009 0065) or the X12 transaction set id
(ST01); a type without a mapping, a release or version the profile does not list, is refused
with code ``not supported`` and the position of its header. Every document is checked
against its contract (whatever a JSON round trip through msgspec would refuse; ``_contract``
does it without the round trip when the document passes) before it is handed back, so a
value the contract forbids (a 40-character SKU, an empty line list) is refused here, with
the path in the contract, and never reaches the store.

What comes back is a ``MappedDocument``: the document plus the references the envelope and
the idempotency key are made of (interchange control reference, group reference, message
reference, the message's index in its interchange).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import msgspec

from contracts import (
    Document,
    Flow,
    GoodsReceipt,
    InventoryReport,
    OrderAcknowledgement,
    ReturnNotice,
    SalesOrder,
    ShipmentConfirmation,
    SourceRef,
    correlation_key,
    idempotency_key,
)
from contracts.errors import RejectedInput

from .. import edifact, x12
from .._bulk import LARGE_SEGMENTS, collector_paused, segment_count
from .._codes import attribute
from .._segment import Segment
from ._contract import checked
from ._desadv import desadv_to_shipments
from ._errors import INVALID, NOT_SUPPORTED, mapping_error
from ._invrpt import invrpt_to_inventory
from ._orders import orders_to_sales_order
from ._ordrsp import ordrsp_to_acknowledgement
from ._profile import MappingProfile
from ._reader import Reader
from ._recadv import recadv_to_receipt
from ._retann import retann_to_return
from ._values import parse_date
from ._x180 import rma180_to_return
from ._x846 import adjustment947_to_inventory, inventory846_to_inventory
from ._x850 import po850_to_sales_order
from ._x855 import po855_to_acknowledgement
from ._x856 import asn856_to_shipments
from ._x944 import receipt944_to_receipt
from ._x945 import advice945_to_shipment

__all__ = [
    "EDIFACT_INBOUND",
    "X12_INBOUND",
    "MappedDocument",
    "edifact_reader",
    "map_inbound",
    "map_message",
    "x12_reader",
]

Mapping = Callable[[Reader], Document | Sequence[Document]]
"""A message's mapping: its document, or one per order for a ship notice covering several."""

EDIFACT_INBOUND: dict[str, Mapping] = {
    "ORDERS": orders_to_sales_order,
    "ORDRSP": ordrsp_to_acknowledgement,
    "DESADV": desadv_to_shipments,
    "INVRPT": invrpt_to_inventory,
    "RECADV": recadv_to_receipt,
    "RETANN": retann_to_return,
}
"""EDIFACT message type -> its inbound mapping."""

X12_INBOUND: dict[str, Mapping] = {
    "850": po850_to_sales_order,
    "855": po855_to_acknowledgement,
    "856": asn856_to_shipments,
    "945": advice945_to_shipment,
    "846": inventory846_to_inventory,
    "947": adjustment947_to_inventory,
    "944": receipt944_to_receipt,
    "180": rma180_to_return,
}
"""X12 transaction set id -> its inbound mapping."""

_CONTRACT_KNOWN = "contract: values found good"
"""The ``Reader.memo`` entry that ``checked`` shares between the messages of an interchange."""

_FLOWS: dict[type, Flow] = {
    SalesOrder: Flow.ORDER_INTAKE,
    OrderAcknowledgement: Flow.ORDER_ACK,
    ShipmentConfirmation: Flow.SHIPMENT_CONFIRMATION,
    InventoryReport: Flow.INVENTORY,
    GoodsReceipt: Flow.RECEIPT,
    ReturnNotice: Flow.RETURNS,
}


class MappedDocument(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One canonical document and where it came from, precisely enough for its keys.

    ``gc=False``: nothing a document holds can refer back to its wrapper, so it is never
    in a cycle, and the collector has one object less to walk per message mapped."""

    document: Document
    flow: Flow
    syntax: str
    """``edifact`` or ``x12``."""
    message_type: str
    """``ORDERS``, ``DESADV``... or ``850``, ``856``..."""
    interchange_ref: str
    """UNB 0020 / ISA13."""
    message_ref: str
    """UNH 0062 / ST02."""
    group_ref: str | None = None
    """UNG 0048 / GS06 (X12 control numbers of sets are unique only within their group)."""
    message_index: int
    """0-based position of the message among its interchange's messages."""
    segment_index: int | None = None
    """Where the message's UNH / ST is in the file."""
    part: str | None = None
    """The order number when the message gave one document per order (a ship notice
    covering several orders); None when it gave one document."""

    def key_parts(self) -> tuple[str, ...]:
        """The source parts of the idempotency key: interchange ref, (X12: group ref,)
        message ref (, the order number when the message gave one document per order)."""
        parts: tuple[str, ...] = (self.interchange_ref, self.message_ref)
        if self.syntax == "x12":
            parts = (self.interchange_ref, self.group_ref or "", self.message_ref)
        return parts if self.part is None else (*parts, self.part)

    def idempotency_key(self, partner: str) -> str:
        return idempotency_key(partner, *self.key_parts())

    def correlation_key(self, partner: str) -> str | None:
        """``partner/order number`` for the documents that belong to an order."""
        number = getattr(self.document, "order_number", None)
        return None if not number else correlation_key(partner, number)

    def source(
        self, channel: str, *, file: str | None = None, inbound_id: int | None = None
    ) -> SourceRef:
        return SourceRef(
            channel=channel,
            file=file,
            inbound_id=inbound_id,
            interchange_ref=self.interchange_ref,
            group_ref=self.group_ref,
            message_ref=self.message_ref,
            message_index=self.message_index,
        )


def _sent(text: str, pivot: int) -> date | None:
    """The envelope's date, or None when it does not read (the syntax layer checked it)."""
    try:
        return parse_date(text, pivot=pivot)
    except ValueError:
        return None


def edifact_reader(
    message: edifact.Message,
    interchange: edifact.Interchange,
    profile: MappingProfile,
    *,
    memo: dict[object, Any] | None = None,
) -> Reader:
    """The reader for one EDIFACT message (its release checked against the profile)."""
    if message.version != "D" or message.release not in profile.edifact_releases:
        raise mapping_error(
            f"{message.type}: directory {message.version}:{message.release} is not mapped "
            f"(the profile maps D:{', D:'.join(profile.edifact_releases)})",
            message.header,
            code=NOT_SUPPORTED,
            element=1,
            value=f"{message.version}:{message.release}",
        )
    return Reader(
        syntax="edifact",
        profile=profile,
        message_type=message.type,
        header=message.header,
        body=message.body,
        sent=_sent(interchange.date, profile.century_pivot),
        memo=memo,
    )


def x12_reader(
    transaction_set: x12.TransactionSet,
    group: x12.FunctionalGroup,
    profile: MappingProfile,
    *,
    memo: dict[object, Any] | None = None,
) -> Reader:
    """The reader for one X12 transaction set (its group's version checked)."""
    if group.version[:6] not in profile.x12_versions:
        raise mapping_error(
            f"{transaction_set.id}: version {group.version} is not mapped (the profile maps "
            f"{', '.join(profile.x12_versions)})",
            group.header,
            code=NOT_SUPPORTED,
            element=7,
            value=group.version,
        )
    return Reader(
        syntax="x12",
        profile=profile,
        message_type=transaction_set.id,
        header=transaction_set.header,
        body=transaction_set.body,
        sent=_sent(group.date, profile.century_pivot),
        memo=memo,
    )


def _unmapped(kind: str, header: Segment) -> RejectedInput:
    return mapping_error(
        f"{kind}: no mapping exists for {kind}", header, code=NOT_SUPPORTED, element=0, value=kind
    )


def _mapped(mapping: Mapping, reader: Reader) -> list[Document]:
    try:
        found = mapping(reader)
    except ValueError as error:  # a contract's own check (__post_init__) refused a value
        raise reader.error(f"the document breaks its contract: {error}") from None
    known = reader.memo.setdefault(_CONTRACT_KNOWN, {})
    try:
        if isinstance(found, Sequence):
            if not found:  # a mapping gives one document per order, and at least one order
                raise reader.missing("the order the message is about")
            return [checked(document, known) for document in found]
        return [checked(found, known)]
    except msgspec.ValidationError as error:
        path = str(error).rpartition(" - at `")[2].rstrip("`") or None
        raise reader.error(
            f"the document breaks its contract: {error}", code=INVALID, path=path
        ) from None


def map_message(
    message: edifact.Message | x12.TransactionSet,
    interchange: edifact.Interchange | x12.Interchange,
    profile: MappingProfile,
    *,
    partner: str | None = None,
    source: str | None = None,
) -> list[MappedDocument]:
    """Map one EDIFACT message or X12 transaction set of ``interchange``: its document, or
    one per order for a ship notice that covers several."""
    if isinstance(message, edifact.Message) and isinstance(interchange, edifact.Interchange):
        group = next((g for g in interchange.groups if message in g.messages), None)
        index = interchange.messages.index(message)
        return _map(message, interchange, group, index, profile, partner, source)
    if isinstance(message, x12.TransactionSet) and isinstance(interchange, x12.Interchange):
        x12_group = next(g for g in interchange.groups if message in g.sets)
        index = interchange.sets.index(message)
        return _map(message, interchange, x12_group, index, profile, partner, source)
    raise TypeError("an EDIFACT message goes with an EDIFACT interchange, X12 with X12")


def _map(
    message: edifact.Message | x12.TransactionSet,
    interchange: edifact.Interchange | x12.Interchange,
    group: edifact.FunctionalGroup | x12.FunctionalGroup | None,
    index: int,
    profile: MappingProfile,
    partner: str | None,
    source: str | None,
    memo: dict[object, Any] | None = None,
) -> list[MappedDocument]:
    """The message's documents: one, or one per order (``part``) for a ship notice that
    covers several orders."""
    try:
        if isinstance(message, edifact.Message):
            assert isinstance(interchange, edifact.Interchange)
            assert group is None or isinstance(group, edifact.FunctionalGroup)
            mapping = EDIFACT_INBOUND.get(message.type)
            if mapping is None:
                raise _unmapped(message.type, message.header)
            documents = _mapped(mapping, edifact_reader(message, interchange, profile, memo=memo))
            refs = ("edifact", message.type, interchange.control_ref, message.reference)
            group_ref = None if group is None else group.reference
        else:
            assert isinstance(interchange, x12.Interchange)
            assert isinstance(group, x12.FunctionalGroup)
            x12_mapping = X12_INBOUND.get(message.id)
            if x12_mapping is None:
                raise _unmapped(message.id, message.header)
            documents = _mapped(x12_mapping, x12_reader(message, group, profile, memo=memo))
            refs = ("x12", message.id, interchange.control_number, message.control_number)
            group_ref = group.control_number
        syntax, message_type, interchange_ref, message_ref = refs
        source_refs = MappedDocument(
            document=documents[0],
            flow=_FLOWS[type(documents[0])],
            syntax=syntax,
            message_type=message_type,
            interchange_ref=interchange_ref,
            message_ref=message_ref,
            group_ref=group_ref,
            message_index=index,
            segment_index=message.header.index,
        )
        if len(documents) == 1:
            return [source_refs]
        return [
            msgspec.structs.replace(
                source_refs, document=d, flow=_FLOWS[type(d)], part=_order_of(d)
            )
            for d in documents
        ]
    except RejectedInput as error:
        attribute(error, partner=partner, source=source)
        raise


def map_inbound(
    interchange: edifact.Interchange | x12.Interchange,
    profile: MappingProfile,
    *,
    partner: str | None = None,
    source: str | None = None,
) -> list[MappedDocument]:
    """Every message of ``interchange`` mapped to its canonical document, in order.

    Raises ``RejectedInput`` for the first message that cannot be mapped (``not supported``
    when no mapping exists for its type), stamped with ``partner`` and ``source``.
    """
    placed: list[
        tuple[
            edifact.Message | x12.TransactionSet,
            edifact.FunctionalGroup | x12.FunctionalGroup | None,
        ]
    ]
    if isinstance(interchange, edifact.Interchange):
        if interchange.groups:
            placed = [(m, g) for g in interchange.groups for m in g.messages]
        else:
            placed = [(m, None) for m in interchange.messages]
    else:
        placed = [(s, g) for g in interchange.groups for s in g.sets]
    memo: dict[object, Any] = {}  # one profile, one syntax: see ``Reader.memo``
    with collector_paused(segment_count(interchange) >= LARGE_SEGMENTS):
        return [
            mapped
            for index, (message, group) in enumerate(placed)
            for mapped in _map(message, interchange, group, index, profile, partner, source, memo)
        ]


def _order_of(document: Document) -> str:
    """What tells apart the documents of a message that gave several: the order number."""
    assert isinstance(document, ShipmentConfirmation)  # the only mappings that give lists
    return document.order_number
