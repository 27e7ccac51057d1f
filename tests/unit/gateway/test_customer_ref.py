"""A partner's ``customer_ref``: its orders go to that Odoo customer, and that customer's
confirmed orders are acknowledged to the partner (not to a partner whose id happens to be
the reference)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from contracts import SalesOrder
from contracts._types import Party, PartyRole, ProductRef, Quantity
from contracts.documents import OrderLine
from gateway.workflows._cursor import Cursor
from gateway.workflows.order_ack import AckOutcome, OdooOrder, OdooOrderLine, record_ack
from tests.unit.gateway.test_workflow_support import MemoryStore, make_config

PARTNERS = """
[identity]
x12_id = "CROSSDOCK"

[[partners]]
id = "bolt-stores"
role = "customer"
formats = ["x12"]
channels = [{ type = "sftp-drop" }]
identifiers.x12 = [{ qualifier = "ZZ", id = "BOLTSTORES" }]
outbound = { order_acknowledgement = "x12:855:004010" }
customer_ref = "BOLT"
"""


def _odoo_order(customer_ref: str) -> OdooOrder:
    return OdooOrder(
        id=7,
        name="S00007",
        client_order_ref="PO-1",
        customer_ref=customer_ref,
        lines=(OdooOrderLine(default_code="WID-001", barcode=None, quantity=Decimal(2)),),
        cursor=Cursor("2026-11-27 10:00:00", 7),
    )


def test_a_confirmed_order_of_the_customer_ref_is_acknowledged_to_its_partner(
    tmp_path: Path,
) -> None:
    config = make_config(tmp_path, PARTNERS)
    store = MemoryStore()
    order = SalesOrder(
        order_number="PO-1",
        order_date=date(2026, 11, 27),
        parties=[Party(role=PartyRole.BUYER)],
        lines=[OrderLine(line_no=1, product=ProductRef(sku="WID-001"),
                         quantity=Quantity(value=Decimal(2)))],
    )  # fmt: skip
    doc = store.store_document("bolt-stores", order, key="bolt-stores:order:PO-1",
                               flow="order_intake", correlation_key="bolt-stores/PO-1")  # fmt: skip
    store.run(lambda tx: tx.route_document_many(doc, []))
    by_id, _ = store.run(lambda tx: record_ack(tx, config, _odoo_order("bolt-stores")))
    assert by_id is AckOutcome.NOT_SUBSCRIBED  # the id is not the customer's reference
    by_ref, recorded = store.run(lambda tx: record_ack(tx, config, _odoo_order("BOLT")))
    assert by_ref is AckOutcome.SENT
    assert recorded is not None and recorded.destinations == ("partner:bolt-stores",)
