"""The simulator's exceptions, named and shaped as Odoo's (``odoo/exceptions.py``).

Each carries the dotted ``name`` Odoo puts in error bodies, the HTTP status JSON-2 answers
with, and Odoo's message. The protocol handlers turn them into the two error shapes; nothing
else in the simulator knows about HTTP.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AccessDenied",
    "AccessError",
    "LockError",
    "MissingError",
    "NotFound",
    "OdooException",
    "SessionExpired",
    "UserError",
    "ValidationError",
    "WrongArguments",
    "error_body",
]


class OdooException(Exception):
    """An error Odoo would report to an RPC client."""

    name = "odoo.exceptions.UserError"
    status = 422

    def __init__(self, message: str, *arguments: Any) -> None:
        super().__init__(message)
        self.message = message
        self.arguments = arguments or (message,)


class UserError(OdooException):
    name = "odoo.exceptions.UserError"
    status = 422


class ValidationError(OdooException):
    name = "odoo.exceptions.ValidationError"
    status = 422


class AccessError(OdooException):
    name = "odoo.exceptions.AccessError"
    status = 403


class AccessDenied(OdooException):
    name = "odoo.exceptions.AccessDenied"
    status = 403

    def __init__(self, message: str = "Access Denied") -> None:
        super().__init__(message)


class MissingError(OdooException):
    name = "odoo.exceptions.MissingError"
    status = 404


class LockError(OdooException):
    name = "odoo.exceptions.LockError"
    status = 409


class NotFound(OdooException):
    """An unknown model, method or route (werkzeug's 404)."""

    name = "werkzeug.exceptions.NotFound"
    status = 404


class WrongArguments(OdooException):
    """Arguments that do not fit the method: Python's TypeError/ValueError inside Odoo."""

    name = "builtins.TypeError"
    status = 422

    def __init__(self, message: str, *, value_error: bool = False) -> None:
        super().__init__(message)
        if value_error:
            self.name = "builtins.ValueError"


class SessionExpired(OdooException):
    name = "odoo.http.SessionExpiredException"
    status = 401

    def __init__(self, message: str = "Session expired") -> None:
        super().__init__(message)


def error_body(exc: OdooException) -> dict[str, Any]:
    """The JSON-2 error body, which is also JSON-RPC's ``error.data``."""
    return {
        "name": exc.name,
        "message": exc.message,
        "arguments": list(exc.arguments),
        "context": {},
        "debug": (
            "Traceback (most recent call last):\n"
            '  File "odoo/service/model.py", in retrying\n'
            f"{exc.name}: {exc.message}\n"
            "(raised by the crossdock Odoo simulator, a test double)"
        ),
    }
