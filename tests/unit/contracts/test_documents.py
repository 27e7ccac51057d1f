"""The canonical contracts: round trips, constraints with paths, tags, schema export."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import msgspec
import pytest

import contracts as c


def sample_order() -> c.SalesOrder:
    return c.SalesOrder(
        order_number="PO-1001",
        order_date=date(2026, 11, 2),
        parties=[
            c.Party(role=c.PartyRole.BUYER, ids=[c.PartyId("gln", "5412345000013")]),
            c.Party(
                role=c.PartyRole.SHIP_TO,
                ids=[c.PartyId("gln", "5412345000020")],
                address=c.Address(street=["1 Quay"], city="Antwerp", country="BE"),
            ),
        ],
        lines=[
            c.OrderLine(
                line_no=1,
                product=c.ProductRef(gtin="05412345000013"),
                quantity=c.Quantity(Decimal("12"), "PCE"),
                unit_price=c.Money(Decimal("3.10"), "EUR"),
            )
        ],
        currency="EUR",
    )


def test_a_document_round_trips_through_json_with_its_tag() -> None:
    order = sample_order()
    data = msgspec.json.encode(order)
    assert json.loads(data)["type"] == "sales_order"
    assert json.loads(data)["lines"][0]["quantity"]["value"] == "12"  # decimals as strings
    assert c.decode_document(data) == order


def test_an_envelope_round_trips() -> None:
    env = c.DocumentEnvelope(
        message_id="m-1",
        idempotency_key=c.idempotency_key("acme", "ICR1", "MSG1"),
        partner="acme",
        flow=c.Flow.ORDER_INTAKE,
        source=c.SourceRef(channel="sftp-drop", file="PO1.edi", interchange_ref="ICR1"),
        received_at=datetime(2026, 11, 2, 10, 0, tzinfo=UTC),
        config_version="ab" * 32,
        document=sample_order(),
        correlation_key=c.correlation_key("acme", "PO-1001"),
    )
    assert c.decode_envelope(msgspec.json.encode(env)) == env
    assert env.idempotency_key == "acme:ICR1:MSG1"


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (lambda d: d["lines"][0]["quantity"].update(value="-3"), "$.lines[0].quantity"),
        (lambda d: d["lines"][0]["product"].update(gtin="123"), "$.lines[0].product.gtin"),
        (lambda d: d["lines"][0]["product"].clear(), "$.lines[0].product"),
        (lambda d: d.update(currency="euro"), "$.currency"),
        (lambda d: d.update(lines=[]), "$.lines"),
        (lambda d: d.update(surprise=1), "unknown field `surprise`"),
        (lambda d: d.update(type="sales_orders"), "$.type"),
        # JSON carries decimals as strings: "NaN" and "Infinity" read as Decimals, and must
        # be refused as values (a ValidationError with the path, not a decimal signal)
        (lambda d: d["lines"][0]["quantity"].update(value="NaN"), "$.lines[0].quantity"),
        (lambda d: d["lines"][0]["quantity"].update(value="sNaN"), "$.lines[0].quantity"),
        (lambda d: d["lines"][0]["quantity"].update(value="Infinity"), "$.lines[0].quantity"),
        (
            lambda d: d["lines"][0].update(unit_price={"amount": "NaN", "currency": "EUR"}),
            "$.lines[0].unit_price",
        ),
        (
            lambda d: d["lines"][0].update(unit_price={"amount": "-Infinity", "currency": "EUR"}),
            "$.lines[0].unit_price",
        ),
    ],
)
def test_invalid_documents_name_the_path(mutate, where: str) -> None:  # type: ignore[no-untyped-def]
    raw = json.loads(msgspec.json.encode(sample_order()))
    mutate(raw)
    with pytest.raises(msgspec.ValidationError) as info:
        c.decode_document(json.dumps(raw))
    expected = f"at `{where}`" if where.startswith("$") else where
    assert str(info.value).endswith(expected)


def test_every_document_type_has_a_unique_tag_and_schema(tmp_path: Path) -> None:
    written = c.write_schemas(tmp_path)
    names = {p.name for p in written}
    assert "sales_order.schema.json" in names and "envelope.schema.json" in names
    assert len(names) == 14  # 12 documents + the union + the envelope
    schema = json.loads((tmp_path / "sales_order.schema.json").read_text())
    assert schema["$defs"]["SalesOrder"]["properties"]["type"]["enum"] == ["sales_order"]


def test_long_idempotency_keys_are_hashed_stably() -> None:
    long = c.idempotency_key("acme", "x" * 300)
    assert long == c.idempotency_key("acme", "x" * 300)
    assert long.startswith("acme:sha256:") and len(long) < 100
    assert c.idempotency_key("acme", "I", None, 3) == "acme:I::3"


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity"])
def test_stock_available_may_be_negative_but_never_not_a_number(value: str) -> None:
    line = {"product": {"sku": "A1"}, "location": "WH", "available": value}
    with pytest.raises(msgspec.ValidationError, match="available must be a finite number"):
        msgspec.json.decode(json.dumps(line), type=c.InventoryLine)
    line["available"] = "-4"
    assert msgspec.json.decode(json.dumps(line), type=c.InventoryLine).available == Decimal(-4)
