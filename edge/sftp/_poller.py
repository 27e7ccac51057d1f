"""Pollers for partner-hosted SFTP: list, wait for stable files, download, commit, clean up.

One poll (:func:`poll_once`), in the order that makes a crash harmless:

1. connect (pinned host key), list ``download_dir``, pick the stable files (``_stability``);
2. for each: download it whole, hand it to the sink, which commits it durably;
3. only then delete it remotely, or move it to ``archive_dir``; then remove its done-file.

A crash before 2 commits loses nothing: the file is still there and is taken next time. A
crash between the commit and 3 leaves a committed file on the server: the next poll downloads
it again, the sink answers :class:`Duplicate` (same partner, same content), and the file is
deleted or moved without being processed twice. A file whose size changed between listing and
download is left for a later poll. Files the sink rejects stay where they are, skipped while
they are unchanged (re-fetching them would only be rejected again).

:func:`run_poller` repeats :func:`poll_once` every ``interval`` seconds. An unreachable server,
a changed host key, a failed remote operation or a store that cannot commit now are
``TransientFailure``s: logged, and the loop goes on at the next interval. ``guard`` (the
gateway's breaker) wraps each poll; it may refuse by raising ``TransientFailure`` too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import msgspec
import trio

from contracts.errors import TransientFailure
from edge.sftp._client import PartnerServer, PartnerSftp, RemoteFile, join, open_partner_sftp
from edge.sftp._errors import RemoteFileError
from edge.sftp._log import EventLog
from edge.sftp._sink import Accepted, Checkpoint, Duplicate, FileSink, Rejected
from edge.sftp._stability import PollState, StabilityRule, markers_for, select_stable

__all__ = ["PollGuard", "PollReport", "PollSettings", "poll_once", "run_poller"]

log = EventLog("edge.sftp.poll")
_NO_SUCH_FILE = 2  # SSH_FX_NO_SUCH_FILE


class PollSettings(msgspec.Struct, frozen=True, kw_only=True):
    """One polled folder of one partner's server."""

    server: PartnerServer
    download_dir: str = "."
    archive_dir: str | None = None
    rule: StabilityRule = StabilityRule()
    interval: float = 60.0
    max_file_size: int = 64 * 1024 * 1024


class PollReport(msgspec.Struct, kw_only=True):
    """What one poll did, by file name."""

    taken: list[str] = msgspec.field(default_factory=list)
    duplicates: list[str] = msgspec.field(default_factory=list)
    refused: list[str] = msgspec.field(default_factory=list)
    deferred: list[str] = msgspec.field(default_factory=list)


PollGuard = Callable[[Callable[[], Awaitable[PollReport]]], Awaitable[PollReport]]


async def poll_once(
    settings: PollSettings,
    sink: FileSink,
    state: PollState,
    *,
    now: float,
    checkpoint: Checkpoint | None = None,
) -> PollReport:
    """One poll of ``settings.download_dir``; ``now`` is any monotonic clock's reading."""
    report = PollReport()
    async with open_partner_sftp(settings.server) as sftp:
        listing = await sftp.list_files(settings.download_dir)
        for remote in select_stable(listing, settings.rule, state, now):
            await _take(settings, sink, state, sftp, remote, listing, report, checkpoint)
    return report


async def _take(
    settings: PollSettings,
    sink: FileSink,
    state: PollState,
    sftp: PartnerSftp,
    remote: RemoteFile,
    listing: list[RemoteFile],
    report: PollReport,
    checkpoint: Checkpoint | None,
) -> None:
    partner, name = settings.server.partner, remote.name
    path = join(settings.download_dir, name)
    if remote.size > settings.max_file_size:
        state.refused.add((name, remote.size, remote.mtime))
        log.warning(
            "sftp_poll_file_too_large",
            partner=partner,
            file=path,
            bytes=remote.size,
            limit=settings.max_file_size,
        )
        report.refused.append(name)
        return

    first_chunk = True

    async def on_chunk(total: int) -> None:
        nonlocal first_chunk
        if first_chunk and checkpoint is not None:
            first_chunk = False
            await checkpoint("downloading", name)

    data = await sftp.read_file(path, max_size=settings.max_file_size, on_chunk=on_chunk)
    if len(data) != remote.size:
        state.forget(name)  # still being written: watch it again from now
        log.info("sftp_poll_file_changed", partner=partner, file=path, bytes=len(data))
        report.deferred.append(name)
        return
    receipt = await sink.file_closed(partner, name, data, channel="sftp-poll")
    if checkpoint is not None:
        await checkpoint("committed", name)
    match receipt:
        case Accepted(inbound_id=inbound_id):
            log.info(
                "sftp_poll_received",
                partner=partner,
                file=path,
                bytes=len(data),
                inbound_id=inbound_id,
            )
            report.taken.append(name)
        case Duplicate():
            log.warning(
                "sftp_poll_duplicate",
                partner=partner,
                file=path,
                inbound_id=receipt.inbound_id,
                reason=receipt.reason,
            )
            report.duplicates.append(name)
        case Rejected(reason=reason):
            state.refused.add((name, remote.size, remote.mtime))
            log.warning("sftp_poll_rejected", partner=partner, file=path, reason=reason)
            report.refused.append(name)
            return
    await _clean_up(settings, sftp, remote, listing)
    state.forget(name)
    if checkpoint is not None:
        await checkpoint("cleaned", name)


async def _clean_up(
    settings: PollSettings, sftp: PartnerSftp, remote: RemoteFile, listing: list[RemoteFile]
) -> None:
    """Delete the committed file remotely, or move it to the archive; then its markers."""
    path = join(settings.download_dir, remote.name)
    if settings.archive_dir is not None:
        await sftp.replace(path, join(settings.archive_dir, remote.name))
    else:
        await sftp.remove(path)
    for marker in markers_for(remote.name, listing, settings.rule):
        try:
            await sftp.remove(join(settings.download_dir, marker))
        except RemoteFileError as exc:
            if exc.code != _NO_SUCH_FILE:
                raise


async def run_poller(
    settings: PollSettings,
    sink: FileSink,
    *,
    guard: PollGuard | None = None,
    clock: Callable[[], float] = trio.current_time,
    checkpoint: Checkpoint | None = None,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Poll every ``settings.interval`` seconds until cancelled (first poll at once)."""
    state = PollState()
    server = settings.server

    async def once() -> PollReport:
        return await poll_once(settings, sink, state, now=clock(), checkpoint=checkpoint)

    log.info(
        "sftp_poller_started",
        partner=server.partner,
        server=server.address,
        folder=settings.download_dir,
        rule=settings.rule.kind,
        interval=settings.interval,
    )
    task_status.started()
    while True:
        try:
            report = await (guard(once) if guard is not None else once())
        except TransientFailure as exc:
            log.warning(
                "sftp_poll_failed",
                partner=server.partner,
                server=server.address,
                error=type(exc).__name__,
                reason=str(exc),
            )
        else:
            if report.taken or report.duplicates or report.refused:
                log.info(
                    "sftp_poll_done",
                    partner=server.partner,
                    taken=len(report.taken),
                    duplicates=len(report.duplicates),
                    refused=len(report.refused),
                )
        await trio.sleep(settings.interval)
