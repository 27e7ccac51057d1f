"""EDIFACT RECADV (EANCOM, D96A and D01B) -> GoodsReceipt.

Where the data sits: BGM 632 with 1004 the receiving advice number; DTM 50 the date the goods
were received (137, the message date, when 50 is absent); RFF ON the order, AAK the despatch
advice (DQ, the delivery note, when AAK is absent); NAD WH (or DP) the warehouse. Each LIN
group a line: QTY 48 received, 194 received and accepted, 195 received and not accepted
(roles ``received`` / ``accepted`` / ``rejected`` of the ``quantity`` table), QVR 4221 / C960
the reason for a discrepancy. A line that gives only accepted and rejected quantities has
received their sum.
"""

from __future__ import annotations

from contracts import GoodsReceipt, PartyRole, Quantity, ReceiptLine

from .._segment import Segment
from ._edifact import quantities, reference
from ._parties import edifact_parties
from ._products import ProductIds, edifact_item
from ._reader import Reader

__all__ = ["recadv_to_receipt"]

_SUMMARY = frozenset({"UNS", "CNT"})
_WAREHOUSES = (PartyRole.WAREHOUSE, PartyRole.SHIP_TO)


def recadv_to_receipt(reader: Reader) -> GoodsReceipt:
    head, groups, _summary = reader.split("LIN", _SUMMARY)
    bgm = reader.require("BGM", "the receiving advice number", head)
    received = reader.dtm_date(["50", "137"], head)
    if received is None:
        raise reader.missing("the receipt date (DTM 50)")
    parties = edifact_parties(reader, head)
    warehouse = next(
        (p.ids[0].value for role in _WAREHOUSES for p in parties if p.role is role and p.ids),
        None,
    )
    return GoodsReceipt(
        receipt_id=reader.number(bgm, 1, 0, "receiving advice number"),
        receipt_date=received,
        lines=[_line(reader, group, n) for n, group in enumerate(groups, 1)],
        order_number=reference(reader, ["ON"], head),
        asn_number=reference(reader, ["AAK", "DQ"], head),
        warehouse=warehouse,
    )


def _line(reader: Reader, group: list[Segment], position: int) -> ReceiptLine:
    lin = group[0]
    ids = ProductIds(reader, lin)
    edifact_item(reader, ids, group)
    found = quantities(reader, group)
    received = found.get("received")
    accepted, rejected = found.get("accepted"), found.get("rejected")
    if received is None and accepted is not None:
        total = accepted.value + (rejected.value if rejected is not None else 0)
        received = Quantity(value=total, unit=accepted.unit)
    if received is None:
        raise reader.missing("the received quantity (QTY 48 or 194)", lin)
    qvr = reader.first("QVR", group)
    reason = None
    if qvr is not None:
        reason = reader.code(qvr, 2, 0, "discrepancy reason") or reader.code(
            qvr, 1, 0, "discrepancy nature"
        )
    return ReceiptLine(
        line_no=reader.line_number(lin, 0, 0, position),
        product=ids.product(),
        received=received,
        accepted=accepted,
        rejected=rejected,
        reason=reason,
    )
