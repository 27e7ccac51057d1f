"""Outbound uploads to a partner's server: temporary name, rename, verify; idempotent.

``upload(server, remote_dir, name, data, idempotency_key)``:

1. If ``remote_dir/name`` already exists with ``len(data)`` bytes, a previous attempt got
   that far (a retry after a crash or a lost answer): nothing is written again.
   With another size it is some other file: :class:`UploadConflict` (a dead letter), never
   an overwrite and never a second copy under another name.
2. Write ``.<name>.<key hash>.part`` -- hidden, and named after the idempotency key, so a
   retry overwrites its own half-written temporary file instead of leaving another one
   (``hidden=False``: ``<name>.<key hash>.part``, for servers that refuse names with a dot
   first, the channel's ``upload_temp = "suffix"``).
3. Check its size, rename it to ``name`` (a plain SFTP rename, which fails rather than
   replace a file that appeared meanwhile), and check the final size.

The partner therefore never sees a partial file under the final name. The limit of the
scheme: a partner who fetched and deleted the file before our retry gets it twice; only the
partner's own duplicate check (e.g. on the interchange control number) can catch that.
"""

from __future__ import annotations

import hashlib

import msgspec

from edge.sftp._client import PartnerServer, PartnerSftp, join, open_partner_sftp
from edge.sftp._errors import RemoteFileError, UploadConflict
from edge.sftp._log import EventLog
from edge.sftp._sink import Checkpoint

__all__ = ["UploadResult", "temporary_name", "upload", "upload_with"]

log = EventLog("edge.sftp.upload")


class UploadResult(msgspec.Struct, frozen=True, kw_only=True):
    path: str
    size: int
    written: bool  # False when an earlier attempt had already put the file there


def temporary_name(name: str, idempotency_key: str, *, hidden: bool = True) -> str:
    """``.NAME.HASH.part``, or ``NAME.HASH.part`` for servers that refuse hidden names."""
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:16]
    return f"{'.' if hidden else ''}{name}.{digest}.part"


async def upload(
    server: PartnerServer,
    remote_dir: str,
    name: str,
    data: bytes,
    idempotency_key: str,
    *,
    checkpoint: Checkpoint | None = None,
    hidden: bool = True,
) -> UploadResult:
    """Connect and :func:`upload_with`."""
    async with open_partner_sftp(server) as sftp:
        return await upload_with(
            sftp, remote_dir, name, data, idempotency_key, checkpoint, hidden=hidden
        )


async def upload_with(
    sftp: PartnerSftp,
    remote_dir: str,
    name: str,
    data: bytes,
    idempotency_key: str,
    checkpoint: Checkpoint | None = None,
    *,
    hidden: bool = True,
) -> UploadResult:
    """Upload on an open connection (see the module docs); ``hidden`` False writes the
    temporary file without the leading dot (servers that refuse hidden names)."""
    if not name or "/" in name or name in (".", ".."):
        raise ValueError(f"not a file name: {name!r}")
    partner = sftp.server.partner
    final = join(remote_dir, name)
    existing = await sftp.size_of(final)
    if existing == len(data):
        log.info("sftp_upload_already_done", partner=partner, file=final, bytes=existing)
        return UploadResult(path=final, size=existing, written=False)
    if existing is not None:
        raise UploadConflict(
            f"{final} already exists on {sftp.server.address} with {existing} bytes, "
            f"not the {len(data)} we would write; refusing to overwrite it",
            partner=partner,
            path=final,
            size=existing,
            expected=len(data),
        )
    temp = join(remote_dir, temporary_name(name, idempotency_key, hidden=hidden))
    await sftp.write_file(temp, data)
    if checkpoint is not None:
        await checkpoint("written", name)
    await _check_size(sftp, temp, len(data))
    await sftp.rename(temp, final)
    if checkpoint is not None:
        await checkpoint("renamed", name)
    # A server that takes files the moment they appear (an MFT pickup, our own drop server)
    # leaves nothing to check: the rename succeeded, the file was delivered.
    await _check_size(sftp, final, len(data), gone_is_fine=True)
    log.info("sftp_uploaded", partner=partner, file=final, bytes=len(data))
    return UploadResult(path=final, size=len(data), written=True)


async def _check_size(
    sftp: PartnerSftp, path: str, expected: int, *, gone_is_fine: bool = False
) -> None:
    size = await sftp.size_of(path)
    if size is None and gone_is_fine:
        return
    if size != expected:
        raise RemoteFileError(
            f"{path} on {sftp.server.address} has {size} bytes after the upload, "
            f"expected {expected}",
            partner=sftp.server.partner,
            path=path,
        )
