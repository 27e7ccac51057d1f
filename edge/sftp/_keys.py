"""SSH keys: the drop server's host key, partners' authorized keys, our client keys, pins.

- The host key is a file (``[sftp] host_key``); absent on first start, an Ed25519 key is
  generated and written with mode 0600 (``O_EXCL``, so two starts cannot both write one). It is
  logged by its SHA256 fingerprint, the form ``ssh-keygen -lf`` and clients print.
- Authorized keys are OpenSSH ``authorized_keys`` files, several per partner; their
  ``from="..."`` options are honoured.
- A pinned host key for a partner's server is either a public key line, possibly in
  known_hosts form (``sftp.example.com ssh-ed25519 AAAA...``), or a fingerprint
  (``SHA256:...``). A pin is parsed without asyncssh so the configuration can be checked
  cheaply; a full key also tells the client which host key algorithm to ask for, which a bare
  fingerprint cannot (then the server's preferred algorithm must be the pinned key's).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import asyncssh
import msgspec

from edge.sftp._errors import SftpConfigError

__all__ = [
    "ClientKey",
    "HostKeyPin",
    "fingerprint",
    "load_authorized_keys",
    "load_client_key",
    "load_or_create_host_key",
    "parse_host_key_pin",
]


def fingerprint(blob: bytes) -> str:
    """OpenSSH's SHA256 fingerprint of a public key blob: ``SHA256:<base64, unpadded>``."""
    digest = hashlib.sha256(blob).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def load_or_create_host_key(path: str | os.PathLike[str]) -> tuple[Any, bool]:
    """The server's private host key from ``path``, generated there first if absent.

    Returns ``(key, created)``. An unreadable or corrupt file is an :class:`SftpConfigError`
    (never silently replaced: partners pinned the old key).
    """
    where = Path(path)
    try:
        return asyncssh.read_private_key(str(where)), False
    except FileNotFoundError:
        pass
    except (OSError, asyncssh.KeyImportError, ValueError) as exc:
        raise SftpConfigError(f"cannot read the SFTP host key: {exc}", file=str(where)) from None
    key = asyncssh.generate_private_key("ssh-ed25519", comment="crossdock")
    data = key.export_private_key()
    where.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(where, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:  # another process won the race: use its key
        return asyncssh.read_private_key(str(where)), False
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    return key, True


def load_authorized_keys(files: Sequence[str]) -> Any:
    """One ``SSHAuthorizedKeys`` from several authorized_keys files (None if no files)."""
    if not files:
        return None
    texts = []
    for file in files:
        try:
            texts.append(Path(file).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise SftpConfigError(f"cannot read authorized keys: {exc}", file=file) from None
    try:
        return asyncssh.import_authorized_keys("\n".join(texts))
    except (asyncssh.KeyImportError, ValueError) as exc:
        raise SftpConfigError(
            f"not an authorized_keys file: {exc}", file=", ".join(files)
        ) from None


class ClientKey:
    """Our private key for a partner's server; its repr never shows the key."""

    def __init__(self, key: Any, source: str) -> None:
        self.key = key
        self.source = source

    def __repr__(self) -> str:
        return f"ClientKey(from {self.source})"


def load_client_key(path: str) -> ClientKey:
    try:
        return ClientKey(asyncssh.read_private_key(path), path)
    except (OSError, asyncssh.KeyImportError, ValueError) as exc:
        raise SftpConfigError(f"cannot read the SFTP private key: {exc}", file=path) from None


class HostKeyPin(msgspec.Struct, frozen=True, kw_only=True):
    """The host key a partner's server must present: a whole key, or only its fingerprint."""

    fingerprint: str
    algorithm: str | None = None
    blob: bytes | None = None

    def matches(self, blob: bytes) -> bool:
        return fingerprint(blob) == self.fingerprint

    def public_key(self) -> Any:
        """The pinned key as an asyncssh key, or None for a fingerprint pin."""
        if self.blob is None:
            return None
        return asyncssh.import_public_key(
            f"{self.algorithm} {base64.b64encode(self.blob).decode()}"
        )


def parse_host_key_pin(text: str) -> HostKeyPin:
    """Parse a pin; ``ValueError`` with a message fit for a configuration error."""
    tokens = text.split()
    if len(tokens) == 1 and tokens[0].startswith("SHA256:"):
        encoded = tokens[0].removeprefix("SHA256:")
        try:
            digest = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
        except binascii.Error:
            digest = b""
        if len(digest) != 32:
            raise ValueError(
                "a fingerprint pin is 'SHA256:' and 43 base64 characters, as printed by "
                "`ssh-keygen -lf`"
            )
        return HostKeyPin(fingerprint=tokens[0])
    if tokens and tokens[0].startswith("@"):
        raise ValueError(f"known_hosts markers such as {tokens[0]} are not supported")
    for i in (0, 1):  # "type key [comment]" or "hosts type key [comment]"
        if len(tokens) > i + 1:
            blob = _key_blob(tokens[i], tokens[i + 1])
            if blob is not None:
                return HostKeyPin(fingerprint=fingerprint(blob), algorithm=tokens[i], blob=blob)
    raise ValueError(
        "expected a public key such as 'ssh-ed25519 AAAA...', a known_hosts line such as "
        "'sftp.example.com ssh-ed25519 AAAA...', or a fingerprint such as 'SHA256:...'"
    )


def _key_blob(algorithm: str, encoded: str) -> bytes | None:
    """The key blob if ``encoded`` is base64 of a blob that starts with ``algorithm``."""
    try:
        blob = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(blob) < 4:
        return None
    length = int.from_bytes(blob[:4], "big")
    if blob[4 : 4 + length] != algorithm.encode("ascii", "replace"):
        return None
    return blob
