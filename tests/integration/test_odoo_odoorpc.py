"""odoorpc, unmodified, against the Odoo simulator (a test double) over JSON-RPC.

odoorpc is a synchronous client (urllib), so the simulator runs in a thread under its own
``trio.run`` and the test drives odoorpc from its own thread. At login odoorpc asks
``/web/webclient/version_info``, then (Odoo 10+) ``common.login`` and
``object.execute res.users.context_get``, or (before 10) ``/web/session/authenticate``;
opening a model asks ``fields_get``, and browsing reads with ``load='_classic_write'``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import odoorpc
import pytest

from edge.odoo.simulator import OdooSimulator, simulator_in_thread


def connect(url: str) -> odoorpc.ODOO:
    parts = urlsplit(url)
    return odoorpc.ODOO(parts.hostname, protocol="jsonrpc", port=parts.port, timeout=20)


def test_odoorpc_logs_in_reads_creates_writes_and_reads_back() -> None:
    sim = OdooSimulator(api_key="odoorpc-key", protocol="jsonrpc", version="17.0")
    with simulator_in_thread(sim) as url:
        odoo = connect(url)
        assert odoo.version == "17.0"
        odoo.login("crossdock", "admin", "admin")
        assert odoo.env.uid == 2
        assert odoo.env.context["lang"] == "en_US"
        assert odoo.env.user.name == "Mitchell Admin"

        Partner = odoo.env["res.partner"]
        companies = Partner.search_read([("is_company", "=", True)], ["name", "city"])
        assert {"name": "Acme Retail", "city": "Chicago"} in [
            {k: row[k] for k in ("name", "city")} for row in companies
        ]

        new_id = Partner.create(
            {"name": "Northwind Traders", "is_company": True, "city": "Seattle"}
        )
        assert isinstance(new_id, int)
        Partner.write([new_id], {"email": "buyer@northwind.example.com", "city": "Tacoma"})
        [row] = Partner.read([new_id], ["name", "city", "email", "is_company"])
        assert row == {
            "id": new_id,
            "name": "Northwind Traders",
            "city": "Tacoma",
            "email": "buyer@northwind.example.com",
            "is_company": True,
        }

        record = Partner.browse(new_id)  # reads through fields_get and _classic_write
        assert record.name == "Northwind Traders"
        record.street = "1 Harbor Way"  # odoorpc's auto-commit: a write call
        assert Partner.read([new_id], ["street"])[0]["street"] == "1 Harbor Way"
        assert odoo.env.ref("sim.partner_acme").name == "Acme Retail"
        assert "sale.order" in odoo.env

        with pytest.raises(odoorpc.error.RPCError) as caught:
            Partner.create({"city": "nameless"})
        assert caught.value.info["data"]["name"] == "odoo.exceptions.ValidationError"
        odoo.logout()
    assert sim.count("res.partner", [("name", "=", "Northwind Traders")]) == 1


def test_odoorpc_with_the_api_key_as_password() -> None:
    sim = OdooSimulator(api_key="odoorpc-key", protocol="jsonrpc")
    with simulator_in_thread(sim) as url:
        odoo = connect(url)
        odoo.login("crossdock", "admin", "odoorpc-key")
        assert odoo.env["product.product"].search_count([("default_code", "=like", "WID-%")]) == 2
        with pytest.raises(odoorpc.error.RPCError, match="Wrong login ID or password"):
            connect(url).login("crossdock", "admin", "wrong")


def test_odoorpc_before_odoo_10_uses_a_web_session() -> None:
    sim = OdooSimulator(api_key="odoorpc-key", protocol="jsonrpc", version="9.0")
    with simulator_in_thread(sim) as url:
        odoo = connect(url)
        odoo.login("crossdock", "admin", "admin")
        assert odoo.env.context["uid"] == 2
        assert odoo.env["res.partner"].search([("name", "=", "Acme Retail")])
        assert odoo.logout() is True
    assert sim.sessions == {}  # /web/session/destroy ended the session
