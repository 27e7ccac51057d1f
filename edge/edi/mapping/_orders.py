"""EDIFACT ORDERS (EANCOM, D96A and D01B) -> SalesOrder.

Where the data sits (EDI_NOTES): BGM 1004 the order number and 1225 its function; DTM 137
the order date, 2 the requested delivery, 10 the requested ship date; NAD BY / SU / DP / IV
the parties (with CTA / COM contacts); CUX the currency; RFF the references; FTX the note.
Each LIN group is a line: LIN 1082 the line number and C212 the item (``EN`` in D96A,
``SRV`` in D01B), PIA the supplier's and buyer's articles, IMD the description, QTY 21 the
ordered quantity, PRI AAA the net price, DTM 2 the line's requested date, FTX its note.
"""

from __future__ import annotations

from contracts import DocumentFunction, Money, OrderLine, ProductRef, Quantity, SalesOrder

from .._segment import Segment
from ._edifact import currency, free_text, net_price, quantities, references
from ._parties import edifact_parties
from ._products import ProductIds, edifact_item
from ._reader import Reader

__all__ = ["orders_to_sales_order"]

_SUMMARY = frozenset({"UNS", "CNT"})
_ITEM = frozenset({"LIN", "PIA", "IMD"})
_UNREAD = object()


def orders_to_sales_order(reader: Reader) -> SalesOrder:
    head, groups, _summary = reader.split("LIN", _SUMMARY)
    bgm = reader.require("BGM", "the order number", head)
    order_date = reader.dtm_date(["137"], head)
    if order_date is None:
        raise reader.missing("the order date (DTM 137)")
    if not groups:
        raise reader.missing("order lines (LIN segments)")
    money = currency(reader, head)
    function = reader.lookup("function", bgm, 2, 0, "message function")
    return SalesOrder(
        order_number=reader.number(bgm, 1, 0, "order number"),
        order_date=order_date,
        parties=edifact_parties(reader, head),
        lines=[_line(reader, group, n, money) for n, group in enumerate(groups, 1)],
        function=DocumentFunction(function or "original"),
        currency=money,
        requested_delivery=reader.dtm_date(["2"], head),
        requested_ship=reader.dtm_date(["10"], head),
        references=references(reader, head),
        note=free_text(head),
    )


def _line(reader: Reader, group: list[Segment], position: int, money: str | None) -> OrderLine:
    lin = group[0]
    # what the product is read from: LIN C212, PIA and IMD (see ``Reader.memo``)
    key = (
        "ORDERS product",
        lin.elements[2:3],
        tuple([(s.tag, s.elements) for s in group[1:] if s.tag in _ITEM]),
    )
    product: ProductRef | None = reader.memo.get(key)
    ids: ProductIds | None = None
    if product is None:
        ids = ProductIds(reader, lin)
        edifact_item(reader, ids, group)
    # the quantity is read from the QTY segments, the price from the PRI segments
    quantity_key = ("ORDERS ordered", tuple([s.elements for s in group if s.tag == "QTY"]))
    ordered: Quantity | None = reader.memo.get(quantity_key)
    if ordered is None:
        ordered = quantities(reader, group).get("ordered")
        if ordered is None:
            raise reader.missing(
                "the ordered quantity (QTY with a qualifier meaning 'ordered')", lin
            )
        reader.memo[quantity_key] = ordered
    price_key = ("ORDERS price", tuple([s.elements for s in group if s.tag == "PRI"]), money)
    unit_price: Money | None = reader.memo.get(price_key, _UNREAD)
    if unit_price is _UNREAD:
        price = net_price(reader, group)
        unit_price = None if price is None else reader.money(price[0], money, price[1])
        reader.memo[price_key] = unit_price
    line_no = reader.line_number(lin, 0, 0, position)
    if product is None:  # made here, as before the memo: the errors keep their order
        assert ids is not None  # the identifiers were read above
        product = reader.memo[key] = ids.product()
    return OrderLine(
        line_no=line_no,
        product=product,
        quantity=ordered,
        unit_price=unit_price,
        requested_date=reader.dtm_date(["2"], group),
        note=free_text(group),
    )
