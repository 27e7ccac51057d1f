"""X12 850 purchase order (004010 / 005010) -> SalesOrder.

Where the data sits (EDI_NOTES): BEG01 the purpose (00 original, 05 replace, 01 cancel),
BEG03 the PO number, BEG05 its date; CUR02 the currency; REF the references; DTM 002 the
requested delivery, 010 the requested ship date; N1 loops (ST / BT / BY...) the parties; each
PO1 loop a line: PO101 the line number, PO102 the quantity, PO103 its unit, PO104 the unit
price, PO106.. qualifier / id pairs (UP, EN, UK, VP, BP, IN), PID05 the description and a
DTM 002 the line's requested date. CTT and what follows are totals, not read.
"""

from __future__ import annotations

from contracts import DocumentFunction, Money, OrderLine, ProductRef, SalesOrder

from .._segment import Segment
from ._parties import x12_parties
from ._products import ProductIds, x12_pairs
from ._reader import Reader
from ._x12 import currency, date_of, description, references

__all__ = ["po850_to_sales_order"]

_SUMMARY = frozenset({"CTT"})  # AMT also occurs in PO1 loops
_UNREAD = object()


def po850_to_sales_order(reader: Reader) -> SalesOrder:
    head, groups, _summary = reader.split("PO1", _SUMMARY)
    beg = reader.require("BEG", "the purchase order number", head)
    order_date = reader.day(beg, 4, 0, "purchase order date")
    if order_date is None:
        raise reader.missing("the purchase order date (BEG05)", beg)
    if not groups:
        raise reader.missing("order lines (PO1 segments)")
    money = currency(reader, head)
    function = reader.lookup("function", beg, 0, 0, "transaction set purpose")
    return SalesOrder(
        order_number=reader.number(beg, 2, 0, "purchase order number"),
        order_date=order_date,
        parties=x12_parties(reader, head),
        lines=[_line(reader, group, n, money) for n, group in enumerate(groups, 1)],
        function=DocumentFunction(function or "original"),
        currency=money,
        requested_delivery=date_of(reader, ["002"], head),
        requested_ship=date_of(reader, ["010"], head),
        references=references(reader, head),
    )


def _line(reader: Reader, group: list[Segment], position: int, money: str | None) -> OrderLine:
    po1 = group[0]
    # what the product is read from: PO106.. and the PID segments (see ``Reader.memo``)
    key = ("850 product", po1.elements[5:], tuple([s.elements for s in group if s.tag == "PID"]))
    product: ProductRef | None = reader.memo.get(key)
    ids: ProductIds | None = None
    if product is None:
        ids = ProductIds(reader, po1)
        x12_pairs(reader, ids, po1, 5, len(po1.elements))
        ids.describe(description(group))
    quantity = reader.quantity(po1, (1, 0), (2, 0), "ordered quantity")
    if quantity is None:
        raise reader.missing("the ordered quantity (PO102)", po1)
    # the price is read from PO104 and PO105 and the message's currency
    price_key = ("850 price", po1.elements[3:5], money)
    unit_price: Money | None = reader.memo.get(price_key, _UNREAD)
    if unit_price is _UNREAD:
        unit_price = reader.memo[price_key] = _unit_price(reader, po1, money)
    line_no = reader.line_number(po1, 0, 0, position)
    if product is None:  # made here, as before the memo: the errors keep their order
        assert ids is not None  # the identifiers were read above
        product = reader.memo[key] = ids.product()
    return OrderLine(
        line_no=line_no,
        product=product,
        quantity=quantity,
        unit_price=unit_price,
        requested_date=date_of(reader, ["002"], group),
    )


def _unit_price(reader: Reader, po1: Segment, money: str | None) -> Money | None:
    price = reader.decimal(po1, 3, 0, "unit price")
    if price is None:
        return None
    basis = reader.lookup("price", po1, 4, 0, "basis of unit price")
    return reader.money(price, money, po1) if basis == "net" else None
