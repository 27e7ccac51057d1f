"""The mapping fixtures: every inbound file maps to the canonical JSON beside it, every
outbound document renders to the EDI beside it.

``fixtures/edi/mapping/inbound/NAME.edi`` (EDIFACT or X12) has ``NAME.expected.json``: the
list of ``MappedDocument`` it maps to with the default profile. ``outbound/NAME.json`` is a
canonical document; each ``NAME.<syntax>-<message>-<version>.edi`` beside it is what it renders
to for that target, with the envelope below. The asserts after the comparisons state the
point of some fixtures in words, so a reviewer need not read the JSON.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import msgspec
import pytest

from contracts import LineStatus, OrderAcknowledgement, SalesOrder, ShipmentConfirmation
from edge.edi import EdiSyntax, Party, edifact, sniff, x12
from edge.edi.mapping import (
    EnvelopeParams,
    MappedDocument,
    MappingProfile,
    map_inbound,
    render_json,
)
from tests.conftest import REPO

ROOT = REPO / "fixtures" / "edi" / "mapping"
INBOUND = sorted((ROOT / "inbound").glob("*.edi"))
OUTBOUND = sorted((ROOT / "outbound").glob("*.edi"))


def mapped(path: Path, profile: MappingProfile | None = None) -> list[MappedDocument]:
    data = path.read_bytes()
    profile = profile or MappingProfile()
    if sniff(data) is EdiSyntax.EDIFACT:
        return [m for i in edifact.parse(data) for m in map_inbound(i, profile, partner="acme")]
    return [m for i in x12.parse(data) for m in map_inbound(i, profile, partner="acme")]


def envelope(target: str) -> EnvelopeParams:
    if target.startswith("edifact"):
        sender, receiver = Party("4012345000009", "14"), Party("5412345000013", "14")
    else:
        sender, receiver = Party("CROSSDOCK", "ZZ"), Party("PARTNER", "ZZ")
    return EnvelopeParams(
        sender=sender,
        receiver=receiver,
        prepared=datetime(2024, 3, 20, 9, 30),
        control_number=42,
        group_number=7,
    )


def test_the_fixtures_are_there() -> None:
    names = {p.stem for p in INBOUND}
    for kind in ("orders", "ordrsp", "desadv", "invrpt", "recadv", "retann"):
        assert {f"{kind}_d96a", f"{kind}_d01b"} <= names
    for kind in ("x850", "x855", "x856", "x945", "x846", "x947", "x944", "x180"):
        assert {f"{kind}_4010", f"{kind}_5010"} <= names
    assert len(OUTBOUND) >= 18


@pytest.mark.parametrize("path", INBOUND, ids=lambda p: p.name)
def test_every_inbound_fixture_has_its_expected_json(path: Path) -> None:
    assert path.with_name(path.stem + ".expected.json").is_file(), f"{path.name} has no JSON"


@pytest.mark.parametrize("path", INBOUND, ids=lambda p: p.name)
def test_inbound_fixture_maps_to_its_expected_json(path: Path) -> None:
    expected = json.loads(path.with_name(path.stem + ".expected.json").read_text("utf-8"))
    assert json.loads(msgspec.json.encode(mapped(path))) == expected


def test_no_expected_json_is_left_without_its_fixture() -> None:
    for expected in (ROOT / "inbound").glob("*.expected.json"):
        assert expected.with_name(expected.name.replace(".expected.json", ".edi")).is_file()


@pytest.mark.parametrize("path", OUTBOUND, ids=lambda p: p.name)
def test_outbound_document_renders_to_its_expected_edi(path: Path) -> None:
    name, target = path.name.split(".")[:2]
    document = (path.parent / f"{name}.json").read_bytes()
    target = target.replace("-", ":")
    assert render_json(document, target, MappingProfile(), envelope(target)) == path.read_bytes()


def test_every_outbound_document_has_expected_edi() -> None:
    for document in (ROOT / "outbound").glob("*.json"):
        assert list(document.parent.glob(f"{document.stem}.*.edi")), document.name


def test_what_the_edifact_fixtures_are_for() -> None:
    (orders,) = mapped(ROOT / "inbound" / "orders_d96a.edi")
    order = orders.document
    assert isinstance(order, SalesOrder)
    assert order.note == "PLEASE CALL: +32 3 555 01 01 BEFORE DELIVERY"  # released ? and +
    assert [str(line.quantity.value) for line in order.lines] == ["48", "12.5"]  # 12,5
    assert order.lines[1].unit_price is not None
    assert order.lines[1].unit_price.amount == 3  # PRI 30 per 10 units
    assert order.parties[0].email == "orders@acme.example"  # COM after NAD, RFF, CTA
    (orders_d01b,) = mapped(ROOT / "inbound" / "orders_d01b.edi")
    assert orders_d01b.document.lines[0].product.gtin == "4006381333931"  # type: ignore[union-attr]
    (response,) = mapped(ROOT / "inbound" / "ordrsp_d96a.edi")
    ack = response.document
    assert isinstance(ack, OrderAcknowledgement)
    assert [line.status for line in ack.lines] == [
        LineStatus.ACCEPTED,
        LineStatus.BACKORDERED,  # LIN 1229 = 3 with a QTY 83
        LineStatus.REJECTED,
    ]
    (despatch,) = mapped(ROOT / "inbound" / "desadv_d96a.edi")
    shipment = despatch.document
    assert isinstance(shipment, ShipmentConfirmation)
    assert [line.sscc for line in shipment.lines] == [p.sscc for p in shipment.packages]
    assert shipment.partial  # 8 of 12 shipped


def test_what_the_x12_fixtures_are_for() -> None:
    (notice,) = mapped(ROOT / "inbound" / "x856_4010.edi")
    shipment = notice.document
    assert isinstance(shipment, ShipmentConfirmation)
    assert shipment.lines[0].sscc == "354123450000000014"  # MAN GM with its 00 prefix
    assert shipment.lines[1].sscc is None  # an item under the order, in no pack
    assert (notice.interchange_ref, notice.group_ref, notice.message_ref) == (
        "000000101",
        "101",
        "0001",
    )
    assert notice.idempotency_key("acme") == "acme:000000101:101:0001"
    assert notice.correlation_key("acme") == "acme/PO-850-1"
    (later,) = mapped(ROOT / "inbound" / "x856_5010.edi")
    assert later.document.service_level == "ND"  # type: ignore[union-attr]  # TD512 wins
