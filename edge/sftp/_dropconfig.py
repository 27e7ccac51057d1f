"""The drop server's settings, the events it reports, and the state its sessions share.

Settings are plain Structs built by the gateway from its configuration (the edge does not
read TOML). :class:`DropContext` is what every connection and SFTP session of one server
shares: the accounts by user name, the tree, the sink, the observer, and the per-partner
count of uploads in progress. It is only touched from the asyncio loop's thread (which is the
trio thread), so it needs no lock.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from typing import Any, Literal

import msgspec

from edge.sftp._log import EventLog
from edge.sftp._sink import FileSink
from edge.sftp._tree import DropTree

__all__ = [
    "DropAccount",
    "DropContext",
    "DropEvent",
    "DropObserver",
    "DropServerInfo",
    "DropSettings",
    "PartnerState",
]

MIB = 1024 * 1024


class DropAccount(msgspec.Struct, frozen=True, kw_only=True):
    """One partner's login: its user name, authorized_keys files and limits."""

    partner: str
    username: str
    authorized_keys: tuple[str, ...] = ()
    max_file_size: int = 64 * MIB
    max_inbox_files: int = 100


class DropSettings(msgspec.Struct, frozen=True, kw_only=True):
    """The drop server: where it listens, its host key file, the tree root, the accounts.

    ``hold_suffixes``: an upload whose name ends in one of these (a client's own temporary
    name, e.g. WinSCP's ``.filepart``) is kept in ``inbox/`` when closed and processed only
    when the client renames it to its final name.
    """

    root: str
    host_key: str
    accounts: tuple[DropAccount, ...]
    host: str = "127.0.0.1"
    port: int = 0
    hold_suffixes: tuple[str, ...] = (".filepart", ".part", ".tmp")
    login_timeout: float = 30.0
    keepalive_interval: float = 60.0
    close_timeout: float = 5.0


EventKind = Literal[
    "upload_started",  # a client opened an upload
    "progress",  # bytes arrived (``size`` is the highest offset written)
    "abandoned",  # the client went away without closing: the partial upload was removed
    "too_large",  # a write went past the partner's limit: the upload was refused
    "held",  # closed under a temporary name, kept in inbox/ until renamed
    "accepted",  # committed by the sink and archived
    "duplicate",  # the sink said it repeats an earlier file: moved to rejected/
    "rejected",  # the sink refused it: moved to rejected/
    "store_failed",  # the sink could not commit it now: the client was told to retry
]


class DropEvent(msgspec.Struct, frozen=True, kw_only=True):
    """What happened to an upload; for tests, benchmarks and metrics."""

    kind: EventKind
    partner: str
    name: str
    size: int = 0
    inbound_id: int | None = None


DropObserver = Callable[[DropEvent], None]


class DropServerInfo(msgspec.Struct, frozen=True, kw_only=True):
    """What :func:`serve_drop` reports once listening."""

    host: str
    port: int
    fingerprint: str  # SHA256:... of the host key
    host_key_line: str  # "ssh-ed25519 AAAA...", for a client's known_hosts


class PartnerState:
    """One account at run time: its settings, loaded keys and uploads in progress."""

    def __init__(self, account: DropAccount, keys: Any) -> None:
        self.account = account
        self.keys = keys  # asyncssh SSHAuthorizedKeys, or None: nobody can log in
        self.open_uploads = 0

    @property
    def partner(self) -> str:
        return self.account.partner


class DropContext:
    """Shared by every connection and session of one drop server."""

    def __init__(
        self,
        *,
        tree: DropTree,
        sink: FileSink,
        partners: dict[str, PartnerState],
        hold_suffixes: tuple[str, ...],
        observer: DropObserver | None,
        log: EventLog,
    ) -> None:
        self.tree = tree
        self.sink = sink
        self.by_username = {state.account.username: state for state in partners.values()}
        self.hold_suffixes = hold_suffixes
        self.observer = observer
        self.log = log
        self.connections: set[Any] = set()

    def is_held_name(self, name: str) -> bool:
        return any(fnmatch.fnmatchcase(name, "*" + suffix) for suffix in self.hold_suffixes)

    def emit(self, kind: EventKind, state: PartnerState, name: str, **fields: Any) -> None:
        if self.observer is not None:
            self.observer(DropEvent(kind=kind, partner=state.partner, name=name, **fields))
