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

from .._segment import Element, Segment
from ._edifact import currency, free_text, net_price, references
from ._edifact import quantities as quantities_of
from ._parties import edifact_parties
from ._products import ProductIds, edifact_item
from ._reader import Reader

__all__ = ["orders_to_sales_order"]

_SUMMARY = frozenset({"UNS", "CNT"})
_ITEM = frozenset({"LIN", "PIA", "IMD"})
_REQUESTED = ("2",)


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
    line = _Lines(reader, money).line
    return SalesOrder(
        order_number=reader.number(bgm, 1, 0, "order number"),
        order_date=order_date,
        parties=edifact_parties(reader, head),
        lines=[line(group, n) for n, group in enumerate(groups, 1)],
        function=DocumentFunction(function or "original"),
        currency=money,
        requested_delivery=reader.dtm_date(_REQUESTED, head),
        requested_ship=reader.dtm_date(["10"], head),
        references=references(reader, head),
        note=free_text(head),
    )


class _Lines:
    """Reads the LIN groups of one message.

    What a line is made of is looked up in three memos (see ``Reader.memo``), each a dict
    of its own keyed by the raw elements alone: the product by LIN C212 and the PIA / IMD
    segments, the ordered quantity by the QTY segments, the price by the PRI segments (in
    the message's currency). One pass over a group sorts its segments into those keys, in
    place of a scan per key, and the memos are fetched once per message.
    """

    def __init__(self, reader: Reader, money: str | None) -> None:
        self.reader = reader
        self.money = money
        memo = reader.memo
        self.products: dict[object, ProductRef] = memo.setdefault("ORDERS products", {})
        self.quantities: dict[object, Quantity] = memo.setdefault("ORDERS ordered", {})
        self.prices: dict[object, Money | None] = memo.setdefault(("ORDERS prices", money), {})

    def line(self, group: list[Segment], position: int) -> OrderLine:
        reader = self.reader
        lin = group[0]
        items: list[tuple[str, tuple[Element, ...]]] = []
        quantities: list[tuple[Element, ...]] = []
        prices: list[tuple[Element, ...]] = []
        other = False  # DTM, FTX...: only then are the line's date and note looked for
        for segment in group[1:]:
            tag = segment.tag
            if tag in _ITEM:
                items.append((tag, segment.elements))
            elif tag == "QTY":
                quantities.append(segment.elements)
            elif tag == "PRI":
                prices.append(segment.elements)
            else:
                other = True
        product_key = (lin.elements[2:3], tuple(items))
        product = self.products.get(product_key)
        ids: ProductIds | None = None
        if product is None:
            ids = ProductIds(reader, lin)
            edifact_item(reader, ids, group)
        quantity_key = tuple(quantities)
        ordered = self.quantities.get(quantity_key)
        if ordered is None:
            ordered = quantities_of(reader, group).get("ordered")
            if ordered is None:
                raise reader.missing(
                    "the ordered quantity (QTY with a qualifier meaning 'ordered')", lin
                )
            self.quantities[quantity_key] = ordered
        price_key = tuple(prices)
        try:
            unit_price = self.prices[price_key]
        except KeyError:  # None is a price read too: no net price in the group
            price = net_price(reader, group)
            unit_price = None if price is None else reader.money(price[0], self.money, price[1])
            self.prices[price_key] = unit_price
        line_no = reader.line_number(lin, 0, 0, position)
        if product is None:  # made here, as before the memo: the errors keep their order
            assert ids is not None  # the identifiers were read above
            product = self.products[product_key] = ids.product()
        return OrderLine(
            line_no=line_no,
            product=product,
            quantity=ordered,
            unit_price=unit_price,
            requested_date=reader.dtm_date(_REQUESTED, group) if other else None,
            note=free_text(group) if other else None,
        )
