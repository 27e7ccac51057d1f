"""Bearer tokens with a name and a role, checked in constant time.

Roles are ordered: ``operate`` (replay, resolve) implies ``read`` (status, listings). A token
has a *name* (``ops-alice``, ``monitoring``) that is safe to log and to write into audit
records, and a *value* that is never logged, never compared with ``==``, and never kept in
clear once the authenticator is built: only its SHA-256 digest is.

Why digests: ``hmac.compare_digest`` is constant-time only for inputs of equal length, so
comparing fixed-length digests keeps the length of the configured tokens secret as well.
Every configured token is compared on every request (no early exit), so the time taken does
not reveal which one, if any, matched.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from contracts.errors import ConfigError

__all__ = [
    "MIN_TOKEN_LENGTH",
    "AdminToken",
    "Principal",
    "Role",
    "SupportsReveal",
    "TokenAuthenticator",
]

MIN_TOKEN_LENGTH = 16


class Role(enum.StrEnum):
    """What a token may do. A StrEnum so that config can say ``role = "read"``."""

    READ = "read"
    OPERATE = "operate"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def covers(self, required: Role) -> bool:
        """True when a token of this role may use a route that requires ``required``."""
        return self.rank >= required.rank


_RANK = {Role.READ: 1, Role.OPERATE: 2}


@runtime_checkable
class SupportsReveal(Protocol):
    """A secret wrapper (the config's ``Secret``): its value only comes out on request."""

    def reveal(self) -> str: ...


def _reveal(value: str | SupportsReveal) -> str:
    return value if isinstance(value, str) else value.reveal()


@dataclass(frozen=True, slots=True)
class AdminToken:
    """One configured token. ``value`` stays out of ``repr`` so it cannot leak into logs."""

    name: str
    role: Role
    value: str | SupportsReveal = field(repr=False)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who made the request: the token's name and role, never its value."""

    name: str
    role: Role


class TokenAuthenticator:
    """Turns an ``Authorization`` header into a :class:`Principal`, or None."""

    def __init__(self, tokens: Iterable[AdminToken]) -> None:
        entries: list[tuple[bytes, Principal]] = []
        names: set[str] = set()
        for index, token in enumerate(tokens):
            where = f"$.admin.tokens[{index}]"
            if not token.name or token.name in names:
                raise ConfigError(
                    f"admin token names must be unique and non-empty: {token.name!r}",
                    path=f"{where}.name",
                )
            try:
                role = Role(token.role)
            except ValueError:
                raise ConfigError(
                    f"admin token {token.name!r} has unknown role {token.role!r} (read or operate)",
                    path=f"{where}.role",
                ) from None
            value = _reveal(token.value)
            if len(value) < MIN_TOKEN_LENGTH or value != value.strip():
                raise ConfigError(
                    f"admin token {token.name!r} must be at least {MIN_TOKEN_LENGTH}"
                    " characters without surrounding whitespace",
                    path=f"{where}.value",
                )
            digest = hashlib.sha256(value.encode()).digest()
            if any(hmac.compare_digest(digest, seen) for seen, _ in entries):
                raise ConfigError(
                    f"admin token {token.name!r} has the same value as another token",
                    path=f"{where}.value",
                )
            names.add(token.name)
            entries.append((digest, Principal(token.name, role)))
        self._entries = tuple(entries)

    @property
    def names(self) -> list[str]:
        return [principal.name for _, principal in self._entries]

    def authenticate(self, authorization: str | None) -> Principal | None:
        """The principal for ``Authorization: Bearer <token>``; None if missing or unknown."""
        presented = bearer_token(authorization)
        if presented is None:
            return None
        digest = hashlib.sha256(presented.encode("utf-8", "surrogateescape")).digest()
        found: Principal | None = None
        for known, principal in self._entries:
            if hmac.compare_digest(known, digest) and found is None:
                found = principal
        return found


def bearer_token(authorization: str | None) -> str | None:
    """The credentials of a ``Bearer`` authorization header (scheme case-insensitive)."""
    if not authorization:
        return None
    scheme, _, credentials = authorization.strip().partition(" ")
    credentials = credentials.strip()
    if scheme.lower() != "bearer" or not credentials:
        return None
    return credentials
