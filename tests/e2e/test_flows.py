"""One end-to-end test per flow, through the real edges, every party its own process.

``crossdock odoo-sim`` (a test double of Odoo, demo seed) and ``crossdock run`` run as
subprocesses; the partners act with OpenSSH's ``sftp`` against the gateway's drop server and
with httpx against its webhook receiver (the cast: :mod:`tests.e2e.flows_world`; the
configuration and documents: :mod:`tests.e2e._flows_support`). Each test asserts what Odoo
holds (read over JSON-2 from the simulator) and the files the partners fetch with ``sftp
get``, and that duplicates and replays at its entry point change nothing in Odoo.

The world is module-scoped and the flows build on each other (the order becomes the picking
the 3PLs ship). Each step a test needs is taken once, by whichever test needs it first
(:meth:`World.once`), so any one test also runs on its own (``-k receipt``).
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from contracts import FunctionalAckStatus, LineStatus, OrderAcknowledgement
from edge.edi import edifact, x12
from edge.edi.ack import read_acks
from edge.edi.mapping import MappingProfile, map_inbound
from edge.http import sign
from gateway.demo._samples import (
    edifact_orders,
    marketplace_order,
    x12_945,
    x12_receipt_944,
)
from tests.e2e._flows_support import (
    CHANNEL,
    CUSTOMER,
    EAST,
    HANG,
    NORTH,
    ORDER,
    PARTNERS,
    TRACKING_945,
    WEBHOOK_SECRET,
    admin_token,
    eventually,
    gateway_config,
    log_event,
    make_key,
    odoo_id,
    orders_by_sku,
    x12_846,
)
from tests.e2e.conftest import NotifySocket
from tests.e2e.flows_world import Partners, StoreReader, World
from tests.e2e.test_crash import Simulator, start_gateway


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, crossdock_bin: Path) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("flows")
    (tmp / "keys").mkdir()
    for partner in PARTNERS:
        make_key(tmp / "keys" / partner, partner)
    sim = Simulator(crossdock_bin, tmp / "odoo-sim.log")
    notify = NotifySocket(tmp / "notify.sock")
    proc = None
    exit_status = None
    try:
        # Order intake finds the customer whose Internal Reference is the partner id.
        customers = {
            p: sim.call(
                "res.partner",
                "create",
                vals_list=[{"name": p.title(), "ref": p, "is_company": True}],
            )[0]
            for p in (CUSTOMER, CHANNEL)
        }
        config = gateway_config(tmp, sim.url)
        log = tmp / "gateway.log"
        proc = start_gateway(crossdock_bin, config, notify, log)
        port = int(log_event(log, "sftp_listening")["port"])
        host_key = tmp / "state" / "ssh_host_ed25519_key"  # the gateway wrote it on start
        public = subprocess.run(
            ["ssh-keygen", "-y", "-f", str(host_key)],
            check=True,
            capture_output=True,
            text=True,
            timeout=HANG,
        ).stdout.split()
        known_hosts = tmp / "known_hosts"
        known_hosts.write_text(f"[127.0.0.1]:{port} {public[0]} {public[1]}\n")
        (tmp / "work").mkdir()
        yield World(
            crossdock=crossdock_bin,
            sim=sim,
            proc=proc,
            partners=Partners(port, known_hosts, tmp / "keys", tmp / "work", proc=proc),
            store=StoreReader(tmp / "state" / "crossdock.sqlite3", proc=proc),
            config=config,
            admin_url=str(log_event(log, "gateway_ready")["admin"]),
            webhook_url=str(log_event(log, "webhooks_listening")["url"]),
            customers=customers,
        )
    finally:
        if proc is not None:
            proc.terminate()
            exit_status = proc.wait(timeout=HANG)
        notify.close()
        sim.close()
    assert exit_status == 0, (tmp / "gateway.log").read_text()[-3000:]  # SIGTERM drains cleanly


# --- 1. Order intake ---------------------------------------------------------------------


def test_order_intake_by_sftp_and_webhook_makes_one_sale_order_per_order(world: World) -> None:
    order = world.placed()
    assert order["state"] == "sale"  # confirm_orders = true
    assert odoo_id(order["partner_id"]) == world.customers[CUSTOMER]
    assert world.order_lines(order["id"]) == {"WID-001": 48.0, "GAD-002": 3.0}

    name = f"ORDERS-{ORDER}.edi"
    [contrl] = world.partners.wait_for(CUSTOMER, lambda n: n.startswith(f"{name}."), "CONTRL")
    assert contrl.endswith(".contrl")
    [ack] = read_acks(edifact.parse(world.partners.get(CUSTOMER, contrl)))
    assert (ack.interchange_ref, ack.status) == ("FLOW0001", FunctionalAckStatus.ACCEPTED)

    # The same file again: a duplicate at receipt, set aside with its reason.
    world.partners.put(CUSTOMER, name, edifact_orders(ORDER, "FLOW0001"))
    assert [s for _, s, _ in world.store.inbound(CUSTOMER, name)] == ["parsed", "duplicate"]
    assert f"{name}.reason" in world.partners.listing(CUSTOMER, "rejected")
    reason = world.partners.get(CUSTOMER, f"{name}.reason", folder="rejected").decode()
    assert reason.startswith(f"duplicate of {name} received ")
    # The same order in a second interchange (the partner re-sent it under a new number).
    world.partners.put(CUSTOMER, f"ORDERS-{ORDER}-resent.edi", edifact_orders(ORDER, "FLOW0002"))
    world.store.settle(CUSTOMER, f"ORDERS-{ORDER}-resent.edi")

    # The marketplace's signed JSON order, then the very same request again.
    body = marketplace_order("SF-7001")
    headers = sign(WEBHOOK_SECRET, body, time.time(), event_id="sf-7001")
    with httpx.Client(timeout=HANG) as http:
        url = f"{world.webhook_url}/webhooks/{CHANNEL}"
        first = http.post(url, content=body, headers=headers)
        assert first.status_code == 202, first.text
        eventually(lambda: world.sale_orders("SF-7001") or None, "SF-7001 in Odoo", world.proc)
        again = http.post(url, content=body, headers=headers)
        assert (again.status_code, again.json()) == (
            200,
            {"duplicate_of": first.json()["inbound_id"]},
        )

    [web] = world.sale_orders("SF-7001")
    assert odoo_id(web["partner_id"]) == world.customers[CHANNEL]
    assert world.order_lines(web["id"]) == {"GIZ-003": 2.0, "WID-001": 1.0}
    assert [o["id"] for o in world.sale_orders(ORDER)] == [order["id"]], (
        f"{ORDER} re-sent in a second interchange (FLOW0002) made a second sale.order"
    )


# --- 2. Order acknowledgement ------------------------------------------------------------


def read_ordrsp(data: bytes) -> OrderAcknowledgement:
    [interchange] = edifact.parse(data, partner=CUSTOMER, source="outbox")
    [mapped] = map_inbound(interchange, MappingProfile(), partner=CUSTOMER)
    assert isinstance(mapped.document, OrderAcknowledgement)
    return mapped.document


def test_order_acknowledgement_is_one_ordrsp_accepting_every_line(world: World) -> None:
    order = world.placed()

    def acks() -> list[tuple[str, OrderAcknowledgement]]:
        names = [n for n in world.partners.listing(CUSTOMER) if n.startswith("ack-")]
        found = [(n, read_ordrsp(world.partners.get(CUSTOMER, n))) for n in names]
        return [(n, a) for n, a in found if a.ack_number == order["name"]]

    [(name, ack)] = eventually(lambda: acks() or None, "the ORDRSP", world.proc)
    assert name == f"ack-{order['name']}.edi"
    assert (ack.order_number, ack.status) == (ORDER, LineStatus.ACCEPTED)
    assert [
        (line.status, line.confirmed.value if line.confirmed else None) for line in ack.lines
    ] == [(LineStatus.ACCEPTED, Decimal(48)), (LineStatus.ACCEPTED, Decimal(3))]

    # Odoo writes the order again: the watcher reads it again, past it, and sends nothing new.
    def write_date() -> str:
        [row] = world.read("sale.order", [["id", "=", order["id"]]], ["write_date"])
        return str(row["write_date"])

    before = write_date()

    def rewritten() -> str | None:  # Odoo's write_date counts seconds: until it moved on
        world.sim.call("sale.order", "write", ids=[order["id"]], vals={"origin": "e2e"})
        after = write_date()
        return after if after > before else None

    changed = (eventually(rewritten, "a later write_date"), order["id"])

    def passed() -> bool | None:
        [(value,)] = world.store.rows(
            "select value from cursors where name = 'odoo-poll:sale.order'"
        )
        return True if tuple(json.loads(value)) >= changed else None

    eventually(passed, "the order-ack poll past the order's new write", world.proc)
    assert [n for n, _ in acks()] == [name]
    sent = [r for r in world.store.outbox("order_ack", CUSTOMER) if r[1].endswith(order["name"])]
    assert [(d, s) for _, _, d, s in sent] == [(f"partner:{CUSTOMER}", "completed")]


# --- 3. Fulfillment ----------------------------------------------------------------------


def read_940(data: bytes) -> tuple[str, str, list[tuple[str, float]]]:
    """(request number, order number, [(SKU, quantity)]) of a 940, by our own parser."""
    [interchange] = x12.parse(data, partner=NORTH, source="outbox")
    [message] = [s for g in interchange.groups for s in g.sets]
    assert message.id == "940"
    [w05] = [s for s in message.segments if s.tag == "W05"]
    lines = []
    for w01 in (s for s in message.segments if s.tag == "W01"):
        values = [w01.value(i) for i in range(len(w01.elements))]
        lines.append((values[values.index("VP") + 1], float(values[0])))
    return w05.value(1), w05.value(2), lines


def test_fulfillment_splits_the_picking_into_a_940_and_a_csv(world: World) -> None:
    picking, x12_file, csv_file = world.requested()
    order = world.placed()
    assert (
        world.picking([["sale_id", "=", order["id"]], ["backorder_id", "=", False]])["name"]
        == picking
    )
    assert read_940(x12_file) == (f"{picking}-1", ORDER, [("WID-001", 48.0)])
    rows = list(csv.DictReader(io.StringIO(csv_file.decode("utf-8-sig"))))
    assert [
        (r["request_number"], r["order"], r["warehouse"], r["sku"], float(r["qty"])) for r in rows
    ] == [(f"{picking}-2", ORDER, "WH", "GAD-002", 3.0)]
    safe = picking.replace("/", "-")
    # Each 3PL got its part only: no whole-picking file, no part for the other 3PL.
    assert [n for n in world.partners.listing(NORTH) if n.startswith(safe + "-")] == [
        f"{safe}-1.x12"
    ]
    assert [n for n in world.partners.listing(EAST) if n.startswith(safe)] == [f"{safe}-2.csv"]


# --- 4. Shipment confirmation ------------------------------------------------------------


def test_shipment_confirmations_validate_the_picking_once_with_a_backorder(world: World) -> None:
    picking = world.shipped()
    safe = picking.replace("/", "-")
    done = world.picking([["name", "=", picking]])
    assert done["state"] == "done"
    # Odoo's way: the done picking keeps what shipped; the backorder asks for the rest.
    assert world.moves(done["id"]) == {"WID-001": (40.0, 40.0), "GAD-002": (3.0, 3.0)}
    assert TRACKING_945 in done["carrier_tracking_ref"]
    assert "7946000001" in done["carrier_tracking_ref"]  # the CSV's tracking
    backorder = world.picking([["backorder_id", "=", done["id"]]])
    assert backorder["state"] != "done"
    assert {sku: demand for sku, (demand, _) in world.moves(backorder["id"]).items()} == {
        "WID-001": 8.0
    }
    name = f"945-{safe}-1.x12"
    [answer] = world.partners.wait_for(NORTH, lambda n: n.startswith(f"{name}."), "the 997")
    [ack] = read_acks(x12.parse(world.partners.get(NORTH, answer)))
    assert (ack.interchange_ref, ack.status) == ("701", FunctionalAckStatus.ACCEPTED)

    pickings = len(world.read("stock.picking", [], ["id"]))
    world.partners.put(NORTH, name, world.done["945"])  # the same file again
    assert [s for _, s, _ in world.store.inbound(NORTH, name)] == ["parsed", "duplicate"]
    resent = x12_945(f"{picking}-1", ORDER, [("WID-001", 48, 40)], control=702)
    world.partners.put(NORTH, f"945-{safe}-1-resent.x12", resent)  # a second interchange
    world.store.settled(NORTH, f"945-{safe}-1-resent.x12")

    assert world.moves(done["id"]) == {"WID-001": (40.0, 40.0), "GAD-002": (3.0, 3.0)}
    assert world.read("stock.picking", [["backorder_id", "=", done["id"]]], ["id"]) == [
        {"id": backorder["id"]}
    ]
    assert len(world.read("stock.picking", [], ["id"])) == pickings
    validations = [r for r in world.store.outbox("shipment_confirmation") if r[2] == "odoo"]
    assert [(k, s) for _, k, _, s in validations] == [
        (f"{NORTH}:odoo:ship:{picking}", "completed")  # one validation for both parts
    ]


# --- 5. Receipts -------------------------------------------------------------------------


def test_a_944_receives_the_purchase_order_once(world: World) -> None:
    receipt = world.picking([["origin", "=", "PO-1001"], ["backorder_id", "=", False]])
    assert receipt["state"] == "assigned"
    world.partners.put(NORTH, "944-PO-1001.x12", x12_receipt_944(control=801))
    world.store.settled(NORTH, "944-PO-1001.x12")

    done = world.picking([["id", "=", receipt["id"]]])
    assert (done["name"], done["state"]) == (receipt["name"], "done")
    assert done["name"].startswith("WH/IN/")
    assert world.moves(done["id"]) == {"WID-001": (50.0, 50.0), "GAD-002": (16.0, 16.0)}
    backorder = world.picking([["backorder_id", "=", done["id"]]])
    assert backorder["state"] != "done"
    assert {sku: demand for sku, (demand, _) in world.moves(backorder["id"]).items()} == {
        "GAD-002": 4.0
    }

    world.partners.put(NORTH, "944-PO-1001.x12", x12_receipt_944(control=801))
    [_, (_, state, _)] = world.store.inbound(NORTH, "944-PO-1001.x12")
    # The same receipt (RCPT-801) re-sent in a new interchange: nothing new in Odoo.
    resent = x12_receipt_944(control=802, receipt="RCPT-801")
    world.partners.put(NORTH, "944-PO-1001-resent.x12", resent)
    world.store.settled(NORTH, "944-PO-1001-resent.x12")
    assert state == "duplicate"
    assert world.moves(done["id"]) == {"WID-001": (50.0, 50.0), "GAD-002": (16.0, 16.0)}
    assert len(world.read("stock.picking", [["backorder_id", "=", done["id"]]], ["id"])) == 1
    assert [s for _, _, d, s in world.store.outbox("receipt", NORTH) if d == "odoo"] == [
        "completed"
    ]


# --- 6. Inventory ------------------------------------------------------------------------


def test_an_846_sets_wh_stock_an_older_one_does_not_and_the_channel_is_fed(
    world: World,
) -> None:
    [(stock,)] = [
        (x["res_id"],)
        for x in world.read(
            "ir.model.data",
            [["module", "=", "stock"], ["name", "=", "stock_location_stock"]],
            ["res_id"],
        )
    ]

    def on_hand() -> dict[str, float]:
        codes = world.codes()
        held: dict[str, float] = {}
        for quant in world.read(
            "stock.quant", [["location_id", "=", stock]], ["product_id", "quantity"]
        ):
            sku = codes[odoo_id(quant["product_id"])]
            held[sku] = held.get(sku, 0.0) + float(quant["quantity"])
        return held

    counted = [("WID-001", 90), ("GAD-002", 38), ("GIZ-003", 260)]
    as_of = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=5)
    world.partners.put(NORTH, "846-now.x12", x12_846(901, as_of, counted))
    world.store.settled(NORTH, "846-now.x12")
    wanted = {sku: float(n) for sku, n in counted}
    assert {k: v for k, v in on_hand().items() if k in wanted} == wanted

    older = [("WID-001", 1), ("GAD-002", 2), ("GIZ-003", 3)]
    world.partners.put(NORTH, "846-older.x12", x12_846(902, as_of - timedelta(days=1), older))
    world.store.settled(NORTH, "846-older.x12")
    assert {k: v for k, v in on_hand().items() if k in wanted} == wanted
    [(pending,)] = world.store.rows(
        "select value from cursors where name = ?", f"stock-feed:{CHANNEL}"
    ) or [("{}",)]
    queued = json.loads(pending).get("lines", {})
    assert all(entry["as_of"] >= as_of.isoformat() for entry in queued.values()), queued

    def feed() -> dict[str, list[tuple[str, str]]] | None:
        files = {}
        for name in world.partners.listing(CHANNEL):
            text = world.partners.get(CHANNEL, name).decode("utf-8-sig")
            files[name] = [(r["sku"], r["on_hand"]) for r in csv.DictReader(io.StringIO(text))]
        skus = {sku for rows in files.values() for sku, _ in rows}
        return files if skus >= set(wanted) else None

    files = eventually(feed, "the stock feed of every SKU", world.proc)
    levels = [(sku, float(n)) for rows in files.values() for sku, n in rows]
    assert sorted(levels) == sorted(wanted.items()), files  # each once, none of the older
    # WID-001 is critical: it went out with the report, in a file of its own.
    assert [rows for rows in files.values() if ("WID-001", "90") in rows] == [[("WID-001", "90")]]


# --- 7. Replay of a dead letter ----------------------------------------------------------


def test_a_dead_order_replayed_after_the_fix_makes_exactly_one_sale_order(world: World) -> None:
    name, number = "ORDERS-PO-4799.edi", "PO-4799"
    data = orders_by_sku(number, "FLOW0009", [("NEW-009", 7), ("WID-001", 2)])
    world.partners.put(CUSTOMER, name, data)

    def dead() -> list[dict[str, Any]] | None:
        listed = world.crossdock_cli("outbox", "list", "--json", "--partner", CUSTOMER)
        assert listed.returncode == 0, listed.stderr
        rows = [r for r in json.loads(listed.stdout) if r["flow"] == "order_intake"]
        return rows or None

    [letter] = eventually(dead, "the dead letter", world.proc)
    assert "NEW-009" in letter["last_error"]
    assert world.sale_orders(number) == []

    world.sim.call(
        "product.product", "create", vals_list=[{"name": "New Thing", "default_code": "NEW-009"}]
    )
    replayed = world.crossdock_cli("outbox", "replay", str(letter["outbox_id"]))
    assert replayed.returncode == 0, replayed.stderr
    [order] = eventually(lambda: world.sale_orders(number) or None, number, world.proc)
    assert world.order_lines(order["id"]) == {"NEW-009": 7.0, "WID-001": 2.0}
    eventually(
        lambda: (
            [s for _, _, d, s in world.store.outbox("order_intake", CUSTOMER) if d == "odoo"].count(
                "dead"
            )
            == 0
            or None
        ),
        "the replayed row completed",
        world.proc,
    )

    # Replayed again (admin API, CLI), and the file re-sent: nothing changes in Odoo.
    with httpx.Client(base_url=world.admin_url, timeout=HANG) as admin:
        again = admin.post(
            f"/api/dead-letters/{letter['outbox_id']}/replay",
            json={},
            headers={"Authorization": f"Bearer {admin_token('operate')}"},
        )
    assert again.status_code == 409, again.text
    assert world.crossdock_cli("outbox", "replay", str(letter["outbox_id"])).returncode == 1
    world.partners.put(CUSTOMER, name, data)
    assert [s for _, s, _ in world.store.inbound(CUSTOMER, name)] == ["parsed", "duplicate"]
    assert [o["id"] for o in world.sale_orders(number)] == [order["id"]]
