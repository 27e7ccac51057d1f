"""Who may log in to the drop server: one account per partner, public keys only.

Password and keyboard-interactive authentication are *offered* and always refused, on
purpose: a client that tries them is then visible in the log with the user name it used
("partner X's client tries a password: tell them to use their key"), instead of failing with
an opaque "no supported authentication methods". Nothing a client sends there is checked or
kept. Unknown users go through the same motions (every method fails) so the answers do not
reveal which user names exist; the log says "unknown user".
"""

from __future__ import annotations

from typing import Any

import asyncssh

from edge.sftp._dropconfig import DropContext, PartnerState
from edge.sftp._keys import fingerprint

__all__ = ["DropAuth"]


class DropAuth(asyncssh.SSHServer):
    """asyncssh's per-connection server object: authentication and its log lines."""

    def __init__(self, context: DropContext) -> None:
        self._ctx = context
        self._conn: Any = None
        self._peer = "?"
        self._username: str | None = None

    def connection_made(self, conn: Any) -> None:
        self._conn = conn
        peer = conn.get_extra_info("peername")
        self._peer = f"{peer[0]}:{peer[1]}" if peer else "?"
        self._ctx.connections.add(conn)

    def connection_lost(self, exc: Exception | None) -> None:
        self._ctx.connections.discard(self._conn)
        state = self._state()
        self._ctx.log.debug(
            "sftp_disconnected",
            partner=state.partner if state else None,
            username=self._username,
            peer=self._peer,
            error=str(exc) if exc else None,
        )

    def _state(self) -> PartnerState | None:
        return None if self._username is None else self._ctx.by_username.get(self._username)

    def _refused(self, reason: str, **fields: object) -> None:
        state = self._state()
        self._ctx.log.warning(
            "sftp_login_refused",
            partner=state.partner if state else None,
            username=self._username,
            peer=self._peer,
            reason=reason,
            **fields,
        )

    def begin_auth(self, username: str) -> bool:
        self._username = username
        if self._state() is None:
            self._refused("unknown user")
        return True  # always authenticate: even an unknown user only ever fails

    def auth_completed(self) -> None:
        state = self._state()
        assert state is not None  # asyncssh completes only after one of ours said yes
        self._ctx.log.info(
            "sftp_login", partner=state.partner, username=self._username, peer=self._peer
        )

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: Any) -> bool:
        state = self._state()
        if state is None:
            return False  # logged once in begin_auth
        if state.keys is None:
            self._refused("the partner has no authorized keys configured")
            return False
        host = self._peer.rsplit(":", 1)[0]
        if state.keys.validate(key, host, host) is None:
            self._refused("key not authorized", key=fingerprint(key.public_data))
            return False
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        if self._state() is not None:
            self._refused("password authentication is not accepted; use a key")
        return False

    def kbdint_auth_supported(self) -> bool:
        return True

    def get_kbdint_challenge(self, username: str, lang: str, submethods: str) -> bool:
        if self._state() is not None:
            self._refused("keyboard-interactive authentication is not accepted; use a key")
        return False
