"""Every kind of bad flat file is refused with the row, column, value and what was expected.

Under ``reject-file`` every bad row is listed (not just the first); under ``reject-row`` the
good documents come back with the bad rows beside them, and a document with one bad row is
refused whole, its other rows listed as dropped with it.
"""

from __future__ import annotations

import json

import msgspec
import pytest

from contracts import SalesOrder
from contracts.errors import RejectedInput
from edge.flatfile import (
    CsvColumn,
    CsvLayout,
    CsvRecord,
    FixedField,
    FixedRecord,
    FixedWidthLayout,
    FlatFileRejected,
    RecordTypeSpan,
    RowError,
    parse_flat,
    parse_flat_to_json_lines,
    select_layout,
)

ORDERS = CsvLayout(
    name="orders",
    document="sales_order",
    columns=(
        CsvColumn(name="po", target="order_number"),
        CsvColumn(name="date", target="order_date"),
        CsvColumn(name="buyer", target="parties[buyer].ids[gln]", required=True),
        CsvColumn(name="sku", target="lines[].product.sku"),
        CsvColumn(name="gtin", target="lines[].product.gtin"),
        CsvColumn(name="qty", target="lines[].quantity.value"),
        CsvColumn(name="uom", target="lines[].quantity.unit", map={"PCE": "EA", "KGM": "KG"}),
    ),
)
HEADER = b"po,date,buyer,sku,gtin,qty,uom\n"


def rejected(data: bytes, layout: CsvLayout | FixedWidthLayout = ORDERS) -> FlatFileRejected:
    with pytest.raises(FlatFileRejected) as caught:
        parse_flat(data, layout, partner="acme", source="inbox/orders.csv")
    return caught.value


def only(error: FlatFileRejected) -> RowError:
    assert len(error.errors) == 1, error.errors
    return error.errors[0]


def test_a_good_file_reads() -> None:
    parsed = parse_flat(
        HEADER + b"P1,2024-03-01,4012345000009,A,,2,PCE\nP1,2024-03-01,4012345000009,B,,1,\n",
        ORDERS,
        partner="acme",
        source="x.csv",
    )
    (order,) = parsed.documents
    assert isinstance(order, SalesOrder)
    assert [(line.product.sku, line.quantity.unit) for line in order.lines] == [
        ("A", "EA"),
        ("B", "EA"),
    ]
    assert parsed.rows == ((2, 3),)
    assert parsed.rejected == ()


@pytest.mark.parametrize(
    ("row", "code", "column", "number", "value", "words"),
    [
        (b"P1,2024-03-01,,A,,2,PCE", "missing-value", "buyer", 3, "", "required"),
        (b"P1,2024-03-01,4012345000009,A,,two,PCE", "bad-number", "qty", 6, "two", "12.5"),
        (b"P1,01/03/2024,4012345000009,A,,2,PCE", "bad-date", "date", 2, "01/03/2024", "%Y-%m-%d"),
        (b"P1,2024-03-01,4012345000009,A,,2,BOX", "unknown-code", "uom", 7, "BOX", "'PCE'"),
        (b"P1,2024-03-01,4012345000009,A,,2", "column-count", None, None, "6 columns", "7"),
        (b"P1,2024-03-01,4012345000009,A,,2,PCE,", "column-count", None, None, "8 columns", "7"),
        (b"P1,2024-03-01,4012345000009,A,123,2,PCE", "contract", "gtin", 5, "123", "regex"),
        (b"P1,2024-03-01,4012345000009,A,,-2,PCE", "contract", "qty", 6, "-2", ">= 0"),
        (b"P1,2024-03-01,4012345000009,,,2,PCE", "contract", "sku", 4, None, "product"),
        (b",2024-03-01,4012345000009,A,,2,PCE", "missing-value", "po", 1, "", "document key"),
    ],
)
def test_a_bad_row_is_refused_with_its_position(
    row: bytes,
    code: str,
    column: str | None,
    number: int | None,
    value: str | None,
    words: str,
) -> None:
    error = rejected(HEADER + b"P0,2024-03-01,4012345000009,A,,1,PCE\n" + row + b"\n")
    problem = only(error)
    assert (problem.row, problem.code, problem.column) == (3, code, column)
    assert (problem.column_number, problem.value) == (number, value)
    assert words in problem.expected
    assert isinstance(error, RejectedInput)
    assert (error.partner, error.source, error.code) == ("acme", "inbox/orders.csv", code)
    assert error.fields["row"] == 3 and error.fields["errors"] == 1
    assert "row 3" in str(error)


def test_contract_errors_carry_the_contract_path() -> None:
    error = rejected(HEADER + b"P1,2024-03-01,4012345000009,A,123,2,PCE\n")
    assert only(error).path == "$.lines[0].product.gtin"
    error = rejected(
        HEADER + b"P1,2024-03-01,4012345000009,A,,2,PCE\nP1,,4012345000009,B,,-1,PCE\n"
    )
    assert [(e.row, e.path) for e in error.errors] == [(3, "$.lines[1].quantity")]


def test_every_bad_row_is_reported_not_just_the_first() -> None:
    data = HEADER + (
        b"P1,2024-03-01,4012345000009,A,,x,PCE\n"
        b"P1,2024-03-01,4012345000009,B,,2,PCE\n"
        b"P2,2024-13-01,4012345000009,A,,1,PCE\n"
        b"P3,2024-03-01,4012345000009,A,,1,TON\n"
        b"P3,2024-03-01,4012345000009,A,,1,PCE,extra\n"
    )
    error = rejected(data)
    assert [(e.row, e.code, e.document) for e in error.errors] == [
        (2, "bad-number", "P1"),
        (4, "bad-date", "P2"),
        (5, "unknown-code", "P3"),
        (6, "column-count", "P3"),
    ]
    assert error.message.startswith("4 bad rows in inbox/orders.csv: row 2")
    assert all(f"row {n}" in error.message for n in (2, 4, 5, 6))


def test_one_row_with_several_bad_values_reports_each() -> None:
    error = rejected(HEADER + b"P1,yesterday,4012345000009,A,,many,PCE\n")
    assert [(e.row, e.column) for e in error.errors] == [(2, "date"), (2, "qty")]
    assert error.message.startswith("1 bad row in")


def test_rows_of_one_document_must_agree_on_header_values() -> None:
    error = rejected(
        HEADER + b"P1,2024-03-01,4012345000009,A,,1,PCE\nP1,2024-03-02,4012345000009,B,,1,PCE\n"
    )
    problem = only(error)
    assert (problem.row, problem.code, problem.column, problem.value) == (
        3,
        "conflicting-value",
        "date",
        "2024-03-02",
    )
    assert "'2024-03-01' as in row 2" in problem.expected


def test_reject_row_returns_the_good_documents_and_every_bad_row() -> None:
    lenient = msgspec.structs.replace(ORDERS, on_bad_row="reject-row")
    data = HEADER + (
        b"P1,2024-03-01,4012345000009,A,,1,PCE\n"
        b"P2,2024-03-01,4012345000009,A,,1,PCE\n"
        b"P2,2024-03-01,4012345000009,B,,x,PCE\n"
        b"P3,2024-03-01,4012345000009,A,,1,PCE\n"
        b"P2,2024-03-01,4012345000009,C,,1,PCE\n"
        b",2024-03-01,4012345000009,C,,1,PCE\n"
    )
    parsed = parse_flat(data, lenient, partner="acme", source="x.csv")
    assert [d.order_number for d in parsed.documents] == ["P1", "P3"]  # type: ignore[union-attr]
    assert parsed.rows == ((2,), (5,))
    assert [(e.row, e.code, e.document) for e in parsed.rejected] == [
        (3, "dropped-with-document", "P2"),
        (4, "bad-number", "P2"),
        (6, "dropped-with-document", "P2"),
        (7, "missing-value", None),
    ]
    assert "whose row 4 is bad" in parsed.rejected[0].describe()
    every_row = {r for span in parsed.rows for r in span} | {e.row for e in parsed.rejected}
    assert every_row == set(range(2, 8))  # no row vanished


def test_reject_row_with_nothing_good_returns_no_documents_and_the_errors() -> None:
    lenient = msgspec.structs.replace(ORDERS, on_bad_row="reject-row")
    parsed = parse_flat(
        HEADER + b"P1,2024-03-01,4012345000009,A,,x,PCE\n", lenient, partner="a", source="x"
    )
    assert parsed.documents == ()
    assert [e.code for e in parsed.rejected] == ["bad-number"]


def test_bytes_that_do_not_decode_refuse_the_file_with_row_and_offset() -> None:
    data = HEADER + b"P1,2024-03-01,4012345000009,A\xff,,1,PCE\n"
    error = rejected(data)
    problem = only(error)
    assert (problem.row, problem.code) == (2, "encoding")
    assert error.byte_offset == data.index(b"\xff")
    assert "utf-8" in problem.expected
    cp1252 = msgspec.structs.replace(ORDERS, encoding="cp1252")
    assert only(rejected(HEADER + b"P1,2024-03-01,x\x81,A,,1,PCE\n", cp1252)).code == "encoding"


def test_broken_quoting_refuses_the_file_under_either_policy() -> None:
    for layout in (ORDERS, msgspec.structs.replace(ORDERS, on_bad_row="reject-row")):
        error = rejected(HEADER + b'P1,2024-03-01,"4012345000009"x,A,,1,PCE\n', layout)
        assert (only(error).row, only(error).code) == (2, "csv-syntax")


def test_a_header_without_a_named_column_refuses_the_file() -> None:
    error = rejected(b"po,date,buyer,sku,qty,uom\nP1,2024-03-01,4012345000009,A,1,PCE\n")
    problem = only(error)
    assert (problem.row, problem.code, problem.column) == (1, "header-row", "gtin")
    assert "'gtin', which is missing" in problem.expected
    error = rejected(b"po,date,buyer,sku,gtin,qty,qty,uom\n")
    assert only(error).column == "qty" and "more than once" in only(error).expected


def test_a_multi_line_value_counts_physical_lines() -> None:
    data = HEADER + b'P1,2024-03-01,4012345000009,"A\nB",,1,PCE\nP1,2024-03-01,40,A,,z,PCE\n'
    problems = rejected(data).errors
    assert [(e.row, e.column, e.code) for e in problems] == [
        (2, "sku", "contract"),  # a SKU is a code: no line breaks
        (4, "qty", "bad-number"),
    ]


def test_bad_bool_values_are_refused() -> None:
    layout = CsvLayout(
        name="s",
        document="shipment_confirmation",
        header=False,
        columns=(
            CsvColumn(target="shipment_id"),
            CsvColumn(target="order_number"),
            CsvColumn(target="ship_date"),
            CsvColumn(target="partial"),
        ),
    )
    problem = only(rejected(b"S1,P1,2024-03-01,maybe\n", layout))
    assert (problem.code, problem.column_number, problem.value) == ("bad-bool", 4, "maybe")
    parsed = parse_flat(b"S1,P1,2024-03-01,yes\n", layout, partner="a", source="s")
    assert parsed.documents[0].partial is True  # type: ignore[union-attr]


MULTI_CSV = CsvLayout(
    name="hdt",
    document="sales_order",
    header=False,
    record_type_column=1,
    records=(
        CsvRecord(
            code="H",
            role="header",
            column_count=3,
            columns=(
                CsvColumn(index=2, target="order_number"),
                CsvColumn(index=3, target="order_date"),
            ),
        ),
        CsvRecord(
            code="D",
            column_count=3,
            columns=(
                CsvColumn(index=2, target="lines[].product.sku"),
                CsvColumn(index=3, target="lines[].quantity.value"),
            ),
        ),
        CsvRecord(
            code="T", role="trailer", columns=(CsvColumn(index=2, target="control.line_count"),)
        ),
        CsvRecord(code="#", role="ignore"),
    ),
)


def test_multi_record_csv_groups_details_under_their_header() -> None:
    data = b"#,exported by WMS\nH,P1,2024-03-01\nD,A,1\nD,B,2\nT,2\nH,P2,2024-03-02\nD,C,3\nT,1\n"
    parsed = parse_flat(data, MULTI_CSV, partner="a", source="x")
    assert [
        (d.order_number, [line.product.sku for line in d.lines])  # type: ignore[union-attr]
        for d in parsed.documents
    ] == [("P1", ["A", "B"]), ("P2", ["C"])]
    assert parsed.rows == ((2, 3, 4, 5), (6, 7, 8))


def test_multi_record_csv_errors() -> None:
    data = b"H,P1,2024-03-01\nD,A,1\nX,A,1\nD,B\nT,3\nD,C,1\n"
    errors = rejected(data, MULTI_CSV).errors
    assert [(e.row, e.code, e.column, e.column_number) for e in errors] == [
        (3, "unknown-record-type", "record type", 1),
        (4, "column-count", None, None),
        (5, "control-total", "control.line_count", 2),
        (6, "detail-without-header", None, None),
    ]
    assert errors[0].value == "X" and "'H', 'D', 'T'" in errors[0].expected
    assert errors[2].value == "3" and errors[2].expected.startswith("2:")


FIXED = FixedWidthLayout(
    name="fixed",
    document="sales_order",
    date_format="%Y%m%d",
    record_type=RecordTypeSpan(start=1, length=1),
    records=(
        FixedRecord(
            code="H",
            role="header",
            record_length=17,
            fields=(
                FixedField(start=2, length=8, target="order_number", name="order"),
                FixedField(start=10, length=8, target="order_date", name="date"),
            ),
        ),
        FixedRecord(
            code="D",
            fields=(
                FixedField(start=2, length=6, target="lines[].product.sku", name="sku"),
                FixedField(
                    start=8, length=6, target="lines[].quantity.value", pad="0", implied_decimals=2
                ),
            ),
        ),
    ),
)


def test_fixed_width_reads_padding_and_implied_decimals() -> None:
    parsed = parse_flat(
        b"HPO-1    20240301\nDA     000150\nD   B  012345\n", FIXED, partner="a", source="x"
    )
    (order,) = parsed.documents
    assert [(ln.product.sku, str(ln.quantity.value)) for ln in order.lines] == [  # type: ignore[union-attr]
        ("A", "1.50"),
        ("B", "123.45"),
    ]


def test_fixed_width_errors_carry_character_offsets() -> None:
    data = b"HPO-1    2024031x\nDA     00015\nZA     000150\nDA     0001.5\nHPO-2    20240301 \n"
    errors = rejected(data, FIXED).errors
    assert [(e.row, e.code, e.column, e.offset) for e in errors] == [
        (1, "bad-date", "date", 10),
        (2, "short-record", None, None),
        (3, "unknown-record-type", "record type", 1),
        (4, "bad-number", "lines[].quantity.value", 8),
        (5, "long-record", None, None),
    ]
    assert errors[1].value == "12 characters" and errors[1].expected == "at least 13 characters"
    assert errors[4].expected == "exactly 17 characters"
    assert "offset 10" in errors[0].describe()


def test_select_layout_picks_by_file_name_and_refuses_unknown_files() -> None:
    stock = msgspec.structs.replace(ORDERS, name="stock", files=("STOCK_*.csv",))
    out = msgspec.structs.replace(ORDERS, name="out", files=("*",), direction="outbound")
    orders = msgspec.structs.replace(ORDERS, files=("PO*.csv", "po*.csv"))
    layouts = (out, stock, orders)
    assert select_layout(layouts, "inbox/PO-17.csv") is orders
    assert select_layout(layouts, "STOCK_0301.csv") is stock
    with pytest.raises(RejectedInput) as caught:
        select_layout(layouts, "inbox/invoice.pdf", partner="acme")
    assert caught.value.code == "no-layout"
    assert "'invoice.pdf'" in caught.value.message and "STOCK_*.csv" in caught.value.message


def test_json_lines_for_the_cli() -> None:
    data = HEADER + b"P1,2024-03-01,4012345000009,A,,1,PCE\nP2,2024-03-01,4012345000009,A,,1,\n"
    lines = list(parse_flat_to_json_lines(data, ORDERS, partner="a", source="x.csv"))
    assert [json.loads(line)["order_number"] for line in lines] == ["P1", "P2"]
    assert all(line.endswith(b"\n") and line.count(b"\n") == 1 for line in lines)
    with pytest.raises(FlatFileRejected):
        list(parse_flat_to_json_lines(data + b"P3,x,,,,,\n", ORDERS, partner="a", source="x"))


def test_json_lines_under_reject_row_yield_the_good_then_raise_the_bad() -> None:
    lenient = msgspec.structs.replace(ORDERS, on_bad_row="reject-row")
    data = HEADER + b"P1,2024-03-01,4012345000009,A,,1,PCE\nP2,2024-03-01,4012345000009,A,,x,\n"
    lines = parse_flat_to_json_lines(data, lenient, partner="a", source="x.csv")
    assert json.loads(next(lines))["order_number"] == "P1"
    with pytest.raises(FlatFileRejected) as caught:
        next(lines)
    assert [e.row for e in caught.value.errors] == [3]


def test_a_header_without_its_key_is_refused_and_an_unmapped_key_is_the_file_name() -> None:
    problem = only(rejected(b"H,,2024-03-01\nD,A,1\n", MULTI_CSV))
    assert (problem.row, problem.path, problem.column) == (1, "$.order_number", "order_number")
    records = list(MULTI_CSV.records)
    records[0] = msgspec.structs.replace(records[0], columns=records[0].columns[1:])
    unkeyed = msgspec.structs.replace(MULTI_CSV, records=tuple(records))
    parsed = parse_flat(b"H,,2024-03-01\nD,A,1\n", unkeyed, partner="a", source="in/PO-9.csv")
    assert parsed.documents[0].order_number == "PO-9"  # type: ignore[union-attr]
