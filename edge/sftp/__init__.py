"""SFTP: the partners' drop server, pollers for partner-hosted SFTP, outbound uploads.

asyncssh is an asyncio library; everything here runs it inside the one trio-asyncio loop
(opened by the gateway's root, or by the first caller if none is open) and offers trio-side
functions. The edge never touches the store: received files go to a :class:`FileSink` that
the gateway implements, which commits them durably before it answers.

Drop server (partners write to us)::

    settings = DropSettings(root=..., host_key=..., accounts=(DropAccount(partner="acme",
                            username="acme", authorized_keys=("keys/acme.pub",)),))
    info = await nursery.start(serve_drop, settings, sink)      # DropServerInfo(port, ...)
    await DropTree(settings.root).write_outbox_file("acme", "CONTRL-1.edi", data)

Pollers and uploads (we go to the partner)::

    server = PartnerServer(partner="nw", host=..., username=..., client_key=load_client_key(p),
                           host_key=parse_host_key_pin("ssh-ed25519 AAAA..."))
    await nursery.start(run_poller, PollSettings(server=server, download_dir="out"), sink)
    await upload(server, "in", "940-17.x12", data, idempotency_key)

Errors (all ``contracts.errors`` subclasses) are drawn in :mod:`edge.sftp._errors`.
"""

from edge.sftp._client import PartnerServer, PartnerSftp, RemoteFile, open_partner_sftp
from edge.sftp._dropconfig import (
    DropAccount,
    DropEvent,
    DropObserver,
    DropServerInfo,
    DropSettings,
)
from edge.sftp._errors import (
    HostKeyMismatch,
    RemoteFileError,
    SftpAuthRefused,
    SftpConfigError,
    SftpUnreachable,
    UploadConflict,
)
from edge.sftp._jailpath import Folder, JailPath, PathRefused, check_name, resolve
from edge.sftp._keys import (
    ClientKey,
    HostKeyPin,
    fingerprint,
    load_authorized_keys,
    load_client_key,
    load_or_create_host_key,
    parse_host_key_pin,
)
from edge.sftp._outbound import UploadResult, temporary_name, upload, upload_with
from edge.sftp._poller import PollGuard, PollReport, PollSettings, poll_once, run_poller
from edge.sftp._server import serve_drop
from edge.sftp._sink import Accepted, Checkpoint, Duplicate, FileSink, Receipt, Rejected
from edge.sftp._stability import PollState, StabilityRule, select_stable
from edge.sftp._tree import DropTree

__all__ = [
    "Accepted",
    "Checkpoint",
    "ClientKey",
    "DropAccount",
    "DropEvent",
    "DropObserver",
    "DropServerInfo",
    "DropSettings",
    "DropTree",
    "Duplicate",
    "FileSink",
    "Folder",
    "HostKeyMismatch",
    "HostKeyPin",
    "JailPath",
    "PartnerServer",
    "PartnerSftp",
    "PathRefused",
    "PollGuard",
    "PollReport",
    "PollSettings",
    "PollState",
    "Receipt",
    "Rejected",
    "RemoteFile",
    "RemoteFileError",
    "SftpAuthRefused",
    "SftpConfigError",
    "SftpUnreachable",
    "StabilityRule",
    "UploadConflict",
    "UploadResult",
    "check_name",
    "fingerprint",
    "load_authorized_keys",
    "load_client_key",
    "load_or_create_host_key",
    "open_partner_sftp",
    "parse_host_key_pin",
    "poll_once",
    "resolve",
    "run_poller",
    "select_stable",
    "serve_drop",
    "temporary_name",
    "upload",
    "upload_with",
]
