"""The public corpus's CSV and fixed-width files: read with layouts written for them here, or
refused with a position; never anything else.

The corpus (``../shared/corpus``) holds files from the Bots EDI translator's plugins: CSV
exports of orders, sales reports, article data and an invoice header / detail pair, and
fixed-width "in-house" files of orders (HEA / LIN records). They are not ours to copy, so
they are read in place; a missing corpus fails the suite rather than skipping it.
"""

from __future__ import annotations

import csv
from decimal import Decimal

import pytest

from contracts import GoodsReceipt, InventoryReport, SalesOrder, ShipmentConfirmation
from edge.flatfile import (
    CsvColumn,
    CsvLayout,
    FixedField,
    FixedRecord,
    FixedWidthLayout,
    FlatFileRejected,
    FlatLayout,
    RecordTypeSpan,
    parse_flat,
)
from tests.conftest import CORPUS

BOTS = "files/csv/bots-plugins/"
ORDERS_CSV = CsvLayout(
    name="bots-orders",
    document="sales_order",
    header=False,
    column_count=30,
    date_format="%Y%m%d",
    columns=(
        CsvColumn(index=5, target="order_number"),
        CsvColumn(index=6, target="order_date"),
        CsvColumn(index=11, target="parties[buyer].ids[gln]"),
        CsvColumn(index=12, target="parties[supplier].ids[gln]"),
        CsvColumn(index=13, target="parties[ship_to].ids[gln]"),
        CsvColumn(index=16, target="requested_delivery"),
        CsvColumn(index=26, target="lines[].line_no"),
        CsvColumn(index=27, target="lines[].product.gtin"),
        CsvColumn(index=28, target="lines[].product.buyer_item"),
        CsvColumn(index=30, target="lines[].quantity.value"),
    ),
)
SALES_REPORT = CsvLayout(
    name="bots-slsrpt",
    document="inventory_report",
    header=False,
    delimiter=";",
    decimal_separator=",",
    constants={"snapshot": "false"},
    columns=(
        CsvColumn(index=1, target="as_of", type="date", format="%Y%m%d"),
        CsvColumn(index=2, target="lines[].location"),
        CsvColumn(index=3, target="lines[].product.gtin"),
        CsvColumn(index=4, target="lines[].available", type="int"),
    ),
)
ARTICLES = CsvLayout(
    name="bots-pricat",
    document="inventory_report",
    delimiter=";",
    constants={"lines[].location": "CATALOGUE", "report_id": "pricat"},
    columns=(
        CsvColumn(name="GTIN/EAN", target="lines[].product.gtin"),
        CsvColumn(name="ArticleNumber", target="lines[].product.supplier_item"),
        CsvColumn(name="Description", target="lines[].product.description"),
        CsvColumn(name="DateFrom", target="as_of", type="date", format="%d-%m-%Y"),
    ),
)
ALTO_DETAILS = CsvLayout(
    name="alto-details",
    document="goods_receipt",
    header=False,
    column_count=6,
    constants={"receipt_date": "2009-09-18"},
    columns=(
        CsvColumn(index=1, target="receipt_id"),
        CsvColumn(index=2, target="lines[].line_no"),
        CsvColumn(index=3, target="lines[].received.value"),
        CsvColumn(index=6, target="lines[].product.supplier_item"),
    ),
)
ALTO_HEADERS = CsvLayout(
    name="alto-headers",
    document="shipment_confirmation",
    header=False,
    column_count=9,
    date_format="%Y%m%d",
    columns=(
        CsvColumn(index=1, target="shipment_id"),
        CsvColumn(index=3, map={"CCYYMMDD": ""}),
        CsvColumn(index=4, target="ship_date"),
        CsvColumn(index=6, target="order_number"),
    ),
)

ALTO = "alto/alto_seperate_headers_details/botssys/infile/alto/attch.{803FF4D0-CE06-4765-A68C-7E2CB177D786}."  # noqa: E501
# corpus path (under files/csv/bots-plugins/) -> layout, documents, lines in all
CSV_FILES: dict[str, tuple[CsvLayout, int, int]] = {
    "edifact/orders_to_csv/botssys/infile/csvdemo/csv2edi/test.csv": (ORDERS_CSV, 4, 8),
    "edifact/orders_to_csv/botssys/infile/csvdemo/csv2edi/test2.csv": (ORDERS_CSV, 1, 1),
    "edifact/orders_to_csv_and_vv/botssys/infile/outfile/csvdemo/edi2csv/1.csv": (ORDERS_CSV, 4, 8),
    "edifact/pricat_slsrpt/botssys/infile/outfile/consignment/slsrpt/slsrpt1.csv": (
        SALES_REPORT,
        1,
        196,
    ),
    "demo/composite_route/botssys/infile/outfile/demo_composite_route/csv_slsrpt/1.csv": (
        SALES_REPORT,
        1,
        392,
    ),
    "edifact/pricat_slsrpt/botssys/infile/consignment/pricat/articledata01.csv": (ARTICLES, 1, 3),
    ALTO + "ETRDTL.csv": (ALTO_DETAILS, 4, 5),
    ALTO + "ETRHDR.csv": (
        ALTO_HEADERS,
        4,
        0,
    ),
}

BOTS_FIXED_ORDERS = FixedWidthLayout(
    name="bots-fixed-orders",
    document="sales_order",
    date_format="%Y%m%d",
    record_type=RecordTypeSpan(start=1, length=3),
    records=(
        FixedRecord(
            code="HEA",
            role="header",
            fields=(
                FixedField(start=51, length=17, target="order_number"),
                FixedField(start=68, length=8, target="order_date"),
            ),
        ),
        FixedRecord(
            code="LIN",
            fields=(
                FixedField(start=4, length=6, target="lines[].line_no", pad="0"),
                FixedField(start=10, length=13, target="lines[].product.gtin"),
                FixedField(start=76, length=16, target="lines[].quantity.value", pad="0"),
            ),
        ),
    ),
)
# corpus path (under files/other/bots-plugins/) -> documents, lines in all
FIXED_ORDER_FILES = {
    "demo/composite_route/botssys/infile/outfile/demo_composite_route/fixed_orders/1.fix": (6, 6),
    "demo/composite_route/botssys/infile/outfile/demo_composite_route/fixed_orders/2.fix": (2, 5),
    "edifact/to_fixed_orders_desadv_invoice_aperak/botssys/infile/outfile/dutchic/"
    "dutchic_orders_1.inh": (
        6,
        6,
    ),
    "x12/850_fixed/botssys/infile/x12_850tofixed/fixed/060101.fix": (4, 12),
    "x12/850_fixed/botssys/infile/x12_850tofixed/fixed/060203.fix": (1, 4),
}


def manifest(formats: tuple[str, ...]) -> list[tuple[str, str]]:
    """(local path, notes) of the corpus files of ``formats``; fails if there is no corpus."""
    path = CORPUS / "MANIFEST.tsv"
    assert path.is_file(), f"the public corpus is missing: {path}"
    with path.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file, delimiter="\t"))
    return [(r["local_path"], r["notes"]) for r in rows if r["format"] in formats]


def read(data: bytes, layout: FlatLayout, source: str) -> tuple[int, int]:
    parsed = parse_flat(data, layout, partner="corpus", source=source)
    return len(parsed.documents), sum(len(d.lines) for d in parsed.documents)  # type: ignore[union-attr]


def test_every_corpus_csv_has_a_layout_here() -> None:
    listed = {path for path, _ in manifest(("csv",))}
    assert listed == {BOTS + name for name in CSV_FILES}


@pytest.mark.parametrize("name", sorted(CSV_FILES))
def test_corpus_csv_reads_with_its_layout(name: str) -> None:
    layout, documents, lines = CSV_FILES[name]
    data = (CORPUS / BOTS / name).read_bytes()
    assert read(data, layout, name) == (documents, lines)


def test_what_the_corpus_csv_files_say() -> None:
    sales = parse_flat(
        (
            CORPUS
            / BOTS
            / "demo/composite_route/botssys/infile/outfile/demo_composite_route/csv_slsrpt/1.csv"
        ).read_bytes(),
        SALES_REPORT,
        partner="corpus",
        source="csv_slsrpt/1.csv",
    ).documents[0]
    assert isinstance(sales, InventoryReport)
    assert (sales.report_id, sales.as_of.isoformat(), sales.snapshot) == (
        "1",
        "2008-03-31T00:00:00",
        False,
    )
    assert [line.available for line in sales.lines[5:8]] == [Decimal(1), Decimal(-1), Decimal(-1)]
    orders = parse_flat(
        (
            CORPUS / BOTS / "edifact/orders_to_csv/botssys/infile/csvdemo/csv2edi/test.csv"
        ).read_bytes(),
        ORDERS_CSV,
        partner="corpus",
        source="test.csv",
    ).documents
    first = orders[0]
    assert isinstance(first, SalesOrder)
    assert first.order_number == "BGMREF" and first.parties[0].id_in("gln") == "8712345002206"
    assert [line.product.gtin for line in first.lines] == [
        "8712345004002",
        "8712345005009",
        "8712345006006",
        "8712345002206",
    ]
    receipts = parse_flat(
        (CORPUS / BOTS / next(n for n in CSV_FILES if n.endswith("ETRDTL.csv"))).read_bytes(),
        ALTO_DETAILS,
        partner="corpus",
        source="ETRDTL.csv",
    ).documents
    last = receipts[-1]
    assert isinstance(last, GoodsReceipt)
    assert [(ln.line_no, ln.received.value, ln.product.supplier_item) for ln in last.lines] == [
        (10, Decimal("5000.000"), "144MT"),
        (20, Decimal("1.000"), "018679"),
    ]
    headers = parse_flat(
        (CORPUS / BOTS / next(n for n in CSV_FILES if n.endswith("ETRHDR.csv"))).read_bytes(),
        ALTO_HEADERS,
        partner="corpus",
        source="ETRHDR.csv",
    ).documents
    assert isinstance(headers[0], ShipmentConfirmation)
    assert (headers[0].shipment_id, headers[0].order_number) == ("102561333", "P313455")


@pytest.mark.parametrize("name", sorted(FIXED_ORDER_FILES))
def test_corpus_fixed_width_orders_read(name: str) -> None:
    data = (CORPUS / "files/other/bots-plugins" / name).read_bytes()
    assert read(data, BOTS_FIXED_ORDERS, name) == FIXED_ORDER_FILES[name]


def test_corpus_fixed_width_order_numbers_and_quantities() -> None:
    name = next(n for n in FIXED_ORDER_FILES if n.endswith("2.fix"))
    orders = parse_flat(
        (CORPUS / "files/other/bots-plugins" / name).read_bytes(),
        BOTS_FIXED_ORDERS,
        partner="corpus",
        source=name,
    ).documents
    assert [o.order_number for o in orders][:2] == ["1-4500094289", "1-4500094290"]  # type: ignore[union-attr]
    assert orders[0].lines[0].quantity.value == Decimal("1.000")  # type: ignore[union-attr]


LAYOUTS_TO_TRY: tuple[FlatLayout, ...] = (
    ORDERS_CSV,
    SALES_REPORT,
    ARTICLES,
    ALTO_DETAILS,
    ALTO_HEADERS,
    BOTS_FIXED_ORDERS,
)


@pytest.mark.parametrize("layout", LAYOUTS_TO_TRY, ids=lambda layout: layout.name)
def test_every_flat_corpus_file_reads_or_is_refused_with_a_position(layout: FlatLayout) -> None:
    """Every CSV, fixed-width and TRADACOMS file, with every layout: a wrong layout for a file
    must end in FlatFileRejected with rows, never in a crash."""
    files = manifest(("csv", "other"))
    assert len(files) >= 30
    outcomes = {"read": 0, "refused": 0}
    for path, _ in files:
        data = (CORPUS / path).read_bytes()
        try:
            parse_flat(data, layout, partner="corpus", source=path)
        except FlatFileRejected as refused:
            assert refused.errors and all(e.row is not None and e.row >= 1 for e in refused.errors)
            assert refused.source == path
            outcomes["refused"] += 1
        else:
            outcomes["read"] += 1
    assert outcomes["refused"] > 0
