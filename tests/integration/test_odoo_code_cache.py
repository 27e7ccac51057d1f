"""Order creation with cached code lookups, against the simulator over HTTP.

A warm cache leaves two calls per batch (the external-ID check and the ``load``). A cached
record deleted in Odoo makes the ``load`` fail: the codes are looked up again and the order
loaded once more, so it is created when the code now names another record and rejected as
unknown when it names none. An archived record keeps being used until its entry expires.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
import trio

from contracts.errors import DeliveryRejected
from edge.odoo import (
    UNKNOWN_PRODUCT,
    ApiKey,
    CodeCache,
    CreateSaleOrder,
    CustomerCode,
    OdooClient,
    OdooServer,
    OrderLine,
    ProductCode,
    apply_many,
    create_sale_orders,
    open_odoo_client,
    resolve_orders,
)
from edge.odoo.simulator import OdooSimulator, serve_simulator
from tests.integration.test_delivery_support import KEY

PROTOCOLS = pytest.mark.parametrize("protocol", ["json2", "jsonrpc"])
TEMP_GTIN = "4012345000016"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@asynccontextmanager
async def odoo(sim: OdooSimulator, protocol: str) -> AsyncIterator[OdooClient]:
    async with trio.open_nursery() as nursery:
        url = await nursery.start(serve_simulator, sim)
        server = OdooServer(
            url=url, database="crossdock", api_key=ApiKey(KEY), login="admin",
            protocol=protocol,  # type: ignore[arg-type]
        )  # fmt: skip
        async with open_odoo_client(server) as client:
            yield client
        nursery.cancel_scope.cancel()


def simulator() -> OdooSimulator:
    sim = OdooSimulator(api_key=KEY)
    acme = sim.db.xid_lookup("sim.partner_acme")
    assert acme is not None
    sim.call("res.partner", "write", [acme[1]], {"ref": "acme-retail"})
    return sim


def order(key: str, *products: ProductCode) -> CreateSaleOrder:
    return CreateSaleOrder(
        key=key,
        partner=CustomerCode(ref="acme-retail"),
        lines=tuple(OrderLine(product=p, quantity=2) for p in products),
    )


def model_calls(sim: OdooSimulator) -> list[tuple[str, str]]:
    return [(c.model, c.method) for c in sim.calls]


def line_products(sim: OdooSimulator, reference: str) -> list[int]:
    order_id = int(reference.split(",")[1])
    lines = sim.call("sale.order", "read", [order_id], ["order_line"])[0]["order_line"]
    return [row["product_id"][0] for row in sim.call("sale.order.line", "read", lines)]


def temp_product(sim: OdooSimulator, name: str) -> int:
    product: int = sim.call("product.product", "create", {"name": name, "barcode": TEMP_GTIN})
    return product


@PROTOCOLS
async def test_a_warm_cache_leaves_the_xid_check_and_the_load(protocol: str) -> None:
    sim = simulator()
    codes = CodeCache()
    widget, gadget = ProductCode(default_code="WID-001"), ProductCode(barcode="4006381333948")
    async with odoo(sim, protocol) as client:
        first = await apply_many(
            client, [order("PO-1", widget), order("PO-2", gadget)], codes=codes
        )
        looked_up = model_calls(sim)
        sim.calls.clear()
        second = await apply_many(client, [order("PO-3", gadget, widget)], codes=codes)
    assert all(isinstance(r, str) for r in [*first, *second])
    assert ("res.partner", "search_read") in looked_up
    assert ("product.product", "search_read") in looked_up
    assert model_calls(sim) == [("ir.model.data", "search_read"), ("sale.order", "load")]
    assert codes.hits == 3 and len(codes) == 3
    widget_id = sim.db.xid_lookup("sim.product_widget")
    gadget_id = sim.db.xid_lookup("sim.product_gadget")
    assert widget_id and gadget_id
    assert line_products(sim, str(second[0])) == [gadget_id[1], widget_id[1]]


@PROTOCOLS
async def test_a_cached_product_deleted_and_recreated_is_looked_up_again(protocol: str) -> None:
    sim = simulator()
    codes = CodeCache()
    temp = ProductCode(barcode=TEMP_GTIN)
    old = temp_product(sim, "Old")
    async with odoo(sim, protocol) as client:
        await resolve_orders(client, [order("warm", temp)], codes)
        assert codes.peek(temp)
        sim.call("product.product", "unlink", [old])
        new = temp_product(sim, "New")
        sim.calls.clear()
        [outcome] = await create_sale_orders(client, [order("PO-9", temp)], codes=codes)
    assert isinstance(outcome, str), outcome
    assert line_products(sim, outcome) == [new]
    assert model_calls(sim).count(("sale.order", "load")) == 2  # refused, then loaded
    assert model_calls(sim).count(("product.product", "search_read")) == 1
    assert codes.get(temp) == new


@PROTOCOLS
async def test_a_cached_product_deleted_for_good_is_rejected_as_unknown(protocol: str) -> None:
    sim = simulator()
    codes = CodeCache()
    temp = ProductCode(barcode=TEMP_GTIN)
    old = temp_product(sim, "Old")
    orders_before = sim.count("sale.order")
    async with odoo(sim, protocol) as client:
        await resolve_orders(client, [order("warm", temp)], codes)
        sim.call("product.product", "unlink", [old])
        widget = order("PO-10", ProductCode(default_code="WID-001"))
        outcomes = await create_sale_orders(client, [order("PO-11", temp), widget], codes=codes)
    rejected, created = outcomes
    assert isinstance(rejected, DeliveryRejected)
    assert rejected.error_name == UNKNOWN_PRODUCT  # the fresh lookup's verdict, not the load's
    assert isinstance(created, str)
    assert sim.count("sale.order") == orders_before + 1
    assert not codes.peek(temp)


@PROTOCOLS
async def test_an_archived_product_is_used_until_its_entry_expires(protocol: str) -> None:
    sim = simulator()
    clock = Clock()
    codes = CodeCache(ttl=60.0, clock=clock)
    temp = ProductCode(barcode=TEMP_GTIN)
    product = temp_product(sim, "Seasonal")
    async with odoo(sim, protocol) as client:
        await resolve_orders(client, [order("warm", temp)], codes)
        sim.call("product.product", "write", [product], {"active": False})
        clock.now = 59.0
        [within] = await create_sale_orders(client, [order("PO-20", temp)], codes=codes)
        clock.now = 61.0
        [after] = await create_sale_orders(client, [order("PO-21", temp)], codes=codes)
    assert isinstance(within, str)
    assert line_products(sim, within) == [product]
    assert isinstance(after, DeliveryRejected)
    assert after.error_name == UNKNOWN_PRODUCT
