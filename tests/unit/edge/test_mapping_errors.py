"""What the mappings refuse, and how they say where: the dispatcher, missing and bad values,
contract violations, the CLI functions, the renderer's refusals, and a few shapes of real
messages that must not lose lines."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

import msgspec
import pytest

from contracts import (
    InventoryLine,
    InventoryReport,
    ProductRef,
    SalesOrder,
    ShipmentConfirmation,
    decode_document,
)
from contracts.errors import RejectedInput
from edge.edi import Party, edifact, x12
from edge.edi.mapping import (
    EnvelopeParams,
    MappingProfile,
    map_inbound,
    parse_target,
    parse_to_json_lines,
    profile_from_tables,
    reason,
    render,
    render_json,
)
from tests.conftest import REPO

INBOUND = REPO / "fixtures" / "edi" / "mapping" / "inbound"
ENVELOPE = EnvelopeParams(
    sender=Party("CROSSDOCK", "ZZ"), receiver=Party("PARTNER", "ZZ"), prepared=datetime(2024, 3, 20)
)


LINE = ["LIN+1++5410013111115:EN", "QTY+21:1"]


def edifact_message(type_: str, body: list[str], release: str = "96A") -> bytes:
    segments = [f"UNH+1+{type_}:D:{release}:UN", *body, f"UNT+{len(body) + 2}+1"]
    return ("UNB+UNOC:3+A:14+B:14+240315:0930+R1'" + "'".join(segments) + "'UNZ+1+R1'").encode()


def x12_message(set_id: str, body: list[str], version: str = "004010") -> bytes:
    segments = [f"ST*{set_id}*0001", *body, f"SE*{len(body) + 2}*0001"]
    return "~".join(
        [
            "ISA*00*          *00*          *ZZ*PARTNER        *ZZ*CROSSDOCK      *240315*0930*U"
            "*00401*000000001*0*P*>",
            f"GS*XX*PARTNER*CROSSDOCK*20240315*0930*1*X*{version}",
            *segments,
            "GE*1*1",
            "IEA*1*000000001",
            "",
        ]
    ).encode()


def refusal(data: bytes, profile: MappingProfile | None = None) -> RejectedInput:
    parse = edifact.parse if data.startswith(b"UN") else x12.parse
    (interchange,) = parse(data)
    with pytest.raises(RejectedInput) as caught:
        map_inbound(interchange, profile or MappingProfile(), partner="acme", source="in.edi")
    error = caught.value
    assert error.segment_index is not None and error.byte_offset is not None
    assert error.fields["code_list"] == "mapping"
    assert (error.partner, error.source) == ("acme", "in.edi")
    return error


def test_a_message_type_without_a_mapping_is_not_supported() -> None:
    error = refusal(edifact_message("INVOIC", ["BGM+380+1+9"]))
    assert error.code == "not supported"
    assert (error.fields["segment_tag"], error.segment_index) == ("UNH", 1)
    assert "no mapping exists for INVOIC" in error.message
    error = refusal(x12_message("810", ["BIG*20240315*1"]))
    assert (error.code, error.fields["segment_tag"]) == ("not supported", "ST")


def test_releases_and_versions_the_profile_does_not_list_are_not_supported() -> None:
    orders = edifact_message(
        "ORDERS",
        ["BGM+220+PO-1+9", "DTM+137:20240315:102", "LIN+1++5410013111115:EN", "QTY+21:1"],
        release="93A",
    )
    error = refusal(orders)
    assert (error.code, error.fields["value"]) == ("not supported", "D:93A")
    profile = profile_from_tables(code_lists={"options": {"edifact_releases": "96A,93A"}})
    (interchange,) = edifact.parse(orders)
    assert map_inbound(interchange, profile)[0].document.order_number == "PO-1"  # type: ignore[union-attr]
    po = x12_message("850", ["BEG*00*SA*PO-1**20240315", "PO1*1*1*EA***VP*A"], "003010")
    error = refusal(po)
    assert (error.code, error.fields["segment_tag"]) == ("not supported", "GS")


@pytest.mark.parametrize(
    ("body", "code", "tag", "expected"),
    [
        (["BGM+220+PO-1+9", "LIN+1++5410013111115:EN", "QTY+21:1"], "missing", "UNH", "DTM 137"),
        (["BGM+220+PO-1+9", "DTM+137:20240315:102"], "missing", "UNH", "LIN"),
        (
            ["BGM+220+PO-1+9", "DTM+137:20240315:102", "LIN+1++5410013111115:EN"],
            "missing",
            "LIN",
            "QTY",
        ),
        (["BGM+220+PO-1+9", "DTM+137:20241315:102"], "invalid value", "DTM", None),
        (["BGM+220+PO-1+9", "DTM+137:20240315:999"], "unknown code", "DTM", None),
        (["BGM+220+PO-1+77", "DTM+137:20240315:102", *LINE], "unknown code", "BGM", None),
        (
            ["BGM+220+PO-1+9", "DTM+137:20240315:102", "NAD+XX+1::9", *LINE],
            "unknown code",
            "NAD",
            None,
        ),
        (
            ["BGM+220+PO-1+9", "DTM+137:20240315:102", "NAD+BY+1::99", *LINE],
            "unknown code",
            "NAD",
            None,
        ),
        (
            ["BGM+220+PO-1+9", "DTM+137:20240315:102", "LIN+1++12345:EN", "QTY+21:1"],
            "invalid value",
            "LIN",
            None,
        ),
        (
            ["BGM+220+PO-1+9", "DTM+137:20240315:102", "LIN+1++5410013111115:EN", "QTY+21:1,2,3"],
            "invalid value",
            "QTY",
            None,
        ),
        (
            ["BGM+220+PO-1+9", "DTM+137:20240315:102", "LIN+1++5410013111115:EN", "QTY+21:-1"],
            "invalid value",
            "QTY",
            None,
        ),
        (
            [
                "BGM+220+PO-1+9",
                "DTM+137:20240315:102",
                "LIN+1++5410013111115:EN",
                "PIA+5+A:SA+B:SA",
                "QTY+21:1",
            ],
            "invalid value",
            "PIA",
            None,
        ),
        (
            [
                "BGM+220+PO-1+9",
                "DTM+137:20240315:102",
                "LIN+1++5410013111115:EN",
                "QTY+21:1",
                "PRI+AAA:2",
            ],
            "missing",
            "PRI",
            "currency",
        ),
    ],
)
def test_orders_refusals_point_at_the_segment(
    body: list[str], code: str, tag: str, expected: str | None
) -> None:
    error = refusal(edifact_message("ORDERS", body))
    assert (error.code, error.fields["segment_tag"]) == (code, tag), error
    if expected is not None:
        assert expected in error.fields["expected"]


def test_a_value_the_contract_forbids_is_refused_with_its_path() -> None:
    # the profile maps a reason to a value that is no canonical Code (outer blank)
    profile = profile_from_tables(code_lists={"x12.return_reason": {"DA": "damaged "}})
    rma = x12_message("180", ["BGN*00*RMA-1*20240325", "BLI*VP*A1*1*EA", "RDR*RA*DA"])
    error = refusal(rma, profile)
    assert error.code == "invalid value"
    assert error.path == "$.lines[0].reason"
    assert error.fields["segment_tag"] == "ST"


def test_an_order_level_without_items_in_a_multi_order_856_is_refused_at_its_prf() -> None:
    body = [
        "BSN*00*S1*20240318*1200*0001",
        "HL*1**S",
        "HL*2*1*O",
        "PRF*PO-1",
        "HL*3*2*I",
        "LIN*1*VP*A1",
        "SN1**1*EA",
        "HL*4*1*O",
        "PRF*PO-2",
    ]
    error = refusal(x12_message("856", body))
    assert (error.code, error.fields["segment_tag"]) == ("missing", "PRF")
    assert "'PO-2'" in error.message
    assert error.segment_index == 11  # ISA 0, GS 1, ST 2, BSN 3... the second PRF


def test_parse_to_json_lines_gives_one_document_per_line() -> None:
    data = (INBOUND / "x850_4010.edi").read_bytes() + (INBOUND / "x855_5010.edi").read_bytes()
    lines = list(parse_to_json_lines(data, "two.edi", MappingProfile(), partner="acme"))
    assert [line.endswith(b"\n") and b"\n" not in line[:-1] for line in lines] == [True, True]
    kinds = [type(decode_document(line)).__name__ for line in lines]
    assert kinds == ["SalesOrder", "OrderAcknowledgement"]


def test_parse_to_json_lines_refuses_with_one_line_of_reason() -> None:
    with pytest.raises(RejectedInput) as caught:
        list(parse_to_json_lines(b"sku;qty\nA;1\n", "stock.csv", MappingProfile(), partner="acme"))
    assert (caught.value.byte_offset, caught.value.code) == (0, "not supported")
    assert reason(caught.value) == (
        "stock.csv: partner acme: the file is neither EDIFACT (UNA / UNB) nor X12 (ISA) "
        "(byte 0) [not supported]"
    )
    bad = edifact_message("ORDERS", ["BGM+220+PO-1+9"])
    with pytest.raises(RejectedInput) as caught:
        list(parse_to_json_lines(bad, "po.edi", MappingProfile(), partner="acme"))
    line = reason(caught.value)
    assert line.startswith("po.edi: partner acme: ORDERS: missing the order date (DTM 137)")
    assert "(segment 2, byte 36)" in line and "\n" not in line


def _inventory(**fields: Decimal) -> InventoryReport:
    line = InventoryLine(product=ProductRef(sku="A-1"), location="WH1", **fields)  # type: ignore[arg-type]
    return InventoryReport(
        report_id="R1", as_of=datetime(2024, 3, 20), lines=[line], warehouse="WH1"
    )


def test_render_refuses_what_the_target_cannot_carry() -> None:
    with pytest.raises(RejectedInput) as caught:
        render(_inventory(on_hand=Decimal(1)), "x12:855:004010", MappingProfile(), ENVELOPE)
    assert (caught.value.code, caught.value.path) == ("not supported", "$.type")
    with pytest.raises(RejectedInput) as caught:
        render(_inventory(available=Decimal(1)), "edifact:INVRPT:D96A", MappingProfile(), ENVELOPE)
    assert caught.value.path == "$.lines[0].available"  # no EANCOM default for "available"
    profile = profile_from_tables(qualifiers={"edifact.stock.XA": "available"})
    assert b"QTY+XA:1'" in render(
        _inventory(available=Decimal(1)), "edifact:INVRPT:D96A", profile, ENVELOPE
    )


def test_render_refuses_a_value_x12_cannot_write() -> None:
    report = msgspec.structs.replace(_inventory(on_hand=Decimal(1)), report_id="R*1")
    with pytest.raises(RejectedInput) as caught:
        render(report, "x12:846:004010", MappingProfile(), ENVELOPE)
    assert "'R*1' holds a delimiter" in caught.value.message
    edi = render(report, "edifact:INVRPT:D96A", MappingProfile(), ENVELOPE)
    assert b"BGM+35+R*1+9'" in edi  # EDIFACT has nothing to escape in it


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("edifact:ORDRSP:D96A", "edifact:ORDRSP:D96A"),
        ("edifact:ordrsp:D.01B", "edifact:ORDRSP:D01B"),
        ("x12:940:4010", "x12:940:004010"),
        ("X12:856:005010", "x12:856:005010"),
    ],
)
def test_targets_are_read_as_the_cli_writes_them(text: str, expected: str) -> None:
    assert str(parse_target(text)) == expected


@pytest.mark.parametrize("text", ["x12:940", "x12:850:004010", "edifact:ORDRSP:D93A", "csv:x:y"])
def test_unknown_targets_are_refused(text: str) -> None:
    with pytest.raises(RejectedInput) as caught:
        parse_target(text)
    assert caught.value.path == "$.target"


def test_render_json_refuses_what_is_not_a_document() -> None:
    with pytest.raises(RejectedInput) as caught:
        render_json(b'{"type": "invoice"}', "x12:810:004010", MappingProfile(), ENVELOPE)
    assert caught.value.code == "invalid value"
    with pytest.raises(RejectedInput) as caught:
        render_json(b"{", "x12:810:004010", MappingProfile(), ENVELOPE)
    assert caught.value.path == "$"
    document = json.dumps(
        {"type": "cancellation", "order_number": "1", "cancel_date": "2024-01-01"}
    )
    with pytest.raises(RejectedInput) as caught:
        render_json(document.encode(), "x12:855:004010", MappingProfile(), ENVELOPE)
    assert caught.value.code == "not supported"


def test_a_945_without_lx_loops_maps_each_w12() -> None:
    body = ["W06*F*ORD-1*20240318*SH-1", "W12*CC*1*1**EA**VN*A1", "W12*CC*2*2**EA**VN*A2"]
    (interchange,) = x12.parse(x12_message("945", body))
    (result,) = map_inbound(interchange, MappingProfile())
    shipment = result.document
    assert isinstance(shipment, ShipmentConfirmation)
    assert [(line.line_no, line.product.sku) for line in shipment.lines] == [(1, "A1"), (2, "A2")]


def test_an_amt_in_a_po1_loop_does_not_end_the_lines() -> None:
    body = [
        "BEG*00*SA*PO-1**20240315",
        "CUR*BY*USD",
        "PO1*1*1*EA*2**VP*A1",
        "AMT*1*2",
        "PO1*2*1*EA*3**VP*A2",
        "CTT*2",
        "AMT*TT*5",
    ]
    (interchange,) = x12.parse(x12_message("850", body))
    (result,) = map_inbound(interchange, MappingProfile())
    assert isinstance(result.document, SalesOrder)
    assert [line.line_no for line in result.document.lines] == [1, 2]


def test_render_writes_utf8_levels_in_syntax_4() -> None:
    report = _inventory(on_hand=Decimal(2))
    report = msgspec.structs.replace(report, report_id="Kühl-€")
    utf8 = msgspec.structs.replace(ENVELOPE, syntax_id="UNOY")
    data = render(report, "edifact:INVRPT:D01B", MappingProfile(), utf8)
    assert data.startswith(b"UNA:+.? 'UNB+UNOY:4+")
    (interchange,) = edifact.parse(data)
    (result,) = map_inbound(interchange, MappingProfile())
    assert result.document.report_id == "Kühl-€"  # type: ignore[union-attr]
    with pytest.raises(RejectedInput):  # the euro sign is not in UNOC (ISO 8859-1)
        render(report, "edifact:INVRPT:D01B", MappingProfile(), ENVELOPE)
