"""The drop server's folders on disk: one tree per partner under the SFTP root.

::

    <root>/<partner>/inbox/       uploads in progress (.upload-*.part) and held files
    <root>/<partner>/outbox/      what the gateway wrote for the partner to fetch
    <root>/<partner>/rejected/    refused files, each with NAME.reason beside it
    <root>/<partner>/archive/     accepted files, as <inbound id>-<name>; never shown

Only this module turns a partner and a :class:`JailPath` into a real path, always as
``<root>/<partner id>/<folder>/<checked name>``, so a client can never name anything else.
Files are opened with ``O_NOFOLLOW`` and must be regular files: a symlink or device planted in
a folder by someone with shell access is refused, not followed.

An upload is written to ``inbox/.upload-<random>.part`` and becomes a real file only when the
client closes it. Leftover ``.part`` files (a crash, a client that vanished) are never
processed; :meth:`DropTree.prepare` removes them at start. Files the gateway writes for the
partner (:meth:`DropTree.write_outbox_file`) appear atomically: a hidden temporary name,
fsync, rename, fsync of the folder.
"""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Iterable
from pathlib import Path

import trio

from edge.sftp._jailpath import Folder, JailPath, check_name

__all__ = ["ARCHIVE", "UPLOAD_PREFIX", "DropTree"]

ARCHIVE = "archive"
UPLOAD_PREFIX = ".upload-"
UPLOAD_SUFFIX = ".part"
_DIR_MODE = 0o700
_FILE_MODE = 0o600


class DropTree:
    """The partners' folders under ``root`` (created by :meth:`prepare`)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def partner_root(self, partner: str) -> Path:
        if check_name(partner) is not None or partner in (".", ".."):
            raise ValueError(f"not a usable partner id: {partner!r}")
        return self.root / partner

    def folder(self, partner: str, folder: Folder | str) -> Path:
        return self.partner_root(partner) / str(folder)

    def real(self, partner: str, path: JailPath) -> Path:
        """The real path of a checked path (the partner's root for ``/``)."""
        if path.folder is None:
            return self.partner_root(partner)
        base = self.folder(partner, path.folder)
        return base if path.name is None else base / path.name

    def prepare(self, partners: Iterable[str]) -> dict[str, int]:
        """Create every partner's folders (0700) and remove leftover partial uploads.

        Returns, per partner, how many leftovers were removed.
        """
        self.root.mkdir(parents=True, exist_ok=True, mode=_DIR_MODE)
        removed: dict[str, int] = {}
        for partner in partners:
            self.partner_root(partner).mkdir(exist_ok=True, mode=_DIR_MODE)
            for name in (*Folder, ARCHIVE):
                self.folder(partner, name).mkdir(parents=True, exist_ok=True, mode=_DIR_MODE)
            inbox = self.folder(partner, Folder.INBOX)
            count = 0
            for entry in os.scandir(inbox):
                if entry.name.startswith(UPLOAD_PREFIX) and entry.name.endswith(UPLOAD_SUFFIX):
                    os.unlink(entry.path)
                    count += 1
            removed[partner] = count
        return removed

    def new_upload(self, partner: str) -> tuple[Path, int]:
        """A fresh temporary upload file in the partner's inbox, opened for writing."""
        inbox = self.folder(partner, Folder.INBOX)
        while True:
            path = inbox / f"{UPLOAD_PREFIX}{secrets.token_hex(8)}{UPLOAD_SUFFIX}"
            try:
                flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
                return path, os.open(path, flags, _FILE_MODE)
            except FileExistsError:  # pragma: no cover - 64 random bits collided
                continue

    def open_for_reading(self, partner: str, path: JailPath) -> int:
        """An fd on a regular file of the partner's tree; ``OSError`` if there is none."""
        fd = os.open(self.real(partner, path), os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise IsADirectoryError(f"{path.virtual} is not a regular file")
        return fd

    def visible_files(self, partner: str, folder: Folder) -> list[tuple[str, os.stat_result]]:
        """The regular files a partner may see in ``folder``, sorted by name."""
        found = []
        with os.scandir(self.folder(partner, folder)) as entries:
            for entry in entries:
                if check_name(entry.name) is not None:
                    continue  # our temporary files, and anything else a client could not name
                info = entry.stat(follow_symlinks=False)
                if stat.S_ISREG(info.st_mode):
                    found.append((entry.name, info))
        return sorted(found, key=lambda item: item[0])

    def stat_file(self, partner: str, path: JailPath) -> os.stat_result:
        """``lstat`` of a file in the tree; ``FileNotFoundError`` unless it is regular."""
        info = os.lstat(self.real(partner, path))
        if not stat.S_ISREG(info.st_mode):
            raise FileNotFoundError(f"{path.virtual}: no such file")
        return info

    def archive(self, partner: str, source: Path, name: str, inbound_id: int) -> Path:
        """Move an accepted upload to ``archive/<inbound id>-<name>``."""
        target = self.folder(partner, ARCHIVE) / f"{inbound_id}-{name}"
        os.replace(source, target)
        return target

    def reject(self, partner: str, source: Path, name: str, reason: str) -> Path:
        """Move a refused upload to ``rejected/`` with a ``.reason`` file beside it.

        An earlier refusal of the same name is kept: the new one becomes ``NAME-2.ext``,
        ``NAME-3.ext`` and so on. The reason file is written first, so a partner who sees the
        file can always read why.
        """
        folder = self.folder(partner, Folder.REJECTED)
        stem, dot, ext = name.rpartition(".")
        if not stem:
            stem, dot, ext = name, "", ""
        target, n = folder / name, 1
        while target.exists() or target.with_name(target.name + ".reason").exists():
            n += 1
            target = folder / f"{stem}-{n}{dot}{ext}"
        _write_atomically(target.with_name(target.name + ".reason"), (reason + "\n").encode())
        os.replace(source, target)
        return target

    def write_outbox_file_sync(self, partner: str, name: str, data: bytes) -> Path:
        """:meth:`write_outbox_file`, blocking."""
        problem = check_name(name)
        if problem is not None:
            raise ValueError(f"cannot write {name!r} to {partner}'s outbox: {problem}")
        target = self.folder(partner, Folder.OUTBOX) / name
        _write_atomically(target, data, durable=True)
        return target

    async def write_outbox_file(self, partner: str, name: str, data: bytes) -> Path:
        """Put ``data`` in the partner's ``outbox/`` as ``name``, atomically and durably.

        The partner sees either nothing or the whole file: it is written under a hidden name,
        fsynced, renamed, and the folder fsynced, so once this returns the file survives a
        crash. An existing file of that name is replaced.
        """
        return await trio.to_thread.run_sync(self.write_outbox_file_sync, partner, name, data)


def _write_atomically(target: Path, data: bytes, *, durable: bool = False) -> None:
    temp = target.with_name(f".write-{secrets.token_hex(8)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(temp, flags, _FILE_MODE)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        if durable:
            os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    if durable:
        dir_fd = os.open(target.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
