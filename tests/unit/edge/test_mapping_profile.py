"""Partner profiles: built from the configuration's tables, and they change what maps to what.

The overrides tested here are those of ``[partners.mapping]``: ``units``, ``carriers``,
``qualifiers`` (``<syntax>.<table>.<code>``) and ``code_lists`` (whole tables, plus
``options``). A code that no table knows is refused with its position, never defaulted.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from contracts import ConfigError, InventoryReport, SalesOrder, ShipmentConfirmation
from contracts.errors import RejectedInput
from edge.edi import edifact, x12
from edge.edi.mapping import MappingProfile, SkuSource, map_inbound, profile_from_tables

ORDERS = (
    b"UNA:+.? 'UNB+UNOC:3+5412345000013:14+4012345000009:14+240315:0930+ICR9'"
    b"UNH+1+ORDERS:D:96A:UN:EAN008'BGM+220+PO-1+9'DTM+137:20240315:102'"
    b"LIN+1++5410013111115:EN'PIA+5+ART-1:SA+B-1:IN'QTY+21:3:CT'"
    b"UNS+S'UNT+8+1'UNZ+1+ICR9'"
)


def x12_interchange(set_id: str, functional_id: str, body: list[str]) -> bytes:
    segments = [f"ST*{set_id}*0001", *body, f"SE*{len(body) + 2}*0001"]
    return "~".join(
        [
            "ISA*00*          *00*          *ZZ*PARTNER        *ZZ*CROSSDOCK      *240315*0930*U"
            "*00401*000000001*0*P*>",
            f"GS*{functional_id}*PARTNER*CROSSDOCK*20240315*0930*1*X*004010",
            *segments,
            "GE*1*1",
            "IEA*1*000000001",
            "",
        ]
    ).encode()


def order(profile: MappingProfile) -> SalesOrder:
    (interchange,) = edifact.parse(ORDERS)
    (result,) = map_inbound(interchange, profile, partner="acme")
    assert isinstance(result.document, SalesOrder)
    return result.document


def test_an_unknown_unit_is_refused_with_its_position() -> None:
    with pytest.raises(RejectedInput) as caught:
        order(MappingProfile())
    error = caught.value
    assert error.code == "unknown code"
    assert error.fields["value"] == "CT"
    assert error.fields["segment_tag"] == "QTY"
    assert (error.fields["element_position"], error.fields["component_position"]) == (1, 3)
    assert error.segment_index == 6  # UNB 0, UNH 1, BGM 2, DTM 3, LIN 4, PIA 5, QTY 6
    assert error.byte_offset is not None
    assert ORDERS[error.byte_offset : error.byte_offset + 4] == b"QTY+"
    assert error.partner == "acme"
    assert "unknown unit 'CT' in QTY element 1 component 3" in str(error)


def test_a_unit_table_maps_ct_to_box() -> None:
    profile = profile_from_tables(units={"CT": "BOX"})
    assert order(profile).lines[0].quantity.unit == "BOX"
    assert profile.units["PCE"] == "EA"  # the defaults are kept


def test_sku_comes_from_the_identifier_the_profile_names() -> None:
    profile = profile_from_tables(units={"CT": "BOX"})
    assert order(profile).lines[0].product.sku == "ART-1"
    buyer = profile_from_tables(
        units={"CT": "BOX"}, code_lists={"options": {"sku_from": "buyer_item"}}
    )
    assert buyer.sku_from is SkuSource.BUYER_ITEM
    assert order(buyer).lines[0].product.sku == "B-1"


def test_a_qualifier_override_changes_the_meaning_of_a_code() -> None:
    # the partner sends its buyer item numbers as PIA SA: the table says so
    profile = profile_from_tables(
        units={"CT": "BOX"},
        qualifiers={"edifact.item.SA": "buyer_item", "edifact.item.IN": "ignore"},
    )
    product = order(profile).lines[0].product
    assert (product.buyer_item, product.supplier_item, product.sku) == ("ART-1", None, None)


def test_stock_qualifiers_come_from_the_profile() -> None:
    data = x12_interchange(
        "846",
        "IB",
        ["BIA*00*DD*R1*20240320", "N1*WH**91*WH1", "LIN*1*VP*A1", "QTY*ZZ*7*EA"],
    )
    (interchange,) = x12.parse(data)
    with pytest.raises(RejectedInput) as caught:
        map_inbound(interchange, MappingProfile())
    assert caught.value.code == "unknown code"
    assert caught.value.fields["table"] == "x12.stock"
    profile = profile_from_tables(code_lists={"x12.stock": {"ZZ": "on_hand"}})
    (result,) = map_inbound(interchange, profile)
    assert isinstance(result.document, InventoryReport)
    assert result.document.lines[0].on_hand == Decimal(7)
    assert result.document.lines[0].available is None


def test_carriers_are_mapped_when_the_partner_has_a_table() -> None:
    data = x12_interchange(
        "945",
        "SW",
        ["W06*F*ORD-1*20240318*SH-1", "W27*M*UPSN", "LX*1", "W12*CC*1*1**EA**VN*A1"],
    )
    (interchange,) = x12.parse(data)
    (plain,) = map_inbound(interchange, MappingProfile())
    assert isinstance(plain.document, ShipmentConfirmation)
    assert plain.document.carrier == "UPSN"  # no table: passed through
    (mapped,) = map_inbound(interchange, profile_from_tables(carriers={"UPSN": "ups"}))
    assert mapped.document.carrier == "ups"  # type: ignore[union-attr]
    with pytest.raises(RejectedInput) as caught:
        map_inbound(interchange, profile_from_tables(carriers={"FDEG": "fedex"}))
    assert caught.value.fields["table"] == "carriers"
    assert caught.value.fields["segment_tag"] == "W27"


def test_options_are_parsed() -> None:
    profile = profile_from_tables(
        code_lists={
            "options": {
                "currency": "EUR",
                "decimal_mark": ",",
                "utc_offset_minutes": "60",
                "edifact_releases": "96A, 01B, 93A",
            }
        }
    )
    assert profile.currency == "EUR"
    assert profile.decimal_mark == ","
    assert profile.utc_offset_minutes == 60
    assert profile.edifact_releases == ("96A", "01B", "93A")


@pytest.mark.parametrize(
    ("kwargs", "path"),
    [
        ({"qualifiers": {"edifact.nope.X": "buyer"}}, "mapping.qualifiers.edifact.nope.X"),
        ({"qualifiers": {"x12.party.ZZ": "emperor"}}, "mapping.qualifiers.x12.party.ZZ"),
        ({"qualifiers": {"BY": "buyer"}}, "mapping.qualifiers.BY"),
        ({"qualifiers": {"delivery": "DP"}}, "mapping.qualifiers.delivery"),
        ({"code_lists": {"edifact.stock": {"1": "plenty"}}}, "mapping.code_lists.edifact.stock.1"),
        ({"code_lists": {"options": {"colour": "red"}}}, "mapping.code_lists.options.colour"),
        ({"code_lists": {"options": {"century_pivot": "soon"}}}, "mapping.code_lists.options"),
    ],
)
def test_bad_tables_are_config_errors_naming_the_key(kwargs: dict[str, object], path: str) -> None:
    with pytest.raises(ConfigError) as caught:
        profile_from_tables(**kwargs)  # type: ignore[arg-type]
    assert caught.value.path == path


def test_code_lists_replace_entries_and_keep_the_others() -> None:
    profile = profile_from_tables(code_lists={"edifact.party": {"ZZ": "buyer", "BY": "ignore"}})
    assert profile.edifact.party["ZZ"] == "buyer"
    assert profile.edifact.party["BY"] == "ignore"
    assert profile.edifact.party["SU"] == "supplier"
    assert MappingProfile().edifact.party["BY"] == "buyer"  # defaults are not shared state


def test_the_shorthand_of_the_example_configuration() -> None:
    profile = profile_from_tables(
        qualifiers={"buyer": "BY", "ship_to": "DEL"},
        code_lists={"incoterms": {"EXW": "EXW"}},
    )
    assert profile.edifact.party["DEL"] == "ship_to"
    assert profile.x12.party["DEL"] == "ship_to"
    assert profile.code_lists == {"incoterms": {"EXW": "EXW"}}
