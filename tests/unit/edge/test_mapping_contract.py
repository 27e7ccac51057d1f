"""The contract check without a round trip (``mapping._contract``) and the reading memo.

The reference for the contract check is the JSON round trip it replaces: for any document,
``checked`` must either give back a document equal to the round trip's (of the same types)
or raise the very error the round trip raises. The memo must not change what the mappings
produce, nor which error a bad message gets.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts import (
    DocumentFunction,
    Money,
    OrderLine,
    Party,
    PartyId,
    PartyRole,
    ProductRef,
    Quantity,
    SalesOrder,
)
from contracts.errors import RejectedInput
from edge.edi import EdiSyntax, edifact, sniff, x12
from edge.edi.mapping import MappingProfile, map_inbound, map_message
from edge.edi.mapping._contract import checked, conforms
from tests.conftest import REPO

INBOUND = sorted((REPO / "fixtures" / "edi" / "mapping" / "inbound").glob("*.edi"))


def round_trip(document: msgspec.Struct) -> msgspec.Struct:
    return msgspec.json.decode(msgspec.json.encode(document), type=type(document))


def interchanges(path: Path) -> list[edifact.Interchange] | list[x12.Interchange]:
    data = path.read_bytes()
    return edifact.parse(data) if sniff(data) is EdiSyntax.EDIFACT else x12.parse(data)


def order(**changes: object) -> SalesOrder:
    line = OrderLine(
        line_no=1,
        product=ProductRef(sku="WID-001", gtin="4006381333931", description="WIDGET"),
        quantity=Quantity(value=Decimal("2"), unit="EA"),
        unit_price=Money(amount=Decimal("9.50"), currency="EUR"),
        requested_date=date(2024, 3, 1),
    )
    fields: dict[str, object] = {
        "order_number": "PO-1",
        "order_date": date(2024, 2, 1),
        "parties": [
            Party(role=PartyRole.BUYER, ids=[PartyId(scheme="gln", value="5412345000013")])
        ],
        "lines": [line],
        "function": DocumentFunction.ORIGINAL,
        "currency": "EUR",
        "references": {"contract": "C1"},
    }
    fields.update(changes)
    return SalesOrder(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize("path", INBOUND, ids=lambda p: p.stem)
def test_every_mapped_fixture_passes_without_the_round_trip(path: Path) -> None:
    documents = [m.document for i in interchanges(path) for m in map_inbound(i, MappingProfile())]
    assert documents
    for document in documents:
        assert conforms(document)
        assert checked(document) is document
        assert round_trip(document) == document


def test_a_valid_order_is_handed_back_as_it_is() -> None:
    document = order()
    assert conforms(document)
    assert checked(document) is document


@pytest.mark.parametrize(
    "document",
    [
        order(order_number="P" * 65),
        order(order_number=""),
        order(lines=[]),
        order(currency="eur"),
        order(lines=[msgspec.structs.replace(order().lines[0], line_no=0)]),
        order(lines=[msgspec.structs.replace(order().lines[0], line_no=1_000_000)]),
        order(lines=[msgspec.structs.replace(order().lines[0], product=ProductRef(sku="S" * 36))]),
        order(lines=[msgspec.structs.replace(order().lines[0], product=ProductRef(sku=" S"))]),
        order(lines=[msgspec.structs.replace(order().lines[0], product=ProductRef(gtin="123"))]),
        order(parties=[Party(role=PartyRole.BUYER, ids=[PartyId(scheme="gln", value="")])]),
    ],
    ids=[
        "long-number",
        "empty-number",
        "no-lines",
        "lower-currency",
        "line-zero",
        "line-too-big",
        "long-sku",
        "sku-leading-blank",
        "short-gtin",
        "empty-party-id",
    ],
)
def test_a_broken_contract_raises_what_the_round_trip_raises(document: SalesOrder) -> None:
    assert not conforms(document)
    with pytest.raises(msgspec.ValidationError) as expected:
        round_trip(document)
    with pytest.raises(msgspec.ValidationError) as raised:
        checked(document)
    assert str(raised.value) == str(expected.value)


@pytest.mark.parametrize(
    "document",
    [
        order(function="replace"),  # a str where the enum is declared
        order(lines=tuple(order().lines)),  # a tuple where a list is declared
        order(requested_delivery=datetime(2024, 3, 1, 12, 0)),  # a datetime for a date
        order(lines=[msgspec.structs.replace(order().lines[0], line_no=True)]),  # a bool
        order(lines=[msgspec.structs.replace(order().lines[0], unit_price=None, note="x")]),
    ],
    ids=["str-for-enum", "tuple-for-list", "datetime-for-date", "bool-for-int", "plain"],
)
def test_values_of_other_types_get_what_the_round_trip_gives(document: SalesOrder) -> None:
    try:
        expected = round_trip(document)
    except msgspec.ValidationError as error:
        with pytest.raises(msgspec.ValidationError) as raised:
            checked(document)
        assert str(raised.value) == str(error)
        return
    result = checked(document)
    assert result == expected
    assert msgspec.json.encode(result) == msgspec.json.encode(expected)
    assert type(result.function) is type(expected.function)
    assert type(result.lines) is type(expected.lines)


codes = st.text(alphabet=st.sampled_from("AZ09 -\n\t.é"), max_size=40)
decimals = st.decimals(allow_nan=True, allow_infinity=True, places=3)


@given(
    sku=st.none() | codes,
    gtin=st.none() | st.text(alphabet="0123456789a", max_size=15),
    number=st.text(alphabet="AZ9 ", max_size=70),
    line_no=st.integers(min_value=-2, max_value=1_000_001),
    amount=decimals,
    currency=st.text(alphabet="EURe", min_size=2, max_size=4),
    unit=st.text(alphabet="EAP", max_size=9),
    offset=st.integers(min_value=-900, max_value=900),
)
def test_checked_agrees_with_the_round_trip(
    sku: str | None,
    gtin: str | None,
    number: str,
    line_no: int,
    amount: Decimal,
    currency: str,
    unit: str,
    offset: int,
) -> None:
    try:
        product = ProductRef(sku=sku, gtin=gtin, buyer_item="B1")
        line = OrderLine(
            line_no=line_no,
            product=product,
            quantity=Quantity(value=Decimal(1), unit=unit),
            unit_price=Money(amount=amount, currency=currency),
        )
    except (ValueError, ArithmeticError):
        return  # __post_init__ refused it: no document to check
    zone = timezone(timedelta(seconds=offset))
    document = order(order_number=number, lines=[line], note=str(datetime(2024, 1, 1, tzinfo=zone)))
    try:
        expected = round_trip(document)
    except msgspec.ValidationError as error:
        with pytest.raises(msgspec.ValidationError) as raised:
            checked(document)
        assert str(raised.value) == str(error)
        return
    result = checked(document)
    assert msgspec.json.encode(result) == msgspec.json.encode(expected)
    assert result == expected


def x12_850(*lines: str) -> bytes:
    body = [
        "ST*850*0001",
        "BEG*00*SA*PO1**20240102",
        *lines,
        "CTT*2",
    ]
    body.append(f"SE*{len(body) + 1}*0001")
    segments = [
        "ISA*00*          *00*          *ZZ*BUYER          *ZZ*SELLER         *240102*1200*U*"
        "00401*000000001*0*P*>",
        "GS*PO*BUYER*SELLER*20240102*1200*1*X*004010",
        *body,
        "GE*1*1",
        "IEA*1*000000001",
    ]
    return ("~".join(segments) + "~").encode()


def test_the_memo_changes_no_document() -> None:
    data = x12_850(
        "PO1*1*2*EA*1.50**UP*012345678905*VP*ART1",
        "PID*F****WIDGET",
        "PO1*2*3*EA*1.50**UP*012345678905*VP*ART1",
        "PID*F****WIDGET",
    )
    interchange = x12.parse(data)[0]
    profile = MappingProfile(currency="USD")
    shared = map_inbound(interchange, profile)
    alone = [m for s in interchange.sets for m in map_message(s, interchange, profile)]
    assert shared == alone
    lines = shared[0].document.lines  # type: ignore[union-attr]
    assert [line.quantity.value for line in lines] == [Decimal(2), Decimal(3)]
    assert lines[0].product == lines[1].product
    assert lines[0].product.supplier_item == "ART1"


def test_a_bad_line_after_a_good_one_with_the_same_article_is_still_refused() -> None:
    data = x12_850(
        "PO1*1*2*EA*1.50**UP*012345678905*VP*ART1",
        "PID*F****WIDGET",
        "PO1*2*-3*EA*1.50**UP*012345678905*VP*ART1",
        "PID*F****WIDGET",
    )
    with pytest.raises(RejectedInput) as raised:
        map_inbound(x12.parse(data)[0], MappingProfile(currency="USD"))
    assert "negative" in str(raised.value)
    assert raised.value.segment_index == 6  # the second PO1 (ISA is 0)


def test_errors_keep_their_order_when_a_line_has_neither_product_nor_quantity() -> None:
    data = x12_850("PO1*1**EA*1.50", "PID*F****WIDGET")
    with pytest.raises(RejectedInput) as raised:
        map_inbound(x12.parse(data)[0], MappingProfile(currency="USD"))
    assert "ordered quantity" in str(raised.value)
