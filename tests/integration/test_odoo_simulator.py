"""The Odoo simulator's own surface: raw protocol shapes, control endpoints, the CLI entry."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import trio

from edge.odoo.simulator import FaultKind, Faults, OdooSimulator, serve_simulator

KEY = "sim-key-0123456789"
REPO = Path(__file__).resolve().parents[2]


async def started(nursery: trio.Nursery, sim: OdooSimulator) -> str:
    url: str = await nursery.start(serve_simulator, sim)
    assert url.startswith("http://127.0.0.1:") and not url.endswith(":0")
    return url


def rpc(service: str, method: str, *args: Any) -> dict[str, Any]:
    return {
        "jsonrpc": "2.0",
        "method": "call",
        "id": 1,
        "params": {"service": service, "method": method, "args": list(args)},
    }


async def test_json2_shapes(nursery: trio.Nursery) -> None:
    url = await started(nursery, OdooSimulator(api_key=KEY))
    auth = {"Authorization": f"bearer {KEY}", "X-Odoo-Database": "crossdock"}
    async with httpx.AsyncClient(base_url=url) as http:
        version = (await http.get("/web/version")).json()
        assert version == {"version_info": [19, 0, 0, "final", 0, ""], "version": "19.0"}
        answer = await http.post("/json/2/res.users/context_get", json={}, headers=auth)
        assert answer.status_code == 200 and answer.json()["uid"] == 2
        answer = await http.post(
            "/json/2/res.partner/search_read",
            headers=auth,
            json={"domain": [["is_company", "=", True], ["ref", "=", "ACME"]], "fields": ["name"]},
        )
        assert [row["name"] for row in answer.json()] == ["Acme Retail"]
        answer = await http.post(
            "/json/2/res.partner/create",
            headers=auth,
            json={"vals_list": [{"name": "A"}, {"name": "B"}]},
        )
        assert len(answer.json()) == 2

        cases = [
            (
                {"Authorization": "bearer nope"},
                "res.partner/search",
                {},
                401,
                "werkzeug.exceptions.Unauthorized",
            ),
            (
                {**auth, "X-Odoo-Database": "other"},
                "res.partner/search",
                {},
                404,
                "werkzeug.exceptions.NotFound",
            ),
            (auth, "no.such.model/search", {}, 404, "werkzeug.exceptions.NotFound"),
            (auth, "res.partner/no_such_method", {}, 404, "werkzeug.exceptions.NotFound"),
            (auth, "res.partner/search", {"ids": [1]}, 422, "builtins.TypeError"),
            (auth, "res.partner/search", {"bogus": 1}, 422, "builtins.TypeError"),
            (auth, "res.partner/read", {"ids": [999999]}, 404, "odoo.exceptions.MissingError"),
            (
                auth,
                "sale.order/create",
                {"vals_list": [{}]},
                422,
                "odoo.exceptions.ValidationError",
            ),
            (auth, "sale.order/action_confirm", {"ids": []}, 200, None),
        ]
        for headers, path, body, status, name in cases:
            answer = await http.post(f"/json/2/{path}", headers=headers, json=body)
            assert answer.status_code == status, (path, answer.text)
            if name:
                assert answer.json()["name"] == name
                assert {"message", "arguments", "context", "debug"} <= set(answer.json())
        answer = await http.post("/json/2/res.partner/search", headers=auth, content=b"{}")
        assert answer.status_code == 415  # no Content-Type: refused
        answer = await http.post(
            "/json/2/res.partner/search",
            headers={**auth, "Content-Type": "application/json"},
            content=b"[1, 2]",
        )
        assert answer.status_code == 400


async def test_jsonrpc_shapes(nursery: trio.Nursery) -> None:
    url = await started(nursery, OdooSimulator(api_key=KEY, protocol="jsonrpc"))
    async with httpx.AsyncClient(base_url=url) as http:

        async def call(payload: dict[str, Any]) -> dict[str, Any]:
            answer = await http.post("/jsonrpc", json=payload)
            assert answer.status_code == 200
            data: dict[str, Any] = answer.json()
            return data

        version = (await call(rpc("common", "version")))["result"]
        assert version["server_version"] == "17.0"
        assert (await call(rpc("common", "login", "crossdock", "admin", "admin")))["result"] == 2
        assert (await call(rpc("common", "authenticate", "crossdock", "admin", KEY, {})))[
            "result"
        ] == 2
        assert (await call(rpc("common", "login", "crossdock", "admin", "bad")))["result"] is False
        ids = (
            await call(
                rpc(
                    "object",
                    "execute_kw",
                    "crossdock",
                    2,
                    KEY,
                    "res.partner",
                    "search",
                    [[["ref", "=", "ACME"]]],
                    {"limit": 1},
                )
            )
        )["result"]
        assert len(ids) == 1
        names = (
            await call(
                rpc(
                    "object",
                    "execute",
                    "crossdock",
                    2,
                    "admin",
                    "res.partner",
                    "read",
                    ids,
                    ["name"],
                )
            )
        )["result"]
        assert names == [{"id": ids[0], "name": "Acme Retail"}]
        denied = await call(
            rpc("object", "execute_kw", "crossdock", 2, "bad", "res.partner", "search", [[]])
        )
        assert denied["error"]["data"]["name"] == "odoo.exceptions.AccessDenied"
        assert denied["error"]["code"] == 200 and denied["error"]["message"] == "Odoo Server Error"
        invalid = await call(
            rpc("object", "execute_kw", "crossdock", 2, KEY, "sale.order", "create", [{}])
        )
        assert invalid["error"]["data"]["name"] == "odoo.exceptions.ValidationError"
        assert (await http.post("/json/2/res.partner/search", json={})).status_code == 404


async def test_control_endpoints(nursery: trio.Nursery) -> None:
    sim = OdooSimulator(api_key=KEY)
    url = await started(nursery, sim)
    auth = {"Authorization": f"bearer {KEY}"}
    async with httpx.AsyncClient(base_url=url) as http:
        state = (await http.get("/__sim__/state")).json()
        partners = state["counts"]["res.partner"]
        await http.post(
            "/json/2/res.partner/create", headers=auth, json={"vals_list": {"name": "X"}}
        )
        assert (await http.get("/__sim__/state")).json()["counts"]["res.partner"] == partners + 1

        update = {
            "rates": {"error_5xx": 1.0},
            "error_status": 502,
            "seed": 3,
            "schedule": [{"kind": "rate_limit", "method": "search_count", "times": 1}],
            "retry_after": 9,
        }
        faults = (await http.post("/__sim__/faults", json=update)).json()
        assert faults["rates"] == {"error_5xx": 1.0} and faults["schedule"][0]["times"] == 1
        limited = await http.post("/json/2/res.partner/search_count", headers=auth, json={})
        assert limited.status_code == 429 and limited.headers["retry-after"] == "9"
        failed = await http.post("/json/2/res.partner/search_count", headers=auth, json={})
        assert failed.status_code == 502 and "text/html" in failed.headers["content-type"]
        assert (await http.get("/web/version")).status_code == 200  # never faulted
        assert (await http.get("/__sim__/faults")).json()["injected"] == {
            "rate_limit": 1,
            "error_5xx": 1,
        }
        bad = await http.post("/__sim__/faults", json={"rates": {"error_5xx": 2}})
        assert bad.status_code == 400
        bad = await http.post("/__sim__/faults", json={"nonsense": True})
        assert bad.status_code == 400
        cleared = (await http.delete("/__sim__/faults")).json()
        assert cleared["rates"] == {} and cleared["schedule"] == []

        await http.post("/__sim__/reset")
        assert (await http.get("/__sim__/state")).json()["counts"]["res.partner"] == partners


async def test_rates_are_deterministic_for_a_seed(nursery: trio.Nursery) -> None:
    outcomes = []
    for _ in range(2):
        faults = Faults(rates={FaultKind.ERROR_5XX: 0.3, FaultKind.LOCK: 0.3}, seed=42)
        sim = OdooSimulator(api_key=KEY, faults=faults)
        url = await started(nursery, sim)
        async with httpx.AsyncClient(base_url=url) as http:
            statuses = [
                (
                    await http.post(
                        "/json/2/res.partner/search_count",
                        json={},
                        headers={"Authorization": f"bearer {KEY}"},
                    )
                ).status_code
                for _ in range(20)
            ]
        outcomes.append(statuses)
    assert outcomes[0] == outcomes[1]
    assert {200, 409, 503} <= set(outcomes[0])


def test_cli_entry_prints_where_it_listens_and_stops_on_sigterm() -> None:
    code = (
        "import sys; from edge.odoo.simulator import run_simulator_cli; "
        "sys.exit(run_simulator_cli(port=0, protocol='jsonrpc'))"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("Odoo simulator (a test double) listening on http://127.0.0.1:")
        url = first.rsplit(" ", 1)[1].strip()
        lines = [process.stdout.readline() for _ in range(2)]
        assert "protocol jsonrpc" in lines[0] and "database 'crossdock'" in lines[0]
        key = lines[1].split(":", 1)[1].strip()
        assert len(key) == 40
        answer = httpx.post(
            f"{url}/jsonrpc", json=rpc("common", "login", "crossdock", "admin", key)
        )
        assert answer.json()["result"] == 2
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
        assert "stopped" in process.stdout.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.parametrize("protocol", ["json2", "jsonrpc"])
async def test_protocols_not_served_answer_404(nursery: trio.Nursery, protocol: str) -> None:
    served = "jsonrpc" if protocol == "json2" else "json2"
    url = await started(nursery, OdooSimulator(api_key=KEY, protocol=served))  # type: ignore[arg-type]
    async with httpx.AsyncClient(base_url=url) as http:
        if protocol == "json2":
            answer = await http.post(
                "/json/2/res.partner/search", json={}, headers={"Authorization": f"bearer {KEY}"}
            )
        else:
            answer = await http.post("/jsonrpc", json=rpc("common", "version"))
    assert answer.status_code == 404
