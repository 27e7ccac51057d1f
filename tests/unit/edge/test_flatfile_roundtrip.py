"""Property: what ``render_flat`` writes, ``parse_flat`` reads back as the same documents.

Values are chosen to be awkward: delimiters, quotes and line breaks inside values,
characters outside ASCII (within what the layout's encoding can carry), empty optional
fields, decimal commas, and fixed-width values that fill their field exactly.
"""

from __future__ import annotations

import functools
import string
from datetime import date, datetime
from decimal import Decimal
from typing import TypeVar

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from contracts import (
    InventoryLine,
    InventoryReport,
    Money,
    OrderLine,
    Party,
    PartyId,
    ProductRef,
    Quantity,
    SalesOrder,
)
from edge.flatfile import (
    CsvColumn,
    CsvLayout,
    CsvRecord,
    FixedField,
    FixedRecord,
    FixedWidthLayout,
    FlatLayout,
    RecordTypeSpan,
    parse_flat,
    render_flat,
)

T = TypeVar("T")
AWKWARD = ",;\t|\"'\n\r\r\n é€“”…ßØ\x85\u2028#=+-*/\\"
PLAIN = string.ascii_letters + string.digits + " .:()"
WIDE = (
    "äöüÄÖÜßéèêçñøåæœŒŠšŽžŸ¡¿«»°±²³µ¶·¹º¼½¾÷ÀÁÂÃÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖÙÚÛÜÝÞàáâãåìíîïðòóôõùúûüýþÿ\xd7"
)
FAR = "ĀāĂăĄąĆćĈĉĊċČčĎďĐđĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĦħĨĩĪīĬĭĮįİıĲĳ" + "中文日本語한국어עברית😀🚚"


def alphabet(codec: str) -> list[str]:
    """Characters ``codec`` can carry: plain, awkward, and as far from ASCII as it goes."""
    chars = dict.fromkeys(PLAIN + AWKWARD + WIDE + FAR)
    return [c for c in chars if _encodable(c, codec)]


@functools.cache
def maybe(strategy: st.SearchStrategy[T]) -> st.SearchStrategy[T | None]:
    """``strategy`` or None, built once: hypothesis validates every new strategy object."""
    return st.none() | strategy


@functools.cache
def text(codec: str, *, max_size: int = 24) -> st.SearchStrategy[str]:
    """Non-empty text without outer whitespace (values are stripped when read)."""
    return (
        st.text(st.sampled_from(alphabet(codec)), min_size=1, max_size=max_size)
        .map(str.strip)
        .filter(bool)
    )


def _encodable(char: str, codec: str) -> bool:
    try:
        char.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


@functools.cache
def code(max_size: int = 12) -> st.SearchStrategy[str]:
    """A contract ``Code``: no outer spaces, no line breaks."""
    return (
        st.text(string.ascii_letters + string.digits + "-_./ ", min_size=1, max_size=max_size)
        .map(str.strip)
        .filter(bool)
    )


@functools.cache
def amounts(places: int, top: int = 10**6, signed: bool = False) -> st.SearchStrategy[Decimal]:
    low = -top if signed else 0
    return st.decimals(
        min_value=low, max_value=top, places=places, allow_nan=False, allow_infinity=False
    )


UNITS = st.sampled_from(["EA", "KG", "MTR"])
DAYS = st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31))
GLNS = st.text(string.digits, min_size=13, max_size=13)


@functools.cache
def references(codec: str) -> st.SearchStrategy[dict[str, str]]:
    return st.dictionaries(st.just("customer_ref"), text(codec), max_size=1)


@st.composite
def sales_orders(draw: st.DrawFn, codec: str, fixed: bool = False) -> list[SalesOrder]:
    numbers = draw(st.lists(code(12), min_size=1, max_size=4, unique=True))
    currency = draw(st.sampled_from(["EUR", "USD", "CHF"]))
    orders = []
    for number in numbers:
        parties = []
        gln = draw(maybe(GLNS))
        if gln:
            parties.append(Party(role="buyer", ids=[PartyId(scheme="gln", value=gln)]))  # type: ignore[arg-type]
        if not fixed:
            name = draw(maybe(text(codec)))
            if name:
                parties.append(Party(role="ship_to", name=name))  # type: ignore[arg-type]
        lines = []
        for line_no in range(1, draw(st.integers(1, 4)) + 1):
            price = draw(maybe(amounts(2, 10**5)))
            lines.append(
                OrderLine(
                    line_no=line_no,
                    product=ProductRef(
                        sku=draw(code(15)),
                        description=None if fixed else draw(maybe(text(codec))),
                    ),
                    quantity=Quantity(value=draw(amounts(3, 10**5)), unit=draw(UNITS)),
                    unit_price=None if price is None else Money(amount=price, currency=currency),
                    requested_date=None if fixed else draw(maybe(DAYS)),
                )
            )
        orders.append(
            SalesOrder(
                order_number=number,
                order_date=draw(DAYS),
                parties=parties,
                lines=lines,
                currency=currency,
                note=None if fixed else draw(maybe(text(codec))),
                references={} if fixed else draw(references(codec)),
            )
        )
    return orders


def order_layout(delimiter: str, encoding: str, decimal: str, header: bool) -> CsvLayout:
    columns = (
        ("PO", "order_number"),
        ("Date", "order_date"),
        ("Buyer", "parties[buyer].ids[gln]"),
        ("Ship to", "parties[ship_to].name"),
        ("Currency", "currency"),
        ("Ref", "references[customer_ref]"),
        ("Note", "note"),
        ("Line", "lines[].line_no"),
        ("SKU", "lines[].product.sku"),
        ("Description", "lines[].product.description"),
        ("Qty", "lines[].quantity.value"),
        ("Unit", "lines[].quantity.unit"),
        ("Price", "lines[].unit_price.amount"),
        ("Wanted", "lines[].requested_date"),
    )
    return CsvLayout(
        name="orders",
        document="sales_order",
        direction="both",
        delimiter=delimiter,
        encoding=encoding,  # type: ignore[arg-type]
        decimal_separator=decimal,  # type: ignore[arg-type]
        date_format="%d.%m.%Y" if decimal == "," else "%Y-%m-%d",
        header=header,
        line_ending="lf" if delimiter == "\t" else "crlf",
        columns=tuple(CsvColumn(name=name, target=target) for name, target in columns),
    )


def round_trip(documents: list[SalesOrder] | list[InventoryReport], layout: FlatLayout) -> None:
    data = render_flat(documents, layout)
    parsed = parse_flat(data, layout, partner="p", source="stock.csv")
    assert list(parsed.documents) == documents
    # and the canonical JSON is the same, digits included
    assert msgspec.json.encode(list(parsed.documents)) == msgspec.json.encode(documents)


@given(sales_orders("utf-8"), st.sampled_from([",", ";", "\t", "|"]), st.booleans())
def test_sales_orders_round_trip_in_utf8(
    orders: list[SalesOrder], delimiter: str, header: bool
) -> None:
    round_trip(orders, order_layout(delimiter, "utf-8-sig", ".", header))


@given(sales_orders("cp1252"), st.sampled_from([";", "\t"]))
def test_sales_orders_round_trip_in_cp1252_with_decimal_commas(
    orders: list[SalesOrder], delimiter: str
) -> None:
    round_trip(orders, order_layout(delimiter, "cp1252", ",", True))


@given(sales_orders("latin-1"))
def test_sales_orders_round_trip_in_latin1(orders: list[SalesOrder]) -> None:
    round_trip(orders, order_layout(",", "latin-1", ".", False))


FIXED_ORDERS = FixedWidthLayout(
    name="fixed",
    document="sales_order",
    direction="both",
    date_format="%Y%m%d",
    record_type=RecordTypeSpan(length=1),
    records=(
        FixedRecord(
            code="H",
            role="header",
            fields=(
                FixedField(start=2, length=12, target="order_number"),
                FixedField(start=14, length=8, target="order_date"),
                FixedField(start=22, length=13, target="parties[buyer].ids[gln]"),
                FixedField(start=35, length=3, target="currency"),
            ),
        ),
        FixedRecord(
            code="D",
            record_length=50,
            fields=(
                FixedField(start=2, length=6, target="lines[].line_no", pad="0"),
                FixedField(start=8, length=15, target="lines[].product.sku"),
                FixedField(
                    start=23, length=9, target="lines[].quantity.value", pad="0", implied_decimals=3
                ),
                FixedField(
                    start=32,
                    length=10,
                    target="lines[].unit_price.amount",
                    pad="0",
                    implied_decimals=2,
                ),
                FixedField(
                    start=42,
                    length=3,
                    target="lines[].quantity.unit",
                    map={"PCE": "EA", "KGM": "KG", "MTR": "MTR"},
                ),
            ),
        ),
        FixedRecord(
            code="T",
            role="trailer",
            fields=(FixedField(start=2, length=6, target="control.line_count", pad="0"),),
        ),
    ),
)


@given(sales_orders("ascii", fixed=True))
def test_sales_orders_round_trip_in_fixed_width(orders: list[SalesOrder]) -> None:
    round_trip(orders, FIXED_ORDERS)


@st.composite
def inventory(draw: st.DrawFn, codec: str) -> list[InventoryReport]:
    lines = [
        InventoryLine(
            product=ProductRef(
                sku=draw(code(15)),
                gtin=draw(maybe(GLNS)),
                description=draw(maybe(text(codec))),
            ),
            location=draw(code(10)),
            on_hand=draw(maybe(amounts(3))),
            available=draw(maybe(amounts(3, signed=True))),
            unit=draw(st.sampled_from(["EA", "KG"])),
        )
        for _ in range(draw(st.integers(0, 5)))
    ]
    moment = draw(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1)))
    return [
        InventoryReport(
            report_id="stock",
            as_of=moment.replace(microsecond=0),
            lines=lines,
            warehouse=draw(maybe(code(8))),
        )
    ]


def stock_layout(encoding: str, delimiter: str) -> CsvLayout:
    return CsvLayout(
        name="stock",
        document="inventory_report",
        direction="both",
        encoding=encoding,  # type: ignore[arg-type]
        delimiter=delimiter,
        datetime_format="%Y-%m-%d %H:%M:%S",
        columns=(
            CsvColumn(name="when", target="as_of"),
            CsvColumn(name="wh", target="warehouse"),
            CsvColumn(name="sku", target="lines[].product.sku"),
            CsvColumn(name="ean", target="lines[].product.gtin"),
            CsvColumn(name="text", target="lines[].product.description"),
            CsvColumn(name="bin", target="lines[].location"),
            CsvColumn(name="on hand", target="lines[].on_hand"),
            CsvColumn(name="free", target="lines[].available"),
            CsvColumn(name="unit", target="lines[].unit"),
        ),
    )


@given(inventory("utf-8"), st.sampled_from([",", ";", "|"]))
def test_inventory_reports_round_trip(reports: list[InventoryReport], delimiter: str) -> None:
    # The layout maps no report id: the file name (stock.csv) names the report.
    round_trip(reports, stock_layout("utf-8", delimiter))


@given(inventory("cp1252"))
def test_inventory_reports_round_trip_in_cp1252(reports: list[InventoryReport]) -> None:
    round_trip(reports, stock_layout("cp1252", "\t"))


def test_the_multi_record_csv_round_trips() -> None:
    layout = CsvLayout(
        name="hdt",
        document="sales_order",
        direction="both",
        header=False,
        record_type_column=1,
        records=(
            CsvRecord(
                code="H",
                role="header",
                columns=(
                    CsvColumn(index=2, target="order_number"),
                    CsvColumn(index=3, target="order_date"),
                ),
            ),
            CsvRecord(
                code="D",
                columns=(
                    CsvColumn(index=2, target="lines[].product.sku"),
                    CsvColumn(index=3, target="lines[].quantity.value"),
                ),
            ),
            CsvRecord(
                code="T", role="trailer", columns=(CsvColumn(index=2, target="control.line_count"),)
            ),
        ),
    )
    orders = [
        SalesOrder(
            order_number=f"P{n}",
            order_date=date(2024, 3, n),
            parties=[],
            lines=[
                OrderLine(
                    line_no=i, product=ProductRef(sku=f"S,{i}"), quantity=Quantity(value=Decimal(i))
                )
                for i in range(1, n + 1)
            ],
        )
        for n in (1, 2, 3)
    ]
    data = render_flat(orders, layout)
    assert data.startswith(b'H,P1,2024-03-01\r\nD,"S,1",1\r\nT,1\r\nH,P2')
    assert list(parse_flat(data, layout, partner="p", source="f").documents) == orders
