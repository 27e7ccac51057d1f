"""The configuration's tables as frozen msgspec Structs: the Struct is the schema.

Each top-level table is decoded on its own (see ``_load``), so a mistake in ``[odoo]`` does
not hide one in ``[[partners]]``. :class:`Config` is built by the loader, never decoded, which
is why ``version`` and ``source_path`` cannot be set from the file.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from gateway.config._address import is_loopback, parse_bind
from gateway.config._flows import Identity, RoutingRule, WebhookSettings
from gateway.config._partner import PartnerConfig, PartnerDefaults
from gateway.config._problems import ConfigProblem
from gateway.config._secret import Secret
from gateway.config._types import (
    BreakerSettings,
    Count,
    LogFormat,
    LogLevel,
    NonEmptyStr,
    RateLimit,
    RetrySettings,
    Seconds,
    Slug,
    Table,
)

__all__ = [
    "AdminSettings",
    "AdminToken",
    "Config",
    "GatewaySettings",
    "OdooSettings",
    "SftpSettings",
    "StoreSettings",
    "TokenRole",
]

DEFAULT_STATE_DIR = "/var/lib/crossdock"
DEFAULT_BIND = "127.0.0.1:8080"
DEFAULT_SFTP_BIND = "127.0.0.1:2222"
TokenRole = Literal["read", "operate"]
OdooProtocol = Literal["json2", "jsonrpc", "auto"]


class GatewaySettings(Table, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """``[gateway]``: this process. ``state_dir`` is absolute once loaded.

    ``state_dir`` is ``None`` only while decoding: the loader fills it from the file (relative
    to the config file's directory), else ``$STATE_DIRECTORY``, else ``/var/lib/crossdock``.
    """

    name: Slug = "crossdock"
    state_dir: NonEmptyStr | None = None
    shutdown_deadline: Seconds = 30.0
    log_level: LogLevel = "info"
    log_format: LogFormat = "auto"


class StoreSettings(Table, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """``[store]``: the SQLite store. ``path`` is absolute once loaded."""

    path: NonEmptyStr = "crossdock.sqlite3"
    group_commit_max_batch: Count = 256
    rescuer_horizon: Seconds = 300.0
    rescuer_interval: Seconds = 30.0


class AdminToken(Table, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One bearer token of the admin API. ``operate`` implies ``read``."""

    name: Slug
    role: TokenRole
    token: Secret

    def allows(self, role: TokenRole) -> bool:
        return self.role == "operate" or role == "read"


class AdminSettings(Table, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """``[admin]``: the admin and health HTTP API."""

    bind: NonEmptyStr = DEFAULT_BIND
    allow_remote: bool = False
    tokens: tuple[AdminToken, ...] = ()

    @property
    def host(self) -> str:
        return parse_bind(self.bind)[0]

    @property
    def port(self) -> int:
        return parse_bind(self.bind)[1]

    @property
    def is_loopback(self) -> bool:
        return is_loopback(self.host)


class OdooSettings(Table, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """``[odoo]``: the ERP endpoint, its credentials and how hard we may push it.

    ``url`` has no trailing ``/`` once loaded. ``login`` is the JSON-RPC user; JSON-2 does not
    use it. ``api_key`` is an API key (JSON-2, JSON-RPC) or the user's password (JSON-RPC).
    """

    url: Annotated[
        str,
        Meta(
            min_length=1,
            description="an http:// or https:// base URL such as 'https://erp.example.com'",
        ),
    ]
    protocol: OdooProtocol = "auto"
    database: NonEmptyStr
    login: NonEmptyStr | None = None
    api_key: Secret
    timeout: Seconds = 30.0
    max_connections: Count = 8
    delivery_batch_size: Count = 50
    delivery_concurrency: Count = 4
    rate_limit: RateLimit = RateLimit(rate=10.0, burst=20)
    breaker: BreakerSettings = BreakerSettings()
    retry: RetrySettings = RetrySettings()
    poll_interval: Seconds = 30.0
    """Seconds between polls of Odoo for confirmed orders and pickings ready to ship."""
    units: dict[Annotated[str, Meta(min_length=1)], NonEmptyStr] = {}
    """Canonical unit (``KG``, ``CA``, ``DZ``...) -> the name of Odoo's ``uom.uom`` for it;
    order lines in each (``EA``) need none."""


class SftpSettings(Table, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """``[sftp]``: the drop server partners with an ``sftp-drop`` channel log in to.

    ``host_key`` and ``root`` are relative to the state directory, absolute once loaded; the
    host key is generated there on first start. It binds to loopback unless told otherwise
    (``bind = "0.0.0.0:2222"`` to face partners). Uploads whose names end in one of
    ``hold_suffixes`` are kept until the client renames them to their final name.
    """

    bind: NonEmptyStr = DEFAULT_SFTP_BIND
    host_key: NonEmptyStr = "ssh_host_ed25519_key"
    root: NonEmptyStr = "sftp"
    login_timeout: Seconds = 30.0
    hold_suffixes: tuple[
        Annotated[
            str,
            Meta(pattern=r"^\.[^/\s]+$", description="a file name suffix such as '.filepart'"),
        ],
        ...,
    ] = (".filepart", ".part", ".tmp")

    @property
    def host(self) -> str:
        return parse_bind(self.bind)[0]

    @property
    def port(self) -> int:
        return parse_bind(self.bind)[1]


class Config(msgspec.Struct, frozen=True, kw_only=True):
    """A loaded, checked configuration; secrets resolved, paths absolute.

    ``version`` is the SHA-256 of the file's bytes: every document records it and the audit
    log keeps it, so one can tell which configuration handled what. Secret values are not part
    of it (rotating a key does not change the version).
    """

    version: Annotated[str, Meta(pattern="^[0-9a-f]{64}$")]
    source_path: str
    gateway: GatewaySettings
    store: StoreSettings
    admin: AdminSettings
    odoo: OdooSettings
    defaults: PartnerDefaults
    partners: tuple[PartnerConfig, ...]
    warnings: tuple[ConfigProblem, ...] = ()
    sftp: SftpSettings = SftpSettings()
    identity: Identity = Identity()
    webhooks: WebhookSettings = WebhookSettings()
    routing: tuple[RoutingRule, ...] = ()

    def partner(self, partner_id: str) -> PartnerConfig:
        """The partner with this id; ``KeyError`` if there is none."""
        for partner in self.partners:
            if partner.id == partner_id:
                return partner
        raise KeyError(partner_id)

    def partner_for_edifact(self, party_id: str, qualifier: str | None) -> PartnerConfig | None:
        """The partner an EDIFACT UNB party (id, code qualifier) belongs to, if any."""
        for partner in self.partners:
            for ident in partner.identifiers.edifact:
                if ident.id == party_id.strip() and ident.qualifier == (qualifier or None):
                    return partner
        return None

    def partner_for_x12(self, qualifier: str, party_id: str) -> PartnerConfig | None:
        """The partner an ISA party (qualifier, id; padding ignored) belongs to, if any."""
        for partner in self.partners:
            for ident in partner.identifiers.x12:
                if ident.qualifier == qualifier.strip() and ident.id == party_id.strip():
                    return partner
        return None

    def partner_for_gln(self, gln: str) -> PartnerConfig | None:
        for partner in self.partners:
            if gln in partner.identifiers.gln:
                return partner
        return None
