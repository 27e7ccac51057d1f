"""A ship notice (856) or despatch advice (DESADV) that covers several orders gives one
shipment confirmation per order, each under its own key, with its own lines and packages."""

from __future__ import annotations

from decimal import Decimal

import pytest

from contracts import ShipmentConfirmation
from contracts.errors import RejectedInput
from edge.edi import edifact, x12
from edge.edi.mapping import MappedDocument, MappingProfile, map_inbound
from gateway.intake_parse import examine
from tests.conftest import CORPUS
from tests.unit.edge.test_mapping_errors import edifact_message, refusal, x12_message

SSCC_PALLET = "003123450000000017"
SSCC_A = "003123450000000024"
SSCC_B = "003123450000000031"


def mapped(data: bytes) -> list[MappedDocument]:
    parse = edifact.parse if data.startswith(b"UN") else x12.parse
    (interchange,) = parse(data)
    return map_inbound(interchange, MappingProfile(), partner="3pl", source="in.edi")


def confirmations(found: list[MappedDocument]) -> list[ShipmentConfirmation]:
    documents = [m.document for m in found]
    assert all(isinstance(d, ShipmentConfirmation) for d in documents)
    return documents  # type: ignore[return-value]


def skus(confirmation: ShipmentConfirmation) -> list[tuple[str | None, Decimal, str | None]]:
    return [(ln.product.sku, ln.shipped.value, ln.sscc) for ln in confirmation.lines]


# S > O > P > I twice, under one shipment level
TWO_ORDERS_856 = [
    "BSN*00*SHIP-9*20240318*1200*0001",
    "HL*1**S",
    "TD5**2*UPSN",
    "REF*CN*1Z999",
    "DTM*011*20240318",
    "HL*2*1*O",
    "PRF*FR-1",
    "HL*3*2*P",
    f"MAN*GM*{SSCC_A}",
    "HL*4*3*I",
    "LIN*1*VP*A1",
    "SN1**2*EA**3*EA",
    "HL*5*1*O",
    "PRF*FR-2",
    "HL*6*5*P",
    f"MAN*GM*{SSCC_B}",
    "HL*7*6*I",
    "LIN*1*VP*B1",
    "SN1**5*EA",
    "HL*8*6*I",
    "LIN*2*VP*B2",
    "SN1**1*EA",
    "CTT*3",
]


def test_an_856_with_two_orders_gives_a_confirmation_per_order_with_its_own_items() -> None:
    found = mapped(x12_message("856", TWO_ORDERS_856))
    first, second = confirmations(found)
    assert (first.order_number, second.order_number) == ("FR-1", "FR-2")
    assert skus(first) == [("A1", Decimal(2), SSCC_A)]
    assert skus(second) == [("B1", Decimal(5), SSCC_B), ("B2", Decimal(1), SSCC_B)]
    assert [p.sscc for p in first.packages] == [SSCC_A]
    assert [p.sscc for p in second.packages] == [SSCC_B]
    # what the shipment level says is shared; "partial" is each order's own
    for conf in (first, second):
        assert (conf.shipment_id, conf.carrier, conf.tracking_number) == ("SHIP-9", "UPSN", "1Z999")
    assert (first.partial, second.partial) == (True, False)
    # each has its own key and correlation: replaying the file finds both again
    keys = [m.idempotency_key("3pl") for m in found]
    assert len(set(keys)) == 2 and all(
        k.endswith(n) for k, n in zip(keys, ["FR-1", "FR-2"], strict=True)
    )
    assert [m.correlation_key("3pl") for m in found] == ["3pl/FR-1", "3pl/FR-2"]
    assert keys == [m.idempotency_key("3pl") for m in mapped(x12_message("856", TWO_ORDERS_856))]


def test_a_single_order_856_keeps_the_key_of_its_message() -> None:
    body = [*TWO_ORDERS_856[:12], "CTT*1"]
    (only,) = mapped(x12_message("856", body))
    assert only.idempotency_key("3pl") == "3pl:000000001:1:0001"


def test_a_pallet_above_the_order_levels_goes_with_every_order_it_holds() -> None:
    body = [
        "BSN*00*SHIP-9*20240318*1200*0001",
        "HL*1**S",
        "HL*2*1*T",
        f"MAN*GM*{SSCC_PALLET}",
        "TD1******G*120*KG",
        "HL*3*2*O",
        "PRF*FR-1",
        "HL*4*3*I",
        "LIN**VP*A1",
        "SN1**2*EA",
        "HL*5*2*O",
        "PRF*FR-2",
        "HL*6*5*P",
        f"MAN*GM*{SSCC_B}",
        "HL*7*6*I",
        "LIN**VP*B1",
        "SN1**5*EA",
    ]
    first, second = confirmations(mapped(x12_message("856", body)))
    assert skus(first) == [("A1", Decimal(2), SSCC_PALLET)]
    assert skus(second) == [("B1", Decimal(5), SSCC_B)]
    assert [p.sscc for p in first.packages] == [SSCC_PALLET]
    assert [p.sscc for p in second.packages] == [SSCC_PALLET, SSCC_B]
    assert [ln.line_no for ln in first.lines + second.lines] == [1, 1]  # numbered per order


def test_an_item_under_no_order_level_of_a_multi_order_856_is_refused_where_it_is() -> None:
    body = [*TWO_ORDERS_856[:-1], "HL*9*1*I", "LIN*3*VP*C1", "SN1**1*EA", "CTT*4"]
    error = refusal(x12_message("856", body))
    assert (error.code, error.fields["segment_tag"]) == ("missing", "LIN")
    assert "'FR-1', 'FR-2'" in error.message
    assert error.segment_index == 3 + body.index("LIN*3*VP*C1")  # ISA, GS, ST before the body


DESADV_HEAD = ["BGM+351+DES-7+9", "DTM+11:20240318:102"]


def desadv_line(n: int, gtin: str, qty: int, order: str | None) -> list[str]:
    line = [f"LIN+{n}++{gtin}:EN", f"QTY+12:{qty}"]
    return [*line, f"RFF+ON:{order}"] if order else line


def test_a_desadv_naming_two_orders_on_its_lines_splits_lines_and_packages() -> None:
    body = [
        *DESADV_HEAD,
        "CPS+1",
        "PAC+1++CT",
        "PCI+33E",
        f"GIN+BJ+{SSCC_A}",
        *desadv_line(1, "5410013111115", 4, "PO-1"),
        *desadv_line(2, "5410013111122", 1, "PO-2"),
        "CPS+2",
        "PAC+1++CT",
        "PCI+33E",
        f"GIN+BJ+{SSCC_B}",
        *desadv_line(3, "5410013111139", 2, "PO-2"),
    ]
    found = mapped(edifact_message("DESADV", body))
    first, second = confirmations(found)
    assert (first.order_number, second.order_number) == ("PO-1", "PO-2")
    assert [(ln.product.gtin, ln.sscc) for ln in first.lines] == [("5410013111115", SSCC_A)]
    assert [(ln.product.gtin, ln.sscc) for ln in second.lines] == [
        ("5410013111122", SSCC_A),
        ("5410013111139", SSCC_B),
    ]
    assert [p.sscc for p in first.packages] == [SSCC_A]
    assert [p.sscc for p in second.packages] == [SSCC_A, SSCC_B]
    assert len({m.idempotency_key("3pl") for m in found}) == 2


def test_desadv_lines_without_their_own_order_belong_to_the_header_order() -> None:
    body = [
        *DESADV_HEAD,
        "RFF+ON:PO-1",
        "CPS+1",
        *desadv_line(1, "5410013111115", 4, None),
        *desadv_line(2, "5410013111122", 1, "PO-2"),
        *desadv_line(3, "5410013111139", 2, None),
    ]
    first, second = confirmations(mapped(edifact_message("DESADV", body)))
    assert [ln.product.gtin for ln in first.lines] == ["5410013111115", "5410013111139"]
    assert [ln.product.gtin for ln in second.lines] == ["5410013111122"]


def test_a_desadv_line_of_no_order_among_several_is_refused_where_it_is() -> None:
    body = [
        *DESADV_HEAD,
        "CPS+1",
        *desadv_line(1, "5410013111115", 4, "PO-1"),
        *desadv_line(2, "5410013111122", 1, None),
        *desadv_line(3, "5410013111139", 2, "PO-2"),
    ]
    error = refusal(edifact_message("DESADV", body))
    assert (error.code, error.fields["segment_tag"]) == ("missing", "LIN")
    assert error.segment_index == 2 + body.index("LIN+2++5410013111122:EN")  # UNB, UNH


def test_intake_files_each_order_of_a_ship_notice_as_its_own_document() -> None:
    data = x12_message("856", TWO_ORDERS_856)
    found = examine(
        data,
        "asn.x12",
        partner="3pl",
        profile=MappingProfile(),
        layouts=(),
        content_hash="h",
    )
    assert found.refused is None
    assert [(d.flow, d.correlation_key) for d in found.documents] == [
        ("shipment_confirmation", "3pl/FR-1"),
        ("shipment_confirmation", "3pl/FR-2"),
    ]
    assert len({d.idempotency_key for d in found.documents}) == 2


@pytest.mark.parametrize("kind", ["856", "DESADV"])
def test_no_order_at_all_is_still_refused(kind: str) -> None:
    if kind == "856":
        data = x12_message("856", ["BSN*00*S1*20240318*1200*0001", "HL*1**S", "HL*2*1*I"])
    else:
        data = edifact_message(
            "DESADV", [*DESADV_HEAD, "CPS+1", *desadv_line(1, "5410013111115", 1, None)]
        )
    with pytest.raises(RejectedInput) as caught:
        mapped(data)
    assert caught.value.code == "missing"


def test_a_public_crossdock_ship_notice_gives_one_confirmation_per_store_order() -> None:
    # EdiEngine's sample: one truck, two purchase orders, cartons (P) under each order (O)
    path = CORPUS / "files/x12/EdiEngine/EdiEngine.Tests/TestData/856.Crossdock.OK.edi"
    first, second = confirmations(mapped(path.read_bytes()))
    assert (first.order_number, second.order_number) == ("POREF00", "POREF01")
    assert [(ln.product.gtin or ln.product.buyer_item, ln.sscc) for ln in second.lines] == [
        ("0000000000642", "000715670002152111")
    ]
    assert len(first.lines) == 4 and [p.sscc for p in second.packages] == ["000715670002152111"]
    assert {line.sscc for line in first.lines} == {p.sscc for p in first.packages}
    assert (first.bill_of_lading, second.tracking_number) == ("000001", "0000000008741")
