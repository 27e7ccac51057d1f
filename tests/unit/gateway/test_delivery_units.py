"""How a claimed batch is cut into units: new sale orders together, other ops alone, except
ops on the same picking, receipts of one order and stock levels of one product and place,
which run one after the other."""

from __future__ import annotations

from edge.odoo import (
    ApplyInventory,
    CreateSaleOrder,
    CustomerCode,
    DoneQuantity,
    OdooOp,
    OrderLine,
    ProductCode,
    ReceiveGoods,
    ValidatePicking,
    encode_op,
)
from gateway.delivery_engine import OdooDelivery
from gateway.store import Delivery


def _row(n: int, op: OdooOp) -> Delivery:
    return Delivery(
        outbox_id=n, idempotency_key=f"k{n}", destination="odoo", partner="p", flow="f",
        document_id=None, correlation_key=None, payload=encode_op(op), attempts=1,
        max_attempts=3, claim_token="t", claimed_at=0.0,
    )  # fmt: skip


def _receipt(key: str, origin: str) -> ReceiveGoods:
    quantities = (DoneQuantity(product=ProductCode(default_code="WID-001"), quantity=1.0),)
    return ReceiveGoods(key=key, origin=origin, quantities=quantities)


def test_receipts_of_one_order_and_ops_on_one_picking_share_a_unit_in_claim_order() -> None:
    order = CreateSaleOrder(
        key="o1", partner=CustomerCode(ref="acme"),
        lines=(OrderLine(product=ProductCode(default_code="WID-001"), quantity=1.0),),
    )  # fmt: skip
    batch = [
        _row(1, _receipt("r1", "PO-1")),
        _row(2, order),
        _row(3, ValidatePicking(name="WH/OUT/00001")),
        _row(4, _receipt("r2", "PO-2")),
        _row(5, _receipt("r3", "PO-1")),
        _row(6, ValidatePicking(name="WH/OUT/00001")),
        _row(7, ApplyInventory(product=1, location=2, quantity=3.0)),
        _row(8, ApplyInventory(product=1, location=2, quantity=4.0)),
    ]
    units = OdooDelivery._units(batch)
    assert [[d.outbox_id for d, _ in unit] for unit in units] == [
        [2],  # the sale orders: one load
        [1, 5],  # receipts of PO-1, in claim order
        [3, 6],  # the same picking
        [4],
        [7, 8],  # the same product in the same place: the later level lands last
    ]
