"""EDIFACT ORDRSP <-> OrderAcknowledgement (EANCOM, D96A and D01B).

Where the data sits: BGM 231 with 1004 the response number and 1225 the status of the whole
response (29 accepted, 4 changed, 27 rejected); DTM 137 its date; RFF ON the order; NAD the
parties; each LIN group a line with 1229 its status (5 accepted, 3 changed, 7 not accepted),
QTY 21 ordered, 113 to be delivered (the confirmed quantity) and 83 backordered, PRI AAA the
net price, DTM 11 the despatch date and FTX AAI the reason. EANCOM has no backorder code for
1229: a line with a backorder quantity is ``backordered``, and is written as "changed" with
its QTY 83 (the part not confirmed).
"""

from __future__ import annotations

from decimal import Decimal

from contracts import AckLine, LineStatus, Money, OrderAcknowledgement, Quantity
from contracts.errors import RejectedInput

from .._segment import Segment
from ._build import seg
from ._edifact import (
    currency,
    dtm,
    free_text,
    net_price,
    number,
    qty,
    quantities,
    reference,
    rff,
)
from ._errors import INVALID, NOT_SUPPORTED
from ._parties import edifact_parties, nad_segments
from ._products import ProductIds, edifact_item, edifact_product_segments
from ._profile import CodeTables, MappingProfile
from ._reader import Reader
from ._values import wrap_text

__all__ = ["acknowledgement_to_ordrsp", "ordrsp_to_acknowledgement"]

_SUMMARY = frozenset({"UNS", "CNT"})
_REASON = frozenset({"AAI"})


def ordrsp_to_acknowledgement(reader: Reader) -> OrderAcknowledgement:
    head, groups, _summary = reader.split("LIN", _SUMMARY)
    bgm = reader.require("BGM", "the response number", head)
    status = reader.lookup("ack_status", bgm, 2, 0, "response status (1225)")
    if status is None:
        raise reader.missing("the response status (BGM 1225)", bgm)
    ack_date = reader.dtm_date(["137"], head) or reader.sent
    if ack_date is None:
        raise reader.missing("the response date (DTM 137)")
    order_number = reference(reader, ["ON"], head)
    if order_number is None:
        raise reader.missing("the order number (RFF ON)")
    money = currency(reader, head)
    return OrderAcknowledgement(
        ack_number=reader.number(bgm, 1, 0, "response number"),
        order_number=order_number,
        ack_date=ack_date,
        status=LineStatus(status),
        lines=[_line(reader, group, n, money) for n, group in enumerate(groups, 1)],
        parties=edifact_parties(reader, head),
    )


def _line(reader: Reader, group: list[Segment], position: int, money: str | None) -> AckLine:
    lin = group[0]
    ids = ProductIds(reader, lin)
    edifact_item(reader, ids, group)
    found = quantities(reader, group)
    ordered = found.get("ordered")
    if ordered is None:
        raise reader.missing("the ordered quantity (QTY 21)", lin)
    status = reader.lookup("line_status", lin, 1, 0, "line action (1229)")
    if status is None:
        raise reader.missing("the line's action code (LIN 1229)", lin)
    if "backordered" in found and status != LineStatus.REJECTED:
        status = LineStatus.BACKORDERED
    price = net_price(reader, group)
    unit_price: Money | None = None
    if price is not None:
        unit_price = reader.money(price[0], money, price[1])
    return AckLine(
        line_no=reader.line_number(lin, 0, 0, position),
        product=ids.product(),
        status=LineStatus(status),
        ordered=ordered,
        confirmed=found.get("confirmed"),
        unit_price=unit_price,
        ship_date=reader.dtm_date(["11"], group),
        reason=free_text(group, _REASON),
    )


# --- outbound -------------------------------------------------------------------------------


def _code(tables: CodeTables, table: str, status: LineStatus) -> str:
    meaning = LineStatus.CHANGED if status is LineStatus.BACKORDERED else status
    code = tables.code_for(table, meaning.value) or tables.code_for(table, status.value)
    if code is None:
        raise RejectedInput(
            f"no EDIFACT code in table {table} means {status.value!r}",
            code=NOT_SUPPORTED,
            path="$.status",
        )
    return code


def acknowledgement_to_ordrsp(
    ack: OrderAcknowledgement, profile: MappingProfile, release: str
) -> list[Segment]:
    """The body of an ORDRSP (UNH / UNT are added by the builder)."""
    tables = profile.edifact
    body = [
        seg("BGM", "231", ack.ack_number, _code(tables, "ack_status", ack.status)),
        dtm("137", ack.ack_date),
        rff("ON", ack.order_number),
    ]
    for party in ack.parties:
        body += nad_segments(party, tables)
    prices = [line.unit_price.currency for line in ack.lines if line.unit_price]
    if prices:
        body.append(seg("CUX", ["2", prices[0], "9"]))
    for line in ack.lines:
        body += _line_segments(line, profile, release)
    body += [seg("UNS", "S"), seg("CNT", ["2", str(len(ack.lines))])]
    return body


def _line_segments(line: AckLine, profile: MappingProfile, release: str) -> list[Segment]:
    item, details = edifact_product_segments(line.product, profile, release)
    action = _code(profile.edifact, "line_status", line.status)
    out = [seg("LIN", str(line.line_no), action, item), *details]
    out.append(qty("21", line.ordered, profile))
    if line.confirmed is not None:
        out.append(qty("113", line.confirmed, profile))
    if line.status is LineStatus.BACKORDERED:
        confirmed = line.confirmed.value if line.confirmed is not None else Decimal(0)
        missing = max(line.ordered.value - confirmed, Decimal(0))
        out.append(qty("83", Quantity(value=missing, unit=line.ordered.unit), profile))
    if line.ship_date is not None:
        out.append(dtm("11", line.ship_date))
    if line.unit_price is not None:
        out.append(seg("PRI", ["AAA", number(line.unit_price.amount, profile)]))
    if line.reason:
        out.append(seg("FTX", "AAI", "", "", _texts(line.reason)))
    return out


def _texts(text: str) -> list[str]:
    pieces = wrap_text(text, 70)
    if len(pieces) > 5:
        raise RejectedInput("a reason longer than five FTX texts of 70 characters", code=INVALID)
    return pieces
