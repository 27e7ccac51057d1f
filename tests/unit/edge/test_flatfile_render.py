"""Writing: what a partner's file looks like, and what cannot be written is refused, never
truncated or guessed (a value too long for its field, a code the map lacks, too many decimals
for implied ones, a character the encoding cannot carry, the wrong kind of document)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import msgspec
import pytest

from contracts import (
    Address,
    FulfillmentLine,
    FulfillmentRequest,
    InventoryLine,
    InventoryReport,
    Party,
    PartyRole,
    ProductRef,
    Quantity,
)
from contracts.errors import RejectedInput
from edge.flatfile import CsvColumn, CsvLayout, FixedField, FixedWidthLayout, render_flat

REQUEST = FulfillmentRequest(
    request_number="FR-1",
    order_number="PO-1",
    warehouse="WH",
    ship_to=Party(
        role=PartyRole.SHIP_TO,
        name="Zoë\u2019s Café",
        address=Address(street=["Main St 1", "Unit 4"], city="Köln", country="DE"),
    ),
    lines=[
        FulfillmentLine(
            line_no=1,
            product=ProductRef(sku="A"),
            quantity=Quantity(value=Decimal("2.5"), unit="KG"),
        ),
        FulfillmentLine(
            line_no=2, product=ProductRef(sku="B"), quantity=Quantity(value=Decimal(1))
        ),
    ],
    requested_ship=date(2024, 3, 4),
)

LAYOUT = CsvLayout(
    name="fr",
    document="fulfillment_request",
    direction="outbound",
    delimiter=";",
    decimal_separator=",",
    date_format="%d.%m.%Y",
    line_ending="lf",
    columns=(
        CsvColumn(name="Request", target="request_number"),
        CsvColumn(name="Ship by", target="requested_ship"),
        CsvColumn(name="Name", target="ship_to.name"),
        CsvColumn(name="Street", target="ship_to.address.street[1]"),
        CsvColumn(name="Street 2", target="ship_to.address.street[2]"),
        CsvColumn(name="Street 3", target="ship_to.address.street[3]"),
        CsvColumn(name="City", target="ship_to.address.city"),
        CsvColumn(name="Item", target="lines[].product.sku"),
        CsvColumn(name="Qty", target="lines[].quantity.value"),
        CsvColumn(name="UoM", target="lines[].quantity.unit", map={"ST": "EA", "KGM": "KG"}),
        CsvColumn(name="Blank"),
    ),
)


def test_a_csv_for_a_3pl() -> None:
    assert render_flat([REQUEST], LAYOUT).decode() == (
        "Request;Ship by;Name;Street;Street 2;Street 3;City;Item;Qty;UoM;Blank\n"
        "FR-1;04.03.2024;Zoë\u2019s Café;Main St 1;Unit 4;;Köln;A;2,5;KGM;\n"
        "FR-1;04.03.2024;Zoë\u2019s Café;Main St 1;Unit 4;;Köln;B;1;ST;\n"
    )


def test_an_encoding_that_cannot_carry_a_character_is_refused() -> None:
    latin1 = msgspec.structs.replace(LAYOUT, encoding="latin-1")
    with pytest.raises(RejectedInput) as caught:
        render_flat([REQUEST], latin1)
    assert caught.value.code == "render" and caught.value.path == "ship_to.name"
    assert "latin-1 cannot carry" in caught.value.message and "'FR-1'" in caught.value.message
    cp1252 = msgspec.structs.replace(LAYOUT, encoding="cp1252")
    assert "Zo\xeb\x92s Caf\xe9".encode("latin-1") in render_flat([REQUEST], cp1252)


def test_a_value_the_map_has_no_code_for_is_refused() -> None:
    line = msgspec.structs.replace(
        REQUEST.lines[1], quantity=Quantity(value=Decimal(1), unit="BOX")
    )
    request = msgspec.structs.replace(REQUEST, lines=[REQUEST.lines[0], line])
    with pytest.raises(RejectedInput) as caught:
        render_flat([request], LAYOUT)
    assert caught.value.path == "lines[].quantity.unit"
    assert "'BOX' has no code" in caught.value.message


def test_the_wrong_kind_of_document_is_refused() -> None:
    report = InventoryReport(report_id="R", as_of=datetime(2024, 3, 1), lines=[])
    with pytest.raises(RejectedInput, match="writes fulfillment_request documents"):
        render_flat([report], LAYOUT)  # type: ignore[list-item]


FIXED = FixedWidthLayout(
    name="stock",
    document="inventory_report",
    direction="outbound",
    fields=(
        FixedField(start=1, length=6, target="lines[].product.sku"),
        FixedField(start=7, length=4, target="lines[].location"),
        FixedField(start=11, length=7, target="lines[].on_hand", pad="0", implied_decimals=2),
    ),
    constants={"as_of": "2024-03-01T00:00:00"},
)


def report(sku: str, on_hand: str) -> InventoryReport:
    line = InventoryLine(product=ProductRef(sku=sku), location="L1", on_hand=Decimal(on_hand))
    return InventoryReport(report_id="R", as_of=datetime(2024, 3, 1), lines=[line])


def test_fixed_width_pads_and_scales() -> None:
    assert render_flat([report("A-1", "12.5")], FIXED) == b"A-1   L1  0001250\r\n"


@pytest.mark.parametrize(
    ("sku", "on_hand", "words"),
    [
        ("TOO-LONG", "1", "longer than the field's 6 characters"),
        ("A", "1.255", "more than 2 decimals"),
        ("A", "100000", "longer than the field's 7 characters"),
    ],
)
def test_fixed_width_never_truncates(sku: str, on_hand: str, words: str) -> None:
    with pytest.raises(RejectedInput) as caught:
        render_flat([report(sku, on_hand)], FIXED)
    assert words in caught.value.message and caught.value.fields["document"] == "R"
