"""X12 855 purchase order acknowledgment <-> OrderAcknowledgement (004010 / 005010).

Where the data sits: BAK01 the purpose, BAK02 the acknowledgment type (AC with changes, AD no
change, RJ rejected: the ``ack_status`` table), BAK03 the PO number, BAK04 its date, BAK08
the seller's reference (our acknowledgement number; the PO number when absent) and BAK09 the
acknowledgment date (the group's date when absent); CUR the currency; N1 loops the parties.
Each PO1 loop a line: PO1 the ordered quantity, unit, price and product ids, PID the
description, ACK the line status (IA accepted, IB backordered, IR rejected, IQ / IC / DR
changed: the ``line_status`` table) with ACK02 / ACK03 the confirmed quantity and ACK05 the
date its ACK04 qualifier 068 (current schedule ship) names.

Outbound, BAK04 (mandatory, "purchase order date") carries the acknowledgement date: the
contract does not know the order's date. An 855 has no place for a line's reason text.
"""

from __future__ import annotations

from contracts import AckLine, LineStatus, Money, OrderAcknowledgement
from contracts.errors import RejectedInput

from .._segment import Segment
from ._build import seg
from ._errors import NOT_SUPPORTED
from ._parties import n1_segments, x12_parties
from ._products import ProductIds, x12_id_pairs, x12_pairs
from ._profile import MappingProfile
from ._reader import Reader
from ._values import format_date
from ._x12 import currency, description, num, pid_segments

__all__ = ["acknowledgement_to_855", "po855_to_acknowledgement"]

_SUMMARY = frozenset({"CTT"})  # AMT also occurs in PO1 loops
_SHIP = "068"


def po855_to_acknowledgement(reader: Reader) -> OrderAcknowledgement:
    head, groups, _summary = reader.split("PO1", _SUMMARY)
    bak = reader.require("BAK", "the acknowledgment header", head)
    status = reader.lookup("ack_status", bak, 1, 0, "acknowledgment type")
    if status is None:
        raise reader.missing("the acknowledgment type (BAK02)", bak)
    order_number = reader.number(bak, 2, 0, "purchase order number")
    ack_date = reader.day(bak, 8, 0, "acknowledgment date") or reader.sent
    if ack_date is None:
        raise reader.missing("the acknowledgment date (BAK09)", bak)
    ack_number = order_number
    if reader.text(bak, 7) is not None:
        ack_number = reader.number(bak, 7, 0, "acknowledgment number")
    money = currency(reader, head)
    return OrderAcknowledgement(
        ack_number=ack_number,
        order_number=order_number,
        ack_date=ack_date,
        status=LineStatus(status),
        lines=[_line(reader, group, n, money) for n, group in enumerate(groups, 1)],
        parties=x12_parties(reader, head),
    )


def _line(reader: Reader, group: list[Segment], position: int, money: str | None) -> AckLine:
    po1 = group[0]
    ids = ProductIds(reader, po1)
    x12_pairs(reader, ids, po1, 5, len(po1.elements))
    ids.describe(description(group))
    ordered = reader.quantity(po1, (1, 0), (2, 0), "ordered quantity")
    if ordered is None:
        raise reader.missing("the ordered quantity (PO102)", po1)
    ack = reader.first("ACK", group)
    if ack is None:
        raise reader.missing("the line status (ACK segment)", po1)
    status = reader.lookup("line_status", ack, 0, 0, "line item status")
    if status is None:
        raise reader.missing("the line item status (ACK01)", ack)
    confirmed = reader.quantity(ack, (1, 0), (2, 0), "acknowledged quantity", unit=ordered.unit)
    price = reader.decimal(po1, 3, 0, "unit price")
    unit_price: Money | None = None
    if price is not None:
        unit_price = reader.money(price, money, po1)
    ship_date = None
    if ack.value(3).strip() == _SHIP:
        ship_date = reader.day(ack, 4, 0, "scheduled ship date")
    return AckLine(
        line_no=reader.line_number(po1, 0, 0, position),
        product=ids.product(),
        status=LineStatus(status),
        ordered=ordered,
        confirmed=confirmed,
        unit_price=unit_price,
        ship_date=ship_date,
    )


# --- outbound -------------------------------------------------------------------------------


def _code(profile: MappingProfile, table: str, status: LineStatus) -> str:
    code = profile.x12.code_for(table, status.value)
    if code is None and status is LineStatus.BACKORDERED:
        code = profile.x12.code_for(table, LineStatus.CHANGED.value)
    if code is None:
        raise RejectedInput(
            f"no X12 code in table {table} means {status.value!r}",
            code=NOT_SUPPORTED,
            path="$.status",
        )
    return code


def _unit(unit: str, profile: MappingProfile) -> str:
    return profile.x12.unit_out(unit)


def acknowledgement_to_855(ack: OrderAcknowledgement, profile: MappingProfile) -> list[Segment]:
    """The body of an 855 (ST / SE are added by the builder)."""
    day = format_date(ack.ack_date)
    status = _code(profile, "ack_status", ack.status)
    body = [seg("BAK", "00", status, ack.order_number, day, "", "", "", ack.ack_number, day)]
    prices = [line.unit_price.currency for line in ack.lines if line.unit_price]
    if prices:
        body.append(seg("CUR", "SE", prices[0]))
    for party in ack.parties:
        body += n1_segments(party, profile.x12)
    for line in ack.lines:
        price = "" if line.unit_price is None else num(line.unit_price.amount)
        body.append(
            seg(
                "PO1",
                str(line.line_no),
                num(line.ordered.value),
                _unit(line.ordered.unit, profile),
                price,
                "",
                *x12_id_pairs(line.product, profile),
            )
        )
        body += pid_segments(line.product.description)
        ack_qty = (
            []
            if line.confirmed is None
            else [num(line.confirmed.value), _unit(line.confirmed.unit, profile)]
        )
        if line.ship_date is not None:
            ack_qty = (ack_qty or ["", ""]) + [_SHIP, format_date(line.ship_date)]
        body.append(seg("ACK", _code(profile, "line_status", line.status), *ack_qty))
    body.append(seg("CTT", str(len(ack.lines))))
    return body
