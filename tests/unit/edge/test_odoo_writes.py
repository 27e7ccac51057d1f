"""OdooClient's repeatable writes over an in-process transport (no sockets).

The transport hands each call to the simulator's ``call_kw`` and its errors to the client's
JSON-RPC classification, so the write logic is tested on its own; the same flows run over
real HTTP in tests/integration/test_odoo_client.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import pytest

from contracts.errors import DeliveryRejected
from edge.odoo import (
    LOAD_REJECTED,
    ExternalId,
    OdooClient,
    ServerVersion,
    error_from_jsonrpc,
    external_id,
    jsonrpc_params,
)
from edge.odoo.simulator import OdooException, OdooSimulator, error_body


class InProcess:
    protocol: Literal["jsonrpc"] = "jsonrpc"

    def __init__(self, sim: OdooSimulator) -> None:
        self.sim = sim
        self.calls: list[tuple[str, str]] = []

    async def call(
        self,
        model: str,
        method: str,
        args: Sequence[Any] | None = None,
        kwargs: Mapping[str, Any] | None = None,
        *,
        ids: Sequence[int] | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> Any:
        self.calls.append((model, method))
        positional, named = jsonrpc_params(args, kwargs, ids=ids, context=context)
        try:
            return self.sim.call(model, method, *positional, **named)
        except OdooException as exc:
            raise error_from_jsonrpc({"code": 200, "data": error_body(exc)}) from None

    async def version(self) -> ServerVersion:
        return ServerVersion(19, 0, "19.0")


@pytest.fixture
def sim() -> OdooSimulator:
    return OdooSimulator(api_key="k")


@pytest.fixture
def transport(sim: OdooSimulator) -> InProcess:
    return InProcess(sim)


@pytest.fixture
def client(transport: InProcess) -> OdooClient:
    return OdooClient(transport)


PARTNER = {"name": "Wholesale Co", "is_company": True, "country_id": ExternalId("base.de")}


async def test_create_once_writes_once_then_only_looks_up(
    client: OdooClient, transport: InProcess, sim: OdooSimulator
) -> None:
    first = await client.create_once("res.partner", "shop/customer/77", PARTNER)
    second = await client.create_once("res.partner", "shop/customer/77", {"name": "changed"})
    assert first == second
    assert [m for _, m in transport.calls].count("load") == 1
    [row] = sim.call("res.partner", "read", [first], ["name", "country_id"])
    assert row["name"] == "Wholesale Co"  # the repeat changed nothing
    assert row["country_id"][1] == "Germany"


async def test_an_external_id_of_another_model_is_a_conflict(
    client: OdooClient, sim: OdooSimulator
) -> None:
    sim.db.xid_register(external_id("k/1"), "res.partner", 1)
    with pytest.raises(DeliveryRejected) as caught:
        await client.create_once(
            "sale.order", "k/1", {"partner_id": ExternalId("base.main_partner")}
        )
    assert caught.value.error_name == "crossdock.ExternalIdConflict"


async def test_load_messages_become_a_rejection_with_them(client: OdooClient) -> None:
    with pytest.raises(DeliveryRejected) as caught:
        await client.create_once("res.partner", "k/2", {"name": "X", "is_company": "perhaps"})
    assert caught.value.error_name == LOAD_REJECTED
    assert "Unknown value 'perhaps'" in caught.value.message
    assert caught.value.fields["messages"][0]["type"] == "error"


async def test_confirming_a_cancelled_order_is_refused(
    client: OdooClient, sim: OdooSimulator
) -> None:
    order_id = sim.call("sale.order", "create", {"partner_id": 1})
    sim.call("sale.order", "action_cancel", [order_id])
    with pytest.raises(DeliveryRejected) as caught:
        await client.confirm_order(order_id)
    assert caught.value.error_name == "crossdock.InvalidState"


def move(move_id: int, product: int, demand: float, done: float = 0.0) -> dict[str, Any]:
    return {
        "id": move_id,
        "product_id": [product, "P"],
        "product_uom_qty": demand,
        "quantity": done,
        "state": "assigned",
    }


@pytest.mark.parametrize(
    ("quantities", "expected"),
    [
        (None, {1: 4.0, 2: 4.0, 3: 1.0}),
        ({5: 6}, {1: 4, 2: 2}),  # move 3 stays at 0: nothing to write
        ({5: 10, 9: 1}, {1: 4, 2: 6, 3: 1}),  # more than demanded: the rest on the last move
        ({9: 1}, {3: 1}),
    ],
)
def test_shipped_quantities_are_spread_over_a_products_moves(
    quantities: dict[int, float] | None, expected: dict[int, float]
) -> None:
    moves = [move(1, 5, 4), move(2, 5, 4), move(3, 9, 1)]
    assert OdooClient._targets(10, moves, quantities) == expected


def test_moves_already_at_their_quantity_are_not_written_again() -> None:
    moves = [move(1, 5, 4, done=4), move(2, 9, 2, done=1)]
    assert OdooClient._targets(10, moves, {5: 4, 9: 2}) == {2: 2}
