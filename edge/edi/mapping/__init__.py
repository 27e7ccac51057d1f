"""Mappings between EDI messages and the canonical contracts, with per-partner profiles.

Inbound, ``map_inbound(interchange, profile, partner=...)`` turns every message of a parsed
EDIFACT or X12 interchange into a ``MappedDocument`` (the document and the references its
envelope and idempotency key are made of): ORDERS / 850 -> SalesOrder, ORDRSP / 855 ->
OrderAcknowledgement, DESADV / 856 / 945 -> ShipmentConfirmation, INVRPT / 846 / 947 ->
InventoryReport, RECADV / 944 -> GoodsReceipt, RETANN / 180 -> ReturnNotice. Outbound,
``render(document, "x12:940:004010", profile, envelope)`` gives the bytes of an interchange:
ORDRSP / 855, INVOIC / 810, INVRPT / 846, DESADV / 856 and 940.

The ``MappingProfile`` holds a partner's qualifiers, code lists, units and carriers; every
code not in it is refused with its position (``RejectedInput``, ``code_list="mapping"``).
Mappings work on parsed segments; grammars and acknowledgements live beside them.
"""

from ._cli import parse_to_json_lines, reason, render_json
from ._desadv import desadv_to_shipments
from ._inbound import (
    EDIFACT_INBOUND,
    X12_INBOUND,
    MappedDocument,
    edifact_reader,
    map_inbound,
    map_message,
    x12_reader,
)
from ._invrpt import invrpt_to_inventory
from ._orders import orders_to_sales_order
from ._ordrsp import ordrsp_to_acknowledgement
from ._profile import CodeTables, MappingProfile, SkuSource, profile_from_tables
from ._reader import Reader
from ._recadv import recadv_to_receipt
from ._render import OUTBOUND, EnvelopeParams, Target, parse_target, render
from ._retann import retann_to_return
from ._x180 import rma180_to_return
from ._x846 import adjustment947_to_inventory, inventory846_to_inventory
from ._x850 import po850_to_sales_order
from ._x855 import po855_to_acknowledgement
from ._x856 import asn856_to_shipments
from ._x944 import receipt944_to_receipt
from ._x945 import advice945_to_shipment

__all__ = [
    "EDIFACT_INBOUND",
    "OUTBOUND",
    "X12_INBOUND",
    "CodeTables",
    "EnvelopeParams",
    "MappedDocument",
    "MappingProfile",
    "Reader",
    "SkuSource",
    "Target",
    "adjustment947_to_inventory",
    "advice945_to_shipment",
    "asn856_to_shipments",
    "desadv_to_shipments",
    "edifact_reader",
    "inventory846_to_inventory",
    "invrpt_to_inventory",
    "map_inbound",
    "map_message",
    "orders_to_sales_order",
    "ordrsp_to_acknowledgement",
    "parse_target",
    "parse_to_json_lines",
    "po850_to_sales_order",
    "po855_to_acknowledgement",
    "profile_from_tables",
    "reason",
    "recadv_to_receipt",
    "receipt944_to_receipt",
    "render",
    "render_json",
    "retann_to_return",
    "rma180_to_return",
    "x12_reader",
]
