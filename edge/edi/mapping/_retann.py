"""EDIFACT RETANN, the announcement for returns (EANCOM, D96A and D01B) -> ReturnNotice.

Where the data sits: BGM with 1004 the announcement number (our RMA number); DTM 137 its
date; RFF ON the original order; NAD the parties. Each LIN group a returned item: LIN / PIA /
IMD the item, QTY 61 the returned quantity (role ``returned``), FTX RTI with a coded text
(C107 4441) the reason, looked up in the ``return_reason`` table.
"""

from __future__ import annotations

from contracts import ReturnLine, ReturnNotice

from .._segment import Segment
from ._edifact import quantities, reference
from ._parties import edifact_parties
from ._products import ProductIds, edifact_item
from ._reader import Reader

__all__ = ["retann_to_return"]

_SUMMARY = frozenset({"UNS", "CNT"})


def retann_to_return(reader: Reader) -> ReturnNotice:
    head, groups, _summary = reader.split("LIN", _SUMMARY)
    bgm = reader.require("BGM", "the announcement number", head)
    notice_date = reader.dtm_date(["137"], head) or reader.sent
    if notice_date is None:
        raise reader.missing("the announcement date (DTM 137)")
    if not groups:
        raise reader.missing("returned items (LIN segments)")
    return ReturnNotice(
        rma_number=reader.number(bgm, 1, 0, "announcement number"),
        notice_date=notice_date,
        lines=[_line(reader, group, n) for n, group in enumerate(groups, 1)],
        order_number=reference(reader, ["ON"], head),
        parties=edifact_parties(reader, head),
    )


def _line(reader: Reader, group: list[Segment], position: int) -> ReturnLine:
    lin = group[0]
    ids = ProductIds(reader, lin)
    edifact_item(reader, ids, group)
    returned = quantities(reader, group).get("returned")
    if returned is None:
        raise reader.missing("the returned quantity (QTY 61)", lin)
    reason = None
    for segment in group:
        if segment.tag == "FTX" and segment.value(0) == "RTI" and segment.value(2, 0).strip():
            reason = reader.lookup("return_reason", segment, 2, 0, "return reason")
            break
    return ReturnLine(
        line_no=reader.line_number(lin, 0, 0, position),
        product=ids.product(),
        quantity=returned,
        reason=reason,
    )
