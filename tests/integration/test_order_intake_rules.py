"""The order-intake workflow on a real store (SQLite in a tmp dir), without actors or Odoo:
its rules, the dead letters they make, and rehydration of ``new`` documents."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import msgspec
import pytest

from contracts import SalesOrder
from contracts._types import Party, PartyRole, ProductRef, Quantity
from contracts.documents import DocumentFunction, OrderLine
from edge.odoo import CreateSaleOrder, CustomerCode, ProductCode, decode_op
from edge.odoo import OrderLine as OdooLine
from gateway.config import Config, load_config
from gateway.store import DocumentState, NewDocument, NewInbound, OutboxState, Store, open_store
from gateway.workflows import OrderIntake, RoutingOutcome
from tests.support import write_gateway_config

PARTNER = "acme-retail"


def _order(*lines: OrderLine, function: DocumentFunction = DocumentFunction.ORIGINAL) -> bytes:
    return msgspec.json.encode(
        SalesOrder(
            order_number="PO-1",
            order_date=date(2024, 3, 15),
            parties=[Party(role=PartyRole.BUYER)],
            lines=list(lines),
            function=function,
        )
    )


def _line(n: int, qty: str = "2", **product: str) -> OrderLine:
    return OrderLine(line_no=n, product=ProductRef(**product), quantity=Quantity(Decimal(qty)))


GOOD = _order(_line(1, gtin="4006381333931"), _line(2, qty="1.5", sku="GAD-002"))


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return load_config(write_gateway_config(tmp_path).config)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with open_store(str(tmp_path / "store.db")) as store:
        yield store


async def _stored(store: Store, body: bytes, ref: str = "ICR1", partner: str = PARTNER) -> int:
    inbound = await store.receive_inbound(
        NewInbound(partner=partner, channel="sftp-drop", source_ref=f"{ref}.edi", raw=ref.encode())
    )
    [inserted] = await store.record_parsed(
        inbound.inbound_id,
        [
            NewDocument(
                idempotency_key=f"{partner}:{ref}:1",
                partner=partner,
                flow="order_intake",
                doc_type="sales_order",
                body=body,
                config_version="test",
                correlation_key=f"{partner}/PO-1",
            )
        ],
        control_ref=ref,
    )
    return inserted.row_id


async def test_a_good_order_is_routed_with_its_delivery_in_one_step(
    store: Store, config: Config
) -> None:
    woken: list[None] = []
    flow = OrderIntake(store, config, on_enqueued=lambda: woken.append(None))
    document_id = await _stored(store, GOOD)
    assert await flow.handle(document_id) is RoutingOutcome.ROUTED
    document = await store.get_document(document_id)
    assert document is not None and document.state is DocumentState.ROUTED
    [delivery] = await store.find_deliveries(f"{PARTNER}/PO-1")
    assert (delivery.destination, delivery.state) == ("odoo", OutboxState.AVAILABLE)
    assert delivery.document_id == document_id
    assert delivery.max_attempts == config.odoo.retry.max_attempts
    op = decode_op(delivery.payload)
    assert op == CreateSaleOrder(
        key=f"{PARTNER}:order:PO-1",
        partner=CustomerCode(ref=PARTNER),
        lines=(
            OdooLine(product=ProductCode(barcode="4006381333931"), quantity=2.0),
            OdooLine(product=ProductCode(default_code="GAD-002"), quantity=1.5),
        ),
        client_order_ref="PO-1",
        origin=f"{PARTNER} PO-1",
        confirm=False,
    )
    assert woken == [None]
    # Told again (a repeated DocumentReady): nothing moves, nothing is enqueued twice.
    assert await flow.handle(document_id) is RoutingOutcome.SKIPPED
    assert len(await store.find_deliveries(f"{PARTNER}/PO-1")) == 1


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (
            _order(_line(1, gtin="4006381333931"), _line(7, buyer_item="B-77")),
            "line 7 ($.lines[1].product): no GTIN or SKU to find the product in Odoo by "
            "(the partner sent only buyer_item 'B-77')",
        ),
        (
            _order(_line(1, qty="0", sku="WID-001")),
            "line 1 ($.lines[0].quantity.value): the quantity must be above 0, got 0",
        ),
        (
            _order(_line(1, sku="WID-001"), function=DocumentFunction.CANCEL),
            "order PO-1 ($.function): a 'cancel' order is not supported by order intake, "
            "only 'original' (handle it in Odoo by hand)",
        ),
    ],
)
async def test_a_broken_rule_makes_a_dead_letter_with_the_line_and_field(
    store: Store, config: Config, body: bytes, reason: str
) -> None:
    flow = OrderIntake(store, config)
    document_id = await _stored(store, body)
    assert await flow.handle(document_id) is RoutingOutcome.DEAD
    document = await store.get_document(document_id)
    assert document is not None and document.state is DocumentState.DEAD
    assert document.reason == reason
    assert await store.find_deliveries(f"{PARTNER}/PO-1") == []
    assert flow.last_refusal == reason


async def test_an_unknown_partner_is_refused(store: Store, config: Config) -> None:
    flow = OrderIntake(store, config)
    document_id = await _stored(store, GOOD, partner="stranger")
    assert await flow.handle(document_id) is RoutingOutcome.DEAD
    document = await store.get_document(document_id)
    assert document is not None
    assert document.reason == "partner 'stranger' is not configured (no [[partners]] entry)"


async def test_rehydration_routes_every_new_order_and_only_those(
    store: Store, config: Config
) -> None:
    flow = OrderIntake(store, config)
    ids = [await _stored(store, GOOD, ref=f"ICR{i}") for i in range(5)]
    assert await flow.handle(ids[0]) is RoutingOutcome.ROUTED  # already routed before
    assert await flow.process_pending(batch=2) == 4  # pages of two inbound rows
    for document_id in ids:
        document = await store.get_document(document_id)
        assert document is not None and document.state is DocumentState.ROUTED
    assert await flow.process_pending() == 0


async def test_the_customer_is_the_partners_customer_ref_when_it_has_one(
    store: Store, tmp_path: Path
) -> None:
    files = write_gateway_config(tmp_path)
    text = files.config.read_text().replace(
        'id = "acme-retail"', 'id = "acme-retail"\ncustomer_ref = "ACME"', 1
    )
    files.config.write_text(text)
    config = load_config(files.config)
    flow = OrderIntake(store, config)
    document_id = await _stored(store, GOOD)
    assert await flow.handle(document_id) is RoutingOutcome.ROUTED
    [delivery] = await store.find_deliveries(f"{PARTNER}/PO-1")
    op = decode_op(delivery.payload)
    assert isinstance(op, CreateSaleOrder)
    assert op.partner == CustomerCode(ref="ACME")
    assert op.key == f"{PARTNER}:order:PO-1"  # the key stays the partner's
