"""The SFTP edge's errors, each under the ``contracts.errors`` class that says what to do.

::

    TransientFailure                       retry later; counts towards the partner's breaker
    ├── SftpUnreachable                    no TCP connection, a timeout, the peer hung up
    ├── SftpAuthRefused                    the partner's server refused our key
    ├── HostKeyMismatch                    the server's host key is not the pinned one
    └── RemoteFileError                    an SFTP operation failed on the partner's server
    DeliveryRejected
    └── UploadConflict                     the final name exists with other content
    ConfigError
    └── SftpConfigError                    a key file is missing or unreadable

asyncssh's and the OS's exceptions are translated into these in ``_client`` and nowhere else.
A changed host key is a ``TransientFailure`` on purpose: it keeps the poller trying (and the
breaker open, and the log saying so every poll) without stopping the other partners; it never
connects until the configuration pins the new key.
"""

from __future__ import annotations

from typing import Any

from contracts.errors import ConfigError, DeliveryRejected, TransientFailure

__all__ = [
    "HostKeyMismatch",
    "RemoteFileError",
    "SftpAuthRefused",
    "SftpConfigError",
    "SftpUnreachable",
    "UploadConflict",
]


class SftpUnreachable(TransientFailure):
    """The partner's SFTP server could not be reached or dropped the connection."""

    def __init__(self, message: str, *, partner: str, host: str, port: int, **fields: Any):
        super().__init__(message, partner=partner, host=host, port=port, **fields)
        self.partner, self.host, self.port = partner, host, port


class SftpAuthRefused(TransientFailure):
    """The partner's server refused our user name and key."""

    def __init__(self, message: str, *, partner: str, host: str, username: str, **fields: Any):
        super().__init__(message, partner=partner, host=host, username=username, **fields)
        self.partner, self.host, self.username = partner, host, username


class HostKeyMismatch(TransientFailure):
    """The server presented a host key other than the pinned one: we refused to talk to it."""

    def __init__(
        self, message: str, *, partner: str, host: str, expected: str, got: str, **fields: Any
    ) -> None:
        super().__init__(message, partner=partner, host=host, expected=expected, got=got, **fields)
        self.partner, self.host, self.expected, self.got = partner, host, expected, got


class RemoteFileError(TransientFailure):
    """An SFTP operation on the partner's server failed (``code`` is the SFTP status)."""

    def __init__(
        self, message: str, *, partner: str, path: str, code: int | None = None, **fields: Any
    ) -> None:
        super().__init__(message, partner=partner, path=path, code=code, **fields)
        self.partner, self.path, self.code = partner, path, code


class UploadConflict(DeliveryRejected):
    """The final remote name already holds a file of another size: we will not overwrite it,
    nor write a second copy under another name."""

    def __init__(
        self, message: str, *, partner: str, path: str, size: int, expected: int, **fields: Any
    ) -> None:
        super().__init__(
            message,
            error_name="upload_conflict",
            partner=partner,
            path=path,
            size=size,
            expected=expected,
            **fields,
        )
        self.partner, self.path, self.size, self.expected = partner, path, size, expected


class SftpConfigError(ConfigError):
    """A file the SFTP settings name (host key, authorized keys, private key) is unusable."""
