"""Outbound then inbound: a document rendered, parsed by our parser and mapped back is the
same document, for every target that has an inbound mapping (ORDRSP / 855, INVRPT / 846,
DESADV / 856), on the fixture documents and on documents hypothesis makes up.

"The same" is up to what each message cannot say, which the strategies leave out and the
docstrings of the mappings state: a packing hierarchy orders lines by package (lines are
compared by number), an EANCOM DESADV has no service level, an 855 no reason text, neither
syntax a backordered header status. The 940 has no inbound mapping: its segments are checked.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TypeVar

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts import (
    AckLine,
    Address,
    Document,
    InventoryLine,
    InventoryReport,
    LineStatus,
    Money,
    OrderAcknowledgement,
    Package,
    Party,
    PartyId,
    PartyRole,
    ProductRef,
    Quantity,
    ShipmentConfirmation,
    ShipmentLine,
    decode_document,
)
from edge.edi import EdiSyntax, edifact, sniff, x12
from edge.edi import Party as EnvelopeParty
from edge.edi.mapping import EnvelopeParams, MappingProfile, map_inbound, render
from tests.conftest import REPO

OUTBOUND = REPO / "fixtures" / "edi" / "mapping" / "outbound"
PROFILE = MappingProfile()
D = TypeVar("D", bound=msgspec.Struct)


def envelope(target: str) -> EnvelopeParams:
    if target.startswith("edifact"):
        sender, receiver = (
            EnvelopeParty("4012345000009", "14"),
            EnvelopeParty("5412345000013", "14"),
        )
    else:
        sender, receiver = EnvelopeParty("CROSSDOCK", "ZZ"), EnvelopeParty("PARTNER", "ZZ")
    return EnvelopeParams(sender=sender, receiver=receiver, prepared=datetime(2024, 3, 20, 9, 30))


def round_trip(document: Document, target: str, profile: MappingProfile = PROFILE) -> Document:
    data = render(document, target, profile, envelope(target))
    parse = edifact.parse if sniff(data) is EdiSyntax.EDIFACT else x12.parse
    (interchange,) = parse(data)
    (mapped,) = map_inbound(interchange, profile, partner="acme")
    return mapped.document


def by_number(document: D) -> D:
    lines = getattr(document, "lines", None)
    if not lines or not hasattr(lines[0], "line_no"):
        return document
    return msgspec.structs.replace(document, lines=sorted(lines, key=lambda line: line.line_no))


# --- the fixture documents ------------------------------------------------------------------

TARGETS = [
    ("ack", "edifact:ORDRSP:D96A"),
    ("ack", "edifact:ORDRSP:D01B"),
    ("inventory", "edifact:INVRPT:D96A"),
    ("inventory", "edifact:INVRPT:D01B"),
    ("inventory", "x12:846:004010"),
    ("inventory", "x12:846:005010"),
    ("shipment", "edifact:DESADV:D96A"),
    ("shipment", "edifact:DESADV:D01B"),
    ("shipment", "x12:856:004010"),
    ("shipment", "x12:856:005010"),
]


@pytest.mark.parametrize(("name", "target"), TARGETS)
def test_fixture_documents_come_back_the_same(name: str, target: str) -> None:
    document = decode_document((OUTBOUND / f"{name}.json").read_bytes())
    assert by_number(round_trip(document, target)) == by_number(document)


@pytest.mark.parametrize("target", ["x12:855:004010", "x12:855:005010"])
def test_the_acknowledgement_comes_back_from_an_855_but_for_its_reason(target: str) -> None:
    document = decode_document((OUTBOUND / "ack.json").read_bytes())
    assert isinstance(document, OrderAcknowledgement)
    back = round_trip(document, target)
    assert isinstance(back, OrderAcknowledgement)
    assert back.lines[1].reason is None and document.lines[1].reason is not None
    unreasoned = [msgspec.structs.replace(line, reason=None) for line in document.lines]
    assert back == msgspec.structs.replace(document, lines=unreasoned)


def test_the_940_has_the_expected_segments() -> None:
    document = decode_document((OUTBOUND / "fulfillment.json").read_bytes())
    (interchange,) = x12.parse(render(document, "x12:940:004010", PROFILE, envelope("x12")))
    (group,) = interchange.groups
    assert (group.functional_id, group.version) == ("OW", "004010")
    (order,) = group.sets
    segments = [(s.tag, [e[0] if len(e) == 1 else list(e) for e in s.elements]) for s in order.body]
    assert segments == [
        ("W05", ["N", "WH-OUT-0042", "PO-850-1"]),
        ("N1", ["ST", "ACME DC 7", "92", "0007"]),
        ("N3", ["100 LOGISTICS WAY", "DOCK 4"]),
        ("N4", ["COLUMBUS", "OH", "43215", "US"]),
        ("PER", ["IC", "", "TE", "6145550100"]),
        ("N1", ["WH", "", "91", "WH-EAST"]),
        ("N9", ["CO", "CO-77"]),
        ("N9", ["DP", "042"]),
        ("G62", ["10", "20240318"]),
        ("W66", ["PP", "M", "", "", "UPS GROUND", "", "", "", "", "UPSN"]),
        ("LX", ["1"]),
        ("W01", ["12", "EA", "012345678905", "VP", "ART-1"]),
        ("G69", ["WIDGET BLUE"]),
        ("LX", ["2"]),
        ("W01", ["2", "CA", "", "UK", "10012345678902", "VP", "ART-2"]),
        ("W76", ["14"]),
    ]
    assert order.trailer.elements == (("18",), ("0001",))


# --- made-up documents ----------------------------------------------------------------------

WORD = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-", min_size=1, max_size=8)
CODE = WORD.filter(lambda w: not w.startswith("-"))
TEXT = st.lists(WORD, min_size=1, max_size=6).map(" ".join)
DIGITS = st.sampled_from([8, 12, 13, 14]).flatmap(
    lambda n: st.text("0123456789", min_size=n, max_size=n)
)
AMOUNT = st.decimals(min_value=0, max_value=99999, places=3, allow_nan=False, allow_infinity=False)
UNITS = st.sampled_from(["EA", "KG", "CA", "LB", "L"])
DAY = st.dates(min_value=date(2000, 1, 1), max_value=date(2068, 12, 31))


@st.composite
def products(draw: st.DrawFn) -> ProductRef:
    article = draw(st.none() | CODE)
    gtin = draw(st.none() | DIGITS)
    buyer = draw(st.none() | CODE)
    if not (article or gtin or buyer):
        gtin = draw(DIGITS)
    return ProductRef(
        sku=article,
        supplier_item=article,
        gtin=gtin,
        buyer_item=buyer,
        description=draw(st.none() | TEXT),
    )


def quantities(unit: str) -> st.SearchStrategy[Quantity]:
    return AMOUNT.map(lambda value: Quantity(value=value, unit=unit))


@st.composite
def parties(draw: st.DrawFn) -> list[Party]:
    roles = draw(
        st.lists(
            st.sampled_from([PartyRole.BUYER, PartyRole.SUPPLIER, PartyRole.SHIP_TO]),
            unique=True,
            max_size=3,
        )
    )
    out = []
    for role in roles:
        address = draw(
            st.none()
            | st.builds(
                Address,
                street=st.lists(TEXT.filter(lambda t: len(t) <= 35), max_size=2),
                city=st.none() | TEXT.filter(lambda t: len(t) <= 30),
                postal_code=st.none() | CODE,
                country=st.none() | st.sampled_from(["BE", "DE", "US"]),
            ).filter(lambda a: bool(a.street or a.city or a.postal_code or a.country))
        )
        out.append(
            Party(
                role=role,
                ids=draw(
                    st.lists(DIGITS.map(lambda v: PartyId(scheme="gln", value=v)), max_size=1)
                ),
                name=draw(st.none() | TEXT.filter(lambda t: len(t) <= 60)),
                address=address,
                phone=draw(st.none() | st.text("0123456789", min_size=6, max_size=12)),
            )
        )
    return out


@st.composite
def acknowledgements(draw: st.DrawFn, *, reasons: bool) -> OrderAcknowledgement:
    currency = "EUR"
    lines = []
    for n in range(1, draw(st.integers(1, 4)) + 1):
        unit = draw(UNITS)
        price = draw(st.none() | AMOUNT.map(lambda a: Money(amount=a, currency=currency)))
        lines.append(
            AckLine(
                line_no=n * 10,
                product=draw(products()),
                status=draw(st.sampled_from(list(LineStatus))),
                ordered=draw(quantities(unit)),
                confirmed=draw(st.none() | quantities(unit)),
                unit_price=price,
                ship_date=draw(st.none() | DAY),
                reason=draw(st.none() | TEXT) if reasons else None,
            )
        )
    return OrderAcknowledgement(
        ack_number=draw(CODE),
        order_number=draw(CODE),
        ack_date=draw(DAY),
        status=draw(
            st.sampled_from([LineStatus.ACCEPTED, LineStatus.CHANGED, LineStatus.REJECTED])
        ),
        lines=lines,
        parties=draw(parties()),
    )


@st.composite
def inventories(draw: st.DrawFn, *, fields: tuple[str, ...]) -> InventoryReport:
    warehouse = draw(st.none() | CODE)
    lines = []
    for _ in range(draw(st.integers(1, 4))):
        chosen = draw(st.lists(st.sampled_from(fields), min_size=1, unique=True))
        values = {field: draw(AMOUNT) for field in chosen}
        location = draw(CODE if warehouse is None else st.just(warehouse) | CODE)
        lines.append(
            InventoryLine(product=draw(products()), location=location, unit=draw(UNITS), **values)
        )
    moment = draw(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2068, 1, 1)))
    return InventoryReport(
        report_id=draw(CODE),
        as_of=moment.replace(microsecond=0, tzinfo=UTC),
        lines=lines,
        warehouse=warehouse,
    )


@st.composite
def shipments(draw: st.DrawFn, *, service: bool) -> ShipmentConfirmation:
    ssccs = draw(st.lists(st.text("0123456789", min_size=18, max_size=18), unique=True, max_size=3))
    packages = [
        Package(
            sscc=sscc,
            tracking_number=draw(st.none() | CODE),
            weight=draw(st.none() | AMOUNT.map(lambda w: Quantity(value=w, unit="KG"))),
        )
        for sscc in ssccs
    ]
    lines = []
    for n in range(1, draw(st.integers(1, 4)) + 1):
        unit = draw(UNITS)
        lines.append(
            ShipmentLine(
                line_no=n,
                product=draw(products()),
                shipped=draw(quantities(unit)),
                ordered=draw(st.none() | quantities(unit)),
                sscc=draw(st.none() | st.sampled_from(ssccs)) if ssccs else None,
            )
        )
    partial = any(
        line.ordered is not None and line.shipped.value < line.ordered.value for line in lines
    )
    return ShipmentConfirmation(
        shipment_id=draw(CODE),
        order_number=draw(CODE),
        ship_date=draw(DAY),
        lines=lines,
        packages=packages,
        carrier=draw(st.none() | CODE),
        service_level=draw(st.none() | CODE) if service else None,
        tracking_number=draw(st.none() | CODE),
        bill_of_lading=draw(st.none() | CODE),
        partial=partial,
        warehouse=draw(st.none() | CODE),
    )


@pytest.mark.parametrize("release", ["D96A", "D01B"])
@given(document=acknowledgements(reasons=True))
def test_any_acknowledgement_survives_ordrsp(release: str, document: OrderAcknowledgement) -> None:
    assert round_trip(document, f"edifact:ORDRSP:{release}") == document


@pytest.mark.parametrize("version", ["004010", "005010"])
@given(document=acknowledgements(reasons=False))
def test_any_acknowledgement_survives_855(version: str, document: OrderAcknowledgement) -> None:
    assert round_trip(document, f"x12:855:{version}") == document


@given(document=inventories(fields=("on_hand", "reserved", "damaged")))
def test_any_inventory_survives_invrpt(document: InventoryReport) -> None:
    assert round_trip(document, "edifact:INVRPT:D96A") == document


@given(document=inventories(fields=("on_hand", "available", "reserved", "damaged")))
def test_any_inventory_survives_846(document: InventoryReport) -> None:
    assert round_trip(document, "x12:846:005010") == document


@given(document=shipments(service=False))
def test_any_shipment_survives_desadv(document: ShipmentConfirmation) -> None:
    assert by_number(round_trip(document, "edifact:DESADV:D01B")) == by_number(document)


@given(document=shipments(service=True))
def test_any_shipment_survives_856(document: ShipmentConfirmation) -> None:
    assert by_number(round_trip(document, "x12:856:004010")) == by_number(document)


@given(value=st.decimals(min_value=-(10**6), max_value=10**6, places=4, allow_nan=False))
def test_decimal_commas_are_written_and_read_back(value: Decimal) -> None:
    profile = MappingProfile(decimal_mark=",", default_unit="EA")
    line = InventoryLine(
        product=ProductRef(sku="A", supplier_item="A"), location="W", available=value
    )
    report = InventoryReport(
        report_id="R", as_of=datetime(2024, 1, 1, tzinfo=UTC), lines=[line], warehouse="W"
    )
    with_code = msgspec.structs.replace(
        profile, edifact=msgspec.structs.replace(profile.edifact, stock={"XA": "available"})
    )
    assert round_trip(report, "edifact:INVRPT:D96A", with_code) == report
