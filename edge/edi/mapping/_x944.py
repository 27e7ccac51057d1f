"""X12 944 warehouse stock transfer receipt advice (004010 / 005010) -> GoodsReceipt.

Where the data sits (EDI_NOTES): W17 02 the receipt date, 03 the warehouse receipt number,
04 the depositor order number, 05 the shipment id (the ASN it answers); N1 WH the warehouse.
Each W07 is a received line (in an LX loop when the sender uses them: LX01 is then the line
number): 01 the quantity received, 02 its unit, 03 the UPC, 04 / 05 and 06 / 07 and 10 / 11
qualifier / id pairs. A W13 after it reports an exception: 01 the quantity, 02 its unit, 03
the receiving condition code (kept as the line's reason); that quantity is ``rejected`` and
the rest ``accepted``. W14 totals are not read.
"""

from __future__ import annotations

from decimal import Decimal

from contracts import GoodsReceipt, PartyRole, Quantity, ReceiptLine

from .._segment import Segment
from ._parties import x12_parties
from ._products import ProductIds, x12_pairs
from ._reader import Reader
from ._x12 import description

__all__ = ["receipt944_to_receipt"]

_WAREHOUSES = (PartyRole.WAREHOUSE, PartyRole.SHIP_TO)


def receipt944_to_receipt(reader: Reader) -> GoodsReceipt:
    w17 = reader.require("W17", "the receipt header", reader.body)
    received = reader.day(w17, 1, 0, "receipt date")
    if received is None:
        raise reader.missing("the receipt date (W17 02)", w17)
    drafts: list[tuple[Segment, list[Segment], Segment | None]] = []
    lx: Segment | None = None
    head: list[Segment] = []
    for segment in reader.body:
        if segment.tag == "LX":
            lx = segment
        elif segment.tag == "W07":
            drafts.append((segment, [segment], lx))
            lx = None
        elif segment.tag == "W14":
            break
        elif drafts:
            drafts[-1][1].append(segment)
        else:
            head.append(segment)
    if not drafts:
        raise reader.missing("received lines (W07 segments)")
    parties = x12_parties(reader, head)
    warehouse = next(
        (p.ids[0].value for role in _WAREHOUSES for p in parties if p.role is role and p.ids),
        None,
    )
    order = reader.text(w17, 3)
    asn = reader.text(w17, 4)
    return GoodsReceipt(
        receipt_id=reader.number(w17, 2, 0, "warehouse receipt number"),
        receipt_date=received,
        lines=[_line(reader, *draft, n) for n, draft in enumerate(drafts, 1)],
        order_number=None if order is None else reader.number(w17, 3, 0, "order number"),
        asn_number=None if asn is None else reader.number(w17, 4, 0, "shipment id"),
        warehouse=warehouse,
    )


def _line(
    reader: Reader, w07: Segment, group: list[Segment], lx: Segment | None, position: int
) -> ReceiptLine:
    ids = ProductIds(reader, w07)
    ids.put("gtin", (2, 0), w07)
    x12_pairs(reader, ids, w07, 3, 7)
    x12_pairs(reader, ids, w07, 9, 11)
    ids.describe(description(group))
    received = reader.quantity(w07, (0, 0), (1, 0), "received quantity")
    if received is None:
        raise reader.missing("the received quantity (W07 01)", w07)
    rejected: Quantity | None = None
    reason = None
    w13 = reader.first("W13", group)
    if w13 is not None:
        rejected = reader.quantity(w13, (0, 0), (1, 0), "exception quantity", unit=received.unit)
        reason = reader.code(w13, 2, 0, "receiving condition")
    accepted = None
    if rejected is not None and rejected.unit == received.unit:
        accepted = Quantity(
            value=max(received.value - rejected.value, Decimal(0)), unit=received.unit
        )
    return ReceiptLine(
        line_no=position if lx is None else reader.line_number(lx, 0, 0, position),
        product=ids.product(),
        received=received,
        accepted=accepted,
        rejected=rejected,
        reason=reason,
    )
