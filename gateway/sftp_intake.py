"""The gateway's side of the SFTP edge: the store-backed sink and the services to supervise.

::

    sink = StoreFileSink(store, on_file)                 # edge.sftp.FileSink on the store
    info = await nursery.start(serve_sftp_drop, config, store, on_file)   # DropServerInfo
    await drop_tree(config).write_outbox_file("acme-retail", "CONTRL-17.edi", data)
    for settings in poll_settings(config, "northwind-3pl"):
        await nursery.start(run_poller, settings, sink)  # edge.sftp.run_poller
    await upload(partner_server(config, "northwind-3pl"), channel.upload_dir, name, data, key)

The sink is step 1 of DESIGN.md's walk of one order: the received bytes become an ``inbound``
row in one store transaction (the store finds duplicates: same partner and same content
hash) and only after that commit does the edge archive the file and answer the client.
Then ``on_file(partner, inbound_id)`` tells the partner's actor (``FileArrived``). If telling
fails the file is still received -- the actor rebuilds its work from the store when it
restarts -- so that failure is logged and the client is not told to send the file again
(which would only make a duplicate).

Settings are built from :class:`gateway.config.Config` here, where the configuration's
optional keys become requirements: a partner polled over SFTP needs ``private_key`` and
``host_key``, and key files must exist and parse; otherwise :class:`SftpConfigError` (a
``ConfigError``) names the key.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import trio

from edge.sftp import (
    Accepted,
    DropAccount,
    DropObserver,
    DropServerInfo,
    DropSettings,
    DropTree,
    Duplicate,
    PartnerServer,
    PollSettings,
    Receipt,
    Rejected,
    SftpConfigError,
    StabilityRule,
    load_client_key,
    parse_host_key_pin,
    serve_drop,
)
from gateway.config import Config, SftpDropChannel, SftpPollChannel
from gateway.log import get_logger
from gateway.store import NewInbound, Store

__all__ = [
    "FileNotifier",
    "StoreFileSink",
    "drop_settings",
    "drop_tree",
    "partner_server",
    "poll_settings",
    "serve_sftp_drop",
]

log = get_logger("crossdock.sftp")

FileNotifier = Callable[[str, int], Awaitable[None]]
"""``on_file(partner, inbound_id)``: called after the file's inbound row is committed."""


class StoreFileSink:
    """:class:`edge.sftp.FileSink` on the store: commit first, then tell the partner's actor."""

    def __init__(self, store: Store, on_file: FileNotifier | None = None) -> None:
        self._store = store
        self._on_file = on_file

    async def file_closed(self, partner: str, name: str, data: bytes, *, channel: str) -> Receipt:
        if not data:
            return Rejected(reason=f"{name} is empty: there is nothing to process")
        received = await self._store.receive_inbound(
            NewInbound(partner=partner, channel=channel, source_ref=name, raw=data)
        )
        if received.duplicate_of is not None:
            original = await self._store.get_inbound(received.duplicate_of)
            return Duplicate(
                inbound_id=received.inbound_id,
                duplicate_of=received.duplicate_of,
                original_name=original.source_ref if original else "an earlier file",
                original_received_at=original.received_at if original else 0.0,
            )
        if self._on_file is not None:
            try:
                await self._on_file(partner, received.inbound_id)
            except Exception:
                # Committed already; the actor finds the row when it rehydrates. Failing the
                # upload now would only make the partner send a duplicate.
                log.exception(
                    "sftp_notify_failed",
                    partner=partner,
                    inbound_id=received.inbound_id,
                    file=name,
                )
        return Accepted(inbound_id=received.inbound_id)


def drop_tree(config: Config) -> DropTree:
    """The partners' folders; ``write_outbox_file`` puts acknowledgements where they read."""
    return DropTree(config.sftp.root)


def drop_settings(config: Config) -> DropSettings:
    """The drop server's settings: every partner with an ``sftp-drop`` channel has a login."""
    accounts = []
    for partner in config.partners:
        for channel in partner.channels:
            if isinstance(channel, SftpDropChannel):
                accounts.append(
                    DropAccount(
                        partner=partner.id,
                        username=channel.username or partner.id,
                        authorized_keys=channel.authorized_keys,
                        max_file_size=channel.max_file_size,
                        max_inbox_files=channel.max_inbox_files,
                    )
                )
    sftp = config.sftp
    return DropSettings(
        root=sftp.root,
        host_key=sftp.host_key,
        accounts=tuple(accounts),
        host=sftp.host,
        port=sftp.port,
        hold_suffixes=sftp.hold_suffixes,
        login_timeout=sftp.login_timeout,
    )


def _poll_channels(config: Config, partner_id: str) -> list[tuple[int, SftpPollChannel]]:
    partner = config.partner(partner_id)
    return [(j, c) for j, c in enumerate(partner.channels) if isinstance(c, SftpPollChannel)]


def _server(config: Config, partner_id: str, index: int, channel: SftpPollChannel) -> PartnerServer:
    where = f"$.partners[{config.partners.index(config.partner(partner_id))}].channels[{index}]"
    if channel.private_key is None:
        raise SftpConfigError(
            f"partner {partner_id} is polled over SFTP but has no private_key",
            path=f"{where}.private_key",
        )
    if channel.host_key is None:
        raise SftpConfigError(
            f"partner {partner_id} is polled over SFTP but its server's host_key is not pinned",
            path=f"{where}.host_key",
        )
    try:
        pin = parse_host_key_pin(channel.host_key)
    except ValueError as exc:
        raise SftpConfigError(str(exc), path=f"{where}.host_key") from None
    try:
        key = load_client_key(channel.private_key)
    except SftpConfigError as exc:
        raise SftpConfigError(exc.message, path=f"{where}.private_key", file=exc.file) from None
    return PartnerServer(
        partner=partner_id,
        host=channel.host,
        port=channel.port,
        username=channel.username,
        client_key=key,
        host_key=pin,
        connect_timeout=channel.connect_timeout,
    )


def partner_server(config: Config, partner_id: str) -> PartnerServer:
    """How to reach the partner's SFTP server (its first ``sftp-poll`` channel), for uploads."""
    channels = _poll_channels(config, partner_id)
    if not channels:
        raise KeyError(f"partner {partner_id} has no sftp-poll channel")
    index, channel = channels[0]
    return _server(config, partner_id, index, channel)


def poll_settings(config: Config, partner_id: str) -> list[PollSettings]:
    """One :class:`PollSettings` per ``sftp-poll`` channel of the partner (keys loaded)."""
    found = []
    for index, channel in _poll_channels(config, partner_id):
        server = _server(config, partner_id, index, channel)
        same = channel.download_dir.rstrip("/") == channel.upload_dir.rstrip("/")
        if same and channel.pattern == "*":
            where = f"$.partners[{config.partners.index(config.partner(partner_id))}]"
            raise SftpConfigError(
                f"partner {partner_id}: upload_dir is download_dir and pattern is '*', so our "
                "own uploads would be polled back in; use separate folders or a pattern "
                "matching only the partner's files",
                path=f"{where}.channels[{index}].upload_dir",
            )
        found.append(
            PollSettings(
                server=server,
                download_dir=channel.download_dir,
                archive_dir=channel.archive_dir,
                rule=StabilityRule(
                    kind=channel.stability,
                    pattern=channel.pattern,
                    stable_for=channel.stable_for,
                    done_suffixes=channel.done_suffixes,
                ),
                interval=channel.poll_interval,
                max_file_size=channel.max_file_size,
            )
        )
    return found


async def serve_sftp_drop(
    config: Config,
    store: Store,
    on_file: FileNotifier,
    *,
    observer: DropObserver | None = None,
    task_status: trio.TaskStatus[DropServerInfo | None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve the drop server until cancelled; reports its :class:`DropServerInfo` (with the
    bound port), or None when no partner has an ``sftp-drop`` channel (then nothing listens).
    """
    settings = drop_settings(config)
    if not settings.accounts:
        log.info("sftp_drop_disabled", reason="no partner has an sftp-drop channel")
        task_status.started(None)
        await trio.sleep_forever()
    await serve_drop(
        settings, StoreFileSink(store, on_file), observer=observer, task_status=task_status
    )
