"""Shipment confirmations: every decision (Route / Refuse / Hold) and the split join in both
orders, told or rehydrated, on an in-memory store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import pytest

from contracts import Flow, ShipmentConfirmation, idempotency_key
from edge.odoo import DoneQuantity, ProductCode, ValidatePicking, encode_op
from gateway.config import Config
from gateway.store import DocumentState
from gateway.workflows._base import RoutingOutcome
from gateway.workflows.shipment import ShipmentConfirmations, fulfillment_key
from tests.unit.gateway.test_workflow_support import (
    EAST,
    GADGET,
    WEST,
    WIDGET,
    WIDGET_GTIN,
    MemoryStore,
    make_config,
    payload,
    request,
    shipment,
    shipped,
)

FLOW = str(Flow.SHIPMENT_CONFIRMATION)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return make_config(tmp_path)


@pytest.fixture
def mem() -> MemoryStore:
    return MemoryStore()


class Woken(list[str]):
    def __call__(self, destination: str) -> None:
        self.append(destination)


def _expected(op: ValidatePicking) -> dict[str, Any]:
    decoded: dict[str, Any] = msgspec.json.decode(encode_op(op))
    return decoded


def _request(mem: MemoryStore, partner: str, number: str, picking: str, part: int, parts: int,
             *lines: tuple[str, str, str]) -> int:  # fmt: skip
    return mem.store_document(
        partner,
        request(number, picking, part, parts, *lines),
        key=fulfillment_key(number),
        flow=str(Flow.FULFILLMENT),
        correlation_key=f"picking:{picking}",
    )


_seq = iter(range(1, 1_000_000))


def _confirm(mem: MemoryStore, partner: str, conf: ShipmentConfirmation) -> int:
    """Stored as intake stores it: keyed by interchange, correlated ``<3pl>/<request>``."""
    return mem.store_document(
        partner,
        conf,
        key=f"{partner}:ICN{next(_seq)}:1",
        flow=FLOW,
        correlation_key=f"{partner}/{conf.order_number}",
    )


async def test_a_whole_picking_is_validated_with_summed_quantities_and_the_package_tracking(
    mem: MemoryStore, config: Config
) -> None:
    woken = Woken()
    flow = ShipmentConfirmations(mem.as_store(), config, notify=woken)
    _request(mem, EAST, "WH/OUT/00003", "WH/OUT/00003", 1, 1, (WIDGET, "10", "EA"))
    conf = shipment(
        "WH/OUT/00003",
        shipped(1, "5", gtin=WIDGET_GTIN, sku=WIDGET),
        shipped(2, "3", gtin=WIDGET_GTIN, sku=WIDGET),  # a second carton of the same product
        shipped(3, "2", unit="PCS", sku=GADGET),  # PCS is mapped to EA for this 3PL
        packages=("", "1Z999"),
    )
    doc = _confirm(mem, EAST, conf)
    assert await flow.handle(doc) is RoutingOutcome.ROUTED
    [delivery] = mem.deliveries("odoo")
    assert delivery.idempotency_key == idempotency_key(EAST, "odoo", "ship", "WH/OUT/00003")
    assert (delivery.flow, delivery.document_id) == (FLOW, doc)
    assert delivery.max_attempts == config.odoo.retry.max_attempts
    assert payload(delivery) == _expected(
        ValidatePicking(
            name="WH/OUT/00003",
            kind="outgoing",
            quantities=(
                DoneQuantity(product=ProductCode(barcode=WIDGET_GTIN, default_code=WIDGET),
                             quantity=8.0),
                DoneQuantity(product=ProductCode(default_code=GADGET), quantity=2.0),
            ),
            tracking_ref="1Z999",
        )
    )  # fmt: skip
    assert woken == ["odoo"]
    assert mem.document(doc).state is DocumentState.ROUTED

    # The same shipment in a new interchange: routed, and nothing new for Odoo.
    again = _confirm(mem, EAST, shipment("WH/OUT/00003", shipped(1, "8", sku=WIDGET)))
    assert await flow.handle(again) is RoutingOutcome.ROUTED
    assert len(mem.deliveries("odoo")) == 1
    assert woken == ["odoo"]


async def test_without_a_request_the_number_is_sent_to_odoo_as_a_picking_name(
    mem: MemoryStore, config: Config
) -> None:
    flow = ShipmentConfirmations(mem.as_store(), config)
    doc = _confirm(mem, WEST, shipment("NOT-A-PICKING", shipped(1, "1", sku=WIDGET), tracking="T"))
    assert await flow.handle(doc) is RoutingOutcome.ROUTED
    [delivery] = mem.deliveries("odoo")
    assert delivery.idempotency_key == idempotency_key(WEST, "odoo", "ship", "NOT-A-PICKING")
    op = payload(delivery)
    assert (op["op"], op["name"], op["kind"], op["tracking_ref"]) == (
        "validate_picking", "NOT-A-PICKING", "outgoing", "T",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("conf", "reason"),
    [
        (
            shipment(
                "WH/OUT/00003", shipped(1, "1", sku=WIDGET), shipped(2, "1", supplier_item="X9")
            ),
            "line 2 ($.lines[1].product): no GTIN or SKU to find the product in Odoo by "
            "(the partner sent only supplier_item 'X9')",
        ),
        (
            shipment("WH/OUT/00003", shipped(4, "1", unit="CA", sku=WIDGET)),
            "line 4 ($.lines[0].shipped.unit): unit 'CA' is not the picking's unit 'EA' "
            "(quantities are never converted; if it is the same unit, map it in "
            "[partners.mapping] units)",
        ),
        (
            shipment("WH/OUT/00003"),
            "shipment SH1 ($.lines): no lines, nothing to validate",
        ),
    ],
)
async def test_a_confirmation_that_breaks_a_rule_is_a_dead_letter(
    mem: MemoryStore, config: Config, conf: ShipmentConfirmation, reason: str
) -> None:
    flow = ShipmentConfirmations(mem.as_store(), config)
    _request(mem, EAST, "WH/OUT/00003", "WH/OUT/00003", 1, 1, (WIDGET, "10", "EA"))
    doc = _confirm(mem, EAST, conf)
    assert await flow.handle(doc) is RoutingOutcome.DEAD
    assert mem.document(doc).reason == reason
    assert mem.deliveries() == []


async def test_the_unit_the_request_asked_in_is_the_one_expected(
    mem: MemoryStore, config: Config
) -> None:
    flow = ShipmentConfirmations(mem.as_store(), config)
    _request(mem, EAST, "WH/OUT/00004", "WH/OUT/00004", 1, 1, (WIDGET, "2", "CA"))
    ok = _confirm(mem, EAST, shipment("WH/OUT/00004", shipped(1, "2", unit="CA", sku=WIDGET)))
    assert await flow.handle(ok) is RoutingOutcome.ROUTED
    _request(mem, EAST, "WH/OUT/00005", "WH/OUT/00005", 1, 1, (WIDGET, "2", "CA"))
    each = _confirm(mem, EAST, shipment("WH/OUT/00005", shipped(1, "24", sku=WIDGET)))
    assert await flow.handle(each) is RoutingOutcome.DEAD
    assert "unit 'EA' is not the picking's unit 'CA'" in (mem.document(each).reason or "")


async def test_a_confirmation_of_another_3pls_request_is_refused(
    mem: MemoryStore, config: Config
) -> None:
    flow = ShipmentConfirmations(mem.as_store(), config)
    _request(mem, EAST, "WH/OUT/00003", "WH/OUT/00003", 1, 1, (WIDGET, "10", "EA"))
    doc = _confirm(mem, WEST, shipment("WH/OUT/00003", shipped(1, "1", sku=WIDGET)))
    assert await flow.handle(doc) is RoutingOutcome.DEAD
    assert mem.document(doc).reason == (
        "shipment SH1 ($.order_number): request WH/OUT/00003 was sent to 'east-3pl', "
        "not to 'west-3pl'"
    )


PICKING = "WH/OUT/00007"


def _split(mem: MemoryStore) -> tuple[ShipmentConfirmation, ShipmentConfirmation]:
    _request(mem, EAST, f"{PICKING}-1", PICKING, 1, 2, (WIDGET, "5", "EA"), (GADGET, "1", "EA"))
    _request(mem, WEST, f"{PICKING}-2", PICKING, 2, 2, (GADGET, "2", "EA"))
    east = shipment(f"{PICKING}-1", shipped(1, "5", sku=WIDGET), shipped(2, "1", sku=GADGET),
                    tracking="EAST-T")  # fmt: skip
    west = shipment(f"{PICKING}-2", shipped(1, "1", sku=GADGET), packages=("WEST-T",))
    return east, west


SPLIT_OP = ValidatePicking(
    name=PICKING,
    kind="outgoing",
    quantities=(
        DoneQuantity(product=ProductCode(default_code=WIDGET), quantity=5.0),
        DoneQuantity(product=ProductCode(default_code=GADGET), quantity=2.0),
    ),
    tracking_ref="EAST-T, WEST-T",
)


@pytest.mark.parametrize("first", [EAST, WEST])
async def test_a_split_picking_is_held_until_every_part_is_confirmed_in_either_order(
    mem: MemoryStore, config: Config, first: str
) -> None:
    woken = Woken()
    flow = ShipmentConfirmations(mem.as_store(), config, notify=woken)
    east, west = _split(mem)
    confs = {EAST: east, WEST: west}
    last = WEST if first == EAST else EAST
    held = _confirm(mem, first, confs[first])
    assert await flow.handle(held) is RoutingOutcome.HELD
    missing = f"{PICKING}-2 from west-3pl" if first == EAST else f"{PICKING}-1 from east-3pl"
    assert flow.held[held] == (
        f"split picking {PICKING} (2 parts): waiting for the confirmation of {missing}"
    )
    assert mem.document(held).state is DocumentState.NEW and mem.deliveries() == []
    assert await flow.handle(held) is RoutingOutcome.HELD  # told again: still waiting

    joined = _confirm(mem, last, confs[last])
    assert await flow.handle(joined) is RoutingOutcome.ROUTED
    [delivery] = mem.deliveries("odoo")
    assert payload(delivery) == _expected(SPLIT_OP)  # parts in their order, whatever came first
    assert delivery.idempotency_key == idempotency_key(EAST, "odoo", "ship", PICKING)
    assert delivery.document_id == joined
    assert mem.document(held).state is DocumentState.ROUTED  # moved in the same transaction
    assert mem.document(joined).state is DocumentState.ROUTED
    assert woken == ["odoo"]
    assert await flow.handle(held) is RoutingOutcome.SKIPPED

    # A repeat of one part after the join routes with no new delivery.
    repeat = _confirm(mem, WEST, west)
    assert await flow.handle(repeat) is RoutingOutcome.ROUTED
    assert len(mem.deliveries("odoo")) == 1


async def test_a_split_picking_whose_parts_are_all_stored_is_joined_on_rehydration(
    mem: MemoryStore, config: Config
) -> None:
    flow = ShipmentConfirmations(mem.as_store(), config)
    east, west = _split(mem)
    docs = [_confirm(mem, WEST, west), _confirm(mem, EAST, east)]
    assert await flow.process_pending() == 1  # the first joins both; the second was moved
    [delivery] = mem.deliveries("odoo")
    assert payload(delivery) == _expected(SPLIT_OP)
    assert delivery.document_id == docs[0]
    assert [mem.document(d).state for d in docs] == [DocumentState.ROUTED] * 2
    assert flow.counts["skipped"] == 1


async def test_a_split_part_without_its_request_stored_is_held_naming_it(
    mem: MemoryStore, config: Config
) -> None:
    flow = ShipmentConfirmations(mem.as_store(), config)
    _request(mem, EAST, f"{PICKING}-1", PICKING, 1, 3, (WIDGET, "5", "EA"))
    doc = _confirm(mem, EAST, shipment(f"{PICKING}-1", shipped(1, "5", sku=WIDGET)))
    assert await flow.handle(doc) is RoutingOutcome.HELD
    assert flow.held[doc].endswith(
        f"{PICKING}-2 (no fulfillment request stored), {PICKING}-3 (no fulfillment request stored)"
    )
