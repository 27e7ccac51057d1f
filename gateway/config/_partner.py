"""``[defaults]`` and ``[[partners]]``: who the trading partners are and how to reach them.

``layouts`` are the partner's flat-file layouts (``edge.flatfile``), a tagged union on
``format`` (``csv`` / ``fixed-width``), one per kind of document exchanged as flat files.

Channels are a tagged union on ``type`` so each kind of channel owns its own keys; the webhook
work adds keys to :class:`WebhookChannel` (new keys always get defaults, tags are never
renamed). File names in SFTP channels are relative to the config file's directory and absolute
once loaded; whether the files exist and hold keys is checked when the SFTP service starts.
"""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta

from edge.flatfile import FlatLayout
from gateway.config._flows import StockFeed, WarehouseCode
from gateway.config._secret import Secret
from gateway.config._types import (
    BreakerSettings,
    Count,
    NonEmptyStr,
    RateLimit,
    RetrySettings,
    Seconds,
    Slug,
    StrTable,
    Table,
)

__all__ = [
    "Channel",
    "EdifactIdentifier",
    "Format",
    "MappingOverrides",
    "NoChannel",
    "OutboundDocType",
    "PartnerConfig",
    "PartnerDefaults",
    "PartnerIdentifiers",
    "Role",
    "SftpDropChannel",
    "SftpPollChannel",
    "WebhookChannel",
    "X12Identifier",
]

Role = Literal["customer", "channel", "3pl", "marketplace"]
OutboundDocType = Literal[
    "order_acknowledgement",
    "fulfillment_request",
    "inventory_report",
    "shipment_confirmation",
    "invoice",
]
Format = Literal["edifact", "x12", "csv", "fixed-width", "json"]

Gln = Annotated[
    str,
    Meta(pattern=r"^[0-9]{13}$", description="a GLN: 13 digits (e.g. '4012345000009')"),
]
EdifactPartyId = Annotated[
    str,
    Meta(
        pattern=r"^\S(?:.{0,33}\S)?$",
        description="an EDIFACT party id (UNB 0004/0010): 1 to 35 characters, no outer spaces",
    ),
]
EdifactQualifier = Annotated[
    str,
    Meta(
        pattern=r"^[A-Z0-9]{1,4}$",
        description="a UNB code qualifier (0007): 1 to 4 capital letters or digits, e.g. '14'",
    ),
]
X12Id = Annotated[
    str,
    Meta(
        pattern=r"^\S(?:.{0,13}\S)?$",
        description="an ISA sender/receiver id: 1 to 15 characters, without the padding",
    ),
]
X12Qualifier = Annotated[
    str,
    Meta(
        pattern=r"^[A-Z0-9]{2}$",
        description="an ISA id qualifier: 2 capital letters or digits, e.g. 'ZZ' or '01'",
    ),
]
Hostname = Annotated[
    str,
    Meta(
        pattern=r"^[A-Za-z0-9._:\[\]-]{1,253}$",
        description="a host name or IP address such as 'sftp.partner.example'",
    ),
]
Port = Annotated[int, Meta(ge=1, le=65535, description="a port number from 1 to 65535")]
Bytes = Annotated[int, Meta(ge=1, description="a number of bytes, at least 1 (64 MiB = 67108864)")]
FileName = Annotated[str, Meta(min_length=1, description="a file path")]
RemoteDir = Annotated[str, Meta(min_length=1, description="a folder on the partner's server")]
Glob = Annotated[str, Meta(min_length=1, description="a file name pattern such as '*.edi'")]
Suffix = Annotated[
    str, Meta(pattern=r"^\.[^/\s]+$", description="a file name suffix such as '.done'")
]
Stability = Literal["size-mtime", "done-file", "rename"]
MIB = 1024 * 1024


class _Channel(Table, tag_field="type", frozen=True, kw_only=True, forbid_unknown_fields=True):
    pass


class SftpDropChannel(
    _Channel, tag="sftp-drop", frozen=True, kw_only=True, forbid_unknown_fields=True
):
    """The partner writes to (and reads from) its own jailed folder on our SFTP server.

    ``username`` defaults to the partner id. ``authorized_keys`` are OpenSSH authorized_keys
    files (none: every login is refused). ``max_file_size`` bounds one upload;
    ``max_inbox_files`` bounds the uploads in progress plus held files in ``inbox/``.
    """

    username: Slug | None = None
    authorized_keys: tuple[FileName, ...] = ()
    max_file_size: Bytes = 64 * MIB
    max_inbox_files: Count = 100


class SftpPollChannel(
    _Channel, tag="sftp-poll", frozen=True, kw_only=True, forbid_unknown_fields=True
):
    """We poll the partner's SFTP server, and upload to it.

    ``private_key`` (a file) and ``host_key`` (the pinned server key: a public key line, a
    known_hosts line or a ``SHA256:`` fingerprint) are needed to connect; they are optional
    here only so that a partner can be configured before its keys are exchanged (its poller
    then refuses to start, naming the key). ``stability`` says when a remote file is complete:
    ``size-mtime`` (unchanged for ``stable_for`` seconds across two polls), ``done-file``
    (``X`` + one of ``done_suffixes`` exists) or ``rename`` (only names matching ``pattern``
    are final). Without ``archive_dir`` taken files are deleted remotely. Uploads are written
    under a temporary name first: ``.NAME.HASH.part`` (``upload_temp = "hidden"``) or
    ``NAME.HASH.part`` (``"suffix"``, for servers that refuse names starting with a dot).
    """

    host: Hostname
    port: Port = 22
    username: NonEmptyStr
    poll_interval: Seconds = 60.0
    private_key: FileName | None = None
    host_key: NonEmptyStr | None = None
    download_dir: RemoteDir = "."
    archive_dir: RemoteDir | None = None
    upload_dir: RemoteDir = "."
    upload_temp: Literal["hidden", "suffix"] = "hidden"
    pattern: Glob = "*"
    stability: Stability = "size-mtime"
    stable_for: Seconds = 30.0
    done_suffixes: tuple[Suffix, ...] = (".done", ".ok")
    max_file_size: Bytes = 64 * MIB
    connect_timeout: Seconds = 30.0


class WebhookChannel(
    _Channel, tag="webhook", frozen=True, kw_only=True, forbid_unknown_fields=True
):
    """The partner POSTs JSON to our webhook receiver (``[webhooks]``), signed with HMAC-SHA256
    over ``<timestamp>.<body>`` with ``secret``; a timestamp more than ``tolerance`` seconds
    away from our clock is refused (a replayed request)."""

    secret: Secret
    tolerance: Seconds = 300.0


class NoChannel(_Channel, tag="none", frozen=True, kw_only=True, forbid_unknown_fields=True):
    """No transport: documents arrive through the admin API or replay only."""


Channel = SftpDropChannel | SftpPollChannel | WebhookChannel | NoChannel


class EdifactIdentifier(Table, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """An EDIFACT interchange party: UNB sender/recipient id and its code qualifier."""

    id: EdifactPartyId
    qualifier: EdifactQualifier | None = None


class X12Identifier(Table, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """An X12 interchange party: ISA06/ISA08 id and its ISA05/ISA07 qualifier."""

    id: X12Id
    qualifier: X12Qualifier


class PartnerIdentifiers(Table, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The ids inbound envelopes carry, so an interchange is routed to its partner."""

    gln: tuple[Gln, ...] = ()
    edifact: tuple[EdifactIdentifier, ...] = ()
    x12: tuple[X12Identifier, ...] = ()


class MappingOverrides(Table, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Per-partner translation tables used by the mappings; every table is string -> string.

    ``qualifiers`` (party and reference qualifiers), ``units`` (the partner's unit codes ->
    Odoo units of measure), ``carriers`` (the partner's carrier codes -> ours) and
    ``code_lists`` (any other named list, e.g. ``code_lists.incoterms``).
    """

    qualifiers: StrTable = {}
    units: StrTable = {}
    carriers: StrTable = {}
    code_lists: dict[Annotated[str, Meta(min_length=1)], StrTable] = {}


class PartnerDefaults(Table, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What every ``[[partners]]`` entry starts from; a partner overrides key by key."""

    mailbox_capacity: Count = 1000
    rate_limit: RateLimit = RateLimit()
    breaker: BreakerSettings = BreakerSettings()
    retry: RetrySettings = RetrySettings()


INHERITED = ("mailbox_capacity", "rate_limit", "breaker", "retry")


class PartnerConfig(Table, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One trading partner, with its ``[defaults]`` already applied."""

    id: Slug
    name: NonEmptyStr | None = None
    role: Role
    formats: Annotated[
        tuple[Format, ...],
        Meta(
            min_length=1,
            description="an array of at least one format: "
            "'edifact', 'x12', 'csv', 'fixed-width', 'json'",
        ),
    ]
    channels: Annotated[
        tuple[Channel, ...],
        Meta(
            min_length=1,
            description='an array of at least one channel such as [{ type = "sftp-drop" }]; '
            '[{ type = "none" }] for a partner without one',
        ),
    ]
    identifiers: PartnerIdentifiers = PartnerIdentifiers()
    mailbox_capacity: Count = 1000
    rate_limit: RateLimit = RateLimit()
    breaker: BreakerSettings = BreakerSettings()
    retry: RetrySettings = RetrySettings()
    mapping: MappingOverrides = MappingOverrides()
    layouts: tuple[FlatLayout, ...] = ()
    confirm_orders: bool = False
    """Order intake: confirm the partner's sale orders in Odoo, not leave them quotations."""
    customer_ref: NonEmptyStr | None = None
    """The Internal Reference (``res.partner.ref``) of the partner's company in Odoo, which
    its orders go to; None: the partner id."""
    outbound: dict[OutboundDocType, Annotated[str, Meta(min_length=1)]] = {}
    """What the partner receives, per document type: ``x12:940:004010``, ``edifact:ORDRSP:D96A``
    or ``layout:<name>`` (one of its CSV / fixed-width layouts)."""
    warehouse: WarehouseCode | None = None
    """A 3PL: the Odoo warehouse it runs (its stock reports and receipts land there)."""
    stock_feed: StockFeed | None = None
    """A channel: the stock levels it is sent (``outbound.inventory_report`` says how)."""

    @property
    def display_name(self) -> str:
        return self.name or self.id

    @property
    def odoo_ref(self) -> str:
        """The ``res.partner.ref`` its orders go to (``customer_ref``, else the id)."""
        return self.customer_ref or self.id

    def channel_types(self) -> tuple[str, ...]:
        return tuple(str(type(c).__struct_config__.tag) for c in self.channels)
