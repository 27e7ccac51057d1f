"""Where Odoo is and how to log in: the settings of one Odoo endpoint, and its API key.

The API key is a value object that never shows itself: ``repr``, ``str`` and pickling give
nothing away, and only :meth:`ApiKey.reveal` returns it, called at the last moment where the
key is put on the wire (a header for JSON-2, the ``password`` argument for JSON-RPC). Anything
with a ``reveal() -> str`` method is accepted in its place, so the gateway's configuration
``Secret`` can be passed as it is, without the edge importing the gateway.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, NoReturn, Protocol, runtime_checkable

from contracts.errors import ConfigError

__all__ = ["ApiKey", "OdooProtocol", "OdooServer", "SupportsReveal"]

OdooProtocol = Literal["json2", "jsonrpc"]
ProtocolChoice = Literal["json2", "jsonrpc", "auto"]


@runtime_checkable
class SupportsReveal(Protocol):
    """A secret that gives its value only when asked by name."""

    def reveal(self) -> str: ...


class ApiKey:
    """An Odoo API key (or a JSON-RPC password) that stays out of logs, errors and reprs."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not value:
            raise ConfigError("the Odoo API key is empty", path="$.odoo.api_key")
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "ApiKey('[redacted]')"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        # A key that travels by pickle ends up in a queue or a file nobody meant it for.
        raise TypeError("an ApiKey cannot be pickled")


def _check_url(url: str) -> str:
    if not url.startswith(("http://", "https://")) or len(url.split("//", 1)[1]) == 0:
        raise ConfigError(
            f"the Odoo URL must be http:// or https://, got {url!r}", path="$.odoo.url"
        )
    return url.rstrip("/")


@dataclass(frozen=True, kw_only=True)
class OdooServer:
    """One Odoo endpoint: the base URL, the database, credentials and limits.

    ``protocol`` is ``"json2"`` (Odoo 19+), ``"jsonrpc"`` (Odoo 8-18) or ``"auto"``: ask
    ``GET /web/version`` and take JSON-2 from major version 19 on. ``login`` is needed for
    JSON-RPC only (JSON-2 knows the user from the key). ``timeout`` bounds each call end to
    end (connection, queueing for a pooled connection, sending, Odoo's work, reading);
    ``max_connections`` bounds how many calls are in flight at once, since Odoo itself has no
    rate limiter and a client that floods its workers slows every other user.
    """

    url: str
    database: str
    api_key: SupportsReveal = field(repr=False)
    login: str | None = None
    protocol: ProtocolChoice = "auto"
    timeout: float = 30.0
    max_connections: int = 8
    user_agent: str = "crossdock-odoo-client"

    def __post_init__(self) -> None:
        object.__setattr__(self, "url", _check_url(self.url))
        if not self.database:
            raise ConfigError("the Odoo database name is empty", path="$.odoo.database")
        if not isinstance(self.api_key, SupportsReveal):
            raise ConfigError(
                "the Odoo API key must be an ApiKey (or any object with reveal())",
                path="$.odoo.api_key",
            )
        if self.protocol not in ("json2", "jsonrpc", "auto"):
            raise ConfigError(f"unknown Odoo protocol {self.protocol!r}", path="$.odoo.protocol")
        if not self.timeout > 0:
            raise ConfigError("the Odoo timeout must be positive", path="$.odoo.timeout")
        if self.max_connections < 1:
            raise ConfigError(
                "at least one connection to Odoo is needed", path="$.odoo.max_connections"
            )

    def require_login(self) -> str:
        """The JSON-RPC login, or a ``ConfigError`` naming the key when it is missing."""
        if not self.login:
            raise ConfigError("JSON-RPC needs a login for Odoo", path="$.odoo.login")
        return self.login
