"""Goods receipts: the incoming picking by order (the receipt's own, marked with its key) or
by ASN (name), one op per receipt, or a refusal."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
import pytest

from contracts import Flow, GoodsReceipt, ProductRef, Quantity, ReceiptLine, idempotency_key
from edge.odoo import DoneQuantity, ProductCode, ReceiveGoods, ValidatePicking, encode_op
from gateway.config import Config
from gateway.store import DocumentState
from gateway.workflows._base import RoutingOutcome
from gateway.workflows.receipt import GoodsReceipts
from tests.unit.gateway.test_workflow_support import (
    EAST,
    GADGET,
    WIDGET,
    WIDGET_GTIN,
    MemoryStore,
    make_config,
    payload,
)

FLOW = str(Flow.RECEIPT)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return make_config(tmp_path)


def _line(n: int, qty: str, **product: str) -> ReceiptLine:
    return ReceiptLine(line_no=n, product=ProductRef(**product), received=Quantity(Decimal(qty)))


def _receipt(
    *lines: ReceiptLine, order: str | None = None, asn: str | None = None, number: str = "RC1"
) -> GoodsReceipt:
    return GoodsReceipt(
        receipt_id=number,
        receipt_date=date(2024, 3, 18),
        lines=list(lines),
        order_number=order,
        asn_number=asn,
    )


def _store(mem: MemoryStore, receipt: GoodsReceipt, ref: str) -> int:
    return mem.store_document(EAST, receipt, key=f"{EAST}:{ref}:1", flow=FLOW)


RC1_KEY = idempotency_key(EAST, "odoo", "receive", "RC1")


def _op(op: ReceiveGoods | ValidatePicking) -> dict[str, Any]:
    decoded: dict[str, Any] = msgspec.json.decode(encode_op(op))
    return decoded


@pytest.mark.parametrize(
    ("receipt", "op"),
    [
        (
            _receipt(
                _line(1, "10", gtin=WIDGET_GTIN),
                _line(2, "4", sku=GADGET),
                _line(3, "2", gtin=WIDGET_GTIN),
                order="P00012",
            ),
            ReceiveGoods(
                key=RC1_KEY,
                origin="P00012",
                quantities=(
                    DoneQuantity(product=ProductCode(barcode=WIDGET_GTIN), quantity=12.0),
                    DoneQuantity(product=ProductCode(default_code=GADGET), quantity=4.0),
                ),
            ),
        ),
        (
            _receipt(_line(1, "3", sku=WIDGET), asn="WH/IN/00002"),
            ValidatePicking(
                name="WH/IN/00002",
                kind="incoming",
                quantities=(DoneQuantity(product=ProductCode(default_code=WIDGET), quantity=3.0),),
            ),
        ),
    ],
)
async def test_a_receipt_validates_the_incoming_picking_of_its_order_or_asn_once(
    config: Config, receipt: GoodsReceipt, op: ReceiveGoods | ValidatePicking
) -> None:
    mem = MemoryStore()
    woken: list[str] = []
    flow = GoodsReceipts(mem.as_store(), config, notify=woken.append)
    doc = _store(mem, receipt, "ICN1")
    assert await flow.handle(doc) is RoutingOutcome.ROUTED
    [delivery] = mem.deliveries("odoo")
    assert payload(delivery) == _op(op)
    assert delivery.idempotency_key == RC1_KEY
    assert (delivery.flow, delivery.document_id) == (FLOW, doc)
    assert woken == ["odoo"]
    again = _store(mem, receipt, "ICN2")  # the same receipt in another interchange
    assert await flow.handle(again) is RoutingOutcome.ROUTED
    assert len(mem.deliveries()) == 1 and woken == ["odoo"]


async def test_a_second_receipt_of_the_same_order_is_a_second_op(config: Config) -> None:
    """The backorder's goods arrive under another receipt id: its own op, its own key."""
    mem = MemoryStore()
    flow = GoodsReceipts(mem.as_store(), config)
    first = _receipt(_line(1, "10", sku=WIDGET), order="PO-7")
    second = _receipt(_line(1, "5", sku=WIDGET), order="PO-7", number="RC2")
    for receipt, ref in [(first, "ICN1"), (second, "ICN2"), (second, "ICN3")]:
        assert await flow.handle(_store(mem, receipt, ref)) is RoutingOutcome.ROUTED
    rc2_key = idempotency_key(EAST, "odoo", "receive", "RC2")
    assert [(d.idempotency_key, payload(d)) for d in mem.deliveries("odoo")] == [
        (RC1_KEY, _op(ReceiveGoods(key=RC1_KEY, origin="PO-7", quantities=_widgets(10)))),
        (rc2_key, _op(ReceiveGoods(key=rc2_key, origin="PO-7", quantities=_widgets(5)))),
    ]


def _widgets(quantity: float) -> tuple[DoneQuantity, ...]:
    return (DoneQuantity(product=ProductCode(default_code=WIDGET), quantity=quantity),)


@pytest.mark.parametrize(
    ("receipt", "reason"),
    [
        (
            _receipt(_line(1, "1", sku=WIDGET)),
            "receipt RC1 ($.order_number, $.asn_number): names neither the order nor the ASN "
            "it received against, so no picking can be validated",
        ),
        (
            _receipt(_line(1, "1", sku=WIDGET), _line(5, "1", buyer_item="B-1"), order="P1"),
            "line 5 ($.lines[1].product): no GTIN or SKU to find the product in Odoo by "
            "(the partner sent only buyer_item 'B-1')",
        ),
        (_receipt(order="P1"), "receipt RC1 ($.lines): no lines, nothing to validate"),
    ],
)
async def test_a_receipt_that_breaks_a_rule_is_a_dead_letter(
    config: Config, receipt: GoodsReceipt, reason: str
) -> None:
    mem = MemoryStore()
    flow = GoodsReceipts(mem.as_store(), config)
    doc = _store(mem, receipt, "ICN1")
    assert await flow.handle(doc) is RoutingOutcome.DEAD
    record = mem.document(doc)
    assert (record.state, record.reason) == (DocumentState.DEAD, reason)
    assert mem.deliveries() == []
