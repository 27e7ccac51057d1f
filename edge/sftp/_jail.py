"""The SFTP session of one partner: every operation mapped into its jail and checked.

:class:`JailServer` overrides every filesystem operation of asyncssh's ``SFTPServer`` (none
of the base class's path-mapping code runs): each client path goes through
:func:`~edge.sftp._jailpath.resolve`, each real path comes from :class:`DropTree`. What each
folder allows:

=========  ======================================================================
``/``      list, stat
inbox/     upload (write-only), rename within inbox/ (to finish a held upload),
           remove a held upload, list
outbox/    read, remove, list
rejected/  read, remove, list
=========  ======================================================================

Never allowed: ``mkdir``, ``rmdir``, ``symlink``, ``link``, ``readlink``, rename across
folders, writes outside inbox/, reads in inbox/, paths above ``/`` or outside the three
folders. Every refusal is logged (``sftp_refused``, a warning) with the partner, the
operation, the path and the reason; a file that does not exist in a folder is not a refusal.

**An upload is taken only when the client closes it.** It is written to a hidden temporary
file; on the client's close the bytes go to the sink, and only after the sink committed them
is the file moved to ``archive/`` (or ``rejected/`` with a reason) and the close answered --
so a client whose close succeeded knows its file is durably received. When a session ends
with files still open (the client died or disconnected mid-upload), asyncssh closes them too;
those partial uploads are deleted, never processed. asyncssh's ``close`` hook does not say
which case it is, so :func:`_closed_on_request` asks the call stack whether the close comes
from an SFTP close request; if a future asyncssh moved that code, every upload would be
discarded (loudly: the integration tests fail), never a partial one taken.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from types import FrameType

import asyncssh
import trio_asyncio
from asyncssh import SFTPAttrs, SFTPName

from contracts.errors import CrossdockError
from edge.sftp._dropconfig import DropContext, EventKind, PartnerState
from edge.sftp._jailpath import Folder, JailPath, PathRefused, resolve
from edge.sftp._sink import Accepted, Duplicate, Rejected

__all__ = ["JailServer"]

_WRITE_FLAGS = asyncssh.FXF_WRITE | asyncssh.FXF_CREAT | asyncssh.FXF_TRUNC | asyncssh.FXF_APPEND
_READABLE = (Folder.OUTBOX, Folder.REJECTED)


_ErrorType = Callable[[str], asyncssh.SFTPError]


class _Upload:
    """An upload in progress: its temporary file, and the name the client gave it."""

    def __init__(self, temp: Path, fd: int, name: str) -> None:
        self.temp, self.fd, self.name = temp, fd, name
        self.size = 0
        self.failed: str | None = None
        self.closed = False


class _Download:
    def __init__(self, fd: int) -> None:
        self.fd = fd


def _closed_on_request(caller: FrameType | None) -> bool:
    """True when ``close`` was awaited by asyncssh's handler of an SFTP close request."""
    return (
        caller is not None
        and caller.f_code.co_name == "_process_close"
        and caller.f_globals.get("__name__") == "asyncssh.sftp"
    )


class JailServer(asyncssh.SFTPServer):
    """One SFTP session of an authenticated partner (asyncssh's ``sftp_factory``)."""

    def __init__(self, chan: asyncssh.SSHServerChannel[bytes], *, context: DropContext) -> None:
        super().__init__(chan)
        self._ctx = context
        username = chan.get_extra_info("username")
        state = context.by_username.get(username)
        if state is None:  # pragma: no cover - asyncssh only opens sessions after auth
            raise asyncssh.SFTPPermissionDenied("not logged in")
        self._state: PartnerState = state
        self._partner = state.partner

    # -- paths and refusals ---------------------------------------------------------------

    def _refuse(self, op: str, path: str, reason: str, error: _ErrorType) -> asyncssh.SFTPError:
        self._ctx.log.warning(
            "sftp_refused", partner=self._partner, op=op, path=path, reason=reason
        )
        return error(reason)

    def _resolve(self, op: str, raw: bytes) -> JailPath:
        try:
            return resolve(raw)
        except PathRefused as exc:
            error: _ErrorType = {
                "escape": asyncssh.SFTPPermissionDenied,
                "missing": asyncssh.SFTPNoSuchFile,
            }.get(exc.kind, asyncssh.SFTPFailure)
            raise self._refuse(op, exc.path, exc.reason, error) from None

    def _deny(self, op: str, path: JailPath | str, reason: str) -> asyncssh.SFTPError:
        shown = path if isinstance(path, str) else path.virtual
        return self._refuse(op, shown, reason, asyncssh.SFTPPermissionDenied)

    # -- listing and attributes -----------------------------------------------------------

    def realpath(self, path: bytes) -> bytes:
        return self._resolve("realpath", path).virtual.encode()

    def stat(self, path: bytes) -> os.stat_result:
        return self._stat("stat", path)

    def lstat(self, path: bytes) -> os.stat_result:
        return self._stat("lstat", path)

    def _stat(self, op: str, raw: bytes) -> os.stat_result:
        where = self._resolve(op, raw)
        tree = self._ctx.tree
        try:
            if where.is_file:
                return tree.stat_file(self._partner, where)
            return os.lstat(tree.real(self._partner, where))
        except FileNotFoundError:
            raise asyncssh.SFTPNoSuchFile(f"{where.virtual}: no such file") from None

    async def scandir(self, path: bytes) -> AsyncIterator[SFTPName]:
        where = self._resolve("list", path)
        if where.is_file:
            raise asyncssh.SFTPNotADirectory(f"{where.virtual} is a file")
        tree = self._ctx.tree
        here = os.lstat(tree.real(self._partner, where))
        parent = os.lstat(tree.partner_root(self._partner))
        yield SFTPName(b".", attrs=SFTPAttrs.from_local(here))
        yield SFTPName(b"..", attrs=SFTPAttrs.from_local(parent))
        if where.folder is None:
            for folder in Folder:
                info = os.lstat(tree.folder(self._partner, folder))
                yield SFTPName(str(folder).encode(), attrs=SFTPAttrs.from_local(info))
            return
        for name, info in tree.visible_files(self._partner, where.folder):
            yield SFTPName(name.encode(), attrs=SFTPAttrs.from_local(info))

    def setstat(self, path: bytes, attrs: SFTPAttrs) -> None:
        self._setstat("setstat", path)

    def lsetstat(self, path: bytes, attrs: SFTPAttrs) -> None:
        self._setstat("lsetstat", path)

    def _setstat(self, op: str, raw: bytes) -> None:
        # Clients set times and modes on what they uploaded (``put -p``); in inbox/ that is
        # accepted and ignored, as the file is ours once closed. Elsewhere it is refused.
        where = self._resolve(op, raw)
        if where.folder is not Folder.INBOX or not where.is_file:
            raise self._deny(op, where, "attributes can only be set on uploads")

    def fstat(self, file_obj: object) -> os.stat_result:
        return os.fstat(self._handle(file_obj).fd)

    def fsetstat(self, file_obj: object, attrs: SFTPAttrs) -> None:
        if not isinstance(file_obj, _Upload):
            raise self._deny("fsetstat", "(open file)", "attributes can only be set on uploads")

    def fsync(self, file_obj: object) -> None:
        handle = self._handle(file_obj)
        if isinstance(handle, _Upload) and not handle.failed:
            os.fsync(handle.fd)

    # -- opening, reading, writing --------------------------------------------------------

    def open(self, path: bytes, pflags: int, attrs: SFTPAttrs) -> object:
        where = self._resolve("open", path)
        if not where.is_file:
            raise self._deny("open", where, "only files can be opened")
        if pflags & _WRITE_FLAGS:
            return self._open_upload(where)
        if where.folder not in _READABLE:
            raise self._deny("read", where, "inbox/ is write-only")
        try:
            return _Download(self._ctx.tree.open_for_reading(self._partner, where))
        except FileNotFoundError:
            raise asyncssh.SFTPNoSuchFile(f"{where.virtual}: no such file") from None
        except OSError:  # ELOOP from O_NOFOLLOW, a directory, a device...
            raise self._deny("read", where, "not a regular file") from None

    def open56(
        self, path: bytes, desired_access: int, flags: int, attrs: SFTPAttrs
    ) -> object:  # pragma: no cover - the server only speaks SFTP version 3
        raise asyncssh.SFTPOpUnsupported("SFTP version 5 and later are not supported")

    def _open_upload(self, where: JailPath) -> _Upload:
        assert where.name is not None
        if where.folder is not Folder.INBOX:
            raise self._deny("write", where, f"{where.folder}/ is read-only; upload to inbox/")
        state, tree = self._state, self._ctx.tree
        held = len(tree.visible_files(self._partner, Folder.INBOX))
        limit = state.account.max_inbox_files
        if state.open_uploads + held >= limit:
            raise self._refuse(
                "write",
                where.virtual,
                f"inbox full: {limit} files at most in inbox/ at once",
                asyncssh.SFTPFailure,
            )
        temp, fd = tree.new_upload(self._partner)
        state.open_uploads += 1
        self._ctx.emit("upload_started", state, where.name)
        return _Upload(temp, fd, where.name)

    def _handle(self, file_obj: object) -> _Upload | _Download:
        assert isinstance(file_obj, _Upload | _Download)
        return file_obj

    def read(self, file_obj: object, offset: int, size: int) -> bytes:
        handle = self._handle(file_obj)
        if isinstance(handle, _Upload):
            raise self._deny("read", f"/inbox/{handle.name}", "inbox/ is write-only")
        return os.pread(handle.fd, size, offset)

    def write(self, file_obj: object, offset: int, data: bytes) -> int:
        upload = self._handle(file_obj)
        if not isinstance(upload, _Upload):
            raise self._deny("write", "(open file)", "opened for reading")
        if upload.failed:
            raise asyncssh.SFTPFailure(upload.failed)
        end = offset + len(data)
        limit = self._state.account.max_file_size
        if end > limit:
            upload.failed = f"upload refused: {upload.name} is over the limit of {limit} bytes"
            os.ftruncate(upload.fd, 0)  # give the disk back now, not at close
            self._ctx.log.warning(
                "sftp_upload_too_large", partner=self._partner, file=upload.name, limit=limit
            )
            self._ctx.emit("too_large", self._state, upload.name, size=end)
            raise asyncssh.SFTPFailure(upload.failed)
        os.pwrite(upload.fd, data, offset)
        upload.size = max(upload.size, end)
        self._ctx.emit("progress", self._state, upload.name, size=upload.size)
        return len(data)

    async def close(self, file_obj: object) -> None:
        caller = sys._getframe(1)
        handle = self._handle(file_obj)
        if isinstance(handle, _Download):
            os.close(handle.fd)
            return
        if handle.closed:  # pragma: no cover - asyncssh closes each handle once
            return
        handle.closed = True
        os.close(handle.fd)
        self._state.open_uploads -= 1
        if not _closed_on_request(caller):
            handle.temp.unlink(missing_ok=True)
            self._ctx.log.info(
                "sftp_upload_abandoned",
                partner=self._partner,
                file=handle.name,
                bytes=handle.size,
                reason="the session ended before the client closed the file",
            )
            self._ctx.emit("abandoned", self._state, handle.name, size=handle.size)
            return
        if handle.failed:
            handle.temp.unlink(missing_ok=True)
            raise asyncssh.SFTPFailure(handle.failed)
        if self._ctx.is_held_name(handle.name):
            held = self._ctx.tree.real(self._partner, JailPath(Folder.INBOX, handle.name))
            os.replace(handle.temp, held)
            self._ctx.emit("held", self._state, handle.name, size=handle.size)
            return
        await self._take(handle.temp, handle.name, keep_on_failure=False)

    # -- taking a file ----------------------------------------------------------------------

    async def _take(self, source: Path, name: str, *, keep_on_failure: bool) -> None:
        """Hand the closed file to the sink; archive or reject it only once it answered."""
        state, tree, log = self._state, self._ctx.tree, self._ctx.log
        data = await asyncio.to_thread(source.read_bytes)  # up to max_file_size: off the loop
        try:
            receipt = await trio_asyncio.trio_as_aio(self._ctx.sink.file_closed)(
                self._partner, name, data, channel="sftp-drop"
            )
        except CrossdockError as exc:
            if not keep_on_failure:
                os.unlink(source)
            log.warning("sftp_store_failed", partner=self._partner, file=name, error=str(exc))
            self._ctx.emit("store_failed", state, name, size=len(data))
            raise asyncssh.SFTPFailure(
                f"{name} could not be stored now; nothing was kept, send it again later"
            ) from None
        match receipt:
            case Accepted(inbound_id=inbound_id):
                tree.archive(self._partner, source, name, inbound_id)
                log.info(
                    "sftp_file_received",
                    partner=self._partner,
                    file=name,
                    bytes=len(data),
                    inbound_id=inbound_id,
                )
                self._ctx.emit("accepted", state, name, size=len(data), inbound_id=inbound_id)
            case Duplicate() | Rejected():
                where = tree.reject(self._partner, source, name, receipt.reason)
                kind: EventKind = "duplicate" if isinstance(receipt, Duplicate) else "rejected"
                log.warning(
                    f"sftp_file_{kind}",
                    partner=self._partner,
                    file=name,
                    bytes=len(data),
                    inbound_id=receipt.inbound_id,
                    reason=receipt.reason,
                    moved_to=f"/rejected/{where.name}",
                )
                self._ctx.emit(kind, state, name, size=len(data), inbound_id=receipt.inbound_id)

    # -- changing names ---------------------------------------------------------------------

    def remove(self, path: bytes) -> None:
        where = self._resolve("remove", path)
        if not where.is_file:
            raise self._deny("remove", where, "folders cannot be removed")
        tree = self._ctx.tree
        try:
            tree.stat_file(self._partner, where)
            os.unlink(tree.real(self._partner, where))
        except FileNotFoundError:
            raise asyncssh.SFTPNoSuchFile(f"{where.virtual}: no such file") from None
        self._ctx.log.info("sftp_file_removed", partner=self._partner, path=where.virtual)

    async def rename(self, oldpath: bytes, newpath: bytes) -> None:
        await self._rename("rename", oldpath, newpath, replace=False)

    async def posix_rename(self, oldpath: bytes, newpath: bytes) -> None:
        await self._rename("posix-rename", oldpath, newpath, replace=True)

    async def _rename(self, op: str, old_raw: bytes, new_raw: bytes, *, replace: bool) -> None:
        old, new = self._resolve(op, old_raw), self._resolve(op, new_raw)
        shown = f"{old.virtual} -> {new.virtual}"
        if not (old.is_file and new.is_file):
            raise self._deny(op, shown, "only files can be renamed")
        if old.folder is not Folder.INBOX or new.folder is not Folder.INBOX:
            raise self._deny(op, shown, "files can only be renamed within inbox/")
        assert new.name is not None
        tree = self._ctx.tree
        try:
            tree.stat_file(self._partner, old)
        except FileNotFoundError:
            raise asyncssh.SFTPNoSuchFile(f"{old.virtual}: no such file") from None
        source = tree.real(self._partner, old)
        if not self._ctx.is_held_name(new.name):
            # The client's temporary name became the final one: the upload is complete.
            await self._take(source, new.name, keep_on_failure=True)
            return
        self._rename_held(source, tree.real(self._partner, new), new, replace=replace)

    @staticmethod
    def _rename_held(source: Path, target: Path, new: JailPath, *, replace: bool) -> None:
        if not replace and os.path.lexists(target):
            raise asyncssh.SFTPFileAlreadyExists(f"{new.virtual} exists")
        os.replace(source, target)

    # -- never allowed ----------------------------------------------------------------------

    def mkdir(self, path: bytes, attrs: SFTPAttrs) -> None:
        raise self._deny("mkdir", self._resolve("mkdir", path), "folders cannot be created")

    def rmdir(self, path: bytes) -> None:
        raise self._deny("rmdir", self._resolve("rmdir", path), "folders cannot be removed")

    def readlink(self, path: bytes) -> bytes:
        raise self._deny("readlink", self._resolve("readlink", path), "there are no links")

    def symlink(self, oldpath: bytes, newpath: bytes) -> None:
        shown = f"{oldpath.decode(errors='replace')} -> {newpath.decode(errors='replace')}"
        raise self._deny("symlink", shown, "links are not allowed")

    def link(self, oldpath: bytes, newpath: bytes) -> None:
        shown = f"{oldpath.decode(errors='replace')} -> {newpath.decode(errors='replace')}"
        raise self._deny("link", shown, "links are not allowed")

    def statvfs(self, path: bytes) -> os.statvfs_result:
        raise asyncssh.SFTPOpUnsupported("statvfs is not supported")

    def fstatvfs(self, file_obj: object) -> os.statvfs_result:
        raise asyncssh.SFTPOpUnsupported("statvfs is not supported")
