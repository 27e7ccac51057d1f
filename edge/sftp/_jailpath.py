"""The paths a partner may name on the drop server, checked without touching the disk.

Each partner sees a tree of exactly three folders and the files in them::

    /               the partner's root (listable)
    /inbox/NAME     write-only: uploads land here
    /outbox/NAME    read (and delete): acknowledgements and documents for the partner
    /rejected/NAME  read (and delete): refused files, with NAME.reason beside each

Every path a client sends goes through :func:`resolve` before anything else happens, and
what comes out is a :class:`JailPath` -- a folder and a name, never a filesystem path. The
real path is built from it by ``_tree`` alone, so nothing a client sends is ever joined onto
a real directory.

Rules, and why:

- ``..`` is resolved lexically; one that would climb above ``/`` is an *escape* and is
  refused (not clamped), so the attempt is visible in the log.
- Absolute paths are paths in the partner's tree: ``/etc/passwd`` is folder ``etc``, which
  does not exist. No sub-folders, so at most two components.
- Names starting with ``.`` are reserved for the server's own temporary files; names with
  control characters, ``\\`` or more than 255 bytes are refused; paths must be UTF-8.
"""

from __future__ import annotations

import enum

import msgspec

__all__ = ["Folder", "JailPath", "PathRefused", "check_name", "resolve"]

MAX_NAME_BYTES = 255


class Folder(enum.StrEnum):
    INBOX = "inbox"
    OUTBOX = "outbox"
    REJECTED = "rejected"


class PathRefused(Exception):
    """A path the partner may not use; ``kind`` is ``escape``, ``invalid`` or ``missing``."""

    def __init__(self, kind: str, reason: str, path: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason
        self.path = path


class JailPath(msgspec.Struct, frozen=True):
    """A checked path: the root (``folder`` None), a folder (``name`` None) or a file."""

    folder: Folder | None = None
    name: str | None = None

    @property
    def virtual(self) -> str:
        """The path as the partner sees it: ``/``, ``/inbox`` or ``/inbox/PO1.edi``."""
        if self.folder is None:
            return "/"
        return f"/{self.folder}" if self.name is None else f"/{self.folder}/{self.name}"

    @property
    def is_root(self) -> bool:
        return self.folder is None

    @property
    def is_folder(self) -> bool:
        return self.folder is not None and self.name is None

    @property
    def is_file(self) -> bool:
        return self.name is not None


def check_name(name: str) -> str | None:
    """Why ``name`` cannot be a file name in the tree, or None if it can."""
    if not name:
        return "empty file name"
    if name.startswith("."):
        return "names starting with '.' are reserved"
    if len(name.encode("utf-8", "surrogateescape")) > MAX_NAME_BYTES:
        return f"file name longer than {MAX_NAME_BYTES} bytes"
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        return "control character in file name"
    if "\\" in name or "/" in name:
        return "'\\' and '/' are not allowed in file names"
    return None


def resolve(raw: bytes | str) -> JailPath:
    """The :class:`JailPath` a client path names; :class:`PathRefused` if it names none.

    Relative paths are relative to ``/`` (every session starts there, and clients such as
    OpenSSH's ``sftp`` send absolute paths once they changed directory).
    """
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise PathRefused("invalid", "path is not UTF-8", repr(raw)) from None
    else:
        text = raw
    if "\x00" in text:
        raise PathRefused("invalid", "NUL in path", repr(text))
    parts: list[str] = []
    for component in text.split("/"):
        if component in ("", "."):
            continue
        if component == "..":
            if not parts:
                raise PathRefused("escape", "path climbs above the partner's root", text)
            parts.pop()
            continue
        parts.append(component)
    if not parts:
        return JailPath()
    try:
        folder = Folder(parts[0])
    except ValueError:
        raise PathRefused("missing", f"no folder {parts[0]!r}", text) from None
    if len(parts) == 1:
        return JailPath(folder)
    if len(parts) > 2:
        raise PathRefused("missing", "there are no sub-folders", text)
    problem = check_name(parts[1])
    if problem is not None:
        raise PathRefused("invalid", problem, text)
    return JailPath(folder, parts[1])
