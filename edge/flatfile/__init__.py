"""Flat files: CSV and fixed-width layouts mapped to and from the canonical contracts.

Pure functions, no I/O: bytes and a layout in, documents out, and back. A layout is data
(msgspec Structs that the gateway's configuration embeds as ``[[partners.layouts]]``)::

    layout = CsvLayout(name="orders", document="sales_order", columns=(
        CsvColumn(name="PO", target="order_number"),
        CsvColumn(name="Date", target="order_date"),
        CsvColumn(name="SKU", target="lines[].product.sku"),
        CsvColumn(name="Qty", target="lines[].quantity.value"),
    ))
    parsed = parse_flat(data, layout, partner="acme", source="inbox/PO-17.csv")
    parsed.documents          # (SalesOrder(...), ...), one per order number, in file order
    parsed.rejected           # under on_bad_row = "reject-row": the refused rows
    render_flat(parsed.documents, layout) == data   # for data written the canonical way

Bad input raises :class:`FlatFileRejected` (a ``contracts.errors.RejectedInput``) whose
``errors`` are :class:`RowError` s: row, column (name and number, or character offset), value,
what was expected, and for contract constraints the contract path. A layout that makes no
sense raises :class:`LayoutError` (a ``ConfigError``); :func:`check_layout` lists its problems
with paths, for the configuration check.

Importing this package imports its parent ``edge.sftp``; nothing here imports asyncio or
asyncssh itself (a test checks it).
"""

from edge.flatfile._errors import FlatFileRejected, RowError
from edge.flatfile._kinds import KINDS
from edge.flatfile._layout import (
    CsvColumn,
    CsvLayout,
    CsvRecord,
    DocumentKind,
    FixedField,
    FixedRecord,
    FixedWidthLayout,
    FlatLayout,
    RecordTypeSpan,
    ValueType,
)
from edge.flatfile._parse import (
    ParsedFlat,
    parse_flat,
    parse_flat_to_json_lines,
    select_layout,
)
from edge.flatfile._plan import LayoutError, LayoutProblem, check_layout
from edge.flatfile._render import render_flat
from edge.flatfile._targets import all_targets

__all__ = [
    "KINDS",
    "CsvColumn",
    "CsvLayout",
    "CsvRecord",
    "DocumentKind",
    "FixedField",
    "FixedRecord",
    "FixedWidthLayout",
    "FlatFileRejected",
    "FlatLayout",
    "LayoutError",
    "LayoutProblem",
    "ParsedFlat",
    "RecordTypeSpan",
    "RowError",
    "ValueType",
    "all_targets",
    "check_layout",
    "parse_flat",
    "parse_flat_to_json_lines",
    "render_flat",
    "select_layout",
]
