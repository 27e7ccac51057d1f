"""A marketplace's signed JSON order, end to end: ``crossdock run`` and ``crossdock odoo-sim``
as subprocesses, httpx as the marketplace.

The partner ``shopfront`` POSTs one signed SalesOrder; exactly one ``sale.order`` appears in
the simulator, for the customer whose Internal Reference (``res.partner.ref``) is the partner
id (how order intake finds the customer; the demo seed's refs are upper case, so the test
creates ``shopfront``'s customer through the simulator's API first). Then the very same
request again (a sender's retry), the same event with a fresh signature, and a captured
request replayed after the tolerance change nothing: duplicates answer 200 naming the first
row, the stale replay 401, and Odoo still holds one order.

Synchronisation is on progress (READY=1, then the simulator's order count), polled with
bounds that only catch a hang.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any

import httpx

from edge.http import sign
from tests.e2e.conftest import NotifySocket, write_gateway_config
from tests.e2e.test_crash import API_KEY, HANG, Simulator, poll, start_gateway

PARTNER = "shopfront"
SECRET = "shopfront-e2e-secret-0123456789abcdef"

ORDER = {
    "type": "sales_order",
    "order_number": "SF-5001",
    "order_date": "2024-06-10",
    "parties": [{"role": "buyer", "name": "Jane Doe", "email": "jane@example.com"}],
    "lines": [
        {"line_no": 1, "product": {"sku": "WID-001"}, "quantity": {"value": "3"}},
        {"line_no": 2, "product": {"gtin": "4006381333948"}, "quantity": {"value": "1"}},
    ],
}

PARTNERS = f"""
[[partners]]
id = "{PARTNER}"
role = "channel"
formats = ["json"]
channels = [{{ type = "webhook", secret = {{ file = "secrets/webhook" }}, tolerance = 60 }}]
"""


def webhook_url_from(log: Path) -> str:
    for line in log.read_text().splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("event") == "webhooks_listening":
            return str(record["url"])
    raise AssertionError(f"no webhooks_listening line in {log}:\n{log.read_text()[-2000:]}")


def store_counts(path: Path) -> dict[str, Any]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return {
            "inbound": dict(db.execute("select state, count(*) from inbound group by state")),
            "documents": db.execute("select count(*) from documents").fetchone()[0],
            "outbox": dict(db.execute("select state, count(*) from outbox group by state")),
        }


def test_a_signed_json_order_becomes_one_sale_order_and_repeats_change_nothing(
    tmp_path: Path, crossdock_bin: Path, notify_socket: NotifySocket
) -> None:
    sim = Simulator(crossdock_bin, tmp_path / "odoo-sim.log")
    proc = None
    try:
        [customer] = sim.call("res.partner", "create", vals_list=[
            {"name": "Shopfront web shop", "ref": PARTNER, "is_company": True}
        ])  # fmt: skip
        files = write_gateway_config(tmp_path, partners=PARTNERS)
        (tmp_path / "secrets" / "webhook").write_text(SECRET + "\n")
        (tmp_path / "secrets" / "odoo").write_text(API_KEY + "\n")
        text = files.config.read_text().replace("http://127.0.0.1:9", sim.url)
        text = text.replace('protocol = "jsonrpc"', 'protocol = "json2"')
        files.config.write_text(text + '\n[webhooks]\nbind = "127.0.0.1:0"\n')
        log = tmp_path / "gateway.log"
        proc = start_gateway(crossdock_bin, files.config, notify_socket, log)  # log to a file
        url = f"{webhook_url_from(log)}/webhooks/{PARTNER}"

        body = json.dumps(ORDER).encode()
        headers = sign(SECRET, body, time.time(), event_id="sf-evt-5001")
        with httpx.Client(timeout=HANG) as http:
            first = http.post(url, content=body, headers=headers)
            assert first.status_code == 202, first.text
            inbound_id = first.json()["inbound_id"]
            poll(lambda: sim.orders() >= 1, "the sale order in Odoo", proc)

            retry = http.post(url, content=body, headers=headers)  # the same request again
            assert (retry.status_code, retry.json()) == (200, {"duplicate_of": inbound_id})
            fresh = sign(SECRET, body, time.time(), event_id="sf-evt-5001")
            resent = http.post(url, content=body, headers=fresh)
            assert (resent.status_code, resent.json()) == (200, {"duplicate_of": inbound_id})
            stale = sign(SECRET, body, time.time() - 3600, event_id="sf-evt-5001-replay")
            replay = http.post(url, content=body, headers=stale)
            assert replay.status_code == 401
            assert replay.json()["detail"].startswith("timestamp too old: possible replay")

        store = files.state_dir / "crossdock.sqlite3"
        poll(lambda: store_counts(store)["outbox"] == {"completed": 1}, "the delivery acked", proc)
        assert store_counts(store) == {
            "inbound": {"parsed": 1, "duplicate": 2},
            "documents": 1,
            "outbox": {"completed": 1},
        }
        [order] = sim.call("sale.order", "search_read", domain=[],
                           fields=["client_order_ref", "partner_id", "order_line"])  # fmt: skip
        assert order["client_order_ref"] == "SF-5001"
        assert _id(order["partner_id"]) == customer
        assert len(order["order_line"]) == 2
        assert sim.orders() == 1
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=HANG)
        sim.close()


def _id(value: Any) -> int:
    return int(value[0] if isinstance(value, list | tuple) else value)
