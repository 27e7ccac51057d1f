"""The Odoo simulator: a test double of Odoo's external API, named as such everywhere.

One :class:`OdooSimulator` is one Odoo server with one database: its ORM, its users and API
keys, its fault settings and a log of the model calls it served. Serve it over HTTP with
:func:`edge.odoo.simulator.serve_simulator`; tests may also look at it directly (``sim.db``,
:meth:`count`, :meth:`call`) since it lives in their process.

Users: ``__system__`` (uid 1, cannot log in) and ``admin`` / ``admin`` (uid 2), whose API key
is given or generated. An API key works as JSON-2's bearer token and as JSON-RPC's password,
as in Odoo. :meth:`add_user` adds more, e.g. a read-only bot user to provoke AccessError.
"""

from __future__ import annotations

import secrets
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from ._business import install_hooks
from ._faults import Faults
from ._methods import User, call_kw
from ._orm import Database
from ._seed import seed_base, seed_demo

__all__ = ["CallRecord", "OdooSimulator", "ProtocolChoice"]

ProtocolChoice = Literal["json2", "jsonrpc", "both"]


@dataclass(frozen=True)
class CallRecord:
    """One model call the simulator received: which protocol, what, and what it did."""

    protocol: str
    model: str
    method: str
    uid: int | None
    outcome: str  # "ok", an Odoo error name, or "fault:<kind>"


class OdooSimulator:
    def __init__(
        self,
        *,
        database: str = "crossdock",
        api_key: str | None = None,
        protocol: ProtocolChoice = "both",
        version: str | None = None,
        login: str = "admin",
        password: str = "admin",
        seed_data: bool = True,
        faults: Faults | None = None,
        clock: Callable[[], str] | None = None,
    ) -> None:
        if protocol not in ("json2", "jsonrpc", "both"):
            raise ValueError(f"protocol is json2, jsonrpc or both, not {protocol!r}")
        self.database = database
        self.protocol: ProtocolChoice = protocol
        self.version = version or ("17.0" if protocol == "jsonrpc" else "19.0")
        self.major = int(self.version.split("~")[-1].split(".")[0])
        self.key_generated = api_key is None
        self.api_key = api_key or secrets.token_hex(20)
        self.seed_data = seed_data
        self.faults = faults or Faults()
        self.calls: deque[CallRecord] = deque(maxlen=10_000)
        self.authentications = 0
        self.sessions: dict[str, int] = {}
        self._admin = (login, password)
        self.users: dict[int, User] = {}
        self.clock = clock
        """Odoo's ``now()`` as ``YYYY-MM-DD HH:MM:SS`` (None: the wall clock in UTC). Tests
        pin it to write many records in one second, as a busy server does."""
        self.db = Database()
        self.reset()

    def __repr__(self) -> str:
        return (
            f"OdooSimulator(database={self.database!r}, version={self.version!r}, "
            f"protocol={self.protocol!r})"
        )

    # -- protocols -----------------------------------------------------------------------

    @property
    def serves_json2(self) -> bool:
        return self.protocol in ("json2", "both") and self.major >= 19

    @property
    def serves_jsonrpc(self) -> bool:
        return self.protocol in ("jsonrpc", "both")

    def version_info(self) -> list[Any]:
        parts = self.version.split("~")[-1].split(".")
        major = int(parts[0])
        minor = int(parts[1]) if len(parts) > 1 else 0
        return [major, minor, 0, "final", 0, ""]

    def server_version(self) -> dict[str, Any]:
        """``common.version`` and ``/web/webclient/version_info``."""
        return {
            "server_version": self.version,
            "server_version_info": self.version_info(),
            "server_serie": self.version,
            "protocol_version": 1,
        }

    # -- users and keys ------------------------------------------------------------------

    def reset(self) -> None:
        """A fresh database (seeded as configured); users and keys are kept."""
        self.db = Database() if self.clock is None else Database(now=self.clock)
        install_hooks(self.db)
        seed_base(self.db)
        if self.seed_data:
            seed_demo(self.db)
        self.sessions.clear()
        if not self.users:
            login, password = self._admin
            self.users[1] = User(1, "__system__", secrets.token_hex(16), "OdooBot")
            self.users[2] = User(2, login, password, "Mitchell Admin", api_keys={self.api_key})
            self.db.write("res.users", [2], {"login": login})
        else:
            for user in self.users.values():
                if user.uid > 2:
                    self._user_record(user)

    def _user_record(self, user: User) -> None:
        partner = self.db.create("res.partner", {"name": user.name})
        record = self.db.create(
            "res.users", {"name": user.name, "login": user.login, "partner_id": partner}
        )
        if record != user.uid:
            raise RuntimeError(f"user {user.login} got id {record}, expected {user.uid}")

    def add_user(
        self,
        login: str,
        *,
        password: str | None = None,
        api_key: str | None = None,
        read_only: bool = False,
        name: str | None = None,
    ) -> User:
        """A new user; ``read_only`` users get AccessError on anything but reading."""
        uid = max(self.db.table("res.users")) + 1
        user = User(
            uid,
            login,
            password or secrets.token_hex(16),
            name or login.title(),
            read_only=read_only,
            api_keys={api_key} if api_key else set(),
        )
        self._user_record(user)
        self.users[uid] = user
        return user

    def revoke_api_key(self, key: str) -> None:
        for user in self.users.values():
            user.api_keys.discard(key)

    def user_for_key(self, key: str) -> User | None:
        for user in self.users.values():
            if user.uid != 1 and key in user.api_keys:
                return user
        return None

    def authenticate(self, database: Any, login: Any, secret: Any) -> User | None:
        """A login with a password or an API key, on this database; None when refused."""
        self.authentications += 1
        if database != self.database or not isinstance(secret, str):
            return None
        for user in self.users.values():
            if (
                user.uid != 1
                and user.login == login
                and (secret == user.password or secret in user.api_keys)
            ):
                return user
        return None

    def check_uid(self, database: Any, uid: Any, secret: Any) -> User | None:
        """``execute_kw``'s credentials: uid plus password or key."""
        user = self.users.get(uid) if isinstance(uid, int) else None
        if user is None or database != self.database or not isinstance(secret, str):
            return None
        if user.uid == 1 or (secret != user.password and secret not in user.api_keys):
            return None
        return user

    # -- looking inside ------------------------------------------------------------------

    def call(self, model: str, method: str, *args: Any, uid: int = 2, **kwargs: Any) -> Any:
        """A model call in process, as ``execute_kw`` would make it (for tests and seeds)."""
        return call_kw(self.db, self.users[uid], model, method, list(args), kwargs)

    def count(self, model: str, domain: Any = None) -> int:
        return len(self.db.search(model, domain or [], context={"active_test": False}))

    def state(self) -> dict[str, Any]:
        return {
            "database": self.database,
            "version": self.version,
            "protocol": self.protocol,
            "counts": self.db.counts(),
            "calls": len(self.calls),
            "authentications": self.authentications,
            "faults": self.faults.snapshot(),
        }
