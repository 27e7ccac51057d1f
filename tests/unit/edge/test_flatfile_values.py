"""Reading values: encodings and byte order marks, number and date conventions, padding,
implied decimals, code maps, constants, placeholders, and where rows start."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import msgspec
import pytest

from contracts import InventoryReport, SalesOrder
from edge.flatfile import (
    CsvColumn,
    CsvLayout,
    FixedField,
    FixedWidthLayout,
    FlatFileRejected,
    parse_flat,
    render_flat,
)

ORDER = CsvLayout(
    name="o",
    document="sales_order",
    header=False,
    columns=(
        CsvColumn(target="order_number"),
        CsvColumn(target="order_date"),
        CsvColumn(target="parties[buyer].name"),
        CsvColumn(target="lines[].product.sku"),
        CsvColumn(target="lines[].quantity.value"),
    ),
)


def order(data: bytes, layout: CsvLayout = ORDER) -> SalesOrder:
    (document,) = parse_flat(data, layout, partner="p", source="f.csv").documents
    assert isinstance(document, SalesOrder)
    return document


def buyer(document: SalesOrder) -> str | None:
    return document.parties[0].name


def with_(layout: CsvLayout, **changes: object) -> CsvLayout:
    return msgspec.structs.replace(layout, **changes)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_a_utf8_byte_order_mark_is_dropped_whichever_utf8_is_declared(encoding: str) -> None:
    layout = with_(ORDER, encoding=encoding, header=True)
    layout = with_(
        layout, columns=(CsvColumn(name="PO", target="order_number"), *ORDER.columns[1:])
    )
    data = "PO,d,b,s,q\nP1,2024-03-01,Zoë,A,1\n".encode()
    assert order(b"\xef\xbb\xbf" + data, layout).order_number == "P1"
    assert buyer(order(data, layout)) == "Zoë"  # no BOM is fine too


def test_latin1_bytes_are_read_as_latin1() -> None:
    data = b"P1,2024-03-01,M\xfcller Gro\xdfhandel \xe0 Caf\xe9,A,1\n"
    layout = with_(ORDER, encoding="latin-1")
    assert buyer(order(data, layout)) == "Müller Großhandel à Café"


def test_cp1252_bytes_are_read_as_cp1252_not_latin1() -> None:
    data = b"P1,2024-03-01,\x93Smart\x94 O\x92Neil \x80 \x85 end,A,1\n"
    assert (
        buyer(order(data, with_(ORDER, encoding="cp1252")))
        == "\u201cSmart\u201d O\u2019Neil \u20ac \u2026 end"
    )
    latin1 = buyer(order(data, with_(ORDER, encoding="latin-1")))
    assert latin1 == "\x93Smart\x94 O\x92Neil \x80 \x85 end"  # C1 controls: the wrong reading


def test_a_next_line_character_does_not_split_a_record() -> None:
    latin1 = b"P1,2024-03-01,a\x85b\x85c,A,1\n"  # NEL (0x85 in Latin-1) inside a value
    assert buyer(order(latin1, with_(ORDER, encoding="latin-1"))) == "a\x85b\x85c"
    utf8 = "P1,2024-03-01,a\x85b\u2028c\u2029d,A,1\n".encode()  # and the Unicode separators
    assert buyer(order(utf8)) == "a\x85b\u2028c\u2029d"


@pytest.mark.parametrize(
    ("decimal", "thousands", "text", "value"),
    [
        (",", "", "1,5", "1.5"),
        (",", ".", "1.234,5", "1234.5"),
        (",", ".", "1.234.567,25", "1234567.25"),
        (",", " ", "1 234,5", "1234.5"),
        (".", ",", "1,234.5", "1234.5"),
        (".", "'", "1'234.5", "1234.5"),
        (".", "", "+3", "3"),
        (".", "", ".5", "0.5"),
        (".", "", "0007.250", "7.250"),
    ],
)
def test_decimal_separators(decimal: str, thousands: str, text: str, value: str) -> None:
    layout = with_(ORDER, decimal_separator=decimal, thousands_separator=thousands, delimiter=";")
    document = order(f"P1;2024-03-01;b;A;{text}\n".encode(), layout)
    assert document.lines[0].quantity.value == Decimal(value)
    assert str(document.lines[0].quantity.value) == value  # the digits as written, no float


@pytest.mark.parametrize(
    ("decimal", "thousands", "text"),
    [
        (",", "", "1.5"),  # a point where a comma is the separator
        (",", ".", "1.23,5"),  # thousands groups of three
        (".", ",", "12,34.5"),
        (".", "", "1e3"),
        (".", "", "1.2.3"),
        (".", "", "NaN"),
        (".", "", "- 1"),
    ],
)
def test_numbers_that_do_not_read(decimal: str, thousands: str, text: str) -> None:
    layout = with_(ORDER, decimal_separator=decimal, thousands_separator=thousands, delimiter=";")
    with pytest.raises(FlatFileRejected) as caught:
        parse_flat(f"P1;2024-03-01;b;A;{text}\n".encode(), layout, partner="p", source="f")
    (error,) = caught.value.errors
    assert (error.code, error.value, error.column_number) == ("bad-number", text, 5)


@pytest.mark.parametrize(
    ("fmt", "text", "day"),
    [
        ("%Y-%m-%d", "2024-03-01", date(2024, 3, 1)),
        ("%d.%m.%Y", "01.03.2024", date(2024, 3, 1)),
        ("%m/%d/%Y", "3/1/2024", date(2024, 3, 1)),
        ("%Y%m%d", "20240301", date(2024, 3, 1)),
        ("%d%m%y", "010324", date(2024, 3, 1)),
    ],
)
def test_date_formats(fmt: str, text: str, day: date) -> None:
    assert order(f"P1,{text},b,A,1\n".encode(), with_(ORDER, date_format=fmt)).order_date == day


@pytest.mark.parametrize(("fmt", "text"), [("%Y%m%d", "2024311"), ("%Y-%m-%d", "2024-02-30")])
def test_dates_that_do_not_read(fmt: str, text: str) -> None:
    with pytest.raises(FlatFileRejected) as caught:
        parse_flat(
            f"P1,{text},b,A,1\n".encode(), with_(ORDER, date_format=fmt), partner="p", source="f"
        )
    (error,) = caught.value.errors
    assert error.code == "bad-date" and fmt in error.expected


def test_a_column_format_overrides_the_layout_and_a_date_fills_a_datetime() -> None:
    layout = CsvLayout(
        name="inv",
        document="inventory_report",
        header=False,
        datetime_format="%d.%m.%Y %H:%M",
        columns=(
            CsvColumn(target="report_id"),
            CsvColumn(target="as_of", type="date", format="%Y%m%d"),
            CsvColumn(target="lines[].product.sku"),
            CsvColumn(target="lines[].location"),
        ),
    )
    (report,) = parse_flat(b"R1,20240301,A,L1\n", layout, partner="p", source="f").documents
    assert isinstance(report, InventoryReport)
    assert report.as_of == datetime(2024, 3, 1, 0, 0)
    dated = msgspec.structs.replace(
        layout, columns=(layout.columns[0], CsvColumn(target="as_of"), *layout.columns[2:])
    )
    (report,) = parse_flat(b"R1,01.03.2024 14:30,A,L1\n", dated, partner="p", source="f").documents
    assert report.as_of == datetime(2024, 3, 1, 14, 30)  # type: ignore[union-attr]


def test_maps_translate_codes_including_the_empty_one() -> None:
    layout = with_(
        ORDER,
        columns=(
            *ORDER.columns,
            CsvColumn(target="function", map={"": "original", "R": "replace", "C": "cancel"}),
        ),
    )
    assert order(b"P1,2024-03-01,b,A,1,R\n", layout).function == "replace"
    assert order(b"P1,2024-03-01,b,A,1,\n", layout).function == "original"


def test_constants_fill_what_the_file_lacks_and_columns_win() -> None:
    layout = with_(
        ORDER,
        constants={"currency": "EUR", "lines[].quantity.unit": "KGM", "note": "by csv"},
        columns=(
            *ORDER.columns,
            CsvColumn(target="lines[].unit_price.amount"),
            CsvColumn(target="currency"),
        ),
    )
    document = order(b"P1,2024-03-01,b,A,1,2.5,\n", layout)
    assert (document.currency, document.note, document.lines[0].quantity.unit) == (
        "EUR",
        "by csv",
        "KGM",
    )
    assert document.lines[0].unit_price is not None
    assert document.lines[0].unit_price.currency == "EUR"  # a money value takes the document's
    assert order(b"P1,2024-03-01,b,A,1,2.5,USD\n", layout).currency == "USD"


def test_placeholders_skip_rows_and_numbering() -> None:
    layout = CsvLayout(
        name="o",
        document="sales_order",
        skip_rows=2,
        columns=(
            CsvColumn(name="PO", target="order_number"),
            CsvColumn(name="ignored"),
            CsvColumn(name="Date", target="order_date"),
            CsvColumn(name="SKU", target="lines[].product.sku"),
            CsvColumn(name="Qty", target="lines[].quantity.value"),
        ),
    )
    data = (
        b"Orders export\nGenerated 2024-03-01\n"
        b"Qty,SKU,Date,ignored,PO\n2,A,2024-03-01,zzz,P1\n3,B,2024-03-01,,P1\n"
    )
    document = order(data, layout)
    assert [(ln.line_no, ln.product.sku, ln.quantity.value) for ln in document.lines] == [
        (1, "A", 2),
        (2, "B", 3),
    ]


def test_strip_can_be_turned_off() -> None:
    data = b'P1,2024-03-01,"  spaced  ",A,1\n'
    assert buyer(order(data)) == "spaced"
    assert buyer(order(data, with_(ORDER, strip=False))) == "  spaced  "


def test_line_endings_of_every_kind_are_read() -> None:
    for ending in (b"\n", b"\r\n", b"\r"):
        data = ending.join([b"P1,2024-03-01,b,A,1", b"P1,2024-03-01,b,B,2", b""])
        assert len(order(data).lines) == 2


FIXED = FixedWidthLayout(
    name="f",
    document="inventory_report",
    record_length=30,
    constants={"report_id": "R", "as_of": "2024-03-01T06:00:00"},
    fields=(
        FixedField(start=1, length=8, target="lines[].product.sku"),
        FixedField(start=9, length=6, target="lines[].location", align="right", pad="*"),
        FixedField(start=15, length=8, target="lines[].on_hand", pad="0", implied_decimals=3),
        FixedField(start=23, length=8, target="lines[].available"),
    ),
)


def test_fixed_width_padding_alignment_and_signs() -> None:
    data = b"A-1     ***L-100012500    -2.5\nB       **L-2020000000        \n"
    (report,) = parse_flat(data, FIXED, partner="p", source="f").documents
    assert isinstance(report, InventoryReport)
    assert [(ln.product.sku, ln.location, ln.on_hand, ln.available) for ln in report.lines] == [
        ("A-1", "L-1", Decimal("12.500"), Decimal("-2.5")),
        ("B", "L-20", Decimal("20000.000"), None),
    ]
    assert render_flat([report], FIXED) == data.replace(b"\n", b"\r\n")


def test_fixed_width_negative_zero_padded_numbers_round_trip() -> None:
    layout = msgspec.structs.replace(
        FIXED,
        fields=(
            *FIXED.fields[:3],
            FixedField(start=23, length=8, target="lines[].available", pad="0"),
        ),
    )
    data = b"A       ***L-100012500-0000025\r\n"
    (report,) = parse_flat(data, layout, partner="p", source="f").documents
    assert report.lines[0].available == Decimal(-25)  # type: ignore[union-attr]
    assert render_flat([report], layout) == data


def test_date_times_with_an_offset_and_a_dos_end_of_file_mark() -> None:
    layout = CsvLayout(
        name="inv",
        document="inventory_report",
        header=False,
        datetime_format="%Y-%m-%dT%H:%M:%S%z",
        columns=(
            CsvColumn(target="as_of"),
            CsvColumn(target="lines[].product.sku"),
            CsvColumn(target="lines[].location"),
        ),
    )
    data = b"2024-03-10T06:00:00+01:00,A,L1\r\n2024-03-10T06:00:00+0100,B,L1\r\n\x1a"
    (report,) = parse_flat(data, layout, partner="p", source="f").documents
    assert isinstance(report, InventoryReport)
    assert report.as_of.utcoffset() is not None
    assert report.as_of.isoformat() == "2024-03-10T06:00:00+01:00"
    assert render_flat([report], layout).startswith(b"2024-03-10T06:00:00+0100,A,L1\r\n")


def test_rows_of_empty_columns_are_blank_rows() -> None:
    data = b"P1,2024-03-01,b,A,1\n,,,,\n  ,\t, ,,\nP1,2024-03-01,b,B,2\n,,,,\n"
    document = order(data)
    assert [line.product.sku for line in document.lines] == ["A", "B"]
