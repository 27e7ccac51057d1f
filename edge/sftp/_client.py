"""Our SFTP client for partner-hosted servers: one connection, a few file operations.

::

    async with open_partner_sftp(server) as sftp:
        for f in await sftp.list_files("out"):
            data = await sftp.read_file(f"out/{f.name}", max_size=...)

This is the seam to asyncssh for the pollers and uploads: every asyncssh, OS and timeout
exception is translated here into :mod:`edge.sftp._errors` (all ``TransientFailure``s, so the
partner's breaker counts them), and nowhere else.

Host keys are pinned, never learnt: the server must present the configured key (or one with
the configured fingerprint), else the connection is refused with :class:`HostKeyMismatch`
naming both fingerprints. No ``~/.ssh/config``, known_hosts file or SSH agent is consulted.
"""

from __future__ import annotations

import asyncio
import posixpath
import stat
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from typing import Any, TypeVar

import asyncssh
import msgspec
import trio

from edge.sftp._bridge import call, open_loop
from edge.sftp._errors import (
    HostKeyMismatch,
    RemoteFileError,
    SftpAuthRefused,
    SftpUnreachable,
)
from edge.sftp._keys import ClientKey, HostKeyPin, fingerprint

__all__ = ["PartnerServer", "PartnerSftp", "RemoteFile", "open_partner_sftp"]

T = TypeVar("T")
_CHUNK = 64 * 1024


class PartnerServer(msgspec.Struct, frozen=True, kw_only=True):
    """How to reach one partner's SFTP server (built by the gateway from its config)."""

    partner: str
    host: str
    username: str
    client_key: ClientKey
    host_key: HostKeyPin
    port: int = 22
    connect_timeout: float = 30.0
    close_timeout: float = 5.0

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


class RemoteFile(msgspec.Struct, frozen=True):
    """A regular file in a remote folder; ``mtime`` in whole seconds as SFTP v3 gives it."""

    name: str
    size: int
    mtime: int


class _PinningClient(asyncssh.SSHClient):
    """Accepts exactly the pinned host key, and remembers what the server presented."""

    def __init__(self, pin: HostKeyPin) -> None:
        self.pin = pin
        self.presented: str | None = None

    def validate_host_public_key(
        self, host: str, addr: str, port: int, key: asyncssh.SSHKey
    ) -> bool:
        self.presented = fingerprint(key.public_data)
        return self.pin.matches(key.public_data)


async def _connect(
    server: PartnerServer, client: _PinningClient
) -> tuple[asyncssh.SSHClientConnection, asyncssh.SFTPClient]:
    pinned = server.host_key.public_key()
    conn, _ = await asyncssh.create_connection(
        lambda: client,
        server.host,
        server.port,
        username=server.username,
        client_keys=[server.client_key.key],
        known_hosts=([pinned] if pinned is not None else [], [], []),
        config=None,
        agent_path=None,
        preferred_auth="publickey",
        connect_timeout=server.connect_timeout,
        login_timeout=server.connect_timeout,
    )
    try:
        sftp = await conn.start_sftp_client()
    except BaseException:
        conn.close()
        raise
    return conn, sftp


async def _disconnect(conn: asyncssh.SSHClientConnection) -> None:
    conn.close()
    await conn.wait_closed()


def _translate_connect(server: PartnerServer, client: _PinningClient, exc: Exception) -> Exception:
    if isinstance(exc, asyncssh.HostKeyNotVerifiable):
        got = client.presented or "a key that could not be checked"
        return HostKeyMismatch(
            f"the host key of {server.address} is not the pinned one; refusing to connect "
            "(if the partner really changed it, pin the new key in the configuration)",
            partner=server.partner,
            host=server.host,
            expected=server.host_key.fingerprint,
            got=got,
        )
    if isinstance(exc, asyncssh.PermissionDenied):
        return SftpAuthRefused(
            f"{server.address} refused user {server.username!r} with our key",
            partner=server.partner,
            host=server.host,
            username=server.username,
        )
    if isinstance(exc, TimeoutError):
        message = f"no answer from {server.address} in time"
    else:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        message = f"cannot reach {server.address}: {reason}"
    return SftpUnreachable(message, partner=server.partner, host=server.host, port=server.port)


@asynccontextmanager
async def open_partner_sftp(server: PartnerServer) -> AsyncIterator[PartnerSftp]:
    """Connect, authenticate with our key, check the pinned host key, start SFTP."""
    async with open_loop() as loop:
        client = _PinningClient(server.host_key)
        try:
            conn, sftp = await call(loop, _connect, server, client)
        except (OSError, asyncssh.Error, TimeoutError) as exc:
            raise _translate_connect(server, client, exc) from exc
        try:
            yield PartnerSftp(server, loop, sftp)
        finally:
            with trio.CancelScope(shield=True), trio.move_on_after(server.close_timeout):
                await call(loop, _disconnect, conn)


class PartnerSftp:
    """File operations on a connected partner server, from trio, with translated errors."""

    def __init__(
        self, server: PartnerServer, loop: asyncio.AbstractEventLoop, sftp: asyncssh.SFTPClient
    ) -> None:
        self.server = server
        self._loop = loop
        self._sftp = sftp

    async def _run(self, path: str, fn: Callable[..., Awaitable[T]], *args: Any) -> T:
        try:
            return await call(self._loop, fn, *args)
        except asyncssh.SFTPError as exc:
            raise RemoteFileError(
                f"{self.server.address}: {path}: {exc.reason}",
                partner=self.server.partner,
                path=path,
                code=exc.code,
            ) from exc
        except (OSError, asyncssh.Error, TimeoutError) as exc:
            raise SftpUnreachable(
                f"lost the connection to {self.server.address}: {exc}",
                partner=self.server.partner,
                host=self.server.host,
                port=self.server.port,
            ) from exc

    async def list_files(self, folder: str) -> list[RemoteFile]:
        """The regular files in ``folder`` (no directories, links or devices), by name."""
        names = await self._run(folder, self._sftp.readdir, folder)
        found = []
        for entry in names:
            attrs = entry.attrs
            name = entry.filename if isinstance(entry.filename, str) else entry.filename.decode()
            if attrs.permissions is None or not stat.S_ISREG(attrs.permissions):
                continue
            found.append(RemoteFile(name, attrs.size or 0, int(attrs.mtime or 0)))
        return sorted(found, key=lambda f: f.name)

    async def size_of(self, path: str) -> int | None:
        """The size of the regular file at ``path``, or None if there is none."""

        async def lstat() -> int | None:
            try:
                attrs = await self._sftp.lstat(path)
            except asyncssh.SFTPNoSuchFile:
                return None
            if attrs.permissions is not None and not stat.S_ISREG(attrs.permissions):
                raise asyncssh.SFTPFailure(f"{path} exists and is not a regular file")
            return attrs.size or 0

        return await self._run(path, lstat)

    async def read_file(
        self,
        path: str,
        *,
        max_size: int,
        on_chunk: Callable[[int], Awaitable[None]] | None = None,
    ) -> bytes:
        """The whole file; a ``RemoteFileError`` if it grows past ``max_size`` bytes.

        ``on_chunk(bytes_so_far)`` runs after each chunk arrived (a test checkpoint).
        """
        handle = await self._run(path, self._sftp.open, path, "rb")
        chunks: list[bytes] = []
        total = 0
        try:
            while True:
                chunk: bytes = await self._run(path, handle.read, _CHUNK, total)
                if not chunk:
                    break
                chunks.append(chunk)
                total += len(chunk)
                if total > max_size:
                    raise RemoteFileError(
                        f"{self.server.address}: {path} is larger than {max_size} bytes",
                        partner=self.server.partner,
                        path=path,
                    )
                if on_chunk is not None:
                    await on_chunk(total)
        finally:
            with trio.CancelScope(shield=True), trio.move_on_after(self.server.close_timeout):
                await self._run(path, handle.close)
        return b"".join(chunks)

    async def write_file(self, path: str, data: bytes) -> None:
        """Create or truncate ``path`` and write ``data`` to it."""

        async def write() -> None:
            async with self._sftp.open(path, "wb") as handle:
                await handle.write(data)

        await self._run(path, write)

    async def remove(self, path: str) -> None:
        await self._run(path, self._sftp.remove, path)

    async def rename(self, old: str, new: str) -> None:
        """Rename; fails if ``new`` exists (SFTP v3 semantics)."""
        await self._run(old, self._sftp.rename, old, new)

    async def replace(self, old: str, new: str) -> None:
        """Rename over an existing ``new`` (POSIX rename where the server offers it)."""

        async def replace() -> None:
            try:
                await self._sftp.posix_rename(old, new)
            except asyncssh.SFTPOpUnsupported:
                with suppress(asyncssh.SFTPNoSuchFile):
                    await self._sftp.remove(new)
                await self._sftp.rename(old, new)

        await self._run(old, replace)


def join(folder: str, name: str) -> str:
    """``folder/name`` in the remote (POSIX) namespace."""
    return posixpath.join(folder, name)
