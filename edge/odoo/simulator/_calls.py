"""One model call through the fault injector, whichever protocol brought it.

The protocol handlers say how to answer (:class:`Answer`); this module decides what happens:
a fault before the call (nothing applied), the call itself in its transaction, or the call
applied and its answer lost. Every call is logged in ``sim.calls``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

import trio

from ._asgi import Request
from ._exceptions import LockError, OdooException, SessionExpired, error_body
from ._faults import FaultKind
from ._sim import CallRecord

if TYPE_CHECKING:
    from ._sim import OdooSimulator

__all__ = ["Answer", "Conflict", "lock_error", "run_model_call"]


class Answer(Protocol):
    """How one protocol answers a call: a result, or an Odoo error in its shape."""

    async def result(self, value: Any) -> None: ...

    async def error(self, exc: OdooException) -> None: ...


class Conflict(OdooException):
    """A serialization failure as JSON-RPC servers report it (name set per version)."""

    status = 409

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


def lock_error(protocol: str, major: int) -> OdooException:
    if protocol == "json2":
        return LockError(
            "Could not obtain a lock on the record: it is being modified by "
            "another transaction. Please try again."
        )
    if major >= 18:
        return Conflict(
            "odoo.exceptions.ConcurrencyError",
            "could not serialize access due to concurrent update",
        )
    return Conflict(
        "psycopg2.errors.SerializationFailure",
        "could not serialize access due to concurrent update",
    )


def _seconds(value: float) -> str:
    return f"{value:g}"


async def run_model_call(
    sim: OdooSimulator,
    request: Request,
    answer: Answer,
    *,
    protocol: str,
    model: str,
    method: str,
    uid: int | None,
    run: Callable[[], Any],
) -> None:
    def log(outcome: str) -> None:
        sim.calls.append(CallRecord(protocol, model, method, uid, outcome))

    faults = sim.faults
    fault = faults.pick(model, method)
    if faults.latency:
        await trio.sleep(faults.latency)
    if fault is not None and fault is not FaultKind.DROP_AFTER_COMMIT:
        log(f"fault:{fault}")
        if fault is FaultKind.TIMEOUT:
            await request.hold_until_disconnect()
        elif fault is FaultKind.ERROR_5XX:
            await request.send_html(
                faults.error_status, "The server is temporarily unable to serve your request."
            )
        elif fault is FaultKind.RATE_LIMIT:
            await request.send_html(
                429,
                "Too many requests: slow down.",
                {"Retry-After": _seconds(faults.retry_after)},
            )
        elif fault is FaultKind.LOCK:
            await answer.error(lock_error(protocol, sim.major))
        else:
            await answer.error(SessionExpired())
        return
    failure: OdooException | None = None
    value: Any = None
    try:
        value = run()
    except OdooException as exc:
        failure = exc
    outcome = "ok" if failure is None else failure.name
    if fault is FaultKind.DROP_AFTER_COMMIT:
        log(f"{outcome} (committed), fault:{fault}")
        if faults.drop_mode == "abort":
            await request.abort(value if failure is None else error_body(failure))
        else:
            await request.send_html(502, "The upstream server closed the connection.")
        return
    log(outcome)
    if failure is not None:
        await answer.error(failure)
    else:
        await answer.result(value)
