"""FulfillmentRequest -> X12 940 warehouse shipping order (004010 / 005010). Outbound only.

Where the data goes (EDI_NOTES): W05 01 ``N`` (new order), 02 the depositor order number
(our request number), 03 the purchase order number (the customer's order); N1 ST the ship-to
and the other parties, N1 WH the warehouse; N9 the references; G62 10 the requested ship
date; W66 the carrier (10, SCAC) and service level (05, routing), with 01 ``PP`` (prepaid)
and 02 ``M`` (motor) because both are mandatory and the contract does not carry them. Each
line is an LX loop: W01 01 the quantity, 02 the unit, 03 the UPC (a 12-digit GTIN), 04 / 05
and 06 / 07 qualifier / id pairs, then G69 the description. W76 01 the total quantity.
"""

from __future__ import annotations

from decimal import Decimal

from contracts import FulfillmentRequest, Party, PartyId, PartyRole

from .._segment import Segment
from ._build import seg
from ._parties import n1_segments
from ._products import x12_id_pairs
from ._profile import MappingProfile
from ._values import format_date, wrap_text
from ._x12 import num, reference_segments

__all__ = ["fulfillment_to_940"]


def fulfillment_to_940(request: FulfillmentRequest, profile: MappingProfile) -> list[Segment]:
    """The body of a 940 (ST / SE are added by the builder)."""
    tables = profile.x12
    body = [seg("W05", "N", request.request_number, request.order_number)]
    body += n1_segments(request.ship_to, tables)
    for party in request.parties:
        body += n1_segments(party, tables)
    warehouse = Party(
        role=PartyRole.WAREHOUSE,
        ids=[PartyId(scheme="supplier_assigned", value=request.warehouse)],
    )
    body += n1_segments(warehouse, tables)
    body += reference_segments("N9", request.references, tables)
    if request.requested_ship is not None:
        body.append(seg("G62", "10", format_date(request.requested_ship)))
    if request.carrier or request.service_level:
        w66 = [
            "PP",
            "M",
            "",
            "",
            request.service_level or "",
            "",
            "",
            "",
            "",
            request.carrier or "",
        ]
        body.append(seg("W66", *w66))
    total = Decimal(0)
    for line in request.lines:
        body.append(seg("LX", str(line.line_no)))
        pairs = x12_id_pairs(line.product, profile)
        upc = ""
        if pairs[0] == "UP":
            upc, pairs = pairs[1], pairs[2:]
        unit = profile.x12.unit_out(line.quantity.unit)
        body.append(seg("W01", num(line.quantity.value), unit, upc, *pairs[:4]))
        if line.product.description:
            body += [seg("G69", piece) for piece in wrap_text(line.product.description, 45)]
        total += line.quantity.value
    body.append(seg("W76", num(total)))
    return body
