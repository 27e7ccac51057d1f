"""The simulator's ASGI application: routes, and the control endpoints of the test double.

Odoo's routes: ``GET /web/version``, the JSON-RPC routes of :mod:`._rpc` and JSON-2's
``/json/2/<model>/<method>`` (:mod:`._json2`); a protocol the simulator is not configured
to serve answers 404, as a server of another version would.

Control (not Odoo's; no authentication: the simulator binds to loopback):

- ``GET /__sim__/state``: counts per model, calls served, logins, fault settings;
- ``POST /__sim__/reset``: a fresh (re-seeded) database and no faults;
- ``GET /__sim__/faults``; ``POST`` / ``PUT`` a :class:`FaultUpdate` (JSON) to change them
  (``schedule`` entries are added); ``DELETE`` to clear them.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import msgspec

from ._asgi import Receive, Request, Scope, Send
from ._faults import FaultUpdate
from ._json2 import handle_json2
from ._rpc import handle_jsonrpc, handle_web_json

if TYPE_CHECKING:
    from ._sim import OdooSimulator

__all__ = ["SimulatorApp"]

_JSON2 = re.compile(r"^/json/2/(?P<model>[a-z0-9_.]+)/(?P<method>[A-Za-z0-9_]+)$")
_WEB_JSON = ("/web/webclient/version_info", "/web/session/", "/web/dataset/call_kw")


class SimulatorApp:
    """ASGI 3 application serving one :class:`OdooSimulator`."""

    def __init__(self, sim: OdooSimulator) -> None:
        self.sim = sim

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        request = Request(scope, receive, send)
        if not await request.read_body():
            return
        await self.route(request)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def route(self, request: Request) -> None:
        sim, path, verb = self.sim, request.path, request.method
        if path.startswith("/__sim__/"):
            await self.control(request)
        elif path == "/web/version" and verb == "GET":
            info = sim.version_info()
            await request.send_json(200, {"version_info": info, "version": sim.version})
        elif (found := _JSON2.match(path)) and sim.serves_json2:
            await handle_json2(sim, request, found["model"], found["method"])
        elif path == "/jsonrpc" and verb == "POST" and sim.serves_jsonrpc:
            await handle_jsonrpc(sim, request)
        elif path.startswith(_WEB_JSON) and verb == "POST":
            await handle_web_json(sim, request)
        else:
            await request.send_html(
                404,
                "The requested URL was not found on the server. If you entered the URL "
                "manually please check your spelling and try again.",
            )

    async def control(self, request: Request) -> None:
        sim, path, verb = self.sim, request.path, request.method
        if path == "/__sim__/state" and verb == "GET":
            await request.send_json(200, sim.state())
        elif path == "/__sim__/reset" and verb == "POST":
            sim.reset()
            sim.faults.clear()
            await request.send_json(200, sim.state())
        elif path == "/__sim__/faults" and verb == "GET":
            await request.send_json(200, sim.faults.snapshot())
        elif path == "/__sim__/faults" and verb in ("POST", "PUT"):
            try:
                update = msgspec.json.decode(request.body or b"{}", type=FaultUpdate)
            except msgspec.ValidationError as exc:
                await request.send_json(400, {"error": str(exc)})
                return
            except msgspec.DecodeError as exc:
                await request.send_json(400, {"error": f"not JSON: {exc}"})
                return
            sim.faults.apply(update)
            await request.send_json(200, sim.faults.snapshot())
        elif path == "/__sim__/faults" and verb == "DELETE":
            sim.faults.clear()
            await request.send_json(200, sim.faults.snapshot())
        else:
            await request.send_json(404, {"error": f"no control endpoint {verb} {path}"})
