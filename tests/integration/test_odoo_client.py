"""The Odoo client against the Odoo simulator (a test double) on loopback, for both protocols.

Each test serves a fresh simulator with hypercorn's trio worker on 127.0.0.1 port 0 and
talks to it over real HTTP, JSON-2 or JSON-RPC as parametrized.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import trio

from contracts.errors import DeliveryRejected, TransientFailure
from edge.odoo import (
    ApiKey,
    DbId,
    DetectingTransport,
    ExternalId,
    OdooAuthFailed,
    OdooClient,
    OdooServer,
    SaleOrderDraft,
    SaleOrderLineDraft,
    external_id,
    open_odoo_client,
)
from edge.odoo.simulator import OdooSimulator, serve_simulator

KEY = "integration-key-0123456789abcdef"
PROTOCOLS = pytest.mark.parametrize("protocol", ["json2", "jsonrpc"])


@asynccontextmanager
async def odoo(
    sim: OdooSimulator,
    protocol: str,
    *,
    key: str = KEY,
    login: str = "admin",
    call_timeout: float = 10.0,
) -> AsyncIterator[OdooClient]:
    async with trio.open_nursery() as nursery:
        url = await nursery.start(serve_simulator, sim)
        settings = OdooServer(
            url=url,
            database="crossdock",
            api_key=ApiKey(key),
            login=login,
            protocol=protocol,  # type: ignore[arg-type]
            timeout=call_timeout,
        )
        async with open_odoo_client(settings) as client:
            yield client
        nursery.cancel_scope.cancel()


def xid(sim: OdooSimulator, name: str) -> int:
    found = sim.db.xid_lookup(name)
    assert found is not None
    return found[1]


def order(sim: OdooSimulator) -> SaleOrderDraft:
    return SaleOrderDraft(
        partner=ExternalId("sim.partner_acme"),
        client_order_ref="PO-4711",
        lines=[
            SaleOrderLineDraft(product=ExternalId("sim.product_widget"), quantity=10),
            SaleOrderLineDraft(
                product=DbId(xid(sim, "sim.product_gadget")), quantity=2, price_unit=19.5
            ),
        ],
    )


def loads(sim: OdooSimulator) -> list[str]:
    return [c.outcome for c in sim.calls if c.method == "load"]


# -- exactly once ------------------------------------------------------------------------------


@PROTOCOLS
@pytest.mark.parametrize("drop_mode", ["abort", "502"])
async def test_create_once_retried_after_commit_then_drop_gives_one_record(
    protocol: str, drop_mode: str
) -> None:
    sim = OdooSimulator(api_key=KEY)
    sim.faults.drop_mode = drop_mode  # type: ignore[assignment]
    sim.faults.schedule("drop_after_commit", model="sale.order", method="load")
    async with odoo(sim, protocol) as client:
        with pytest.raises(TransientFailure):
            await client.create_sale_order("acme/ORDERS/4711", order(sim))
        assert sim.count("sale.order") == 1  # Odoo committed; the answer was lost
        order_id = await client.create_sale_order("acme/ORDERS/4711", order(sim))
        again = await client.create_sale_order("acme/ORDERS/4711", order(sim))
    assert order_id == again
    assert sim.count("sale.order") == 1
    assert (
        sim.count("ir.model.data", [("model", "=", "sale.order"), ("module", "=", "crossdock")])
        == 1
    )
    assert sim.count("sale.order.line") == 2
    assert len(loads(sim)) == 1  # the retries found the external ID; nothing was re-sent
    [row] = sim.call(
        "sale.order", "read", [order_id], ["client_order_ref", "partner_id", "amount_total"]
    )
    assert row["client_order_ref"] == "PO-4711"
    assert row["partner_id"][0] == xid(sim, "sim.partner_acme")
    assert row["amount_total"] == 10 * 12.5 + 2 * 19.5
    assert sim.db.xid_lookup(external_id("acme/ORDERS/4711")) == ("sale.order", order_id)


@PROTOCOLS
async def test_create_once_of_different_keys_makes_different_records(protocol: str) -> None:
    sim = OdooSimulator(api_key=KEY)
    async with odoo(sim, protocol) as client:
        a = await client.create_sale_order("acme/1", order(sim))
        b = await client.create_sale_order("acme/2", order(sim))
    assert a != b and sim.count("sale.order") == 2 and sim.count("sale.order.line") == 4


@PROTOCOLS
async def test_load_rejection_is_a_delivery_rejection(protocol: str) -> None:
    sim = OdooSimulator(api_key=KEY)
    draft = SaleOrderDraft(
        partner=ExternalId("sim.no_such_customer"),
        lines=[SaleOrderLineDraft(product=DbId(1), quantity=1)],
    )
    async with odoo(sim, protocol) as client:
        with pytest.raises(DeliveryRejected) as caught:
            await client.create_sale_order("acme/3", draft)
    assert caught.value.error_name == "odoo.load"
    assert "sim.no_such_customer" in caught.value.message
    assert sim.count("sale.order") == 0


# -- transient faults ----------------------------------------------------------------------------


@PROTOCOLS
@pytest.mark.parametrize("kind", ["error_5xx", "lock", "rate_limit", "timeout"])
async def test_each_transient_fault_is_a_transient_failure_and_applies_nothing(
    protocol: str, kind: str
) -> None:
    sim = OdooSimulator(api_key=KEY)
    sim.faults.retry_after = 3
    sim.faults.schedule(kind, model="res.partner", method="create")
    before = sim.count("res.partner")
    async with odoo(sim, protocol, call_timeout=0.5 if kind == "timeout" else 10.0) as client:
        with pytest.raises(TransientFailure) as caught:
            await client.call("res.partner", "create", kwargs={"vals_list": [{"name": "New"}]})
        assert sim.count("res.partner") == before
        assert await client.call(
            "res.partner", "create", kwargs={"vals_list": [{"name": "New"}]}
        )  # then it works
    error = caught.value
    assert not isinstance(error, OdooAuthFailed)
    fields = error.fields
    if kind == "error_5xx":
        assert fields["status"] == 503 and fields["reason"] == "http_status"
    elif kind == "lock":
        expected = (
            "odoo.exceptions.LockError"
            if protocol == "json2"
            else ("odoo.exceptions.ConcurrencyError")
        )
        assert fields["error_name"] == expected
        assert fields.get("status") == (409 if protocol == "json2" else None)
    elif kind == "rate_limit":
        assert fields["status"] == 429 and error.retry_after == 3.0
    else:
        assert fields["reason"] == "timeout" and error.retry_after is None
    assert sim.count("res.partner") == before + 1


async def test_jsonrpc_lock_conflict_of_older_servers_is_a_serialization_failure() -> None:
    sim = OdooSimulator(api_key=KEY, protocol="jsonrpc", version="16.0")
    sim.faults.schedule("lock")
    async with odoo(sim, "jsonrpc") as client:
        with pytest.raises(TransientFailure) as caught:
            await client.call("res.partner", "search", kwargs={"domain": []})
    assert caught.value.fields["error_name"] == "psycopg2.errors.SerializationFailure"


# -- business errors -----------------------------------------------------------------------------


@PROTOCOLS
async def test_missing_required_field_is_odoos_validation_error(protocol: str) -> None:
    sim = OdooSimulator(api_key=KEY)
    async with odoo(sim, protocol) as client:
        with pytest.raises(DeliveryRejected) as caught:
            await client.call(
                "sale.order", "create", kwargs={"vals_list": [{"client_order_ref": "no customer"}]}
            )
    assert caught.value.error_name == "odoo.exceptions.ValidationError"
    assert "a mandatory field is not set" in caught.value.message
    assert "Customer (partner_id)" in caught.value.message
    assert sim.count("sale.order") == 0


@PROTOCOLS
async def test_read_only_key_reads_but_gets_access_error_on_write(protocol: str) -> None:
    sim = OdooSimulator(api_key=KEY)
    sim.add_user("reader", api_key="read-only-key-000", read_only=True)
    async with odoo(sim, protocol, key="read-only-key-000", login="reader") as client:
        assert await client.call("res.partner", "search_count", kwargs={"domain": []}) > 0
        with pytest.raises(DeliveryRejected) as caught:
            await client.call("res.partner", "write", kwargs={"vals": {"name": "x"}}, ids=[1])
    assert caught.value.error_name == "odoo.exceptions.AccessError"
    assert "You are not allowed to modify 'Contact' (res.partner) records" in (caught.value.message)
    assert caught.value.fields.get("status") == (403 if protocol == "json2" else None)


@PROTOCOLS
async def test_missing_record_is_missing_error(protocol: str) -> None:
    sim = OdooSimulator(api_key=KEY)
    async with odoo(sim, protocol) as client:
        with pytest.raises(DeliveryRejected) as caught:
            await client.confirm_order(9999)
    assert caught.value.error_name == "odoo.exceptions.MissingError"
    assert "Record does not exist or has been deleted" in caught.value.message


@PROTOCOLS
async def test_invalid_key_is_an_auth_failure(protocol: str) -> None:
    sim = OdooSimulator(api_key=KEY)
    async with odoo(sim, protocol, key="wrong-key") as client:
        with pytest.raises(OdooAuthFailed) as caught:
            await client.call("res.partner", "search", kwargs={"domain": []})
    assert "wrong-key" not in str(caught.value)


@PROTOCOLS
async def test_a_key_revoked_while_running_is_an_auth_failure(protocol: str) -> None:
    sim = OdooSimulator(api_key=KEY)
    async with odoo(sim, protocol) as client:
        await client.call("res.partner", "search", kwargs={"domain": []})
        sim.revoke_api_key(KEY)
        with pytest.raises(OdooAuthFailed):
            await client.call("res.partner", "search", kwargs={"domain": []})


async def test_jsonrpc_session_expiry_logs_in_again_and_succeeds() -> None:
    sim = OdooSimulator(api_key=KEY)
    async with odoo(sim, "jsonrpc") as client:
        await client.call("res.partner", "search", kwargs={"domain": []})
        sim.faults.schedule("session_expired")
        assert await client.call("res.partner", "search_count", kwargs={"domain": []}) > 0
    assert sim.authentications == 2


# -- detection ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("served", "version", "expected"),
    [("both", "19.0", "json2"), ("jsonrpc", "17.0", "jsonrpc"), ("both", "18.0", "jsonrpc")],
)
async def test_detection_by_version(served: str, version: str, expected: str) -> None:
    sim = OdooSimulator(api_key=KEY, protocol=served, version=version)  # type: ignore[arg-type]
    async with odoo(sim, "auto") as client:
        assert isinstance(client.transport, DetectingTransport)
        assert await client.call("res.partner", "search_count", kwargs={"domain": []}) > 0
        assert client.transport.protocol == expected
    assert {c.protocol for c in sim.calls} == {expected}


# -- idempotent updates ----------------------------------------------------------------------


async def confirmed(client: OdooClient, sim: OdooSimulator, key: str) -> tuple[int, int]:
    order_id = await client.create_sale_order(key, order(sim))
    await client.confirm_order(order_id)
    [picking] = sim.db.search("stock.picking", [("sale_id", "=", order_id)])
    return order_id, picking


@PROTOCOLS
async def test_confirm_order_twice_is_once(protocol: str) -> None:
    sim = OdooSimulator(api_key=KEY)
    async with odoo(sim, protocol) as client:
        order_id = await client.create_sale_order("acme/5", order(sim))
        sim.faults.schedule("drop_after_commit", method="action_confirm")
        with pytest.raises(TransientFailure):
            await client.confirm_order(order_id)
        assert await client.confirm_order(order_id) == "sale"
        assert await client.confirm_order(order_id) == "sale"
    assert sim.count("stock.picking", [("sale_id", "=", order_id)]) == 1
    assert [c.outcome for c in sim.calls if c.method == "action_confirm"] == [
        "ok (committed), fault:drop_after_commit"
    ]


@PROTOCOLS
async def test_partial_validation_twice_leaves_one_backorder(protocol: str) -> None:
    sim = OdooSimulator(api_key=KEY)
    widget, gadget = xid(sim, "sim.product_widget"), xid(sim, "sim.product_gadget")
    async with odoo(sim, protocol) as client:
        _, picking = await confirmed(client, sim, "acme/6")
        sim.faults.schedule("drop_after_commit", method="button_validate")
        with pytest.raises(TransientFailure):
            await client.validate_picking(picking, {widget: 6, gadget: 2})
        result = await client.validate_picking(picking, {widget: 6, gadget: 2})
        assert not result.changed
        again = await client.validate_picking(picking, {widget: 6, gadget: 2})
    assert result.backorder_ids == again.backorder_ids and len(result.backorder_ids) == 1
    assert sim.count("stock.picking", [("backorder_id", "=", picking)]) == 1
    [back] = sim.call("stock.picking", "read", list(result.backorder_ids), ["move_ids", "state"])
    rest = sim.call("stock.move", "read", back["move_ids"], ["product_id", "product_uom_qty"])
    assert [(m["product_id"][0], m["product_uom_qty"]) for m in rest] == [(widget, 4.0)]
    assert sim.call("stock.picking", "read", [picking], ["state"])[0]["state"] == "done"
    assert (  # 100 in WH/Stock and 30 in EW/Stock, 6 shipped from WH
        sim.call("product.product", "read", [widget], ["qty_available"])[0]["qty_available"] == 124
    )


@PROTOCOLS
async def test_full_validation_without_quantities_ships_everything(protocol: str) -> None:
    sim = OdooSimulator(api_key=KEY)
    async with odoo(sim, protocol) as client:
        _, picking = await confirmed(client, sim, "acme/7")
        result = await client.validate_picking(picking)
    assert result.changed and result.backorder_ids == ()


@PROTOCOLS
async def test_unknown_product_in_a_confirmation_is_rejected(protocol: str) -> None:
    sim = OdooSimulator(api_key=KEY)
    async with odoo(sim, protocol) as client:
        _, picking = await confirmed(client, sim, "acme/8")
        with pytest.raises(DeliveryRejected) as caught:
            await client.validate_picking(picking, {xid(sim, "sim.product_gizmo"): 1})
    assert caught.value.error_name == "crossdock.UnknownProduct"


@PROTOCOLS
async def test_tracking_and_inventory_twice_are_once(protocol: str) -> None:
    sim = OdooSimulator(api_key=KEY)
    widget, stock = xid(sim, "sim.product_widget"), xid(sim, "stock.stock_location_stock")
    crate = xid(sim, "sim.product_crate")
    async with odoo(sim, protocol) as client:
        _, picking = await confirmed(client, sim, "acme/9")
        assert await client.set_tracking(picking, "1Z999AA10123456784") is True
        assert await client.set_tracking(picking, "1Z999AA10123456784") is False
        sim.faults.schedule("drop_after_commit", method="action_apply_inventory")
        with pytest.raises(TransientFailure):
            await client.apply_inventory(widget, stock, 37)
        assert await client.apply_inventory(widget, stock, 37) is False
        assert await client.apply_inventory(crate, stock, 5) is True  # no quant yet
        assert await client.apply_inventory(crate, stock, 5) is False
    assert (
        sim.call("stock.picking", "read", [picking], ["carrier_tracking_ref"])[0][
            "carrier_tracking_ref"
        ]
        == "1Z999AA10123456784"
    )
    stock_of: dict[int, Any] = {
        p["id"]: p["qty_available"]
        for p in sim.call("product.product", "read", [widget, crate], ["qty_available"])
    }
    assert stock_of == {widget: 37.0 + 30.0, crate: 5.0}  # the demo's 30 widgets in EW/Stock
    in_wh = [("product_id", "in", [widget, crate]), ("location_id", "=", stock)]
    assert sim.count("stock.quant", in_wh) == 2


@PROTOCOLS
async def test_the_key_stays_out_of_every_log_line_on_the_wire(
    protocol: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # httpx and httpcore trace every request at DEBUG
    for name in ("httpx", "httpcore"):  # configure_logging (other tests) quiets them
        caplog.set_level(logging.DEBUG, logger=name)
    sim = OdooSimulator(api_key=KEY)
    async with odoo(sim, protocol) as client:
        await client.create_sale_order("acme/10", order(sim))
        with pytest.raises(DeliveryRejected) as caught:
            await client.call("sale.order", "create", kwargs={"vals_list": [{}]})
    assert "httpcore" in caplog.text or "httpx" in caplog.text  # the trace was captured
    assert KEY not in caplog.text
    assert KEY not in str(caught.value) and KEY not in repr(caught.value.fields)
