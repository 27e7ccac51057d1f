"""The Odoo operations of outbox rows (``edge.odoo._ops``): their JSON, and batched creates.

Lives beside the delivery tests because the delivery loop is what carries these payloads.
Batched creates run against a scripted client here (what Odoo answers is chosen); the
simulator runs them in ``tests/integration/test_delivery*.py``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import msgspec
import pytest

from contracts.errors import DeliveryRejected, RejectedInput, TransientFailure
from edge.odoo import (
    LOAD_REJECTED,
    ApplyInventory,
    ConfirmOrder,
    CreateSaleOrder,
    OdooClient,
    OrderLine,
    SetTracking,
    ValidatePicking,
    create_sale_orders,
    decode_op,
    encode_op,
    external_id,
)


def order(key: str, *products: str, confirm: bool = False) -> CreateSaleOrder:
    return CreateSaleOrder(
        key=key,
        partner="sim.partner_acme",
        lines=tuple(OrderLine(product=p, quantity=2) for p in products or ("sim.widget",)),
        confirm=confirm,
    )


def test_an_operation_travels_as_compact_tagged_json_and_comes_back_equal() -> None:
    op = order("acme/PO-1", "sim.widget", "sim.gadget", confirm=True)
    payload = encode_op(op)
    assert msgspec.json.decode(payload) == {
        "op": "create_sale_order",
        "key": "acme/PO-1",
        "partner": "sim.partner_acme",
        "lines": [
            {"product": "sim.widget", "quantity": 2},
            {"product": "sim.gadget", "quantity": 2},
        ],
        "confirm": True,
    }
    assert decode_op(payload) == op
    for other in (
        ConfirmOrder(order=op.xid),
        ValidatePicking(order=7, backorder=False),
        SetTracking(origin="S00042", tracking_ref="1Z999"),
        ApplyInventory(product="sim.widget", location=8, quantity=0),
    ):
        assert decode_op(encode_op(other)) == other
    assert op.xid == external_id("acme/PO-1")


@pytest.mark.parametrize(
    ("payload", "path"),
    [
        (b'{"op": "create_sale_order", "key": "k", "partner": 1, "lines": []}', "$.lines"),
        (b'{"op": "create_sale_order", "key": "k", "partner": 1,'
         b' "lines": [{"product": 1, "quantity": -1}]}', "$.lines[0].quantity"),
        (b'{"op": "confirm_order", "order": "no-module"}', "$.order"),
        (b'{"op": "confirm_order", "order": 0}', "$.order"),
        (b'{"op": "drop_tables"}', "$.op"),
        (b'{"op": "validate_picking", "picking": 1, "origin": "S1"}', "$"),
        (b"[1, 2", "$"),
    ],
)  # fmt: skip
def test_a_payload_that_is_no_operation_is_rejected_with_its_path(
    payload: bytes, path: str
) -> None:
    with pytest.raises(RejectedInput) as caught:
        decode_op(payload)
    assert caught.value.path == path and caught.value.code == "invalid_odoo_op"


class ScriptedClient(OdooClient):
    """Answers ``call`` from a script; records what was asked."""

    def __init__(self, answers: list[Any]) -> None:
        super().__init__(transport=None)  # type: ignore[arg-type]
        self.answers = answers
        self.asked: list[tuple[str, str, Mapping[str, Any]]] = []

    async def call(
        self, model: str, method: str, args: Sequence[Any] | None = None,
        kwargs: Mapping[str, Any] | None = None, *, ids: Sequence[int] | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> Any:  # fmt: skip
        self.asked.append((model, method, kwargs or {}))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def xid_row(op: CreateSaleOrder, res_id: int) -> dict[str, Any]:
    return {"name": op.xid.partition(".")[2], "model": "sale.order", "res_id": res_id}


async def test_orders_odoo_has_are_not_loaded_and_the_rest_go_in_one_load() -> None:
    known, new1, new2 = order("k/known"), order("k/new1", "a.b", "c.d"), order("k/new2")
    client = ScriptedClient([[xid_row(known, 7)], {"ids": [8, 9], "messages": []}])
    outcomes = await create_sale_orders(client, [known, new1, new2, new1])
    assert outcomes == ["sale.order,7", "sale.order,8", "sale.order,9", "sale.order,8"]
    (_, lookup, find), (_, load, table) = client.asked
    assert (lookup, load) == ("search_read", "load")
    assert sorted(find["domain"][1][2]) == sorted(o.xid.split(".")[1] for o in (known, new1, new2))
    # One table: new1 takes two rows (its lines), new2 one; each record starts with its id.
    ids = [row[table["fields"].index("id")] for row in table["data"]]
    assert ids == [new1.xid, "", new2.xid]


async def test_a_refused_order_is_dead_and_the_others_are_loaded_again_without_it() -> None:
    good, bad, also = order("k/good"), order("k/bad", "x.y", "x.z"), order("k/also")
    refusal = {"type": "error", "message": "No matching record found for external id 'x.z'",
               "rows": {"from": 2, "to": 2}, "record": 1, "field": "order_line"}  # fmt: skip
    client = ScriptedClient(
        [[], {"ids": False, "messages": [refusal]}, {"ids": [11, 12], "messages": []}]
    )
    first, second, third = await create_sale_orders(client, [good, bad, also])
    assert (first, third) == ("sale.order,11", "sale.order,12")
    assert isinstance(second, DeliveryRejected) and second.error_name == LOAD_REJECTED
    assert "x.z" in second.message
    reloaded = client.asked[2][2]["data"]
    assert [row[0] for row in reloaded] == [good.xid, also.xid]


async def test_an_outage_is_every_orders_outcome() -> None:
    down = TransientFailure("HTTP 503")
    client = ScriptedClient([[], down])
    assert await create_sale_orders(client, [order("k/1"), order("k/2")]) == [down, down]
    client = ScriptedClient([down])
    assert await create_sale_orders(client, [order("k/1")]) == [down]


async def test_refusals_that_name_no_record_are_settled_one_by_one() -> None:
    one, two = order("k/1"), order("k/2")
    vague = {"type": "error", "message": "something went wrong"}
    client = ScriptedClient(
        [
            [],
            {"ids": False, "messages": [vague]},
            [],  # create_once(one): lookup, then load
            {"ids": [21], "messages": []},
            [],  # create_once(two): refused alone
            {"ids": False, "messages": [vague]},
        ]
    )
    first, second = await create_sale_orders(client, [one, two])
    assert first == "sale.order,21"
    assert isinstance(second, DeliveryRejected) and "something went wrong" in second.message
