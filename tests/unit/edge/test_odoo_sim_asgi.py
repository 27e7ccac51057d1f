"""The simulator's ASGI app driven in process: latency, held requests, cut answers, lifespan.

No server and no sockets: the test plays the ASGI server, so trio's autojump clock can stand
in for real time.
"""

from __future__ import annotations

import json
from typing import Any

import trio
import trio.testing

from edge.odoo.simulator import OdooSimulator
from edge.odoo.simulator._app import SimulatorApp

KEY = "asgi-key"
AUTH = {"authorization": f"bearer {KEY}", "content-type": "application/json"}


class Exchange:
    """One request through the app; ``disconnect`` is the client leaving."""

    def __init__(self, method: str, path: str, body: Any = None, headers: Any = None) -> None:
        self.scope = {
            "type": "http",
            "method": method,
            "path": path,
            "headers": [(k.encode(), v.encode()) for k, v in (headers or {}).items()],
        }
        self.body = json.dumps(body).encode() if body is not None else b""
        self.sent: list[dict[str, Any]] = []
        self.disconnect = trio.Event()
        self._body_read = False

    async def receive(self) -> dict[str, Any]:
        if not self._body_read:
            self._body_read = True
            return {"type": "http.request", "body": self.body, "more_body": False}
        await self.disconnect.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)

    async def run(self, app: SimulatorApp) -> None:
        await app(self.scope, self.receive, self.send)

    @property
    def status(self) -> int:
        return int(self.sent[0]["status"])

    @property
    def payload(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.sent[1:])


def create_partner() -> Exchange:
    return Exchange("POST", "/json/2/res.partner/create", {"vals_list": {"name": "N"}}, AUTH)


async def test_latency_delays_the_answer(autojump_clock: trio.testing.MockClock) -> None:
    sim = OdooSimulator(api_key=KEY)
    sim.faults.latency = 2.5
    exchange = create_partner()
    start = trio.current_time()
    await exchange.run(SimulatorApp(sim))
    assert trio.current_time() - start == 2.5
    assert exchange.status == 200


async def test_a_timeout_fault_holds_the_request_until_the_client_leaves() -> None:
    sim = OdooSimulator(api_key=KEY)
    sim.faults.schedule("timeout")
    before = sim.count("res.partner")
    exchange = create_partner()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(exchange.run, SimulatorApp(sim))
        await trio.testing.wait_all_tasks_blocked()
        assert exchange.sent == []  # nothing answered while the client waits
        exchange.disconnect.set()
    assert exchange.sent == []
    assert sim.count("res.partner") == before  # and nothing applied
    assert [c.outcome for c in sim.calls] == ["fault:timeout"]


async def test_drop_after_commit_applies_then_cuts_the_body() -> None:
    sim = OdooSimulator(api_key=KEY)
    sim.faults.schedule("drop_after_commit")
    before = sim.count("res.partner")
    exchange = create_partner()
    await exchange.run(SimulatorApp(sim))
    declared = dict(exchange.sent[0]["headers"])[b"content-length"]
    assert int(declared) > len(exchange.payload)
    assert exchange.sent[-1]["more_body"] is True  # the answer never finished
    assert sim.count("res.partner") == before + 1


async def test_drop_after_commit_as_a_502_page() -> None:
    sim = OdooSimulator(api_key=KEY)
    sim.faults.drop_mode = "502"
    sim.faults.schedule("drop_after_commit")
    exchange = create_partner()
    await exchange.run(SimulatorApp(sim))
    assert exchange.status == 502 and b"<title>502 Bad Gateway</title>" in exchange.payload


async def test_lifespan_is_answered() -> None:
    messages = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return next(messages)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await SimulatorApp(OdooSimulator(api_key=KEY))({"type": "lifespan"}, receive, send)
    assert [m["type"] for m in sent] == [
        "lifespan.startup.complete",
        "lifespan.shutdown.complete",
    ]


async def test_unknown_routes_are_werkzeug_404_pages() -> None:
    exchange = Exchange("GET", "/odoo/whatever")
    await exchange.run(SimulatorApp(OdooSimulator(api_key=KEY)))
    assert exchange.status == 404 and b"<h1>Not Found</h1>" in exchange.payload
