"""JSON-RPC as Odoo 8-18 speak it: ``/jsonrpc`` and the web client's JSON routes.

``POST /jsonrpc`` takes ``{"jsonrpc": "2.0", "method": "call", "params": {"service",
"method", "args"}, "id"}`` with the services ``common`` (``version``, ``login``,
``authenticate``), ``object`` (``execute``, ``execute_kw``) and ``db`` (``list``,
``server_version``). Every answer is HTTP 200; errors are
``{"error": {"code", "message": "Odoo Server Error", "data": {"name", "message",
"arguments", "context", "debug"}}}``, code 200 before Odoo 18, 0 from 18 on, 100 for an
expired session.

The web routes odoorpc and browsers use are JSON-RPC too: ``/web/webclient/version_info``,
``/web/session/authenticate`` (sets the ``session_id`` cookie), ``get_session_info``,
``destroy``, and ``/web/dataset/call_kw`` for model calls in a session.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

import msgspec

from ._asgi import Request
from ._calls import run_model_call
from ._exceptions import (
    AccessDenied,
    NotFound,
    OdooException,
    SessionExpired,
    WrongArguments,
    error_body,
)
from ._methods import User, call_kw

if TYPE_CHECKING:
    from ._sim import OdooSimulator

__all__ = ["JsonRpcAnswer", "handle_jsonrpc", "handle_web_json"]


class JsonRpcAnswer:
    def __init__(self, sim: OdooSimulator, request: Request, request_id: Any) -> None:
        self.sim = sim
        self.request = request
        self.request_id = request_id

    async def result(self, value: Any, headers: dict[str, str] | None = None) -> None:
        envelope = {"jsonrpc": "2.0", "id": self.request_id, "result": value}
        await self.request.send_json(200, envelope, headers)

    async def error(self, exc: OdooException) -> None:
        if isinstance(exc, SessionExpired):
            code, message = 100, "Odoo Session Expired"
        else:
            code, message = (0 if self.sim.major >= 18 else 200), "Odoo Server Error"
        envelope = {
            "jsonrpc": "2.0",
            "id": self.request_id,
            "error": {"code": code, "message": message, "data": error_body(exc)},
        }
        await self.request.send_json(200, envelope)


def _envelope(request: Request) -> tuple[Any, dict[str, Any]]:
    try:
        envelope = msgspec.json.decode(request.body)
    except msgspec.DecodeError:
        raise WrongArguments("Invalid JSON data") from None
    if not isinstance(envelope, dict):
        raise WrongArguments("Invalid JSON-RPC data: not an object")
    params = envelope.get("params") or {}
    if not isinstance(params, dict):
        raise WrongArguments("Invalid JSON-RPC data: params must be an object")
    return envelope.get("id"), params


def _unpack(args: Any, count: int, what: str) -> list[Any]:
    if not isinstance(args, list) or len(args) < count:
        raise WrongArguments(f"{what}() takes at least {count} arguments")
    return args


async def handle_jsonrpc(sim: OdooSimulator, request: Request) -> None:
    try:
        request_id, params = _envelope(request)
    except OdooException as exc:
        await JsonRpcAnswer(sim, request, None).error(exc)
        return
    answer = JsonRpcAnswer(sim, request, request_id)
    service, method = params.get("service"), params.get("method")
    args = params.get("args") or []
    try:
        if service == "common":
            await answer.result(_common(sim, str(method), args))
        elif service == "db":
            await answer.result(_db(sim, str(method)))
        elif service == "object":
            await _object(sim, request, answer, str(method), args)
        else:
            raise NotFound(f"No such RPC service: {service!r}")
    except OdooException as exc:
        await answer.error(exc)


def _common(sim: OdooSimulator, method: str, args: Any) -> Any:
    if method == "version":
        return sim.server_version()
    if method in ("login", "authenticate"):
        database, login, secret = _unpack(args, 3, method)[:3]
        user = sim.authenticate(database, login, secret)
        return user.uid if user is not None else False
    if method == "about":
        return "See http://openerp.com"
    raise NotFound(f"The method 'common.{method}' does not exist")


def _db(sim: OdooSimulator, method: str) -> Any:
    if method == "list":
        return [sim.database]
    if method == "server_version":
        return sim.version
    raise NotFound(f"The method 'db.{method}' does not exist")


async def _object(
    sim: OdooSimulator, request: Request, answer: JsonRpcAnswer, method: str, args: Any
) -> None:
    if method == "execute_kw":
        database, uid, secret, model, name = _unpack(args, 5, method)[:5]
        positional = args[5] if len(args) > 5 else []
        named = args[6] if len(args) > 6 else {}
    elif method == "execute":
        database, uid, secret, model, name = _unpack(args, 5, method)[:5]
        positional, named = list(args[5:]), {}
    else:
        raise NotFound(f"The method 'object.{method}' does not exist")
    user = sim.check_uid(database, uid, secret)
    if user is None:
        raise AccessDenied()
    if not isinstance(model, str) or not isinstance(name, str):
        raise WrongArguments("model and method are names")
    if not isinstance(positional, list) or not isinstance(named, dict):
        raise WrongArguments("execute_kw takes a list of arguments and a dict of keywords")
    await run_model_call(
        sim,
        request,
        answer,
        protocol="jsonrpc",
        model=model,
        method=name,
        uid=user.uid,
        run=lambda: call_kw(sim.db, user, model, name, positional, named),
    )


# -- the web client's JSON routes --------------------------------------------------------


def _session_info(sim: OdooSimulator, user: User, session_id: str) -> dict[str, Any]:
    context = {"lang": "en_US", "tz": "Europe/Brussels", "uid": user.uid}
    partner = sim.db.table("res.users")[user.uid]["partner_id"]
    return {
        "uid": user.uid,
        "is_system": user.uid == 2,
        "is_admin": user.uid == 2,
        "user_context": context,
        "db": sim.database,
        "server_version": sim.version,
        "server_version_info": sim.version_info(),
        "name": user.name,
        "username": user.login,
        "partner_display_name": sim.db.display_name("res.partner", partner),
        "company_id": 1,
        "partner_id": partner,
        "session_id": session_id,
    }


async def handle_web_json(sim: OdooSimulator, request: Request) -> None:
    try:
        request_id, params = _envelope(request)
    except OdooException as exc:
        await JsonRpcAnswer(sim, request, None).error(exc)
        return
    answer = JsonRpcAnswer(sim, request, request_id)
    path = request.path
    session_id = request.cookies.get("session_id", "")
    try:
        if path == "/web/webclient/version_info":
            await answer.result(sim.server_version())
        elif path == "/web/session/authenticate":
            user = sim.authenticate(params.get("db"), params.get("login"), params.get("password"))
            if user is None:
                raise AccessDenied()
            session_id = secrets.token_hex(20)
            sim.sessions[session_id] = user.uid
            cookie = f"session_id={session_id}; Path=/; HttpOnly; SameSite=Lax"
            await answer.result(_session_info(sim, user, session_id), {"Set-Cookie": cookie})
        elif path == "/web/session/get_session_info":
            await answer.result(_session_info(sim, _session_user(sim, session_id), session_id))
        elif path == "/web/session/destroy":
            sim.sessions.pop(session_id, None)
            await answer.result(None)
        elif path == "/web/dataset/call_kw" or path.startswith("/web/dataset/call_kw/"):
            user = _session_user(sim, session_id)
            model, method = str(params.get("model")), str(params.get("method"))
            args, kwargs = params.get("args") or [], params.get("kwargs") or {}
            await run_model_call(
                sim,
                request,
                answer,
                protocol="web",
                model=model,
                method=method,
                uid=user.uid,
                run=lambda: call_kw(sim.db, user, model, method, args, kwargs),
            )
        else:
            raise NotFound(f"No JSON route {path}")
    except OdooException as exc:
        await answer.error(exc)


def _session_user(sim: OdooSimulator, session_id: str) -> User:
    uid = sim.sessions.get(session_id)
    if uid is None or uid not in sim.users:
        raise SessionExpired()
    return sim.users[uid]
