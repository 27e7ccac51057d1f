"""Flat-file layouts as data: the tables a partner's ``[[partners.layouts]]`` entry decodes to.

A layout says how one kind of canonical document is written as a CSV or fixed-width file:
where each value sits (a CSV column by header name or 1-based index; a fixed-width field by
1-based ``start`` and ``length``), what type it is read as, and which *target* of the document
it fills (``order_number``, ``lines[].quantity.value``, ``parties[buyer].ids[gln]``; the
vocabulary is in :mod:`._targets`). The gateway's configuration embeds these Structs as they
are, so an error in a layout is reported with its config path like any other key.

Positions are 1-based, as partners' specification sheets count them ("quantity: positions
76-91" is ``start = 76, length = 16``), and as error messages report them.

The Structs only describe; :func:`check_layout` (in ``_check``) says whether a layout makes
sense as a whole, and the parser refuses to use one that does not.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

__all__ = [
    "Align",
    "BadRowPolicy",
    "CsvColumn",
    "CsvLayout",
    "CsvRecord",
    "Direction",
    "DocumentKind",
    "Encoding",
    "FixedField",
    "FixedRecord",
    "FixedWidthLayout",
    "FlatLayout",
    "LineEnding",
    "RecordRole",
    "RecordTypeSpan",
    "ValueType",
]

DocumentKind = Literal[
    "sales_order",
    "shipment_confirmation",
    "inventory_report",
    "fulfillment_request",
    "settlement_report",
    "goods_receipt",
]
Encoding = Literal["utf-8", "utf-8-sig", "latin-1", "cp1252"]
ValueType = Literal["str", "int", "decimal", "date", "datetime", "bool"]
Direction = Literal["inbound", "outbound", "both"]
BadRowPolicy = Literal["reject-file", "reject-row"]
RecordRole = Literal["header", "detail", "trailer", "ignore"]
LineEnding = Literal["crlf", "lf"]
Align = Literal["left", "right"]

LayoutName = Annotated[
    str,
    Meta(
        pattern=r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$",
        description="a layout name: 1 to 64 lowercase letters, digits and '-' (e.g. 'orders')",
    ),
]
Label = Annotated[str, Meta(min_length=1, description="a non-empty string")]
Target = Annotated[
    str,
    Meta(
        min_length=1,
        description="a target in the canonical document, such as 'order_number', "
        "'lines[].quantity.value' or 'parties[buyer].ids[gln]'",
    ),
]
OneChar = Annotated[
    str, Meta(min_length=1, max_length=1, description="a single character such as ',' or '\\t'")
]
Position = Annotated[
    int, Meta(ge=1, le=100_000, description="a 1-based position: a whole number of at least 1")
]
Length = Annotated[int, Meta(ge=1, le=100_000, description="a number of characters, at least 1")]
Count = Annotated[int, Meta(ge=1, le=100_000, description="a whole number of at least 1")]
SkipRows = Annotated[int, Meta(ge=0, le=1000, description="a whole number of rows, 0 or more")]
ImpliedDecimals = Annotated[
    int, Meta(ge=0, le=18, description="a number of implied decimal places from 0 to 18")
]
TimeFormat = Annotated[
    str,
    Meta(
        pattern=r"%",
        description="a strftime pattern such as '%Y-%m-%d' or '%d.%m.%Y %H:%M'",
    ),
]
Glob = Annotated[str, Meta(min_length=1, description="a file name pattern such as 'ORD*.csv'")]
ValueMap = dict[
    Annotated[str, Meta(description="a code as the partner writes it")],
    Annotated[str, Meta(description="the canonical value")],
]
Constants = dict[Target, Annotated[str, Meta(description="a value, written as in JSON")]]


class _Column(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What every CSV column and fixed-width field says about its value.

    ``target`` is None for a placeholder: read and ignored, written empty. ``type`` defaults
    to the target's own. ``map`` translates the partner's codes to canonical values (and back
    when writing); a code missing from a non-empty map is refused with its row and column.
    ``format`` overrides the layout's ``date_format`` / ``datetime_format`` for this value.
    ``implied_decimals``: digits only, the last N are decimals (``12345`` with 2 is 123.45).
    """

    target: Target | None = None
    type: ValueType | None = None
    required: bool = False
    format: TimeFormat | None = None
    map: ValueMap = {}
    implied_decimals: ImpliedDecimals = 0


class CsvColumn(_Column, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One CSV column: at ``index`` (1-based) if given, else found by ``name`` in the header
    row (files of one record type with ``header = true``), else at its position in
    ``columns``. When writing, ``name`` is the header cell."""

    name: Label | None = None
    index: Position | None = None


class FixedField(_Column, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One fixed-width field: ``length`` characters from ``start`` (1-based).

    ``pad`` fills the unused characters, on the right of a left-aligned value or the left of a
    right-aligned one (``align`` defaults to right for numbers, left otherwise). ``name`` only
    labels the field in error messages.
    """

    start: Position
    length: Length
    name: Label | None = None
    align: Align | None = None
    pad: OneChar = " "


class CsvRecord(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One record type of a multi-record CSV file, told apart by the value ``code`` in the
    layout's ``record_type_column``."""

    code: Label
    role: RecordRole = "detail"
    columns: tuple[CsvColumn, ...] = ()
    column_count: Count | None = None


class FixedRecord(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One record type of a multi-record fixed-width file, told apart by ``code`` at the
    layout's ``record_type`` span."""

    code: Label
    role: RecordRole = "detail"
    fields: tuple[FixedField, ...] = ()
    record_length: Length | None = None


class RecordTypeSpan(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Where a fixed-width record says what type it is: ``length`` characters from ``start``."""

    start: Position = 1
    length: Length


class _Layout(
    msgspec.Struct, tag_field="format", frozen=True, kw_only=True, forbid_unknown_fields=True
):
    """What CSV and fixed-width layouts share.

    ``files`` picks the layout for an inbound file by name (the first matching layout wins).
    ``constants`` give targets a value the file does not carry (``currency = "EUR"``), written
    as in JSON: ISO dates, ``.`` decimals, ``true`` / ``false``. A column with a value wins.
    ``on_bad_row``: ``reject-file`` refuses the whole file when any row is bad, listing every
    bad row; ``reject-row`` keeps the good documents and returns the bad rows beside them.
    """

    name: LayoutName
    document: DocumentKind
    direction: Direction = "inbound"
    files: tuple[Glob, ...] = ("*",)
    encoding: Encoding = "utf-8"
    on_bad_row: BadRowPolicy = "reject-file"
    decimal_separator: Literal[".", ","] = "."
    thousands_separator: Literal["", ",", ".", " ", "'"] = ""
    date_format: TimeFormat = "%Y-%m-%d"
    datetime_format: TimeFormat = "%Y-%m-%dT%H:%M:%S"
    line_ending: LineEnding = "crlf"
    strip: bool = True
    constants: Constants = {}


class CsvLayout(_Layout, tag="csv", frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A delimited file. Either ``columns`` (every row alike) or ``records`` (several record
    types, told apart by the value in ``record_type_column``).

    ``header``: the first row (after ``skip_rows``) names the columns; it is checked, not
    mapped. ``column_count``: rows must have exactly this many columns (default: as many as
    the header; without a header, at least as many as the columns need).
    """

    delimiter: OneChar = ","
    quote: OneChar = '"'
    header: bool = True
    skip_rows: SkipRows = 0
    column_count: Count | None = None
    columns: tuple[CsvColumn, ...] = ()
    record_type_column: Position | None = None
    records: tuple[CsvRecord, ...] = ()


class FixedWidthLayout(
    _Layout, tag="fixed-width", frozen=True, kw_only=True, forbid_unknown_fields=True
):
    """Fixed-width records, one per line. Either ``fields`` (every record alike) or ``records``
    (told apart by the code at ``record_type``).

    ``record_length``: every record must be exactly this long (a record type may set its
    own); without it a record must reach the end of its last field. Positions count
    characters of the decoded text (bytes, for the single-byte encodings).
    """

    record_length: Length | None = None
    fields: tuple[FixedField, ...] = ()
    record_type: RecordTypeSpan | None = None
    records: tuple[FixedRecord, ...] = ()


FlatLayout = CsvLayout | FixedWidthLayout
