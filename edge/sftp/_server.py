"""``serve_drop``: the partners' SFTP drop server, an asyncssh server inside the bridge.

::

    async with trio.open_nursery() as nursery:
        info = await nursery.start(serve_drop, settings, sink)
        # info.port, info.fingerprint ... partners can connect now

Start-up, in order: load (or create) the host key and log its fingerprint; load every
partner's authorized keys (a missing or broken file stops the start with an
:class:`SftpConfigError` naming it); create the partners' folders and delete partial uploads
left by a previous run; listen. ``task_status.started`` is called only once the socket
listens, with the bound port (``port = 0`` picks a free one).

Shutdown (cancellation): stop listening, close every connection -- uploads still open are
then abandoned, as if their clients had vanished -- and wait for that, at most
``close_timeout`` seconds.
"""

from __future__ import annotations

import functools

import asyncssh
import trio

from edge.sftp._auth import DropAuth
from edge.sftp._bridge import call, open_loop
from edge.sftp._dropconfig import (
    DropContext,
    DropObserver,
    DropServerInfo,
    DropSettings,
    PartnerState,
)
from edge.sftp._jail import JailServer
from edge.sftp._keys import load_authorized_keys, load_or_create_host_key
from edge.sftp._log import EventLog
from edge.sftp._sink import FileSink
from edge.sftp._tree import DropTree

__all__ = ["serve_drop"]

log = EventLog("edge.sftp.drop")


async def serve_drop(
    settings: DropSettings,
    sink: FileSink,
    *,
    observer: DropObserver | None = None,
    task_status: trio.TaskStatus[DropServerInfo] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve the drop server until cancelled; reports a :class:`DropServerInfo` when ready."""
    key, created = await trio.to_thread.run_sync(load_or_create_host_key, settings.host_key)
    public = key.convert_to_public()
    fingerprint = public.get_fingerprint("sha256")
    log.info(
        "sftp_host_key",
        file=settings.host_key,
        fingerprint=fingerprint,
        algorithm=public.get_algorithm(),
        created=created,
    )
    partners = {}
    for account in settings.accounts:
        keys = load_authorized_keys(account.authorized_keys)
        if keys is None:
            log.warning(
                "sftp_account_without_keys",
                partner=account.partner,
                username=account.username,
                reason="no authorized_keys files configured: every login will be refused",
            )
        partners[account.partner] = PartnerState(account, keys)
    tree = DropTree(settings.root)
    removed = await trio.to_thread.run_sync(tree.prepare, list(partners))
    for partner, count in removed.items():
        if count:
            log.info("sftp_partial_uploads_removed", partner=partner, files=count)
    context = DropContext(
        tree=tree,
        sink=sink,
        partners=partners,
        hold_suffixes=settings.hold_suffixes,
        observer=observer,
        log=log,
    )
    async with open_loop() as loop:
        acceptor = await call(loop, _listen, settings, key, context)
        info = DropServerInfo(
            host=settings.host,
            port=acceptor.get_port(),
            fingerprint=fingerprint,
            host_key_line=" ".join(public.export_public_key().decode().split()[:2]),
        )
        try:
            log.info(
                "sftp_listening",
                host=info.host,
                port=info.port,
                fingerprint=fingerprint,
                partners=len(partners),
                root=str(tree.root),
            )
            task_status.started(info)
            await trio.sleep_forever()
        finally:
            with trio.CancelScope(shield=True), trio.move_on_after(settings.close_timeout):
                await call(loop, _shutdown, acceptor, context)
            log.info("sftp_stopped", host=settings.host, port=info.port)


async def _listen(
    settings: DropSettings, key: asyncssh.SSHKey, context: DropContext
) -> asyncssh.SSHAcceptor:
    return await asyncssh.create_server(
        functools.partial(DropAuth, context),
        settings.host,
        settings.port,
        server_host_keys=[key],
        sftp_factory=functools.partial(JailServer, context=context),
        allow_scp=False,
        agent_forwarding=False,
        x11_forwarding=False,
        allow_pty=False,
        login_timeout=settings.login_timeout,
        keepalive_interval=settings.keepalive_interval,
        encoding=None,
    )


async def _shutdown(acceptor: asyncssh.SSHAcceptor, context: DropContext) -> None:
    acceptor.close()
    connections = list(context.connections)
    for conn in connections:
        conn.close()
    await acceptor.wait_closed()
    for conn in connections:
        await conn.wait_closed()
