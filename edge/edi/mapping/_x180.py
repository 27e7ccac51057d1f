"""X12 180 return merchandise authorization and notification (004010 / 005010) ->
ReturnNotice.

Where the data sits: BGN02 the reference (our RMA number), BGN03 the date; PRF01 the
original order (N9 PO when there is no PRF); N1 loops the parties. Each BLI loop a returned
item: BLI01 / BLI02 the first qualifier / id pair, BLI03 the quantity, BLI04 its unit,
BLI08.. more pairs; PID the description; RDR02 the return reason (the ``return_reason``
table), the message's RDR when the item has none.
"""

from __future__ import annotations

from contracts import ReturnLine, ReturnNotice

from .._segment import Segment
from ._parties import x12_parties
from ._products import ProductIds, x12_pairs
from ._reader import Reader
from ._x12 import description, reference

__all__ = ["rma180_to_return"]


def rma180_to_return(reader: Reader) -> ReturnNotice:
    head, groups, _summary = reader.split("BLI", frozenset({"CTT"}))
    bgn = reader.require("BGN", "the return header", head)
    notice_date = reader.day(bgn, 2, 0, "return date")
    if notice_date is None:
        raise reader.missing("the return date (BGN03)", bgn)
    if not groups:
        raise reader.missing("returned items (BLI segments)")
    prf = reader.first("PRF", head)
    order = None if prf is None else reader.number(prf, 0, 0, "order number")
    header_reason = reader.first("RDR", head)
    return ReturnNotice(
        rma_number=reader.number(bgn, 1, 0, "return reference"),
        notice_date=notice_date,
        lines=[_line(reader, group, n, header_reason) for n, group in enumerate(groups, 1)],
        order_number=order or reference(reader, ["PO"], head),
        parties=x12_parties(reader, head),
    )


def _line(
    reader: Reader, group: list[Segment], position: int, header_reason: Segment | None
) -> ReturnLine:
    bli = group[0]
    ids = ProductIds(reader, bli)
    ids.add((0, 0), (1, 0), bli)
    x12_pairs(reader, ids, bli, 7, len(bli.elements))
    ids.describe(description(group))
    quantity = reader.quantity(bli, (2, 0), (3, 0), "returned quantity")
    if quantity is None:
        raise reader.missing("the returned quantity (BLI03)", bli)
    rdr = reader.first("RDR", group) or header_reason
    reason = None if rdr is None else reader.lookup("return_reason", rdr, 1, 0, "return reason")
    return ReturnLine(
        line_no=position,
        product=ids.product(),
        quantity=quantity,
        reason=reason,
    )
