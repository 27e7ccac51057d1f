"""The gateway's configuration: one TOML file, decoded into frozen msgspec Structs.

``load_config(path)`` returns a :class:`Config` with secrets read and paths made absolute, or
raises :class:`InvalidConfig` (a ``contracts.errors.ConfigError``) listing every problem found,
each with the path of the key (``$.partners[1].breaker.cooldown``) or the TOML line. The
reference for every key is ``docs/configuration.md``; ``examples/`` holds files that load.
"""

from gateway.config._checks import MIN_TOKEN_LENGTH, RESERVED_PARTNER_IDS, gln_is_valid
from gateway.config._flows import Identity, RoutingRule, StockFeed, WebhookSettings
from gateway.config._load import load_config
from gateway.config._partner import (
    Channel,
    EdifactIdentifier,
    Format,
    MappingOverrides,
    NoChannel,
    OutboundDocType,
    PartnerConfig,
    PartnerDefaults,
    PartnerIdentifiers,
    Role,
    SftpDropChannel,
    SftpPollChannel,
    WebhookChannel,
    X12Identifier,
)
from gateway.config._problems import ConfigProblem, InvalidConfig
from gateway.config._schema import (
    AdminSettings,
    AdminToken,
    Config,
    GatewaySettings,
    OdooSettings,
    SftpSettings,
    StoreSettings,
    TokenRole,
)
from gateway.config._secret import Secret
from gateway.config._summary import summary
from gateway.config._types import BreakerSettings, RateLimit, RetrySettings

__all__ = [
    "MIN_TOKEN_LENGTH",
    "RESERVED_PARTNER_IDS",
    "AdminSettings",
    "AdminToken",
    "BreakerSettings",
    "Channel",
    "Config",
    "ConfigProblem",
    "EdifactIdentifier",
    "Format",
    "GatewaySettings",
    "Identity",
    "InvalidConfig",
    "MappingOverrides",
    "NoChannel",
    "OdooSettings",
    "OutboundDocType",
    "PartnerConfig",
    "PartnerDefaults",
    "PartnerIdentifiers",
    "RateLimit",
    "RetrySettings",
    "Role",
    "RoutingRule",
    "Secret",
    "SftpDropChannel",
    "SftpPollChannel",
    "SftpSettings",
    "StockFeed",
    "StoreSettings",
    "TokenRole",
    "WebhookChannel",
    "WebhookSettings",
    "X12Identifier",
    "gln_is_valid",
    "load_config",
    "summary",
]
