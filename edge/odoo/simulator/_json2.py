"""JSON-2 as Odoo 19 speaks it: ``POST /json/2/<model>/<method>``.

The checks come in Odoo's order, each with its status: the bearer API key (401), the
database header when sent (404 for another database), ``Content-Type: application/json``
(415), a JSON object body (400), the model and method (404), ids on a model-level method or
arguments that do not fit (422), then the call; its errors carry their own status (422
UserError / ValidationError, 403 AccessError, 404 MissingError, 409 LockError). Success is
HTTP 200 with the bare JSON result.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec

from ._asgi import Request
from ._calls import run_model_call
from ._exceptions import NotFound, OdooException, error_body
from ._methods import call_named

if TYPE_CHECKING:
    from ._sim import OdooSimulator

__all__ = ["Json2Answer", "handle_json2"]


class Json2Answer:
    def __init__(self, request: Request) -> None:
        self.request = request

    async def result(self, value: Any) -> None:
        await self.request.send_json(200, value)

    async def error(self, exc: OdooException) -> None:
        await self.request.send_json(exc.status, error_body(exc))


def _plain_error(name: str, message: str) -> dict[str, Any]:
    return {"name": name, "message": message, "arguments": [message], "context": {}, "debug": ""}


async def handle_json2(sim: OdooSimulator, request: Request, model: str, method: str) -> None:
    if request.method != "POST":
        await request.send_html(405, "The method is not allowed for the requested URL.")
        return
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    user = sim.user_for_key(token.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        await request.send_json(
            401, _plain_error("werkzeug.exceptions.Unauthorized", "Invalid apikey")
        )
        return
    database = request.headers.get("x-odoo-database")
    if database is not None and database != sim.database:
        await request.send_json(
            404, _plain_error("werkzeug.exceptions.NotFound", f"database {database!r} not found")
        )
        return
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        await request.send_html(415, "Content-Type must be application/json.")
        return
    try:
        body = msgspec.json.decode(request.body) if request.body else {}
    except msgspec.DecodeError:
        body = None
    if not isinstance(body, dict):
        await request.send_json(
            400, _plain_error("werkzeug.exceptions.BadRequest", "the body must be a JSON object")
        )
        return
    answer = Json2Answer(request)
    try:
        sim.db.model(model)
    except NotFound as exc:
        await answer.error(exc)
        return
    await run_model_call(
        sim,
        request,
        answer,
        protocol="json2",
        model=model,
        method=method,
        uid=user.uid,
        run=lambda: call_named(sim.db, user, model, method, body),
    )
