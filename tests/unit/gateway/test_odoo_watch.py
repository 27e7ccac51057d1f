"""The pure parts of the flows that start in Odoo: cursor order, routing and split, ack lines."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from contracts import LineStatus, OrderLine, Party, PartyRole, ProductRef, Quantity
from gateway.config import RoutingRule
from gateway.workflows._cursor import Cursor, search_changed
from gateway.workflows.fulfillment import (
    OdooPicking,
    PickingLine,
    Unsendable,
    gtin_or_none,
    route_line,
    split_picking,
)
from gateway.workflows.order_ack import OdooOrderLine, ack_lines, header_status, odoo_decimal

RULES = (
    RoutingRule(warehouse="WH", partner="south", skus=("GAD-002",)),
    RoutingRule(warehouse="WH", partner="north"),
    RoutingRule(warehouse="EW", partner="east", skus=("WID-001",)),
)


def test_cursors_order_by_write_date_then_id_and_round_trip() -> None:
    a, b, c = (
        Cursor("2026-11-27 09:30:00", 9),
        Cursor("2026-11-27 09:30:00", 10),
        Cursor("2026-11-27 09:30:01", 1),
    )
    assert a < b < c
    assert Cursor.decode(b.encode()) == b
    assert b.encode() == '["2026-11-27 09:30:00",10]'
    assert Cursor.decode(None) is None
    assert Cursor.of({"write_date": "2026-11-27 09:30:01", "id": 1}) == c


class _Recorder:
    def __init__(self) -> None:
        self.kwargs: list[dict[str, Any]] = []

    async def call(self, model: str, method: str, args: Any = None, kwargs: Any = None,
                   *, ids: Any = None, context: Any = None) -> list[dict[str, Any]]:  # fmt: skip
        self.kwargs.append(kwargs)
        return []


async def test_a_poll_asks_for_what_is_strictly_after_the_cursor_in_whole_seconds() -> None:
    # Odoo before 19 keeps hidden microseconds: "write_date > S" would match most of second
    # S again, so the cursor's second is named as a range and the rest by id.
    odoo = _Recorder()
    await search_changed(odoo, "sale.order", [["state", "=", "sale"]], ["name"], None, limit=5)
    await search_changed(
        odoo, "sale.order", [["state", "=", "sale"]], ["name"],
        Cursor("2026-11-27 09:30:00", 9), limit=5,
    )  # fmt: skip
    first, second = odoo.kwargs
    assert first["domain"] == [["state", "=", "sale"]]
    assert first["order"] == "write_date asc, id asc" and "write_date" in first["fields"]
    assert second["domain"] == [
        ["state", "=", "sale"],
        "|",
        ["write_date", ">=", "2026-11-27 09:30:01"],
        "&",
        "&",
        ["write_date", ">=", "2026-11-27 09:30:00"],
        ["write_date", "<", "2026-11-27 09:30:01"],
        ["id", ">", 9],
    ]


@pytest.mark.parametrize(
    ("warehouse", "sku", "rule"),
    [("WH", "GAD-002", 0), ("WH", "WID-001", 1), ("WH", None, 1), ("EW", "WID-001", 2),
     ("EW", "GIZ-003", None), ("XX", "GAD-002", None)],
)  # fmt: skip
def test_a_line_goes_to_the_rule_naming_its_sku_else_the_catch_all(
    warehouse: str, sku: str | None, rule: int | None
) -> None:
    assert route_line(RULES, warehouse, sku) == rule


def picking(warehouse: str | None, *lines: tuple[str | None, str | None, int]) -> OdooPicking:
    return OdooPicking(
        id=1,
        name="WH/OUT/00007",
        warehouse=warehouse,
        order_number="PO-1",
        ship_to=Party(role=PartyRole.SHIP_TO, name="Acme"),
        lines=tuple(
            PickingLine(product=f"p{i}", sku=sku, gtin=gtin, quantity=Decimal(q))
            for i, (sku, gtin, q) in enumerate(lines)
        ),
        cursor=Cursor("2026-11-27 09:30:00", 1),
    )


def test_a_split_is_one_request_per_3pl_in_rule_order_numbered_with_parts() -> None:
    split = split_picking(
        picking("WH", ("WID-001", None, 5), ("GAD-002", "4006381333948", 2), ("GIZ-003", None, 7)),
        RULES,
    )
    assert not isinstance(split, Unsendable)
    assert [(partner, r.request_number, r.references) for partner, r in split] == [
        ("south", "WH/OUT/00007-1", {"picking": "WH/OUT/00007", "part": "1", "parts": "2"}),
        ("north", "WH/OUT/00007-2", {"picking": "WH/OUT/00007", "part": "2", "parts": "2"}),
    ]
    north = split[1][1]
    assert [(line.line_no, line.product.sku, line.quantity.value) for line in north.lines] == [
        (1, "WID-001", Decimal(5)),
        (2, "GIZ-003", Decimal(7)),
    ]
    assert split[0][1].lines[0].product.gtin == "4006381333948"


def test_one_3pl_ships_it_all_under_the_picking_name() -> None:
    split = split_picking(picking("WH", ("WID-001", None, 1)), RULES)
    assert not isinstance(split, Unsendable)
    [(partner, request)] = split
    assert (partner, request.request_number) == ("north", "WH/OUT/00007")
    assert request.references["parts"] == "1"


def test_a_line_without_a_rule_stops_the_whole_picking_and_names_it() -> None:
    split = split_picking(picking("EW", ("WID-001", None, 1), ("GIZ-003", None, 2)), RULES)
    assert isinstance(split, Unsendable)
    assert "'EW'" in split.reason and "GIZ-003" in split.reason
    assert "WID-001" not in split.reason
    nameless = split_picking(picking("WH", (None, None, 1)), RULES)
    assert isinstance(nameless, Unsendable) and "no internal reference" in nameless.reason


def test_gtins_need_a_right_check_digit() -> None:
    assert gtin_or_none("4006381333931") == "4006381333931"
    assert gtin_or_none("4006381333932") is None
    assert gtin_or_none("ABC") is None
    assert gtin_or_none(None) is None


def ordered(
    line_no: int, qty: int, *, sku: str | None = None, gtin: str | None = None
) -> OrderLine:
    return OrderLine(
        line_no=line_no,
        product=ProductRef(sku=sku, gtin=gtin),
        quantity=Quantity(value=Decimal(qty)),
    )


def test_ack_lines_are_accepted_changed_or_rejected_against_odoo() -> None:
    lines = ack_lines(
        [
            ordered(1, 48, gtin="04006381333931"),
            ordered(2, 3, sku="GAD-002"),
            ordered(3, 2, sku="X"),
        ],
        [
            OdooOrderLine(default_code="WID-001", barcode="4006381333931", quantity=Decimal(48)),
            OdooOrderLine(default_code="GAD-002", barcode=None, quantity=Decimal(5)),
        ],
    )
    assert [(line.status, line.confirmed.value if line.confirmed else None) for line in lines] == [
        (LineStatus.ACCEPTED, Decimal(48)),  # a GTIN-14 form of the barcode
        (LineStatus.CHANGED, Decimal(5)),
        (LineStatus.REJECTED, Decimal(0)),
    ]
    assert header_status(lines) is LineStatus.CHANGED
    assert header_status(lines[:1]) is LineStatus.ACCEPTED
    assert header_status(lines[2:]) is LineStatus.REJECTED


def test_odoo_floats_become_plain_decimals() -> None:
    assert odoo_decimal(3.0) == Decimal(3) and str(odoo_decimal(3.0)) == "3"
    assert str(odoo_decimal(2.5)) == "2.5"
    assert odoo_decimal(False) == 0
