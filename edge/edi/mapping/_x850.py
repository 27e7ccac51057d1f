"""X12 850 purchase order (004010 / 005010) -> SalesOrder.

Where the data sits (EDI_NOTES): BEG01 the purpose (00 original, 05 replace, 01 cancel),
BEG03 the PO number, BEG05 its date; CUR02 the currency; REF the references; DTM 002 the
requested delivery, 010 the requested ship date; N1 loops (ST / BT / BY...) the parties; each
PO1 loop a line: PO101 the line number, PO102 the quantity, PO103 its unit, PO104 the unit
price, PO106.. qualifier / id pairs (UP, EN, UK, VP, BP, IN), PID05 the description and a
DTM 002 the line's requested date. CTT and what follows are totals, not read.
"""

from __future__ import annotations

from contracts import DocumentFunction, Money, OrderLine, ProductRef, Quantity, SalesOrder

from .._segment import Element, Segment
from ._parties import x12_parties
from ._products import ProductIds, x12_pairs
from ._reader import Reader
from ._x12 import currency, date_of, description, references

__all__ = ["po850_to_sales_order"]

_SUMMARY = frozenset({"CTT"})  # AMT also occurs in PO1 loops
_REQUESTED = ("002",)


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
    line = _Lines(reader, money).line
    return SalesOrder(
        order_number=reader.number(beg, 2, 0, "purchase order number"),
        order_date=order_date,
        parties=x12_parties(reader, head),
        lines=[line(group, n) for n, group in enumerate(groups, 1)],
        function=DocumentFunction(function or "original"),
        currency=money,
        requested_delivery=date_of(reader, _REQUESTED, head),
        requested_ship=date_of(reader, ["010"], head),
        references=references(reader, head),
    )


class _Lines:
    """Reads the PO1 loops of one set.

    What a line is made of is looked up in memos (see ``Reader.memo``), each a dict of its
    own keyed by the raw elements alone: the product by PO106.. and the PID segments, the
    quantity by PO102 / PO103, the price by PO104 / PO105 (in the set's currency), the line
    number by PO101. Fetched once per set, they save the name tuples and the ``Reader``
    calls of the general memo on every line.
    """

    def __init__(self, reader: Reader, money: str | None) -> None:
        self.reader = reader
        self.money = money
        memo = reader.memo
        self.products: dict[object, ProductRef] = memo.setdefault("850 products", {})
        self.quantities: dict[object, Quantity] = memo.setdefault("850 quantities", {})
        self.prices: dict[object, Money | None] = memo.setdefault(("850 prices", money), {})
        self.numbers: dict[object, int] = memo.setdefault("850 line numbers", {})

    def line(self, group: list[Segment], position: int) -> OrderLine:
        reader = self.reader
        po1 = group[0]
        elements = po1.elements
        if len(group) == 2 and group[1].tag == "PID":  # the usual loop: no list to make
            pids: tuple[tuple[Element, ...], ...] = (group[1].elements,)
        else:
            pids = tuple([s.elements for s in group if s.tag == "PID"])
        product_key = (elements[5:], pids)
        product = self.products.get(product_key)
        ids: ProductIds | None = None
        if product is None:
            ids = ProductIds(reader, po1)
            x12_pairs(reader, ids, po1, 5, len(elements))
            ids.describe(description(group))
        quantity = self.quantities.get(elements[1:3])
        if quantity is None:
            quantity = reader.quantity(po1, (1, 0), (2, 0), "ordered quantity")
            if quantity is None:
                raise reader.missing("the ordered quantity (PO102)", po1)
            self.quantities[elements[1:3]] = quantity
        try:
            unit_price = self.prices[elements[3:5]]
        except KeyError:  # None is a price read too: no price, or not a net one
            unit_price = self.prices[elements[3:5]] = _unit_price(reader, po1, self.money)
        sent = elements[0] if elements else ()
        line_no = self.numbers.get(sent)
        if line_no is None:
            line_no = reader.line_number(po1, 0, 0, position)
            if sent and sent[0].strip():  # a number sent (not the position) is worth keeping
                self.numbers[sent] = line_no
        if product is None:  # made here, as before the memo: the errors keep their order
            assert ids is not None  # the identifiers were read above
            product = self.products[product_key] = ids.product()
        # a loop of PO1 and PIDs alone has no DTM to look at
        dated = len(pids) + 1 < len(group)
        return OrderLine(
            line_no=line_no,
            product=product,
            quantity=quantity,
            unit_price=unit_price,
            requested_date=date_of(reader, _REQUESTED, group) if dated else None,
        )


def _unit_price(reader: Reader, po1: Segment, money: str | None) -> Money | None:
    price = reader.decimal(po1, 3, 0, "unit price")
    if price is None:
        return None
    basis = reader.lookup("price", po1, 4, 0, "basis of unit price")
    return reader.money(price, money, po1) if basis == "net" else None
