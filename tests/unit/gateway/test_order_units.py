"""Units on order lines, and the rejection acknowledgement, without sockets.

Pure rules first (which unit goes to Odoo, what a rejection acknowledgement says), then the
order-intake decision and the Odoo delivery's ``on_dead`` hook over an in-memory store
(``MemoryStore``): a refusal and its acknowledgement are written in one transaction, once.
"""

from __future__ import annotations

import functools
from datetime import date
from decimal import Decimal
from pathlib import Path

import msgspec
import pytest

from contracts import (
    LineStatus,
    OrderLine,
    Party,
    PartyRole,
    ProductRef,
    Quantity,
    SalesOrder,
)
from contracts.errors import DeliveryRejected
from edge.edi.mapping import MappingProfile
from edge.odoo import (
    UNKNOWN_UOM,
    CreateSaleOrder,
    CustomerCode,
    ProductCode,
    UomName,
    decode_op,
    encode_op,
)
from edge.odoo import OrderLine as OdooLine
from edge.odoo._lookup import CodeIndex
from gateway.config import Config
from gateway.delivery_ports import Settlement, StoreOutbox
from gateway.intake import decode_outbound_file
from gateway.store import Delivery, DocumentState, ErrorInfo, NewDelivery, OutboxState, Tx
from gateway.workflows import RoutingOutcome
from gateway.workflows.order_intake import (
    EACH_UNITS,
    OrderIntake,
    OrderRefusal,
    UnmappedUnit,
    check_order,
    odoo_uom,
)
from gateway.workflows.rejections import MAX_REASON, rejection_ack, rejection_hook
from tests.unit.gateway.test_workflow_support import MemoryStore, make_config

ANSWERED, SILENT = "bolt-stores", "calm-shop"
PARTNERS = f"""
units = {{ KG = "kg" }}   # [odoo] units: the table above ends with [odoo]

[identity]
x12_id = "CROSSDOCK"

[[partners]]
id = "{ANSWERED}"
role = "customer"
formats = ["x12"]
channels = [{{ type = "sftp-drop" }}]
identifiers.x12 = [{{ qualifier = "ZZ", id = "BOLTSTORES" }}]
outbound = {{ order_acknowledgement = "x12:855:004010" }}
mapping.units = {{ PCS = "EA" }}

[[partners]]
id = "{SILENT}"
role = "customer"
formats = ["x12"]
channels = [{{ type = "sftp-drop" }}]
identifiers.x12 = [{{ qualifier = "ZZ", id = "CALMSHOP" }}]
"""


def order(*units: str, number: str = "PO-1") -> SalesOrder:
    return SalesOrder(
        order_number=number,
        order_date=date(2024, 3, 15),
        parties=[Party(role=PartyRole.BUYER, name="Bolt")],
        lines=[
            OrderLine(line_no=n * 10, product=ProductRef(sku="WID-001"),
                      quantity=Quantity(value=Decimal(n), unit=unit))
            for n, unit in enumerate(units, start=1)
        ],
    )  # fmt: skip


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return make_config(tmp_path, PARTNERS)


# --- which unit goes to Odoo -----------------------------------------------------------------


DEFAULT = MappingProfile().units


@pytest.mark.parametrize("unit", ["EA", "PCE", "C62"])
def test_each_piece_and_one_go_without_a_unit(unit: str) -> None:
    assert unit in EACH_UNITS
    assert odoo_uom(unit, DEFAULT, {}) is None


def test_a_unit_goes_by_its_canonical_units_odoo_name_whether_code_or_canonical() -> None:
    odoo = {"KG": "kg", "CA": "Case of 12"}
    assert odoo_uom("KGM", DEFAULT, odoo) == UomName(name="kg")  # a flat file: the code
    assert odoo_uom("KG", DEFAULT, odoo) == UomName(name="kg")  # EDI: canonical already
    assert odoo_uom("CS", DEFAULT, odoo) == UomName(name="Case of 12")


def test_the_partners_own_codes_are_read_first() -> None:
    partner = {**DEFAULT, "PCS": "EA", "BX": "CA"}  # partner code -> canonical unit
    assert odoo_uom("PCS", partner, {}) is None
    assert odoo_uom("BX", partner, {"CA": "Case"}) == UomName(name="Case")


@pytest.mark.parametrize("unit", ["CS", "CA", "KGM", "KG"])
def test_a_unit_neither_each_nor_named_for_odoo_is_refused(unit: str) -> None:
    with pytest.raises(UnmappedUnit):
        odoo_uom(unit, DEFAULT, {"L": "Liters"})


def test_check_order_sends_mapped_units_by_name_and_each_without(config: Config) -> None:
    store = MemoryStore()
    doc_id = store.store_document(ANSWERED, order("KGM", "KG", "EA", "PCS"), key="k1",
                                  flow="order_intake")  # fmt: skip
    plan = check_order(store.document(doc_id), config)
    assert isinstance(plan, CreateSaleOrder)
    assert [line.uom for line in plan.lines] == [
        UomName(name="kg"), UomName(name="kg"), None, None,
    ]  # fmt: skip
    assert [line.quantity for line in plan.lines] == [1.0, 2.0, 3.0, 4.0]


def test_check_order_refuses_an_unmapped_unit_naming_line_unit_and_key(config: Config) -> None:
    store = MemoryStore()
    doc_id = store.store_document(ANSWERED, order("EA", "CA"), key="k1", flow="order_intake")
    refusal = check_order(store.document(doc_id), config)
    assert isinstance(refusal, OrderRefusal)
    assert refusal.line_no == 20
    assert refusal.reason.startswith("line 20 ($.lines[1].quantity.unit): unit 'CA'")
    assert '[odoo] units = { CA = "<uom.uom name>" }' in refusal.reason
    assert "[partners.mapping] units" in refusal.reason


# --- what a rejection acknowledgement says ---------------------------------------------------


def test_a_rejection_rejects_every_line_with_the_reason_on_the_line_at_fault() -> None:
    ack = rejection_ack(order("EA", "KG", "EA"), "no GTIN", ack_number="R7",
                        ack_date=date(2024, 3, 16), line_no=20)  # fmt: skip
    assert (ack.ack_number, ack.order_number, ack.status) == ("R7", "PO-1", LineStatus.REJECTED)
    assert [(line.line_no, line.status, line.reason) for line in ack.lines] == [
        (10, LineStatus.REJECTED, "order refused: no GTIN"),
        (20, LineStatus.REJECTED, "no GTIN"),
        (30, LineStatus.REJECTED, "order refused: no GTIN"),
    ]
    # Canonical units: the partner's format writes its own codes (KG -> KGM in X12).
    assert ack.lines[1].ordered == Quantity(value=Decimal(2), unit="KG")
    assert ack.lines[1].confirmed == Quantity(value=Decimal(0), unit="KG")
    assert ack.lines[0].ordered.unit == "EA"


def test_a_long_reason_is_cut_to_what_edifact_carries() -> None:
    ack = rejection_ack(order("EA"), "x" * 1000, ack_number="R1", ack_date=date(2024, 3, 16))
    [line] = ack.lines
    assert line.reason is not None and len(line.reason) == MAX_REASON
    assert line.reason.endswith("...")


# --- the decision and the hook over a store --------------------------------------------------


async def test_a_refused_order_is_dead_with_its_acknowledgement_in_one_step(
    config: Config,
) -> None:
    store = MemoryStore()
    woken: list[str] = []
    flow = OrderIntake(store.as_store(), config, notify=woken.append)
    doc_id = store.store_document(ANSWERED, order("EA", "CS"), key="bolt:ICR1:1",
                                  flow="order_intake", correlation_key="bolt/PO-1")  # fmt: skip
    assert await flow.handle(doc_id) is RoutingOutcome.DEAD
    assert store.document(doc_id).state is DocumentState.DEAD
    [ack] = store.deliveries()
    assert ack.idempotency_key == f"{ANSWERED}:order_ack:rejected:bolt:ICR1:1"
    assert (ack.destination, ack.flow, ack.document_id) == (
        f"partner:{ANSWERED}", "order_ack", doc_id,
    )  # fmt: skip
    assert ack.correlation_key == "bolt/PO-1"
    file = decode_outbound_file(ack.payload)
    assert file.name == f"ack-R{doc_id}.x12"
    assert b"BAK*00*RJ*PO-1*" in file.data
    assert woken == [f"partner:{ANSWERED}"]


async def test_a_partner_without_order_acknowledgement_only_gets_the_dead_letter(
    config: Config,
) -> None:
    store = MemoryStore()
    flow = OrderIntake(store.as_store(), config)
    doc_id = store.store_document(SILENT, order("CS"), key="calm:1", flow="order_intake")
    assert await flow.handle(doc_id) is RoutingOutcome.DEAD
    assert store.deliveries() == []


def _odoo_row(store: MemoryStore, doc_id: int, partner: str, key: str) -> None:
    op = CreateSaleOrder(
        key=key,
        partner=CustomerCode(ref=partner),
        lines=(
            OdooLine(product=ProductCode(default_code="WID-001"), quantity=1.0),
            OdooLine(product=ProductCode(barcode="5410013111115"), quantity=2.0),
        ),
    )
    store.run(lambda tx: tx.route_document_many(doc_id, [
        NewDelivery(idempotency_key=f"odoo:{key}", destination="odoo", partner=partner,
                    flow="order_intake", payload=encode_op(op), correlation_key=f"{partner}/PO-1",
                    max_attempts=2),
    ]))  # fmt: skip


def _claim(tx: Tx, *, token: str) -> list[Delivery]:
    return tx.claim("odoo", 10, token)


def _replay(tx: Tx, *, outbox_id: int) -> list[int]:
    return tx.replay([outbox_id], who="test")


REFUSED = ErrorInfo(
    error_class="crossdock.UnknownProduct",
    message="line 2: Odoo has no product with GTIN 5410013111115",
    detail='{"model":"product.product","barcode":"5410013111115","line":2,"key":"k"}',
)


async def test_on_dead_answers_a_refused_order_once_and_wakes_the_partner(
    config: Config,
) -> None:
    store = MemoryStore()
    doc_id = store.store_document(
        ANSWERED, order("EA", "EA"), key="bolt:ICR2:1", flow="order_intake", correlation_key="c"
    )
    _odoo_row(store, doc_id, ANSWERED, "bolt:ICR2:1")
    woken: list[str] = []
    outbox = StoreOutbox(store.as_store(), on_dead=rejection_hook(config), on_enqueued=woken.append)
    for token in ("t1", "t2"):  # refused, replayed, refused again: one acknowledgement
        [row] = store.run(functools.partial(_claim, token=token))
        [state] = await outbox.settle(token, [Settlement(row, "rejected", error=REFUSED)])
        assert state is OutboxState.DEAD
        store.run(functools.partial(_replay, outbox_id=row.outbox_id))
    assert woken == [f"partner:{ANSWERED}"]
    [ack] = store.deliveries(f"partner:{ANSWERED}")
    data = decode_outbound_file(ack.payload).data
    assert b"BAK*00*RJ*PO-1*" in data and data.count(b"ACK*IR*") == 2


async def test_on_dead_is_not_called_for_rows_out_of_attempts_nor_others(config: Config) -> None:
    store = MemoryStore()
    answered = store.store_document(ANSWERED, order("EA", "EA"), key="bolt:ICR3:1",
                                    flow="order_intake", correlation_key="c1")  # fmt: skip
    silent = store.store_document(SILENT, order("EA", "EA"), key="calm:ICR3:1",
                                  flow="order_intake", correlation_key="c2")  # fmt: skip
    _odoo_row(store, answered, ANSWERED, "bolt:ICR3:1")
    _odoo_row(store, silent, SILENT, "calm:ICR3:1")
    outbox = StoreOutbox(store.as_store(), on_dead=rejection_hook(config))
    rows = store.run(lambda tx: tx.claim("odoo", 10, "t1"))
    timeout = ErrorInfo(error_class="OdooTimeout", message="no answer")
    settled = await outbox.settle("t1", [
        Settlement(rows[0], "transient", error=timeout, retry_at=store.now + 1),
        Settlement(rows[1], "rejected", error=REFUSED),
    ])  # fmt: skip
    assert settled == [OutboxState.RETRYABLE, OutboxState.DEAD]
    rows = store.run(lambda tx: tx.claim("odoo", 10, "t2", store.now + 2))
    [last] = await outbox.settle(
        "t2", [Settlement(rows[0], "transient", error=timeout, retry_at=store.now + 3)]
    )
    assert last is OutboxState.DEAD  # no attempt left: not a refusal, nothing sent back
    assert [d.destination for d in store.deliveries()] == ["odoo", "odoo"]


# --- edge.odoo: a unit named by name ---------------------------------------------------------


def test_a_line_unit_by_name_round_trips_and_counts_as_a_code_to_resolve() -> None:
    op = CreateSaleOrder(
        key="k",
        partner=7,
        lines=(OdooLine(product=3, quantity=2.5, uom=UomName(name="kg")),),
    )
    assert op.has_codes
    again = decode_op(encode_op(op))
    assert again == op
    assert msgspec.json.decode(encode_op(op))["lines"][0]["uom"] == {"name": "kg"}


def test_an_unknown_unit_name_is_a_rejection_naming_it() -> None:
    index = CodeIndex()
    index.uoms["kg"] = [5]
    assert index.uom(UomName(name="kg"), "line 1") == 5
    with pytest.raises(DeliveryRejected) as caught:
        index.uom(UomName(name="Case of 12"), "line 2")
    assert caught.value.error_name == UNKNOWN_UOM
    assert "line 2" in str(caught.value) and "'Case of 12'" in str(caught.value)
